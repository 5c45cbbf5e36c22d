//! Reading a `Get-Mailbox | ConvertTo-Json` file straight into a [`CloudIndex`], without the
//! typed [`Mailbox`] and the map of every property that [`CloudJsonReader`] gives: each record
//! is parsed in place (strings borrowed from the record's bytes unless they hold escapes), only
//! the properties the join, the naming and the diff need are kept, and everything else is
//! skipped unparsed.
//!
//! The result is the one [`CloudJsonReader`] and [`CloudIndex::push`] give: the same values
//! (as [`AttributeValue::from_json`] reads them), the same state and times, the same errors.
//! A record whose state or time fields are in a rarer spelling (a `/Date(...)/` time, a
//! wrapped value) is read through the typed [`Mailbox`] for those fields.
//!
//! [`CloudJsonReader`]: super::source::CloudJsonReader
//! [`Mailbox`]: crate::model::Mailbox

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;
use std::sync::mpsc::TrySendError;

use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::join::{CloudIndex, mailbox_heads};
use super::progress::Meter;
use super::source::Elements;
use super::source::malformed;
use super::store::{
    HEAD_PROPERTIES, HEADS, Head, PassMap, Record, Store, Val, hash_bytes, recycle,
};
use crate::Result;
use crate::catalog::Catalog;
use crate::model::{AttributeValue, Mailbox, RecipientTypeDetails};

/// What a key of a record is for.
#[derive(Debug, Clone, Copy, Default)]
struct Role {
    /// The property id of a compared property.
    prop: Option<usize>,
    /// The typed field the key fills, when spelled exactly so.
    field: Option<(&'static str, Field)>,
    /// The typed field's number (for duplicates).
    bit: usize,
    /// The key is `DistinguishedName` (any case): the cloud's own DN, for references.
    dn: bool,
}

/// A field of the typed mailbox, and the shapes it accepts.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// A string kept as a [`Head`].
    Head(Head),
    /// `IsDirSynced`.
    DirSynced,
    /// `IsExchangeCloudManaged`.
    CloudManaged,
    /// `WhenChangedUTC`.
    WhenChangedUtc,
    /// `WhenChanged`.
    WhenChanged,
    /// Another optional string.
    Text,
    /// A list of strings.
    List,
    /// Another Boolean.
    Flag,
    /// Another time.
    Time,
    /// `RecipientTypeDetails`.
    Recipient,
}

/// The typed mailbox's fields that are not heads, as Get-Mailbox spells them.
const TYPED: [(&str, Field); 34] = [
    ("DisplayName", Field::Text),
    ("EmailAddresses", Field::List),
    ("RecipientTypeDetails", Field::Recipient),
    ("IsDirSynced", Field::DirSynced),
    ("IsExchangeCloudManaged", Field::CloudManaged),
    ("HiddenFromAddressListsEnabled", Field::Flag),
    ("CustomAttribute1", Field::Text),
    ("CustomAttribute2", Field::Text),
    ("CustomAttribute3", Field::Text),
    ("CustomAttribute4", Field::Text),
    ("CustomAttribute5", Field::Text),
    ("CustomAttribute6", Field::Text),
    ("CustomAttribute7", Field::Text),
    ("CustomAttribute8", Field::Text),
    ("CustomAttribute9", Field::Text),
    ("CustomAttribute10", Field::Text),
    ("CustomAttribute11", Field::Text),
    ("CustomAttribute12", Field::Text),
    ("CustomAttribute13", Field::Text),
    ("CustomAttribute14", Field::Text),
    ("CustomAttribute15", Field::Text),
    ("ExtensionCustomAttribute1", Field::List),
    ("ExtensionCustomAttribute2", Field::List),
    ("ExtensionCustomAttribute3", Field::List),
    ("ExtensionCustomAttribute4", Field::List),
    ("ExtensionCustomAttribute5", Field::List),
    ("ForwardingAddress", Field::Text),
    ("ForwardingSmtpAddress", Field::Text),
    ("DeliverToMailboxAndForward", Field::Flag),
    ("LitigationHoldEnabled", Field::Flag),
    ("WhenChanged", Field::WhenChanged),
    ("WhenChangedUTC", Field::WhenChangedUtc),
    ("WhenCreated", Field::Time),
    ("WhenCreatedUTC", Field::Time),
];

