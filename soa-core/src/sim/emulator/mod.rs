//! An HTTP emulator of the Exchange Online `InvokeCommand` gateway and of the Entra token
//! endpoint, serving a [`SimulatedOrg`] over the real wire protocol (the shapes of
//! [`crate::exo::wire`]), with fault injection. It listens on loopback only.
//!
//! ```no_run
//! # async fn demo() -> soa_core::Result<()> {
//! use soa_core::sim::SimulatedOrg;
//! use soa_core::sim::emulator::{Emulator, EmulatorOptions, RegisteredApp};
//!
//! let org = SimulatedOrg::generate(100, 7);
//! org.add_principal("app@contoso.com", &["Exchange Administrator"]);
//! let options = EmulatorOptions {
//!     apps: vec![RegisteredApp::with_secret("my-client-id", "my-secret", "app@contoso.com")],
//!     ..EmulatorOptions::default()
//! };
//! let emulator = Emulator::start(org, options).await?;
//! println!("{} {}", emulator.invoke_url(), emulator.token_url());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Endpoints
//!
//! - `POST /{tenant}/oauth2/v2.0/token`: client credentials, with `client_secret` or with a
//!   `client_assertion` (see below), and a `scope` ending in `/.default`. The answer is
//!   `{"token_type":"Bearer","expires_in":N,"ext_expires_in":N,"access_token":"..."}`; errors
//!   are Entra-shaped (`{"error":"invalid_client","error_description":"AADSTS7000215: ...",
//!   "error_codes":[...]}`). A request carrying `claims` gets a token that is never
//!   claims-challenged.
//! - `POST /adminapi/beta/{tenant}/InvokeCommand[?$skiptoken=...][&$select=A,B]` with
//!   `Authorization: Bearer <token>` and the body `{"CmdletInput":{"CmdletName":...,
//!   "Parameters":{...}}}`. `{tenant}` is the organization's domain ([`Emulator::tenant`]) or
//!   its id ([`Emulator::tenant_id`]). Other API versions answer `405`, as `v1.0` does.
//!
//! Tokens are opaque random strings mapped to a principal and expiring after
//! [`EmulatorOptions::token_lifetime`] of real time. A client assertion is accepted when it is a
//! well-formed JWT whose `iss` and `sub` are a registered client id, whose `aud` ends with
//! `/oauth2/v2.0/token` and whose `exp`, if present, is in the future. **The assertion's
//! signature is not checked** (the emulator knows no certificates); do not mistake the
//! emulator for a security boundary. [`Emulator::issue_token`] issues a token for any principal
//! (delegated access, or a caller that brings its own).
//!
//! # Cmdlets
//!
//! Each call runs through the [`ExchangeOnline`](crate::exo::ExchangeOnline) implementation of
//! the organization acting as the token's principal ([`SimulatedOrg::as_principal`]), so RBAC,
//! the write-scope rule and the admin audit log apply exactly as in the simulation. Parameter
//! names ignore case; `...@odata.type` siblings and PowerShell's common parameters
//! (`ErrorAction`, `Confirm`, ...) are ignored; any other parameter a cmdlet lacks is refused
//! with PowerShell's "A parameter cannot be found ..." text.
//!
//! | cmdlet | parameters | answer |
//! |---|---|---|
//! | `Get-Mailbox` | `Identity`, or a listing with `Filter`, `RecipientTypeDetails` (array or comma-separated), `ResultSize` (validated, not applied) | mailboxes in the `Get-Mailbox` JSON shape; listings page (below) |
//! | `Get-User` | `Identity` (required) | the user |
//! | `Set-Mailbox` | `Identity` and `Set-Mailbox` parameters (catalog names); `{"@odata.type":"#Exchange.GenericHashTable","Add":[...],"Remove":[...]}` for multi-valued changes; `IsExchangeCloudManaged` only alone | `[]`, with a warning when nothing changed |
//! | `Get-OrganizationConfig` | none | `[{Name, Identity, BlockExchangeProvisioningFromOnPremEnabled}]` |
//! | `Set-OrganizationConfig` | `ExchangeAttributesCloudManagedByDefault` or `ExchangeAttributesServerManagedByDefault` (switches: `true`) | `[]` |
//! | `Get-ManagementRole` | `Cmdlet` and `CmdletParameters` (every parameter must be granted), or `Identity`, or none | `[{Name, Identity}]`; by cmdlet, only roles somebody holds |
//! | `Get-ManagementRoleAssignment` | `Role`, `RoleAssignee` | `[{Name, Role, RoleAssignee, RoleAssigneeName, RoleAssigneeType, Enabled}]` |
//! | `Search-AdminAuditLog` | `StartDate`, `EndDate` (UTC; `yyyy-MM-ddTHH:mm:ss` or RFC 3339), `Cmdlets`, `ObjectIds`, `Parameters`, `UserIds`, `IsSuccess`, `ResultSize` (default 1000) | [`wire::AdminAuditLogEntry`](crate::exo::wire::AdminAuditLogEntry) objects, oldest first, on the organization's virtual clock |
//!
//! `Get-Mailbox -Filter` takes the OPATH terms that
//! [`MailboxFilter::to_opath`](crate::exo::MailboxFilter::to_opath) produces (`IsDirSynced`,
//! `IsExchangeCloudManaged` and `RecipientTypeDetails` compared with `-eq`, joined with
//! `-and`, with `-or` between `RecipientTypeDetails` terms in parentheses) and refuses anything
//! else with `400`.
//!
//! **Paging.** A listing returns at most `Prefer: odata.maxpagesize=N` mailboxes (1 to 1000;
//! 1000 by default; capped by [`EmulatorOptions::max_page_size`]) and, when more remain,
//! `@odata.nextLink`: the same URL plus `$skiptoken=<cursor>`. POST the same body there. The
//! cursor is the last key served, so pages are stable while mailboxes are added or removed; it
//! is tied to the filter, and a body with another filter is refused with `400`. It does not
//! expire.
//!
//! **Errors.** Success bodies are `{"@odata.context":"...","value":[...]}` (plus
//! `@odata.nextLink`, `@adminapi.warnings`). Errors use the envelope of
//! [`wire::ErrorEnvelope`](crate::exo::wire::ErrorEnvelope) with `details[0].message` =
//! `errorId|ExceptionClass|text` and the short class in `x-ExceptionType`:
//!
//! | error | answer |
//! |---|---|
//! | [`Error::NotFound`](crate::Error::NotFound) | `404 NotFound`, detail code `13`, target the identity, [`exceptions::NOT_FOUND`](crate::exo::wire::exceptions::NOT_FOUND), "The operation couldn't be performed because object '...' couldn't be found on '...'." |
//! | [`Error::AccessDenied`](crate::Error::AccessDenied) | `403`, the reason in `x-ms-diagnostics: 2000008;reason="...";error_category="insufficient_permissions"`, a body of NUL bytes |
//! | [`Error::OutOfWriteScope`](crate::Error::OutOfWriteScope) | `400 BadRequest`, [`exceptions::WRITE_SCOPE`](crate::exo::wire::exceptions::WRITE_SCOPE), the admin-facing text |
//! | [`Error::Exchange`](crate::Error::Exchange) | `400 BadRequest`, [`exceptions::TASK`](crate::exo::wire::exceptions::TASK) |
//! | bad input, bad parameters | `400 BadRequest`, [`exceptions::INVALID_PARAMETER`](crate::exo::wire::exceptions::INVALID_PARAMETER) |
//! | a body that is not an `InvokeCommand` request | `400 BadRequest`, the text in `innererror.internalexception.message`, no details |
//! | an unknown cmdlet | `403`, 16 NUL bytes labelled `Content-Encoding: gzip` (as the service does) |
//! | no, unknown or expired token | `401` with `WWW-Authenticate: Bearer ...` |
//!
//! Every response carries `request-id` and echoes `client-request-id`.
//!
//! # Faults
//!
//! See [`Faults`]: a throttle (token bucket, `429` with a decimal `Retry-After`), added
//! latency, `503`s, dropped connections before or after applying, transient `500`/`503`s with
//! `DCOverloadedException`, NUL-body `403`s, writes applied but answered `500`/`503`, and a
//! claims challenge per token. Which requests are hit is deterministic for a seed.
//! [`Emulator::stats`] counts requests by cmdlet and faults by kind.
//!
//! Not emulated: `$batch`, `X-ResponseFormat: clixml` (always JSON), compressed request
//! bodies, `WhatIf`, `Get-User` listings, regional redirects, nextLink expiry.
//!
//! [`Emulator::tenant`]: crate::sim::emulator::Emulator::tenant
//! [`Emulator::tenant_id`]: crate::sim::emulator::Emulator::tenant_id
//! [`EmulatorOptions::token_lifetime`]: crate::sim::emulator::EmulatorOptions::token_lifetime
//! [`Emulator::issue_token`]: crate::sim::emulator::Emulator::issue_token
//! [`EmulatorOptions::max_page_size`]: crate::sim::emulator::EmulatorOptions::max_page_size
//! [`Faults`]: crate::sim::emulator::Faults
//! [`Emulator::stats`]: crate::sim::emulator::Emulator::stats

