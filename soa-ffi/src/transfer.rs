//! The transfer workflow on a session: gather the preflight, plan, run, resume, roll back,
//! restore, the tenant default and the RBAC review; and the run folder's layout, the backup
//! file of a mailbox and a plan's counts, as the core computes them.

use std::ffi::{c_char, c_void};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use soa_core::json;
use soa_core::preflight::{Requirements, TenantState};
use soa_core::transfer::{
    BackupStore, Plan, ProgressEvent, RollbackOptions, RunFolder, RunOptions, Selection,
    TransferPolicy,
};

use crate::ffi::{Out, boundary, flag, opt_str_arg, str_arg};
use crate::progress::{relay, soa_progress_fn};
use crate::session::{session, soa_session};
use crate::status::soa_status;

/// `requirements_json`: a `Requirements`, or NULL for the defaults.
fn requirements(requirements_json: *const c_char) -> Result<Requirements, crate::ffi::Failure> {
    Ok(match opt_str_arg(requirements_json, "requirements_json")? {
        Some(text) => json::from_object_str(text, "requirements_json")?,
        None => Requirements::default(),
    })
}

/// Gathers what the organization preflight checks — the tenant default and the number of
/// cloud-managed mailboxes, the session's actor's roles, and the sync environment from the
/// session's directory — and writes the `Preflight` as JSON, ready for `soa_transfer_plan`.
/// `requirements_json` is a `Requirements` (`{"min_connect_sync_version":"2.5.190.0",...}`),
/// or NULL for the defaults. What no source reports stays unknown, and the checks say so.
#[unsafe(no_mangle)]
pub extern "C" fn soa_preflight_gather(
    session: *const soa_session,
    requirements_json: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        let requirements = self::requirements(requirements_json)?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&s.block_on(s.session.gather_preflight(requirements))??)
    })
}

/// Plans a transfer (changes nothing) at the session's time and writes the `Plan` as JSON to
/// `*out_plan_json`.
///
/// - `selection_json`: a `Selection`: `{"identities":["ann@contoso.com",...]}`,
///   `{"csv_file":"wave1.csv"}` or `{"filter":{"dir_synced":true,"cloud_managed":false}}`.
/// - `policy_json`: a `TransferPolicy` (`{"ticket":"CHG-1","batch_cap":25,...}`; `{}` gives the
///   safe defaults, which require a ticket).
/// - `preflight_json`: a `Preflight`, as `soa_preflight_gather` wrote it.
///
/// Without a directory in the session the plan says so (`directory_checked` false, a
/// `settle_rule_unchecked` warning on every go entry). Refused (`SOA_STATUS_REFUSED`) without a
/// required ticket, or when an explicit selection holds more eligible mailboxes than the batch
/// cap.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_plan(
    session: *const soa_session,
    selection_json: *const c_char,
    policy_json: *const c_char,
    preflight_json: *const c_char,
    out_plan_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        let selection: Selection =
            json::from_object_str(str_arg(selection_json, "selection_json")?, "selection_json")?;
        let policy: TransferPolicy =
            json::from_object_str(str_arg(policy_json, "policy_json")?, "policy_json")?;
        let preflight =
            json::from_object_str(str_arg(preflight_json, "preflight_json")?, "preflight_json")?;
        let out = Out::new(out_plan_json, "out_plan_json")?;
        let plan = s.block_on(s.session.plan(&selection, &policy, &preflight))??;
        out.write_json(&plan)
    })
}

fn plan_arg(plan_json: *const c_char) -> Result<Plan, crate::ffi::Failure> {
    Ok(json::from_object_str(
        str_arg(plan_json, "plan_json")?,
        "plan_json",
    )?)
}

/// Writes a one-paragraph summary of a plan (`plan_json`, as `soa_transfer_plan` wrote it) for
/// people: how many mailboxes go, are deferred and are skipped, the ticket, what blocks.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_plan_summary(
    plan_json: *const c_char,
    out: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let plan = plan_arg(plan_json)?;
        Out::new(out, "out")?.write_string(plan.summary())
    })
}

/// Writes how many mailboxes of a plan go, are deferred to later waves by the batch cap, and
/// are skipped, as JSON (`PlanCounts`): `{"go":1,"deferred":24,"skipped":3,"total":28}`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_plan_counts(
    plan_json: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let plan = plan_arg(plan_json)?;
        Out::new(out_json, "out_json")?.write_json(&plan.counts())
    })
}

