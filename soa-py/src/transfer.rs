//! The source-of-authority transfer of `soa_core::transfer`: `TransferPolicy`, `plan`, `run`,
//! `resume`, `rollback`, `restore_in_cloud`, `restore_script`, the tenant default, the RBAC
//! review, backups and the audit log of a run.
//!
//! Every workflow function takes a `Session` (Exchange Online, the on-premises directory, the
//! catalog, the clock and the actor) and calls the core's `Session` method of the same name.
//! The functions block with the GIL released; from asyncio, run them with
//! `await asyncio.to_thread(run, ...)`.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};
use soa_core::audit::AuditLog;
use soa_core::preflight::{Preflight, TenantState};
use soa_core::transfer::{
    self, Backup, BackupStore, CancelToken, Decision, MailboxResult, Plan, PlanEntry,
    ProgressEvent, RbacReport, RestoreReport, RollbackOptions, RollbackOutcome, RunOptions,
    RunReport, Selection, TransferPolicy,
};

use crate::authority::{PyRollbackLoss, RecipientArg, py_bool};
use crate::callback::PyCallback;
use crate::catalog::{PyCatalog, catalog_or_builtin};
use crate::convert::{
    from_json_or_dict, instant_to_py, repr_str, serde_name, to_python, type_name,
};
use crate::errors::{PySoaErr, invalid_input};
use crate::exo::{PyMailbox, PyRoleAssignment, PyUser, mailbox_filter};
use crate::preflight::{PyFinding, PyRequirements};
use crate::runtime::call;
use crate::session::PySession;

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

/// What `plan` considers: a path (`str` or `os.PathLike`) to a CSV file, a filter as a mapping
/// (`dir_synced`, `cloud_managed`, `recipient_types`), or an iterable of identities.
fn selection(obj: &Bound<'_, PyAny>) -> PyResult<Selection> {
    if obj.is_instance_of::<PyString>() || obj.hasattr("__fspath__")? {
        return Ok(Selection::CsvFile(obj.extract::<PathBuf>()?));
    }
    if let Ok(mapping) = obj.cast::<PyMapping>() {
        let mut dir_synced = None;
        let mut cloud_managed = None;
        let mut recipient_types = None;
        for item in mapping.items()?.iter() {
            let (key, value): (String, Bound<'_, PyAny>) = item.extract()?;
            match key.as_str() {
                "dir_synced" => dir_synced = value.extract()?,
                "cloud_managed" => cloud_managed = value.extract()?,
                "recipient_types" => recipient_types = value.extract()?,
                other => {
                    return Err(invalid_input(
                        "selection filter",
                        format!(
                            "unknown key {other:?}: a filter has dir_synced, cloud_managed and recipient_types"
                        ),
                    ));
                }
            }
        }
        return Ok(Selection::Filter(mailbox_filter(
            dir_synced,
            cloud_managed,
            recipient_types,
        )?));
    }
    let Ok(items) = obj.try_iter() else {
        return Err(PyTypeError::new_err(format!(
            "selection must be a list of identities, a path to a CSV file or a filter dict, not {}",
            type_name(obj)
        )));
    };
    let mut identities = Vec::new();
    for item in items {
        let item = item?;
        let Ok(identity) = item.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "selection: identities must be str, not {}",
                type_name(&item)
            )));
        };
        identities.push(identity.to_str()?.to_owned());
    }
    Ok(Selection::Identities(identities))
}

// ---------------------------------------------------------------------------------------------
// TransferPolicy
// ---------------------------------------------------------------------------------------------

fn default_policy() -> TransferPolicy {
    TransferPolicy::default()
}

/// The rules a transfer runs under. The defaults are the safe ones: a ticket is required,
/// waves are small (25), only eligible recipient types are flipped, and the sync-cycle-plus-24-
/// hours rule is enforced. `probe_attribute` (e.g. `"CustomAttribute15"`) proves each flipped
/// mailbox editable in the cloud with a probe edit that is then undone.
#[pyclass(
    frozen,
    eq,
    from_py_object,
    module = "exchange_soa._native",
    name = "TransferPolicy"
)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyTransferPolicy(TransferPolicy);

