//! Reading a write back: is the change already in place? Used before a guarded write is sent
//! again, so that a `Set-*` whose first attempt was applied (although its answer was an error
//! or never came) is not applied twice.

use serde_json::Value;

use super::client::{ExoClient, Replay};
use crate::catalog::ValueKind;
use crate::exo::ExchangeOnline;
use crate::model::AttributeValue;
use crate::{Error, Result};

/// A write's expected effect.
#[derive(Debug, Clone)]
pub(crate) enum Verify {
    /// `Set-Mailbox` with attribute changes: every check holds on `Get-Mailbox` output.
    Mailbox {
        /// The mailbox.
        identity: String,
        /// What must hold.
        checks: Vec<Check>,
    },
    /// `Set-Mailbox -IsExchangeCloudManaged`.
    CloudManaged {
        /// The mailbox.
        identity: String,
        /// The value set.
        value: bool,
    },
    /// `Set-OrganizationConfig -Exchange...ManagedByDefault`.
    CloudManagedByDefault(bool),
}

/// One expected property value of `Get-Mailbox` output.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    /// The `Get-Mailbox` property.
    pub(crate) property: String,
    /// How values compare.
    pub(crate) kind: ValueKind,
    /// What must hold.
    pub(crate) expect: Expect,
}

/// What must hold of a property.
#[derive(Debug, Clone)]
pub(crate) enum Expect {
    /// Equal (the way the attribute's kind compares).
    Equals(AttributeValue),
    /// Holds each of these items.
    Contains(Vec<String>),
    /// Holds none of these items (compared ignoring case).
    Lacks(Vec<String>),
    /// `RecipientTypeDetails` after `Set-Mailbox -Type` (`Regular`, `Shared`, `Room`,
    /// `Equipment`).
    MailboxType(String),
}

/// The value of a property of a cmdlet's JSON output object.
pub(crate) fn property_value(value: &Value) -> AttributeValue {
    AttributeValue::from_json(value)
}

/// The recipient type `Set-Mailbox -Type <value>` converts to.
fn type_after(value: &str) -> Option<&'static str> {
    match value.trim().to_ascii_lowercase().as_str() {
        "regular" | "usermailbox" => Some("UserMailbox"),
        "shared" | "sharedmailbox" => Some("SharedMailbox"),
        "room" | "roommailbox" => Some("RoomMailbox"),
        "equipment" | "equipmentmailbox" => Some("EquipmentMailbox"),
        _ => None,
    }
}

/// `Some(holds)`, or `None` when the object does not show the property.
fn check_holds(object: &serde_json::Map<String, Value>, check: &Check) -> Option<bool> {
    let current = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&check.property))
        .map(|(_, v)| property_value(v))?;
    let one = |s: &str| AttributeValue::List(vec![s.to_owned()]);
    Some(match &check.expect {
        Expect::Equals(v) => current.equivalent(v, check.kind),
        Expect::Contains(items) => {
            let have = current.to_strings();
            items.iter().all(|want| {
                have.iter()
                    .any(|h| one(h).equivalent(&one(want), check.kind))
            })
        }
        Expect::Lacks(items) => {
            let have = current.to_strings();
            !items
                .iter()
                .any(|gone| have.iter().any(|h| h.eq_ignore_ascii_case(gone)))
        }
        Expect::MailboxType(t) => {
            let want = type_after(t)?;
            current
                .to_strings()
                .first()
                .is_some_and(|c| c.eq_ignore_ascii_case(want))
        }
    })
}

/// Whether `v` is in place: `Some(true)`, `Some(false)`, or `None` when it cannot be told.
pub(crate) async fn is_applied(client: &ExoClient, v: &Verify) -> Result<Option<bool>> {
    match v {
        Verify::Mailbox { identity, checks } => {
            let mut p = serde_json::Map::new();
            p.insert("Identity".into(), Value::String(identity.clone()));
            let call = client.call("Get-Mailbox", p, Replay::Idempotent)?;
            let values = match client.first_page(&call).await {
                Ok(v) => v,
                Err(Error::NotFound { .. }) => return Ok(Some(false)),
                Err(e) => return Err(e),
            };
            let Some(Value::Object(object)) = values.into_iter().next() else {
                return Ok(Some(false));
            };
            let mut all = true;
            for c in checks {
                match check_holds(&object, c) {
                    Some(true) => {}
                    Some(false) => all = false,
                    None => return Ok(None),
                }
            }
            Ok(Some(all))
        }
        Verify::CloudManaged { identity, value } => match client.get_mailbox(identity).await {
            Ok(m) => Ok(Some(m.is_exchange_cloud_managed == *value)),
            Err(Error::NotFound { .. }) => Ok(Some(false)),
            Err(e) => Err(e),
        },
        Verify::CloudManagedByDefault(enabled) => {
            let config = client.get_organization_config().await?;
            Ok(Some(
                config.block_exchange_provisioning_from_on_prem_enabled == *enabled,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> serde_json::Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn checks_compare_by_kind() {
        let o = object(json!({
            "CustomAttribute1": "Finance",
            "EmailAddresses": ["SMTP:ann@contoso.com", "smtp:a@contoso.com"],
            "RecipientTypeDetails": "SharedMailbox",
            "HiddenFromAddressListsEnabled": "True",
        }));
        let c = |property: &str, kind, expect| Check {
            property: property.into(),
            kind,
            expect,
        };
        let yes = [
            c(
                "customattribute1",
                ValueKind::String,
                Expect::Equals("Finance".into()),
            ),
            c(
                "HiddenFromAddressListsEnabled",
                ValueKind::Boolean,
                Expect::Equals(true.into()),
            ),
            c(
                "EmailAddresses",
                ValueKind::ProxyAddresses,
                Expect::Contains(vec!["smtp:A@contoso.com".into()]),
            ),
            c(
                "EmailAddresses",
                ValueKind::ProxyAddresses,
                Expect::Lacks(vec!["smtp:b@contoso.com".into()]),
            ),
            c(
                "RecipientTypeDetails",
                ValueKind::String,
                Expect::MailboxType("Shared".into()),
            ),
        ];
        for check in &yes {
            assert_eq!(check_holds(&o, check), Some(true), "{check:?}");
        }
        let no = [
            c(
                "CustomAttribute1",
                ValueKind::String,
                Expect::Equals("HR".into()),
            ),
            c(
                "EmailAddresses",
                ValueKind::ProxyAddresses,
                Expect::Contains(vec!["SMTP:a@contoso.com".into()]),
            ),
            c(
                "EmailAddresses",
                ValueKind::ProxyAddresses,
                Expect::Lacks(vec!["SMTP:A@contoso.com".into()]),
            ),
        ];
        for check in &no {
            assert_eq!(check_holds(&o, check), Some(false), "{check:?}");
        }
        assert_eq!(
            check_holds(
                &o,
                &c(
                    "RetentionPolicy",
                    ValueKind::String,
                    Expect::Equals("x".into())
                )
            ),
            None
        );
    }
}
