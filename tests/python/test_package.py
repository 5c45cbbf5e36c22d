"""The package itself: where it is imported from, its version and its exports."""

from __future__ import annotations

import doctest
import importlib.metadata
import pathlib

import exchange_soa as soa
from exchange_soa import _native


def test_imports_the_installed_wheel_not_the_source_tree() -> None:
    location = pathlib.Path(soa.__file__).resolve()
    assert "site-packages" in location.parts, location
    assert pathlib.Path(_native.__file__).suffix in {".so", ".pyd"}


def test_version_is_the_crate_version() -> None:
    assert soa.__version__ == "0.1.0"
    assert soa.__version__ == _native.__version__
    assert importlib.metadata.version("exchange-soa") == soa.__version__


def test_all_names_exist_and_are_unique() -> None:
    assert len(soa.__all__) == len(set(soa.__all__))
    for name in soa.__all__:
        assert hasattr(soa, name), name
    for name in _native.__all__:
        assert name in soa.__all__, f"{name} is exported by _native but not by exchange_soa"


def test_package_is_typed() -> None:
    package = pathlib.Path(soa.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_native.pyi").is_file()


def test_classes_live_in_the_native_module() -> None:
    for cls in (soa.Catalog, soa.Attribute, soa.MailboxState, soa.SyncVersion, soa.Finding):
        assert cls.__module__ == "exchange_soa._native"


def test_docstring_examples_run() -> None:
    failures, tried = doctest.testmod(soa, verbose=False, report=True)
    assert tried > 0
    assert failures == 0
