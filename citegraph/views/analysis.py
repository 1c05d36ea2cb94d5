"""Renderables for the influence-analysis commands (rank, path, why, mainpath, related,
communities, topics, timeline).

Each takes the plain data an analysis function returned and a ``papers`` mapping
``{pmid: {"year", "title", "retracted", "via_retracted"}}``; titles are untrusted and pass
through :mod:`.safe`. Retracted papers are marked ``RETRACTED``, papers descending from the seed
through a retracted paper ``via retracted <pmid>``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from .safe import clean, one_line, text

__all__ = ["PAGERANK_HEADER", "big", "flag", "paper_line", "chains_view", "ranking_table", "mainpath_view", "related_table",
           "communities_view", "lens_topics_view", "topics_table", "timeline_table"]

Papers = Mapping[str, Mapping]


def flag(pmid: str, papers: Papers) -> Text:
    info = papers.get(pmid) or {}
    if info.get("retracted"):
        return Text("RETRACTED", style="bold red")
    if info.get("via_retracted"):
        return Text(f"via retracted {clean(info['via_retracted'])}", style="red")
    return Text("")


def paper_line(pmid: str, papers: Papers) -> Text:
    """'PMID  year  title  [flag]' on one line."""
    info = papers.get(pmid) or {}
    line = Text()
    line.append(clean(pmid), style="bold cyan")
    line.append(f"  {info.get('year') or '----'}  ", style="green")
    line.append_text(text(info.get("title") or "(no stored record)", "" if info.get("title") else "dim"))
    marker = flag(pmid, papers)
    if marker:
        line.append("  ")
        line.append_text(marker)
    return line


def big(number: int) -> str:
    """An exact count with separators, or in scientific notation beyond a billion (SPC values
    grow exponentially and can have hundreds of digits)."""
    if number < 10 ** 9:
        return f"{number:,}"
    digits = str(number)
    return f"{digits[0]}.{digits[1:3]}e{len(digits) - 1}"


def _table(title: str) -> Table:
    # a Text title: lens names come from the user's file, and a str title would be read as markup
    return Table(title=text(title, "italic"), title_justify="left", pad_edge=False, expand=False)


def _hanging(prefix: Text, body: Text) -> Table:
    """``prefix`` then ``body``, a long body wrapping under its own start, not under the prefix."""
    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(prefix, body)
    return grid


def chains_view(paths: Sequence[Sequence[str]], papers: Papers, *, title: str, link: str) -> Group:
    """Citation chains, one paper per line, ``link`` ("cites", "cited by") between them."""
    parts: list = [Text(title, style="bold")]
    if not paths:
        parts.append(Text("no citation chain in the selected graph", style="dim"))
    for number, path in enumerate(paths, 1):
        parts.append(Text(f"chain {number} ({len(path) - 1} steps)", style="dim"))
        for i, pmid in enumerate(path):
            parts.append(_hanging(Text("   " if i == 0 else f"  {link} ", style="dim"), paper_line(pmid, papers)))
    return Group(*parts)


def _flag_column(table: Table, pmids: Sequence[str], papers: Papers) -> bool:
    """Add the flag column when a paper has a flag: otherwise its width goes to the titles."""
    if any(flag(p, papers).plain for p in pmids):
        table.add_column("flag", no_wrap=True)
        return True
    return False


#: the header of relative PageRank (citegraph.analysis.influence.relative_pagerank) in every table
PAGERANK_HEADER = "PageRank (×avg)"


def ranking_table(rows: Sequence[Mapping], papers: Papers, *, title: str, score_label: str,
                  score_key: str = "score", caption: str | None = None) -> Table:
    """One row per ranked paper; unless ``score_label`` is "cited by", a column headed
    ``score_label`` shows each row's ``score_key`` (relative PageRank with two decimals)."""
    table = _table(title)
    if caption:
        table.caption, table.caption_justify = text(caption, "dim"), "left"
    with_score = score_label != "cited by"
    columns = [("#", {"justify": "right", "style": "dim"}), ("PMID", {"style": "cyan"}), ("year", {"style": "green"}),
               ("gen", {"justify": "right"}), ("cited by", {"justify": "right", "style": "yellow"})]
    if with_score:
        columns.append((score_label, {"justify": "right"}))
    for name, opts in columns:
        table.add_column(name, no_wrap=True, **opts)
    table.add_column("title", overflow="ellipsis")
    flagged = _flag_column(table, [row["pmid"] for row in rows], papers)
    for number, row in enumerate(rows, 1):
        info = papers.get(row["pmid"]) or {}
        cells = [str(number), clean(row["pmid"]), str(info.get("year") or ""), str(row["generation"]),
                 str(row["citations"])]
        if with_score:
            value = row[score_key]
            if value is None:  # iCite gave no number
                cells.append("-")
            elif isinstance(value, int):
                cells.append(f"{value:,}")
            else:
                cells.append(f"{value:,.2f}" if score_key == "pagerank_relative" else f"{value:.4g}")
        cells.append(one_line(text(info.get("title") or "")))
        if flagged:
            cells.append(flag(row["pmid"], papers))
        table.add_row(*cells)
    return table


