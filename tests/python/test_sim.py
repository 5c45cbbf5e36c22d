"""The simulated organization through Python: the documented paths of an SOA transfer, the
Exchange Online operations (RBAC, write scope, audit log), the lazy mailbox listing, and
snapshots."""

from __future__ import annotations

import datetime
import itertools
import json
import pathlib
import threading
from collections.abc import Iterator
from typing import Any, TypeAlias

import pytest

import exchange_soa as soa

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(2026, 11, 27, tzinfo=UTC)
ALICE = "alice@contoso.com"

# An attribute value as the package returns it.
Value: TypeAlias = "None | bool | int | str | list[str]"


@pytest.fixture
def org() -> soa.SimulatedOrg:
    """One licensed remote mailbox, alice@contoso.com, synchronized; mastered on-premises."""
    org = soa.SimulatedOrg("contoso.com")
    guid = org.add_ad_user(
        ALICE,
        {"displayName": "Alice Wong", "department": "Finance", "extensionAttribute1": "CC-100"},
        remote_mailbox="RemoteUserMailbox",
    )
    assert org.ad_user(ALICE)["object_guid"] == guid
    report = org.sync_cycle()
    assert report.created == [ALICE]
    org.assign_license(ALICE)
    return org


@pytest.fixture(scope="module")
def big() -> soa.SimulatedOrg:
    """More than two pages of mailboxes (a page holds 1000). Read-only: tests that change an
    organization build their own."""
    return soa.SimulatedOrg.generate(2500, 11)


# ---------------------------------------------------------------------------------------------
# The organization itself
# ---------------------------------------------------------------------------------------------


def test_new_organization_defaults() -> None:
    org = soa.SimulatedOrg()
    assert org.tenant == "contoso.com"
    assert org.principal == "admin@contoso.com"
    assert org.now == EPOCH
    assert org.now.tzinfo is not None
    assert org.connect_sync_version == soa.SyncVersion.CONNECT_SYNC_MINIMUM
    assert org.cloud_sync_agent is None
    assert org.cloud_managed_by_default is False
    assert org.sync_errors == []
    summary = org.summary()
    assert summary.to_dict() == {
        "ad_users": 0,
        "cloud_users": 0,
        "mailboxes": 0,
        "dir_synced_mailboxes": 0,
        "cloud_managed_mailboxes": 0,
        "identity_only_users": 0,
        "sync_errors": 0,
    }
    assert "contoso.com" in repr(org)
    assert soa.SimulatedOrg("fabrikam.com").principal == "admin@fabrikam.com"


def test_synced_mailbox_carries_the_ad_values(org: soa.SimulatedOrg) -> None:
    m = org.get_mailbox(ALICE)
    assert isinstance(m, soa.Mailbox)
    assert m.recipient_type_details == "UserMailbox"
    assert m.is_dir_synced is True
    assert m.is_exchange_cloud_managed is False
    assert m.display_name == "Alice Wong"
    assert m.alias == "alice"
    assert m.user_principal_name == ALICE
    assert m.primary_smtp_address == ALICE
    assert "smtp:alice@contoso.mail.onmicrosoft.com" in m.email_addresses
    assert m.proxy_addresses().primary_smtp.address == ALICE
    assert m.custom_attribute(1) == "CC-100"
    assert m.custom_attributes[0] == "CC-100"
    assert len(m.custom_attributes) == 15
    assert m.custom_attributes[1:] == (None,) * 14
    assert m.extension_custom_attributes == ([], [], [], [], [])
    assert m.property("customattribute1") == "CC-100"
    assert m.property("IsExchangeCloudManaged") is False
    assert m.when_changed_utc == EPOCH
    assert m.last_changed_utc == EPOCH
    assert m.state == soa.MailboxState(dir_synced=True, cloud_managed=False)
    with pytest.raises(soa.InvalidInputError, match="Office"):
        m.property("Office")
    # Found by every identity form.
    assert m.exchange_guid is not None
    for identity in ("ALICE@contoso.com", "alice", m.exchange_guid):
        assert org.get_mailbox(identity) == m
    user = org.get_user("alice")
    assert isinstance(user, soa.User)
    assert user.department == "Finance"
    assert user.property("Department") == "Finance"
    assert user.is_dir_synced is True
    assert user.to_dict()["UserPrincipalName"] == ALICE
    assert org.ad_attributes(ALICE)["extensionAttribute1"] == "CC-100"


