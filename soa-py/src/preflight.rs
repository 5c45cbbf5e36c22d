//! Preflight checks: thin wrappers over `soa_core::preflight`. The arguments are converted
//! into the core's structs; every decision stays in the core.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyList};
use soa_core::model::{Mailbox, SyncVersion};
use soa_core::preflight::{
    self, Caller, Finding, FindingCode, Preflight, PreflightReport, Requirements, SyncEnvironment,
    TenantState,
};

use crate::convert::{from_json_or_dict, instant_from_py, repr_str, serde_name, to_python};
use crate::errors::PySoaErr;
use crate::model::PySyncVersion;
use crate::runtime::call;
use crate::session::PySession;

/// A version given as a `SyncVersion` or as text.
#[derive(FromPyObject)]
pub(crate) enum VersionArg {
    Object(PySyncVersion),
    Text(String),
}

impl VersionArg {
    pub(crate) fn version(self) -> PyResult<SyncVersion> {
        match self {
            VersionArg::Object(v) => Ok(v.0),
            VersionArg::Text(text) => Ok(SyncVersion::parse(&text).map_err(PySoaErr)?),
        }
    }
}

fn opt_version(arg: Option<VersionArg>) -> PyResult<Option<SyncVersion>> {
    arg.map(VersionArg::version).transpose()
}

fn requirements_or_default(requirements: Option<&PyRequirements>) -> Requirements {
    requirements.map(|r| r.0.clone()).unwrap_or_default()
}

fn findings(list: Vec<Finding>) -> Vec<PyFinding> {
    list.into_iter().map(PyFinding).collect()
}

// ---------------------------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------------------------

/// The thresholds the checks use. Every argument left out keeps the core's default.
#[pyclass(
    frozen,
    eq,
    from_py_object,
    module = "exchange_soa._native",
    name = "Requirements"
)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyRequirements(pub(crate) Requirements);

#[pymethods]
impl PyRequirements {
    #[new]
    #[pyo3(signature = (
        *,
        connect_sync_minimum = None,
        cloud_sync_writeback_minimum = None,
        sync_interval_minutes = None,
        settle_hours = None,
        writeback_capacity = None,
        writeback_warn_ratio = None,
        sufficient_roles = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        connect_sync_minimum: Option<VersionArg>,
        cloud_sync_writeback_minimum: Option<VersionArg>,
        sync_interval_minutes: Option<i64>,
        settle_hours: Option<i64>,
        writeback_capacity: Option<u64>,
        writeback_warn_ratio: Option<f64>,
        sufficient_roles: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let mut req = Requirements::default();
        if let Some(v) = opt_version(connect_sync_minimum)? {
            req.connect_sync_minimum = v;
        }
        if let Some(v) = opt_version(cloud_sync_writeback_minimum)? {
            req.cloud_sync_writeback_minimum = v;
        }
        if let Some(v) = sync_interval_minutes {
            req.sync_interval_minutes = v;
        }
        if let Some(v) = settle_hours {
            req.settle_hours = v;
        }
        if let Some(v) = writeback_capacity {
            req.writeback_capacity = v;
        }
        if let Some(v) = writeback_warn_ratio {
            req.writeback_warn_ratio = v;
        }
        if let Some(v) = sufficient_roles {
            req.sufficient_roles = v;
        }
        Ok(PyRequirements(req))
    }

    /// Writeback capacity at general availability.
    #[classattr]
    #[allow(non_snake_case)]
    fn GA_CAPACITY() -> u64 {
        Requirements::GA_CAPACITY
    }

    /// Writeback capacity in the public preview.
    #[classattr]
    #[allow(non_snake_case)]
    fn PREVIEW_CAPACITY() -> u64 {
        Requirements::PREVIEW_CAPACITY
    }

    #[getter]
    fn connect_sync_minimum(&self) -> PySyncVersion {
        PySyncVersion(self.0.connect_sync_minimum)
    }

    #[getter]
    fn cloud_sync_writeback_minimum(&self) -> PySyncVersion {
        PySyncVersion(self.0.cloud_sync_writeback_minimum)
    }

    #[getter]
    fn sync_interval_minutes(&self) -> i64 {
        self.0.sync_interval_minutes
    }

    #[getter]
    fn settle_hours(&self) -> i64 {
        self.0.settle_hours
    }

    #[getter]
    fn writeback_capacity(&self) -> u64 {
        self.0.writeback_capacity
    }

    #[getter]
    fn writeback_warn_ratio(&self) -> f64 {
        self.0.writeback_warn_ratio
    }

    #[getter]
    fn sufficient_roles(&self) -> Vec<String> {
        self.0.sufficient_roles.clone()
    }

    /// The requirements in their serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let fields = self.to_dict(py)?;
        let mut parts = Vec::new();
        for item in fields.cast::<PyDict>()?.iter() {
            parts.push(format!("{}={}", item.0.str()?, item.1.repr()?));
        }
        Ok(format!("Requirements({})", parts.join(", ")))
    }
}

