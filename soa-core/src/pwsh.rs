//! Safe rendering of values as PowerShell literals.
//!
//! Every command line the library generates (edit advice, restore scripts, writeback plans,
//! RBAC commands) goes through this module, so that no value can become code. A string is
//! always built from *single-quoted* literals: PowerShell expands nothing inside one, and the
//! only character with a meaning there is the single quote itself, escaped by doubling it.
//!
//! What this module writes is **pure ASCII**, whatever the values. Windows PowerShell 5.1 reads
//! a script without a byte-order mark in the ANSI code page, where the UTF-8 bytes of `Ñ`
//! (C3 91) decode to `Ã‘` — and `‘` (U+2018) is one of the characters PowerShell takes as a
//! single quote, so a cloud value could close the literal and run code. Every character
//! outside printable ASCII is therefore written as a `[char]` cast a reviewer can still read,
//! joined to the literal parts with `+` inside parentheses:
//!
//! ```
//! use soa_core::pwsh::quote;
//! assert_eq!(quote("café"), "('caf' + [char]0x00E9)");
//! assert_eq!(quote("O'Brien"), "'O''Brien'");
//! ```
//!
//! Such an expression means the same under any code page; characters beyond U+FFFF become their
//! UTF-16 surrogate pair (two casts), as .NET strings hold them. Files get a byte-order mark as
//! well ([`script_bytes`]).

use std::fmt::Write as _;

use crate::model::AttributeValue;

/// The UTF-8 byte-order mark that generated script files start with.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether `c` can stand in a generated single-quoted literal as it is: printable ASCII.
fn is_plain(c: char) -> bool {
    matches!(c, ' '..='~')
}

/// Renders `text` as a PowerShell string expression in pure ASCII: one single-quoted literal
/// when every character is printable ASCII, else the literal parts and `[char]0xHHHH` casts
/// joined with `+`, in parentheses (so the result is one argument wherever it is placed).
///
/// ```
/// assert_eq!(soa_core::pwsh::quote(r"O'Brien $(rm -r /)"), r"'O''Brien $(rm -r /)'");
/// assert_eq!(soa_core::pwsh::quote("\u{2018}x"), "('' + [char]0x2018 + 'x')");
/// ```
pub fn quote(text: &str) -> String {
    if text.chars().all(is_plain) {
        let mut out = String::with_capacity(text.len() + 2);
        push_literal(&mut out, text);
        return out;
    }
    let mut out = String::with_capacity(text.len() * 2 + 8);
    out.push('(');
    let mut rest = text;
    let mut first = true;
    // A string must come first: [char] + [char] adds numbers in PowerShell.
    if rest.chars().next().is_some_and(|c| !is_plain(c)) {
        out.push_str("''");
        first = false;
    }
    while !rest.is_empty() {
        let run = rest.find(|c: char| !is_plain(c)).unwrap_or(rest.len());
        if run > 0 {
            if !first {
                out.push_str(" + ");
            }
            push_literal(&mut out, &rest[..run]);
            first = false;
            rest = &rest[run..];
            continue;
        }
        let Some(c) = rest.chars().next() else {
            break;
        };
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            let _ = write!(out, " + [char]0x{unit:04X}");
        }
        first = false;
        rest = &rest[c.len_utf8()..];
    }
    out.push(')');
    out
}

/// Appends `text` (printable ASCII) as a single-quoted literal.
fn push_literal(out: &mut String, text: &str) {
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
}

/// Renders `text` for a `#` comment line: printable ASCII kept, every other character written
/// as `\u{HHHH}`, so that no value can end the comment (CR, LF, U+2028 ...) or change meaning
/// under another code page.
///
/// ```
/// assert_eq!(soa_core::pwsh::comment("a\r\nRemove-Item x"), "a\\u{D}\\u{A}Remove-Item x");
/// ```
pub fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_plain(c) && c != '\\' {
            out.push(c);
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
        }
    }
    out
}

