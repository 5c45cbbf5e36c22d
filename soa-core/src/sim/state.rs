//! The simulated organization's data: AD users, cloud users and their recipients, the sync
//! engines, principals, and the audit log. Plain data with serde, so a snapshot is the whole
//! organization as JSON.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::exo::AuditRecord;
use crate::model::{AttributeValue, RecipientTypeDetails, SyncVersion};

/// Attribute values keyed by the attribute's canonical catalog name
/// ([`crate::catalog::Attribute::name`]).
pub type Attrs = BTreeMap<Arc<str>, AttributeValue>;

/// A user account in on-premises Active Directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdUser {
    /// `objectGUID`, the source anchor that links the account to its cloud user.
    pub object_guid: String,
    /// `userPrincipalName`.
    pub user_principal_name: String,
    /// `sAMAccountName`.
    pub sam_account_name: String,
    /// Whether the account is enabled.
    pub enabled: bool,
    /// `whenCreated`.
    pub when_created: DateTime<Utc>,
    /// `whenChanged`: moves on every on-premises edit and every writeback.
    pub when_changed: DateTime<Utc>,
    /// Identity and Exchange attributes, by canonical catalog name.
    pub attributes: Attrs,
}

/// A user in Entra ID, and its Exchange Online recipient if it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudUser {
    /// `ExternalDirectoryObjectId`.
    pub id: String,
    /// The `objectGUID` of the AD account it is synchronized from; `None` for a cloud-only user.
    pub source_anchor: Option<String>,
    /// `UserPrincipalName`.
    pub user_principal_name: String,
    /// Whether a license with Exchange Online is assigned.
    pub licensed: bool,
    /// Identity attributes, by canonical catalog name.
    pub attributes: Attrs,
    /// The Exchange Online recipient; `None` for an identity-only user.
    pub recipient: Option<Recipient>,
    /// The user arrived, provisioned on-premises, while the tenant default was on: it has no
    /// Exchange Online recipient and turning the default off does not repair it.
    #[serde(default)]
    pub provisioning_blocked: bool,
    /// Last change of the user or its recipient.
    pub when_changed: DateTime<Utc>,
    /// Creation time.
    pub when_created: DateTime<Utc>,
}

impl CloudUser {
    /// Whether the user is synchronized from AD.
    pub fn dir_synced(&self) -> bool {
        self.source_anchor.is_some()
    }
}

/// An Exchange Online recipient (a mailbox or a mail user).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    /// `RecipientTypeDetails`.
    pub recipient_type: RecipientTypeDetails,
    /// `ExchangeGuid`.
    pub exchange_guid: String,
    /// `IsExchangeCloudManaged`.
    pub cloud_managed: bool,
    /// Exchange and cloud-only attributes, by canonical catalog name.
    pub attributes: Attrs,
}

/// The Entra Cloud Sync provisioning agent, which runs Exchange attribute writeback. Fields left
/// out of its JSON take the defaults of [`CloudSyncAgent::default`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloudSyncAgent {
    /// The agent's version.
    pub version: SyncVersion,
    /// Whether the "EXO to AD attribute sync" configuration exists and runs.
    pub writeback_enabled: bool,
    /// Whether `mail` is written back (configurations created on or after 2026-08-03, or
    /// after "Restore default mappings").
    pub mail_writeback: bool,
    /// The most cloud-managed mailboxes writeback serves (600,000 at general availability).
    pub capacity: u64,
}

impl Default for CloudSyncAgent {
    fn default() -> Self {
        CloudSyncAgent {
            version: SyncVersion::CLOUD_SYNC_WRITEBACK_MINIMUM,
            writeback_enabled: true,
            mail_writeback: true,
            capacity: crate::preflight::Requirements::GA_CAPACITY,
        }
    }
}

/// An export error of a sync engine, as the sync service shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncError {
    /// The object (its UPN).
    pub object: String,
    /// The error code, e.g. `ExchangeManagedAttributesUpdateNotAllowed`.
    pub code: String,
    /// The message.
    pub message: String,
    /// When it happened.
    pub time: DateTime<Utc>,
}

/// A management role: the cmdlets and parameters it grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Grants as `Cmdlet` → parameters; a cmdlet ending in `*` matches a prefix
    /// (`Get-*`), and a parameter `*` matches every parameter.
    pub grants: BTreeMap<String, Vec<String>>,
}

