# shellcheck shell=bash
# The one Go build setup of the project (scripts/engine.sh, engine/providers/kubernetes/build.sh,
# the local Kubernetes' binaries): the same caches and the same environment for every build, so a
# package compiled by one is not compiled again by another. Needs common.sh.
#
#   PGS_CACHE   default ~/.cache/pgs: GOPATH=$PGS_CACHE/go, modules in go/mod, builds in go/build
#               (GOMODCACHE and GOCACHE from the environment win)
#   PGS_NICE    niceness of the builds (default 19: tests and anything interactive come first)
#   PGS_GOGC    GOGC for the compiler and linker (default 400: less time collecting garbage for
#               more memory, which these machines have; see docs/ci.md for what it saved)
# Modules come from the machine's module proxy only (GOPROXY without its `direct` VCS fallback),
# with -mod=readonly (go.sum verifies them), no cgo, and the installed toolchain.

PGS_CACHE=${PGS_CACHE:-$HOME/.cache/pgs}

# go_env WHAT: export the build environment; dies when there is no go (WHAT needs it).
go_env() {
  command -v go >/dev/null || die "Go (1.24 or newer) is needed to build $1: https://go.dev/dl"
  export GOPATH=$PGS_CACHE/go
  export GOMODCACHE=${GOMODCACHE:-$PGS_CACHE/go/mod} GOCACHE=${GOCACHE:-$PGS_CACHE/go/build}
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=readonly"
  export GOGC=${PGS_GOGC:-400}
  local proxy
  proxy=$(go env GOPROXY)
  proxy=${proxy//,direct/}
  proxy=${proxy//|direct/}
  [[ $proxy == direct ]] && proxy=off
  export GOPROXY=$proxy
}

# go_niced CMD...: CMD at the builds' niceness.
go_niced() { nice -n "${PGS_NICE:-19}" "$@"; }