/// The bytes of a generated script file: the UTF-8 byte-order mark, then the text (pure ASCII
/// when it was built with this module).
pub fn script_bytes(text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(UTF8_BOM.len() + text.len());
    bytes.extend_from_slice(UTF8_BOM);
    bytes.extend_from_slice(text.as_bytes());
    bytes
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

    /// Evaluates the subset of PowerShell this module emits for a string: single-quoted
    /// literals (with doubled quotes), `[char]0xHHHH` casts, `+`, and one pair of parentheses.
    /// Returns `None` for anything else.
    pub(crate) fn evaluate(expr: &str) -> Option<String> {
        let inner = match expr.strip_prefix('(') {
            Some(rest) => rest.strip_suffix(')')?,
            None => expr,
        };
        let mut units: Vec<u16> = Vec::new();
        let mut rest = inner.trim_start();
        let mut expect_term = true;
        while !rest.is_empty() {
            if expect_term {
                if let Some(after) = rest.strip_prefix('\'') {
                    let mut text = String::new();
                    let mut chars = after.char_indices().peekable();
                    let mut end = None;
                    while let Some((i, c)) = chars.next() {
                        if c == '\'' {
                            if chars.peek().is_some_and(|&(_, d)| d == '\'') {
                                chars.next();
                                text.push('\'');
                            } else {
                                end = Some(i + 1);
                                break;
                            }
                        } else {
                            text.push(c);
                        }
                    }
                    units.extend(text.encode_utf16());
                    rest = &after[end?..];
                } else if let Some(after) = rest.strip_prefix("[char]0x") {
                    let hex: String = after.chars().take_while(char::is_ascii_hexdigit).collect();
                    units.push(u16::from_str_radix(&hex, 16).ok()?);
                    rest = &after[hex.len()..];
                } else {
                    return None;
                }
                expect_term = false;
            } else {
                rest = rest.strip_prefix('+')?;
                expect_term = true;
            }
            rest = rest.trim_start();
        }
        if expect_term {
            return None;
        }
        String::from_utf16(&units).ok()
    }

    /// Values of every kind PowerShell treats specially, and every kind of non-ASCII.
    pub(crate) const HOSTILE: &[&str] = &[
        "",
        "plain",
        "O'Brien",
        "'",
        "''",
        "\u{2018}x\u{2019}; Start-Process calc; \u{201A}",
        "\u{201B}\u{201C}\u{201D}\u{201E}\"",
        "Ñ;x=$(Start-Process calc);y=Ñ",
        "$(Remove-Item C:\\ -Recurse); `n \"${env:PATH}\" @splat",
        "line1\r\nline2\n# comment\u{2028}\u{2029}\u{85}",
        "tab\there\u{0}nul\u{7f}del",
        "caf\u{e9} na\u{ef}ve \u{fc}ber \u{4e2d}\u{6587}",
        "emoji \u{1F600} and \u{10FFFF}",
        "\u{FEFF}bom-led",
        "\u{2013}Replace \u{2014}Clear \u{2015}",
        "]}) ; & | > < @ # ` ' \\",
    ];

    #[test]
    fn output_is_ascii_and_evaluates_to_the_value() {
        for value in HOSTILE {
            let q = quote(value);
            assert!(q.is_ascii(), "{value:?} -> {q}");
            assert!(!q.contains(['\r', '\n', '\u{0}']), "{value:?} -> {q}");
            assert_eq!(evaluate(&q).as_deref(), Some(*value), "{value:?} -> {q}");
        }
    }

    #[test]
    fn quotes_are_doubled_and_typographic_quotes_become_casts() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote("a\u{2019}b"), "('a' + [char]0x2019 + 'b')");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("\u{1F600}"), "('' + [char]0xD83D + [char]0xDE00)");
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
    fn comments_stay_on_one_ascii_line() {
        for value in HOSTILE {
            let c = comment(value);
            assert!(
                c.is_ascii() && !c.contains(['\r', '\n']),
                "{value:?} -> {c}"
            );
        }
        assert_eq!(comment("a\\u{41}"), "a\\\\u{41}");
    }

    #[test]
    fn script_files_start_with_a_bom() {
        assert_eq!(script_bytes("x"), b"\xEF\xBB\xBFx");
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
