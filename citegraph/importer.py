"""Offline import of PubMed XML files (NLM baseline/update files, saved efetch answers).

:func:`import_files` reads each file in order, stores its records and their reference edges
(source ``file:<basename>``), and applies its ``DeleteCitation`` entries, committing every
batch of records in one transaction. Nothing here prints: progress goes to a callback.

Rules, so that an import is idempotent and order-safe:

* a record is written only when it is newer than the stored one, by ``(DateRevised,
  version)``; an equal revision is left alone (a second import changes nothing, not even
  timestamps) and an older one never replaces a newer one;
* a written record's edges from earlier files are replaced by the edges of this version
  (edges from other sources, such as elink, are kept);
* a ``DeleteCitation`` removes the record, the edges it was the citing side of, and lists the
  PMID as missing (reason ``deleted``, dated when it was first listed); edges from other
  records that cite it stay;
* a deletion stands against files: a record of a PMID listed deleted is left out, whichever
  file it comes from and whatever its revision (NLM does not bring deleted PMIDs back in its
  files). Only a record from E-utilities takes a deletion back (see
  :meth:`citegraph.store.Store.put_articles`). A store that holds such a record anyway
  (written before deletions stood) loses it when a file brings the record again.

A truncated or corrupt file raises :class:`ImportFailed` naming the file and the last record
read; every record before the fault is committed, so the store is consistent and running the
import again continues (stored records are skipped by the revision check). A record that
cannot be stored (its PMID is not a PubMed id, see :class:`~citegraph.pubmed.SkippedRecord`)
is left out and listed in :attr:`ImportReport.skipped` with its file and position; the file's
other records are imported.

With ``workers > 1`` the parent cuts the file into pieces of whole records
(:mod:`citegraph.pubmed.pieces`), worker processes parse them and prepare the rows, and the
parent writes them in file order.
"""

from __future__ import annotations

import itertools
import re
import os
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CitegraphError, ParseError
from .models import Article, DeletedCitations
from .pubmed import Placement, SkippedRecord, iter_articles, iter_pieces, said_of_the_whole
from .store import DELETED, Store, prepare_articles, reference_rows
from .worker_pool import PARSE_NICE, worker_pool

__all__ = ["ImportFailed", "ImportProgress", "ImportReport", "import_files", "default_workers", "is_jats"]

SOURCE_PREFIX = "file:"
_LINE = re.compile(r" \(line \d+\)")


class ImportFailed(CitegraphError):
    """A file could not be read to its end; what came before it is stored."""


@dataclass(slots=True)
class ImportProgress:
    """Passed to the progress callback after every committed batch."""

    file: str
    file_index: int
    files: int
    #: bytes of the file (as stored on disk, compressed or not) read so far, and its size
    bytes_read: int
    bytes_total: int
    #: records read so far in the whole run
    records: int
    elapsed: float


@dataclass(slots=True)
class ImportReport:
    files: list[str] = field(default_factory=list)
    records: int = 0
    #: records written (new, or newer than the stored version)
    written: int = 0
    #: records whose stored version is the same revision
    unchanged: int = 0
    #: records older than the stored version (not written)
    older: int = 0
    #: records of PMIDs listed as deleted by NLM (not written: the deletion stands)
    kept_deleted: int = 0
    #: DeleteCitation PMIDs in the files, and how many of them were stored and removed
    deletions: int = 0
    deleted: int = 0
    citations: int = 0
    seconds: float = 0.0
    #: the records left out, each as "<file>: record <n> (after PMID <p>) left out: <why>"
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["files"] = list(self.files)
        data["skipped"] = list(self.skipped)
        data["records_per_second"] = round(self.records / self.seconds) if self.seconds else 0
        data["seconds"] = round(self.seconds, 3)
        return data


_JATS_HEAD = re.compile(rb"<(pmc-articleset|article)[\s>]")
_PUBMED_HEAD = re.compile(rb"<(PubmedArticleSet|PubmedArticle|PubmedBookArticle)[\s>/]")


def is_jats(path: str | os.PathLike[str]) -> bool:
    """True for PMC full text (JATS: a ``.nxml`` file, or a file whose first element is
    ``pmc-articleset`` or ``article``), which :func:`citegraph.fulltext.import_nxml` reads;
    PubMed XML goes to :func:`import_files`."""
    name = os.fspath(path).lower()
    if name.endswith((".nxml", ".nxml.gz")):
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
        if head[:2] == b"\x1f\x8b":
            head = zlib.decompressobj(31).decompress(head, 4096)
    except (OSError, zlib.error):
        return False
    jats, pubmed = _JATS_HEAD.search(head), _PUBMED_HEAD.search(head)
    return jats is not None and (pubmed is None or jats.start() < pubmed.start())


def default_workers() -> int:
    """Worker processes for parsing: one per CPU beyond the writer's, at least one."""
    return max(1, (os.cpu_count() or 1))


