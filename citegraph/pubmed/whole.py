"""The fast way through a PubMed document: a well-formed, uncompressed ``PubmedArticleSet``
(an efetch answer, a piece of a file) parsed in one ``fromstring`` call.

:func:`parse_whole` returns the records, or None for anything unusual (an ``ERROR`` element,
another root, broken XML, gzip data): the streaming reader (:mod:`citegraph.pubmed.stream`)
reads those and words their errors. :func:`iter_file_records` reads a file in pieces of whole
records (:mod:`citegraph.pubmed.pieces`), cut and gunzipped on a helper thread one piece
ahead, and raises :class:`NotPlain` where a piece needs the streaming reader.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from lxml import etree

from ..models import Article, DeletedCitations
from ..xml_input import GZIP_MAGIC
from ..xml_safety import parser_options
from .cutting import prolog_end, slice_record
from .pieces import iter_pieces
from .record import article_from_element, book_article_from_element
from .results import ROOT_TAGS, Placement, SkippedRecord, deleted_citations, serialize
from .text import BadRecord

__all__ = ["NotPlain", "iter_file_records", "parse_whole", "thread_parser"]

_PIECE_BYTES = 1 << 20  # uncompressed bytes per piece of a file
_DONE = object()
_local = threading.local()


class NotPlain(Exception):
    """The fast whole-piece path cannot read this input: use the streaming reader."""


def thread_parser() -> etree.XMLParser:
    """This thread's hardened parser (lxml parsers must not be shared between threads)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(**parser_options())
    return parser


def parse_whole(data: bytes, deletions: bool = False) -> list[Article | DeletedCitations | SkippedRecord] | None:
    """The records of a well-formed, uncompressed PubmedArticleSet read in one call, or None.

    One ``etree.fromstring`` call parses the whole body with the interpreter lock released,
    so the crawl's threads parse in parallel (``iterparse`` holds the lock while it reads
    from Python). Anything unusual (an error, a different root, compressed input) returns
    None and goes the streaming way, which words the errors.
    """
    if not isinstance(data, (bytes, bytearray)) or data[:2] == GZIP_MAGIC:
        return None
    try:
        root = etree.fromstring(bytes(data), thread_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root.tag not in ROOT_TAGS:
        return None
    data = bytes(data)
    docinfo = root.getroottree().docinfo
    # a record cut from a non-UTF-8 document, or one with entities declared in its DOCTYPE,
    # would not read the same on its own: serialise those instead
    first = data.find(b"<" + root.tag.encode())
    prolog = data[:first] if first >= 0 else data
    slicing = (docinfo.encoding or "UTF-8").upper() in ("UTF-8", "UTF8") and b"<!ENTITY" not in prolog
    articles: list[Article | DeletedCitations | SkippedRecord] = []
    cursor = prolog_end(data)
    position, last_pmid = 0, ""
    for elem in root.iterchildren(tag=("PubmedArticle", "PubmedBookArticle", "DeleteCitation", "ERROR")):
        tag = elem.tag
        if tag == "ERROR":
            return None
        if tag == "DeleteCitation":
            if deletions:
                articles.extend(deleted_citations(elem, last_pmid))
            continue
        position += 1
        raw, cursor = slice_record(data, tag.encode(), cursor) if slicing else (None, cursor)
        build = article_from_element if tag == "PubmedArticle" else book_article_from_element
        try:
            article = build(elem, raw or serialize(elem))
        except BadRecord as exc:
            articles.append(SkippedRecord(position, last_pmid, str(exc)))
            continue
        if raw is not None and (b">" + article.pmid.encode() + b"</PMID>") not in raw:
            article.raw_xml = serialize(elem)  # the cut is not this record: never guess
        articles.append(article)
        last_pmid = article.pmid
    return articles


def iter_file_records(path, deletions: bool) -> Iterator[Article | DeletedCitations | SkippedRecord]:
    """The records of the file at ``path`` (plain or gzip), piece by piece, skipped records
    placed in the whole file; raises :class:`NotPlain` (after the records of the pieces before)
    when the file cannot be opened or a piece is not plain."""
    try:
        stream = open(path, "rb")
    except OSError:
        raise NotPlain from None  # the streaming path words the error
    with stream:
        placement = Placement()  # each piece counts from 1: give positions in the whole file
        for data in _prefetched(iter_pieces(stream, _PIECE_BYTES)):
            if data is None:
                raise NotPlain
            records = parse_whole(data, deletions)
            if records is None:
                raise NotPlain
            articles = [r for r in records if type(r) is Article]
            placed = iter(placement.place([r for r in records if type(r) is SkippedRecord], len(articles),
                                          articles[-1].pmid if articles else ""))
            for record in records:
                yield next(placed) if type(record) is SkippedRecord else record


def _prefetched(pieces: Iterator, depth: int = 2) -> Iterator[bytes | None]:
    """The pieces' bytes, read and gunzipped on a helper thread one piece ahead (zlib and
    file reads release the interpreter lock, so the parse need not wait for them).
    A failure of the splitter comes out as None."""
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def run() -> None:
        try:
            for piece in pieces:
                while not stop.is_set():
                    try:
                        out.put(piece.data, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            item = _DONE
        except Exception:  # noqa: BLE001 - bad gzip, a cut file...: the streaming path words it
            item = None
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=run, name="citegraph-pieces", daemon=True)
    thread.start()
    try:
        while True:
            item = out.get()
            if item is _DONE:
                return
            yield item
            if item is None:
                return
    finally:
        stop.set()
        thread.join()
