//! Reconciles an AD export with a `Get-Mailbox | ConvertTo-Json` file and writes the reports.
//!
//! ```text
//! cargo run -p soa-core --example reconcile -- <ad.csv|ad.ldf|ad.json> <mailboxes.json> <out-dir> [--writeback]
//! ```
//!
//! Writes `report.json`, `report.csv`, `report.html`, and a writeback plan (`writeback.ldf`,
//! `writeback.ps1`) for the differences where the cloud is the master and AD is stale. With
//! `--generate N`, instead of reading files it writes a generated export pair of N mailboxes
//! to `<out-dir>` first (AD CSV and mailbox JSON), then reconciles them, and reports the
//! throughput.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use soa_core::catalog::Catalog;
use soa_core::reconcile::writeback::WritebackPlan;
use soa_core::reconcile::{DiffClass, ReconcileOptions, reconcile_files};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let writeback = args.iter().any(|a| a == "--writeback");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let (ad, cloud, out) = if let Some(i) = args.iter().position(|a| a == "--generate") {
        let n: usize = args.get(i + 1).ok_or("--generate needs a count")?.parse()?;
        let out = PathBuf::from(positional.last().ok_or("give an output folder")?.as_str());
        std::fs::create_dir_all(&out)?;
        let (ad, cloud) = generate(&out, n)?;
        (ad, cloud, out)
    } else {
        let [ad, cloud, out] = positional.as_slice() else {
            return Err(
                "usage: reconcile <ad export> <mailboxes.json> <out-dir> [--writeback]".into(),
            );
        };
        (
            PathBuf::from(ad.as_str()),
            PathBuf::from(cloud.as_str()),
            PathBuf::from(out.as_str()),
        )
    };
    std::fs::create_dir_all(&out)?;
    let catalog = Catalog::builtin();
    let options = ReconcileOptions {
        writeback_enabled: writeback,
        ad_source: ad.display().to_string(),
        cloud_source: cloud.display().to_string(),
        ..ReconcileOptions::default()
    };
    let bytes = std::fs::metadata(&ad)?.len() + std::fs::metadata(&cloud)?.len();
    let start = Instant::now();
    let report = reconcile_files(catalog, &ad, None, &cloud, &options)?;
    let elapsed = start.elapsed().as_secs_f64();
    report.save_json(&out.join("report.json"))?;
    report.save_csv(&out.join("report.csv"))?;
    report.save_html(&out.join("report.html"))?;
    let plan = WritebackPlan::new(&report, report.generated, |d| {
        d.class == DiffClass::CloudMasterAdStale
    });
    plan.save_ldif(&out.join("writeback.ldf"))?;
    plan.save_powershell(&out.join("writeback.ps1"))?;
    let t = &report.totals;
    println!(
        "{} AD records, {} mailboxes, {} matched, {} differences ({} in sync of {} compared)",
        t.ad_records, t.cloud_records, t.matched, t.differences, t.in_sync, t.compared
    );
    for (class, n) in &t.by_class {
        println!("  {class}: {n}");
    }
    println!(
        "{:.1} MB in {elapsed:.2} s: {:.1} MB/s",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / elapsed
    );
    Ok(())
}

/// Writes `ad.csv` and `mailboxes.json` for `n` mailboxes, one in ten with a stale AD value.
fn generate(out: &Path, n: usize) -> std::io::Result<(PathBuf, PathBuf)> {
    let ad = out.join("ad.csv");
    let cloud = out.join("mailboxes.json");
    let mut csv = String::from(
        "#TYPE Microsoft.ActiveDirectory.Management.ADUser\nObjectGUID,DistinguishedName,UserPrincipalName,DisplayName,msExchMailboxGuid,mail,proxyAddresses,extensionAttribute1,extensionAttribute2\n",
    );
    let mut json = String::from("[\n");
    for i in 0..n {
        let guid = format!("{i:08x}-0000-4000-8000-{i:012x}");
        let upn = format!("user{i}@contoso.com");
        let ext1 = if i % 10 == 0 { "old" } else { "Sales" };
        let _ = writeln!(
            csv,
            "a{i:07x}-0000-4000-8000-000000000000,\"CN=User {i},OU=Staff,DC=contoso,DC=com\",{upn},User {i},{guid},{upn},SMTP:{upn};smtp:u{i}@contoso.com,{ext1},",
        );
        let _ = write!(
            json,
            "{}  {{\"UserPrincipalName\":\"{upn}\",\"PrimarySmtpAddress\":\"{upn}\",\"WindowsEmailAddress\":\"{upn}\",\"DisplayName\":\"User {i}\",\"ExchangeGuid\":\"{guid}\",\"EmailAddresses\":[\"smtp:u{i}@contoso.com\",\"SMTP:{upn}\"],\"IsDirSynced\":true,\"IsExchangeCloudManaged\":{},\"CustomAttribute1\":\"Sales\",\"CustomAttribute2\":\"\"}}",
            if i == 0 { "" } else { ",\n" },
            i % 2 == 0
        );
    }
    json.push_str("\n]\n");
    std::fs::write(&ad, csv)?;
    std::fs::write(&cloud, json)?;
    Ok((ad, cloud))
}
