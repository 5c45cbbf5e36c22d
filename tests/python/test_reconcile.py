"""Reconciliation through Python: the three AD export formats against a Get-Mailbox export,
malformed inputs, a live reconciliation through a Session on a simulated organization (directly
and through the REST client and the HTTP emulator), progress callbacks and the asyncio forms,
the reports and their comparison, and writeback plans that keep hostile values literal."""

from __future__ import annotations

import asyncio
import base64
import csv
import datetime
import io
import json
import pathlib
import re
from collections.abc import Iterator

import pytest

import exchange_soa as soa
from pwsh_eval import ps_literal, ps_string

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "reconcile"
CLOUD = FIXTURES / "mailboxes.json"
NOW = datetime.datetime(2026, 11, 27, 2, 0, tzinfo=datetime.timezone.utc)

Row = tuple[str, str, str, str, str, object, object]


def rows(report: soa.ReconcileReport) -> list[Row]:
    """(mailbox, attribute, class, reason, join key, AD value, cloud value) per difference."""
    return [
        (d.mailbox, d.attribute, d.diff_class, d.reason, d.matched_by, d.ad_value, d.cloud_value)
        for d in report
    ]


def run(name: str, **options: object) -> soa.ReconcileReport:
    return soa.reconcile(FIXTURES / name, CLOUD, now=NOW, **options)  # type: ignore[arg-type]


# Ann is cloud-managed (her stale AD value stays stale without writeback), Ben is still mastered
# in AD (his change of yesterday has not reached the cloud: a sync error is suspected), Cleo's
# UPN drifted. The CSV and JSON exports carry an empty msExchMailboxGuid for Ben and Cleo, which
# is a difference of its own; the LDIF export has their GUIDs (binary, base64) and is a complete
# read.
ANN = ("ann@fabrikam.com", "CustomAttribute1", "cloud_master_ad_stale", "writeback_off")
BEN = ("ben@fabrikam.com", "CustomAttribute2", "ad_master_cloud_behind", "sync_error_suspected")
CLEO = ("cleo@fabrikam.com", "UserPrincipalName", "identity_drift", "identity_not_synced")
EXPECTED_CSV_JSON: list[Row] = [
    (*ANN, "exchange_guid", "Sales", "Marketing"),
    (*BEN, "user_principal_name", "HR", ""),
    ("ben@fabrikam.com", "ExchangeGuid", "ad_master_cloud_behind", "sync_error_suspected",
     "user_principal_name", None, "d2000000-0000-4000-8000-000000000002"),
    (*CLEO, "primary_smtp_address", "cleo@corp.fabrikam.com", "cleo@fabrikam.com"),
    ("cleo@fabrikam.com", "ExchangeGuid", "cloud_master_ad_stale", "never_written_back",
     "primary_smtp_address", None, "d2000000-0000-4000-8000-000000000003"),
]
EXPECTED_LDIF: list[Row] = [
    (*ANN, "exchange_guid", "Sales", "Marketing"),
    (*BEN, "exchange_guid", "HR", ""),
    (*CLEO, "exchange_guid", "cleo@corp.fabrikam.com", "cleo@fabrikam.com"),
]


def check_sides(report: soa.ReconcileReport) -> None:
    totals = report.totals
    assert totals["cloud_records"] == 4
    assert totals["matched"] == 3
    assert [u["name"] for u in report.ad_only] == ["dan@fabrikam.com"]
    assert [u["name"] for u in report.cloud_only] == ["eve@fabrikam.com"]
    assert report.cloud_only[0]["guid"] == "d2000000-0000-4000-8000-000000000005"
    assert report.ambiguous == []
    assert totals["compared"] == totals["in_sync"] + totals["differences"]
    assert totals["differences"] == len(report)
    # Proxy addresses in another order and case are in sync.
    assert not any(d.attribute == "EmailAddresses" for d in report)


# ---------------------------------------------------------------- the three AD formats


