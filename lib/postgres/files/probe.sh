#!/bin/sh
# pgs health probe of a tenant server.
#   probe.sh accepting  the real server takes TCP connections on loopback (the initdb-time server
#                       listens on the socket only, so this does not turn true too early)
#   probe.sh            that, and the start hook has synced the roles: the container is healthy,
#                       and only then does the ingress route to it
# Environment (lib/postgres/server.ts): PGS_READY_FILE, PGPORT; POSTGRES_USER.
set -eu
if [ "${1:-healthy}" = healthy ]; then
  test -f "$PGS_READY_FILE"
fi
exec pg_isready -q -h 127.0.0.1 -U "$POSTGRES_USER" -d postgres
