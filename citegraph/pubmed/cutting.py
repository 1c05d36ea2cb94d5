"""Cutting a record's ``raw_xml`` out of the input bytes exactly as received.

A cut is trusted only where it cannot be fooled: the document is UTF-8 (or ASCII) without
entity declarations (:func:`plain_prolog`), and no comment, CDATA section or processing
instruction between the records holds a record's tag name (:func:`records_are_plain`).
Elsewhere the reader re-serialises the record instead.
"""

from __future__ import annotations

import re

__all__ = ["TAG_END", "plain_prolog", "prolog_end", "records_are_plain", "slice_record"]

#: the bytes that may follow a tag name in a start tag
TAG_END = frozenset(b" \t\r\n>/")
_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_RECORD_TAG = re.compile(rb"Pubmed(?:Book)?Article\b")


def records_are_plain(data: bytes, start: int = 0, end: int | None = None) -> bool:
    """No comment, CDATA section or processing instruction in ``data[start:end]`` holds a
    record's tag name (``start`` must not fall inside one): then such a tag in those bytes is
    a record's, and a record cut out of them is the record. Records from PMC carry processing
    instructions such as ``<?pmcsd ?>``, which are harmless; one holding ``<PubmedArticle>``
    (a file or a hostile server could send that) is not."""
    end = len(data) if end is None else end
    # each of them opens with "<!" or "<?": look for the rarer second byte (memchr-fast), then
    # at the byte before it
    for mark in (b"!", b"?"):
        at = data.find(mark, start, end)
        while at >= 0:
            if at > 0 and data[at - 1] == 0x3C:  # "<"
                opener = at - 1
                if mark == b"?":
                    closer = b"?>"
                elif data.startswith(b"<!--", opener):
                    closer = b"-->"
                elif data.startswith(b"<![CDATA[", opener):
                    closer = b"]]>"
                else:
                    return False  # a declaration among the records: nothing to expect
                stop = data.find(closer, at, end)
                if stop < 0 or _RECORD_TAG.search(data, opener, stop):
                    return False
                at = stop
            at = data.find(mark, at + 1, end)
    return True


def prolog_end(data: bytes) -> int:
    """Where the XML declaration and a DOCTYPE without an internal subset end (0 when the
    document starts otherwise): where :func:`records_are_plain` may start looking."""
    at = len(data) - len(data.lstrip())
    if data.startswith(b"<?xml", at):
        close = data.find(b"?>", at)
        if close < 0:
            return 0
        at = close + 2
        at += len(data[at:at + 200]) - len(data[at:at + 200].lstrip())
    if data.startswith(b"<!DOCTYPE", at):
        close = data.find(b">", at)
        if close < 0 or b"[" in data[at:close]:
            return 0
        at = close + 1
    return at


def slice_record(data: bytes, tag: bytes, cursor: int) -> tuple[bytes | None, int]:
    """The bytes of the next ``<tag>...</tag>`` at or after ``cursor`` (records do not nest),
    and where it ends; None for the bytes when the cut cannot be trusted (a comment or the
    like since ``cursor`` could hold the tag: see :func:`records_are_plain`)."""
    opening = b"<" + tag
    start = data.find(opening, cursor)
    while start >= 0 and data[start + len(opening):start + len(opening) + 1] not in (b">", b" "):
        start = data.find(opening, start + 1)  # <PubmedArticleSet>, not a record
    if start < 0:
        return None, cursor
    close = b"</" + tag + b">"
    end = data.find(close, start)
    if end < 0:
        return None, cursor
    end += len(close)
    return (data[start:end] if records_are_plain(data, cursor, end) else None), end


def plain_prolog(prolog: bytes) -> bool:
    """True when records cut from a document with this prolog read the same on their own."""
    if b"<!ENTITY" in prolog:
        return False
    match = _ENCODING.search(prolog)
    return match is None or match.group(1).lower() in (b"utf-8", b"utf8", b"us-ascii", b"ascii")
