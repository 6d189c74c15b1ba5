/** Child processes the host adapters share. */
import { spawn } from "node:child_process";

/** What a command printed, and how it ended. */
export interface HostRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The last lines of a command's stderr, on one line, for an error message. */
export function stderrTail(stderr: string): string {
  return stderr.trim().split("\n").slice(-3).join(" | ");
}

export interface RunOptions {
  /** Written to the command's stdin (else it is closed at once). */
  input?: string;
  /** Resolve with a non-zero exit code instead of rejecting. */
  allowFailure?: boolean;
  /** What the failure message calls the command (else `program args[0]`). */
  describe?: string;
  /** The message when the program cannot be started at all. */
  cannotStart?: (e: Error) => string;
}

/** Runs `program args`, collecting its output; rejects on a non-zero exit unless `allowFailure`. */
export function run(program: string, args: string[], options: RunOptions = {}): Promise<HostRun> {
  return new Promise((resolve, reject) => {
    const { input } = options;
    const child = spawn(program, args, { env: process.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (e) => reject(options.cannotStart ? new Error(options.cannotStart(e)) : e));
    child.on("close", (code) => {
      const result = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? 1 };
      if (result.code !== 0 && !options.allowFailure) {
        reject(new Error(`${options.describe ?? `${program} ${args[0]}`} failed (exit ${result.code}): ${stderrTail(result.stderr)}`));
      } else {
        resolve(result);
      }
    });
    // A command that exits before reading its input (a failed `docker exec -i`) closes the pipe:
    // its exit code, seen on "close", is the result, not the EPIPE.
    child.stdin.on("error", () => {});
    child.stdin.end(input ?? "");
  });
}

/** Runs `reader | writer`: both commands' exit codes (the writer's if the reader succeeded) and their stderr. */
export function pipe(reader: [string, string[]], writer: [string, string[]]): Promise<HostRun> {
  const from = spawn(reader[0], reader[1], { stdio: ["ignore", "pipe", "pipe"] });
  const to = spawn(writer[0], writer[1], { stdio: ["pipe", "pipe", "pipe"] });
  to.stdin.on("error", () => {});
  from.stdout.pipe(to.stdin);
  const errors: Buffer[] = [];
  from.stderr.on("data", (c: Buffer) => errors.push(c));
  to.stderr.on("data", (c: Buffer) => errors.push(c));
  to.stdout.resume();
  const done = (child: ReturnType<typeof spawn>) =>
    new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve(code ?? 1));
    });
  return Promise.all([done(from), done(to)]).then(([a, b]) => ({
    code: a !== 0 ? a : b,
    stdout: "",
    stderr: Buffer.concat(errors).toString(),
  }));
}
