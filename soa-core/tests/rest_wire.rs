//! The REST client's requests and its reading of responses, pinned with a mock server on
//! loopback: the exact request of every cmdlet, token requests (secret and certificate),
//! paging, every error shape of the gateway, retries on a virtual clock, the no-double-write
//! rule for `Set-*`, the https rule, and that nothing prints a secret.
//!
//! The certificate fixtures (`tests/fixtures/rest-test-*.pem`) are a throwaway RSA key and
//! self-signed certificate made with openssl for these tests only; they are no credential.

#![allow(clippy::unwrap_used)] // test helpers unwrap what the test itself set up

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use serde_json::{Value, json};
use soa_core::exo::rest::{
    AccessToken, Anchor, AssertionAlgorithm, ClientCertificateCredential, ClientOptions,
    ClientSecretCredential, Cloud, CredentialOptions, ExoClient, RetryPolicy, Secret,
    StaticTokenCredential, TokenCredential, VirtualClock,
};
use soa_core::exo::{AuditQuery, ExchangeOnline, MailboxChanges, MailboxFilter};
use soa_core::model::RecipientTypeDetails;
use soa_core::{Error, Result};
use wiremock::matchers::{
    body_partial_json, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TENANT: &str = "00000000-1111-2222-3333-444444444444";
const TOKEN: &str = "test-access-token-0123456789";
const APP_ANCHOR: &str =
    "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@00000000-1111-2222-3333-444444444444";
const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";

fn invoke_path() -> String {
    format!("/adminapi/beta/{TENANT}/InvokeCommand")
}

fn start_time() -> DateTime<Utc> {
    "2026-11-27T10:00:00Z".parse().unwrap()
}

fn clock() -> Arc<VirtualClock> {
    Arc::new(VirtualClock::new(start_time()))
}

fn static_credential() -> Arc<dyn TokenCredential> {
    Arc::new(StaticTokenCredential::new(AccessToken::new(
        TOKEN,
        start_time() + TimeDelta::hours(10),
    )))
}

fn options(clock: &Arc<VirtualClock>) -> ClientOptions {
    ClientOptions {
        clock: clock.clone(),
        retry: RetryPolicy {
            initial_delay: Duration::from_millis(10),
            jitter: false,
            ..RetryPolicy::default()
        },
        ..ClientOptions::default()
    }
}

fn cloud(server: &MockServer) -> Cloud {
    Cloud::custom(&server.uri(), &server.uri()).unwrap()
}

async fn setup() -> (MockServer, ExoClient, Arc<VirtualClock>) {
    let server = MockServer::start().await;
    let clock = clock();
    let client = ExoClient::new(
        TENANT,
        cloud(&server),
        static_credential(),
        Some(options(&clock)),
    )
    .unwrap();
    (server, client, clock)
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v[0].clone()
}

fn page(values: Vec<Value>) -> ResponseTemplate {
    #![allow(clippy::needless_pass_by_value)] // reads better at the call sites
    ResponseTemplate::new(200).set_body_json(json!({
        "@odata.context": "https://outlook.office365.com/adminapi/beta/$metadata#Collection(Exchange.GenericHashTable)",
        "value": values,
    }))
}

fn cmdlet_is(name: &str) -> impl wiremock::Match + 'static {
    body_partial_json(json!({"CmdletInput": {"CmdletName": name}}))
}

fn mailbox_object(upn: &str) -> Value {
    json!({
        "UserPrincipalName": upn,
        "PrimarySmtpAddress": upn,
        "RecipientTypeDetails": "UserMailbox",
        "IsDirSynced": true,
        "IsExchangeCloudManaged": false,
        "CustomAttribute1": null,
        "EmailAddresses": [format!("SMTP:{upn}")],
    })
}

fn error_envelope(code: &str, class: &str, text: &str, target: &str) -> Value {
    json!({"error": {"code": code, "message": "Error executing cmdlet", "details": [
        {"code": "13", "target": target, "message": format!("Ex6F9304|{class}|{text}")}
    ]}})
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn body_of(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

fn header_of<'a>(r: &'a Request, name: &str) -> &'a str {
    r.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

fn cmdlet_of(r: &Request) -> String {
    body_of(r)["CmdletInput"]["CmdletName"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Every header of an InvokeCommand request, and its body.
fn assert_invoke(r: &Request, cmdlet: &str, parameters: &Value) {
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(r.url.path(), invoke_path());
    assert_eq!(header_of(r, "authorization"), format!("Bearer {TOKEN}"));
    assert_eq!(header_of(r, "content-type"), "application/json");
    assert_eq!(header_of(r, "accept"), "application/json");
    assert_eq!(header_of(r, "accept-charset"), "UTF-8");
    assert_eq!(header_of(r, "accept-encoding"), "gzip");
    assert_eq!(header_of(r, "x-cmdletname"), cmdlet);
    assert_eq!(header_of(r, "x-responseformat"), "json");
    assert_eq!(header_of(r, "x-anchormailbox"), APP_ANCHOR);
    assert_eq!(header_of(r, "prefer"), "odata.maxpagesize=1000");
    assert!(is_guid(header_of(r, "client-request-id")));
    assert!(is_guid(header_of(r, "connection-id")));
    assert!(header_of(r, "user-agent").starts_with("exchange-soa/"));
    assert_eq!(
        body_of(r),
        json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": parameters}})
    );
}

// ---------------------------------------------------------------------------------------------
// Request shapes, cmdlet by cmdlet
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_mailbox_request_and_reading() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .and(path(invoke_path()))
        .respond_with(page(vec![fixture("get-mailbox-ps7.json")]))
        .mount(&server)
        .await;
    let m = client.get_mailbox("alice@contoso.com").await.unwrap();
    assert_eq!(m.user_principal_name.as_deref(), Some("alice@contoso.com"));
    assert!(m.is_exchange_cloud_managed);
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 1);
    assert_invoke(
        &reqs[0],
        "Get-Mailbox",
        &json!({"Identity": "alice@contoso.com"}),
    );
}

#[tokio::test]
async fn every_call_has_its_own_request_id_and_the_client_one_connection_id() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .respond_with(page(vec![mailbox_object("a@contoso.com")]))
        .mount(&server)
        .await;
    client.get_mailbox("a@contoso.com").await.unwrap();
    client.get_mailbox("a@contoso.com").await.unwrap();
    let reqs = requests(&server).await;
    assert_ne!(
        header_of(&reqs[0], "client-request-id"),
        header_of(&reqs[1], "client-request-id")
    );
    assert_eq!(
        header_of(&reqs[0], "connection-id"),
        header_of(&reqs[1], "connection-id")
    );
}