#[pymethods]
impl PyTransferPolicy {
    #[new]
    #[pyo3(
        signature = (
            ticket = None, *,
            require_ticket = default_policy().require_ticket,
            batch_cap = default_policy().batch_cap,
            exclusions = Vec::new(),
            allowed_types = None,
            enforce_settle_rule = default_policy().enforce_settle_rule,
            max_concurrency = default_policy().max_concurrency,
            probe_attribute = None,
            requirements = None,
        ),
        text_signature = "(ticket=None, *, require_ticket=True, batch_cap=25, exclusions=(), allowed_types=None, enforce_settle_rule=True, max_concurrency=4, probe_attribute=None, requirements=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        ticket: Option<String>,
        require_ticket: bool,
        batch_cap: usize,
        exclusions: Vec<String>,
        allowed_types: Option<Vec<RecipientArg>>,
        enforce_settle_rule: bool,
        max_concurrency: usize,
        probe_attribute: Option<String>,
        requirements: Option<PyRequirements>,
    ) -> PyResult<Self> {
        let default = default_policy();
        Ok(PyTransferPolicy(TransferPolicy {
            ticket,
            require_ticket,
            batch_cap,
            exclusions,
            allowed_types: match allowed_types {
                Some(types) => types
                    .into_iter()
                    .map(RecipientArg::into_core)
                    .collect::<PyResult<_>>()?,
                None => default.allowed_types,
            },
            enforce_settle_rule,
            max_concurrency,
            probe_attribute,
            requirements: requirements.map_or(default.requirements, |r| r.0),
        }))
    }

    /// The change ticket.
    #[getter]
    fn ticket(&self) -> Option<&str> {
        self.0.ticket.as_deref()
    }

    #[getter]
    fn require_ticket(&self) -> bool {
        self.0.require_ticket
    }

    /// The most mailboxes one run may flip.
    #[getter]
    fn batch_cap(&self) -> usize {
        self.0.batch_cap
    }

    /// Identities never to flip.
    #[getter]
    fn exclusions(&self) -> Vec<String> {
        self.0.exclusions.clone()
    }

    /// Recipient types that may be flipped (names).
    #[getter]
    fn allowed_types(&self) -> Vec<String> {
        self.0
            .allowed_types
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect()
    }

    #[getter]
    fn enforce_settle_rule(&self) -> bool {
        self.0.enforce_settle_rule
    }

    /// How many mailboxes are worked on at once.
    #[getter]
    fn max_concurrency(&self) -> usize {
        self.0.max_concurrency
    }

    #[getter]
    fn probe_attribute(&self) -> Option<&str> {
        self.0.probe_attribute.as_deref()
    }

    /// The thresholds of the preflight checks.
    #[getter]
    fn requirements(&self) -> PyRequirements {
        PyRequirements(self.0.requirements.clone())
    }

    /// The policy in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "TransferPolicy(ticket={}, require_ticket={}, batch_cap={}, max_concurrency={}, probe_attribute={})",
            crate::convert::repr_opt(py, self.0.ticket.as_deref())?,
            py_bool(self.0.require_ticket),
            self.0.batch_cap,
            self.0.max_concurrency,
            crate::convert::repr_opt(py, self.0.probe_attribute.as_deref())?
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------------------------

