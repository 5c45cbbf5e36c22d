"""Catalog: lookups, iteration, the writeback set, JSON, and override files."""

from __future__ import annotations

import datetime
import json
import pathlib
from typing import Any

import pytest

import exchange_soa as soa

SERDE_KEYS = {
    "name",
    "ldap_name",
    "exo_property",
    "parameter",
    "graph_name",
    "value_kind",
    "class",
    "writeback",
    "writeback_since",
    "confirmed",
    "sources",
    "note",
}


@pytest.mark.parametrize(
    "name",
    [
        "extensionAttribute1",  # LDAP
        "EXTENSIONATTRIBUTE1",
        "CustomAttribute1",  # Exchange Online property and Set-Mailbox parameter
        "customattribute1",
        "onPremisesExtensionAttributes.extensionAttribute1",  # Graph
        "OnPremisesExtensionAttributes.ExtensionAttribute1",
    ],
)
def test_lookup_by_any_name_in_any_case(catalog: soa.Catalog, name: str) -> None:
    attribute = catalog.lookup(name)
    assert attribute.name == "CustomAttribute1"
    assert attribute.ldap_name == "extensionAttribute1"
    assert catalog[name] == attribute
    assert catalog.get(name) == attribute
    assert name in catalog


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("PROXYADDRESSES", "EmailAddresses"),
        ("emailaddresses", "EmailAddresses"),
        ("msexchhidefromaddresslists", "HiddenFromAddressListsEnabled"),
        ("mailNickname", "Alias"),
        ("ALIAS", "Alias"),
        ("jobTitle", "Title"),  # Graph name of an identity attribute
        ("Type", "RecipientTypeDetails"),  # parameter only
        ("forwardingsmtpaddress", "ForwardingSmtpAddress"),
    ],
)
def test_lookup_finds_the_canonical_row(catalog: soa.Catalog, name: str, canonical: str) -> None:
    assert catalog.lookup(name).name == canonical


def test_unknown_names(catalog: soa.Catalog) -> None:
    assert catalog.get("noSuchAttribute") is None
    assert "noSuchAttribute" not in catalog
    with pytest.raises(soa.UnknownAttributeError, match="noSuchAttribute"):
        catalog.lookup("noSuchAttribute")
    with pytest.raises(KeyError):
        catalog["noSuchAttribute"]
    assert 42 not in catalog


def test_iteration_matches_len(catalog: soa.Catalog) -> None:
    rows = list(catalog)
    assert len(rows) == len(catalog)
    assert len(catalog) > 100
    assert all(isinstance(row, soa.Attribute) for row in rows)
    assert len({row.name.lower() for row in rows}) == len(rows)
    assert all(row in catalog for row in rows)
    assert all(catalog[row.name] == row for row in rows)


def test_range_rows_are_expanded(catalog: soa.Catalog) -> None:
    for n in range(1, 16):
        assert catalog[f"extensionAttribute{n}"].exo_property == f"CustomAttribute{n}"
    for n in range(1, 6):
        assert catalog[f"ExtensionCustomAttribute{n}"].is_multi_valued
    assert catalog.get("extensionAttribute16") is None


def test_writeback_set(catalog: soa.Catalog) -> None:
    writeback = catalog.writeback_attributes()
    assert len(writeback) == 24
    assert all(a.writeback for a in writeback)
    assert all(a.attribute_class == "exchange" for a in writeback)
    assert {a.name for a in writeback} == {a.name for a in catalog if a.writeback}
    phases = sorted(a.writeback_since or "" for a in writeback)
    assert phases.count("preview") == 23
    assert phases.count("ga") == 1
    assert catalog["mail"].writeback_since == "ga"
    assert catalog["mail"].writeback_date == datetime.date(2026, 8, 3)
    assert catalog["proxyAddresses"].writeback_date == datetime.date(2026, 5, 15)
    assert catalog["mailNickname"].writeback is False
    assert catalog["mailNickname"].writeback_since is None
    assert catalog["mailNickname"].writeback_date is None


