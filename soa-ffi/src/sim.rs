//! The simulated organization as an opaque handle: build, snapshot, the on-premises side, the
//! sync engines and the clock. Its Exchange Online is a `soa_backend` (`soa_backend_from_sim`),
//! its AD a `soa_directory` (`soa_directory_from_sim`).

use std::collections::BTreeMap;
use std::ffi::c_char;
use std::path::Path;

use chrono::TimeDelta;
use soa_core::json;
use soa_core::model::{AttributeValue, RecipientTypeDetails, SyncVersion};
use soa_core::sim::{CloudSyncAgent, NewAdUser, SimulatedOrg};

use crate::ffi::{Failure, Out, boundary, opt_str_arg, ref_arg, str_arg};
use crate::status::soa_status;

/// A simulated hybrid organization. Handles made from one another (`soa_sim_as_principal`)
/// share the organization. Safe to use from several threads. Release with `soa_sim_free`.
pub struct soa_sim {
    pub(crate) org: SimulatedOrg,
}

fn boxed(org: SimulatedOrg) -> *mut soa_sim {
    Box::into_raw(Box::new(soa_sim { org }))
}

pub(crate) fn org<'a>(sim: *const soa_sim) -> Result<&'a SimulatedOrg, Failure> {
    ref_arg(sim, "sim").map(|s| &s.org)
}

/// Makes an empty organization for `tenant` (e.g. `"contoso.com"`).
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_new(tenant: *const c_char, out: *mut *mut soa_sim) -> soa_status {
    boundary(|| {
        let tenant = str_arg(tenant, "tenant")?;
        let out = Out::new(out, "out")?;
        out.write(boxed(SimulatedOrg::new(tenant)));
        Ok(())
    })
}

/// Generates a realistic organization of about `size` mailboxes; the same `seed` gives the same
/// organization.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_generate(size: u64, seed: u64, out: *mut *mut soa_sim) -> soa_status {
    boundary(|| {
        let out = Out::new(out, "out")?;
        let size = usize::try_from(size).map_err(|_| {
            Failure::Core(soa_core::Error::InvalidInput {
                what: "size".to_owned(),
                reason: format!("{size} is too large for this platform"),
            })
        })?;
        out.write(boxed(SimulatedOrg::generate(size, seed)));
        Ok(())
    })
}

/// Loads a snapshot saved by `soa_sim_save`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_load(path: *const c_char, out: *mut *mut soa_sim) -> soa_status {
    boundary(|| {
        let path = str_arg(path, "path")?;
        let out = Out::new(out, "out")?;
        out.write(boxed(SimulatedOrg::load(Path::new(path))?));
        Ok(())
    })
}

/// Saves a snapshot of the whole organization to `path`, atomically.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_save(sim: *const soa_sim, path: *const c_char) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        org.save(Path::new(str_arg(path, "path")?))?;
        Ok(())
    })
}

/// Makes a handle on the same organization acting as `principal`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_as_principal(
    sim: *const soa_sim,
    principal: *const c_char,
    out: *mut *mut soa_sim,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        let principal = str_arg(principal, "principal")?;
        let out = Out::new(out, "out")?;
        out.write(boxed(org.as_principal(principal)));
        Ok(())
    })
}

/// Releases a handle (the organization lives on while other handles share it). NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_free(sim: *mut soa_sim) {
    if sim.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: a non-NULL handle came from `Box::into_raw` in this library (ABI contract).
        drop(unsafe { Box::from_raw(sim) });
    }));
}

/// Adds (or replaces) a principal holding the roles in `roles_json` (a JSON array of names).
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_add_principal(
    sim: *const soa_sim,
    principal: *const c_char,
    roles_json: *const c_char,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        let principal = str_arg(principal, "principal")?;
        let roles: Vec<String> = json::from_str(str_arg(roles_json, "roles_json")?, "roles_json")?;
        let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
        org.add_principal(principal, &roles);
        Ok(())
    })
}

/// Writes the organization's counts (`OrgSummary`) as JSON.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_summary(sim: *const soa_sim, out_json: *mut *mut c_char) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        Out::new(out_json, "out_json")?.write_json(&org.summary())
    })
}

/// Writes the virtual time as RFC 3339 text.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_now(sim: *const soa_sim, out: *mut *mut c_char) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        Out::new(out, "out")?.write_string(org.now().to_rfc3339())
    })
}

