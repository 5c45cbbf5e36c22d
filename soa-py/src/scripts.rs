//! The PowerShell automation auditor: thin wrappers over `soa_core::scripts`.
//!
//! `audit_scripts` audits a file or a folder (walked recursively) and `audit_script_source`
//! audits text held in memory; both parse with tree-sitter-powershell in the core, with the GIL
//! released. Findings, safe rewrites, the unified diff and the text, JSON and SARIF renderings
//! are the core's.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyList};
use soa_core::catalog::Catalog;
use soa_core::scripts::{self, AuditOptions, AuditReport, FileAudit, Finding};

use crate::catalog::PyCatalog;
use crate::convert::{repr_str, to_python};
use crate::errors::PySoaErr;

fn catalog_of(catalog: Option<&Bound<'_, PyCatalog>>) -> Option<Arc<Catalog>> {
    catalog.map(|c| Arc::clone(&c.get().inner))
}

/// Audits one PowerShell file, or every `.ps1`/`.psm1`/`.psd1` file under a folder
/// (recursively, in path order). A missing path raises; a file of the walk that is binary, not
/// valid UTF-8/UTF-16 or larger than `max_file_bytes` (default 16 MiB) gets a `SOA-PS901`
/// finding instead. The work runs with the GIL released; from asyncio,
/// `await asyncio.to_thread(audit_scripts, ...)`.
#[pyfunction]
#[pyo3(signature = (path, *, catalog = None, max_file_bytes = None))]
pub(crate) fn audit_scripts(
    py: Python<'_>,
    path: PathBuf,
    catalog: Option<&Bound<'_, PyCatalog>>,
    max_file_bytes: Option<u64>,
) -> PyResult<PyScriptAuditReport> {
    let catalog = catalog_of(catalog);
    let catalog: &Catalog = catalog.as_deref().unwrap_or_else(|| Catalog::builtin());
    let mut options = AuditOptions::default();
    if let Some(bytes) = max_file_bytes {
        options = options.with_max_file_bytes(bytes);
    }
    let report = py
        .detach(|| scripts::audit_path(&path, catalog, &options))
        .map_err(PySoaErr)?;
    Ok(PyScriptAuditReport(Arc::new(report)))
}

/// Audits PowerShell source held in memory; `name` names it in the findings (and is the file
/// that `write_rewritten` refuses to overwrite unless asked).
#[pyfunction]
#[pyo3(signature = (name, source, *, catalog = None))]
pub(crate) fn audit_script_source(
    py: Python<'_>,
    name: &str,
    source: &str,
    catalog: Option<&Bound<'_, PyCatalog>>,
) -> PyResult<PyScriptFileAudit> {
    let catalog = catalog_of(catalog);
    let catalog: &Catalog = catalog.as_deref().unwrap_or_else(|| Catalog::builtin());
    let audit = py
        .detach(|| scripts::audit_source(name, source, catalog))
        .map_err(PySoaErr)?;
    Ok(PyScriptFileAudit(Arc::new(audit)))
}

// ---------------------------------------------------------------------------------------------
// ScriptFinding
// ---------------------------------------------------------------------------------------------

/// One thing the script auditor found: a rule (`SOA-PS001`...), its severity, a message in
/// terms of the authority model, where, and the safe replacement when there is one.
#[pyclass(
    frozen,
    eq,
    str,
    from_py_object,
    module = "exchange_soa._native",
    name = "ScriptFinding"
)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyScriptFinding(Finding);

impl std::fmt::Display for PyScriptFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let l = &self.0.location;
        write!(
            f,
            "{}:{}:{}: {} {} {}",
            l.file, l.line, l.column, self.0.severity, self.0.rule, self.0.message
        )
    }
}

#[pymethods]
impl PyScriptFinding {
    /// The rule's stable id (`SOA-PS001` ... `SOA-PS007`, `SOA-PS900`, `SOA-PS901`).
    #[getter]
    fn rule_id(&self) -> &'static str {
        self.0.rule_id()
    }

    /// The rule's short name (`on-prem-recipient-cmdlet`, ...).
    #[getter]
    fn rule(&self) -> &'static str {
        self.0.rule.name()
    }

    /// What the rule finds and why it matters.
    #[getter]
    fn description(&self) -> &'static str {
        self.0.rule.description()
    }

    /// `note`, `warning` or `error`.
    #[getter]
    fn severity(&self) -> &'static str {
        self.0.severity.sarif_level()
    }

    /// What was found.
    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }

    /// The file, as given or as found by the folder walk.
    #[getter]
    fn file(&self) -> &str {
        &self.0.location.file
    }

    /// The line, from 1.
    #[getter]
    fn line(&self) -> usize {
        self.0.location.line
    }

    /// The column, from 1, in characters.
    #[getter]
    fn column(&self) -> usize {
        self.0.location.column
    }

    /// The last line of the region.
    #[getter]
    fn end_line(&self) -> usize {
        self.0.location.end_line
    }

    /// The column just after the region, from 1, in characters.
    #[getter]
    fn end_column(&self) -> usize {
        self.0.location.end_column
    }

    /// The command, when the finding is about one (`Set-RemoteMailbox`).
    #[getter]
    fn command(&self) -> Option<&str> {
        self.0.command.as_deref()
    }

    /// The catalog attributes involved, by LDAP name where they have one.
    #[getter]
    fn attributes(&self) -> Vec<String> {
        self.0.attributes.clone()
    }

    /// The replacement command, when the finding has a safe rewrite.
    #[getter]
    fn fix(&self) -> Option<&str> {
        self.0.fix.as_deref()
    }

    /// The finding in its serde shape (the JSON report's).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<ScriptFinding {} ({}) {}:{}:{}>",
            self.0.rule,
            self.0.severity,
            repr_str(py, &self.0.location.file)?,
            self.0.location.line,
            self.0.location.column
        ))
    }
}

