//! The REST client against hostile or broken servers: a body larger than any honest answer, a
//! `303 See Other` (never a replayed POST), and a token endpoint whose error answer is not an
//! OAuth error (never echoed: it may hold what the request sent).
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use serde_json::json;
use soa_core::exo::ExchangeOnline;
use soa_core::exo::rest::{
    AccessToken, ClientOptions, ClientSecretCredential, Cloud, CredentialOptions, ExoClient,
    RetryPolicy, Secret, StaticTokenCredential, TokenCredential,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TENANT: &str = "00000000-1111-2222-3333-444444444444";

fn client(base: &str) -> ExoClient {
    ExoClient::new(
        TENANT,
        Cloud::custom(base, base).unwrap(),
        Arc::new(StaticTokenCredential::new(AccessToken::new(
            "t",
            Utc::now() + TimeDelta::hours(1),
        ))),
        Some(ClientOptions {
            retry: RetryPolicy {
                max_retries: 0,
                ..RetryPolicy::default()
            },
            timeout: Duration::from_secs(10),
            ..ClientOptions::default()
        }),
    )
    .unwrap()
}

#[tokio::test]
async fn a_body_declared_larger_than_the_limit_is_refused_unread() {
    // A raw server on loopback: it declares 300 MB and sends a little, then waits.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 8192];
        let _ = stream.read(&mut request);
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300000000\r\n\r\n{\"value\":[",
        );
        std::thread::sleep(Duration::from_millis(500));
    });
    let err = client(&base)
        .get_mailbox("a@contoso.com")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("300000000") && text.contains("not read"),
        "{text}"
    );
    server.join().unwrap();
}

#[tokio::test]
async fn a_303_is_followed_with_a_get_and_the_body_is_not_posted_again() {
    let server = MockServer::start().await;
    let invoke = format!("/adminapi/beta/{TENANT}/InvokeCommand");
    Mock::given(method("POST"))
        .and(path(invoke.clone()))
        .respond_with(
            ResponseTemplate::new(303)
                .insert_header("location", format!("{}/result/1", server.uri()).as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/result/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{
            "UserPrincipalName": "a@contoso.com",
            "PrimarySmtpAddress": "a@contoso.com",
            "IsDirSynced": true,
            "IsExchangeCloudManaged": true,
        }]})))
        .mount(&server)
        .await;
    let mailbox = client(&server.uri())
        .get_mailbox("a@contoso.com")
        .await
        .unwrap();
    assert_eq!(
        mailbox.user_principal_name.as_deref(),
        Some("a@contoso.com")
    );
    let requests = server.received_requests().await.unwrap();
    let posts = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    let gets: Vec<_> = requests
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .collect();
    assert_eq!(posts, 1, "the POST was sent once");
    assert_eq!(gets.len(), 1);
    assert!(gets[0].body.is_empty(), "the GET carries no body");
}

#[tokio::test]
async fn a_token_error_that_is_not_oauth_is_not_echoed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_string("rejected client_secret=sup3r-s3cret-value for this proxy"),
        )
        .mount(&server)
        .await;
    let credential = ClientSecretCredential::new(
        TENANT,
        "11111111-2222-3333-4444-555555555555",
        Secret::new("sup3r-s3cret-value"),
        Some(CredentialOptions::for_cloud(
            Cloud::custom(&server.uri(), &server.uri()).unwrap(),
        )),
    )
    .unwrap();
    let err = credential
        .get_token(&format!("{}/.default", server.uri()), None)
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("sup3r"), "{text}");
    assert!(
        text.contains("HTTP 400") && text.contains("not shown"),
        "{text}"
    );
}
