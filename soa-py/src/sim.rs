//! `SimulatedOrg`: the simulated hybrid organization of `soa_core::sim`, and the reports of its
//! sync engines.
//!
//! The on-premises side (AD, the sync engines, the clock) calls the organization's own methods;
//! the Exchange Online operations are inherited from `ExchangeOnline` (see `backend`), which
//! calls the core's `ExchangeOnline` trait, so RBAC, the write-scope rule and the admin audit
//! log apply to them as to any backend.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use soa_core::sim::{
    CloudSyncAgent, CycleReport, NewAdUser, OrgSummary, Role, SimulatedOrg, SyncError, SyncReport,
    WritebackReport,
};

use crate::authority::{RecipientArg, py_bool};
use crate::backend::PyExchangeOnline;
use crate::convert::{duration_from_py, instant_to_py, repr_str, to_python, values_from_py};
use crate::directory::PyOnPremisesDirectory;
use crate::errors::PySoaErr;
use crate::model::PySyncVersion;
use crate::preflight::VersionArg;

/// The defaults of `set_cloud_sync_agent`: the core's.
fn default_agent() -> CloudSyncAgent {
    CloudSyncAgent::default()
}

// ---------------------------------------------------------------------------------------------
// SimulatedOrg
// ---------------------------------------------------------------------------------------------

/// A simulated hybrid organization: on-premises AD, Entra Connect Sync, Cloud Sync writeback,
/// Exchange Online with RBAC and the admin audit log, on a virtual clock. Handles are cheap:
/// `as_principal` gives another view of the same organization.
#[pyclass(
    frozen,
    extends = PyExchangeOnline,
    module = "exchange_soa._native",
    name = "SimulatedOrg"
)]
pub(crate) struct PySimulatedOrg(pub(crate) SimulatedOrg);

impl PySimulatedOrg {
    /// A Python handle on `org`: the organization itself, and its Exchange Online side as the
    /// `ExchangeOnline` base.
    pub(crate) fn wrap(py: Python<'_>, org: SimulatedOrg) -> PyResult<Bound<'_, Self>> {
        Bound::new(py, Self::initializer(org))
    }

    fn initializer(org: SimulatedOrg) -> PyClassInitializer<Self> {
        PyClassInitializer::from(PyExchangeOnline::new(Arc::new(org.clone())))
            .add_subclass(PySimulatedOrg(org))
    }
}

#[pymethods]
impl PySimulatedOrg {
    /// An empty organization for `tenant`, with Entra Connect Sync 2.5.190.0, no Cloud Sync
    /// agent, the tenant default off, and the clock at 2026-11-27T00:00:00Z. Calls act as
    /// `admin@<tenant>`, an Exchange Administrator.
    #[new]
    #[pyo3(signature = (tenant = "contoso.com"))]
    fn new(tenant: &str) -> PyClassInitializer<Self> {
        Self::initializer(SimulatedOrg::new(tenant))
    }

    /// A realistic organization of `size` recipients (contoso.com), the same for the same
    /// `size` and `seed`.
    #[staticmethod]
    fn generate(py: Python<'_>, size: usize, seed: u64) -> PyResult<Bound<'_, Self>> {
        let org = py.detach(|| SimulatedOrg::generate(size, seed));
        Self::wrap(py, org)
    }

    /// An organization from a snapshot file written by `save`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, Self>> {
        let org = py.detach(|| SimulatedOrg::load(&path)).map_err(PySoaErr)?;
        Self::wrap(py, org)
    }

    /// Writes a snapshot of the whole organization to `path`, atomically.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let org = &self.0;
        Ok(py.detach(|| org.save(&path)).map_err(PySoaErr)?)
    }

    /// An organization from `to_json`'s output.
    #[staticmethod]
    fn from_json<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, Self>> {
        let org = py
            .detach(|| SimulatedOrg::from_json(text))
            .map_err(PySoaErr)?;
        Self::wrap(py, org)
    }

