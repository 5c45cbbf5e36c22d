//! Reconciliation of on-premises AD with Exchange Online: thin wrappers over
//! `soa_core::reconcile`.
//!
//! `reconcile` reads an AD export (CSV, LDIF or JSON) and a `Get-Mailbox | ConvertTo-Json` file
//! (`reconcile_files`); `reconcile_live` reads the AD export and a session's Exchange Online
//! (`Session::reconcile_live`). Both release the GIL, report progress to a callback, and have
//! asyncio forms (`areconcile`, `areconcile_live`). The report, its differences, the comparison of two reports and the writeback plans
//! are the core's values; every classification and every rendering stays in the core.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use pyo3::exceptions::{PyIndexError, PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyList, PyString};
use serde::de::DeserializeOwned;
use soa_core::catalog::Catalog;
use soa_core::model::AttributeValue;
use soa_core::reconcile::source::AdFormat;
use soa_core::reconcile::writeback::{WritebackPlan, WritebackSelection};
use soa_core::reconcile::{
    DiffClass, Difference, ReconcileOptions, ReconcileProgress, ReconcileProgressFn, Report,
    ReportChanges, reconcile_files_with_progress,
};
use soa_core::session::Session;

use crate::callback::PyCallback;
use crate::catalog::{PyCatalog, catalog_or_builtin};
use crate::convert::{
    instant_from_py, instant_to_py, repr_str, strings_from_py, to_python, type_name,
};
use crate::errors::{PySoaErr, invalid_input};
use crate::runtime::{block_on, spawn_py};
use crate::session::PySession;

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
    name.map(str::parse::<AdFormat>)
        .transpose()
        .map_err(|e| PySoaErr(e).into())
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
// reconcile, reconcile_live and their progress
// ---------------------------------------------------------------------------------------------

/// The options both entry points share, from their keyword arguments.
fn options(
    writeback_enabled: bool,
    now: Option<&Bound<'_, PyAny>>,
    sync_grace_minutes: i64,
    attributes: Option<&Bound<'_, PyAny>>,
) -> PyResult<ReconcileOptions> {
    Ok(ReconcileOptions {
        writeback_enabled,
        now: now.map(|t| instant_from_py(t, "now")).transpose()?,
        sync_grace_minutes,
        attributes: attributes
            .map(|a| strings_from_py(a, "attributes"))
            .transpose()?,
        ..ReconcileOptions::default()
    })
}

fn default_sync_grace() -> i64 {
    ReconcileOptions::default().sync_grace_minutes
}

/// What a reconciliation needs besides its sources: the AD format, the options and the
/// progress callback.
struct Reconciliation {
    format: Option<AdFormat>,
    options: ReconcileOptions,
    progress: Arc<PyCallback>,
}

impl Reconciliation {
    #[allow(
        clippy::too_many_arguments,
        reason = "the keyword arguments of the API"
    )]
    fn new(
        ad_format: Option<&str>,
        writeback_enabled: bool,
        now: Option<&Bound<'_, PyAny>>,
        sync_grace_minutes: i64,
        attributes: Option<&Bound<'_, PyAny>>,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(Reconciliation {
            format: self::ad_format(ad_format)?,
            options: options(writeback_enabled, now, sync_grace_minutes, attributes)?,
            progress: Arc::new(PyCallback::new(progress, "progress")?),
        })
    }

    /// The core's progress callback: each event goes to the Python callable. An exception it
    /// raises (or Ctrl-C) stops the reconciliation, through the core's rule that a callback
    /// that panics stops it, without the panic hook; `finish` then raises the exception.
    fn progress_fn(&self) -> ReconcileProgressFn {
        let progress = Arc::clone(&self.progress);
        Arc::new(move |event: &ReconcileProgress| {
            if !progress.call(|| PyReconcileProgress(event.clone())) {
                std::panic::resume_unwind(Box::new("the progress callback raised"));
            }
        })
    }

    /// The reconciliation's result as Python sees it: the callback's exception first.
    fn finish(&self, result: soa_core::Result<Report>) -> PyResult<PyReconcileReport> {
        self.progress
            .finish(result.map_err(|e| PySoaErr(e).into()))
            .map(PyReconcileReport::new)
    }

    /// Reconciles the exports `ad` and `cloud` (blocking: run it off the event loop).
    fn files(&self, catalog: &Catalog, ad: &Path, cloud: &Path) -> PyResult<PyReconcileReport> {
        let result = reconcile_files_with_progress(
            catalog,
            ad,
            self.format,
            cloud,
            &self.options,
            Some(self.progress_fn()),
        );
        self.finish(result)
    }

    /// Reconciles the export `ad` with the session's Exchange Online, read live.
    async fn live(&self, session: &Session, ad: &Path) -> PyResult<PyReconcileReport> {
        let result = session
            .reconcile_live(ad, self.format, &self.options, Some(self.progress_fn()))
            .await;
        self.finish(result)
    }
}

