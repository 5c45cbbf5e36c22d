"""MailboxState, master, decide_edit and rollback_loss."""

from __future__ import annotations

import json
from typing import Any

import pytest

import exchange_soa as soa

DECISION_KEYS = {
    "attribute",
    "class",
    "allowed",
    "authority",
    "tool",
    "ad_visibility",
    "written_back",
    "reason",
}

# ---------------------------------------------------------------------------------------------
# MailboxState
# ---------------------------------------------------------------------------------------------


def test_mailbox_state_defaults_to_a_user_mailbox() -> None:
    state = soa.MailboxState(True, False)
    assert state.dir_synced is True
    assert state.cloud_managed is False
    assert state.recipient_type == soa.RecipientType("UserMailbox")
    assert state.exchange_in_cloud is False
    assert state.to_dict() == {"dir_synced": True, "cloud_managed": False, "recipient_type": "UserMailbox"}
    assert repr(state) == "MailboxState(dir_synced=True, cloud_managed=False, recipient_type='UserMailbox')"


def test_mailbox_state_recipient_type_forms() -> None:
    assert soa.MailboxState(True, True, None).recipient_type is None
    assert soa.MailboxState(True, True, None).to_dict()["recipient_type"] is None
    shared = soa.MailboxState(True, True, "sharedmailbox")
    assert shared.recipient_type is not None and shared.recipient_type.name == "SharedMailbox"
    room = soa.MailboxState(True, True, soa.RecipientType("RoomMailbox"))
    assert room.to_dict()["recipient_type"] == "RoomMailbox"
    with pytest.raises(soa.InvalidRecipientTypeError):
        soa.MailboxState(True, True, "")


def test_mailbox_state_equality_and_hash() -> None:
    a = soa.MailboxState(dir_synced=True, cloud_managed=True)
    b = soa.MailboxState(True, True, "UserMailbox")
    c = soa.MailboxState(True, False)
    assert a == b
    assert hash(a) == hash(b)
    assert a != c
    assert len({a, b, c}) == 2


def test_exchange_in_cloud(cloud_managed: soa.MailboxState, cloud_only: soa.MailboxState, synced: soa.MailboxState) -> None:
    assert cloud_managed.exchange_in_cloud is True
    assert cloud_only.exchange_in_cloud is True
    assert synced.exchange_in_cloud is False


MAILBOX = {
    "UserPrincipalName": "alice@contoso.com",
    "RecipientTypeDetails": "SharedMailbox",
    "IsDirSynced": True,
    "IsExchangeCloudManaged": "True",
    "SomethingUnknown": 1,
}


def test_mailbox_state_from_get_mailbox_json() -> None:
    from_text = soa.MailboxState.from_mailbox_json(json.dumps(MAILBOX))
    from_dict = soa.MailboxState.from_mailbox_json(MAILBOX)
    assert from_text == from_dict == soa.MailboxState(True, True, "SharedMailbox")


def test_mailbox_state_from_bad_json() -> None:
    with pytest.raises(soa.InvalidJsonError, match="mailbox"):
        soa.MailboxState.from_mailbox_json("{")
    with pytest.raises(TypeError):
        soa.MailboxState.from_mailbox_json(42)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# master
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "synced_master", "cloud_managed_master", "cloud_only_master"),
    [
        ("displayName", "on_premises_ad", "on_premises_ad", "entra_id"),
        ("extensionAttribute1", "on_premises_ad", "exchange_online", "exchange_online"),
        ("proxyAddresses", "on_premises_ad", "exchange_online", "exchange_online"),
        ("ForwardingSmtpAddress", "exchange_online", "exchange_online", "exchange_online"),
    ],
)
def test_master(
    catalog: soa.Catalog,
    synced: soa.MailboxState,
    cloud_managed: soa.MailboxState,
    cloud_only: soa.MailboxState,
    attribute: str,
    synced_master: str,
    cloud_managed_master: str,
    cloud_only_master: str,
) -> None:
    assert soa.master(catalog, synced, attribute) == synced_master
    assert soa.master(catalog, cloud_managed, attribute) == cloud_managed_master
    assert soa.master(catalog, cloud_only, attribute) == cloud_only_master
    assert soa.master(catalog, cloud_managed, catalog[attribute]) == cloud_managed_master


