//! Running a plan: back up, flip, verify by reading back, optionally prove editability with a
//! probe edit — resumable after a crash, with nothing flipped twice and nothing flipped without
//! a backup.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::Utc;
use futures_util::StreamExt;
use futures_util::stream;
use serde::{Deserialize, Serialize};

use super::backup::{BACKUP_FORMAT, Backup, BackupContent, BackupStore};
use super::journal::{Journal, Step, progress_by_mailbox};
use super::plan::Plan;
use crate::audit::{AuditAction, AuditEvent, AuditLog};
use crate::directory::OnPremisesDirectory;
use crate::exo::{ExchangeOnline, MailboxChanges};
use crate::model::AttributeValue;
use crate::{Error, Result};

/// The files of a run folder.
#[derive(Debug, Clone)]
pub struct RunFolder {
    /// The folder.
    pub dir: PathBuf,
}

impl RunFolder {
    /// The plan (`plan.json`).
    pub fn plan(&self) -> PathBuf {
        self.dir.join("plan.json")
    }
    /// The journal (`journal.jsonl`).
    pub fn journal(&self) -> PathBuf {
        self.dir.join("journal.jsonl")
    }
    /// The audit log (`audit.jsonl`).
    pub fn audit(&self) -> PathBuf {
        self.dir.join("audit.jsonl")
    }
    /// The backups (`backups/`).
    pub fn backups(&self) -> PathBuf {
        self.dir.join("backups")
    }
}

/// A flag that stops a run between mailboxes; what is left is picked up by a resume.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        CancelToken::default()
    }
    /// Asks the run to stop after the mailboxes in progress.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// One progress event, for a progress bar or a log: one per step of each mailbox; the event of a
/// mailbox's last step already counts it in `done`, so the last event of a run has
/// `done == total`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressEvent {
    /// The mailbox.
    pub identity: String,
    /// The step it reached.
    pub step: Step,
    /// Mailboxes of this run finished so far (verified or failed), this event's mailbox included when this is its last step.
    pub done: usize,
    /// Mailboxes to work on in this run (a resume leaves out those finished earlier).
    pub total: usize,
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// How a run is done.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Write the plan and change nothing.
    pub dry_run: bool,
    /// Who runs it (recorded in the audit log).
    pub actor: String,
    /// Called after every step.
    pub progress: Option<ProgressFn>,
    /// Stops the run between mailboxes.
    pub cancel: Option<CancelToken>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("dry_run", &self.dry_run)
            .field("actor", &self.actor)
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel)
            .finish()
    }
}

/// How one mailbox ended in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxResult {
    /// The mailbox.
    pub identity: String,
    /// The last step it reached.
    pub step: Step,
    /// What happened, for failures and notable successes.
    pub reason: Option<String>,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    /// The run.
    pub run_id: String,
    /// Whether it was a dry run.
    pub dry_run: bool,
    /// Whether it stopped early on cancellation.
    pub cancelled: bool,
    /// One result per mailbox of the plan that was worked on, in plan order.
    pub results: Vec<MailboxResult>,
}

impl RunReport {
    /// Mailboxes verified cloud-managed (including probe results).
    pub fn verified(&self) -> usize {
        self.results
            .iter()
            .filter(|r| matches!(r.step, Step::Verified | Step::ProbeOk | Step::ProbeFailed))
            .count()
    }

    /// Mailboxes that failed.
    pub fn failed(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.step == Step::Failed)
            .count()
    }
}

