//! The result of a reconciliation, and its renderings: JSON (complete), CSV (one row per
//! difference), HTML (one self-contained page), and the comparison of two reports.

mod compare;
mod csv_cell;
mod html;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use compare::{ChangedDifference, ReportChanges};
pub use csv_cell::csv_cell_value;

use super::ReconcileOptions;
use super::diff::{DiffClass, Difference};
use super::join::JoinKey;
use crate::catalog::Catalog;
use crate::{Error, Result};

/// Which side an ambiguity was found on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// An AD account matched several mailboxes.
    Ad,
    /// A mailbox matched several AD accounts.
    Cloud,
}

/// An object found on one side only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmatched {
    /// Where it was read.
    pub record: String,
    /// Its name (UPN, else primary SMTP address, else DN).
    pub name: String,
    /// Its mailbox GUID, if known.
    pub guid: Option<String>,
}

/// A match that is not one to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ambiguity {
    /// The side whose object matched several of the other.
    pub side: Side,
    /// The record that could not be paired (on `side` for [`Side::Ad`], the later AD account for
    /// [`Side::Cloud`]).
    pub record: String,
    /// The key that matched.
    pub key: JoinKey,
    /// The candidate records: all of them for [`Side::Cloud`] (the account that claimed the
    /// mailbox first, and this one); for [`Side::Ad`], the last
    /// [`MAX_CANDIDATES`](super::join::MAX_CANDIDATES) mailboxes with the key, in the cloud
    /// file's order.
    pub candidates: Vec<String>,
    /// How many candidates there are (more than `candidates` lists when the key is shared by
    /// more than [`MAX_CANDIDATES`](super::join::MAX_CANDIDATES) mailboxes); 0 in reports
    /// written before it was counted.
    #[serde(default)]
    pub candidate_count: usize,
}

/// Counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// AD records read.
    pub ad_records: usize,
    /// Mailboxes read.
    pub cloud_records: usize,
    /// Pairs.
    pub matched: usize,
    /// Pairs by join key (`exchange_guid`, `user_principal_name`, `primary_smtp_address`).
    pub matched_by: BTreeMap<String, usize>,
    /// Mail-enabled AD accounts without a mailbox.
    pub ad_only: usize,
    /// Mailboxes without an AD account.
    pub cloud_only: usize,
    /// AD accounts without any mail attribute (not reported one by one).
    pub ad_without_mailbox: usize,
    /// Ambiguous matches.
    pub ambiguous: usize,
    /// Attribute comparisons made.
    pub compared: usize,
    /// Comparisons that agreed.
    pub in_sync: usize,
    /// Differences.
    pub differences: usize,
    /// Differences by class (serde name).
    pub by_class: BTreeMap<String, usize>,
    /// Differences by attribute.
    pub by_attribute: BTreeMap<String, usize>,
}

impl Totals {
    pub(crate) fn count_match(&mut self, key: JoinKey) {
        self.matched += 1;
        match self.matched_by.get_mut(key.as_str()) {
            Some(n) => *n += 1,
            None => {
                self.matched_by.insert(key.as_str().to_owned(), 1);
            }
        }
    }
}

/// A reconciliation report. Serialized with serde as the JSON report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// When the reconciliation ran.
    pub generated: DateTime<Utc>,
    /// The library's version.
    pub tool_version: String,
    /// The AD source's name.
    pub ad_source: String,
    /// The cloud source's name.
    pub cloud_source: String,
    /// Whether writeback was taken as configured.
    pub writeback_enabled: bool,
    /// Counts.
    pub totals: Totals,
    /// The differences, in AD order.
    pub differences: Vec<Difference>,
    /// Mail-enabled AD accounts without a mailbox.
    pub ad_only: Vec<Unmatched>,
    /// Mailboxes without an AD account.
    pub cloud_only: Vec<Unmatched>,
    /// Matches that are not one to one.
    pub ambiguous: Vec<Ambiguity>,
}

