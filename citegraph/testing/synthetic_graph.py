"""The citation graph of a synthetic corpus (see :mod:`citegraph.testing.synthetic`).

:class:`SyntheticGraph` decides, for ``n`` papers and a ``seed``, each paper's year and month,
line of work (topic), kind (research, review, trial, letter, retraction notice), retractions,
and the PMIDs it cites, in one pass driven by one ``random.Random(seed)``: the same ``n`` and
``seed`` give the same graph on every run. The records that describe the graph are rendered by
:mod:`citegraph.testing.synthetic_records`.
"""

from __future__ import annotations

import math
import random
from array import array
from collections import deque

from .vocabulary import TOPICS

__all__ = ["FIRST_PMID", "FIRST_YEAR", "LAST_YEAR", "LETTER", "NOTICE", "RESEARCH", "REVIEW", "TRIAL",
           "SyntheticGraph", "doi_for", "open_access", "pmcid_for"]

FIRST_PMID = 90000001
FIRST_YEAR, LAST_YEAR = 1987, 2024
#: yearly growth of the literature (papers per year grow by e^GROWTH)
GROWTH = 0.05

# kinds of paper (decided with the graph, as they change how many references a paper has)
RESEARCH, REVIEW, TRIAL, LETTER, NOTICE = range(5)

# tuned so that 20k-100k records give ~7% generation 1 and many papers at 3, 4 and beyond
_P_OWN, _P_PARENT, _P_ANY, _P_PREF = 0.80, 0.02, 0.0005, 0.25
_TAU, _WINDOW = 0.005, 0.03
_ROOT_P, _ROOT_DECAY, _ROOT_FLOOR = 0.8, 6.0, 0.0005
_EXTERNAL_SHARE, _NO_PMID_SHARE = 0.2, 0.1


def doi_for(pmid: int | str) -> str:
    """The DOI a synthetic record carries."""
    return f"10.5555/synthetic.{pmid}"


def pmcid_for(pmid: int | str, year: int) -> str | None:
    """The PMC id a synthetic record carries: papers from 2000 on, two in three of them."""
    pmid = int(pmid)
    return f"PMC{pmid - 80_000_000}" if year >= 2000 and pmid % 3 != 0 else None


def open_access(pmid: int | str) -> bool:
    """Whether PMC has the full text of a synthetic record with a PMC id (six in seven);
    for the others its publisher "does not allow" the XML full text."""
    return int(pmid) % 7 != 0


