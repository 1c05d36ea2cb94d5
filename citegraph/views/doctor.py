"""The diagnosis of ``citegraph doctor`` as terminal lines (see citegraph.store.doctor.Diagnosis)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from .safe import clean


def counted(table: str, n: int) -> str:
    """A table's row count in words: ``counted("crawls", 1)`` is '1 crawl',
    ``counted("crawl_nodes", 3181)`` is '3,181 crawl nodes'."""
    name = table.replace("_", " ")
    return f"{n:,} {name[:-1] if n == 1 and name.endswith('s') else name}"


def diagnosis_lines(result, path: str | Path) -> list[Text]:
    """What was repaired, whether the store at ``path`` is healthy (with its schema and row
    counts), its problems and its unfinished crawls, one styled line each."""
    lines = [Text(clean(f"repaired: {action}"), style="yellow") for action in result.actions]
    if result.healthy:
        counts = ", ".join(counted(t, n) for t, n in result.counts.items() if t != "schema_migrations")
        lines.append(Text(clean(f"{path}: healthy (schema {result.schema_version}; {counts})"), style="green"))
    lines += [Text(clean(f"problem: {problem}"), style="bold red") for problem in result.problems]
    if result.running_crawls:
        lines.append(Text(f"running crawls {result.running_crawls}: another citegraph process is crawling",
                          style="yellow"))
    if result.interrupted_crawls:
        lines.append(Text(f"interrupted crawls {result.interrupted_crawls}: run the same crawl command again to "
                          "finish them", style="yellow"))
    if result.failed_crawls:
        lines.append(Text(f"failed crawls {result.failed_crawls}: run the same crawl command again to retry them",
                          style="yellow"))
    return lines
