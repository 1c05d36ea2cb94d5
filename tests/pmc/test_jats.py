"""Tests of citegraph.pmc: the JATS full-text reader, its sentence splitter and section kinds.

Two groups:
* inline JATS written here (no ../shared needed): sentences, ranges, rid lists, captions,
  tables, sections, inline markup, answer states, errors and hostile input;
* the five real PMC open-access articles in ../shared/fixtures/pmc (see SOURCES.md there: the
  test data of pubmed-parser 0.5.1), checked against an independent reading by
  ``pubmed_parser`` (paragraphs and their references) and plain lxml (paragraph text, section
  titles), and wrapped in the real ``efetch db=pmc`` envelope.
"""

from __future__ import annotations

import gzip
import io
import re
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from lxml import etree

from citegraph.errors import CitegraphError, ParseError
from citegraph.pmc import (
    ERROR,
    FULL_TEXT,
    NOT_OPEN_ACCESS,
    ArticleText,
    iter_articleset,
    read_article,
)
from citegraph.pmc import sections
from citegraph.pmc.sentences import split_sentences

REPO = Path(__file__).resolve().parents[2]
WS = re.compile(r"[ \t\r\n]+")
ENVELOPE_HEAD = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE pmc-articleset PUBLIC "-//NLM//DTD ARTICLE SET 2.0//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pmc/articleset/nlm-articleset-2.0.dtd">\n'
    "<pmc-articleset>"
)
NOT_ALLOWED = "<!--The publisher of this article does not allow downloading of the full text in XML form.-->"


def norm(text: str) -> str:
    return WS.sub(" ", text).strip()


# --------------------------------------------------------------------------- helpers


REFS = "".join(
    f'<ref id="R{n}"><label>{n}</label><element-citation><article-title>Paper {n}</article-title>'
    f'<pub-id pub-id-type="pmid">{1000 + n}</pub-id><pub-id pub-id-type="doi">10.1000/p{n}</pub-id>'
    f"</element-citation></ref>"
    for n in range(1, 11)
) + '<ref id="R11"><label>11</label><mixed-citation>A book. <pub-id pub-id-type="doi">10.1000/book</pub-id></mixed-citation></ref>'


def article(body: str, *, pmid: str = "111", pmc: str = "222", refs: str = REFS, back: str = "") -> str:
    """One JATS article whose ``<body>`` is ``body`` and whose references are R1..R11
    (Rn: label n, PMID 1000+n; R11 has only a DOI); ``back`` goes before the reference list."""
    return (
        '<article xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:mml="http://www.w3.org/1998/Math/MathML">'
        f'<front><article-meta><article-id pub-id-type="pmid">{pmid}</article-id>'
        f'<article-id pub-id-type="pmc">{pmc}</article-id>'
        f'<article-id pub-id-type="doi">10.1000/citing.{pmid}</article-id></article-meta></front>'
        f"<body>{body}</body><back>{back}<ref-list>{refs}</ref-list></back></article>"
    )


def cite(*ids: str, text: str | None = None) -> str:
    rid = " ".join(f"R{i}" for i in ids)
    return f'<xref ref-type="bibr" rid="{rid}">{text if text is not None else ",".join(ids)}</xref>'


def read(body: str, **kw) -> ArticleText:
    return read_article(article(body, **kw).encode())


def sentences(text: str, cites=()) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text, cites)]


def cited(art: ArticleText) -> list[str]:
    return [c.ref_id for c in art.contexts]


