"""What the exports hold: no control or bidi character in any format, BibTeX braces every
reader counts alike, the formatted bibliography in the style's order with the issue and the
PMID, retractions marked in every format, and edge sources read in a fixed number of SQL
statements."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path

import pytest

from citegraph.exports.formats import FORMATS, export
from citegraph.exports.selection import select
from citegraph.models import Article, Author, CommentCorrection, Reference
from citegraph.store import Store

import readback as rb

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def _store(tmp_path: Path, articles: list[Article], edges=()) -> Path:
    path = tmp_path / "cache" / "citegraph.sqlite"
    with Store(path) as store:
        with store.transaction():
            store.put_articles(articles, source="file:x.xml")
            if edges:
                store.add_citations(edges, source="file:x.xml")
    return path


def _written_text(target: Path, fmt: str) -> str:
    """Every character of the written file(s), the xlsx's XML parts included."""
    if fmt == "vosviewer":
        return "".join(Path(f"{target}{part}").read_text(encoding="utf-8") for part in ("_map.txt", "_network.txt"))
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(target, read_only=True)
        cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row
                 if v is not None]
        book.close()
        return "\n".join(cells)
    return target.read_bytes().decode("utf-8")


# -- control and bidi characters ------------------------------------------------------------------

NICE = "Ωμέγα café 日本語 Łódź"


def test_no_format_writes_a_control_or_bidi_character(tmp_path):
    evil = "\x9b31m\x9d8;;http://evil\x9c \u202eoverride\u202c \u2066iso\u2069 \x1b[2J \x07"
    articles = [
        Article(pmid="10", title=f"{NICE} {evil} title", abstract=f"abs {evil}", year=2001, journal=f"J {evil}",
                journal_abbrev=f"J {evil}", doi=f"10.1/{evil}", volume="1", issue="2", pages="3-4",
                authors=[Author(last_name=f"Smith{evil}", fore_name=f"Ann{evil}", initials="A")],
                publication_types=[f"Journal Article{evil}"]),
        Article(pmid="11", title="plain", year=2002, journal="J", authors=[Author(last_name="Jones")]),
    ]
    path = _store(tmp_path, articles, [("11", "10")])
    with Store(path) as store:
        selection = select(store)
    for fmt in FORMATS:
        if fmt == "jsonl":
            continue  # the lossless machine interface: its JSON escapes keep the file free of them
        target = tmp_path / f"out.{fmt}"
        export(selection, fmt, str(target))
        written = _written_text(target, fmt)
        assert not FORBIDDEN.findall(written), (fmt, FORBIDDEN.findall(written))
        if fmt not in ("pajek", "edges"):  # formats without titles
            assert "Ωμέγα" in written and "日本語" in written and "Łódź" in written, fmt
        if fmt not in ("pajek", "edges", "dot", "bibtex"):  # dot and bibtex escape some of it
            assert "café" in written, fmt

    export(selection, "jsonl", str(tmp_path / "out.jsonl"))
    raw = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert not FORBIDDEN.findall(raw)  # escaped, and read back exactly as stored
    assert json.loads(raw.splitlines()[0])["title"] == articles[0].title


# -- BibTeX braces ----------------------------------------------------------------------------------

def _counting_parse(text: str) -> dict[str, set[str]]:
    """Entries and their field names as BibTeX and pybtex find them: every brace counts,
    escaped or not; a value ends where its depth returns to zero; text between entries is
    a comment; an entry ends at the brace closing its body."""
    entries: dict[str, set[str]] = {}
    i = 0
    while True:
        at = text.find("@", i)
        if at < 0:
            return entries
        open_brace = text.index("{", at)
        comma = text.index(",", open_brace)
        key = text[open_brace + 1:comma].strip()
        fields: set[str] = set()
        i = comma + 1
        while True:
            while i < len(text) and text[i] in " \t\r\n,":
                i += 1
            if text[i] == "}":
                i += 1
                break
            equals = text.index("=", i)
            name = text[i:equals].strip().lower()
            i = equals + 1
            while text[i] in " \t\r\n":
                i += 1
            if text[i] == "{":
                depth = 0
                while True:
                    depth += {"{": 1, "}": -1}.get(text[i], 0)
                    i += 1
                    if depth == 0:
                        break
            else:  # a bare number or macro
                while text[i] not in ",}":
                    i += 1
            fields.add(name)
        assert key not in entries, key
        entries[key] = fields


BRACED = [
    "Brace } @misc{evil, title={pwn}, author={Mallory}} tail",
    "one { unbalanced opening brace",
    "balanced {inner} braces and \\{ escaped \\} ones",
    "}}}{{{ reversed",
    "@article{forged, title={x}}",
]


