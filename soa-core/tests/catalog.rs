//! Integration tests of `soa_core::catalog`: lookups, the writeback set, overrides and their
//! errors, and the JSON shape the `catalog` example prints.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use soa_core::catalog::{AttributeClass, Catalog, ValueKind, WritebackPhase};
use soa_core::{Error, ErrorKind};

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        let path =
            std::env::temp_dir().join(format!("soa-catalog-test-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn override_err(text: &str, origin: &str) -> Error {
    Catalog::builtin()
        .with_override_json(text, origin)
        .expect_err("the override should be rejected")
}

fn assert_catalog_error(err: &Error, origin: &str, fragments: &[&str]) {
    assert_eq!(err.kind(), ErrorKind::InvalidCatalog, "{err:?}");
    let Error::InvalidCatalog { origin: o, reason } = err else {
        panic!("not InvalidCatalog: {err:?}");
    };
    assert_eq!(o, origin);
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("invalid catalog {origin}: ")),
        "{message}"
    );
    for fragment in fragments {
        assert!(reason.contains(fragment), "{fragment:?} not in {reason:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------------

#[test]
fn lookup_by_each_kind_of_name_ignores_case() {
    let catalog = Catalog::builtin();
    let by_ldap = catalog.get("EXTENSIONATTRIBUTE1").unwrap();
    let by_exo = catalog.get("customattribute1").unwrap();
    let by_param = catalog.get("CuStOmAtTrIbUtE1").unwrap();
    let by_graph = catalog
        .get("onpremisesextensionattributes.EXTENSIONATTRIBUTE1")
        .unwrap();
    assert_eq!(by_ldap, by_exo);
    assert_eq!(by_exo, by_param);
    assert_eq!(by_param, by_graph);
    assert_eq!(by_ldap.ldap_name.as_deref(), Some("extensionAttribute1"));

    let alias = catalog.lookup("MAILNICKNAME").unwrap();
    assert_eq!(alias.exo_property.as_deref(), Some("Alias"));
    assert_eq!(alias.name(), "Alias");
    assert_eq!(catalog.lookup("alias").unwrap(), alias);
    assert_eq!(
        catalog.lookup("MailNickname").unwrap().class,
        AttributeClass::Exchange
    );

    let hidden = catalog.get("hiddenfromaddresslistsenabled").unwrap();
    assert_eq!(
        hidden.ldap_name.as_deref(),
        Some("msExchHideFromAddressLists")
    );
    assert_eq!(hidden.value_kind, ValueKind::Boolean);

    let title = catalog.get("JOBTITLE").unwrap();
    assert_eq!(title.ldap_name.as_deref(), Some("title"));
    assert_eq!(title.class, AttributeClass::Identity);
    assert_eq!(title.parameter, None);
}

#[test]
fn lookup_by_one_kind_of_name_only() {
    let catalog = Catalog::builtin();
    assert_eq!(
        catalog
            .by_ldap_name("MSEXCHHIDEFROMADDRESSLISTS")
            .unwrap()
            .name(),
        "HiddenFromAddressListsEnabled"
    );
    assert!(
        catalog
            .by_ldap_name("HiddenFromAddressListsEnabled")
            .is_none()
    );

    assert_eq!(
        catalog
            .by_exo_property("forwardingaddress")
            .unwrap()
            .ldap_name
            .as_deref(),
        Some("altRecipient")
    );
    assert!(catalog.by_exo_property("altRecipient").is_none());

    assert_eq!(
        catalog.by_parameter("type").unwrap().ldap_name.as_deref(),
        Some("msExchRecipientTypeDetails")
    );
    assert_eq!(
        catalog
            .by_parameter("-CustomAttribute9")
            .unwrap()
            .ldap_name
            .as_deref(),
        Some("extensionAttribute9")
    );
    assert!(catalog.by_parameter("RecipientTypeDetails").is_none());
    // Set-User-only identity attributes have no Set-Mailbox parameter.
    assert!(catalog.by_parameter("Department").is_none());

    assert_eq!(
        catalog
            .by_graph_name("SURNAME")
            .unwrap()
            .ldap_name
            .as_deref(),
        Some("sn")
    );
    assert!(catalog.by_graph_name("sn").is_none());
    // A name that is both the LDAP and the Graph name is found by both.
    assert_eq!(catalog.by_graph_name("Mail"), catalog.by_ldap_name("MAIL"));
}

#[test]
fn unknown_name_is_an_error_naming_it() {
    let catalog = Catalog::builtin();
    assert!(catalog.get("msExchNoSuchThing").is_none());
    let err = catalog.lookup("msExchNoSuchThing").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownAttribute);
    assert!(matches!(&err, Error::UnknownAttribute { name } if name == "msExchNoSuchThing"));
    assert_eq!(
        err.to_string(),
        "unknown attribute \"msExchNoSuchThing\": not an LDAP name, Exchange Online property, \
         Set-Mailbox parameter or Graph name in the catalog"
    );
    // Lookups do not trim: " Alias" is not "Alias".
    assert!(catalog.lookup(" Alias").is_err());
}

#[test]
fn names_are_unique_across_rows_and_fields() {
    let catalog = Catalog::builtin();
    let mut seen = BTreeSet::new();
    for row in catalog {
        let own: BTreeSet<String> = row.names().map(str::to_lowercase).collect();
        for name in own {
            assert!(seen.insert(name.clone()), "{name} belongs to two rows");
        }
        for name in row.names() {
            assert_eq!(catalog.get(name), Some(row), "{name}");
        }
    }
    assert_eq!(catalog.iter().count(), catalog.len());
}

#[test]
fn row_counts_per_class() {
    let catalog = Catalog::builtin();
    let count = |class| catalog.iter().filter(|r| r.class == class).count();
    let identity = count(AttributeClass::Identity);
    let exchange = count(AttributeClass::Exchange);
    let cloud_only = count(AttributeClass::CloudOnly);
    assert_eq!(identity + exchange + cloud_only, catalog.len());
    assert!(identity >= 35, "{identity}");
    assert!(exchange >= 70, "{exchange}");
    assert!(cloud_only >= 15, "{cloud_only}");
}

// ---------------------------------------------------------------------------------------------
// Writeback
// ---------------------------------------------------------------------------------------------

#[test]
fn writeback_set_is_the_24_attributes_of_ga() {
    let catalog = Catalog::builtin();
    let rows: Vec<_> = catalog.writeback_attributes().collect();
    assert_eq!(rows.len(), 24);
    let preview = rows
        .iter()
        .filter(|r| r.writeback_since == Some(WritebackPhase::Preview))
        .count();
    assert_eq!(preview, 23);

    let mut expected: BTreeSet<String> =
        (1..=15).map(|n| format!("extensionAttribute{n}")).collect();
    expected.extend((1..=5).map(|n| format!("msExchExtensionCustomAttribute{n}")));
    expected.extend(
        [
            "msExchRecipientDisplayType",
            "msExchRecipientTypeDetails",
            "proxyAddresses",
            "mail",
        ]
        .map(String::from),
    );
    let actual: BTreeSet<String> = rows
        .iter()
        .map(|r| {
            r.ldap_name
                .clone()
                .expect("every writeback row has an LDAP name")
        })
        .collect();
    assert_eq!(actual, expected);

    for row in &rows {
        assert_eq!(row.class, AttributeClass::Exchange);
        assert!(row.confirmed, "{}", row.name());
    }
    let mail = catalog.get("mail").unwrap();
    assert_eq!(mail.writeback_since, Some(WritebackPhase::Ga));
    assert_eq!(
        mail.writeback_date(),
        chrono::NaiveDate::from_ymd_opt(2026, 8, 3)
    );
    assert_eq!(
        catalog.get("proxyAddresses").unwrap().writeback_date(),
        chrono::NaiveDate::from_ymd_opt(2026, 5, 15)
    );

    // Everything else is not written back.
    for row in catalog.iter().filter(|r| !r.writeback) {
        assert_eq!(row.writeback_since, None, "{}", row.name());
        assert_eq!(row.writeback_date(), None);
    }
    assert!(
        !catalog
            .get("HiddenFromAddressListsEnabled")
            .unwrap()
            .writeback
    );
    assert!(!catalog.get("Alias").unwrap().writeback);
}

// ---------------------------------------------------------------------------------------------
// Overrides that work
// ---------------------------------------------------------------------------------------------

#[test]
fn override_reclassifies_a_row() {
    let base = Catalog::builtin();
    assert_eq!(
        base.get("AssistantName").unwrap().class,
        AttributeClass::Exchange
    );
    let text = r#"{"description": "after reading L1", "attributes": [
        {"ldap_name": "MSEXCHASSISTANTNAME", "class": "identity", "confirmed": true,
         "sources": ["L1"], "note": null}
    ]}"#;
    let catalog = base.with_override_json(text, "ours.json").unwrap();
    let row = catalog.get("AssistantName").unwrap();
    assert_eq!(row.class, AttributeClass::Identity);
    assert!(row.confirmed);
    assert_eq!(row.sources, ["L1"]);
    assert_eq!(row.note, None);
    // Fields the override does not give are kept; the name takes the override's spelling.
    assert_eq!(row.exo_property.as_deref(), Some("AssistantName"));
    assert_eq!(row.ldap_name.as_deref(), Some("MSEXCHASSISTANTNAME"));
    assert_eq!(row.value_kind, ValueKind::String);
    assert_eq!(catalog.len(), base.len());
    // The base catalog is unchanged.
    assert_eq!(
        base.get("AssistantName").unwrap().class,
        AttributeClass::Exchange
    );
}