impl Report {
    pub(crate) fn new(now: DateTime<Utc>, options: &ReconcileOptions) -> Self {
        Report {
            generated: now,
            tool_version: crate::VERSION.to_owned(),
            ad_source: options.ad_source.clone(),
            cloud_source: options.cloud_source.clone(),
            writeback_enabled: options.writeback_enabled,
            totals: Totals::default(),
            differences: Vec::new(),
            ad_only: Vec::new(),
            cloud_only: Vec::new(),
            ambiguous: Vec::new(),
        }
    }

    /// Fills the counts that follow from the lists.
    pub(crate) fn finish(&mut self) {
        self.totals.by_class.clear();
        self.totals.by_attribute.clear();
        for d in &self.differences {
            *self
                .totals
                .by_class
                .entry(d.class.as_str().to_owned())
                .or_default() += 1;
            if let Some(n) = self.totals.by_attribute.get_mut(d.attribute.as_str()) {
                *n += 1;
            } else {
                self.totals.by_attribute.insert(d.attribute.clone(), 1);
            }
        }
        self.totals.differences = self.differences.len();
        self.totals.ad_only = self.ad_only.len();
        self.totals.cloud_only = self.cloud_only.len();
        self.totals.ambiguous = self.ambiguous.len();
    }

    /// The differences of one class.
    pub fn of_class(&self, class: DiffClass) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(move |d| d.class == class)
    }

    /// The report as pretty JSON.
    ///
    /// # Panics
    ///
    /// Never: the report holds only strings, numbers, Booleans and maps with string keys.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }

    /// A report from [`Report::to_json`]'s output; `origin` names it in errors.
    ///
    /// A report is a file anyone can edit, so what a writeback plan would take from it is
    /// checked: every difference's `ldap_name` must be an LDAP attribute name, its
    /// `ad_distinguished_name` a distinguished name (RFC 4514, no control characters) and its
    /// `ad_object_guid` a GUID; the first that is not is an error ([`Error::Json`], as for any
    /// text that is not a report) naming the difference and the field. [`Report::from_json_checked`] also checks the attributes against the catalog.
    pub fn from_json(text: &str, origin: &str) -> Result<Report> {
        let report: Report = serde_json::from_str(text).map_err(|source| Error::Json {
            context: origin.to_owned(),
            source,
        })?;
        report.check_read(origin, super::validate::check_syntax)?;
        Ok(report)
    }

    /// [`Report::from_json`], with every difference also checked against `catalog` (see
    /// [`Report::check`]).
    pub fn from_json_checked(text: &str, origin: &str, catalog: &Catalog) -> Result<Report> {
        let report = Report::from_json(text, origin)?;
        report.check_read(origin, |d| super::validate::check(d, catalog))?;
        Ok(report)
    }

    /// Checks every difference against `catalog`: its attribute is a catalog attribute (by
    /// its canonical name) with the LDAP name, class, value kind and writeback flag the
    /// difference carries, its LDAP name is one, its DN parses (RFC 4514) and its object GUID
    /// is a GUID. The first difference that does not validate is an error naming it and the
    /// field.
    pub fn check(&self, catalog: &Catalog) -> Result<()> {
        match self.first_invalid("report", |d| super::validate::check(d, catalog)) {
            Some((what, reason)) => Err(Error::invalid_input(what, reason)),
            None => Ok(()),
        }
    }

    /// Checks every difference with `check`: the first that fails, as the difference and
    /// field it names and the problem.
    fn first_invalid(
        &self,
        origin: &str,
        check: impl Fn(&Difference) -> std::result::Result<(), super::validate::Problem>,
    ) -> Option<(String, String)> {
        self.differences.iter().enumerate().find_map(|(i, d)| {
            let (field, reason) = check(d).err()?;
            Some((
                format!(
                    "{origin} difference {} ({:?}, {:?}) field {field}",
                    i + 1,
                    d.mailbox,
                    d.attribute
                ),
                reason,
            ))
        })
    }

    /// [`Report::first_invalid`] as the error of a report read from JSON: a
    /// [`Error::Json`], as for any other JSON that is not a report.
    fn check_read(
        &self,
        origin: &str,
        check: impl Fn(&Difference) -> std::result::Result<(), super::validate::Problem>,
    ) -> Result<()> {
        match self.first_invalid(origin, check) {
            Some((context, reason)) => Err(Error::Json {
                context,
                source: <serde_json::Error as serde::de::Error>::custom(reason),
            }),
            None => Ok(()),
        }
    }

    /// Writes the CSV report: a header and one row per difference.
    ///
    /// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
    /// as a formula, so such a cell is written with a leading `'` (OWASP's advice on CSV
    /// injection): a phone number such as `+49 30 1234` is written `'+49 30 1234`, which Excel
    /// shows as the text it is. A cell that starts with `'` followed by such a character gets
    /// one more `'`, so that [`csv_cell_value`] gives back every value exactly.
    pub fn write_csv(&self, out: impl Write) -> Result<()> {
        let fail = |e: &dyn std::fmt::Display| {
            Error::invalid_input("CSV report", format!("cannot write: {e}"))
        };
        let mut w = ::csv::Writer::from_writer(out);
        w.write_record([
            "Mailbox",
            "ExchangeGuid",
            "AdObjectGuid",
            "AdDistinguishedName",
            "Attribute",
            "LdapName",
            "AttributeClass",
            "ValueKind",
            "WrittenBack",
            "AdValue",
            "CloudValue",
            "Class",
            "Reason",
            "MatchedBy",
        ])
        .map_err(|e| fail(&e))?;
        for d in &self.differences {
            let value_kind = serde_json::to_value(d.value_kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let cells: [&str; 14] = [
                d.mailbox.as_str(),
                d.exchange_guid.as_deref().unwrap_or_default(),
                d.ad_object_guid.as_deref().unwrap_or_default(),
                d.ad_distinguished_name.as_deref().unwrap_or_default(),
                d.attribute.as_str(),
                d.ldap_name.as_str(),
                &d.attribute_class.to_string(),
                &value_kind,
                if d.written_back { "True" } else { "False" },
                &cell(&d.ad_value),
                &cell(&d.cloud_value),
                d.class.as_str(),
                d.reason.as_str(),
                d.matched_by.as_str(),
            ];
            w.write_record(
                cells
                    .map(csv_cell::neutralize)
                    .iter()
                    .map(AsRef::<str>::as_ref),
            )
            .map_err(|e| fail(&e))?;
        }
        w.flush().map_err(|e| fail(&e))
    }

    /// The CSV report as text.
    pub fn to_csv(&self) -> Result<String> {
        let mut buf = Vec::new();
        self.write_csv(&mut buf)?;
        String::from_utf8(buf).map_err(|e| Error::invalid_input("CSV report", e.to_string()))
    }

    /// The self-contained HTML report: one page without external assets, every value escaped.
    pub fn to_html(&self) -> String {
        html::render(self)
    }

    /// Writes the JSON report to `path` atomically (nothing half-written on failure).
    pub fn save_json(&self, path: &Path) -> Result<()> {
        crate::fsutil::write_atomic(path, self.to_json().as_bytes())
    }

    /// Writes the CSV report to `path` atomically.
    pub fn save_csv(&self, path: &Path) -> Result<()> {
        crate::fsutil::write_atomic(path, self.to_csv()?.as_bytes())
    }

    /// Writes the HTML report to `path` atomically.
    pub fn save_html(&self, path: &Path) -> Result<()> {
        crate::fsutil::write_atomic(path, self.to_html().as_bytes())
    }

    /// What changed from `earlier` to this report (see [`ReportChanges`]).
    pub fn changes_since(&self, earlier: &Report) -> ReportChanges {
        compare::compare(earlier, self)
    }
}

/// A value in a CSV cell: lists joined with `;`, empty as an empty cell.
fn cell(value: &crate::model::AttributeValue) -> String {
    value.to_strings().join(";")
}
