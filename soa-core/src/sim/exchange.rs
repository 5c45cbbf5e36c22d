//! Exchange Online's side of the simulation: the [`ExchangeOnline`] implementation, with RBAC,
//! the write-scope rule and the admin audit log.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::StreamExt;
use futures_util::stream;

use super::SimulatedOrg;
use super::project;
use super::rbac;
use super::state::{CloudUser, State};
use crate::authority::{self, Authority, MailboxState};
use crate::catalog::{Attribute, AttributeClass, Catalog};
use crate::clock::Clock;
use crate::exo::{
    AuditQuery, AuditRecord, ExchangeOnline, MailboxChanges, MailboxFilter, MailboxPager,
    OrganizationConfig, ParameterChange, RoleAssignment,
};
use crate::model::{AttributeValue, Mailbox, ProxyAddresses, User};
use crate::{Error, Result};

/// How many mailboxes one page of `list_mailboxes` holds.
const PAGE_SIZE: usize = 1000;

/// The message Exchange Online gives when an attribute is mastered on-premises.
fn write_scope_message(identity: &str, parameter: &str) -> String {
    format!(
        "The operation on mailbox \"{identity}\" failed because it's out of the current user's write scope. The action 'Set-Mailbox', '{parameter}', can't be performed on the object '{identity}' because the object is being synchronized from your on-premises organization. This action should be performed on the object in your on-premises organization."
    )
}

/// Where a change lands.
enum Target {
    /// The user's identity attributes.
    User,
    /// The recipient's Exchange and cloud-only attributes.
    Recipient,
    /// The recipient's type (`Set-Mailbox -Type`).
    Type(crate::model::RecipientTypeDetails),
}

/// The mailbox type `Set-Mailbox -Type` converts to: `Regular`, `Shared`, `Room`,
/// `Equipment` (or the full type names).
fn mailbox_type(value: &AttributeValue) -> Result<crate::model::RecipientTypeDetails> {
    use crate::model::RecipientTypeDetails as T;
    let text = value.to_string();
    match text.trim().to_ascii_lowercase().as_str() {
        "regular" | "usermailbox" => Ok(T::UserMailbox),
        "shared" | "sharedmailbox" => Ok(T::SharedMailbox),
        "room" | "roommailbox" => Ok(T::RoomMailbox),
        "equipment" | "equipmentmailbox" => Ok(T::EquipmentMailbox),
        _ => Err(Error::invalid_input(
            "value of Set-Mailbox -Type",
            format!("{text:?} is not one of Regular, Shared, Room, Equipment"),
        )),
    }
}

/// One parameter's change, as [`MailboxChanges::by_parameter`] groups them.
type Op = ParameterChange;

fn state_of(user: &CloudUser) -> MailboxState {
    MailboxState {
        dir_synced: user.dir_synced(),
        cloud_managed: user.recipient.as_ref().is_some_and(|r| r.cloud_managed),
        recipient_type: user.recipient.as_ref().map(|r| r.recipient_type.clone()),
    }
}

fn mailbox_id(s: &State, identity: &str) -> Result<String> {
    s.find_cloud(identity)
        .filter(|id| {
            s.cloud_users
                .get(*id)
                .and_then(|u| u.recipient.as_ref())
                .is_some_and(|r| project::is_mailbox(&r.recipient_type))
        })
        .map(str::to_owned)
        .ok_or_else(|| Error::NotFound {
            what: "mailbox",
            identity: identity.to_owned(),
        })
}

/// The new value of a multi-valued attribute after adding or removing items. Proxy addresses
/// are removed by address, ignoring case.
fn apply_multi(current: &AttributeValue, op: &Op) -> AttributeValue {
    let mut items = current.to_strings();
    let (add, remove) = match op {
        Op::Set(v) => return v.clone(),
        Op::Multi { add, remove } => (add, remove),
    };
    for a in add {
        if !items.iter().any(|i| i.eq_ignore_ascii_case(a)) {
            items.push(a.clone());
        }
    }
    items.retain(|i| !remove.iter().any(|r| r.eq_ignore_ascii_case(i)));
    AttributeValue::List(items)
}

/// One planned change: the attribute, where it lands, its old and its new value.
type Update<'a> = (&'a str, Target, AttributeValue, AttributeValue);

