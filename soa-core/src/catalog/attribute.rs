//! One row of the catalog ([`Attribute`]) and the small enums that describe it.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Which side masters an attribute of a directory-synchronized mailbox.
///
/// Serialized as `"identity"`, `"exchange"` or `"cloud_only"`; [`Display`](fmt::Display) gives
/// the same text, and [`FromStr`] accepts it in any case (and `cloud-only` with a hyphen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeClass {
    /// Always mastered in on-premises AD (display name, department, UPN, ...), whatever the
    /// value of `IsExchangeCloudManaged`.
    Identity,
    /// Mastered in on-premises AD while `IsExchangeCloudManaged` is false, and in Exchange Online
    /// once it is true (proxyAddresses, extensionAttribute1-15, msExchHideFromAddressLists, ...).
    Exchange,
    /// A mailbox setting that never came from AD (ForwardingSmtpAddress, RetentionPolicy, ...):
    /// always mastered in Exchange Online.
    CloudOnly,
}

/// The shape of an attribute's value.
///
/// Where the row has an Exchange Online property, the kind describes the value as
/// `Get-Mailbox` / `Get-User` show it (for example `msExchRecipientTypeDetails` is a
/// [`String`](ValueKind::String) such as `UserMailbox`, although AD stores a number); otherwise it
/// describes the value as AD stores it. Serialized in snake case (`"multi_string"`,
/// `"proxy_addresses"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// A single string.
    String,
    /// A list of strings.
    MultiString,
    /// `true` or `false`.
    Boolean,
    /// A whole number.
    Integer,
    /// A GUID.
    Guid,
    /// A reference to one directory object (a distinguished name in AD).
    DnReference,
    /// References to several directory objects.
    MultiDnReference,
    /// A date and time.
    DateTime,
    /// Binary data (certificates, photos, hashes, SIDs).
    Binary,
    /// A proxy address collection (`proxyAddresses` / `EmailAddresses`).
    ProxyAddresses,
    /// A single SMTP address.
    SmtpAddress,
}

impl ValueKind {
    /// Whether a value of this kind is a list: [`MultiString`](ValueKind::MultiString),
    /// [`MultiDnReference`](ValueKind::MultiDnReference) and
    /// [`ProxyAddresses`](ValueKind::ProxyAddresses).
    pub fn is_multi_valued(self) -> bool {
        matches!(
            self,
            ValueKind::MultiString | ValueKind::MultiDnReference | ValueKind::ProxyAddresses
        )
    }
}

/// When Entra Cloud Sync started writing an attribute back to AD.
///
/// Serialized as `"preview"` or `"ga"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WritebackPhase {
    /// Public preview of writeback, from 15 May 2026 (23 attributes).
    Preview,
    /// General availability of writeback, 3 August 2026 (adds `mail`).
    Ga,
}

const PREVIEW_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2026, 5, 15) {
    Some(date) => date,
    None => panic!("2026-05-15 is a valid date"),
};

const GA_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2026, 8, 3) {
    Some(date) => date,
    None => panic!("2026-08-03 is a valid date"),
};

impl WritebackPhase {
    /// The date the phase started: 2026-05-15 for the preview, 2026-08-03 for GA.
    pub fn date(self) -> NaiveDate {
        match self {
            WritebackPhase::Preview => PREVIEW_DATE,
            WritebackPhase::Ga => GA_DATE,
        }
    }
}

/// A closed set of names, shared by the three enums above for parsing and error messages.
pub(super) trait Named: Sized + Copy + 'static {
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// What a value is called in error messages (`class`, `value kind`, ...).
    const WHAT: &'static str;
    /// The serialized name.
    fn as_str(self) -> &'static str;

    /// Parses a name, ignoring case and surrounding spaces, and reading `-` as `_`.
    fn parse_name(text: &str) -> Option<Self> {
        let wanted = text.trim().replace('-', "_");
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str().eq_ignore_ascii_case(&wanted))
    }

    /// `a, b or c`.
    fn expected() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => (*last).to_owned(),
            None => String::new(),
        }
    }

    /// The error for text that is not one of the names.
    fn unknown(text: &str) -> String {
        format!(
            "unknown {} {text:?}, expected {}",
            Self::WHAT,
            Self::expected()
        )
    }
}

impl Named for AttributeClass {
    const ALL: &'static [Self] = &[
        AttributeClass::Identity,
        AttributeClass::Exchange,
        AttributeClass::CloudOnly,
    ];
    const WHAT: &'static str = "class";
    fn as_str(self) -> &'static str {
        match self {
            AttributeClass::Identity => "identity",
            AttributeClass::Exchange => "exchange",
            AttributeClass::CloudOnly => "cloud_only",
        }
    }
}

impl Named for ValueKind {
    const ALL: &'static [Self] = &[
        ValueKind::String,
        ValueKind::MultiString,
        ValueKind::Boolean,
        ValueKind::Integer,
        ValueKind::Guid,
        ValueKind::DnReference,
        ValueKind::MultiDnReference,
        ValueKind::DateTime,
        ValueKind::Binary,
        ValueKind::ProxyAddresses,
        ValueKind::SmtpAddress,
    ];
    const WHAT: &'static str = "value kind";
    fn as_str(self) -> &'static str {
        match self {
            ValueKind::String => "string",
            ValueKind::MultiString => "multi_string",
            ValueKind::Boolean => "boolean",
            ValueKind::Integer => "integer",
            ValueKind::Guid => "guid",
            ValueKind::DnReference => "dn_reference",
            ValueKind::MultiDnReference => "multi_dn_reference",
            ValueKind::DateTime => "date_time",
            ValueKind::Binary => "binary",
            ValueKind::ProxyAddresses => "proxy_addresses",
            ValueKind::SmtpAddress => "smtp_address",
        }
    }
}

