//! Writeback plans: the changes that bring AD up to the cloud values an admin chose, as LDIF
//! (`ldifde -i`) and as a PowerShell script (`Set-ADUser`). A plan is a file to review: the
//! script runs with `-WhatIf` unless it is called with `-Apply`.
//!
//! No value can become code or syntax: the LDIF writer base64-encodes every value that is not
//! an RFC 2849 safe string, and the script writer renders every value with
//! [`crate::pwsh`]'s single-quoted literals.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::base64;
use super::diff::{DiffClass, Difference};
use super::report::Report;
use super::validate;
use crate::catalog::{Catalog, ValueKind};
use crate::model::AttributeValue;
use crate::pwsh;

/// The longest LDIF line before folding.
const LDIF_WIDTH: usize = 76;

/// One attribute to write to one AD account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedChange {
    /// The attribute's LDAP name.
    pub ldap_name: String,
    /// Its kind.
    pub value_kind: ValueKind,
    /// The value to write (the cloud value); empty clears the attribute.
    pub value: AttributeValue,
}

/// The changes for one AD account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedAccount {
    /// The mailbox, for people.
    pub mailbox: String,
    /// `objectGUID`, the script's `-Identity` when known.
    pub object_guid: Option<String>,
    /// The distinguished name: the LDIF `dn:` (and the script's `-Identity` without a GUID).
    pub distinguished_name: Option<String>,
    /// The changes.
    pub changes: Vec<PlannedChange>,
}

/// Which differences of a report a writeback plan takes: the usual choices of an admin, shared
/// by every front end (the C ABI reads it as JSON, every field optional:
/// `{"classes":["cloud_master_ad_stale"],"attributes":["extensionAttribute1"],"mailboxes":[]}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WritebackSelection {
    /// Difference classes; by default only [`DiffClass::CloudMasterAdStale`], the differences
    /// where Exchange Online masters the attribute and AD holds an old value.
    pub classes: Vec<DiffClass>,
    /// Attributes, by the catalog name or the LDAP name the difference carries, ignoring case;
    /// all when empty.
    pub attributes: Vec<String>,
    /// Mailboxes, by the name the report gives them, ignoring case; all when empty.
    pub mailboxes: Vec<String>,
}

impl Default for WritebackSelection {
    fn default() -> Self {
        WritebackSelection {
            classes: vec![DiffClass::CloudMasterAdStale],
            attributes: Vec::new(),
            mailboxes: Vec::new(),
        }
    }
}

impl WritebackSelection {
    /// Whether the selection takes `d`.
    pub fn accepts(&self, d: &Difference) -> bool {
        let any = |names: &[String], values: &[&str]| {
            names.is_empty()
                || names
                    .iter()
                    .any(|n| values.iter().any(|v| n.trim().eq_ignore_ascii_case(v)))
        };
        self.classes.contains(&d.class)
            && any(&self.attributes, &[&d.attribute, &d.ldap_name])
            && any(&self.mailboxes, &[&d.mailbox])
    }
}

/// A writeback plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WritebackPlan {
    /// When the plan was made.
    pub generated: DateTime<Utc>,
    /// The report's AD source.
    pub ad_source: String,
    /// The report's cloud source.
    pub cloud_source: String,
    /// The accounts, in report order.
    pub accounts: Vec<PlannedAccount>,
    /// Differences left out because the AD account cannot be named (no GUID and no DN), or the
    /// value cannot be written (a GUID value that is not a GUID).
    pub skipped: Vec<String>,
}

impl WritebackPlan {
    /// A plan for the differences of `report` that `selection` takes, dated like the report
    /// (so the same report always gives the same plan).
    pub fn for_selection(report: &Report, selection: &WritebackSelection) -> Self {
        WritebackPlan::new(report, report.generated, |d| selection.accepts(d))
    }

    /// [`WritebackPlan::for_selection`] after checking every difference of `report` against
    /// `catalog` ([`Report::check`]): a difference whose attribute, LDAP name, class, value
    /// kind, DN or object GUID does not validate is an error naming it and the field, and no
    /// plan is made. The constructor to use for a report read from a file.
    pub fn checked(
        report: &Report,
        catalog: &Catalog,
        selection: &WritebackSelection,
    ) -> crate::Result<Self> {
        report.check(catalog)?;
        Ok(WritebackPlan::for_selection(report, selection))
    }