def test_mailbox_json_round_trip_and_array_refused(org: soa.SimulatedOrg) -> None:
    m = org.get_mailbox(ALICE)
    doc = m.to_dict()
    assert doc["UserPrincipalName"] == ALICE
    assert doc["CustomAttribute1"] == "CC-100"
    assert doc["IsExchangeCloudManaged"] is False
    assert soa.Mailbox.from_json(m.to_json()) == m
    assert soa.Mailbox.from_json(doc) == m
    assert json.loads(m.to_json()) == doc
    # A list of mailboxes (what Windows PowerShell writes for several objects) is not one.
    array = json.dumps([doc])
    with pytest.raises(soa.InvalidInputError, match="array"):
        soa.Mailbox.from_json(array)
    with pytest.raises(soa.InvalidInputError, match="array"):
        soa.MailboxState.from_mailbox_json(array)
    with pytest.raises(soa.InvalidInputError, match="array"):
        soa.check_mailbox(array)
    with pytest.raises(soa.InvalidJsonError):
        soa.Mailbox.from_json("{")


# ---------------------------------------------------------------------------------------------
# The documented scenarios
# ---------------------------------------------------------------------------------------------


def test_cloud_edit_before_the_flip_is_out_of_write_scope(org: soa.SimulatedOrg) -> None:
    with pytest.raises(soa.OutOfWriteScopeError) as info:
        org.set_mailbox(ALICE, set={"CustomAttribute1": "x"})
    err = info.value
    assert isinstance(err, soa.ExchangeError)
    text = str(err)
    # The text admins see from Exchange Online.
    assert "out of the current user's write scope" in text
    assert "synchronized from your on-premises organization" in text
    assert "This action should be performed on the object in your on-premises organization" in text
    assert "'CustomAttribute1'" in text
    assert (err.identity, err.cmdlet, err.parameter) == (ALICE, "Set-Mailbox", "CustomAttribute1")
    # The refused call changed nothing and recorded nothing.
    assert org.get_mailbox(ALICE).custom_attribute(1) == "CC-100"
    assert org.search_admin_audit_log() == []


def test_flip_then_cloud_edit_survives_a_sync_cycle(org: soa.SimulatedOrg) -> None:
    org.set_cloud_managed(ALICE, True)
    assert org.get_mailbox(ALICE).is_exchange_cloud_managed is True
    org.set_mailbox(ALICE, set={"CustomAttribute1": "CC-200"})
    report = org.sync_cycle()
    assert isinstance(report, soa.SyncReport)
    assert report.overwritten == []
    assert report.errors == []
    m = org.get_mailbox(ALICE)
    assert m.custom_attribute(1) == "CC-200"
    assert m.is_exchange_cloud_managed is True
    # AD still holds the old value: without writeback, nothing carries the edit back.
    assert org.ad_attributes(ALICE)["extensionAttribute1"] == "CC-100"
    # And the clock's own cycles keep it too.
    reports = org.advance(datetime.timedelta(hours=2))
    assert all(r.overwritten == [] for r in reports if isinstance(r, soa.SyncReport))
    assert org.get_mailbox(ALICE).custom_attribute(1) == "CC-200"


def test_on_premises_edit_after_the_flip_is_dropped(org: soa.SimulatedOrg) -> None:
    org.set_cloud_managed("alice", True)
    org.set_ad_attributes(ALICE, {"extensionAttribute1": "from-AD", "department": "Legal"})
    assert org.ad_attributes(ALICE)["extensionAttribute1"] == "from-AD"
    report = org.sync_cycle()
    assert report.blocked == [ALICE]
    assert report.updated == 1
    assert org.get_mailbox(ALICE).custom_attribute(1) == "CC-100", "Exchange attribute must not flow"
    assert org.get_user(ALICE).department == "Legal", "identity still flows"
    # Identity attributes are never editable in Exchange Online.
    with pytest.raises(soa.OutOfWriteScopeError):
        org.set_mailbox(ALICE, set={"DisplayName": "Alice W."})


