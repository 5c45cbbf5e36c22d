//! The core's errors as Python exceptions.
//!
//! The exception classes live in `exchange_soa/errors.py`: several of them have two built-in
//! bases (`InvalidVersionError(SoaError, ValueError)`, `SoaFileNotFoundError(SoaIOError,
//! FileNotFoundError)`), which `create_exception!` cannot express. Each class is imported once
//! and cached in a [`PyOnceLock`].
//!
//! The orphan rule forbids `From<soa_core::Error> for PyErr`, so core errors go through the
//! local newtype [`PySoaErr`]: `core_call().map_err(PySoaErr)?` in a function returning
//! `PyResult`.

use std::io;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use soa_core::{Error, ErrorKind};

/// The Python module that defines the exception classes.
const ERRORS_MODULE: &str = "exchange_soa.errors";

/// The exception classes the binding raises, in the order of [`CLASS_NAMES`].
#[derive(Clone, Copy)]
enum Class {
    Base,
    InvalidProxyAddress,
    InvalidSmtpAddress,
    InvalidVersion,
    InvalidRecipientType,
    UnknownAttribute,
    InvalidCatalog,
    InvalidInput,
    InvalidJson,
    NotFound,
    AccessDenied,
    Exchange,
    OutOfWriteScope,
    Io,
    FileNotFound,
    Permission,
    IsADirectory,
    Refused,
    Throttled,
    Transport,
    Auth,
    Http,
}

const CLASS_NAMES: [&str; 22] = [
    "SoaError",
    "InvalidProxyAddressError",
    "InvalidSmtpAddressError",
    "InvalidVersionError",
    "InvalidRecipientTypeError",
    "UnknownAttributeError",
    "InvalidCatalogError",
    "InvalidInputError",
    "InvalidJsonError",
    "NotFoundError",
    "AccessDeniedError",
    "ExchangeError",
    "OutOfWriteScopeError",
    "SoaIOError",
    "SoaFileNotFoundError",
    "SoaPermissionError",
    "SoaIsADirectoryError",
    "RefusedError",
    "ThrottledError",
    "TransportError",
    "AuthError",
    "HttpError",
];

static CLASSES: [PyOnceLock<Py<PyType>>; CLASS_NAMES.len()] =
    [const { PyOnceLock::new() }; CLASS_NAMES.len()];

impl Class {
    fn of(err: &Error) -> Class {
        match err.kind() {
            ErrorKind::InvalidProxyAddress => Class::InvalidProxyAddress,
            ErrorKind::InvalidSmtpAddress => Class::InvalidSmtpAddress,
            ErrorKind::InvalidVersion => Class::InvalidVersion,
            ErrorKind::InvalidRecipientType => Class::InvalidRecipientType,
            ErrorKind::UnknownAttribute => Class::UnknownAttribute,
            ErrorKind::InvalidCatalog => Class::InvalidCatalog,
            ErrorKind::InvalidInput => Class::InvalidInput,
            ErrorKind::Json => Class::InvalidJson,
            ErrorKind::NotFound => Class::NotFound,
            ErrorKind::AccessDenied => Class::AccessDenied,
            ErrorKind::Exchange => Class::Exchange,
            ErrorKind::OutOfWriteScope => Class::OutOfWriteScope,
            ErrorKind::Refused => Class::Refused,
            ErrorKind::Throttled => Class::Throttled,
            ErrorKind::Transport => Class::Transport,
            ErrorKind::Auth => Class::Auth,
            ErrorKind::Http => Class::Http,
            ErrorKind::Io => match err {
                Error::Io { source, .. } => match source.kind() {
                    io::ErrorKind::NotFound => Class::FileNotFound,
                    io::ErrorKind::PermissionDenied => Class::Permission,
                    io::ErrorKind::IsADirectory => Class::IsADirectory,
                    _ => Class::Io,
                },
                _ => Class::Io,
            },
            // A kind added to the core after this binding was written.
            _ => Class::Base,
        }
    }

    fn get(self, py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
        let index = self as usize;
        CLASSES[index].import(py, ERRORS_MODULE, CLASS_NAMES[index])
    }
}

/// A core error on its way to Python (see the module documentation).
#[derive(Debug)]
pub(crate) struct PySoaErr(pub(crate) Error);

impl From<Error> for PySoaErr {
    fn from(err: Error) -> Self {
        PySoaErr(err)
    }
}

impl From<PySoaErr> for PyErr {
    fn from(err: PySoaErr) -> PyErr {
        Python::attach(|py| to_pyerr(py, &err.0))
    }
}

/// Builds the exception for `err`; if the exception classes cannot be imported, that import
/// error is returned instead (it says what is broken in the installation).
fn to_pyerr(py: Python<'_>, err: &Error) -> PyErr {
    let message = err.to_string();
    let class = match Class::of(err).get(py) {
        Ok(class) => class,
        Err(import_error) => return import_error,
    };
    let instance = match err {
        // OSError(errno, strerror, filename) sets the three attributes.
        Error::Io { path, source, .. } => class.call1((
            source.raw_os_error(),
            message,
            path.to_string_lossy().into_owned(),
        )),
        _ => class.call1((message,)),
    };
    match instance.and_then(|i| set_details(&i, err).map(|()| i)) {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

/// The fields of an error, as attributes of the exception (`identity`, `cmdlet`, `parameter`,
/// `reason`, `status`, ...), so that callers need not parse the message.
fn set_details(instance: &Bound<'_, PyAny>, err: &Error) -> PyResult<()> {
    match err {
        Error::NotFound { what, identity } => {
            instance.setattr("what", *what)?;
            instance.setattr("identity", identity)?;
        }
        Error::AccessDenied {
            principal,
            cmdlet,
            parameter,
        } => {
            instance.setattr("principal", principal)?;
            instance.setattr("cmdlet", cmdlet)?;
            instance.setattr("parameter", parameter)?;
        }
        Error::OutOfWriteScope {
            identity,
            cmdlet,
            parameter,
            ..
        } => {
            instance.setattr("identity", identity)?;
            instance.setattr("cmdlet", cmdlet)?;
            instance.setattr("parameter", parameter)?;
        }
        Error::Exchange { cmdlet, .. } => instance.setattr("cmdlet", cmdlet)?,
        Error::Refused { operation, reason } => {
            instance.setattr("operation", operation)?;
            instance.setattr("reason", reason)?;
        }
        Error::Throttled {
            retry_after_secs, ..
        } => instance.setattr("retry_after", *retry_after_secs)?,
        Error::Transport { host, .. } => instance.setattr("host", host)?,
        Error::Http { status, code, .. } => {
            instance.setattr("status", *status)?;
            instance.setattr("code", code)?;
        }
        _ => {}
    }
    Ok(())
}

/// An [`Error::InvalidInput`] as a Python exception, for input the binding itself rejects
/// while converting it (a bad enum name, a dict of the wrong shape).
pub(crate) fn invalid_input(what: impl Into<String>, reason: impl Into<String>) -> PyErr {
    PySoaErr(Error::InvalidInput {
        what: what.into(),
        reason: reason.into(),
    })
    .into()
}