    /// The whole organization as JSON text.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let org = &self.0;
        Ok(py.detach(|| org.to_json()).map_err(PySoaErr)?)
    }

    /// The tenant's domain.
    #[getter]
    fn tenant(&self) -> String {
        self.0.tenant()
    }

    /// The organization's on-premises AD, as the workflow reads it: the `directory` of a
    /// `Session`.
    #[getter]
    fn directory(&self) -> PyOnPremisesDirectory {
        PyOnPremisesDirectory::new(Arc::new(self.0.clone()))
    }

    // ----- principals and roles -----

    /// Who the Exchange Online calls of this handle act as.
    #[getter]
    fn principal(&self) -> &str {
        self.0.principal()
    }

    /// A handle on the same organization acting as `principal` (an unknown principal holds no
    /// role).
    fn as_principal<'py>(&self, py: Python<'py>, principal: &str) -> PyResult<Bound<'py, Self>> {
        Self::wrap(py, self.0.as_principal(principal))
    }

    /// Adds (or replaces) a principal holding `roles`.
    #[allow(clippy::needless_pass_by_value, reason = "pyo3 extracts an owned Vec")]
    fn add_principal(&self, principal: &str, roles: Vec<String>) {
        let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
        self.0.add_principal(principal, &roles);
    }

    /// Adds (or replaces) a management role granting `{cmdlet: [parameter, ...]}` (a cmdlet
    /// ending in `*` matches a prefix, a parameter `*` every parameter).
    fn add_role(&self, name: &str, grants: BTreeMap<String, Vec<String>>) {
        self.0.add_role(name, Role { grants });
    }

    // ----- sync infrastructure and tenant settings -----

    /// Sets the Entra Connect Sync version.
    fn set_connect_sync_version(&self, version: VersionArg) -> PyResult<()> {
        self.0.set_connect_sync_version(version.version()?);
        Ok(())
    }

    /// The Entra Connect Sync version.
    #[getter]
    fn connect_sync_version(&self) -> PySyncVersion {
        PySyncVersion(self.0.connect_sync_version())
    }

    /// Installs (or replaces) the Cloud Sync provisioning agent. Arguments left out keep the
    /// defaults: the minimum version for writeback, and the capacity at general availability.
    #[pyo3(
        signature = (
            version = None,
            *,
            writeback_enabled = default_agent().writeback_enabled,
            mail_writeback = default_agent().mail_writeback,
            capacity = None,
        ),
        text_signature = "($self, version=None, *, writeback_enabled=True, mail_writeback=True, capacity=None)"
    )]
    fn set_cloud_sync_agent(
        &self,
        version: Option<VersionArg>,
        writeback_enabled: bool,
        mail_writeback: bool,
        capacity: Option<u64>,
    ) -> PyResult<()> {
        let default = default_agent();
        let agent = CloudSyncAgent {
            version: match version {
                Some(v) => v.version()?,
                None => default.version,
            },
            writeback_enabled,
            mail_writeback,
            capacity: capacity.unwrap_or(default.capacity),
        };
        self.0.set_cloud_sync_agent(Some(agent));
        Ok(())
    }

    /// Removes the Cloud Sync provisioning agent.
    fn remove_cloud_sync_agent(&self) {
        self.0.set_cloud_sync_agent(None);
    }

    /// The Cloud Sync provisioning agent, or `None`.
    #[getter]
    fn cloud_sync_agent(&self) -> Option<PyCloudSyncAgent> {
        self.0.cloud_sync_agent().map(PyCloudSyncAgent)
    }

    /// Whether the tenant-wide default (`ExchangeAttributesCloudManagedByDefault`) is on.
    #[getter]
    fn cloud_managed_by_default(&self) -> bool {
        self.0.cloud_managed_by_default()
    }

    /// The current sync export errors.
    #[getter]
    fn sync_errors(&self) -> Vec<PySyncError> {
        self.0.sync_errors().into_iter().map(PySyncError).collect()
    }

    /// Counts of what the organization holds.
    fn summary(&self, py: Python<'_>) -> PyOrgSummary {
        let org = &self.0;
        PyOrgSummary(py.detach(|| org.summary()))
    }

    // ----- the clock -----

    /// The virtual time (an aware `datetime`).
    #[getter]
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        instant_to_py(py, self.0.now())
    }

    /// Moves the clock forward by `by` (a `timedelta`, or an `int` number of minutes), running
    /// the sync cycles (every 30 minutes) and writeback cycles (every 20 minutes) that fall due.
    /// Returns their reports in time order: `SyncReport` and `WritebackReport` objects.
    fn advance<'py>(
        &self,
        py: Python<'py>,
        by: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let by = duration_from_py(by, "by")?;
        let org = &self.0;
        let reports = py.detach(|| org.advance(by));
        reports
            .into_iter()
            .map(|report| match report {
                CycleReport::Sync(r) => Ok(Bound::new(py, PySyncReport(r))?.into_any()),
                CycleReport::Writeback(r) => Ok(Bound::new(py, PyWritebackReport(r))?.into_any()),
            })
            .collect()
    }

    /// Runs one Entra Connect Sync cycle now.
    fn sync_cycle(&self, py: Python<'_>) -> PySyncReport {
        let org = &self.0;
        PySyncReport(py.detach(|| org.sync_cycle()))
    }

    /// Runs one Cloud Sync writeback cycle now.
    fn writeback_cycle(&self, py: Python<'_>) -> PyWritebackReport {
        let org = &self.0;
        PyWritebackReport(py.detach(|| org.writeback_cycle()))
    }

    // ----- the on-premises side -----

    /// Creates an AD account (`New-ADUser`; with `remote_mailbox`, a recipient type such as
    /// `RemoteUserMailbox`, also `New-RemoteMailbox`). `attributes` maps any catalog name to a
    /// value. Returns the objectGUID. The account reaches the cloud at the next sync cycle.
    #[pyo3(signature = (
        user_principal_name,
        attributes = None,
        remote_mailbox = None,
        sam_account_name = None,
    ))]
    fn add_ad_user(
        &self,
        py: Python<'_>,
        user_principal_name: String,
        attributes: Option<&Bound<'_, PyAny>>,
        remote_mailbox: Option<RecipientArg>,
        sam_account_name: Option<String>,
    ) -> PyResult<String> {
        let new = NewAdUser {
            user_principal_name,
            sam_account_name: sam_account_name.unwrap_or_default(),
            attributes: attributes
                .map(|a| values_from_py(a, "attributes"))
                .transpose()?
                .unwrap_or_default(),
            remote_mailbox: remote_mailbox.map(RecipientArg::into_core).transpose()?,
        };
        let org = &self.0;
        Ok(py.detach(|| org.add_ad_user(new)).map_err(PySoaErr)?)
    }

    /// An AD account (by objectGUID, UPN or sAMAccountName) in its serde shape.
    fn ad_user<'py>(&self, py: Python<'py>, identity: &str) -> PyResult<Bound<'py, PyAny>> {
        let user = self.0.ad_user(identity).map_err(PySoaErr)?;
        to_python(py, &user)
    }

    /// An AD account's attribute values keyed by LDAP name (`Get-ADUser -Properties *`).
    fn ad_attributes<'py>(&self, py: Python<'py>, identity: &str) -> PyResult<Bound<'py, PyAny>> {
        let values = self.0.ad_attributes(identity).map_err(PySoaErr)?;
        to_python(py, &values)
    }

    /// Changes AD attributes of an account (`Set-ADUser`): `changes` maps any catalog name to a
    /// value, `None` clears. The change reaches the cloud at the next sync cycle — or not, for
    /// Exchange attributes of a cloud-managed mailbox.
    fn set_ad_attributes(
        &self,
        py: Python<'_>,
        identity: &str,
        changes: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let changes = values_from_py(changes, "changes")?;
        let org = &self.0;
        Ok(py
            .detach(|| org.set_ad_attributes(identity, &changes))
            .map_err(PySoaErr)?)
    }

    /// Removes an AD account; at the next sync cycle its cloud user and mailbox are deleted.
    fn remove_ad_user(&self, identity: &str) -> PyResult<()> {
        Ok(self.0.remove_ad_user(identity).map_err(PySoaErr)?)
    }

    /// Assigns an Exchange Online license to a cloud user.
    fn assign_license(&self, identity: &str) -> PyResult<()> {
        Ok(self.0.assign_license(identity).map_err(PySoaErr)?)
    }

    /// Creates a cloud-only mailbox (`New-Mailbox`). Returns its ExternalDirectoryObjectId.
    #[pyo3(
        signature = (user_principal_name, recipient_type = RecipientArg::Name("UserMailbox".to_owned())),
        text_signature = "($self, user_principal_name, recipient_type='UserMailbox')"
    )]
    fn add_cloud_mailbox(
        &self,
        user_principal_name: &str,
        recipient_type: RecipientArg,
    ) -> PyResult<String> {
        let recipient_type = recipient_type.into_core()?;
        Ok(self
            .0
            .add_cloud_mailbox(user_principal_name, recipient_type)
            .map_err(PySoaErr)?)
    }

    /// Whether a cloud user exists for `identity` but has no Exchange Online recipient (the
    /// tenant-default hazard).
    fn is_identity_only(&self, identity: &str) -> PyResult<bool> {
        Ok(self.0.is_identity_only(identity).map_err(PySoaErr)?)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<SimulatedOrg {} as {}, now {}>",
            repr_str(py, &self.0.tenant())?,
            repr_str(py, self.0.principal())?,
            self.0.now().to_rfc3339()
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------

/// What one Entra Connect Sync cycle did.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "SyncReport")]
#[derive(PartialEq)]
pub(crate) struct PySyncReport(SyncReport);

#[pymethods]
impl PySyncReport {
    /// When it ran (virtual time).
    #[getter]
    fn time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        instant_to_py(py, self.0.time)
    }

    /// AD accounts processed.
    #[getter]
    fn processed(&self) -> usize {
        self.0.processed
    }

    /// Cloud users created (UPNs).
    #[getter]
    fn created(&self) -> Vec<String> {
        self.0.created.clone()
    }

    /// Cloud users deleted because their AD account is gone (UPNs).
    #[getter]
    fn deleted(&self) -> Vec<String> {
        self.0.deleted.clone()
    }

    /// Cloud users whose identity or Exchange attributes changed.
    #[getter]
    fn updated(&self) -> usize {
        self.0.updated
    }

    /// Cloud Exchange values replaced by AD values, as `(UPN, attribute)`: what a rollback
    /// loses.
    #[getter]
    fn overwritten(&self) -> Vec<(String, String)> {
        self.0.overwritten.clone()
    }

    /// Cloud-managed users whose on-premises Exchange attribute changes were dropped (UPNs).
    #[getter]
    fn blocked(&self) -> Vec<String> {
        self.0.blocked.clone()
    }

    /// Users provisioned on-premises while the tenant default was on, created without an
    /// Exchange Online recipient (UPNs).
    #[getter]
    fn identity_only(&self) -> Vec<String> {
        self.0.identity_only.clone()
    }

    /// Export errors of this cycle.
    #[getter]
    fn errors(&self) -> Vec<PySyncError> {
        self.0.errors.iter().cloned().map(PySyncError).collect()
    }

    /// The report in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<SyncReport {}: {} created, {} deleted, {} updated, {} overwritten, {} blocked, {} errors>",
            self.0.time.to_rfc3339(),
            self.0.created.len(),
            self.0.deleted.len(),
            self.0.updated,
            self.0.overwritten.len(),
            self.0.blocked.len(),
            self.0.errors.len()
        )
    }
}