def _cloud_exchange_values(catalog: soa.Catalog, mailbox: soa.Mailbox) -> dict[str, Value]:
    """The mailbox's non-empty Exchange values by Get-Mailbox name (the type and the mailbox
    GUID are the cloud's own, not values a sync carries)."""
    props = mailbox.to_dict()
    out: dict[str, Value] = {}
    for attribute in catalog:
        name = attribute.exo_property
        if (
            name is None
            or attribute.attribute_class != "exchange"
            or name in ("RecipientTypeDetails", "ExchangeGuid")
            or name not in props
        ):
            continue
        value = props[name]
        if value not in (None, "", [], False):
            out[name] = value
    return out


def test_rollback_overwrites_cloud_edits_as_rollback_loss_predicts(
    org: soa.SimulatedOrg, catalog: soa.Catalog
) -> None:
    org.set_cloud_managed("alice", True)
    org.set_mailbox(
        "alice",
        set={"CustomAttribute1": "cloud-cc", "HiddenFromAddressListsEnabled": True},
        add={"EmailAddresses": ["smtp:alice.wong@contoso.com"]},
    )
    mailbox = org.get_mailbox("alice")
    loss = soa.rollback_loss(
        catalog, mailbox.state, _cloud_exchange_values(catalog, mailbox), org.ad_attributes("alice")
    )
    assert loss.applies is True
    assert loss.is_lossless is False
    predicted = sorted(e.attribute for e in loss.entries)
    assert predicted == ["CustomAttribute1", "EmailAddresses", "HiddenFromAddressListsEnabled"]
    entry = next(e for e in loss.entries if e.attribute == "CustomAttribute1")
    assert (entry.cloud_value, entry.ad_value, entry.ad_supplied) == ("cloud-cc", "CC-100", True)

    org.set_cloud_managed("alice", False)
    report = org.sync_cycle()
    assert sorted(attribute for _, attribute in report.overwritten) == predicted
    assert {upn for upn, _ in report.overwritten} == {ALICE}
    m = org.get_mailbox("alice")
    assert m.custom_attribute(1) == "CC-100"
    assert m.hidden_from_address_lists_enabled is False
    assert "smtp:alice.wong@contoso.com" not in m.email_addresses
    # Once AD and the cloud agree, a rollback would lose nothing.
    after = soa.rollback_loss(
        catalog,
        soa.MailboxState(dir_synced=True, cloud_managed=True),
        _cloud_exchange_values(catalog, m),
        org.ad_attributes("alice"),
    )
    assert after.is_lossless is True


def test_old_connect_sync_fails_for_cloud_managed_users(org: soa.SimulatedOrg) -> None:
    org.set_connect_sync_version("2.5.79.0")
    assert org.connect_sync_version == soa.SyncVersion("2.5.79.0")
    assert org.connect_sync_version < soa.SyncVersion.CONNECT_SYNC_MINIMUM
    org.set_cloud_managed("alice", True)
    org.set_ad_attributes("alice", {"department": "Legal"})
    report = org.sync_cycle()
    assert len(report.errors) == 1
    error = report.errors[0]
    assert error.code == "ExchangeManagedAttributesUpdateNotAllowed"
    assert error.object == ALICE
    assert str(soa.SyncVersion.CONNECT_SYNC_MINIMUM) in error.message
    assert error.time == org.now
    assert org.sync_errors == report.errors
    assert org.summary().sync_errors == 1
    # The user stopped syncing: even identity attributes do not flow.
    assert org.get_user("alice").department == "Finance"
    # Upgrading fixes it.
    org.set_connect_sync_version(soa.SyncVersion.CONNECT_SYNC_MINIMUM)
    assert org.sync_cycle().errors == []
    assert org.sync_errors == []
    assert org.get_user("alice").department == "Legal"


