"""Offline import of PubMed XML files (citegraph/importer.py, `citegraph import`).

The real file is pubmed21n1298.xml.gz, an NLM PubMed update file (2021): it is imported twice,
once per module, through the worker-process pipeline. The small files are written here.
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from pathlib import Path

import pytest

from citegraph import cli
from citegraph import importer
from citegraph.importer import ImportFailed, import_files
from citegraph.pubmed import iter_articles
from citegraph.store import Store
from store_copy import copy_store


def record(pmid: str, revised: str = "2021-01-01", title: str = "", cites: tuple[str, ...] = ()) -> str:
    year, month, day = revised.split("-")
    refs = "".join(
        f'<Reference><Citation>ref {c}</Citation><ArticleIdList><ArticleId IdType="pubmed">{c}</ArticleId>'
        f"</ArticleIdList></Reference>" for c in cites
    )
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f"<DateRevised><Year>{year}</Year><Month>{month}</Month><Day>{day}</Day></DateRevised>"
        f'<Article PubModel="Print"><ArticleTitle>{title or "Title " + pmid}</ArticleTitle></Article>'
        f"</MedlineCitation><PubmedData><ReferenceList>{refs}</ReferenceList></PubmedData></PubmedArticle>\n"
    )


def write(path: Path, *records: str, deleted: tuple[str, ...] = ()) -> Path:
    body = "".join(records)
    if deleted:
        body += "<DeleteCitation>" + "".join(f'<PMID Version="1">{p}</PMID>' for p in deleted) + "</DeleteCitation>\n"
    xml = ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2019//EN"'
           ' "http://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">\n<PubmedArticleSet>\n'
           + body + "</PubmedArticleSet>\n").encode()
    path.write_bytes(gzip.compress(xml) if path.suffix == ".gz" else xml)
    return path


def snapshot(path: Path) -> dict:
    """Every row of the tables an import writes, timestamps included."""
    db = sqlite3.connect(path)
    try:
        return {
            "articles": db.execute("SELECT * FROM articles ORDER BY pmid").fetchall(),
            "citations": db.execute("SELECT * FROM citations ORDER BY citing, cited").fetchall(),
            "missing": db.execute("SELECT * FROM missing ORDER BY pmid").fetchall(),
        }
    finally:
        db.close()


def titles(store: Store) -> dict[str, str]:
    return {pmid: title for pmid, _, title, _ in store.article_summaries()}


# --------------------------------------------------------------------------- the real update file


@pytest.fixture(scope="module")
def real_import(pubmed_update_file, imported_update_file, tmp_path_factory):
    """The update file imported (once for the whole run), then again into a copy of that store."""
    shared, first = imported_update_file
    path = copy_store(shared, tmp_path_factory.mktemp("real") / "store.db")
    once = snapshot(path)
    with Store(path) as store:
        second = import_files([pubmed_update_file], store, workers=2)
    return path, first, second, once, snapshot(path)


@pytest.fixture(scope="module")
def real_file_facts(update_file_xml):
    """Read with regular expressions, independently of the reader: PMIDs and deletions."""
    text = update_file_xml.decode()
    pmids = re.findall(r'<MedlineCitation[^>]*>\s*<PMID Version="\d+">(\d+)</PMID>', text)
    (block,) = re.findall(r"<DeleteCitation>(.*?)</DeleteCitation>", text, re.S)
    return pmids, re.findall(r"<PMID[^>]*>(\d+)</PMID>", block)


@pytest.mark.shared
def test_real_file_imported_twice_gives_the_same_store(real_import, real_file_facts):
    path, first, second, once, twice = real_import
    pmids, _ = real_file_facts
    assert first.records == second.records == len(pmids) == 20788
    assert len(once["articles"]) == len(set(pmids))  # a few PMIDs occur twice in the file
    assert second.written == 0 and second.citations == 0
    assert once == twice
    assert {row[10] for row in once["articles"]} == {"file:pubmed21n1298.xml.gz"}


@pytest.mark.shared
def test_real_file_deleted_pmids_are_absent_and_listed_missing(real_import, real_file_facts):
    path, first, _, once, _ = real_import
    _, deleted = real_file_facts
    assert len(deleted) == 20 and first.deletions == 20
    with Store(path) as store:
        assert store.known_pmids(deleted) == set()
        assert store.missing_pmids(deleted) == set(deleted)


@pytest.mark.shared
def test_real_file_edges_are_the_reference_pmids_of_each_record(real_import):
    path, _, _, once, _ = real_import
    edges: dict[int, set[int]] = {}
    for citing, cited, _, _ in once["citations"]:
        edges.setdefault(citing, set()).add(cited)
    with Store(path) as store:
        assert {source for _, _, source in store.iter_citation_sources()} == {"file:pubmed21n1298.xml.gz"}
        for pmid, *_ in once["articles"][::997]:  # a sample, checked against the stored raw XML
            raw = store.get_article(pmid).raw_xml.decode()
            references = raw[raw.find("<ReferenceList"):] if "<ReferenceList" in raw else ""
            cited = set(re.findall(r'<ArticleId IdType="pubmed">\s*(\d+)\s*</ArticleId>', references))
            cited |= set(re.findall(r'<CommentsCorrections RefType="Cites">(?:(?!</CommentsCorrections>).)*?'
                                    r'<PMID[^>]*>(\d+)</PMID>', raw, re.S))
            assert edges.get(pmid, set()) == {int(c) for c in cited} - {pmid}


# --------------------------------------------------------------------------- versions and deletions


@pytest.mark.parametrize("order", ["new-then-old", "old-then-new"])
def test_an_older_version_never_overwrites_a_newer_one(tmp_path, order):
    new = write(tmp_path / "new.xml", record("11", "2021-05-01", "new title", cites=("6",)))
    old = write(tmp_path / "old.xml", record("11", "2020-01-01", "old title", cites=("5",)))
    files = [new, old] if order == "new-then-old" else [old, new]
    with Store(tmp_path / "s.db") as store:
        report = import_files(files, store)
        assert titles(store) == {"11": "new title"}
        assert store.cited("11") == ["6"]  # the old version's edge went with it
        assert (report.written, report.older) == ((1, 1) if order == "new-then-old" else (2, 0))


def test_same_revision_is_left_alone_and_edges_from_other_sources_stay(tmp_path):
    path = write(tmp_path / "a.xml", record("11", cites=("5",)))
    with Store(tmp_path / "s.db") as store:
        store.add_citations([("11", "9")], source="elink")
        import_files([path], store)
        before = snapshot(tmp_path / "s.db")
        report = import_files([path], store)
        assert (report.written, report.unchanged) == (0, 1)
        assert snapshot(tmp_path / "s.db") == before
        assert store.cited("11") == ["5", "9"]


def test_delete_citation_removes_the_record_and_its_own_edges(tmp_path):
    first = write(tmp_path / "a.xml", record("11", cites=("12",)), record("12", cites=("13",)))
    second = write(tmp_path / "b.xml", record("14", cites=("12",)), deleted=("12", "99"))
    with Store(tmp_path / "s.db") as store:
        report = import_files([first, second], store)
        assert sorted(titles(store)) == ["11", "14"]
        assert store.cited("12") == []  # the deleted record's references went
        assert store.citing("12") == ["11", "14"]  # records that cite it keep their edges
        assert store.missing_pmids(["12", "99", "11"]) == {"12", "99"}
        assert (report.deletions, report.deleted) == (2, 1)


# --------------------------------------------------------------------------- deletions stand


@pytest.fixture(scope="module")
def real_slices(update_file_xml, tmp_path_factory):
    """``first.xml``: the real file's envelope and its first seven records; ``deletes.xml``: the
    real DeleteCitation block (its first two PMIDs) naming three of those records as well.
    Returns the two paths, the seven PMIDs and the three deleted ones."""
    head = update_file_xml[:400_000].decode()
    text = update_file_xml.decode()
    envelope = head[: head.index("<PubmedArticleSet>") + len("<PubmedArticleSet>")] + "\n"
    articles = re.findall(r"  <PubmedArticle>.*?</PubmedArticle>\n", head, re.S)[:7]
    pmids = [re.search(r"<PMID[^>]*>(\d+)</PMID>", a).group(1) for a in articles]
    (block,) = re.findall(r"<DeleteCitation>\n(.*?)</DeleteCitation>", text, re.S)
    real_deleted = re.findall(r'<PMID Version="1">\d+</PMID>\n', block)[:2]
    gone = pmids[1:6:2]
    ours = "".join(f'<PMID Version="1">{p}</PMID>\n' for p in gone)
    folder = tmp_path_factory.mktemp("slices")
    first = folder / "first.xml"
    first.write_text(envelope + "".join(articles) + "</PubmedArticleSet>\n")
    deletes = folder / "deletes.xml"
    deletes.write_text(envelope + "  <DeleteCitation>\n" + "".join(real_deleted) + ours
                       + "</DeleteCitation>\n</PubmedArticleSet>\n")
    assert len(set(pmids)) == 7
    return first, deletes, pmids, gone


@pytest.mark.shared
def test_an_older_file_does_not_bring_a_deleted_record_back(tmp_path, real_slices):
    first, deletes, pmids, gone = real_slices
    with Store(tmp_path / "s.db") as store:
        import_files([first], store, now=1000.0)
        report = import_files([deletes], store, now=2000.0)
        assert report.deleted == 3 and store.counts()["articles"] == 4 and store.counts()["missing"] == 5
        before = snapshot(tmp_path / "s.db")
        again = import_files([first], store, now=3000.0)
        assert (again.written, again.unchanged, again.kept_deleted) == (0, 4, 3)
        assert store.known_pmids(pmids) == set(pmids) - set(gone)
        assert store.deleted_pmids(pmids) == set(gone)
        assert (store.counts()["articles"], store.counts()["missing"]) == (4, 5)
        assert snapshot(tmp_path / "s.db") == before  # dates of the missing list included


@pytest.mark.shared
def test_importing_the_same_files_twice_changes_nothing_even_their_dates(tmp_path, real_slices):
    first, deletes, _, _ = real_slices
    with Store(tmp_path / "s.db") as store:
        import_files([first, deletes], store, now=1000.0)
        once = snapshot(tmp_path / "s.db")
        report = import_files([first, deletes], store, now=5000.0)
        assert snapshot(tmp_path / "s.db") == once
        assert (report.written, report.deleted, report.kept_deleted) == (0, 0, 3)
        # a deletion listed before for another reason becomes NLM's, once
        store.mark_missing(["424242"], "efetch returned no record", now=6000.0)
        store.mark_missing(["424242"], "efetch returned no record", now=7000.0)
        assert store.missing_entry("424242") == ("efetch returned no record", 6000.0)
        extra = write(tmp_path / "extra.xml", deleted=("424242",))
        import_files([extra], store, now=8000.0)
        import_files([extra], store, now=9000.0)
        assert store.missing_entry("424242") == ("deleted", 8000.0)


@pytest.mark.shared
def test_a_record_from_eutilities_takes_the_deletion_back(tmp_path, real_slices):
    first, deletes, _, gone = real_slices
    records = {a.pmid: a for a in iter_articles(first.read_bytes())}
    with Store(tmp_path / "s.db") as store:
        import_files([first, deletes], store, now=1000.0)
        with store.transaction():
            store.put_articles([records[gone[0]]], source="efetch")  # what a crawl's efetch does
        assert store.known_pmids(gone) == {gone[0]} and store.missing_pmids(gone) == set(gone[1:])
        assert (store.counts()["articles"], store.counts()["missing"]) == (5, 4)
        report = import_files([first], store, now=2000.0)  # a file does not undo it either
        assert (report.unchanged, report.kept_deleted) == (5, 2)
        assert store.known_pmids(gone) == {gone[0]}


@pytest.mark.shared
def test_a_store_holding_a_deleted_record_loses_it_when_a_file_brings_it_again(tmp_path, real_slices):
    first, _, pmids, _ = real_slices
    with Store(tmp_path / "s.db") as store:
        import_files([first], store, now=1000.0)
        store.add_citations([(pmids[2], "1")], source="elink")
        with store.transaction():  # both stored and listed deleted, as stores written before could be
            store._execute("INSERT INTO missing (pmid, reason, seen_at) VALUES (?, 'deleted', 1500.0)", (pmids[2],))
        report = import_files([first], store, now=2000.0)
        assert report.kept_deleted == 1
        assert store.known_pmids([pmids[2]]) == set()
        assert store.missing_entry(pmids[2]) == ("deleted", 1500.0)
        assert store.cited(pmids[2]) == ["1"]  # an edge another source told stays, as with DeleteCitation


@pytest.mark.shared
def test_show_of_a_deleted_pmid_says_nlm_deleted_it_and_when(tmp_path, real_slices, capsys):
    first, deletes, _, gone = real_slices
    with Store(tmp_path / "c" / "citegraph.sqlite") as store:
        import_files([first, deletes], store, now=1_600_000_000.0)  # 2020-09-13 UTC
    code = cli.main(["--cache-dir", str(tmp_path / "c"), "show", gone[0]])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"citegraph: error: PMID {gone[0]} was deleted by NLM")
    assert "2020-09-13" in err and "crawl it first" not in err


# --------------------------------------------------------------------------- truncated files


@pytest.fixture
def parallel_small_files(monkeypatch):
    """Worker processes even for the small files written here (normally from 1 MB up)."""
    monkeypatch.setattr(importer, "_PARALLEL_FROM", 0)


@pytest.mark.parametrize("workers", [1, 2])
def test_truncated_file_stops_with_the_last_record_read_and_a_rerun_continues(tmp_path, workers,
                                                                              parallel_small_files):
    records = [record(str(n), title="w " * 400, cites=(str(n + 1000),)) for n in range(1, 61)]
    whole = write(tmp_path / "whole.xml.gz", *records)
    packed = whole.read_bytes()
    cut = tmp_path / "cut.xml.gz"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    with Store(tmp_path / "s.db") as store:
        with pytest.raises(ImportFailed) as caught:
            import_files([cut], store, workers=workers, batch_size=10)
        message = str(caught.value)
        last = re.search(r"the last record read was PMID (\d+)", message)
        assert message.startswith("cut.xml.gz: truncated") and last, message
        stored = sorted(int(p) for p in titles(store))
        assert store.check() == []
        # whole batches only, in file order, each with its edges
        assert stored == list(range(1, len(stored) + 1)) and 10 <= len(stored) < 60
        assert int(last.group(1)) == stored[-1]
        assert all(store.cited(p) == [str(p + 1000)] for p in stored)
        cut.write_bytes(packed)  # the full file arrives: the same command continues
        report = import_files([cut], store, workers=workers, batch_size=10)
        assert report.unchanged == len(stored) and report.written == 60 - len(stored)
        assert sorted(int(p) for p in titles(store)) == list(range(1, 61))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_bad_byte_after_the_first_record_stores_it_and_names_it(tmp_path, workers, parallel_small_files):
    bad = tmp_path / "bad.xml"
    write(bad, record("1"), record("2", title="bad \x01 byte"), record("3"))
    with Store(tmp_path / "s.db") as store:
        with pytest.raises(ImportFailed) as caught:
            import_files([bad], store, workers=workers)
        message = str(caught.value)
        assert message.startswith("bad.xml: malformed XML after PMID 1"), message
        assert "the last record read was PMID 1;" in message
        assert sorted(titles(store)) == ["1"]


@pytest.mark.parametrize("workers", [1, 2])
def test_records_that_cannot_be_stored_are_skipped_and_named_and_the_rest_is_imported(tmp_path, workers,
                                                                                     parallel_small_files):
    records = [record(str(n), title="w " * 400, cites=(str(n + 1000),)) for n in range(1, 61)]
    records[2] = records[2].replace(">3</PMID>", ">abc</PMID>")
    records[39] = records[39].replace(">40</PMID>", ">" + "4" * 20 + "</PMID>")
    records[49] = record("50", cites=("\u0661\u0662\u0663", "0", "9" * 20, "1050"))  # bad values only
    bad = write(tmp_path / "bad.xml.gz", *records, deleted=("abc", "7"))
    with Store(tmp_path / "s.db") as store:
        report = import_files([bad], store, workers=workers, batch_size=1)
        assert report.skipped == [
            "bad.xml.gz: record 3 (after PMID 2) left out: PMID 'abc' is not a PubMed id",
            "bad.xml.gz: record 40 (after PMID 39) left out: PMID '44444444444444444444' is not a PubMed id",
            "bad.xml.gz: a DeleteCitation entry (after PMID 60) left out: PMID 'abc' is not a PubMed id",
        ]
        assert sorted(int(p) for p in titles(store)) == [n for n in range(1, 61) if n not in (3, 7, 40)]
        assert store.cited("50") == ["1050"]
        assert store.check() == []


def test_cli_import_lists_the_skipped_records(tmp_path, capsys):
    bad = write(tmp_path / "bad.xml", record("11"), record("0"), record("13"))
    code = cli.main(["--cache-dir", str(tmp_path / "c"), "import", "--workers", "1", str(bad)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("2 records read")
    assert err == "skipped: bad.xml: record 2 (after PMID 11) left out: PMID '0' is not a PubMed id\n"
    code = cli.main(["--cache-dir", str(tmp_path / "c"), "import", "--workers", "1", "--json", str(bad)])
    out, err = capsys.readouterr()
    assert json.loads(out)["skipped"] == ["bad.xml: record 2 (after PMID 11) left out: PMID '0' is not a PubMed id"]


def test_a_fault_at_the_start_of_a_later_piece_is_placed_in_the_file(tmp_path, parallel_small_files):
    # pieces of a few records each: for one of these faults the bad record opens its piece,
    # whose own reader has read no record before it; the message still names the file's last
    for bad in range(10, 17):
        records = [record(str(n), title="w " * 400) for n in range(1, 41)]
        records[bad - 1] = records[bad - 1].replace("<PMID", "\x01<PMID", 1)
        path = write(tmp_path / f"bad{bad}.xml", *records)
        with Store(tmp_path / f"s{bad}.db") as store:
            with pytest.raises(ImportFailed) as caught:
                import_files([path], store, workers=2, batch_size=1)
            assert str(caught.value).startswith(f"bad{bad}.xml: malformed XML after PMID {bad - 1}: "), caught.value
            assert sorted(int(p) for p in titles(store)) == list(range(1, bad))


def test_a_record_over_the_size_limit_stops_a_parallel_import_with_the_records_before_it(tmp_path, monkeypatch,
                                                                                       parallel_small_files):
    from citegraph.pubmed import pieces as pubmed_chunks

    monkeypatch.setattr(pubmed_chunks, "MAX_RECORD_BYTES", 1 << 20)
    records = [record(str(n), title="w " * 400) for n in range(1, 41)]
    records[29] = record("30", title="w " * (1 << 20))  # 2 MB of text
    path = write(tmp_path / "big.xml", *records)
    with Store(tmp_path / "s.db") as store:
        with pytest.raises(ImportFailed, match=r"^big\.xml: a record longer than 1 MB: not read; "
                                               r"the last record read was PMID 29;"):
            import_files([path], store, workers=2, batch_size=1)
        assert sorted(int(p) for p in titles(store)) == list(range(1, 30))


def test_not_pubmed_xml_is_refused_naming_the_file(tmp_path, parallel_small_files):
    bad = tmp_path / "page.xml"
    bad.write_bytes(b"<html><body>Resource temporarily unavailable</body></html>")
    with Store(tmp_path / "s.db") as store:
        for workers in (1, 2):
            with pytest.raises(ImportFailed, match=r"^page\.xml: .*no record was read"):
                import_files([bad], store, workers=workers)


# --------------------------------------------------------------------------- the command


def test_cli_import_json_and_one_line_error(tmp_path, capsys):
    a = write(tmp_path / "a.xml", record("11", cites=("12",)), record("12"))
    b = write(tmp_path / "b.xml.gz", record("13", cites=("11", "12")), deleted=("12",))
    code = cli.main(["--cache-dir", str(tmp_path / "c"), "import", "--workers", "1", "--json", str(a), str(b)])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["files"] == ["a.xml", "b.xml.gz"]
    assert (data["records"], data["written"], data["deletions"], data["deleted"]) == (3, 3, 1, 1)
    broken = tmp_path / "broken.xml"
    broken.write_bytes(a.read_bytes()[:-60])
    code = cli.main(["--cache-dir", str(tmp_path / "c"), "import", str(broken)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("citegraph: error: broken.xml: ")
    assert "PMID 11" in err or "PMID 12" in err
