//! [`Mailbox`]: the properties of `Get-Mailbox | ConvertTo-Json` that the library uses.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::{AttributeValue, ProxyAddresses, RecipientTypeDetails, SmtpAddress};
use crate::{Error, Result};

/// An Exchange Online mailbox as read from `Get-Mailbox | ConvertTo-Json` (PowerShell 7 or
/// Windows PowerShell 5.1).
///
/// The JSON keys are the Get-Mailbox property names (`UserPrincipalName`, `CustomAttribute1`,
/// `WhenChangedUTC`, ...). Unknown properties are ignored and missing ones take their default
/// (`None`, `false`, empty). The PowerShell quirks that are accepted:
///
/// - optional strings: `null` and `""` both read as `None`;
/// - Booleans: JSON Booleans, or the strings `"True"`/`"False"`; `null` reads as `false`;
/// - multi-valued properties (`EmailAddresses`, `ExtensionCustomAttribute1`–`5`): an array, a
///   single string, `null`, or Windows PowerShell 5.1's `{"value": [...], "Count": n}`;
/// - dates: PowerShell 7's ISO 8601 (`"2025-10-01T12:34:56.1234567+02:00"`, or without offset,
///   then read as UTC) and Windows PowerShell 5.1's `"/Date(1700000000000)/"`;
/// - `RecipientTypeDetails`: the name, `{"Value": "UserMailbox"}`, or the numeric value.
///
/// Missing `IsDirSynced` and `IsExchangeCloudManaged` read as `false`. `Get-EXOMailbox`
/// reportedly does not return `IsExchangeCloudManaged`, so read mailboxes with `Get-Mailbox`.
///
/// Serializing writes the same property names back (dates as RFC 3339 in UTC), so a
/// serialized `Mailbox` reads back unchanged.
#[allow(clippy::struct_excessive_bools)] // mirrors the Boolean properties of Get-Mailbox
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "MailboxRepr", into = "MailboxRepr")]
pub struct Mailbox {
    /// `Identity`.
    pub identity: Option<String>,
    /// `Name`.
    pub name: Option<String>,
    /// `Alias` (`mailNickname`).
    pub alias: Option<String>,
    /// `DisplayName`.
    pub display_name: Option<String>,
    /// `UserPrincipalName`.
    pub user_principal_name: Option<String>,
    /// `PrimarySmtpAddress`, as read (see [`Mailbox::primary_smtp`] for the validated form).
    pub primary_smtp_address: Option<String>,
    /// `WindowsEmailAddress` (AD `mail`).
    pub windows_email_address: Option<String>,
    /// `EmailAddresses` (AD `proxyAddresses`), as read (see [`Mailbox::proxy_addresses`]).
    pub email_addresses: Vec<String>,
    /// `RecipientTypeDetails`; `None` when the property was missing or empty (never guessed,
    /// since it decides eligibility).
    pub recipient_type_details: Option<RecipientTypeDetails>,
    /// `ExchangeGuid`.
    pub exchange_guid: Option<String>,
    /// `ExternalDirectoryObjectId`: the Entra ID object id of the user.
    pub external_directory_object_id: Option<String>,
    /// `Guid`: the Exchange Online object's GUID.
    pub guid: Option<String>,
    /// `IsDirSynced`: the user is synchronized from on-premises AD.
    pub is_dir_synced: bool,
    /// `IsExchangeCloudManaged`: the mailbox's Exchange attributes are mastered in Exchange
    /// Online.
    pub is_exchange_cloud_managed: bool,
    /// `HiddenFromAddressListsEnabled` (AD `msExchHideFromAddressLists`).
    pub hidden_from_address_lists_enabled: bool,
    /// `CustomAttribute1` to `CustomAttribute15` (AD `extensionAttribute1`–`15`); index 0 is
    /// `CustomAttribute1`. See [`Mailbox::custom_attribute`].
    pub custom_attributes: [Option<String>; 15],
    /// `ExtensionCustomAttribute1` to `ExtensionCustomAttribute5` (multi-valued); index 0 is
    /// `ExtensionCustomAttribute1`. See [`Mailbox::extension_custom_attribute`].
    pub extension_custom_attributes: [Vec<String>; 5],
    /// `ForwardingAddress`: a recipient inside the organization.
    pub forwarding_address: Option<String>,
    /// `ForwardingSmtpAddress`, as read (usually `smtp:user@domain`).
    pub forwarding_smtp_address: Option<String>,
    /// `DeliverToMailboxAndForward`.
    pub deliver_to_mailbox_and_forward: bool,
    /// `LitigationHoldEnabled`.
    pub litigation_hold_enabled: bool,
    /// `WhenChanged`. Windows PowerShell and PowerShell 7 write it in the session's local time;
    /// without an offset it is read as UTC, so prefer [`Mailbox::last_changed_utc`].
    pub when_changed: Option<DateTime<Utc>>,
    /// `WhenChangedUTC`.
    pub when_changed_utc: Option<DateTime<Utc>>,
    /// `WhenCreated` (local time; see [`when_changed`](Self::when_changed)).
    pub when_created: Option<DateTime<Utc>>,
    /// `WhenCreatedUTC`.
    pub when_created_utc: Option<DateTime<Utc>>,
}