def test_writeback_carries_extension_attributes_but_not_hidden_from_address_lists(
    org: soa.SimulatedOrg, catalog: soa.Catalog
) -> None:
    org.set_cloud_sync_agent()
    agent = org.cloud_sync_agent
    assert agent is not None
    assert agent.version == soa.SyncVersion.CLOUD_SYNC_WRITEBACK_MINIMUM
    assert (agent.writeback_enabled, agent.mail_writeback) == (True, True)
    assert agent.capacity == soa.Requirements.GA_CAPACITY
    org.set_cloud_managed("alice", True)
    org.set_mailbox(
        "alice",
        set={
            "CustomAttribute7": "cloud-7",
            "HiddenFromAddressListsEnabled": True,
            "ExtensionCustomAttribute2": ["a", "b"],
        },
        add={"EmailAddresses": "smtp:aw@contoso.com"},
    )
    report = org.writeback_cycle()
    assert isinstance(report, soa.WritebackReport)
    assert report.ran is True
    assert report.reason is None
    written = sorted(ldap for _, ldap in report.written)
    assert written == ["extensionAttribute7", "msExchExtensionCustomAttribute2", "proxyAddresses"]
    ad = org.ad_attributes("alice")
    assert ad["extensionAttribute7"] == "cloud-7"
    assert ad["msExchExtensionCustomAttribute2"] == ["a", "b"]
    proxies = ad["proxyAddresses"]
    assert isinstance(proxies, list) and "smtp:aw@contoso.com" in proxies
    assert "msExchHideFromAddressLists" not in ad, "not in the writeback set"
    # What the simulation did is what the catalog says.
    assert catalog["extensionAttribute7"].writeback is True
    assert catalog["msExchHideFromAddressLists"].writeback is False
    decision = soa.decide_edit(
        catalog, org.get_mailbox("alice").state, "HiddenFromAddressListsEnabled", True, "exchange_online"
    )
    assert (decision.allowed, decision.ad_visibility) == (True, "never")
    # Nothing is left to write.
    assert org.writeback_cycle().written == []


def test_writeback_needs_an_agent_recent_enough_and_within_capacity(org: soa.SimulatedOrg) -> None:
    org.set_cloud_managed("alice", True)
    report = org.writeback_cycle()
    assert report.ran is False
    assert report.reason is not None and "agent" in report.reason
    org.set_cloud_sync_agent("1.1.1000.0")
    report = org.writeback_cycle()
    assert report.ran is False
    assert report.reason is not None and "1.1.1107.0" in report.reason
    org.set_cloud_sync_agent(capacity=0)
    report = org.writeback_cycle()
    assert report.reason is not None and "capacity" in report.reason
    org.set_cloud_sync_agent(writeback_enabled=False)
    assert org.writeback_cycle().ran is False
    org.remove_cloud_sync_agent()
    assert org.cloud_sync_agent is None


def test_tenant_default_hazard_leaves_on_premises_provisioned_users_identity_only(
    org: soa.SimulatedOrg,
) -> None:
    # The preflight check refuses the default while on-premises provisioning is in use.
    findings = soa.check_tenant(cloud_managed_by_default=True, on_premises_provisioning_in_use=True)
    assert [f.code for f in findings if f.blocks] == ["tenant_default_with_on_premises_provisioning"]

    org.set_cloud_managed_by_default(True)
    assert org.cloud_managed_by_default is True
    config = org.get_organization_config()
    assert config.block_exchange_provisioning_from_on_prem_enabled is True
    assert config.name == "contoso.com"
    # Provisioned on-premises while the default is on: the documented hazard.
    org.add_ad_user("bob@contoso.com", remote_mailbox=soa.RecipientType("RemoteUserMailbox"))
    # A plain new user arrives without Exchange attributes; a license makes it cloud-managed.
    org.add_ad_user("carol@contoso.com", {"displayName": "Carol"})
    report = org.sync_cycle()
    assert sorted(report.created) == ["bob@contoso.com", "carol@contoso.com"]
    assert report.identity_only == ["bob@contoso.com"]
    assert org.is_identity_only("bob@contoso.com") is True
    assert org.summary().identity_only_users == 2  # bob, and carol until licensed
    with pytest.raises(soa.NotFoundError) as info:
        org.get_mailbox("bob@contoso.com")
    assert (info.value.what, info.value.identity) == ("mailbox", "bob@contoso.com")
    with pytest.raises(soa.ExchangeError, match="Microsoft Support"):
        org.assign_license("bob@contoso.com")

    org.assign_license("carol@contoso.com")
    carol = org.get_mailbox("carol@contoso.com")
    assert carol.is_exchange_cloud_managed is True
    assert carol.is_dir_synced is True
    assert org.summary().identity_only_users == 1

    # Turning the default off does not repair bob.
    org.set_cloud_managed_by_default(False)
    org.sync_cycle()
    assert org.is_identity_only("bob@contoso.com") is True
    flips = org.search_admin_audit_log(cmdlets=["set-organizationconfig"])
    assert [r.new_values for r in flips] == [
        {"BlockExchangeProvisioningFromOnPremEnabled": True},
        {"BlockExchangeProvisioningFromOnPremEnabled": False},
    ]