/// Moves the clock forward by `minutes` (0 or more), running the cycles that fall due; writes
/// their reports as a JSON array.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_advance(
    sim: *const soa_sim,
    minutes: i64,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        if minutes < 0 {
            return Err(Failure::Core(soa_core::Error::InvalidInput {
                what: "minutes".to_owned(),
                reason: format!("{minutes} is negative: the clock only moves forward"),
            }));
        }
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&org.advance(TimeDelta::minutes(minutes)))
    })
}

/// Runs one Entra Connect Sync cycle; writes its `SyncReport` as JSON.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_sync_cycle(
    sim: *const soa_sim,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&org.sync_cycle())
    })
}

/// Runs one Cloud Sync writeback cycle; writes its `WritebackReport` as JSON.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_writeback_cycle(
    sim: *const soa_sim,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&org.writeback_cycle())
    })
}

/// Writes the current sync export errors as a JSON array.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_sync_errors(
    sim: *const soa_sim,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        Out::new(out_json, "out_json")?.write_json(&org.sync_errors())
    })
}

/// Sets the Entra Connect Sync version (`"2.5.190.0"`).
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_set_connect_sync_version(
    sim: *const soa_sim,
    version: *const c_char,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        let version: SyncVersion = str_arg(version, "version")?.parse()?;
        org.set_connect_sync_version(version);
        Ok(())
    })
}

/// Installs the Cloud Sync agent described by `agent_json` (a `CloudSyncAgent`:
/// `{"version":"1.1.1107.0","writeback_enabled":true,"mail_writeback":true,"capacity":600000}`),
/// or removes it when `agent_json` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_set_cloud_sync_agent(
    sim: *const soa_sim,
    agent_json: *const c_char,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        let agent: Option<CloudSyncAgent> = opt_str_arg(agent_json, "agent_json")?
            .map(|t| json::from_object_str(t, "agent_json"))
            .transpose()?;
        org.set_cloud_sync_agent(agent);
        Ok(())
    })
}

/// Creates an AD account from `user_json` (a `NewAdUser`: `{"user_principal_name": "...",
/// "attributes": {...}, "remote_mailbox": "RemoteUserMailbox"}`); writes its objectGUID.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_add_ad_user(
    sim: *const soa_sim,
    user_json: *const c_char,
    out_guid: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        let user: NewAdUser = json::from_object_str(str_arg(user_json, "user_json")?, "user_json")?;
        let out = Out::new(out_guid, "out_guid")?;
        out.write_string(org.add_ad_user(user)?)
    })
}

/// Writes an AD account's attributes (keyed by LDAP name) as a JSON object.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_ad_attributes(
    sim: *const soa_sim,
    identity: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        let identity = str_arg(identity, "identity")?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&org.ad_attributes(identity)?)
    })
}

/// Changes AD attributes of an account (`changes_json`: an object from attribute names to
/// values; `null` clears), as `Set-ADUser` / `Set-RemoteMailbox` do.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_set_ad_attributes(
    sim: *const soa_sim,
    identity: *const c_char,
    changes_json: *const c_char,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        let identity = str_arg(identity, "identity")?;
        let changes: BTreeMap<String, AttributeValue> =
            json::from_object_str(str_arg(changes_json, "changes_json")?, "changes_json")?;
        org.set_ad_attributes(identity, &changes)?;
        Ok(())
    })
}

/// Removes an AD account; its cloud user goes at the next sync cycle.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_remove_ad_user(
    sim: *const soa_sim,
    identity: *const c_char,
) -> soa_status {
    boundary(|| {
        org(sim)?.remove_ad_user(str_arg(identity, "identity")?)?;
        Ok(())
    })
}

/// Assigns an Exchange Online license to a cloud user.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_assign_license(
    sim: *const soa_sim,
    identity: *const c_char,
) -> soa_status {
    boundary(|| {
        org(sim)?.assign_license(str_arg(identity, "identity")?)?;
        Ok(())
    })
}

/// Creates a cloud-only mailbox of `recipient_type` (`"UserMailbox"`, `"SharedMailbox"`, ...);
/// writes its ExternalDirectoryObjectId.
#[unsafe(no_mangle)]
pub extern "C" fn soa_sim_add_cloud_mailbox(
    sim: *const soa_sim,
    user_principal_name: *const c_char,
    recipient_type: *const c_char,
    out_id: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        let upn = str_arg(user_principal_name, "user_principal_name")?;
        let kind: RecipientTypeDetails = str_arg(recipient_type, "recipient_type")?.parse()?;
        let out = Out::new(out_id, "out_id")?;
        out.write_string(org.add_cloud_mailbox(upn, kind)?)
    })
}
