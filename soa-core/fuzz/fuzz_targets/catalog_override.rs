//! Catalog tables and override files (`Catalog::from_json`, `Catalog::with_override_json`): a
//! text either fails with `Json` or `InvalidCatalog`, or gives a catalog that keeps the
//! table's rules (every row named, no name on two rows, writeback only on exchange rows with a
//! date, every name found again), and that writes (`to_json_pretty`) and reads back unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soa_core::ErrorKind;
use soa_core::catalog::{AttributeClass, Catalog};

fn check(catalog: &Catalog, text: &str) {
    for row in catalog {
        assert!(row.names().next().is_some(), "a row without a name");
        assert!(!row.name().is_empty());
        for name in row.names() {
            let found = catalog
                .get(name)
                .unwrap_or_else(|| panic!("{name} not found"));
            assert!(std::ptr::eq(found, row), "{name} belongs to two rows");
            let upper = catalog.get(&name.to_uppercase());
            if name.to_uppercase().to_lowercase() == name.to_lowercase() {
                assert!(
                    upper.is_some_and(|r| std::ptr::eq(r, row)),
                    "{name} not found in upper case"
                );
            }
        }
        if row.writeback {
            assert_eq!(
                row.class,
                AttributeClass::Exchange,
                "writeback on a non-exchange row"
            );
            assert!(row.writeback_since.is_some(), "writeback without a date");
        } else {
            assert!(
                row.writeback_since.is_none(),
                "a writeback date without writeback"
            );
        }
        if let Some(p) = row.parameter.as_deref() {
            assert!(
                catalog
                    .by_parameter(p)
                    .is_some_and(|r| std::ptr::eq(r, row))
            );
        }
    }
    let written = catalog.to_json_pretty();
    let back = Catalog::from_json(&written, "written")
        .unwrap_or_else(|e| panic!("a catalog does not read back: {e}\nfrom {text:?}"));
    assert_eq!(
        back.to_json_pretty(),
        written,
        "a catalog changed through JSON"
    );
    assert_eq!(back.len(), catalog.len());
}

fn expect_error_kind(e: &soa_core::Error) {
    assert!(
        matches!(e.kind(), ErrorKind::Json | ErrorKind::InvalidCatalog),
        "unexpected error kind {:?}: {e}",
        e.kind()
    );
}

fuzz_target!(|text: &str| {
    let builtin = Catalog::builtin();
    match builtin.with_override_json(text, "overrides.json") {
        Ok(c) => {
            check(&c, text);
            assert!(c.len() >= builtin.len(), "overrides removed rows");
            assert_eq!(c.version(), builtin.version());
        }
        Err(e) => expect_error_kind(&e),
    }
    match Catalog::from_json(text, "table.json") {
        Ok(c) => check(&c, text),
        Err(e) => expect_error_kind(&e),
    }
});
