//! The seam between the workflow and Exchange Online: the [`ExchangeOnline`] trait.
//!
//! Two implementations exist: the simulated organization (`sim::SimulatedOrg`, feature `sim`, the
//! embedded default, no credentials and no network) and the REST client of the Exchange Online
//! `InvokeCommand` gateway. Everything the transfer workflow does to a tenant goes through this
//! trait, so the same code runs against both.
//!
//! Each method corresponds to one cmdlet call, named in its documentation. Writes are separate
//! calls: [`ExchangeOnline::set_cloud_managed`] changes `IsExchangeCloudManaged` alone, never
//! together with other parameters, as Microsoft recommends.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_core::Stream;
use serde::{Deserialize, Serialize};

use crate::catalog::{Attribute, Catalog};
use crate::clock::{Clock, SystemClock};
use crate::{Error, Result};

#[cfg(feature = "rest")]
pub mod rest;
pub mod wire;
use crate::model::{AttributeValue, Mailbox, RecipientTypeDetails, User};

/// A lazy stream of mailboxes: nothing is fetched until it is polled, and pages are fetched one
/// at a time.
pub type MailboxPager<'a> = Pin<Box<dyn Stream<Item = Result<Mailbox>> + Send + 'a>>;

/// Which mailboxes [`ExchangeOnline::list_mailboxes`] returns. Every field left `None` (or
/// empty) matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MailboxFilter {
    /// Only mailboxes whose `IsDirSynced` is this.
    pub dir_synced: Option<bool>,
    /// Only mailboxes whose `IsExchangeCloudManaged` is this.
    pub cloud_managed: Option<bool>,
    /// Only these recipient types (empty: all).
    pub recipient_types: Vec<RecipientTypeDetails>,
}

impl MailboxFilter {
    /// Whether `mailbox` passes the filter.
    pub fn matches(&self, mailbox: &Mailbox) -> bool {
        self.matches_state(
            mailbox.is_dir_synced,
            mailbox.is_exchange_cloud_managed,
            mailbox.recipient_type_details.as_ref(),
        )
    }

    /// Whether a mailbox with these properties passes the filter.
    pub fn matches_state(
        &self,
        dir_synced: bool,
        cloud_managed: bool,
        recipient_type: Option<&RecipientTypeDetails>,
    ) -> bool {
        self.dir_synced.is_none_or(|d| d == dir_synced)
            && self.cloud_managed.is_none_or(|c| c == cloud_managed)
            && (self.recipient_types.is_empty()
                || recipient_type.is_some_and(|t| self.recipient_types.contains(t)))
    }

    /// The OPATH filter that `Get-Mailbox -Filter` takes for this selection, if any.
    pub fn to_opath(&self) -> Option<String> {
        let mut terms = Vec::new();
        if let Some(d) = self.dir_synced {
            terms.push(format!("IsDirSynced -eq '{d}'"));
        }
        if let Some(c) = self.cloud_managed {
            terms.push(format!("IsExchangeCloudManaged -eq '{c}'"));
        }
        if !self.recipient_types.is_empty() {
            let any: Vec<String> = self
                .recipient_types
                .iter()
                .map(|t| format!("RecipientTypeDetails -eq {}", opath_string(t.as_str())))
                .collect();
            terms.push(format!("({})", any.join(" -or ")));
        }
        (!terms.is_empty()).then(|| terms.join(" -and "))
    }
}

/// A string value for an OPATH filter: single-quoted, with every character PowerShell takes as
/// a single quote (`'` and U+2018 to U+201B) doubled, so that no value can end the string and
/// add terms of its own (`x' -or Name -like '*`).
///
/// ```
/// assert_eq!(soa_core::exo::opath_string("O'Neil"), "'O''Neil'");
/// ```
pub fn opath_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Changes to a mailbox's attributes, as one `Set-Mailbox` call.
///
/// Keys are attribute names (any catalog name; implementations send the `Set-Mailbox`
/// parameter). `set` replaces a value (`null` clears it); `add` and `remove` change a
/// multi-valued attribute without replacing it (`-EmailAddresses @{Add=...; Remove=...}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MailboxChanges {
    /// Values to set.
    pub set: BTreeMap<String, AttributeValue>,
    /// Values to add to multi-valued attributes.
    pub add: BTreeMap<String, Vec<String>>,
    /// Values to remove from multi-valued attributes.
    pub remove: BTreeMap<String, Vec<String>>,
}

