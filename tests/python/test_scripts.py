"""The PowerShell automation auditor through Python: the corpus of legacy scripts in
examples/scripts/ with the same findings the Rust corpus test asserts, SARIF, text and JSON,
rewrites that are copies unless asked, and files that cannot be audited."""

from __future__ import annotations

import json
import pathlib
import shutil

import pytest

import exchange_soa as soa

CORPUS = pathlib.Path(__file__).resolve().parents[2] / "examples" / "scripts"

# Rule id and line of every finding, per corpus file (as soa-core/tests/scripts.rs asserts).
EXPECTED: dict[str, list[tuple[str, int]]] = {
    "alias-management.ps1": [
        ("SOA-PS002", 7),
        ("SOA-PS002", 9),
        ("SOA-PS002", 13),
        ("SOA-PS002", 15),
        ("SOA-PS002", 23),
        ("SOA-PS002", 29),
    ],
    "cloud-flip.ps1": [("SOA-PS005", 6), ("SOA-PS005", 17)],
    "feeds/hr-feed.ps1": [
        ("SOA-PS003", 4),
        ("SOA-PS001", 12),
        ("SOA-PS006", 16),
        ("SOA-PS001", 21),
        ("SOA-PS006", 21),
    ],
    "offboarding.psm1": [
        ("SOA-PS004", 6),
        ("SOA-PS002", 7),
        ("SOA-PS004", 8),
        ("SOA-PS004", 16),
    ],
    "provision-remote-mailbox.ps1": [
        ("SOA-PS003", 13),
        ("SOA-PS001", 18),
        ("SOA-PS001", 23),
        ("SOA-PS001", 25),
        ("SOA-PS007", 25),
        ("SOA-PS001", 27),
    ],
    "ExchangeOps.psd1": [],
}
RULE_IDS = [
    "SOA-PS001",
    "SOA-PS002",
    "SOA-PS003",
    "SOA-PS004",
    "SOA-PS005",
    "SOA-PS006",
    "SOA-PS007",
    "SOA-PS900",
    "SOA-PS901",
]


@pytest.fixture(scope="module")
def corpus() -> soa.ScriptAuditReport:
    return soa.audit_scripts(CORPUS)


def file_of(report: soa.ScriptAuditReport, name: str) -> soa.ScriptFileAudit:
    matches = [f for f in report.files if f.path.replace("\\", "/").endswith(name)]
    assert len(matches) == 1, name
    return matches[0]


def ids(audit: soa.ScriptFileAudit) -> list[tuple[str, int]]:
    return [(f.rule_id, f.line) for f in audit.findings]


def test_corpus_findings_are_exact(corpus: soa.ScriptAuditReport) -> None:
    assert len(corpus.files) == len(EXPECTED)
    for name, want in EXPECTED.items():
        assert ids(file_of(corpus, name)) == want, name
    assert len(corpus) == sum(len(v) for v in EXPECTED.values()) == len(corpus.findings)
    assert list(corpus) == corpus.findings == [f for a in corpus.files for f in a.findings]
    assert corpus[0] == corpus.findings[0] and corpus[-1] == corpus.findings[-1]
    with pytest.raises(IndexError):
        corpus[len(corpus)]
    paths = [f.path for f in corpus.files]
    assert paths == sorted(paths)


