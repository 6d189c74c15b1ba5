# shellcheck shell=bash
# scripts/kubernetes.sh images: images for the cluster's containerd. A tiny static pause image
# built here, and pgs-local/* images exported from the local Docker engine (built by
# images/build.sh when missing), each imported once per image id.

# The pause image: a static C program, packed by make-image.py.
pause_image() {
  local i=$K/images
  mkdir -p "$i"
  if [[ ! -s $i/pause.tar || $L/pause.c -nt $i/pause.tar || $L/make-image.py -nt $i/pause.tar ]]; then
    rm -rf "$i/rootfs-pause"
    mkdir -p "$i/rootfs-pause"
    nice -n 19 gcc -static -O2 -s -o "$i/rootfs-pause/pause" "$L/pause.c"
    python3 "$L/make-image.py" "$i/rootfs-pause" "$PAUSE_IMAGE" "$i/pause.tar" '["/pause"]' >/dev/null
  fi
  if ! prints . ctrd images ls -q "name==$PAUSE_IMAGE"; then
    ctrd images import "$i/pause.tar" >/dev/null
    log "imported $PAUSE_IMAGE"
  fi
}

# Images from the Docker engine.
docker_ok() { docker version >/dev/null 2>&1; }

default_images() { # pgs-local/postgres:<major>... pgs-local/traefik:<version>, from images/local-images.json
  json_value "$IMAGES_JSON" 'Object.keys(j.postgres).sort((a, b) => b - a).map((m) => "pgs-local/postgres:" + m)
    .concat("pgs-local/traefik:" + j.traefik.version).join(" ")'
}

build_target() { # image ref -> images/build.sh target
  case $1 in
    pgs-local/postgres:*) echo "postgres${1##*:}" ;;
    pgs-local/traefik:*) echo traefik ;;
    pgs-local/rclone:*) echo rclone ;;
    pgs-local/seaweedfs:*) echo seaweedfs ;;
    *) return 1 ;;
  esac
}

images() {
  need_root
  local refs=("$@") ref id marker missing=() t0
  if ((${#refs[@]} == 0)); then read -ra refs <<<"$(default_images)"; fi
  ctrd version >/dev/null 2>&1 || die "the cluster's containerd is not running: scripts/kubernetes.sh up"
  pause_image
  if ! docker_ok; then
    log "no Docker engine answering: bash scripts/docker-up.sh"
    bash "$REPO/scripts/docker-up.sh"
    docker_ok || export DOCKER_API_VERSION=1.41
  fi
  for ref in "${refs[@]}"; do
    docker image inspect "$ref" >/dev/null 2>&1 && continue
    missing+=("$(build_target "$ref")") || die "$ref is not in the Docker engine and not built by images/build.sh"
  done
  if ((${#missing[@]})); then
    timed "bash images/build.sh ${missing[*]}" bash "$REPO/images/build.sh" "${missing[@]}"
  fi
  mkdir -p "$ST/imported"
  for ref in "${refs[@]}"; do
    id=$(docker image inspect --format '{{.Id}}' "$ref")
    marker=$ST/imported/${ref//[\/:]/_}
    if [[ $(cat "$marker" 2>/dev/null) == "$id" ]] && prints . ctrd images ls -q "name==docker.io/$ref"; then
      log "$ref already imported (${id:7:12})"
      continue
    fi
    t0=$(date +%s)
    docker save "$ref" | ctrd images import - >/dev/null
    echo "$id" >"$marker"
    log "imported $ref (${id:7:12}) in $(($(date +%s) - t0))s"
  done
  ctrd images ls | awk '/pgs-local|pause/ {printf "  %-40s %s %s\n", $1, $4, $5}'
}