/// Makes a plan at the session's time (changes nothing): reads every selected mailbox from
/// the session's Exchange Online, runs the mailbox preflight (with AD's `whenChanged` from the
/// session's directory; without one, every go entry says the settle rule was checked against
/// the cloud side only), applies `policy`, and records the organization findings of
/// `preflight` (`gather_preflight`'s dict, or a dict or JSON text in that shape; `None` knows
/// nothing of the sync engines).
///
/// `selection` is a list of identities, a path to a CSV file (an `Identity`,
/// `UserPrincipalName`, `PrimarySmtpAddress`, `Mail` or `Alias` column), or a filter dict
/// (`{"dir_synced": True, "cloud_managed": False, "recipient_types": [...]}`; beyond the batch
/// cap the rest is deferred). Raises `RefusedError` without a required ticket, or when a list
/// or file holds more eligible mailboxes than the batch cap.
#[pyfunction]
#[pyo3(signature = (session, selection, policy, preflight = None))]
pub(crate) fn plan(
    py: Python<'_>,
    session: &Bound<'_, PySession>,
    selection: &Bound<'_, PyAny>,
    policy: &Bound<'_, PyTransferPolicy>,
    preflight: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyPlan> {
    let selection = self::selection(selection)?;
    let preflight: Preflight = match preflight {
        Some(p) => from_json_or_dict(p, "preflight")?,
        None => Preflight::default(),
    };
    let session = &session.get().session;
    let policy = &policy.get().0;
    let plan = call(py, session.plan(&selection, policy, &preflight))?;
    Ok(PyPlan(plan))
}

/// A transfer plan: what a run would do, and why.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "Plan")]
#[derive(PartialEq)]
pub(crate) struct PyPlan(Plan);

#[pymethods]
impl PyPlan {
    /// A plan written by `save` (or the `plan.json` of a run folder).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        Ok(PyPlan(py.detach(|| Plan::load(&path)).map_err(PySoaErr)?))
    }

    /// Writes the plan as JSON to `path`, atomically.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let plan = &self.0;
        Ok(py.detach(|| plan.save(&path)).map_err(PySoaErr)?)
    }

    /// The run this plan belongs to.
    #[getter]
    fn run_id(&self) -> &str {
        &self.0.run_id
    }

    /// When it was made.
    #[getter]
    fn created<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        instant_to_py(py, self.0.created)
    }

    /// The policy it was made under.
    #[getter]
    fn policy(&self) -> PyTransferPolicy {
        PyTransferPolicy(self.0.policy.clone())
    }

    /// Organization-level findings; a blocking one stops the run.
    #[getter]
    fn organization(&self) -> Vec<PyFinding> {
        self.0.organization.iter().cloned().map(PyFinding).collect()
    }

    /// Every selected mailbox.
    #[getter]
    fn entries(&self) -> Vec<PyPlanEntry> {
        self.0.entries.iter().cloned().map(PyPlanEntry).collect()
    }

    /// The mailboxes to flip.
    fn go(&self) -> Vec<PyPlanEntry> {
        self.0.go().cloned().map(PyPlanEntry).collect()
    }

    /// Whether an organization finding blocks the run.
    #[getter]
    fn is_blocked(&self) -> bool {
        self.0.is_blocked()
    }

    /// Whether the settle rule was checked against the on-premises directory (`False` for a
    /// session without one: the go entries then carry a `settle_rule_unchecked` finding).
    #[getter]
    fn directory_checked(&self) -> bool {
        self.0.directory_checked
    }

    /// A one-paragraph summary for people.
    fn summary(&self) -> String {
        self.0.summary()
    }

    /// The plan in its serde shape (the shape of `plan.json`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<Plan {}: {} go of {} selected, blocked={}>",
            repr_str(py, &self.0.run_id)?,
            self.0.go().count(),
            self.0.entries.len(),
            py_bool(self.0.is_blocked())
        ))
    }
}

/// One mailbox of a plan.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "PlanEntry")]
#[derive(PartialEq)]
pub(crate) struct PyPlanEntry(PlanEntry);

#[pymethods]
impl PyPlanEntry {
    /// The identity as selected.
    #[getter]
    fn identity(&self) -> &str {
        &self.0.identity
    }

    /// The mailbox's UPN, when found.
    #[getter]
    fn user_principal_name(&self) -> Option<&str> {
        self.0.user_principal_name.as_deref()
    }

    /// `"go"` or `"skip"`.
    #[getter]
    fn decision(&self) -> String {
        serde_name(&self.0.decision)
    }

    /// Whether the mailbox will be flipped.
    #[getter]
    fn go(&self) -> bool {
        self.0.decision == Decision::Go
    }

