//! Reconciliation inputs an attacker or a real export can make hostile: edited reports and
//! plans, formula cells in the CSV report, binary attributes outside the catalog in LDIF,
//! oversized records, and keys thousands of records share.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::io::Cursor;

use chrono::{DateTime, Utc};
use soa_core::catalog::{AttributeClass, Catalog, ValueKind};
use soa_core::reconcile::join::MAX_CANDIDATES;
use soa_core::reconcile::report::csv_cell_value;
use soa_core::reconcile::source::{
    AdCsvReader, AdJsonReader, AdLdifReader, CloudJsonReader, MAX_CSV_LINE, MAX_JSON_RECORD,
};
use soa_core::reconcile::writeback::{WritebackPlan, WritebackSelection};
use soa_core::reconcile::{ReconcileOptions, Report, reconcile};

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

fn cloud_json(items: String) -> CloudJsonReader<Cursor<Vec<u8>>> {
    CloudJsonReader::new(Cursor::new(items.into_bytes()), "cloud.json")
}

fn ad_csv(text: String) -> AdCsvReader {
    AdCsvReader::new(
        Cursor::new(text.into_bytes()),
        "ad.csv",
        Catalog::builtin().clone(),
    )
}

/// An edit of one difference of a report.
type Edit = fn(&mut soa_core::reconcile::Difference);

fn error_of<T: std::fmt::Debug>(result: soa_core::Result<T>) -> String {
    result.unwrap_err().to_string()
}

/// One account whose cloud-mastered extension attributes differ: `values` are the cloud
/// values of extensionAttribute1.. in order.
fn report_with(values: &[&str]) -> Report {
    let mut cloud = String::from(
        r#"[{"UserPrincipalName":"a@contoso.com","IsDirSynced":true,"IsExchangeCloudManaged":true"#,
    );
    let mut header = String::from("ObjectGUID,DistinguishedName,UserPrincipalName");
    let mut row = String::from(
        "a0000000-0000-0000-0000-00000000000a,\"CN=A,OU=Staff,DC=contoso,DC=com\",a@contoso.com",
    );
    for (i, v) in values.iter().enumerate() {
        let _ = write!(
            cloud,
            ",\"CustomAttribute{}\":{}",
            i + 1,
            serde_json::to_string(v).unwrap()
        );
        let _ = write!(header, ",extensionAttribute{}", i + 1);
        row.push_str(",old");
    }
    cloud.push_str("}]");
    let ad = ad_csv(format!("{header}\n{row}\n"));
    let report = reconcile(Catalog::builtin(), ad, cloud_json(cloud), &options()).unwrap();
    assert_eq!(report.differences.len(), values.len(), "{report:#?}");
    report
}

// 1. Edited reports and plans.

