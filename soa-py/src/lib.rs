//! # `exchange_soa._native` — the Python binding of exchange-soa
//!
//! A thin conversion layer over [`soa_core`], in the layout of pydantic-core: this crate builds
//! the extension module `exchange_soa._native`, and the pure-Python package
//! `exchange_soa` (in `python/`) re-exports it with hand-written stubs (`_native.pyi`).
//!
//! Every function converts its Python arguments into core values, calls one core function and
//! converts the result; no Exchange logic lives here. Core errors become the exceptions of
//! `exchange_soa.errors` through the local newtype `errors::PySoaErr`. Calls that do real work (loading a
//! catalog file, deciding an edit, computing a rollback loss, the preflight checks, everything
//! the simulated organization does, every call to Exchange Online) release the GIL with
//! `Python::detach`; the async calls of the core run on one shared tokio runtime
//! (`runtime`), which also serves the asyncio variants through pyo3-async-runtimes.
//!
//! The modules follow the core's: `catalog`, `authority`, `model`, `preflight`, `exo` (the
//! values of the `ExchangeOnline` trait), `backend` (the trait's operations, shared by every
//! backend), `directory` (the `OnPremisesDirectory` trait), `session` (the bundle every
//! workflow takes), `sim` (the simulated organization), `rest` (the REST client and its
//! credentials), `emulator` (the HTTP emulator), `transfer` (plan, run, rollback, restore),
//! `reconcile` (AD exports against Exchange Online: reports and writeback plans) and `scripts`
//! (the PowerShell automation auditor); `convert` holds the shared conversions, `callback` the
//! Python callbacks the core calls, `errors` the exception mapping and `runtime` the runtime.

// pyo3 hands every argument over owned (a `PathBuf`, a `String`, a `Vec`): taking it by value
// is what the binding does, not a missed borrow.
#![allow(
    clippy::needless_pass_by_value,
    reason = "pyo3 extracts owned arguments from Python objects"
)]

mod authority;
mod backend;
mod callback;
mod catalog;
mod convert;
mod directory;
mod emulator;
mod errors;
mod exo;
mod model;
mod preflight;
mod reconcile;
mod rest;
mod runtime;
mod scripts;
mod session;
mod sim;
mod transfer;

use pyo3::prelude::*;

/// The package version in PEP 440 form (`0.1.0`, `0.2.0a1`).
fn pep440_version() -> String {
    env!("CARGO_PKG_VERSION")
        .replace("-alpha.", "a")
        .replace("-beta.", "b")
        .replace("-rc.", "rc")
}

/// The extension module `exchange_soa._native`.
#[pymodule]
mod _native {
    #[pymodule_export]
    use crate::authority::{
        PyEditDecision, PyLossEntry, PyMailboxState, PyRollbackLoss, decide_edit, master,
        rollback_loss,
    };
    #[pymodule_export]
    use crate::backend::{PyExchangeOnline, PyMailboxIterator};
    #[pymodule_export]
    use crate::catalog::{PyAttribute, PyCatalog};
    #[pymodule_export]
    use crate::directory::PyOnPremisesDirectory;
    #[pymodule_export]
    use crate::emulator::{PyEmulator, PyEmulatorStats, PyFaults};
    #[pymodule_export]
    use crate::exo::{PyAuditRecord, PyMailbox, PyOrganizationConfig, PyRoleAssignment, PyUser};
    #[pymodule_export]
    use crate::model::{
        PyProxyAddress, PyProxyAddresses, PyRecipientType, PySmtpAddress, PySyncVersion,
    };
    #[pymodule_export]
    use crate::preflight::{
        PyFinding, PyPreflightReport, PyRequirements, check_caller, check_mailbox,
        check_organization, check_sync, check_tenant, gather_preflight,
    };
    #[pymodule_export]
    use crate::reconcile::{
        PyDifference, PyReconcileProgress, PyReconcileReport, PyReportChanges, PyWritebackPlan,
        areconcile, areconcile_live, reconcile, reconcile_live,
    };
    #[pymodule_export]
    use crate::rest::{
        PyClientCertificateCredential, PyClientSecretCredential, PyCloud, PyExoClient,
        PyStaticTokenCredential, PyTokenCredential,
    };
    #[pymodule_export]
    use crate::scripts::{
        PyScriptAuditReport, PyScriptFileAudit, PyScriptFinding, audit_script_source, audit_scripts,
    };
    #[pymodule_export]
    use crate::session::PySession;
    #[pymodule_export]
    use crate::sim::{
        PyCloudSyncAgent, PyOrgSummary, PySimulatedOrg, PySyncError, PySyncReport,
        PyWritebackReport,
    };
    #[pymodule_export]
    use crate::transfer::{
        PyBackup, PyBackupStore, PyCancelToken, PyMailboxResult, PyPlan, PyPlanEntry,
        PyProgressEvent, PyRbacReport, PyRestoreReport, PyRollbackOutcome, PyRunReport,
        PyTransferPolicy, check_offboarding, disable_cloud_managed_by_default,
        enable_cloud_managed_by_default, plan, rbac_review, read_audit_log, restore_in_cloud,
        restore_script, resume, rollback, run,
    };

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", super::pep440_version())?;
        m.add(
            "ELIGIBLE_RECIPIENT_TYPES",
            crate::model::eligible_recipient_types(m.py())?,
        )?;
        Ok(())
    }
}