#[test]
fn override_adds_a_row_and_can_clear_writeback() {
    let base = Catalog::builtin();
    let text = r#"{"attributes": [
        {"ldap_name": "msExchUserCulture", "exo_property": "Languages", "parameter": "Languages",
         "value_kind": "multi_string", "class": "cloud-only", "sources": ["local"]},
        {"exo_property": "WindowsEmailAddress", "writeback": false, "writeback_since": null}
    ]}"#;
    let catalog = base.with_override_json(text, "add.json").unwrap();
    assert_eq!(catalog.len(), base.len() + 1);
    let added = catalog.by_parameter("languages").unwrap();
    assert_eq!(added.ldap_name.as_deref(), Some("msExchUserCulture"));
    assert_eq!(added.class, AttributeClass::CloudOnly);
    assert_eq!(added.value_kind, ValueKind::MultiString);
    assert!(!added.writeback && !added.confirmed);
    assert_eq!(catalog.get("MSEXCHUSERCULTURE"), Some(added));

    assert_eq!(catalog.writeback_attributes().count(), 23);
    assert!(!catalog.get("mail").unwrap().writeback);
}

#[test]
fn override_can_clear_a_name() {
    let catalog = Catalog::builtin()
        .with_override_json(
            r#"{"attributes": [{"exo_property": "AssistantName", "ldap_name": null}]}"#,
            "clear.json",
        )
        .unwrap();
    assert!(catalog.get("msExchAssistantName").is_none());
    assert_eq!(catalog.get("AssistantName").unwrap().ldap_name, None);
}

