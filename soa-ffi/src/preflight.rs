//! Preflight checks.

use std::ffi::c_char;

use chrono::{DateTime, Utc};
use soa_core::json;
use soa_core::model::Mailbox;
use soa_core::preflight::Preflight;

use crate::ffi::{Failure, Out, boundary, opt_str_arg, str_arg};
use crate::status::soa_status;

fn parse_time(text: Option<&str>, name: &str) -> Result<Option<DateTime<Utc>>, Failure> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(t.trim())
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| {
                Failure::Core(soa_core::Error::InvalidInput {
                    what: name.to_owned(),
                    reason: format!("{t:?} is not an RFC 3339 time: {e}"),
                })
            })
    })
    .transpose()
}

/// Runs the organization checks. `preflight_json` is a `Preflight`
/// (`{"sync":{...},"tenant":{...},"caller":{...},"requirements":{...}}`, every part optional);
/// `planned` is the number of mailboxes about to be flipped. Writes the `PreflightReport` as
/// JSON to `*out_json`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_preflight_check_organization(
    preflight_json: *const c_char,
    planned: u64,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let preflight: Preflight =
            json::from_object_str(str_arg(preflight_json, "preflight_json")?, "preflight_json")?;
        Out::new(out_json, "out_json")?.write_json(&preflight.check_organization(planned))
    })
}

/// Runs the mailbox checks for one mailbox (`mailbox_json`, the JSON of `Get-Mailbox`).
/// `ad_when_changed` (AD's whenChanged) and `now` are RFC 3339 times, or NULL (unknown; the
/// current time). Writes the `PreflightReport` as JSON to `*out_json`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_preflight_check_mailbox(
    preflight_json: *const c_char,
    mailbox_json: *const c_char,
    ad_when_changed: *const c_char,
    now: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let preflight: Preflight =
            json::from_object_str(str_arg(preflight_json, "preflight_json")?, "preflight_json")?;
        let mailbox: Mailbox =
            json::from_object_str(str_arg(mailbox_json, "mailbox_json")?, "mailbox_json")?;
        let changed = parse_time(
            opt_str_arg(ad_when_changed, "ad_when_changed")?,
            "ad_when_changed",
        )?;
        let now = parse_time(opt_str_arg(now, "now")?, "now")?.unwrap_or_else(Utc::now);
        Out::new(out_json, "out_json")?.write_json(&preflight.check_mailbox(&mailbox, changed, now))
    })
}