mod auth;
mod faults;
mod invoke;
mod opath;
mod params;
mod respond;
mod server;
mod stats;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::{FaultKind, Faults, Throttle};
pub use stats::{Stats, UNKNOWN_CMDLET};

use super::SimulatedOrg;
use crate::{Error, Result};
use server::Inner;

/// Serde of a [`Duration`] as seconds (a number with decimals).
mod duration_secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs)
            .map_err(|_| de::Error::custom(format!("{secs} is not a number of seconds")))
    }
}

/// An application registered with the emulated tenant: it gets tokens for `principal` from
/// the token endpoint. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredApp {
    /// The application (client) id.
    pub client_id: String,
    /// Its client secret; `None` for an app that signs in with a certificate (client
    /// assertion) only. Assertions are accepted for every registered app.
    pub secret: Option<String>,
    /// Who its tokens act as in the simulated organization (give it roles with
    /// [`SimulatedOrg::add_principal`]).
    pub principal: String,
}

impl RegisteredApp {
    /// An app with a client secret.
    pub fn with_secret(
        client_id: impl Into<String>,
        secret: impl Into<String>,
        principal: impl Into<String>,
    ) -> Self {
        RegisteredApp {
            client_id: client_id.into(),
            secret: Some(secret.into()),
            principal: principal.into(),
        }
    }

