# shellcheck shell=bash
# scripts/kubernetes.sh build: the Kubernetes commands from the k8s.io/kubernetes module (through
# a generated wrapper module) and kube-router from its wrapper module kubernetes/local/kube-router,
# with the project's Go setup (scripts/lib/go.sh: the caches scripts/engine.sh uses too).

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
  go_env "kube-router"
  rm -rf "$w"
  mkdir -p "$w" "$BIN"
  cp "$KR_MOD/go.mod" "$KR_MOD/go.sum" "$KR_MOD/tools.go" "$w/"
  cd "$w" || die "no $w"
  timed "go build kube-router v$KR_VERSION" go_niced go build -trimpath \
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
  go_env "the Kubernetes binaries"
  mkdir -p "$w" "$BIN"
  cd "$w" || die "no $w"
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
    timed "go mod tidy" go_niced go mod tidy
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
  timed "go build ${COMPONENTS[*]}" go_niced go build -trimpath -ldflags "$ld" -o "$BIN/" "${pkgs[@]}"
  "$BIN/kubectl" version --client | sed -n 1p # sed reads it all: no SIGPIPE under pipefail
  du -sh "$BIN" | awk '{print "binaries: " $1}'
}
