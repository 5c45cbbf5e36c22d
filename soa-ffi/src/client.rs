//! `soa_client`: the Exchange Online REST client (the `InvokeCommand` gateway) as an opaque
//! handle: connect, and the endpoint it calls. Its operations are those of a `soa_backend`
//! (`soa_backend_from_client`).
//!
//! The handle owns a tokio runtime (current-thread, with the IO and timer drivers), and every
//! call blocks on it: the request runs on the calling thread, and nothing runs between calls.

use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use soa_core::exo::rest::{
    AccessToken, Anchor, ClientCertificateCredential, ClientOptions, ClientSecretCredential, Cloud,
    CredentialOptions, ExoClient, RetryPolicy, Secret, StaticTokenCredential, TokenCredential,
};
use soa_core::json;
use tokio::runtime::Runtime;

use crate::ffi::{
    Failure, Out, boundary, free_boxed, invalid, opt_str_arg, ref_arg, secret_json_arg, str_arg,
};
use crate::status::soa_status;

/// A connection to one tenant's Exchange Online through the REST client. Safe to use from
/// several threads (calls on one handle share its connection pool, token cache and concurrency
/// limit). Release with `soa_client_free`.
pub struct soa_client {
    pub(crate) runtime: Arc<Runtime>,
    pub(crate) client: ExoClient,
}

pub(crate) fn client<'a>(client: *const soa_client) -> Result<&'a soa_client, Failure> {
    ref_arg(client, "client")
}

/// `credential_json`. Secrets stay in [`Secret`] once read; parse errors never quote a value.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum CredentialSpec {
    /// An app registration's client secret.
    Secret { client_id: String, secret: String },
    /// An app registration's certificate: an unencrypted RSA private key and the certificate,
    /// both PEM text.
    Certificate {
        client_id: String,
        key_pem: String,
        cert_pem: String,
    },
    /// A bearer token obtained elsewhere; `expires_at` (RFC 3339) defaults to an hour from now.
    Token {
        token: String,
        #[serde(default)]
        expires_at: Option<DateTime<Utc>>,
    },
}

/// `options_json`: the JSON form of `ClientOptions` (which has no serde shape of its own: it
/// holds a clock and a catalog). Durations are seconds, with decimals.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct OptionsSpec {
    page_size: Option<u32>,
    max_pages: Option<u32>,
    timeout_secs: Option<f64>,
    concurrency: Option<usize>,
    /// The signed-in admin of a delegated token (`X-AnchorMailbox: UPN:<upn>`); app-only when
    /// absent.
    delegated_upn: Option<String>,
    api_version: Option<String>,
    retry: Option<RetrySpec>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RetrySpec {
    max_retries: Option<u32>,
    initial_delay_secs: Option<f64>,
    max_delay_secs: Option<f64>,
    max_retry_after_secs: Option<f64>,
    jitter: Option<bool>,
}

fn seconds(value: f64, what: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| invalid(what, format!("{value} is not a number of seconds")))
}

impl OptionsSpec {
    fn into_options(self) -> Result<ClientOptions, Failure> {
        let mut o = ClientOptions::default();
        if let Some(v) = self.page_size {
            o.page_size = v;
        }
        if let Some(v) = self.max_pages {
            o.max_pages = v;
        }
        if let Some(v) = self.timeout_secs {
            o.timeout = seconds(v, "options_json.timeout_secs")?;
        }
        if let Some(v) = self.concurrency {
            o.concurrency = v;
        }
        if let Some(upn) = self.delegated_upn {
            o.anchor = Anchor::Delegated { upn };
        }
        if let Some(v) = self.api_version {
            o.api_version = v;
        }
        if let Some(r) = self.retry {
            let mut p = RetryPolicy::default();
            if let Some(v) = r.max_retries {
                p.max_retries = v;
            }
            if let Some(v) = r.initial_delay_secs {
                p.initial_delay = seconds(v, "options_json.retry.initial_delay_secs")?;
            }
            if let Some(v) = r.max_delay_secs {
                p.max_delay = seconds(v, "options_json.retry.max_delay_secs")?;
            }
            if let Some(v) = r.max_retry_after_secs {
                p.max_retry_after = seconds(v, "options_json.retry.max_retry_after_secs")?;
            }
            if let Some(v) = r.jitter {
                p.jitter = v;
            }
            o.retry = p;
        }
        Ok(o)
    }
}

/// `cloud`: a name, or `{"exchange":url,"login":url}`.
fn parse_cloud(text: &str) -> Result<Cloud, Failure> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct CustomSpec {
        exchange: String,
        login: String,
    }
    if text.trim_start().starts_with('{') {
        let spec: CustomSpec = json::from_object_str(text, "cloud")?;
        Ok(Cloud::custom(&spec.exchange, &spec.login)?)
    } else {
        Ok(text.parse()?)
    }
}

