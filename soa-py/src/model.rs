//! Value types: `SmtpAddress`, `ProxyAddress`, `ProxyAddresses`, `SyncVersion` and
//! `RecipientType`. Parsing, validation, equality and ordering are the core's.

use std::fmt;

use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyList, PyString, PyTuple};
use soa_core::model::{
    ProxyAddress, ProxyAddresses, RecipientTypeDetails, SmtpAddress, SyncVersion,
};

use crate::convert::{repr_str, type_name};
use crate::errors::PySoaErr;

// ---------------------------------------------------------------------------------------------
// SmtpAddress
// ---------------------------------------------------------------------------------------------

/// A validated SMTP address; equality and hashing ignore ASCII case.
#[pyclass(
    frozen,
    eq,
    hash,
    str,
    module = "exchange_soa._native",
    name = "SmtpAddress"
)]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct PySmtpAddress(pub(crate) SmtpAddress);

impl fmt::Display for PySmtpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[pymethods]
impl PySmtpAddress {
    #[new]
    fn new(text: &str) -> PyResult<Self> {
        Ok(PySmtpAddress(SmtpAddress::parse(text).map_err(PySoaErr)?))
    }

    /// The address exactly as given.
    #[getter]
    fn text(&self) -> &str {
        self.0.as_str()
    }

    /// The part before the last `@`.
    #[getter]
    fn local_part(&self) -> &str {
        self.0.local_part()
    }

    /// The part after the last `@`.
    #[getter]
    fn domain(&self) -> &str {
        self.0.domain()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("SmtpAddress({})", repr_str(py, self.0.as_str())?))
    }
}

// ---------------------------------------------------------------------------------------------
// ProxyAddress
// ---------------------------------------------------------------------------------------------

/// One proxy address, `prefix:address`; equality and hashing compare the exact text.
#[pyclass(
    frozen,
    eq,
    hash,
    str,
    from_py_object,
    module = "exchange_soa._native",
    name = "ProxyAddress"
)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyProxyAddress(pub(crate) ProxyAddress);

impl fmt::Display for PyProxyAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[pymethods]
impl PyProxyAddress {
    #[new]
    fn new(text: &str) -> PyResult<Self> {
        Ok(PyProxyAddress(ProxyAddress::parse(text).map_err(PySoaErr)?))
    }

    /// The address exactly as given (also `str(address)`).
    #[getter]
    fn text(&self) -> &str {
        self.0.as_str()
    }

    /// The address type in its canonical upper-case form: `SMTP`, `X500`, `SIP`, ...
    #[getter]
    fn prefix(&self) -> &str {
        self.0.prefix().as_str()
    }

    /// The prefix as typed (`smtp` for a secondary SMTP address).
    #[getter]
    fn prefix_text(&self) -> &str {
        self.0.prefix_str()
    }

    /// The part after the first `:`.
    #[getter]
    fn address(&self) -> &str {
        self.0.address()
    }

    /// Whether the prefix is typed in upper case (`SMTP:`).
    #[getter]
    fn is_primary(&self) -> bool {
        self.0.is_primary()
    }

    /// Whether the address type is SMTP.
    #[getter]
    fn is_smtp(&self) -> bool {
        self.0.prefix().is_smtp()
    }

    /// Whether this is the primary SMTP address (`SMTP:` in upper case).
    #[getter]
    fn is_primary_smtp(&self) -> bool {
        self.0.is_primary_smtp()
    }

    /// The SMTP address, for an SMTP proxy address.
    #[getter]
    fn smtp(&self) -> Option<PySmtpAddress> {
        self.0.smtp().map(PySmtpAddress)
    }

    /// Whether both have the same address type and address, ignoring case (the primary flag
    /// does not count).
    fn same_target(&self, other: &Bound<'_, PyProxyAddress>) -> bool {
        self.0.same_target(&other.get().0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("ProxyAddress({})", repr_str(py, self.0.as_str())?))
    }
}

// ---------------------------------------------------------------------------------------------
// ProxyAddresses
// ---------------------------------------------------------------------------------------------