impl Mailbox {
    /// Parses and validates [`email_addresses`](Self::email_addresses) as a set of proxy
    /// addresses (exactly one primary SMTP address, no duplicates).
    pub fn proxy_addresses(&self) -> Result<ProxyAddresses> {
        ProxyAddresses::parse(&self.email_addresses)
    }

    /// Validates [`primary_smtp_address`](Self::primary_smtp_address); `Ok(None)` when it is
    /// missing.
    pub fn primary_smtp(&self) -> Result<Option<SmtpAddress>> {
        self.primary_smtp_address
            .as_deref()
            .map(SmtpAddress::parse)
            .transpose()
    }

    /// `CustomAttribute{n}` for `n` in 1..=15; `None` when empty or when `n` is out of range.
    pub fn custom_attribute(&self, n: usize) -> Option<&str> {
        n.checked_sub(1)
            .and_then(|i| self.custom_attributes.get(i))
            .and_then(Option::as_deref)
    }

    /// `ExtensionCustomAttribute{n}` for `n` in 1..=5; empty when unset or when `n` is out of
    /// range.
    pub fn extension_custom_attribute(&self, n: usize) -> &[String] {
        n.checked_sub(1)
            .and_then(|i| self.extension_custom_attributes.get(i))
            .map_or(&[], Vec::as_slice)
    }

    /// The time of the last change: `WhenChangedUTC`, else `WhenChanged` (whose offset may be
    /// missing, see [`when_changed`](Self::when_changed)).
    pub fn last_changed_utc(&self) -> Option<DateTime<Utc>> {
        self.when_changed_utc.or(self.when_changed)
    }

    /// The value of a typed field by its Get-Mailbox property name, compared ignoring ASCII
    /// case (`customattribute1`, `EmailAddresses`, `WhenChangedUTC`, ...).
    ///
    /// Returns `None` for a property this type does not hold, and `Some(AttributeValue::Null)`
    /// for a held property without a value. Strings give [`AttributeValue::String`],
    /// Booleans [`AttributeValue::Bool`], multi-valued properties [`AttributeValue::List`]
    /// (possibly empty), `RecipientTypeDetails` its name and dates RFC 3339 text in UTC.
    pub fn property(&self, exo_property: &str) -> Option<AttributeValue> {
        let name = exo_property.to_ascii_lowercase();
        if let Some(i) = numbered(&name, "extensioncustomattribute", 5) {
            return Some(list(&self.extension_custom_attributes[i]));
        }
        if let Some(i) = numbered(&name, "customattribute", 15) {
            return Some(string(self.custom_attributes[i].as_ref()));
        }
        Some(match name.as_str() {
            "identity" => string(self.identity.as_ref()),
            "name" => string(self.name.as_ref()),
            "alias" => string(self.alias.as_ref()),
            "displayname" => string(self.display_name.as_ref()),
            "userprincipalname" => string(self.user_principal_name.as_ref()),
            "primarysmtpaddress" => string(self.primary_smtp_address.as_ref()),
            "windowsemailaddress" => string(self.windows_email_address.as_ref()),
            "emailaddresses" => list(&self.email_addresses),
            "recipienttypedetails" => recipient(self.recipient_type_details.as_ref()),
            "exchangeguid" => string(self.exchange_guid.as_ref()),
            "externaldirectoryobjectid" => string(self.external_directory_object_id.as_ref()),
            "guid" => string(self.guid.as_ref()),
            "isdirsynced" => AttributeValue::Bool(self.is_dir_synced),
            "isexchangecloudmanaged" => AttributeValue::Bool(self.is_exchange_cloud_managed),
            "hiddenfromaddresslistsenabled" => {
                AttributeValue::Bool(self.hidden_from_address_lists_enabled)
            }
            "forwardingaddress" => string(self.forwarding_address.as_ref()),
            "forwardingsmtpaddress" => string(self.forwarding_smtp_address.as_ref()),
            "delivertomailboxandforward" => {
                AttributeValue::Bool(self.deliver_to_mailbox_and_forward)
            }
            "litigationholdenabled" => AttributeValue::Bool(self.litigation_hold_enabled),
            "whenchanged" => date(self.when_changed),
            "whenchangedutc" => date(self.when_changed_utc),
            "whencreated" => date(self.when_created),
            "whencreatedutc" => date(self.when_created_utc),
            _ => return None,
        })
    }
}

