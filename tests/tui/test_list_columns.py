"""What the list and the detail pane show: titles as wide as the terminal allows, why a paper is
not in the store and the commands that fetch it."""

from __future__ import annotations

import asyncio

from conftest import overview_ready, screen_lines

from citegraph.crawl import SOURCE_RECORD
from citegraph.models import Article, Reference
from citegraph.store import Store
from citegraph.tui import BrowseApp, BrowseData

LONG_TITLE = ("A very long title about chimeric antigen receptor T cells in patients with relapsed or "
              "refractory large B-cell lymphoma treated after two lines of therapy, followed for five years")


def add_papers(path, articles: list[Article]) -> None:
    with Store(path) as store, store.transaction():
        store.put_articles(articles, source="test")
        store.add_citations(((a.pmid, r) for a in articles for r in a.reference_pmids), SOURCE_RECORD)


def visible_title(lines: list[str], pmid: str, title: str) -> int:
    """How many characters of ``title`` the list row of ``pmid`` shows."""
    row = next(line for line in lines if line.startswith(f"{pmid:>8} "))
    return max(k for k in range(len(title) + 1) if title[:k] in row)


def detail_text(lines: list[str]) -> str:
    """The detail pane's text (right of the list, side by side), its lines joined by spaces."""
    return " ".join(" ".join(line.split("│", 1)[1].split()) for line in lines if "│" in line)


def show_list(path, size: tuple[int, int]) -> tuple[list[str], int, int]:
    """The screen, and the widths of the list and of the detail pane."""
    async def main():
        with Store(path) as store:
            app = BrowseApp(BrowseData(store), "1", load_graph=False)
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                return screen_lines(app), app.query_one("#left").size.width, app.query_one("#detail").size.width

    return asyncio.run(main())


def test_a_long_title_shows_more_at_160_columns_than_at_80(small_store):
    add_papers(small_store, [Article(pmid="9", year=1970, title=LONG_TITLE, references=[Reference(pmid="1")])])
    lines, list_80, detail_80 = show_list(small_store, (80, 24))
    at_80 = visible_title(lines, "9", LONG_TITLE)
    lines, list_160, detail_160 = show_list(small_store, (160, 40))
    at_160 = visible_title(lines, "9", LONG_TITLE)
    assert at_80 >= 40 and list_80 == detail_80 == 80  # one above the other, each the whole width
    assert at_160 >= at_80 + 20, (at_80, at_160)  # side by side, the list takes what the detail pane leaves
    assert list_160 > detail_160 >= 40


def test_a_reference_not_in_the_store_says_why_and_how_to_fetch_it(small_store):
    async def main():
        with Store(small_store) as store:
            app = BrowseApp(BrowseData(store), "1", load_graph=False)
            async with app.run_test(size=(160, 40)) as pilot:
                await pilot.pause()
                await pilot.press("enter", "r")  # paper 4 (newest first), then its references: 2, 1 and 99
                await pilot.press("end")  # 99: no year, last
                await pilot.pause()
                return app.highlighted, "\n".join(screen_lines(app))

    highlighted, screen = asyncio.run(main())
    assert highlighted == "99"
    row = next(line for line in screen.splitlines() if line.startswith("      99 "))
    assert "(not in the store)" in row
    assert "references of 4: 3 (1 not in the store)" in screen
    assert "PMID 99 is not in the store" in screen
    assert "citegraph crawl 99 --depth 0" in screen
    assert "citegraph crawl 4 --direction references" in screen
    assert "citegraph browse 1" in screen


def test_retracted_papers_and_papers_through_them_are_marked_as_rank_marks_them(small_store):
    # 10 is retracted and cites the seed; 11 reaches the seed only through 10
    add_papers(small_store, [
        Article(pmid="10", year=2003, title="Withdrawn trial of killer cells", publication_types=["Retracted Publication"],
                references=[Reference(pmid="1")]),
        Article(pmid="11", year=2004, title="Follow-up of the withdrawn trial", references=[Reference(pmid="10")]),
    ])

    async def main():
        with Store(small_store) as store:
            app = BrowseApp(BrowseData(store), "1")
            async with app.run_test(size=(160, 40)) as pilot:
                await overview_ready(app, pilot)
                seed_list = screen_lines(app)  # newest first: 10 is highlighted, its card on the right
                await pilot.press("enter")  # the papers citing 10: 11
                return seed_list, screen_lines(app)

    seed_list, citing_10 = asyncio.run(main())
    row = next(line for line in seed_list if line.startswith("      10 "))
    assert "RETRACTED  Withdrawn trial" in row
    assert "RETRACTED Withdrawn trial" in detail_text(seed_list)  # the card as well
    assert not any("RETRACTED" in line or "via retracted" in line
                   for line in seed_list if line.startswith(("       2 ", "       3 ", "       4 ")))
    row = next(line for line in citing_10 if line.startswith("      11 "))
    assert "via retracted 10  Follow-up of the withdrawn trial" in row
    assert "via retracted 10: it descends from the seed 1 through the retracted paper 10" in detail_text(citing_10)


def test_a_seed_without_a_record_keeps_its_paths_and_count_once_the_graph_is_loaded(small_store):
    with Store(small_store) as store:
        data = BrowseData(store)
        before = data.path_from("99", "8"), data.cited_by_count("99")
        data.load_overview("99", in_process=True)
        assert data.overview_error is None
        assert (data.path_from("99", "8"), data.cited_by_count("99")) == before == (["99", "4", "8"], 1)


def test_the_pagerank_column_says_it_is_relative_to_the_average_paper(small_store):
    async def main():
        with Store(small_store) as store:
            app = BrowseApp(BrowseData(store), "1")
            async with app.run_test(size=(160, 40)) as pilot:
                await overview_ready(app, pilot)
                lines = screen_lines(app)
                await pilot.press("question_mark")
                return app.data.pagerank, lines, "\n".join(screen_lines(app))

    pagerank, lines, keys = asyncio.run(main())
    header = next(line for line in lines if "PMID" in line and "title" in line)
    assert "PR×avg" in header
    row = next(line for line in lines if line.startswith("       2 "))
    value = row[header.index("PR×avg"):header.index("PR×avg") + 6]
    assert value == f"{pagerank['2'] * len(pagerank):6.1f}"  # raw × papers in the graph
    assert "PR×avg" in keys and "PageRank relative to the average paper of the graph (1.0 = average" in keys
