//! The transfer workflow (plan, run, resume, rollback, restore, the tenant default, the RBAC
//! review) over either backend, through a small `soa_backend` handle.
//!
//! A `soa_backend` is "an Exchange Online": the simulated organization (`soa_backend_from_sim`)
//! or a tenant through the REST client (`soa_backend_from_client`). Every transfer call takes
//! one, so the same C (or C#, or PowerShell) code runs a rehearsal and the real thing. The
//! on-premises directory (AD's `whenChanged` and values, for the settle rule, the backups and
//! the rollback loss report) is a `soa_sim` passed as `directory`; NULL means the backend's own
//! organization when the backend is simulated, and no directory for a client.

use std::ffi::{CString, c_char, c_void};
use std::path::Path;
use std::sync::Arc;
use std::thread::ThreadId;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use soa_core::audit::AuditLog;
use soa_core::catalog::Catalog;
use soa_core::directory::OnPremisesDirectory;
use soa_core::exo::ExchangeOnline;
use soa_core::exo::rest::ExoClient;
use soa_core::json;
use soa_core::preflight::{Preflight, Requirements, TenantState};
use soa_core::sim::SimulatedOrg;
use soa_core::transfer::{
    self, BackupStore, Plan, ProgressEvent, ProgressFn, RollbackOptions, RunOptions, Selection,
    TransferPolicy,
};
use tokio::runtime::Runtime;

use crate::catalog::soa_catalog;
use crate::client::{client, soa_client};
use crate::ffi::{
    Failure, Out, boundary, flag, free_boxed, opt_ref_arg, opt_str_arg, ref_arg, str_arg,
};
use crate::sim::{org, soa_sim};
use crate::status::soa_status;

/// An Exchange Online for the transfer calls: a simulated organization or a REST client. It
/// holds what it was made from (sharing the organization, or the client and its runtime), so
/// it may outlive that handle. Safe to use from several threads. Release with
/// `soa_backend_free`.
pub struct soa_backend {
    kind: Backend,
}

pub(crate) enum Backend {
    Simulated(SimulatedOrg),
    Rest {
        runtime: Arc<Runtime>,
        client: ExoClient,
    },
}

impl Backend {
    pub(crate) fn exchange(&self) -> &dyn ExchangeOnline {
        match self {
            Backend::Simulated(org) => org,
            Backend::Rest { client, .. } => client,
        }
    }

    /// Runs `future` to completion on the calling thread (the simulation's runtime, or the
    /// client's).
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Failure> {
        match self {
            Backend::Simulated(_) => crate::sim::block_on(future),
            Backend::Rest { runtime, .. } => crate::ffi::block_on(runtime, future),
        }
    }

    pub(crate) fn catalog(&self) -> &Catalog {
        match self {
            Backend::Simulated(org) => org.catalog(),
            Backend::Rest { client, .. } => client.catalog(),
        }
    }

    /// The directory to read: the one given, else the simulated backend's own organization.
    fn directory<'a>(&'a self, given: Option<&'a SimulatedOrg>) -> Option<&'a SimulatedOrg> {
        given.or(match self {
            Backend::Simulated(org) => Some(org),
            Backend::Rest { .. } => None,
        })
    }

    /// The time the plan is made at, when the caller gives none: the virtual clock of a
    /// simulated organization (the backend's, or the directory's, whose mailboxes an emulator
    /// serves), else the system's.
    fn now(&self, directory: Option<&SimulatedOrg>) -> DateTime<Utc> {
        match (self, directory) {
            (Backend::Simulated(org), _) | (Backend::Rest { .. }, Some(org)) => org.now(),
            (Backend::Rest { .. }, None) => Utc::now(),
        }
    }

    /// The actor recorded in audit logs when the caller names none.
    fn default_actor(&self) -> String {
        match self {
            Backend::Simulated(org) => org.principal().to_owned(),
            Backend::Rest { client, .. } => format!("application in {}", client.tenant()),
        }
    }
}

pub(crate) fn backend<'a>(backend: *const soa_backend) -> Result<&'a Backend, Failure> {
    ref_arg(backend, "backend").map(|b| &b.kind)
}

fn directory<'a>(directory: *const soa_sim) -> Option<&'a SimulatedOrg> {
    opt_ref_arg(directory).map(|d: &soa_sim| &d.org)
}

fn as_directory(org: Option<&SimulatedOrg>) -> Option<&dyn OnPremisesDirectory> {
    org.map(|o| o as &dyn OnPremisesDirectory)
}

/// Makes a backend on the organization of `sim` (acting as its principal) and writes it to
/// `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_from_sim(
    sim: *const soa_sim,
    out: *mut *mut soa_backend,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        Out::new(out, "out")?.write_boxed(soa_backend {
            kind: Backend::Simulated(org.clone()),
        });
        Ok(())
    })
}

