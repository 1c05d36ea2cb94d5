"""One PubMed record element (``PubmedArticle`` / ``PubmedBookArticle``) to an :class:`Article`.

The reading half of :mod:`citegraph.pubmed_xml`, which owns the input, the streaming and the
error messages. Speed matters here (a baseline file has 30,000 records): fields are taken by
plain loops over an element's children, since ``find``/``findtext``/XPath cost several times
more per call.

Text comes out plain: inline markup (``i b sup sub u``) flattened, MathML reduced to the text of
its token elements, XML layout whitespace collapsed (typographic spaces such as U+2009 kept).
"""

from __future__ import annotations

import re

from .errors import ParseError
from .identifiers import pmid_or_none
from .models import Article, Author, CommentCorrection, MeshHeading, Reference

__all__ = ["BadRecord", "article_from_element", "book_article_from_element", "not_a_pmid", "plain_text"]

_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_MATH_TOKENS = frozenset({"mi", "mn", "mo", "mtext", "ms"})
_WS = re.compile(r"[ \t\r\n]+")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)", re.ASCII)
_ORCID = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])(?![\dXx])")
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}


# --------------------------------------------------------------------------- text helpers


def plain_text(text: str) -> str:
    """Collapse XML whitespace runs (not typographic spaces such as U+2009) and strip."""
    if "\n" in text or "  " in text or "\t" in text or "\r" in text:
        text = _WS.sub(" ", text)
    return text.strip(" ")


def _text(elem) -> str:
    """Plain text of a mixed-content element: markup flattened, MathML as its token text."""
    if not len(elem):  # the common case, kept inline: no markup inside
        text = elem.text
        if not text:
            return ""
        if "\n" in text or "  " in text or "\t" in text or "\r" in text:
            text = _WS.sub(" ", text)
        return text.strip(" ") if text[0] == " " or text[-1] == " " else text
    parts: list[str] = []
    _collect(elem, parts)
    return plain_text("".join(parts))


def _collect(elem, parts: list[str]) -> None:
    if elem.text:
        parts.append(elem.text)
    for child in elem:
        tag = child.tag
        if isinstance(tag, str):  # skips unexpanded entity references
            if tag == "math" or tag.startswith(_MATHML):
                _collect_math(child, parts)
            else:
                _collect(child, parts)
        if child.tail:
            parts.append(child.tail)


def _collect_math(elem, parts: list[str]) -> None:
    """MathML: the text of token elements only; layout whitespace between them dropped."""
    for node in elem.iter():
        tag = node.tag
        if not isinstance(tag, str) or not node.text:
            continue
        local = tag.rpartition("}")[2]
        if local == "mtext":
            parts.append(node.text)
        elif local in _MATH_TOKENS:
            parts.append(node.text.strip())


def _first(elem, tag: str):
    """The first child named ``tag`` (a plain loop: ``find`` costs 3x more per call)."""
    for child in elem:
        if child.tag == tag:
            return child
    return None


def _child_text(elem, tag: str) -> str:
    for child in elem:
        if child.tag == tag:
            return _text(child)
    return ""


def _child_texts(elem) -> dict[str, str]:
    """{tag: plain text} of the simple children of a small element (dates, pagination)."""
    return {child.tag: _text(child) for child in elem}


def _normalize_orcid(value: str) -> str:
    match = _ORCID.search(value.replace(" ", ""))
    return "-".join(match.groups()).upper() if match else ""


class BadRecord(ParseError):
    """This one record cannot be stored (no PMID, or one that is not a PubMed id); the
    records around it can."""


def _number(text: str, digits: int) -> int | None:
    """A whole number of at most ``digits`` ASCII digits (a year, a month, a version), else None."""
    return int(text) if 0 < len(text) <= digits and text.isascii() and text.isdigit() else None


def not_a_pmid(text: str) -> str:
    """The message for a PMID that fails :func:`~citegraph.identifiers.pmid_or_none` (the
    untrusted text shown short, on one line, its control characters escaped)."""
    text = plain_text(text)
    return f"PMID {text if len(text) <= 40 else text[:40] + '...'!r} is not a PubMed id"


# --------------------------------------------------------------------------- dates


