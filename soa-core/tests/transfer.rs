//! The transfer workflow on the simulated organization: plan, run, resume, rollback, restore,
//! tenant default, RBAC review — and every refusal.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::TimeDelta;
use soa_core::audit::{AuditAction, AuditLog};
use soa_core::exo::{AuditQuery, ExchangeOnline, MailboxChanges, MailboxFilter};
use soa_core::model::{AttributeValue, RecipientTypeDetails};
use soa_core::preflight::{Preflight, Requirements, SyncEnvironment, TenantState};
use soa_core::session::Session;
use soa_core::sim::{NewAdUser, SimulatedOrg};
use soa_core::transfer::{
    BackupStore, CancelToken, Decision, Journal, RollbackOptions, RunFolder, RunOptions, Selection,
    Step, TransferPolicy, check_offboarding, identities_from_csv,
};
use soa_core::{Error, ErrorKind};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "soa-transfer-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An organization with `n` licensed remote mailboxes user1..userN@contoso.com, synchronized,
/// and the clock moved past the settle rule.
fn org(n: usize) -> SimulatedOrg {
    let org = SimulatedOrg::new("contoso.com");
    for i in 1..=n {
        org.add_ad_user(NewAdUser {
            user_principal_name: format!("user{i}@contoso.com"),
            attributes: BTreeMap::from([
                ("displayName".to_owned(), format!("User {i}").into()),
                ("extensionAttribute1".to_owned(), format!("CC-{i}").into()),
            ]),
            remote_mailbox: Some(RecipientTypeDetails::RemoteUserMailbox),
            ..NewAdUser::default()
        })
        .unwrap();
    }
    org.sync_cycle();
    for i in 1..=n {
        org.assign_license(&format!("user{i}@contoso.com")).unwrap();
    }
    org.advance(TimeDelta::hours(25));
    org
}

/// The session every workflow takes: the organization as Exchange Online and as the
/// on-premises directory (its clock is the organization's virtual time).
fn session_on(org: &SimulatedOrg) -> Session {
    Session::new(Arc::new(org.clone())).with_directory(Arc::new(org.clone()))
}

fn policy() -> TransferPolicy {
    TransferPolicy {
        ticket: Some("CHG-1234".to_owned()),
        ..TransferPolicy::default()
    }
}

fn preflight() -> Preflight {
    Preflight {
        sync: SyncEnvironment {
            connect_sync_version: Some("2.5.190.0".parse().unwrap()),
            ..SyncEnvironment::default()
        },
        ..Preflight::default()
    }
}

fn ids(n: usize) -> Selection {
    Selection::Identities((1..=n).map(|i| format!("user{i}@contoso.com")).collect())
}

async fn flips_recorded(org: &SimulatedOrg, identity: &str) -> usize {
    org.search_admin_audit_log(&AuditQuery {
        parameter: Some("IsExchangeCloudManaged".into()),
        object: Some(identity.into()),
        ..AuditQuery::default()
    })
    .await
    .unwrap()
    .len()
}

#[tokio::test]
async fn plan_refuses_without_a_ticket_and_over_the_batch_cap() {
    let org = org(3);
    let session = session_on(&org);
    let no_ticket = TransferPolicy::default();
    let err = session
        .plan(&ids(3), &no_ticket, &preflight())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert!(err.to_string().contains("ticket"), "{err}");

    let small = TransferPolicy {
        batch_cap: 2,
        ..policy()
    };
    let err = session
        .plan(&ids(3), &small, &preflight())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert!(err.to_string().contains("batch cap of 2"), "{err}");

    // A filter selection defers the rest to a later wave instead.
    let p = session
        .plan(
            &Selection::Filter(MailboxFilter::default()),
            &small,
            &preflight(),
        )
        .await
        .unwrap();
    assert_eq!(p.go().count(), 2);
    assert!(p.entries.iter().any(|e| {
        e.reason
            .as_deref()
            .is_some_and(|r| r.contains("later wave"))
    }));
}

