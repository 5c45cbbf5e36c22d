#!/usr/bin/env bash
# Runs every test of exchange-soa: Rust, Python, C, C# (the PowerShell module's P/Invoke
# layer under Mono), HTML (the reconciliation report rendered in headless Chromium) and fuzz
# (every cargo-fuzz target of soa-core built and run for a few seconds).
# Installs what it needs first: a Python venv with maturin, pytest and mypy
# in .venv, cbindgen and cargo-fuzz (pinned) under target/tools, and — when run as root — the
# Debian packages for Mono, valgrind and Chromium. A suite that cannot run fails with the reason; nothing is skipped.
#
#   bash tests/run.sh                  everything
#   bash tests/run.sh rust python      only the named suites (rust, python, c, csharp, html, fuzz)
#   bash tests/run.sh --update-header  regenerate soa-ffi/include/soa.h, then run everything
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export SOA_ROOT="$ROOT"
export SOA_LOG_DIR="$ROOT/target/test-logs"
mkdir -p "$SOA_LOG_DIR"
: > "$SOA_LOG_DIR/summary.txt"

UPDATE_HEADER=0
SUITES=()
for arg in "$@"; do
  case "$arg" in
    --update-header) UPDATE_HEADER=1 ;;
    rust|python|c|csharp|html|fuzz) SUITES+=("$arg") ;;
    *) echo "usage: bash tests/run.sh [--update-header] [rust] [python] [c] [csharp] [html] [fuzz]" >&2; exit 2 ;;
  esac
done
[ ${#SUITES[@]} -eq 0 ] && SUITES=(rust python c csharp html fuzz)
export UPDATE_HEADER

START=$(date +%s)
FAILED_SUITES=()
for suite in "${SUITES[@]}"; do
  echo
  echo "=================== suite: $suite ==================="
  if ! bash "$ROOT/tests/lib/$suite.sh"; then
    FAILED_SUITES+=("$suite")
    if ! grep -q "^$suite " "$SOA_LOG_DIR/summary.txt"; then
      echo "$suite 0 1 (the suite could not run; see its output above)" >> "$SOA_LOG_DIR/summary.txt"
    fi
  fi
done

echo
echo "=================== summary ($(( $(date +%s) - START ))s) ==================="
TOTAL_PASS=0
TOTAL_FAIL=0
while read -r name pass fail rest; do
  printf '%-8s %5d passed, %d failed %s\n' "$name" "$pass" "$fail" "$rest"
  TOTAL_PASS=$((TOTAL_PASS + pass))
  TOTAL_FAIL=$((TOTAL_FAIL + fail))
done < "$SOA_LOG_DIR/summary.txt"
if [ ${#FAILED_SUITES[@]} -gt 0 ] && [ "$TOTAL_FAIL" -eq 0 ]; then
  TOTAL_FAIL=${#FAILED_SUITES[@]}
fi
echo "total: $TOTAL_PASS passed, $TOTAL_FAIL failed"
if [ ${#FAILED_SUITES[@]} -gt 0 ]; then
  echo "FAILED suites: ${FAILED_SUITES[*]}"
  exit 1
fi
exit 0