def test_deleting_the_ad_account_deletes_the_cloud_mailbox(org: soa.SimulatedOrg) -> None:
    org.set_cloud_managed(ALICE, True)
    org.remove_ad_user(ALICE)
    with pytest.raises(soa.NotFoundError):
        org.ad_attributes(ALICE)
    assert org.sync_cycle().deleted == [ALICE]
    with pytest.raises(soa.NotFoundError):
        org.get_mailbox(ALICE)


# ---------------------------------------------------------------------------------------------
# Exchange Online: RBAC, refusals, the audit log
# ---------------------------------------------------------------------------------------------


def test_callers_without_a_role_are_denied(org: soa.SimulatedOrg) -> None:
    org.add_principal("helpdesk@contoso.com", ["View-Only Organization Management"])
    helpdesk = org.as_principal("helpdesk@contoso.com")
    assert helpdesk.principal == "helpdesk@contoso.com"
    assert helpdesk.get_mailbox("alice").user_principal_name == ALICE
    with pytest.raises(soa.AccessDeniedError) as info:
        helpdesk.set_cloud_managed("alice", True)
    err = info.value
    assert (err.principal, err.cmdlet, err.parameter) == (
        "helpdesk@contoso.com",
        "Set-Mailbox",
        "IsExchangeCloudManaged",
    )
    assert "IsExchangeCloudManaged" in str(err)
    stranger = org.as_principal("stranger@fabrikam.com")
    with pytest.raises(soa.AccessDeniedError):
        stranger.get_mailbox("alice")
    with pytest.raises(soa.AccessDeniedError):
        stranger.search_admin_audit_log()
    # A listing raises at the first next(), like a generator.
    listing = stranger.list_mailboxes()
    with pytest.raises(soa.AccessDeniedError):
        next(listing)

    grants = org.role_assignments("Set-Mailbox", "IsExchangeCloudManaged")
    assert all(isinstance(g, soa.RoleAssignment) for g in grants)
    assignees = {g.assignee for g in grants}
    assert "admin@contoso.com" in assignees
    assert "helpdesk@contoso.com" not in assignees
    # The denied call changed nothing and recorded nothing.
    assert org.get_mailbox("alice").is_exchange_cloud_managed is False
    assert org.search_admin_audit_log() == []


def test_a_custom_role_grants_exactly_its_parameters(org: soa.SimulatedOrg) -> None:
    org.add_role("SOA Flippers", {"Set-Mailbox": ["IsExchangeCloudManaged"], "Get-*": ["*"]})
    org.add_principal("flipper@contoso.com", ["SOA Flippers"])
    flipper = org.as_principal("flipper@contoso.com")
    flipper.set_cloud_managed("alice", True)
    with pytest.raises(soa.AccessDeniedError) as info:
        flipper.set_mailbox("alice", set={"CustomAttribute1": "x"})
    assert info.value.parameter == "CustomAttribute1"
    grants = org.role_assignments("Set-Mailbox", "IsExchangeCloudManaged")
    assert any(
        (g.role, g.assignee) == ("SOA Flippers", "flipper@contoso.com") for g in grants
    )
    assert not any(g.role == "SOA Flippers" for g in org.role_assignments("Set-Mailbox", "CustomAttribute1"))
    (record,) = org.search_admin_audit_log()
    assert record.caller == "flipper@contoso.com"


