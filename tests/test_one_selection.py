"""One selection across the commands: the same filter strings select the same papers in
``export`` (csv and jsonl), ``rank --json`` and the browser's list (``browse``), on one store.

Every paper in the seed's neighbourhood cites the seed directly, so ``rank``'s descendants,
the export's selection less the seed and the browser's list of citing papers are the same
set when the three follow one rule. Filter values come in mixed case and spacing.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys

import pytest

from citegraph.models import Article, MeshHeading
from citegraph.store import Store

CAR = MeshHeading("Receptors, Chimeric Antigen", "D000076962")


def _paper(pmid, year, title, journal, types=("Journal Article",), mesh=(), abstract=""):
    return Article(pmid=pmid, year=year, title=title, journal=journal, publication_types=list(types),
                   mesh=list(mesh), abstract=abstract, raw_xml=b"<x/>")


ARTICLES = [
    _paper("1", 1980, "Lymphokine-activated killer cells", "J Immunol"),
    _paper("2", 1990, "Chimeric antigen receptor T cells in leukaemia", "Blood", mesh=[CAR]),
    _paper("3", 1995, "Engineered T cells: a review", "Blood  Advances", types=("Review",)),
    _paper("4", 2000, "Erratum: NK cells", "Zeitschrift der Straße", types=("Published Erratum",)),
    _paper("5", 2005, "Tumour-infiltrating lymphocytes", "Cancer Research",
           abstract="Compared with chimeric antigen receptor T cells.", mesh=[CAR]),
    _paper("6", 2010, "Interleukin-2 regimens", "New England  Journal of Medicine",
           types=("Journal Article", "Comment")),
    _paper("7", None, "An undated letter", "Blood", types=("Letter",)),
    _paper("8", 2012, "Chimeric antigen receptor T cells, later", "Blood"),  # cites 2 only: depth 2
]
EDGES = [(p, "1") for p in ("2", "3", "4", "5", "6", "7")] + [("8", "2"), ("99", "1")]  # 99: no record

FILTERS = [
    [],
    ["--since", "1991", "--until", "2006"],
    ["--exclude-type", "  REVIEW ", "--exclude-type", "published   erratum"],
    ["--type", "journal  article"],
    ["--journal", "BLOOD"],
    ["--journal", " blood   advances"],
    ["--journal", "STRASSE"],
    ["--match", "CHIMERIC antigen"],
    ["--mesh", "receptors,  CHIMERIC antigen"],
    ["--mesh", "d000076962"],
    ["--topic", "CAR-T cells"],
    ["--topic", " car-T "],
    ["--since", "1985", "--exclude-type", "comment", "--journal", "blood"],
    ["--until", "2001", "--type", "Review", "--type", "published erratum"],
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("one-selection")
    with Store(path / "citegraph.sqlite") as store, store.transaction():
        store.put_articles(ARTICLES, source="file:x.xml")
        store.add_citations(EDGES, "file:x.xml")
    return str(path)


def _run(folder, capsys, args) -> str:
    import cli

    code = cli.main(["--cache-dir", folder, *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def exported(folder, capsys, args, fmt) -> set[str]:
    out = _run(folder, capsys, ["export", "--format", fmt, "-o", "-", "--seed", "1", "--depth", "1", *args])
    if fmt == "csv":
        pmids = {row["pmid"] for row in csv.DictReader(io.StringIO(out))}
    else:
        pmids = {json.loads(line)["pmid"] for line in out.splitlines() if line.strip()}
    assert "1" in pmids  # the seed is always selected
    return pmids - {"1"}


def ranked(folder, capsys, args) -> set[str]:
    out = _run(folder, capsys, ["rank", "1", "--depth", "1", "--json", "--limit", "1000", *args])
    return {row["pmid"] for row in json.loads(out)["rows"]}


def browsed(folder, monkeypatch, args) -> set[str]:
    """The list ``browse 1 ARGS`` shows once the browser's overview (topics) has arrived (the
    overview always ends in an answer or an error)."""
    import cli
    from citegraph.tui import BrowseApp

    seen: dict = {}

    def run(app):
        async def main():
            async with app.run_test(size=(100, 30)) as pilot:
                while app.data.overview is None and app.data.overview_error is None:  # the overview's worker
                    await pilot.pause(0.05)
                await app.workers.wait_for_complete()
                await pilot.pause()
                assert app.data.overview_error is None, app.data.overview_error
                seen["listed"] = list(app.listed)

        asyncio.run(main())

    monkeypatch.setattr(BrowseApp, "run", run)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert cli.main(["--cache-dir", folder, "browse", "1", *args]) == 0
    return set(seen["listed"])


@pytest.mark.parametrize("args", FILTERS, ids=[" ".join(a) or "none" for a in FILTERS])
def test_export_rank_and_browse_select_the_same_papers(folder, capsys, monkeypatch, args):
    csv_pmids = exported(folder, capsys, args, "csv")
    assert exported(folder, capsys, args, "jsonl") == csv_pmids
    assert ranked(folder, capsys, args) == csv_pmids
    assert browsed(folder, monkeypatch, args) == csv_pmids


def test_the_filters_do_select(folder, capsys):
    got = {" ".join(args): exported(folder, capsys, args, "csv") for args in FILTERS}
    assert got[""] == {"2", "3", "4", "5", "6", "7"}
    assert got["--since 1991 --until 2006"] == {"3", "4", "5"}
    assert got["--exclude-type   REVIEW  --exclude-type published   erratum"] == {"2", "5", "6", "7"}
    assert got["--journal BLOOD"] == {"2", "3", "7"}
    assert got["--journal STRASSE"] == {"4"}
    assert got["--match CHIMERIC antigen"] == {"2", "5"}
    assert got["--mesh d000076962"] == {"2", "5"}
    assert got["--topic CAR-T cells"] == got["--topic  car-T "] and "2" in got["--topic CAR-T cells"]