    /// Why it is skipped, in one line.
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// The preflight findings for the mailbox.
    #[getter]
    fn findings(&self) -> Vec<PyFinding> {
        self.0.findings.iter().cloned().map(PyFinding).collect()
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<PlanEntry {} {}{}>",
            repr_str(py, &self.0.identity)?,
            serde_name(&self.0.decision),
            match &self.0.reason {
                Some(r) => format!(": {r}"),
                None => String::new(),
            }
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// run, resume, progress and cancellation
// ---------------------------------------------------------------------------------------------

/// Stops a run between mailboxes; what is left is picked up by `resume`. Thread-safe: cancel
/// from another thread, or from a progress callback.
#[pyclass(frozen, module = "exchange_soa._native", name = "CancelToken")]
pub(crate) struct PyCancelToken(CancelToken);

#[pymethods]
impl PyCancelToken {
    #[new]
    fn new() -> Self {
        PyCancelToken(CancelToken::new())
    }

    /// Asks the run to stop after the mailboxes in progress.
    fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether cancellation was asked for.
    #[getter]
    fn cancelled(&self) -> bool {
        self.0.is_cancelled()
    }

    fn __repr__(&self) -> String {
        format!("<CancelToken cancelled={}>", py_bool(self.0.is_cancelled()))
    }
}

/// One progress event: the mailbox, the step it reached, and how many of the run's mailboxes
/// are finished.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "ProgressEvent")]
#[derive(PartialEq)]
pub(crate) struct PyProgressEvent(ProgressEvent);

#[pymethods]
impl PyProgressEvent {
    /// The mailbox.
    #[getter]
    fn identity(&self) -> &str {
        &self.0.identity
    }

    /// The step it reached: `planned`, `backed_up`, `flip_sent`, `verified`, `failed`,
    /// `probe_ok`, `probe_failed` or `rolled_back`.
    #[getter]
    fn step(&self) -> String {
        serde_name(&self.0.step)
    }

    /// Mailboxes of this run finished so far (verified or failed), this event's mailbox included when this is its last step.
    #[getter]
    fn done(&self) -> usize {
        self.0.done
    }

    /// Mailboxes to work on in this run.
    #[getter]
    fn total(&self) -> usize {
        self.0.total
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<ProgressEvent {} {} {}/{}>",
            repr_str(py, &self.0.identity)?,
            serde_name(&self.0.step),
            self.0.done,
            self.0.total
        ))
    }
}

/// The bridge between the core's progress callback and Python (see `callback`): an exception
/// from the callback, or Ctrl-C, cancels the run between mailboxes and is raised when the run
/// returns.
struct ProgressHook {
    callback: PyCallback,
    cancel: CancelToken,
}

impl ProgressHook {
    fn new(
        callback: Option<&Bound<'_, PyAny>>,
        cancel: Option<&Bound<'_, PyCancelToken>>,
    ) -> PyResult<Arc<Self>> {
        Ok(Arc::new(ProgressHook {
            callback: PyCallback::new(callback, "progress")?,
            cancel: cancel.map_or_else(CancelToken::new, |c| c.get().0.clone()),
        }))
    }

    fn options(self: &Arc<Self>, dry_run: bool) -> RunOptions {
        let hook = Arc::clone(self);
        RunOptions {
            dry_run,
            progress: Some(Arc::new(move |event: &ProgressEvent| hook.event(event))),
            cancel: Some(self.cancel.clone()),
        }
    }

    fn event(&self, event: &ProgressEvent) {
        if !self.callback.call(|| PyProgressEvent(event.clone())) {
            self.cancel.cancel();
        }
    }

    /// The run's result, unless the callback raised.
    fn finish<T>(&self, result: PyResult<T>) -> PyResult<T> {
        self.callback.finish(result)
    }
}

