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
//!    for its kind, and each difference classified ([`DiffClass`], [`Reason`]). References
//!    are compared by what they name (below).
//! 4. **Reports** ([`report`]): JSON, CSV (one row per difference), self-contained HTML, and the
//!    comparison of two reports.
//! 5. **Writeback plans** ([`writeback`]): LDIF and a PowerShell script that bring AD up to the
//!    cloud values an admin chooses. Plans are files to review; nothing is applied.
//!
//! # DN references
//!
//! Attributes whose AD value is a distinguished name (the catalog's `dn_reference` and
//! `multi_dn_reference` kinds: `manager`, `altRecipient`/`ForwardingAddress`,
//! `publicDelegates`/`GrantSendOnBehalfTo`, `authOrig`, `msExchModeratedByLink`, ...) name
//! directory objects, and the cloud names the same objects differently (`Bob Smith`, `bob`,
//! `bob@contoso.com`, a GUID). Such values are compared by what they name, once the whole AD
//! export has been read:
//!
//! - values equal as text (without case) are in sync, as before;
//! - an AD DN names the mailbox paired with the AD account of that DN in the export (DNs
//!   compared without case and without the spaces around `,` and `=`);
//! - a cloud value names the one mailbox whose `Identity`, `Name`, `Alias`,
//!   `UserPrincipalName`, `PrimarySmtpAddress`, `WindowsEmailAddress`, `ExchangeGuid`,
//!   `ExternalDirectoryObjectId`, `Guid` or `DistinguishedName` it equals (without case), or,
//!   when it is a DN itself, the mailbox of that AD account;
//! - when every value on both sides names a mailbox, the two sides are in sync if they name the
//!   same set of mailboxes, and differ (classified as usual) otherwise;
//! - when some value names no mailbox, or several (a DN outside the export, an account without
//!   a mailbox, a name two mailboxes share), nothing is guessed: the difference is reported with
//!   [`Reason::UnresolvedReference`] and the class the authority rules give.
//!
//! # At tenant scale
//!
//! The AD side is streamed, one record at a time. The cloud side is held in a compact index
//! ([`join::CloudIndex`]): only the join keys, the names, the state and the values of the
//! compared properties, in byte arenas, a few hundred bytes a mailbox. [`reconcile_files`]
//! reads the cloud file without building a typed mailbox per record (only the keys of interest
//! are parsed, strings borrowed from the record), parses it on two threads, and reads the AD
//! export on a second thread while the join and the diff run on the first; its report is the
//! one [`reconcile`] gives over [`source::open_ad`] and [`source::open_cloud`].
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
mod load;
mod refs;
pub mod report;
pub mod source;
mod store;
pub mod writeback;

use std::fs::File;
use std::io::BufReader;
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
use store::{Head, KeyTable};

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

