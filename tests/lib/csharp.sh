#!/usr/bin/env bash
# C#: the PowerShell module's P/Invoke layer (soa-ffi/powershell/ExchangeSoa/SoaNative.cs),
# compiled with Mono's mcs together with tests/csharp/SoaNativeTests.cs and run with mono against
# the release build of libsoa_ffi. PowerShell 7 compiles the same SoaNative.cs with Add-Type, so
# this is where the interop layer is tested on a machine without a PowerShell host.
source "$(dirname "$0")/common.sh"

need_deb mcs mono-mcs libmono-system-core4.0-cil
need_deb mono mono-runtime

LIB_DIR="$(build_ffi)" || die "could not build soa-ffi"
[ -f "$LIB_DIR/libsoa_ffi.so" ] || die "the build did not produce $LIB_DIR/libsoa_ffi.so"

OUT="$ROOT/target/csharp"
mkdir -p "$OUT"
EXE="$OUT/SoaNativeTests.exe"

# Warnings are errors: PowerShell's Add-Type treats compiler warnings as errors too. C# 5 against
# Mono's .NET Framework 4.x profile: what Add-Type compiles in Windows PowerShell 5.1, so a
# construct of a later C# (string interpolation, `?.`, `nameof`, expression bodies, `out var`,
# tuples) or an API missing from .NET Framework fails here.
mcs -nologo -codepage:utf8 -warnaserror+ -warn:4 -langversion:5 -sdk:4.x -target:exe -out:"$EXE" \
  "$ROOT/soa-ffi/powershell/ExchangeSoa/SoaNative.cs" \
  "$ROOT/tests/csharp/SoaNativeTests.cs" \
  || die "mcs could not compile SoaNative.cs with tests/csharp/SoaNativeTests.cs"

# The cross-front-end scenario writes its audit records beside the Rust suite's reference run.
mkdir -p "$ROOT/target/test-artifacts/scenario"

log="$SOA_LOG_DIR/csharp.log"
# DllImport("soa_ffi") resolves to libsoa_ffi.so through LD_LIBRARY_PATH under Mono. The panic
# test makes the library print its (caught) panic; RUST_BACKTRACE=0 keeps that to one message.
LD_LIBRARY_PATH="$LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" RUST_BACKTRACE=0 \
  timeout 300 mono --debug "$EXE" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

summary=$(grep -E '^csharp: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
if [ -z "$summary" ]; then
  record csharp 0 1 "(no summary line: the test program crashed or timed out, exit $status)"
  die "the C# tests ended without their summary line (exit status $status); see $log"
fi
passed=$(echo "$summary" | awk '{print $2}')
failed=$(echo "$summary" | awk '{print $4}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
record csharp "$passed" "$failed"
[ "$status" -eq 0 ] || die "C# tests failed (exit status $status)"
[ "$passed" -gt 0 ] || die "the C# tests ran no test"
