//! `soa_session`: the core's `Session` — an Exchange Online, an optional on-premises directory,
//! the catalog, the clock and the actor — as an opaque handle. Every workflow takes one. The
//! defaults (the backend's catalog, principal and clock) are the core's, decided there once.

use std::ffi::c_char;
use std::sync::Arc;

use soa_core::session::Session;
use tokio::runtime::Runtime;

use crate::backend::{backend, soa_backend};
use crate::catalog::soa_catalog;
use crate::directory::soa_directory;
use crate::ffi::{Failure, Out, boundary, free_boxed, opt_ref_arg, opt_str_arg, ref_arg};
use crate::status::soa_status;

/// A session. It holds what it was made from, so it may outlive the backend, directory and
/// catalog handles. Immutable once made and safe to share between threads. Release with
/// `soa_session_free`.
pub struct soa_session {
    pub(crate) session: Session,
    /// The runtime of the backend: the calls block on it.
    pub(crate) runtime: Arc<Runtime>,
}

impl soa_session {
    /// Runs `future` to completion on the session's runtime, on the calling thread.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Failure> {
        crate::ffi::block_on(&self.runtime, future)
    }
}

pub(crate) fn session<'a>(session: *const soa_session) -> Result<&'a soa_session, Failure> {
    ref_arg(session, "session")
}

/// Makes a session on `backend` and writes it to `*out`.
///
/// - `directory`: the on-premises AD, or NULL for none: plans then check the settle rule
///   against the cloud side only and say so (`directory_checked` false, a
///   `settle_rule_unchecked` warning on every go entry), and a rollback cannot report the loss
///   and is refused unless acknowledged.
/// - `catalog`: NULL for the backend's.
/// - `actor`: who is recorded in audit logs; NULL for the backend's principal (the simulated
///   organization's principal, the credential's identity for a tenant). An empty or blank
///   actor is refused (`SOA_STATUS_INVALID_INPUT`).
#[unsafe(no_mangle)]
pub extern "C" fn soa_session_new(
    backend: *const soa_backend,
    directory: *const soa_directory,
    catalog: *const soa_catalog,
    actor: *const c_char,
    out: *mut *mut soa_session,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let directory: Option<&soa_directory> = opt_ref_arg(directory);
        let catalog: Option<&soa_catalog> = opt_ref_arg(catalog);
        let actor = opt_str_arg(actor, "actor")?;
        let out = Out::new(out, "out")?;
        let mut session = Session::new(Arc::clone(&b.exchange));
        if let Some(d) = directory {
            session = session.with_directory(Arc::clone(&d.directory));
        }
        if let Some(c) = catalog {
            session = session.with_catalog(Arc::clone(&c.inner));
        }
        if let Some(actor) = actor {
            session = session.with_actor(actor)?;
        }
        out.write_boxed(soa_session {
            session,
            runtime: Arc::clone(&b.runtime),
        });
        Ok(())
    })
}

/// Releases a session. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn soa_session_free(session: *mut soa_session) {
    free_boxed(session);
}

/// Writes the actor the session records in audit logs.
#[unsafe(no_mangle)]
pub extern "C" fn soa_session_actor(
    session: *const soa_session,
    out: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        Out::new(out, "out")?.write_string(s.session.actor().to_owned())
    })
}

/// Writes the session's time as RFC 3339 text: the virtual clock of a simulated organization
/// (the directory's, else the backend's), else the system's.
#[unsafe(no_mangle)]
pub extern "C" fn soa_session_now(
    session: *const soa_session,
    out: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        Out::new(out, "out")?.write_string(s.session.now().to_rfc3339())
    })
}

/// Makes a new backend handle on the session's Exchange Online (for the `soa_backend_*`
/// operations) and writes it to `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_session_backend(
    session: *const soa_session,
    out: *mut *mut soa_backend,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        Out::new(out, "out")?.write_boxed(soa_backend {
            exchange: Arc::clone(s.session.exchange()),
            runtime: Arc::clone(&s.runtime),
        });
        Ok(())
    })
}
