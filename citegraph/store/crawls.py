"""Crawl state: the crawls, their members (crawl nodes) with each one's state and link flags."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .crawl_lock import CRAWL_STATES, CrawlLock, effective_state
from ..errors import StoreError
from .codec import PreparedArticles, pmid_from_db, pmid_to_db
from .connection import Connection

__all__ = ["CrawlRecord", "CrawlNodes", "CrawlOutcome", "Crawls"]


class CrawlRecord(dict):
    """A row of ``crawls`` as a dict with ``seeds`` and ``params`` decoded."""


@dataclass
class CrawlNodes:
    """A crawl's members as a run takes them up."""

    #: every member's generation (hops from the nearest seed)
    generation_of: dict[str, int]
    #: members neither excluded nor missing
    members: int
    #: members whose record is to come (state 'fetch'), by generation
    to_fetch: list[str]
    #: members whose links are to come (state 'link'), by generation
    to_link: list[str]
    #: of ``to_fetch``, those already linked, and those whose link failed
    linked: set[str]
    link_failed: set[str]


@dataclass
class CrawlOutcome:
    """How a crawl went, by its members: failed (pmid, "stage|why"), missing PMIDs, excluded
    (pmid, why), members (neither excluded nor missing), done members per generation."""

    failed: list[tuple[str, str]]
    missing: list[str]
    excluded: list[tuple[str, str]]
    members: int
    generations: dict[int, int]