impl ReconcileOptions {
    /// Checks the options: the sync grace must be a number of minutes from 0 to about 100
    /// million years (what a time span can hold). Every reconciliation checks this first.
    pub fn validate(&self) -> Result<()> {
        if self.sync_grace_minutes < 0 || TimeDelta::try_minutes(self.sync_grace_minutes).is_none()
        {
            return Err(crate::Error::invalid_input(
                "sync_grace_minutes",
                format!(
                    "{} minutes is not a sync grace: give 0 or more minutes (120 is four sync cycles)",
                    self.sync_grace_minutes
                ),
            ));
        }
        Ok(())
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
    options.validate()?;
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
    options.validate()?;
    let defaults = ReconcileOptions::default();
    let mut options = options.clone();
    if options.ad_source == defaults.ad_source {
        options.ad_source = ad.display().to_string();
    }
    if options.cloud_source == defaults.cloud_source {
        options.cloud_source = cloud.display().to_string();
    }
    let ad_entries = source::open_ad(catalog, ad, ad_format)?;
    let file = File::open(cloud).map_err(|source| crate::Error::Io {
        action: "read",
        path: cloud.to_path_buf(),
        source,
    })?;
    let mut index = CloudIndex::default();
    load::load_cloud_json(
        catalog,
        BufReader::with_capacity(1 << 20, file),
        &cloud.display().to_string(),
        &mut index,
    )?;
    // The AD export is read and parsed on a second thread, a few batches ahead of the join
    // and the diff on this one: still one record at a time in memory, give or take the
    // batches in flight.
    // The batches go back to that thread to be dropped there: memory is best freed by the
    // thread that allocated it.
    std::thread::scope(|scope| {
        type Batch = Vec<Result<AdEntry>>;
        let (to_join, ready) = std::sync::mpsc::sync_channel::<Batch>(4);
        let (to_drop, used) = std::sync::mpsc::channel::<Batch>();
        scope.spawn(move || {
            const BATCH: usize = 256;
            let mut batch = Vec::with_capacity(BATCH);
            for entry in ad_entries {
                let failed = entry.is_err();
                batch.push(entry);
                if batch.len() == BATCH || failed {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if to_join.send(full).is_err() || failed {
                        return;
                    }
                    while let Ok(old) = used.try_recv() {
                        drop(old);
                    }
                }
            }
            if !batch.is_empty() {
                let _ = to_join.send(batch);
            }
        });
        let mut run = Reconciler::new(catalog, &index, &options);
        for batch in ready {
            if batch.iter().any(Result::is_err) {
                // The first malformed record is the error (nothing after it was read).
                return match batch.into_iter().find_map(Result::err) {
                    Some(e) => Err(e),
                    None => Ok(run.finish()),
                };
            }
            for entry in batch.iter().flatten() {
                run.add(entry);
            }
            let _ = to_drop.send(batch);
        }
        Ok(run.finish())
    })
}

/// Reconciles an AD source with a live Exchange Online (the REST client or the simulated
/// organization): the dir-synced mailboxes are listed as a stream and indexed.
pub async fn reconcile_live(
    catalog: &Catalog,
    ad: impl IntoIterator<Item = Result<AdEntry>>,
    exchange: &dyn ExchangeOnline,
    options: &ReconcileOptions,
) -> Result<Report> {
    options.validate()?;
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
    let mut run = Reconciler::new(catalog, index, options);
    for entry in ad {
        run.add(&entry?);
    }
    Ok(run.finish())
}

/// One reconciliation under way: the AD accounts are added one by one, then the mailboxes no
/// account claimed are listed.
struct Reconciler<'a> {
    index: &'a CloudIndex,
    options: &'a ReconcileOptions,
    now: DateTime<Utc>,
    sync_grace: TimeDelta,
    report: Report,
    columns: Vec<diff::Column<'a>>,
    /// Whether reference attributes are compared.
    references: bool,
    /// Per mailbox: where the AD record that claimed it was read (in `origins`).
    claimed: Vec<Option<(usize, usize)>>,
    origins: String,
    /// Each AD account's DN and its mailbox, for references (filled only when references are
    /// compared): they are decided once every account has been read.
    ad_dns: KeyTable,
    /// The differences on reference attributes (positions in the report).
    pending: Vec<usize>,
    /// Scratch space of the diff.
    slots: Vec<Option<store::Val<'a>>>,
}

impl<'a> Reconciler<'a> {
    fn new(catalog: &'a Catalog, index: &'a CloudIndex, options: &'a ReconcileOptions) -> Self {
        let now = options.now.unwrap_or_else(Utc::now);
        let mut report = Report::new(now, options);
        report.totals.cloud_records = index.len();
        let mut columns = diff::columns(catalog, options.attributes.as_deref());
        for c in &mut columns {
            c.prop = index.find_prop(&c.exo_key);
        }
        let references = columns
            .iter()
            .any(|c| c.prop.is_some() && diff::is_reference(c.attribute.value_kind));
        Reconciler {
            index,
            options,
            now,
            // In range: the entry points validate the options first.
            sync_grace: TimeDelta::try_minutes(options.sync_grace_minutes)
                .unwrap_or(TimeDelta::MAX),
            report,
            columns,
            references,
            claimed: vec![None; index.len()],
            origins: String::new(),
            ad_dns: KeyTable::default(),
            pending: Vec::new(),
            slots: vec![None; index.prop_count()],
        }
    }

    fn claimant(&self, i: usize) -> Option<&str> {
        let (start, end) = self.claimed.get(i).copied().flatten()?;
        self.origins.get(start..end)
    }

