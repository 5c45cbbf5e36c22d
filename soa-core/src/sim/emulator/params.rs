//! Reading cmdlet parameters as the gateway receives them (`exo-rest` notes §1.6): names
//! ignore case, `...@odata.type` annotations are skipped, PowerShell's common parameters are
//! accepted and ignored, and values are converted the way PowerShell binds them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::model::AttributeValue;
use crate::{Error, Result};

/// Common parameters every cmdlet accepts; the emulator ignores them.
const COMMON: [&str; 7] = [
    "ErrorAction",
    "WarningAction",
    "InformationAction",
    "Verbose",
    "Debug",
    "Confirm",
    "ErrorVariable",
];

/// The parameters of one call.
pub(super) struct Params<'a> {
    map: &'a Map<String, Value>,
}

/// The text PowerShell gives for a parameter a cmdlet does not have.
pub(super) fn no_such_parameter(name: &str) -> Error {
    Error::invalid_input(
        format!("parameter {name}"),
        format!("A parameter cannot be found that matches parameter name '{name}'."),
    )
}

fn is_ignored(name: &str) -> bool {
    name.contains('@') || COMMON.iter().any(|c| c.eq_ignore_ascii_case(name))
}

impl<'a> Params<'a> {
    pub(super) fn new(map: &'a Map<String, Value>) -> Self {
        Params { map }
    }

    /// The parameters that carry a value of their own (not annotations nor common parameters).
    pub(super) fn entries(&self) -> impl Iterator<Item = (&'a str, &'a Value)> + use<'a> {
        self.map
            .iter()
            .filter(|(k, _)| !is_ignored(k))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// Refuses any parameter not in `allowed`, with PowerShell's text.
    pub(super) fn only(&self, allowed: &[&str]) -> Result<()> {
        match self
            .entries()
            .find(|(k, _)| !allowed.iter().any(|a| a.eq_ignore_ascii_case(k)))
        {
            Some((k, _)) => Err(no_such_parameter(k)),
            None => Ok(()),
        }
    }

    /// A parameter's value, by name ignoring case; `null` counts as absent.
    pub(super) fn get(&self, name: &str) -> Option<&'a Value> {
        self.entries()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    /// A string parameter.
    pub(super) fn string(&self, name: &str) -> Result<Option<String>> {
        self.get(name).map(|v| as_string(name, v)).transpose()
    }

    /// A string parameter that must be there.
    pub(super) fn required_string(&self, cmdlet: &str, name: &str) -> Result<String> {
        self.string(name)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                Error::invalid_input(
                    format!("parameter {name}"),
                    format!("{cmdlet} needs -{name} (the emulator serves it with -{name} only)"),
                )
            })
    }

    /// A list parameter (an array, or one value). With `split`, strings are also split on
    /// commas, as Exchange does for multi-valued enum parameters.
    pub(super) fn strings(&self, name: &str, split: bool) -> Result<Option<Vec<String>>> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let items = match v {
            Value::Array(items) => items
                .iter()
                .filter(|i| !i.is_null())
                .map(|i| as_string(name, i))
                .collect::<Result<Vec<_>>>()?,
            other => vec![as_string(name, other)?],
        };
        let items = if split {
            items
                .iter()
                .flat_map(|s| s.split(','))
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        } else {
            items
        };
        Ok(Some(items))
    }

    /// A Boolean or switch parameter.
    pub(super) fn bool(&self, name: &str) -> Result<Option<bool>> {
        self.get(name).map(|v| as_bool(name, v)).transpose()
    }

    /// A date parameter (UTC).
    pub(super) fn date(&self, name: &str) -> Result<Option<DateTime<Utc>>> {
        self.get(name)
            .map(|v| as_string(name, v).and_then(|s| as_date(name, &s)))
            .transpose()
    }
}

fn wrong_type(name: &str, expected: &str, v: &Value) -> Error {
    let shown = match v {
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
        other => other.to_string(),
    };
    Error::invalid_input(
        format!("parameter {name}"),
        format!(
            "Cannot process argument transformation on parameter '{name}': expected {expected}, found {shown}."
        ),
    )
}

/// A scalar as text (numbers and Booleans as PowerShell prints them).
pub(super) fn as_string(name: &str, v: &Value) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(if *b { "True" } else { "False" }.to_owned()),
        other => Err(wrong_type(name, "a single value", other)),
    }
}

