//! `AdLdifReader` (`ldifde -f`): the reader ends, stops at its first error, and every entry it
//! gives has a DN, is a complete read, and holds only catalog attributes under their catalog
//! LDAP names.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use soa_core::catalog::Catalog;
use soa_core::model::AttributeValue;
use soa_core::reconcile::source::AdLdifReader;
use soa_core_fuzz::drain;

fuzz_target!(|data: &[u8]| {
    let catalog = Catalog::builtin();
    let reader = AdLdifReader::new(Cursor::new(data), "users.ldf", catalog.clone());
    let (entries, _error) = drain(reader, data.len());
    for entry in &entries {
        assert!(entry.complete, "an LDIF export is a complete read");
        assert!(entry.distinguished_name.is_some(), "an entry without a DN");
        for name in entry.attributes.keys() {
            let row = catalog
                .get(name)
                .unwrap_or_else(|| panic!("{name} is not in the catalog"));
            assert_eq!(
                row.ldap_name.as_deref(),
                Some(name.as_str()),
                "not the LDAP name"
            );
            assert_eq!(entry.value(name), entry.attributes.get(name).cloned());
        }
        for row in catalog {
            if let Some(ldap) = row.ldap_name.as_deref()
                && !entry.attributes.contains_key(ldap)
            {
                assert_eq!(entry.value(ldap), Some(AttributeValue::Null));
            }
        }
        let json = serde_json::to_string(entry).expect("an entry serializes");
        let back: soa_core::reconcile::source::AdEntry =
            serde_json::from_str(&json).expect("an entry reads back");
        assert_eq!(&back, entry);
    }
});
