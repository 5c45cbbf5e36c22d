//! The main job: plan a pilot wave of source-of-authority transfers on the embedded simulated
//! organization, with no credentials and no network.
//!
//! ```sh
//! cargo run --release --example pilot                        # a generated organization
//! cargo run --release --example pilot -- --size 20000 --seed 7
//! cargo run --release --example pilot -- --snapshot org.json # a saved SimulatedOrg snapshot
//! ```
//!
//! It reads the organization through the same `ExchangeOnline` trait a real tenant is read
//! through, runs the organization preflight (sync engine versions, tenant default, writeback
//! capacity, the caller's roles), checks every dir-synced mailbox for eligibility (with AD's
//! `whenChanged` for the sync-cycle-plus-24-hours rule), picks the pilot wave, shows where each
//! kind of attribute must be edited once the pilot is cloud-managed and whether AD will see it,
//! and lists what rolling back the mailboxes that are already cloud-managed would lose.
//! It is a dry run: it changes nothing.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use futures_util::StreamExt;
use soa_core::authority::{
    AdVisibility, EditLocation, MailboxState, ProposedEdit, decide_edit, rollback_loss_for_mailbox,
};
use soa_core::exo::{ExchangeOnline, MailboxFilter};
use soa_core::model::{AttributeValue, Mailbox};
use soa_core::preflight::{Caller, FindingCode, Preflight, SyncEnvironment, TenantState};
use soa_core::sim::{CloudSyncAgent, SimulatedOrg};

/// How many mailboxes the pilot takes.
const PILOT_SIZE: usize = 5;

struct Args {
    size: usize,
    seed: u64,
    snapshot: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        size: 2_000,
        seed: 2026,
        snapshot: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--size" => {
                args.size = value("--size")?
                    .parse()
                    .map_err(|e| format!("--size: {e}"))?;
            }
            "--seed" => {
                args.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?;
            }
            "--snapshot" => args.snapshot = Some(PathBuf::from(value("--snapshot")?)),
            "--help" | "-h" => {
                return Err("usage: pilot [--size N] [--seed S] [--snapshot FILE]".to_owned());
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
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), soa_core::Error> {
    let org = if let Some(path) = &args.snapshot {
        SimulatedOrg::load(path)?
    } else {
        let org = SimulatedOrg::generate(args.size, args.seed);
        // The simulated organization runs Cloud Sync writeback, and has for a while: let it
        // catch up once, so that what remains different is what writeback never carries.
        org.set_cloud_sync_agent(Some(CloudSyncAgent::default()));
        org.writeback_cycle();
        org
    };
    let summary = org.summary();
    println!(
        "exchange-soa pilot plan for {} (simulated; dry run: nothing is changed)",
        org.tenant()
    );
    println!(
        "time {} · {} mailboxes, {} dir-synced, {} already cloud-managed\n",
        org.now().format("%Y-%m-%d %H:%M UTC"),
        summary.mailboxes,
        summary.dir_synced_mailboxes,
        summary.cloud_managed_mailboxes
    );

    let preflight = organization_preflight(&org).await?;
    println!("1. Organization preflight");
    let report = preflight.check_organization(PILOT_SIZE as u64);
    for f in &report.findings {
        println!("   [{}] {}: {}", f.severity, f.code, f.message);
    }
    if report.findings.is_empty() {
        println!("   all prerequisites met");
    }

    println!("\n2. Mailbox eligibility");
    let wave = pilot_wave(&org, &preflight).await?;

    println!("\n3. After the flip: where each kind of edit must be made");
    match wave.first() {
        Some(first) => after_the_flip(&org, first)?,
        None => println!("   no mailbox is eligible for the pilot"),
    }

    println!("\n4. Rollback loss of mailboxes that are already cloud-managed");
    rollback_report(&org).await?;

    println!(
        "\nPilot wave: {} mailbox(es){}. Dry run: nothing was changed.",
        wave.len(),
        if report.is_blocked() {
            "; the organization preflight blocks the transfer until its findings are fixed"
        } else {
            ""
        }
    );
    Ok(())
}