/// Runs `plan` in the folder `run_dir` (created when missing): writes the plan, then backs up,
/// flips and verifies every go mailbox (at most `plan.policy.max_concurrency` at a time). A
/// folder that already holds a journal is resumed rather than restarted. `dry_run=True` writes
/// the plan and changes nothing. Raises `RefusedError` for a plan whose organization findings
/// block.
///
/// `progress` is called with a `ProgressEvent` as each step is taken, on the thread that called
/// `run` (`e.done` counts the mailboxes finished before the event). With tqdm:
///
/// ```python
/// bar = tqdm(total=len(plan.go()), unit="mailbox")
/// def progress(e):
///     bar.n = e.done
///     bar.set_postfix_str(f"{e.identity} {e.step}")
/// report = run(session, plan, "runs/wave1", progress=progress)
/// bar.n = len(report.results)
/// bar.close()
/// ```
///
/// An exception raised by `progress` (or Ctrl-C) stops the run between mailboxes, as
/// `cancel.cancel()` does, and is raised once the run has stopped; `resume` finishes it.
#[pyfunction]
#[pyo3(signature = (session, plan, run_dir, *, dry_run = false, progress = None, cancel = None))]
pub(crate) fn run(
    py: Python<'_>,
    session: &Bound<'_, PySession>,
    plan: &Bound<'_, PyPlan>,
    run_dir: PathBuf,
    dry_run: bool,
    progress: Option<&Bound<'_, PyAny>>,
    cancel: Option<&Bound<'_, PyCancelToken>>,
) -> PyResult<PyRunReport> {
    let hook = ProgressHook::new(progress, cancel)?;
    let options = hook.options(dry_run);
    let session = &session.get().session;
    let result = call(py, session.run(&plan.get().0, &run_dir, &options));
    hook.finish(result).map(PyRunReport)
}

/// Resumes the run in `run_dir` after a crash, a kill or a cancellation: reads its plan and
/// journal, and finishes every mailbox that is not done. A mailbox whose flip may have been
/// sent is read back first and never flipped twice. `progress` and `cancel` work as in `run`.
#[pyfunction]
#[pyo3(signature = (session, run_dir, *, progress = None, cancel = None))]
pub(crate) fn resume(
    py: Python<'_>,
    session: &Bound<'_, PySession>,
    run_dir: PathBuf,
    progress: Option<&Bound<'_, PyAny>>,
    cancel: Option<&Bound<'_, PyCancelToken>>,
) -> PyResult<PyRunReport> {
    let hook = ProgressHook::new(progress, cancel)?;
    let options = hook.options(false);
    let session = &session.get().session;
    let result = call(py, session.resume(&run_dir, &options));
    hook.finish(result).map(PyRunReport)
}

/// What a run did.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "RunReport")]
#[derive(PartialEq)]
pub(crate) struct PyRunReport(RunReport);

#[pymethods]
impl PyRunReport {
    /// The run.
    #[getter]
    fn run_id(&self) -> &str {
        &self.0.run_id
    }

    /// Whether it was a dry run.
    #[getter]
    fn dry_run(&self) -> bool {
        self.0.dry_run
    }

    /// Whether it stopped early on cancellation.
    #[getter]
    fn cancelled(&self) -> bool {
        self.0.cancelled
    }

    /// One result per mailbox worked on, in plan order.
    #[getter]
    fn results(&self) -> Vec<PyMailboxResult> {
        self.0
            .results
            .iter()
            .cloned()
            .map(PyMailboxResult)
            .collect()
    }

    /// Mailboxes verified cloud-managed (including probe results).
    #[getter]
    fn verified(&self) -> usize {
        self.0.verified()
    }

    /// Mailboxes that failed.
    #[getter]
    fn failed(&self) -> usize {
        self.0.failed()
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<RunReport {}: {} verified, {} failed, dry_run={}, cancelled={}>",
            repr_str(py, &self.0.run_id)?,
            self.0.verified(),
            self.0.failed(),
            py_bool(self.0.dry_run),
            py_bool(self.0.cancelled)
        ))
    }
}

/// How one mailbox ended in a run.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "MailboxResult")]
#[derive(PartialEq)]
pub(crate) struct PyMailboxResult(MailboxResult);

#[pymethods]
impl PyMailboxResult {
    /// The mailbox.
    #[getter]
    fn identity(&self) -> &str {
        &self.0.identity
    }

    /// The last step it reached (see `ProgressEvent.step`).
    #[getter]
    fn step(&self) -> String {
        serde_name(&self.0.step)
    }

