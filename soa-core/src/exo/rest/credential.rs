//! Credentials: where the client gets its access tokens from.
//!
//! [`TokenCredential`] is the seam (as in the Azure SDK). Three implementations:
//!
//! - [`ClientSecretCredential`]: an app registration's client secret (client credentials grant);
//! - [`ClientCertificateCredential`]: an app registration's certificate, as a signed JWT client
//!   assertion (`PS256` by default, `x5t#S256` thumbprint);
//! - [`StaticTokenCredential`]: a token the caller obtained some other way (delegated sign-in,
//!   a managed identity, a test).
//!
//! The first two cache tokens per scope and fetch a new one a margin before expiry (5 minutes
//! by default, or half-way through a token that lives less than 10 minutes). A call with
//! `claims` (from a continuous access evaluation challenge) always fetches a new token and sends
//! the claims to the token endpoint.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use url::Url;

use super::cloud::{Cloud, check_tenant};
use super::guid::new_guid;
use super::retry::{Clock, SystemClock};
use super::token::{TokenCache, TokenEndpoint};
use super::{AccessToken, Secret};
use crate::{Error, Result};

/// A source of access tokens.
#[async_trait]
pub trait TokenCredential: Send + Sync + fmt::Debug {
    /// A token for `scope` (`https://outlook.office365.com/.default`).
    ///
    /// `claims` is the JSON of a claims challenge (decoded from the `claims="..."` of a `401`'s
    /// `WWW-Authenticate`): the credential must then get a new token satisfying those claims
    /// rather than return a cached one.
    async fn get_token(&self, scope: &str, claims: Option<&str>) -> Result<AccessToken>;

    /// Who the tokens of this credential stand for, when the credential knows it: the
    /// application's client ID for the client-credentials flows. A session records it as its
    /// default actor.
    fn principal(&self) -> Option<String> {
        None
    }
}

/// Options of [`ClientSecretCredential`] and [`ClientCertificateCredential`].
#[derive(Debug, Clone)]
pub struct CredentialOptions {
    /// The cloud whose Entra ID authority issues the tokens (default: Commercial).
    pub cloud: Cloud,
    /// How long before expiry a cached token is replaced (default 5 minutes).
    pub refresh_margin: Duration,
    /// The timeout of a token request (default 60 s).
    pub timeout: Duration,
    /// The clock: token expiry, assertion timestamps, waits between token request retries.
    pub clock: Arc<dyn Clock>,
}

impl Default for CredentialOptions {
    fn default() -> Self {
        CredentialOptions {
            cloud: Cloud::Commercial,
            refresh_margin: Duration::from_secs(300),
            timeout: Duration::from_secs(60),
            clock: Arc::new(SystemClock),
        }
    }
}

impl CredentialOptions {
    /// The default options for `cloud`.
    pub fn for_cloud(cloud: Cloud) -> Self {
        CredentialOptions {
            cloud,
            ..CredentialOptions::default()
        }
    }
}

/// What every app credential shares: tenant, client id, token endpoint, cache.
struct AppCredential {
    tenant: String,
    client_id: String,
    endpoint: TokenEndpoint,
    cache: TokenCache,
    clock: Arc<dyn Clock>,
}

impl AppCredential {
    fn new(tenant: &str, client_id: &str, options: Option<CredentialOptions>) -> Result<Self> {
        let options = options.unwrap_or_default();
        check_tenant(tenant)?;
        if client_id.trim().is_empty() {
            return Err(Error::invalid_input(
                "client id",
                "empty: give the application (client) ID of the app registration",
            ));
        }
        if client_id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Error::invalid_input(
                "client id",
                format!("{client_id:?} contains whitespace"),
            ));
        }
        options.cloud.validate()?;
        let url = options.cloud.token_endpoint(tenant)?;
        Ok(AppCredential {
            tenant: tenant.to_owned(),
            client_id: client_id.to_owned(),
            endpoint: TokenEndpoint::new(url, options.timeout, options.clock.clone())?,
            cache: TokenCache::new(options.refresh_margin),
            clock: options.clock,
        })
    }

    fn token_url(&self) -> &Url {
        &self.endpoint.url
    }

    /// A token from the cache, or from the endpoint with the form `extra` adds to.
    async fn get(
        &self,
        scope: &str,
        claims: Option<&str>,
        extra: impl FnOnce() -> Result<Vec<(&'static str, Secret)>>,
    ) -> Result<AccessToken> {
        if scope.trim().is_empty() {
            return Err(Error::invalid_input("token scope", "empty"));
        }
        let now = self.clock.now();
        self.cache
            .get(scope, claims, now, || async move {
                let extra = extra()?;
                let mut form: Vec<(&str, &str)> = vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", self.client_id.as_str()),
                    ("scope", scope),
                ];
                form.extend(extra.iter().map(|(k, v)| (*k, v.expose())));
                if let Some(c) = claims {
                    form.push(("claims", c));
                }
                self.endpoint.request(&form).await
            })
            .await
    }
}