impl Mailbox {
    /// Sets a typed field by its Get-Mailbox property name (ignoring ASCII case): the inverse
    /// of [`property`](Self::property). Returns `Ok(false)` for a property this type does not
    /// hold, and an error when the value does not fit the field (a list for a single-valued
    /// property, a malformed date or recipient type, a non-Boolean for a Boolean).
    pub fn set_property(&mut self, exo_property: &str, value: &AttributeValue) -> Result<bool> {
        let name = exo_property.to_ascii_lowercase();
        let single = || single_string(exo_property, value);
        if let Some(i) = numbered(&name, "extensioncustomattribute", 5) {
            self.extension_custom_attributes[i] = value.to_strings();
            return Ok(true);
        }
        if let Some(i) = numbered(&name, "customattribute", 15) {
            self.custom_attributes[i] = single()?;
            return Ok(true);
        }
        let boolean = || {
            value.as_bool().ok_or_else(|| Error::InvalidInput {
                what: format!("value of {exo_property}"),
                reason: format!("{value} is not a Boolean"),
            })
        };
        match name.as_str() {
            "identity" => self.identity = single()?,
            "name" => self.name = single()?,
            "alias" => self.alias = single()?,
            "displayname" => self.display_name = single()?,
            "userprincipalname" => self.user_principal_name = single()?,
            "primarysmtpaddress" => self.primary_smtp_address = single()?,
            "windowsemailaddress" => self.windows_email_address = single()?,
            "emailaddresses" => self.email_addresses = value.to_strings(),
            "recipienttypedetails" => {
                self.recipient_type_details = single()?
                    .map(|t| RecipientTypeDetails::parse(&t))
                    .transpose()?;
            }
            "exchangeguid" => self.exchange_guid = single()?,
            "externaldirectoryobjectid" => self.external_directory_object_id = single()?,
            "guid" => self.guid = single()?,
            "isdirsynced" => self.is_dir_synced = boolean()?,
            "isexchangecloudmanaged" => self.is_exchange_cloud_managed = boolean()?,
            "hiddenfromaddresslistsenabled" => self.hidden_from_address_lists_enabled = boolean()?,
            "forwardingaddress" => self.forwarding_address = single()?,
            "forwardingsmtpaddress" => self.forwarding_smtp_address = single()?,
            "delivertomailboxandforward" => self.deliver_to_mailbox_and_forward = boolean()?,
            "litigationholdenabled" => self.litigation_hold_enabled = boolean()?,
            "whenchanged" => self.when_changed = parse_date(exo_property, single()?)?,
            "whenchangedutc" => self.when_changed_utc = parse_date(exo_property, single()?)?,
            "whencreated" => self.when_created = parse_date(exo_property, single()?)?,
            "whencreatedutc" => self.when_created_utc = parse_date(exo_property, single()?)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A single-valued property's value as an optional string (empty means none).
pub(super) fn single_string(property: &str, value: &AttributeValue) -> Result<Option<String>> {
    match value {
        AttributeValue::List(items) if items.len() > 1 => Err(Error::InvalidInput {
            what: format!("value of {property}"),
            reason: format!(
                "the property is single-valued but {} values were given",
                items.len()
            ),
        }),
        v => Ok(v.to_strings().into_iter().next()),
    }
}

/// An RFC 3339 date, as [`property`](Mailbox::property) writes them.
pub(super) fn parse_date(property: &str, text: Option<String>) -> Result<Option<DateTime<Utc>>> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| Error::InvalidInput {
                what: format!("value of {property}"),
                reason: format!("{t:?} is not an RFC 3339 date: {e}"),
            })
    })
    .transpose()
}

