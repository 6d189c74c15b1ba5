#!/usr/bin/env bash
# The project's own single-node Kubernetes, on this machine, with no registry and no download
# other than package registries:
#   kube-apiserver, -controller-manager, -scheduler, kubelet, kube-proxy and kubectl built from the
#   k8s.io/kubernetes Go module (through a wrapper module) + etcd 3.5 (Debian trixie .deb)
#   + containerd/runc (Debian) + CNI bridge plugins (Debian .deb, unpacked) + images imported from
#   the local Docker engine (pgs-local/*) and a tiny static pause image
#   + kube-router's NetworkPolicy firewall (iptables + ipset, a host process), which ENFORCES
#   NetworkPolicy: the bridge CNI plugin does not.
# Network: everything listens on 127.0.0.1, except the kubelet (10250), NodePorts and a relay to the
# apiserver (16443, for in-cluster API clients) on the node IP 10.88.0.1, which lives on k8sbr0, a
# bridge private to this machine. Pods (10.88/16) and Services (10.96/16) stay on it: a mangle
# FORWARD rule drops whatever would be forwarded off the bridge.
# A Docker engine is left alone: the cluster has its own containerd socket, root and state.
#
# usage: scripts/kubernetes.sh COMMAND... (run in the order given)
#   deps      Debian packages (containerd, runc, iptables, ipset), CNI plugins and etcd (.debs, unpacked)
#   build     build the Kubernetes binaries (cold: 17-35 min on 2 cores; warm: seconds) and
#             kube-router (cold: about 4 min)
#   up        start the cluster, wait until the node is Ready, print KUBECONFIG
#   images [IMAGE...]  import local Docker images into the cluster's containerd (built with
#             images/build.sh when missing; default: every pgs-local/postgres:<major> and
#             pgs-local/traefik:<version> of images/local-images.json, e.g. postgres:18, :17, traefik:3.7.15)
#   smoke     PostgreSQL 18 StatefulSet with a PVC: Ready, then deleted
#   status    processes, memory, node readiness
#   down      stop everything, remove the bridge, iptables rules and kube-router's chains and
#             ipsets, restore host sysctls
#             (pods are deleted; API objects, PV data and images stay for the next `up`)
#   purge     down, then delete the cluster state (etcd, PKI, containerd images, PV data)
#   all       deps build up images
# env: PGS_CACHE (default ~/.cache/pgs), K8S_VERSION (default 1.34.4), K8S_REBUILD=1 (go build
#      even when the binaries exist), GOMODCACHE/GOCACHE (default $PGS_CACHE/go/{mod,build}).
# NetworkPolicy: kube-router v2.1.0 (github.com/cloudnativelabs/kube-router/v2), built from the
# wrapper module kubernetes/local/kube-router, runs as a host process with its firewall ONLY (no
# BGP router, no service proxy, no health or metrics port): it turns the policies into iptables
# chains (KUBE-ROUTER-*, KUBE-POD-FW-*, KUBE-NWPLCY-*) and ipsets (KUBE-SRC-*, KUBE-DST-*) and
# rejects what they do not admit. br_netfilter (net.bridge.bridge-nf-call-iptables=1) makes
# pod-to-pod traffic on the bridge pass those chains. v2.1.0 is the only version the Go module
# proxy serves and security flaws are reported for it: its go.mod there pins newer releases of its
# dependencies (k8s.io/* v0.34.4, golang.org/x/net and x/crypto, grpc, docker, gobgp, ...), and
# no port of it listens. Traffic from the node itself (kubelet probes, NodePorts) is admitted, as
# upstream decided.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/debian-mirror.sh
. "$REPO/scripts/lib/debian-mirror.sh"
L=$REPO/kubernetes/local
KV=${K8S_VERSION:-1.34.4}
CACHE=${PGS_CACHE:-$HOME/.cache/pgs}
K=$CACHE/k8s/$KV
BIN=$K/bin
ST=$K/state
LOG=$ST/logs
RUN=$ST/run
PKI=$ST/pki
CNI_BIN=$K/cni/usr/lib/cni
CTRD_SOCK=$RUN/containerd.sock
export KUBECONFIG=$PKI/admin.kubeconfig

