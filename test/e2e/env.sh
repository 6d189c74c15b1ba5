#!/usr/bin/env bash
# Test environment of every end-to-end suite: env-docker.sh (a Docker engine, the local images, the
# Pulumi engine, and their smoke test), then env-kubernetes.sh (the kubernetes plugin and the local
# cluster with the images in it). Each cached: warm, seconds.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bash "$HERE/env-docker.sh"
bash "$HERE/env-kubernetes.sh"
