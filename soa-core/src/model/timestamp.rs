//! Serde helper for `Option<DateTime<Utc>>` fields of PowerShell `ConvertTo-Json` output.
//!
//! Use with `#[serde(default, with = "super::timestamp")]`. Accepted forms:
//!
//! - `null` or `""`: `None`;
//! - ISO 8601 with an offset or `Z`, with any number of fractional digits up to 9 (PowerShell 7
//!   writes 7: `"2025-10-01T12:34:56.1234567+02:00"`), converted to UTC;
//! - ISO 8601 without an offset (`"2025-10-01T12:34:56.1234567"`): read **as UTC**. PowerShell 7
//!   writes that form for a `DateTime` of unspecified kind; for `WhenChanged`/`WhenCreated`, which
//!   are local times, the real instant may differ by the local UTC offset, which is why the
//!   `...UTC` properties are preferred when present;
//! - Windows PowerShell 5.1's `"/Date(1700000000000)/"` (milliseconds since the Unix epoch,
//!   optionally followed by an informational offset such as `+0200`, which does not change the
//!   instant);
//! - an object with a `value` member holding one of the above (Windows PowerShell 5.1 writes a
//!   `DateTime` that carries extra properties as `{"value": "/Date(...)/", "DisplayHint": 2,
//!   "DateTime": "..."}`).
//!
//! Anything else is an error naming the text and the accepted forms. Serialization writes
//! RFC 3339 in UTC (`2025-10-01T10:34:56.123456700Z`) or `null`.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserializer, Serializer};

/// Serializes as an RFC 3339 string in UTC, or `null`.
#[allow(clippy::ref_option)] // the signature serde's `with` requires
pub(crate) fn serialize<S: Serializer>(
    value: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(t) => serializer.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        None => serializer.serialize_none(),
    }
}

/// Deserializes any of the forms listed in the module documentation.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    deserializer.deserialize_any(TimestampVisitor)
}

/// Parses one timestamp text; `Ok(None)` for an empty (or all-blank) text.
pub(crate) fn parse(text: &str) -> Result<Option<DateTime<Utc>>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Some(inner) = t.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        return parse_ms_date(inner).map(Some).ok_or_else(|| {
            format!("invalid date {text:?}: not a valid /Date(milliseconds)/ value")
        });
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(Some(dt.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(Some(naive.and_utc()));
        }
    }
    Err(format!(
        "invalid date {text:?}: expected ISO 8601 like \"2025-10-01T12:34:56.1234567+02:00\" (the offset may be omitted, then UTC is assumed) or \"/Date(1700000000000)/\""
    ))
}

/// The inside of `/Date(...)/`: milliseconds, optionally followed by `+hhmm` or `-hhmm`.
fn parse_ms_date(inner: &str) -> Option<DateTime<Utc>> {
    // The sign of the millisecond count may be '-', so look for the offset sign after it.
    let digits_end = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map_or(inner.len(), |(i, _)| i);
    let (ms, offset) = inner.split_at(digits_end);
    let offset_ok =
        offset.is_empty() || (offset.len() == 5 && offset[1..].bytes().all(|b| b.is_ascii_digit()));
    if !offset_ok {
        return None;
    }
    let ms: i64 = ms.parse().ok()?;
    DateTime::from_timestamp_millis(ms)
}

struct TimestampVisitor;

impl<'de> Visitor<'de> for TimestampVisitor {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a date like \"2025-10-01T12:34:56.1234567+02:00\" or \"/Date(1700000000000)/\", or null",
        )
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse(v).map_err(E::custom)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(TimestampVisitor)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key.eq_ignore_ascii_case("value") && found.is_none() {
                found = Some(map.next_value_seed(TimestampSeed)?);
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        found.ok_or_else(|| de::Error::custom("date object without a \"value\" member"))
    }
}

/// Deserializes one nested timestamp (the `value` member of a Windows PowerShell 5.1 object).
struct TimestampSeed;

impl<'de> de::DeserializeSeed<'de> for TimestampSeed {
    type Value = Option<DateTime<Utc>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(TimestampVisitor)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn parses_powershell_forms() {
        assert_eq!(
            parse("2025-10-01T12:34:56.1234567+02:00").unwrap(),
            Some(utc("2025-10-01T10:34:56.1234567Z"))
        );
        assert_eq!(
            parse("2025-10-01T12:34:56.1234567").unwrap(),
            Some(utc("2025-10-01T12:34:56.1234567Z"))
        );
        assert_eq!(
            parse("2025-10-01T12:34:56Z").unwrap(),
            Some(utc("2025-10-01T12:34:56Z"))
        );
        assert_eq!(
            parse("/Date(1700000000000)/").unwrap(),
            Some(utc("2023-11-14T22:13:20Z"))
        );
        assert_eq!(
            parse("/Date(1700000000000+0200)/").unwrap(),
            Some(utc("2023-11-14T22:13:20Z"))
        );
        assert_eq!(
            parse("/Date(-1000)/").unwrap(),
            Some(utc("1969-12-31T23:59:59Z"))
        );
        assert_eq!(parse("").unwrap(), None);
    }

    #[test]
    fn rejects_other_forms() {
        for bad in [
            "yesterday",
            "01/10/2025 12:34:56",
            "/Date(abc)/",
            "/Date(1+2)/",
            "2025-13-01T00:00:00",
        ] {
            let msg = parse(bad).unwrap_err();
            assert!(msg.contains(bad), "{msg}");
        }
    }

    #[derive(serde::Deserialize, serde::Serialize)]
    struct Holder {
        #[serde(default, with = "super")]
        t: Option<DateTime<Utc>>,
    }

    #[test]
    fn serde_forms() {
        let h: Holder = serde_json::from_str(
            r#"{"t": {"value": "\/Date(1700000000000)\/", "DisplayHint": 2}}"#,
        )
        .unwrap();
        assert_eq!(h.t, Some(utc("2023-11-14T22:13:20Z")));
        let h: Holder = serde_json::from_str(r#"{"t": null}"#).unwrap();
        assert_eq!(h.t, None);
        let h: Holder = serde_json::from_str("{}").unwrap();
        assert_eq!(h.t, None);
        let err = serde_json::from_str::<Holder>(r#"{"t": 5}"#).err().unwrap();
        assert!(err.to_string().contains("/Date("), "{err}");
        let h = Holder {
            t: Some(utc("2025-10-01T10:34:56.1234567Z")),
        };
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            r#"{"t":"2025-10-01T10:34:56.123456700Z"}"#
        );
    }
}
