//! The compact in-memory form of the cloud side: one byte arena holding, per mailbox, the
//! strings the join and the naming need and the values of the properties the diff compares,
//! plus hash tables of the join keys whose keys live in arenas too. A million mailboxes take a
//! few hundred bytes each instead of a typed `Mailbox` and a map of every property.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Utc};

use crate::model::AttributeValue;

/// A fast non-cryptographic hasher for keys we hash ourselves (the tables hold `u64` hashes).
#[derive(Default, Clone, Copy)]
pub(crate) struct PassHasher(u64);

impl Hasher for PassHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(bytes);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type PassMap<V> = HashMap<u64, V, BuildHasherDefault<PassHasher>>;

/// A 64-bit hash of `bytes`: foldhash's fast hash with a fixed seed (the same on every run,
/// so the tables behave the same from run to run; the keys come from the tenant's own exports).
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher as _;
    foldhash::fast::FixedState::with_seed(0x5eed_c0de).hash_one(bytes)
}

const NONE: u32 = u32::MAX;

/// An empty vector on the allocation of `items`, for items of another type (or the same type
/// with other lifetimes): a buffer reused from record to record although what it borrows does
/// not outlive the record. The allocation is kept when the two types have the same layout.
pub(crate) fn recycle<T, U>(mut items: Vec<T>) -> Vec<U> {
    items.clear();
    items.into_iter().filter_map(|_| None).collect()
}

/// A multimap from text keys to `u32` values, with the keys in one arena: duplicates are kept
/// (an ambiguous key has several values), and hash collisions are resolved by comparing keys.
#[derive(Debug, Default)]
pub(crate) struct KeyTable {
    text: Vec<u8>,
    /// Per entry: key start, key length, value, next entry of the same hash (or `NONE`), and
    /// the number of entries of the same key up to this one (so a key's count is known
    /// without walking its values: a key a million mailboxes share is counted at once).
    entries: Vec<(u64, u32, u32, u32, u32)>,
    heads: PassMap<u32>,
}

impl KeyTable {
    /// Adds `key` → `value`.
    pub(crate) fn insert(&mut self, key: &str, value: u32) {
        let h = hash_bytes(key.as_bytes());
        let start = self.text.len() as u64;
        self.text.extend_from_slice(key.as_bytes());
        let index = u32::try_from(self.entries.len()).unwrap_or(NONE);
        let next = self.heads.insert(h, index).unwrap_or(NONE);
        // The key's count so far is at its most recent entry: the chain's old head, unless
        // another key has the same hash (then further down). A new key costs no comparison.
        let count = if next == NONE {
            1
        } else {
            self.chain_from(next, key)
                .next()
                .map_or(1, |(_, count)| count.saturating_add(1))
        };
        self.entries.push((
            start,
            u32::try_from(key.len()).unwrap_or(0),
            value,
            next,
            count,
        ));
    }

    /// The number of values of `key`: found at its most recent entry, which is the first of
    /// its hash's chain unless another key has the same hash.
    pub(crate) fn count(&self, key: &str) -> usize {
        self.entries_of(key)
            .next()
            .map_or(0, |(_, count)| count as usize)
    }

    /// The entries of `key`, most recent first: each one's value and count.
    fn entries_of<'t>(&'t self, key: &'t str) -> impl Iterator<Item = (u32, u32)> + 't {
        let h = hash_bytes(key.as_bytes());
        self.chain_from(self.heads.get(&h).copied().unwrap_or(NONE), key)
    }

    /// The entries of `key` in the chain that starts at entry `at`.
    fn chain_from<'t>(
        &'t self,
        mut at: u32,
        key: &'t str,
    ) -> impl Iterator<Item = (u32, u32)> + 't {
        std::iter::from_fn(move || {
            while at != NONE {
                let (start, len, value, next, count) = *self.entries.get(at as usize)?;
                at = next;
                let start = usize::try_from(start).ok()?;
                if self.text.get(start..start + len as usize) == Some(key.as_bytes()) {
                    return Some((value, count));
                }
            }
            None
        })
    }

    /// The values of `key`, most recent first.
    pub(crate) fn get<'t>(&'t self, key: &'t str) -> impl Iterator<Item = u32> + 't {
        self.entries_of(key).map(|(value, _)| value)
    }
}

/// A GUID as the join compares it: trimmed, without braces, lower-case.
pub(crate) fn norm_guid(s: &str) -> Cow<'_, str> {
    let t = s.trim().trim_start_matches('{').trim_end_matches('}');
    if t.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(t.to_ascii_lowercase())
    } else {
        Cow::Borrowed(t)
    }
}

