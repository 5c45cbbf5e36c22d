//! The one tokio runtime every call of the module runs on, and the two ways Python waits for
//! it: blocking with the GIL released (`block_on`, `call`) and as an asyncio awaitable
//! (`spawn`).
//!
//! The runtime is multi-threaded: the REST client keeps pooled connections whose tasks must
//! keep running between calls, and asyncio calls run as its tasks. It is created at the first call that needs it and shared with
//! `pyo3-async-runtimes`, so that blocking calls and asyncio calls use the same connections.
//! Its worker threads do not survive `fork()`: a child process that inherited it gets a clear
//! error instead of a hang.

use std::future::Future;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::runtime::{Builder, Handle, Runtime};

use crate::errors::PySoaErr;

/// The runtime and the process that created it.
struct Shared {
    runtime: &'static Runtime,
    pid: u32,
}

static SHARED: PyOnceLock<Shared> = PyOnceLock::new();

/// The shared runtime, created on first use.
pub(crate) fn runtime(py: Python<'_>) -> PyResult<&'static Runtime> {
    let shared = SHARED.get_or_try_init(py, || {
        let runtime = Builder::new_multi_thread()
            .thread_name("exchange-soa")
            .enable_all()
            .build()
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start the async runtime: {e}")))?;
        // Lives as long as the process: pyo3-async-runtimes needs a 'static runtime.
        let runtime: &'static Runtime = Box::leak(Box::new(runtime));
        // Fails only if pyo3-async-runtimes already made a runtime of its own, which nothing in
        // this module lets it do (every asyncio call goes through `spawn`, below).
        let _ = pyo3_async_runtimes::tokio::init_with_runtime(runtime);
        Ok::<_, PyErr>(Shared {
            runtime,
            pid: std::process::id(),
        })
    })?;
    if shared.pid != std::process::id() {
        return Err(PyRuntimeError::new_err(
            "exchange_soa's async runtime was started before this process was forked, and its threads did not survive the fork: use clients and organizations only in the process that created them, or start child processes with the 'spawn' method (multiprocessing.get_context('spawn'))",
        ));
    }
    Ok(shared.runtime)
}

/// Runs a future to completion with the GIL released.
///
/// Refused from inside the runtime (a progress callback calling a blocking method): blocking
/// there would stop the run it is called from.
pub(crate) fn block_on<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime(py)?;
    if Handle::try_current().is_ok() {
        return Err(PyRuntimeError::new_err(
            "a blocking exchange_soa call cannot be made from inside a running operation (for example from a progress callback): make it after the operation returns",
        ));
    }
    Ok(py.detach(|| rt.block_on(future)))
}

/// Runs a fallible future of the core with the GIL released and converts its error.
pub(crate) fn call<F, T>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = soa_core::Result<T>> + Send,
    T: Send,
{
    Ok(block_on(py, future)?.map_err(PySoaErr)?)
}

/// A fallible future of the core as an asyncio awaitable (an `asyncio.Future` of the running
/// event loop), run on the shared runtime; its error becomes the matching exception.
pub(crate) fn spawn<'py, F, T>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = soa_core::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    spawn_py(py, async move { Ok(future.await.map_err(PySoaErr)?) })
}

/// A future with a Python result as an asyncio awaitable, run on the shared runtime.
pub(crate) fn spawn_py<'py, F, T>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    runtime(py)?;
    pyo3_async_runtimes::tokio::future_into_py(py, future)
}
