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
# The project's Go setup (scripts/lib/go.sh: caches under ${PGS_CACHE}/go, niceness, GOGC, the
# module proxy only). Cold build: 8-16 min on 2 cores.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
LOG_TAG=kubernetes-plugin
# shellcheck source=scripts/lib/common.sh
. "$REPO/scripts/lib/common.sh"
# shellcheck source=scripts/lib/go.sh
. "$REPO/scripts/lib/go.sh"
PROVIDER=github.com/pulumi/pulumi-kubernetes/provider/v4
SOURCES=(go.mod go.sum main.go tools.go build.sh)

# Progress on stderr: stdout is the binary's path.
say() { log "$@" >&2; }

version=${PULUMI_KUBERNETES_VERSION:-}
if [[ -z $version && -f $REPO/node_modules/@pulumi/kubernetes/package.json ]]; then
  version=$(json_value "$REPO/node_modules/@pulumi/kubernetes/package.json" j.pulumi.version 2>/dev/null || true)
fi
version=${version:-4.25.0}
hash=$(cd "$HERE" && cat "${SOURCES[@]}" | sha256sum | cut -c1-12)
out=$PGS_CACHE/engine/kubernetes-$version-$hash
bin=$out/pulumi-resource-kubernetes
if [[ ${1:-} == --path ]]; then
  echo "$bin"
  exit 0
fi
if [[ -x $bin ]]; then
  say "already built"
  echo "$bin"
  exit 0
fi

go_env "the kubernetes plugin" >&2
t0=$(date +%s)

# Build in a copy: the embedded JSON files are generated, never written into the repository.
work=$out.build
rm -rf "$work"
mkdir -p "$work/gen"
(cd "$HERE" && cp "${SOURCES[@]}" "$work/")
cd "$work"
go mod download "$PROVIDER"
dir=$(go list -m -f '{{.Dir}}' "$PROVIDER")
[[ -n $dir && -f $dir/cmd/pulumi-resource-kubernetes/schema.json ]] || die "no schema.json in $PROVIDER"
say "provider source: $dir"

# schema-embed.json and terraform-mapping-embed.json, made by the provider's own generate.go
# (what its `go generate` does) from the schema.json and terraform-mapping.json in its module zip.
for f in generate.go schema.json terraform-mapping.json; do
  install -m 0644 "$dir/cmd/pulumi-resource-kubernetes/$f" "gen/$f"
done
(cd gen && VERSION=$version go_niced go run generate.go)
mv gen/schema-embed.json gen/terraform-mapping-embed.json .
rm -rf gen
say "schema-embed.json: version $version, $(du -k schema-embed.json | cut -f1) KiB ($(($(date +%s) - t0))s)"

timed "go build" go_niced go build -trimpath \
  -ldflags "-s -w -X $PROVIDER/pkg/version.Version=$version" \
  -o pulumi-resource-kubernetes . >&2

mkdir -p "$out"
mv pulumi-resource-kubernetes "$bin.tmp"
mv "$bin.tmp" "$bin"
cd "$out"
rm -rf "$work"
say "built in $(($(date +%s) - t0))s, $(du -h "$bin" | cut -f1)"
echo "$bin"
