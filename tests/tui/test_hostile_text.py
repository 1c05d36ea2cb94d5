"""Hostile titles, abstracts, names and journals, served by the local E-utilities server and
crawled, stay literal text in every view and in the browser: rich markup is shown as typed,
escape sequences, C1 controls and bidi overrides never reach the terminal.

XML 1.0 forbids ESC (U+001B) and BEL even as character references, so records from the
server carry the 8-bit C1 forms of the same attacks (CSI U+009B, OSC U+009D, ST U+009C)
plus markup and bidi overrides. The 7-bit ESC forms (ANSI colours, OSC 8 links, OSC 52
clipboard writes) reach the store by another route: a record put into the store directly,
as an import from JSON would.
"""

from __future__ import annotations

import asyncio
import io
import re
from xml.sax.saxutils import escape

import pytest
from conftest import overview_ready, screen_bytes, screen_lines
from rich.console import Console

from citegraph import cli
from citegraph.crawl import SOURCE_RECORD
from citegraph.analysis.influence import citation_counts, descent, most_cited
from citegraph.analysis.load import load_graph
from citegraph.models import Article, Author, MeshHeading
from citegraph.store import Store
from citegraph.testing import Corpus, EutilsServer
from citegraph.tui import BrowseApp, BrowseData
from citegraph.views.article import article_card
from citegraph.views.analysis import chains_view
from citegraph.views.tables import ranked_table
from citegraph.views.timeline import timeline_chart
from citegraph.views.tree import generation_tree

# the markup and links must show literally; none of these tokens contains a space, so a
# wrapped line never splits one
LITERALS = ["[bold]pwned[/bold]", "[link=https://evil.example/x]click[/link]", "[/"]
MARKUP = " ".join(LITERALS)
C1 = ("\x9b31mcsi \x9d8;;https://evil.example/c1\x9cosc8\x9d8;;\x9c "
      "\x9d52;c;ZXZpbA==\x9c \x85nel \u202egnp.exe\u202c \u2066iso\u2069")
ESC = ("\x1b[31mred\x1b[0m \x1b]8;;https://evil.example/esc\x1b\\link\x1b]8;;\x1b\\ "
       "\x1b]52;c;ZXZpbA==\x07 \x1b[2J")
#: what must never reach a terminal, even one that renders colours and links
NEVER = ["\x1b]52", "\x1b]8;;https://evil", "\x1b[2J", "\x1b[31mred", "\x07", "\x9b", "\x9c", "\x9d", "\x85",
         "\u202e", "\u202c", "\u2066", "\u2069"]

SEED = "1001"
HOSTILE_PMIDS = ["1002", "1003", "1004"]
ESC_PMID = "1009"


def _xml_record(pmid: str, title: str, abstract: str, cites: list[str], *, refs_as_entities: bool = False) -> str:
    def x(value: str) -> str:
        out = escape(value)
        if refs_as_entities:  # the C1 and bidi characters as numeric character references
            out = "".join(f"&#x{ord(c):x};" if 0x80 <= ord(c) <= 0x9f or 0x2000 <= ord(c) <= 0x206f else c
                          for c in out)
        return out

    refs = "".join(f'<Reference><Citation>ref</Citation><ArticleIdList><ArticleId IdType="pubmed">{c}</ArticleId>'
                   f"</ArticleIdList></Reference>" for c in cites)
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f'<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print"><PubDate><Year>{1990 + int(pmid) % 10}'
        f"</Year></PubDate></JournalIssue><Title>{x(title)}</Title><ISOAbbreviation>{x(title[:60])}</ISOAbbreviation>"
        f"</Journal><ArticleTitle>{x(title)}</ArticleTitle><Abstract><AbstractText>{x(abstract)}</AbstractText>"
        f'</Abstract><AuthorList><Author ValidYN="Y"><LastName>{x(title[:40])}</LastName><Initials>X</Initials>'
        f"</Author></AuthorList></Article>"
        f'<MeshHeadingList><MeshHeading><DescriptorName UI="D000001" MajorTopicYN="N">{x(MARKUP)}</DescriptorName>'
        f"</MeshHeading></MeshHeadingList></MedlineCitation>"
        f"<PubmedData><ReferenceList>{refs}</ReferenceList></PubmedData></PubmedArticle>"
    )


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    records = [_xml_record(SEED, f"Seed {MARKUP}", f"Seed abstract {C1}", [])]
    for i, pmid in enumerate(HOSTILE_PMIDS):
        records.append(_xml_record(pmid, f"{MARKUP} {C1} t{pmid}", f"{C1}\n{MARKUP} a{pmid}", [SEED],
                                   refs_as_entities=bool(i % 2)))
    path = folder / "hostile.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n' + "\n".join(records)
                    + "\n</PubmedArticleSet>\n", encoding="utf-8")
    corpus = Corpus.load(path)
    cache = folder / "cache"
    with EutilsServer(corpus, rate_limit=50) as server, pytest.MonkeyPatch.context() as mp:
        mp.setenv("CITEGRAPH_EUTILS_URL", server.url)
        mp.setenv("CITEGRAPH_RATE", "50")
        assert cli.main(["--cache-dir", str(cache), "-q", "crawl", SEED, "--depth", "1"]) == 0
    store_path = next(cache.glob("*.sqlite"))
    with Store(store_path) as store, store.transaction():  # the 7-bit escapes arrive by another route
        store.put_articles([Article(pmid=ESC_PMID, year=1999, title=f"{MARKUP} {ESC} t{ESC_PMID}",
                                    abstract=ESC, journal=ESC, authors=[Author(last_name=ESC, initials="E")],
                                    mesh=[MeshHeading(descriptor=ESC)])], source="json")
        store.add_citations([(ESC_PMID, SEED)], SOURCE_RECORD)
    return cache, store_path


