//! Preflight checks.
#![allow(clippy::unwrap_used)] // test helpers parse literals

use chrono::{DateTime, TimeDelta, Utc};
use soa_core::model::{Mailbox, SyncVersion};
use soa_core::preflight::{
    Caller, FindingCode, Preflight, Requirements, Severity, SyncEnvironment, TenantState,
    check_caller, check_mailbox, check_sync, check_tenant,
};

fn codes(findings: &[soa_core::preflight::Finding]) -> Vec<FindingCode> {
    findings.iter().map(|f| f.code).collect()
}

fn v(s: &str) -> SyncVersion {
    s.parse().unwrap()
}

fn now() -> DateTime<Utc> {
    "2026-11-27T12:00:00Z".parse().unwrap()
}

fn mailbox(json: &str) -> Mailbox {
    serde_json::from_str(json).unwrap()
}

#[test]
fn connect_sync_versions() {
    let req = Requirements::default();
    let ok = SyncEnvironment {
        connect_sync_version: Some(v("2.5.190.0")),
        ..Default::default()
    };
    assert!(check_sync(&ok, &req).is_empty());

    let known_bad = SyncEnvironment {
        connect_sync_version: Some(v("2.5.79.0")),
        ..Default::default()
    };
    let f = check_sync(&known_bad, &req);
    assert_eq!(codes(&f), [FindingCode::ConnectSyncTooOld]);
    assert_eq!(f[0].severity, Severity::Block);
    assert!(
        f[0].message
            .contains("ExchangeManagedAttributesUpdateNotAllowed")
    );
    assert!(f[0].message.contains("2.5.79.0"));
    assert!(f[0].fix.contains("2.5.190.0"));

    let older = SyncEnvironment {
        connect_sync_version: Some(v("2.4.27.0")),
        ..Default::default()
    };
    assert_eq!(
        codes(&check_sync(&older, &req)),
        [FindingCode::ConnectSyncTooOld]
    );

    let unknown = SyncEnvironment::default();
    let f = check_sync(&unknown, &req);
    assert_eq!(codes(&f), [FindingCode::ConnectSyncVersionUnknown]);
    assert_eq!(f[0].severity, Severity::Warn);
}

#[test]
fn cloud_sync_agent_matters_only_for_writeback() {
    let req = Requirements::default();
    let base = SyncEnvironment {
        connect_sync_version: Some(v("2.6.1.0")),
        cloud_sync_agent_version: Some(v("1.1.1000.0")),
        writeback_wanted: false,
    };
    assert!(check_sync(&base, &req).is_empty());
    let wanted = SyncEnvironment {
        writeback_wanted: true,
        ..base.clone()
    };
    assert_eq!(
        codes(&check_sync(&wanted, &req)),
        [FindingCode::CloudSyncAgentTooOld]
    );
    let missing = SyncEnvironment {
        cloud_sync_agent_version: None,
        ..wanted.clone()
    };
    assert_eq!(
        codes(&check_sync(&missing, &req)),
        [FindingCode::CloudSyncAgentMissing]
    );
    let current = SyncEnvironment {
        cloud_sync_agent_version: Some(v("1.1.1107.0")),
        ..wanted
    };
    assert!(check_sync(&current, &req).is_empty());
}

#[test]
fn tenant_default_is_blocked_while_provisioning_on_premises() {
    let req = Requirements::default();
    let t = TenantState {
        cloud_managed_by_default: true,
        on_premises_provisioning_in_use: true,
        ..Default::default()
    };
    let f = check_tenant(&t, 0, &req);
    assert_eq!(
        codes(&f),
        [FindingCode::TenantDefaultWithOnPremisesProvisioning]
    );
    assert!(f[0].blocks());
    assert!(f[0].message.contains("no Exchange Online recipient"));
    let done = TenantState {
        on_premises_provisioning_in_use: false,
        ..t
    };
    assert_eq!(
        codes(&check_tenant(&done, 0, &req)),
        [FindingCode::TenantDefaultOn]
    );
}

#[test]
fn writeback_capacity_defaults_and_overrides() {
    let req = Requirements::default();
    assert_eq!(req.writeback_capacity, 600_000);
    let t = TenantState {
        writeback_enabled: true,
        cloud_managed_mailboxes: 599_990,
        ..Default::default()
    };
    assert_eq!(
        codes(&check_tenant(&t, 10, &req)),
        [FindingCode::WritebackCapacityNear]
    );
    assert_eq!(
        codes(&check_tenant(&t, 11, &req)),
        [FindingCode::WritebackCapacityExceeded]
    );
    let preview = Requirements {
        writeback_capacity: Requirements::PREVIEW_CAPACITY,
        ..Requirements::default()
    };
    let small = TenantState {
        cloud_managed_mailboxes: 150_000,
        ..t.clone()
    };
    assert!(check_tenant(&small, 0, &preview).is_empty());
    assert_eq!(
        codes(&check_tenant(&small, 50_000, &preview)),
        [FindingCode::WritebackCapacityExceeded]
    );
    let no_writeback = TenantState {
        writeback_enabled: false,
        ..t
    };
    assert!(check_tenant(&no_writeback, 1_000_000, &req).is_empty());
}