/// What one Cloud Sync writeback cycle did.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "WritebackReport")]
#[derive(PartialEq)]
pub(crate) struct PyWritebackReport(WritebackReport);

#[pymethods]
impl PyWritebackReport {
    /// When it ran (virtual time).
    #[getter]
    fn time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        instant_to_py(py, self.0.time)
    }

    /// Whether writeback ran.
    #[getter]
    fn ran(&self) -> bool {
        self.0.ran
    }

    /// Why it did not run, if it did not.
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// Values written to AD, as `(UPN, LDAP name)`.
    #[getter]
    fn written(&self) -> Vec<(String, String)> {
        self.0.written.clone()
    }

    /// The report in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(if self.0.ran {
            format!(
                "<WritebackReport {}: {} values written>",
                self.0.time.to_rfc3339(),
                self.0.written.len()
            )
        } else {
            format!(
                "<WritebackReport {}: did not run ({})>",
                self.0.time.to_rfc3339(),
                repr_str(py, self.0.reason.as_deref().unwrap_or_default())?
            )
        })
    }
}

/// An export error of a sync engine.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "SyncError")]
#[derive(PartialEq)]
pub(crate) struct PySyncError(SyncError);

#[pymethods]
impl PySyncError {
    /// The object (its UPN).
    #[getter]
    fn object(&self) -> &str {
        &self.0.object
    }

