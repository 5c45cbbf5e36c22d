//! Safe rendering of values as PowerShell literals.
//!
//! Every command line the library generates (edit advice, restore scripts, writeback plans,
//! rewritten scripts) goes through this module, so that no value can become code. A string is
//! always a *single-quoted* literal: PowerShell expands nothing inside one, and the only
//! character with a meaning there is the single quote itself, escaped by doubling it.
//! PowerShell treats the typographic quotes U+2018, U+2019, U+201A and U+201B as single quotes
//! too, so they are doubled as well.

use std::fmt::Write as _;

use crate::model::AttributeValue;

/// Characters PowerShell's tokenizer accepts as a single quote.
const SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// Renders `text` as a single-quoted PowerShell string literal.
///
/// ```
/// assert_eq!(soa_core::pwsh::quote(r"O'Brien $(rm -r /)"), r"'O''Brien $(rm -r /)'");
/// ```
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if SINGLE_QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Renders an attribute value as a PowerShell expression: `$null`, `$true`/`$false`, an
/// integer, a quoted string, or an array `@('a','b')`.
pub fn literal(value: &AttributeValue) -> String {
    match value {
        AttributeValue::Null => "$null".to_owned(),
        AttributeValue::Bool(true) => "$true".to_owned(),
        AttributeValue::Bool(false) => "$false".to_owned(),
        AttributeValue::Integer(i) => i.to_string(),
        AttributeValue::String(s) => quote(s),
        AttributeValue::List(items) => array(items),
    }
}

/// Renders a list of strings as a PowerShell array literal `@('a','b')`.
pub fn array<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::from("@(");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&quote(item.as_ref()));
    }
    out.push(')');
    out
}

/// Renders a hashtable key: bare when it is a plain identifier (letters, digits, `_`, as most
/// LDAP names are), quoted otherwise (`'msDS-PhoneticDisplayName'`).
pub fn key(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain { name.to_owned() } else { quote(name) }
}

/// Renders a one-entry hashtable `@{key=value}`.
pub fn hashtable_entry(name: &str, value: &AttributeValue) -> String {
    let mut out = String::from("@{");
    let _ = write!(out, "{}={}", key(name), literal(value));
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled_including_typographic_ones() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn expansion_syntax_stays_inert() {
        let hostile = "$(Remove-Item C:\\ -Recurse); `n \"${env:PATH}\" @splat";
        let q = quote(hostile);
        assert!(q.starts_with('\'') && q.ends_with('\''));
        assert_eq!(&q[1..q.len() - 1], hostile);
    }

    #[test]
    fn escaping_quote_cannot_close_the_literal() {
        // After doubling, every quote inside the literal comes in pairs.
        let q = quote("x'; Remove-Item -Recurse C:\\; '");
        let inner = &q[1..q.len() - 1];
        assert_eq!(inner.matches('\'').count() % 2, 0);
        assert_eq!(inner, "x''; Remove-Item -Recurse C:\\; ''");
    }

    #[test]
    fn literals_by_kind() {
        assert_eq!(literal(&AttributeValue::Null), "$null");
        assert_eq!(literal(&AttributeValue::Bool(true)), "$true");
        assert_eq!(literal(&AttributeValue::Integer(-3)), "-3");
        assert_eq!(
            literal(&AttributeValue::List(vec!["a".into(), "b'c".into()])),
            "@('a','b''c')"
        );
    }

    #[test]
    fn keys_are_quoted_unless_plain() {
        assert_eq!(key("extensionAttribute1"), "extensionAttribute1");
        assert_eq!(
            key("msDS-PhoneticDisplayName"),
            "'msDS-PhoneticDisplayName'"
        );
        assert_eq!(key("a b;c"), "'a b;c'");
        assert_eq!(key(""), "''");
        assert_eq!(
            hashtable_entry("extensionAttribute1", &"v".into()),
            "@{extensionAttribute1='v'}"
        );
    }
}