# --------------------------------------------------------------------------- sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Smith et al. showed it. Next one.", ["Smith et al. showed it.", "Next one."]),
        ("Smith et al. (2001) showed it. Next.", ["Smith et al. (2001) showed it.", "Next."]),
        ("As in Fig. 2 and Figs. 3 and 4. Then more.", ["As in Fig. 2 and Figs. 3 and 4.", "Then more."]),
        ("See Fig. S1 for details. Done.", ["See Fig. S1 for details.", "Done."]),
        ("Cells got 3.5 mg per day. It worked.", ["Cells got 3.5 mg per day.", "It worked."]),
        ("Some tissues, e.g. Liver, respond. Others, i.e. Brain, do not.",
         ["Some tissues, e.g. Liver, respond.", "Others, i.e. Brain, do not."]),
        ("It rose (Smith et al., 2001). It fell (Jones et al. 2003; cf. Brown). End.",
         ["It rose (Smith et al., 2001).", "It fell (Jones et al. 2003; cf. Brown).", "End."]),
        ("Rates vary [3-7]. They differ [8].", ["Rates vary [3-7].", "They differ [8]."]),
        ("It was formalized by R. A. Fisher [11]. He saw it.", ["It was formalized by R. A. Fisher [11].", "He saw it."]),
        ("Is it? Yes! Fine.", ["Is it?", "Yes!", "Fine."]),
        ("He said \"stop.\" Then left.", ["He said \"stop.\"", "Then left."]),
        ("Values were 2.5 vs. 3.1 in 2001. 15 cases remained.", ["Values were 2.5 vs. 3.1 in 2001.", "15 cases remained."]),
        ("the end of a lower-case sentence. and more", ["the end of a lower-case sentence. and more"]),
        ("One (as noted. Here) two. Three.", ["One (as noted. Here) two.", "Three."]),
        ("", []),
        ("   ", []),
    ],
)
def test_sentence_split(text, expected):
    assert sentences(text) == expected


def test_a_numeric_citation_after_the_full_stop_stays_with_its_sentence():
    text = "It was shown. [3] The next one.3,4 Last."
    at = text.index("3,4")
    cites = [(text.index("[3]"), text.index("[3]") + 3), (at, at + 1), (at + 2, at + 3)]
    assert sentences(text, cites) == ["It was shown. [3]", "The next one.3,4", "Last."]


def test_an_author_year_citation_after_a_full_stop_opens_the_next_sentence():
    text = "It was shown. Jones et al. (2003) agreed."
    start = text.index("Jones")
    assert sentences(text, [(start, len(text) - 8)]) == ["It was shown.", "Jones et al. (2003) agreed."]


def test_no_sentence_ends_inside_a_citation():
    text = "Shown before (Smith. Jones 2001) here."
    assert sentences(text, [(14, 31)]) == [text]


def test_sentences_are_exact_substrings_covering_the_text():
    text = "A b. C d [1]. E f et al. G. 2.5 h. I?"
    spans = split_sentences(text)
    assert len(spans) == 5
    covered = "".join(text[a:b] for a, b in spans).replace(" ", "")
    assert covered == text.replace(" ", "")
    assert all(text[a] != " " and text[b - 1] != " " for a, b in spans)


# --------------------------------------------------------------------------- citations


def test_a_citation_gets_its_sentence_ids_and_offsets():
    art = read(
        f'<sec sec-type="intro"><title>Introduction</title><p>First we knew. Smith et al. {cite("2", text="[2]")} '
        f"showed 3.5 mg of <italic>E. coli</italic> K<sub>m</sub> works. Later, more.</p></sec>"
    )
    assert art.state == FULL_TEXT and (art.pmid, art.pmcid, art.doi) == ("111", "PMC222", "10.1000/citing.111")
    (ctx,) = art.contexts
    assert (ctx.citing_pmid, ctx.citing_pmcid, ctx.ref_id, ctx.cited_pmid, ctx.cited_doi) == (
        "111", "PMC222", "R2", "1002", "10.1000/p2")
    assert ctx.sentence == "Smith et al. [2] showed 3.5 mg of E. coli Km works."
    assert ctx.sentence[ctx.cite_start:ctx.cite_end] == "[2]"
    assert (ctx.section, ctx.section_title, ctx.paragraph_index) == ("introduction", "Introduction", 0)
    assert not ctx.in_caption and not ctx.in_table


def test_a_reference_without_pmid_gives_its_doi():
    (ctx,) = read(f"<p>A book says so {cite('11')}.</p>").contexts
    assert (ctx.cited_pmid, ctx.cited_doi) == ("", "10.1000/book")