def test_csv_with_bom_type_line_quotes_and_embedded_newline() -> None:
    report = run("ad_users.csv")
    assert rows(report) == EXPECTED_CSV_JSON
    check_sides(report)
    assert report.totals["ad_records"] == 5
    assert report.totals["ad_without_mailbox"] == 1  # the service account has no mail
    assert report.totals["matched_by"] == {
        "exchange_guid": 1,
        "user_principal_name": 1,
        "primary_smtp_address": 1,
    }
    ann, ben = report[0], report[1]
    assert ann.ad_origin.endswith("ad_users.csv line 3")
    # Ann's quoted cell holds a newline: Ben's record starts two lines further down.
    assert ben.ad_origin.endswith("ad_users.csv line 5")
    assert ben.ad_distinguished_name == "CN=Ben O'Hara,OU=Staff,DC=fabrikam,DC=com"
    assert ann.ad_object_guid == "c1000000-0000-4000-8000-000000000001"
    assert ann.ldap_name == "extensionAttribute1"
    assert ann.attribute_class == "exchange"
    assert ann.value_kind == "string"
    assert ann.written_back is True
    assert report.ad_source == str(FIXTURES / "ad_users.csv")
    assert report.cloud_source == str(CLOUD)
    assert report.generated == NOW


def test_ldif_with_folding_base64_and_binary_guids() -> None:
    report = run("ad_users.ldf")
    assert rows(report) == EXPECTED_LDIF
    check_sides(report)
    ann, ben, cleo = report.differences
    # objectGUID and msExchMailboxGuid are binary (base64 of the GUID's bytes).
    assert ann.ad_object_guid == "c1000000-0000-4000-8000-000000000001"
    assert report.totals["matched_by"] == {"exchange_guid": 3}
    # `dn::` is base64; Cleo's DN is folded over two lines.
    assert ben.ad_distinguished_name == "CN=Ben O'Hara,OU=Staff,DC=fabrikam,DC=com"
    assert cleo.ad_distinguished_name == (
        "CN=Cleo Park,OU=Staff and a department name long enough to need folding,"
        "DC=fabrikam,DC=com"
    )
    assert ann.ad_origin.endswith("ad_users.ldf line 4")


def test_json_with_byte_array_guid_date_and_collection() -> None:
    report = run("ad_users.json")
    assert rows(report) == EXPECTED_CSV_JSON
    check_sides(report)
    assert "record 2" in report[1].ad_origin


def test_format_is_given_or_taken_from_the_extension(tmp_path: pathlib.Path) -> None:
    export = tmp_path / "users.export"
    export.write_bytes((FIXTURES / "ad_users.ldf").read_bytes())
    with pytest.raises(soa.InvalidInputError, match="unknown AD export format"):
        soa.reconcile(export, CLOUD, now=NOW)
    report = soa.reconcile(str(export), str(CLOUD), ad_format="ldif", now=NOW)
    assert rows(report) == EXPECTED_LDIF
    with pytest.raises(soa.InvalidInputError, match="ad_format"):
        soa.reconcile(export, CLOUD, ad_format="xml", now=NOW)  # type: ignore[arg-type]


def test_options_reach_the_core() -> None:
    pending = run("ad_users.csv", writeback_enabled=True)
    assert pending.writeback_enabled
    assert pending[0].reason == "writeback_pending"
    # A longer grace turns Ben's suspected sync error into a pending sync.
    patient = run("ad_users.csv", sync_grace_minutes=24 * 60)
    assert {d.reason for d in patient.of_class("ad_master_cloud_behind")} == {"pending_sync"}
    with pytest.raises(soa.InvalidInputError, match="sync_grace_minutes"):
        run("ad_users.csv", sync_grace_minutes=2**62)
    # Only some attributes, by any catalog name.
    only = run("ad_users.csv", attributes=["extensionAttribute1", "UserPrincipalName"])
    assert [(d.mailbox, d.attribute) for d in only] == [
        ("ann@fabrikam.com", "CustomAttribute1"),
        ("cleo@fabrikam.com", "UserPrincipalName"),
    ]
    assert rows(run("ad_users.csv", attributes="CustomAttribute2")) == [EXPECTED_CSV_JSON[1]]
    # A catalog override is used for the comparison.
    catalog = soa.Catalog.builtin()
    assert rows(run("ad_users.csv", catalog=catalog)) == EXPECTED_CSV_JSON


