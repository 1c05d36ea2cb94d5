"""Excel workbook (openpyxl): sheet "articles" (the csv columns), sheet "citations" and, with
``--contexts``, sheet "contexts" (one row per citing sentence).

Every cell is written as a string cell, so text starting with ``=`` is never a formula; text
is one line without control or bidi characters (:func:`~citegraph.exports.fields.flat`).
"""

from __future__ import annotations

from typing import IO
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.writer.excel import ExcelWriter

from .csvfile import EDGE_COLUMNS
from .fields import flat
from .selection import Selection
from .table import CONTEXT_SHEET_COLUMNS, columns, context_rows, rows

__all__ = ["write_xlsx"]

#: Excel's limit per cell
_MAX_CELL = 32_767


def _cell(sheet, value: str) -> WriteOnlyCell | str:
    value = flat(value)[:_MAX_CELL]
    if not value.startswith("="):
        return value  # openpyxl writes any other str as a string cell, cheaper than a WriteOnlyCell
    cell = WriteOnlyCell(sheet, value=None)
    cell.value = value
    cell.data_type = "s"  # set after the value: openpyxl would infer "f" for a leading "="
    return cell


def write_xlsx(selection: Selection, stream: IO[bytes]) -> int:
    """Write the workbook to a binary stream; returns the number of articles."""
    book = Workbook(write_only=True)
    articles = book.create_sheet("articles")
    articles.append([_cell(articles, c) for c in columns(selection)])
    count = 0
    for cells in rows(selection):
        articles.append([_cell(articles, c) for c in cells])
        count += 1
    citations = book.create_sheet("citations")
    citations.append([_cell(citations, c) for c in EDGE_COLUMNS])
    for edge in selection.edges:
        citations.append([_cell(citations, c) for c in edge])
    if selection.contexts is not None:
        contexts = book.create_sheet("contexts")
        contexts.append([_cell(contexts, c) for c in CONTEXT_SHEET_COLUMNS])
        for cells in context_rows(selection):
            contexts.append([_cell(contexts, c) for c in cells])
    _save(book, stream)
    return count


def _save(book: Workbook, stream: IO[bytes]) -> None:
    """``book.save(stream)``, except that a failed write (disk full) leaves nothing half-open
    whose finaliser would write again and print "Exception ignored" warnings: not the zip
    archive, nor the write-only sheets' row writers."""
    archive = ZipFile(stream, "w", ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(book, archive).save()  # closes the archive
    except BaseException:
        archive.fp = None  # the stream is the caller's to discard; closing must not write to it
        for sheet in book.worksheets:
            writer = getattr(sheet, "_writer", None)
            for generator in (getattr(sheet, "_rows", None), getattr(writer, "xf", None)):
                try:
                    if generator is not None:
                        generator.close()
                except Exception:  # the sheet's XML is abandoned half-written: nothing to keep
                    pass
            try:
                if writer is not None and isinstance(writer.out, str):
                    writer.cleanup()  # its temporary file
            except (OSError, ValueError):
                pass
        raise
