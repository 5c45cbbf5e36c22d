"""The transfer through Python, on a SimulatedOrg and on an ExoClient talking to the HTTP
emulator (every test runs on both backends, each in a Session with the organization's AD as
the directory): plan refusals, dry run, runs with a progress callback, cancel and resume,
backups, rollback with its loss report, restore, the tenant-wide default and the RBAC
review."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

import exchange_soa as soa

TICKET = "CHG-4242"
ADMIN = "admin@contoso.com"


@dataclass
class Setup:
    """An organization, and the backend the transfer goes through (the organization itself,
    or an ExoClient against the emulator serving it)."""

    org: soa.SimulatedOrg
    backend: soa.ExchangeOnline
    emulator: soa.Emulator | None

    def session(self, actor: str | None = None) -> soa.Session:
        """The backend, with the organization's AD as the on-premises directory."""
        return soa.Session(self.backend, self.org.directory, actor=actor)

    def candidates(self, n: int) -> list[str]:
        """`n` dir-synced user mailboxes that are not cloud-managed and have settled."""
        eligible = soa.plan(
            soa.Session(self.org, self.org.directory),
            {"dir_synced": True, "cloud_managed": False, "recipient_types": ["UserMailbox"]},
            soa.TransferPolicy(TICKET, batch_cap=1000),
        )
        upns = [str(e.user_principal_name) for e in eligible.go()]
        assert len(upns) >= n
        return upns[:n]

    def flips_of(self, upn: str) -> int:
        """How many times Exchange Online set the flag of `upn` to true."""
        records = self.org.search_admin_audit_log(object=upn, parameter="IsExchangeCloudManaged")
        return sum(1 for r in records if r.new_values.get("IsExchangeCloudManaged") is True)


@pytest.fixture(params=["simulated", "rest"])
def setup(request: pytest.FixtureRequest) -> Iterator[Setup]:
    org = soa.SimulatedOrg.generate(150, 21)
    org.set_cloud_sync_agent()
    if request.param == "simulated":
        yield Setup(org, org, None)
        return
    with soa.Emulator(org) as emu:
        client = soa.ExoClient.for_emulator(emu, ADMIN, page_size=20, timeout=10.0)
        yield Setup(org, client, emu)


def plan_for(s: Setup, identities: list[str], **policy: object) -> soa.Plan:
    return soa.plan(s.session(), identities, soa.TransferPolicy(TICKET, **policy))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# TransferPolicy and plan
# ---------------------------------------------------------------------------------------------


def test_policy_defaults_are_the_safe_ones() -> None:
    policy = soa.TransferPolicy()
    assert policy.ticket is None
    assert policy.require_ticket is True
    assert policy.batch_cap == 25
    assert policy.exclusions == []
    assert sorted(policy.allowed_types) == sorted(t.name for t in soa.ELIGIBLE_RECIPIENT_TYPES)
    assert policy.enforce_settle_rule is True
    assert policy.max_concurrency == 4
    assert policy.probe_attribute is None
    assert policy.requirements == soa.Requirements()
    custom = soa.TransferPolicy(
        "CHG-1",
        batch_cap=3,
        exclusions=["vip@contoso.com"],
        allowed_types=["UserMailbox", soa.RecipientType("SharedMailbox")],
        requirements=soa.Requirements(settle_hours=48),
    )
    assert custom.allowed_types == ["UserMailbox", "SharedMailbox"]
    assert custom.requirements.settle_hours == 48
    assert custom.to_dict()["batch_cap"] == 3
    assert custom == soa.TransferPolicy(
        "CHG-1",
        batch_cap=3,
        exclusions=["vip@contoso.com"],
        allowed_types=["UserMailbox", "SharedMailbox"],
        requirements=soa.Requirements(settle_hours=48),
    )
    assert custom != policy
    assert "CHG-1" in repr(custom)
    with pytest.raises(soa.InvalidRecipientTypeError):
        soa.TransferPolicy(allowed_types=["  "])
    with pytest.raises(TypeError):
        soa.TransferPolicy(exclusions="vip@contoso.com")


