//! The `ConvertTo-Json` readers: `CloudJsonReader` (`Get-Mailbox`) and `AdJsonReader`
//! (`Get-ADUser`), over one streaming element scanner.
//!
//! - Both end and stop at their first error.
//! - Against serde_json reading the whole document: a document that is one object or an array
//!   of objects (after a UTF-8 byte-order mark) gives exactly those objects, each mailbox the
//!   one serde reads from it (or the reader's error where serde cannot read a mailbox from it);
//!   any other document is an error.
//! - A mailbox serializes and reads back unchanged.
//! - The reconciliation's own loader (`reconcile_files`, which parses records in place) gives
//!   the report that `reconcile` gives on the reader's entries, or fails when it fails.
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use soa_core::catalog::Catalog;
use soa_core::model::Mailbox;
use soa_core::reconcile::source::{AdFormat, AdJsonReader, AdLdifReader, CloudJsonReader};
use soa_core::reconcile::{ReconcileOptions, reconcile, reconcile_files};
use soa_core_fuzz::{drain, fixed_now, scratch, scrub};

/// The accounts the fuzzed mailboxes are joined to (GUID, UPN and SMTP keys of the seeds).
const AD: &[u8] = include_bytes!("../data/users.ldf");

/// The objects serde_json reads from the whole document, when it is one object or an array of
/// objects; `Err(true)` when serde cannot say (nesting deeper than its limit).
fn serde_objects(data: &[u8]) -> Result<Vec<serde_json::Map<String, Value>>, bool> {
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if body
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        // What ConvertTo-Json writes for no object at all: no record.
        return Ok(Vec::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(vec![m]),
        Ok(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::Object(m) => Ok(m),
                _ => Err(false),
            })
            .collect(),
        Ok(_) => Err(false),
        Err(e) => Err(e.to_string().contains("recursion limit")),
    }
}

fn options() -> ReconcileOptions {
    ReconcileOptions {
        now: Some(fixed_now()),
        ad_source: "fuzz AD".to_owned(),
        cloud_source: "fuzz cloud".to_owned(),
        ..ReconcileOptions::default()
    }
}

fuzz_target!(|data: &[u8]| {
    static AD_PATH: OnceLock<std::path::PathBuf> = OnceLock::new();
    let (entries, error) = drain(
        CloudJsonReader::new(Cursor::new(data), "mailboxes.json"),
        data.len(),
    );
    for entry in &entries {
        let json = serde_json::to_string(&entry.mailbox).expect("a mailbox serializes");
        let back: Mailbox = serde_json::from_str(&json).expect("a mailbox reads back");
        assert_eq!(
            back, entry.mailbox,
            "a mailbox changed through JSON: {json}"
        );
    }
    match serde_objects(data) {
        Ok(objects) => {
            // serde reads the document: the reader gives each object, and fails only where
            // an object is not a mailbox.
            for (i, entry) in entries.iter().enumerate() {
                let object = objects.get(i).unwrap_or_else(|| {
                    panic!("{} records from {} objects", entries.len(), objects.len())
                });
                let expected: Mailbox = serde_json::from_value(Value::Object(object.clone()))
                    .unwrap_or_else(|e| {
                        panic!("record {} is not a mailbox ({e}) but was read", i + 1)
                    });
                assert_eq!(entry.mailbox, expected, "record {} read differently", i + 1);
            }
            match &error {
                None => assert_eq!(entries.len(), objects.len(), "records missing"),
                Some(e) => {
                    let bad = objects.get(entries.len()).unwrap_or_else(|| {
                        panic!("an error after the last record of a valid document: {e}")
                    });
                    assert!(
                        serde_json::from_value::<Mailbox>(Value::Object(bad.clone())).is_err(),
                        "record {} is a mailbox, but the reader failed: {e}",
                        entries.len() + 1
                    );
                }
            }
        }
        Err(false) => assert!(
            error.is_some(),
            "the reader accepted a document that is not JSON objects ({} records)",
            entries.len()
        ),
        Err(true) => {}
    }

    let catalog = Catalog::builtin();
    let (accounts, ad_error) = drain(
        AdJsonReader::new(Cursor::new(data), "users.json", catalog.clone()),
        data.len(),
    );
    for account in &accounts {
        assert!(!account.complete);
        for name in account.attributes.keys() {
            let row = catalog
                .get(name)
                .unwrap_or_else(|| panic!("{name} is not in the catalog"));
            assert_eq!(row.ldap_name.as_deref(), Some(name.as_str()));
        }
    }
    match serde_objects(data) {
        Ok(objects) => {
            assert!(ad_error.is_none(), "valid objects refused: {ad_error:?}");
            assert_eq!(accounts.len(), objects.len());
        }
        Err(false) => assert!(
            ad_error.is_some(),
            "the AD reader accepted a document that is not JSON objects"
        ),
        Err(true) => {}
    }

    let ad_path = AD_PATH.get_or_init(|| scratch("users.ldf", AD));
    let cloud_path = scratch("mailboxes.json", data);
    let fast = reconcile_files(
        catalog,
        ad_path,
        Some(AdFormat::Ldif),
        &cloud_path,
        &options(),
    );
    let slow = reconcile(
        catalog,
        AdLdifReader::new(
            Cursor::new(AD),
            ad_path.display().to_string(),
            catalog.clone(),
        ),
        CloudJsonReader::new(Cursor::new(data), cloud_path.display().to_string()),
        &options(),
    );
    match (&fast, &slow) {
        (Ok(a), Ok(b)) => assert!(
            a == b,
            "reports differ:\n{}\n---\n{}",
            scrub(&a.to_json()),
            scrub(&b.to_json())
        ),
        (Err(a), Err(b)) => assert_eq!(
            a.kind(),
            b.kind(),
            "errors differ: {}",
            scrub(&format!("{a} / {b}"))
        ),
        (a, b) => panic!(
            "the loader and the reader disagree: {} / {}",
            scrub(
                &a.as_ref()
                    .map_or_else(ToString::to_string, |_| "a report".to_owned())
            ),
            scrub(
                &b.as_ref()
                    .map_or_else(ToString::to_string, |_| "a report".to_owned())
            )
        ),
    }
});
