//! A run folder's integrity: one process at a time (an OS advisory lock, released when the
//! holder dies), a plan that cannot be swapped under a run, and logs that survive a torn write.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use soa_core::ErrorKind;
use soa_core::audit::AuditLog;
use soa_core::exo::{AuditQuery, ExchangeOnline};
use soa_core::model::RecipientTypeDetails;
use soa_core::preflight::Requirements;
use soa_core::session::Session;
use soa_core::sim::{NewAdUser, SimulatedOrg};
use soa_core::transfer::{Journal, RunFolder, RunOptions, Selection, Step, TransferPolicy};

const HOLDER_ENV: &str = "SOA_TEST_LOCK_HOLDER";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "soa-run-folder-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn org(n: usize) -> SimulatedOrg {
    let org = SimulatedOrg::new("contoso.com");
    for i in 0..n {
        org.add_ad_user(NewAdUser {
            user_principal_name: format!("u{i}@contoso.com"),
            attributes: BTreeMap::from([("displayName".to_owned(), format!("U {i}").into())]),
            remote_mailbox: Some(RecipientTypeDetails::RemoteUserMailbox),
            ..NewAdUser::default()
        })
        .unwrap();
    }
    org.sync_cycle();
    for i in 0..n {
        org.assign_license(&format!("u{i}@contoso.com")).unwrap();
    }
    org.advance(TimeDelta::hours(25));
    org
}

async fn planned(session: &Session, n: usize, ticket: &str) -> soa_core::transfer::Plan {
    let preflight = session
        .gather_preflight(Requirements::default())
        .await
        .unwrap();
    session
        .plan(
            &Selection::Identities((0..n).map(|i| format!("u{i}@contoso.com")).collect()),
            &TransferPolicy {
                ticket: Some(ticket.to_owned()),
                batch_cap: n,
                ..TransferPolicy::default()
            },
            &preflight,
        )
        .await
        .unwrap()
}

async fn flips(org: &SimulatedOrg) -> usize {
    org.search_admin_audit_log(&AuditQuery {
        parameter: Some("IsExchangeCloudManaged".into()),
        ..AuditQuery::default()
    })
    .await
    .unwrap()
    .len()
}

/// Not a test on its own: the lock test runs this binary again to hold a run's lock in another
/// process, which it then kills.
#[test]
#[ignore = "entry point of the lock test's child process"]
fn lock_holder() {
    if let Some(dir) = std::env::var_os(HOLDER_ENV) {
        let folder = RunFolder {
            dir: PathBuf::from(dir),
        };
        let _lock = folder.acquire().unwrap();
        println!("locked");
        std::io::stdout().flush().unwrap();
        std::thread::sleep(Duration::from_secs(60));
    }
}

/// Waits until the child says it holds the lock; returns its output, kept open so that the
/// child's later prints do not fail.
fn wait_for_lock(child: &mut std::process::Child) -> impl std::io::BufRead + use<> {
    use std::io::BufRead;
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let n = out.read_line(&mut line).unwrap();
        assert!(
            n > 0,
            "the lock holder ended without taking the lock: {seen}"
        );
        if line.trim() == "locked" {
            return out;
        }
        seen.push_str(&line);
    }
}

