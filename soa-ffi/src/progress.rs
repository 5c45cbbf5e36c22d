//! The progress callback of the long-running calls (`soa_transfer_run`, `soa_transfer_resume`,
//! `soa_reconcile_live`): a C function pointer and its `user_data`, handed each event as JSON.

use std::ffi::{CString, c_char, c_void};
use std::sync::Arc;
use std::thread::ThreadId;

use serde::Serialize;
use soa_core::json;

/// The progress callback: called with one event as JSON and the caller's `user_data`. The JSON
/// is borrowed for the call only. The callback is called on the thread that called the library
/// function, before it returns; it must not unwind (no C++ exception, no longjmp) and must not
/// call back into the library (such a call returns `SOA_STATUS_REENTRANT`).
///
/// The events are the serde shape of the core's event type: a transfer's `ProgressEvent`
/// (`{"identity":"ann@contoso.com","step":"verified","done":3,"total":10}`; steps: `planned`,
/// `backed_up`, `flip_sent`, `verified`, `failed`, `probe_ok`, `probe_failed`, `rolled_back`),
/// or a reconciliation's `ReconcileProgress` (`{"phase":"cloud","records":1000,"bytes":0,
/// "total_bytes":null}`).
pub type soa_progress_fn =
    Option<unsafe extern "C" fn(event_json: *const c_char, user_data: *mut c_void)>;

/// A C callback with its `user_data`, called only on the thread that made it.
struct Relay {
    callback: unsafe extern "C" fn(*const c_char, *mut c_void),
    user_data: *mut c_void,
    thread: ThreadId,
}

// SAFETY: the core wants a `Send + Sync` callback, but this one is only ever invoked on the
// thread that made it (checked in `call`): the future runs inside `block_on` on the calling
// thread (the current-thread runtime never moves it to a worker), and the callback is dropped
// before the library function returns. `user_data` is therefore never touched from another
// thread.
unsafe impl Send for Relay {}
// SAFETY: as above.
unsafe impl Sync for Relay {}

impl Relay {
    fn call<E: Serialize>(&self, event: &E) {
        if std::thread::current().id() != self.thread {
            return;
        }
        let Ok(text) = json::to_string(event) else {
            return;
        };
        let Ok(text) = CString::new(text) else {
            return;
        };
        // SAFETY: the caller gave a function with this signature; the string lives for the
        // call. A C callback cannot unwind into Rust (it would abort, which the contract rules
        // out).
        unsafe { (self.callback)(text.as_ptr(), self.user_data) };
    }
}

/// A core progress callback of events `E`: `ProgressFn` (transfer) or `ReconcileProgressFn`.
pub(crate) type CoreCallback<E> = Arc<dyn Fn(&E) + Send + Sync>;

/// The core callback that hands each event to `callback`, or `None` when the caller gave no
/// callback.
pub(crate) fn relay<E: Serialize + 'static>(
    callback: soa_progress_fn,
    user_data: *mut c_void,
) -> Option<CoreCallback<E>> {
    let relay = Relay {
        callback: callback?,
        user_data,
        thread: std::thread::current().id(),
    };
    Some(Arc::new(move |event: &E| relay.call(event)))
}