fn credential(
    spec: CredentialSpec,
    tenant: &str,
    cloud: &Cloud,
) -> Result<Arc<dyn TokenCredential>, Failure> {
    let options = || Some(CredentialOptions::for_cloud(cloud.clone()));
    Ok(match spec {
        CredentialSpec::Secret { client_id, secret } => Arc::new(ClientSecretCredential::new(
            tenant,
            &client_id,
            Secret::new(secret),
            options(),
        )?),
        CredentialSpec::Certificate {
            client_id,
            key_pem,
            cert_pem,
        } => Arc::new(ClientCertificateCredential::new(
            tenant,
            &client_id,
            key_pem.as_bytes(),
            cert_pem.as_bytes(),
            options(),
        )?),
        CredentialSpec::Token { token, expires_at } => {
            if token.trim().is_empty() {
                return Err(invalid("credential_json.token", "empty"));
            }
            let expires_at = expires_at.unwrap_or_else(|| Utc::now() + TimeDelta::hours(1));
            Arc::new(StaticTokenCredential::new(AccessToken::new(
                Secret::new(token),
                expires_at,
            )))
        }
    })
}

/// Connects to `tenant` (its ID, a GUID, or its `onmicrosoft.com` domain) in `cloud` and
/// writes the client to `*out`.
///
/// - `cloud`: `"commercial"`, `"gcchigh"`, `"dod"` or `"china"` (case and `-`/`_` ignored), or
///   `{"exchange":"https://...","login":"https://..."}` for other hosts (`http` is accepted on
///   loopback only: the emulator).
/// - `credential_json`: `{"kind":"secret","client_id":"...","secret":"..."}`,
///   `{"kind":"certificate","client_id":"...","key_pem":"-----BEGIN PRIVATE KEY-----...",
///   "cert_pem":"-----BEGIN CERTIFICATE-----..."}` or `{"kind":"token","token":"...",
///   "expires_at":"2026-01-01T00:00:00Z"}` (`expires_at` optional). No message ever quotes a
///   value of it.
/// - `options_json` (NULL for the defaults): `{"page_size":1000,"max_pages":1000,
///   "timeout_secs":960,"concurrency":8,"delegated_upn":"admin@contoso.com","api_version":"beta",
///   "retry":{"max_retries":5,"initial_delay_secs":2,"max_delay_secs":60,
///   "max_retry_after_secs":300,"jitter":true}}`, every field optional.
///
/// An app credential (secret or certificate) gets its first token here, so a wrong secret fails
/// now (`SOA_STATUS_AUTH`) rather than at the first call; a token credential is not checked
/// until it is used.
#[unsafe(no_mangle)]
pub extern "C" fn soa_client_connect(
    tenant: *const c_char,
    cloud: *const c_char,
    credential_json: *const c_char,
    options_json: *const c_char,
    out: *mut *mut soa_client,
) -> soa_status {
    boundary(|| {
        let tenant = str_arg(tenant, "tenant")?;
        let cloud = parse_cloud(str_arg(cloud, "cloud")?)?;
        let spec: CredentialSpec = secret_json_arg(
            str_arg(credential_json, "credential_json")?,
            "credential_json",
        )?;
        let options = match opt_str_arg(options_json, "options_json")? {
            Some(text) => json::from_object_str::<OptionsSpec>(text, "options_json")?,
            None => OptionsSpec::default(),
        }
        .into_options()?;
        let out = Out::new(out, "out")?;
        let app_credential = !matches!(spec, CredentialSpec::Token { .. });
        let runtime = crate::runtime::new_runtime()?;
        let scope = cloud.scope()?;
        let (credential, client) = {
            // reqwest clients are built inside the runtime they will run on.
            let _entered = runtime.enter();
            let credential = credential(spec, tenant, &cloud)?;
            let client = ExoClient::new(tenant, cloud, Arc::clone(&credential), Some(options))?;
            (credential, client)
        };
        if app_credential {
            crate::ffi::block_on(&runtime, credential.get_token(&scope, None))??;
        }
        out.write_boxed(soa_client { runtime, client });
        Ok(())
    })
}

/// Releases a client (open connections are closed). NULL is ignored. Pagers and backends made
/// from it keep working: they hold the client themselves.
#[unsafe(no_mangle)]
pub extern "C" fn soa_client_free(client: *mut soa_client) {
    free_boxed(client);
}

/// Writes the `InvokeCommand` URL the client sends every call to.
#[unsafe(no_mangle)]
pub extern "C" fn soa_client_endpoint(
    client: *const soa_client,
    out: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let c = self::client(client)?;
        Out::new(out, "out")?.write_string(c.client.endpoint().to_string())
    })
}
