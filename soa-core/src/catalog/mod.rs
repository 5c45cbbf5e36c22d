//! The attribute catalog: which attributes of a mailbox user exist, what they are called on
//! each side, and who masters them.
//!
//! # The table
//!
//! Each row is an [`Attribute`]: its AD LDAP name, its Exchange Online property (`Get-Mailbox` /
//! `Get-User`), its `Set-Mailbox` parameter, its Microsoft Graph name, the shape of its value
//! and its [`AttributeClass`]:
//!
//! - **identity**: always mastered in on-premises AD (displayName, givenName, sn, department,
//!   the address and phone attributes, userPrincipalName, manager, ...);
//! - **exchange**: mastered in AD while the mailbox's `IsExchangeCloudManaged` is false and in
//!   Exchange Online once it is true (proxyAddresses, mailNickname, extensionAttribute1-15,
//!   msExchHideFromAddressLists, the delivery restrictions, ...); 24 of them are **written
//!   back** to AD by Entra Cloud Sync (23 since the public preview of 15 May 2026, plus `mail`
//!   since GA on 3 August 2026), the rest stay in the cloud once edited there;
//! - **cloud_only**: mailbox settings that never came from AD (ForwardingSmtpAddress,
//!   RetentionPolicy, LitigationHoldEnabled, ...).
//!
//! # Provenance
//!
//! The built-in table is `attributes.json`, compiled into the crate. It records, for every row,
//! the source keys of the project's domain reference (`docs/domain.md`) and whether the
//! classification is confirmed in Microsoft-authored text. Microsoft's own table (the Learn page
//! "Cloud-based management of Exchange attributes for Remote Mailboxes", key L1) could not be
//! consulted when the table was written, so:
//!
//! - the writeback set and the identity attributes that the Exchange Team posts name (name,
//!   address, phone number, department) are `confirmed`;
//! - the other identity and exchange rows follow the Entra Connect list of synchronized
//!   attributes (E1) and are **unconfirmed**, with a note saying so;
//! - the cloud-only rows are unconfirmed too: no Microsoft list of them was found.
//!
//! LDAP-to-Exchange name pairs come from Microsoft's information-barrier attribute table (IB)
//! where it has them, and otherwise from common Exchange knowledge and the `Set-Mailbox`
//! reference (P1).
//!
//! # Overrides
//!
//! Unconfirmed rows are data, not code: when Microsoft's table says otherwise, correct the
//! catalog with an override file instead of waiting for a release.
//!
//! ```json
//! {
//!   "description": "our corrections after reading the Learn table",
//!   "attributes": [
//!     { "ldap_name": "msExchAssistantName", "class": "identity", "confirmed": true, "sources": ["L1"] },
//!     { "ldap_name": "msExchExtensionAttribute16", "exo_property": "ExtensionCustomAttribute6",
//!       "value_kind": "multi_string", "class": "exchange" }
//!   ]
//! }
//! ```
//!
//! An override row is matched to an existing row by any of its names (case-insensitively). When
//! it matches one, the fields it gives replace that row's (an explicit `null` clears a nullable
//! field); when it matches none, it is added and must then give `value_kind` and `class`; when
//! its names belong to two different rows, the file is rejected. The result is checked like the
//! built-in table: every row has a name, no name belongs to two rows (so no `Set-Mailbox`
//! parameter is claimed twice), and `writeback` is set, with a `writeback_since`, only on
//! exchange rows. See [`Catalog::with_override_json`].
//!
//! # Lookups
//!
//! [`Catalog::get`] and [`Catalog::lookup`] find a row by any of its four names, ignoring case,
//! in constant time; [`Catalog::by_ldap_name`] and its siblings accept only one kind of name.

mod attribute;
mod table;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

pub use attribute::{Attribute, AttributeClass, AttributeView, ValueKind, WritebackPhase};

use crate::{Error, Result};

/// The built-in table, as shipped.
const BUILTIN_JSON: &str = include_str!("attributes.json");

/// The origin named in errors about the built-in table.
const BUILTIN_ORIGIN: &str = "built-in table";

/// A checked attribute table with an index of every name.
///
/// Build one with [`Catalog::builtin`], [`Catalog::from_json`] or by applying overrides to
/// another ([`Catalog::with_override_json`], [`Catalog::with_override_file`]); a `Catalog` is
/// never modified in place.
#[derive(Debug, Clone)]
pub struct Catalog {
    rows: Vec<Attribute>,
    /// Lower-cased name to position in `rows`.
    index: HashMap<String, usize>,
    /// Every name exactly as written to position in `rows`: the allocation-free fast path of
    /// [`Catalog::get`] for names spelled as in the table (hot in the simulation).
    exact: HashMap<String, usize>,
    version: Option<String>,
}

impl Catalog {
    fn from_table(table: table::Table) -> Catalog {
        let exact = table
            .rows
            .iter()
            .enumerate()
            .flat_map(|(i, row)| row.names().map(move |n| (n.to_owned(), i)))
            .collect();
        Catalog {
            rows: table.rows,
            index: table.index,
            exact,
            version: table.version,
        }
    }