#[test]
fn an_edited_report_is_refused_naming_the_difference_and_the_field() {
    let report = report_with(&["x", "y"]);
    let catalog = Catalog::builtin();
    // The report as written reads back and makes a plan.
    let back = Report::from_json_checked(&report.to_json(), "r.json", catalog).unwrap();
    assert_eq!(back, report);
    let plan = WritebackPlan::checked(&back, catalog, &WritebackSelection::default()).unwrap();
    assert_eq!(plan.change_count(), 2);
    plan.check(catalog).unwrap();

    let syntax: [(Edit, &str); 4] = [
        (
            |d| d.ldap_name = "member\nchangetype: delete".into(),
            "ldap_name",
        ),
        (
            |d| d.ad_distinguished_name = Some("CN=A,DC=x\ndn: CN=Admin,DC=x".into()),
            "ad_distinguished_name",
        ),
        (
            |d| d.ad_distinguished_name = Some("Administrator".into()),
            "ad_distinguished_name",
        ),
        (
            |d| d.ad_object_guid = Some("CN=Administrator,CN=Users,DC=x".into()),
            "ad_object_guid",
        ),
    ];
    for (edit, field) in syntax {
        let mut edited = report.clone();
        edit(&mut edited.differences[1]);
        let e = error_of(Report::from_json(&edited.to_json(), "r.json"));
        assert!(
            e.contains("r.json difference 2") && e.contains(&format!("field {field}")),
            "{e}"
        );
        // Built in memory, the plan leaves it out rather than write it.
        let plan = WritebackPlan::for_selection(&edited, &WritebackSelection::default());
        assert_eq!(plan.change_count(), 1, "{plan:#?}");
        assert_eq!(plan.skipped.len(), 1);
        assert!(plan.skipped[0].contains(field), "{:?}", plan.skipped);
        let ldif = plan.to_ldif();
        assert_eq!(ldif.matches("\nreplace: ").count(), 1, "{ldif}");
        assert_eq!(ldif.matches("\ndn: ").count(), 1, "{ldif}");
        assert!(!ldif.contains("\ndn: CN=Admin"), "{ldif}");
    }

    // Read from JSON, it is a JSON error like any text that is not a report; in memory, an
    // invalid input.
    let mut edited = report.clone();
    edited.differences[0].ldap_name = "a b".into();
    let read = Report::from_json(&edited.to_json(), "r.json").unwrap_err();
    assert_eq!(read.kind(), soa_core::ErrorKind::Json, "{read}");
    let checked = edited.check(catalog).unwrap_err();
    assert_eq!(
        checked.kind(),
        soa_core::ErrorKind::InvalidInput,
        "{checked}"
    );
    assert!(
        checked.to_string().contains("report difference 1"),
        "{checked}"
    );

    // Well-formed, but not what the catalog says.
    let catalog_edits: [(Edit, &str); 6] = [
        (|d| d.ldap_name = "userAccountControl".into(), "ldap_name"),
        (|d| d.ldap_name = "EXTENSIONATTRIBUTE2".into(), "ldap_name"),
        (|d| d.attribute = "NotInTheCatalog".into(), "attribute"),
        (|d| d.value_kind = ValueKind::Integer, "value_kind"),
        (
            |d| d.attribute_class = AttributeClass::Identity,
            "attribute_class",
        ),
        (|d| d.written_back = !d.written_back, "written_back"),
    ];
    for (edit, field) in catalog_edits {
        let mut edited = report.clone();
        edit(&mut edited.differences[1]);
        let json = edited.to_json();
        let e = error_of(Report::from_json_checked(&json, "r.json", catalog));
        assert!(
            e.contains("r.json difference 2") && e.contains(&format!("field {field}")),
            "{field}: {e}"
        );
        let e = error_of(WritebackPlan::checked(
            &edited,
            catalog,
            &WritebackSelection::default(),
        ));
        assert!(e.contains(&format!("field {field}")), "{e}");
    }
}

#[test]
fn an_edited_plan_is_refused_and_never_becomes_ldif_syntax() {
    let report = report_with(&["x"]);
    let catalog = Catalog::builtin();
    let plan = WritebackPlan::for_selection(&report, &WritebackSelection::default());
    let json = serde_json::to_string(&plan).unwrap();

    let edit = |from: &str, to: &str| -> WritebackPlan {
        assert!(json.contains(from), "{from}");
        serde_json::from_str(&json.replacen(from, to, 1)).unwrap()
    };
    let bad_name = edit(
        "\"ldap_name\":\"extensionAttribute1\"",
        "\"ldap_name\":\"description\\ndn: CN=Admin\"",
    );
    let e = error_of(bad_name.check(catalog));
    assert!(
        e.contains("account 1") && e.contains("field ldap_name"),
        "{e}"
    );
    assert!(!bad_name.to_ldif().contains("CN=Admin"));
    assert!(!bad_name.to_ldif().contains("description"));

    assert!(!bad_name.to_powershell().contains("CN=Admin"));

    let other_identity = edit(
        "\"object_guid\":\"a0000000-0000-0000-0000-00000000000a\"",
        "\"object_guid\":\"CN=Administrator,CN=Users,DC=x\"",
    );
    let e = error_of(other_identity.check(catalog));
    assert!(e.contains("field object_guid"), "{e}");
    let script = other_identity.to_powershell();
    assert!(!script.contains("Administrator"), "{script}");
    assert!(
        script.contains("Set-ADUser -Identity 'CN=A,OU=Staff,DC=contoso,DC=com'"),
        "{script}"
    );

    let other_attribute = edit(
        "\"ldap_name\":\"extensionAttribute1\"",
        "\"ldap_name\":\"userAccountControl\"",
    );
    assert!(error_of(other_attribute.check(catalog)).contains("field ldap_name"));

    let wrong_kind = edit("\"value_kind\":\"string\"", "\"value_kind\":\"binary\"");
    assert!(error_of(wrong_kind.check(catalog)).contains("field value_kind"));

    let bad_dn = edit(
        "CN=A,OU=Staff,DC=contoso,DC=com",
        "CN=A\\nchangetype: delete",
    );
    let e = error_of(bad_dn.check(catalog));
    assert!(e.contains("field distinguished_name"), "{e}");
    let ldif = bad_dn.to_ldif();
    assert!(!ldif.contains("changetype: delete"), "{ldif}");
    assert!(!ldif.contains("\ndn"), "{ldif}");

    // A DN that is valid but not ASCII is written in base64.
    let accented = edit("CN=A,OU=Staff", "CN=Zoë,OU=Staff");
    accented.check(catalog).unwrap();
    let ldif = accented.to_ldif();
    assert!(
        ldif.contains("\ndn:: Q049Wm/DqyxPVT1TdGFmZixEQz1jb250b3NvLERDPWNvbQ==\n"),
        "{ldif}"
    );
}

