"""The analysis commands' tables at the widths terminals have: the short columns (PMID, year,
counts) stay whole and the long ones (titles, bars) give way."""

from __future__ import annotations

import io

from rich.console import Console

from citegraph.views.analysis import ranking_table, related_table, timeline_table

LONG = "Variable activation of the DNA damage response pathways in patients undergoing " * 3


def render(renderable, width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    console.print(renderable)
    return console.file.getvalue().splitlines()


def body_rows(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("│")]


def test_timeline_bars_shrink_before_the_years_do():
    result = {"seed": "1", "papers": 1041, "undated": 0, "groups": {}, "years": {2015: 1, 2016: 40, 2021: 1000}}
    for width, widest in ((100, 40), (50, None)):
        rows = body_rows(render(timeline_table(result), width))
        assert [r.split("│")[1].strip() for r in rows] == ["2015", "2016", "2021"]
        assert [r.split("│")[2].strip() for r in rows] == ["1", "40", "1000"]
        bars = [r.split("│")[3].strip() for r in rows]
        assert bars[0] == "█"  # one paper in a thousand still shows
        assert all(len(r) <= width for r in rows)
        if widest:
            assert len(bars[2]) == widest and len(bars[1]) == round(40 / 1000 * widest)
        else:  # the bar column took the cut: the widest bar fills what is left of the line
            assert len(rows[2]) == width and bars[2] == "█" * len(bars[2])


def test_ranked_rows_are_one_line_each_and_the_flag_column_comes_with_a_flag():
    rows = [{"pmid": "25609688", "generation": 1, "citations": 12, "score": 0.0121},
            {"pmid": "27602157", "generation": 2, "citations": 3, "score": 0.0042}]
    papers = {"25609688": {"year": 2015, "title": LONG}, "27602157": {"year": 2016, "title": "Short."}}
    for width in (80, 120):
        lines = render(ranking_table(rows, papers, title="top", score_label="PageRank"), width)
        assert "flag" not in lines[2] and "PMID" in lines[2] and "PageRank" in lines[2]
        first, second = body_rows(lines)  # one line per paper
        assert "25609688" in first and "2015" in first and first.rstrip().endswith("…│")
        assert "Short." in second and all(len(line) <= width for line in lines)
    papers["27602157"]["retracted"] = True
    lines = render(ranking_table(rows, papers, title="top", score_label="cited by"), 80)
    assert "flag" in lines[2] and "RETRACTED" in body_rows(lines)[1]


def test_related_rows_are_one_line_each():
    rows = [{"pmid": "25609688", "co_cited": 4, "coupled": 1}, {"pmid": "9", "co_cited": 0, "coupled": 2}]
    papers = {"25609688": {"year": 2015, "title": LONG}}
    lines = render(related_table(rows, papers, title="related"), 80)
    first, second = body_rows(lines)
    assert "25609688" in first and "2015" in first and first.rstrip().endswith("…│")
    assert "(no stored record)" in second