def test_attribute_properties(catalog: soa.Catalog) -> None:
    mail = catalog["mail"]
    assert mail.ldap_name == "mail"
    assert mail.exo_property == "WindowsEmailAddress"
    assert mail.parameter == "WindowsEmailAddress"
    assert mail.graph_name == "mail"
    assert mail.name == "WindowsEmailAddress"
    assert mail.names == ["mail", "WindowsEmailAddress", "WindowsEmailAddress", "mail"]
    assert mail.value_kind == "smtp_address"
    assert mail.attribute_class == "exchange"
    assert mail.is_multi_valued is False
    assert mail.confirmed is True
    assert isinstance(mail.sources, list) and mail.sources
    assert isinstance(mail.note, str)

    proxy = catalog["proxyAddresses"]
    assert proxy.value_kind == "proxy_addresses"
    assert proxy.is_multi_valued is True

    display = catalog["displayName"]
    assert display.attribute_class == "identity"
    forwarding = catalog["ForwardingSmtpAddress"]
    assert forwarding.attribute_class == "cloud_only"
    assert forwarding.ldap_name is None


def test_attribute_is_read_only(catalog: soa.Catalog) -> None:
    mail = catalog["mail"]
    with pytest.raises(AttributeError):
        mail.ldap_name = "other"  # type: ignore[misc]


def test_attribute_equality_and_hash(catalog: soa.Catalog) -> None:
    assert catalog["mail"] == catalog["WindowsEmailAddress"]
    assert catalog["mail"] != catalog["mailNickname"]
    assert catalog["mail"] != "mail"
    with pytest.raises(TypeError):
        hash(catalog["mail"])


def test_attribute_to_dict_is_the_serde_shape(catalog: soa.Catalog) -> None:
    d = catalog["extensionAttribute3"].to_dict()
    assert set(d) == SERDE_KEYS
    assert next(iter(d)) == "name"
    assert d["name"] == "CustomAttribute3"
    assert d["class"] == "exchange"
    assert d["value_kind"] == "string"
    assert d["ldap_name"] == "extensionAttribute3"
    assert d["writeback"] is True
    assert d["writeback_since"] == "preview"


def test_to_json_round_trips(catalog: soa.Catalog) -> None:
    text = catalog.to_json()
    rows = json.loads(text)
    assert len(rows) == len(catalog)
    assert rows == catalog.to_list()
    assert rows == [a.to_dict() for a in catalog]
    again = soa.Catalog.from_json(text, "copy.json")
    assert list(again) == list(catalog)


def test_repr(catalog: soa.Catalog) -> None:
    assert f"{len(catalog)} attributes" in repr(catalog)
    assert "'CustomAttribute1'" in repr(catalog["extensionAttribute1"])


# ---------------------------------------------------------------------------------------------
# Overrides
# ---------------------------------------------------------------------------------------------

RECLASSIFY = {
    "description": "after reading the Learn table",
    "attributes": [
        {"ldap_name": "msExchAssistantName", "class": "identity", "confirmed": True, "sources": ["L1"]},
        {
            "ldap_name": "msExchExtensionAttribute16",
            "exo_property": "ExtensionCustomAttribute6",
            "value_kind": "multi_string",
            "class": "exchange",
        },
    ],
}


def test_override_reclassifies_and_adds(catalog: soa.Catalog) -> None:
    before = catalog["msExchAssistantName"]
    assert before.attribute_class == "exchange"
    changed = catalog.with_override_json(json.dumps(RECLASSIFY), "ours.json")
    assert changed["AssistantName"].attribute_class == "identity"
    assert changed["AssistantName"].confirmed is True
    assert changed["AssistantName"].sources == ["L1"]
    assert changed["ExtensionCustomAttribute6"].value_kind == "multi_string"
    assert len(changed) == len(catalog) + 1
    assert changed.version == catalog.version
    # The base catalog is immutable.
    assert catalog["msExchAssistantName"] == before
    assert "ExtensionCustomAttribute6" not in catalog


