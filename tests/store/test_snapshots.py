"""Snapshots of derived arrays (citegraph.store.snapshots): kept only while nothing they are
made of has been written, whoever writes it."""

from __future__ import annotations

import sqlite3

import pytest

from citegraph.models import Article
from citegraph.store import Store


def paper(pmid: str, year: int = 1990, title: str = "t") -> Article:
    return Article(pmid=pmid, title=title, year=year, raw_xml=b"<x/>")


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.sqlite") as s:
        with s.transaction():
            s.put_articles([paper("1"), paper("2"), paper("3")], source="efetch")
            s.add_citations([("2", "1"), ("3", "1")], "elink")
        yield s


def kept(store: Store, name: str = "graph", parts=None) -> bool:
    token = store.snapshot_token()
    return store.keep_snapshot(name, token, parts or {"a": b"\x01\x02", "b": b""})


def test_a_snapshot_comes_back_until_the_store_is_written(store):
    assert store.read_snapshot("graph") is None
    assert kept(store)
    assert store.read_snapshot("graph") == {"a": b"\x01\x02", "b": b""}
    assert store.read_snapshot("other") is None
    with store.transaction():
        store.add_citations([("3", "2")], "elink")
    assert store.read_snapshot("graph") is None


def test_two_snapshots_made_in_turn_both_stay(store):
    assert kept(store, "graph", {"x": b"1"}) and kept(store, "mesh", {"y": b"2"})
    assert store.read_snapshot("graph") == {"x": b"1"} and store.read_snapshot("mesh") == {"y": b"2"}


# each write that changes what the graph or the MeSH index is made of, made by another
# connection (as another process or the sqlite3 shell would) or through the store
CHANGES = {
    "new citation": "INSERT INTO citations (citing, cited, sources, seen_at) VALUES (3, 2, 1, 0)",
    "citation deleted": "DELETE FROM citations WHERE citing = 2",
    "citation moved": "UPDATE citations SET cited = 3 WHERE citing = 2",
    "article deleted": "DELETE FROM articles WHERE pmid = 3",
    "year changed": "UPDATE articles SET year = 2001 WHERE pmid = 2",
    "record changed": "UPDATE articles SET data = json_set(data, '$.title', 'new') WHERE pmid = 2",
}


@pytest.mark.parametrize("sql", CHANGES.values(), ids=CHANGES.keys())
def test_any_write_to_articles_or_citations_drops_the_snapshot(store, sql):
    assert kept(store)
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute(sql)
    finally:
        other.close()
    assert store.read_snapshot("graph") is None


def test_new_articles_through_the_store_drop_the_snapshot(store):
    assert kept(store)
    with store.transaction():
        store.put_articles([paper("4")], source="efetch")
    assert store.read_snapshot("graph") is None


def test_writes_the_arrays_do_not_depend_on_keep_it(store):
    assert kept(store)
    with store.transaction():
        store.add_citations([("2", "1")], "pubmed:references")  # one more source of a stored edge
        store.mark_missing(["99"], "no record")
        store.write_topic_cache("lens", [("1", 0.0, "til")])
    store._execute("UPDATE articles SET fetched_at = fetched_at + 1 WHERE pmid = 1")
    assert store.read_snapshot("graph") == {"a": b"\x01\x02", "b": b""}


def test_a_write_while_a_snapshot_is_made_keeps_it_out(store):
    token = store.snapshot_token()
    with store.transaction():  # after the token, before the snapshot is kept: it may hold the edge or not
        store.add_citations([("3", "2")], "elink")
    assert store.keep_snapshot("graph", token, {"a": b"1"}) is False
    assert store.read_snapshot("graph") is None
    assert kept(store, "graph", {"a": b"2"}) and store.read_snapshot("graph") == {"a": b"2"}


def test_a_write_rolled_back_changes_nothing(store):
    assert kept(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.add_citations([("3", "2")], "elink")
        raise RuntimeError("stop")
    assert store.read_snapshot("graph") is not None


def test_a_stale_token_keeps_nothing(store):
    old = store.snapshot_token()
    with store.transaction():
        store.add_citations([("3", "2")], "elink")
    new = store.snapshot_token()
    assert new != old
    assert store.keep_snapshot("graph", old, {"a": b"1"}) is False
    assert store.keep_snapshot("graph", new, {"a": b"1"}) is True


def test_another_process_writing_means_no_snapshot_and_no_wait(store):
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("PRAGMA busy_timeout = 0")
    other.execute("BEGIN IMMEDIATE")
    try:
        assert store.snapshot_token() is None
        assert store.keep_snapshot("graph", None, {"a": b"1"}) is False
    finally:
        other.execute("ROLLBACK")
        other.close()
    # the store's own waits are back to normal afterwards
    assert store._execute("PRAGMA busy_timeout").fetchone()[0] > 1000
    assert kept(store)


def test_a_read_only_store_reads_snapshots_and_keeps_none(store):
    assert kept(store)
    with Store(store.path, readonly=True) as readonly:
        assert readonly.read_snapshot("graph") == {"a": b"\x01\x02", "b": b""}
        assert readonly.snapshot_token() is None
        assert readonly.keep_snapshot("mesh", 1, {"a": b"1"}) is False
