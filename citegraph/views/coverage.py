"""The coverage report on a terminal: a table per source with a bar, overlaps, generations."""

from __future__ import annotations

from typing import Mapping

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .safe import text

__all__ = ["coverage_view", "SOURCE_NAMES"]

#: how the report names each source
SOURCE_NAMES = {"pubmed": "PubMed", "icite": "iCite", "europepmc": "Europe PMC", "opencitations": "OpenCitations"}
_BAR = 30


def _bar(part: int, whole: int) -> Text:
    filled = round(_BAR * part / whole) if whole else 0
    return Text.assemble(("█" * filled, "green"), ("░" * (_BAR - filled), "dim"),
                         f" {100 * part / whole:3.0f}%" if whole else "   -")


def coverage_view(report: Mapping) -> Group:
    """``report`` (see :func:`citegraph.analysis.coverage.coverage`) as a table per source
    (papers, citations, found only by it, a bar of its share of all the papers found), the
    pairwise overlaps and the papers per generation."""
    union = report["union"]
    title = (f"Coverage of {report['seed']} ({report['direction']}, depth {report['depth']}): "
             f"{union['papers']:,} papers, {union['citations']:,} citations")
    if union.get("outside_pubmed"):
        title += f" ({union['outside_pubmed']:,} of the papers outside PubMed: preprints, DOI only)"
    table = Table(title=text(title, "italic"), title_justify="left", pad_edge=False)
    table.add_column("source", style="bold")
    for name in ("papers", "citations", "only"):
        table.add_column(name, justify="right")
    table.add_column("share of the papers")
    for name, counts in report["sources"].items():
        table.add_row(SOURCE_NAMES.get(name, name), f"{counts['papers']:,}", f"{counts['citations']:,}",
                      f"{counts['only']:,}", _bar(counts["papers"], union["papers"]))
    table.add_row(Text("all", style="dim"), f"{union['papers']:,}", f"{union['citations']:,}", "", "")
    parts: list = [table]
    if report["overlap"]:
        pairs = [f"{' + '.join(SOURCE_NAMES.get(n, n) for n in pair.split('+'))}: {n:,}"
                 for pair, n in report["overlap"].items()]
        parts.append(Text.assemble(("found by both: ", "dim"), "; ".join(pairs)))
    if report["by_generation"]:
        gens = Table(title=text("Papers by generation", "italic"), title_justify="left", pad_edge=False)
        gens.add_column("generation", justify="right")
        for name in report["sources"]:
            gens.add_column(SOURCE_NAMES.get(name, name), justify="right")
        gens.add_column("all", justify="right")
        for row in report["by_generation"]:
            gens.add_row(str(row["generation"]), *(f"{row[n]:,}" for n in report["sources"]), f"{row['union']:,}")
        parts.append(gens)
    return Group(*parts)
