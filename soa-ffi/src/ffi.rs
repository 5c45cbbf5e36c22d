//! The plumbing every export shares: the panic boundary, argument checks, output writing and the
//! thread-local last error.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::status::soa_status;

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Why a call failed, before it becomes a status code and a message.
pub(crate) enum Failure {
    /// A required pointer was NULL; names the parameter.
    Null(&'static str),
    /// A string parameter was not UTF-8; names the parameter and the byte offset.
    Utf8(&'static str, usize),
    /// The core refused.
    Core(soa_core::Error),
    /// A status and message made here (for messages that must not quote their input).
    Status(soa_status, String),
}

impl From<soa_core::Error> for Failure {
    fn from(e: soa_core::Error) -> Self {
        Failure::Core(e)
    }
}

impl Failure {
    fn into_status(self) -> soa_status {
        let (status, message) = match self {
            Failure::Null(name) => (
                soa_status::NullArgument,
                format!("argument `{name}` is NULL"),
            ),
            Failure::Utf8(name, at) => (
                soa_status::InvalidUtf8,
                format!("argument `{name}` is not valid UTF-8 (invalid byte at offset {at})"),
            ),
            Failure::Core(e) => (soa_status::from(e.kind()), e.to_string()),
            Failure::Status(status, message) => (status, message),
        };
        set_last_error(message);
        status
    }
}

/// The body of an export: `Ok(())` once the out-parameters are written.
pub(crate) type Outcome = Result<(), Failure>;

fn set_last_error(message: String) {
    // A message with an interior NUL is cut there rather than lost.
    let message = CString::new(message).unwrap_or_else(|e| {
        let at = e.nul_position();
        let mut bytes = e.into_vec();
        bytes.truncate(at);
        CString::new(bytes).unwrap_or_default()
    });
    LAST_ERROR.with(|slot| *slot.borrow_mut() = Some(message));
}

/// Runs `body`, turning a failure into its status code (with the message kept as the thread's
/// last error) and a panic into [`soa_status::Panic`].
pub(crate) fn boundary(body: impl FnOnce() -> Outcome) -> soa_status {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = None);
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => soa_status::Ok,
        Ok(Err(failure)) => failure.into_status(),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_owned());
            set_last_error(format!("internal error (panic): {what}"));
            soa_status::Panic
        }
    }
}

/// Runs `future` to completion on `runtime`, on the calling thread.
///
/// Refused with `SOA_STATUS_REENTRANT` when the thread is already inside a tokio runtime: a
/// progress callback calling back into the library while the call that made it is running, or
/// async Rust code calling the C ABI. Blocking there would panic (or deadlock); the nested call
/// does nothing instead.
pub(crate) fn block_on<F: Future>(
    runtime: &tokio::runtime::Runtime,
    future: F,
) -> Result<F::Output, Failure> {
    refuse_nesting()?;
    Ok(runtime.block_on(future))
}

/// `SOA_STATUS_REENTRANT` when the calling thread is inside a tokio runtime (see [`block_on`]).
pub(crate) fn refuse_nesting() -> Result<(), Failure> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Failure::Status(
            soa_status::Reentrant,
            "called from inside a running call (a progress callback calling back into the library, or async code): the library blocks on its own runtime and cannot nest; make the call after the running one returns".to_owned(),
        ));
    }
    Ok(())
}

/// Borrows a required NUL-terminated UTF-8 string argument.
pub(crate) fn str_arg<'a>(ptr: *const c_char, name: &'static str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::Null(name));
    }
    // SAFETY: the caller guarantees a non-NULL `ptr` points to a NUL-terminated string that
    // outlives the call (the ABI contract).
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes
        .to_str()
        .map_err(|e| Failure::Utf8(name, e.valid_up_to()))
}

/// Borrows an optional string argument: NULL means absent.
pub(crate) fn opt_str_arg<'a>(
    ptr: *const c_char,
    name: &'static str,
) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        Ok(None)
    } else {
        str_arg(ptr, name).map(Some)
    }
}

/// Borrows an optional handle: NULL means absent.
pub(crate) fn opt_ref_arg<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: a non-NULL handle was produced by this library and not yet freed (ABI contract).
    unsafe { ptr.as_ref() }
}

/// Borrows a required handle.
pub(crate) fn ref_arg<'a, T>(ptr: *const T, name: &'static str) -> Result<&'a T, Failure> {
    // SAFETY: a non-NULL handle was produced by this library and not yet freed (ABI contract).
    unsafe { ptr.as_ref() }.ok_or(Failure::Null(name))
}

