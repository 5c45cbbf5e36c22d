//! Authority decisions and rollback loss analysis.

use std::collections::BTreeMap;
use std::ffi::c_char;

use soa_core::authority::{self, MailboxState, ProposedEdit};
use soa_core::json;
use soa_core::model::AttributeValue;

use crate::catalog::soa_catalog;
use crate::ffi::{Out, boundary, ref_arg, str_arg};
use crate::status::soa_status;

/// Writes who masters `attribute` for a mailbox in `state_json` (a `MailboxState`:
/// `{"dir_synced":true,"cloud_managed":false,"recipient_type":"UserMailbox"}`) to `*out_json`,
/// as a JSON string: `"on_premises_ad"`, `"exchange_online"` or `"entra_id"`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_master(
    catalog: *const soa_catalog,
    state_json: *const c_char,
    attribute: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let catalog = ref_arg(catalog, "catalog")?;
        let state: MailboxState =
            json::from_object_str(str_arg(state_json, "state_json")?, "state_json")?;
        let attribute = catalog.inner.lookup(str_arg(attribute, "attribute")?)?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&authority::master(&state, attribute))
    })
}

/// Decides a proposed edit (`edit_json`, a `ProposedEdit`:
/// `{"attribute":"extensionAttribute1","value":"x","location":"active_directory","identity":"a@b.c"}`)
/// for a mailbox in `state_json`, and writes the `EditDecision` as JSON to `*out_json`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_decide_edit(
    catalog: *const soa_catalog,
    state_json: *const c_char,
    edit_json: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let catalog = ref_arg(catalog, "catalog")?;
        let state: MailboxState =
            json::from_object_str(str_arg(state_json, "state_json")?, "state_json")?;
        let edit: ProposedEdit =
            json::from_object_str(str_arg(edit_json, "edit_json")?, "edit_json")?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&authority::decide_edit(&catalog.inner, &state, &edit)?)
    })
}

/// Lists what a rollback would lose: `cloud_json` and `ad_json` are objects from attribute names
/// to values; writes the `RollbackLoss` as JSON to `*out_json`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_rollback_loss(
    catalog: *const soa_catalog,
    state_json: *const c_char,
    cloud_json: *const c_char,
    ad_json: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let catalog = ref_arg(catalog, "catalog")?;
        let state: MailboxState =
            json::from_object_str(str_arg(state_json, "state_json")?, "state_json")?;
        let cloud: BTreeMap<String, AttributeValue> =
            json::from_str(str_arg(cloud_json, "cloud_json")?, "cloud_json")?;
        let ad: BTreeMap<String, AttributeValue> =
            json::from_str(str_arg(ad_json, "ad_json")?, "ad_json")?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&authority::rollback_loss(
            &catalog.inner,
            &state,
            &cloud,
            &ad,
        )?)
    })
}
