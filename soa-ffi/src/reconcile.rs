//! Reconciliation of AD with Exchange Online as an opaque report handle: reconcile two exports
//! (or an export and the live Exchange Online of a session), render and save the report, compare two reports, and
//! write a writeback plan.
//!
//! A `soa_reconcile_report` holds one `Report`; its JSON (`soa_reconcile_report_json`) is the
//! serde shape of `soa_core::reconcile::Report`: `generated`, `tool_version`, `ad_source`,
//! `cloud_source`, `writeback_enabled`, `totals`, `differences` (each with `mailbox`,
//! `attribute`, `ldap_name`, `ad_value`, `cloud_value`, `class`, `reason`, ...), `ad_only`,
//! `cloud_only` and `ambiguous`.

use std::ffi::{c_char, c_void};
use std::path::Path;

use soa_core::catalog::Catalog;
use soa_core::json;
use soa_core::reconcile::source::AdFormat;
use soa_core::reconcile::writeback::{WritebackPlan, WritebackSelection};
use soa_core::reconcile::{self as core, ReconcileOptions, ReconcileProgress, Report};

use crate::catalog::soa_catalog;
use crate::ffi::{Failure, Out, boundary, free_boxed, opt_ref_arg, opt_str_arg, ref_arg, str_arg};
use crate::progress::{relay, soa_progress_fn};
use crate::session::soa_session;
use crate::status::soa_status;

/// A reconciliation report, immutable once made. Safe to share between threads. Release it
/// with `soa_reconcile_report_free`.
pub struct soa_reconcile_report {
    report: Report,
}

fn report<'a>(ptr: *const soa_reconcile_report, name: &'static str) -> Result<&'a Report, Failure> {
    ref_arg(ptr, name).map(|r| &r.report)
}

/// The catalog argument: NULL means the built-in catalog.
fn catalog_or_builtin<'a>(catalog: *const soa_catalog) -> &'a Catalog {
    opt_ref_arg(catalog).map_or_else(Catalog::builtin, |c: &soa_catalog| &*c.inner)
}

/// `ad_format`: `"csv"`, `"ldif"` or `"json"` (any case); NULL: from the file's extension.
fn ad_format(text: Option<&str>) -> Result<Option<AdFormat>, Failure> {
    Ok(text.map(str::parse::<AdFormat>).transpose()?)
}

/// `options_json`: a `ReconcileOptions` object, or NULL for the defaults.
fn options(options_json: *const c_char) -> Result<ReconcileOptions, Failure> {
    Ok(match opt_str_arg(options_json, "options_json")? {
        Some(text) => json::from_object_str(text, "options_json")?,
        None => ReconcileOptions::default(),
    })
}

/// Reconciles two exports on disk and writes the report handle to `*out`.
///
/// - `catalog`: the attribute catalog, or NULL for the built-in one.
/// - `ad_path`: an AD export: `Get-ADUser | Export-Csv` (CSV), `ldifde -f` (LDIF) or
///   `Get-ADUser | ConvertTo-Json` (JSON).
/// - `ad_format`: `"csv"`, `"ldif"` or `"json"`; NULL takes the format from the extension
///   (`.csv`, `.ldf`/`.ldif`, `.json`).
/// - `cloud_path`: a `Get-Mailbox | ConvertTo-Json` file.
/// - `options_json`: a `ReconcileOptions` (`{"writeback_enabled":true,"attributes":
///   ["extensionAttribute1"],"now":"2026-11-27T00:00:00Z","sync_grace_minutes":120,
///   "ad_source":"...","cloud_source":"..."}`, every field optional), or NULL for the defaults.
///
/// A malformed record gives `SOA_STATUS_INVALID_INPUT` with a message naming the file and the
/// line (or record); a missing file gives `SOA_STATUS_IO`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_reconcile_files(
    catalog: *const soa_catalog,
    ad_path: *const c_char,
    ad_format: *const c_char,
    cloud_path: *const c_char,
    options_json: *const c_char,
    out: *mut *mut soa_reconcile_report,
) -> soa_status {
    boundary(|| {
        let catalog = catalog_or_builtin(catalog);
        let ad_path = Path::new(str_arg(ad_path, "ad_path")?);
        let format = self::ad_format(opt_str_arg(ad_format, "ad_format")?)?;
        let cloud_path = Path::new(str_arg(cloud_path, "cloud_path")?);
        let options = self::options(options_json)?;
        let out = Out::new(out, "out")?;
        let report = core::reconcile_files(catalog, ad_path, format, cloud_path, &options)?;
        out.write_boxed(soa_reconcile_report { report });
        Ok(())
    })
}

/// Reconciles an AD export with a live Exchange Online — the dir-synced mailboxes of the
/// session's backend (a simulated organization or a tenant through the REST client), with the
/// session's catalog — and writes the report handle to `*out`. `ad_path`, `ad_format` and
/// `options_json` are as for `soa_reconcile_files` (`ad_source` defaults to `ad_path`).
/// `progress` (may be NULL) is called with `user_data` as the reading goes on, with a
/// `ReconcileProgress` (see `soa_progress_fn`), on the calling thread. Errors of the service come
/// with their usual statuses (`SOA_STATUS_ACCESS_DENIED`, `SOA_STATUS_THROTTLED`, ...).
#[unsafe(no_mangle)]
pub extern "C" fn soa_reconcile_live(
    session: *const soa_session,
    ad_path: *const c_char,
    ad_format: *const c_char,
    options_json: *const c_char,
    progress: soa_progress_fn,
    user_data: *mut c_void,
    out: *mut *mut soa_reconcile_report,
) -> soa_status {
    boundary(|| {
        let s = crate::session::session(session)?;
        let ad_path = Path::new(str_arg(ad_path, "ad_path")?);
        let format = self::ad_format(opt_str_arg(ad_format, "ad_format")?)?;
        let options = self::options(options_json)?;
        let out = Out::new(out, "out")?;
        let progress = relay::<ReconcileProgress>(progress, user_data);
        let report = s.block_on(
            s.session
                .reconcile_live(ad_path, format, &options, progress),
        )??;
        out.write_boxed(soa_reconcile_report { report });
        Ok(())
    })
}

