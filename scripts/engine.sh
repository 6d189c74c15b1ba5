#!/usr/bin/env bash
# Makes a Pulumi engine (CLI + random/tls/docker resource plugins) available to this project.
#
#   bash scripts/engine.sh               use a normal Pulumi install if it fits, else build/install
#   bash scripts/engine.sh --check       exit 0 if an engine is ready, 1 if not (never builds)
#   eval "$(bash scripts/engine.sh --print-env)"   put the engine on PATH for this shell
#   ... --with kubernetes                also the kubernetes plugin (for backend: kubernetes stacks;
#                                        rebuilt from Pulumi's own provider source, ~8-15 min cold)
# Builds run at PGS_NICE (default 19) with PGS_GOGC (default 400): scripts/lib/go.sh.
#
# 1. A `pulumi` on PATH whose `pulumi plugin ls` lists random, tls and docker at the versions the
#    locked npm SDKs name (node_modules/@pulumi/NAME/package.json, pulumi.version) is used as is.
# 2. Otherwise the engine is built from engine/ (see engine/README.md): the real Pulumi CLI from
#    engine/cli, and REBUILT provider plugins (upstream Terraform providers + pulumi-terraform-bridge,
#    not Pulumi's released plugins) from engine/providers/*. Binaries are cached outside the repo
#    under ${PGS_CACHE:-$HOME/.cache/pgs}/engine, keyed by version and by a hash of the wrapper
#    sources; the CLI is linked to .pgs/engine/bin/pulumi and the plugins are installed into the
#    project-owned Pulumi home .pgs/pulumi-home. Go modules come only from the Go module proxy.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_TAG=engine
# shellcheck source=scripts/lib/common.sh
. "$REPO/scripts/lib/common.sh"
# shellcheck source=scripts/lib/go.sh
. "$REPO/scripts/lib/go.sh"
ENGINE_CACHE=$PGS_CACHE/engine
PGS_DIR=$REPO/.pgs
BIN_DIR=$PGS_DIR/engine/bin
PROJECT_PULUMI_HOME=$PGS_DIR/pulumi-home
PROVIDERS=(random tls docker)
# Bump when the build recipe below changes (flags, steps): it is part of every cache key.
RECIPE=1
T0=$(date +%s)

export PULUMI_SKIP_UPDATE_CHECK=true

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
say() { log "$@"; }
elapsed() { echo $(($(date +%s) - $1)); }

MODE=build
while (($#)); do
  case "$1" in
    --check) MODE=check ;;
    --print-env) MODE=print-env ;;
    --with)
      [[ ${2:-} == kubernetes ]] || die "--with takes kubernetes"
      PROVIDERS+=(kubernetes)
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
  shift
done

