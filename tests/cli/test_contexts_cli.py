"""`citegraph contexts`, `show`'s mention lines, `export --contexts` and `rank --by
mentions|methods-use`, on a store crawled with `--full-text` from the local server (synthetic
JATS and the real `.nxml` articles) and on hostile full text imported from a file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from citegraph.store import Store
from cli_run import run

ROOT = "90000001"


@pytest.fixture(scope="module")
def corpus():
    from citegraph.testing import Corpus

    return Corpus.synthetic(400, seed=5)


@pytest.fixture
def server(serve_eutils, corpus):
    """The module's ``corpus`` served to the CLI (tests/conftest.py's ``serve_eutils``)."""
    return serve_eutils(corpus)


@pytest.fixture
def crawled(server, capsys):
    code, _, err = run(capsys, "crawl", ROOT, "--depth", "1", "--full-text")
    assert code == 0, err
    return server


def test_contexts_json_shape_filters_and_text(crawled, corpus, capsys):
    code, out, err = run(capsys, "contexts", ROOT, "--json")
    assert code == 0, err
    items = json.loads(out)
    assert items and all(set(i) >= {"citing", "cited", "year", "section", "sentence", "in_caption"} for i in items)
    assert {i["cited"] for i in items} == {ROOT}
    assert {i["citing"] for i in items} <= set(corpus.cited_by(ROOT))
    for i in items:
        assert i["sentence"][i["cite_start"]:i["cite_end"]].strip("[]").isdigit()
    methods = json.loads(run(capsys, "contexts", ROOT, "--section", "methods", "--json")[1])
    assert methods and methods == [i for i in items if i["section"] == "methods"]
    matched = json.loads(run(capsys, "contexts", ROOT, "--match", "EXTEND", "--json")[1])
    assert matched == [i for i in items if "extend" in i["sentence"].lower()]
    code, out, err = run(capsys, "contexts", ROOT, "--no-pager")
    assert code == 0 and "mentioned" in out and "quote it; full text is stored for" in out


def test_contexts_errors_are_one_line(crawled, capsys):
    code, _, err = run(capsys, "contexts", ROOT, "--match", "(")
    assert code == 1 and err.startswith("citegraph: error: --match is not a regular expression")
    code, _, err = run(capsys, "contexts", ROOT, "--seed", "90000399")
    assert code == 1 and "no stored crawl has 90000399 as a seed" in err


def test_contexts_seed_keeps_the_crawls_papers(crawled, capsys):
    everything = json.loads(run(capsys, "contexts", ROOT, "--json")[1])
    within = json.loads(run(capsys, "contexts", ROOT, "--seed", ROOT, "--json")[1])
    assert within == everything  # the crawl of ROOT holds every paper citing it


def test_show_says_how_often_each_citing_paper_mentions_it(crawled, capsys):
    items = json.loads(run(capsys, "contexts", ROOT, "--json")[1])
    code, out, err = run(capsys, "show", ROOT, "--json")
    assert code == 0, err
    mentions = {m["citing"]: m for m in json.loads(out)["mentions"]}
    for citing in {i["citing"] for i in items}:
        mine = [i for i in items if i["citing"] == citing]
        assert mentions[citing]["total"] == len(mine)
        assert sum(mentions[citing]["sections"].values()) == len(mine)
    code, out, _ = run(capsys, "show", ROOT, "--no-pager", "--limit", "50")
    assert "Mentions in the full text of citing papers" in out and "mentioned " in out


def test_export_contexts_csv_jsonl_xlsx(crawled, capsys, tmp_path):
    items = json.loads(run(capsys, "contexts", ROOT, "--json")[1])
    code, out, err = run(capsys, "export", "--format", "csv", "--contexts", "--seed", ROOT, "--depth", "0")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["mentions"] == str(len(items)) and rows[0]["contexts"].count(" | ") == len(items) - 1
    code, out, _ = run(capsys, "export", "--format", "jsonl", "--contexts", "--seed", ROOT, "--depth", "0")
    record = json.loads(out.splitlines()[0])
    assert [(c["citing"], c["sentence"]) for c in record["contexts"]] == [(i["citing"], i["sentence"]) for i in items]
    target = tmp_path / "out.xlsx"
    code, _, err = run(capsys, "export", "--format", "xlsx", "--contexts", "-o", str(target))
    assert code == 0, err
    from openpyxl import load_workbook

    book = load_workbook(target, read_only=True)
    try:
        assert sum(1 for _ in book["contexts"].iter_rows()) - 1 >= len(items)
    finally:
        book.close()
    code, _, err = run(capsys, "export", "--format", "ris", "--contexts")
    assert code == 1 and "--contexts applies to csv, xlsx and jsonl" in err
    code, out, _ = run(capsys, "export", "--format", "csv", "--seed", ROOT, "--depth", "0")
    assert "contexts" not in out.splitlines()[0]  # without the option, the columns are as before


def test_rerun_of_crawl_full_text_asks_nothing(crawled, capsys):
    before = crawled.stats()["by_endpoint"]["efetch"]
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "1", "--full-text", "--json")
    assert code == 0, err
    assert json.loads(out)["full_text"]["requests"] == 0
    assert crawled.stats()["by_endpoint"]["efetch"] == before


# -- the real articles, and hostile text --------------------------------------------------------

def test_crawl_full_text_reads_a_real_nxml(ncbi_fixtures, monkeypatch, capsys):
    from citegraph.testing import Corpus, EutilsServer
    from citegraph.testing.pmc_answers import add_pmc_files

    folder = ncbi_fixtures.parent / "pmc"
    if not folder.is_dir():
        pytest.skip("real PMC articles absent")
    corpus = Corpus.synthetic(30, seed=1)
    add_pmc_files(corpus, [folder / "1471-2180-11-174.nxml"])
    with EutilsServer(corpus) as server:
        monkeypatch.setenv("CITEGRAPH_EUTILS_URL", server.url)
        code, out, err = run(capsys, "crawl", "21810267", "--depth", "0", "--full-text", "--json")
    assert code == 0, err
    assert json.loads(out)["full_text"]["fetched"] == 1
    items = json.loads(run(capsys, "contexts", "16219778", "--json")[1])
    assert len(items) == 15 and {i["citing"] for i in items} == {"21810267"}
    assert sum(i["section"] == "methods" for i in items) == 9


HOSTILE = """<article><front><article-meta><article-id pub-id-type="pmid">600</article-id>
<article-id pub-id-type="pmc">9600</article-id></article-meta></front><body><sec><title>Methods</title>
<p>[bold red]Loud[/bold red] \u001b]52;c;ZXZpbA==\u0007 \u202eevil =cmd|' <xref ref-type="bibr" rid="R1">1</xref>.</p>
</sec></body><back><ref-list><ref id="R1"><label>1</label><mixed-citation><pub-id pub-id-type="pmid">700</pub-id>
</mixed-citation></ref></ref-list></back></article>"""


PUBMED = ('<?xml version="1.0" ?>\n<PubmedArticleSet>' + "".join(
    f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
    "<DateRevised><Year>2021</Year><Month>01</Month><Day>01</Day></DateRevised>"
    f'<Article PubModel="Print"><ArticleTitle>Title {pmid}</ArticleTitle></Article></MedlineCitation>'
    f"<PubmedData><ReferenceList>{refs}</ReferenceList></PubmedData></PubmedArticle>"
    for pmid, refs in (("700", ""), ("600", '<Reference><Citation>x</Citation><ArticleIdList><ArticleId '
                                            'IdType="pubmed">700</ArticleId></ArticleIdList></Reference>')))
    + "</PubmedArticleSet>\n")


def test_hostile_sentences_are_neutralised_in_views_and_exports(tmp_path, capsys):
    records = tmp_path / "records.xml"
    records.write_text(PUBMED, encoding="utf-8")
    path = tmp_path / "hostile.nxml"
    path.write_text(HOSTILE.replace("\u001b", "").replace("\u0007", ""), encoding="utf-8")
    code, _, err = run(capsys, "import", str(records), str(path))
    assert code == 0, err
    with Store(Path(tmp_path / "cache" / "citegraph.sqlite")) as store:
        assert "\u202e" in store.contexts_of("700")[0]["sentence"]  # stored as sent; neutralised when shown
    code, out, _ = run(capsys, "contexts", "700", "--no-pager")
    assert code == 0
    assert "\u202e" not in out and "[bold red]Loud[/bold red]" in out  # markup shown, not applied
    code, out, _ = run(capsys, "show", "700", "--no-pager")
    assert code == 0 and "mentioned once (methods 1)" in out
    code, out, _ = run(capsys, "export", "--format", "csv", "--contexts", "--seed", "700", "--depth", "0")
    cells = list(csv.DictReader(io.StringIO(out)))[0]
    assert "\u202e" not in cells["contexts"] and cells["contexts"].startswith("[600, methods] [bold red]")


def test_marked_sentence_neutralises_every_piece():
    from citegraph.views.contexts import marked_sentence

    line = marked_sentence("a\x1b[31m b [1] c\u202e", 7, 10)
    assert "\x1b" not in line.plain and "\u202e" not in line.plain
    assert line.plain.startswith("a\u241b[31m b ") and line.spans[0].style == "bold reverse"


def test_rank_by_mentions_and_methods_use(crawled, capsys):
    code, out, err = run(capsys, "rank", ROOT, "--by", "mentions", "--limit", "5", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["full_text"]["with_text"] > 0 and data["full_text"]["papers"] > data["full_text"]["with_text"]
    scores = [r["score"] for r in data["rows"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    for row in data["rows"]:
        said = json.loads(run(capsys, "contexts", row["pmid"], "--seed", ROOT, "--json")[1])
        assert row["score"] == len(said)
    code, out, err = run(capsys, "rank", ROOT, "--by", "methods-use", "--limit", "5", "--json")
    assert code == 0, err
    for row in json.loads(out)["rows"]:
        said = json.loads(run(capsys, "contexts", row["pmid"], "--seed", ROOT, "--section", "methods", "--json")[1])
        assert row["score"] == len({i["citing"] for i in said})
    code, out, _ = run(capsys, "rank", ROOT, "--by", "mentions", "--no-pager")
    assert code == 0 and "only open-access papers in PMC have it" in out


def test_mainpath_weighted_by_mentions(crawled, capsys):
    code, out, err = run(capsys, "mainpath", ROOT, "--weight", "mentions", "--key-routes", "2", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["weight"] == "mentions"
    cover = data["full_text"]
    assert 0 < cover["with_text"] < cover["papers"] and 0 < cover["links_with_text"] <= cover["links"]
    assert cover["neutral_factor"] >= 1
    links = data["main_path_links"] + data["key_route_links"]
    assert links and all("mentions" in link for link in links)
    for link in links:
        said = json.loads(run(capsys, "contexts", link["cited"], "--json")[1])
        if link["mentions"] is not None:  # the citing paper's full text is stored: its in-text citations
            assert link["mentions"] == sum(1 for i in said if i["citing"] == link["citing"])
        else:
            assert not any(i["citing"] == link["citing"] for i in said)
    plain = json.loads(run(capsys, "mainpath", ROOT, "--key-routes", "2", "--json")[1])
    assert plain["weight"] == "none" and "full_text" not in plain
    assert all("mentions" not in link for link in plain["main_path_links"])
    # SPC is counted the same way whatever chooses the path
    spc = {(lk["cited"], lk["citing"]): lk["spc"] for lk in plain["main_path_links"] + plain["key_route_links"]}
    assert all(spc[(lk["cited"], lk["citing"])] == lk["spc"] for lk in links if (lk["cited"], lk["citing"]) in spc)
    code, out, err = run(capsys, "mainpath", ROOT, "--weight", "mentions", "--no-pager")
    assert code == 0, err
    flat = " ".join(out.split())  # the caption wraps
    assert "Links weighted by mentions" in flat and f"Full text stored for {cover['with_text']:,} of" in flat
    assert "Only open-access papers in PMC have it" in flat


def test_mainpath_weighted_by_mentions_without_full_text_is_the_plain_one(server, capsys):
    code, _, err = run(capsys, "crawl", ROOT, "--depth", "2")
    assert code == 0, err
    plain = json.loads(run(capsys, "mainpath", ROOT, "--key-routes", "3", "--json")[1])
    weighted = json.loads(run(capsys, "mainpath", ROOT, "--weight", "mentions", "--key-routes", "3", "--json")[1])
    assert weighted["full_text"]["with_text"] == 0 and weighted["full_text"]["neutral_factor"] == 1.0
    assert len(plain["main_path"]) > 2
    assert weighted["main_path"] == plain["main_path"]
    assert [r["path"] for r in weighted["key_routes"]] == [r["path"] for r in plain["key_routes"]]
