//! Reconciliation: sources, join, classification, reports and writeback plans.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

use std::fmt::Write as _;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use soa_core::authority::MailboxState;
use soa_core::catalog::Catalog;
use soa_core::exo::{ExchangeOnline, MailboxChanges, MailboxFilter};
use soa_core::model::AttributeValue;
use soa_core::reconcile::diff::{ClassifyContext, classify};
use soa_core::reconcile::join::JoinKey;
use soa_core::reconcile::source::{
    AdCsvReader, AdEntries, AdEntry, AdFormat, AdJsonReader, AdLdifReader, CloudJsonReader,
    open_ad, open_cloud,
};
use soa_core::reconcile::writeback::WritebackPlan;
use soa_core::reconcile::{
    BYTES_STEP, DiffClass, Difference, RECORDS_STEP, Reason, ReconcileOptions, ReconcilePhase,
    ReconcileProgress, ReconcileProgressFn, Report, reconcile, reconcile_files,
    reconcile_files_with_progress, reconcile_live, reconcile_live_with_progress,
};
use soa_core::sim::SimulatedOrg;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reconcile")
        .join(name)
}

fn now() -> DateTime<Utc> {
    "2026-11-27T02:00:00Z".parse().unwrap()
}

fn options() -> ReconcileOptions {
    ReconcileOptions {
        now: Some(now()),
        ad_source: "ad export".into(),
        cloud_source: "mailboxes.json".into(),
        ..ReconcileOptions::default()
    }
}

fn run(ad: &str, format: AdFormat) -> Report {
    let catalog = Catalog::builtin();
    let ad = open_ad(catalog, &fixture(ad), Some(format)).unwrap();
    let cloud = open_cloud(&fixture("mailboxes.json")).unwrap();
    reconcile(catalog, ad, cloud, &options()).unwrap()
}

fn find<'r>(report: &'r Report, mailbox: &str, attribute: &str) -> &'r Difference {
    report
        .differences
        .iter()
        .find(|d| d.mailbox == mailbox && d.attribute == attribute)
        .unwrap_or_else(|| panic!("no difference {mailbox} {attribute}: {report:#?}"))
}

fn read_all<I: Iterator<Item = soa_core::Result<AdEntry>>>(it: I) -> Vec<AdEntry> {
    it.collect::<soa_core::Result<Vec<_>>>().unwrap()
}

// ---------------------------------------------------------------- sources

#[test]
fn csv_with_bom_type_line_quotes_newlines_and_both_separators() {
    let entries = read_all(open_ad(Catalog::builtin(), &fixture("ad_users.csv"), None).unwrap());
    assert_eq!(entries.len(), 5);
    let alice = &entries[0];
    assert!(
        alice.origin.ends_with("ad_users.csv line 3"),
        "{}",
        alice.origin
    );
    assert_eq!(
        alice.object_guid.as_deref(),
        Some("a0000000-0000-0000-0000-000000000001")
    );
    assert_eq!(
        alice.attributes["msExchMailboxGuid"],
        AttributeValue::from("00112233-4455-6677-8899-aabbccddeeff")
    );
    assert_eq!(
        alice.attributes["proxyAddresses"],
        AttributeValue::List(vec![
            "SMTP:Alice@contoso.com".into(),
            "smtp:aw@contoso.com".into()
        ])
    );
    assert_eq!(
        alice.attributes["info"],
        AttributeValue::from("Line one\r\nline \"two\"")
    );
    assert_eq!(
        alice.attributes["extensionAttribute2"],
        AttributeValue::Null
    );
    assert!(!alice.complete);
    assert_eq!(
        alice.value("mailNickname"),
        None,
        "a missing column is unknown"
    );
    // The record after the embedded newline starts two lines further down.
    let bob = &entries[1];
    assert!(bob.origin.ends_with("line 5"), "{}", bob.origin);
    assert_eq!(
        bob.attributes["proxyAddresses"],
        AttributeValue::List(vec![
            "SMTP:bob@contoso.com".into(),
            "smtp:bob.obrien@contoso.com".into()
        ])
    );
    assert_eq!(
        bob.attributes["displayName"],
        AttributeValue::from("Bob O'Brien")
    );
    assert_eq!(
        bob.when_changed,
        Some("2026-11-27T01:30:00Z".parse().unwrap())
    );
}

#[test]
fn csv_without_type_line_and_with_ad_module_names() {
    let text = "UserPrincipalName,Surname,EmailAddress,extensionAttribute3\n\
                a@contoso.com,Wong,a@contoso.com,x\n";
    let entries = read_all(AdCsvReader::new(
        Cursor::new(text.as_bytes().to_vec()),
        "plain.csv",
        Catalog::builtin().clone(),
    ));
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].attributes["sn"], AttributeValue::from("Wong"));
    assert_eq!(
        entries[0].attributes["mail"],
        AttributeValue::from("a@contoso.com")
    );
    assert_eq!(entries[0].origin, "plain.csv line 2");
}

#[test]
fn csv_times_in_export_csv_spelling() {
    let entries = read_all(ad_csv(
        "UserPrincipalName,whenChanged\n\
         a@contoso.com,11/26/2026 1:15:07 PM\n\
         b@contoso.com,1/2/2026 12:05:09 AM\n\
         c@contoso.com,12/31/2026 12:00:00 PM\n\
         d@contoso.com,13/31/2026 12:00:00 PM\n\
         e@contoso.com,1/2/2026 0:05:09 AM\n\
         f@contoso.com,2026-11-27T01:30:00Z\n",
    ));
    let times: Vec<Option<DateTime<Utc>>> = entries.iter().map(|e| e.when_changed).collect();
    let t = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
    assert_eq!(
        times,
        vec![
            t("2026-11-26T13:15:07Z"),
            t("2026-01-02T00:05:09Z"),
            t("2026-12-31T12:00:00Z"),
            None,
            None,
            t("2026-11-27T01:30:00Z"),
        ]
    );
}

#[test]
fn ldif_with_folding_base64_and_binary_guid() {
    let entries = read_all(open_ad(Catalog::builtin(), &fixture("ad_users.ldf"), None).unwrap());
    assert_eq!(entries.len(), 4);
    let alice = &entries[0];
    assert!(alice.complete);
    assert_eq!(
        alice.distinguished_name.as_deref(),
        Some("CN=Alice Wong,OU=Staff,DC=contoso,DC=com")
    );
    assert_eq!(
        alice.attributes["msExchMailboxGuid"],
        AttributeValue::from("00112233-4455-6677-8899-aabbccddeeff")
    );
    assert_eq!(
        alice.object_guid.as_deref(),
        Some("04030201-0605-0807-090a-0b0c0d0e0f10")
    );
    assert_eq!(
        alice.attributes["info"],
        AttributeValue::from(
            "Notes with a newline\nand a very long text that certainly needs folding across several lines of LDIF output"
        )
    );
    assert_eq!(
        alice.attributes["proxyAddresses"],
        AttributeValue::List(vec![
            "SMTP:Alice@contoso.com".into(),
            "smtp:aw@contoso.com".into()
        ])
    );
    assert_eq!(
        alice.value("extensionAttribute9"),
        Some(AttributeValue::Null)
    );
    assert_eq!(
        alice.when_changed,
        Some("2026-11-01T10:00:00Z".parse().unwrap())
    );
    let bob = &entries[1];
    assert_eq!(
        bob.distinguished_name.as_deref(),
        Some("CN=Bob O'Brien,OU=Staff,DC=contoso,DC=com")
    );
    assert_eq!(
        bob.attributes["displayName"],
        AttributeValue::from("Bob O'Brien")
    );
}

#[test]
fn ldif_in_memory_with_folded_dn_and_comments() {
    let text = "version: 1\n# a comment\n# folded\n  comment\ndn: CN=Very Long Name,OU=A\n very Long Unit,DC=contoso,DC=com\nuserPrincipalName: x@contoso.com\n\n\n";
    let entries = read_all(AdLdifReader::new(
        Cursor::new(text.as_bytes().to_vec()),
        "mem.ldf",
        Catalog::builtin().clone(),
    ));
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].distinguished_name.as_deref(),
        Some("CN=Very Long Name,OU=Avery Long Unit,DC=contoso,DC=com")
    );
    assert_eq!(entries[0].origin, "mem.ldf line 5");
}