# ---------------------------------------------------------------------------
# Versions: plugin versions from the locked npm SDKs, CLI version from engine/cli/go.mod.
# ---------------------------------------------------------------------------
declare -A VERSION
read_sdk_versions() {
  local n pkg v
  for n in "${PROVIDERS[@]}"; do
    pkg=$REPO/node_modules/@pulumi/$n/package.json
    [[ -f $pkg ]] || die "$pkg is missing: run 'npm ci' first"
    v=$(json_value "$pkg" j.pulumi.version) || die "no pulumi.version in $pkg"
    [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || die "pulumi.version in $pkg is not a version: $v"
    VERSION[$n]=$v
  done
}
read_sdk_versions

CLI_VERSION=$(sed -n 's#.*github.com/pulumi/pulumi/pkg/v3 \(v[0-9][^ ]*\).*#\1#p' "$REPO/engine/cli/go.mod")
CLI_VERSION=${CLI_VERSION%%$'\n'*} # the first, if several
[[ -n $CLI_VERSION ]] || die "no github.com/pulumi/pulumi/pkg/v3 version in engine/cli/go.mod"

# ---------------------------------------------------------------------------
# 1. A normal Pulumi install (not this project's own engine).
# ---------------------------------------------------------------------------
under() { # path dir: is path inside dir (both resolved)?
  local p d
  p=$(readlink -m "$1")
  d=$(readlink -m "$2")
  [[ $p == "$d" || $p == "$d"/* ]]
}

USER_PULUMI=
user_engine_ok() {
  local p list n
  p=$(command -v pulumi 2>/dev/null) || return 1
  if under "$p" "$PGS_DIR" || under "$p" "$ENGINE_CACHE" || under "${PULUMI_HOME:-$HOME/.pulumi}" "$PGS_DIR"; then
    return 1 # this project's engine, put on PATH by --print-env: checked as such below
  fi
  list=$(timeout 60 pulumi plugin ls 2>/dev/null) || return 1
  for n in "${PROVIDERS[@]}"; do
    awk -v n="$n" -v v="${VERSION[$n]}" '$1 == n && $2 == "resource" && ($3 == v || $3 == "v" v) { f = 1 } END { exit !f }' \
      <<<"$list" || return 1
  done
  USER_PULUMI=$p
}

# ---------------------------------------------------------------------------
# 2. The project's engine: cache keys, readiness.
# ---------------------------------------------------------------------------
src_hash() { # dir: hash of the wrapper sources (generated files excluded) and the recipe
  {
    (cd "$1" && find . -type f ! -name schema.json ! -name bridge-metadata.json -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum)
    echo "recipe $RECIPE"
  } | sha256sum | cut -c1-16
}

CLI_OUT=$ENGINE_CACHE/cli/$CLI_VERSION-$(src_hash "$REPO/engine/cli")
declare -A PLUGIN_OUT
for n in "${PROVIDERS[@]}"; do
  if [[ $n == kubernetes ]]; then
    # A native provider with its own recipe (engine/providers/kubernetes/build.sh), which owns its cache path.
    PLUGIN_OUT[$n]=$(dirname "$(bash "$REPO/engine/providers/kubernetes/build.sh" --path)")
  else
    PLUGIN_OUT[$n]=$ENGINE_CACHE/providers/$n/${VERSION[$n]}-$(src_hash "$REPO/engine/providers/$n")
  fi
done

plugin_dest() { echo "$PROJECT_PULUMI_HOME/plugins/resource-$1-v${VERSION[$1]}/pulumi-resource-$1"; }

project_engine_ok() {
  local n
  [[ -x $CLI_OUT/pulumi && $(readlink -f "$BIN_DIR/pulumi") == "$(readlink -f "$CLI_OUT/pulumi")" ]] || return 1
  for n in "${PROVIDERS[@]}"; do
    cmp -s "${PLUGIN_OUT[$n]}/pulumi-resource-$n" "$(plugin_dest "$n")" || return 1
  done
}

join() { # items...: "a, b, c"
  local out=$1 x
  shift
  for x; do out+=", $x"; done
  echo "$out"
}
plugins_summary() {
  local n parts=()
  for n in "${PROVIDERS[@]}"; do parts+=("$n ${VERSION[$n]}"); done
  join "${parts[@]}"
}

case $MODE in
  check)
    if user_engine_ok; then
      say "ready: pulumi on PATH ($USER_PULUMI) with $(plugins_summary)"
    elif project_engine_ok; then
      say "ready: project engine in .pgs/ (pulumi $CLI_VERSION, rebuilt plugins $(plugins_summary))"
    else
      say "not ready: run 'bash scripts/engine.sh'"
      exit 1
    fi
    exit 0
    ;;
  print-env)
    if user_engine_ok; then
      printf '# pulumi on PATH (%s) has %s\n' "$USER_PULUMI" "$(plugins_summary)"
      echo "export PULUMI_SKIP_UPDATE_CHECK=true"
    elif project_engine_ok; then
      printf "export PATH=%q:\"\$PATH\"\n" "$BIN_DIR"
      printf 'export PULUMI_HOME=%q\n' "$PROJECT_PULUMI_HOME"
      echo "export PULUMI_SKIP_UPDATE_CHECK=true"
    else
      die "no engine ready: run 'bash scripts/engine.sh' first"
    fi
    exit 0
    ;;
esac

if user_engine_ok; then
  say "using pulumi on PATH ($USER_PULUMI): plugins $(plugins_summary) installed; nothing to build"
  exit 0
fi
READY_MSG="pulumi $CLI_VERSION (.pgs/engine/bin) + rebuilt plugins $(plugins_summary) (PULUMI_HOME=.pgs/pulumi-home)"
if project_engine_ok; then
  say "up to date in $(elapsed "$T0")s: $READY_MSG"
  exit 0
fi

# ---------------------------------------------------------------------------
# Build (only what is missing from the cache) and install.
# ---------------------------------------------------------------------------
mkdir -p "$ENGINE_CACHE/logs" "$BIN_DIR" "$PROJECT_PULUMI_HOME"
exec 9>"$ENGINE_CACHE/.lock"
if ! flock -n 9; then
  say "another engine build holds $ENGINE_CACHE/.lock: waiting"
  flock 9
fi

setup_go() { go_env "the Pulumi engine (or use a normal Pulumi install)"; }

STEP_LOG=
step() { # label cmd...: runs cmd niced (scripts/lib/go.sh), output to a log, with a progress line every 60 s
  local label=$1 t ticker rc=0
  shift
  STEP_LOG=$ENGINE_CACHE/logs/${label// /-}.log
  t=$(date +%s)
  say "$label ..."
  # The ticker must not keep the lock (fd 9) or the caller's stdout open after it is killed.
  (
    close_fds
    while sleep 60 >/dev/null 2>&1; do say "  ... $label: $(elapsed "$t")s"; done
  ) &
  ticker=$!
  go_niced "$@" >"$STEP_LOG" 2>&1 || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if ((rc != 0)); then
    tail -n 30 "$STEP_LOG" >&2
    die "$label failed after $(elapsed "$t")s (log: $STEP_LOG)"
  fi
  say "$label: done in $(elapsed "$t")s"
}

prune() { # dir keep: keep the newest `keep` entries of a cache directory
  [[ -d $1 ]] || return 0
  find "$1" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn | tail -n +"$(($2 + 1))" |
    cut -d' ' -f2- | while IFS= read -r old; do rm -rf "$old"; done
}

BUILT=()
build_cli() {
  [[ -x $CLI_OUT/pulumi ]] && return 0
  setup_go
  mkdir -p "$CLI_OUT.tmp"
  step "build pulumi CLI $CLI_VERSION" go build -C "$REPO/engine/cli" -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$CLI_VERSION" \
    -o "$CLI_OUT.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv "$CLI_OUT.tmp" "$CLI_OUT"
  prune "$ENGINE_CACHE/cli" 2
  BUILT+=("pulumi $CLI_VERSION")
}

build_provider() { # name
  local n=$1 v=${VERSION[$1]} out=${PLUGIN_OUT[$1]} work ldflags
  [[ -x $out/pulumi-resource-$n ]] && return 0
  setup_go
  # Generated files (schema.json, bridge-metadata.json) are written into a copy, never the repo.
  work=$ENGINE_CACHE/work/$n
  rm -rf "$work" "$out.tmp"
  mkdir -p "$work" "$out.tmp"
  cp -R "$REPO/engine/providers/$n/." "$work/"
  echo '{}' >"$work/provider/bridge-metadata.json"
  echo '{}' >"$work/cmd/pulumi-resource-$n/schema.json"
  ldflags="-s -w -X pgs/engine/providers/$n/provider.Version=$v"
  step "build pulumi-tfgen-$n" go build -C "$work" -trimpath -ldflags "$ldflags" -o bin/ "./cmd/pulumi-tfgen-$n"
  # PULUMI_CONVERT=false: no examples conversion (it needs a pulumi executable);
  # PULUMI_SKIP_MISSING_MAPPING_ERROR: only the resources the project uses are mapped.
  step "generate $n schema" env PULUMI_CONVERT=false PULUMI_SKIP_MISSING_MAPPING_ERROR=true \
    "$work/bin/pulumi-tfgen-$n" schema --out "$work/gen"
  cp "$work/gen/schema.json" "$work/cmd/pulumi-resource-$n/schema.json"
  cp "$work/gen/bridge-metadata.json" "$work/provider/bridge-metadata.json"
  step "build pulumi-resource-$n $v" go build -C "$work" -trimpath -ldflags "$ldflags" -o bin/ "./cmd/pulumi-resource-$n"
  cp "$work/bin/pulumi-resource-$n" "$work/gen/schema.json" "$work/gen/bridge-metadata.json" "$out.tmp/"
  mv "$out.tmp" "$out"
  rm -rf "$work"
  prune "$ENGINE_CACHE/providers/$n" 3
  BUILT+=("$n $v")
}

build_kubernetes() {
  [[ -x ${PLUGIN_OUT[kubernetes]}/pulumi-resource-kubernetes ]] && return 0
  setup_go
  step "build pulumi-resource-kubernetes ${VERSION[kubernetes]}" bash "$REPO/engine/providers/kubernetes/build.sh"
  BUILT+=("kubernetes ${VERSION[kubernetes]}")
}

build_cli
for n in "${PROVIDERS[@]}"; do
  if [[ $n == kubernetes ]]; then build_kubernetes; else build_provider "$n"; fi
done

# ---------------------------------------------------------------------------
# Install into .pgs/: CLI link, nodejs dynamic-provider shim, plugins in the project Pulumi home.
# ---------------------------------------------------------------------------
ln -sfn "$CLI_OUT/pulumi" "$BIN_DIR/pulumi"
shim=$REPO/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs
if [[ -f $shim ]] && ! cmp -s "$shim" "$BIN_DIR/pulumi-resource-pulumi-nodejs"; then
  install -m 0755 "$shim" "$BIN_DIR/pulumi-resource-pulumi-nodejs"
fi

INSTALLED=()
for n in "${PROVIDERS[@]}"; do
  bin=${PLUGIN_OUT[$n]}/pulumi-resource-$n
  cmp -s "$bin" "$(plugin_dest "$n")" && continue
  PULUMI_HOME=$PROJECT_PULUMI_HOME "$BIN_DIR/pulumi" plugin install resource "$n" "${VERSION[$n]}" \
    --file "$bin" --reinstall >"$ENGINE_CACHE/logs/install-$n.log" 2>&1 ||
    die "pulumi plugin install $n ${VERSION[$n]} failed (log: $ENGINE_CACHE/logs/install-$n.log)"
  cmp -s "$bin" "$(plugin_dest "$n")" || die "$n: installed plugin differs from $bin"
  INSTALLED+=("$n ${VERSION[$n]}")
done

[[ ${#BUILT[@]} -gt 0 ]] && say "built: $(join "${BUILT[@]}")"
[[ ${#INSTALLED[@]} -gt 0 ]] && say "installed into .pgs/pulumi-home: $(join "${INSTALLED[@]}")"
say "ready in $(elapsed "$T0")s: $READY_MSG; for a shell: eval \"\$(bash scripts/engine.sh --print-env)\""
