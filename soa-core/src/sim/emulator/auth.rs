//! The token endpoint (`POST /{tenant}/oauth2/v2.0/token`, client credentials) and the
//! access tokens it issues.
//!
//! Tokens are opaque random strings (not JWTs) mapped to a principal and an expiry in real
//! time. A client assertion is accepted when it is a well-formed JWT (three base64url parts,
//! JSON header and claims) whose `iss` and `sub` are a registered client id, whose `aud` ends
//! with `/oauth2/v2.0/token`, and whose `exp`, if present, is in the future. **Its signature is
//! not checked**: the emulator has no certificates, and it serves loopback tests only.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hyper::StatusCode;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::RegisteredApp;
use super::respond::{self, Resp};

/// The client assertion type of a certificate credential.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// One issued token.
#[derive(Debug)]
struct Issued {
    principal: Arc<str>,
    expires: Instant,
    /// Requested with a `claims` parameter: never challenged.
    claims_satisfied: bool,
    /// Already answered with a claims challenge once.
    challenged: bool,
}

/// The tokens the emulator issued.
#[derive(Debug)]
pub(super) struct Tokens {
    issued: HashMap<String, Issued>,
    rng: ChaCha8Rng,
}

/// What a bearer token says.
pub(super) enum Bearer {
    /// Valid, for this principal.
    Valid(Arc<str>),
    /// Valid, but the claims challenge is due.
    Challenge,
    /// Missing, unknown or expired.
    Invalid,
}

impl Tokens {
    pub(super) fn new(seed: u64) -> Self {
        // Tokens need not be reproducible, only unguessable across runs.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // Keeping the low 64 bits of the nanoseconds is the point.
        #[allow(clippy::cast_possible_truncation)]
        let entropy = now as u64 ^ u64::from(std::process::id()).rotate_left(32);
        Tokens {
            issued: HashMap::new(),
            rng: ChaCha8Rng::seed_from_u64(seed.rotate_left(17) ^ entropy),
        }
    }

    /// A new token for `principal`, valid for `lifetime`.
    pub(super) fn issue(
        &mut self,
        principal: &str,
        lifetime: Duration,
        claims_satisfied: bool,
    ) -> String {
        let now = Instant::now();
        self.issued.retain(|_, t| t.expires > now);
        let bytes: [u8; 32] = self.rng.random();
        let token = URL_SAFE_NO_PAD.encode(bytes);
        self.issued.insert(
            token.clone(),
            Issued {
                principal: principal.into(),
                expires: now + lifetime,
                claims_satisfied,
                challenged: false,
            },
        );
        token
    }

    /// Makes every token issued so far invalid.
    pub(super) fn revoke_all(&mut self) {
        self.issued.clear();
    }