/// An app registration's client secret (OAuth 2.0 client credentials grant).
pub struct ClientSecretCredential {
    app: AppCredential,
    secret: Secret,
}

impl ClientSecretCredential {
    /// A credential for `client_id` in `tenant` (the tenant ID or its domain) with `secret`.
    pub fn new(
        tenant: &str,
        client_id: &str,
        secret: Secret,
        options: Option<CredentialOptions>,
    ) -> Result<Self> {
        if secret.is_empty() {
            return Err(Error::invalid_input("client secret", "empty"));
        }
        Ok(ClientSecretCredential {
            app: AppCredential::new(tenant, client_id, options)?,
            secret,
        })
    }
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("tenant", &self.app.tenant)
            .field("client_id", &self.app.client_id)
            .field("token_endpoint", &self.app.token_url().as_str())
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenCredential for ClientSecretCredential {
    fn principal(&self) -> Option<String> {
        Some(format!("app:{}", self.app.client_id))
    }

    async fn get_token(&self, scope: &str, claims: Option<&str>) -> Result<AccessToken> {
        self.app
            .get(scope, claims, || {
                Ok(vec![("client_secret", self.secret.clone())])
            })
            .await
    }
}

/// The signature algorithm of a certificate credential's client assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssertionAlgorithm {
    /// RSASSA-PSS with SHA-256, as Microsoft's current documentation shows (the default).
    #[default]
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, as older documentation shows. The assertion then also
    /// carries the SHA-1 thumbprint (`x5t`) that those versions use.
    Rs256,
}

/// An app registration's certificate: each token request carries a JWT client assertion signed
/// with the certificate's private key.
///
/// The assertion's header is `{"alg":"PS256","typ":"JWT","x5t#S256":<base64url SHA-256 of the
/// certificate's DER>}`; its claims are `aud` (the token endpoint), `iss` = `sub` (the client
/// id), `jti` (a new GUID), `nbf` and `iat` (now) and `exp` (now + 5 minutes).
pub struct ClientCertificateCredential {
    app: AppCredential,
    key: EncodingKey,
    algorithm: AssertionAlgorithm,
    thumbprint_sha256: String,
    thumbprint_sha1: String,
}

/// How long an assertion is valid.
const ASSERTION_LIFETIME: TimeDelta = TimeDelta::minutes(5);

#[derive(Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: i64,
    iat: i64,
    exp: i64,
}