fn findings<'a>(list: impl IntoIterator<Item = &'a Finding>) -> Vec<PyScriptFinding> {
    list.into_iter().cloned().map(PyScriptFinding).collect()
}

// ---------------------------------------------------------------------------------------------
// ScriptFileAudit
// ---------------------------------------------------------------------------------------------

/// The audit of one script: its findings, and the safe rewrite when there is one.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "ScriptFileAudit")]
#[derive(PartialEq)]
pub(crate) struct PyScriptFileAudit(Arc<FileAudit>);

#[pymethods]
impl PyScriptFileAudit {
    /// The file, as given or as found by the folder walk.
    #[getter]
    fn path(&self) -> &str {
        &self.0.path
    }

    /// The findings, by line and column.
    #[getter]
    fn findings(&self) -> Vec<PyScriptFinding> {
        findings(&self.0.findings)
    }

    /// The rewritten script, or `None` when nothing could be rewritten safely.
    #[getter]
    fn rewritten(&self) -> Option<&str> {
        self.0.rewritten.as_deref()
    }

    /// The unified diff from the script to its rewrite; empty when nothing is rewritten.
    #[getter]
    fn diff(&self) -> &str {
        &self.0.diff
    }

    /// The safe edits, as dicts (`start`, `end`: UTF-8 byte offsets of the decoded source;
    /// `replacement`).
    #[getter]
    fn edits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.edits)
    }

    /// Writes the rewritten script to `to` (atomically) and returns whether there was anything
    /// to write. Writing over the audited file itself raises `RefusedError` unless `in_place`
    /// is true.
    #[pyo3(signature = (to, in_place = false))]
    fn write_rewritten(&self, py: Python<'_>, to: PathBuf, in_place: bool) -> PyResult<bool> {
        let audit = &self.0;
        Ok(py
            .detach(|| audit.write_rewritten(&to, in_place))
            .map_err(PySoaErr)?)
    }

    fn __len__(&self) -> usize {
        self.0.findings.len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        PyList::new(py, self.findings())?.try_iter()
    }

    /// The audit in its serde shape (one element of the JSON report's `files`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, self.0.as_ref())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<ScriptFileAudit {}: {} finding(s), {}>",
            repr_str(py, &self.0.path)?,
            self.0.findings.len(),
            if self.0.rewritten.is_some() {
                "rewritten"
            } else {
                "not rewritten"
            }
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// ScriptAuditReport
// ---------------------------------------------------------------------------------------------

/// The audit of a file or a folder: one `ScriptFileAudit` per file (sorted by path); iterating
/// over the report gives every finding, in file order.
#[pyclass(
    frozen,
    eq,
    module = "exchange_soa._native",
    name = "ScriptAuditReport"
)]
#[derive(PartialEq)]
pub(crate) struct PyScriptAuditReport(Arc<AuditReport>);

#[pymethods]
impl PyScriptAuditReport {
    /// Every audited file, sorted by path.
    #[getter]
    fn files(&self) -> Vec<PyScriptFileAudit> {
        self.0
            .files
            .iter()
            .cloned()
            .map(|f| PyScriptFileAudit(Arc::new(f)))
            .collect()
    }

    /// Every finding of every file, in file order.
    #[getter]
    fn findings(&self) -> Vec<PyScriptFinding> {
        findings(self.0.findings())
    }

    fn __len__(&self) -> usize {
        self.0.findings().count()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        PyList::new(py, self.findings())?.try_iter()
    }

    fn __getitem__(&self, index: isize) -> PyResult<PyScriptFinding> {
        let len = self.0.findings().count();
        let at = if index < 0 {
            len.checked_sub(index.unsigned_abs())
        } else {
            Some(index.unsigned_abs())
        };
        at.and_then(|i| self.0.findings().nth(i))
            .cloned()
            .map(PyScriptFinding)
            .ok_or_else(|| PyIndexError::new_err("finding index out of range"))
    }

    /// The concatenated unified diffs of every rewritten file.
    fn diff(&self, py: Python<'_>) -> String {
        let report = &self.0;
        py.detach(|| report.diff())
    }

    /// Human-readable text grouped by file, with a summary line.
    fn to_text(&self, py: Python<'_>) -> String {
        let report = &self.0;
        py.detach(|| report.to_text())
    }

    /// The report as pretty JSON.
    fn to_json(&self, py: Python<'_>) -> String {
        let report = &self.0;
        py.detach(|| report.to_json())
    }

    /// The report in its serde shape (the JSON report's content as dicts and lists).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, self.0.as_ref())
    }

    /// The SARIF 2.1.0 log of the report, as a dict.
    fn to_sarif<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let report = &self.0;
        to_python(py, &py.detach(|| report.to_sarif()))
    }

    /// The SARIF 2.1.0 log as JSON text, for code-scanning uploads.
    fn to_sarif_json(&self, py: Python<'_>) -> PyResult<String> {
        let report = &self.0;
        py.detach(|| serde_json::to_string_pretty(&report.to_sarif()))
            .map_err(|e| crate::errors::invalid_input("SARIF log", e.to_string()))
    }

    fn __repr__(&self) -> String {
        format!(
            "<ScriptAuditReport: {} finding(s) in {} file(s), {} rewritten>",
            self.0.findings().count(),
            self.0.files.len(),
            self.0
                .files
                .iter()
                .filter(|f| f.rewritten.is_some())
                .count()
        )
    }
}
