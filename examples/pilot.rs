//! The main job: plan a pilot wave of source-of-authority transfers on an embedded sample
//! organization, with no credentials and no network.
//!
//! ```sh
//! cargo run --release --example pilot              # the embedded sample organization
//! cargo run --release --example pilot -- org.json  # your own organization file, same shape
//! ```
//!
//! It runs the organization preflight (sync engine versions, tenant default, writeback capacity,
//! the caller's roles), checks every mailbox for eligibility, picks the pilot wave, shows where
//! each kind of attribute must be edited once the pilot is cloud-managed (and whether AD will
//! see it), and lists what rolling back an already cloud-managed mailbox would lose.
//! It is a dry run: it changes nothing.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use soa_core::authority::{
    AdVisibility, EditLocation, MailboxState, ProposedEdit, decide_edit, rollback_loss,
};
use soa_core::catalog::Catalog;
use soa_core::model::{AttributeValue, Mailbox};
use soa_core::preflight::{Finding, Preflight};

const SAMPLE: &str = include_str!("data/sample-org.json");

/// The organization file: the preflight inputs, the mailboxes (as `Get-Mailbox | ConvertTo-Json`
/// writes them) and, per mailbox, the AD values (as `Get-ADUser` reads them).
#[derive(Deserialize)]
struct Organization {
    name: String,
    now: Option<DateTime<Utc>>,
    preflight: Preflight,
    pilot_size: usize,
    mailboxes: Vec<Mailbox>,
    #[serde(default)]
    ad: BTreeMap<String, BTreeMap<String, AttributeValue>>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (text, origin) = match args.as_slice() {
        [] => (
            SAMPLE.to_owned(),
            "the embedded sample organization".to_owned(),
        ),
        [path] => match std::fs::read_to_string(path) {
            Ok(t) => (t, path.clone()),
            Err(e) => {
                eprintln!("error: cannot read {path}: {e}");
                return ExitCode::FAILURE;
            }
        },
        _ => {
            eprintln!("usage: pilot [ORGANIZATION.json]");
            return ExitCode::from(2);
        }
    };
    match run(&text, &origin) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(text: &str, origin: &str) -> Result<(), soa_core::Error> {
    let org: Organization = soa_core::json::from_str(text, origin)?;
    let catalog = Catalog::builtin();
    let now = org.now.unwrap_or_else(Utc::now);
    println!(
        "exchange-soa pilot plan for {} (dry run: nothing is changed)",
        org.name
    );
    println!("time: {}\n", now.format("%Y-%m-%d %H:%M UTC"));

    println!("1. Organization preflight");
    let report = org.preflight.check_organization(org.pilot_size as u64);
    print_findings(&report.findings, "   ");
    if report.findings.is_empty() {
        println!("   all prerequisites met");
    }
    let org_blocked = report.is_blocked();

    println!("\n2. Mailbox eligibility");
    let mut wave = Vec::new();
    for mailbox in &org.mailboxes {
        let who = mailbox.user_principal_name.as_deref().unwrap_or("(no UPN)");
        let checks = org.preflight.check_mailbox(mailbox, None, now);
        if checks.is_blocked() {
            println!("   skip {who}");
            print_findings(&checks.findings, "        ");
        } else if wave.len() < org.pilot_size {
            println!("   GO   {who}");
            print_findings(&checks.findings, "        ");
            wave.push(mailbox);
        } else {
            println!(
                "   next {who} (eligible; beyond the pilot size of {})",
                org.pilot_size
            );
        }
    }

    println!("\n3. After the flip: where each kind of edit must be made");
    let probes: [(&str, AttributeValue); 4] = [
        ("CustomAttribute1", "Pilot".into()),
        ("HiddenFromAddressListsEnabled", true.into()),
        ("DisplayName", "New Name".into()),
        ("ForwardingSmtpAddress", "helpdesk@contoso.com".into()),
    ];
    if let Some(first) = wave.first() {
        let mut state = MailboxState::from_mailbox(first);
        state.cloud_managed = true;
        let who = first.user_principal_name.clone();
        for (attribute, value) in probes {
            let edit = ProposedEdit {
                attribute: attribute.to_owned(),
                value,
                location: EditLocation::ExchangeOnline,
                identity: who.clone(),
            };
            let d = decide_edit(catalog, &state, &edit)?;
            let ad = match d.ad_visibility {
                AdVisibility::Direct => "edited in AD",
                AdVisibility::Writeback => "written back to AD",
                AdVisibility::Never => "stays in the cloud (not written back)",
                AdVisibility::NoAdObject => "no AD object",
            };
            println!(
                "   {:<30} {:<16} {ad}",
                d.attribute,
                d.authority.to_string()
            );
            println!("   {:<30} use: {}", "", d.tool.unwrap_or_default());
        }
    } else {
        println!("   no mailbox is eligible for the pilot");
    }

    println!("\n4. Rollback loss of mailboxes that are already cloud-managed");
    for mailbox in org.mailboxes.iter().filter(|m| m.is_exchange_cloud_managed) {
        let who = mailbox.user_principal_name.as_deref().unwrap_or("(no UPN)");
        let cloud = cloud_values(catalog, mailbox);
        let ad = org.ad.get(who).cloned().unwrap_or_default();
        let loss = rollback_loss(catalog, &MailboxState::from_mailbox(mailbox), &cloud, &ad)?;
        println!("   {who}: {}", loss.summary);
        for e in &loss.entries {
            let ad_value = if e.ad_supplied {
                e.ad_value.to_string()
            } else {
                "(unknown)".to_owned()
            };
            println!(
                "      {:<30} cloud {}  ->  AD {}",
                e.attribute, e.cloud_value, ad_value
            );
        }
    }

    println!(
        "\nPilot wave: {} mailbox(es){}",
        wave.len(),
        if org_blocked {
            "; the organization preflight blocks the transfer until its findings are fixed"
        } else {
            ""
        }
    );
    Ok(())
}

/// The Exchange attribute values of a mailbox, keyed by Exchange Online property name.
fn cloud_values(catalog: &Catalog, mailbox: &Mailbox) -> BTreeMap<String, AttributeValue> {
    catalog
        .iter()
        .filter_map(|a| {
            let property = a.exo_property.as_deref()?;
            let value = mailbox.property(property)?;
            (!value.is_empty()).then(|| (property.to_owned(), value))
        })
        .collect()
}

fn print_findings(findings: &[Finding], indent: &str) {
    for f in findings {
        println!("{indent}[{}] {}: {}", f.severity, f.code, f.message);
        println!("{indent}  fix: {}", f.fix);
    }
}
