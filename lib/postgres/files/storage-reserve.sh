#!/bin/sh
# pgs: room a full disk gives back. A relation that cannot grow fails the statement, but when a
# checkpoint or the WAL cannot write PostgreSQL stops (PANIC), and on a full disk it cannot start
# again. A tenant with resources.storage keeps a reserve file at its data volume's root: a full
# volume, or a start that finds it full, releases it, so recovery completes and the tenant can
# delete rows and VACUUM FULL; it is armed again once there is room for it four times over.
# usage: storage-reserve.sh start | arm | watch   (watch: release when full, arm when there is room)
# Environment (lib/postgres/server.ts): PGS_TENANT, PGS_DATA_MOUNT, PGDATA, PGS_STORAGE_RESERVE_MB
# (empty: the tenant has no limit, nothing to do).
set -eu
mb=${PGS_STORAGE_RESERVE_MB:-}
[ -n "$mb" ] || exit 0
reserve=$PGS_DATA_MOUNT/.pgs-storage-reserve

free_mb() { df -Pm "$PGS_DATA_MOUNT" | awk 'NR == 2 { print $4 }'; }

arm() {
  # Not before initdb: where PGDATA is the volume's root (<= 17) initdb wants it empty.
  [ ! -e "$reserve" ] && [ -s "$PGDATA/PG_VERSION" ] && [ "$(free_mb)" -ge $((mb * 4)) ] || return 0
  fallocate -l "${mb}M" "$reserve.new" && mv "$reserve.new" "$reserve"
  echo "pgs: tenant $PGS_TENANT: storage reserve of ${mb} MB armed"
}

case ${1:-} in
  start)
    if [ "$(free_mb)" -lt "$mb" ]; then
      if [ -e "$reserve" ]; then
        rm -f "$reserve"
        echo "pgs: tenant $PGS_TENANT: its storage is full: released the ${mb} MB reserve so that the server can start; delete data (then VACUUM FULL) or raise resources.storage" >&2
      else
        echo "pgs: tenant $PGS_TENANT: its storage is full and its reserve is spent: raise resources.storage in tenants.yaml and apply" >&2
      fi
    fi
    ;;
  arm) arm ;;
  watch)
    # Every 2 s until the first arm (a tenant may fill its disk soon after initdb), then every
    # 10 s: a full volume gets the reserve back, so that the DELETE and VACUUM FULL that make
    # room can write their few catalog pages.
    pause=2
    while :; do
      # "Full": less than a relation's bulk extension (PostgreSQL extends by up to 4 MB at once).
      if [ -e "$reserve" ] && [ "$(free_mb)" -lt 8 ]; then
        rm -f "$reserve"
        echo "pgs: tenant $PGS_TENANT: its storage is full: released the ${mb} MB reserve so that data can be deleted (then VACUUM FULL); or raise resources.storage" >&2
      fi
      arm || true
      [ ! -e "$reserve" ] || pause=10
      sleep "$pause"
    done
    ;;
  *)
    echo "usage: storage-reserve.sh start | arm | watch" >&2
    exit 2
    ;;
esac
