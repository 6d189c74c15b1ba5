#!/usr/bin/env bash
# Start a local Docker engine (Debian's docker.io) configured for many per-tenant networks.
# Idempotent: does nothing when a dockerd with the current daemon.json is already answering.
set -euo pipefail

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

log() { printf 'docker-up: %s\n' "$*"; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v unzip >/dev/null || missing+=(unzip)
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

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
  log "dockerd $pid did not exit within 60 s"
  exit 1
}

start_dockerd() {
  log "starting dockerd, log in $LOG"
  # Its own session, so that it outlives the shell (and the CI step) that started it, holding none
  # of that shell's open files: one inherited from a `flock` around the starter would hold the
  # lock for as long as dockerd runs (seen: the e2e lock, held by dockerd).
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec setsid dockerd
  ) >>"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  log "dockerd did not answer within 60 s; tail of $LOG:"
  tail -n 40 "$LOG" >&2
  exit 1
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