def _spc(link: Mapping) -> str:
    return big(link["spc"]) if link.get("spc") is not None else f"share {link['share']:.3g}"


def _chain_lines(path: Sequence[str], prefixes: Sequence[str], omitted: int, papers: Papers) -> Group:
    """One line per paper (``prefixes[i]`` before paper ``i``), and where ``omitted`` papers
    were left out of the middle of a long chain, a line saying how many."""
    lines: list = []
    gap = (len(path) + 1) // 2 if omitted else -1
    for i, pmid in enumerate(path):
        if i == gap:
            lines.append(Text(f"  … {omitted:,} more papers …", style="dim"))
        lines.append(_hanging(Text(prefixes[i], style="dim"), paper_line(pmid, papers)))
    return Group(*lines)


def _mentions(link: Mapping) -> str:
    count = link.get("mentions")
    return ", no text" if count is None else f", {count:,} mention{'' if count == 1 else 's'}"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _mentions_caption(cover: Mapping) -> Text:
    """What weighting by mentions did, and how much of the graph it could read."""
    return Text(f"Links weighted by mentions: paths chosen by SPC × (1 + in-text citations in the citing paper's "
                f"full text). Full text stored for {cover['with_text']:,} of {cover['papers']:,} papers "
                f"({_share(cover['with_text'], cover['papers'])}), the citing papers of "
                f"{cover['links_with_text']:,} of {cover['links']:,} links "
                f"({_share(cover['links_with_text'], cover['links'])}); links without it count "
                f"×{cover['neutral_factor']:g} (the median). Only open-access papers in PMC have it "
                "(`citegraph fulltext`).", style="dim")


def mainpath_view(result: Mapping, papers: Papers) -> Group:
    """The main path and key routes, one paper per line; a chain shortened by
    :func:`citegraph.analysis.mainpath.shorten` shows its first and last papers with the number
    left out between them."""
    parts: list = []
    total = big(result["total_paths"]) if result["total_paths"] is not None else \
        f"about 10^{result.get('log10_total_paths', 0):,.0f}"
    head = Text(f"{result['paper_count']:,} papers, {result['citation_count']:,} citations, "
                f"{total} source-to-sink paths", style="dim")
    if result["dropped_cycle_links"]:
        head.append(f"; {len(result['dropped_cycle_links']):,} more citations left out to break citation cycles")
    parts.append(head)
    weighted = result.get("weight") == "mentions"
    if weighted:
        parts.append(_mentions_caption(result["full_text"]))
    path = result["main_path"]
    omitted = result.get("main_path_omitted", 0)
    length = f"{len(path) + omitted:,} papers, " if path else ""
    each = "SPC and mentions of each link" if weighted else "SPC of each link"
    parts.append(Text(f"{result.get('search', 'global').capitalize()} main path ({length}oldest first; {each})",
                      style="bold"))
    # the link into each paper shown, keyed by its citing paper (a shortened chain has a gap)
    spc_into = {link["citing"]: _spc(link) + (_mentions(link) if weighted else "")
                for link in result["main_path_links"]}
    gap = (len(path) + 1) // 2 if omitted else -1
    prefixes = ["   " if i in (0, gap) or pmid not in spc_into else f"  ↳ SPC {spc_into[pmid]} "
                for i, pmid in enumerate(path)]
    if path:
        parts.append(_chain_lines(path, prefixes, omitted, papers))
    for number, route in enumerate(result["key_routes"], 1):
        link = route["link"]
        parts.append(Text(f"Key route {number}: {clean(link['cited'])} → {clean(link['citing'])} (SPC {_spc(link)}"
                          f"{_mentions(link) if weighted else ''})",
                          style="bold"))
        route_omitted = route.get("omitted", 0)
        route_gap = (len(route["path"]) + 1) // 2 if route_omitted else -1
        prefixes = ["   " if i in (0, route_gap) else "  ↳ " for i in range(len(route["path"]))]
        parts.append(_chain_lines(route["path"], prefixes, route_omitted, papers))
    return Group(*parts)


def related_table(rows: Sequence[Mapping], papers: Papers, *, title: str) -> Table:
    table = _table(title)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("PMID", style="cyan", no_wrap=True)
    table.add_column("year", style="green", no_wrap=True)
    table.add_column("co-cited", justify="right", style="yellow", no_wrap=True)
    table.add_column("coupled", justify="right", style="yellow", no_wrap=True)
    table.add_column("title", overflow="ellipsis")
    flagged = _flag_column(table, [row["pmid"] for row in rows], papers)
    for number, row in enumerate(rows, 1):
        info = papers.get(row["pmid"]) or {}
        cells = [str(number), clean(row["pmid"]), str(info.get("year") or ""), str(row["co_cited"]),
                 str(row["coupled"]), one_line(text(info.get("title") or "(no stored record)"))]
        if flagged:
            cells.append(flag(row["pmid"], papers))
        table.add_row(*cells)
    return table


