//! `Emulator`: the HTTP emulator of the Exchange Online `InvokeCommand` gateway and the Entra
//! token endpoint (`soa_core::sim::emulator`), serving a `SimulatedOrg` on loopback, with fault
//! injection; `Faults` and `EmulatorStats`.

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use soa_core::sim::emulator::{Emulator, EmulatorOptions, Faults, RegisteredApp, Stats, Throttle};

use crate::convert::{repr_str, to_python};
use crate::errors::{PySoaErr, invalid_input};
use crate::rest::PyCloud;
use crate::sim::PySimulatedOrg;

/// A duration in seconds (`float`), checked.
fn seconds(value: f64, what: &str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| invalid_input(what, format!("{value} is not a number of seconds")))
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

/// The faults the emulator injects into `InvokeCommand` calls. Rates are probabilities per
/// request (0 to 1); which requests are hit is deterministic for the emulator's seed.
///
/// `throttle_rate` (requests per second) turns on a token bucket answering `429` with a
/// `Retry-After`; its burst is `throttle_burst`, by default the rate rounded up. `latency`
/// (seconds) is added to every request. `unavailable_rate`: `503` before anything is applied;
/// `drop_before_rate` / `drop_after_apply_rate`: connections closed without a response before /
/// after the cmdlet ran; `transient_error_rate`: `500`/`503` with a retryable Exchange
/// exception; `nul_forbidden_rate`: `403` with a NUL body; `applied_but_error_rate`: writes
/// applied but answered `500`/`503`; `claims_challenge`: the first call of each token is
/// answered with a claims challenge.
#[pyclass(
    frozen,
    eq,
    from_py_object,
    module = "exchange_soa._native",
    name = "Faults"
)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyFaults(pub(crate) Faults);

#[pymethods]
impl PyFaults {
    #[new]
    #[pyo3(signature = (
        *,
        throttle_rate = None,
        throttle_burst = None,
        latency = 0.0,
        unavailable_rate = 0.0,
        drop_before_rate = 0.0,
        drop_after_apply_rate = 0.0,
        transient_error_rate = 0.0,
        nul_forbidden_rate = 0.0,
        applied_but_error_rate = 0.0,
        claims_challenge = false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        throttle_rate: Option<f64>,
        throttle_burst: Option<u32>,
        latency: f64,
        unavailable_rate: f64,
        drop_before_rate: f64,
        drop_after_apply_rate: f64,
        transient_error_rate: f64,
        nul_forbidden_rate: f64,
        applied_but_error_rate: f64,
        claims_challenge: bool,
    ) -> PyResult<Self> {
        let throttle = match (throttle_rate, throttle_burst) {
            (Some(rate), burst) => {
                let mut t = Throttle::per_second(rate);
                if let Some(b) = burst {
                    t.burst = b;
                }
                Some(t)
            }
            (None, Some(_)) => {
                return Err(invalid_input(
                    "throttle_burst",
                    "given without throttle_rate",
                ));
            }
            (None, None) => None,
        };
        let faults = Faults {
            throttle,
            latency: seconds(latency, "latency")?,
            unavailable_rate,
            drop_before_rate,
            drop_after_apply_rate,
            transient_error_rate,
            nul_forbidden_rate,
            applied_but_error_rate,
            claims_challenge,
        };
        faults.validate().map_err(PySoaErr)?;
        Ok(PyFaults(faults))
    }

    #[getter]
    fn throttle_rate(&self) -> Option<f64> {
        self.0.throttle.map(|t| t.rate)
    }

    #[getter]
    fn throttle_burst(&self) -> Option<u32> {
        self.0.throttle.map(|t| t.burst)
    }

    /// Seconds added to every request.
    #[getter]
    fn latency(&self) -> f64 {
        self.0.latency.as_secs_f64()
    }

    #[getter]
    fn unavailable_rate(&self) -> f64 {
        self.0.unavailable_rate
    }

    #[getter]
    fn drop_before_rate(&self) -> f64 {
        self.0.drop_before_rate
    }

    #[getter]
    fn drop_after_apply_rate(&self) -> f64 {
        self.0.drop_after_apply_rate
    }

    #[getter]
    fn transient_error_rate(&self) -> f64 {
        self.0.transient_error_rate
    }

    #[getter]
    fn nul_forbidden_rate(&self) -> f64 {
        self.0.nul_forbidden_rate
    }

    #[getter]
    fn applied_but_error_rate(&self) -> f64 {
        self.0.applied_but_error_rate
    }

    #[getter]
    fn claims_challenge(&self) -> bool {
        self.0.claims_challenge
    }

    /// The faults in their serde shape (`latency` in seconds).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        let f = &self.0;
        let mut parts = Vec::new();
        if let Some(t) = f.throttle {
            parts.push(format!(
                "throttle_rate={}, throttle_burst={}",
                t.rate, t.burst
            ));
        }
        if !f.latency.is_zero() {
            parts.push(format!("latency={}", f.latency.as_secs_f64()));
        }
        for (name, rate) in [
            ("unavailable_rate", f.unavailable_rate),
            ("drop_before_rate", f.drop_before_rate),
            ("drop_after_apply_rate", f.drop_after_apply_rate),
            ("transient_error_rate", f.transient_error_rate),
            ("nul_forbidden_rate", f.nul_forbidden_rate),
            ("applied_but_error_rate", f.applied_but_error_rate),
        ] {
            if rate != 0.0 {
                parts.push(format!("{name}={rate}"));
            }
        }
        if f.claims_challenge {
            parts.push("claims_challenge=True".to_owned());
        }
        format!("Faults({})", parts.join(", "))
    }
}

