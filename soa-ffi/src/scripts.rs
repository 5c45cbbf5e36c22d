//! The PowerShell script auditor: audit a script or a folder of scripts, as JSON, SARIF or
//! text, and write the safe rewrites.
//!
//! The JSON of `soa_audit_scripts` is the serde shape of `soa_core::scripts::AuditReport`:
//! `{"files":[{"path":"...","findings":[{"rule":"SOA-PS002","severity":"error","message":"...",
//! "location":{"file":"...","line":2,"column":1,"end_line":2,"end_column":60},"command":"Set-ADUser",
//! "attributes":["extensionAttribute1"],"fix":"Set-Mailbox ..."}],"edits":[...],
//! "rewritten":"...","diff":"..."}]}` (`command`, `attributes`, `fix`, `edits`, `rewritten` and
//! `diff` are left out when empty).

use std::ffi::c_char;
use std::path::PathBuf;

use serde::Deserialize;
use soa_core::catalog::Catalog;
use soa_core::json;
use soa_core::scripts::{self, AuditOptions, AuditReport};

use crate::catalog::soa_catalog;
use crate::ffi::{Failure, Out, boundary, flag, invalid, opt_ref_arg, opt_str_arg, str_arg};
use crate::status::soa_status;

/// `options_json` of an audit.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct AuditSpec {
    /// Files larger than this many bytes are reported as unreadable instead of audited.
    max_file_bytes: Option<u64>,
}

/// Audits `path` (a file, or every `.ps1`/`.psm1`/`.psd1` under a folder) with the catalog
/// (NULL: the built-in one) and the options (NULL: the defaults).
fn audit(
    catalog: *const soa_catalog,
    path: *const c_char,
    options_json: *const c_char,
) -> Result<(AuditReport, PathBuf), Failure> {
    let catalog: &Catalog =
        opt_ref_arg(catalog).map_or_else(Catalog::builtin, |c: &soa_catalog| &*c.inner);
    let path = PathBuf::from(str_arg(path, "path")?);
    let spec: AuditSpec = match opt_str_arg(options_json, "options_json")? {
        Some(text) => json::from_object_str(text, "options_json")?,
        None => AuditSpec::default(),
    };
    let mut options = AuditOptions::default();
    if let Some(bytes) = spec.max_file_bytes {
        options = options.with_max_file_bytes(bytes);
    }
    Ok((scripts::audit_path(&path, catalog, &options)?, path))
}

/// Audits the PowerShell scripts at `path` — one file, or every `.ps1`, `.psm1` and `.psd1`
/// file under a folder, recursively — and writes the `AuditReport` as JSON to `*out_json` (see
/// the module notes for its shape). Nothing is written to disk.
///
/// - `catalog`: the attribute catalog, or NULL for the built-in one.
/// - `options_json`: `{"max_file_bytes":16777216}` (files over the limit are reported as
///   unreadable, rule `SOA-PS901`), or NULL for the defaults.
///
/// A path that does not exist gives `SOA_STATUS_IO`. A file that cannot be decoded (binary,
/// invalid UTF-8) or has syntax errors is a finding, not a failure.
#[unsafe(no_mangle)]
pub extern "C" fn soa_audit_scripts(
    catalog: *const soa_catalog,
    path: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let out = Out::new(out_json, "out_json")?;
        let (report, _) = audit(catalog, path, options_json)?;
        out.write_json(&report)
    })
}

/// Audits as `soa_audit_scripts` does and writes the report as a SARIF 2.1.0 log (JSON) to
/// `*out_json`: every rule in `runs[0].tool.driver.rules`, one result per finding with its
/// `ruleId` and physical location.
#[unsafe(no_mangle)]
pub extern "C" fn soa_audit_scripts_sarif(
    catalog: *const soa_catalog,
    path: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let out = Out::new(out_json, "out_json")?;
        let (report, _) = audit(catalog, path, options_json)?;
        out.write_json(&report.to_sarif())
    })
}

/// Audits as `soa_audit_scripts` does and writes the report as text for people to `*out_text`:
/// the findings grouped by file (`line:column  severity  rule  message`, with the fix), then a
/// summary line.
#[unsafe(no_mangle)]
pub extern "C" fn soa_audit_scripts_text(
    catalog: *const soa_catalog,
    path: *const c_char,
    options_json: *const c_char,
    out_text: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let out = Out::new(out_text, "out_text")?;
        let (report, _) = audit(catalog, path, options_json)?;
        out.write_string(report.to_text())
    })
}

/// Audits as `soa_audit_scripts` does, then writes the safe rewrite of every script that has
/// one, and writes how many files were written to `*out_files`. Each file is written
/// atomically; scripts without a safe rewrite are not copied.
///
/// - `out_dir`: the folder that receives the rewritten copies (created when missing), under
///   their path relative to the audited folder (or their file name for a single file). A copy
///   that would land on the script itself is refused (`SOA_STATUS_REFUSED`).
/// - `in_place`: 0 to write copies to `out_dir`; 1 to overwrite the audited scripts themselves,
///   in which case `out_dir` must be NULL. A script is never changed in place unless this is 1.
///
/// A failure stops at the file it concerns; the files written before it stay written, each one
/// complete.
#[unsafe(no_mangle)]
pub extern "C" fn soa_audit_scripts_fix(
    catalog: *const soa_catalog,
    path: *const c_char,
    options_json: *const c_char,
    out_dir: *const c_char,
    in_place: i32,
    out_files: *mut usize,
) -> soa_status {
    boundary(|| {
        let out_dir = opt_str_arg(out_dir, "out_dir")?.map(PathBuf::from);
        let in_place = flag(in_place, "in_place")?;
        let out = Out::new(out_files, "out_files")?;
        match (&out_dir, in_place) {
            (None, false) => {
                return Err(Failure::Status(
                    soa_status::NullArgument,
                    "argument `out_dir` is NULL: give the folder for the rewritten copies, or in_place 1 to change the scripts themselves".to_owned(),
                ));
            }
            (Some(_), true) => {
                return Err(invalid(
                    "in_place",
                    "1 rewrites the scripts themselves, so out_dir must be NULL",
                ));
            }
            _ => {}
        }
        let (report, root) = audit(catalog, path, options_json)?;
        let written = report.write_rewrites(&root, out_dir.as_deref())?;
        out.write(written);
        Ok(())
    })
}