    /// A plan for the differences of `report` that `choose` accepts. Only differences that
    /// name an AD account are planned; the others are listed in `skipped`, as are those whose
    /// LDAP name, DN or object GUID does not validate (see [`Report::from_json`]; with a
    /// catalog, [`WritebackPlan::checked`] refuses the whole report instead).
    pub fn new(report: &Report, now: DateTime<Utc>, choose: impl Fn(&Difference) -> bool) -> Self {
        let mut order: Vec<String> = Vec::new();
        let mut accounts: BTreeMap<String, PlannedAccount> = BTreeMap::new();
        let mut skipped = Vec::new();
        for d in report.differences.iter().filter(|d| choose(d)) {
            if let Err((field, reason)) = validate::check_syntax(d) {
                skipped.push(format!("{} {}: {field}: {reason}", d.mailbox, d.attribute));
                continue;
            }
            let Some(key) = d
                .ad_object_guid
                .clone()
                .or_else(|| d.ad_distinguished_name.clone())
            else {
                skipped.push(format!(
                    "{} {}: no objectGUID or DN in the AD export",
                    d.mailbox, d.ldap_name
                ));
                continue;
            };
            if d.value_kind == ValueKind::Guid
                && !d.cloud_value.is_empty()
                && d.cloud_value
                    .to_strings()
                    .iter()
                    .any(|g| base64::guid_to_bytes(g).is_none())
            {
                skipped.push(format!(
                    "{} {}: the cloud value is not a GUID",
                    d.mailbox, d.ldap_name
                ));
                continue;
            }
            let account = accounts.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                PlannedAccount {
                    mailbox: d.mailbox.clone(),
                    object_guid: d.ad_object_guid.clone(),
                    distinguished_name: d.ad_distinguished_name.clone(),
                    changes: Vec::new(),
                }
            });
            account.changes.push(PlannedChange {
                ldap_name: d.ldap_name.clone(),
                value_kind: d.value_kind,
                value: d.cloud_value.clone(),
            });
        }
        WritebackPlan {
            generated: now,
            ad_source: report.ad_source.clone(),
            cloud_source: report.cloud_source.clone(),
            accounts: order
                .into_iter()
                .filter_map(|k| accounts.remove(&k))
                .collect(),
            skipped,
        }
    }

    /// Checks a plan (one read back from JSON, say) against `catalog`: every change's LDAP
    /// name is the one of a catalog attribute of that value kind, every DN parses (RFC 4514)
    /// and every object GUID is a GUID. The first that does not is an error naming the
    /// account and the field.
    pub fn check(&self, catalog: &Catalog) -> crate::Result<()> {
        for (i, account) in self.accounts.iter().enumerate() {
            let fail = |field: &str, reason: String| {
                crate::Error::invalid_input(
                    format!(
                        "writeback plan account {} ({:?}) field {field}",
                        i + 1,
                        account.mailbox
                    ),
                    reason,
                )
            };
            if let Some(dn) = &account.distinguished_name {
                validate::check_dn(dn).map_err(|e| {
                    fail(
                        "distinguished_name",
                        format!("{dn:?} is not a distinguished name: {e}"),
                    )
                })?;
            }
            if let Some(guid) = &account.object_guid
                && base64::guid_to_bytes(guid).is_none()
            {
                return Err(fail("object_guid", format!("{guid:?} is not a GUID")));
            }
            for change in &account.changes {
                let Some(a) = catalog.by_ldap_name(&change.ldap_name) else {
                    return Err(fail(
                        "ldap_name",
                        format!("{:?} is not an attribute of the catalog", change.ldap_name),
                    ));
                };
                if a.ldap_name.as_deref() != Some(change.ldap_name.as_str()) {
                    return Err(fail(
                        "ldap_name",
                        format!(
                            "{:?} is spelled {:?} in the catalog",
                            change.ldap_name,
                            a.ldap_name.as_deref().unwrap_or_default()
                        ),
                    ));
                }
                if a.value_kind != change.value_kind {
                    return Err(fail(
                        "value_kind",
                        format!(
                            "{} is {:?} in the catalog, not {:?}",
                            change.ldap_name, a.value_kind, change.value_kind
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The number of attribute changes.
    pub fn change_count(&self) -> usize {
        self.accounts.iter().map(|a| a.changes.len()).sum()
    }

    fn header(&self, comment: &str) -> String {
        let mut h = String::new();
        for line in [
            format!(
                "Writeback plan generated by exchange-soa {}",
                crate::VERSION
            ),
            format!("Generated: {}", self.generated.to_rfc3339()),
            format!("AD source: {}", one_line(&self.ad_source)),
            format!("Cloud source: {}", one_line(&self.cloud_source)),
            format!(
                "Changes: {} attribute(s) on {} account(s); skipped: {}",
                self.change_count(),
                self.accounts.len(),
                self.skipped.len()
            ),
        ] {
            let _ = writeln!(h, "{comment} {line}");
        }
        for s in &self.skipped {
            let _ = writeln!(h, "{comment} skipped: {}", one_line(s));
        }
        h
    }

    /// The plan as LDIF for `ldifde -i -f`: one `changetype: modify` entry per account with a
    /// DN, one `replace:` per attribute (a `replace:` without values clears it). Accounts
    /// without a DN are left out (they are in the script). Whatever a plan holds, no value
    /// becomes LDIF syntax: DNs and values that are not RFC 2849 safe strings are written in
    /// base64 (`::`), and a change whose name is not an LDAP attribute name, or an account
    /// whose DN does not parse, is left out (a plan made from a report never has them; see
    /// [`WritebackPlan::check`]).
    pub fn to_ldif(&self) -> String {
        let mut out = self.header("#");
        out.push_str("version: 1\n");
        for account in &self.accounts {
            let Some(dn) = account
                .distinguished_name
                .as_ref()
                .filter(|dn| validate::check_dn(dn).is_ok())
            else {
                continue;
            };
            out.push('\n');
            ldif_line(&mut out, "dn", dn.as_bytes());
            out.push_str("changetype: modify\n");
            for change in account
                .changes
                .iter()
                .filter(|c| validate::is_ldap_name(&c.ldap_name))
            {
                ldif_line(&mut out, "replace", change.ldap_name.as_bytes());
                for value in ldif_values(change) {
                    ldif_line(&mut out, &change.ldap_name, &value);
                }
                out.push_str("-\n");
            }
        }
        out
    }

    /// The plan as a PowerShell script: `Set-ADUser -Identity <guid> -Replace @{...}` (or
    /// `-Clear`) per account, every value a single-quoted literal, dry (`-WhatIf`) unless run
    /// with `-Apply`. An account without a valid GUID or DN, and a change whose name is not
    /// an LDAP attribute name, are left out (a plan made from a report never has them).
    pub fn to_powershell(&self) -> String {
        let mut out = self.header("#");
        out.push_str("#Requires -Modules ActiveDirectory\n[CmdletBinding()]\nparam([switch]$Apply)\n$ErrorActionPreference = 'Stop'\n");
        for account in &self.accounts {
            // A plan made from a report always has one of the two, valid (see `check`).
            let Some(identity) = account
                .object_guid
                .as_deref()
                .filter(|g| base64::guid_to_bytes(g).is_some())
                .or(account
                    .distinguished_name
                    .as_deref()
                    .filter(|dn| validate::check_dn(dn).is_ok()))
            else {
                continue;
            };
            let _ = writeln!(out, "\n# {}", one_line(&account.mailbox));
            let mut replace = Vec::new();
            let mut clear = Vec::new();
            for change in account
                .changes
                .iter()
                .filter(|c| validate::is_ldap_name(&c.ldap_name))
            {
                if change.value.is_empty() && change.value_kind != ValueKind::Boolean {
                    clear.push(change.ldap_name.clone());
                } else {
                    replace.push(format!(
                        "{}={}",
                        pwsh::key(&change.ldap_name),
                        ps_value(change)
                    ));
                }
            }
            let _ = write!(out, "Set-ADUser -Identity {}", pwsh::quote(identity));
            if !replace.is_empty() {
                let _ = write!(out, " -Replace @{{{}}}", replace.join("; "));
            }
            if !clear.is_empty() {
                let _ = write!(out, " -Clear {}", pwsh::array(&clear));
            }
            out.push_str(" -WhatIf:(-not $Apply)\n");
        }
        out
    }
}

impl WritebackPlan {
    /// Writes [`WritebackPlan::to_ldif`] to `path` atomically (nothing half-written).
    pub fn save_ldif(&self, path: &std::path::Path) -> crate::Result<()> {
        crate::fsutil::write_atomic(path, self.to_ldif().as_bytes())
    }

    /// Writes [`WritebackPlan::to_powershell`] to `path` atomically, with a UTF-8 byte-order
    /// mark so that Windows PowerShell 5.1 reads non-ASCII values correctly.
    pub fn save_powershell(&self, path: &std::path::Path) -> crate::Result<()> {
        crate::fsutil::write_atomic(path, &crate::pwsh::script_bytes(&self.to_powershell()))
    }
}

/// A comment's text on one ASCII line, so that a source name cannot end a comment line (see
/// [`crate::pwsh::comment`]).
fn one_line(text: &str) -> String {
    crate::pwsh::comment(text)
}

/// The values of a change as AD stores them (bytes).
fn ldif_values(change: &PlannedChange) -> Vec<Vec<u8>> {
    match change.value_kind {
        ValueKind::Boolean => {
            let b = change.value.as_bool().unwrap_or(false);
            vec![if b {
                b"TRUE".to_vec()
            } else {
                b"FALSE".to_vec()
            }]
        }
        ValueKind::Guid => change
            .value
            .to_strings()
            .iter()
            .filter_map(|g| base64::guid_to_bytes(g).map(|b| b.to_vec()))
            .collect(),
        ValueKind::Binary => change
            .value
            .to_strings()
            .iter()
            .map(|s| base64::decode(s).unwrap_or_else(|| s.as_bytes().to_vec()))
            .collect(),
        _ => change
            .value
            .to_strings()
            .into_iter()
            .map(String::into_bytes)
            .collect(),
    }
}

/// The PowerShell expression of a change's value.
fn ps_value(change: &PlannedChange) -> String {
    match change.value_kind {
        ValueKind::Boolean => {
            if change.value.as_bool().unwrap_or(false) {
                "$true".to_owned()
            } else {
                "$false".to_owned()
            }
        }
        ValueKind::Guid => {
            let guids: Vec<String> = change
                .value
                .to_strings()
                .iter()
                .map(|g| format!("([guid]{}).ToByteArray()", pwsh::quote(g)))
                .collect();
            guids.join(",")
        }
        ValueKind::Integer => match &change.value {
            AttributeValue::Integer(i) => i.to_string(),
            other => pwsh::literal(other),
        },
        kind if kind.is_multi_valued() => pwsh::array(&change.value.to_strings()),
        _ => pwsh::literal(&change.value),
    }
}

/// Whether `value` may be written as-is after `name: ` (an RFC 2849 SAFE-STRING, and no
/// trailing space, which readers may strip).
pub(crate) fn ldif_safe(value: &[u8]) -> bool {
    match value.first() {
        None => true,
        Some(b' ' | b':' | b'<') => false,
        Some(_) => {
            value
                .iter()
                .all(|&b| b != 0 && b != b'\n' && b != b'\r' && b < 0x80)
                && value.last() != Some(&b' ')
        }
    }
}

/// Writes `name: value`, or `name:: base64` when the value is not safe, folded at 76
/// characters (a continuation line starts with one space).
fn ldif_line(out: &mut String, name: &str, value: &[u8]) {
    let line = if ldif_safe(value) {
        // Safe values are ASCII.
        format!("{name}: {}", String::from_utf8_lossy(value))
    } else {
        format!("{name}:: {}", base64::encode(value))
    };
    fold(out, &line);
}

fn fold(out: &mut String, line: &str) {
    let mut rest = line;
    let mut width = LDIF_WIDTH;
    while rest.len() > width {
        // ASCII only (safe values and base64), so byte positions are character positions.
        let mut cut = width;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\n ");
        rest = &rest[cut..];
        width = LDIF_WIDTH - 1;
    }
    out.push_str(rest);
    out.push('\n');
}
