//! Times the simulated organization at scale: generating it, listing every mailbox through the
//! `ExchangeOnline` trait, and one Entra Connect Sync cycle; prints each time, the total and
//! the peak resident memory, and whether the target is met (all three under 10 s in total and
//! under 2 GiB).
//!
//! ```text
//! cargo run --release -p soa-core --example sim_bench            # 200,000 recipients
//! cargo run --release -p soa-core --example sim_bench -- 50000
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use soa_core::exo::{ExchangeOnline, MailboxFilter};
use soa_core::sim::SimulatedOrg;

const DEFAULT_SIZE: usize = 200_000;
const SEED: u64 = 42;
const TIME_TARGET: Duration = Duration::from_secs(10);
const MEMORY_TARGET_KIB: u64 = 2 * 1024 * 1024;

/// A memory figure of `/proc/self/status` (`VmHWM`: peak resident, `VmRSS`: resident now) in
/// KiB, where that file exists.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status
        .lines()
        .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `resident now / peak` in MiB, for the phase lines.
fn memory() -> String {
    #[allow(clippy::cast_precision_loss)]
    let mib = |kib: Option<u64>| {
        kib.map_or_else(|| "?".to_owned(), |k| format!("{:.0}", k as f64 / 1024.0))
    };
    format!(
        "RSS {} MiB, peak {} MiB",
        mib(status_kib("VmRSS")),
        mib(status_kib("VmHWM"))
    )
}

fn main() -> ExitCode {
    let size = match std::env::args().nth(1).map(|a| a.replace('_', "").parse()) {
        None => DEFAULT_SIZE,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("usage: sim_bench [SIZE]  (SIZE: a number of recipients; {e})");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("sim_bench: {size} recipients, seed {SEED}");

    let start = Instant::now();
    let org = SimulatedOrg::generate(size, SEED);
    let generate = start.elapsed();
    let summary = org.summary();
    println!(
        "generate      {:>9.3} s  ({} AD users, {} cloud users, {} mailboxes, {} cloud-managed; {})",
        generate.as_secs_f64(),
        summary.ad_users,
        summary.cloud_users,
        summary.mailboxes,
        summary.cloud_managed_mailboxes,
        memory()
    );

    let start = Instant::now();
    let (listed, errors) = runtime.block_on(async {
        let mut stream = org.list_mailboxes(MailboxFilter::default());
        let (mut listed, mut errors) = (0_usize, 0_usize);
        while let Some(item) = stream.next().await {
            match item {
                Ok(_) => listed += 1,
                Err(_) => errors += 1,
            }
        }
        (listed, errors)
    });
    let list = start.elapsed();
    println!(
        "list_mailboxes{:>9.3} s  ({listed} mailboxes, {errors} errors; {})",
        list.as_secs_f64(),
        memory()
    );

    let start = Instant::now();
    let report = org.sync_cycle();
    let sync = start.elapsed();
    println!(
        "sync_cycle    {:>9.3} s  ({} processed, {} updated, {} blocked; {})",
        sync.as_secs_f64(),
        report.processed,
        report.updated,
        report.blocked.len(),
        memory()
    );

    let total = generate + list + sync;
    println!("total         {:>9.3} s", total.as_secs_f64());
    let peak = status_kib("VmHWM");
    match peak {
        #[allow(clippy::cast_precision_loss)]
        Some(kib) => println!("peak RSS      {:>9.1} MiB (VmHWM)", kib as f64 / 1024.0),
        None => println!("peak RSS      unknown"),
    }

    let time_ok = total < TIME_TARGET;
    let memory_ok = peak.map(|kib| kib < MEMORY_TARGET_KIB);
    let verdict = match (time_ok, memory_ok) {
        (true, Some(true)) => "met",
        (true, None) => "met for time (memory unknown)",
        _ => "NOT met",
    };
    println!("target (< 10 s total, < 2 GiB): {verdict}");
    if listed == summary.mailboxes && errors == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "listing returned {listed} mailboxes and {errors} errors, expected {}",
            summary.mailboxes
        );
        ExitCode::FAILURE
    }
}
