"""Value types: ProxyAddress(es), SmtpAddress, SyncVersion and RecipientType."""

from __future__ import annotations

import pytest

import exchange_soa as soa

# ---------------------------------------------------------------------------------------------
# ProxyAddress
# ---------------------------------------------------------------------------------------------


def test_proxy_address_parts() -> None:
    primary = soa.ProxyAddress("SMTP:Alice@Contoso.com")
    assert primary.text == "SMTP:Alice@Contoso.com"
    assert str(primary) == "SMTP:Alice@Contoso.com"
    assert repr(primary) == "ProxyAddress('SMTP:Alice@Contoso.com')"
    assert primary.prefix == "SMTP"
    assert primary.prefix_text == "SMTP"
    assert primary.address == "Alice@Contoso.com"
    assert primary.is_primary is True
    assert primary.is_smtp is True
    assert primary.is_primary_smtp is True
    assert primary.smtp == soa.SmtpAddress("alice@contoso.com")

    secondary = soa.ProxyAddress("smtp:a@contoso.com")
    assert secondary.prefix == "SMTP"
    assert secondary.prefix_text == "smtp"
    assert secondary.is_primary is False
    assert secondary.is_primary_smtp is False

    x500 = soa.ProxyAddress("X500:/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=alice")
    assert x500.prefix == "X500"
    assert x500.is_smtp is False
    assert x500.smtp is None
    assert x500.is_primary is True  # upper case, but only SMTP primaries are counted

    custom = soa.ProxyAddress("notes:alice/contoso")
    assert custom.prefix == "NOTES"
    assert custom.prefix_text == "notes"


def test_proxy_address_equality_is_exact_text() -> None:
    a = soa.ProxyAddress("smtp:alice@contoso.com")
    assert a == soa.ProxyAddress("smtp:alice@contoso.com")
    assert hash(a) == hash(soa.ProxyAddress("smtp:alice@contoso.com"))
    assert a != soa.ProxyAddress("smtp:ALICE@contoso.com")
    assert a != soa.ProxyAddress("SMTP:alice@contoso.com")
    assert a != "smtp:alice@contoso.com"
    assert a.same_target(soa.ProxyAddress("SMTP:ALICE@contoso.com"))
    assert not a.same_target(soa.ProxyAddress("sip:alice@contoso.com"))
    assert len({a, soa.ProxyAddress("smtp:alice@contoso.com"), soa.ProxyAddress("SMTP:alice@contoso.com")}) == 2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("alice@contoso.com", "no ':'"),
        ("SMTP:", "empty address"),
        ("smtp:", "empty address"),
        ("", "empty"),
        ("SMTP:alice smith@contoso.com", "whitespace"),
        (" SMTP:alice@contoso.com", "whitespace"),
        ("SMTP:alice@contoso.com\t", "whitespace"),
        ("SMTP:jörg@contoso.com", "non-ASCII"),
        ("SMTP:alice@contoso", "single label"),
        (":alice@contoso.com", "empty address type prefix"),
        ("TOOLONGPREFIX:x", "longer than 9"),
        ("X500:o=Org/cn=alice", "starting with '/'"),
    ],
)
def test_bad_proxy_addresses(text: str, reason: str) -> None:
    with pytest.raises(soa.InvalidProxyAddressError) as info:
        soa.ProxyAddress(text)
    err = info.value
    assert isinstance(err, ValueError)
    assert text.strip() in str(err)
    assert reason in str(err)


# ---------------------------------------------------------------------------------------------
# ProxyAddresses
# ---------------------------------------------------------------------------------------------

ITEMS = ["SMTP:Alice@Contoso.com", "smtp:a@contoso.com", "X500:/o=Org/cn=alice", "sip:alice@contoso.com"]


def test_proxy_addresses_sequence() -> None:
    pa = soa.ProxyAddresses(ITEMS)
    assert len(pa) == 4
    assert [str(p) for p in pa] == ITEMS
    assert pa.to_list() == ITEMS
    assert pa[0] == soa.ProxyAddress("SMTP:Alice@Contoso.com")
    assert pa[-1].prefix == "SIP"
    with pytest.raises(IndexError):
        pa[4]
    with pytest.raises(IndexError):
        pa[-5]
    assert pa.primary_smtp == soa.ProxyAddress("SMTP:Alice@Contoso.com")
    assert repr(pa) == f"ProxyAddresses({ITEMS!r})"


def test_proxy_addresses_accepts_objects_and_tuples() -> None:
    objects = [soa.ProxyAddress(t) for t in ITEMS]
    assert soa.ProxyAddresses(objects) == soa.ProxyAddresses(tuple(ITEMS))


