"""Excel workbook (openpyxl): sheet "articles" (the csv columns) and sheet "citations".

Every cell is written as a string cell, so text starting with ``=`` is never a formula; the
control characters the xlsx format cannot hold (C0 except tab, line feed and carriage
return) become a space.
"""

from __future__ import annotations

import re
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .csvfile import EDGE_COLUMNS
from .selection import Selection
from .table import COLUMNS, rows

__all__ = ["write_xlsx"]

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Excel's limit per cell
_MAX_CELL = 32_767


def _cell(sheet, value: str) -> WriteOnlyCell | str:
    value = _ILLEGAL.sub(" ", value)[:_MAX_CELL]
    if not value.startswith("="):
        return value  # openpyxl writes any other str as a string cell (a WriteOnlyCell costs 10x)
    cell = WriteOnlyCell(sheet, value=None)
    cell.value = value
    cell.data_type = "s"  # set after the value: openpyxl would infer "f" for a leading "="
    return cell


def write_xlsx(selection: Selection, stream: IO[bytes]) -> int:
    """Write the workbook to a binary stream; returns the number of articles."""
    book = Workbook(write_only=True)
    articles = book.create_sheet("articles")
    articles.append([_cell(articles, c) for c in COLUMNS])
    count = 0
    for cells in rows(selection):
        articles.append([_cell(articles, c) for c in cells])
        count += 1
    citations = book.create_sheet("citations")
    citations.append([_cell(citations, c) for c in EDGE_COLUMNS])
    for edge in selection.edges:
        citations.append([_cell(citations, c) for c in edge])
    book.save(stream)
    return count
