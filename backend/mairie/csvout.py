"""CSV exports for spreadsheet users: `;`-separated, UTF-8 with a byte-order mark (what French
spreadsheet software opens correctly by double-click)."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
