/**
 * The project's local Kubernetes (scripts/kubernetes.sh) for the end-to-end suite: started with
 * the local images imported when it is not running, kubectl on it, and removal of what a stack
 * left in it. Its node address, 10.88.0.1, is on a bridge private to this machine.
 */
import { execFile } from "node:child_process";
import { homedir } from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "./stack";

const VERSION = process.env.K8S_VERSION ?? "1.34.4";
const HOME = path.join(process.env.PGS_CACHE ?? path.join(homedir(), ".cache", "pgs"), "k8s", VERSION);
export const KUBECONFIG = path.join(HOME, "state", "pki", "admin.kubeconfig");
export const KUBECTL = path.join(HOME, "bin", "kubectl");
/** Where NodePorts answer: the node's address on the cluster's bridge. */
export const NODE_ADDRESS = "10.88.0.1";

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, cwd: PROJECT_DIR },
      (err, stdout, stderr) => {
        resolve({
          code: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0,
          stdout,
          stderr,
        });
      },
    );
    child.stdin?.end(options.input ?? "");
  });
}

export function kubectl(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return run(KUBECTL, [`--kubeconfig=${KUBECONFIG}`, ...args], options);
}

/** kubectl that must succeed; its standard output. */
export async function kubectlOk(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await kubectl(args, options);
  if (r.code !== 0) throw new Error(`e2e: kubectl ${args.join(" ")} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * The cluster up with the local images in it: `scripts/kubernetes.sh up` and `images` are
 * idempotent (seconds when it already runs). Fails loudly, with the script's last words.
 */
export async function ensureCluster(): Promise<void> {
  for (const command of ["up", "images"]) {
    const r = await run("bash", [path.join(PROJECT_DIR, "scripts", "kubernetes.sh"), command], { timeoutMs: 900_000 });
    if (r.code !== 0) {
      throw new Error(
        `e2e: scripts/kubernetes.sh ${command} failed (exit ${r.code}); the Kubernetes suite needs the local cluster:\n${(r.stdout + r.stderr).trim().split("\n").slice(-15).join("\n")}`,
      );
    }
  }
  const ready = await kubectlOk(["get", "nodes", "-o", 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}']);
  if (!ready.includes("True")) throw new Error(`e2e: the local cluster's node is not Ready (${ready})`);
}

/** Removes everything of `stack` from the cluster: its namespaces (claims included) and its ClusterRole and binding. CRDs stay. */
export async function cleanupKubernetes(stack: string): Promise<void> {
  await kubectl(["delete", "namespace", "-l", `pgs.stack=${stack}`, "--wait=true", "--timeout=180s"], { timeoutMs: 200_000 });
  await kubectl(["delete", "clusterrolebinding,clusterrole", "-l", `pgs.stack=${stack}`, "--ignore-not-found"]);
}

/** A JSON object from kubectl get … -o json. */
export async function getJson<T = Record<string, any>>(args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk([...args, "-o", "json"])) as T;
}
