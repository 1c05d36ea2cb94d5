"""Reading PubMed XML documents: the entry points, choosing the fast or the streaming way.

A document held in memory is parsed in one call (:mod:`citegraph.pubmed.whole`); a file is read
in pieces of whole records, each parsed in one call; anything unusual (damage, an ERROR
element, another root, a file object) goes to the streaming reader
(:mod:`citegraph.pubmed.stream`), which words the errors. Both give the same records.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from lxml import etree

from ..errors import ParseError
from ..models import Article, DeletedCitations
from ..xml_input import Source
from .record import article_from_element, book_article_from_element
from .results import Records, SkippedRecord
from .stream import iterate_stream, open_stream
from .whole import NotPlain, iter_file_records, parse_whole, thread_parser

__all__ = ["iter_articles", "parse_articles", "parse_record"]

# bytes read in one call (a tree costs several times its text): larger inputs stream
_WHOLE_MAX_BYTES = 64 << 20


def iter_articles(source: Source, *, deletions: bool = False,
                  skipped: bool = False) -> Iterator[Article | DeletedCitations | SkippedRecord]:
    """Yield the records of a PubMed XML document in file order, streaming.

    ``source`` is the XML as bytes, a path to a ``.xml`` or gzip-compressed file (detected
    by its magic bytes, not its name), or a binary file object. ``PubmedBookArticle``
    records come out as articles with ``is_book=True``. With ``deletions=True`` each
    ``DeleteCitation`` element is yielded as a :class:`DeletedCitations`.

    A record that cannot be stored (see :class:`SkippedRecord`) is yielded as a
    :class:`SkippedRecord` with ``skipped=True``, and reading goes on; otherwise it raises
    :class:`ParseError`. A bad reference PMID or date inside a record only loses that value.

    Raises :class:`ParseError` for malformed, truncated or non-PubMed XML, and for an NCBI
    ``ERROR`` element; the records before the fault have been yielded by then.
    """
    for item in _records(source, deletions):
        if type(item) is SkippedRecord and not skipped:
            raise ParseError(str(item))
        yield item


def _records(source: Source, deletions: bool) -> Iterator[Article | DeletedCitations | SkippedRecord]:
    yielded = 0
    if isinstance(source, (bytes, bytearray, memoryview)) and len(source) <= _WHOLE_MAX_BYTES:
        fast = parse_whole(bytes(source), deletions)
        if fast is not None:
            yield from fast
            return
    elif isinstance(source, (str, os.PathLike)):
        # whole pieces of the file, each parsed in one call; on anything unusual the streaming
        # reader takes over from the start (it words the error) and the records already given
        # are skipped
        try:
            for record in iter_file_records(source, deletions):
                yielded += 1
                yield record
            return
        except NotPlain:
            pass
    reader = open_stream(source)
    try:
        for index, record in enumerate(iterate_stream(reader, deletions)):
            if index >= yielded:
                yield record
    finally:
        reader.close()


def parse_articles(data: bytes) -> Records:
    """All articles of one efetch response body (an empty ``PubmedArticleSet`` gives []);
    the records that cannot be stored are left out and listed in ``skipped``."""
    items = parse_whole(data)
    if items is None:
        items = _records(data, False)
    articles = Records()
    for item in items:
        if type(item) is SkippedRecord:
            articles.skipped.append(item)
        else:
            articles.append(item)
    return articles


def parse_record(raw_xml: bytes) -> Article:
    """Re-read one stored ``PubmedArticle`` / ``PubmedBookArticle`` element (``raw_xml``
    bytes); raises :class:`ParseError` for anything else."""
    try:
        elem = etree.fromstring(raw_xml, thread_parser())
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed stored PubMed record: {exc}") from None
    except ValueError as exc:  # e.g. a str with an encoding declaration
        raise ParseError(f"stored PubMed record is not bytes XML: {exc}") from None
    if elem.tag == "PubmedArticle":
        return article_from_element(elem, bytes(raw_xml))
    if elem.tag == "PubmedBookArticle":
        return book_article_from_element(elem, bytes(raw_xml))
    raise ParseError(f"not a PubMed record: root element <{elem.tag}>")
