/** The docker CLI, for the operator commands (honours DOCKER_HOST and docker contexts). */
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";

/** `{a: "1"}` → `["--label", "a=1"]`, for `docker run` and `docker volume create`. */
export function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
}

/** `{A: "1"}` → `["-e", "A=1"]`, for `docker run` (never for secrets: they show in `docker inspect`). */
export function envArgs(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
}

/** The last lines of a command's stderr, on one line, for an error message. */
export function stderrTail(stderr: string): string {
  return stderr.trim().split("\n").slice(-3).join(" | ");
}

export interface DockerResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function docker(args: string[], options: { input?: string; allowFailure?: boolean } = {}): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const result = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? 1 };
      if (result.code !== 0 && !options.allowFailure) {
        reject(new Error(`docker ${args[0]} failed (exit ${result.code}): ${stderrTail(result.stderr)}`));
      } else {
        resolve(result);
      }
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Streams a file into (`stdinFile`) or out of (`stdoutFile`) a docker command, for dumps of any size. */
export function dockerStream(args: string[], files: { stdinFile?: string; stdoutFile?: string }): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, { stdio: ["pipe", "pipe", "pipe"] });
    const err: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    if (files.stdoutFile) child.stdout.pipe(createWriteStream(files.stdoutFile, { mode: 0o600 }));
    else child.stdout.resume();
    if (files.stdinFile) createReadStream(files.stdinFile).pipe(child.stdin);
    else child.stdin.end();
    child.on("error", reject);
    child.on("close", (code) => {
      const result = { stdout: "", stderr: Buffer.concat(err).toString(), code: code ?? 1 };
      if (result.code !== 0) reject(new Error(`docker ${args[0]} failed (exit ${result.code}): ${stderrTail(result.stderr)}`));
      else resolve(result);
    });
  });
}
