//! AD accounts from an `ldifde -f` export (RFC 2849 LDIF).

use std::collections::BTreeMap;
use std::io::BufRead;

use super::{AdEntry, malformed};
use crate::Result;
use crate::catalog::{Catalog, ValueKind};
use crate::model::AttributeValue;
use crate::reconcile::base64;

/// A streaming reader of an LDIF export, one entry (a `dn:` and its attributes up to a blank
/// line) at a time. Folded lines (a continuation starts with one space) are joined, `#`
/// comments and `version:` skipped, `::` values decoded from base64, and binary GUIDs
/// (`msExchMailboxGuid`, `objectGUID`) turned into GUID text. Attributes outside the catalog
/// (`jpegPhoto`, `msExchMailboxSecurityDescriptor`, ...) are skipped unread, binary or not; a
/// catalog attribute whose value is not valid for it (text that is not UTF-8, a binary GUID
/// that is not 16 bytes) is an error naming the line. An LDIF export is a complete read: an
/// attribute missing from an entry is empty in AD.
pub struct AdLdifReader<R> {
    reader: R,
    origin: String,
    catalog: Catalog,
    line: u64,
    done: bool,
}

impl<R: BufRead> AdLdifReader<R> {
    /// Reads `reader`; `origin` names the file in errors.
    pub fn new(reader: R, origin: impl Into<String>, catalog: Catalog) -> Self {
        AdLdifReader {
            reader,
            origin: origin.into(),
            catalog,
            line: 0,
            done: false,
        }
    }

    fn error(&mut self, line: u64, reason: impl Into<String>) -> crate::Error {
        self.done = true;
        malformed(&self.origin, &format!("line {line}"), reason)
    }

    /// The logical lines (unfolded) of the next entry, each with its first physical line.
    fn next_block(&mut self) -> Result<Vec<(u64, String)>> {
        let mut block: Vec<(u64, String)> = Vec::new();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let n = self.reader.read_until(b'\n', &mut buf).map_err(|e| {
                malformed(
                    &self.origin,
                    &format!("line {}", self.line + 1),
                    e.to_string(),
                )
            })?;
            if n == 0 {
                return Ok(block);
            }
            self.line += 1;
            if self.line == 1 && (buf.starts_with(b"\xFF\xFE") || buf.starts_with(b"\xFE\xFF")) {
                return Err(malformed(&self.origin, "line 1", super::UTF16));
            }
            let bytes = if self.line == 1 {
                buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf)
            } else {
                &buf[..]
            };
            let text = std::str::from_utf8(bytes).map_err(|_| {
                malformed(
                    &self.origin,
                    &format!("line {}", self.line),
                    "not valid UTF-8",
                )
            })?;
            let text = text.trim_end_matches(['\n', '\r']);
            if let Some(rest) = text.strip_prefix(' ') {
                match block.last_mut() {
                    Some((_, last)) => last.push_str(rest),
                    None => {
                        return Err(malformed(
                            &self.origin,
                            &format!("line {}", self.line),
                            "a continuation line (starting with a space) follows no attribute",
                        ));
                    }
                }
            } else if text.is_empty() {
                if !block.is_empty() {
                    return Ok(block);
                }
            } else {
                block.push((self.line, text.to_owned()));
            }
        }
    }
}

