//! A simulated hybrid organization: on-premises AD, Entra Connect Sync, Entra Cloud Sync
//! writeback, Exchange Online, RBAC and the admin audit log, on a virtual clock.
//!
//! [`SimulatedOrg`] is the embedded default backend: it implements
//! [`ExchangeOnline`](crate::exo::ExchangeOnline), so the workflow runs on it with no
//! credentials and no network, and it exposes the on-premises side (AD edits, the sync engines,
//! the clock) so that admins and tests can rehearse a transfer and see what each sync cycle does.
//!
//! What happens is decided by the catalog and the authority rules of this crate, not by a second
//! copy of them:
//!
//! - A **sync cycle** ([`SimulatedOrg::sync_cycle`]) carries identity attributes from AD always,
//!   and Exchange attributes only for mailboxes that are not cloud-managed — which is also how a
//!   rollback overwrites cloud edits. With Entra Connect Sync older than 2.5.190.0, cloud-managed
//!   users fail with `ExchangeManagedAttributesUpdateNotAllowed` export errors and stop syncing.
//! - **Writeback** ([`SimulatedOrg::writeback_cycle`], every 20 virtual minutes when a Cloud Sync
//!   agent of 1.1.1107.0 or later is configured) copies the writeback attribute set of
//!   cloud-managed mailboxes to AD and nothing else, and refuses to run beyond its capacity.
//! - **Exchange Online** refuses edits of attributes mastered on-premises with the write-scope
//!   error, refuses the flag on ineligible recipients, denies callers without a role granting the
//!   parameter, and records every successful change in the admin audit log.
//! - With the **tenant default** on, new AD users arrive without Exchange attributes and a
//!   license creates a cloud-managed mailbox, while a recipient provisioned on-premises ends up
//!   identity-only, with no Exchange Online recipient.
//!
//! Simplifications, stated: AD stores `msExchRecipientTypeDetails` as a type name
//! (`RemoteUserMailbox`) rather than its numeric value; the virtual clock runs only when told
//! ([`SimulatedOrg::advance`]); every sync cycle is a full cycle.

/// An HTTP emulator of the Exchange Online `InvokeCommand` gateway and its token endpoint.
#[cfg(feature = "emulator")]
pub mod emulator;
mod exchange;
mod generate;
mod project;
mod rbac;
mod state;
mod sync;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

pub use exchange::MailboxPage;
pub use state::{AdUser, Attrs, CloudSyncAgent, CloudUser, Recipient, Role, SyncError};
pub use sync::{EXCHANGE_MANAGED_ERROR, SyncReport, WritebackReport};

use crate::catalog::{AttributeClass, Catalog};
use crate::model::{AttributeValue, Mailbox, RecipientTypeDetails, SyncVersion, User};
use crate::{Error, Result};
use state::{Index, State};

/// The time a new simulated organization starts at.
pub const EPOCH: &str = "2026-11-27T00:00:00Z";

/// A simulated hybrid organization. Cheap to clone: clones share the organization.
///
/// Calls through [`ExchangeOnline`](crate::exo::ExchangeOnline) act as the current principal
/// ([`SimulatedOrg::principal`]; `admin@<tenant>` with the Exchange Administrator role by
/// default); [`SimulatedOrg::as_principal`] gives a handle acting as someone else.
#[derive(Clone)]
pub struct SimulatedOrg {
    shared: Arc<Shared>,
    principal: Arc<str>,
}

struct Shared {
    state: RwLock<State>,
    catalog: Arc<Catalog>,
}

impl std::fmt::Debug for SimulatedOrg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.read();
        f.debug_struct("SimulatedOrg")
            .field("tenant", &s.tenant)
            .field("now", &s.now)
            .field("ad_users", &s.ad_users.len())
            .field("cloud_users", &s.cloud_users.len())
            .field("principal", &self.principal)
            .finish_non_exhaustive()
    }
}

