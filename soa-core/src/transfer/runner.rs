//! Running a plan: back up, flip, verify by reading back, optionally prove editability with a
//! probe edit — resumable after a crash, with nothing flipped twice and nothing flipped without
//! a backup.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_util::StreamExt;
use futures_util::stream;
use serde::{Deserialize, Serialize};

use super::backup::{BACKUP_FORMAT, Backup, BackupContent, BackupStore};
use super::journal::{Journal, Step, progress_by_mailbox};
use super::plan::Plan;
use crate::audit::{AuditAction, AuditEvent, AuditLog};
use crate::directory::OnPremisesDirectory;
use crate::exo::{ExchangeOnline, MailboxChanges};
use crate::fsutil::unblock;
use crate::model::AttributeValue;
use crate::session::Session;
use crate::{Error, Result};

/// The folder, under the current one, that holds runs whose caller named no folder.
pub const DEFAULT_RUNS_FOLDER: &str = "soa-runs";

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
    /// The folder a run goes to when the caller names none: `soa-runs/<run id>` under `base`
    /// (the caller's current folder).
    pub fn default_in(base: &Path, run_id: &str) -> RunFolder {
        RunFolder {
            dir: base.join(DEFAULT_RUNS_FOLDER).join(run_id),
        }
    }

    /// The files of the folder, named (nothing is created).
    pub fn layout(&self) -> RunFolderLayout {
        RunFolderLayout {
            dir: self.dir.clone(),
            plan: self.plan(),
            journal: self.journal(),
            audit: self.audit(),
            backups: self.backups(),
            lock: self.lock(),
        }
    }

    /// The backup file of `identity` in this run (named, not created).
    pub fn backup_path(&self, identity: &str) -> PathBuf {
        BackupStore::at(&self.backups()).path_for(identity)
    }

    /// The file a rollback of `identity` exports the values it would lose to, in this run's
    /// folder (`rollback-loss-<safe name>.json`).
    pub fn rollback_loss_path(&self, identity: &str) -> PathBuf {
        self.dir.join(format!(
            "rollback-loss-{}.json",
            super::backup::safe_file_stem(identity)
        ))
    }

    /// The lock file (`run.lock`) that one process at a time holds while it works on the run.
    pub fn lock(&self) -> PathBuf {
        self.dir.join("run.lock")
    }

    /// Takes the run's lock: an operating-system advisory lock (`flock` on Unix, `LockFileEx`
    /// on Windows) on [`RunFolder::lock`], released when the returned guard is dropped or the
    /// process dies (`kill -9` included). Refuses while another process holds it.
    pub fn acquire(&self) -> Result<RunLock> {
        let path = self.lock();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| Error::Io {
                action: "open",
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Refused {
                operation: format!("work on the run in {}", self.dir.display()),
                reason: "another process holds its lock (a run or a resume of it is in progress); wait for it to end, or stop it first".to_owned(),
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(Error::Io {
                action: "lock",
                path,
                source,
            }),
        }
    }
}

/// The files of a run folder by role, as [`RunFolder::layout`] names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFolderLayout {
    /// The folder.
    pub dir: PathBuf,
    /// The plan.
    pub plan: PathBuf,
    /// The journal.
    pub journal: PathBuf,
    /// The audit log.
    pub audit: PathBuf,
    /// The backups folder.
    pub backups: PathBuf,
    /// The lock file.
    pub lock: PathBuf,
}

/// The lock on a run folder, held while a process works on the run (see
/// [`RunFolder::acquire`]).
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
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