/// An address (UPN, SMTP address, name) as the join compares it: trimmed, lower-case.
pub(crate) fn norm_addr(s: &str) -> Cow<'_, str> {
    let t = s.trim();
    if t.is_ascii() {
        if t.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(t.to_ascii_lowercase())
        } else {
            Cow::Borrowed(t)
        }
    } else {
        Cow::Owned(t.to_lowercase())
    }
}

/// The strings of a mailbox that the join, the naming and reference resolution use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Head {
    /// `ExchangeGuid`.
    ExchangeGuid = 0,
    /// `UserPrincipalName`.
    Upn,
    /// `PrimarySmtpAddress`.
    PrimarySmtp,
    /// `Identity`.
    Identity,
    /// `Name`.
    Name,
    /// `Alias`.
    Alias,
    /// `WindowsEmailAddress`.
    WindowsEmail,
    /// `ExternalDirectoryObjectId`.
    ExternalId,
    /// `Guid`.
    Guid,
    /// `DistinguishedName` (the cloud's own).
    Dn,
    /// Where the record was read, when it is not a record number of the cloud file.
    Origin,
}

/// The number of [`Head`] strings.
pub(crate) const HEADS: usize = 11;

/// The [`Head`] fields in order, with the Get-Mailbox property each comes from.
pub(crate) const HEAD_PROPERTIES: [(Head, &str); HEADS - 1] = [
    (Head::ExchangeGuid, "ExchangeGuid"),
    (Head::Upn, "UserPrincipalName"),
    (Head::PrimarySmtp, "PrimarySmtpAddress"),
    (Head::Identity, "Identity"),
    (Head::Name, "Name"),
    (Head::Alias, "Alias"),
    (Head::WindowsEmail, "WindowsEmailAddress"),
    (Head::ExternalId, "ExternalDirectoryObjectId"),
    (Head::Guid, "Guid"),
    (Head::Dn, "DistinguishedName"),
];

/// A value of a stored mailbox or of an AD entry, borrowed: what the diff compares.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    /// No value.
    Null,
    /// A Boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// One string.
    Str(&'a str),
    /// A list held as strings.
    Strs(&'a [String]),
    /// A list of parsed strings.
    Cows(&'a [Cow<'a, str>]),
    /// A list in the arena's encoding: the count, the items' lengths and their text.
    Packed(usize, &'a [u8], &'a str),
    /// A list in one cell of an AD export, joined with `;` or `|`: its items are the parts,
    /// trimmed, without the empty ones (as [`split_multi`](super::source) reads them).
    Joined(&'a str),
}

impl<'a> Val<'a> {
    /// The value of an [`AttributeValue`].
    pub(crate) fn of(v: &'a AttributeValue) -> Self {
        match v {
            AttributeValue::Null => Val::Null,
            AttributeValue::Bool(b) => Val::Bool(*b),
            AttributeValue::Integer(i) => Val::Int(*i),
            AttributeValue::String(s) => Val::Str(s),
            AttributeValue::List(l) => Val::Strs(l),
        }
    }

    /// Whether the value is text (one string or a list), whose items compare as text.
    pub(crate) fn is_text(self) -> bool {
        matches!(
            self,
            Val::Null
                | Val::Str(_)
                | Val::Strs(_)
                | Val::Cows(_)
                | Val::Packed(..)
                | Val::Joined(_)
        )
    }

    /// The first item as text, as [`first_text`](super::join::first_text) reads an
    /// [`AttributeValue`]: `None` when there is none or it is empty.
    pub(crate) fn first_text(self) -> Option<Cow<'a, str>> {
        let text = match self {
            Val::Null => None,
            Val::Bool(b) => Some(Cow::Borrowed(if b { "True" } else { "False" })),
            Val::Int(i) => Some(Cow::Owned(i.to_string())),
            _ => self.items().next().map(Cow::Borrowed),
        };
        text.filter(|s| !s.is_empty())
    }

    /// The items as [`AttributeValue::to_strings`] gives them (text values only).
    pub(crate) fn items(self) -> Items<'a> {
        match self {
            Val::Str(s) if !s.is_empty() => Items::One(Some(s)),
            Val::Strs(l) => Items::Slice(l.iter()),
            Val::Cows(l) => Items::Cows(l.iter()),
            Val::Packed(n, meta, text) => Items::Packed(n, Reader { meta, text }),
            Val::Joined(s) => Items::Joined(s.split(JOINERS)),
            _ => Items::One(None),
        }
    }

    /// The number of items (text values only).
    pub(crate) fn len(self) -> usize {
        match self {
            Val::Str(s) if !s.is_empty() => 1,
            Val::Strs(l) => l.len(),
            Val::Cows(l) => l.len(),
            Val::Packed(n, ..) => n,
            Val::Joined(_) => self.items().count(),
            _ => 0,
        }
    }

    /// The owned value.
    pub(crate) fn to_value(self) -> AttributeValue {
        match self {
            Val::Null => AttributeValue::Null,
            Val::Bool(b) => AttributeValue::Bool(b),
            Val::Int(i) => AttributeValue::Integer(i),
            Val::Str(s) => AttributeValue::String(s.to_owned()),
            Val::Strs(l) => AttributeValue::List(l.to_vec()),
            Val::Cows(..) | Val::Packed(..) | Val::Joined(_) => {
                AttributeValue::List(self.items().map(str::to_owned).collect())
            }
        }
    }
}

