#!/bin/sh
# A tenant's disk limit on the Docker host (resources.storage). Docker's local volumes have no
# size option and quotas need a kernel built with them, so each such tenant gets its own ext4
# filesystems in sparse image files, loop-mounted at MOUNT: one for its data and backup volumes
# (bind volumes of MOUNT/data and MOUNT/backups), one for its WAL (MOUNT/wal), which together
# are the limit (components/docker/tenantStorage.ts). While MOUNT is not mounted (after a reboot, before `pgs up`)
# MOUNT/data does not exist and Docker refuses to start the server: it never starts on an empty
# folder in its place.
# Runs on the Docker host as root (components/docker/tenantStorage.ts).
# usage: tenant-storage.sh check  IMAGE MOUNT BYTES   exit 3 + a sentence: what ensure would refuse
#        tenant-storage.sh ensure IMAGE MOUNT BYTES FOLDERS [VOLUME...]
#                                       make (never over an existing image), mount, grow, and make
#                                       the FOLDERS (comma-separated) for the volumes; where
#                                       the host cannot grow a mounted ext4 (no CAP_SYS_RESOURCE),
#                                       the containers that use the VOLUMEs stop for the resize
#        tenant-storage.sh mounted MOUNT              exit 0 when MOUNT is mounted
#        tenant-storage.sh remove IMAGE MOUNT         unmount and delete: the tenant's data is gone
set -eu

refuse() {
  echo "$*" >&2
  exit 3
}

human() { numfmt --to=iec-i --suffix=B "$1"; }

needs_root() {
  [ "$(id -u)" = 0 ] || refuse "storage limits mount a filesystem per tenant on the Docker host: run pgs as root there (it runs as $(id -un))"
  for tool in mkfs.ext4 resize2fs losetup mountpoint; do
    command -v "$tool" >/dev/null || refuse "storage limits need $tool on the Docker host (Debian: e2fsprogs, util-linux)"
  done
}

# The refusals ensure would meet, without changing anything.
check() {
  image=$1 bytes=$3
  needs_root
  if [ -e "$image" ]; then
    size=$(stat -c %s "$image")
    [ "$size" -le "$bytes" ] || refuse "storage cannot shrink: $image holds $(human "$size") now; set storage to at least that"
  fi
  return 0
}

mounted() { mountpoint -q "$1"; }

filesystem_bytes() {
  tune2fs -l "$1" | awk -F: '/^Block count/ { n = $2 } /^Block size/ { b = $2 } END { printf "%d\n", n * b }'
}

loop_device() { losetup -j "$1" -n -O NAME | head -n 1; }

ensure() {
  image=$1 mount=$2 bytes=$3
  check "$image" "$mount" "$bytes"
  mkdir -p "$(dirname "$image")" "$mount"
  if [ ! -e "$image" ]; then
    # Made aside and renamed: an interrupted run never leaves a half-made image to be adopted.
    rm -f "$image.new"
    truncate -s "$bytes" "$image.new"
    # -m 0: no blocks reserved for root (the server runs as postgres); the root folder for uid 999.
    mkfs.ext4 -q -m 0 -E root_owner=999:999 -L pgs-tenant "$image.new"
    mv "$image.new" "$image"
  fi
  if ! mounted "$mount"; then
    mount -o loop,nodev,nosuid "$image" "$mount"
  fi
  [ "$(stat -c %s "$image")" -ge "$bytes" ] || truncate -s "$bytes" "$image"
  # Compared with the filesystem, not the file: a grow interrupted after the truncate resumes.
  folders=$4
  shift 4
  if [ "$(filesystem_bytes "$image")" -lt "$(stat -c %s "$image")" ]; then
    device=$(loop_device "$image")
    losetup -c "$device"
    if ! resize2fs "$device" >/dev/null 2>&1; then
      grow_offline "$image" "$mount" "$@"
    fi
  fi
  for dir in $(echo "$folders" | tr ',' ' '); do
    [ -d "$mount/$dir" ] || install -d -o 999 -g 999 -m 0700 "$mount/$dir"
  done
}

# The containers using the volumes stop (each with its own stop timeout), the filesystem is
# resized unmounted, and they start again.
grow_offline() {
  image=$1 mount=$2
  shift 2
  # -a: a container between two restarts is not running, and would start again on the mount.
  users=$(for volume in "$@"; do docker ps -aq --filter "volume=$volume"; done | sort -u | tr '\n' ' ')
  # shellcheck disable=SC2086 # one argument per container id
  [ -z "$users" ] || docker stop $users >/dev/null
  umount "$mount"
  # The loop device goes once no mount is left (Docker's of the volume go with its containers).
  tries=0
  while [ -n "$(loop_device "$image")" ] && [ "$tries" -lt 30 ]; do
    tries=$((tries + 1))
    sleep 1
  done
  rc=0
  e2fsck -f -p "$image" >/dev/null 2>&1 || rc=$?
  [ "$rc" -le 1 ] || refuse "e2fsck of $image found errors it could not repair (exit $rc); the tenant stays stopped"
  out=$(resize2fs "$image" 2>&1) || refuse "resize2fs $image failed ($(echo "$out" | tail -n 1)); the tenant stays stopped"
  mount -o loop,nodev,nosuid "$image" "$mount"
  # shellcheck disable=SC2086
  [ -z "$users" ] || docker start $users >/dev/null
}

remove() {
  image=$1 mount=$2
  needs_root
  if mounted "$mount"; then umount "$mount"; fi
  rm -f "$image" "$image.new"
  if [ -d "$mount" ]; then rmdir "$mount"; fi
}

command=$1
shift
case $command in
  check) check "$@" ;;
  ensure) ensure "$@" ;;
  mounted) mounted "$1" ;;
  remove) remove "$@" ;;
  *) refuse "unknown command $command" ;;
esac