/// A new AD account, as `New-ADUser` (optionally followed by `Enable-RemoteMailbox` or
/// `New-RemoteMailbox`) creates it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewAdUser {
    /// `userPrincipalName` (required).
    pub user_principal_name: String,
    /// `sAMAccountName`; derived from the UPN when empty.
    pub sam_account_name: String,
    /// Attributes by any catalog name (`displayName`, `extensionAttribute1`, ...).
    pub attributes: BTreeMap<String, AttributeValue>,
    /// Provision an Exchange recipient on-premises (`New-RemoteMailbox`) of this type
    /// (`RemoteUserMailbox`, `RemoteSharedMailbox`, ...): sets `msExchRecipientTypeDetails`,
    /// `mailNickname`, `proxyAddresses` and `mail` unless given.
    pub remote_mailbox: Option<RecipientTypeDetails>,
}

/// What the organization looks like, in numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSummary {
    /// AD accounts.
    pub ad_users: usize,
    /// Cloud users.
    pub cloud_users: usize,
    /// Exchange Online mailboxes.
    pub mailboxes: usize,
    /// Dir-synced mailboxes.
    pub dir_synced_mailboxes: usize,
    /// Cloud-managed mailboxes.
    pub cloud_managed_mailboxes: usize,
    /// Cloud users without an Exchange Online recipient.
    pub identity_only_users: usize,
    /// Current sync export errors.
    pub sync_errors: usize,
}

impl SimulatedOrg {
    /// An empty organization for `tenant` (e.g. `contoso.com`) with Entra Connect Sync
    /// 2.5.190.0, no Cloud Sync agent, the tenant default off, and the clock at [`EPOCH`].
    pub fn new(tenant: &str) -> Self {
        Self::with_catalog(tenant, Arc::new(Catalog::builtin().clone()))
    }