def _pub_date(elem) -> tuple[str, int | None]:
    """(date as PubMed wrote it, year) from a PubDate-like element."""
    if elem is None:
        return "", None
    parts = _child_texts(elem)
    medline = parts.get("MedlineDate")
    if medline:
        match = _YEAR.search(medline)
        return medline, int(match.group(1)) if match else None
    year = parts.get("Year", "")
    text = " ".join(p for p in (year, parts.get("Season") or parts.get("Month"), parts.get("Day")) if p)
    return text, _number(year, 4)


def _iso_date(elem) -> str:
    """YYYY-MM-DD from a Year/Month/Day element (month may be a number or a name)."""
    year = month = day = ""
    for child in elem:  # plain text only in these (no markup): .text is enough
        tag = child.tag
        if tag == "Year":
            year = (child.text or "").strip()
        elif tag == "Month":
            month = (child.text or "").strip()
        elif tag == "Day":
            day = (child.text or "").strip()
    if _number(year, 4) is None:
        return ""
    month_no = _number(month, 2) or _MONTHS.get(month[:3].lower(), 0)
    if not month_no:
        return year
    day_no = _number(day, 2)
    if not day_no:
        return f"{year}-{month_no:02d}"
    return f"{year}-{month_no:02d}-{day_no:02d}"


# --------------------------------------------------------------------------- record parts


def _abstract(elem, sections: list | None = None) -> str:
    """Abstract paragraphs; a structured one as 'LABEL: text' lines (parts into ``sections``)."""
    paragraphs = []
    for part in elem:
        if part.tag != "AbstractText":
            continue  # CopyrightInformation
        text = _text(part)
        label = (part.get("Label") or "").strip()
        if label and text:
            paragraphs.append(f"{label}: {text}")
        elif text or label:
            paragraphs.append(text or label)
        if sections is not None and (label or part.get("NlmCategory")):
            sections.append({"label": label, "category": part.get("NlmCategory") or "", "text": text})
    return "\n".join(paragraphs)


def _authors(author_list) -> list[Author]:
    authors = []
    for node in author_list:
        if node.tag != "Author" or node.get("ValidYN") == "N":
            continue  # ValidYN="N": a misspelling PubMed keeps next to the corrected name
        author = Author(equal_contrib=node.get("EqualContrib") == "Y")
        for child in node:
            tag = child.tag
            if tag == "LastName":
                author.last_name = _text(child)
            elif tag == "ForeName" or tag == "FirstName":
                author.fore_name = _text(child)
            elif tag == "Initials":
                author.initials = _text(child)
            elif tag == "AffiliationInfo":
                affiliation = _child_text(child, "Affiliation")
                if affiliation:
                    author.affiliations.append(affiliation)
            elif tag == "Identifier":
                if (child.get("Source") or "").upper() == "ORCID" and not author.orcid:
                    author.orcid = _normalize_orcid(child.text or "")
            elif tag == "Suffix":
                author.suffix = _text(child)
            elif tag == "CollectiveName":
                author.collective_name = _text(child)
        authors.append(author)
    return authors


def _mesh(mesh_list) -> list[MeshHeading]:
    headings = []
    for node in mesh_list:
        heading = None
        for child in node:
            if child.tag == "DescriptorName":
                heading = MeshHeading(_text(child), child.get("UI", ""), child.get("MajorTopicYN") == "Y")
                headings.append(heading)
            elif child.tag == "QualifierName" and heading is not None:
                heading.qualifiers.append(_text(child))
                if child.get("MajorTopicYN") == "Y":
                    heading.major = True
    return headings


def _references(reference_list, into: list[Reference]) -> None:
    """Every Reference of a (possibly nested) ReferenceList, in one pass over the subtree."""
    ref = None
    for node in reference_list.iter("Reference", "Citation", "ArticleId"):
        tag = node.tag
        if tag == "Reference":
            ref = Reference()
            into.append(ref)
        elif ref is None:
            continue
        elif tag == "Citation":
            ref.citation = _text(node)
        else:
            value = node.text
            if not value:
                continue
            kind = node.get("IdType")
            if kind == "pubmed":
                if ref.pmid is None:
                    ref.pmid = pmid_or_none(value)  # a value that is no PMID is dropped
            elif kind == "pmc":
                ref.pmcid = ref.pmcid or value.strip() or None
            elif kind == "doi":
                ref.doi = ref.doi or value.strip() or None


