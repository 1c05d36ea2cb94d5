"""The local server's ``efetch db=pmc``: real ``.nxml`` articles, synthetic JATS, the real
envelope, the "not open access" front matter, the ``<Reply error=...>`` answer, the short fault."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from citegraph.pmc import ERROR, FULL_TEXT, NOT_OPEN_ACCESS, iter_articleset
from citegraph.pubmed import parse_record
from citegraph.testing import Corpus, EutilsServer
from citegraph.testing.pmc_answers import ENVELOPE_HEAD, NOT_ALLOWED, add_pmc_files, synthetic_jats
from citegraph.testing.synthetic import open_access, pmcid_for

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pmc_folder(ncbi_fixtures) -> Path:
    folder = ncbi_fixtures.parent / "pmc"
    if not folder.is_dir():
        pytest.skip(f"real PMC articles not found at {folder}")
    return folder


def fetch(server, *ids: str) -> requests.Response:
    return requests.get(server.url + "efetch.fcgi", params={"db": "pmc", "id": ",".join(ids)}, timeout=10)


def test_synthetic_records_carry_their_pmc_id(corpus, synth):
    with_pmc = [p for p in synth.pmids() if pmcid_for(p, synth.year(p - synth.pmid(0)))]
    assert 0 < len(with_pmc) < synth.n
    pmid = with_pmc[0]
    assert parse_record(corpus.raw_xml(pmid)).pmcid == pmcid_for(pmid, synth.year(pmid - synth.pmid(0)))
    assert corpus.pmid_for_pmcid(pmcid_for(pmid, synth.year(pmid - synth.pmid(0)))) == str(pmid)


def test_envelope_states_and_order(corpus, synth):
    with_pmc = [p for p in synth.pmids() if pmcid_for(p, synth.year(p - synth.pmid(0)))]
    shut = next(p for p in with_pmc if not open_access(p))
    free = next(p for p in with_pmc if open_access(p) and len(synth.reference_pmids(p - synth.pmid(0))) > 5)
    ids = [corpus._pmcid_of[free], corpus._pmcid_of[shut][3:], "PMC1"]  # with and without "PMC"
    with EutilsServer(corpus) as server:
        answer = fetch(server, *ids)
    assert answer.status_code == 200 and answer.content.startswith(ENVELOPE_HEAD)
    assert NOT_ALLOWED.encode() in answer.content
    assert b'<Reply Id="1" error="The following PMCID is not available: 1"/>' in answer.content
    got = list(iter_articleset(answer.content))
    assert [(a.pmid, a.state) for a in got] == [(str(free), FULL_TEXT), (str(shut), NOT_OPEN_ACCESS), ("", ERROR)]
    contexts = got[0].contexts
    refs = set(map(str, synth.reference_pmids(free - synth.pmid(0))))
    assert {c.cited_pmid for c in contexts} <= refs and len({c.cited_pmid for c in contexts}) == len(refs)
    assert {c.section for c in contexts} >= {"introduction", "discussion"}
    assert synthetic_jats(corpus, free) == synthetic_jats(corpus, free)  # reproducible


def test_short_fault_leaves_out_one_article(corpus, synth):
    ids = [corpus._pmcid_of[p] for p in synth.pmids() if p in corpus._pmcid_of][:4]
    with EutilsServer(corpus) as server:
        server.force("efetch", ["short"])
        answer = fetch(server, *ids)
        assert server.fault_log == [("efetch", "short")]
    assert len(list(iter_articleset(answer.content))) == 3


def test_empty_id_list_is_an_efetch_error(corpus):
    with EutilsServer(corpus) as server:
        answer = fetch(server, "x")
    assert answer.status_code == 400 and b"<ERROR>" in answer.content


def test_real_articles_are_served_with_a_pubmed_record(pmc_folder):
    corpus = Corpus.synthetic(50, seed=1)
    assert add_pmc_files(corpus, sorted(pmc_folder.glob("*.nxml"))) == 5
    record = parse_record(corpus.raw_xml("21810267"))
    assert record.pmcid == "PMC3166277" and record.year == 2011 and len(record.reference_pmids) >= 50
    with EutilsServer(corpus) as server:
        answer = fetch(server, "PMC3166277", "2329613")
    got = list(iter_articleset(answer.content))
    assert [(a.pmid, a.state) for a in got] == [("21810267", FULL_TEXT), ("18405359", FULL_TEXT)]
    from citegraph.pmc import read_article

    assert got[0].contexts == read_article(pmc_folder / "1471-2180-11-174.nxml").contexts


def test_server_command_line_takes_pmc_files(pmc_folder):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "citegraph.testing.eutils_server", "--synthetic", "50",
                             "--pmc", str(pmc_folder / "pone.0000217.nxml"), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        line = proc.stdout.readline()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, proc.stderr.read()
        answer = requests.get(match.group(1) + "/entrez/eutils/efetch.fcgi", params={"db": "pmc", "id": "1790863"},
                              timeout=10)
        assert [a.pmid for a in iter_articleset(answer.content)] == ["17299597"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
