"""The browser driven by Textual's Pilot over a hand-made store (see conftest.PAPERS).

Expected lists are worked out by hand from PAPERS: papers citing 1 are 2 (1990), 3 (1985)
and 4 (2000); in-store citations: 2 <- 4, 5, 6 (3); 3 <- 6 (1); 4 <- 8 (1).
"""

from __future__ import annotations

import asyncio

from conftest import overview_ready, screen_lines

from citegraph.store import Store
from citegraph.tui import BrowseApp, BrowseData, parse_filter
from citegraph.tui.data import compute_overview
from citegraph.tui.keybar import KeyBar
from citegraph.tui.app import FILTER_DELAY, MAIN_KEYS
from citegraph.tui.paper_list import PaperList


def browse(path, script, *, size=(100, 30), seed="1", load_graph=True):
    """Run the app on the store at ``path`` and ``await script(app, pilot)`` inside it."""

    async def main():
        with Store(path) as store:
            app = BrowseApp(BrowseData(store), seed, load_graph=load_graph)
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                if load_graph:
                    await overview_ready(app, pilot)
                result = await script(app, pilot)
            return app, result

    return asyncio.run(main())


def test_opens_on_the_seed_newest_first_then_sorts(small_store):
    async def script(app, pilot):
        text = "\n".join(screen_lines(app))
        assert "Seed paper on lymphokine-activated killer cells" in text
        assert "Chimeric antigen receptor T cells" in text  # first row, also in the detail pane
        assert app.data.pagerank is not None  # the overview arrived
        orders = [(app.sort, list(app.shown))]
        await pilot.press("s")  # cited by, most first; 4 and 3 tie on 1 and go by PMID, higher first
        orders.append((app.sort, list(app.shown)))
        await pilot.press("s")  # PageRank: 2 is cited by three papers, 3 and 4 by one each
        orders.append((app.sort, list(app.shown)))
        await pilot.press("S")
        orders.append((app.sort, list(app.shown)))
        return orders

    _, orders = browse(small_store, script)
    assert orders[0] == ("year", ["4", "2", "3"])
    assert orders[1] == ("cited by", ["2", "4", "3"])
    assert orders[2][0] == "PageRank" and orders[2][1][0] == "2"
    assert orders[3][1] == list(reversed(orders[2][1]))


def test_follow_back_references_and_home(small_store):
    async def script(app, pilot):
        seen = []
        await pilot.press("down")  # 4 -> 2
        await pilot.press("enter")
        seen.append((app.current, sorted(app.shown)))
        await pilot.press("enter")  # follow the first citing paper of 2: 4 (2000) is newest
        seen.append((app.current, list(app.shown)))
        await pilot.press("backspace")
        seen.append((app.current, sorted(app.shown)))
        await pilot.press("b")
        seen.append((app.current, sorted(app.shown)))
        await pilot.press("up", "up")  # row 0: paper 4
        await pilot.press("enter", "r")  # the papers 4 cites: 1, 2 and 99 (outside the store)
        seen.append((app.current, app.direction, sorted(app.shown)))
        seen.append("\n".join(screen_lines(app)))
        await pilot.press("h")
        seen.append((app.current, app.history[-1][0]))
        return seen

    _, seen = browse(small_store, script)
    assert seen[0] == ("2", ["4", "5", "6"])
    assert seen[1] == ("4", ["8"])
    assert seen[2] == ("2", ["4", "5", "6"])
    assert seen[3] == ("1", ["2", "3", "4"])
    assert seen[4] == ("4", "references", ["1", "2", "99"])
    assert "(not in the store)" in seen[5]
    assert seen[6] == ("1", "4")


def test_filter_by_words_years_and_topic(small_store):
    async def script(app, pilot):
        results = []
        for query in ("beta", "1986-2001", "topic:car-t"):
            await pilot.press("slash")
            app.query_one("#filter").value = query
            await pilot.press("enter")
            results.append(sorted(app.shown))
        await pilot.press("escape")
        results.append(sorted(app.shown))
        return results

    _, results = browse(small_store, script)
    assert results == [["3"], ["2", "4"], ["4"], ["2", "3", "4"]]