    /// Checks a token; with `challenge`, the first use of a token not requested with claims is
    /// answered with a claims challenge.
    pub(super) fn check(&mut self, token: &str, challenge: bool) -> Bearer {
        let now = Instant::now();
        match self.issued.get_mut(token) {
            Some(t) if t.expires > now => {
                if challenge && !t.claims_satisfied && !t.challenged {
                    t.challenged = true;
                    Bearer::Challenge
                } else {
                    Bearer::Valid(Arc::clone(&t.principal))
                }
            }
            _ => Bearer::Invalid,
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub(super) fn bearer(header: Option<&str>) -> Option<&str> {
    let h = header?.trim();
    let (scheme, token) = h.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("Bearer") && !token.is_empty()).then_some(token)
}

/// `401` for a missing or invalid token.
pub(super) fn unauthorized(authorization_uri: &str, had_token: bool) -> Resp {
    let (challenge, message) = if had_token {
        (
            format!(
                "Bearer authorization_uri=\"{authorization_uri}\", error=\"invalid_token\", error_description=\"The access token is invalid or has expired.\""
            ),
            "The access token is invalid or has expired.",
        )
    } else {
        (
            format!("Bearer authorization_uri=\"{authorization_uri}\""),
            "The request has no bearer token (Authorization: Bearer <token>).",
        )
    };
    let r = respond::envelope(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        message,
        None,
        None,
    );
    respond::with_header(r, "www-authenticate", &challenge)
}

/// `401` with a claims challenge (continuous access evaluation).
pub(super) fn claims_challenge(authorization_uri: &str) -> Resp {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let claims = json!({"access_token": {"nbf": {"essential": true, "value": now.to_string()}}});
    let encoded = STANDARD.encode(claims.to_string());
    let r = respond::envelope(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "Continuous access evaluation resulted in a claims challenge; acquire a new token with these claims.",
        None,
        None,
    );
    respond::with_header(
        r,
        "www-authenticate",
        &format!(
            "Bearer realm=\"\", authorization_uri=\"{authorization_uri}\", error=\"insufficient_claims\", claims=\"{encoded}\""
        ),
    )
}

/// An Entra-style OAuth error: `{"error":..., "error_description":"AADSTSn: ...", ...}`.
#[derive(Debug)]
pub(super) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    text: String,
}

impl OAuthError {
    /// The answer.
    pub(super) fn response(&self) -> Resp {
        let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
        respond::json(
            self.status,
            &json!({
                "error": self.error,
                "error_description": format!("AADSTS{}: {} (Exchange Online emulator)", self.code, self.text),
                "error_codes": [self.code],
                "timestamp": now,
                "trace_id": "00000000-0000-0000-0000-000000000000",
                "correlation_id": "00000000-0000-0000-0000-000000000000",
            }),
        )
    }
}

fn oauth_error(status: StatusCode, error: &'static str, code: u32, text: &str) -> OAuthError {
    OAuthError {
        status,
        error,
        code,
        text: text.to_owned(),
    }
}

/// What a valid token request asks for.
pub(super) struct Grant {
    /// The app's principal.
    pub(super) principal: String,
    /// Whether the request carried `claims`.
    pub(super) claims: bool,
}

fn time_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn decode_part(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v.is_object().then_some(v)
}

/// The client id a client assertion speaks for, or the OAuth error to answer.
fn assertion_client(assertion: &str, apps: &[RegisteredApp]) -> Result<String, OAuthError> {
    let malformed = || {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50027,
            "JWT token is invalid or malformed.",
        )
    };
    let parts: Vec<&str> = assertion.trim().split('.').collect();
    let [header, claims, _signature] = parts.as_slice() else {
        return Err(malformed());
    };
    let header = decode_part(header).ok_or_else(malformed)?;
    if !header.get("alg").is_some_and(Value::is_string) {
        return Err(malformed());
    }
    let claims = decode_part(claims).ok_or_else(malformed)?;
    let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_owned);
    let (Some(iss), Some(sub)) = (text("iss"), text("sub")) else {
        return Err(malformed());
    };
    if iss != sub || !apps.iter().any(|a| a.client_id.eq_ignore_ascii_case(&iss)) {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            &format!(
                "Application with identifier '{iss}' was not found in the directory (the assertion's iss and sub must both be a registered client id)."
            ),
        ));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a.ends_with("/oauth2/v2.0/token"),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .any(|a| a.ends_with("/oauth2/v2.0/token")),
        _ => false,
    };
    if !aud_ok {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700_212,
            "The client assertion's audience (aud) is not the token endpoint.",
        ));
    }
    if let Some(exp) = claims.get("exp") {
        let expired = exp.as_u64().is_none_or(|e| e <= time_now());
        if expired {
            return Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                700_024,
                "Client assertion is not within its valid time range.",
            ));
        }
    }
    Ok(iss)
}

/// Checks `grant_type` and `scope`.
fn check_grant_type_and_scope(field: impl Fn(&str) -> Option<String>) -> Result<(), OAuthError> {
    match field("grant_type").as_deref() {
        Some("client_credentials") => {}
        Some(other) => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                70003,
                &format!(
                    "The app requested an unsupported grant type '{other}' (the emulator issues client_credentials only; use Emulator::issue_token for delegated tokens)."
                ),
            ));
        }
        None => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900_144,
                "The request body must contain the following parameter: 'grant_type'.",
            ));
        }
    }
    match field("scope") {
        None => Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90014,
            "The required field 'scope' is missing from the credential.",
        )),
        Some(scope) if !scope.split(' ').any(|s| s.ends_with("/.default")) => Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1_002_012,
            &format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier."
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// The client id of a request authenticated with a client secret.
fn secret_client(
    field: impl Fn(&str) -> Option<String>,
    apps: &[RegisteredApp],
) -> Result<String, OAuthError> {
    let Some(id) = field("client_id") else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900_144,
            "The request body must contain the following parameter: 'client_id'.",
        ));
    };
    let Some(app) = apps.iter().find(|a| a.client_id.eq_ignore_ascii_case(&id)) else {
        return Err(unknown_client(&id));
    };
    let Some(given) = field("client_secret") else {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7_000_218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    };
    let valid = app
        .secret
        .as_deref()
        .is_some_and(|s| constant_time_eq(s.as_bytes(), given.as_bytes()));
    if valid {
        Ok(id)
    } else {
        Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7_000_215,
            &format!("Invalid client secret provided for app '{id}'."),
        ))
    }
}

