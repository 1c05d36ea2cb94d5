"""Reading citation contexts back: what citing papers said about a paper, and how often.

A context exists only where the citing paper's full text is stored (PMC open access, fetched
by :mod:`citegraph.fulltext` or imported from ``.nxml``); :func:`coverage` says how many of a
paper's citing papers that is, so every count here can be read with its limit.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..errors import InputError
from ..pmc.sections import KINDS

__all__ = ["citing_contexts", "coverage", "full_text_of", "mention_counts", "methods_use_counts", "mention_weights",
           "contexts_json", "check_section", "rank_by_contexts", "CONTEXT_RANKINGS"]


def check_section(section: str | None) -> str | None:
    """``section`` lower-cased when it is a known kind; InputError otherwise."""
    if section is None:
        return None
    kind = section.strip().lower()
    if kind not in KINDS:
        raise InputError(f"unknown section {section!r}: use one of {', '.join(KINDS)}")
    return kind


def citing_contexts(store, cited: str, *, citing_in: Iterable[str] | None = None, section: str | None = None,
                    match: str | None = None) -> list[dict]:
    """The stored contexts citing ``cited``, grouped by citing paper (oldest paper first):
    dicts with ``citing``, ``year``, ``title`` and ``contexts`` (see
    :meth:`~citegraph.store.Store.contexts_of`). ``citing_in`` keeps citing papers of that
    set, ``section`` one section kind, ``match`` sentences matching a regular expression (any
    case; InputError when it is not one)."""
    kind = check_section(section)
    pattern = None
    if match is not None:
        try:
            pattern = re.compile(match, re.I)
        except re.error as exc:
            raise InputError(f"--match is not a regular expression: {exc}") from None
    allowed = set(citing_in) if citing_in is not None else None
    grouped: dict[str, list[dict]] = {}
    for c in store.contexts_of(cited):
        if allowed is not None and c["citing"] not in allowed:
            continue
        if kind is not None and c["section"] != kind:
            continue
        if pattern is not None and not pattern.search(c["sentence"]):
            continue
        grouped.setdefault(c["citing"], []).append(c)
    summaries = store.summaries_of(grouped)
    groups = []
    for citing, items in grouped.items():
        year, title, _ = summaries.get(citing, (None, "", ""))
        groups.append({"citing": citing, "year": year, "title": title, "contexts": items})
    groups.sort(key=lambda g: (g["year"] is None, g["year"] or 0, int(g["citing"])))
    return groups


def contexts_json(groups: list[dict]) -> list[dict]:
    """The JSON form: one ``{"citing", "cited", "year", "section", "sentence", "in_caption"}``
    per context, plus where the citation sits in the sentence (``cite_start``, ``cite_end``)."""
    return [{"citing": g["citing"], "cited": c["cited"], "year": g["year"], "section": c["section"],
             "sentence": c["sentence"], "in_caption": c["in_caption"], "cite_start": c["cite_start"],
             "cite_end": c["cite_end"]} for g in groups for c in g["contexts"]]


def coverage(store, cited: str, *, citing_in: Iterable[str] | None = None) -> dict[str, int]:
    """``citing`` (stored papers citing ``cited``, within ``citing_in`` when given),
    ``with_text`` (of them, those whose full text is stored), ``with_contexts`` (those that
    quote it), ``asked`` (those PMC was asked about, whatever it answered)."""
    citers = [p for p in store.citing(cited)]
    if citing_in is not None:
        allowed = set(citing_in)
        citers = [p for p in citers if p in allowed]
    citers = sorted(store.known_pmids(citers), key=int)
    states = store.fulltext_states(citers)
    quoting = {citing for citing, _ in store.mention_sections([cited])}
    return {"citing": len(citers), "asked": len(states),
            "with_text": sum(1 for s in states.values() if s == "fetched"),
            "with_contexts": len(quoting & set(citers))}


def full_text_of(store, pmids: Iterable[str]) -> set[str]:
    """The papers of ``pmids`` whose full text is stored."""
    return {p for p, state in store.fulltext_states(pmids).items() if state == "fetched"}


def mention_counts(store, pmids: Iterable[str]) -> dict[str, int]:
    """{pmid: in-text citations of it in the stored full text of papers among ``pmids``}."""
    members = set(pmids)
    counts: Counter = Counter()
    for (citing, cited), sections in store.mention_sections(members).items():
        if citing in members:
            counts[cited] += sum(sections.values())
    return dict(counts)


def methods_use_counts(store, pmids: Iterable[str]) -> dict[str, int]:
    """{pmid: papers among ``pmids`` that cite it in their Methods}."""
    members = set(pmids)
    counts: Counter = Counter()
    for (citing, cited), sections in store.mention_sections(members).items():
        if citing in members and sections.get("methods"):
            counts[cited] += 1
    return dict(counts)


def mention_weights(store, pmids: Iterable[str]) -> dict[tuple[str, str], int]:
    """{(citing, cited): in-text citations} for links between papers of ``pmids``."""
    members = set(pmids)
    return {pair: sum(sections.values()) for pair, sections in store.mention_sections(members).items()
            if pair[0] in members}


#: the rankings by citation contexts (see :func:`rank_by_contexts`)
CONTEXT_RANKINGS = ("mentions", "methods-use")


def rank_by_contexts(store, graph, seed: str, by: str, limit: int | None = 20) -> tuple[list[dict], dict[str, int]]:
    """The seed's descendants in ``graph`` ranked by ``mentions`` (in-text citations of the
    paper in the stored full text of the graph's papers) or ``methods-use`` (the graph's papers
    citing it in their Methods); ties broken by more citations, then lower PMID. Rows as
    :func:`citegraph.analysis.influence.rank` gives them, ``score`` the count. Also returns
    the coverage of the graph: ``papers``, ``with_text`` (full text stored), ``asked``."""
    from .influence import rank

    if by not in CONTEXT_RANKINGS:
        raise InputError(f"unknown ranking {by!r}; use one of {', '.join(CONTEXT_RANKINGS)}")
    nodes = [str(n) for n in graph.nodes]
    counts = mention_counts(store, nodes) if by == "mentions" else methods_use_counts(store, nodes)
    rows = rank(graph, seed, "citations", None)
    for row in rows:
        row["score"] = float(counts.get(row["pmid"], 0))
    rows.sort(key=lambda r: (-r["score"], -r["citations"], int(r["pmid"]) if r["pmid"].isdigit() else 0))
    states = store.fulltext_states(nodes)
    cover = {"papers": len(nodes), "asked": len(states),
             "with_text": sum(1 for s in states.values() if s == "fetched")}
    return (rows if limit is None else rows[:limit]), cover


def papers_mentioning(store, pmid: str) -> list[tuple[str, int | None, str, Counter]]:
    """(citing, year, title, mentions by section) of the papers whose stored full text cites
    ``pmid``, most mentions first (then by PMID)."""
    pairs = store.mention_sections([pmid])
    summaries = store.summaries_of(citing for citing, _ in pairs)
    rows = [(citing, *summaries.get(citing, (None, ""))[:2], sections) for (citing, _), sections in pairs.items()]
    rows.sort(key=lambda r: (-sum(r[3].values()), int(r[0])))
    return rows