// ---------------------------------------------------------------------------------------------
// Emulator
// ---------------------------------------------------------------------------------------------

/// The HTTP emulator of the Exchange Online gateway and the Entra token endpoint, serving `org`
/// on `127.0.0.1` (a free port unless `port` is given) over the real wire protocol. Each call
/// runs as the token's principal in `org`, so RBAC, the write-scope rule and the admin audit
/// log apply. Use it as a context manager (`with Emulator(org) as emu:`), or call `stop()`.
///
/// Point a client at it with `ExoClient.for_emulator(emu, principal)`, or with
/// `cloud=emu.cloud` and a credential: `StaticTokenCredential(emu.issue_token(principal))`, or
/// `ClientSecretCredential(emu.tenant_id, client_id, secret, cloud=emu.cloud)` for an app added
/// with `register_app`.
#[pyclass(frozen, module = "exchange_soa._native", name = "Emulator")]
pub(crate) struct PyEmulator {
    inner: Emulator,
}

impl PyEmulator {
    pub(crate) fn issue_token(&self, principal: &str) -> String {
        self.inner.issue_token(principal)
    }

    pub(crate) fn tenant_id(&self) -> &str {
        self.inner.tenant_id()
    }
}

#[pymethods]
impl PyEmulator {
    #[new]
    #[pyo3(signature = (
        org, *, faults = None, port = 0, max_page_size = 1000, seed = 0,
        token_lifetime = 3600.0, tenant_id = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        org: &Bound<'_, PySimulatedOrg>,
        faults: Option<PyFaults>,
        port: u16,
        max_page_size: usize,
        seed: u64,
        token_lifetime: f64,
        tenant_id: Option<String>,
    ) -> PyResult<Self> {
        let options = EmulatorOptions {
            port,
            apps: Vec::new(),
            max_page_size,
            faults: faults.map(|f| f.0).unwrap_or_default(),
            seed,
            token_lifetime: seconds(token_lifetime, "token_lifetime")?,
            tenant_id,
        };
        let org = org.get().0.clone();
        let inner = py
            .detach(|| Emulator::start_blocking(org, options))
            .map_err(PySoaErr)?;
        Ok(PyEmulator { inner })
    }

    /// `http://127.0.0.1:PORT`.
    #[getter]
    fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    /// The listening port.
    #[getter]
    fn port(&self) -> u16 {
        self.inner.addr().port()
    }

    /// The tenant's domain, accepted as the tenant in URLs.
    #[getter]
    fn tenant(&self) -> &str {
        self.inner.tenant()
    }

    /// The tenant id (GUID-shaped), also accepted as the tenant in URLs.
    #[getter(tenant_id)]
    fn py_tenant_id(&self) -> &str {
        self.inner.tenant_id()
    }

    /// The `InvokeCommand` URL.
    #[getter]
    fn invoke_url(&self) -> String {
        self.inner.invoke_url()
    }

    /// The token endpoint.
    #[getter]
    fn token_url(&self) -> String {
        self.inner.token_url()
    }

    /// The emulator's endpoints as a `Cloud`: `Cloud.custom(base_url, base_url)`.
    #[getter]
    pub(crate) fn cloud(&self) -> PyResult<PyCloud> {
        let url = self.inner.base_url();
        Ok(PyCloud(
            soa_core::exo::rest::Cloud::custom(url, url).map_err(PySoaErr)?,
        ))
    }

    /// The organization served (a handle on the same organization).
    #[getter]
    fn org<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PySimulatedOrg>> {
        PySimulatedOrg::wrap(py, self.inner.org().clone())
    }

    /// An access token acting as `principal` (give it roles with `org.add_principal`).
    #[pyo3(name = "issue_token")]
    fn py_issue_token(&self, principal: &str) -> String {
        self.inner.issue_token(principal)
    }

    /// Registers (or replaces) an application: the token endpoint then gives `client_id` tokens
    /// acting as `principal`, for its client `secret` or (with `secret=None`, or always) for a
    /// client assertion (its signature is not checked).
    #[pyo3(signature = (client_id, secret, principal))]
    fn register_app(
        &self,
        client_id: String,
        secret: Option<String>,
        principal: String,
    ) -> PyResult<()> {
        let app = RegisteredApp {
            client_id,
            secret,
            principal,
        };
        Ok(self.inner.register_app(app).map_err(PySoaErr)?)
    }

    /// Makes every token issued so far invalid.
    fn revoke_tokens(&self) {
        self.inner.revoke_tokens();
    }

    /// The faults in force.
    #[getter]
    fn faults(&self) -> PyFaults {
        PyFaults(self.inner.faults())
    }

    /// Replaces the faults, from the next request on: a `Faults`, or its keyword arguments
    /// (`emu.set_faults(throttle_rate=20, unavailable_rate=0.1)`). `emu.set_faults()` clears
    /// them.
    #[pyo3(signature = (faults = None, /, **options))]
    fn set_faults(
        &self,
        py: Python<'_>,
        faults: Option<PyFaults>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let faults = match (faults, options.filter(|o| !o.is_empty())) {
            (Some(_), Some(_)) => {
                return Err(invalid_input(
                    "set_faults",
                    "give a Faults or keyword arguments, not both",
                ));
            }
            (Some(f), None) => f,
            (None, options) => py
                .get_type::<PyFaults>()
                .call(PyTuple::empty(py), options)?
                .extract::<PyFaults>()?,
        };
        Ok(self.inner.set_faults(faults.0).map_err(PySoaErr)?)
    }

    /// What was served so far.
    fn stats(&self) -> PyEmulatorStats {
        PyEmulatorStats(self.inner.stats())
    }

    /// Sets every counter back to zero.
    fn reset_stats(&self) {
        self.inner.reset_stats();
    }

    /// Stops accepting, closes every connection and frees the port (waiting at most five
    /// seconds). Idempotent; also done on leaving a `with` block and when the object goes away.
    fn stop(&self, py: Python<'_>) {
        py.detach(|| self.inner.shutdown_blocking());
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> bool {
        self.stop(py);
        false
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<Emulator {} for {}>",
            repr_str(py, self.inner.base_url())?,
            repr_str(py, self.inner.tenant())?
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// EmulatorStats
// ---------------------------------------------------------------------------------------------

/// Counters of what the emulator served since it started (or since `reset_stats`).
#[pyclass(frozen, eq, module = "exchange_soa._native", name = "EmulatorStats")]
#[derive(PartialEq)]
pub(crate) struct PyEmulatorStats(Stats);

#[pymethods]
impl PyEmulatorStats {
    /// HTTP requests received, on every route.
    #[getter]
    fn requests(&self) -> u64 {
        self.0.requests
    }

    /// Requests to the token endpoint.
    #[getter]
    fn token_requests(&self) -> u64 {
        self.0.token_requests
    }

    /// Access tokens issued.
    #[getter]
    fn tokens_issued(&self) -> u64 {
        self.0.tokens_issued
    }

    /// Requests to `InvokeCommand`.
    #[getter]
    fn invoke_requests(&self) -> u64 {
        self.0.invoke_requests
    }

    /// `InvokeCommand` requests refused with `401` for a missing, unknown or expired token.
    #[getter]
    fn unauthorized(&self) -> u64 {
        self.0.unauthorized
    }

    /// `InvokeCommand` requests by cmdlet.
    #[getter]
    fn by_cmdlet(&self) -> std::collections::BTreeMap<String, u64> {
        self.0.by_cmdlet.clone()
    }

    /// Responses by HTTP status.
    #[getter]
    fn by_status(&self) -> std::collections::BTreeMap<u16, u64> {
        self.0.by_status.clone()
    }

    /// Injected faults by kind (`throttled`, `unavailable`, `dropped_before`, ...).
    #[getter]
    fn faults<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.faults)
    }

    /// Requests for `cmdlet` (ignoring case).
    fn cmdlet(&self, cmdlet: &str) -> u64 {
        self.0.cmdlet(cmdlet)
    }

    /// Injected faults in all.
    #[getter]
    fn faults_total(&self) -> u64 {
        self.0.faults_total()
    }

    /// The counters in their serde shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<EmulatorStats: {} requests ({} InvokeCommand, {} token), {} unauthorized, {} faults>",
            self.0.requests,
            self.0.invoke_requests,
            self.0.token_requests,
            self.0.unauthorized,
            self.0.faults_total()
        )
    }
}
