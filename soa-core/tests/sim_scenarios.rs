//! Scenario tests of the simulated organization: the documented paths of an SOA transfer.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::TimeDelta;
use soa_core::authority::rollback_loss_for_mailbox;
use soa_core::exo::{AuditQuery, ExchangeOnline, MailboxChanges};
use soa_core::model::{AttributeValue, RecipientTypeDetails, SyncVersion};
use soa_core::sim::{CloudSyncAgent, CycleReport, EXCHANGE_MANAGED_ERROR, NewAdUser, SimulatedOrg};
use soa_core::{Error, ErrorKind};

fn attrs(pairs: &[(&str, AttributeValue)]) -> BTreeMap<String, AttributeValue> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// An organization with one licensed remote mailbox, alice@contoso.com, synchronized.
fn org_with_alice() -> SimulatedOrg {
    let org = SimulatedOrg::new("contoso.com");
    org.add_ad_user(NewAdUser {
        user_principal_name: "alice@contoso.com".into(),
        attributes: attrs(&[
            ("displayName", "Alice Wong".into()),
            ("department", "Finance".into()),
            ("extensionAttribute1", "CC-100".into()),
        ]),
        remote_mailbox: Some(RecipientTypeDetails::RemoteUserMailbox),
        ..NewAdUser::default()
    })
    .unwrap();
    let report = org.sync_cycle();
    assert_eq!(report.created, ["alice@contoso.com"]);
    org.assign_license("alice@contoso.com").unwrap();
    org
}

#[tokio::test]
async fn synced_mailbox_carries_ad_values() {
    let org = org_with_alice();
    let m = org.get_mailbox("alice@contoso.com").await.unwrap();
    assert_eq!(
        m.recipient_type_details,
        Some(RecipientTypeDetails::UserMailbox)
    );
    assert!(m.is_dir_synced);
    assert!(!m.is_exchange_cloud_managed);
    assert_eq!(m.custom_attribute(1), Some("CC-100"));
    assert_eq!(m.display_name.as_deref(), Some("Alice Wong"));
    assert_eq!(m.primary_smtp_address.as_deref(), Some("alice@contoso.com"));
    assert!(
        m.email_addresses
            .contains(&"smtp:alice@contoso.mail.onmicrosoft.com".to_owned())
    );
    // Found by every identity form.
    for id in [
        "ALICE@contoso.com",
        "alice",
        m.exchange_guid.as_deref().unwrap(),
    ] {
        assert_eq!(
            org.get_mailbox(id).await.unwrap().exchange_guid,
            m.exchange_guid
        );
    }
    let user = org.get_user("alice").await.unwrap();
    assert_eq!(user.department.as_deref(), Some("Finance"));
}

#[tokio::test]
async fn cloud_edit_before_the_flip_is_out_of_write_scope() {
    let org = org_with_alice();
    let err = org
        .set_mailbox(
            "alice@contoso.com",
            &MailboxChanges::set("CustomAttribute1", "x"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfWriteScope);
    let text = err.to_string();
    assert!(
        text.contains("out of the current user's write scope"),
        "{text}"
    );
    assert!(
        text.contains("synchronized from your on-premises organization"),
        "{text}"
    );
    assert!(text.contains("'CustomAttribute1'"), "{text}");
}

#[tokio::test]
async fn flip_then_cloud_edit_survives_the_next_cycle() {
    let org = org_with_alice();
    org.set_cloud_managed("alice@contoso.com", true)
        .await
        .unwrap();
    org.set_mailbox(
        "alice@contoso.com",
        &MailboxChanges::set("CustomAttribute1", "CC-200"),
    )
    .await
    .unwrap();
    let report = org.sync_cycle();
    assert!(report.overwritten.is_empty(), "{report:?}");
    let m = org.get_mailbox("alice").await.unwrap();
    assert_eq!(m.custom_attribute(1), Some("CC-200"));
    assert!(m.is_exchange_cloud_managed);
}

#[tokio::test]
async fn on_premises_edit_after_the_flip_is_dropped() {
    let org = org_with_alice();
    org.set_cloud_managed("alice", true).await.unwrap();
    org.set_ad_attributes(
        "alice@contoso.com",
        &attrs(&[
            ("extensionAttribute1", "from-AD".into()),
            ("department", "Legal".into()),
        ]),
    )
    .unwrap();
    let report = org.sync_cycle();
    assert_eq!(report.blocked, ["alice@contoso.com"]);
    let m = org.get_mailbox("alice").await.unwrap();
    assert_eq!(
        m.custom_attribute(1),
        Some("CC-100"),
        "Exchange attribute must not flow"
    );
    let user = org.get_user("alice").await.unwrap();
    assert_eq!(
        user.department.as_deref(),
        Some("Legal"),
        "identity still flows"
    );
}

#[tokio::test]
async fn identity_attributes_are_never_editable_in_the_cloud() {
    let org = org_with_alice();
    org.set_cloud_managed("alice", true).await.unwrap();
    let err = org
        .set_mailbox("alice", &MailboxChanges::set("DisplayName", "Alice W."))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfWriteScope);
}