impl Named for WritebackPhase {
    const ALL: &'static [Self] = &[WritebackPhase::Preview, WritebackPhase::Ga];
    const WHAT: &'static str = "writeback phase";
    fn as_str(self) -> &'static str {
        match self {
            WritebackPhase::Preview => "preview",
            WritebackPhase::Ga => "ga",
        }
    }
}

/// Deserializes a [`Named`] enum from a string, with an error that lists the accepted names.
struct NamedVisitor<T>(PhantomData<T>);

impl<T: Named> Visitor<'_> for NamedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {}: {}", T::WHAT, T::expected())
    }

    fn visit_str<E: de::Error>(self, text: &str) -> std::result::Result<T, E> {
        T::parse_name(text).ok_or_else(|| E::custom(T::unknown(text)))
    }
}

macro_rules! named_impls {
    ($($ty:ident),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = Error;

            /// Parses the serialized name, ignoring case (`-` may stand for `_`).
            fn from_str(text: &str) -> Result<Self> {
                <$ty as Named>::parse_name(text).ok_or_else(|| {
                    Error::invalid_input(
                        format!("attribute {} {text:?}", <$ty as Named>::WHAT),
                        format!("expected {}", <$ty as Named>::expected()),
                    )
                })
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                d.deserialize_str(NamedVisitor::<$ty>(PhantomData))
            }
        }
    )*};
}

named_impls!(AttributeClass, ValueKind, WritebackPhase);

/// One attribute of a mailbox user: its names on each side, its class and its provenance.
///
/// Every name is optional, but a row in a [`Catalog`](super::Catalog) has at least one, and no
/// name (compared case-insensitively) belongs to two rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// The AD LDAP display name, for example `extensionAttribute1`.
    #[serde(default)]
    pub ldap_name: Option<String>,
    /// The `Get-Mailbox` / `Get-User` property in Exchange Online, for example `CustomAttribute1`.
    #[serde(default)]
    pub exo_property: Option<String>,
    /// The `Set-Mailbox` parameter (without the dash), for example `CustomAttribute1`. Identity
    /// attributes that only `Set-User` edits have none.
    #[serde(default)]
    pub parameter: Option<String>,
    /// The Microsoft Graph user property, for example
    /// `onPremisesExtensionAttributes.extensionAttribute1`.
    #[serde(default)]
    pub graph_name: Option<String>,
    /// The shape of the value.
    pub value_kind: ValueKind,
    /// Who masters the attribute.
    pub class: AttributeClass,
    /// Whether Entra Cloud Sync writes the attribute back to AD for cloud-managed mailboxes.
    #[serde(default)]
    pub writeback: bool,
    /// Since when it is written back; set exactly when [`writeback`](Attribute::writeback) is.
    #[serde(default)]
    pub writeback_since: Option<WritebackPhase>,
    /// Whether the classification is confirmed in Microsoft-authored text.
    #[serde(default)]
    pub confirmed: bool,
    /// Source keys of the domain reference (`docs/domain.md`), for example `["J4", "C8"]`.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Free text: caveats, the `Set-User` parameter, why the row is unconfirmed.
    #[serde(default)]
    pub note: Option<String>,
}

impl Attribute {
    /// The canonical name: the Exchange Online property, else the LDAP name, else the
    /// parameter, else the Graph name (empty only for a row with no name at all, which a
    /// [`Catalog`](super::Catalog) never holds).
    pub fn name(&self) -> &str {
        self.exo_property
            .as_deref()
            .or(self.ldap_name.as_deref())
            .or(self.parameter.as_deref())
            .or(self.graph_name.as_deref())
            .unwrap_or_default()
    }

    /// Every name the row has, in the order LDAP, Exchange Online, parameter, Graph. A name
    /// that appears in two fields (`department` and `Department`) is yielded twice.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.named_fields().map(|(_, name)| name)
    }

    /// The names with the field each sits in (`ldap_name`, `exo_property`, ...).
    pub(crate) fn named_fields(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("ldap_name", &self.ldap_name),
            ("exo_property", &self.exo_property),
            ("parameter", &self.parameter),
            ("graph_name", &self.graph_name),
        ]
        .into_iter()
        .filter_map(|(field, name)| name.as_deref().map(|n| (field, n)))
    }

    /// Whether a value of this attribute is a list (see [`ValueKind::is_multi_valued`]).
    pub fn is_multi_valued(&self) -> bool {
        self.value_kind.is_multi_valued()
    }

    /// The date writeback of this attribute started, or `None` when it is not written back.
    pub fn writeback_date(&self) -> Option<NaiveDate> {
        if self.writeback {
            self.writeback_since.map(WritebackPhase::date)
        } else {
            None
        }
    }
}

/// An attribute as the front ends show it: its canonical [`name`](Attribute::name) followed by
/// every field of [`Attribute`]. The C ABI and the catalog's JSON use this shape, so no front end
/// has to re-derive the canonical name.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AttributeView<'a> {
    /// [`Attribute::name`].
    pub name: &'a str,
    /// The attribute itself.
    #[serde(flatten)]
    pub attribute: &'a Attribute,
}

impl Attribute {
    /// This attribute with its canonical name, for serialization.
    pub fn view(&self) -> AttributeView<'_> {
        AttributeView {
            name: self.name(),
            attribute: self,
        }
    }
}