/// Writes the report as compact JSON (the serde shape of `Report`) to `*out_json`; release it
/// with `soa_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_reconcile_report_json(
    report: *const soa_reconcile_report,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let report = self::report(report, "report")?;
        Out::new(out_json, "out_json")?.write_json(report)
    })
}

/// Reads a JSON report (as `soa_reconcile_report_save_json` wrote it) and writes a report handle
/// to `*out`. A missing file gives `SOA_STATUS_IO`; a file that is not a report gives
/// `SOA_STATUS_INVALID_JSON`, naming the file.
#[unsafe(no_mangle)]
pub extern "C" fn soa_reconcile_report_load_json(
    path: *const c_char,
    out: *mut *mut soa_reconcile_report,
) -> soa_status {
    boundary(|| {
        let path = Path::new(str_arg(path, "path")?);
        let out = Out::new(out, "out")?;
        let text = std::fs::read_to_string(path).map_err(|source| soa_core::Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        let report = Report::from_json(&text, &path.display().to_string())?;
        out.write_boxed(soa_reconcile_report { report });
        Ok(())
    })
}

/// Writes the JSON report (complete, pretty-printed) to `path`, atomically: nothing is
/// half-written on failure.
#[unsafe(no_mangle)]
pub extern "C" fn soa_reconcile_report_save_json(
    report: *const soa_reconcile_report,
    path: *const c_char,
) -> soa_status {
    boundary(|| {
        let report = self::report(report, "report")?;
        report.save_json(Path::new(str_arg(path, "path")?))?;
        Ok(())
    })
}

/// Writes the CSV report (a header and one row per difference) to `path`, atomically.
#[unsafe(no_mangle)]
pub extern "C" fn soa_reconcile_report_save_csv(
    report: *const soa_reconcile_report,
    path: *const c_char,
) -> soa_status {
    boundary(|| {
        let report = self::report(report, "report")?;
        report.save_csv(Path::new(str_arg(path, "path")?))?;
        Ok(())
    })
}

/// Writes the HTML report (one self-contained page, every value escaped) to `path`,
/// atomically.
#[unsafe(no_mangle)]
pub extern "C" fn soa_reconcile_report_save_html(
    report: *const soa_reconcile_report,
    path: *const c_char,
) -> soa_status {
    boundary(|| {
        let report = self::report(report, "report")?;
        report.save_html(Path::new(str_arg(path, "path")?))?;
        Ok(())
    })
}

/// Compares two reports and writes what changed from `earlier` to `later` as JSON to
/// `*out_json`: a `ReportChanges`, `{"new":[...],"resolved":[...],"changed":[{"before":...,
/// "after":...}],"unchanged":3}`, differences in the shape of the report's.
#[unsafe(no_mangle)]
pub extern "C" fn soa_reconcile_report_changes_since(
    later: *const soa_reconcile_report,
    earlier: *const soa_reconcile_report,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let later = self::report(later, "later")?;
        let earlier = self::report(earlier, "earlier")?;
        Out::new(out_json, "out_json")?.write_json(&later.changes_since(earlier))
    })
}

/// Releases a report. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn soa_reconcile_report_free(report: *mut soa_reconcile_report) {
    free_boxed(report);
}

/// Makes a writeback plan — the changes that bring AD up to the cloud values — from the chosen
/// differences of `report`, writes it as LDIF (`ldifde -i -f`) to `ldif_path` and as a
/// PowerShell script (`Set-ADUser`, dry unless run with `-Apply`) to `ps1_path`, and writes
/// the number of planned attribute changes to `*out_changes`. The plan is dated like the
/// report. Files are written atomically; nothing is applied to AD.
///
/// - `selection_json`: NULL for the default choice, the differences where Exchange Online
///   masters the attribute and AD is stale (`cloud_master_ad_stale`); else
///   `{"classes":["cloud_master_ad_stale","conflict"],"attributes":["extensionAttribute1"],
///   "mailboxes":["alice@contoso.com"]}`, every field optional (an empty or missing list of
///   attributes or mailboxes means all).
/// - `ldif_path`, `ps1_path`: either may be NULL (not written); with both NULL the call only
///   counts the changes.
#[unsafe(no_mangle)]
pub extern "C" fn soa_writeback_plan_save(
    report: *const soa_reconcile_report,
    selection_json: *const c_char,
    ldif_path: *const c_char,
    ps1_path: *const c_char,
    out_changes: *mut usize,
) -> soa_status {
    boundary(|| {
        let report = self::report(report, "report")?;
        let selection: WritebackSelection = match opt_str_arg(selection_json, "selection_json")? {
            Some(text) => json::from_object_str(text, "selection_json")?,
            None => WritebackSelection::default(),
        };
        let ldif_path = opt_str_arg(ldif_path, "ldif_path")?.map(Path::new);
        let ps1_path = opt_str_arg(ps1_path, "ps1_path")?.map(Path::new);
        let out = Out::new(out_changes, "out_changes")?;
        let plan = WritebackPlan::for_selection(report, &selection);
        if let Some(path) = ldif_path {
            plan.save_ldif(path)?;
        }
        if let Some(path) = ps1_path {
            plan.save_powershell(path)?;
        }
        out.write(plan.change_count());
        Ok(())
    })
}
