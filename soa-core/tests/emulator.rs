//! The HTTP emulator of the `InvokeCommand` gateway, over raw HTTP: tokens, paging, filters,
//! writes and the audit log, error shapes, every fault kind, stats and shutdown.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use soa_core::exo::wire::{
    AdminAuditLogEntry, ResponsePage, TRANSIENT_EXCEPTIONS, exceptions, split_error_message,
};
use soa_core::exo::{AuditQuery, ExchangeOnline, MailboxFilter};
use soa_core::model::{Mailbox, RecipientTypeDetails, User};
use soa_core::sim::emulator::{
    Emulator, EmulatorOptions, FaultKind, Faults, RegisteredApp, Throttle,
};
use soa_core::sim::{NewAdUser, SimulatedOrg};

const CLIENT: &str = "6f1c2d3e-0000-4000-8000-000000000001";
const SECRET: &str = "emulator-secret";
const APP: &str = "app@contoso.com";
const READER: &str = "reader@contoso.com";

/// contoso.com: alice (dir-synced, licensed, not cloud-managed), 25 cloud-only user mailboxes
/// and one shared mailbox; an admin app and a read-only principal.
fn org() -> SimulatedOrg {
    let org = SimulatedOrg::new("contoso.com");
    org.add_ad_user(NewAdUser {
        user_principal_name: "alice@contoso.com".into(),
        remote_mailbox: Some(RecipientTypeDetails::RemoteUserMailbox),
        ..NewAdUser::default()
    })
    .unwrap();
    org.sync_cycle();
    org.assign_license("alice@contoso.com").unwrap();
    for i in 0..25 {
        org.add_cloud_mailbox(
            &format!("user{i:02}@contoso.com"),
            RecipientTypeDetails::UserMailbox,
        )
        .unwrap();
    }
    org.add_cloud_mailbox("shared@contoso.com", RecipientTypeDetails::SharedMailbox)
        .unwrap();
    org.add_principal(APP, &["Exchange Administrator"]);
    org.add_principal(READER, &["View-Only Organization Management"]);
    org
}