/// Makes a backend on the tenant of `client` and writes it to `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_from_client(
    client: *const soa_client,
    out: *mut *mut soa_backend,
) -> soa_status {
    boundary(|| {
        let c = self::client(client)?;
        Out::new(out, "out")?.write_boxed(soa_backend {
            kind: Backend::Rest {
                runtime: Arc::clone(&c.runtime),
                client: c.client.clone(),
            },
        });
        Ok(())
    })
}

/// Releases a backend. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_free(backend: *mut soa_backend) {
    free_boxed(backend);
}

fn parse_time(text: Option<&str>, name: &str) -> Result<Option<DateTime<Utc>>, Failure> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(t.trim())
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| crate::ffi::invalid(name, format!("{t:?} is not an RFC 3339 time: {e}")))
    })
    .transpose()
}

/// Plans a transfer (changes nothing) and writes the `Plan` as JSON to `*out_plan_json`.
///
/// - `directory`: see the module notes (NULL: the backend's own organization, if simulated).
/// - `selection_json`: a `Selection`: `{"identities":["ann@contoso.com",...]}`,
///   `{"csv_file":"wave1.csv"}` or `{"filter":{"dir_synced":true,"cloud_managed":false}}`.
/// - `policy_json`: a `TransferPolicy` (`{"ticket":"CHG-1","batch_cap":25,...}`; `{}` gives the
///   safe defaults, which require a ticket).
/// - `preflight_json`: a `Preflight`, as for `soa_preflight_check_organization`.
/// - `now`: RFC 3339, or NULL for the virtual time of the simulated organization (the backend's
///   or the directory's), else the system time.
///
/// Refused (`SOA_STATUS_REFUSED`) without a required ticket, or when an explicit selection holds
/// more eligible mailboxes than the batch cap.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_plan(
    backend: *const soa_backend,
    directory: *const soa_sim,
    selection_json: *const c_char,
    policy_json: *const c_char,
    preflight_json: *const c_char,
    now: *const c_char,
    out_plan_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let directory = b.directory(self::directory(directory));
        let selection: Selection =
            json::from_object_str(str_arg(selection_json, "selection_json")?, "selection_json")?;
        let policy: TransferPolicy =
            json::from_object_str(str_arg(policy_json, "policy_json")?, "policy_json")?;
        let preflight: Preflight =
            json::from_object_str(str_arg(preflight_json, "preflight_json")?, "preflight_json")?;
        let now = parse_time(opt_str_arg(now, "now")?, "now")?.unwrap_or_else(|| b.now(directory));
        let out = Out::new(out_plan_json, "out_plan_json")?;
        let plan = b.block_on(transfer::plan(
            b.exchange(),
            as_directory(directory),
            &selection,
            &policy,
            &preflight,
            now,
        ))??;
        out.write_json(&plan)
    })
}

/// Writes a one-paragraph summary of a plan (`plan_json`, as `soa_transfer_plan` wrote it) for
/// people: how many mailboxes go, are deferred and are skipped, the ticket, what blocks.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_plan_summary(
    plan_json: *const c_char,
    out: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let plan: Plan = json::from_object_str(str_arg(plan_json, "plan_json")?, "plan_json")?;
        Out::new(out, "out")?.write_string(plan.summary())
    })
}

/// The progress callback of `soa_transfer_run` and `soa_transfer_resume`: called with one
/// `ProgressEvent` as JSON (`{"identity":"ann@contoso.com","step":"verified","done":3,
/// "total":10}`; steps: `planned`, `backed_up`, `flip_sent`, `verified`, `failed`, `probe_ok`,
/// `probe_failed`, `rolled_back`) and the caller's `user_data`. The JSON is borrowed for the
/// call only. The callback is called on the thread that called the transfer function, before it
/// returns; it must not unwind (no C++ exception, no longjmp) and must not call back into the
/// library.
pub type soa_progress_fn =
    Option<unsafe extern "C" fn(event_json: *const c_char, user_data: *mut c_void)>;

/// A C callback with its `user_data`, called only on the thread that made it.
struct Progress {
    callback: unsafe extern "C" fn(*const c_char, *mut c_void),
    user_data: *mut c_void,
    thread: ThreadId,
}

// SAFETY: the core wants a `Send + Sync` callback, but this one is only ever invoked on the
// thread that made it (checked in `call`): the transfer future runs inside `block_on` on the
// calling thread (neither runtime moves it to a worker), and the callback is dropped before the
// transfer function returns. `user_data` is therefore never touched from another thread.
unsafe impl Send for Progress {}
// SAFETY: as above.
unsafe impl Sync for Progress {}