NODE=pgs-local
BR=k8sbr0
NODE_IP=10.88.0.1
POD_CIDR=10.88.0.0/16
SVC_CIDR=10.96.0.0/16
SVC_IP1=10.96.0.1
ETCD_PORT=12379
ETCD_PEER=12380
API_PORT=16443
PAUSE_IMAGE=localhost/pause:3.10
HOSTPATH_PV=/tmp/hostpath_pv # fixed by the in-tree hostPath provisioner
# host paths the kubelet, containerd and libcni create whatever their flags say; `down` removes
# the ones `up` created once they are empty
HOST_DIRS=(/var/lib/kubelet /var/log/containers /var/log/pods /var/lib/cni /run/netns)
IMAGES_JSON=$REPO/images/local-images.json # versions of the pgs-local/* images
COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
KR_VERSION=2.1.0 # github.com/cloudnativelabs/kube-router/v2: the NetworkPolicy firewall
KR=$BIN/kube-router-v$KR_VERSION
KR_MOD=$L/kube-router # its wrapper module: go.mod and go.sum pin it and its dependencies
# host sysctls the kubelet rewrites (and ip_forward, which the CNI bridge plugin turns on, and
# bridge-nf-call-iptables, which NetworkPolicy enforcement on the bridge needs)
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables)

log() { printf '[k8s %s] %s\n' "$(date +%T)" "$*"; }
die() {
  log "ERROR: $*" >&2
  exit 1
}
kc() { "$BIN/kubectl" --kubeconfig="$KUBECONFIG" "$@"; }
# prints PATTERN CMD...: CMD succeeds and its output has a line matching PATTERN (grep -E).
# Never "CMD | grep -q": under pipefail grep's early exit can end CMD with SIGPIPE and fail the
# test though it matched (CI hit it: "ip addr add: Address already assigned").
prints() {
  local re=$1 out
  shift
  out=$("$@" 2>/dev/null) || return 1
  grep -qE -- "$re" <<<"$out"
}
ctrd() { ctr -a "$CTRD_SOCK" -n k8s.io "$@"; }

# timed DESC CMD...: run CMD, printing the elapsed seconds every 60 s and at the end.
timed() {
  local desc=$1 t0 tick rc=0
  shift
  t0=$(date +%s)
  log "$desc ..."
  (while sleep 60 >/dev/null 2>&1; do log "$desc: $(($(date +%s) - t0))s so far"; done) &
  tick=$!
  "$@" || rc=$?
  kill "$tick" 2>/dev/null || true
  wait "$tick" 2>/dev/null || true
  ((rc == 0)) || die "$desc failed after $(($(date +%s) - t0))s (exit $rc)"
  log "$desc: done in $(($(date +%s) - t0))s"
}

# wait_for DESC SECONDS CMD...: poll CMD once a second.
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

need_root() { ((EUID == 0)) || die "must run as root"; }