    /// The error code, e.g. `ExchangeManagedAttributesUpdateNotAllowed`.
    #[getter]
    fn code(&self) -> &str {
        &self.0.code
    }

    /// The message.
    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }

    /// When it happened (virtual time).
    #[getter]
    fn time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        instant_to_py(py, self.0.time)
    }

    /// The error in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<SyncError {} {}>",
            self.0.code,
            repr_str(py, &self.0.object)?
        ))
    }
}

/// The Entra Cloud Sync provisioning agent, which runs Exchange attribute writeback.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "CloudSyncAgent")]
#[derive(PartialEq)]
pub(crate) struct PyCloudSyncAgent(CloudSyncAgent);

#[pymethods]
impl PyCloudSyncAgent {
    /// The agent's version.
    #[getter]
    fn version(&self) -> PySyncVersion {
        PySyncVersion(self.0.version)
    }

    /// Whether the "EXO to AD attribute sync" configuration exists and runs.
    #[getter]
    fn writeback_enabled(&self) -> bool {
        self.0.writeback_enabled
    }

    /// Whether `mail` is written back.
    #[getter]
    fn mail_writeback(&self) -> bool {
        self.0.mail_writeback
    }

    /// The most cloud-managed mailboxes writeback serves.
    #[getter]
    fn capacity(&self) -> u64 {
        self.0.capacity
    }