#[tokio::test]
async fn a_second_process_is_refused_while_the_lock_is_held_and_admitted_after_a_kill() {
    let org = org(3);
    let session = Session::new(Arc::new(org.clone())).with_directory(Arc::new(org.clone()));
    let dir = temp_dir("lock");
    let plan = planned(&session, 3, "CHG-LOCK").await;
    plan.save(&dir.join("plan.json")).unwrap();

    let mut holder = Command::new(std::env::current_exe().unwrap())
        .args(["lock_holder", "--exact", "--ignored", "--nocapture"])
        .env(HOLDER_ENV, &dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _output = wait_for_lock(&mut holder);

    let err = session
        .resume(&dir, &RunOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "{err}");
    assert!(err.to_string().contains("lock"), "{err}");
    let err = session
        .run(&plan, &dir, &RunOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "{err}");
    assert_eq!(flips(&org).await, 0, "nothing flipped while refused");

    // SIGKILL: the operating system releases the lock with the process.
    holder.kill().unwrap();
    holder.wait().unwrap();
    let report = session.resume(&dir, &RunOptions::default()).await.unwrap();
    assert_eq!(report.verified(), 3, "{report:?}");
    assert_eq!(flips(&org).await, 3);
}

#[tokio::test]
async fn two_concurrent_resumes_flip_nothing_twice_and_one_is_refused_while_the_other_runs() {
    let org = org(8);
    let session = Session::new(Arc::new(org.clone())).with_directory(Arc::new(org.clone()));
    let dir = temp_dir("concurrent");
    let plan = planned(&session, 8, "CHG-TWO").await;
    plan.save(&dir.join("plan.json")).unwrap();
    // While one holds the lock, the other is refused at once.
    let folder = RunFolder { dir: dir.clone() };
    let held = folder.acquire().unwrap();
    assert_eq!(folder.acquire().unwrap_err().kind(), ErrorKind::Refused);
    drop(held);
    let options = RunOptions::default();
    let (a, b) = tokio::join!(
        session.resume(&dir, &options),
        session.resume(&dir, &options)
    );
    let outcomes = [&a, &b];
    assert!(outcomes.iter().any(|r| r.is_ok()), "{a:?} {b:?}");
    for r in outcomes {
        if let Err(e) = r {
            assert_eq!(e.kind(), ErrorKind::Refused, "{e}");
        }
    }
    assert_eq!(flips(&org).await, 8, "every mailbox flipped exactly once");
}

#[tokio::test]
async fn a_run_refuses_a_different_plan_in_a_folder_that_holds_one() {
    let org = org(2);
    let session = Session::new(Arc::new(org.clone())).with_directory(Arc::new(org));
    let dir = temp_dir("swap");
    let first = planned(&session, 1, "CHG-A").await;
    let report = session
        .run(
            &first,
            &dir,
            &RunOptions {
                dry_run: true,
                ..RunOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(report.dry_run);
    let second = planned(&session, 2, "CHG-B").await;
    let err = session
        .run(&second, &dir, &RunOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "{err}");
    assert!(err.to_string().contains(&first.run_id), "{err}");
    // The same plan again is the same run.
    session
        .run(&first, &dir, &RunOptions::default())
        .await
        .unwrap();
}

fn append(path: &Path, bytes: &[u8]) {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

#[tokio::test]
async fn torn_and_damaged_audit_lines_do_not_make_the_log_unreadable() {
    let org = org(2);
    let session = Session::new(Arc::new(org.clone())).with_directory(Arc::new(org));
    let dir = temp_dir("audit");
    let plan = planned(&session, 1, "CHG-AUDIT").await;
    session
        .run(&plan, &dir, &RunOptions::default())
        .await
        .unwrap();
    let path = dir.join("audit.jsonl");
    let before = AuditLog::read(&path).unwrap().len();
    assert!(before >= 2);

    // A crash mid-write leaves half a line; reopening cuts it, and the next event is whole.
    append(
        &path,
        br#"{"time":"2026-01-01T00:00:00Z","run_id":"x","act"#,
    );
    assert!(AuditLog::scan(&path).unwrap().torn_tail);
    assert_eq!(AuditLog::read(&path).unwrap().len(), before);
    let log = AuditLog::open(&path).unwrap();
    let mut event = AuditLog::read(&path).unwrap()[0].clone();
    event.reason = Some("after the repair".to_owned());
    log.record(&event).unwrap();
    let events = AuditLog::read(&path).unwrap();
    assert_eq!(events.len(), before + 1);
    assert_eq!(
        events.last().unwrap().reason.as_deref(),
        Some("after the repair")
    );

    // A damaged line in the middle: read names it, scan reads past it.
    append(&path, b"not json at all\n");
    log.record(&event).unwrap();
    let err = AuditLog::read(&path).unwrap_err();
    assert!(
        err.to_string().contains(&format!("line {}", before + 2)),
        "{err}"
    );
    let scan = AuditLog::scan(&path).unwrap();
    assert_eq!(scan.events.len(), before + 2);
    assert_eq!(scan.damaged.len(), 1);
    assert_eq!(scan.damaged[0].line, before + 2);
}

#[test]
fn a_torn_journal_line_is_cut_and_the_next_entry_starts_a_line_of_its_own() {
    let dir = temp_dir("journal");
    let path = dir.join("journal.jsonl");
    {
        let (journal, _) = Journal::open(&path).unwrap();
        journal
            .append("a@contoso.com", Step::Planned, None)
            .unwrap();
    }
    append(
        &path,
        br#"{"time":"2026-01-01T00:00:00Z","identity":"b@con"#,
    );
    let (journal, entries) = Journal::open(&path).unwrap();
    assert_eq!(entries.len(), 1);
    journal
        .append("b@contoso.com", Step::Planned, None)
        .unwrap();
    let (_, entries) = Journal::open(&path).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].identity, "b@contoso.com");
}
