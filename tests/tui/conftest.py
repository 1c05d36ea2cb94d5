"""A small hand-made store for the browser tests, and helpers to read what the app shows."""

from __future__ import annotations

import pytest

from citegraph.crawl import SOURCE_RECORD
from citegraph.models import Article, Author, Reference
from citegraph.store import Store

#: pmid: (year, title, PMIDs it cites); 99 is a reference outside the store
PAPERS = {
    "1": (1980, "Seed paper on lymphokine-activated killer cells", []),
    "2": (1990, "Alpha lymphocyte study", ["1"]),
    "3": (1985, "Beta cytokine trial", ["1"]),
    "4": (2000, "Chimeric antigen receptor T cells: gamma review", ["1", "2", "99"]),
    "5": (1995, "Delta follow-up", ["2"]),
    "6": (1996, "Epsilon cohort", ["2", "3"]),
    "7": (2001, "Zeta extension", ["5"]),
    "8": (2002, "Eta letter", ["4"]),
}


@pytest.fixture
def small_store(tmp_path):
    path = tmp_path / "store.sqlite"
    articles = [
        Article(pmid=p, year=y, title=t, journal="Journal of Tests", abstract=f"Abstract of paper {p}.",
                authors=[Author(last_name="Author", initials=p)], references=[Reference(pmid=r) for r in refs])
        for p, (y, t, refs) in PAPERS.items()
    ]
    with Store(path) as store, store.transaction():
        store.put_articles(articles, source="test")
        store.add_citations(((a.pmid, r) for a in articles for r in a.reference_pmids), SOURCE_RECORD)
    return path


def screen_lines(app) -> list[str]:
    """The text of every line on the app's screen, as the terminal would show it."""
    update = app.screen._compositor.render_full_update()
    return ["".join(segment.text for strip in line for segment in strip) for line in update.strips]


def screen_bytes(app) -> str:
    """What the app writes to the terminal for a full redraw (escape sequences included)."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


async def overview_ready(app, pilot, timeout: float = 60.0) -> None:
    """Wait until the browser's overview worker (counts, PageRank, topics) has finished."""
    import time

    start = time.monotonic()
    while app.data.overview is None and app.data.overview_error is None:
        assert time.monotonic() - start < timeout, "the overview did not arrive"
        await pilot.pause(0.05)
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert app.data.overview_error is None, app.data.overview_error
