"""The Python examples run end to end against the installed package: the main job
(examples/python/pilot.py) on the simulated organization and through the REST client and the
emulator, the reconciliation (reconcile.py) on exports and live, and the script auditor
(audit_scripts.py) on the legacy script corpus."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

import pytest

import exchange_soa as soa

ROOT = pathlib.Path(__file__).resolve().parents[2]
PILOT = ROOT / "examples" / "python" / "pilot.py"


@pytest.mark.parametrize("over_http", [False, True], ids=["simulated", "over-http"])
def test_pilot_runs_the_whole_job(tmp_path: pathlib.Path, over_http: bool) -> None:
    out = tmp_path / "runs"
    args = [sys.executable, str(PILOT), "--size", "200", "--seed", "7", "--wave", "3"]
    args += ["--ticket", "CHG-TEST-7", "--out", str(out)]
    if over_http:
        args.append("--over-http")
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    stdout = done.stdout

    for section in ("1. Preflight", "2. Plan and dry run", "3. Pilot wave", "4. Edit in the cloud",
                    "5. Second wave", "6. Rollback of", "7. Summary"):
        assert section in stdout, section
    assert ("Exchange Online through http://127.0.0.1:" in stdout) is over_http
    assert "without a ticket: refused to plan a transfer" in stdout
    assert "ticket CHG-TEST-7" in stdout
    assert "dry run: 3 mailbox(es) would be flipped" in stdout
    # Both waves flipped their three mailboxes.
    assert len(re.findall(r": 3 verified, 0 failed", stdout)) == 2
    # The cloud edit survived the sync cycle.
    assert "CustomAttribute1 = CC-CLOUD-1 (kept;" in stdout
    # The rollback was refused without acknowledgment, then exported, and the loss it predicted
    # is what the next sync overwrote.
    assert "without acknowledgment: refused to roll back" in stdout
    loss = re.search(r"predicted loss: (\[.*\]); the next sync overwrote: (\[.*\])", stdout)
    assert loss is not None and loss.group(1) == loss.group(2) != "[]"
    assert "waves: 3 + 3 verified, 0 + 0 failed" in stdout
    # The progress bar went to standard error and was completed.
    assert "wave 1 [" in done.stderr and "3/3 done" in done.stderr

    # The run folders: plan, journal, audit log, backups, and the exported loss.
    runs = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(runs) == 2
    for run_dir in runs:
        assert soa.Plan.load(run_dir / "plan.json").policy.ticket == "CHG-TEST-7"
        assert (run_dir / "journal.jsonl").is_file()
        assert len(list((run_dir / "backups").glob("*.json"))) == 3
    assert list(runs[0].glob("rollback-loss-*.json"))
    actions = [e["action"] for e in soa.read_audit_log(runs[0] / "audit.jsonl")]
    assert actions.count("flip") == 3 and "refusal" in actions and "rollback" in actions


def test_pilot_rejects_bad_arguments(tmp_path: pathlib.Path) -> None:
    done = subprocess.run(
        [sys.executable, str(PILOT), "--wave", "0"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "--wave" in done.stderr


RECONCILE = ROOT / "examples" / "python" / "reconcile.py"
AUDIT = ROOT / "examples" / "python" / "audit_scripts.py"
FIXTURES = ROOT / "tests" / "python" / "fixtures" / "reconcile"


def run_example(script: pathlib.Path, *args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_reconcile_example_writes_reports_and_compares_runs(tmp_path: pathlib.Path) -> None:
    ad, cloud, out = str(FIXTURES / "ad_users.csv"), str(FIXTURES / "mailboxes.json"), tmp_path / "out"
    first = run_example(RECONCILE, ad, cloud, "--out", str(out), cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "5 AD accounts, 4 mailboxes, 3 matched" in first.stdout
    assert "cloud_master_ad_stale: 2 (never_written_back 1, writeback_off 1)" in first.stdout
    assert "writeback plan: 2 change(s) on 2 account(s), 0 skipped" in first.stdout
    for name in ("report.json", "report.csv", "report.html", "writeback.ldf", "writeback.ps1"):
        assert (out / name).is_file(), name
    assert len(soa.ReconcileReport.load_json(out / "report.json")) == 5
    # The second run, with writeback configured, finds one reason changed since the first.
    second = run_example(RECONCILE, ad, cloud, "--out", str(out), "--writeback", cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "since the last report: 0 new, 0 resolved, 1 changed, 4 unchanged" in second.stdout


def test_reconcile_example_on_a_simulated_organization(tmp_path: pathlib.Path) -> None:
    done = run_example(RECONCILE, "--simulated", "--size", "80", "--out", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "vs Exchange Online" in done.stdout
    report = soa.ReconcileReport.load_json(tmp_path / "report.json")
    edited = [d for d in report if d.attribute == "CustomAttribute12"]
    assert [d.cloud_value for d in edited] == ["COST-CENTER-1", "COST-CENTER-2", "COST-CENTER-3"]
    assert {(d.diff_class, d.reason) for d in edited} == {("cloud_master_ad_stale", "writeback_off")}
    script = (tmp_path / "writeback.ps1").read_text(encoding="utf-8-sig")
    assert "extensionAttribute12='COST-CENTER-1'" in script


def test_reconcile_example_rejects_bad_arguments(tmp_path: pathlib.Path) -> None:
    done = run_example(RECONCILE, "--out", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    assert "--simulated" in done.stderr
    missing = run_example(RECONCILE, "missing.csv", "missing.json", "--out", str(tmp_path), cwd=tmp_path)
    assert missing.returncode == 1
    assert "missing.csv" in missing.stderr


def test_audit_scripts_example_gates_and_writes_sarif_and_copies(tmp_path: pathlib.Path) -> None:
    sarif, fixed = tmp_path / "audit.sarif", tmp_path / "fixed"
    done = run_example(AUDIT, "--sarif", str(sarif), "--rewrite-to", str(fixed), "--diff", cwd=tmp_path)
    # The corpus has error findings: the default gate fails.
    assert done.returncode == 1, done.stdout + done.stderr
    assert "23 findings (" in done.stdout and "in 5 of 6 files" in done.stdout
    assert "+Set-Mailbox -Identity 'jdoe' -EmailAddresses" in done.stdout
    log = json.loads(sarif.read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0"
    assert len(log["runs"][0]["results"]) == 23
    assert sorted(p.name for p in fixed.rglob("*.ps*")) == [
        "alias-management.ps1",
        "offboarding.psm1",
        "provision-remote-mailbox.ps1",
    ]
    assert soa.audit_scripts(fixed / "alias-management.ps1").files[0].rewritten is None
    never = run_example(AUDIT, "--fail-on", "never", cwd=tmp_path)
    assert never.returncode == 0, never.stderr
    missing = run_example(AUDIT, str(tmp_path / "nothing-here"), cwd=tmp_path)
    assert missing.returncode == 2
    assert "nothing-here" in missing.stderr
