//! The reconciliation benchmark at tenant scale: generates (once, cached) an AD export and a
//! `Get-Mailbox | ConvertTo-Json` file for N mailboxes, reconciles them end to end through
//! `reconcile_files_with_progress` (with a progress callback that counts the events, so the
//! throughput includes what reporting progress costs; `--no-progress` leaves it out), and prints
//! the input size, the time, the throughput, the peak memory and the counts.
//!
//! ```text
//! cargo run --release -p soa-core --example reconcile_bench -- [--mailboxes N] [--dir DIR] [--regenerate] [--no-progress]
//! ```
//!
//! N defaults to 1,000,000. The files are written under `DIR` (by default `reconcile-bench` in
//! the workspace's target folder) in a folder named after the generator version, the seed and
//! N, so a change of the generator never reuses stale files. The last line of the output is
//! `RESULT {json}` for scripts (`examples/reconcile_bench.py` compares the same files with the
//! Python binding and a pure-Python implementation).
//!
//! The generated organization is a realistic mix: most mailboxes in sync (with proxy
//! addresses in another order or case, Booleans spelled differently, multi-valued attributes
//! in another order, forwarding and delegates given as DNs in AD and as names in the cloud),
//! one in ten with a stale custom attribute, a few with identity drift, extra proxy addresses,
//! a flipped hidden flag or a different forwarding target, some accounts and mailboxes on one
//! side only, a few ambiguous matches, and a few forwarding targets no side can resolve.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    // The generator is one long, plain description of a mailbox on both sides.
    clippy::too_many_lines,
    clippy::many_single_char_names
)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use soa_core::catalog::Catalog;
use soa_core::reconcile::{
    ReconcileOptions, ReconcilePhase, ReconcileProgress, ReconcileProgressFn,
    reconcile_files_with_progress,
};

/// Bumped whenever the generated files change: part of the cache key.
const GENERATOR_VERSION: u32 = 1;
/// The fixed seed of the generator.
const SEED: u64 = 0x5EED_0007;
/// The reference time of the generated organization and of the reconciliation.
const NOW: &str = "2026-11-27T03:00:00Z";

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

fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = arg(args, "--mailboxes").map_or(Ok(1_000_000), str::parse)?;
    let base = arg(args, "--dir").map_or_else(default_dir, PathBuf::from);
    let dir = base.join(format!("v{GENERATOR_VERSION}-seed{SEED:x}-n{n}"));
    let ad = dir.join("ad.csv");
    let cloud = dir.join("mailboxes.json");
    let done = dir.join("complete");
    let now: DateTime<Utc> = NOW.parse()?;
    if args.iter().any(|a| a == "--regenerate") || !done.exists() {
        std::fs::create_dir_all(&dir)?;
        let start = Instant::now();
        generate(&ad, &cloud, n, now)?;
        std::fs::write(&done, b"ok\n")?;
        eprintln!(
            "generated {n} mailboxes in {:.1} s",
            start.elapsed().as_secs_f64()
        );
    }
    let (ad, cloud) = (std::fs::canonicalize(&ad)?, std::fs::canonicalize(&cloud)?);
    let ad_bytes = std::fs::metadata(&ad)?.len();
    let cloud_bytes = std::fs::metadata(&cloud)?.len();
    let bytes = ad_bytes + cloud_bytes;
    let options = ReconcileOptions {
        now: Some(now),
        ..ReconcileOptions::default()
    };
    let catalog = Catalog::builtin();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(ProgressSeen::default()));
    let progress = (!args.iter().any(|a| a == "--no-progress")).then(|| {
        let seen = std::sync::Arc::clone(&seen);
        let f: ReconcileProgressFn = std::sync::Arc::new(move |e: &ReconcileProgress| {
            if let Ok(mut seen) = seen.lock() {
                seen.record(e);
            }
        });
        f
    });
    let start = Instant::now();
    let report = reconcile_files_with_progress(catalog, &ad, None, &cloud, &options, progress)?;
    let seconds = start.elapsed().as_secs_f64();
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    let peak = peak_rss_bytes();
    let t = &report.totals;
    let mb = bytes as f64 / 1e6;
    println!(
        "input: {:.1} MB ({:.1} MB AD CSV, {:.1} MB cloud JSON), {n} mailboxes",
        mb,
        ad_bytes as f64 / 1e6,
        cloud_bytes as f64 / 1e6
    );
    println!(
        "reconciled in {seconds:.2} s: {:.1} MB/s, {:.0} mailboxes/s",
        mb / seconds,
        n as f64 / seconds
    );
    if seen.events == [0, 0] {
        println!("progress: off");
    } else {
        println!(
            "progress: {} cloud events (last {} of {:?} bytes), {} directory events (last {} of {:?} bytes)",
            seen.events[0],
            seen.last[0].bytes,
            seen.last[0].total_bytes,
            seen.events[1],
            seen.last[1].bytes,
            seen.last[1].total_bytes
        );
    }
    match peak {
        Some(p) => println!("peak RSS: {:.1} MiB", p as f64 / (1024.0 * 1024.0)),
        None => println!("peak RSS: unknown (no /proc/self/status)"),
    }
    println!(
        "{} AD records, {} mailboxes, {} matched {:?}, {} AD only, {} cloud only, {} ambiguous",
        t.ad_records,
        t.cloud_records,
        t.matched,
        t.matched_by,
        t.ad_only,
        t.cloud_only,
        t.ambiguous
    );
    println!(
        "{} differences ({} in sync of {} compared)",
        t.differences, t.in_sync, t.compared
    );
    for (class, count) in &t.by_class {
        println!("  {class}: {count}");
    }
    let mut by_reason = std::collections::BTreeMap::<&str, usize>::new();
    for d in &report.differences {
        *by_reason.entry(d.reason.as_str()).or_default() += 1;
    }
    for (reason, count) in &by_reason {
        println!("  reason {reason}: {count}");
    }
    let result = serde_json::json!({
        "mailboxes": n,
        "ad": ad.display().to_string(),
        "cloud": cloud.display().to_string(),
        "now": NOW,
        "input_bytes": bytes,
        "seconds": seconds,
        "mb_per_s": mb / seconds,
        "peak_rss_bytes": peak,
        "totals": t,
        "by_reason": by_reason,
        "progress_events": { "cloud": seen.events[0], "directory": seen.events[1] },
    });
    println!("RESULT {result}");
    Ok(())
}

