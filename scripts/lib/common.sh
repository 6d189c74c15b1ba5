# shellcheck shell=bash
# Helpers the project's scripts source (`. "$REPO/scripts/lib/common.sh"`): log lines, errors,
# polling, timing, detached daemons, Debian packages, JSON values and a machine-wide lock.
# Nothing runs on source.
#
# LOG_TAG (set by the sourcing script before it logs) prefixes every line: "[TAG HH:MM:SS] ...".

LOG_TAG=${LOG_TAG:-${0##*/}}

log() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date +%T)" "$*"; }

die() {
  log "ERROR: $*" >&2
  exit 1
}

# prints PATTERN CMD...: CMD succeeds and its output has a line matching PATTERN (grep -E).
# Never "CMD | grep -q": under pipefail grep's early exit can end CMD with SIGPIPE and fail the
# test though it matched (CI hit it: "ip addr add: Address already assigned").
prints() {
  local re=$1 out
  shift
  out=$("$@" 2>/dev/null) || return 1
  grep -qE -- "$re" <<<"$out"
}

# wait_for DESC SECONDS CMD...: poll CMD once a second; false (and a TIMEOUT line) after SECONDS.
wait_for() {
  local desc=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs; i++)); do
    if "$@" >/dev/null 2>&1; then
      log "$desc ok after ${i}s"
      return 0
    fi
    sleep 1
  done
  log "TIMEOUT waiting ${secs}s for $desc"
  return 1
}

# timed DESC CMD...: run CMD, with a progress line every 60 s and its time at the end; dies on failure.
# The ticker closes every inherited descriptor, so it holds no lock and no caller's pipe.
timed() {
  local desc=$1 t0 tick rc=0
  shift
  t0=$(date +%s)
  log "$desc ..."
  (
    close_fds
    while sleep 60 >/dev/null 2>&1; do log "$desc: $(($(date +%s) - t0))s so far"; done
  ) &
  tick=$!
  "$@" || rc=$?
  kill "$tick" 2>/dev/null || true
  wait "$tick" 2>/dev/null || true
  ((rc == 0)) || die "$desc failed after $(($(date +%s) - t0))s (exit $rc)"
  log "$desc: done in $(($(date +%s) - t0))s"
}

# close_fds: close every descriptor above 2 of the current (sub)shell.
close_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

# start_detached LOGFILE CMD...: CMD in its own session, outliving this script, its output
# appended to LOGFILE, holding none of this shell's open files: one inherited from a `flock`
# around the starter would hold the lock for as long as the daemon runs (seen: the e2e lock,
# held by dockerd). Sets DETACHED_PID.
start_detached() {
  local logfile=$1
  shift
  (
    close_fds
    exec setsid "$@"
  ) >>"$logfile" 2>&1 </dev/null &
  # shellcheck disable=SC2034 # for the caller
  DETACHED_PID=$!
}

# apt_get ARG...: apt-get (noninteractive), one at a time among the project's scripts (CI runs
# builds beside npm test, and each may install packages), waiting for dpkg's own lock as well.
# The lock is held by flock alone (-o): no daemon a package starts inherits it.
apt_get() {
  mkdir -p /run/lock
  DEBIAN_FRONTEND=noninteractive flock -o -w 1800 /run/lock/pgs-apt.lock \
    apt-get -o DPkg::Lock::Timeout=1800 "$@"
}

# apt_install COMMAND:PACKAGE...: install (as root) each PACKAGE whose COMMAND is not on PATH.
apt_install() {
  local need=() c
  for c in "$@"; do
    command -v "${c%%:*}" >/dev/null || need+=("${c#*:}")
  done
  ((${#need[@]} == 0)) && return 0
  log "apt-get install ${need[*]}"
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# json_value FILE EXPRESSION: a value from a JSON file, `j` being the parsed file
# (json_value package.json 'j.pulumi.version'). The one way the scripts read JSON.
json_value() {
  # shellcheck disable=SC2016 # JavaScript: its ${...} are its own
  node -e 'const j = require(require("path").resolve(process.argv[1]));
    const v = eval(process.argv[2]);
    if (v === undefined) { console.error(`${process.argv[1]}: no ${process.argv[2]}`); process.exit(1); }
    process.stdout.write(String(v))' "$1" "$2"
}

# timing NAME CMD...: run CMD; when PGS_TIMINGS names a file (.ci/run sets it, and PGS_T0, the
# epoch second its times count from), append "START END NAME" to it, in seconds since PGS_T0.
# CMD's status is returned.
timing() {
  local name=$1 t0 rc=0
  shift
  t0=$(date +%s)
  "$@" || rc=$?
  if [[ -n ${PGS_TIMINGS:-} ]]; then
    printf '%5d %5d %s%s\n' "$((t0 - ${PGS_T0:-t0}))" "$(($(date +%s) - ${PGS_T0:-t0}))" "$name" \
      "$( ((rc == 0)) || echo " (failed: exit $rc)")" >>"$PGS_TIMINGS"
  fi
  return "$rc"
}

# hold_lock FILE: take an exclusive flock on FILE for the rest of this shell's life, waiting (with
# a line saying who holds it) while another process has it. The lock is held by a helper
# (`flock -o`, then `tail --pid`), never by this shell: no child, daemon or not, inherits its
# descriptor, and it ends within a second of this shell's exit, however that comes. An outer
# script that already holds FILE (PGS_LOCKS_HELD, exported) makes this a no-op, so entry points
# nest.
hold_lock() {
  local file=$1 line owner=$$ rc
  [[ ":${PGS_LOCKS_HELD:-}:" == *":$file:"* ]] && return 0
  mkdir -p "$(dirname "$file")"
  exec {HOLD_LOCK_FD}< <(
    close_fds
    holder() {
      # shellcheck disable=SC2016 # expanded by that bash
      flock "$@" -o -E 75 "$file" bash -c 'echo held; exec tail --pid="$1" -f /dev/null' _ "$owner"
    }
    rc=0
    holder -n || rc=$?
    if ((rc == 75)); then
      echo waiting
      holder
    fi
  )
  while IFS= read -r -u "$HOLD_LOCK_FD" line; do
    case $line in
      held) break ;;
      waiting) log "waiting for $file, held by: $(cat "$file.owner" 2>/dev/null || echo unknown)" ;;
    esac
  done
  [[ $line == held ]] || die "could not take the lock $file"
  printf 'pid %s in %s since %s\n' "$owner" "$PWD" "$(date '+%F %T')" >"$file.owner"
  export PGS_LOCKS_HELD=${PGS_LOCKS_HELD:+$PGS_LOCKS_HELD:}$file
}