def test_plan_refusals(setup: Setup) -> None:
    ids = setup.candidates(4)
    with pytest.raises(soa.RefusedError) as no_ticket:
        soa.plan(setup.session(), ids, soa.TransferPolicy())
    assert no_ticket.value.operation == "plan a transfer"
    assert no_ticket.value.reason is not None and "ticket" in no_ticket.value.reason
    with pytest.raises(soa.RefusedError):
        soa.plan(setup.session(), ids, soa.TransferPolicy("   "))
    # Relaxed by policy.
    relaxed = soa.plan(setup.session(), ids, soa.TransferPolicy(require_ticket=False))
    assert len(relaxed.go()) == 4
    # An explicit list over the cap is refused; a filter over the cap is deferred.
    with pytest.raises(soa.RefusedError) as over:
        plan_for(setup, ids, batch_cap=3)
    assert over.value.reason is not None and "batch cap of 3" in over.value.reason
    deferred = soa.plan(
        setup.session(), {"dir_synced": True, "cloud_managed": False}, soa.TransferPolicy(TICKET, batch_cap=3)
    )
    assert len(deferred.go()) == 3
    assert any((e.reason or "").startswith("beyond the batch cap") for e in deferred.entries)
    assert "deferred" in deferred.summary()


def test_plan_decides_and_explains(setup: Setup, tmp_path: pathlib.Path) -> None:
    go, excluded, recent = setup.candidates(3)
    shared = next(
        str(m.user_principal_name)
        for m in setup.org.list_mailboxes(cloud_managed=False, dir_synced=False)
    )
    # A change on-premises now: the settle rule holds the mailbox back.
    setup.org.set_ad_attributes(recent, {"department": "Moved"})
    setup.org.sync_cycle()
    plan = plan_for(
        setup, [go, excluded, recent, shared, "ghost@contoso.com"], exclusions=[excluded]
    )
    by_id = {e.identity: e for e in plan.entries}
    assert [e.identity for e in plan.go()] == [go]
    assert by_id[go].decision == "go" and by_id[go].go and by_id[go].reason is None
    assert by_id[go].user_principal_name == go
    assert by_id[excluded].reason == "excluded by the policy"
    assert "recent_on_premises_change" in {f.code for f in by_id[recent].findings}
    assert by_id[recent].decision == "skip"
    assert "not_dir_synced" in {f.code for f in by_id[shared].findings}
    assert by_id["ghost@contoso.com"].reason == "no mailbox with this identity"
    assert plan.policy.ticket == TICKET
    assert plan.is_blocked is False
    assert plan.directory_checked is True
    # The default preflight knows nothing of the sync engines: a warning, not a block.
    assert [(f.code, f.severity) for f in plan.organization] == [
        ("connect_sync_version_unknown", "warn")
    ]
    assert TICKET in plan.summary()
    assert plan.to_dict()["run_id"] == plan.run_id
    assert plan.created == setup.org.now
    assert plan.run_id in repr(plan)

    # Without the settle rule enforced, the recent change only warns.
    lenient = plan_for(setup, [recent], enforce_settle_rule=False)
    assert [e.identity for e in lenient.go()] == [recent]

    # Save and load.
    path = tmp_path / "plan.json"
    plan.save(path)
    assert soa.Plan.load(path) == plan
    assert json.loads(path.read_text())["policy"]["ticket"] == TICKET


