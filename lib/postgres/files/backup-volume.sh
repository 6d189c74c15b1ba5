#!/bin/sh
# pgs: read-only questions to a backup volume, run by the operator commands in a throwaway,
# network-less container of the tenant's PostgreSQL image with the volume at PGS_BACKUP_DIR.
#   backup-volume.sh list          one line per dump: NAME<TAB>BYTES<TAB>ok|BAD|missing (checksum)
#   backup-volume.sh verify NAME   exit 0 if NAME is sound; 3 no such dump, 4 no checksum file,
#                                  5 checksum mismatch, 6 not a pg_dump archive pg_restore can read
# Environment (lib/postgres/backup.ts): PGS_BACKUP_DIR.
set -u
cd "$PGS_BACKUP_DIR" || exit 1
case "${1:-}" in
  list)
    for dump in *.dump; do
      [ -f "$dump" ] || continue
      if [ ! -f "$dump.sha256" ]; then
        status=missing
      elif sha256sum -c --status "$dump.sha256" 2>/dev/null; then
        status=ok
      else
        status=BAD
      fi
      printf '%s\t%s\t%s\n' "$dump" "$(wc -c <"$dump" | tr -d ' ')" "$status"
    done
    ;;
  verify)
    dump=${2:?verify needs a dump name}
    [ -f "$dump" ] || exit 3
    [ -f "$dump.sha256" ] || exit 4
    sha256sum -c --status "$dump.sha256" || exit 5
    pg_restore -l "$dump" >/dev/null || exit 6
    ;;
  *)
    echo "usage: backup-volume.sh list | verify NAME" >&2
    exit 2
    ;;
esac
