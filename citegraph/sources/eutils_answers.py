"""Readers of E-utilities answers: bytes in, checked values out, no network.

Each reader raises :class:`~citegraph.errors.ResponseError` for an answer it refuses, with
``transient`` saying whether asking again may help: a cut, foreign or malformed answer is
transient; NCBI's own ``ERROR`` messages are transient when they read like a passing problem
(:func:`~.retry.looks_temporary`). Answers are parsed without DTDs, network or entities.
"""

from __future__ import annotations

import logging
import re
from typing import Callable, Iterable, TypeVar

from lxml import etree

from ..errors import ParseError, ResponseError
from ..identifiers import pmid_or_none
from ..pubmed import not_a_pmid
from ..xml_safety import parser_options
from .retry import looks_temporary

__all__ = ["EMPTY_ARTICLE_SET", "LinkResult", "check_article_set", "check_pmc_set", "join_article_sets",
           "parsed", "read_elink", "read_esearch"]

log = logging.getLogger("citegraph.eutils")

T = TypeVar("T")

#: an efetch answer holding no record
EMPTY_ARTICLE_SET = b'<?xml version="1.0" ?>\n<PubmedArticleSet></PubmedArticleSet>\n'

_ERROR_ELEMENT = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)
_SET_OPEN = re.compile(rb"<PubmedArticleSet[\s/>]")
_SET_CLOSE = re.compile(rb"(</PubmedArticleSet>|<PubmedArticleSet\s*/>)\s*\Z")
_PMC_OPEN = re.compile(rb"<pmc-articleset[\s/>]")
_PMC_CLOSE = re.compile(rb"(</pmc-articleset>|<pmc-articleset\s*/>)\s*\Z")


class LinkResult(dict):
    """``{id: [linked ids]}`` for every id NCBI answered, plus :attr:`errors` for the rest.

    An id whose LinkSet carries an ``ERROR`` is *not* a key (so it cannot be mistaken for
    "no links"); it is in ``errors`` with NCBI's message. Every id asked for is in exactly
    one of the two.
    """

    def __init__(self, links: Iterable[tuple[str, list[str]]] | dict = (), errors: dict[str, str] | None = None):
        super().__init__(links)
        #: id -> NCBI's error message for that id
        self.errors: dict[str, str] = dict(errors or {})

    def __repr__(self) -> str:
        return f"LinkResult({dict.__repr__(self)}, errors={self.errors!r})"


def parsed(body: bytes, parse: Callable[[bytes], T] | None) -> T | bytes:
    """``parse(body)`` (``body`` itself without ``parse``); a ParseError is a transient ResponseError."""
    if parse is None:
        return body
    try:
        return parse(body)
    except ParseError as exc:
        raise ResponseError(f"efetch: the response could not be parsed: {exc}", transient=True) from exc


def _error_message(texts: Iterable[str | None]) -> str:
    return "; ".join(" ".join((t or "").split()) for t in texts) or "unspecified error"


def _check_document(body: bytes, root: str, opening: re.Pattern, closing: re.Pattern) -> None:
    """Raise ResponseError unless ``body`` looks like one complete ``root`` document (an efetch
    answer): NCBI's own error elements are named, a cut or foreign answer is transient."""
    head = body[:8192]
    if not opening.search(head):
        errors = _ERROR_ELEMENT.findall(head)
        if errors:
            message = _error_message(e.decode("utf-8", "replace") for e in errors)
            raise ResponseError(f"efetch: NCBI reports an error: {message}", transient=looks_temporary(message))
        raise ResponseError(f"efetch: the response is not a {root} document", transient=True)
    if not closing.search(body[-512:]):
        raise ResponseError(f"efetch: the response ends before </{root}> (truncated)", transient=True)


def check_article_set(body: bytes) -> None:
    """Raise ResponseError unless ``body`` looks like one complete PubmedArticleSet document."""
    _check_document(body, "PubmedArticleSet", _SET_OPEN, _SET_CLOSE)


def check_pmc_set(body: bytes) -> None:
    """Raise ResponseError unless ``body`` looks like one complete pmc-articleset document."""
    _check_document(body, "pmc-articleset", _PMC_OPEN, _PMC_CLOSE)


def join_article_sets(bodies: list[bytes]) -> bytes:
    """One PubmedArticleSet holding the records of several (each already checked complete)."""
    prolog = b""
    inners: list[bytes] = []
    for i, body in enumerate(bodies):
        opening = _SET_OPEN.search(body[:8192])
        assert opening is not None  # guaranteed by check_article_set
        open_end = body.index(b">", opening.start()) + 1
        if i == 0:
            prolog = body[: opening.start()]
        if body[:open_end].rstrip(b">").rstrip().endswith(b"/"):  # <PubmedArticleSet/>
            continue
        inners.append(body[open_end : body.rindex(b"</PubmedArticleSet>")])
    return prolog + b"<PubmedArticleSet>" + b"".join(inners) + b"</PubmedArticleSet>\n"


def _parse_xml(body: bytes, endpoint: str) -> etree._Element:
    """The root of an answer parsed with the hardened settings of
    :func:`~citegraph.xml_safety.parser_options`; broken XML is a transient ResponseError."""
    try:
        return etree.fromstring(body, etree.XMLParser(**parser_options()))
    except etree.XMLSyntaxError as exc:
        raise ResponseError(f"{endpoint}: truncated or malformed XML ({exc})", transient=True) from None