impl MailboxChanges {
    /// Changes that set one attribute.
    pub fn set(attribute: impl Into<String>, value: impl Into<AttributeValue>) -> Self {
        let mut c = MailboxChanges::default();
        c.set.insert(attribute.into(), value.into());
        c
    }

    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.add.is_empty() && self.remove.is_empty()
    }

    /// The changes grouped by `Set-Mailbox` parameter, as one call sends them, with each
    /// attribute resolved through `catalog`.
    ///
    /// Refuses `IsExchangeCloudManaged` (it is changed in a call of its own), an attribute
    /// without a `Set-Mailbox` parameter (the service's "A parameter cannot be found" error),
    /// add/remove on a single-valued attribute, and a parameter both replaced and added to.
    /// Adds and removes of the same parameter are merged.
    pub fn by_parameter<'c>(
        &self,
        catalog: &'c Catalog,
    ) -> Result<BTreeMap<String, (ParameterChange, &'c Attribute)>> {
        let named = self
            .set
            .keys()
            .chain(self.add.keys())
            .chain(self.remove.keys());
        for name in named {
            if name
                .trim_start_matches('-')
                .eq_ignore_ascii_case("IsExchangeCloudManaged")
            {
                return Err(Error::invalid_input(
                    "Set-Mailbox parameters",
                    "IsExchangeCloudManaged is changed in a call of its own (set_cloud_managed), never together with other parameters",
                ));
            }
        }
        let mut by_parameter: BTreeMap<String, (ParameterChange, &'c Attribute)> = BTreeMap::new();
        let mut put = |name: &str, change: ParameterChange| -> Result<()> {
            let attr = catalog.lookup(name)?;
            let parameter = attr.parameter.clone().ok_or_else(|| Error::Exchange {
                cmdlet: "Set-Mailbox".to_owned(),
                message: format!(
                    "A parameter cannot be found that matches parameter name '{name}': {} has no Set-Mailbox parameter.",
                    attr.name()
                ),
            })?;
            if matches!(change, ParameterChange::Multi { .. }) && !attr.is_multi_valued() {
                return Err(Error::invalid_input(
                    format!("change of {}", attr.name()),
                    "add and remove apply to multi-valued attributes only",
                ));
            }
            match (by_parameter.get_mut(&parameter), change) {
                (None, change) => {
                    by_parameter.insert(parameter, (change, attr));
                }
                (
                    Some((ParameterChange::Multi { add, remove }, _)),
                    ParameterChange::Multi {
                        add: more_add,
                        remove: more_remove,
                    },
                ) => {
                    add.extend(more_add);
                    remove.extend(more_remove);
                }
                (Some(_), _) => {
                    return Err(Error::invalid_input(
                        format!("changes of {}", attr.name()),
                        format!(
                            "-{parameter} is changed twice (replaced and added to, or named twice): one Set-Mailbox call sends each parameter once"
                        ),
                    ));
                }
            }
            Ok(())
        };
        for (name, value) in &self.set {
            put(name, ParameterChange::Set(value.clone()))?;
        }
        for (name, items) in &self.add {
            put(
                name,
                ParameterChange::Multi {
                    add: items.clone(),
                    remove: Vec::new(),
                },
            )?;
        }
        for (name, items) in &self.remove {
            put(
                name,
                ParameterChange::Multi {
                    add: Vec::new(),
                    remove: items.clone(),
                },
            )?;
        }
        Ok(by_parameter)
    }
}

/// The change of one `Set-Mailbox` parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParameterChange {
    /// Replace the value (`null` clears it).
    Set(AttributeValue),
    /// Add to and remove from a multi-valued attribute (`@{Add=...; Remove=...}`).
    Multi {
        /// Values to add.
        add: Vec<String>,
        /// Values to remove.
        remove: Vec<String>,
    },
}

/// The parts of `Get-OrganizationConfig` the library uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OrganizationConfig {
    /// The organization's name.
    pub name: Option<String>,
    /// Whether new dir-synced users are cloud-managed by default (read from
    /// `BlockExchangeProvisioningFromOnPremEnabled`; that reading is community knowledge, not
    /// confirmed in Microsoft's text).
    pub block_exchange_provisioning_from_on_prem_enabled: bool,
}

/// A management role assignment that grants a cmdlet parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    /// The role (or role group, or Entra role) that carries the grant.
    pub role: String,
    /// Who holds it.
    pub assignee: String,
}