#[test]
fn json_with_byte_array_guids_dates_and_collections() {
    let entries = read_all(open_ad(Catalog::builtin(), &fixture("ad_users.json"), None).unwrap());
    assert_eq!(entries.len(), 4);
    assert_eq!(
        entries[0].attributes["msExchMailboxGuid"],
        AttributeValue::from("00112233-4455-6677-8899-aabbccddeeff")
    );
    assert_eq!(
        entries[0].when_changed,
        Some(DateTime::from_timestamp_millis(1_793_527_200_000).unwrap())
    );
    assert_eq!(
        entries[1].attributes["proxyAddresses"],
        AttributeValue::List(vec![
            "SMTP:bob@contoso.com".into(),
            "smtp:bob.obrien@contoso.com".into()
        ])
    );
    assert!(
        entries[1].origin.contains("record 2"),
        "{}",
        entries[1].origin
    );
    // A single object (ConvertTo-Json of one user) is one record.
    let one = read_all(AdJsonReader::new(
        Cursor::new(br#" {"UserPrincipalName":"a@contoso.com"} "#.to_vec()),
        "one.json",
        Catalog::builtin().clone(),
    ));
    assert_eq!(one.len(), 1);
    let none = read_all(AdJsonReader::new(
        Cursor::new(b"[ ]".to_vec()),
        "empty.json",
        Catalog::builtin().clone(),
    ));
    assert!(none.is_empty());
}

#[test]
fn cloud_json_with_bom_and_crlf() {
    let cloud: Vec<_> = open_cloud(&fixture("mailboxes.json"))
        .unwrap()
        .collect::<soa_core::Result<_>>()
        .unwrap();
    assert_eq!(cloud.len(), 4);
    assert!(cloud[0].mailbox.is_exchange_cloud_managed);
    assert_eq!(
        cloud[0].property("customattribute1"),
        Some(&AttributeValue::from("Finance"))
    );
}

fn error_of<T: std::fmt::Debug>(result: soa_core::Result<T>) -> String {
    result.unwrap_err().to_string()
}

fn first_error(path: &str) -> String {
    let entries = open_ad(Catalog::builtin(), &fixture(path), None).unwrap();
    error_of(entries.collect::<soa_core::Result<Vec<_>>>())
}

#[test]
fn malformed_inputs_name_file_line_and_problem() {
    let e = first_error("bad_unequal.csv");
    assert!(e.contains("bad_unequal.csv line 3"), "{e}");
    assert!(e.contains("3 field(s) where the header has 2"), "{e}");

    let e = first_error("bad_base64.ldf");
    assert!(e.contains("bad_base64.ldf line 5"), "{e}");
    assert!(e.contains("not valid base64"), "{e}");

    let e = first_error("bad_continuation.ldf");
    assert!(e.contains("line 3") && e.contains("continuation"), "{e}");

    let e = first_error("bad_no_colon.ldf");
    assert!(
        e.contains("line 2") && e.contains("attribute: value"),
        "{e}"
    );

    let e = first_error("bad_truncated.json");
    assert!(e.contains("bad_truncated.json"), "{e}");
    assert!(e.contains("end of file inside record 2"), "{e}");
    assert!(e.contains("starts on line 3"), "{e}");

    let e = first_error("bad_record.json");
    assert!(e.contains("bad_record.json record 2 line 3"), "{e}");

    let e = error_of(
        AdJsonReader::new(
            Cursor::new(b"[1, 2]".to_vec()),
            "numbers.json",
            Catalog::builtin().clone(),
        )
        .collect::<soa_core::Result<Vec<_>>>(),
    );
    assert!(e.contains("record 1 is not a JSON object"), "{e}");

    let e = error_of(
        CloudJsonReader::new(Cursor::new(b"nonsense".to_vec()), "cloud.json")
            .collect::<soa_core::Result<Vec<_>>>(),
    );
    assert!(e.contains("cloud.json line 1"), "{e}");

    let e = match open_ad(Catalog::builtin(), Path::new("export.txt"), None) {
        Ok(_) => panic!("an unknown extension is refused"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("unknown AD export format"), "{e}");

    // Windows PowerShell 5.1 writes UTF-16 with Out-File: named, not misread.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("[{}]".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let catalog = Catalog::builtin().clone();
    let readers: Vec<Box<dyn Iterator<Item = soa_core::Result<AdEntry>>>> = vec![
        Box::new(AdJsonReader::new(
            Cursor::new(utf16.clone()),
            "u.json",
            catalog.clone(),
        )),
        Box::new(AdLdifReader::new(
            Cursor::new(utf16.clone()),
            "u.ldf",
            catalog.clone(),
        )),
        Box::new(AdCsvReader::new(Cursor::new(utf16), "u.csv", catalog)),
    ];
    for reader in readers {
        let e = error_of(reader.collect::<soa_core::Result<Vec<_>>>());
        assert!(e.contains("line 1") && e.contains("UTF-16"), "{e}");
    }

    // The iterator stops after an error instead of carrying on with garbage.
    let mut it = open_ad(Catalog::builtin(), &fixture("bad_unequal.csv"), None).unwrap();
    assert!(it.next().unwrap().is_ok());
    assert!(it.next().unwrap().is_err());
    assert!(it.next().is_none());
}

// ---------------------------------------------------------------- join and classification

fn check_fixture_report(report: &Report) {
    let t = &report.totals;
    assert_eq!(t.cloud_records, 4);
    assert_eq!(t.matched, 3, "{report:#?}");
    assert_eq!(t.ad_only, 1);
    assert_eq!(report.ad_only[0].name, "dave@contoso.com");
    assert_eq!(t.cloud_only, 1);
    assert_eq!(report.cloud_only[0].name, "erin@contoso.com");

    let a = find(report, "alice@contoso.com", "CustomAttribute1");
    assert_eq!(a.matched_by, JoinKey::ExchangeGuid);
    assert_eq!(a.class, DiffClass::CloudMasterAdStale);
    assert_eq!(a.reason, Reason::WritebackOff);
    assert_eq!(a.ad_value, AttributeValue::from("Sales"));
    assert_eq!(a.ldap_name, "extensionAttribute1");
    // Proxy addresses in another order and case are in sync.
    assert!(
        !report
            .differences
            .iter()
            .any(|d| d.mailbox == "alice@contoso.com" && d.attribute == "EmailAddresses")
    );

    let b = find(report, "bob@contoso.com", "CustomAttribute2");
    assert_eq!(b.matched_by, JoinKey::UserPrincipalName);
    assert_eq!(b.class, DiffClass::AdMasterCloudBehind);
    assert_eq!(b.reason, Reason::PendingSync);
    let b = find(report, "bob@contoso.com", "DisplayName");
    assert_eq!(b.class, DiffClass::IdentityDrift);

    let c = find(report, "carol@contoso.com", "UserPrincipalName");
    assert_eq!(c.matched_by, JoinKey::PrimarySmtpAddress);
    assert_eq!(c.class, DiffClass::IdentityDrift);
    assert!(t.in_sync > 0 && t.compared == t.in_sync + t.differences);
}

#[test]
fn csv_reconciles_with_all_join_keys() {
    let report = run("ad_users.csv", AdFormat::Csv);
    check_fixture_report(&report);
    assert_eq!(report.totals.ad_without_mailbox, 1);
    assert_eq!(report.totals.matched_by["exchange_guid"], 1);
    assert_eq!(report.totals.matched_by["user_principal_name"], 1);
    assert_eq!(report.totals.matched_by["primary_smtp_address"], 1);
}

#[test]
fn ldif_and_json_reconcile_like_csv() {
    check_fixture_report(&run("ad_users.ldf", AdFormat::Ldif));
    check_fixture_report(&run("ad_users.json", AdFormat::Json));
    // LDIF is a complete read: the alias missing from AD is a difference, and for Alice
    // (cloud-managed) it is never written back.
    let ldif = run("ad_users.ldf", AdFormat::Ldif);
    let alias = find(&ldif, "alice@contoso.com", "Alias");
    assert_eq!(alias.ad_value, AttributeValue::Null);
    assert_eq!(alias.reason, Reason::NeverWrittenBack);
}

#[test]
fn writeback_option_changes_the_reason() {
    let catalog = Catalog::builtin();
    let ad = open_ad(catalog, &fixture("ad_users.csv"), None).unwrap();
    let cloud = open_cloud(&fixture("mailboxes.json")).unwrap();
    let opts = ReconcileOptions {
        writeback_enabled: true,
        ..options()
    };
    let report = reconcile(catalog, ad, cloud, &opts).unwrap();
    let a = find(&report, "alice@contoso.com", "CustomAttribute1");
    assert_eq!(a.reason, Reason::WritebackPending);
}

fn cloud_json(items: &str) -> CloudJsonReader<Cursor<Vec<u8>>> {
    CloudJsonReader::new(Cursor::new(items.as_bytes().to_vec()), "cloud.json")
}

fn ad_csv(text: &str) -> AdCsvReader {
    AdCsvReader::new(
        Cursor::new(text.as_bytes().to_vec()),
        "ad.csv",
        Catalog::builtin().clone(),
    )
}

#[test]
fn ambiguous_matches_are_reported_not_guessed() {
    let cloud = cloud_json(
        r#"[{"UserPrincipalName":"x1@contoso.com","PrimarySmtpAddress":"shared@contoso.com","IsDirSynced":true},
            {"UserPrincipalName":"x2@contoso.com","PrimarySmtpAddress":"shared@contoso.com","IsDirSynced":true},
            {"UserPrincipalName":"y@contoso.com","PrimarySmtpAddress":"y@contoso.com","IsDirSynced":true}]"#,
    );
    let ad = ad_csv(
        "UserPrincipalName,mail\n\
         nobody@corp.contoso.com,shared@contoso.com\n\
         y@contoso.com,y@contoso.com\n\
         y@contoso.com,y@contoso.com\n",
    );
    let report = reconcile(Catalog::builtin(), ad, cloud, &options()).unwrap();
    assert_eq!(report.totals.ambiguous, 2, "{report:#?}");
    let ad_side = &report.ambiguous[0];
    assert_eq!(ad_side.key, JoinKey::PrimarySmtpAddress);
    assert_eq!(ad_side.candidates.len(), 2);
    assert!(ad_side.record.ends_with("line 2"));
    // Two AD accounts for one mailbox: the second is reported.
    let cloud_side = &report.ambiguous[1];
    assert_eq!(cloud_side.key, JoinKey::UserPrincipalName);
    assert!(cloud_side.record.ends_with("line 4"));
    assert_eq!(report.totals.matched, 1);
    // The two mailboxes that share an address were matched by nobody.
    assert_eq!(report.totals.cloud_only, 2);
}

#[test]
fn classification_rules() {
    let catalog = Catalog::builtin();
    let ctx = |state: MailboxState, ad_changed: Option<&str>| ClassifyContext {
        state,
        writeback_enabled: false,
        ad_changed: ad_changed.map(|t| t.parse().unwrap()),
        cloud_changed: Some("2026-11-20T00:00:00Z".parse().unwrap()),
        now: now(),
        sync_grace: TimeDelta::hours(2),
    };
    let ext1 = catalog.lookup("extensionAttribute1").unwrap();
    let alias = catalog.lookup("mailNickname").unwrap();
    let title = catalog.lookup("title").unwrap();
    let managed = MailboxState::cloud_managed();
    let synced = MailboxState::synced();

    assert_eq!(
        classify(ext1, &ctx(managed.clone(), None)),
        (DiffClass::CloudMasterAdStale, Reason::WritebackOff)
    );
    let mut on = ctx(managed.clone(), None);
    on.writeback_enabled = true;
    assert_eq!(
        classify(ext1, &on),
        (DiffClass::CloudMasterAdStale, Reason::WritebackPending)
    );
    assert_eq!(
        classify(alias, &on),
        (DiffClass::CloudMasterAdStale, Reason::NeverWrittenBack)
    );
    assert_eq!(
        classify(ext1, &ctx(managed, Some("2026-11-26T00:00:00Z"))),
        (DiffClass::Conflict, Reason::AdEditedAfterCloud)
    );
    assert_eq!(
        classify(ext1, &ctx(synced.clone(), Some("2026-11-27T01:00:00Z"))),
        (DiffClass::AdMasterCloudBehind, Reason::PendingSync)
    );
    assert_eq!(
        classify(ext1, &ctx(synced.clone(), Some("2026-11-26T01:00:00Z"))),
        (DiffClass::AdMasterCloudBehind, Reason::SyncErrorSuspected)
    );
    assert_eq!(
        classify(title, &ctx(synced, None)),
        (DiffClass::IdentityDrift, Reason::IdentityNotSynced)
    );
    assert_eq!(
        classify(ext1, &ctx(MailboxState::cloud_only(), None)),
        (DiffClass::Conflict, Reason::CloudObjectNotDirSynced)
    );
}

#[test]
fn empty_and_missing_and_boolean_spellings_are_in_sync() {
    let cloud = cloud_json(
        r#"[{"UserPrincipalName":"a@contoso.com","IsDirSynced":true,"IsExchangeCloudManaged":true,
             "CustomAttribute3":"","HiddenFromAddressListsEnabled":false,
             "EmailAddresses":["smtp:x@contoso.com","SMTP:A@contoso.com"]}]"#,
    );
    let ad = ad_csv(
        "UserPrincipalName,extensionAttribute3,msExchHideFromAddressLists,proxyAddresses\n\
         a@contoso.com,,FALSE,SMTP:a@contoso.com|smtp:X@contoso.com\n",
    );
    let report = reconcile(Catalog::builtin(), ad, cloud, &options()).unwrap();
    assert!(report.differences.is_empty(), "{:#?}", report.differences);
    assert_eq!(report.totals.compared, 4);
    // A demoted primary is a difference.
    let cloud = cloud_json(
        r#"[{"UserPrincipalName":"a@contoso.com","IsDirSynced":true,"IsExchangeCloudManaged":true,
             "EmailAddresses":["SMTP:x@contoso.com","smtp:a@contoso.com"]}]"#,
    );
    let ad = ad_csv(
        "UserPrincipalName,proxyAddresses\na@contoso.com,SMTP:a@contoso.com;smtp:x@contoso.com\n",
    );
    let report = reconcile(Catalog::builtin(), ad, cloud, &options()).unwrap();
    assert_eq!(report.differences.len(), 1);
    assert_eq!(report.differences[0].reason, Reason::WritebackOff);
}