/// Checks a client-credentials token request (`application/x-www-form-urlencoded`).
pub(super) fn grant(body: &[u8], apps: &[RegisteredApp]) -> Result<Grant, OAuthError> {
    let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
    let field = |k: &str| form.get(k).filter(|v| !v.is_empty()).cloned();
    check_grant_type_and_scope(field)?;
    let client_id = if let Some(assertion) = field("client_assertion") {
        if field("client_assertion_type").as_deref() != Some(JWT_BEARER) {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                50027,
                &format!("client_assertion_type must be {JWT_BEARER}."),
            ));
        }
        let id = assertion_client(&assertion, apps)?;
        if field("client_id").is_some_and(|c| !c.eq_ignore_ascii_case(&id)) {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                700_021,
                "The client_id does not match the client assertion's issuer.",
            ));
        }
        id
    } else {
        secret_client(field, apps)?
    };
    let Some(app) = apps
        .iter()
        .find(|a| a.client_id.eq_ignore_ascii_case(&client_id))
    else {
        return Err(unknown_client(&client_id));
    };
    Ok(Grant {
        principal: app.principal.clone(),
        claims: field("claims").is_some(),
    })
}

fn unknown_client(id: &str) -> OAuthError {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
        700_016,
        &format!("Application with identifier '{id}' was not found in the directory."),
    )
}

/// `400` for a tenant the emulator does not serve.
pub(super) fn unknown_tenant(tenant: &str) -> Resp {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        90002,
        &format!("Tenant '{tenant}' not found."),
    )
    .response()
}

/// The success answer.
pub(super) fn token_response(token: &str, lifetime: Duration) -> Resp {
    let secs = lifetime.as_secs();
    respond::json(
        StatusCode::OK,
        &json!({
            "token_type": "Bearer",
            "expires_in": secs,
            "ext_expires_in": secs,
            "access_token": token,
        }),
    )
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> RegisteredApp {
        RegisteredApp::with_secret("11111111-2222-3333-4444-555555555555", "s3cret", "app@x")
    }

    fn jwt(claims: &Value) -> String {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"PS256","typ":"JWT"}"#);
        let c = URL_SAFE_NO_PAD.encode(claims.to_string());
        format!("{h}.{c}.c2ln")
    }

    #[test]
    fn secrets_and_assertions() {
        let apps = [app()];
        let ok = grant(
            b"grant_type=client_credentials&client_id=11111111-2222-3333-4444-555555555555&client_secret=s3cret&scope=http%3A%2F%2F127.0.0.1%2F.default",
            &apps,
        );
        assert_eq!(ok.ok().map(|g| g.principal).as_deref(), Some("app@x"));
        let bad = grant(
            b"grant_type=client_credentials&client_id=11111111-2222-3333-4444-555555555555&client_secret=nope&scope=x/.default",
            &apps,
        );
        assert_eq!(bad.err().map(|e| e.status), Some(StatusCode::UNAUTHORIZED));
        let id = "11111111-2222-3333-4444-555555555555";
        let a = jwt(
            &json!({"iss": id, "sub": id, "aud": "http://h/t/oauth2/v2.0/token", "exp": time_now() + 300}),
        );
        let body = format!(
            "grant_type=client_credentials&scope=x/.default&client_assertion_type={}&client_assertion={a}",
            JWT_BEARER.replace(':', "%3A")
        );
        assert!(grant(body.as_bytes(), &apps).is_ok());
        let wrong_aud = jwt(&json!({"iss": id, "sub": id, "aud": "http://h/other"}));
        assert!(assertion_client(&wrong_aud, &apps).is_err());
        let expired = jwt(&json!({"iss": id, "sub": id, "aud": "x/oauth2/v2.0/token", "exp": 1}));
        assert!(assertion_client(&expired, &apps).is_err());
        assert!(assertion_client("a.b", &apps).is_err());
        assert!(assertion_client("!!.??.x", &apps).is_err());
    }

    #[test]
    fn tokens_expire_and_challenge_once() {
        let mut t = Tokens::new(1);
        let a = t.issue("p", Duration::from_secs(60), false);
        assert!(matches!(t.check(&a, true), Bearer::Challenge));
        assert!(matches!(t.check(&a, true), Bearer::Valid(_)));
        let b = t.issue("p", Duration::from_secs(60), true);
        assert!(matches!(t.check(&b, true), Bearer::Valid(_)));
        let c = t.issue("p", Duration::ZERO, false);
        assert!(matches!(t.check(&c, false), Bearer::Invalid));
        assert_eq!(bearer(Some("bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(None), None);
    }
}
