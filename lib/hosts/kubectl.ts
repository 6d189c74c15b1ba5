/**
 * kubectl, for the operator commands on a Kubernetes stack: the binary is `kubectl` on PATH
 * unless KUBECTL names another; the cluster is the stack's kubeconfig (else kubectl's default).
 */
import { spawn } from "node:child_process";
import { stderrTail } from "./dockerCli";

export interface Kubectl {
  /** The command and the arguments every call starts with (--kubeconfig). */
  command: [string, string[]];
  run(args: string[], options?: { input?: string; allowFailure?: boolean }): Promise<{ stdout: string; stderr: string; code: number }>;
}

export function kubectl(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env): Kubectl {
  const command: [string, string[]] = [env.KUBECTL || "kubectl", kubeconfig ? [`--kubeconfig=${kubeconfig}`] : []];
  return {
    command,
    run(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(command[0], [...command[1], ...args], { stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
        child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
        child.on("error", (e) => reject(new Error(`cannot run ${command[0]} (set KUBECTL to its path): ${e.message}`)));
        child.on("close", (code) => {
          const result = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? 1 };
          if (result.code !== 0 && !options.allowFailure) {
            reject(new Error(`kubectl ${args[0]} failed (exit ${result.code}): ${stderrTail(result.stderr)}`));
          } else {
            resolve(result);
          }
        });
        child.stdin.end(options.input ?? "");
      });
    },
  };
}
