"""What each API of the local server sees of the corpus: real-world coverage, deterministic.

The real services do not all know the same citations. PubMed's cited-by list
(``elink pubmed_pubmed_citedin``) is built from the reference lists of PubMed Central
articles, so it names only citing records that have a PMC id; iCite and Europe PMC take every
reference list. :class:`Coverage` says how the server departs from "every API knows every
citation of the corpus":

- ``citedin_from``: ``"all"`` (every citing record, the default) or ``"pmc"`` (only citing
  records that carry a PMC id, as PubMed's does; in a synthetic corpus two in three records
  from 2000 on have one, none before).
- ``drop``: ``{api: fraction}`` — that share of the API's citation edges is left out, chosen
  by a hash of (seed, api, citing, cited): the same edges on every run and in both
  directions (a dropped edge is neither in the cited paper's cited-by list nor in the citing
  paper's reference list as that API tells them). APIs: ``pubmed`` (elink), ``icite``,
  ``europepmc``, ``opencitations``.

:meth:`Coverage.view` gives the corpus as one API sees it (:class:`CorpusView`): the same
records, ``cited_by`` and ``refs`` filtered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from .corpus import Corpus

__all__ = ["Coverage", "CorpusView", "COVERAGE_APIS", "CITEDIN_FROM"]

COVERAGE_APIS = ("pubmed", "icite", "europepmc", "opencitations")
CITEDIN_FROM = ("all", "pmc")


@dataclass(frozen=True)
class Coverage:
    citedin_from: str = "all"
    drop: dict[str, float] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.citedin_from not in CITEDIN_FROM:
            raise ValueError(f"citedin_from must be one of {', '.join(CITEDIN_FROM)}, not {self.citedin_from!r}")
        for api, share in self.drop.items():
            if api not in COVERAGE_APIS:
                raise ValueError(f"unknown API {api!r} (known: {', '.join(COVERAGE_APIS)})")
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"the share of {api}'s edges to drop must be between 0 and 1, not {share!r}")

    @classmethod
    def from_known(cls, spec: str, *, citedin_from: str = "all", seed: int = 0) -> "Coverage":
        """``--coverage icite=0.9``: iCite knows 90 % of the corpus's citations (drops 10 %)."""
        return cls(citedin_from, {api: 1.0 - share for api, share in _shares(spec).items()}, seed)

    @property
    def is_full(self) -> bool:
        return self.citedin_from == "all" and not any(self.drop.values())

    def view(self, corpus: "Corpus", api: str) -> "Corpus | CorpusView":
        """``corpus`` as ``api`` sees it (the corpus itself when nothing is left out)."""
        share = self.drop.get(api, 0.0)
        pmc_only = api == "pubmed" and self.citedin_from == "pmc"
        if not share and not pmc_only:
            return corpus
        return CorpusView(corpus, api=api, pmc_only=pmc_only, drop=share, seed=self.seed)


def _shares(spec: str) -> dict[str, float]:
    shares: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        api, sep, value = part.partition("=")
        try:
            shares[api.strip()] = float(value)
        except ValueError:
            raise ValueError(f"{part!r} is not SOURCE=FRACTION (e.g. icite=0.9)") from None
        if not sep:
            raise ValueError(f"{part!r} is not SOURCE=FRACTION (e.g. icite=0.9)")
    return shares


class CorpusView:
    """A corpus with some citations hidden; everything else is the corpus's."""

    def __init__(self, corpus: "Corpus", *, api: str, pmc_only: bool, drop: float, seed: int) -> None:
        self.corpus = corpus
        self.api = api
        self.pmc_only = pmc_only
        self.drop = drop
        self.seed = seed

    def __getattr__(self, name: str):
        return getattr(self.corpus, name)

    def __contains__(self, pmid: object) -> bool:
        return pmid in self.corpus

    def __len__(self) -> int:
        return len(self.corpus)

    def _kept(self, citing: str, cited: str) -> bool:
        if not self.drop:
            return True
        digest = hashlib.blake2b(f"{self.seed}:{self.api}:{int(citing)}:{int(cited)}".encode(), digest_size=8)
        return int.from_bytes(digest.digest(), "big") / 2**64 >= self.drop

    def cited_by(self, pmid: int | str) -> list[str]:
        citers = self.corpus.cited_by(pmid)
        if self.pmc_only:
            citers = [c for c in citers if self.corpus.pmcid(c)]
        return [c for c in citers if self._kept(c, str(pmid))]

    def refs(self, pmid: int | str) -> list[str]:
        return [r for r in self.corpus.refs(pmid) if self._kept(str(pmid), r)]

    def edges(self) -> Iterator[tuple[str, str]]:
        for citing, cited in self.corpus.edges():
            if self._kept(citing, cited):
                yield citing, cited