/// A mailbox's proxy address set: exactly one primary SMTP address, no duplicates.
#[pyclass(
    frozen,
    eq,
    hash,
    str,
    module = "exchange_soa._native",
    name = "ProxyAddresses"
)]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct PyProxyAddresses(pub(crate) ProxyAddresses);

impl fmt::Display for PyProxyAddresses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The texts of an iterable of `str` or `ProxyAddress` (a lone `str` is refused: it is
/// iterable too, character by character).
fn proxy_texts(items: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if items.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "ProxyAddresses takes a list of proxy addresses, not a single str; write [address]",
        ));
    }
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let item = item?;
        if let Ok(text) = item.cast::<PyString>() {
            out.push(text.to_str()?.to_owned());
        } else if let Ok(address) = item.cast::<PyProxyAddress>() {
            out.push(address.get().0.as_str().to_owned());
        } else {
            return Err(PyTypeError::new_err(format!(
                "proxy addresses must be str or ProxyAddress, not {}",
                type_name(&item)
            )));
        }
    }
    Ok(out)
}

/// A `ProxyAddresses`, or an iterable of addresses to parse into one.
fn proxy_set(obj: &Bound<'_, PyAny>) -> PyResult<ProxyAddresses> {
    if let Ok(set) = obj.cast::<PyProxyAddresses>() {
        return Ok(set.get().0.clone());
    }
    Ok(ProxyAddresses::parse(proxy_texts(obj)?).map_err(PySoaErr)?)
}

fn proxy_list(items: impl IntoIterator<Item = ProxyAddress>) -> Vec<PyProxyAddress> {
    items.into_iter().map(PyProxyAddress).collect()
}

#[pymethods]
impl PyProxyAddresses {
    #[new]
    fn new(items: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyProxyAddresses(
            ProxyAddresses::parse(proxy_texts(items)?).map_err(PySoaErr)?,
        ))
    }

    /// The primary SMTP address (the one `SMTP:` entry).
    #[getter]
    fn primary_smtp(&self) -> PyProxyAddress {
        PyProxyAddress(self.0.primary_smtp().clone())
    }

    /// The addresses as strings, in order.
    fn to_list(&self) -> Vec<String> {
        self.0.to_strings()
    }

    /// Whether both hold the same entries in any order (addresses compared ignoring case, the
    /// primary flag significant).
    fn set_eq(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.set_eq(&proxy_set(other)?))
    }

    /// What changes from this set to `other`: `(added, removed)`.
    fn diff(
        &self,
        other: &Bound<'_, PyAny>,
    ) -> PyResult<(Vec<PyProxyAddress>, Vec<PyProxyAddress>)> {
        let other = proxy_set(other)?;
        let (added, removed) = self.0.diff(&other);
        Ok((
            proxy_list(added.into_iter().cloned()),
            proxy_list(removed.into_iter().cloned()),
        ))
    }

    /// `"prefix:address"` (prefix and address ignoring case) or a bare SMTP address.
    fn __contains__(&self, item: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(text) = item.cast::<PyString>() {
            return Ok(self.0.contains(text.to_str()?));
        }
        if let Ok(address) = item.cast::<PyProxyAddress>() {
            return Ok(self.0.contains(address.get().0.as_str()));
        }
        Ok(false)
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }

    fn __getitem__(&self, index: isize) -> PyResult<PyProxyAddress> {
        let len = self.0.len();
        let position = if index < 0 {
            len.checked_sub(index.unsigned_abs())
        } else {
            Some(index.unsigned_abs())
        };
        position
            .and_then(|i| self.0.as_slice().get(i))
            .map(|p| PyProxyAddress(p.clone()))
            .ok_or_else(|| PyIndexError::new_err("ProxyAddresses index out of range"))
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        PyList::new(py, proxy_list(self.0.iter().cloned()))?.try_iter()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let items: Vec<String> = self
            .0
            .iter()
            .map(|p| repr_str(py, p.as_str()))
            .collect::<PyResult<_>>()?;
        Ok(format!("ProxyAddresses([{}])", items.join(", ")))
    }
}

// ---------------------------------------------------------------------------------------------
// SyncVersion
// ---------------------------------------------------------------------------------------------