def test_bibtex_braces_give_every_reader_the_same_entries(tmp_path):
    import bibtexparser

    articles = [Article(pmid=str(20 + i), title=title, year=2000, journal=title, volume="1", pages="1-2",
                        authors=[Author(last_name="Name" + title[:6], fore_name="A")])
                for i, title in enumerate(BRACED)]
    path = _store(tmp_path, articles)
    with Store(path) as store:
        export(select(store), "bibtex", str(tmp_path / "b.bib"))
    text = (tmp_path / "b.bib").read_text(encoding="utf-8")
    counted = _counting_parse(text)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    parsed = {e.key: {f.key.lower() for f in e.fields} for e in library.entries}
    assert set(counted) == set(parsed) == {f"pmid{a.pmid}" for a in articles}
    assert counted == parsed
    for fields in counted.values():
        assert {"title", "author", "journal", "year", "volume", "pages", "pmid", "url"} <= fields
    # braces with a partner stay (escaped) and read back; unmatched ones are dropped
    records = rb.read_bibtex(tmp_path / "b.bib")
    assert records["22"]["title"] == BRACED[2]
    assert records["20"]["title"] == "Brace  @misc{evil, title={pwn}, author={Mallory}} tail"
    assert records["21"]["title"] == "one  unbalanced opening brace"


# -- the formatted bibliography -------------------------------------------------------------------

def _bibliography_store(tmp_path: Path) -> Path:
    # PMID order is the reverse of the authors' alphabetical order
    return _store(tmp_path, [
        Article(pmid="101", title="Zeta study", year=2015, journal="Circulation. Cardiovascular genetics",
                journal_abbrev="Circ Cardiovasc Genet", volume="8", issue="2", pages="e002851",
                authors=[Author(last_name="Zulu", fore_name="Zoe", initials="Z")]),
        Article(pmid="102", title="Middle study", year=2010, journal="J", journal_abbrev="J", volume="3",
                issue="4", pages="10-20", authors=[Author(last_name="Miller", fore_name="Max", initials="M")]),
        Article(pmid="103", title="Alpha study", year=2001, journal="J", journal_abbrev="J", volume="1",
                issue="1", pages="1-9", authors=[Author(last_name="Adams", fore_name="Ann", initials="A")]),
    ])


@pytest.mark.parametrize("style", ["apa", "harvard", "chicago"])
def test_author_date_styles_sort_as_the_style_says(tmp_path, style):
    with Store(_bibliography_store(tmp_path)) as store:
        export(select(store), "text", str(tmp_path / "b.txt"), style=style)
    entries = rb.read_text(tmp_path / "b.txt")
    assert [e.split(",")[0].split(" ")[0] for e in entries] == ["Adams", "Miller", "Zulu"], entries


def test_vancouver_keeps_the_issue_and_names_the_pmid(tmp_path):
    seen = []
    with Store(_bibliography_store(tmp_path)) as store:
        export(select(store), "text", str(tmp_path / "b.txt"), style="vancouver",
               progress=lambda done, total: seen.append((done, total)))
    entries = rb.read_text(tmp_path / "b.txt")
    assert [re.search(r"PMID: (\d+)", e).group(1) for e in entries] == ["101", "102", "103"]  # numbered: PMID order
    assert "2015;8(2):e002851" in entries[0]
    assert all("PubMed PMID: " in e and "Cited in" not in e for e in entries)
    assert seen and seen[-1] == (3, 3) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_apa_prints_no_pmid(tmp_path):
    with Store(_bibliography_store(tmp_path)) as store:
        export(select(store), "text", str(tmp_path / "b.txt"), style="apa")
    assert "PMID" not in (tmp_path / "b.txt").read_text(encoding="utf-8")


# -- retractions --------------------------------------------------------------------------------