def import_files(paths: Iterable[str | os.PathLike[str]], store: Store, *, workers: int = 1,
                 batch_size: int = 500, progress: Callable[[ImportProgress], None] | None = None,
                 now: float | None = None) -> ImportReport:
    """Import PubMed XML files (plain or gzip) into ``store``, in order. See the module doc."""
    paths = [Path(p) for p in paths]
    report = ImportReport(files=[p.name for p in paths])
    started = time.perf_counter()
    citations_before = store.citation_count()
    pool = None
    try:
        for index, path in enumerate(paths):
            if pool is None and workers > 1 and _size(path) >= _PARALLEL_FROM:
                pool = _pool(workers)  # started once, for the first file big enough to need it
            use = pool if _size(path) >= _PARALLEL_FROM else None
            _import_one(path, index, len(paths), store, use, workers, batch_size, progress, report, started, now)
        # the citations new in the store (distinct pairs), as `stats` counts them: the batches
        # count again the edges of a record written anew, whose earlier version gave them
        report.citations = store.citation_count() - citations_before
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        report.seconds = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------- one file


class _Counting:
    """A binary file that counts the bytes read from it (for progress)."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        return data

    def peek(self, size: int = 1) -> bytes:
        return self._stream.peek(size)


@dataclass(slots=True)
class _Batch:
    """Records of one piece, prepared for the store (rows made where they were parsed)."""

    pmids: list[str]
    revisions: list[tuple[str, int]]
    rows: list
    #: per record, its reference-list edges as ready (citing, cited, source, seen_at) rows
    edges: list[list[tuple]]
    deletions: list[str]
    last_pmid: str
    error: str = ""
    #: records left out (positions count from the start of what was parsed)
    skipped: list[SkippedRecord] = field(default_factory=list)


def _prepare(records: list[Article], deletions: list[str], source: str, now: float | None,
             last_pmid: str, error: str = "", skipped: list[SkippedRecord] | None = None) -> _Batch:
    now = time.time() if now is None else now
    return _Batch(
        pmids=[a.pmid for a in records],
        revisions=[(a.date_revised, a.version) for a in records],
        rows=list(prepare_articles(records, source, now)),
        edges=[reference_rows(a, source, now) for a in records],
        deletions=deletions,
        last_pmid=last_pmid,
        error=error,
        skipped=skipped or [],
    )


def _parse_piece(data: bytes, source: str, now: float | None) -> _Batch:
    """Worker side: parse one piece and prepare its rows; a ParseError comes back as text."""
    records: list[Article] = []
    deletions: list[str] = []
    skipped: list[SkippedRecord] = []
    error = ""
    try:
        for item in iter_articles(data, deletions=True, skipped=True):
            if isinstance(item, DeletedCitations):
                deletions.extend(item.pmids)
            elif isinstance(item, SkippedRecord):
                skipped.append(item)
            else:
                records.append(item)
    except ParseError as exc:
        error = _LINE.sub("", str(exc))  # line numbers of a piece are not the file's
    return _prepare(records, deletions, source, now, records[-1].pmid if records else "", error, skipped)


def _sequential_batches(stream, source: str, batch_size: int, now: float | None) -> Iterator[_Batch]:
    records: list[Article] = []
    deletions: list[str] = []
    skipped: list[SkippedRecord] = []
    last = ""
    try:
        for item in iter_articles(stream, deletions=True, skipped=True):
            if isinstance(item, DeletedCitations):
                deletions.extend(item.pmids)
                continue
            if isinstance(item, SkippedRecord):
                skipped.append(item)
                continue
            records.append(item)
            last = item.pmid
            if len(records) >= batch_size:
                yield _prepare(records, deletions, source, now, last, skipped=skipped)
                records, deletions, skipped = [], [], []
    except ParseError as exc:
        yield _prepare(records, deletions, source, now, last, str(exc), skipped)
        return
    yield _prepare(records, deletions, source, now, last, skipped=skipped)


def _parallel_batches(stream, pool: ProcessPoolExecutor, workers: int, source: str, batch_bytes: int,
                      now: float | None) -> Iterator[_Batch]:
    pending: list[Future] = []
    placement = Placement()  # each piece counts its records from 1: positions in the file

    def placed(batch: _Batch) -> _Batch:
        if batch.error and not batch.last_pmid:
            batch.error = said_of_the_whole(batch.error, placement.after)
        batch.skipped = placement.place(batch.skipped, len(batch.pmids), batch.last_pmid)
        return batch

    try:
        for piece in iter_pieces(stream, batch_bytes):
            pending.append(pool.submit(_parse_piece, piece.data, source, now))
            while len(pending) > workers + 1:
                yield placed(pending.pop(0).result())
        while pending:
            yield placed(pending.pop(0).result())
    except ParseError as exc:  # the splitter's own faults (bad gzip data, not PubMed XML)
        while pending:
            yield placed(pending.pop(0).result())
        yield _Batch([], [], [], [], [], "", str(exc))


def _import_one(path: Path, index: int, files: int, store: Store, pool, workers: int, batch_size: int,
                progress, report: ImportReport, started: float, now: float | None) -> None:
    source = SOURCE_PREFIX + path.name
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise ImportFailed(f"cannot open {path}: {exc.strerror}") from None
    with raw:
        total = os.fstat(raw.fileno()).st_size
        counting = _Counting(raw)
        if pool is None:
            batches = _sequential_batches(counting, source, batch_size, now)
        else:
            batches = _parallel_batches(counting, pool, workers, source, 11_000 * batch_size // 2, now)
        last = ""
        for batch in batches:
            _write(store, batch, source, report, now)
            report.skipped.extend(f"{path.name}: {s}" for s in batch.skipped)
            last = batch.last_pmid or last
            if batch.error:
                where = f"the last record read was PMID {last}" if last else "no record was read"
                raise ImportFailed(
                    f"{path.name}: {batch.error}; {where}; the records before it are stored, "
                    "run the import again to continue"
                )
            if progress is not None:
                progress(ImportProgress(path.name, index, files, counting.count, total, report.records,
                                        time.perf_counter() - started))


def _write(store: Store, batch: _Batch, source: str, report: ImportReport, now: float | None) -> None:
    """One transaction: newer records and their edges, then the batch's deletions."""
    report.records += len(batch.pmids)
    with store.transaction():
        stored = store.revisions(batch.pmids) if batch.pmids else {}
        deleted = store.deleted_pmids(batch.pmids) if batch.pmids else set()
        chosen: dict[str, int] = {}  # pmid -> index of the newest version in this batch
        for i, (pmid, revision) in enumerate(zip(batch.pmids, batch.revisions)):
            if pmid in deleted:
                report.kept_deleted += 1
                continue
            old = stored.get(pmid)
            if old is not None and revision <= old:
                if revision == old:
                    report.unchanged += 1
                else:
                    report.older += 1
                continue
            best = chosen.get(pmid)
            if best is not None and batch.revisions[best] >= revision:
                report.older += 1
                continue
            chosen[pmid] = i
        if chosen:
            keep = sorted(chosen.values())
            replaced = [batch.pmids[i] for i in keep if batch.pmids[i] in stored]
            if replaced:
                store.delete_citations_from(replaced, SOURCE_PREFIX)
            store.put_articles(_Rows(batch.rows[i] for i in keep))
            report.written += len(keep)
            report.citations += store.add_citation_rows(itertools.chain.from_iterable(batch.edges[i] for i in keep))
        both = deleted & stored.keys()  # stored and listed deleted: the deletion stands
        if both:
            _delete(store, sorted(both, key=int), now)
        if batch.deletions:
            report.deletions += len(batch.deletions)
            report.deleted += _delete(store, batch.deletions, now)


