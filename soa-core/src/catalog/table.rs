//! Reading a catalog table, applying an override file, and checking the result.
//!
//! Every row is deserialized on its own from a [`serde_json::Value`] so that an error can name
//! the row (its 1-based position in the document and, where it has one, its name).

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::attribute::{Attribute, AttributeClass, ValueKind, WritebackPhase};
use crate::{Error, Result};

/// A table checked and indexed: what a [`Catalog`](super::Catalog) is built from.
#[derive(Debug)]
pub(super) struct Table {
    /// The rows, in document order (templates expanded).
    pub(super) rows: Vec<Attribute>,
    /// Lower-cased name to row position, for every name of every row.
    pub(super) index: HashMap<String, usize>,
    /// The document's `version`, if it had one.
    pub(super) version: Option<String>,
}

/// The lower-cased form of a name, the key of the index.
pub(super) fn key(name: &str) -> String {
    name.to_lowercase()
}

fn invalid(origin: &str, reason: String) -> Error {
    Error::InvalidCatalog {
        origin: origin.to_owned(),
        reason,
    }
}

/// Parses JSON text, mapping a syntax error to [`Error::Json`] naming `origin`.
fn parse_value(text: &str, origin: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::json(origin, e))
}

/// `row 3 ("CustomAttribute1")`, or `row 3` when the raw row shows no name.
fn raw_row_label(number: usize, raw: &Value) -> String {
    let name = ["exo_property", "ldap_name", "parameter", "graph_name"]
        .iter()
        .find_map(|field| raw.get(field).and_then(Value::as_str));
    match name {
        Some(name) => format!("row {number} ({name:?})"),
        None => format!("row {number}"),
    }
}

fn row_label(number: usize, attribute: &Attribute) -> String {
    format!("row {number} ({:?})", attribute.name())
}

// ---------------------------------------------------------------------------------------------
// Whole tables
// ---------------------------------------------------------------------------------------------

/// A whole table: the built-in `attributes.json`, or a user's replacement for it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableDoc {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    #[expect(dead_code, reason = "documentation for people reading the file")]
    description: Option<String>,
    /// Legend of the source keys; when present, every row's sources must be keys of it.
    #[serde(default)]
    source_keys: BTreeMap<String, String>,
    attributes: Vec<Value>,
}

/// One row of a table document: an [`Attribute`], or a template for several when `range` is
/// given (every `{n}` in the names and the note is replaced by each number of the range).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowDoc {
    /// The canonical name that `Catalog::to_json_pretty` writes first; derived from the
    /// names below, so a value read here is ignored.
    #[serde(default, rename = "name")]
    #[expect(
        dead_code,
        reason = "derived; accepted so that the JSON output reads back"
    )]
    canonical_name: Option<String>,
    #[serde(default)]
    range: Option<[u32; 2]>,
    #[serde(default)]
    ldap_name: Option<String>,
    #[serde(default)]
    exo_property: Option<String>,
    #[serde(default)]
    parameter: Option<String>,
    #[serde(default)]
    graph_name: Option<String>,
    value_kind: ValueKind,
    class: AttributeClass,
    #[serde(default)]
    writeback: bool,
    #[serde(default)]
    writeback_since: Option<WritebackPhase>,
    #[serde(default)]
    confirmed: bool,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    note: Option<String>,
}

/// The most rows one template may produce: a guard against `[1, 4000000000]`.
const MAX_RANGE: u32 = 1000;

const PLACEHOLDER: &str = "{n}";

impl RowDoc {
    fn names(&self) -> [&Option<String>; 4] {
        [
            &self.ldap_name,
            &self.exo_property,
            &self.parameter,
            &self.graph_name,
        ]
    }

    fn attribute(&self, n: Option<u32>) -> Attribute {
        let fill = |text: &Option<String>| match n {
            Some(n) => text
                .as_ref()
                .map(|t| t.replace(PLACEHOLDER, &n.to_string())),
            None => text.clone(),
        };
        Attribute {
            ldap_name: fill(&self.ldap_name),
            exo_property: fill(&self.exo_property),
            parameter: fill(&self.parameter),
            graph_name: fill(&self.graph_name),
            value_kind: self.value_kind,
            class: self.class,
            writeback: self.writeback,
            writeback_since: self.writeback_since,
            confirmed: self.confirmed,
            sources: self.sources.clone(),
            note: fill(&self.note),
        }
    }

