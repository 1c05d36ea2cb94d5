"""What a crawl asks for: :class:`CrawlOptions` and the names of the citation sources."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

from ..errors import InputError
from ..links import DIRECTIONS
from ..publication_types import fold_type

__all__ = ["CrawlOptions", "SOURCES", "PER_PAPER_SOURCES", "ICITE_BATCH", "parse_sources", "crawl_sources"]

#: the citation sources a crawl can ask, in the order they are named
SOURCES = ("pubmed", "icite", "europepmc", "opencitations")
#: the sources asked paper by paper (one request per paper and direction)
PER_PAPER_SOURCES = ("europepmc", "opencitations")
#: papers per iCite request (its documented maximum)
ICITE_BATCH = 1000


def parse_sources(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"pubmed,icite"`` (or names) as the crawl's sources, in :data:`SOURCES` order; an
    unknown name, or a list without ``pubmed``, raises :class:`InputError`."""
    names = [n.strip().lower() for n in (text.split(",") if isinstance(text, str) else text)]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise InputError(f"--sources: unknown source {unknown[0]!r} (known: {', '.join(SOURCES)})")
    if "pubmed" not in names:
        raise InputError("--sources must include pubmed: the papers' records come from PubMed")
    return tuple(n for n in SOURCES if n in names)


def crawl_sources(given: str | None, settings) -> tuple[str, ...]:
    """The sources of a crawl: ``given`` (``--sources``), else the default.

    The default is ``pubmed,icite`` when the crawl talks to the real NCBI, or when an iCite
    URL is configured (``CITEGRAPH_ICITE_URL``); with the E-utilities URL pointed elsewhere
    (a local server) and no iCite URL, it is ``pubmed`` alone: such a crawl never reaches the
    real iCite unasked. Naming ``icite`` in that case raises :class:`InputError` (set the
    iCite URL too), for the same reason.
    """
    from ..config import EUROPEPMC_URL, ICITE_URL, NCBI_EUTILS_URL, OPENCITATIONS_URL

    local_eutils = settings.eutils_url != NCBI_EUTILS_URL
    icite_unset = settings.icite_url == ICITE_URL
    if given is None:
        return ("pubmed",) if local_eutils and icite_unset else ("pubmed", "icite")
    sources = parse_sources(given)
    if local_eutils:
        real = {"icite": (settings.icite_url == ICITE_URL, "CITEGRAPH_ICITE_URL", "/icite/api/"),
                "europepmc": (settings.europepmc_url == EUROPEPMC_URL, "CITEGRAPH_EUROPEPMC_URL",
                              "/europepmc/webservices/rest/"),
                "opencitations": (settings.opencitations_url == OPENCITATIONS_URL, "CITEGRAPH_OPENCITATIONS_URL",
                                  "/opencitations/index/v2/")}
        for name in sources:
            if name in real and real[name][0]:
                raise InputError(f"--sources {name}: the E-utilities URL is not NCBI's but the {name} URL is the "
                                 f"real service's; set {real[name][1]} to the one to ask (a local server's "
                                 f"{real[name][2]})")
    return sources


@dataclass(frozen=True)
class CrawlOptions:
    """One crawl's parameters; invalid values raise :class:`InputError` on construction."""

    depth: int = 1
    direction: str = "cited-by"
    max_papers: int | None = None
    since: int | None = None
    until: int | None = None
    #: publication types whose papers are left out (not expanded), as PubMed names them
    #: ("Review", "Comment"); matched without regard to case, a paper having any of them
    exclude_types: tuple[str, ...] = ()
    fetch_batch: int = 500
    link_batch: int = 200
    #: the citation sources asked (see :data:`SOURCES`); ``pubmed`` always
    sources: tuple[str, ...] = ("pubmed",)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", parse_sources(self.sources))
        # one spelling per type, in a fixed order: the same crawl whatever the order given
        names: dict[str, str] = {}
        for name in self.exclude_types or ():
            name = " ".join(str(name).split())
            if not name:
                raise InputError("--exclude-type needs a publication type, e.g. Review")
            names.setdefault(fold_type(name), name)
        object.__setattr__(self, "exclude_types", tuple(names[k] for k in sorted(names)))
        if self.direction not in DIRECTIONS:
            raise InputError(f"direction must be one of {', '.join(DIRECTIONS)}, not {self.direction!r}")
        if self.depth < 0:
            raise InputError("depth must be 0 or more")
        if self.max_papers is not None and self.max_papers < 1:
            raise InputError("--max-papers must be at least 1")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise InputError(f"--since {self.since} is after --until {self.until}")
        if not (1 <= self.fetch_batch <= 10_000 and 1 <= self.link_batch <= 10_000):
            raise InputError("batch sizes must be between 1 and 10,000 ids")

    @classmethod
    def of_crawl(cls, params: dict) -> "CrawlOptions":
        """The options a stored crawl was run with (its ``params``; unknown keys ignored)."""
        return cls(**{k: v for k, v in params.items() if k in cls.__dataclass_fields__})

    def key(self, seeds: Sequence[str]) -> str:
        """What makes two crawl commands 'the same crawl' for resuming (batch sizes do not)."""
        text = json.dumps(self._key_params(seeds), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def _key_params(self, seeds: Sequence[str]) -> dict:
        params = {k: v for k, v in asdict(self).items() if k not in ("fetch_batch", "link_batch")}
        if self.exclude_types:  # matched without regard to case: "Review" and "review" are one crawl
            params["exclude_types"] = sorted({fold_type(t) for t in self.exclude_types})
        else:
            del params["exclude_types"]  # a crawl without excluded types has no such key
        if self.sources == ("pubmed",):
            del params["sources"]  # nor has a crawl of PubMed alone a sources key
        else:
            params["sources"] = list(self.sources)
        return {"seeds": sorted(seeds, key=int), **params}

    def in_window(self, year: int | None) -> bool:
        if year is None:
            return self.since is None and self.until is None
        return (self.since is None or year >= self.since) and (self.until is None or year <= self.until)

    @property
    def link_unit(self) -> int:
        """Papers linked together: an elink batch, or with iCite one iCite request's worth."""
        return max(self.link_batch, ICITE_BATCH) if "icite" in self.sources else self.link_batch

    @property
    def filters_records(self) -> bool:
        """Whether a paper's record decides if it is kept (a year window, excluded types)."""
        return self.since is not None or self.until is not None or bool(self.exclude_types)

    def left_out_by(self, year: int | None, publication_types: Iterable[str]) -> str | None:
        """Why a paper with this record is left out: ``"year"``, ``"type:NAME"`` (the first
        excluded type it has, as the option names it), or None when it is kept."""
        if not self.in_window(year):
            return "year"
        if self.exclude_types:
            excluded = {fold_type(name): name for name in self.exclude_types}
            for kind in publication_types:
                name = excluded.get(fold_type(kind))
                if name is not None:
                    return "type:" + name
        return None