def test_plan_selections(setup: Setup, tmp_path: pathlib.Path) -> None:
    a, b = setup.candidates(2)
    csv = tmp_path / "wave.csv"
    csv.write_text(f'#TYPE Selected.Mailbox\n"UserPrincipalName","Alias"\n"{a}","x"\n"{b}","y"\n"{a}","x"\n')
    session = setup.session()
    from_file = soa.plan(session, csv, soa.TransferPolicy(TICKET))
    assert [e.identity for e in from_file.entries] == [a, b]
    assert [e.identity for e in soa.plan(session, str(csv), soa.TransferPolicy(TICKET)).entries] == [a, b]
    from_tuple = soa.plan(session, (a, b), soa.TransferPolicy(TICKET))
    assert [e.identity for e in from_tuple.go()] == [a, b]
    shared = soa.plan(session, {"recipient_types": ["SharedMailbox"]}, soa.TransferPolicy(TICKET))
    assert shared.entries
    with pytest.raises(soa.InvalidInputError):
        soa.plan(session, {"dir_sync": True}, soa.TransferPolicy(TICKET))
    with pytest.raises(TypeError):
        soa.plan(session, 42, soa.TransferPolicy(TICKET))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        soa.plan(session, [a, 42], soa.TransferPolicy(TICKET))  # type: ignore[list-item]
    with pytest.raises(soa.SoaFileNotFoundError):
        soa.plan(session, tmp_path / "missing.csv", soa.TransferPolicy(TICKET))
    bad = tmp_path / "bad.csv"
    bad.write_text("Name\nx\n")
    with pytest.raises(soa.InvalidInputError):
        soa.plan(session, bad, soa.TransferPolicy(TICKET))


def test_plan_with_preflight_findings(setup: Setup, tmp_path: pathlib.Path) -> None:
    ids = setup.candidates(1)
    preflight = {
        "sync": {"connect_sync_version": "2.4.0.0"},
        "caller": {"name": ADMIN, "roles": ["Exchange Administrator"]},
    }
    plan = soa.plan(setup.session(), ids, soa.TransferPolicy(TICKET), preflight=preflight)
    assert plan.is_blocked
    assert "connect_sync_too_old" in {f.code for f in plan.organization}
    with pytest.raises(soa.RefusedError) as refused:
        soa.run(setup.session(actor="ops"), plan, tmp_path / "blocked")
    assert refused.value.reason is not None and "connect_sync_too_old" in refused.value.reason
    # The refusal is audited, and nothing was flipped.
    [event] = soa.read_audit_log(tmp_path / "blocked" / "audit.jsonl")
    assert event["action"] == "refusal" and event["ticket"] == TICKET and event["actor"] == "ops"
    assert not setup.org.get_mailbox(ids[0]).is_exchange_cloud_managed
    with pytest.raises(soa.InvalidJsonError):
        soa.plan(setup.session(), ids, soa.TransferPolicy(TICKET), preflight="{not json")


# ---------------------------------------------------------------------------------------------
# run, progress, cancel, resume
# ---------------------------------------------------------------------------------------------


def test_dry_run_changes_nothing(setup: Setup, tmp_path: pathlib.Path) -> None:
    ids = setup.candidates(3)
    plan = plan_for(setup, ids)
    report = soa.run(setup.session(), plan, tmp_path / "dry", dry_run=True)
    assert report.dry_run and not report.cancelled
    assert [r.step for r in report.results] == ["planned"] * 3
    assert all(r.reason == "dry run: nothing changed" for r in report.results)
    assert (tmp_path / "dry" / "plan.json").is_file()
    assert not (tmp_path / "dry" / "journal.jsonl").exists()
    assert all(not setup.org.get_mailbox(i).is_exchange_cloud_managed for i in ids)


