#!/usr/bin/env bash
# The project's own single-node Kubernetes on this machine, built from source, nothing downloaded
# but packages: what it is, how it is wired and why, in kubernetes/local/README.md.
#
# usage: scripts/kubernetes.sh COMMAND...   (run in the order given)
#   deps     Debian packages, CNI plugins and etcd              (scripts/kubernetes/deps.sh)
#   build    the Kubernetes binaries and kube-router, from Go   (scripts/kubernetes/build.sh)
#   up       start the cluster, wait for the node to be Ready   (scripts/kubernetes/cluster.sh)
#   images [IMAGE...]  import local Docker images (default: those of images/local-images.json)
#   smoke    a PostgreSQL StatefulSet with a PVC: Ready, then deleted
#   status   processes, memory, node readiness                  (scripts/kubernetes/supervisor.sh)
#   down     stop everything and undo what `up` did to the host (scripts/kubernetes/teardown.sh)
#   purge    down, then delete the cluster's state
#   all      deps build up images
# env: PGS_CACHE (default ~/.cache/pgs), K8S_VERSION (default 1.34.4), K8S_REBUILD=1 (build even
#      when the binaries exist), PGS_NICE and PGS_GOGC (scripts/lib/go.sh), PGS_DEBIAN_MIRROR.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_TAG=k8s
# shellcheck source=scripts/lib/common.sh
. "$REPO/scripts/lib/common.sh"
# shellcheck source=scripts/lib/go.sh
. "$REPO/scripts/lib/go.sh"
# shellcheck source=scripts/lib/debian-mirror.sh
. "$REPO/scripts/lib/debian-mirror.sh"

# Where everything lives, and the cluster's addresses (kubernetes/local/README.md).
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
L=$REPO/kubernetes/local
KV=${K8S_VERSION:-1.34.4}
K=${PGS_CACHE:-$HOME/.cache/pgs}/k8s/$KV
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

kc() { "$BIN/kubectl" --kubeconfig="$KUBECONFIG" "$@"; }
ctrd() { ctr -a "$CTRD_SOCK" -n k8s.io "$@"; }
need_root() { ((EUID == 0)) || die "must run as root"; }

# The jobs, one file each.
# shellcheck source=scripts/kubernetes/deps.sh
. "$REPO/scripts/kubernetes/deps.sh"
# shellcheck source=scripts/kubernetes/build.sh
. "$REPO/scripts/kubernetes/build.sh"
# shellcheck source=scripts/kubernetes/images.sh
. "$REPO/scripts/kubernetes/images.sh"
# shellcheck source=scripts/kubernetes/supervisor.sh
. "$REPO/scripts/kubernetes/supervisor.sh"
# shellcheck source=scripts/kubernetes/cluster.sh
. "$REPO/scripts/kubernetes/cluster.sh"
# shellcheck source=scripts/kubernetes/teardown.sh
. "$REPO/scripts/kubernetes/teardown.sh"

usage() {
  sed -n '5,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
