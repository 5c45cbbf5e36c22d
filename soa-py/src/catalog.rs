//! `Catalog` and `Attribute`: the attribute table and its rows.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyList, PyString};
use soa_core::catalog::{Attribute, Catalog};

use crate::convert::{date_from_iso, repr_opt, repr_str, serde_name, to_python};
use crate::errors::PySoaErr;

/// The built-in catalog, shared by every `Catalog.builtin()` (the core's shared table).
fn builtin() -> Arc<Catalog> {
    Catalog::builtin_shared()
}

/// The catalog argument of a function that does not take a session: the catalog given, or the
/// core's built-in one.
pub(crate) fn catalog_or_builtin(catalog: Option<&Bound<'_, PyCatalog>>) -> Arc<Catalog> {
    catalog.map_or_else(builtin, |c| Arc::clone(&c.get().inner))
}

/// An attribute catalog (immutable).
#[pyclass(frozen, module = "exchange_soa._native", name = "Catalog")]
pub(crate) struct PyCatalog {
    pub(crate) inner: Arc<Catalog>,
}

impl PyCatalog {
    fn new(inner: Catalog) -> Self {
        PyCatalog {
            inner: Arc::new(inner),
        }
    }
}

#[pymethods]
impl PyCatalog {
    /// The built-in table.
    #[staticmethod]
    fn builtin(py: Python<'_>) -> Self {
        // The first call parses the compiled-in table.
        PyCatalog {
            inner: py.detach(builtin),
        }
    }

    /// A whole table from JSON text (see `to_json`); `origin` names it in errors.
    #[staticmethod]
    #[pyo3(signature = (text, origin = "<string>"))]
    fn from_json(py: Python<'_>, text: &str, origin: &str) -> PyResult<Self> {
        let catalog = py
            .detach(|| Catalog::from_json(text, origin))
            .map_err(PySoaErr)?;
        Ok(PyCatalog::new(catalog))
    }

    /// The built-in table with the override file at `path` applied.
    #[staticmethod]
    fn from_override_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let catalog = py
            .detach(|| builtin().with_override_file(&path))
            .map_err(PySoaErr)?;
        Ok(PyCatalog::new(catalog))
    }

    /// A new catalog: this one with an override document (JSON text) applied.
    #[pyo3(signature = (text, origin = "<string>"))]
    fn with_override_json(&self, py: Python<'_>, text: &str, origin: &str) -> PyResult<Self> {
        let base = &self.inner;
        let catalog = py
            .detach(|| base.with_override_json(text, origin))
            .map_err(PySoaErr)?;
        Ok(PyCatalog::new(catalog))
    }

    /// A new catalog: this one with the override file at `path` applied.
    fn with_override_file(&self, py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let base = &self.inner;
        let catalog = py
            .detach(|| base.with_override_file(&path))
            .map_err(PySoaErr)?;
        Ok(PyCatalog::new(catalog))
    }

    /// The attribute with this name (LDAP, Exchange Online, parameter or Graph; any case).
    fn lookup(&self, name: &str) -> PyResult<PyAttribute> {
        let attribute = self.inner.lookup(name).map_err(PySoaErr)?;
        Ok(PyAttribute(attribute.clone()))
    }

    /// The attribute with this name, or `None`.
    fn get(&self, name: &str) -> Option<PyAttribute> {
        self.inner.get(name).cloned().map(PyAttribute)
    }

    fn __getitem__(&self, name: &str) -> PyResult<PyAttribute> {
        self.lookup(name)
    }

    /// A name (`str`) is in the catalog when it names a row; an `Attribute` when the catalog
    /// holds an identical row.
    fn __contains__(&self, item: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(name) = item.cast::<PyString>() {
            return Ok(self.inner.get(name.to_str()?).is_some());
        }
        if let Ok(attribute) = item.cast::<PyAttribute>() {
            let attribute = &attribute.get().0;
            return Ok(self.inner.iter().any(|row| row == attribute));
        }
        Ok(false)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        let rows = self.inner.iter().cloned().map(PyAttribute);
        PyList::new(py, rows)?.try_iter()
    }

    /// The `version` of the table document, if it had one.
    #[getter]
    fn version(&self) -> Option<&str> {
        self.inner.version()
    }

    /// The attributes that Entra Cloud Sync writes back to AD.
    fn writeback_attributes(&self) -> Vec<PyAttribute> {
        self.inner
            .writeback_attributes()
            .cloned()
            .map(PyAttribute)
            .collect()
    }

    /// The rows as a pretty-printed JSON array (readable by `from_json`).
    fn to_json(&self) -> String {
        self.inner.to_json_pretty()
    }

    /// The rows in their serde shape: a list of dicts.
    fn to_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let views: Vec<_> = self.inner.iter().map(Attribute::view).collect();
        to_python(py, &views)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<Catalog: {} attributes, version {}>",
            self.inner.len(),
            repr_opt(py, self.inner.version())?
        ))
    }
}

/// One row of the catalog.
#[pyclass(
    frozen,
    eq,
    from_py_object,
    module = "exchange_soa._native",
    name = "Attribute"
)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyAttribute(pub(crate) Attribute);

#[pymethods]
impl PyAttribute {
    /// The canonical name: the Exchange Online property, else the LDAP name, else the
    /// parameter, else the Graph name.
    #[getter]
    fn name(&self) -> &str {
        self.0.name()
    }

    /// Every name of the row, in the order LDAP, Exchange Online, parameter, Graph.
    #[getter]
    fn names(&self) -> Vec<&str> {
        self.0.names().collect()
    }

    #[getter]
    fn ldap_name(&self) -> Option<&str> {
        self.0.ldap_name.as_deref()
    }

    #[getter]
    fn exo_property(&self) -> Option<&str> {
        self.0.exo_property.as_deref()
    }

    #[getter]
    fn parameter(&self) -> Option<&str> {
        self.0.parameter.as_deref()
    }

    #[getter]
    fn graph_name(&self) -> Option<&str> {
        self.0.graph_name.as_deref()
    }

    /// The shape of the value: `string`, `multi_string`, `boolean`, `proxy_addresses`, ...
    #[getter]
    fn value_kind(&self) -> String {
        serde_name(&self.0.value_kind)
    }

    /// Whether a value is a list.
    #[getter]
    fn is_multi_valued(&self) -> bool {
        self.0.is_multi_valued()
    }

    /// `identity`, `exchange` or `cloud_only`.
    #[getter]
    fn attribute_class(&self) -> String {
        serde_name(&self.0.class)
    }

    #[getter]
    fn writeback(&self) -> bool {
        self.0.writeback
    }

    /// `preview`, `ga`, or `None` when not written back.
    #[getter]
    fn writeback_since(&self) -> Option<String> {
        self.0.writeback_since.as_ref().map(serde_name)
    }

    /// The date writeback started (a `datetime.date`), or `None`.
    #[getter]
    fn writeback_date<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.0
            .writeback_date()
            .map(|d| date_from_iso(py, &d.to_string()))
            .transpose()
    }

    #[getter]
    fn confirmed(&self) -> bool {
        self.0.confirmed
    }

    #[getter]
    fn sources(&self) -> Vec<String> {
        self.0.sources.clone()
    }

    #[getter]
    fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// The row in its serde shape, with the canonical `name` first.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.view())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<Attribute {} ({}, {}{})>",
            repr_str(py, self.0.name())?,
            serde_name(&self.0.class),
            serde_name(&self.0.value_kind),
            if self.0.writeback {
                ", written back"
            } else {
                ""
            }
        ))
    }
}