#[test]
fn override_file_is_read_and_applied() {
    let file = TempFile::new(
        "ok.json",
        r#"{"attributes": [{"parameter": "ForwardingSmtpAddress", "confirmed": true}]}"#,
    );
    let catalog = Catalog::builtin().with_override_file(&file.0).unwrap();
    assert!(catalog.get("ForwardingSmtpAddress").unwrap().confirmed);
}

#[test]
fn overrides_chain() {
    let first = Catalog::builtin()
        .with_override_json(
            r#"{"attributes": [{"ldap_name": "x-one", "value_kind": "string", "class": "identity"}]}"#,
            "one.json",
        )
        .unwrap();
    let second = first
        .with_override_json(
            r#"{"attributes": [{"ldap_name": "X-ONE", "class": "exchange"}]}"#,
            "two.json",
        )
        .unwrap();
    assert_eq!(second.get("x-one").unwrap().class, AttributeClass::Exchange);
    assert_eq!(second.len(), first.len());
}

// ---------------------------------------------------------------------------------------------
// Overrides that are rejected
// ---------------------------------------------------------------------------------------------

#[test]
fn override_with_unknown_class_names_row_and_value() {
    let text = r#"{"attributes": [
        {"ldap_name": "extensionAttribute1", "confirmed": false},
        {"ldap_name": "extensionAttribute2", "confirmed": false},
        {"ldap_name": "msExchAssistantName", "class": "cloud"}
    ]}"#;
    let err = override_err(text, "overrides.json");
    assert_catalog_error(
        &err,
        "overrides.json",
        &[
            "row 3 (\"msExchAssistantName\")",
            "unknown class \"cloud\", expected identity, exchange or cloud_only",
        ],
    );
    assert_eq!(
        err.to_string(),
        "invalid catalog overrides.json: row 3 (\"msExchAssistantName\"): unknown class \"cloud\", \
         expected identity, exchange or cloud_only"
    );
}

#[test]
fn override_with_unknown_value_kind_or_field() {
    let err = override_err(
        r#"{"attributes": [{"ldap_name": "new1", "class": "identity", "value_kind": "text"}]}"#,
        "kinds.json",
    );
    assert_catalog_error(
        &err,
        "kinds.json",
        &["row 1 (\"new1\")", "unknown value kind \"text\""],
    );

    let err = override_err(
        r#"{"attributes": [{"ldap_name": "mail", "writeback_sinse": "ga"}]}"#,
        "typo.json",
    );
    assert_catalog_error(&err, "typo.json", &["row 1 (\"mail\")", "writeback_sinse"]);
}

