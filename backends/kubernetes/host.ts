/**
 * A Kubernetes stack's cluster as the operator commands see it, through kubectl with the stack's
 * kubeconfig: server pods and the ingress's pods by the stack's labels, the servers' own answers
 * over their trusted local socket (kubectl exec), the backup jobs' log lines.
 */
import * as path from "node:path";
import { kubectl } from "../../lib/hosts/kubectl";
import { KUBERNETES_OBJECTS, LABEL } from "../../lib/naming";
import { dumpTime, LOG_TAG, parseLogLine } from "../../lib/postgres/backup";
import {
  parseServerFacts,
  SERVER_FACTS_SQL,
  STORAGE_USE_SCRIPT,
  SUPERUSER,
  TERMINATE_NETWORK_SESSIONS_SQL,
} from "../../lib/postgres/container";
import type { Tenant } from "../../lib/tenants/tenant";
import { serverPod } from "../../lib/kubernetes/server";
import { type BackendHost, HostError, type HostTarget, type LiveServer } from "../host";
import { kubernetesBackupHost } from "./backupHost";
import { kubernetesObject } from "./objects";

interface Pod {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; state?: { running?: { startedAt?: string } } }[];
  };
}

interface Job {
  metadata: { name: string; creationTimestamp?: string };
  status?: { succeeded?: number; completionTime?: string };
}

/** healthy once Ready (the probe of lib/postgres/files/probe.sh passed), starting while it runs unready. */
function podHealth(pod: Pod, container: string): { running: boolean; health: string; startedAt: string } {
  const started = pod.status?.containerStatuses?.find((c) => c.name === container)?.state?.running?.startedAt;
  const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  if (!started) return { running: false, health: (pod.status?.phase ?? "unknown").toLowerCase(), startedAt: "" };
  return { running: true, health: ready ? "healthy" : "starting", startedAt: started };
}