    /// An app that signs in with a client assertion (certificate) only.
    pub fn with_certificate(client_id: impl Into<String>, principal: impl Into<String>) -> Self {
        RegisteredApp {
            client_id: client_id.into(),
            secret: None,
            principal: principal.into(),
        }
    }
}

impl fmt::Debug for RegisteredApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisteredApp")
            .field("client_id", &self.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("principal", &self.principal)
            .finish()
    }
}

/// How to run the emulator.
///
/// Serde: `token_lifetime` in seconds (a number); every field is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmulatorOptions {
    /// The loopback port to listen on; 0 (the default) picks a free one.
    pub port: u16,
    /// The registered applications.
    pub apps: Vec<RegisteredApp>,
    /// The most mailboxes one page holds, whatever the client prefers (1 to 1000; 1000 by
    /// default).
    pub max_page_size: usize,
    /// The faults to inject from the start.
    pub faults: Faults,
    /// The seed of the fault decisions.
    pub seed: u64,
    /// How long an access token is valid (real time; 3600 s by default).
    #[serde(with = "duration_secs")]
    pub token_lifetime: Duration,
    /// The tenant id accepted (besides the domain) in paths; derived from the domain when
    /// `None`.
    pub tenant_id: Option<String>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            port: 0,
            apps: Vec::new(),
            max_page_size: 1000,
            faults: Faults::default(),
            seed: 0,
            token_lifetime: Duration::from_secs(3600),
            tenant_id: None,
        }
    }
}