/// The keys of interest, by hash of their lower-cased spelling.
struct Keys {
    /// By lower-cased key.
    table: PassMap<Vec<(String, Role)>>,
    /// The same roles by the spelling Get-Mailbox uses, tried first (no case folding).
    exact: PassMap<Vec<(String, Role)>>,
}

impl Keys {
    fn new(catalog: &Catalog, index: &mut CloudIndex) -> Self {
        let mut table: PassMap<Vec<(String, Role)>> = PassMap::default();
        let mut add = |lower: String, f: &mut dyn FnMut(&mut Role)| {
            let slot = table.entry(hash_bytes(lower.as_bytes())).or_default();
            if let Some((_, role)) = slot.iter_mut().find(|(k, _)| *k == lower) {
                f(role);
            } else {
                let mut role = Role::default();
                f(&mut role);
                slot.push((lower, role));
            }
        };
        for a in catalog.iter().filter(|a| super::diff::comparable(a)) {
            if let Some(p) = a.exo_property.as_deref() {
                let lower = p.to_ascii_lowercase();
                let id = index.prop_id(&lower);
                add(lower, &mut |r| r.prop = Some(id));
            }
        }
        let fields = HEAD_PROPERTIES
            .iter()
            .filter(|(h, _)| *h != Head::Dn)
            .map(|(h, name)| (*name, Field::Head(*h)))
            .chain(TYPED);
        for (bit, (name, field)) in fields.enumerate() {
            add(name.to_ascii_lowercase(), &mut |r| {
                r.field = Some((name, field));
                r.bit = bit;
            });
        }
        add("distinguishedname".to_owned(), &mut |r| r.dn = true);
        let mut spellings: Vec<&str> = catalog
            .iter()
            .filter(|a| super::diff::comparable(a))
            .filter_map(|a| a.exo_property.as_deref())
            .collect();
        spellings.extend(HEAD_PROPERTIES.iter().map(|(_, name)| *name));
        spellings.extend(TYPED.iter().map(|(name, _)| *name));
        let mut keys = Keys {
            table,
            exact: PassMap::default(),
        };
        for name in spellings {
            if let Some(role) = keys.role_folded(name) {
                let slot = keys.exact.entry(hash_bytes(name.as_bytes())).or_default();
                if !slot.iter().any(|(k, _)| k == name) {
                    slot.push((name.to_owned(), role));
                }
            }
        }
        keys
    }

    fn role(&self, key: &str) -> Option<Role> {
        if let Some(slot) = self.exact.get(&hash_bytes(key.as_bytes()))
            && let Some((_, role)) = slot.iter().find(|(k, _)| k == key)
        {
            return Some(*role);
        }
        self.role_folded(key)
    }

    fn role_folded(&self, key: &str) -> Option<Role> {
        let mut buf = [0u8; 64];
        let lower: Cow<'_, [u8]> = if key.len() <= buf.len() && key.is_ascii() {
            let b = &mut buf[..key.len()];
            b.copy_from_slice(key.as_bytes());
            b.make_ascii_lowercase();
            Cow::Borrowed(b)
        } else {
            Cow::Owned(key.to_ascii_lowercase().into_bytes())
        };
        let slot = self.table.get(&hash_bytes(&lower))?;
        let (_, role) = slot.iter().find(|(k, _)| k.as_bytes() == &*lower)?;
        let mut role = *role;
        if let Some((exact, _)) = role.field
            && exact != key
        {
            role.field = None;
        }
        (role.prop.is_some() || role.field.is_some() || role.dn).then_some(role)
    }
}

/// A value as parsed, borrowed from the record where possible.
#[derive(Debug)]
enum Parsed<'de> {
    Null,
    Bool(bool),
    Int(i64),
    Str(Cow<'de, str>),
    /// A list, and whether every item was a string or null.
    List(Vec<Cow<'de, str>>, bool),
    Other(AttributeValue),
}

impl Parsed<'_> {
    fn val(&self) -> Val<'_> {
        match self {
            Parsed::Null => Val::Null,
            Parsed::Bool(b) => Val::Bool(*b),
            Parsed::Int(i) => Val::Int(*i),
            Parsed::Str(s) => Val::Str(s),
            Parsed::List(l, _) => Val::Cows(l),
            Parsed::Other(v) => Val::of(v),
        }
    }
}

