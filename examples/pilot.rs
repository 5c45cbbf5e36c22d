//! The main job: the whole adoption path of an SOA transfer, on the embedded simulated
//! organization — no credentials, no network.
//!
//! ```sh
//! cargo run --release --example pilot
//! cargo run --release --example pilot -- --size 20000 --seed 7 --wave 25 --ticket CHG-42 --out runs
//! ```
//!
//! Preflight → dry run → backup → a pilot wave (flip, verify by reading back, probe edit) →
//! a cloud edit kept across a sync cycle and written back → a second wave → a reconciliation of
//! AD with Exchange Online (report and writeback plan) → a rollback of one mailbox with its loss
//! report → a summary. The plan, the backups, the journal and the audit log
//! of each run are written under the output folder.
//!
//! **A real tenant.** With `SOA_TENANT` (the tenant's domain or id), `SOA_CLIENT_ID` and either
//! `SOA_CLIENT_SECRET` or `SOA_CERT_PEM` + `SOA_KEY_PEM` (file paths) set — and optionally
//! `SOA_CLOUD` (`Commercial`, `GccHigh`, `DoD`, `China`), or `SOA_EXCHANGE_URL` and
//! `SOA_LOGIN_URL` for custom hosts such as the emulator — the pilot talks to Exchange Online
//! through the REST client instead: it runs the preflight and plans a wave, and transfers it only
//! with `--apply` (and the ticket). `SOA_CONNECT_SYNC_VERSION` gives the Entra Connect Sync
//! version to the preflight. AD is not read in that mode, so the settle rule uses each mailbox's
//! `WhenChangedUTC`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use soa_core::audit::AuditLog;
use soa_core::exo::rest::{
    ClientCertificateCredential, ClientSecretCredential, Cloud, CredentialOptions, ExoClient,
    Secret, TokenCredential,
};
use soa_core::exo::{ExchangeOnline, MailboxChanges, MailboxFilter};
use soa_core::preflight::{Caller, Preflight, SyncEnvironment, TenantState};
use soa_core::reconcile::writeback::WritebackPlan;
use soa_core::reconcile::{DiffClass, ReconcileOptions, reconcile_live};
use soa_core::sim::{CloudSyncAgent, SimulatedOrg};
use soa_core::transfer::{
    self, RollbackOptions, RunOptions, RunReport, Selection, Step, TransferPolicy,
};
use soa_core::{Error, Result};

struct Args {
    size: usize,
    seed: u64,
    wave: usize,
    ticket: String,
    out: PathBuf,
    apply: bool,
}

