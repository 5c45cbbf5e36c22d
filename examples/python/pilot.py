"""The main job in Python: the whole adoption path of a source-of-authority transfer, on a
simulated hybrid organization (no credentials, no network).

    python examples/python/pilot.py
    python examples/python/pilot.py --size 20000 --seed 7 --wave 25 --ticket CHG-42 --out runs
    python examples/python/pilot.py --over-http     # the same, through the REST client

Preflight -> a plan under a change ticket -> a dry run -> the pilot wave (backup, flip, verify
by reading back, probe edit) with a progress bar -> an edit in the cloud kept across a sync
cycle and written back -> a second wave -> a rollback of one mailbox with its loss report -> a
summary. The plan, backups, journal and audit log of each run are written under ``--out``.
Every step takes one ``Session``: Exchange Online, the organization's AD as the on-premises
directory, and the actor the audit log records (the backend's principal).

With ``--over-http`` the organization is served by the HTTP emulator of the Exchange Online
gateway and every Exchange Online call goes through ``ExoClient`` over a loopback socket, as it
would against a real tenant; the on-premises side (AD, the sync engines) stays simulated.

Needs the ``exchange_soa`` package (``pip install .`` at the repository root). The progress bar
is a plain text bar on standard error, so that the example depends on nothing else; with tqdm
the same callback drives a tqdm bar::

    bar = tqdm(total=len(plan.go()), unit="mailbox")
    def progress(e):
        bar.n = e.done                      # mailboxes finished so far
        bar.set_postfix_str(f"{e.identity} {e.step}")
    report = run(session, plan, run_dir, progress=progress)
    bar.n = len(report.results)
    bar.close()
"""

from __future__ import annotations

import argparse
import contextlib
import pathlib
import re
import sys
import tempfile
from collections.abc import Iterator

import exchange_soa as soa

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="recipients to generate (2000)")
    parser.add_argument("--seed", type=int, default=2026, help="generator seed (2026)")
    parser.add_argument("--wave", type=int, default=10, help="mailboxes per wave (10)")
    parser.add_argument("--ticket", default="CHG-PILOT-1", help="the change ticket")
    parser.add_argument(
        "--out", type=pathlib.Path, default=None, help="folder for the run folders (a new temporary one)"
    )
    parser.add_argument(
        "--over-http",
        action="store_true",
        help="serve the organization with the HTTP emulator and go through ExoClient",
    )
    args = parser.parse_args(argv)
    if args.size < 1 or args.wave < 1:
        parser.error("--size and --wave must be at least 1")
    return args


class ProgressBar:
    """A progress callback that draws a text bar on standard error: pass the object as
    ``progress=``, and call ``close()`` when the run returns."""

    WIDTH = 30

    def __init__(self, label: str) -> None:
        self.label = label
        self.total = 0

    def __call__(self, e: soa.ProgressEvent) -> None:
        self.total = e.total
        self.draw(min(e.done, e.total), e.identity)

    def draw(self, done: int, text: str) -> None:
        filled = self.WIDTH if self.total == 0 else done * self.WIDTH // self.total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        sys.stderr.write(f"\r   {self.label} [{bar}] {done}/{self.total} {text:<40.40}")
        sys.stderr.flush()

    def close(self, report: soa.RunReport) -> None:
        # An event is sent as each step is taken, before the mailbox counts as done: the bar
        # is completed from the report.
        if self.total:
            self.draw(len(report.results), "done")
            sys.stderr.write("\n")


@contextlib.contextmanager
def backend_for(org: soa.SimulatedOrg, over_http: bool) -> Iterator[soa.ExchangeOnline]:
    """The organization itself, or an ExoClient talking to the emulator that serves it."""
    if not over_http:
        yield org
        return
    with soa.Emulator(org) as emulator:
        client = soa.ExoClient.for_emulator(emulator, org.principal, page_size=500)
        print(f"   Exchange Online through {client.endpoint}")
        yield client


def print_report(report: soa.RunReport, run_dir: pathlib.Path) -> None:
    print(
        f"   run {report.run_id}: {report.verified} verified, {report.failed} failed "
        f"(backups, journal and audit log in {run_dir})"
    )
    for r in report.results:
        if r.step == "failed":
            print(f"     failed {r.identity}: {r.reason or ''}")


def safe(identity: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]", "_", identity)