    /// What happened, for failures and notable successes.
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<MailboxResult {} {}>",
            repr_str(py, &self.0.identity)?,
            serde_name(&self.0.step)
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Backups
// ---------------------------------------------------------------------------------------------

/// The backups of a run (`<run_dir>/backups`): one verified, checksummed file per mailbox,
/// written before its flag changed. The folder is created when missing.
#[pyclass(frozen, module = "exchange_soa._native", name = "BackupStore")]
pub(crate) struct PyBackupStore {
    store: BackupStore,
    dir: PathBuf,
}

#[pymethods]
impl PyBackupStore {
    #[new]
    fn new(dir: PathBuf) -> PyResult<Self> {
        let store = BackupStore::open(&dir).map_err(PySoaErr)?;
        Ok(PyBackupStore { store, dir })
    }

    /// The folder.
    #[getter]
    fn dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// The file a mailbox's backup is written to.
    fn path_for(&self, identity: &str) -> PathBuf {
        self.store.path_for(identity)
    }

    /// Reads and verifies the backup of `identity`.
    fn read(&self, py: Python<'_>, identity: &str) -> PyResult<PyBackup> {
        let store = &self.store;
        Ok(PyBackup(
            py.detach(|| store.read(identity)).map_err(PySoaErr)?,
        ))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "BackupStore({})",
            repr_str(py, &self.dir.to_string_lossy())?
        ))
    }
}

/// A backup of one mailbox: `Get-Mailbox`, `Get-User` and AD's values, sealed with a SHA-256
/// checksum.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "Backup")]
#[derive(PartialEq)]
pub(crate) struct PyBackup(Backup);

#[pymethods]
impl PyBackup {
    /// Reads and verifies a backup file.
    #[staticmethod]
    fn read_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        Ok(PyBackup(
            py.detach(|| BackupStore::read_file(&path))
                .map_err(PySoaErr)?,
        ))
    }

    /// The mailbox's UPN.
    #[getter]
    fn identity(&self) -> &str {
        &self.0.content.identity
    }

    /// The run that took it.
    #[getter]
    fn run_id(&self) -> &str {
        &self.0.content.run_id
    }

    /// When it was taken.
    #[getter]
    fn taken_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        instant_to_py(py, self.0.content.taken_at)
    }

    /// The backup format.
    #[getter]
    fn format(&self) -> u32 {
        self.0.content.format
    }

    /// Hex SHA-256 of the content.
    #[getter]
    fn checksum(&self) -> &str {
        &self.0.checksum
    }

    /// The mailbox as `Get-Mailbox` returned it.
    #[getter]
    fn mailbox(&self) -> PyMailbox {
        PyMailbox(self.0.content.mailbox.clone())
    }

    /// The user as `Get-User` returned it, when readable.
    #[getter]
    fn user(&self) -> Option<PyUser> {
        self.0.content.user.clone().map(PyUser)
    }

    /// AD's values (`{"when_changed": ..., "attributes": {...}}`), when a directory was given.
    #[getter]
    fn ad<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.content.ad)
    }

    /// Checks the format and the checksum (raises `InvalidInputError` when damaged).
    fn verify(&self) -> PyResult<()> {
        Ok(self.0.verify("backup").map_err(PySoaErr)?)
    }

    /// The backup in its serde shape (the shape of the file).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<Backup {} from run {} taken {}>",
            repr_str(py, &self.0.content.identity)?,
            repr_str(py, &self.0.content.run_id)?,
            self.0.content.taken_at.to_rfc3339()
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// rollback, restore
// ---------------------------------------------------------------------------------------------

/// Sets a mailbox's flag back to false, after the loss analysis: reads the mailbox and AD's
/// values from the session's directory, computes which cloud values the next sync overwrites,
/// and raises `RefusedError` when there are any, unless `acknowledge_loss=True` or they are
/// exported first to `export_to` (a JSON file). Without a directory the loss cannot be
/// computed, and the rollback is refused unless acknowledged. Then sets the flag and reads it
/// back. Refusals and rollbacks are appended to the audit log at `audit_log` (a run's
/// `audit.jsonl`) when given, with the session's actor.
#[pyfunction]
#[pyo3(signature = (
    session, identity, *, acknowledge_loss = false, export_to = None, ticket = None,
    audit_log = None,
))]
#[allow(clippy::needless_pass_by_value, reason = "pyo3 extracts owned paths")]
pub(crate) fn rollback(
    py: Python<'_>,
    session: &Bound<'_, PySession>,
    identity: &str,
    acknowledge_loss: bool,
    export_to: Option<PathBuf>,
    ticket: Option<String>,
    audit_log: Option<PathBuf>,
) -> PyResult<PyRollbackOutcome> {
    let options = RollbackOptions {
        acknowledge_loss,
        export_to,
        ticket,
    };
    let session = &session.get().session;
    let outcome = call(
        py,
        session.rollback(identity, &options, audit_log.as_deref()),
    )?;
    Ok(PyRollbackOutcome(outcome))
}

