"""The real update file read without citegraph: a plain lxml pass, and pubmed_parser's reading
of each record (the oracles the reader's tests compare with).

``plain_reading`` takes a whole core for a while, so the run starts it in a worker process as
soon as it knows a test will need it (tests/conftest.py), and goes on meanwhile.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from lxml import etree

#: the fields compared with citegraph's reader, as pubmed_parser gives them
COMPARED = ("pmid", "title", "year", "journal", "doi", "mesh", "author_count", "reference_pmids")


def pubmed_parser_fields(elem) -> dict:
    """pubmed_parser's own functions (as parse_article_info calls them), only for the compared
    fields: its whole parse_article_info also reads abstracts, chemicals, grants... and costs
    twice as much."""
    from pubmed_parser import medline_parser as mp  # test-only dependency
    from pubmed_parser.utils import stringify_children

    medline = elem.find("MedlineCitation")
    article = medline.find("Article")
    title = article.find("ArticleTitle")
    journal = article.find("Journal")
    return {
        "pmid": mp.parse_pmid(elem),
        "title": stringify_children(title).strip() if title is not None else "",
        "year": mp.date_extractor(journal, True),
        "journal": " ".join(journal.xpath("Title/text()")),
        "doi": mp.parse_doi(elem),
        "mesh": mp.parse_mesh_terms(medline),
        "author_count": len(mp.parse_author_affiliation(medline)),
        "reference_pmids": [r["pmid"] for r in mp.parse_references(elem, True) if r["pmid"]],
    }


def plain_reading(path: Path) -> dict:
    """Counts from a plain lxml pass over the file, and ``"pubmed_parser"``: pubmed_parser's
    fields of each ``PubmedArticle``, in file order."""
    plain = {"articles": 0, "deletions": [], "refs_with_pmid": 0, "top_level_refs_with_pmid": 0,
             "reference_pmids": 0, "medline_date_pmids": [], "dois": {}, "pubmed_parser": []}
    with gzip.open(path) as stream:
        for _, elem in etree.iterparse(stream, tag=("PubmedArticle", "DeleteCitation")):
            if elem.tag == "DeleteCitation":
                plain["deletions"].append([p.text for p in elem.findall("PMID")])
            else:
                pmid = elem.findtext("MedlineCitation/PMID")
                plain["pubmed_parser"].append(pubmed_parser_fields(elem))
                plain["articles"] += 1
                with_pmid = elem.xpath("PubmedData//Reference[ArticleIdList/ArticleId[@IdType='pubmed']]")
                plain["refs_with_pmid"] += len(with_pmid)
                plain["top_level_refs_with_pmid"] += len(
                    elem.xpath("PubmedData/ReferenceList/Reference[ArticleIdList/ArticleId[@IdType='pubmed']]")
                )
                cited = set(elem.xpath("PubmedData//Reference/ArticleIdList/ArticleId[@IdType='pubmed']/text()"))
                cited |= set(elem.xpath("MedlineCitation/CommentsCorrectionsList/"
                                        "CommentsCorrections[@RefType='Cites']/PMID/text()"))
                plain["reference_pmids"] += len({c.strip() for c in cited} - {pmid})
                if elem.find("MedlineCitation/Article/Journal/JournalIssue/PubDate/MedlineDate") is not None:
                    plain["medline_date_pmids"].append(pmid)
                doi = elem.xpath("string(PubmedData/ArticleIdList/ArticleId[@IdType='doi'])") or elem.xpath(
                    "string(MedlineCitation/Article/ELocationID[@EIdType='doi'][@ValidYN='Y'])"
                )
                plain["dois"][pmid] = doi.strip() or None
            elem.clear()
            while elem.getprevious() is not None:
                del elem.getparent()[0]
    return plain


def record_elements(xml: bytes, indexes: set[int]):
    """{i: the i-th ``PubmedArticle`` of the file's XML, parsed alone} for each i in ``indexes``."""
    wanted = {}
    for i, match in enumerate(re.finditer(rb"<PubmedArticle>", xml)):
        if i in indexes:
            end = xml.index(b"</PubmedArticle>", match.start()) + len(b"</PubmedArticle>")
            wanted[i] = etree.fromstring(xml[match.start():end])
    return wanted