/// A four-part version such as `2.5.190.0`, ordered numerically.
#[pyclass(
    frozen,
    eq,
    ord,
    hash,
    str,
    from_py_object,
    module = "exchange_soa._native",
    name = "SyncVersion"
)]
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct PySyncVersion(pub(crate) SyncVersion);

impl fmt::Display for PySyncVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[pymethods]
impl PySyncVersion {
    #[new]
    fn new(text: &str) -> PyResult<Self> {
        Ok(PySyncVersion(SyncVersion::parse(text).map_err(PySoaErr)?))
    }

    /// The version `major.minor.build.revision`.
    #[staticmethod]
    fn from_parts(major: u32, minor: u32, build: u32, revision: u32) -> Self {
        PySyncVersion(SyncVersion::new(major, minor, build, revision))
    }

    /// Minimum Entra Connect Sync version for cloud-managed Exchange attributes.
    #[classattr]
    #[allow(non_snake_case)]
    fn CONNECT_SYNC_MINIMUM() -> Self {
        PySyncVersion(SyncVersion::CONNECT_SYNC_MINIMUM)
    }

    /// The Entra Connect Sync version with the known export errors.
    #[classattr]
    #[allow(non_snake_case)]
    fn CONNECT_SYNC_KNOWN_BAD() -> Self {
        PySyncVersion(SyncVersion::CONNECT_SYNC_KNOWN_BAD)
    }

    /// Minimum Cloud Sync provisioning agent version for writeback.
    #[classattr]
    #[allow(non_snake_case)]
    fn CLOUD_SYNC_WRITEBACK_MINIMUM() -> Self {
        PySyncVersion(SyncVersion::CLOUD_SYNC_WRITEBACK_MINIMUM)
    }

    /// `(major, minor, build, revision)`.
    #[getter]
    fn parts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.parts())
    }

    #[getter]
    fn major(&self) -> u32 {
        self.0.major()
    }

    #[getter]
    fn minor(&self) -> u32 {
        self.0.minor()
    }

    #[getter]
    fn build(&self) -> u32 {
        self.0.build()
    }

    #[getter]
    fn revision(&self) -> u32 {
        self.0.revision()
    }

    fn __repr__(&self) -> String {
        format!("SyncVersion('{}')", self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// RecipientType
// ---------------------------------------------------------------------------------------------

/// A `RecipientTypeDetails` value (case-insensitive; unknown names are kept as they are).
#[pyclass(
    frozen,
    eq,
    hash,
    str,
    from_py_object,
    module = "exchange_soa._native",
    name = "RecipientType"
)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyRecipientType(pub(crate) RecipientTypeDetails);

impl fmt::Display for PyRecipientType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[pymethods]
impl PyRecipientType {
    #[new]
    fn new(text: &str) -> PyResult<Self> {
        Ok(PyRecipientType(
            RecipientTypeDetails::parse(text).map_err(PySoaErr)?,
        ))
    }

    /// The recipient type for a numeric `msExchRecipientTypeDetails` value.
    #[staticmethod]
    fn from_ad_value(value: u64) -> Self {
        PyRecipientType(RecipientTypeDetails::from_ad_value(value))
    }

    /// The canonical name, such as `UserMailbox`.
    #[getter]
    fn name(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the Exchange attributes of such a recipient can be made cloud-managed.
    #[getter]
    fn is_eligible(&self) -> bool {
        self.0.is_eligible()
    }

    /// Why such a recipient cannot be made cloud-managed, or `None` when it can.
    #[getter]
    fn ineligibility_reason(&self) -> Option<&'static str> {
        self.0.ineligibility_reason()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("RecipientType({})", repr_str(py, self.0.as_str())?))
    }
}

/// `ELIGIBLE_RECIPIENT_TYPES`: the recipient types that can be made cloud-managed.
pub(crate) fn eligible_recipient_types(py: Python<'_>) -> PyResult<Bound<'_, PyTuple>> {
    PyTuple::new(
        py,
        RecipientTypeDetails::ELIGIBLE
            .iter()
            .cloned()
            .map(PyRecipientType),
    )
}