#[tokio::test]
async fn delegated_anchor_and_page_size() {
    let server = MockServer::start().await;
    let clock = clock();
    let client = ExoClient::new(
        TENANT,
        cloud(&server),
        static_credential(),
        Some(ClientOptions {
            anchor: Anchor::Delegated {
                upn: "admin@contoso.com".into(),
            },
            page_size: 250,
            ..options(&clock)
        }),
    )
    .unwrap();
    Mock::given(method("POST"))
        .respond_with(page(vec![fixture("get-user-ps7.json")]))
        .mount(&server)
        .await;
    let u = client.get_user("alice@contoso.com").await.unwrap();
    assert_eq!(u.user_principal_name.as_deref(), Some("alice@contoso.com"));
    let reqs = requests(&server).await;
    assert_eq!(
        header_of(&reqs[0], "x-anchormailbox"),
        "UPN:admin@contoso.com"
    );
    assert_eq!(header_of(&reqs[0], "prefer"), "odata.maxpagesize=250");
    assert_eq!(
        body_of(&reqs[0]),
        json!({"CmdletInput": {"CmdletName": "Get-User", "Parameters": {"Identity": "alice@contoso.com"}}})
    );
}

#[tokio::test]
async fn set_mailbox_sends_parameters_and_hashtables() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    let mut changes = MailboxChanges::set("extensionAttribute1", "Finance");
    changes
        .set
        .insert("msExchHideFromAddressLists".into(), true.into());
    changes.add.insert(
        "proxyAddresses".into(),
        vec!["smtp:ann2@contoso.com".into()],
    );
    changes
        .remove
        .insert("EmailAddresses".into(), vec!["smtp:old@contoso.com".into()]);
    client
        .set_mailbox("ann@contoso.com", &changes)
        .await
        .unwrap();
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 1);
    assert_invoke(
        &reqs[0],
        "Set-Mailbox",
        &json!({
            "Identity": "ann@contoso.com",
            "CustomAttribute1": "Finance",
            "HiddenFromAddressListsEnabled": true,
            "EmailAddresses": {
                "@odata.type": "#Exchange.GenericHashTable",
                "Add": ["smtp:ann2@contoso.com"],
                "Remove": ["smtp:old@contoso.com"],
            },
        }),
    );
}

#[tokio::test]
async fn set_mailbox_refuses_before_sending() {
    let (server, client, _) = setup().await;
    let flag = MailboxChanges::set("IsExchangeCloudManaged", true);
    assert!(matches!(
        client.set_mailbox("a@contoso.com", &flag).await,
        Err(Error::InvalidInput { .. })
    ));
    let unknown = MailboxChanges::set("noSuchAttribute", "x");
    assert!(matches!(
        client.set_mailbox("a@contoso.com", &unknown).await,
        Err(Error::UnknownAttribute { .. })
    ));
    let mut single = MailboxChanges::default();
    single
        .add
        .insert("CustomAttribute1".into(), vec!["x".into()]);
    assert!(matches!(
        client.set_mailbox("a@contoso.com", &single).await,
        Err(Error::InvalidInput { .. })
    ));
    let mut twice = MailboxChanges::set("proxyAddresses", vec!["SMTP:a@contoso.com".to_owned()]);
    twice
        .add
        .insert("EmailAddresses".into(), vec!["smtp:b@contoso.com".into()]);
    assert!(matches!(
        client.set_mailbox("a@contoso.com", &twice).await,
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        client.get_mailbox("").await,
        Err(Error::InvalidInput { .. })
    ));
    client
        .set_mailbox("a@contoso.com", &MailboxChanges::default())
        .await
        .unwrap();
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn set_cloud_managed_is_a_call_of_its_own() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    client
        .set_cloud_managed("ann@contoso.com", true)
        .await
        .unwrap();
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 1);
    assert_invoke(
        &reqs[0],
        "Set-Mailbox",
        &json!({"Identity": "ann@contoso.com", "IsExchangeCloudManaged": true}),
    );
}

#[tokio::test]
async fn organization_config_read_and_default_switch() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Get-OrganizationConfig"))
        .respond_with(page(vec![json!({
            "Name": "contoso.onmicrosoft.com",
            "BlockExchangeProvisioningFromOnPremEnabled": true,
        })]))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Set-OrganizationConfig"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    let c = client.get_organization_config().await.unwrap();
    assert_eq!(c.name.as_deref(), Some("contoso.onmicrosoft.com"));
    assert!(c.block_exchange_provisioning_from_on_prem_enabled);
    client.set_cloud_managed_by_default(true).await.unwrap();
    client.set_cloud_managed_by_default(false).await.unwrap();
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 3);
    assert_invoke(&reqs[0], "Get-OrganizationConfig", &json!({}));
    assert_invoke(
        &reqs[1],
        "Set-OrganizationConfig",
        &json!({"ExchangeAttributesCloudManagedByDefault": true}),
    );
    assert_invoke(
        &reqs[2],
        "Set-OrganizationConfig",
        &json!({"ExchangeAttributesServerManagedByDefault": true}),
    );
}

#[tokio::test]
async fn role_assignments_take_two_steps() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Get-ManagementRole"))
        .respond_with(page(vec![
            json!({"Name": "Mail Recipients"}),
            json!({"Name": "Organization Management"}),
        ]))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"CmdletInput": {"CmdletName": "Get-ManagementRoleAssignment", "Parameters": {"Role": "Mail Recipients"}}})))
        .respond_with(page(vec![
            json!({"Role": "Mail Recipients", "RoleAssigneeName": "Recipient Management"}),
            json!({"Role": "Mail Recipients", "RoleAssigneeName": "Organization Management"}),
        ]))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"CmdletInput": {"CmdletName": "Get-ManagementRoleAssignment", "Parameters": {"Role": "Organization Management"}}})))
        .respond_with(page(vec![json!({"Role": "Organization Management", "RoleAssigneeName": "admin@contoso.com"})]))
        .mount(&server)
        .await;
    let a = client
        .role_assignments("Set-Mailbox", "IsExchangeCloudManaged")
        .await
        .unwrap();
    let pairs: Vec<(&str, &str)> = a
        .iter()
        .map(|r| (r.role.as_str(), r.assignee.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("Mail Recipients", "Recipient Management"),
            ("Mail Recipients", "Organization Management"),
            ("Organization Management", "admin@contoso.com"),
        ]
    );
    let reqs = requests(&server).await;
    assert_invoke(
        &reqs[0],
        "Get-ManagementRole",
        &json!({"Cmdlet": "Set-Mailbox", "CmdletParameters": "IsExchangeCloudManaged"}),
    );
    assert_invoke(
        &reqs[1],
        "Get-ManagementRoleAssignment",
        &json!({"Role": "Mail Recipients"}),
    );
    assert_invoke(
        &reqs[2],
        "Get-ManagementRoleAssignment",
        &json!({"Role": "Organization Management"}),
    );
}

