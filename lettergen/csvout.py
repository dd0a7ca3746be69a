"""The one CSV writer of every CSV lettergen writes: manifests, skipped/rejected/held reports, the vendor's mail
manifests and ``plan --format csv``.

Staff and mailing vendors open these files in Excel, LibreOffice or Google Sheets, which run a cell that starts
with ``=``, ``+``, ``-`` or ``@`` (and, in some versions, a tab or carriage return before one) as a formula: a
debtor named ``=HYPERLINK("http://x","click")`` would put a live link, or worse, in the vendor's spreadsheet
(CSV injection, OWASP). So every such cell is *defused*: a single quote is put in front, the OWASP rule, which
the spreadsheet shows as text and hides in the cell.

Numbers stay numbers: a cell that is a plain decimal number ("-12.50", "+3", "1234") is not a formula in any
spreadsheet, and a vendor's system must read a negative amount as one, so it is written as it is. Anything else
that starts with a trigger ("-1+1", "+1 555 0100", "@home", "=1") is defused. The JSON outputs carry the exact
values; only the CSV cells change.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["TRIGGERS", "csv_text", "defuse"]

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as the start of a formula (OWASP: CSV injection)."""
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def defuse(value: Any) -> str:
    """The cell as text, with a ``'`` in front when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document (``\\n`` line ends, quoted as Excel reads it) with every cell defused, the header too."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    # the csv module quotes a cell holding the line terminator ("\n") but not a lone "\r", which a reader takes for
    # a line end: a row with one is written with every cell quoted
    quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in itertools.chain([[defuse(h) for h in header]], ([defuse(c) for c in r] for r in rows)):
        (quoted if any("\r" in c for c in row) else w).writerow(row)
    return buf.getvalue()
