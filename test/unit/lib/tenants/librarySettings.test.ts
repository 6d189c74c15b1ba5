/**
 * Library settings: names only, and only libraries the image ships where its list is known. The
 * list syntax cases are the verdicts of the real servers (17 and 18): a list that does not split
 * is LOGged as "invalid list syntax" and loads nothing.
 */
import { libraryProblem, splitLibraryList } from "../../../../lib/tenants/librarySettings";
import { settingProblem } from "../../../../lib/tenants/postgresSettings";

describe("the list syntax is SplitDirectoriesString's", () => {
  test.each([
    ["", []],
    ["   ", []],
    ["pg_stat_statements", ["pg_stat_statements"]],
    [" pg_stat_statements ,  auto_explain ", ["pg_stat_statements", "auto_explain"]],
    ['"pg_stat_statements", auto_explain', ["pg_stat_statements", "auto_explain"]],
    ['auto_explain, "a b"', ["auto_explain", "a b"]],
    ['"au""to"', ['au"to']],
    ["pg_stat_statements auto_explain", ["pg_stat_statements auto_explain"]],
    ['""', [""]],
  ])("%p splits into %p", (value, names) => {
    expect(splitLibraryList(value)).toEqual(names);
  });

  test.each(["a,,b", "a,", ",a", '"auto_explain', '"auto_explain"x', "a, ,b"])("%p does not split", (value) => {
    expect(splitLibraryList(value)).toBeUndefined();
  });
});

describe.each([17, 18])("PostgreSQL %i's image", (major) => {
  const problem = (name: string, value: string, customImage = false) => libraryProblem(major, name, name, value, { customImage });

  test("libraries it ships are accepted, by name, with .so, or under $libdir/", () => {
    for (const value of [
      "pg_stat_statements",
      "pg_stat_statements.so",
      "$libdir/pg_stat_statements",
      "uuid-ossp",
      "auto_explain, pg_prewarm",
    ]) {
      expect({ value, problem: problem("shared_preload_libraries", value) }).toEqual({ value, problem: undefined });
      expect({ value, problem: problem("session_preload_libraries", value) }).toEqual({ value, problem: undefined });
    }
    expect(problem("shared_preload_libraries", "")).toBeUndefined();
  });

  test("a path is refused, whatever the image", () => {
    for (const value of ["/tmp/evil.so", "$libdir/../../../tmp/evil", "plugins/x", "..", "$libdir", "./auto_explain"]) {
      for (const customImage of [false, true]) {
        expect(problem("session_preload_libraries", value, customImage)?.message).toBe(
          `session_preload_libraries: ${JSON.stringify(value)} is a path; only a library name is allowed`,
        );
      }
    }
  });

  test("a library it does not ship is refused, with a guess when one is close", () => {
    expect(problem("shared_preload_libraries", "pg_stat_statement")).toEqual({
      message: `shared_preload_libraries: "pg_stat_statement" is not a library of the PostgreSQL ${major} image`,
      hint: 'did you mean "pg_stat_statements"?',
    });
    expect(problem("shared_preload_libraries", "auto_explain, timescaledb")?.message).toBe(
      `shared_preload_libraries: "timescaledb" is not a library of the PostgreSQL ${major} image`,
    );
    // Names are file names: case matters.
    expect(problem("shared_preload_libraries", "AUTO_EXPLAIN")).toBeDefined();
  });

  test("local_preload_libraries loads from $libdir/plugins, where the image has nothing", () => {
    for (const value of ["auto_explain", "$libdir/plugins/auto_explain"]) {
      expect(problem("local_preload_libraries", value)?.message).toBe(
        `local_preload_libraries: "${value}" is not a library of the PostgreSQL ${major} image's $libdir/plugins`,
      );
    }
    expect(problem("local_preload_libraries", "$libdir/auto_explain")?.message).toMatch(/is a path/);
  });

  test("with an image of the stack's own (postgresImages), any name passes and a refusal says why no list was used", () => {
    expect(problem("shared_preload_libraries", "timescaledb", true)).toBeUndefined();
    expect(problem("shared_preload_libraries", "/opt/timescaledb.so", true)?.hint).toMatch(
      /postgresImages names this major's image, so which libraries it ships cannot be checked offline$/,
    );
  });

  test("jit_provider is one library name", () => {
    expect(problem("jit_provider", "../../tmp/evil")?.message).toMatch(/is a path/);
    expect(problem("jit_provider", "llvmjit, x")?.message).toMatch(/is not a library/);
  });

  test("dynamic_library_path may only be $libdir", () => {
    expect(problem("dynamic_library_path", "$libdir")).toBeUndefined();
    expect(problem("dynamic_library_path", "/tmp:$libdir")?.message).toBe(
      `dynamic_library_path: "/tmp:$libdir" is not allowed: libraries are loaded from the image's own $libdir only`,
    );
  });
});

test("jit_provider names what the image ships: llvmjit is in 17's image, not in 18's", () => {
  expect(libraryProblem(17, "jit_provider", "jit_provider", "llvmjit")).toBeUndefined();
  expect(libraryProblem(18, "jit_provider", "jit_provider", "llvmjit")?.message).toBe(
    'jit_provider: "llvmjit" is not a library of the PostgreSQL 18 image',
  );
});

test("majors without a library list (14-16) get the names-only check, and say so", () => {
  expect(libraryProblem(16, "shared_preload_libraries", "shared_preload_libraries", "anything")).toBeUndefined();
  expect(libraryProblem(16, "shared_preload_libraries", "shared_preload_libraries", "/tmp/x")?.hint).toMatch(
    /no library list for PostgreSQL 16, so which libraries its image ships cannot be checked offline$/,
  );
});

test("settingProblem checks library settings under any spelling of their name", () => {
  expect(settingProblem(18, "Session_Preload_Libraries", "/tmp/evil.so")?.message).toBe(
    'Session_Preload_Libraries: "/tmp/evil.so" is a path; only a library name is allowed',
  );
  expect(settingProblem(18, "shared_preload_libraries", "timescaledb", { customImage: true })).toBeUndefined();
  expect(settingProblem(18, "shared_preload_libraries", "timescaledb")).toBeDefined();
});
