//! The REST client against the HTTP emulator, over real loopback sockets: every
//! [`ExchangeOnline`] method, both credential kinds, paging across many pages, and every fault
//! kind the emulator injects. Under faults each operation either completes correctly or fails
//! with a typed error; nothing is lost silently and nothing is applied twice (the simulated
//! organization's admin audit log holds exactly one record per applied change).
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // tests
#![allow(clippy::print_stderr)] // failures under faults are shown, to see which kinds occur

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use soa_core::exo::rest::{
    ClientCertificateCredential, ClientOptions, ClientSecretCredential, Cloud, CredentialOptions,
    ExoClient, RetryPolicy, Secret,
};
use soa_core::exo::{AuditQuery, ExchangeOnline, MailboxChanges, MailboxFilter};
use soa_core::model::RecipientTypeDetails;
use soa_core::sim::emulator::{
    Emulator, EmulatorOptions, FaultKind, Faults, RegisteredApp, Throttle,
};
use soa_core::sim::{NewAdUser, SimulatedOrg};
use soa_core::{Error, ErrorKind};

const CLIENT: &str = "6f1c2d3e-0000-4000-8000-00000000e2e0";
const SECRET: &str = "e2e-client-secret";
const CERT_CLIENT: &str = "6f1c2d3e-0000-4000-8000-00000000e2e1";
const READER_CLIENT: &str = "6f1c2d3e-0000-4000-8000-00000000e2e2";
const APP: &str = "app@contoso.com";
const READER: &str = "reader@contoso.com";
/// Dir-synced mailboxes (synced from AD, not cloud-managed).
const SYNCED: usize = 12;
/// Cloud mailboxes.
const CLOUD: usize = 60;

fn synced(i: usize) -> String {
    format!("synced{i:02}@contoso.com")
}

fn cloud_box(i: usize) -> String {
    format!("cloud{i:03}@contoso.com")
}

/// contoso.com: dir-synced mailboxes, cloud mailboxes, a shared mailbox; an admin app, a
/// certificate app and a read-only app.
fn org(cloud: usize) -> SimulatedOrg {
    let org = SimulatedOrg::new("contoso.com");
    for i in 0..SYNCED {
        org.add_ad_user(NewAdUser {
            user_principal_name: synced(i),
            remote_mailbox: Some(RecipientTypeDetails::RemoteUserMailbox),
            ..NewAdUser::default()
        })
        .unwrap();
    }
    org.sync_cycle();
    for i in 0..SYNCED {
        org.assign_license(&synced(i)).unwrap();
    }
    for i in 0..cloud {
        org.add_cloud_mailbox(&cloud_box(i), RecipientTypeDetails::UserMailbox)
            .unwrap();
    }
    org.add_cloud_mailbox("shared@contoso.com", RecipientTypeDetails::SharedMailbox)
        .unwrap();
    org.add_principal(APP, &["Exchange Administrator"]);
    org.add_principal(READER, &["View-Only Organization Management"]);
    org
}

async fn emulator(org: SimulatedOrg, faults: Faults, seed: u64) -> Emulator {
    Emulator::start(
        org,
        EmulatorOptions {
            apps: vec![
                RegisteredApp::with_secret(CLIENT, SECRET, APP),
                RegisteredApp::with_certificate(CERT_CLIENT, APP),
                RegisteredApp::with_secret(READER_CLIENT, SECRET, READER),
            ],
            faults,
            seed,
            ..EmulatorOptions::default()
        },
    )
    .await
    .unwrap()
}

fn emulator_cloud(e: &Emulator) -> Cloud {
    Cloud::custom(e.base_url(), e.base_url()).unwrap()
}

/// Short waits so that fault tests run quickly (but long enough, with full jitter, to spread
/// eight callers contending for a throttle); the server's `Retry-After` still rules.
fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(25),
        max_delay: Duration::from_millis(400),
        max_retry_after: Duration::from_secs(2),
        ..RetryPolicy::default()
    }
}

fn credential(e: &Emulator, client_id: &str) -> Arc<ClientSecretCredential> {
    Arc::new(
        ClientSecretCredential::new(
            e.tenant(),
            client_id,
            Secret::new(SECRET),
            Some(CredentialOptions::for_cloud(emulator_cloud(e))),
        )
        .unwrap(),
    )
}