def test_master_unknown_attribute(catalog: soa.Catalog, synced: soa.MailboxState) -> None:
    with pytest.raises(soa.UnknownAttributeError, match="favouriteColour"):
        soa.master(catalog, synced, "favouriteColour")


# ---------------------------------------------------------------------------------------------
# decide_edit
# ---------------------------------------------------------------------------------------------


def test_cloud_managed_ad_edit_is_refused_with_set_mailbox(
    catalog: soa.Catalog, cloud_managed: soa.MailboxState
) -> None:
    d = soa.decide_edit(
        catalog, cloud_managed, "extensionAttribute1", "Finance", "active_directory", identity="alice@contoso.com"
    )
    assert d.allowed is False
    assert d.attribute == "CustomAttribute1"
    assert d.attribute_class == "exchange"
    assert d.authority == "exchange_online"
    assert d.tool == "Set-Mailbox -Identity 'alice@contoso.com' -CustomAttribute1 'Finance'"
    assert d.ad_visibility == "writeback"
    assert d.written_back is True
    assert "cloud-managed" in d.reason


def test_synced_exo_edit_is_refused(catalog: soa.Catalog, synced: soa.MailboxState) -> None:
    d = soa.decide_edit(catalog, synced, "CustomAttribute1", "Finance", "exchange_online", "bob")
    assert d.allowed is False
    assert d.authority == "on_premises_ad"
    assert d.ad_visibility == "direct"
    assert d.tool is not None and d.tool.startswith("Set-RemoteMailbox -Identity 'bob'")
    on_prem = soa.decide_edit(catalog, synced, "CustomAttribute1", "Finance", "on_premises_exchange", "bob")
    assert on_prem.allowed is True


@pytest.mark.parametrize("state_name", ["synced", "cloud_managed"])
def test_identity_attribute_in_exo_is_refused(
    request: pytest.FixtureRequest, catalog: soa.Catalog, state_name: str
) -> None:
    state: soa.MailboxState = request.getfixturevalue(state_name)
    d = soa.decide_edit(catalog, state, "department", "Sales", "exchange_online", "carol")
    assert d.allowed is False
    assert d.attribute_class == "identity"
    assert d.authority == "on_premises_ad"
    assert d.tool is not None and d.tool.startswith("Set-ADUser -Identity 'carol'")
    in_ad = soa.decide_edit(catalog, state, "department", "Sales", "active_directory", "carol")
    assert in_ad.allowed is True
    assert in_ad.ad_visibility == "direct"


def test_writeback_versus_never(catalog: soa.Catalog, cloud_managed: soa.MailboxState) -> None:
    written = soa.decide_edit(catalog, cloud_managed, "CustomAttribute2", "x", "exchange_online")
    assert written.allowed is True
    assert written.ad_visibility == "writeback"
    assert written.written_back is True
    stays = soa.decide_edit(catalog, cloud_managed, "Alias", "alice2", "exchange_online")
    assert stays.allowed is True
    assert stays.ad_visibility == "never"
    assert stays.written_back is False
    assert "not in the writeback set" in stays.reason


def test_cloud_only_mailbox_has_no_ad_object(catalog: soa.Catalog, cloud_only: soa.MailboxState) -> None:
    d = soa.decide_edit(catalog, cloud_only, "CustomAttribute1", "x", "exchange_online")
    assert d.allowed is True
    assert d.ad_visibility == "no_ad_object"
    identity = soa.decide_edit(catalog, cloud_only, "displayName", "Alice", "exchange_online")
    assert identity.authority == "entra_id"


