#!/usr/bin/env bash
# Extract the server parameter definitions of the local PostgreSQL images (pg_settings of a
# real, throwaway server) and the libraries each image ships (the .so files in
# `pg_config --pkglibdir`, i.e. $libdir, and in $libdir/plugins) into
# lib/tenants/postgres-settings/<major>.json. postgresParameters.ts checks tenants'
# postgres.settings against these files.
#
# usage: extract.sh [--check] [MAJOR...]      (default majors: 17 18)
#   --check   extract into a temporary directory and diff against the checked-in files:
#             exit 1 with the diff when they are stale (e.g. after an image rebuild).
#
# Needs the images pgs-local/postgres:<major> (images/build.sh postgres18 postgres17).
# Each major runs in its own container: no network, --rm, labelled pgs.test=settings-extract,
# the image's VOLUMEs replaced by tmpfs mounts so that no anonymous volume is left behind.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LABEL=pgs.test=settings-extract
READY_TIMEOUT=120
# Enum values that the server accepts but pg_settings.enumvals does not list: the rows marked
# "hidden" in config_enum_entry tables (guc_tables.c, xlog.c), e.g. synchronous_commit=true,
# wal_level=hot_standby, log_min_messages=debug. Each candidate is probed per parameter with
# `postgres -C name -c name=candidate`, so the files hold the server's own verdict.
HIDDEN_CANDIDATES=(on off true false yes no 1 0 debug info archive hot_standby)

# One object per parameter, in C (byte) order. Numeric bounds become JSON numbers.
SETTINGS_SQL="
SELECT json_build_object(
  'name', name,
  'vartype', vartype,
  'unit', unit,
  'min_val', CASE WHEN vartype IN ('integer', 'real') THEN min_val::float8 END,
  'max_val', CASE WHEN vartype IN ('integer', 'real') THEN max_val::float8 END,
  'enumvals', enumvals,
  'context', context,
  'short_desc', short_desc)
FROM pg_settings
ORDER BY name COLLATE \"C\""

# Runs inside the container as postgres: reads 'name value' lines, prints those accepted.
# shellcheck disable=SC2016 # expanded by the container's bash, not here
PROBE_SCRIPT='
while read -r name value; do
  if postgres -D "$PGDATA" -C "$name" -c "$name=$value" >/dev/null 2>&1; then
    printf "%s %s\n" "$name" "$value"
  fi
done'

