/**
 * What runs in a tenant's backup container (the tenant's own PostgreSQL image) and in its
 * off-host copy container (rclone). Pure text from data, so the container inputs are
 * deterministic and the scripts can be read and tested without Docker.
 *
 * A dump is written under a temporary name, its checksum file is written next, and only
 * then is the dump renamed into place; older dumps are pruned only after a run succeeded,
 * so a failed backup never costs a good one.
 */
import type { BackupPolicy } from "./tenant";

export const BACKUP_DIR = "/backups";
export const BACKUP_SCRIPT_DIR = "/run/pgs-backup";
export const BACKUP_FILES = {
  loop: `${BACKUP_SCRIPT_DIR}/loop.sh`,
  now: `${BACKUP_SCRIPT_DIR}/backup-now.sh`,
  password: `${BACKUP_SCRIPT_DIR}/password`,
} as const;
export const OFFSITE_FILES = {
  loop: "/run/pgs-offsite/loop.sh",
  credentials: "/run/pgs-offsite/credentials",
} as const;
/** How often the off-host copier looks for new local dumps (a local listing; S3 is only asked when they changed). */
export const OFFSITE_POLL_SECONDS = 5;

export interface BackupScriptSpec {
  tenantId: string;
  /** The tenant server's container name (Docker DNS on the tenant network). */
  host: string;
  role: string;
  database: string;
  policy: BackupPolicy;
}

/** `<tenant>-<UTC stamp>.dump`: names sort by time, and the stamp is when the dump started. */
/** A dump's UTC time in its name, as `date -u +%Y%m%dT%H%M%SZ` writes it (POSIX ERE). */
const STAMP_ERE = "[0-9]{8}T[0-9]{6}Z";

export const DUMP_NAME = new RegExp(`^([a-z0-9-]+)-(${STAMP_ERE})\\.dump$`);

/** `grep -E` pattern for a tenant's dump names (and, with `checksums`, their .sha256 files). */
export function dumpNameEre(tenantId: string, checksums = false): string {
  return `^${tenantId}-${STAMP_ERE}\\.dump${checksums ? "(\\.sha256)?" : ""}$`;
}

/**
 * rclone's S3 remote named `s3`, defined by environment alone (no config file); the
 * credentials are added by whoever runs it, never on a command line.
 */
export function rcloneS3Env(endpoint: string): string[] {
  return [
    "RCLONE_CONFIG_S3_TYPE=s3",
    "RCLONE_CONFIG_S3_PROVIDER=Other",
    `RCLONE_CONFIG_S3_ENDPOINT=${endpoint}`,
    "RCLONE_CONFIG_S3_FORCE_PATH_STYLE=true",
    "RCLONE_CONFIG=/dev/null",
  ];
}

export function dumpTime(name: string): Date | undefined {
  const match = DUMP_NAME.exec(name);
  if (!match) return undefined;
  const s = match[2];
  return new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
}

/** PID 1 (under tini): sleeps to the next slot, runs one backup, forever. */
export function backupLoopScript(spec: BackupScriptSpec): string {
  const { policy } = spec;
  return `#!/bin/sh
# pgs backup loop for tenant ${spec.tenantId} (lib/backupScripts.ts): every ${policy.every} from ${policy.at} UTC, keep ${policy.keep}.
set -u
every=${policy.everySeconds}
anchor=${policy.anchorSeconds}
echo "pgs-backup: scheduler started: tenant=${spec.tenantId} every=${policy.every} at=${policy.at}Z keep=${policy.keep}"
while :; do
  now=$(date -u +%s)
  offset=$(( ((now - anchor) % every + every) % every ))
  sleep $(( every - offset ))
  ${BACKUP_FILES.now} scheduled || true
done
`;
}