def test_findings_carry_what_the_core_found(corpus: soa.ScriptAuditReport) -> None:
    hr = file_of(corpus, "feeds/hr-feed.ps1")
    assert hr.findings[1].attributes == ["extensionAttribute10", "extensionAttribute11"]
    assert hr.findings[2].message.startswith("dynamic: review")
    assert hr.findings[2].severity == "warning"
    alias = file_of(corpus, "alias-management.ps1")
    first = alias.findings[0]
    assert first.rule_id == "SOA-PS002"
    assert first.rule == "ad-exchange-attribute-write"
    assert first.severity == "error"
    assert (first.line, first.column) == (7, 1)
    assert first.end_line >= first.line and first.end_column >= 1
    assert first.file == alias.path
    assert first.command == "Set-ADUser"
    assert "cloud-managed" in first.message
    assert first.fix == (
        "Set-Mailbox -Identity 'jdoe' -EmailAddresses @('SMTP:john.doe@contoso.com', 'smtp:jdoe@contoso.com')"
    )
    assert first.description.startswith("An AD cmdlet writes Exchange attributes directly")
    assert alias.findings[3].attributes == ["mailNickname"]
    as_dict = first.to_dict()
    assert as_dict["rule"] == "SOA-PS002"
    assert as_dict["location"]["line"] == 7
    assert str(first).endswith(first.message)
    assert "SOA-PS002" in repr(first)
    # The script auditor's finding is not the preflight finding.
    assert not isinstance(first, soa.Finding)
    provision = file_of(corpus, "provision-remote-mailbox.ps1")
    note = [f for f in provision.findings if f.rule_id == "SOA-PS007"]
    assert [f.severity for f in note] == ["note"]


def test_sarif_text_json_and_diff(corpus: soa.ScriptAuditReport) -> None:
    sarif = corpus.to_sarif()
    assert sarif["version"] == "2.1.0"
    assert json.loads(corpus.to_sarif_json()) == sarif
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == RULE_IDS
    results = run["results"]
    assert [r["ruleId"] for r in results] == [f.rule_id for f in corpus]
    assert {r["ruleId"] for r in results} == {"SOA-PS00" + str(i) for i in range(1, 8)}
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (corpus[0].line, corpus[0].column)

    as_json = json.loads(corpus.to_json())
    assert as_json == corpus.to_dict()
    assert len(as_json["files"]) == len(corpus.files)
    text = corpus.to_text()
    assert "alias-management.ps1\n  7:1  error    SOA-PS002" in text
    assert text.rstrip().endswith(f"in 5 of {len(corpus.files)} files")

    diff = corpus.diff()
    assert (
        "-Set-ADUser jdoe -Replace @{proxyAddresses = @('SMTP:john.doe@contoso.com', 'smtp:jdoe@contoso.com')}\n"
        "+Set-Mailbox -Identity 'jdoe' -EmailAddresses @('SMTP:john.doe@contoso.com', 'smtp:jdoe@contoso.com')\n"
    ) in diff
    rewritten = [f for f in corpus.files if f.rewritten is not None]
    assert len(rewritten) == 3
    assert diff == "".join(f.diff for f in corpus.files)
    for f in corpus.files:
        assert (f.rewritten is None) == (f.diff == "") == (f.edits == [])
    edit = rewritten[0].edits[0]
    assert set(edit) == {"start", "end", "replacement"} and edit["start"] <= edit["end"]
    assert "3 rewritten" in repr(corpus)


def test_rewrites_are_copies_unless_asked(tmp_path: pathlib.Path) -> None:
    script = tmp_path / "a.ps1"
    script.write_text("Set-RemoteMailbox jdoe -CustomAttribute1 x\n", encoding="utf-8")
    report = soa.audit_scripts(script)
    (audit,) = report.files
    assert ids(audit) == [("SOA-PS001", 1)]
    with pytest.raises(soa.RefusedError, match="in place") as info:
        audit.write_rewritten(script)
    assert str(info.value.operation).startswith("rewrite")
    assert script.read_text(encoding="utf-8") == "Set-RemoteMailbox jdoe -CustomAttribute1 x\n"
    copy = tmp_path / "a.fixed.ps1"
    assert audit.write_rewritten(copy) is True
    assert copy.read_text(encoding="utf-8") == "Set-Mailbox jdoe -CustomAttribute1 x\n"
    assert audit.write_rewritten(str(script), in_place=True) is True
    assert script.read_text(encoding="utf-8") == "Set-Mailbox jdoe -CustomAttribute1 x\n"
    # Nothing to rewrite: nothing written.
    clean = soa.audit_script_source("clean.ps1", "Get-Mailbox jdoe\n")
    assert clean.write_rewritten(tmp_path / "clean.ps1") is False
    assert not (tmp_path / "clean.ps1").exists()


