"""CSV (RFC 4180): one row per article, or one row per citation edge.

Written with the ``csv`` module (fields quoted when needed, CRLF line ends), UTF-8, with an
optional byte-order mark so that Excel detects the encoding. Formula injection: a cell
starting with ``= + - @`` (or a tab or a carriage return, which the one-line text below never
has) gets a leading apostrophe, so a spreadsheet shows it as text instead of evaluating it
(OWASP's advice). Text is one line
without control or bidi characters (:func:`~citegraph.exports.fields.flat`).
"""

from __future__ import annotations

import csv
from typing import IO

from .fields import flat, neutralise_formula
from .selection import Selection
from .table import columns, rows

__all__ = ["write_csv", "write_edges_csv", "EDGE_COLUMNS"]

EDGE_COLUMNS = ("citing", "cited", "source")


def write_csv(selection: Selection, stream: IO[str], *, bom: bool = False) -> int:
    """Write the header and one row per article; returns the number of articles."""
    if bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, dialect="excel", lineterminator="\r\n")
    writer.writerow(columns(selection))
    count = 0
    for cells in rows(selection):
        writer.writerow([neutralise_formula(c) for c in cells])
        count += 1
    return count


def write_edges_csv(selection: Selection, stream: IO[str], *, bom: bool = False) -> int:
    """One row per (citing, cited, source) stored between selected papers; returns the rows."""
    if bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, dialect="excel", lineterminator="\r\n")
    writer.writerow(EDGE_COLUMNS)
    for citing, cited, source in selection.edges:
        writer.writerow([citing, cited, neutralise_formula(flat(source))])
    return len(selection.edges)
