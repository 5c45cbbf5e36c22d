//! `RecipientTypeDetails`: a name parses unless it is blank, and the parsed type writes and
//! reads back to itself (as text, as JSON, and from its numeric AD value).
#![no_main]

use libfuzzer_sys::fuzz_target;
use soa_core::ErrorKind;
use soa_core::model::RecipientTypeDetails;

fn round_trips(r: &RecipientTypeDetails) {
    assert!(!r.as_str().is_empty(), "{r:?} has an empty name");
    assert_eq!(
        RecipientTypeDetails::parse(r.as_str()).as_ref().ok(),
        Some(r)
    );
    assert_eq!(r.to_string(), r.as_str());
    assert_eq!(r.is_eligible(), r.ineligibility_reason().is_none(), "{r:?}");
    let json = serde_json::to_string(r).expect("a recipient type serializes");
    assert_eq!(
        serde_json::from_str::<RecipientTypeDetails>(&json)
            .as_ref()
            .ok(),
        Some(r),
        "{json}"
    );
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match RecipientTypeDetails::parse(text) {
            Ok(r) => round_trips(&r),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::InvalidRecipientType, "{text:?}: {e}");
                assert!(text.trim().is_empty(), "{text:?} refused: {e}");
            }
        }
        // Any JSON: a name, an object with a Value, or a number.
        if let Ok(r) = serde_json::from_str::<RecipientTypeDetails>(text) {
            round_trips(&r);
        }
    }
    if data.len() >= 8 {
        let mut word = [0u8; 8];
        word.copy_from_slice(&data[..8]);
        let r = RecipientTypeDetails::from_ad_value(u64::from_le_bytes(word));
        round_trips(&r);
    }
});
