"""The analysis commands through the real entry point, against crawls served by the local
E-utilities server: a synthetic corpus (expected values derived from the corpus itself, not
from the analysis code) and the real PubMed update file."""

from __future__ import annotations

import json
from collections import Counter, deque

import pytest

from citegraph import cli
from citegraph.pubmed import parse_record
from citegraph.testing import Corpus, EutilsServer
from cli_run import run

ROOT = "90000001"
DEPTH = 2


def run_json(capsys, *args: str):
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def corpus():
    return Corpus.synthetic(1500, seed=3)


@pytest.fixture(scope="module")
def members(corpus):
    """{pmid: generation} of the crawl, from the corpus's own cited-by lists."""
    gen = {ROOT: 0}
    queue = deque([ROOT])
    while queue:
        node = queue.popleft()
        if gen[node] < DEPTH:
            for citing in corpus.cited_by(node):
                if citing not in gen:
                    gen[citing] = gen[node] + 1
                    queue.append(citing)
    return gen


@pytest.fixture(scope="module")
def records(corpus, members):
    return {p: parse_record(corpus.raw_xml(p)) for p in members}


@pytest.fixture(scope="module")
def crawled(corpus, tmp_path_factory):
    """A data folder holding the depth-2 crawl of the synthetic root (crawled once per module)."""
    folder = tmp_path_factory.mktemp("analysis-cache")
    with EutilsServer(corpus, rate_limit=50) as server:
        code = cli.main(["--cache-dir", str(folder), "--eutils-url", server.url, "--rate", "50", "-q",
                         "crawl", ROOT, "--depth", str(DEPTH), "--json"])
    assert code == 0
    return folder


@pytest.fixture
def store_dir(crawled, monkeypatch):
    monkeypatch.setenv("CITEGRAPH_CACHE", str(crawled))
    return crawled


def test_rank_by_citations_matches_the_corpus(store_dir, capsys, corpus, members):
    data = run_json(capsys, "rank", ROOT, "--limit", "10")
    counts = Counter(ref for c in members for ref in corpus.refs(c) if ref in members)
    expected = sorted((p for p in members if p != ROOT), key=lambda p: (-counts[p], int(p)))[:10]
    assert [r["pmid"] for r in data["rows"]] == expected
    assert [r["citations"] for r in data["rows"]] == [counts[p] for p in expected]
    assert all(r["generation"] == members[r["pmid"]] for r in data["rows"])
    assert data["selection"]["papers_selected"] == len(members)
    for by in ("pagerank", "betweenness"):
        rows = run_json(capsys, "rank", ROOT, "--by", by)["rows"]
        assert len(rows) == 20 and rows == sorted(rows, key=lambda r: -r["score"])


def test_filters_apply(store_dir, capsys, records):
    rows = run_json(capsys, "rank", ROOT, "--since", "2000", "--limit", "50")["rows"]
    assert rows and all(records[r["pmid"]].year >= 2000 for r in rows)
    commented = {p for p, a in records.items() if {"Comment", "Letter"} & set(a.publication_types)}
    assert commented, "the synthetic corpus has letters and comments"
    data = run_json(capsys, "rank", ROOT, "--exclude-type", "comment", "--exclude-type", "Letter", "--limit", "2000")
    assert not commented & {r["pmid"] for r in data["rows"]}
    mesh = run_json(capsys, "rank", ROOT, "--mesh", "D016246", "--limit", "2000")["rows"]
    assert {r["pmid"] for r in mesh} == {p for p, a in records.items()
                                         if p != ROOT and any(m.ui == "D016246" for m in a.mesh)}


def test_path_and_why_follow_real_citations(store_dir, capsys, corpus, members):
    late = max((p for p, g in members.items() if g == DEPTH), key=int)
    data = run_json(capsys, "path", late, ROOT)
    assert data["direction"] == "cites" and data["length"] == DEPTH
    for chain in data["paths"]:
        assert chain[0] == late and chain[-1] == ROOT
        assert all(b in corpus.refs(a) for a, b in zip(chain, chain[1:]))
    why = run_json(capsys, "why", late, "--seed", ROOT)
    assert why["generation"] == DEPTH and all(c[0] == ROOT and c[-1] == late for c in why["paths"])
    code, out, _ = run(capsys, "why", late, "--seed", ROOT)
    assert code == 0 and late in out and "cited by" in out


def test_mainpath_runs_along_citations(store_dir, capsys, corpus, members):
    data = run_json(capsys, "mainpath", ROOT, "--key-routes", "2")
    path = data["main_path"]
    assert path[0] == ROOT and len(path) >= 2
    assert all(u in corpus.refs(v) for u, v in zip(path, path[1:]))  # each paper cites the one before
    assert len(data["key_routes"]) == 2
    top = max(link["share"] for link in data["key_route_links"])
    assert data["key_routes"][0]["link"]["share"] == top <= 1
    assert data["paper_count"] == len(members)
    code, out, _ = run(capsys, "mainpath", ROOT, "--search", "local")
    assert code == 0 and "Local main path" in out
    # --limit shortens the chains in JSON too: the first and last papers, the count left out
    short = run_json(capsys, "mainpath", ROOT, "--key-routes", "2", "--limit", "2")
    assert short["main_path"] == [path[0], path[-1]] and short["main_path_omitted"] == len(path) - 2
    assert set(short["papers"]) == set(short["main_path"]) | {p for r in short["key_routes"] for p in r["path"]}
    code, out, _ = run(capsys, "mainpath", ROOT, "--limit", "2")
    assert code == 0 and f"… {len(path) - 2:,} more papers …" in out and f"({len(path):,} papers" in out


