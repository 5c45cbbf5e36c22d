//! [`ExchangeOnline`] over the gateway: one cmdlet (or two, for role assignments) per method,
//! with the semantics of the simulated organization.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use futures_util::StreamExt;
use serde_json::{Map, Value};

use super::client::{ExoClient, Replay};
use super::verify::{Check, Expect, Verify};
use crate::exo::wire::{self, AdminAuditLogEntry, roles};
use crate::exo::{
    AuditQuery, AuditRecord, ExchangeOnline, MailboxChanges, MailboxFilter, MailboxPager,
    OrganizationConfig, ParameterChange, RoleAssignment,
};
use crate::model::{Mailbox, User};
use crate::{Error, Result};

/// The parameter that only [`ExchangeOnline::set_cloud_managed`] sends.
const CLOUD_MANAGED: &str = "IsExchangeCloudManaged";

fn check_identity(identity: &str) -> Result<()> {
    if identity.trim().is_empty() {
        return Err(Error::invalid_input(
            "identity",
            "empty: give a UPN, an SMTP address, an alias, an ExternalDirectoryObjectId or an ExchangeGuid",
        ));
    }
    Ok(())
}

fn identity_parameters(identity: &str) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("Identity".into(), Value::String(identity.to_owned()));
    p
}

/// A cmdlet's output object as `T`.
fn object_as<T: serde::de::DeserializeOwned>(cmdlet: &str, value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| Error::json(format!("{cmdlet} output"), e))
}

/// How `Search-AdminAuditLog` takes a date: UTC, `yyyy-MM-ddTHH:mm:ss`, no zone.
fn audit_date(t: DateTime<Utc>) -> Value {
    Value::String(t.format("%Y-%m-%dT%H:%M:%S").to_string())
}

impl ExoClient {
    /// The `Set-Mailbox` parameters for `changes` and the checks that tell it was applied.
    /// Refuses, before any request, what the simulated organization refuses before any change:
    /// `IsExchangeCloudManaged` (it has a call of its own), unknown attributes, attributes
    /// without a `Set-Mailbox` parameter, add/remove on single-valued attributes; and what the
    /// wire cannot say: two changes of one parameter.
    pub(crate) fn set_mailbox_parameters(
        &self,
        identity: &str,
        changes: &MailboxChanges,
    ) -> Result<(Map<String, Value>, Vec<Check>)> {
        let by_parameter = changes.by_parameter(self.catalog())?;
        let mut parameters = identity_parameters(identity);
        let mut checks = Vec::new();
        for (parameter, (change, attr)) in by_parameter {
            let property = attr
                .exo_property
                .clone()
                .unwrap_or_else(|| parameter.clone());
            match change {
                ParameterChange::Set(value) => {
                    parameters.insert(parameter.clone(), wire::encode_value(&value));
                    let expect = if parameter.eq_ignore_ascii_case("Type") {
                        Expect::MailboxType(value.to_string())
                    } else {
                        Expect::Equals(value)
                    };
                    checks.push(Check {
                        property,
                        kind: attr.value_kind,
                        expect,
                    });
                }
                ParameterChange::Multi { add, remove } if add.is_empty() && remove.is_empty() => {}
                ParameterChange::Multi { add, remove } => {
                    parameters.insert(parameter, wire::hashtable(&add, &remove));
                    if !add.is_empty() {
                        checks.push(Check {
                            property: property.clone(),
                            kind: attr.value_kind,
                            expect: Expect::Contains(add),
                        });
                    }
                    if !remove.is_empty() {
                        checks.push(Check {
                            property,
                            kind: attr.value_kind,
                            expect: Expect::Lacks(remove),
                        });
                    }
                }
            }
        }
        Ok((parameters, checks))
    }

