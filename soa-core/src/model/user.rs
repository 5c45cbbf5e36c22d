//! [`User`]: the properties of `Get-User | ConvertTo-Json` that the library uses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::mailbox::{date, recipient, string};
use super::{AttributeValue, RecipientTypeDetails};

/// An Exchange Online user as read from `Get-User | ConvertTo-Json` (PowerShell 7 or Windows
/// PowerShell 5.1): mostly the identity attributes (name, job, address, phone), which stay
/// mastered in on-premises AD even when the mailbox is cloud-managed.
///
/// The JSON keys are the Get-User property names. Unknown properties are ignored, missing ones
/// take their default, and the PowerShell quirks listed on [`Mailbox`](super::Mailbox) are
/// accepted (`null`/`""` for an empty string, `"/Date(...)/"` dates, and so on).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct User {
    /// `Identity`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub identity: Option<String>,
    /// `UserPrincipalName`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub user_principal_name: Option<String>,
    /// `DisplayName`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub display_name: Option<String>,
    /// `FirstName` (AD `givenName`).
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub first_name: Option<String>,
    /// `LastName` (AD `sn`).
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub last_name: Option<String>,
    /// `Initials`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub initials: Option<String>,
    /// `Title`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub title: Option<String>,
    /// `Department`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub department: Option<String>,
    /// `Company`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub company: Option<String>,
    /// `Office` (AD `physicalDeliveryOfficeName`).
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub office: Option<String>,
    /// `Phone` (AD `telephoneNumber`).
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub phone: Option<String>,
    /// `MobilePhone` (AD `mobile`).
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub mobile_phone: Option<String>,
    /// `HomePhone`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub home_phone: Option<String>,
    /// `Fax` (AD `facsimileTelephoneNumber`).
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub fax: Option<String>,
    /// `StreetAddress`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub street_address: Option<String>,
    /// `City` (AD `l`).
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub city: Option<String>,
    /// `StateOrProvince` (AD `st`).
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub state_or_province: Option<String>,
    /// `PostalCode`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub postal_code: Option<String>,
    /// `CountryOrRegion`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub country_or_region: Option<String>,
    /// `Manager`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub manager: Option<String>,
    /// `Notes` (AD `info`).
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub notes: Option<String>,
    /// `WebPage` (AD `wWWHomePage`).
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub web_page: Option<String>,
    /// `IsDirSynced`: the user is synchronized from on-premises AD (missing reads as `false`).
    #[serde(deserialize_with = "super::mailbox::ps::flag")]
    pub is_dir_synced: bool,
    /// `RecipientTypeDetails`; `None` when missing or empty.
    #[serde(deserialize_with = "super::mailbox::ps::opt_recipient")]
    pub recipient_type_details: Option<RecipientTypeDetails>,
    /// `ExternalDirectoryObjectId`: the Entra ID object id.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub external_directory_object_id: Option<String>,
    /// `Guid`.
    #[serde(deserialize_with = "super::mailbox::ps::opt_string")]
    pub guid: Option<String>,
    /// `WhenChanged` (local time; without an offset it is read as UTC, so prefer
    /// [`User::last_changed_utc`]).
    #[serde(with = "super::timestamp")]
    pub when_changed: Option<DateTime<Utc>>,
    /// `WhenChangedUTC`.
    #[serde(rename = "WhenChangedUTC", with = "super::timestamp")]
    pub when_changed_utc: Option<DateTime<Utc>>,
}

impl User {
    /// The time of the last change: `WhenChangedUTC`, else `WhenChanged`.
    pub fn last_changed_utc(&self) -> Option<DateTime<Utc>> {
        self.when_changed_utc.or(self.when_changed)
    }

    /// The value of a typed field by its Get-User property name, compared ignoring ASCII case.
    ///
    /// Returns `None` for a property this type does not hold and `Some(AttributeValue::Null)`
    /// for a held property without a value; see [`Mailbox::property`](super::Mailbox::property)
    /// for the value shapes.
    pub fn property(&self, name: &str) -> Option<AttributeValue> {
        Some(match name.to_ascii_lowercase().as_str() {
            "identity" => string(self.identity.as_ref()),
            "userprincipalname" => string(self.user_principal_name.as_ref()),
            "displayname" => string(self.display_name.as_ref()),
            "firstname" => string(self.first_name.as_ref()),
            "lastname" => string(self.last_name.as_ref()),
            "initials" => string(self.initials.as_ref()),
            "title" => string(self.title.as_ref()),
            "department" => string(self.department.as_ref()),
            "company" => string(self.company.as_ref()),
            "office" => string(self.office.as_ref()),
            "phone" => string(self.phone.as_ref()),
            "mobilephone" => string(self.mobile_phone.as_ref()),
            "homephone" => string(self.home_phone.as_ref()),
            "fax" => string(self.fax.as_ref()),
            "streetaddress" => string(self.street_address.as_ref()),
            "city" => string(self.city.as_ref()),
            "stateorprovince" => string(self.state_or_province.as_ref()),
            "postalcode" => string(self.postal_code.as_ref()),
            "countryorregion" => string(self.country_or_region.as_ref()),
            "manager" => string(self.manager.as_ref()),
            "notes" => string(self.notes.as_ref()),
            "webpage" => string(self.web_page.as_ref()),
            "isdirsynced" => AttributeValue::Bool(self.is_dir_synced),
            "recipienttypedetails" => recipient(self.recipient_type_details.as_ref()),
            "externaldirectoryobjectid" => string(self.external_directory_object_id.as_ref()),
            "guid" => string(self.guid.as_ref()),
            "whenchanged" => date(self.when_changed),
            "whenchangedutc" => date(self.when_changed_utc),
            _ => return None,
        })
    }
}