def test_related_counts_co_citations(store_dir, capsys, corpus, members):
    rows = run_json(capsys, "related", ROOT, "--limit", "5")["rows"]
    co = Counter(x for c in members if ROOT in corpus.refs(c) for x in corpus.refs(c) if x != ROOT)
    assert rows and all(r["co_cited"] == co[r["pmid"]] for r in rows)


def test_retracted_papers_are_flagged(store_dir, capsys, records, members, corpus):
    retracted = {p for p, a in records.items() if a.is_retracted}
    assert retracted, "the synthetic corpus has retracted papers in this crawl"
    data = run_json(capsys, "rank", ROOT, "--limit", "2000")
    assert set(data["selection"]["retracted"]) == retracted
    flagged = {p for p, info in data["papers"].items() if info["retracted"]}
    assert flagged == retracted - {ROOT}
    bad = min(retracted, key=int)
    children = [c for c in corpus.cited_by(bad) if members.get(c) == members[bad] + 1]
    for child in children:
        assert data["papers"][child]["via_retracted"] is not None
    code, out, _ = run(capsys, "why", bad, "--seed", ROOT)
    assert "RETRACTED" in out


def test_topics_timeline_communities(store_dir, capsys, records, members):
    data = run_json(capsys, "topics", ROOT)
    rows = {r["key"]: r for r in data["topics"]}
    assert data["lens"] == "cell-therapy" and len(rows) == 8
    car = rows["car-t"]
    assert car["papers"] > 0 and car["first_year"] >= 2011  # the synthetic CAR-T line starts in 2011
    assert records[car["earliest"]].year == car["first_year"]
    assert car["path_to_earliest"][0] == ROOT and car["path_to_earliest"][-1] == car["earliest"]
    years = Counter(a.year for p, a in records.items() if p != ROOT)
    timeline = run_json(capsys, "timeline", ROOT, "--by", "generation")
    assert {int(y): n for y, n in timeline["years"].items()} == dict(years)
    assert sum(sum(g.values()) for g in timeline["groups"].values()) == len(members) - 1
    by_topic = run_json(capsys, "timeline", ROOT, "--by", "topic")
    assert sum(by_topic["groups"]["car-t"].values()) == car["papers"]
    found = run_json(capsys, "communities")["communities"]
    all_members = [p for c in found for p in c["members"]]
    assert len(all_members) == len(set(all_members)) and set(all_members) <= set(members)
    for command in (["topics", ROOT], ["timeline", ROOT, "--by", "topic"], ["communities"], ["related", ROOT],
                    ["rank", ROOT, "--by", "pagerank"]):
        code, out, err = run(capsys, *command)
        assert code == 0 and out.strip(), err


def test_errors_are_one_line(store_dir, capsys, tmp_path):
    bad_lens = tmp_path / "bad.toml"
    bad_lens.write_text("[[topic]]\nname = 'x'\n")
    for args, fragment in ((["rank", "404"], "404"), (["rank", ROOT, "--match", "("], "regular expression"),
                           (["topics", ROOT, "--lens", str(bad_lens)], "neither mesh nor patterns"),
                           (["rank", ROOT, "--topic", "astrology"], "no topic")):
        code, _, err = run(capsys, *args)
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 1 and len(lines) == 1 and fragment in lines[0], err


@pytest.fixture(scope="module")
def real_crawl(real_corpus, tmp_path_factory):
    corpus = real_corpus
    folder = tmp_path_factory.mktemp("analysis-real")
    with EutilsServer(corpus, rate_limit=50) as server:
        code = cli.main(["--cache-dir", str(folder), "--eutils-url", server.url, "--rate", "50", "-q",
                         "crawl", "11846609", "--depth", "1", "--json"])
    assert code == 0
    return corpus, folder


def test_real_corpus_topics_and_timeline(real_crawl, capsys, monkeypatch):
    corpus, folder = real_crawl
    monkeypatch.setenv("CITEGRAPH_CACHE", str(folder))
    seed = "11846609"
    data = run_json(capsys, "topics", seed)
    assert len(data["topics"]) == 8
    citing = set(corpus.cited_by(seed))
    timeline = run_json(capsys, "timeline", seed, "--by", "topic")
    assert timeline["papers"] >= len(citing) > 0
    for row in data["topics"]:
        # the timeline counts the dated papers of each topic; the topic table counts them all
        assert sum(timeline["groups"][row["key"]].values()) <= row["papers"]
        if row["earliest"]:
            chain = row["path_to_earliest"]
            assert chain[0] == seed and chain[-1] == row["earliest"]
            assert all(b in corpus.refs(a) for a, b in zip(chain[1:], chain))
    code, out, err = run(capsys, "topics", seed)
    assert code == 0 and "cell-therapy" in out, err
