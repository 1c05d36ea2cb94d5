"""`citegraph doctor`: diagnosis and repair of damaged stores."""

from __future__ import annotations

import json
import sqlite3

from citegraph import cli
from citegraph.models import Article
from citegraph.store import Store


def filled_store(path, n=400):
    with Store(path) as store:
        with store.transaction():
            store.put_articles([Article(pmid=str(p), title=f"paper {p} " + "x" * 300, raw_xml=b"<r/>" * 50)
                                for p in range(1, n + 1)], source="test")
            store.add_citations([(str(p), str(p - 1)) for p in range(2, n + 1)], "test")
        crawl_id, _ = store.open_crawl("k", ["1"], {})
        with store.transaction():
            store.add_nodes(crawl_id, [("1", 0, "done"), ("2", 1, "fetch")])
        store.finish_crawl(crawl_id, 1)  # done, yet a member still waits for its record


def scribble_over_a_page(path):
    """Damage one page in the middle of the store's file."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle + 100: middle + 900] = b"\xff" * 800
    path.write_bytes(bytes(data))


def run(capsys, *args):
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_healthy_store(tmp_path, capsys):
    with Store(tmp_path / "citegraph.sqlite") as store, store.transaction():
        store.put_articles([Article(pmid="1", raw_xml=b"<r/>")], source="t")
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--json")
    assert code == 0
    assert json.loads(out)["healthy"] is True
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path), "doctor")
    assert code == 0 and "healthy" in out and "1 article, 0 citations" in out and "0 crawl nodes" in out


def test_inconsistent_crawl_is_reported_and_reopened(tmp_path, capsys):
    filled_store(tmp_path / "citegraph.sqlite")
    code, out, err = run(capsys, "--cache-dir", str(tmp_path), "doctor")
    assert code == 1 and "crawls marked complete with work left: [1]" in out
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--repair")
    assert code == 0 and "reopened crawls [1]" in out and "interrupted crawls [1]" in out
    with Store(tmp_path / "citegraph.sqlite") as store:
        assert store.get_crawl(1)["status"] == "interrupted"


def test_a_store_of_a_newer_schema_is_not_called_healthy(tmp_path, capsys):
    with Store(tmp_path / "citegraph.sqlite") as store, store.transaction():
        store._execute("INSERT INTO schema_migrations VALUES (99, 'from the future', 0)")
    code, _, err = run(capsys, "--cache-dir", str(tmp_path), "stats")
    assert code == 1 and "newer citegraph" in err  # what every other command says
    code, out, err = run(capsys, "--cache-dir", str(tmp_path), "doctor")
    assert code == 1 and "healthy" not in out
    assert "schema version 99 is newer than this citegraph understands" in " ".join(out.split())
    assert "--repair` fixes" not in err
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--repair", "--json")
    report = json.loads(out)
    assert code == 1 and report["schema_version"] == 99 and report["actions"] == []
    assert not list(tmp_path.glob("*.damaged-*"))  # left alone


def test_a_missing_table_is_named_and_repair_restores_it(tmp_path, capsys):
    filled_store(tmp_path / "citegraph.sqlite")
    with sqlite3.connect(tmp_path / "citegraph.sqlite") as db:
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("DROP TABLE crawl_nodes")
    code, out, err = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--json")
    report = json.loads(out)
    assert code == 1 and report["missing_tables"] == ["crawl_nodes"]
    assert any(p.startswith("table crawl_nodes is missing") and "--repair" in p for p in report["problems"])
    assert not any("not a readable SQLite database" in p for p in report["problems"])
    code, out, err = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--repair", "--json")
    assert code == 0, out + err
    with Store(tmp_path / "citegraph.sqlite") as store:
        assert store.counts()["articles"] == 400 and store.nodes(1) == []


def test_crawl_states_read_the_same_as_in_stats(tmp_path, capsys):
    with Store(tmp_path / "citegraph.sqlite") as store:
        ids = [store.open_crawl(key, [key], {})[0] for key in ("1", "2", "3", "4")]
        store.set_crawl_state(ids[1], "failed")
        store.set_crawl_state(ids[2], "complete")
        lock = store.crawl_lock(ids[3])
        lock.acquire()  # a process runs crawl 4; crawl 1's row says running but nobody does
        try:
            code, out, _ = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--json")
            report = json.loads(out)
            assert code == 0 and report["running_crawls"] == [ids[3]]
            assert report["interrupted_crawls"] == [ids[0]] and report["failed_crawls"] == [ids[1]]
            code, out, _ = run(capsys, "--cache-dir", str(tmp_path), "stats", "--json")
            assert json.loads(out)["latest_crawl"]["status"] == "running"
        finally:
            lock.release()
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path), "stats", "--json")
    assert json.loads(out)["latest_crawl"]["status"] == "interrupted"
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path), "doctor")
    assert f"interrupted crawls [{ids[0]}, {ids[3]}]" in out and f"failed crawls [{ids[1]}]" in out


def test_a_killed_crawls_lock_file_is_no_problem_and_repair_removes_it(tmp_path, capsys):
    from citegraph.store.crawl_lock import lock_path

    path = tmp_path / "citegraph.sqlite"
    with Store(path) as store:
        crawl_id, _ = store.open_crawl("1", ["1"], {})  # its row says running: the process was killed
    lock_path(path, crawl_id).touch()  # the empty file a killed crawl leaves
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--json")
    report = json.loads(out)
    assert code == 0 and report["problems"] == [] and report["interrupted_crawls"] == [crawl_id]
    assert ".lock" not in out
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path), "doctor")
    assert code == 0 and ".lock" not in out and "lock file" not in " ".join(out.split())
    assert lock_path(path, crawl_id).exists()  # doctor alone changes nothing
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--repair", "--json")
    assert code == 0 and json.loads(out)["interrupted_crawls"] == [crawl_id]
    assert not list(tmp_path.glob("*.lock"))


def test_damaged_pages_are_salvaged(tmp_path, capsys):
    path = tmp_path / "citegraph.sqlite"
    filled_store(path)
    scribble_over_a_page(path)
    code, out, err = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--json")
    assert code == 1 and json.loads(out)["problems"]
    code, out, err = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--repair", "--json")
    report = json.loads(out)
    assert code == 0, err
    assert any("moved the damaged file" in a for a in report["actions"])
    assert list(tmp_path.glob("citegraph.sqlite.damaged-*"))
    with Store(path) as store:
        assert store.check() == []
        assert 0 < store.counts()["articles"] <= 400


def test_repair_keeps_the_demo_mark(tmp_path, capsys):
    from citegraph.demo import DemoSource, is_demo_store, prepare_store, store_status

    path = tmp_path / "citegraph.sqlite"
    source = DemoSource(papers=120, seed=4)
    prepare_store(path, source)
    filled_store(path)
    scribble_over_a_page(path)
    code, out, err = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--repair", "--json")
    assert code == 0, err
    assert any("moved the damaged file" in a for a in json.loads(out)["actions"])
    assert is_demo_store(path) and store_status(path, source) == "reused"  # the same corpus's demo store
    with Store(path) as store:
        assert 0 < store.counts()["articles"] <= 400


def test_garbage_file_is_moved_aside_and_the_store_starts_empty(tmp_path, capsys):
    path = tmp_path / "citegraph.sqlite"
    path.write_bytes(b"not a database at all " * 300)
    code, _, err = run(capsys, "--cache-dir", str(tmp_path), "stats")
    assert code == 1 and "doctor --repair" in err
    code, out, err = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--repair", "--json")
    assert code == 0, err
    with Store(path) as store:
        assert store.counts()["articles"] == 0


def test_salvage_from_a_store_with_a_row_per_source(tmp_path):
    # a damaged store from before migration 8 keeps one citations row per (edge, source)
    from citegraph.store.doctor import _copy_table
    from citegraph.store.migrations import MIGRATIONS

    old = sqlite3.connect(tmp_path / "old.sqlite")
    old.executescript(MIGRATIONS[0][2])
    old.executemany("INSERT INTO citations VALUES (?, ?, ?, ?)",
                    [(2, 1, "elink:pubmed_pubmed_citedin", 1.0), (2, 1, "pubmed:references", 2.0),
                     (3, 1, "file:u.xml", 3.0)])
    old.commit()
    Store(tmp_path / "new.sqlite").close()
    new = sqlite3.connect(tmp_path / "new.sqlite")
    assert _copy_table(old, new, "citations") == (3, False)
    new.commit()
    new.close()
    with Store(tmp_path / "new.sqlite") as store:
        assert list(store.iter_citation_sources()) == [
            ("2", "1", "elink:pubmed_pubmed_citedin"), ("2", "1", "pubmed:references"), ("3", "1", "file:")]


def test_repair_keeps_the_full_text_and_its_contexts(tmp_path, capsys):
    path = tmp_path / "citegraph.sqlite"
    filled_store(path, n=20)
    with Store(path) as store:
        with store.transaction():
            store.put_fulltext("2", "PMC2", "fetched", raw_jats=b"<article/>", contexts=[
                ("1", "", "R1", "methods", "Methods", 0, "As described (1), we did it.", 13, 16, False, False)])
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE crawl_nodes")  # damage that only a repair mends
    code, out, err = run(capsys, "--cache-dir", str(tmp_path), "doctor", "--repair", "--json")
    assert code == 0, err
    with Store(path) as store:
        assert store.fulltext_states(["2"]) == {"2": "fetched"}
        assert [c["sentence"] for c in store.contexts_of("1")] == ["As described (1), we did it."]
