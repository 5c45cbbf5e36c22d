"""Reconcile on-premises AD with Exchange Online, write the reports and a writeback plan.

    python examples/python/reconcile.py ad_users.csv mailboxes.json --out reports
    python examples/python/reconcile.py ad_users.ldf mailboxes.json --out reports --writeback
    python examples/python/reconcile.py --simulated --out reports

The AD side is an export: ``Get-ADUser -Properties * | Export-Csv`` (CSV), ``ldifde -f`` (LDIF)
or ``Get-ADUser -Properties * | ConvertTo-Json`` (JSON). The cloud side is a
``Get-Mailbox -ResultSize Unlimited | ConvertTo-Json`` file, or, with ``--simulated``, a simulated
organization reconciled live through a ``Session`` (a session on an ``ExoClient`` does the same
for a real tenant): a few mailboxes are made cloud-managed and edited in the cloud first, so
that there is something to find.

Writes ``report.json``, ``report.csv``, ``report.html``, and a writeback plan for the differences
where Exchange Online is the master and AD is stale (``writeback.ldf`` for ``ldifde -i`` and
``writeback.ps1``, which runs with ``-WhatIf`` unless called with ``-Apply``). When ``--out``
already holds a ``report.json`` from an earlier run, what changed since is printed too.

Needs the ``exchange_soa`` package (``pip install .`` at the repository root). The records of
the report suit pandas (``pandas.DataFrame(report.records())``) but nothing here needs it.
"""

from __future__ import annotations

import argparse
import collections
import json
import pathlib
import sys

import exchange_soa as soa


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ad", nargs="?", type=pathlib.Path, help="the AD export (.csv, .ldf or .json)")
    parser.add_argument("cloud", nargs="?", type=pathlib.Path, help="the Get-Mailbox JSON export")
    parser.add_argument("--out", type=pathlib.Path, required=True, help="folder for the reports")
    parser.add_argument(
        "--writeback", action="store_true", help="Cloud Sync writeback is configured in the tenant"
    )
    parser.add_argument("--simulated", action="store_true", help="reconcile a simulated organization live")
    parser.add_argument("--size", type=int, default=200, help="recipients of the simulated organization (200)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (7)")
    args = parser.parse_args(argv)
    if args.simulated == (args.ad is not None):
        parser.error("give an AD export and a mailbox export, or --simulated")
    if not args.simulated and args.cloud is None:
        parser.error("give the Get-Mailbox JSON export after the AD export")
    if args.size < 1:
        parser.error("--size must be at least 1")
    return args


def simulated_organization(size: int, seed: int, out: pathlib.Path) -> tuple[pathlib.Path, soa.SimulatedOrg]:
    """A simulated organization where three mailboxes were made cloud-managed and edited in the
    cloud, and its AD exported as ``Get-ADUser -Properties * | ConvertTo-Json`` would for the
    attributes the simulation keeps (an empty custom attribute is ``null``)."""
    org = soa.SimulatedOrg.generate(size, seed)
    org.remove_cloud_sync_agent()
    mailboxes = org.list_mailboxes(dir_synced=True, cloud_managed=False, recipient_types=["UserMailbox"])
    for i, mailbox in zip(range(3), mailboxes):
        upn = str(mailbox.user_principal_name)
        org.set_cloud_managed(upn, True)
        org.set_mailbox(upn, set={"CustomAttribute12": f"COST-CENTER-{i + 1}"})
    org.advance(60)
    records = []
    for mailbox in org.list_mailboxes(dir_synced=True):
        upn = str(mailbox.user_principal_name)
        user = org.ad_user(upn)
        record: dict[str, object] = {f"extensionAttribute{i}": None for i in range(1, 16)}
        record.update(org.ad_attributes(upn))
        record.update(ObjectGUID=user["object_guid"], userPrincipalName=upn, whenChanged=user["when_changed"])
        records.append(record)
    ad = out / "ad_users.json"
    ad.write_text(json.dumps(records, indent=2), encoding="utf-8")
    return ad, org


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out: pathlib.Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    previous = soa.ReconcileReport.load_json(out / "report.json") if (out / "report.json").is_file() else None

    try:
        if args.simulated:
            ad, org = simulated_organization(args.size, args.seed, out)
            report = soa.reconcile_live(soa.Session(org, org.directory), ad, writeback_enabled=args.writeback)
        else:
            report = soa.reconcile(args.ad, args.cloud, writeback_enabled=args.writeback)
    except (soa.SoaError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1

    t = report.totals
    print(f"{report.ad_source} vs {report.cloud_source}")
    print(
        f"  {t['ad_records']} AD accounts, {t['cloud_records']} mailboxes, {t['matched']} matched "
        f"({', '.join(f'{n} by {k}' for k, n in t['matched_by'].items())})"
    )
    print(f"  {t['compared']} values compared, {t['in_sync']} in sync, {t['differences']} differ")
    for cls, n in t["by_class"].items():
        reasons = collections.Counter(d.reason for d in report.of_class(cls))
        print(f"    {cls}: {n} ({', '.join(f'{r} {c}' for r, c in sorted(reasons.items()))})")
    print(f"  AD only: {t['ad_only']}, cloud only: {t['cloud_only']}, ambiguous: {t['ambiguous']}")

    report.write_json(out / "report.json")
    report.write_csv(out / "report.csv")
    report.write_html(out / "report.html")
    plan = report.writeback_plan()
    plan.write_ldif(out / "writeback.ldf")
    plan.write_powershell(out / "writeback.ps1")
    print(f"writeback plan: {plan.change_count} change(s) on {len(plan.accounts)} account(s), {len(plan.skipped)} skipped")
    if previous is not None:
        changes = report.changes_since(previous)
        print(
            f"since the last report: {len(changes.new)} new, {len(changes.resolved)} resolved, "
            f"{len(changes.changed)} changed, {changes.unchanged} unchanged"
        )
    print(f"reports in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