def test_run_with_progress_backs_up_flips_and_verifies(setup: Setup, tmp_path: pathlib.Path) -> None:
    ids = setup.candidates(5)
    plan = plan_for(setup, ids, probe_attribute="CustomAttribute15", max_concurrency=2)
    events: list[soa.ProgressEvent] = []
    run_dir = tmp_path / "wave1"
    report = soa.run(setup.session(actor="ops@contoso.com"), plan, run_dir, progress=events.append)
    assert report.run_id == plan.run_id
    assert report.verified == 5 and report.failed == 0 and not report.cancelled
    assert [r.identity for r in report.results] == ids
    assert {r.step for r in report.results} == {"probe_ok"}
    assert report.to_dict()["results"][0]["step"] == "probe_ok"
    # Every mailbox went through every step, in order; the count of finished ones grows to
    # the total.
    for upn in ids:
        steps = [e.step for e in events if e.identity == upn]
        assert steps == ["planned", "backed_up", "flip_sent", "verified", "probe_ok"]
    assert all(e.total == 5 for e in events)
    dones = [e.done for e in events]
    assert dones == sorted(dones) and dones[-1] <= 5
    assert "planned" in repr(events[0])
    # The organization.
    for upn in ids:
        m = setup.org.get_mailbox(upn)
        assert m.is_exchange_cloud_managed
        assert m.custom_attribute(15) is None or not m.custom_attribute(15).startswith("soa-probe")  # type: ignore[union-attr]
        assert setup.flips_of(upn) == 1
    # The run folder: plan, journal, audit log, one verified backup per mailbox, taken before
    # the flip.
    assert soa.Plan.load(run_dir / "plan.json") == plan
    store = soa.BackupStore(run_dir / "backups")
    assert store.dir == run_dir / "backups"
    for upn in ids:
        backup = store.read(upn)
        assert store.path_for(upn).is_file()
        assert backup.identity == upn
        assert backup.run_id == plan.run_id
        assert backup.format == 1 and len(backup.checksum) == 64
        assert backup.mailbox.is_exchange_cloud_managed is False
        assert backup.user is not None and backup.user.user_principal_name == upn
        assert backup.ad is not None and "attributes" in backup.ad
        backup.verify()
        assert soa.Backup.read_file(store.path_for(upn)) == backup
    events_logged = soa.read_audit_log(run_dir / "audit.jsonl")
    flips = [e for e in events_logged if e["action"] == "flip"]
    assert sorted(e["mailbox"] for e in flips) == sorted(ids)
    assert all(e["ticket"] == TICKET and e["actor"] == "ops@contoso.com" for e in flips)
    assert {e["action"] for e in events_logged} >= {"backup", "flip", "probe"}

    # A second run of the same folder finds everything done and flips nothing.
    again = soa.run(setup.session(), plan, run_dir)
    assert again.verified == 5
    assert all(r.reason == "done in an earlier attempt" for r in again.results)
    assert all(setup.flips_of(upn) == 1 for upn in ids)


def test_cancel_then_resume_flips_each_mailbox_once(setup: Setup, tmp_path: pathlib.Path) -> None:
    ids = setup.candidates(6)
    plan = plan_for(setup, ids, max_concurrency=1)
    cancel = soa.CancelToken()
    assert not cancel.cancelled

    def progress(e: soa.ProgressEvent) -> None:
        if e.step == "verified" and e.identity == ids[1]:
            cancel.cancel()

    run_dir = tmp_path / "wave"
    first = soa.run(setup.session(), plan, run_dir, progress=progress, cancel=cancel)
    assert first.cancelled and cancel.cancelled
    assert 2 <= first.verified < 6
    assert "cancelled=True" in repr(cancel)

    events: list[soa.ProgressEvent] = []
    resumed = soa.resume(setup.session(), run_dir, progress=events.append)
    assert not resumed.cancelled
    assert resumed.verified == 6 and resumed.failed == 0
    assert {e.identity for e in events if e.step == "verified"} == set(ids[first.verified :])
    for upn in ids:
        assert setup.org.get_mailbox(upn).is_exchange_cloud_managed
        assert setup.flips_of(upn) == 1


def test_an_exception_in_progress_stops_the_run(setup: Setup, tmp_path: pathlib.Path) -> None:
    ids = setup.candidates(4)
    plan = plan_for(setup, ids, max_concurrency=1)

    class Stop(Exception):
        pass

    def progress(e: soa.ProgressEvent) -> None:
        if e.step == "verified":
            raise Stop(e.identity)

    with pytest.raises(Stop) as stopped:
        soa.run(setup.session(), plan, tmp_path / "w", progress=progress)
    assert str(stopped.value) == ids[0]
    flipped = [i for i in ids if setup.org.get_mailbox(i).is_exchange_cloud_managed]
    assert flipped == ids[:1]
    resumed = soa.resume(setup.session(), tmp_path / "w")
    assert resumed.verified == 4
    assert all(setup.flips_of(upn) == 1 for upn in ids)
    with pytest.raises(TypeError):
        soa.run(setup.session(), plan, tmp_path / "x", progress="not callable")  # type: ignore[arg-type]
    # A blocking call from inside the run is refused with a clear error.

    def reentrant(e: soa.ProgressEvent) -> None:
        setup.backend.get_mailbox(e.identity)

    with pytest.raises(RuntimeError, match="inside a running operation"):
        soa.run(setup.session(), plan_for(setup, setup.candidates(1)), tmp_path / "y", progress=reentrant)


