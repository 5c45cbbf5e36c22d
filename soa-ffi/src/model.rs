//! Domain value types: proxy addresses, SMTP addresses, sync versions, recipient types.

use std::cmp::Ordering;
use std::ffi::c_char;

use serde_json::json;
use soa_core::json as soa_json;
use soa_core::model::{
    ProxyAddress, ProxyAddresses, RecipientTypeDetails, SmtpAddress, SyncVersion,
};

use crate::ffi::{Out, boundary, str_arg};
use crate::status::soa_status;

fn proxy_json(p: &ProxyAddress) -> serde_json::Value {
    json!({
        "text": p.as_str(),
        "prefix": p.prefix().to_string(),
        "address": p.address(),
        "primary": p.is_primary(),
        "is_smtp": p.smtp().is_some(),
    })
}

/// Parses one proxy address (`"SMTP:alice@contoso.com"`) and writes
/// `{"text","prefix","address","primary","is_smtp"}` as JSON to `*out_json`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_proxy_address_parse(
    text: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let address: ProxyAddress = str_arg(text, "text")?.parse()?;
        Out::new(out_json, "out_json")?.write_json(&proxy_json(&address))
    })
}

/// Validates a mailbox's proxy address set (a JSON array of strings): exactly one primary SMTP
/// address, no duplicates. Writes `{"primary_smtp": "...", "addresses": [...]}` to `*out_json`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_proxy_addresses_parse(
    json_array: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let items: Vec<String> =
            soa_json::from_str(str_arg(json_array, "json_array")?, "json_array")?;
        let set = ProxyAddresses::parse(&items)?;
        let addresses: Vec<_> = set.iter().map(proxy_json).collect();
        Out::new(out_json, "out_json")?.write_json(&json!({
            "primary_smtp": set.primary_smtp().address(),
            "addresses": addresses,
        }))
    })
}

/// Parses an SMTP address and writes `{"address","local_part","domain"}` to `*out_json`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_smtp_address_parse(
    text: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let address: SmtpAddress = str_arg(text, "text")?.parse()?;
        Out::new(out_json, "out_json")?.write_json(&json!({
            "address": address.as_str(),
            "local_part": address.local_part(),
            "domain": address.domain(),
        }))
    })
}

/// Parses a four-part version (surrounding whitespace allowed) and writes its normal form
/// (`"2.5.190.0"`) to `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sync_version_parse(text: *const c_char, out: *mut *mut c_char) -> soa_status {
    boundary(|| {
        let version: SyncVersion = str_arg(text, "text")?.parse()?;
        Out::new(out, "out")?.write_string(version.to_string())
    })
}

/// Compares two four-part versions numerically and writes -1, 0 or 1 to `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sync_version_compare(
    a: *const c_char,
    b: *const c_char,
    out: *mut i32,
) -> soa_status {
    boundary(|| {
        let a: SyncVersion = str_arg(a, "a")?.parse()?;
        let b: SyncVersion = str_arg(b, "b")?.parse()?;
        let out = Out::new(out, "out")?;
        out.write(match a.cmp(&b) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        });
        Ok(())
    })
}

/// Parses a recipient type (case-insensitive) and writes
/// `{"name","eligible","ineligibility_reason"}` to `*out_json`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_recipient_type_parse(
    text: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let rt: RecipientTypeDetails = str_arg(text, "text")?.parse()?;
        Out::new(out_json, "out_json")?.write_json(&json!({
            "name": rt.to_string(),
            "eligible": rt.is_eligible(),
            "ineligibility_reason": rt.ineligibility_reason(),
        }))
    })
}
