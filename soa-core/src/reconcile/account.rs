//! One AD account as the join and the diff read it, whichever export it came from: its names,
//! its `whenChanged`, and a borrowed value per attribute the reconciliation uses.
//!
//! An [`AdEntry`] owns its values in a map; a row of a CSV export is read straight from the
//! CSV record, without building one. Either way the join and the diff see an [`Account`]
//! whose values sit in slots numbered once per reconciliation ([`Slots`]), so no attribute is
//! looked up by name per record.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};

use super::source::{AdEntry, Field, parse_ad_time};
use super::store::{Val, recycle};

/// `msExchMailboxGuid`: the first join key.
const MAILBOX_GUID: &str = "msExchMailboxGuid";
/// `userPrincipalName`: the second join key.
const UPN: &str = "userPrincipalName";
/// `proxyAddresses`: the primary address (`SMTP:`) is the third join key.
const PROXY_ADDRESSES: &str = "proxyAddresses";
/// `mail`: the primary address when the proxy addresses have none.
const MAIL: &str = "mail";

/// The attributes a reconciliation reads from every AD account, numbered: the compared
/// columns' LDAP names, then the join keys' (each name once).
#[derive(Debug, Clone)]
pub(crate) struct Slots {
    names: Vec<String>,
    guid: usize,
    upn: usize,
    proxies: usize,
    mail: usize,
}

impl Slots {
    /// The slots of `compared` LDAP names (in order) and of the join keys.
    pub(crate) fn new<'n>(compared: impl IntoIterator<Item = &'n str>) -> Self {
        let mut names: Vec<String> = Vec::new();
        let mut add = |name: &str| {
            if let Some(slot) = names.iter().position(|n| n == name) {
                slot
            } else {
                names.push(name.to_owned());
                names.len() - 1
            }
        };
        for name in compared {
            add(name);
        }
        let (guid, upn, proxies, mail) =
            (add(MAILBOX_GUID), add(UPN), add(PROXY_ADDRESSES), add(MAIL));
        Slots {
            names,
            guid,
            upn,
            proxies,
            mail,
        }
    }

    /// The slot of an LDAP name (as the catalog spells it).
    pub(crate) fn of(&self, ldap: &str) -> Option<usize> {
        self.names.iter().position(|n| n == ldap)
    }

    /// The number of slots.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

/// Where an AD record was read, formatted only when a report needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin<'a> {
    /// As the source gave it (`users.ldf record 4`).
    Text(&'a str),
    /// A line of a file (`users.csv line 4`).
    Line(&'a str, u64),
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Text(text) => f.write_str(text),
            Origin::Line(file, line) => write!(f, "{file} line {line}"),
        }
    }
}

/// One AD account, borrowed from its record.
pub(crate) struct Account<'a> {
    /// Where it was read.
    pub(crate) origin: Origin<'a>,
    /// `distinguishedName`, when exported.
    pub(crate) distinguished_name: Option<&'a str>,
    /// `objectGUID`, when exported.
    pub(crate) object_guid: Option<&'a str>,
    /// `whenChanged`, when exported and readable.
    pub(crate) when_changed: Option<DateTime<Utc>>,
    /// By slot: the value (`Null` when empty, or missing from a complete read), or `None` when
    /// the export does not say.
    values: Vec<Option<Val<'a>>>,
}

impl<'a> Account<'a> {
    /// The account of an [`AdEntry`]. `values` is a buffer to reuse (see [`Account::recycle`]).
    pub(crate) fn of_entry(
        entry: &'a AdEntry,
        slots: &Slots,
        values: Vec<Option<Val<'_>>>,
    ) -> Self {
        let mut values = recycle(values);
        values.extend(
            slots
                .names
                .iter()
                .map(|name| match entry.attributes.get(name) {
                    Some(v) => Some(Val::of(v)),
                    None if entry.complete => Some(Val::Null),
                    None => None,
                }),
        );
        Account {
            origin: Origin::Text(&entry.origin),
            distinguished_name: entry.distinguished_name.as_deref(),
            object_guid: entry.object_guid.as_deref(),
            when_changed: entry.when_changed,
            values,
        }
    }