/// Runs `plan` in `run_dir` (created when missing): writes the plan, then backs up, flips and
/// verifies every go mailbox, at most `plan.policy.max_concurrency` at a time.
///
/// Refuses a plan whose organization findings block. A run folder that already holds a
/// journal is resumed rather than restarted (see [`resume`]).
pub async fn run(
    exo: &dyn ExchangeOnline,
    directory: Option<&dyn OnPremisesDirectory>,
    plan: &Plan,
    run_dir: &Path,
    options: &RunOptions,
) -> Result<RunReport> {
    let folder = RunFolder {
        dir: run_dir.to_owned(),
    };
    std::fs::create_dir_all(&folder.dir).map_err(|source| Error::Io {
        action: "create",
        path: folder.dir.clone(),
        source,
    })?;
    let audit = AuditLog::open(&folder.audit())?;
    if plan.is_blocked() {
        let reason = plan
            .organization
            .iter()
            .filter(|f| f.blocks())
            .map(|f| format!("{}: {}", f.code, f.message))
            .collect::<Vec<_>>()
            .join(" ");
        audit.record(&event(
            plan,
            options,
            AuditAction::Refusal,
            None,
            Some(reason.clone()),
        ))?;
        return Err(Error::Refused {
            operation: "run the transfer".to_owned(),
            reason,
        });
    }
    if !folder.plan().exists() {
        plan.save(&folder.plan())?;
    }
    if options.dry_run {
        return Ok(RunReport {
            run_id: plan.run_id.clone(),
            dry_run: true,
            cancelled: false,
            results: plan
                .go()
                .map(|e| MailboxResult {
                    identity: e.user_principal_name.clone().unwrap_or(e.identity.clone()),
                    step: Step::Planned,
                    reason: Some("dry run: nothing changed".to_owned()),
                })
                .collect(),
        });
    }
    execute(exo, directory, plan, &folder, &audit, options).await
}

/// Resumes the run in `run_dir` after a crash, a kill or a cancellation: reads its plan and
/// journal, and finishes every mailbox that is not done. A mailbox whose flip may have been
/// sent is read back first and never flipped again once it is cloud-managed.
pub async fn resume(
    exo: &dyn ExchangeOnline,
    directory: Option<&dyn OnPremisesDirectory>,
    run_dir: &Path,
    options: &RunOptions,
) -> Result<RunReport> {
    let folder = RunFolder {
        dir: run_dir.to_owned(),
    };
    let plan = Plan::load(&folder.plan())?;
    let audit = AuditLog::open(&folder.audit())?;
    execute(exo, directory, &plan, &folder, &audit, options).await
}

fn event(
    plan: &Plan,
    options: &RunOptions,
    action: AuditAction,
    mailbox: Option<&str>,
    reason: Option<String>,
) -> AuditEvent {
    AuditEvent {
        time: Utc::now(),
        run_id: plan.run_id.clone(),
        ticket: plan.policy.ticket.clone(),
        actor: options.actor.clone(),
        action,
        mailbox: mailbox.map(str::to_owned),
        attribute: None,
        before: None,
        after: None,
        reason,
    }
}

struct Context<'a> {
    exo: &'a dyn ExchangeOnline,
    directory: Option<&'a dyn OnPremisesDirectory>,
    plan: &'a Plan,
    journal: Journal,
    store: BackupStore,
    audit: &'a AuditLog,
    options: &'a RunOptions,
    done: AtomicUsize,
    total: usize,
}

impl Context<'_> {
    fn step(&self, identity: &str, step: Step, reason: Option<String>) -> Result<()> {
        self.journal.append(identity, step, reason)?;
        if let Some(progress) = &self.options.progress {
            progress(&ProgressEvent {
                identity: identity.to_owned(),
                step,
                done: self.done.load(Ordering::SeqCst),
                total: self.total,
            });
        }
        Ok(())
    }

    /// The mailbox's last step in this run: journaled, counted as done, and reported with the
    /// new count. Called exactly once per mailbox worked on.
    fn finish(&self, identity: &str, step: Step, reason: Option<String>) -> Result<()> {
        self.journal.append(identity, step, reason)?;
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(progress) = &self.options.progress {
            progress(&ProgressEvent {
                identity: identity.to_owned(),
                step,
                done,
                total: self.total,
            });
        }
        Ok(())
    }

    fn audit(&self, action: AuditAction, identity: &str, reason: Option<String>) -> Result<()> {
        self.audit.record(&AuditEvent {
            attribute: (action == AuditAction::Flip || action == AuditAction::FlipFailed)
                .then(|| "IsExchangeCloudManaged".to_owned()),
            before: (action == AuditAction::Flip).then_some(AttributeValue::Bool(false)),
            after: (action == AuditAction::Flip).then_some(AttributeValue::Bool(true)),
            ..event(self.plan, self.options, action, Some(identity), reason)
        })
    }
}

