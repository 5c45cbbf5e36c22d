//! JSON in and out, with errors that say what was being read.
//!
//! The C ABI and the Python binding exchange complex values as JSON whose shape is the serde
//! shape of the core type; they go through these two functions so that every front end reports
//! a malformed document the same way.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// Parses `text` as a `T`; `context` names what is being read (`"mailbox state"`, a file name).
///
/// ```
/// let err = soa_core::json::from_str::<Vec<String>>("[1,", "proxy addresses").unwrap_err();
/// assert!(err.to_string().starts_with("invalid JSON in proxy addresses"));
/// ```
pub fn from_str<T: DeserializeOwned>(text: &str, context: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::json(context, e))
}

/// Parses `text` as a `T` that must be a JSON object (`{...}`).
///
/// serde also accepts an array for a struct (its fields in order), which would let a list of
/// mailboxes — what Windows PowerShell's `ConvertTo-Json` writes for several objects — pass for
/// one. Use this for every object-shaped input.
pub fn from_object_str<T: DeserializeOwned>(text: &str, context: &str) -> Result<T> {
    match text.trim_start().as_bytes().first() {
        Some(b'{') => from_str(text, context),
        Some(b'[') => Err(Error::invalid_input(
            context,
            "expected one JSON object, found an array (several objects?)",
        )),
        _ => Err(Error::invalid_input(context, "expected a JSON object")),
    }
}

/// Serializes `value` as compact JSON.
///
/// Serializing the library's own types cannot fail (their maps have string keys); a failure of
/// a caller's type is reported as [`Error::InvalidInput`].
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::invalid_input("value to serialize", e.to_string()))
}
