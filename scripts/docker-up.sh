#!/usr/bin/env bash
# Start a local Docker engine (Debian's docker.io) configured for many per-tenant networks.
# Idempotent: does nothing when a dockerd with the current daemon.json is already answering.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_TAG=docker-up
# shellcheck source=scripts/lib/common.sh
. "$REPO/scripts/lib/common.sh"
DAEMON_JSON=/etc/docker/daemon.json
LOG=/var/log/pgs-dockerd.log
PIDFILE=/var/run/docker.pid
# A /16 cut into /26s gives 1024 user networks (Docker's defaults allow ~30).
# docker0 keeps working: without "bip" it takes its subnet from this pool too.
WANT_JSON='{
  "default-address-pools": [
    {"base": "10.213.0.0/16", "size": 26}
  ]
}'

install_packages() { apt_install dockerd:docker.io debootstrap:debootstrap unzip:unzip; }

dockerd_pid() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

answering() { docker version >/dev/null 2>&1; }

# True when the running dockerd was started after daemon.json was last written
# (1 s slack: etimes is rounded and a fresh start follows the write within the same second).
config_current() {
  local pid=$1 started written
  [[ $wrote == no ]] || return 1
  started=$(($(date +%s) - $(ps -o etimes= -p "$pid")))
  written=$(stat -c %Y "$DAEMON_JSON")
  ((written <= started + 1))
}

stop_dockerd() {
  local pid=$1
  log "stopping dockerd (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 1
  done
  die "dockerd $pid did not exit within 60 s"
}

start_dockerd() {
  log "starting dockerd, log in $LOG"
  # Its own session, so that it outlives the shell (and the CI step) that started it, holding none
  # of that shell's open files: one inherited from a `flock` around the starter would hold the
  # lock for as long as dockerd runs (seen: the e2e lock, held by dockerd).
  start_detached "$LOG" dockerd
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  tail -n 40 "$LOG" >&2
  die "dockerd did not answer within 60 s (above: the tail of $LOG)"
}

install_packages

wrote=no
mkdir -p /etc/docker
if [[ ! -f $DAEMON_JSON ]] || [[ $(cat "$DAEMON_JSON") != "$WANT_JSON" ]]; then
  log "writing $DAEMON_JSON"
  printf '%s\n' "$WANT_JSON" >"$DAEMON_JSON"
  wrote=yes
fi

if pid=$(dockerd_pid); then
  if answering && config_current "$pid"; then
    log "dockerd already running (pid $pid) with current config"
  else
    stop_dockerd "$pid"
    start_dockerd
  fi
else
  start_dockerd
fi

# The preinstalled CLI may be newer than the daemon; say so if it cannot negotiate an API version.
if ! docker version >/dev/null 2>&1; then
  log "the docker CLI cannot talk to the daemon; try: export DOCKER_API_VERSION=1.41"
  export DOCKER_API_VERSION=1.41
  docker version >/dev/null
fi
log "ready: server $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