def test_proxy_addresses_contains() -> None:
    pa = soa.ProxyAddresses(ITEMS)
    assert "alice@contoso.com" in pa  # a bare address means SMTP, any case
    assert "A@CONTOSO.COM" in pa
    assert "smtp:ALICE@contoso.com" in pa
    assert "SIP:alice@contoso.com" in pa
    assert soa.ProxyAddress("X500:/o=Org/cn=alice") in pa
    assert "bob@contoso.com" not in pa
    assert "sip:a@contoso.com" not in pa
    assert 3 not in pa


def test_proxy_addresses_set_eq_and_diff() -> None:
    pa = soa.ProxyAddresses(ITEMS)
    reordered = ["sip:ALICE@contoso.com", "X500:/o=Org/cn=alice", "smtp:A@contoso.com", "SMTP:alice@contoso.com"]
    assert pa.set_eq(reordered)
    assert pa.set_eq(soa.ProxyAddresses(reordered))
    assert pa != soa.ProxyAddresses(reordered)  # == compares in order, exactly
    moved_primary = ["SMTP:a@contoso.com", "smtp:Alice@Contoso.com", "X500:/o=Org/cn=alice", "sip:alice@contoso.com"]
    assert not pa.set_eq(moved_primary)
    added, removed = pa.diff(moved_primary)
    assert sorted(map(str, added)) == ["SMTP:a@contoso.com", "smtp:Alice@Contoso.com"]
    assert sorted(map(str, removed)) == ["SMTP:Alice@Contoso.com", "smtp:a@contoso.com"]
    assert pa.diff(ITEMS) == ([], [])


def test_proxy_addresses_equality_and_hash() -> None:
    a = soa.ProxyAddresses(ITEMS)
    b = soa.ProxyAddresses(list(ITEMS))
    assert a == b
    assert hash(a) == hash(b)
    assert {a: 1}[b] == 1


@pytest.mark.parametrize(
    ("items", "culprit", "reason"),
    [
        (["SMTP:a@contoso.com", "SMTP:b@contoso.com"], "SMTP:b@contoso.com", "two primary SMTP addresses"),
        (["smtp:a@contoso.com"], "smtp:a@contoso.com", "no primary SMTP address"),
        ([], "", "the list is empty"),
        (["SMTP:a@contoso.com", "smtp:A@CONTOSO.com"], "smtp:A@CONTOSO.com", "duplicate"),
        (["SMTP:a@contoso.com", "b@contoso.com"], "b@contoso.com", "no ':'"),
        (["SMTP:a@contoso.com", "smtp:"], "smtp:", "empty address"),
        (["SMTP:a@contoso.com", "smtp:b c@contoso.com"], "smtp:b c@contoso.com", "whitespace"),
        (["SMTP:a@contoso.com", "smtp:ñ@contoso.com"], "smtp:ñ@contoso.com", "non-ASCII"),
    ],
)
def test_bad_proxy_address_sets(items: list[str], culprit: str, reason: str) -> None:
    with pytest.raises(soa.InvalidProxyAddressError) as info:
        soa.ProxyAddresses(items)
    assert isinstance(info.value, ValueError)
    assert f'"{culprit}"' in str(info.value)
    assert reason in str(info.value)


def test_proxy_addresses_type_errors() -> None:
    with pytest.raises(TypeError, match="single str"):
        soa.ProxyAddresses("SMTP:a@contoso.com")
    with pytest.raises(TypeError, match="int"):
        soa.ProxyAddresses(["SMTP:a@contoso.com", 7])  # type: ignore[list-item]


# ---------------------------------------------------------------------------------------------
# SmtpAddress
# ---------------------------------------------------------------------------------------------


def test_smtp_address() -> None:
    a = soa.SmtpAddress("Alice.Smith@Contoso.com")
    assert a.local_part == "Alice.Smith"
    assert a.domain == "Contoso.com"
    assert a.text == str(a) == "Alice.Smith@Contoso.com"
    assert repr(a) == "SmtpAddress('Alice.Smith@Contoso.com')"
    b = soa.SmtpAddress("alice.smith@CONTOSO.COM")
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert a != soa.SmtpAddress("bob@contoso.com")
    assert a != "Alice.Smith@Contoso.com"


@pytest.mark.parametrize("text", ["alice", "alice@", "@contoso.com", "al ice@contoso.com", "jörg@contoso.com", ""])
def test_bad_smtp_addresses(text: str) -> None:
    with pytest.raises(soa.InvalidSmtpAddressError) as info:
        soa.SmtpAddress(text)
    assert isinstance(info.value, ValueError)
    assert f'"{text}"' in str(info.value)


# ---------------------------------------------------------------------------------------------
# SyncVersion
# ---------------------------------------------------------------------------------------------