#[test]
fn override_adding_duplicate_names() {
    let text = r#"{"attributes": [
        {"ldap_name": "newAttr", "value_kind": "string", "class": "identity"},
        {"exo_property": "NEWATTR", "value_kind": "string", "class": "exchange"}
    ]}"#;
    let err = override_err(text, "dups.json");
    assert_catalog_error(
        &err,
        "dups.json",
        &[
            "\"NEWATTR\"",
            "row 1 (\"newAttr\")",
            "row 2 (\"NEWATTR\")",
            "two rows",
        ],
    );
}

#[test]
fn override_with_a_parameter_claimed_by_two_rows() {
    let text = r#"{"attributes": [
        {"ldap_name": "msExchFoo", "parameter": "Foo", "value_kind": "string", "class": "cloud_only"},
        {"ldap_name": "msExchBar", "parameter": "foo", "value_kind": "string", "class": "cloud_only"}
    ]}"#;
    let err = override_err(text, "params.json");
    assert_catalog_error(
        &err,
        "params.json",
        &[
            "Set-Mailbox parameter \"foo\" is claimed by two rows",
            "row 1 (\"msExchFoo\")",
            "row 2 (\"msExchBar\")",
        ],
    );
}

#[test]
fn override_row_matching_two_rows() {
    let text = r#"{"attributes": [
        {"ldap_name": "extensionAttribute1", "exo_property": "CustomAttribute2", "class": "identity"}
    ]}"#;
    let err = override_err(text, "two.json");
    assert_catalog_error(
        &err,
        "two.json",
        &[
            "row 1 (\"CustomAttribute2\")",
            "match two different attributes",
            "\"extensionAttribute1\"",
            "\"CustomAttribute2\"",
        ],
    );
}

#[test]
fn override_with_inconsistent_writeback() {
    let err = override_err(
        r#"{"attributes": [{"ldap_name": "title", "writeback": true, "writeback_since": "ga"}]}"#,
        "wb.json",
    );
    assert_catalog_error(&err, "wb.json", &["row 1 (\"Title\")", "class is identity"]);

    let err = override_err(
        r#"{"attributes": [{"exo_property": "Alias", "writeback": true}]}"#,
        "wb.json",
    );
    assert_catalog_error(
        &err,
        "wb.json",
        &["row 1 (\"Alias\")", "writeback_since is missing"],
    );

    let err = override_err(
        r#"{"attributes": [{"ldap_name": "mail", "writeback": false}]}"#,
        "wb.json",
    );
    assert_catalog_error(
        &err,
        "wb.json",
        &[
            "row 1 (\"WindowsEmailAddress\")",
            "writeback_since is \"ga\" but writeback is false",
        ],
    );
}

