import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_CONTAINER, BACKUP_TRIGGER, backupJobEnv, backupsVolume } from "../../lib/kubernetes/backup";
import { filesData, filesVolume } from "../../lib/kubernetes/files";
import { claimSize, envVars } from "../../lib/kubernetes/inputs";
import { cronSchedule } from "../../lib/kubernetes/schedule";
import { CREDENTIAL_KEYS, TENANT_CONTAINER_SECURITY } from "../../lib/kubernetes/server";
import { KUBERNETES_OBJECTS, type Naming } from "../../lib/naming";
import { BACKUP_FILES, backupScripts } from "../../lib/postgres/backup";
import type { KubernetesSettings } from "../../lib/stackSettings";
import type { Tenant } from "../../lib/tenants/tenant";

export interface TenantBackupArgs {
  /** A tenant with `backup` set. */
  tenant: Tenant;
  naming: Naming;
  /** The tenant's PostgreSQL image: the same pg_dump as the server. */
  image: string;
  kubernetes: Pick<KubernetesSettings, "storageClass" | "volumeSize">;
  /** The server's Service address (its cluster IP: pods here resolve no cluster names). */
  serverAddress: pulumi.Input<string>;
  /** What must exist before the job can run: the namespace, the credentials Secret, the server. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * A tenant's backups in a Kubernetes cluster: a claim of `pg_dump -Fc` files with checksums, and
 * a CronJob whose job runs the same backup-now.sh as the Docker backup container, as the
 * tenant's own role, at the same instants. The claim is kept when the tenant is removed unless
 * `onRemove: delete`, like the data claim; while the tenant is stopped the CronJob is suspended.
 */
export class TenantBackup extends pulumi.ComponentResource {
  readonly claim: k8s.core.v1.PersistentVolumeClaim;
  readonly files: k8s.core.v1.ConfigMap;
  readonly cronJob: k8s.batch.v1.CronJob;

  constructor(name: string, args: TenantBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgs:kubernetes:TenantBackup", name, {}, opts);
    const { tenant, naming } = args;
    const policy = tenant.backup;
    if (!policy) throw new Error(`TenantBackup ${name}: tenant ${tenant.id} has no \`backup\` policy.`);
    const schedule = cronSchedule(policy);
    if (schedule === undefined)
      throw new Error(`TenantBackup ${name}: backup.every ${policy.every} of tenant ${tenant.id} has no CronJob schedule.`);
    const namespaceName = naming.tenantNamespace(tenant.id);
    const jobLabels = naming.tenantLabels(tenant.id, "backup");
    const meta = (objectName: string, labels: Record<string, string>) => ({ name: objectName, namespace: namespaceName, labels });

    this.claim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-backups`,
      {
        metadata: meta(KUBERNETES_OBJECTS.backupsClaim, naming.tenantLabels(tenant.id, "backups")),
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: claimSize(tenant.resources.storageMiB, args.kubernetes.volumeSize) } },
          ...(args.kubernetes.storageClass ? { storageClassName: args.kubernetes.storageClass } : {}),
        },
      },
      { parent: this, dependsOn: args.dependsOn, retainOnDelete: tenant.onRemove !== "delete", ignoreChanges: ["spec.storageClassName"] },
    );

    const scripts = backupScripts().filter((f) => f.path === BACKUP_FILES.now);
    this.files = new k8s.core.v1.ConfigMap(
      `${name}-backup-files`,
      {
        metadata: meta(KUBERNETES_OBJECTS.backupFiles, jobLabels),
        data: filesData(scripts),
      },
      { parent: this, dependsOn: args.dependsOn },
    );

    const scriptsVolume = filesVolume("files", { configMap: KUBERNETES_OBJECTS.backupFiles }, scripts);
    const password = filesVolume("credentials", { secret: KUBERNETES_OBJECTS.credentials }, [
      { path: BACKUP_FILES.password, key: CREDENTIAL_KEYS.tenantPassword, executable: false },
    ]);
    const backups = backupsVolume(false);
    this.cronJob = new k8s.batch.v1.CronJob(
      `${name}-backup`,
      {
        metadata: meta(KUBERNETES_OBJECTS.backupJob, jobLabels),
        spec: {
          schedule,
          // The Docker loop's slots are UTC.
          timeZone: "Etc/UTC",
          // One run at a time, as the Docker loop runs them (and backup-now.sh locks the claim).
          concurrencyPolicy: "Forbid",
          suspend: tenant.state !== "running",
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels: jobLabels },
            spec: {
              // A failed run is reported and waits for the next slot, as on Docker.
              backoffLimit: 0,
              template: {
                metadata: { labels: jobLabels },
                spec: {
                  restartPolicy: "Never",
                  automountServiceAccountToken: false,
                  enableServiceLinks: false,
                  dnsPolicy: "Default",
                  containers: [
                    {
                      name: BACKUP_CONTAINER,
                      image: args.image,
                      imagePullPolicy: "IfNotPresent",
                      command: [BACKUP_FILES.now],
                      args: [BACKUP_TRIGGER.scheduled],
                      env: pulumi.output(args.serverAddress).apply((address) => envVars(backupJobEnv(tenant, policy, address))),
                      volumeMounts: [backups.volumeMount, scriptsVolume.volumeMount, password.volumeMount],
                      securityContext: TENANT_CONTAINER_SECURITY,
                    },
                  ],
                  volumes: [backups.volume, scriptsVolume.volume, password.volume],
                },
              },
            },
          },
        },
      },
      { parent: this, dependsOn: [...args.dependsOn, this.claim, this.files] },
    );

    this.registerOutputs({ claim: KUBERNETES_OBJECTS.backupsClaim, cronJob: KUBERNETES_OBJECTS.backupJob });
  }
}