/// Checks every change against the authority rules and the value rules, and computes the new
/// values, before anything is applied (so a refused call changes nothing).
fn plan<'a>(
    user: &CloudUser,
    ops: &[(&'a Attribute, String, Op)],
    identity: &str,
) -> Result<(Vec<Update<'a>>, BTreeMap<String, AttributeValue>)> {
    let state = state_of(user);
    let mut updates = Vec::with_capacity(ops.len());
    let mut parameters = BTreeMap::new();
    for (attr, parameter, op) in ops {
        if authority::master(&state, attr) == Authority::OnPremisesAd {
            return Err(Error::OutOfWriteScope {
                identity: identity.to_owned(),
                cmdlet: "Set-Mailbox".to_owned(),
                parameter: parameter.clone(),
                message: write_scope_message(identity, parameter),
            });
        }
        if attr.name() == "RecipientTypeDetails" {
            let Op::Set(value) = op else { continue };
            let new_type = mailbox_type(value)?;
            let current = user
                .recipient
                .as_ref()
                .map(|r| AttributeValue::String(r.recipient_type.as_str().to_owned()))
                .unwrap_or_default();
            parameters.insert(parameter.clone(), value.clone());
            updates.push((
                attr.name(),
                Target::Type(new_type.clone()),
                current,
                AttributeValue::String(new_type.as_str().to_owned()),
            ));
            continue;
        }
        let target = if attr.class == AttributeClass::Identity {
            Target::User
        } else {
            Target::Recipient
        };
        let current = match target {
            Target::User => user.attributes.get(attr.name()),
            _ => user
                .recipient
                .as_ref()
                .and_then(|r| r.attributes.get(attr.name())),
        }
        .cloned()
        .unwrap_or_default();
        let new = apply_multi(&current, op);
        authority::validate_value(attr, &new)?;
        if attr.value_kind == crate::catalog::ValueKind::ProxyAddresses {
            ProxyAddresses::parse(new.to_strings())?;
        }
        match op {
            Op::Set(v) => {
                parameters.insert(parameter.clone(), v.clone());
            }
            Op::Multi { add, remove } => {
                if !add.is_empty() {
                    parameters.insert(format!("{parameter}.Add"), add.clone().into());
                }
                if !remove.is_empty() {
                    parameters.insert(format!("{parameter}.Remove"), remove.clone().into());
                }
            }
        }
        updates.push((attr.name(), target, current, new));
    }
    Ok((updates, parameters))
}

/// One page of mailboxes, and where the next one starts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MailboxPage {
    /// The mailboxes of this page, in a stable order.
    pub mailboxes: Vec<Mailbox>,
    /// The cursor to pass for the next page; `None` after the last page.
    pub next: Option<String>,
}

impl SimulatedOrg {
    /// One page of at most `size` mailboxes passing `filter`, after the cursor `after` (`None`
    /// for the first page). Pages hold the organization's lock only while they are read, so a
    /// long listing never blocks other callers for long. This is the simulation's own view: no
    /// RBAC check (the `ExchangeOnline` listing checks before the first page).
    pub fn mailbox_page(
        &self,
        filter: &MailboxFilter,
        after: Option<&str>,
        size: usize,
    ) -> MailboxPage {
        let s = self.read();
        let range = match after {
            None => s.cloud_users.range::<str, _>(..),
            Some(k) => s
                .cloud_users
                .range::<str, _>((Bound::Excluded(k), Bound::Unbounded)),
        };
        let mut mailboxes = Vec::with_capacity(size.min(PAGE_SIZE));
        let mut last = None;
        let mut exhausted = true;
        for (id, user) in range {
            if mailboxes.len() >= size.max(1) {
                exhausted = false;
                break;
            }
            last = Some(id);
            let Some(r) = &user.recipient else { continue };
            if project::is_mailbox(&r.recipient_type)
                && filter.matches_state(user.dir_synced(), r.cloud_managed, Some(&r.recipient_type))
                && let Some(m) = project::mailbox(user)
            {
                mailboxes.push(m);
            }
        }
        MailboxPage {
            next: if exhausted { None } else { last.cloned() },
            mailboxes,
        }
    }
}

