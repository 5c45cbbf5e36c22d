//! Rust-side checks of the C ABI's promises that the C and C# suites (tests/run.sh) also cover,
//! here so that `cargo test -p soa-ffi` alone proves them: secrets stay out of messages, the
//! progress callback runs on the calling thread, a nested call is refused, and out-parameters
//! are left alone on failure.
#![allow(unsafe_code, clippy::unwrap_used)]

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;
use std::thread::ThreadId;

use soa_ffi::*;

fn c(text: &str) -> CString {
    CString::new(text).unwrap()
}

/// Takes a string the library returned.
fn take(ptr: *mut c_char) -> String {
    assert!(!ptr.is_null());
    // SAFETY: a non-NULL string from the library, released right after.
    let text = unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_owned();
    soa_string_free(ptr);
    text
}

fn last_error() -> String {
    take(soa_last_error())
}

/// A simulated organization with alice synced and licensed, and its clock a day later.
fn alice_org() -> *mut soa_sim {
    let mut sim = ptr::null_mut();
    assert_eq!(
        soa_sim_new(c("contoso.com").as_ptr(), &raw mut sim),
        soa_status::Ok
    );
    let user = c(
        r#"{"user_principal_name":"alice@contoso.com","remote_mailbox":"RemoteUserMailbox","attributes":{"displayName":"Alice"}}"#,
    );
    let mut out = ptr::null_mut();
    assert_eq!(
        soa_sim_add_ad_user(sim, user.as_ptr(), &raw mut out),
        soa_status::Ok
    );
    take(out);
    assert_eq!(soa_sim_sync_cycle(sim, &raw mut out), soa_status::Ok);
    take(out);
    let alice = c("alice@contoso.com");
    assert_eq!(soa_sim_assign_license(sim, alice.as_ptr()), soa_status::Ok);
    assert_eq!(soa_sim_advance(sim, 25 * 60, &raw mut out), soa_status::Ok);
    take(out);
    sim
}

