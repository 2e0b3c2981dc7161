"""CSV exports for spreadsheet users: `;`-separated, UTF-8 with a byte-order mark (what French
spreadsheet software opens correctly by double-click), and safe to double-click.

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be read by
Excel or LibreOffice as a formula (`=HYPERLINK(...)`, `=cmd|...`): such cells get a leading `'`
(OWASP's CSV-injection rule), which spreadsheets show as plain text. Numbers (Python `int` and
`float`, the dashboard's counts) are written as numbers, never prefixed: only text typed by
someone can carry a formula. The defusedcsv package was considered: it also rewrites `|` inside
the text and leaves tab and carriage return alone, so the five lines below are kept instead.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

MEDIA_TYPE = "text/csv"
"""Litestar appends `; charset=utf-8` to any text/* type itself."""


def spreadsheet_safe(value: Any) -> Any:
    """The cell as written: None → empty, numbers as they are, text starting like a formula → `'` + text."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):  # bool is an int: written True/False, harmless
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Every export goes through here: header and rows, each cell made spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(v) for v in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
