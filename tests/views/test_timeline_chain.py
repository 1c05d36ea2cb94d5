"""Timeline bar charts, and the CLI's width and NO_COLOR handling (the pager: tests/test_cli_pager.py)."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from citegraph import cli
from citegraph.config import Settings
from citegraph.crawl import SOURCE_RECORD
from citegraph.models import Article
from citegraph.store import Store
from citegraph.views.timeline import FILLS, OTHER, timeline_chart, timeline_from_analysis

COLOUR = re.compile(r"\x1b\[[0-9;]*m")
LINK = re.compile(r"\x1b\]8;[^\x1b]*\x1b\\")  # OSC 8 hyperlinks (ours: PubMed, DOI, PMC)


def render(renderable, width=100, **options) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, **options)
    console.print(renderable)
    return console.file.getvalue()


def bars(out: str) -> dict[int, str]:
    """{year: the bar of that year's line}."""
    found = {}
    for line in out.splitlines():
        match = re.match(r"^(\d{4}) (.*?)\s*(\d[\d,]*)$", line)
        if match:
            found[int(match.group(1))] = match.group(2).rstrip()
    return found


def test_bars_scale_to_the_widest_year_and_fill_gaps():
    out = render(timeline_chart({2000: 40, 2003: 10}), width=100)
    got = bars(out)
    assert sorted(got) == [2000, 2001, 2002, 2003]
    room = 100 - 5 - 1 - 2  # "2000 " + one space + two digits
    assert len(got[2000]) == room and set(got[2000]) == {FILLS[0]}
    assert len(got[2003]) == round(room / 4)
    assert got[2001] == "" and got[2002] == ""
    assert re.search(r"^2001 \s+0$", out, re.M)


def test_stacks_by_topic_in_proportion_with_a_legend():
    out = render(timeline_chart({1990: {"TIL": 30, "CAR-T": 10}, 1991: {"CAR-T": 40}}), width=100)
    got = bars(out)
    # TIL and CAR-T both have 40 papers: a tie goes alphabetically, so CAR-T stacks first
    assert got[1990] == FILLS[0] * 23 + FILLS[1] * 69  # 10/40 and 30/40 of a 92-cell bar
    assert got[1991] == FILLS[0] * 92
    legend = out.splitlines()[-1]
    assert legend == f"{FILLS[0]} CAR-T  {FILLS[1]} TIL"


def test_a_year_with_one_paper_still_shows_a_bar():
    got = bars(render(timeline_chart({2000: 1000, 2001: 1}), width=80))
    assert len(got[2001]) == 1


def test_timeline_fits_80_columns_and_keeps_recent_years():
    out = render(timeline_chart({y: y - 1900 for y in range(1950, 2021)}, title="papers", max_years=10), width=80)
    assert all(len(line) <= 80 for line in out.splitlines())
    assert sorted(bars(out)) == list(range(2011, 2021))
    assert "61 earlier years not shown" in out


def test_timeline_from_the_analysis_shape_prints_paper_totals():
    result = {"years": {1990: 5, 1991: 3}, "groups": {"a": {1990: 5, 1991: 1}, "b": {1991: 3}}}
    out = render(timeline_from_analysis(result))
    lines = {int(l[:4]): l for l in out.splitlines() if l[:4].isdigit()}
    assert lines[1991].endswith(" 3") and lines[1990].endswith(" 5")  # not 4: a paper sits in two stacks
    bar = bars(out)[1991]  # 4 stacked of 1990's 5 on a 93-cell room: 74 cells, a quarter of them for "a"
    assert len(bar) == round(4 * 93 / 5) and abs(bar.count(FILLS[0]) - 74 / 4) <= 0.5
    assert bar == FILLS[0] * bar.count(FILLS[0]) + FILLS[1] * (74 - bar.count(FILLS[0]))
    assert f"{FILLS[0]} a  {FILLS[1]} b" in out
    assert "no papers" in render(timeline_chart({}))


def test_timeline_honours_no_color():
    chart = timeline_chart({1990: {"TIL": 3, OTHER: 1}})
    coloured = Console(file=io.StringIO(), width=80, force_terminal=True, color_system="truecolor")
    coloured.print(chart)
    plain = Console(file=io.StringIO(), width=80, force_terminal=True, color_system="truecolor", no_color=True)
    plain.print(chart)
    assert COLOUR.search(coloured.file.getvalue())
    assert not re.search(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;)", plain.file.getvalue())
    assert FILLS[0] in plain.file.getvalue() and FILLS[1] in plain.file.getvalue()


@pytest.fixture
def stored(tmp_path):
    cache = tmp_path / "cg"
    with Store(Settings.from_env(data_dir=cache).store_path) as store, store.transaction():
        articles = [Article(pmid=str(p), year=1990 + p, title=f"Paper {p} " + "about lymphocytes " * 8,
                            journal="J Tests", abstract="word " * 200) for p in range(1, 40)]
        store.put_articles(articles, source="test")
        store.add_citations([(str(p), "1") for p in range(2, 40)], SOURCE_RECORD)
    return cache


def test_show_fits_80_columns_and_honours_no_color(stored, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert cli.main(["--cache-dir", str(stored), "show", "1", "--limit", "5"]) == 0
    coloured = capsys.readouterr().out
    assert COLOUR.search(coloured) and re.search(r"\x1b\[[0-9;]*3[0-9]", coloured)
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli.main(["--cache-dir", str(stored), "show", "1", "--limit", "5"]) == 0
    plain = capsys.readouterr().out
    assert not re.search(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;)", plain)
    text = LINK.sub("", COLOUR.sub("", plain))
    assert "… 33 more" in text and "Paper 6 " in text
    assert all(len(line) <= 80 for line in text.splitlines())