/// Parses any JSON value the way [`AttributeValue::from_json`] reads it.
struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Parsed<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn number_text(n: &serde_json::Number) -> String {
    n.to_string()
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Parsed<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(Parsed::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Self::Value, E> {
        Ok(Parsed::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
        Ok(Parsed::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or_else(
            |_| Parsed::Str(Cow::Owned(number_text(&v.into()))),
            Parsed::Int,
        ))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
        Ok(Parsed::Str(Cow::Owned(
            serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| number_text(&n)),
        )))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
        Ok(Parsed::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok(Parsed::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Self::Value, E> {
        Ok(Parsed::Str(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        let mut plain = true;
        while let Some((item, is_text)) = seq.next_element_seed(ItemSeed)? {
            items.push(item);
            plain &= is_text;
        }
        Ok(Parsed::List(items, plain))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<Self::Value, A::Error> {
        let value = serde_json::Value::deserialize_from_map(map)?;
        Ok(Parsed::Other(AttributeValue::from_json(&value)))
    }
}

/// Helpers to build a [`serde_json::Value`] from a map or a sequence being visited.
trait FromAccess: Sized {
    fn deserialize_from_map<'de, A: MapAccess<'de>>(map: A) -> std::result::Result<Self, A::Error>;
    fn deserialize_from_seq<'de, A: SeqAccess<'de>>(seq: A) -> std::result::Result<Self, A::Error>;
}

impl FromAccess for serde_json::Value {
    fn deserialize_from_map<'de, A: MapAccess<'de>>(map: A) -> std::result::Result<Self, A::Error> {
        serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))
    }

    fn deserialize_from_seq<'de, A: SeqAccess<'de>>(seq: A) -> std::result::Result<Self, A::Error> {
        serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))
    }
}

/// An item of an array: strings as they are, anything else as its JSON text.
struct ItemSeed;

impl<'de> DeserializeSeed<'de> for ItemSeed {
    type Value = (Cow<'de, str>, bool);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed {
    type Value = (Cow<'de, str>, bool);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok((Cow::Borrowed("null"), true))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Self::Value, E> {
        Ok((Cow::Borrowed(if v { "true" } else { "false" }), false))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
        Ok((Cow::Owned(v.to_string()), false))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
        Ok((Cow::Owned(v.to_string()), false))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
        Ok((
            Cow::Owned(
                serde_json::Number::from_f64(v)
                    .map_or_else(|| "null".to_owned(), |n| number_text(&n)),
            ),
            false,
        ))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
        Ok((Cow::Borrowed(v), true))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok((Cow::Owned(v.to_owned()), true))
    }

    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Self::Value, E> {
        Ok((Cow::Owned(v), true))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<Self::Value, A::Error> {
        Ok((
            Cow::Owned(serde_json::Value::deserialize_from_seq(seq)?.to_string()),
            false,
        ))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<Self::Value, A::Error> {
        Ok((
            Cow::Owned(serde_json::Value::deserialize_from_map(map)?.to_string()),
            false,
        ))
    }
}

/// A key, borrowed from the record unless it holds escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// The roles of the keys seen at each position of the previous records: `ConvertTo-Json`
/// writes every object's properties in the same order, so a key is usually looked up by one
/// comparison with the key at its position in the record before. Also the buffers a record
/// is parsed into, kept for the next one.
#[derive(Default)]
struct KeyCache {
    /// The keys of the last record, by position, and their roles.
    keys: Vec<(Box<str>, Option<Role>)>,
    /// Buffers of [`encode_record`], reused from record to record (empty).
    fields: Vec<(Role, Parsed<'static>)>,
    values: Vec<(usize, Val<'static>)>,
}

/// One record, parsed: the values of the keys of interest.
struct RecordSeed<'k> {
    keys: &'k Keys,
    cache: &'k mut KeyCache,
}

/// The parsed parts of a record.
struct ParsedRecord<'de> {
    /// `(role, value)` of every key of interest, in the record's order.
    fields: Vec<(Role, Parsed<'de>)>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = ParsedRecord<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = ParsedRecord<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut fields = recycle(std::mem::take(&mut self.cache.fields));
        let mut position = 0;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let role = match self.cache.keys.get_mut(position) {
                Some((seen, role)) if **seen == *key => *role,
                Some(slot) => {
                    let role = self.keys.role(&key);
                    *slot = (Box::from(&*key), role);
                    role
                }
                None => {
                    let role = self.keys.role(&key);
                    self.cache.keys.push((Box::from(&*key), role));
                    role
                }
            };
            position += 1;
            match role {
                Some(role) => fields.push((role, map.next_value_seed(ValueSeed)?)),
                None => map.next_value_seed(SkipChecked)?,
            }
        }
        Ok(ParsedRecord { fields })
    }
}

/// Skips a value the reconciliation does not compare, still checking it as the reader does:
/// `IgnoredAny` would let serde_json pass over strings without checking that they are UTF-8,
/// so a file [`CloudJsonReader`](super::source::CloudJsonReader) refuses would load. Strings
/// are borrowed, not copied.
struct SkipChecked;

impl<'de> DeserializeSeed<'de> for SkipChecked {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SkipChecked {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element_seed(SkipChecked)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while map.next_key_seed(SkipChecked)?.is_some() {
            map.next_value_seed(SkipChecked)?;
        }
        Ok(())
    }
}

/// A typed string field in the common spellings (`None` for another spelling).
#[allow(clippy::option_option)] // outer: understood or not; inner: the value
fn text_field<'v>(v: &'v Parsed<'_>) -> Option<Option<Cow<'v, str>>> {
    match v {
        Parsed::Null => Some(None),
        Parsed::Str(s) => Some((!s.is_empty()).then(|| Cow::Borrowed(s.as_ref()))),
        Parsed::Bool(b) => Some(Some(Cow::Borrowed(if *b { "True" } else { "False" }))),
        Parsed::Int(i) => Some(Some(Cow::Owned(i.to_string()))),
        Parsed::List(..) | Parsed::Other(_) => None,
    }
}

/// A typed Boolean field in the common spellings.
fn flag_field(v: &Parsed<'_>) -> Option<bool> {
    match v {
        Parsed::Null => Some(false),
        Parsed::Bool(b) => Some(*b),
        Parsed::Str(s) if s.is_empty() => Some(false),
        Parsed::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Parsed::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A typed time field in the common spellings (RFC 3339, null, empty).
#[allow(clippy::option_option)] // outer: understood or not; inner: the value
fn time_field(v: &Parsed<'_>) -> Option<Option<DateTime<Utc>>> {
    match v {
        Parsed::Null => Some(None),
        Parsed::Str(s) if s.trim().is_empty() => Some(None),
        Parsed::Str(s) => DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|d| Some(d.with_timezone(&Utc))),
        _ => None,
    }
}

/// The error for a record that is not valid JSON (as the streaming reader words it).
fn parse_error(origin: &str, record: u64, start_line: u64, e: &serde_json::Error) -> crate::Error {
    malformed(
        origin,
        &format!("record {record} line {}", start_line + e.line() as u64 - 1),
        e.to_string(),
    )
}

/// Parses one record (`bytes`, record number `record` starting on `line`) into `out`.
fn encode_record(
    keys: &Keys,
    cache: &mut KeyCache,
    bytes: &[u8],
    record: u64,
    line: u64,
    origin: &str,
    out: &mut Store,
) -> Result<()> {
    let parsed = RecordSeed { keys, cache }
        .deserialize(&mut serde_json::Deserializer::from_slice(bytes))
        .map_err(|e| parse_error(origin, record, line, &e))?;
    let mut heads_owned: [Option<Cow<'_, str>>; HEADS] = Default::default();
    let (mut dir_synced, mut cloud_managed) = (false, false);
    let (mut changed_utc, mut changed) = (None, None);
    let mut typed = true;
    let mut seen = 0u64;
    for (role, value) in &parsed.fields {
        if role.dn {
            match text_field(value) {
                Some(t) => heads_owned[Head::Dn as usize] = t,
                None => heads_owned[Head::Dn as usize] = None,
            }
        }
        let Some((_, field)) = role.field else {
            continue;
        };
        // A key given twice is left to the typed reading (where the last one wins).
        typed &= seen & (1 << role.bit) == 0;
        seen |= 1 << role.bit;
        let ok = match field {
            Field::Head(h) => text_field(value).map(|t| heads_owned[h as usize] = t),
            Field::Text => text_field(value).map(drop),
            Field::List => match value {
                Parsed::Null | Parsed::Str(_) | Parsed::List(_, true) => Some(()),
                _ => None,
            },
            Field::DirSynced => flag_field(value).map(|b| dir_synced = b),
            Field::CloudManaged => flag_field(value).map(|b| cloud_managed = b),
            Field::Flag => flag_field(value).map(drop),
            Field::WhenChangedUtc => time_field(value).map(|t| changed_utc = t),
            Field::WhenChanged => time_field(value).map(|t| changed = t),
            Field::Time => time_field(value).map(drop),
            Field::Recipient => match value {
                Parsed::Null => Some(()),
                Parsed::Str(s) if s.is_empty() => Some(()),
                Parsed::Str(s) => s.parse::<RecipientTypeDetails>().ok().map(drop),
                Parsed::Int(i) if *i >= 0 => Some(()),
                _ => None,
            },
        };
        typed &= ok.is_some();
    }
    let mailbox_fallback;
    if !typed {
        // As the streaming reader reads it: through a map (a later duplicate key wins).
        let typed_mailbox =
            serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(bytes)
                .and_then(|map| serde_json::from_value::<Mailbox>(serde_json::Value::Object(map)));
        mailbox_fallback = match typed_mailbox {
            Ok(m) => m,
            Err(e) => {
                return Err(malformed(
                    origin,
                    &format!("record {record} (line {line})"),
                    format!("not a mailbox: {e}"),
                ));
            }
        };
        let m = &mailbox_fallback;
        for (h, v) in mailbox_heads(m) {
            heads_owned[h as usize] = v.map(Cow::Borrowed);
        }
        dir_synced = m.is_dir_synced;
        cloud_managed = m.is_exchange_cloud_managed;
        changed_utc = m.last_changed_utc();
        changed = None;
    }
    let rec = Record::new(
        record,
        line,
        dir_synced,
        cloud_managed,
        changed_utc.or(changed),
    );
    store_record(cache, &heads_owned, &parsed.fields, rec, out);
    cache.fields = recycle(parsed.fields);
    Ok(())
}

/// Adds a parsed record to `out`: its heads, state and the values of the compared properties.
fn store_record(
    cache: &mut KeyCache,
    heads_owned: &[Option<Cow<'_, str>>; HEADS],
    fields: &[(Role, Parsed<'_>)],
    record: Record,
    out: &mut Store,
) {
    // Every head is a string, empty when absent: no `Option` layout for the store to look into.
    let mut heads: [&str; HEADS] = [""; HEADS];
    for (h, v) in heads.iter_mut().zip(heads_owned) {
        if let Some(s) = v.as_deref() {
            *h = s;
        }
    }
    heads[Head::Origin as usize] = "";
    let mut values: Vec<(usize, Val<'_>)> = recycle(std::mem::take(&mut cache.values));
    for (role, value) in fields {
        if let Some(id) = role.prop {
            values.push((id, value.val()));
        }
    }
    out.push(&heads, record, &mut values);
    cache.values = recycle(values);
}

/// Records read from the file and not parsed yet: their bytes, one after the other, and per
/// record its number, first line and end in `bytes`.
#[derive(Default)]
struct RawBatch {
    bytes: Vec<u8>,
    records: Vec<(u64, u64, usize)>,
}

/// How many records a batch holds at most (and about how many bytes).
const BATCH_RECORDS: usize = 512;
const BATCH_BYTES: usize = 1 << 20;

/// Reads the next batch of records into `batch` (emptied first); a structural error of the
/// file after the batch's records is returned (those records come first).
fn read_batch<R: BufRead>(
    elements: &mut Elements<R>,
    batch: &mut RawBatch,
) -> Option<crate::Error> {
    batch.bytes.clear();
    batch.records.clear();
    while batch.records.len() < BATCH_RECORDS && batch.bytes.len() < BATCH_BYTES {
        match elements.next_raw_into(&mut batch.bytes) {
            Ok(Some((record, line))) => {
                batch.records.push((record, line, batch.bytes.len()));
            }
            Ok(None) => break,
            Err(e) => return Some(e),
        }
    }
    None
}

/// Parses a batch into `out` (emptied first).
fn encode_batch(
    keys: &Keys,
    cache: &mut KeyCache,
    batch: &RawBatch,
    origin: &str,
    out: &mut Store,
) -> Result<()> {
    out.clear();
    let mut start = 0;
    for &(record, line, end) in &batch.records {
        let bytes = batch.bytes.get(start..end).unwrap_or_default();
        encode_record(keys, cache, bytes, record, line, origin, out)?;
        start = end;
    }
    Ok(())
}

/// A parsed batch: the raw batch (to be reused) and its store, or the first error in it.
type Encoded = (RawBatch, Result<Store>);

/// The next parsed batch in the file's order: from this thread's own queue when `local` says
/// it parsed that batch itself, else from the worker (waiting for it only when `wait`).
fn next_in_order(
    local: &mut std::collections::VecDeque<bool>,
    own: &mut std::collections::VecDeque<Encoded>,
    from_worker: &std::sync::mpsc::Receiver<Encoded>,
    wait: bool,
) -> Option<Encoded> {
    let next = match (local.front(), wait) {
        (Some(&true), _) => own.pop_front(),
        (_, true) => from_worker.recv().ok(),
        (_, false) => from_worker.try_recv().ok(),
    }?;
    local.pop_front();
    Some(next)
}

/// Reads a cloud JSON file into `index`. The file is read in batches of records; the
/// batches are parsed on two threads (this one and one more) and added to the index in the
/// file's order, so the index, the errors and their order are those of a sequential read.
/// The batches' buffers go round rather than being allocated anew. `meter` is told of the
/// records as they are added (its last event is left to the caller).
pub(crate) fn load_cloud_json<R: BufRead>(
    catalog: &Catalog,
    reader: R,
    origin: &str,
    index: &mut CloudIndex,
    meter: &mut Meter,
) -> Result<()> {
    let keys = Keys::new(catalog, index);
    origin.clone_into(&mut index.file);
    let mut elements = Elements::new(reader, origin.to_owned());
    std::thread::scope(|scope| {
        let (to_worker, work) = std::sync::mpsc::sync_channel::<(RawBatch, Store)>(2);
        let (done, from_worker) = std::sync::mpsc::channel::<Encoded>();
        let keys = &keys;
        scope.spawn(move || {
            let mut cache = KeyCache::default();
            for (batch, mut store) in work {
                let result = encode_batch(keys, &mut cache, &batch, origin, &mut store);
                if done.send((batch, result.map(|()| store))).is_err() {
                    break;
                }
            }
        });
        // This thread also finds the records' ends and adds the results to the index, so it
        // parses a batch itself only when the other thread has enough queued; the results are
        // added in the file's order (`local` says where each batch went).
        let mut cache = KeyCache::default();
        let mut own: std::collections::VecDeque<Encoded> = std::collections::VecDeque::new();
        let mut spare_batches: Vec<RawBatch> = Vec::new();
        let mut spare_stores: Vec<Store> = Vec::new();
        let mut local: std::collections::VecDeque<bool> = std::collections::VecDeque::new();
        let (mut sent, mut merged) = (0usize, 0usize);
        let mut failure = None;
        let add = |(batch, result): Encoded,
                   index: &mut CloudIndex,
                   spare_batches: &mut Vec<RawBatch>,
                   spare_stores: &mut Vec<Store>,
                   meter: &mut Meter|
         -> Result<()> {
            let mut store = result?;
            spare_batches.push(batch);
            let before = index.len();
            index.append_from(&mut store);
            spare_stores.push(store);
            meter.add(index.len() - before)
        };
        loop {
            let mut batch = spare_batches.pop().unwrap_or_default();
            let error = read_batch(&mut elements, &mut batch);
            if !batch.records.is_empty() {
                let store = spare_stores.pop().unwrap_or_default();
                match to_worker.try_send((batch, store)) {
                    Ok(()) => local.push_back(false),
                    Err(TrySendError::Full((batch, mut store))) => {
                        let result = encode_batch(keys, &mut cache, &batch, origin, &mut store);
                        own.push_back((batch, result.map(|()| store)));
                        local.push_back(true);
                    }
                    Err(TrySendError::Disconnected(_)) => break,
                }
                sent += 1;
            }
            while merged < sent {
                let Some(next) = next_in_order(&mut local, &mut own, &from_worker, false) else {
                    break;
                };
                add(next, index, &mut spare_batches, &mut spare_stores, meter)?;
                merged += 1;
            }
            if error.is_some() {
                failure = error;
                break;
            }
            if elements.finished() {
                break;
            }
        }
        drop(to_worker);
        while merged < sent {
            let Some(next) = next_in_order(&mut local, &mut own, &from_worker, true) else {
                break;
            };
            add(next, index, &mut spare_batches, &mut spare_stores, meter)?;
            merged += 1;
        }
        if merged < sent {
            return Err(crate::Error::invalid_input(
                origin,
                "the reading of the file stopped before its end",
            ));
        }
        failure.map_or(Ok(()), Err)
    })
}
