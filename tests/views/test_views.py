"""Views render to a plain console; untrusted text stays literal and inert."""

from __future__ import annotations

import io

from rich.console import Console

from citegraph.models import Article, Author, CommentCorrection
from citegraph.views.article import article_card
from citegraph.views.safe import clean
from citegraph.views.tables import crawl_summary, ranked_table
from citegraph.views.tree import generation_tree

HOSTILE = (
    "[bold red]pwned[/] [link=https://evil.example]click[/link] [/ "
    "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ "
    "\x1b]52;c;ZXZpbA==\x07 \x9b31m c1 \u202egnp.exe\u202c"
)



def render(renderable, width=100) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    console.print(renderable)
    return console.file.getvalue()


def test_clean_makes_controls_visible_and_inert():
    out = clean(HOSTILE)
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert "\u202e" not in out and "\u202c" not in out
    assert "\u241b" in out  # ESC shown as the control picture
    assert "<U+202E>" in out
    assert "[bold red]pwned[/]" in out  # markup text kept literally


def test_card_shows_hostile_title_literally():
    article = Article(pmid="1", title=HOSTILE, abstract=HOSTILE, year=1987, journal=HOSTILE,
                      authors=[Author(last_name=HOSTILE, initials="X")])
    out = render(article_card(article, cited_by=3, cites=0))
    assert "[bold red]pwned[/]" in out
    assert "[link=https://evil.example]click[/link]" in out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out


def test_card_flags_retraction_and_counts():
    article = Article(pmid="2", title="Fraudulent results", year=2001,
                      comments_corrections=[CommentCorrection("RetractionIn", "3")])
    out = render(article_card(article, cited_by=12, cites=4))
    assert "RETRACTED" in out
    assert "cited by 12 stored papers" in out and "cites 4 stored papers" in out
    one = render(article_card(article, cited_by=1, cites=1))
    assert "cited by 1 stored paper " in one and "cites 1 stored paper" in one and "papers" not in one


def test_tree_and_table_render_literal_titles_at_80_columns():
    articles = {p: Article(pmid=p, title=f"[i]paper {p}[/i] \x1b[2J", year=1990 + int(p)) for p in "1234"}
    tree = render(generation_tree("1", {"2": "1", "3": "1", "4": "2"}, {"1": 2, "2": 1}, articles.get), width=80)
    assert "[i]paper 4[/i]" in tree and "\x1b" not in tree
    lines = tree.splitlines()
    # 4 sits under 2, indented one level deeper than 2
    line2 = next(i for i, l in enumerate(lines) if "paper 2" in l)
    line4 = next(i for i, l in enumerate(lines) if "paper 4" in l)
    assert line4 == line2 + 1 and lines[line4].index("4") > lines[line2].index("2")
    table = render(ranked_table([("2", 1), ("3", 0)], articles.get, title="top"), width=80)
    assert "[i]paper 2[/i]" in table
    assert all(len(l) <= 80 for l in table.splitlines())


def test_table_keeps_pmid_year_and_count_whole_and_cuts_a_long_title_to_one_line():
    long_title = "Variable activation of the DNA damage response pathways in patients undergoing " * 3
    articles = {"25609688": Article(pmid="25609688", title=long_title, year=2015),
                "27602157": Article(pmid="27602157", title="Short.", year=2016)}
    for width in (80, 120):
        table = render(ranked_table([("25609688", 12), ("27602157", 3)], articles.get, title="top"), width=width)
        lines = table.splitlines()
        assert "#" in lines[2] and "PMID" in lines[2] and "year" in lines[2] and "cited by" in lines[2]
        first = next(l for l in lines if "25609688" in l)
        assert "2015" in first and "12" in first and first.rstrip().endswith("…│")
        assert "27602157" in table and "Short." in table
        assert len(lines) == 7 and all(len(l) <= width for l in lines)  # title, header, 2 rows: one line each


def test_ranked_table_flags_a_retracted_paper_as_the_analysis_tables_do():
    articles = {"2": Article(pmid="2", title="kept", year=2001),
                "3": Article(pmid="3", title="withdrawn", year=2002, publication_types=["Retracted Publication"]),
                "4": Article(pmid="4", title="retracted by notice", year=2003,
                             comments_corrections=[CommentCorrection(ref_type="RetractionIn", pmid="9")])}
    lines = render(ranked_table([("2", 5), ("3", 4), ("4", 3)], articles.get, title="top"), width=100).splitlines()
    assert "flag" in lines[2]
    rows = {line.split("│")[2].strip(): line for line in lines if line.startswith("│")}
    assert "RETRACTED" not in rows["2"]
    assert "RETRACTED" in rows["3"] and "RETRACTED" in rows["4"]
    clean_only = render(ranked_table([("2", 5)], articles.get, title="top"), width=100)
    assert "flag" not in clean_only  # no flag, no column


def test_tree_shows_how_often_a_paper_is_cited_even_when_its_title_is_cut():
    articles = {p: Article(pmid=p, title="A very long title about interleukin-2 " * 4, year=1990) for p in "1234"}
    lines = render(generation_tree("1", {"2": "1", "3": "2", "4": "2"}, {"1": 1, "2": 2}, articles.get),
                   width=60).splitlines()
    line2 = next(line for line in lines if "2  1990" in line)
    assert "(2 cite it)" in line2 and line2.endswith("…") and len(line2) <= 60


def test_tree_truncates_with_count():
    tree = render(generation_tree("1", {str(p): "1" for p in range(2, 30)}, {"1": 28}, lambda p: None, per_node=5))
    assert "… 23 more" in tree


def test_crawl_summary_reports_requests_per_paper():
    out = render(crawl_summary({"crawl_id": 1, "status": "new", "complete": True, "members": 200,
                                "generations": {0: 1, 1: 199}, "articles_fetched": 200, "citations_added": 250,
                                "links_reported": 300, "requests": 4, "elapsed": 1.5, "missing": [], "excluded": 0,
                                "over_budget": 0, "failed": []}))
    assert "0.020 per paper" in out and "1: 199" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["new", "citations", "250"] in lines and ["new", "links", "reported", "300"] in lines
