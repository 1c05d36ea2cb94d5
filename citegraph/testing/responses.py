"""Response bodies in the exact shapes NCBI's E-utilities send.

Every builder returns ``bytes`` ready to be written to the wire. The shapes (XML declaration,
DOCTYPE line, element nesting and whitespace) are copied from real recorded responses in
``shared/fixtures/ncbi/`` (see its ``SOURCES.md``); the comment above each builder names the
file it follows. Nothing here knows about HTTP or about the corpus.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Sequence
from xml.sax.saxutils import escape

__all__ = [
    "LinkSet",
    "efetch_pubmed",
    "efetch_error",
    "elink",
    "elink_error",
    "esearch",
    "esearch_error",
    "esummary",
    "esummary_error",
    "DocSum",
    "rate_limit_body",
    "server_error_page",
    "html_error_page",
]

# --- efetch -----------------------------------------------------------------------------
# biopython/pubmed1.xml, metapub/32051057.xml (2025 DTD): the declaration without encoding,
# the DOCTYPE, "<PubmedArticleSet>\n", then the records back to back, then the closing tag
# with no newline after it.
_PUBMED_HEAD = (
    b'<?xml version="1.0" ?>\n'
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)

# The error envelope of efetch, as quoted verbatim by several client projects' tests
# (``eEfetchResult`` in the DOCTYPE is NCBI's own spelling).
_EFETCH_ERROR_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b'<!DOCTYPE eEfetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n'
)

# biopython/elink1.xml, elink3.xml, elink4.xml
_ELINK_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b'<!DOCTYPE eLinkResult PUBLIC "-//NLM//DTD elink 20101123//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20101123/elink.dtd">\n'
)

# biopython/esearch2.xml, esearch8.xml
_ESEARCH_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b'<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)

# biopython/esummary1.xml, esummary8.xml
_ESUMMARY_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b'<!DOCTYPE eSummaryResult PUBLIC "-//NLM//DTD esummary v1 20041029//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20041029/esummary-v1.dtd">\n'
)


def _text(value: object) -> bytes:
    return escape(str(value)).encode("utf-8")


def efetch_pubmed(records: Iterable[bytes]) -> bytes:
    """A ``PubmedArticleSet`` holding ``records`` (each one ``PubmedArticle`` element's bytes).

    With no record at all NCBI answers ``<PubmedArticleSet></PubmedArticleSet>`` and a newline
    (an unknown but well-formed PMID), which is what this returns too.
    """
    # one join, and no copy of a record that has nothing to strip: at 10 requests/s this
    # server shares the machine with the crawl it serves
    records = [r if r[:1] == b"<" and r[-1:] == b">" else r.strip() for r in records]
    if not any(records):
        return _PUBMED_HEAD + b"<PubmedArticleSet></PubmedArticleSet>\n"
    return b"".join([_PUBMED_HEAD, b"<PubmedArticleSet>\n", *records, b"</PubmedArticleSet>"])


def _error_envelope(head: bytes, root: str, messages: Sequence[str]) -> bytes:
    # biopython/esummary8.xml and epost2.xml: one tab before each ERROR, newline after the root.
    errors = b"".join(b"\t<ERROR>" + _text(m) + b"</ERROR>\n" for m in messages)
    return head + f"<{root}>\n".encode() + errors + f"</{root}>\n".encode()


def efetch_error(*messages: str) -> bytes:
    """``<eFetchResult><ERROR>...`` (sent with HTTP 400 for an empty or all-invalid id list)."""
    return _error_envelope(_EFETCH_ERROR_HEAD, "eFetchResult", messages)


# --- elink ------------------------------------------------------------------------------
@dataclass
class LinkSet:
    """One ``LinkSet``: the ids asked (merged when several) and, per link name, the linked ids."""

    ids: list[str]
    dbs: list[tuple[str, list[str]]] = field(default_factory=list)
    dbfrom: str = "pubmed"
    dbto: str = "pubmed"


def _linkset_tab(ls: LinkSet) -> bytes:
    # biopython/elink3.xml / elink4.xml (requests that name ``db``): tab indentation.
    out = [b"<LinkSet>\n\t<DbFrom>", _text(ls.dbfrom), b"</DbFrom>\n\t<IdList>\n"]
    out += [b"\t\t<Id>" + _text(i) + b"</Id>\n" for i in ls.ids]
    out.append(b"\t</IdList>\n")
    for name, links in ls.dbs:
        if not links:
            continue
        out += [b"\t<LinkSetDb>\n\t\t<DbTo>", _text(ls.dbto), b"</DbTo>\n\t\t<LinkName>",
                _text(name), b"</LinkName>\n"]
        out += [b"\t\t<Link>\n\t\t\t<Id>" + _text(i) + b"</Id>\n\t\t</Link>\n" for i in links]
        out.append(b"\t</LinkSetDb>\n")
    out.append(b"</LinkSet>\n")
    return b"".join(out)


def _linkset_space(ls: LinkSet) -> bytes:
    # biopython/elink1.xml and biocommons_eutils/test_elink (cmd=neighbor without ``db``):
    # two-space indentation, Links indented with spaces but their Ids with tabs, a line of
    # blanks before the first Link and after the last, and a line of four blanks where a
    # link name has no links.
    out = [b"  <LinkSet>\n    <DbFrom>", _text(ls.dbfrom), b"</DbFrom>\n    <IdList>\n"]
    out += [b"      <Id>" + _text(i) + b"</Id>\n" for i in ls.ids]
    out.append(b"    </IdList>\n")
    for name, links in ls.dbs:
        if not links:
            out.append(b"    \n")
            continue
        out += [b"    <LinkSetDb>\n      <DbTo>", _text(ls.dbto), b"</DbTo>\n      <LinkName>",
                _text(name), b"</LinkName>\n      \n"]
        out += [b"        <Link>\n\t\t\t\t<Id>" + _text(i) + b"</Id>\n\t\t\t</Link>\n" for i in links]
        out.append(b"      \n    </LinkSetDb>\n")
    out.append(b"  </LinkSet>\n")
    return b"".join(out)


def elink(linksets: Sequence[LinkSet], *, style: str = "tab", errors: Sequence[str] = ()) -> bytes:
    """An ``eLinkResult`` with ``linksets`` in order, then any ``errors``.

    ``style="tab"`` is what NCBI sends when the request names ``db``; ``"space"`` what it sends
    for ``cmd=neighbor`` without ``db``. Errors go where the elink DTD puts a result-level
    error, ``<!ELEMENT eLinkResult (LinkSet*, ERROR?)>``, one tab in like esummary8.xml.
    """
    if style not in ("tab", "space"):
        raise ValueError(f"unknown elink style {style!r}")
    out = [_ELINK_HEAD, b"<eLinkResult>\n"]
    if style == "tab":
        out += [_linkset_tab(ls) for ls in linksets]
    else:
        out += [b"\n" + _linkset_space(ls) for ls in linksets]
    out += [b"\t<ERROR>" + _text(m) + b"</ERROR>\n" for m in errors]
    out.append(b"</eLinkResult>\n")
    return b"".join(out)


def elink_error(*messages: str) -> bytes:
    """``<eLinkResult><ERROR>...`` with no LinkSet: the shape of an elink backend failure."""
    return _error_envelope(_ELINK_HEAD, "eLinkResult", messages)


# --- esearch ----------------------------------------------------------------------------
def esearch(
    ids: Sequence[str],
    *,
    count: int,
    retstart: int,
    query_translation: str,
    not_found: Sequence[str] = (),
) -> bytes:
    """An ``eSearchResult``: esearch2.xml when something matched, esearch8.xml when nothing did.

    ``RetMax`` is the number of ids returned, as NCBI writes it. Phrases that matched nothing
    go to ``ErrorList/PhraseNotFound`` (klortho_eutils_json/esearch.error.xml shows them next
    to results); "No items found." is added only when the count is zero.
    """
    out = [_ESEARCH_HEAD, b"<eSearchResult><Count>", _text(count), b"</Count><RetMax>",
           _text(len(ids)), b"</RetMax><RetStart>", _text(retstart), b"</RetStart>"]
    if ids:
        out.append(b"<IdList>\n")
        out += [b"<Id>" + _text(i) + b"</Id>\n" for i in ids]
        out.append(b"</IdList>")
    else:
        out.append(b"<IdList/>")
    out += [b"<TranslationSet/><QueryTranslation>", _text(query_translation), b"</QueryTranslation>"]
    if not_found:
        out.append(b"<ErrorList>")
        out += [b"<PhraseNotFound>" + _text(p) + b"</PhraseNotFound>" for p in not_found]
        out.append(b"</ErrorList>")
    if count == 0:
        out.append(b"<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>")
    out.append(b"</eSearchResult>\n")
    return b"".join(out)


def esearch_error(*messages: str) -> bytes:
    """``<eSearchResult><ERROR>...`` (klortho_eutils_json/esearch.baderror.xml)."""
    return _error_envelope(_ESEARCH_HEAD, "eSearchResult", messages)


# --- esummary (version 1.0 DocSum) -----------------------------------------------------
@dataclass
class DocSum:
    """One ``DocSum``: its id and ``(name, type, value)`` items; a list value nests items."""

    id: str
    items: list[tuple[str, str, object]]


def _item(name: str, type_: str, value: object, depth: int) -> bytes:
    pad = b"\t" * depth
    head = pad + b'<Item Name="' + _text(name) + b'" Type="' + _text(type_) + b'">'
    if type_ == "List":
        children = value or []
        if not children:
            return head + b"</Item>\n"
        inner = b"".join(_item(n, t, v, depth + 1) for n, t, v in children)  # type: ignore[misc]
        return head + b"\n" + inner + pad + b"</Item>\n"
    return head + _text(value) + b"</Item>\n"


def esummary(docsums: Sequence[DocSum]) -> bytes:
    """An ``eSummaryResult`` of version-1 ``DocSum`` elements (biopython/esummary1.xml)."""
    out = [_ESUMMARY_HEAD, b"<eSummaryResult>\n"]
    for doc in docsums:
        out += [b"<DocSum>\n\t<Id>", _text(doc.id), b"</Id>\n"]
        out += [_item(n, t, v, 1) for n, t, v in doc.items]
        out.append(b"</DocSum>\n\n")
    out.append(b"</eSummaryResult>\n")
    return b"".join(out)


def esummary_error(*messages: str) -> bytes:
    """``<eSummaryResult><ERROR>...`` (biopython/esummary8.xml)."""
    return _error_envelope(_ESUMMARY_HEAD, "eSummaryResult", messages)


# --- HTTP-level error bodies -----------------------------------------------------------
def rate_limit_body(client: str, count: int, limit: int) -> bytes:
    """NCBI's HTTP 429 body: ``{"error":"API rate limit exceeded","api-key":...}``.

    ``client`` is the API key when the request had one, else the client's IP address, as NCBI
    reports it; the caller decides whether to pass the key (the server does, like NCBI: the
    body goes only to the client that sent the key).
    """
    data = {"error": "API rate limit exceeded", "api-key": client, "count": str(count), "limit": str(limit)}
    return json.dumps(data, separators=(",", ":")).encode()


_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def server_error_page(status: int) -> bytes:
    """A small HTML page of the kind a proxy in front of E-utilities sends with a 5xx."""
    reason = _REASONS.get(status, "Server Error")
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


def html_error_page(variant: int = 0) -> bytes:
    """An HTML page sent with status 200 instead of XML.

    Variant 0 is a "Resource temporarily unavailable" page, variant 1 imitates
    biopython/pubmed3.html (a "PmFetch response" page wrapping ASN.1 text in ``<pre>``).
    """
    if variant % 2 == 0:
        return (
            b"<!DOCTYPE html>\n<html><head><title>Error</title></head>\n<body>\n"
            b"<h1>Error</h1>\n<p>Resource temporarily unavailable</p>\n</body></html>\n"
        )
    return (
        b"<html><head><title>PmFetch response</title></head><body>\n<pre>\n"
        b"Pubmed-entry ::= {\n  pmid 0,\n  status temporarily-unavailable\n}\n"
        b"</pre>\n</body></html>\n"
    )
