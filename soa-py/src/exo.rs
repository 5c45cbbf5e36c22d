//! Exchange Online as Python sees it: the values of the core's `ExchangeOnline` trait
//! (`Mailbox`, `User`, `OrganizationConfig`, `RoleAssignment`, `AuditRecord`) and the
//! conversion of the trait's arguments.
//!
//! Every backend of the trait goes through these (see `backend`): the simulated organization
//! and the REST client.

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use soa_core::authority::MailboxState;
use soa_core::exo::{
    AuditQuery, AuditRecord, MailboxChanges, MailboxFilter, OrganizationConfig, RoleAssignment,
};
use soa_core::model::{AttributeValue, Mailbox, RecipientTypeDetails, User};

use crate::authority::{PyMailboxState, RecipientArg, py_bool};
use crate::convert::{
    from_json_or_dict, instant_from_py, instant_to_py, opt_instant_to_py, repr_opt, repr_str,
    string_lists_from_py, to_python, values_from_py,
};
use crate::errors::{PySoaErr, invalid_input};
use crate::model::PyProxyAddresses;

// ---------------------------------------------------------------------------------------------
// Arguments of the trait's calls
// ---------------------------------------------------------------------------------------------

/// The filter of `list_mailboxes`.
pub(crate) fn mailbox_filter(
    dir_synced: Option<bool>,
    cloud_managed: Option<bool>,
    recipient_types: Option<Vec<RecipientArg>>,
) -> PyResult<MailboxFilter> {
    Ok(MailboxFilter {
        dir_synced,
        cloud_managed,
        recipient_types: recipient_types
            .unwrap_or_default()
            .into_iter()
            .map(RecipientArg::into_core)
            .collect::<PyResult<_>>()?,
    })
}

/// The changes of `set_mailbox`: `set` maps attribute names to values (`None` clears), `add`
/// and `remove` map multi-valued attributes to the items to add or remove.
pub(crate) fn mailbox_changes(
    set: Option<&Bound<'_, PyAny>>,
    add: Option<&Bound<'_, PyAny>>,
    remove: Option<&Bound<'_, PyAny>>,
) -> PyResult<MailboxChanges> {
    Ok(MailboxChanges {
        set: set
            .map(|s| values_from_py(s, "set"))
            .transpose()?
            .unwrap_or_default(),
        add: add
            .map(|a| string_lists_from_py(a, "add"))
            .transpose()?
            .unwrap_or_default(),
        remove: remove
            .map(|r| string_lists_from_py(r, "remove"))
            .transpose()?
            .unwrap_or_default(),
    })
}

/// The query of `search_admin_audit_log`.
pub(crate) fn audit_query(
    start: Option<&Bound<'_, PyAny>>,
    end: Option<&Bound<'_, PyAny>>,
    cmdlets: Option<Vec<String>>,
    object: Option<String>,
    parameter: Option<String>,
    caller: Option<String>,
) -> PyResult<AuditQuery> {
    Ok(AuditQuery {
        start: start.map(|t| instant_from_py(t, "start")).transpose()?,
        end: end.map(|t| instant_from_py(t, "end")).transpose()?,
        cmdlets: cmdlets.unwrap_or_default(),
        object,
        parameter,
        caller,
    })
}

/// Attribute values by name, as a dict of Python values.
fn values_to_py<'py>(
    py: Python<'py>,
    values: &std::collections::BTreeMap<String, AttributeValue>,
) -> PyResult<Bound<'py, PyAny>> {
    to_python(py, values)
}

