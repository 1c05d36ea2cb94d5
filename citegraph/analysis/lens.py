"""Topic lenses: a small TOML file mapping topic names to MeSH descriptors and title/abstract
patterns, so a user can see when each line of work appears among a seed's descendants and
through which papers it descends from the seed.

The format (see the default ``citegraph/lenses/cell-therapy.toml``)::

    name = "my-lens"
    [[topic]]
    key = "car-t"                      # short id (defaults to the name)
    name = "CAR-T cells"
    mesh = ["D000076962", "Receptors, Chimeric Antigen"]   # UI or descriptor name
    patterns = ['chimeric antigen receptor']             # regex, case-insensitive
    exact_patterns = ['\\bCAR-T\\b']                     # regex, case-sensitive

A paper belongs to a topic when any of its MeSH descriptors or any pattern matches.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import networkx as nx
import numpy as np
from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, MatchKind

from ..errors import InputError
from .core import CitationGraph, bfs, is_core, years_of
from .influence import citation_counts, generations
from .paths import why
from .selection import PaperMeta

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Topic", "Lens", "DEFAULT_LENS", "parse_lens", "load_lens", "classify", "classify_many", "topic_summary"]

DEFAULT_LENS = "cell-therapy"
#: part of a lens's digest: change it when Topic.matches changes, so cached classifications go
_MATCHING_VERSION = 1


def _required_literals(pattern: re.Pattern) -> tuple[str, ...]:
    """The runs of plain characters every match of ``pattern`` contains, lower-cased (none
    when there is nothing to rely on, e.g. a top-level alternation)."""
    try:
        from re import _parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse  # type: ignore[no-redef]
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an optimisation only
        return ()
    runs, run = [], []
    for op, arg in list(parsed) + [(None, None)]:
        if op is sre_parse.LITERAL:
            run.append(chr(arg))
            continue
        if op is sre_parse.AT:  # \b, ^, $: zero-width, the run goes on
            continue
        if run:
            runs.append("".join(run).lower())
        run = []
    return tuple(sorted((r for r in set(runs) if len(r) >= 3), key=len, reverse=True)[:2])


#: the characters that case-insensitive matching pairs with an ASCII letter although they do not
#: lower-case to it (tests/analysis/test_lens.py checks the list against every code point)
_UNSAFE_CHARACTERS = "\u0130\u0131\u017f"
_UNSAFE_FOR_SPELLINGS = re.compile(f"[{_UNSAFE_CHARACTERS}]")


def _spellings(pattern: re.Pattern, most: int = 16) -> tuple[tuple[tuple[str, ...], ...], bool]:
    """Runs of characters every match of ``pattern`` contains, each as its possible spellings,
    lower-cased, where a small class (``[- ]``) or an optional character (``-?``) makes several
    (``IL[- ]2`` -> ``("il 2", "il-2")``); at most the two longest runs. Only ASCII characters:
    on a text without the characters of ``_UNSAFE_FOR_SPELLINGS`` the lower-cased text contains
    a spelling of each run whenever the pattern matches. With it, whether the pattern is spelled
    out entirely (one run, no anchor, case-insensitive), so that containing a spelling is the
    same as matching."""
    try:
        from re import _parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse  # type: ignore[no-redef]
    try:
        parsed = list(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - an optimisation only
        return (), False

    def chars(op, arg) -> list[str] | None:
        if op is sre_parse.LITERAL:
            return [chr(arg)]
        if op is sre_parse.IN and arg and all(o is sre_parse.LITERAL for o, _ in arg):
            return [chr(a) for _, a in arg]
        return None

    runs: list[tuple[str, ...]] = []
    spellings = [""]
    breaks = 0
    for op, arg in parsed + [(None, None)]:
        if op is sre_parse.AT:  # \b, ^, $: zero-width, the run goes on
            breaks += 1
            continue
        choices = chars(op, arg)
        if choices is None and op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
            low, high, sub = arg
            items = list(sub)
            if (low, high) == (0, 1) and len(items) == 1 and (inner := chars(*items[0])) is not None:
                choices = [""] + inner
        if choices is not None and all(c.isascii() for c in choices) and len(spellings) * len(choices) <= most:
            spellings = sorted({a + c.lower() for a in spellings for c in choices})
            continue
        breaks += op is not None
        if min(map(len, spellings)) >= 3:
            # a spelling containing another adds nothing: the shorter one is found in it
            runs.append(tuple(a for a in spellings if not any(b != a and b in a for b in spellings)))
        spellings = [""]
    whole = breaks == 0 and len(runs) == 1 and bool(pattern.flags & re.IGNORECASE)
    return tuple(sorted(set(runs), key=lambda r: min(map(len, r)), reverse=True)[:2]), whole


@dataclass(frozen=True)
class Topic:
    key: str
    name: str
    mesh: frozenset[str]  # lower-cased UIs and names
    patterns: tuple[re.Pattern, ...]

    def __post_init__(self) -> None:
        # each pattern with the literal text a match needs: a cheap substring test on the
        # lower-cased text skips most regular expression searches
        object.__setattr__(self, "_checks", tuple((_required_literals(p), p) for p in self.patterns))
        # and its spellings, for classify_many
        object.__setattr__(self, "_spellings", tuple(_spellings(p) for p in self.patterns))

    def matches(self, title: str, meta: PaperMeta, lowered: str | None = None) -> bool:
        """Whether a paper (its title, metadata, and optionally title + abstract lower-cased)
        belongs to this topic."""
        if self.mesh and any(ui.lower() in self.mesh or name.lower() in self.mesh for ui, name in meta.mesh):
            return True
        text = f"{title}\n{meta.abstract}" if meta.abstract else title
        if lowered is None:
            lowered = text.lower()
        return any(all(lit in lowered for lit in literals) and p.search(text) for literals, p in self._checks)


@dataclass(frozen=True)
class Lens:
    name: str
    description: str
    topics: tuple[Topic, ...]
    source: str
    #: identifies the lens text and the matching rules (the key of the store's topic cache)
    digest: str = ""

    def topic(self, wanted: str) -> Topic:
        for topic in self.topics:
            if wanted.lower() in (topic.key.lower(), topic.name.lower()):
                return topic
        raise InputError(f"lens {self.name!r} has no topic {wanted!r}; it has "
                         + ", ".join(t.key for t in self.topics))


def _strings(value: object, what: str, source: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"lens {source}: {what} must be a list of strings")
    return value


def _compile(pattern: str, flags: int, source: str, key: str) -> re.Pattern:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise InputError(f"lens {source}: topic {key!r}: bad pattern {pattern!r}: {exc}") from None


def parse_lens(text: str, source: str = "<lens>") -> Lens:
    """A :class:`Lens` from TOML text; :class:`InputError` says what is wrong with it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"lens {source} is not valid TOML: {exc}") from None
    entries = data.get("topic")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"lens {source} defines no [[topic]]")
    topics: list[Topic] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name", entry.get("key")), str):
            raise InputError(f"lens {source}: every [[topic]] needs a name")
        name = entry.get("name") or entry["key"]
        key = str(entry.get("key") or name)
        if key.lower() in seen:
            raise InputError(f"lens {source}: topic {key!r} is defined twice")
        seen.add(key.lower())
        mesh = frozenset(m.strip().lower() for m in _strings(entry.get("mesh"), "mesh", source))
        patterns = tuple(_compile(p, re.IGNORECASE, source, key) for p in _strings(entry.get("patterns"), "patterns", source))
        patterns += tuple(_compile(p, 0, source, key) for p in _strings(entry.get("exact_patterns"), "exact_patterns",
                                                                        source))
        if not mesh and not patterns:
            raise InputError(f"lens {source}: topic {key!r} has neither mesh nor patterns")
        topics.append(Topic(key=key, name=str(name), mesh=mesh, patterns=patterns))
    digest = hashlib.sha256(f"{_MATCHING_VERSION}\n{text}".encode()).hexdigest()[:32]
    return Lens(name=str(data.get("name", Path(source).stem)), description=str(data.get("description", "")),
                topics=tuple(topics), source=source, digest=digest)