impl EmulatorOptions {
    /// Checks the options: rates, page size, apps (ids unique, principals given), tenant id.
    pub fn validate(&self) -> Result<()> {
        self.faults.validate()?;
        if !(1..=1000).contains(&self.max_page_size) {
            return Err(Error::invalid_input(
                "max_page_size",
                format!("{} is not between 1 and 1000", self.max_page_size),
            ));
        }
        for (i, app) in self.apps.iter().enumerate() {
            validate_app(app)?;
            if self.apps[..i]
                .iter()
                .any(|a| a.client_id.eq_ignore_ascii_case(&app.client_id))
            {
                return Err(Error::invalid_input(
                    "registered app",
                    format!("client id {:?} is registered twice", app.client_id),
                ));
            }
        }
        if let Some(id) = &self.tenant_id {
            let ok = !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !ok {
                return Err(Error::invalid_input(
                    "tenant_id",
                    format!("{id:?} is not a tenant id (letters, digits, '-' and '.')"),
                ));
            }
        }
        Ok(())
    }
}

fn validate_app(app: &RegisteredApp) -> Result<()> {
    if app.client_id.trim().is_empty() || app.client_id.contains(char::is_whitespace) {
        return Err(Error::invalid_input(
            "registered app",
            format!("client id {:?} is empty or has spaces", app.client_id),
        ));
    }
    if app.principal.trim().is_empty() {
        return Err(Error::invalid_input(
            "registered app",
            format!("app {:?} has no principal", app.client_id),
        ));
    }
    if app.secret.as_deref().is_some_and(str::is_empty) {
        return Err(Error::invalid_input(
            "registered app",
            format!("app {:?} has an empty secret", app.client_id),
        ));
    }
    Ok(())
}