/// Reconciles an AD export with a `Get-Mailbox | ConvertTo-Json` export.
///
/// `ad` is the path of a CSV (`Get-ADUser | Export-Csv`), LDIF (`ldifde`) or JSON
/// (`ConvertTo-Json`) export, in `ad_format` (`"csv"`, `"ldif"`, `"json"`) or the format its
/// extension suggests; `cloud` the path of the mailbox export. `now` (an aware datetime or RFC
/// 3339 text; a naive datetime is refused) is the reference time for the sync grace (default:
/// the current time). `attributes` restricts the comparison to some attributes (any catalog
/// name). `progress`, when given, is called with a `ReconcileProgress` as the files are read
/// (the mailboxes first, then AD), at a bounded rate; an exception it raises stops the
/// reconciliation and is raised. The work runs with the GIL released; `areconcile` is the
/// asyncio form. To reconcile with a live Exchange Online, use `reconcile_live`.
#[pyfunction]
#[pyo3(
    signature = (
        ad,
        cloud,
        *,
        ad_format = None,
        catalog = None,
        writeback_enabled = false,
        now = None,
        sync_grace_minutes = default_sync_grace(),
        attributes = None,
        progress = None,
    ),
    text_signature = "(ad, cloud, *, ad_format=None, catalog=None, writeback_enabled=False, now=None, sync_grace_minutes=120, attributes=None, progress=None)"
)]
#[allow(
    clippy::too_many_arguments,
    clippy::needless_pass_by_value,
    reason = "pyo3 extracts owned paths; the keyword arguments are the API"
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
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyReconcileReport> {
    let run = Reconciliation::new(
        ad_format,
        writeback_enabled,
        now,
        sync_grace_minutes,
        attributes,
        progress,
    )?;
    let cloud = cloud_path(cloud)?;
    let catalog = catalog_or_builtin(catalog);
    py.detach(|| run.files(&catalog, &ad, &cloud))
}

/// `reconcile` for asyncio: an awaitable `ReconcileReport`. The files are read on a worker
/// thread, and `progress` is called there.
#[pyfunction]
#[pyo3(
    signature = (
        ad,
        cloud,
        *,
        ad_format = None,
        catalog = None,
        writeback_enabled = false,
        now = None,
        sync_grace_minutes = default_sync_grace(),
        attributes = None,
        progress = None,
    ),
    text_signature = "(ad, cloud, *, ad_format=None, catalog=None, writeback_enabled=False, now=None, sync_grace_minutes=120, attributes=None, progress=None)"
)]
#[allow(
    clippy::too_many_arguments,
    reason = "the keyword arguments are the API"
)]
pub(crate) fn areconcile<'py>(
    py: Python<'py>,
    ad: PathBuf,
    cloud: &Bound<'py, PyAny>,
    ad_format: Option<&str>,
    catalog: Option<&Bound<'py, PyCatalog>>,
    writeback_enabled: bool,
    now: Option<&Bound<'py, PyAny>>,
    sync_grace_minutes: i64,
    attributes: Option<&Bound<'py, PyAny>>,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let run = Reconciliation::new(
        ad_format,
        writeback_enabled,
        now,
        sync_grace_minutes,
        attributes,
        progress,
    )?;
    let cloud = cloud_path(cloud)?;
    let catalog = catalog_or_builtin(catalog);
    spawn_py(py, async move {
        tokio::task::spawn_blocking(move || run.files(&catalog, &ad, &cloud))
            .await
            .map_err(|e| PyRuntimeError::new_err(format!("the reconciliation stopped: {e}")))?
    })
}

/// The path of the cloud export: `str` or `os.PathLike`.
fn cloud_path(cloud: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    if !is_path(cloud)? {
        return Err(PyTypeError::new_err(format!(
            "cloud must be the path of a Get-Mailbox JSON export (for a live Exchange Online, use reconcile_live with a Session), not {}",
            type_name(cloud)
        )));
    }
    cloud.extract()
}

