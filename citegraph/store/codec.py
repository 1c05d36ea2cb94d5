"""Rows to and from the domain: articles as ``articles`` rows, reference lists as
``citations`` rows, source names as source bits."""

from __future__ import annotations

import time
from typing import Iterable

import orjson

from ..errors import StoreCorruptError
from ..models import Article
from .migrations import SOURCE_BITS
from .record_codec import RecordFormatError, dump_article, load_article, pack_raw, unpack_raw

__all__ = ["PreparedArticles", "prepare_articles", "reference_rows", "source_bit", "pack_raw", "unpack_raw",
           "pmid_to_db", "pmid_from_db"]

_FILE_BIT = SOURCE_BITS["file:"]


def pmid_to_db(pmid: str) -> int:
    """The PMID as SQLite stores it (an integer). The domain's PMIDs are strings; an int (a
    numpy integer included) is taken as it is."""
    return int(pmid)


def pmid_from_db(number: int) -> str:
    """The domain's PMID (a string) of a PMID as SQLite stores it."""
    return str(number)


class PreparedArticles(list):
    """Rows for the ``articles`` table, ready to insert (see :func:`prepare_articles`)."""



def prepare_articles(articles: Iterable[Article], source: str, now: float | None = None) -> PreparedArticles:
    """Serialise and compress records for :meth:`Store.put_articles`; touches no database,
    so it can run on a worker thread or process (see :mod:`.record_codec`)."""
    now = time.time() if now is None else now
    return PreparedArticles(
        (
            pmid_to_db(a.pmid), a.version, a.title, a.year, a.journal, a.doi, a.pmcid, a.date_revised,
            dump_article(a), pack_raw(a.raw_xml), source, now,
        )
        for a in articles
    )


def reference_rows(article: Article, source: str, now: float) -> list[tuple[int, int, int, float]]:
    """The article's reference-list edges as rows for :meth:`Store.add_citation_rows`, in key
    order (the order SQLite's B-tree inserts fastest), without self-citations."""
    citing = pmid_to_db(article.pmid)
    bit = source_bit(source)
    return [(citing, cited, bit, now) for cited in sorted(map(pmid_to_db, article.reference_pmids)) if cited != citing]


def source_bit(source: str) -> int:
    """The bit of ``citations.sources`` that stands for ``source`` (see ``SOURCE_BITS``)."""
    bit = SOURCE_BITS.get(source)
    if bit is None:
        bit = _FILE_BIT if source.startswith("file:") else SOURCE_BITS["other"]
    return bit


def _source_mask(prefix: str) -> int:
    """The bits of the sources whose names start with ``prefix`` (a file's name means the
    file bit: all files share it)."""
    mask = 0
    for name, bit in SOURCE_BITS.items():
        if name.startswith(prefix) or (bit == _FILE_BIT and prefix.startswith("file:")):
            mask |= bit
    return mask


def _article(row: tuple) -> Article:
    """The article of a (pmid, data, raw_xml) row; :class:`StoreCorruptError` naming the record
    when it cannot be decoded."""
    pmid, data, raw = row
    try:
        return load_article(data, raw)
    except RecordFormatError:
        raise StoreCorruptError(f"record {pmid} in the store cannot be read: run `citegraph doctor`") from None


def _abstract_of_head(head: bytes | None) -> str | None | bool:
    """The abstract in the head of a record's JSON (UTF-8, see :meth:`Store.lens_columns`): a
    string or None, or False when the head cannot tell it as ``json_extract`` would."""
    if not head or head.count(b'"abstract":') != 1:
        return False
    try:
        value = orjson.loads(head + b"}").get("abstract", False)
    except (orjson.JSONDecodeError, AttributeError):
        return False
    return value if value is None or isinstance(value, str) else False