    /// The rows this document row stands for.
    fn expand(&self, label: &str) -> std::result::Result<Vec<Attribute>, String> {
        let templated = self
            .names()
            .iter()
            .any(|name| name.as_deref().is_some_and(|n| n.contains(PLACEHOLDER)));
        match self.range {
            None if templated => Err(format!(
                "{label}: a name contains {PLACEHOLDER} but the row has no \"range\""
            )),
            None => Ok(vec![self.attribute(None)]),
            Some(_) if !templated => Err(format!(
                "{label}: the row has a \"range\" but no name contains {PLACEHOLDER}"
            )),
            Some([first, last]) if first > last || last - first >= MAX_RANGE => Err(format!(
                "{label}: range [{first}, {last}] must go upwards and cover at most {MAX_RANGE} numbers"
            )),
            Some([first, last]) => Ok((first..=last).map(|n| self.attribute(Some(n))).collect()),
        }
    }
}

/// Reads a whole table: an object `{"version", "description", "source_keys", "attributes"}` or
/// a bare array of rows (the shape [`Catalog::to_json_pretty`](super::Catalog::to_json_pretty)
/// writes).
pub(super) fn parse_table(text: &str, origin: &str) -> Result<Table> {
    let doc = match parse_value(text, origin)? {
        Value::Array(attributes) => TableDoc {
            version: None,
            description: None,
            source_keys: BTreeMap::new(),
            attributes,
        },
        other => serde_json::from_value(other).map_err(|e| {
            invalid(
                origin,
                format!("the document must be an array of attributes or an object with an \"attributes\" array: {e}"),
            )
        })?,
    };

    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for (i, raw) in doc.attributes.into_iter().enumerate() {
        let number = i + 1;
        let label = raw_row_label(number, &raw);
        let row: RowDoc =
            serde_json::from_value(raw).map_err(|e| invalid(origin, format!("{label}: {e}")))?;
        if !doc.source_keys.is_empty()
            && let Some(unknown) = row
                .sources
                .iter()
                .find(|s| !doc.source_keys.contains_key(s.as_str()))
        {
            return Err(invalid(
                origin,
                format!(
                    "{label}: unknown source key {unknown:?}; the table's source_keys are {}",
                    doc.source_keys
                        .keys()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        for attribute in row
            .expand(&label)
            .map_err(|reason| invalid(origin, reason))?
        {
            labels.push(row_label(number, &attribute));
            rows.push(attribute);
        }
    }

    let index = validate(&rows, &labels, origin)?;
    Ok(Table {
        rows,
        index,
        version: doc.version,
    })
}

// ---------------------------------------------------------------------------------------------
// Overrides
// ---------------------------------------------------------------------------------------------

/// An override file: `{"attributes": [ ... ]}`, with an optional `version` and `description`
/// for the people who maintain it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideDoc {
    #[serde(default)]
    #[expect(dead_code, reason = "documentation for people reading the file")]
    version: Option<String>,
    #[serde(default)]
    #[expect(dead_code, reason = "documentation for people reading the file")]
    description: Option<String>,
    attributes: Vec<Value>,
}

/// One row of an override file. A field that is absent leaves the existing row's value alone;
/// for the nullable fields, an explicit `null` clears it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeOverride {
    #[serde(default)]
    ldap_name: Nullable<String>,
    #[serde(default)]
    exo_property: Nullable<String>,
    #[serde(default)]
    parameter: Nullable<String>,
    #[serde(default)]
    graph_name: Nullable<String>,
    #[serde(default)]
    value_kind: Option<ValueKind>,
    #[serde(default)]
    class: Option<AttributeClass>,
    #[serde(default)]
    writeback: Option<bool>,
    #[serde(default)]
    writeback_since: Nullable<WritebackPhase>,
    #[serde(default)]
    confirmed: Option<bool>,
    #[serde(default)]
    sources: Option<Vec<String>>,
    #[serde(default)]
    note: Nullable<String>,
}

/// A nullable field of an override row: absent (keep the existing value), `null` (clear it) or
/// a value (replace it).
#[derive(Debug, Default)]
enum Nullable<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        // Only called when the field is present (`#[serde(default)]` covers absence).
        Option::<T>::deserialize(d).map(|value| value.map_or(Nullable::Null, Nullable::Value))
    }
}

impl<T> Nullable<T> {
    fn value(&self) -> Option<&T> {
        match self {
            Nullable::Value(value) => Some(value),
            Nullable::Absent | Nullable::Null => None,
        }
    }

    /// What a new row gets: the value, or nothing.
    fn into_option(self) -> Option<T> {
        match self {
            Nullable::Value(value) => Some(value),
            Nullable::Absent | Nullable::Null => None,
        }
    }