/// Writes the files of the run folder `run_dir` as JSON (the serde shape of the core's
/// `RunFolderLayout`): `{"dir":"...","plan":".../plan.json","journal":".../journal.jsonl",
/// "audit":".../audit.jsonl","backups":".../backups","lock":".../run.lock"}`. Nothing is
/// created.
#[unsafe(no_mangle)]
pub extern "C" fn soa_run_folder_json(
    run_dir: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let folder = RunFolder {
            dir: PathBuf::from(str_arg(run_dir, "run_dir")?),
        };
        Out::new(out_json, "out_json")?.write_json(&folder.layout())
    })
}

/// Writes the folder a run goes to when the caller names none — `soa-runs/<run id>` under
/// `base` (the caller's current folder) — to `*out`. Nothing is created.
#[unsafe(no_mangle)]
pub extern "C" fn soa_run_folder_default(
    base: *const c_char,
    run_id: *const c_char,
    out: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let base = PathBuf::from(str_arg(base, "base")?);
        let run_id = str_arg(run_id, "run_id")?;
        let out = Out::new(out, "out")?;
        out.write_string(
            RunFolder::default_in(&base, run_id)
                .dir
                .display()
                .to_string(),
        )
    })
}

/// Writes the path of the file a run in `run_dir` backs `identity` up to (in its `backups/`
/// folder; nothing is created): the identity made safe for a file name, with a short hash of it
/// so that two identities never share a file.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backup_path(
    run_dir: *const c_char,
    identity: *const c_char,
    out: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let folder = RunFolder {
            dir: PathBuf::from(str_arg(run_dir, "run_dir")?),
        };
        let identity = str_arg(identity, "identity")?;
        let out = Out::new(out, "out")?;
        out.write_string(folder.backup_path(identity).display().to_string())
    })
}

/// Writes the path of the file a rollback of `identity` exports the values it would lose to, in
/// the folder `dir` (`rollback-loss-<safe name>.json`; nothing is created).
#[unsafe(no_mangle)]
pub extern "C" fn soa_rollback_loss_path(
    dir: *const c_char,
    identity: *const c_char,
    out: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let folder = RunFolder {
            dir: PathBuf::from(str_arg(dir, "dir")?),
        };
        let identity = str_arg(identity, "identity")?;
        let out = Out::new(out, "out")?;
        out.write_string(folder.rollback_loss_path(identity).display().to_string())
    })
}

/// `options_json` of a run: the JSON form of `RunOptions` (whose callback and cancel token
/// cross as arguments instead).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RunSpec {
    dry_run: bool,
}

fn run_options(
    options_json: *const c_char,
    callback: soa_progress_fn,
    user_data: *mut c_void,
) -> Result<RunOptions, crate::ffi::Failure> {
    let spec: RunSpec = match opt_str_arg(options_json, "options_json")? {
        Some(text) => json::from_object_str(text, "options_json")?,
        None => RunSpec::default(),
    };
    Ok(RunOptions {
        dry_run: spec.dry_run,
        progress: relay::<ProgressEvent>(callback, user_data),
        cancel: None,
    })
}

/// Runs a plan in the folder `run_dir` (created when missing; it receives `plan.json`,
/// `backups/`, `journal.jsonl` and `audit.jsonl`) as the session's actor: backs up, flips and
/// verifies every go mailbox, and writes the `RunReport` as JSON to `*out_report_json`. A
/// folder that already holds a journal is resumed, never restarted.
///
/// - `plan_json`: the plan as `soa_transfer_plan` wrote it.
/// - `options_json` (NULL for the defaults): `{"dry_run":false}`; a dry run writes the plan and
///   changes nothing.
/// - `progress` (may be NULL) is called with `user_data` after every step (a `ProgressEvent`,
///   see `soa_progress_fn`), on the calling thread.
///
/// Refused (`SOA_STATUS_REFUSED`) when the plan's organization findings block. A mailbox that
/// fails is a result in the report, not an error of the call.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_run(
    session: *const soa_session,
    plan_json: *const c_char,
    run_dir: *const c_char,
    options_json: *const c_char,
    progress: soa_progress_fn,
    user_data: *mut c_void,
    out_report_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        let plan = plan_arg(plan_json)?;
        let run_dir = Path::new(str_arg(run_dir, "run_dir")?);
        let options = run_options(options_json, progress, user_data)?;
        let out = Out::new(out_report_json, "out_report_json")?;
        let report = s.block_on(s.session.run(&plan, run_dir, &options))??;
        out.write_json(&report)
    })
}

/// Resumes the run in `run_dir` after a crash, a kill or a cancellation: reads its plan and
/// journal and finishes every mailbox that is not done, never flipping one twice. Arguments
/// and output as for `soa_transfer_run`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_resume(
    session: *const soa_session,
    run_dir: *const c_char,
    options_json: *const c_char,
    progress: soa_progress_fn,
    user_data: *mut c_void,
    out_report_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        let run_dir = Path::new(str_arg(run_dir, "run_dir")?);
        let options = run_options(options_json, progress, user_data)?;
        let out = Out::new(out_report_json, "out_report_json")?;
        let report = s.block_on(s.session.resume(run_dir, &options))??;
        out.write_json(&report)
    })
}