#[tokio::test]
async fn plan_skips_ineligible_recent_excluded_and_missing_mailboxes() {
    let org = org(3);
    let session = session_on(&org);
    org.add_cloud_mailbox("cloud@contoso.com", RecipientTypeDetails::UserMailbox)
        .unwrap();
    org.set_ad_attributes(
        "user2@contoso.com",
        &BTreeMap::from([("title".to_owned(), "Lead".into())]),
    )
    .unwrap();
    let p = TransferPolicy {
        exclusions: vec!["USER3@contoso.com".into()],
        ..policy()
    };
    let selection = Selection::Identities(vec![
        "user1@contoso.com".into(),
        "user2@contoso.com".into(),
        "user3@contoso.com".into(),
        "cloud@contoso.com".into(),
        "ghost@contoso.com".into(),
    ]);
    let plan = session.plan(&selection, &p, &preflight()).await.unwrap();
    let by: BTreeMap<&str, (&Decision, String)> = plan
        .entries
        .iter()
        .map(|e| {
            (
                e.identity.as_str(),
                (&e.decision, e.reason.clone().unwrap_or_default()),
            )
        })
        .collect();
    assert_eq!(*by["user1@contoso.com"].0, Decision::Go);
    assert!(
        by["user2@contoso.com"]
            .1
            .contains("recent_on_premises_change")
    );
    assert!(by["user3@contoso.com"].1.contains("excluded"));
    assert!(by["cloud@contoso.com"].1.contains("not_dir_synced"));
    assert!(by["ghost@contoso.com"].1.contains("no mailbox"));
    assert!(
        plan.directory_checked,
        "the settle rule read AD's whenChanged"
    );
    assert!(
        plan.summary()
            .contains("1 mailbox(es) to transfer, 0 deferred to later waves, 4 skipped"),
        "{}",
        plan.summary()
    );
}

#[tokio::test]
async fn run_backs_up_flips_verifies_and_journals() {
    let org = org(3);
    let session = session_on(&org).with_actor("ops@contoso.com").unwrap();
    let dir = temp_dir("run");
    let p = TransferPolicy {
        probe_attribute: Some("CustomAttribute15".into()),
        ..policy()
    };
    let plan = session.plan(&ids(3), &p, &preflight()).await.unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let options = RunOptions {
        progress: Some(Arc::new(move |e| sink.lock().unwrap().push(e.clone()))),
        ..RunOptions::default()
    };
    let report = session.run(&plan, &dir, &options).await.unwrap();
    assert_eq!(report.verified(), 3, "{report:?}");
    assert_eq!(report.failed(), 0);
    for i in 1..=3 {
        let id = format!("user{i}@contoso.com");
        let m = org.get_mailbox(&id).await.unwrap();
        assert!(m.is_exchange_cloud_managed);
        assert_eq!(m.custom_attribute(15), None, "probe value restored");
        assert_eq!(flips_recorded(&org, &id).await, 1);
        let backup = BackupStore::open(&dir.join("backups"))
            .unwrap()
            .read(&id)
            .unwrap();
        assert!(!backup.content.mailbox.is_exchange_cloud_managed);
        assert_eq!(
            backup.content.mailbox.custom_attribute(1),
            Some(format!("CC-{i}").as_str())
        );
        assert!(backup.content.ad.is_some());
    }
    let folder = RunFolder { dir: dir.clone() };
    let (_, entries) = Journal::open(&folder.journal()).unwrap();
    let steps: Vec<Step> = entries
        .iter()
        .filter(|e| e.identity == "user1@contoso.com")
        .map(|e| e.step)
        .collect();
    assert_eq!(
        steps,
        [
            Step::Planned,
            Step::BackedUp,
            Step::FlipSent,
            Step::Verified,
            Step::ProbeOk
        ]
    );
    let audit = AuditLog::read(&folder.audit()).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == AuditAction::Flip)
            .count(),
        3
    );
    assert!(
        audit
            .iter()
            .all(|e| e.ticket.as_deref() == Some("CHG-1234"))
    );
    // Every record names the session's actor and carries the organization's virtual time (which
    // does not move during the run), not the wall clock.
    assert!(audit.iter().all(|e| e.actor == "ops@contoso.com"));
    assert!(audit.iter().all(|e| e.time == org.now()), "{audit:?}");
    {
        let events = events.lock().unwrap();
        // One event per step, none repeated; the last step of each mailbox counts it done.
        let user1: Vec<Step> = events
            .iter()
            .filter(|e| e.identity == "user1@contoso.com")
            .map(|e| e.step)
            .collect();
        assert_eq!(user1, steps);
        assert!(events.iter().all(|e| e.total == 3));
        assert_eq!(events.iter().map(|e| e.done).max(), Some(3));
        assert_eq!(events.iter().filter(|e| e.step == Step::ProbeOk).count(), 3);
    }
    // Running again resumes: nothing is flipped twice.
    let again = session.resume(&dir, &options).await.unwrap();
    assert_eq!(again.verified(), 3);
    assert_eq!(flips_recorded(&org, "user2@contoso.com").await, 1);
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    let org = org(2);
    let session = session_on(&org);
    let dir = temp_dir("dry");
    let plan = session
        .plan(&ids(2), &policy(), &preflight())
        .await
        .unwrap();
    let options = RunOptions {
        dry_run: true,
        ..RunOptions::default()
    };
    let report = session.run(&plan, &dir, &options).await.unwrap();
    assert!(report.dry_run);
    assert_eq!(report.results.len(), 2);
    assert!(
        !org.get_mailbox("user1@contoso.com")
            .await
            .unwrap()
            .is_exchange_cloud_managed
    );
    assert!(dir.join("plan.json").exists());
    assert!(!dir.join("journal.jsonl").exists());
}