fn options(faults: Faults) -> EmulatorOptions {
    EmulatorOptions {
        apps: vec![RegisteredApp::with_secret(CLIENT, SECRET, APP)],
        faults,
        seed: 42,
        ..EmulatorOptions::default()
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// A client that opens a new connection for every request (so no request is ever replayed on
/// another connection).
fn fresh_http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    fn page(&self) -> ResponsePage {
        assert_eq!(
            self.status,
            200,
            "{:?}",
            String::from_utf8_lossy(&self.body)
        );
        serde_json::from_value(self.json()).unwrap()
    }

    /// `details[0]` split into (target, exception class, text).
    fn detail(&self) -> (String, String, String) {
        let v = self.json();
        let d = &v["error"]["details"][0];
        let m = split_error_message(d["message"].as_str().unwrap());
        (
            d["target"].as_str().unwrap().to_owned(),
            m.exception_class.unwrap_or_default(),
            m.text,
        )
    }
}

struct Fixture {
    emu: Emulator,
    http: reqwest::Client,
    token: String,
}

impl Fixture {
    async fn new(faults: Faults) -> Self {
        Self::with(org(), options(faults)).await
    }

    async fn with(org: SimulatedOrg, options: EmulatorOptions) -> Self {
        let emu = Emulator::start(org, options).await.unwrap();
        let token = emu.issue_token(APP);
        Fixture {
            emu,
            http: http(),
            token,
        }
    }

    fn body(cmdlet: &str, params: &Value) -> Value {
        json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": params}})
    }

    async fn post(
        &self,
        client: &reqwest::Client,
        url: &str,
        token: Option<&str>,
        body: &Value,
        prefer: Option<&str>,
    ) -> reqwest::Result<Reply> {
        let mut req = client
            .post(url)
            .header("content-type", "application/json")
            .header("client-request-id", "c0ffee00-0000-4000-8000-000000000000")
            .body(body.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(p) = prefer {
            req = req.header("prefer", p);
        }
        let r = req.send().await?;
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.bytes().await?.to_vec();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    async fn call(&self, cmdlet: &str, params: Value) -> Reply {
        self.call_as(&self.token, cmdlet, params).await
    }

    async fn call_as(&self, token: &str, cmdlet: &str, params: Value) -> Reply {
        self.post(
            &self.http,
            &self.emu.invoke_url(),
            Some(token),
            &Self::body(cmdlet, &params),
            None,
        )
        .await
        .unwrap()
    }

    async fn try_call_fresh(&self, cmdlet: &str, params: Value) -> reqwest::Result<Reply> {
        self.post(
            &fresh_http(),
            &self.emu.invoke_url(),
            Some(&self.token),
            &Self::body(cmdlet, &params),
            None,
        )
        .await
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Reply {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let r = self
            .http
            .post(self.emu.token_url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        Reply {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            body: r.bytes().await.unwrap().to_vec(),
        }
    }

    fn audit_len(&self) -> usize {
        futures_util::FutureExt::now_or_never(
            self.emu
                .org()
                .search_admin_audit_log(&AuditQuery::default()),
        )
        .unwrap()
        .unwrap()
        .len()
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn jwt(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"PS256","typ":"JWT","x5t#S256":"abc"}"#);
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{claims}.bm90LWEtc2lnbmF0dXJl")
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn all_nul(body: &[u8]) -> bool {
    !body.is_empty() && body.iter().all(|b| *b == 0)
}

// ----- tokens -----

#[tokio::test]
async fn token_endpoint_issues_and_refuses() {
    let f = Fixture::new(Faults::none()).await;
    let scope = f.emu.scope();
    let ok = f
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", &scope),
        ])
        .await;
    assert_eq!(ok.status, 200);
    let v = ok.json();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    let token = v["access_token"].as_str().unwrap().to_owned();
    let r = f.call_as(&token, "Get-OrganizationConfig", json!({})).await;
    assert_eq!(r.status, 200);

    let refusals = [
        (
            vec![("client_id", CLIENT), ("client_secret", "wrong")],
            401,
            "invalid_client",
        ),
        (
            vec![("client_id", "nobody"), ("client_secret", SECRET)],
            400,
            "unauthorized_client",
        ),
        (vec![("client_id", CLIENT)], 401, "invalid_client"),
    ];
    for (fields, status, error) in refusals {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("scope", scope.as_str()),
        ];
        form.extend(fields);
        let r = f.token_request(&form).await;
        assert_eq!(r.status, status, "{form:?}");
        let v = r.json();
        assert_eq!(v["error"], error);
        assert!(
            v["error_description"]
                .as_str()
                .unwrap()
                .starts_with("AADSTS")
        );
        assert!(!String::from_utf8_lossy(&r.body).contains(SECRET));
    }
    let r = f
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", "https://outlook.office365.com/Exchange.Manage"),
        ])
        .await;
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (400, json!("invalid_scope"))
    );
    let r = f
        .token_request(&[("grant_type", "password"), ("scope", &scope)])
        .await;
    assert_eq!(r.json()["error"], "unsupported_grant_type");

    // Another tenant.
    let url = format!("{}/fabrikam.com/oauth2/v2.0/token", f.emu.base_url());
    let r = f
        .http
        .post(url)
        .body(format!(
            "grant_type=client_credentials&client_id={CLIENT}&client_secret={SECRET}&scope=x/.default"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);

    // A GET is not a token request.
    let r = f.http.get(f.emu.token_url()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
}

#[tokio::test]
async fn client_assertions_are_checked_but_not_their_signature() {
    let f = Fixture::new(Faults::none()).await;
    let scope = f.emu.scope();
    let aud = f.emu.token_url();
    let assertion_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let fx = &f;
    let request = |assertion: String| {
        let scope = scope.clone();
        async move {
            fx.token_request(&[
                ("grant_type", "client_credentials"),
                ("scope", &scope),
                ("client_assertion_type", assertion_type),
                ("client_assertion", &assertion),
            ])
            .await
        }
    };
    let good = jwt(
        &json!({"iss": CLIENT, "sub": CLIENT, "aud": aud, "jti": "1", "nbf": unix_now(), "exp": unix_now() + 600}),
    );
    let r = request(good).await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    let token = r.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        f.call_as(&token, "Get-OrganizationConfig", json!({}))
            .await
            .status,
        200
    );

    let wrong_aud = jwt(&json!({"iss": CLIENT, "sub": CLIENT, "aud": "https://example.invalid/x"}));
    assert_eq!(request(wrong_aud).await.status, 401);
    let stranger = jwt(&json!({"iss": "stranger", "sub": "stranger", "aud": aud}));
    assert_eq!(
        request(stranger).await.json()["error"],
        "unauthorized_client"
    );
    let expired = jwt(&json!({"iss": CLIENT, "sub": CLIENT, "aud": aud, "exp": 1000}));
    assert_eq!(request(expired).await.status, 401);
    for malformed in ["not-a-jwt", "a.b.c", "..", "e30.e30"] {
        assert_eq!(
            request(malformed.to_owned()).await.status,
            400,
            "{malformed}"
        );
    }
}

#[tokio::test]
async fn invoke_needs_a_valid_token() {
    let org = org();
    let f = Fixture::with(
        org,
        EmulatorOptions {
            token_lifetime: Duration::from_secs(1),
            ..options(Faults::none())
        },
    )
    .await;
    let body = Fixture::body("Get-Mailbox", &json!({"Identity": "alice@contoso.com"}));
    let url = f.emu.invoke_url();
    let none = f.post(&f.http, &url, None, &body, None).await.unwrap();
    assert_eq!(none.status, 401);
    assert!(
        none.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
    let garbage = f
        .post(&f.http, &url, Some("garbage"), &body, None)
        .await
        .unwrap();
    assert_eq!(garbage.status, 401);
    assert!(
        garbage
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );

    assert_eq!(
        f.post(&f.http, &url, Some(&f.token), &body, None)
            .await
            .unwrap()
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let expired = f
        .post(&f.http, &url, Some(&f.token), &body, None)
        .await
        .unwrap();
    assert_eq!(expired.status, 401);

    let fresh = f.emu.issue_token(APP);
    assert_eq!(
        f.post(&f.http, &url, Some(&fresh), &body, None)
            .await
            .unwrap()
            .status,
        200
    );
    f.emu.revoke_tokens();
    assert_eq!(
        f.post(&f.http, &url, Some(&fresh), &body, None)
            .await
            .unwrap()
            .status,
        401
    );

    // The tenant is the domain or the id; another tenant's path is refused.
    let fresh = f.emu.issue_token(APP);
    let by_domain = format!(
        "{}/adminapi/beta/contoso.com/InvokeCommand",
        f.emu.base_url()
    );
    assert_eq!(
        f.post(&f.http, &by_domain, Some(&fresh), &body, None)
            .await
            .unwrap()
            .status,
        200
    );
    let other = format!(
        "{}/adminapi/beta/fabrikam.com/InvokeCommand",
        f.emu.base_url()
    );
    assert_eq!(
        f.post(&f.http, &other, Some(&fresh), &body, None)
            .await
            .unwrap()
            .status,
        401
    );
    assert_eq!(f.emu.stats().unauthorized, 5);
}

// ----- reading -----

#[tokio::test]
async fn get_mailbox_by_identity() {
    let f = Fixture::new(Faults::none()).await;
    let r = f
        .call("Get-Mailbox", json!({"Identity": "ALICE@contoso.com"}))
        .await;
    assert!(r.header("request-id").is_some());
    assert_eq!(
        r.header("client-request-id").as_deref(),
        Some("c0ffee00-0000-4000-8000-000000000000")
    );
    let page = r.page();
    assert!(page.context.unwrap().contains("$metadata#Collection("));
    assert_eq!(page.value.len(), 1);
    assert!(page.next_link.is_none());
    let m: Mailbox = serde_json::from_value(page.value[0].clone()).unwrap();
    assert_eq!(m, f.emu.org().mailbox("alice@contoso.com").unwrap());
    assert!(m.is_dir_synced);

    let user: User = serde_json::from_value(
        f.call("Get-User", json!({"Identity": "alice@contoso.com"}))
            .await
            .page()
            .value[0]
            .clone(),
    )
    .unwrap();
    assert_eq!(
        user.user_principal_name.as_deref(),
        Some("alice@contoso.com")
    );

    // $select trims the objects.
    let url = format!(
        "{}?$select=UserPrincipalName,IsDirSynced",
        f.emu.invoke_url()
    );
    let body = Fixture::body("Get-Mailbox", &json!({"Identity": "alice@contoso.com"}));
    let r = f
        .post(&f.http, &url, Some(&f.token), &body, None)
        .await
        .unwrap();
    let keys: BTreeSet<String> = r.page().value[0]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["IsDirSynced".into(), "UserPrincipalName".into()])
    );
}

#[tokio::test]
async fn get_mailbox_pages_with_next_links() {
    let f = Fixture::new(Faults::none()).await;
    let body = Fixture::body("Get-Mailbox", &json!({"ResultSize": "Unlimited"}));
    let prefer = Some("odata.maxpagesize=10");
    let first = f
        .post(&f.http, &f.emu.invoke_url(), Some(&f.token), &body, prefer)
        .await
        .unwrap();
    assert_eq!(first.header("preference-applied").as_deref(), prefer);
    let first = first.page();
    assert_eq!(first.value.len(), 10);
    let mut seen: Vec<String> = first
        .value
        .iter()
        .map(|v| v["UserPrincipalName"].as_str().unwrap().to_owned())
        .collect();

    // A mailbox created while paging does not disturb the cursor.
    f.emu
        .org()
        .add_cloud_mailbox("late@contoso.com", RecipientTypeDetails::UserMailbox)
        .unwrap();

    let mut next = first.next_link;
    let mut pages = 1;
    while let Some(link) = next {
        assert!(link.starts_with(&f.emu.invoke_url()), "{link}");
        assert!(link.contains("$skiptoken="), "{link}");
        // The same link POSTed twice gives the same page: the cursor is stable.
        let again = f
            .post(&f.http, &link, Some(&f.token), &body, prefer)
            .await
            .unwrap()
            .page();
        let page = f
            .post(&f.http, &link, Some(&f.token), &body, prefer)
            .await
            .unwrap()
            .page();
        assert_eq!(page.value, again.value);
        assert!(page.value.len() <= 10);
        seen.extend(
            page.value
                .iter()
                .map(|v| v["UserPrincipalName"].as_str().unwrap().to_owned()),
        );
        next = page.next_link;
        pages += 1;
        assert!(pages < 10);
    }
    assert!(pages >= 3);
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a mailbox was served twice");
    let all: BTreeSet<String> = f
        .emu
        .org()
        .mailboxes()
        .into_iter()
        .filter_map(|m| m.user_principal_name)
        .filter(|u| u != "late@contoso.com")
        .collect();
    let seen_before: BTreeSet<String> = seen
        .iter()
        .filter(|u| *u != "late@contoso.com")
        .cloned()
        .collect();
    assert_eq!(seen_before, all);

    // A nextLink POSTed with another body (another filter) is refused.
    let link = f
        .post(&f.http, &f.emu.invoke_url(), Some(&f.token), &body, prefer)
        .await
        .unwrap()
        .page()
        .next_link
        .unwrap();
    let other = Fixture::body(
        "Get-Mailbox",
        &json!({"RecipientTypeDetails": "SharedMailbox"}),
    );
    let r = f
        .post(&f.http, &link, Some(&f.token), &other, prefer)
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(r.detail().2.contains("skip token"));
    // So is a skip token that was never issued.
    let forged = format!("{}?$skiptoken=0123456789abcdefAAAA", f.emu.invoke_url());
    assert_eq!(
        f.post(&f.http, &forged, Some(&f.token), &body, prefer)
            .await
            .unwrap()
            .status,
        400
    );

    // Without Prefer, one page of up to 1000.
    let all_at_once = f
        .post(&f.http, &f.emu.invoke_url(), Some(&f.token), &body, None)
        .await
        .unwrap()
        .page();
    assert_eq!(all_at_once.value.len(), f.emu.org().mailboxes().len());
    assert!(all_at_once.next_link.is_none());
}

#[tokio::test]
async fn page_size_is_capped_by_the_options() {
    let f = Fixture::with(
        org(),
        EmulatorOptions {
            max_page_size: 4,
            ..options(Faults::none())
        },
    )
    .await;
    let body = Fixture::body("Get-Mailbox", &json!({}));
    let page = f
        .post(
            &f.http,
            &f.emu.invoke_url(),
            Some(&f.token),
            &body,
            Some("odata.maxpagesize=100"),
        )
        .await
        .unwrap()
        .page();
    assert_eq!(page.value.len(), 4);
    assert!(page.next_link.is_some());
}

/// Every page of a listing, following nextLinks.
async fn list(f: &Fixture, params: Value) -> Result<Vec<Mailbox>, Reply> {
    let body = Fixture::body("Get-Mailbox", &params);
    let mut url = f.emu.invoke_url();
    let mut out = Vec::new();
    loop {
        let r = f
            .post(
                &f.http,
                &url,
                Some(&f.token),
                &body,
                Some("odata.maxpagesize=7"),
            )
            .await
            .unwrap();
        if r.status != 200 {
            return Err(r);
        }
        let page = r.page();
        out.extend(
            page.value
                .into_iter()
                .map(|v| serde_json::from_value::<Mailbox>(v).unwrap()),
        );
        match page.next_link {
            Some(next) => url = next,
            None => return Ok(out),
        }
    }
}

#[tokio::test]
async fn filters_are_parsed_or_refused() {
    let f = Fixture::new(Faults::none()).await;
    let upns = |ms: &[Mailbox]| -> BTreeSet<String> {
        ms.iter()
            .filter_map(|m| m.user_principal_name.clone())
            .collect()
    };
    let synced = list(&f, json!({"Filter": "IsDirSynced -eq 'True'"}))
        .await
        .unwrap();
    assert_eq!(
        upns(&synced),
        BTreeSet::from(["alice@contoso.com".to_owned()])
    );
    let shared = list(&f, json!({"RecipientTypeDetails": ["SharedMailbox"]}))
        .await
        .unwrap();
    assert_eq!(
        upns(&shared),
        BTreeSet::from(["shared@contoso.com".to_owned()])
    );

    // What MailboxFilter::to_opath produces selects what the simulation selects.
    for filter in [
        MailboxFilter {
            dir_synced: Some(false),
            cloud_managed: Some(false),
            recipient_types: vec![
                RecipientTypeDetails::UserMailbox,
                RecipientTypeDetails::SharedMailbox,
            ],
        },
        MailboxFilter {
            recipient_types: vec![RecipientTypeDetails::SharedMailbox],
            ..MailboxFilter::default()
        },
        MailboxFilter {
            cloud_managed: Some(true),
            ..MailboxFilter::default()
        },
    ] {
        let served = list(&f, json!({"Filter": filter.to_opath()}))
            .await
            .unwrap();
        let expected: Vec<Mailbox> = f
            .emu
            .org()
            .mailboxes()
            .into_iter()
            .filter(|m| filter.matches(m))
            .collect();
        assert_eq!(upns(&served), upns(&expected), "{:?}", filter.to_opath());
    }
    // Contradictions select nothing.
    let none = list(
        &f,
        json!({"Filter": "RecipientTypeDetails -eq 'UserMailbox'", "RecipientTypeDetails": "SharedMailbox"}),
    )
    .await
    .unwrap();
    assert!(none.is_empty());

    for bad in [
        json!({"Filter": "DisplayName -like 'a*'"}),
        json!({"Filter": "IsDirSynced -eq 'true' -or IsExchangeCloudManaged -eq 'true'"}),
        json!({"Filter": "(IsDirSynced -eq 'true'"}),
        json!({"RecipientTypeDetails": "NotAType"}),
        json!({"ResultSize": "lots"}),
        json!({"Anr": "ali"}),
    ] {
        let r = list(&f, bad.clone()).await.unwrap_err();
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json()["error"]["code"], "BadRequest");
        assert_eq!(r.detail().1, exceptions::INVALID_PARAMETER, "{bad}");
    }
}

// ----- writing -----

#[tokio::test]
async fn set_mailbox_is_applied_and_audited() {
    let f = Fixture::new(Faults::none()).await;
    let r = f
        .call(
            "Set-Mailbox",
            json!({
                "Identity": "user01@contoso.com",
                "CustomAttribute1": "CC-42",
                "EmailAddresses": {"@odata.type": "#Exchange.GenericHashTable", "Add": ["smtp:extra@contoso.com"]},
                "Confirm": false,
            }),
        )
        .await;
    let page = r.page();
    assert!(page.value.is_empty());
    assert!(page.warnings.is_empty());
    let m = f.emu.org().mailbox("user01@contoso.com").unwrap();
    assert_eq!(m.custom_attribute(1), Some("CC-42"));
    assert!(
        m.email_addresses
            .contains(&"smtp:extra@contoso.com".to_owned())
    );
    // The new address is an identity now.
    let by_new = f
        .call("Get-Mailbox", json!({"Identity": "extra@contoso.com"}))
        .await;
    assert_eq!(
        by_new.page().value[0]["UserPrincipalName"],
        "user01@contoso.com"
    );

    // The flag, alone.
    f.call(
        "Set-Mailbox",
        json!({"Identity": "alice@contoso.com", "IsExchangeCloudManaged": true}),
    )
    .await
    .page();
    assert!(
        f.emu
            .org()
            .mailbox("alice@contoso.com")
            .unwrap()
            .is_exchange_cloud_managed
    );
    // Again: nothing changes, and the service says so.
    let again = f
        .call(
            "Set-Mailbox",
            json!({"Identity": "alice@contoso.com", "IsExchangeCloudManaged": "True"}),
        )
        .await
        .page();
    assert_eq!(again.warnings.len(), 1);
    // Not together with other parameters.
    let r = f
        .call(
            "Set-Mailbox",
            json!({"Identity": "alice@contoso.com", "IsExchangeCloudManaged": true, "CustomAttribute2": "x"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.detail().1, exceptions::INVALID_PARAMETER);

    // The audit log, read over the wire.
    let log = f
        .call(
            "Search-AdminAuditLog",
            json!({"Cmdlets": ["Set-Mailbox"], "ObjectIds": ["user01@contoso.com", "alice@contoso.com"]}),
        )
        .await
        .page();
    let entries: Vec<AdminAuditLogEntry> = log
        .value
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e.caller == APP && e.succeeded));
    assert_eq!(entries[0].object_modified, "user01@contoso.com");
    assert!(
        entries[0]
            .modified_properties
            .iter()
            .any(|p| p.new_value == "CC-42".into())
    );
    assert_eq!(entries[1].object_modified, "alice@contoso.com");
    let flag_only = f
        .call(
            "Search-AdminAuditLog",
            json!({"Parameters": "IsExchangeCloudManaged", "UserIds": APP}),
        )
        .await
        .page();
    assert_eq!(flag_only.value.len(), 1);
    let later = f
        .call(
            "Search-AdminAuditLog",
            json!({"StartDate": "2030-01-01T00:00:00"}),
        )
        .await
        .page();
    assert!(later.value.is_empty());
}

#[tokio::test]
async fn set_mailbox_refuses_bad_parameters() {
    let f = Fixture::new(Faults::none()).await;
    // Unknown and duplicate parameters, bad values.
    for (params, what) in [
        (
            json!({"Identity": "user01@contoso.com", "extensionAttribute1": "x"}),
            "cannot be found",
        ),
        (
            json!({"Identity": "user01@contoso.com", "CustomAttribute1": {"Replace": "x"}}),
            "Replace",
        ),
        (
            json!({"Identity": "user01@contoso.com", "CustomAttribute1": 1.5}),
            "integer",
        ),
        (json!({"CustomAttribute1": "x"}), "Identity"),
        (
            json!({"Identity": "user01@contoso.com", "CustomAttribute1": "a", "customattribute1": "b"}),
            "more than once",
        ),
        (
            json!({"Identity": "user01@contoso.com", "CustomAttribute1": {"Add": ["x"]}}),
            "multi-valued",
        ),
    ] {
        let r = f.call("Set-Mailbox", params.clone()).await;
        assert_eq!(r.status, 400, "{params}");
        assert!(r.detail().2.contains(what), "{params}: {:?}", r.detail());
    }
    assert_eq!(f.audit_len(), 0);
}

#[tokio::test]
async fn organization_config_and_roles() {
    let f = Fixture::new(Faults::none()).await;
    let get = |v: &ResponsePage| v.value[0]["BlockExchangeProvisioningFromOnPremEnabled"].clone();
    let before = f.call("Get-OrganizationConfig", json!({})).await.page();
    assert_eq!(get(&before), json!(false));
    assert_eq!(before.value[0]["Name"], "contoso.com");
    f.call(
        "Set-OrganizationConfig",
        json!({"ExchangeAttributesCloudManagedByDefault": true}),
    )
    .await
    .page();
    assert!(f.emu.org().cloud_managed_by_default());
    assert_eq!(
        get(&f.call("Get-OrganizationConfig", json!({})).await.page()),
        json!(true)
    );
    f.call(
        "Set-OrganizationConfig",
        json!({"ExchangeAttributesServerManagedByDefault": true}),
    )
    .await
    .page();
    assert!(!f.emu.org().cloud_managed_by_default());
    let both = f
        .call(
            "Set-OrganizationConfig",
            json!({"ExchangeAttributesCloudManagedByDefault": true, "ExchangeAttributesServerManagedByDefault": true}),
        )
        .await;
    assert_eq!(both.status, 400);

    // The two-step role lookup gives what role_assignments gives.
    let roles = f
        .call(
            "Get-ManagementRole",
            json!({"Cmdlet": "Set-Mailbox", "CmdletParameters": ["IsExchangeCloudManaged"]}),
        )
        .await
        .page();
    let names: Vec<String> = roles
        .value
        .iter()
        .map(|v| v["Name"].as_str().unwrap().to_owned())
        .collect();
    let mut joined = Vec::new();
    for name in &names {
        let page = f
            .call("Get-ManagementRoleAssignment", json!({"Role": name}))
            .await
            .page();
        for v in page.value {
            joined.push((
                v["Role"].as_str().unwrap().to_owned(),
                v["RoleAssigneeName"].as_str().unwrap().to_owned(),
            ));
        }
    }
    joined.sort();
    let mut expected: Vec<(String, String)> = f
        .emu
        .org()
        .role_assignments("Set-Mailbox", "IsExchangeCloudManaged")
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.role, a.assignee))
        .collect();
    expected.sort();
    assert_eq!(joined, expected);
    assert!(joined.contains(&("Exchange Administrator".to_owned(), APP.to_owned())));
    let missing = f
        .call(
            "Get-ManagementRoleAssignment",
            json!({"Role": "No Such Role"}),
        )
        .await;
    assert_eq!(missing.status, 404);
}

