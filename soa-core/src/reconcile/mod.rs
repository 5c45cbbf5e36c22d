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
//! export on a second thread, in batches, while the accounts are committed to the report in
//! the export's order on the first. A CSV row is compared straight from its cells, without
//! building an [`AdEntry`]. Pairing an account with its mailbox and comparing the two only
//! reads the index, so when the first thread falls behind the second one examines batches
//! too. Its report is the one [`reconcile`] gives over [`source::open_ad`] and
//! [`source::open_cloud`].
//!
//! # Hostile inputs
//!
//! Exports, reports and plans are files anyone can edit, and some are opened in spreadsheets:
//!
//! - **Reports read back** ([`Report::from_json`]) are checked before a plan can use them:
//!   every difference's LDAP name is one, its DN parses (RFC 4514, no control characters) and
//!   its object GUID is a GUID; [`Report::from_json_checked`], [`Report::check`] and
//!   [`writeback::WritebackPlan::checked`] also check each attribute against the catalog (its
//!   LDAP name, class, value kind and writeback flag), and
//!   [`writeback::WritebackPlan::check`] does the same for a plan. What does not validate is an
//!   error naming the difference (or account) and the field. Whatever a plan holds, its LDIF
//!   writes DNs and values that are not RFC 2849 safe strings in base64.
//! - **The CSV report** puts a `'` before a cell that a spreadsheet would run as a formula (one
//!   starting with `=`, `+`, `-`, `@`, a tab or a carriage return; a phone number `+49 ...` too),
//!   as OWASP advises; [`report::csv_cell_value`] takes it off again.
//! - **LDIF exports** keep attributes outside the catalog unread (`jpegPhoto`, security
//!   descriptors: binary, not text), while a catalog attribute whose value is not valid for it
//!   is an error naming the line.
//! - **Sizes**: one JSON record may take [`source::MAX_JSON_RECORD`] bytes, one CSV line
//!   [`source::MAX_CSV_LINE`]; beyond, the file is not an export and the error names the
//!   record or line. A JSON file may start with a UTF-8 byte-order mark and nothing else like it.
//! - **Shared keys**: a key that thousands of mailboxes share costs each account that has it the
//!   same as any key: an ambiguous match lists the last [`join::MAX_CANDIDATES`] candidates and
//!   counts them all, and a reference to a shared name is found unresolved at once.
//!
//! # Progress
//!
//! [`reconcile_files_with_progress`] and [`reconcile_live_with_progress`] tell a callback how
//! far they have read ([`ReconcileProgress`]): the cloud side first, then the AD side, records
//! and bytes of each file's size. The bytes are counted under each file's buffered reader, one
//! addition per buffer filled, and looked at once per batch of records, so progress costs
//! nothing measurable; events come every [`BYTES_STEP`] bytes or [`RECORDS_STEP`] records, and
//! each phase ends with one that has all its records and bytes.
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

mod account;
mod base64;
pub mod diff;
pub mod join;
mod load;
mod pipeline;
mod progress;
mod refs;
pub mod report;
mod run;
pub mod source;
mod store;
mod validate;
pub mod writeback;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};

pub use diff::{DiffClass, Difference, Reason};
pub use progress::{
    BYTES_STEP, RECORDS_STEP, ReconcilePhase, ReconcileProgress, ReconcileProgressFn,
};
pub use report::{Report, ReportChanges};

use crate::Result;
use crate::catalog::Catalog;
use crate::exo::{ExchangeOnline, MailboxFilter};
use account::{Origin, RowLayout};
use join::CloudIndex;
use progress::{Meter, ReadCount};
use run::{Examiner, Reconciler};
use source::{AdEntries, AdEntry, AdExport, AdFormat, CloudEntry};

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
    reconcile_indexed(catalog, ad, &index, options, &mut Meter::off())
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
    reconcile_files_with_progress(catalog, ad, ad_format, cloud, options, None)
}

/// [`reconcile_files`], telling `progress` how far it has read: the cloud file first
/// ([`ReconcilePhase::Cloud`]), then the AD export ([`ReconcilePhase::Directory`]), records and
/// bytes of each file's size, at a bounded rate, each phase ending with an event that has all
/// its records and bytes (see [`ReconcileProgress`]). A callback that panics stops the
/// reconciliation with an error.
pub fn reconcile_files_with_progress(
    catalog: &Catalog,
    ad: &Path,
    ad_format: Option<AdFormat>,
    cloud: &Path,
    options: &ReconcileOptions,
    progress: Option<ReconcileProgressFn>,
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
    let ad_export = source::open_ad_export(catalog, ad, ad_format)?;
    let file = File::open(cloud).map_err(|source| crate::Error::Io {
        action: "read",
        path: cloud.to_path_buf(),
        source,
    })?;
    let read = ReadCount::of(&file);
    let mut meter = Meter::new(progress.clone(), ReconcilePhase::Cloud, Some(read.clone()));
    let mut index = CloudIndex::default();
    load::load_cloud_json(
        catalog,
        BufReader::with_capacity(1 << 20, read.reader(file)),
        &cloud.display().to_string(),
        &mut index,
        &mut meter,
    )?;
    meter.finish()?;
    let mut meter = Meter::new(progress, ReconcilePhase::Directory, ad_export.read_count());
    let examiner = Examiner::new(catalog, &index, &options);
    let mut run = Reconciler::new(&examiner, &options);
    match ad_export {
        AdExport::Csv(mut rows, _) => {
            rows.read_header()?;
            let layout = RowLayout::new(rows.fields(), &examiner.slots);
            let file = rows.origin().to_owned();
            pipeline::in_batches(
                |out| pipeline::read_rows(&mut rows, out),
                &|batch| examiner.examine_rows(&file, &layout, batch),
                |(line, record), examined| {
                    run.add_row(Origin::Line(&file, *line), record, &layout, examined);
                },
                |n| meter.add(n),
            )?;
        }
        AdExport::Entries(entries) => {
            pipeline::in_batches(
                |out| pipeline::read_entries(entries, out),
                &|batch| examiner.examine_entries(batch),
                |entry, examined| run.add_entry(entry, Some(examined)),
                |n| meter.add(n),
            )?;
        }
    }
    meter.finish()?;
    Ok(run.finish())
}

/// Reconciles an AD source with a live Exchange Online (the REST client or the simulated
/// organization): the dir-synced mailboxes are listed as a stream and indexed.
pub async fn reconcile_live(
    catalog: &Catalog,
    ad: impl IntoIterator<Item = Result<AdEntry>>,
    exchange: &dyn ExchangeOnline,
    options: &ReconcileOptions,
) -> Result<Report> {
    live(catalog, ad, None, exchange, options, None).await
}

/// [`reconcile_live`], telling `progress` how far it has read: the mailboxes listed
/// ([`ReconcilePhase::Cloud`]: records only, `bytes` 0 and `total_bytes` `None`), then the AD
/// accounts ([`ReconcilePhase::Directory`]: with the bytes of the file when `ad` comes from
/// [`source::open_ad`], `None` as the total otherwise), at a bounded rate, each phase ending
/// with an event that has all its records (see [`ReconcileProgress`]). A callback that panics
/// stops the reconciliation with an error.
pub async fn reconcile_live_with_progress(
    catalog: &Catalog,
    ad: AdEntries,
    exchange: &dyn ExchangeOnline,
    options: &ReconcileOptions,
    progress: Option<ReconcileProgressFn>,
) -> Result<Report> {
    let read = ad.read_count();
    live(catalog, ad, read, exchange, options, progress).await
}

/// A live reconciliation; `read` counts the bytes of the AD file, when it is one.
async fn live(
    catalog: &Catalog,
    ad: impl IntoIterator<Item = Result<AdEntry>>,
    read: Option<ReadCount>,
    exchange: &dyn ExchangeOnline,
    options: &ReconcileOptions,
    progress: Option<ReconcileProgressFn>,
) -> Result<Report> {
    options.validate()?;
    let mut meter = Meter::new(progress.clone(), ReconcilePhase::Cloud, None);
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
        meter.add(1)?;
    }
    drop(stream);
    meter.finish()?;
    let mut meter = Meter::new(progress, ReconcilePhase::Directory, read);
    let report = reconcile_indexed(catalog, ad, &index, options, &mut meter)?;
    meter.finish()?;
    Ok(report)
}

fn reconcile_indexed(
    catalog: &Catalog,
    ad: impl IntoIterator<Item = Result<AdEntry>>,
    index: &CloudIndex,
    options: &ReconcileOptions,
    meter: &mut Meter,
) -> Result<Report> {
    let examiner = Examiner::new(catalog, index, options);
    let mut run = Reconciler::new(&examiner, options);
    for entry in ad {
        run.add_entry(&entry?, None);
        meter.add(1)?;
    }
    Ok(run.finish())
}
