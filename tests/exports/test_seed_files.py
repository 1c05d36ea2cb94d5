"""Seed files in: export a selection in each format, feed it to `crawl --from`, and the same
PMIDs are crawled; DOIs the server does not know are listed as unresolved."""

from __future__ import annotations

import csv
import json

import pytest

from citegraph import cli
from citegraph.seeds import parse_seed_text
from citegraph.testing import Corpus, EutilsServer

ROOT = "90000001"


@pytest.fixture(scope="module")
def corpus():
    return Corpus.synthetic(200, seed=9)


@pytest.fixture
def server(serve_eutils, corpus):
    """The module's ``corpus`` served to the CLI (tests/conftest.py's ``serve_eutils``)."""
    return serve_eutils(corpus)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())  # messages wrap at the console width


def test_exported_files_crawl_the_same_pmids(server, corpus, capsys, tmp_path):
    source = str(tmp_path / "source")
    code, _, err = run(capsys, "--cache-dir", source, "crawl", ROOT, "--depth", "1")
    assert code == 0, err
    # a selection: the root's citers from 1990 on (not the whole store)
    wanted = sorted(p for p in corpus.cited_by(ROOT))
    code, _, err = run(capsys, "--cache-dir", source, "export", "--format", "jsonl", "--seed", ROOT,
                       "--depth", "1", "--since", "1990", "-o", str(tmp_path / "sel.jsonl"))
    assert code == 0, err
    selected = [json.loads(line)["pmid"] for line in (tmp_path / "sel.jsonl").read_text().splitlines()]
    assert 3 <= len(selected) < len(wanted) + 1
    for fmt, name in [("csv", "seeds.csv"), ("ris", "seeds.ris"), ("bibtex", "seeds.bib"),
                      ("medline", "seeds.nbib")]:
        target = tmp_path / name
        code, _, err = run(capsys, "--cache-dir", source, "export", "--format", fmt, "--seed", ROOT,
                           "--depth", "1", "--since", "1990", "-o", str(target))
        assert code == 0, err
        code, out, err = run(capsys, "--cache-dir", str(tmp_path / f"new-{fmt}"), "crawl", "--from", str(target),
                             "--depth", "0", "--json")
        assert code == 0, err
        report = json.loads(out)
        assert report["seeds"] == selected, fmt
        assert report["unresolved"] == []
        assert f"({fmt})" in err


