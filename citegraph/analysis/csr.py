"""The citation graph: integer-indexed numpy CSR arrays (edge = citing -> cited), the one graph
every analysis, view and export reads.

Node ``i`` is the ``i``-th PMID in ascending order, so index order is PMID order (the analysis
breaks ties by lower PMID: on this graph that is lower index). Edges (citing -> cited) are kept
twice: sorted by (citing, cited) for the papers a paper cites, and by (cited, citing) for the
papers citing it. :func:`citegraph.analysis.load.load_graph` builds it from the store.

:class:`CitationGraph` also answers the read-only mapping questions views ask of a graph
(``in``, iteration, ``nodes[pmid]``, ``pred``/``succ``, degrees, counts). Node titles and
journals are read from the store only for the papers something asks about (``reader``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable, Iterable, Iterator

import numpy as np

__all__ = ["CitationGraph", "gather", "bfs", "years_of", "unique", "distinct"]

#: reads {pmid: (year, title, journal)} of stored papers
Reader = Callable[[list[str]], dict[str, tuple]]


def years_of(graph: "CitationGraph", nodes: Iterable[str]) -> dict[str, int | None]:
    """{pmid: year or None} of ``nodes`` of ``graph``."""
    nodes = list(nodes)
    return {n: y or None for n, y in zip(nodes, graph.year[graph.indices(nodes)].tolist())}


def unique(values: np.ndarray, n: int) -> np.ndarray:
    """The distinct node indices (below ``n``) in ``values``, ascending (np.unique hashes,
    which is several times slower on these arrays)."""
    if len(values) * 8 > n:
        mark = np.zeros(n, dtype=bool)
        mark[values] = True
        return np.flatnonzero(mark)
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def gather(ptr: np.ndarray, idx: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CSR rows of ``nodes``: (the row's node repeated, the neighbour, the position in
    ``idx``) for every entry, rows in the order of ``nodes``, each row in stored order."""
    nodes = np.asarray(nodes, dtype=np.int64)
    starts = ptr[nodes]
    counts = ptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    ends = np.cumsum(counts)
    pos = np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - counts), counts)
    return np.repeat(nodes, counts), idx[pos], pos