    /// The built-in table, compiled into the crate and loaded once.
    ///
    /// # Panics
    ///
    /// Never in a released crate: the built-in table is checked by the same code as user
    /// tables, and a unit test proves it loads.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Catalog::from_json(BUILTIN_JSON, BUILTIN_ORIGIN)
                .expect("the built-in attribute table is valid (tested)")
        })
    }

    /// The built-in table as a shared handle (one allocation for the whole process).
    pub fn builtin_shared() -> Arc<Catalog> {
        static SHARED: OnceLock<Arc<Catalog>> = OnceLock::new();
        Arc::clone(SHARED.get_or_init(|| Arc::new(Catalog::builtin().clone())))
    }

    /// Reads a whole table: an object with `version`, `description`, `source_keys` (optional)
    /// and `attributes`, or a bare array of attributes as [`Catalog::to_json_pretty`] writes it.
    ///
    /// A row of an object table may be a template: with `"range": [1, 15]`, every `{n}` in its
    /// names and note is replaced by 1, 2, ... 15. When `source_keys` is present, every source
    /// of every row must be one of its keys.
    ///
    /// `origin` names the text in errors (a file name, or `built-in table`). Malformed JSON is
    /// [`Error::Json`]; anything else wrong is [`Error::InvalidCatalog`] naming the row.
    pub fn from_json(text: &str, origin: &str) -> Result<Catalog> {
        table::parse_table(text, origin).map(Catalog::from_table)
    }

    /// A copy of this catalog with the overrides in `text` applied (see the [module
    /// documentation](self) for the format and the rules).
    ///
    /// `origin` names the overrides in errors. Malformed JSON is [`Error::Json`]; a row that
    /// matches two attributes, a new row without `value_kind` or `class`, an unknown class or
    /// value kind, a duplicate name or parameter, or an inconsistent writeback is
    /// [`Error::InvalidCatalog`] naming the row and the name.
    pub fn with_override_json(&self, text: &str, origin: &str) -> Result<Catalog> {
        table::apply_overrides(
            &self.rows,
            &self.index,
            self.version.as_deref(),
            text,
            origin,
        )
        .map(Catalog::from_table)
    }

    /// Reads an override file and applies it (see [`Catalog::with_override_json`]); errors name
    /// the file as given.
    ///
    /// A file that cannot be read is [`Error::Io`] with action `read`.
    pub fn with_override_file(&self, path: &Path) -> Result<Catalog> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        self.with_override_json(&text, &path.display().to_string())
    }

    /// The row that has `name` as any of its names, ignoring case.
    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.exact
            .get(name)
            .or_else(|| self.index.get(&table::key(name)))
            .map(|&i| &self.rows[i])
    }

    /// Like [`Catalog::get`], but a name not in the catalog is [`Error::UnknownAttribute`].
    pub fn lookup(&self, name: &str) -> Result<&Attribute> {
        self.get(name).ok_or_else(|| Error::UnknownAttribute {
            name: name.to_owned(),
        })
    }

    /// The row whose name of one kind (chosen by `field`) is `name`, ignoring case.
    fn by_field(
        &self,
        name: &str,
        field: impl Fn(&Attribute) -> Option<&str>,
    ) -> Option<&Attribute> {
        let wanted = table::key(name);
        self.get(name)
            .filter(|row| field(row).is_some_and(|n| table::key(n) == wanted))
    }

    /// The row whose AD LDAP name is `name`, ignoring case.
    pub fn by_ldap_name(&self, name: &str) -> Option<&Attribute> {
        self.by_field(name, |row| row.ldap_name.as_deref())
    }

    /// The row whose Exchange Online property is `name`, ignoring case.
    pub fn by_exo_property(&self, name: &str) -> Option<&Attribute> {
        self.by_field(name, |row| row.exo_property.as_deref())
    }

    /// The row whose `Set-Mailbox` parameter is `name`, ignoring case; a leading dash, as in a
    /// script (`-CustomAttribute1`), is allowed.
    pub fn by_parameter(&self, name: &str) -> Option<&Attribute> {
        let name = name.strip_prefix('-').unwrap_or(name);
        self.by_field(name, |row| row.parameter.as_deref())
    }

    /// The row whose Microsoft Graph name is `name`, ignoring case.
    pub fn by_graph_name(&self, name: &str) -> Option<&Attribute> {
        self.by_field(name, |row| row.graph_name.as_deref())
    }

    /// The rows, in table order.
    pub fn iter(&self) -> std::slice::Iter<'_, Attribute> {
        self.rows.iter()
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the catalog has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The `version` of the table document the catalog was read from, if it had one (overrides
    /// keep the base table's version).
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The rows that Entra Cloud Sync writes back to AD, in table order.
    pub fn writeback_attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.rows.iter().filter(|row| row.writeback)
    }

    /// The rows as a pretty-printed JSON array, one object per [`Attribute`] with every key
    /// present (`null` where a row has no value). [`Catalog::from_json`] reads it back.
    ///
    /// # Panics
    ///
    /// Never: an attribute holds only strings, booleans and enums, which always serialize.
    pub fn to_json_pretty(&self) -> String {
        let views: Vec<AttributeView<'_>> = self.rows.iter().map(Attribute::view).collect();
        serde_json::to_string_pretty(&views).expect("attributes always serialize to JSON")
    }
}

impl<'a> IntoIterator for &'a Catalog {
    type Item = &'a Attribute;
    type IntoIter = std::slice::Iter<'a, Attribute>;

    fn into_iter(self) -> Self::IntoIter {
        self.rows.iter()
    }
}

#[cfg(test)]
mod tests;