impl<R: BufRead> Iterator for AdLdifReader<R> {
    type Item = Result<AdEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let block = loop {
            let block = match self.next_block() {
                Ok(b) => b,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            if block.is_empty() {
                self.done = true;
                return None;
            }
            // Comments are skipped (a folded comment was joined to its line already).
            let mut block: Vec<_> = block
                .into_iter()
                .filter(|(_, l)| !l.starts_with('#'))
                .collect();
            if block
                .first()
                .is_some_and(|(_, l)| l.to_ascii_lowercase().starts_with("version:"))
            {
                block.remove(0);
            }
            if !block.is_empty() {
                break block;
            }
        };
        let first_line = block[0].0;
        let mut values: Vec<(String, String)> = Vec::new();
        for (line, text) in &block {
            let Some((name, rest)) = text.split_once(':') else {
                return Some(Err(self.error(
                    *line,
                    format!("expected `attribute: value`, found {text:?}"),
                )));
            };
            if !values.is_empty() && !self.read(name) {
                // Outside the catalog (a photo, a security descriptor, ...): not compared, so
                // not decoded either, whatever its bytes.
                continue;
            }
            let text = match self.decode(name, rest) {
                Ok(t) => t,
                Err(reason) => return Some(Err(self.error(*line, reason))),
            };
            values.push((name.to_owned(), text));
        }
        if !values[0].0.eq_ignore_ascii_case("dn") {
            return Some(Err(self.error(first_line, "an entry must start with `dn:`")));
        }
        if values[0].1.trim().is_empty() {
            // The root DSE's empty DN is no account: an export of users never holds one.
            return Some(Err(self.error(
                first_line,
                "an entry with an empty DN (`dn:` and no name) is not an AD account",
            )));
        }
        let mut entry = AdEntry {
            origin: format!("{} line {first_line}", self.origin),
            distinguished_name: Some(values[0].1.clone()),
            object_guid: None,
            when_changed: None,
            attributes: BTreeMap::new(),
            complete: true,
        };
        let mut grouped: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
        for (name, text) in values.into_iter().skip(1) {
            if name.eq_ignore_ascii_case("changetype") || name.eq_ignore_ascii_case("objectClass") {
                continue;
            }
            if name.eq_ignore_ascii_case("dn")
                || (name.eq_ignore_ascii_case("distinguishedName") && text.trim().is_empty())
            {
                // A second `dn:` (two entries without the empty line between them), or an
                // empty distinguishedName, would take the entry's DN away.
                return Some(Err(self.error(
                    first_line,
                    format!(
                        "a second `dn:` line, or an empty distinguishedName, in one entry ({name}: {text:?}); entries are separated by an empty line"
                    ),
                )));
            }
            grouped
                .entry(name.to_ascii_lowercase())
                .or_insert_with(|| (name.clone(), Vec::new()))
                .1
                .push(text);
        }
        for (_, (name, texts)) in grouped {
            let multi = self.kind(&name).is_some_and(ValueKind::is_multi_valued);
            let value = if multi || texts.len() > 1 {
                AttributeValue::List(texts)
            } else {
                texts
                    .into_iter()
                    .next()
                    .map_or(AttributeValue::Null, AttributeValue::String)
            };
            entry.put(&self.catalog, &name, value);
        }
        Some(Ok(entry))
    }
}

impl<R> AdLdifReader<R> {
    /// Whether an attribute is read: a catalog attribute, or one the entry itself needs
    /// (`objectGUID`, `whenChanged`, `distinguishedName`).
    fn read(&self, name: &str) -> bool {
        ["objectGUID", "whenChanged", "distinguishedName", "dn"]
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name))
            || super::ad_name(&self.catalog, name).is_some()
    }

    /// The text of one value (`rest` is what follows the attribute name's colon).
    fn decode(&self, name: &str, rest: &str) -> std::result::Result<String, String> {
        let (value, binary) = if let Some(b64) = rest.strip_prefix(':') {
            let bytes = base64::decode(b64.trim())
                .ok_or_else(|| format!("the value of {name} is not valid base64"))?;
            (bytes, true)
        } else if rest.starts_with('<') {
            return Err(format!("URL values (`{name}:<`) are not supported"));
        } else {
            (rest.trim_start_matches(' ').as_bytes().to_vec(), false)
        };
        let kind = self.kind(name);
        if binary && kind == Some(ValueKind::Guid) || name.eq_ignore_ascii_case("objectGUID") {
            match base64::guid_from_bytes(&value) {
                Some(guid) => Ok(guid),
                None if binary => Err(format!(
                    "the value of {name} is {} byte(s), not a 16-byte GUID",
                    value.len()
                )),
                None => Ok(String::from_utf8_lossy(&value).into_owned()),
            }
        } else if binary && kind == Some(ValueKind::Binary) {
            Ok(base64::encode(&value))
        } else {
            String::from_utf8(value).map_err(|_| format!("the value of {name} is not UTF-8 text"))
        }
    }

    fn kind(&self, name: &str) -> Option<ValueKind> {
        super::ad_name(&self.catalog, name).map(|a| a.value_kind)
    }
}