def communities_view(rows: Sequence[Mapping], papers: Papers) -> Table:
    table = _table("Communities (Leiden), labelled by their most distinctive MeSH descriptors")
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("papers", justify="right", no_wrap=True)
    table.add_column("years", no_wrap=True, style="green")
    table.add_column("label", ratio=1, overflow="fold")
    table.add_column("most cited", ratio=1, overflow="fold")
    for row in rows:
        label = Text("; ").join(text(f"{lab['descriptor']} ({lab['papers']})") for lab in row["labels"]) \
            if row["labels"] else Text("(no MeSH)", style="dim")
        years = f"{row['years'][0]}-{row['years'][1]}" if row["years"] else ""
        top = Text("\n").join(paper_line(t["pmid"], papers) for t in row["top"][:3])
        table.add_row(str(row["id"]), f"{row['size']:,}", years, label, top)
    return table


def lens_topics_view(name: str, file: str, topics: Sequence[tuple[str, str]]) -> tuple[Text, Table]:
    """A lens's name and file (one line, to print without wrapping so the file name stays
    whole), then its topics: the key (what ``--topic`` takes) and the name of each."""
    head = Text("lens ", style="bold")
    head.append_text(text(name, "bold"))
    head.append(": ")
    head.append_text(text(file))
    table = _table("Its topics, by the key --topic takes")
    table.add_column("key", style="cyan", no_wrap=True)
    table.add_column("name", overflow="fold")
    for key, topic_name in topics:
        table.add_row(text(key), text(topic_name))
    return head, table


def topics_table(rows: Sequence[Mapping], papers: Papers, *, title: str) -> Group:
    table = _table(title)
    table.add_column("topic", overflow="fold")
    table.add_column("papers", justify="right", no_wrap=True)
    table.add_column("first", no_wrap=True, style="green")
    table.add_column("peak", no_wrap=True, style="green")
    table.add_column("earliest", ratio=1, overflow="fold")
    table.add_column("most cited", ratio=1, overflow="fold")
    chains: list = []
    for row in rows:
        earliest = paper_line(row["earliest"], papers) if row["earliest"] else Text("")
        top = row["most_cited"]
        most = paper_line(top["pmid"], papers) if top else Text("")
        if top:
            most.append(f"  (cited by {top['citations']})", style="yellow")
        table.add_row(text(row["name"]), str(row["papers"]), str(row["first_year"] or ""),
                      str(row["peak_year"] or ""), earliest, most)
        if len(row["path_to_earliest"]) > 1:
            line = Text()
            line.append_text(text(row["name"], "bold"))
            line.append(": ")
            line.append(" → ".join(clean(p) for p in row["path_to_earliest"]), style="cyan")
            if any((papers.get(p) or {}).get("retracted") for p in row["path_to_earliest"]):
                line.append("  (through a RETRACTED paper)", style="bold red")
            chains.append(line)
    parts: list = [table]
    if chains:
        parts.append(Text("Citation path from the seed to each topic's earliest paper", style="bold"))
        parts.extend(chains)
    return Group(*parts)


class _Bar:
    """A bar filling ``fraction`` of the width its cell gets (one block at least when above
    zero): the bar column is what gives way on a narrow terminal, not the years."""

    def __init__(self, fraction: float, style: str = "blue") -> None:
        self.fraction = fraction
        self.style = style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        blocks = max(1, round(self.fraction * options.max_width)) if self.fraction > 0 else 0
        yield Text("█" * min(blocks, options.max_width), style=self.style, no_wrap=True)


def timeline_table(result: Mapping, *, width: int = 40) -> Table:
    """Papers per year as a table with a bar (``width`` columns at most), and one column per
    group when grouped."""
    years = result["years"]
    groups = result["groups"]
    table = _table(f"Papers per year among the {result['papers']:,} descendants of {clean(result['seed'])}"
                   + (f" ({result['undated']:,} undated)" if result["undated"] else ""))
    table.add_column("year", style="green", no_wrap=True)
    table.add_column("papers", justify="right", no_wrap=True)
    for name in groups:
        table.add_column(clean(name), justify="right", no_wrap=True)
    table.add_column("", max_width=width)
    top = max(years.values(), default=0)
    for year, count in years.items():
        table.add_row(str(year), str(count), *(str(g.get(year, "")) for g in groups.values()),
                      _Bar(count / top if top else 0.0))
    return table