def pilot(args: argparse.Namespace) -> None:
    out: pathlib.Path = args.out or pathlib.Path(tempfile.mkdtemp(prefix="soa-pilot-"))
    org = soa.SimulatedOrg.generate(args.size, args.seed)
    org.set_cloud_sync_agent()
    org.writeback_cycle()
    s = org.summary()
    print(f"exchange-soa pilot on a simulated organization ({org.tenant})")
    print(
        f"  {s.mailboxes} mailboxes, {s.dir_synced_mailboxes} dir-synced, "
        f"{s.cloud_managed_mailboxes} already cloud-managed; ticket {args.ticket}; output {out}\n"
    )

    with backend_for(org, args.over_http) as exo:
        session = soa.Session(exo, org.directory)
        # 1. Preflight: the tenant through Exchange Online, the sync engines from the directory.
        print("1. Preflight")
        preflight = soa.gather_preflight(session)
        report = soa.check_organization(preflight, planned=args.wave)
        for f in report.findings:
            print(f"   [{f.severity}] {f.code}: {f.message}")
        if not report.findings:
            print("   all prerequisites met")

        # 2. Plan the pilot wave under a ticket, and dry-run it.
        print("\n2. Plan and dry run")
        selection = {"dir_synced": True, "cloud_managed": False}
        try:
            soa.plan(session, selection, soa.TransferPolicy(batch_cap=args.wave))
        except soa.RefusedError as e:
            print(f"   without a ticket: {e}")
        policy = soa.TransferPolicy(
            args.ticket, batch_cap=args.wave, probe_attribute="CustomAttribute15"
        )
        plan1 = soa.plan(session, selection, policy, preflight=preflight)
        dir1 = out / plan1.run_id
        print(f"   {plan1.summary()}")
        dry = soa.run(session, plan1, dir1, dry_run=True)
        print(
            f"   dry run: {len(dry.results)} mailbox(es) would be flipped; "
            f"plan written to {dir1 / 'plan.json'}"
        )

        # 3. The pilot wave: backup, flip, verify, probe.
        print("\n3. Pilot wave")
        bar = ProgressBar("wave 1")
        wave1 = soa.run(session, plan1, dir1, progress=bar)
        bar.close(wave1)
        print_report(wave1, dir1)
        flipped = [r.identity for r in wave1.results if r.step in {"verified", "probe_ok"}]
        if not flipped:
            raise SystemExit("error: the pilot wave flipped no mailbox")
        pilot_mailbox = flipped[0]
        backup = soa.BackupStore(dir1 / "backups").read(pilot_mailbox)
        print(f"   backup of {pilot_mailbox}: checksum {backup.checksum[:16]}..., taken {backup.taken_at:%H:%M:%S}")

        # 4. An edit in the cloud, kept across a sync cycle, written back where the set allows.
        print("\n4. Edit in the cloud, then a sync cycle and a writeback cycle")
        exo.set_mailbox(
            pilot_mailbox,
            {"CustomAttribute1": "CC-CLOUD-1", "HiddenFromAddressListsEnabled": True},
        )
        sync = org.sync_cycle()
        m = exo.get_mailbox(pilot_mailbox)
        kept = "kept" if m.custom_attribute(1) == "CC-CLOUD-1" else "LOST"
        print(
            f"   {pilot_mailbox}: after the sync cycle CustomAttribute1 = "
            f"{m.custom_attribute(1) or '(empty)'} ({kept}; {len(sync.overwritten)} cloud values "
            "overwritten in the tenant)"
        )
        wb = org.writeback_cycle()
        ad = org.ad_attributes(pilot_mailbox)
        print(
            f"   writeback wrote {len(wb.written)} value(s); AD extensionAttribute1 = "
            f"{ad.get('extensionAttribute1') or '(empty)'}, msExchHideFromAddressLists = "
            f"{ad.get('msExchHideFromAddressLists') or '(empty)'} (not in the writeback set)"
        )

        # 5. The second wave.
        print("\n5. Second wave")
        plan2 = soa.plan(session, selection, policy, preflight=preflight)
        dir2 = out / plan2.run_id
        bar = ProgressBar("wave 2")
        wave2 = soa.run(session, plan2, dir2, progress=bar)
        bar.close(wave2)
        print_report(wave2, dir2)

        # 6. Roll back the pilot mailbox: the loss report first.
        print(f"\n6. Rollback of {pilot_mailbox}")
        audit = dir1 / "audit.jsonl"
        try:
            soa.rollback(session, pilot_mailbox, ticket=args.ticket, audit_log=audit)
            print("   rolled back with nothing to lose")
        except soa.RefusedError as e:
            print(f"   without acknowledgment: {e}")
        export = dir1 / f"rollback-loss-{safe(pilot_mailbox)}.json"
        if exo.get_mailbox(pilot_mailbox).is_exchange_cloud_managed:
            outcome = soa.rollback(
                session, pilot_mailbox, export_to=export, ticket=args.ticket, audit_log=audit
            )
            print(f"   exported the loss to {outcome.exported} and rolled back")
            predicted = [e.attribute for e in outcome.loss.entries]
            sync = org.sync_cycle()
            happened = [a for (upn, a) in sync.overwritten if upn.lower() == pilot_mailbox.lower()]
            print(f"   predicted loss: {predicted}; the next sync overwrote: {happened}")

        # 7. Summary.
        s = org.summary()
        print("\n7. Summary")
        print(
            f"   waves: {wave1.verified} + {wave2.verified} verified, {wave1.failed} + "
            f"{wave2.failed} failed; cloud-managed now {s.cloud_managed_mailboxes} of "
            f"{s.dir_synced_mailboxes} dir-synced mailboxes"
        )
        print(f"   run folders: {dir1} and {dir2}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        pilot(args)
    except soa.SoaError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
