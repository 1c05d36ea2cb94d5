"""The store's connection: chunked ``IN (...)`` queries."""

from __future__ import annotations

import sqlite3

import pytest

from citegraph.store import DELETED, Store
from citegraph.store.connection import IN_CHUNK

#: SQLite's smallest variable limit (builds before 3.32 and some distributions)
_LOWEST_LIMIT = 999


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.sqlite") as s:
        # bind no more variables per statement than the strictest SQLite build allows
        s._db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, _LOWEST_LIMIT)
        yield s


def test_in_queries_take_more_values_than_sqlite_binds_in_one_statement(store):
    pmids = [str(n) for n in range(1, 3 * _LOWEST_LIMIT + 2)]
    with store.transaction():
        store.mark_missing(pmids[::2], DELETED)
        store.mark_missing(pmids[1::2], "unknown")
    with pytest.raises(sqlite3.OperationalError):  # what one statement of every value would meet
        store._db.execute(f"SELECT pmid FROM missing WHERE pmid IN ({','.join('?' * len(pmids))})", pmids)
    assert store.missing_pmids(pmids) == set(pmids)
    assert store.deleted_pmids(pmids) == set(pmids[::2])  # a parameter bound before the IN as well


def test_rows_in_binds_its_parameters_around_every_chunk_and_keeps_chunk_order(store):
    values = list(range(2 * IN_CHUNK + 7))
    store._execute("CREATE TEMP TABLE t (n INTEGER PRIMARY KEY, tag TEXT)")
    store._executemany("INSERT INTO t VALUES (?, ?)", ((n, "odd" if n % 2 else "even") for n in values))
    rows = list(store._rows_in("SELECT n FROM t WHERE tag = ? AND n IN (...) AND n >= ? ORDER BY n",
                               reversed(values), before=["even"], after=[10]))
    order = list(reversed(values))
    expected = []
    for start in range(0, len(order), IN_CHUNK):  # chunk by chunk, ordered within each
        expected += sorted(n for n in order[start:start + IN_CHUNK] if n % 2 == 0 and n >= 10)
    assert rows == [(n,) for n in expected]
    store._execute_in("DELETE FROM t WHERE n IN (...)", values[:IN_CHUNK + 1])
    assert store._execute("SELECT COUNT(*) FROM t").fetchone()[0] == len(values) - IN_CHUNK - 1


def test_rows_in_of_no_values_runs_nothing(store):
    assert list(store._rows_in("SELECT pmid FROM no_such_table WHERE pmid IN (...)", [])) == []


@pytest.mark.parametrize("sql", ["SELECT pmid FROM missing WHERE pmid = ?",
                                 "SELECT pmid FROM missing WHERE pmid IN (...) OR reason IN (...)"])
def test_rows_in_needs_exactly_one_in_list(store, sql):
    with pytest.raises(ValueError):
        list(store._rows_in(sql, ["1"]))
