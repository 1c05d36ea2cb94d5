"""Where the export's selection rules changed to the one rule every command follows
(:class:`citegraph.filters.Filters`): the seeds are always selected, and publication types and
journals compare by the one case rule (whitespace runs folded, casefold)."""

from __future__ import annotations

import csv
import io

import pytest

from citegraph.models import Article
from citegraph.store import Store

ARTICLES = [
    Article(pmid="1", year=1980, title="Seed", journal="Seed Journal", raw_xml=b"<x/>"),
    Article(pmid="2", year=1990, title="Two", journal="Zeitschrift der Straße", publication_types=["Review"],
            raw_xml=b"<x/>"),
    Article(pmid="3", year=1995, title="Three", journal="Blood", publication_types=["Published Erratum"],
            raw_xml=b"<x/>"),
]


@pytest.fixture
def folder(tmp_path):
    with Store(tmp_path / "citegraph.sqlite") as store, store.transaction():
        store.put_articles(ARTICLES, source="file:x.xml")
        store.add_citations([("2", "1"), ("3", "1"), ("3", "2")], "file:x.xml")
    return str(tmp_path)


def _exported(folder, capsys, *args) -> set[str]:
    import cli

    code = cli.main(["--cache-dir", folder, "export", "--format", "csv", "-o", "-", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return {row["pmid"] for row in csv.DictReader(io.StringIO(out))}


def test_the_seed_is_exported_whatever_the_year_filter(folder, capsys):
    assert _exported(folder, capsys, "--seed", "1", "--since", "1991") == {"1", "3"}


def test_types_compare_with_spacing_and_case_folded(folder, capsys):
    assert _exported(folder, capsys, "--exclude-type", "  REVIEW ") == {"1", "3"}
    assert _exported(folder, capsys, "--exclude-type", "published   erratum") == {"1", "2"}
    assert _exported(folder, capsys, "--type", " review") == {"2"}


def test_journal_text_is_casefolded(folder, capsys):
    assert _exported(folder, capsys, "--journal", "STRASSE") == {"2"}


def test_an_empty_type_is_a_one_line_error(folder, capsys):
    import cli

    code = cli.main(["--cache-dir", folder, "export", "--format", "csv", "-o", "-", "--exclude-type", " "])
    _, err = capsys.readouterr()
    assert code == 1 and "--exclude-type" in err and "Traceback" not in err


def test_a_paper_reached_through_an_unstored_one_is_selected_with_any_filter(tmp_path, capsys):
    # 1 <- 99 (no record) <- 5: the walk goes through 99 whichever filters are given (an
    # analysis filter used to walk the stored papers only, and lose 5)
    with Store(tmp_path / "citegraph.sqlite") as store, store.transaction():
        store.put_articles([ARTICLES[0], Article(pmid="5", year=2001, title="Five", journal="Blood", raw_xml=b"<x/>")],
                           source="file:x.xml")
        store.add_citations([("99", "1"), ("5", "99")], "elink:pubmed_pubmed_citedin")
    folder = str(tmp_path)
    assert _exported(folder, capsys, "--seed", "1") == {"1", "5"}
    assert _exported(folder, capsys, "--seed", "1", "--journal", "blood") == {"1", "5"}
