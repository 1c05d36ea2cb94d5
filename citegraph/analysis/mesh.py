"""Papers' MeSH descriptors as columns, and per-paper metadata that is decoded only when read.

:class:`MeshIndex` holds one row per (paper, descriptor): the paper's PMID and the descriptor's
number in a list of (UI, name) sorted by UI, so that counting descriptors over thousands of
papers is array arithmetic. :class:`StoredMeta` is the ``{pmid: PaperMeta}`` mapping the
analysis reads from the store's ``article_meta`` table: it keeps each paper's row as stored
(JSON texts) and decodes a paper's :class:`PaperMeta` the first time it is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
import orjson

from .csr import CitationGraph, distinct
from .selection import PaperMeta

__all__ = ["MeshIndex", "StoredMeta", "mesh_index"]


@dataclass(frozen=True, eq=False)
class MeshIndex:
    """Row ``i``: paper ``pmids[i]`` is indexed with descriptor ``descriptors[codes[i]]``
    (a (UI, name) pair; the list is sorted by UI, so code order is UI order)."""

    pmids: np.ndarray
    codes: np.ndarray
    descriptors: list[tuple[str, str]]

    @classmethod
    def from_pairs(cls, pmids: Iterable[int], keys: Iterable[tuple[str, str]]) -> "MeshIndex":
        """From (PMID, (UI, name)) rows given as two parallel iterables; a UI met under several
        names keeps the first."""
        number: dict[tuple[str, str], int] = {}
        raw = [number.setdefault(key, len(number)) for key in keys]
        return cls.coded(np.fromiter(pmids, dtype=np.int64), np.asarray(raw, dtype=np.int64), list(number))

    @classmethod
    def coded(cls, pmids: np.ndarray, raw: np.ndarray, keys: list[tuple[str, str]]) -> "MeshIndex":
        """From rows (``pmids[i]``, ``keys[raw[i]]``): ``keys`` are (UI, name) pairs, a UI met
        under several names keeps the name of its first pair."""
        names: dict[str, str] = {}
        for ui, name in keys:
            names.setdefault(ui, name)
        order = sorted(names)
        code_of = {ui: i for i, ui in enumerate(order)}
        recode = np.array([code_of[ui] for ui, _ in keys], dtype=np.int64)
        codes = recode[raw] if len(raw) else np.empty(0, dtype=np.int64)
        return cls(np.asarray(pmids, dtype=np.int64), codes, [(ui, names[ui]) for ui in order])

    def parts(self) -> dict[str, bytes]:
        """The index as bytes (see :meth:`from_parts`)."""
        return {"pmids": np.ascontiguousarray(self.pmids, dtype=np.int64).tobytes(),
                "codes": np.ascontiguousarray(self.codes, dtype=np.int64).tobytes(),
                "descriptors": orjson.dumps(self.descriptors)}

    @classmethod
    def from_parts(cls, parts: Mapping[str, bytes]) -> "MeshIndex":
        """The index whose :meth:`parts` are ``parts``; ValueError when they do not make one."""
        try:
            pmids = np.frombuffer(bytearray(parts["pmids"]), dtype=np.int64)
            codes = np.frombuffer(bytearray(parts["codes"]), dtype=np.int64)
            descriptors = [(str(ui), str(name)) for ui, name in orjson.loads(parts["descriptors"])]
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"not the parts of a MeSH index: {exc}") from None
        if len(pmids) != len(codes) or (len(codes) and (codes.min() < 0 or codes.max() >= len(descriptors))):
            raise ValueError("not the parts of a MeSH index: the columns do not match")
        return cls(pmids, codes, descriptors)

    @classmethod
    def from_meta(cls, meta: Mapping[str, PaperMeta]) -> "MeshIndex":
        """The descriptors of the papers of ``meta`` (keys that are not PMIDs are left out)."""
        pmids: list[int] = []
        keys: list[tuple[str, str]] = []
        for pmid, info in meta.items():
            if pmid.isdigit():
                pmids.extend([int(pmid)] * len(info.mesh))
                keys.extend(info.mesh)
        return cls.from_pairs(pmids, keys)

    @classmethod
    def of(cls, meta: "Mapping[str, PaperMeta] | MeshIndex | None") -> "MeshIndex":
        """The MeSH columns of ``meta``: a :class:`StoredMeta` hands over the ones it reads from
        the store, any other mapping is read paper by paper."""
        if isinstance(meta, MeshIndex):
            return meta
        if isinstance(meta, StoredMeta):
            return meta.mesh_index()
        return cls.from_meta(meta or {})

    def on(self, graph: CitationGraph) -> tuple[np.ndarray, np.ndarray]:
        """(node index, descriptor code) of the rows whose paper is in ``graph``, each pair
        once, sorted by node then code."""
        if graph.n == 0 or len(self.pmids) == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        at = np.minimum(np.searchsorted(graph.ids, self.pmids), graph.n - 1)
        there = graph.ids[at] == self.pmids
        width = max(len(self.descriptors), 1)
        key = distinct(at[there] * width + self.codes[there])
        return key // width, key % width


def mesh_index(store, pmids: Iterable[str] | None = None) -> MeshIndex:
    """The MeSH descriptors of every stored article (or of ``pmids``) from the store's
    ``article_meta`` table (brought up to date first), split out by SQLite (no Python object
    per descriptor until the distinct ones). ``store``: a :class:`citegraph.store.Store`. The
    index of every article is read back from the store's snapshot of it when nothing was
    written since it was kept (:mod:`citegraph.store.snapshots`), and kept when it was not."""
    if pmids is not None:
        store.sync_article_meta()
        return _mesh_of(store, pmids)

    def read() -> MeshIndex:
        store.sync_article_meta()  # after the snapshot's token: a record written before it is in the table
        return _mesh_of(store, None)

    return store.snapshot_of("mesh", MeshIndex.from_parts, read, MeshIndex.parts)


def _mesh_of(store, pmids: Iterable[str] | None) -> MeshIndex:
    sql = ("SELECT group_concat(m.pmid), group_concat(j.value, char(30)) "
           "FROM article_meta AS m, json_each(m.mesh) AS j")
    if pmids is None:
        texts = [store._execute(sql).fetchone()]
    else:
        wanted = sorted({int(p) for p in pmids})
        texts = [store._execute(f"{sql} WHERE m.pmid IN ({','.join('?' * len(chunk))})", chunk).fetchone()
                 for chunk in (wanted[i:i + 50_000] for i in range(0, len(wanted), 50_000))]
    numbers: list[np.ndarray] = []
    pairs: list[str] = []
    for pmid_text, pair_text in texts:
        if pmid_text:
            numbers.append(np.fromstring(pmid_text, dtype=np.int64, sep=","))
            pairs.extend(pair_text.split("\x1e"))  # JSON escapes control characters: no pair holds one
    distinct_pairs = sorted(set(pairs))
    number = {text: i for i, text in enumerate(distinct_pairs)}
    raw = np.fromiter(map(number.__getitem__, pairs), dtype=np.int64, count=len(pairs))
    keys = [tuple(orjson.loads(text)) for text in distinct_pairs]
    return MeshIndex.coded(np.concatenate(numbers) if numbers else np.empty(0, dtype=np.int64), raw, keys)


#: (PMID, publication types JSON, MeSH JSON, retracted[, abstract]) of one stored paper
_Row = tuple


class StoredMeta(Mapping):
    """``{pmid: PaperMeta}`` over rows read from the store when first needed (``rows``), each
    decoded on first read; ``mesh_index()`` reads the MeSH of the same papers as a
    :class:`MeshIndex` (``mesh``, once, when asked)."""

    def __init__(self, rows: Callable[[], dict[str, _Row]], mesh: Callable[[], MeshIndex]) -> None:
        self._read_rows = rows
        self._rows_read: dict[str, _Row] | None = None
        self._decoded: dict[str, PaperMeta] = {}
        self._read_mesh = mesh
        self._mesh: MeshIndex | None = None

    @property
    def _rows(self) -> dict[str, _Row]:
        if self._rows_read is None:
            self._rows_read = self._read_rows()
        return self._rows_read

    def __getitem__(self, pmid: str) -> PaperMeta:
        found = self._decoded.get(pmid)
        if found is None:
            row = self._rows[pmid]
            _, types, mesh, retracted = row[:4]
            abstract = row[4] if len(row) > 4 else ""
            found = self._decoded[pmid] = PaperMeta(tuple(orjson.loads(types)),
                                                    tuple(tuple(m) for m in orjson.loads(mesh)),
                                                    bool(retracted), abstract)
        return found

    def __contains__(self, pmid: object) -> bool:
        return pmid in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def mesh_index(self) -> MeshIndex:
        if self._mesh is None:
            self._mesh = self._read_mesh()
        return self._mesh
