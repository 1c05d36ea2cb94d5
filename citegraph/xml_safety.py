"""What the XML readers (PubMed records, PMC JATS) share about parsing untrusted XML: the
hardened lxml parser settings, and the wording of a syntax fault (empty input, not XML, input
cut short, broken XML), with any text from the input shown on one line."""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["fault_kind", "input_starts_with", "parser_options", "plain_text", "syntax_fault"]

#: libxml2's codes of errors that are no sign of input cut short: a mismatched end tag, and
#: content after the root element
_ERR_TAG_NAME_MISMATCH = 76
_ERR_DOCUMENT_END = 5
_WS = re.compile(r"[ \t\r\n]+")


def parser_options() -> dict:
    """Hardened settings: no DTD, no network, no entity expansion, libxml2's size limits on."""
    return dict(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def plain_text(text: str) -> str:
    """Collapse XML whitespace runs (not typographic spaces such as U+2009) and strip."""
    if "\n" in text or "  " in text or "\t" in text or "\r" in text:
        text = _WS.sub(" ", text)
    return text.strip(" ")


def fault_kind(exc: etree.XMLSyntaxError, *, eof: bool, lines: int) -> str:
    """``"truncated XML"`` when the input had ended (``eof``) and the parser stopped on its last
    line (``lines``) for want of more, else ``"malformed XML"``."""
    truncated = eof and (exc.lineno or 0) >= lines and exc.code not in (_ERR_TAG_NAME_MISMATCH, _ERR_DOCUMENT_END)
    return "truncated XML" if truncated else "malformed XML"


def input_starts_with(head: bytes) -> str:
    """`` (input starts with '...')`` quoting the first 80 bytes of the input on one line, or ""
    when they hold no text."""
    text = plain_text(head[:80].decode("utf-8", "replace"))
    return f" (input starts with {text!r})" if text else ""


def syntax_fault(exc: etree.XMLSyntaxError, *, head: bytes, eof: bool, lines: int,
                 document: str, where: str, detail: str) -> str:
    """The message of a syntax error met while reading a ``document`` ("PubMed XML"): ``head``
    is the input's first bytes, ``eof`` whether it had ended, ``lines`` the lines read,
    ``where`` the place after the last complete record, ``detail`` the parser's message as the
    reader wants it shown."""
    if not head.strip():
        return f"empty document: no {document}"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"<":
        return f"not XML{input_starts_with(head)}"
    kind = fault_kind(exc, eof=eof, lines=lines)
    return f"{kind} {where} (line {exc.lineno or 0}): {detail}"