def _comments_corrections(cc_list, into: list[CommentCorrection]) -> None:
    """Every CommentsCorrections entry (a record citing older ones has dozens: kept lean)."""
    for cc in cc_list:
        pmid = source = ""
        for part in cc:
            tag = part.tag
            if tag == "PMID":  # digits only, no markup
                pmid = (part.text or "").strip()
            elif tag == "RefSource":
                source = _text(part)
        into.append(CommentCorrection(cc.get("RefType", ""), pmid_or_none(pmid), source))


def _article_ids(id_list, article: Article) -> None:
    """doi / pmcid / pii from an ArticleIdList that belongs to the record itself."""
    for aid in id_list:
        kind = aid.get("IdType")
        value = (aid.text or "").strip()
        if not value:
            continue
        if kind == "doi" and not article.doi:
            article.doi = value
        elif kind == "pmc" and not article.pmcid:
            article.pmcid = value
        elif kind == "pii" and not article.pii:
            article.pii = value


def _pmid(node, article: Article) -> None:
    text = node.text or ""
    article.pmid = pmid_or_none(text) or ""
    if not article.pmid and text.strip():
        raise BadRecord(not_a_pmid(text))
    article.version = _number(node.get("Version", "1"), 4) or 1


def _pagination(node, article: Article) -> None:
    parts = _child_texts(node)
    start, end = parts.get("StartPage", ""), parts.get("EndPage", "")
    article.pages = parts.get("MedlinePgn") or (f"{start}-{end}" if start and end else start or end)


def _journal(journal, article: Article) -> None:
    for part in journal:
        tag = part.tag
        if tag == "Title":
            article.journal = _text(part)
        elif tag == "ISOAbbreviation":
            article.journal_abbrev = _text(part)
        elif tag == "ISSN":
            if part.get("IssnType") == "Electronic":
                article.issn_electronic = (part.text or "").strip()
            else:
                article.issn_print = (part.text or "").strip()
        elif tag == "JournalIssue":
            for item in part:
                if item.tag == "Volume":
                    article.volume = _text(item)
                elif item.tag == "Issue":
                    article.issue = _text(item)
                elif item.tag == "PubDate":
                    article.pub_date, article.year = _pub_date(item)


def _journal_article(art, article: Article, elocations: dict[str, str]) -> None:
    """The MedlineCitation/Article element: title, journal, pages, abstract, authors..."""
    old_affiliation = vernacular = ""
    for child in art:
        tag = child.tag
        if tag == "AuthorList":
            article.authors.extend(_authors(child))
            if child.get("CompleteYN") == "N":
                article.authors_complete = False
        elif tag == "Journal":
            _journal(child, article)
        elif tag == "ArticleTitle":
            article.title = _text(child)
        elif tag == "Abstract":
            article.abstract = _abstract(child, article.abstract_sections)
        elif tag == "Pagination":
            _pagination(child, article)
        elif tag == "ELocationID":
            kind = child.get("EIdType", "")
            if child.get("ValidYN") != "N" and child.text and kind not in elocations:
                elocations[kind] = child.text.strip()
        elif tag == "GrantList":
            for grant in child:
                parts = _child_texts(grant)
                article.grants.append({"id": parts.get("GrantID", ""), "acronym": parts.get("Acronym", ""),
                                       "agency": parts.get("Agency", ""), "country": parts.get("Country", "")})
        elif tag == "Language":
            if not article.language and child.text:
                article.language = child.text.strip()
        elif tag == "PublicationTypeList":
            article.publication_types = [_text(p) for p in child]
            article.publication_type_uis = [p.get("UI", "") for p in child]
        elif tag == "ArticleDate":
            if not article.article_date:
                article.article_date = _iso_date(child)
            if article.year is None:
                _, article.year = _pub_date(child)
        elif tag == "VernacularTitle":
            vernacular = article.vernacular_title = _text(child)
        elif tag == "Affiliation":  # before 2014 the first author's affiliation sat here
            old_affiliation = _text(child)
    if not article.title and vernacular:
        article.title = vernacular
    if old_affiliation and article.authors and not article.authors[0].affiliations:
        article.authors[0].affiliations.append(old_affiliation)


def _history(history, article: Article) -> None:
    """PubMed history dates by status (the first date of each status wins)."""
    for date in history:
        status = date.get("PubStatus")
        if status and status not in article.history:
            article.history[status] = _iso_date(date)


