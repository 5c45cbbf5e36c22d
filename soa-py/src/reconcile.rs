//! Reconciliation of on-premises AD with Exchange Online: thin wrappers over
//! `soa_core::reconcile`.
//!
//! `reconcile` reads an AD export (CSV, LDIF or JSON) and either a `Get-Mailbox | ConvertTo-Json`
//! file (`reconcile_files`) or a live `ExchangeOnline` backend (`reconcile_live`), with the GIL
//! released. The report, its differences, the comparison of two reports and the writeback plans
//! are the core's values; every classification and every rendering stays in the core.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyList, PyString};
use serde::de::DeserializeOwned;
use soa_core::catalog::Catalog;
use soa_core::model::AttributeValue;
use soa_core::reconcile::source::{self, AdFormat};
use soa_core::reconcile::writeback::{WritebackPlan, WritebackSelection};
use soa_core::reconcile::{
    DiffClass, Difference, ReconcileOptions, Report, ReportChanges, reconcile_files, reconcile_live,
};

use crate::backend::PyExchangeOnline;
use crate::catalog::PyCatalog;
use crate::convert::{
    instant_from_py, instant_to_py, repr_str, strings_from_py, to_python, type_name,
};
use crate::errors::{PySoaErr, invalid_input};
use crate::runtime::call;
use crate::sim::PySimulatedOrg;

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

/// A unit enum of the core from its serde name; `what` names the argument and `names` lists
/// the accepted spellings in the error.
fn enum_from_name<T: DeserializeOwned>(name: &str, what: &str, names: &[&str]) -> PyResult<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| invalid_input(what, format!("{name:?} is not one of {}", names.join(", "))))
}

fn ad_format(name: Option<&str>) -> PyResult<Option<AdFormat>> {
    name.map(|n| enum_from_name(n, "ad_format", &["csv", "ldif", "json"]))
        .transpose()
}

fn diff_class(name: &str) -> PyResult<DiffClass> {
    let names: Vec<&str> = DiffClass::ALL.iter().map(|c| c.as_str()).collect();
    enum_from_name(name, "class", &names)
}

/// Whether `obj` is a path: `str` or `os.PathLike`.
fn is_path(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(obj.is_instance_of::<PyString>() || obj.hasattr("__fspath__")?)
}

/// A multi-valued value as one string joined with `;` (the CSV report's convention); other
/// values as they are.
fn flat_value<'py>(py: Python<'py>, value: &AttributeValue) -> PyResult<Bound<'py, PyAny>> {
    match value {
        AttributeValue::List(items) => Ok(PyString::new(py, &items.join(";")).into_any()),
        other => to_python(py, other),
    }
}

// ---------------------------------------------------------------------------------------------
// reconcile
// ---------------------------------------------------------------------------------------------