def test_dash_between_two_citations_expands_to_every_reference_between():
    art = read(f"<p>Known {cite('3', text='3')}\u2013{cite('7', text='7')} and {cite('9')}.</p>")
    assert cited(art) == ["R3", "R4", "R5", "R6", "R7", "R9"]
    ranged = [c for c in art.contexts if c.ref_id in ("R3", "R5")]
    assert {c.sentence[c.cite_start:c.cite_end] for c in ranged} == {"3\u20137"}


def test_bracketed_and_superscript_ranges_expand():
    bracketed = read(f"<p>Known [{cite('3', text='3')}]-[{cite('5', text='5')}].</p>")
    assert cited(bracketed) == ["R3", "R4", "R5"]
    sup = read(f"<p>Known.<sup>{cite('2', text='2')}</sup>\u2013<sup>{cite('4', text='4')}</sup> Next.</p>")
    assert cited(sup) == ["R2", "R3", "R4"]
    assert sup.contexts[0].sentence == "Known.2\u20134"


def test_range_follows_reference_list_order_not_ids():
    refs = "".join(f'<ref id="{i}"><label>{n}</label><pub-id pub-id-type="pmid">{n}</pub-id></ref>'
                   for n, i in enumerate(["zeta", "alpha", "mid", "omega"], start=1))
    body = '<p>See <xref ref-type="bibr" rid="zeta">1</xref>-<xref ref-type="bibr" rid="omega">4</xref>.</p>'
    assert cited(read(body, refs=refs)) == ["zeta", "alpha", "mid", "omega"]


def test_a_dash_not_between_two_citations_is_not_a_range():
    assert cited(read(f"<p>Known {cite('3', text='3')}-fold {cite('7', text='7')}.</p>")) == ["R3", "R7"]
    assert cited(read(f"<p>Known {cite('3', text='3')}, {cite('7', text='7')}.</p>")) == ["R3", "R7"]
    # backwards: no expansion
    assert cited(read(f"<p>Known {cite('7', text='7')}-{cite('3', text='3')}.</p>")) == ["R7", "R3"]


def test_a_label_range_inside_one_citation_expands():
    assert cited(read(f"<p>Known {cite('3', text='[3-6]')}.</p>")) == ["R3", "R4", "R5", "R6"]
    # the text does not start at the reference's own label: no guess
    assert cited(read(f"<p>Known {cite('3', text='[4-6]')}.</p>")) == ["R3"]


def test_rid_lists_give_one_context_per_reference():
    art = read(f"<p>Known {cite('1', '4', '4', '8', text='[1,4,8]')}.</p>")
    assert cited(art) == ["R1", "R4", "R8"]
    assert {c.sentence[c.cite_start:c.cite_end] for c in art.contexts} == {"[1,4,8]"}


def test_every_occurrence_is_a_context_and_non_bibliographic_xrefs_are_not():
    art = read(
        f'<p>A {cite("1")} and {cite("1")}. See <xref ref-type="fig" rid="F1">Fig. 1</xref>.'
        f' Untyped <xref rid="R2">2</xref>; unknown <xref rid="nowhere">x</xref>.</p>'
    )
    assert cited(art) == ["R1", "R1", "R2"]


def test_empty_xref_is_a_zero_width_citation():
    (ctx,) = read('<p>Known <xref ref-type="bibr" rid="R1"/>. Next.</p>').contexts
    assert ctx.sentence == "Known ." and ctx.cite_start == ctx.cite_end == 5  # right after "Known"


def test_unknown_rid_keeps_the_id_without_cited_ids():
    (ctx,) = read('<p>Known <xref ref-type="bibr" rid="R99">99</xref>.</p>').contexts
    assert (ctx.ref_id, ctx.cited_pmid, ctx.cited_doi) == ("R99", "", "")


