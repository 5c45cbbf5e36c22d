//! `ExchangeOnline`: the operations of the core's `ExchangeOnline` trait, written once for every
//! backend. `SimulatedOrg` and `ExoClient` both extend this class, so they share the methods,
//! their argument conversion and their return types; a `Session` takes either.
//!
//! Each operation has a blocking form that releases the GIL (`get_mailbox`) and an asyncio form
//! (`aget_mailbox`) that returns an `asyncio.Future` of the running event loop. A listing
//! (`list_mailboxes`) is a `MailboxIterator` over the core's owned pager that supports both
//! `for` and `async for`.

use std::sync::Arc;

use futures_util::StreamExt;
use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use soa_core::exo::{ExchangeOnline, MailboxPager};
use tokio::sync::Mutex;

use crate::authority::RecipientArg;
use crate::errors::PySoaErr;
use crate::exo::{
    PyAuditRecord, PyMailbox, PyOrganizationConfig, PyRoleAssignment, PyUser, audit_query,
    mailbox_changes, mailbox_filter,
};
use crate::runtime::{block_on, call, spawn, spawn_py};

/// A backend of the core's `ExchangeOnline` trait.
pub(crate) type Backend = Arc<dyn ExchangeOnline>;

/// Exchange Online as the workflow sees it: the base class of `SimulatedOrg` and `ExoClient`.
/// It has no constructor of its own.
#[pyclass(
    frozen,
    subclass,
    module = "exchange_soa._native",
    name = "ExchangeOnline"
)]
pub(crate) struct PyExchangeOnline {
    pub(crate) exo: Backend,
}

impl PyExchangeOnline {
    pub(crate) fn new(exo: Backend) -> Self {
        PyExchangeOnline { exo }
    }
}

#[pymethods]
impl PyExchangeOnline {
    /// `Get-Mailbox -Identity <identity>`.
    fn get_mailbox(&self, py: Python<'_>, identity: &str) -> PyResult<PyMailbox> {
        call(py, self.exo.get_mailbox(identity)).map(PyMailbox)
    }

    /// `Get-Mailbox -ResultSize Unlimited` with a filter, as a lazy iterator (`for` and
    /// `async for`): nothing is read before the first item is asked for, and pages are read as
    /// the iteration reaches them. `None` (or an empty list) matches everything. Errors are
    /// raised by `next()`.
    #[pyo3(signature = (dir_synced = None, cloud_managed = None, recipient_types = None))]
    fn list_mailboxes(
        &self,
        dir_synced: Option<bool>,
        cloud_managed: Option<bool>,
        recipient_types: Option<Vec<RecipientArg>>,
    ) -> PyResult<PyMailboxIterator> {
        let filter = mailbox_filter(dir_synced, cloud_managed, recipient_types)?;
        Ok(PyMailboxIterator::new(self.exo.list_mailboxes(filter)))
    }

    /// `Get-User -Identity <identity>`.
    fn get_user(&self, py: Python<'_>, identity: &str) -> PyResult<PyUser> {
        call(py, self.exo.get_user(identity)).map(PyUser)
    }

    /// `Set-Mailbox -Identity <identity> ...`: `set` maps attribute names (any catalog name) to
    /// values (`None` clears); `add` and `remove` map multi-valued attributes to items.
    #[pyo3(signature = (identity, set = None, add = None, remove = None))]
    fn set_mailbox(
        &self,
        py: Python<'_>,
        identity: &str,
        set: Option<&Bound<'_, PyAny>>,
        add: Option<&Bound<'_, PyAny>>,
        remove: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let changes = mailbox_changes(set, add, remove)?;
        call(py, self.exo.set_mailbox(identity, &changes))
    }

    /// `Set-Mailbox -Identity <identity> -IsExchangeCloudManaged <value>`, in a call of its own.
    fn set_cloud_managed(&self, py: Python<'_>, identity: &str, value: bool) -> PyResult<()> {
        call(py, self.exo.set_cloud_managed(identity, value))
    }

    /// `Get-OrganizationConfig`.
    fn get_organization_config(&self, py: Python<'_>) -> PyResult<PyOrganizationConfig> {
        call(py, self.exo.get_organization_config()).map(PyOrganizationConfig)
    }

    /// `Set-OrganizationConfig -ExchangeAttributesCloudManagedByDefault` (`True`) or
    /// `-ExchangeAttributesServerManagedByDefault` (`False`).
    fn set_cloud_managed_by_default(&self, py: Python<'_>, enabled: bool) -> PyResult<()> {
        call(py, self.exo.set_cloud_managed_by_default(enabled))
    }

    /// The role assignments that grant `cmdlet -parameter`.
    fn role_assignments(
        &self,
        py: Python<'_>,
        cmdlet: &str,
        parameter: &str,
    ) -> PyResult<Vec<PyRoleAssignment>> {
        let grants = call(py, self.exo.role_assignments(cmdlet, parameter))?;
        Ok(grants.into_iter().map(PyRoleAssignment).collect())
    }

    /// `Search-AdminAuditLog`: the records matching every criterion given (`start` inclusive,
    /// `end` exclusive; names compared ignoring case).
    #[pyo3(signature = (
        start = None,
        end = None,
        cmdlets = None,
        object = None,
        parameter = None,
        caller = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn search_admin_audit_log(
        &self,
        py: Python<'_>,
        start: Option<&Bound<'_, PyAny>>,
        end: Option<&Bound<'_, PyAny>>,
        cmdlets: Option<Vec<String>>,
        object: Option<String>,
        parameter: Option<String>,
        caller: Option<String>,
    ) -> PyResult<Vec<PyAuditRecord>> {
        let query = audit_query(start, end, cmdlets, object, parameter, caller)?;
        let records = call(py, self.exo.search_admin_audit_log(&query))?;
        Ok(records.into_iter().map(PyAuditRecord).collect())
    }

