#!/bin/sh
# pgs off-host copies of a tenant's backups, with rclone to an S3-compatible bucket.
#   offsite.sh loop          (the tenant's offsite container) copy new dumps and checksums to
#                            PGS_REMOTE with `rclone copy` - never `sync`: a lost local volume must
#                            not delete the remote copies - then keep the newest PGS_KEEP there
#   offsite.sh fetch [NAME]  (pgs restore --from-s3) copy NAME, default the newest, and its
#                            checksum from PGS_REMOTE into PGS_BACKUP_DIR; prints the name
# The remote "s3" is configured by RCLONE_CONFIG_S3_* variables; the access key id and secret are
# read as two lines from PGS_CREDENTIALS_FILE (loop) or standard input (fetch), never from argv.
# Environment (lib/postgres/backup.ts): PGS_TENANT, PGS_REMOTE, PGS_KEEP, PGS_BACKUP_DIR,
# PGS_STAMP_ERE, PGS_POLL_SECONDS, PGS_LOG_TAG.
set -u
dump_ere="^$PGS_TENANT-$PGS_STAMP_ERE\\.dump\$"

read_credentials() {
  read -r RCLONE_CONFIG_S3_ACCESS_KEY_ID && read -r RCLONE_CONFIG_S3_SECRET_ACCESS_KEY
  export RCLONE_CONFIG_S3_ACCESS_KEY_ID RCLONE_CONFIG_S3_SECRET_ACCESS_KEY
}

# This tenant's dumps in the bucket, oldest first.
remote_dumps() {
  rclone lsf --files-only --include "$PGS_TENANT-*.dump" "$PGS_REMOTE" | grep -E "$dump_ere" | sort
}

# The local dumps and checksums, on one line: what has been copied is remembered by it.
local_files() {
  for file in "$PGS_BACKUP_DIR/$PGS_TENANT"-*.dump "$PGS_BACKUP_DIR/$PGS_TENANT"-*.dump.sha256; do
    [ -f "$file" ] && printf '%s ' "${file##*/}"
  done
}

copy_and_prune() {
  err=$(rclone copy --no-traverse --include "$PGS_TENANT-*.dump" --include "$PGS_TENANT-*.dump.sha256" \
    "$PGS_BACKUP_DIR" "$PGS_REMOTE" 2>&1) || return 1
  dumps=$(remote_dumps) || return 1
  count=$(printf '%s\n' "$dumps" | grep -c .)
  pruned=0
  for old in $(printf '%s\n' "$dumps" | head -n $((count > PGS_KEEP ? count - PGS_KEEP : 0))); do
    rclone deletefile "$PGS_REMOTE$old" && rclone deletefile "$PGS_REMOTE$old.sha256" 2>/dev/null
    pruned=$((pruned + 1))
  done
}

loop() {
  read_credentials <"$PGS_CREDENTIALS_FILE" || { echo "$PGS_LOG_TAG: cannot read $PGS_CREDENTIALS_FILE" >&2; exit 1; }
  echo "$PGS_LOG_TAG: started: tenant=$PGS_TENANT remote=$PGS_REMOTE keep=$PGS_KEEP"
  copied=""
  while :; do
    current=$(local_files)
    if [ -n "$current" ] && [ "$current" != "$copied" ]; then
      if copy_and_prune; then
        copied=$current
        echo "$PGS_LOG_TAG: ok tenant=$PGS_TENANT remote=$PGS_REMOTE local=\"$current\" pruned=$pruned"
      else
        echo "$PGS_LOG_TAG: FAILED tenant=$PGS_TENANT remote=$PGS_REMOTE reason=$(printf '%s' "$err" | tr '\n' ' ' | cut -c1-500)"
      fi
    fi
    sleep "$PGS_POLL_SECONDS"
  done
}

fetch() {
  set -e
  read_credentials
  name=${1:-}
  if [ -z "$name" ]; then
    name=$(remote_dumps | tail -n 1)
    [ -n "$name" ] || { echo "no backups of $PGS_TENANT in $PGS_REMOTE" >&2; exit 3; }
  fi
  rclone copy --include "$name" --include "$name.sha256" "$PGS_REMOTE" "$PGS_BACKUP_DIR"
  [ -f "$PGS_BACKUP_DIR/$name" ] || { echo "no backup named $name in $PGS_REMOTE" >&2; exit 3; }
  echo "$name"
}

case "${1:-}" in
  loop) loop ;;
  fetch) shift; fetch "$@" ;;
  *) echo "usage: offsite.sh loop | fetch [NAME]" >&2; exit 2 ;;
esac