def test_captions_tables_and_paragraph_positions():
    body = (
        "<sec><title>Results</title>"
        f"<p>Zero {cite('1')}.</p>"
        '<fig id="F1"><label>Figure 1</label><caption><title>Model.</title>'
        f"<p>Adapted from Wang et al. {cite('2')}.</p></caption></fig>"
        "<p>Two, no citation.</p>"
        '<table-wrap id="T1"><caption><p>Table of values.</p></caption><table><tbody>'
        f"<tr><td>Strain</td><td>{cite('3')}</td></tr></tbody></table>"
        f"<table-wrap-foot><fn><p>From {cite('4')}.</p></fn></table-wrap-foot></table-wrap>"
        "</sec>"
    )
    by_ref = {c.ref_id: c for c in read(body).contexts}
    assert [(r, by_ref[r].in_caption, by_ref[r].in_table, by_ref[r].paragraph_index) for r in ("R1", "R2", "R3", "R4")] == [
        ("R1", False, False, 0),
        ("R2", True, False, 1),
        ("R3", False, True, 4),
        ("R4", False, True, 5),
    ]
    assert by_ref["R2"].sentence == "Adapted from Wang et al. 2."
    assert by_ref["R3"].sentence == "3"
    assert {c.section for c in by_ref.values()} == {"results"}


def test_a_citation_directly_in_a_caption_is_in_the_caption():
    body = (f"<sec><title>Results</title><fig id='F1'><label>Figure 1</label><caption>"
            f"<title>Model.</title>Drawn <italic>after {cite('2')}</italic>.</caption></fig></sec>")
    (ctx,) = read(body).contexts
    assert (ctx.sentence, ctx.in_caption, ctx.section) == ("Drawn after 2.", True, "results")


def test_a_figure_anchored_in_a_paragraph_is_not_part_of_its_text():
    body = (
        f"<p>Before the figure {cite('1')}"
        f"<fig id='F1'><label>Figure 1</label><caption><p>Caption cites {cite('2')}.</p></caption></fig>"
        " and after it.</p>"
    )
    by_ref = {c.ref_id: c for c in read(body).contexts}
    assert by_ref["R1"].sentence == "Before the figure 1 and after it."
    assert by_ref["R2"].sentence == "Caption cites 2." and by_ref["R2"].in_caption


def test_mathml_and_markup_contribute_text_and_tex_twins_do_not():
    body = (
        "<p>Fitness <inline-formula><alternatives><tex-math>\\alpha</tex-math>"
        "<mml:math><mml:mi>&#x003b1;</mml:mi><mml:mo>=</mml:mo><mml:mn>2</mml:mn></mml:math>"
        f"</alternatives></inline-formula> as <bold>before</bold> {cite('1')}.</p>"
    )
    (ctx,) = read(body).contexts
    assert ctx.sentence == "Fitness \u03b1=2 as before 1."


def test_section_comes_from_the_outermost_section_that_says_and_title_from_the_innermost():
    body = (
        f"<p>Untitled opening {cite('1')}.</p>"
        '<sec><title>2. Patients and Methods</title><sec><title>Statistical analysis</title>'
        f"<p>We used R {cite('2')}.</p></sec></sec>"
        f"<sec><title>Results and discussion</title><p>Found {cite('3')}.</p></sec>"
        '<sec><title>Viral evolution</title><sec><title>Conclusions</title>'
        f"<p>So {cite('4')}.</p></sec></sec>"
        f"<sec><title>Appendix A</title><sec><title>Methods</title><p>More {cite('5')}.</p></sec></sec>"
    )
    got = [(c.ref_id, c.section, c.section_title) for c in read(body).contexts]
    assert got == [
        ("R1", "introduction", ""),
        ("R2", "methods", "Statistical analysis"),
        ("R3", "results", "Results and discussion"),
        ("R4", "discussion", "Conclusions"),
        ("R5", "other", "Methods"),
    ]


def test_body_without_sections_and_back_matter_are_other():
    letter = read(f"<p>Letter text {cite('1')}.</p><p>More {cite('2')}.</p>")
    assert [c.section for c in letter.contexts] == ["other", "other"]
    back = read(
        f"<sec><title>Methods</title><p>M {cite('1')}.</p></sec>",
        back=f"<app-group><app><title>Appendix</title><p>Derivation {cite('2')}.</p></app></app-group>"
        f"<ack><p>Thanks to the authors of {cite('3')}.</p></ack>",
    )
    assert [(c.ref_id, c.section, c.paragraph_index) for c in back.contexts] == [
        ("R1", "methods", 0), ("R2", "other", 1), ("R3", "other", 2)]