def test_now_must_be_aware() -> None:
    with pytest.raises(soa.InvalidInputError, match="naive datetime"):
        soa.reconcile(FIXTURES / "ad_users.csv", CLOUD, now=datetime.datetime(2026, 11, 27))
    text = soa.reconcile(FIXTURES / "ad_users.csv", CLOUD, now="2026-11-27T03:00:00+01:00")
    assert text.generated == NOW


def test_of_class_refuses_unknown_classes() -> None:
    report = run("ad_users.csv")
    assert [d.attribute for d in report.of_class("identity_drift")] == ["UserPrincipalName"]
    assert report.of_class("conflict") == []
    with pytest.raises(soa.InvalidInputError, match="cloud_master_ad_stale"):
        report.of_class("stale")


# ---------------------------------------------------------------- malformed inputs


@pytest.mark.parametrize(
    ("name", "text", "where", "what"),
    [
        ("bad.csv", "UserPrincipalName,mail\r\na@fabrikam.com,a@fabrikam.com\r\nb,c,d\r\n",
         "bad.csv line 3", "3 field(s) where the header has 2"),
        ("bad.ldf", "version: 1\n\ndn: CN=A,DC=fabrikam,DC=com\nuserPrincipalName: a@fabrikam.com\n"
         "displayName:: not*base64\n", "bad.ldf line 5", "not valid base64"),
        ("bad.json", '[\n  {"UserPrincipalName": "a@fabrikam.com"},\n  {"UserPrincipalName": \n',
         "bad.json", "end of file inside record 2 (which starts on line 3)"),
        ("syntax.json", '[\n  {"UserPrincipalName": "a@fabrikam.com"},\n  {"mail": tru}\n]\n',
         "syntax.json record 2 line 3", "expected"),
        ("bad.ldf", "version: 1\ndn: CN=A,DC=fabrikam,DC=com\n folded without a line\nmail\n",
         "bad.ldf line 4", "attribute: value"),
    ],
    ids=["csv", "ldif", "json", "json-syntax", "ldif-no-colon"],
)
def test_malformed_ad_exports_name_file_and_line(
    tmp_path: pathlib.Path, name: str, text: str, where: str, what: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(soa.InvalidInputError) as info:
        soa.reconcile(path, CLOUD, now=NOW)
    message = str(info.value)
    assert where in message and what in message, message
    assert isinstance(info.value, ValueError)


def test_malformed_cloud_export_and_missing_files(tmp_path: pathlib.Path) -> None:
    cloud = tmp_path / "cloud.json"
    cloud.write_text("nonsense")
    with pytest.raises(soa.InvalidInputError, match=r"cloud\.json line 1"):
        soa.reconcile(FIXTURES / "ad_users.csv", cloud, now=NOW)
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes(b"\xff\xfe" + "[{}]".encode("utf-16-le"))
    with pytest.raises(soa.InvalidInputError, match="UTF-16"):
        soa.reconcile(utf16, CLOUD, now=NOW)
    with pytest.raises(FileNotFoundError) as info:
        soa.reconcile(tmp_path / "missing.csv", CLOUD, now=NOW)
    assert isinstance(info.value, soa.SoaFileNotFoundError)
    assert info.value.filename == str(tmp_path / "missing.csv")
    with pytest.raises(soa.SoaFileNotFoundError):
        soa.reconcile(FIXTURES / "ad_users.csv", tmp_path / "missing.json", now=NOW)
    with pytest.raises(TypeError, match="path of a Get-Mailbox JSON export"):
        soa.reconcile(FIXTURES / "ad_users.csv", 42, now=NOW)  # type: ignore[arg-type]
    # A live backend is reconciled through a session, with reconcile_live.
    with pytest.raises(TypeError, match="reconcile_live"):
        soa.reconcile(FIXTURES / "ad_users.csv", soa.SimulatedOrg(), now=NOW)  # type: ignore[arg-type]


# ---------------------------------------------------------------- live, against a simulated organization


def export_simulated_ad(org: soa.SimulatedOrg, path: pathlib.Path) -> int:
    """Writes the AD accounts of every dir-synced mailbox as `Get-ADUser -Properties * |
    ConvertTo-Json` would (an attribute without a value is null), and returns how many."""
    ldap_names = [a.ldap_name for a in soa.Catalog.builtin() if a.ldap_name]
    records = []
    for mailbox in org.list_mailboxes(dir_synced=True):
        upn = str(mailbox.user_principal_name)
        user = org.ad_user(upn)
        record: dict[str, object] = dict.fromkeys(ldap_names)
        record.update(org.ad_attributes(upn))
        record["ObjectGUID"] = user["object_guid"]
        record["userPrincipalName"] = upn
        record["whenChanged"] = user["when_changed"]
        records.append(record)
    path.write_text(json.dumps(records, indent=2), encoding="utf-8")
    return len(records)


@pytest.fixture(params=["simulated", "rest"])
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[soa.SimulatedOrg, soa.ExchangeOnline]]:
    org = soa.SimulatedOrg.generate(60, 7)
    org.remove_cloud_sync_agent()
    if request.param == "simulated":
        yield org, org
        return
    with soa.Emulator(org) as emu:
        yield org, soa.ExoClient.for_emulator(emu, "admin@contoso.com", page_size=25)


