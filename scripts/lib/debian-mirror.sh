# shellcheck shell=bash
# The Debian archive this machine's APT uses, for the builds that fetch Debian packages of other
# releases (images/build.sh's debootstrap, the local Kubernetes' trixie etcd): a user behind a
# company mirror or proxy gets exactly the mirror APT already uses, and no host is written here.
#
#   . scripts/lib/debian-mirror.sh; mirror=$(debian_mirror)     (or run it: prints the mirror)
#   debian_mirror [APT_DIR [OS_RELEASE]]     defaults /etc/apt and /etc/os-release
#
# PGS_DEBIAN_MIRROR, when set, is the answer. Otherwise: the first `deb` source (sources.list, then
# sources.list.d/*.list one-line entries and *.sources deb822 stanzas, in name order; deb822's
# `Enabled: no` skipped) whose suites include the host's own release (VERSION_CODENAME of a
# Debian os-release: bookworm, never bookworm-security or -updates), as an http(s) or file URI
# without its trailing slash. None: a message naming PGS_DEBIAN_MIRROR, and status 1.

# debian_sources APT_DIR: every `deb` source as lines "URI SUITE" (one per suite).
debian_sources() {
  local dir=$1 f files=()
  [[ -f $dir/sources.list ]] && files+=("$dir/sources.list")
  for f in "$dir"/sources.list.d/*; do # one glob: name order across both formats, as APT reads them
    [[ -f $f && ($f == *.list || $f == *.sources) ]] && files+=("$f")
  done
  for f in "${files[@]}"; do
    if [[ $f == *.sources ]]; then
      awk '
        function flush(   i, j, n, u, s, k) {
          if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
            n = split(uris, u, " "); k = split(suites, s, " ")
            for (i = 1; i <= n; i++) for (j = 1; j <= k; j++) print u[i], s[j]
          }
          types = uris = suites = field = ""; enabled = "yes"
        }
        BEGIN { enabled = "yes" }
        /^#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ { if (field == "uris") uris = uris " " $0; else if (field == "suites") suites = suites " " $0; next }
        {
          name = tolower($0); sub(/:.*/, "", name); value = $0; sub(/^[^:]*:[ \t]*/, "", value)
          field = name
          if (name == "types") types = value
          else if (name == "uris") uris = value
          else if (name == "suites") suites = value
          else if (name == "enabled") enabled = value
        }
        END { flush() }' "$f"
    else
      # deb [options] URI SUITE COMPONENT...
      sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 { print $2, $3 }'
    fi
  done
}

debian_mirror() {
  local dir=${1:-/etc/apt} os=${2:-/etc/os-release} id codename uri suite
  if [[ -n ${PGS_DEBIAN_MIRROR:-} ]]; then
    echo "${PGS_DEBIAN_MIRROR%/}"
    return 0
  fi
  id=$(sed -n 's/^ID=//p' "$os" 2>/dev/null | tr -d '"')
  codename=$(sed -n 's/^VERSION_CODENAME=//p' "$os" 2>/dev/null | tr -d '"')
  if [[ $id != debian || -z $codename ]]; then
    echo "debian-mirror: this is not a Debian release with a codename ($os: ID=${id:-?}, VERSION_CODENAME=${codename:-?}): set PGS_DEBIAN_MIRROR to a Debian archive (the URL APT's 'deb' lines name)" >&2
    return 1
  fi
  while read -r uri suite; do
    [[ $suite == "$codename" && $uri =~ ^(https?|file): ]] || continue
    echo "${uri%/}"
    return 0
  done < <(debian_sources "$dir")
  echo "debian-mirror: no 'deb' source for $codename in $dir/sources.list or $dir/sources.list.d/ (*.list, *.sources): set PGS_DEBIAN_MIRROR to a Debian archive (the URL APT's 'deb' lines name)" >&2
  return 1
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  debian_mirror "$@"
fi
