//! Status codes: the return value of every fallible function.

use std::ffi::c_char;

use soa_core::ErrorKind;

/// The result of a call. Values are fixed and grouped by area; they are never renumbered, and a
/// retired value stays reserved.
///
/// - 0: success.
/// - 1–99: misuse of the ABI (NULL, invalid UTF-8, a caught panic, a nested call).
/// - 100–199: bad input (malformed addresses, versions, JSON, unknown names).
/// - 200–299: the environment (files).
/// - 300–399: Exchange Online (or the simulated organization) refused the operation.
/// - 400–499: the library's own safety rules refused the operation.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum soa_status {
    /// Success; out-parameters were written.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// The library panicked; the call had no effect that can be relied on. A bug: please report.
    Panic = 3,
    /// The call was made while another call of the library was running on the same thread (from
    /// a progress callback); it did nothing.
    Reentrant = 4,
    /// An error of a kind this version of the ABI does not name.
    Unknown = 99,
    /// A proxy address, or a set of them, is malformed.
    InvalidProxyAddress = 100,
    /// An SMTP address is malformed.
    InvalidSmtpAddress = 101,
    /// A version string is malformed.
    InvalidVersion = 102,
    /// A recipient type is malformed.
    InvalidRecipientType = 103,
    /// An attribute name is not in the catalog.
    UnknownAttribute = 104,
    /// A catalog override is inconsistent.
    InvalidCatalog = 105,
    /// A value is not acceptable.
    InvalidInput = 106,
    /// A JSON argument is malformed or has the wrong shape.
    InvalidJson = 107,
    /// A file could not be read or written.
    Io = 200,
    /// The mailbox, user or account does not exist.
    NotFound = 300,
    /// The caller holds no role that grants the cmdlet parameter.
    AccessDenied = 301,
    /// The attribute is mastered on-premises: the mailbox is dir-synced and not cloud-managed.
    OutOfWriteScope = 302,
    /// Exchange Online refused the operation for another reason.
    ExchangeRefused = 303,
    /// Exchange Online kept throttling after every allowed retry.
    Throttled = 310,
    /// The service could not be reached.
    Transport = 311,
    /// Authentication failed.
    Auth = 312,
    /// The gateway answered with another HTTP error.
    Http = 313,
    /// A safety rule of the library refused the operation (the message says which and why).
    Refused = 400,
}

impl From<ErrorKind> for soa_status {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidProxyAddress => soa_status::InvalidProxyAddress,
            ErrorKind::InvalidSmtpAddress => soa_status::InvalidSmtpAddress,
            ErrorKind::InvalidVersion => soa_status::InvalidVersion,
            ErrorKind::InvalidRecipientType => soa_status::InvalidRecipientType,
            ErrorKind::UnknownAttribute => soa_status::UnknownAttribute,
            ErrorKind::InvalidCatalog => soa_status::InvalidCatalog,
            ErrorKind::InvalidInput => soa_status::InvalidInput,
            ErrorKind::Json => soa_status::InvalidJson,
            ErrorKind::Io => soa_status::Io,
            ErrorKind::NotFound => soa_status::NotFound,
            ErrorKind::AccessDenied => soa_status::AccessDenied,
            ErrorKind::OutOfWriteScope => soa_status::OutOfWriteScope,
            ErrorKind::Exchange => soa_status::ExchangeRefused,
            ErrorKind::Throttled => soa_status::Throttled,
            ErrorKind::Transport => soa_status::Transport,
            ErrorKind::Auth => soa_status::Auth,
            ErrorKind::Http => soa_status::Http,
            ErrorKind::Refused => soa_status::Refused,
            _ => soa_status::Unknown,
        }
    }
}

impl soa_status {
    fn name(self) -> &'static std::ffi::CStr {
        match self {
            soa_status::Ok => c"SOA_STATUS_OK",
            soa_status::NullArgument => c"SOA_STATUS_NULL_ARGUMENT",
            soa_status::InvalidUtf8 => c"SOA_STATUS_INVALID_UTF8",
            soa_status::Panic => c"SOA_STATUS_PANIC",
            soa_status::Reentrant => c"SOA_STATUS_REENTRANT",
            soa_status::Unknown => c"SOA_STATUS_UNKNOWN",
            soa_status::InvalidProxyAddress => c"SOA_STATUS_INVALID_PROXY_ADDRESS",
            soa_status::InvalidSmtpAddress => c"SOA_STATUS_INVALID_SMTP_ADDRESS",
            soa_status::InvalidVersion => c"SOA_STATUS_INVALID_VERSION",
            soa_status::InvalidRecipientType => c"SOA_STATUS_INVALID_RECIPIENT_TYPE",
            soa_status::UnknownAttribute => c"SOA_STATUS_UNKNOWN_ATTRIBUTE",
            soa_status::InvalidCatalog => c"SOA_STATUS_INVALID_CATALOG",
            soa_status::InvalidInput => c"SOA_STATUS_INVALID_INPUT",
            soa_status::InvalidJson => c"SOA_STATUS_INVALID_JSON",
            soa_status::Io => c"SOA_STATUS_IO",
            soa_status::NotFound => c"SOA_STATUS_NOT_FOUND",
            soa_status::AccessDenied => c"SOA_STATUS_ACCESS_DENIED",
            soa_status::OutOfWriteScope => c"SOA_STATUS_OUT_OF_WRITE_SCOPE",
            soa_status::ExchangeRefused => c"SOA_STATUS_EXCHANGE_REFUSED",
            soa_status::Throttled => c"SOA_STATUS_THROTTLED",
            soa_status::Transport => c"SOA_STATUS_TRANSPORT",
            soa_status::Auth => c"SOA_STATUS_AUTH",
            soa_status::Http => c"SOA_STATUS_HTTP",
            soa_status::Refused => c"SOA_STATUS_REFUSED",
        }
    }
}

/// The name of a status code (`"SOA_STATUS_INVALID_VERSION"`), as a static string that must
/// not be freed. An unknown value gives `"SOA_STATUS_UNKNOWN"`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_status_name(status: i32) -> *const c_char {
    let all = [
        soa_status::Ok,
        soa_status::NullArgument,
        soa_status::InvalidUtf8,
        soa_status::Panic,
        soa_status::Reentrant,
        soa_status::Unknown,
        soa_status::InvalidProxyAddress,
        soa_status::InvalidSmtpAddress,
        soa_status::InvalidVersion,
        soa_status::InvalidRecipientType,
        soa_status::UnknownAttribute,
        soa_status::InvalidCatalog,
        soa_status::InvalidInput,
        soa_status::InvalidJson,
        soa_status::Io,
        soa_status::NotFound,
        soa_status::AccessDenied,
        soa_status::OutOfWriteScope,
        soa_status::ExchangeRefused,
        soa_status::Throttled,
        soa_status::Transport,
        soa_status::Auth,
        soa_status::Http,
        soa_status::Refused,
    ];
    all.iter()
        .find(|s| **s as i32 == status)
        .copied()
        .unwrap_or(soa_status::Unknown)
        .name()
        .as_ptr()
}