#[tokio::test]
async fn a_blocked_organization_refuses_the_run() {
    let org = org(1);
    let session = session_on(&org);
    let old = Preflight {
        sync: SyncEnvironment {
            connect_sync_version: Some("2.5.79.0".parse().unwrap()),
            ..SyncEnvironment::default()
        },
        ..Preflight::default()
    };
    let plan = session.plan(&ids(1), &policy(), &old).await.unwrap();
    assert!(plan.is_blocked());
    let dir = temp_dir("blocked");
    let err = session
        .run(&plan, &dir, &RunOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert!(err.to_string().contains("2.5.79.0"), "{err}");
    let audit = AuditLog::read(&dir.join("audit.jsonl")).unwrap();
    assert_eq!(audit[0].action, AuditAction::Refusal);
    assert_eq!(
        audit[0].actor,
        org.principal(),
        "the backend's principal by default"
    );
    assert!(
        !org.get_mailbox("user1@contoso.com")
            .await
            .unwrap()
            .is_exchange_cloud_managed
    );
}

#[tokio::test]
async fn resume_after_a_crash_between_flip_and_journal_does_not_flip_twice() {
    let org = org(3);
    let session = session_on(&org);
    let dir = temp_dir("crash");
    let plan = session
        .plan(&ids(3), &policy(), &preflight())
        .await
        .unwrap();
    // Simulate a run killed after user1's flip applied but before "verified" was journaled,
    // and after user2's "flip_sent" was journaled but before the flip was sent.
    let folder = RunFolder { dir: dir.clone() };
    plan.save(&folder.plan()).unwrap();
    let store = BackupStore::open(&folder.backups()).unwrap();
    for id in ["user1@contoso.com", "user2@contoso.com"] {
        let m = org.get_mailbox(id).await.unwrap();
        store
            .write(
                &soa_core::transfer::Backup::new(soa_core::transfer::BackupContent {
                    format: soa_core::transfer::BACKUP_FORMAT,
                    run_id: plan.run_id.clone(),
                    taken_at: chrono::Utc::now(),
                    identity: id.to_owned(),
                    mailbox: m,
                    user: None,
                    ad: None,
                })
                .unwrap(),
            )
            .unwrap();
    }
    {
        let (journal, _) = Journal::open(&folder.journal()).unwrap();
        for id in ["user1@contoso.com", "user2@contoso.com"] {
            journal.append(id, Step::Planned, None).unwrap();
            journal.append(id, Step::BackedUp, None).unwrap();
            journal.append(id, Step::FlipSent, None).unwrap();
        }
    }
    org.set_cloud_managed("user1@contoso.com", true)
        .await
        .unwrap();
    // A line cut short by the kill.
    std::fs::OpenOptions::new()
        .append(true)
        .open(folder.journal())
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"time\":\"2026-11-"))
        .unwrap();

    let report = session.resume(&dir, &RunOptions::default()).await.unwrap();
    assert_eq!(report.verified(), 3, "{report:?}");
    for i in 1..=3 {
        let id = format!("user{i}@contoso.com");
        assert_eq!(
            flips_recorded(&org, &id).await,
            1,
            "{id} flipped exactly once"
        );
        assert!(store.read(&id).is_ok(), "{id} has a readable backup");
    }
    let r1 = &report.results[0];
    assert_eq!(r1.reason.as_deref(), Some("found applied on resume"));
}

