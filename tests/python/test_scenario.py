"""The cross-front-end scenario through Python: preflight -> plan -> run -> rollback of one
mailbox of a generated organization. Its audit-log records, without their times and run ids,
must equal those the Rust core writes for the same scenario (the Rust test `session` leaves them
in target/test-artifacts/scenario/rust.jsonl); the Python ones are left beside them in
python.jsonl."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

import exchange_soa as soa

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "target" / "test-artifacts" / "scenario"
TICKET = "CHG-1"


def normalised(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit records without what differs from run to run: the time and the run id."""
    return [{k: v for k, v in r.items() if k not in ("time", "run_id")} for r in records]


def scenario(run_dir: pathlib.Path) -> list[dict[str, Any]]:
    """The scenario, as every front end runs it; returns the audit log's normalised records."""
    org = soa.SimulatedOrg.generate(200, 11)
    session = soa.Session(org, org.directory)
    mailbox = next(iter(org.list_mailboxes(dir_synced=True, cloud_managed=False)))
    identity = str(mailbox.user_principal_name)

    preflight = soa.gather_preflight(session)
    plan = soa.plan(session, [identity], soa.TransferPolicy(TICKET, batch_cap=1), preflight=preflight)
    assert [e.identity for e in plan.go()] == [identity], plan.summary()
    report = soa.run(session, plan, run_dir)
    assert report.verified == 1 and report.failed == 0
    audit = run_dir / "audit.jsonl"
    outcome = soa.rollback(session, identity, acknowledge_loss=True, ticket=TICKET, audit_log=audit)
    assert outcome.rolled_back and outcome.directory_checked
    return normalised(soa.read_audit_log(audit))


def test_python_writes_the_same_audit_records_as_rust(tmp_path: pathlib.Path) -> None:
    records = scenario(tmp_path / "run")
    assert {r["actor"] for r in records} == {"admin@contoso.com"}
    assert [r["action"] for r in records][-1] == "rollback"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, sort_keys=True, separators=(",", ":")) for r in records]
    (ARTIFACTS / "python.jsonl").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")

    rust = ARTIFACTS / "rust.jsonl"
    if not rust.is_file():
        pytest.fail(
            f"{rust} is missing: the Rust scenario test writes it "
            "(cargo test -p soa-core --test session), and it must run before this one"
        )
    expected = [json.loads(line) for line in rust.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert normalised(expected) == records