def test_override_changes_decisions(catalog: soa.Catalog, cloud_managed: soa.MailboxState) -> None:
    changed = catalog.with_override_json(json.dumps(RECLASSIFY))
    args: tuple[Any, ...] = (cloud_managed, "msExchAssistantName", "Bob", "active_directory")
    assert soa.decide_edit(catalog, *args).allowed is False
    assert soa.decide_edit(changed, *args).allowed is True
    assert soa.master(changed, cloud_managed, "msExchAssistantName") == "on_premises_ad"


def test_override_file(tmp_path: pathlib.Path, catalog: soa.Catalog) -> None:
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps(RECLASSIFY), encoding="utf-8")
    from_file = soa.Catalog.from_override_file(path)
    assert from_file["AssistantName"].attribute_class == "identity"
    assert len(soa.Catalog.builtin().with_override_file(str(path))) == len(catalog) + 1


BAD_OVERRIDES = [
    pytest.param("{", soa.InvalidJsonError, "", id="malformed-json"),
    pytest.param("[]", soa.InvalidCatalogError, "attributes", id="not-an-object"),
    pytest.param('{"attributes": [{"class": "identity"}]}', soa.InvalidCatalogError, "no name", id="row-without-name"),
    pytest.param(
        '{"attributes": [{"ldap_name": "brandNew"}]}',
        soa.InvalidCatalogError,
        "value_kind and class",
        id="new-row-without-class",
    ),
    pytest.param(
        '{"attributes": [{"ldap_name": "mail", "exo_property": "Alias"}]}',
        soa.InvalidCatalogError,
        "two different attributes",
        id="names-of-two-rows",
    ),
    pytest.param(
        '{"attributes": [{"ldap_name": "displayName", "writeback": true, "writeback_since": "ga"}]}',
        soa.InvalidCatalogError,
        "only exchange attributes are written back",
        id="writeback-on-identity",
    ),
    pytest.param(
        '{"attributes": [{"ldap_name": "mail", "class": "sometimes"}]}',
        soa.InvalidCatalogError,
        "sometimes",
        id="unknown-class",
    ),
    pytest.param(
        '{"attributes": [{"ldap_name": "mail", "colour": "blue"}]}',
        soa.InvalidCatalogError,
        "colour",
        id="unknown-field",
    ),
    pytest.param(
        '{"attributes": [{"ldap_name": "newOne", "value_kind": "string", "class": "exchange"},'
        ' {"ldap_name": "NEWONE", "value_kind": "string", "class": "identity"}]}',
        soa.InvalidCatalogError,
        "belongs to two rows",
        id="name-claimed-twice",
    ),
]


@pytest.mark.parametrize(("text", "cls", "needle"), BAD_OVERRIDES)
def test_bad_overrides(catalog: soa.Catalog, text: str, cls: type[Exception], needle: str) -> None:
    with pytest.raises(cls) as info:
        catalog.with_override_json(text, "bad-overrides.json")
    assert type(info.value) is cls
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, soa.SoaError)
    message = str(info.value)
    assert "bad-overrides.json" in message
    assert needle in message


def test_bad_override_file_names_the_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"attributes": [{"ldap_name": "mail", "class": "sometimes"}]}')
    with pytest.raises(soa.InvalidCatalogError, match="broken.json"):
        soa.Catalog.from_override_file(path)


def test_whole_table_from_json() -> None:
    table = soa.Catalog.from_json(
        '[{"ldap_name": "a", "value_kind": "string", "class": "identity"}]', "tiny.json"
    )
    assert len(table) == 1
    assert table["A"].attribute_class == "identity"
    assert table.version is None
    with pytest.raises(soa.InvalidCatalogError, match="tiny.json"):
        soa.Catalog.from_json('[{"value_kind": "string", "class": "identity"}]', "tiny.json")
