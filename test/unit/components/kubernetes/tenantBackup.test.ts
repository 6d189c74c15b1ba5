/** TenantBackup on Kubernetes, constructed directly: a retained claim and a CronJob running the same backup-now.sh. */
import { backupJobEnv } from "../../../../lib/kubernetes/backup";
import { envVars } from "../../../../lib/kubernetes/inputs";
import type { RecordedResource, RunResult } from "../../../../app/offline/programRunner";
import { BACKUP_FILES, backupScripts } from "../../../../lib/postgres/backup";
import { resolveTenant } from "../../../../lib/tenants/tenant";
import { recordComponents, thrownBy, underMocks } from "../../helpers/component";
import { recordingMocks } from "../../helpers/program";

const file = { apiVersion: "pgs/v1" as const, tenants: [] };
const tenant = (entry: Record<string, unknown>) => resolveTenant({ id: "acme", ...entry } as never, file, "pgs.example.com");
const KUBERNETES = { storageClass: "standard", volumeSize: "20Gi" };
const SERVER = "10.96.0.20";
const CLAIM = "kubernetes:core/v1:PersistentVolumeClaim";
const CRON_JOB = "kubernetes:batch/v1:CronJob";

async function build(entry: Record<string, unknown>): Promise<RunResult> {
  return recordComponents(async () => {
    const { TenantBackup } = await import("../../../../components/kubernetes/tenantBackup");
    const { Naming } = await import("../../../../lib/naming");
    new TenantBackup("acme", {
      tenant: tenant(entry),
      naming: new Naming("unit", "pgs-unit-"),
      image: "pgs-local/postgres:17",
      kubernetes: KUBERNETES,
      serverAddress: SERVER,
      dependsOn: [],
    });
  }, recordingMocks());
}
const one = (result: RunResult, type: string): RecordedResource => {
  const found = result.resources.filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
};
type JobSpec = {
  backoffLimit: number;
  template: { metadata: { labels: Record<string, string> }; spec: { containers: Record<string, any>[]; volumes: Record<string, any>[] } };
};
const jobOf = (cron: RecordedResource) => (cron.inputs.spec as { jobTemplate: { spec: JobSpec } }).jobTemplate.spec;

const DAILY = { backup: { every: "6h", at: "03:00", keep: 3 } };

test("the backups claim is kept when the tenant is removed, unless onRemove: delete", async () => {
  expect(one(await build(DAILY), CLAIM).options.retainOnDelete).toBe(true);
  expect(one(await build({ ...DAILY, onRemove: "delete" }), CLAIM).options.retainOnDelete).toBe(false);
  expect(one(await build(DAILY), CLAIM).inputs.spec).toEqual({
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "20Gi" } },
    storageClassName: "standard",
  });
});

test("the CronJob fires at the Docker loop's instants, in UTC, one run at a time, and a failed run waits for the next slot", async () => {
  const cron = one(await build(DAILY), CRON_JOB);
  expect(cron.inputs.spec).toMatchObject({ schedule: "0 3-23/6 * * *", timeZone: "Etc/UTC", concurrencyPolicy: "Forbid", suspend: false });
  expect(jobOf(cron).backoffLimit).toBe(0);
});

test("its job runs backup-now.sh from the same script file, in the tenant's image, as the tenant's role, with the password from the Secret", async () => {
  const result = await build(DAILY);
  const job = jobOf(one(result, CRON_JOB));
  const container = job.template.spec.containers[0];
  expect(container).toMatchObject({ image: "pgs-local/postgres:17", command: [BACKUP_FILES.now], args: ["scheduled"] });
  const t = tenant(DAILY);
  expect(container.env).toEqual(envVars(backupJobEnv(t, t.backup!, SERVER)));
  expect(one(result, "kubernetes:core/v1:ConfigMap").inputs.data).toEqual({
    "backup-now.sh": backupScripts().find((f) => f.path === BACKUP_FILES.now)!.content,
  });
  expect(job.template.spec.volumes).toContainEqual({
    name: "credentials",
    secret: { secretName: "credentials", defaultMode: 0o444, items: [{ key: "tenant-password", path: "password", mode: 0o444 }] },
  });
  expect(job.template.spec.volumes).toContainEqual({ name: "backups", persistentVolumeClaim: { claimName: "backups" } });
  // The server's NetworkPolicy admits pods with these labels.
  expect(job.template.metadata.labels).toEqual({ "pgs.stack": "unit", "pgs.tenant": "acme", "pgs.role": "backup" });
});

test("while the tenant is stopped the CronJob is suspended and the claim stays", async () => {
  const result = await build({ ...DAILY, state: "stopped" });
  expect((one(result, CRON_JOB).inputs.spec as { suspend: boolean }).suspend).toBe(true);
  expect(one(result, CLAIM).options.retainOnDelete).toBe(true);
});

test("guards its arguments with plain sentences", async () => {
  const errors = await underMocks(async () => {
    const { TenantBackup } = await import("../../../../components/kubernetes/tenantBackup");
    const { Naming } = await import("../../../../lib/naming");
    const args = {
      naming: new Naming("unit", "pgs-unit-"),
      image: "pgs-local/postgres:18",
      kubernetes: KUBERNETES,
      serverAddress: SERVER,
      dependsOn: [],
    };
    return [
      thrownBy(() => new TenantBackup("acme", { ...args, tenant: tenant({}) })),
      thrownBy(() => new TenantBackup("globex", { ...args, tenant: tenant({ id: "globex", backup: { every: "90m", keep: 1 } }) })),
    ];
  });
  expect(errors).toEqual([
    new Error("TenantBackup acme: tenant acme has no `backup` policy."),
    new Error("TenantBackup globex: backup.every 90m of tenant globex has no CronJob schedule."),
  ]);
});
