"""The Python example of the main job (examples/python/pilot.py) runs end to end against the
installed package, on the simulated organization and through the REST client and the emulator."""

from __future__ import annotations

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
