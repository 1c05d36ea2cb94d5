"""PubMed XML (efetch answers, baseline and update files) to :mod:`citegraph.models`.

Bytes in, models out, no network.

* :func:`iter_articles` streams ``PubmedArticle`` / ``PubmedBookArticle`` (and, on request,
  ``DeleteCitation``) from bytes, a file path (plain or gzip) or a binary file object.
* :func:`parse_articles` reads one whole efetch response body.
* :func:`parse_record` re-reads one stored record (``Article.raw_xml``).
* :func:`iter_pieces` cuts a file into self-contained documents of whole records.

Each record's ``raw_xml`` is cut from the input bytes exactly as received (checked against
its PMID); inputs where a lone record would not read the same (another encoding than UTF-8,
entities declared in the DOCTYPE) are re-serialised instead.

Malformed, truncated or non-PubMed input raises :class:`citegraph.errors.ParseError` naming
what went wrong and where; records before the error have already been yielded. A well-formed
record that cannot be stored (no PMID, or one that is not a PubMed id) is a
:class:`SkippedRecord`: named, and the records after it are read. The parser never loads a
DTD, never touches the network and never expands entities.

The modules: :mod:`~citegraph.pubmed.reader` (entry points), :mod:`~citegraph.pubmed.whole`
(one-call parse), :mod:`~citegraph.pubmed.stream` (streaming reader and its errors),
:mod:`~citegraph.pubmed.pieces` (cutting files), :mod:`~citegraph.pubmed.cutting` (``raw_xml``
slices), :mod:`~citegraph.pubmed.record` and :mod:`~citegraph.pubmed.text` (one record to an
article), :mod:`~citegraph.pubmed.results` (skipped records and their places).
"""

from .cutting import prolog_end, records_are_plain
from .pieces import Piece, iter_pieces
from .reader import iter_articles, parse_articles, parse_record
from .results import Placement, Records, SkippedRecord, said_of_the_whole
from .text import not_a_pmid

__all__ = [
    "Piece", "Placement", "Records", "SkippedRecord", "iter_articles", "iter_pieces", "not_a_pmid",
    "parse_articles", "parse_record", "prolog_end", "records_are_plain", "said_of_the_whole",
]
