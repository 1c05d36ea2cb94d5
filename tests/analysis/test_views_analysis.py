import io

from rich.console import Console

from citegraph.analysis.mainpath import shorten
from citegraph.views.analysis import (big, chains_view, mainpath_view, ranking_table, related_table, timeline_table,
                                      topics_table)


def render(renderable, width: int = 100) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


PAPERS = {
    "1": {"year": 1987, "title": "Seed [bold]paper[/bold] \x1b]52;c;ZXZpbA==\x07", "retracted": False,
          "via_retracted": None},
    "2": {"year": 1990, "title": "Withdrawn", "retracted": True, "via_retracted": None},
    "3": {"year": 1995, "title": "Leans on it", "retracted": False, "via_retracted": "2"},
}


def test_chain_neutralises_titles_and_flags_retractions():
    out = render(chains_view([["1", "2", "3"]], PAPERS, title="chains", link="cited by"))
    assert "[bold]paper[/bold]" in out  # markup shown literally, not interpreted
    assert "\x1b" not in out and "␛" in out  # the escape sequence made visible and inert
    assert "RETRACTED" in out and "via retracted 2" in out


def test_a_long_title_in_a_chain_wraps_under_its_paper_not_under_the_link():
    papers = {**PAPERS, "4": {"year": 2001, "title": "Adoptive transfer of tumor-infiltrating lymphocytes "
                                                     "induces tumor regression in advanced solid tumors."}}
    lines = render(chains_view([["1", "4"]], papers, title="chains", link="cited by"), width=60).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  cited by 4  2001  Adoptive"))
    follow = lines[at + 1]
    indent = len("  cited by ")
    assert follow[:indent] == " " * indent and follow[indent] != " "
    assert follow.split()[0] in papers["4"]["title"]
    assert all(len(line) <= 60 for line in lines)


def test_mainpath_view_handles_huge_and_unknown_counts():
    link = {"cited": "1", "citing": "2", "spc": 10 ** 40, "share": 0.5}
    result = {"paper_count": 2, "citation_count": 1, "total_paths": 2 * 10 ** 40, "dropped_cycle_links": [],
              "main_path": ["1", "2"], "main_path_links": [link], "key_routes": [], "search": "global"}
    assert "SPC 1.00e40" in render(mainpath_view(result, PAPERS))
    unknown = {**result, "total_paths": None, "log10_total_paths": 812.4,
               "main_path_links": [{**link, "spc": None}]}
    out = render(mainpath_view(unknown, PAPERS))
    assert "about 10^812" in out and "share 0.5" in out
    assert big(999) == "999" and big(1234567890123) == "1.23e12"


def test_shortened_main_path_shows_its_ends_and_what_is_left_out():
    chain = [str(i) for i in range(1, 11)]
    links = [{"cited": u, "citing": v, "spc": int(v) * 10, "share": 0.1} for u, v in zip(chain, chain[1:])]
    result = {"paper_count": 10, "citation_count": 9, "total_paths": 100, "dropped_cycle_links": [],
              "main_path": chain, "main_path_links": links, "search": "global",
              "key_routes": [{"link": links[4], "path": chain}], "key_route_links": links}
    short = shorten(result, 5)
    assert short["main_path"] == ["1", "2", "3", "9", "10"] and short["main_path_omitted"] == 5
    assert [(k["cited"], k["citing"]) for k in short["main_path_links"]] == [("1", "2"), ("2", "3"), ("9", "10")]
    assert short["key_routes"][0]["path"] == short["main_path"] and short["key_routes"][0]["omitted"] == 5
    assert [k["citing"] for k in short["key_route_links"]] == ["2", "3", "10"]
    assert shorten(result, 10) == {**result, "main_path_omitted": 0,
                                   "key_routes": [{**result["key_routes"][0], "omitted": 0}]}
    assert shorten(result, 0) == result
    out = render(mainpath_view(short, PAPERS))
    assert out.count("… 5 more papers …") == 2  # the main path and the key route
    assert "(10 papers," in out and "SPC 30" in out and "SPC 100" in out and "SPC 90" not in out
    lines = out.splitlines()
    gap = lines.index("  … 5 more papers …")
    assert lines[gap - 1].startswith("  ↳ SPC 30 3  1995")
    assert lines[gap + 1].startswith("   9  ----")  # no SPC: its link in is not shown


def test_topics_table_marks_a_path_through_a_retracted_paper():
    rows = [{"key": "x", "name": "X", "papers": 2, "first_year": 1990, "peak_year": 1995, "earliest": "3",
             "most_cited": {"pmid": "3", "citations": 4}, "path_to_earliest": ["1", "2", "3"]}]
    out = render(topics_table(rows, PAPERS, title="topics"))
    assert "1 → 2 → 3" in out and "through a RETRACTED paper" in out


# -- the tables at the widths terminals have: the short columns (PMID, year, counts) stay
# whole and the long ones (titles, bars) give way

LONG = "Variable activation of the DNA damage response pathways in patients undergoing " * 3


def body_rows(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("│")]


def test_timeline_bars_shrink_before_the_years_do():
    result = {"seed": "1", "papers": 1041, "undated": 0, "groups": {}, "years": {2015: 1, 2016: 40, 2021: 1000}}
    for width, widest in ((100, 40), (50, None)):
        rows = body_rows(render(timeline_table(result), width).splitlines())
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
        lines = render(ranking_table(rows, papers, title="top", score_label="PageRank"), width).splitlines()
        assert "flag" not in lines[2] and "PMID" in lines[2] and "PageRank" in lines[2]
        first, second = body_rows(lines)  # one line per paper
        assert "25609688" in first and "2015" in first and first.rstrip().endswith("…│")
        assert "Short." in second and all(len(line) <= width for line in lines)
    papers["27602157"]["retracted"] = True
    lines = render(ranking_table(rows, papers, title="top", score_label="cited by"), 80).splitlines()
    assert "flag" in lines[2] and "RETRACTED" in body_rows(lines)[1]


def test_related_rows_are_one_line_each():
    rows = [{"pmid": "25609688", "co_cited": 4, "coupled": 1}, {"pmid": "9", "co_cited": 0, "coupled": 2}]
    papers = {"25609688": {"year": 2015, "title": LONG}}
    lines = render(related_table(rows, papers, title="related"), 80).splitlines()
    first, second = body_rows(lines)
    assert "25609688" in first and "2015" in first and first.rstrip().endswith("…│")
    assert "(no stored record)" in second