def test_live_cloud_edit_is_cloud_master_ad_stale(
    tmp_path: pathlib.Path, backend: tuple[soa.SimulatedOrg, soa.ExchangeOnline]
) -> None:
    org, exchange = backend
    target = next(
        str(m.user_principal_name)
        for m in org.list_mailboxes(dir_synced=True, cloud_managed=False, recipient_types=["UserMailbox"])
    )
    org.set_cloud_managed(target, True)
    org.set_mailbox(target, set={"CustomAttribute12": "edited in the cloud"})
    org.advance(datetime.timedelta(hours=1))
    ad = tmp_path / "ad.json"
    count = export_simulated_ad(org, ad)

    # With the simulated AD as the directory, the session keeps the organization's virtual
    # time, whichever backend reads Exchange Online (see also the test of the default `now`).
    session = soa.Session(exchange, org.directory)
    assert session.now == org.now
    report = soa.reconcile_live(session, ad, now=session.now)
    assert report.totals["matched"] == count, report.ambiguous
    assert report.generated == org.now
    assert report.ad_source == str(ad)
    found = [d for d in report if d.mailbox == target and d.attribute == "CustomAttribute12"]
    assert len(found) == 1, rows(report)
    d = found[0]
    assert d.diff_class == "cloud_master_ad_stale"
    assert d.reason == "writeback_off"
    assert d.cloud_value == "edited in the cloud"
    assert d.matched_by == "user_principal_name"
    assert d.ldap_name == "extensionAttribute12"

    # With writeback configured, the same difference is one the next writeback cycle closes.
    pending = soa.reconcile_live(session, ad, now=org.now, writeback_enabled=True)
    changes = pending.changes_since(report)
    assert [(b.reason, a.reason) for b, a in changes.changed if a.key == d.key] == [
        ("writeback_off", "writeback_pending")
    ]

    if exchange is not org:
        # A tenant's session without a directory keeps the system's time.
        system = soa.reconcile_live(soa.Session(exchange), ad, attributes="CustomAttribute12")
        age = datetime.datetime.now(datetime.timezone.utc) - system.generated
        assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=5)
        assert [x.key for x in system] == [d.key]

    plan = report.writeback_plan(lambda x: x.key == d.key)
    assert plan.change_count == 1 == len(plan)
    assert "-Replace @{extensionAttribute12='edited in the cloud'}" in plan.to_powershell()
    assert plan.accounts[0]["object_guid"] == org.ad_user(target)["object_guid"]


