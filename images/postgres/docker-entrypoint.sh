#!/usr/bin/env bash
# Entrypoint following the official postgres image's contract (docker-library/postgres):
# POSTGRES_USER/PASSWORD/DB/INITDB_ARGS (+ *_FILE) and POSTGRES_HOST_AUTH_METHOD apply only
# when PGDATA holds no cluster yet.
set -euo pipefail

err() { printf '%s\n' "$@" >&2; }

# file_env VAR [DEFAULT]: VAR from $VAR or from the file named by $VAR_FILE (not both).
file_env() {
  local var=$1 file_var="${1}_FILE" val=${2:-}
  if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
    err "error: both $var and $file_var are set (but are exclusive)"
    exit 1
  fi
  if [[ -n ${!var:-} ]]; then
    val=${!var}
  elif [[ -n ${!file_var:-} ]]; then
    val=$(<"${!file_var}")
  fi
  export "$var=$val"
  unset "$file_var"
}

# Flags that make postgres print something and exit: no init needed.
wants_help() {
  local arg
  for arg; do
    case $arg in
      -'?' | --help | --describe-config | -V | --version | -C) return 0 ;;
    esac
  done
  return 1
}

setup_env() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=}"
  DATABASE_ALREADY_EXISTS=
  [[ -s $PGDATA/PG_VERSION ]] && DATABASE_ALREADY_EXISTS=yes
  return 0
}

# 18+ keeps data in /var/lib/postgresql/MAJOR/docker; data (or a mount) at the <=17 place
# means the image was swapped under an old volume.
check_old_layout() {
  [[ -z $DATABASE_ALREADY_EXISTS && $PGDATA == "/var/lib/postgresql/$PG_MAJOR/docker" ]] || return 0
  local d old=()
  for d in /var/lib/postgresql /var/lib/postgresql/data /var/lib/postgresql/*/docker; do
    [[ -s $d/PG_VERSION ]] && old+=("$d")
  done
  if ((${#old[@]} == 0)) && mountpoint -q /var/lib/postgresql/data; then
    old+=('/var/lib/postgresql/data (unused mount/volume)')
  fi
  ((${#old[@]} == 0)) && return 0
  err "Error: in 18+, these Docker images are configured to store database data in a" \
    "       format which is compatible with \"pg_ctlcluster\" (specifically, using" \
    "       major-version-specific directory names: PGDATA=$PGDATA)." \
    "" \
    "       Counter to that, there appears to be PostgreSQL data in:" \
    "${old[@]/#/         }" \
    "" \
    "       Mount the volume at /var/lib/postgresql (not /var/lib/postgresql/data)," \
    "       or upgrade the old data with pg_upgrade (which needs both versions)."
  exit 1
}

create_dirs() {
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA" || :
  chmod 3775 /var/run/postgresql || :
  if [[ $(id -u) == 0 ]]; then
    find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
  fi
}

verify_minimum_env() {
  if [[ -z $POSTGRES_PASSWORD && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
    err 'Error: Database is uninitialized and superuser password is not specified.' \
      '       You must specify POSTGRES_PASSWORD to a non-empty value for the' \
      '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".' \
      '' \
      '       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all' \
      '       connections without a password. This is *not* recommended.' \
      '' \
      '       See PostgreSQL documentation about "trust":' \
      '       https://www.postgresql.org/docs/current/auth-trust.html'
    exit 1
  fi
  if [[ $POSTGRES_HOST_AUTH_METHOD == trust ]]; then
    err 'WARNING: POSTGRES_HOST_AUTH_METHOD=trust: every host may connect without a password.'
  fi
}

init_database_dir() {
  # The password goes through a pipe, never argv. initdb's --pwfile rejects an empty file,
  # hence the newline. eval lets POSTGRES_INITDB_ARGS carry quoted words, as upstream does.
  eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"
}

setup_conf() {
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  printf '\nhost all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"$PGDATA/pg_hba.conf"
}

sql() {
  psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER" "$@"
}

temp_server_start() {
  # Socket only, so nothing outside sees the server before init is complete.
  PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
}

temp_server_stop() {
  PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -m fast -w stop
}

setup_db() {
  [[ $POSTGRES_DB == postgres ]] && return 0
  local exists
  exists=$(sql --dbname postgres --tuples-only --no-align --set db="$POSTGRES_DB" \
    <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
  if [[ -z $exists ]]; then
    sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
}

process_init_files() {
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sh)
        printf '%s: running %s\n' "$0" "$f"
        if [[ -x $f ]]; then
          "$f"
        else
          # Sourced scripts were written for upstream's shell, which runs without -u.
          set +u
          # shellcheck disable=SC1090
          . "$f"
          set -u
        fi
        ;;
      *.sql)
        printf '%s: running %s\n' "$0" "$f"
        sql --dbname "$POSTGRES_DB" -f "$f"
        ;;
      *)
        if [[ -e $f ]]; then printf '%s: ignoring %s\n' "$0" "$f"; fi
        ;;
    esac
  done
}

main() {
  if [[ ${1:-} == -* ]]; then
    set -- postgres "$@"
  fi
  if [[ ${1:-} == postgres ]] && ! wants_help "$@"; then
    setup_env
    check_old_layout
    create_dirs
    if [[ $(id -u) == 0 ]]; then
      # Re-run as postgres (gosu is not in Debian's minbase; setpriv is in util-linux).
      export HOME=/var/lib/postgresql
      exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
    fi
    if [[ -z $DATABASE_ALREADY_EXISTS ]]; then
      verify_minimum_env
      init_database_dir
      setup_conf
      export PGPASSWORD=${PGPASSWORD:-$POSTGRES_PASSWORD}
      temp_server_start
      setup_db
      process_init_files
      temp_server_stop
      unset PGPASSWORD
      printf '\nPostgreSQL init process complete; ready for start up.\n\n'
    else
      printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
    fi
    unset POSTGRES_PASSWORD
  fi
  exec "$@"
}

main "$@"