/// The items of a text [`Val`].
pub(crate) enum Items<'a> {
    One(Option<&'a str>),
    Slice(std::slice::Iter<'a, String>),
    Cows(std::slice::Iter<'a, Cow<'a, str>>),
    Packed(usize, Reader<'a>),
    Joined(std::str::Split<'a, [char; 2]>),
}

/// The separators of a multi-valued cell of an AD export.
pub(crate) const JOINERS: [char; 2] = [';', '|'];

impl<'a> Iterator for Items<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Items::One(one) => one.take(),
            Items::Slice(it) => it.next().map(String::as_str),
            Items::Cows(it) => it.next().map(AsRef::as_ref),
            Items::Packed(n, reader) => {
                if *n == 0 {
                    return None;
                }
                *n -= 1;
                Some(reader.str())
            }
            Items::Joined(parts) => parts.map(str::trim).find(|p| !p.is_empty()),
        }
    }
}

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = u8::try_from(n & 0x7f).unwrap_or_default();
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Where [`Store::push`] writes: the structure (tags, ids, lengths) and the text apart, so
/// that reading a string back needs no UTF-8 validation.
struct Writer<'s> {
    meta: &'s mut Vec<u8>,
    text: &'s mut String,
}

impl Writer<'_> {
    fn len(&mut self, n: usize) {
        put_len(self.meta, n);
    }

    fn str(&mut self, s: &str) {
        put_len(self.meta, s.len());
        self.text.push_str(s);
    }

    fn val(&mut self, v: &Val<'_>) {
        match *v {
            Val::Null => self.meta.push(0),
            Val::Bool(false) => self.meta.push(1),
            Val::Bool(true) => self.meta.push(2),
            Val::Int(i) => {
                self.meta.push(3);
                self.meta.extend_from_slice(&i.to_le_bytes());
            }
            Val::Str(s) => {
                self.meta.push(4);
                self.str(s);
            }
            Val::Strs(_) | Val::Cows(_) | Val::Packed(..) | Val::Joined(_) => {
                self.meta.push(5);
                self.len(v.len());
                for item in v.items() {
                    self.str(item);
                }
            }
        }
    }
}

/// Reads what [`Writer`] wrote. Only [`Store::push`] writes the arenas, so every read is of
/// well-formed data; a short read gives empty values rather than a panic.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    meta: &'a [u8],
    text: &'a str,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> u8 {
        match self.meta.split_first() {
            Some((b, rest)) => {
                self.meta = rest;
                *b
            }
            None => 0,
        }
    }

    fn len(&mut self) -> usize {
        let (mut n, mut shift) = (0usize, 0u32);
        loop {
            let b = self.byte();
            n |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 || shift > 56 {
                return n;
            }
            shift += 7;
        }
    }

    fn str(&mut self) -> &'a str {
        let n = self.len();
        let Some((head, rest)) = self.text.split_at_checked(n) else {
            self.text = "";
            return "";
        };
        self.text = rest;
        head
    }

    fn val(&mut self) -> Val<'a> {
        match self.byte() {
            1 => Val::Bool(false),
            2 => Val::Bool(true),
            3 => {
                let mut w = [0u8; 8];
                let n = self.meta.len().min(8);
                w[..n].copy_from_slice(&self.meta[..n]);
                self.meta = &self.meta[n..];
                Val::Int(i64::from_le_bytes(w))
            }
            4 => Val::Str(self.str()),
            5 => {
                let n = self.len();
                let (meta, text) = (self.meta, self.text);
                let mut text_len = 0;
                for _ in 0..n {
                    text_len += self.len();
                }
                let meta = &meta[..meta.len() - self.meta.len()];
                let text = text.get(..text_len).unwrap_or_default();
                self.text = self.text.get(text_len..).unwrap_or_default();
                Val::Packed(n, meta, text)
            }
            _ => Val::Null,
        }
    }
}

/// The state and times of a stored mailbox, outside the arena.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record {
    /// Where the mailbox starts in the structure and in the text arena.
    start: u64,
    text_start: u64,
    /// The record number in the cloud file (0 when the origin is a [`Head::Origin`] text).
    pub(crate) number: u32,
    /// The line of the record in the cloud file.
    pub(crate) line: u32,
    /// `IsDirSynced`.
    pub(crate) dir_synced: bool,
    /// `IsExchangeCloudManaged`.
    pub(crate) cloud_managed: bool,
    /// `WhenChangedUTC`, else `WhenChanged`.
    pub(crate) changed: Option<DateTime<Utc>>,
}

