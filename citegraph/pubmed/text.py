"""The text and small values of PubMed record elements, and the error of a record that cannot
be stored.

Text comes out plain: inline markup (``i b sup sub u``) flattened, MathML reduced to the text of
its token elements, XML layout whitespace collapsed (typographic spaces such as U+2009 kept).
Children are found by plain loops over an element (``find``/``findtext``/XPath cost several
times more per call, and a baseline file has 30,000 records).
"""

from __future__ import annotations

import re

from ..errors import ParseError
from ..xml_safety import plain_text

__all__ = [
    "BadRecord", "child_text", "child_texts", "element_text", "first_child", "iso_date", "normalize_orcid",
    "not_a_pmid", "plain_text", "pub_date", "whole_number",
]

_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_MATH_TOKENS = frozenset({"mi", "mn", "mo", "mtext", "ms"})
_WS = re.compile(r"[ \t\r\n]+")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)", re.ASCII)
_ORCID = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])(?![\dXx])")
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}


# --------------------------------------------------------------------------- text helpers


def element_text(elem) -> str:
    """Plain text of a mixed-content element: markup flattened, MathML as its token text."""
    if not len(elem):  # the common case, kept inline: no markup inside
        text = elem.text
        if not text:
            return ""
        if "\n" in text or "  " in text or "\t" in text or "\r" in text:
            text = _WS.sub(" ", text)
        return text.strip(" ") if text[0] == " " or text[-1] == " " else text
    parts: list[str] = []
    _collect(elem, parts)
    return plain_text("".join(parts))


def _collect(elem, parts: list[str]) -> None:
    if elem.text:
        parts.append(elem.text)
    for child in elem:
        tag = child.tag
        if isinstance(tag, str):  # skips unexpanded entity references
            if tag == "math" or tag.startswith(_MATHML):
                _collect_math(child, parts)
            else:
                _collect(child, parts)
        if child.tail:
            parts.append(child.tail)


def _collect_math(elem, parts: list[str]) -> None:
    """MathML: the text of token elements only; layout whitespace between them dropped."""
    for node in elem.iter():
        tag = node.tag
        if not isinstance(tag, str) or not node.text:
            continue
        local = tag.rpartition("}")[2]
        if local == "mtext":
            parts.append(node.text)
        elif local in _MATH_TOKENS:
            parts.append(node.text.strip())


def first_child(elem, tag: str):
    """The first child named ``tag``, or None (a plain loop, cheaper than ``find``)."""
    for child in elem:
        if child.tag == tag:
            return child
    return None


def child_text(elem, tag: str) -> str:
    """The plain text of the first child named ``tag``; "" when there is none."""
    for child in elem:
        if child.tag == tag:
            return element_text(child)
    return ""


def child_texts(elem) -> dict[str, str]:
    """{tag: plain text} of the simple children of a small element (dates, pagination)."""
    return {child.tag: element_text(child) for child in elem}


def normalize_orcid(value: str) -> str:
    """The ORCID iD in ``value`` as ``0000-0002-1825-009X`` (any URL prefix, spaces or missing
    dashes dropped); "" when it holds none."""
    match = _ORCID.search(value.replace(" ", ""))
    return "-".join(match.groups()).upper() if match else ""


class BadRecord(ParseError):
    """This one record cannot be stored (no PMID, or one that is not a PubMed id); the
    records around it can."""


def whole_number(text: str, digits: int) -> int | None:
    """A whole number of at most ``digits`` ASCII digits (a year, a month, a version), else None."""
    return int(text) if 0 < len(text) <= digits and text.isascii() and text.isdigit() else None


def not_a_pmid(text: str) -> str:
    """The message for a PMID that fails :func:`~citegraph.identifiers.pmid_or_none` (the
    untrusted text shown short, on one line, its control characters escaped)."""
    text = plain_text(text)
    return f"PMID {text if len(text) <= 40 else text[:40] + '...'!r} is not a PubMed id"


# --------------------------------------------------------------------------- dates


def pub_date(elem) -> tuple[str, int | None]:
    """(date as PubMed wrote it, year) from a PubDate-like element."""
    if elem is None:
        return "", None
    parts = child_texts(elem)
    medline = parts.get("MedlineDate")
    if medline:
        match = _YEAR.search(medline)
        return medline, int(match.group(1)) if match else None
    year = parts.get("Year", "")
    text = " ".join(p for p in (year, parts.get("Season") or parts.get("Month"), parts.get("Day")) if p)
    return text, whole_number(year, 4)


def iso_date(elem) -> str:
    """YYYY-MM-DD from a Year/Month/Day element (month may be a number or a name)."""
    year = month = day = ""
    for child in elem:  # plain text only in these (no markup): .text is enough
        tag = child.tag
        if tag == "Year":
            year = (child.text or "").strip()
        elif tag == "Month":
            month = (child.text or "").strip()
        elif tag == "Day":
            day = (child.text or "").strip()
    if whole_number(year, 4) is None:
        return ""
    month_no = whole_number(month, 2) or _MONTHS.get(month[:3].lower(), 0)
    if not month_no:
        return year
    day_no = whole_number(day, 2)
    if not day_no:
        return f"{year}-{month_no:02d}"
    return f"{year}-{month_no:02d}-{day_no:02d}"