/// A running emulator. Stops on [`Emulator::shutdown`], [`Emulator::shutdown_blocking`] or
/// when dropped.
pub struct Emulator {
    inner: Arc<Inner>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
    done: Mutex<Receiver<()>>,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.inner.base_url)
            .field("tenant", &self.inner.tenant)
            .field("tenant_id", &self.inner.tenant_id)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Emulator {
    /// Starts listening on `127.0.0.1:<options.port>` and serves `org` in the background, on
    /// the current Tokio runtime (an error outside one: use [`Emulator::start_blocking`]).
    pub async fn start(org: SimulatedOrg, options: EmulatorOptions) -> Result<Emulator> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::invalid_input(
                "Emulator::start",
                "must be called inside a Tokio runtime (use Emulator::start_blocking otherwise)",
            ));
        }
        options.validate()?;
        let wanted = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
        let listener =
            tokio::net::TcpListener::bind(wanted)
                .await
                .map_err(|e| Error::Transport {
                    host: wanted.to_string(),
                    message: format!("cannot listen: {e}"),
                })?;
        let addr = listener.local_addr().map_err(|e| Error::Transport {
            host: wanted.to_string(),
            message: format!("cannot read the listening address: {e}"),
        })?;
        let inner = Arc::new(Inner::new(org, options, format!("http://{addr}")));
        let (stop, stop_rx) = watch::channel(false);
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let task = tokio::spawn(server::serve(
            listener,
            Arc::clone(&inner),
            stop_rx,
            done_tx,
        ));
        Ok(Emulator {
            inner,
            addr,
            stop,
            task: Mutex::new(Some(task)),
            done: Mutex::new(done_rx),
            runtime: Mutex::new(None),
        })
    }

    /// Like [`Emulator::start`], on a runtime of its own (two worker threads) that lives as
    /// long as the emulator: for callers without an async runtime (the C ABI, Python). Must
    /// not be called from inside a Tokio runtime.
    pub fn start_blocking(org: SimulatedOrg, options: EmulatorOptions) -> Result<Emulator> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::invalid_input(
                "Emulator::start_blocking",
                "called inside a Tokio runtime: use Emulator::start there",
            ));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("soa-emulator")
            .enable_all()
            .build()
            .map_err(|e| Error::Transport {
                host: Ipv4Addr::LOCALHOST.to_string(),
                message: format!("cannot start the emulator's runtime: {e}"),
            })?;
        let emulator = runtime.block_on(Emulator::start(org, options))?;
        *lock(&emulator.runtime) = Some(runtime);
        Ok(emulator)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The tenant's domain (`contoso.com`), accepted as the tenant path segment.
    pub fn tenant(&self) -> &str {
        &self.inner.tenant
    }

    /// The tenant id (GUID-shaped), also accepted as the tenant path segment.
    pub fn tenant_id(&self) -> &str {
        &self.inner.tenant_id
    }

    /// `{base_url}/adminapi/beta/{tenant_id}/InvokeCommand`.
    pub fn invoke_url(&self) -> String {
        format!(
            "{}/adminapi/beta/{}/InvokeCommand",
            self.inner.base_url, self.inner.tenant_id
        )
    }

    /// `{base_url}/{tenant_id}/oauth2/v2.0/token`.
    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.inner.base_url, self.inner.tenant_id
        )
    }

    /// The scope a client asks tokens for: `{base_url}/.default`.
    pub fn scope(&self) -> String {
        format!("{}/.default", self.inner.base_url)
    }

    /// The organization served (the handle given to [`Emulator::start`]).
    pub fn org(&self) -> &SimulatedOrg {
        &self.inner.org
    }

    /// What was served so far.
    pub fn stats(&self) -> Stats {
        self.inner.stats(|s| s.clone())
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        self.inner.stats(|s| *s = Stats::default());
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.inner.faults()
    }

    /// Replaces the faults, effective for the next request. A changed throttle starts with a
    /// full bucket.
    pub fn set_faults(&self, faults: Faults) -> Result<()> {
        faults.validate()?;
        self.inner.set_faults(faults);
        Ok(())
    }

    /// Registers (or replaces, by client id) an application.
    pub fn register_app(&self, app: RegisteredApp) -> Result<()> {
        validate_app(&app)?;
        self.inner.add_app(app);
        Ok(())
    }

    /// A token acting as `principal` (delegated access, or a token the caller supplies),
    /// valid for [`EmulatorOptions::token_lifetime`].
    pub fn issue_token(&self, principal: &str) -> String {
        self.inner.issue_token(principal, false)
    }

    /// Makes every token issued so far invalid (their next use gets `401`).
    pub fn revoke_tokens(&self) {
        self.inner.revoke_tokens();
    }

    /// Stops accepting, closes every connection, and returns once the port is free.
    /// Idempotent.
    pub async fn shutdown(&self) {
        self.stop.send_replace(true);
        let task = lock(&self.task).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// Like [`Emulator::shutdown`], for callers outside an async runtime (it waits at most
    /// five seconds). Idempotent.
    pub fn shutdown_blocking(&self) {
        self.stop.send_replace(true);
        if tokio::runtime::Handle::try_current().is_err() {
            let done = lock(&self.done);
            if let Err(RecvTimeoutError::Timeout) = done.recv_timeout(Duration::from_secs(5)) {
                // Still closing; the runtime shutdown below ends it.
            }
        }
        self.stop_runtime();
    }

    fn stop_runtime(&self) {
        let runtime = lock(&self.runtime).take();
        if let Some(runtime) = runtime {
            if tokio::runtime::Handle::try_current().is_err() {
                runtime.shutdown_timeout(Duration::from_secs(1));
            } else {
                runtime.shutdown_background();
            }
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        if lock(&self.runtime).is_some() {
            self.shutdown_blocking();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn handles_cross_threads() {
        // The bindings keep an emulator in objects shared across threads.
        send_sync::<Emulator>();
        send_sync::<EmulatorOptions>();
        send_sync::<Stats>();
    }
}