    /// `Search-AdminAuditLog` parameters for `query`, as given. Dates are sent to the second:
    /// the start rounded down and the end rounded up, and the records are then held to the
    /// exact bounds.
    fn audit_parameters(query: &AuditQuery) -> Map<String, Value> {
        let mut p = Map::new();
        if let Some(start) = query.start {
            p.insert("StartDate".into(), audit_date(start.trunc_subsecs(0)));
        }
        if let Some(end) = query.end {
            let up = if end.trunc_subsecs(0) == end {
                end
            } else {
                end.trunc_subsecs(0) + TimeDelta::seconds(1)
            };
            p.insert("EndDate".into(), audit_date(up));
        }
        if !query.cmdlets.is_empty() {
            p.insert("Cmdlets".into(), Value::from(query.cmdlets.clone()));
        }
        if let Some(o) = &query.object {
            p.insert("ObjectIds".into(), Value::from(vec![o.clone()]));
        }
        if let Some(param) = &query.parameter {
            p.insert("Parameters".into(), Value::from(vec![param.clone()]));
        }
        if let Some(c) = &query.caller {
            p.insert("UserIds".into(), Value::from(vec![c.clone()]));
        }
        p
    }
}

/// An audit entry as a record; a `RunDate` without a zone is read as UTC.
fn audit_record(entry: &AdminAuditLogEntry) -> Result<AuditRecord> {
    if let Some(r) = entry.to_record() {
        return Ok(r);
    }
    let mut utc = entry.clone();
    utc.run_date = format!("{}Z", entry.run_date.trim());
    utc.to_record().ok_or_else(|| Error::InvalidInput {
        what: "Search-AdminAuditLog output".to_owned(),
        reason: format!("RunDate {:?} is not a date", entry.run_date),
    })
}

#[async_trait]
impl ExchangeOnline for ExoClient {
    async fn get_mailbox(&self, identity: &str) -> Result<Mailbox> {
        check_identity(identity)?;
        let call = self.call(
            "Get-Mailbox",
            identity_parameters(identity),
            Replay::Idempotent,
        )?;
        let first = self.first_page(&call).await?.into_iter().next();
        match first {
            Some(v) => object_as("Get-Mailbox", v),
            None => Err(Error::NotFound {
                what: "mailbox",
                identity: identity.to_owned(),
            }),
        }
    }