/// How a run is done. Who runs it is the session's actor.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Write the plan and change nothing.
    pub dry_run: bool,
    /// Called after every step.
    pub progress: Option<ProgressFn>,
    /// Stops the run between mailboxes.
    pub cancel: Option<CancelToken>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("dry_run", &self.dry_run)
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
pub(crate) async fn run(
    session: &Session,
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
    crate::fsutil::sync_parent(&folder.dir);
    let _lock = folder.acquire()?;
    let audit = Arc::new(AuditLog::open(&folder.audit())?);
    if plan.is_blocked() {
        let reason = plan
            .organization
            .iter()
            .filter(|f| f.blocks())
            .map(|f| format!("{}: {}", f.code, f.message))
            .collect::<Vec<_>>()
            .join(" ");
        let refusal = event(
            session,
            plan,
            AuditAction::Refusal,
            None,
            Some(reason.clone()),
        );
        let log = Arc::clone(&audit);
        unblock("audit log", move || log.record(&refusal)).await?;
        return Err(Error::Refused {
            operation: "run the transfer".to_owned(),
            reason,
        });
    }
    if folder.plan().exists() {
        // The folder's plan is the one a resume executes: never run another one in its place.
        let kept = Plan::load(&folder.plan())?;
        if kept != *plan {
            return Err(Error::Refused {
                operation: format!("run plan {} in {}", plan.run_id, folder.dir.display()),
                reason: format!(
                    "the folder already holds plan {} and a different plan was given: resume that run, or run this plan in a folder of its own",
                    kept.run_id
                ),
            });
        }
    } else {
        let (plan, path) = (plan.clone(), folder.plan());
        unblock("plan", move || plan.save(&path)).await?;
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
    execute(session, plan, &folder, audit, options).await
}

/// Resumes the run in `run_dir` after a crash, a kill or a cancellation: reads its plan and
/// journal, and finishes every mailbox that is not done. A mailbox whose flip may have been
/// sent is read back first and never flipped again once it is cloud-managed.
pub(crate) async fn resume(
    session: &Session,
    run_dir: &Path,
    options: &RunOptions,
) -> Result<RunReport> {
    let folder = RunFolder {
        dir: run_dir.to_owned(),
    };
    let _lock = folder.acquire()?;
    let plan = Plan::load(&folder.plan())?;
    let audit = Arc::new(AuditLog::open(&folder.audit())?);
    execute(session, &plan, &folder, audit, options).await
}

fn event(
    session: &Session,
    plan: &Plan,
    action: AuditAction,
    mailbox: Option<&str>,
    reason: Option<String>,
) -> AuditEvent {
    AuditEvent {
        time: session.now(),
        run_id: plan.run_id.clone(),
        ticket: plan.policy.ticket.clone(),
        actor: session.actor().to_owned(),
        action,
        mailbox: mailbox.map(str::to_owned),
        attribute: None,
        before: None,
        after: None,
        reason,
    }
}

struct Context<'a> {
    session: &'a Session,
    exo: &'a dyn ExchangeOnline,
    directory: Option<&'a dyn OnPremisesDirectory>,
    plan: &'a Plan,
    journal: Arc<Journal>,
    store: BackupStore,
    audit: Arc<AuditLog>,
    options: &'a RunOptions,
    done: AtomicUsize,
    total: usize,
}

