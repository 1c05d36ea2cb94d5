"""The commands that write papers and citations leave the store's snapshots up to date, and a
reading command sees a write made after them (citegraph.store.snapshots through the CLI)."""

from __future__ import annotations

import json
import os
import sqlite3

import numpy as np
import pytest

from citegraph.analysis.load import _graph_from_tables
from citegraph.analysis.csr import CitationGraph
from citegraph.store import Store
from citegraph.testing import Corpus
from cli_run import run

ROOT = "90000001"


@pytest.fixture(scope="module")
def corpus():
    return Corpus.synthetic(400, seed=11)


def store_path() -> str:
    return os.path.join(os.environ["CITEGRAPH_CACHE"], "citegraph.sqlite")


def assert_snapshots_current(path, *, mesh: bool = True) -> None:
    with Store(path) as store:
        parts = store.read_snapshot("graph")
        assert parts is not None and (store.read_snapshot("mesh") is not None or not mesh)
        kept, built = CitationGraph.from_parts(parts), _graph_from_tables(store, False, None)
    assert np.array_equal(kept.src, built.src) and np.array_equal(kept.dst, built.dst)
    assert np.array_equal(kept.ids, built.ids) and np.array_equal(kept.year, built.year)


def test_a_crawl_leaves_the_snapshots_current_and_a_later_write_is_seen(serve_eutils, corpus, capsys):
    serve_eutils(corpus)
    code, _, err = run(capsys, "crawl", ROOT, "--depth", "1", "--json")
    assert code == 0, err
    assert_snapshots_current(store_path())
    code, out, _ = run(capsys, "rank", ROOT, "--json", "--limit", "1000")
    before = {r["pmid"]: r["citations"] for r in json.loads(out)["rows"]}
    citer = next(p for p in before if p != ROOT)
    other = next(p for p in before if p not in (ROOT, citer))
    # written behind citegraph's back, as the sqlite3 shell would
    with sqlite3.connect(store_path()) as db:
        db.execute("INSERT INTO citations (citing, cited, sources, seen_at) VALUES (?, ?, 1, 0)",
                   (int(other), int(citer)))
    code, out, _ = run(capsys, "rank", ROOT, "--json", "--limit", "1000")
    after = {r["pmid"]: r["citations"] for r in json.loads(out)["rows"]}
    assert after[citer] == before[citer] + 1
    assert_snapshots_current(store_path(), mesh=False)  # rank reads no MeSH: that one is made when needed


def test_an_import_leaves_the_snapshots_current(corpus, capsys, tmp_path):
    records = b"".join(corpus.raw_xml(p) for p in [ROOT, *corpus.cited_by(ROOT)[:30]])
    source = tmp_path / "records.xml"
    source.write_bytes(b'<?xml version="1.0"?>\n<PubmedArticleSet>' + records + b"</PubmedArticleSet>")
    code, _, err = run(capsys, "import", str(source), "--workers", "1")
    assert code == 0, err
    assert_snapshots_current(store_path())