// ---------------------------------------------------------------------------------------------
// Finding and PreflightReport
// ---------------------------------------------------------------------------------------------

/// One result of a check.
#[pyclass(
    frozen,
    eq,
    str,
    from_py_object,
    module = "exchange_soa._native",
    name = "Finding"
)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyFinding(pub(crate) Finding);

impl std::fmt::Display for PyFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[pymethods]
impl PyFinding {
    /// The stable code, such as `connect_sync_too_old`.
    #[getter]
    fn code(&self) -> &'static str {
        self.0.code.as_str()
    }

    /// `info`, `warn` or `block`.
    #[getter]
    fn severity(&self) -> String {
        serde_name(&self.0.severity)
    }

    /// What the finding is about.
    #[getter]
    fn subject(&self) -> &str {
        &self.0.subject
    }

    /// What is wrong.
    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }

    /// What to do about it.
    #[getter]
    fn fix(&self) -> &str {
        &self.0.fix
    }

    /// Whether the finding stops a transfer.
    #[getter]
    fn blocks(&self) -> bool {
        self.0.blocks()
    }

    /// The finding in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<Finding {} ({}) {}>",
            self.0.code,
            self.0.severity,
            repr_str(py, &self.0.subject)?
        ))
    }
}

/// The findings of a preflight run.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "PreflightReport")]
#[derive(PartialEq)]
pub(crate) struct PyPreflightReport(PreflightReport);

#[pymethods]
impl PyPreflightReport {
    #[new]
    #[pyo3(signature = (findings = Vec::new()), text_signature = "(findings=())")]
    fn new(findings: Vec<PyFinding>) -> Self {
        PyPreflightReport(PreflightReport {
            findings: findings.into_iter().map(|f| f.0).collect(),
        })
    }

    /// The findings, in the order the checks produced them.
    #[getter]
    fn findings(&self) -> Vec<PyFinding> {
        self.0.findings.iter().cloned().map(PyFinding).collect()
    }

    /// Whether any finding blocks.
    #[getter]
    fn is_blocked(&self) -> bool {
        self.0.is_blocked()
    }

    /// The most serious severity (`info`, `warn`, `block`), or `None` without findings.
    #[getter]
    fn worst(&self) -> Option<String> {
        self.0.worst().as_ref().map(serde_name)
    }

    /// The findings with a given code.
    fn with_code(&self, code: &str) -> PyResult<Vec<PyFinding>> {
        let code: FindingCode = code.parse().map_err(PySoaErr)?;
        Ok(self.0.with_code(code).cloned().map(PyFinding).collect())
    }

    fn __len__(&self) -> usize {
        self.0.findings.len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        PyList::new(py, self.findings())?.try_iter()
    }

    /// The report in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<PreflightReport: {} findings, worst {}>",
            self.0.findings.len(),
            self.0
                .worst()
                .map_or_else(|| "None".to_owned(), |s| s.to_string())
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

/// Checks the sync engines against the requirements.
#[pyfunction]
#[pyo3(signature = (
    connect_sync_version = None,
    cloud_sync_agent_version = None,
    writeback_wanted = false,
    *,
    requirements = None,
))]
pub(crate) fn check_sync(
    py: Python<'_>,
    connect_sync_version: Option<VersionArg>,
    cloud_sync_agent_version: Option<VersionArg>,
    writeback_wanted: bool,
    requirements: Option<&Bound<'_, PyRequirements>>,
) -> PyResult<Vec<PyFinding>> {
    let env = SyncEnvironment {
        connect_sync_version: opt_version(connect_sync_version)?,
        cloud_sync_agent_version: opt_version(cloud_sync_agent_version)?,
        writeback_wanted,
    };
    let req = requirements_or_default(requirements.map(Bound::get));
    Ok(findings(py.detach(|| preflight::check_sync(&env, &req))))
}