# ---------------------------------------------------------------- progress and asyncio


def write_large_exports(folder: pathlib.Path, n: int) -> tuple[pathlib.Path, pathlib.Path]:
    """An AD CSV export and a Get-Mailbox JSON export of `n` matching accounts, large enough
    (several times the 64 KiB between progress events, and the mailboxes several times the
    1 MiB the cloud file is read by) for a reconciliation to report progress more than once per
    side. Every tenth account differs in CustomAttribute1."""
    ad = folder / "ad.csv"
    cloud = folder / "mailboxes.json"
    rows = ['"ObjectGUID","UserPrincipalName","DisplayName","extensionAttribute1","whenChanged"']
    mailboxes = []
    for i in range(n):
        guid = f"c{i:07d}-0000-4000-8000-000000000000"
        upn = f"user{i:05d}@fabrikam.com"
        rows.append(f'"{guid}","{upn}","User {i:05d} of the finance department","Dept-{i % 7}","2026-11-01T00:00:00Z"')
        mailboxes.append(
            {
                "UserPrincipalName": upn,
                "PrimarySmtpAddress": upn,
                "DisplayName": f"User {i:05d} of the finance department",
                "RecipientTypeDetails": "UserMailbox",
                "IsDirSynced": True,
                "IsExchangeCloudManaged": True,
                "CustomAttribute1": f"Dept-{i % 7}" if i % 10 else "Cloud",
                "Notes": f"Mailbox {i:05d}: " + "kept for the size of a real export. " * 30,
            }
        )
    ad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cloud.write_text(json.dumps(mailboxes, indent=2), encoding="utf-8")
    return ad, cloud


def check_phase(events: list[soa.ReconcileProgress], phase: str, records: int, total: int | None) -> None:
    """The events of one phase: counts that never decrease, ending with every record and (for a
    file) every byte of it."""
    mine = [e for e in events if e.phase == phase]
    assert mine, f"no {phase} event"
    assert [e.records for e in mine] == sorted(e.records for e in mine)
    assert [e.bytes for e in mine] == sorted(e.bytes for e in mine)
    assert all(e.total_bytes == total for e in mine)
    assert mine[-1].records == records
    if total is not None:
        # More than one event, the bytes growing to the file's size.
        assert len(mine) >= 2, f"{phase}: {mine}"
        assert 0 < mine[0].bytes < mine[-1].bytes == total
    else:
        assert {e.bytes for e in mine} == {0}


def test_progress_reports_records_and_bytes_of_each_file(tmp_path: pathlib.Path) -> None:
    n = 3000
    ad, cloud = write_large_exports(tmp_path, n)
    events: list[soa.ReconcileProgress] = []
    report = soa.reconcile(ad, cloud, now=NOW, progress=events.append)
    assert report.totals["matched"] == n
    assert len(report) == n // 10
    # The cloud file is read first, then the AD export.
    phases = [e.phase for e in events]
    assert phases == sorted(phases, key=["cloud", "directory"].index)
    check_phase(events, "cloud", n, cloud.stat().st_size)
    check_phase(events, "directory", n, ad.stat().st_size)
    assert "directory" in repr(events[-1]) and events[-1].to_dict()["records"] == n
    # The same report without a callback.
    assert soa.reconcile(ad, cloud, now=NOW).to_dict() == report.to_dict()


def test_an_exception_in_progress_stops_the_reconciliation(tmp_path: pathlib.Path) -> None:
    ad, cloud = write_large_exports(tmp_path, 3000)
    seen: list[soa.ReconcileProgress] = []

    class Stop(Exception):
        pass

    def progress(e: soa.ReconcileProgress) -> None:
        seen.append(e)
        raise Stop(e.phase)

    with pytest.raises(Stop, match="cloud"):
        soa.reconcile(ad, cloud, now=NOW, progress=progress)
    assert len(seen) == 1  # stopped at the first event
    with pytest.raises(TypeError, match="progress must be callable"):
        soa.reconcile(ad, cloud, progress="bar")  # type: ignore[arg-type]


