"""One vocabulary for counts in every summary: "citations" are distinct citing -> cited pairs;
"links reported" count each source's report of a citation apart. What crawl, import, stats and
mainpath print, through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citegraph.testing import Corpus
from cli_run import run

ROOT = "90000001"


@pytest.fixture(scope="module")
def corpus():
    return Corpus.synthetic(400, seed=5)


@pytest.fixture
def server(serve_eutils, corpus):
    """The module's ``corpus`` served to the CLI (tests/conftest.py's ``serve_eutils``)."""
    return serve_eutils(corpus)


def run_json(capsys, *args: str):
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def record(pmid: str, revised: str, cites: tuple[str, ...]) -> str:
    year, month, day = revised.split("-")
    refs = "".join(f'<Reference><Citation>ref {c}</Citation><ArticleIdList><ArticleId IdType="pubmed">{c}'
                   f"</ArticleId></ArticleIdList></Reference>" for c in cites)
    return (f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
            f"<DateRevised><Year>{year}</Year><Month>{month}</Month><Day>{day}</Day></DateRevised>"
            f'<Article PubModel="Print"><ArticleTitle>Title {pmid}</ArticleTitle></Article></MedlineCitation>'
            f"<PubmedData><ReferenceList>{refs}</ReferenceList></PubmedData></PubmedArticle>\n")


def xml_file(path: Path, *records: str) -> Path:
    path.write_text('<?xml version="1.0" ?>\n<PubmedArticleSet>\n' + "".join(records) + "</PubmedArticleSet>\n")
    return path


def test_crawl_reports_new_citations_as_stats_counts_them(server, capsys):
    report = run_json(capsys, "crawl", ROOT, "--depth", "2", "--direction", "both")
    stats = run_json(capsys, "stats")
    # both directions: most citations are reported twice (elink and the citing record's references)
    assert stats["links_reported"] > stats["citations"]
    assert report["citations_added"] == stats["citations"]
    assert report["links_reported"] == stats["links_reported"]
    assert "edges_added" not in report
    again = run_json(capsys, "crawl", ROOT, "--depth", "2", "--direction", "both", "--again")
    assert again["citations_added"] == 0 and again["links_reported"] == 0


def test_crawl_summary_uses_the_words(server, capsys):
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "1")
    assert code == 0, err
    citations = run_json(capsys, "stats")["citations"]
    assert ["new", "citations", f"{citations:,}"] in [line.split() for line in out.splitlines()]
    assert "new edges" not in out and "new links reported" in out


def test_stats_names_citations_and_links_reported_by_source(server, capsys):
    run_json(capsys, "crawl", ROOT, "--depth", "1", "--direction", "both")
    stats = run_json(capsys, "stats")
    by_source = stats["links_reported_by_source"]
    assert sum(by_source.values()) == stats["links_reported"]
    assert by_source["elink:pubmed_pubmed_citedin"] > 0 and by_source["pubmed:references"] > 0
    assert "citation_rows" not in stats
    code, out, _ = run(capsys, "stats")
    words = " ".join(out.split())
    assert f"citations {stats['citations']:,}" in words and f"links reported {stats['links_reported']:,}" in words
    assert f"cited-by (elink) {by_source['elink:pubmed_pubmed_citedin']:,}" in words
    assert f"reference lists {by_source['pubmed:references']:,}" in words
    assert "citation rows" not in words and "distinct citing → cited pairs" in words


def test_import_counts_a_record_written_anew_once(tmp_path, capsys):
    a = xml_file(tmp_path / "a.xml", record("11", "2021-01-01", ("12", "13")))
    b = xml_file(tmp_path / "b.xml", record("11", "2021-02-01", ("12", "13")), record("14", "2021-01-01", ("11",)))
    data = run_json(capsys, "import", "--workers", "1", str(a), str(b))
    assert data["written"] == 3
    assert data["citations"] == run_json(capsys, "stats")["citations"] == 3
    c = xml_file(tmp_path / "c.xml", record("14", "2021-03-01", ("11", "12")))
    code, out, err = run(capsys, "import", "--workers", "1", str(c))
    assert code == 0, err
    assert "; 1 new citations;" in out and "edges" not in out


def test_mainpath_says_citations(server, capsys):
    run_json(capsys, "crawl", ROOT, "--depth", "2")
    data = run_json(capsys, "mainpath", ROOT)
    assert data["citation_count"] == data["link_count"] == data["selection"]["citations_selected"] - len(
        data["dropped_cycle_links"])
    code, out, err = run(capsys, "--quiet", "mainpath", ROOT, "--no-pager")
    assert code == 0, err
    assert f"{data['citation_count']:,} citations," in out and "citation links" not in out