async fn execute(
    exo: &dyn ExchangeOnline,
    directory: Option<&dyn OnPremisesDirectory>,
    plan: &Plan,
    folder: &RunFolder,
    audit: &AuditLog,
    options: &RunOptions,
) -> Result<RunReport> {
    let (journal, entries) = Journal::open(&folder.journal())?;
    let reached = progress_by_mailbox(&entries);
    let go: Vec<String> = plan
        .go()
        .map(|e| e.user_principal_name.clone().unwrap_or(e.identity.clone()))
        .collect();
    let ctx = Context {
        exo,
        directory,
        plan,
        journal,
        store: BackupStore::open(&folder.backups())?,
        audit,
        options,
        done: AtomicUsize::new(0),
        // Mailboxes finished in an earlier attempt are not part of this run's progress.
        total: go
            .iter()
            .filter(|id| {
                !reached
                    .get(&id.to_lowercase())
                    .is_some_and(|s| is_finished(*s))
            })
            .count(),
    };
    for id in &go {
        if !reached.contains_key(&id.to_lowercase()) {
            ctx.step(id, Step::Planned, None)?;
        }
    }
    let concurrency = plan.policy.max_concurrency.max(1);
    let cancelled = AtomicBool::new(false);
    let ctx = &ctx;
    let reached = &reached;
    let cancelled_ref = &cancelled;
    let mut results: HashMap<String, MailboxResult> = stream::iter(go.iter().cloned())
        .map(|id| async move {
            if options
                .cancel
                .as_ref()
                .is_some_and(CancelToken::is_cancelled)
            {
                cancelled_ref.store(true, Ordering::SeqCst);
                return None;
            }
            let previous = reached.get(&id.to_lowercase()).copied();
            Some(transfer_one(ctx, &id, previous).await)
        })
        .buffer_unordered(concurrency)
        .filter_map(|r| async move { r })
        .map(|r| (r.identity.to_lowercase(), r))
        .collect()
        .await;
    let results = go
        .iter()
        .filter_map(|id| results.remove(&id.to_lowercase()))
        .collect();
    Ok(RunReport {
        run_id: plan.run_id.clone(),
        dry_run: false,
        cancelled: cancelled.load(Ordering::SeqCst),
        results,
    })
}

/// Whether a mailbox at `step` needs nothing more from a run.
fn is_finished(step: Step) -> bool {
    matches!(
        step,
        Step::Verified | Step::ProbeOk | Step::ProbeFailed | Step::RolledBack
    )
}

/// One mailbox, from wherever the journal says it got to. Errors become a failed result; only
/// a journal or backup write failure (the disk) stops the mailbox without a journal line.
async fn transfer_one(ctx: &Context<'_>, id: &str, previous: Option<Step>) -> MailboxResult {
    match transfer_steps(ctx, id, previous).await {
        Ok(r) => r,
        Err(e) => {
            let reason = e.to_string();
            let _ = ctx.finish(id, Step::Failed, Some(reason.clone()));
            let _ = ctx.audit(AuditAction::FlipFailed, id, Some(reason.clone()));
            MailboxResult {
                identity: id.to_owned(),
                step: Step::Failed,
                reason: Some(reason),
            }
        }
    }
}