/// What a rollback did.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "RollbackOutcome")]
#[derive(PartialEq)]
pub(crate) struct PyRollbackOutcome(RollbackOutcome);

#[pymethods]
impl PyRollbackOutcome {
    /// The mailbox.
    #[getter]
    fn identity(&self) -> &str {
        &self.0.identity
    }

    /// The cloud values the next sync overwrites.
    #[getter]
    fn loss(&self) -> PyRollbackLoss {
        PyRollbackLoss(self.0.loss.clone())
    }

    /// Where the loss was exported, if it was.
    #[getter]
    fn exported(&self) -> Option<PathBuf> {
        self.0.exported.clone()
    }

    /// Whether the flag reads false afterwards.
    #[getter]
    fn rolled_back(&self) -> bool {
        self.0.rolled_back
    }

    /// Whether the loss was computed against the on-premises directory (`False` for a session
    /// without one: the loss is then unknown, and the rollback needed `acknowledge_loss=True`).
    #[getter]
    fn directory_checked(&self) -> bool {
        self.0.directory_checked
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<RollbackOutcome {}: rolled_back={}, {} values lost>",
            repr_str(py, &self.0.identity)?,
            py_bool(self.0.rolled_back),
            self.0.loss.entries.len()
        ))
    }
}

/// Re-applies a backup's Exchange values in Exchange Online, for a mailbox that is
/// cloud-managed now: only values that differ and that `Set-Mailbox` can set are sent, then
/// read back and compared. `dry_run=True` reports the changes without sending them. Raises
/// `RefusedError` for a mailbox mastered on-premises (use `restore_script`).
#[pyfunction]
#[pyo3(signature = (session, backup, *, dry_run = false))]
pub(crate) fn restore_in_cloud(
    py: Python<'_>,
    session: &Bound<'_, PySession>,
    backup: &Bound<'_, PyBackup>,
    dry_run: bool,
) -> PyResult<PyRestoreReport> {
    let session = &session.get().session;
    let report = call(py, session.restore_in_cloud(&backup.get().0, dry_run))?;
    Ok(PyRestoreReport(report))
}

/// A PowerShell script that restores a backup's Exchange values on-premises (`Set-ADUser
/// -Replace`, every value a single-quoted literal), for review before running.
#[pyfunction]
#[pyo3(signature = (backup, *, catalog = None))]
pub(crate) fn restore_script(
    py: Python<'_>,
    backup: &Bound<'_, PyBackup>,
    catalog: Option<&Bound<'_, PyCatalog>>,
) -> String {
    let catalog = catalog_or_builtin(catalog);
    let backup = &backup.get().0;
    py.detach(|| transfer::restore_script(&catalog, backup))
}

/// What a cloud restore changed (or would change, in a dry run).
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "RestoreReport")]
#[derive(PartialEq)]
pub(crate) struct PyRestoreReport(RestoreReport);

#[pymethods]
impl PyRestoreReport {
    /// The mailbox.
    #[getter]
    fn identity(&self) -> &str {
        &self.0.identity
    }

    /// The changes, as `{"set": {...}, "add": {...}, "remove": {...}}` by Exchange Online
    /// property name.
    #[getter]
    fn changes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.changes)
    }

    /// Whether it was a dry run.
    #[getter]
    fn dry_run(&self) -> bool {
        self.0.dry_run
    }

    /// Whether every value restored read back equal (or nothing needed restoring).
    #[getter]
    fn verified(&self) -> bool {
        self.0.verified
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<RestoreReport {}: {} values, dry_run={}, verified={}>",
            repr_str(py, &self.0.identity)?,
            self.0.changes.set.len(),
            py_bool(self.0.dry_run),
            py_bool(self.0.verified)
        ))
    }
}

