"""Binding overhead: one authority decision through Rust, the C ABI and Python, in one run.

    python examples/overhead_bench.py [ITERATIONS]

Needs the exchange_soa package installed (``bash tests/run.sh python`` installs it into .venv)
and a C compiler. Builds the Rust baseline (soa-core's ``decide_bench`` example) and the C
benchmark (``examples/c/bench_decide.c`` linked to libsoa_ffi), runs them, times the Python
call in this process, and prints nanoseconds per call with each path's ratio to Rust.
The C ABI and Python paths include their conversions: JSON in and out for C, Python objects
for Python.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import time

import exchange_soa as soa

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(cmd: list[str]) -> str:
    return subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def rust_ns(iterations: int) -> float:
    run(["cargo", "build", "-q", "--release", "-p", "soa-core", "--example", "decide_bench"])
    out = run([str(ROOT / "target/release/examples/decide_bench"), str(iterations)])
    return float(out.split()[1])


def c_ns(iterations: int) -> float:
    run(["cargo", "build", "-q", "--release", "-p", "soa-ffi"])
    exe = ROOT / "target/c-bench/bench_decide"
    exe.parent.mkdir(parents=True, exist_ok=True)
    lib = ROOT / "target/release"
    run(["cc", "-O2", "-I", str(ROOT / "soa-ffi/include"), str(ROOT / "examples/c/bench_decide.c"),
         "-L", str(lib), "-lsoa_ffi", f"-Wl,-rpath,{lib}", "-o", str(exe)])
    out = run([str(exe), str(iterations)])
    return float(out.split()[1])


def python_ns(iterations: int) -> float:
    catalog = soa.Catalog.builtin()
    state = soa.MailboxState(dir_synced=True, cloud_managed=True)
    call = lambda: soa.decide_edit(  # noqa: E731
        catalog, state, "extensionAttribute1", "Finance", "active_directory", identity="alice@contoso.com"
    )
    for _ in range(1000):
        call()
    start = time.perf_counter_ns()
    for _ in range(iterations):
        call()
    return (time.perf_counter_ns() - start) / iterations


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    results = {"Rust (soa-core)": rust_ns(iterations), "C ABI (soa-ffi)": c_ns(iterations)}
    results["Python (exchange_soa)"] = python_ns(iterations)
    base = results["Rust (soa-core)"]
    print(f"one decide_edit call, {iterations} iterations each, one run")
    print(f"{'path':<24}{'ns/call':>10}{'ratio':>9}")
    for name, ns in results.items():
        print(f"{name:<24}{ns:>10.0f}{ns / base:>8.2f}x")


if __name__ == "__main__":
    main()
