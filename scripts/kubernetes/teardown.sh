# shellcheck shell=bash
# scripts/kubernetes.sh down and purge: every process stopped (pods first, properly), then what
# they left on the host: iptables chains and jumps (kube-proxy's, the CNI plugins', the kubelet's,
# kube-router's and its ipsets), pod network namespaces, cgroups, mounts, the bridge, host
# sysctls, and the host directories `up` created.

down() {
  need_root
  local n pid ns ipt t c i d
  if running kubelet && [[ -f $KUBECONFIG ]] && kc get --raw /readyz >/dev/null 2>&1; then
    # controllers first (so nothing is recreated), then let the kubelet stop every pod properly
    # (graceful shutdown, CNI DEL, unmounts); the objects that own them stay for the next `up`
    stop kube-scheduler
    stop kube-controller-manager
    kc delete pods --all -A --wait=false >/dev/null 2>&1 || true
    for ((i = 0; i < 90; i++)); do
      [[ -z $(ctrd tasks ls -q 2>/dev/null) ]] && [[ -z $(kc get pods -A -o name 2>/dev/null) ]] && break
      sleep 1
    done
    kc delete pods --all -A --grace-period=0 --force >/dev/null 2>&1 || true
  fi
  for n in kube-proxy kube-router kubelet kube-scheduler kube-controller-manager containerd api-relay kube-apiserver etcd; do
    stop "$n"
  done
  # containerd's shims outlive it: stop the ones of this containerd only
  for pid in $(pgrep -f "containerd-shim-runc-v2 -namespace k8s.io .*-address $CTRD_SOCK" || true); do
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ -x $BIN/kube-proxy ]]; then "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
  iptables -t mangle -D FORWARD -i "$BR" ! -o "$BR" -j DROP 2>/dev/null || true
  kube_router_down
  # chains and jumps of the CNI firewall and portmap plugins
  for t in filter nat; do
    iptables -t "$t" -S 2>/dev/null | awk '$1=="-A" && $2 !~ /^CNI-/ && / -j CNI-/' |
      while read -r rule; do eval "iptables -t $t ${rule/#-A/-D}" || true; done
    for c in $(iptables -t "$t" -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^CNI-/ {print $2}'); do
      iptables -t "$t" -F "$c" || true
    done
    for c in $(iptables -t "$t" -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^CNI-/ {print $2}'); do
      iptables -t "$t" -X "$c" || true
    done
  done
  for ipt in iptables ip6tables; do # chains the kubelet itself creates
    while $ipt -D INPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    while $ipt -D OUTPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    for t in filter nat mangle; do
      for c in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT KUBE-PROXY-CANARY; do
        if $ipt -t "$t" -F "$c" 2>/dev/null; then $ipt -t "$t" -X "$c" 2>/dev/null || true; fi
      done
    done
  done
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do # pod netns left behind
    if prints "inet ${POD_CIDR%.*.*}\." ip -n "$ns" -4 addr; then ip netns del "$ns" || true; fi
  done
  for c in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    if [[ -d $c ]]; then find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
  done
  restore_sysctls
  grep -o " $ST/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  ip link del "$BR" 2>/dev/null || true
  rm -rf "$ST/cni/ipam"
  if [[ -s $ST/host-dirs ]]; then
    if grep -qxF /var/lib/kubelet "$ST/host-dirs"; then rm -f /var/lib/kubelet/device-plugins/kubelet.sock; fi
    while read -r d; do
      if [[ -d $d ]]; then find "$d" -depth -type d -empty -delete 2>/dev/null || true; fi
      if [[ -e $d ]]; then log "left $d (not empty)"; fi
    done <"$ST/host-dirs"
    rm -f "$ST/host-dirs"
  fi
  log "down (state kept in $ST; purge deletes it)"
}

# kube-router leaves its rules in place when it stops (a restart keeps enforcing): remove its jumps,
# chains and ipsets (KUBE-SRC-*, KUBE-DST-* and its swap sets TMP-*) here
# (its own --cleanup-config would also flush IPVS and routing state).
kube_router_down() {
  local c rule s
  iptables -t filter -S 2>/dev/null | awk '$1=="-A" && $2 !~ /^KUBE-(ROUTER|POD-FW|NWPLCY)-/ && / -j KUBE-(ROUTER|POD-FW|NWPLCY)-/' |
    while read -r rule; do eval "iptables -t filter ${rule/#-A/-D}" || true; done
  for c in $(iptables -t filter -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^KUBE-(ROUTER|POD-FW|NWPLCY)-/ {print $2}'); do
    iptables -t filter -F "$c" || true
  done
  for c in $(iptables -t filter -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^KUBE-(ROUTER|POD-FW|NWPLCY)-/ {print $2}'); do
    iptables -t filter -X "$c" || true
  done
  if command -v ipset >/dev/null; then
    for s in $(ipset list -n 2>/dev/null | awk '/^(KUBE-(SRC|DST)-|TMP-)/'); do ipset destroy "$s" || true; done
  fi
}

purge() {
  down
  rm -rf "$ST" "$HOSTPATH_PV"
  log "purged $ST and $HOSTPATH_PV (binaries kept in $BIN)"
}
