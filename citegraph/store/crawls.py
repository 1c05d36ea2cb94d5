"""Crawl state: the crawls, their members (crawl nodes) with each one's state and link flags."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Iterable, Mapping, Sequence

from ..crawl_lock import CRAWL_STATES, CrawlLock, effective_state
from ..errors import StoreError
from .connection import Connection

__all__ = ["CrawlRecord", "Crawls"]


class CrawlRecord(dict):
    """A row of ``crawls`` as a dict with ``seeds`` and ``params`` decoded."""



class Crawls(Connection):
    """The ``crawls`` and ``crawl_nodes`` tables."""

    def open_crawl(self, key: str, seeds: Sequence[str], params: dict, *, again: bool = False) -> tuple[int, str]:
        """The latest crawl with this key, or a new one. Returns (id, state): ``new``, or the
        state the crawl was left in (see :data:`citegraph.crawl_lock.CRAWL_STATES`; an
        ``interrupted`` or ``failed`` crawl is resumed, a ``complete`` one reported as it is).
        ``again`` starts a new crawl after a complete one."""
        row = self._execute(
            "SELECT id, status FROM crawls WHERE key = ? ORDER BY id DESC LIMIT 1", (key,)
        ).fetchone()
        if row:
            state = effective_state(self.path, row[0], row[1])
            if not (again and state == "complete"):
                return row[0], state
        with self.transaction():
            cur = self._execute(
                "INSERT INTO crawls (key, seeds, params, status, started_at) VALUES (?, ?, ?, 'running', ?)",
                (key, json.dumps(list(seeds)), json.dumps(params, sort_keys=True), time.time()),
            )
            return cur.lastrowid, "new"

    def get_crawl(self, crawl_id: int) -> CrawlRecord:
        """The crawl's row; its ``status`` is its state now (a ``running`` row that no process
        holds reads ``interrupted``)."""
        cur = self._execute("SELECT * FROM crawls WHERE id = ?", (crawl_id,))
        row = cur.fetchone()
        if row is None:
            raise StoreError(f"no crawl {crawl_id} in {self.path}")
        record = CrawlRecord(zip([d[0] for d in cur.description], row))
        record["seeds"] = json.loads(record["seeds"])
        record["params"] = json.loads(record["params"])
        record["status"] = effective_state(self.path, crawl_id, record["status"])
        return record

    def latest_crawl(self) -> CrawlRecord | None:
        row = self._execute("SELECT id FROM crawls ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else self.get_crawl(row[0])

    def crawl_lock(self, crawl_id: int) -> CrawlLock:
        """The lock a process holds while it runs the crawl (``with store.crawl_lock(id):``)."""
        return CrawlLock(self.path, crawl_id)

    def set_crawl_state(self, crawl_id: int, state: str) -> None:
        """Record the crawl's state: ``running`` when a process takes it up (holding its
        lock), then ``complete``, ``failed`` or ``interrupted`` as it ends."""
        if state not in CRAWL_STATES:
            raise ValueError(f"unknown crawl state {state!r}")
        with self.transaction():
            self._execute(
                "UPDATE crawls SET status = ?, finished_at = CASE WHEN ? = 'running' THEN NULL ELSE ? END "
                "WHERE id = ?", (state, state, time.time(), crawl_id))

    def finish_crawl(self, crawl_id: int, requests: int) -> None:
        with self.transaction():
            self._execute(
                "UPDATE crawls SET status = 'complete', finished_at = ?, requests = requests + ? WHERE id = ?",
                (time.time(), requests, crawl_id),
            )

    def add_crawl_requests(self, crawl_id: int, requests: int) -> None:
        self._execute("UPDATE crawls SET requests = requests + ? WHERE id = ?", (requests, crawl_id))

    def add_nodes(self, crawl_id: int, nodes: Iterable[tuple[str | int, int, str]]) -> int:
        """Add ``(pmid, generation, state)`` members; existing members are left as they are."""
        before = self._db.total_changes
        self._executemany(
            "INSERT OR IGNORE INTO crawl_nodes (crawl_id, pmid, generation, state) VALUES (?, ?, ?, ?)",
            ((crawl_id, int(p), g, s) for p, g, s in nodes),
        )
        return self._db.total_changes - before

    def set_node_state(self, crawl_id: int, pmids: Iterable[str | int], state: str,
                       detail: str | None = None) -> None:
        self._executemany(
            "UPDATE crawl_nodes SET state = ?, detail = ? WHERE crawl_id = ? AND pmid = ?",
            ((state, detail, crawl_id, int(p)) for p in pmids),
        )

    def publication_type_counts(self, crawl_id: int) -> Counter:
        """How many of a crawl's papers (members, excluded ones too) have each publication type."""
        self.sync_article_meta()
        counts: Counter = Counter()
        for (types,) in self._execute("SELECT m.publication_types FROM crawl_nodes AS n JOIN article_meta AS m "
                                      "ON m.pmid = n.pmid WHERE n.crawl_id = ?", (crawl_id,)):
            counts.update(json.loads(types))
        return counts

    def exclude_nodes(self, crawl_id: int, reasons: Mapping[str, str]) -> None:
        """Mark members excluded, each with why (``{pmid: "year" | "type:NAME"}``, kept as
        the node's detail)."""
        self._executemany(
            "UPDATE crawl_nodes SET state = 'excluded', detail = ? WHERE crawl_id = ? AND pmid = ?",
            ((why, crawl_id, int(p)) for p, why in reasons.items()),
        )

    def nodes(self, crawl_id: int, state: str | None = None) -> list[tuple[str, int]]:
        """(pmid, generation) of the crawl's members, optionally in one state, by generation."""
        if state is None:
            rows = self._execute(
                "SELECT pmid, generation FROM crawl_nodes WHERE crawl_id = ? ORDER BY generation, pmid", (crawl_id,)
            )
        else:
            rows = self._execute(
                "SELECT pmid, generation FROM crawl_nodes WHERE crawl_id = ? AND state = ? ORDER BY generation, pmid",
                (crawl_id, state),
            )
        return [(str(p), g) for p, g in rows]

    def linked_flags(self, crawl_id: int, state: str = "fetch") -> dict[str, int]:
        """``linked`` of the members in ``state`` whose flag is set (1 linked, -1 link failed)."""
        rows = self._execute(
            "SELECT pmid, linked FROM crawl_nodes WHERE crawl_id = ? AND state = ? AND linked != 0",
            (crawl_id, state),
        )
        return {str(p): flag for p, flag in rows}

    def mark_linked(self, crawl_id: int, pmids: Iterable[str | int], flag: int = 1) -> None:
        """Record a link result: papers still waiting for their record get the flag, papers
        in state 'link' become 'done' (``flag`` 1) — one statement each, whatever the order
        in which efetch and elink finished."""
        ids = [(crawl_id, int(p)) for p in pmids]
        self._executemany(
            "UPDATE crawl_nodes SET linked = ? WHERE crawl_id = ? AND pmid = ? AND state = 'fetch'",
            ((flag, c, p) for c, p in ids),
        )
        if flag == 1:
            self._executemany(
                "UPDATE crawl_nodes SET state = 'done' WHERE crawl_id = ? AND pmid = ? AND state = 'link'", ids
            )
            self.set_linked_at(crawl_id, [p for _, p in ids])

    def set_linked_at(self, crawl_id: int, pmids: Iterable[str | int], when: float | None = None) -> None:
        """Remember when the links of these crawl members were fetched (now by default)."""
        when = time.time() if when is None else when
        self._executemany("UPDATE crawl_nodes SET linked_at = ? WHERE crawl_id = ? AND pmid = ?",
                          ((when, crawl_id, int(p)) for p in pmids))

    def link_ages(self, crawl_id: int) -> list[tuple[str, int, str, float | None]]:
        """(pmid, generation, state, linked_at) of every member of the crawl, by generation."""
        rows = self._execute("SELECT pmid, generation, state, linked_at FROM crawl_nodes WHERE crawl_id = ? "
                             "ORDER BY generation, pmid", (crawl_id,))
        return [(str(p), g, s, t) for p, g, s, t in rows]

    def latest_crawl_of(self, pmid: str | int) -> CrawlRecord | None:
        """The latest crawl that has ``pmid`` among its seeds."""
        row = self._execute("SELECT c.id FROM crawls AS c WHERE EXISTS (SELECT 1 FROM json_each(c.seeds) AS s "
                            "WHERE CAST(s.value AS INTEGER) = ?) ORDER BY c.id DESC LIMIT 1", (int(pmid),)).fetchone()
        return None if row is None else self.get_crawl(row[0])

    def node_states(self, crawl_id: int) -> dict[str, int]:
        rows = self._execute(
            "SELECT state, COUNT(*) FROM crawl_nodes WHERE crawl_id = ? GROUP BY state", (crawl_id,)
        )
        return dict(rows.fetchall())

    def node_details(self, crawl_id: int, state: str) -> list[tuple[str, str]]:
        rows = self._execute(
            "SELECT pmid, COALESCE(detail, '') FROM crawl_nodes WHERE crawl_id = ? AND state = ? ORDER BY pmid",
            (crawl_id, state),
        )
        return [(str(p), d) for p, d in rows]

    def member_count(self, crawl_id: int) -> int:
        return self._execute(
            "SELECT COUNT(*) FROM crawl_nodes WHERE crawl_id = ? AND state NOT IN ('excluded', 'missing')",
            (crawl_id,),
        ).fetchone()[0]

