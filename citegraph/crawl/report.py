"""What a crawl tells its caller: :class:`CrawlProgress` while it runs, :class:`CrawlReport`
when it ends (read back from the store by :func:`finish_report`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..filters import fold
from ..store import Store

__all__ = ["CrawlProgress", "CrawlReport", "finish_report"]

#: how the report names a reason for leaving a paper out (others are "type:NAME": NAME)
_EXCLUSION_NAMES = {"year": "year window", "": "year window"}


@dataclass
class CrawlProgress:
    """A snapshot passed to the progress callback after every committed batch."""

    generation: int
    members: int
    fetched: int
    pending_fetch: int
    pending_link: int
    requests: int


@dataclass
class CrawlReport:
    """What one run of a crawl did and where the crawl stands (``to_dict`` for JSON)."""

    crawl_id: int
    #: the crawl's state when the run ended: 'complete' or 'failed' (papers failed: run it
    #: again to retry them); see citegraph.store.crawl_lock.CRAWL_STATES
    status: str
    seeds: list[str]
    #: how the run began: 'new', 'resumed' (an interrupted or failed crawl) or 'already
    #: complete' (nothing was asked)
    start: str = "new"
    members: int = 0
    articles_fetched: int = 0
    #: citations (distinct citing -> cited pairs) new in the store since the run began
    citations_added: int = 0
    #: sources' reports of a citation new this run, each source apart (see Store.counts)
    links_reported: int = 0
    requests: int = 0
    elapsed: float = 0.0
    generations: dict[int, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    excluded: int = 0
    #: why they were left out: {"year window": N, "Review": N, ...}
    excluded_by: dict[str, int] = field(default_factory=dict)
    over_budget: int = 0
    complete: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


def finish_report(store: Store, report: CrawlReport, citations_before: int) -> None:
    """Fill in ``report`` from the crawl's members in ``store`` once a run has ended: failed,
    missing (seeds without a record too), excluded with why, members, papers per generation,
    citations added since ``citations_before``, and whether it is complete."""
    outcome = store.crawl_outcome(report.crawl_id)
    report.failed = [(p, d.split("|", 1)[-1]) for p, d in outcome.failed]
    missing_seeds = store.missing_pmids(report.seeds) - store.known_pmids(report.seeds)
    report.missing = sorted(set(outcome.missing) | missing_seeds, key=int)
    report.excluded = len(outcome.excluded)
    # a resumed run may spell a type in another case: one count per type
    spelling: dict[str, str] = {}
    for _, detail in outcome.excluded:
        name = _EXCLUSION_NAMES.get(detail, detail.removeprefix("type:"))
        name = spelling.setdefault(fold(name), name)
        report.excluded_by[name] = report.excluded_by.get(name, 0) + 1
    report.citations_added = store.citation_count() - citations_before
    report.members = outcome.members
    report.generations = dict(sorted(outcome.generations.items()))
    report.complete = not report.failed
