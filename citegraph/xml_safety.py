"""What the XML readers (PubMed records, PMC JATS) share: the hardened lxml parser settings,
and how a syntax error is told apart as input cut short or as broken XML."""

from __future__ import annotations

from lxml import etree

__all__ = ["parser_options", "fault_kind"]

#: libxml2's codes of errors that are no sign of input cut short: a mismatched end tag, and
#: content after the root element
_ERR_TAG_NAME_MISMATCH = 76
_ERR_DOCUMENT_END = 5


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


def fault_kind(exc: etree.XMLSyntaxError, *, eof: bool, lines: int) -> str:
    """``"truncated XML"`` when the input had ended (``eof``) and the parser stopped on its last
    line (``lines``) for want of more, else ``"malformed XML"``."""
    truncated = eof and (exc.lineno or 0) >= lines and exc.code not in (_ERR_TAG_NAME_MISMATCH, _ERR_DOCUMENT_END)
    return "truncated XML" if truncated else "malformed XML"
