"""What the crawl needs of the clients it asks (see :mod:`citegraph.sources`), and the set of
clients one crawl holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol, Sequence

from ..models import Article

if TYPE_CHECKING:
    from ..store import Store
    from .report import CrawlProgress

__all__ = ["EutilsLike", "ICiteLike", "PerPaperLike", "Clients", "CrawlSetup"]


class EutilsLike(Protocol):
    """What the crawl needs from an E-utilities client (see sources.eutils.EutilsClient)."""

    def efetch(self, pmids: Sequence[str], *, parse: Callable[[bytes], list[Article]]) -> list[Article]: ...
    def elink(self, pmids: Sequence[str], linkname: str) -> dict[str, list[str]]: ...


class ICiteLike(Protocol):
    """What the crawl needs from an iCite client (see sources.icite.ICiteClient)."""

    def pubs(self, pmids: Iterable[int | str]) -> dict: ...


class PerPaperLike(Protocol):
    """What the crawl needs from a source asked paper by paper (Europe PMC, OpenCitations):
    each paper's citing papers and references."""

    def citations(self, pmid: str) -> Any: ...
    def references(self, pmid: str) -> Any: ...


@dataclass(frozen=True)
class Clients:
    """The clients a crawl asks: E-utilities always, the others when their source is asked."""

    eutils: EutilsLike
    icite: ICiteLike | None = None
    europepmc: PerPaperLike | None = None
    opencitations: PerPaperLike | None = None

    def per_paper(self, name: str) -> PerPaperLike | None:
        """The client of the per-paper source ``name`` (``europepmc`` or ``opencitations``)."""
        return {"europepmc": self.europepmc, "opencitations": self.opencitations}[name]


class CrawlSetup(Protocol):
    """What one run of a crawl reads from the crawler that starts it (see crawler.Crawler)."""

    store: "Store"
    clients: Clients
    parse: Callable[[bytes], list]
    concurrency: int
    progress: "Callable[[CrawlProgress], None] | None"

    def requests_made(self) -> int: ...
