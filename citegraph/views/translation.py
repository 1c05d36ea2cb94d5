"""Renderables for the road to the clinic (:func:`citegraph.analysis.translation.translation`):
a table of each topic's first paper and milestones (year over PMID), a chart of the milestones
on a year axis, and the share of clinical articles per bin.

The chart takes the width the console gives it and stays readable in 80 columns: one line per
topic, one mark per milestone at its year (a year holding several shows the one furthest down
the road), each mark a letter so that it reads without colour. Topic names come from the
user's lens file and pass through :mod:`.safe`.
"""

from __future__ import annotations

from typing import Mapping

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from .safe import clean, text

__all__ = ["MARKS", "milestone_table", "MilestoneChart", "clinical_share_table", "translation_view"]

#: (column heading, chart mark, colour) of the first paper and of each milestone, in road order
MARKS: dict[str, tuple[str, str, str]] = {
    "first": ("first\npaper", "o", "white"),
    "Clinical Trial, Phase I": ("Phase\nI", "1", "cyan"),
    "Clinical Trial, Phase II": ("Phase\nII", "2", "cyan"),
    "Clinical Trial, Phase III": ("Phase\nIII", "3", "bright_cyan"),
    "Randomized Controlled Trial": ("\nRCT", "R", "magenta"),
    "Meta-Analysis": ("Meta-\nanalysis", "M", "yellow"),
    "Practice Guideline": ("Guide-\nline", "G", "green"),
}
_LEGEND = (("o", "first paper"), ("1 2 3", "Phase I II III"), ("R", "RCT"), ("M", "meta-analysis"),
           ("G", "guideline"))
_ALL = "all descendants"
_LABEL = 16  # columns for a topic's name in the chart


def _rows(result: Mapping) -> list[tuple[str, int, dict]]:
    """(name, papers, {mark key: {"pmid", "year"} or None}) of the overall row, then each topic's."""
    rows = []
    for name, part in [(_ALL, result["overall"])] + [(t["name"], t) for t in result["topics"]]:
        rows.append((name, part["papers"], {"first": part["first"], **part["milestones"]}))
    return rows


def _cell(found: Mapping | None) -> Text:
    if not found:
        return Text("–", style="dim")
    cell = Text(str(found["year"] or "----"), style="green")
    cell.append("\n")
    cell.append(clean(found["pmid"]), style="cyan")
    return cell


def milestone_table(result: Mapping, *, title: str = "") -> Table:
    """One row for all descendants, then one per topic: its name over its number of papers,
    and the year (over the PMID) of the first paper and of each milestone ("–": none among
    the descendants). Eight-digit PMIDs fit 80 columns with a topic column of 12."""
    table = Table(title=text(title, "italic") if title else None, title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False, padding=0)
    table.add_column("topic\npapers", overflow="fold", ratio=1, min_width=10)
    for heading, _, colour in MARKS.values():
        table.add_column(Text(heading, style=colour), no_wrap=True, min_width=8)
    for name, papers, found in _rows(result):
        label = text(name, "bold" if name == _ALL else "")
        label.append(f"\n{papers:,}", style="dim")
        table.add_row(label, *(_cell(found.get(k)) for k in MARKS))
    return table


class MilestoneChart:
    """The milestones of each row on one year axis (the years of every milestone shown)."""

    def __init__(self, result: Mapping) -> None:
        self.rows = _rows(result)
        years = [f["year"] for _, _, found in self.rows for f in found.values() if f and f["year"]]
        self.span = (min(years), max(years)) if years else None

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(_LABEL + 12, options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.span is None:
            yield Text("no dated first paper or milestone to chart", style="dim")
            return
        first, last = self.span
        room = max(10, options.max_width - _LABEL - 1)
        per_year = max(1, min(4, room // (last - first + 1)))
        years = min(last - first + 1, room // per_year)
        last = first + years - 1  # what does not fit on the right is cut (never on 80 columns and up)
        order = list(MARKS)

        def column(year: int) -> int:
            return (year - first) * per_year

        for name, papers, found in self.rows:
            label = clean(name)
            label = label if len(label) < _LABEL else label[:_LABEL - 2] + "…"
            line = Text(label.ljust(_LABEL), style="bold" if name == _ALL else "")
            line.no_wrap = True
            if not (found.get("first") and found["first"]["year"]):
                line.append("undated papers only" if papers else "no papers", style="dim")
                yield line
                continue
            marks: dict[int, str] = {}
            for key in order:  # later on the road wins a shared column
                hit = found.get(key)
                if hit and hit["year"] and first <= hit["year"] <= last:
                    marks[column(hit["year"])] = key
            start = column(found["first"]["year"])
            track = Text()
            for x in range(years * per_year):
                if x in marks:
                    _, mark, colour = MARKS[marks[x]]
                    track.append(mark, style=f"bold {colour}")
                elif x > start:
                    track.append("·", style="dim")
                else:
                    track.append(" ")
            line.append_text(track)
            yield line
        yield self._axis(first, years, per_year)
        legend = Text()
        for mark, meaning in _LEGEND:
            legend.append(mark, style="bold")
            legend.append(f" {meaning}  ")
        yield legend

    @staticmethod
    def _axis(first: int, years: int, per_year: int) -> Text:
        width = years * per_year
        step = next(s for s in (5, 10, 20, 50) if s * per_year >= 6)  # room for "1990" and a gap
        ticks = [" "] * width
        labels = [" "] * (width + 4)
        for year in range(first + (-first) % step, first + years, step):
            x = (year - first) * per_year
            ticks[x] = "|"
            if all(c == " " for c in labels[max(0, x - 1):x + 4]):
                labels[x:x + 4] = list(str(year))
        axis = Text(" " * _LABEL + "".join(ticks).rstrip() + "\n", style="dim")
        axis.append(" " * _LABEL + "".join(labels).rstrip(), style="green")
        axis.no_wrap = True
        return axis


def clinical_share_table(result: Mapping, *, width: int = 30) -> Table:
    """The share of clinical articles per bin, with a bar of up to ``width`` blocks."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("years", style="green", no_wrap=True)
    table.add_column("papers", justify="right", no_wrap=True)
    table.add_column("clinical", justify="right", no_wrap=True)
    table.add_column("share", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for row in result["clinical_share"]:
        share = row["share"]
        bar = Text("█" * max(1, round(share * width)) if share else "", style="blue")
        table.add_row(f"{row['from']}–{row['to']}", f"{row['papers']:,}", f"{row['clinical']:,}",
                      "" if share is None else f"{100 * share:.1f}%", bar)
    return table


def translation_view(result: Mapping, *, lens_name: str = "") -> Group:
    """The table, the chart and the clinical share, one after the other."""
    title = (f"Road to the clinic among the {result['descendants']:,} descendants of {clean(result['seed'])}"
             + (f" (lens {clean(lens_name)})" if lens_name else ""))
    share = Text(f"Clinical articles ({clean(result['clinical_basis'])}) per {_bin_years(result)} years among "
                 "the dated descendants" + (f", {result['undated']:,} undated left out" if result["undated"] else ""),
                 style="bold")
    return Group(milestone_table(result, title=title), Text("Milestones by year", style="bold"),
                 MilestoneChart(result), Text(""), share, clinical_share_table(result))


def _bin_years(result: Mapping) -> int:
    rows = result["clinical_share"]
    return rows[0]["to"] - rows[0]["from"] + 1 if rows else 5
