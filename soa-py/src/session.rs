//! `Session`: the core's `soa_core::session::Session`, the one bundle every workflow takes —
//! Exchange Online, the on-premises directory (when there is one), the catalog, the clock and
//! the actor recorded in audit logs.
//!
//! Every default is the core's: `None` is passed through, never replaced here. The actor
//! defaults to the backend's principal, the catalog to the backend's, the clock to the
//! directory's (a simulated AD) or the backend's; an explicit empty actor is refused by the core.

use std::sync::Arc;

use pyo3::prelude::*;
use soa_core::session::Session;

use crate::backend::PyExchangeOnline;
use crate::catalog::PyCatalog;
use crate::convert::{instant_to_py, repr_str};
use crate::directory::{PyOnPremisesDirectory, directory_arg};
use crate::errors::PySoaErr;

/// Exchange Online, the on-premises directory, the catalog, the clock and the actor, as every
/// workflow function (`plan`, `run`, `rollback`, `reconcile_live`, ...) takes them.
///
/// `exchange` is any `ExchangeOnline` (a `SimulatedOrg`, an `ExoClient`); `directory` any
/// `OnPremisesDirectory` (a simulated organization's is `org.directory`). Without a directory,
/// plans and rollbacks say that the on-premises side was not checked. `catalog` defaults to
/// the backend's, `actor` (who the audit log records) to the backend's principal.
#[pyclass(frozen, module = "exchange_soa._native", name = "Session")]
pub(crate) struct PySession {
    pub(crate) session: Session,
    exchange: Py<PyExchangeOnline>,
    directory: Option<Py<PyOnPremisesDirectory>>,
}

#[pymethods]
impl PySession {
    #[new]
    #[pyo3(signature = (exchange, directory = None, catalog = None, actor = None))]
    fn new(
        exchange: &Bound<'_, PyExchangeOnline>,
        directory: Option<&Bound<'_, PyAny>>,
        catalog: Option<&Bound<'_, PyCatalog>>,
        actor: Option<String>,
    ) -> PyResult<Self> {
        let directory = directory.map(directory_arg).transpose()?;
        let mut session = Session::new(Arc::clone(&exchange.get().exo));
        if let Some(directory) = &directory {
            session = session.with_directory(Arc::clone(&directory.get().directory));
        }
        if let Some(catalog) = catalog {
            session = session.with_catalog(Arc::clone(&catalog.get().inner));
        }
        if let Some(actor) = actor {
            session = session.with_actor(actor).map_err(PySoaErr)?;
        }
        Ok(PySession {
            session,
            exchange: exchange.clone().unbind(),
            directory: directory.map(Bound::unbind),
        })
    }

    /// Who the audit log records as acting.
    #[getter]
    fn actor(&self) -> &str {
        self.session.actor()
    }

    /// The session's time (an aware `datetime`): a simulated organization's virtual clock, else
    /// the system's.
    #[getter]
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        instant_to_py(py, self.session.now())
    }

    /// The attribute catalog.
    #[getter]
    fn catalog(&self) -> PyCatalog {
        PyCatalog {
            inner: Arc::clone(self.session.catalog()),
        }
    }

    /// The Exchange Online backend given.
    #[getter]
    fn exchange(&self, py: Python<'_>) -> Py<PyExchangeOnline> {
        self.exchange.clone_ref(py)
    }

    /// The on-premises directory given, or `None`.
    #[getter]
    fn directory(&self, py: Python<'_>) -> Option<Py<PyOnPremisesDirectory>> {
        self.directory.as_ref().map(|d| d.clone_ref(py))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let exchange = self.exchange.bind(py).repr()?;
        Ok(format!(
            "<Session {} with {}, actor {}>",
            exchange,
            if self.directory.is_some() {
                "an on-premises directory"
            } else {
                "no on-premises directory"
            },
            repr_str(py, self.session.actor())?
        ))
    }
}