impl Progress {
    fn call(&self, event: &ProgressEvent) {
        if std::thread::current().id() != self.thread {
            return;
        }
        let Ok(text) = json::to_string(event) else {
            return;
        };
        let Ok(text) = CString::new(text) else {
            return;
        };
        // SAFETY: the caller gave a function with this signature; the string lives for the
        // call. A C callback cannot unwind into Rust (it would abort, which the contract rules
        // out).
        unsafe { (self.callback)(text.as_ptr(), self.user_data) };
    }
}

fn progress_fn(callback: soa_progress_fn, user_data: *mut c_void) -> Option<ProgressFn> {
    let callback = callback?;
    let progress = Progress {
        callback,
        user_data,
        thread: std::thread::current().id(),
    };
    Some(Arc::new(move |event: &ProgressEvent| progress.call(event)))
}

/// `options_json` of a run: the JSON form of `RunOptions` (whose callback and cancel token
/// cross as arguments instead).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RunSpec {
    dry_run: bool,
    actor: Option<String>,
}

fn run_options(
    b: &Backend,
    options_json: *const c_char,
    callback: soa_progress_fn,
    user_data: *mut c_void,
) -> Result<RunOptions, Failure> {
    let spec: RunSpec = match opt_str_arg(options_json, "options_json")? {
        Some(text) => json::from_object_str(text, "options_json")?,
        None => RunSpec::default(),
    };
    Ok(RunOptions {
        dry_run: spec.dry_run,
        actor: spec.actor.unwrap_or_else(|| b.default_actor()),
        progress: progress_fn(callback, user_data),
        cancel: None,
    })
}

/// Runs a plan in the folder `run_dir` (created when missing; it receives `plan.json`,
/// `backups/`, `journal.jsonl` and `audit.jsonl`): backs up, flips and verifies every go
/// mailbox, and writes the `RunReport` as JSON to `*out_report_json`. A folder that already
/// holds a journal is resumed, never restarted.
///
/// - `plan_json`: the plan as `soa_transfer_plan` wrote it.
/// - `options_json` (NULL for the defaults): `{"dry_run":false,"actor":"..."}`; a dry run
///   writes the plan and changes nothing. `actor` defaults to the simulated principal, or to
///   the application for a client.
/// - `progress` (may be NULL) is called with `user_data` after every step (see
///   `soa_progress_fn`), on the calling thread.
///
/// Refused (`SOA_STATUS_REFUSED`) when the plan's organization findings block. A mailbox that
/// fails is a result in the report, not an error of the call.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_run(
    backend: *const soa_backend,
    directory: *const soa_sim,
    plan_json: *const c_char,
    run_dir: *const c_char,
    options_json: *const c_char,
    progress: soa_progress_fn,
    user_data: *mut c_void,
    out_report_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let directory = b.directory(self::directory(directory));
        let plan: Plan = json::from_object_str(str_arg(plan_json, "plan_json")?, "plan_json")?;
        let run_dir = Path::new(str_arg(run_dir, "run_dir")?);
        let options = run_options(b, options_json, progress, user_data)?;
        let out = Out::new(out_report_json, "out_report_json")?;
        let report = b.block_on(transfer::run(
            b.exchange(),
            as_directory(directory),
            &plan,
            run_dir,
            &options,
        ))??;
        out.write_json(&report)
    })
}

/// Resumes the run in `run_dir` after a crash, a kill or a cancellation: reads its plan and
/// journal and finishes every mailbox that is not done, never flipping one twice. Arguments
/// and output as for `soa_transfer_run`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_resume(
    backend: *const soa_backend,
    directory: *const soa_sim,
    run_dir: *const c_char,
    options_json: *const c_char,
    progress: soa_progress_fn,
    user_data: *mut c_void,
    out_report_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let directory = b.directory(self::directory(directory));
        let run_dir = Path::new(str_arg(run_dir, "run_dir")?);
        let options = run_options(b, options_json, progress, user_data)?;
        let out = Out::new(out_report_json, "out_report_json")?;
        let report = b.block_on(transfer::resume(
            b.exchange(),
            as_directory(directory),
            run_dir,
            &options,
        ))??;
        out.write_json(&report)
    })
}

