/**
 * A tenant's backups on Kubernetes: the CronJob's job runs the same backup-now.sh as Docker's
 * backup container, in the tenant's own image, on the backups claim; the operator commands read
 * that claim from a short-lived pod and start one-off jobs from the CronJob's template.
 */
import { KUBERNETES_OBJECTS, type Naming } from "../naming";
import { BACKUP_DIR, backupEnv, backupVolumeEnv } from "../postgres/backup";
import type { BackupPolicy, Tenant } from "../tenants/tenant";
import { envVars } from "./inputs";
import { TENANT_CONTAINER_SECURITY } from "./server";

/** backup-now.sh's argument: what started the run (it appears in the run's log line). */
export const BACKUP_TRIGGER = { scheduled: "scheduled", manual: "manual" } as const;

/** The container of a backup job. */
export const BACKUP_CONTAINER = "backup";

/** The backup job's environment: the Docker backup container's, reaching the server at `serverAddress`. */
export function backupJobEnv(tenant: Tenant, policy: BackupPolicy, serverAddress: string): Record<string, string> {
  // Each run is a pod of its own, whose log is the run's output: no copy to another log.
  return { ...backupEnv(tenant, policy, serverAddress), PGS_CONTAINER_LOG: "/dev/null" };
}

/** The backups claim, mounted where the scripts look for dumps. */
export function backupsVolume(readOnly: boolean) {
  return {
    volume: {
      name: "backups",
      persistentVolumeClaim: { claimName: KUBERNETES_OBJECTS.backupsClaim, ...(readOnly ? { readOnly: true } : {}) },
    },
    volumeMount: { name: "backups", mountPath: BACKUP_DIR, ...(readOnly ? { readOnly: true } : {}) },
  };
}

/** A reader pod lives only while an operator command runs; this bounds a leftover's life should that command die. */
const READER_DEADLINE_SECONDS = 3600;

/**
 * A pod of the tenant's image with its backups claim mounted read-only, in which the operator
 * commands run backup-volume.sh and read dumps (`kubectl exec`); it makes no connections.
 */
export function backupReaderPod(naming: Naming, tenantId: string, image: string, name: string) {
  const backups = backupsVolume(true);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: naming.tenantNamespace(tenantId), labels: naming.tenantLabels(tenantId, "backup-reader") },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      dnsPolicy: "Default",
      activeDeadlineSeconds: READER_DEADLINE_SECONDS,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: "reader",
          image,
          imagePullPolicy: "IfNotPresent",
          command: ["sleep", String(READER_DEADLINE_SECONDS)],
          env: envVars(backupVolumeEnv()),
          volumeMounts: [backups.volumeMount],
          securityContext: TENANT_CONTAINER_SECURITY,
        },
      ],
      volumes: [backups.volume],
    },
  };
}

/** Finished one-off jobs stay listable for an hour, then Kubernetes removes them. */
const MANUAL_JOB_TTL_SECONDS = 3600;

interface CronJobLike {
  metadata?: { namespace?: string };
  spec: {
    jobTemplate: {
      metadata?: { labels?: Record<string, string> };
      spec: { template: { spec: { containers: { name: string; args?: string[] }[] } } };
    };
  };
}

/** A one-off Job from the backup CronJob's template, run as a manual backup (`pgs backup`). */
export function manualBackupJob(cronJob: CronJobLike, name: string) {
  const template = structuredClone(cronJob.spec.jobTemplate);
  const container = template.spec.template.spec.containers.find((c) => c.name === BACKUP_CONTAINER);
  if (!container) throw new Error(`the backup CronJob has no container named ${BACKUP_CONTAINER}`);
  container.args = [BACKUP_TRIGGER.manual];
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: cronJob.metadata?.namespace, labels: template.metadata?.labels ?? {} },
    spec: { ...template.spec, ttlSecondsAfterFinished: MANUAL_JOB_TTL_SECONDS },
  };
}
