/** Child processes the host adapters share. */
import { spawn } from "node:child_process";

/** What a command printed, and how it ended. */
export interface HostRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `reader | writer`: both commands' exit codes (the writer's if the reader succeeded) and their stderr. */
export function pipe(reader: [string, string[]], writer: [string, string[]]): Promise<HostRun> {
  const from = spawn(reader[0], reader[1], { stdio: ["ignore", "pipe", "pipe"] });
  const to = spawn(writer[0], writer[1], { stdio: ["pipe", "pipe", "pipe"] });
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