#[tokio::test]
async fn admin_audit_log_parameters_as_given() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .respond_with(page(vec![json!({
            "RunDate": "2026-11-27T10:00:05Z",
            "Caller": "admin@contoso.com",
            "CmdletName": "Set-Mailbox",
            "ObjectModified": "alice@contoso.com",
            "CmdletParameters": [{"Name": "IsExchangeCloudManaged", "Value": true}],
            "ModifiedProperties": [{"Name": "IsExchangeCloudManaged", "OldValue": false, "NewValue": true}],
            "Succeeded": true,
        })]))
        .mount(&server)
        .await;
    let query = AuditQuery {
        start: Some("2026-11-27T09:00:00Z".parse().unwrap()),
        end: Some("2026-11-27T11:00:00.5Z".parse().unwrap()),
        cmdlets: vec!["Set-Mailbox".into()],
        object: Some("alice@contoso.com".into()),
        parameter: Some("IsExchangeCloudManaged".into()),
        caller: Some("admin@contoso.com".into()),
    };
    let records = client.search_admin_audit_log(&query).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].object, "alice@contoso.com");
    assert_eq!(records[0].new_values["IsExchangeCloudManaged"], true.into());
    let reqs = requests(&server).await;
    assert_invoke(
        &reqs[0],
        "Search-AdminAuditLog",
        &json!({
            "StartDate": "2026-11-27T09:00:00",
            "EndDate": "2026-11-27T11:00:01",
            "Cmdlets": ["Set-Mailbox"],
            "ObjectIds": ["alice@contoso.com"],
            "Parameters": ["IsExchangeCloudManaged"],
            "UserIds": ["admin@contoso.com"],
        }),
    );
    // An empty query sends no criteria.
    client
        .search_admin_audit_log(&AuditQuery::default())
        .await
        .unwrap();
    assert_invoke(
        &requests(&server).await[1],
        "Search-AdminAuditLog",
        &json!({}),
    );
}

#[tokio::test]
async fn invoke_escape_hatch_sends_any_cmdlet() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .respond_with(page(vec![json!({"DomainName": "contoso.com"})]))
        .mount(&server)
        .await;
    let mut p = serde_json::Map::new();
    p.insert("ResultSize".into(), "Unlimited".into());
    let v = client
        .invoke("Get-AcceptedDomain", p.clone())
        .await
        .unwrap();
    assert_eq!(v, [json!({"DomainName": "contoso.com"})]);
    let streamed: Vec<Value> = client
        .invoke_stream("Get-AcceptedDomain", p)
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(streamed.len(), 1);
    assert_invoke(
        &requests(&server).await[0],
        "Get-AcceptedDomain",
        &json!({"ResultSize": "Unlimited"}),
    );
    assert!(matches!(
        client
            .invoke("Get-Mailbox; Remove-Mailbox", serde_json::Map::new())
            .await,
        Err(Error::InvalidInput { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------------------------

fn next_link(server: &MockServer, token: &str) -> String {
    format!("{}{}?$skiptoken={token}", server.uri(), invoke_path())
}

fn mailbox_page(
    server: &MockServer,
    from: usize,
    count: usize,
    next: Option<&str>,
) -> ResponseTemplate {
    let values: Vec<Value> = (from..from + count)
        .map(|i| mailbox_object(&format!("user{i}@contoso.com")))
        .collect();
    let mut body = json!({"value": values});
    if let Some(t) = next {
        body["@odata.nextLink"] = Value::String(next_link(server, t));
    }
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn listing_follows_next_links_lazily_with_the_same_body() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(mailbox_page(&server, 0, 3, Some("p2")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(query_param("$skiptoken", "p2"))
        .respond_with(mailbox_page(&server, 3, 3, Some("p3")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(query_param("$skiptoken", "p3"))
        .respond_with(mailbox_page(&server, 6, 2, None))
        .mount(&server)
        .await;
    let filter = MailboxFilter {
        dir_synced: Some(true),
        cloud_managed: Some(false),
        recipient_types: vec![
            RecipientTypeDetails::UserMailbox,
            RecipientTypeDetails::SharedMailbox,
        ],
    };
    let pager = client.list_mailboxes(filter.clone());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        requests(&server).await.is_empty(),
        "the pager sent before it was polled"
    );
    let all: Vec<_> = pager.collect().await;
    assert_eq!(all.len(), 8);
    let upns: Vec<String> = all
        .into_iter()
        .map(|m| m.unwrap().user_principal_name.unwrap())
        .collect();
    assert_eq!(upns[0], "user0@contoso.com");
    assert_eq!(upns[7], "user7@contoso.com");
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 3);
    let parameters = json!({
        "ResultSize": "Unlimited",
        "Filter": filter.to_opath().unwrap(),
        "RecipientTypeDetails": ["UserMailbox", "SharedMailbox"],
    });
    for r in &reqs {
        assert_eq!(
            body_of(r),
            json!({"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": parameters}})
        );
        assert_eq!(
            header_of(r, "client-request-id"),
            header_of(&reqs[0], "client-request-id")
        );
    }
    assert_invoke(&reqs[0], "Get-Mailbox", &parameters);
    assert_eq!(reqs[1].url.query(), Some("$skiptoken=p2"));
    assert_eq!(reqs[2].url.query(), Some("$skiptoken=p3"));
}

#[tokio::test]
async fn cross_origin_next_link_is_refused() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [mailbox_object("a@contoso.com")],
            "@odata.nextLink": "https://attacker.example/adminapi/beta/x/InvokeCommand?$skiptoken=2",
        })))
        .mount(&server)
        .await;
    let all: Vec<_> = client
        .list_mailboxes(MailboxFilter::default())
        .collect()
        .await;
    assert_eq!(all.len(), 2);
    assert!(all[0].is_ok());
    let err = all[1].as_ref().unwrap_err();
    assert!(matches!(err, Error::Http { .. }), "{err}");
    assert!(err.to_string().contains("attacker.example"), "{err}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn page_cap_is_an_error_not_an_end() {
    let server = MockServer::start().await;
    let clock = clock();
    let client = ExoClient::new(
        TENANT,
        cloud(&server),
        static_credential(),
        Some(ClientOptions {
            max_pages: 2,
            ..options(&clock)
        }),
    )
    .unwrap();
    let uri = server.uri();
    Mock::given(method("POST"))
        .respond_with(move |r: &Request| {
            let n: u32 = r
                .url
                .query_pairs()
                .find(|(k, _)| k == "$skiptoken")
                .map_or(1, |(_, v)| v.parse().unwrap());
            ResponseTemplate::new(200).set_body_json(json!({
                "value": [mailbox_object(&format!("user{n}@contoso.com"))],
                "@odata.nextLink": format!("{uri}{}?$skiptoken={}", invoke_path(), n + 1),
            }))
        })
        .mount(&server)
        .await;
    let all: Vec<_> = client
        .list_mailboxes(MailboxFilter::default())
        .collect()
        .await;
    assert_eq!(all.len(), 3);
    assert!(matches!(all[2], Err(Error::InvalidInput { .. })));
    assert_eq!(requests(&server).await.len(), 2);
    // A nextLink that points at the page itself is refused too.
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .and(query_param("$skiptoken", "same"))
        .respond_with(mailbox_page(&server, 1, 1, Some("same")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(mailbox_page(&server, 0, 1, Some("same")))
        .mount(&server)
        .await;
    let all: Vec<_> = client
        .list_mailboxes(MailboxFilter::default())
        .collect()
        .await;
    assert_eq!(all.len(), 3);
    assert!(matches!(all[2], Err(Error::Http { .. })));
}

#[tokio::test]
async fn trouble_after_page_one_is_an_error() {
    for (status, body, what) in [
        (
            400u16,
            Some(error_envelope(
                "BadRequest",
                "Microsoft.Exchange.Configuration.Tasks.TaskException",
                "The skiptoken expired.",
                "",
            )),
            "exchange",
        ),
        (200, None, "empty"),
        (
            200,
            Some(Value::String("<html>not json</html>".into())),
            "json",
        ),
    ] {
        let (server, client, _) = setup().await;
        Mock::given(method("POST"))
            .and(query_param_is_missing("$skiptoken"))
            .respond_with(mailbox_page(&server, 0, 2, Some("p2")))
            .mount(&server)
            .await;
        let second = match (&body, what) {
            (Some(Value::String(s)), _) => ResponseTemplate::new(status).set_body_string(s.clone()),
            (Some(b), _) => ResponseTemplate::new(status).set_body_json(b),
            (None, _) => ResponseTemplate::new(status),
        };
        Mock::given(method("POST"))
            .and(query_param("$skiptoken", "p2"))
            .respond_with(second)
            .mount(&server)
            .await;
        let all: Vec<_> = client
            .list_mailboxes(MailboxFilter::default())
            .collect()
            .await;
        assert_eq!(all.len(), 3, "{what}");
        let err = all[2].as_ref().unwrap_err();
        match what {
            "exchange" => assert!(matches!(err, Error::Exchange { .. }), "{err}"),
            "empty" => assert!(matches!(err, Error::Http { .. }), "{err}"),
            _ => assert!(matches!(err, Error::Json { .. }), "{err}"),
        }
    }
}

#[tokio::test]
async fn empty_first_page_is_an_empty_list() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let all: Vec<_> = client
        .list_mailboxes(MailboxFilter::default())
        .collect()
        .await;
    assert!(all.is_empty());
}

#[tokio::test]
async fn gzip_bodies_are_inflated() {
    use std::io::Write;
    let (server, client, _) = setup().await;
    let body = serde_json::to_vec(&json!({"value": [mailbox_object("gz@contoso.com")]})).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&body).unwrap();
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_raw(enc.finish().unwrap(), "application/json"),
        )
        .mount(&server)
        .await;
    let m = client.get_mailbox("gz@contoso.com").await.unwrap();
    assert_eq!(m.user_principal_name.as_deref(), Some("gz@contoso.com"));
}

