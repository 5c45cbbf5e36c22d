"""Checks what headless Chromium made of the reconciliation HTML report.

    python3 tests/html/check_render.py REPORT_JSON DOM_HTML SCREENSHOT_PNG WIDTH HEIGHT

* ``DOM_HTML`` is the page as Chromium serialized it after running its script
  (``chromium --headless --dump-dom``): every total of ``REPORT_JSON`` must be shown, the table
  must have one row per difference, the page's filter script must have run (it writes the number
  of rows shown), and the hostile values of the fixture must be text, not markup (no injected
  element, the title unchanged).
* ``SCREENSHOT_PNG`` must be a PNG of the window size that is not blank: decoded here with the
  standard library (zlib and the PNG row filters), it must have ink on a fair share of its pixels
  and more than a handful of colours.

Prints one line per check and ``html: N passed, M failed`` at the end; exits non-zero on failure.
Only the standard library is used, so the check runs on a bare Python.
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from html.parser import HTMLParser
from typing import Callable

TOTAL_LABELS = {
    "AD records": "ad_records",
    "Mailboxes": "cloud_records",
    "Matched": "matched",
    "Compared": "compared",
    "In sync": "in_sync",
    "Differences": "differences",
    "AD only": "ad_only",
    "Cloud only": "cloud_only",
    "Ambiguous": "ambiguous",
}


class Page(HTMLParser):
    """Collects what the checks need from the rendered DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.totals: dict[str, int] = {}
        self.shown = ""
        self.diff_rows: list[list[str]] = []
        self.tags: list[str] = []
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._total_number = ""
        self._total_label = ""
        self._in_diffs_body = False
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        self._stack.append((tag, a))
        if tag == "div" and a.get("class") == "total":
            self._total_number, self._total_label = "", ""
        if tag == "tbody" and any(t == "table" and x.get("id") == "diffs" for t, x in self._stack):
            self._in_diffs_body = True
        if self._in_diffs_body and tag == "tr":
            self._row = []
        if self._in_diffs_body and tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            open_tag, a = self._stack.pop()
            if open_tag == "div" and a.get("class") == "total":
                self.totals[self._total_label.strip()] = int(self._total_number.strip() or -1)
            if open_tag == "tbody" and self._in_diffs_body:
                self._in_diffs_body = False
            if open_tag == "td" and self._cell is not None and self._row is not None:
                self._row.append("".join(self._cell))
                self._cell = None
            if open_tag == "tr" and self._row is not None:
                self.diff_rows.append(self._row)
                self._row = None
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._stack:
            return
        tag, a = self._stack[-1]
        if tag == "title":
            self.title += data
        if tag == "b" and len(self._stack) > 1 and self._stack[-2][1].get("class") == "total":
            self._total_number += data
        elif tag == "div" and a.get("class") == "total":
            self._total_label += data
        if tag == "span" and a.get("id") == "shown":
            self.shown += data
        if self._cell is not None:
            self._cell.append(data)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decodes an 8-bit RGB or RGBA PNG into rows of raw pixel bytes."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                raise ValueError(f"unexpected PNG format: depth {depth}, colour type {colour}")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = prev[i]
            upleft = prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - upleft
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else upleft
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, [bytes(r[i] for i in range(len(r)) if i % channels < 3) for r in rows]


def main() -> int:
    report_path, dom_path, png_path, width_arg, height_arg = sys.argv[1:6]
    report = json.load(open(report_path, encoding="utf-8"))
    page = Page()
    page.feed(open(dom_path, encoding="utf-8").read())
    totals = report["totals"]
    differences = report["differences"]

    checks: list[tuple[str, Callable[[], bool], Callable[[], str]]] = []
    for label, key in TOTAL_LABELS.items():
        checks.append(
            (
                f"total '{label}' shows {totals[key]}",
                lambda label=label, key=key: page.totals.get(label) == totals[key],
                lambda label=label: f"page shows {page.totals.get(label)!r}",
            )
        )
    checks += [
        (
            "the fixture has differences, one-side-only objects and a hostile value",
            lambda: totals["differences"] > 0 and totals["ad_only"] > 0 and totals["cloud_only"] > 0
            and any("<script>" in json.dumps(d) for d in differences),
            lambda: f"totals {totals}",
        ),
        (
            "one table row per difference",
            lambda: len(page.diff_rows) == len(differences),
            lambda: f"{len(page.diff_rows)} rows for {len(differences)} differences",
        ),
        (
            "the page's script ran (rows shown counted)",
            lambda: page.shown.strip() == str(len(differences)),
            lambda: f"shown = {page.shown!r}",
        ),
        (
            "the title was not changed by an injected script",
            lambda: page.title == "Reconciliation report",
            lambda: f"title = {page.title!r}",
        ),
        (
            "no injected element (one script, no img)",
            lambda: page.tags.count("script") == 1 and "img" not in page.tags,
            lambda: f"{page.tags.count('script')} script, {page.tags.count('img')} img",
        ),
        (
            "the hostile value is shown as text",
            lambda: any("<script>document.title=" in cell for row in page.diff_rows for cell in row),
            lambda: "no cell holds the hostile text",
        ),
    ]

    width, height, rows = png_pixels(open(png_path, "rb").read())
    colours: set[bytes] = set()
    ink = 0
    for row in rows:
        for i in range(0, len(row), 3):
            px = row[i : i + 3]
            colours.add(px)
            if min(px) < 200:
                ink += 1
    share = ink / (width * height)
    checks += [
        (
            f"screenshot is {width_arg}x{height_arg}",
            lambda: (width, height) == (int(width_arg), int(height_arg)),
            lambda: f"screenshot is {width}x{height}",
        ),
        (
            "screenshot is not blank",
            lambda: len(colours) > 16 and 0.01 < share < 0.9,
            lambda: f"{len(colours)} colours, {share:.1%} of pixels with ink",
        ),
    ]

    failed = 0
    for name, ok, why in checks:
        if ok():
            print(f"ok   {name}")
        else:
            failed += 1
            print(f"FAIL {name}: {why()}")
    print(f"html: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
