/**
 * What an interrupted `pulumi up` on a Kubernetes stack already made: the object a pending create
 * of @pulumi/kubernetes stood for, looked up in the stack's cluster by its apiVersion, kind, name
 * and namespace (kubectl resolves the kind, custom resources included). Its provider id is
 * `namespace/name`, or `name` for a cluster-wide object.
 */
import { kubectl } from "../../lib/hosts/kubectl";

interface Manifest {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
}

/** For app/engine/recovery.ts (its ExistingObject). */
export function kubernetesObject(
  kubeconfig: string | undefined,
): (type: string, inputs: Record<string, unknown>) => Promise<{ id: string; name: string } | undefined> {
  const k = kubectl(kubeconfig);
  return async (type, inputs) => {
    if (!type.startsWith("kubernetes:")) return undefined;
    const { apiVersion, kind, metadata } = inputs as Manifest;
    const name = metadata?.name;
    const namespace = metadata?.namespace;
    if (typeof apiVersion !== "string" || typeof kind !== "string" || typeof name !== "string") return undefined;
    const query = { apiVersion, kind, metadata: { name, ...(typeof namespace === "string" ? { namespace } : {}) } };
    const r = await k.run(["get", "-f", "-", "--ignore-not-found", "-o", "name"], { input: JSON.stringify(query), allowFailure: true });
    if (r.code !== 0) throw new Error(`looking up ${kind} ${name} in the cluster failed: ${r.stderr.trim().split("\n").pop()}`);
    if (r.stdout.trim() === "") return undefined;
    const id = typeof namespace === "string" ? `${namespace}/${name}` : name;
    return { id, name: `${kind} ${id}` };
  };
}
