"""The SQLite store: round trips, revisions, provenance, migrations, damaged files."""

from __future__ import annotations

import sqlite3

import pytest

from citegraph.errors import StoreCorruptError, StoreError, StoreReadOnlyError
from citegraph.store.migrations import MIGRATIONS
from citegraph.models import Article, Author, MeshHeading, Reference
from citegraph.store import Store, source_bit


def make(pmid: str, revised: str = "2020-01-01", title: str = "t") -> Article:
    return Article(pmid=pmid, title=title, year=1987, date_revised=revised, doi=f"10.1/{pmid}",
                   authors=[Author(last_name="Rosenberg", initials="SA")],
                   mesh=[MeshHeading("Interleukin-2", ui="D007376", major=True, qualifiers=["therapeutic use"])],
                   references=[Reference(citation="x", pmid="42")], raw_xml=f"<PubmedArticle>{pmid}</PubmedArticle>".encode())


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.sqlite") as s:
        yield s


def test_article_round_trip_keeps_everything(store):
    original = make("3493432")
    with store.transaction():
        store.put_articles([original], source="efetch")
    back = store.get_article("3493432")
    assert back == original  # dataclass equality covers nested authors, MeSH, raw XML
    assert back.raw_xml == original.raw_xml


def test_older_revision_never_overwrites_newer(store):
    with store.transaction():
        store.put_articles([make("1", "2021-06-07", "new title")], source="a")
        written = store.put_articles([make("1", "2019-01-01", "old title")], source="b")
    assert written == 0
    assert store.get_article("1").title == "new title"
    with store.transaction():
        store.put_articles([make("1", "2022-01-01", "newer title")], source="c")
    assert store.get_article("1").title == "newer title"


def test_edges_keep_each_source_and_count_distinct_pairs(store):
    with store.transaction():
        assert store.add_citations([("2", "1"), ("3", "1")], "elink") == 2
        assert store.add_citations([("2", "1")], "pubmed:references") == 1
        assert store.add_citations([("2", "1")], "elink") == 0
        assert store.add_citations([("5", "5")], "elink") == 0  # self-citation dropped
    assert store.counts()["citations"] == 2
    assert store.counts()["links_reported"] == 3
    assert store.citing("1") == ["2", "3"]


