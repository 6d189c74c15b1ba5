/** The docker CLI, for the operator commands (honours DOCKER_HOST and docker contexts). */
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { type HostRun, run, stderrTail } from "./process";

export { stderrTail };

/** `{a: "1"}` → `["--label", "a=1"]`, for `docker run` and `docker volume create`. */
export function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
}

/** `{A: "1"}` → `["-e", "A=1"]`, for `docker run` (never for secrets: they show in `docker inspect`). */
export function envArgs(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
}

export type DockerResult = HostRun;

export function docker(args: string[], options: { input?: string; allowFailure?: boolean } = {}): Promise<DockerResult> {
  return run("docker", args, options);
}

/** Streams a file into (`stdinFile`) or out of (`stdoutFile`) a docker command, for dumps of any size. */
export function dockerStream(args: string[], files: { stdinFile?: string; stdoutFile?: string }): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, { env: process.env, stdio: ["pipe", "pipe", "pipe"] });
    const err: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    // A file that cannot be opened or written fails the command, not the process.
    const failed = (e: Error) => {
      child.kill();
      reject(e);
    };
    if (files.stdoutFile) child.stdout.pipe(createWriteStream(files.stdoutFile, { mode: 0o600 }).on("error", failed));
    else child.stdout.resume();
    child.stdin.on("error", () => {});
    if (files.stdinFile) createReadStream(files.stdinFile).on("error", failed).pipe(child.stdin);
    else child.stdin.end();
    child.on("error", reject);
    child.on("close", (code) => {
      const result = { stdout: "", stderr: Buffer.concat(err).toString(), code: code ?? 1 };
      if (result.code !== 0) reject(new Error(`docker ${args[0]} failed (exit ${result.code}): ${stderrTail(result.stderr)}`));
      else resolve(result);
    });
  });
}
