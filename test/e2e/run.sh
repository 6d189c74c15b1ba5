#!/usr/bin/env bash
# The end-to-end suites, in phases, each once what it needs is ready (npm run test:e2e,
# test:e2e:docker, test:e2e:kubernetes run this, after npm run build):
#
#   bash test/e2e/run.sh docker|kubernetes|all [JEST-OPTION-OR-PATTERN...]
#
#   docker      env-docker.sh (Docker engine, local images, the engine's random/tls/docker plugins,
#               smoke test), then the Docker suites two at a time (jest.docker.config.js), then
#               dockerdRestart.test.ts alone (jest.dockerd.config.js: it restarts the Docker engine)
#   kubernetes  env-kubernetes.sh (the kubernetes plugin, the local cluster up with the images),
#               then kubernetes.test.ts (jest.kubernetes.config.js)
#   all         docker, then kubernetes
#
# The whole run holds a machine-wide lock (PGS_E2E_LOCK, default /run/lock/pgs-e2e.lock): the
# Docker engine and the local cluster are the machine's, so two checkouts never run suites at
# the same time; a second run waits, saying who holds it. An outer holder (.ci/run) makes it nest.
# PGS_E2E_RESULTS=DIR: each jest phase also writes its results to DIR/e2e-<phase>.json.
# PGS_TIMINGS=FILE: each step's start and end appended to FILE (scripts/lib/common.sh: timing).
# Options and patterns go to every jest phase; a phase that selects no test file is left out
# (and a run that selects none at all fails). Every phase runs even after one failed; the exit
# status is 1 if any failed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOG_TAG=e2e
# shellcheck source=scripts/lib/common.sh
. "$REPO/scripts/lib/common.sh"
cd "$REPO"

usage() {
  sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

case ${1:-} in
  docker) parts=(docker) ;;
  kubernetes) parts=(kubernetes) ;;
  all) parts=(docker kubernetes) ;;
  *) usage ;;
esac
shift
JEST_ARGS=("$@")
JEST=$REPO/node_modules/.bin/jest
[[ -x $JEST ]] || die "no $JEST: run npm ci first"

hold_lock "${PGS_E2E_LOCK:-/run/lock/pgs-e2e.lock}"

status=0
ran=0
phase() { # name config: one jest run
  local name=$1 config=$2 out=() t0=$SECONDS
  if ((${#JEST_ARGS[@]})) && ! prints '\.test\.ts' "$JEST" -c "$config" --listTests "${JEST_ARGS[@]}"; then
    log "phase $name: no test file selected, left out"
    return 0
  fi
  ran=$((ran + 1))
  if [[ -n ${PGS_E2E_RESULTS:-} ]]; then
    mkdir -p "$PGS_E2E_RESULTS"
    out=(--json --outputFile="$PGS_E2E_RESULTS/e2e-$name.json")
  fi
  log "phase $name ($config)"
  if timing "e2e $name: jest" "$JEST" -c "$config" "${out[@]}" "${JEST_ARGS[@]}"; then
    log "phase $name passed in $((SECONDS - t0)) s"
  else
    log "phase $name FAILED after $((SECONDS - t0)) s"
    status=1
  fi
}

for part in "${parts[@]}"; do
  case $part in
    docker)
      if timing "e2e docker: env-docker.sh" bash test/e2e/env-docker.sh; then
        phase docker test/e2e/jest.docker.config.js
        phase dockerd test/e2e/jest.dockerd.config.js
      else
        log "env-docker.sh failed: the Docker suites did not run"
        status=1
      fi
      ;;
    kubernetes)
      if timing "e2e kubernetes: env-kubernetes.sh" bash test/e2e/env-kubernetes.sh; then
        phase kubernetes test/e2e/jest.kubernetes.config.js
      else
        log "env-kubernetes.sh failed: the Kubernetes suite did not run"
        status=1
      fi
      ;;
  esac
done
((ran > 0 || status != 0)) || die "no test file selected by: ${JEST_ARGS[*]}"
exit "$status"
