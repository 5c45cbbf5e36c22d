//! The REST client of `soa_core::exo::rest`: `Cloud`, the credentials, and `ExoClient`, which
//! extends `ExchangeOnline` (see `backend`) with the same operations as `SimulatedOrg`.
//!
//! Secrets (client secrets, private keys, tokens) are handed to the core's `Secret` at once and
//! never kept on the Python side: no `repr`, `str` or attribute shows them.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple, PyType};
use soa_core::exo::rest::{
    AccessToken, Anchor, AssertionAlgorithm, ClientCertificateCredential, ClientOptions,
    ClientSecretCredential, Cloud, CredentialOptions, ExoClient, RetryPolicy, Secret,
    StaticTokenCredential, TokenCredential,
};

use crate::backend::PyExchangeOnline;
use crate::catalog::PyCatalog;
use crate::convert::{instant_from_py, repr_str, type_name};
use crate::emulator::PyEmulator;
use crate::errors::{PySoaErr, invalid_input};

// ---------------------------------------------------------------------------------------------
// Cloud
// ---------------------------------------------------------------------------------------------

/// The national cloud of a tenant: where its Exchange Online gateway and its Entra ID token
/// endpoint are. `Cloud("Commercial")` (also `"GCC"`), `"GccHigh"`, `"DoD"`, `"China"`, or
/// `Cloud.custom(exchange_url, login_url)` for explicit endpoints (https, or http on loopback
/// only).
#[pyclass(
    frozen,
    eq,
    from_py_object,
    module = "exchange_soa._native",
    name = "Cloud"
)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyCloud(pub(crate) Cloud);

/// A cloud given as a `Cloud` or by name.
#[derive(FromPyObject)]
pub(crate) enum CloudArg {
    Object(PyCloud),
    Name(String),
}

impl CloudArg {
    pub(crate) fn commercial() -> Self {
        CloudArg::Name("commercial".to_owned())
    }

    pub(crate) fn into_core(self) -> PyResult<Cloud> {
        match self {
            CloudArg::Object(c) => Ok(c.0),
            CloudArg::Name(name) => Ok(name.parse().map_err(PySoaErr)?),
        }
    }
}

#[pymethods]
impl PyCloud {
    /// A built-in cloud by name, ignoring case, `-` and `_`: `Commercial` (`Global`, `GCC`),
    /// `GccHigh` (`USGovernment`), `DoD` (`USGovernmentDoD`), `China` (`21Vianet`).
    #[new]
    fn new(name: &str) -> PyResult<Self> {
        Ok(PyCloud(name.parse().map_err(PySoaErr)?))
    }

    /// A cloud with explicit endpoints: the Exchange Online base URL and the Entra ID
    /// authority (both `https`, or `http` on a loopback host such as the emulator's).
    #[staticmethod]
    fn custom(exchange_url: &str, login_url: &str) -> PyResult<Self> {
        Ok(PyCloud(
            Cloud::custom(exchange_url, login_url).map_err(PySoaErr)?,
        ))
    }

    /// The cloud's name (`Commercial`, `GccHigh`, `DoD`, `China`, `Custom`).
    #[getter]
    fn name(&self) -> &'static str {
        match self.0 {
            Cloud::Commercial => "Commercial",
            Cloud::GccHigh => "GccHigh",
            Cloud::DoD => "DoD",
            Cloud::China => "China",
            _ => "Custom",
        }
    }

    /// The Exchange Online base URL.
    #[getter]
    fn exchange_url(&self) -> PyResult<String> {
        Ok(self.0.exchange_url().map_err(PySoaErr)?.to_string())
    }

    /// The Entra ID authority URL.
    #[getter]
    fn login_url(&self) -> PyResult<String> {
        Ok(self.0.login_url().map_err(PySoaErr)?.to_string())
    }

    /// The token scope of the Exchange Online resource (`{exchange}/.default`).
    #[getter]
    fn scope(&self) -> PyResult<String> {
        Ok(self.0.scope().map_err(PySoaErr)?)
    }

    /// The Entra ID token endpoint of `tenant`.
    fn token_endpoint(&self, tenant: &str) -> PyResult<String> {
        Ok(self.0.token_endpoint(tenant).map_err(PySoaErr)?.to_string())
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        cloud_repr(py, &self.0)
    }
}

