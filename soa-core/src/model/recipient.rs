//! [`RecipientTypeDetails`]: the Exchange Online recipient types, and which of them can have
//! their Exchange attributes managed in the cloud.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, Result};

/// The `RecipientTypeDetails` of an Exchange recipient (`msExchRecipientTypeDetails` in AD).
///
/// Parsing ([`str::parse`]) trims the text and ignores case (`usermailbox` is
/// [`UserMailbox`](Self::UserMailbox)); any other non-empty name becomes
/// [`Other`](Self::Other), so new Exchange types do not break reading. An empty name is
/// [`Error::InvalidRecipientType`]. [`Display`](fmt::Display) gives the canonical name.
///
/// Only [`UserMailbox`](Self::UserMailbox), [`SharedMailbox`](Self::SharedMailbox),
/// [`RoomMailbox`](Self::RoomMailbox) and [`EquipmentMailbox`](Self::EquipmentMailbox) can be
/// switched to cloud-managed Exchange attributes ([`is_eligible`](Self::is_eligible)).
///
/// Serde: serialized as the canonical name. Deserialization accepts the name, a JSON object
/// with a `Value` (or `value`) member holding the name (an enum as Windows PowerShell 5.1
/// sometimes writes it), or the numeric `msExchRecipientTypeDetails` value (what
/// `ConvertTo-Json` writes for a live enum without `-EnumsAsStrings`); numbers outside the
/// known table become [`Other`](Self::Other) holding the number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecipientTypeDetails {
    /// A user's mailbox. Eligible.
    UserMailbox,
    /// A shared mailbox. Eligible.
    SharedMailbox,
    /// A room (resource) mailbox. Eligible.
    RoomMailbox,
    /// An equipment (resource) mailbox. Eligible.
    EquipmentMailbox,
    /// A mailbox linked to an account in another forest.
    LinkedMailbox,
    /// A Bookings scheduling mailbox.
    SchedulingMailbox,
    /// A site mailbox (retired SharePoint team mailbox).
    TeamMailbox,
    /// The mailbox of a Microsoft 365 group.
    GroupMailbox,
    /// A discovery search mailbox.
    DiscoveryMailbox,
    /// A public folder mailbox.
    PublicFolderMailbox,
    /// A system arbitration mailbox.
    ArbitrationMailbox,
    /// A mail-enabled user whose mailbox is elsewhere (for example still on-premises).
    MailUser,
    /// A guest (B2B) mail user.
    GuestMailUser,
    /// A user without Exchange attributes.
    User,
    /// A disabled user without a mailbox.
    DisabledUser,
    /// A user linked to an account in another forest.
    LinkedUser,
    /// On-premises view of a user mailbox hosted in Exchange Online.
    RemoteUserMailbox,
    /// On-premises view of a shared mailbox hosted in Exchange Online.
    RemoteSharedMailbox,
    /// On-premises view of a room mailbox hosted in Exchange Online.
    RemoteRoomMailbox,
    /// On-premises view of an equipment mailbox hosted in Exchange Online.
    RemoteEquipmentMailbox,
    /// A mail contact.
    MailContact,
    /// A mail-enabled universal distribution group.
    MailUniversalDistributionGroup,
    /// A mail-enabled universal security group.
    MailUniversalSecurityGroup,
    /// A mail-enabled non-universal group.
    MailNonUniversalGroup,
    /// A dynamic distribution group.
    DynamicDistributionGroup,
    /// A room list (a distribution group of rooms).
    RoomList,
    /// Any other recipient type, holding the name (or number) as read.
    Other(String),
}

use RecipientTypeDetails as R;

