//! The session model: every default decided once in the core (actor, clock, catalog, the
//! directory stated when missing), and the reference run of the cross-front-end scenario that
//! the Python, C and C# suites compare their audit logs with.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::TimeDelta;
use futures_util::StreamExt;
use soa_core::ErrorKind;
use soa_core::audit::{AuditAction, AuditLog};
use soa_core::exo::MailboxFilter;
use soa_core::model::{AttributeValue, RecipientTypeDetails};
use soa_core::preflight::{FindingCode, Requirements};
use soa_core::session::Session;
use soa_core::sim::{NewAdUser, SimulatedOrg};
use soa_core::transfer::{Decision, RollbackOptions, RunOptions, Selection, TransferPolicy};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "soa-session-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One synced, licensed remote mailbox, settled (the clock moved past the settle rule).
fn org_with_one_mailbox() -> SimulatedOrg {
    let org = SimulatedOrg::new("contoso.com");
    org.add_ad_user(NewAdUser {
        user_principal_name: "ann@contoso.com".to_owned(),
        attributes: BTreeMap::from([("displayName".to_owned(), "Ann".into())]),
        remote_mailbox: Some(RecipientTypeDetails::RemoteUserMailbox),
        ..NewAdUser::default()
    })
    .unwrap();
    org.sync_cycle();
    org.assign_license("ann@contoso.com").unwrap();
    org.advance(TimeDelta::hours(25));
    org
}

fn policy(ticket: &str) -> TransferPolicy {
    TransferPolicy {
        ticket: Some(ticket.to_owned()),
        ..TransferPolicy::default()
    }
}

#[test]
fn defaults_come_from_the_backend_and_an_empty_actor_is_refused() {
    let org = SimulatedOrg::generate(20, 3);
    let session = Session::new(Arc::new(org.clone()));
    assert_eq!(session.actor(), org.principal());
    assert_eq!(session.now(), org.now());
    assert_eq!(session.catalog().len(), org.catalog().len());
    assert!(session.directory().is_none());

    // The simulated clock moves, and the session reads it.
    org.advance(TimeDelta::hours(2));
    assert_eq!(session.now(), org.now());

    // Another principal of the same organization is the default actor of its session.
    let other = org.as_principal("ops@contoso.com");
    assert_eq!(Session::new(Arc::new(other)).actor(), "ops@contoso.com");

    for blank in ["", "   ", "\t"] {
        let err = Session::new(Arc::new(org.clone()))
            .with_actor(blank)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{blank:?}: {err}");
        assert!(err.to_string().contains("actor"), "{err}");
    }
    let named = Session::new(Arc::new(org))
        .with_actor("change-bot")
        .unwrap();
    assert_eq!(named.actor(), "change-bot");
}

#[tokio::test]
async fn a_plan_without_a_directory_says_so_and_one_with_it_sees_unsynced_changes() {
    let org = org_with_one_mailbox();
    // An on-premises change that no sync cycle has carried yet.
    org.set_ad_attributes(
        "ann@contoso.com",
        &BTreeMap::from([(
            "extensionAttribute2".to_owned(),
            AttributeValue::from("changed on-premises"),
        )]),
    )
    .unwrap();
    let selection = Selection::Identities(vec!["ann@contoso.com".to_owned()]);

    let cloud_only = Session::new(Arc::new(org.clone()));
    let preflight = cloud_only
        .gather_preflight(Requirements::default())
        .await
        .unwrap();
    let plan = cloud_only
        .plan(&selection, &policy("CHG-7"), &preflight)
        .await
        .unwrap();
    assert!(!plan.directory_checked);
    let entry = &plan.entries[0];
    assert_eq!(entry.decision, Decision::Go, "{entry:?}");
    assert!(
        entry
            .findings
            .iter()
            .any(|f| f.code == FindingCode::SettleRuleUnchecked),
        "{entry:?}"
    );

    let with_ad = cloud_only.with_directory(Arc::new(org.clone()));
    let plan = with_ad
        .plan(&selection, &policy("CHG-7"), &preflight)
        .await
        .unwrap();
    assert!(plan.directory_checked);
    let entry = &plan.entries[0];
    assert_eq!(entry.decision, Decision::Skip, "{entry:?}");
    assert!(
        entry
            .findings
            .iter()
            .any(|f| f.code == FindingCode::RecentOnPremisesChange),
        "{entry:?}"
    );
    assert!(
        !entry
            .findings
            .iter()
            .any(|f| f.code == FindingCode::SettleRuleUnchecked)
    );
}

