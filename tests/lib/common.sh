# Shared helpers for the suite scripts. Sourced, not run.
set -uo pipefail
ROOT="${SOA_ROOT:?run through tests/run.sh}"
cd "$ROOT"

# Records a suite's counts for the summary: record NAME PASSED FAILED [NOTE]
record() {
  echo "$1 $2 $3 ${4:-}" >> "$SOA_LOG_DIR/summary.txt"
}

# Fails the suite with a reason.
die() {
  echo "ERROR: $*" >&2
  exit 1
}

# Installs Debian packages when running as root and they are missing: need_deb CMD PACKAGE...
need_deb() {
  local cmd="$1"; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "'$cmd' is missing and this is not root: install the Debian packages $* and run again"
  fi
  if [ ! -f "$ROOT/target/.apt-updated" ]; then
    apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed (needed to install $*)"
    mkdir -p "$ROOT/target" && touch "$ROOT/target/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 \
    || die "apt-get install $* failed"
  command -v "$cmd" >/dev/null 2>&1 || die "installed $* but '$cmd' is still missing"
}

# Builds soa-ffi in release mode and prints the directory holding libsoa_ffi.
build_ffi() {
  cargo build --release -p soa-ffi >&2 || die "cargo build -p soa-ffi failed"
  echo "$ROOT/target/release"
}