impl Context<'_> {
    /// Appends a journal line off the executor (it is fsynced before this returns).
    async fn journal(&self, identity: &str, step: Step, reason: Option<String>) -> Result<()> {
        let journal = Arc::clone(&self.journal);
        let (identity, time) = (identity.to_owned(), self.session.now());
        unblock("journal", move || {
            journal.append_at(time, &identity, step, reason)
        })
        .await
    }

    async fn step(&self, identity: &str, step: Step, reason: Option<String>) -> Result<()> {
        self.journal(identity, step, reason).await?;
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
    async fn finish(&self, identity: &str, step: Step, reason: Option<String>) -> Result<()> {
        self.journal(identity, step, reason).await?;
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

    async fn audit(
        &self,
        action: AuditAction,
        identity: &str,
        reason: Option<String>,
    ) -> Result<()> {
        let record = AuditEvent {
            attribute: (action == AuditAction::Flip || action == AuditAction::FlipFailed)
                .then(|| "IsExchangeCloudManaged".to_owned()),
            before: (action == AuditAction::Flip).then_some(AttributeValue::Bool(false)),
            after: (action == AuditAction::Flip).then_some(AttributeValue::Bool(true)),
            ..event(self.session, self.plan, action, Some(identity), reason)
        };
        let log = Arc::clone(&self.audit);
        unblock("audit log", move || log.record(&record)).await
    }

    /// Writes a mailbox's backup durably and reads it back, off the executor.
    async fn back_up(&self, backup: Backup) -> Result<()> {
        let store = self.store.clone();
        unblock("backup", move || {
            store.write(&backup)?;
            store.read(&backup.content.identity).map(drop)
        })
        .await
    }

    /// Whether a readable, verified backup of `identity` is on disk (read off the executor).
    async fn has_backup(&self, identity: &str) -> bool {
        let (store, identity) = (self.store.clone(), identity.to_owned());
        unblock("backup", move || store.read(&identity).map(drop))
            .await
            .is_ok()
    }
}

async fn execute(
    session: &Session,
    plan: &Plan,
    folder: &RunFolder,
    audit: Arc<AuditLog>,
    options: &RunOptions,
) -> Result<RunReport> {
    let (journal, entries) = Journal::open(&folder.journal())?;
    let journal = Arc::new(journal);
    let reached = progress_by_mailbox(&entries);
    let go: Vec<String> = plan
        .go()
        .map(|e| e.user_principal_name.clone().unwrap_or(e.identity.clone()))
        .collect();
    let ctx = Context {
        session,
        exo: &**session.exchange(),
        directory: session.directory_ref(),
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
            ctx.step(id, Step::Planned, None).await?;
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
            let _ = ctx.finish(id, Step::Failed, Some(reason.clone())).await;
            let _ = ctx
                .audit(AuditAction::FlipFailed, id, Some(reason.clone()))
                .await;
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
        if sent_before && ctx.has_backup(id).await {
            // The flip of an earlier attempt applied; do not send it again.
            ctx.audit(
                AuditAction::Flip,
                id,
                Some("found applied on resume".to_owned()),
            )
            .await?;
            ctx.finish(
                id,
                Step::Verified,
                Some("found applied on resume".to_owned()),
            )
            .await?;
            return Ok(result(
                Step::Verified,
                Some("found applied on resume".to_owned()),
            ));
        }
        let reason = "already cloud-managed before this run flipped it: not touched".to_owned();
        ctx.finish(id, Step::Failed, Some(reason.clone())).await?;
        return Ok(result(Step::Failed, Some(reason)));
    }

    // No flip without a durable backup.
    if previous < Some(Step::BackedUp) || !ctx.has_backup(id).await {
        let user = ctx.exo.get_user(id).await.ok();
        let ad = match ctx.directory {
            Some(d) => d.ad_record(id).await?,
            None => None,
        };
        ctx.back_up(Backup::new(BackupContent {
            format: BACKUP_FORMAT,
            run_id: ctx.plan.run_id.clone(),
            taken_at: ctx.session.now(),
            identity: id.to_owned(),
            mailbox: mailbox.clone(),
            user,
            ad,
        })?)
        .await?;
        ctx.step(id, Step::BackedUp, None).await?;
        ctx.audit(AuditAction::Backup, id, None).await?;
    }

    ctx.step(id, Step::FlipSent, None).await?;
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
    ctx.audit(action, id, reason.clone()).await?;
    if step == Step::Verified && ctx.plan.policy.probe_attribute.is_some() {
        ctx.step(id, step, reason.clone()).await?;
    } else {
        ctx.finish(id, step, reason.clone()).await?;
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
    let _ = ctx.audit(AuditAction::Probe, id, reason.clone()).await;
    let _ = ctx.finish(id, step, reason.clone()).await;
    MailboxResult {
        identity: id.to_owned(),
        step,
        reason,
    }
}