// ---------------------------------------------------------------- reports

const HOSTILE: &str = "<script>alert('x')</script> \"'& --> `$(rm -rf /)` \u{2019}";

fn hostile_report() -> Report {
    let cloud = cloud_json(&format!(
        r#"[{{"UserPrincipalName":"a@contoso.com","IsDirSynced":true,"IsExchangeCloudManaged":true,
              "CustomAttribute1":{},"CustomAttribute2":" leading space","CustomAttribute3":":colon",
              "CustomAttribute4":"<angle","CustomAttribute5":"line\nbreak","CustomAttribute6":"Zoë",
              "CustomAttribute7":"","ExtensionCustomAttribute1":["a'b","c$(d)"]}}]"#,
        serde_json::to_string(HOSTILE).unwrap()
    ));
    let ad = ad_csv(
        "ObjectGUID,DistinguishedName,UserPrincipalName,extensionAttribute1,extensionAttribute2,extensionAttribute3,extensionAttribute4,extensionAttribute5,extensionAttribute6,extensionAttribute7,msExchExtensionCustomAttribute1\n\
         a0000000-0000-0000-0000-00000000000a,\"CN=A <x>,DC=contoso,DC=com\",a@contoso.com,old,old,old,old,old,old,old,old\n",
    );
    reconcile(Catalog::builtin(), ad, cloud, &options()).unwrap()
}

#[test]
fn html_report_escapes_every_value() {
    let report = hostile_report();
    assert_eq!(report.differences.len(), 8);
    let html = report.to_html();
    assert!(!html.contains("<script>alert"), "raw script in the page");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;&#39;&amp; --&gt; &#96;$(rm -rf /)&#96;"));
    // The only script element is ours; no external assets.
    assert_eq!(html.matches("<script>").count(), 1);
    assert!(!html.contains("src=") && !html.contains("href="));
    // Totals, chart and filter are there.
    assert!(html.contains("<b>8</b>Differences"));
    assert!(html.contains("id=\"chart\"") && html.contains("id=\"q\""));
    assert!(html.contains("data-class=\"cloud_master_ad_stale\""));
    let mut sources = hostile_report();
    sources.ad_source = "<img onerror=x>".into();
    assert!(sources.to_html().contains("&lt;img onerror=x&gt;"));
}

#[test]
fn json_and_csv_reports_round_trip() {
    let report = run("ad_users.csv", AdFormat::Csv);
    let back = Report::from_json(&report.to_json(), "report.json").unwrap();
    assert_eq!(back, report);
    let csv = hostile_report().to_csv().unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 8);
    let cloud = headers.iter().position(|h| h == "CloudValue").unwrap();
    assert!(rows.iter().any(|r| &r[cloud] == HOSTILE));
    assert!(rows.iter().any(|r| &r[cloud] == "line\nbreak"));
    let e = Report::from_json("{", "bad.json").unwrap_err().to_string();
    assert!(e.contains("bad.json"), "{e}");
}

#[test]
fn saved_reports_are_complete_files() {
    let dir = std::env::temp_dir().join(format!("soa-reconcile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = run("ad_users.csv", AdFormat::Csv);
    report.save_json(&dir.join("r.json")).unwrap();
    report.save_csv(&dir.join("r.csv")).unwrap();
    report.save_html(&dir.join("r.html")).unwrap();
    let text = std::fs::read_to_string(dir.join("r.json")).unwrap();
    assert_eq!(Report::from_json(&text, "r.json").unwrap(), report);
    let plan = WritebackPlan::new(&report, now(), |_| true);
    plan.save_ldif(&dir.join("w.ldf")).unwrap();
    plan.save_powershell(&dir.join("w.ps1")).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("w.ldf")).unwrap(),
        plan.to_ldif()
    );
    let ps1 = std::fs::read(dir.join("w.ps1")).unwrap();
    assert!(ps1.starts_with(b"\xEF\xBB\xBF#"));
    assert!(
        std::fs::read_to_string(dir.join("r.html"))
            .unwrap()
            .ends_with("</html>\n")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn comparing_two_reports_lists_what_changed() {
    let yesterday = run("ad_users.csv", AdFormat::Csv);
    let mut today = yesterday.clone();
    assert!(today.changes_since(&yesterday).is_empty());
    // Alice's difference is resolved, Bob's changes value, and a new one appears.
    today
        .differences
        .retain(|d| !(d.mailbox == "alice@contoso.com" && d.attribute == "CustomAttribute1"));
    let bob = today
        .differences
        .iter_mut()
        .find(|d| d.attribute == "CustomAttribute2")
        .unwrap();
    bob.cloud_value = "HR".into();
    let mut new = bob.clone();
    new.attribute = "CustomAttribute9".into();
    today.differences.push(new);
    let changes = today.changes_since(&yesterday);
    assert_eq!(changes.resolved.len(), 1);
    assert_eq!(changes.resolved[0].attribute, "CustomAttribute1");
    assert_eq!(changes.changed.len(), 1);
    assert_eq!(
        changes.changed[0].after.cloud_value,
        AttributeValue::from("HR")
    );
    assert_eq!(changes.new.len(), 1);
    assert_eq!(changes.unchanged, yesterday.differences.len() - 2);
}

// ---------------------------------------------------------------- writeback plans

/// Unfolds LDIF and returns (name, decoded value) pairs, comments dropped.
fn parse_ldif(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.lines() {
        assert!(raw.len() <= 76, "line longer than 76: {raw}");
        if let Some(rest) = raw.strip_prefix(' ') {
            lines.last_mut().unwrap().push_str(rest);
        } else if !raw.starts_with('#') {
            lines.push(raw.to_owned());
        }
    }
    lines
        .into_iter()
        .filter(|l| !l.is_empty() && l != "-")
        .map(|l| {
            let (name, rest) = l.split_once(':').unwrap();
            let value = if let Some(b64) = rest.strip_prefix(':') {
                decode_b64(b64.trim())
            } else {
                let v = rest.strip_prefix(' ').unwrap_or(rest);
                assert!(
                    !v.starts_with([' ', ':', '<']) && v.is_ascii() && !v.ends_with(' '),
                    "unsafe value written plainly: {v:?}"
                );
                v.as_bytes().to_vec()
            };
            (name.to_owned(), value)
        })
        .collect()
}

fn decode_b64(text: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.trim_end_matches('=').bytes() {
        let v = u32::try_from(alphabet.iter().position(|&a| a == c).unwrap()).unwrap();
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap());
        }
    }
    out
}