/// An out-parameter, checked for NULL before any work is done and written only on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    pub(crate) fn new(ptr: *mut T, name: &'static str) -> Result<Self, Failure> {
        if ptr.is_null() {
            Err(Failure::Null(name))
        } else {
            Ok(Out(ptr))
        }
    }

    pub(crate) fn write(self, value: T) {
        // SAFETY: checked non-NULL in `new`; the caller guarantees it is writable.
        unsafe { self.0.write(value) }
    }
}

impl<T> Out<*mut T> {
    /// Moves `value` to the heap and writes the pointer: a handle the caller releases with the
    /// matching `_free` function (which calls [`free_boxed`]).
    pub(crate) fn write_boxed(self, value: T) {
        self.write(Box::into_raw(Box::new(value)));
    }
}

/// Releases a handle made by [`Out::write_boxed`]. NULL is ignored; nothing unwinds out.
pub(crate) fn free_boxed<T>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: a non-NULL handle came from `Box::into_raw` in this library and is released
        // once (ABI contract).
        drop(unsafe { Box::from_raw(ptr) });
    }));
}

/// A failure for an unacceptable value: `SOA_STATUS_INVALID_INPUT` naming `what` and why.
pub(crate) fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Failure {
    Failure::Core(soa_core::Error::invalid_input(what, reason))
}

/// An `int32_t` flag: 0 or 1.
pub(crate) fn flag(value: i32, name: &str) -> Result<bool, Failure> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        v => Err(invalid(name, format!("{v} is not 0 or 1"))),
    }
}

/// Parses a JSON object argument that may carry secrets (credentials, app registrations): on
/// failure the message gives the position and what is missing or unknown, but never a value
/// (serde's "invalid type: string \"...\"" would quote it).
pub(crate) fn secret_json_arg<T: serde::de::DeserializeOwned>(
    text: &str,
    name: &'static str,
) -> Result<T, Failure> {
    if !text.trim_start().starts_with('{') {
        return Err(Failure::Status(
            soa_status::InvalidJson,
            format!("invalid JSON in {name}: expected a JSON object"),
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        let detail = e.to_string();
        let safe = if detail.starts_with("invalid type")
            || detail.starts_with("invalid value")
            || detail.starts_with("invalid length")
        {
            "a value has the wrong type or is out of range (the value is not shown: it may be a secret)"
                .to_owned()
        } else {
            // "missing field `x`", "unknown field `x`, expected ...", "unknown variant `x`, ...",
            // syntax errors ("expected `,` or `}`", "EOF while parsing ..."): names, never values.
            detail
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        Failure::Status(
            soa_status::InvalidJson,
            format!(
                "invalid JSON in {name} at line {} column {}: {safe}",
                e.line(),
                e.column()
            ),
        )
    })
}

impl Out<*mut c_char> {
    /// Writes a library-owned copy of `text`, to be released with `soa_string_free`.
    pub(crate) fn write_string(self, text: String) -> Outcome {
        let owned = CString::new(text).map_err(|e| {
            Failure::Core(soa_core::Error::InvalidInput {
                what: "result string".to_owned(),
                reason: format!("contains a NUL byte at offset {}", e.nul_position()),
            })
        })?;
        self.write(owned.into_raw());
        Ok(())
    }

    /// Serializes `value` as JSON and writes it as a library-owned string.
    pub(crate) fn write_json<V: serde::Serialize + ?Sized>(self, value: &V) -> Outcome {
        self.write_string(soa_core::json::to_string(value)?)
    }
}

/// Releases a string that the library returned. NULL is ignored. Passing any other pointer, or
/// the same pointer twice, is undefined behaviour.
#[unsafe(no_mangle)]
pub extern "C" fn soa_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // A panic cannot happen here, but the boundary keeps the promise for every export.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `s` came from `CString::into_raw` in this library (ABI contract).
        drop(unsafe { CString::from_raw(s) });
    }));
}

/// A copy of the message of the last failed call on this thread, or NULL when the last call
/// succeeded. Release it with `soa_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_last_error() -> *mut c_char {
    catch_unwind(|| LAST_ERROR.with(|slot| slot.borrow().clone()))
        .ok()
        .flatten()
        .map_or(std::ptr::null_mut(), CString::into_raw)
}

/// The library version (`"0.1.0"`), as a static string that must not be freed.
#[unsafe(no_mangle)]
pub extern "C" fn soa_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}

/// Panics inside the boundary, to prove that a panic surfaces as `SOA_STATUS_PANIC` with a
/// message and never unwinds into the caller. For tests of bindings; has no other effect.
///
/// # Panics
///
/// Panics on purpose, always; the panic is caught inside the library and never reaches the
/// caller.
#[unsafe(no_mangle)]
pub extern "C" fn soa_debug_panic() -> soa_status {
    boundary(|| panic!("soa_debug_panic was called"))
}
