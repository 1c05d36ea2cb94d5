"""What the local server answers to ``efetch db=pmc``: PMC full text (JATS) in the real envelope.

Ids are PMC numbers, with or without "PMC". Each is answered, in the order asked, by

* a real article given with ``--pmc FILE`` (:func:`add_pmc_files`), whose PubMed record the
  corpus gains when it has none (title, year, ids and the references that have a PMID), so a
  crawl can reach it;
* synthetic JATS for a synthetic record with a PMC id (:func:`citegraph.testing.synthetic.pmcid_for`):
  sections (introduction, methods, results, discussion, a figure caption) whose sentences cite
  the record's references with ``<xref ref-type="bibr">``; a record whose publisher "does not
  allow" the full text (:func:`~citegraph.testing.synthetic.open_access`) comes with its
  ``<front>`` only and NCBI's comment;
* ``<Reply Id="N" error="The following PMCID is not available: N"/>`` for anything else.

The envelope, the comment and the Reply are those of the real service (see
``shared/fixtures/pmc/SOURCES.md``). The ``short`` fault leaves out one article.
"""

from __future__ import annotations

import os
import random
import re
from typing import Iterable
from xml.sax.saxutils import escape

from lxml import etree

from ..xml_safety import parser_options
from . import responses
from .corpus import Corpus
from .reply import Reply
from .synthetic import FIRST_PMID, open_access

__all__ = ["efetch_pmc", "add_pmc_files", "synthetic_jats", "ENVELOPE_HEAD", "NOT_ALLOWED"]

ENVELOPE_HEAD = (b'<?xml version="1.0" ?>\n<!DOCTYPE pmc-articleset PUBLIC "-//NLM//DTD ARTICLE SET 2.0//EN" '
                 b'"https://dtd.nlm.nih.gov/ncbi/pmc/articleset/nlm-articleset-2.0.dtd">\n<pmc-articleset>')
ENVELOPE_TAIL = b"</pmc-articleset>\n"
NOT_ALLOWED = "<!--The publisher of this article does not allow downloading of the full text in XML form.-->"
EMPTY_IDS = "ID list is empty! Possibly it has no correct IDs."
_ID = re.compile(r"(?:PMC)?([0-9]{1,12})", re.I)
_XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:mml="http://www.w3.org/1998/Math/MathML"'

_OPENERS = {
    "introduction": ("{topic} has been studied for years", "Earlier work described {topic}",
                     "Interest in {topic} grew after a first report"),
    "methods": ("We followed the protocol described previously", "Cells were prepared as reported",
                "The assay was performed as in earlier work", "Statistics followed the method of"),
    "results": ("These findings agree with", "A similar response was seen", "This confirms"),
    "discussion": ("Our results extend", "This differs from", "Others have proposed the same"),
}
_TITLES = (("introduction", "Introduction"), ("methods", "Materials and methods"), ("results", "Results"),
           ("discussion", "Discussion"))


def efetch_pmc(corpus: Corpus, q, drop: int | None = None) -> Reply:
    """The ``efetch db=pmc`` answer for the query's ids (see the module doc)."""
    numbers: list[int] = []
    for value in q.all("id"):
        for token in value.split(","):
            match = _ID.fullmatch(token.strip())
            if match and int(match.group(1)) > 0 and int(match.group(1)) not in numbers:
                numbers.append(int(match.group(1)))
    if not numbers:
        return Reply(400, responses.efetch_error(EMPTY_IDS))
    parts = [_article(corpus, n) for n in numbers]
    kept = parts
    if drop is not None and len(parts) >= 2:
        kept = list(parts)
        del kept[drop % len(kept)]
    return Reply(200, ENVELOPE_HEAD + b"".join(kept) + ENVELOPE_TAIL, items=len(kept), shortened=len(kept) < len(parts))



def _article(corpus: Corpus, number: int) -> bytes:
    real = corpus.pmc_files.get(number)
    if real is not None:
        return real
    pmid = corpus.pmid_for_pmcid(f"PMC{number}")
    synth = corpus._synthetic
    if pmid is not None and synth is not None and synth.index(pmid) is not None and corpus.raw_xml(pmid) is not None:
        return synthetic_jats(corpus, int(pmid)).encode("utf-8")
    return f'<Reply Id="{number}" error="The following PMCID is not available: {number}"/>'.encode()