impl SimulatedOrg {
    fn audit(&self, s: &mut State, record: AuditRecordParts) {
        let now = s.now;
        s.audit.push(AuditRecord {
            time: now,
            caller: self.principal().to_owned(),
            cmdlet: record.cmdlet.to_owned(),
            object: record.object,
            parameters: record.parameters,
            old_values: record.old_values,
            new_values: record.new_values,
            succeeded: true,
        });
    }
}

struct AuditRecordParts {
    cmdlet: &'static str,
    object: String,
    parameters: BTreeMap<String, AttributeValue>,
    old_values: BTreeMap<String, AttributeValue>,
    new_values: BTreeMap<String, AttributeValue>,
}

#[async_trait]
impl ExchangeOnline for SimulatedOrg {
    async fn get_mailbox(&self, identity: &str) -> Result<Mailbox> {
        let s = self.read();
        rbac::check(&s, self.principal(), "Get-Mailbox", "Identity")?;
        project::find_mailbox(&s, identity)
    }

    fn list_mailboxes(&self, filter: MailboxFilter) -> MailboxPager<'static> {
        let first = {
            let s = self.read();
            rbac::check(&s, self.principal(), "Get-Mailbox", "ResultSize")
        };
        if let Err(e) = first {
            return Box::pin(stream::iter([Err(e)]));
        }
        let org = self.clone();
        let pages = stream::unfold(Some(None::<String>), move |cursor| {
            let filter = filter.clone();
            let org = org.clone();
            async move {
                let after = cursor?;
                let page = org.mailbox_page(&filter, after.as_deref(), PAGE_SIZE);
                if page.mailboxes.is_empty() {
                    return None;
                }
                let items: Vec<Result<Mailbox>> = page.mailboxes.into_iter().map(Ok).collect();
                Some((stream::iter(items), page.next.map(Some)))
            }
        });
        Box::pin(pages.flatten())
    }

    async fn get_user(&self, identity: &str) -> Result<User> {
        {
            let s = self.read();
            rbac::check(&s, self.principal(), "Get-User", "Identity")?;
        }
        self.user(identity)
    }

    async fn set_mailbox(&self, identity: &str, changes: &MailboxChanges) -> Result<()> {
        let ops: Vec<(&Attribute, String, Op)> = changes
            .by_parameter(self.catalog())?
            .into_iter()
            .map(|(parameter, (op, attr))| (attr, parameter, op))
            .collect();
        if ops.is_empty() {
            return Ok(());
        }
        let mut s = self.write();
        for (_, parameter, _) in &ops {
            rbac::check(&s, self.principal(), "Set-Mailbox", parameter)?;
        }
        let id = mailbox_id(&s, identity)?;
        let user = s.cloud_users.get(&id).ok_or_else(|| Error::NotFound {
            what: "mailbox",
            identity: identity.to_owned(),
        })?;
        let (updates, parameters) = plan(user, &ops, identity)?;
        let now = s.now;
        let user = s.cloud_users.get_mut(&id).ok_or_else(|| Error::NotFound {
            what: "mailbox",
            identity: identity.to_owned(),
        })?;
        let mut old_values = BTreeMap::new();
        let mut new_values = BTreeMap::new();
        for (name, target, old, new) in updates {
            let target = match (target, user.recipient.as_mut()) {
                (Target::User, _) => &mut user.attributes,
                (Target::Recipient, Some(r)) => &mut r.attributes,
                (Target::Type(t), Some(r)) => {
                    r.recipient_type = t;
                    old_values.insert(name.to_owned(), old);
                    new_values.insert(name.to_owned(), new);
                    continue;
                }
                (_, None) => continue,
            };
            if new.is_empty() {
                target.remove(name);
            } else {
                target.insert(Arc::from(name), new.clone());
            }
            old_values.insert(name.to_owned(), old);
            new_values.insert(name.to_owned(), new);
        }
        user.when_changed = now;
        let object = user.user_principal_name.clone();
        s.reindex_cloud(&id);
        self.audit(
            &mut s,
            AuditRecordParts {
                cmdlet: "Set-Mailbox",
                object,
                parameters,
                old_values,
                new_values,
            },
        );
        Ok(())
    }

    async fn set_cloud_managed(&self, identity: &str, value: bool) -> Result<()> {
        let mut s = self.write();
        rbac::check(
            &s,
            self.principal(),
            "Set-Mailbox",
            "IsExchangeCloudManaged",
        )?;
        let id = mailbox_id(&s, identity)?;
        let now = s.now;
        let user = s.cloud_users.get_mut(&id).ok_or_else(|| Error::NotFound {
            what: "mailbox",
            identity: identity.to_owned(),
        })?;
        let dir_synced = user.dir_synced();
        let object = user.user_principal_name.clone();
        let Some(r) = user.recipient.as_mut() else {
            return Err(Error::NotFound {
                what: "mailbox",
                identity: identity.to_owned(),
            });
        };
        if !r.recipient_type.is_eligible() {
            return Err(Error::Exchange {
                cmdlet: "Set-Mailbox".to_owned(),
                message: format!(
                    "IsExchangeCloudManaged can't be set on {object}: {} is not a user, shared, room or equipment mailbox. (The service's exact text for this case is not documented.)",
                    r.recipient_type
                ),
            });
        }
        if !dir_synced {
            return Err(Error::Exchange {
                cmdlet: "Set-Mailbox".to_owned(),
                message: format!(
                    "{object} is not synchronized from on-premises: its Exchange attributes are already managed in the cloud. (The service's exact text for this case is not documented.)"
                ),
            });
        }
        let old = r.cloud_managed;
        if old == value {
            return Ok(());
        }
        r.cloud_managed = value;
        user.when_changed = now;
        let key = "IsExchangeCloudManaged".to_owned();
        self.audit(
            &mut s,
            AuditRecordParts {
                cmdlet: "Set-Mailbox",
                object,
                parameters: BTreeMap::from([(key.clone(), value.into())]),
                old_values: BTreeMap::from([(key.clone(), old.into())]),
                new_values: BTreeMap::from([(key, value.into())]),
            },
        );
        Ok(())
    }

    async fn get_organization_config(&self) -> Result<OrganizationConfig> {
        let s = self.read();
        rbac::check(&s, self.principal(), "Get-OrganizationConfig", "Identity")?;
        Ok(OrganizationConfig {
            name: Some(s.tenant.clone()),
            block_exchange_provisioning_from_on_prem_enabled: s.cloud_managed_by_default,
        })
    }

    async fn set_cloud_managed_by_default(&self, enabled: bool) -> Result<()> {
        let parameter = if enabled {
            "ExchangeAttributesCloudManagedByDefault"
        } else {
            "ExchangeAttributesServerManagedByDefault"
        };
        let mut s = self.write();
        rbac::check(&s, self.principal(), "Set-OrganizationConfig", parameter)?;
        let old = s.cloud_managed_by_default;
        if old == enabled {
            return Ok(());
        }
        s.cloud_managed_by_default = enabled;
        let object = s.tenant.clone();
        let key = "BlockExchangeProvisioningFromOnPremEnabled".to_owned();
        self.audit(
            &mut s,
            AuditRecordParts {
                cmdlet: "Set-OrganizationConfig",
                object,
                parameters: BTreeMap::from([(parameter.to_owned(), AttributeValue::Bool(true))]),
                old_values: BTreeMap::from([(key.clone(), old.into())]),
                new_values: BTreeMap::from([(key, enabled.into())]),
            },
        );
        Ok(())
    }

    async fn role_assignments(&self, cmdlet: &str, parameter: &str) -> Result<Vec<RoleAssignment>> {
        let s = self.read();
        rbac::check(
            &s,
            self.principal(),
            "Get-ManagementRoleAssignment",
            "Identity",
        )?;
        Ok(rbac::assignments(&s, cmdlet, parameter))
    }

    async fn search_admin_audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let s = self.read();
        rbac::check(&s, self.principal(), "Search-AdminAuditLog", "Cmdlets")?;
        Ok(s.audit
            .iter()
            .filter(|r| query.matches(r))
            .cloned()
            .collect())
    }

    fn principal(&self) -> String {
        SimulatedOrg::principal(self).to_owned()
    }

    fn clock(&self) -> Arc<dyn Clock> {
        Arc::new(SimulatedClock(self.clone()))
    }

    fn catalog(&self) -> Arc<Catalog> {
        self.catalog_shared()
    }
}

/// The virtual clock of a simulated organization, as a [`Clock`].
#[derive(Clone)]
pub(crate) struct SimulatedClock(pub(crate) SimulatedOrg);

impl std::fmt::Debug for SimulatedClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SimulatedClock")
            .field(&self.0.now())
            .finish()
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.now()
    }
}
