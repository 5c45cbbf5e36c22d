//! Reconciliation of on-premises AD with Exchange Online: which values differ, what each
//! difference means under the authority rules, reports people can read, and writeback plans.
//!
//! # In one call
//!
//! 1. **Sources** ([`source`]): the AD side from an export — CSV of `Get-ADUser | Export-Csv`,
//!    LDIF of `ldifde`, JSON of `ConvertTo-Json` — read one record at a time; the cloud side
//!    from `Get-Mailbox | ConvertTo-Json` or live through any
//!    [`ExchangeOnline`] ([`reconcile_live`]).
//! 2. **Join** ([`join`]): the mailboxes are indexed by ExchangeGuid, UPN and primary SMTP
//!    address; each AD account is looked up on `msExchMailboxGuid`, then `userPrincipalName`,
//!    then its primary address. Objects on one side only and ambiguous matches are reported.
//! 3. **Diff** ([`diff`]): every catalog attribute with names on both sides and present on both
//!    is compared with [`AttributeValue::equivalent`](crate::model::AttributeValue::equivalent)
//!    for its kind, and each difference classified ([`DiffClass`], [`Reason`]).
//! 4. **Reports** ([`report`]): JSON, CSV (one row per difference), self-contained HTML, and the
//!    comparison of two reports.
//! 5. **Writeback plans** ([`writeback`]): LDIF and a PowerShell script that bring AD up to the
//!    cloud values an admin chooses. Plans are files to review; nothing is applied.
//!
//! ```
//! use soa_core::catalog::Catalog;
//! use soa_core::reconcile::{ReconcileOptions, reconcile};
//! use soa_core::reconcile::source::{AdCsvReader, CloudJsonReader};
//!
//! let ad = "#TYPE Microsoft.ActiveDirectory.Management.ADUser\n\
//!           UserPrincipalName,extensionAttribute1\n\
//!           alice@contoso.com,Sales\n";
//! let cloud = r#"[{"UserPrincipalName":"alice@contoso.com","IsDirSynced":true,
//!                  "IsExchangeCloudManaged":true,"CustomAttribute1":"Finance"}]"#;
//! let catalog = Catalog::builtin();
//! let report = reconcile(
//!     catalog,
//!     AdCsvReader::new(std::io::Cursor::new(ad), "ad.csv", catalog.clone()),
//!     CloudJsonReader::new(cloud.as_bytes(), "cloud.json"),
//!     &ReconcileOptions::default(),
//! )?;
//! assert_eq!(report.differences.len(), 1);
//! assert_eq!(report.differences[0].class.as_str(), "cloud_master_ad_stale");
//! # Ok::<(), soa_core::Error>(())
//! ```

mod base64;
pub mod diff;
pub mod join;
pub mod report;
pub mod source;
pub mod writeback;

use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};

pub use diff::{DiffClass, Difference, Reason};
pub use report::{Report, ReportChanges};

use crate::Result;
use crate::authority::MailboxState;
use crate::catalog::Catalog;
use crate::exo::{ExchangeOnline, MailboxFilter};
use join::{CloudIndex, JoinOutcome};
use source::{AdEntry, AdFormat, CloudEntry};

/// How to reconcile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReconcileOptions {
    /// Whether Cloud Sync writeback ("EXO to AD attribute sync") is configured: decides whether
    /// a stale AD value of a written-back attribute will catch up. Off by default.
    pub writeback_enabled: bool,
    /// The time of the reconciliation (now when absent); the reference for the sync grace.
    pub now: Option<DateTime<Utc>>,
    /// After how many minutes an AD change not yet in the cloud is a suspected sync error
    /// (default 120: four sync cycles).
    pub sync_grace_minutes: i64,
    /// Compare only these attributes (any catalog name); all when absent.
    pub attributes: Option<Vec<String>>,
    /// A name for the AD source in reports (a file name).
    pub ad_source: String,
    /// A name for the cloud source in reports.
    pub cloud_source: String,
}

impl Default for ReconcileOptions {
    fn default() -> Self {
        ReconcileOptions {
            writeback_enabled: false,
            now: None,
            sync_grace_minutes: 120,
            attributes: None,
            ad_source: "AD".to_owned(),
            cloud_source: "Exchange Online".to_owned(),
        }
    }
}

/// Reconciles an AD source with a cloud source. The cloud side is indexed in memory; the AD
/// side is streamed. The first malformed record of either side is the error.
pub fn reconcile(
    catalog: &Catalog,
    ad: impl IntoIterator<Item = Result<AdEntry>>,
    cloud: impl IntoIterator<Item = Result<CloudEntry>>,
    options: &ReconcileOptions,
) -> Result<Report> {
    let mut index = CloudIndex::default();
    for entry in cloud {
        index.push(entry?);
    }
    reconcile_indexed(catalog, ad, &index, options)
}

