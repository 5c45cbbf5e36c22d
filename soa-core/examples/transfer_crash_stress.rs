//! Stress harness of the transfer workflow's crash safety: many trials of a 500-mailbox wave
//! run by a child process that is killed with SIGKILL at random moments, then resumed; after
//! each trial every mailbox must be flipped exactly once, have a readable backup taken before
//! its flip, and the journal must agree with the organization.
//!
//! ```sh
//! cargo run --release -p soa-core --features emulator --example transfer_crash_stress -- [TRIALS] [MAILBOXES]
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

#[path = "../tests/support/crash.rs"]
mod crash;

use std::time::{Duration, Instant};

fn main() -> std::process::ExitCode {
    if std::env::var_os(crash::WORKER_ENV).is_some() {
        crash::worker_main();
        return std::process::ExitCode::SUCCESS;
    }
    let mut args = std::env::args().skip(1);
    let trials: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let mailboxes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let exe = std::env::current_exe().unwrap();
    let root = std::env::temp_dir().join(format!("soa-crash-stress-{}", std::process::id()));
    let start = Instant::now();
    let (mut kills, mut failures) = (0u64, 0u64);
    for t in 0..trials {
        let trial = crash::setup(mailboxes, &root, usize::try_from(t).unwrap_or(0));
        for k in 0..3u64 {
            let after = crash::delay(
                t * 31 + k,
                Duration::from_millis(20),
                Duration::from_millis(900),
            );
            if crash::run_and_kill(&exe, &[], &trial, after) {
                kills += 1;
            }
        }
        match crash::finish_and_check(&trial) {
            Ok(()) => println!("trial {t:>3}: ok"),
            Err(v) => {
                failures += 1;
                println!("trial {t:>3}: VIOLATION: {v}");
            }
        }
        let _ = std::fs::remove_dir_all(&trial.run_dir);
    }
    let _ = std::fs::remove_dir_all(&root);
    println!(
        "{trials} trials of {mailboxes} mailboxes, {kills} SIGKILLs, {failures} violations, {:.1} s",
        start.elapsed().as_secs_f64()
    );
    if failures == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