def test_flag_only_on_eligible_dir_synced_mailboxes(org: soa.SimulatedOrg) -> None:
    org.add_ad_user("remote@contoso.com", remote_mailbox="RemoteUserMailbox")
    org.sync_cycle()
    # Not licensed: a mail user, which Get-Mailbox does not return.
    assert org.get_user("remote@contoso.com").recipient_type_details == "MailUser"
    with pytest.raises(soa.NotFoundError):
        org.set_cloud_managed("remote@contoso.com", True)
    object_id = org.add_cloud_mailbox("cloudonly@contoso.com")
    assert org.get_mailbox("cloudonly@contoso.com").external_directory_object_id == object_id
    with pytest.raises(soa.ExchangeError) as info:
        org.set_cloud_managed("cloudonly@contoso.com", True)
    assert type(info.value) is soa.ExchangeError
    assert info.value.cmdlet == "Set-Mailbox"
    # A cloud-only mailbox is edited in the cloud without any flag.
    org.set_mailbox("cloudonly@contoso.com", {"CustomAttribute3": "x"})
    assert org.get_mailbox("cloudonly@contoso.com").custom_attribute(3) == "x"
    org.add_cloud_mailbox("room@contoso.com", "RoomMailbox")
    assert org.get_mailbox("room@contoso.com").recipient_type_details == "RoomMailbox"
    # The flag is never combined with other parameters.
    with pytest.raises(soa.InvalidInputError, match="call of its own"):
        org.set_mailbox("alice", set={"CustomAttribute1": "x", "IsExchangeCloudManaged": True})


def test_bad_changes_are_refused_without_effect(org: soa.SimulatedOrg) -> None:
    org.set_cloud_managed("alice", True)
    with pytest.raises(soa.InvalidProxyAddressError):
        org.set_mailbox("alice", add={"EmailAddresses": ["SMTP:other@contoso.com"]})
    assert org.get_mailbox("alice").primary_smtp_address == ALICE
    with pytest.raises(soa.UnknownAttributeError):
        org.set_mailbox("alice", set={"noSuchAttribute": "x"})
    not_strings: Any = {"EmailAddresses": [1, 2]}
    with pytest.raises(TypeError):
        org.set_mailbox("alice", add=not_strings)
    not_a_mapping: Any = ["CustomAttribute1"]
    with pytest.raises(TypeError):
        org.set_mailbox("alice", set=not_a_mapping)
    with pytest.raises(soa.NotFoundError):
        org.set_mailbox("nobody", set={"CustomAttribute1": "x"})
    with pytest.raises(soa.InvalidProxyAddressError):
        org.set_ad_attributes("alice", {"proxyAddresses": ["nocolon"]})
    with pytest.raises(soa.InvalidInputError, match="no AD attribute"):
        org.set_ad_attributes("alice", {"ForwardingSmtpAddress": "x@example.com"})
    with pytest.raises(soa.InvalidInputError):
        org.add_ad_user("no-at-sign")
    with pytest.raises(soa.InvalidInputError, match="already"):
        org.add_ad_user(ALICE)
    # Clearing works and is audited.
    org.set_mailbox("alice", set={"CustomAttribute1": None})
    assert org.get_mailbox("alice").custom_attribute(1) is None
    (record,) = org.search_admin_audit_log(parameter="CustomAttribute1")
    assert (record.old_values, record.new_values) == ({"CustomAttribute1": "CC-100"}, {"CustomAttribute1": None})


def test_audit_log_records_caller_old_and_new_values(org: soa.SimulatedOrg) -> None:
    org.set_cloud_managed("alice", True)
    org.advance(10)
    org.set_mailbox("alice", {"CustomAttribute1": "new"})
    records = org.search_admin_audit_log()
    assert len(records) == 2
    flip, edit = records
    assert isinstance(flip, soa.AuditRecord)
    assert (flip.caller, flip.cmdlet, flip.object, flip.succeeded) == (
        "admin@contoso.com",
        "Set-Mailbox",
        ALICE,
        True,
    )
    assert flip.parameters == {"IsExchangeCloudManaged": True}
    assert flip.old_values == {"IsExchangeCloudManaged": False}
    assert flip.new_values == {"IsExchangeCloudManaged": True}
    assert flip.time == EPOCH
    assert edit.old_values == {"CustomAttribute1": "CC-100"}
    assert edit.new_values == {"CustomAttribute1": "new"}
    assert edit.time == org.now == EPOCH + datetime.timedelta(minutes=10)
    assert edit.to_dict()["time"] == "2026-11-27T00:10:00Z"
    # The criteria.
    assert org.search_admin_audit_log(parameter="isexchangecloudmanaged") == [flip]
    assert org.search_admin_audit_log(start=EPOCH + datetime.timedelta(minutes=5)) == [edit]
    assert org.search_admin_audit_log(end="2026-11-27T00:05:00Z") == [flip]
    assert org.search_admin_audit_log(object="ALICE@contoso.com") == records
    assert org.search_admin_audit_log(caller="someone@else.com") == []
    assert org.search_admin_audit_log(cmdlets=["Set-OrganizationConfig"]) == []
    with pytest.raises(soa.InvalidInputError, match="naive"):
        org.search_admin_audit_log(start=datetime.datetime(2026, 11, 27))
    # Setting the flag to its current value changes nothing and records nothing.
    org.set_cloud_managed("alice", True)
    assert len(org.search_admin_audit_log()) == 2