    fn list_mailboxes(&self, filter: MailboxFilter) -> MailboxPager<'static> {
        let mut p = Map::new();
        p.insert("ResultSize".into(), Value::String("Unlimited".into()));
        if let Some(opath) = filter.to_opath() {
            p.insert("Filter".into(), Value::String(opath));
        }
        if !filter.recipient_types.is_empty() {
            let types: Vec<String> = filter
                .recipient_types
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect();
            p.insert("RecipientTypeDetails".into(), Value::from(types));
        }
        let values = match self.call("Get-Mailbox", p, Replay::Idempotent) {
            Ok(call) => self.values(call),
            Err(e) => return Box::pin(futures_util::stream::iter([Err(e)])),
        };
        Box::pin(values.map(|v| v.and_then(|v| object_as::<Mailbox>("Get-Mailbox", v))))
    }

    async fn get_user(&self, identity: &str) -> Result<User> {
        check_identity(identity)?;
        let call = self.call(
            "Get-User",
            identity_parameters(identity),
            Replay::Idempotent,
        )?;
        let first = self.first_page(&call).await?.into_iter().next();
        match first {
            Some(v) => object_as("Get-User", v),
            None => Err(Error::NotFound {
                what: "user",
                identity: identity.to_owned(),
            }),
        }
    }

    async fn set_mailbox(&self, identity: &str, changes: &MailboxChanges) -> Result<()> {
        check_identity(identity)?;
        let (parameters, checks) = self.set_mailbox_parameters(identity, changes)?;
        if checks.is_empty() {
            return Ok(());
        }
        let verify = Verify::Mailbox {
            identity: identity.to_owned(),
            checks,
        };
        let call = self.call("Set-Mailbox", parameters, Replay::Guarded(verify))?;
        self.first_page(&call).await.map(drop)
    }

    async fn set_cloud_managed(&self, identity: &str, value: bool) -> Result<()> {
        check_identity(identity)?;
        let mut p = identity_parameters(identity);
        p.insert(CLOUD_MANAGED.into(), Value::Bool(value));
        let verify = Verify::CloudManaged {
            identity: identity.to_owned(),
            value,
        };
        let call = self.call("Set-Mailbox", p, Replay::Guarded(verify))?;
        self.first_page(&call).await.map(drop)
    }

    async fn get_organization_config(&self) -> Result<OrganizationConfig> {
        let call = self.call("Get-OrganizationConfig", Map::new(), Replay::Idempotent)?;
        let first = self.first_page(&call).await?.into_iter().next();
        match first {
            Some(v) => object_as("Get-OrganizationConfig", v),
            None => Err(Error::Exchange {
                cmdlet: "Get-OrganizationConfig".to_owned(),
                message: "the cmdlet returned no organization configuration".to_owned(),
            }),
        }
    }

    async fn set_cloud_managed_by_default(&self, enabled: bool) -> Result<()> {
        let parameter = if enabled {
            "ExchangeAttributesCloudManagedByDefault"
        } else {
            "ExchangeAttributesServerManagedByDefault"
        };
        let mut p = Map::new();
        p.insert(parameter.into(), Value::Bool(true));
        let verify = Verify::CloudManagedByDefault(enabled);
        let call = self.call("Set-OrganizationConfig", p, Replay::Guarded(verify))?;
        self.first_page(&call).await.map(drop)
    }

    async fn role_assignments(&self, cmdlet: &str, parameter: &str) -> Result<Vec<RoleAssignment>> {
        super::client::check_cmdlet(cmdlet)?;
        if parameter.trim().is_empty() {
            return Err(Error::invalid_input("cmdlet parameter", "empty"));
        }
        let mut p = Map::new();
        p.insert("Cmdlet".into(), Value::String(cmdlet.to_owned()));
        p.insert(
            "CmdletParameters".into(),
            Value::String(parameter.to_owned()),
        );
        let role_objects = self
            .collect(self.call(roles::GET_ROLE, p, Replay::Idempotent)?)
            .await?;
        let mut names: Vec<String> = Vec::new();
        for r in role_objects {
            let name =
                r.get("Name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Error::InvalidInput {
                        what: format!("{} output", roles::GET_ROLE),
                        reason: "a role without a Name".to_owned(),
                    })?;
            if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                names.push(name.to_owned());
            }
        }
        let mut out = Vec::new();
        for name in names {
            let mut p = Map::new();
            p.insert("Role".into(), Value::String(name.clone()));
            let assignments = self
                .collect(self.call(roles::GET_ASSIGNMENT, p, Replay::Idempotent)?)
                .await?;
            for a in assignments {
                let text = |k: &str| a.get(k).and_then(Value::as_str).map(str::to_owned);
                let assignee = text("RoleAssigneeName").ok_or_else(|| Error::InvalidInput {
                    what: format!("{} output", roles::GET_ASSIGNMENT),
                    reason: format!("an assignment of {name} without a RoleAssigneeName"),
                })?;
                out.push(RoleAssignment {
                    role: text("Role").unwrap_or_else(|| name.clone()),
                    assignee,
                });
            }
        }
        Ok(out)
    }

    async fn search_admin_audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let p = ExoClient::audit_parameters(query);
        let values = self
            .collect(self.call("Search-AdminAuditLog", p, Replay::Idempotent)?)
            .await?;
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            let record = audit_record(&object_as("Search-AdminAuditLog", v)?)?;
            let in_range = query.start.is_none_or(|s| record.time >= s)
                && query.end.is_none_or(|e| record.time < e);
            if in_range {
                out.push(record);
            }
        }
        Ok(out)
    }

    fn principal(&self) -> String {
        self.principal()
    }

    fn clock(&self) -> Arc<dyn crate::clock::Clock> {
        Arc::new(RetryClockTime(Arc::clone(&self.options().clock)))
    }

    fn catalog(&self) -> Arc<crate::catalog::Catalog> {
        self.options()
            .catalog
            .clone()
            .unwrap_or_else(crate::catalog::Catalog::builtin_shared)
    }
}

/// The client's retry clock, read as the session's clock (same time, without the timer).
#[derive(Debug)]
struct RetryClockTime(Arc<dyn super::retry::Clock>);

impl crate::clock::Clock for RetryClockTime {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.now()
    }
}