def test_parse_filter():
    f = parse_filter("CAR t 2010-2015 topic:til")
    assert (f.words, f.since, f.until, f.topics) == (("car", "t"), 2010, 2015, ("til",))
    assert (parse_filter("-1999").since, parse_filter("-1999").until) == (None, 1999)
    assert (parse_filter("2003").since, parse_filter("2003").until) == (2003, 2003)


def test_path_from_the_seed(small_store):
    async def script(app, pilot):
        await pilot.press("down", "enter")  # paper 2
        await pilot.press("down", "down", "enter")  # citing 2, newest first: 4, 6, 5 -> 5
        await pilot.press("p")  # highlighted: 7 (the only paper citing 5)
        screen = "\n".join(screen_lines(app))
        await pilot.press("escape")
        return screen, app.current, app.highlighted

    app, (screen, current, highlighted) = browse(small_store, script)
    assert (current, highlighted) == ("5", "7")
    assert "3 citation steps" in screen
    lines = [line for line in screen.splitlines() if "Seed paper" in line or "Alpha lymphocyte" in line
             or "Delta follow-up" in line or "Zeta extension" in line]
    order = [next(n for n in ("Seed", "Alpha", "Delta", "Zeta") if n in line) for line in lines]
    assert order[-4:] == ["Seed", "Alpha", "Delta", "Zeta"], screen


def test_paths_before_the_overview_arrives_come_from_sql(small_store):
    with Store(small_store) as store:
        data = BrowseData(store)
        assert data.overview is None
        assert data.path_from("1", "7") == ["1", "2", "5", "7"]
        assert data.path_from("1", "8") == ["1", "4", "8"]  # 8 cites 4, which cites 1 directly
        assert data.path_from("3", "8") is None
        assert data.search_path("1", "7") == ["1", "2", "5", "7"]  # a worker's own connection
        assert data.search_path("1", "7", cancelled=lambda: True) is None
        data.overview_in_process(False)
        data.overview_slice = 3  # the overview arrives in slices of 3 entries per dict
        data.load_overview("1", in_process=False)  # the large-store route: another process
        assert data.overview_error is None and data.topic_names
        assert data.overview == compute_overview(small_store, "1")
        assert data.path_from("1", "8") == ["1", "4", "8"]
        assert data.cited_by_counts(["2", "3", "99"]) == {"2": 3, "3": 1, "99": 0}


def test_timeline_keys_and_quit(small_store):
    async def script(app, pilot):
        await pilot.press("t")
        timeline = "\n".join(screen_lines(app))
        await pilot.press("escape", "question_mark")
        keys = "\n".join(screen_lines(app))
        await pilot.press("escape", "q")
        return timeline, keys

    app, (timeline, keys) = browse(small_store, script, size=(120, 40))
    assert "3 papers citing 1, per year" in timeline
    for year in ("1985", "1990", "2000"):
        assert year in timeline
    assert "path from the seed" in keys
    assert not app.is_running


def test_narrow_terminal_and_mouse(small_store):
    async def script(app, pilot):
        narrow = app.query_one("#main").has_class("narrow")
        lines = screen_lines(app)
        await pilot.click(PaperList, offset=(5, 1))  # row 1: paper 2
        first = (app.current, app.highlighted)
        await pilot.click(PaperList, offset=(5, 1))  # a second click on the highlighted row follows it
        return narrow, lines, first, app.current

    _, (narrow, lines, first, current) = browse(small_store, script, size=(80, 24))
    assert narrow
    assert all(len(line) <= 80 for line in lines)
    # the key line shows whole keys only: none cut to its letter, no ellipsis
    keys = next(line for line in lines if "follow" in line and "quit" in line)
    assert "…" not in keys and keys.split()[-1] in {what for _, what, _ in MAIN_KEYS}
    assert any("Chimeric antigen receptor" in line for line in lines)
    assert first == ("1", "2")
    assert current == "2"


