//! Where the two sides come from: AD exports (CSV, LDIF, JSON) and the cloud (Get-Mailbox JSON,
//! or live through any [`ExchangeOnline`](crate::exo::ExchangeOnline)).
//!
//! Every file source is an iterator that reads one record at a time from a buffered reader, so
//! an export of any size is never held in memory. A malformed record is an
//! [`Error::InvalidInput`] naming the file, the line (or the record
//! number) and the problem; the iterator stops after it.

mod csv;
mod json;
mod ldif;
mod scan;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

pub use self::csv::{AdCsvReader, MAX_CSV_LINE};
pub(crate) use self::json::Elements;
pub use self::json::{AdJsonReader, CloudJsonReader, MAX_JSON_RECORD};
pub use self::ldif::AdLdifReader;

use super::progress::ReadCount;
use crate::catalog::{Catalog, ValueKind};
use crate::model::{AttributeValue, Mailbox};
use crate::{Error, Result};

/// One AD account read from an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdEntry {
    /// Where the record was read (`users.csv line 4`), for messages.
    pub origin: String,
    /// `distinguishedName` (the `dn:` of LDIF), when the export has it.
    pub distinguished_name: Option<String>,
    /// `objectGUID`, when the export has it.
    pub object_guid: Option<String>,
    /// `whenChanged`, when the export has it and it could be read.
    pub when_changed: Option<DateTime<Utc>>,
    /// The catalog attributes of the record, by LDAP name as the catalog spells it.
    pub attributes: BTreeMap<String, AttributeValue>,
    /// Whether an attribute missing from `attributes` is empty in AD (a complete read, as an
    /// LDIF export or `Get-ADUser -Properties *` is) rather than simply not exported.
    pub complete: bool,
}

impl AdEntry {
    /// The value of an attribute by LDAP name: `Some(Null)` for a missing attribute of a
    /// complete read, `None` when the export does not say.
    pub fn value(&self, ldap_name: &str) -> Option<AttributeValue> {
        match self.attributes.get(ldap_name) {
            Some(v) => Some(v.clone()),
            None if self.complete => Some(AttributeValue::Null),
            None => None,
        }
    }

    /// A single-string attribute's text, when set.
    pub fn text(&self, ldap_name: &str) -> Option<String> {
        self.attributes
            .get(ldap_name)
            .and_then(|v| v.to_strings().into_iter().next())
            .filter(|s| !s.is_empty())
    }

    /// Adds an attribute read under `name` (any catalog name, or `objectGUID`,
    /// `distinguishedName`, `whenChanged`), converting it to the catalog's kind.
    fn put(&mut self, catalog: &Catalog, name: &str, value: AttributeValue) {
        self.put_as(&Field::of(catalog, name), value);
    }

    /// Adds a value read under a name already looked up (see [`Field::of`]).
    fn put_as(&mut self, field: &Field, value: AttributeValue) {
        match field {
            Field::ObjectGuid => self.object_guid = value.to_strings().into_iter().next(),
            Field::Dn => self.distinguished_name = value.to_strings().into_iter().next(),
            Field::WhenChanged => {
                self.when_changed = value.to_strings().first().and_then(|s| parse_ad_time(s));
            }
            Field::Attribute { ldap, multi } => {
                let value = match value {
                    AttributeValue::String(s) if *multi => AttributeValue::List(split_multi(&s)),
                    v => v,
                };
                self.attributes.insert(ldap.clone(), value);
            }
            Field::Ignored => {}
        }
    }
}

/// What a column (or key) of an AD export holds, looked up once per file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    /// `objectGUID`.
    ObjectGuid,
    /// `distinguishedName` (or `dn`).
    Dn,
    /// `whenChanged` (or `Modified`).
    WhenChanged,
    /// A catalog attribute: its LDAP name, and whether it is multi-valued.
    Attribute { ldap: String, multi: bool },
    /// Anything else.
    Ignored,
}