/// `Cloud('Commercial')`, or `Cloud.custom('https://...', 'https://...')`.
fn cloud_repr(py: Python<'_>, cloud: &Cloud) -> PyResult<String> {
    Ok(match cloud {
        Cloud::Custom { .. } => format!(
            "Cloud.custom({}, {})",
            repr_str(py, cloud.exchange_url().map_err(PySoaErr)?.as_str())?,
            repr_str(py, cloud.login_url().map_err(PySoaErr)?.as_str())?
        ),
        _ => format!("Cloud({})", repr_str(py, PyCloud(cloud.clone()).name())?),
    })
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// Where an `ExoClient` gets its access tokens: the base class of `ClientSecretCredential`,
/// `ClientCertificateCredential` and `StaticTokenCredential`. No `repr` shows a secret.
#[pyclass(
    frozen,
    subclass,
    module = "exchange_soa._native",
    name = "TokenCredential"
)]
pub(crate) struct PyTokenCredential {
    inner: Arc<dyn TokenCredential>,
}

fn credential_options(cloud: CloudArg) -> PyResult<(Cloud, CredentialOptions)> {
    let cloud = cloud.into_core()?;
    Ok((cloud.clone(), CredentialOptions::for_cloud(cloud)))
}

/// Text or bytes (PEM documents).
fn text_or_bytes(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_str()?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "{what} must be str or bytes (the PEM text), not {}",
        type_name(obj)
    )))
}

/// An app registration's client secret (OAuth 2.0 client credentials grant) for `tenant` (its
/// ID or domain) in `cloud`.
#[pyclass(
    frozen,
    extends = PyTokenCredential,
    module = "exchange_soa._native",
    name = "ClientSecretCredential"
)]
pub(crate) struct PyClientSecretCredential {
    tenant: String,
    client_id: String,
    cloud: Cloud,
}

#[pymethods]
impl PyClientSecretCredential {
    #[new]
    #[pyo3(
        signature = (tenant, client_id, secret, *, cloud = CloudArg::commercial()),
        text_signature = "(tenant, client_id, secret, *, cloud='commercial')"
    )]
    fn new(
        tenant: String,
        client_id: String,
        secret: String,
        cloud: CloudArg,
    ) -> PyResult<PyClassInitializer<Self>> {
        let (cloud, options) = credential_options(cloud)?;
        let credential =
            ClientSecretCredential::new(&tenant, &client_id, Secret::new(secret), Some(options))
                .map_err(PySoaErr)?;
        Ok(PyClassInitializer::from(PyTokenCredential {
            inner: Arc::new(credential),
        })
        .add_subclass(PyClientSecretCredential {
            tenant,
            client_id,
            cloud,
        }))
    }

    /// The tenant.
    #[getter]
    fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The application (client) id.
    #[getter]
    fn client_id(&self) -> &str {
        &self.client_id
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ClientSecretCredential(tenant={}, client_id={}, secret=<redacted>, cloud={})",
            repr_str(py, &self.tenant)?,
            repr_str(py, &self.client_id)?,
            cloud_repr(py, &self.cloud)?
        ))
    }
}

/// An app registration's certificate: each token request carries a JWT client assertion signed
/// with the certificate's RSA private key. `private_key_pem` and `certificate_pem` are PEM text
/// (`str` or `bytes`; one document may hold both). `algorithm` is `"PS256"` (default) or
/// `"RS256"`.
#[pyclass(
    frozen,
    extends = PyTokenCredential,
    module = "exchange_soa._native",
    name = "ClientCertificateCredential"
)]
pub(crate) struct PyClientCertificateCredential {
    tenant: String,
    client_id: String,
    cloud: Cloud,
    thumbprint_sha256: String,
}

#[pymethods]
impl PyClientCertificateCredential {
    #[new]
    #[pyo3(
        signature = (
            tenant, client_id, private_key_pem, certificate_pem, *,
            cloud = CloudArg::commercial(), algorithm = "PS256",
        ),
        text_signature = "(tenant, client_id, private_key_pem, certificate_pem, *, cloud='commercial', algorithm='PS256')"
    )]
    fn new(
        tenant: String,
        client_id: String,
        private_key_pem: &Bound<'_, PyAny>,
        certificate_pem: &Bound<'_, PyAny>,
        cloud: CloudArg,
        algorithm: &str,
    ) -> PyResult<PyClassInitializer<Self>> {
        let algorithm = match algorithm.to_ascii_uppercase().as_str() {
            "PS256" => AssertionAlgorithm::Ps256,
            "RS256" => AssertionAlgorithm::Rs256,
            _ => {
                return Err(invalid_input(
                    "assertion algorithm",
                    format!("{algorithm:?} is not PS256 or RS256"),
                ));
            }
        };
        let key = text_or_bytes(private_key_pem, "private_key_pem")?;
        let cert = text_or_bytes(certificate_pem, "certificate_pem")?;
        let (cloud, options) = credential_options(cloud)?;
        let credential =
            ClientCertificateCredential::new(&tenant, &client_id, &key, &cert, Some(options))
                .map_err(PySoaErr)?
                .with_algorithm(algorithm);
        let thumbprint_sha256 = credential.thumbprint_sha256().to_owned();
        Ok(PyClassInitializer::from(PyTokenCredential {
            inner: Arc::new(credential),
        })
        .add_subclass(PyClientCertificateCredential {
            tenant,
            client_id,
            cloud,
            thumbprint_sha256,
        }))
    }

    /// The tenant.
    #[getter]
    fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The application (client) id.
    #[getter]
    fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The certificate's SHA-256 thumbprint, base64url (the assertion's `x5t#S256`).
    #[getter]
    fn thumbprint_sha256(&self) -> &str {
        &self.thumbprint_sha256
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ClientCertificateCredential(tenant={}, client_id={}, thumbprint_sha256={}, private_key=<redacted>, cloud={})",
            repr_str(py, &self.tenant)?,
            repr_str(py, &self.client_id)?,
            repr_str(py, &self.thumbprint_sha256)?,
            cloud_repr(py, &self.cloud)?
        ))
    }
}