/// One entry of the admin audit log (`Search-AdminAuditLog`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When the change was made.
    pub time: DateTime<Utc>,
    /// Who made it.
    pub caller: String,
    /// The cmdlet (`Set-Mailbox`, `Set-OrganizationConfig`).
    pub cmdlet: String,
    /// The object changed.
    pub object: String,
    /// The parameters as given.
    pub parameters: BTreeMap<String, AttributeValue>,
    /// The values before the change, by attribute name.
    pub old_values: BTreeMap<String, AttributeValue>,
    /// The values after the change, by attribute name.
    pub new_values: BTreeMap<String, AttributeValue>,
    /// Whether the cmdlet succeeded.
    pub succeeded: bool,
}

/// What to search the admin audit log for. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    /// Only records at or after this time.
    pub start: Option<DateTime<Utc>>,
    /// Only records before this time.
    pub end: Option<DateTime<Utc>>,
    /// Only these cmdlets (case-insensitive).
    pub cmdlets: Vec<String>,
    /// Only records for this object (case-insensitive).
    pub object: Option<String>,
    /// Only records with this parameter (case-insensitive), e.g. `IsExchangeCloudManaged`.
    pub parameter: Option<String>,
    /// Only records by this caller (case-insensitive).
    pub caller: Option<String>,
}

impl AuditQuery {
    /// Whether `record` matches.
    pub fn matches(&self, record: &AuditRecord) -> bool {
        let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        self.start.is_none_or(|s| record.time >= s)
            && self.end.is_none_or(|e| record.time < e)
            && (self.cmdlets.is_empty() || self.cmdlets.iter().any(|c| eq(c, &record.cmdlet)))
            && self.object.as_deref().is_none_or(|o| eq(o, &record.object))
            && self.caller.as_deref().is_none_or(|c| eq(c, &record.caller))
            && self
                .parameter
                .as_deref()
                .is_none_or(|p| record.parameters.keys().any(|k| eq(k, p)))
    }
}

/// Exchange Online, as the workflow sees it.
///
/// Identities are what the cmdlets accept: a UPN, a primary or secondary SMTP address, an
/// alias, the `ExternalDirectoryObjectId` or the `ExchangeGuid`.
#[async_trait]
pub trait ExchangeOnline: Send + Sync {
    /// `Get-Mailbox -Identity <identity>`.
    async fn get_mailbox(&self, identity: &str) -> Result<Mailbox>;

    /// `Get-Mailbox -ResultSize Unlimited [-Filter ...] [-RecipientTypeDetails ...]`, as a lazy
    /// stream of mailboxes. The stream owns what it needs (it does not borrow the backend), so
    /// it can be handed to another task, a Python iterator or a C handle as it is.
    fn list_mailboxes(&self, filter: MailboxFilter) -> MailboxPager<'static>;

    /// `Get-User -Identity <identity>`.
    async fn get_user(&self, identity: &str) -> Result<User>;

    /// `Set-Mailbox -Identity <identity> -<Parameter> <value> ...`: changes Exchange (or
    /// cloud-only) attributes. Fails with [`crate::Error::OutOfWriteScope`] while the mailbox's
    /// Exchange attributes are mastered on-premises.
    async fn set_mailbox(&self, identity: &str, changes: &MailboxChanges) -> Result<()>;

    /// `Set-Mailbox -Identity <identity> -IsExchangeCloudManaged <value>`, in a call of its own.
    async fn set_cloud_managed(&self, identity: &str, value: bool) -> Result<()>;

    /// `Get-OrganizationConfig`.
    async fn get_organization_config(&self) -> Result<OrganizationConfig>;

    /// `Set-OrganizationConfig -ExchangeAttributesCloudManagedByDefault` (true) or
    /// `-ExchangeAttributesServerManagedByDefault` (false).
    async fn set_cloud_managed_by_default(&self, enabled: bool) -> Result<()>;

    /// The role assignments that grant `cmdlet -parameter` (`Get-ManagementRole -Cmdlet ...
    /// -CmdletParameters ...` joined with `Get-ManagementRoleAssignment`).
    async fn role_assignments(&self, cmdlet: &str, parameter: &str) -> Result<Vec<RoleAssignment>>;

    /// `Search-AdminAuditLog` with the query's criteria.
    async fn search_admin_audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>>;

    /// Who the calls act as: the name audit records give when no other actor is named (a
    /// [`Session`](crate::session::Session)'s default actor).
    fn principal(&self) -> String;

    /// The backend's clock: the system clock for a tenant, virtual time for a simulation.
    fn clock(&self) -> Arc<dyn Clock> {
        Arc::new(SystemClock)
    }

    /// The catalog the backend translates attribute names with.
    fn catalog(&self) -> Arc<Catalog> {
        Catalog::builtin_shared()
    }
}
