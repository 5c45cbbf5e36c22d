//! Audit logs: the JSON-lines files a run and a rollback write.

use std::ffi::c_char;
use std::path::Path;

use soa_core::audit::AuditLog;

use crate::ffi::{Out, boundary, str_arg};
use crate::status::soa_status;

/// Reads the audit log at `path` (a run folder's `audit.jsonl`) and writes its events with
/// what differs from one run of the same scenario to the next taken out — each event's `time`
/// and `run_id` — as compact JSON lines (keys sorted), one per event, each ending in a newline.
/// Two runs of the same scenario, through any front end, give the same text.
#[unsafe(no_mangle)]
pub extern "C" fn soa_audit_log_normalized(
    path: *const c_char,
    out_text: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let path = Path::new(str_arg(path, "path")?);
        let out = Out::new(out_text, "out_text")?;
        out.write_string(AuditLog::read_normalized(path)?)
    })
}
