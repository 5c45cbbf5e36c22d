//! Conversions between Python values and the core's values. No decisions live here.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyInt, PyList, PyMapping, PyString, PyTuple, PyType};
use serde::Serialize;
use serde::de::DeserializeOwned;
use soa_core::model::AttributeValue;

use crate::errors::{PySoaErr, invalid_input};

/// A core value in its serde shape, as Python objects (dicts, lists, strings, ...).
pub(crate) fn to_python<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(pythonize::pythonize(py, value)?)
}

/// The serde name of a unit enum value (`"on_premises_ad"`, `"cloud_only"`, ...).
pub(crate) fn serde_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(e) => e.to_string(),
    }
}

/// An object in the serde shape of `T`: JSON text holding one object (a `str`; an array is
/// refused, see [`soa_core::json::from_object_str`]) or the same shape as Python objects (a
/// `dict`). `what` names the argument in errors.
pub(crate) fn from_json_or_dict<T: DeserializeOwned>(
    obj: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<T> {
    if let Ok(text) = obj.cast::<PyString>() {
        return Ok(soa_core::json::from_object_str(text.to_str()?, what).map_err(PySoaErr)?);
    }
    if obj.cast::<PyMapping>().is_ok() {
        return pythonize::depythonize(obj).map_err(|e| invalid_input(what, e.to_string()));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be JSON text (str) or a dict, not {}",
        type_name(obj)
    )))
}

/// An attribute value: `None`, `bool`, `int`, `str`, or a list (or tuple) of `str`.
pub(crate) fn value_from_py(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<AttributeValue> {
    if obj.is_none() {
        return Ok(AttributeValue::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(AttributeValue::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj
            .extract::<i64>()
            .map(AttributeValue::Integer)
            .map_err(|_| invalid_input(what, format!("{obj} does not fit in a 64-bit integer")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(AttributeValue::String(s.to_str()?.to_owned()));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for item in obj.try_iter()? {
            let item = item?;
            match item.cast::<PyString>() {
                Ok(s) => items.push(s.to_str()?.to_owned()),
                Err(_) => {
                    return Err(PyTypeError::new_err(format!(
                        "{what}: the items of a multi-valued value must be str, not {}",
                        type_name(&item)
                    )));
                }
            }
        }
        return Ok(AttributeValue::List(items));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be None, bool, int, str or a list of str, not {}",
        type_name(obj)
    )))
}

/// Attribute values by attribute name, from a mapping of `str` to values.
pub(crate) fn values_from_py(
    obj: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<BTreeMap<String, AttributeValue>> {
    let mapping = obj.cast::<PyMapping>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be a mapping of attribute names to values, not {}",
            type_name(obj)
        ))
    })?;
    let mut out = BTreeMap::new();
    for item in mapping.items()?.iter() {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let name = attribute_name(&key, what)?;
        let value = value_from_py(&value, &format!("{what}[{name:?}]"))?;
        out.insert(name, value);
    }
    Ok(out)
}

/// An instant: an aware `datetime`, or RFC 3339 text (`2025-10-01T12:00:00Z`). A naive
/// `datetime` is refused rather than guessed.
pub(crate) fn instant_from_py(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<DateTime<Utc>> {
    let text = if let Ok(s) = obj.cast::<PyString>() {
        s.to_str()?.to_owned()
    } else if obj.hasattr("utcoffset")? && obj.hasattr("isoformat")? {
        if obj.call_method0("utcoffset")?.is_none() {
            return Err(invalid_input(
                what,
                format!(
                    "{} is a naive datetime; give it a timezone (for example tzinfo=datetime.timezone.utc)",
                    obj.str()?
                ),
            ));
        }
        obj.call_method0("isoformat")?.extract::<String>()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a datetime or RFC 3339 text, not {}",
            type_name(obj)
        )));
    };
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| invalid_input(what, format!("{text:?} is not an RFC 3339 time: {e}")))
}