    /// Applies the field to an existing row's value.
    fn apply_to(self, target: &mut Option<T>) {
        match self {
            Nullable::Absent => {}
            Nullable::Null => *target = None,
            Nullable::Value(value) => *target = Some(value),
        }
    }
}

/// Replaces `target` when the override gives the field.
fn patch<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

impl AttributeOverride {
    /// The names the row gives, with their fields.
    fn given_names(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("ldap_name", &self.ldap_name),
            ("exo_property", &self.exo_property),
            ("parameter", &self.parameter),
            ("graph_name", &self.graph_name),
        ]
        .into_iter()
        .filter_map(|(field, name)| name.value().map(|n| (field, n.as_str())))
    }

    fn apply_to(self, row: &mut Attribute) {
        self.ldap_name.apply_to(&mut row.ldap_name);
        self.exo_property.apply_to(&mut row.exo_property);
        self.parameter.apply_to(&mut row.parameter);
        self.graph_name.apply_to(&mut row.graph_name);
        patch(&mut row.value_kind, self.value_kind);
        patch(&mut row.class, self.class);
        patch(&mut row.writeback, self.writeback);
        self.writeback_since.apply_to(&mut row.writeback_since);
        patch(&mut row.confirmed, self.confirmed);
        patch(&mut row.sources, self.sources);
        self.note.apply_to(&mut row.note);
    }

    /// A new row, which must say at least what kind of value it holds and who masters it.
    fn into_new_row(self, label: &str) -> std::result::Result<Attribute, String> {
        let missing: Vec<&str> = [
            ("value_kind", self.value_kind.is_none()),
            ("class", self.class.is_none()),
        ]
        .into_iter()
        .filter_map(|(field, missing)| missing.then_some(field))
        .collect();
        let (Some(value_kind), Some(class)) = (self.value_kind, self.class) else {
            return Err(format!(
                "{label}: matches no attribute of the catalog, so it adds one, and a new attribute needs {}",
                missing.join(" and ")
            ));
        };
        Ok(Attribute {
            ldap_name: self.ldap_name.into_option(),
            exo_property: self.exo_property.into_option(),
            parameter: self.parameter.into_option(),
            graph_name: self.graph_name.into_option(),
            value_kind,
            class,
            writeback: self.writeback.unwrap_or(false),
            writeback_since: self.writeback_since.into_option(),
            confirmed: self.confirmed.unwrap_or(false),
            sources: self.sources.unwrap_or_default(),
            note: self.note.into_option(),
        })
    }
}