def test_a_run_already_cloud_managed_is_not_touched(setup: Setup, tmp_path: pathlib.Path) -> None:
    upn = setup.candidates(1)[0]
    plan = plan_for(setup, [upn])
    setup.org.set_cloud_managed(upn, True)  # flipped behind the plan's back
    report = soa.run(setup.session(), plan, tmp_path / "w")
    assert report.failed == 1
    assert report.results[0].step == "failed"
    assert "already cloud-managed" in (report.results[0].reason or "")
    assert "failed" in repr(report.results[0])


# ---------------------------------------------------------------------------------------------
# rollback and restore
# ---------------------------------------------------------------------------------------------


def test_rollback_reports_the_loss_first(setup: Setup, tmp_path: pathlib.Path) -> None:
    first, second = setup.candidates(2)
    run_dir = tmp_path / "wave"
    soa.run(setup.session(), plan_for(setup, [first, second]), run_dir)
    audit = run_dir / "audit.jsonl"
    # Cloud edits that the next sync would overwrite after a rollback.
    setup.backend.set_mailbox(first, {"CustomAttribute1": "CLOUD-EDIT"})
    setup.backend.set_mailbox(second, {"CustomAttribute2": "CLOUD-EDIT-2"})

    with pytest.raises(soa.RefusedError) as refused:
        soa.rollback(setup.session(), first, ticket=TICKET, audit_log=audit)
    assert refused.value.operation == f"roll back {first}"
    assert "CustomAttribute1" in str(refused.value)
    assert setup.org.get_mailbox(first).is_exchange_cloud_managed  # nothing changed

    export = tmp_path / "loss.json"
    outcome = soa.rollback(setup.session(actor="ops"), first, export_to=export, ticket=TICKET, audit_log=audit)
    assert outcome.rolled_back and outcome.identity == first
    assert outcome.directory_checked is True
    assert outcome.exported == export
    assert [e.attribute for e in outcome.loss.entries] == ["CustomAttribute1"]
    assert outcome.loss.entries[0].cloud_value == "CLOUD-EDIT"
    exported = json.loads(export.read_text())
    assert exported["identity"] == first
    assert exported["loss"]["entries"][0]["cloud_value"] == "CLOUD-EDIT"
    assert not setup.org.get_mailbox(first).is_exchange_cloud_managed
    # The next sync overwrites exactly what was reported.
    sync = setup.org.sync_cycle()
    assert [a for (u, a) in sync.overwritten if u == first] == ["CustomAttribute1"]

    acknowledged = soa.rollback(setup.session(), second, acknowledge_loss=True)
    assert acknowledged.rolled_back and acknowledged.exported is None
    assert "rolled_back=True" in repr(acknowledged)
    assert acknowledged.to_dict()["loss"]["applies"] is True

    # Nothing left to roll back.
    with pytest.raises(soa.RefusedError):
        soa.rollback(setup.session(), second, acknowledge_loss=True)
    logged = [e for e in soa.read_audit_log(audit) if e["run_id"] == "rollback"]
    assert [e["action"] for e in logged] == ["refusal", "rollback"]
    # The refusal names the backend's principal (the session's default actor), the rollback the
    # actor given.
    assert [e["actor"] for e in logged] == [setup.session().actor, "ops"]


