"""The exceptions of exchange-soa.

Every error of the library is a :class:`SoaError`. There is one subclass per kind of error of
the Rust core (``soa_core::ErrorKind``); the native module raises them with the core's message,
which names the offending input and what is wrong with it.

Errors caused by bad input also derive from :class:`ValueError` (and an unknown attribute name
from :class:`KeyError`, so that ``catalog[name]`` behaves like a mapping), and a missing object
from :class:`LookupError`, so code that already catches the built-in exceptions keeps working.
Refusals by Exchange Online are :class:`ExchangeError`. File errors derive from :class:`OSError` and
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
