//! The transfer workflow over HTTP against the emulator: killed and resumed, and under faults.
#![allow(clippy::unwrap_used)]

mod support {
    pub mod crash;
}

use std::sync::Arc;
use std::time::Duration;

use soa_core::exo::{AuditQuery, ExchangeOnline};
use soa_core::preflight::{Preflight, SyncEnvironment};
use soa_core::session::Session;
use soa_core::sim::emulator::{Emulator, EmulatorOptions, Faults};
use soa_core::transfer::{RunOptions, Selection, Step, TransferPolicy};
use support::crash;

/// Not a test on its own: the crash test runs this test binary again with the worker
/// environment set, and this entry point then resumes the run until it is killed.
#[test]
#[ignore = "entry point of the crash test's child process"]
fn crash_worker() {
    if std::env::var_os(crash::WORKER_ENV).is_some() {
        crash::worker_main();
    }
}

#[test]
fn killed_runs_resume_with_every_mailbox_flipped_exactly_once() {
    let exe = std::env::current_exe().unwrap();
    let root = std::env::temp_dir().join(format!("soa-crash-test-{}", std::process::id()));
    let args = ["crash_worker", "--exact", "--ignored", "--nocapture"];
    let mut kills = 0;
    for trial_no in 0..3u64 {
        let trial = crash::setup(500, &root, usize::try_from(trial_no).unwrap());
        // Two kills at random moments, each followed by a new worker that resumes.
        for k in 0..2u64 {
            let after = crash::delay(
                trial_no * 7 + k,
                Duration::from_millis(30),
                Duration::from_millis(600),
            );
            if crash::run_and_kill(&exe, &args, &trial, after) {
                kills += 1;
            }
        }
        if let Err(violation) = crash::finish_and_check(&trial) {
            panic!("trial {trial_no}: {violation}");
        }
    }
    assert!(
        kills >= 3,
        "the workers were killed mid-run ({kills} kills)"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_at_twenty_percent_lose_nothing_and_apply_nothing_twice() {
    let n = 150;
    let org = crash::org(n);
    let faults = Faults {
        unavailable_rate: 0.04,
        drop_before_rate: 0.04,
        drop_after_apply_rate: 0.04,
        transient_error_rate: 0.04,
        applied_but_error_rate: 0.04,
        ..Faults::default()
    };
    let emulator = Emulator::start(
        org.clone(),
        EmulatorOptions {
            faults,
            seed: 20,
            ..EmulatorOptions::default()
        },
    )
    .await
    .unwrap();
    let token = emulator.issue_token(org.principal());
    let client = crash::client(emulator.base_url(), emulator.tenant(), &token);
    let ids = crash::ids(n);
    let policy = TransferPolicy {
        ticket: Some("CHG-FAULTS".into()),
        batch_cap: n,
        max_concurrency: 8,
        ..TransferPolicy::default()
    };
    let preflight = Preflight {
        sync: SyncEnvironment {
            connect_sync_version: Some(org.connect_sync_version()),
            ..SyncEnvironment::default()
        },
        ..Preflight::default()
    };
    // Exchange Online over the faulty gateway, AD (and the clock) from the organization.
    let session = Session::new(Arc::new(client)).with_directory(Arc::new(org.clone()));
    // Planning reads through the faulty gateway too.
    let plan = session
        .plan(&Selection::Identities(ids.clone()), &policy, &preflight)
        .await
        .unwrap();
    assert!(plan.directory_checked);
    let dir = std::env::temp_dir().join(format!("soa-faults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let report = session
        .run(&plan, &dir, &RunOptions::default())
        .await
        .unwrap();
    let stats = emulator.stats();
    assert!(stats.faults_total() > 20, "faults were injected: {stats:?}");

    let flips = org
        .search_admin_audit_log(&AuditQuery {
            parameter: Some("IsExchangeCloudManaged".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    for r in &report.results {
        let applied = flips.iter().filter(|f| f.object == r.identity).count();
        assert!(applied <= 1, "{} applied {applied} times", r.identity);
        let managed = org.mailbox(&r.identity).unwrap().is_exchange_cloud_managed;
        match r.step {
            Step::Verified => assert!(managed, "{} reported done but is not", r.identity),
            Step::Failed => assert!(
                r.reason.as_deref().is_some_and(|s| !s.is_empty()),
                "{} failed without a reason",
                r.identity
            ),
            other => panic!("{} ended at {other:?}", r.identity),
        }
    }
    assert_eq!(report.results.len(), n);
    assert!(
        report.verified() >= n * 8 / 10,
        "most mailboxes got through: {}",
        report.verified()
    );

    // Without faults, a resume finishes the rest, still flipping each mailbox once.
    emulator.set_faults(Faults::none()).unwrap();
    let again = session.resume(&dir, &RunOptions::default()).await.unwrap();
    assert_eq!(
        again.verified(),
        n,
        "{:?}",
        again.results.iter().find(|r| r.step == Step::Failed)
    );
    let flips = org
        .search_admin_audit_log(&AuditQuery {
            parameter: Some("IsExchangeCloudManaged".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(flips.len(), n, "exactly one flip per mailbox");
    let _ = std::fs::remove_dir_all(&dir);
    emulator.shutdown().await;
}
