//! AD accounts from `Get-ADUser | ConvertTo-Json`, and mailboxes from
//! `Get-Mailbox | ConvertTo-Json`: a JSON array (or a single object) read one element at a time.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde_json::{Map, Value};

use super::{AdEntry, CloudEntry, guid_bytes_value, json_value, malformed};
use crate::Result;
use crate::catalog::Catalog;
use crate::model::Mailbox;

/// One element of the array: its record number (1-based), first line and object.
type Element = (u64, u64, Map<String, Value>);

/// Splits a top-level JSON array into its elements without reading the whole text: each
/// element's bytes are collected by tracking nesting and strings, then parsed on their own.
struct Elements<R> {
    reader: R,
    origin: String,
    line: u64,
    started: bool,
    single: bool,
    done: bool,
    record: u64,
}

impl<R: BufRead> Elements<R> {
    fn new(reader: R, origin: String) -> Self {
        Elements {
            reader,
            origin,
            line: 1,
            started: false,
            single: false,
            done: false,
            record: 0,
        }
    }

    fn byte(&mut self) -> Result<Option<u8>> {
        let buf = self
            .reader
            .fill_buf()
            .map_err(|e| malformed(&self.origin, &format!("line {}", self.line), e.to_string()))?;
        let Some(&b) = buf.first() else {
            return Ok(None);
        };
        self.reader.consume(1);
        if b == b'\n' {
            self.line += 1;
        }
        Ok(Some(b))
    }

    fn skip_ws(&mut self) -> Result<Option<u8>> {
        loop {
            match self.byte()? {
                Some(b' ' | b'\t' | b'\r' | b'\n') => {}
                other => return Ok(other),
            }
        }
    }

    fn err<T>(&mut self, reason: impl Into<String>) -> Result<T> {
        self.done = true;
        Err(malformed(
            &self.origin,
            &format!("line {}", self.line),
            reason,
        ))
    }

    /// Collects the bytes of an object whose `{` was just read, up to its matching `}`,
    /// scanning the buffered chunks rather than byte by byte; `None` at an early end of file.
    fn capture_object(&mut self) -> Result<Option<Vec<u8>>> {
        let mut bytes = Vec::with_capacity(1024);
        bytes.push(b'{');
        let (mut depth, mut in_string, mut escaped) = (1u32, false, false);
        loop {
            let buf = self.reader.fill_buf().map_err(|e| {
                malformed(&self.origin, &format!("line {}", self.line), e.to_string())
            })?;
            if buf.is_empty() {
                return Ok(None);
            }
            let mut end = None;
            let mut newlines = 0u64;
            for (i, &b) in buf.iter().enumerate() {
                if b == b'\n' {
                    newlines += 1;
                }
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    if depth == 0 {
                        end = Some(i + 1);
                        break;
                    }
                }
            }
            let used = end.unwrap_or(buf.len());
            bytes.extend_from_slice(&buf[..used]);
            self.line += newlines;
            self.reader.consume(used);
            if end.is_some() {
                return Ok(Some(bytes));
            }
        }
    }

    /// Reads up to the first element's first byte; `None` for an empty document or array.
    fn open(&mut self) -> Result<Option<u8>> {
        self.started = true;
        let mut b = self.byte()?;
        if b == Some(0xEF) {
            // UTF-8 byte-order mark.
            let (_, _) = (self.byte()?, self.byte()?);
            b = self.byte()?;
        }
        if matches!(b, Some(b' ' | b'\t' | b'\r' | b'\n')) {
            b = self.skip_ws()?;
        }
        match b {
            Some(0xFF | 0xFE) => self.err(super::UTF16),
            None => {
                self.done = true;
                Ok(None)
            }
            Some(b'[') => {
                let b = self.skip_ws()?;
                if b == Some(b']') {
                    self.record = 0;
                    self.started = true;
                    return match self.skip_ws()? {
                        None => {
                            self.done = true;
                            Ok(None)
                        }
                        Some(_) => self.err("unexpected text after the JSON array"),
                    };
                }
                Ok(b)
            }
            Some(b'{') => {
                self.single = true;
                Ok(Some(b'{'))
            }
            Some(_) => self.err("expected a JSON array `[` or object `{`"),
        }
    }

    /// The next element: its record number (1-based), first line and parsed object.
    fn next_object(&mut self) -> Result<Option<Element>> {
        if self.done {
            return Ok(None);
        }
        let first = if self.started {
            let b = self.skip_ws()?;
            if self.single {
                return match b {
                    None => {
                        self.done = true;
                        Ok(None)
                    }
                    Some(_) => self.err("unexpected text after the JSON object"),
                };
            }
            match b {
                Some(b']') => {
                    return match self.skip_ws()? {
                        None => {
                            self.done = true;
                            Ok(None)
                        }
                        Some(_) => self.err("unexpected text after the JSON array"),
                    };
                }
                Some(b',') if self.record > 0 => self.skip_ws()?,
                Some(b) if self.record == 0 => Some(b),
                Some(_) => return self.err("expected `,` or `]` between records"),
                None => return self.err("unexpected end of file: the JSON array is not closed"),
            }
        } else {
            match self.open()? {
                Some(b) => Some(b),
                None => return Ok(None),
            }
        };
        self.record += 1;
        let record = self.record;
        let start_line = self.line;
        if first != Some(b'{') {
            return self.err(format!("record {record} is not a JSON object"));
        }
        let Some(bytes) = self.capture_object()? else {
            return self.err(format!(
                "unexpected end of file inside record {record} (which starts on line {start_line})"
            ));
        };
        match serde_json::from_slice::<Map<String, Value>>(&bytes) {
            Ok(map) => Ok(Some((record, start_line, map))),
            Err(e) => {
                self.done = true;
                Err(malformed(
                    &self.origin,
                    &format!("record {record} line {}", start_line + e.line() as u64 - 1),
                    e.to_string(),
                ))
            }
        }
    }
}

