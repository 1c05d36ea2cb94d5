"""Ranked tables and summaries."""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..models import Article
from .analysis import flag
from .safe import clean, one_line, text

__all__ = ["ranked_table", "stats_table", "crawl_summary", "COUNT_WORDS", "SOURCE_WORDS"]


def ranked_table(rows: Iterable[tuple[str, int]], article_of: Callable[[str], Article | None], *,
                 title: str, count_label: str = "cited by") -> Table:
    """One line per ``(pmid, count)`` row; a retracted paper is flagged as the analysis tables
    flag it (a ``flag`` column, there only when a row has a flag)."""
    rows = [(pmid, count, article_of(pmid)) for pmid, count in rows]
    flags = [flag(pmid, {pmid: {"retracted": bool(article and article.is_retracted)}}) for pmid, _, article in rows]
    table = Table(title=title, title_justify="left", expand=False, pad_edge=False)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("PMID", style="cyan", no_wrap=True)
    table.add_column("year", style="green", no_wrap=True)
    table.add_column(count_label, justify="right", style="yellow", no_wrap=True)
    # a wrappable column, so that it is the one to shrink (rich shrinks only those; a table
    # still too wide takes the width evenly from every column, PMIDs included); each title
    # is kept to one line by its own Text
    table.add_column("title", overflow="ellipsis")
    flagged = any(f.plain for f in flags)
    if flagged:
        table.add_column("flag", no_wrap=True)
    for rank, ((pmid, count, article), marker) in enumerate(zip(rows, flags), 1):
        title_text = text(article.title) if article else Text("(no stored record)", style="dim")
        year = str(article.year) if article and article.year else ""
        cells = [str(rank), pmid, year, str(count), one_line(title_text)]
        table.add_row(*cells, *([marker] if flagged else []))
    return table


#: words for the sources of ``citegraph.store.migrations.SOURCE_BITS`` in summaries
SOURCE_WORDS = {
    "elink:pubmed_pubmed_citedin": "cited-by (elink)",
    "elink:pubmed_pubmed_refs": "references (elink)",
    "pubmed:references": "reference lists",
    "file:": "PubMed files",
    "other": "other sources",
    "icite": "iCite",
    "europepmc": "Europe PMC",
    "opencitations": "OpenCitations",
}
#: what the count words of every summary mean
COUNT_WORDS = ("citations: distinct citing → cited pairs; links reported: each source's report of a citation "
               "counted apart (a citation two sources reported counts twice)")


def stats_table(counts: Mapping[str, object], extra: dict[str, object] | None = None) -> Group:
    """The store's counts (see :meth:`citegraph.store.Store.counts`), the links reported
    broken down by source (sources that reported none left out), then ``extra`` rows; under
    them, what the two count words mean, as wide as the terminal."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for key, value in {**counts, **(extra or {})}.items():
        if isinstance(value, Mapping):
            for source, n in value.items():
                if n:
                    table.add_row(Text(f"  {SOURCE_WORDS.get(source, source)}", style="dim"), f"{n:,}")
            continue
        table.add_row(key.replace("_", " "), Text(f"{value:,}" if isinstance(value, int) else str(value)))
    return Group(table, Text(COUNT_WORDS, style="dim"))


def crawl_options_text(params: Mapping) -> str:
    """A crawl's options in a few words: 'depth 2, cited-by, 1990-2000, excluding Review'."""
    parts = [f"depth {params.get('depth', 1)}", str(params.get("direction") or "cited-by")]
    since, until = params.get("since"), params.get("until")
    if since is not None or until is not None:
        parts.append(f"{since if since is not None else ''}-{until if until is not None else ''}")
    if params.get("exclude_types"):
        parts.append("excluding " + ", ".join(params["exclude_types"]))
    if params.get("max_papers"):
        parts.append(f"at most {params['max_papers']:,} papers")
    if params.get("sources") and list(params["sources"]) != ["pubmed"]:
        parts.append("sources " + "+".join(map(str, params["sources"])))
    return clean(", ".join(parts))


def crawl_summary(report: dict) -> Table:
    """The end-of-crawl summary: its state, the store, papers, new citations (distinct pairs) and
    links reported (see :data:`COUNT_WORDS`), requests, elapsed time, what was left out."""
    table = Table(show_header=False, box=None, pad_edge=False, title="crawl " + str(report["crawl_id"]),
                  title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    complete = {"new": "complete", "resumed": "resumed and complete",
                "already complete": "already complete (nothing fetched)"}
    table.add_row("status", complete.get(report.get("start"), "complete") if report["complete"] else
                  Text("failed: rerun the same command to retry", style="bold red"))
    if report.get("store"):
        store = text(report["store"])
        store.overflow = "fold"  # a path is copied whole: folded at the width, never cut
        table.add_row("store", store)
    table.add_row("papers", f"{report['members']:,}")
    gens = report.get("generations") or {}
    if gens:
        table.add_row("by generation", ", ".join(f"{g}: {n:,}" for g, n in sorted(gens.items(), key=lambda i: int(i[0]))))
    table.add_row("records fetched", f"{report['articles_fetched']:,}")
    table.add_row("new citations", f"{report['citations_added']:,}")
    table.add_row("new links reported", f"{report['links_reported']:,}")
    requests = report["requests"]
    per_paper = requests / report["members"] if report["members"] else 0.0
    table.add_row("requests", f"{requests:,} ({per_paper:.3f} per paper)")
    table.add_row("elapsed", f"{report['elapsed']:.1f} s")
    if report.get("missing"):
        table.add_row("unknown PMIDs", f"{len(report['missing']):,} (no PubMed record)")
    if report.get("excluded"):
        reasons = report.get("excluded_by") or {"year window": report["excluded"]}
        table.add_row("left out", text("; ".join(
            f"{n:,} outside the year window" if why == "year window" else f"{n:,} of type {why}"
            for why, n in reasons.items())))
    if report.get("over_budget"):
        table.add_row("over budget", f"{report['over_budget']:,} not added (--max-papers)")
    if report.get("failed"):
        table.add_row(Text("failed", style="bold red"), f"{len(report['failed']):,} papers (listed below)")
    return table