#[test]
fn ldif_plan_encodes_what_needs_it_and_folds() {
    let report = hostile_report();
    let plan = WritebackPlan::new(&report, now(), |d| d.class == DiffClass::CloudMasterAdStale);
    assert_eq!(plan.change_count(), 8);
    let ldif = plan.to_ldif();
    assert!(ldif.starts_with("# Writeback plan generated by exchange-soa"));
    assert!(ldif.contains("# Changes: 8 attribute(s) on 1 account(s)"));
    assert!(ldif.contains("\nchangetype: modify\n"));
    let pairs = parse_ldif(&ldif);
    let values = |name: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
            .collect()
    };
    assert_eq!(values("dn"), ["CN=A <x>,DC=contoso,DC=com"]);
    assert_eq!(values("extensionAttribute1"), [HOSTILE]);
    assert_eq!(values("extensionAttribute2"), [" leading space"]);
    assert_eq!(values("extensionAttribute3"), [":colon"]);
    assert_eq!(values("extensionAttribute4"), ["<angle"]);
    assert_eq!(values("extensionAttribute5"), ["line\nbreak"]);
    assert_eq!(values("extensionAttribute6"), ["Zoë"]);
    assert!(
        values("extensionAttribute7").is_empty(),
        "an empty value clears"
    );
    assert!(ldif.contains("replace: extensionAttribute7\n-\n"));
    assert_eq!(values("msExchExtensionCustomAttribute1"), ["a'b", "c$(d)"]);
    assert!(ldif.contains("extensionAttribute2:: "));
    // A long value is folded into lines of at most 76 characters (checked in parse_ldif).
    let mut long = hostile_report();
    long.differences[0].cloud_value = "x".repeat(300).into();
    let ldif = WritebackPlan::new(&long, now(), |_| true).to_ldif();
    assert!(ldif.lines().any(|l| l.starts_with(' ')));
    assert!(parse_ldif(&ldif).iter().any(|(_, v)| v == &vec![b'x'; 300]));
}

/// Reads a PowerShell single-quoted literal at the start of `s` (with PowerShell's rules: any
/// of the five single-quote characters opens, closes, and doubles), returning its value and the
/// rest of the text.
fn ps_literal(s: &str) -> (String, &str) {
    const Q: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
    let mut chars = s.char_indices().peekable();
    let (_, open) = chars.next().unwrap();
    assert!(Q.contains(&open), "not a literal: {s}");
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        if Q.contains(&c) {
            if let Some(&(_, n)) = chars.peek()
                && Q.contains(&n)
            {
                value.push(c);
                chars.next();
                continue;
            }
            return (value, &s[i + c.len_utf8()..]);
        }
        value.push(c);
    }
    panic!("unterminated literal: {s}");
}

/// Reads a PowerShell string expression at the start of `s` as the library writes it: one
/// single-quoted literal, or literals and `[char]0xHHHH` casts (UTF-16 units) joined with ` + `
/// in parentheses; returns its value and the rest of the text.
fn ps_string(s: &str) -> (String, &str) {
    let Some(mut rest) = s.strip_prefix('(') else {
        return ps_literal(s);
    };
    let mut units: Vec<u16> = Vec::new();
    loop {
        if let Some(cast) = rest.strip_prefix("[char]0x") {
            units.push(u16::from_str_radix(&cast[..4], 16).unwrap());
            rest = &cast[4..];
        } else {
            let (part, after) = ps_literal(rest);
            units.extend(part.encode_utf16());
            rest = after;
        }
        match rest.strip_prefix(" + ") {
            Some(after) => rest = after,
            None => break,
        }
    }
    let rest = rest
        .strip_prefix(')')
        .unwrap_or_else(|| panic!("unclosed expression: {s}"));
    (String::from_utf16(&units).unwrap(), rest)
}

#[test]
fn powershell_plan_keeps_every_value_one_literal() {
    let report = hostile_report();
    let plan = WritebackPlan::new(&report, now(), |_| true);
    let script = plan.to_powershell();
    assert!(script.contains("param([switch]$Apply)"));
    // Pure ASCII: read the same under any code page.
    assert!(script.is_ascii());
    let line = &script[script.find("\nSet-ADUser").unwrap() + 1..];
    let rest = line.strip_prefix("Set-ADUser -Identity ").unwrap();
    let (identity, rest) = ps_string(rest);
    assert_eq!(identity, "a0000000-0000-0000-0000-00000000000a");
    let mut rest = rest.strip_prefix(" -Replace @{").unwrap();
    let mut seen = std::collections::BTreeMap::new();
    while !rest.starts_with('}') {
        let (key, after) = rest.split_once('=').unwrap();
        let key = key.trim_start_matches("; ").to_owned();
        let mut values = Vec::new();
        let mut after = after;
        if let Some(array) = after.strip_prefix("@(") {
            after = array;
            loop {
                let (v, r) = ps_string(after);
                values.push(v);
                if let Some(r) = r.strip_prefix(',') {
                    after = r;
                } else {
                    after = r.strip_prefix(')').unwrap();
                    break;
                }
            }
        } else {
            let (v, r) = ps_string(after);
            values.push(v);
            after = r;
        }
        seen.insert(key, values);
        rest = after;
    }
    assert_eq!(seen["extensionAttribute1"], [HOSTILE]);
    assert_eq!(seen["extensionAttribute5"], ["line\nbreak"]);
    assert_eq!(seen["extensionAttribute6"], ["Zo\u{eb}"]);
    assert_eq!(seen["msExchExtensionCustomAttribute1"], ["a'b", "c$(d)"]);
    assert_eq!(seen.len(), 7);
    let rest = rest.strip_prefix("} -Clear ").unwrap();
    let (cleared, rest) = ps_string(rest.strip_prefix("@(").unwrap());
    assert_eq!(cleared, "extensionAttribute7");
    assert_eq!(rest, ") -WhatIf:(-not $Apply)\n");
    // Headers cannot smuggle code through a newline in a source name.
    let mut evil = hostile_report();
    evil.ad_source = "x\nRemove-Item -Recurse C:\\".into();
    let script = WritebackPlan::new(&evil, now(), |_| true).to_powershell();
    assert!(script.lines().all(|l| !l.starts_with("Remove-Item")));
}

#[test]
fn plan_skips_what_it_cannot_address() {
    let report = run("ad_users.ldf", AdFormat::Ldif);
    // Only Alice's cloud-master differences; LDIF has DNs, not objectGUIDs in this plan's identity.
    let plan = WritebackPlan::new(&report, now(), |d| d.class == DiffClass::CloudMasterAdStale);
    assert!(plan.skipped.is_empty());
    let script = plan.to_powershell();
    assert!(script.contains("Set-ADUser -Identity '04030201-0605-0807-090a-0b0c0d0e0f10'"));
    let mut report = report;
    for d in &mut report.differences {
        d.ad_object_guid = None;
        d.ad_distinguished_name = None;
    }
    let plan = WritebackPlan::new(&report, now(), |_| true);
    assert!(plan.accounts.is_empty());
    assert_eq!(plan.skipped.len(), report.differences.len());
}

// ---------------------------------------------------------------- simulated organization

#[tokio::test]
async fn simulated_cloud_edit_without_writeback_is_cloud_master_ad_stale() {
    let org = SimulatedOrg::generate(60, 7);
    org.set_cloud_sync_agent(None);
    let filter = MailboxFilter {
        dir_synced: Some(true),
        cloud_managed: Some(true),
        ..MailboxFilter::default()
    };
    let mut pager = org.list_mailboxes(filter);
    let target = futures_util::StreamExt::next(&mut pager)
        .await
        .and_then(|m| m.unwrap().user_principal_name);
    drop(pager);
    let target = target.expect("the generated organization has a cloud-managed mailbox");
    org.set_mailbox(
        &target,
        &MailboxChanges::set("CustomAttribute12", "edited in the cloud"),
    )
    .await
    .unwrap();
    org.advance(TimeDelta::hours(1));

    // The AD side: every dir-synced mailbox's account, as a complete read.
    let mut pager = org.list_mailboxes(MailboxFilter {
        dir_synced: Some(true),
        ..MailboxFilter::default()
    });
    let mut ad = Vec::new();
    while let Some(m) = futures_util::StreamExt::next(&mut pager).await {
        let upn = m.unwrap().user_principal_name.unwrap();
        let user = org.ad_user(&upn).unwrap();
        let mut attributes = org.ad_attributes(&upn).unwrap();
        attributes.insert("userPrincipalName".into(), upn.as_str().into());
        ad.push(Ok(AdEntry {
            origin: format!("AD {upn}"),
            distinguished_name: None,
            object_guid: Some(user.object_guid.clone()),
            when_changed: Some(user.when_changed),
            attributes,
            complete: true,
        }));
    }
    drop(pager);
    let count = ad.len();
    let opts = ReconcileOptions {
        now: Some(org.now()),
        ..ReconcileOptions::default()
    };
    let report = reconcile_live(org.catalog(), ad, &org, &opts)
        .await
        .unwrap();
    assert_eq!(report.totals.matched, count, "{:#?}", report.ambiguous);
    let d = find(&report, &target, "CustomAttribute12");
    assert_eq!(d.class, DiffClass::CloudMasterAdStale);
    assert_eq!(d.reason, Reason::WritebackOff);
    assert_eq!(d.cloud_value, AttributeValue::from("edited in the cloud"));
    assert_eq!(d.matched_by, JoinKey::UserPrincipalName);
    // The plan writes it back by objectGUID.
    let plan = WritebackPlan::new(&report, org.now(), |x| x.key() == d.key());
    assert_eq!(plan.change_count(), 1);
    assert!(
        plan.to_powershell()
            .contains("-Replace @{extensionAttribute12='edited in the cloud'}")
    );
}