// ---------------------------------------------------------------------------------------------
// Error shapes (exo-rest §1.5)
// ---------------------------------------------------------------------------------------------

async fn error_for(response: ResponseTemplate) -> Error {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    client
        .set_mailbox(
            "ann@contoso.com",
            &MailboxChanges::set("CustomAttribute1", "x"),
        )
        .await
        .unwrap_err()
}

#[tokio::test]
async fn not_found_as_404_and_as_400_text() {
    let e = error_for(ResponseTemplate::new(404).set_body_json(error_envelope(
        "NotFound",
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
        "The operation couldn't be performed because object 'ann@contoso.com' couldn't be found.",
        "ann@contoso.com",
    )))
    .await;
    assert!(
        matches!(&e, Error::NotFound { what: "mailbox", identity } if identity == "ann@contoso.com"),
        "{e}"
    );
    let e = error_for(ResponseTemplate::new(400).set_body_json(json!({"error": {
        "code": "BadRequest", "message": "Error executing cmdlet",
        "details": [{"message": "|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Couldn't find object \"ann@contoso.com\"."}]
    }})))
    .await;
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
}

#[tokio::test]
async fn write_scope_refusal() {
    let text = "The operation on mailbox \"ann@contoso.com\" failed because it's out of the current user's write scope. The action 'Set-Mailbox', 'CustomAttribute1', can't be performed on the object 'ann@contoso.com' because the object is being synchronized from your on-premises organization.";
    let e = error_for(ResponseTemplate::new(400).set_body_json(error_envelope(
        "BadRequest",
        "Microsoft.Exchange.Data.Directory.ADScopeException",
        text,
        "ann@contoso.com",
    )))
    .await;
    match e {
        Error::OutOfWriteScope {
            identity,
            cmdlet,
            parameter,
            message,
        } => {
            assert_eq!(identity, "ann@contoso.com");
            assert_eq!(cmdlet, "Set-Mailbox");
            assert_eq!(parameter, "CustomAttribute1");
            assert_eq!(message, text);
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn nul_body_403_labelled_gzip_with_diagnostics() {
    let e = error_for(
        ResponseTemplate::new(403)
            .insert_header("content-encoding", "gzip")
            .insert_header(
                "x-ms-diagnostics",
                "2000008;reason=\"The user 'app' isn't assigned to any management roles.\";error_category=\"insufficient_permissions\"",
            )
            .set_body_raw(vec![0u8; 64], "application/json"),
    )
    .await;
    match &e {
        Error::AccessDenied {
            cmdlet, parameter, ..
        } => {
            assert_eq!(cmdlet, "Set-Mailbox");
            assert!(parameter.contains("CustomAttribute1"), "{parameter}");
            assert!(
                parameter.contains("isn't assigned to any management roles"),
                "{parameter}"
            );
        }
        other => panic!("{other}"),
    }
    // Without diagnostics (an unknown cmdlet): still AccessDenied, saying there was no reason.
    let e = error_for(
        ResponseTemplate::new(403)
            .insert_header("content-encoding", "gzip")
            .set_body_raw(vec![0u8; 16], "application/json"),
    )
    .await;
    assert!(matches!(e, Error::AccessDenied { .. }), "{e}");
    // The emulator's form of a denial names principal, cmdlet and parameter.
    let e = error_for(ResponseTemplate::new(403).insert_header(
        "x-ms-diagnostics",
        "2000008;reason=\"access denied: 'helpdesk@contoso.com' holds no role that grants Set-Mailbox -CustomAttribute1\";error_category=\"insufficient_permissions\"",
    ))
    .await;
    match e {
        Error::AccessDenied {
            principal,
            cmdlet,
            parameter,
        } => {
            assert_eq!(principal, "helpdesk@contoso.com");
            assert_eq!(cmdlet, "Set-Mailbox");
            assert_eq!(parameter, "CustomAttribute1");
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn non_json_and_empty_bodies() {
    let e = error_for(ResponseTemplate::new(400).set_body_string("<html>Bad Request</html>")).await;
    match &e {
        Error::Http {
            status, message, ..
        } => {
            assert_eq!(*status, 400);
            assert!(message.contains("Bad Request"), "{message}");
        }
        other => panic!("{other}"),
    }
    let e = error_for(ResponseTemplate::new(400)).await;
    assert!(matches!(e, Error::Http { status: 400, .. }), "{e}");
    let e = error_for(ResponseTemplate::new(400).set_body_json(error_envelope(
        "BadRequest",
        "System.ArgumentException",
        "Cannot process argument transformation on parameter 'CustomAttribute1'.",
        "",
    )))
    .await;
    assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
    let e = error_for(ResponseTemplate::new(400).set_body_json(error_envelope(
        "BadRequest",
        "Microsoft.Exchange.Configuration.Tasks.TaskException",
        "IsExchangeCloudManaged can't be set on this recipient.",
        "",
    )))
    .await;
    assert!(matches!(e, Error::Exchange { .. }), "{e}");
    let e = error_for(ResponseTemplate::new(200).set_body_json(json!({
        "value": [],
        "@adminapi.errors": [{"message": "Ex1|Some.Exception|The proxy address is already used."}],
    })))
    .await;
    assert!(
        matches!(&e, Error::Exchange { message, .. } if message == "The proxy address is already used."),
        "{e}"
    );
}

#[tokio::test]
async fn untrusted_redirect_is_not_followed() {
    let e = error_for(
        ResponseTemplate::new(302).insert_header("location", "https://elsewhere.example/adminapi"),
    )
    .await;
    assert!(matches!(e, Error::Http { status: 302, .. }), "{e}");
    assert!(e.to_string().contains("elsewhere.example"), "{e}");
}

/// Answers `first` for tokens without claims and `second` once claims were sent.
#[derive(Debug, Default)]
struct ClaimsCredential {
    seen: Mutex<Vec<Option<String>>>,
}

#[async_trait]
impl TokenCredential for ClaimsCredential {
    async fn get_token(&self, _scope: &str, claims: Option<&str>) -> Result<AccessToken> {
        self.seen.lock().unwrap().push(claims.map(str::to_owned));
        let token = if claims.is_some() {
            "with-claims"
        } else {
            "plain"
        };
        Ok(AccessToken::new(token, start_time() + TimeDelta::hours(1)))
    }
}

fn claims_challenge() -> ResponseTemplate {
    let claims = STANDARD.encode(r#"{"access_token":{"nbf":{"essential":true,"value":"1"}}}"#);
    ResponseTemplate::new(401).insert_header(
        "www-authenticate",
        format!("Bearer realm=\"\", error=\"insufficient_claims\", claims=\"{claims}\"").as_str(),
    )
}

#[tokio::test]
async fn claims_challenge_gets_one_new_token() {
    let server = MockServer::start().await;
    let clock = clock();
    let credential = Arc::new(ClaimsCredential::default());
    let client = ExoClient::new(
        TENANT,
        cloud(&server),
        credential.clone(),
        Some(options(&clock)),
    )
    .unwrap();
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer plain"))
        .respond_with(claims_challenge())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer with-claims"))
        .respond_with(page(vec![mailbox_object("a@contoso.com")]))
        .mount(&server)
        .await;
    client.get_mailbox("a@contoso.com").await.unwrap();
    assert_eq!(
        *credential.seen.lock().unwrap(),
        [
            None,
            Some(r#"{"access_token":{"nbf":{"essential":true,"value":"1"}}}"#.to_owned())
        ]
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn second_401_is_an_auth_error() {
    let server = MockServer::start().await;
    let clock = clock();
    let credential = Arc::new(ClaimsCredential::default());
    let client = ExoClient::new(
        TENANT,
        cloud(&server),
        credential.clone(),
        Some(options(&clock)),
    )
    .unwrap();
    Mock::given(method("POST"))
        .respond_with(claims_challenge())
        .mount(&server)
        .await;
    let e = client.get_mailbox("a@contoso.com").await.unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e}");
    assert_eq!(requests(&server).await.len(), 2);
    assert_eq!(credential.seen.lock().unwrap().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Retries on a virtual clock
// ---------------------------------------------------------------------------------------------

async fn first_then_ok(server: &MockServer, first: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .respond_with(page(vec![mailbox_object("a@contoso.com")]))
        .with_priority(2)
        .mount(server)
        .await;
}

#[tokio::test]
async fn decimal_retry_after_is_honoured() {
    let (server, client, clock) = setup().await;
    first_then_ok(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "1.5"),
        1,
    )
    .await;
    client.get_mailbox("a@contoso.com").await.unwrap();
    assert_eq!(clock.sleeps(), [Duration::from_millis(1500)]);
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        header_of(&reqs[0], "client-request-id"),
        header_of(&reqs[1], "client-request-id"),
        "a retry keeps its client-request-id"
    );
}

#[tokio::test]
async fn http_date_retry_after_is_honoured() {
    let (server, client, clock) = setup().await;
    first_then_ok(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "Fri, 27 Nov 2026 10:00:07 GMT"),
        1,
    )
    .await;
    client.get_mailbox("a@contoso.com").await.unwrap();
    assert_eq!(clock.sleeps(), [Duration::from_secs(7)]);
}

#[tokio::test]
async fn service_unavailable_then_success_backs_off() {
    let (server, client, clock) = setup().await;
    first_then_ok(&server, ResponseTemplate::new(503), 2).await;
    client.get_mailbox("a@contoso.com").await.unwrap();
    assert_eq!(
        clock.sleeps(),
        [Duration::from_millis(10), Duration::from_millis(20)]
    );
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn transient_exchange_exception_is_retried() {
    let (server, client, clock) = setup().await;
    first_then_ok(
        &server,
        ResponseTemplate::new(500).set_body_json(error_envelope(
            "InternalServerError",
            "Microsoft.Exchange.Data.Directory.DCOverloadedException",
            "The domain controller is overloaded.",
            "",
        )),
        1,
    )
    .await;
    client.get_mailbox("a@contoso.com").await.unwrap();
    assert_eq!(clock.sleeps().len(), 1);
    // The same exception in a 400 is retried too: the name decides, not the status.
    let (server, client, _) = setup().await;
    first_then_ok(
        &server,
        ResponseTemplate::new(400).set_body_json(error_envelope(
            "BadRequest",
            "Microsoft.Exchange.Data.Storage.StorageTransientException",
            "Try again.",
            "",
        )),
        1,
    )
    .await;
    client.get_mailbox("a@contoso.com").await.unwrap();
}

#[tokio::test]
async fn giving_up_on_429_is_throttled() {
    let (server, client, clock) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3"))
        .mount(&server)
        .await;
    let e = client.get_mailbox("a@contoso.com").await.unwrap_err();
    match e {
        Error::Throttled {
            retry_after_secs, ..
        } => assert_eq!(retry_after_secs, Some(3.0)),
        other => panic!("{other}"),
    }
    assert_eq!(requests(&server).await.len(), 6, "one try and five retries");
    assert_eq!(clock.sleeps().len(), 5);
    assert!(clock.sleeps().iter().all(|d| *d >= Duration::from_secs(3)));
}

#[tokio::test]
async fn retry_after_is_capped() {
    let (server, client, clock) = setup().await;
    first_then_ok(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "86400"),
        1,
    )
    .await;
    client.get_mailbox("a@contoso.com").await.unwrap();
    assert_eq!(clock.sleeps(), [Duration::from_secs(300)]);
}

#[tokio::test]
async fn unguarded_writes_are_not_replayed_after_a_5xx() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let mut p = serde_json::Map::new();
    p.insert("Identity".into(), "x".into());
    let e = client
        .invoke("Set-CASMailbox", p.clone())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Http { status: 503, .. }), "{e}");
    assert_eq!(requests(&server).await.len(), 1);
    // A 429 was certainly not applied: retried.
    let (server, client, _) = setup().await;
    first_then_ok(&server, ResponseTemplate::new(429), 1).await;
    client.invoke("Set-CASMailbox", p).await.unwrap();
    assert_eq!(requests(&server).await.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// No double application of Set-*
// ---------------------------------------------------------------------------------------------

async fn count(server: &MockServer, cmdlet: &str) -> usize {
    requests(server)
        .await
        .iter()
        .filter(|r| cmdlet_of(r) == cmdlet)
        .count()
}

#[tokio::test]
async fn set_mailbox_503_already_applied_is_sent_once() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Set-Mailbox"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let mut applied = mailbox_object("ann@contoso.com");
    applied["CustomAttribute1"] = json!("Finance");
    applied["EmailAddresses"] = json!(["SMTP:ann@contoso.com", "smtp:ann2@contoso.com"]);
    Mock::given(method("POST"))
        .and(cmdlet_is("Get-Mailbox"))
        .respond_with(page(vec![applied]))
        .mount(&server)
        .await;
    let mut changes = MailboxChanges::set("CustomAttribute1", "Finance");
    changes.add.insert(
        "EmailAddresses".into(),
        vec!["smtp:ann2@contoso.com".into()],
    );
    client
        .set_mailbox("ann@contoso.com", &changes)
        .await
        .unwrap();
    assert_eq!(count(&server, "Set-Mailbox").await, 1);
    assert_eq!(count(&server, "Get-Mailbox").await, 1);
}

#[tokio::test]
async fn set_mailbox_503_not_applied_is_sent_again() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Set-Mailbox"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Set-Mailbox"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Get-Mailbox"))
        .respond_with(page(vec![mailbox_object("ann@contoso.com")]))
        .mount(&server)
        .await;
    client
        .set_mailbox(
            "ann@contoso.com",
            &MailboxChanges::set("CustomAttribute1", "Finance"),
        )
        .await
        .unwrap();
    assert_eq!(count(&server, "Set-Mailbox").await, 2);
    assert_eq!(count(&server, "Get-Mailbox").await, 1);
}

#[tokio::test]
async fn set_mailbox_after_429_is_retried_without_a_read() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Set-Mailbox"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0.1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Set-Mailbox"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    client
        .set_mailbox(
            "ann@contoso.com",
            &MailboxChanges::set("CustomAttribute1", "Finance"),
        )
        .await
        .unwrap();
    assert_eq!(count(&server, "Set-Mailbox").await, 2);
    assert_eq!(count(&server, "Get-Mailbox").await, 0);
}

#[tokio::test]
async fn unverifiable_change_is_reported_not_replayed() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Set-Mailbox"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    // Get-Mailbox output without RetentionPolicy: the change cannot be read back.
    Mock::given(method("POST"))
        .and(cmdlet_is("Get-Mailbox"))
        .respond_with(page(vec![mailbox_object("ann@contoso.com")]))
        .mount(&server)
        .await;
    let e = client
        .set_mailbox(
            "ann@contoso.com",
            &MailboxChanges::set("RetentionPolicy", "Default"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Http { status: 503, .. }), "{e}");
    assert_eq!(count(&server, "Set-Mailbox").await, 1);
}

#[tokio::test]
async fn flag_and_tenant_default_are_read_back_before_a_replay() {
    let (server, client, _) = setup().await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Set-Mailbox"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let mut flipped = mailbox_object("ann@contoso.com");
    flipped["IsExchangeCloudManaged"] = json!(true);
    Mock::given(method("POST"))
        .and(cmdlet_is("Get-Mailbox"))
        .respond_with(page(vec![flipped]))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Set-OrganizationConfig"))
        .respond_with(ResponseTemplate::new(504))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(cmdlet_is("Get-OrganizationConfig"))
        .respond_with(page(vec![
            json!({"Name": "contoso", "BlockExchangeProvisioningFromOnPremEnabled": true}),
        ]))
        .mount(&server)
        .await;
    client
        .set_cloud_managed("ann@contoso.com", true)
        .await
        .unwrap();
    client.set_cloud_managed_by_default(true).await.unwrap();
    assert_eq!(count(&server, "Set-Mailbox").await, 1);
    assert_eq!(count(&server, "Set-OrganizationConfig").await, 1);
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_is_limited_per_client() {
    let server = MockServer::start().await;
    let clock = clock();
    let client = ExoClient::new(
        TENANT,
        cloud(&server),
        static_credential(),
        Some(ClientOptions {
            concurrency: 2,
            ..options(&clock)
        }),
    )
    .unwrap();
    Mock::given(method("POST"))
        .respond_with(
            page(vec![mailbox_object("a@contoso.com")]).set_delay(Duration::from_millis(100)),
        )
        .mount(&server)
        .await;
    let started = Instant::now();
    let calls = (0..6).map(|_| client.get_mailbox("a@contoso.com"));
    for r in futures_util::future::join_all(calls).await {
        r.unwrap();
    }
    // Six calls, two at a time, 100 ms each: at least three rounds.
    assert!(
        started.elapsed() >= Duration::from_millis(290),
        "{:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// Credentials and token requests
// ---------------------------------------------------------------------------------------------

fn form(r: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&r.body).into_owned().collect()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn token_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
            "access_token": "issued-token-abcdef",
        })))
        .mount(&server)
        .await;
    server
}

fn credential_options(server: &MockServer, clock: &Arc<VirtualClock>) -> CredentialOptions {
    CredentialOptions {
        clock: clock.clone(),
        ..CredentialOptions::for_cloud(cloud(server))
    }
}

#[tokio::test]
async fn client_secret_token_request_and_cache() {
    let server = token_server().await;
    let clock = clock();
    let credential = ClientSecretCredential::new(
        TENANT,
        CLIENT_ID,
        Secret::new("sup3r-s3cret-value"),
        Some(credential_options(&server, &clock)),
    )
    .unwrap();
    let scope = format!("{}/.default", server.uri());
    let t = credential.get_token(&scope, None).await.unwrap();
    assert_eq!(t.secret.expose(), "issued-token-abcdef");
    assert_eq!(t.expires_at, start_time() + TimeDelta::seconds(3599));
    // Cached until five minutes before expiry.
    credential.get_token(&scope, None).await.unwrap();
    clock.advance(Duration::from_secs(50 * 60));
    credential.get_token(&scope, None).await.unwrap();
    assert_eq!(requests(&server).await.len(), 1);
    clock.advance(Duration::from_secs(6 * 60));
    credential.get_token(&scope, None).await.unwrap();
    assert_eq!(requests(&server).await.len(), 2);
    // A claims challenge always asks again, with the claims.
    credential
        .get_token(&scope, Some(r#"{"a":1}"#))
        .await
        .unwrap();
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 3);
    let f = form(&reqs[0]);
    assert_eq!(
        header_of(&reqs[0], "content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(field(&f, "grant_type"), Some("client_credentials"));
    assert_eq!(field(&f, "client_id"), Some(CLIENT_ID));
    assert_eq!(field(&f, "scope"), Some(scope.as_str()));
    assert_eq!(field(&f, "client_secret"), Some("sup3r-s3cret-value"));
    assert_eq!(field(&f, "claims"), None);
    assert_eq!(f.len(), 4);
    assert_eq!(field(&form(&reqs[2]), "claims"), Some(r#"{"a":1}"#));
}

#[tokio::test]
async fn client_uses_the_credential_and_its_scope() {
    let server = token_server().await;
    Mock::given(method("POST"))
        .and(path(invoke_path()))
        .respond_with(page(vec![mailbox_object("a@contoso.com")]))
        .mount(&server)
        .await;
    let clock = clock();
    let credential = ClientSecretCredential::new(
        TENANT,
        CLIENT_ID,
        Secret::new("sup3r-s3cret-value"),
        Some(credential_options(&server, &clock)),
    )
    .unwrap();
    let client = ExoClient::new(
        TENANT,
        cloud(&server),
        Arc::new(credential),
        Some(options(&clock)),
    )
    .unwrap();
    client.get_mailbox("a@contoso.com").await.unwrap();
    client.get_mailbox("a@contoso.com").await.unwrap();
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 3, "one token request, two calls");
    assert_eq!(
        field(&form(&reqs[0]), "scope"),
        Some(format!("{}/.default", server.uri()).as_str())
    );
    assert_eq!(
        header_of(&reqs[1], "authorization"),
        "Bearer issued-token-abcdef"
    );
}

#[tokio::test]
async fn token_endpoint_refusal_is_an_auth_error_without_the_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x",
        })))
        .mount(&server)
        .await;
    let clock = clock();
    let credential = ClientSecretCredential::new(
        TENANT,
        CLIENT_ID,
        Secret::new("sup3r-s3cret-value"),
        Some(credential_options(&server, &clock)),
    )
    .unwrap();
    let client = ExoClient::new(
        TENANT,
        cloud(&server),
        Arc::new(credential),
        Some(options(&clock)),
    )
    .unwrap();
    let e = client.get_mailbox("a@contoso.com").await.unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e}");
    let text = format!("{e} {e:?}");
    assert!(text.contains("AADSTS7000215"), "{text}");
    assert!(!text.contains("sup3r-s3cret-value"), "{text}");
}

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The certificate's SHA-256 thumbprint, base64url, as openssl computes it:
/// `openssl x509 -in rest-test-cert.pem -outform der | openssl dgst -sha256 -binary | basenc --base64url`.
const CERT_X5T_S256: &str = "_c8NySMPZ96t-mRlLAWrxy_qJqIY2ytSXOTpuYAsa5c";