fn parse_args() -> std::result::Result<Args, String> {
    let mut args = Args {
        size: 2_000,
        seed: 2026,
        wave: 10,
        ticket: "CHG-PILOT-1".to_owned(),
        out: PathBuf::from("target/pilot"),
        apply: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|e| format!("{name}: {v:?} is not a number ({e})"))
        };
        match a.as_str() {
            "--size" => {
                args.size = usize::try_from(number("--size", value("--size")?)?)
                    .map_err(|e| format!("--size: {e}"))?;
            }
            "--seed" => args.seed = number("--seed", value("--seed")?)?,
            "--wave" => {
                args.wave = usize::try_from(number("--wave", value("--wave")?)?.max(1))
                    .map_err(|e| format!("--wave: {e}"))?;
            }
            "--ticket" => args.ticket = value("--ticket")?,
            "--out" => args.out = PathBuf::from(value("--out")?),
            "--apply" => args.apply = true,
            "--help" | "-h" => {
                return Err(
                    "usage: pilot [--size N] [--seed S] [--wave N] [--ticket T] [--out DIR] [--apply (real tenant)]"
                        .to_owned(),
                );
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(args)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let outcome = if std::env::var_os("SOA_TENANT").is_some() {
        real_tenant(&args).await
    } else {
        pilot(&args).await
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A progress bar on standard error.
fn progress_bar(label: &'static str) -> transfer::ProgressFn {
    Arc::new(move |e: &transfer::ProgressEvent| {
        let done = e.done.min(e.total);
        let width = 30;
        let filled = (done * width).checked_div(e.total).unwrap_or(width);
        eprint!(
            "\r   {label} [{}{}] {done}/{} {:<40}",
            "#".repeat(filled),
            "-".repeat(width - filled),
            e.total,
            e.identity
        );
        if done == e.total
            && matches!(
                e.step,
                Step::Verified | Step::ProbeOk | Step::ProbeFailed | Step::Failed
            )
        {
            eprintln!();
        }
        let _ = std::io::stderr().flush();
    })
}

async fn pilot(args: &Args) -> Result<()> {
    let org = SimulatedOrg::generate(args.size, args.seed);
    org.set_cloud_sync_agent(Some(CloudSyncAgent::default()));
    org.writeback_cycle();
    let s = org.summary();
    println!(
        "exchange-soa pilot on a simulated organization ({})",
        org.tenant()
    );
    println!(
        "  {} mailboxes, {} dir-synced, {} already cloud-managed; ticket {}; output {}\n",
        s.mailboxes,
        s.dir_synced_mailboxes,
        s.cloud_managed_mailboxes,
        args.ticket,
        args.out.display()
    );

    // 1. Preflight, read through the trait like a real tenant.
    let preflight = organization_preflight(&org).await?;
    let report = preflight.check_organization(args.wave as u64);
    println!("1. Preflight");
    for f in &report.findings {
        println!("   [{}] {}: {}", f.severity, f.code, f.message);
    }
    if report.findings.is_empty() {
        println!("   all prerequisites met");
    }

    let policy = TransferPolicy {
        ticket: Some(args.ticket.clone()),
        batch_cap: args.wave,
        probe_attribute: Some("CustomAttribute15".to_owned()),
        ..TransferPolicy::default()
    };
    let options = RunOptions {
        actor: org.principal().to_owned(),
        ..RunOptions::default()
    };
    let pilot = Pilot {
        org: &org,
        preflight: &preflight,
        policy: &policy,
        out: &args.out,
    };

    // 2. Plan the pilot wave and dry-run it; 3. run it.
    println!("\n2. Plan and dry run");
    let (wave1, dir1) = pilot.wave("wave 1", &options, true).await?;

    // 4. An edit in the cloud, kept across a sync cycle, written back where the set allows.
    println!("\n4. Edit in the cloud, then a sync cycle and a writeback cycle");
    let pilot_mailbox = wave1
        .results
        .iter()
        .find(|r| matches!(r.step, Step::Verified | Step::ProbeOk))
        .map(|r| r.identity.clone())
        .ok_or_else(|| Error::invalid_input("pilot wave", "no mailbox was flipped"))?;
    cloud_edit(&org, &pilot_mailbox).await?;

    // 5. The second wave.
    println!("\n5. Second wave");
    let (wave2, dir2) = pilot.wave("wave 2", &options, false).await?;

    // 6. Reconcile AD with Exchange Online: what AD does not know of the cloud edits.
    println!("\n6. Reconciliation of AD with Exchange Online");
    reconcile_with_ad(&org, &pilot_mailbox, &dir2).await?;

    // 7. Roll back the pilot mailbox: the loss report first.
    println!("\n7. Rollback of {pilot_mailbox}");
    rollback_one(&org, &pilot_mailbox, &dir1, &args.ticket).await?;

    // 8. Summary.
    let s = org.summary();
    println!("\n8. Summary");
    println!(
        "   waves: {} + {} verified, {} + {} failed; cloud-managed now {} of {} dir-synced mailboxes",
        wave1.verified(),
        wave2.verified(),
        wave1.failed(),
        wave2.failed(),
        s.cloud_managed_mailboxes,
        s.dir_synced_mailboxes
    );
    println!("   run folders: {} and {}", dir1.display(), dir2.display());
    Ok(())
}

/// What every wave of the pilot shares.
struct Pilot<'a> {
    org: &'a SimulatedOrg,
    preflight: &'a Preflight,
    policy: &'a TransferPolicy,
    out: &'a Path,
}

impl Pilot<'_> {
    /// Plans a wave of dir-synced mailboxes that are not cloud-managed yet, optionally
    /// dry-runs it, then runs it with a progress bar.
    async fn wave(
        &self,
        label: &'static str,
        options: &RunOptions,
        dry_run_first: bool,
    ) -> Result<(RunReport, PathBuf)> {
        let selection = Selection::Filter(MailboxFilter {
            dir_synced: Some(true),
            cloud_managed: Some(false),
            ..MailboxFilter::default()
        });
        let org = self.org;
        let plan = transfer::plan(
            org,
            Some(org),
            &selection,
            self.policy,
            self.preflight,
            org.now(),
        )
        .await?;
        let dir = self.out.join(&plan.run_id);
        println!("   {}", plan.summary());
        if dry_run_first {
            let dry = RunOptions {
                dry_run: true,
                ..options.clone()
            };
            let report = transfer::run(org, Some(org), &plan, &dir, &dry).await?;
            println!(
                "   dry run: {} mailbox(es) would be flipped; plan written to {}",
                report.results.len(),
                dir.join("plan.json").display()
            );
            println!("\n3. Pilot wave");
        }
        let with_bar = RunOptions {
            progress: Some(progress_bar(label)),
            ..options.clone()
        };
        let report = transfer::run(org, Some(org), &plan, &dir, &with_bar).await?;
        print_report(&report, &dir);
        Ok((report, dir))
    }
}

/// Edits two attributes of a cloud-managed mailbox in the cloud, runs a sync cycle (the edit is
/// kept) and a writeback cycle (one attribute reaches AD, the other never does).
async fn cloud_edit(org: &SimulatedOrg, identity: &str) -> Result<()> {
    let mut edit = MailboxChanges::set("CustomAttribute1", "CC-CLOUD-1");
    edit.set
        .insert("HiddenFromAddressListsEnabled".into(), true.into());
    org.set_mailbox(identity, &edit).await?;
    let sync = org.sync_cycle();
    let m = org.get_mailbox(identity).await?;
    println!(
        "   {identity}: after the sync cycle CustomAttribute1 = {} (kept; {} cloud values overwritten in the tenant)",
        m.custom_attribute(1).unwrap_or("(empty)"),
        sync.overwritten.len()
    );
    let wb = org.writeback_cycle();
    let ad = org.ad_attributes(identity)?;
    println!(
        "   writeback wrote {} value(s); AD extensionAttribute1 = {}, msExchHideFromAddressLists = {} (not in the writeback set)",
        wb.written.len(),
        ad.get("extensionAttribute1")
            .map_or("(empty)".to_owned(), ToString::to_string),
        ad.get("msExchHideFromAddressLists")
            .map_or("(empty)".to_owned(), ToString::to_string),
    );
    Ok(())
}

/// Reconciles the simulated AD with its Exchange Online, shows the differences by class and the
/// pilot mailbox's, and writes the HTML report and the writeback plan (a script to review: it
/// changes nothing unless run with -Apply) into the run folder.
async fn reconcile_with_ad(org: &SimulatedOrg, pilot_mailbox: &str, dir: &Path) -> Result<()> {
    let options = ReconcileOptions {
        writeback_enabled: org.cloud_sync_agent().is_some(),
        now: Some(org.now()),
        ad_source: "simulated AD".to_owned(),
        ..ReconcileOptions::default()
    };
    let ad = org.ad_export().into_iter().map(Ok);
    let report = reconcile_live(org.catalog(), ad, org, &options).await?;
    let t = &report.totals;
    println!(
        "   {} accounts, {} mailboxes, {} matched; {} values compared, {} in sync, {} differ",
        t.ad_records, t.cloud_records, t.matched, t.compared, t.in_sync, t.differences
    );
    for (class, n) in &t.by_class {
        println!("   {class}: {n}");
    }
    for d in report
        .differences
        .iter()
        .filter(|d| d.mailbox == pilot_mailbox)
    {
        println!(
            "   {pilot_mailbox} {}: AD {} / cloud {} ({}, {})",
            d.attribute,
            d.ad_value,
            d.cloud_value,
            d.class.as_str(),
            d.reason.as_str()
        );
    }
    let plan = WritebackPlan::new(&report, org.now(), |d| {
        d.class == DiffClass::CloudMasterAdStale
    });
    report.save_html(&dir.join("reconciliation.html"))?;
    report.save_json(&dir.join("reconciliation.json"))?;
    plan.save_powershell(&dir.join("writeback.ps1"))?;
    println!(
        "   report {}; writeback plan ({} change(s), dry unless -Apply) {}",
        dir.join("reconciliation.html").display(),
        plan.change_count(),
        dir.join("writeback.ps1").display()
    );
    Ok(())
}

/// Rolls a mailbox back: refused without acknowledgment, then done after exporting the loss;
/// the next sync cycle overwrites exactly what the loss report predicted.
async fn rollback_one(org: &SimulatedOrg, identity: &str, dir: &Path, ticket: &str) -> Result<()> {
    let audit = AuditLog::open(&dir.join("audit.jsonl"))?;
    let options = RollbackOptions {
        ticket: Some(ticket.to_owned()),
        actor: org.principal().to_owned(),
        ..RollbackOptions::default()
    };
    match transfer::rollback(org, org, org.catalog(), identity, &options, Some(&audit)).await {
        Err(e @ Error::Refused { .. }) => println!("   without acknowledgment: {e}"),
        Err(e) => return Err(e),
        Ok(_) => println!("   rolled back with nothing to lose"),
    }
    let export = dir.join(format!("rollback-loss-{}.json", safe(identity)));
    let outcome = transfer::rollback(
        org,
        org,
        org.catalog(),
        identity,
        &RollbackOptions {
            export_to: Some(export.clone()),
            ..options
        },
        Some(&audit),
    )
    .await?;
    println!(
        "   exported the loss to {} and rolled back",
        export.display()
    );
    let sync = org.sync_cycle();
    let predicted: Vec<&str> = outcome
        .loss
        .entries
        .iter()
        .map(|e| e.attribute.as_str())
        .collect();
    let happened: Vec<&str> = sync
        .overwritten
        .iter()
        .filter(|(id, _)| id.eq_ignore_ascii_case(identity))
        .map(|(_, a)| a.as_str())
        .collect();
    println!("   predicted loss: {predicted:?}; the next sync overwrote: {happened:?}");
    Ok(())
}

fn safe(identity: &str) -> String {
    identity
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn print_report(report: &RunReport, dir: &Path) {
    println!(
        "   run {}: {} verified, {} failed (backups, journal and audit log in {})",
        report.run_id,
        report.verified(),
        report.failed(),
        dir.display()
    );
    for r in report.results.iter().filter(|r| r.step == Step::Failed) {
        println!(
            "     failed {}: {}",
            r.identity,
            r.reason.as_deref().unwrap_or("")
        );
    }
}

/// The preflight inputs, read through the trait like a real tenant.
async fn organization_preflight(org: &SimulatedOrg) -> Result<Preflight> {
    let config = org.get_organization_config().await?;
    let roles: Vec<String> = org
        .role_assignments("Set-Mailbox", "IsExchangeCloudManaged")
        .await?
        .into_iter()
        .filter(|a| a.assignee.eq_ignore_ascii_case(org.principal()))
        .map(|a| a.role)
        .collect();
    let agent = org.cloud_sync_agent();
    Ok(Preflight {
        sync: SyncEnvironment {
            connect_sync_version: Some(org.connect_sync_version()),
            cloud_sync_agent_version: agent.as_ref().map(|a| a.version),
            writeback_wanted: agent.is_some(),
        },
        tenant: TenantState {
            cloud_managed_by_default: config.block_exchange_provisioning_from_on_prem_enabled,
            on_premises_provisioning_in_use: true,
            cloud_managed_mailboxes: org.summary().cloud_managed_mailboxes as u64,
            writeback_enabled: agent.is_some(),
        },
        caller: Some(Caller {
            name: org.principal().to_owned(),
            roles,
            custom_role_parameters: Vec::new(),
        }),
        ..Preflight::default()
    })
}

/// The REST client for the tenant named by the environment.
fn tenant_client() -> Result<ExoClient> {
    let var =
        |name: &str| std::env::var(name).map_err(|_| Error::invalid_input(name, "is not set"));
    let tenant = var("SOA_TENANT")?;
    let client_id = var("SOA_CLIENT_ID")?;
    let cloud: Cloud = match std::env::var("SOA_EXCHANGE_URL") {
        // Custom hosts: a test tenant, or the emulator (`--example emulator`).
        Ok(exchange) => {
            let login = std::env::var("SOA_LOGIN_URL").unwrap_or_else(|_| exchange.clone());
            Cloud::custom(&exchange, &login)?
        }
        Err(_) => std::env::var("SOA_CLOUD")
            .unwrap_or_else(|_| "Commercial".to_owned())
            .parse()?,
    };
    let options = Some(CredentialOptions::for_cloud(cloud.clone()));
    let credential: Arc<dyn TokenCredential> =
        if let Ok(secret) = std::env::var("SOA_CLIENT_SECRET") {
            Arc::new(ClientSecretCredential::new(
                &tenant,
                &client_id,
                Secret::new(secret),
                options,
            )?)
        } else {
            let read = |name: &str| -> Result<Vec<u8>> {
                let path = PathBuf::from(var(name)?);
                std::fs::read(&path).map_err(|source| Error::Io {
                    action: "read",
                    path,
                    source,
                })
            };
            Arc::new(ClientCertificateCredential::new(
                &tenant,
                &client_id,
                &read("SOA_KEY_PEM")?,
                &read("SOA_CERT_PEM")?,
                options,
            )?)
        };
    ExoClient::new(&tenant, cloud, credential, None)
}

/// The pilot against a real tenant: preflight and a planned wave; the transfer only with
/// `--apply`.
async fn real_tenant(args: &Args) -> Result<()> {
    let client = tenant_client()?;
    println!("exchange-soa pilot against tenant {}", client.tenant());
    let config = client.get_organization_config().await?;
    let connect_sync_version = std::env::var("SOA_CONNECT_SYNC_VERSION")
        .ok()
        .map(|v| v.parse())
        .transpose()?;
    let preflight = Preflight {
        sync: SyncEnvironment {
            connect_sync_version,
            ..SyncEnvironment::default()
        },
        tenant: TenantState {
            cloud_managed_by_default: config.block_exchange_provisioning_from_on_prem_enabled,
            on_premises_provisioning_in_use: true,
            ..TenantState::default()
        },
        ..Preflight::default()
    };
    println!("1. Preflight (give SOA_CONNECT_SYNC_VERSION: Exchange Online does not report it)");
    for f in &preflight.check_organization(args.wave as u64).findings {
        println!("   [{}] {}: {}", f.severity, f.code, f.message);
    }
    let policy = TransferPolicy {
        ticket: Some(args.ticket.clone()),
        batch_cap: args.wave,
        ..TransferPolicy::default()
    };
    let selection = Selection::Filter(MailboxFilter {
        dir_synced: Some(true),
        cloud_managed: Some(false),
        ..MailboxFilter::default()
    });
    let now = chrono::Utc::now();
    let plan = transfer::plan(&client, None, &selection, &policy, &preflight, now).await?;
    let dir = args.out.join(&plan.run_id);
    println!("2. {}", plan.summary());
    let options = RunOptions {
        dry_run: !args.apply,
        actor: std::env::var("SOA_CLIENT_ID").unwrap_or_default(),
        progress: Some(progress_bar("wave")),
        ..RunOptions::default()
    };
    let report = transfer::run(&client, None, &plan, &dir, &options).await?;
    if args.apply {
        print_report(&report, &dir);
    } else {
        println!(
            "   dry run: {} mailbox(es) would be flipped; plan in {}; run again with --apply to transfer",
            report.results.len(),
            dir.display()
        );
    }
    Ok(())
}
