//! `SyncVersion`: parsing either fails with `InvalidVersion` or gives a version whose text reads
//! back to itself; every four numbers write and read back; ordering is the parts' ordering.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soa_core::ErrorKind;
use soa_core::model::SyncVersion;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match SyncVersion::parse(text) {
            Ok(v) => {
                let shown = v.to_string();
                assert_eq!(
                    SyncVersion::parse(&shown).ok(),
                    Some(v),
                    "{text:?} -> {shown}"
                );
                assert_eq!(text.parse::<SyncVersion>().ok(), Some(v));
                let json = serde_json::to_string(&v).expect("a version serializes");
                assert_eq!(serde_json::from_str::<SyncVersion>(&json).ok(), Some(v));
                assert_eq!(text.trim().split('.').count(), 4);
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidVersion, "{text:?}: {e}"),
        }
        let _ = serde_json::from_str::<SyncVersion>(text);
    }
    if data.len() >= 32 {
        let word = |i: usize| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
        let a = SyncVersion::from([word(0), word(4), word(8), word(12)]);
        let b = SyncVersion::from([word(16), word(20), word(24), word(28)]);
        assert_eq!(SyncVersion::parse(&a.to_string()).ok(), Some(a));
        assert_eq!(a.cmp(&b), a.parts().cmp(&b.parts()));
        assert_eq!(<[u32; 4]>::from(a), a.parts());
    }
});