// ---------------------------------------------------------------- files, the fast cloud reader

/// A scratch folder of this test process, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "soa-reconcile-test-{}-{name}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The report of `reconcile` over the streaming readers, for comparison with `reconcile_files`.
fn reconcile_streaming(ad: &Path, cloud: &Path, opts: &ReconcileOptions) -> Report {
    let catalog = Catalog::builtin();
    reconcile(
        catalog,
        open_ad(catalog, ad, None).unwrap(),
        open_cloud(cloud).unwrap(),
        opts,
    )
    .unwrap()
}

/// The error of `reconcile_files`, checked to be the one `reconcile` gives over the streaming
/// readers.
fn same_error_on_both_paths(ad: &Path, cloud: &Path) -> String {
    let catalog = Catalog::builtin();
    let fast = error_of(reconcile_files(catalog, ad, None, cloud, &options()));
    let slow = error_of(reconcile(
        catalog,
        open_ad(catalog, ad, None).unwrap(),
        open_cloud(cloud).unwrap(),
        &options(),
    ));
    assert_eq!(fast, slow);
    fast
}

#[test]
fn reconcile_files_names_the_sources_after_the_files() {
    let ad = fixture("ad_users.csv");
    let cloud = fixture("mailboxes.json");
    let opts = ReconcileOptions {
        now: Some(now()),
        ..ReconcileOptions::default()
    };
    let report = reconcile_files(Catalog::builtin(), &ad, None, &cloud, &opts).unwrap();
    assert_eq!(report.ad_source, ad.display().to_string());
    assert_eq!(report.cloud_source, cloud.display().to_string());
    check_fixture_report(&report);
    // Names given by the caller are kept.
    let named = reconcile_files(Catalog::builtin(), &ad, None, &cloud, &options()).unwrap();
    assert_eq!(named.ad_source, "ad export");
    assert_eq!(named.cloud_source, "mailboxes.json");
    // A malformed AD record (read on the second thread) is the error, as with the readers.
    let e = error_of(reconcile_files(
        Catalog::builtin(),
        &fixture("bad_unequal.csv"),
        None,
        &cloud,
        &opts,
    ));
    assert!(e.contains("bad_unequal.csv line 3"), "{e}");
    assert!(e.contains("3 field(s) where the header has 2"), "{e}");
    // A cloud file that is missing is an I/O error naming it, not a panic.
    let e = error_of(reconcile_files(
        Catalog::builtin(),
        &ad,
        None,
        &fixture("no-such-file.json"),
        &opts,
    ));
    assert!(e.contains("no-such-file.json"), "{e}");
}

#[test]
fn reconcile_files_agrees_with_the_streaming_readers() {
    // Every AD format of the fixtures, and a cloud file in the rarer spellings the fast reader
    // hands to the typed reading: escaped keys and values, `/Date(...)/` times, Booleans as
    // text, wrapped values, numbers, nested arrays, a duplicate key.
    for (name, format) in [
        ("ad_users.csv", AdFormat::Csv),
        ("ad_users.ldf", AdFormat::Ldif),
        ("ad_users.json", AdFormat::Json),
    ] {
        let ad = fixture(name);
        let cloud = fixture("mailboxes.json");
        let fast = reconcile_files(Catalog::builtin(), &ad, Some(format), &cloud, &options());
        assert_eq!(
            fast.unwrap(),
            reconcile_streaming(&ad, &cloud, &options()),
            "{name}"
        );
    }
    let scratch = Scratch::new("agree");
    let cloud = scratch.write(
        "odd.json",
        r#"[
  {"UserPrincipalName": "a@contoso.com", "IsDirSynced": "True", "IsExchangeCloudManaged": "true",
   "WhenChangedUTC": "/Date(1763600000000)/", "Custom\u0041ttribute1": "caf\u00e9 \"q\" \\ end",
   "CustomAttribute2": 42, "CustomAttribute3": 1.5, "CustomAttribute4": true,
   "ExtensionCustomAttribute1": {"value": ["x", "y"], "Count": 2},
   "ExtensionCustomAttribute2": [1, null, "s"],
   "HiddenFromAddressListsEnabled": "False", "customattribute5": "lower-case key",
   "CustomAttribute6": "first", "CustomAttribute6": "second"},
  {"UserPrincipalName": "b@contoso.com", "IsDirSynced": true, "IsExchangeCloudManaged": false,
   "WhenChangedUTC": {"value": "/Date(1763600000000)/", "DisplayHint": 2},
   "ExchangeGuid": {"Guid": "B0000000-0000-0000-0000-00000000000B"},
   "CustomAttribute1": "b1", "EmailAddresses": "SMTP:b@contoso.com"}
]"#,
    );
    let ad = scratch.write(
        "ad.csv",
        "UserPrincipalName,msExchMailboxGuid,extensionAttribute1,extensionAttribute2,extensionAttribute3,extensionAttribute4,extensionAttribute5,extensionAttribute6,msExchExtensionCustomAttribute1,msExchExtensionCustomAttribute2,msExchHideFromAddressLists,proxyAddresses,whenChanged\n\
         a@contoso.com,,old,42,1.5,True,lower-case key,second,y;x,1,TRUE,,2025-01-01T00:00:00Z\n\
         b@contoso.com,{b0000000-0000-0000-0000-00000000000b},b1,,,,,,,,,smtp:b@contoso.com,2026-11-26T00:00:00Z\n",
    );
    let fast = reconcile_files(Catalog::builtin(), &ad, None, &cloud, &options()).unwrap();
    let slow = reconcile_streaming(&ad, &cloud, &options());
    assert_eq!(fast, slow);
    assert_eq!(fast.totals.matched, 2, "{fast:#?}");
    // A shape the typed mailbox refuses is the same error on both paths, fast spellings or not.
    for record in [
        r#"[{"UserPrincipalName": "a@contoso.com", "ExtensionCustomAttribute1": [["nested"]]}]"#,
        r#"[{"UserPrincipalName": "a@contoso.com", "WhenChangedUTC": "/Date(1)/", "CustomAttribute1": {"k": 1}}]"#,
        r#"[{"UserPrincipalName": "a@contoso.com", "IsDirSynced": "maybe"}]"#,
    ] {
        let bad = scratch.write("bad.json", record);
        let fast = same_error_on_both_paths(&ad, &bad);
        assert!(
            fast.contains("bad.json record 1 (line 1)") && fast.contains("not a mailbox"),
            "{fast}"
        );
    }
    let a = find(&fast, "a@contoso.com", "CustomAttribute1");
    assert_eq!(a.cloud_value, AttributeValue::from("café \"q\" \\ end"));
    assert_eq!(a.class, DiffClass::CloudMasterAdStale);
    // The duplicate key: the last one counts, on both paths.
    assert!(
        !fast
            .differences
            .iter()
            .any(|d| d.attribute == "CustomAttribute6"),
        "{:#?}",
        fast.differences
    );
    // The GUID in braces and upper case joins, and the primary address missing in AD differs.
    let b = find(&fast, "b@contoso.com", "EmailAddresses");
    assert_eq!(b.matched_by, JoinKey::ExchangeGuid);
    assert_eq!(b.class, DiffClass::AdMasterCloudBehind);
}

#[test]
fn cloud_records_split_across_tiny_buffers_read_the_same() {
    // Escapes, quotes and braces inside strings, falling on every buffer boundary.
    let text = r#"[{"UserPrincipalName":"a@contoso.com","CustomAttribute1":"x\\\"}]{[\\","CustomAttribute2":"\\\\"},
                   {"UserPrincipalName":"b@contoso.com","CustomAttribute1":"\"\\","CustomAttribute2":"}"},
                   {"UserPrincipalName":"c@contoso.com","ExtensionCustomAttribute1":{"value":["[x]","{y}",
                    "Zoë — ünïcode \\\" ]} a longer string, with [brackets] and {braces} in it \\"],"Count":3},
                    "EmailAddresses":[["nested", ["deeper", {"k": "]}"}]], "SMTP:c@contoso.com"]}]"#;
    let whole: Vec<_> = cloud_json(text).collect();
    assert_eq!(whole.len(), 3);
    // The third record's nested array is not a mailbox's address list: an error, wherever
    // the buffers end.
    let e = whole[2].as_ref().map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("record 3") && e.contains("not a mailbox"), "{e}");
    let whole: Vec<_> = whole.into_iter().take(2).map(Result::unwrap).collect();
    assert_eq!(
        whole[0].property("CustomAttribute1"),
        Some(&AttributeValue::from("x\\\"}]{[\\"))
    );
    for capacity in 1..9 {
        let reader = std::io::BufReader::with_capacity(capacity, text.as_bytes());
        let split: Vec<_> = CloudJsonReader::new(reader, "cloud.json").collect();
        assert_eq!(split.len(), 3, "buffer of {capacity}");
        let e2 = split[2].as_ref().map(|_| ()).unwrap_err().to_string();
        assert_eq!(e2, e, "buffer of {capacity}");
        let split: Vec<_> = split.into_iter().take(2).map(Result::unwrap).collect();
        assert_eq!(split, whole, "buffer of {capacity}");
    }
}