def _answer_root(body: bytes, endpoint: str, document: str) -> etree._Element:
    """The root of an ``endpoint`` answer that must be a ``document``: a top-level ``ERROR``
    raises ResponseError (transient when its words look temporary), another document a
    transient one."""
    root = _parse_xml(body, endpoint)
    top = root.findall("ERROR")
    if top:
        message = _error_message(e.text for e in top)
        raise ResponseError(f"{endpoint}: NCBI reports an error: {message}", transient=looks_temporary(message))
    if root.tag != document:
        raise ResponseError(f"{endpoint}: unexpected <{root.tag}> document instead of {document}", transient=True)
    return root


#: the linked ids of one LinkSetDb, as plain strings, in one call
_LINK_IDS = etree.XPath("Link/Id/text()", smart_strings=False)


def read_elink(body: bytes, asked: list[str], linkname: str, last: bool) -> LinkResult:
    """The links of an elink answer for the ids ``asked``, by ``linkname``.

    Every id asked for is a key of the result or in its ``errors``; an id missing from the
    answer, a LinkSet for several ids, or a top-level ``ERROR`` raises ResponseError. An id
    whose linked ids include one that is not a PMID is in ``errors`` (never half-taken). A
    per-id error that looks temporary raises a transient ResponseError unless ``last`` (the
    last attempt), when it is kept in ``errors``.
    """
    root = _answer_root(body, "elink", "eLinkResult")
    wanted = set(asked)
    links: dict[str, dict[str, None]] = {}
    errors: dict[str, str] = {}
    unattributed: list[str] = []
    for linkset in root.findall("LinkSet"):
        ids = [(e.text or "").strip() for e in linkset.findall("IdList/Id")]
        messages = [e.text for e in linkset.findall("ERROR")]
        if len(ids) != 1:
            if messages:
                unattributed.append(_error_message(messages))
                continue
            if not ids:
                continue
            raise ResponseError(
                f"elink: one LinkSet for {len(ids)} ids (merged answer); cannot tell which id links where",
                transient=False,
            )
        pmid = ids[0]
        if pmid not in wanted:
            log.debug("elink: ignoring LinkSet for id %s, which was not asked for", pmid)
            continue
        if messages:
            errors[pmid] = _error_message(messages)
            continue
        found = links.setdefault(pmid, {})  # a dict: ordered, and deduplicated in O(1)
        for db in linkset.findall("LinkSetDb"):
            name = (db.findtext("LinkName") or linkname).strip()
            if name != linkname:
                continue
            for linked in _LINK_IDS(db):
                pmid_linked = pmid_or_none(linked)
                if pmid_linked is not None:
                    found[pmid_linked] = None
                elif linked.strip():  # the LinkSet cannot be trusted: failed, never half-taken
                    errors[pmid] = f"the answer links it to an id that is not one ({not_a_pmid(linked)})"
                    break
    for pmid in errors:
        links.pop(pmid, None)
    missing = [i for i in asked if i not in links and i not in errors]
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        detail = f"; NCBI says: {'; '.join(unattributed)}" if unattributed else ""
        transient = looks_temporary(" ".join(unattributed)) if unattributed else True
        raise ResponseError(
            f"elink: {len(missing)} of {len(asked)} ids missing from the response ({shown}){detail}",
            transient=transient,
        )
    temporary = {i: m for i, m in errors.items() if looks_temporary(m)}
    if temporary and not last:
        raise ResponseError(f"elink: temporary errors for {len(temporary)} ids: {next(iter(temporary.values()))}")
    return LinkResult(((i, list(links[i])) for i in asked if i in links),
                      errors={i: errors[i] for i in asked if i in errors})


def read_esearch(body: bytes, partial: bool) -> list[str]:
    """The ids of an esearch answer; [] when NCBI reports an ``ErrorList`` unless ``partial``
    (see :meth:`~citegraph.sources.eutils.EutilsClient.esearch`), each a PMID in its canonical
    form (:func:`~citegraph.identifiers.pmid_or_none`). An answer whose id count differs from
    its ``RetMax`` raises a transient ResponseError; one with an id that is not a PMID, a
    permanent one (asking again would bring the same answer)."""
    root = _answer_root(body, "esearch", "eSearchResult")
    error_list = root.find("ErrorList")
    if error_list is not None and len(error_list):
        log.debug("esearch: NCBI did not find %s", _error_message(f"{e.tag} {e.text}" for e in error_list))
        if not partial:
            return []
    id_list = root.find("IdList")
    if id_list is None:
        if (root.findtext("Count") or "").strip() == "0":
            return []
        raise ResponseError("esearch: the response has no IdList", transient=True)
    ids = [(e.text or "").strip() for e in id_list.findall("Id") if (e.text or "").strip()]
    pmids = [pmid_or_none(text) for text in ids]
    if None in pmids:
        bad = ids[pmids.index(None)]
        raise ResponseError(f"esearch: the answer lists an id that is not one ({not_a_pmid(bad)})", transient=False)
    announced = (root.findtext("RetMax") or "").strip()  # NCBI writes the number of ids returned
    if announced.isdigit() and int(announced) != len(ids):
        raise ResponseError(f"esearch: {announced} ids announced, {len(ids)} received", transient=True)
    return pmids
