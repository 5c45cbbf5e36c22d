//! `SimulatedOrg::generate`: determinism, a realistic mix, valid proxy addresses, listing and
//! filters through the `ExchangeOnline` trait, snapshots, and a first sync cycle that changes
//! nothing.
#![allow(clippy::unwrap_used)] // tests

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use soa_core::Error;
use soa_core::exo::{AuditQuery, ExchangeOnline, MailboxFilter};
use soa_core::model::{Mailbox, ProxyAddresses, RecipientTypeDetails};
use soa_core::preflight::{FindingCode, Requirements, check_mailbox};
use soa_core::sim::SimulatedOrg;

const SIZE: usize = 2000;

/// A folder of its own under the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "soa-sim-generate-{}-{name}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn count_where(mailboxes: &[Mailbox], f: impl Fn(&Mailbox) -> bool) -> usize {
    mailboxes.iter().filter(|m| f(m)).count()
}

fn assert_between(what: &str, value: usize, low: usize, high: usize) {
    assert!(
        (low..=high).contains(&value),
        "{what}: {value} is not within {low}..={high}"
    );
}

async fn list(org: &SimulatedOrg, filter: MailboxFilter) -> Vec<Mailbox> {
    org.list_mailboxes(filter)
        .map(Result::unwrap)
        .collect::<Vec<_>>()
        .await
}

fn ids(mailboxes: &[Mailbox]) -> BTreeSet<String> {
    mailboxes
        .iter()
        .map(|m| m.external_directory_object_id.clone().unwrap())
        .collect()
}

#[test]
fn same_seed_gives_the_same_organization() {
    let a = SimulatedOrg::generate(SIZE, 42).to_json().unwrap();
    let b = SimulatedOrg::generate(SIZE, 42).to_json().unwrap();
    assert!(a == b, "two organizations generated with seed 42 differ");
    let c = SimulatedOrg::generate(SIZE, 43).to_json().unwrap();
    assert_ne!(a, c, "seeds 42 and 43 gave the same organization");
}

#[test]
fn empty_and_tiny_organizations() {
    let empty = SimulatedOrg::generate(0, 1);
    assert_eq!(empty.summary().cloud_users, 0);
    assert_eq!(empty.tenant(), "contoso.com");
    let tiny = SimulatedOrg::generate(3, 1);
    assert_eq!(tiny.summary().cloud_users, 3);
}