@pytest.mark.parametrize(
    "sec_type, title, kind",
    [
        (None, "Introduction", "introduction"),
        (None, "Background", "introduction"),
        (None, "Background:", "introduction"),
        ("intro", None, "introduction"),
        (None, "Materials and methods", "methods"),
        (None, "Materials and Methods", "methods"),
        (None, "Patients and methods", "methods"),
        (None, "Subjects and methods", "methods"),
        (None, "2. Methods", "methods"),
        (None, "Methodology", "methods"),
        (None, "Experimental procedures", "methods"),
        ("materials|methods", "Study site", "methods"),
        ("methods", None, "methods"),
        (None, "Results", "results"),
        (None, "III. Results", "results"),
        (None, "Model and Results", "results"),
        (None, "Results and discussion", "results"),
        ("results|discussion", None, "results"),
        (None, "Discussion", "discussion"),
        (None, "Conclusions", "discussion"),
        (None, "Conclusion", "discussion"),
        (None, "Concluding remarks", "discussion"),
        ("conclusions", None, "discussion"),
        (None, "Supplementary material", "other"),
        (None, "Supplementary Materials", "other"),
        (None, "Appendix B: robustness to assumptions", "other"),
        (None, "Acknowledgements", "other"),
        ("cases", "Case presentation", "other"),
        (None, "Viral evolution", None),
        (None, "Determination of lysogen growth rate and the methods used by others", None),
        (None, "", None),
        (None, None, None),
    ],
)
def test_section_kind_table(sec_type, title, kind):
    assert sections.section_kind(sec_type, title) == kind


def test_classify_nesting():
    assert sections.classify([(None, "Materials and methods"), (None, "Statistical analysis")]) == "methods"
    assert sections.classify([(None, "Discussion"), (None, "Conclusions")]) == "discussion"
    assert sections.classify([(None, "Viral evolution"), (None, "Results")]) == "results"
    assert sections.classify([(None, "Viral evolution")]) == "other"
    assert sections.classify([], before_first_section=True) == "introduction"
    assert sections.classify([]) == "other"


# --------------------------------------------------------------------------- answer states


def envelope(*items: str) -> bytes:
    return (ENVELOPE_HEAD + "".join(items) + "</pmc-articleset>\n").encode()


FRONT_ONLY = (
    '<article><front><article-meta><article-id pub-id-type="pmid">333</article-id>'
    '<article-id pub-id-type="pmc">444</article-id></article-meta></front>' + NOT_ALLOWED + "</article>"
)
REPLY = '<Reply Id="24948109" error="The following PMCID is not available: 24948109"/>'


def test_envelope_states_in_order():
    data = envelope(article(f"<p>A {cite('1')}.</p>", pmid="1", pmc="11"), FRONT_ONLY, REPLY,
                    article(f"<p>B {cite('2')}.</p>", pmid="2", pmc="22"))
    got = list(iter_articleset(data))
    assert [(a.pmid, a.pmcid, a.state) for a in got] == [
        ("1", "PMC11", FULL_TEXT), ("333", "PMC444", NOT_OPEN_ACCESS), ("", "PMC24948109", ERROR), ("2", "PMC22", FULL_TEXT)]
    assert got[1].contexts == () and got[1].message
    assert got[2].message == "The following PMCID is not available: 24948109"
    assert [c.cited_pmid for a in got for c in a.contexts] == ["1001", "1002"]


def test_read_article_wants_exactly_one():
    with pytest.raises(ParseError, match="found 2"):
        read_article(envelope(article("<p>a</p>"), article("<p>b</p>")))
    with pytest.raises(ParseError, match="found 0"):
        read_article(envelope())
    assert read_article(envelope(article("<p>a</p>"))).state == FULL_TEXT