// ---------------------------------------------------------------- DN references

const REF_CLOUD: &str = r#"[
  {"Name": "Alice Wong", "Alias": "alice", "UserPrincipalName": "alice@contoso.com",
   "PrimarySmtpAddress": "alice@contoso.com", "IsDirSynced": true, "IsExchangeCloudManaged": true,
   "ForwardingAddress": "Bob O'Brien", "Manager": "carol",
   "GrantSendOnBehalfTo": ["CAROL@contoso.com", "Bob O'Brien"],
   "WhenChangedUTC": "2026-11-26T00:00:00Z"},
  {"Name": "Bob O'Brien", "Alias": "bob", "UserPrincipalName": "bob@contoso.com",
   "PrimarySmtpAddress": "bob@contoso.com", "IsDirSynced": true, "IsExchangeCloudManaged": true,
   "ForwardingAddress": "Alice Wong", "Manager": null, "GrantSendOnBehalfTo": [],
   "WhenChangedUTC": "2026-11-26T00:00:00Z"},
  {"Name": "Carol Diaz", "Alias": "carol", "UserPrincipalName": "carol@contoso.com",
   "PrimarySmtpAddress": "carol@contoso.com", "IsDirSynced": true, "IsExchangeCloudManaged": true,
   "ForwardingAddress": "Former Employee", "Manager": "CN=Alice Wong,OU=Staff,DC=contoso,DC=com",
   "GrantSendOnBehalfTo": ["Dup Name"],
   "WhenChangedUTC": "2026-11-26T00:00:00Z"},
  {"Name": "Dup Name", "Alias": "dup1", "UserPrincipalName": "dup1@contoso.com",
   "IsDirSynced": true, "WhenChangedUTC": "2026-11-26T00:00:00Z"},
  {"Name": "Dup Name", "Alias": "dup2", "UserPrincipalName": "dup2@contoso.com",
   "IsDirSynced": true, "WhenChangedUTC": "2026-11-26T00:00:00Z"}
]"#;

/// Alice's references point at accounts read after her (Bob, Carol): the references are
/// decided once the whole export has been read.
const REF_AD: &str = "DistinguishedName,UserPrincipalName,altRecipient,manager,publicDelegates,whenChanged\n\
    \"CN=Alice Wong,OU=Staff,DC=contoso,DC=com\",alice@contoso.com,\"cn=bob O'Brien, ou=staff,dc=CONTOSO,dc=com\",\"CN=Carol Diaz,OU=Staff,DC=contoso,DC=com\",\"CN=Bob O'Brien,OU=Staff,DC=contoso,DC=com;CN=Carol Diaz,OU=Staff,DC=contoso,DC=com\",2026-11-01T00:00:00Z\n\
    \"CN=Bob O'Brien,OU=Staff,DC=contoso,DC=com\",bob@contoso.com,\"CN=Carol Diaz,OU=Staff,DC=contoso,DC=com\",,,2026-11-01T00:00:00Z\n\
    \"CN=Carol Diaz,OU=Staff,DC=contoso,DC=com\",carol@contoso.com,\"CN=Former Employee,OU=Gone,DC=contoso,DC=com\",\"CN=Alice Wong,OU=Staff,DC=contoso,DC=com\",\"CN=Dup Name,OU=Staff,DC=contoso,DC=com\",2026-11-01T00:00:00Z\n";

fn reference_report() -> Report {
    let scratch = Scratch::new("refs");
    let ad = scratch.write("ad.csv", REF_AD);
    let cloud = scratch.write("mailboxes.json", REF_CLOUD);
    let fast = reconcile_files(Catalog::builtin(), &ad, None, &cloud, &options()).unwrap();
    assert_eq!(fast, reconcile_streaming(&ad, &cloud, &options()));
    fast
}

#[test]
fn dn_references_that_name_the_same_mailbox_are_in_sync() {
    let report = reference_report();
    let of = |mailbox: &str, attribute: &str| {
        report
            .differences
            .iter()
            .find(|d| d.mailbox == mailbox && d.attribute == attribute)
    };
    // A DN in another case and spacing, a name, an alias, an address in another case, the
    // cloud showing a DN: all name the same mailboxes.
    assert!(of("alice@contoso.com", "ForwardingAddress").is_none());
    assert!(of("alice@contoso.com", "Manager").is_none());
    assert!(of("alice@contoso.com", "GrantSendOnBehalfTo").is_none());
    assert!(of("carol@contoso.com", "Manager").is_none());
    assert_eq!(
        report.totals.compared,
        report.totals.in_sync + report.totals.differences
    );
    assert_eq!(report.totals.differences, report.differences.len());
}

#[test]
fn dn_references_to_another_mailbox_differ() {
    let report = reference_report();
    // Bob forwards to Carol in AD and to Alice in the cloud.
    let d = find(&report, "bob@contoso.com", "ForwardingAddress");
    assert_eq!(d.class, DiffClass::CloudMasterAdStale);
    assert_eq!(d.reason, Reason::NeverWrittenBack);
    assert_eq!(
        d.ad_value,
        AttributeValue::from("CN=Carol Diaz,OU=Staff,DC=contoso,DC=com")
    );
    assert_eq!(d.cloud_value, AttributeValue::from("Alice Wong"));
    assert_eq!(report.totals.by_attribute["ForwardingAddress"], 2);
}

#[test]
fn dn_references_that_cannot_be_resolved_say_so() {
    let report = reference_report();
    // An account outside the export and a name no mailbox has.
    let d = find(&report, "carol@contoso.com", "ForwardingAddress");
    assert_eq!(d.reason, Reason::UnresolvedReference);
    assert_eq!(d.class, DiffClass::CloudMasterAdStale);
    // A name two mailboxes share is not guessed either.
    let d = find(&report, "carol@contoso.com", "GrantSendOnBehalfTo");
    assert_eq!(d.reason, Reason::UnresolvedReference);
    assert_eq!(d.reason.as_str(), "unresolved_reference");
    let json = report.to_json();
    assert!(json.contains("\"unresolved_reference\""));
    assert_eq!(Report::from_json(&json, "report").unwrap(), report);
}