def test_areconcile_is_awaitable(tmp_path: pathlib.Path) -> None:
    ad, cloud = write_large_exports(tmp_path, 1500)
    events: list[soa.ReconcileProgress] = []

    async def main() -> tuple[soa.ReconcileReport, soa.ReconcileReport]:
        # Two reconciliations at once, on the event loop's terms.
        return await asyncio.gather(
            soa.areconcile(ad, cloud, now=NOW, progress=events.append),
            soa.areconcile(FIXTURES / "ad_users.csv", CLOUD, now=NOW),
        )

    large, small = asyncio.run(main())
    assert large.totals["matched"] == 1500
    assert rows(small) == EXPECTED_CSV_JSON
    assert events[-1].phase == "directory" and events[-1].bytes == ad.stat().st_size

    async def failing() -> soa.ReconcileReport:
        return await soa.areconcile(tmp_path / "missing.csv", cloud)

    with pytest.raises(soa.SoaFileNotFoundError):
        asyncio.run(failing())


def test_live_progress_and_asyncio(
    tmp_path: pathlib.Path, backend: tuple[soa.SimulatedOrg, soa.ExchangeOnline]
) -> None:
    org, exchange = backend
    ad = tmp_path / "ad.json"
    count = export_simulated_ad(org, ad)
    session = soa.Session(exchange, org.directory)
    events: list[soa.ReconcileProgress] = []
    report = soa.reconcile_live(session, ad, now=org.now, progress=events.append)
    assert report.totals["matched"] == count
    # Mailboxes listed live have no bytes; the AD export has.
    check_phase(events, "cloud", report.totals["cloud_records"], None)
    mine = [e for e in events if e.phase == "directory"]
    assert mine[-1].records == count and mine[-1].bytes == mine[-1].total_bytes == ad.stat().st_size

    async def main() -> soa.ReconcileReport:
        return await soa.areconcile_live(session, ad, now=org.now)

    assert asyncio.run(main()).to_dict() == report.to_dict()


def test_a_live_reconciliation_is_dated_by_the_session_clock(tmp_path: pathlib.Path) -> None:
    org = soa.SimulatedOrg.generate(30, 3)
    ad = tmp_path / "ad.json"
    export_simulated_ad(org, ad)
    report = soa.reconcile_live(soa.Session(org, org.directory), ad)
    assert report.generated == org.now


# ---------------------------------------------------------------- reports


def test_records_are_flat_and_suit_csv_dictwriter() -> None:
    report = run("ad_users.csv")
    records = report.records()
    assert len(records) == len(report)
    assert records[0] == {**report[0].to_dict(), "ad_value": "Sales", "cloud_value": "Marketing"}
    for record in records:
        assert all(not isinstance(v, (list, dict)) for v in record.values()), record
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]))
    writer.writeheader()
    writer.writerows(records)
    back = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["mailbox"], r["attribute"], r["class"]) for r in back] == [
        (d.mailbox, d.attribute, d.diff_class) for d in report
    ]
    assert back[1]["ad_value"] == "HR"


def test_multi_valued_records_are_joined(tmp_path: pathlib.Path) -> None:
    ad = tmp_path / "ad.csv"
    ad.write_text(
        "ObjectGUID,UserPrincipalName,msExchExtensionCustomAttribute1\n"
        "c9000000-0000-4000-8000-000000000001,ann@fabrikam.com,a;b\n"
    )
    cloud = tmp_path / "cloud.json"
    cloud.write_text(
        '[{"UserPrincipalName": "ann@fabrikam.com", "IsDirSynced": true,'
        ' "IsExchangeCloudManaged": true, "ExtensionCustomAttribute1": ["a", "c"]}]'
    )
    report = soa.reconcile(ad, cloud, now=NOW)
    assert report[0].ad_value == ["a", "b"]
    assert report[0].cloud_value == ["a", "c"]
    assert (report.records()[0]["ad_value"], report.records()[0]["cloud_value"]) == ("a;b", "a;c")


