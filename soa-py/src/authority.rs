//! `MailboxState`, `master`, `decide_edit` and `rollback_loss`: thin wrappers over
//! `soa_core::authority`.

use std::hash::{DefaultHasher, Hash, Hasher};

use pyo3::prelude::*;
use soa_core::authority::{
    self, EditDecision, EditLocation, LossEntry, MailboxState, ProposedEdit, RollbackLoss,
};
use soa_core::model::{Mailbox, RecipientTypeDetails};

use crate::catalog::{PyAttribute, PyCatalog};
use crate::convert::{
    from_json_or_dict, repr_opt, repr_str, serde_name, to_python, value_from_py, values_from_py,
};
use crate::errors::PySoaErr;
use crate::model::PyRecipientType;

/// A recipient type given as a name or a `RecipientType`.
#[derive(FromPyObject)]
pub(crate) enum RecipientArg {
    Object(PyRecipientType),
    Name(String),
}

impl RecipientArg {
    fn user_mailbox() -> Self {
        RecipientArg::Name("UserMailbox".to_owned())
    }

    /// The core's value (a name is parsed by the core).
    pub(crate) fn into_core(self) -> PyResult<RecipientTypeDetails> {
        match self {
            RecipientArg::Object(rt) => Ok(rt.0),
            RecipientArg::Name(name) => Ok(name.parse().map_err(PySoaErr)?),
        }
    }
}

/// An attribute given as a name or an `Attribute`.
#[derive(FromPyObject)]
pub(crate) enum AttributeArg {
    Object(PyAttribute),
    Name(String),
}

// ---------------------------------------------------------------------------------------------
// MailboxState
// ---------------------------------------------------------------------------------------------

/// The facts about a mailbox that decide who masters its attributes.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "MailboxState")]
#[derive(PartialEq)]
pub(crate) struct PyMailboxState(pub(crate) MailboxState);

#[pymethods]
impl PyMailboxState {
    #[new]
    #[pyo3(
        signature = (dir_synced, cloud_managed, recipient_type = Some(RecipientArg::user_mailbox())),
        text_signature = "(dir_synced, cloud_managed, recipient_type='UserMailbox')"
    )]
    fn new(
        dir_synced: bool,
        cloud_managed: bool,
        recipient_type: Option<RecipientArg>,
    ) -> PyResult<Self> {
        let recipient_type = recipient_type.map(RecipientArg::into_core).transpose()?;
        Ok(PyMailboxState(MailboxState {
            dir_synced,
            cloud_managed,
            recipient_type,
        }))
    }

    /// The state of a mailbox read from Exchange Online: the JSON of
    /// `Get-Mailbox | ConvertTo-Json`, or that object as a dict.
    #[staticmethod]
    fn from_mailbox_json(mailbox: &Bound<'_, PyAny>) -> PyResult<Self> {
        // JSON text must hold one object: a list of mailboxes is refused, not read as one.
        let mailbox: Mailbox = from_json_or_dict(mailbox, "mailbox")?;
        Ok(PyMailboxState(MailboxState::from_mailbox(&mailbox)))
    }

    /// `IsDirSynced`.
    #[getter]
    fn dir_synced(&self) -> bool {
        self.0.dir_synced
    }

    /// `IsExchangeCloudManaged`.
    #[getter]
    fn cloud_managed(&self) -> bool {
        self.0.cloud_managed
    }

    /// `RecipientTypeDetails`, when known.
    #[getter]
    fn recipient_type(&self) -> Option<PyRecipientType> {
        self.0.recipient_type.clone().map(PyRecipientType)
    }

    /// Whether the Exchange attributes are in effect mastered in the cloud.
    #[getter]
    fn exchange_in_cloud(&self) -> bool {
        self.0.exchange_in_cloud()
    }

    /// The state in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __hash__(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.0.dir_synced.hash(&mut hasher);
        self.0.cloud_managed.hash(&mut hasher);
        self.0.recipient_type.hash(&mut hasher);
        hasher.finish()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "MailboxState(dir_synced={}, cloud_managed={}, recipient_type={})",
            py_bool(self.0.dir_synced),
            py_bool(self.0.cloud_managed),
            repr_opt(
                py,
                self.0
                    .recipient_type
                    .as_ref()
                    .map(RecipientTypeDetails::as_str)
            )?
        ))
    }
}

/// Python's spelling of a Boolean, for `__repr__` methods.
pub(crate) fn py_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

// ---------------------------------------------------------------------------------------------
// master / decide_edit
// ---------------------------------------------------------------------------------------------

/// Who masters `attribute` for a mailbox in `state`: `on_premises_ad`, `exchange_online` or
/// `entra_id`.
#[pyfunction]
pub(crate) fn master(
    catalog: &Bound<'_, PyCatalog>,
    state: &Bound<'_, PyMailboxState>,
    attribute: AttributeArg,
) -> PyResult<&'static str> {
    let state = &state.get().0;
    let authority = match attribute {
        AttributeArg::Object(a) => authority::master(state, &a.0),
        AttributeArg::Name(name) => {
            authority::master(state, catalog.get().inner.lookup(&name).map_err(PySoaErr)?)
        }
    };
    Ok(authority.as_str())
}