def article_from_element(elem, raw: bytes) -> Article:
    """A PubmedArticle element."""
    article = Article(pmid="", raw_xml=raw)
    elocations: dict[str, str] = {}
    medline_ta = ""
    data = None
    for part in elem:
        if part.tag == "PubmedData":
            data = part
        elif part.tag != "MedlineCitation":
            continue
        for child in part:
            tag = child.tag
            if tag == "Article":
                _journal_article(child, article, elocations)
            elif tag == "PMID":
                _pmid(child, article)
            elif tag == "MeshHeadingList":
                article.mesh = _mesh(child)
            elif tag == "CommentsCorrectionsList":
                _comments_corrections(child, article.comments_corrections)
            elif tag == "DateRevised":
                article.date_revised = _iso_date(child)
            elif tag == "KeywordList":
                article.keywords.extend(k for k in map(_text, child) if k)
            elif tag == "MedlineJournalInfo":
                info = _child_texts(child)
                medline_ta = info.get("MedlineTA", "")
                article.issn_linking = info.get("ISSNLinking", "")
            elif tag == "ChemicalList":
                for chem in child:
                    name = _first(chem, "NameOfSubstance")
                    article.chemicals.append({
                        "name": _text(name) if name is not None else "",
                        "ui": name.get("UI", "") if name is not None else "",
                        "registry_number": _child_text(chem, "RegistryNumber"),
                    })
            elif tag == "OtherAbstract":
                article.other_abstracts.append({"type": child.get("Type", ""), "language": child.get("Language", ""),
                                                "text": _abstract(child)})
    if not article.pmid:
        raise BadRecord("PubmedArticle without a PMID")
    if data is not None:
        for child in data:
            if child.tag == "ReferenceList":
                _references(child, article.references)
            elif child.tag == "ArticleIdList":
                _article_ids(child, article)
            elif child.tag == "History":
                _history(child, article)
    article.journal_abbrev = article.journal_abbrev or medline_ta
    article.elocation_ids = elocations
    article.doi = article.doi or elocations.get("doi")
    article.pii = article.pii or elocations.get("pii")
    return article


def book_article_from_element(elem, raw: bytes) -> Article:
    """A PubmedBookArticle element (a book or a chapter, e.g. a GeneReviews entry)."""
    article = Article(pmid="", is_book=True, raw_xml=raw)
    book_title = ""
    book_authors: list[Author] = []
    editors: list[Author] = []
    document = _first(elem, "BookDocument")
    for child in document if document is not None else ():
        tag = child.tag
        if tag == "PMID":
            _pmid(child, article)
        elif tag == "ArticleIdList":
            _article_ids(child, article)
        elif tag == "Book":
            for part in child:
                if part.tag == "BookTitle":
                    book_title = _text(part)
                elif part.tag == "PubDate":
                    article.pub_date, article.year = _pub_date(part)
                elif part.tag == "Volume":
                    article.volume = _text(part)
                elif part.tag == "AuthorList":
                    (editors if part.get("Type") == "editors" else book_authors).extend(_authors(part))
        elif tag == "ArticleTitle":
            article.title = _text(child)
        elif tag == "AuthorList":
            if child.get("Type") != "editors":
                article.authors.extend(_authors(child))
        elif tag == "Abstract":
            article.abstract = _abstract(child, article.abstract_sections)
        elif tag == "Language":
            if not article.language and child.text:
                article.language = child.text.strip()
        elif tag == "PublicationType":
            article.publication_types.append(_text(child))
            article.publication_type_uis.append(child.get("UI", ""))
        elif tag == "Pagination":
            _pagination(child, article)
        elif tag == "KeywordList":
            article.keywords.extend(k for k in map(_text, child) if k)
        elif tag == "DateRevised":
            article.date_revised = _iso_date(child)
        elif tag == "ReferenceList":
            _references(child, article.references)
    if not article.pmid:
        raise BadRecord("PubmedBookArticle without a PMID")
    if article.title:
        article.journal = book_title  # a chapter: the book is its container
    else:
        article.title = book_title
    if not article.authors:  # a whole book: its authors, else (GeneReviews) its editors
        article.authors = book_authors or editors
    data = _first(elem, "PubmedBookData")
    if data is not None:
        for child in data:
            if child.tag == "ArticleIdList":
                _article_ids(child, article)
            elif child.tag == "History":
                _history(child, article)
    return article