def test_transaction_rolls_back_on_error(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.put_articles([make("7")], source="x")
            raise RuntimeError("boom")
    assert store.get_article("7") is None


def test_nested_transaction_joins_the_outer_one(tmp_path, store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            with store.transaction():
                store.put_articles([make("7")], source="x")
            # the inner unit is not committed on its own: another connection does not see it
            with sqlite3.connect(tmp_path / "s.sqlite") as other:
                assert other.execute("SELECT COUNT(*) FROM articles").fetchone() == (0,)
            with store.transaction():
                store.put_articles([make("8")], source="x")
            raise RuntimeError("boom")
    assert store.get_article("7") is None and store.get_article("8") is None
    with store.transaction():  # and the store takes transactions again afterwards
        store.put_articles([make("9")], source="x")
    assert store.get_article("9") is not None


def test_find_by_doi_is_case_insensitive(store):
    with store.transaction():
        store.put_articles([make("9")], source="x")
    assert store.find_by("doi", ["10.1/9".upper()]) == {"10.1/9": "9"}


def test_migrations_recorded_and_idempotent(tmp_path):
    path = tmp_path / "m.sqlite"
    Store(path).close()
    with Store(path) as again:
        assert again.schema_version == MIGRATIONS[-1][0]
    rows = sqlite3.connect(path).execute("SELECT version, name FROM schema_migrations").fetchall()
    assert [r[0] for r in rows] == [m[0] for m in MIGRATIONS]


def test_store_from_newer_version_is_refused(tmp_path):
    path = tmp_path / "n.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer citegraph"):
        Store(path)


def test_garbage_file_is_reported_as_corrupt(tmp_path):
    path = tmp_path / "bad.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreCorruptError, match="damaged"):
        Store(path)


def test_read_only_folder_is_reported(tmp_path, make_read_only):
    folder = tmp_path / "ro"
    folder.mkdir()
    make_read_only(folder)
    with pytest.raises(StoreReadOnlyError):
        Store(folder / "sub" / "s.sqlite")
    with pytest.raises(StoreReadOnlyError):
        Store(folder / "s.sqlite")


def test_crawl_state_round_trip(store):
    crawl_id, status = store.open_crawl("k", ["1"], {"depth": 1})
    assert status == "new"
    with store.transaction():
        store.add_nodes(crawl_id, [("1", 0, "fetch"), ("2", 1, "fetch")])
        store.add_nodes(crawl_id, [("1", 5, "done")])  # existing member untouched
        store.set_node_state(crawl_id, ["2"], "failed", "fetch|HTTP 503")
    assert store.nodes(crawl_id) == [("1", 0), ("2", 1)]
    assert store.node_details(crawl_id, "failed") == [("2", "fetch|HTTP 503")]
    # its row says running, but no process holds it: it reads (and resumes) as interrupted
    assert store.open_crawl("k", ["1"], {"depth": 1}) == (crawl_id, "interrupted")
    store.finish_crawl(crawl_id, 3)
    assert store.open_crawl("k", ["1"], {"depth": 1}) == (crawl_id, "complete")
    new_id, status = store.open_crawl("k", ["1"], {"depth": 1}, again=True)
    assert new_id != crawl_id and status == "new"


def test_a_crawl_is_running_only_while_a_process_holds_its_lock(store, tmp_path):
    crawl_id, _ = store.open_crawl("k", ["1"], {})
    assert store.get_crawl(crawl_id)["status"] == "interrupted"  # 'running' row, nobody holds it
    with store.crawl_lock(crawl_id):
        store.set_crawl_state(crawl_id, "running")
        assert store.get_crawl(crawl_id)["status"] == "running"
        # a second process (here: a second open of the lock) cannot run it at the same time
        with pytest.raises(StoreError, match="running in another citegraph process"):
            store.crawl_lock(crawl_id).acquire()
        with Store(tmp_path / "s.sqlite") as other:  # another connection sees it running
            assert other.get_crawl(crawl_id)["status"] == "running"
    assert store.get_crawl(crawl_id)["status"] == "interrupted"
    for state in ("failed", "interrupted", "complete"):
        store.set_crawl_state(crawl_id, state)
        assert store.get_crawl(crawl_id)["status"] == state
    with pytest.raises(ValueError):
        store.set_crawl_state(crawl_id, "done")


def test_a_crawl_lock_dies_with_its_process(tmp_path):
    """A crawl whose process is killed (SIGKILL: no cleanup) reads interrupted, not running."""
    import subprocess
    import sys

    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        crawl_id, _ = store.open_crawl("k", ["1"], {})
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from citegraph.store.crawl_lock import CrawlLock; "
         f"CrawlLock({str(path)!r}, {crawl_id}).acquire(); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with Store(path) as store:
            assert store.get_crawl(crawl_id)["status"] == "running"
    finally:
        holder.kill()
        holder.communicate()
    with Store(path) as store:
        assert store.get_crawl(crawl_id)["status"] == "interrupted"
        with store.crawl_lock(crawl_id):  # and it can be taken up again
            pass


def test_migration_9_names_crawl_states_and_keeps_crawl_members(tmp_path):
    path = tmp_path / "old.sqlite"
    db = _store_at_schema(path, 8)
    db.execute("INSERT INTO crawls (id, key, seeds, params, status, started_at) VALUES (1, 'a', '[\"1\"]', '{}', 'done', 0)")
    db.execute("INSERT INTO crawls (id, key, seeds, params, status, started_at) VALUES (2, 'b', '[\"2\"]', '{}', 'running', 0)")
    db.executemany("INSERT INTO crawl_nodes (crawl_id, pmid, generation, state) VALUES (?, ?, 0, 'done')",
                   [(1, 1), (2, 2)])
    db.commit()
    db.close()
    with Store(path) as store:
        assert store._execute("SELECT id, status FROM crawls ORDER BY id").fetchall() == [(1, "complete"),
                                                                                        (2, "running")]
        # the table was rebuilt: its members were not deleted with it (foreign keys cascade)
        assert store.nodes(1) == [("1", 0)] and store.nodes(2) == [("2", 0)]
        assert [store.get_crawl(i)["status"] for i in (1, 2)] == ["complete", "interrupted"]
        assert store._execute("PRAGMA foreign_keys").fetchone() == (1,)


def _store_at_schema(path, version):
    """A store file as citegraph wrote it when ``version`` was its newest migration."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)")
    for number, name, script in MIGRATIONS:
        if number <= version:
            db.executescript(script)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?, 0)", (number, name))
    db.commit()
    return db


def test_migration_8_folds_the_rows_of_each_source_into_one_row_per_edge(tmp_path):
    path = tmp_path / "old.sqlite"
    db = _store_at_schema(path, 7)
    db.executemany("INSERT INTO articles (pmid, data, raw_xml, source, fetched_at) VALUES (?, '{}', x'', ?, 0)",
                   [(2, "file:pubmed21n0001.xml.gz"), (3, "efetch")])
    old_rows = [
        (2, 1, "elink:pubmed_pubmed_citedin", 5.0), (2, 1, "pubmed:references", 3.0),
        (2, 1, "file:pubmed21n0001.xml.gz", 4.0), (3, 1, "elink:pubmed_pubmed_citedin", 1.0),
        (3, 2, "elink:pubmed_pubmed_refs", 2.0), (4, 3, "made-up source", 6.0),
    ]
    db.executemany("INSERT INTO citations VALUES (?, ?, ?, ?)", old_rows)
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.schema_version >= 8
        rows = store._execute("SELECT citing, cited, sources, seen_at FROM citations ORDER BY citing, cited").fetchall()
        assert rows == [(2, 1, 1 | 4 | 8, 3.0), (3, 1, 1, 1.0), (3, 2, 2, 2.0), (4, 3, 16, 6.0)]
        # what the rows per source told, told back (the unknown source can only be 'other')
        expected = sorted((str(a), str(b), s if s != "made-up source" else "other") for a, b, s, _ in old_rows)
        assert list(store.iter_citation_sources()) == expected
        assert store.counts()["citations"] == 4 and store.counts()["links_reported"] == 6
        assert store.citing("1") == ["2", "3"]


def test_a_source_telling_an_edge_again_changes_nothing(store):
    with store.transaction():
        assert store.add_citations([("2", "1")], "pubmed:references", now=1.0) == 1
        assert store.add_citation_rows([(2, 1, source_bit("pubmed:references"), 2.0)]) == 0
        assert store.add_citations([("2", "1")], "elink:pubmed_pubmed_citedin", now=3.0) == 1
    assert store._execute("SELECT sources, seen_at FROM citations").fetchall() == [(1 | 4, 1.0)]


def test_deleting_what_files_told_keeps_what_elink_told(store):
    with store.transaction():
        store.put_articles([make("2"), make("3")], source="file:update.xml")
        store.add_citations([("2", "1"), ("3", "1")], "file:update.xml")
        store.add_citations([("2", "1")], "elink:pubmed_pubmed_citedin")
        assert store.delete_citations_from(["2", "3"], "file:") == 2
    assert list(store.iter_citation_sources()) == [("2", "1", "elink:pubmed_pubmed_citedin")]
    assert store.delete_citations_from(["2"], "elink:") == 1
    assert store.counts()["citations"] == 0


def test_file_edges_are_named_after_the_file_of_the_citing_record(store):
    with store.transaction():
        store.put_articles([make("2")], source="file:a.xml")
        store.add_citations([("2", "1"), ("5", "1")], "file:a.xml")
    # paper 5 has no stored record: its file is not known any more
    assert list(store.iter_citation_sources()) == [("2", "1", "file:a.xml"), ("5", "1", "file:")]


def test_opening_an_older_store_tells_each_upgrade_and_a_new_one_none(tmp_path, capsys):
    from citegraph import cli

    _store_at_schema(tmp_path / "citegraph.sqlite", 6).close()
    told = []
    Store(tmp_path / "fresh.sqlite", on_upgrade=lambda *a: told.append(a)).close()
    assert told == []
    code = cli.main(["--cache-dir", str(tmp_path), "stats", "--json"])
    err = capsys.readouterr().err
    assert code == 0
    assert [line.split(" (")[0] for line in err.splitlines() if "upgrading" in line] == [
        f"upgrading the store to schema {version}" for version, _, _ in MIGRATIONS[6:]]
    with Store(tmp_path / "citegraph.sqlite", on_upgrade=lambda *a: told.append(a)) as store:
        assert store.schema_version == MIGRATIONS[-1][0] and told == []


def test_many_rows_in_one_statement_mean_what_they_mean_one_by_one(tmp_path):
    """Rows go to SQLite many to a statement: repeats inside one statement, revisions within
    one batch and counts across the statements' edges come out as row by row."""
    edges = [(1, 2, 1, 0.0)] * 300 + [(1, 2, 2, 0.0)] + [(3, k, 1, 0.0) for k in range(4, 700)]
    edges += [(3, 5, 4, 0.0), (3, 5, 4, 0.0)]  # a second source, told twice
    records = [make(str(n), "2020-01-01", "first") for n in range(1, 150)]
    records += [make("7", "2019-01-01", "older"), make("8", "2021-01-01", "newer")]
    results = {}
    for name, per_row in (("batched", False), ("one by one", True)):
        with Store(tmp_path / f"{name}.sqlite") as s:
            with s.transaction():
                if per_row:
                    written = sum(s.put_articles([r], source="efetch") for r in records)
                    added = sum(s.add_citation_rows([e]) for e in edges)
                else:
                    written = s.put_articles(records, source="efetch")
                    added = s.add_citation_rows(edges)
            rows = s._db.execute("SELECT citing, cited, sources FROM citations ORDER BY 1, 2").fetchall()
            titles = {p: s.get_article(p).title for p in ("7", "8", "9")}
            results[name] = (written, added, rows, titles)
    assert results["batched"] == results["one by one"]
    written, added, rows, titles = results["batched"]
    assert titles == {"7": "first", "8": "newer", "9": "first"}
    assert (1, 2, 3) in rows and (3, 5, 5) in rows and len(rows) == 1 + 696
    assert written == 150 and added == 1 + 1 + 696 + 1
