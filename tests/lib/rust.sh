#!/usr/bin/env bash
# Rust: formatting, clippy (warnings are errors), docs (warnings are errors), all tests.
source "$(dirname "$0")/common.sh"

cargo fmt --all -- --check || die "cargo fmt --check: code is not formatted (run cargo fmt --all)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings || die "cargo clippy reported warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --locked -q || die "cargo doc reported warnings"

log="$SOA_LOG_DIR/rust-test.log"
cargo test --workspace --all-features --locked 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
record rust "$passed" "$failed"
[ "$status" -eq 0 ] || die "cargo test failed"
[ "$passed" -gt 0 ] || die "cargo test ran no test"