export function kubernetesHost({ settings, projectDir }: HostTarget): BackendHost {
  const { naming } = settings;
  const kubeconfig = settings.kubernetes.kubeconfig ? path.resolve(projectDir, settings.kubernetes.kubeconfig) : undefined;
  const k = kubectl(kubeconfig);
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await k.run([...args, "-o", "json"], { allowFailure: true });
    if (r.code !== 0) throw new HostError(`cannot ask the cluster (kubectl ${args.join(" ")}): ${r.stderr.trim().split("\n").pop()}`);
    return JSON.parse(r.stdout) as T;
  };
  /** `sql` run by the superuser in the tenant's own server container, over its local socket. */
  const superuserQuery = (tenant: Tenant, database: string, sql: string) =>
    k.run(
      ["-n", naming.tenantNamespace(tenant.id), "exec", serverPod(), "-c", KUBERNETES_OBJECTS.server, "--"].concat([
        "psql",
        "-X",
        "-At",
        "-U",
        SUPERUSER,
        "-d",
        database,
        "-c",
        sql,
      ]),
      { allowFailure: true },
    );
  return {
    // The cluster restarts pods by itself: what drifts is what was deleted by hand.
    async drift(tenants, inState) {
      const objects = await json<{ items: { kind: string; metadata: { labels?: Record<string, string> } }[] }>([
        "get",
        "statefulsets,services,persistentvolumeclaims,deployments",
        "--all-namespaces",
        "-l",
        `${LABEL.stack}=${naming.stack}`,
      ]);
      const has = (kind: string, tenant: string | undefined, role: string) =>
        objects.items.some(
          (o) => o.kind === kind && o.metadata.labels?.[LABEL.tenant] === tenant && o.metadata.labels?.[LABEL.role] === role,
        );
      return {
        tenants: tenants
          .filter((t) => {
            const gone = (kind: string, role: string, name: string) => !has(kind, t.id, role) && inState(`${t.id}-${name}`);
            return (
              gone("StatefulSet", "postgres", "postgres") ||
              gone("Service", "postgres", "service") ||
              gone("PersistentVolumeClaim", "data", "data") ||
              (Boolean(t.backup) && gone("PersistentVolumeClaim", "backups", "backups"))
            );
          })
          .map((t) => t.id),
        ingress: !has("Deployment", undefined, "ingress"),
        stopped: [],
      };
    },
    async serverReady(tenantId, timeoutMs) {
      const r = await k.run(
        [
          "-n",
          naming.tenantNamespace(tenantId),
          "wait",
          "--for=condition=Ready",
          `pod/${serverPod()}`,
          `--timeout=${Math.ceil(timeoutMs / 1000)}s`,
        ],
        { allowFailure: true },
      );
      return r.code === 0;
    },
    async serverLog(tenantId, lines) {
      const r = await k.run(
        ["-n", naming.tenantNamespace(tenantId), "logs", serverPod(), "-c", KUBERNETES_OBJECTS.server, "--tail", String(lines)],
        {
          allowFailure: true,
        },
      );
      return `${r.stdout}${r.stderr}`.trim();
    },
    async servers() {
      const pods = await json<{ items: Pod[] }>([
        "get",
        "pods",
        "--all-namespaces",
        "-l",
        `${LABEL.stack}=${naming.stack},${LABEL.role}=postgres`,
      ]);
      const live = new Map<string, LiveServer>();
      for (const pod of pods.items) {
        const tenant = pod.metadata.labels?.[LABEL.tenant];
        if (!tenant) continue;
        live.set(tenant, {
          tenant,
          name: `${pod.metadata.name} in namespace ${pod.metadata.namespace}`,
          ...podHealth(pod, KUBERNETES_OBJECTS.server),
        });
      }
      return live;
    },
    async ingress() {
      const namespace = naming.ingressNamespace();
      const pods = await json<{ items: Pod[] }>([
        "-n",
        namespace,
        "get",
        "pods",
        "-l",
        Object.entries(naming.ingressLabels())
          .map(([key, value]) => `${key}=${value}`)
          .join(","),
      ]);
      const pod = pods.items[0];
      if (!pod) return undefined;
      const { running, health, startedAt } = podHealth(pod, KUBERNETES_OBJECTS.traefik);
      return { name: `${pod.metadata.name} in namespace ${namespace}`, health: running ? health : "stopped", startedAt };
    },
    async terminateSessions(tenant) {
      const r = await superuserQuery(tenant, "postgres", TERMINATE_NETWORK_SESSIONS_SQL);
      if (r.code !== 0) throw new HostError(`could not end ${tenant.id}'s sessions: ${r.stderr.trim()}`);
      return Number(r.stdout.trim());
    },
    async serverFacts(tenant) {
      const r = await superuserQuery(tenant, tenant.database, SERVER_FACTS_SQL);
      if (r.code !== 0) return { dataBytes: null, connections: null, storage: null, answering: false };
      const use =
        tenant.resources.storageMiB === undefined
          ? undefined
          : await k.run(
              [
                "-n",
                naming.tenantNamespace(tenant.id),
                "exec",
                serverPod(),
                "-c",
                KUBERNETES_OBJECTS.server,
                "--",
                "sh",
                "-c",
                STORAGE_USE_SCRIPT,
              ],
              { allowFailure: true },
            );
      return { ...parseServerFacts(r.stdout, use?.code === 0 ? use.stdout : undefined), answering: true };
    },
    // The newest job of the tenant's backup CronJob (scheduled or manual) that succeeded: its log line names the dump.
    async lastBackup(tenant) {
      const namespace = naming.tenantNamespace(tenant.id);
      const labels = naming.tenantLabels(tenant.id, "backup");
      const jobs = await json<{ items: Job[] }>([
        "-n",
        namespace,
        "get",
        "jobs",
        "-l",
        Object.entries(labels)
          .map(([key, value]) => `${key}=${value}`)
          .join(","),
      ]).catch(() => ({ items: [] as Job[] }));
      const succeeded = jobs.items
        .filter((job) => (job.status?.succeeded ?? 0) > 0)
        .sort((a, b) => (a.status?.completionTime ?? "").localeCompare(b.status?.completionTime ?? ""));
      for (const job of succeeded.reverse()) {
        const r = await k.run(["-n", namespace, "logs", `job/${job.metadata.name}`], { allowFailure: true });
        const ok = r.stdout
          .split("\n")
          .map(parseLogLine)
          .filter((l) => l?.tag === LOG_TAG.backup && l.ok)
          .pop();
        const when = ok ? dumpTime(ok.fields.file) : undefined;
        if (ok && when) return { file: ok.fields.file, at: when.toISOString() };
      }
      return null;
    },
    backups: (image) => kubernetesBackupHost({ naming, image, ...(kubeconfig ? { kubeconfig } : {}) }),
    existingObject: kubernetesObject(kubeconfig),
    dataWords: (tenantId) => ({
      data: `claim ${KUBERNETES_OBJECTS.dataClaim} in namespace ${naming.tenantNamespace(tenantId)}`,
      deleteCommand: `kubectl delete namespace ${naming.tenantNamespace(tenantId)}`,
    }),
    upgrade: "pgs upgrade works on the Docker backend only (docs/kubernetes.md: major versions)",
    limitStorage:
      "on Kubernetes no step is needed: set resources.storage in tenants.yaml and apply, the claims grow in place (the StorageClass must allow expansion)",
  };
}