impl ClientCertificateCredential {
    /// A credential for `client_id` in `tenant` from a PEM private key (PKCS#8 `PRIVATE KEY`
    /// or PKCS#1 `RSA PRIVATE KEY`, unencrypted, RSA) and a PEM certificate (the first
    /// `CERTIFICATE` block is the app's). Both may come from one file holding both blocks.
    pub fn new(
        tenant: &str,
        client_id: &str,
        private_key_pem: &[u8],
        certificate_pem: &[u8],
        options: Option<CredentialOptions>,
    ) -> Result<Self> {
        let app = AppCredential::new(tenant, client_id, options)?;
        let cert_der = certificate_der(certificate_pem)?;
        let key = private_key(private_key_pem)?;
        let credential = ClientCertificateCredential {
            app,
            key,
            algorithm: AssertionAlgorithm::Ps256,
            thumbprint_sha256: URL_SAFE_NO_PAD
                .encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &cert_der).as_ref()),
            thumbprint_sha1: URL_SAFE_NO_PAD.encode(
                aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert_der)
                    .as_ref(),
            ),
        };
        // Sign once now, so that an unusable key fails here rather than at the first call.
        credential.assertion()?;
        Ok(credential)
    }

    /// The same credential signing with `algorithm`.
    #[must_use]
    pub fn with_algorithm(mut self, algorithm: AssertionAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The certificate's SHA-256 thumbprint, base64url (the assertion's `x5t#S256`).
    pub fn thumbprint_sha256(&self) -> &str {
        &self.thumbprint_sha256
    }

    /// A new signed client assertion.
    fn assertion(&self) -> Result<Secret> {
        let mut header = Header::new(match self.algorithm {
            AssertionAlgorithm::Ps256 => Algorithm::PS256,
            AssertionAlgorithm::Rs256 => Algorithm::RS256,
        });
        header.x5t_s256 = Some(self.thumbprint_sha256.clone());
        if self.algorithm == AssertionAlgorithm::Rs256 {
            header.x5t = Some(self.thumbprint_sha1.clone());
        }
        let now = self.app.clock.now();
        let claims = AssertionClaims {
            aud: self.app.token_url().as_str(),
            iss: &self.app.client_id,
            sub: &self.app.client_id,
            jti: new_guid(),
            nbf: now.timestamp(),
            iat: now.timestamp(),
            exp: (now + ASSERTION_LIFETIME).timestamp(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(Secret::new)
            .map_err(|e| {
                Error::invalid_input(
                    "certificate credential private key",
                    format!("cannot sign the client assertion: {e}"),
                )
            })
    }
}

impl fmt::Debug for ClientCertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificateCredential")
            .field("tenant", &self.app.tenant)
            .field("client_id", &self.app.client_id)
            .field("token_endpoint", &self.app.token_url().as_str())
            .field("algorithm", &self.algorithm)
            .field("thumbprint_sha256", &self.thumbprint_sha256)
            .field("private_key", &Secret::default())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenCredential for ClientCertificateCredential {
    fn principal(&self) -> Option<String> {
        Some(format!("app:{}", self.app.client_id))
    }

    async fn get_token(&self, scope: &str, claims: Option<&str>) -> Result<AccessToken> {
        self.app
            .get(scope, claims, || {
                Ok(vec![
                    (
                        "client_assertion_type",
                        Secret::new("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ),
                    ("client_assertion", self.assertion()?),
                ])
            })
            .await
    }
}

/// The DER of the first `CERTIFICATE` block.
fn certificate_der(pem_text: &[u8]) -> Result<Vec<u8>> {
    let blocks = pem::parse_many(pem_text)
        .map_err(|e| Error::invalid_input("certificate", format!("not a PEM document: {e}")))?;
    blocks
        .into_iter()
        .find(|b| b.tag() == "CERTIFICATE")
        .map(pem::Pem::into_contents)
        .ok_or_else(|| {
            Error::invalid_input(
                "certificate",
                "no -----BEGIN CERTIFICATE----- block in the PEM text",
            )
        })
}

/// The RSA private key of the first private key block.
fn private_key(pem_text: &[u8]) -> Result<EncodingKey> {
    let what = "certificate credential private key";
    let blocks = pem::parse_many(pem_text)
        .map_err(|e| Error::invalid_input(what, format!("not a PEM document: {e}")))?;
    let Some(block) = blocks.iter().find(|b| b.tag().ends_with("PRIVATE KEY")) else {
        return Err(Error::invalid_input(
            what,
            "no -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY----- block in the PEM text",
        ));
    };
    match block.tag() {
        "PRIVATE KEY" | "RSA PRIVATE KEY" => {}
        "ENCRYPTED PRIVATE KEY" => {
            return Err(Error::invalid_input(
                what,
                "the key is encrypted: decrypt it first (openssl pkcs8 -in key.pem -out plain.pem)",
            ));
        }
        other => {
            return Err(Error::invalid_input(
                what,
                format!("a {other} is not supported: Entra ID certificate credentials are RSA"),
            ));
        }
    }
    EncodingKey::from_rsa_pem(pem::encode(block).as_bytes())
        .map_err(|e| Error::invalid_input(what, format!("not a usable RSA private key: {e}")))
}

/// A token the caller supplies (delegated sign-in, managed identity, tests). It is returned as
/// is for every scope; a claims challenge cannot be satisfied, so it ends in
/// [`Error::Auth`](crate::Error::Auth).
#[derive(Clone)]
pub struct StaticTokenCredential {
    token: AccessToken,
}

impl StaticTokenCredential {
    /// A credential that always answers `token`.
    pub fn new(token: AccessToken) -> Self {
        StaticTokenCredential { token }
    }
}

impl fmt::Debug for StaticTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticTokenCredential")
            .field("token", &self.token.secret)
            .field("expires_at", &self.token.expires_at)
            .finish()
    }
}

#[async_trait]
impl TokenCredential for StaticTokenCredential {
    async fn get_token(&self, _scope: &str, _claims: Option<&str>) -> Result<AccessToken> {
        Ok(self.token.clone())
    }
}
