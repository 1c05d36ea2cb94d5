"""Crawling with several citation sources, and the local server's coverage knobs that make
the sources differ as they do in the real world."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from citegraph.testing import Corpus, EutilsServer
from citegraph.testing.coverage import Coverage

SEED = "11846609"  # cited by 44 records of pubmed21n1298, 12 of them without a PMC id


def pmc_split(corpus: Corpus, cited: str) -> tuple[set[str], set[str]]:
    """(citers with a PMC id, citers without one), read from the corpus's reference lists."""
    citers = {c for c, d in corpus.edges() if d == cited}
    with_pmc = {c for c in citers if corpus.pmcid(c)}
    return with_pmc, citers - with_pmc


def elink_citers(server: EutilsServer, pmid: str) -> set[str]:
    answer = requests.get(server.url + "elink.fcgi", params={"dbfrom": "pubmed", "id": pmid,
                                                             "linkname": "pubmed_pubmed_citedin"}, timeout=10)
    from lxml import etree

    return set(etree.fromstring(answer.content).xpath("//Link/Id/text()"))


def icite_citers(server: EutilsServer, pmid: str) -> set[str]:
    answer = requests.get(server.apis.urls()["icite_url"] + "pubs", params={"pmids": pmid}, timeout=10).json()
    return {str(p) for p in answer["data"][0]["cited_by"]}


# -- server knobs -------------------------------------------------------------------------


def test_citedin_from_pmc_names_only_citers_with_a_pmc_id_and_icite_still_names_all(real_corpus):
    with_pmc, without = pmc_split(real_corpus, SEED)
    assert (len(with_pmc), len(without)) == (32, 12)
    with EutilsServer(real_corpus, coverage=Coverage("pmc")) as server:
        assert elink_citers(server, SEED) == with_pmc
        assert icite_citers(server, SEED) == with_pmc | without
    with EutilsServer(real_corpus) as server:  # the default: every citing record
        assert elink_citers(server, SEED) == with_pmc | without


def test_coverage_drops_the_same_share_of_one_sources_edges_every_time():
    corpus = Corpus.synthetic(2000, seed=3)
    root = max(corpus.pmids(), key=lambda p: len(corpus.cited_by(p)))
    everyone = set(corpus.cited_by(root))
    seen = []
    for _ in range(2):
        with EutilsServer(corpus, coverage=Coverage.from_known("icite=0.5")) as server:
            seen.append((icite_citers(server, root), elink_citers(server, root)))
    (icite, elink), again = seen
    assert again == seen[0]  # seeded: the same edges left out on every run
    assert elink == everyone  # only iCite's edges are dropped
    assert icite < everyone and 0.3 < len(icite) / len(everyone) < 0.7


def test_the_server_command_takes_the_coverage_knobs(tmp_path):
    from citegraph.testing.eutils_server import _parse_args

    args = _parse_args(["--synthetic", "10", "--citedin-from", "pmc", "--coverage", "icite=0.9"])
    assert args.coverage.citedin_from == "pmc" and args.coverage.drop == {"icite": pytest.approx(0.1)}
    with pytest.raises(SystemExit):
        _parse_args(["--synthetic", "10", "--coverage", "scopus=0.9"])