def test_sync_version_ordering() -> None:
    old = soa.SyncVersion("2.5.79.0")
    new = soa.SyncVersion("2.5.190.0")
    assert old < new
    assert old <= new
    assert new > old
    assert new >= old
    assert old != new
    assert new == soa.SyncVersion("2.5.190.0")
    assert new <= soa.SyncVersion("2.5.190.0")
    assert new >= soa.SyncVersion("2.5.190.0")
    assert not new < soa.SyncVersion("2.5.190.0")
    assert soa.SyncVersion("10.0.0.0") > soa.SyncVersion("9.99.99.99")  # numeric, not text
    versions = [soa.SyncVersion(t) for t in ["2.5.190.0", "1.1.1107.0", "2.5.79.0", "2.4.131.0"]]
    assert [str(v) for v in sorted(versions)] == ["1.1.1107.0", "2.4.131.0", "2.5.79.0", "2.5.190.0"]
    assert max(versions) == soa.SyncVersion.CONNECT_SYNC_MINIMUM


def test_sync_version_hashing() -> None:
    a = soa.SyncVersion("2.5.190.0")
    b = soa.SyncVersion(" 2.5.190.0\n")  # surrounding whitespace is trimmed
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, soa.SyncVersion("2.5.79.0")}) == 2
    table = {a: "ok"}
    assert table[b] == "ok"


def test_sync_version_parts_and_constants() -> None:
    v = soa.SyncVersion("2.5.190.7")
    assert v.parts == (2, 5, 190, 7)
    assert (v.major, v.minor, v.build, v.revision) == (2, 5, 190, 7)
    assert str(v) == "2.5.190.7"
    assert repr(v) == "SyncVersion('2.5.190.7')"
    assert soa.SyncVersion.from_parts(2, 5, 190, 7) == v
    assert str(soa.SyncVersion.CONNECT_SYNC_MINIMUM) == "2.5.190.0"
    assert str(soa.SyncVersion.CONNECT_SYNC_KNOWN_BAD) == "2.5.79.0"
    assert str(soa.SyncVersion.CLOUD_SYNC_WRITEBACK_MINIMUM) == "1.1.1107.0"
    assert soa.SyncVersion.CONNECT_SYNC_KNOWN_BAD < soa.SyncVersion.CONNECT_SYNC_MINIMUM


def test_sync_version_compares_only_with_versions() -> None:
    v = soa.SyncVersion("2.5.190.0")
    assert v != "2.5.190.0"
    with pytest.raises(TypeError):
        v < "2.5.190.1"  # type: ignore[operator]  # noqa: B015


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2.5", "found 2"),
        ("2.5.190.0.1", "found 5"),
        ("v2.5.190.0", "not a number"),
        ("2.5.-1.0", "not a number"),
        ("", "empty"),
        ("2..190.0", "part 2 is empty"),
        ("2.5.190.4294967296", "too large"),
    ],
)
def test_bad_sync_versions(text: str, reason: str) -> None:
    with pytest.raises(soa.InvalidVersionError) as info:
        soa.SyncVersion(text)
    assert isinstance(info.value, ValueError)
    assert f'"{text}"' in str(info.value)
    assert reason in str(info.value)


# ---------------------------------------------------------------------------------------------
# RecipientType
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["UserMailbox", "sharedmailbox", "ROOMMAILBOX", " EquipmentMailbox "])
def test_eligible_recipient_types(name: str) -> None:
    rt = soa.RecipientType(name)
    assert rt.is_eligible is True
    assert rt.ineligibility_reason is None
    assert rt in soa.ELIGIBLE_RECIPIENT_TYPES


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("MailUser", "mail users"),
        ("RemoteUserMailbox", "on-premises view"),
        ("MailUniversalDistributionGroup", "groups"),
        ("GroupMailbox", "Microsoft 365 group"),
        ("SomethingNew", "unknown recipient type"),
    ],
)
def test_ineligible_recipient_types(name: str, reason: str) -> None:
    rt = soa.RecipientType(name)
    assert rt.is_eligible is False
    assert rt.ineligibility_reason is not None and reason in rt.ineligibility_reason
    assert rt not in soa.ELIGIBLE_RECIPIENT_TYPES


def test_recipient_type_names_and_equality() -> None:
    rt = soa.RecipientType("usermailbox")
    assert rt.name == "UserMailbox"
    assert str(rt) == "UserMailbox"
    assert repr(rt) == "RecipientType('UserMailbox')"
    assert rt == soa.RecipientType("UserMailbox")
    assert hash(rt) == hash(soa.RecipientType("USERMAILBOX"))
    assert soa.RecipientType("SomethingNew").name == "SomethingNew"
    assert soa.RecipientType.from_ad_value(1) == rt
    assert soa.RecipientType.from_ad_value(4).name == "SharedMailbox"
    assert soa.RecipientType.from_ad_value(99999).name == "99999"


def test_eligible_set() -> None:
    assert [t.name for t in soa.ELIGIBLE_RECIPIENT_TYPES] == [
        "UserMailbox",
        "SharedMailbox",
        "RoomMailbox",
        "EquipmentMailbox",
    ]


def test_empty_recipient_type() -> None:
    with pytest.raises(soa.InvalidRecipientTypeError) as info:
        soa.RecipientType("")
    assert isinstance(info.value, ValueError)