def test_reports_are_written_and_json_round_trips(tmp_path: pathlib.Path) -> None:
    report = run("ad_users.csv")
    report.write_json(tmp_path / "report.json")
    report.write_csv(tmp_path / "report.csv")
    report.write_html(tmp_path / "report.html")
    back = soa.ReconcileReport.load_json(tmp_path / "report.json")
    assert back == report
    assert back.to_dict() == report.to_dict() == json.loads(report.to_json())
    assert soa.ReconcileReport.from_json(report.to_json()) == report
    assert (tmp_path / "report.csv").read_text(encoding="utf-8") == report.to_csv()
    table = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert [(r["Mailbox"], r["Attribute"], r["Class"]) for r in table] == [
        (d.mailbox, d.attribute, d.diff_class) for d in report
    ]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html == report.to_html()
    assert html.endswith("</html>\n") and "cloud_master_ad_stale" in html
    with pytest.raises(soa.InvalidJsonError, match="broken.json"):
        soa.ReconcileReport.from_json("{", "broken.json")
    with pytest.raises(soa.SoaFileNotFoundError):
        soa.ReconcileReport.load_json(tmp_path / "missing.json")
    with pytest.raises(IsADirectoryError):
        report.write_json(tmp_path)
    assert "5 differences" in repr(report)


def test_changes_since_lists_new_resolved_and_changed() -> None:
    earlier = run("ad_users.csv", attributes=["CustomAttribute1", "CustomAttribute2"])
    later = run("ad_users.csv", writeback_enabled=True)
    assert later.changes_since(later).is_empty
    changes = later.changes_since(earlier)
    assert not changes.is_empty
    assert [(d.mailbox, d.attribute) for d in changes.new] == [
        ("ben@fabrikam.com", "ExchangeGuid"),
        ("cleo@fabrikam.com", "UserPrincipalName"),
        ("cleo@fabrikam.com", "ExchangeGuid"),
    ]
    assert [(b.reason, a.reason) for b, a in changes.changed] == [("writeback_off", "writeback_pending")]
    assert changes.unchanged == 1  # Ben's CustomAttribute2
    assert changes.resolved == []
    back = earlier.changes_since(later)
    assert sorted(d.key for d in back.resolved) == sorted(d.key for d in changes.new)
    assert changes.to_dict()["unchanged"] == 1


# ---------------------------------------------------------------- writeback plans

HOSTILE = "it's $(Remove-Item -Recurse C:\\) `whoami` ; \u2019 \"q\"\nline two"


def unfold_ldif(text: str) -> list[tuple[str, bytes]]:
    lines: list[str] = []
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        assert len(raw) <= 76, raw
        if raw.startswith(" "):
            lines[-1] += raw[1:]
        elif raw and raw != "-":
            lines.append(raw)
    pairs = []
    for line in lines:
        name, _, rest = line.partition(":")
        if rest.startswith(":"):
            pairs.append((name, base64.b64decode(rest[1:].strip())))
        else:
            pairs.append((name, rest.removeprefix(" ").encode("ascii")))
    return pairs


@pytest.fixture
def hostile(tmp_path: pathlib.Path) -> soa.ReconcileReport:
    ad = tmp_path / "ad.csv"
    ad.write_text(
        "ObjectGUID,DistinguishedName,UserPrincipalName,extensionAttribute1,extensionAttribute2\n"
        'c9000000-0000-4000-8000-00000000000a,"CN=O\'Hara $(x),DC=fabrikam,DC=com",'
        "ann@fabrikam.com,old,old\n",
        encoding="utf-8",
    )
    cloud = tmp_path / "cloud.json"
    cloud.write_text(
        json.dumps([{
            "UserPrincipalName": "ann@fabrikam.com",
            "IsDirSynced": True,
            "IsExchangeCloudManaged": True,
            "CustomAttribute1": HOSTILE,
            "CustomAttribute2": "",
        }]),
        encoding="utf-8",
    )
    return soa.reconcile(ad, cloud, now=NOW)


