"""Reconciliation at tenant scale: Rust, the Python binding and pure Python, on the same files.

    python examples/reconcile_bench.py [--mailboxes N] [--repeat R] [--skip-python-baseline]

Runs, in one process and on the same cached export pair (an AD CSV and a
``Get-Mailbox | ConvertTo-Json`` file, generated once by soa-core's ``reconcile_bench``
example, 1,000,000 mailboxes by default):

(a) the Rust benchmark binary (``reconcile_bench``, release build) as a subprocess, whose last
    line (``RESULT {json}``) gives its time, throughput, peak memory and counts;
(b) ``exchange_soa.reconcile(ad, cloud)``, the Python binding, timed in this process;
(c) a straightforward pure-Python implementation with ``csv`` and ``json`` of the same join
    (ExchangeGuid, then UPN, then primary SMTP address) and the same diff over the same
    attributes (proxy addresses as sets with the SMTP prefix case respected, Booleans by
    meaning, empty equal to missing, DN references resolved to mailboxes), classified by the
    same authority rules.

It prints each path's time and MB/s, the ratios (Rust against pure Python, the binding against
Rust) and checks that the three agree on the counts. Rust and the binding run ``--repeat``
times each, taking turns (the best time counts, and the ratio of the medians is shown too, as
the fairer figure on a busy machine); the pure-Python baseline once. Needs the ``exchange_soa`` package
(``bash tests/run.sh python`` installs it into .venv) and cargo.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import pathlib
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------------
# (a) Rust


def rust_bench(mailboxes: int) -> dict[str, Any]:
    """Builds and runs the Rust benchmark; returns its RESULT record."""
    subprocess.run(
        ["cargo", "build", "-q", "--release", "-p", "soa-core", "--example", "reconcile_bench"],
        cwd=ROOT,
        check=True,
    )
    out = subprocess.run(
        ["cargo", "run", "-q", "--release", "-p", "soa-core", "--example", "reconcile_bench",
         "--", "--mailboxes", str(mailboxes)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"the Rust benchmark printed no RESULT line:\n{out}")
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT "):])
    return result


# ---------------------------------------------------------------------------------------------
# (c) pure Python: the columns the generated AD export has, as the catalog describes them:
# AD column -> (LDAP name, Get-Mailbox property, value kind, class, written back).

COLUMNS = {
    "Name": ("cn", "Name", "string", "identity", False),
    "SamAccountName": ("sAMAccountName", "SamAccountName", "string", "identity", False),
    "UserPrincipalName": ("userPrincipalName", "UserPrincipalName", "string", "identity", False),
    "DisplayName": ("displayName", "DisplayName", "string", "identity", False),
    "GivenName": ("givenName", "FirstName", "string", "identity", False),
    "Surname": ("sn", "LastName", "string", "identity", False),
    "Title": ("title", "Title", "string", "identity", False),
    "Department": ("department", "Department", "string", "identity", False),
    "Office": ("physicalDeliveryOfficeName", "Office", "string", "identity", False),
    "mail": ("mail", "WindowsEmailAddress", "smtp_address", "exchange", True),
    "mailNickname": ("mailNickname", "Alias", "string", "exchange", False),
    "msExchMailboxGuid": ("msExchMailboxGuid", "ExchangeGuid", "guid", "exchange", False),
    "proxyAddresses": ("proxyAddresses", "EmailAddresses", "proxy_addresses", "exchange", True),
    "msExchHideFromAddressLists": (
        "msExchHideFromAddressLists", "HiddenFromAddressListsEnabled", "boolean", "exchange",
        False,
    ),
    "altRecipient": ("altRecipient", "ForwardingAddress", "dn_reference", "exchange", False),
    "publicDelegates": (
        "publicDelegates", "GrantSendOnBehalfTo", "multi_dn_reference", "exchange", False,
    ),
}
for _n in range(1, 16):
    COLUMNS[f"extensionAttribute{_n}"] = (
        f"extensionAttribute{_n}", f"CustomAttribute{_n}", "string", "exchange", True,
    )
for _n in range(1, 6):
    COLUMNS[f"msExchExtensionCustomAttribute{_n}"] = (
        f"msExchExtensionCustomAttribute{_n}", f"ExtensionCustomAttribute{_n}", "multi_string",
        "exchange", True,
    )
MULTI = {"multi_string", "multi_dn_reference", "proxy_addresses"}
REFERENCES = {"dn_reference", "multi_dn_reference"}
HEADS = ("Identity", "Name", "Alias", "UserPrincipalName", "PrimarySmtpAddress",
         "WindowsEmailAddress", "ExchangeGuid", "ExternalDirectoryObjectId", "Guid",
         "DistinguishedName")


def parse_time(text: str) -> dt.datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.timezone.utc)
        except ValueError:
            pass
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    except ValueError:
        return None


def norm_guid(s: str) -> str:
    return s.strip().lstrip("{").rstrip("}").lower()


def to_strings(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, bool):
        return ["True" if v else "False"]
    if isinstance(v, int):
        return [str(v)]
    if isinstance(v, str):
        return [v] if v else []
    return list(v)


def is_empty(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, list) and not v)


def as_bool(v: Any) -> bool | None:
    if is_empty(v):
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        t = v.strip().lower()
        if t in ("true", "1"):
            return True
        if t in ("false", "0"):
            return False
    return None


def norm_proxy(s: str) -> str:
    prefix, sep, address = s.partition(":")
    if not sep:
        return s
    prefix = prefix.upper() if prefix == "SMTP" else prefix.lower()
    return f"{prefix}:{address.lower()}"


def equivalent(a: Any, b: Any, kind: str) -> bool:
    if kind == "boolean":
        x, y = as_bool(a), as_bool(b)
        return x == y if x is not None and y is not None else bool(a == b)
    if is_empty(a) or is_empty(b):
        return is_empty(a) and is_empty(b)
    sa, sb = to_strings(a), to_strings(b)
    if kind == "guid":
        return {norm_guid(s) for s in sa} == {norm_guid(s) for s in sb}
    if kind in ("dn_reference", "multi_dn_reference", "smtp_address"):
        return {s.lower() for s in sa} == {s.lower() for s in sb}
    if kind == "proxy_addresses":
        return {norm_proxy(s) for s in sa} == {norm_proxy(s) for s in sb}
    return set(sa) == set(sb)


def normalize_dn(dn: str) -> str:
    rdns, current, escaped = [], [], False
    for c in dn.strip():
        if escaped:
            current.append(c)
            escaped = False
        elif c == "\\":
            current.append(c)
            escaped = True
        elif c == ",":
            rdns.append("".join(current))
            current = []
        else:
            current.append(c)
    if current:
        rdns.append("".join(current))
    out = []
    for rdn in rdns:
        t, sep, v = rdn.partition("=")
        out.append(f"{t.strip().lower()}={v.strip().lower()}" if sep else rdn.strip().lower())
    return ",".join(out)


def classify(cls: str, written_back: bool, state: tuple[bool, bool],
             ad_changed: dt.datetime | None, cloud_changed: dt.datetime | None,
             now: dt.datetime, writeback: bool, grace: dt.timedelta) -> tuple[str, str]:
    dir_synced, cloud_managed = state
    if not dir_synced:
        return "conflict", "cloud_object_not_dir_synced"
    if cls == "identity":
        return "identity_drift", "identity_not_synced"
    if cls == "exchange" and not cloud_managed:
        stuck = ad_changed is not None and now - ad_changed > grace
        return "ad_master_cloud_behind", "sync_error_suspected" if stuck else "pending_sync"
    if ad_changed is not None and cloud_changed is not None and ad_changed > cloud_changed:
        return "conflict", "ad_edited_after_cloud"
    if written_back:
        return "cloud_master_ad_stale", "writeback_pending" if writeback else "writeback_off"
    return "cloud_master_ad_stale", "never_written_back"


def flag(v: Any) -> bool:
    b = as_bool(v)
    return bool(b)


def pure_python(ad_path: str, cloud_path: str, now: dt.datetime, writeback: bool = False,
                grace_minutes: int = 120) -> dict[str, Any]:
    """The same reconciliation in plain Python; returns its counts."""
    grace = dt.timedelta(minutes=grace_minutes)
    with open(cloud_path, encoding="utf-8-sig") as f:
        mailboxes = json.load(f)
    by_guid, by_upn, by_smtp = defaultdict(list), defaultdict(list), defaultdict(list)
    cloud = []
    for i, m in enumerate(mailboxes):
        props = {k.lower(): v for k, v in m.items()}
        cloud.append(props)
        if m.get("ExchangeGuid"):
            by_guid[norm_guid(m["ExchangeGuid"])].append(i)
        if m.get("UserPrincipalName"):
            by_upn[m["UserPrincipalName"].strip().lower()].append(i)
        if m.get("PrimarySmtpAddress"):
            by_smtp[m["PrimarySmtpAddress"].strip().lower()].append(i)
    del mailboxes

    totals: Counter[str] = Counter()
    by_class: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    claimed: dict[int, int] = {}
    ad_dns: dict[str, list[int | None]] = defaultdict(list)
    # (AD value, cloud value, (class, reason)) of the differing references
    pending: list[tuple[Any, Any, tuple[str, str]]] = []
    with open(ad_path, encoding="utf-8-sig", newline="") as f:
        first = f.readline()
        if not first.startswith("#TYPE"):
            f.seek(0)
        reader = csv.DictReader(f)
        header = {h.strip().lower(): h for h in reader.fieldnames or []}
        columns = [(h, COLUMNS[h.strip()]) for h in reader.fieldnames or [] if h.strip() in COLUMNS]
        dn_col, changed_col = header.get("distinguishedname"), header.get("whenchanged")
        guid_col, upn_col = header.get("msexchmailboxguid"), header.get("userprincipalname")
        proxy_col, mail_col = header.get("proxyaddresses"), header.get("mail")
        for row in reader:
            totals["ad_records"] += 1
            guid = row.get(guid_col, "") if guid_col else ""
            upn = row.get(upn_col, "") if upn_col else ""
            proxies = row.get(proxy_col, "") if proxy_col else ""
            smtp = next((p.strip()[5:] for p in proxies.replace("|", ";").split(";")
                         if p.strip().startswith("SMTP:")), None)
            if smtp is None and mail_col and row.get(mail_col):
                smtp = row[mail_col]
            outcome = None
            for key, value, table in (
                ("exchange_guid", norm_guid(guid) if guid else None, by_guid),
                ("user_principal_name", upn.strip().lower() if upn else None, by_upn),
                ("primary_smtp_address", smtp.strip().lower() if smtp is not None else None,
                 by_smtp),
            ):
                found = table.get(value) if value is not None else None
                if found:
                    outcome = (key, found)
                    break
            dn = row.get(dn_col) if dn_col else None
            target = None
            if outcome and len(outcome[1]) == 1 and outcome[1][0] not in claimed:
                target = outcome[1][0]
            if dn:
                ad_dns[normalize_dn(dn)].append(target)
            if outcome is None:
                if guid or smtp is not None:
                    totals["ad_only"] += 1
                else:
                    totals["ad_without_mailbox"] += 1
                continue
            key, found = outcome
            if len(found) > 1:
                totals["ambiguous"] += 1
                continue
            i = found[0]
            if i in claimed:
                totals["ambiguous"] += 1
                continue
            claimed[i] = totals["ad_records"]
            totals["matched"] += 1
            totals["matched_by_" + key] += 1
            m = cloud[i]
            state = (flag(m.get("isdirsynced")), flag(m.get("isexchangecloudmanaged")))
            ad_changed = parse_time(row.get(changed_col, "")) if changed_col else None
            cloud_changed = parse_time(m.get("whenchangedutc") or m.get("whenchanged") or "")
            for column, (ldap, prop, kind, cls, written_back) in columns:
                if prop.lower() not in m:
                    continue
                cell = row[column]
                ad_value = None if cell == "" else cell
                if ad_value is not None and kind in MULTI:
                    ad_value = [p.strip() for p in cell.replace("|", ";").split(";") if p.strip()]
                cloud_value = m[prop.lower()]
                totals["compared"] += 1
                if equivalent(ad_value, cloud_value, kind):
                    continue
                verdict = classify(cls, written_back, state, ad_changed, cloud_changed, now,
                                   writeback, grace)
                if kind in REFERENCES:
                    pending.append((ad_value, cloud_value, verdict))
                    continue
                by_class[verdict[0]] += 1
                by_reason[verdict[1]] += 1
    # References: resolve both sides to mailboxes once every AD account has been read.
    wanted: dict[str, set[int]] = {}
    for _, cloud_value, _ in pending:
        for v in to_strings(cloud_value):
            wanted[v.strip().lstrip("{").rstrip("}").lower()] = set()
    if wanted:
        for i, m in enumerate(cloud):
            for h in HEADS:
                head = m.get(h.lower())
                if isinstance(head, str) and head:
                    key = head.strip().lstrip("{").rstrip("}").lower()
                    if key in wanted:
                        wanted[key].add(i)

    def ad_target(dn: str) -> int | None:
        found = ad_dns.get(normalize_dn(dn), [])
        return found[0] if len(found) == 1 and found[0] is not None else None

    def cloud_target(v: str) -> int | None:
        found = wanted.get(v.strip().lstrip("{").rstrip("}").lower(), set())
        if len(found) == 1:
            return next(iter(found))
        t = v.lstrip()
        if len(t) > 3 and t[2] == "=" and t[:2].lower() in ("cn", "ou"):
            return ad_target(v)
        return None

    for ad_value, cloud_value, (cls, reason) in pending:
        a = [ad_target(v) for v in to_strings(ad_value)]
        c = [cloud_target(v) for v in to_strings(cloud_value)]
        if None in a or None in c:
            reason = "unresolved_reference"
        elif set(a) == set(c):
            continue
        by_class[cls] += 1
        by_reason[reason] += 1
    totals["cloud_records"] = len(cloud)
    totals["cloud_only"] = len(cloud) - len(claimed)
    totals["differences"] = sum(by_class.values())
    totals["in_sync"] = totals["compared"] - totals["differences"]
    return {"totals": dict(totals), "by_class": dict(by_class), "by_reason": dict(by_reason)}


# ---------------------------------------------------------------------------------------------


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailboxes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-python-baseline", action="store_true")
    args = parser.parse_args()

    import exchange_soa

    # Rust and the binding take turns, so that both see the same machine load; the best run
    # of each counts.
    runs, binding_times = [], []
    report = None
    for _ in range(max(1, args.repeat)):
        runs.append(rust_bench(args.mailboxes))
        ad, cloud = runs[0]["ad"], runs[0]["cloud"]
        now_dt = dt.datetime.fromisoformat(runs[0]["now"].replace("Z", "+00:00"))
        report = None
        start = time.perf_counter()
        report = exchange_soa.reconcile(ad, cloud, now=now_dt)
        binding_times.append(time.perf_counter() - start)
    rust = min(runs, key=lambda r: float(r["seconds"]))
    rust_times = [float(r["seconds"]) for r in runs]
    assert report is not None
    ad, cloud, now = rust["ad"], rust["cloud"], rust["now"]
    mb = rust["input_bytes"] / 1e6
    t = rust["totals"]
    print(f"input: {mb:.1f} MB, {args.mailboxes} mailboxes ({ad}, {cloud})")
    print(f"(a) Rust reconcile_files: {rust['seconds']:.2f} s, {mb / rust['seconds']:.1f} MB/s, "
          f"peak RSS {(rust['peak_rss_bytes'] or 0) / 2**20:.0f} MiB "
          f"(best of {len(runs)}: {', '.join('%.2f' % r['seconds'] for r in runs)} s)")

    expected = {
        "differences": t["differences"],
        "by_class": t["by_class"],
        "by_reason": rust["by_reason"],
        "matched": t["matched"],
        "ad_only": t["ad_only"],
        "cloud_only": t["cloud_only"],
        "ambiguous": t["ambiguous"],
        "compared": t["compared"],
    }
    problems = []

    binding = min(binding_times)
    bt = report.totals
    got = bt if isinstance(bt, dict) else json.loads(json.dumps(bt, default=vars))
    by_reason = Counter(d.reason if isinstance(d.reason, str) else str(d.reason)
                        for d in report)
    print(f"(b) Python binding exchange_soa.reconcile: {binding:.2f} s, {mb / binding:.1f} MB/s "
          f"(best of {len(binding_times)}: {', '.join('%.2f' % x for x in binding_times)} s), "
          f"process peak RSS {peak_mib():.0f} MiB")
    if len(report) != expected["differences"]:
        problems.append(f"binding: {len(report)} differences, Rust {expected['differences']}")
    for key in ("matched", "ad_only", "cloud_only", "ambiguous", "compared"):
        if got.get(key) != expected[key]:
            problems.append(f"binding: {key} {got.get(key)}, Rust {expected[key]}")
    if dict(got.get("by_class", {})) != expected["by_class"]:
        problems.append(f"binding: by class {got.get('by_class')}, Rust {expected['by_class']}")
    if dict(by_reason) != expected["by_reason"]:
        problems.append(f"binding: by reason {dict(by_reason)}, Rust {expected['by_reason']}")
    del report

    python_seconds = None
    if not args.skip_python_baseline:
        start = time.perf_counter()
        py = pure_python(ad, cloud, now_dt)
        python_seconds = time.perf_counter() - start
        print(f"(c) pure Python (csv + json): {python_seconds:.2f} s, "
              f"{mb / python_seconds:.1f} MB/s, process peak RSS {peak_mib():.0f} MiB")
        pt = py["totals"]
        for key in ("differences", "matched", "ad_only", "cloud_only", "ambiguous", "compared"):
            if pt.get(key, 0) != expected[key]:
                problems.append(f"pure Python: {key} {pt.get(key, 0)}, Rust {expected[key]}")
        if py["by_class"] != expected["by_class"]:
            problems.append(f"pure Python: by class {py['by_class']}, Rust {expected['by_class']}")
        if py["by_reason"] != expected["by_reason"]:
            problems.append(
                f"pure Python: by reason {py['by_reason']}, Rust {expected['by_reason']}")

    print(f"differences: {expected['differences']} {expected['by_class']}")
    if python_seconds is not None:
        print(f"Rust vs pure Python: {python_seconds / rust['seconds']:.1f}x faster")
    print(f"binding vs Rust: best {binding / rust['seconds']:.3f} "
          f"({(binding / rust['seconds'] - 1) * 100:+.1f}%), median "
          f"{statistics.median(binding_times) / statistics.median(rust_times):.3f} "
          f"({(statistics.median(binding_times) / statistics.median(rust_times) - 1) * 100:+.1f}%)")
    if problems:
        print("DISAGREEMENT:\n  " + "\n  ".join(problems))
        return 1
    print("the three agree on every count" if python_seconds is not None
          else "Rust and the binding agree on every count")
    return 0


if __name__ == "__main__":
    sys.exit(main())