/// Reconciles an AD export with Exchange Online.
///
/// `ad` is the path of a CSV (`Get-ADUser | Export-Csv`), LDIF (`ldifde`) or JSON
/// (`ConvertTo-Json`) export, in `ad_format` (`"csv"`, `"ldif"`, `"json"`) or the format its
/// extension suggests. `cloud` is the path of a `Get-Mailbox | ConvertTo-Json` file, or an
/// `ExchangeOnline` backend (`SimulatedOrg`, `ExoClient`) whose dir-synced mailboxes are listed
/// live. `now` (an aware datetime or RFC 3339 text; a naive datetime is refused) is the
/// reference time for the sync grace; by default the current time, or a `SimulatedOrg`'s
/// virtual clock. `attributes` restricts the comparison to some attributes (any catalog name).
/// The work runs with the GIL released; from asyncio, `await asyncio.to_thread(reconcile, ...)`.
#[pyfunction]
#[pyo3(signature = (
    ad,
    cloud,
    *,
    ad_format = None,
    catalog = None,
    writeback_enabled = false,
    now = None,
    sync_grace_minutes = 120,
    attributes = None,
))]
#[allow(
    clippy::too_many_arguments,
    clippy::needless_pass_by_value,
    reason = "pyo3 extracts an owned PathBuf; the keyword arguments are the API"
)]
pub(crate) fn reconcile(
    py: Python<'_>,
    ad: PathBuf,
    cloud: &Bound<'_, PyAny>,
    ad_format: Option<&str>,
    catalog: Option<&Bound<'_, PyCatalog>>,
    writeback_enabled: bool,
    now: Option<&Bound<'_, PyAny>>,
    sync_grace_minutes: i64,
    attributes: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyReconcileReport> {
    let format = self::ad_format(ad_format)?;
    let catalog: Option<Arc<Catalog>> = catalog.map(|c| Arc::clone(&c.get().inner));
    let catalog: &Catalog = catalog.as_deref().unwrap_or_else(|| Catalog::builtin());
    let now = match now {
        Some(t) => Some(instant_from_py(t, "now")?),
        None => cloud
            .cast::<PySimulatedOrg>()
            .ok()
            .map(|org| org.get().0.now()),
    };
    let mut options = ReconcileOptions {
        writeback_enabled,
        now,
        sync_grace_minutes,
        attributes: attributes
            .map(|a| strings_from_py(a, "attributes"))
            .transpose()?,
        ..ReconcileOptions::default()
    };
    if let Ok(backend) = cloud.cast::<PyExchangeOnline>() {
        let exo = Arc::clone(&backend.get().exo);
        options.ad_source = ad.display().to_string();
        let ad_entries = py
            .detach(|| source::open_ad(catalog, &ad, format))
            .map_err(PySoaErr)?;
        let report = call(py, async move {
            reconcile_live(catalog, ad_entries, exo.as_ref(), &options).await
        })?;
        return Ok(PyReconcileReport::new(report));
    }
    if !is_path(cloud)? {
        return Err(PyTypeError::new_err(format!(
            "cloud must be the path of a Get-Mailbox JSON export or an ExchangeOnline backend (SimulatedOrg, ExoClient), not {}",
            type_name(cloud)
        )));
    }
    let cloud: PathBuf = cloud.extract()?;
    let report = py
        .detach(|| reconcile_files(catalog, &ad, format, &cloud, &options))
        .map_err(PySoaErr)?;
    Ok(PyReconcileReport::new(report))
}

// ---------------------------------------------------------------------------------------------
// Difference
// ---------------------------------------------------------------------------------------------

/// One attribute that differs between an AD account and its mailbox, with its class and the
/// reason for it.
#[pyclass(
    frozen,
    eq,
    from_py_object,
    module = "exchange_soa._native",
    name = "Difference"
)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyDifference(Difference);

#[pymethods]
impl PyDifference {
    /// The mailbox, as people name it (UPN, else primary SMTP address).
    #[getter]
    fn mailbox(&self) -> &str {
        &self.0.mailbox
    }

    /// The mailbox's `ExchangeGuid`.
    #[getter]
    fn exchange_guid(&self) -> Option<&str> {
        self.0.exchange_guid.as_deref()
    }

    /// The AD account's `objectGUID`.
    #[getter]
    fn ad_object_guid(&self) -> Option<&str> {
        self.0.ad_object_guid.as_deref()
    }

    /// The AD account's distinguished name.
    #[getter]
    fn ad_distinguished_name(&self) -> Option<&str> {
        self.0.ad_distinguished_name.as_deref()
    }

    /// Where the AD record was read (`users.csv line 4`).
    #[getter]
    fn ad_origin(&self) -> &str {
        &self.0.ad_origin
    }

