//! What the REST client reads from a gateway answer, through the public pieces its (crate-
//! private) error classification is made of: the JSON error envelope and its detail text
//! (`exo::wire::ErrorEnvelope`, `split_error_message`), success pages (`ResponsePage`), audit
//! log entries, and the wait hints of the `Retry-After` / `retry-after-ms` headers
//! (`exo::rest::parse_retry_after`).
//!
//! Input: the `Retry-After` value, a line feed, the `retry-after-ms` value, a line feed, then
//! the body. Nothing panics; a body that reads as an envelope writes and reads back unchanged;
//! a detail splits into trimmed parts that the message holds; a wait is never negative and a
//! wait read from seconds is capped.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use soa_core::exo::rest::parse_retry_after;
use soa_core::exo::wire::{AdminAuditLogEntry, ErrorEnvelope, ResponsePage, split_error_message};
use soa_core_fuzz::{fixed_now, split_lines};

fn check_split(message: &str) {
    let split = split_error_message(message);
    assert_eq!(split.text, split.text.trim());
    for part in [&split.error_id, &split.exception_class]
        .into_iter()
        .flatten()
    {
        assert!(!part.is_empty() && part == part.trim(), "{part:?}");
        assert!(message.contains(part.as_str()));
    }
    assert!(message.contains(split.text.as_str()));
    if message.matches('|').count() < 2 {
        assert_eq!(split.error_id, None);
        assert_eq!(split.text, message.trim());
    }
}

/// Whether a JSON value holds a float (serde_json reads some decimal texts one unit in the last
/// place off, so values holding floats are not compared after a round trip).
fn has_float(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(n) => n.is_f64(),
        serde_json::Value::Array(items) => items.iter().any(has_float),
        serde_json::Value::Object(m) => m.values().any(has_float),
        _ => false,
    }
}

fn round_trip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_vec(value).expect("a wire value serializes");
    let back: T = serde_json::from_slice(&json).expect("a wire value reads back");
    assert_eq!(&back, value, "changed through JSON");
}

fuzz_target!(|data: &[u8]| {
    let parts = split_lines(data, 3);
    let header = |i: usize| parts.get(i).and_then(|p| std::str::from_utf8(p).ok());
    let retry_after = header(0);
    let retry_after_ms = header(1);
    let body = parts.get(2).copied().unwrap_or_default();

    let now = fixed_now();
    if let Some(wait) = parse_retry_after(retry_after, retry_after_ms, now) {
        let from_ms = retry_after_ms.and_then(|v| v.trim().parse::<f64>().ok());
        if from_ms.is_none_or(|ms| !ms.is_finite() || ms < 0.0) {
            // Seconds (capped at 1e9) or an HTTP date.
            if retry_after.is_some_and(|v| v.trim().parse::<f64>().is_ok()) {
                assert!(wait <= Duration::from_secs(1_000_000_000), "{wait:?}");
            }
        }
    }
    let _ = parse_retry_after(retry_after, None, now);
    let _ = parse_retry_after(None, retry_after_ms, now);

    if let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(body) {
        if !envelope.error.innererror.as_ref().is_some_and(has_float) {
            round_trip(&envelope);
        }
        check_split(&envelope.error.message);
        for detail in &envelope.error.details {
            check_split(&detail.message);
        }
    }
    if let Ok(page) = serde_json::from_slice::<ResponsePage>(body)
        && !page.value.iter().any(has_float)
    {
        round_trip(&page);
    }
    if let Ok(entries) = serde_json::from_slice::<Vec<AdminAuditLogEntry>>(body) {
        for entry in &entries {
            round_trip(entry);
            if let Some(record) = entry.to_record() {
                let again = AdminAuditLogEntry::from(&record);
                assert_eq!(again.caller, entry.caller);
                assert_eq!(again.cmdlet_name, entry.cmdlet_name);
                assert_eq!(again.succeeded, entry.succeeded);
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(body) {
        check_split(text);
    }
});
