//! Pairing AD accounts with mailboxes: on ExchangeGuid ↔ msExchMailboxGuid, then the user
//! principal name, then the primary SMTP address.
//!
//! The cloud side is held in a [`CloudIndex`]: a compact store of only what the join and the
//! diff need (the join keys, the names, the state, and the values of the compared properties,
//! all in one byte arena), with the three join keys in hash tables whose keys live in arenas
//! too. GUIDs are compared without braces and case; addresses and UPNs without case.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::account::{Account, Slots};
use super::source::{AdEntry, CloudEntry};
use super::store::{HEADS, Head, KeyTable, Record, Store, Stored, Val, norm_addr, norm_guid};
use crate::model::{AttributeValue, Mailbox};

/// Which key paired an AD account with a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinKey {
    /// `ExchangeGuid` = `msExchMailboxGuid`.
    ExchangeGuid,
    /// `UserPrincipalName` = `userPrincipalName`.
    UserPrincipalName,
    /// `PrimarySmtpAddress` = the AD primary address (`mail`, or the `SMTP:` proxy address).
    PrimarySmtpAddress,
}

impl JoinKey {
    /// The serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinKey::ExchangeGuid => "exchange_guid",
            JoinKey::UserPrincipalName => "user_principal_name",
            JoinKey::PrimarySmtpAddress => "primary_smtp_address",
        }
    }
}

/// The outcome of looking up one AD account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinOutcome {
    /// Exactly one mailbox, found by `key`; its position in the index.
    Matched(usize, JoinKey),
    /// Several mailboxes carry the first key that matched anything: the key, the positions
    /// of the last [`MAX_CANDIDATES`] of them (in the index's order), and how many there are.
    Ambiguous(JoinKey, Vec<usize>, usize),
    /// No mailbox.
    Unmatched,
}

/// The most candidates an ambiguous match lists: a key that thousands of mailboxes share
/// (a placeholder address, say) would otherwise list them all for every account that has it,
/// a report quadratic in size.
pub const MAX_CANDIDATES: usize = 20;

/// The cloud side, indexed by the three keys. The AD side is streamed past it.
#[derive(Debug, Default)]
pub struct CloudIndex {
    pub(crate) store: Store,
    /// Lower-cased property names by id, and the ids by name.
    props: Vec<String>,
    prop_ids: HashMap<String, usize>,
    by_guid: KeyTable,
    by_upn: KeyTable,
    by_smtp: KeyTable,
    /// The cloud file's name, for the origins of the records read from it.
    pub(crate) file: String,
}

/// The heads a typed mailbox gives (all but the DN and the origin, which come from elsewhere).
pub(crate) fn mailbox_heads(m: &Mailbox) -> [(Head, Option<&str>); 9] {
    [
        (Head::ExchangeGuid, m.exchange_guid.as_deref()),
        (Head::Upn, m.user_principal_name.as_deref()),
        (Head::PrimarySmtp, m.primary_smtp_address.as_deref()),
        (Head::Identity, m.identity.as_deref()),
        (Head::Name, m.name.as_deref()),
        (Head::Alias, m.alias.as_deref()),
        (Head::WindowsEmail, m.windows_email_address.as_deref()),
        (Head::ExternalId, m.external_directory_object_id.as_deref()),
        (Head::Guid, m.guid.as_deref()),
    ]
}

/// The first text of a value, as [`AttributeValue::to_strings`] gives it; `None` when empty.
pub(crate) fn first_text(value: &AttributeValue) -> Option<Cow<'_, str>> {
    let text = match value {
        AttributeValue::Null => None,
        AttributeValue::Bool(b) => Some(Cow::Borrowed(if *b { "True" } else { "False" })),
        AttributeValue::Integer(i) => Some(Cow::Owned(i.to_string())),
        AttributeValue::String(s) => Some(Cow::Borrowed(s.as_str())),
        AttributeValue::List(l) => l.first().map(|s| Cow::Borrowed(s.as_str())),
    };
    text.filter(|s| !s.is_empty())
}

impl CloudIndex {
    /// The id of a (lower-cased) property name, added when new.
    pub(crate) fn prop_id(&mut self, lower: &str) -> usize {
        if let Some(&id) = self.prop_ids.get(lower) {
            return id;
        }
        self.props.push(lower.to_owned());
        self.prop_ids.insert(lower.to_owned(), self.props.len() - 1);
        self.props.len() - 1
    }

    /// The id of a (lower-cased) property name, if any mailbox has it.
    pub(crate) fn find_prop(&self, lower: &str) -> Option<usize> {
        self.prop_ids.get(lower).copied()
    }

    /// The number of property ids.
    pub(crate) fn prop_count(&self) -> usize {
        self.props.len()
    }