/// Everything the simulated organization holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct State {
    /// Snapshot format version.
    pub(crate) format: u32,
    pub(crate) tenant: String,
    pub(crate) now: DateTime<Utc>,
    pub(crate) connect_sync_version: SyncVersion,
    pub(crate) cloud_sync: Option<CloudSyncAgent>,
    pub(crate) cloud_managed_by_default: bool,
    pub(crate) sync_interval_minutes: i64,
    pub(crate) writeback_interval_minutes: i64,
    pub(crate) next_sync: DateTime<Utc>,
    pub(crate) next_writeback: DateTime<Utc>,
    pub(crate) ad_users: BTreeMap<String, AdUser>,
    pub(crate) cloud_users: BTreeMap<String, CloudUser>,
    pub(crate) principals: BTreeMap<String, Vec<String>>,
    pub(crate) roles: BTreeMap<String, Role>,
    pub(crate) audit: Vec<AuditRecord>,
    pub(crate) sync_errors: Vec<SyncError>,
    pub(crate) counter: u64,
    #[serde(skip)]
    pub(crate) index: Index,
}

/// Look-up tables rebuilt from the data: lower-cased names to ids.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    /// Cloud names (UPN, alias, SMTP addresses, ids, ExchangeGuid) → cloud user id.
    pub(crate) cloud: HashMap<String, String>,
    /// The keys each cloud user holds in `cloud`, to remove them on change.
    pub(crate) cloud_keys: HashMap<String, Vec<String>>,
    /// AD names (objectGUID, UPN, sAMAccountName) → objectGUID.
    pub(crate) ad: HashMap<String, String>,
    /// AD objectGUID → cloud user id.
    pub(crate) anchor: HashMap<String, String>,
}

impl State {
    /// The current snapshot format.
    pub(crate) const FORMAT: u32 = 1;

    /// A deterministic, GUID-shaped identifier from the organization's counter.
    pub(crate) fn next_guid(&mut self) -> String {
        self.counter += 1;
        let mut x = self
            .counter
            .wrapping_add(0x9E37_79B9_7F4A_7C15)
            .wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let mut y = x ^ (x >> 31);
        x = y.wrapping_mul(0x94D0_49BB_1331_11EB);
        y = x ^ (x >> 29) ^ self.counter.rotate_left(17);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (x >> 32) as u32,
            (x >> 16) & 0xffff,
            x & 0xfff,
            (y >> 52) & 0xfff,
            y & 0xffff_ffff_ffff
        )
    }

    /// Rebuilds every index (after loading a snapshot).
    pub(crate) fn reindex_all(&mut self) {
        self.index = Index::default();
        let ad: Vec<String> = self.ad_users.keys().cloned().collect();
        for guid in ad {
            self.reindex_ad(&guid);
        }
        let cloud: Vec<String> = self.cloud_users.keys().cloned().collect();
        for id in cloud {
            self.reindex_cloud(&id);
        }
    }

    /// Refreshes the names under which an AD user is found.
    pub(crate) fn reindex_ad(&mut self, guid: &str) {
        if let Some(u) = self.ad_users.get(guid) {
            for key in [&u.object_guid, &u.user_principal_name, &u.sam_account_name] {
                self.index.ad.insert(key.to_lowercase(), guid.to_owned());
            }
        }
    }

    /// Refreshes the names under which a cloud user (and its recipient) is found.
    pub(crate) fn reindex_cloud(&mut self, id: &str) {
        if let Some(old) = self.index.cloud_keys.remove(id) {
            for key in old {
                if self.index.cloud.get(&key).is_some_and(|v| v == id) {
                    self.index.cloud.remove(&key);
                }
            }
        }
        let Some(user) = self.cloud_users.get(id) else {
            return;
        };
        let mut keys = vec![
            user.id.to_lowercase(),
            user.user_principal_name.to_lowercase(),
        ];
        if let Some(anchor) = &user.source_anchor {
            self.index.anchor.insert(anchor.clone(), id.to_owned());
        }
        if let Some(r) = &user.recipient {
            keys.push(r.exchange_guid.to_lowercase());
            if let Some(AttributeValue::String(alias)) = r.attributes.get("Alias") {
                keys.push(alias.to_lowercase());
            }
            if let Some(addresses) = r.attributes.get("EmailAddresses") {
                for a in addresses.to_strings() {
                    if let Some((prefix, address)) = a.split_once(':')
                        && prefix.eq_ignore_ascii_case("smtp")
                    {
                        keys.push(address.to_lowercase());
                    }
                }
            }
        }
        for key in &keys {
            self.index.cloud.insert(key.clone(), id.to_owned());
        }
        self.index.cloud_keys.insert(id.to_owned(), keys);
    }

    /// The cloud user id for an identity (UPN, alias, SMTP address, ids).
    pub(crate) fn find_cloud(&self, identity: &str) -> Option<&str> {
        self.index
            .cloud
            .get(&identity.trim().to_lowercase())
            .map(String::as_str)
    }

    /// The AD objectGUID for an identity (objectGUID, UPN, sAMAccountName).
    pub(crate) fn find_ad(&self, identity: &str) -> Option<&str> {
        self.index
            .ad
            .get(&identity.trim().to_lowercase())
            .map(String::as_str)
    }
}