// 2. Formula cells.

#[test]
fn csv_report_cells_cannot_start_a_formula_and_read_back_exactly() {
    let hostile = [
        "=HYPERLINK(\"http://evil\",\"x\")",
        "+49 30 1234567",
        "-2+3",
        "@SUM(A1:A2)",
        "\tcmd",
        "\r=1",
        "'=already quoted",
        "''@two",
        "'plain quote",
        "safe=value",
    ];
    let report = report_with(&hostile);
    let csv = report.to_csv().unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let cloud = headers.iter().position(|h| h == "CloudValue").unwrap();
    let ldap = headers.iter().position(|h| h == "LdapName").unwrap();
    let mut seen = 0;
    for row in reader.records() {
        let row = row.unwrap();
        for cell in &row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a formula cell: {cell:?}"
            );
        }
        let i: usize = row[ldap]
            .strip_prefix("extensionAttribute")
            .unwrap()
            .parse()
            .unwrap();
        let value = hostile[i - 1];
        assert_eq!(csv_cell_value(&row[cloud]), value);
        let prefixed = value
            .trim_start_matches('\'')
            .starts_with(['=', '+', '-', '@', '\t', '\r']);
        assert_eq!(
            row[cloud].len(),
            value.len() + usize::from(prefixed),
            "{value:?}"
        );
        seen += 1;
    }
    assert_eq!(seen, hostile.len());
    assert!(csv.contains("'+49 30 1234567"));
}

// 3. Binary attributes outside the catalog.

/// `ldifde -f` of two users with a photo and a security descriptor (binary, not UTF-8).
fn ldifde_export(extension: &str) -> String {
    let photo = "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////\n ////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAA\n AAAAAAAAAP/aAAgBAQABPxA=";
    let sd = "AQAEgBQAAAAwAAAAAAAAAEwAAAABBQAAAAAABRUAAAD/7sDe";
    format!(
        "dn: CN=Alice Wong,OU=Staff,DC=contoso,DC=com\n\
         changetype: add\n\
         objectClass: top\n\
         objectClass: user\n\
         cn: Alice Wong\n\
         jpegPhoto:: {photo}\n\
         msExchMailboxSecurityDescriptor:: {sd}\n\
         objectGUID:: AAECAwQFBgcICQoLDA0ODw==\n\
         msExchMailboxGuid:: EBESExQVFhcYGRobHB0eHw==\n\
         userPrincipalName: alice@contoso.com\n\
         {extension}\n\
         nTSecurityDescriptor:: AQAEjBQAAAAwAAAAAAAAAEwAAAA=\n\
         \n\
         dn: CN=Bob,OU=Staff,DC=contoso,DC=com\n\
         changetype: add\n\
         jpegPhoto:: //79/A==\n\
         userPrincipalName: bob@contoso.com\n\
         extensionAttribute1: b\n"
    )
}

fn read_ldif(text: &str) -> Vec<soa_core::Result<soa_core::reconcile::source::AdEntry>> {
    AdLdifReader::new(
        Cursor::new(text.as_bytes().to_vec()),
        "export.ldf",
        Catalog::builtin().clone(),
    )
    .collect()
}

#[test]
fn ldif_skips_binary_attributes_outside_the_catalog() {
    let entries = read_ldif(&ldifde_export("extensionAttribute1:: w4ltaWxl"));
    assert_eq!(entries.len(), 2);
    let alice = entries[0].as_ref().unwrap();
    assert_eq!(
        alice.distinguished_name.as_deref(),
        Some("CN=Alice Wong,OU=Staff,DC=contoso,DC=com")
    );
    assert_eq!(
        alice.object_guid.as_deref(),
        Some("03020100-0504-0706-0809-0a0b0c0d0e0f")
    );
    assert_eq!(
        alice.attributes["msExchMailboxGuid"],
        "13121110-1514-1716-1819-1a1b1c1d1e1f".into()
    );
    assert_eq!(alice.attributes["extensionAttribute1"], "Émile".into());
    assert!(
        !alice
            .attributes
            .keys()
            .any(|k| k.contains("Photo") || k.contains("Descriptor")),
        "{:?}",
        alice.attributes.keys()
    );
    let bob = entries[1].as_ref().unwrap();
    assert_eq!(bob.attributes["extensionAttribute1"], "b".into());
}

