"""Every PowerShell text the library generates — writeback plans, restore scripts, edit advice
and the RBAC confinement commands — means the same whatever code page Windows PowerShell 5.1
reads it in: the bytes decode to the same tokens as UTF-8, cp1252 and cp437, and every value
expression evaluates back to exactly the value, for values of every kind PowerShell treats
specially."""

from __future__ import annotations

import datetime
import json
import pathlib
import re

import pytest

import exchange_soa as soa
from pwsh_eval import ps_string, tokens

#: Values of every kind PowerShell treats specially, and every kind of non-ASCII.
HOSTILE = [
    "O'Brien",
    "\u2018x\u2019; Start-Process calc; \u201a",
    "\u00d1;x=$(Start-Process calc);y=\u00d1",
    "$(Remove-Item C:\\ -Recurse); `n \"${env:PATH}\" @splat",
    "line1\r\nline2\n# comment\u2028\u2029\u0085",
    "tab\there\u007fdel",
    "caf\u00e9 na\u00efve \u00fcber \u4e2d\u6587",
    "emoji \U0001f600 and \U0010fffd",
    "\ufeffbom-led",
    "\u2013Replace \u2014Clear \u2015",
    "\u201c\u201d\u201e\"",
    "]}) ; & | > < @ # ` ' \\",
    "\u00a0nbsp\u00adsoft",
]

CODE_PAGES = ["utf-8", "cp1252", "cp437"]

NOW = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)


def check_code_pages(script: str) -> None:
    """The script's bytes, as a file holds them, read in each code page give the same tokens."""
    assert script.isascii(), [c for c in script if not c.isascii()][:5]
    data = script.encode("utf-8")
    decoded = [data.decode(page, errors="replace") for page in CODE_PAGES]
    first = tokens(decoded[0])
    for page, text in zip(CODE_PAGES[1:], decoded[1:]):
        assert tokens(text) == first, page


def values_after(script: str, marker: str) -> list[str]:
    """Evaluates the string expression after each occurrence of `marker`."""
    out = []
    for match in re.finditer(re.escape(marker), script):
        value, _ = ps_string(script[match.end() :])
        out.append(value)
    return out


def test_the_corpus_holds_what_it_should() -> None:
    joined = "".join(HOSTILE)
    for special in ["'", "\u2018", "\u2019", "\u201a", "$(", "`", "\r", "\n", "\U0001f600", "\u2013"]:
        assert special in joined, special


def test_edit_advice(catalog: soa.Catalog, cloud_managed: soa.MailboxState) -> None:
    for value in HOSTILE:
        d = soa.decide_edit(
            catalog, cloud_managed, "extensionAttribute1", value, "active_directory", identity=value
        )
        assert d.tool is not None
        check_code_pages(d.tool)
        assert values_after(d.tool, "Set-Mailbox -Identity ") == [value]
        assert values_after(d.tool, " -CustomAttribute1 ") == [value]


def test_rbac_confinement_commands() -> None:
    org = soa.SimulatedOrg.generate(20, 5)
    session = soa.Session(org, org.directory)
    for value in HOSTILE:
        report = soa.rbac_review(session, value)
        for command in report.commands:
            check_code_pages(command)
        assert values_after(report.commands[-1], "New-RoleGroup -Name ") == [value]


def test_writeback_plans(tmp_path: pathlib.Path) -> None:
    for i, value in enumerate(HOSTILE):
        ad = tmp_path / f"ad{i}.csv"
        ad.write_text(
            "ObjectGUID,DistinguishedName,UserPrincipalName,extensionAttribute1\n"
            f"c9000000-0000-4000-8000-00000000000{i % 10},\"CN=Ann,DC=fabrikam,DC=com\","
            "ann@fabrikam.com,old\n",
            encoding="utf-8",
        )
        cloud = tmp_path / f"cloud{i}.json"
        cloud.write_text(
            json.dumps([{
                "UserPrincipalName": "ann@fabrikam.com",
                "IsDirSynced": True,
                "IsExchangeCloudManaged": True,
                "CustomAttribute1": value,
            }]),
            encoding="utf-8",
        )
        plan = soa.reconcile(ad, cloud, now=NOW).writeback_plan()
        script = plan.to_powershell()
        check_code_pages(script)
        assert values_after(script, "-Replace @{extensionAttribute1=") == [value]
        plan.write_powershell(tmp_path / "plan.ps1")
        assert (tmp_path / "plan.ps1").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.fixture(scope="module")
def transferred(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A run that backed up a mailbox whose Exchange attributes hold the hostile values."""
    org = soa.SimulatedOrg("contoso.com")
    attributes = {f"extensionAttribute{i + 1}": v for i, v in enumerate(HOSTILE)}
    org.add_ad_user("ann@contoso.com", attributes, remote_mailbox="RemoteUserMailbox")
    org.sync_cycle()
    org.assign_license("ann@contoso.com")
    org.advance(datetime.timedelta(hours=25))
    session = soa.Session(org, org.directory)
    plan = soa.plan(
        session, ["ann@contoso.com"], soa.TransferPolicy("CHG-1"), soa.gather_preflight(session)
    )
    run_dir = tmp_path_factory.mktemp("run")
    report = soa.run(session, plan, run_dir)
    assert report.verified == 1
    return run_dir


def test_restore_scripts(transferred: pathlib.Path) -> None:
    backups = list((transferred / "backups").glob("*.json"))
    assert len(backups) == 1
    script = soa.restore_script(soa.Backup.read_file(backups[0]))
    check_code_pages(script)
    found = []
    for i in range(len(HOSTILE)):
        found += values_after(script, f"-Replace @{{extensionAttribute{i + 1}=")
    assert found == HOSTILE
