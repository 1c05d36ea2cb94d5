"""The coverage report: the pure function over store rows, and the command on a real crawl."""

from __future__ import annotations

import json
import re

import pytest

from citegraph.analysis.coverage import coverage
from citegraph.store.migrations import SOURCE_BITS
from test_crawl_sources import SEED, cli_run, pmc_cli, pmc_server, pmc_split  # noqa: F401 (fixtures)

CITEDIN, REFS, RECORD = (SOURCE_BITS[k] for k in ("elink:pubmed_pubmed_citedin", "elink:pubmed_pubmed_refs",
                                                  "pubmed:references"))
ICITE = SOURCE_BITS["icite"]


def edges_of(rows):
    def edges(pmids, side):
        wanted = set(pmids)
        return [r for r in rows if (r[1] if side == "cited" else r[0]) in wanted]
    return edges


def test_each_source_its_papers_only_overlap_and_generations():
    rows = [(11, 1, CITEDIN | ICITE), (12, 1, CITEDIN), (13, 1, ICITE | RECORD), (14, 1, RECORD),
            (21, 11, ICITE), (22, 13, CITEDIN | ICITE), (12, 11, CITEDIN)]
    report = coverage(1, edges_of(rows), depth=2)
    assert report["sources"] == {"pubmed": {"citations": 4, "papers": 3, "only": 1},
                                 "icite": {"citations": 4, "papers": 4, "only": 2}}
    # 14 is known only from its own reference list: no source's finding in the cited-by direction
    assert report["union"] == {"citations": 6, "papers": 5, "outside_pubmed": 0}
    assert report["overlap"] == {"pubmed+icite": 2}  # 11 and 22
    assert report["by_generation"] == [{"generation": 1, "pubmed": 2, "icite": 2, "union": 3},
                                       {"generation": 2, "pubmed": 1, "icite": 2, "union": 2}]


def test_references_count_pubmeds_reference_lists_and_a_pubmed_only_store_shows_pubmed_alone():
    rows = [(1, 2, RECORD), (1, 3, REFS | RECORD), (3, 4, RECORD)]
    report = coverage(1, edges_of(rows), depth=1, direction="references")
    assert report["sources"] == {"pubmed": {"citations": 2, "papers": 2, "only": 2}}
    assert report["overlap"] == {} and report["union"] == {"citations": 2, "papers": 2, "outside_pubmed": 0}
    assert coverage(1, edges_of(rows), depth=2, direction="both")["union"]["papers"] == 3


def test_the_command_reports_what_the_crawl_found_on_the_pmc_only_server(real_corpus, pmc_cli, capsys):
    with_pmc, without = pmc_split(real_corpus, SEED)
    assert cli_run(capsys, "crawl", SEED, "--depth", "1", "--json")[0] == 0
    code, out, err = cli_run(capsys, "coverage", SEED, "--json")
    assert code == 0, err
    report = json.loads(out)
    n, m = len(with_pmc | without), len(with_pmc)
    assert report["sources"] == {"pubmed": {"citations": m, "papers": m, "only": 0},
                                 "icite": {"citations": n, "papers": n, "only": n - m}}
    assert report["union"] == {"citations": n, "papers": n, "outside_pubmed": 0}
    assert report["overlap"] == {"pubmed+icite": m}
    assert report["by_generation"] == [{"generation": 1, "pubmed": m, "icite": n, "union": n}]
    code, out, err = cli_run(capsys, "coverage", SEED)
    assert code == 0, err
    words = " ".join(re.findall(r"[\w%]+", out))
    assert "PubMed 32 32 0" in words and "iCite 44 44 12" in words
