/**
 * A tenant's backups: what runs in its backup container (the tenant's own PostgreSQL image) and
 * in its off-host copy container (rclone), the environment those scripts read
 * (lib/postgres/files/backup-*.sh, offsite.sh), and the names and log lines they write, which
 * the operator commands read back.
 */
import { POSTGRES_PORT } from "./container";
import type { ContainerFile } from "./server";
import { sourceFile } from "../sourceDir";
import type { BackupPolicy, Tenant } from "../tenants/tenant";

export const BACKUP_DIR = "/backups";
const SCRIPT_DIR = "/run/pgs-backup";
const SECRET_DIR = "/run/pgs-backup-secrets";

export const BACKUP_FILES = {
  loop: `${SCRIPT_DIR}/backup-loop.sh`,
  now: `${SCRIPT_DIR}/backup-now.sh`,
  password: `${SECRET_DIR}/password`,
} as const;
export const OFFSITE_FILES = {
  script: `${SCRIPT_DIR}/offsite.sh`,
  credentials: `${SECRET_DIR}/s3-credentials`,
} as const;

/** How often the off-host copier looks for new local dumps (a local listing; S3 is asked only on a change). */
const OFFSITE_POLL_SECONDS = 5;

/** The tag that starts every log line of the two containers. */
export const LOG_TAG = { backup: "pgs-backup", offsite: "pgs-offsite" } as const;

/** A dump is `<tenant>-<UTC stamp>.dump`: names sort by time; the stamp is when the dump started. */
const STAMP = { format: "%Y%m%dT%H%M%SZ", ere: "[0-9]{8}T[0-9]{6}Z" } as const;
export const DUMP_NAME = new RegExp(`^([a-z0-9-]+)-(${STAMP.ere})\\.dump$`);

export function dumpTime(name: string): Date | undefined {
  const match = DUMP_NAME.exec(name);
  if (!match) return undefined;
  const s = match[2];
  return new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
}

function script(name: string, path: string): ContainerFile {
  return { path, content: sourceFile(`lib/postgres/files/${name}`), executable: true };
}

export function backupScripts(): ContainerFile[] {
  return [script("backup-loop.sh", BACKUP_FILES.loop), script("backup-now.sh", BACKUP_FILES.now)];
}

export function offsiteScripts(): ContainerFile[] {
  return [script("offsite.sh", OFFSITE_FILES.script)];
}

/** The script the operator commands run in throwaway containers on a backup volume. */
export function backupVolumeScript(): string {
  return sourceFile("lib/postgres/files/backup-volume.sh");
}

/** The off-host copy script, also run by `pgs restore --from-s3` to fetch a dump. */
export function offsiteScript(): string {
  return sourceFile("lib/postgres/files/offsite.sh");
}

/** What backup-volume.sh and the restore read. */
export function backupVolumeEnv(): Record<string, string> {
  return { PGS_BACKUP_DIR: BACKUP_DIR };
}

/** The backup container's environment: the schedule, and where pg_dump finds the server. */
export function backupEnv(tenant: Tenant, policy: BackupPolicy, serverHost: string): Record<string, string> {
  return {
    ...backupVolumeEnv(),
    PGS_TENANT: tenant.id,
    PGS_KEEP: String(policy.keep),
    PGS_EVERY_SECONDS: String(policy.everySeconds),
    PGS_ANCHOR_SECONDS: String(policy.anchorSeconds),
    PGS_SCHEDULE: `every=${policy.every} at=${policy.at}Z keep=${policy.keep}`,
    PGS_PASSWORD_FILE: BACKUP_FILES.password,
    PGS_STAMP_FORMAT: STAMP.format,
    PGS_STAMP_ERE: STAMP.ere,
    PGS_LOG_TAG: LOG_TAG.backup,
    // The standard output of the container's init: what `docker logs` shows.
    PGS_CONTAINER_LOG: "/proc/1/fd/1",
    PGHOST: serverHost,
    PGPORT: String(POSTGRES_PORT),
    PGUSER: tenant.user,
    PGDATABASE: tenant.database,
  };
}

/** An S3-compatible target for off-host copies; the credentials are secret stack config. */
export interface S3Target {
  endpoint: string;
  bucket: string;
  prefix: string;
}

/** The remote folder of a tenant's dumps: `s3:<bucket>/<prefix>/<tenant>/` (an empty prefix is left out). */
export function remoteFolder(target: S3Target, tenantId: string): string {
  const parts = [target.bucket, ...target.prefix.split("/").filter(Boolean), tenantId];
  return `s3:${parts.join("/")}/`;
}

/**
 * offsite.sh's environment: rclone's remote `s3` defined by environment alone (no config file;
 * the credentials are read from a file or stdin, never passed here), and what to copy where.
 */
export function offsiteEnv(target: S3Target, tenantId: string, keep: number): Record<string, string> {
  return {
    ...backupVolumeEnv(),
    RCLONE_CONFIG: "/dev/null",
    RCLONE_CONFIG_S3_TYPE: "s3",
    RCLONE_CONFIG_S3_PROVIDER: "Other",
    RCLONE_CONFIG_S3_ENDPOINT: target.endpoint,
    RCLONE_CONFIG_S3_FORCE_PATH_STYLE: "true",
    PGS_TENANT: tenantId,
    PGS_REMOTE: remoteFolder(target, tenantId),
    PGS_KEEP: String(keep),
    PGS_CREDENTIALS_FILE: OFFSITE_FILES.credentials,
    PGS_POLL_SECONDS: String(OFFSITE_POLL_SECONDS),
    PGS_STAMP_ERE: STAMP.ere,
    PGS_LOG_TAG: LOG_TAG.offsite,
  };
}

/** The two credential lines offsite.sh reads. */
export function s3CredentialLines(accessKeyId: string, secretAccessKey: string): string {
  return `${accessKeyId}\n${secretAccessKey}\n`;
}

export interface BackupLogLine {
  tag: string;
  ok: boolean;
  fields: Record<string, string>;
}

/** One `<tag>: ok|FAILED key=value ...` line of backup-now.sh or offsite.sh; undefined for other lines. */
export function parseLogLine(line: string): BackupLogLine | undefined {
  const match = /^([a-z-]+): (ok|FAILED) (.*)$/.exec(line.trim());
  if (!match || !(Object.values(LOG_TAG) as string[]).includes(match[1])) return undefined;
  const fields: Record<string, string> = {};
  let rest = match[3];
  // reason= is last and runs to the end of the line; other values are a word or a "quoted string".
  const reasonAt = rest.search(/(^| )reason=/);
  if (reasonAt >= 0) {
    fields.reason = rest.slice(rest.indexOf("reason=", reasonAt) + "reason=".length);
    rest = rest.slice(0, reasonAt);
  }
  for (const [, key, value] of rest.matchAll(/([a-z0-9_]+)=("[^"]*"|\S*)/g)) fields[key] = value.replace(/^"(.*)"$/, "$1");
  return { tag: match[1], ok: match[2] === "ok", fields };
}
