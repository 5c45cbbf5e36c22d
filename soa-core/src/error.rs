//! The one error type of the library.
//!
//! Every fallible function in `soa_core` returns [`Result<T>`]. The variants are coarse and
//! carry what a person needs to fix the input: the offending value and what is wrong with it.
//! [`Error::kind`] gives a stable, data-free classification that the Python and C front ends
//! map to an exception class or a status code.

use std::path::PathBuf;

/// Result alias used throughout `soa_core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `soa_core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A proxy address (an entry of `proxyAddresses` / `EmailAddresses`) is malformed, or a set
    /// of them breaks a rule (two primaries, a duplicate).
    #[error("invalid proxy address {input:?}: {reason}")]
    InvalidProxyAddress {
        /// The text that was rejected.
        input: String,
        /// What is wrong with it.
        reason: String,
    },

    /// An SMTP address is malformed.
    #[error("invalid SMTP address {input:?}: {reason}")]
    InvalidSmtpAddress {
        /// The text that was rejected.
        input: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A four-part product version (such as `2.5.190.0`) could not be parsed.
    #[error("invalid version {input:?}: {reason}")]
    InvalidVersion {
        /// The text that was rejected.
        input: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A recipient type name could not be parsed.
    #[error("invalid recipient type {input:?}: {reason}")]
    InvalidRecipientType {
        /// The text that was rejected.
        input: String,
        /// What is wrong with it.
        reason: String,
    },

    /// An attribute name is not in the catalog.
    #[error(
        "unknown attribute {name:?}: not an LDAP name, Exchange Online property, Set-Mailbox parameter or Graph name in the catalog"
    )]
    UnknownAttribute {
        /// The name that was looked up.
        name: String,
    },

    /// The attribute catalog (built-in table or a user override) is inconsistent.
    #[error("invalid catalog {origin}: {reason}")]
    InvalidCatalog {
        /// Where the table came from: `built-in table` or the override file's name.
        origin: String,
        /// What is wrong, naming the row.
        reason: String,
    },

    /// A value handed to the library is not acceptable for what it is used for.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// What the value is (for example `attribute value for CustomAttribute1`).
        what: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A JSON document could not be parsed into the expected shape.
    #[error("invalid JSON in {context}: {source}")]
    Json {
        /// What was being read (a file name, or a description of the value).
        context: String,
        /// The parser's error, with line and column.
        #[source]
        source: serde_json::Error,
    },

    /// An object (mailbox, user, AD account) does not exist.
    #[error("{what} {identity:?} was not found")]
    NotFound {
        /// What was looked for (`mailbox`, `user`, `AD user`).
        what: &'static str,
        /// The identity that was looked up.
        identity: String,
    },

    /// The caller holds no role that allows the operation.
    #[error("access denied: {principal:?} holds no role that grants {cmdlet} -{parameter}")]
    AccessDenied {
        /// Who called.
        principal: String,
        /// The cmdlet.
        cmdlet: String,
        /// The parameter that was not granted.
        parameter: String,
    },

    /// Exchange Online refused to change an attribute that is mastered on-premises: the
    /// mailbox is dir-synced and not cloud-managed. The message is the one admins see.
    #[error("{message}")]
    OutOfWriteScope {
        /// The mailbox.
        identity: String,
        /// The cmdlet.
        cmdlet: String,
        /// The refused parameter.
        parameter: String,
        /// The service's message.
        message: String,
    },

    /// Exchange Online refused an operation for another reason (an ineligible recipient, an
    /// identity attribute, a parameter combination the cmdlet does not accept, ...).
    #[error("{cmdlet} failed: {message}")]
    Exchange {
        /// The cmdlet.
        cmdlet: String,
        /// The service's message.
        message: String,
    },

    /// The library refused an operation because one of its safety rules forbids it (no ticket,
    /// over the batch cap, a blocking preflight finding, a rollback that would lose edits
    /// without acknowledgment, the tenant default while on-premises provisioning is in use).
    #[error("refused to {operation}: {reason}")]
    Refused {
        /// What was refused.
        operation: String,
        /// Why, and what to do.
        reason: String,
    },

    /// Exchange Online kept throttling after every retry the policy allows.
    #[error("throttled by Exchange Online: {message}")]
    Throttled {
        /// The server's last hint, in seconds, if it gave one.
        retry_after_secs: Option<f64>,
        /// What happened.
        message: String,
    },

    /// The connection to the service failed (refused, reset, timed out, TLS).
    #[error("cannot reach {host}: {message}")]
    Transport {
        /// The host (never the full URL, which could carry a token).
        host: String,
        /// What went wrong.
        message: String,
    },

    /// Authentication failed: no token could be obtained, or the service refused it.
    #[error("authentication failed: {message}")]
    Auth {
        /// What went wrong (never the secret).
        message: String,
    },

    /// The gateway answered with an HTTP error that maps to no other kind.
    #[error("Exchange Online answered HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Http {
        /// The HTTP status.
        status: u16,
        /// The error code of the body, if any.
        code: Option<String>,
        /// The message, from the body or the `x-ms-diagnostics` header.
        message: String,
    },

    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, ...).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// A stable, data-free classification of an [`Error`].
