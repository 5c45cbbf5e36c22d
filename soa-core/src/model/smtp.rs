//! [`SmtpAddress`]: a validated `local@domain` address, compared case-insensitively.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, Result};

/// Longest local part allowed by RFC 5321 §4.5.3.1.1, in octets.
const MAX_LOCAL_PART: usize = 64;
/// Longest domain allowed by RFC 5321 §4.5.3.1.2, in octets.
const MAX_DOMAIN: usize = 255;
/// Longest domain label allowed by RFC 1035, in characters.
const MAX_LABEL: usize = 63;

/// A validated SMTP address such as `john.doe@contoso.com`.
///
/// Accepted syntax (the subset that Exchange Online stores in `PrimarySmtpAddress` and in the
/// `SMTP:`/`smtp:` entries of `EmailAddresses`):
///
/// - **local part**: an RFC 5321 dot-atom of ASCII `atext` (letters, digits and
///   ``!#$%&'*+-/=?^_`{|}~``), with no leading, trailing or doubled dot, at most 64 octets.
///   Quoted local parts (`"john doe"@contoso.com`) and non-ASCII local parts are rejected:
///   Exchange does not accept them in proxy addresses.
/// - **domain**: at least two dot-separated labels; each label is 1 to 63 characters of
///   letters, digits and hyphens, without a leading or trailing hyphen; the domain is at most
///   255 characters. Domain literals (`[192.0.2.1]`) and a trailing root dot are rejected.
///   **Internationalized domain names are accepted**: a label may contain non-ASCII letters
///   and digits (`jane@bücher.example`), because Exchange Online accepts IDN domains. The label
///   length limit is applied to the label as written, not to its `xn--` (Punycode) form.
/// - no whitespace anywhere.
///
/// Equality and hashing ignore ASCII case (`John@Contoso.com` equals `john@contoso.com`), as
/// Exchange does when it compares addresses; non-ASCII letters of an IDN domain are compared
/// exactly. [`Display`](fmt::Display) and [`as_str`](Self::as_str) keep the original text.
///
/// Serde: serialized as the original string; deserialization validates.
#[derive(Clone)]
pub struct SmtpAddress {
    text: String,
    /// Byte index of the `@` in `text`.
    at: usize,
}

impl SmtpAddress {
    /// Validates `text` as an SMTP address.
    ///
    /// Same as [`str::parse`]; errors are [`Error::InvalidSmtpAddress`] naming the input and the
    /// problem.
    pub fn parse(text: &str) -> Result<Self> {
        match check(text) {
            Ok(at) => Ok(SmtpAddress {
                text: text.to_owned(),
                at,
            }),
            Err(reason) => Err(Error::InvalidSmtpAddress {
                input: text.to_owned(),
                reason,
            }),
        }
    }

    /// The address exactly as it was given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        &self.text[..self.at]
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        &self.text[self.at + 1..]
    }

    /// The address with ASCII letters in lower case (the form used for comparisons).
    pub fn to_ascii_lowercase(&self) -> String {
        self.text.to_ascii_lowercase()
    }
}

/// Checks `text` and returns the byte index of the `@`, or the reason it is not an address.
fn check(text: &str) -> std::result::Result<usize, String> {
    if text.is_empty() {
        return Err("the address is empty".to_owned());
    }
    if let Some((pos, c)) = text.char_indices().find(|(_, c)| c.is_whitespace()) {
        return Err(format!(
            "contains whitespace ({}) at position {}; addresses may not contain spaces, tabs or line breaks",
            describe_char(c),
            pos + 1
        ));
    }
    if text.starts_with('"') {
        return Err("quoted local parts are not supported by Exchange".to_owned());
    }
    let Some(at) = text.rfind('@') else {
        return Err("missing '@' between local part and domain".to_owned());
    };
    let (local, domain) = (&text[..at], &text[at + 1..]);
    check_local_part(local)?;
    check_domain(domain)?;
    Ok(at)
}

fn check_local_part(local: &str) -> std::result::Result<(), String> {
    if local.is_empty() {
        return Err("the local part (before '@') is empty".to_owned());
    }
    if let Some(c) = local.chars().find(|c| !c.is_ascii()) {
        return Err(format!(
            "the local part {local:?} contains the non-ASCII character '{c}'; Exchange accepts only ASCII in the local part"
        ));
    }
    if local.len() > MAX_LOCAL_PART {
        return Err(format!(
            "the local part is {} octets long; at most {MAX_LOCAL_PART} are allowed",
            local.len()
        ));
    }
    if local.starts_with('.') {
        return Err("the local part starts with a dot".to_owned());
    }
    if local.ends_with('.') {
        return Err("the local part ends with a dot".to_owned());
    }
    if local.contains("..") {
        return Err("the local part contains two consecutive dots".to_owned());
    }
    if let Some(c) = local.chars().find(|&c| c != '.' && !is_atext(c)) {
        let extra = if c == '@' { " (more than one '@')" } else { "" };
        return Err(format!(
            "the local part contains the character {}, which is not allowed{extra}",
            describe_char(c)
        ));
    }
    Ok(())
}

