//! [`ExoClient`]: the options, the request pipeline (token, headers, concurrency limit,
//! redirects, retries with the replay rules) and the public `invoke` escape hatch.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_core::Stream;
use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue,
    LOCATION,
};
use serde_json::{Map, Value};
use tokio::sync::Semaphore;
use url::Url;

use super::cloud::{Cloud, check_endpoint, check_tenant, trimmed};
use super::credential::TokenCredential;
use super::errors::{self, CallContext, Failure, Outcome};
use super::guid::new_guid;
use super::retry::{Clock, RetryPolicy, SystemClock};
use super::transport::{self, RawResponse};
use super::verify::Verify;
use super::{AccessToken, errors::claims_challenge};
use crate::catalog::Catalog;
use crate::exo::wire::InvokeRequest;
use crate::{Error, Result};

/// The default page size (`Prefer: odata.maxpagesize`), the gateway's maximum.
pub const DEFAULT_PAGE_SIZE: u32 = 1000;
/// The default page cap: 1,000 pages of 1,000 objects, room for 1,000,000 mailboxes.
pub const DEFAULT_MAX_PAGES: u32 = 1000;
/// The default HTTP timeout: the gateway's 15-minute cmdlet timeout plus one minute.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(16 * 60);
/// The default number of requests in flight per client.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// The system mailbox that app-only calls are anchored to.
const APP_ANCHOR_MAILBOX: &str = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}";
/// Redirect hops followed per request (to the front door's regional hosts).
const MAX_REDIRECTS: usize = 3;

/// How the client's caller is anchored (`X-AnchorMailbox`), which also routes its session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Anchor {
    /// An app-only token (client credentials):
    /// `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@<tenant>`.
    #[default]
    AppOnly,
    /// A delegated token (a signed-in admin): `UPN:<upn>`.
    Delegated {
        /// The signed-in admin's user principal name.
        upn: String,
    },
}

/// Options of an [`ExoClient`]. `Default` gives the documented defaults.
#[derive(Clone)]
pub struct ClientOptions {
    /// Objects per page (`Prefer: odata.maxpagesize=N`), 1 to 1000 (default 1000).
    pub page_size: u32,
    /// The most pages one listing follows before it fails (default 1000: 1,000,000 objects at
    /// 1000 a page, enough for a 600,000-mailbox tenant). A listing that would go beyond fails
    /// with [`Error::InvalidInput`] naming this option; it never ends silently.
    pub max_pages: u32,
    /// App-only or delegated anchoring (default app-only).
    pub anchor: Anchor,
    /// The HTTP timeout of one request (default 16 minutes: the gateway's 15-minute cmdlet
    /// timeout plus one). Cmdlets the gateway gives longer (`Set-OrganizationConfig` 30
    /// minutes, `Get-DistributionGroupMember` an hour, ...) get that plus a minute when it is
    /// more.
    pub timeout: Duration,
    /// Requests in flight at once, over all calls of this client (default 8).
    pub concurrency: usize,
    /// When and how long to retry.
    pub retry: RetryPolicy,
    /// The clock and timer (replace with [`super::VirtualClock`] in tests).
    pub clock: Arc<dyn Clock>,
    /// The catalog that translates attribute names to `Set-Mailbox` parameters (default: the
    /// built-in one).
    pub catalog: Option<Arc<Catalog>>,
    /// The gateway's API version path segment (default `beta`, the only one that serves
    /// `InvokeCommand` today).
    pub api_version: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            page_size: DEFAULT_PAGE_SIZE,
            max_pages: DEFAULT_MAX_PAGES,
            anchor: Anchor::AppOnly,
            timeout: DEFAULT_TIMEOUT,
            concurrency: DEFAULT_CONCURRENCY,
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
            catalog: None,
            api_version: "beta".to_owned(),
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("page_size", &self.page_size)
            .field("max_pages", &self.max_pages)
            .field("anchor", &self.anchor)
            .field("timeout", &self.timeout)
            .field("concurrency", &self.concurrency)
            .field("retry", &self.retry)
            .field("clock", &self.clock)
            .field(
                "catalog",
                &self
                    .catalog
                    .as_ref()
                    .map_or("built-in", |c| c.version().unwrap_or("custom")),
            )
            .field("api_version", &self.api_version)
            .finish()
    }
}