/// Rolls `identity` back to on-premises management and writes the `RollbackOutcome` as JSON.
///
/// Reads AD's values from `directory` (NULL: the backend's own organization; a client backend
/// needs one, else `SOA_STATUS_NULL_ARGUMENT`) and reports which cloud values the next sync
/// overwrites; refuses (`SOA_STATUS_REFUSED`, the message summarizing the loss) unless
/// `options_json` (a `RollbackOptions`: `{"acknowledge_loss":true,"export_to":"loss.json",
/// "ticket":"CHG-1","actor":"..."}`, every field optional) acknowledges the loss or exports it
/// first. `audit_path` (may be NULL) is a JSON-lines audit log that records the refusal or the
/// rollback, e.g. the run folder's `audit.jsonl`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_rollback(
    backend: *const soa_backend,
    directory: *const soa_sim,
    identity: *const c_char,
    options_json: *const c_char,
    audit_path: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let directory = b.directory(self::directory(directory)).ok_or_else(|| {
            Failure::Status(
                soa_status::NullArgument,
                "argument `directory` is NULL: a rollback through a client reads AD's values from a directory to report what the next sync overwrites; pass the simulated organization".to_owned(),
            )
        })?;
        let identity = str_arg(identity, "identity")?;
        let mut options: RollbackOptions =
            json::from_object_str(str_arg(options_json, "options_json")?, "options_json")?;
        if options.actor.is_empty() {
            options.actor = b.default_actor();
        }
        let audit = opt_str_arg(audit_path, "audit_path")?
            .map(|p| AuditLog::open(Path::new(p)))
            .transpose()?;
        let out = Out::new(out_json, "out_json")?;
        let outcome = b.block_on(transfer::rollback(
            b.exchange(),
            directory,
            b.catalog(),
            identity,
            &options,
            audit.as_ref(),
        ))??;
        out.write_json(&outcome)
    })
}

/// Re-applies the Exchange values of a backup file (`backup_path`, from a run folder's
/// `backups/`) in Exchange Online, for a mailbox that is cloud-managed now, and writes the
/// `RestoreReport` as JSON. With `dry_run` 1 nothing is sent: the report lists what would be.
/// The backup's checksum is verified first; a damaged or edited backup is refused.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_restore_in_cloud(
    backend: *const soa_backend,
    backup_path: *const c_char,
    dry_run: i32,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let path = Path::new(str_arg(backup_path, "backup_path")?);
        let dry_run = flag(dry_run, "dry_run")?;
        let out = Out::new(out_json, "out_json")?;
        let backup = BackupStore::read_file(path)?;
        let report = b.block_on(transfer::restore_in_cloud(
            b.exchange(),
            b.catalog(),
            &backup,
            dry_run,
        ))??;
        out.write_json(&report)
    })
}

/// Writes a PowerShell script that restores a backup file's Exchange values on-premises
/// (`Set-ADUser -Replace`, every value a quoted literal), for a mailbox mastered in AD. Changes
/// nothing: the admin reviews and runs it. `catalog` may be NULL (the built-in one).
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_restore_script(
    catalog: *const soa_catalog,
    backup_path: *const c_char,
    out_script: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let catalog: &Catalog = opt_ref_arg(catalog).map_or_else(Catalog::builtin, |c| &c.inner);
        let path = Path::new(str_arg(backup_path, "backup_path")?);
        let out = Out::new(out_script, "out_script")?;
        let backup = BackupStore::read_file(path)?;
        out.write_string(transfer::restore_script(catalog, &backup))
    })
}

/// Turns the tenant-wide default on (`ExchangeAttributesCloudManagedByDefault`) and reads it
/// back, unless the preflight refuses it (`SOA_STATUS_REFUSED`, with the reason and the fix):
/// while recipients are still provisioned on-premises, new synced users would arrive without an
/// Exchange Online recipient. `tenant_json` is a `TenantState` (`{"on_premises_provisioning_in_use":
/// true,...}`); `requirements_json` a `Requirements`, or NULL for the defaults.
#[unsafe(no_mangle)]
pub extern "C" fn soa_tenant_default_enable(
    backend: *const soa_backend,
    tenant_json: *const c_char,
    requirements_json: *const c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let tenant: TenantState =
            json::from_object_str(str_arg(tenant_json, "tenant_json")?, "tenant_json")?;
        let requirements: Requirements = match opt_str_arg(requirements_json, "requirements_json")?
        {
            Some(text) => json::from_object_str(text, "requirements_json")?,
            None => Requirements::default(),
        };
        b.block_on(transfer::enable_cloud_managed_by_default(
            b.exchange(),
            &tenant,
            &requirements,
        ))??;
        Ok(())
    })
}

/// Turns the tenant-wide default off (`ExchangeAttributesServerManagedByDefault`) and reads it
/// back. Applies to future objects only.
#[unsafe(no_mangle)]
pub extern "C" fn soa_tenant_default_disable(backend: *const soa_backend) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        b.block_on(transfer::disable_cloud_managed_by_default(b.exchange()))??;
        Ok(())
    })
}

/// Reviews who holds `Set-Mailbox -IsExchangeCloudManaged` and writes the `RbacReport` as JSON,
/// with the commands that confine the right to a dedicated role group named `group`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_rbac_review(
    backend: *const soa_backend,
    group: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let group = str_arg(group, "group")?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&b.block_on(transfer::rbac_review(b.exchange(), group))??)
    })
}
