# shellcheck shell=bash
# scripts/kubernetes.sh deps: what the cluster runs that is not built here. Debian packages
# (containerd, runc, iptables, ipset …), the CNI plugins (bookworm's .deb, unpacked, not
# installed) and etcd 3.5 (trixie's etcd-server .deb, fetched from this machine's own Debian
# mirror through a second APT root, unpacked).

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