/** One backup now; `backup-now.sh manual` is what `pgs backup` runs with docker exec. */
export function backupNowScript(spec: BackupScriptSpec): string {
  return `#!/bin/sh
# pgs: one backup of tenant ${spec.tenantId} (lib/backupScripts.ts). Prints one line: pgs-backup: ok|FAILED ...
set -u
trigger=\${1:-manual}
log() {
  echo "$1"
  # A manual run's line also goes to the container log, beside the scheduled ones.
  if [ "$trigger" != scheduled ]; then echo "$1" >/proc/1/fd/1 2>/dev/null || true; fi
}
fail() {
  rm -f "$tmp" "$tmp.sha256"
  log "pgs-backup: FAILED tenant=${spec.tenantId} trigger=$trigger reason=$(printf '%s' "$1" | tr '\\n' ' ' | cut -c1-500)"
  exit 1
}
cd ${BACKUP_DIR} || { log "pgs-backup: FAILED tenant=${spec.tenantId} trigger=$trigger reason=${BACKUP_DIR} is missing"; exit 1; }
tmp=""
# One run at a time: a manual backup waits for a scheduled one.
exec 9>/tmp/pgs-backup.lock
flock 9
rm -f .*.partial .*.partial.sha256
PGPASSWORD=$(cat ${BACKUP_FILES.password}) || fail "cannot read the password file"
export PGPASSWORD
stamp=$(date -u +%Y%m%dT%H%M%SZ)
while [ -e "${spec.tenantId}-$stamp.dump" ]; do sleep 1; stamp=$(date -u +%Y%m%dT%H%M%SZ); done
name="${spec.tenantId}-$stamp.dump"
tmp=".$name.partial"
started=$(date +%s)
err=$(pg_dump -Fc --no-password -h ${spec.host} -p 5432 -U ${spec.role} -d ${spec.database} -f "$tmp" 2>&1) || fail "pg_dump: $err"
[ -s "$tmp" ] || fail "pg_dump wrote nothing"
sum=$(sha256sum "$tmp" | cut -d' ' -f1) || fail "sha256sum failed"
printf '%s  %s\\n' "$sum" "$name" >"$tmp.sha256" || fail "cannot write the checksum (disk full?)"
sync "$tmp" "$tmp.sha256" 2>/dev/null || sync
mv "$tmp.sha256" "$name.sha256" && mv "$tmp" "$name" || fail "cannot rename the dump into place"
size=$(wc -c <"$name" | tr -d ' ')
pruned=0
for old in $(ls -1 ${spec.tenantId}-*.dump 2>/dev/null | grep -E '${dumpNameEre(spec.tenantId)}' | sort -r | tail -n +${spec.policy.keep + 1}); do
  rm -f "$old" "$old.sha256" && pruned=$((pruned + 1))
done
log "pgs-backup: ok tenant=${spec.tenantId} trigger=$trigger file=$name bytes=$size sha256=$sum seconds=$(( $(date +%s) - started )) pruned=$pruned"
`;
}

export interface OffsiteScriptSpec {
  tenantId: string;
  bucket: string;
  prefix: string;
  keep: number;
}

/** The remote folder of a tenant's dumps: `s3:<bucket>/<prefix>/<tenant>/` (an empty prefix is left out). */
export function remoteFolder(bucket: string, prefix: string, tenantId: string): string {
  const parts = [bucket, ...prefix.split("/").filter(Boolean), tenantId];
  return `s3:${parts.join("/")}/`;
}

/**
 * Copies new dumps and checksums with `rclone copy` (never `sync`: a lost local volume must
 * not delete the remote copies), then keeps the newest `keep` dumps remotely too.
 */
export function offsiteLoopScript(spec: OffsiteScriptSpec): string {
  const remote = remoteFolder(spec.bucket, spec.prefix, spec.tenantId);
  return `#!/bin/sh
# pgs off-host copies for tenant ${spec.tenantId} (lib/backupScripts.ts): ${BACKUP_DIR} -> ${remote}, keep ${spec.keep}.
set -u
{ read -r RCLONE_CONFIG_S3_ACCESS_KEY_ID; read -r RCLONE_CONFIG_S3_SECRET_ACCESS_KEY; } <${OFFSITE_FILES.credentials}
export RCLONE_CONFIG_S3_ACCESS_KEY_ID RCLONE_CONFIG_S3_SECRET_ACCESS_KEY
echo "pgs-offsite: started: tenant=${spec.tenantId} remote=${remote} keep=${spec.keep}"
copied=""
while :; do
  current=$(ls -1 ${BACKUP_DIR} 2>/dev/null | grep -E '${dumpNameEre(spec.tenantId, true)}' | tr '\\n' ' ')
  if [ -n "$current" ] && [ "$current" != "$copied" ]; then
    if err=$(rclone copy --no-traverse --include '${spec.tenantId}-*.dump' --include '${spec.tenantId}-*.dump.sha256' ${BACKUP_DIR} ${remote} 2>&1); then
      pruned=0
      for old in $(rclone lsf --files-only --include '${spec.tenantId}-*.dump' ${remote} 2>/dev/null | grep -E '${dumpNameEre(spec.tenantId)}' | sort -r | tail -n +${spec.keep + 1}); do
        rclone deletefile "${remote}$old" && rclone deletefile "${remote}$old.sha256" 2>/dev/null
        pruned=$((pruned + 1))
      done
      copied=$current
      echo "pgs-offsite: ok tenant=${spec.tenantId} remote=${remote} local=\\"$current\\" pruned=$pruned"
    else
      echo "pgs-offsite: FAILED tenant=${spec.tenantId} remote=${remote} reason=$(printf '%s' "$err" | tr '\\n' ' ' | cut -c1-500)"
    fi
  fi
  sleep ${OFFSITE_POLL_SECONDS}
done
`;
}