    /// Adds a mailbox.
    #[allow(clippy::needless_pass_by_value)] // the signature the front ends know
    pub fn push(&mut self, entry: CloudEntry) {
        let m = &entry.mailbox;
        let mut heads: [&str; HEADS] = [""; HEADS];
        for (h, v) in mailbox_heads(m) {
            heads[h as usize] = v.unwrap_or_default();
        }
        let dn = entry
            .properties
            .get("distinguishedname")
            .and_then(first_text)
            .map(Cow::into_owned);
        heads[Head::Dn as usize] = dn.as_deref().unwrap_or_default();
        heads[Head::Origin as usize] = entry.origin.as_str();
        let mut values: Vec<(usize, Val<'_>)> = Vec::with_capacity(entry.properties.len());
        let ids: Vec<usize> = entry.properties.keys().map(|k| self.prop_id(k)).collect();
        for (id, value) in ids.into_iter().zip(entry.properties.values()) {
            values.push((id, Val::of(value)));
        }
        let record = Record::new(
            0,
            0,
            m.is_dir_synced,
            m.is_exchange_cloud_managed,
            m.last_changed_utc(),
        );
        self.push_stored(&heads, record, &mut values);
    }

    /// Adds a mailbox given by its parts (a head it does not have is empty).
    pub(crate) fn push_stored(
        &mut self,
        heads: &[&str; HEADS],
        record: Record,
        values: &mut [(usize, Val<'_>)],
    ) {
        let i = self.store.push(heads, record, values);
        self.index_keys(i);
    }

    /// Adds the mailboxes of a store built elsewhere (with this index's property ids).
    pub(crate) fn append_from(&mut self, store: &mut Store) {
        let first = self.store.len();
        self.store.append(store);
        for i in first..self.store.len() {
            self.index_keys(i);
        }
    }

    /// Adds mailbox `i` to the key tables.
    fn index_keys(&mut self, i: usize) {
        let Some(m) = self.store.get(i) else { return };
        let heads = [
            m.head(Head::ExchangeGuid),
            m.head(Head::Upn),
            m.head(Head::PrimarySmtp),
        ];
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        if let Some(g) = heads[0].filter(|g| !g.trim().is_empty()) {
            self.by_guid.insert(&norm_guid(g), i);
        }
        if let Some(u) = heads[1].filter(|u| !u.trim().is_empty()) {
            self.by_upn.insert(&norm_addr(u), i);
        }
        if let Some(p) = heads[2].filter(|p| !p.trim().is_empty()) {
            self.by_smtp.insert(&norm_addr(p), i);
        }
    }

    /// The number of mailboxes.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether there are no mailboxes.
    pub fn is_empty(&self) -> bool {
        self.store.len() == 0
    }

    /// A stored mailbox.
    pub(crate) fn get(&self, i: usize) -> Option<Stored<'_>> {
        self.store.get(i)
    }

    /// Where mailbox `i` was read.
    pub(crate) fn origin(&self, i: usize) -> String {
        match self.get(i) {
            Some(s) => match s.head(Head::Origin) {
                Some(o) => o.to_owned(),
                None => format!(
                    "{} record {} (line {})",
                    self.file, s.record.number, s.record.line
                ),
            },
            None => String::new(),
        }
    }

    /// Looks up an AD account: the first key the account has that finds any mailbox decides.
    pub fn find(&self, ad: &AdEntry) -> JoinOutcome {
        let slots = Slots::new([]);
        self.find_account(&Account::of_entry(ad, &slots, Vec::new()), &slots)
    }

    /// Looks up an AD account read with `slots` (see [`find`](Self::find)).
    pub(crate) fn find_account(&self, ad: &Account<'_>, slots: &Slots) -> JoinOutcome {
        let guid = ad.mailbox_guid(slots);
        let upn = ad.upn(slots);
        let smtp = ad.primary_smtp(slots);
        let keys = [
            (
                JoinKey::ExchangeGuid,
                guid.as_deref().map(norm_guid),
                &self.by_guid,
            ),
            (
                JoinKey::UserPrincipalName,
                upn.as_deref().map(norm_addr),
                &self.by_upn,
            ),
            (
                JoinKey::PrimarySmtpAddress,
                smtp.as_deref().map(norm_addr),
                &self.by_smtp,
            ),
        ];
        for (key, value, table) in keys {
            let Some(value) = value else { continue };
            let mut found = table.get(&value);
            match (found.next(), found.next()) {
                (Some(one), None) => return JoinOutcome::Matched(one as usize, key),
                (Some(a), Some(b)) => {
                    // The most recent first: the last ones, each found at once.
                    let mut listed: Vec<usize> = [a, b]
                        .into_iter()
                        .chain(found)
                        .take(MAX_CANDIDATES)
                        .map(|i| i as usize)
                        .collect();
                    listed.reverse();
                    return JoinOutcome::Ambiguous(key, listed, table.count(&value));
                }
                _ => {}
            }
        }
        JoinOutcome::Unmatched
    }
}