/// A lazy stream of a cmdlet's output objects, fetched a page at a time.
pub type ValuePager<'a> = Pin<Box<dyn Stream<Item = Result<Value>> + Send + 'a>>;

/// The REST client of the Exchange Online `InvokeCommand` gateway for one tenant.
///
/// Cheap to clone: clones share the connection pool, the token cache of the credential and the
/// concurrency limit.
#[derive(Clone)]
pub struct ExoClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) tenant: String,
    pub(crate) cloud: Cloud,
    /// `{exchange}/adminapi/{version}/{tenant}/InvokeCommand`.
    pub(crate) endpoint: Url,
    pub(crate) scope: String,
    pub(crate) credential: Arc<dyn TokenCredential>,
    pub(crate) http: reqwest::Client,
    pub(crate) semaphore: Semaphore,
    pub(crate) connection_id: HeaderValue,
    pub(crate) anchor: HeaderValue,
    pub(crate) prefer: HeaderValue,
    pub(crate) caller: String,
    pub(crate) options: ClientOptions,
}

impl fmt::Debug for ExoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("ExoClient")
            .field("tenant", &i.tenant)
            .field("cloud", &i.cloud)
            .field("endpoint", &i.endpoint.as_str())
            .field("scope", &i.scope)
            .field("credential", &i.credential)
            .field("connection_id", &i.connection_id)
            .field("options", &i.options)
            .finish_non_exhaustive()
    }
}

/// Whether a failed call may be sent again.
#[derive(Debug)]
pub(crate) enum Replay {
    /// A read (`Get-*`, `Search-*`): every retryable failure is retried.
    Idempotent,
    /// A write whose effect can be read back: after a failure whose outcome is unknown, the
    /// client reads the object and only sends the write again if the change is not there.
    Guarded(Verify),
    /// A write that cannot be checked: retried only when it certainly was not applied (a 429,
    /// a connection never made).
    Unsafe,
}

/// One cmdlet execution: its body (sent unchanged on every retry and page), its
/// `client-request-id` and what errors say about it.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) cmdlet: String,
    pub(crate) body: Vec<u8>,
    pub(crate) request_id: HeaderValue,
    pub(crate) context: CallContext,
    pub(crate) replay: Replay,
}

/// Checks `Verb-Noun`: ASCII letters, digits and `-`, with one `-` inside.
pub(crate) fn check_cmdlet(cmdlet: &str) -> Result<()> {
    let ok = !cmdlet.is_empty()
        && cmdlet
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && cmdlet
            .split_once('-')
            .is_some_and(|(v, n)| !v.is_empty() && !n.is_empty());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "cmdlet name",
            format!("{cmdlet:?} is not a Verb-Noun cmdlet name"),
        ))
    }
}

/// Reads are replayed freely; anything else only when it surely was not applied.
fn replay_for(cmdlet: &str) -> Replay {
    let verb = cmdlet.split_once('-').map_or(cmdlet, |(v, _)| v);
    if ["Get", "Search", "Test", "Export"]
        .iter()
        .any(|v| v.eq_ignore_ascii_case(verb))
    {
        Replay::Idempotent
    } else {
        Replay::Unsafe
    }
}

fn static_header(value: &'static str) -> HeaderValue {
    HeaderValue::from_static(value)
}

fn header(what: &str, value: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_input(
            what,
            format!("{value:?} cannot be sent in an HTTP header (visible ASCII only)"),
        )
    })
}

