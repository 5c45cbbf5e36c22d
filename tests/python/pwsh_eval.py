"""Reading the PowerShell the library generates, independently of the library: its string
expressions (single-quoted literals and `[char]0xHHHH` casts joined with ` + `) evaluated back
to their values, and a tokenizer for comparing what a script means under different code pages."""

from __future__ import annotations

import re

#: The characters PowerShell's tokenizer takes as a single quote.
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"


def ps_literal(text: str) -> tuple[str, str]:
    """Reads a PowerShell single-quoted literal at the start of `text` (any of PowerShell's
    five single-quote characters opens, closes and doubles); returns its value and the rest."""
    assert text[0] in SINGLE_QUOTES, text
    value, i = [], 1
    while i < len(text):
        c = text[i]
        if c in SINGLE_QUOTES:
            if i + 1 < len(text) and text[i + 1] in SINGLE_QUOTES:
                value.append(c)
                i += 2
                continue
            return "".join(value), text[i + 1 :]
        value.append(c)
        i += 1
    raise AssertionError(f"unterminated literal: {text}")


def ps_string(text: str) -> tuple[str, str]:
    """Reads a PowerShell string expression at the start of `text` as the library writes them,
    in pure ASCII: one single-quoted literal, or literals and `[char]0xHHHH` casts (UTF-16 code
    units) joined with ` + ` in parentheses. Returns its value and the rest."""
    if not text.startswith("("):
        return ps_literal(text)
    rest = text[1:]
    units: list[str] = []
    while True:
        cast = re.match(r"\[char\]0x([0-9A-F]{4})", rest)
        if cast is not None:
            units.append(chr(int(cast.group(1), 16)))
            rest = rest[cast.end() :]
        else:
            literal, rest = ps_literal(rest)
            units.append(literal)
        if rest.startswith(" + "):
            rest = rest[3:]
            continue
        assert rest.startswith(")"), rest
        return "".join(units).encode("utf-16-le", "surrogatepass").decode("utf-16-le"), rest[1:]


_TOKEN = re.compile(
    r"'(?:[^']|'')*'"  # a single-quoted literal (ASCII quotes)
    r"|[\u2018\u2019\u201a\u201b]"  # a typographic quote: a token of its own, on purpose
    r"|\$?[A-Za-z_][\w:-]*"  # a word, a variable, a parameter name
    r"|-[A-Za-z]\w*"  # a parameter
    r"|\d+"
    r"|\S",  # any other character
)


def tokens(script: str) -> list[str]:
    """The tokens of a script, roughly as PowerShell splits them: enough to see whether two
    decodings of the same bytes mean the same thing."""
    return _TOKEN.findall(script)
