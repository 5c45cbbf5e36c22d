//! The tokio runtimes the ABI blocks on: current-thread ones, so that a call runs on the thread
//! that made it and nothing runs between calls.
//!
//! A simulated organization shares one runtime with every other; a REST client has its own
//! (its connection pool and timers live there). A backend, and every session and pager made
//! from it, keeps the runtime of what it was made from. Blocking file I/O of the core (journal
//! and backup writes, with their fsyncs) is moved off this executor by the core itself, so a
//! slow disk does not stall the requests in flight.

use std::sync::{Arc, OnceLock};

use tokio::runtime::Runtime;

use crate::ffi::{Failure, invalid};

/// A new current-thread runtime with the IO and timer drivers (reqwest needs both).
pub(crate) fn new_runtime() -> Result<Arc<Runtime>, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| invalid("async runtime", format!("could not be started: {e}")))
}

/// The runtime every simulated organization's calls run on, started at the first use.
pub(crate) fn simulation_runtime() -> Result<Arc<Runtime>, Failure> {
    static RUNTIME: OnceLock<Option<Arc<Runtime>>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| new_runtime().ok())
        .clone()
        .ok_or_else(|| invalid("async runtime", "could not be started"))
}