/// Applies an override document to `base` (rows and index of a valid catalog).
///
/// Each override row is matched by its names against `base` (not against rows added earlier in
/// the same file): no match adds a row, one match patches that row, two different matches are
/// an error. The result is then checked as a whole.
pub(super) fn apply_overrides(
    base_rows: &[Attribute],
    base_index: &HashMap<String, usize>,
    version: Option<&str>,
    text: &str,
    origin: &str,
) -> Result<Table> {
    let doc: OverrideDoc = serde_json::from_value(parse_value(text, origin)?).map_err(|e| {
        invalid(
            origin,
            format!("an override file must be an object with an \"attributes\" array: {e}"),
        )
    })?;

    let mut rows = base_rows.to_vec();
    let mut labels: Vec<String> = base_rows
        .iter()
        .map(|a| format!("{:?} (not overridden)", a.name()))
        .collect();

    for (i, raw) in doc.attributes.into_iter().enumerate() {
        let number = i + 1;
        let label = raw_row_label(number, &raw);
        let row: AttributeOverride =
            serde_json::from_value(raw).map_err(|e| invalid(origin, format!("{label}: {e}")))?;

        let mut matches: Vec<(usize, &'static str, String)> = Vec::new();
        for (field, name) in row.given_names() {
            if let Some(&position) = base_index.get(&key(name))
                && matches.iter().all(|(p, _, _)| *p != position)
            {
                matches.push((position, field, name.to_owned()));
            }
        }
        match matches.as_slice() {
            [] => {
                if row.given_names().next().is_none() {
                    return Err(invalid(
                        origin,
                        format!(
                            "{label}: gives no name; an override row needs an ldap_name, exo_property, parameter or graph_name to match an attribute or to add one"
                        ),
                    ));
                }
                let attribute = row.into_new_row(&label).map_err(|r| invalid(origin, r))?;
                labels.push(row_label(number, &attribute));
                rows.push(attribute);
            }
            [(position, _, _)] => {
                let position = *position;
                row.apply_to(&mut rows[position]);
                labels[position] = row_label(number, &rows[position]);
            }
            [
                (first, first_field, first_name),
                (second, second_field, second_name),
                ..,
            ] => {
                return Err(invalid(
                    origin,
                    format!(
                        "{label}: its names match two different attributes: {first_field} {first_name:?} is {:?} and {second_field} {second_name:?} is {:?}",
                        base_rows[*first].name(),
                        base_rows[*second].name(),
                    ),
                ));
            }
        }
    }

    let index = validate(&rows, &labels, origin)?;
    Ok(Table {
        rows,
        index,
        version: version.map(str::to_owned),
    })
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// Checks the rows of a whole table and returns the index of their names.
///
/// `labels[i]` names row `i` in messages (`row 3 ("Foo")`).
fn validate(rows: &[Attribute], labels: &[String], origin: &str) -> Result<HashMap<String, usize>> {
    let mut index: HashMap<String, (usize, &'static str)> = HashMap::new();
    for (position, (row, label)) in rows.iter().zip(labels).enumerate() {
        check_row(row, label).map_err(|reason| invalid(origin, reason))?;
        for (field, name) in row.named_fields() {
            match index.entry(key(name)) {
                Entry::Vacant(slot) => {
                    slot.insert((position, field));
                }
                Entry::Occupied(slot) => {
                    let (other, other_field) = *slot.get();
                    if other == position {
                        continue;
                    }
                    let other_label = &labels[other];
                    let reason = if field == "parameter" && other_field == "parameter" {
                        format!(
                            "the Set-Mailbox parameter {name:?} is claimed by two rows: {other_label} and {label}"
                        )
                    } else {
                        format!(
                            "the name {name:?} belongs to two rows: {other_label} (as {other_field}) and {label} (as {field}); a name may belong to one row only"
                        )
                    };
                    return Err(invalid(origin, reason));
                }
            }
        }
    }
    Ok(index
        .into_iter()
        .map(|(name, (position, _))| (name, position))
        .collect())
}

/// Checks a name against the grammar of its field, because names reach generated commands
/// (`-{parameter}`), LDIF (`{ldap_name}:`) and Graph requests as they are: returns the grammar it
/// breaks, or `None` when it is well formed.
///
/// - `ldap_name`: an LDAP attribute description (RFC 4512 `descr`): a letter, then letters,
///   digits and hyphens.
/// - `exo_property` and `parameter`: a PowerShell parameter or .NET property name: a letter,
///   then letters, digits and underscores.
/// - `graph_name`: Graph property names of that same form, joined with dots
///   (`onPremisesExtensionAttributes.extensionAttribute1`).
pub(crate) fn name_grammar(field: &str, name: &str) -> Option<&'static str> {
    fn word(s: &str, extra: char) -> bool {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == extra)
    }
    match field {
        "ldap_name" => (!word(name, '-'))
            .then_some("an LDAP attribute name (a letter, then letters, digits and hyphens)"),
        "graph_name" => (!name.split('.').all(|part| word(part, '_'))).then_some(
            "a Graph property path (names of letters, digits and underscores, joined with dots)",
        ),
        _ => (!word(name, '_')).then_some(
            "a PowerShell parameter or property name (a letter, then letters, digits and underscores)",
        ),
    }
}

/// The checks that concern one row alone.
fn check_row(row: &Attribute, label: &str) -> std::result::Result<(), String> {
    if row.names().next().is_none() {
        return Err(format!(
            "{label}: has no name; give at least one of ldap_name, exo_property, parameter or graph_name"
        ));
    }
    for (field, name) in row.named_fields() {
        if name.trim().is_empty() {
            return Err(format!("{label}: {field} is empty"));
        }
        if name.trim() != name {
            return Err(format!(
                "{label}: {field} {name:?} has spaces around the name"
            ));
        }
        if let Some(grammar) = name_grammar(field, name) {
            return Err(format!("{label}: {field} {name:?} is not {grammar}"));
        }
    }
    match (row.writeback, row.writeback_since, row.class) {
        (true, _, AttributeClass::Identity | AttributeClass::CloudOnly) => Err(format!(
            "{label}: writeback is true but the class is {}; only exchange attributes are written back",
            row.class
        )),
        (true, None, AttributeClass::Exchange) => Err(format!(
            "{label}: writeback is true but writeback_since is missing (give \"preview\" or \"ga\")"
        )),
        (false, Some(phase), _) => Err(format!(
            "{label}: writeback_since is \"{phase}\" but writeback is false; set writeback_since to null"
        )),
        _ => Ok(()),
    }
}