/// Reconciles an AD export with the session's Exchange Online, whose dir-synced mailboxes are
/// listed live, using the session's catalog. The arguments are `reconcile`'s; `progress` is
/// told of the mailboxes listed (records only), then of the AD export read (records and
/// bytes). `areconcile_live` is the asyncio form.
#[pyfunction]
#[pyo3(
    signature = (
        session,
        ad,
        *,
        ad_format = None,
        writeback_enabled = false,
        now = None,
        sync_grace_minutes = default_sync_grace(),
        attributes = None,
        progress = None,
    ),
    text_signature = "(session, ad, *, ad_format=None, writeback_enabled=False, now=None, sync_grace_minutes=120, attributes=None, progress=None)"
)]
#[allow(
    clippy::too_many_arguments,
    clippy::needless_pass_by_value,
    reason = "pyo3 extracts an owned PathBuf; the keyword arguments are the API"
)]
pub(crate) fn reconcile_live(
    py: Python<'_>,
    session: &Bound<'_, PySession>,
    ad: PathBuf,
    ad_format: Option<&str>,
    writeback_enabled: bool,
    now: Option<&Bound<'_, PyAny>>,
    sync_grace_minutes: i64,
    attributes: Option<&Bound<'_, PyAny>>,
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyReconcileReport> {
    let run = Reconciliation::new(
        ad_format,
        writeback_enabled,
        now,
        sync_grace_minutes,
        attributes,
        progress,
    )?;
    let session = &session.get().session;
    block_on(py, run.live(session, &ad))?
}

/// `reconcile_live` for asyncio: an awaitable `ReconcileReport`. `progress` is called on a
/// worker thread.
#[pyfunction]
#[pyo3(
    signature = (
        session,
        ad,
        *,
        ad_format = None,
        writeback_enabled = false,
        now = None,
        sync_grace_minutes = default_sync_grace(),
        attributes = None,
        progress = None,
    ),
    text_signature = "(session, ad, *, ad_format=None, writeback_enabled=False, now=None, sync_grace_minutes=120, attributes=None, progress=None)"
)]
#[allow(
    clippy::too_many_arguments,
    reason = "the keyword arguments are the API"
)]
pub(crate) fn areconcile_live<'py>(
    py: Python<'py>,
    session: &Bound<'py, PySession>,
    ad: PathBuf,
    ad_format: Option<&str>,
    writeback_enabled: bool,
    now: Option<&Bound<'py, PyAny>>,
    sync_grace_minutes: i64,
    attributes: Option<&Bound<'py, PyAny>>,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let run = Reconciliation::new(
        ad_format,
        writeback_enabled,
        now,
        sync_grace_minutes,
        attributes,
        progress,
    )?;
    let session = session.get().session.clone();
    spawn_py(py, async move { run.live(&session, &ad).await })
}

/// How far a reconciliation has read one side: `phase` (`"cloud"`, the mailboxes, read first;
/// then `"directory"`, the AD export), the `records` read so far, and for a file the `bytes`
/// read of `total_bytes`. Within a phase the counts never decrease, and its last event has
/// every record (and every byte of a file).
#[pyclass(
    frozen,
    eq,
    module = "exchange_soa._native",
    name = "ReconcileProgress"
)]
#[derive(PartialEq)]
pub(crate) struct PyReconcileProgress(ReconcileProgress);

#[pymethods]
impl PyReconcileProgress {
    /// The side being read: `"cloud"` or `"directory"`.
    #[getter]
    fn phase(&self) -> &'static str {
        self.0.phase.as_str()
    }

    /// Records of this side read so far (mailboxes, then AD accounts).
    #[getter]
    fn records(&self) -> u64 {
        self.0.records
    }

    /// Bytes of this side's file read so far (0 for a live Exchange Online).
    #[getter]
    fn bytes(&self) -> u64 {
        self.0.bytes
    }

    /// The size of this side's file, when it is a file of known size.
    #[getter]
    fn total_bytes(&self) -> Option<u64> {
        self.0.total_bytes
    }

    /// The event in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<ReconcileProgress {}: {} records, {} of {} bytes>",
            self.0.phase.as_str(),
            self.0.records,
            self.0.bytes,
            self.0
                .total_bytes
                .map_or_else(|| "?".to_owned(), |t| t.to_string())
        )
    }
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
    fn write_json(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let report = &self.0;
        Ok(py.detach(|| report.save_json(&path)).map_err(PySoaErr)?)
    }

    /// Writes the CSV report to `path`, atomically.
    fn write_csv(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let report = &self.0;
        Ok(py.detach(|| report.save_csv(&path)).map_err(PySoaErr)?)
    }

    /// Writes the HTML report to `path`, atomically.
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
    fn write_ldif(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let plan = &self.0;
        Ok(py.detach(|| plan.save_ldif(&path)).map_err(PySoaErr)?)
    }

    /// Writes the script to `path`, atomically, with a UTF-8 byte-order mark (for Windows
    /// PowerShell 5.1).
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