class SyntheticGraph:
    """The citation graph of ``n`` synthetic papers (index ``i``: PMID ``FIRST_PMID + i``)."""

    def __init__(self, n: int, seed: int = 0) -> None:
        if n < 1:
            raise ValueError("a synthetic corpus needs at least one record")
        self.n = n
        self.seed = seed
        self._build()

    # -- identifiers ------------------------------------------------------------------------
    def pmid(self, i: int) -> int:
        return FIRST_PMID + i

    def index(self, pmid: int | str) -> int | None:
        try:
            i = int(pmid) - FIRST_PMID
        except (TypeError, ValueError):
            return None
        return i if 0 <= i < self.n else None

    def pmids(self) -> range:
        return range(FIRST_PMID, FIRST_PMID + self.n)

    def year(self, i: int) -> int:
        return self._years[i]

    def doi(self, i: int) -> str:
        return doi_for(FIRST_PMID + i)

    def _ref_slice(self, i: int) -> array:
        return self._refs[self._offsets[i]:self._offsets[i + 1]]

    def reference_pmids(self, i: int) -> list[int]:
        """The PMIDs record ``i`` cites, in citation order (in and outside the corpus)."""
        return [p for p in self._ref_slice(i) if p]

    # -- the graph --------------------------------------------------------------------------
    def _build(self) -> None:
        n, rng = self.n, random.Random(self.seed)
        span = LAST_YEAR - FIRST_YEAR + 1
        scale = math.expm1(GROWTH * span)
        years = array("H")
        months = array("B")
        for i in range(n):
            t = math.log1p(i / n * scale) / GROWTH
            years.append(min(LAST_YEAR, FIRST_YEAR + int(t)))
            months.append(min(12, 1 + int((t - int(t)) * 12)))
        self._years, self._months = years, months

        pool_size = max(64, n // 2)
        external = rng.sample(range(1_000_000, 40_000_000), pool_size)
        topics_of = array("B", [0])
        kinds = array("B", [RESEARCH])
        members: list[list[int]] = [[] for _ in TOPICS]
        members[0].append(0)
        cited_log: list[list[int]] = [[] for _ in TOPICS]
        refs = array("I")
        offsets = array("I", [0])
        # the root cites older literature only
        for _ in range(rng.randint(15, 30)):
            refs.append(external[int(pool_size * rng.random() ** 1.2)])
        offsets.append(len(refs))
        retracted_by: dict[int, int] = {}
        retraction_of: dict[int, int] = {}
        starts = [t[1] for t in TOPICS]
        weights_base = [t[3] for t in TOPICS]
        parents = [t[2] for t in TOPICS]

        for i in range(1, n):
            y = years[i]
            weights = [b * min(1.0, (y - s + 1) / 4.0) if y >= s else 0.0 for s, b in zip(starts, weights_base)]
            t = rng.choices(range(len(TOPICS)), weights)[0]
            r = rng.random()
            if i > 100 and r < 0.002:
                kind = NOTICE
            elif r < 0.10:
                kind = REVIEW
            elif r < 0.17 and y >= 1990:
                kind = TRIAL
            elif r < 0.20:
                kind = LETTER
            else:
                kind = RESEARCH
            chosen: dict[int, None] = {}
            if kind == NOTICE:
                target = None
                for _ in range(10):
                    j = 1 + int(rng.random() * (i - 1))
                    if kinds[j] == RESEARCH and j not in retracted_by:
                        target = j
                        break
                if target is None:
                    kind = LETTER
                else:
                    retracted_by[target] = i
                    retraction_of[i] = target
                    chosen[target] = None
            if kind == REVIEW:
                total = rng.randint(40, 90)
            elif kind == LETTER:
                total = rng.randint(1, 8)
            elif kind == NOTICE:
                total = 1
            else:
                total = rng.randint(10, 40)
            internal = min(i, max(1, round(total * (1 - _EXTERNAL_SHARE))))
            if kind != NOTICE:
                p_root = _ROOT_P * math.exp(-(y - FIRST_YEAR) / _ROOT_DECAY) * (1.3 if t == 0 else 1.0) + _ROOT_FLOOR
                if rng.random() < p_root:
                    chosen[0] = None
                own, parent = members[t], parents[t]
                tries = 0
                while len(chosen) < internal and tries < 6 * internal:
                    tries += 1
                    r = rng.random()
                    if r < _P_OWN and own:
                        src = t
                    elif r < _P_OWN + _P_PARENT and parent is not None:
                        src = parent
                    elif r < _P_OWN + _P_PARENT + _P_ANY:
                        j = int(rng.random() * i)
                        if j:
                            chosen[j] = None
                        continue
                    else:
                        src = t if own else (parent if parent is not None else 0)
                    lst = members[src] or members[0]
                    log = cited_log[src]
                    if log and rng.random() < _P_PREF:
                        window = min(len(log), max(30, int(_WINDOW * len(log))))
                        j = log[len(log) - 1 - int(rng.random() * window)]
                    else:
                        x = int(rng.expovariate(1.0 / (_TAU * len(lst) + 2)))
                        if x >= len(lst):
                            continue
                        j = lst[len(lst) - 1 - x]
                    if j:
                        chosen[j] = None
            entries = [FIRST_PMID + j for j in chosen]
            for _ in range(max(0, total - len(entries))):
                entries.append(external[int(pool_size * rng.random() ** 1.2)])
            for _ in range(int(total * _NO_PMID_SHARE)):
                entries.append(0)
            if kind != NOTICE:
                rng.shuffle(entries)
            refs.extend(entries)
            offsets.append(len(refs))
            topics_of.append(t)
            kinds.append(kind)
            members[t].append(i)
            for j in chosen:
                cited_log[topics_of[j]].append(j)

        self._refs, self._offsets = refs, offsets
        self._topics, self._kinds = topics_of, kinds
        self._retracted_by, self._retraction_of = retracted_by, retraction_of

    def generations(self) -> dict[int, int]:
        """Hop distance from the root (90000001) along cited-by links, for every reachable PMID."""
        cited_by: list[list[int]] = [[] for _ in range(self.n)]
        for i in range(self.n):
            for p in self._ref_slice(i):
                j = p - FIRST_PMID
                if 0 <= j < self.n:
                    cited_by[j].append(i)
        gen = {0: 0}
        queue = deque([0])
        while queue:
            x = queue.popleft()
            for c in cited_by[x]:
                if c not in gen:
                    gen[c] = gen[x] + 1
                    queue.append(c)
        return {FIRST_PMID + i: g for i, g in gen.items()}

    def _rng(self, i: int, stream: int) -> random.Random:
        """Record ``i``'s own random stream number ``stream``, a function of ``seed`` and ``i``."""
        return random.Random((self.seed * 1_000_003 + i) * 4 + stream)