def test_copied_corpus_rewrites_reaudit_clean(tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "scripts"
    shutil.copytree(CORPUS, folder)
    report = soa.audit_scripts(folder)
    out = tmp_path / "fixed"
    out.mkdir()
    for f in report.files:
        if f.rewritten is not None:
            assert f.write_rewritten(out / pathlib.Path(f.path).name)
    fixed = soa.audit_scripts(out)
    assert len(fixed.files) == 3
    for f in fixed.files:
        assert f.rewritten is None, f.path
        assert not any(x.rule_id == "SOA-PS900" for x in f.findings)


def test_audit_script_source() -> None:
    source = (
        "# Set-RemoteMailbox in a comment is not a command\n"
        "Set-ADUser jdoe -Replace @{extensionAttribute1='Finance'}\n"
    )
    audit = soa.audit_script_source("alias.ps1", source)
    assert audit.path == "alias.ps1"
    assert ids(audit) == [("SOA-PS002", 2)]
    assert len(audit) == 1 and list(audit) == audit.findings
    assert audit.findings[0].attributes == ["extensionAttribute1"]
    assert audit.rewritten == (
        "# Set-RemoteMailbox in a comment is not a command\n"
        "Set-Mailbox -Identity 'jdoe' -CustomAttribute1 'Finance'\n"
    )
    assert audit.diff.startswith("--- ") and "+Set-Mailbox -Identity 'jdoe'" in audit.diff
    assert audit.to_dict()["path"] == "alias.ps1"
    broken = soa.audit_script_source("broken.ps1", "function f {\n  if ($x -eq {\n}\nRemove-ADUser bob\n")
    assert "SOA-PS900" in [f.rule_id for f in broken.findings]
    catalog = soa.Catalog.builtin()
    assert soa.audit_script_source("alias.ps1", source, catalog=catalog) == audit


def test_unreadable_files_are_findings_not_exceptions(tmp_path: pathlib.Path) -> None:
    (tmp_path / "binary.ps1").write_bytes(b"MZ\x90\x00\x03\x00\x00\x00")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "latin1.psm1").write_bytes(b"Set-ADUser x\n\xff\xfe\xfd oops\n")
    (tmp_path / "nested" / "big.psd1").write_text("#" * 2048)
    (tmp_path / "nested" / "notes.txt").write_text("Set-RemoteMailbox x")
    (tmp_path / "utf16.ps1").write_bytes(b"\xff\xfe" + "Remove-ADUser bob\r\n".encode("utf-16-le"))
    report = soa.audit_scripts(tmp_path, max_file_bytes=1024)
    got = {pathlib.Path(f.path).name: ids(f) for f in report.files}
    assert got == {
        "binary.ps1": [("SOA-PS901", 1)],
        "big.psd1": [("SOA-PS901", 1)],
        "latin1.psm1": [("SOA-PS901", 1)],
        "utf16.ps1": [("SOA-PS004", 1)],
    }
    messages = {pathlib.Path(f.path).name: f.findings[0].message for f in report.files}
    assert "binary" in messages["binary.ps1"]
    assert "over the limit" in messages["big.psd1"]
    assert "UTF-8 (line 2" in messages["latin1.psm1"]
    # One file given directly is audited the same way.
    (single,) = soa.audit_scripts(tmp_path / "binary.ps1").files
    assert ids(single) == [("SOA-PS901", 1)]


def test_missing_path_raises(tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    with pytest.raises(FileNotFoundError) as info:
        soa.audit_scripts(missing)
    assert isinstance(info.value, soa.SoaFileNotFoundError)
    assert str(missing) in str(info.value)