    /// How the two were paired: `exchange_guid`, `user_principal_name` or
    /// `primary_smtp_address`.
    #[getter]
    fn matched_by(&self) -> &'static str {
        self.0.matched_by.as_str()
    }

    /// The attribute's canonical name (its Exchange Online property).
    #[getter]
    fn attribute(&self) -> &str {
        &self.0.attribute
    }

    /// Its LDAP name.
    #[getter]
    fn ldap_name(&self) -> &str {
        &self.0.ldap_name
    }

    /// Its class: `identity`, `exchange` or `cloud_only`.
    #[getter]
    fn attribute_class(&self) -> String {
        crate::convert::serde_name(&self.0.attribute_class)
    }

    /// Its value kind (`string`, `proxy_addresses`, ...).
    #[getter]
    fn value_kind(&self) -> String {
        crate::convert::serde_name(&self.0.value_kind)
    }

    /// Whether Cloud Sync writes the attribute back.
    #[getter]
    fn written_back(&self) -> bool {
        self.0.written_back
    }

    /// The AD value: `None`, `bool`, `int`, `str` or a list of `str`.
    #[getter]
    fn ad_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.ad_value)
    }

    /// The cloud value.
    #[getter]
    fn cloud_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.cloud_value)
    }

    /// What the difference means: `cloud_master_ad_stale`, `ad_master_cloud_behind`,
    /// `identity_drift` or `conflict` (the `class` key of `to_dict()`).
    #[getter]
    fn diff_class(&self) -> &'static str {
        self.0.class.as_str()
    }

    /// Why (`writeback_off`, `pending_sync`, ...), and so what happens to it next.
    #[getter]
    fn reason(&self) -> &'static str {
        self.0.reason.as_str()
    }

    /// A stable key across runs: the mailbox and the attribute, lower-cased.
    #[getter]
    fn key(&self) -> String {
        self.0.key()
    }

    /// The difference in its serde shape (the JSON report's).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<Difference {} {} {} ({})>",
            repr_str(py, &self.0.mailbox)?,
            self.0.attribute,
            self.0.class,
            self.0.reason
        ))
    }
}

fn differences<'a>(list: impl IntoIterator<Item = &'a Difference>) -> Vec<PyDifference> {
    list.into_iter().cloned().map(PyDifference).collect()
}

// ---------------------------------------------------------------------------------------------
// ReconcileReport
// ---------------------------------------------------------------------------------------------

/// The result of a reconciliation: the differences (iterate over the report), the objects
/// found on one side only, the ambiguous matches and the counts, with the JSON, CSV and HTML
/// renderings, the comparison of two reports and writeback plans.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "ReconcileReport")]
#[derive(PartialEq)]
pub(crate) struct PyReconcileReport(Arc<Report>);

impl PyReconcileReport {
    fn new(report: Report) -> Self {
        PyReconcileReport(Arc::new(report))
    }
}

