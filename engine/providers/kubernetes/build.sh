#!/usr/bin/env bash
# Build the pulumi-resource-kubernetes plugin from Pulumi's own provider source on the Go module
# proxy (a rebuild, not a released binary; see README.md). Prints the binary's path last.
#
#   bash engine/providers/kubernetes/build.sh          build (if needed); print the binary's path
#   bash engine/providers/kubernetes/build.sh --path   print where the binary is (or will be); build nothing
#
# Output: ${PGS_CACHE:-~/.cache/pgs}/engine/kubernetes-<plugin version>-<hash of this folder's
# sources>/pulumi-resource-kubernetes; nothing is done when it already exists.
# The plugin version is the one the project's @pulumi/kubernetes asks for (node_modules/
# @pulumi/kubernetes/package.json -> pulumi.version), else 4.25.0; override: PULUMI_KUBERNETES_VERSION.
# Go caches: GOMODCACHE/GOCACHE, default ${PGS_CACHE}/go/{mod,build}. Cold build: ~10 min on 2 cores.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
CACHE=${PGS_CACHE:-$HOME/.cache/pgs}
PROVIDER=github.com/pulumi/pulumi-kubernetes/provider/v4
SOURCES=(go.mod go.sum main.go tools.go build.sh)

log() { printf '[kubernetes-plugin %s] %s\n' "$(date +%T)" "$*" >&2; }

version=${PULUMI_KUBERNETES_VERSION:-}
if [[ -z $version && -f $REPO/node_modules/@pulumi/kubernetes/package.json ]]; then
  version=$(node -p 'require(process.argv[1]).pulumi.version' "$REPO/node_modules/@pulumi/kubernetes/package.json" 2>/dev/null || true)
fi
version=${version:-4.25.0}
hash=$(cd "$HERE" && cat "${SOURCES[@]}" | sha256sum | cut -c1-12)
out=$CACHE/engine/kubernetes-$version-$hash
bin=$out/pulumi-resource-kubernetes
if [[ ${1:-} == --path ]]; then
  echo "$bin"
  exit 0
fi
if [[ -x $bin ]]; then
  log "already built"
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { log "go not found"; exit 1; }
export GOMODCACHE=${GOMODCACHE:-$CACHE/go/mod} GOCACHE=${GOCACHE:-$CACHE/go/build}
export GOFLAGS="-buildvcs=false -mod=readonly" CGO_ENABLED=0 GOTOOLCHAIN=local
t0=$(date +%s)

# Build in a copy: the embedded JSON files are generated, never written into the repository.
work=$out.build
rm -rf "$work"
mkdir -p "$work/gen"
(cd "$HERE" && cp "${SOURCES[@]}" "$work/")
cd "$work"
go mod download "$PROVIDER"
dir=$(go list -m -f '{{.Dir}}' "$PROVIDER")
[[ -n $dir && -f $dir/cmd/pulumi-resource-kubernetes/schema.json ]] || { log "no schema.json in $PROVIDER"; exit 1; }
log "provider source: $dir"

# schema-embed.json and terraform-mapping-embed.json, made by the provider's own generate.go
# (what its `go generate` does) from the schema.json and terraform-mapping.json in its module zip.
for f in generate.go schema.json terraform-mapping.json; do
  install -m 0644 "$dir/cmd/pulumi-resource-kubernetes/$f" "gen/$f"
done
(cd gen && VERSION=$version nice -n 19 go run generate.go)
mv gen/schema-embed.json gen/terraform-mapping-embed.json .
rm -rf gen
log "schema-embed.json: version $version, $(du -k schema-embed.json | cut -f1) KiB ($(($(date +%s) - t0))s)"

log "go build (nice 19) ..."
(while sleep 60 >/dev/null 2>&1; do log "go build: $(($(date +%s) - t0))s so far"; done) &
tick=$!
trap 'kill $tick 2>/dev/null || true' EXIT
nice -n 19 go build -trimpath \
  -ldflags "-s -w -X $PROVIDER/pkg/version.Version=$version" \
  -o pulumi-resource-kubernetes .
kill "$tick" 2>/dev/null || true

mkdir -p "$out"
mv pulumi-resource-kubernetes "$bin.tmp"
mv "$bin.tmp" "$bin"
cd "$out"
rm -rf "$work"
log "built in $(($(date +%s) - t0))s, $(du -h "$bin" | cut -f1)"
echo "$bin"