def synthetic_jats(corpus: Corpus, pmid: int) -> str:
    """The JATS ``<article>`` of a synthetic record with a PMC id (front only when it is not
    open access). The same corpus gives the same text on every run."""
    synth = corpus._synthetic
    assert synth is not None
    i = pmid - FIRST_PMID
    title = synth._head(i)[0]
    phrase = synth._head(i)[8]
    pmcid = corpus._pmcid_of.get(pmid, "")
    front = (f"<front><article-meta><article-id pub-id-type=\"pmid\">{pmid}</article-id>"
             f"<article-id pub-id-type=\"pmc\">{pmcid[3:]}</article-id>"
             f"<article-id pub-id-type=\"doi\">{escape(synth.doi(i))}</article-id>"
             f"<title-group><article-title>{escape(title)}</article-title></title-group>"
             f"<pub-date pub-type=\"epub\"><year>{synth.year(i)}</year></pub-date></article-meta></front>")
    head = f'<article {_XLINK} article-type="research-article">'
    if not open_access(pmid):
        return head + front + NOT_ALLOWED + "</article>"
    refs = list(dict.fromkeys(synth.reference_pmids(i)))
    rng = random.Random(f"pmc:{synth.seed}:{i}")
    labels = {p: k for k, p in enumerate(refs, 1)}
    by_section: dict[str, list[int]] = {kind: [] for kind, _ in _TITLES}
    for p in refs:
        by_section["introduction" if rng.random() < 0.5 else "discussion"].append(p)
        if p % 4 == 0 or rng.random() < 0.15:
            by_section["methods"].append(p)
        if rng.random() < 0.2:
            by_section["results"].append(p)
    body = ["<body>"]
    for kind, heading in _TITLES:
        cited = by_section[kind]
        body.append(f'<sec sec-type="{kind}" id="s-{kind}"><title>{heading}</title><p>')
        sentences = []
        for p in cited:
            opener = rng.choice(_OPENERS[kind]).format(topic=phrase)
            sentences.append(f'{escape(opener)} [<xref ref-type="bibr" rid="B{labels[p]}">{labels[p]}</xref>].')
        if kind == "introduction" and len(cited) >= 3:  # one cited range, as "[1-3]"
            a, b = sorted(labels[p] for p in cited[:3])[0], sorted(labels[p] for p in cited[:3])[-1]
            sentences.append(f'Reviews agree on the main points [<xref ref-type="bibr" rid="B{a}">{a}</xref>'
                             f'\u2013<xref ref-type="bibr" rid="B{b}">{b}</xref>].')
        body.append(" ".join(sentences) or f"No earlier work on {escape(phrase)} is cited here.")
        body.append("</p>")
        if kind == "results" and cited:
            p = cited[0]
            body.append(f'<fig id="F1"><label>Figure 1</label><caption><p>Response compared with '
                        f'<xref ref-type="bibr" rid="B{labels[p]}">{labels[p]}</xref>.</p></caption></fig>')
        body.append("</sec>")
    body.append("</body>")
    back = ["<back><ref-list>"]
    for p, k in labels.items():
        back.append(f'<ref id="B{k}"><label>{k}</label><element-citation publication-type="journal">'
                    f'<pub-id pub-id-type="pmid">{p}</pub-id></element-citation></ref>')
    back.append("</ref-list></back>")
    return head + front + "".join(body) + "".join(back) + "</article>"


def add_pmc_files(corpus: Corpus, paths: Iterable[str | os.PathLike[str]]) -> int:
    """Serve real PMC articles (``.nxml``: one ``<article>``) from ``efetch db=pmc``; an article
    whose PMID has no record in the corpus gets a PubMed record made from its front matter.
    Returns how many articles were added; a file without a PMC id raises ValueError."""
    from ..pubmed import parse_record

    added = 0
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        root = etree.fromstring(data, etree.XMLParser(**parser_options()))
        meta = root.find("front/article-meta")
        ids = {node.get("pub-id-type"): (node.text or "").strip() for node in
               (meta.iterfind("article-id") if meta is not None else ())}
        number = ids.get("pmc", "").upper().removeprefix("PMC")
        if not number.isdigit():
            raise ValueError(f"{os.fspath(path)}: no PMC id in the article")
        start = data.index(b"<article")
        corpus.pmc_files[int(number)] = data[start:].strip()
        pmid = ids.get("pmid", "")
        if pmid.isdigit() and pmid not in corpus:
            record = _pubmed_record(root, pmid, f"PMC{int(number)}", ids.get("doi", ""))
            corpus.add([parse_record(record)])
        added += 1
    return added


def _pubmed_record(root, pmid: str, pmcid: str, doi: str) -> bytes:
    """A minimal ``PubmedArticle`` for a real PMC article: title, year, journal, ids, and the
    references that carry a PMID."""
    meta = root.find("front/article-meta")
    title = "".join(meta.find("title-group/article-title").itertext()) if meta.find(
        "title-group/article-title") is not None else ""
    year = next((y.text.strip() for y in meta.iterfind("pub-date/year") if y.text and y.text.strip().isdigit()), "2000")
    journal = root.findtext("front/journal-meta/journal-title-group/journal-title") or \
        root.findtext("front/journal-meta/journal-title") or "Unknown journal"
    refs = []
    for node in root.iter("pub-id"):
        if node.get("pub-id-type") == "pmid" and (node.text or "").strip().isdigit():
            refs.append(node.text.strip())
    ref_xml = "".join(f'<Reference><Citation>Reference {p}.</Citation><ArticleIdList><ArticleId IdType="pubmed">'
                      f"{p}</ArticleId></ArticleIdList></Reference>" for p in dict.fromkeys(refs) if p != pmid)
    doi_xml = f'<ArticleId IdType="doi">{escape(doi)}</ArticleId>' if doi else ""
    return (
        f'<PubmedArticle><MedlineCitation Status="PubMed-not-MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        "<DateRevised><Year>2020</Year><Month>01</Month><Day>01</Day></DateRevised>"
        f'<Article PubModel="Electronic"><Journal><JournalIssue CitedMedium="Internet"><PubDate><Year>{year}</Year>'
        f"</PubDate></JournalIssue><Title>{escape(journal.strip())}</Title></Journal>"
        f"<ArticleTitle>{escape(' '.join(title.split()))}</ArticleTitle><Language>eng</Language>"
        '<PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType></PublicationTypeList>'
        "</Article></MedlineCitation><PubmedData><PublicationStatus>epublish</PublicationStatus><ArticleIdList>"
        f'<ArticleId IdType="pubmed">{pmid}</ArticleId>{doi_xml}<ArticleId IdType="pmc">{pmcid}</ArticleId>'
        f"</ArticleIdList><ReferenceList>{ref_xml}</ReferenceList></PubmedData></PubmedArticle>"
    ).encode("utf-8")

