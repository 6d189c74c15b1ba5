#!/bin/sh
# pgs: one backup of a tenant now, in its backup container. Prints one line:
#   <PGS_LOG_TAG>: ok tenant=... trigger=... file=... bytes=... sha256=... seconds=... pruned=...
#   <PGS_LOG_TAG>: FAILED tenant=... trigger=... reason=...
# A dump is written under a temporary name, its checksum next, and only then renamed into place;
# older dumps beyond PGS_KEEP are pruned only after a successful run, so a failed backup never
# costs a good one. Argument: the trigger (scheduled | manual; default manual).
# Environment (lib/postgres/backup.ts): PGS_TENANT, PGS_KEEP, PGS_BACKUP_DIR, PGS_PASSWORD_FILE,
# PGS_STAMP_FORMAT, PGS_STAMP_ERE, PGS_LOG_TAG, PGS_CONTAINER_LOG; PGHOST, PGPORT, PGUSER and
# PGDATABASE for pg_dump.
set -u
trigger=${1:-manual}
tmp=""
log() {
  echo "$1"
  # A manual run's line also goes to the container log, beside the scheduled ones.
  if [ "$trigger" != scheduled ]; then echo "$1" >>"$PGS_CONTAINER_LOG" 2>/dev/null || true; fi
}
fail() {
  [ -z "$tmp" ] || rm -f "$tmp" "$tmp.sha256"
  log "$PGS_LOG_TAG: FAILED tenant=$PGS_TENANT trigger=$trigger reason=$(printf '%s' "$1" | tr '\n' ' ' | cut -c1-500)"
  exit 1
}
cd "$PGS_BACKUP_DIR" || fail "$PGS_BACKUP_DIR is missing"
# One run at a time: a manual backup waits for a scheduled one. The lock is in the backup directory,
# so it holds between containers too (on Kubernetes each run is a pod of its own).
exec 9>.pgs-backup.lock
flock 9
rm -f .*.partial .*.partial.sha256
PGPASSWORD=$(cat "$PGS_PASSWORD_FILE") || fail "cannot read the password file"
export PGPASSWORD
stamp=$(date -u +"$PGS_STAMP_FORMAT")
while [ -e "$PGS_TENANT-$stamp.dump" ]; do
  sleep 1
  stamp=$(date -u +"$PGS_STAMP_FORMAT")
done
name="$PGS_TENANT-$stamp.dump"
tmp=".$name.partial"
started=$(date +%s)
# A new pod's first connections can be refused for a moment, until the cluster's NetworkPolicy
# agent has admitted its address (the local cluster's kube-router: about a second): a refused
# connection is tried again, up to 10 times a second apart; any other error fails at once.
tries=1
until err=$(pg_dump -Fc --no-password -f "$tmp" 2>&1); do
  case $err in
    *"Connection refused"*) [ "$tries" -lt 10 ] || fail "pg_dump: $err" ;;
    *) fail "pg_dump: $err" ;;
  esac
  tries=$((tries + 1))
  sleep 1
done
[ -s "$tmp" ] || fail "pg_dump wrote nothing"
sum=$(sha256sum "$tmp" | cut -d' ' -f1) || fail "sha256sum failed"
printf '%s  %s\n' "$sum" "$name" >"$tmp.sha256" || fail "cannot write the checksum (disk full?)"
sync "$tmp" "$tmp.sha256" 2>/dev/null || sync
# The checksum first: a dump in place always has its checksum beside it.
mv "$tmp.sha256" "$name.sha256" || fail "cannot rename the checksum into place"
if ! mv "$tmp" "$name"; then
  rm -f "$name.sha256"
  fail "cannot rename the dump into place"
fi
size=$(wc -c <"$name" | tr -d ' ')

# This tenant's dumps, oldest first (the stamp sorts by time); all but the newest PGS_KEEP go.
set --
for dump in "$PGS_TENANT"-*.dump; do
  if printf '%s\n' "$dump" | grep -Eq "^$PGS_TENANT-$PGS_STAMP_ERE\\.dump\$"; then set -- "$@" "$dump"; fi
done
pruned=0
while [ $# -gt "$PGS_KEEP" ]; do
  rm -f "$1" "$1.sha256"
  pruned=$((pruned + 1))
  shift
done
log "$PGS_LOG_TAG: ok tenant=$PGS_TENANT trigger=$trigger file=$name bytes=$size sha256=$sum seconds=$(($(date +%s) - started)) pruned=$pruned"