    fn add(&mut self, entry: &AdEntry) {
        let index = self.index;
        let report = &mut self.report;
        report.totals.ad_records += 1;
        let outcome = index.find(entry);
        if self.references
            && let Some(dn) = entry.distinguished_name.as_deref()
        {
            let target = match &outcome {
                JoinOutcome::Matched(i, _) if self.claimed[*i].is_none() => {
                    u32::try_from(*i).unwrap_or(refs::NO_MAILBOX)
                }
                _ => refs::NO_MAILBOX,
            };
            self.ad_dns.insert(&refs::normalize_dn(dn), target);
        }
        match outcome {
            JoinOutcome::Matched(i, key) => {
                let Some(cloud) = index.get(i) else { return };
                if let Some(first) = self.claimant(i) {
                    let first = first.to_owned();
                    self.report.ambiguous.push(report::Ambiguity {
                        side: report::Side::Cloud,
                        record: entry.origin.clone(),
                        key,
                        candidates: vec![first, entry.origin.clone()],
                    });
                    return;
                }
                let start = self.origins.len();
                self.origins.push_str(&entry.origin);
                self.claimed[i] = Some((start, self.origins.len()));
                let report = &mut self.report;
                report.totals.count_match(key);
                let ctx = diff::ClassifyContext {
                    state: MailboxState {
                        dir_synced: cloud.record.dir_synced,
                        cloud_managed: cloud.record.cloud_managed,
                        recipient_type: None,
                    },
                    writeback_enabled: self.options.writeback_enabled,
                    ad_changed: entry.when_changed,
                    cloud_changed: cloud.record.changed,
                    now: self.now,
                    sync_grace: self.sync_grace,
                };
                let before = report.differences.len();
                let compared = diff::compare(
                    &self.columns,
                    entry,
                    &cloud,
                    || index.origin(i),
                    key,
                    &ctx,
                    &mut self.slots,
                    &mut report.differences,
                    &mut self.pending,
                );
                let found = report.differences.len() - before;
                report.totals.compared += compared;
                report.totals.in_sync += compared - found;
            }
            JoinOutcome::Ambiguous(key, candidates) => report.ambiguous.push(report::Ambiguity {
                side: report::Side::Ad,
                record: entry.origin.clone(),
                key,
                candidates: candidates.into_iter().map(|i| index.origin(i)).collect(),
            }),
            JoinOutcome::Unmatched if join::ad_is_mail_enabled(entry) => {
                report.ad_only.push(report::Unmatched {
                    record: entry.origin.clone(),
                    name: entry
                        .text("userPrincipalName")
                        .or_else(|| join::ad_primary_smtp(entry))
                        .or(entry.distinguished_name.clone())
                        .unwrap_or_default(),
                    guid: entry.text("msExchMailboxGuid"),
                });
            }
            JoinOutcome::Unmatched => report.totals.ad_without_mailbox += 1,
        }
    }

    fn finish(mut self) -> Report {
        let index = self.index;
        if !self.pending.is_empty() {
            resolve_references(index, &self.ad_dns, &self.pending, &mut self.report);
        }
        for (i, first) in self.claimed.iter().enumerate() {
            if first.is_none()
                && let Some(m) = index.get(i)
            {
                self.report.cloud_only.push(report::Unmatched {
                    record: index.origin(i),
                    name: m
                        .head(Head::Upn)
                        .or(m.head(Head::PrimarySmtp))
                        .unwrap_or_default()
                        .to_owned(),
                    guid: m.head(Head::ExchangeGuid).map(str::to_owned),
                });
            }
        }
        self.report.finish();
        self.report
    }
}

/// Decides the differences on reference attributes (see [`refs`]): those whose two sides name
/// the same mailboxes are in sync after all, those that cannot be resolved get
/// [`Reason::UnresolvedReference`].
fn resolve_references(
    index: &CloudIndex,
    ad_dns: &KeyTable,
    pending: &[usize],
    report: &mut Report,
) {
    let cloud_values: Vec<Vec<String>> = pending
        .iter()
        .map(|&k| report.differences[k].cloud_value.to_strings())
        .collect();
    let resolver = refs::Resolver::new(
        ad_dns,
        index,
        cloud_values.iter().flatten().map(String::as_str),
    );
    let mut in_sync = vec![false; report.differences.len()];
    for (&k, cloud) in pending.iter().zip(&cloud_values) {
        let d = &mut report.differences[k];
        match refs::same_targets(&resolver, &d.ad_value.to_strings(), cloud) {
            Some(true) => in_sync[k] = true,
            Some(false) => {}
            None => d.reason = Reason::UnresolvedReference,
        }
    }
    let now_in_sync = in_sync.iter().filter(|s| **s).count();
    if now_in_sync > 0 {
        let mut k = 0;
        report.differences.retain(|_| {
            k += 1;
            !in_sync[k - 1]
        });
        report.totals.in_sync += now_in_sync;
    }
}
