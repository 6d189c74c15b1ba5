/** Backup jobs, reader pods and one-off jobs on Kubernetes. */
import { backupJobEnv, backupReaderPod, manualBackupJob } from "../../../../lib/kubernetes/backup";
import { Naming } from "../../../../lib/naming";
import { backupEnv, backupVolumeEnv } from "../../../../lib/postgres/backup";
import { resolveTenant } from "../../../../lib/tenants/tenant";

const tenant = resolveTenant({ id: "acme", backup: { every: "6h", keep: 3 } }, { apiVersion: "pgs/v1", tenants: [] }, "pgs.example.com");

test("the job's environment is the Docker backup container's, with the server's address and no second log", () => {
  expect(backupJobEnv(tenant, tenant.backup!, "10.96.0.20")).toEqual({
    ...backupEnv(tenant, tenant.backup!, "10.96.0.20"),
    PGS_CONTAINER_LOG: "/dev/null",
  });
});

test("a reader pod mounts the backups claim read-only, makes no connections, and ends by itself within the hour", () => {
  const pod = backupReaderPod(new Naming("prod", "pgs-prod-"), "acme", "pgs-local/postgres:18", "reader-1");
  expect(pod.metadata).toEqual({
    name: "reader-1",
    namespace: "pgs-prod-acme",
    labels: { "pgs.stack": "prod", "pgs.tenant": "acme", "pgs.role": "backup-reader" },
  });
  expect(pod.spec.volumes).toEqual([{ name: "backups", persistentVolumeClaim: { claimName: "backups", readOnly: true } }]);
  expect(pod.spec.containers[0].volumeMounts).toEqual([{ name: "backups", mountPath: "/backups", readOnly: true }]);
  expect(pod.spec.containers[0].env).toEqual(Object.entries(backupVolumeEnv()).map(([name, value]) => ({ name, value })));
  expect(pod.spec.activeDeadlineSeconds).toBe(3600);
  expect(pod.spec.automountServiceAccountToken).toBe(false);
});

test("a one-off job is the CronJob's template run as a manual backup, removed an hour after it ends", () => {
  const cronJob = {
    metadata: { namespace: "pgs-prod-acme" },
    spec: {
      jobTemplate: {
        metadata: { labels: { "pgs.role": "backup" } },
        spec: { backoffLimit: 0, template: { spec: { containers: [{ name: "backup", args: ["scheduled"] }] } } },
      },
    },
  };
  const job = manualBackupJob(cronJob, "backup-manual-1");
  expect(job).toEqual({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "backup-manual-1", namespace: "pgs-prod-acme", labels: { "pgs.role": "backup" } },
    spec: { backoffLimit: 0, ttlSecondsAfterFinished: 3600, template: { spec: { containers: [{ name: "backup", args: ["manual"] }] } } },
  });
  expect(cronJob.spec.jobTemplate.spec.template.spec.containers[0].args).toEqual(["scheduled"]);
});