def test_restore_in_cloud_and_on_premises(setup: Setup, tmp_path: pathlib.Path) -> None:
    upn = setup.candidates(1)[0]
    run_dir = tmp_path / "wave"
    # A hostile value on-premises, to show the script quotes it.
    setup.org.set_ad_attributes(upn, {"extensionAttribute3": "O'Brien'; Remove-Item C:\\ -Recurse #"})
    setup.org.advance(60 * 25)
    soa.run(setup.session(), plan_for(setup, [upn]), run_dir)
    backup = soa.BackupStore(run_dir / "backups").read(upn)
    original = backup.mailbox.custom_attribute(3)
    assert original == "O'Brien'; Remove-Item C:\\ -Recurse #"

    setup.backend.set_mailbox(upn, {"CustomAttribute3": "DAMAGED"})
    dry = soa.restore_in_cloud(setup.session(), backup, dry_run=True)
    assert dry.dry_run and dry.identity == upn
    assert dry.changes["set"] == {"CustomAttribute3": original}
    assert setup.org.get_mailbox(upn).custom_attribute(3) == "DAMAGED"
    done = soa.restore_in_cloud(setup.session(), backup)
    assert done.verified and not done.dry_run
    assert setup.org.get_mailbox(upn).custom_attribute(3) == original
    assert soa.restore_in_cloud(setup.session(), backup).changes["set"] == {}
    assert "verified=True" in repr(done)

    script = soa.restore_script(backup)
    assert script.startswith(f"# exchange-soa restore of {upn}")
    assert "-Replace @{extensionAttribute3='O''Brien''; Remove-Item C:\\ -Recurse #'}" in script
    assert soa.restore_script(backup, catalog=soa.Catalog.builtin()) == script

    # Mastered on-premises again: the cloud restore is refused; the script is the way.
    soa.rollback(setup.session(), upn, acknowledge_loss=True)
    with pytest.raises(soa.RefusedError):
        soa.restore_in_cloud(setup.session(), backup)
    soa.check_offboarding(setup.backend.get_mailbox(upn))
    flipped = setup.candidates(1)[0]
    setup.backend.set_cloud_managed(flipped, True)
    with pytest.raises(soa.RefusedError):
        soa.check_offboarding(setup.backend.get_mailbox(flipped))

    # A damaged backup is detected.
    path = soa.BackupStore(run_dir / "backups").path_for(upn)
    path.write_text(path.read_text().replace("O''Brien", "X").replace("O'Brien", "X"))
    with pytest.raises(soa.InvalidInputError, match="checksum"):
        soa.Backup.read_file(path)


# ---------------------------------------------------------------------------------------------
# The tenant default and RBAC
# ---------------------------------------------------------------------------------------------


def test_tenant_default_gate(setup: Setup) -> None:
    with pytest.raises(soa.RefusedError) as refused:
        soa.enable_cloud_managed_by_default(setup.session(), on_premises_provisioning_in_use=True)
    assert refused.value.reason is not None and "Fix:" in refused.value.reason
    assert setup.org.cloud_managed_by_default is False
    soa.enable_cloud_managed_by_default(setup.session(), on_premises_provisioning_in_use=False)
    assert setup.org.cloud_managed_by_default is True
    assert setup.backend.get_organization_config().block_exchange_provisioning_from_on_prem_enabled
    soa.disable_cloud_managed_by_default(setup.session())
    assert setup.org.cloud_managed_by_default is False
    # Writeback capacity is part of the gate.
    with pytest.raises(soa.RefusedError):
        soa.enable_cloud_managed_by_default(
            setup.session(),
            on_premises_provisioning_in_use=False,
            writeback_enabled=True,
            cloud_managed_mailboxes=10,
            requirements=soa.Requirements(writeback_capacity=5),
        )
    # A caller without the right cannot change it.
    if setup.emulator is not None:
        reader = soa.ExoClient.for_emulator(setup.emulator, "nobody@contoso.com", max_retries=0)
        with pytest.raises(soa.AccessDeniedError):
            soa.enable_cloud_managed_by_default(soa.Session(reader), on_premises_provisioning_in_use=False)


def test_rbac_review(setup: Setup) -> None:
    report = soa.rbac_review(setup.session(), "SOA Transfer Operators")
    assert ADMIN in {a.assignee for a in report.assignments}
    assert all(isinstance(a, soa.RoleAssignment) for a in report.assignments)
    assert any("New-RoleGroup -Name 'SOA Transfer Operators'" in c for c in report.commands)
    assert len(report.caveats) >= 1
    assert report.to_dict()["commands"] == report.commands
    hostile = soa.rbac_review(setup.session(), "Ops'; Remove-RoleGroup x")
    assert any("'Ops''; Remove-RoleGroup x'" in c for c in hostile.commands)
    assert "assignments" in repr(report)