/// Checks the tenant-wide default and the writeback capacity for `planned` more flips.
#[pyfunction]
#[pyo3(signature = (
    cloud_managed_by_default = false,
    on_premises_provisioning_in_use = false,
    cloud_managed_mailboxes = 0,
    writeback_enabled = false,
    planned = 0,
    *,
    requirements = None,
))]
pub(crate) fn check_tenant(
    py: Python<'_>,
    cloud_managed_by_default: bool,
    on_premises_provisioning_in_use: bool,
    cloud_managed_mailboxes: u64,
    writeback_enabled: bool,
    planned: u64,
    requirements: Option<&Bound<'_, PyRequirements>>,
) -> Vec<PyFinding> {
    let tenant = TenantState {
        cloud_managed_by_default,
        on_premises_provisioning_in_use,
        cloud_managed_mailboxes,
        writeback_enabled,
    };
    let req = requirements_or_default(requirements.map(Bound::get));
    findings(py.detach(|| preflight::check_tenant(&tenant, planned, &req)))
}

/// Checks that the caller can change the flag.
#[pyfunction]
#[pyo3(
    signature = (name, roles, custom_role_parameters = Vec::new(), *, requirements = None),
    text_signature = "(name, roles, custom_role_parameters=(), *, requirements=None)"
)]
pub(crate) fn check_caller(
    py: Python<'_>,
    name: String,
    roles: Vec<String>,
    custom_role_parameters: Vec<String>,
    requirements: Option<&Bound<'_, PyRequirements>>,
) -> Vec<PyFinding> {
    let caller = Caller {
        name,
        roles,
        custom_role_parameters,
    };
    let req = requirements_or_default(requirements.map(Bound::get));
    findings(py.detach(|| preflight::check_caller(&caller, &req)))
}

/// Checks one mailbox (the JSON of `Get-Mailbox | ConvertTo-Json`, or that object as a dict)
/// for a transfer at `now` (default: the current time).
#[pyfunction]
#[pyo3(signature = (mailbox, ad_when_changed = None, now = None, *, requirements = None))]
pub(crate) fn check_mailbox(
    py: Python<'_>,
    mailbox: &Bound<'_, PyAny>,
    ad_when_changed: Option<&Bound<'_, PyAny>>,
    now: Option<&Bound<'_, PyAny>>,
    requirements: Option<&Bound<'_, PyRequirements>>,
) -> PyResult<Vec<PyFinding>> {
    let mailbox: Mailbox = from_json_or_dict(mailbox, "mailbox")?;
    let changed = ad_when_changed
        .map(|t| instant_from_py(t, "ad_when_changed"))
        .transpose()?;
    let now = match now {
        Some(t) => instant_from_py(t, "now")?,
        None => chrono::Utc::now(),
    };
    let req = requirements_or_default(requirements.map(Bound::get));
    Ok(findings(py.detach(|| {
        preflight::check_mailbox(&mailbox, changed, now, &req)
    })))
}

/// Runs the organization checks described by `preflight`, a dict or JSON text in the serde
/// shape of the core's `Preflight` (`{"sync": {...}, "tenant": {...}, "caller": {...},
/// "requirements": {...}}`, every part optional), for `planned` more flips.
#[pyfunction]
#[pyo3(signature = (preflight, planned = 0))]
pub(crate) fn check_organization(
    py: Python<'_>,
    preflight: &Bound<'_, PyAny>,
    planned: u64,
) -> PyResult<PyPreflightReport> {
    let preflight: Preflight = from_json_or_dict(preflight, "preflight")?;
    Ok(PyPreflightReport(
        py.detach(|| preflight.check_organization(planned)),
    ))
}

/// Gathers the organization preflight's inputs through the session: the tenant default and the
/// cloud-managed mailboxes from Exchange Online, the roles of the session's actor that carry
/// `Set-Mailbox -IsExchangeCloudManaged`, and the sync engines from the directory when it knows
/// them. Returns a dict in the serde shape of the core's `Preflight`, for `check_organization`
/// and `plan`. What no source reports stays unknown, and the checks say so.
#[pyfunction]
#[pyo3(signature = (session, requirements = None))]
pub(crate) fn gather_preflight<'py>(
    py: Python<'py>,
    session: &Bound<'py, PySession>,
    requirements: Option<&Bound<'py, PyRequirements>>,
) -> PyResult<Bound<'py, PyAny>> {
    let requirements = requirements_or_default(requirements.map(Bound::get));
    let session = &session.get().session;
    let preflight = call(py, session.gather_preflight(requirements))?;
    to_python(py, &preflight)
}
