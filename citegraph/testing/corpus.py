"""The records a local E-utilities server answers from, and their link indexes.

A :class:`Corpus` holds, per PMID, the record's XML as the parser hands it over
(``Article.raw_xml``; efetch returns it as it is), the PMIDs it cites (``pubmed_pubmed_refs``), the inverse of that
(``pubmed_pubmed_citedin``) and a DOI index (esearch ``[doi]``). It is filled from PubMed XML
files through :func:`citegraph.pubmed.iter_articles`, from parsed articles, or from a
:class:`~citegraph.testing.synthetic.SyntheticCorpus`, whose records are rendered on demand
so that 100,000 of them cost no more memory than their link lists.

PMIDs are ``int`` inside and ``str`` at the edges, as everywhere else in citegraph.
"""

from __future__ import annotations

import os
import threading
from array import array
from typing import Iterable, Iterator, Union

from ..models import Article, DeletedCitations
from ..pubmed import iter_articles
from .synthetic import SyntheticCorpus, doi_for, pmcid_for

__all__ = ["Corpus"]

PathLike = Union[str, "os.PathLike[str]"]


def _as_int(pmid: int | str) -> int | None:
    if isinstance(pmid, int):
        return pmid if 0 < pmid < 2**32 else None
    text = str(pmid).strip()
    if not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value < 2**32 else None