def test_every_format_marks_a_retracted_paper(tmp_path):
    articles = [
        Article(pmid="201", title="Fabricated results", year=2010, journal="J", volume="1", issue="1", pages="1-2",
                authors=[Author(last_name="Fraud", fore_name="F")],
                publication_types=["Journal Article", "Retracted Publication"],
                comments_corrections=[CommentCorrection("RetractionIn", "999", "J. 2011;2:3")]),
        Article(pmid="202", title="Honest results", year=2011, journal="J", volume="2", issue="1", pages="3-4",
                authors=[Author(last_name="Honest", fore_name="H")], publication_types=["Journal Article"]),
    ]
    path = _store(tmp_path, articles, [("202", "201")])
    with Store(path) as store:
        selection = select(store)
    out = {}
    for fmt in ("ris", "bibtex", "csv", "xlsx", "csljson", "medline", "text", "graphml", "vosviewer", "jsonl"):
        out[fmt] = tmp_path / f"r.{fmt}"
        export(selection, fmt, str(out[fmt]), **({"style": "apa"} if fmt == "text" else {}))

    ris = rb.read_ris(out["ris"])
    assert any("Retracted publication" in n and "999" in n for n in ris["201"]["notes"])
    assert not any("Retracted" in n for n in ris["202"]["notes"])
    import bibtexparser

    bib = {e.key: {f.key: f.value for f in e.fields} for e in bibtexparser.parse_file(str(out["bibtex"])).entries}
    assert "Retracted publication" in bib["pmid201"]["note"] and "note" not in bib["pmid202"]
    with open(out["csv"], encoding="utf-8", newline="") as f:
        rows = {r["pmid"]: r for r in csv.DictReader(f)}
    assert rows["201"]["retracted"] == "yes" and rows["202"]["retracted"] == "no"
    from openpyxl import load_workbook

    book = load_workbook(out["xlsx"], read_only=True)
    sheet = list(book["articles"].iter_rows(values_only=True))
    book.close()
    column = sheet[0].index("retracted")
    assert {r[0]: r[column] for r in sheet[1:]} == {"201": "yes", "202": "no"}
    csl = {i["id"]: i for i in json.loads(out["csljson"].read_text(encoding="utf-8"))}
    assert "Retracted publication" in csl["201"]["note"] and csl["201"]["custom"]["citegraph"]["retracted"]
    assert "Retracted" not in csl["202"].get("note", "")
    medline = out["medline"].read_text(encoding="utf-8")
    assert "RIN - J. 2011;2:3 PMID: 999" in medline and "PT  - Retracted Publication" in medline
    text = rb.read_text(out["text"])
    assert [("[Retracted]" in e) for e in text] == [True, False]  # APA: Fraud before Honest
    import networkx as nx

    graph = nx.read_graphml(out["graphml"])
    assert graph.nodes["201"]["retracted"] is True and graph.nodes["202"]["retracted"] is False
    assert "Retracted publication" in Path(f"{out['vosviewer']}_map.txt").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in out["jsonl"].read_text(encoding="utf-8").splitlines()]
    assert [(r["pmid"], r["retracted"]) for r in lines] == [("201", True), ("202", False)]


# -- edge sources in a fixed number of statements -----------------------------------------------

def _statements(path: Path) -> tuple[list[str], list[tuple]]:
    with Store(path) as store:
        executed: list[str] = []
        store._db.set_trace_callback(executed.append)
        rows = list(store.iter_citation_sources())
        store._db.set_trace_callback(None)
    return executed, rows


@pytest.mark.parametrize("references", [10, 1000])
def test_edge_sources_read_each_record_once(tmp_path, references):
    """A record's row holds its whole reference list: a statement that reads it once per edge
    (a correlated subquery) costs edges x record size. The edges come in two statements
    whatever their number, neither with a correlated subquery."""
    cited = [str(10_000 + i) for i in range(references)]
    record = Article(pmid="1", title="Big", year=2000,
                     references=[Reference(citation=f"ref {p}", pmid=p) for p in cited])
    path = _store(tmp_path, [record], [("1", p) for p in cited])
    with Store(path) as store:
        store.add_citations([("1", p) for p in cited[::2]], source="elink:pubmed_pubmed_refs")
    executed, rows = _statements(path)
    assert len(rows) == references + len(cited[::2])
    assert {s for _, _, s in rows} == {"file:x.xml", "elink:pubmed_pubmed_refs"}
    assert len(executed) <= 2
    with sqlite3.connect(path) as db:
        for statement in executed:
            plan = " ".join(str(row[-1]) for row in db.execute("EXPLAIN QUERY PLAN " + statement))
            assert "CORRELATED" not in plan.upper(), (statement, plan)


# -- progress of the slow format ----------------------------------------------------------------

@pytest.mark.parametrize("quiet", [False, True])
def test_the_bibliography_shows_progress_on_a_terminal_only(tmp_path, capsys, monkeypatch, quiet):
    import io

    from rich.console import Console

    from citegraph import cli

    folder = _bibliography_store(tmp_path).parent
    # stderr captured (no terminal): the summary line only
    code = cli.main(["--cache-dir", str(folder), "export", "--format", "text", "-o", str(tmp_path / "a.txt")])
    _, err = capsys.readouterr()
    assert code == 0 and "exported 3 articles" in err and "formatting the bibliography" not in err
    # a terminal: a progress bar unless --quiet
    terminal = io.StringIO()
    monkeypatch.setattr(cli.App, "err", property(lambda self: Console(file=terminal, force_terminal=True,
                                                                      width=100)))
    code = cli.main(["--cache-dir", str(folder), *(["--quiet"] if quiet else []), "export", "--format", "text",
                     "-o", str(tmp_path / "b.txt")])
    assert code == 0
    assert ("formatting the bibliography" in terminal.getvalue()) is not quiet