#[test]
fn the_mix_is_realistic() {
    let org = SimulatedOrg::generate(SIZE, 7);
    let summary = org.summary();
    let mailboxes = org.mailboxes();
    assert_eq!(summary.cloud_users, SIZE, "one cloud user per recipient");
    assert_eq!(summary.mailboxes, mailboxes.len());
    assert_eq!(summary.identity_only_users, 0);
    assert_eq!(summary.sync_errors, 0);

    let of_type = |t: RecipientTypeDetails| {
        count_where(&mailboxes, |m| {
            m.is_dir_synced && m.recipient_type_details.as_ref() == Some(&t)
        })
    };
    // Binomial draws of 2000: the bounds are about four standard deviations wide.
    assert_between(
        "user mailboxes",
        of_type(RecipientTypeDetails::UserMailbox),
        1520,
        1680,
    );
    assert_between(
        "shared mailboxes",
        of_type(RecipientTypeDetails::SharedMailbox),
        150,
        250,
    );
    assert_between(
        "room mailboxes",
        of_type(RecipientTypeDetails::RoomMailbox),
        50,
        115,
    );
    assert_between(
        "equipment mailboxes",
        of_type(RecipientTypeDetails::EquipmentMailbox),
        18,
        65,
    );
    let mail_users = summary.cloud_users - summary.mailboxes;
    assert_between(
        "mail users (unlicensed remote mailboxes)",
        mail_users,
        32,
        90,
    );
    let cloud_only = count_where(&mailboxes, |m| !m.is_dir_synced);
    assert_between("cloud-only mailboxes", cloud_only, 6, 38);
    assert_eq!(
        summary.ad_users,
        SIZE - cloud_only,
        "every other recipient has an AD account"
    );
    assert_eq!(summary.dir_synced_mailboxes, summary.mailboxes - cloud_only);

    let cloud_managed = count_where(&mailboxes, |m| m.is_exchange_cloud_managed);
    assert_eq!(cloud_managed, summary.cloud_managed_mailboxes);
    assert_between("cloud-managed mailboxes", cloud_managed, 35, 125);
    assert!(
        mailboxes
            .iter()
            .filter(|m| m.is_exchange_cloud_managed)
            .all(|m| m.is_dir_synced
                && m.recipient_type_details
                    .as_ref()
                    .is_some_and(RecipientTypeDetails::is_eligible)),
        "only eligible dir-synced mailboxes are cloud-managed"
    );
    let hidden = count_where(&mailboxes, |m| m.hidden_from_address_lists_enabled);
    assert_between("hidden from the address lists", hidden, 10, 100);
    let cost_centres = count_where(&mailboxes, |m| m.custom_attribute(1).is_some());
    assert_eq!(
        cost_centres, summary.dir_synced_mailboxes,
        "CustomAttribute1 on every synced one"
    );
    let regions = count_where(&mailboxes, |m| {
        matches!(m.custom_attribute(15), Some("AMER" | "EMEA" | "APAC"))
    });
    assert_eq!(
        regions,
        mailboxes.len(),
        "CustomAttribute15 holds a region everywhere"
    );
    let projects = count_where(&mailboxes, |m| !m.extension_custom_attribute(1).is_empty());
    assert_between("ExtensionCustomAttribute1 set", projects, 200, 400);
    assert!(
        mailboxes
            .iter()
            .all(|m| m.display_name.is_some() && m.alias.is_some()),
        "every mailbox has a display name and an alias"
    );
}

#[test]
fn some_mailboxes_changed_on_premises_within_the_last_day() {
    let org = SimulatedOrg::generate(SIZE, 7);
    let now = org.now();
    let req = Requirements::default();
    let mut recent = 0;
    let mut synced = 0;
    for m in org.mailboxes().iter().filter(|m| m.is_dir_synced) {
        synced += 1;
        let ad = org
            .ad_user(m.user_principal_name.as_deref().unwrap())
            .unwrap();
        assert!(ad.when_created <= ad.when_changed && ad.when_changed <= now);
        let findings = check_mailbox(m, Some(ad.when_changed), now, &req);
        if findings
            .iter()
            .any(|f| f.code == FindingCode::RecentOnPremisesChange)
        {
            recent += 1;
            assert!(now - ad.when_changed < chrono::TimeDelta::hours(24));
        }
    }
    // About 5% of about 1,940 synced mailboxes.
    assert_between("recent on-premises changes", recent, 50, 150);
    assert!(recent < synced / 10);
}

#[test]
fn every_proxy_address_set_is_valid_and_addresses_are_unique() {
    let org = SimulatedOrg::generate(SIZE, 9);
    let mailboxes = org.mailboxes();
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    let (mut sip, mut x500) = (0, 0);
    for m in &mailboxes {
        let upn = m.user_principal_name.clone().unwrap();
        let parsed =
            ProxyAddresses::parse(&m.email_addresses).unwrap_or_else(|e| panic!("{upn}: {e}"));
        let primaries: Vec<&String> = m
            .email_addresses
            .iter()
            .filter(|a| a.starts_with("SMTP:"))
            .collect();
        assert_eq!(
            primaries.len(),
            1,
            "{upn}: exactly one primary SMTP address"
        );
        assert_eq!(
            parsed.primary_smtp().address(),
            m.primary_smtp_address.as_deref().unwrap(),
            "{upn}: PrimarySmtpAddress is the SMTP: entry"
        );
        assert_eq!(m.primary_smtp_address.as_deref(), Some(upn.as_str()));
        if m.is_dir_synced {
            assert!(
                m.email_addresses
                    .iter()
                    .any(|a| a.ends_with("@contoso.mail.onmicrosoft.com")),
                "{upn}: the routing address is there"
            );
            assert_eq!(m.windows_email_address.as_deref(), Some(upn.as_str()));
        }
        sip += usize::from(m.email_addresses.iter().any(|a| a.starts_with("SIP:")));
        x500 += usize::from(m.email_addresses.iter().any(|a| a.starts_with("X500:")));
        for a in parsed.iter().filter(|a| a.smtp().is_some()) {
            let address = a.address().to_ascii_lowercase();
            if let Some(other) = owners.insert(address.clone(), upn.clone()) {
                panic!("{address} belongs to both {other} and {upn}");
            }
        }
    }
    assert_between("mailboxes with a SIP address", sip, 600, 1000);
    assert_between("mailboxes with an X500 address", x500, 1200, 1550);
}

