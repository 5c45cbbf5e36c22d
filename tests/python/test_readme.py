"""The README's Python quick start runs as written, against the installed package."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def python_blocks(heading: str = "## Quick start: Python") -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_has_a_python_quick_start() -> None:
    assert python_blocks(), "README.md lost its Python quick start"


def test_readme_python_quick_start_runs() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in python_blocks():
            exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    printed = out.getvalue().splitlines()
    assert printed[0] == (
        "False Set-Mailbox -Identity 'alice@contoso.com' -CustomAttribute1 'Finance'"
    )
    assert printed[1] == "True"
    assert "mailboxes" in printed[2]


def test_readme_reconciliation_and_script_audit_block_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The block of "Reconciliation and script audits" runs from the repository root, as a
    reader at a checkout would run it, and prints what the fixtures hold."""
    blocks = python_blocks("## Reconciliation and script audits")
    assert blocks, "README.md lost its reconciliation and script audit example"
    monkeypatch.chdir(README.parent)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    printed = out.getvalue().splitlines()
    assert printed[0] == "9 differences: ['ad_master_cloud_behind', 'cloud_master_ad_stale']"
    assert printed[1] == "23 findings; SARIF 2.1.0"
