"""The exception hierarchy: one class per core error kind, mapped to the built-in bases."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

import pytest

import exchange_soa as soa
from exchange_soa import errors

BAD_INPUT = [
    soa.InvalidProxyAddressError,
    soa.InvalidSmtpAddressError,
    soa.InvalidVersionError,
    soa.InvalidRecipientTypeError,
    soa.UnknownAttributeError,
    soa.InvalidCatalogError,
    soa.InvalidInputError,
    soa.InvalidJsonError,
]


@pytest.mark.parametrize("cls", BAD_INPUT, ids=lambda c: c.__name__)
def test_bad_input_errors_are_soa_errors_and_value_errors(cls: type[Exception]) -> None:
    assert issubclass(cls, soa.SoaError)
    assert issubclass(cls, ValueError)
    assert not issubclass(cls, OSError)


def test_unknown_attribute_is_also_a_key_error() -> None:
    assert issubclass(soa.UnknownAttributeError, KeyError)


def test_service_errors_are_not_value_errors() -> None:
    for cls in (soa.NotFoundError, soa.AccessDeniedError, soa.ExchangeError, soa.OutOfWriteScopeError):
        assert issubclass(cls, soa.SoaError)
        assert not issubclass(cls, ValueError)
        assert not issubclass(cls, OSError)
    assert issubclass(soa.NotFoundError, LookupError)
    assert not issubclass(soa.NotFoundError, KeyError)
    assert issubclass(soa.OutOfWriteScopeError, soa.ExchangeError)


def test_refusals_and_transport_errors() -> None:
    for cls in (soa.RefusedError, soa.ThrottledError, soa.AuthError, soa.HttpError):
        assert issubclass(cls, soa.SoaError)
        assert not issubclass(cls, ValueError)
        assert not issubclass(cls, OSError)
        assert not issubclass(cls, soa.ExchangeError)
    # A failed connection is also the built-in ConnectionError (an OSError), not a SoaIOError.
    assert issubclass(soa.TransportError, soa.SoaError)
    assert issubclass(soa.TransportError, ConnectionError)
    assert not issubclass(soa.TransportError, soa.SoaIOError)
    for new in (soa.RefusedError, soa.ThrottledError, soa.TransportError, soa.AuthError, soa.HttpError):
        assert new.__name__ in errors.__all__
        assert getattr(errors, new.__name__) is new


def test_refused_error_carries_operation_and_reason() -> None:
    org = soa.SimulatedOrg()
    with pytest.raises(soa.RefusedError) as info:
        soa.plan(soa.Session(org), ["alice@contoso.com"], soa.TransferPolicy())
    assert info.value.operation == "plan a transfer"
    assert info.value.reason is not None and "ticket" in info.value.reason
    assert str(info.value) == f"refused to {info.value.operation}: {info.value.reason}"


def test_io_errors_are_os_errors() -> None:
    assert issubclass(soa.SoaIOError, soa.SoaError)
    assert issubclass(soa.SoaIOError, OSError)
    assert not issubclass(soa.SoaIOError, ValueError)
    assert issubclass(soa.SoaFileNotFoundError, FileNotFoundError)
    assert issubclass(soa.SoaPermissionError, PermissionError)
    assert issubclass(soa.SoaIsADirectoryError, IsADirectoryError)
    for cls in (soa.SoaFileNotFoundError, soa.SoaPermissionError, soa.SoaIsADirectoryError):
        assert issubclass(cls, soa.SoaIOError)


def test_soa_error_is_an_exception() -> None:
    assert issubclass(soa.SoaError, Exception)
    assert soa.SoaError is errors.SoaError


def test_errors_module_exports_every_class() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, soa.SoaError)
        assert getattr(soa, name) is cls


RAISERS: list[tuple[type[Exception], Callable[[], object], str]] = [
    (soa.InvalidProxyAddressError, lambda: soa.ProxyAddress("alice"), "alice"),
    (soa.InvalidSmtpAddressError, lambda: soa.SmtpAddress("alice@"), "alice@"),
    (soa.InvalidVersionError, lambda: soa.SyncVersion("2.5"), "2.5"),
    (soa.InvalidRecipientTypeError, lambda: soa.RecipientType("  "), "recipient type"),
    (soa.UnknownAttributeError, lambda: soa.Catalog.builtin().lookup("noSuchThing"), "noSuchThing"),
    (
        soa.InvalidCatalogError,
        lambda: soa.Catalog.builtin().with_override_json('{"attributes": [{}]}'),
        "gives no name",
    ),
    (
        soa.InvalidInputError,
        lambda: soa.decide_edit(
            soa.Catalog.builtin(),
            soa.MailboxState(True, False),
            "mail",
            "x",
            "the_moon",  # type: ignore[arg-type]
        ),
        "the_moon",
    ),
    (soa.InvalidJsonError, lambda: soa.Catalog.builtin().with_override_json("{", "mine.json"), "mine.json"),
    (soa.NotFoundError, lambda: soa.SimulatedOrg().get_mailbox("nobody@contoso.com"), "nobody@contoso.com"),
    (
        soa.AccessDeniedError,
        lambda: soa.SimulatedOrg().as_principal("eve@contoso.com").get_organization_config(),
        "eve@contoso.com",
    ),
    (soa.OutOfWriteScopeError, lambda: _edit_before_the_flip(), "out of the current user's write scope"),
    (soa.ExchangeError, lambda: _flip_a_cloud_only_mailbox(), "bob@contoso.com is not synchronized"),
]


def _edit_before_the_flip() -> None:
    org = soa.SimulatedOrg()
    org.add_ad_user("alice@contoso.com", remote_mailbox="RemoteUserMailbox")
    org.sync_cycle()
    org.assign_license("alice@contoso.com")
    org.set_mailbox("alice@contoso.com", {"CustomAttribute1": "x"})


def _flip_a_cloud_only_mailbox() -> None:
    org = soa.SimulatedOrg()
    org.add_cloud_mailbox("bob@contoso.com")
    org.set_cloud_managed("bob@contoso.com", True)


@pytest.mark.parametrize(
    ("cls", "call", "needle"), RAISERS, ids=[c.__name__ for c, _, _ in RAISERS]
)
def test_each_kind_is_raised_with_a_message_naming_the_input(
    cls: type[Exception], call: Callable[[], object], needle: str
) -> None:
    with pytest.raises(cls) as info:
        call()
    assert type(info.value) is cls
    assert needle in str(info.value)


def test_missing_file_is_file_not_found(tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "absent.json"
    with pytest.raises(FileNotFoundError) as info:
        soa.Catalog.from_override_file(missing)
    err = info.value
    assert isinstance(err, soa.SoaFileNotFoundError)
    assert isinstance(err, soa.SoaError)
    assert err.errno == 2
    assert err.filename == str(missing)
    assert str(err).startswith("cannot read ")
    assert str(missing) in str(err)


def test_directory_is_refused(tmp_path: pathlib.Path) -> None:
    with pytest.raises(IsADirectoryError) as info:
        soa.Catalog.builtin().with_override_file(tmp_path)
    assert isinstance(info.value, soa.SoaIOError)
