//! Throughput of the REST client against the HTTP emulator, with 20 ms of added latency per
//! request and a throttle of 200 requests/s: 10,000 `Get-Mailbox` reads and 2,000
//! `Set-Mailbox` writes with the default client (8 requests in flight), then a sample of the
//! same work one call at a time (concurrency 1, the way a PowerShell `foreach` loop does it).
//!
//! Prints the achieved rate of each, as a ratio of the throttle (target: at least 0.85 for the
//! default client) and of each other, the throttling the emulator answered, and checks that
//! every write was applied exactly once (one admin audit record per mailbox).
//!
//! ```text
//! cargo run --release -p soa-core --features emulator --example rest_bench
//! cargo run --release -p soa-core --features emulator --example rest_bench -- 2000 400 200 40
//! ```
//!
//! The arguments are the reads and writes of the concurrent run, then those of the
//! one-at-a-time sample (default 10000 2000 1000 200). Takes about a minute and a half.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use soa_core::exo::rest::{
    ClientOptions, ClientSecretCredential, Cloud, CredentialOptions, ExoClient, Secret,
};
use soa_core::exo::{AuditQuery, ExchangeOnline, MailboxChanges};
use soa_core::model::RecipientTypeDetails;
use soa_core::sim::SimulatedOrg;
use soa_core::sim::emulator::{
    Emulator, EmulatorOptions, FaultKind, Faults, RegisteredApp, Throttle,
};

const CLIENT_ID: &str = "0b5e7d4c-0000-4000-8000-00000000be4c";
const SECRET: &str = "bench-secret";
const APP: &str = "bench@contoso.com";
const THROTTLE: f64 = 200.0;
const LATENCY: Duration = Duration::from_millis(20);
const TARGET: f64 = 0.85;
/// At least this many mailboxes for the reads to cycle over; there is one more for each write
/// beyond (every write goes to a mailbox of its own).
const MIN_MAILBOXES: usize = 2_000;

fn upn(i: usize) -> String {
    format!("bench{i:05}@contoso.com")
}

struct Run {
    ops: usize,
    failed: usize,
    elapsed: Duration,
}

impl Run {
    fn rate(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let ok = (self.ops - self.failed) as f64;
        ok / self.elapsed.as_secs_f64()
    }
}

fn client(e: &Emulator, concurrency: usize) -> soa_core::Result<ExoClient> {
    let cloud = Cloud::custom(e.base_url(), e.base_url())?;
    let credential = ClientSecretCredential::new(
        e.tenant(),
        CLIENT_ID,
        Secret::new(SECRET),
        Some(CredentialOptions::for_cloud(cloud.clone())),
    )?;
    ExoClient::new(
        e.tenant(),
        cloud,
        Arc::new(credential),
        Some(ClientOptions {
            concurrency,
            ..ClientOptions::default()
        }),
    )
}

/// `reads` reads cycling over `mailboxes`, then one write to each of the mailboxes
/// `first_write..first_write + writes`, at most `in_flight` calls at once.
async fn run(
    mailboxes: usize,
    c: &ExoClient,
    reads: usize,
    writes: usize,
    first_write: usize,
    in_flight: usize,
    tag: &str,
) -> Run {
    let started = Instant::now();
    let read_failures = stream::iter(0..reads)
        .map(|i| {
            let c = c.clone();
            async move { c.get_mailbox(&upn(i % mailboxes)).await }
        })
        .buffer_unordered(in_flight)
        .filter(|r| std::future::ready(r.is_err()))
        .count()
        .await;
    let write_failures = stream::iter(first_write..first_write + writes)
        .map(|i| {
            let c = c.clone();
            let tag = tag.to_owned();
            async move {
                c.set_mailbox(
                    &upn(i),
                    &MailboxChanges::set("CustomAttribute7", format!("{tag}-{i}")),
                )
                .await
            }
        })
        .buffer_unordered(in_flight)
        .filter_map(|r| std::future::ready(r.err()))
        .collect::<Vec<_>>()
        .await;
    for e in write_failures.iter().take(3) {
        eprintln!("  write failed: {e}");
    }
    Run {
        ops: reads + writes,
        failed: read_failures + write_failures.len(),
        elapsed: started.elapsed(),
    }
}

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// The organization (`mailboxes` cloud mailboxes and the bench app) and its emulator.
async fn start(mailboxes: usize, throttle: Throttle) -> soa_core::Result<(SimulatedOrg, Emulator)> {
    let org = SimulatedOrg::new("contoso.com");
    for i in 0..mailboxes {
        org.add_cloud_mailbox(&upn(i), RecipientTypeDetails::UserMailbox)?;
    }
    org.add_principal(APP, &["Exchange Administrator"]);
    let emulator = Emulator::start(
        org.clone(),
        EmulatorOptions {
            apps: vec![RegisteredApp::with_secret(CLIENT_ID, SECRET, APP)],
            faults: Faults {
                throttle: Some(throttle),
                latency: LATENCY,
                ..Faults::none()
            },
            ..EmulatorOptions::default()
        },
    )
    .await?;
    Ok((org, emulator))
}