/// For `name` = `prefix` followed by a number in 1..=`max` (no leading zero), the 0-based index.
fn numbered(name: &str, prefix: &str, max: usize) -> Option<usize> {
    let digits = name.strip_prefix(prefix)?;
    if digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: usize = digits.parse().ok()?;
    (1..=max).contains(&n).then(|| n - 1)
}

/// An optional string as an [`AttributeValue`].
pub(super) fn string(value: Option<&String>) -> AttributeValue {
    value.map_or(AttributeValue::Null, |s| AttributeValue::String(s.clone()))
}

/// A multi-valued property as an [`AttributeValue`].
pub(super) fn list(values: &[String]) -> AttributeValue {
    AttributeValue::List(values.to_vec())
}

/// An optional recipient type as an [`AttributeValue`].
pub(super) fn recipient(value: Option<&RecipientTypeDetails>) -> AttributeValue {
    value.map_or(AttributeValue::Null, |r| {
        AttributeValue::String(r.as_str().to_owned())
    })
}

/// An optional date as an [`AttributeValue`]: RFC 3339 in UTC.
pub(super) fn date(value: Option<DateTime<Utc>>) -> AttributeValue {
    value.map_or(AttributeValue::Null, |t| {
        AttributeValue::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    })
}

/// The wire shape of [`Mailbox`]: one field per Get-Mailbox property.
#[allow(clippy::struct_excessive_bools)] // mirrors the Boolean properties of Get-Mailbox
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct MailboxRepr {
    #[serde(deserialize_with = "ps::opt_string")]
    identity: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    name: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    alias: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    display_name: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    user_principal_name: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    primary_smtp_address: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    windows_email_address: Option<String>,
    #[serde(deserialize_with = "ps::string_list")]
    email_addresses: Vec<String>,
    #[serde(deserialize_with = "ps::opt_recipient")]
    recipient_type_details: Option<RecipientTypeDetails>,
    #[serde(deserialize_with = "ps::opt_string")]
    exchange_guid: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    external_directory_object_id: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    guid: Option<String>,
    #[serde(deserialize_with = "ps::flag")]
    is_dir_synced: bool,
    #[serde(deserialize_with = "ps::flag")]
    is_exchange_cloud_managed: bool,
    #[serde(deserialize_with = "ps::flag")]
    hidden_from_address_lists_enabled: bool,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute1: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute2: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute3: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute4: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute5: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute6: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute7: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute8: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute9: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute10: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute11: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute12: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute13: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute14: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    custom_attribute15: Option<String>,
    #[serde(deserialize_with = "ps::string_list")]
    extension_custom_attribute1: Vec<String>,
    #[serde(deserialize_with = "ps::string_list")]
    extension_custom_attribute2: Vec<String>,
    #[serde(deserialize_with = "ps::string_list")]
    extension_custom_attribute3: Vec<String>,
    #[serde(deserialize_with = "ps::string_list")]
    extension_custom_attribute4: Vec<String>,
    #[serde(deserialize_with = "ps::string_list")]
    extension_custom_attribute5: Vec<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    forwarding_address: Option<String>,
    #[serde(deserialize_with = "ps::opt_string")]
    forwarding_smtp_address: Option<String>,
    #[serde(deserialize_with = "ps::flag")]
    deliver_to_mailbox_and_forward: bool,
    #[serde(deserialize_with = "ps::flag")]
    litigation_hold_enabled: bool,
    #[serde(with = "super::timestamp")]
    when_changed: Option<DateTime<Utc>>,
    #[serde(rename = "WhenChangedUTC", with = "super::timestamp")]
    when_changed_utc: Option<DateTime<Utc>>,
    #[serde(with = "super::timestamp")]
    when_created: Option<DateTime<Utc>>,
    #[serde(rename = "WhenCreatedUTC", with = "super::timestamp")]
    when_created_utc: Option<DateTime<Utc>>,
}

