#!/usr/bin/env bash
# Test environment of the Kubernetes suite: the Pulumi engine's kubernetes plugin and the local
# cluster, up, with the local images imported (each cached; warm: seconds; the cluster's start
# about 10 s). The Docker suites' part (a Docker engine, the images, the engine) is
# env-docker.sh, which this needs first; env.sh runs both.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
START=$SECONDS

bash "$REPO/scripts/engine.sh" --with kubernetes
bash "$REPO/scripts/kubernetes.sh" deps build up images
printf 'e2e-env: Kubernetes ready in %d s\n' "$((SECONDS - START))"
