//! Attribute values as they cross the library: from JSON, CSV, LDIF or a cmdlet's output.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::ValueKind;
use crate::model::ProxyAddress;

/// One attribute's value, in the loose shape that PowerShell's `ConvertTo-Json` and the
/// Exchange Online gateway produce.
///
/// Serialized untagged: `null`, `true`, `42`, `"text"` or `["a", "b"]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttributeValue {
    /// No value (a cleared attribute, or `$null`).
    #[default]
    Null,
    /// A Boolean.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A single string (also GUIDs, DNs, dates and base64 binary values).
    String(String),
    /// A multi-valued attribute.
    List(Vec<String>),
}

impl AttributeValue {
    /// Whether the value is empty: `null`, an empty string or an empty list.
    ///
    /// Active Directory does not store empty values, so an empty value and a missing value mean
    /// the same thing when two sides are compared.
    pub fn is_empty(&self) -> bool {
        match self {
            AttributeValue::Null => true,
            AttributeValue::String(s) => s.is_empty(),
            AttributeValue::List(l) => l.is_empty(),
            AttributeValue::Bool(_) | AttributeValue::Integer(_) => false,
        }
    }

    /// The values as a list of strings: a single value becomes a one-element list, an empty
    /// value an empty list.
    pub fn to_strings(&self) -> Vec<String> {
        match self {
            AttributeValue::Null => Vec::new(),
            AttributeValue::Bool(b) => vec![if *b { "True" } else { "False" }.to_owned()],
            AttributeValue::Integer(i) => vec![i.to_string()],
            AttributeValue::String(s) if s.is_empty() => Vec::new(),
            AttributeValue::String(s) => vec![s.clone()],
            AttributeValue::List(l) => l.clone(),
        }
    }

    /// The value as a Boolean, accepting the spellings found in exports (`True`, `FALSE`, `1`, `0`).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            AttributeValue::Bool(b) => Some(*b),
            AttributeValue::Integer(0) => Some(false),
            AttributeValue::Integer(1) => Some(true),
            AttributeValue::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// Compares two values the way the attribute's kind requires.
    ///
    /// - Empty and missing are equal (see [`AttributeValue::is_empty`]).
    /// - Strings compare exactly; GUIDs, DNs and SMTP addresses case-insensitively (GUIDs
    ///   without braces).
    /// - Multi-valued attributes compare as sets.
    /// - Proxy addresses compare as sets in which the address is case-insensitive but the
    ///   prefix's case is significant, because `SMTP:` (primary) and `smtp:` (secondary) differ.
    /// - Booleans compare by meaning (`true` equals `"True"`, and an unset Boolean is `false`).
    pub fn equivalent(&self, other: &AttributeValue, kind: ValueKind) -> bool {
        if kind == ValueKind::Boolean {
            // An unset Boolean attribute means false (AD stores no `FALSE` for
            // msExchHideFromAddressLists on most accounts).
            let meaning = |v: &AttributeValue| {
                if v.is_empty() {
                    Some(false)
                } else {
                    v.as_bool()
                }
            };
            return match (meaning(self), meaning(other)) {
                (Some(a), Some(b)) => a == b,
                _ => self == other,
            };
        }
        if self.is_empty() || other.is_empty() {
            return self.is_empty() && other.is_empty();
        }
        match kind {
            ValueKind::Integer | ValueKind::Boolean => self.to_strings() == other.to_strings(),
            ValueKind::Guid => {
                normalized_set(self, normalize_guid) == normalized_set(other, normalize_guid)
            }
            ValueKind::DnReference | ValueKind::MultiDnReference | ValueKind::SmtpAddress => {
                normalized_set(self, str::to_lowercase) == normalized_set(other, str::to_lowercase)
            }
            ValueKind::ProxyAddresses => {
                normalized_set(self, normalize_proxy) == normalized_set(other, normalize_proxy)
            }
            ValueKind::String
            | ValueKind::MultiString
            | ValueKind::DateTime
            | ValueKind::Binary => {
                normalized_set(self, str::to_owned) == normalized_set(other, str::to_owned)
            }
        }
    }
}

fn normalized_set(value: &AttributeValue, f: impl Fn(&str) -> String) -> BTreeSet<String> {
    value.to_strings().iter().map(|s| f(s)).collect()
}

fn normalize_guid(s: &str) -> String {
    s.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

/// `SMTP:Alice@X.com` → `SMTP:alice@x.com`; `smtp:...` keeps its lower-case prefix.
fn normalize_proxy(s: &str) -> String {
    match s.parse::<ProxyAddress>() {
        Ok(p) => {
            let (prefix, address) = p.as_str().split_once(':').unwrap_or(("", p.as_str()));
            let prefix = if p.is_primary() {
                prefix.to_ascii_uppercase()
            } else {
                prefix.to_ascii_lowercase()
            };
            format!("{prefix}:{}", address.to_lowercase())
        }
        Err(_) => s.to_owned(),
    }
}

impl AttributeValue {
    /// A JSON value as PowerShell's `ConvertTo-Json` and the Exchange Online gateway write it:
    /// scalars as themselves (integers as integers, other numbers as text), arrays as lists of
    /// their items' text, and Windows PowerShell's wrapper objects (`{"value":[...],"Count":n}`,
    /// an enum's `{"Value":"..."}`) as their value. Any other object keeps its JSON text, so
    /// nothing is dropped.
    pub fn from_json(value: &serde_json::Value) -> AttributeValue {
        use serde_json::Value;
        match value {
            Value::Null => AttributeValue::Null,
            Value::Bool(b) => AttributeValue::Bool(*b),
            Value::Number(n) => n.as_i64().map_or_else(
                || AttributeValue::String(n.to_string()),
                AttributeValue::Integer,
            ),
            Value::String(s) => AttributeValue::String(s.clone()),
            Value::Array(items) => AttributeValue::List(
                items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
            ),
            Value::Object(m) => match m.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")) {
                Some((_, inner)) => AttributeValue::from_json(inner),
                None => AttributeValue::String(value.to_string()),
            },
        }
    }
}