// ----- error shapes -----

#[tokio::test]
async fn write_scope_is_a_400_with_the_service_text() {
    let f = Fixture::new(Faults::none()).await;
    let r = f
        .call(
            "Set-Mailbox",
            json!({"Identity": "alice@contoso.com", "CustomAttribute1": "x"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["error"]["code"], "BadRequest");
    let (target, class, text) = r.detail();
    assert_eq!(target, "alice@contoso.com");
    assert_eq!(class, exceptions::WRITE_SCOPE);
    assert!(
        text.contains("out of the current user's write scope"),
        "{text}"
    );
    assert_eq!(
        r.header("x-exceptiontype").as_deref(),
        Some("ADScopeException")
    );
    assert_eq!(f.audit_len(), 0);
}

#[tokio::test]
async fn not_found_is_a_404() {
    let f = Fixture::new(Faults::none()).await;
    for (cmdlet, params) in [
        ("Get-Mailbox", json!({"Identity": "nobody@contoso.com"})),
        ("Get-User", json!({"Identity": "nobody@contoso.com"})),
        (
            "Set-Mailbox",
            json!({"Identity": "nobody@contoso.com", "CustomAttribute1": "x"}),
        ),
    ] {
        let r = f.call(cmdlet, params).await;
        assert_eq!(r.status, 404, "{cmdlet}");
        let v = r.json();
        assert_eq!(v["error"]["code"], "NotFound");
        assert_eq!(v["error"]["details"][0]["code"], "13");
        let (target, class, text) = r.detail();
        assert_eq!(target, "nobody@contoso.com");
        assert_eq!(class, exceptions::NOT_FOUND);
        assert!(
            text.starts_with("The operation couldn't be performed because object 'nobody@contoso.com' couldn't be found"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn rbac_denial_is_a_403_with_diagnostics() {
    let f = Fixture::new(Faults::none()).await;
    let reader = f.emu.issue_token(READER);
    // Reading is allowed...
    assert_eq!(
        f.call_as(
            &reader,
            "Get-Mailbox",
            json!({"Identity": "alice@contoso.com"})
        )
        .await
        .status,
        200
    );
    // ...writing is not.
    let r = f
        .call_as(
            &reader,
            "Set-Mailbox",
            json!({"Identity": "alice@contoso.com", "IsExchangeCloudManaged": true}),
        )
        .await;
    assert_eq!(r.status, 403);
    let diag = r.header("x-ms-diagnostics").unwrap();
    assert!(
        diag.contains("reason=")
            && diag.contains(READER)
            && diag.contains("IsExchangeCloudManaged"),
        "{diag}"
    );
    assert!(all_nul(&r.body));
    assert!(
        !f.emu
            .org()
            .mailbox("alice@contoso.com")
            .unwrap()
            .is_exchange_cloud_managed
    );
    // A principal nobody knows holds no role at all.
    let stranger = f.emu.issue_token("stranger@fabrikam.com");
    assert_eq!(
        f.call_as(&stranger, "Get-Mailbox", json!({})).await.status,
        403
    );
}

#[tokio::test]
async fn unknown_cmdlets_and_bad_requests() {
    let f = Fixture::new(Faults::none()).await;
    let r = f
        .call("Remove-Mailbox", json!({"Identity": "alice@contoso.com"}))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("content-encoding").as_deref(), Some("gzip"));
    assert!(all_nul(&r.body));
    assert_eq!(
        f.emu
            .stats()
            .cmdlet(soa_core::sim::emulator::UNKNOWN_CMDLET),
        1
    );

    let url = f.emu.invoke_url();
    for body in [
        "",
        "{",
        "[]",
        "{\"CmdletInput\":{}}",
        "{\"CmdletInput\":{\"CmdletName\":1}}",
    ] {
        let r = f
            .http
            .post(&url)
            .bearer_auth(&f.token)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{body:?}");
        let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert!(v["error"]["innererror"]["internalexception"]["message"].is_string());
    }
    // A body over the limit is refused from its Content-Length, before it is read.
    let addr = f.emu.addr();
    let path = url
        .split_once("127.0.0.1")
        .unwrap()
        .1
        .split_once('/')
        .unwrap()
        .1
        .to_owned();
    let token = f.token.clone();
    let head = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "POST /{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Length: 5000000\r\n\r\n"
        )
        .unwrap();
        let mut head = [0u8; 12];
        s.read_exact(&mut head).unwrap();
        String::from_utf8_lossy(&head).into_owned()
    })
    .await
    .unwrap();
    assert_eq!(head, "HTTP/1.1 413");
    let r = f.http.get(&url).bearer_auth(&f.token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let v1 = url.replace("/beta/", "/v1.0/");
    let r = f
        .http
        .post(&v1)
        .bearer_auth(&f.token)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let r = f
        .http
        .post(format!("{}/nowhere", f.emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // Parameters of the wrong shape never panic the server.
    for params in [
        json!({"Identity": ["a", "b"]}),
        json!({"Identity": {"x": 1}}),
        json!({"Filter": 12}),
        json!({"RecipientTypeDetails": [{"a": 1}]}),
    ] {
        let r = f.call("Get-Mailbox", params.clone()).await;
        assert_eq!(r.status, 400, "{params}");
    }
    let r = f
        .call("Search-AdminAuditLog", json!({"StartDate": "yesterday"}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        f.call("Get-Mailbox", json!({"Identity": "alice@contoso.com"}))
            .await
            .status,
        200
    );
}

// ----- faults -----

#[tokio::test]
async fn throttle_answers_429_with_retry_after() {
    let f = Fixture::new(Faults {
        throttle: Some(Throttle {
            rate: 1.0,
            burst: 2,
        }),
        ..Faults::none()
    })
    .await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..3 {
        let r = f.call("Get-OrganizationConfig", json!({})).await;
        statuses.push(r.status);
        if r.status == 429 {
            retry_after = r.header("retry-after");
            assert_eq!(r.json()["error"]["code"], "TooManyRequests");
        }
    }
    assert_eq!(statuses, [200, 200, 429]);
    let wait: f64 = retry_after.unwrap().parse().unwrap();
    assert!(wait > 0.5 && wait <= 1.0, "{wait}");
    tokio::time::sleep(Duration::from_secs_f64(wait + 0.05)).await;
    assert_eq!(
        f.call("Get-OrganizationConfig", json!({})).await.status,
        200
    );
    assert_eq!(f.emu.stats().fault(FaultKind::Throttled), 1);
    f.emu.set_faults(Faults::none()).unwrap();
    for _ in 0..5 {
        assert_eq!(
            f.call("Get-OrganizationConfig", json!({})).await.status,
            200
        );
    }
}

#[tokio::test]
async fn unavailable_transient_and_nul_faults() {
    let f = Fixture::new(Faults {
        unavailable_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let set = json!({"Identity": "user02@contoso.com", "CustomAttribute3": "x"});
    assert_eq!(f.call("Set-Mailbox", set.clone()).await.status, 503);

    f.emu
        .set_faults(Faults {
            transient_error_rate: 1.0,
            ..Faults::none()
        })
        .unwrap();
    let r = f.call("Set-Mailbox", set.clone()).await;
    assert!(r.status == 500 || r.status == 503, "{}", r.status);
    let (target, class, _) = r.detail();
    assert_eq!(target, "user02@contoso.com");
    assert_eq!(class, exceptions::DC_OVERLOADED);
    assert!(TRANSIENT_EXCEPTIONS.iter().any(|e| class.ends_with(e)));

    f.emu
        .set_faults(Faults {
            nul_forbidden_rate: 1.0,
            ..Faults::none()
        })
        .unwrap();
    let r = f.call("Set-Mailbox", set.clone()).await;
    assert_eq!(r.status, 403);
    assert!(all_nul(&r.body));

    // None of them applied anything.
    assert_eq!(f.audit_len(), 0);
    assert_eq!(
        f.emu
            .org()
            .mailbox("user02@contoso.com")
            .unwrap()
            .custom_attribute(3),
        None
    );
    let stats = f.emu.stats();
    for kind in [
        FaultKind::Unavailable,
        FaultKind::TransientError,
        FaultKind::NulForbidden,
    ] {
        assert_eq!(stats.fault(kind), 1, "{kind}");
    }
    assert_eq!(stats.cmdlet("Set-Mailbox"), 3);
    assert_eq!(stats.faults_total(), 3);
}

#[tokio::test]
async fn dropped_connections_before_and_after_applying() {
    let f = Fixture::new(Faults {
        drop_before_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let set = |v: &str| json!({"Identity": "user03@contoso.com", "CustomAttribute4": v});
    assert!(
        f.try_call_fresh("Set-Mailbox", set("before"))
            .await
            .is_err()
    );
    assert_eq!(f.audit_len(), 0);
    assert_eq!(
        f.emu
            .org()
            .mailbox("user03@contoso.com")
            .unwrap()
            .custom_attribute(4),
        None
    );

    f.emu
        .set_faults(Faults {
            drop_after_apply_rate: 1.0,
            ..Faults::none()
        })
        .unwrap();
    assert!(f.try_call_fresh("Set-Mailbox", set("after")).await.is_err());
    assert_eq!(f.audit_len(), 1);
    assert_eq!(
        f.emu
            .org()
            .mailbox("user03@contoso.com")
            .unwrap()
            .custom_attribute(4),
        Some("after")
    );
    let stats = f.emu.stats();
    assert_eq!(stats.fault(FaultKind::DroppedBefore), 1);
    assert_eq!(stats.fault(FaultKind::DroppedAfterApply), 1);
    // The server is still there.
    f.emu.set_faults(Faults::none()).unwrap();
    assert_eq!(
        f.call("Get-OrganizationConfig", json!({})).await.status,
        200
    );
}

#[tokio::test]
async fn applied_but_error_leaves_exactly_one_audit_record() {
    let f = Fixture::new(Faults {
        applied_but_error_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let r = f
        .call(
            "Set-Mailbox",
            json!({"Identity": "alice@contoso.com", "IsExchangeCloudManaged": true}),
        )
        .await;
    assert!(r.status == 500 || r.status == 503, "{}", r.status);
    assert!(
        f.emu
            .org()
            .mailbox("alice@contoso.com")
            .unwrap()
            .is_exchange_cloud_managed
    );
    let log = f
        .call(
            "Search-AdminAuditLog",
            json!({"ObjectIds": "alice@contoso.com"}),
        )
        .await;
    // Reads are not affected.
    assert_eq!(log.page().value.len(), 1);
    assert_eq!(f.audit_len(), 1);
    assert_eq!(f.emu.stats().fault(FaultKind::AppliedButError), 1);
    // A refused write is answered as such.
    let refused = f
        .call(
            "Set-Mailbox",
            json!({"Identity": "nobody@contoso.com", "IsExchangeCloudManaged": true}),
        )
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(f.emu.stats().fault(FaultKind::AppliedButError), 1);
}

#[tokio::test]
async fn claims_challenge_once_per_token() {
    let f = Fixture::new(Faults {
        claims_challenge: true,
        ..Faults::none()
    })
    .await;
    let r = f.call("Get-OrganizationConfig", json!({})).await;
    assert_eq!(r.status, 401);
    let challenge = r.header("www-authenticate").unwrap();
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains("error=\"insufficient_claims\"")
    );
    let claims = challenge
        .split("claims=\"")
        .nth(1)
        .unwrap()
        .trim_end_matches('"');
    let decoded: Value = serde_json::from_slice(&STANDARD.decode(claims).unwrap()).unwrap();
    assert!(decoded["access_token"].is_object());
    // Once per token.
    assert_eq!(
        f.call("Get-OrganizationConfig", json!({})).await.status,
        200
    );
    // A token requested with the claims is never challenged.
    let r = f
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", &f.emu.scope()),
            ("claims", &decoded.to_string()),
        ])
        .await;
    let token = r.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        f.call_as(&token, "Get-OrganizationConfig", json!({}))
            .await
            .status,
        200
    );
    assert_eq!(f.emu.stats().fault(FaultKind::ClaimsChallenge), 1);
}

#[tokio::test]
async fn latency_is_added_to_every_request() {
    let f = Fixture::new(Faults {
        latency: Duration::from_millis(200),
        ..Faults::none()
    })
    .await;
    let t = Instant::now();
    assert_eq!(
        f.call("Get-OrganizationConfig", json!({})).await.status,
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(200));
    assert_eq!(f.emu.stats().fault(FaultKind::Latency), 1);
}

#[tokio::test]
async fn faults_are_deterministic_for_a_seed() {
    let faults = Faults {
        unavailable_rate: 0.3,
        transient_error_rate: 0.2,
        ..Faults::none()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let f = Fixture::new(faults.clone()).await;
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(f.call("Get-OrganizationConfig", json!({})).await.status);
        }
        runs.push(statuses);
        f.emu.shutdown().await;
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&200) && runs[0].iter().any(|s| *s != 200),
        "{:?}",
        runs[0]
    );
    let f = Fixture::new(Faults::none()).await;
    assert!(
        f.emu
            .set_faults(Faults {
                drop_before_rate: 2.0,
                ..Faults::none()
            })
            .is_err()
    );
    assert!(
        f.emu
            .set_faults(Faults {
                throttle: Some(Throttle {
                    rate: f64::NAN,
                    burst: 1
                }),
                ..Faults::none()
            })
            .is_err()
    );
    // Faults read and written as JSON (the shape the bindings use).
    let parsed: Faults =
        serde_json::from_str(r#"{"latency": 0.25, "throttle": {"rate": 5, "burst": 5}}"#).unwrap();
    assert_eq!(parsed.latency, Duration::from_millis(250));
}

#[tokio::test]
async fn stats_count_requests_by_cmdlet_and_status() {
    let f = Fixture::new(Faults::none()).await;
    f.call("Get-Mailbox", json!({"Identity": "alice@contoso.com"}))
        .await;
    f.call("get-mailbox", json!({"Identity": "nobody@contoso.com"}))
        .await;
    f.call("Get-OrganizationConfig", json!({})).await;
    let s = f.emu.stats();
    assert_eq!(s.cmdlet("Get-Mailbox"), 2);
    assert_eq!(s.by_cmdlet.get("Get-Mailbox"), Some(&2));
    assert_eq!(s.invoke_requests, 3);
    assert_eq!(s.requests, 3);
    assert_eq!(s.status(200), 2);
    assert_eq!(s.status(404), 1);
    assert_eq!(s.tokens_issued, 1);
    assert_eq!(s.faults_total(), 0);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["by_cmdlet"]["Get-Mailbox"], 2);
    f.emu.reset_stats();
    assert_eq!(f.emu.stats().requests, 0);
}

// ----- lifecycle -----

#[tokio::test]
async fn shutdown_frees_the_port() {
    let f = Fixture::new(Faults::none()).await;
    assert_eq!(
        f.call("Get-OrganizationConfig", json!({})).await.status,
        200
    );
    let port = f.emu.addr().port();
    f.emu.shutdown().await;
    f.emu.shutdown().await; // idempotent
    assert!(tokio::net::TcpStream::connect(f.emu.addr()).await.is_err());
    let again = Emulator::start(
        org(),
        EmulatorOptions {
            port,
            ..options(Faults::none())
        },
    )
    .await
    .unwrap();
    assert_eq!(again.addr().port(), port);
    again.shutdown().await;
    // Dropping stops it too.
    let dropped = Emulator::start(org(), options(Faults::none()))
        .await
        .unwrap();
    let addr = dropped.addr();
    drop(dropped);
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused);
}

#[test]
fn start_blocking_serves_without_a_runtime() {
    let emu = Emulator::start_blocking(org(), options(Faults::none())).unwrap();
    let body = format!(
        "grant_type=client_credentials&client_id={CLIENT}&client_secret={SECRET}&scope=x%2F.default"
    );
    let mut s = std::net::TcpStream::connect(emu.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /{}/oauth2/v2.0/token HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        emu.tenant(),
        emu.addr(),
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("access_token"));
    let addr = emu.addr();
    emu.shutdown_blocking();
    assert!(std::net::TcpStream::connect(addr).is_err());
    // Inside a runtime, start_blocking refuses (instead of panicking).
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        assert!(Emulator::start_blocking(org(), options(Faults::none())).is_err());
    });
    assert!(
        futures_util::FutureExt::now_or_never(Emulator::start(org(), options(Faults::none())))
            .unwrap()
            .is_err()
    );
}

#[tokio::test]
async fn options_are_validated_and_secrets_never_shown() {
    let bad = [
        EmulatorOptions {
            max_page_size: 0,
            ..EmulatorOptions::default()
        },
        EmulatorOptions {
            apps: vec![
                RegisteredApp::with_secret("a", "s", "p"),
                RegisteredApp::with_certificate("A", "q"),
            ],
            ..EmulatorOptions::default()
        },
        EmulatorOptions {
            apps: vec![RegisteredApp::with_secret("a", "s", " ")],
            ..EmulatorOptions::default()
        },
        EmulatorOptions {
            tenant_id: Some("bad tenant/".into()),
            ..EmulatorOptions::default()
        },
    ];
    for options in bad {
        assert!(Emulator::start(org(), options).await.is_err());
    }
    let app = RegisteredApp::with_secret(CLIENT, SECRET, APP);
    assert!(!format!("{app:?}").contains(SECRET));
    let f = Fixture::new(Faults::none()).await;
    assert!(!format!("{:?}", f.emu).contains(SECRET));
    f.emu
        .register_app(RegisteredApp::with_secret(
            "second-app",
            "second-secret",
            READER,
        ))
        .unwrap();
    let r = f
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", "second-app"),
            ("client_secret", "second-secret"),
            ("scope", &f.emu.scope()),
        ])
        .await;
    assert_eq!(r.status, 200);
    let parsed: EmulatorOptions =
        serde_json::from_str(r#"{"seed": 3, "token_lifetime": 60, "apps": [{"client_id": "c", "secret": null, "principal": "p"}]}"#)
            .unwrap();
    assert_eq!(parsed.token_lifetime, Duration::from_secs(60));
    assert_eq!(parsed.max_page_size, 1000);
}
