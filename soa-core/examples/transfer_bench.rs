//! Throughput of a transfer against the emulator: a 20,000-mailbox wave (backup, flip, verify)
//! over HTTP with 20 ms added latency and a throttle of 200 requests/s. Reports the requests
//! per second the run achieved as a ratio of the throttle (target ≥ 0.8).
//!
//! ```sh
//! cargo run --release -p soa-core --features emulator --example transfer_bench -- [MAILBOXES] [CONCURRENCY]
//! cargo run --release -p soa-core --features emulator --example transfer_bench -- --runtimes [MAILBOXES]
//! ```
//!
//! `--runtimes` compares the runtimes instead: the same unthrottled wave (20 ms latency) on a
//! multi-threaded tokio runtime and on a current-thread one (the C ABI's), one after the other
//! in this process, and prints the ratio (target: the current-thread run within 5% of the
//! multi-threaded one, which holds only while file syncs stay off the executor).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)] // figures for people

#[path = "../tests/support/crash.rs"]
mod crash;

use std::time::{Duration, Instant};

use soa_core::sim::emulator::{Faults, Throttle};
use soa_core::transfer::{Plan, RunFolder, RunOptions};

/// Runs one unthrottled wave of `n` mailboxes on `rt` and returns its seconds.
fn unthrottled(n: usize, rt: &tokio::runtime::Runtime, label: &str) -> f64 {
    let root =
        std::env::temp_dir().join(format!("soa-transfer-bench-{label}-{}", std::process::id()));
    let trial = crash::setup(n, &root, 0);
    trial
        .emulator
        .set_faults(Faults {
            latency: Duration::from_millis(20),
            ..Faults::default()
        })
        .unwrap();
    let session = crash::emulator_session(&trial);
    let start = Instant::now();
    let report = rt
        .block_on(session.resume(&trial.run_dir, &RunOptions::default()))
        .unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(report.verified(), n, "every mailbox verified");
    println!(
        "  {label:<15} {n} mailboxes in {elapsed:.2} s ({:.1} mailboxes/s)",
        n as f64 / elapsed
    );
    let _ = std::fs::remove_dir_all(&root);
    elapsed
}

fn compare_runtimes(n: usize) {
    println!(
        "unthrottled transfer, 20 ms latency, on two runtimes (one run of each, same process)"
    );
    let multi = crash::runtime();
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let multi_s = unthrottled(n, &multi, "multi-thread");
    let current_s = unthrottled(n, &current, "current-thread");
    let ratio = current_s / multi_s;
    println!(
        "  current-thread / multi-thread time = {ratio:.3} (target <= 1.05): {}",
        if ratio <= 1.05 { "met" } else { "NOT met" }
    );
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--runtimes") {
        let n = std::env::args()
            .nth(2)
            .and_then(|a| a.parse().ok())
            .unwrap_or(2_000);
        compare_runtimes(n);
        return;
    }
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let root = std::env::temp_dir().join(format!("soa-transfer-bench-{}", std::process::id()));
    let trial = crash::setup(n, &root, 0);
    let folder = RunFolder {
        dir: trial.run_dir.clone(),
    };
    let mut plan = Plan::load(&folder.plan()).unwrap();
    plan.policy.max_concurrency = concurrency;
    plan.save(&folder.plan()).unwrap();
    trial
        .emulator
        .set_faults(Faults {
            throttle: Some(Throttle::per_second(200.0)),
            latency: Duration::from_millis(20),
            ..Faults::default()
        })
        .unwrap();
    trial.emulator.reset_stats();
    let rt = crash::runtime();
    let session = crash::emulator_session(&trial);
    let start = Instant::now();
    let report = rt
        .block_on(session.resume(&trial.run_dir, &RunOptions::default()))
        .unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    let stats = trial.emulator.stats();
    let served = stats.requests.saturating_sub(stats.status(429));
    println!(
        "transfer of {n} mailboxes, concurrency {concurrency}, 20 ms latency, throttle 200 req/s"
    );
    println!(
        "  {} verified, {} failed in {elapsed:.1} s; {} requests answered ({} throttled with 429)",
        report.verified(),
        report.failed(),
        stats.requests,
        stats.status(429)
    );
    let rate = served as f64 / elapsed;
    println!(
        "  achieved {rate:.1} successful requests/s = {:.3} of the throttle (target >= 0.8); {:.1} mailboxes/s",
        rate / 200.0,
        report.verified() as f64 / elapsed
    );
    let _ = std::fs::remove_dir_all(&root);
}