impl fmt::Display for AttributeValue {
    /// Renders the value for people: lists joined with `; `, null as `(empty)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttributeValue::Null => f.write_str("(empty)"),
            AttributeValue::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            AttributeValue::Integer(i) => write!(f, "{i}"),
            AttributeValue::String(s) if s.is_empty() => f.write_str("(empty)"),
            AttributeValue::String(s) => f.write_str(s),
            AttributeValue::List(l) if l.is_empty() => f.write_str("(empty)"),
            AttributeValue::List(l) => f.write_str(&l.join("; ")),
        }
    }
}

impl From<&str> for AttributeValue {
    fn from(s: &str) -> Self {
        AttributeValue::String(s.to_owned())
    }
}

impl From<String> for AttributeValue {
    fn from(s: String) -> Self {
        AttributeValue::String(s)
    }
}

impl From<bool> for AttributeValue {
    fn from(b: bool) -> Self {
        AttributeValue::Bool(b)
    }
}

impl From<i64> for AttributeValue {
    fn from(i: i64) -> Self {
        AttributeValue::Integer(i)
    }
}

impl From<Vec<String>> for AttributeValue {
    fn from(l: Vec<String>) -> Self {
        AttributeValue::List(l)
    }
}

impl From<Option<String>> for AttributeValue {
    fn from(s: Option<String>) -> Self {
        s.map_or(AttributeValue::Null, AttributeValue::String)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> AttributeValue {
        AttributeValue::List(items.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn empty_and_missing_are_equal() {
        assert!(AttributeValue::Null.equivalent(&"".into(), ValueKind::String));
        assert!(AttributeValue::Null.equivalent(&list(&[]), ValueKind::MultiString));
        assert!(!AttributeValue::Null.equivalent(&"x".into(), ValueKind::String));
    }

    #[test]
    fn strings_are_case_sensitive_but_dns_are_not() {
        assert!(!AttributeValue::from("Sales").equivalent(&"sales".into(), ValueKind::String));
        assert!(
            AttributeValue::from("CN=A,DC=x")
                .equivalent(&"cn=a,dc=X".into(), ValueKind::DnReference)
        );
    }

    #[test]
    fn proxy_sets_respect_primary_case() {
        let a = list(&["SMTP:Alice@Contoso.com", "smtp:a@contoso.com"]);
        let b = list(&["smtp:A@contoso.com", "SMTP:alice@contoso.com"]);
        assert!(a.equivalent(&b, ValueKind::ProxyAddresses));
        let demoted = list(&["smtp:alice@contoso.com", "SMTP:a@contoso.com"]);
        assert!(!a.equivalent(&demoted, ValueKind::ProxyAddresses));
    }

    #[test]
    fn unset_booleans_mean_false() {
        assert!(AttributeValue::Null.equivalent(&AttributeValue::Bool(false), ValueKind::Boolean));
        assert!(!AttributeValue::Null.equivalent(&AttributeValue::Bool(true), ValueKind::Boolean));
    }

    #[test]
    fn booleans_compare_by_meaning() {
        assert!(AttributeValue::Bool(true).equivalent(&"TRUE".into(), ValueKind::Boolean));
        assert!(!AttributeValue::Bool(false).equivalent(&"True".into(), ValueKind::Boolean));
    }

    #[test]
    fn guids_ignore_braces_and_case() {
        assert!(
            AttributeValue::from("{ABCDEF00-0000-0000-0000-000000000001}").equivalent(
                &"abcdef00-0000-0000-0000-000000000001".into(),
                ValueKind::Guid
            )
        );
    }

    #[test]
    fn from_json_reads_powershell_shapes() {
        let v = |t: &str| AttributeValue::from_json(&serde_json::from_str(t).unwrap());
        assert_eq!(v("null"), AttributeValue::Null);
        assert_eq!(v("7"), AttributeValue::Integer(7));
        assert_eq!(v("1.5"), AttributeValue::String("1.5".into()));
        assert_eq!(v(r#"["a", 2]"#), list(&["a", "2"]));
        assert_eq!(v(r#"{"value": ["a", "b"], "Count": 2}"#), list(&["a", "b"]));
        assert_eq!(
            v(r#"{"Value": "UserMailbox"}"#),
            AttributeValue::from("UserMailbox")
        );
        // An object that is no wrapper keeps its text rather than vanishing.
        assert_eq!(v(r#"{"a":1}"#), AttributeValue::from(r#"{"a":1}"#));
    }

    #[test]
    fn untagged_serde_shape() {
        let v: AttributeValue = serde_json::from_str(r#"["a","b"]"#).unwrap();
        assert_eq!(v, list(&["a", "b"]));
        assert_eq!(
            serde_json::to_string(&AttributeValue::Null).unwrap(),
            "null"
        );
        assert_eq!(
            serde_json::from_str::<AttributeValue>("true").unwrap(),
            AttributeValue::Bool(true)
        );
    }
}
