//! AD accounts from `Get-ADUser | ConvertTo-Json`, and mailboxes from
//! `Get-Mailbox | ConvertTo-Json`: a JSON array (or a single object) read one element at a time.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde_json::{Map, Value};

use super::scan::ObjectScan;
use super::{AdEntry, CloudEntry, guid_bytes_value, json_value, malformed};
use crate::Result;
use crate::catalog::Catalog;
use crate::model::Mailbox;

/// The largest JSON object one record may take (16 MiB): a mailbox or an account is a few
/// kilobytes, so a larger one is not an export, and reading it would hold it all in memory.
pub const MAX_JSON_RECORD: usize = 16 << 20;

/// One element of the array: its record number (1-based), first line and object.
type Element = (u64, u64, Map<String, Value>);

/// Splits a top-level JSON array into its elements without reading the whole text: each
/// element's bytes are collected (into one reused buffer) by tracking nesting and strings, then
/// parsed on their own.
pub(crate) struct Elements<R> {
    reader: R,
    pub(crate) origin: String,
    /// The bytes of the current element (after those of earlier ones for `next_raw_into`).
    pub(crate) buf: Vec<u8>,
    line: u64,
    started: bool,
    single: bool,
    done: bool,
    record: u64,
}

impl<R: BufRead> Elements<R> {
    pub(crate) fn new(reader: R, origin: String) -> Self {
        Elements {
            reader,
            origin,
            buf: Vec::with_capacity(4096),
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

    /// Collects the bytes of an object whose `{` was just read, up to its matching `}`, into
    /// `buf`, scanning the buffered chunks ([`ObjectScan`]) rather than byte by byte; `false`
    /// at an early end of file.
    fn capture_object(&mut self) -> Result<bool> {
        let start = self.buf.len();
        let start_line = self.line;
        let bytes = &mut self.buf;
        bytes.push(b'{');
        let mut scan = ObjectScan::after_open();
        loop {
            let buf = self.reader.fill_buf().map_err(|e| {
                malformed(&self.origin, &format!("line {}", self.line), e.to_string())
            })?;
            if buf.is_empty() {
                return Ok(false);
            }
            let end = scan.scan(buf);
            let used = end.unwrap_or(buf.len());
            let newlines = bytecount::count(&buf[..used], b'\n') as u64;
            bytes.extend_from_slice(&buf[..used]);
            self.line += newlines;
            self.reader.consume(used);
            if bytes.len() - start > MAX_JSON_RECORD {
                let record = self.record;
                return self.err(format!(
                    "record {record} (which starts on line {start_line}) is larger than {} MiB: \
                     not a record of an export of accounts or mailboxes",
                    MAX_JSON_RECORD >> 20
                ));
            }
            if end.is_some() {
                return Ok(true);
            }
        }
    }

    /// Reads up to the first element's first byte; `None` for an empty document or array.
    fn open(&mut self) -> Result<Option<u8>> {
        self.started = true;
        let mut b = self.byte()?;
        if b == Some(0xEF) {
            // Only a UTF-8 byte-order mark (EF BB BF) may start the file before the JSON.
            if (self.byte()?, self.byte()?) != (Some(0xBB), Some(0xBF)) {
                return self.err(
                    "the file starts with byte 0xEF but not with a UTF-8 byte-order mark (EF BB BF)",
                );
            }
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
                if b.is_none() {
                    return self.err("unexpected end of file: the JSON array is not closed");
                }
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
        let Some((record, start_line)) = self.next_raw()? else {
            return Ok(None);
        };
        match serde_json::from_slice::<Map<String, Value>>(&self.buf) {
            Ok(map) => Ok(Some((record, start_line, map))),
            Err(e) => Err(self.parse_error(record, start_line, &e)),
        }
    }

    /// The error for an element that is not valid JSON.
    pub(crate) fn parse_error(
        &mut self,
        record: u64,
        start_line: u64,
        e: &serde_json::Error,
    ) -> crate::Error {
        self.done = true;
        malformed(
            &self.origin,
            &format!("record {record} line {}", start_line + e.line() as u64 - 1),
            e.to_string(),
        )
    }

    /// Reads the next element's bytes into `buf`: its record number (1-based) and first line.
    pub(crate) fn next_raw(&mut self) -> Result<Option<(u64, u64)>> {
        self.buf.clear();
        self.next_raw_appending()
    }

    /// Like [`Elements::next_raw`], but after what `buf` holds.
    fn next_raw_appending(&mut self) -> Result<Option<(u64, u64)>> {
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
        if !self.capture_object()? {
            return self.err(format!(
                "unexpected end of file inside record {record} (which starts on line {start_line})"
            ));
        }
        Ok(Some((record, start_line)))
    }

    /// Like [`Elements::next_raw`], but appends the element's bytes to `out`.
    pub(crate) fn next_raw_into(&mut self, out: &mut Vec<u8>) -> Result<Option<(u64, u64)>> {
        std::mem::swap(&mut self.buf, out);
        let next = self.next_raw_appending();
        std::mem::swap(&mut self.buf, out);
        next
    }

    /// Whether the end of the file (or an error) has been reached.
    pub(crate) fn finished(&self) -> bool {
        self.done
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
