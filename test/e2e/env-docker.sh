#!/usr/bin/env bash
# Test environment of the Docker suites: a Docker engine, the local images and the Pulumi engine
# with the random, tls and docker plugins (each cached; warm: seconds), then a smoke test of the
# images. The Kubernetes suite's part is env-kubernetes.sh; env.sh runs both.
# Everything the smoke test creates carries the labels pgs.test=smoke and pgs.smoke-run=RUN;
# this run's objects are removed on exit (runs may overlap, so never another run's).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN=$(date +%s)-$$
LABEL=pgs.smoke-run=$RUN
# shellcheck source=scripts/lib/common.sh
. "$REPO/scripts/lib/common.sh"
TRAEFIK_VERSION=$(json_value "$REPO/images/local-images.json" j.traefik.version)
START=$SECONDS

bash "$REPO/scripts/docker-up.sh"
bash "$REPO/images/build.sh"
bash "$REPO/scripts/engine.sh"

SECRETS=$(mktemp -d)
cleanup() {
  docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null
  docker volume ls -q --filter "label=$LABEL" | xargs -r docker volume rm >/dev/null
  rm -rf "$SECRETS"
}
trap cleanup EXIT

pass() { printf 'smoke: ok   %s\n' "$*"; }
fail() {
  printf 'smoke: FAIL %s\n' "$*" >&2
  exit 1
}

# Random, with a space, and readable by root only: the entrypoint reads it before dropping to postgres.
PASSWORD="pw $(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s' "$PASSWORD" >"$SECRETS/password"
chmod 600 "$SECRETS/password"

run_pg() { # name image volume mountpoint
  docker run -d --name "$1" --label pgs.test=smoke --label "$LABEL" -v "$3:$4" \
    -v "$SECRETS/password:/run/secrets/pg_password:ro" \
    -e POSTGRES_PASSWORD_FILE=/run/secrets/pg_password "$2" >/dev/null
}

wait_ready() { # name
  local _
  for _ in $(seq 1 150); do
    if [[ $(docker inspect --format '{{.State.Running}}' "$1" 2>/dev/null) != true ]]; then
      docker logs "$1" 2>&1 | tail -n 20 >&2 || true
      fail "$1 is not running"
    fi
    # Over TCP: the init-time server listens on the socket only.
    docker exec "$1" pg_isready -q -h 127.0.0.1 -U postgres && return 0
    sleep 0.2
  done
  docker logs "$1" 2>&1 | tail -n 20 >&2 || true
  fail "$1 not ready after 30 s"
}

psql_in() { # name host sql
  PGPASSWORD=$PASSWORD docker exec -e PGPASSWORD "$1" \
    psql -h "$2" -U postgres -d postgres -v ON_ERROR_STOP=1 -tAc "$3"
}

container_ip() {
  docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"
}

smoke_postgres() { # major mountpoint
  local major=$1 mount=$2 image=pgs-local/postgres:$1 name=pgs-smoke-$RUN-pg$1 vol=pgs-smoke-$RUN-pg$1
  local ip t0 ms version
  docker volume create --label pgs.test=smoke --label "$LABEL" "$vol" >/dev/null

  t0=$(date +%s%N)
  run_pg "$name" "$image" "$vol" "$mount"
  wait_ready "$name"
  pass "$image ready after $((($(date +%s%N) - t0) / 1000000)) ms (fresh volume at $mount)"

  version=$(psql_in "$name" 127.0.0.1 'SELECT version()')
  [[ $version == "PostgreSQL $major."* ]] || fail "$image: version() = $version"
  pass "$image: $version"

  # Loopback is trusted (initdb default); the container's own address takes the scram line.
  ip=$(container_ip "$name")
  psql_in "$name" "$ip" "CREATE TABLE smoke (v text); INSERT INTO smoke VALUES ('kept')" >/dev/null
  pass "$image: password auth over $ip (scram-sha-256)"
  if PGPASSWORD=wrong docker exec -e PGPASSWORD "$name" psql -h "$ip" -U postgres -c '' 2>/dev/null; then
    fail "$image: a wrong password was accepted"
  fi
  pass "$image: wrong password refused"

  [[ $(docker inspect --format '{{len .Mounts}}' "$name") == 2 ]] ||
    fail "$image: unexpected extra (anonymous) volume"

  t0=$(date +%s%N)
  docker stop "$name" >/dev/null
  ms=$((($(date +%s%N) - t0) / 1000000))
  ((ms < 5000)) || fail "$image: docker stop took $ms ms"
  [[ $(docker inspect --format '{{.State.ExitCode}}' "$name") == 0 ]] || fail "$image: exit code after stop"
  pass "$image: stopped in $ms ms (SIGINT), exit 0"

  # A new container on the same volume: the data must live in the volume.
  docker rm "$name" >/dev/null
  run_pg "$name" "$image" "$vol" "$mount"
  wait_ready "$name"
  [[ $(psql_in "$name" 127.0.0.1 'SELECT v FROM smoke') == kept ]] || fail "$image: data lost"
  # Not "docker logs | grep -q": with pipefail an early grep exit fails the pipe.
  [[ $(docker logs "$name" 2>&1) == *'Skipping initialization'* ]] || fail "$image: initialised twice"
  pass "$image: data kept across a new container on the same volume"
  docker rm -f "$name" >/dev/null
}

smoke_contract() {
  local out
  if out=$(docker run --rm --label pgs.test=smoke --label "$LABEL" pgs-local/postgres:18 2>&1); then
    fail "an empty password on an empty PGDATA must fail"
  fi
  grep -q 'superuser password is not specified' <<<"$out" || fail "missing-password message: $out"
  pass "empty password on empty PGDATA refused"

  docker volume create --label pgs.test=smoke --label "$LABEL" "pgs-smoke-$RUN-old" >/dev/null
  if out=$(docker run --rm --label pgs.test=smoke --label "$LABEL" -e POSTGRES_PASSWORD=x \
    -v "pgs-smoke-$RUN-old:/var/lib/postgresql/data" pgs-local/postgres:18 2>&1); then
    fail "18 with a volume at /var/lib/postgresql/data must fail"
  fi
  grep -q 'in 18+' <<<"$out" || fail "18+ layout message: $out"
  pass "18 refuses a volume at /var/lib/postgresql/data"
}

smoke_traefik() {
  local out
  out=$(docker run --rm --label pgs.test=smoke --label "$LABEL" "pgs-local/traefik:$TRAEFIK_VERSION" version)
  grep -Eq "^Version: +$TRAEFIK_VERSION\$" <<<"$out" || fail "traefik version: $out"
  pass "pgs-local/traefik:$TRAEFIK_VERSION version = $TRAEFIK_VERSION"
}

smoke_postgres 18 /var/lib/postgresql
smoke_postgres 17 /var/lib/postgresql/data
smoke_contract
smoke_traefik
printf 'e2e-env: all smoke checks passed in %d s (total)\n' "$((SECONDS - START))"