impl Field {
    fn of(catalog: &Catalog, name: &str) -> Field {
        match name.to_ascii_lowercase().as_str() {
            "objectguid" => return Field::ObjectGuid,
            "distinguishedname" | "dn" => return Field::Dn,
            "whenchanged" | "modified" => return Field::WhenChanged,
            _ => {}
        }
        match ad_name(catalog, name) {
            Some(a) => match a.ldap_name.as_deref() {
                Some(ldap) => Field::Attribute {
                    ldap: ldap.to_owned(),
                    multi: a.value_kind.is_multi_valued(),
                },
                None => Field::Ignored,
            },
            None => Field::Ignored,
        }
    }
}

/// The catalog row for a column or key of an AD export: any catalog name, or one of the names
/// the ActiveDirectory module gives (`Surname`, `EmailAddress`, `Fax`, ...).
fn ad_name<'c>(catalog: &'c Catalog, name: &str) -> Option<&'c crate::catalog::Attribute> {
    let alias = match name.to_ascii_lowercase().as_str() {
        "surname" => "sn",
        "emailaddress" => "mail",
        "city" => "l",
        "state" => "st",
        "officephone" => "telephoneNumber",
        "mobilephone" => "mobile",
        "office" => "physicalDeliveryOfficeName",
        "country" => "c",
        _ => name,
    };
    catalog.by_ldap_name(alias).or_else(|| catalog.get(alias))
}

/// Splits a multi-valued cell joined with `;` or `|`, dropping empty parts.
fn split_multi(text: &str) -> Vec<String> {
    text.split(super::store::JOINERS)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads the time spellings of AD exports: RFC 3339, generalized time (`20260101120000.0Z`),
/// `/Date(ms)/` of Windows PowerShell's JSON, and `M/d/yyyy h:mm:ss AM` of Export-Csv (as UTC).
pub(crate) fn parse_ad_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Some(d) = parse_export_csv_time(t) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    if let Some(ms) = t.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        let digits: String = ms
            .chars()
            .enumerate()
            .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '-'))
            .map(|(_, c)| c)
            .collect();
        return DateTime::from_timestamp_millis(digits.parse().ok()?);
    }
    if let Some(g) = t.strip_suffix('Z') {
        let g = g.split('.').next().unwrap_or(g);
        if let Ok(d) = NaiveDateTime::parse_from_str(g, "%Y%m%d%H%M%S") {
            return Some(d.and_utc());
        }
    }
    for format in [
        "%m/%d/%Y %I:%M:%S %p",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, format) {
            return Some(d.and_utc());
        }
    }
    None
}

/// Export-Csv's `M/d/yyyy h:mm:ss AM` (en-US, read as UTC) without a format parser: the
/// spelling of every row of a large export. `None` for anything else.
fn parse_export_csv_time(t: &str) -> Option<DateTime<Utc>> {
    let (date, rest) = t.split_once(' ')?;
    let (time, meridiem) = rest.split_once(' ')?;
    if !date
        .bytes()
        .chain(time.bytes())
        .all(|b| b.is_ascii_digit() || b == b'/' || b == b':')
    {
        return None;
    }
    let mut d = date.split('/').map(str::parse::<u32>);
    let (month, day, year) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut h = time.split(':').map(str::parse::<u32>);
    let (hour, minute, second) = (h.next()?.ok()?, h.next()?.ok()?, h.next()?.ok()?);
    if d.next().is_some() || h.next().is_some() || !(1..=12).contains(&hour) {
        return None;
    }
    let hour = match meridiem {
        "AM" => hour % 12,
        "PM" => hour % 12 + 12,
        _ => return None,
    };
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    Some(date.and_hms_opt(hour, minute, second)?.and_utc())
}

/// The problem reported for a file that starts with a UTF-16 byte-order mark.
pub(crate) const UTF16: &str =
    "UTF-16 text: save the export as UTF-8 (for example `Out-File -Encoding utf8`)";