def test_sources_bytes_path_file_and_gzip(tmp_path):
    data = envelope(article(f"<p>A {cite('1')}.</p>"))
    plain = tmp_path / "a.xml"
    plain.write_bytes(data)
    packed = tmp_path / "a.xml.gz"
    packed.write_bytes(gzip.compress(data))
    with open(plain, "rb") as stream:
        for source in (data, bytearray(data), plain, str(packed), io.BytesIO(data), stream):
            (art,) = list(iter_articleset(source))
            assert cited(art) == ["R1"]


def test_ncbi_error_answer_and_wrong_roots_are_parse_errors():
    with pytest.raises(ParseError, match="ERROR.*Invalid id"):
        list(iter_articleset(b"<eFetchResult><ERROR>Invalid id</ERROR></eFetchResult>"))
    with pytest.raises(ParseError, match="not PMC XML"):
        list(iter_articleset(b"<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>"))
    for bad, pattern in ((b"", "empty"), (b"   ", "empty"), (b"hello", "not XML"), (b"<article><p>x</article>", "malformed")):
        with pytest.raises(ParseError, match=pattern):
            list(iter_articleset(bad))
    with pytest.raises(ParseError, match="cannot open"):
        list(iter_articleset("/nonexistent/file.nxml"))
    assert issubclass(ParseError, CitegraphError)


def test_truncated_input_names_the_last_complete_article():
    data = envelope(article("<p>a</p>", pmid="1", pmc="11"), article("<p>b</p>", pmid="2", pmc="22"),
                    article("<p>c</p>", pmid="3", pmc="33"))
    cut = data[: data.index(b"<p>c</p>") + 2]
    got = []
    with pytest.raises(ParseError, match=r"truncated XML after PMC22 \(PMID 2\)"):
        for art in iter_articleset(cut):
            got.append(art.pmid)
    assert got == ["1", "2"]
    with pytest.raises(ParseError, match="truncated XML before the first article"):
        list(iter_articleset(data[:300]))
    with pytest.raises(ParseError, match="truncated gzip input"):
        list(iter_articleset(io.BytesIO(gzip.compress(data)[:-30])))


# --------------------------------------------------------------------------- hostile input


def billion_laughs() -> bytes:
    entities = ' <!ENTITY lol "lol">\n' + "".join(
        f' <!ENTITY lol{i} "{("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10}">\n' for i in range(1, 10))
    return (f'<?xml version="1.0"?>\n<!DOCTYPE pmc-articleset [\n{entities}]>\n'
            + ENVELOPE_HEAD.split("\n", 2)[2] + article("<p>a &lol9; b</p>") + "</pmc-articleset>").encode()


def test_billion_laughs_is_refused():
    with pytest.raises(ParseError):
        list(iter_articleset(billion_laughs()))