def test_browse_command_needs_a_terminal(small_store, capsys):
    from citegraph import cli

    code = cli.main(["--cache-dir", str(small_store.parent), "browse", "1"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("citegraph: error: browse needs a terminal") and len(err.splitlines()) == 1


def test_the_overview_arriving_under_a_pop_up(small_store):
    async def script(app, pilot):
        await pilot.press("t")  # the timeline is open when the overview arrives
        app.load_graph()
        await overview_ready(app, pilot)
        screen = type(app.screen).__name__
        await pilot.press("escape", "s")
        return screen, app.sort, list(app.shown), "\n".join(screen_lines(app))

    app, (screen, sort, shown, text) = browse(small_store, script, load_graph=False)
    assert screen == "InfoScreen" and app.return_code in (None, 0)
    assert (sort, shown) == ("cited by", ["2", "4", "3"])
    assert "loading" not in text


def test_the_list_follows_typing_in_the_filter_box(small_store):
    async def script(app, pilot):
        seen = []
        await pilot.press("slash", "b", "e", "t")
        seen.append((list(app.shown), app.query_one(KeyBar).display))  # within the delay: not yet
        await pilot.pause(FILTER_DELAY * 3)
        seen.append(sorted(app.shown))  # "bet": Beta cytokine trial
        await pilot.press("backspace", "backspace", "backspace")
        await pilot.pause(FILTER_DELAY * 3)
        seen.append(sorted(app.shown))
        await pilot.press("a", "l", "p", "enter")  # Enter applies at once and goes back to the list
        seen.append((sorted(app.shown), app.focused is app.query_one(PaperList), app.query_one(KeyBar).display))
        await pilot.press("slash", "x", "escape")  # Esc in the box clears the filter and closes the box
        await pilot.pause(FILTER_DELAY * 2)
        seen.append((sorted(app.shown), app.focused is app.query_one(PaperList), app.query_one(KeyBar).display))
        return seen

    _, seen = browse(small_store, script, load_graph=False)
    assert seen[0] == (["4", "2", "3"], False)  # the filter box is in the key line's place
    assert seen[1] == ["3"]
    assert seen[2] == ["2", "3", "4"]
    assert seen[3] == (["2"], True, True)  # "alp": Alpha lymphocyte study
    assert seen[4] == (["2", "3", "4"], True, True)


def test_the_key_line_is_clickable(small_store):
    async def script(app, pilot):
        bar = app.query_one(KeyBar)
        start = next(start for start, _, action in bar._spans if action == "next_sort")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        return app.sort, "s sort" in "\n".join(screen_lines(app))

    _, (sort, shown) = browse(small_store, script, load_graph=False)
    assert sort == "cited by" and shown


def test_the_path_pop_up_waits_for_the_search_behind_a_placeholder(small_store):
    import threading

    release = threading.Event()

    async def script(app, pilot):
        search = app.data.search_path

        def slow(seed, pmid, cancelled):
            release.wait(10)
            return search(seed, pmid, cancelled=cancelled)

        app.data.search_path = slow
        await pilot.press("down", "p")  # paper 2, before the overview: a search on a worker
        before = "\n".join(screen_lines(app))
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        return before, "\n".join(screen_lines(app))

    _, (before, after) = browse(small_store, script, load_graph=False)
    assert "searching the store" in before and "citation step" not in before
    assert "1 citation step" in after and "Alpha lymphocyte" in after and "searching" not in after


def test_a_failing_path_search_is_reported_in_the_pop_up(small_store):
    async def script(app, pilot):
        def broken(seed, pmid, cancelled):
            raise OSError("disk gone")

        app.data.search_path = broken
        await pilot.press("down", "p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        return "\n".join(screen_lines(app)), app.is_running

    _, (screen, running) = browse(small_store, script, load_graph=False)
    assert "The path search failed: OSError: disk gone" in screen and running