impl ExoClient {
    /// A client for `tenant` (its ID, a GUID, preferably; or its `onmicrosoft.com` domain) in
    /// `cloud`, getting tokens from `credential`.
    ///
    /// Fails with [`Error::InvalidInput`] for an empty or malformed tenant, an endpoint that is
    /// not `https` (only loopback hosts may use `http`), a page size outside 1–1000, a zero page
    /// cap or concurrency, or an anchor UPN that cannot be sent in a header.
    pub fn new(
        tenant: &str,
        cloud: Cloud,
        credential: Arc<dyn TokenCredential>,
        options: Option<ClientOptions>,
    ) -> Result<Self> {
        let options = options.unwrap_or_default();
        check_tenant(tenant)?;
        cloud.validate()?;
        if !(1..=1000).contains(&options.page_size) {
            return Err(Error::invalid_input(
                "page size",
                format!("{} is outside 1-1000", options.page_size),
            ));
        }
        if options.max_pages == 0 {
            return Err(Error::invalid_input("page cap", "must be at least 1"));
        }
        if options.concurrency == 0 {
            return Err(Error::invalid_input("concurrency", "must be at least 1"));
        }
        if options.timeout.is_zero() {
            return Err(Error::invalid_input("timeout", "must be more than zero"));
        }
        if options.api_version.is_empty()
            || !options
                .api_version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.')
        {
            return Err(Error::invalid_input(
                "API version",
                format!("{:?} is not a version path segment", options.api_version),
            ));
        }
        let exchange = cloud.exchange_url()?;
        let text = format!(
            "{}/adminapi/{}/{tenant}/InvokeCommand",
            trimmed(&exchange),
            options.api_version
        );
        let endpoint = Url::parse(&text).map_err(|e| {
            Error::invalid_input("InvokeCommand endpoint", format!("{text:?}: {e}"))
        })?;
        check_endpoint("InvokeCommand endpoint", &endpoint)?;
        let (anchor, caller) = match &options.anchor {
            Anchor::AppOnly => (
                format!("APP:{APP_ANCHOR_MAILBOX}@{tenant}"),
                format!("the application (app-only) in {tenant}"),
            ),
            Anchor::Delegated { upn } => {
                if upn.trim().is_empty() {
                    return Err(Error::invalid_input("anchor UPN", "empty"));
                }
                (format!("UPN:{upn}"), upn.clone())
            }
        };
        let anchor = header("X-AnchorMailbox", &anchor)?;
        let prefer = header(
            "Prefer",
            &format!("odata.maxpagesize={}", options.page_size),
        )?;
        let http = transport::build_http_client(&endpoint, options.timeout, options.concurrency)?;
        Ok(ExoClient {
            inner: Arc::new(Inner {
                tenant: tenant.to_owned(),
                scope: cloud.scope()?,
                cloud,
                endpoint,
                credential,
                http,
                semaphore: Semaphore::new(options.concurrency),
                connection_id: header("connection-id", &new_guid())?,
                anchor,
                prefer,
                caller,
                options,
            }),
        })
    }

    /// Who the client's calls act as: the signed-in admin of a delegated client, else the
    /// credential's identity (`app:<client id>`), else the application of the tenant.
    pub fn principal(&self) -> String {
        match &self.inner.options.anchor {
            Anchor::Delegated { upn } => upn.clone(),
            Anchor::AppOnly => self
                .inner
                .credential
                .principal()
                .unwrap_or_else(|| format!("app-only application in {}", self.inner.tenant)),
        }
    }

    /// The tenant this client serves.
    pub fn tenant(&self) -> &str {
        &self.inner.tenant
    }

    /// The cloud this client talks to.
    pub fn cloud(&self) -> &Cloud {
        &self.inner.cloud
    }

    /// The `InvokeCommand` URL.
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The options in force.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The catalog used to translate attribute names.
    pub fn catalog(&self) -> &Catalog {
        self.inner
            .options
            .catalog
            .as_deref()
            .unwrap_or_else(|| Catalog::builtin())
    }

    /// Runs any cmdlet and returns all its output objects, following every page.
    ///
    /// `parameters` are sent as given (encode values with [`crate::exo::wire::encode_value`]
    /// and [`crate::exo::wire::hashtable`]). Reads (`Get-*`, `Search-*`, `Test-*`,
    /// `Export-*`) are retried on every retryable failure; other cmdlets only when the failure
    /// shows they were not applied (a `429`, a connection that was never made), because the
    /// client cannot check their effect.
    pub async fn invoke(&self, cmdlet: &str, parameters: Map<String, Value>) -> Result<Vec<Value>> {
        let call = self.call(cmdlet, parameters, replay_for(cmdlet))?;
        self.collect(call).await
    }