/// A token obtained some other way (delegated sign-in, a managed identity, the emulator's
/// `issue_token`), answered as is for every request. `expires_at` (an aware `datetime` or RFC
/// 3339 text) is informational; `None` means unknown.
#[pyclass(
    frozen,
    extends = PyTokenCredential,
    module = "exchange_soa._native",
    name = "StaticTokenCredential"
)]
pub(crate) struct PyStaticTokenCredential {
    expires_at: Option<DateTime<Utc>>,
}

#[pymethods]
impl PyStaticTokenCredential {
    #[new]
    #[pyo3(signature = (token, expires_at = None))]
    fn new(
        token: String,
        expires_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let expires_at = expires_at
            .map(|t| instant_from_py(t, "expires_at"))
            .transpose()?;
        // The core's token always carries an expiry; an unknown one is the latest instant.
        let token = AccessToken::new(token, expires_at.unwrap_or(DateTime::<Utc>::MAX_UTC));
        Ok(PyClassInitializer::from(PyTokenCredential {
            inner: Arc::new(StaticTokenCredential::new(token)),
        })
        .add_subclass(PyStaticTokenCredential { expires_at }))
    }

    fn __repr__(&self) -> String {
        format!(
            "StaticTokenCredential(token=<redacted>, expires_at={})",
            self.expires_at
                .map_or_else(|| "None".to_owned(), |t| format!("'{}'", t.to_rfc3339()))
        )
    }
}

// ---------------------------------------------------------------------------------------------
// ExoClient
// ---------------------------------------------------------------------------------------------

/// A duration in seconds (`float`), checked.
fn seconds(value: Option<f64>, what: &str) -> PyResult<Option<Duration>> {
    value
        .map(|s| {
            Duration::try_from_secs_f64(s)
                .map_err(|_| invalid_input(what, format!("{s} is not a number of seconds")))
        })
        .transpose()
}

/// The REST client of the Exchange Online `InvokeCommand` gateway for one tenant (its ID, a
/// GUID, preferably; or its `onmicrosoft.com` domain), getting tokens from `credential`. It has
/// every operation of `SimulatedOrg`'s Exchange Online side (inherited from `ExchangeOnline`),
/// blocking and asyncio, and is accepted wherever a backend is (`plan`, `run`, ...).
///
/// Options left `None` keep the core's defaults: `page_size` (objects per page, 1-1000; 1000),
/// `max_pages` (1000), `concurrency` (requests in flight, 8), `timeout` (seconds per request,
/// 16 minutes), `max_retries` (5), `retry_delay` (first backoff in seconds, 2),
/// `max_retry_delay` (60), `max_retry_after` (longest server hint honoured, 300),
/// `retry_jitter` (on). `delegated_upn` anchors a delegated (signed-in admin) token;
/// app-only otherwise. Cheap to share between threads; clones share connections and tokens.
#[pyclass(
    frozen,
    extends = PyExchangeOnline,
    module = "exchange_soa._native",
    name = "ExoClient"
)]
pub(crate) struct PyExoClient(ExoClient);