fn jwt_part(jwt: &str, i: usize) -> Value {
    let part = jwt.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn certificate_assertion() {
    let server = token_server().await;
    let clock = clock();
    let credential = ClientCertificateCredential::new(
        TENANT,
        CLIENT_ID,
        &read_fixture("rest-test-key.pem"),
        &read_fixture("rest-test-cert.pem"),
        Some(credential_options(&server, &clock)),
    )
    .unwrap();
    assert_eq!(credential.thumbprint_sha256(), CERT_X5T_S256);
    let scope = format!("{}/.default", server.uri());
    credential.get_token(&scope, None).await.unwrap();
    let reqs = requests(&server).await;
    let f = form(&reqs[0]);
    assert_eq!(field(&f, "grant_type"), Some("client_credentials"));
    assert_eq!(field(&f, "client_id"), Some(CLIENT_ID));
    assert_eq!(field(&f, "scope"), Some(scope.as_str()));
    assert_eq!(
        field(&f, "client_assertion_type"),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert_eq!(field(&f, "client_secret"), None);
    let jwt = field(&f, "client_assertion").unwrap();
    let header = jwt_part(jwt, 0);
    assert_eq!(header["alg"], "PS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["x5t#S256"], CERT_X5T_S256);
    let claims = jwt_part(jwt, 1);
    let token_url = format!("{}/{TENANT}/oauth2/v2.0/token", server.uri());
    assert_eq!(claims["aud"], token_url.as_str());
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    assert!(is_guid(claims["jti"].as_str().unwrap()));
    let nbf = claims["nbf"].as_i64().unwrap();
    let exp = claims["exp"].as_i64().unwrap();
    assert_eq!(nbf, start_time().timestamp());
    assert!(exp > nbf && exp - nbf <= 600, "exp - nbf = {}", exp - nbf);
    // The signature verifies with the certificate's public key.
    let key =
        jsonwebtoken::DecodingKey::from_rsa_pem(&read_fixture("rest-test-pubkey.pem")).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::PS256);
    validation.set_audience(&[token_url.as_str()]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    jsonwebtoken::decode::<Value>(jwt, &key, &validation).unwrap();
    // Each assertion is new.
    credential.get_token(&scope, Some("{}")).await.unwrap();
    let second = field(&form(&requests(&server).await[1]), "client_assertion")
        .unwrap()
        .to_owned();
    assert_ne!(jwt_part(&second, 1)["jti"], claims["jti"]);
}

#[tokio::test]
async fn certificate_assertion_rs256() {
    let server = token_server().await;
    let clock = clock();
    let credential = ClientCertificateCredential::new(
        TENANT,
        CLIENT_ID,
        &read_fixture("rest-test-key.pem"),
        &read_fixture("rest-test-cert.pem"),
        Some(credential_options(&server, &clock)),
    )
    .unwrap()
    .with_algorithm(AssertionAlgorithm::Rs256);
    credential
        .get_token(&format!("{}/.default", server.uri()), None)
        .await
        .unwrap();
    let jwt = field(&form(&requests(&server).await[0]), "client_assertion")
        .unwrap()
        .to_owned();
    let header = jwt_part(&jwt, 0);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["x5t#S256"], CERT_X5T_S256);
    assert!(header["x5t"].is_string());
}

#[test]
fn certificate_input_is_checked() {
    let key = read_fixture("rest-test-key.pem");
    let cert = read_fixture("rest-test-cert.pem");
    let new = |k: &[u8], c: &[u8]| ClientCertificateCredential::new(TENANT, CLIENT_ID, k, c, None);
    assert!(matches!(
        new(&key, b"not pem"),
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(new(&cert, &cert), Err(Error::InvalidInput { .. })));
    assert!(matches!(new(&key, &key), Err(Error::InvalidInput { .. })));
    // One file with both blocks works.
    let both = [cert.clone(), key.clone()].concat();
    new(&both, &both).unwrap();
    let e = new(&key, b"not pem").unwrap_err().to_string();
    assert!(!e.contains("PRIVATE"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// https only, and no secret in Debug
// ---------------------------------------------------------------------------------------------

#[test]
fn http_is_refused_except_on_loopback() {
    let refused = Cloud::custom("http://outlook.example.com", "https://login.example.com");
    assert!(matches!(refused, Err(Error::InvalidInput { .. })));
    let direct = Cloud::Custom {
        exchange: url::Url::parse("http://10.1.2.3").unwrap(),
        login: url::Url::parse("https://login.example.com").unwrap(),
    };
    let e = ExoClient::new(TENANT, direct.clone(), static_credential(), None).unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
    assert!(e.to_string().contains("https"), "{e}");
    let e = ClientSecretCredential::new(
        TENANT,
        CLIENT_ID,
        Secret::new("x"),
        Some(CredentialOptions::for_cloud(Cloud::Custom {
            exchange: url::Url::parse("https://outlook.example.com").unwrap(),
            login: url::Url::parse("http://login.example.com").unwrap(),
        })),
    )
    .unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
    for ok in ["http://127.0.0.1:9", "http://[::1]:9", "http://localhost:9"] {
        ExoClient::new(
            TENANT,
            Cloud::custom(ok, ok).unwrap(),
            static_credential(),
            None,
        )
        .unwrap();
    }
    ExoClient::new(TENANT, Cloud::Commercial, static_credential(), None).unwrap();
}

#[test]
fn options_are_checked() {
    let new =
        |o: ClientOptions| ExoClient::new(TENANT, Cloud::Commercial, static_credential(), Some(o));
    for bad in [
        ClientOptions {
            page_size: 0,
            ..ClientOptions::default()
        },
        ClientOptions {
            page_size: 1001,
            ..ClientOptions::default()
        },
        ClientOptions {
            max_pages: 0,
            ..ClientOptions::default()
        },
        ClientOptions {
            concurrency: 0,
            ..ClientOptions::default()
        },
        ClientOptions {
            api_version: "beta/../x".into(),
            ..ClientOptions::default()
        },
        ClientOptions {
            anchor: Anchor::Delegated {
                upn: "bad\nupn".into(),
            },
            ..ClientOptions::default()
        },
    ] {
        assert!(matches!(new(bad), Err(Error::InvalidInput { .. })));
    }
    for tenant in ["", "a/b", "x?y"] {
        assert!(ExoClient::new(tenant, Cloud::Commercial, static_credential(), None).is_err());
    }
    let c = new(ClientOptions::default()).unwrap();
    assert_eq!(
        c.endpoint().as_str(),
        format!("https://outlook.office365.com/adminapi/beta/{TENANT}/InvokeCommand")
    );
    assert_eq!(c.options().max_pages, 1000);
    assert_eq!(c.options().timeout, Duration::from_secs(960));
}

#[tokio::test]
async fn debug_prints_no_secret_and_no_token() {
    let server = token_server().await;
    let clock = clock();
    let secret = "sup3r-s3cret-value";
    let credential = Arc::new(
        ClientSecretCredential::new(
            TENANT,
            CLIENT_ID,
            Secret::new(secret),
            Some(credential_options(&server, &clock)),
        )
        .unwrap(),
    );
    let scope = format!("{}/.default", server.uri());
    let token = credential.get_token(&scope, None).await.unwrap();
    let client = ExoClient::new(
        TENANT,
        cloud(&server),
        credential.clone(),
        Some(options(&clock)),
    )
    .unwrap();
    let cert = ClientCertificateCredential::new(
        TENANT,
        CLIENT_ID,
        &read_fixture("rest-test-key.pem"),
        &read_fixture("rest-test-cert.pem"),
        Some(credential_options(&server, &clock)),
    )
    .unwrap();
    let fixed = StaticTokenCredential::new(AccessToken::new("static-token-xyz", start_time()));
    let key_text = String::from_utf8(read_fixture("rest-test-key.pem")).unwrap();
    let key_line = key_text.lines().nth(1).unwrap();
    let printed = [
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{credential:?}"),
        format!("{cert:?}"),
        format!("{fixed:?}"),
        format!("{token:?}"),
        format!("{}", token.secret),
    ];
    for p in &printed {
        for hidden in [secret, "issued-token-abcdef", "static-token-xyz", key_line] {
            assert!(!p.contains(hidden), "{hidden:?} printed in {p}");
        }
    }
    assert!(printed[0].contains(TENANT));
    assert!(printed[2].contains("Secret(***)"));
}
