//! [`Secret`]: a string that never shows itself, and is wiped from memory when dropped.

use std::fmt;

use zeroize::Zeroize;

/// A secret string: a client secret, an access token, a private key in PEM form.
///
/// `Debug` and `Display` print `Secret(***)`, never the value, so a secret cannot leak through a
/// log line, an error message or a `{:?}` of a struct that holds it. Two secrets compare in
/// constant time (for equal lengths). Read the value with [`Secret::expose`], only where it is
/// sent. Its bytes are overwritten with zeros when it is dropped (each clone wipes its own
/// copy), so a secret does not linger in freed memory.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Call this only to send it (a header, a token request), never to print.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl PartialEq for Secret {
    /// Constant time in the contents: every byte is compared whatever the first difference.
    /// Only the length can be learned from the timing.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let diff = a
            .iter()
            .zip(b)
            .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
        std::hint::black_box(diff) == 0
    }
}

impl Eq for Secret {}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "Secret(***)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn compares_by_value() {
        assert_eq!(Secret::new("abc"), Secret::from("abc"));
        assert_ne!(Secret::new("abc"), Secret::new("abd"));
        assert_ne!(Secret::new("abc"), Secret::new("abcd"));
    }
}
