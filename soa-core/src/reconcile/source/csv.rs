//! AD accounts from `Get-ADUser ... | Export-Csv`.

use std::io::{BufRead, Cursor, Read};

use super::{AdEntry, Field, malformed};
use crate::Result;
use crate::catalog::Catalog;
use crate::model::AttributeValue;

/// A streaming reader of a `Get-ADUser | Export-Csv` file: a byte-order mark and a leading
/// `#TYPE` line are skipped, columns are matched to the catalog by any name (or the
/// ActiveDirectory module's, such as `Surname`), multi-valued cells are split on `;` or `|`,
/// and GUIDs are read as text. Columns outside the catalog are ignored, except `ObjectGUID`,
/// `DistinguishedName` and `whenChanged`. An empty cell is an empty value; a missing column
/// is not compared.
pub struct AdCsvReader {
    origin: String,
    catalog: Catalog,
    inner: Option<::csv::Reader<Box<dyn Read + Send>>>,
    headers: Vec<String>,
    /// What each column holds.
    fields: Vec<Field>,
    /// The record being read (reused).
    record: ::csv::StringRecord,
    /// Lines before the header row (1 when a `#TYPE` line was skipped).
    skipped_lines: u64,
    /// The line the next record starts on (counted here: the csv crate's positions are off
    /// by one line on CRLF files).
    next_line: u64,
    /// The file starts with a UTF-16 byte-order mark.
    utf16: bool,
    failed: bool,
}

impl AdCsvReader {
    /// Reads `reader`; `origin` names the file in errors.
    pub fn new<R: BufRead + Send + 'static>(
        mut reader: R,
        origin: impl Into<String>,
        catalog: Catalog,
    ) -> Self {
        let origin = origin.into();
        let mut first = Vec::new();
        let mut this = AdCsvReader {
            origin,
            catalog,
            inner: None,
            headers: Vec::new(),
            fields: Vec::new(),
            record: ::csv::StringRecord::new(),
            skipped_lines: 0,
            next_line: 2,
            utf16: false,
            failed: false,
        };
        if reader.read_until(b'\n', &mut first).is_err() {
            return this;
        }
        this.utf16 = first.starts_with(b"\xFF\xFE") || first.starts_with(b"\xFE\xFF");
        let body = first
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&first)
            .to_vec();
        let prefix = if body.starts_with(b"#TYPE") || body.starts_with(b"#type") {
            this.skipped_lines = 1;
            Vec::new()
        } else {
            body
        };
        let chained: Box<dyn Read + Send> = Box::new(Cursor::new(prefix).chain(reader));
        this.inner = Some(
            ::csv::ReaderBuilder::new()
                .flexible(false)
                .from_reader(chained),
        );
        this
    }

    fn fail(&mut self, place: &str, reason: impl Into<String>) -> crate::Error {
        self.failed = true;
        malformed(&self.origin, place, reason)
    }
}

impl AdCsvReader {
    /// Reads the header row, once: what each column holds is known after it.
    pub(crate) fn read_header(&mut self) -> Result<()> {
        if self.utf16 {
            return Err(self.fail("line 1", super::UTF16));
        }
        if !self.headers.is_empty() {
            return Ok(());
        }
        let Some(inner) = self.inner.as_mut() else {
            return Err(self.fail("line 1", "not readable"));
        };
        let problem = match inner.headers() {
            Ok(h) if h.iter().any(|c| !c.trim().is_empty()) => {
                self.headers = h.iter().map(|c| c.trim().to_owned()).collect();
                self.fields = self
                    .headers
                    .iter()
                    .map(|name| Field::of(&self.catalog, name))
                    .collect();
                let header_lines: usize = h.iter().map(|c| c.matches('\n').count()).sum();
                self.next_line = self.skipped_lines + 2 + header_lines as u64;
                None
            }
            Ok(_) => Some(("line 1".to_owned(), "no header row".to_owned())),
            Err(e) => Some(("header row".to_owned(), format!("malformed: {e}"))),
        };
        match problem {
            Some((place, reason)) => Err(self.fail(&place, reason)),
            None => Ok(()),
        }
    }

    /// What each column holds (after [`read_header`](Self::read_header)).
    pub(crate) fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The file's name, as records' origins give it.
    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// Reads the next record into `record` (after the header): its line, `None` at the end.
    /// After an error, nothing more is read.
    pub(crate) fn read_row(&mut self, record: &mut ::csv::StringRecord) -> Option<Result<u64>> {
        if self.failed {
            return None;
        }
        if let Err(e) = self.read_header() {
            return Some(Err(e));
        }
        let inner = self.inner.as_mut()?;
        let (line, reason) = match inner.read_record(record) {
            Ok(false) => return None,
            Ok(true) => {
                let line = self.next_line;
                let inner_lines = record.as_slice().bytes().filter(|&b| b == b'\n').count();
                self.next_line += 1 + inner_lines as u64;
                return Some(Ok(line));
            }
            Err(e) => {
                let line = self.next_line;
                let reason = match e.kind() {
                    ::csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("{len} field(s) where the header has {expected_len}"),
                    ::csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
                    _ => e.to_string(),
                };
                (line, reason)
            }
        };
        Some(Err(self.fail(&format!("line {line}"), reason)))
    }
}

impl Iterator for AdCsvReader {
    type Item = Result<AdEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut record = std::mem::take(&mut self.record);
        let read = self.read_row(&mut record);
        let entry = read.map(|line| line.map(|line| self.entry(&record, line)));
        self.record = record;
        entry
    }
}

impl AdCsvReader {
    fn entry(&self, record: &::csv::StringRecord, line: u64) -> AdEntry {
        let mut entry = AdEntry {
            origin: format!("{} line {line}", self.origin),
            distinguished_name: None,
            object_guid: None,
            when_changed: None,
            attributes: std::collections::BTreeMap::new(),
            complete: false,
        };
        for (field, cell) in self.fields.iter().zip(record.iter()) {
            if *field == Field::Ignored {
                continue;
            }
            let value = if cell.is_empty() {
                AttributeValue::Null
            } else {
                AttributeValue::String(cell.to_owned())
            };
            entry.put_as(field, value);
        }
        entry
    }
}
