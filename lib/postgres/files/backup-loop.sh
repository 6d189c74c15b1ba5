#!/bin/sh
# pgs backup scheduler, PID 1 (under tini) of a tenant's backup container: sleeps to the next
# slot of the schedule, runs one backup, forever. Slots are at PGS_ANCHOR_SECONDS (seconds after
# midnight UTC) + k * PGS_EVERY_SECONDS.
# Environment (lib/postgres/backup.ts): PGS_TENANT, PGS_EVERY_SECONDS, PGS_ANCHOR_SECONDS,
# PGS_SCHEDULE (for the log), PGS_LOG_TAG.
set -u
echo "$PGS_LOG_TAG: scheduler started: tenant=$PGS_TENANT $PGS_SCHEDULE"
while :; do
  now=$(date -u +%s)
  offset=$(( ((now - PGS_ANCHOR_SECONDS) % PGS_EVERY_SECONDS + PGS_EVERY_SECONDS) % PGS_EVERY_SECONDS ))
  sleep $((PGS_EVERY_SECONDS - offset))
  "$(dirname "$0")/backup-now.sh" scheduled || true
done