    /// The agent in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<CloudSyncAgent {}: writeback_enabled={}, mail_writeback={}, capacity={}>",
            self.0.version,
            py_bool(self.0.writeback_enabled),
            py_bool(self.0.mail_writeback),
            self.0.capacity
        )
    }
}

/// What the organization holds, in numbers.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "OrgSummary")]
#[derive(PartialEq)]
pub(crate) struct PyOrgSummary(OrgSummary);

#[pymethods]
impl PyOrgSummary {
    /// AD accounts.
    #[getter]
    fn ad_users(&self) -> usize {
        self.0.ad_users
    }

    /// Cloud users.
    #[getter]
    fn cloud_users(&self) -> usize {
        self.0.cloud_users
    }

    /// Exchange Online mailboxes.
    #[getter]
    fn mailboxes(&self) -> usize {
        self.0.mailboxes
    }

    /// Dir-synced mailboxes.
    #[getter]
    fn dir_synced_mailboxes(&self) -> usize {
        self.0.dir_synced_mailboxes
    }

    /// Cloud-managed mailboxes.
    #[getter]
    fn cloud_managed_mailboxes(&self) -> usize {
        self.0.cloud_managed_mailboxes
    }

    /// Cloud users without an Exchange Online recipient.
    #[getter]
    fn identity_only_users(&self) -> usize {
        self.0.identity_only_users
    }

    /// Current sync export errors.
    #[getter]
    fn sync_errors(&self) -> usize {
        self.0.sync_errors
    }

    /// The counts as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<OrgSummary: {} AD users, {} cloud users, {} mailboxes ({} dir-synced, {} cloud-managed), {} identity-only, {} sync errors>",
            self.0.ad_users,
            self.0.cloud_users,
            self.0.mailboxes,
            self.0.dir_synced_mailboxes,
            self.0.cloud_managed_mailboxes,
            self.0.identity_only_users,
            self.0.sync_errors
        )
    }
}
