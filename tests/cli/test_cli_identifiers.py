"""The reading commands take a paper by PMID, DOI (bare, doi: or a doi.org URL) or PMCID,
looked up in the store only, through the real entry point on a small hand-built store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from citegraph.models import Article
from citegraph.store import Store
from cli_run import run

SEED, DOI, PMCID = "100", "10.1234/Seed.One", "PMC555"
#: citing -> cited: 101, 102, 103 cite the seed; 104 cites 101 and 102; 105 cites 104
EDGES = [("101", "100"), ("102", "100"), ("103", "100"), ("104", "101"), ("104", "102"), ("105", "104")]


@pytest.fixture
def store_path() -> Path:
    path = Path(os.environ["CITEGRAPH_CACHE"]) / "citegraph.sqlite"
    path.parent.mkdir(parents=True)
    articles = [Article(pmid=SEED, title="The seed", year=2000, doi=DOI, pmcid=PMCID)]
    articles += [Article(pmid=p, title=f"paper {p}", year=2000 + int(p) - 100, doi=f"10.1234/p{p}")
                 for p in ("101", "103", "104", "105")]
    articles.append(Article(pmid="102", title="a retracted paper", year=2002, doi="10.1234/p102",
                            publication_types=["Journal Article", "Retracted Publication"]))
    with Store(path) as store, store.transaction():
        store.put_articles(articles, source="efetch")
        store.add_citations(EDGES, "elink:pubmed_pubmed_citedin")
    return path


def run_json(capsys, *args: str):
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("paper", [SEED, DOI, DOI.lower(), f"https://doi.org/{DOI}", f"doi:{DOI}", PMCID,
                                   PMCID.lower()])
def test_show_takes_any_identifier_of_a_stored_paper(store_path, capsys, paper):
    data = run_json(capsys, "show", paper)
    assert data["pmid"] == SEED
    assert data["cited_by"] == 3


@pytest.mark.parametrize("command", [("rank",), ("mainpath",), ("topics",), ("timeline",)])
def test_seed_commands_take_a_doi_url(store_path, capsys, command):
    data = run_json(capsys, *command, f"https://doi.org/{DOI}")
    assert data.get("seed", (data.get("selection") or {}).get("seeds", [None])[0]) == SEED


def test_rank_by_doi_equals_rank_by_pmid(store_path, capsys):
    assert run_json(capsys, "rank", DOI)["rows"] == run_json(capsys, "rank", SEED)["rows"]


def test_path_why_related_take_dois_and_pmcids(store_path, capsys):
    chains = run_json(capsys, "path", "10.1234/p105", PMCID)
    assert chains["paths"] == [["105", "104", "101", "100"], ["105", "104", "102", "100"]]
    why = run_json(capsys, "why", "https://doi.org/10.1234/p104", "--seed", PMCID)
    assert why["pmid"] == "104" and why["seed"] == SEED and why["generation"] == 2
    related = run_json(capsys, "related", "10.1234/P101")
    assert related["pmid"] == "101"
    assert [r["pmid"] for r in related["rows"]][:1] == ["102"]  # both cite the seed, both cited by 104


def test_analysis_seed_option_takes_a_pmcid(store_path, capsys):
    data = run_json(capsys, "communities", "--seed", PMCID)
    assert data["selection"]["seeds"] == [SEED]


def test_export_seed_takes_a_doi(store_path, capsys, tmp_path):
    target = tmp_path / "out.csv"
    code, _, err = run(capsys, "export", "--format", "csv", "--seed", f"https://doi.org/{DOI}", "--depth", "1",
                       "-o", str(target))
    assert code == 0, err
    assert {line.split(",")[0] for line in target.read_text().splitlines()[1:]} == {"100", "101", "102", "103"}


@pytest.mark.parametrize("command", [("show",), ("rank",), ("related",), ("why", "101", "--seed")])
def test_an_unknown_doi_is_a_one_line_error_without_going_online(store_path, capsys, command):
    # no E-utilities URL is set: a request would go to NCBI itself; the command must not try
    code, out, err = run(capsys, *command, "10.9999/not.here")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and out == ""
    assert len(lines) == 1 and lines[0].startswith("citegraph: error: not in the store: '10.9999/not.here'")
    assert "crawl" in lines[0]


def test_unknown_identifiers_are_named_together(store_path, capsys):
    code, _, err = run(capsys, "path", "PMC999", "10.9999/x")
    assert code == 1
    assert "'PMC999', '10.9999/x'" in err


def test_a_pmid_needs_no_lookup_and_garbage_is_refused(store_path, capsys):
    code, _, err = run(capsys, "show", "not-an-id")
    assert code == 1 and "not a PMID, DOI or PMCID" in err


def test_help_says_which_identifiers_are_taken(capsys):
    code, out, _ = run(capsys, "show", "--help")
    assert code == 0
    assert "PAPER" in out and "DOI" in out and "PMCID" in out


def test_rank_by_pagerank_prints_the_relative_scale_and_json_has_both(store_path, capsys):
    data = run_json(capsys, "rank", SEED, "--by", "pagerank")
    n = data["selection"]["papers_selected"]
    assert n == 6
    for row in data["rows"]:
        assert row["pagerank_relative"] == pytest.approx(row["pagerank_raw"] * n)
    code, out, err = run(capsys, "--quiet", "rank", SEED, "--by", "pagerank")
    assert code == 0, err
    assert "PageRank (×avg)" in out and "1.0 = an average paper" in " ".join(out.split())
    top = data["rows"][0]
    assert f"{top['pagerank_relative']:,.2f}" in out
    assert f"{top['pagerank_raw']:.4g}" not in out


def test_show_marks_a_retracted_paper_in_its_most_cited_table(store_path, capsys):
    code, out, err = run(capsys, "--quiet", "show", SEED, "--no-pager")
    assert code == 0, err
    table = out[out.index("Most cited among"):]
    row_102 = next(line for line in table.splitlines() if "│ 102 " in line or "│102 " in line)
    assert "RETRACTED" in row_102
    row_101 = next(line for line in table.splitlines() if "│ 101 " in line or "│101 " in line)
    assert "RETRACTED" not in row_101