/// What the progress callback saw: the events of each phase (cloud, directory) and the last one.
#[derive(Debug, Clone)]
struct ProgressSeen {
    events: [u64; 2],
    last: [ReconcileProgress; 2],
}

impl Default for ProgressSeen {
    fn default() -> Self {
        let none = |phase| ReconcileProgress {
            phase,
            records: 0,
            bytes: 0,
            total_bytes: None,
        };
        ProgressSeen {
            events: [0, 0],
            last: [none(ReconcilePhase::Cloud), none(ReconcilePhase::Directory)],
        }
    }
}

impl ProgressSeen {
    fn record(&mut self, e: &ReconcileProgress) {
        let i = match e.phase {
            ReconcilePhase::Cloud => 0,
            ReconcilePhase::Directory => 1,
        };
        self.events[i] += 1;
        self.last[i] = e.clone();
    }
}

/// `reconcile-bench` in the workspace's target folder (or `CARGO_TARGET_DIR`).
fn default_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("..")
                    .join("target")
            },
            PathBuf::from,
        )
        .join("reconcile-bench")
}

/// The process's peak resident set (`VmHWM`), in bytes.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// A deterministic pseudo-random number for (mailbox, purpose): splitmix64.
fn rnd(i: usize, purpose: u64) -> u64 {
    let mut z = SEED ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ purpose.rotate_left(32);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn guid(i: usize, purpose: u64) -> String {
    let (a, b) = (rnd(i, purpose), rnd(i, purpose + 1));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// What a generated mailbox is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An AD account and its mailbox.
    Paired,
    /// A mail-enabled AD account without a mailbox.
    AdOnly,
    /// A mailbox without an AD account.
    CloudOnly,
    /// An AD account without a mailbox GUID whose UPN two mailboxes carry.
    AmbiguousAd,
    /// Two AD accounts with the same mailbox GUID (a restored duplicate).
    AmbiguousCloud,
}

fn kind(i: usize) -> Kind {
    match rnd(i, 1) % 10_000 {
        0..100 => Kind::AdOnly,
        100..200 => Kind::CloudOnly,
        200..205 => Kind::AmbiguousAd,
        205..210 => Kind::AmbiguousCloud,
        _ => Kind::Paired,
    }
}

const FIRST: [&str; 24] = [
    "Alice", "Bob", "Carol", "David", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Karl",
    "Laura", "Mallory", "Nina", "Oscar", "Peggy", "Quentin", "Rupert", "Sybil", "Trent", "Ursula",
    "Victor", "Wendy", "Zoë",
];
const LAST: [&str; 16] = [
    "Smith", "Jones", "Chen", "García", "Müller", "Rossi", "Dubois", "O'Brien", "Kowalski", "Sato",
    "Nguyen", "Silva", "Novak", "Haddad", "Larsen", "Okafor",
];
const DEPARTMENTS: [&str; 6] = ["Sales", "Finance", "IT", "Legal", "Marketing", "Operations"];
const REGIONS: [&str; 5] = ["EMEA", "Americas", "APAC", "HQ", "Remote"];

/// The names of mailbox `i`.
struct Person {
    cn: String,
    display: String,
    alias: String,
    upn: String,
    dn: String,
}

fn person(i: usize) -> Person {
    let first = FIRST[i % FIRST.len()];
    let last = LAST[(i / FIRST.len()) % LAST.len()];
    let ascii = |s: &str| -> String {
        s.chars()
            .filter_map(|c| match c {
                'ë' => Some('e'),
                'í' => Some('i'),
                'ü' => Some('u'),
                '\'' => None,
                c => Some(c.to_ascii_lowercase()),
            })
            .collect()
    };
    let alias = format!("{}.{}{i}", ascii(first), ascii(last));
    let region = REGIONS[i % REGIONS.len()];
    let cn = format!("{first} {last} {i}");
    Person {
        dn: format!("CN={cn},OU=Users,OU={region},DC=contoso,DC=com"),
        display: format!("{first} {last}"),
        upn: format!("{alias}@contoso.com"),
        alias,
        cn,
    }
}

/// A paired mailbox other than `i` to forward to or delegate to.
fn other_paired(i: usize, n: usize, salt: u64) -> Option<usize> {
    (0..8u64)
        .map(|k| (rnd(i, 40 + salt + k) % n as u64) as usize)
        .find(|&j| j != i && kind(j) == Kind::Paired)
}

fn csv_field(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

fn json_str(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Export-Csv's time spelling.
fn ps_time(t: DateTime<Utc>) -> String {
    t.format("%-m/%-d/%Y %-I:%M:%S %p").to_string()
}

/// Writes the AD CSV and the cloud JSON for `n` mailboxes, streaming.
fn generate(
    ad_path: &Path,
    cloud_path: &Path,
    n: usize,
    now: DateTime<Utc>,
) -> std::io::Result<()> {
    let ad_tmp = ad_path.with_extension("csv.tmp");
    let cloud_tmp = cloud_path.with_extension("json.tmp");
    let mut ad = BufWriter::with_capacity(1 << 20, File::create(&ad_tmp)?);
    let mut cloud = BufWriter::with_capacity(1 << 20, File::create(&cloud_tmp)?);
    ad.write_all(b"#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n")?;
    let header = [
        "ObjectGUID",
        "DistinguishedName",
        "Name",
        "SamAccountName",
        "UserPrincipalName",
        "DisplayName",
        "GivenName",
        "Surname",
        "Title",
        "Department",
        "Office",
        "mail",
        "mailNickname",
        "msExchMailboxGuid",
        "proxyAddresses",
        "extensionAttribute1",
        "extensionAttribute2",
        "extensionAttribute3",
        "msExchExtensionCustomAttribute1",
        "msExchHideFromAddressLists",
        "altRecipient",
        "publicDelegates",
        "whenChanged",
    ];
    let mut line = String::new();
    for (k, h) in header.iter().enumerate() {
        if k > 0 {
            line.push(',');
        }
        csv_field(&mut line, h);
    }
    line.push_str("\r\n");
    ad.write_all(line.as_bytes())?;
    cloud.write_all(b"[\r\n")?;
    let mut first_cloud = true;
    for i in 0..n {
        let k = kind(i);
        let p = person(i);
        let exchange_guid = guid(i, 10);
        let r = |purpose: u64, modulo: u64| rnd(i, purpose) % modulo;
        // The state of the mailbox.
        let state = r(2, 1000);
        let dir_synced = state >= 5;
        let cloud_managed = state < 505;
        // Which differences it has.
        let ext1_stale = r(3, 100) < 10;
        let display_drift = r(4, 1000) < 15;
        let proxy_extra = r(5, 100) < 2;
        let proxy_case = r(6, 100) < 5;
        let hidden_flip = r(7, 100) < 1;
        let hidden_true = r(8, 100) < 3;
        let forwarding = r(9, 100) < 3;
        let forward_other = r(11, 100) < 10;
        let forward_unresolvable = r(12, 100) < 5;
        let delegates = r(13, 100) < 2;
        let ext_order = r(14, 100) < 5;
        let guid_missing = r(15, 100) >= 90;
        let upn_changed = guid_missing && r(16, 10) >= 7;
        // Times: the cloud changed 1 to 30 days ago; AD earlier, except for the recent AD
        // edits (pending sync) and the AD edits after the cloud took over (conflicts).
        let cloud_changed = now - TimeDelta::minutes(1440 + (r(17, 30 * 1440) as i64));
        let ad_changed = match r(18, 100) {
            0..5 => now - TimeDelta::minutes(5 + r(19, 50) as i64),
            5..7 => cloud_changed + TimeDelta::minutes(30),
            _ => cloud_changed - TimeDelta::minutes(60 + r(20, 90 * 1440) as i64),
        };
        let secondary = format!("smtp:{}@contoso.mail.onmicrosoft.com", p.alias);
        let primary = format!("SMTP:{}", p.upn);
        let forward_target = forwarding.then(|| other_paired(i, n, 0)).flatten();
        let delegate_targets: Vec<usize> = if delegates {
            [1, 2]
                .iter()
                .filter_map(|&s| other_paired(i, n, s * 10))
                .collect()
        } else {
            Vec::new()
        };

        // ---- AD
        let ad_rows = match k {
            Kind::CloudOnly => 0,
            Kind::AmbiguousCloud => 2,
            _ => 1,
        };
        for copy in 0..ad_rows {
            line.clear();
            let upn = if copy == 1 {
                format!("restored.{}", p.upn)
            } else {
                p.upn.clone()
            };
            let dn = if copy == 1 {
                p.dn.replace("CN=", "CN=Restored ")
            } else {
                p.dn.clone()
            };
            let mailbox_guid = if guid_missing || k == Kind::AmbiguousAd {
                String::new()
            } else {
                exchange_guid.clone()
            };
            let ext1 = if ext1_stale { "Sales-old" } else { "Sales" };
            let ext_custom = if ext_order { "b;a" } else { "a;b" };
            // The cloud's flag, flipped for some; an unset AD flag means false.
            let hidden = match (hidden_true != hidden_flip, hidden_true) {
                (true, _) => "True",
                (false, true) => "False",
                (false, false) => "",
            };
            let alt = match forward_target {
                _ if forwarding && forward_unresolvable => {
                    format!("CN=Departed User {i},OU=Disabled,DC=contoso,DC=com")
                }
                Some(j) => person(j).dn,
                None => String::new(),
            };
            let delegates_dn = delegate_targets
                .iter()
                .map(|&j| person(j).dn)
                .collect::<Vec<_>>()
                .join(";");
            let fields: [&str; 23] = [
                &guid(i + copy * n, 30),
                &dn,
                &p.cn,
                &p.alias,
                &upn,
                &p.display,
                FIRST[i % FIRST.len()],
                LAST[(i / FIRST.len()) % LAST.len()],
                "Consultant",
                DEPARTMENTS[i % DEPARTMENTS.len()],
                REGIONS[i % REGIONS.len()],
                &p.upn,
                &p.alias,
                &mailbox_guid,
                &format!("{primary};{secondary}"),
                ext1,
                "",
                &format!("cc-{}", i % 97),
                ext_custom,
                hidden,
                &alt,
                &delegates_dn,
                &ps_time(ad_changed),
            ];
            for (f, value) in fields.iter().enumerate() {
                if f > 0 {
                    line.push(',');
                }
                csv_field(&mut line, value);
            }
            line.push_str("\r\n");
            ad.write_all(line.as_bytes())?;
        }

        // ---- cloud
        let cloud_records = match k {
            Kind::AdOnly => 0,
            Kind::AmbiguousAd => 2,
            _ => 1,
        };
        for copy in 0..cloud_records {
            let mut out = String::with_capacity(2048);
            out.push_str(if first_cloud {
                "  {\r\n"
            } else {
                ",\r\n  {\r\n"
            });
            first_cloud = false;
            let upn = if upn_changed {
                format!("{}@contoso.onmicrosoft.com", p.alias)
            } else {
                p.upn.clone()
            };
            let mut proxies = vec![
                secondary.clone(),
                if proxy_case {
                    format!("SMTP:{}", p.upn.to_uppercase())
                } else {
                    primary.clone()
                },
            ];
            if proxy_extra {
                proxies.push(format!("smtp:{}.alt@contoso.com", p.alias));
            }
            let display = if display_drift {
                format!("{} (Contractor)", p.display)
            } else {
                p.display.clone()
            };
            let hidden = hidden_true;
            let forwarding_address = match forward_target {
                _ if forwarding && forward_unresolvable => json_str(&format!("Departed User {i}")),
                Some(j) if forward_other => {
                    json_str(&person(other_paired(j, n, 5).unwrap_or(j)).cn)
                }
                Some(j) => json_str(&person(j).cn),
                None => "null".to_owned(),
            };
            let guid_value = if copy == 1 {
                guid(i, 50)
            } else {
                exchange_guid.clone()
            };
            let mut props: Vec<(&str, String)> = vec![
                ("Name", json_str(&p.cn)),
                ("Alias", json_str(&p.alias)),
                ("DisplayName", json_str(&display)),
                ("Identity", json_str(&p.cn)),
                ("SamAccountName", json_str(&p.alias)),
                ("UserPrincipalName", json_str(&upn)),
                ("PrimarySmtpAddress", json_str(&p.upn)),
                ("WindowsEmailAddress", json_str(&p.upn)),
                ("Office", json_str(REGIONS[i % REGIONS.len()])),
                ("RecipientTypeDetails", json_str("UserMailbox")),
                ("ExchangeGuid", json_str(&guid_value)),
                (
                    "ArchiveGuid",
                    json_str("00000000-0000-0000-0000-000000000000"),
                ),
                ("ExternalDirectoryObjectId", json_str(&guid(i, 60))),
                ("Guid", json_str(&guid(i, 70))),
                ("IsDirSynced", dir_synced.to_string()),
                ("IsExchangeCloudManaged", cloud_managed.to_string()),
                ("HiddenFromAddressListsEnabled", hidden.to_string()),
                ("CustomAttribute1", json_str("Sales")),
                ("CustomAttribute2", json_str("")),
                ("CustomAttribute3", json_str(&format!("cc-{}", i % 97))),
            ];
            for c in 4..=15 {
                props.push(leak_custom(c));
            }
            props.push(("ForwardingAddress", forwarding_address));
            props.push(("ForwardingSmtpAddress", "null".to_owned()));
            props.push(("DeliverToMailboxAndForward", "false".to_owned()));
            props.push(("LitigationHoldEnabled", "false".to_owned()));
            props.push(("RetentionPolicy", json_str("Default MRM Policy")));
            props.push((
                "ProhibitSendQuota",
                json_str("99 GB (106,300,440,576 bytes)"),
            ));
            props.push((
                "WhenChangedUTC",
                json_str(&cloud_changed.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            ));
            props.push((
                "WhenCreatedUTC",
                json_str(
                    &(cloud_changed - TimeDelta::days(400))
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string(),
                ),
            ));
            let list = |items: &[String]| -> String {
                if items.is_empty() {
                    return "[]".to_owned();
                }
                let mut s = String::from("[\r\n");
                for (k, item) in items.iter().enumerate() {
                    let _ = write!(
                        s,
                        "      {}{}\r\n",
                        json_str(item),
                        if k + 1 < items.len() { "," } else { "" }
                    );
                }
                s.push_str("    ]");
                s
            };
            let ext_custom: Vec<String> = vec!["a".into(), "b".into()];
            let delegates_names: Vec<String> =
                delegate_targets.iter().map(|&j| person(j).cn).collect();
            props.push(("EmailAddresses", list(&proxies)));
            props.push(("ExtensionCustomAttribute1", list(&ext_custom)));
            props.push(("GrantSendOnBehalfTo", list(&delegates_names)));
            for (k, (name, value)) in props.iter().enumerate() {
                let _ = write!(
                    out,
                    "    \"{name}\": {value}{}\r\n",
                    if k + 1 < props.len() { "," } else { "" }
                );
            }
            out.push_str("  }");
            cloud.write_all(out.as_bytes())?;
        }
    }
    cloud.write_all(b"\r\n]\r\n")?;
    ad.flush()?;
    cloud.flush()?;
    drop((ad, cloud));
    std::fs::rename(&ad_tmp, ad_path)?;
    std::fs::rename(&cloud_tmp, cloud_path)?;
    Ok(())
}

/// `CustomAttribute{c}` with an empty value.
fn leak_custom(c: usize) -> (&'static str, String) {
    const NAMES: [&str; 16] = [
        "",
        "CustomAttribute1",
        "CustomAttribute2",
        "CustomAttribute3",
        "CustomAttribute4",
        "CustomAttribute5",
        "CustomAttribute6",
        "CustomAttribute7",
        "CustomAttribute8",
        "CustomAttribute9",
        "CustomAttribute10",
        "CustomAttribute11",
        "CustomAttribute12",
        "CustomAttribute13",
        "CustomAttribute14",
        "CustomAttribute15",
    ];
    (NAMES[c.min(15)], json_str(""))
}