/// Every named variant, its canonical name and its `msExchRecipientTypeDetails` value where
/// it is in the commonly published table.
const TABLE: [(RecipientTypeDetails, &str, Option<u64>); 26] = [
    (R::UserMailbox, "UserMailbox", Some(1)),
    (R::SharedMailbox, "SharedMailbox", Some(4)),
    (R::RoomMailbox, "RoomMailbox", Some(16)),
    (R::EquipmentMailbox, "EquipmentMailbox", Some(32)),
    (R::LinkedMailbox, "LinkedMailbox", Some(2)),
    (R::SchedulingMailbox, "SchedulingMailbox", None),
    (R::TeamMailbox, "TeamMailbox", None),
    (R::GroupMailbox, "GroupMailbox", None),
    (R::DiscoveryMailbox, "DiscoveryMailbox", Some(536_870_912)),
    (R::PublicFolderMailbox, "PublicFolderMailbox", None),
    (R::ArbitrationMailbox, "ArbitrationMailbox", Some(8_388_608)),
    (R::MailUser, "MailUser", Some(128)),
    (R::GuestMailUser, "GuestMailUser", None),
    (R::User, "User", Some(65_536)),
    (R::DisabledUser, "DisabledUser", Some(2_097_152)),
    (R::LinkedUser, "LinkedUser", Some(33_554_432)),
    (
        R::RemoteUserMailbox,
        "RemoteUserMailbox",
        Some(2_147_483_648),
    ),
    (
        R::RemoteSharedMailbox,
        "RemoteSharedMailbox",
        Some(34_359_738_368),
    ),
    (
        R::RemoteRoomMailbox,
        "RemoteRoomMailbox",
        Some(8_589_934_592),
    ),
    (
        R::RemoteEquipmentMailbox,
        "RemoteEquipmentMailbox",
        Some(17_179_869_184),
    ),
    (R::MailContact, "MailContact", Some(64)),
    (
        R::MailUniversalDistributionGroup,
        "MailUniversalDistributionGroup",
        Some(256),
    ),
    (
        R::MailUniversalSecurityGroup,
        "MailUniversalSecurityGroup",
        Some(1024),
    ),
    (R::MailNonUniversalGroup, "MailNonUniversalGroup", Some(512)),
    (
        R::DynamicDistributionGroup,
        "DynamicDistributionGroup",
        Some(2048),
    ),
    (R::RoomList, "RoomList", Some(268_435_456)),
];

impl RecipientTypeDetails {
    /// The recipient types whose Exchange attributes can be made cloud-managed
    /// (`Set-Mailbox -IsExchangeCloudManaged $true`): user, shared, room and equipment
    /// mailboxes.
    pub const ELIGIBLE: [RecipientTypeDetails; 4] = [
        R::UserMailbox,
        R::SharedMailbox,
        R::RoomMailbox,
        R::EquipmentMailbox,
    ];

    /// Parses a name; same as [`str::parse`].
    pub fn parse(text: &str) -> Result<Self> {
        let name = text.trim();
        if name.is_empty() {
            return Err(Error::InvalidRecipientType {
                input: text.to_owned(),
                reason: "empty recipient type name (expected a RecipientTypeDetails value such as UserMailbox)".to_owned(),
            });
        }
        Ok(TABLE
            .iter()
            .find(|(_, n, _)| n.eq_ignore_ascii_case(name))
            .map_or_else(|| R::Other(name.to_owned()), |(v, _, _)| v.clone()))
    }

    /// The recipient type for a numeric `msExchRecipientTypeDetails` value; values outside the
    /// known table give [`Other`](Self::Other) holding the number.
    pub fn from_ad_value(value: u64) -> Self {
        TABLE
            .iter()
            .find(|(_, _, n)| *n == Some(value))
            .map_or_else(|| R::Other(value.to_string()), |(v, _, _)| v.clone())
    }

    /// The canonical name, such as `UserMailbox`; for [`Other`](Self::Other), the name as read.
    pub fn as_str(&self) -> &str {
        match self {
            R::Other(name) => name,
            known => TABLE
                .iter()
                .find(|(v, _, _)| v == known)
                .map_or("", |(_, name, _)| name),
        }
    }

