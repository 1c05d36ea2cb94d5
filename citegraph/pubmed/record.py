"""One PubMed record element (``PubmedArticle`` / ``PubmedBookArticle``) to an :class:`Article`.

:func:`article_from_element` and :func:`book_article_from_element` take the element and the
record's raw XML (kept as ``Article.raw_xml``) and return the article with every field PubMed
gives; a record without a usable PMID raises :class:`~citegraph.pubmed.text.BadRecord`. A
reference PMID or a date that is not one only loses that value. Fields are taken by plain
loops over an element's children (see :mod:`citegraph.pubmed.text`).
"""

from __future__ import annotations

from ..identifiers import pmid_or_none
from ..models import Article, Author, CommentCorrection, MeshHeading, Reference
from .text import (BadRecord, child_text, child_texts, element_text, first_child, iso_date, normalize_orcid,
                   not_a_pmid, pub_date, whole_number)

__all__ = ["article_from_element", "book_article_from_element"]


# --------------------------------------------------------------------------- record parts


def _abstract(elem, sections: list | None = None) -> str:
    """Abstract paragraphs; a structured one as 'LABEL: text' lines (parts into ``sections``)."""
    paragraphs = []
    for part in elem:
        if part.tag != "AbstractText":
            continue  # CopyrightInformation
        text = element_text(part)
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
                author.last_name = element_text(child)
            elif tag == "ForeName" or tag == "FirstName":
                author.fore_name = element_text(child)
            elif tag == "Initials":
                author.initials = element_text(child)
            elif tag == "AffiliationInfo":
                affiliation = child_text(child, "Affiliation")
                if affiliation:
                    author.affiliations.append(affiliation)
            elif tag == "Identifier":
                if (child.get("Source") or "").upper() == "ORCID" and not author.orcid:
                    author.orcid = normalize_orcid(child.text or "")
            elif tag == "Suffix":
                author.suffix = element_text(child)
            elif tag == "CollectiveName":
                author.collective_name = element_text(child)
        authors.append(author)
    return authors


def _mesh(mesh_list) -> list[MeshHeading]:
    headings = []
    for node in mesh_list:
        heading = None
        for child in node:
            if child.tag == "DescriptorName":
                heading = MeshHeading(element_text(child), child.get("UI", ""), child.get("MajorTopicYN") == "Y")
                headings.append(heading)
            elif child.tag == "QualifierName" and heading is not None:
                heading.qualifiers.append(element_text(child))
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
            ref.citation = element_text(node)
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
                source = element_text(part)
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
    article.version = whole_number(node.get("Version", "1"), 4) or 1


def _pagination(node, article: Article) -> None:
    parts = child_texts(node)
    start, end = parts.get("StartPage", ""), parts.get("EndPage", "")
    article.pages = parts.get("MedlinePgn") or (f"{start}-{end}" if start and end else start or end)


def _journal(journal, article: Article) -> None:
    for part in journal:
        tag = part.tag
        if tag == "Title":
            article.journal = element_text(part)
        elif tag == "ISOAbbreviation":
            article.journal_abbrev = element_text(part)
        elif tag == "ISSN":
            if part.get("IssnType") == "Electronic":
                article.issn_electronic = (part.text or "").strip()
            else:
                article.issn_print = (part.text or "").strip()
        elif tag == "JournalIssue":
            for item in part:
                if item.tag == "Volume":
                    article.volume = element_text(item)
                elif item.tag == "Issue":
                    article.issue = element_text(item)
                elif item.tag == "PubDate":
                    article.pub_date, article.year = pub_date(item)


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
            article.title = element_text(child)
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
                parts = child_texts(grant)
                article.grants.append({"id": parts.get("GrantID", ""), "acronym": parts.get("Acronym", ""),
                                       "agency": parts.get("Agency", ""), "country": parts.get("Country", "")})
        elif tag == "Language":
            if not article.language and child.text:
                article.language = child.text.strip()
        elif tag == "PublicationTypeList":
            article.publication_types = [element_text(p) for p in child]
            article.publication_type_uis = [p.get("UI", "") for p in child]
        elif tag == "ArticleDate":
            if not article.article_date:
                article.article_date = iso_date(child)
            if article.year is None:
                _, article.year = pub_date(child)
        elif tag == "VernacularTitle":
            vernacular = article.vernacular_title = element_text(child)
        elif tag == "Affiliation":  # before 2014 the first author's affiliation sat here
            old_affiliation = element_text(child)
    if not article.title and vernacular:
        article.title = vernacular
    if old_affiliation and article.authors and not article.authors[0].affiliations:
        article.authors[0].affiliations.append(old_affiliation)


def _history(history, article: Article) -> None:
    """PubMed history dates by status (the first date of each status wins)."""
    for date in history:
        status = date.get("PubStatus")
        if status and status not in article.history:
            article.history[status] = iso_date(date)


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
                article.date_revised = iso_date(child)
            elif tag == "KeywordList":
                article.keywords.extend(k for k in map(element_text, child) if k)
            elif tag == "MedlineJournalInfo":
                info = child_texts(child)
                medline_ta = info.get("MedlineTA", "")
                article.issn_linking = info.get("ISSNLinking", "")
            elif tag == "ChemicalList":
                for chem in child:
                    name = first_child(chem, "NameOfSubstance")
                    article.chemicals.append({
                        "name": element_text(name) if name is not None else "",
                        "ui": name.get("UI", "") if name is not None else "",
                        "registry_number": child_text(chem, "RegistryNumber"),
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
    document = first_child(elem, "BookDocument")
    for child in document if document is not None else ():
        tag = child.tag
        if tag == "PMID":
            _pmid(child, article)
        elif tag == "ArticleIdList":
            _article_ids(child, article)
        elif tag == "Book":
            for part in child:
                if part.tag == "BookTitle":
                    book_title = element_text(part)
                elif part.tag == "PubDate":
                    article.pub_date, article.year = pub_date(part)
                elif part.tag == "Volume":
                    article.volume = element_text(part)
                elif part.tag == "AuthorList":
                    (editors if part.get("Type") == "editors" else book_authors).extend(_authors(part))
        elif tag == "ArticleTitle":
            article.title = element_text(child)
        elif tag == "AuthorList":
            if child.get("Type") != "editors":
                article.authors.extend(_authors(child))
        elif tag == "Abstract":
            article.abstract = _abstract(child, article.abstract_sections)
        elif tag == "Language":
            if not article.language and child.text:
                article.language = child.text.strip()
        elif tag == "PublicationType":
            article.publication_types.append(element_text(child))
            article.publication_type_uis.append(child.get("UI", ""))
        elif tag == "Pagination":
            _pagination(child, article)
        elif tag == "KeywordList":
            article.keywords.extend(k for k in map(element_text, child) if k)
        elif tag == "DateRevised":
            article.date_revised = iso_date(child)
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
    data = first_child(elem, "PubmedBookData")
    if data is not None:
        for child in data:
            if child.tag == "ArticleIdList":
                _article_ids(child, article)
            elif child.tag == "History":
                _history(child, article)
    return article