#[tokio::test]
async fn rollback_overwrites_cloud_edits_exactly_as_the_loss_analysis_predicts() {
    let org = org_with_alice();
    org.set_cloud_managed("alice", true).await.unwrap();
    let mut changes = MailboxChanges::set("CustomAttribute1", "cloud-cc");
    changes
        .set
        .insert("HiddenFromAddressListsEnabled".into(), true.into());
    changes.add.insert(
        "EmailAddresses".into(),
        vec!["smtp:alice.wong@contoso.com".into()],
    );
    org.set_mailbox("alice", &changes).await.unwrap();

    // Predict: the cloud's Exchange values against AD's.
    let mailbox = org.get_mailbox("alice").await.unwrap();
    let ad = org.ad_attributes("alice").unwrap();
    let loss = rollback_loss_for_mailbox(org.catalog(), &mailbox, &ad).unwrap();
    let mut predicted: Vec<String> = loss.entries.iter().map(|e| e.attribute.clone()).collect();
    predicted.sort();
    assert_eq!(
        predicted,
        [
            "CustomAttribute1",
            "EmailAddresses",
            "HiddenFromAddressListsEnabled"
        ]
    );

    org.set_cloud_managed("alice", false).await.unwrap();
    let report = org.sync_cycle();
    let mut happened: Vec<String> = report.overwritten.iter().map(|(_, a)| a.clone()).collect();
    happened.sort();
    assert_eq!(happened, predicted);
    let m = org.get_mailbox("alice").await.unwrap();
    assert_eq!(m.custom_attribute(1), Some("CC-100"));
    assert!(!m.hidden_from_address_lists_enabled);
    assert!(
        !m.email_addresses
            .contains(&"smtp:alice.wong@contoso.com".to_owned())
    );
}

#[tokio::test]
async fn old_connect_sync_fails_for_cloud_managed_users() {
    let org = org_with_alice();
    org.set_connect_sync_version("2.5.79.0".parse().unwrap());
    org.set_cloud_managed("alice", true).await.unwrap();
    org.set_ad_attributes("alice", &attrs(&[("department", "Legal".into())]))
        .unwrap();
    let report = org.sync_cycle();
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].code, EXCHANGE_MANAGED_ERROR);
    assert_eq!(report.errors[0].object, "alice@contoso.com");
    assert_eq!(org.sync_errors().len(), 1);
    // The user stopped syncing: even identity attributes do not flow.
    let user = org.get_user("alice").await.unwrap();
    assert_eq!(user.department.as_deref(), Some("Finance"));
    // Upgrading fixes it.
    org.set_connect_sync_version(SyncVersion::CONNECT_SYNC_MINIMUM);
    let report = org.sync_cycle();
    assert!(report.errors.is_empty());
    assert!(org.sync_errors().is_empty());
    assert_eq!(
        org.get_user("alice").await.unwrap().department.as_deref(),
        Some("Legal")
    );
}

