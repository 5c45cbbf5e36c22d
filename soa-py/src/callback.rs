//! Python callbacks that the core calls while an operation runs (the progress of a run, of a
//! reconciliation), with the GIL released around them.
//!
//! Each call attaches the GIL, checks for signals (so that Ctrl-C stops the operation) and
//! calls the Python callable. The first exception, from either, is kept, no further call is
//! made, and the exception is raised when the operation returns.

use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::convert::type_name;

/// A Python callable (or none) and the first exception it raised.
pub(crate) struct PyCallback {
    callback: Option<Py<PyAny>>,
    error: Mutex<Option<PyErr>>,
}

impl PyCallback {
    /// The callable `callback` (`None` for none); `what` names the argument in the error for
    /// an object that is not callable.
    pub(crate) fn new(callback: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Self> {
        if let Some(cb) = callback
            && !cb.is_callable()
        {
            return Err(PyTypeError::new_err(format!(
                "{what} must be callable, not {}",
                type_name(cb)
            )));
        }
        Ok(PyCallback {
            callback: callback.map(|cb| cb.clone().unbind()),
            error: Mutex::new(None),
        })
    }

    fn error(&self) -> MutexGuard<'_, Option<PyErr>> {
        self.error.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Calls the callable with `arg()`, unless an earlier call raised. Returns `false` when this
    /// call (or a pending signal) raised: the caller may then stop the operation.
    pub(crate) fn call<A>(&self, arg: impl FnOnce() -> A) -> bool
    where
        A: for<'py> IntoPyObject<'py>,
    {
        if self.error().is_some() {
            return true;
        }
        Python::attach(|py| {
            let outcome = py.check_signals().and_then(|()| match &self.callback {
                Some(cb) => cb.call1(py, (arg(),)).map(drop),
                None => Ok(()),
            });
            match outcome {
                Ok(()) => true,
                Err(err) => {
                    *self.error() = Some(err);
                    false
                }
            }
        })
    }

    /// The operation's result, unless the callable raised.
    pub(crate) fn finish<T>(&self, result: PyResult<T>) -> PyResult<T> {
        match self.error().take() {
            Some(err) => Err(err),
            None => result,
        }
    }
}