fn client_as(e: &Emulator, client_id: &str, page_size: u32) -> ExoClient {
    ExoClient::new(
        e.tenant(),
        emulator_cloud(e),
        credential(e, client_id),
        Some(ClientOptions {
            page_size,
            retry: fast_retries(),
            timeout: Duration::from_secs(30),
            ..ClientOptions::default()
        }),
    )
    .unwrap()
}

fn client(e: &Emulator) -> ExoClient {
    client_as(e, CLIENT, 1000)
}

/// Set-Mailbox records of the organization's admin audit log for `object`.
async fn set_mailbox_records(org: &SimulatedOrg, object: &str) -> usize {
    org.search_admin_audit_log(&AuditQuery {
        cmdlets: vec!["Set-Mailbox".into()],
        object: Some(object.into()),
        ..AuditQuery::default()
    })
    .await
    .unwrap()
    .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_against_the_emulator() {
    let e = emulator(org(CLOUD), Faults::none(), 1).await;
    let c = client(&e);

    let m = c.get_mailbox(&synced(0)).await.unwrap();
    assert!(m.is_dir_synced);
    assert!(!m.is_exchange_cloud_managed);
    let u = c.get_user(&synced(0)).await.unwrap();
    assert_eq!(u.user_principal_name.as_deref(), Some(synced(0).as_str()));

    let nobody = c.get_mailbox("nobody@contoso.com").await.unwrap_err();
    assert!(
        matches!(&nobody, Error::NotFound { what: "mailbox", identity } if identity == "nobody@contoso.com"),
        "{nobody}"
    );
    assert!(matches!(
        c.get_user("nobody@contoso.com").await,
        Err(Error::NotFound { .. })
    ));

    // Listings with and without filters.
    let all: Vec<_> = c.list_mailboxes(MailboxFilter::default()).collect().await;
    assert_eq!(all.len(), SYNCED + CLOUD + 1);
    let synced_only: Vec<_> = c
        .list_mailboxes(MailboxFilter {
            dir_synced: Some(true),
            ..MailboxFilter::default()
        })
        .collect()
        .await;
    assert_eq!(synced_only.len(), SYNCED);
    let shared: Vec<_> = c
        .list_mailboxes(MailboxFilter {
            recipient_types: vec![RecipientTypeDetails::SharedMailbox],
            ..MailboxFilter::default()
        })
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(shared.len(), 1);
    assert_eq!(
        shared[0].user_principal_name.as_deref(),
        Some("shared@contoso.com")
    );

    // The write-scope rule, then the flip, then the edit.
    let refused = c
        .set_mailbox(
            &synced(0),
            &MailboxChanges::set("extensionAttribute1", "Finance"),
        )
        .await
        .unwrap_err();
    match &refused {
        Error::OutOfWriteScope {
            identity,
            parameter,
            ..
        } => {
            assert_eq!(identity, &synced(0));
            assert_eq!(parameter, "CustomAttribute1");
        }
        other => panic!("{other}"),
    }
    c.set_cloud_managed(&synced(0), true).await.unwrap();
    assert!(
        c.get_mailbox(&synced(0))
            .await
            .unwrap()
            .is_exchange_cloud_managed
    );
    let mut changes = MailboxChanges::set("extensionAttribute1", "Finance");
    changes.add.insert(
        "proxyAddresses".into(),
        vec!["smtp:alias0@contoso.com".into()],
    );
    c.set_mailbox(&synced(0), &changes).await.unwrap();
    let m = c.get_mailbox(&synced(0)).await.unwrap();
    assert_eq!(m.custom_attribute(1), Some("Finance"));
    assert!(
        m.email_addresses
            .iter()
            .any(|a| a == "smtp:alias0@contoso.com")
    );
    let mut remove = MailboxChanges::default();
    remove.remove.insert(
        "EmailAddresses".into(),
        vec!["smtp:alias0@contoso.com".into()],
    );
    c.set_mailbox(&synced(0), &remove).await.unwrap();
    assert!(
        !c.get_mailbox(&synced(0))
            .await
            .unwrap()
            .email_addresses
            .iter()
            .any(|a| a == "smtp:alias0@contoso.com")
    );
    assert!(matches!(
        c.set_mailbox(
            &synced(0),
            &MailboxChanges::set("IsExchangeCloudManaged", false)
        )
        .await,
        Err(Error::InvalidInput { .. })
    ));
    let bad_type = c
        .set_mailbox(
            &synced(0),
            &MailboxChanges::set("RecipientTypeDetails", "Spaceship"),
        )
        .await
        .unwrap_err();
    assert!(bad_type.is_bad_input(), "{bad_type}");

    // The tenant default.
    assert!(
        !c.get_organization_config()
            .await
            .unwrap()
            .block_exchange_provisioning_from_on_prem_enabled
    );
    c.set_cloud_managed_by_default(true).await.unwrap();
    assert!(
        c.get_organization_config()
            .await
            .unwrap()
            .block_exchange_provisioning_from_on_prem_enabled
    );
    c.set_cloud_managed_by_default(false).await.unwrap();
    assert!(!e.org().cloud_managed_by_default());

    // Roles.
    let roles = c
        .role_assignments("Set-Mailbox", "IsExchangeCloudManaged")
        .await
        .unwrap();
    assert!(
        roles
            .iter()
            .any(|r| r.role == "Exchange Administrator" && r.assignee == APP),
        "{roles:?}"
    );
    assert!(!roles.iter().any(|r| r.assignee == READER), "{roles:?}");

    // The audit log, through the gateway, equals the organization's own.
    let query = AuditQuery {
        cmdlets: vec!["Set-Mailbox".into()],
        object: Some(synced(0)),
        ..AuditQuery::default()
    };
    let via_rest = c.search_admin_audit_log(&query).await.unwrap();
    let direct = e.org().search_admin_audit_log(&query).await.unwrap();
    assert_eq!(via_rest, direct);
    assert_eq!(via_rest.len(), 3, "the flip, the edit, the removal");
    assert!(via_rest.iter().all(|r| r.caller == APP));
    let flips = c
        .search_admin_audit_log(&AuditQuery {
            parameter: Some("IsExchangeCloudManaged".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(flips.len(), 1);

    // A read-only app is denied writes, with the reason.
    let reader = client_as(&e, READER_CLIENT, 1000);
    reader.get_mailbox(&synced(1)).await.unwrap();
    let denied = reader
        .set_cloud_managed(&synced(1), true)
        .await
        .unwrap_err();
    match &denied {
        Error::AccessDenied {
            principal,
            cmdlet,
            parameter,
        } => {
            assert_eq!(principal, READER);
            assert_eq!(cmdlet, "Set-Mailbox");
            assert_eq!(parameter, "IsExchangeCloudManaged");
        }
        other => panic!("{other}"),
    }
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_credential_against_the_emulator() {
    let e = emulator(org(3), Faults::none(), 2).await;
    let read = |name: &str| {
        std::fs::read(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let credential = ClientCertificateCredential::new(
        e.tenant(),
        CERT_CLIENT,
        &read("rest-test-key.pem"),
        &read("rest-test-cert.pem"),
        Some(CredentialOptions::for_cloud(emulator_cloud(&e))),
    )
    .unwrap();
    let c = ExoClient::new(e.tenant(), emulator_cloud(&e), Arc::new(credential), None).unwrap();
    c.get_mailbox(&cloud_box(0)).await.unwrap();
    assert_eq!(e.stats().token_requests, 1);
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_across_many_pages() {
    let total_cloud = 2_400;
    let e = emulator(org(total_cloud), Faults::none(), 3).await;
    let c = client_as(&e, CLIENT, 100);
    let upns: Vec<String> = c
        .list_mailboxes(MailboxFilter::default())
        .map(|m| m.unwrap().user_principal_name.unwrap())
        .collect()
        .await;
    let expected = SYNCED + total_cloud + 1;
    assert_eq!(upns.len(), expected);
    let unique: BTreeSet<&String> = upns.iter().collect();
    assert_eq!(unique.len(), expected, "no mailbox twice");
    let pages = e.stats().cmdlet("Get-Mailbox");
    assert_eq!(pages, expected.div_ceil(100) as u64);
    // The same with a filter that keeps a few per page.
    let synced: Vec<_> = c
        .list_mailboxes(MailboxFilter {
            dir_synced: Some(true),
            cloud_managed: Some(false),
            ..MailboxFilter::default()
        })
        .collect()
        .await;
    assert_eq!(synced.len(), SYNCED);
    e.shutdown().await;
}

/// A workload under `faults`: reads of every mailbox, a listing, `Set-Mailbox` on every cloud
/// mailbox, and the flag on every dir-synced one. Returns how many operations failed (each
/// with a typed error) and checks that nothing was lost or applied twice.
async fn workload_under(faults: Faults, seed: u64, kind: FaultKind) -> usize {
    workload_with(faults, seed, kind, |o| o).await
}

/// [`workload_under`] with client options changed by `tune`.
async fn workload_with(
    faults: Faults,
    seed: u64,
    kind: FaultKind,
    tune: impl FnOnce(ClientOptions) -> ClientOptions,
) -> usize {
    let org = org(CLOUD);
    let e = emulator(org.clone(), faults, seed).await;
    let c = client(&e);
    let c = ExoClient::new(
        e.tenant(),
        emulator_cloud(&e),
        credential(&e, CLIENT),
        Some(tune(c.options().clone())),
    )
    .unwrap();
    let typed = |err: &Error| {
        matches!(
            err.kind(),
            ErrorKind::AccessDenied
                | ErrorKind::Throttled
                | ErrorKind::Transport
                | ErrorKind::Http
                | ErrorKind::Exchange
                | ErrorKind::Auth
        )
    };
    let mut failures = 0;

    // Reads: correct content or a typed error.
    for i in 0..CLOUD {
        match c.get_mailbox(&cloud_box(i)).await {
            Ok(m) => assert_eq!(
                m.user_principal_name.as_deref(),
                Some(cloud_box(i).as_str())
            ),
            Err(err) => {
                eprintln!("{kind}: read failed: {err}");
                assert!(typed(&err), "{kind}: read failed untyped: {err}");
                failures += 1;
            }
        }
    }

    // A listing: all of it, or an error at the end, never a short list.
    let listed: Vec<_> = c.list_mailboxes(MailboxFilter::default()).collect().await;
    match listed.last() {
        Some(Err(err)) => {
            eprintln!("{kind}: listing failed: {err}");
            assert!(typed(err), "{kind}: listing failed untyped: {err}");
            failures += 1;
        }
        _ => {
            assert_eq!(
                listed.len(),
                SYNCED + CLOUD + 1,
                "{kind}: silent loss in a listing"
            );
        }
    }

    // Writes, concurrently: each applied exactly once, or failed.
    let writes = (0..CLOUD).map(|i| {
        let c = c.clone();
        async move {
            let r = c
                .set_mailbox(
                    &cloud_box(i),
                    &MailboxChanges::set("CustomAttribute3", format!("v{i}")),
                )
                .await;
            (i, r)
        }
    });
    let results = futures_util::future::join_all(writes).await;
    for (i, r) in results {
        let upn = cloud_box(i);
        let value = org
            .mailbox(&upn)
            .unwrap()
            .custom_attribute(3)
            .map(str::to_owned);
        let records = set_mailbox_records(&org, &upn).await;
        match r {
            Ok(()) => {
                assert_eq!(
                    value.as_deref(),
                    Some(format!("v{i}").as_str()),
                    "{kind}: {upn} reported done but not applied"
                );
                assert_eq!(records, 1, "{kind}: {upn} applied {records} times");
            }
            Err(err) => {
                eprintln!("{kind}: write failed: {err}");
                assert!(typed(&err), "{kind}: write failed untyped: {err}");
                assert!(records <= 1, "{kind}: {upn} applied {records} times");
                assert_eq!(value.is_some(), records == 1, "{kind}: {upn}");
                failures += 1;
            }
        }
    }

    // The flag.
    for i in 0..SYNCED {
        let upn = synced(i);
        let r = c.set_cloud_managed(&upn, true).await;
        let flipped = org.mailbox(&upn).unwrap().is_exchange_cloud_managed;
        let records = set_mailbox_records(&org, &upn).await;
        assert!(records <= 1, "{kind}: {upn} flipped {records} times");
        match r {
            Ok(()) => assert!(flipped && records == 1, "{kind}: {upn} reported flipped"),
            Err(err) => {
                eprintln!("{kind}: flip failed: {err}");
                assert!(typed(&err), "{kind}: flip failed untyped: {err}");
                failures += 1;
            }
        }
    }
    let stats = e.stats();
    assert!(
        stats.fault(kind) > 0,
        "{kind}: the fault was never injected"
    );
    e.shutdown().await;
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_throttle() {
    // A throttle far below what the client could send: with eight requests in flight most
    // attempts are refused, so this client gets a larger retry budget (as a caller facing a
    // hard throttle should) and must then lose nothing.
    let faults = Faults {
        throttle: Some(Throttle {
            rate: 150.0,
            burst: 4,
        }),
        ..Faults::none()
    };
    let failures = workload_with(faults, 11, FaultKind::Throttled, |o| ClientOptions {
        retry: RetryPolicy {
            max_retries: 12,
            ..o.retry
        },
        ..o
    })
    .await;
    assert_eq!(failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_latency() {
    let faults = Faults {
        latency: Duration::from_millis(3),
        ..Faults::none()
    };
    let failures = workload_under(faults, 12, FaultKind::Latency).await;
    assert!(failures <= 2, "{failures} operations failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_unavailable() {
    let faults = Faults {
        unavailable_rate: 0.25,
        ..Faults::none()
    };
    let failures = workload_under(faults, 13, FaultKind::Unavailable).await;
    assert!(failures <= 2, "{failures} operations failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_dropped_before() {
    let faults = Faults {
        drop_before_rate: 0.25,
        ..Faults::none()
    };
    let failures = workload_under(faults, 14, FaultKind::DroppedBefore).await;
    assert!(failures <= 2, "{failures} operations failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_dropped_after_apply() {
    let faults = Faults {
        drop_after_apply_rate: 0.25,
        ..Faults::none()
    };
    let failures = workload_under(faults, 15, FaultKind::DroppedAfterApply).await;
    assert!(failures <= 2, "{failures} operations failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_transient_exchange_errors() {
    let faults = Faults {
        transient_error_rate: 0.25,
        ..Faults::none()
    };
    let failures = workload_under(faults, 16, FaultKind::TransientError).await;
    assert!(failures <= 2, "{failures} operations failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_applied_but_error() {
    let faults = Faults {
        applied_but_error_rate: 0.4,
        ..Faults::none()
    };
    let failures = workload_under(faults, 17, FaultKind::AppliedButError).await;
    assert!(failures <= 2, "{failures} operations failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_claims_challenge() {
    let faults = Faults {
        claims_challenge: true,
        ..Faults::none()
    };
    let failures = workload_under(faults, 18, FaultKind::ClaimsChallenge).await;
    assert!(failures <= 2, "{failures} operations failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_nul_forbidden_fail_typed() {
    // A NUL-body 403 is a refusal, not a transient failure: it is reported (AccessDenied),
    // never retried, never applied.
    let faults = Faults {
        nul_forbidden_rate: 0.1,
        ..Faults::none()
    };
    let failures = workload_under(faults, 19, FaultKind::NulForbidden).await;
    assert!(failures > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_everything_at_once() {
    let faults = Faults {
        throttle: Some(Throttle {
            rate: 300.0,
            burst: 8,
        }),
        latency: Duration::from_millis(1),
        unavailable_rate: 0.05,
        drop_before_rate: 0.05,
        drop_after_apply_rate: 0.05,
        transient_error_rate: 0.05,
        applied_but_error_rate: 0.1,
        claims_challenge: true,
        ..Faults::none()
    };
    // Faults this dense exhaust some retry budgets: those operations fail, typed, and are
    // never applied twice (checked in the workload).
    let failures = workload_under(faults, 20, FaultKind::AppliedButError).await;
    assert!(failures <= 13, "{failures} of 133 operations failed");
}
