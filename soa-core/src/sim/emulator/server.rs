//! The HTTP/1.1 server: the accept loop, one task per connection (which a fault can close
//! without a response), routing, and the headers every response carries.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{ALLOW, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use super::auth::{self, Bearer, Tokens};
use super::faults::{Bucket, FaultKind, Faults};
use super::respond::{self, Resp};
use super::stats::Stats;
use super::{EmulatorOptions, RegisteredApp};
use crate::sim::SimulatedOrg;

/// The largest request body accepted.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// What a request comes to.
pub(super) enum Outcome {
    /// Answer this.
    Respond(Resp),
    /// Close the connection without answering.
    Drop,
}

/// The parts of a request the handlers read.
#[derive(Debug, Default)]
pub(super) struct RequestInfo {
    pub(super) path: String,
    pub(super) query: Option<String>,
    pub(super) host: Option<String>,
    pub(super) authorization: Option<String>,
    pub(super) prefer: Option<String>,
}

/// Everything the emulator's tasks share.
pub(super) struct Inner {
    pub(super) org: SimulatedOrg,
    pub(super) tenant: String,
    pub(super) tenant_id: String,
    pub(super) base_url: String,
    pub(super) max_page_size: usize,
    pub(super) token_lifetime: Duration,
    pub(super) seed: u64,
    apps: RwLock<Vec<RegisteredApp>>,
    tokens: Mutex<Tokens>,
    faults: RwLock<Faults>,
    bucket: Mutex<Bucket>,
    stats: Mutex<Stats>,
    fault_sequence: AtomicU64,
    request_sequence: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A GUID-shaped string from two numbers.
pub(super) fn guid(a: u64, b: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// A tenant id derived from the tenant's domain, stable across runs.
pub(super) fn derived_tenant_id(tenant: &str) -> String {
    let h = tenant
        .to_ascii_lowercase()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    guid(splitmix(h), splitmix(h ^ 0x5555))
}

impl Inner {
    pub(super) fn new(org: SimulatedOrg, options: EmulatorOptions, base_url: String) -> Self {
        let tenant = org.tenant();
        let tenant_id = options
            .tenant_id
            .clone()
            .unwrap_or_else(|| derived_tenant_id(&tenant));
        Inner {
            tenant,
            tenant_id,
            base_url,
            max_page_size: options.max_page_size.clamp(1, 1000),
            token_lifetime: options.token_lifetime,
            seed: options.seed,
            apps: RwLock::new(options.apps),
            tokens: Mutex::new(Tokens::new(options.seed)),
            bucket: Mutex::new(Bucket::new(options.faults.throttle)),
            faults: RwLock::new(options.faults),
            stats: Mutex::new(Stats::default()),
            fault_sequence: AtomicU64::new(0),
            request_sequence: AtomicU64::new(0),
            org,
        }
    }

    pub(super) fn stats<R>(&self, f: impl FnOnce(&mut Stats) -> R) -> R {
        f(&mut lock(&self.stats))
    }

    pub(super) fn faults(&self) -> Faults {
        self.faults
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(super) fn set_faults(&self, faults: Faults) {
        lock(&self.bucket).reconfigure(faults.throttle);
        *self.faults.write().unwrap_or_else(PoisonError::into_inner) = faults;
    }

    pub(super) fn take_throttle_token(&self, now: Instant) -> Result<(), f64> {
        lock(&self.bucket).take(now)
    }

    pub(super) fn next_fault_sequence(&self) -> u64 {
        self.fault_sequence.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(super) fn apps(&self) -> Vec<RegisteredApp> {
        self.apps
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(super) fn add_app(&self, app: RegisteredApp) {
        let mut apps = self.apps.write().unwrap_or_else(PoisonError::into_inner);
        apps.retain(|a| !a.client_id.eq_ignore_ascii_case(&app.client_id));
        apps.push(app);
    }

    pub(super) fn issue_token(&self, principal: &str, claims: bool) -> String {
        let token = lock(&self.tokens).issue(principal, self.token_lifetime, claims);
        self.stats(|s| s.tokens_issued += 1);
        token
    }

    pub(super) fn revoke_tokens(&self) {
        lock(&self.tokens).revoke_all();
    }

    pub(super) fn check_token(&self, token: &str, challenge: bool) -> Bearer {
        lock(&self.tokens).check(token, challenge)
    }

    /// Whether `tenant` (a path segment) names this tenant: its domain or its id.
    pub(super) fn is_tenant(&self, tenant: &str) -> bool {
        tenant.eq_ignore_ascii_case(&self.tenant) || tenant.eq_ignore_ascii_case(&self.tenant_id)
    }

    fn request_id(&self) -> String {
        let n = self.request_sequence.fetch_add(1, Ordering::Relaxed) + 1;
        guid(splitmix(self.seed ^ 0xA5A5), splitmix(n))
    }

    fn token_endpoint(&self, tenant: &str, body: &[u8]) -> Resp {
        self.stats(|s| s.token_requests += 1);
        if !self.is_tenant(tenant) {
            return auth::unknown_tenant(tenant);
        }
        match auth::grant(body, &self.apps()) {
            Ok(g) => {
                let token = self.issue_token(&g.principal, g.claims);
                auth::token_response(&token, self.token_lifetime)
            }
            Err(e) => e.response(),
        }
    }
}

fn method_not_allowed(allow: &'static str, text: &str) -> Resp {
    let mut r = respond::envelope(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        text,
        None,
        None,
    );
    r.headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    r
}

/// Reads the body, or the answer when it cannot be read.
async fn read_body(body: Incoming) -> Result<Bytes, Resp> {
    let too_large = || {
        respond::envelope(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            &format!("The request body is larger than {MAX_BODY} bytes."),
            None,
            None,
        )
    };
    // A declared Content-Length over the limit is refused before anything is read.
    if usize::try_from(hyper::body::Body::size_hint(&body).lower()).map_or(true, |n| n > MAX_BODY) {
        return Err(too_large());
    }
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(respond::envelope(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("The request body could not be read: {e}"),
            None,
            None,
        )),
    }
}

fn header(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn route(inner: &Inner, req: Request<Incoming>) -> Outcome {
    let info = RequestInfo {
        path: req.uri().path().to_owned(),
        query: req.uri().query().map(str::to_owned),
        host: header(&req, "host"),
        authorization: header(&req, "authorization"),
        prefer: header(&req, "prefer"),
    };
    let post = req.method() == Method::POST;
    let segments: Vec<String> = info
        .path
        .trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect();
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    match segments.as_slice() {
        [api, version, tenant, command] if eq(api, "adminapi") && eq(command, "InvokeCommand") => {
            if !eq(version, "beta") {
                return Outcome::Respond(method_not_allowed(
                    "POST",
                    "InvokeCommand is served under /adminapi/beta only.",
                ));
            }
            if !post {
                return Outcome::Respond(method_not_allowed(
                    "POST",
                    "InvokeCommand takes POST (a nextLink too: POST the same body).",
                ));
            }
            let tenant = tenant.clone();
            match read_body(req.into_body()).await {
                Ok(body) => inner.invoke(&info, &tenant, &body).await,
                Err(r) => Outcome::Respond(r),
            }
        }
        [tenant, oauth, v2, token]
            if eq(oauth, "oauth2") && eq(v2, "v2.0") && eq(token, "token") =>
        {
            if !post {
                return Outcome::Respond(method_not_allowed(
                    "POST",
                    "The token endpoint takes POST.",
                ));
            }
            let tenant = tenant.clone();
            match read_body(req.into_body()).await {
                Ok(body) => Outcome::Respond(inner.token_endpoint(&tenant, &body)),
                Err(r) => Outcome::Respond(r),
            }
        }
        _ => Outcome::Respond(respond::envelope(
            StatusCode::NOT_FOUND,
            "NotFound",
            "No such endpoint. The emulator serves POST /adminapi/beta/{tenant}/InvokeCommand and POST /{tenant}/oauth2/v2.0/token.",
            None,
            None,
        )),
    }
}

/// Handles one request: latency, routing, and the common response headers.
async fn handle(inner: &Inner, req: Request<Incoming>) -> Outcome {
    inner.stats(|s| s.requests += 1);
    let latency = inner.faults().latency;
    if !latency.is_zero() {
        inner.stats(|s| s.count_fault(FaultKind::Latency));
        tokio::time::sleep(latency).await;
    }
    let client_request_id = req.headers().get("client-request-id").cloned();
    match route(inner, req).await {
        Outcome::Drop => Outcome::Drop,
        Outcome::Respond(mut r) => {
            let headers = r.headers_mut();
            headers.insert(
                HeaderName::from_static("request-id"),
                respond::header_value(&inner.request_id()),
            );
            if let Some(id) = client_request_id {
                headers.insert(HeaderName::from_static("client-request-id"), id);
            }
            let status = r.status().as_u16();
            inner.stats(|s| *s.by_status.entry(status).or_default() += 1);
            Outcome::Respond(r)
        }
    }
}

/// Serves one connection until it ends, a fault closes it, or the emulator stops.
async fn connection(stream: TcpStream, inner: Arc<Inner>, mut stop: watch::Receiver<bool>) {
    if *stop.borrow() {
        return;
    }
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = Arc::clone(&kill);
        service_fn(move |req| {
            let inner = Arc::clone(&inner);
            let kill = Arc::clone(&kill);
            async move {
                match handle(&inner, req).await {
                    Outcome::Respond(r) => Ok::<Response<Full<Bytes>>, Infallible>(r),
                    Outcome::Drop => {
                        // The connection task drops the connection (and this future with it).
                        kill.notify_one();
                        std::future::pending().await
                    }
                }
            }
        })
    };
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        () = kill.notified() => {}
        _ = stop.changed() => {}
    }
}

/// Accepts connections until told to stop; then closes the listener and every connection.
/// `done` is dropped when everything is closed.
pub(super) async fn serve(
    listener: TcpListener,
    inner: Arc<Inner>,
    mut stop: watch::Receiver<bool>,
    done: std::sync::mpsc::Sender<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, Arc::clone(&inner), stop.clone()));
                }
                // Out of file descriptors or the like: breathe, then go on.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    drop(done);
}