def test_cloud_only_setting(catalog: soa.Catalog, synced: soa.MailboxState) -> None:
    d = soa.decide_edit(catalog, synced, "ForwardingSmtpAddress", "x@fabrikam.com", "exchange_online")
    assert d.allowed is True
    assert d.attribute_class == "cloud_only"
    assert d.ad_visibility == "never"
    refused = soa.decide_edit(catalog, synced, "ForwardingSmtpAddress", None, "active_directory")
    assert refused.allowed is False


@pytest.mark.parametrize(
    ("attribute", "value", "expected_tool_part"),
    [
        ("HiddenFromAddressListsEnabled", True, "-HiddenFromAddressListsEnabled $true"),
        ("ResourceCapacity", 12, "-ResourceCapacity 12"),
        ("EmailAddresses", ["SMTP:a@contoso.com", "smtp:b@contoso.com"], "'SMTP:a@contoso.com'"),
        ("EmailAddresses", ("SMTP:a@contoso.com",), "'SMTP:a@contoso.com'"),
        ("CustomAttribute1", None, "-CustomAttribute1 $null"),
    ],
)
def test_values_of_each_python_type(
    catalog: soa.Catalog, cloud_managed: soa.MailboxState, attribute: str, value: Any, expected_tool_part: str
) -> None:
    d = soa.decide_edit(catalog, cloud_managed, attribute, value, "exchange_online", "alice")
    assert d.allowed is True
    assert d.tool is not None and expected_tool_part in d.tool


def test_hostile_value_is_quoted(catalog: soa.Catalog, cloud_managed: soa.MailboxState) -> None:
    d = soa.decide_edit(catalog, cloud_managed, "CustomAttribute1", "x'; Remove-Mailbox y; '", "exchange_online")
    assert d.tool == "Set-Mailbox -Identity '<identity>' -CustomAttribute1 'x''; Remove-Mailbox y; '''"


def test_invalid_values(catalog: soa.Catalog, cloud_managed: soa.MailboxState) -> None:
    with pytest.raises(soa.InvalidProxyAddressError, match="two primary"):
        soa.decide_edit(
            catalog, cloud_managed, "proxyAddresses", ["SMTP:a@contoso.com", "SMTP:b@contoso.com"], "exchange_online"
        )
    with pytest.raises(soa.InvalidInputError, match="maybe"):
        soa.decide_edit(catalog, cloud_managed, "msExchHideFromAddressLists", "maybe", "exchange_online")
    with pytest.raises(soa.InvalidInputError, match="single-valued"):
        soa.decide_edit(catalog, cloud_managed, "CustomAttribute1", ["a", "b"], "exchange_online")
    with pytest.raises(soa.InvalidInputError, match="64-bit"):
        soa.decide_edit(catalog, cloud_managed, "ResourceCapacity", 2**70, "exchange_online")


def test_wrong_python_types(catalog: soa.Catalog, cloud_managed: soa.MailboxState) -> None:
    with pytest.raises(TypeError, match="dict"):
        soa.decide_edit(catalog, cloud_managed, "CustomAttribute1", {"a": 1}, "exchange_online")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="int"):
        soa.decide_edit(catalog, cloud_managed, "EmailAddresses", ["SMTP:a@b.com", 3], "exchange_online")  # type: ignore[list-item]


def test_bad_location_and_attribute(catalog: soa.Catalog, cloud_managed: soa.MailboxState) -> None:
    with pytest.raises(soa.InvalidInputError, match="edit location: \"exchange\" is not one of"):
        soa.decide_edit(catalog, cloud_managed, "CustomAttribute1", "x", "exchange")  # type: ignore[arg-type]
    with pytest.raises(soa.UnknownAttributeError):
        soa.decide_edit(catalog, cloud_managed, "CustomAttribute16", "x", "exchange_online")


