"""Preflight checks: findings, their codes and severities, and reports."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

import exchange_soa as soa

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
FINDING_KEYS = {"code", "severity", "subject", "message", "fix"}


def codes(findings: list[soa.Finding]) -> list[str]:
    return [f.code for f in findings]


# ---------------------------------------------------------------------------------------------
# check_sync
# ---------------------------------------------------------------------------------------------


def test_sync_version_unknown_warns() -> None:
    [finding] = soa.check_sync()
    assert finding.code == "connect_sync_version_unknown"
    assert finding.severity == "warn"
    assert finding.blocks is False
    assert finding.subject == "Entra Connect Sync"


def test_known_bad_connect_sync_blocks() -> None:
    [finding] = soa.check_sync("2.5.79.0")
    assert finding.code == "connect_sync_too_old"
    assert finding.severity == "block"
    assert finding.blocks is True
    assert "2.5.79.0" in finding.message
    assert "2.5.190.0" in finding.fix
    assert soa.check_sync(soa.SyncVersion("2.5.79.0")) == [finding]


def test_current_connect_sync_passes() -> None:
    assert soa.check_sync("2.5.190.0") == []
    assert soa.check_sync(soa.SyncVersion.CONNECT_SYNC_MINIMUM) == []


def test_writeback_needs_the_cloud_sync_agent() -> None:
    assert codes(soa.check_sync("2.5.190.0", None, True)) == ["cloud_sync_agent_missing"]
    assert codes(soa.check_sync("2.5.190.0", "1.1.1000.0", True)) == ["cloud_sync_agent_too_old"]
    assert soa.check_sync("2.5.190.0", "1.1.1107.0", writeback_wanted=True) == []
    assert soa.check_sync("2.5.190.0", None, writeback_wanted=False) == []


def test_sync_requirements_can_be_raised() -> None:
    req = soa.Requirements(connect_sync_minimum="2.6.0.0")
    assert codes(soa.check_sync("2.5.190.0", requirements=req)) == ["connect_sync_too_old"]


def test_bad_sync_version() -> None:
    with pytest.raises(soa.InvalidVersionError, match="v2.5.190.0"):
        soa.check_sync("v2.5.190.0")


# ---------------------------------------------------------------------------------------------
# check_tenant
# ---------------------------------------------------------------------------------------------


def test_tenant_default_with_on_premises_provisioning_blocks() -> None:
    [finding] = soa.check_tenant(cloud_managed_by_default=True, on_premises_provisioning_in_use=True)
    assert finding.code == "tenant_default_with_on_premises_provisioning"
    assert finding.blocks
    assert finding.subject == "tenant"


def test_tenant_default_alone_is_information() -> None:
    [finding] = soa.check_tenant(cloud_managed_by_default=True)
    assert finding.code == "tenant_default_on"
    assert finding.severity == "info"
    assert soa.check_tenant() == []


def test_writeback_capacity() -> None:
    req = soa.Requirements(writeback_capacity=100)
    exceeded = soa.check_tenant(cloud_managed_mailboxes=90, writeback_enabled=True, planned=20, requirements=req)
    assert codes(exceeded) == ["writeback_capacity_exceeded"]
    assert "110" in exceeded[0].message
    near = soa.check_tenant(cloud_managed_mailboxes=85, writeback_enabled=True, planned=5, requirements=req)
    assert codes(near) == ["writeback_capacity_near"]
    assert near[0].severity == "warn"
    assert soa.check_tenant(cloud_managed_mailboxes=90, planned=20, requirements=req) == []


# ---------------------------------------------------------------------------------------------
# check_caller
# ---------------------------------------------------------------------------------------------


def test_caller_with_a_sufficient_role() -> None:
    assert soa.check_caller("admin@contoso.com", ["Exchange Administrator"]) == []
    assert soa.check_caller("admin@contoso.com", ["  exchange administrator "]) == []


def test_caller_without_role_is_blocked() -> None:
    [finding] = soa.check_caller("helpdesk@contoso.com", ["Helpdesk Administrator"])
    assert finding.code == "missing_role"
    assert finding.blocks
    assert finding.subject == "helpdesk@contoso.com"
    [unnamed] = soa.check_caller("", [])
    assert unnamed.subject == "caller"


def test_caller_with_custom_role_is_unconfirmed() -> None:
    [finding] = soa.check_caller("ops@contoso.com", [], ["Set-Mailbox -IsExchangeCloudManaged"])
    assert finding.code == "custom_role_unconfirmed"
    assert finding.severity == "warn"


def test_caller_roles_from_requirements() -> None:
    req = soa.Requirements(sufficient_roles=["Mailbox Movers"])
    assert soa.check_caller("a", ["Mailbox Movers"], requirements=req) == []
    assert codes(soa.check_caller("a", ["Exchange Administrator"], requirements=req)) == ["missing_role"]


def test_caller_roles_must_be_a_list() -> None:
    with pytest.raises(TypeError):
        soa.check_caller("a", "Exchange Administrator")


# ---------------------------------------------------------------------------------------------
# check_mailbox
# ---------------------------------------------------------------------------------------------


def mailbox(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "UserPrincipalName": "alice@contoso.com",
        "RecipientTypeDetails": "UserMailbox",
        "IsDirSynced": True,
        "IsExchangeCloudManaged": False,
        "WhenChangedUTC": "2026-08-01T00:00:00Z",
    }
    base.update(overrides)
    return base


def test_eligible_mailbox_passes() -> None:
    assert soa.check_mailbox(mailbox(), now=NOW) == []
    assert soa.check_mailbox(json.dumps(mailbox()), now=NOW) == []


def test_recent_change_blocks() -> None:
    changed = NOW - datetime.timedelta(hours=3)
    [finding] = soa.check_mailbox(mailbox(), ad_when_changed=changed, now=NOW)
    assert finding.code == "recent_on_premises_change"
    assert finding.blocks
    assert finding.subject == "alice@contoso.com"
    assert "2026-09-02 09:30" in finding.fix  # changed 09:00, plus a 30 min sync cycle and 24 h
    as_text = soa.check_mailbox(mailbox(), ad_when_changed="2026-09-01T09:00:00Z", now="2026-09-01T12:00:00Z")
    assert as_text == [finding]
    other_zone = datetime.timezone(datetime.timedelta(hours=2))
    assert soa.check_mailbox(mailbox(), ad_when_changed=changed.astimezone(other_zone), now=NOW) == [finding]


def test_mailbox_change_time_comes_from_the_mailbox() -> None:
    recent = mailbox(WhenChangedUTC="2026-09-01T11:00:00Z")
    assert codes(soa.check_mailbox(recent, now=NOW)) == ["recent_on_premises_change"]
    unknown = mailbox(WhenChangedUTC=None)
    [finding] = soa.check_mailbox(unknown, now=NOW)
    assert finding.code == "last_change_unknown"
    assert finding.severity == "warn"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"RecipientTypeDetails": "MailUser"}, "ineligible_recipient_type"),
        ({"RecipientTypeDetails": None}, "recipient_type_unknown"),
        ({"IsDirSynced": False}, "not_dir_synced"),
        ({"IsExchangeCloudManaged": True}, "already_cloud_managed"),
    ],
)
def test_mailbox_eligibility(overrides: dict[str, Any], expected: str) -> None:
    found = soa.check_mailbox(mailbox(**overrides), now=NOW)
    assert codes(found) == [expected]
    assert found[0].blocks


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(soa.InvalidInputError, match="naive"):
        soa.check_mailbox(mailbox(), ad_when_changed=datetime.datetime(2026, 9, 1), now=NOW)
    with pytest.raises(soa.InvalidInputError, match="RFC 3339"):
        soa.check_mailbox(mailbox(), now="yesterday")
    with pytest.raises(TypeError):
        soa.check_mailbox(mailbox(), now=12)  # type: ignore[arg-type]


def test_bad_mailbox_documents() -> None:
    with pytest.raises(soa.InvalidJsonError):
        soa.check_mailbox("{not json", now=NOW)
    with pytest.raises(soa.InvalidInputError, match="mailbox"):
        soa.check_mailbox({"IsDirSynced": "perhaps"}, now=NOW)


# ---------------------------------------------------------------------------------------------
# Findings, reports, check_organization
# ---------------------------------------------------------------------------------------------


def test_finding_shape() -> None:
    [finding] = soa.check_sync("2.5.79.0")
    data = finding.to_dict()
    assert set(data) == FINDING_KEYS
    assert data["code"] == "connect_sync_too_old"
    assert data["severity"] == "block"
    assert str(finding).startswith("[block] connect_sync_too_old (Entra Connect Sync): ")
    assert "connect_sync_too_old" in repr(finding)
    with pytest.raises(AttributeError):
        finding.code = "other"  # type: ignore[misc]


def test_report() -> None:
    findings = soa.check_sync() + soa.check_tenant(cloud_managed_by_default=True) + soa.check_caller("x", [])
    report = soa.PreflightReport(findings)
    assert len(report) == 3
    assert list(report) == findings
    assert report.findings == findings
    assert report.is_blocked is True
    assert report.worst == "block"
    assert codes(report.with_code("missing_role")) == ["missing_role"]
    assert report.with_code("already_cloud_managed") == []
    with pytest.raises(soa.InvalidInputError, match="no_such_code"):
        report.with_code("no_such_code")
    assert report.to_dict() == {"findings": [f.to_dict() for f in findings]}
    assert report == soa.PreflightReport(findings)

    warn_only = soa.PreflightReport(soa.check_sync())
    assert warn_only.is_blocked is False
    assert warn_only.worst == "warn"
    empty = soa.PreflightReport()
    assert empty.worst is None
    assert empty.is_blocked is False
    assert len(empty) == 0


def test_check_organization() -> None:
    document = {
        "sync": {"connect_sync_version": "2.5.79.0"},
        "tenant": {"cloud_managed_by_default": True, "on_premises_provisioning_in_use": True},
        "caller": {"name": "ops@contoso.com", "roles": []},
    }
    report = soa.check_organization(document)
    assert codes(report.findings) == [
        "connect_sync_too_old",
        "tenant_default_with_on_premises_provisioning",
        "missing_role",
    ]
    assert soa.check_organization(json.dumps(document)) == report
    clean = soa.check_organization({"sync": {"connect_sync_version": "2.5.190.0"}})
    assert clean.findings == []
    capped = soa.check_organization(
        {"sync": {"connect_sync_version": "2.5.190.0"}, "tenant": {"writeback_enabled": True}, "requirements": {"writeback_capacity": 5}},
        planned=6,
    )
    assert codes(capped.findings) == ["writeback_capacity_exceeded"]
    with pytest.raises(soa.InvalidInputError, match="preflight"):
        soa.check_organization({"sync": {"connect_sync_version": "two"}})
    with pytest.raises(soa.InvalidJsonError):
        soa.check_organization('{"sync": ')
    # JSON text must hold one object: an array is refused before it is parsed.
    with pytest.raises(soa.InvalidInputError, match="array"):
        soa.check_organization("[")
    with pytest.raises(soa.InvalidInputError, match="expected a JSON object"):
        soa.check_organization("42")


def test_requirements() -> None:
    default = soa.Requirements()
    assert default.connect_sync_minimum == soa.SyncVersion.CONNECT_SYNC_MINIMUM
    assert default.cloud_sync_writeback_minimum == soa.SyncVersion.CLOUD_SYNC_WRITEBACK_MINIMUM
    assert default.sync_interval_minutes == 30
    assert default.settle_hours == 24
    assert default.writeback_capacity == soa.Requirements.GA_CAPACITY == 600_000
    assert soa.Requirements.PREVIEW_CAPACITY < soa.Requirements.GA_CAPACITY
    assert "Exchange Administrator" in default.sufficient_roles
    changed = soa.Requirements(settle_hours=48, writeback_warn_ratio=0.5)
    assert changed.settle_hours == 48
    assert changed.writeback_warn_ratio == 0.5
    assert changed != default
    assert soa.Requirements() == default
    assert changed.to_dict()["settle_hours"] == 48
    assert changed.to_dict()["connect_sync_minimum"] == "2.5.190.0"
    assert "settle_hours=48" in repr(changed)
    with pytest.raises(TypeError):
        soa.Requirements(48)  # type: ignore[call-arg, arg-type]
    with pytest.raises(soa.InvalidVersionError):
        soa.Requirements(connect_sync_minimum="latest")