/// `property(name)`'s answer: the value, or `InvalidInputError` for a property the type does not
/// hold.
fn property_value<'py>(
    py: Python<'py>,
    value: Option<AttributeValue>,
    name: &str,
    cmdlet: &str,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Some(v) => to_python(py, &v),
        None => Err(invalid_input(
            format!("{cmdlet} property {name:?}"),
            "not a property this type holds (to_dict() lists them)",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Mailbox
// ---------------------------------------------------------------------------------------------

/// A mailbox as `Get-Mailbox` returns it.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "Mailbox")]
#[derive(PartialEq)]
pub(crate) struct PyMailbox(pub(crate) Mailbox);

#[pymethods]
impl PyMailbox {
    /// A mailbox from the JSON of `Get-Mailbox | ConvertTo-Json` (one object; a list is
    /// refused), or from that object as a dict.
    #[staticmethod]
    fn from_json(mailbox: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyMailbox(from_json_or_dict(mailbox, "mailbox")?))
    }

    #[getter]
    fn identity(&self) -> Option<&str> {
        self.0.identity.as_deref()
    }

    #[getter]
    fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    #[getter]
    fn alias(&self) -> Option<&str> {
        self.0.alias.as_deref()
    }

    #[getter]
    fn display_name(&self) -> Option<&str> {
        self.0.display_name.as_deref()
    }

    #[getter]
    fn user_principal_name(&self) -> Option<&str> {
        self.0.user_principal_name.as_deref()
    }

    #[getter]
    fn primary_smtp_address(&self) -> Option<&str> {
        self.0.primary_smtp_address.as_deref()
    }

    #[getter]
    fn windows_email_address(&self) -> Option<&str> {
        self.0.windows_email_address.as_deref()
    }

    /// `EmailAddresses` as read (see `proxy_addresses()` for the validated set).
    #[getter]
    fn email_addresses(&self) -> Vec<String> {
        self.0.email_addresses.clone()
    }

    /// `EmailAddresses` parsed and validated as a `ProxyAddresses`.
    fn proxy_addresses(&self) -> PyResult<PyProxyAddresses> {
        Ok(PyProxyAddresses(
            self.0.proxy_addresses().map_err(PySoaErr)?,
        ))
    }

    /// `RecipientTypeDetails` (`UserMailbox`, `SharedMailbox`, ...), or `None` when missing.
    #[getter]
    fn recipient_type_details(&self) -> Option<&str> {
        self.0
            .recipient_type_details
            .as_ref()
            .map(RecipientTypeDetails::as_str)
    }

    #[getter]
    fn exchange_guid(&self) -> Option<&str> {
        self.0.exchange_guid.as_deref()
    }

    #[getter]
    fn external_directory_object_id(&self) -> Option<&str> {
        self.0.external_directory_object_id.as_deref()
    }

    #[getter]
    fn guid(&self) -> Option<&str> {
        self.0.guid.as_deref()
    }

    #[getter]
    fn is_dir_synced(&self) -> bool {
        self.0.is_dir_synced
    }

    #[getter]
    fn is_exchange_cloud_managed(&self) -> bool {
        self.0.is_exchange_cloud_managed
    }

    #[getter]
    fn hidden_from_address_lists_enabled(&self) -> bool {
        self.0.hidden_from_address_lists_enabled
    }

    /// `CustomAttribute1` to `CustomAttribute15`: a tuple of 15 (index 0 is CustomAttribute1).
    #[getter]
    fn custom_attributes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.custom_attributes.iter().map(Option::as_deref))
    }

    /// `ExtensionCustomAttribute1` to `5`: a tuple of 5 lists.
    #[getter]
    fn extension_custom_attributes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.extension_custom_attributes.iter().cloned())
    }

    /// `CustomAttribute{n}` for `n` in 1..=15; `None` when empty or out of range.
    fn custom_attribute(&self, n: usize) -> Option<&str> {
        self.0.custom_attribute(n)
    }

    /// `ExtensionCustomAttribute{n}` for `n` in 1..=5; empty when unset or out of range.
    fn extension_custom_attribute(&self, n: usize) -> Vec<String> {
        self.0.extension_custom_attribute(n).to_vec()
    }

    #[getter]
    fn forwarding_address(&self) -> Option<&str> {
        self.0.forwarding_address.as_deref()
    }

    #[getter]
    fn forwarding_smtp_address(&self) -> Option<&str> {
        self.0.forwarding_smtp_address.as_deref()
    }

    #[getter]
    fn deliver_to_mailbox_and_forward(&self) -> bool {
        self.0.deliver_to_mailbox_and_forward
    }

    #[getter]
    fn litigation_hold_enabled(&self) -> bool {
        self.0.litigation_hold_enabled
    }

    #[getter]
    fn when_changed<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_instant_to_py(py, self.0.when_changed)
    }

    #[getter]
    fn when_changed_utc<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_instant_to_py(py, self.0.when_changed_utc)
    }

    #[getter]
    fn when_created<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_instant_to_py(py, self.0.when_created)
    }

    #[getter]
    fn when_created_utc<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_instant_to_py(py, self.0.when_created_utc)
    }

    /// `WhenChangedUTC`, else `WhenChanged`.
    #[getter]
    fn last_changed_utc<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_instant_to_py(py, self.0.last_changed_utc())
    }

    /// The facts that decide who masters the mailbox's attributes.
    #[getter]
    fn state(&self) -> PyMailboxState {
        PyMailboxState(MailboxState::from_mailbox(&self.0))
    }

    /// A property by its Get-Mailbox name (any case): `None`, `bool`, `str` or a list of `str`
    /// (dates as RFC 3339 text). A property this type does not hold raises `InvalidInputError`.
    fn property<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        property_value(py, self.0.property(name), name, "Get-Mailbox")
    }

    /// The mailbox in the shape of `Get-Mailbox | ConvertTo-Json`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    /// The mailbox as JSON text in the shape of `Get-Mailbox | ConvertTo-Json`.
    fn to_json(&self) -> PyResult<String> {
        Ok(soa_core::json::to_string(&self.0).map_err(PySoaErr)?)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = self
            .0
            .user_principal_name
            .as_deref()
            .or(self.0.identity.as_deref());
        Ok(format!(
            "<Mailbox {} {}: dir_synced={}, cloud_managed={}>",
            repr_opt(py, name)?,
            self.recipient_type_details().unwrap_or("?"),
            py_bool(self.0.is_dir_synced),
            py_bool(self.0.is_exchange_cloud_managed),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// User
// ---------------------------------------------------------------------------------------------

/// A user as `Get-User` returns it: mostly identity attributes, which stay mastered in AD.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "User")]
#[derive(PartialEq)]
pub(crate) struct PyUser(pub(crate) User);

#[pymethods]
impl PyUser {
    /// A user from the JSON of `Get-User | ConvertTo-Json` (one object), or that object as a
    /// dict.
    #[staticmethod]
    fn from_json(user: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyUser(from_json_or_dict(user, "user")?))
    }

    #[getter]
    fn identity(&self) -> Option<&str> {
        self.0.identity.as_deref()
    }

    #[getter]
    fn user_principal_name(&self) -> Option<&str> {
        self.0.user_principal_name.as_deref()
    }

    #[getter]
    fn display_name(&self) -> Option<&str> {
        self.0.display_name.as_deref()
    }

    #[getter]
    fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }

    #[getter]
    fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }

    #[getter]
    fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }

    #[getter]
    fn department(&self) -> Option<&str> {
        self.0.department.as_deref()
    }

    #[getter]
    fn company(&self) -> Option<&str> {
        self.0.company.as_deref()
    }

    #[getter]
    fn office(&self) -> Option<&str> {
        self.0.office.as_deref()
    }

    #[getter]
    fn manager(&self) -> Option<&str> {
        self.0.manager.as_deref()
    }

    #[getter]
    fn is_dir_synced(&self) -> bool {
        self.0.is_dir_synced
    }

    /// `RecipientTypeDetails` (`UserMailbox`, `MailUser`, `User`, ...), or `None`.
    #[getter]
    fn recipient_type_details(&self) -> Option<&str> {
        self.0
            .recipient_type_details
            .as_ref()
            .map(RecipientTypeDetails::as_str)
    }

    #[getter]
    fn external_directory_object_id(&self) -> Option<&str> {
        self.0.external_directory_object_id.as_deref()
    }

    /// `WhenChangedUTC`, else `WhenChanged`.
    #[getter]
    fn last_changed_utc<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_instant_to_py(py, self.0.last_changed_utc())
    }

    /// A property by its Get-User name (any case); see `Mailbox.property`.
    fn property<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        property_value(py, self.0.property(name), name, "Get-User")
    }

    /// The user in the shape of `Get-User | ConvertTo-Json`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<User {}: dir_synced={}>",
            repr_opt(
                py,
                self.0
                    .user_principal_name
                    .as_deref()
                    .or(self.0.identity.as_deref())
            )?,
            py_bool(self.0.is_dir_synced)
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// OrganizationConfig, RoleAssignment, AuditRecord
// ---------------------------------------------------------------------------------------------

