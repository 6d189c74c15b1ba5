#!/bin/sh
# pgs: once the real server accepts connections, bring the tenant's role, its database's owner and
# both passwords in line with the program (sync-roles.sql), then mark the container ready.
# Environment (lib/postgres/server.ts): PGS_ROLE, PGS_DATABASE, PGS_SUPERUSER (on|off),
# PGS_TENANT_VERIFIER_FILE, PGS_SUPERUSER_VERIFIER_FILE, PGS_READY_FILE; POSTGRES_USER.
set -eu
here=$(dirname "$0")
tries=0
until "$here/probe.sh" accepting; do
  tries=$((tries + 1))
  if [ "$tries" -ge 2400 ]; then
    echo "pgs: the server did not accept connections within 20 minutes; roles not synced" >&2
    exit 1
  fi
  sleep 0.5
done
if psql -X -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
  -v role="$PGS_ROLE" -v database="$PGS_DATABASE" -v superuser="$PGS_SUPERUSER" \
  -f "$here/sync-roles.sql"; then
  touch "$PGS_READY_FILE"
  echo "pgs: tenant role and password are in sync"
else
  echo "pgs: syncing the tenant role failed; the container stays unhealthy" >&2
  exit 1
fi
