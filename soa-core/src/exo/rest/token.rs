//! Access tokens: the cache every credential keeps, and the Entra ID token endpoint.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use url::Url;

use super::Secret;

/// The largest token endpoint answer read: a token response is a few kilobytes.
const MAX_TOKEN_RESPONSE_BYTES: usize = 1024 * 1024;
use super::retry::{Clock, parse_retry_after};
use super::transport;
use crate::{Error, Result};

/// An access token and when it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessToken {
    /// The bearer token.
    pub secret: Secret,
    /// When the token stops being accepted.
    pub expires_at: DateTime<Utc>,
}

impl AccessToken {
    /// A token that expires at `expires_at`.
    pub fn new(secret: impl Into<Secret>, expires_at: DateTime<Utc>) -> Self {
        AccessToken {
            secret: secret.into(),
            expires_at,
        }
    }
}

/// Tokens by scope, refreshed a margin before they expire. One refresh at a time: callers that
/// arrive while a token is being fetched wait for it instead of fetching their own.
pub(crate) struct TokenCache {
    tokens: tokio::sync::Mutex<HashMap<String, Cached>>,
    margin: Duration,
}

struct Cached {
    token: AccessToken,
    refresh_at: DateTime<Utc>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("refresh_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(margin: Duration) -> Self {
        TokenCache {
            tokens: tokio::sync::Mutex::new(HashMap::new()),
            margin,
        }
    }

    /// The cached token for `scope` while it is fresh, else a new one from `fetch`. A claims
    /// challenge (`claims` given) always fetches.
    pub(crate) async fn get<F, Fut>(
        &self,
        scope: &str,
        claims: Option<&str>,
        now: DateTime<Utc>,
        fetch: F,
    ) -> Result<AccessToken>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken>>,
    {
        let mut tokens = self.tokens.lock().await;
        if claims.is_none()
            && let Some(c) = tokens.get(scope)
            && now < c.refresh_at
        {
            return Ok(c.token.clone());
        }
        let token = fetch().await?;
        // Refresh `margin` before expiry, or half-way through a token that lives less than
        // twice the margin.
        let lifetime = token.expires_at - now;
        let margin = TimeDelta::from_std(self.margin)
            .unwrap_or(TimeDelta::MAX)
            .min(lifetime / 2);
        tokens.insert(
            scope.to_owned(),
            Cached {
                token: token.clone(),
                refresh_at: token.expires_at - margin,
            },
        );
        Ok(token)
    }
}

/// The OAuth 2.0 token endpoint of a tenant (`{authority}/{tenant}/oauth2/v2.0/token`).
pub(crate) struct TokenEndpoint {
    pub(crate) url: Url,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenEndpoint")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<NumberOrText>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(f64),
    Text(String),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenError {
    error: String,
    error_description: String,
}

/// Attempts at the token endpoint (one plus two retries on 429, 5xx and connection failures).
const TOKEN_ATTEMPTS: u32 = 3;

impl TokenEndpoint {
    pub(crate) fn new(url: Url, timeout: Duration, clock: Arc<dyn Clock>) -> Result<Self> {
        let http = transport::build_http_client(&url, timeout, 2)?;
        Ok(TokenEndpoint { url, http, clock })
    }

