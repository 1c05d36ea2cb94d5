"""What sources outside PubMed's own records tell: citations with papers outside PubMed, and
iCite's metrics."""

from __future__ import annotations

import json
import time
from typing import Iterable, Mapping

from .codec import pmid_from_db, pmid_to_db
from .connection import Connection

__all__ = ["External", "ICITE_COLUMNS"]

#: the columns of ``icite_metrics`` (migration 10), in order
ICITE_COLUMNS = ("pmid", "fetched_at", "citation_count", "rcr", "nih_percentile", "apt", "is_clinical",
                 "cited_by_clin", "human", "animal", "molecular_cellular", "provisional")


class External(Connection):
    """The ``external_papers``, ``external_citations`` and ``icite_metrics`` tables."""

    def put_external_citations(self, items: Iterable[tuple[Mapping, object, object, int]],
                               now: float | None = None) -> None:
        """Store citations between a PubMed paper and one outside PubMed (a preprint, a DOI
        only): ``(paper, citing id, cited id, source bit)``, ``paper`` the outside one's
        ``{"key", "doi", "title", "year", "source_id"}`` (what the source gave), the ids
        :class:`citegraph.sources.json_answers.ExternalId` values. A paper keeps the first
        title and year a source gave; sources add up per citation as in ``citations``."""
        now = time.time() if now is None else now
        papers, edges = [], []
        for paper, citing, cited, bit in items:
            papers.append((paper["key"], paper.get("doi"), paper.get("title"), paper.get("year"),
                           paper.get("source_id"), now))
            name = lambda ident: str(ident.pmid) if ident.pmid is not None else ident.key  # noqa: E731
            edges.append((name(citing), name(cited), bit, now))
        self._executemany("INSERT INTO external_papers (key, doi, title, year, source_id, seen_at) "
                          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                          "doi = COALESCE(doi, excluded.doi), title = COALESCE(title, excluded.title), "
                          "year = COALESCE(year, excluded.year)", papers)
        self._executemany("INSERT INTO external_citations (citing, cited, sources, seen_at) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT (citing, cited) DO UPDATE SET sources = sources | excluded.sources", edges)

    def external_edges(self, pmids: Iterable[str], side: str) -> list[tuple[int | str, int | str, int]]:
        """As :meth:`citation_edges`, for the citations with a paper outside PubMed (named by
        its key, ``"doi:..."`` or the source's id; a PubMed paper by its PMID, an int). A
        source's paper "outside PubMed" whose DOI is a stored record's (a source that lacks
        the PMID of a PubMed paper) is named by that record's PMID."""
        if side not in ("citing", "cited"):
            raise ValueError(f"side must be 'citing' or 'cited', not {side!r}")
        # a PubMed paper's key in external_citations is its PMID in decimal, without leading zeros
        keys = [pmid_from_db(pmid_to_db(p)) for p in pmids]
        found = list(self._rows_in(f"SELECT citing, cited, sources FROM external_citations WHERE {side} IN (...)", keys))
        dois = {k[4:] for row in found for k in row[:2] if k.startswith("doi:")}
        pmid_of = ({f"doi:{doi.lower()}": pmid_to_db(pmid) for doi, pmid in self.find_by("doi", dois).items()}
                   if dois else {})

        def name(key: str) -> int | str:
            return pmid_to_db(key) if key.isdigit() else pmid_of.get(key, key)

        return [(name(citing), name(cited), bits) for citing, cited, bits in found]

    def external_papers(self, keys: Iterable[str]) -> dict[str, dict]:
        """``{key: {"doi", "title", "year", "source_id"}}`` of the stored papers outside PubMed."""
        rows = self._rows_in("SELECT key, doi, title, year, source_id FROM external_papers WHERE key IN (...)", keys)
        return {key: {"doi": doi, "title": title, "year": year, "source_id": source_id}
                for key, doi, title, year, source_id in rows}

    # -- iCite metrics -----------------------------------------------------------------------

    def put_icite_metrics(self, papers: Iterable, fetched_at: float | None = None) -> None:
        """Store iCite's numbers of ``papers`` (:class:`citegraph.sources.icite.ICitePaper`),
        fetched at ``fetched_at``, replacing what an earlier fetch stored."""
        fetched_at = time.time() if fetched_at is None else fetched_at
        rows = []
        for paper in papers:
            m = paper.metrics
            clin = None if paper.cited_by_clinical is None else json.dumps(list(paper.cited_by_clinical))
            flag = lambda v: None if v is None else int(v)  # noqa: E731
            rows.append((pmid_to_db(paper.pmid), fetched_at, m.citation_count, m.relative_citation_ratio, m.nih_percentile,
                         m.apt, flag(m.is_clinical), clin, m.human, m.animal, m.molecular_cellular,
                         flag(m.provisional)))
        self._executemany(f"INSERT OR REPLACE INTO icite_metrics ({', '.join(ICITE_COLUMNS)}) "
                          f"VALUES ({', '.join('?' * len(ICITE_COLUMNS))})", rows)

    def icite_metrics(self, pmids: Iterable[str] | None = None) -> dict[str, dict]:
        """``{pmid: {column: value}}`` of the stored iCite numbers (:data:`ICITE_COLUMNS`
        but ``pmid``; ``is_clinical``/``provisional`` as booleans, ``cited_by_clin`` as a list
        of PMIDs, None where iCite gave none) for ``pmids``, or for every paper."""
        names = ICITE_COLUMNS[1:]
        select = f"SELECT {', '.join(ICITE_COLUMNS)} FROM icite_metrics"
        if pmids is None:
            found: Iterable[tuple] = self._execute(select)
        else:
            found = self._rows_in(f"{select} WHERE pmid IN (...)", map(pmid_to_db, pmids))
        out: dict[str, dict] = {}
        for row in found:
            values = dict(zip(names, row[1:]))
            for key in ("is_clinical", "provisional"):
                if values[key] is not None:
                    values[key] = bool(values[key])
            if values["cited_by_clin"] is not None:
                values["cited_by_clin"] = json.loads(values["cited_by_clin"])
            out[pmid_from_db(row[0])] = values
        return out