/// Reconciles two exports on disk: an AD export (CSV, LDIF or JSON, in `ad_format` or the format
/// its extension suggests) and a `Get-Mailbox | ConvertTo-Json` file. This is the entry point
/// the Python, C and PowerShell front ends use. Sources left at their default names in
/// `options` are named after the files in the report.
pub fn reconcile_files(
    catalog: &Catalog,
    ad: &Path,
    ad_format: Option<AdFormat>,
    cloud: &Path,
    options: &ReconcileOptions,
) -> Result<Report> {
    let defaults = ReconcileOptions::default();
    let mut options = options.clone();
    if options.ad_source == defaults.ad_source {
        options.ad_source = ad.display().to_string();
    }
    if options.cloud_source == defaults.cloud_source {
        options.cloud_source = cloud.display().to_string();
    }
    let ad_entries = source::open_ad(catalog, ad, ad_format)?;
    let cloud_entries = source::open_cloud(cloud)?;
    reconcile(catalog, ad_entries, cloud_entries, &options)
}

/// Reconciles an AD source with a live Exchange Online (the REST client or the simulated
/// organization): the dir-synced mailboxes are listed as a stream and indexed.
pub async fn reconcile_live(
    catalog: &Catalog,
    ad: impl IntoIterator<Item = Result<AdEntry>>,
    exchange: &dyn ExchangeOnline,
    options: &ReconcileOptions,
) -> Result<Report> {
    let mut index = CloudIndex::default();
    let filter = MailboxFilter {
        dir_synced: Some(true),
        ..MailboxFilter::default()
    };
    let mut stream = exchange.list_mailboxes(filter);
    while let Some(mailbox) = stream.next().await {
        index.push(CloudEntry::from_mailbox(
            catalog,
            mailbox?,
            options.cloud_source.clone(),
        ));
    }
    drop(stream);
    reconcile_indexed(catalog, ad, &index, options)
}

fn reconcile_indexed(
    catalog: &Catalog,
    ad: impl IntoIterator<Item = Result<AdEntry>>,
    index: &CloudIndex,
    options: &ReconcileOptions,
) -> Result<Report> {
    let now = options.now.unwrap_or_else(Utc::now);
    let mut report = Report::new(now, options);
    report.totals.cloud_records = index.entries().len();
    let columns = diff::columns(catalog, options.attributes.as_deref());
    let mut claimed: Vec<Option<String>> = vec![None; index.entries().len()];
    for entry in ad {
        let entry = entry?;
        report.totals.ad_records += 1;
        match index.find(&entry) {
            JoinOutcome::Matched(i, key) => {
                let cloud = &index.entries()[i];
                if let Some(first) = &claimed[i] {
                    report.ambiguous.push(report::Ambiguity {
                        side: report::Side::Cloud,
                        record: entry.origin.clone(),
                        key,
                        candidates: vec![first.clone(), entry.origin.clone()],
                    });
                    continue;
                }
                claimed[i] = Some(entry.origin.clone());
                report.totals.count_match(key);
                let ctx = diff::ClassifyContext {
                    state: MailboxState::from_mailbox(&cloud.mailbox),
                    writeback_enabled: options.writeback_enabled,
                    ad_changed: entry.when_changed,
                    cloud_changed: cloud.mailbox.last_changed_utc(),
                    now,
                    sync_grace: TimeDelta::minutes(options.sync_grace_minutes),
                };
                let (compared, diffs) = diff::compare(&columns, &entry, cloud, key, &ctx);
                report.totals.compared += compared;
                report.totals.in_sync += compared - diffs.len();
                for d in diffs {
                    report.add_difference(d);
                }
            }
            JoinOutcome::Ambiguous(key, candidates) => report.ambiguous.push(report::Ambiguity {
                side: report::Side::Ad,
                record: entry.origin.clone(),
                key,
                candidates: candidates
                    .into_iter()
                    .map(|i| index.entries()[i].origin.clone())
                    .collect(),
            }),
            JoinOutcome::Unmatched if join::ad_is_mail_enabled(&entry) => {
                report.ad_only.push(report::Unmatched {
                    record: entry.origin.clone(),
                    name: entry
                        .text("userPrincipalName")
                        .or_else(|| join::ad_primary_smtp(&entry))
                        .or(entry.distinguished_name.clone())
                        .unwrap_or_default(),
                    guid: entry.text("msExchMailboxGuid"),
                });
            }
            JoinOutcome::Unmatched => report.totals.ad_without_mailbox += 1,
        }
    }
    for (i, cloud) in index.entries().iter().enumerate() {
        if claimed[i].is_none() {
            let m = &cloud.mailbox;
            report.cloud_only.push(report::Unmatched {
                record: cloud.origin.clone(),
                name: m
                    .user_principal_name
                    .clone()
                    .or_else(|| m.primary_smtp_address.clone())
                    .unwrap_or_default(),
                guid: m.exchange_guid.clone(),
            });
        }
    }
    report.finish();
    Ok(report)
}