impl From<MailboxRepr> for Mailbox {
    fn from(r: MailboxRepr) -> Self {
        Mailbox {
            identity: r.identity,
            name: r.name,
            alias: r.alias,
            display_name: r.display_name,
            user_principal_name: r.user_principal_name,
            primary_smtp_address: r.primary_smtp_address,
            windows_email_address: r.windows_email_address,
            email_addresses: r.email_addresses,
            recipient_type_details: r.recipient_type_details,
            exchange_guid: r.exchange_guid,
            external_directory_object_id: r.external_directory_object_id,
            guid: r.guid,
            is_dir_synced: r.is_dir_synced,
            is_exchange_cloud_managed: r.is_exchange_cloud_managed,
            hidden_from_address_lists_enabled: r.hidden_from_address_lists_enabled,
            custom_attributes: [
                r.custom_attribute1,
                r.custom_attribute2,
                r.custom_attribute3,
                r.custom_attribute4,
                r.custom_attribute5,
                r.custom_attribute6,
                r.custom_attribute7,
                r.custom_attribute8,
                r.custom_attribute9,
                r.custom_attribute10,
                r.custom_attribute11,
                r.custom_attribute12,
                r.custom_attribute13,
                r.custom_attribute14,
                r.custom_attribute15,
            ],
            extension_custom_attributes: [
                r.extension_custom_attribute1,
                r.extension_custom_attribute2,
                r.extension_custom_attribute3,
                r.extension_custom_attribute4,
                r.extension_custom_attribute5,
            ],
            forwarding_address: r.forwarding_address,
            forwarding_smtp_address: r.forwarding_smtp_address,
            deliver_to_mailbox_and_forward: r.deliver_to_mailbox_and_forward,
            litigation_hold_enabled: r.litigation_hold_enabled,
            when_changed: r.when_changed,
            when_changed_utc: r.when_changed_utc,
            when_created: r.when_created,
            when_created_utc: r.when_created_utc,
        }
    }
}

impl From<Mailbox> for MailboxRepr {
    fn from(m: Mailbox) -> Self {
        let [
            c1,
            c2,
            c3,
            c4,
            c5,
            c6,
            c7,
            c8,
            c9,
            c10,
            c11,
            c12,
            c13,
            c14,
            c15,
        ] = m.custom_attributes;
        let [e1, e2, e3, e4, e5] = m.extension_custom_attributes;
        MailboxRepr {
            identity: m.identity,
            name: m.name,
            alias: m.alias,
            display_name: m.display_name,
            user_principal_name: m.user_principal_name,
            primary_smtp_address: m.primary_smtp_address,
            windows_email_address: m.windows_email_address,
            email_addresses: m.email_addresses,
            recipient_type_details: m.recipient_type_details,
            exchange_guid: m.exchange_guid,
            external_directory_object_id: m.external_directory_object_id,
            guid: m.guid,
            is_dir_synced: m.is_dir_synced,
            is_exchange_cloud_managed: m.is_exchange_cloud_managed,
            hidden_from_address_lists_enabled: m.hidden_from_address_lists_enabled,
            custom_attribute1: c1,
            custom_attribute2: c2,
            custom_attribute3: c3,
            custom_attribute4: c4,
            custom_attribute5: c5,
            custom_attribute6: c6,
            custom_attribute7: c7,
            custom_attribute8: c8,
            custom_attribute9: c9,
            custom_attribute10: c10,
            custom_attribute11: c11,
            custom_attribute12: c12,
            custom_attribute13: c13,
            custom_attribute14: c14,
            custom_attribute15: c15,
            extension_custom_attribute1: e1,
            extension_custom_attribute2: e2,
            extension_custom_attribute3: e3,
            extension_custom_attribute4: e4,
            extension_custom_attribute5: e5,
            forwarding_address: m.forwarding_address,
            forwarding_smtp_address: m.forwarding_smtp_address,
            deliver_to_mailbox_and_forward: m.deliver_to_mailbox_and_forward,
            litigation_hold_enabled: m.litigation_hold_enabled,
            when_changed: m.when_changed,
            when_changed_utc: m.when_changed_utc,
            when_created: m.when_created,
            when_created_utc: m.when_created_utc,
        }
    }
}

