# shellcheck shell=bash
# The cluster's processes: started detached (own session, no inherited descriptor), recorded by
# pid file in $RUN, stopped and waited for, and listed with their memory (scripts/kubernetes.sh status).

running() { # name: true if the recorded pid is alive and is one of ours
  local pid
  pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 1
  [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"$K/"* ]]
}

start() { # name command...
  local n=$1
  shift
  if running "$n"; then
    log "$n already running (pid $(cat "$RUN/$n.pid"))"
    return 0
  fi
  start_detached "$LOG/$n.log" "$@" # holding none of this shell's open files (a lock's, say)
  echo "$DETACHED_PID" >"$RUN/$n.pid"
  log "started $n (pid $DETACHED_PID, log $LOG/$n.log)"
}

stop() { # name: stop one of our processes and wait until it is gone
  local n=$1 pid i
  if running "$n"; then
    pid=$(cat "$RUN/$n.pid")
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      grep -qs '^State:.*[^Z] (' "/proc/$pid/status" || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    log "stopped $n"
  fi
  rm -f "$RUN/$n.pid"
}

# status: the processes, their memory and the node's readiness.
rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

status() {
  local n pid total=0 r shims
  printf '%-24s %8s %10s\n' COMPONENT PID RSS_MiB
  for n in etcd kube-apiserver api-relay kube-controller-manager kube-scheduler containerd kubelet kube-router kube-proxy; do
    if running "$n"; then
      pid=$(cat "$RUN/$n.pid")
      r=$(rss_kib "$pid")
      total=$((total + r))
      printf '%-24s %8s %10s\n' "$n" "$pid" "$((r / 1024))"
    else
      printf '%-24s %8s %10s\n' "$n" - -
    fi
  done
  r=0
  shims=$(pgrep -f "containerd-shim-runc-v2 -namespace k8s.io .*-address $CTRD_SOCK" || true)
  for pid in $shims; do r=$((r + $(rss_kib "$pid"))); done
  total=$((total + r))
  printf '%-24s %8s %10s\n' "shims ($(wc -w <<<"$shims"))" - "$((r / 1024))" "total (w/o pod procs)" - "$((total / 1024))"
  if [[ -f $KUBECONFIG ]] && kc get --raw /readyz >/dev/null 2>&1; then
    kc get nodes -o wide
    if node_ready; then echo "node $NODE: Ready"; else echo "node $NODE: NOT Ready"; fi
    echo "export KUBECONFIG=$KUBECONFIG"
  else
    echo "apiserver: not answering"
    return 1
  fi
}