    /// Whether the Exchange attributes of such a recipient can be made cloud-managed: exactly
    /// the four types of [`ELIGIBLE`](Self::ELIGIBLE). (The mailbox must also be dir-synced;
    /// that is not a property of the type.)
    pub fn is_eligible(&self) -> bool {
        Self::ELIGIBLE.contains(self)
    }

    /// Why such a recipient cannot be made cloud-managed, or `None` when it can.
    pub fn ineligibility_reason(&self) -> Option<&'static str> {
        Some(match self {
            R::UserMailbox | R::SharedMailbox | R::RoomMailbox | R::EquipmentMailbox => {
                return None;
            }
            R::MailUniversalDistributionGroup
            | R::MailUniversalSecurityGroup
            | R::MailNonUniversalGroup
            | R::RoomList => {
                "mail-enabled groups are not covered by IsExchangeCloudManaged; they move as a whole object with Group SOA (Graph onPremisesSyncBehavior)"
            }
            R::DynamicDistributionGroup => {
                "dynamic distribution groups are not synchronized from on-premises AD and are not covered by IsExchangeCloudManaged"
            }
            R::MailContact => {
                "mail contacts are not covered by IsExchangeCloudManaged; they move as a whole object with Contact SOA (Graph onPremisesSyncBehavior)"
            }
            R::MailUser | R::GuestMailUser => {
                "mail users have no IsExchangeCloudManaged switch (the parameter exists only on Set-Mailbox); a user whose mailbox is still on-premises must be migrated to Exchange Online first"
            }
            R::RemoteUserMailbox
            | R::RemoteSharedMailbox
            | R::RemoteRoomMailbox
            | R::RemoteEquipmentMailbox => {
                "this is the on-premises view of a mailbox hosted in Exchange Online; read the mailbox with Get-Mailbox in Exchange Online and check its type there"
            }
            R::LinkedMailbox => {
                "linked mailboxes are not among the supported types (user, shared, room and equipment mailboxes)"
            }
            R::User | R::DisabledUser | R::LinkedUser => {
                "the user has no mailbox, so there are no Exchange attributes to manage; identity attributes move only with User SOA (Graph onPremisesSyncBehavior)"
            }
            R::GroupMailbox => {
                "Microsoft 365 group mailboxes are cloud objects and are not covered by IsExchangeCloudManaged"
            }
            R::SchedulingMailbox
            | R::TeamMailbox
            | R::DiscoveryMailbox
            | R::PublicFolderMailbox
            | R::ArbitrationMailbox => {
                "system and special-purpose mailboxes are not among the supported types (user, shared, room and equipment mailboxes)"
            }
            R::Other(_) => {
                "unknown recipient type; only user, shared, room and equipment mailboxes are supported"
            }
        })
    }
}

impl FromStr for RecipientTypeDetails {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        RecipientTypeDetails::parse(s)
    }
}

impl fmt::Display for RecipientTypeDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RecipientTypeDetails {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RecipientTypeDetails {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(RecipientVisitor)
    }
}

struct RecipientVisitor;

impl<'de> Visitor<'de> for RecipientVisitor {
    type Value = RecipientTypeDetails;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a recipient type name such as \"UserMailbox\", an object {\"Value\": \"UserMailbox\"}, or a numeric msExchRecipientTypeDetails value",
        )
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
        RecipientTypeDetails::parse(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
        Ok(RecipientTypeDetails::from_ad_value(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
        match u64::try_from(v) {
            Ok(v) => Ok(RecipientTypeDetails::from_ad_value(v)),
            Err(_) => Err(E::custom(format!(
                "invalid recipient type {v}: negative msExchRecipientTypeDetails value"
            ))),
        }
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key.eq_ignore_ascii_case("value") && found.is_none() {
                found = Some(map.next_value::<RecipientTypeDetails>()?);
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        found.ok_or_else(|| de::Error::custom("recipient type object without a \"Value\" member"))
    }
}