# ------------------------------------------------------------------ deps
apt_install() {
  local need=() c
  for c in "$@"; do
    command -v "${c%%:*}" >/dev/null || need+=("${c#*:}")
  done
  ((${#need[@]} == 0)) && return 0
  log "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# A second APT "root" that only knows Debian trixie, on the Debian mirror this machine's APT uses
# (scripts/lib/debian-mirror.sh; PGS_DEBIAN_MIRROR overrides it).
trixie_apt() {
  local a=$K/apt-trixie mirror
  mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
  mirror=$(debian_mirror) || die "no Debian mirror for trixie's etcd (see above)"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$a/sources.list"
  apt-get -o APT::Sandbox::User=root -o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache" "$@"
}

deb_file() { # package: the .deb apt-get download left in $K/debs
  local f=("$K/debs/$1"_*.deb)
  [[ -f ${f[0]} ]] || die "no $1 .deb in $K/debs"
  echo "${f[0]}"
}
deb_version() { local f; f=$(deb_file "$1"); f=${f##*/"$1"_}; echo "${f%_*.deb}"; }

deps() {
  need_root
  apt_install containerd:containerd runc:runc iptables:iptables ipset:ipset gcc:gcc python3:python3 \
    openssl:openssl curl:curl
  [[ -f /usr/lib/x86_64-linux-gnu/libc.a ]] || apt_install no-such-cmd:libc6-dev
  mkdir -p "$K/debs" "$BIN"
  if [[ ! -x $CNI_BIN/bridge ]]; then
    log "CNI plugins (bookworm containernetworking-plugins, unpacked)"
    (cd "$K/debs" && apt-get -o APT::Sandbox::User=root download -qq containernetworking-plugins)
    dpkg -x "$(deb_file containernetworking-plugins)" "$K/cni"
  fi
  if [[ ! -x $BIN/etcd ]]; then
    # bookworm's etcd 3.4 is too old for kube-apiserver 1.34; trixie has 3.5
    log "etcd (trixie etcd-server, unpacked)"
    trixie_apt update -qq
    (cd "$K/debs" && trixie_apt download -qq etcd-server)
    rm -rf "$K/etcd-deb"
    dpkg -x "$(deb_file etcd-server)" "$K/etcd-deb"
    cp "$K/etcd-deb/usr/bin/etcd" "$BIN/etcd"
  fi
  log "deps: containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}'), etcd $("$BIN/etcd" --version | awk 'NR==1{print $3}'), CNI plugins $(deb_version containernetworking-plugins)"
}

# ------------------------------------------------------------------ build
go_env() {
  command -v go >/dev/null || die "go not found (Go >= 1.24 needed)"
  export GOMODCACHE=${GOMODCACHE:-$CACHE/go/mod} GOCACHE=${GOCACHE:-$CACHE/go/build}
  export GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOTOOLCHAIN=local
}

build() {
  build_kubernetes
  build_kube_router
}

# kube-router from the wrapper module kubernetes/local/kube-router (its go.sum is the cache key
# beside the version: a changed pin rebuilds).
build_kube_router() {
  local w=$K/kube-router-build
  if [[ -x $KR && ${K8S_REBUILD:-0} != 1 ]] && cmp -s "$KR_MOD/go.sum" "$KR.go.sum"; then
    log "kube-router v$KR_VERSION present in $BIN"
    return 0
  fi
  go_env
  rm -rf "$w"
  mkdir -p "$w" "$BIN"
  cp "$KR_MOD/go.mod" "$KR_MOD/go.sum" "$KR_MOD/tools.go" "$w/"
  cd "$w"
  timed "go build kube-router v$KR_VERSION (nice 19)" nice -n 19 go build -mod=readonly -trimpath \
    -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=v$KR_VERSION" \
    -o "$KR.tmp" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
  mv "$KR.tmp" "$KR"
  cp "$KR_MOD/go.sum" "$KR.go.sum"
  "$KR" --version
}

build_kubernetes() {
  local b missing=0 w=$K/build minor ld
  for b in "${COMPONENTS[@]}"; do [[ -x $BIN/$b ]] || missing=1; done
  if ((missing == 0)) && [[ ${K8S_REBUILD:-0} != 1 ]]; then
    log "Kubernetes v$KV binaries present in $BIN (K8S_REBUILD=1 to rebuild)"
    return 0
  fi
  go_env
  mkdir -p "$w" "$BIN"
  cd "$w"
  timed "go mod download k8s.io/kubernetes@v$KV" go mod download k8s.io/kubernetes@"v$KV"
  cp "$GOMODCACHE/cache/download/k8s.io/kubernetes/@v/v$KV.mod" k8s.mod
  # k8s.io/kubernetes requires its 31 staging modules as v0.0.0 (replaced by ./staging in its
  # own repo): point each at the published v0.<minor>.<patch> tag instead.
  {
    printf 'module pgs.local/k8sbins\n\ngo 1.24.0\n\ngodebug default=go1.24\n\n'
    printf 'require k8s.io/kubernetes v%s\n\nreplace (\n' "$KV"
    awk '/^require \(/{r=1;next} r&&/^\)/{r=0} r&&$2=="v0.0.0"{print $1}' k8s.mod |
      while read -r m; do printf '\t%s => %s v0.%s\n' "$m" "$m" "${KV#1.}"; done
    printf ')\n'
  } >go.mod.new
  if ! cmp -s go.mod.new go.mod.in; then # first run, or another version: resolve again
    cp go.mod.new go.mod
    cp "$L/build-tools.go" tools.go
    timed "go mod tidy" nice -n 19 go mod tidy
    cp go.mod.new go.mod.in
  fi
  cp "$L/build-tools.go" tools.go
  minor=${KV#*.}
  minor=${minor%%.*}
  ld="-s -w -X k8s.io/component-base/version.gitVersion=v$KV -X k8s.io/component-base/version.gitMajor=1"
  ld+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  ld+=" -X k8s.io/client-go/pkg/version.gitVersion=v$KV -X k8s.io/client-go/pkg/version.gitMajor=1"
  ld+=" -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  local pkgs=()
  for b in "${COMPONENTS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  timed "go build ${COMPONENTS[*]} (nice 19)" nice -n 19 go build -trimpath -ldflags "$ld" -o "$BIN/" "${pkgs[@]}"
  "$BIN/kubectl" version --client | sed -n 1p # sed reads it all: no SIGPIPE under pipefail
  du -sh "$BIN" | awk '{print "binaries: " $1}'
}

# ------------------------------------------------------------------ pause image
pause_image() {
  local i=$K/images
  mkdir -p "$i"
  if [[ ! -s $i/pause.tar || $L/pause.c -nt $i/pause.tar || $L/make-image.py -nt $i/pause.tar ]]; then
    rm -rf "$i/rootfs-pause"
    mkdir -p "$i/rootfs-pause"
    nice -n 19 gcc -static -O2 -s -o "$i/rootfs-pause/pause" "$L/pause.c"
    python3 "$L/make-image.py" "$i/rootfs-pause" "$PAUSE_IMAGE" "$i/pause.tar" '["/pause"]' >/dev/null
  fi
  if ! prints . ctrd images ls -q "name==$PAUSE_IMAGE"; then
    ctrd images import "$i/pause.tar" >/dev/null
    log "imported $PAUSE_IMAGE"
  fi
}

# ------------------------------------------------------------------ images from the Docker engine
docker_ok() { docker version >/dev/null 2>&1; }

default_images() { # pgs-local/postgres:<major>... pgs-local/traefik:<version>, from images/local-images.json
  node -e 'const j = require(process.argv[1]);
    const majors = Object.keys(j.postgres).sort((a, b) => b - a);
    const refs = majors.map((m) => "pgs-local/postgres:" + m).concat("pgs-local/traefik:" + j.traefik.version);
    console.log(refs.join(" "))' "$IMAGES_JSON"
}

build_target() { # image ref -> images/build.sh target
  case $1 in
    pgs-local/postgres:*) echo "postgres${1##*:}" ;;
    pgs-local/traefik:*) echo traefik ;;
    pgs-local/rclone:*) echo rclone ;;
    pgs-local/seaweedfs:*) echo seaweedfs ;;
    *) return 1 ;;
  esac
}

images() {
  need_root
  local refs=("$@") ref id marker missing=() t0
  if ((${#refs[@]} == 0)); then read -ra refs <<<"$(default_images)"; fi
  ctrd version >/dev/null 2>&1 || die "the cluster's containerd is not running: scripts/kubernetes.sh up"
  pause_image
  if ! docker_ok; then
    log "no Docker engine answering: bash scripts/docker-up.sh"
    bash "$REPO/scripts/docker-up.sh"
    docker_ok || export DOCKER_API_VERSION=1.41
  fi
  for ref in "${refs[@]}"; do
    docker image inspect "$ref" >/dev/null 2>&1 && continue
    missing+=("$(build_target "$ref")") || die "$ref is not in the Docker engine and not built by images/build.sh"
  done
  if ((${#missing[@]})); then
    timed "bash images/build.sh ${missing[*]}" bash "$REPO/images/build.sh" "${missing[@]}"
  fi
  mkdir -p "$ST/imported"
  for ref in "${refs[@]}"; do
    id=$(docker image inspect --format '{{.Id}}' "$ref")
    marker=$ST/imported/${ref//[\/:]/_}
    if [[ $(cat "$marker" 2>/dev/null) == "$id" ]] && prints . ctrd images ls -q "name==docker.io/$ref"; then
      log "$ref already imported (${id:7:12})"
      continue
    fi
    t0=$(date +%s)
    docker save "$ref" | ctrd images import - >/dev/null
    echo "$id" >"$marker"
    log "imported $ref (${id:7:12}) in $(($(date +%s) - t0))s"
  done
  ctrd images ls | awk '/pgs-local|pause/ {printf "  %-40s %s %s\n", $1, $4, $5}'
}

# ------------------------------------------------------------------ up
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
  # holding none of this shell's open files (see scripts/docker-up.sh: an inherited flock fd)
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec setsid "$@"
  ) >>"$LOG/$n.log" 2>&1 </dev/null &
  echo $! >"$RUN/$n.pid"
  log "started $n (pid $!, log $LOG/$n.log)"
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

# ------------------------------------------------------------------ smoke
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

# ------------------------------------------------------------------ status
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

# ------------------------------------------------------------------ down
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

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 2
}

# Commands run in the order given (`deps build up images`); `images` takes the rest as its images.
(($# > 0)) || usage
while (($# > 0)); do
  case $1 in
    deps | build | up | smoke | status | down | purge)
      (
        cd "$REPO"
        "$1"
      )
      shift
      ;;
    images)
      shift
      images "$@"
      break
      ;;
    all)
      shift
      set -- deps build up images "$@"
      ;;
    *) usage ;;
  esac
done
