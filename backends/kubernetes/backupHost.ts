/**
 * The BackupHost of a Kubernetes stack, through kubectl, with the same scripts as on Docker: a
 * backup now is a one-off Job from the tenant's backup CronJob (backup-now.sh manual); the
 * backups claim is read from a short-lived reader pod in the tenant's namespace, where
 * `kubectl exec` runs backup-volume.sh and streams dumps out; a restore streams a dump into
 * pg_restore in the server pod, over its trusted local socket.
 */
import { KUBERNETES_OBJECTS, type Naming } from "../../lib/naming";
import { BACKUP_DIR, backupVolumeScript } from "../../lib/postgres/backup";
import { backupReaderPod, manualBackupJob } from "../../lib/kubernetes/backup";
import { serverPod } from "../../lib/kubernetes/server";
import { kubectl } from "../../lib/hosts/kubectl";
import { pipe } from "../../lib/hosts/process";
import { BackupError, type BackupHost, type HostRun } from "../host";

export interface KubernetesBackupOptions {
  naming: Naming;
  /** An image with sh, sha256sum and pg_restore (the tenant's PostgreSQL image) for reader pods. */
  image: string;
  /** The stack's kubeconfig (absolute); kubectl's default when absent. */
  kubeconfig?: string;
  /** How long a one-off backup may take. */
  backupTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A name unique enough for one-off objects: `<what>-<UTC yyyymmddhhmmss>-<random>`. */
function oneOffName(what: string): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `${what}-${stamp}-${Math.random().toString(36).slice(2, 7)}`;
}

export function kubernetesBackupHost(options: KubernetesBackupOptions): BackupHost {
  const { naming } = options;
  const k = kubectl(options.kubeconfig);
  const namespace = (tenantId: string) => naming.tenantNamespace(tenantId);
  const readers = new Map<string, string>();
  const NO_S3 = "restoring from S3 is not available on the Kubernetes backend (off-host copies run on Docker only); nothing was changed";
  const noScratch = (store?: string) => {
    if (store !== undefined) throw new BackupError(NO_S3);
  };

  /** The tenant's reader pod, made on first use and removed by close(). */
  async function reader(tenantId: string): Promise<string> {
    const existing = readers.get(tenantId);
    if (existing) return existing;
    const name = oneOffName("backup-reader");
    await k.run(["create", "-f", "-"], { input: JSON.stringify(backupReaderPod(naming, tenantId, options.image, name)) });
    readers.set(tenantId, name);
    const ready = await k.run(["-n", namespace(tenantId), "wait", "--for=condition=Ready", `pod/${name}`, "--timeout=120s"], {
      allowFailure: true,
    });
    if (ready.code !== 0)
      throw new BackupError(`the reader pod ${name} in namespace ${namespace(tenantId)} did not start: ${ready.stderr.trim()}`);
    return name;
  }

  async function runJob(tenantId: string, job: ReturnType<typeof manualBackupJob>): Promise<HostRun> {
    const ns = namespace(tenantId);
    await k.run(["create", "-f", "-"], { input: JSON.stringify(job) });
    const deadline = Date.now() + (options.backupTimeoutMs ?? 10 * 60_000);
    for (;;) {
      const status = await k.run(["-n", ns, "get", "job", job.metadata.name, "-o", "jsonpath={.status.succeeded}:{.status.failed}"]);
      const [succeeded, failed] = status.stdout
        .trim()
        .split(":")
        .map((n) => Number(n || 0));
      if (succeeded > 0 || failed > 0) {
        const logs = await k.run(["-n", ns, "logs", `job/${job.metadata.name}`], { allowFailure: true });
        return { code: succeeded > 0 ? 0 : 1, stdout: logs.stdout, stderr: logs.stderr };
      }
      if (Date.now() > deadline)
        throw new BackupError(
          `the backup job ${job.metadata.name} in namespace ${ns} did not finish in time; see kubectl -n ${ns} describe job ${job.metadata.name}`,
        );
      await sleep(500);
    }
  }

  const host: BackupHost = {
    async takeBackup(tenantId, log) {
      const ns = namespace(tenantId);
      const cronJob = await k.run(["-n", ns, "get", "cronjob", KUBERNETES_OBJECTS.backupJob, "-o", "json"], { allowFailure: true });
      if (cronJob.code !== 0) {
        throw new BackupError(
          `tenant ${tenantId} has no backup CronJob in namespace ${ns}: set backup: in tenants.yaml for it and apply (pgs up)`,
        );
      }
      const server = await host.server(tenantId);
      if (!server.running)
        throw new BackupError(
          `tenant ${tenantId}'s server ${server.name} is not running: set state: running and apply (pgs up), then back up`,
        );
      const job = manualBackupJob(JSON.parse(cronJob.stdout), oneOffName("backup-manual"));
      log(`taking a backup of ${tenantId} now (pg_dump -Fc in job ${job.metadata.name}, namespace ${ns}) ...`);
      return runJob(tenantId, job);
    },
    async backupStore(tenantId, store) {
      noScratch(store);
      const ns = namespace(tenantId);
      const claim = await k.run(["-n", ns, "get", "pvc", KUBERNETES_OBJECTS.backupsClaim, "-o", "name"], { allowFailure: true });
      return { name: `backups claim in namespace ${ns}`, exists: claim.code === 0 };
    },
    async inBackupStore(tenantId, args, store) {
      noScratch(store);
      const pod = await reader(tenantId);
      return k.run(["-n", namespace(tenantId), "exec", pod, "--", "sh", "-c", backupVolumeScript(), "backup-volume.sh", ...args], {
        allowFailure: true,
      });
    },
    async server(tenantId) {
      const ns = namespace(tenantId);
      const ready = await k.run(["-n", ns, "get", "pod", serverPod(), "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], {
        allowFailure: true,
      });
      return { name: `${serverPod()} in namespace ${ns}`, running: ready.code === 0 && ready.stdout.trim() === "True" };
    },
    async pipeRestore(source, name, target, pgRestoreArgs, store) {
      noScratch(store);
      const pod = await reader(source);
      const [command, base] = k.command;
      return pipe(
        [command, [...base, "-n", namespace(source), "exec", pod, "--", "cat", `${BACKUP_DIR}/${name}`]],
        [
          command,
          [
            ...base,
            "-n",
            namespace(target.id),
            "exec",
            "-i",
            serverPod(),
            "-c",
            KUBERNETES_OBJECTS.server,
            "--",
            "pg_restore",
            ...pgRestoreArgs,
          ],
        ],
      );
    },
    async fetchFromS3() {
      throw new BackupError(NO_S3);
    },
    async close() {
      for (const [tenantId, pod] of readers) {
        await k.run(["-n", namespace(tenantId), "delete", "pod", pod, "--wait=false"], { allowFailure: true });
      }
      readers.clear();
    },
  };
  return host;
}