/// `deserialize_with` helpers for the shapes `ConvertTo-Json` gives PowerShell values.
pub(super) mod ps {
    use std::fmt;

    use serde::Deserializer;
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use crate::model::RecipientTypeDetails;

    /// An optional string: `null` and `""` are `None`; numbers and Booleans are kept as text;
    /// an object with a `value` (or `Guid`) member is unwrapped.
    pub(in crate::model) fn opt_string<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<String>, D::Error> {
        d.deserialize_any(OptString)
    }

    /// A multi-valued property: an array of strings (nulls and empty strings skipped), a single
    /// string, `null`, or an object with a `value` member.
    pub(in crate::model) fn string_list<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<String>, D::Error> {
        d.deserialize_any(StringList)
    }

    /// A Boolean: `true`/`false`, the strings `"True"`/`"False"` (any case), `null` or `""`
    /// (false).
    pub(in crate::model) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        d.deserialize_any(PsBool)
    }

    /// An optional recipient type: `null` and `""` are `None`, anything else as
    /// [`RecipientTypeDetails`] deserializes it.
    pub(in crate::model) fn opt_recipient<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<RecipientTypeDetails>, D::Error> {
        d.deserialize_any(OptRecipient)
    }

    /// Reads the `value` member (by `keys`) of a wrapper object with `seed`; `None` if absent.
    fn unwrap_object<'de, A, S>(
        mut map: A,
        keys: &[&str],
        seed: S,
    ) -> Result<Option<S::Value>, A::Error>
    where
        A: MapAccess<'de>,
        S: DeserializeSeed<'de> + Copy,
    {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if found.is_none() && keys.iter().any(|k| k.eq_ignore_ascii_case(&key)) {
                found = Some(map.next_value_seed(seed)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    #[derive(Clone, Copy)]
    struct OptString;

    impl<'de> DeserializeSeed<'de> for OptString {
        type Value = Option<String>;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for OptString {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or null")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then(|| v.to_owned()))
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then_some(v))
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(if v { "True" } else { "False" }.to_owned()))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            match unwrap_object(map, &["value", "Guid"], self)? {
                Some(v) => Ok(v),
                None => Err(de::Error::custom(
                    "expected a string, found an object without a \"value\" member",
                )),
            }
        }
    }

    #[derive(Clone, Copy)]
    struct StringList;

    impl<'de> DeserializeSeed<'de> for StringList {
        type Value = Vec<String>;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for StringList {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of strings, a single string or null")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(if v.is_empty() {
                Vec::new()
            } else {
                vec![v.to_owned()]
            })
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(item) = seq.next_element_seed(OptString)? {
                out.extend(item);
            }
            Ok(out)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            match unwrap_object(map, &["value"], self)? {
                Some(v) => Ok(v),
                None => Err(de::Error::custom(
                    "expected an array of strings, found an object without a \"value\" member",
                )),
            }
        }
    }

    #[derive(Clone, Copy)]
    struct PsBool;

    impl<'de> Visitor<'de> for PsBool {
        type Value = bool;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a Boolean (true, false, \"True\" or \"False\") or null")
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(v)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v.trim() {
                t if t.eq_ignore_ascii_case("true") => Ok(true),
                t if t.eq_ignore_ascii_case("false") || t.is_empty() => Ok(false),
                _ => Err(E::custom(format!(
                    "invalid Boolean {v:?}: expected true, false, \"True\" or \"False\""
                ))),
            }
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(false)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(false)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    #[derive(Clone, Copy)]
    struct OptRecipient;

    impl<'de> Visitor<'de> for OptRecipient {
        type Value = Option<RecipientTypeDetails>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a recipient type such as \"UserMailbox\", or null")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.trim().is_empty() {
                return Ok(None);
            }
            RecipientTypeDetails::parse(v).map(Some).map_err(E::custom)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(RecipientTypeDetails::from_ad_value(v)))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u64::try_from(v)
                .map(|v| Some(RecipientTypeDetails::from_ad_value(v)))
                .map_err(|_| E::custom(format!("invalid recipient type {v}: negative value")))
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let inner = de::value::MapAccessDeserializer::new(map);
            serde::Deserialize::deserialize(inner).map(Some)
        }
    }
}