#[test]
fn caller_roles() {
    let req = Requirements::default();
    for role in [
        "Exchange Administrator",
        "organization management",
        " Recipient Management ",
    ] {
        let c = Caller {
            name: "ops@contoso.com".into(),
            roles: vec![role.into()],
            ..Default::default()
        };
        assert!(check_caller(&c, &req).is_empty(), "{role}");
    }
    let none = Caller {
        name: "ops@contoso.com".into(),
        roles: vec!["Helpdesk Administrator".into()],
        ..Default::default()
    };
    let f = check_caller(&none, &req);
    assert_eq!(codes(&f), [FindingCode::MissingRole]);
    assert_eq!(f[0].subject, "ops@contoso.com");
    let custom = Caller {
        custom_role_parameters: vec!["set-mailbox -IsExchangeCloudManaged".into()],
        ..none
    };
    let f = check_caller(&custom, &req);
    assert_eq!(codes(&f), [FindingCode::CustomRoleUnconfirmed]);
    assert_eq!(f[0].severity, Severity::Warn);
}

#[test]
fn eligible_mailbox_passes() {
    let m = mailbox(
        r#"{"UserPrincipalName":"a@contoso.com","RecipientTypeDetails":"UserMailbox",
            "IsDirSynced":true,"IsExchangeCloudManaged":false,
            "WhenChangedUTC":"2026-11-20T08:00:00Z"}"#,
    );
    assert!(check_mailbox(&m, None, now(), &Requirements::default()).is_empty());
}

#[test]
fn ineligible_and_already_managed_mailboxes_are_blocked() {
    let req = Requirements::default();
    let mail_user = mailbox(
        r#"{"Identity":"mu","RecipientTypeDetails":"MailUser","IsDirSynced":true,"WhenChangedUTC":"2026-01-01T00:00:00Z"}"#,
    );
    let f = check_mailbox(&mail_user, None, now(), &req);
    assert_eq!(codes(&f), [FindingCode::IneligibleRecipientType]);
    assert!(f[0].message.contains("MailUser"));

    let managed = mailbox(
        r#"{"Identity":"m","RecipientTypeDetails":"SharedMailbox","IsDirSynced":true,"IsExchangeCloudManaged":true,"WhenChangedUTC":"2026-01-01T00:00:00Z"}"#,
    );
    assert_eq!(
        codes(&check_mailbox(&managed, None, now(), &req)),
        [FindingCode::AlreadyCloudManaged]
    );

    let cloud =
        mailbox(r#"{"Identity":"c","RecipientTypeDetails":"RoomMailbox","IsDirSynced":false}"#);
    assert_eq!(
        codes(&check_mailbox(&cloud, None, now(), &req)),
        [FindingCode::NotDirSynced]
    );

    let unknown_type =
        mailbox(r#"{"Identity":"u","IsDirSynced":true,"WhenChangedUTC":"2026-01-01T00:00:00Z"}"#);
    assert_eq!(
        codes(&check_mailbox(&unknown_type, None, now(), &req)),
        [FindingCode::RecipientTypeUnknown]
    );
}

#[test]
fn sync_cycle_plus_24_hours_rule() {
    let req = Requirements::default();
    let m = mailbox(r#"{"Identity":"a","RecipientTypeDetails":"UserMailbox","IsDirSynced":true}"#);
    let settle = TimeDelta::hours(24) + TimeDelta::minutes(30);
    let just_inside = now() - settle + TimeDelta::minutes(1);
    let f = check_mailbox(&m, Some(just_inside), now(), &req);
    assert_eq!(codes(&f), [FindingCode::RecentOnPremisesChange]);
    assert!(f[0].fix.contains("2026-11-27 12:01"), "{}", f[0].fix);
    let just_outside = now() - settle;
    assert!(check_mailbox(&m, Some(just_outside), now(), &req).is_empty());
    // The AD time wins over the mailbox's own WhenChangedUTC.
    let m2 = mailbox(
        r#"{"Identity":"a","RecipientTypeDetails":"UserMailbox","IsDirSynced":true,"WhenChangedUTC":"2026-11-27T11:00:00Z"}"#,
    );
    assert!(check_mailbox(&m2, Some(just_outside), now(), &req).is_empty());
    assert_eq!(
        codes(&check_mailbox(&m2, None, now(), &req)),
        [FindingCode::RecentOnPremisesChange]
    );
    // Unknown change time: a warning, not a block.
    let f = check_mailbox(&m, None, now(), &req);
    assert_eq!(codes(&f), [FindingCode::LastChangeUnknown]);
    assert_eq!(f[0].severity, Severity::Warn);
}

#[test]
fn preflight_document_round_trips_and_reports() {
    let p: Preflight = serde_json::from_str(
        r#"{"sync":{"connect_sync_version":" 2.5.79.0 "},
            "tenant":{"cloud_managed_by_default":true,"on_premises_provisioning_in_use":true},
            "requirements":{"settle_hours":48}}"#,
    )
    .unwrap();
    assert_eq!(p.requirements.settle_hours, 48);
    assert_eq!(p.requirements.writeback_capacity, 600_000);
    let report = p.check_organization(0);
    assert!(report.is_blocked());
    assert_eq!(report.worst(), Some(Severity::Block));
    assert_eq!(report.with_code(FindingCode::ConnectSyncTooOld).count(), 1);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["findings"][0]["code"], "connect_sync_too_old");
    assert_eq!(json["findings"][0]["severity"], "block");
}