#[test]
fn large_cloud_files_fail_at_the_first_bad_record_like_the_streaming_reader() {
    // More records than one batch of the parallel reader, with a malformed record far in, and
    // a structural error after it: the first one in the file is the error, on both paths.
    let scratch = Scratch::new("batches");
    let ad = scratch.write("ad.csv", "UserPrincipalName\nu1@contoso.com\n");
    let mut good = String::from("[\n");
    let mut bad = String::from("[\n");
    let record = |i: usize| {
        let sep = if i == 0 { "" } else { ",\n" };
        format!(
            r#"{sep}{{"UserPrincipalName": "u{i}@contoso.com", "IsDirSynced": true, "CustomAttribute1": "{i}"}}"#
        )
    };
    for i in 0..1500 {
        good.push_str(&record(i));
    }
    for i in 0..1500 {
        let sep = if i == 0 { "" } else { ",\n" };
        if i == 1234 {
            bad.push_str(sep);
            bad.push_str(r#"{"UserPrincipalName": "broken@contoso.com", "CustomAttribute1": }"#);
        } else if i == 1400 {
            bad.push_str(",\n] trailing");
            break;
        } else {
            bad.push_str(&record(i));
        }
    }
    good.push_str("\n]\n");
    let good = scratch.write("good.json", &good);
    let fast = reconcile_files(Catalog::builtin(), &ad, None, &good, &options()).unwrap();
    assert_eq!(fast, reconcile_streaming(&ad, &good, &options()));
    assert_eq!(fast.totals.cloud_records, 1500);
    assert_eq!(
        fast.cloud_only.last().map(|u| u.name.as_str()),
        Some("u1499@contoso.com")
    );
    assert_eq!(
        fast.cloud_only[0].record,
        format!("{} record 1 (line 2)", good.display())
    );

    let bad = scratch.write("bad.json", &bad);
    let e = same_error_on_both_paths(&ad, &bad);
    assert!(e.contains("bad.json record 1235 line 1236"), "{e}");
}

#[test]
fn a_sync_grace_out_of_range_is_refused_before_anything_is_read() {
    for minutes in [-1, i64::MAX, i64::MAX / 60] {
        let options = ReconcileOptions {
            sync_grace_minutes: minutes,
            ..options()
        };
        let err = reconcile(
            Catalog::builtin(),
            ad_csv("UserPrincipalName\na@contoso.com\n"),
            cloud_json("[]"),
            &options,
        )
        .expect_err("refused");
        assert!(
            err.to_string().contains("sync_grace_minutes"),
            "{minutes}: {err}"
        );
        let err = reconcile_files(
            Catalog::builtin(),
            Path::new("no such file.csv"),
            None,
            Path::new("no such file.json"),
            &options,
        )
        .expect_err("refused");
        assert!(
            err.to_string().contains("sync_grace_minutes"),
            "{minutes}: {err}"
        );
    }
    let week = ReconcileOptions {
        sync_grace_minutes: 7 * 24 * 60,
        ..options()
    };
    assert!(week.validate().is_ok());
}

#[tokio::test]
async fn the_simulated_ad_export_joins_on_the_mailbox_guid_without_identity_drift() {
    let org = SimulatedOrg::generate(120, 3);
    let ad: Vec<_> = org.ad_export().into_iter().map(Ok).collect();
    assert!(
        ad.iter()
            .flatten()
            .all(|e| e.complete && e.object_guid.is_some())
    );
    let options = ReconcileOptions {
        now: Some(org.now()),
        ..ReconcileOptions::default()
    };
    let report = reconcile_live(org.catalog(), ad, &org, &options)
        .await
        .unwrap();
    assert!(report.totals.cloud_records > 50);
    assert_eq!(report.totals.matched, report.totals.cloud_records);
    assert_eq!(
        report
            .totals
            .matched_by
            .get(JoinKey::ExchangeGuid.as_str())
            .copied(),
        Some(report.totals.matched),
        "{:?}",
        report.totals.matched_by
    );
    assert!(report.cloud_only.is_empty() && report.ambiguous.is_empty());
    assert_eq!(
        report.of_class(DiffClass::IdentityDrift).count(),
        0,
        "{report:#?}"
    );
}

#[test]
fn a_writeback_selection_takes_classes_attributes_and_mailboxes() {
    use soa_core::reconcile::writeback::WritebackSelection;
    let report = run("ad_users.csv", AdFormat::Csv);
    let stale: Vec<&Difference> = report.of_class(DiffClass::CloudMasterAdStale).collect();
    assert!(!stale.is_empty() && stale.len() < report.differences.len());
    let default = WritebackSelection::default();
    assert_eq!(
        report
            .differences
            .iter()
            .filter(|d| default.accepts(d))
            .count(),
        stale.len()
    );
    let d = stale[0];
    let by_ldap: WritebackSelection = serde_json::from_str(&format!(
        r#"{{"attributes":[" {} "],"mailboxes":["{}"]}}"#,
        d.ldap_name.to_uppercase(),
        d.mailbox.to_uppercase()
    ))
    .unwrap();
    assert!(by_ldap.accepts(d));
    assert!(
        report
            .differences
            .iter()
            .filter(|x| by_ldap.accepts(x))
            .all(|x| x.mailbox == d.mailbox && x.ldap_name == d.ldap_name)
    );
    let plan = WritebackPlan::for_selection(&report, &by_ldap);
    assert_eq!(plan.change_count(), 1);
    assert_eq!(plan.generated, report.generated);
    let every_class = WritebackSelection {
        classes: DiffClass::ALL.to_vec(),
        ..WritebackSelection::default()
    };
    assert_eq!(
        report
            .differences
            .iter()
            .filter(|x| every_class.accepts(x))
            .count(),
        report.differences.len()
    );
    assert!(serde_json::from_str::<WritebackSelection>(r#"{"class":[]}"#).is_err());
}

/// A cloud file of `n` mailboxes and the AD exports (CSV and JSON) of their accounts, with
/// accounts without mailboxes, two accounts claiming one mailbox, stale and drifting values,
/// multi-valued cells joined both ways, empty cells, a column under two names and DN
/// references: enough records for the AD export to be read in many batches.
fn large_organization(scratch: &Scratch, n: usize) -> (PathBuf, PathBuf, PathBuf) {
    let guid = |i: usize| format!("{i:08x}-0000-4000-8000-{i:012x}");
    let dn = |i: usize| format!("CN=User {i},OU=Staff,DC=contoso,DC=com");
    let mut cloud = Vec::new();
    for i in 0..n {
        let forward = if i % 13 == 0 {
            serde_json::json!(format!("User {}", i + 1))
        } else {
            serde_json::Value::Null
        };
        cloud.push(serde_json::json!({
            "Name": format!("User {i}"),
            "UserPrincipalName": format!("u{i}@contoso.com"),
            "PrimarySmtpAddress": format!("u{i}@contoso.com"),
            "ExchangeGuid": guid(i),
            "EmailAddresses": [format!("SMTP:u{i}@contoso.com"), format!("smtp:alias{i}@contoso.com")],
            "CustomAttribute1": format!("dept{}", i % 7),
            "HiddenFromAddressListsEnabled": i % 11 == 0,
            "ForwardingAddress": forward,
            "IsDirSynced": i % 97 != 5,
            "IsExchangeCloudManaged": i % 2 == 0,
            // After the AD accounts' last change.
            "WhenChangedUTC": "2026-11-26T20:00:00Z",
        }));
    }
    let mut csv = String::from(
        "DistinguishedName,UserPrincipalName,msExchMailboxGuid,proxyAddresses,mail,extensionAttribute1,msExchHideFromAddressLists,altRecipient,whenChanged,EmailAddress\n",
    );
    let mut ad_json = Vec::new();
    for i in 0..n + 150 {
        // Two accounts claim mailbox 700, 1400, ...: the second one is ambiguous.
        let who = if i % 700 == 1 && i > 1 { i - 1 } else { i };
        let upn = format!("u{who}@contoso.com");
        let proxies = if i >= n && i % 2 == 0 {
            Vec::new()
        } else {
            vec![
                format!("smtp:ALIAS{who}@contoso.com"),
                format!("SMTP:u{who}@contoso.com"),
            ]
        };
        let joined = proxies.join(if i % 2 == 0 { ";" } else { " | " });
        let guid = if i < n && i % 9 != 4 {
            guid(who)
        } else {
            String::new()
        };
        let dept = if i % 10 == 0 {
            "old".to_owned()
        } else {
            format!("dept{}", who % 7)
        };
        let hidden = if i % 11 == 0 { "TRUE" } else { "" };
        let forward = match i % 26 {
            0 => dn(i + 2),
            13 => dn(i + 1).to_uppercase().replace(',', ", "),
            _ => String::new(),
        };
        let mail = if i % 5 == 0 {
            String::new()
        } else {
            upn.clone()
        };
        writeln!(
            csv,
            "\"{}\",{upn},{guid},{joined},{mail},\"{dept}\",{hidden},\"{forward}\",11/26/2026 3:00:00 PM,{mail}",
            dn(i)
        )
        .unwrap();
        // An empty cell of the CSV is a `null` of the JSON.
        let or_null = |text: &str| {
            if text.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::json!(text)
            }
        };
        let account = serde_json::json!({
            "DistinguishedName": dn(i),
            "UserPrincipalName": upn,
            "msExchMailboxGuid": or_null(&guid),
            "proxyAddresses": proxies,
            "mail": or_null(&mail),
            "extensionAttribute1": dept,
            "msExchHideFromAddressLists": if hidden.is_empty() { serde_json::Value::Null } else { serde_json::json!(true) },
            "altRecipient": or_null(&forward),
            "whenChanged": "2026-11-26T15:00:00Z",
        });
        ad_json.push(account);
    }
    let cloud = scratch.write(
        "mailboxes.json",
        &serde_json::to_string_pretty(&cloud).unwrap(),
    );
    let ad_csv = scratch.write("ad.csv", &csv);
    let ad_json = scratch.write("ad.json", &serde_json::to_string_pretty(&ad_json).unwrap());
    (cloud, ad_csv, ad_json)
}

#[test]
fn large_ad_exports_read_in_batches_reconcile_like_the_streaming_readers() {
    // Both threads examine accounts when the join falls behind; whichever did, the report is
    // the one of the one-record-at-a-time reading, for rows read straight from the CSV and
    // for entries of the other formats.
    let scratch = Scratch::new("large-ad");
    let (cloud, ad_csv, ad_json) = large_organization(&scratch, 4000);
    let from_csv = reconcile_files(Catalog::builtin(), &ad_csv, None, &cloud, &options()).unwrap();
    assert_eq!(from_csv, reconcile_streaming(&ad_csv, &cloud, &options()));
    let from_json =
        reconcile_files(Catalog::builtin(), &ad_json, None, &cloud, &options()).unwrap();
    assert_eq!(from_json, reconcile_streaming(&ad_json, &cloud, &options()));
    // The two exports say the same things, so the counts agree.
    assert_eq!(from_csv.totals, from_json.totals);
    let t = &from_csv.totals;
    assert_eq!(t.ad_records, 4150);
    assert_eq!(t.cloud_records, 4000);
    assert_eq!(t.ambiguous, 5, "{:#?}", from_csv.ambiguous);
    assert_eq!(from_csv.ambiguous[0].candidates.len(), 2);
    assert!(from_csv.ambiguous[0].candidates[0].ends_with("ad.csv line 702"));
    assert!(t.ad_only > 0 && t.ad_without_mailbox > 0, "{t:#?}");
    for attribute in ["CustomAttribute1", "ForwardingAddress"] {
        assert!(
            t.by_attribute.get(attribute).copied().unwrap_or(0) > 0,
            "{t:#?}"
        );
    }
    // Proxy addresses in another order, case and separator are in sync.
    assert!(!t.by_attribute.contains_key("EmailAddresses"), "{t:#?}");
    // A forwarding DN in another case and spacing names the same mailbox; one two users
    // further does not.
    assert!(
        !from_csv
            .differences
            .iter()
            .any(|d| d.attribute == "ForwardingAddress" && d.ad_origin.ends_with("line 15"))
    );
    let d = from_csv
        .differences
        .iter()
        .find(|d| d.attribute == "ForwardingAddress" && d.ad_origin.ends_with("line 2"))
        .unwrap();
    assert_eq!(d.cloud_value, AttributeValue::from("User 1"));
    assert_eq!(d.reason, Reason::NeverWrittenBack);
    // A malformed row far into the file is the error, named by its line, on both paths.
    let text = std::fs::read_to_string(&ad_csv).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2999] = "\"CN=Broken\",broken@contoso.com";
    let bad = scratch.write("bad.csv", &(lines.join("\n") + "\n"));
    let fast = same_error_on_both_paths(&bad, &cloud);
    assert!(fast.contains("bad.csv line 3000"), "{fast}");
    assert!(
        fast.contains("2 field(s) where the header has 10"),
        "{fast}"
    );
}

// ---------------------------------------------------------------- progress

/// A progress callback that keeps every event, and the events it kept.
fn progress_recorder() -> (
    ReconcileProgressFn,
    std::sync::Arc<std::sync::Mutex<Vec<ReconcileProgress>>>,
) {
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&events);
    let progress: ReconcileProgressFn = std::sync::Arc::new(move |e: &ReconcileProgress| {
        sink.lock().unwrap().push(e.clone());
    });
    (progress, events)
}