#[tokio::test]
async fn the_audit_log_holds_the_flips_and_the_cloud_edits() {
    let org = SimulatedOrg::generate(SIZE, 5);
    let records = org
        .search_admin_audit_log(&AuditQuery {
            parameter: Some("IsExchangeCloudManaged".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let flipped: BTreeSet<String> = records.iter().map(|r| r.object.clone()).collect();
    let managed: BTreeSet<String> = org
        .mailboxes()
        .into_iter()
        .filter(|m| m.is_exchange_cloud_managed)
        .map(|m| m.user_principal_name.unwrap())
        .collect();
    assert_eq!(
        flipped, managed,
        "one flip record per cloud-managed mailbox"
    );
    let all = org
        .search_admin_audit_log(&AuditQuery::default())
        .await
        .unwrap();
    assert!(all.len() > records.len(), "some cloud edits after the flip");
    assert!(
        all.windows(2).all(|w| w[0].time <= w[1].time),
        "in time order"
    );
    assert!(all.iter().all(|r| r.time < org.now()));
    for edit in all
        .iter()
        .filter(|r| !r.parameters.contains_key("IsExchangeCloudManaged"))
    {
        let flip = records.iter().find(|r| r.object == edit.object).unwrap();
        assert!(
            flip.time < edit.time,
            "{}: edited before its flip",
            edit.object
        );
    }
}

#[tokio::test]
async fn listing_returns_every_mailbox_once_and_filters_work() {
    let org = SimulatedOrg::generate(SIZE, 3);
    let expected = org.mailboxes();
    let listed = list(&org, MailboxFilter::default()).await;
    assert_eq!(listed.len(), expected.len());
    let listed_ids = ids(&listed);
    assert_eq!(listed_ids.len(), listed.len(), "no mailbox listed twice");
    assert_eq!(listed_ids, ids(&expected));

    let managed = list(
        &org,
        MailboxFilter {
            cloud_managed: Some(true),
            ..MailboxFilter::default()
        },
    )
    .await;
    assert!(!managed.is_empty());
    let expected_managed: Vec<Mailbox> = expected
        .iter()
        .filter(|m| m.is_exchange_cloud_managed)
        .cloned()
        .collect();
    assert_eq!(ids(&managed), ids(&expected_managed));

    let cloud_only = list(
        &org,
        MailboxFilter {
            dir_synced: Some(false),
            ..MailboxFilter::default()
        },
    )
    .await;
    assert!(!cloud_only.is_empty());
    assert!(cloud_only.iter().all(|m| !m.is_dir_synced));
    assert_eq!(
        cloud_only.len(),
        count_where(&expected, |m| !m.is_dir_synced)
    );

    let resources = list(
        &org,
        MailboxFilter {
            recipient_types: vec![
                RecipientTypeDetails::RoomMailbox,
                RecipientTypeDetails::EquipmentMailbox,
            ],
            ..MailboxFilter::default()
        },
    )
    .await;
    assert!(!resources.is_empty());
    assert_eq!(
        resources.len(),
        count_where(&expected, |m| matches!(
            m.recipient_type_details,
            Some(RecipientTypeDetails::RoomMailbox | RecipientTypeDetails::EquipmentMailbox)
        ))
    );
}

#[test]
fn a_snapshot_round_trip_preserves_the_organization() {
    let dir = TempDir::new("round-trip");
    let org = SimulatedOrg::generate(SIZE, 21);
    let path = dir.path("org.json");
    org.save(&path).unwrap();
    let loaded = SimulatedOrg::load(&path).unwrap();
    assert!(
        loaded.to_json().unwrap() == org.to_json().unwrap(),
        "the loaded snapshot differs"
    );
    assert_eq!(loaded.summary(), org.summary());
    let m = &org.mailboxes()[0];
    let alias = m.alias.as_deref().unwrap();
    assert_eq!(loaded.mailbox(alias).unwrap(), org.mailbox(alias).unwrap());
}

fn load_error(dir: &TempDir, file: &str, text: &str) -> (PathBuf, Error) {
    let path = dir.path(file);
    std::fs::write(&path, text).unwrap();
    let err = SimulatedOrg::load(&path).unwrap_err();
    (path, err)
}

fn assert_json_error_names(err: &Error, path: &Path) {
    match err {
        Error::Json { context, .. } => {
            assert_eq!(context, &path.display().to_string());
        }
        other => panic!("expected Error::Json, got {other:?}"),
    }
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "the message names the file: {err}"
    );
}

#[test]
fn truncated_or_malformed_snapshots_are_json_errors_naming_the_file() {
    let dir = TempDir::new("broken");
    let text = SimulatedOrg::generate(200, 1).to_json().unwrap();
    let (path, err) = load_error(&dir, "truncated.json", &text[..text.len() / 2]);
    assert_json_error_names(&err, &path);
    let (path, err) = load_error(&dir, "malformed.json", "{\"format\": 1, \"tenant\": ");
    assert_json_error_names(&err, &path);
    let (path, err) = load_error(&dir, "bad-value.json", "{\"format\": \"one\"}");
    assert_json_error_names(&err, &path);
}

#[test]
fn a_file_that_is_not_a_json_object_is_refused_naming_the_file() {
    let dir = TempDir::new("not-object");
    for (file, text) in [
        ("text.json", "this is not a snapshot"),
        ("array.json", "[1, \"contoso.com\"]"),
        ("empty.json", ""),
    ] {
        let (path, err) = load_error(&dir, file, text);
        assert!(
            matches!(err, Error::Json { .. } | Error::InvalidInput { .. }),
            "{file}: {err:?}"
        );
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{file}: the message names the file: {err}"
        );
    }
}

#[test]
fn a_snapshot_of_an_unknown_format_is_refused_clearly() {
    let dir = TempDir::new("format");
    let text = SimulatedOrg::generate(50, 1).to_json().unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["format"] = serde_json::json!(99);
    let (_, err) = load_error(&dir, "future.json", &value.to_string());
    let message = err.to_string();
    assert!(
        matches!(err, Error::InvalidInput { .. }),
        "expected InvalidInput, got {err:?}"
    );
    assert!(message.contains("format 99"), "{message}");
    assert!(message.contains("not supported"), "{message}");
}

#[test]
fn a_sync_cycle_right_after_generation_changes_nothing() {
    let org = SimulatedOrg::generate(SIZE, 11);
    let before = org.to_json().unwrap();
    let report = org.sync_cycle();
    assert_eq!(report.processed, org.summary().ad_users);
    assert_eq!(report.updated, 0, "a generated organization is in sync");
    assert!(
        report.overwritten.is_empty(),
        "overwritten: {:?}",
        report.overwritten
    );
    assert!(report.created.is_empty(), "created: {:?}", report.created);
    assert!(report.deleted.is_empty(), "deleted: {:?}", report.deleted);
    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
    assert!(report.identity_only.is_empty());
    // Cloud edits made after a flip differ from AD, and the sync engine leaves them alone.
    assert!(
        !report.blocked.is_empty(),
        "some cloud edits after the flip"
    );
    for upn in &report.blocked {
        assert!(org.mailbox(upn).unwrap().is_exchange_cloud_managed, "{upn}");
    }
    assert!(
        org.to_json().unwrap() == before,
        "the sync cycle changed the organization"
    );
}
