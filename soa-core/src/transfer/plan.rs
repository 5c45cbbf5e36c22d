//! Planning a transfer: from a selection and a policy to a per-mailbox go / skip, with the
//! findings that decided it. A plan changes nothing.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::policy::TransferPolicy;
use crate::directory::OnPremisesDirectory;
use crate::exo::{ExchangeOnline, MailboxFilter};
use crate::model::Mailbox;
use crate::preflight::{Finding, FindingCode, Preflight, Severity, check_mailbox};
use crate::session::Session;
use crate::{Error, Result};

/// Which mailboxes a transfer considers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// These identities (UPN, SMTP address, alias, ...).
    Identities(Vec<String>),
    /// The identities in a CSV file (see [`identities_from_csv`]).
    CsvFile(PathBuf),
    /// Every mailbox passing a filter, in the service's order; beyond the batch cap the rest is
    /// deferred to later waves.
    Filter(MailboxFilter),
}

/// Reads identities from CSV text with a header row: the column `Identity`,
/// `UserPrincipalName`, `PrimarySmtpAddress`, `Mail` or `Alias` (the first present, compared
/// ignoring case), as `Export-Csv` writes it (a leading `#TYPE` line is skipped). Empty cells are
/// skipped; duplicates are kept once.
pub fn identities_from_csv(reader: impl Read, origin: &str) -> Result<Vec<String>> {
    let mut text = String::new();
    let mut reader = reader;
    reader
        .read_to_string(&mut text)
        .map_err(|e| Error::invalid_input(origin, format!("not readable as UTF-8 text: {e}")))?;
    let body = match text.strip_prefix('\u{feff}').unwrap_or(&text) {
        t if t.starts_with("#TYPE") => t.split_once('\n').map_or("", |(_, rest)| rest),
        t => t,
    };
    let mut csv = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(body.as_bytes());
    let headers = csv
        .headers()
        .map_err(|e| Error::invalid_input(origin, format!("no header row: {e}")))?
        .clone();
    let column = ["Identity", "UserPrincipalName", "PrimarySmtpAddress", "Mail", "Alias"]
        .iter()
        .find_map(|want| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(want))
        })
        .ok_or_else(|| {
            Error::invalid_input(
                origin,
                format!(
                    "no identity column: expected one of Identity, UserPrincipalName, PrimarySmtpAddress, Mail, Alias; found {}",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, record) in csv.records().enumerate() {
        let record = record.map_err(|e| {
            Error::invalid_input(origin, format!("row {} is malformed: {e}", i + 2))
        })?;
        let value = record.get(column).unwrap_or_default().trim();
        if !value.is_empty() && seen.insert(value.to_ascii_lowercase()) {
            out.push(value.to_owned());
        }
    }
    Ok(out)
}

/// How the reason of a mailbox deferred by the batch cap starts.
const DEFERRED: &str = "beyond the batch cap";

/// Go or skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The mailbox will be flipped.
    Go,
    /// The mailbox is left alone.
    Skip,
}

/// One mailbox of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanEntry {
    /// The identity as selected.
    pub identity: String,
    /// The mailbox's UPN, when found.
    pub user_principal_name: Option<String>,
    /// Go or skip.
    pub decision: Decision,
    /// Why it is skipped, in one line.
    pub reason: Option<String>,
    /// The preflight findings for the mailbox.
    pub findings: Vec<Finding>,
}

/// A transfer plan: what a run would do, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The run this plan belongs to.
    pub run_id: String,
    /// When it was made.
    pub created: DateTime<Utc>,
    /// The policy it was made under.
    pub policy: TransferPolicy,
    /// Organization-level findings; a blocking one stops the run.
    pub organization: Vec<Finding>,
    /// Every selected mailbox.
    pub entries: Vec<PlanEntry>,
    /// Whether the settle rule was checked against an on-premises directory. When it was not,
    /// every go entry carries a [`FindingCode::SettleRuleUnchecked`] warning.
    #[serde(default)]
    pub directory_checked: bool,
}

/// How many mailboxes of a plan go, are deferred to later waves by the batch cap, or are
/// skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCounts {
    /// Mailboxes to flip.
    pub go: usize,
    /// Eligible mailboxes beyond the batch cap.
    pub deferred: usize,
    /// Mailboxes left alone for another reason.
    pub skipped: usize,
    /// Every selected mailbox.
    pub total: usize,
    /// Whether an organization finding blocks the run ([`Plan::is_blocked`]).
    pub blocked: bool,
}

