"""The text of JATS elements, as the citation contexts read it.

A text block (:data:`BLOCKS`: a paragraph, a table cell, a title, a caption...) has as its
text the text content of its element (inline markup such as italics, superscripts and MathML
contributing their text; unexpanded entities, comments and processing instructions none),
leaving out what sits in it but is not part of it: nested blocks, the asides anchored in it
(:data:`ASIDES`: figures, tables, boxes, footnotes) and the TeX twin of a formula given in
MathML too. XML whitespace runs become one space and the ends are stripped.
"""

from __future__ import annotations

import re

from ..xml_safety import plain_text

__all__ = ["ASIDES", "BLOCKS", "CONTENT_PARTS", "SECTIONS", "block_text", "plain_text", "text_of"]

#: the parts of an article that hold its text
CONTENT_PARTS = ("body", "back", "floats-group")
#: elements that are text blocks of their own (a citation belongs to the nearest one)
BLOCKS = frozenset({"p", "td", "th", "title", "caption", "term", "attrib"})
#: elements anchored in a text block but not part of its text
ASIDES = frozenset({
    "fig", "fig-group", "table-wrap", "table-wrap-group", "boxed-text",
    "supplementary-material", "fn", "table-wrap-foot",
})
#: elements that are sections (their title names the text in them)
SECTIONS = frozenset({"sec", "app", "app-group", "ack", "notes", "glossary", "fn-group"})
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_MATHML_SKIP = frozenset({_MATHML + "annotation", _MATHML + "annotation-xml"})
_WS = re.compile(r"[ \t\r\n]+")


class _Builder:
    """Text with XML whitespace runs collapsed to one space and the ends stripped, built
    piece by piece, with the spans of marked elements in the result."""

    __slots__ = ("parts", "length", "space", "pending")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.space = False
        self.pending: list[list[int]] = []  # marks whose start waits for the next character

    def add(self, text: str) -> None:
        text = _WS.sub(" ", text)
        if text[:1] == " ":
            self.space = self.space or self.length > 0
            text = text[1:]
        trailing = text[-1:] == " "
        if trailing:
            text = text[:-1]
        if text:
            if self.space:
                self.parts.append(" ")
                self.length += 1
            for mark in self.pending:
                mark[0] = self.length
            self.pending.clear()
            self.parts.append(text)
            self.length += len(text)
            self.space = False
        if trailing:
            self.space = self.length > 0

    def text(self) -> str:
        return "".join(self.parts)


def block_text(block, wanted: set) -> tuple[str, dict]:
    """The block's text (see the module's contract) and the ``(start, end)`` span in it of
    each element of ``wanted`` met on the way."""
    builder = _Builder()
    marks: dict = {}
    _walk(block, builder, wanted, marks)
    return builder.text(), marks


def _walk(elem, builder: _Builder, wanted: set, marks: dict) -> None:
    if elem.text:
        builder.add(elem.text)
    for child in elem:
        tag = child.tag
        if isinstance(tag, str) and not _left_out(child, tag):
            if child in wanted:
                mark = [-1]
                builder.pending.append(mark)
                _walk(child, builder, wanted, marks)
                if any(m is mark for m in builder.pending):  # no text inside: an empty span
                    builder.pending[:] = [m for m in builder.pending if m is not mark]
                    mark[0] = builder.length
                marks[child] = (mark[0], builder.length)
            else:
                _walk(child, builder, wanted, marks)
        if child.tail:
            builder.add(child.tail)


def _left_out(child, tag: str) -> bool:
    if tag in BLOCKS or tag in ASIDES or tag in _MATHML_SKIP:
        return True
    if tag == "tex-math":
        parent = child.getparent()
        return parent is not None and parent.tag == "alternatives" and any(
            sib.tag == _MATHML + "math" for sib in parent
        )
    return False


def text_of(elem) -> str:
    """All text content of an element (no entities, comments or processing instructions)."""
    if elem is None:
        return ""
    builder = _Builder()
    _walk_all(elem, builder)
    return builder.text()


def _walk_all(elem, builder: _Builder) -> None:
    if elem.text:
        builder.add(elem.text)
    for child in elem:
        if isinstance(child.tag, str) and child.tag not in _MATHML_SKIP:
            _walk_all(child, builder)
        if child.tail:
            builder.add(child.tail)