class Corpus:
    """PubMed records keyed by PMID, with citation links in both directions and a DOI index."""

    def __init__(self) -> None:
        #: pmid -> record bytes; None means "render from the synthetic corpus"
        self._raw: dict[int, bytes | None] = {}
        self._refs: dict[int, array] = {}
        self._doi_of: dict[int, str] = {}
        self._by_doi: dict[str, int] = {}
        #: esearch ``[pmcid]``: PMCID (upper case) -> pmid, and back
        self._by_pmcid: dict[str, int] = {}
        self._pmcid_of: dict[int, str] = {}
        self._cited_by: dict[int, array] | None = None
        self._synthetic: SyntheticCorpus | None = None
        #: ``efetch db=pmc``: PMC number -> a real article's XML (see pmc_answers.add_pmc_files)
        self.pmc_files: dict[int, bytes] = {}
        self._lock = threading.RLock()

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def load(cls, paths: PathLike | Iterable[PathLike]) -> "Corpus":
        """Read PubMed XML files (``.xml`` or ``.xml.gz``) in order.

        A later file's version of a record replaces an earlier one, and a ``DeleteCitation``
        removes the PMIDs it lists, as when applying PubMed update files in sequence.
        """
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        corpus = cls()
        for path in paths:
            corpus.add(iter_articles(path, deletions=True))
        return corpus

    @classmethod
    def synthetic(cls, n: int, seed: int = 0) -> "Corpus":
        """A corpus over ``SyntheticCorpus(n, seed)`` (PMIDs 90000001 upward)."""
        corpus = cls()
        corpus.add_synthetic(SyntheticCorpus(n, seed))
        return corpus

    def add(self, records: Iterable[Article | DeletedCitations]) -> int:
        """Add or replace articles, apply deletions; returns the number of articles added."""
        added = 0
        with self._lock:
            for rec in records:
                if isinstance(rec, DeletedCitations):
                    for pmid in rec.pmids:
                        self.remove(pmid)
                    continue
                pmid = _as_int(rec.pmid)
                if pmid is None:
                    continue
                refs = array("I", (p for p in (_as_int(x) for x in rec.reference_pmids) if p is not None))
                self._put(pmid, rec.raw_xml.strip(), refs, rec.doi)
                if rec.pmcid:
                    self._pmcid_of[pmid] = rec.pmcid.strip().upper()
                    self._by_pmcid[self._pmcid_of[pmid]] = pmid
                added += 1
            self._cited_by = None
        return added

    def add_synthetic(self, synth: SyntheticCorpus) -> None:
        """Serve the records of ``synth`` (rendered when asked for)."""
        with self._lock:
            if self._synthetic is not None and self._synthetic is not synth:
                raise ValueError("a corpus serves at most one synthetic corpus")
            self._synthetic = synth
            for i, pmid in enumerate(synth.pmids()):
                refs = array("I", dict.fromkeys(synth.reference_pmids(i)))
                self._put(pmid, None, refs, doi_for(pmid))
                pmcid = pmcid_for(pmid, synth.year(i))
                if pmcid:
                    self._pmcid_of[pmid] = pmcid
                    self._by_pmcid[pmcid] = pmid
            self._cited_by = None

    def _put(self, pmid: int, raw: bytes | None, refs: array, doi: str | None) -> None:
        self._drop_doi(pmid)
        self._raw[pmid] = raw
        self._refs[pmid] = refs
        if doi:
            self._doi_of[pmid] = doi
            self._by_doi[doi.strip().lower()] = pmid

    def _drop_doi(self, pmid: int) -> None:
        pmcid = self._pmcid_of.pop(pmid, None)
        if pmcid is not None and self._by_pmcid.get(pmcid) == pmid:
            del self._by_pmcid[pmcid]
        old = self._doi_of.pop(pmid, None)
        if old is not None and self._by_doi.get(old.strip().lower()) == pmid:
            del self._by_doi[old.strip().lower()]

    def remove(self, pmid: int | str) -> bool:
        """Withdraw a record (a ``DeleteCitation``); True if it was there."""
        key = _as_int(pmid)
        with self._lock:
            if key is None or key not in self._raw:
                return False
            del self._raw[key]
            del self._refs[key]
            self._drop_doi(key)
            self._cited_by = None
            return True

    # -- lookups ----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._raw)

    def __contains__(self, pmid: object) -> bool:
        key = _as_int(pmid) if isinstance(pmid, (int, str)) else None
        return key is not None and key in self._raw

    def pmids(self) -> list[str]:
        """Every PMID of the corpus, ascending."""
        return [str(p) for p in sorted(self._raw)]

    def render_all(self) -> "Corpus":
        """Render every synthetic record now (memory for speed: no rendering per request)."""
        synth = self._synthetic
        if synth is not None:
            with self._lock:
                for key, raw in self._raw.items():
                    if raw is None:
                        self._raw[key] = synth.record(key - synth.pmid(0))
        return self

    def raw_xml(self, pmid: int | str) -> bytes | None:
        """The record's ``PubmedArticle`` element as stored, or None when it is not here."""
        key = _as_int(pmid)
        if key is None or key not in self._raw:
            return None
        raw = self._raw[key]
        if raw is None:
            synth = self._synthetic
            assert synth is not None
            raw = synth.record(key - synth.pmid(0))
        return raw

    def iter_raw(self) -> Iterator[tuple[str, bytes]]:
        """(pmid, record bytes) for every record, by ascending PMID."""
        for pmid in sorted(self._raw):
            raw = self.raw_xml(pmid)
            if raw is not None:
                yield str(pmid), raw

    def refs(self, pmid: int | str) -> list[str]:
        """PMIDs the record cites (in or outside the corpus), in NCBI's order: descending."""
        key = _as_int(pmid)
        links = self._refs.get(key) if key is not None else None
        return [str(p) for p in sorted(links, reverse=True)] if links else []

    def cited_by(self, pmid: int | str) -> list[str]:
        """PMIDs of the corpus records that cite ``pmid`` (which need not be in the corpus),
        descending, as NCBI lists ``pubmed_pubmed_citedin``."""
        key = _as_int(pmid)
        if key is None:
            return []
        links = self._inverse().get(key)
        return [str(p) for p in links] if links else []

    def pmid_for_doi(self, doi: str) -> str | None:
        """The PMID of the record with this DOI (case-insensitive), or None."""
        pmid = self._by_doi.get(doi.strip().lower())
        return None if pmid is None else str(pmid)

    def pmid_for_pmcid(self, pmcid: str) -> str | None:
        """The PMID of the record with this PMCID (``PMC123``, any case), or None."""
        pmid = self._by_pmcid.get(pmcid.strip().upper())
        return None if pmid is None else str(pmid)

    def pmcid(self, pmid: int | str) -> str | None:
        """The record's PMC id (``PMC123``), or None when it has none or is not here."""
        key = _as_int(pmid)
        return self._pmcid_of.get(key) if key is not None else None

    def doi(self, pmid: int | str) -> str | None:
        key = _as_int(pmid)
        return self._doi_of.get(key) if key is not None else None

    def edges(self) -> Iterator[tuple[str, str]]:
        """Every (citing, cited) pair the corpus knows, citing ascending."""
        for citing in sorted(self._refs):
            for cited in self._refs[citing]:
                yield str(citing), str(cited)

    def _inverse(self) -> dict[int, array]:
        index = self._cited_by
        if index is not None:
            return index
        with self._lock:
            if self._cited_by is None:
                building: dict[int, list[int]] = {}
                for citing, cited_list in self._refs.items():
                    for cited in cited_list:
                        building.setdefault(cited, []).append(citing)
                self._cited_by = {k: array("I", sorted(v, reverse=True)) for k, v in building.items()}
            return self._cited_by

    def warm(self) -> "Corpus":
        """Build the cited-by index now rather than on the first elink."""
        self._inverse()
        return self

    def summary(self) -> dict[str, int]:
        """Counts for a log line: records, citation edges, distinct cited PMIDs."""
        return {
            "records": len(self._raw),
            "edges": sum(len(v) for v in self._refs.values()),
            "cited": len(self._inverse()),
        }
