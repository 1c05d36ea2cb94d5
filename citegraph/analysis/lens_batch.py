"""Classifying many papers by a lens at once (:func:`classify_many`), with the answers of
:func:`citegraph.analysis.lens.classify`: every pattern's spellings found in all the texts in one
Aho-Corasick pass, regular expressions searched only where a spelling is.
"""

from __future__ import annotations

from itertools import chain
from typing import Iterable, Sequence

import numpy as np
from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, Implementation, MatchKind

from .lens_rules import _UNSAFE_CHARACTERS, Lens

__all__ = ["classify_many", "topic_masks", "mesh_matches", "text_matches", "topics_by_paper", "topic_keys"]


def _containing(lowered: list[str], needles: Iterable[str]) -> dict[str, np.ndarray]:
    """{needle: boolean mask of the texts containing it}, for all needles in one pass over the
    texts joined by newlines (an Aho-Corasick automaton, overlapping matches; a match across
    the newline between two texts counts for neither)."""
    needles = sorted(set(needles))
    if not needles or not lowered:
        return {needle: np.zeros(len(lowered), dtype=bool) for needle in needles}
    ends = np.cumsum(np.fromiter((len(t) + 1 for t in lowered), dtype=np.int64, count=len(lowered)))
    automaton = AhoCorasick(needles, matchkind=MatchKind.Standard)
    return _masks(needles, automaton.find_matches_as_indexes("\n".join(lowered), overlapping=True), ends)


#: the characters whose lower case holds an ASCII character (dotted capital I, Kelvin sign):
#: in other texts the ASCII characters of ``text.lower()`` are those of the UTF-8 bytes lowered
#: (tests/analysis/test_lens.py checks the list against every code point)
_LOWER_TO_ASCII = "\u0130\u212a"


def _containing_ascii(texts: Sequence[str], needles: Iterable[str], marks: str = "", *, apart: bool = False
                      ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """:func:`_containing` of the lower-cased ``texts`` for lower-case ``needles`` of ASCII and
    caseless characters (:func:`~.lens_rules.spellable`), with the same result, and the same
    for the single non-ASCII characters ``marks`` (in the texts as they are: lower-casing bytes
    leaves them alone). The texts are joined, encoded and lower-cased as UTF-8 bytes and
    searched there, several times faster than lower-casing and searching text: a match of such
    needles lies in a run of ASCII and caseless characters, which lower-case alike as text and
    as bytes. The few texts
    holding a character of :data:`_LOWER_TO_ASCII` are searched again as :func:`_containing`
    searches them. ``apart``: the caller knows that no two occurrences of the needles can
    overlap in its texts, so the matches one after another are all the matches (found four
    times faster than overlapping ones; the marks, non-ASCII, never overlap an ASCII needle)."""
    needles = sorted(set(needles))
    marks = "".join(sorted(set(marks) | set(_LOWER_TO_ASCII)))
    data = "\0".join(texts).encode()
    if data.count(b"\0") == len(texts) - 1:
        ends = np.append(np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0), len(data)) + 1
    else:  # a text holds a NUL itself
        ends = np.cumsum(np.fromiter((len(t.encode()) + 1 for t in texts), dtype=np.int64, count=len(texts)))
    patterns = [n.encode() for n in needles] + [m.encode() for m in marks]
    if not texts:
        masks = {p: np.zeros(0, dtype=bool) for p in patterns}
    else:
        # a DFA searches twice as fast as the default NFA, and is small for a lens's needles;
        # non-overlapping search is four times faster still, where it finds every match
        automaton = BytesAhoCorasick(patterns, matchkind=MatchKind.LeftmostFirst if apart else MatchKind.Standard,
                                     implementation=Implementation.DFA if len(patterns) <= 2000 else None)
        masks = _masks(patterns, automaton.find_matches_as_indexes(data.lower(), overlapping=not apart), ends)
    found = {needle: masks[pattern] for needle, pattern in zip(needles, patterns)}
    marked = {mark: masks[mark.encode()] for mark in marks}
    changing = np.flatnonzero(np.logical_or.reduce([marked[m] for m in _LOWER_TO_ASCII]))
    if len(changing):
        again = _containing([texts[i].lower() for i in changing.tolist()], needles)
        for needle in needles:
            found[needle][changing] = again[needle]
    return found, marked


def _masks(needles: list, hits: list[tuple[int, int, int]], ends: np.ndarray) -> dict:
    """{needle: mask of the texts} from an automaton's (needle, start, stop) matches in texts
    joined by one separator, text i ending at ``ends[i] - 1``."""
    n = len(ends)
    if not hits:
        return {needle: np.zeros(n, dtype=bool) for needle in needles}
    which, start, stop = np.fromiter(chain.from_iterable(hits), dtype=np.int64, count=3 * len(hits)).reshape(-1, 3).T
    text = np.searchsorted(ends, start, side="right")  # text i spans [ends[i-1], ends[i] - 1)
    inside = stop < ends[text]
    flat = np.zeros(len(needles) * n, dtype=bool)
    flat[which[inside] * n + text[inside]] = True
    return dict(zip(needles, flat.reshape(len(needles), n)))