#[tokio::test]
async fn writeback_carries_only_the_writeback_set() {
    let org = org_with_alice();
    org.set_cloud_sync_agent(Some(CloudSyncAgent::default()));
    org.set_cloud_managed("alice", true).await.unwrap();
    let mut changes = MailboxChanges::set("CustomAttribute7", "cloud-7");
    changes
        .set
        .insert("HiddenFromAddressListsEnabled".into(), true.into());
    changes.set.insert(
        "ExtensionCustomAttribute2".into(),
        AttributeValue::List(vec!["a".into(), "b".into()]),
    );
    changes
        .add
        .insert("EmailAddresses".into(), vec!["smtp:aw@contoso.com".into()]);
    org.set_mailbox("alice", &changes).await.unwrap();

    let report = org.writeback_cycle();
    assert!(report.ran, "{report:?}");
    let mut written: Vec<&str> = report.written.iter().map(|(_, a)| a.as_str()).collect();
    written.sort_unstable();
    assert_eq!(
        written,
        [
            "extensionAttribute7",
            "msExchExtensionCustomAttribute2",
            "proxyAddresses"
        ]
    );
    let ad = org.ad_attributes("alice").unwrap();
    assert_eq!(ad["extensionAttribute7"], AttributeValue::from("cloud-7"));
    // The type was already RemoteUserMailbox on-premises: nothing to write for it.
    assert_eq!(
        ad["msExchRecipientTypeDetails"],
        AttributeValue::from("RemoteUserMailbox")
    );
    assert!(
        !ad.contains_key("msExchHideFromAddressLists"),
        "not written back"
    );
    let writeback = org.catalog().writeback_attributes().count();
    assert_eq!(writeback, 24);
    // A second cycle has nothing left to write.
    assert!(org.writeback_cycle().written.is_empty());
}

#[tokio::test]
async fn writeback_needs_a_recent_agent_and_respects_capacity() {
    let org = org_with_alice();
    org.set_cloud_managed("alice", true).await.unwrap();
    assert!(!org.writeback_cycle().ran);
    org.set_cloud_sync_agent(Some(CloudSyncAgent {
        version: "1.1.1000.0".parse().unwrap(),
        ..CloudSyncAgent::default()
    }));
    let r = org.writeback_cycle();
    assert!(!r.ran);
    assert!(r.reason.unwrap().contains("1.1.1107.0"));
    org.set_cloud_sync_agent(Some(CloudSyncAgent {
        capacity: 0,
        ..CloudSyncAgent::default()
    }));
    let r = org.writeback_cycle();
    assert!(!r.ran);
    assert!(r.reason.unwrap().contains("capacity"));
}

#[tokio::test]
async fn tenant_default_hazard_leaves_on_premises_provisioned_users_identity_only() {
    let org = org_with_alice();
    org.set_cloud_managed_by_default(true).await.unwrap();
    assert!(
        org.get_organization_config()
            .await
            .unwrap()
            .block_exchange_provisioning_from_on_prem_enabled
    );
    // Provisioned on-premises while the default is on: the documented hazard.
    org.add_ad_user(NewAdUser {
        user_principal_name: "bob@contoso.com".into(),
        remote_mailbox: Some(RecipientTypeDetails::RemoteUserMailbox),
        ..NewAdUser::default()
    })
    .unwrap();
    // A plain new user: arrives without Exchange attributes, a license makes it cloud-managed.
    org.add_ad_user(NewAdUser {
        user_principal_name: "carol@contoso.com".into(),
        attributes: attrs(&[("displayName", "Carol".into())]),
        ..NewAdUser::default()
    })
    .unwrap();
    let report = org.sync_cycle();
    assert_eq!(report.identity_only, ["bob@contoso.com"]);
    assert!(org.is_identity_only("bob@contoso.com").unwrap());
    assert!(matches!(
        org.get_mailbox("bob@contoso.com").await,
        Err(Error::NotFound { .. })
    ));
    let err = org.assign_license("bob@contoso.com").unwrap_err();
    assert!(err.to_string().contains("Microsoft Support"), "{err}");

    org.assign_license("carol@contoso.com").unwrap();
    let carol = org.get_mailbox("carol@contoso.com").await.unwrap();
    assert!(carol.is_exchange_cloud_managed);
    assert!(carol.is_dir_synced);

    // Turning the default off does not repair bob.
    org.set_cloud_managed_by_default(false).await.unwrap();
    org.sync_cycle();
    assert!(org.is_identity_only("bob@contoso.com").unwrap());
}