    // ----- asyncio -----

    /// `get_mailbox` for asyncio: an awaitable `Mailbox`.
    fn aget_mailbox<'py>(&self, py: Python<'py>, identity: String) -> PyResult<Bound<'py, PyAny>> {
        let exo = Arc::clone(&self.exo);
        spawn(py, async move {
            exo.get_mailbox(&identity).await.map(PyMailbox)
        })
    }

    /// `get_user` for asyncio: an awaitable `User`.
    fn aget_user<'py>(&self, py: Python<'py>, identity: String) -> PyResult<Bound<'py, PyAny>> {
        let exo = Arc::clone(&self.exo);
        spawn(py, async move { exo.get_user(&identity).await.map(PyUser) })
    }

    /// `set_mailbox` for asyncio.
    #[pyo3(signature = (identity, set = None, add = None, remove = None))]
    fn aset_mailbox<'py>(
        &self,
        py: Python<'py>,
        identity: String,
        set: Option<&Bound<'py, PyAny>>,
        add: Option<&Bound<'py, PyAny>>,
        remove: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let changes = mailbox_changes(set, add, remove)?;
        let exo = Arc::clone(&self.exo);
        spawn(
            py,
            async move { exo.set_mailbox(&identity, &changes).await },
        )
    }

    /// `set_cloud_managed` for asyncio.
    fn aset_cloud_managed<'py>(
        &self,
        py: Python<'py>,
        identity: String,
        value: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let exo = Arc::clone(&self.exo);
        spawn(
            py,
            async move { exo.set_cloud_managed(&identity, value).await },
        )
    }

    /// `get_organization_config` for asyncio: an awaitable `OrganizationConfig`.
    fn aget_organization_config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let exo = Arc::clone(&self.exo);
        spawn(py, async move {
            exo.get_organization_config()
                .await
                .map(PyOrganizationConfig)
        })
    }

    /// `set_cloud_managed_by_default` for asyncio.
    fn aset_cloud_managed_by_default<'py>(
        &self,
        py: Python<'py>,
        enabled: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let exo = Arc::clone(&self.exo);
        spawn(py, async move {
            exo.set_cloud_managed_by_default(enabled).await
        })
    }

    /// `role_assignments` for asyncio: an awaitable list of `RoleAssignment`.
    fn arole_assignments<'py>(
        &self,
        py: Python<'py>,
        cmdlet: String,
        parameter: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let exo = Arc::clone(&self.exo);
        spawn(py, async move {
            let grants = exo.role_assignments(&cmdlet, &parameter).await?;
            Ok(grants.into_iter().map(PyRoleAssignment).collect::<Vec<_>>())
        })
    }

    /// `search_admin_audit_log` for asyncio: an awaitable list of `AuditRecord`.
    #[pyo3(signature = (
        start = None,
        end = None,
        cmdlets = None,
        object = None,
        parameter = None,
        caller = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn asearch_admin_audit_log<'py>(
        &self,
        py: Python<'py>,
        start: Option<&Bound<'py, PyAny>>,
        end: Option<&Bound<'py, PyAny>>,
        cmdlets: Option<Vec<String>>,
        object: Option<String>,
        parameter: Option<String>,
        caller: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let query = audit_query(start, end, cmdlets, object, parameter, caller)?;
        let exo = Arc::clone(&self.exo);
        spawn(py, async move {
            let records = exo.search_admin_audit_log(&query).await?;
            Ok(records.into_iter().map(PyAuditRecord).collect::<Vec<_>>())
        })
    }
}

// ---------------------------------------------------------------------------------------------
// MailboxIterator
// ---------------------------------------------------------------------------------------------

/// The core's owned pager, shared by the blocking and the asyncio iteration; `None` once the
/// listing has ended (after its last mailbox or an error).
type Pager = Arc<Mutex<Option<MailboxPager<'static>>>>;

/// The mailboxes of a listing, fetched lazily: the backend's pager is polled on the shared
/// runtime for each `next()`, so nothing is read before the first one and a page is fetched only
/// when the iteration reaches it. Errors (access denied included) are raised by `next()`; the
/// listing ends after one. Supports `for` and `async for`; concurrent `next()` calls take turns.
#[pyclass(frozen, module = "exchange_soa._native", name = "MailboxIterator")]
pub(crate) struct PyMailboxIterator {
    pager: Pager,
}

impl PyMailboxIterator {
    /// The listing of `pager`.
    pub(crate) fn new(pager: MailboxPager<'static>) -> Self {
        PyMailboxIterator {
            pager: Arc::new(Mutex::new(Some(pager))),
        }
    }
}

/// The next mailbox of `pager`: `Ok(None)` at the end of the listing.
async fn next_mailbox(pager: Pager) -> PyResult<Option<PyMailbox>> {
    let mut pager = pager.lock().await;
    let Some(stream) = pager.as_mut() else {
        return Ok(None);
    };
    match stream.next().await {
        Some(Ok(mailbox)) => Ok(Some(PyMailbox(mailbox))),
        end => {
            *pager = None;
            match end {
                Some(Err(e)) => Err(PySoaErr(e).into()),
                _ => Ok(None),
            }
        }
    }
}

#[pymethods]
impl PyMailboxIterator {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyMailbox>> {
        block_on(py, next_mailbox(Arc::clone(&self.pager)))?
    }

    fn __aiter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pager = Arc::clone(&self.pager);
        spawn_py(py, async move {
            next_mailbox(pager)
                .await?
                .ok_or_else(|| PyStopAsyncIteration::new_err(()))
        })
    }
}
