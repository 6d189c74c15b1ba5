# shellcheck shell=bash
# scripts/kubernetes.sh up and smoke: the node's bridge and firewall, the control plane, the
# kubelet, kube-router's NetworkPolicy firewall and kube-proxy, in that order, each waited for;
# host sysctls saved before the kubelet rewrites them. smoke: a PostgreSQL StatefulSet with a PVC.

# render TEMPLATE OUT: fill the @NAME@ fields of a kubernetes/local template.
render() {
  local runc
  runc=$(command -v runc || echo runc)
  sed -e "s|@ST@|$ST|g" -e "s|@PKI@|$PKI|g" -e "s|@CNI_BIN@|$CNI_BIN|g" \
    -e "s|@CTRD_SOCK@|$CTRD_SOCK|g" -e "s|@PAUSE_IMAGE@|$PAUSE_IMAGE|g" -e "s|@RUNC@|$runc|g" \
    -e "s|@BR@|$BR|g" -e "s|@NODE@|$NODE|g" -e "s|@NODE_IP@|$NODE_IP|g" \
    -e "s|@POD_CIDR@|$POD_CIDR|g" "$1" >"$2.tmp"
  mv "$2.tmp" "$2"
}

network() {
  ip link show "$BR" >/dev/null 2>&1 || ip link add "$BR" type bridge
  prints "inet $NODE_IP/" ip addr show dev "$BR" || ip addr add "$NODE_IP/16" dev "$BR"
  ip link set "$BR" up
  # Service VIPs never take the default route
  prints "$BR" ip route show "$SVC_CIDR" || ip route add "$SVC_CIDR" dev "$BR" src "$NODE_IP"
  # nothing is ever forwarded off the bridge (mangle runs before Docker's and CNI's filter rules)
  iptables -t mangle -C FORWARD -i "$BR" ! -o "$BR" -j DROP 2>/dev/null ||
    iptables -t mangle -I FORWARD 1 -i "$BR" ! -o "$BR" -j DROP
  mkdir -p "$ST/cni/net.d"
  render "$L/cni.conflist" "$ST/cni/net.d/10-pgs-local.conflist"
  echo "nameserver 127.0.0.1" >"$ST/pod-resolv.conf" # pods get no DNS that leaves the machine
}