/// The stored mailboxes.
#[derive(Debug, Default)]
pub(crate) struct Store {
    meta: Vec<u8>,
    text: String,
    records: Vec<Record>,
}

/// One stored mailbox, decoded.
pub(crate) struct Stored<'a> {
    /// State and times.
    pub(crate) record: Record,
    heads: [Option<&'a str>; HEADS],
    values: Reader<'a>,
    count: usize,
}

impl<'a> Stored<'a> {
    /// A head string.
    pub(crate) fn head(&self, h: Head) -> Option<&'a str> {
        self.heads[h as usize]
    }

    /// The stored properties: `(property id, value)`, in increasing id.
    pub(crate) fn values(&self) -> impl Iterator<Item = (usize, Val<'a>)> + 'a {
        let mut r = self.values;
        let mut left = self.count;
        std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            left -= 1;
            let id = r.len();
            Some((id, r.val()))
        })
    }
}

impl Store {
    /// The number of mailboxes.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// Stores a mailbox: its head strings (empty for a head it does not have), its state and
    /// its values by property id.
    pub(crate) fn push(
        &mut self,
        heads: &[&str; HEADS],
        mut record: Record,
        values: &mut [(usize, Val<'_>)],
    ) -> usize {
        record.start = self.meta.len() as u64;
        record.text_start = self.text.len() as u64;
        let mut w = Writer {
            meta: &mut self.meta,
            text: &mut self.text,
        };
        for h in heads {
            w.str(h);
        }
        // Sorted by id, the last of equal ids kept (a later duplicate key wins). Records of one
        // export list their keys in one order, often the ids' own.
        if !values.is_sorted_by_key(|(id, _)| *id) {
            values.sort_by_key(|(id, _)| *id);
        }
        let count = values
            .iter()
            .enumerate()
            .filter(|(k, (id, _))| values.get(k + 1).is_none_or(|(next, _)| next != id))
            .count();
        w.len(count);
        for (k, (id, v)) in values.iter().enumerate() {
            if values.get(k + 1).is_some_and(|(next, _)| next == id) {
                continue;
            }
            w.len(*id);
            w.val(v);
        }
        self.records.push(record);
        self.records.len() - 1
    }

    /// Copies the mailboxes of `other` to the end of this store.
    pub(crate) fn append(&mut self, other: &Store) {
        let (meta, text) = (self.meta.len() as u64, self.text.len() as u64);
        self.meta.extend_from_slice(&other.meta);
        self.text.push_str(&other.text);
        self.records.extend(other.records.iter().map(|r| {
            let mut r = *r;
            r.start += meta;
            r.text_start += text;
            r
        }));
    }

    /// Empties the store, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.meta.clear();
        self.text.clear();
        self.records.clear();
    }

    /// A stored mailbox.
    pub(crate) fn get(&self, i: usize) -> Option<Stored<'_>> {
        let record = *self.records.get(i)?;
        let start = usize::try_from(record.start).ok()?;
        let text_start = usize::try_from(record.text_start).ok()?;
        let mut r = Reader {
            meta: self.meta.get(start..)?,
            text: self.text.get(text_start..)?,
        };
        let mut heads = [None; HEADS];
        for h in &mut heads {
            let s = r.str();
            *h = (!s.is_empty()).then_some(s);
        }
        let count = r.len();
        Some(Stored {
            record,
            heads,
            values: r,
            count,
        })
    }
}

impl Record {
    /// A record of a mailbox read from a cloud file at `record`/`line`.
    pub(crate) fn new(
        record: u64,
        line: u64,
        dir_synced: bool,
        cloud_managed: bool,
        changed: Option<DateTime<Utc>>,
    ) -> Self {
        Record {
            start: 0,
            text_start: 0,
            number: u32::try_from(record).unwrap_or(u32::MAX),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            dir_synced,
            cloud_managed,
            changed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_table_counts_each_key_at_once() {
        let mut table = KeyTable::default();
        for (i, key) in ["a", "b", "a", "c", "a", "b"].into_iter().enumerate() {
            table.insert(key, u32::try_from(i).unwrap_or(NONE));
        }
        assert_eq!(table.count("a"), 3);
        assert_eq!(table.count("b"), 2);
        assert_eq!(table.count("c"), 1);
        assert_eq!(table.count("zz"), 0);
        assert_eq!(table.get("a").collect::<Vec<_>>(), [4, 2, 0]);
        assert_eq!(table.get("b").collect::<Vec<_>>(), [5, 1]);
    }
}