/// Prints the admin audit log's `Set-Mailbox` records; returns their number and how many
/// mailboxes were written more than once.
async fn audit(org: &SimulatedOrg) -> (usize, usize) {
    let records = org
        .search_admin_audit_log(&AuditQuery {
            cmdlets: vec!["Set-Mailbox".into()],
            ..AuditQuery::default()
        })
        .await
        .unwrap_or_default();
    let mut per_object = std::collections::BTreeMap::<String, usize>::new();
    for r in &records {
        *per_object.entry(r.object.to_ascii_lowercase()).or_default() += 1;
    }
    let doubled = per_object.values().filter(|n| **n > 1).count();
    println!(
        "audit: {} Set-Mailbox records for {} mailboxes; {} mailboxes written more than once",
        records.len(),
        per_object.len(),
        doubled
    );
    (records.len(), doubled)
}

#[tokio::main]
async fn main() -> ExitCode {
    let (reads, writes) = (arg(1, 10_000), arg(2, 2_000));
    let (seq_reads, seq_writes) = (arg(3, 1_000), arg(4, 200));
    let mailboxes = MIN_MAILBOXES.max(writes + seq_writes);
    let throttle = Throttle::per_second(THROTTLE);
    let (org, emulator) = match start(mailboxes, throttle).await {
        Ok(started) => started,
        Err(e) => {
            eprintln!("cannot start the emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "emulator: {mailboxes} mailboxes, {} ms latency, throttle {THROTTLE} requests/s (burst {})",
        LATENCY.as_millis(),
        throttle.burst
    );

    let (concurrent, sequential) = match (client(&emulator, 8), client(&emulator, 1)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("cannot build the client: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Fetch the token and let the throttle's bucket fill again before each measured run.
    let _ = concurrent.get_mailbox(&upn(0)).await;
    let _ = sequential.get_mailbox(&upn(0)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    emulator.reset_stats();
    let fast = run(mailboxes, &concurrent, reads, writes, 0, 16, "c").await;
    let stats = emulator.stats();
    #[allow(clippy::cast_precision_loss)]
    let throttled_share =
        stats.fault(FaultKind::Throttled) as f64 / stats.invoke_requests.max(1) as f64;
    println!(
        "concurrent (8 in flight): {} reads + {} writes in {:.1} s = {:.1} calls/s = {:.3} of the throttle; {} failed; {} requests sent, {:.1}% answered 429",
        reads,
        writes,
        fast.elapsed.as_secs_f64(),
        fast.rate(),
        fast.rate() / THROTTLE,
        fast.failed,
        stats.invoke_requests,
        throttled_share * 100.0
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    emulator.reset_stats();
    let slow = run(
        mailboxes,
        &sequential,
        seq_reads,
        seq_writes,
        writes,
        1,
        "s",
    )
    .await;
    println!(
        "one at a time:            {} reads + {} writes in {:.1} s = {:.1} calls/s = {:.3} of the throttle; {} failed",
        seq_reads,
        seq_writes,
        slow.elapsed.as_secs_f64(),
        slow.rate(),
        slow.rate() / THROTTLE,
        slow.failed
    );
    println!(
        "concurrent / one at a time: {:.1}x",
        fast.rate() / slow.rate().max(f64::MIN_POSITIVE)
    );

    let (records, doubled) = audit(&org).await;
    let applied = writes + seq_writes - fast.failed.min(writes) - slow.failed.min(seq_writes);
    emulator.shutdown().await;

    let ratio = fast.rate() / THROTTLE;
    let ok = ratio >= TARGET
        && doubled == 0
        && fast.failed == 0
        && slow.failed == 0
        && records >= applied;
    println!(
        "target: >= {TARGET} of the throttle with no failure and no double write: {}",
        if ok { "met" } else { "NOT met" }
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