def test_decision_to_dict_and_equality(catalog: soa.Catalog, cloud_managed: soa.MailboxState) -> None:
    args: tuple[Any, ...] = (catalog, cloud_managed, catalog["mail"], "a@contoso.com", "active_directory")
    d = soa.decide_edit(*args)
    assert d == soa.decide_edit(*args)
    data = d.to_dict()
    assert set(data) == DECISION_KEYS
    assert data["class"] == "exchange"
    assert data["attribute"] == "WindowsEmailAddress"
    assert data["allowed"] is False
    assert data["authority"] == "exchange_online"
    assert data["ad_visibility"] == "writeback"
    assert "allowed=False" in repr(d)


# ---------------------------------------------------------------------------------------------
# rollback_loss
# ---------------------------------------------------------------------------------------------

CLOUD: dict[str, Any] = {
    "CustomAttribute1": "Finance",
    "extensionAttribute2": "same",
    "EmailAddresses": ["SMTP:Alice@Contoso.com", "smtp:a@contoso.com"],
    "displayName": "Alice (cloud)",  # identity: never lost by a rollback
    "ForwardingSmtpAddress": "smtp:x@fabrikam.com",  # cloud-only: never from AD
    "CustomAttribute5": "only in the cloud",
}
AD: dict[str, Any] = {
    "extensionAttribute1": "Sales",
    "CustomAttribute2": "same",
    "proxyAddresses": ["smtp:A@contoso.com", "SMTP:alice@contoso.com"],
}


def test_rollback_loss(catalog: soa.Catalog, cloud_managed: soa.MailboxState) -> None:
    loss = soa.rollback_loss(catalog, cloud_managed, CLOUD, AD)
    assert loss.applies is True
    assert loss.is_lossless is False
    assert [e.attribute for e in loss.entries] == ["CustomAttribute1", "CustomAttribute5"]
    first, second = loss.entries
    assert first.ldap_name == "extensionAttribute1"
    assert first.cloud_value == "Finance"
    assert first.ad_value == "Sales"
    assert first.written_back is True
    assert second.cloud_value == "only in the cloud"
    assert second.ad_value is None
    assert second.ad_supplied is False
    assert first.ad_supplied is True
    assert "CustomAttribute1" in loss.summary
    assert loss.to_dict() == {
        "applies": True,
        "entries": [e.to_dict() for e in loss.entries],
        "summary": loss.summary,
    }
    assert first.to_dict() == {
        "attribute": "CustomAttribute1",
        "ldap_name": "extensionAttribute1",
        "cloud_value": "Finance",
        "ad_value": "Sales",
        "ad_supplied": True,
        "written_back": True,
    }
    assert loss == soa.rollback_loss(catalog, cloud_managed, CLOUD, AD)


def test_rollback_loss_lossless(catalog: soa.Catalog, cloud_managed: soa.MailboxState) -> None:
    loss = soa.rollback_loss(catalog, cloud_managed, {"CustomAttribute1": "x", "Alias": ""}, {"CustomAttribute1": "x"})
    assert loss.applies is True
    assert loss.is_lossless is True
    assert loss.entries == []


def test_rollback_does_not_apply_to_a_synced_mailbox(catalog: soa.Catalog, synced: soa.MailboxState) -> None:
    loss = soa.rollback_loss(catalog, synced, CLOUD, AD)
    assert loss.applies is False
    assert loss.is_lossless is True
    assert loss.summary.startswith("No rollback applies")


def test_rollback_loss_bad_input(catalog: soa.Catalog, cloud_managed: soa.MailboxState) -> None:
    with pytest.raises(soa.InvalidInputError, match="same attribute"):
        soa.rollback_loss(catalog, cloud_managed, {"CustomAttribute1": "a", "extensionAttribute1": "b"}, {})
    with pytest.raises(soa.UnknownAttributeError, match="nope"):
        soa.rollback_loss(catalog, cloud_managed, {}, {"nope": "x"})
    with pytest.raises(TypeError, match="mapping"):
        soa.rollback_loss(catalog, cloud_managed, [("CustomAttribute1", "x")], {})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str"):
        soa.rollback_loss(catalog, cloud_managed, {1: "x"}, {})  # type: ignore[dict-item]
