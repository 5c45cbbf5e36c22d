//! Throughput of a transfer against the emulator: a 20,000-mailbox wave (backup, flip, verify)
//! over HTTP with 20 ms added latency and a throttle of 200 requests/s. Reports the requests
//! per second the run achieved as a ratio of the throttle (target ≥ 0.8).
//!
//! ```sh
//! cargo run --release -p soa-core --features emulator --example transfer_bench -- [MAILBOXES] [CONCURRENCY]
//! ```
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)] // figures for people

#[path = "../tests/support/crash.rs"]
mod crash;

use std::time::{Duration, Instant};

use soa_core::sim::emulator::{Faults, Throttle};
use soa_core::transfer::{Plan, RunFolder, RunOptions};

fn main() {
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
    let client = crash::client(
        trial.emulator.base_url(),
        trial.emulator.tenant(),
        &trial.token,
    );
    let start = Instant::now();
    let report = rt
        .block_on(soa_core::transfer::resume(
            &client,
            None,
            &trial.run_dir,
            &RunOptions::default(),
        ))
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