#[tokio::test]
async fn cancellation_stops_and_resume_finishes() {
    let org = org(3);
    let session = session_on(&org);
    let dir = temp_dir("cancel");
    let plan = session
        .plan(&ids(3), &policy(), &preflight())
        .await
        .unwrap();
    let cancel = CancelToken::new();
    cancel.cancel();
    let options = RunOptions {
        cancel: Some(cancel),
        ..RunOptions::default()
    };
    let report = session.run(&plan, &dir, &options).await.unwrap();
    assert!(report.cancelled);
    assert_eq!(report.verified(), 0);
    let report = session.resume(&dir, &RunOptions::default()).await.unwrap();
    assert_eq!(report.verified(), 3);
}

#[tokio::test]
async fn already_cloud_managed_mailboxes_are_never_touched() {
    let org = org(1);
    let session = session_on(&org);
    let plan = session
        .plan(&ids(1), &policy(), &preflight())
        .await
        .unwrap();
    // Someone else flips it between the plan and the run.
    org.set_cloud_managed("user1@contoso.com", true)
        .await
        .unwrap();
    let dir = temp_dir("other");
    let report = session
        .run(&plan, &dir, &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(report.failed(), 1);
    assert!(
        report.results[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("already cloud-managed")
    );
    assert_eq!(flips_recorded(&org, "user1@contoso.com").await, 1);
}

#[tokio::test]
async fn rollback_needs_acknowledgment_or_export() {
    let org = org(1);
    let id = "user1@contoso.com";
    org.set_cloud_managed(id, true).await.unwrap();
    org.set_mailbox(
        id,
        &MailboxChanges::set("HiddenFromAddressListsEnabled", true),
    )
    .await
    .unwrap();
    let dir = temp_dir("rollback");
    let audit = dir.join("audit.jsonl");
    let session = session_on(&org);
    let err = session
        .rollback(id, &RollbackOptions::default(), Some(&audit))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert!(
        err.to_string().contains("HiddenFromAddressListsEnabled"),
        "{err}"
    );
    assert!(org.get_mailbox(id).await.unwrap().is_exchange_cloud_managed);

    let export = dir.join("loss.json");
    let out = session
        .rollback(
            id,
            &RollbackOptions {
                export_to: Some(export.clone()),
                ..RollbackOptions::default()
            },
            Some(&audit),
        )
        .await
        .unwrap();
    assert!(out.rolled_back);
    assert!(out.directory_checked, "AD's values were read for the loss");
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    assert_eq!(
        exported["loss"]["entries"][0]["attribute"],
        "HiddenFromAddressListsEnabled"
    );
    // And the next sync does what the report said.
    let report = org.sync_cycle();
    assert_eq!(
        report.overwritten,
        [(id.to_owned(), "HiddenFromAddressListsEnabled".to_owned())]
    );
    let actions: Vec<AuditAction> = AuditLog::read(&audit)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, [AuditAction::Refusal, AuditAction::Rollback]);
    // Offboarding is refused while cloud-managed, allowed after the rollback.
    assert!(check_offboarding(&org.get_mailbox(id).await.unwrap()).is_ok());
}

#[tokio::test]
async fn restore_re_applies_a_backup_in_the_cloud_and_as_a_script() {
    let org = org(1);
    let session = session_on(&org);
    let id = "user1@contoso.com";
    let dir = temp_dir("restore");
    let plan = session
        .plan(&ids(1), &policy(), &preflight())
        .await
        .unwrap();
    session
        .run(&plan, &dir, &RunOptions::default())
        .await
        .unwrap();
    org.set_mailbox(id, &MailboxChanges::set("CustomAttribute1", "clobbered"))
        .await
        .unwrap();
    let store = BackupStore::open(&dir.join("backups")).unwrap();
    let backup = store.read(id).unwrap();
    let dry = session.restore_in_cloud(&backup, true).await.unwrap();
    assert_eq!(
        dry.changes.set["CustomAttribute1"],
        AttributeValue::from("CC-1")
    );
    assert_eq!(
        org.get_mailbox(id).await.unwrap().custom_attribute(1),
        Some("clobbered")
    );
    let done = session.restore_in_cloud(&backup, false).await.unwrap();
    assert!(done.verified);
    assert_eq!(
        org.get_mailbox(id).await.unwrap().custom_attribute(1),
        Some("CC-1")
    );

    // The on-premises script quotes every value.
    let mut hostile = backup.clone();
    hostile.content.mailbox.custom_attributes[0] = Some("x'; Remove-Item C:\\ -Recurse; '".into());
    let script = session.restore_script(&hostile);
    assert!(
        script.contains("-Replace @{extensionAttribute1='x''; Remove-Item C:\\ -Recurse; '''}"),
        "{script}"
    );
}

#[tokio::test]
async fn a_damaged_backup_is_detected() {
    let dir = temp_dir("damaged");
    let org = org(1);
    let session = session_on(&org);
    let plan = session
        .plan(&ids(1), &policy(), &preflight())
        .await
        .unwrap();
    session
        .run(&plan, &dir, &RunOptions::default())
        .await
        .unwrap();
    let store = BackupStore::open(&dir.join("backups")).unwrap();
    let path = store.path_for("user1@contoso.com");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("CC-1", "CC-9")).unwrap();
    let err = store.read("user1@contoso.com").unwrap_err();
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    assert_eq!(
        store.read("user1@contoso.com").unwrap_err().kind(),
        ErrorKind::Json
    );
}