/// Checks the events of one reconciliation: the cloud phase, then the directory phase, each
/// with records and bytes that never decrease, at a bounded rate (never one per record), and
/// ending with every record of the report. Gives each phase's events.
fn check_phases(
    events: &[ReconcileProgress],
    report: &Report,
) -> (Vec<ReconcileProgress>, Vec<ReconcileProgress>) {
    let split = events
        .iter()
        .position(|e| e.phase == ReconcilePhase::Directory)
        .expect("a directory phase");
    let (cloud, directory) = events.split_at(split);
    assert!(!cloud.is_empty(), "a cloud phase first: {events:#?}");
    assert!(cloud.iter().all(|e| e.phase == ReconcilePhase::Cloud));
    assert!(
        directory
            .iter()
            .all(|e| e.phase == ReconcilePhase::Directory),
        "the phases do not interleave: {events:#?}"
    );
    for (phase, records) in [
        (cloud, report.totals.cloud_records),
        (directory, report.totals.ad_records),
    ] {
        for w in phase.windows(2) {
            assert!(w[0].bytes <= w[1].bytes, "bytes never decrease: {phase:#?}");
            assert!(w[0].records <= w[1].records, "{phase:#?}");
            assert_eq!(w[0].total_bytes, w[1].total_bytes);
        }
        let last = phase.last().unwrap();
        assert_eq!(last.records, records as u64, "{phase:#?}");
        // Every event but the last comes after a step of records or bytes: never one per
        // record.
        let steps = last.records / RECORDS_STEP + last.bytes / BYTES_STEP;
        assert!(
            phase.len() as u64 <= steps + 2 && phase.len() * 10 <= records.max(10),
            "{} events for {records} records and {} bytes",
            phase.len(),
            last.bytes
        );
    }
    (cloud.to_vec(), directory.to_vec())
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

#[test]
fn reconciling_files_reports_records_and_bytes_of_both_files() {
    let scratch = Scratch::new("progress");
    let (cloud, ad_csv, ad_json) = large_organization(&scratch, 4000);
    for ad in [&ad_csv, &ad_json] {
        let (progress, events) = progress_recorder();
        let report = reconcile_files_with_progress(
            Catalog::builtin(),
            ad,
            None,
            &cloud,
            &options(),
            Some(progress),
        )
        .unwrap();
        // Progress changes nothing in the report.
        assert_eq!(
            report,
            reconcile_files(Catalog::builtin(), ad, None, &cloud, &options()).unwrap()
        );
        let events = events.lock().unwrap();
        let (cloud_events, ad_events) = check_phases(&events, &report);
        for (phase, path) in [(&cloud_events, &cloud), (&ad_events, ad)] {
            // Several events on the way, not only the last one.
            assert!(phase.len() >= 3, "{}: {phase:#?}", path.display());
            assert!(phase[0].bytes < file_size(path), "{phase:#?}");
            let last = phase.last().unwrap();
            assert_eq!(last.bytes, file_size(path), "{}", path.display());
            assert_eq!(last.total_bytes, Some(file_size(path)));
        }
        assert_eq!(report.totals.cloud_records, 4000);
        assert_eq!(report.totals.ad_records, 4150);
    }
    // Every AD format, read to its last byte.
    for name in ["ad_users.csv", "ad_users.ldf", "ad_users.json"] {
        let (ad, cloud) = (fixture(name), fixture("mailboxes.json"));
        let (progress, events) = progress_recorder();
        let report = reconcile_files_with_progress(
            Catalog::builtin(),
            &ad,
            None,
            &cloud,
            &options(),
            Some(progress),
        )
        .unwrap();
        let events = events.lock().unwrap();
        let (cloud_events, ad_events) = check_phases(&events, &report);
        for (phase, path) in [(&cloud_events, &cloud), (&ad_events, &ad)] {
            let last = phase.last().unwrap();
            assert_eq!(
                (last.bytes, last.total_bytes),
                (file_size(path), Some(file_size(path))),
                "{name}"
            );
        }
        assert!(report.totals.ad_records > 3, "{name}: {:?}", report.totals);
    }
}

/// The accounts of a simulated organization as a `Get-ADUser | ConvertTo-Json` file.
fn ad_json_export(org: &SimulatedOrg, scratch: &Scratch) -> PathBuf {
    let accounts: Vec<serde_json::Value> = org
        .ad_export()
        .into_iter()
        .map(|e| {
            let mut account = serde_json::Map::new();
            account.insert("DistinguishedName".into(), e.distinguished_name.into());
            account.insert("ObjectGUID".into(), e.object_guid.into());
            account.insert(
                "whenChanged".into(),
                e.when_changed.map(|t| t.to_rfc3339()).into(),
            );
            for (name, value) in e.attributes {
                account.insert(name, serde_json::to_value(value).unwrap());
            }
            serde_json::Value::Object(account)
        })
        .collect();
    scratch.write("ad.json", &serde_json::to_string_pretty(&accounts).unwrap())
}

#[tokio::test]
async fn a_live_reconciliation_reports_mailboxes_and_the_bytes_of_the_ad_file() {
    let org = SimulatedOrg::generate(3000, 5);
    let scratch = Scratch::new("live-progress");
    let ad = ad_json_export(&org, &scratch);
    let opts = ReconcileOptions {
        now: Some(org.now()),
        ..ReconcileOptions::default()
    };
    let catalog = org.catalog();
    let (progress, events) = progress_recorder();
    let entries = open_ad(catalog, &ad, None).unwrap();
    assert_eq!(entries.total_bytes(), Some(file_size(&ad)));
    let report = reconcile_live_with_progress(catalog, entries, &org, &opts, Some(progress))
        .await
        .unwrap();
    let plain = reconcile_live(catalog, open_ad(catalog, &ad, None).unwrap(), &org, &opts)
        .await
        .unwrap();
    assert_eq!(report, plain);
    assert!(report.totals.cloud_records > 1024, "{:?}", report.totals);
    assert!(report.totals.matched > 1000, "{:?}", report.totals);
    let events = events.lock().unwrap().clone();
    let (cloud, directory) = check_phases(&events, &report);
    // The mailboxes are listed, not read from a file: no bytes.
    assert!(cloud.len() >= 2, "{cloud:#?}");
    assert!(
        cloud
            .iter()
            .all(|e| e.bytes == 0 && e.total_bytes.is_none())
    );
    assert!(directory.len() >= 3, "{directory:#?}");
    let last = directory.last().unwrap();
    assert_eq!(last.bytes, file_size(&ad));
    assert_eq!(last.total_bytes, Some(file_size(&ad)));

    // Entries that are not a file: records, and no bytes.
    let (progress, events) = progress_recorder();
    let entries = AdEntries::new(org.ad_export().into_iter().map(Ok));
    assert_eq!((entries.bytes_read(), entries.total_bytes()), (None, None));
    let report = reconcile_live_with_progress(catalog, entries, &org, &opts, Some(progress))
        .await
        .unwrap();
    let events = events.lock().unwrap().clone();
    let (_, directory) = check_phases(&events, &report);
    assert!(
        directory
            .iter()
            .all(|e| e.bytes == 0 && e.total_bytes.is_none())
    );
}

/// A callback that panics at its `at`-th event of `phase`.
fn panicking_at(
    phase: ReconcilePhase,
    at: usize,
) -> (
    ReconcileProgressFn,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&seen);
    let progress: ReconcileProgressFn = std::sync::Arc::new(move |e: &ReconcileProgress| {
        if e.phase == phase {
            let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            assert!(n != at, "the progress bar broke at event {n}");
        }
    });
    (progress, seen)
}

#[tokio::test]
async fn a_progress_callback_that_panics_stops_the_reconciliation_with_an_error() {
    let scratch = Scratch::new("progress-panic");
    let (cloud, ad_csv, ad_json) = large_organization(&scratch, 4000);
    for (ad, phase) in [
        (&ad_csv, ReconcilePhase::Cloud),
        (&ad_csv, ReconcilePhase::Directory),
        (&ad_json, ReconcilePhase::Directory),
    ] {
        let (progress, seen) = panicking_at(phase, 2);
        let e = reconcile_files_with_progress(
            Catalog::builtin(),
            ad,
            None,
            &cloud,
            &options(),
            Some(progress),
        )
        .expect_err("the panic is an error");
        assert_eq!(e.kind(), soa_core::ErrorKind::InvalidInput);
        let text = e.to_string();
        assert!(
            text.contains("progress callback")
                && text.contains("the progress bar broke at event 2")
                && text.contains(phase.as_str()),
            "{text}"
        );
        // Stopped at the panic: no event after it.
        assert_eq!(
            seen.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "{phase:?}"
        );
    }

    let org = SimulatedOrg::generate(3000, 5);
    let opts = ReconcileOptions {
        now: Some(org.now()),
        ..ReconcileOptions::default()
    };
    let ad = ad_json_export(&org, &scratch);
    for phase in [ReconcilePhase::Cloud, ReconcilePhase::Directory] {
        let (progress, seen) = panicking_at(phase, 1);
        let entries = open_ad(org.catalog(), &ad, None).unwrap();
        let e = reconcile_live_with_progress(org.catalog(), entries, &org, &opts, Some(progress))
            .await
            .expect_err("the panic is an error");
        assert!(
            e.to_string().contains("the progress bar broke at event 1"),
            "{e}"
        );
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