# ---------------------------------------------------------------------------------------------
# The clock
# ---------------------------------------------------------------------------------------------


def test_the_clock_runs_sync_and_writeback_cycles_in_order(org: soa.SimulatedOrg) -> None:
    org.set_cloud_sync_agent()
    reports = org.advance(datetime.timedelta(minutes=60))
    kinds = ["sync" if isinstance(r, soa.SyncReport) else "writeback" for r in reports]
    # Writeback at 20, 40 and 60 minutes, sync at 30 and 60 (writeback first on a tie).
    assert kinds == ["writeback", "sync", "writeback", "writeback", "sync"]
    assert [r.time for r in reports] == [
        EPOCH + datetime.timedelta(minutes=m) for m in (20, 30, 40, 60, 60)
    ]
    assert org.now == EPOCH + datetime.timedelta(hours=1)
    # An int is minutes.
    assert len(org.advance(30)) == 2
    assert org.now == EPOCH + datetime.timedelta(minutes=90)
    assert org.advance(0) == []
    with pytest.raises(TypeError):
        org.advance("1h")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        org.advance(True)
    assert reports[1].to_dict()["time"] == "2026-11-27T00:30:00Z"


# ---------------------------------------------------------------------------------------------
# Listing mailboxes
# ---------------------------------------------------------------------------------------------


def test_list_mailboxes_filters(big: soa.SimulatedOrg) -> None:
    everything = list(big.list_mailboxes())
    summary = big.summary()
    assert len(everything) == summary.mailboxes > 2000
    assert all(isinstance(m, soa.Mailbox) for m in everything)
    assert len({m.exchange_guid for m in everything}) == len(everything)

    synced = list(big.list_mailboxes(dir_synced=True))
    assert len(synced) == summary.dir_synced_mailboxes
    assert synced == [m for m in everything if m.is_dir_synced]
    cloud_only = sum(1 for _ in big.list_mailboxes(dir_synced=False))
    assert cloud_only == summary.mailboxes - summary.dir_synced_mailboxes > 0

    managed = list(big.list_mailboxes(dir_synced=True, cloud_managed=True))
    assert len(managed) == summary.cloud_managed_mailboxes > 0
    assert all(m.is_exchange_cloud_managed and m.is_dir_synced for m in managed)

    shared = list(big.list_mailboxes(recipient_types=["SharedMailbox", soa.RecipientType("RoomMailbox")]))
    assert shared
    assert {m.recipient_type_details for m in shared} == {"SharedMailbox", "RoomMailbox"}
    assert shared == [
        m for m in everything if m.recipient_type_details in ("SharedMailbox", "RoomMailbox")
    ]
    assert list(big.list_mailboxes(recipient_types=[])) == everything
    with pytest.raises(soa.InvalidRecipientTypeError):
        big.list_mailboxes(recipient_types=["  "])
    with pytest.raises(TypeError):
        big.list_mailboxes(recipient_types="SharedMailbox")


def test_list_mailboxes_is_lazy() -> None:
    org = soa.SimulatedOrg.generate(2500, 11)
    order = [str(m.user_principal_name) for m in org.list_mailboxes(dir_synced=True)]
    assert len(order) > 2002  # three pages, the last two mailboxes on the third
    last = order[-1]

    # A generator over the listing: the first item arrives before the rest is read.
    listing = org.list_mailboxes(dir_synced=True)
    assert iter(listing) is listing
    names: Iterator[str] = (str(m.user_principal_name) for m in listing)
    assert next(names) == order[0]
    # Changes made now, to a mailbox on the last page, show up when the iteration gets there:
    # that page had not been read yet.
    org.set_ad_attributes(last, {"displayName": "Changed After The First Item"})
    org.sync_cycle()
    org.remove_ad_user(order[-2])
    org.sync_cycle()
    rest = list(itertools.islice(listing, len(order)))
    assert [m.user_principal_name for m in rest] == order[1:-2] + [last]
    assert rest[-1].display_name == "Changed After The First Item"
    # Exhausted: stays exhausted.
    assert next(listing, None) is None
    assert list(listing) == []