/// The error for a malformed record.
pub(crate) fn malformed(origin: &str, place: &str, reason: impl Into<String>) -> Error {
    Error::invalid_input(format!("{origin} {place}"), reason)
}

/// A JSON value as an [`AttributeValue`] (see [`AttributeValue::from_json`]).
pub(crate) fn json_value(value: &serde_json::Value) -> AttributeValue {
    AttributeValue::from_json(value)
}

/// Converts a value that arrived as bytes (a JSON array of numbers) to a GUID string when the
/// attribute is a GUID.
pub(crate) fn guid_bytes_value(kind: ValueKind, value: AttributeValue) -> AttributeValue {
    if kind != ValueKind::Guid {
        return value;
    }
    if let AttributeValue::List(items) = &value {
        let bytes: Option<Vec<u8>> = items.iter().map(|i| i.parse().ok()).collect();
        if let Some(g) = bytes.and_then(|b| super::base64::guid_from_bytes(&b)) {
            return AttributeValue::String(g);
        }
    }
    value
}

/// One mailbox as Exchange Online shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudEntry {
    /// Where the record was read (`mailboxes.json record 3`, or `Exchange Online`).
    pub origin: String,
    /// The typed mailbox (state, identities).
    pub mailbox: Mailbox,
    /// Every property the source gave, keyed by lower-cased Exchange Online property name.
    pub properties: BTreeMap<String, AttributeValue>,
}

impl CloudEntry {
    /// A cloud entry from a typed mailbox (what a live [`ExchangeOnline`](crate::exo::ExchangeOnline)
    /// returns): the properties are those the catalog names and [`Mailbox::property`] holds.
    pub fn from_mailbox(catalog: &Catalog, mailbox: Mailbox, origin: impl Into<String>) -> Self {
        let properties = catalog
            .iter()
            .filter_map(|a| a.exo_property.as_deref())
            .filter_map(|p| Some((p.to_ascii_lowercase(), mailbox.property(p)?)))
            .collect();
        CloudEntry {
            origin: origin.into(),
            mailbox,
            properties,
        }
    }

    /// A property's value by Exchange Online name (any case); `None` when the source does not
    /// give it.
    pub fn property(&self, name: &str) -> Option<&AttributeValue> {
        self.properties.get(&name.to_ascii_lowercase())
    }
}

/// The format of an AD export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdFormat {
    /// `Get-ADUser | Export-Csv`.
    Csv,
    /// `ldifde -f`.
    Ldif,
    /// `Get-ADUser | ConvertTo-Json`.
    Json,
}

impl std::str::FromStr for AdFormat {
    type Err = crate::Error;

    /// `csv`, `ldif` (or `ldf`) or `json`, in any case: the names every front end accepts.
    fn from_str(name: &str) -> Result<AdFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(AdFormat::Csv),
            "ldif" | "ldf" => Ok(AdFormat::Ldif),
            "json" => Ok(AdFormat::Json),
            _ => Err(crate::Error::invalid_input(
                "ad_format",
                format!("{name:?} is not an AD export format: use \"csv\", \"ldif\" or \"json\""),
            )),
        }
    }
}

impl AdFormat {
    /// The format a file name suggests (`.csv`, `.ldf`/`.ldif`, `.json`).
    pub fn from_path(path: &Path) -> Option<AdFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(AdFormat::Csv),
            "ldf" | "ldif" => Some(AdFormat::Ldif),
            "json" => Some(AdFormat::Json),
            _ => None,
        }
    }
}

/// A streaming AD source of any format: the entries of an export [`open_ad`] opened (which
/// knows how many bytes of the file it has read, for progress), or of any other iterator
/// ([`AdEntries::new`]).
pub struct AdEntries {
    entries: Box<dyn Iterator<Item = Result<AdEntry>> + Send>,
    read: Option<ReadCount>,
}

