#!/usr/bin/env bash
# Rust: formatting, clippy (warnings are errors), docs (warnings are errors), all tests.
source "$(dirname "$0")/common.sh"

cargo fmt --all -- --check || die "cargo fmt --check: code is not formatted (run cargo fmt --all)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings || die "cargo clippy reported warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --locked -q || die "cargo doc reported warnings"

log="$SOA_LOG_DIR/rust-test.log"
cargo test --workspace --all-features --locked 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The REST client alone, without the simulated organization (feature "sim" off): what a build
# that only talks to a real tenant compiles.
cargo test -p soa-core --no-default-features --features rest --locked 2>&1 | tee -a "$log"
rest_only_status=${PIPESTATUS[0]}
passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
if { [ "$status" -ne 0 ] || [ "$rest_only_status" -ne 0 ]; } && [ "$failed" -eq 0 ]; then failed=1; fi
record rust "$passed" "$failed"
[ "$status" -eq 0 ] || die "cargo test failed"
[ "$rest_only_status" -eq 0 ] || die "cargo test -p soa-core --no-default-features --features rest failed"
[ "$passed" -gt 0 ] || die "cargo test ran no test"

# The auditor's runnable example on the legacy corpus: findings, the rewrite diff, a SARIF log
# and rewritten copies; --fail-on-error makes it exit 1 because the corpus has errors.
out="$ROOT/target/test-artifacts/audit_scripts"
rm -rf "$out" && mkdir -p "$out"
cargo run -q -p soa-core --all-features --locked --example audit_scripts -- \
  --sarif "$out/scripts.sarif" --fixed "$out/fixed" --fail-on-error > "$out/output.txt" 2>&1
example_status=$?
grep -q "SOA-PS001" "$out/output.txt" && grep -q "^+++ b/examples/scripts/alias-management.ps1" "$out/output.txt" \
  || { cat "$out/output.txt"; die "the audit_scripts example did not print its findings and diff"; }
[ "$example_status" -eq 1 ] || die "the audit_scripts example exited $example_status, not 1, with --fail-on-error"
grep -q '"version": "2.1.0"' "$out/scripts.sarif" || die "the audit_scripts example wrote no SARIF 2.1.0 log"
[ -f "$out/fixed/alias-management.ps1" ] || die "the audit_scripts example wrote no rewritten copy"
echo "examples/audit_scripts.rs: findings, diff, SARIF and rewritten copies as documented"
