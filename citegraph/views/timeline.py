"""Timelines as bar charts in the terminal: papers per year, optionally stacked by topic.

Each topic gets its own colour *and* its own fill character, so the chart stays readable
with ``NO_COLOR`` or in a plain-text file. The chart takes the width the console gives it
(80 columns stay readable): bars are scaled to the widest year.
"""

from __future__ import annotations

from typing import Mapping

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from .safe import clean

__all__ = ["Timeline", "timeline_chart", "timeline_from_analysis", "FILLS", "OTHER"]

#: fill characters, one per topic in order (the last is reused beyond it)
FILLS = "█▓▒░#=+:"
_COLOURS = ("cyan", "magenta", "yellow", "green", "blue", "red", "bright_cyan", "bright_magenta")
#: the stack for papers without a topic
OTHER = "(other)"


class Timeline:
    """A renderable bar chart; build it with :func:`timeline_chart`."""

    def __init__(self, rows: list[tuple[int, dict[str, int]]], topics: list[str], title: str,
                 max_years: int | None, totals: Mapping[int, int] | None = None) -> None:
        self.rows = rows
        self.totals = totals
        self.topics = topics
        self.title = title
        self.max_years = max_years

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(20, options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if self.title:
            yield Text(self.title, style="bold")
        if not self.rows:
            yield Text("no papers with a publication year", style="dim")
            return
        rows = self.rows
        hidden = 0
        if self.max_years and len(rows) > self.max_years:  # keep the most recent years
            hidden = len(rows) - self.max_years
            rows = rows[hidden:]
        stacked = [sum(stack.values()) for _, stack in rows]
        totals = [self.totals.get(year, 0) for year, _ in rows] if self.totals is not None else stacked
        peak = max(stacked) or 1
        number_width = len(f"{max(totals):,}")
        bar_room = max(1, width - 4 - 1 - 1 - number_width)
        style_of = {t: _COLOURS[i % len(_COLOURS)] for i, t in enumerate(self.topics)}
        fill_of = {t: FILLS[min(i, len(FILLS) - 1)] for i, t in enumerate(self.topics)}
        if hidden:
            yield Text(f"… {hidden} earlier years not shown", style="dim")
        for (year, stack), size, total in zip(rows, stacked, totals):
            line = Text(f"{year:>4} ", style="green")
            length = round(size * bar_room / peak) if size else 0
            if size and not length:
                length = 1
            used = 0
            cumulative = 0
            for topic in self.topics:  # proportional stacks; rounding on the cumulative sum
                count = stack.get(topic, 0)
                if not count:
                    continue
                cumulative += count
                end = round(cumulative * length / size)
                if end > used:
                    line.append(fill_of[topic] * (end - used), style=style_of[topic])
                    used = end
            line.append(" " * (bar_room - used + 1))
            line.append(f"{total:>{number_width},}", style="yellow")
            yield line
        if len(self.topics) > 1 or (self.topics and self.topics[0] != OTHER):
            legend = Text()
            for topic in self.topics:
                if legend:
                    legend.append("  ")
                legend.append(fill_of[topic], style=style_of[topic])
                legend.append(" " + clean(topic))
            yield legend


def timeline_chart(counts: Mapping[int, int | Mapping[str, int]], *, title: str = "",
                   topics: list[str] | None = None, fill_gaps: bool = True,
                   max_years: int | None = None, totals: Mapping[int, int] | None = None) -> Timeline:
    """A bar chart of ``counts``: {year: papers} or {year: {topic: papers}} (stacked).

    Years between the first and the last are shown even when empty (``fill_gaps``).
    ``topics`` fixes the stacking and legend order (default: most papers first, with
    :data:`OTHER` last). ``max_years`` keeps only the most recent years. ``totals``
    ({year: papers}) is printed after each bar instead of the stack's sum (when a paper may
    sit in two stacks).
    """
    stacks: dict[int, dict[str, int]] = {}
    for year, value in counts.items():
        if year is None:
            continue
        stack = {OTHER: value} if isinstance(value, int) else {str(k): int(v) for k, v in value.items() if v}
        stacks[int(year)] = stack
    if stacks and fill_gaps:
        for year in range(min(stacks), max(stacks) + 1):
            stacks.setdefault(year, {})
    if topics is None:
        per_topic: dict[str, int] = {}
        for stack in stacks.values():
            for topic, count in stack.items():
                per_topic[topic] = per_topic.get(topic, 0) + count
        topics = sorted(per_topic, key=lambda t: (t == OTHER, -per_topic[t], t))
    else:
        seen = {t for stack in stacks.values() for t in stack}
        topics = list(topics) + sorted(seen - set(topics), key=lambda t: (t == OTHER, t))
    return Timeline(sorted(stacks.items()), topics, title, max_years, totals)


def timeline_from_analysis(result: Mapping, *, title: str = "", max_years: int | None = None) -> Timeline:
    """The chart of :func:`citegraph.analysis.timeline.timeline`'s result: stacked by its
    ``groups`` when it has them ({group: {year: n}}), else its ``years`` ({year: n})."""
    years = {int(y): int(n) for y, n in result.get("years", {}).items()}
    groups = result.get("groups") or {}
    if not groups:
        return timeline_chart(years, title=title, max_years=max_years)
    stacks: dict[int, dict[str, int]] = {}
    for group, per_year in groups.items():
        for year, count in per_year.items():
            stacks.setdefault(int(year), {})[str(group)] = int(count)
    for year in years:
        stacks.setdefault(year, {})
    return timeline_chart(stacks, title=title, topics=[str(g) for g in groups], max_years=max_years, totals=years)