/// An instant as an aware `datetime` in UTC (microsecond precision, as `datetime` has).
pub(crate) fn instant_to_py(py: Python<'_>, instant: DateTime<Utc>) -> PyResult<Bound<'_, PyAny>> {
    static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    // `+00:00` and six fractional digits: the form `fromisoformat` reads on Python 3.10.
    let text = instant.to_rfc3339_opts(SecondsFormat::Micros, false);
    DATETIME
        .import(py, "datetime", "datetime")?
        .call_method1("fromisoformat", (text,))
}

/// An optional instant as an aware `datetime` or `None`.
pub(crate) fn opt_instant_to_py(
    py: Python<'_>,
    instant: Option<DateTime<Utc>>,
) -> PyResult<Option<Bound<'_, PyAny>>> {
    instant.map(|t| instant_to_py(py, t)).transpose()
}

/// A duration: a `datetime.timedelta`, or an `int` number of minutes.
pub(crate) fn duration_from_py(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<TimeDelta> {
    static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let out_of_range = || invalid_input(what, format!("{obj} is out of range"));
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        let minutes: i64 = obj.extract().map_err(|_| out_of_range())?;
        return TimeDelta::try_minutes(minutes).ok_or_else(out_of_range);
    }
    if obj.is_instance(TIMEDELTA.import(obj.py(), "datetime", "timedelta")?)? {
        let days: i64 = obj.getattr("days")?.extract()?;
        let seconds: i64 = obj.getattr("seconds")?.extract()?;
        let micros: i64 = obj.getattr("microseconds")?.extract()?;
        return TimeDelta::try_days(days)
            .and_then(|d| d.checked_add(&TimeDelta::try_seconds(seconds)?))
            .and_then(|d| d.checked_add(&TimeDelta::microseconds(micros)))
            .ok_or_else(out_of_range);
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be a datetime.timedelta or an int number of minutes, not {}",
        type_name(obj)
    )))
}

/// A list of strings: a `str` (one item) or a list or tuple of `str`.
pub(crate) fn strings_from_py(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(vec![s.to_str()?.to_owned()]);
    }
    match value_from_py(obj, what)? {
        AttributeValue::List(items) => Ok(items),
        _ => Err(PyTypeError::new_err(format!(
            "{what} must be a str or a list of str, not {}",
            type_name(obj)
        ))),
    }
}

/// String lists by attribute name, from a mapping of `str` to a `str` or a list of `str`.
pub(crate) fn string_lists_from_py(
    obj: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<BTreeMap<String, Vec<String>>> {
    let mapping = obj.cast::<PyMapping>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be a mapping of attribute names to lists of str, not {}",
            type_name(obj)
        ))
    })?;
    let mut out = BTreeMap::new();
    for item in mapping.items()?.iter() {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let name = attribute_name(&key, what)?;
        let items = strings_from_py(&value, &format!("{what}[{name:?}]"))?;
        out.insert(name, items);
    }
    Ok(out)
}

/// A mapping key that must be an attribute name (`str`).
fn attribute_name(key: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    Ok(key
        .cast::<PyString>()
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{what}: attribute names must be str, not {}",
                type_name(key)
            ))
        })?
        .to_str()?
        .to_owned())
}

/// A `datetime.date` from `YYYY-MM-DD`.
pub(crate) fn date_from_iso<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    DATE.import(py, "datetime", "date")?
        .call_method1("fromisoformat", (text,))
}

/// Python's `repr()` of a string, for `__repr__` methods.
pub(crate) fn repr_str(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(PyString::new(py, text).repr()?.to_str()?.to_owned())
}

/// `repr()` of an optional string: the string's repr, or `None`.
pub(crate) fn repr_opt(py: Python<'_>, text: Option<&str>) -> PyResult<String> {
    text.map_or_else(|| Ok("None".to_owned()), |t| repr_str(py, t))
}

/// The name of an object's type, for error messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}
