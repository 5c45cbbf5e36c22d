//! The wire format of the Exchange Online `InvokeCommand` gateway, shared by the REST client
//! and the emulator so that both speak exactly the same protocol (`exo-rest` notes §1).
//!
//! - Request: `POST {host}/adminapi/beta/{tenant}/InvokeCommand` with
//!   `{"CmdletInput":{"CmdletName":"Set-Mailbox","Parameters":{...}}}`.
//! - Success: `{"@odata.context":"...","value":[...],"@odata.nextLink":"...","@adminapi.warnings":[...]}`.
//!   To continue, the same body is POSTed to `@odata.nextLink`.
//! - Failure: `{"error":{"code":"NotFound","message":"Error executing cmdlet","details":[{"code":"13",
//!   "target":"...","message":"errorId|ExceptionClass|text"}],"innererror":{...}}}`; an RBAC denial
//!   is a 403 whose reason is in the `x-ms-diagnostics` header and whose body may be NUL bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::AttributeValue;

/// The request body: `{"CmdletInput":{"CmdletName":...,"Parameters":{...}}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvokeRequest {
    /// The cmdlet and its parameters.
    #[serde(rename = "CmdletInput")]
    pub cmdlet_input: CmdletInput,
}

/// The cmdlet and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CmdletInput {
    /// E.g. `Set-Mailbox`.
    #[serde(rename = "CmdletName")]
    pub cmdlet_name: String,
    /// Parameter name → JSON value, encoded as in [`encode_value`] and [`hashtable`].
    #[serde(rename = "Parameters", default)]
    pub parameters: Map<String, Value>,
}

impl InvokeRequest {
    /// A request for `cmdlet` with `parameters`.
    pub fn new(cmdlet: &str, parameters: Map<String, Value>) -> Self {
        InvokeRequest {
            cmdlet_input: CmdletInput {
                cmdlet_name: cmdlet.to_owned(),
                parameters,
            },
        }
    }
}

/// The `@odata.type` that marks an `@{Add=...; Remove=...}` hashtable parameter.
pub const GENERIC_HASHTABLE: &str = "#Exchange.GenericHashTable";

/// Encodes an attribute value as a cmdlet parameter value: strings and integers as is,
/// Booleans as `true`/`false`, lists as JSON arrays (a full replace), null as `null`.
pub fn encode_value(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::Null => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Integer(i) => Value::from(*i),
        AttributeValue::String(s) => Value::String(s.clone()),
        AttributeValue::List(l) => Value::Array(l.iter().cloned().map(Value::String).collect()),
    }
}

/// Encodes a multi-valued change `@{Add=...; Remove=...}` as
/// `{"@odata.type":"#Exchange.GenericHashTable","Add":[...],"Remove":[...]}`; an empty side is
/// left out.
pub fn hashtable(add: &[String], remove: &[String]) -> Value {
    let mut m = Map::new();
    m.insert(
        "@odata.type".into(),
        Value::String(GENERIC_HASHTABLE.into()),
    );
    if !add.is_empty() {
        m.insert("Add".into(), Value::from(add.to_vec()));
    }
    if !remove.is_empty() {
        m.insert("Remove".into(), Value::from(remove.to_vec()));
    }
    Value::Object(m)
}

/// A successful response page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponsePage {
    /// `@odata.context`.
    #[serde(
        rename = "@odata.context",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub context: Option<String>,
    /// The cmdlet's output objects.
    #[serde(default)]
    pub value: Vec<Value>,
    /// Where the next page is (POST the same body there).
    #[serde(
        rename = "@odata.nextLink",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
    /// Warnings the cmdlet wrote.
    #[serde(
        rename = "@adminapi.warnings",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub warnings: Vec<String>,
}

/// The error envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// The error object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// `NotFound`, `BadRequest`, ...
    #[serde(default)]
    pub code: String,
    /// Usually `Error executing cmdlet`.
    #[serde(default)]
    pub message: String,
    /// The details; the first carries `errorId|ExceptionClass|text`.
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
    /// Where parameter-transformation failures put their text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innererror: Option<Value>,
}

