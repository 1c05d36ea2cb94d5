"""A reader that closes the output early (``citegraph export | head -1``): the command exits
0 without a word on stderr, as the command line's docstring states (citegraph.cli.entry)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from citegraph.crawl import SOURCE_RECORD
from citegraph.pubmed import parse_record
from citegraph.store import Store
from citegraph.testing.synthetic import SyntheticCorpus

REPO = Path(__file__).resolve().parents[2]
#: enough papers that the export (about 1.2 MB as JSON lines) outgrows any pipe's buffer, so
#: the command is still writing when the reader has gone
PAPERS = 500


@pytest.fixture
def data_dir(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    synthetic = SyntheticCorpus(PAPERS, 1)
    articles = [parse_record(synthetic.record(i)) for i in range(PAPERS)]
    with Store(folder / "citegraph.sqlite") as store, store.transaction():
        store.put_articles(articles, source="synthetic")
        store.add_citations(((a.pmid, r) for a in articles for r in a.reference_pmids), SOURCE_RECORD)
    return folder


@pytest.mark.parametrize("export_format", ["jsonl", "csv"])
def test_a_reader_closing_early_ends_the_command_quietly(data_dir, export_format):
    command = [sys.executable, "cli.py", "--data-dir", str(data_dir), "export", "--format", export_format]
    env = {**os.environ, "CITEGRAPH_DEBUG": ""}
    with subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as victim:
        first = victim.stdout.readline()
        victim.stdout.close()  # the reader leaves, as `head -1` does
        err = victim.stderr.read()
        code = victim.wait(timeout=120)
    assert first.strip()
    assert code == 0, err
    assert err == b""
