/**
 * kubectl, for the operator commands on a Kubernetes stack: the binary is `kubectl` on PATH
 * unless KUBECTL names another; the cluster is the stack's kubeconfig (else kubectl's default).
 */
import { run } from "./process";

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
      return run(command[0], [...command[1], ...args], {
        ...options,
        describe: `kubectl ${args[0]}`,
        cannotStart: (e) => `cannot run ${command[0]} (set KUBECTL to its path): ${e.message}`,
      });
    },
  };
}
