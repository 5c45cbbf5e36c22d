"""Shared fixtures. The tests import the installed wheel (see tests/lib/python.sh)."""

from __future__ import annotations

import pytest

import exchange_soa as soa


@pytest.fixture(scope="session")
def catalog() -> soa.Catalog:
    return soa.Catalog.builtin()


@pytest.fixture
def synced() -> soa.MailboxState:
    """Dir-synced, Exchange attributes still mastered in AD."""
    return soa.MailboxState(dir_synced=True, cloud_managed=False)


@pytest.fixture
def cloud_managed() -> soa.MailboxState:
    """Dir-synced, Exchange attributes mastered in Exchange Online."""
    return soa.MailboxState(dir_synced=True, cloud_managed=True)


@pytest.fixture
def cloud_only() -> soa.MailboxState:
    """Not synchronized from AD."""
    return soa.MailboxState(dir_synced=False, cloud_managed=False)
