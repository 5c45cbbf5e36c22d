//! `soa_backend`: an Exchange Online — the simulated organization (`soa_backend_from_sim`) or a
//! tenant through the REST client (`soa_backend_from_client`) — and every Exchange Online
//! operation on it (RBAC and the admin audit log apply), so the same C (or C#, or PowerShell)
//! code runs a rehearsal and the real thing.

use std::ffi::c_char;
use std::sync::Arc;

use soa_core::exo::{AuditQuery, ExchangeOnline, MailboxChanges, MailboxFilter};
use soa_core::json;
use tokio::runtime::Runtime;

use crate::client::{client, soa_client};
use crate::ffi::{Failure, Out, boundary, flag, free_boxed, ref_arg, str_arg};
use crate::pager::soa_mailbox_pager;
use crate::sim::{org, soa_sim};
use crate::status::soa_status;

/// An Exchange Online. It holds what it was made from (sharing the organization, or the client
/// and its runtime), so it may outlive that handle. Safe to use from several threads. Release
/// with `soa_backend_free`.
pub struct soa_backend {
    pub(crate) exchange: Arc<dyn ExchangeOnline>,
    /// The runtime the calls block on: the simulation's, or the client's.
    pub(crate) runtime: Arc<Runtime>,
}

impl soa_backend {
    /// Runs `future` to completion on the backend's runtime, on the calling thread.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Failure> {
        crate::ffi::block_on(&self.runtime, future)
    }
}

pub(crate) fn backend<'a>(backend: *const soa_backend) -> Result<&'a soa_backend, Failure> {
    ref_arg(backend, "backend")
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
        let out = Out::new(out, "out")?;
        out.write_boxed(soa_backend {
            exchange: Arc::new(org.clone()),
            runtime: crate::runtime::simulation_runtime()?,
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
            exchange: Arc::new(c.client.clone()),
            runtime: Arc::clone(&c.runtime),
        });
        Ok(())
    })
}

/// Releases a backend. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_free(backend: *mut soa_backend) {
    free_boxed(backend);
}

/// `Get-Mailbox`: writes the mailbox as JSON in the `Get-Mailbox | ConvertTo-Json` shape.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_get_mailbox(
    backend: *const soa_backend,
    identity: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let identity = str_arg(identity, "identity")?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&b.block_on(b.exchange.get_mailbox(identity))??)
    })
}

/// `Get-User`: writes the user as JSON in the `Get-User | ConvertTo-Json` shape.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_get_user(
    backend: *const soa_backend,
    identity: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let identity = str_arg(identity, "identity")?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&b.block_on(b.exchange.get_user(identity))??)
    })
}

/// `Set-Mailbox` with `changes_json` (a `MailboxChanges`: `{"set":{...},"add":{...},"remove":{...}}`).
/// Refused with `SOA_STATUS_OUT_OF_WRITE_SCOPE` while the mailbox's Exchange attributes are
/// mastered on-premises. Through a client, after a failure whose outcome is unknown the
/// mailbox is read back before the change is sent again, so it is never applied twice.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_set_mailbox(
    backend: *const soa_backend,
    identity: *const c_char,
    changes_json: *const c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let identity = str_arg(identity, "identity")?;
        let changes: MailboxChanges =
            json::from_object_str(str_arg(changes_json, "changes_json")?, "changes_json")?;
        b.block_on(b.exchange.set_mailbox(identity, &changes))??;
        Ok(())
    })
}

/// `Set-Mailbox -IsExchangeCloudManaged` (`value` 0 or 1), in a call of its own.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_set_cloud_managed(
    backend: *const soa_backend,
    identity: *const c_char,
    value: i32,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let identity = str_arg(identity, "identity")?;
        let value = flag(value, "value")?;
        b.block_on(b.exchange.set_cloud_managed(identity, value))??;
        Ok(())
    })
}

/// `Get-OrganizationConfig`: writes it as JSON.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_get_organization_config(
    backend: *const soa_backend,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&b.block_on(b.exchange.get_organization_config())??)
    })
}

/// `Set-OrganizationConfig -ExchangeAttributesCloudManagedByDefault` (`enabled` 1) or
/// `-ExchangeAttributesServerManagedByDefault` (`enabled` 0), without the preflight's gate (see
/// `soa_tenant_default_enable` for the guarded form).
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_set_cloud_managed_by_default(
    backend: *const soa_backend,
    enabled: i32,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let enabled = flag(enabled, "enabled")?;
        b.block_on(b.exchange.set_cloud_managed_by_default(enabled))??;
        Ok(())
    })
}

/// Writes the role assignments that grant `cmdlet -parameter` as a JSON array.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_role_assignments(
    backend: *const soa_backend,
    cmdlet: *const c_char,
    parameter: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let cmdlet = str_arg(cmdlet, "cmdlet")?;
        let parameter = str_arg(parameter, "parameter")?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&b.block_on(b.exchange.role_assignments(cmdlet, parameter))??)
    })
}

/// `Search-AdminAuditLog` with `query_json` (an `AuditQuery`; `{}` matches everything); writes
/// the records as a JSON array.
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_search_admin_audit_log(
    backend: *const soa_backend,
    query_json: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let query: AuditQuery =
            json::from_object_str(str_arg(query_json, "query_json")?, "query_json")?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&b.block_on(b.exchange.search_admin_audit_log(&query))??)
    })
}

/// Starts a lazy listing (`Get-Mailbox -ResultSize Unlimited -Filter ...`) of the mailboxes
/// passing `filter_json` (a `MailboxFilter`; `{}` lists all), read with
/// `soa_mailbox_pager_next`. Nothing is read (or, through a client, sent) until the first page
/// is asked for, so a caller without the right learns it then (`SOA_STATUS_ACCESS_DENIED`).
#[unsafe(no_mangle)]
pub extern "C" fn soa_backend_list_mailboxes(
    backend: *const soa_backend,
    filter_json: *const c_char,
    out: *mut *mut soa_mailbox_pager,
) -> soa_status {
    boundary(|| {
        let b = self::backend(backend)?;
        let filter: MailboxFilter =
            json::from_object_str(str_arg(filter_json, "filter_json")?, "filter_json")?;
        let out = Out::new(out, "out")?;
        out.write_boxed(soa_mailbox_pager::new(
            b.exchange.list_mailboxes(filter),
            Arc::clone(&b.runtime),
        ));
        Ok(())
    })
}