def test_dois_resolve_and_unknown_ones_are_listed(server, corpus, capsys, tmp_path):
    pmids = corpus.pmids()[5:9]
    table = tmp_path / "dois.csv"
    with open(table, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Title", "DOI"])
        for p in pmids:
            writer.writerow([f"paper {p}", corpus.doi(p)])
        writer.writerow(["ghost", "10.9999/not.in.pubmed"])
        writer.writerow(["no id at all", ""])
    code, out, err = run(capsys, "crawl", "--from", str(table), "--depth", "0", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["seeds"] == pmids
    assert report["unresolved"] == ["10.9999/not.in.pubmed"]
    assert "no PubMed record for the seed 10.9999/not.in.pubmed: check the DOI" in err
    assert "1 records without a PMID, DOI or PMCID left out" in err


def test_format_detection():
    assert parse_seed_text("3493432\n# comment\n10.1056/x, PMC12\n").identifiers == ["3493432", "10.1056/x", "PMC12"]
    got = parse_seed_text("Title\tPubMed ID\nx\t123\ny\t\n", name="a.tsv")
    assert (got.format, got.identifiers, got.skipped) == ("csv", ["123"], 1)
    got = parse_seed_text("PMID- 5\nTI  - a\n\nPMID- 6\nTI  - b\n      continued\n")
    assert (got.format, got.identifiers) == ("medline", ["5", "6"])
    got = parse_seed_text("TY  - JOUR\nN1  - PMID: 77\nER  - \n\nTY  - JOUR\nDO  - 10.1000/y\nER  - \n")
    assert (got.format, got.identifiers) == ("ris", ["77", "10.1000/y"])
    got = parse_seed_text("@article{a, eprint = {88}, eprinttype = {pubmed}}\n@book{b, doi = {10.2000/z\\_1}}\n")
    assert (got.format, got.identifiers) == ("bibtex", ["88", "10.2000/z_1"])


def test_pmcids_resolve_through_esearch_pmcid(capsys, tmp_path, monkeypatch):
    """The local server answers ``PMC...[pmcid]`` (records given a PMC id here)."""
    from citegraph.pubmed import parse_articles
    from citegraph.testing.synthetic import SyntheticCorpus, doi_for

    synth = SyntheticCorpus(30, seed=2)
    pmcid_of = {}
    records = []
    for i, pmid in enumerate(synth.pmids()):
        raw = synth.record(i)
        own = f'<ArticleId IdType="doi">{doi_for(pmid)}</ArticleId>'.encode()
        if i % 3 == 0:
            pmcid_of[str(pmid)] = f"PMC{7000000 + i}"
            raw = raw.replace(own, own + f'<ArticleId IdType="pmc">{pmcid_of[str(pmid)]}</ArticleId>'.encode(), 1)
        records.append(raw)
    corpus = Corpus()
    corpus.add(parse_articles(b"<PubmedArticleSet>" + b"".join(records) + b"</PubmedArticleSet>"))
    assert corpus.pmid_for_pmcid("pmc7000003") == str(synth.pmid(3))
    table = tmp_path / "pmc.csv"
    wanted = sorted(pmcid_of, key=int)[:4]
    table.write_text("PMCID\n" + "".join(pmcid_of[p] + "\n" for p in wanted) + "PMC1\n", encoding="utf-8")
    with EutilsServer(corpus, rate_limit=50) as srv:
        monkeypatch.setenv("CITEGRAPH_EUTILS_URL", srv.url)
        monkeypatch.setenv("CITEGRAPH_RATE", "50")
        code, out, err = run(capsys, "crawl", "--from", str(table), "--depth", "0", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["seeds"] == wanted
    assert report["unresolved"] == ["PMC1"]


def test_broken_bibtex_blocks_are_counted_not_dropped_silently():
    got = parse_seed_text("@article{a, pmid = {5}}\n@article{broken, title = {x\n")
    assert (got.identifiers, got.skipped) == (["5"], 1)


def test_bad_values_are_named_by_line_and_the_rest_is_read():
    got = parse_seed_text("3493432\n\n# a comment\nabc 10.1056/x\n0, PMC12\n")
    assert got.identifiers == ["3493432", "10.1056/x", "PMC12"]
    assert [line for line, _ in got.bad] == [4, 5] and "'abc'" in got.bad[0][1] and "'0'" in got.bad[1][1]
    got = parse_seed_text("Title,PMID\na,123\n\"b\nstill b\",xyz\nc,\nd,456\n", name="t.csv")
    assert (got.identifiers, got.skipped, [line for line, _ in got.bad]) == (["123", "456"], 1, [4])
    got = parse_seed_text("PMID- 5\nTI  - a\n\nPMID- 6x\nTI  - b\n")
    assert (got.identifiers, [line for line, _ in got.bad]) == (["5"], [4])


def test_a_seed_file_with_bad_lines_crawls_the_good_ones_and_exits_1(server, corpus, capsys, tmp_path):
    good = corpus.pmids()[3:6]
    folder = tmp_path / ("a-folder-with-a-long-name-" * 4)  # each error line outgrows 80 columns
    folder.mkdir()
    seeds = folder / "seeds.txt"
    seeds.write_text(f"{good[0]}\nnot-a-pmid\n{good[1]}\n\n10.12/ {good[2]}\n", encoding="utf-8")
    code, out, err = run(capsys, "crawl", "--from", str(seeds), "--depth", "0", "--json")
    assert code == 1
    assert json.loads(out)["seeds"] == good  # crawled all the same
    assert f"{seeds}:2: not a PMID, DOI or PMCID: 'not-a-pmid'" in err
    assert f"{seeds}:5: not a PMID, DOI or PMCID: '10.12/'" in err
    assert err.endswith(f"citegraph: error: 2 values in {seeds} are no PMID, DOI or PMCID (their lines are listed "
                        "above); the other seeds were crawled")
    # -q keeps the bad lines: they are why the exit code is 1
    code, out, err = run(capsys, "-q", "crawl", "--from", str(seeds), "--depth", "0")
    assert code == 1 and f"{seeds}:2:" in err and f"{seeds}:5:" in err
    seeds.write_text("nothing here\n", encoding="utf-8")
    code, out, err = run(capsys, "crawl", "--from", str(seeds))
    assert code == 1 and f"{seeds}:1:" in err and "citegraph: error: no seed in" in err and out == ""