/// A Boolean as PowerShell binds one: `true`, `"True"`, `"$true"`, `1`.
pub(super) fn as_bool(name: &str, v: &Value) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => {
            let t = s.trim().trim_start_matches('$');
            if t.eq_ignore_ascii_case("true") || t == "1" {
                Ok(true)
            } else if t.eq_ignore_ascii_case("false") || t == "0" {
                Ok(false)
            } else {
                Err(wrong_type(name, "True or False", v))
            }
        }
        Value::Number(n) => match n.as_i64() {
            Some(1) => Ok(true),
            Some(0) => Ok(false),
            _ => Err(wrong_type(name, "True or False", v)),
        },
        other => Err(wrong_type(name, "True or False", other)),
    }
}

/// A date: RFC 3339, or the module's `yyyy-MM-ddTHH:mm:ss` without a zone (UTC), or a date
/// alone; US `MM/dd/yyyy [HH:mm:ss]` as PowerShell's invariant culture writes it.
fn as_date(name: &str, text: &str) -> Result<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%m/%d/%Y %H:%M:%S",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(d.and_utc());
        }
    }
    for f in ["%Y-%m-%d", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
        }
    }
    Err(Error::invalid_input(
        format!("parameter {name}"),
        format!("{text:?} is not a date (expected yyyy-MM-ddTHH:mm:ss, UTC)"),
    ))
}

/// A `Set-Mailbox` value: a scalar, `null`, or an array (a full replace).
pub(super) fn attribute_value(name: &str, v: &Value) -> Result<AttributeValue> {
    match v {
        Value::Null => Ok(AttributeValue::Null),
        Value::Bool(b) => Ok(AttributeValue::Bool(*b)),
        Value::String(s) => Ok(AttributeValue::String(s.clone())),
        Value::Number(n) => n
            .as_i64()
            .map(AttributeValue::Integer)
            .ok_or_else(|| wrong_type(name, "an integer", v)),
        Value::Array(items) => items
            .iter()
            .map(|i| as_string(name, i))
            .collect::<Result<Vec<_>>>()
            .map(AttributeValue::List),
        Value::Object(_) => Err(wrong_type(name, "a value or @{Add=...; Remove=...}", v)),
    }
}

/// The `Add` and `Remove` lists of an `@{Add=...; Remove=...}` hashtable, when `v` is one (an
/// object tagged `#Exchange.GenericHashTable`, or any object with only those keys).
pub(super) fn hashtable(name: &str, v: &Value) -> Result<Option<(Vec<String>, Vec<String>)>> {
    let Value::Object(m) = v else {
        return Ok(None);
    };
    let list = |v: &Value| -> Result<Vec<String>> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items.iter().map(|i| as_string(name, i)).collect(),
            other => Ok(vec![as_string(name, other)?]),
        }
    };
    let mut add = Vec::new();
    let mut remove = Vec::new();
    for (k, value) in m {
        if k.contains('@') {
            continue;
        }
        if k.eq_ignore_ascii_case("Add") {
            add.extend(list(value)?);
        } else if k.eq_ignore_ascii_case("Remove") {
            remove.extend(list(value)?);
        } else {
            return Err(Error::invalid_input(
                format!("parameter {name}"),
                format!("the hashtable key '{k}' is not supported (use Add and Remove)"),
            ));
        }
    }
    Ok(Some((add, remove)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_ignore_case_and_annotations() {
        let v = json!({"identity": "a", "X@odata.type": "#y", "ErrorAction": "Stop"});
        let Value::Object(m) = v else { unreachable!() };
        let p = Params::new(&m);
        assert_eq!(p.string("Identity").unwrap().as_deref(), Some("a"));
        assert!(p.only(&["Identity"]).is_ok());
        assert!(p.only(&["Filter"]).is_err());
    }

    #[test]
    fn values_bind_like_powershell() {
        assert!(as_bool("x", &json!("$True")).unwrap());
        assert!(!as_bool("x", &json!(0)).unwrap());
        assert!(as_bool("x", &json!("yes")).is_err());
        assert_eq!(
            as_date("d", "2026-11-27T10:00:00").unwrap().to_rfc3339(),
            "2026-11-27T10:00:00+00:00"
        );
        assert!(as_date("d", "11/27/2026").is_ok());
        assert!(as_date("d", "tomorrow").is_err());
        assert_eq!(
            hashtable(
                "E",
                &json!({"@odata.type": "#Exchange.GenericHashTable", "add": "smtp:a@b.c"})
            )
            .unwrap(),
            Some((vec!["smtp:a@b.c".to_owned()], vec![]))
        );
        assert!(hashtable("E", &json!({"Replace": []})).is_err());
        assert!(attribute_value("x", &json!(1.5)).is_err());
    }
}