impl Plan {
    /// The mailboxes to flip.
    pub fn go(&self) -> impl Iterator<Item = &PlanEntry> {
        self.entries.iter().filter(|e| e.decision == Decision::Go)
    }

    /// Whether an organization finding blocks the run.
    pub fn is_blocked(&self) -> bool {
        self.organization.iter().any(Finding::blocks)
    }

    /// How many mailboxes go, are deferred and are skipped.
    pub fn counts(&self) -> PlanCounts {
        let go = self.go().count();
        let deferred = self
            .entries
            .iter()
            .filter(|e| e.reason.as_deref().is_some_and(|r| r.starts_with(DEFERRED)))
            .count();
        PlanCounts {
            go,
            deferred,
            skipped: self.entries.len() - go - deferred,
            total: self.entries.len(),
            blocked: self.is_blocked(),
        }
    }

    /// A one-paragraph summary for people.
    pub fn summary(&self) -> String {
        let PlanCounts {
            go,
            deferred,
            skipped: skip,
            ..
        } = self.counts();
        let mut s = format!(
            "Plan {}: {go} mailbox(es) to transfer, {deferred} deferred to later waves, {skip} skipped, ticket {}.",
            self.run_id,
            self.policy.ticket.as_deref().unwrap_or("(none)")
        );
        for f in self.organization.iter().filter(|f| f.blocks()) {
            s.push_str(" Blocked: ");
            s.push_str(&f.message);
        }
        s
    }

    /// Writes the plan as pretty JSON to `path`, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::invalid_input("plan", e.to_string()))?;
        crate::fsutil::write_atomic(path, text.as_bytes())
    }

    /// Reads a plan written by [`Plan::save`].
    pub fn load(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        crate::json::from_object_str(&text, &path.display().to_string())
    }
}

/// A new run id: the time, the process id and a per-process counter, e.g.
/// `20261127T090000Z-1a2b-1` — unique on one machine, and sorted by time.
pub fn new_run_id(now: DateTime<Utc>) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    format!(
        "{}-{:x}-{n}",
        now.format("%Y%m%dT%H%M%SZ"),
        std::process::id()
    )
}

/// Makes a plan: reads every selected mailbox, runs the mailbox preflight (with AD's
/// `whenChanged` when the session has a directory, else stating that the settle rule saw the
/// cloud side only), applies the policy, and records the organization findings of `preflight`.
///
/// Refuses (with [`Error::Refused`]) when the policy requires a ticket and none is given, or when
/// an explicit selection holds more eligible mailboxes than the batch cap.
pub(crate) async fn plan(
    session: &Session,
    selection: &Selection,
    policy: &TransferPolicy,
    preflight: &Preflight,
) -> Result<Plan> {
    let exo = &**session.exchange();
    let directory = session.directory_ref();
    let now = session.now();
    if policy.require_ticket && policy.ticket.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(Error::Refused {
            operation: "plan a transfer".to_owned(),
            reason: "the policy requires a change ticket and none was given (set the ticket, or relax require_ticket)".to_owned(),
        });
    }
    let mut entries = Vec::new();
    let mut go = 0usize;
    let explicit = !matches!(selection, Selection::Filter(_));
    match selection {
        Selection::Filter(filter) => {
            let mut stream = exo.list_mailboxes(filter.clone());
            while let Some(mailbox) = stream.next().await {
                let mailbox = mailbox?;
                let identity = mailbox
                    .user_principal_name
                    .clone()
                    .or_else(|| mailbox.primary_smtp_address.clone())
                    .unwrap_or_default();
                let entry = judge(&identity, Some(&mailbox), directory, policy, now).await?;
                push(&mut entries, &mut go, entry, policy, explicit);
            }
        }
        Selection::Identities(ids) => {
            for id in ids {
                let entry = read_and_judge(exo, id, directory, policy, now).await?;
                push(&mut entries, &mut go, entry, policy, explicit);
            }
        }
        Selection::CsvFile(path) => {
            let file = std::fs::File::open(path).map_err(|source| Error::Io {
                action: "read",
                path: path.clone(),
                source,
            })?;
            for id in identities_from_csv(file, &path.display().to_string())? {
                let entry = read_and_judge(exo, &id, directory, policy, now).await?;
                push(&mut entries, &mut go, entry, policy, explicit);
            }
        }
    }
    if explicit && go > policy.batch_cap {
        return Err(Error::Refused {
            operation: "plan a transfer".to_owned(),
            reason: format!(
                "{go} mailboxes are eligible, more than the batch cap of {}: split the selection into waves, or raise the cap",
                policy.batch_cap
            ),
        });
    }
    let planned = entries
        .iter()
        .filter(|e| e.decision == Decision::Go)
        .count() as u64;
    if directory.is_none() {
        for entry in entries.iter_mut().filter(|e| e.decision == Decision::Go) {
            let subject = entry.identity.clone();
            entry.findings.push(Finding::new(
                FindingCode::SettleRuleUnchecked,
                Severity::Warn,
                subject,
                "no on-premises directory was given: the sync-cycle-plus-24-hours rule was checked against the cloud side only, so an on-premises change not yet synced could not be seen",
                "give the session the on-premises directory (AD over LDAP, an export, or the simulated organization) and plan again",
            ));
        }
    }
    Ok(Plan {
        run_id: new_run_id(now),
        created: now,
        policy: policy.clone(),
        organization: preflight.check_organization(planned).findings,
        entries,
        directory_checked: directory.is_some(),
    })
}

