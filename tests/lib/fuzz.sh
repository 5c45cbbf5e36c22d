#!/usr/bin/env bash
# Fuzz: builds every cargo-fuzz target of soa-core (soa-core/fuzz, AddressSanitizer and debug
# assertions) with a pinned cargo-fuzz, replays its committed corpus and fuzzes it briefly: a
# fixed seed and FUZZ_RUNS inputs (2000 by default; at most FUZZ_SECONDS, 60, each), so that the
# verdict is the same on every run of the same code. Fails with the reason when a target cannot be built,
# or crashes (the input is kept under target/fuzz-artifacts/<target>/). The long runs and the
# summary of their figures are soa-core/fuzz/run.sh and soa-core/fuzz/SUMMARY.md.
source "$(dirname "$0")/common.sh"

CARGO_FUZZ_VERSION=0.13.2
TOOLS="$ROOT/target/tools"
FUZZ_DIR="$ROOT/soa-core/fuzz"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
RUNS_EACH="${FUZZ_RUNS:-2000}"
OUT="$ROOT/target/fuzz-suite"
ARTIFACTS="$ROOT/target/fuzz-artifacts"

need_deb g++ g++

if [ "$("$TOOLS/bin/cargo-fuzz" --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION into target/tools (once)"
  cargo install --locked "cargo-fuzz@$CARGO_FUZZ_VERSION" --root "$TOOLS" -q \
    || die "could not install cargo-fuzz $CARGO_FUZZ_VERSION from crates.io"
fi
# The suite builds into the workspace's target/ (its own folder), never over the binaries a long
# run of soa-core/fuzz/run.sh may be executing.
BUILD_DIR="$ROOT/target/fuzz-build"
cargo_fuzz() {
  (cd "$FUZZ_DIR" && CARGO_TARGET_DIR="$BUILD_DIR" RUSTC_BOOTSTRAP=1 "$TOOLS/bin/cargo-fuzz" fuzz "$@")
}

mapfile -t TARGETS < <(cargo_fuzz list)
[ "${#TARGETS[@]}" -gt 0 ] || die "soa-core/fuzz has no fuzz target"
cargo_fuzz build -a || die "the fuzz targets of soa-core/fuzz do not build"

BIN_DIR="$BUILD_DIR/$(rustc -vV | sed -n 's/^host: //p')/release"
rm -rf "$OUT" && mkdir -p "$OUT"
passed=0
failed=0
failures=()
for t in "${TARGETS[@]}"; do
  # A scratch corpus: the committed one is read, never grown here.
  mkdir -p "$OUT/corpus/$t" "$ARTIFACTS/$t"
  log="$OUT/$t.log"
  # A fixed seed and a number of runs (not a time): the same binary and corpus give the same
  # inputs on every machine, so the suite's verdict does not depend on the machine's speed.
  if timeout --kill-after=10 $((SECONDS_EACH + 120)) "$BIN_DIR/$t" -seed=1 -runs="$RUNS_EACH" \
      -max_total_time="$SECONDS_EACH" -timeout=25 -rss_limit_mb=2560 -max_len=8192 \
      -artifact_prefix="$ARTIFACTS/$t/" "$OUT/corpus/$t" "$FUZZ_DIR/corpus/$t" > "$log" 2>&1; then
    stat=$(grep -aE '^#[0-9]+' "$log" | grep -a ' cov: ' | tail -1)
    echo "fuzz $t: ok (${stat%% exec/s*})"
    passed=$((passed + 1))
  else
    echo "fuzz $t: FAILED"
    grep -aE "panicked at|ERROR: |Test unit written to" "$log" | head -5
    failed=$((failed + 1))
    failures+=("$t")
  fi
done
record fuzz "$passed" "$failed" "(${#TARGETS[@]} targets, ${RUNS_EACH} runs each)"
[ "$failed" -eq 0 ] || die "fuzz targets crashed: ${failures[*]} (inputs under target/fuzz-artifacts/, logs under target/fuzz-suite/)"