def bfs(ptrs: list[tuple[np.ndarray, np.ndarray]], n: int, seeds: np.ndarray, depth: int | None = None,
        stop: int | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Breadth-first search from ``seeds`` along the union of the CSR adjacencies ``ptrs``:
    (hop distance of every node, -1 if unreached; the nodes of each level, ascending), up to
    ``depth`` hops, or up to the level that reaches node ``stop``."""
    dist = np.full(n, -1, dtype=np.int64)
    frontier = unique(np.asarray(seeds, dtype=np.int64), n)
    levels: list[np.ndarray] = []
    d = 0
    while frontier.size:
        dist[frontier] = d
        levels.append(frontier)
        if (depth is not None and d >= depth) or (stop is not None and dist[stop] >= 0):
            break
        found = [gather(ptr, idx, frontier)[1] for ptr, idx in ptrs]
        nxt = np.concatenate(found) if len(found) > 1 else found[0]
        nxt = nxt[dist[nxt] < 0]
        frontier = unique(nxt, n)
        d += 1
    return dist, levels


class _NodeView:
    def __init__(self, graph: "CitationGraph") -> None:
        self._g = graph

    def __iter__(self) -> Iterator[str]:
        return iter(self._g.names())

    def __len__(self) -> int:
        return self._g.n

    def __contains__(self, pmid: object) -> bool:
        return pmid in self._g

    def __getitem__(self, pmid: str) -> dict:
        return self._g.attrs(pmid)


class _Attrs(Mapping):
    """A node's attributes; the year from the arrays, title and journal read on first use."""

    def __init__(self, graph: "CitationGraph", pmid: str, i: int) -> None:
        self._g, self._pmid, self._i = graph, pmid, i
        self._keys = ("year", "title", "journal", "stored") if graph.stored[i] else ("stored",)

    def __getitem__(self, key: str):
        if key not in self._keys:
            raise KeyError(key)
        if key == "stored":
            return bool(self._g.stored[self._i])
        if key == "year":
            return int(self._g.year[self._i]) or None
        if self._pmid not in self._g._summaries:
            self._g.preload([self._pmid])
        _, title, journal = self._g._summaries.get(self._pmid, (None, "", ""))
        return title if key == "title" else journal

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class _AdjView:
    def __init__(self, graph: "CitationGraph", incoming: bool) -> None:
        self._g, self._incoming = graph, incoming

    def __getitem__(self, pmid: str) -> list[str]:
        g = self._g
        i = g.index(pmid)
        ptr, idx = (g.in_ptr, g.in_idx) if self._incoming else (g.out_ptr, g.dst)
        return g.names(idx[ptr[i]:ptr[i + 1]])

    def __contains__(self, pmid: object) -> bool:
        return pmid in self._g

    def __iter__(self) -> Iterator[str]:
        return iter(self._g.names())

    def items(self):
        return ((p, self[p]) for p in self._g.names())


class CitationGraph:
    """Citation graph on integer arrays (see the module docstring). Build it with
    :meth:`from_edges` (or :func:`citegraph.analysis.load.load_graph`)."""

    def __init__(self, ids: np.ndarray, year: np.ndarray, stored: np.ndarray, src: np.ndarray, dst: np.ndarray,
                 in_perm: np.ndarray, reader: Reader | None = None, summaries: dict | None = None) -> None:
        #: PMIDs, ascending; ``year`` 0 = unknown; ``stored``: has a stored record
        self.ids, self.year, self.stored = ids, year, stored
        self.n = len(ids)
        #: edges sorted by (citing, cited): ``src`` citing, ``dst`` cited
        self.src, self.dst = src, dst
        self.out_ptr = _ptr(src, self.n)
        #: edge ids sorted by (cited, citing); ``in_idx`` the citing paper of each
        self.in_perm = in_perm
        self.in_idx = src[in_perm]
        self.in_ptr = _ptr(dst, self.n)  # a count per cited paper: any order
        self.reader = reader
        self._summaries: dict[str, tuple] = {} if summaries is None else summaries
        self._names: list[str] | None = None

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_edges(cls, citing: np.ndarray, cited: np.ndarray, nodes: np.ndarray, years: np.ndarray | None = None,
                   *, include_unstored: bool = False, reader: Reader | None = None) -> "CitationGraph":
        """The graph on ``nodes`` (stored PMIDs, with ``years``, 0 = unknown) and the edges
        between them; with ``include_unstored`` also the edges to or from other PMIDs, whose
        nodes are marked unstored. Duplicate edges and self-citations are dropped. Edges
        already sorted by (cited, citing), as the store's index of cited papers reads them,
        are not sorted again."""
        nodes = np.asarray(nodes, dtype=np.int64)
        years = np.zeros(len(nodes), dtype=np.int64) if years is None else np.asarray(years, dtype=np.int64)
        order = np.argsort(nodes, kind="stable")
        nodes, years = nodes[order], years[order]
        # the edges by (cited, citing): the order of the papers citing each paper
        cited, citing = _pairs(np.asarray(cited, dtype=np.int64), np.asarray(citing, dtype=np.int64))
        b, b_in = _locate_runs(nodes, cited)
        # the same edges by (citing, cited): a stable sort by the citing paper keeps each one's
        # cited papers in order
        by_citing = np.argsort(citing, kind="stable")
        citing = citing[by_citing]
        a, a_in = _locate_runs(nodes, citing)
        ids, year, stored = nodes, years, np.ones(len(nodes), dtype=bool)
        if include_unstored:
            extra = distinct(np.concatenate([citing[~a_in], cited[~b_in]]))
            if len(extra):
                ids = np.sort(np.concatenate([nodes, extra]))  # the two are disjoint
                at_node, at_extra = np.searchsorted(ids, nodes), np.searchsorted(ids, extra)
                stored = np.zeros(len(ids), dtype=bool)
                stored[at_node] = True
                year = np.zeros(len(ids), dtype=np.int64)
                year[at_node] = years
                a = _merged(a, a_in, citing, at_node, extra, at_extra)
                b = _merged(b, b_in, cited, at_node, extra, at_extra)
            a_in = np.ones(len(a), dtype=bool)
            b_in = a_in
        keep = a_in & b_in[by_citing]  # in (citing, cited) order
        if keep.all():  # every edge between papers of the graph: no copies
            src, dst = a, b[by_citing]
            in_perm = np.empty(len(by_citing), dtype=np.int64)
            in_perm[by_citing] = np.arange(len(by_citing), dtype=np.int64)
            return cls(ids, year, stored, src, dst, in_perm, reader)
        kept = by_citing[keep]  # position in (cited, citing) order of each kept edge
        src, dst = a[keep], b[kept]
        # the kept edges' ids (their rank in (citing, cited) order) in (cited, citing) order
        rank = np.full(len(cited), -1, dtype=np.int64)
        rank[kept] = np.arange(len(kept), dtype=np.int64)
        in_perm = rank[rank >= 0]
        return cls(ids, year, stored, src, dst, in_perm, reader)

    def parts(self) -> dict[str, bytes]:
        """The arrays that make the graph, as bytes (see :meth:`from_parts`): the citing side
        of the edges as row pointers, the edge ends as 32-bit numbers when the graph is small
        enough for them."""
        index = np.int32 if max(self.n, len(self.src)) < 2 ** 31 else np.int64
        arrays = {"ids": (self.ids, np.int64), "year": (self.year, np.int64), "stored": (self.stored, np.bool_),
                  "out_ptr": (self.out_ptr, np.int64), "dst": (self.dst, index), "in_perm": (self.in_perm, index)}
        parts = {name: np.ascontiguousarray(array, dtype=kind).tobytes() for name, (array, kind) in arrays.items()}
        parts["index"] = np.dtype(index).str.encode()
        return parts

    @classmethod
    def from_parts(cls, parts: Mapping[str, bytes], reader: Reader | None = None) -> "CitationGraph":
        """The graph whose :meth:`parts` are ``parts``; ValueError when they do not make one
        (a part missing or of the wrong length, an edge outside the graph, PMIDs or edges out
        of the order :class:`CitationGraph` keeps them in)."""
        def array(name: str, kind) -> np.ndarray:
            return np.frombuffer(bytearray(parts[name]), dtype=kind)

        try:
            index = np.dtype(parts["index"].decode())
            if index not in (np.dtype(np.int32), np.dtype(np.int64)):
                raise ValueError(f"edge ends of type {index}")
            ids, year, out_ptr = array("ids", np.int64), array("year", np.int64), array("out_ptr", np.int64)
            stored = array("stored", np.bool_)
            dst, in_perm = array("dst", index).astype(np.int64), array("in_perm", index).astype(np.int64)
        except (KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
            raise ValueError(f"not the parts of a graph: {exc}") from None
        n, m = len(ids), len(dst)
        if len(year) != n or len(stored) != n or len(out_ptr) != n + 1 or len(in_perm) != m:
            raise ValueError("not the parts of a graph: the arrays' lengths differ")
        counts = np.diff(out_ptr)
        if out_ptr[0] != 0 or out_ptr[-1] != m or (counts < 0).any():
            raise ValueError("not the parts of a graph: the row pointers do not match the edges")
        if m and (min(dst.min(), in_perm.min()) < 0 or dst.max() >= n or in_perm.max() >= m):
            raise ValueError("not the parts of a graph: an edge outside the graph")
        if n > 1 and not (ids[1:] > ids[:-1]).all():
            raise ValueError("not the parts of a graph: the PMIDs are not in ascending order")
        graph = cls(ids, year, stored, np.repeat(np.arange(n, dtype=np.int64), counts), dst, in_perm, reader)
        if m > 1:
            keys = graph.src * n + dst
            if not (keys[1:] > keys[:-1]).all():
                raise ValueError("not the parts of a graph: the edges are not in (citing, cited) order")
            by_cited = dst[in_perm] * n + graph.in_idx  # in_idx: the citing paper of each, by cited paper
            if not (by_cited[1:] > by_cited[:-1]).all():  # also makes in_perm a permutation
                raise ValueError("not the parts of a graph: the edges by cited paper are out of order")
        return graph

    def subgraph(self, keep: np.ndarray, keep_edges: np.ndarray | None = None) -> "CitationGraph":
        """The graph induced by the boolean node mask ``keep`` (less the edges where
        ``keep_edges`` is False); shares the title cache. No sorting: order is preserved."""
        if keep.all() and (keep_edges is None or keep_edges.all()):
            return self
        new = np.cumsum(keep) - 1
        ke = keep[self.src] & keep[self.dst]
        if keep_edges is not None:
            ke &= keep_edges
        eid = np.cumsum(ke) - 1
        perm = self.in_perm[ke[self.in_perm]]
        return CitationGraph(self.ids[keep], self.year[keep], self.stored[keep], new[self.src[ke]],
                             new[self.dst[ke]], eid[perm], self.reader, self._summaries)

    def add_unstored(self, pmid: str, citing: Iterable[str]) -> None:
        """Add a paper without a stored record and the edges from ``citing`` (papers of the
        graph) to it, in place."""
        p = int(pmid)
        pos = int(np.searchsorted(self.ids, p))
        ids = np.insert(self.ids, pos, p)
        year = np.insert(self.year, pos, 0)
        stored = np.insert(self.stored, pos, False)
        shift = lambda a: a + (a >= pos)  # noqa: E731
        src, dst = shift(self.src), shift(self.dst)
        new_src = np.searchsorted(ids, np.array(sorted({int(c) for c in citing}), dtype=np.int64))
        src = np.concatenate([src, new_src])
        dst = np.concatenate([dst, np.full(len(new_src), pos, dtype=np.int64)])
        order = np.lexsort((dst, src))
        src, dst = src[order], dst[order]
        self.__init__(ids, year, stored, src, dst, _by_cited(src, dst, len(ids)), self.reader, self._summaries)

    # -- the mapping surface views read ----------------------------------------------------------

    def index(self, pmid: str | int) -> int:
        try:
            p = int(pmid)
        except (TypeError, ValueError):
            raise KeyError(pmid) from None
        i = int(np.searchsorted(self.ids, p))
        if i >= self.n or self.ids[i] != p:
            raise KeyError(pmid)
        return i

    def indices(self, pmids: Iterable[str]) -> np.ndarray:
        """Node indices of ``pmids`` (KeyError for one not in the graph)."""
        pmids = list(pmids)
        try:
            wanted = np.array([int(p) for p in pmids], dtype=np.int64)
        except (TypeError, ValueError, OverflowError):
            return np.array([self.index(p) for p in pmids], dtype=np.int64)
        found = np.minimum(np.searchsorted(self.ids, wanted), max(self.n - 1, 0))
        if len(wanted) and (self.n == 0 or not (self.ids[found] == wanted).all()):
            missing = next(p for p, ok in zip(pmids, (self.ids[found] == wanted) if self.n else [False] * len(pmids))
                           if not ok)
            raise KeyError(missing)
        return found.astype(np.int64)

    def names(self, idx: np.ndarray | None = None) -> list[str]:
        """PMIDs (strings) of the node indices ``idx`` (default: all, ascending)."""
        if idx is None:
            if self._names is None:
                self._names = [str(x) for x in self.ids.tolist()]
            return self._names
        return [str(x) for x in self.ids[np.asarray(idx, dtype=np.int64)].tolist()]

    def __contains__(self, pmid: object) -> bool:
        try:
            self.index(pmid)  # type: ignore[arg-type]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return self.n

    def number_of_nodes(self) -> int:
        return self.n

    def number_of_edges(self) -> int:
        return len(self.src)

    @property
    def nodes(self) -> _NodeView:
        return _NodeView(self)

    @property
    def pred(self) -> _AdjView:
        """pred[pmid]: the papers citing it."""
        return _AdjView(self, True)

    @property
    def succ(self) -> _AdjView:
        """succ[pmid]: the papers it cites."""
        return _AdjView(self, False)

    @property
    def edges(self) -> list[tuple[str, str]]:
        names = self.names()
        return [(names[a], names[b]) for a, b in zip(self.src.tolist(), self.dst.tolist())]

    def in_degree(self, pmid: str) -> int:
        i = self.index(pmid)
        return int(self.in_ptr[i + 1] - self.in_ptr[i])

    def out_degree(self, pmid: str) -> int:
        i = self.index(pmid)
        return int(self.out_ptr[i + 1] - self.out_ptr[i])

    def in_degrees(self) -> np.ndarray:
        return np.diff(self.in_ptr)

    def out_degrees(self) -> np.ndarray:
        return np.diff(self.out_ptr)

    # -- node attributes, read lazily -------------------------------------------------------

    def preload(self, pmids: Iterable[str]) -> None:
        """Read the titles and journals of ``pmids`` (one query) before asking for them."""
        wanted = [p for p in pmids if p not in self._summaries and p in self and self.stored[self.index(p)]]
        if wanted and self.reader is not None:
            found = self.reader(wanted)
            for p in wanted:
                self._summaries[p] = found.get(p, (None, "", ""))

    def attrs(self, pmid: str) -> Mapping:
        """Node attributes (year, title, journal, stored; only
        stored=False for a paper without a record); title and journal are read on first use."""
        return _Attrs(self, pmid, self.index(pmid))


def _by_cited(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """Edge ids sorted by (cited, citing), for edges sorted by (citing, cited): a stable sort
    by the cited paper keeps the citing papers in order."""
    return np.argsort(dst, kind="stable")


def _pairs(major: np.ndarray, minor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (major, minor) pairs, sorted, without pairs of equal values (sorted input
    without those is returned as it is, after one pass to check it)."""
    if len(major) < 2:
        pass
    elif ((major[1:] > major[:-1]) | ((major[1:] == major[:-1]) & (minor[1:] > minor[:-1]))).all():
        pass  # sorted and distinct already
    elif major.min() >= 0 and minor.min() >= 0 and max(major.max(), minor.max()) < 2 ** 31:
        # one key per pair; a stable sort is the fastest here (the rows come in runs)
        key = np.sort((major << 32) | minor, kind="stable")
        major, minor = key >> 32, key & 0xFFFFFFFF
    else:
        order = np.lexsort((minor, major))
        major, minor = major[order], minor[order]
    keep = major != minor
    keep[1:] &= (major[1:] != major[:-1]) | (minor[1:] != minor[:-1])
    return (major, minor) if keep.all() else (major[keep], minor[keep])


def _locate_runs(ids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_locate` for sorted ``values``: one search per distinct value."""
    if len(values) == 0:
        return _locate(ids, values)
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    at, there = _locate(ids, values[starts])
    lengths = np.diff(np.append(starts, len(values)))
    there = np.ones(len(values), dtype=bool) if there.all() else np.repeat(there, lengths)
    return np.repeat(at, lengths), there


def _locate(ids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``values``: its position in the sorted array ``ids`` (0 when absent) and
    whether it is there."""
    if len(ids) == 0:
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(ids, values), len(ids) - 1)
    there = ids[at] == values
    return np.where(there, at, 0), there


def _merged(at: np.ndarray, there: np.ndarray, values: np.ndarray, at_node: np.ndarray, extra: np.ndarray,
            at_extra: np.ndarray) -> np.ndarray:
    """Positions of ``values`` among the stored and the ``extra`` PMIDs together, from their
    positions ``at`` among the stored ones (where ``there``) and in ``extra`` (elsewhere)."""
    out = np.empty(len(values), dtype=np.int64)
    out[there] = at_node[at[there]]
    out[~there] = at_extra[np.searchsorted(extra, values[~there])]
    return out


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct ``values``, ascending (sort and neighbour test: np.unique hashes, several
    times slower on these arrays)."""
    values = np.sort(values)
    if len(values) > 1:
        values = values[np.concatenate(([True], values[1:] != values[:-1]))]
    return values


def _ptr(keys: np.ndarray, n: int) -> np.ndarray:
    """CSR row pointers: row ``i`` holds the entries whose key is ``i`` (keys below ``n``, in
    any order; the rows' entries must be sorted by key to be read with them)."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    if len(keys):
        np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr
