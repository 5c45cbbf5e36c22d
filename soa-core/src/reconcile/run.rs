//! One reconciliation under way, in two steps per AD account:
//!
//! 1. **Examine** ([`Examiner`]): look the account up in the cloud index and, when it pairs
//!    with a mailbox, compare the two and classify the differences. This reads only the index
//!    and the account, so accounts can be examined on any thread, in any order.
//! 2. **Commit** ([`Reconciler`]): in the order of the export, count the account, claim its
//!    mailbox (a second account pairing with a claimed mailbox is an ambiguous match, and what
//!    was found for it is dropped), record its DN for references, and add its differences.
//!
//! Once every account is committed, the reference differences are decided and the mailboxes
//! no account claimed are listed. The report is the same whichever thread examined what.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};

use super::account::{Account, Origin, RowLayout, Slots};
use super::diff::{self, Difference};
use super::join::{CloudIndex, JoinOutcome};
use super::report::{self, Report};
use super::source::AdEntry;
use super::store::{Head, KeyTable, Stored, Val};
use super::{Reason, ReconcileOptions, refs};
use crate::authority::MailboxState;
use crate::catalog::Catalog;

/// What examining one account found.
#[derive(Debug)]
pub(crate) struct Examined {
    outcome: JoinOutcome,
    /// The number of attributes compared with the paired mailbox.
    compared: usize,
    /// The differences with the paired mailbox.
    differences: Vec<Difference>,
    /// Which of them are on reference attributes (positions in `differences`).
    references: Vec<usize>,
}

/// The read-only part of a reconciliation: the index, the attributes to compare and the
/// options. Shared by the threads that examine accounts.
pub(crate) struct Examiner<'a> {
    index: &'a CloudIndex,
    writeback_enabled: bool,
    now: DateTime<Utc>,
    sync_grace: TimeDelta,
    columns: Vec<diff::Column<'a>>,
    /// The AD attributes read from each account.
    pub(crate) slots: Slots,
    /// Whether reference attributes are compared.
    references: bool,
}

impl<'a> Examiner<'a> {
    /// The examiner of a reconciliation of `index` under `options` (validated).
    pub(crate) fn new(
        catalog: &'a Catalog,
        index: &'a CloudIndex,
        options: &ReconcileOptions,
    ) -> Self {
        let mut columns = diff::columns(catalog, options.attributes.as_deref());
        let slots = Slots::new(columns.iter().map(|c| c.ldap));
        for c in &mut columns {
            c.prop = index.find_prop(&c.exo_key);
            c.slot = slots.of(c.ldap).unwrap_or(usize::MAX);
        }
        let references = columns
            .iter()
            .any(|c| c.prop.is_some() && diff::is_reference(c.attribute.value_kind));
        Examiner {
            index,
            writeback_enabled: options.writeback_enabled,
            now: options.now.unwrap_or_else(Utc::now),
            // In range: the entry points validate the options first.
            sync_grace: TimeDelta::try_minutes(options.sync_grace_minutes)
                .unwrap_or(TimeDelta::MAX),
            columns,
            slots,
            references,
        }
    }

    /// Scratch space for [`examine`](Self::examine), one per thread.
    pub(crate) fn scratch(&self) -> Vec<Option<Val<'a>>> {
        vec![None; self.index.prop_count()]
    }

    /// Pairs an account with a mailbox and compares the two.
    pub(crate) fn examine(&self, ad: &Account<'_>, scratch: &mut Vec<Option<Val<'a>>>) -> Examined {
        let outcome = self.index.find_account(ad, &self.slots);
        let cloud = self.paired(&outcome);
        self.compare(ad, outcome, cloud, scratch)
    }

    /// The mailbox an outcome pairs an account with.
    fn paired(&self, outcome: &JoinOutcome) -> Option<Stored<'a>> {
        match outcome {
            JoinOutcome::Matched(i, _) => self.index.get(*i),
            _ => None,
        }
    }

    /// Compares an account with the mailbox `outcome` pairs it with (`cloud`), if any.
    fn compare(
        &self,
        ad: &Account<'_>,
        outcome: JoinOutcome,
        cloud: Option<Stored<'a>>,
        scratch: &mut Vec<Option<Val<'a>>>,
    ) -> Examined {
        let mut examined = Examined {
            outcome,
            compared: 0,
            differences: Vec::new(),
            references: Vec::new(),
        };
        if let JoinOutcome::Matched(i, key) = examined.outcome
            && let Some(cloud) = cloud
        {
            let ctx = diff::ClassifyContext {
                state: MailboxState {
                    dir_synced: cloud.record.dir_synced,
                    cloud_managed: cloud.record.cloud_managed,
                    recipient_type: None,
                },
                writeback_enabled: self.writeback_enabled,
                ad_changed: ad.when_changed,
                cloud_changed: cloud.record.changed,
                now: self.now,
                sync_grace: self.sync_grace,
            };
            examined.compared = diff::compare(
                &self.columns,
                ad,
                &cloud,
                || self.index.origin(i),
                key,
                &ctx,
                scratch,
                &mut examined.differences,
                &mut examined.references,
            );
        }
        examined
    }

    /// Examines a batch of accounts, a few at a time: their lookups first, then their paired
    /// mailboxes' records, then the comparisons. The lookups and the records mostly wait for
    /// memory (the index is large), and reads that do not depend on each other wait together.
    fn examine_all(&self, accounts: &[Account<'_>]) -> Vec<Examined> {
        /// How many accounts' reads are started together.
        const AT_ONCE: usize = 32;
        let mut examined = Vec::with_capacity(accounts.len());
        let mut scratch = self.scratch();
        let mut found: Vec<(JoinOutcome, Option<Stored<'a>>)> = Vec::with_capacity(AT_ONCE);
        for group in accounts.chunks(AT_ONCE) {
            found.extend(
                group
                    .iter()
                    .map(|ad| (self.index.find_account(ad, &self.slots), None)),
            );
            for (outcome, cloud) in &mut found {
                *cloud = self.paired(outcome);
            }
            for (ad, (outcome, cloud)) in group.iter().zip(found.drain(..)) {
                examined.push(self.compare(ad, outcome, cloud, &mut scratch));
            }
        }
        examined
    }

    /// Examines the accounts of a batch of CSV rows.
    pub(crate) fn examine_rows(
        &self,
        file: &str,
        layout: &RowLayout,
        rows: &[(u64, ::csv::StringRecord)],
    ) -> Vec<Examined> {
        let accounts: Vec<Account<'_>> = rows
            .iter()
            .map(|(line, record)| {
                Account::of_row(Origin::Line(file, *line), record.iter(), layout, Vec::new())
            })
            .collect();
        self.examine_all(&accounts)
    }

    /// Examines a batch of entries.
    pub(crate) fn examine_entries(&self, entries: &[AdEntry]) -> Vec<Examined> {
        let accounts: Vec<Account<'_>> = entries
            .iter()
            .map(|entry| Account::of_entry(entry, &self.slots, Vec::new()))
            .collect();
        self.examine_all(&accounts)
    }
}

/// Where the AD record that claimed a mailbox was read: kept small, since every mailbox
/// has one, and spelled out only for the rare ambiguous match.
#[derive(Debug, Clone, Copy)]
enum Claim {
    /// A line of the CSV export being read.
    Line(u64),
    /// Any other origin: a span of the reconciliation's `origins` text.
    Text(usize, usize),
}

/// The sequential part of a reconciliation: the accounts are committed one by one, in the
/// export's order, then the mailboxes no account claimed are listed.
pub(crate) struct Reconciler<'e, 'a> {
    examiner: &'e Examiner<'a>,
    report: Report,
    /// Per mailbox: where the AD record that claimed it was read.
    claimed: Vec<Option<Claim>>,
    /// The file of [`Claim::Line`] claims.
    claim_file: Option<String>,
    /// The text of [`Claim::Text`] claims.
    origins: String,
    /// Each AD account's DN and its mailbox, for references (filled only when references are
    /// compared): they are decided once every account has been read.
    ad_dns: KeyTable,
    /// The differences on reference attributes (positions in the report).
    pending: Vec<usize>,
    /// The DN being recorded, normalized (a buffer kept from account to account).
    dn: String,
    /// Scratch space of the diff, when this thread examines.
    scratch: Vec<Option<Val<'a>>>,
    /// The value buffer of the AD accounts, reused.
    spare: Vec<Option<Val<'static>>>,
}

impl<'e, 'a> Reconciler<'e, 'a> {
    /// A reconciliation by `examiner`, reported under `options`.
    pub(crate) fn new(examiner: &'e Examiner<'a>, options: &ReconcileOptions) -> Self {
        let index = examiner.index;
        let mut report = Report::new(examiner.now, options);
        report.totals.cloud_records = index.len();
        Reconciler {
            examiner,
            report,
            claimed: vec![None; index.len()],
            claim_file: None,
            origins: String::new(),
            ad_dns: KeyTable::default(),
            pending: Vec::new(),
            dn: String::new(),
            scratch: examiner.scratch(),
            spare: Vec::new(),
        }
    }

    /// Adds an account read as an entry (examined already, or examined here).
    pub(crate) fn add_entry(&mut self, entry: &AdEntry, examined: Option<Examined>) {
        let account =
            Account::of_entry(entry, &self.examiner.slots, std::mem::take(&mut self.spare));
        self.add(&account, examined);
        self.spare = account.recycle();
    }

    /// Adds an account read as a row of a CSV export, examined already.
    pub(crate) fn add_row(
        &mut self,
        origin: Origin<'_>,
        record: &::csv::StringRecord,
        layout: &RowLayout,
        examined: Examined,
    ) {
        let spare = std::mem::take(&mut self.spare);
        let account = Account::of_row(origin, record.iter(), layout, spare);
        self.add(&account, Some(examined));
        self.spare = account.recycle();
    }

    /// Where the account that claimed mailbox `i` was read.
    fn claimant(&self, i: usize) -> Option<String> {
        match self.claimed.get(i).copied().flatten()? {
            Claim::Line(line) => {
                Some(Origin::Line(self.claim_file.as_deref().unwrap_or_default(), line).to_string())
            }
            Claim::Text(start, end) => self.origins.get(start..end).map(str::to_owned),
        }
    }

    /// Records that the account read at `origin` claimed mailbox `i`.
    fn claim(&mut self, i: usize, origin: Origin<'_>) {
        let claim = match origin {
            Origin::Line(file, line)
                if self.claim_file.as_deref().is_none_or(|first| first == file) =>
            {
                if self.claim_file.is_none() {
                    self.claim_file = Some(file.to_owned());
                }
                Claim::Line(line)
            }
            _ => {
                let start = self.origins.len();
                let _ = write!(self.origins, "{origin}");
                Claim::Text(start, self.origins.len())
            }
        };
        if let Some(slot) = self.claimed.get_mut(i) {
            *slot = Some(claim);
        }
    }

    /// Commits an account.
    fn add(&mut self, entry: &Account<'_>, examined: Option<Examined>) {
        let examined = match examined {
            Some(e) => e,
            None => self.examiner.examine(entry, &mut self.scratch),
        };
        let index = self.examiner.index;
        let slots = &self.examiner.slots;
        self.report.totals.ad_records += 1;
        let Examined {
            outcome,
            compared,
            mut differences,
            references,
        } = examined;
        if self.examiner.references
            && let Some(dn) = entry.distinguished_name
        {
            refs::normalize_dn_into(dn, &mut self.dn);
            let target = match &outcome {
                JoinOutcome::Matched(i, _) if self.claimed[*i].is_none() => {
                    u32::try_from(*i).unwrap_or(refs::NO_MAILBOX)
                }
                _ => refs::NO_MAILBOX,
            };
            self.ad_dns.insert(&self.dn, target);
        }
        let report = &mut self.report;
        match outcome {
            JoinOutcome::Matched(i, key) => {
                if index.get(i).is_none() {
                    return;
                }
                if let Some(first) = self.claimant(i) {
                    self.report.ambiguous.push(report::Ambiguity {
                        side: report::Side::Cloud,
                        record: entry.origin.to_string(),
                        key,
                        candidates: vec![first, entry.origin.to_string()],
                        candidate_count: 2,
                    });
                    return;
                }
                self.claim(i, entry.origin);
                let report = &mut self.report;
                report.totals.count_match(key);
                let offset = report.differences.len();
                self.pending
                    .extend(references.into_iter().map(|k| k + offset));
                report.totals.compared += compared;
                report.totals.in_sync += compared - differences.len();
                report.differences.append(&mut differences);
            }
            JoinOutcome::Ambiguous(key, candidates, count) => {
                report.ambiguous.push(report::Ambiguity {
                    side: report::Side::Ad,
                    record: entry.origin.to_string(),
                    key,
                    candidates: candidates.into_iter().map(|i| index.origin(i)).collect(),
                    candidate_count: count,
                });
            }
            JoinOutcome::Unmatched if entry.is_mail_enabled(slots) => {
                report.ad_only.push(report::Unmatched {
                    record: entry.origin.to_string(),
                    name: entry
                        .upn(slots)
                        .or_else(|| entry.primary_smtp(slots))
                        .map(Cow::into_owned)
                        .or(entry.distinguished_name.map(str::to_owned))
                        .unwrap_or_default(),
                    guid: entry.mailbox_guid(slots).map(Cow::into_owned),
                });
            }
            JoinOutcome::Unmatched => report.totals.ad_without_mailbox += 1,
        }
    }

    /// Decides the references and lists the mailboxes no account claimed.
    pub(crate) fn finish(mut self) -> Report {
        let index = self.examiner.index;
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
