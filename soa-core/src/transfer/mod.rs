//! The source-of-authority transfer: plan, back up, flip, verify, roll back, restore —
//! resumable and audited, over any [`ExchangeOnline`](crate::exo::ExchangeOnline). Every entry
//! point is a method of [`Session`](crate::session::Session), which carries the backend, the
//! directory, the catalog, the clock and the actor.
//!
//! A run lives in a folder: `plan.json` (what was decided and why), `backups/` (one verified,
//! checksummed backup per mailbox, written before its flag changes), `journal.jsonl` (every
//! step, synced to disk before the step is taken) and `audit.jsonl` (every change and refusal).
//!
//! 1. [`Session::plan`](crate::session::Session::plan) reads the selected mailboxes and decides go / skip with the preflight findings,
//!    under a [`TransferPolicy`] (ticket, batch cap, exclusions, recipient types, settle rule).
//! 2. [`Session::run`](crate::session::Session::run) backs up each go mailbox, flips `IsExchangeCloudManaged` in a call of its own,
//!    reads it back (an error that in fact applied counts as applied; a success that did not
//!    counts as failed), and optionally proves cloud editability with a probe edit.
//! 3. [`Session::resume`](crate::session::Session::resume) finishes a run after a crash or a kill: nothing is flipped twice, nothing
//!    without a backup.
//! 4. [`Session::rollback`](crate::session::Session::rollback) reports which cloud edits the next sync overwrites and proceeds only when
//!    they are acknowledged or exported; [`restore_in_cloud`] and [`restore_script`] re-apply
//!    a backup.
//! 5. [`enable_cloud_managed_by_default`] turns the tenant default on behind the preflight's
//!    gate; [`rbac_review`] reports who can flip and how to confine it.

mod backup;
mod journal;
mod plan;
mod policy;
mod rbac_review;
mod restore;
mod rollback;
mod runner;
mod tenant;

pub use backup::{BACKUP_FORMAT, Backup, BackupContent, BackupStore, safe_file_stem};
pub use journal::{Journal, JournalEntry, Step, progress_by_mailbox};
pub(crate) use plan::plan;
pub use plan::{Decision, Plan, PlanCounts, PlanEntry, Selection, identities_from_csv, new_run_id};
pub use policy::TransferPolicy;
pub use rbac_review::{RbacReport, rbac_review};
pub use restore::{RestoreReport, restore_in_cloud, restore_script};
pub(crate) use rollback::rollback;
pub use rollback::{RollbackOptions, RollbackOutcome, check_offboarding};
pub use runner::{
    CancelToken, DEFAULT_RUNS_FOLDER, MailboxResult, ProgressEvent, ProgressFn, RunFolder,
    RunFolderLayout, RunLock, RunOptions, RunReport,
};
pub(crate) use runner::{resume, run};
pub use tenant::{disable_cloud_managed_by_default, enable_cloud_managed_by_default};