/// Rolls `identity` back to on-premises management and writes the `RollbackOutcome` as JSON.
///
/// Reads AD's values from the session's directory and reports which cloud values the next
/// sync overwrites; refuses (`SOA_STATUS_REFUSED`, the message summarizing the loss) unless
/// `options_json` (a `RollbackOptions`: `{"acknowledge_loss":true,"export_to":"loss.json",
/// "ticket":"CHG-1"}`, every field optional) acknowledges the loss or exports it first. Without
/// a directory the loss cannot be computed: the rollback is refused unless acknowledged, and the
/// outcome says so (`directory_checked` false). `audit_path` (may be NULL) is a JSON-lines audit
/// log that records the refusal or the rollback, e.g. the run folder's `audit.jsonl`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_rollback(
    session: *const soa_session,
    identity: *const c_char,
    options_json: *const c_char,
    audit_path: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        let identity = str_arg(identity, "identity")?;
        let options: RollbackOptions =
            json::from_object_str(str_arg(options_json, "options_json")?, "options_json")?;
        let audit = opt_str_arg(audit_path, "audit_path")?.map(Path::new);
        let out = Out::new(out_json, "out_json")?;
        let outcome = s.block_on(s.session.rollback(identity, &options, audit))??;
        out.write_json(&outcome)
    })
}

/// Re-applies the Exchange values of a backup file (`backup_path`, from a run folder's
/// `backups/`) in Exchange Online, for a mailbox that is cloud-managed now, and writes the
/// `RestoreReport` as JSON. With `dry_run` 1 nothing is sent: the report lists what would be.
/// The backup's checksum is verified first; a damaged or edited backup is refused.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_restore_in_cloud(
    session: *const soa_session,
    backup_path: *const c_char,
    dry_run: i32,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        let path = Path::new(str_arg(backup_path, "backup_path")?);
        let dry_run = flag(dry_run, "dry_run")?;
        let out = Out::new(out_json, "out_json")?;
        let backup = BackupStore::read_file(path)?;
        let report = s.block_on(s.session.restore_in_cloud(&backup, dry_run))??;
        out.write_json(&report)
    })
}

/// Writes a PowerShell script that restores a backup file's Exchange values on-premises
/// (`Set-ADUser -Replace`, every value a quoted literal, names from the session's catalog), for
/// a mailbox mastered in AD. Changes nothing: the admin reviews and runs it.
#[unsafe(no_mangle)]
pub extern "C" fn soa_transfer_restore_script(
    session: *const soa_session,
    backup_path: *const c_char,
    out_script: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        let path = Path::new(str_arg(backup_path, "backup_path")?);
        let out = Out::new(out_script, "out_script")?;
        let backup = BackupStore::read_file(path)?;
        out.write_string(s.session.restore_script(&backup))
    })
}

/// Turns the tenant-wide default on (`ExchangeAttributesCloudManagedByDefault`) and reads it
/// back, unless the preflight refuses it (`SOA_STATUS_REFUSED`, with the reason and the fix):
/// while recipients are still provisioned on-premises, new synced users would arrive without an
/// Exchange Online recipient. `tenant_json` is a `TenantState` (`{"on_premises_provisioning_in_use":
/// true,...}`); `requirements_json` a `Requirements`, or NULL for the defaults.
#[unsafe(no_mangle)]
pub extern "C" fn soa_tenant_default_enable(
    session: *const soa_session,
    tenant_json: *const c_char,
    requirements_json: *const c_char,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        let tenant: TenantState =
            json::from_object_str(str_arg(tenant_json, "tenant_json")?, "tenant_json")?;
        let requirements = self::requirements(requirements_json)?;
        s.block_on(
            s.session
                .enable_cloud_managed_by_default(&tenant, &requirements),
        )??;
        Ok(())
    })
}

/// Turns the tenant-wide default off (`ExchangeAttributesServerManagedByDefault`) and reads it
/// back. Applies to future objects only.
#[unsafe(no_mangle)]
pub extern "C" fn soa_tenant_default_disable(session: *const soa_session) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        s.block_on(s.session.disable_cloud_managed_by_default())??;
        Ok(())
    })
}

/// Reviews who holds `Set-Mailbox -IsExchangeCloudManaged` and writes the `RbacReport` as JSON,
/// with the commands that confine the right to a dedicated role group named `group`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_rbac_review(
    session: *const soa_session,
    group: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let s = self::session(session)?;
        let group = str_arg(group, "group")?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&s.block_on(s.session.rbac_review(group))??)
    })
}
