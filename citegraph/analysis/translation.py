"""The road to the clinic: when each line of work among a seed's descendants reached its first
clinical trial of each phase, its first randomized controlled trial, meta-analysis and
practice guideline, and how the share of clinical articles grew, in five-year bins.

Milestones are read from PubMed publication types (:data:`MILESTONES`, matched by name, any
case). A topic's *first* paper and each milestone are the earliest qualifying descendant:
lowest year, then lowest generation, then lowest PMID, the order
:func:`citegraph.analysis.lens.topic_summary` uses for its earliest paper. An undated paper
(no publication year) comes after every dated one: it is a milestone only when no dated paper
qualifies, and then with year ``None``.

A *clinical article* (:func:`is_clinical_article`) is a report of clinical research on
people: a paper with a publication type of NLM's Clinical Study branch (:data:`CLINICAL_TYPES`:
Clinical Study, Observational Study, Clinical Trial and its phases I-IV, Controlled Clinical
Trial, Randomized Controlled Trial, Pragmatic, Adaptive and Equivalence Trial), the same
idea as iCite's ``is_clinical`` ("clinical trial or clinical study" article types). Left
out: secondary literature (Review, Systematic Review, Meta-Analysis, Practice Guideline,
Guideline: tracked as milestones instead), trial protocols (no results), veterinary trials
and observational studies (not people), and case reports (not a study design). The share per
bin counts the dated descendants only (the undated ones are counted apart); the seed is never
counted. Where iCite's flag is known for a paper (the ``clinical`` argument) it decides
instead of the publication types; nothing stores iCite metrics yet, so callers pass none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping

from .csr import years_of
from .influence import generations

if TYPE_CHECKING:
    from .lens_rules import Lens
    from .selection import PaperMeta

__all__ = ["MILESTONES", "CLINICAL_TYPES", "BIN_YEARS", "is_clinical_article", "translation"]

#: the milestone publication types, in the order of the road to the clinic
MILESTONES = ("Clinical Trial, Phase I", "Clinical Trial, Phase II", "Clinical Trial, Phase III",
              "Randomized Controlled Trial", "Meta-Analysis", "Practice Guideline")

#: publication types that make a paper a clinical article (NLM's Clinical Study branch, people only)
CLINICAL_TYPES = frozenset({
    "Clinical Study", "Observational Study",
    "Clinical Trial", "Clinical Trial, Phase I", "Clinical Trial, Phase II", "Clinical Trial, Phase III",
    "Clinical Trial, Phase IV", "Controlled Clinical Trial", "Randomized Controlled Trial",
    "Pragmatic Clinical Trial", "Adaptive Clinical Trial", "Equivalence Trial",
})

#: years per bin of the clinical share (bins start at multiples of it: 1990-1994, 1995-1999, ...)
BIN_YEARS = 5

_CLINICAL_FOLDED = frozenset(t.casefold() for t in CLINICAL_TYPES)
_MILESTONES_FOLDED = {t.casefold(): t for t in MILESTONES}
_UNDATED = 10_000  # sorts after every dated year


def is_clinical_article(publication_types: Iterable[str]) -> bool:
    """Whether a paper with these PubMed publication types is a clinical article (any case;
    see the module docstring for what counts and why)."""
    return any(t.casefold() in _CLINICAL_FOLDED for t in publication_types)


def translation(graph, seed: str, lens: "Lens", topics_of: Mapping[str, Iterable[str]],
                meta: Mapping[str, "PaperMeta"], *, clinical: Mapping[str, bool] | None = None,
                bin_years: int = BIN_YEARS) -> dict:
    """The road to the clinic among ``seed``'s descendants in ``graph`` (the array graph;
    :class:`~citegraph.errors.InputError` if the seed is not in it).

    ``topics_of``: {pmid: lens topic keys}; ``meta``: {pmid: PaperMeta}, of which only the
    publication types are read (a paper missing from it has none); ``clinical``: {pmid: iCite
    ``is_clinical``} where known, deciding over the publication types.

    Returns ``{"seed", "descendants", "undated", "clinical_basis", "overall", "topics",
    "clinical_share"}``: ``overall`` is ``{"papers", "first", "milestones"}`` over every
    descendant, each of ``topics`` (in lens order, empty topics included) ``{"key", "name",
    "papers", "first", "milestones"}`` over the topic's descendants, where ``first`` is
    ``{"pmid", "year"}`` or ``None`` and ``milestones`` maps every name of :data:`MILESTONES`
    to ``{"pmid", "year"}`` or ``None``. ``clinical_share`` holds one ``{"from", "to",
    "papers", "clinical", "share"}`` per ``bin_years`` bin (``to`` inclusive) from the first
    dated descendant's bin to the last one's, empty bins included with share ``None``.
    """
    gen = generations(graph, seed)
    gen.pop(seed, None)
    year = years_of(graph, gen)
    order = {n: (year[n] if year[n] is not None else _UNDATED, g, int(n)) for n, g in gen.items()}
    # each descendant's milestone types, once
    reached: dict[str, list[str]] = {}
    for n in gen:
        info = meta.get(n)
        if info is not None:
            hits = {_MILESTONES_FOLDED[f] for t in info.publication_types if (f := t.casefold()) in _MILESTONES_FOLDED}
            if hits:
                reached[n] = list(hits)

    def road(members: list[str]) -> dict:
        firsts: dict[str, str] = {}
        for n in members:
            for name in reached.get(n, ()):
                if name not in firsts or order[n] < order[firsts[name]]:
                    firsts[name] = n
        first = min(members, key=order.__getitem__) if members else None
        return {"papers": len(members), "first": _at(first, year),
                "milestones": {name: _at(firsts.get(name), year) for name in MILESTONES}}

    in_topic: dict[str, list[str]] = {t.key: [] for t in lens.topics}
    for n in gen:
        for key in topics_of.get(n, ()):
            if key in in_topic:
                in_topic[key].append(n)
    topics = [{"key": t.key, "name": t.name, **road(in_topic[t.key])} for t in lens.topics]
    share, undated = _clinical_share(gen, year, meta, clinical or {}, bin_years)
    basis = "iCite is_clinical where known, else publication types" if clinical else "publication types"
    return {"seed": seed, "descendants": len(gen), "undated": undated, "clinical_basis": basis,
            "overall": road(list(gen)), "topics": topics, "clinical_share": share}


def _at(pmid: str | None, year: Mapping[str, int | None]) -> dict | None:
    return None if pmid is None else {"pmid": pmid, "year": year[pmid]}


def _clinical_share(papers: Iterable[str], year: Mapping[str, int | None], meta: Mapping[str, "PaperMeta"],
                    clinical: Mapping[str, bool], bin_years: int) -> tuple[list[dict], int]:
    """The share rows of :func:`translation`, and how many papers had no year."""
    if bin_years < 1:
        raise ValueError("bin_years must be at least 1")
    counts: dict[int, list[int]] = {}
    undated = 0
    for n in papers:
        y = year[n]
        if y is None:
            undated += 1
            continue
        if n in clinical:
            is_clinical = bool(clinical[n])
        else:
            info = meta.get(n)
            is_clinical = info is not None and is_clinical_article(info.publication_types)
        tally = counts.setdefault(y - y % bin_years, [0, 0])
        tally[0] += 1
        tally[1] += is_clinical
    rows = []
    if counts:
        for start in range(min(counts), max(counts) + 1, bin_years):
            total, hits = counts.get(start, (0, 0))
            rows.append({"from": start, "to": start + bin_years - 1, "papers": total, "clinical": hits,
                         "share": hits / total if total else None})
    return rows, undated
