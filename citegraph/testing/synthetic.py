"""A reproducible synthetic PubMed corpus shaped like the real thing.

``SyntheticCorpus(n, seed)`` builds a citation graph of ``n`` papers with PMIDs 90000001
upward; 90000001 (1987) is the oldest and the most-cited paper, the root of a cell-therapy
literature (LAK cells and IL-2, TIL, CIK and NK cells, TCR-engineered T cells, checkpoint
blockade, CAR-T, CAR-NK). Each paper cites ~10-40 earlier ones (reviews more, letters a few),
chosen mostly within its own line of work with a recency bias plus preferential attachment
to recently much-cited papers, so that the cited-by graph seen from the root is several
generations deep (see :meth:`SyntheticCorpus.generations`). About a fifth of the references
point to PMIDs outside the corpus (below 90000001), some carry no PMID at all.

Records are rendered on demand (:meth:`SyntheticCorpus.record`) as compact ``PubmedArticle``
XML with the element structure of real efetch output: structured
abstract with inline markup and character references, authors with affiliations, MeSH
headings and qualifiers with UIs, publication types with UIs, a DOI ``10.5555/synthetic.<pmid>``
a PMC id for two in three records from 2000 on (:func:`pmcid_for`; their full text is served
by :mod:`.pmc_answers`) and a ``ReferenceList`` (``CommentsCorrections RefType="Cites"`` before
1993, as old records have); records from 2023 on are not yet indexed (no MeSH), as in PubMed. Every journal title
says "(citegraph test data)". The same ``n`` and ``seed`` give the same bytes on every run.

Publication types follow each line of work's road to the clinic (:meth:`SyntheticCorpus.
clinical_types`): trials are unphased pilot trials in a line's first years, then Phase I
(from :data:`PHASE_I_AFTER` years after the line starts), Phase II, Phase III and randomized
controlled trials; reviews become meta-analyses and practice guidelines last; research
articles may be observational studies from :data:`OBSERVATIONAL_FROM` on. These choices come
from a random stream of their own, so every other part of a record is what it would be without
them.

The graph is decided by :mod:`.synthetic_graph`, the records rendered by
:mod:`.synthetic_records`, the road to the clinic by :mod:`.synthetic_clinic`; the vocabulary
(topics, MeSH and publication-type UIs, names) is in :mod:`.vocabulary`. This module's names are
the corpus's public face.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import BinaryIO, Iterator

from .responses import efetch_pubmed
from .synthetic_clinic import (GUIDELINE_AFTER, META_AFTER, OBSERVATIONAL_FROM, PHASE_I_AFTER, PHASE_II_AFTER,
                               PHASE_III_AFTER)
from .synthetic_graph import FIRST_PMID, SyntheticGraph, doi_for, open_access, pmcid_for
from .synthetic_records import RecordRendering

__all__ = ["SyntheticCorpus", "FIRST_PMID", "GUIDELINE_AFTER", "META_AFTER", "OBSERVATIONAL_FROM", "PHASE_I_AFTER",
           "PHASE_II_AFTER", "PHASE_III_AFTER", "doi_for", "open_access", "pmcid_for"]


class SyntheticCorpus(RecordRendering, SyntheticGraph):
    """A synthetic citation graph of ``n`` papers and the records that describe it."""

    def __init__(self, n: int, seed: int = 0) -> None:
        self._heads: list[tuple | None] = [None] * max(n, 0)
        self._ref_cache: dict[int, str] = {}
        super().__init__(n, seed)

    def record(self, i: int) -> bytes:
        """The ``PubmedArticle`` element of record ``i``, UTF-8."""
        return self._render(i).encode("utf-8")

    def iter_records(self) -> Iterator[bytes]:
        for i in range(self.n):
            yield self.record(i)

    def to_bytes(self) -> bytes:
        """The whole corpus as one efetch-shaped ``PubmedArticleSet`` document."""
        return efetch_pubmed(self.iter_records())

    def write(self, target: str | Path | BinaryIO) -> None:
        """Write the corpus as a PubmedArticleSet file (gzip-compressed when the name ends .gz)."""
        if isinstance(target, (str, Path)):
            path = Path(target)
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "wb") as fh:  # type: ignore[operator]
                self._write_to(fh)
        else:
            self._write_to(target)

    def _write_to(self, fh: BinaryIO) -> None:
        data = efetch_pubmed([b"<X/>"])  # the envelope, around a placeholder
        head, tail = data.split(b"<X/>")
        fh.write(head)
        for rec in self.iter_records():
            fh.write(rec)
        fh.write(tail)


def main(argv: list[str] | None = None) -> int:
    """``python -m citegraph.testing.synthetic N --seed S -o FILE.xml.gz``: write a corpus file."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m citegraph.testing.synthetic", description=main.__doc__)
    parser.add_argument("n", type=int, help="number of records")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", required=True, help="file to write (.xml or .xml.gz)")
    args = parser.parse_args(argv)
    SyntheticCorpus(args.n, args.seed).write(args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