    /// The account of a row of a CSV export: `cells` are its cells, `layout` says what each
    /// column holds. An empty cell is an empty value; a multi-valued cell is split on `;` or
    /// `|` as it is read (as [`AdCsvReader`](super::source::AdCsvReader) does).
    pub(crate) fn of_row<'c>(
        origin: Origin<'a>,
        cells: impl Iterator<Item = &'a str>,
        layout: &RowLayout,
        values: Vec<Option<Val<'c>>>,
    ) -> Self {
        let mut values = recycle(values);
        values.resize(layout.slots, None);
        let mut account = Account {
            origin,
            distinguished_name: None,
            object_guid: None,
            when_changed: None,
            values,
        };
        for (column, cell) in layout.columns.iter().zip(cells) {
            let text = Some(cell).filter(|c| !c.is_empty());
            match *column {
                Column::Ignored => {}
                Column::Slot { slot, multi } => {
                    let value = match text {
                        None => Val::Null,
                        Some(t) if multi => Val::Joined(t),
                        Some(t) => Val::Str(t),
                    };
                    if let Some(v) = account.values.get_mut(slot) {
                        *v = Some(value);
                    }
                }
                Column::Dn => account.distinguished_name = text,
                Column::ObjectGuid => account.object_guid = text,
                Column::WhenChanged => account.when_changed = text.and_then(parse_ad_time),
            }
        }
        account
    }

    /// The value buffer, emptied, for the next account.
    pub(crate) fn recycle(self) -> Vec<Option<Val<'static>>> {
        recycle(self.values)
    }

    /// The value in `slot`: `None` when the export does not say.
    pub(crate) fn value(&self, slot: usize) -> Option<Val<'a>> {
        self.values.get(slot).copied().flatten()
    }

    /// A slot's text (its first item), when set.
    fn text(&self, slot: usize) -> Option<Cow<'a, str>> {
        self.value(slot).and_then(Val::first_text)
    }

    /// `msExchMailboxGuid`, when set.
    pub(crate) fn mailbox_guid(&self, slots: &Slots) -> Option<Cow<'a, str>> {
        self.text(slots.guid)
    }

    /// `userPrincipalName`, when set.
    pub(crate) fn upn(&self, slots: &Slots) -> Option<Cow<'a, str>> {
        self.text(slots.upn)
    }

    /// The primary SMTP address: the `SMTP:` proxy address, else `mail`.
    pub(crate) fn primary_smtp(&self, slots: &Slots) -> Option<Cow<'a, str>> {
        let from_proxies = self
            .value(slots.proxies)
            .filter(|v| v.is_text())
            .and_then(|v| v.items().find_map(|a| a.strip_prefix("SMTP:")))
            .map(Cow::Borrowed);
        from_proxies.or_else(|| self.text(slots.mail))
    }

    /// Whether the account looks mail-enabled (a mailbox GUID, `mail` or proxy addresses):
    /// only those are reported when no mailbox matches them.
    pub(crate) fn is_mail_enabled(&self, slots: &Slots) -> bool {
        self.mailbox_guid(slots).is_some() || self.primary_smtp(slots).is_some()
    }
}

/// What one column of a CSV export holds, by slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Ignored,
    Slot { slot: usize, multi: bool },
    Dn,
    ObjectGuid,
    WhenChanged,
}

/// The columns of a CSV export mapped to [`Slots`], worked out once per file.
#[derive(Debug, Clone)]
pub(crate) struct RowLayout {
    columns: Vec<Column>,
    slots: usize,
}

impl RowLayout {
    /// The layout of a file whose columns hold `fields`.
    pub(crate) fn new(fields: &[Field], slots: &Slots) -> Self {
        let columns = fields
            .iter()
            .map(|field| match field {
                Field::ObjectGuid => Column::ObjectGuid,
                Field::Dn => Column::Dn,
                Field::WhenChanged => Column::WhenChanged,
                Field::Attribute { ldap, multi } => match slots.of(ldap) {
                    Some(slot) => Column::Slot {
                        slot,
                        multi: *multi,
                    },
                    None => Column::Ignored,
                },
                Field::Ignored => Column::Ignored,
            })
            .collect();
        RowLayout {
            columns,
            slots: slots.len(),
        }
    }
}