def _delete(store: Store, pmids: list[str], now: float | None) -> int:
    """Apply DeleteCitation: the record and the edges its files gave go; the PMID is listed
    as deleted (also one listed missing for another reason). Only what changes is touched,
    so applying it twice changes nothing, dates included."""
    present = store.known_pmids(pmids)
    removed = 0
    if present:
        store.delete_citations_from(present, SOURCE_PREFIX)
        store.delete_articles(present, DELETED, now)
        removed = len(present)  # (the store's count includes rows its triggers touch)
    new = set(pmids) - present - store.deleted_pmids(pmids)
    if new:
        store.mark_missing(sorted(new, key=int), DELETED, now)
    return removed


def _Rows(rows):  # noqa: N802 - a PreparedArticles from already prepared rows
    from .store import PreparedArticles

    return PreparedArticles(rows)


#: smaller files are parsed in the main process: starting workers would cost more than it saves
_PARALLEL_FROM = 1 << 20


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported when it is opened


def _pool(workers: int) -> ProcessPoolExecutor:
    return worker_pool(workers, nice=PARSE_NICE)


def deleted_by_nlm(store: Store, pmid: str) -> str | None:
    """What to say of ``pmid`` if an imported update file listed it as deleted by NLM (and no
    record of it is stored since), naming the day of that import; None if it was not."""
    from datetime import datetime, timezone

    entry = store.missing_entry(pmid)
    if entry is None or entry[0] != DELETED:
        return None
    day = datetime.fromtimestamp(entry[1], timezone.utc).strftime("%Y-%m-%d")
    return f"PMID {pmid} was deleted by NLM (listed as deleted by an update file imported on {day})"


def import_paths(paths: Iterable[str | os.PathLike[str]], store: Store, *, workers: int = 1, batch_size: int = 500,
                 progress: Callable[[ImportProgress], None] | None = None):
    """Import ``paths`` in the order given: PubMed XML files through :func:`import_files`, PMC
    JATS files (:func:`is_jats`) after them through :func:`citegraph.fulltext.import_nxml`.
    Returns the PubMed report and the JATS report (None when no file is JATS)."""
    from .fulltext import import_nxml

    paths = [Path(path) for path in paths]
    jats = [path for path in paths if is_jats(path)]
    report = import_files([path for path in paths if path not in jats], store, workers=workers,
                          batch_size=batch_size, progress=progress)
    return report, (import_nxml(store, jats) if jats else None)