/// One error detail.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The PowerShell `ErrorCategory` number, as text.
    #[serde(default)]
    pub code: String,
    /// The object concerned.
    #[serde(default)]
    pub target: String,
    /// `errorId|ExceptionClass|text`.
    #[serde(default)]
    pub message: String,
}

/// `details[0].message` split into its three parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeErrorText {
    /// The error id (`Ex6F9304`), when present.
    pub error_id: Option<String>,
    /// The exception class, when present.
    pub exception_class: Option<String>,
    /// The text for people.
    pub text: String,
}

/// Splits `errorId|ExceptionClass|text`; a message without `|` is all text. The text itself may
/// contain `|`, so only the first two are separators.
pub fn split_error_message(message: &str) -> ExchangeErrorText {
    let mut parts = message.splitn(3, '|');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(id), Some(class), Some(text)) => ExchangeErrorText {
            error_id: Some(id.trim().to_owned()).filter(|s| !s.is_empty()),
            exception_class: Some(class.trim().to_owned()).filter(|s| !s.is_empty()),
            text: text.trim().to_owned(),
        },
        _ => ExchangeErrorText {
            error_id: None,
            exception_class: None,
            text: message.trim().to_owned(),
        },
    }
}

/// Exception classes the emulator sends and the client recognizes.
pub mod exceptions {
    /// The object was not found.
    pub const NOT_FOUND: &str =
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException";
    /// The object is out of the caller's write scope (dir-synced, mastered on-premises).
    pub const WRITE_SCOPE: &str = "Microsoft.Exchange.Data.Directory.ADScopeException";
    /// A task refused the operation.
    pub const TASK: &str = "Microsoft.Exchange.Configuration.Tasks.TaskException";
    /// A parameter value was not valid.
    pub const INVALID_PARAMETER: &str = "System.ArgumentException";
    /// Transient: a domain controller was overloaded (retryable).
    pub const DC_OVERLOADED: &str = "Microsoft.Exchange.Data.Directory.DCOverloadedException";
}

/// The transient Exchange exception names that a client retries (module retry list).
pub const TRANSIENT_EXCEPTIONS: [&str; 5] = [
    "DCOverloadedException",
    "SuitabilityDirectoryException",
    "ServerInMMException",
    "ADServerSettingsChangedException",
    "StorageTransientException",
];

/// One `Search-AdminAuditLog` result as the cmdlet returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AdminAuditLogEntry {
    /// When (RFC 3339, UTC).
    pub run_date: String,
    /// Who.
    pub caller: String,
    /// The cmdlet.
    pub cmdlet_name: String,
    /// The object changed.
    pub object_modified: String,
    /// The parameters given.
    pub cmdlet_parameters: Vec<NameValue>,
    /// The properties changed, with old and new values.
    pub modified_properties: Vec<ModifiedProperty>,
    /// Whether the cmdlet succeeded.
    pub succeeded: bool,
}

/// A parameter of an audit entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NameValue {
    /// The parameter.
    pub name: String,
    /// Its value.
    pub value: AttributeValue,
}

/// A property change of an audit entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifiedProperty {
    /// The property.
    pub name: String,
    /// Before.
    pub old_value: AttributeValue,
    /// After.
    pub new_value: AttributeValue,
}

impl From<&crate::exo::AuditRecord> for AdminAuditLogEntry {
    fn from(r: &crate::exo::AuditRecord) -> Self {
        AdminAuditLogEntry {
            run_date: r.time.to_rfc3339(),
            caller: r.caller.clone(),
            cmdlet_name: r.cmdlet.clone(),
            object_modified: r.object.clone(),
            cmdlet_parameters: r
                .parameters
                .iter()
                .map(|(n, v)| NameValue {
                    name: n.clone(),
                    value: v.clone(),
                })
                .collect(),
            modified_properties: r
                .new_values
                .iter()
                .map(|(n, new)| ModifiedProperty {
                    name: n.clone(),
                    old_value: r.old_values.get(n).cloned().unwrap_or_default(),
                    new_value: new.clone(),
                })
                .collect(),
            succeeded: r.succeeded,
        }
    }
}

