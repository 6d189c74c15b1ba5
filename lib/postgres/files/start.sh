#!/bin/sh
# pgs start hook: the entrypoint of every tenant server container, run at each start.
# It refuses to start a server on data written by another major (the image never converts data),
# starts the role sync detached, then hands over to the image's own entrypoint.
# Environment (lib/postgres/server.ts): PGS_TENANT, PGS_MAJOR, PGS_DATA_MOUNT, PGS_READY_FILE,
# PGS_MAIN_CONFIG, PGS_SETTINGS_FILE, PGS_STORAGE_RESERVE_MB, PGS_WAL_MOUNT; PGDATA (the image's).
set -eu
rm -f "$PGS_READY_FILE"
# Every layout a volume may hold: <=17 at the mount or in data/ under it, 18+ in <major>/docker.
for version_file in "$PGS_DATA_MOUNT/PG_VERSION" "$PGS_DATA_MOUNT/data/PG_VERSION" "$PGS_DATA_MOUNT"/*/docker/PG_VERSION; do
  [ -s "$version_file" ] || continue
  found=$(cat "$version_file")
  if [ "$found" != "$PGS_MAJOR" ]; then
    echo "pgs: tenant $PGS_TENANT: the data volume holds PostgreSQL $found data ($version_file) but this container runs PostgreSQL $PGS_MAJOR; refusing to start so the data stays intact. Move the data with: npx pgs upgrade $PGS_TENANT --to $PGS_MAJOR" >&2
    exit 1
  fi
done
# The server's main configuration (its -c config_file): initdb's postgresql.conf, then the settings
# a reload applies, which pgs keeps in PGS_SETTINGS_FILE. Neither needs to exist yet: on a fresh
# volume the image's entrypoint runs initdb before it starts the server with this file.
cat >"$PGS_MAIN_CONFIG" <<EOF
include_if_exists '$PGDATA/postgresql.conf'
include_if_exists '$PGS_SETTINGS_FILE'
EOF
# A limited tenant keeps its WAL on its own filesystem (PGS_WAL_MOUNT): a new cluster is made so
# (initdb --waldir), one made before (pgs limit-storage, pgs upgrade) has its pg_wal moved there.
if [ -n "$PGS_WAL_MOUNT" ] && [ -d "$PGDATA/pg_wal" ] && [ ! -L "$PGDATA/pg_wal" ]; then
  rm -rf "$PGS_WAL_MOUNT/pg_wal.new" "$PGS_WAL_MOUNT/pg_wal"
  cp -a "$PGDATA/pg_wal" "$PGS_WAL_MOUNT/pg_wal.new"
  mv "$PGS_WAL_MOUNT/pg_wal.new" "$PGS_WAL_MOUNT/pg_wal"
  mv "$PGDATA/pg_wal" "$PGDATA/pg_wal.moved"
  ln -s "$PGS_WAL_MOUNT/pg_wal" "$PGDATA/pg_wal"
  rm -rf "$PGDATA/pg_wal.moved"
  echo "pgs: tenant $PGS_TENANT: moved its WAL to its own filesystem ($PGS_WAL_MOUNT)"
fi
# A move stopped between its last two steps: the copy is whole, the link was not made yet.
if [ -n "$PGS_WAL_MOUNT" ] && [ -d "$PGDATA/pg_wal.moved" ] && [ ! -e "$PGDATA/pg_wal" ]; then
  ln -s "$PGS_WAL_MOUNT/pg_wal" "$PGDATA/pg_wal"
  rm -rf "$PGDATA/pg_wal.moved"
fi
"$(dirname "$0")/storage-reserve.sh" start
# Detached, so that they are reparented to the container's init, not to the postmaster.
("$(dirname "$0")/sync-roles.sh" &)
("$(dirname "$0")/storage-reserve.sh" watch >/dev/null &)
exec docker-entrypoint.sh "$@"
