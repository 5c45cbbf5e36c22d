//! `soa_emulator`: the HTTP emulator of the Exchange Online `InvokeCommand` gateway and of the
//! Entra token endpoint, serving a simulated organization on loopback, as an opaque handle.
//!
//! The emulator runs on a runtime of its own (two worker threads) from `soa_emulator_start` to
//! `soa_emulator_stop` (or `soa_emulator_free`), so a `soa_client` in the same process reaches it
//! over real sockets.

use std::ffi::c_char;

use soa_core::sim::emulator::{Emulator, EmulatorOptions, Faults, RegisteredApp};

use crate::ffi::{
    Failure, Out, boundary, free_boxed, opt_str_arg, ref_arg, secret_json_arg, str_arg,
};
use crate::sim::{org, soa_sim};
use crate::status::soa_status;

/// A running (or stopped) emulator. Safe to use from several threads. Release with
/// `soa_emulator_free`, which also stops it.
pub struct soa_emulator {
    emulator: Emulator,
}

fn emulator<'a>(emulator: *const soa_emulator) -> Result<&'a Emulator, Failure> {
    ref_arg(emulator, "emulator").map(|e| &e.emulator)
}

/// Starts an emulator serving the organization of `sim` on `127.0.0.1` and writes it to
/// `*out`. Tokens act as their principal in that organization, so its roles, write-scope rule
/// and audit log apply; changes made through the emulator are seen through `sim` and the other
/// way round.
///
/// `options_json` (NULL for the defaults) is an `EmulatorOptions`: `{"port":0,"apps":[{"client_id":
/// "...","secret":"...","principal":"admin@contoso.com"}],"max_page_size":1000,"faults":{...},
/// "seed":0,"token_lifetime":3600,"tenant_id":"..."}`, every field optional (`port` 0 picks a
/// free one; `faults` as in `soa_emulator_set_faults`). Messages about it never quote a value
/// (the apps' secrets are in it).
///
/// Must not be called from inside a tokio runtime (the library's own calls never are).
#[unsafe(no_mangle)]
pub extern "C" fn soa_emulator_start(
    sim: *const soa_sim,
    options_json: *const c_char,
    out: *mut *mut soa_emulator,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        let options: EmulatorOptions = match opt_str_arg(options_json, "options_json")? {
            Some(text) => secret_json_arg(text, "options_json")?,
            None => EmulatorOptions::default(),
        };
        let out = Out::new(out, "out")?;
        // start_blocking makes a runtime of its own, which cannot happen inside another.
        crate::ffi::refuse_nesting()?;
        let emulator = Emulator::start_blocking(org.clone(), options)?;
        out.write_boxed(soa_emulator { emulator });
        Ok(())
    })
}

/// Writes the emulator's base URL, `http://127.0.0.1:PORT`: the `exchange` and the `login` URL
/// of a custom cloud for `soa_client_connect`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_emulator_base_url(
    emulator: *const soa_emulator,
    out: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let e = self::emulator(emulator)?;
        Out::new(out, "out")?.write_string(e.base_url().to_owned())
    })
}

/// Writes the tenant's domain (`contoso.com`), accepted as the tenant by `soa_client_connect`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_emulator_tenant(
    emulator: *const soa_emulator,
    out: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let e = self::emulator(emulator)?;
        Out::new(out, "out")?.write_string(e.tenant().to_owned())
    })
}

/// Writes the tenant id (GUID-shaped), also accepted as the tenant.
#[unsafe(no_mangle)]
pub extern "C" fn soa_emulator_tenant_id(
    emulator: *const soa_emulator,
    out: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let e = self::emulator(emulator)?;
        Out::new(out, "out")?.write_string(e.tenant_id().to_owned())
    })
}

/// Issues an access token acting as `principal` (delegated access, or a token the caller
/// brings) and writes it to `*out_token`: the `token` of a `{"kind":"token"}` credential. It is
/// a secret: release it with `soa_string_free` as soon as it is used.
#[unsafe(no_mangle)]
pub extern "C" fn soa_emulator_issue_token(
    emulator: *const soa_emulator,
    principal: *const c_char,
    out_token: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let e = self::emulator(emulator)?;
        let principal = str_arg(principal, "principal")?;
        let out = Out::new(out_token, "out_token")?;
        out.write_string(e.issue_token(principal))
    })
}

/// Registers (or replaces, by client id) an application: `app_json` is a `RegisteredApp`,
/// `{"client_id":"...","secret":"..." or null (certificate sign-in only),"principal":"..."}`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_emulator_register_app(
    emulator: *const soa_emulator,
    app_json: *const c_char,
) -> soa_status {
    boundary(|| {
        let e = self::emulator(emulator)?;
        let app: RegisteredApp = secret_json_arg(str_arg(app_json, "app_json")?, "app_json")?;
        e.register_app(app)?;
        Ok(())
    })
}

/// Replaces the injected faults, effective for the next request. `faults_json` is a `Faults`:
/// `{"throttle":{"rate":5.0,"burst":2},"latency":0.05,"unavailable_rate":0.1,
/// "drop_before_rate":0,"drop_after_apply_rate":0,"transient_error_rate":0,
/// "nul_forbidden_rate":0,"applied_but_error_rate":0,"claims_challenge":false}` (every field
/// optional; `{}` turns every fault off; `latency` in seconds).
#[unsafe(no_mangle)]
pub extern "C" fn soa_emulator_set_faults(
    emulator: *const soa_emulator,
    faults_json: *const c_char,
) -> soa_status {
    boundary(|| {
        let e = self::emulator(emulator)?;
        let faults: Faults =
            soa_core::json::from_object_str(str_arg(faults_json, "faults_json")?, "faults_json")?;
        e.set_faults(faults)?;
        Ok(())
    })
}

/// Writes what the emulator served so far (`Stats`) as JSON: `{"requests":N,"token_requests":N,
/// "tokens_issued":N,"invoke_requests":N,"unauthorized":N,"by_cmdlet":{"Get-Mailbox":N,...},
/// "by_status":{"200":N,...},"faults":{"throttled":N,...}}`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_emulator_stats(
    emulator: *const soa_emulator,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let e = self::emulator(emulator)?;
        Out::new(out_json, "out_json")?.write_json(&e.stats())
    })
}

/// Stops the emulator: it stops accepting, closes every connection and frees its port (waiting
/// at most a few seconds). Idempotent; the handle stays valid (its URL and counters can still be
/// read) until `soa_emulator_free`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_emulator_stop(emulator: *const soa_emulator) -> soa_status {
    boundary(|| {
        let e = self::emulator(emulator)?;
        crate::ffi::refuse_nesting()?;
        e.shutdown_blocking();
        Ok(())
    })
}

/// Stops the emulator if it still runs and releases it. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn soa_emulator_free(emulator: *mut soa_emulator) {
    free_boxed(emulator);
}