    /// Like [`SimulatedOrg::new`], with a catalog of the caller's (for example with overrides).
    pub fn with_catalog(tenant: &str, catalog: Arc<Catalog>) -> Self {
        let now: DateTime<Utc> = EPOCH.parse().unwrap_or_default();
        let admin = format!("admin@{tenant}");
        let mut state = State {
            format: State::FORMAT,
            tenant: tenant.to_owned(),
            now,
            connect_sync_version: SyncVersion::CONNECT_SYNC_MINIMUM,
            cloud_sync: None,
            cloud_managed_by_default: false,
            sync_interval_minutes: 30,
            writeback_interval_minutes: 20,
            next_sync: now + TimeDelta::minutes(30),
            next_writeback: now + TimeDelta::minutes(20),
            ad_users: BTreeMap::new(),
            cloud_users: BTreeMap::new(),
            principals: BTreeMap::from([(
                admin.clone(),
                vec!["Exchange Administrator".to_owned()],
            )]),
            roles: rbac::builtin_roles(),
            audit: Vec::new(),
            sync_errors: Vec::new(),
            counter: 0,
            index: Index::default(),
        };
        state.reindex_all();
        SimulatedOrg {
            shared: Arc::new(Shared {
                state: RwLock::new(state),
                catalog,
            }),
            principal: admin.into(),
        }
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, State> {
        self.shared
            .state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.shared
            .state
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The catalog the organization decides with.
    pub fn catalog(&self) -> &Catalog {
        &self.shared.catalog
    }

    /// The catalog the organization decides with, as a shared handle.
    pub fn catalog_shared(&self) -> Arc<Catalog> {
        Arc::clone(&self.shared.catalog)
    }

    /// The tenant's domain.
    pub fn tenant(&self) -> String {
        self.read().tenant.clone()
    }

    // ----- principals and roles -----

    /// Who the `ExchangeOnline` calls of this handle act as.
    pub fn principal(&self) -> &str {
        &self.principal
    }

    /// A handle on the same organization acting as `principal` (who need not exist: an unknown
    /// principal holds no role).
    #[must_use]
    pub fn as_principal(&self, principal: &str) -> SimulatedOrg {
        SimulatedOrg {
            shared: Arc::clone(&self.shared),
            principal: principal.into(),
        }
    }

    /// Checks that this handle's principal holds a role granting `cmdlet -parameter`
    /// ([`Error::AccessDenied`] otherwise).
    pub fn authorize(&self, cmdlet: &str, parameter: &str) -> Result<()> {
        rbac::check(&self.read(), self.principal(), cmdlet, parameter)
    }

    /// Adds (or replaces) a principal holding `roles` (role names, see [`SimulatedOrg::add_role`]).
    pub fn add_principal(&self, principal: &str, roles: &[&str]) {
        self.write().principals.insert(
            principal.to_owned(),
            roles.iter().map(|r| (*r).to_owned()).collect(),
        );
    }

    /// Adds (or replaces) a management role. Built in: `Exchange Administrator`,
    /// `Organization Management`, `Recipient Management`, `View-Only Organization Management`.
    pub fn add_role(&self, name: &str, role: Role) {
        self.write().roles.insert(name.to_owned(), role);
    }

    // ----- sync infrastructure and tenant settings -----

    /// Sets the Entra Connect Sync version.
    pub fn set_connect_sync_version(&self, version: SyncVersion) {
        self.write().connect_sync_version = version;
    }

    /// The Entra Connect Sync version.
    pub fn connect_sync_version(&self) -> SyncVersion {
        self.read().connect_sync_version
    }

    /// Installs (or removes, with `None`) the Cloud Sync provisioning agent.
    pub fn set_cloud_sync_agent(&self, agent: Option<CloudSyncAgent>) {
        self.write().cloud_sync = agent;
    }

    /// The Cloud Sync provisioning agent, if installed.
    pub fn cloud_sync_agent(&self) -> Option<CloudSyncAgent> {
        self.read().cloud_sync.clone()
    }

    /// Whether the tenant-wide default (`ExchangeAttributesCloudManagedByDefault`) is on.
    pub fn cloud_managed_by_default(&self) -> bool {
        self.read().cloud_managed_by_default
    }

    /// The current sync export errors.
    pub fn sync_errors(&self) -> Vec<SyncError> {
        self.read().sync_errors.clone()
    }

    /// Counts of what the organization holds.
    pub fn summary(&self) -> OrgSummary {
        let s = self.read();
        let mut out = OrgSummary {
            ad_users: s.ad_users.len(),
            cloud_users: s.cloud_users.len(),
            sync_errors: s.sync_errors.len(),
            ..OrgSummary::default()
        };
        for u in s.cloud_users.values() {
            match &u.recipient {
                None => out.identity_only_users += 1,
                Some(r) if project::is_mailbox(&r.recipient_type) => {
                    out.mailboxes += 1;
                    if u.dir_synced() {
                        out.dir_synced_mailboxes += 1;
                        if r.cloud_managed {
                            out.cloud_managed_mailboxes += 1;
                        }
                    }
                }
                Some(_) => {}
            }
        }
        out
    }

    // ----- the clock -----

    /// The virtual time.
    pub fn now(&self) -> DateTime<Utc> {
        self.read().now
    }

    /// Moves the clock forward by `by`, running the sync cycles (every 30 minutes) and
    /// writeback cycles (every 20 minutes) that fall due, in time order. Returns their reports.
    pub fn advance(&self, by: TimeDelta) -> Vec<CycleReport> {
        let mut s = self.write();
        let end = s.now + by.max(TimeDelta::zero());
        let mut reports = Vec::new();
        loop {
            let next = s.next_sync.min(s.next_writeback);
            if next > end {
                break;
            }
            s.now = next;
            if s.next_writeback <= s.next_sync {
                s.next_writeback = next + TimeDelta::minutes(s.writeback_interval_minutes);
                reports.push(CycleReport::Writeback(sync::writeback_cycle(
                    &mut s,
                    &self.shared.catalog,
                )));
            } else {
                s.next_sync = next + TimeDelta::minutes(s.sync_interval_minutes);
                reports.push(CycleReport::Sync(sync::sync_cycle(
                    &mut s,
                    &self.shared.catalog,
                )));
            }
        }
        s.now = end;
        reports
    }

    /// Runs one Entra Connect Sync cycle now (`Start-ADSyncSyncCycle -PolicyType Delta`).
    pub fn sync_cycle(&self) -> SyncReport {
        sync::sync_cycle(&mut self.write(), &self.shared.catalog)
    }

    /// Runs one Cloud Sync writeback cycle now (like "Provision on demand" for every object).
    pub fn writeback_cycle(&self) -> WritebackReport {
        sync::writeback_cycle(&mut self.write(), &self.shared.catalog)
    }

    // ----- the on-premises side -----

    /// Creates an AD account (`New-ADUser`, and `New-RemoteMailbox` when
    /// [`NewAdUser::remote_mailbox`] is set). Returns its objectGUID. It reaches the cloud at the
    /// next sync cycle.
    pub fn add_ad_user(&self, new: NewAdUser) -> Result<String> {
        let upn = new.user_principal_name.trim().to_owned();
        if !upn.contains('@') {
            return Err(Error::invalid_input(
                "userPrincipalName",
                format!("{upn:?} is not of the form name@domain"),
            ));
        }
        let mut s = self.write();
        if s.find_ad(&upn).is_some() {
            return Err(Error::invalid_input(
                "userPrincipalName",
                format!("{upn:?} is already used by another AD account"),
            ));
        }
        let mut attributes = Attrs::new();
        for (name, value) in &new.attributes {
            let attr = self.catalog().lookup(name)?;
            if attr.class == AttributeClass::CloudOnly {
                return Err(Error::invalid_input(
                    format!("attribute {name}"),
                    "a cloud-only setting has no AD attribute",
                ));
            }
            if !value.is_empty() {
                attributes.insert(attr.name().into(), value.clone());
            }
        }
        let local = upn.split('@').next().unwrap_or_default().to_owned();
        if let Some(kind) = &new.remote_mailbox {
            project::provision_remote_mailbox(&mut attributes, kind, &local, &s.tenant);
        }
        let guid = s.next_guid();
        let sam = if new.sam_account_name.is_empty() {
            local.chars().take(20).collect()
        } else {
            new.sam_account_name
        };
        let now = s.now;
        s.ad_users.insert(
            guid.clone(),
            AdUser {
                object_guid: guid.clone(),
                user_principal_name: upn,
                sam_account_name: sam,
                enabled: true,
                when_created: now,
                when_changed: now,
                attributes,
            },
        );
        s.reindex_ad(&guid);
        Ok(guid)
    }

    /// An AD account by objectGUID, UPN or sAMAccountName.
    pub fn ad_user(&self, identity: &str) -> Result<AdUser> {
        let s = self.read();
        s.find_ad(identity)
            .and_then(|g| s.ad_users.get(g))
            .cloned()
            .ok_or_else(|| not_found("AD user", identity))
    }

    /// An AD account's attribute values keyed by LDAP name, as `Get-ADUser -Properties *` reads
    /// them.
    pub fn ad_attributes(&self, identity: &str) -> Result<BTreeMap<String, AttributeValue>> {
        let user = self.ad_user(identity)?;
        Ok(by_ldap_name(self.catalog(), &user))
    }

    /// Every AD account as a complete export reads it (`Get-ADUser -Properties *`), in
    /// objectGUID order, for reconciling the simulated AD with its Exchange Online
    /// ([`crate::reconcile::reconcile_live`]): the attributes the simulation keeps by LDAP
    /// name, with `userPrincipalName`, `sAMAccountName`, `objectGUID` and `whenChanged`. Two
    /// values the simulation does not keep on the account are stamped as a hybrid organization
    /// has them: `msExchMailboxGuid` (the ExchangeGuid of the account's Exchange Online
    /// recipient, as hybrid writes it on remote mailboxes) and `cn` (the display name, which
    /// the cloud's Name comes from).
    pub fn ad_export(&self) -> Vec<crate::reconcile::source::AdEntry> {
        let catalog = self.catalog();
        let s = self.read();
        let mailbox_guids: BTreeMap<&str, &str> = s
            .cloud_users
            .values()
            .filter_map(|u| {
                Some((
                    u.source_anchor.as_deref()?,
                    u.recipient.as_ref()?.exchange_guid.as_str(),
                ))
            })
            .collect();
        s.ad_users
            .values()
            .map(|user| {
                let mut attributes = by_ldap_name(catalog, user);
                attributes.insert(
                    "userPrincipalName".into(),
                    user.user_principal_name.as_str().into(),
                );
                attributes.insert(
                    "sAMAccountName".into(),
                    user.sam_account_name.as_str().into(),
                );
                if let Some(guid) = mailbox_guids.get(user.object_guid.as_str()) {
                    attributes.insert("msExchMailboxGuid".into(), (*guid).into());
                }
                if let Some(name) = attributes.get("displayName").cloned() {
                    attributes.insert("cn".into(), name);
                }
                crate::reconcile::source::AdEntry {
                    origin: format!("simulated AD {}", user.user_principal_name),
                    distinguished_name: None,
                    object_guid: Some(user.object_guid.clone()),
                    when_changed: Some(user.when_changed),
                    attributes,
                    complete: true,
                }
            })
            .collect()
    }

    /// Changes AD attributes of an account (`Set-ADUser -Replace/-Clear`, or what
    /// `Set-RemoteMailbox` writes): `null` clears. Moves `whenChanged`. The change reaches the
    /// cloud at the next sync cycle — or not, for Exchange attributes of a cloud-managed mailbox.
    pub fn set_ad_attributes(
        &self,
        identity: &str,
        changes: &BTreeMap<String, AttributeValue>,
    ) -> Result<()> {
        let mut resolved = Vec::with_capacity(changes.len());
        for (name, value) in changes {
            let attr = self.catalog().lookup(name)?;
            if attr.class == AttributeClass::CloudOnly || attr.ldap_name.is_none() {
                return Err(Error::invalid_input(
                    format!("attribute {name}"),
                    format!("{} has no AD attribute", attr.name()),
                ));
            }
            crate::authority::validate_value(attr, value)?;
            resolved.push((Arc::<str>::from(attr.name()), value.clone()));
        }
        let mut s = self.write();
        let now = s.now;
        let guid = s
            .find_ad(identity)
            .map(str::to_owned)
            .ok_or_else(|| not_found("AD user", identity))?;
        let user = s
            .ad_users
            .get_mut(&guid)
            .ok_or_else(|| not_found("AD user", identity))?;
        for (name, value) in resolved {
            if value.is_empty() {
                user.attributes.remove(&name);
            } else {
                user.attributes.insert(name, value);
            }
        }
        user.when_changed = now;
        Ok(())
    }

    /// Removes an AD account (`Remove-ADUser`). At the next sync cycle the cloud user — and its
    /// mailbox, cloud-managed or not — is deleted.
    pub fn remove_ad_user(&self, identity: &str) -> Result<()> {
        let mut s = self.write();
        let guid = s
            .find_ad(identity)
            .map(str::to_owned)
            .ok_or_else(|| not_found("AD user", identity))?;
        s.ad_users.remove(&guid);
        s.index.ad.retain(|_, g| *g != guid);
        Ok(())
    }

    /// Assigns an Exchange Online license to a cloud user: a user without a mailbox gets one
    /// (cloud-managed when the tenant default is on and the user arrived without Exchange
    /// attributes; a mail user provisioned on-premises becomes a mailbox).
    pub fn assign_license(&self, identity: &str) -> Result<()> {
        let mut s = self.write();
        let id = s
            .find_cloud(identity)
            .map(str::to_owned)
            .ok_or_else(|| not_found("user", identity))?;
        sync::license(&mut s, &id)
    }

    /// Creates a cloud-only mailbox (`New-Mailbox`), of the given type.
    pub fn add_cloud_mailbox(
        &self,
        user_principal_name: &str,
        recipient_type: RecipientTypeDetails,
    ) -> Result<String> {
        let mut s = self.write();
        if s.find_cloud(user_principal_name).is_some() {
            return Err(Error::invalid_input(
                "UserPrincipalName",
                format!("{user_principal_name:?} is already used"),
            ));
        }
        let id = s.next_guid();
        let exchange_guid = s.next_guid();
        let local = user_principal_name.split('@').next().unwrap_or_default();
        let mut attributes = Attrs::new();
        attributes.insert(
            "EmailAddresses".into(),
            AttributeValue::List(vec![format!("SMTP:{user_principal_name}")]),
        );
        attributes.insert("Alias".into(), AttributeValue::String(local.to_owned()));
        let now = s.now;
        s.cloud_users.insert(
            id.clone(),
            CloudUser {
                id: id.clone(),
                source_anchor: None,
                user_principal_name: user_principal_name.to_owned(),
                licensed: true,
                attributes: Attrs::from([(
                    Arc::from("DisplayName"),
                    AttributeValue::String(local.to_owned()),
                )]),
                recipient: Some(Recipient {
                    recipient_type,
                    exchange_guid,
                    cloud_managed: false,
                    attributes,
                }),
                provisioning_blocked: false,
                when_changed: now,
                when_created: now,
            },
        );
        s.reindex_cloud(&id);
        Ok(id)
    }

    /// Whether a cloud user exists for `identity` but has no Exchange Online recipient (the
    /// tenant-default hazard).
    pub fn is_identity_only(&self, identity: &str) -> Result<bool> {
        let s = self.read();
        let id = s
            .find_cloud(identity)
            .ok_or_else(|| not_found("user", identity))?;
        Ok(s.cloud_users.get(id).is_some_and(|u| u.recipient.is_none()))
    }

    // ----- snapshots -----

    /// The whole organization as JSON.
    pub fn to_json(&self) -> Result<String> {
        crate::json::to_string(&*self.read())
    }

    /// An organization from [`SimulatedOrg::to_json`]'s output.
    pub fn from_json(text: &str) -> Result<SimulatedOrg> {
        let mut state: State =
            crate::json::from_object_str(text, "simulated organization snapshot")?;
        if state.format != State::FORMAT {
            return Err(Error::invalid_input(
                "simulated organization snapshot",
                format!(
                    "format {} is not supported (this version reads format {})",
                    state.format,
                    State::FORMAT
                ),
            ));
        }
        state.reindex_all();
        let admin = format!("admin@{}", state.tenant);
        Ok(SimulatedOrg {
            shared: Arc::new(Shared {
                state: RwLock::new(state),
                catalog: Arc::new(Catalog::builtin().clone()),
            }),
            principal: admin.into(),
        })
    }

    /// Saves a snapshot to `path`, atomically (a temporary file, fsynced, then renamed), so an
    /// interrupted save never leaves a half-written snapshot.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = self.to_json()?;
        crate::fsutil::write_atomic(path, text.as_bytes())
    }

    /// Loads a snapshot saved with [`SimulatedOrg::save`].
    pub fn load(path: &Path) -> Result<SimulatedOrg> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text).map_err(|e| match e {
            Error::Json { source, .. } => Error::Json {
                context: path.display().to_string(),
                source,
            },
            Error::InvalidInput { what, reason } => Error::InvalidInput {
                what: format!("{} ({what})", path.display()),
                reason,
            },
            other => other,
        })
    }

    // ----- reading the cloud side directly -----

    /// A mailbox as `Get-Mailbox` shows it (no RBAC check: this is the simulation's own view).
    pub fn mailbox(&self, identity: &str) -> Result<Mailbox> {
        let s = self.read();
        project::find_mailbox(&s, identity)
    }

    /// Every mailbox, in a stable order.
    pub fn mailboxes(&self) -> Vec<Mailbox> {
        let s = self.read();
        s.cloud_users
            .values()
            .filter_map(project::mailbox)
            .collect()
    }

    /// A user as `Get-User` shows it.
    pub fn user(&self, identity: &str) -> Result<User> {
        let s = self.read();
        let id = s
            .find_cloud(identity)
            .ok_or_else(|| not_found("user", identity))?;
        s.cloud_users
            .get(id)
            .map(|u| project::user(u, self.catalog()))
            .ok_or_else(|| not_found("user", identity))
    }
}

/// One cycle run by [`SimulatedOrg::advance`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cycle", rename_all = "snake_case")]
pub enum CycleReport {
    /// An Entra Connect Sync cycle.
    Sync(SyncReport),
    /// A Cloud Sync writeback cycle.
    Writeback(WritebackReport),
}

fn not_found(what: &'static str, identity: &str) -> Error {
    Error::NotFound {
        what,
        identity: identity.to_owned(),
    }
}

/// An AD account's attribute values keyed by LDAP name (the catalog's spelling; a name the
/// catalog does not know is kept as it is).
fn by_ldap_name(catalog: &Catalog, user: &AdUser) -> BTreeMap<String, AttributeValue> {
    user.attributes
        .iter()
        .map(|(name, v)| {
            let ldap = catalog
                .get(name)
                .and_then(|a| a.ldap_name.clone())
                .unwrap_or_else(|| name.to_string());
            (ldap, v.clone())
        })
        .collect()
}