#[tokio::test]
async fn callers_without_a_role_are_denied() {
    let org = org_with_alice();
    org.add_principal(
        "helpdesk@contoso.com",
        &["View-Only Organization Management"],
    );
    let helpdesk = org.as_principal("helpdesk@contoso.com");
    assert!(helpdesk.get_mailbox("alice").await.is_ok());
    let err = helpdesk.set_cloud_managed("alice", true).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AccessDenied);
    assert!(err.to_string().contains("IsExchangeCloudManaged"), "{err}");
    let nobody = org.as_principal("stranger@fabrikam.com");
    assert_eq!(
        nobody.get_mailbox("alice").await.unwrap_err().kind(),
        ErrorKind::AccessDenied
    );
    let grants = org
        .role_assignments("Set-Mailbox", "IsExchangeCloudManaged")
        .await
        .unwrap();
    assert!(grants.iter().any(|g| g.assignee == "admin@contoso.com"));
    assert!(!grants.iter().any(|g| g.assignee == "helpdesk@contoso.com"));
    // Nothing was changed by the denied call.
    assert!(
        !org.get_mailbox("alice")
            .await
            .unwrap()
            .is_exchange_cloud_managed
    );
}

#[tokio::test]
async fn flag_only_on_eligible_dir_synced_mailboxes() {
    let org = org_with_alice();
    org.add_ad_user(NewAdUser {
        user_principal_name: "remote@contoso.com".into(),
        remote_mailbox: Some(RecipientTypeDetails::RemoteUserMailbox),
        ..NewAdUser::default()
    })
    .unwrap();
    org.sync_cycle();
    // Not licensed: a mail user, which Get-Mailbox does not return.
    assert_eq!(
        org.set_cloud_managed("remote@contoso.com", true)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    org.add_cloud_mailbox("cloudonly@contoso.com", RecipientTypeDetails::UserMailbox)
        .unwrap();
    let err = org
        .set_cloud_managed("cloudonly@contoso.com", true)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Exchange);
    // A cloud-only mailbox is edited in the cloud without any flag.
    org.set_mailbox(
        "cloudonly@contoso.com",
        &MailboxChanges::set("CustomAttribute3", "x"),
    )
    .await
    .unwrap();
    // Combining the flag with other parameters is refused.
    let mut combined = MailboxChanges::set("CustomAttribute1", "x");
    combined
        .set
        .insert("IsExchangeCloudManaged".into(), true.into());
    assert_eq!(
        org.set_mailbox("alice", &combined)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn audit_log_records_caller_old_and_new_values() {
    let org = org_with_alice();
    org.set_cloud_managed("alice", true).await.unwrap();
    org.set_mailbox("alice", &MailboxChanges::set("CustomAttribute1", "new"))
        .await
        .unwrap();
    let all = org
        .search_admin_audit_log(&AuditQuery::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let flips = org
        .search_admin_audit_log(&AuditQuery {
            parameter: Some("IsExchangeCloudManaged".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(flips.len(), 1);
    assert_eq!(flips[0].caller, "admin@contoso.com");
    assert_eq!(flips[0].object, "alice@contoso.com");
    assert_eq!(flips[0].old_values["IsExchangeCloudManaged"], false.into());
    assert_eq!(flips[0].new_values["IsExchangeCloudManaged"], true.into());
    let edit = &all[1];
    assert_eq!(edit.cmdlet, "Set-Mailbox");
    assert_eq!(edit.old_values["CustomAttribute1"], "CC-100".into());
    assert_eq!(edit.new_values["CustomAttribute1"], "new".into());
    assert_eq!(edit.time, org.now());
    // Setting the flag to its current value changes nothing and records nothing.
    org.set_cloud_managed("alice", true).await.unwrap();
    assert_eq!(
        org.search_admin_audit_log(&AuditQuery::default())
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn bad_proxy_changes_are_refused_without_effect() {
    let org = org_with_alice();
    org.set_cloud_managed("alice", true).await.unwrap();
    let mut two_primaries = MailboxChanges::default();
    two_primaries.add.insert(
        "EmailAddresses".into(),
        vec!["SMTP:other@contoso.com".into()],
    );
    let err = org.set_mailbox("alice", &two_primaries).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidProxyAddress);
    let m = org.get_mailbox("alice").await.unwrap();
    assert_eq!(m.primary_smtp_address.as_deref(), Some("alice@contoso.com"));
}

#[test]
fn the_clock_runs_sync_and_writeback_cycles_in_order() {
    let org = org_with_alice();
    org.set_cloud_sync_agent(Some(CloudSyncAgent::default()));
    let start = org.now();
    let reports = org.advance(TimeDelta::minutes(60));
    let kinds: Vec<&str> = reports
        .iter()
        .map(|r| match r {
            CycleReport::Sync(_) => "sync",
            CycleReport::Writeback(_) => "writeback",
        })
        .collect();
    // Writeback at 20, 40 and 60 minutes, sync at 30 and 60 (writeback first on a tie).
    assert_eq!(
        kinds,
        ["writeback", "sync", "writeback", "writeback", "sync"]
    );
    assert_eq!(org.now(), start + TimeDelta::minutes(60));
}

#[tokio::test]
async fn deleting_the_ad_account_deletes_the_cloud_mailbox() {
    let org = org_with_alice();
    org.set_cloud_managed("alice", true).await.unwrap();
    org.remove_ad_user("alice@contoso.com").unwrap();
    let report = org.sync_cycle();
    assert_eq!(report.deleted, ["alice@contoso.com"]);
    assert_eq!(
        org.get_mailbox("alice").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn on_premises_edits_are_validated() {
    let org = org_with_alice();
    let err = org
        .set_ad_attributes(
            "alice",
            &attrs(&[("ForwardingSmtpAddress", "x@y.com".into())]),
        )
        .unwrap_err();
    assert!(err.to_string().contains("no AD attribute"), "{err}");
    let err = org
        .set_ad_attributes("nobody", &attrs(&[("department", "x".into())]))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = org
        .set_ad_attributes(
            "alice",
            &attrs(&[(
                "proxyAddresses",
                AttributeValue::List(vec!["nocolon".into()]),
            )]),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidProxyAddress);
}

#[tokio::test]
async fn converting_to_shared_in_the_cloud_is_written_back_as_a_remote_shared_mailbox() {
    let org = org_with_alice();
    org.set_cloud_sync_agent(Some(CloudSyncAgent::default()));
    org.set_cloud_managed("alice", true).await.unwrap();
    org.set_mailbox("alice", &MailboxChanges::set("Type", "Shared"))
        .await
        .unwrap();
    let m = org.get_mailbox("alice").await.unwrap();
    assert_eq!(
        m.recipient_type_details,
        Some(RecipientTypeDetails::SharedMailbox)
    );
    let report = org.writeback_cycle();
    assert_eq!(
        report.written,
        [(
            "alice@contoso.com".to_owned(),
            "msExchRecipientTypeDetails".to_owned()
        )]
    );
    assert_eq!(
        org.ad_attributes("alice").unwrap()["msExchRecipientTypeDetails"],
        AttributeValue::from("RemoteSharedMailbox")
    );
    let err = org
        .set_mailbox("alice", &MailboxChanges::set("Type", "Kiosk"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Kiosk"), "{err}");
}