def test_list_mailboxes_interleaved_abandoned_and_threaded(big: soa.SimulatedOrg) -> None:
    expected = [m.exchange_guid for m in big.list_mailboxes()]
    # Two listings at once, advanced in turn.
    pairs = list(zip(big.list_mailboxes(), big.list_mailboxes()))
    assert [a.exchange_guid for a, _ in pairs] == expected
    assert all(a == b for a, b in pairs)
    # Abandoned listings do not disturb later calls.
    for _ in range(3):
        abandoned = big.list_mailboxes()
        next(abandoned)
        del abandoned
    unstarted = big.list_mailboxes()
    del unstarted
    assert sum(1 for _ in big.list_mailboxes()) == len(expected)

    # Listings from several threads at once (the calls release the GIL).
    results: list[list[str | None]] = []
    lock = threading.Lock()

    def run() -> None:
        guids = [m.exchange_guid for m in big.list_mailboxes()]
        with lock:
            results.append(guids)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == [expected] * 4


# ---------------------------------------------------------------------------------------------
# Generating and snapshots
# ---------------------------------------------------------------------------------------------


def test_generate_is_deterministic() -> None:
    first = soa.SimulatedOrg.generate(500, 7)
    second = soa.SimulatedOrg.generate(500, 7)
    assert first.to_json() == second.to_json()
    assert soa.SimulatedOrg.generate(500, 8).to_json() != first.to_json()
    summary = first.summary()
    assert 450 < summary.mailboxes <= 500
    assert summary.cloud_managed_mailboxes > 0
    # Earlier flips are in the audit log.
    flips = first.search_admin_audit_log(parameter="IsExchangeCloudManaged")
    assert len(flips) >= summary.cloud_managed_mailboxes
    # A sync cycle at once changes nothing.
    report = first.sync_cycle()
    assert (report.created, report.deleted, report.overwritten, report.errors) == ([], [], [], [])


def test_json_and_file_snapshots_round_trip(tmp_path: pathlib.Path) -> None:
    org = soa.SimulatedOrg.generate(300, 3)
    org.advance(45)
    text = org.to_json()
    assert soa.SimulatedOrg.from_json(text).to_json() == text

    path = tmp_path / "org.json"
    org.save(path)
    loaded = soa.SimulatedOrg.load(path)
    assert loaded.to_json() == text
    assert loaded.now == org.now
    assert loaded.summary() == org.summary()
    assert loaded.principal == org.principal
    # The loaded organization is a separate one.
    loaded.advance(30)
    assert loaded.now != org.now
    org.save(str(path))
    assert soa.SimulatedOrg.load(str(path)).to_json() == text


def test_loading_a_malformed_snapshot_raises_invalid_json(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": 1, "tenant": ', encoding="utf-8")
    with pytest.raises(soa.InvalidJsonError) as info:
        soa.SimulatedOrg.load(path)
    assert "broken.json" in str(info.value)
    with pytest.raises(soa.InvalidJsonError):
        soa.SimulatedOrg.from_json('{"format": 1, "tenant": ')
    # Text that is not a JSON object at all is refused before parsing, as bad input.
    with pytest.raises(soa.InvalidInputError, match="expected a JSON object"):
        soa.SimulatedOrg.from_json("not json")
    with pytest.raises(soa.SoaFileNotFoundError):
        soa.SimulatedOrg.load(tmp_path / "absent.json")
    # A well-formed snapshot of an unknown format is refused, naming the format.
    snapshot = json.loads(soa.SimulatedOrg().to_json())
    snapshot["format"] = 999
    with pytest.raises(soa.InvalidInputError, match="999"):
        soa.SimulatedOrg.from_json(json.dumps(snapshot))