#[tokio::test]
async fn runs_and_rollbacks_record_the_session_actor_and_clock() {
    let org = org_with_one_mailbox();
    let session = Session::new(Arc::new(org.clone()))
        .with_directory(Arc::new(org.clone()))
        .with_actor("ops@contoso.com")
        .unwrap();
    let preflight = session
        .gather_preflight(Requirements::default())
        .await
        .unwrap();
    let plan = session
        .plan(
            &Selection::Identities(vec!["ann@contoso.com".to_owned()]),
            &policy("CHG-8"),
            &preflight,
        )
        .await
        .unwrap();
    let dir = temp_dir("actor");
    let report = session
        .run(&plan, &dir, &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(report.verified(), 1, "{report:?}");
    let audit = dir.join("audit.jsonl");
    let outcome = session
        .rollback(
            "ann@contoso.com",
            &RollbackOptions {
                acknowledge_loss: true,
                ..RollbackOptions::default()
            },
            Some(&audit),
        )
        .await
        .unwrap();
    assert!(outcome.rolled_back && outcome.directory_checked);
    let events = AuditLog::read(&audit).unwrap();
    assert!(events.len() >= 3, "{events:?}");
    for e in &events {
        assert_eq!(e.actor, "ops@contoso.com", "{e:?}");
        // Virtual time: every record carries the organization's clock, not the system's.
        assert_eq!(e.time, org.now(), "{e:?}");
    }
    assert_eq!(events.last().unwrap().action, AuditAction::Rollback);
}

#[tokio::test]
async fn a_rollback_without_a_directory_reports_every_cloud_value_at_risk() {
    let org = org_with_one_mailbox();
    let session = Session::new(Arc::new(org.clone())).with_directory(Arc::new(org.clone()));
    let preflight = session
        .gather_preflight(Requirements::default())
        .await
        .unwrap();
    let plan = session
        .plan(
            &Selection::Identities(vec!["ann@contoso.com".to_owned()]),
            &policy("CHG-9"),
            &preflight,
        )
        .await
        .unwrap();
    session
        .run(&plan, &temp_dir("nodir"), &RunOptions::default())
        .await
        .unwrap();
    let blind = Session::new(Arc::new(org));
    let err = blind
        .rollback("ann@contoso.com", &RollbackOptions::default(), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "{err}");
    assert!(
        err.to_string().contains("No on-premises directory"),
        "{err}"
    );
}

/// Where the cross-front-end scenario's reference file goes: the workspace's
/// `target/test-artifacts/scenario/` (`SOA_ROOT` names the workspace when the test script runs).
fn scenario_dir() -> PathBuf {
    let root = std::env::var_os("SOA_ROOT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join(".."),
        PathBuf::from,
    );
    root.join("target").join("test-artifacts").join("scenario")
}

/// The scenario every front end runs: the first dir-synced, not yet cloud-managed mailbox of a
/// generated organization (200 recipients, seed 11) is planned (ticket CHG-1, batch cap 1, no
/// probe), transferred and rolled back (loss acknowledged), all into one audit log, which is
/// returned normalized.
async fn scenario(run_dir: &Path) -> String {
    let org = SimulatedOrg::generate(200, 11);
    let session = Session::new(Arc::new(org.clone())).with_directory(Arc::new(org));
    let first = session
        .list_mailboxes(MailboxFilter {
            dir_synced: Some(true),
            cloud_managed: Some(false),
            ..MailboxFilter::default()
        })
        .next()
        .await
        .unwrap()
        .unwrap();
    let upn = first.user_principal_name.unwrap();
    let preflight = session
        .gather_preflight(Requirements::default())
        .await
        .unwrap();
    let policy = TransferPolicy {
        ticket: Some("CHG-1".to_owned()),
        batch_cap: 1,
        probe_attribute: None,
        ..TransferPolicy::default()
    };
    let plan = session
        .plan(
            &Selection::Identities(vec![upn.clone()]),
            &policy,
            &preflight,
        )
        .await
        .unwrap();
    assert_eq!(plan.counts().go, 1, "{}", plan.summary());
    let report = session
        .run(&plan, run_dir, &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(report.verified(), 1, "{report:?}");
    let audit = run_dir.join("audit.jsonl");
    let outcome = session
        .rollback(
            &upn,
            &RollbackOptions {
                acknowledge_loss: true,
                ticket: Some("CHG-1".to_owned()),
                ..RollbackOptions::default()
            },
            Some(&audit),
        )
        .await
        .unwrap();
    assert!(outcome.rolled_back);
    AuditLog::read_normalized(&audit).unwrap()
}

#[tokio::test]
async fn the_cross_front_end_scenario_is_deterministic_and_written_for_the_other_suites() {
    let first = scenario(&temp_dir("scenario-a")).await;
    let second = scenario(&temp_dir("scenario-b")).await;
    assert_eq!(first, second, "two runs of the scenario differ");
    let lines: Vec<&str> = first.lines().collect();
    // backup, flip, rollback — each naming the session's default actor (the principal).
    assert_eq!(lines.len(), 3, "{first}");
    assert!(lines[0].contains("\"action\":\"backup\""), "{first}");
    assert!(lines[1].contains("\"action\":\"flip\""), "{first}");
    assert!(lines[2].contains("\"action\":\"rollback\""), "{first}");
    let principal = SimulatedOrg::generate(200, 11).principal().to_owned();
    for line in &lines {
        assert!(
            line.contains(&format!("\"actor\":\"{principal}\"")),
            "{line}"
        );
        assert!(
            !line.contains("\"time\"") && !line.contains("\"run_id\""),
            "{line}"
        );
    }
    let dir = scenario_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rust.jsonl"), &first).unwrap();
}