///
/// The bindings map each kind to one exception class (Python) or status code (C ABI); new kinds
/// are only ever added, never renumbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::InvalidProxyAddress`].
    InvalidProxyAddress,
    /// [`Error::InvalidSmtpAddress`].
    InvalidSmtpAddress,
    /// [`Error::InvalidVersion`].
    InvalidVersion,
    /// [`Error::InvalidRecipientType`].
    InvalidRecipientType,
    /// [`Error::UnknownAttribute`].
    UnknownAttribute,
    /// [`Error::InvalidCatalog`].
    InvalidCatalog,
    /// [`Error::InvalidInput`].
    InvalidInput,
    /// [`Error::Json`].
    Json,
    /// [`Error::Io`].
    Io,
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::AccessDenied`].
    AccessDenied,
    /// [`Error::OutOfWriteScope`].
    OutOfWriteScope,
    /// [`Error::Exchange`].
    Exchange,
    /// [`Error::Refused`].
    Refused,
    /// [`Error::Throttled`].
    Throttled,
    /// [`Error::Transport`].
    Transport,
    /// [`Error::Auth`].
    Auth,
    /// [`Error::Http`].
    Http,
}

impl Error {
    /// The kind of this error, for mapping to exception classes and status codes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidProxyAddress { .. } => ErrorKind::InvalidProxyAddress,
            Error::InvalidSmtpAddress { .. } => ErrorKind::InvalidSmtpAddress,
            Error::InvalidVersion { .. } => ErrorKind::InvalidVersion,
            Error::InvalidRecipientType { .. } => ErrorKind::InvalidRecipientType,
            Error::UnknownAttribute { .. } => ErrorKind::UnknownAttribute,
            Error::InvalidCatalog { .. } => ErrorKind::InvalidCatalog,
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::Json { .. } => ErrorKind::Json,
            Error::Io { .. } => ErrorKind::Io,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::AccessDenied { .. } => ErrorKind::AccessDenied,
            Error::OutOfWriteScope { .. } => ErrorKind::OutOfWriteScope,
            Error::Exchange { .. } => ErrorKind::Exchange,
            Error::Refused { .. } => ErrorKind::Refused,
            Error::Throttled { .. } => ErrorKind::Throttled,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Auth { .. } => ErrorKind::Auth,
            Error::Http { .. } => ErrorKind::Http,
        }
    }

    /// Whether the error was caused by bad input from the caller (as opposed to the
    /// environment or the service). The Python binding derives these exceptions from
    /// `ValueError`.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::InvalidProxyAddress
                | ErrorKind::InvalidSmtpAddress
                | ErrorKind::InvalidVersion
                | ErrorKind::InvalidRecipientType
                | ErrorKind::UnknownAttribute
                | ErrorKind::InvalidCatalog
                | ErrorKind::InvalidInput
                | ErrorKind::Json
        )
    }

    /// An [`Error::InvalidInput`] naming `what` and why.
    pub fn invalid_input(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            what: what.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn json(context: impl Into<String>, source: serde_json::Error) -> Self {
        Error::Json {
            context: context.into(),
            source,
        }
    }
}