fn push(
    entries: &mut Vec<PlanEntry>,
    go: &mut usize,
    mut entry: PlanEntry,
    policy: &TransferPolicy,
    explicit: bool,
) {
    if entry.decision == Decision::Go {
        *go += 1;
        if !explicit && *go > policy.batch_cap {
            entry.decision = Decision::Skip;
            entry.reason = Some(format!(
                "{DEFERRED} of {}: deferred to a later wave",
                policy.batch_cap
            ));
        }
    }
    entries.push(entry);
}

async fn read_and_judge(
    exo: &dyn ExchangeOnline,
    identity: &str,
    directory: Option<&dyn OnPremisesDirectory>,
    policy: &TransferPolicy,
    now: DateTime<Utc>,
) -> Result<PlanEntry> {
    match exo.get_mailbox(identity).await {
        Ok(m) => judge(identity, Some(&m), directory, policy, now).await,
        Err(Error::NotFound { .. }) => judge(identity, None, directory, policy, now).await,
        Err(e) => Err(e),
    }
}

async fn judge(
    identity: &str,
    mailbox: Option<&Mailbox>,
    directory: Option<&dyn OnPremisesDirectory>,
    policy: &TransferPolicy,
    now: DateTime<Utc>,
) -> Result<PlanEntry> {
    let skip = |reason: String, findings: Vec<Finding>| PlanEntry {
        identity: identity.to_owned(),
        user_principal_name: mailbox.and_then(|m| m.user_principal_name.clone()),
        decision: Decision::Skip,
        reason: Some(reason),
        findings,
    };
    let Some(mailbox) = mailbox else {
        return Ok(skip("no mailbox with this identity".to_owned(), Vec::new()));
    };
    let upn = mailbox.user_principal_name.as_deref().unwrap_or(identity);
    if policy.is_excluded(identity) || policy.is_excluded(upn) {
        return Ok(skip("excluded by the policy".to_owned(), Vec::new()));
    }
    let ad_changed = match directory {
        Some(d) => d.ad_record(upn).await?.and_then(|r| r.when_changed),
        None => None,
    };
    let mut findings = check_mailbox(mailbox, ad_changed, now, &policy.requirements);
    if !policy.enforce_settle_rule {
        for f in &mut findings {
            if f.code == FindingCode::RecentOnPremisesChange {
                f.severity = Severity::Warn;
            }
        }
    }
    if let Some(t) = &mailbox.recipient_type_details
        && !policy.allowed_types.contains(t)
        && t.is_eligible()
    {
        return Ok(skip(
            format!("{t} is not among the recipient types the policy allows"),
            findings,
        ));
    }
    if let Some(blocker) = findings.iter().find(|f| f.blocks()) {
        let reason = format!("{}: {}", blocker.code, blocker.message);
        return Ok(skip(reason, findings));
    }
    Ok(PlanEntry {
        identity: identity.to_owned(),
        user_principal_name: Some(upn.to_owned()),
        decision: Decision::Go,
        reason: None,
        findings,
    })
}
