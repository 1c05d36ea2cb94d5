"""The generation tree: who cites a paper, and who cites them, with sensible truncation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from rich.text import Text
from rich.tree import Tree

from ..models import Article
from .article import article_line
from .safe import one_line

if TYPE_CHECKING:
    from ..analysis.csr import CitationGraph

__all__ = ["generation_tree"]


def generation_tree(graph: CitationGraph, root: str, generations: dict[str, int],
                    article_of: Callable[[str], Article | None], *, per_node: int = 8,
                    max_lines: int = 60) -> Tree:
    """Each paper under the first paper (lowest PMID) of the previous generation it cites.

    ``generations`` maps PMIDs to their hop distance from ``root`` (see
    :func:`citegraph.analysis.influence.generations`; the root left out). At most ``per_node``
    children are shown under a node, most cited first, and ``max_lines`` lines in all; the
    rest is counted.
    """
    children: dict[str, list[str]] = {}
    for pmid, generation in generations.items():
        parents = [p for p in graph.succ[pmid] if generations.get(p, 0 if p == root else -1) == generation - 1]
        if parents:
            children.setdefault(min(parents, key=int), []).append(pmid)
    tree = Tree(one_line(article_line(article_of(root), root)))
    shown = 1
    stack: list[tuple[Tree, str]] = [(tree, root)]
    while stack:
        branch, node = stack.pop(0)
        kids = sorted(children.get(node, []), key=lambda p: (-graph.in_degree(p), int(p)))
        for kid in kids[:per_node]:
            if shown >= max_lines:
                break
            label = one_line(article_line(article_of(kid), kid, cited_by=graph.in_degree(kid)))
            stack.append((branch.add(label), kid))
            shown += 1
        hidden = len(kids) - min(len(kids), per_node)
        if shown >= max_lines and len(kids) > per_node:
            hidden = len(kids) - per_node
        if hidden > 0:
            branch.add(Text(f"… {hidden} more", style="dim"))
    return tree
