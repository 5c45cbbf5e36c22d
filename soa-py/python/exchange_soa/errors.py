"""The exceptions of exchange-soa.

Every error of the library is a :class:`SoaError`. There is one subclass per kind of error of
the Rust core (``soa_core::ErrorKind``); the native module raises them with the core's message,
which names the offending input and what is wrong with it.

Errors caused by bad input also derive from :class:`ValueError` (and an unknown attribute name
from :class:`KeyError`, so that ``catalog[name]`` behaves like a mapping), and a missing object
from :class:`LookupError`, so code that already catches the built-in exceptions keeps working.
Refusals by Exchange Online are :class:`ExchangeError`; refusals by the library's own safety rules
(no ticket, over the batch cap, a rollback that would lose cloud edits) are :class:`RefusedError`.
Failures talking to Exchange Online are :class:`ThrottledError`, :class:`TransportError` (also a
:class:`ConnectionError`), :class:`AuthError` and :class:`HttpError`. File errors derive from :class:`OSError` and
carry ``errno``, ``strerror`` and ``filename``; a missing file is also a
:class:`FileNotFoundError`, a refused one a :class:`PermissionError`.

The classes are defined here, in Python, because several of them have two built-in bases,
which ``pyo3::create_exception!`` cannot express; the native module looks each class up once.
"""

from __future__ import annotations

__all__ = [
    "SoaError",
    "InvalidProxyAddressError",
    "InvalidSmtpAddressError",
    "InvalidVersionError",
    "InvalidRecipientTypeError",
    "UnknownAttributeError",
    "InvalidCatalogError",
    "InvalidInputError",
    "InvalidJsonError",
    "NotFoundError",
    "AccessDeniedError",
    "ExchangeError",
    "OutOfWriteScopeError",
    "SoaIOError",
    "SoaFileNotFoundError",
    "SoaPermissionError",
    "SoaIsADirectoryError",
    "RefusedError",
    "ThrottledError",
    "TransportError",
    "AuthError",
    "HttpError",
]


class SoaError(Exception):
    """Base class of every error raised by exchange-soa."""


class InvalidProxyAddressError(SoaError, ValueError):
    """A proxy address (``SMTP:alice@contoso.com``) is malformed, or a set of them breaks a
    rule (no or two primary SMTP addresses, a duplicate)."""


class InvalidSmtpAddressError(SoaError, ValueError):
    """An SMTP address is malformed."""


class InvalidVersionError(SoaError, ValueError):
    """A four-part version such as ``2.5.190.0`` could not be parsed."""


class InvalidRecipientTypeError(SoaError, ValueError):
    """A recipient type name could not be parsed."""


class UnknownAttributeError(SoaError, KeyError, ValueError):
    """An attribute name is not in the catalog (by LDAP, Exchange Online, parameter or Graph
    name)."""

    # KeyError's str() is the repr of the key; keep the plain message instead.
    __str__ = BaseException.__str__


class InvalidCatalogError(SoaError, ValueError):
    """The attribute catalog, or an override file applied to it, is inconsistent."""


class InvalidInputError(SoaError, ValueError):
    """A value handed to the library is not acceptable for what it is used for."""


class InvalidJsonError(SoaError, ValueError):
    """A JSON document could not be parsed into the expected shape."""


class NotFoundError(SoaError, LookupError):
    """An object (a mailbox, a user, an AD account) does not exist.

    ``what`` names the kind of object (``"mailbox"``, ``"user"``, ``"AD user"``) and
    ``identity`` the identity that was looked up.
    """

    what: str | None = None
    identity: str | None = None


class AccessDeniedError(SoaError):
    """The caller holds no role that allows the operation.

    ``principal`` is the caller, ``cmdlet`` and ``parameter`` what was not granted.
    """

    principal: str | None = None
    cmdlet: str | None = None
    parameter: str | None = None


class ExchangeError(SoaError):
    """Exchange Online refused an operation; the message is the service's.

    ``cmdlet`` is the cmdlet that failed.
    """

    cmdlet: str | None = None


class OutOfWriteScopeError(ExchangeError):
    """Exchange Online refused to change an attribute that is mastered on-premises (the
    mailbox is dir-synced and not cloud-managed). ``str()`` is the message admins see.

    ``identity`` is the mailbox, ``cmdlet`` and ``parameter`` the refused change.
    """

    identity: str | None = None
    parameter: str | None = None


class SoaIOError(SoaError, OSError):
    """A file could not be read or written.

    ``errno`` is the operating system's error number (``None`` when there is none),
    ``filename`` the file, and ``str()`` the library's message, which says what was being done.
    """

    def __str__(self) -> str:
        if self.strerror is not None:
            return str(self.strerror)
        return super().__str__()


class SoaFileNotFoundError(SoaIOError, FileNotFoundError):
    """A file to read does not exist."""


class SoaPermissionError(SoaIOError, PermissionError):
    """The operating system refused access to a file."""


class SoaIsADirectoryError(SoaIOError, IsADirectoryError):
    """A directory was given where a file was expected."""


class RefusedError(SoaError):
    """The library refused an operation because one of its safety rules forbids it: no change
    ticket, more mailboxes than the batch cap, a blocking preflight finding, a rollback that
    would lose cloud edits without acknowledgment, the tenant-wide default while on-premises
    provisioning is in use.

    ``operation`` is what was refused and ``reason`` why, with what to do.
    """

    operation: str | None = None
    reason: str | None = None


class ThrottledError(SoaError):
    """Exchange Online kept throttling (``429``) after every retry the policy allows.

    ``retry_after`` is the server's last hint in seconds, or ``None``.
    """

    retry_after: float | None = None


class TransportError(SoaError, ConnectionError):
    """The connection to the service failed: refused, reset, timed out, TLS.

    ``host`` is the host that could not be reached (never the full URL). ``errno`` is ``None``.
    """

    host: str | None = None


class AuthError(SoaError):
    """Authentication failed: no token could be obtained, or the service refused it. The
    message never holds the secret."""


class HttpError(SoaError):
    """Exchange Online answered with an HTTP error that maps to no other exception.

    ``status`` is the HTTP status and ``code`` the error code of the body, if any.
    """

    status: int | None = None
    code: str | None = None