/// A streaming reader of `Get-ADUser -Properties ... | ConvertTo-Json`: keys are matched to the
/// catalog like CSV columns, byte arrays of GUID attributes (`msExchMailboxGuid`) become GUID
/// text, and `/Date(...)/` times are read. A key that is present with `null` is an empty value;
/// a missing key is not compared.
pub struct AdJsonReader<R> {
    elements: Elements<R>,
    catalog: Catalog,
}

impl<R: BufRead> AdJsonReader<R> {
    /// Reads `reader`; `origin` names the file in errors.
    pub fn new(reader: R, origin: impl Into<String>, catalog: Catalog) -> Self {
        AdJsonReader {
            elements: Elements::new(reader, origin.into()),
            catalog,
        }
    }
}

impl<R: BufRead> Iterator for AdJsonReader<R> {
    type Item = Result<AdEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        let (record, line, map) = match self.elements.next_object() {
            Ok(Some(x)) => x,
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        let mut entry = AdEntry {
            origin: format!("{} record {record} (line {line})", self.elements.origin),
            distinguished_name: None,
            object_guid: None,
            when_changed: None,
            attributes: BTreeMap::new(),
            complete: false,
        };
        for (key, value) in &map {
            let mut value = json_value(value);
            if let Some(a) = super::ad_name(&self.catalog, key) {
                value = guid_bytes_value(a.value_kind, value);
            }
            entry.put(&self.catalog, key, value);
        }
        Some(Ok(entry))
    }
}

/// A streaming reader of `Get-Mailbox | ConvertTo-Json`: each object becomes a [`CloudEntry`]
/// holding the typed [`Mailbox`] and every property as given.
pub struct CloudJsonReader<R> {
    elements: Elements<R>,
}

impl<R: BufRead> CloudJsonReader<R> {
    /// Reads `reader`; `origin` names the file in errors.
    pub fn new(reader: R, origin: impl Into<String>) -> Self {
        CloudJsonReader {
            elements: Elements::new(reader, origin.into()),
        }
    }
}

impl<R: BufRead> Iterator for CloudJsonReader<R> {
    type Item = Result<CloudEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        let (record, line, map) = match self.elements.next_object() {
            Ok(Some(x)) => x,
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        let origin = format!("{} record {record} (line {line})", self.elements.origin);
        let properties = map
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), json_value(v)))
            .collect();
        let mailbox: Mailbox = match serde_json::from_value(Value::Object(map)) {
            Ok(m) => m,
            Err(e) => {
                self.elements.done = true;
                return Some(Err(malformed(
                    &self.elements.origin,
                    &format!("record {record} (line {line})"),
                    format!("not a mailbox: {e}"),
                )));
            }
        };
        Some(Ok(CloudEntry {
            origin,
            mailbox,
            properties,
        }))
    }
}