/// The offboarding order: raises `RefusedError` for a cloud-managed mailbox, which must be
/// rolled back (and a sync cycle run) before it moves back on-premises.
#[pyfunction]
pub(crate) fn check_offboarding(mailbox: &Bound<'_, PyMailbox>) -> PyResult<()> {
    Ok(transfer::check_offboarding(&mailbox.get().0).map_err(PySoaErr)?)
}

// ---------------------------------------------------------------------------------------------
// The tenant default, RBAC, the audit log
// ---------------------------------------------------------------------------------------------

/// Turns `ExchangeAttributesCloudManagedByDefault` on and reads it back, unless the preflight
/// refuses it (`RefusedError`): while mailboxes, mail users or remote mailboxes are still
/// created on-premises, new synced recipients would end up without an Exchange Online
/// recipient. Say whether that is the case with `on_premises_provisioning_in_use`.
#[pyfunction]
#[pyo3(signature = (
    session, *, on_premises_provisioning_in_use, cloud_managed_mailboxes = 0,
    writeback_enabled = false, requirements = None,
))]
pub(crate) fn enable_cloud_managed_by_default(
    py: Python<'_>,
    session: &Bound<'_, PySession>,
    on_premises_provisioning_in_use: bool,
    cloud_managed_mailboxes: u64,
    writeback_enabled: bool,
    requirements: Option<PyRequirements>,
) -> PyResult<()> {
    let tenant = TenantState {
        cloud_managed_by_default: false,
        on_premises_provisioning_in_use,
        cloud_managed_mailboxes,
        writeback_enabled,
    };
    let requirements = requirements.map(|r| r.0).unwrap_or_default();
    let session = &session.get().session;
    call(
        py,
        session.enable_cloud_managed_by_default(&tenant, &requirements),
    )
}

/// Turns the tenant-wide default off (`ExchangeAttributesServerManagedByDefault`) and reads it
/// back. It applies to future objects only.
#[pyfunction]
pub(crate) fn disable_cloud_managed_by_default(
    py: Python<'_>,
    session: &Bound<'_, PySession>,
) -> PyResult<()> {
    let session = &session.get().session;
    call(py, session.disable_cloud_managed_by_default())
}

/// Reports who holds `Set-Mailbox -IsExchangeCloudManaged` and the commands that confine it to
/// a dedicated role group named `group`.
#[pyfunction]
pub(crate) fn rbac_review(
    py: Python<'_>,
    session: &Bound<'_, PySession>,
    group: &str,
) -> PyResult<PyRbacReport> {
    let session = &session.get().session;
    call(py, session.rbac_review(group)).map(PyRbacReport)
}

/// The RBAC review.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "RbacReport")]
#[derive(PartialEq)]
pub(crate) struct PyRbacReport(RbacReport);

#[pymethods]
impl PyRbacReport {
    /// The assignments that carry `Set-Mailbox -IsExchangeCloudManaged`.
    #[getter]
    fn assignments(&self) -> Vec<PyRoleAssignment> {
        self.0
            .assignments
            .iter()
            .cloned()
            .map(PyRoleAssignment)
            .collect()
    }

    /// Commands that create a dedicated role and role group carrying only that right.
    #[getter]
    fn commands(&self) -> Vec<String> {
        self.0.commands.clone()
    }

    /// What is not known for certain.
    #[getter]
    fn caveats(&self) -> Vec<String> {
        self.0.caveats.clone()
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<RbacReport: {} assignments, {} commands>",
            self.0.assignments.len(),
            self.0.commands.len()
        )
    }
}

/// The events of an audit log (a run's `audit.jsonl`), as dicts: `time`, `run_id`, `ticket`,
/// `actor`, `action` (`backup`, `flip`, `flip_failed`, `probe`, `rollback`, `restore`,
/// `refusal`, `tenant_default`), `mailbox`, `attribute`, `before`, `after`, `reason`.
#[pyfunction]
pub(crate) fn read_audit_log(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyAny>> {
    let events = py.detach(|| AuditLog::read(&path)).map_err(PySoaErr)?;
    to_python(py, &events)
}
