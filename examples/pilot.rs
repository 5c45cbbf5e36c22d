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
//! `WhenChangedUTC` (the plan says so).
//!
//! Progress goes to standard error: a bar redrawn in place on a terminal, plain lines (one per
//! tenth of a wave) when standard error is a file or a pipe.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use soa_core::exo::rest::{
    ClientCertificateCredential, ClientSecretCredential, Cloud, CredentialOptions, ExoClient,
    Secret, TokenCredential,
};
use soa_core::exo::{ExchangeOnline, MailboxChanges, MailboxFilter};
use soa_core::preflight::{Preflight, Requirements, SyncEnvironment, TenantState};
use soa_core::reconcile::writeback::WritebackPlan;
use soa_core::reconcile::{DiffClass, ReconcileOptions, reconcile_live};
use soa_core::session::Session;
use soa_core::sim::{CloudSyncAgent, SimulatedOrg};
use soa_core::transfer::{
    ProgressEvent, ProgressFn, RollbackOptions, RunFolder, RunOptions, RunReport, Selection, Step,
    TransferPolicy,
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

/// Progress of a wave on standard error: a bar redrawn in place when standard error is a
/// terminal, plain lines otherwise (see [`Progress`]).
fn progress_bar(label: &'static str) -> ProgressFn {
    let progress = Progress::new(label, std::io::stderr().is_terminal());
    Arc::new(move |e: &ProgressEvent| {
        if let Some(text) = progress.render(e) {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        }
    })
}

/// What the progress of a wave looks like: on a terminal, a bar redrawn in place with
/// carriage returns at every step; elsewhere (a log file, a pipe, CI), one plain line each time
/// another tenth of the wave is finished, so a log holds at most ten lines per wave and no
/// control characters.
struct Progress {
    label: &'static str,
    terminal: bool,
    /// The last tenth reported in plain mode (0 before the first line).
    reported: AtomicUsize,
}

impl Progress {
    const BAR_WIDTH: usize = 30;

    fn new(label: &'static str, terminal: bool) -> Progress {
        Progress {
            label,
            terminal,
            reported: AtomicUsize::new(0),
        }
    }

    /// The text to write for `e`, if any.
    fn render(&self, e: &ProgressEvent) -> Option<String> {
        let done = e.done.min(e.total);
        let label = self.label;
        if self.terminal {
            let width = Self::BAR_WIDTH;
            let filled = (done * width).checked_div(e.total).unwrap_or(width);
            let finished = done == e.total
                && matches!(
                    e.step,
                    Step::Verified | Step::ProbeOk | Step::ProbeFailed | Step::Failed
                );
            return Some(format!(
                "\r   {label} [{}{}] {done}/{} {:<40}{}",
                "#".repeat(filled),
                "-".repeat(width - filled),
                e.total,
                e.identity,
                if finished { "\n" } else { "" }
            ));
        }
        let tenth = (done * 10).checked_div(e.total).unwrap_or(10);
        // Steps of one wave run concurrently: only the first event to reach a tenth reports it.
        if tenth == 0 || self.reported.fetch_max(tenth, Ordering::SeqCst) >= tenth {
            return None;
        }
        Some(format!(
            "   {label}: {done}/{} mailbox(es) finished ({}%)\n",
            e.total,
            (done * 100).checked_div(e.total).unwrap_or(100)
        ))
    }
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

    // One session for every step: the organization as Exchange Online and as the on-premises
    // directory (its principal acts, its virtual clock dates the records).
    let session = Session::new(Arc::new(org.clone())).with_directory(Arc::new(org.clone()));

    // 1. Preflight, read through the session like a real tenant.
    let preflight = session.gather_preflight(Requirements::default()).await?;
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
    let options = RunOptions::default();
    let pilot = Pilot {
        session: &session,
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
    reconcile_with_ad(&session, &org, &pilot_mailbox, &dir2).await?;

    // 7. Roll back the pilot mailbox: the loss report first.
    println!("\n7. Rollback of {pilot_mailbox}");
    rollback_one(&session, &org, &pilot_mailbox, &dir1, &args.ticket).await?;

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
    session: &'a Session,
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
        let session = self.session;
        let plan = session
            .plan(&selection, self.policy, self.preflight)
            .await?;
        let dir = self.out.join(&plan.run_id);
        println!("   {}", plan.summary());
        if dry_run_first {
            let dry = RunOptions {
                dry_run: true,
                ..options.clone()
            };
            let report = session.run(&plan, &dir, &dry).await?;
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
        let report = session.run(&plan, &dir, &with_bar).await?;
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
async fn reconcile_with_ad(
    session: &Session,
    org: &SimulatedOrg,
    pilot_mailbox: &str,
    dir: &Path,
) -> Result<()> {
    let options = ReconcileOptions {
        writeback_enabled: org.cloud_sync_agent().is_some(),
        now: Some(session.now()),
        ad_source: "simulated AD".to_owned(),
        ..ReconcileOptions::default()
    };
    let ad = org.ad_export().into_iter().map(Ok);
    let report = reconcile_live(session.catalog(), ad, &**session.exchange(), &options).await?;
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
    let plan = WritebackPlan::new(&report, session.now(), |d| {
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
/// the next sync cycle (of the simulated organization `org`) overwrites exactly what the loss
/// report predicted. Both attempts are recorded in the audit log of the run folder `dir`.
async fn rollback_one(
    session: &Session,
    org: &SimulatedOrg,
    identity: &str,
    dir: &Path,
    ticket: &str,
) -> Result<()> {
    let audit = RunFolder {
        dir: dir.to_owned(),
    }
    .audit();
    let options = RollbackOptions {
        ticket: Some(ticket.to_owned()),
        ..RollbackOptions::default()
    };
    match session.rollback(identity, &options, Some(&audit)).await {
        Err(e @ Error::Refused { .. }) => println!("   without acknowledgment: {e}"),
        Err(e) => return Err(e),
        Ok(_) => println!("   rolled back with nothing to lose"),
    }
    let export = dir.join(format!("rollback-loss-{}.json", safe(identity)));
    let outcome = session
        .rollback(
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
    // No on-premises directory in this mode: the plan states that the settle rule saw the cloud
    // side only. The actor is the credential's identity.
    let session = Session::new(Arc::new(client));
    let config = session.exchange().get_organization_config().await?;
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
    let plan = session.plan(&selection, &policy, &preflight).await?;
    let dir = args.out.join(&plan.run_id);
    println!("2. {}", plan.summary());
    if !plan.directory_checked {
        println!(
            "   settle rule unchecked against AD: without the on-premises directory, each mailbox's WhenChangedUTC stood in for AD's whenChanged, so an on-premises change not yet synced cannot be seen"
        );
    }
    println!("   audit records name {}", session.actor());
    let options = RunOptions {
        dry_run: !args.apply,
        progress: Some(progress_bar("wave")),
        ..RunOptions::default()
    };
    let report = session.run(&plan, &dir, &options).await?;
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

#[cfg(test)]
mod tests {
    use super::{Progress, ProgressEvent, Step};

    /// The events of a wave of `total` mailboxes run one after the other: three steps each,
    /// the last one finishing the mailbox.
    fn wave(total: usize) -> Vec<ProgressEvent> {
        let mut events = Vec::new();
        for i in 1..=total {
            for (step, done) in [
                (Step::BackedUp, i - 1),
                (Step::FlipSent, i - 1),
                (Step::Verified, i),
            ] {
                events.push(ProgressEvent {
                    identity: format!("user{i}@contoso.com"),
                    step,
                    done,
                    total,
                });
            }
        }
        events
    }

    fn render_all(progress: &Progress, events: &[ProgressEvent]) -> String {
        events.iter().filter_map(|e| progress.render(e)).collect()
    }

    #[test]
    fn off_a_terminal_progress_is_at_most_ten_plain_lines_per_wave() {
        let progress = Progress::new("wave 1", false);
        let text = render_all(&progress, &wave(25));
        assert!(!text.contains('\r'), "{text:?}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 10, "{text}");
        assert_eq!(lines[0], "   wave 1: 3/25 mailbox(es) finished (12%)");
        assert_eq!(lines[9], "   wave 1: 25/25 mailbox(es) finished (100%)");

        // A wave smaller than ten mailboxes: one line per finished mailbox.
        let small = Progress::new("wave 2", false);
        assert_eq!(render_all(&small, &wave(3)).lines().count(), 3);
    }

    #[test]
    fn concurrent_steps_report_each_tenth_once() {
        let progress = Progress::new("wave", false);
        let event = |done| ProgressEvent {
            identity: "a@contoso.com".to_owned(),
            step: Step::Verified,
            done,
            total: 10,
        };
        // Mailboxes finishing concurrently can report their counts out of order.
        let text = render_all(&progress, &[event(2), event(1), event(3), event(3)]);
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "   wave: 2/10 mailbox(es) finished (20%)",
                "   wave: 3/10 mailbox(es) finished (30%)"
            ]
        );
    }

    #[test]
    fn on_a_terminal_the_bar_is_redrawn_in_place_and_ends_with_a_newline() {
        let progress = Progress::new("wave 1", true);
        let events = wave(4);
        let frames: Vec<String> = events.iter().filter_map(|e| progress.render(e)).collect();
        assert_eq!(frames.len(), events.len(), "a frame at every step");
        assert!(frames.iter().all(|f| f.starts_with('\r')));
        let (last, rest) = frames.split_last().expect("frames");
        assert!(rest.iter().all(|f| !f.contains('\n')));
        assert!(last.ends_with('\n'), "{last:?}");
        assert!(
            last.contains("[##############################] 4/4"),
            "{last:?}"
        );
    }
}
