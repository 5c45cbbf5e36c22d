"""The Session through Python: its defaults come from the core (the backend's principal as the
actor, the backend's catalog, the directory's or the backend's clock), an explicit empty actor
is refused, runs record the session's actor, and a missing on-premises directory is stated in
plans and rollbacks instead of silently skipping the settle rule."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest

import exchange_soa as soa

TICKET = "CHG-4242"
ADMIN = "admin@contoso.com"


@pytest.fixture
def org() -> soa.SimulatedOrg:
    org = soa.SimulatedOrg.generate(120, 5)
    org.set_cloud_sync_agent()
    return org


@pytest.fixture(params=["simulated", "rest"])
def backend(request: pytest.FixtureRequest, org: soa.SimulatedOrg) -> Iterator[soa.ExchangeOnline]:
    """The organization itself, or an ExoClient talking to the emulator that serves it."""
    if request.param == "simulated":
        yield org
        return
    with soa.Emulator(org) as emu:
        yield soa.ExoClient.for_emulator(emu, ADMIN, page_size=25, timeout=10.0)


def settled_candidates(org: soa.SimulatedOrg, n: int) -> list[str]:
    """`n` dir-synced user mailboxes, not cloud-managed, whose AD side has settled."""
    plan = soa.plan(
        soa.Session(org, org.directory),
        {"dir_synced": True, "cloud_managed": False, "recipient_types": ["UserMailbox"]},
        soa.TransferPolicy(TICKET, batch_cap=1000),
    )
    upns = [str(e.user_principal_name) for e in plan.go()]
    assert len(upns) >= n
    return upns[:n]


# ---------------------------------------------------------------------------------------------
# Construction and defaults
# ---------------------------------------------------------------------------------------------


def test_defaults_come_from_the_backend(org: soa.SimulatedOrg) -> None:
    session = soa.Session(org)
    assert session.actor == org.principal == ADMIN
    assert session.now == org.now
    assert session.exchange is org
    assert session.directory is None
    assert len(session.catalog) == len(soa.Catalog.builtin())
    assert "no on-premises directory" in repr(session)

    # The organization's virtual clock moves the session's time.
    org.advance(90)
    assert session.now == org.now

    with_ad = soa.Session(org, org.directory)
    assert isinstance(with_ad.directory, soa.OnPremisesDirectory)
    assert "an on-premises directory" in repr(with_ad)

    # A handle acting as another principal: that principal acts.
    other = org.as_principal("ops@contoso.com")
    assert soa.Session(other).actor == "ops@contoso.com"
    # Explicit values win.
    custom = soa.Catalog.builtin().with_override_json(
        '{"attributes": [{"ldap_name": "msExchAssistantName", "class": "identity"}]}'
    )
    explicit = soa.Session(org, directory=org.directory, catalog=custom, actor="change-bot")
    assert explicit.actor == "change-bot"
    assert explicit.catalog["AssistantName"].attribute_class == "identity"
    assert session.catalog["AssistantName"].attribute_class == "exchange"


def test_a_tenant_session_reads_the_directory_clock(org: soa.SimulatedOrg) -> None:
    with soa.Emulator(org) as emu:
        client = soa.ExoClient.for_emulator(emu, ADMIN)
        # A tenant alone keeps the system's time ...
        alone = soa.Session(client)
        assert alone.actor != ""
        assert alone.now > org.now
        # ... a simulated AD behind the emulated tenant keeps the virtual one.
        assert soa.Session(client, org.directory).now == org.now


@pytest.mark.parametrize("actor", ["", "   "])
def test_an_explicit_empty_actor_is_refused(org: soa.SimulatedOrg, actor: str) -> None:
    with pytest.raises(soa.InvalidInputError, match="actor"):
        soa.Session(org, actor=actor)


def test_the_directory_is_an_on_premises_directory(org: soa.SimulatedOrg) -> None:
    upn = settled_candidates(org, 1)[0]
    record = org.directory.ad_record(upn)
    assert record is not None
    assert record["attributes"] == org.ad_attributes(upn)
    assert record["when_changed"] == org.ad_user(upn)["when_changed"]
    assert org.directory.ad_record("nobody@contoso.com") is None
    environment = org.directory.sync_environment()
    assert environment is not None
    assert environment["connect_sync_version"] == str(org.connect_sync_version)
    assert environment["writeback_wanted"] is True
    org.remove_cloud_sync_agent()
    assert org.directory.sync_environment() == {**environment, "cloud_sync_agent_version": None, "writeback_wanted": False}
    # The organization itself is Exchange Online, not a directory: the error says what to pass.
    with pytest.raises(TypeError, match=r"\.directory"):
        soa.Session(org, directory=org)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        soa.Session(org.directory)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# The actor in audit logs
# ---------------------------------------------------------------------------------------------


def test_runs_record_the_backends_principal_by_default(
    org: soa.SimulatedOrg, backend: soa.ExchangeOnline, tmp_path: pathlib.Path
) -> None:
    session = soa.Session(backend, org.directory)
    expected = org.principal if backend is org else session.actor
    assert session.actor == expected and session.actor.strip() != ""
    ids = settled_candidates(org, 2)
    plan = soa.plan(session, ids, soa.TransferPolicy(TICKET))
    report = soa.run(session, plan, tmp_path / "wave")
    assert report.verified == 2
    soa.rollback(session, ids[0], acknowledge_loss=True, ticket=TICKET, audit_log=tmp_path / "wave" / "audit.jsonl")
    events = soa.read_audit_log(tmp_path / "wave" / "audit.jsonl")
    assert {e["action"] for e in events} >= {"backup", "flip", "rollback"}
    assert {e["actor"] for e in events} == {expected}


# ---------------------------------------------------------------------------------------------
# A missing directory is stated
# ---------------------------------------------------------------------------------------------


def test_plan_without_a_directory_says_so_and_with_one_sees_unsynced_changes(
    org: soa.SimulatedOrg, backend: soa.ExchangeOnline
) -> None:
    upn = settled_candidates(org, 1)[0]
    # A change on-premises that the sync engine has not carried to the cloud yet.
    org.set_ad_attributes(upn, {"department": "Moved"})

    blind = soa.plan(soa.Session(backend), [upn], soa.TransferPolicy(TICKET))
    assert blind.directory_checked is False
    [entry] = blind.entries
    assert entry.decision == "go"
    unchecked = [f for f in entry.findings if f.code == "settle_rule_unchecked"]
    assert [(f.severity, f.subject) for f in unchecked] == [("warn", upn)]
    assert "cloud side only" in unchecked[0].message

    seeing = soa.plan(soa.Session(backend, org.directory), [upn], soa.TransferPolicy(TICKET))
    assert seeing.directory_checked is True
    [entry] = seeing.entries
    assert entry.decision == "skip"
    codes = {f.code for f in entry.findings}
    assert "recent_on_premises_change" in codes and "settle_rule_unchecked" not in codes


def test_rollback_without_a_directory_is_refused_unless_acknowledged(
    org: soa.SimulatedOrg, tmp_path: pathlib.Path
) -> None:
    upn = settled_candidates(org, 1)[0]
    session = soa.Session(org, org.directory)
    soa.run(session, soa.plan(session, [upn], soa.TransferPolicy(TICKET)), tmp_path / "wave")
    org.set_mailbox(upn, {"CustomAttribute4": "CLOUD"})
    blind = soa.Session(org)
    with pytest.raises(soa.RefusedError, match="No on-premises directory"):
        soa.rollback(blind, upn)
    assert org.get_mailbox(upn).is_exchange_cloud_managed
    outcome = soa.rollback(blind, upn, acknowledge_loss=True)
    assert outcome.rolled_back and outcome.directory_checked is False
    assert outcome.to_dict()["directory_checked"] is False


# ---------------------------------------------------------------------------------------------
# Preflight gathered through the session
# ---------------------------------------------------------------------------------------------


def test_gather_preflight_reads_the_tenant_the_actor_and_the_directory(
    org: soa.SimulatedOrg, backend: soa.ExchangeOnline
) -> None:
    session = soa.Session(backend, org.directory)
    preflight = soa.gather_preflight(session)
    assert preflight["caller"]["name"] == session.actor
    assert preflight["sync"]["connect_sync_version"] == str(org.connect_sync_version)
    assert preflight["tenant"]["cloud_managed_mailboxes"] == org.summary().cloud_managed_mailboxes
    assert preflight["tenant"]["cloud_managed_by_default"] is False
    report = soa.check_organization(preflight)
    assert "connect_sync_version_unknown" not in {f.code for f in report}
    plan = soa.plan(session, settled_candidates(org, 1), soa.TransferPolicy(TICKET), preflight=preflight)
    assert plan.organization == [
        f for f in soa.check_organization(preflight, planned=1).findings
    ]
    # Without a directory, the sync engines are unknown, and the checks say so.
    blind = soa.gather_preflight(soa.Session(backend), soa.Requirements(settle_hours=48))
    assert blind["requirements"]["settle_hours"] == 48
    assert "connect_sync_version_unknown" in {f.code for f in soa.check_organization(blind)}
