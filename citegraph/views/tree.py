"""The generation tree: who cites a paper, and who cites them, with sensible truncation."""

from __future__ import annotations

from typing import Callable, Mapping

from rich.text import Text
from rich.tree import Tree

from ..models import Article
from .article import article_line
from .safe import one_line

__all__ = ["generation_tree"]


def generation_tree(root: str, parents: Mapping[str, str], cited_by: Mapping[str, int],
                    article_of: Callable[[str], Article | None], *, per_node: int = 8,
                    max_lines: int = 60) -> Tree:
    """Each paper under its parent: ``parents`` maps each paper descending from ``root`` to the
    paper it cites one generation nearer the root (see
    :func:`citegraph.analysis.influence.descent`). At most ``per_node`` children are shown
    under a node, most cited first (``cited_by``: citations in the store), and ``max_lines``
    lines in all; the rest is counted.
    """
    children: dict[str, list[str]] = {}
    for pmid, parent in parents.items():
        children.setdefault(parent, []).append(pmid)
    tree = Tree(one_line(article_line(article_of(root), root)))
    shown = 1
    stack: list[tuple[Tree, str]] = [(tree, root)]
    while stack:
        branch, node = stack.pop(0)
        kids = sorted(children.get(node, []), key=lambda p: (-cited_by.get(p, 0), int(p)))
        for kid in kids[:per_node]:
            if shown >= max_lines:
                break
            label = one_line(article_line(article_of(kid), kid, cited_by=cited_by.get(kid, 0)))
            stack.append((branch.add(label), kid))
            shown += 1
        hidden = len(kids) - min(len(kids), per_node)
        if shown >= max_lines and len(kids) > per_node:
            hidden = len(kids) - per_node
        if hidden > 0:
            branch.add(Text(f"… {hidden} more", style="dim"))
    return tree
