#!/bin/sh
# pgs: once the real server accepts connections, bring the tenant's role, its database's owner and
# both passwords in line with the program (sync-roles.sql), then mark the container ready.
# Environment (lib/postgres/server.ts): PGS_ROLE, PGS_DATABASE, PGS_SUPERUSER (on|off),
# PGS_TENANT_VERIFIER_FILE, PGS_SUPERUSER_VERIFIER_FILE, PGS_READY_FILE; POSTGRES_USER, PGDATA;
# PGS_SETTINGS_FILE and, where nothing signals the server when it changes (Kubernetes, whose
# kubelet updates a mounted ConfigMap in place), PGS_SETTINGS_WATCH_SECONDS.
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
  failed=1
fi
if [ -n "${failed:-}" ]; then
  # A server whose roles are not what the program says must not look up: stopping it makes the
  # container restart (Docker) or the pod's container restart (Kubernetes), where operators and
  # pgs up see it, with this log's reason above.
  echo "pgs: syncing the tenant role failed; stopping the server (the error above says why)" >&2
  pg_ctl -D "$PGDATA" stop -m fast >/dev/null 2>&1 || true
  exit 1
fi
# Reloadable settings changed in place: reload them, as Docker's SIGHUP does.
if [ -n "${PGS_SETTINGS_WATCH_SECONDS:-}" ]; then
  seen=$(cksum <"$PGS_SETTINGS_FILE" 2>/dev/null || true)
  while sleep "$PGS_SETTINGS_WATCH_SECONDS"; do
    now=$(cksum <"$PGS_SETTINGS_FILE" 2>/dev/null || true)
    if [ "$now" != "$seen" ]; then
      seen=$now
      pg_ctl -D "$PGDATA" reload >/dev/null && echo "pgs: settings changed: reloaded"
    fi
  done
fi
