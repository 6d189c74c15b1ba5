#!/usr/bin/env bash
# The main job (npm run up): sets up what this machine lacks, then `pulumi up` of the shipped
# tenants.yaml on the stack (default dev, a local file backend in .pgs/), and says how to connect.
#   1. npm packages (npm ci) when node_modules is missing or older than package-lock.json
#   2. the Pulumi engine (scripts/engine.sh: yours when it is installed, else built and cached)
#   3. a Docker engine when none answers and we are root (scripts/docker-up.sh)
#   4. local images (images/build.sh) unless the stack's default images are already here
#      (PGS_IMAGES=default uses the defaults and lets the engine pull them; =local forces local)
#   5. pgs setup (idempotent) and pgs up --yes
# usage: scripts/up.sh [STACK]        (or PGS_STACK=...)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_TAG=up
# shellcheck source=scripts/lib/common.sh
. "$REPO/scripts/lib/common.sh"
cd "$REPO"
STACK=${1:-${PGS_STACK:-dev}}
IMAGES=${PGS_IMAGES:-auto}
START=$SECONDS

step() { printf '\n== %s (%d s)\n' "$*" "$((SECONDS - START))"; }

step "npm packages"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
else
  echo "node_modules is current"
  [[ -f dist/pgs.js ]] || npm run build
fi

step "Pulumi engine"
bash scripts/engine.sh

step "Docker engine"
if docker version >/dev/null 2>&1; then
  echo "a Docker engine answers: $(docker version --format '{{.Server.Version}}')"
elif [[ $(id -u) == 0 ]]; then
  bash scripts/docker-up.sh
else
  die "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-default}); start one, or run this as root to start Debian's docker.io"
fi

step "images"
if [[ $IMAGES == auto ]]; then
  if docker image inspect postgres:18 traefik:v3.7 >/dev/null 2>&1; then IMAGES=default; else IMAGES=local; fi
fi
if [[ $IMAGES == local ]]; then
  echo "using local images (images/build.sh; PGS_IMAGES=default pulls the official ones instead)"
  bash images/build.sh postgres18 postgres17 traefik rclone
else
  echo "using the stack's default images (pulled by the engine where missing)"
fi

step "stack $STACK"
bin/pgs setup --stack "$STACK" --images "$IMAGES"

step "pulumi up"
bin/pgs up --stack "$STACK" --yes
printf '\nup: done in %d s\n' "$((SECONDS - START))"
