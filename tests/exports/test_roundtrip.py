"""Every export format read back with its own library, on a crawl served by the local server.

Two crawls: a synthetic corpus (always) and the real PubMed update file (needs ../shared):
a depth-1 cited-by crawl of 11846609, the PMID its records cite most, which is not itself a
record of the file (so the graph has an unstored seed). The server gets the real records
that mention 11846609 (found by a byte scan of the file, parsed by citegraph's reader): for
this crawl its answers are those of the whole file (cited-by is the inverse of the records'
references; tests/test_crawl_server.py checks that crawl against an lxml pass), in 2 s
instead of the 20+ s of loading 20,788 records. Expected values come from the store through
SQL and the crawl's own tables, not from the export code.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from citegraph.config import Settings
from citegraph.crawl import CrawlOptions, Crawler
from citegraph.exports.formats import export
from citegraph.exports.selection import select
from citegraph.filters import Filters
from citegraph.pubmed import parse_articles
from citegraph.sources.eutils import EutilsClient
from citegraph.store import Store
from citegraph.testing import Corpus, EutilsServer

import readback as rb

RECORD_FORMATS = ["csv", "xlsx", "ris", "bibtex", "csljson", "medline", "jsonl", "text"]
GRAPH_FORMATS = ["graphml", "gexf", "pajek", "cytoscape", "dot"]


class Crawled:
    def __init__(self, folder: Path, seed: str, depth: int) -> None:
        self.folder = folder
        self.seed = seed
        self.store_path = folder / "citegraph.sqlite"
        with Store(self.store_path) as store:
            self.articles = {a.pmid: a for a in store.iter_articles()}
            crawl = store.latest_crawl()
            self.generation = dict(store.nodes(crawl["id"]))
            self.selection = select(store)
        db = sqlite3.connect(self.store_path)
        nodes = set(self.articles) | {seed}
        self.edges = {(str(a), str(b)) for a, b in db.execute("SELECT citing, cited FROM citations")
                      if str(a) in nodes and str(b) in nodes}
        db.close()
        with Store(self.store_path) as store:
            self.edge_rows = {(a, b, s) for a, b, s in store.iter_citation_sources() if a in nodes and b in nodes}
        self.nodes = nodes
        # generations 0-1 only: pydot's parser needs ~0.1 s per node, so DOT reads this one
        with Store(self.store_path) as store:
            self.near = select(store, Filters(seeds=[seed], depth=1))
        self.near_nodes = {p for p, g in self.generation.items() if g <= 1}
        self.near_edges = {(a, b) for a, b in self.edges if a in self.near_nodes and b in self.near_nodes}


def crawl(corpus: Corpus, folder: Path, seed: str, depth: int) -> Crawled:
    with EutilsServer(corpus, rate_limit=50) as server:
        settings = Settings(eutils_url=server.url, data_dir=folder, rate=50, backoff_base=0.05, max_attempts=4)
        with EutilsClient(settings) as client, Store(settings.store_path) as store:
            report = Crawler(client, store, parse=parse_articles).run([seed], CrawlOptions(depth=depth))
            assert report.complete
    return Crawled(folder, seed, depth)


REAL_SEED = "11846609"


def records_mentioning(blob: bytes, pmid: str) -> Corpus:
    starts = {blob.rfind(b"<PubmedArticle>", 0, m.start())
              for m in re.finditer(rb">\s*" + pmid.encode() + rb"\s*<", blob)}
    records = [blob[s:blob.index(b"</PubmedArticle>", s) + len(b"</PubmedArticle>")] for s in sorted(starts)]
    corpus = Corpus()
    corpus.add(parse_articles(b"<PubmedArticleSet>" + b"".join(records) + b"</PubmedArticleSet>"))
    return corpus


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Crawled:
    return crawl(Corpus.synthetic(200, seed=5), tmp_path_factory.mktemp("synthetic"), "90000001", 2)


@pytest.fixture(scope="module")
def real(update_file_xml, tmp_path_factory) -> Crawled:
    corpus = records_mentioning(update_file_xml, REAL_SEED)
    return crawl(corpus, tmp_path_factory.mktemp("real"), REAL_SEED, 1)


@pytest.fixture(params=["synthetic", "real"])
def crawled(request) -> Crawled:
    return request.getfixturevalue(request.param)


def check_records(crawled: Crawled, records: dict, *, title, families=True) -> None:
    assert set(records) == set(crawled.articles)
    for pmid, article in crawled.articles.items():
        got = records[pmid]
        assert got["doi"] == (article.doi or ""), pmid
        assert got["title"] == title(article.title), pmid
        if families:
            assert got["families"] == [title(f) for f in rb.expected_families(article)], pmid


def test_crawl_sizes(synthetic, real):
    # the real crawl: the seed has no record; its citing records are the export
    assert 30 <= len(real.articles) <= 80 and real.seed not in real.articles
    assert len(synthetic.articles) > 50 and len(synthetic.near_nodes) < len(synthetic.articles)
    assert real.selection.unstored_seeds == [real.seed]


@pytest.mark.parametrize("fmt", RECORD_FORMATS)
def test_record_format_round_trip(crawled, fmt, tmp_path):
    target = tmp_path / f"out.{fmt}"
    result = export(crawled.selection, fmt, str(target))
    assert result.records == len(crawled.articles)
    if fmt == "csv":
        rows = rb.read_csv(target)
        assert set(rows) == set(crawled.articles)
        for pmid, article in crawled.articles.items():
            assert rows[pmid]["title"] == article.title and rows[pmid]["doi"] == (article.doi or "")
            assert rows[pmid]["authors"] == "; ".join(a.display_name for a in article.authors)
    elif fmt == "xlsx":
        book = rb.read_xlsx(target)
        assert set(book["records"]) == set(crawled.articles)
        for pmid, article in crawled.articles.items():
            assert book["records"][pmid]["title"] == article.title
            assert book["records"][pmid]["doi"] == (article.doi or "")
            assert book["records"][pmid]["authors"] == "; ".join(a.display_name for a in article.authors)
        assert {tuple(e) for e in book["edges"]} == crawled.edge_rows
    elif fmt == "ris":
        check_records(crawled, rb.read_ris(target), title=rb.one_line)
    elif fmt == "bibtex":
        check_records(crawled, rb.read_bibtex(target), title=lambda t: rb.one_line(t).replace("^", "\u02c6"))
    elif fmt == "csljson":
        check_records(crawled, rb.read_csljson(target), title=lambda t: t)
    elif fmt == "medline":
        check_records(crawled, rb.read_medline(target), title=rb.one_line)
    elif fmt == "jsonl":
        import json

        rows = [json.loads(line) for line in target.read_text().splitlines()]
        assert [r["pmid"] for r in rows] == sorted(crawled.articles, key=int)
    elif fmt == "text":
        entries = rb.read_text(target)
        assert len(entries) == len(crawled.articles)
        # vancouver (NLM's Citing Medicine) names each entry's PMID ("PubMed PMID: N"), in PMID order
        assert [re.search(r"PubMed PMID: (\d+)", e).group(1) for e in entries] == sorted(crawled.articles, key=int)


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_graph_format_round_trip(crawled, fmt, tmp_path):
    target = tmp_path / f"out.{fmt}"
    selection, want_nodes, want_edges = crawled.selection, crawled.nodes, crawled.edges
    if fmt == "dot":
        selection, want_nodes, want_edges = crawled.near, crawled.near_nodes, crawled.near_edges
    export(selection, fmt, str(target))
    nodes, edges, titles = rb.read_graph(fmt, target)
    assert nodes == want_nodes
    assert len(edges) == len(want_edges) and set(edges) == want_edges
    if fmt != "pajek":
        for pmid in want_nodes & set(crawled.articles):
            assert titles[pmid] == rb.one_line(crawled.articles[pmid].title), pmid


def test_vosviewer_and_edges_round_trip(crawled, tmp_path):
    export(crawled.selection, "vosviewer", str(tmp_path / "vos.txt"))
    rows, links = rb.read_vosviewer(tmp_path / "vos")
    ids = {row["id"]: row["url"].rstrip("/").rsplit("/", 1)[1] for row in rows}
    assert set(ids.values()) == crawled.nodes
    assert {(ids[a], ids[b]) for a, b, _ in links} == crawled.edges and len(links) == len(crawled.edges)
    export(crawled.selection, "edges", str(tmp_path / "edges.csv"), bom=True)
    assert (tmp_path / "edges.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    rows = rb.read_edges(tmp_path / "edges.csv")
    assert set(rows) == crawled.edge_rows and len(rows) == len(crawled.edge_rows)


def test_provenance_matches_the_crawl(crawled, tmp_path):
    """Generation = the crawl's; the path starts at the seed, each step is a stored citation
    (next cites previous: a cited-by crawl), and has generation + 1 PMIDs."""
    export(crawled.selection, "csv", str(tmp_path / "p.csv"))
    rows = rb.read_csv(tmp_path / "p.csv")
    for pmid, row in rows.items():
        assert int(row["generation"]) == crawled.generation[pmid]
        path = row["path"].split(" > ")
        assert path[0] == crawled.seed and path[-1] == pmid and row["seeds"] == crawled.seed
        assert len(path) == crawled.generation[pmid] + 1
        assert all((b, a) in crawled.edges for a, b in zip(path, path[1:]))
    bib = rb.read_bibtex(_export(crawled, "bibtex", tmp_path))
    ris = rb.read_ris(_export(crawled, "ris", tmp_path))
    med = rb.read_medline(_export(crawled, "medline", tmp_path))
    csl = rb.read_csljson(_export(crawled, "csljson", tmp_path))
    for pmid, row in rows.items():
        path = row["path"].replace(" > ", " ")
        assert bib[pmid]["path"] == path and bib[pmid]["generation"] == row["generation"]
        assert csl[pmid]["custom"]["citegraph"]["path"] == path.split()
        assert f"generation {row['generation']}" in ris[pmid]["notes"][-1]  # after a retraction note
        assert f"path {row['path']}" in med[pmid]["gn"][0]


def _export(crawled: Crawled, fmt: str, folder: Path) -> Path:
    target = folder / f"x.{fmt}"
    export(crawled.selection, fmt, str(target))
    return target


def test_seed_and_depth_selection_and_filters(synthetic):
    with Store(synthetic.store_path) as store:
        first = select(store, Filters(seeds=[synthetic.seed], depth=1))
        years = select(store, Filters(since=1995, until=2005))
        reviews = select(store, Filters(types=["Review"]))
        no_reviews = select(store, Filters(exclude_types=["review"]))
    gen1 = {p for p, g in synthetic.generation.items() if g <= 1}
    assert {a.pmid for a in first.articles} == gen1
    assert {a.pmid for a in years.articles} == {p for p, a in synthetic.articles.items()
                                               if a.year is not None and 1995 <= a.year <= 2005}
    is_review = {p for p, a in synthetic.articles.items() if "Review" in a.publication_types}
    assert is_review and {a.pmid for a in reviews.articles} == is_review
    assert {a.pmid for a in no_reviews.articles} == set(synthetic.articles) - is_review
    # edges of a selection stay inside it
    assert all(a in gen1 and b in gen1 for a, b, _ in first.edges)


def test_cli_export_filters_stdout_and_atomic_files(synthetic, capsys, tmp_path, monkeypatch):
    import csv as csvmodule
    import io

    from citegraph import cli

    folder = str(synthetic.folder)
    # the analysis layer's MeSH filter, whole store: papers having that descriptor
    code = cli.main(["--cache-dir", folder, "export", "--format", "csv", "--mesh", "Interleukin-2", "-o", "-"])
    out, err = capsys.readouterr()
    assert code == 0, err
    got = {r["pmid"] for r in csvmodule.DictReader(io.StringIO(out))}
    want = {p for p, a in synthetic.articles.items() if any(m.descriptor == "Interleukin-2" for m in a.mesh)}
    assert want and got == want

    # a failure part-way leaves the earlier file as it was and no partial file beside it
    target = tmp_path / "keep.ris"
    target.write_text("old\n")
    import citegraph.exports.ris as ris

    def broken(entries, stream, **kw):
        stream.write("TY  - JOUR\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ris.rispy, "dump", broken)
    code = cli.main(["--cache-dir", folder, "export", "--format", "ris", "-o", str(target)])
    _, err = capsys.readouterr()
    assert code == 1 and "disk full" in err
    assert target.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.ris"]

    code = cli.main(["--cache-dir", folder, "export", "--format", "text", "--style", "no-such-style", "-o", "-"])
    _, err = capsys.readouterr()
    assert code == 1 and "unknown citation style" in err


def test_unknown_seed_is_an_error(synthetic):
    from citegraph.errors import InputError

    with Store(synthetic.store_path) as store, pytest.raises(InputError, match="not in the store"):
        select(store, Filters(seeds=["12345"]))