def test_powershell_plan_keeps_a_hostile_value_one_literal(
    tmp_path: pathlib.Path, hostile: soa.ReconcileReport
) -> None:
    plan = hostile.writeback_plan()
    assert (plan.change_count, len(plan.accounts), plan.skipped) == (2, 1, [])
    script = plan.to_powershell()
    assert "param([switch]$Apply)" in script
    # Pure ASCII: Windows PowerShell 5.1 reads it the same under any code page.
    assert script.isascii()
    line = script[script.index("\nSet-ADUser ") + 1 :]
    rest = line.removeprefix("Set-ADUser -Identity ")
    identity, rest = ps_string(rest)
    assert identity == "c9000000-0000-4000-8000-00000000000a"
    rest = rest.removeprefix(" -Replace @{extensionAttribute1=")
    value, rest = ps_string(rest)
    assert value == HOSTILE
    # The empty cloud value clears the attribute; nothing follows but the dry-run switch.
    cleared, rest = ps_literal(rest.removeprefix("} -Clear @("))
    assert cleared == "extensionAttribute2"
    assert rest == ") -WhatIf:(-not $Apply)\n"
    plan.write_powershell(tmp_path / "plan.ps1")
    assert (tmp_path / "plan.ps1").read_bytes() == b"\xef\xbb\xbf" + script.encode("utf-8")


def test_ldif_plan_encodes_a_hostile_value(tmp_path: pathlib.Path, hostile: soa.ReconcileReport) -> None:
    plan = hostile.writeback_plan()
    ldif = plan.to_ldif()
    assert "\nchangetype: modify\n" in ldif
    assert "extensionAttribute1:: " in ldif
    pairs = unfold_ldif(ldif)
    assert ("dn", "CN=O'Hara $(x),DC=fabrikam,DC=com".encode()) in pairs
    assert ("extensionAttribute1", HOSTILE.encode("utf-8")) in pairs
    assert not any(name == "extensionAttribute2" for name, _ in pairs if name != "replace")
    plan.write_ldif(tmp_path / "plan.ldf")
    assert (tmp_path / "plan.ldf").read_text(encoding="utf-8") == ldif


def test_writeback_plan_choices() -> None:
    report = run("ad_users.csv")
    default = report.writeback_plan()
    # The default choice is every cloud-master difference (Ann's attribute, Cleo's GUID).
    assert [a["mailbox"] for a in default.accounts] == ["ann@fabrikam.com", "cleo@fabrikam.com"]
    assert default.generated == report.generated
    assert default.ad_source == report.ad_source and default.cloud_source == report.cloud_source
    by_attribute = report.writeback_plan(attributes="extensionAttribute1")
    assert by_attribute.accounts == [default.accounts[0]]
    assert by_attribute.accounts[0]["changes"] == [
        {"ldap_name": "extensionAttribute1", "value_kind": "string", "value": "Marketing"}
    ]
    everything = report.writeback_plan(classes=["cloud_master_ad_stale", "ad_master_cloud_behind", "identity_drift"])
    assert everything.change_count == len(report)
    picked = report.writeback_plan(lambda d: d.mailbox.startswith("cleo"), classes="identity_drift")
    assert [c["ldap_name"] for c in picked.accounts[0]["changes"]] == ["userPrincipalName"]
    later = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
    assert report.writeback_plan(now=later).generated == later
    assert re.search(r"# Changes: 2 attribute\(s\) on 2 account\(s\)", default.to_ldif())

    def boom(d: soa.Difference) -> bool:
        raise KeyError(d.mailbox)

    with pytest.raises(KeyError, match="ann@fabrikam.com"):
        report.writeback_plan(boom)
    with pytest.raises(TypeError, match="callable"):
        report.writeback_plan("cloud_master_ad_stale")  # type: ignore[arg-type]
    with pytest.raises(soa.InvalidInputError, match="class"):
        report.writeback_plan(classes=["stale"])
    assert report.writeback_plan(lambda d: False).change_count == 0