#[test]
fn override_new_row_must_be_complete_and_named() {
    let err = override_err(
        r#"{"attributes": [{"ldap_name": "brandNew", "class": "identity"}]}"#,
        "new.json",
    );
    assert_catalog_error(
        &err,
        "new.json",
        &["row 1 (\"brandNew\")", "needs value_kind"],
    );

    let err = override_err(r#"{"attributes": [{"class": "identity"}]}"#, "new.json");
    assert_catalog_error(&err, "new.json", &["row 1", "gives no name"]);

    // Only null names: nothing to match, nothing to add.
    let err = override_err(
        r#"{"attributes": [{"ldap_name": null, "exo_property": null, "class": "identity"}]}"#,
        "new.json",
    );
    assert_catalog_error(&err, "new.json", &["row 1", "gives no name"]);
}

#[test]
fn override_that_is_not_an_object_with_attributes() {
    let err = override_err(r#"[{"ldap_name": "mail"}]"#, "shape.json");
    assert_catalog_error(&err, "shape.json", &["\"attributes\""]);
    let err = override_err(r#"{"rows": []}"#, "shape.json");
    assert_catalog_error(&err, "shape.json", &["rows"]);
}

#[test]
fn override_with_malformed_json() {
    let err = override_err(
        r#"{"attributes": [ {"ldap_name": "mail", } ]}"#,
        "broken.json",
    );
    assert_eq!(err.kind(), ErrorKind::Json);
    assert!(matches!(&err, Error::Json { context, .. } if context == "broken.json"));
    let message = err.to_string();
    assert!(
        message.starts_with("invalid JSON in broken.json: "),
        "{message}"
    );
    assert!(message.contains("line 1"), "{message}");
}

#[test]
fn override_file_with_malformed_json_names_the_file() {
    let file = TempFile::new(
        "broken.json",
        "{\"attributes\": [\n  {\"ldap_name\": \"mail\"\n",
    );
    let err = Catalog::builtin().with_override_file(&file.0).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Json);
    assert!(
        err.to_string().contains(&file.0.display().to_string()),
        "{err}"
    );
}

#[test]
fn override_file_with_a_bad_row_names_the_file() {
    let file = TempFile::new(
        "badrow.json",
        r#"{"attributes": [{"ldap_name": "title", "class": "cloud"}]}"#,
    );
    let err = Catalog::builtin().with_override_file(&file.0).unwrap_err();
    assert_catalog_error(
        &err,
        &file.0.display().to_string(),
        &["row 1 (\"title\")", "unknown class \"cloud\""],
    );
}

#[test]
fn missing_override_file_is_an_io_error_naming_it() {
    let path = std::env::temp_dir().join(format!(
        "soa-catalog-test-{}-does-not-exist.json",
        std::process::id()
    ));
    let err = Catalog::builtin().with_override_file(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(!err.is_bad_input());
    assert!(matches!(&err, Error::Io { action: "read", path: p, .. } if *p == path));
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("cannot read {}: ", path.display())),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// Whole tables and the JSON the example prints
// ---------------------------------------------------------------------------------------------

#[test]
fn json_output_has_every_key_and_reads_back() {
    let catalog = Catalog::builtin();
    let text = catalog.to_json_pretty();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = value.as_array().expect("a JSON array");
    assert_eq!(rows.len(), catalog.len());

    let expected: BTreeSet<&str> = [
        "name",
        "ldap_name",
        "exo_property",
        "parameter",
        "graph_name",
        "class",
        "writeback",
        "writeback_since",
        "value_kind",
        "confirmed",
        "sources",
        "note",
    ]
    .into();
    for row in rows {
        let keys: BTreeSet<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, expected);
        assert!(row["writeback"].is_boolean() && row["confirmed"].is_boolean());
        assert!(row["sources"].is_array());
        let class = row["class"].as_str().unwrap();
        assert!(
            ["identity", "exchange", "cloud_only"].contains(&class),
            "{class}"
        );
    }

    let proxy = rows
        .iter()
        .find(|r| r["ldap_name"] == "proxyAddresses")
        .unwrap();
    assert_eq!(proxy["exo_property"], "EmailAddresses");
    assert_eq!(proxy["parameter"], "EmailAddresses");
    assert_eq!(proxy["graph_name"], "proxyAddresses");
    assert_eq!(proxy["value_kind"], "proxy_addresses");
    assert_eq!(proxy["class"], "exchange");
    assert_eq!(proxy["writeback"], true);
    assert_eq!(proxy["writeback_since"], "preview");
    assert_eq!(proxy["confirmed"], true);
    let forwarding = rows
        .iter()
        .find(|r| r["exo_property"] == "ForwardingSmtpAddress")
        .unwrap();
    assert!(forwarding["ldap_name"].is_null());
    assert!(forwarding["writeback_since"].is_null());
    assert_eq!(forwarding["class"], "cloud_only");

    // The printed array is itself a valid table.
    let again = Catalog::from_json(&text, "printed.json").unwrap();
    assert_eq!(
        again.iter().collect::<Vec<_>>(),
        catalog.iter().collect::<Vec<_>>()
    );
}

#[test]
fn whole_table_with_duplicate_names_or_no_name_is_rejected() {
    let dup = r#"{"version": "t", "attributes": [
        {"ldap_name": "a", "exo_property": "A", "value_kind": "string", "class": "identity"},
        {"ldap_name": "b", "graph_name": "a", "value_kind": "string", "class": "identity"}]}"#;
    let err = Catalog::from_json(dup, "mine.json").unwrap_err();
    assert_catalog_error(
        &err,
        "mine.json",
        &["row 1 (\"A\")", "row 2 (\"b\")", "\"a\""],
    );

    let nameless = r#"[{"value_kind": "string", "class": "identity", "note": "who am I"}]"#;
    let err = Catalog::from_json(nameless, "mine.json").unwrap_err();
    assert_catalog_error(&err, "mine.json", &["row 1", "has no name"]);

    let err = Catalog::from_json("not json", "mine.json").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Json);
    assert!(err.to_string().contains("mine.json"));

    let empty = Catalog::from_json("[]", "empty.json").unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.version(), None);
}