/// The preflight inputs, read through the trait like a real tenant.
async fn organization_preflight(org: &SimulatedOrg) -> Result<Preflight, soa_core::Error> {
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
            // Hybrid organizations that still run a pilot usually still create remote
            // mailboxes on-premises; the preflight then refuses the tenant-wide default.
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

/// Checks every dir-synced mailbox that is not cloud-managed yet, and picks the pilot wave.
async fn pilot_wave(
    org: &SimulatedOrg,
    preflight: &Preflight,
) -> Result<Vec<Mailbox>, soa_core::Error> {
    let filter = MailboxFilter {
        dir_synced: Some(true),
        cloud_managed: Some(false),
        ..MailboxFilter::default()
    };
    let now = org.now();
    let mut wave = Vec::new();
    let mut skipped: BTreeMap<FindingCode, usize> = BTreeMap::new();
    let mut eligible = 0usize;
    let mut mailboxes = org.list_mailboxes(filter);
    while let Some(mailbox) = mailboxes.next().await {
        let mailbox = mailbox?;
        let upn = mailbox.user_principal_name.clone().unwrap_or_default();
        let ad_changed = org.ad_user(&upn).ok().map(|u| u.when_changed);
        let checks = preflight.check_mailbox(&mailbox, ad_changed, now);
        if checks.is_blocked() {
            for f in checks.findings.iter().filter(|f| f.blocks()) {
                *skipped.entry(f.code).or_default() += 1;
            }
        } else {
            eligible += 1;
            if wave.len() < PILOT_SIZE {
                wave.push(mailbox);
            }
        }
    }
    println!("   {eligible} eligible now; skipped:");
    for (code, n) in &skipped {
        println!("     {n:>6}  {code}");
    }
    println!("   pilot wave ({}):", wave.len());
    for m in &wave {
        println!(
            "     GO  {:<40} {}",
            m.user_principal_name.as_deref().unwrap_or("?"),
            m.recipient_type_details
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        );
    }
    Ok(wave)
}

/// Where each kind of attribute is edited once `mailbox` is cloud-managed.
fn after_the_flip(org: &SimulatedOrg, mailbox: &Mailbox) -> Result<(), soa_core::Error> {
    let probes: [(&str, AttributeValue); 4] = [
        ("CustomAttribute1", "Pilot".into()),
        ("HiddenFromAddressListsEnabled", true.into()),
        ("DisplayName", "New Name".into()),
        ("ForwardingSmtpAddress", "helpdesk@contoso.com".into()),
    ];
    let mut state = MailboxState::from_mailbox(mailbox);
    state.cloud_managed = true;
    for (attribute, value) in probes {
        let edit = ProposedEdit {
            attribute: attribute.to_owned(),
            value,
            location: EditLocation::ExchangeOnline,
            identity: mailbox.user_principal_name.clone(),
        };
        let d = decide_edit(org.catalog(), &state, &edit)?;
        let ad = match d.ad_visibility {
            AdVisibility::Direct => "edited in AD",
            AdVisibility::Writeback => "written back to AD",
            AdVisibility::Never => "stays in the cloud (not written back)",
            AdVisibility::NoAdObject => "no AD object",
        };
        println!(
            "   {:<30} {:<28} {ad}",
            d.attribute,
            d.authority.to_string()
        );
        println!("   {:<30} use: {}", "", d.tool.unwrap_or_default());
    }
    Ok(())
}

/// What rolling back each cloud-managed mailbox would lose.
async fn rollback_report(org: &SimulatedOrg) -> Result<(), soa_core::Error> {
    let managed = MailboxFilter {
        dir_synced: Some(true),
        cloud_managed: Some(true),
        ..MailboxFilter::default()
    };
    let (mut total, mut lossy, mut shown) = (0usize, 0usize, 0usize);
    let mut mailboxes = org.list_mailboxes(managed);
    while let Some(mailbox) = mailboxes.next().await {
        let mailbox = mailbox?;
        total += 1;
        let upn = mailbox.user_principal_name.clone().unwrap_or_default();
        let ad = org.ad_attributes(&upn).unwrap_or_default();
        let loss = rollback_loss_for_mailbox(org.catalog(), &mailbox, &ad)?;
        if loss.is_lossless() {
            continue;
        }
        lossy += 1;
        if shown < 3 {
            shown += 1;
            println!("   {upn}: {}", loss.summary);
            for e in &loss.entries {
                println!(
                    "      {:<30} cloud {}  ->  AD {}",
                    e.attribute, e.cloud_value, e.ad_value
                );
            }
        }
    }
    println!("   {lossy} of {total} cloud-managed mailboxes would lose cloud edits on rollback");
    Ok(())
}