#[test]
fn credential_messages_never_quote_a_value() {
    let tenant = c("contoso.onmicrosoft.com");
    let cloud = c("commercial");
    for (credential, secret) in [
        (
            r#"{"kind":"secret","client_id":"app","secret":4242424242}"#,
            "4242424242",
        ),
        (
            r#"{"kind":"secret","client_id":"app","secret":["Hidden-Value-1"]}"#,
            "Hidden-Value-1",
        ),
        (
            r#"{"kind":"token","token":{"v":"Hidden-Value-2"}}"#,
            "Hidden-Value-2",
        ),
        (
            r#"{"kind":"secret","client_id":"app","secret":"Hidden-Value-3""#,
            "Hidden-Value-3",
        ),
    ] {
        let mut client = ptr::null_mut();
        let status = soa_client_connect(
            tenant.as_ptr(),
            cloud.as_ptr(),
            c(credential).as_ptr(),
            ptr::null(),
            &raw mut client,
        );
        assert_eq!(status, soa_status::InvalidJson, "{credential}");
        assert!(client.is_null());
        let message = last_error();
        assert!(message.contains("credential_json"), "{message}");
        assert!(!message.contains(secret), "{message}");
    }
    // What is missing or unknown is named.
    let mut client = ptr::null_mut();
    let status = soa_client_connect(
        tenant.as_ptr(),
        cloud.as_ptr(),
        c(r#"{"kind":"secret","client_id":"app"}"#).as_ptr(),
        ptr::null(),
        &raw mut client,
    );
    assert_eq!(status, soa_status::InvalidJson);
    assert!(last_error().contains("missing field `secret`"));
}

struct Seen {
    thread: ThreadId,
    events: Vec<String>,
    other_thread: bool,
    nested: Vec<soa_status>,
    backend: *const soa_backend,
}

unsafe extern "C" fn record(event_json: *const c_char, user_data: *mut c_void) {
    // SAFETY: `user_data` is the `Seen` the test passed; the callback runs during the call.
    let seen = unsafe { &mut *user_data.cast::<Seen>() };
    seen.other_thread |= std::thread::current().id() != seen.thread;
    // SAFETY: the library passes a NUL-terminated string valid for the call.
    let event = unsafe { CStr::from_ptr(event_json) };
    seen.events.push(event.to_str().unwrap().to_owned());
    // Calling back into the library from the callback is refused, not a panic or a deadlock.
    let mut out = ptr::null_mut();
    seen.nested.push(soa_backend_get_mailbox(
        seen.backend,
        c("alice").as_ptr(),
        &raw mut out,
    ));
    assert!(out.is_null());
}

#[test]
fn progress_runs_on_the_calling_thread_and_nesting_is_refused() {
    let sim = alice_org();
    let mut backend = ptr::null_mut();
    assert_eq!(soa_backend_from_sim(sim, &raw mut backend), soa_status::Ok);
    let mut session = ptr::null_mut();
    assert_eq!(
        soa_session_new(
            backend,
            ptr::null(),
            ptr::null(),
            ptr::null(),
            &raw mut session
        ),
        soa_status::Ok
    );
    let mut plan = ptr::null_mut();
    assert_eq!(
        soa_transfer_plan(
            session,
            c(r#"{"identities":["alice@contoso.com"]}"#).as_ptr(),
            c(r#"{"ticket":"CHG-RS"}"#).as_ptr(),
            c("{}").as_ptr(),
            &raw mut plan,
        ),
        soa_status::Ok,
        "{}",
        last_error()
    );
    let plan = take(plan);
    let dir = std::env::temp_dir().join(format!("soa-ffi-abi-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut seen = Seen {
        thread: std::thread::current().id(),
        events: Vec::new(),
        other_thread: false,
        nested: Vec::new(),
        backend,
    };
    let mut report = ptr::null_mut();
    let status = soa_transfer_run(
        session,
        c(&plan).as_ptr(),
        c(dir.to_str().unwrap()).as_ptr(),
        ptr::null(),
        Some(record),
        (&raw mut seen).cast(),
        &raw mut report,
    );
    assert_eq!(status, soa_status::Ok);
    let report = take(report);
    assert!(report.contains(r#""step":"verified""#), "{report}");
    assert!(!seen.other_thread, "the callback ran on another thread");
    assert!(seen.events.len() >= 4, "{:?}", seen.events);
    assert!(
        seen.events
            .last()
            .unwrap()
            .contains(r#""done":1,"total":1"#)
    );
    assert!(
        seen.nested.iter().all(|s| *s == soa_status::Reentrant),
        "{:?}",
        seen.nested
    );
    // After the run, the library is usable again on this thread.
    let mut mailbox = ptr::null_mut();
    assert_eq!(
        soa_backend_get_mailbox(backend, c("alice").as_ptr(), &raw mut mailbox),
        soa_status::Ok
    );
    assert!(take(mailbox).contains(r#""IsExchangeCloudManaged":true"#));
    let _ = std::fs::remove_dir_all(&dir);
    soa_session_free(session);
    soa_backend_free(backend);
    soa_sim_free(sim);
}

#[test]
fn failures_leave_out_parameters_alone() {
    let sim = alice_org();
    let mut backend = ptr::null_mut();
    assert_eq!(soa_backend_from_sim(sim, &raw mut backend), soa_status::Ok);
    let mut session = ptr::null_mut();
    assert_eq!(
        soa_session_new(
            backend,
            ptr::null(),
            ptr::null(),
            ptr::null(),
            &raw mut session
        ),
        soa_status::Ok
    );
    let sentinel = ptr::dangling_mut::<c_char>();
    let mut out = sentinel;
    // The safe defaults require a ticket.
    let status = soa_transfer_plan(
        session,
        c(r#"{"identities":["alice@contoso.com"]}"#).as_ptr(),
        c("{}").as_ptr(),
        c("{}").as_ptr(),
        &raw mut out,
    );
    assert_eq!(status, soa_status::Refused);
    assert_eq!(out, sentinel);
    assert!(last_error().contains("ticket"));
    let mut emulator = ptr::dangling_mut::<soa_emulator>();
    assert_eq!(
        soa_emulator_start(sim, c(r#"{"max_page_size":0}"#).as_ptr(), &raw mut emulator),
        soa_status::InvalidInput
    );
    assert_eq!(emulator, ptr::dangling_mut::<soa_emulator>());
    // SAFETY: soa_status_name returns a static NUL-terminated string.
    let name = unsafe { CStr::from_ptr(soa_status_name(soa_status::Reentrant as i32)) };
    assert_eq!(name, c"SOA_STATUS_REENTRANT");
    // An explicit empty actor is refused, and the session is left alone.
    let mut none = ptr::dangling_mut::<soa_session>();
    assert_eq!(
        soa_session_new(
            backend,
            ptr::null(),
            ptr::null(),
            c("").as_ptr(),
            &raw mut none
        ),
        soa_status::InvalidInput
    );
    assert_eq!(none, ptr::dangling_mut::<soa_session>());
    soa_session_free(session);
    soa_backend_free(backend);
    soa_sim_free(sim);
}