# Runs inside the container: the library names (without .so) in $libdir, then "plugins/<name>"
# for those in $libdir/plugins (where local_preload_libraries loads from).
# shellcheck disable=SC2016 # expanded by the container's shell, not here
LIBRARIES_SCRIPT='
dir=$(pg_config --pkglibdir)
for f in "$dir"/*.so "$dir"/plugins/*.so; do
  [ -f "$f" ] || continue
  name=${f#"$dir"/}
  printf "%s\n" "${name%.so}"
done'

# Merges the pieces into the pretty-printed file (node: the project already needs it).
ASSEMBLE_JS='
const fs = require("fs");
const [major, image, serverVersion, settingsFile, hiddenFile, librariesFile, out] = process.argv.slice(1);
const hidden = {};
for (const line of fs.readFileSync(hiddenFile, "utf8").split("\n").filter(Boolean)) {
  const [name, value] = line.split(" ");
  (hidden[name] ??= []).push(value);
}
const settings = fs.readFileSync(settingsFile, "utf8").split("\n").filter(Boolean).map((line) => {
  const s = JSON.parse(line);
  if (hidden[s.name]) s.hidden_enumvals = hidden[s.name];
  return s;
});
const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
settings.sort((a, b) => byName(a.name, b.name));
const shipped = fs.readFileSync(librariesFile, "utf8").split("\n").filter(Boolean);
const libraries = shipped.filter((n) => !n.startsWith("plugins/")).sort(byName);
const plugin_libraries = shipped.filter((n) => n.startsWith("plugins/")).map((n) => n.slice(8)).sort(byName);
const file = {
  header: {
    major: Number(major),
    server_version: serverVersion,
    image,
    generated_by: "lib/tenants/postgres-settings/extract.sh (pg_settings of the image'"'"'s server)",
  },
  settings,
  libraries,
  plugin_libraries,
};
fs.writeFileSync(out, JSON.stringify(file, null, 2) + "\n");
'

log() { printf 'extract: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 2
}

CONTAINERS=()
WORK=
cleanup() {
  local c
  for c in "${CONTAINERS[@]}"; do
    docker rm -f -v "$c" >/dev/null 2>&1 || true
  done
  if [[ -n $WORK ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

# start_server IMAGE: prints the id of a running container of IMAGE.
start_server() {
  local image=$1 volume args=()
  # tmpfs over every VOLUME of the image: Docker then creates no anonymous volume.
  while read -r volume; do
    if [[ -n $volume ]]; then args+=(--tmpfs "$volume"); fi
  done < <(docker image inspect --format '{{range $path, $_ := .Config.Volumes}}{{println $path}}{{end}}' "$image")
  docker run -d --rm --network none --label "$LABEL" "${args[@]}" \
    -e POSTGRES_HOST_AUTH_METHOD=trust "$image"
}

# wait_ready CONTAINER: the final server listens on TCP; the entrypoint's init-time server does not.
wait_ready() {
  local cid=$1 start=$SECONDS
  until docker exec "$cid" pg_isready -q -h 127.0.0.1 -U postgres >/dev/null 2>&1; do
    if ((SECONDS - start > READY_TIMEOUT)); then
      docker logs "$cid" 2>&1 | tail -n 20 >&2 || true
      die "server in $cid not ready after ${READY_TIMEOUT}s"
    fi
    sleep 0.5
  done
}

psql_in() {
  local cid=$1
  shift
  docker exec -u postgres "$cid" psql -X -At -v ON_ERROR_STOP=1 -d postgres "$@"
}

# extract MAJOR OUTDIR
extract() {
  local major=$1 out=$2 image=pgs-local/postgres:$1 cid version dir candidates
  docker image inspect "$image" >/dev/null 2>&1 ||
    die "$image not found: run images/build.sh postgres$major"
  log "$image"
  cid=$(start_server "$image")
  CONTAINERS+=("$cid")
  wait_ready "$cid"
  version=$(psql_in "$cid" -c 'SHOW server_version')
  dir=$WORK/$major
  mkdir -p "$dir"
  psql_in "$cid" -c "$SETTINGS_SQL" >"$dir/settings.jsonl"
  # Enum parameters settable on the command line (not internal), candidates not listed.
  candidates=$(printf "'%s'," "${HIDDEN_CANDIDATES[@]}")
  psql_in "$cid" -F ' ' -c "
    SELECT name, c
    FROM pg_settings, unnest(ARRAY[${candidates%,}]) WITH ORDINALITY AS u(c, i)
    WHERE vartype = 'enum' AND context <> 'internal'
      AND NOT lower(c) = ANY (SELECT lower(v) FROM unnest(enumvals) AS v)
    ORDER BY name COLLATE \"C\", i" >"$dir/candidates"
  docker exec -i -u postgres "$cid" bash -c "$PROBE_SCRIPT" <"$dir/candidates" >"$dir/hidden"
  docker exec "$cid" sh -c "$LIBRARIES_SCRIPT" >"$dir/libraries"
  docker rm -f -v "$cid" >/dev/null
  node -e "$ASSEMBLE_JS" "$major" "$image" "$version" \
    "$dir/settings.jsonl" "$dir/hidden" "$dir/libraries" "$out/$major.json"
  log "$out/$major.json: $(grep -c '"name"' "$out/$major.json") parameters, $(wc -l <"$dir/libraries") libraries, server $version"
}

main() {
  local check=false majors=() major stale=0
  while (($#)); do
    case $1 in
      --check) check=true ;;
      -h | --help)
        sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        return 0
        ;;
      -*) die "unknown option $1 (expected --check)" ;;
      *)
        [[ $1 =~ ^[0-9]+$ ]] || die "not a major version: $1"
        majors+=("$1")
        ;;
    esac
    shift
  done
  ((${#majors[@]})) || majors=(17 18)
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgs-settings-extract.XXXXXX")
  local out=$HERE
  if $check; then
    out=$WORK/out
    mkdir -p "$out"
  fi
  for major in "${majors[@]}"; do
    extract "$major" "$out"
  done
  $check || return 0
  for major in "${majors[@]}"; do
    if [[ ! -f $HERE/$major.json ]]; then
      log "$HERE/$major.json is missing"
      stale=1
    elif ! diff -u --label "checked-in $major.json" --label "extracted $major.json" \
      "$HERE/$major.json" "$out/$major.json"; then
      stale=1
    fi
  done
  if ((stale)); then
    log "stale: run lib/tenants/postgres-settings/extract.sh and check in the result"
    return 1
  fi
  log "up to date: ${majors[*]}"
}

main "$@"