    /// POSTs the form and reads the token. The form holds the secret or the assertion; it is
    /// never logged and never part of an error.
    pub(crate) async fn request(&self, form: &[(&str, &str)]) -> Result<AccessToken> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let host = transport::host_of(&self.url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = self
                .http
                .post(self.url.clone())
                .header(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                )
                .header(ACCEPT, HeaderValue::from_static("application/json"))
                .body(body.clone())
                .send()
                .await;
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    let again = attempt < TOKEN_ATTEMPTS && (e.is_connect() || e.is_timeout());
                    let err = transport::transport_error(&host, e);
                    if again {
                        self.clock
                            .sleep(Duration::from_secs(u64::from(attempt)))
                            .await;
                        continue;
                    }
                    return Err(err);
                }
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let bytes =
                transport::read_body_limited(response, &host, MAX_TOKEN_RESPONSE_BYTES).await?;
            let bytes = transport::decode_body(&bytes);
            if (status == 429 || status >= 500) && attempt < TOKEN_ATTEMPTS {
                let hint = parse_retry_after(
                    transport::header_str(&headers, "retry-after"),
                    None,
                    self.clock.now(),
                );
                let wait = hint
                    .unwrap_or(Duration::from_secs(u64::from(attempt)))
                    .min(Duration::from_secs(60));
                self.clock.sleep(wait).await;
                continue;
            }
            return self.read(status, &bytes);
        }
    }

    fn read(&self, status: u16, body: &[u8]) -> Result<AccessToken> {
        if !(200..300).contains(&status) {
            let e: TokenError = serde_json::from_slice(body).unwrap_or_default();
            let what = if e.error.is_empty() {
                String::new()
            } else {
                format!(" {}", e.error)
            };
            // A body that is not an OAuth error response is not echoed: a misconfigured proxy or
            // endpoint may answer with anything, the request's secrets included.
            let description = if e.error_description.is_empty() {
                format!(
                    "an answer that is not an OAuth error response ({} bytes, not shown)",
                    transport::meaningful(body).len()
                )
            } else {
                e.error_description.lines().next().unwrap_or("").to_owned()
            };
            return Err(Error::Auth {
                message: format!(
                    "the token endpoint {} answered HTTP {status}{what}: {description}",
                    transport::host_of(&self.url)
                ),
            });
        }
        let t: TokenResponse = serde_json::from_slice(body).map_err(|e| Error::Auth {
            message: format!(
                "the token endpoint {} answered without a readable token: {e}",
                transport::host_of(&self.url)
            ),
        })?;
        if t.access_token.is_empty() {
            return Err(Error::Auth {
                message: "the token endpoint answered with an empty access_token".to_owned(),
            });
        }
        let secs = match t.expires_in {
            Some(NumberOrText::Number(n)) => n,
            Some(NumberOrText::Text(s)) => s.trim().parse().unwrap_or(3600.0),
            None => 3600.0,
        };
        let secs = if secs.is_finite() && secs > 0.0 {
            secs.min(86_400.0 * 365.0)
        } else {
            0.0
        };
        #[allow(clippy::cast_possible_truncation)]
        let expires_at = self.clock.now() + TimeDelta::milliseconds((secs * 1000.0) as i64);
        Ok(AccessToken::new(t.access_token, expires_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn cache_refreshes_before_expiry_and_on_claims() {
        let cache = TokenCache::new(Duration::from_secs(300));
        let now = at("2026-11-27T10:00:00Z");
        let t1 = AccessToken::new("one", now + TimeDelta::hours(1));
        let got = cache
            .get("s", None, now, || async { Ok(t1.clone()) })
            .await
            .unwrap();
        assert_eq!(got.secret.expose(), "one");
        // Still fresh 50 minutes later: no fetch.
        let got = cache
            .get("s", None, now + TimeDelta::minutes(50), || async {
                panic!("fetched a fresh token")
            })
            .await
            .unwrap();
        assert_eq!(got.secret.expose(), "one");
        // Within the 5-minute margin: fetched again.
        let t2 = AccessToken::new("two", now + TimeDelta::hours(2));
        let got = cache
            .get("s", None, now + TimeDelta::minutes(56), || async {
                Ok(t2.clone())
            })
            .await
            .unwrap();
        assert_eq!(got.secret.expose(), "two");
        // A claims challenge always fetches.
        let t3 = AccessToken::new("three", now + TimeDelta::hours(2));
        let got = cache
            .get("s", Some("{}"), now, || async { Ok(t3.clone()) })
            .await
            .unwrap();
        assert_eq!(got.secret.expose(), "three");
    }

    #[tokio::test]
    async fn short_lived_tokens_refresh_half_way() {
        let cache = TokenCache::new(Duration::from_secs(300));
        let now = at("2026-11-27T10:00:00Z");
        let t = AccessToken::new("short", now + TimeDelta::seconds(60));
        cache
            .get("s", None, now, || async { Ok(t.clone()) })
            .await
            .unwrap();
        cache
            .get("s", None, now + TimeDelta::seconds(20), || async {
                panic!("fetched a fresh token")
            })
            .await
            .unwrap();
        let t2 = AccessToken::new("again", now + TimeDelta::seconds(120));
        let got = cache
            .get("s", None, now + TimeDelta::seconds(31), || async {
                Ok(t2.clone())
            })
            .await
            .unwrap();
        assert_eq!(got.secret.expose(), "again");
    }
}