class Crawls(Connection):
    """The ``crawls`` and ``crawl_nodes`` tables."""

    def open_crawl(self, key: str, seeds: Sequence[str], params: dict, *, again: bool = False) -> tuple[int, str]:
        """The latest crawl with this key, or a new one. Returns (id, state): ``new``, or the
        state the crawl was left in (see :data:`citegraph.store.crawl_lock.CRAWL_STATES`; an
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

    # -- the crawl-node state machine: one call per crawl step -------------------------------
    #
    # A member's state: 'fetch' (its record is to come), 'link' (its links are to come), 'done',
    # 'missing' (no record), 'excluded' (left out; detail: why) or 'failed' (detail
    # "fetch|why" or "link|why"). A member in 'fetch' may be linked before its record arrives:
    # its ``linked`` flag then says 1 (linked) or -1 (the link failed; detail "link|why"), and
    # the arrival of its record settles it (see record_fetched).

    def crawl_nodes(self, crawl_id: int) -> CrawlNodes:
        """The crawl's members as a run takes them up (see :class:`CrawlNodes`)."""
        nodes = CrawlNodes({}, 0, [], [], set(), set())
        for pmid, generation, state, linked in self._execute(
                "SELECT pmid, generation, state, linked FROM crawl_nodes WHERE crawl_id = ? "
                "ORDER BY generation, pmid", (crawl_id,)):
            pmid = pmid_from_db(pmid)
            nodes.generation_of[pmid] = generation
            if state not in ("excluded", "missing"):
                nodes.members += 1
            if state == "fetch":
                nodes.to_fetch.append(pmid)
                if linked == 1:
                    nodes.linked.add(pmid)
                elif linked == -1:
                    nodes.link_failed.add(pmid)
            elif state == "link":
                nodes.to_link.append(pmid)
        return nodes

    def record_fetched(self, crawl_id: int, *, records: PreparedArticles, edges: list, absent: Sequence[str],
                       states: Mapping[str, tuple[str, str | None]]) -> int:
        """An efetch step's outcome, in one transaction: ``records`` and their reference-list
        ``edges`` stored, ``absent`` PMIDs noted missing, and each paper moved to its state
        after its record, ``{pmid: (state, detail)}`` ('link', 'done', 'missing', or
        'excluded' with why). A paper bound for 'link' that was linked while its record was on
        its way goes to 'done' instead, one whose link failed to 'failed'. Returns the source
        reports of a citation that were new."""
        with self.transaction():
            self.put_articles(records)
            reported = self.add_citation_rows(edges)
            if absent:
                self.mark_missing(absent, "efetch returned no record")
            self._executemany("UPDATE crawl_nodes SET state = ?, detail = ? WHERE crawl_id = ? AND pmid = ?",
                              [(state, detail, crawl_id, pmid_to_db(p)) for p, (state, detail) in states.items()
                               if state != "link"])
            self._executemany(
                "UPDATE crawl_nodes SET state = CASE linked WHEN 1 THEN 'done' WHEN -1 THEN 'failed' ELSE 'link' END, "
                "detail = CASE linked WHEN -1 THEN COALESCE(detail, 'link|elink failed') END "
                "WHERE crawl_id = ? AND pmid = ?",
                [(crawl_id, pmid_to_db(p)) for p, (state, _) in states.items() if state == "link"])
        return reported

    def record_failed(self, crawl_id: int, stage: str, messages: Mapping[str, str]) -> None:
        """Papers failed at ``stage`` ('fetch' or 'link'), ``{pmid: why}``, in one transaction.
        A paper whose link failed while its record is still to come stays in 'fetch', flagged:
        it fails when its record arrives (see :meth:`record_fetched`)."""
        if stage not in ("fetch", "link"):
            raise ValueError(f"unknown crawl stage {stage!r}")
        rows = [(f"{stage}|{why}", crawl_id, pmid_to_db(p)) for p, why in messages.items()]
        with self.transaction():
            if stage == "link":
                self._executemany("UPDATE crawl_nodes SET linked = -1, detail = ? "
                                  "WHERE crawl_id = ? AND pmid = ? AND state = 'fetch'", rows)
                self._executemany("UPDATE crawl_nodes SET state = 'failed', detail = ? "
                                  "WHERE crawl_id = ? AND pmid = ? AND state != 'fetch'", rows)
            else:
                self._executemany("UPDATE crawl_nodes SET state = 'failed', detail = ? WHERE crawl_id = ? AND pmid = ?",
                                  rows)

    def record_linked(self, crawl_id: int, linked: Sequence[str], *, seen_at: float, edges: list = (),
                      metrics: Iterable = (), externals: Sequence = (), failed: Mapping[str, str] | None = None,
                      new_nodes: Iterable[tuple[str, int, str, str | None]] = (),
                      fetched: tuple[PreparedArticles, list, Sequence[str]] | None = None) -> int:
        """A link step's outcome, in one transaction: ``failed`` papers (``{pmid: why}``) as
        :meth:`record_failed` records them; the ``edges``, iCite ``metrics`` and papers outside
        PubMed (``externals``, see :meth:`put_external_citations`) stored as seen at
        ``seen_at``; the ``linked`` papers marked linked at ``seen_at`` ('link' becomes 'done',
        a paper whose record is still to come is flagged linked); ``new_nodes`` (pmid,
        generation, state, detail) made members (members already there are left as they are);
        ``fetched`` (records, their edges, absent PMIDs) stored as :meth:`record_fetched`
        stores them. Returns the source reports of a citation that were new."""
        ids = [(crawl_id, pmid_to_db(p)) for p in linked]
        with self.transaction():
            if failed:
                self.record_failed(crawl_id, "link", failed)
            reported = 0
            if fetched is not None:
                records, record_edges, absent = fetched
                self.put_articles(records)
                reported += self.add_citation_rows(record_edges)
                if absent:
                    self.mark_missing(absent, "efetch returned no record")
            if edges:
                reported += self.add_citation_rows(edges)
            metrics = list(metrics)
            if metrics:
                self.put_icite_metrics(metrics, seen_at)
            if externals:
                self.put_external_citations(externals, seen_at)
            self._executemany("UPDATE crawl_nodes SET linked = 1 WHERE crawl_id = ? AND pmid = ? AND state = 'fetch'",
                              ids)
            self._executemany("UPDATE crawl_nodes SET state = 'done' WHERE crawl_id = ? AND pmid = ? AND state = 'link'",
                              ids)
            self._executemany("UPDATE crawl_nodes SET linked_at = ? WHERE crawl_id = ? AND pmid = ?",
                              [(seen_at, c, p) for c, p in ids])
            self.record_discovered(crawl_id, new_nodes)
        return reported

    def record_discovered(self, crawl_id: int, new_nodes: Iterable[tuple[str, int, str, str | None]]) -> None:
        """Papers (pmid, generation, state, detail) join the crawl as members, in one
        transaction; members already there are left as they are."""
        with self.transaction():
            self._executemany("INSERT OR IGNORE INTO crawl_nodes (crawl_id, pmid, generation, state, detail) "
                              "VALUES (?, ?, ?, ?, ?)",
                              [(crawl_id, pmid_to_db(p), g, s, d) for p, g, s, d in new_nodes])

    def retry_failed_nodes(self, crawl_id: int) -> tuple[list[str], list[str], set[str]]:
        """The crawl's failed papers back to the stage that failed, in one transaction:
        returns (refetch, relink, linked). Papers failed at efetch go back to 'fetch' (a failed
        link's flag forgotten: it is tried again); ``linked``: those of them already linked.
        The others go back to 'link'."""
        rows = self._execute("SELECT pmid, COALESCE(detail, ''), linked FROM crawl_nodes "
                             "WHERE crawl_id = ? AND state = 'failed' ORDER BY pmid", (crawl_id,)).fetchall()
        fetch = [pmid_from_db(p) for p, d, _ in rows if d.startswith("fetch|")]
        link = [pmid_from_db(p) for p, d, _ in rows if not d.startswith("fetch|")]
        linked = {pmid_from_db(p) for p, d, flag in rows if d.startswith("fetch|") and flag == 1}
        with self.transaction():
            self._executemany("UPDATE crawl_nodes SET state = 'fetch', detail = NULL, "
                              "linked = CASE linked WHEN -1 THEN 0 ELSE linked END WHERE crawl_id = ? AND pmid = ?",
                              [(crawl_id, pmid_to_db(p)) for p in fetch])
            self._executemany("UPDATE crawl_nodes SET state = 'link', detail = NULL WHERE crawl_id = ? AND pmid = ?",
                              [(crawl_id, pmid_to_db(p)) for p in link])
        return fetch, link, linked

    def crawl_outcome(self, crawl_id: int) -> CrawlOutcome:
        """What the crawl's members say of how it went (see :class:`CrawlOutcome`)."""
        outcome = CrawlOutcome([], [], [], 0, {})
        for pmid, generation, state, detail in self._execute(
                "SELECT pmid, generation, state, COALESCE(detail, '') FROM crawl_nodes WHERE crawl_id = ? "
                "ORDER BY pmid", (crawl_id,)):
            pmid = pmid_from_db(pmid)
            if state == "failed":
                outcome.failed.append((pmid, detail))
            elif state == "missing":
                outcome.missing.append(pmid)
            elif state == "excluded":
                outcome.excluded.append((pmid, detail))
            if state not in ("excluded", "missing"):
                outcome.members += 1
            if state == "done":
                outcome.generations[generation] = outcome.generations.get(generation, 0) + 1
        return outcome
