/** lib/tenants/problems.ts: how input problems are printed, ordered and thrown. */
import { formatProblem, InvalidInputError, type Problem, sortProblems } from "../../../../lib/tenants/problems";

const problem = (line: number, col: number, message: string, hint?: string): Problem => ({
  file: "/srv/pgs/tenants.yaml",
  line,
  col,
  message,
  ...(hint !== undefined ? { hint } : {}),
});

test("a problem prints as FILE:LINE:COL: message, the way compilers print theirs", () => {
  expect(formatProblem(problem(3, 7, 'unknown key "hostnme"'))).toBe('/srv/pgs/tenants.yaml:3:7: unknown key "hostnme"');
});

test("a hint follows in parentheses; an empty hint adds nothing", () => {
  expect(formatProblem(problem(3, 7, 'unknown key "hostnme"', 'did you mean "hostname"?'))).toBe(
    '/srv/pgs/tenants.yaml:3:7: unknown key "hostnme" (did you mean "hostname"?)',
  );
  expect(formatProblem(problem(1, 1, "file is empty", ""))).toBe("/srv/pgs/tenants.yaml:1:1: file is empty");
});

test("problems sort by line, then column, then message", () => {
  const sorted = sortProblems([problem(10, 1, "j"), problem(2, 9, "c"), problem(2, 3, "b"), problem(2, 3, "a"), problem(1, 40, "z")]);
  expect(sorted.map((p) => `${p.line}:${p.col}:${p.message}`)).toEqual(["1:40:z", "2:3:a", "2:3:b", "2:9:c", "10:1:j"]);
});

test("lines compare as numbers, not as text", () => {
  expect(sortProblems([problem(10, 1, "ten"), problem(9, 1, "nine")]).map((p) => p.message)).toEqual(["nine", "ten"]);
});

test("sorting returns a new list and leaves the caller's alone", () => {
  const problems = [problem(2, 1, "second"), problem(1, 1, "first")];
  const sorted = sortProblems(problems);
  expect(sorted).not.toBe(problems);
  expect(problems.map((p) => p.message)).toEqual(["second", "first"]);
  expect(sortProblems([])).toEqual([]);
});

describe("InvalidInputError", () => {
  const problems = [
    problem(8, 5, 'tenant "b": state must be one of running, stopped'),
    problem(4, 3, 'duplicate key "id"', "each key may appear once"),
  ];
  const err = new InvalidInputError(problems);

  test("is an Error named InvalidInputError, as the CLI recognises input errors by name", () => {
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.name).toBe("InvalidInputError");
  });

  test("its message lists every problem, one a line, in file order", () => {
    expect(err.message).toBe(
      [
        '/srv/pgs/tenants.yaml:4:3: duplicate key "id" (each key may appear once)',
        '/srv/pgs/tenants.yaml:8:5: tenant "b": state must be one of running, stopped',
      ].join("\n"),
    );
  });

  test("it carries the problems themselves, for callers that print them their own way", () => {
    expect(err.problems).toEqual(problems);
  });
});