# NetworkPolicy enforcement: pod-to-pod traffic on the bridge reaches iptables only through
# br_netfilter. kube-router reads the node object (its InternalIP), so it starts once the kubelet
# has registered the node and before the node is Ready, i.e. before any pod is scheduled.
kube_router_up() {
  [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || modprobe br_netfilter ||
    die "no br_netfilter: NetworkPolicy could not be enforced on the bridge"
  [[ $(sysctl -n net.bridge.bridge-nf-call-iptables) == 1 ]] || sysctl -q -w net.bridge.bridge-nf-call-iptables=1
  # The CNI firewall plugin's FORWARD jump accepts all of a pod's traffic. The plugin inserts it at
  # the top the first time it runs, i.e. above kube-router's jump until kube-router's next sync:
  # make it first, at the end of FORWARD (the plugin keeps an existing one where it is).
  iptables -t filter -N CNI-FORWARD 2>/dev/null || true
  iptables -t filter -C FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD 2>/dev/null ||
    iptables -t filter -A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD
  start kube-router "$KR" --kubeconfig="$KUBECONFIG" --hostname-override="$NODE" \
    --run-firewall=true --run-router=false --run-service-proxy=false --run-loadbalancer=false \
    --enable-ipv4=true --enable-ipv6=false --service-cluster-ip-range="$SVC_CIDR" \
    --health-port=0 --metrics-port=0
  wait_for "kube-router firewall (FORWARD jumps to KUBE-ROUTER-FORWARD)" 60 \
    prints ' -j KUBE-ROUTER-FORWARD$' iptables -t filter -S FORWARD
}

node_ready() {
  prints True kc get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
}

save_sysctls() { # each one once: the value before the first `up` changed it
  local k
  touch "$ST/sysctl.saved"
  for k in "${SYSCTLS[@]}"; do
    grep -q "^$k=" "$ST/sysctl.saved" || echo "$k=$(sysctl -n "$k")" >>"$ST/sysctl.saved"
  done
}

restore_sysctls() {
  [[ -s $ST/sysctl.saved ]] || return 0
  local kv k v
  while read -r kv; do
    k=${kv%%=*}
    v=${kv#*=}
    [[ $(sysctl -n "$k") == "$v" ]] && continue
    if [[ $k == net.ipv4.ip_forward ]] && pgrep -x dockerd >/dev/null; then
      log "keeping $k=$(sysctl -n "$k") (a Docker engine runs and needs it)"
      continue
    fi
    sysctl -q -w "$k=$v"
    log "restored $k=$v"
  done <"$ST/sysctl.saved"
  rm -f "$ST/sysctl.saved"
}

up() {
  need_root
  local b d t0
  t0=$(date +%s)
  for b in "${COMPONENTS[@]}"; do [[ -x $BIN/$b ]] || die "$BIN/$b missing: scripts/kubernetes.sh build"; done
  [[ -x $KR ]] || die "$KR missing: scripts/kubernetes.sh build"
  if [[ ! -x $BIN/etcd || ! -x $CNI_BIN/bridge ]] || ! command -v containerd >/dev/null; then
    die "dependencies missing: scripts/kubernetes.sh deps"
  fi
  mkdir -p "$LOG" "$RUN" "$ST/etcd"
  chmod 700 "$ST/etcd"
  "$L/gen-pki.sh" "$PKI" "$NODE_IP" "$SVC_IP1" "$API_PORT"
  network

  start etcd "$BIN/etcd" --name pgs-local --data-dir "$ST/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-cluster "pgs-local=http://127.0.0.1:$ETCD_PEER" --listen-metrics-urls '' \
    --quota-backend-bytes 2147483648
  wait_for etcd 30 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  start kube-apiserver "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --secure-port="$API_PORT" --advertise-address="$NODE_IP" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SVC_CIDR" --authorization-mode=Node,RBAC --allow-privileged=true \
    --kubelet-preferred-address-types=InternalIP --kubelet-client-certificate="$PKI/admin.crt" \
    --kubelet-client-key="$PKI/admin.key" --profiling=false
  wait_for kube-apiserver 120 kc get --raw /readyz
  # The apiserver listens on loopback only, but pods reach it through the kubernetes Service,
  # i.e. at the node IP: relay that address to it, so in-cluster API clients (Traefik's CRD
  # provider) work as on any cluster. The bridge is private to this machine.
  install -m 0755 "$L/api-relay.py" "$ST/api-relay.py"
  start api-relay python3 "$ST/api-relay.py" "$NODE_IP" "$API_PORT" 127.0.0.1 "$API_PORT"
  wait_for api-relay 30 kc --server="https://$NODE_IP:$API_PORT" get --raw /readyz

  start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$KUBECONFIG" \
    --authentication-kubeconfig="$KUBECONFIG" --authorization-kubeconfig="$KUBECONFIG" \
    --bind-address=127.0.0.1 --leader-elect=false --service-account-private-key-file="$PKI/sa.key" \
    --root-ca-file="$PKI/ca.crt" --service-cluster-ip-range="$SVC_CIDR" --use-service-account-credentials=true \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --enable-hostpath-provisioner=true --profiling=false
  start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$KUBECONFIG" \
    --authentication-kubeconfig="$KUBECONFIG" --authorization-kubeconfig="$KUBECONFIG" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false

  mkdir -p "$ST/containerd"
  render "$L/containerd.toml" "$ST/containerd/config.toml"
  start containerd containerd --config "$ST/containerd/config.toml"
  wait_for containerd 30 ctrd version
  pause_image

  mkdir -p "$ST/kubelet"
  render "$L/kubelet.yaml" "$ST/kubelet/config.yaml"
  save_sysctls # the kubelet rewrites them; `down` puts them back
  for d in "${HOST_DIRS[@]}"; do
    [[ -e $d ]] || grep -qxF "$d" "$ST/host-dirs" 2>/dev/null || echo "$d" >>"$ST/host-dirs"
  done
  start kubelet "$BIN/kubelet" --config="$ST/kubelet/config.yaml" --kubeconfig="$KUBECONFIG" \
    --root-dir="$ST/kubelet/root" --cert-dir="$ST/kubelet/pki" --node-ip="$NODE_IP" \
    --hostname-override="$NODE" --pod-infra-container-image="$PAUSE_IMAGE"
  wait_for "node $NODE registered" 120 kc get node "$NODE"
  kube_router_up
  wait_for "node $NODE Ready" 120 node_ready

  render "$L/kube-proxy.yaml" "$ST/kube-proxy.yaml"
  start kube-proxy "$BIN/kube-proxy" --config="$ST/kube-proxy.yaml"
  wait_for kube-proxy 60 curl -sf http://127.0.0.1:10256/healthz

  kc apply -f "$L/storageclass.yaml" >/dev/null
  log "cluster up in $(($(date +%s) - t0))s; KUBECONFIG=$KUBECONFIG"
  echo "export KUBECONFIG=$KUBECONFIG"
}

# smoke: PostgreSQL 18 in a StatefulSet with a PVC, Ready, then deleted with its volume.
smoke() {
  local t0 pod=pgs-smoke/pg-0 pv
  t0=$(date +%s)
  node_ready || die "node not Ready: scripts/kubernetes.sh up"
  prints . ctrd images ls -q name==docker.io/pgs-local/postgres:18 ||
    die "pgs-local/postgres:18 not in the cluster: scripts/kubernetes.sh images"
  kc delete namespace pgs-smoke --ignore-not-found --wait=true --timeout=120s >/dev/null # a previous run
  t0=$(date +%s)
  kc apply -f "$L/smoke.yaml"
  kc -n pgs-smoke wait --for=create pvc/data-pg-0 --timeout=60s >/dev/null
  kc -n pgs-smoke wait --for=jsonpath='{.status.phase}'=Bound pvc/data-pg-0 --timeout=60s
  kc -n pgs-smoke rollout status sts/pg --timeout=180s
  kc -n pgs-smoke wait --for=condition=Ready "pod/${pod#*/}" --timeout=120s
  pv=$(kc -n pgs-smoke get pvc data-pg-0 -o jsonpath='{.spec.volumeName}')
  kc -n pgs-smoke get pvc,pod -o wide
  kc -n pgs-smoke exec pg-0 -c postgres -- psql -U postgres -Atc \
    "select 'ok ' || version(), current_setting('data_directory')"
  log "smoke: Ready after $(($(date +%s) - t0))s; deleting"
  kc delete -f "$L/smoke.yaml" --wait=true --timeout=120s >/dev/null
  # the StatefulSet's PVC outlives it: delete it too, the provisioner then removes the PV and its dir
  kc delete namespace pgs-smoke --ignore-not-found --wait=true --timeout=120s >/dev/null
  wait_for "PV $pv deleted" 60 bash -c "! '$BIN/kubectl' --kubeconfig='$KUBECONFIG' get pv '$pv'"
  log "smoke passed in $(($(date +%s) - t0))s"
}
