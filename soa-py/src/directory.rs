//! `OnPremisesDirectory`: the core's `OnPremisesDirectory` trait, the on-premises AD side the
//! workflow reads (the settle rule, backups, the rollback loss). It is the base class of the
//! native directories; a `SimulatedOrg`'s AD is its `directory`. Every function that takes a
//! directory takes this class, so a real directory fits wherever the simulated one does.

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use soa_core::directory::OnPremisesDirectory;

use crate::convert::{to_python, type_name};
use crate::runtime::call;

/// A backend of the core's `OnPremisesDirectory` trait.
pub(crate) type Directory = Arc<dyn OnPremisesDirectory>;

/// On-premises Active Directory as the workflow reads it. It has no constructor of its own: a
/// simulated organization's is `SimulatedOrg.directory`.
#[pyclass(
    frozen,
    subclass,
    module = "exchange_soa._native",
    name = "OnPremisesDirectory"
)]
pub(crate) struct PyOnPremisesDirectory {
    pub(crate) directory: Directory,
}

impl PyOnPremisesDirectory {
    pub(crate) fn new(directory: Directory) -> Self {
        PyOnPremisesDirectory { directory }
    }
}

/// The directory argument of every binding: an `OnPremisesDirectory`. The one place that says
/// what a directory is, so that the error names the way to get one.
pub(crate) fn directory_arg<'py>(
    obj: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyOnPremisesDirectory>> {
    obj.cast::<PyOnPremisesDirectory>()
        .cloned()
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "directory must be an OnPremisesDirectory (a simulated organization's AD is its .directory), not {}",
                type_name(obj)
            ))
        })
}

#[pymethods]
impl PyOnPremisesDirectory {
    /// The AD account of `identity` (UPN, sAMAccountName or objectGUID) as a dict
    /// (`when_changed`, `attributes` by LDAP name), or `None` when there is no such account.
    fn ad_record<'py>(&self, py: Python<'py>, identity: &str) -> PyResult<Bound<'py, PyAny>> {
        let record = call(py, self.directory.ad_record(identity))?;
        to_python(py, &record)
    }

    /// The sync engines serving the directory as a dict (`connect_sync_version`,
    /// `cloud_sync_agent_version`, `writeback_wanted`: the `sync` part of `gather_preflight`'s
    /// result), when the directory knows them; `None` otherwise.
    fn sync_environment<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let environment = call(py, self.directory.sync_environment())?;
        to_python(py, &environment)
    }
}
