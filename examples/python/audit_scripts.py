"""Audit PowerShell automation for commands that still write Exchange attributes on-premises.

    python examples/python/audit_scripts.py                      # the corpus in examples/scripts
    python examples/python/audit_scripts.py C:/Scripts --sarif audit.sarif --rewrite-to fixed
    python examples/python/audit_scripts.py scripts --diff --fail-on never

Prints the findings grouped by file (rules ``SOA-PS001``...), optionally the unified diff of the
safe rewrites (``--diff``), writes a SARIF 2.1.0 log for code scanning (``--sarif``) and the
rewritten scripts as copies under a folder (``--rewrite-to``; the originals are never touched).
The exit status is 1 when a finding is at least as severe as ``--fail-on`` (``error`` by
default), so that the script can gate a pipeline.

Needs the ``exchange_soa`` package (``pip install .`` at the repository root).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import exchange_soa as soa

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "scripts"
SEVERITY = {"note": 1, "warning": 2, "error": 3, "never": 4}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "path", nargs="?", type=pathlib.Path, default=CORPUS, help="a script or a folder (examples/scripts)"
    )
    parser.add_argument("--sarif", type=pathlib.Path, help="write the SARIF 2.1.0 log to this file")
    parser.add_argument("--rewrite-to", type=pathlib.Path, help="write the rewritten scripts under this folder")
    parser.add_argument("--diff", action="store_true", help="print the unified diff of the rewrites")
    parser.add_argument(
        "--fail-on", choices=list(SEVERITY), default="error", help="exit 1 from this severity on (error)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report = soa.audit_scripts(args.path)
    except (soa.SoaError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    print(report.to_text(), end="")
    if args.diff:
        print(report.diff(), end="")
    if args.sarif is not None:
        args.sarif.write_text(report.to_sarif_json(), encoding="utf-8")
        print(f"SARIF log: {args.sarif}")
    if args.rewrite_to is not None:
        root = args.path if args.path.is_dir() else args.path.parent
        for audit in report.files:
            target = args.rewrite_to / pathlib.Path(audit.path).relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            if audit.write_rewritten(target):
                print(f"rewritten: {target}")
    worst = max((SEVERITY[f.severity] for f in report), default=0)
    return 1 if worst >= SEVERITY[args.fail_on] else 0


if __name__ == "__main__":
    sys.exit(main())