/// The parts of `Get-OrganizationConfig` the library uses.
#[pyclass(
    frozen,
    eq,
    module = "exchange_soa._native",
    name = "OrganizationConfig"
)]
#[derive(PartialEq)]
pub(crate) struct PyOrganizationConfig(pub(crate) OrganizationConfig);

#[pymethods]
impl PyOrganizationConfig {
    /// The organization's name.
    #[getter]
    fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// `BlockExchangeProvisioningFromOnPremEnabled`: read as whether new dir-synced users are
    /// cloud-managed by default.
    #[getter]
    fn block_exchange_provisioning_from_on_prem_enabled(&self) -> bool {
        self.0.block_exchange_provisioning_from_on_prem_enabled
    }

    /// The configuration in the shape of `Get-OrganizationConfig | ConvertTo-Json`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<OrganizationConfig {}: block_exchange_provisioning_from_on_prem_enabled={}>",
            repr_opt(py, self.0.name.as_deref())?,
            py_bool(self.0.block_exchange_provisioning_from_on_prem_enabled)
        ))
    }
}

/// A management role assignment that grants a cmdlet parameter.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "RoleAssignment")]
#[derive(PartialEq)]
pub(crate) struct PyRoleAssignment(pub(crate) RoleAssignment);

#[pymethods]
impl PyRoleAssignment {
    /// The role (or role group, or Entra role) that carries the grant.
    #[getter]
    fn role(&self) -> &str {
        &self.0.role
    }

