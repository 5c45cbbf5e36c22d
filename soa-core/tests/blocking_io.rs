//! File syncs run off the async executor: on a current-thread runtime (the C ABI's), HTTP
//! requests keep completing while the journal, the backups and the audit log are fsynced.
//!
//! Its own test binary, because the injected fsync delay is process-wide.
#![allow(clippy::unwrap_used)]

mod support {
    pub mod crash;
}

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use soa_core::exo::ExchangeOnline;
use soa_core::preflight::{Preflight, SyncEnvironment};
use soa_core::session::Session;
use soa_core::sim::emulator::{Emulator, EmulatorOptions};
use soa_core::transfer::{RunOptions, Selection, TransferPolicy};
use support::crash;

/// The fsync delay injected: far longer than a request to the emulator on loopback takes.
const SLOW_FSYNC: Duration = Duration::from_millis(200);

#[test]
fn requests_in_flight_keep_completing_during_a_slow_fsync_on_a_current_thread_runtime() {
    let n = 6;
    let org = crash::org(n);
    let emulator = Emulator::start_blocking(org.clone(), EmulatorOptions::default()).unwrap();
    let token = emulator.issue_token(org.principal());
    let client = crash::client(emulator.base_url(), emulator.tenant(), &token);
    let probe_client = client.clone();
    let session = Session::new(Arc::new(client)).with_directory(Arc::new(org.clone()));
    let policy = TransferPolicy {
        ticket: Some("CHG-SLOW".into()),
        batch_cap: n,
        max_concurrency: 2,
        ..TransferPolicy::default()
    };
    let preflight = Preflight {
        sync: SyncEnvironment {
            connect_sync_version: Some(org.connect_sync_version()),
            ..SyncEnvironment::default()
        },
        ..Preflight::default()
    };
    let dir = std::env::temp_dir().join(format!("soa-slow-fsync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (report, gaps, completed, elapsed) = runtime.block_on(async {
        let plan = session
            .plan(&Selection::Identities(crash::ids(n)), &policy, &preflight)
            .await
            .unwrap();
        soa_core::test_hooks::set_fsync_delay(SLOW_FSYNC);
        let done = AtomicBool::new(false);
        let started = Instant::now();
        let run = async {
            let report = session.run(&plan, &dir, &RunOptions::default()).await;
            done.store(true, Ordering::SeqCst);
            report
        };
        // A request loop beside the run, on the same thread: each completion is timed.
        let probe = async {
            let mut last = Instant::now();
            let mut gaps = Vec::new();
            while !done.load(Ordering::SeqCst) {
                probe_client.get_mailbox("m0000@contoso.com").await.unwrap();
                let now = Instant::now();
                gaps.push(now - last);
                last = now;
            }
            gaps
        };
        let (report, gaps) = tokio::join!(run, probe);
        soa_core::test_hooks::set_fsync_delay(Duration::ZERO);
        let completed = gaps.len();
        (report.unwrap(), gaps, completed, started.elapsed())
    });
    assert_eq!(report.verified(), n, "{report:?}");
    // Each mailbox syncs at least five times (journal lines, the backup, audit records): at
    // 200 ms each the run spends seconds in fsync, and requests must keep completing during
    // every one of them.
    assert!(
        elapsed >= SLOW_FSYNC * 5,
        "the run took {elapsed:?}: the injected delay was not applied"
    );
    let worst = gaps.iter().max().copied().unwrap_or_default();
    assert!(
        completed >= 20,
        "only {completed} requests completed during a {elapsed:?} run"
    );
    assert!(
        worst < SLOW_FSYNC * 3 / 4,
        "a request waited {worst:?} (an fsync of {SLOW_FSYNC:?} blocked the executor); {completed} requests in {elapsed:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