impl AdEntries {
    /// The entries of any iterator (an export read elsewhere, a directory listed live): their
    /// bytes are unknown.
    pub fn new(entries: impl Iterator<Item = Result<AdEntry>> + Send + 'static) -> Self {
        AdEntries {
            entries: Box::new(entries),
            read: None,
        }
    }

    /// The entries of a file, read through `read`.
    fn of_file(entries: Box<dyn Iterator<Item = Result<AdEntry>> + Send>, read: ReadCount) -> Self {
        AdEntries {
            entries,
            read: Some(read),
        }
    }

    /// The bytes of the file read so far (the file is read ahead in buffers); `None` when the
    /// entries do not come from a file.
    pub fn bytes_read(&self) -> Option<u64> {
        self.read.as_ref().map(ReadCount::bytes)
    }

    /// The size of the file, when the entries come from a file whose size is known.
    pub fn total_bytes(&self) -> Option<u64> {
        self.read.as_ref().and_then(ReadCount::total)
    }

    /// The count of the file's bytes, for a progress meter.
    pub(crate) fn read_count(&self) -> Option<ReadCount> {
        self.read.clone()
    }
}

impl Iterator for AdEntries {
    type Item = Result<AdEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        self.entries.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl std::fmt::Debug for AdEntries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdEntries")
            .field("bytes_read", &self.bytes_read())
            .field("total_bytes", &self.total_bytes())
            .finish_non_exhaustive()
    }
}

/// Opens an AD export, in `format` or the one its extension suggests, as a stream of entries.
pub fn open_ad(catalog: &Catalog, path: &Path, format: Option<AdFormat>) -> Result<AdEntries> {
    Ok(match open_ad_export(catalog, path, format)? {
        AdExport::Csv(rows, read) => AdEntries::of_file(rows, read),
        AdExport::Entries(entries) => entries,
    })
}

/// An opened AD export: a CSV file is kept as its reader, whose rows the reconciliation reads
/// without building entries, with the count of its bytes; other formats are streams of
/// entries.
pub(crate) enum AdExport {
    /// A CSV export.
    Csv(Box<AdCsvReader>, ReadCount),
    /// An LDIF or JSON export.
    Entries(AdEntries),
}

impl AdExport {
    /// The count of the export's bytes.
    pub(crate) fn read_count(&self) -> Option<ReadCount> {
        match self {
            AdExport::Csv(_, read) => Some(read.clone()),
            AdExport::Entries(entries) => entries.read_count(),
        }
    }
}

/// Opens an AD export (see [`open_ad`]).
pub(crate) fn open_ad_export(
    catalog: &Catalog,
    path: &Path,
    format: Option<AdFormat>,
) -> Result<AdExport> {
    let format = format
        .or_else(|| AdFormat::from_path(path))
        .ok_or_else(|| {
            Error::invalid_input(
                path.display().to_string(),
                "unknown AD export format: name it .csv, .ldf or .json, or give the format",
            )
        })?;
    let file = File::open(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    let read = ReadCount::of(&file);
    let reader = BufReader::with_capacity(1 << 16, read.reader(file));
    let origin = path.display().to_string();
    let catalog = catalog.clone();
    Ok(match format {
        AdFormat::Csv => AdExport::Csv(Box::new(AdCsvReader::new(reader, origin, catalog)), read),
        AdFormat::Ldif => AdExport::Entries(AdEntries::of_file(
            Box::new(AdLdifReader::new(reader, origin, catalog)),
            read,
        )),
        AdFormat::Json => AdExport::Entries(AdEntries::of_file(
            Box::new(AdJsonReader::new(reader, origin, catalog)),
            read,
        )),
    })
}

/// Opens a `Get-Mailbox | ConvertTo-Json` file as a stream of cloud entries.
pub fn open_cloud(path: &Path) -> Result<CloudJsonReader<BufReader<File>>> {
    let file = File::open(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(CloudJsonReader::new(
        BufReader::new(file),
        path.display().to_string(),
    ))
}