/// Decides whether an edit of `attribute` to `value`, made at `location`, will stick for a
/// mailbox in `state`.
#[pyfunction]
#[pyo3(signature = (catalog, state, attribute, value, location, identity = None))]
pub(crate) fn decide_edit(
    py: Python<'_>,
    catalog: &Bound<'_, PyCatalog>,
    state: &Bound<'_, PyMailboxState>,
    attribute: AttributeArg,
    value: &Bound<'_, PyAny>,
    location: &str,
    identity: Option<String>,
) -> PyResult<PyEditDecision> {
    let attribute = match attribute {
        AttributeArg::Object(a) => a.0.name().to_owned(),
        AttributeArg::Name(name) => name,
    };
    let value = value_from_py(value, &format!("value for {attribute}"))?;
    let location: EditLocation = location.parse().map_err(PySoaErr)?;
    let edit = ProposedEdit {
        attribute,
        value,
        location,
        identity,
    };
    let catalog = &catalog.get().inner;
    let state = &state.get().0;
    let decision = py
        .detach(|| authority::decide_edit(catalog, state, &edit))
        .map_err(PySoaErr)?;
    Ok(PyEditDecision(decision))
}

/// The verdict on a proposed edit.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "EditDecision")]
#[derive(PartialEq)]
pub(crate) struct PyEditDecision(EditDecision);

#[pymethods]
impl PyEditDecision {
    /// The attribute's canonical name.
    #[getter]
    fn attribute(&self) -> &str {
        &self.0.attribute
    }

    /// `identity`, `exchange` or `cloud_only`.
    #[getter]
    fn attribute_class(&self) -> String {
        serde_name(&self.0.class)
    }

    /// Whether the edit, made where proposed, will stick.
    #[getter]
    fn allowed(&self) -> bool {
        self.0.allowed
    }

    /// Where the attribute is mastered: `on_premises_ad`, `exchange_online` or `entra_id`.
    #[getter]
    fn authority(&self) -> &'static str {
        self.0.authority.as_str()
    }

    /// The command that makes the edit at the authority, if one is known.
    #[getter]
    fn tool(&self) -> Option<&str> {
        self.0.tool.as_deref()
    }

    /// Whether AD will see the value: `direct`, `writeback`, `never` or `no_ad_object`.
    #[getter]
    fn ad_visibility(&self) -> &'static str {
        self.0.ad_visibility.as_str()
    }

    /// Whether the attribute is in the writeback set.
    #[getter]
    fn written_back(&self) -> bool {
        self.0.written_back
    }

    /// Why, in terms an admin can act on.
    #[getter]
    fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The decision in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<EditDecision {}: allowed={}, authority={}, ad_visibility={}, tool={}>",
            repr_str(py, &self.0.attribute)?,
            py_bool(self.0.allowed),
            self.0.authority.as_str(),
            self.0.ad_visibility.as_str(),
            repr_opt(py, self.0.tool.as_deref())?
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// rollback_loss
// ---------------------------------------------------------------------------------------------

/// Lists the cloud values that the next sync overwrites if the mailbox is rolled back.
/// `cloud` and `ad` map attribute names to values.
#[pyfunction]
pub(crate) fn rollback_loss(
    py: Python<'_>,
    catalog: &Bound<'_, PyCatalog>,
    state: &Bound<'_, PyMailboxState>,
    cloud: &Bound<'_, PyAny>,
    ad: &Bound<'_, PyAny>,
) -> PyResult<PyRollbackLoss> {
    let cloud = values_from_py(cloud, "cloud")?;
    let ad = values_from_py(ad, "ad")?;
    let catalog = &catalog.get().inner;
    let state = &state.get().0;
    let loss = py
        .detach(|| authority::rollback_loss(catalog, state, &cloud, &ad))
        .map_err(PySoaErr)?;
    Ok(PyRollbackLoss(loss))
}

/// What rolling a mailbox back would lose.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "RollbackLoss")]
#[derive(PartialEq)]
pub(crate) struct PyRollbackLoss(pub(crate) RollbackLoss);

#[pymethods]
impl PyRollbackLoss {
    /// Whether a rollback applies at all (only to a dir-synced, cloud-managed mailbox).
    #[getter]
    fn applies(&self) -> bool {
        self.0.applies
    }

    /// The cloud values the next sync would overwrite, by attribute name.
    #[getter]
    fn entries(&self) -> Vec<PyLossEntry> {
        self.0.entries.iter().cloned().map(PyLossEntry).collect()
    }

    /// A one-line summary.
    #[getter]
    fn summary(&self) -> &str {
        &self.0.summary
    }

    /// Whether the rollback would lose nothing.
    #[getter]
    fn is_lossless(&self) -> bool {
        self.0.is_lossless()
    }

    /// The loss in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<RollbackLoss applies={}, {} entries>",
            py_bool(self.0.applies),
            self.0.entries.len()
        )
    }
}

/// One cloud value that a rollback would overwrite.
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "LossEntry")]
#[derive(PartialEq)]
pub(crate) struct PyLossEntry(LossEntry);

#[pymethods]
impl PyLossEntry {
    /// The attribute's canonical name.
    #[getter]
    fn attribute(&self) -> &str {
        &self.0.attribute
    }

    /// Its LDAP name, if any.
    #[getter]
    fn ldap_name(&self) -> Option<&str> {
        self.0.ldap_name.as_deref()
    }

    /// The value in Exchange Online now.
    #[getter]
    fn cloud_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.cloud_value)
    }

    /// The AD value that replaces it (`None` when AD holds none or it was not supplied).
    #[getter]
    fn ad_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.ad_value)
    }

    /// Whether the caller supplied AD's value.
    #[getter]
    fn ad_supplied(&self) -> bool {
        self.0.ad_supplied
    }

    /// Whether the attribute is in the writeback set.
    #[getter]
    fn written_back(&self) -> bool {
        self.0.written_back
    }

    /// The entry in its serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<LossEntry {}: cloud {} -> AD {}>",
            repr_str(py, &self.0.attribute)?,
            to_python(py, &self.0.cloud_value)?.repr()?,
            to_python(py, &self.0.ad_value)?.repr()?
        ))
    }
}