#[test]
fn ldif_still_fails_a_catalog_attribute_whose_value_is_not_valid_for_it() {
    // Text that is not UTF-8 (FF FE), on line 12 (after the folded photo's lines).
    let entries = read_ldif(&ldifde_export("extensionAttribute1:: //4="));
    let e = entries[0].as_ref().unwrap_err().to_string();
    assert!(e.contains("export.ldf line 13"), "{e}");
    assert!(e.contains("extensionAttribute1 is not UTF-8"), "{e}");
    // A binary GUID that is not 16 bytes.
    let text = ldifde_export("extensionAttribute1: a").replace("EBESExQVFhcYGRobHB0eHw==", "EBES");
    let entries = read_ldif(&text);
    let e = entries[0].as_ref().unwrap_err().to_string();
    assert!(e.contains("export.ldf line 11"), "{e}");
    assert!(
        e.contains("msExchMailboxGuid is 3 byte(s), not a 16-byte GUID"),
        "{e}"
    );
}

// 4. Bounds.

#[test]
fn a_json_file_may_start_with_a_bom_and_nothing_else_like_it() {
    let read = |bytes: &[u8]| -> Vec<String> {
        AdJsonReader::new(
            Cursor::new(bytes.to_vec()),
            "ad.json",
            Catalog::builtin().clone(),
        )
        .map(|e| match e {
            Ok(e) => e.attributes["userPrincipalName"].to_strings().join(""),
            Err(e) => format!("error: {e}"),
        })
        .collect()
    };
    let body = br#"[{"UserPrincipalName":"a@contoso.com"}]"#;
    assert_eq!(
        read(&[b"\xEF\xBB\xBF", &body[..]].concat()),
        ["a@contoso.com"]
    );
    assert_eq!(read(body), ["a@contoso.com"]);
    for prefix in [&b"\xEF\x00\x00"[..], b"\xEF[{", b"\xEF\xBB[", b"\xEF"] {
        let got = read(&[prefix, &body[..]].concat());
        assert_eq!(got.len(), 1, "{prefix:?}: {got:?}");
        assert!(
            got[0].contains("ad.json line 1") && got[0].contains("byte-order mark"),
            "{prefix:?}: {got:?}"
        );
    }
}

#[test]
fn a_json_record_larger_than_the_limit_is_an_error_naming_it() {
    let big = "x".repeat(MAX_JSON_RECORD);
    let text = format!(
        "[{{\"UserPrincipalName\":\"a@contoso.com\"}},\n{{\"UserPrincipalName\":\"b@contoso.com\",\n\"Notes\":\"{big}\"}}]"
    );
    let got: Vec<_> = CloudJsonReader::new(Cursor::new(text.into_bytes()), "cloud.json").collect();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0]
            .as_ref()
            .unwrap()
            .mailbox
            .user_principal_name
            .as_deref(),
        Some("a@contoso.com")
    );
    let e = got[1].as_ref().unwrap_err().to_string();
    assert!(e.contains("cloud.json line"), "{e}");
    assert!(
        e.contains("record 2 (which starts on line 2) is larger than 16 MiB"),
        "{e}"
    );
    // Just under the limit is read.
    let fits = "x".repeat(MAX_JSON_RECORD - 100);
    let text = format!("[{{\"UserPrincipalName\":\"b@contoso.com\",\"Notes\":\"{fits}\"}}]");
    let got: Vec<_> = CloudJsonReader::new(Cursor::new(text.into_bytes()), "cloud.json").collect();
    assert!(got[0].is_ok());
}