    /// [`invoke`](Self::invoke) as a lazy stream of output objects: nothing is sent until it
    /// is polled, and pages are fetched one at a time.
    pub fn invoke_stream(&self, cmdlet: &str, parameters: Map<String, Value>) -> ValuePager<'_> {
        match self.call(cmdlet, parameters, replay_for(cmdlet)) {
            Ok(call) => self.values(call),
            Err(e) => Box::pin(futures_util::stream::iter([Err(e)])),
        }
    }

    /// Prepares a cmdlet execution: validates the name, serializes the body once, draws its
    /// `client-request-id`.
    pub(crate) fn call(
        &self,
        cmdlet: &str,
        parameters: Map<String, Value>,
        replay: Replay,
    ) -> Result<Call> {
        check_cmdlet(cmdlet)?;
        let identity = parameters
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Identity"))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned);
        let names: Vec<&str> = parameters
            .keys()
            .map(String::as_str)
            .filter(|k| !k.eq_ignore_ascii_case("Identity") && !k.contains('@'))
            .collect();
        let context = CallContext {
            cmdlet: cmdlet.to_owned(),
            identity,
            parameters: names.join(", "),
            caller: self.inner.caller.clone(),
        };
        let body = serde_json::to_vec(&InvokeRequest::new(cmdlet, parameters))
            .map_err(|e| Error::json(format!("the {cmdlet} request body"), e))?;
        Ok(Call {
            cmdlet: cmdlet.to_owned(),
            body,
            request_id: header("client-request-id", &new_guid())?,
            context,
            replay,
        })
    }

    fn headers(&self, call: &Call, token: &AccessToken) -> Result<HeaderMap> {
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.secret.expose()))
            .map_err(|_| Error::Auth {
                message: "the access token has characters that cannot be sent in a header"
                    .to_owned(),
            })?;
        auth.set_sensitive(true);
        let i = &self.inner;
        let mut h = HeaderMap::with_capacity(12);
        h.insert(AUTHORIZATION, auth);
        h.insert(CONTENT_TYPE, static_header("application/json"));
        h.insert(ACCEPT, static_header("application/json"));
        h.insert(
            HeaderName::from_static("accept-charset"),
            static_header("UTF-8"),
        );
        h.insert(ACCEPT_ENCODING, static_header("gzip"));
        h.insert(
            HeaderName::from_static("x-cmdletname"),
            header("X-CmdletName", &call.cmdlet)?,
        );
        h.insert(
            HeaderName::from_static("x-responseformat"),
            static_header("json"),
        );
        h.insert(HeaderName::from_static("x-anchormailbox"), i.anchor.clone());
        h.insert(HeaderName::from_static("prefer"), i.prefer.clone());
        h.insert(
            HeaderName::from_static("client-request-id"),
            call.request_id.clone(),
        );
        h.insert(
            HeaderName::from_static("connection-id"),
            i.connection_id.clone(),
        );
        h.insert(
            HeaderName::from_static("x-clientapplication"),
            static_header(transport::USER_AGENT),
        );
        Ok(h)
    }

    /// Whether `url` may receive the token: the endpoint's scheme and port, and its host or a
    /// subdomain of it (the front door's regional hosts).
    fn trusted_redirect(&self, url: &Url) -> bool {
        let base = &self.inner.endpoint;
        let (Some(host), Some(base_host)) = (url.host_str(), base.host_str()) else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let base_host = base_host.to_ascii_lowercase();
        url.scheme() == base.scheme()
            && url.port_or_known_default() == base.port_or_known_default()
            && (host == base_host || host.ends_with(&format!(".{base_host}")))
    }

    /// One attempt: a token, a permit, the POST (and up to three trusted redirects).
    async fn attempt(
        &self,
        call: &Call,
        url: &Url,
        claims: Option<&str>,
    ) -> std::result::Result<RawResponse, Failure> {
        let i = &self.inner;
        let token = i
            .credential
            .get_token(&i.scope, claims)
            .await
            .map_err(Failure::from_credential)?;
        let headers = self.headers(call, &token).map_err(Failure::fatal)?;
        let _permit = i.semaphore.acquire().await.map_err(|_| {
            Failure::fatal(Error::Transport {
                host: transport::host_of(url),
                message: "the client is shutting down".to_owned(),
            })
        })?;
        let timeout = transport::cmdlet_timeout(&call.cmdlet, i.options.timeout);
        let mut url = url.clone();
        // After a 303 the next request is a GET without the body (never a replayed POST).
        let mut body = Some(call.body.clone());
        for _ in 0..=MAX_REDIRECTS {
            let response = transport::post(&i.http, &url, headers.clone(), body.clone(), timeout)
                .await
                .map_err(Failure::from_send)?;
            if response.status == 303 {
                body = None;
            }
            if !matches!(response.status, 301 | 302 | 303 | 307 | 308) {
                return Ok(response);
            }
            let next = transport::header_str(&response.headers, LOCATION.as_str())
                .and_then(|l| url.join(l).ok());
            match next {
                Some(next) if self.trusted_redirect(&next) => url = next,
                other => {
                    return Err(Failure::fatal(Error::Http {
                        status: response.status,
                        code: None,
                        message: format!(
                            "{} redirected to {}, which is not {} or one of its subdomains: not followed",
                            call.cmdlet,
                            other
                                .as_ref()
                                .map_or_else(|| "nowhere".to_owned(), transport::host_of),
                            transport::host_of(&i.endpoint)
                        ),
                    }));
                }
            }
        }
        Err(Failure::fatal(Error::Http {
            status: 310,
            code: None,
            message: format!(
                "{} was redirected more than {MAX_REDIRECTS} times",
                call.cmdlet
            ),
        }))
    }

    /// Sends `call` to `url` until it succeeds, fails for good, or the retry policy gives up.
    ///
    /// - A `401` with a claims challenge gets a new token with those claims, once.
    /// - A retryable failure waits `max(Retry-After, backoff)` and is sent again, if the
    ///   call's [`Replay`] allows it. A guarded write whose outcome is unknown is first read
    ///   back: if the change is there, the call has succeeded and is not sent again.
    pub(crate) async fn execute(&self, call: &Call, url: &Url) -> Result<RawResponse> {
        let i = &self.inner;
        let policy = &i.options.retry;
        let mut retries: u32 = 0;
        let mut claims: Option<String> = None;
        let mut challenged = false;
        loop {
            let sent_claims = claims.take();
            let failure = match self.attempt(call, url, sent_claims.as_deref()).await {
                Ok(r) if (200..300).contains(&r.status) => return Ok(r),
                Ok(r) => {
                    if r.status == 401
                        && !challenged
                        && let Some(c) = claims_challenge(&r.headers)
                    {
                        challenged = true;
                        claims = Some(c);
                        continue;
                    }
                    errors::classify(&call.context, &r, i.options.clock.now())
                }
                Err(f) => f,
            };
            let allowed = match &call.replay {
                Replay::Idempotent | Replay::Guarded(_) => true,
                Replay::Unsafe => failure.outcome == Outcome::NotApplied,
            };
            if !failure.retryable || !allowed || retries >= policy.max_retries {
                if failure.retryable
                    && failure.outcome == Outcome::Unknown
                    && let Replay::Guarded(v) = &call.replay
                    && self.verify(v).await? == Some(true)
                {
                    return Ok(applied(url));
                }
                return Err(failure.error);
            }
            let wait = policy.delay(retries, failure.hint);
            retries += 1;
            i.options.clock.sleep(wait).await;
            if failure.outcome == Outcome::Unknown
                && let Replay::Guarded(v) = &call.replay
            {
                match self.verify(v).await? {
                    Some(true) => return Ok(applied(url)),
                    Some(false) => {}
                    // The effect cannot be read back: report the failure rather than risk
                    // applying the change twice (the workflow verifies every write).
                    None => return Err(failure.error),
                }
            }
        }
    }

    /// Reads a guarded write's object back: `Some(true)` when the change is in place,
    /// `Some(false)` when it is not, `None` when it cannot be told.
    fn verify<'a>(
        &'a self,
        v: &'a Verify,
    ) -> Pin<Box<dyn Future<Output = Result<Option<bool>>> + Send + 'a>> {
        Box::pin(super::verify::is_applied(self, v))
    }
}

/// The stand-in response of a write found applied on read-back (no output objects).
fn applied(url: &Url) -> RawResponse {
    RawResponse {
        status: 200,
        headers: HeaderMap::new(),
        body: Vec::new(),
        url: url.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdlet_names_and_replay_classes() {
        check_cmdlet("Get-Mailbox").unwrap();
        for bad in [
            "",
            "GetMailbox",
            "Get-",
            "-Mailbox",
            "Get-Mailbox; rm",
            "Get Mailbox",
        ] {
            check_cmdlet(bad).unwrap_err();
        }
        assert!(matches!(replay_for("get-mailbox"), Replay::Idempotent));
        assert!(matches!(
            replay_for("Search-AdminAuditLog"),
            Replay::Idempotent
        ));
        assert!(matches!(replay_for("Set-Mailbox"), Replay::Unsafe));
        assert!(matches!(replay_for("New-MoveRequest"), Replay::Unsafe));
    }
}