fn check_domain(domain: &str) -> std::result::Result<(), String> {
    if domain.is_empty() {
        return Err("the domain (after '@') is empty".to_owned());
    }
    if domain.len() > MAX_DOMAIN {
        return Err(format!(
            "the domain is {} octets long; at most {MAX_DOMAIN} are allowed",
            domain.len()
        ));
    }
    if domain.ends_with('.') {
        return Err(format!("the domain {domain:?} ends with a dot"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "the domain {domain:?} has a single label; at least two (like contoso.com) are required"
        ));
    }
    for label in labels {
        if label.is_empty() {
            return Err(format!("the domain {domain:?} has an empty label"));
        }
        if label.chars().count() > MAX_LABEL {
            return Err(format!(
                "the domain label {label:?} is longer than {MAX_LABEL} characters"
            ));
        }
        if let Some(c) = label.chars().find(|&c| !is_label_char(c)) {
            return Err(format!(
                "the domain {domain:?} contains the character {}, which is not allowed (letters, digits, hyphens and dots only)",
                describe_char(c)
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "the domain label {label:?} starts or ends with a hyphen"
            ));
        }
    }
    Ok(())
}

/// RFC 5322 `atext`.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// Letters, digits, hyphen; non-ASCII letters and digits are allowed for IDN labels.
fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
}

/// A readable name for a character in an error message.
pub(crate) fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        '\n' => "a line feed".to_owned(),
        '\r' => "a carriage return".to_owned(),
        '\u{a0}' => "a no-break space".to_owned(),
        c if c.is_whitespace() || c.is_control() => format!("U+{:04X}", u32::from(c)),
        c => format!("'{c}'"),
    }
}

impl FromStr for SmtpAddress {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        SmtpAddress::parse(s)
    }
}

impl fmt::Display for SmtpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for SmtpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SmtpAddress").field(&self.text).finish()
    }
}

impl AsRef<str> for SmtpAddress {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl PartialEq for SmtpAddress {
    fn eq(&self, other: &Self) -> bool {
        self.text.eq_ignore_ascii_case(&other.text)
    }
}

impl Eq for SmtpAddress {}

impl Hash for SmtpAddress {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.text.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
}

impl Serialize for SmtpAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for SmtpAddress {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        SmtpAddress::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn accepts_common_addresses() {
        for ok in [
            "john@contoso.com",
            "John.Doe@Contoso.COM",
            "a+b_c-d!#$%&'*/=?^`{|}~@mail.contoso.co.uk",
            "jane@bücher.example",
            "x@a-b.c0",
        ] {
            assert!(SmtpAddress::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_bad_addresses() {
        for (bad, needle) in [
            ("", "empty"),
            ("john", "missing '@'"),
            ("@contoso.com", "local part"),
            ("john@", "domain"),
            ("john doe@contoso.com", "whitespace"),
            ("jöhn@contoso.com", "non-ASCII"),
            ("\"john\"@contoso.com", "quoted"),
            (".john@contoso.com", "starts with a dot"),
            ("john.@contoso.com", "ends with a dot"),
            ("jo..hn@contoso.com", "consecutive dots"),
            ("john@contoso", "single label"),
            ("john@contoso..com", "empty label"),
            ("john@-contoso.com", "hyphen"),
            ("john@contoso.com.", "ends with a dot"),
            ("john@[192.0.2.1]", "not allowed"),
            ("jo@hn@contoso.com", "more than one '@'"),
        ] {
            let err = SmtpAddress::parse(bad).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, Error::InvalidSmtpAddress { .. }), "{bad}");
            assert!(msg.contains(needle), "{bad}: {msg}");
        }
        let long_local = format!("{}@contoso.com", "a".repeat(65));
        assert!(SmtpAddress::parse(&long_local).is_err());
        let long_label = format!("a@{}.com", "b".repeat(64));
        assert!(SmtpAddress::parse(&long_label).is_err());
    }

    #[test]
    fn equality_ignores_ascii_case_but_display_keeps_text() {
        let a = SmtpAddress::parse("John@Contoso.com").unwrap();
        let b = SmtpAddress::parse("john@contoso.COM").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "John@Contoso.com");
        assert_eq!(a.local_part(), "John");
        assert_eq!(a.domain(), "Contoso.com");
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains(&b));
    }
}