#[test]
fn a_csv_line_longer_than_the_limit_is_an_error_naming_it() {
    let long = "x".repeat(MAX_CSV_LINE + 1);
    let rows = |text: String| -> Vec<String> {
        ad_csv(text)
            .map(|e| match e {
                Ok(e) => e.origin,
                Err(e) => format!("error: {e}"),
            })
            .collect()
    };
    let got = rows(format!(
        "UserPrincipalName,extensionAttribute1\na@x,1\nb@x,{long}\nc@x,3\n"
    ));
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0], "ad.csv line 2");
    assert!(
        got[1].contains("ad.csv line 3") && got[1].contains("longer than 1 MiB"),
        "{}",
        &got[1][..200.min(got[1].len())]
    );
    // The header line.
    let got = rows(format!("UserPrincipalName,{long}\na@x,1\n"));
    assert_eq!(got.len(), 1);
    assert!(
        got[0].contains("ad.csv line 1") && got[0].contains("longer than 1 MiB"),
        "{}",
        &got[0][..200.min(got[0].len())]
    );
    // Many lines of a quoted cell, each short, are read.
    let cell = "y\n".repeat(MAX_CSV_LINE / 2);
    let got = rows(format!(
        "UserPrincipalName,extensionAttribute1\na@x,\"{cell}\"\nb@x,2\n"
    ));
    assert_eq!(got[1], format!("ad.csv line {}", 3 + MAX_CSV_LINE / 2));
}

// 5. Keys thousands of records share.

/// Enough records that a comparison of every pair (what the join did for an ambiguous key:
/// every account listed every mailbox, 400 million origins here) takes minutes.
const CROWD: usize = 20_000;

#[test]
fn thousands_of_accounts_on_one_join_key_are_reported_without_listing_every_pair() {
    let mut cloud = String::from("[");
    for i in 0..CROWD {
        if i > 0 {
            cloud.push(',');
        }
        let _ = write!(
            cloud,
            r#"{{"UserPrincipalName":"shared@contoso.com","PrimarySmtpAddress":"m{i}@contoso.com","IsDirSynced":true}}"#
        );
    }
    cloud.push(']');
    let mut ad = String::from("UserPrincipalName,mail\n");
    for i in 0..CROWD {
        let _ = writeln!(ad, "shared@contoso.com,a{i}@contoso.com");
    }
    let report = reconcile(
        Catalog::builtin(),
        ad_csv(ad),
        cloud_json(cloud),
        &options(),
    )
    .unwrap();
    assert_eq!(report.totals.ambiguous, CROWD);
    assert_eq!(report.totals.matched, 0);
    assert_eq!(report.totals.cloud_only, CROWD);
    for a in &report.ambiguous {
        assert_eq!(a.candidate_count, CROWD);
        assert_eq!(a.candidates.len(), MAX_CANDIDATES);
    }
    // The last ones, in the cloud file's order.
    let first = &report.ambiguous[0];
    assert_eq!(first.record, "ad.csv line 2");
    assert_eq!(
        first.candidates[0],
        format!("cloud.json record {} (line 1)", CROWD - MAX_CANDIDATES + 1)
    );
    assert_eq!(
        first.candidates[MAX_CANDIDATES - 1],
        format!("cloud.json record {CROWD} (line 1)")
    );
    let html = report.to_html();
    assert!(html.contains(&format!("(the last {MAX_CANDIDATES} of {CROWD})")));
    // A report written before the count reads back (as 0).
    let json = report
        .to_json()
        .replace(&format!("\"candidate_count\": {CROWD}"), "");
    let json = json.replace(",\n      \n", "\n");
    let back = Report::from_json(&json, "old.json").unwrap();
    assert_eq!(back.ambiguous[0].candidate_count, 0);
}

#[test]
fn a_reference_to_a_name_thousands_of_mailboxes_share_is_not_guessed() {
    // Carol delegates to "Dup Name", which every other mailbox is called.
    let crowd = 10 * CROWD;
    let mut cloud = String::from(
        r#"[{"Name":"Carol","UserPrincipalName":"carol@contoso.com","IsDirSynced":true,
             "IsExchangeCloudManaged":true,"GrantSendOnBehalfTo":["Dup Name"]}"#,
    );
    for i in 0..crowd {
        let _ = write!(
            cloud,
            r#",{{"Name":"Dup Name","Alias":"dup{i}","UserPrincipalName":"dup{i}@contoso.com","IsDirSynced":true}}"#
        );
    }
    cloud.push(']');
    let ad = "DistinguishedName,UserPrincipalName,publicDelegates\n\
              \"CN=Carol,DC=x\",carol@contoso.com,\"CN=Dup Name,DC=x\"\n"
        .to_owned();
    let report = reconcile(
        Catalog::builtin(),
        ad_csv(ad),
        cloud_json(cloud),
        &options(),
    )
    .unwrap();
    let d = report
        .differences
        .iter()
        .find(|d| d.attribute == "GrantSendOnBehalfTo")
        .unwrap();
    assert_eq!(d.reason, soa_core::reconcile::Reason::UnresolvedReference);
    assert_eq!(report.totals.cloud_only, crowd);
}