    /// Who holds it.
    #[getter]
    fn assignee(&self) -> &str {
        &self.0.assignee
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<RoleAssignment {} -> {}>",
            repr_str(py, &self.0.role)?,
            repr_str(py, &self.0.assignee)?
        ))
    }
}

/// One entry of the admin audit log.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "AuditRecord")]
#[derive(PartialEq)]
pub(crate) struct PyAuditRecord(pub(crate) AuditRecord);

#[pymethods]
impl PyAuditRecord {
    /// When the change was made (an aware `datetime`).
    #[getter]
    fn time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        instant_to_py(py, self.0.time)
    }

    /// Who made it.
    #[getter]
    fn caller(&self) -> &str {
        &self.0.caller
    }

    /// The cmdlet (`Set-Mailbox`, `Set-OrganizationConfig`).
    #[getter]
    fn cmdlet(&self) -> &str {
        &self.0.cmdlet
    }

    /// The object changed.
    #[getter]
    fn object(&self) -> &str {
        &self.0.object
    }

    /// The parameters as given.
    #[getter]
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        values_to_py(py, &self.0.parameters)
    }

    /// The values before the change, by attribute name.
    #[getter]
    fn old_values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        values_to_py(py, &self.0.old_values)
    }

    /// The values after the change, by attribute name.
    #[getter]
    fn new_values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        values_to_py(py, &self.0.new_values)
    }

    /// Whether the cmdlet succeeded.
    #[getter]
    fn succeeded(&self) -> bool {
        self.0.succeeded
    }

    /// The record in its serde shape (the time as RFC 3339 text).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<AuditRecord {} {} {} by {}>",
            self.0.time.to_rfc3339(),
            self.0.cmdlet,
            repr_str(py, &self.0.object)?,
            repr_str(py, &self.0.caller)?
        ))
    }
}