async fn transfer_steps(
    ctx: &Context<'_>,
    id: &str,
    previous: Option<Step>,
) -> Result<MailboxResult> {
    let result = |step, reason: Option<String>| MailboxResult {
        identity: id.to_owned(),
        step,
        reason,
    };
    if previous.is_some_and(is_finished) {
        // Finished in an earlier attempt: not counted in this run's progress.
        return Ok(result(
            previous.unwrap_or(Step::Verified),
            Some("done in an earlier attempt".to_owned()),
        ));
    }
    let mailbox = ctx.exo.get_mailbox(id).await?;
    let sent_before = matches!(previous, Some(Step::FlipSent | Step::Failed));
    if mailbox.is_exchange_cloud_managed {
        if sent_before && ctx.store.read(id).is_ok() {
            // The flip of an earlier attempt applied; do not send it again.
            ctx.audit(
                AuditAction::Flip,
                id,
                Some("found applied on resume".to_owned()),
            )?;
            ctx.finish(
                id,
                Step::Verified,
                Some("found applied on resume".to_owned()),
            )?;
            return Ok(result(
                Step::Verified,
                Some("found applied on resume".to_owned()),
            ));
        }
        let reason = "already cloud-managed before this run flipped it: not touched".to_owned();
        ctx.finish(id, Step::Failed, Some(reason.clone()))?;
        return Ok(result(Step::Failed, Some(reason)));
    }

    // No flip without a durable backup.
    if ctx.store.read(id).is_err() || previous < Some(Step::BackedUp) {
        let user = ctx.exo.get_user(id).await.ok();
        let ad = match ctx.directory {
            Some(d) => d.ad_record(id).await?,
            None => None,
        };
        ctx.store.write(&Backup::new(BackupContent {
            format: BACKUP_FORMAT,
            run_id: ctx.plan.run_id.clone(),
            taken_at: Utc::now(),
            identity: id.to_owned(),
            mailbox: mailbox.clone(),
            user,
            ad,
        })?)?;
        ctx.store.read(id)?;
        ctx.step(id, Step::BackedUp, None)?;
        ctx.audit(AuditAction::Backup, id, None)?;
    }

    ctx.step(id, Step::FlipSent, None)?;
    let sent = ctx.exo.set_cloud_managed(id, true).await;
    // Verify by reading back, whatever the call said.
    let after = ctx.exo.get_mailbox(id).await?;
    let (step, reason) = match (&sent, after.is_exchange_cloud_managed) {
        (Ok(()), true) => (Step::Verified, None),
        (Err(e), true) => (
            Step::Verified,
            Some(format!(
                "the call reported an error but the change applied: {e}"
            )),
        ),
        (Ok(()), false) => (
            Step::Failed,
            Some("the call reported success but the flag reads false".to_owned()),
        ),
        (Err(e), false) => (Step::Failed, Some(e.to_string())),
    };
    let action = if step == Step::Verified {
        AuditAction::Flip
    } else {
        AuditAction::FlipFailed
    };
    ctx.audit(action, id, reason.clone())?;
    if step == Step::Verified && ctx.plan.policy.probe_attribute.is_some() {
        ctx.step(id, step, reason.clone())?;
    } else {
        ctx.finish(id, step, reason.clone())?;
    }
    if step != Step::Verified {
        return Ok(result(step, reason));
    }
    if let Some(attribute) = &ctx.plan.policy.probe_attribute {
        return Ok(probe(ctx, id, attribute, &after).await);
    }
    Ok(result(step, reason))
}

/// Writes a probe value into `attribute`, reads it back, and restores the original.
async fn probe(
    ctx: &Context<'_>,
    id: &str,
    attribute: &str,
    mailbox: &crate::model::Mailbox,
) -> MailboxResult {
    let original = mailbox.property(attribute).unwrap_or_default();
    let marker = AttributeValue::String(format!("soa-probe-{}", ctx.plan.run_id));
    let outcome: Result<()> = async {
        ctx.exo
            .set_mailbox(id, &MailboxChanges::set(attribute, marker.clone()))
            .await?;
        let seen = ctx.exo.get_mailbox(id).await?.property(attribute);
        let restore = ctx
            .exo
            .set_mailbox(id, &MailboxChanges::set(attribute, original.clone()))
            .await;
        if seen.as_ref() != Some(&marker) {
            return Err(Error::invalid_input(
                format!("probe of {attribute}"),
                format!("wrote {marker} but read back {}", seen.unwrap_or_default()),
            ));
        }
        restore?;
        let back = ctx.exo.get_mailbox(id).await?.property(attribute);
        if back.unwrap_or_default() != original {
            return Err(Error::invalid_input(
                format!("probe of {attribute}"),
                format!("the original value {original} was not restored"),
            ));
        }
        Ok(())
    }
    .await;
    let (step, reason) = match outcome {
        Ok(()) => (Step::ProbeOk, None),
        Err(e) => (Step::ProbeFailed, Some(e.to_string())),
    };
    let _ = ctx.audit(AuditAction::Probe, id, reason.clone());
    let _ = ctx.finish(id, step, reason.clone());
    MailboxResult {
        identity: id.to_owned(),
        step,
        reason,
    }
}
