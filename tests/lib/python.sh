#!/usr/bin/env bash
# Python: builds the wheel with maturin, installs it into .venv, runs pytest against the
# installed package (never the source tree), then checks the hand-written stubs with stubtest
# and type-checks the tests against them with mypy --strict.
source "$(dirname "$0")/common.sh"

VENV="$ROOT/.venv"
PY="$VENV/bin/python"

command -v python3 >/dev/null 2>&1 || die "python3 is missing: install Python 3.10 or later"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || die "python3 is $(python3 -V 2>&1); exchange-soa needs Python 3.10 or later"
if [ ! -x "$PY" ]; then
  python3 -m venv "$VENV" || die "python3 -m venv $VENV failed (on Debian: apt-get install python3-venv)"
fi
"$PY" -m pip install -q --disable-pip-version-check "maturin>=1.9.4,<2" "pytest>=9,<10" "mypy>=2,<3" \
  || die "pip could not install maturin, pytest and mypy into $VENV"

# Build the wheel (abi3, release) and install exactly that file.
rm -f "$ROOT"/target/wheels/exchange_soa-*.whl
"$VENV/bin/maturin" build --release --locked -o "$ROOT/target/wheels" \
  || die "maturin build failed"
wheels=("$ROOT"/target/wheels/exchange_soa-*.whl)
[ -f "${wheels[0]}" ] || die "maturin build produced no wheel in target/wheels"
[ ${#wheels[@]} -eq 1 ] || die "expected one wheel in target/wheels, found ${#wheels[@]}"
"$PY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "${wheels[0]}" \
  || die "pip could not install ${wheels[0]}"

# The cross-front-end scenario (tests/python/test_scenario.py) compares Python's audit records
# with those the Rust core writes in the Rust suite; when that suite has not run here, the one
# Rust test that writes them runs first.
if [ ! -f "$ROOT/target/test-artifacts/scenario/rust.jsonl" ]; then
  cargo test -q -p soa-core --test session cross_front_end_scenario >&2 \
    || die "the Rust scenario test (cargo test -p soa-core --test session) failed"
fi

# Run from tests/python so that `import exchange_soa` finds the installed wheel and not
# soa-py/python (rootdir and the ini options still come from pyproject.toml).
log="$SOA_LOG_DIR/python-test.log"
(
  cd "$ROOT/tests/python" \
    && "$PY" -m pytest -p no:cacheprovider -c "$ROOT/pyproject.toml" --rootdir "$ROOT" \
         --import-mode=importlib -ra "$ROOT/tests/python"
) 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E '^=+ .*(passed|failed|error|no tests ran).* in [0-9.]+s' "$log" | tail -n 1)
passed=$(echo "$summary" | grep -Eo '[0-9]+ passed' | awk '{print $1}')
failed=$(echo "$summary" | grep -Eo '[0-9]+ (failed|errors?)' | awk '{s+=$1} END {print s+0}')
passed=${passed:-0}
tests_passed=$passed
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

# The hand-written stubs must match the compiled module, and the tests must type-check against
# them (mypy --strict). Both run from a scratch directory under target/ (outside the source
# package, and where mypy's cache may go). Each counts as one more check.
problems=()
scratch="$ROOT/target/python-check"
mkdir -p "$scratch"
allow=()
[ -f "$ROOT/tests/python/stubtest-allowlist.txt" ] \
  && allow=(--allowlist "$ROOT/tests/python/stubtest-allowlist.txt")
if (cd "$scratch" && "$PY" -m mypy.stubtest exchange_soa._native "${allow[@]}"); then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); problems+=("stubtest: soa-py/python/exchange_soa/_native.pyi does not match the built module")
fi
if (cd "$scratch" && "$PY" -m mypy --strict "$ROOT/tests/python"); then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); problems+=("mypy --strict tests/python failed against the installed stubs")
fi

record python "$passed" "$failed"
[ "$status" -ne 5 ] || die "pytest ran no test (exit 5)"
[ "$status" -eq 0 ] || die "pytest failed (exit $status)"
[ "$tests_passed" -gt 0 ] || die "pytest ran no test"
[ ${#problems[@]} -eq 0 ] || die "${problems[*]}"