def classify_many(lens: Lens, pmids: Sequence[str], titles: Sequence[str], abstracts: Sequence[str | None],
                  mesh: Sequence[Iterable[str]]) -> dict[str, list[str]]:
    """:func:`classify` for many papers at once, with the same result: {pmid: [topic keys]} for
    the papers (``titles[i]``, ``abstracts[i]``, ``mesh[i]``: the UIs and names of its MeSH
    descriptors, of which only those the lens names matter) in at least one topic.

    Where :func:`classify` tests each pattern's literals on every paper before searching it,
    this finds each pattern's spellings (:func:`_spellings`) in all the lower-cased texts at
    once (:func:`_containing_ascii`), searches the pattern only in the papers that contain one, and
    only in papers not yet in the topic; a pattern spelled out entirely is not searched at all.
    The few texts holding a character that lower-casing does not pair with its ASCII letter
    (dotted and dotless i, long s) are tested as :meth:`Topic.matches` tests them."""
    return topics_by_paper(lens, pmids, topic_masks(lens, titles, abstracts, mesh))


def topics_by_paper(lens: Lens, pmids: Sequence[str], in_topic: np.ndarray) -> dict[str, list[str]]:
    """{pmid: [topic keys]} of the papers in at least one topic, from :func:`topic_masks`."""
    return {pmid: list(keys) for pmid, keys in zip(pmids, topic_keys(lens, in_topic)) if keys}


def topic_keys(lens: Lens, in_topic: np.ndarray) -> list[tuple[str, ...]]:
    """Each paper's topic keys, from :func:`topic_masks` (one tuple per distinct set)."""
    if len(lens.topics) > 62:
        return [tuple(t.key for t, hit in zip(lens.topics, flags) if hit) for flags in in_topic.T.tolist()]
    # each paper's topics as the bits of one number: one tuple of keys per distinct number
    codes = np.zeros(in_topic.shape[1], dtype=np.int64)
    for k, mask in enumerate(in_topic):
        codes |= mask.astype(np.int64) << k
    codes = codes.tolist()
    keys = {c: tuple(t.key for k, t in enumerate(lens.topics) if c >> k & 1) for c in set(codes)}
    return [keys[c] for c in codes]


def topic_masks(lens: Lens, titles: Sequence[str], abstracts: Sequence[str | None],
                mesh: Sequence[Iterable[str]]) -> np.ndarray:
    """The work of :func:`classify_many`: a boolean array, [k, i] true when paper i is in the
    lens's k-th topic."""
    return text_matches(lens, titles, abstracts, mesh_matches(lens, mesh))


def mesh_matches(lens: Lens, mesh: Sequence[Iterable[str]]) -> np.ndarray:
    """[k, i] true when paper i has a MeSH descriptor (UI or name, ``mesh[i]``) of the k-th topic."""
    # the topics of each distinct UI or name, worked out once
    topics_of_term: dict[str, tuple[int, ...]] = {}
    in_topic = np.zeros((len(lens.topics), len(mesh)), dtype=bool)
    for i, terms in enumerate(mesh):
        for term in terms:
            hits = topics_of_term.get(term)
            if hits is None:
                low = term.lower()
                hits = topics_of_term[term] = tuple(k for k, topic in enumerate(lens.topics) if low in topic.mesh)
            for k in hits:
                in_topic[k, i] = True
    return in_topic


def text_matches(lens: Lens, titles: Sequence[str], abstracts: Sequence[str | None], in_topic: np.ndarray
                 ) -> np.ndarray:
    """``in_topic`` (as :func:`mesh_matches` gives it, changed in place) with the papers whose
    title or abstract a pattern of the k-th topic matches, and no exclusion of it, added to row k."""
    texts = [f"{t}\n{a}" if a else t for t, a in zip(titles, abstracts)]
    n = len(texts)
    needles: set[str] = set()
    for topic in lens.topics:
        for (literals, _), (groups, _) in zip(topic._checks, topic._spellings):
            needles.update(spelling for group in groups for spelling in group)
            if not groups:
                needles.update(literals)  # spellable characters only, as the spellings
    containing, marked = _containing_ascii(texts, needles, _UNSAFE_CHARACTERS)
    unsafe = np.logical_or.reduce([marked[c] for c in _UNSAFE_CHARACTERS])
    odd = np.flatnonzero(unsafe).tolist()
    lowered = {i: texts[i].lower() for i in odd}
    for k, topic in enumerate(lens.topics):
        by_mesh = in_topic[k].copy()
        matched = in_topic[k]
        for (literals, pattern), (groups, whole) in zip(topic._checks, topic._spellings):
            if groups:
                # on the other texts a match contains a spelling of each run; the odd ones are
                # tested as Topic.matches tests them
                candidates = ~unsafe
                for group in groups:
                    found = np.zeros(n, dtype=bool)
                    for spelling in group:
                        found |= containing[spelling]
                    candidates &= found
                for i in odd:
                    candidates[i] = all(lit in lowered[i] for lit in literals)
            else:
                candidates = np.ones(n, dtype=bool)
                for literal in literals:
                    candidates &= containing[literal]
            candidates &= ~matched
            if whole:
                matched |= candidates & ~unsafe  # containing a spelling is matching
                candidates &= unsafe
            search = pattern.search
            for i in np.flatnonzero(candidates).tolist():
                if search(texts[i]):
                    matched[i] = True
        if topic.excludes:
            for i in np.flatnonzero(matched & ~by_mesh).tolist():
                if topic.excluded(texts[i]):
                    matched[i] = False
    return in_topic
