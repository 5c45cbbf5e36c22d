//! `AdCsvReader` (`Get-ADUser | Export-Csv`): the reader ends, stops at its first error, keeps
//! only catalog attributes under their catalog LDAP names; and the reconciliation's fast path
//! over the same file (`reconcile_files`, which reads rows without building entries) gives the
//! same report, or fails, exactly as the entries of the reader do (`reconcile`).
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use soa_core::catalog::Catalog;
use soa_core::reconcile::source::{AdCsvReader, AdFormat, CloudJsonReader};
use soa_core::reconcile::{ReconcileOptions, reconcile, reconcile_files};
use soa_core_fuzz::{drain, fixed_now, scratch, scrub};

/// The mailboxes the fuzzed accounts are joined to (GUID, UPN and SMTP keys of the seeds).
const CLOUD: &[u8] = include_bytes!("../data/mailboxes.json");

fn options() -> ReconcileOptions {
    ReconcileOptions {
        now: Some(fixed_now()),
        ad_source: "fuzz AD".to_owned(),
        cloud_source: "fuzz cloud".to_owned(),
        ..ReconcileOptions::default()
    }
}

fuzz_target!(|data: &[u8]| {
    static CLOUD_PATH: OnceLock<std::path::PathBuf> = OnceLock::new();
    let catalog = Catalog::builtin();
    let reader = AdCsvReader::new(Cursor::new(data.to_vec()), "users.csv", catalog.clone());
    let (entries, _error) = drain(reader, data.len());
    for entry in &entries {
        assert!(!entry.complete, "a CSV export is not a complete read");
        for name in entry.attributes.keys() {
            let row = catalog
                .get(name)
                .unwrap_or_else(|| panic!("{name} is not in the catalog"));
            assert_eq!(
                row.ldap_name.as_deref(),
                Some(name.as_str()),
                "not the LDAP name"
            );
        }
    }

    let cloud_path = CLOUD_PATH.get_or_init(|| scratch("mailboxes.json", CLOUD));
    let ad_path = scratch("users.csv", data);
    let ad_origin = ad_path.display().to_string();
    let cloud_origin = cloud_path.display().to_string();
    let fast = reconcile_files(
        catalog,
        &ad_path,
        Some(AdFormat::Csv),
        cloud_path,
        &options(),
    );
    let slow = reconcile(
        catalog,
        AdCsvReader::new(Cursor::new(data.to_vec()), ad_origin, catalog.clone()),
        CloudJsonReader::new(Cursor::new(CLOUD), cloud_origin),
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
            "the fast path and the reader disagree: {} / {}",
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