def _check(output: str, *, plain: bool) -> None:
    for literal in LITERALS:
        assert literal in output, (literal, output)
    for bad in NEVER:
        assert bad not in output, (bad, output)
    if plain:
        assert "\x1b" not in output


def _render(renderable, *, colour: bool) -> str:
    console = Console(file=io.StringIO(), width=200, color_system="truecolor" if colour else None,
                      force_terminal=colour)
    console.print(renderable)
    return console.file.getvalue()


def test_crawled_records_keep_the_hostile_text(hostile_store):
    _, path = hostile_store
    with Store(path) as store:
        article = store.get_article(HOSTILE_PMIDS[1])  # the one written with character references
        escaped = store.get_article(ESC_PMID)
        citing = set(store.citing(SEED))
    assert "\x9d52;c;ZXZpbA==\x9c" in article.title and "\u202e" in article.abstract
    assert "\x1b]52;" in escaped.title
    assert citing == {*HOSTILE_PMIDS, ESC_PMID}


def test_every_view_shows_hostile_text_literally(hostile_store):
    _, path = hostile_store
    with Store(path) as store:
        articles = {a.pmid: a for a in store.iter_articles()}
        graph = load_graph(store)
    views = [article_card(articles[p], cited_by=1, cites=1) for p in [*HOSTILE_PMIDS, ESC_PMID]]
    views.append(generation_tree(SEED, descent(graph, SEED, 2), citation_counts(graph), articles.get))
    views.append(ranked_table(most_cited(graph, list(articles)), articles.get, title="top"))
    papers = {p: {"year": a.year, "title": a.title} for p, a in articles.items()}
    views.append(chains_view([[SEED, ESC_PMID]], papers, title="chain", link="cited by"))
    views.append(timeline_chart({1999: {f"{MARKUP} {ESC} {C1}": 2}, 2000: 1}))
    for view in views:
        _check(_render(view, colour=False), plain=True)
        _check(_render(view, colour=True), plain=False)


def test_show_command_prints_hostile_text_literally(hostile_store, capsys, monkeypatch):
    cache, _ = hostile_store
    for env in ({}, {"FORCE_COLOR": "1", "COLUMNS": "200"}):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert cli.main(["--cache-dir", str(cache), "show", SEED]) == 0
        out = capsys.readouterr().out
        _check(out, plain=not env)
        assert ("\x1b[" in out) == bool(env)  # coloured output really was produced the second time


def test_browser_shows_hostile_text_literally(hostile_store):
    _, path = hostile_store

    async def main():
        seen = []
        with Store(path) as store:
            app = BrowseApp(BrowseData(store), SEED)
            async with app.run_test(size=(200, 50)) as pilot:
                await pilot.pause()
                await overview_ready(app, pilot)
                for pmid in [ESC_PMID, *HOSTILE_PMIDS]:  # highlight each: its card and abstract show
                    await pilot.press("home", *["down"] * app.shown.index(pmid))
                    seen.append((app.highlighted, "\n".join(screen_lines(app)), screen_bytes(app)))
                await pilot.press("p")
                seen.append((None, "\n".join(screen_lines(app)), screen_bytes(app)))
                await pilot.press("escape", "t")
                seen.append((None, "\n".join(screen_lines(app)), screen_bytes(app)))
        return seen

    seen = asyncio.run(main())
    assert [pmid for pmid, _, _ in seen[:4]] == [ESC_PMID, *HOSTILE_PMIDS]
    for pmid, text, raw in seen:
        for bad in NEVER:
            assert bad not in raw, (pmid, bad)
            assert bad not in text, (pmid, bad)
    for pmid, text, raw in seen[:4]:
        assert "[link=https://evil.example/x]click[/link]" in text and "[bold]pwned[/bold]" in text
    for pmid, text, raw in seen[1:4]:
        assert "<U+202E>gnp.exe" in text and "<U+009D>52;c;ZXZpbA==" in text  # visible stand-ins
    assert "␛[31mred" in seen[0][1]  # ESC shown as the control picture
    for _, _, raw in seen:  # the only hyperlinks written are citegraph's own
        for url in re.findall("\x1b\\]8;[^;]*;([^\x1b\x07]*)", raw):
            assert url == "" or url.startswith("https://pubmed.ncbi.nlm.nih.gov/"), url


ANALYSIS_COMMANDS = [
    ["path", ESC_PMID, SEED], ["why", HOSTILE_PMIDS[0], "--seed", SEED], ["rank", SEED], ["mainpath", SEED],
    ["related", HOSTILE_PMIDS[0]], ["communities"], ["topics", SEED], ["timeline", SEED],
]


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "colour"])
def test_analysis_commands_print_hostile_text_literally(hostile_store, capsys, monkeypatch, colour):
    cache, _ = hostile_store
    if colour:
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.setenv("COLUMNS", "200")
    outputs = []
    for command in ANALYSIS_COMMANDS:
        code = cli.main(["--cache-dir", str(cache), *command])
        out, err = capsys.readouterr()
        assert code == 0, (command, err)
        for bad in NEVER:
            assert bad not in out, (command, bad)
        if not colour:
            assert "\x1b" not in out, command
        outputs.append(out)
    for literal in LITERALS:  # the chains and rankings show the hostile titles as typed
        assert literal in outputs[0] + outputs[1] + outputs[2], literal