def test_billion_laughs_memory_stays_bounded():
    # in a fresh process, so the high-water mark is this parse's own
    code = textwrap.dedent(f"""
        from citegraph.errors import ParseError
        from citegraph.pmc import iter_articleset
        try:
            list(iter_articleset({billion_laughs()!r}))
        except ParseError:
            pass
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                print(int(line.split()[1]) // 1024)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) < 150  # MB; fully expanded, the entity is 3 GB


def test_internal_and_file_entities_are_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (f'<!DOCTYPE article [<!ENTITY word "EXPANDED"><!ENTITY xxe SYSTEM "file://{secret}">]>'
            + article(f"<p>a &word; b &xxe; c {cite('1')}.</p>")).encode()
    with pytest.raises(ParseError, match="refused"):
        list(iter_articleset(data))


class Listener:
    """A TCP server on 127.0.0.1 recording the first bytes of every connection, in order."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.seen: list[bytes] = []
        self.sentinel = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.sentinel.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    first = conn.recv(64)
                except OSError:
                    first = b""
            if first == b"SENTINEL":
                self.sentinel.set()
            else:
                self.seen.append(first)

    def connections_before_sentinel(self) -> list[bytes]:
        """Connect once more and wait for that connection: the ones made before it (the
        accept queue is first in, first out) have all been recorded by then."""
        with socket.create_connection(("127.0.0.1", self.port)) as probe:
            probe.sendall(b"SENTINEL")
            assert self.sentinel.wait(10)
        self.sock.close()
        self.thread.join()
        return self.seen


def test_external_dtd_and_entities_are_never_fetched(tmp_path):
    listener = Listener()
    url = f"http://127.0.0.1:{listener.port}"
    hostile = (f'<!DOCTYPE article SYSTEM "{url}/article.dtd" [<!ENTITY % remote SYSTEM "{url}/param.dtd"> %remote;'
               f'<!ENTITY web SYSTEM "{url}/entity.txt">]>' + article("<p>a &web; b</p>")).encode()
    only_dtd = (f'<!DOCTYPE pmc-articleset SYSTEM "{url}/set.dtd"><pmc-articleset>'
                + article(f"<p>A {cite('1')}.</p>") + "</pmc-articleset>").encode()
    with pytest.raises(ParseError):
        list(iter_articleset(hostile))
    assert cited(read_article(only_dtd)) == ["R1"]
    assert listener.connections_before_sentinel() == []


def test_an_undeclared_entity_is_malformed_not_truncated():
    # no DOCTYPE: an undeclared entity is a well-formedness error, and the input is whole
    with pytest.raises(ParseError, match="malformed"):
        list(iter_articleset(article("<p>a &undeclared; b</p>").encode()))


def test_deep_nesting_is_a_parse_error_not_a_crash():
    deep = "<p>" + "<italic>" * 5000 + f"deep {cite('1')}." + "</italic>" * 5000 + "</p>"
    with pytest.raises(ParseError, match="malformed"):
        list(iter_articleset(article(deep).encode()))
    shallow = "<p>" + "<italic>" * 200 + f"deep {cite('1')}." + "</italic>" * 200 + "</p>"
    assert read(shallow).contexts[0].sentence == "deep 1."


def test_hostile_reply_message_is_one_plain_line():
    data = envelope('<Reply Id="x&#10;y" error="bad&#10;&#10;   news\t' + "z" * 1000 + '"/>')
    (art,) = list(iter_articleset(data))
    assert art.state == ERROR and "\n" not in art.message and len(art.message) <= 300
    assert art.pmcid == "x y"


# --------------------------------------------------------------------------- real articles


@pytest.fixture
def pmc_fixtures(ncbi_fixtures) -> Path:
    """The five real PMC open-access articles (../shared/fixtures/pmc, see its SOURCES.md)."""
    folder = ncbi_fixtures.parent / "pmc"
    if not folder.is_dir():
        pytest.skip(f"real PMC articles not found at {folder} (../shared is absent)")
    return folder


# file, PMID, PMC id, references, references with a PMID (raw <pub-id pub-id-type="pmid"> count)
REAL = [
    ("1471-2180-11-174.nxml", "21810267", "PMC3166277", 64, 56),
    ("1472-6831-8-11.nxml", "18405359", "PMC2329613", 31, 25),
    ("6605965a.nxml", "21045829", "PMC2994229", 34, 31),
    ("pntd.0002065.nxml", "23469300", "PMC3585041", 32, 21),
    ("pone.0000217.nxml", "17299597", "PMC1790863", 33, 26),
]


def body_of(path: Path) -> str:
    """The article element of a .nxml file, without its DOCTYPE (as efetch nests it)."""
    text = path.read_text(encoding="utf-8")
    return text[text.index("<article"):]


def test_real_articles_ids_and_references(pmc_fixtures):
    for name, pmid, pmcid, n_refs, n_pmids in REAL:
        art = read_article(pmc_fixtures / name)
        assert (art.pmid, art.pmcid, art.state) == (pmid, pmcid, FULL_TEXT), name
        assert len(art.references) == n_refs, name
        assert sum(1 for r in art.references if r.pmid) == n_pmids, name
        assert all(c.citing_pmid == pmid and c.citing_pmcid == pmcid for c in art.contexts)
        assert art.contexts, name


def independent_paragraphs(path: Path):
    """Every ``//body//p`` with its whitespace-normalised text content and the title of its
    nearest enclosing ``sec`` (plain lxml, hardened the same way)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.parse(str(path), parser)
    out = []
    for p in tree.xpath("//body//p"):
        sec = next((a for a in p.iterancestors("sec")), None)
        title = sec.find("title") if sec is not None else None
        out.append((norm("".join(p.itertext())), norm("".join(title.itertext())) if title is not None else ""))
    return out


def test_recall_against_pubmed_parser(pmc_fixtures):
    """Every (citing PMID, cited PMID) pair that pubmed_parser finds in a paragraph is found,
    with a sentence that is a substring of that paragraph's text and the title of the
    paragraph's own section."""
    pp = pytest.importorskip("pubmed_parser")
    pairs = found = 0
    missed = []
    wrong_title = []
    for name, *_ in REAL:
        path = str(pmc_fixtures / name)
        paras = pp.parse_pubmed_paragraph(path, all_paragraph=True)
        cited_pmid = {r["ref_id"]: r["pmid_cited"] for r in pp.parse_pubmed_references(path) if r["pmid_cited"]}
        plain = independent_paragraphs(pmc_fixtures / name)
        assert len(plain) == len(paras)
        contexts = read_article(path).contexts
        for para, (text, sec_title) in zip(paras, plain):
            for target in sorted({cited_pmid[r] for r in para["reference_ids"] if r in cited_pmid}):
                pairs += 1
                hits = [c for c in contexts
                        if c.citing_pmid == para["pmid"] and c.cited_pmid == target and c.sentence in text]
                if not hits:
                    missed.append((name, target, text[:60]))
                    continue
                found += 1
                if not any(c.section_title == sec_title for c in hits):
                    wrong_title.append((name, target, sec_title))
    assert pairs >= 150  # 189 with pubmed-parser 0.5.1
    assert found / pairs >= 0.99, missed
    assert wrong_title == []


def test_real_section_kinds(pmc_fixtures):
    kinds = {}
    for name, *_ in REAL:
        for c in read_article(pmc_fixtures / name).contexts:
            kinds.setdefault((name, c.section_title), set()).add(c.section)
    assert kinds[("pntd.0002065.nxml", "Laboratory tests")] == {"methods"}  # in "Materials and Methods"
    assert kinds[("6605965a.nxml", "")] == {"introduction"}  # untitled opening paragraphs
    assert kinds[("6605965a.nxml", "Materials and Methods")] == {"methods"}
    assert kinds[("1471-2180-11-174.nxml", "Background")] == {"introduction"}
    assert kinds[("1471-2180-11-174.nxml", "Manipulation of holin production rate")] == {"discussion"}
    assert kinds[("pone.0000217.nxml", "Linear Fitness Decline")] == {"results"}  # in "Model and Results"
    assert kinds[("1472-6831-8-11.nxml", "Construct validity")] == {"methods"}


def test_real_efetch_envelope(pmc_fixtures):
    """The real envelope around two real articles, a front-only article (the publisher does
    not allow the full text) and an error Reply."""
    first, second = (body_of(pmc_fixtures / name) for name in ("pone.0000217.nxml", "pntd.0002065.nxml"))
    front_only = body_of(pmc_fixtures / "1472-6831-8-11.nxml")
    front_only = front_only[: front_only.index("</front>") + len("</front>")] + NOT_ALLOWED + "</article>"
    data = envelope(first, front_only, REPLY, second)
    got = list(iter_articleset(data))
    assert [(a.pmid, a.pmcid, a.state) for a in got] == [
        ("17299597", "PMC1790863", FULL_TEXT),
        ("18405359", "PMC2329613", NOT_OPEN_ACCESS),
        ("", "PMC24948109", ERROR),
        ("23469300", "PMC3585041", FULL_TEXT),
    ]
    assert got[0].contexts == read_article(pmc_fixtures / "pone.0000217.nxml").contexts
    cut = data[: data.index(b"Rift Valley fever")]
    with pytest.raises(ParseError, match=r"truncated XML after PMC24948109"):
        list(iter_articleset(cut))