#[pymethods]
impl PyReconcileReport {
    /// A report written by `write_json` (or `to_json()`'s text read from a file).
    #[staticmethod]
    #[allow(
        clippy::needless_pass_by_value,
        reason = "pyo3 extracts an owned PathBuf"
    )]
    fn load_json(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let report = py
            .detach(|| {
                let text =
                    std::fs::read_to_string(&path).map_err(|source| soa_core::Error::Io {
                        action: "read",
                        path: path.clone(),
                        source,
                    })?;
                Report::from_json(&text, &path.display().to_string())
            })
            .map_err(PySoaErr)?;
        Ok(PyReconcileReport::new(report))
    }

    /// A report from `to_json()`'s text; `origin` names it in errors.
    #[staticmethod]
    #[pyo3(signature = (text, origin = "<string>"))]
    fn from_json(py: Python<'_>, text: &str, origin: &str) -> PyResult<Self> {
        let report = py
            .detach(|| Report::from_json(text, origin))
            .map_err(PySoaErr)?;
        Ok(PyReconcileReport::new(report))
    }

    /// When the reconciliation ran (the reference time of the sync grace).
    #[getter]
    fn generated<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        instant_to_py(py, self.0.generated)
    }

    /// The version of the library that made the report.
    #[getter]
    fn tool_version(&self) -> &str {
        &self.0.tool_version
    }

    /// The AD source's name (the export's path).
    #[getter]
    fn ad_source(&self) -> &str {
        &self.0.ad_source
    }

    /// The cloud source's name (the export's path, or `Exchange Online`).
    #[getter]
    fn cloud_source(&self) -> &str {
        &self.0.cloud_source
    }

    /// Whether writeback was taken as configured.
    #[getter]
    fn writeback_enabled(&self) -> bool {
        self.0.writeback_enabled
    }

    /// The counts, as a dict: `ad_records`, `cloud_records`, `matched`, `matched_by`,
    /// `ad_only`, `cloud_only`, `ad_without_mailbox`, `ambiguous`, `compared`, `in_sync`,
    /// `differences`, `by_class`, `by_attribute`.
    #[getter]
    fn totals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.totals)
    }

    /// Every difference, in AD order.
    #[getter]
    fn differences(&self) -> Vec<PyDifference> {
        differences(&self.0.differences)
    }

    /// Mail-enabled AD accounts without a mailbox, as dicts (`record`, `name`, `guid`).
    #[getter]
    fn ad_only<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.ad_only)
    }

    /// Mailboxes without an AD account, as dicts (`record`, `name`, `guid`).
    #[getter]
    fn cloud_only<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.cloud_only)
    }

    /// Matches that are not one to one, as dicts (`side`, `record`, `key`, `candidates`).
    #[getter]
    fn ambiguous<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.ambiguous)
    }

    /// The differences of one class (`cloud_master_ad_stale`, `ad_master_cloud_behind`,
    /// `identity_drift`, `conflict`).
    #[pyo3(signature = (class, /))]
    fn of_class(&self, class: &str) -> PyResult<Vec<PyDifference>> {
        let class = diff_class(class)?;
        Ok(differences(self.0.of_class(class)))
    }

    fn __len__(&self) -> usize {
        self.0.differences.len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        PyList::new(py, self.differences())?.try_iter()
    }

    fn __getitem__(&self, index: isize) -> PyResult<PyDifference> {
        let len = self.0.differences.len();
        let at = if index < 0 {
            len.checked_sub(index.unsigned_abs())
        } else {
            Some(index.unsigned_abs())
        };
        at.and_then(|i| self.0.differences.get(i))
            .cloned()
            .map(PyDifference)
            .ok_or_else(|| PyIndexError::new_err("difference index out of range"))
    }

    /// The report in its serde shape: the content of the JSON report, as dicts and lists.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, self.0.as_ref())
    }

    /// One flat dict per difference (the keys of `Difference.to_dict()`; a multi-valued value
    /// is one string joined with `;`, as in the CSV report), ready for `csv.DictWriter` or
    /// `pandas.DataFrame(report.records())`.
    fn records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for d in &self.0.differences {
            let record = to_python(py, d)?;
            let record = record.cast::<PyDict>()?;
            record.set_item("ad_value", flat_value(py, &d.ad_value)?)?;
            record.set_item("cloud_value", flat_value(py, &d.cloud_value)?)?;
            list.append(record)?;
        }
        Ok(list)
    }

    /// The JSON report (pretty-printed).
    fn to_json(&self, py: Python<'_>) -> String {
        let report = &self.0;
        py.detach(|| report.to_json())
    }

    /// The CSV report: a header and one row per difference.
    fn to_csv(&self, py: Python<'_>) -> PyResult<String> {
        let report = &self.0;
        Ok(py.detach(|| report.to_csv()).map_err(PySoaErr)?)
    }

    /// The HTML report: one self-contained page, every value escaped.
    fn to_html(&self, py: Python<'_>) -> String {
        let report = &self.0;
        py.detach(|| report.to_html())
    }

    /// Writes the JSON report to `path`, atomically (nothing half-written).
    #[allow(
        clippy::needless_pass_by_value,
        reason = "pyo3 extracts an owned PathBuf"
    )]
    fn write_json(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let report = &self.0;
        Ok(py.detach(|| report.save_json(&path)).map_err(PySoaErr)?)
    }

    /// Writes the CSV report to `path`, atomically.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "pyo3 extracts an owned PathBuf"
    )]
    fn write_csv(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let report = &self.0;
        Ok(py.detach(|| report.save_csv(&path)).map_err(PySoaErr)?)
    }

    /// Writes the HTML report to `path`, atomically.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "pyo3 extracts an owned PathBuf"
    )]
    fn write_html(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let report = &self.0;
        Ok(py.detach(|| report.save_html(&path)).map_err(PySoaErr)?)
    }

    /// What changed since `earlier` (an older report of the same sources).
    fn changes_since(&self, py: Python<'_>, earlier: &Self) -> PyReportChanges {
        let (later, earlier) = (&self.0, &earlier.0);
        PyReportChanges(py.detach(|| later.changes_since(earlier)))
    }

    /// A writeback plan: the changes that bring AD up to the cloud values of the chosen
    /// differences, as LDIF and as a PowerShell script.
    ///
    /// By default the differences where Exchange Online masters the attribute and AD is stale
    /// (`cloud_master_ad_stale`) are chosen. `classes` chooses other classes, `attributes`
    /// keeps only some attributes (canonical or LDAP name, any case; an empty list keeps all,
    /// as in the core's `WritebackSelection`), and `select`, a callable
    /// taking a `Difference` and returning a bool, decides among what remains (an exception it
    /// raises propagates). `now` dates the plan (default: the report's time).
    #[pyo3(signature = (select = None, *, classes = None, attributes = None, now = None))]
    fn writeback_plan(
        &self,
        py: Python<'_>,
        select: Option<&Bound<'_, PyAny>>,
        classes: Option<&Bound<'_, PyAny>>,
        attributes: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyWritebackPlan> {
        let mut selection = WritebackSelection::default();
        if let Some(c) = classes {
            selection.classes = strings_from_py(c, "classes")?
                .iter()
                .map(|name| diff_class(name))
                .collect::<PyResult<_>>()?;
        }
        if let Some(a) = attributes {
            selection.attributes = strings_from_py(a, "attributes")?;
        }
        if let Some(select) = select
            && !select.is_callable()
        {
            return Err(PyTypeError::new_err(format!(
                "select must be a callable taking a Difference, not {}",
                type_name(select)
            )));
        }
        let now: DateTime<Utc> = match now {
            Some(t) => instant_from_py(t, "now")?,
            None => self.0.generated,
        };
        // The chosen differences, by address: `select` runs here with the GIL held, so that
        // its exceptions propagate; the plan is then made with the GIL released.
        let mut chosen = HashSet::new();
        for d in &self.0.differences {
            if !selection.accepts(d) {
                continue;
            }
            if let Some(select) = select
                && !select.call1((PyDifference(d.clone()),))?.is_truthy()?
            {
                continue;
            }
            chosen.insert(std::ptr::from_ref(d).addr());
        }
        let report = &self.0;
        let plan = py.detach(|| {
            WritebackPlan::new(report, now, |d| {
                chosen.contains(&std::ptr::from_ref(d).addr())
            })
        });
        Ok(PyWritebackPlan(plan))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let t = &self.0.totals;
        Ok(format!(
            "<ReconcileReport {} vs {}: {} matched, {} differences, {} AD only, {} cloud only, {} ambiguous>",
            repr_str(py, &self.0.ad_source)?,
            repr_str(py, &self.0.cloud_source)?,
            t.matched,
            t.differences,
            t.ad_only,
            t.cloud_only,
            t.ambiguous
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// ReportChanges
// ---------------------------------------------------------------------------------------------

/// What changed between two reports: differences that are new, resolved, or changed (other
/// values, class or reason), and how many stayed the same.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "ReportChanges")]
#[derive(PartialEq)]
pub(crate) struct PyReportChanges(ReportChanges);

#[pymethods]
impl PyReportChanges {
    /// Differences in the later report only.
    #[getter]
    #[pyo3(name = "new")]
    fn new_differences(&self) -> Vec<PyDifference> {
        differences(&self.0.new)
    }

    /// Differences in the earlier report only (resolved since).
    #[getter]
    fn resolved(&self) -> Vec<PyDifference> {
        differences(&self.0.resolved)
    }

    /// Differences in both with other values, class or reason, as `(before, after)` pairs.
    #[getter]
    fn changed(&self) -> Vec<(PyDifference, PyDifference)> {
        self.0
            .changed
            .iter()
            .map(|c| {
                (
                    PyDifference(c.before.clone()),
                    PyDifference(c.after.clone()),
                )
            })
            .collect()
    }

    /// The number of differences in both reports, unchanged.
    #[getter]
    fn unchanged(&self) -> usize {
        self.0.unchanged
    }

    /// Whether nothing changed.
    #[getter]
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The changes in their serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<ReportChanges: {} new, {} resolved, {} changed, {} unchanged>",
            self.0.new.len(),
            self.0.resolved.len(),
            self.0.changed.len(),
            self.0.unchanged
        )
    }
}

// ---------------------------------------------------------------------------------------------
// WritebackPlan
// ---------------------------------------------------------------------------------------------

/// A writeback plan: the attribute changes that bring AD up to the chosen cloud values, as
/// LDIF (`ldifde -i`) and as a PowerShell script (`Set-ADUser`, dry unless run with
/// `-Apply`). Every value is encoded (LDIF) or a single-quoted literal (PowerShell). A plan is
/// a file to review; nothing is applied. `len()` is the number of attribute changes.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "WritebackPlan")]
#[derive(PartialEq)]
pub(crate) struct PyWritebackPlan(WritebackPlan);

#[pymethods]
impl PyWritebackPlan {
    /// When the plan was made.
    #[getter]
    fn generated<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        instant_to_py(py, self.0.generated)
    }

    /// The report's AD source.
    #[getter]
    fn ad_source(&self) -> &str {
        &self.0.ad_source
    }

    /// The report's cloud source.
    #[getter]
    fn cloud_source(&self) -> &str {
        &self.0.cloud_source
    }

    /// The accounts, in report order, as dicts (`mailbox`, `object_guid`,
    /// `distinguished_name`, `changes`: a list of `ldap_name`, `value_kind`, `value`).
    #[getter]
    fn accounts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.accounts)
    }

    /// Differences left out, and why (no objectGUID or DN, a value that cannot be written).
    #[getter]
    fn skipped(&self) -> Vec<String> {
        self.0.skipped.clone()
    }

    /// The number of attribute changes.
    #[getter]
    fn change_count(&self) -> usize {
        self.0.change_count()
    }

    fn __len__(&self) -> usize {
        self.0.change_count()
    }

    /// The plan as LDIF for `ldifde -i -f`.
    fn to_ldif(&self, py: Python<'_>) -> String {
        let plan = &self.0;
        py.detach(|| plan.to_ldif())
    }

    /// The plan as a PowerShell script (`-WhatIf` unless run with `-Apply`).
    fn to_powershell(&self, py: Python<'_>) -> String {
        let plan = &self.0;
        py.detach(|| plan.to_powershell())
    }

    /// Writes the LDIF to `path`, atomically.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "pyo3 extracts an owned PathBuf"
    )]
    fn write_ldif(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let plan = &self.0;
        Ok(py.detach(|| plan.save_ldif(&path)).map_err(PySoaErr)?)
    }

    /// Writes the script to `path`, atomically, with a UTF-8 byte-order mark (for Windows
    /// PowerShell 5.1).
    #[allow(
        clippy::needless_pass_by_value,
        reason = "pyo3 extracts an owned PathBuf"
    )]
    fn write_powershell(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let plan = &self.0;
        Ok(py
            .detach(|| plan.save_powershell(&path))
            .map_err(PySoaErr)?)
    }

    /// The plan in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<WritebackPlan: {} change(s) on {} account(s), {} skipped>",
            self.0.change_count(),
            self.0.accounts.len(),
            self.0.skipped.len()
        )
    }
}