def load_lens(path: str | Path | None = None) -> Lens:
    """The lens in ``path``, or the default ``cell-therapy`` lens shipped with citegraph."""
    if path is None:
        text = (resources.files("citegraph") / "lenses" / f"{DEFAULT_LENS}.toml").read_text(encoding="utf-8")
        return parse_lens(text, f"{DEFAULT_LENS} (built in)")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read lens {path}: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_lens(text, str(path))


def classify(lens: Lens, graph: nx.DiGraph, meta: Mapping[str, PaperMeta],
             nodes: Iterable[str] | None = None) -> dict[str, list[str]]:
    """{pmid: [topic keys]} for the papers (default: all of ``graph``) in at least one topic."""
    empty = PaperMeta()
    found: dict[str, list[str]] = {}
    for node in graph.nodes if nodes is None else nodes:
        title = graph.nodes[node].get("title") or ""
        info = meta.get(node, empty)
        lowered = f"{title}\n{info.abstract}".lower() if info.abstract else title.lower()
        keys = [t.key for t in lens.topics if t.matches(title, info, lowered)]
        if keys:
            found[node] = keys
    return found


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


def _containing_ascii(texts: Sequence[str], needles: Iterable[str], marks: str = ""
                      ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """:func:`_containing` of the lower-cased ``texts`` for ASCII lower-case ``needles``, with
    the same result, and the same for the single non-ASCII characters ``marks`` (in the texts
    as they are: lower-casing bytes leaves them alone). The texts are joined, encoded and lower-cased as UTF-8 bytes and searched there,
    several times faster than lower-casing and searching text: a match of ASCII needles lies in
    a run of ASCII characters, which lower-case alike as text and as bytes. The few texts
    holding a character of :data:`_LOWER_TO_ASCII` are searched again as :func:`_containing`
    searches them."""
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
        automaton = BytesAhoCorasick(patterns, matchkind=MatchKind.Standard)
        masks = _masks(patterns, automaton.find_matches_as_indexes(data.lower(), overlapping=True), ends)
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
    once (:func:`_containing`), searches the pattern only in the papers that contain one, and
    only in papers not yet in the topic; a pattern spelled out entirely is not searched at all.
    The few texts holding a character that lower-casing does not pair with its ASCII letter
    (dotted and dotless i, long s) are tested as :meth:`Topic.matches` tests them."""
    return topics_by_paper(lens, pmids, topic_masks(lens, titles, abstracts, mesh))


def topics_by_paper(lens: Lens, pmids: Sequence[str], in_topic: np.ndarray) -> dict[str, list[str]]:
    """{pmid: [topic keys]} of the papers in at least one topic, from :func:`topic_masks`."""
    if len(lens.topics) > 62:
        rows = np.flatnonzero(in_topic.any(axis=0))
        return {pmids[i]: [t.key for t, hit in zip(lens.topics, flags) if hit]
                for i, flags in zip(rows.tolist(), in_topic[:, rows].T.tolist())}
    # each paper's topics as the bits of one number: one list of keys per distinct number
    codes = np.zeros(in_topic.shape[1], dtype=np.int64)
    for k, mask in enumerate(in_topic):
        codes |= mask.astype(np.int64) << k
    rows = np.flatnonzero(codes)
    codes = codes[rows].tolist()
    keys = {c: [t.key for k, t in enumerate(lens.topics) if c >> k & 1] for c in set(codes)}
    return {pmids[i]: keys[c].copy() for i, c in zip(rows.tolist(), codes)}


def topic_masks(lens: Lens, titles: Sequence[str], abstracts: Sequence[str | None],
                mesh: Sequence[Iterable[str]]) -> np.ndarray:
    """The work of :func:`classify_many`: a boolean array, [k, i] true when paper i is in the
    lens's k-th topic."""
    texts = [f"{t}\n{a}" if a else t for t, a in zip(titles, abstracts)]
    n = len(texts)
    needles: set[str] = set()
    for topic in lens.topics:
        for (literals, _), (groups, _) in zip(topic._checks, topic._spellings):
            needles.update(spelling for group in groups for spelling in group)
            if not groups or not all(lit.isascii() for lit in literals):
                needles.update(literals)
    if all(needle.isascii() for needle in needles):
        containing, marked = _containing_ascii(texts, needles, _UNSAFE_CHARACTERS)
        unsafe = np.logical_or.reduce([marked[c] for c in _UNSAFE_CHARACTERS])
    else:
        unsafe = np.fromiter((not t.isascii() and bool(_UNSAFE_FOR_SPELLINGS.search(t)) for t in texts), dtype=bool,
                             count=n)
        containing = _containing([t.lower() for t in texts], needles)
    odd = np.flatnonzero(unsafe).tolist()
    lowered = {i: texts[i].lower() for i in odd}
    # MeSH: the topics of each distinct UI or name, worked out once
    topics_of_term: dict[str, tuple[int, ...]] = {}
    in_topic = np.zeros((len(lens.topics), n), dtype=bool)
    for i, terms in enumerate(mesh):
        for term in terms:
            hits = topics_of_term.get(term)
            if hits is None:
                low = term.lower()
                hits = topics_of_term[term] = tuple(k for k, topic in enumerate(lens.topics) if low in topic.mesh)
            for k in hits:
                in_topic[k, i] = True
    for k, topic in enumerate(lens.topics):
        matched = in_topic[k]
        for (literals, pattern), (groups, whole) in zip(topic._checks, topic._spellings):
            spelled = np.ones(n, dtype=bool)
            for group in groups:
                found = np.zeros(n, dtype=bool)
                for spelling in group:
                    found |= containing[spelling]
                spelled &= found
            if groups and all(lit.isascii() for lit in literals):
                # on the other texts a match contains the literals: no need to look for them
                candidates = spelled & ~unsafe
                for i in odd:
                    candidates[i] = all(lit in lowered[i] for lit in literals)
            else:
                candidates = spelled | unsafe
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
    return in_topic


def topic_summary(graph: nx.DiGraph, seed: str, lens: Lens, topics_of: Mapping[str, Iterable[str]]) -> list[dict]:
    """Per lens topic, among the seed's descendants: how many papers, first and peak year, the
    earliest and the most cited paper, and the citation chain from the seed to the earliest.

    Rows: ``{"key", "name", "papers", "first_year", "peak_year", "earliest": pmid | None,
    "most_cited": {"pmid", "citations"} | None, "path_to_earliest": [seed, ..., earliest]}``.
    Earliest: lowest year, then lowest generation, then lowest PMID; most cited: in-graph
    citations, then earliest year, then lowest PMID; peak year: most papers, earliest on a tie.
    """
    if is_core(graph):
        return _topic_summary_core(graph, seed, lens, topics_of)
    gen = generations(graph, seed)
    gen.pop(seed)
    in_topic: dict[str, list[str]] = {t.key: [] for t in lens.topics}
    for n in gen:
        for key in topics_of.get(n, ()):
            if key in in_topic:
                in_topic[key].append(n)
    in_any = [n for n in gen if n in topics_of]
    year_of, counts_of = years_of(graph, in_any), citation_counts(graph, in_any)  # once, not per topic
    rows = []
    for topic in lens.topics:
        members = in_topic[topic.key]
        row = {"key": topic.key, "name": topic.name, "papers": len(members), "first_year": None, "peak_year": None,
               "earliest": None, "most_cited": None, "path_to_earliest": []}
        if members:
            year = year_of
            dated = [n for n in members if year[n] is not None]
            per_year: dict[int, int] = {}
            for n in dated:
                per_year[year[n]] = per_year.get(year[n], 0) + 1
            never = 10_000
            earliest = min(members, key=lambda n: (year[n] if year[n] is not None else never, gen[n], int(n)))
            counts = counts_of
            top = min(members, key=lambda n: (-counts[n], year[n] if year[n] is not None else never, int(n)))
            chains = why(graph, earliest, seed, limit=1)["paths"]
            row.update(first_year=min(per_year) if per_year else None,
                       peak_year=min(per_year, key=lambda y: (-per_year[y], y)) if per_year else None,
                       earliest=earliest, most_cited={"pmid": top, "citations": counts[top]},
                       path_to_earliest=chains[0] if chains else [])
        rows.append(row)
    return rows


def _indices_in(graph: CitationGraph, pmids: list[str]) -> dict[str, int]:
    """{pmid: node index} of those of ``pmids`` that are in ``graph`` (one search of the sorted
    PMIDs for all of them)."""
    try:
        wanted = np.fromiter(map(int, pmids), dtype=np.int64, count=len(pmids))
    except (TypeError, ValueError, OverflowError):
        tagged = [n for n in pmids if n in graph]
        return dict(zip(tagged, graph.indices(tagged).tolist()))
    if graph.n == 0:
        return {}
    pos = np.minimum(np.searchsorted(graph.ids, wanted), graph.n - 1)
    hit = graph.ids[pos] == wanted
    return {p: i for p, i, ok in zip(pmids, pos.tolist(), hit.tolist()) if ok}


def _topic_summary_core(graph: CitationGraph, seed: str, lens: Lens, topics_of: Mapping[str, Iterable[str]]
                        ) -> list[dict]:
    """:func:`topic_summary` on the arrays: the same orderings as sorts of index arrays (index
    order is PMID order; undated papers count as year 10,000)."""
    from .selection import require_node

    require_node(graph, seed, "seed")
    dist = bfs([(graph.in_ptr, graph.in_idx)], graph.n, graph.indices([seed]))[0]
    index = _indices_in(graph, list(topics_of))
    in_topic: dict[str, list[int]] = {t.key: [] for t in lens.topics}
    for n, i in index.items():
        if dist[i] > 0:
            for key in topics_of[n]:
                if key in in_topic:
                    in_topic[key].append(i)
    year = np.where(graph.year > 0, graph.year, 10_000)
    counts = graph.in_degrees()
    rows = []
    for topic in lens.topics:
        m = np.array(sorted(in_topic[topic.key]), dtype=np.int64)
        row = {"key": topic.key, "name": topic.name, "papers": len(m), "first_year": None, "peak_year": None,
               "earliest": None, "most_cited": None, "path_to_earliest": []}
        if len(m):
            earliest = int(m[np.lexsort((m, dist[m], year[m]))[0]])
            top = int(m[np.lexsort((m, year[m], -counts[m]))[0]])
            dated = graph.year[m][graph.year[m] > 0]
            years, per_year = np.unique(dated, return_counts=True)
            (earliest_name, top_name) = graph.names([earliest, top])
            chains = why(graph, earliest_name, seed, limit=1)["paths"]
            row.update(first_year=int(years[0]) if len(years) else None,
                       peak_year=int(years[int(np.argmax(per_year))]) if len(years) else None,
                       earliest=earliest_name, most_cited={"pmid": top_name, "citations": int(counts[top])},
                       path_to_earliest=chains[0] if chains else [])
        rows.append(row)
    return rows