impl AdminAuditLogEntry {
    /// Back to an [`crate::exo::AuditRecord`]; `None` when the date is not RFC 3339.
    pub fn to_record(&self) -> Option<crate::exo::AuditRecord> {
        let time = chrono::DateTime::parse_from_rfc3339(&self.run_date)
            .ok()?
            .with_timezone(&chrono::Utc);
        let parameters: BTreeMap<String, AttributeValue> = self
            .cmdlet_parameters
            .iter()
            .map(|p| (p.name.clone(), p.value.clone()))
            .collect();
        Some(crate::exo::AuditRecord {
            time,
            caller: self.caller.clone(),
            cmdlet: self.cmdlet_name.clone(),
            object: self.object_modified.clone(),
            parameters,
            old_values: self
                .modified_properties
                .iter()
                .map(|p| (p.name.clone(), p.old_value.clone()))
                .collect(),
            new_values: self
                .modified_properties
                .iter()
                .map(|p| (p.name.clone(), p.new_value.clone()))
                .collect(),
            succeeded: self.succeeded,
        })
    }
}

/// How the client asks for role assignments, and how the emulator answers:
/// `Get-ManagementRole -Cmdlet X -CmdletParameters Y` returns objects with a `Name`, then
/// `Get-ManagementRoleAssignment -Role <name>` returns objects with `Role` and
/// `RoleAssigneeName`.
pub mod roles {
    /// The cmdlet that lists roles carrying a cmdlet parameter.
    pub const GET_ROLE: &str = "Get-ManagementRole";
    /// The cmdlet that lists a role's assignments.
    pub const GET_ASSIGNMENT: &str = "Get-ManagementRoleAssignment";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_three_parts_keeping_pipes_in_the_text() {
        let e = split_error_message("Ex6F9304|Microsoft.X.NotFound|object 'a|b' missing");
        assert_eq!(e.error_id.as_deref(), Some("Ex6F9304"));
        assert_eq!(e.exception_class.as_deref(), Some("Microsoft.X.NotFound"));
        assert_eq!(e.text, "object 'a|b' missing");
        let plain = split_error_message("just text");
        assert_eq!(plain.exception_class, None);
        assert_eq!(plain.text, "just text");
    }

    #[test]
    fn request_and_hashtable_shapes() {
        let mut p = Map::new();
        p.insert("Identity".into(), "ann@contoso.com".into());
        p.insert(
            "EmailAddresses".into(),
            hashtable(&["smtp:a@contoso.com".into()], &[]),
        );
        let body = serde_json::to_value(InvokeRequest::new("Set-Mailbox", p)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"CmdletInput":{"CmdletName":"Set-Mailbox","Parameters":{
                "Identity":"ann@contoso.com",
                "EmailAddresses":{"@odata.type":"#Exchange.GenericHashTable","Add":["smtp:a@contoso.com"]}}}})
        );
    }

    #[test]
    fn audit_entries_round_trip() {
        let r = crate::exo::AuditRecord {
            time: "2026-11-27T10:00:00Z".parse().unwrap(),
            caller: "admin@contoso.com".into(),
            cmdlet: "Set-Mailbox".into(),
            object: "alice@contoso.com".into(),
            parameters: BTreeMap::from([("IsExchangeCloudManaged".into(), true.into())]),
            old_values: BTreeMap::from([("IsExchangeCloudManaged".into(), false.into())]),
            new_values: BTreeMap::from([("IsExchangeCloudManaged".into(), true.into())]),
            succeeded: true,
        };
        let entry = AdminAuditLogEntry::from(&r);
        assert_eq!(entry.to_record().unwrap(), r);
    }
}
