//! AD accounts from `Get-ADUser ... | Export-Csv`.

use std::io::{BufRead, Cursor, Read};

use super::{AdEntry, Field, malformed};
use crate::Result;
use crate::catalog::Catalog;
use crate::model::AttributeValue;

/// The longest line a CSV export may have (1 MiB): an account's row is a few kilobytes, so a
/// longer line is not an export, and reading it would hold it all in memory.
pub const MAX_CSV_LINE: usize = 1 << 20;

/// The problem reported for a line longer than [`MAX_CSV_LINE`].
fn too_long() -> String {
    format!(
        "a line longer than {} MiB: not a row of an export of accounts",
        MAX_CSV_LINE >> 20
    )
}

/// A reader that fails once a line (the bytes since the last line feed) grows longer than
/// [`MAX_CSV_LINE`]. Only the ends of each chunk read are looked at (up to its first line
/// feed, back to its last), so it costs next to nothing.
struct LineCap<R> {
    inner: R,
    /// The bytes of the current line so far.
    line: usize,
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        if self.line + n <= MAX_CSV_LINE {
            // No line can be too long yet: only where the last one starts is looked for.
            self.line = match chunk.iter().rposition(|&b| b == b'\n') {
                Some(last) => n - last - 1,
                None => self.line + n,
            };
            return Ok(n);
        }
        let longest = if let Some(first) = chunk.iter().position(|&b| b == b'\n') {
            // The line this chunk ends, then the last one it starts (the lines between are
            // shorter than the chunk, which is looked at whole only when it could hold a line
            // too long).
            let last = chunk.iter().rposition(|&b| b == b'\n').unwrap_or(first);
            let ended = self.line + first;
            self.line = n - last - 1;
            let between = if n > MAX_CSV_LINE {
                chunk[first..=last]
                    .split(|&b| b == b'\n')
                    .map(<[u8]>::len)
                    .max()
                    .unwrap_or(0)
            } else {
                0
            };
            ended.max(between).max(self.line)
        } else {
            self.line += n;
            self.line
        };
        if longest > MAX_CSV_LINE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                too_long(),
            ));
        }
        Ok(n)
    }
}

/// A streaming reader of a `Get-ADUser | Export-Csv` file: a byte-order mark and a leading
/// `#TYPE` line are skipped, columns are matched to the catalog by any name (or the
/// ActiveDirectory module's, such as `Surname`), multi-valued cells are split on `;` or `|`,
/// and GUIDs are read as text. Columns outside the catalog are ignored, except `ObjectGUID`,
/// `DistinguishedName` and `whenChanged`. An empty cell is an empty value; a missing column
/// is not compared. A line longer than [`MAX_CSV_LINE`] is an error naming it.
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
    /// The first line is longer than [`MAX_CSV_LINE`].
    long_first_line: bool,
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
            long_first_line: false,
            failed: false,
        };
        let cap = MAX_CSV_LINE as u64 + 1;
        if (&mut reader)
            .take(cap)
            .read_until(b'\n', &mut first)
            .is_err()
        {
            return this;
        }
        if first.len() > MAX_CSV_LINE {
            this.long_first_line = true;
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
        let chained: Box<dyn Read + Send> = Box::new(LineCap {
            inner: Cursor::new(prefix).chain(reader),
            line: 0,
        });
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
        if self.long_first_line {
            return Err(self.fail("line 1", too_long()));
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
                    ::csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
                        io.to_string()
                    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads everything through a [`LineCap`] in reads of `size` bytes: `Err` once a line is
    /// too long.
    fn read_capped(text: &[u8], size: usize) -> std::io::Result<usize> {
        let mut cap = LineCap {
            inner: Cursor::new(text.to_vec()),
            line: 0,
        };
        let mut buf = vec![0u8; size];
        let mut total = 0;
        loop {
            match cap.read(&mut buf)? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    }

    #[test]
    fn a_line_longer_than_the_cap_fails_whatever_the_reads() {
        let fits = [b"a\n".as_slice(), &vec![b'x'; MAX_CSV_LINE], b"\nb\n"].concat();
        let long = [b"a\n".as_slice(), &vec![b'x'; MAX_CSV_LINE + 1], b"\nb\n"].concat();
        let last = [b"a\n".as_slice(), &vec![b'x'; MAX_CSV_LINE + 1]].concat();
        for size in [1, 7, 8192, 3 * MAX_CSV_LINE] {
            assert_eq!(read_capped(&fits, size).unwrap(), fits.len(), "{size}");
            for text in [&long, &last] {
                let e = read_capped(text, size).unwrap_err();
                assert!(e.to_string().contains("longer than 1 MiB"), "{size}: {e}");
            }
        }
    }
}