#[tokio::test]
async fn tenant_default_is_gated() {
    let org = org(1);
    let busy = TenantState {
        on_premises_provisioning_in_use: true,
        ..TenantState::default()
    };
    let session = session_on(&org);
    let err = session
        .enable_cloud_managed_by_default(&busy, &Requirements::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Refused { .. }));
    assert!(err.to_string().contains("identity-only"), "{err}");
    assert!(!org.cloud_managed_by_default());
    session
        .enable_cloud_managed_by_default(&TenantState::default(), &Requirements::default())
        .await
        .unwrap();
    assert!(org.cloud_managed_by_default());
}

#[tokio::test]
async fn rbac_review_lists_holders_and_confining_commands() {
    let org = org(1);
    let report = session_on(&org).rbac_review("SOA Operators").await.unwrap();
    assert!(
        report
            .assignments
            .iter()
            .any(|a| a.assignee == "admin@contoso.com")
    );
    assert!(
        report
            .commands
            .iter()
            .any(|c| c.contains("-Parameters Identity,IsExchangeCloudManaged"))
    );
    assert!(
        report
            .commands
            .iter()
            .any(|c| c.starts_with("New-RoleGroup -Name 'SOA Operators'"))
    );
}

#[test]
fn csv_selections() {
    let csv = "#TYPE Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox\n\"DisplayName\",\"UserPrincipalName\"\n\"A\",\"a@contoso.com\"\n\"B\",\"\"\n\"A again\",\"A@contoso.com\"\n\"C\",\"c@contoso.com\"\n";
    assert_eq!(
        identities_from_csv(csv.as_bytes(), "wave1.csv").unwrap(),
        ["a@contoso.com", "c@contoso.com"]
    );
    let err = identities_from_csv("Name,Office\nx,y\n".as_bytes(), "wave2.csv").unwrap_err();
    assert!(err.to_string().contains("wave2.csv"), "{err}");
    assert!(err.to_string().contains("no identity column"), "{err}");
    let err = identities_from_csv("Identity,Other\na,b\nc\n".as_bytes(), "wave3.csv").unwrap_err();
    assert!(err.to_string().contains("row 3"), "{err}");
}
