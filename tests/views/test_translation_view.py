"""The road-to-the-clinic views: 80 columns, marks on the year axis, hostile topic names inert."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from citegraph.analysis.translation import MILESTONES
from citegraph.views.translation import MARKS, MilestoneChart, milestone_table, translation_view

HOSTILE = "[bold red]pwned[/] \x1b[31mred\x1b[0m \x1b]52;c;ZXZpbA==\x07 \u202egnp.exe"


def render(renderable, width=80) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    console.print(renderable)
    return console.file.getvalue()


def at(pmid, year):
    return {"pmid": pmid, "year": year}


def part(papers, first=None, **steps):
    names = dict(zip(("p1", "p2", "p3", "rct", "meta", "guide"), MILESTONES))
    return {"papers": papers, "first": first,
            "milestones": {m: steps.get(short) for short, m in names.items()}}


def result():
    return {
        "seed": "90000001", "descendants": 1234, "undated": 3, "clinical_basis": "publication types",
        "overall": part(1234, at("90000002", 1987), p1=at("90000096", 1990), p2=at("90000156", 1992),
                        rct=at("90000303", 1996), meta=at("90000375", 1997), guide=at("90000656", 2024)),
        "topics": [
            {"key": "car-t", "name": "CAR-T cells", **part(550, at("90001244", 2011), p1=at("90001756", 2016),
                                                            p2=at("90001755", 2016), p3=at("90002037", 2018))},
            {"key": "x", "name": HOSTILE, **part(2, at("90000042", 1988))},
            {"key": "empty", "name": "Dendritic-cell vaccines", **part(0)},
            {"key": "late", "name": "Undated only", **part(1, at("90000777", None))},
        ],
        "clinical_share": [{"from": 1985, "to": 1989, "papers": 85, "clinical": 0, "share": 0.0},
                           {"from": 1990, "to": 1994, "papers": 0, "clinical": 0, "share": None},
                           {"from": 2020, "to": 2024, "papers": 780, "clinical": 99, "share": 99 / 780}],
    }


@pytest.mark.parametrize("width", [80, 120])
def test_everything_fits_the_width(width):
    out = render(translation_view(result(), lens_name="cell-therapy"), width)
    assert max(len(line) for line in out.splitlines()) <= width
    for pmid in ("90000096", "90000156", "90000303", "90000375", "90000656", "90002037"):
        assert pmid in out  # every milestone PMID is in the table, whole
    assert "12.7%" in out and "1990–1994" in out  # the empty bin keeps its row, without a share


def test_hostile_topic_names_stay_inert():
    out = render(translation_view(result()))
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "[bold red]pwne" in out  # markup shown literally (the chart cuts the name), not applied


def test_chart_marks_sit_at_their_years():
    lines = render(MilestoneChart(result()), 80).splitlines()
    label = 16
    axis = next(line for line in lines if "1990" in line)
    x1990 = axis.index("1990")
    overall = lines[0]
    assert overall.startswith("all descendants")
    # 1987..2024 on one axis: a mark's column is its year's offset from the axis's 1990
    step = (axis.index("2000") - x1990) // 10
    column = lambda year: x1990 + (year - 1990) * step  # noqa: E731
    assert overall[column(1987)] == MARKS["first"][1]
    assert overall[column(1990)] == "1" and overall[column(1992)] == "2"
    assert overall[column(1996)] == "R" and overall[column(1997)] == "M" and overall[column(2024)] == "G"
    car = lines[1]
    # Phase I and Phase II share 2016: the one further down the road is shown
    assert car[column(2016)] == "2" and car[column(2018)] == "3" and car[column(2011)] == "o"
    assert car[label:column(2011)].strip() == ""
    assert "no papers" in lines[3] and "undated papers only" in lines[4]


def test_table_rows_and_dashes():
    out = render(milestone_table(result()), 100)
    assert "all descendants" in out and "1,234" in out and "CAR-T cells" in out
    assert "–" in out  # a milestone not reached


def test_nothing_to_chart():
    empty = {**result(), "overall": part(0), "topics": [], "clinical_share": []}
    assert "no dated first paper" in render(MilestoneChart(empty))
