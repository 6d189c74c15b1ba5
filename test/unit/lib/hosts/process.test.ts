/** lib/hosts/process.ts: running commands and pipes (real /bin/sh commands). */
import { pipe, run, stderrTail } from "../../../../lib/hosts/process";

test("run collects output and rejects on a non-zero exit with the last stderr lines", async () => {
  await expect(run("sh", ["-c", "echo out; echo err >&2"])).resolves.toEqual({ stdout: "out\n", stderr: "err\n", code: 0 });
  await expect(run("sh", ["-c", "printf '1\\n2\\n3\\n4\\n' >&2; exit 5"], { describe: "the check" })).rejects.toThrow(
    "the check failed (exit 5): 2 | 3 | 4",
  );
  await expect(run("sh", ["-c", "exit 5"], { allowFailure: true })).resolves.toMatchObject({ code: 5 });
});

test("run: input reaches the command; a command that ignores a large input still gives its own exit code", async () => {
  await expect(run("wc", ["-c"], { input: "abcd" })).resolves.toMatchObject({ stdout: expect.stringMatching(/^\s*4\s*$/) });
  const input = "z".repeat(8 * 1024 * 1024);
  await expect(run("sh", ["-c", "exit 7"], { input, allowFailure: true })).resolves.toMatchObject({ code: 7 });
});

test("run: a program that cannot start rejects with the caller's message", async () => {
  await expect(run("/nonexistent/pgs-tool", [], { cannotStart: (e) => `no tool: ${e.message}` })).rejects.toThrow(/^no tool: .*ENOENT/);
});

test("pipe: the reader's failure wins, else the writer's code; a writer that stops early is not an error", async () => {
  await expect(pipe(["sh", ["-c", "echo hi"]], ["sh", ["-c", "cat >/dev/null"]])).resolves.toMatchObject({ code: 0 });
  await expect(pipe(["sh", ["-c", "echo bad >&2; exit 3"]], ["sh", ["-c", "cat >/dev/null; exit 4"]])).resolves.toMatchObject({
    code: 3,
    stderr: "bad\n",
  });
  await expect(pipe(["sh", ["-c", "echo hi"]], ["sh", ["-c", "exit 4"]])).resolves.toMatchObject({ code: 4 });
});

test("stderrTail keeps the last three lines on one line", () => {
  expect(stderrTail("1\n2\n3\n4\n")).toBe("2 | 3 | 4");
});
