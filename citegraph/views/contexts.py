"""What citing papers said about a paper: their sentences, grouped by citing paper.

The sentences come from PMC full text (untrusted): every piece goes through
:func:`citegraph.views.safe.clean`, inside :class:`rich.text.Text` objects that parse no markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from rich.console import Group
from rich.text import Text

from .safe import clean, one_line, text

__all__ = ["contexts_view", "marked_sentence", "mention_phrase", "mentions_view", "coverage_line", "citing_sentences"]

_CITE_STYLE = "bold reverse"


def _inline(value: str) -> str:
    """``value`` neutralised, its line breaks and tabs as spaces, its ends kept (a piece of a
    sentence keeps the space before or after the citation)."""
    return clean(value, single_line=False).replace("\n", " ").replace("\r", " ").replace("\t", " ")


def marked_sentence(sentence: str, start: int, end: int) -> Text:
    """The sentence with its citation (``sentence[start:end]``) highlighted; an empty or
    out-of-range span marks nothing."""
    line = Text()
    if 0 <= start < end <= len(sentence):
        line.append(_inline(sentence[:start]))
        line.append(_inline(sentence[start:end]), style=_CITE_STYLE)
        line.append(_inline(sentence[end:]))
    else:
        line.append(_inline(sentence))
    return line


def mention_phrase(sections: Mapping[str, int]) -> str:
    """'mentioned 3 times (methods 2, discussion 1)': most frequent section first."""
    total = sum(sections.values())
    parts = ", ".join(f"{name} {n}" for name, n in Counter(sections).most_common())
    times = "once" if total == 1 else f"{total} times"
    return f"mentioned {times} ({parts})" if parts else "not mentioned"


def coverage_line(coverage: Mapping[str, int]) -> Text:
    """Which citing papers could have contexts: ``citing`` (stored papers citing it),
    ``with_text`` (their full text is stored), ``with_contexts``."""
    citing, with_text = coverage.get("citing", 0), coverage.get("with_text", 0)
    share = f"{100 * with_text / citing:.0f}%" if citing else "-"
    return Text(f"{coverage.get('with_contexts', 0):,} citing papers quote it; full text is stored for "
                f"{with_text:,} of the {citing:,} stored papers citing it ({share}); only open-access "
                "papers in PMC have it (`citegraph fulltext`)", style="dim")


def _where(c: Mapping) -> str:
    """'methods · Statistical analysis · caption': the section kind, its title when it says
    more, and whether the citation sits in a caption or a table."""
    heading = c["section_title"]
    shown = heading and heading.strip().lower() not in (c["section"], f"{c['section']} section")
    where = c["section"] + (f" \u00b7 {_inline(heading)}" if shown else "")
    if c["in_caption"]:
        where += " \u00b7 caption"
    elif c["in_table"]:
        where += " \u00b7 table"
    return where


def _sentence_row(c: Mapping) -> Text:
    row = Text("  [", style="dim")
    row.append(_where(c), style="dim")
    row.append("] ", style="dim")
    row.append_text(marked_sentence(c["sentence"], c["cite_start"], c["cite_end"]))
    return row


def citing_sentences(citing: str, cited: str, items: Sequence[Mapping]) -> Group:
    """For the browser's detail pane: the sentences in which ``citing`` cites ``cited``."""
    sections = Counter(c["section"] for c in items)
    head = Text(f"How {citing} cites {cited}: ", style="bold")
    head.append(mention_phrase(sections), style="dim")
    return Group(head, *(_sentence_row(c) for c in items))


def contexts_view(cited: str, title: str | None, groups: Sequence[dict], coverage: Mapping[str, int]) -> Group:
    """One block per citing paper (``groups``: dicts with ``citing``, ``year``, ``title`` and
    ``contexts``, each context a dict with ``section``, ``section_title``, ``sentence``,
    ``cite_start``, ``cite_end``, ``in_caption``, ``in_table``), then the coverage line."""
    parts: list = []
    head = Text(f"What citing papers say about PMID {cited}", style="bold")
    if title:
        head.append(": ")
        head.append(text(title))
    parts.append(one_line(head))
    for group in groups:
        sections = Counter(c["section"] for c in group["contexts"])
        line = Text("\n")
        line.append(f"{group['citing']}", style="cyan")
        line.append(f"  {group['year'] or '----'}  ")
        line.append(text(group["title"] or "(no stored record)"))
        parts.append(one_line(line))
        parts.append(Text("  " + mention_phrase(sections), style="dim"))
        for c in group["contexts"]:
            parts.append(_sentence_row(c))
    if not groups:
        parts.append(Text("No stored full text cites it.", style="yellow"))
    parts.append(Text(""))
    parts.append(coverage_line(coverage))
    return Group(*parts)


def mentions_view(rows: Sequence[tuple[str, int | None, str, Mapping[str, int]]]) -> Group:
    """For ``show``: one line per citing paper with full text, 'PMID year title - mentioned N
    times (methods 2, discussion 1)', most mentions first."""
    parts: list = [Text("Mentions in the full text of citing papers", style="bold")]
    for pmid, year, title, sections in rows:
        line = Text(f"{pmid}", style="cyan")
        line.append(f"  {year or '----'}  ")
        line.append(mention_phrase(sections), style="green")
        line.append("  ")
        line.append(text(title or "(no stored record)"))
        parts.append(one_line(line))
    return Group(*parts)