#[pymethods]
impl PyExoClient {
    #[new]
    #[pyo3(
        signature = (
            tenant, credential, cloud = CloudArg::commercial(), *,
            page_size = None, max_pages = None, concurrency = None, timeout = None,
            max_retries = None, retry_delay = None, max_retry_delay = None,
            max_retry_after = None, retry_jitter = None, delegated_upn = None,
            api_version = None, catalog = None,
        ),
        text_signature = "(tenant, credential, cloud='commercial', *, page_size=None, max_pages=None, concurrency=None, timeout=None, max_retries=None, retry_delay=None, max_retry_delay=None, max_retry_after=None, retry_jitter=None, delegated_upn=None, api_version=None, catalog=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        tenant: &str,
        credential: &Bound<'_, PyTokenCredential>,
        cloud: CloudArg,
        page_size: Option<u32>,
        max_pages: Option<u32>,
        concurrency: Option<usize>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
        retry_delay: Option<f64>,
        max_retry_delay: Option<f64>,
        max_retry_after: Option<f64>,
        retry_jitter: Option<bool>,
        delegated_upn: Option<String>,
        api_version: Option<String>,
        catalog: Option<&Bound<'_, PyCatalog>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let defaults = ClientOptions::default();
        let retry_defaults = RetryPolicy::default();
        let options = ClientOptions {
            page_size: page_size.unwrap_or(defaults.page_size),
            max_pages: max_pages.unwrap_or(defaults.max_pages),
            anchor: delegated_upn.map_or(Anchor::AppOnly, |upn| Anchor::Delegated { upn }),
            timeout: seconds(timeout, "timeout")?.unwrap_or(defaults.timeout),
            concurrency: concurrency.unwrap_or(defaults.concurrency),
            retry: RetryPolicy {
                max_retries: max_retries.unwrap_or(retry_defaults.max_retries),
                initial_delay: seconds(retry_delay, "retry_delay")?
                    .unwrap_or(retry_defaults.initial_delay),
                max_delay: seconds(max_retry_delay, "max_retry_delay")?
                    .unwrap_or(retry_defaults.max_delay),
                max_retry_after: seconds(max_retry_after, "max_retry_after")?
                    .unwrap_or(retry_defaults.max_retry_after),
                jitter: retry_jitter.unwrap_or(retry_defaults.jitter),
            },
            catalog: catalog.map(|c| Arc::clone(&c.get().inner)),
            api_version: api_version.unwrap_or(defaults.api_version.clone()),
            ..defaults
        };
        let client = ExoClient::new(
            tenant,
            cloud.into_core()?,
            Arc::clone(&credential.get().inner),
            Some(options),
        )
        .map_err(PySoaErr)?;
        Ok(
            PyClassInitializer::from(PyExchangeOnline::new(Arc::new(client.clone())))
                .add_subclass(PyExoClient(client)),
        )
    }

    /// A client for `emulator`'s tenant acting as `principal`, with a token the emulator issues
    /// (a `StaticTokenCredential`) and the emulator's URLs (`emulator.cloud`). Keyword options
    /// are those of the constructor; the token is a delegated one, so `delegated_upn` defaults
    /// to `principal` (the client's principal, and a session's default actor).
    #[classmethod]
    #[pyo3(signature = (emulator, principal, **options))]
    fn for_emulator<'py>(
        cls: &Bound<'py, PyType>,
        emulator: &Bound<'py, PyEmulator>,
        principal: &str,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        let emulator = emulator.get();
        let token = emulator.issue_token(principal);
        let credential = Bound::new(
            py,
            PyClassInitializer::from(PyTokenCredential {
                inner: Arc::new(StaticTokenCredential::new(AccessToken::new(
                    token,
                    DateTime::<Utc>::MAX_UTC,
                ))),
            })
            .add_subclass(PyStaticTokenCredential { expires_at: None }),
        )?;
        let kwargs = match options {
            Some(o) => o.copy()?,
            None => PyDict::new(py),
        };
        kwargs.set_item("cloud", emulator.cloud()?)?;
        if !kwargs.contains("delegated_upn")? {
            kwargs.set_item("delegated_upn", principal)?;
        }
        let args = PyTuple::new(
            py,
            [
                PyString::new(py, emulator.tenant_id()).into_any(),
                credential.into_any(),
            ],
        )?;
        cls.call(args, Some(&kwargs))
    }

    /// The tenant this client serves.
    #[getter]
    fn tenant(&self) -> &str {
        self.0.tenant()
    }

    /// The cloud it talks to.
    #[getter]
    fn cloud(&self) -> PyCloud {
        PyCloud(self.0.cloud().clone())
    }

    /// The `InvokeCommand` URL.
    #[getter]
    fn endpoint(&self) -> String {
        self.0.endpoint().to_string()
    }

    /// Objects per page.
    #[getter]
    fn page_size(&self) -> u32 {
        self.0.options().page_size
    }

    /// Requests in flight at once.
    #[getter]
    fn concurrency(&self) -> usize {
        self.0.options().concurrency
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<ExoClient {} at {}>",
            repr_str(py, self.0.tenant())?,
            repr_str(py, self.0.endpoint().as_str())?
        ))
    }
}
