//! The REST client of the Exchange Online `InvokeCommand` gateway (feature `rest`, on by
//! default): [`ExoClient`] implements [`ExchangeOnline`](crate::exo::ExchangeOnline) for a real
//! tenant.
//!
//! The gateway is the one the Exchange Online PowerShell module (V3) uses:
//! `POST {exchange}/adminapi/beta/{tenant}/InvokeCommand` with
//! `{"CmdletInput":{"CmdletName":...,"Parameters":{...}}}` (the shared [`crate::exo::wire`]
//! module). It is undocumented and may change; the API version is configurable
//! ([`ClientOptions::api_version`]).
//!
//! ```no_run
//! use std::sync::Arc;
//! use soa_core::exo::ExchangeOnline;
//! use soa_core::exo::rest::{ClientSecretCredential, Cloud, CredentialOptions, ExoClient, Secret};
//!
//! # async fn run() -> soa_core::Result<()> {
//! let tenant = "00000000-1111-2222-3333-444444444444";
//! let credential = ClientSecretCredential::new(
//!     tenant,
//!     "app-client-id",
//!     Secret::new(std::env::var("EXO_SECRET").unwrap_or_default()),
//!     Some(CredentialOptions::for_cloud(Cloud::Commercial)),
//! )?;
//! let client = ExoClient::new(tenant, Cloud::Commercial, Arc::new(credential), None)?;
//! let mailbox = client.get_mailbox("ann@contoso.com").await?;
//! println!("{:?}", mailbox.is_exchange_cloud_managed);
//! # Ok(()) }
//! ```
//!
//! What the client does for each call:
//!
//! - **Headers** (`exo-rest` notes §1.3): `Authorization` (marked sensitive), JSON
//!   `Content-Type`/`Accept`, `X-CmdletName`, `X-ResponseFormat: json`, `X-AnchorMailbox`
//!   ([`Anchor`]), `Prefer: odata.maxpagesize=N`, a `client-request-id` per cmdlet execution
//!   (the same on its retries and pages) and a `connection-id` per client.
//! - **Paging**: the same body POSTed to each same-origin `@odata.nextLink`, lazily, with a page
//!   cap; an error or an empty body after page 1 is an error, never the end of the list.
//! - **Errors** are typed. Bodies are read as raw bytes, and gzip is inflated only when the
//!   bytes are gzip (the gateway labels NUL-byte error bodies gzip):
//!
//!   | what comes back | error |
//!   |---|---|
//!   | `401` (after the one claims-challenge retry) | [`Error::Auth`](crate::Error::Auth) |
//!   | the write-scope text or `ADScopeException` | [`Error::OutOfWriteScope`](crate::Error::OutOfWriteScope) |
//!   | `404` with an error body, or `ManagementObjectNotFoundException` (also in a `400`) | [`Error::NotFound`](crate::Error::NotFound) |
//!   | `403` (reason from `x-ms-diagnostics`; the body is NUL bytes) | [`Error::AccessDenied`](crate::Error::AccessDenied) |
//!   | `429` after the last retry | [`Error::Throttled`](crate::Error::Throttled) |
//!   | `System.ArgumentException`, parameter binding failures | [`Error::InvalidInput`](crate::Error::InvalidInput) |
//!   | any other cmdlet error (also `@adminapi.errors` in a `200`) | [`Error::Exchange`](crate::Error::Exchange) |
//!   | no body, a body that is not JSON, any other status | [`Error::Http`](crate::Error::Http) |
//!   | no connection, a timeout, a connection cut | [`Error::Transport`](crate::Error::Transport) (host only, never the URL) |
//!
//!   [`Error::AccessDenied`](crate::Error::AccessDenied) has no field of its own for the
//!   service's reason: unless the reason names principal, cmdlet and parameter, it is appended
//!   to `parameter` as `(the service says: ...)`.
//! - **Retries** ([`RetryPolicy`]): 408, 429, 500, 502, 503, 504, connection failures and the
//!   transient Exchange exceptions, waiting `max(Retry-After, backoff)` with full jitter, on an
//!   injectable [`Clock`]. A `401` with a claims challenge gets one new token with the claims.
//! - **No double writes**: `Set-*` calls are never replayed blindly. After a failure whose
//!   outcome is unknown (a 5xx, a timeout, a dropped connection), `set_mailbox`,
//!   `set_cloud_managed` and `set_cloud_managed_by_default` read the object back
//!   (`Get-Mailbox`, `Get-OrganizationConfig`): if the change is there the call has succeeded
//!   and is not sent again; otherwise it is retried. When the effect cannot be read back the
//!   failure is reported. A success that was not applied is the workflow's to catch (it
//!   verifies every write).
//! - **Concurrency**: at most [`ClientOptions::concurrency`] requests in flight per client.
//! - **Secrets**: [`Secret`] never prints; neither do the credentials nor the client, and
//!   transport errors never carry a URL.

mod client;
mod cloud;
mod cmdlets;
mod credential;
mod errors;
mod guid;
mod pager;
mod retry;
mod secret;
mod token;
mod transport;
mod verify;

pub use client::{
    Anchor, ClientOptions, DEFAULT_CONCURRENCY, DEFAULT_MAX_PAGES, DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT, ExoClient, ValuePager,
};
pub use cloud::Cloud;
pub use credential::{
    AssertionAlgorithm, ClientCertificateCredential, ClientSecretCredential, CredentialOptions,
    StaticTokenCredential, TokenCredential,
};
pub use retry::{Clock, RetryPolicy, SystemClock, VirtualClock, parse_retry_after};
pub use secret::Secret;
pub use token::AccessToken;
