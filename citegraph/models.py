"""Plain data records shared by every layer: articles, authors, MeSH headings, references.

They hold text exactly as PubMed gives it (inline markup flattened to plain text); escaping
for a terminal, a spreadsheet or an export format is the presentation layer's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

__all__ = [
    "Author",
    "MeshHeading",
    "Reference",
    "CommentCorrection",
    "Article",
    "DeletedCitations",
    "Citation",
]


@dataclass(slots=True)
class Author:
    last_name: str = ""
    fore_name: str = ""
    initials: str = ""
    suffix: str = ""
    #: set instead of the name parts for a group author ("ATLAS Collaboration")
    collective_name: str = ""
    orcid: str = ""
    affiliations: list[str] = field(default_factory=list)
    equal_contrib: bool = False

    @property
    def display_name(self) -> str:
        """'Rosenberg SA' style, or the collective name."""
        if self.collective_name:
            return self.collective_name
        name = " ".join(p for p in (self.last_name, self.initials or self.fore_name) if p)
        return f"{name} {self.suffix}".strip() if self.suffix else name


@dataclass(slots=True)
class MeshHeading:
    descriptor: str
    ui: str = ""
    major: bool = False
    #: qualifier names; a qualifier marked major makes the heading major too
    qualifiers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Reference:
    """One entry of ``PubmedData/ReferenceList`` (or an old ``CommentsCorrections`` Cites)."""

    citation: str = ""
    pmid: str | None = None
    pmcid: str | None = None
    doi: str | None = None


@dataclass(slots=True)
class CommentCorrection:
    """A ``CommentsCorrections`` entry: RetractionIn, ErratumIn, CommentIn, Cites, ..."""

    ref_type: str
    pmid: str | None = None
    source: str = ""


@dataclass(slots=True)
class Article:
    pmid: str
    version: int = 1
    title: str = ""
    abstract: str = ""
    authors: list[Author] = field(default_factory=list)
    journal: str = ""
    journal_abbrev: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    year: int | None = None
    #: the publication date as PubMed wrote it ("1987 Apr 16", "1998 Dec-1999 Jan", "Spring")
    pub_date: str = ""
    doi: str | None = None
    pmcid: str | None = None
    pii: str | None = None
    language: str = ""
    publication_types: list[str] = field(default_factory=list)
    mesh: list[MeshHeading] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    comments_corrections: list[CommentCorrection] = field(default_factory=list)
    #: ``DateRevised`` as YYYY-MM-DD: decides which of two versions of a record is newer
    date_revised: str = ""
    #: True for ``PubmedBookArticle`` records
    is_book: bool = False
    # -- fidelity fields: the rest of what a record says; plain JSON-ready values, empty when
    # the record has none --
    #: the title in the original language (``VernacularTitle``)
    vernacular_title: str = ""
    #: a structured abstract's parts: [{"label", "category" (NLM category), "text"}]
    abstract_sections: list[dict] = field(default_factory=list)
    #: ``OtherAbstract`` elements: [{"type", "language", "text"}] (e.g. a Spanish abstract)
    other_abstracts: list[dict] = field(default_factory=list)
    #: the AuthorList's CompleteYN: False when PubMed says the list is incomplete
    authors_complete: bool = True
    issn_print: str = ""
    issn_electronic: str = ""
    issn_linking: str = ""
    #: electronic publication date (``ArticleDate``) as YYYY-MM-DD
    article_date: str = ""
    #: PubMed history dates by status: {"received": "2020-01-31", "pubmed": ..., "entrez": ...}
    history: dict = field(default_factory=dict)
    #: descriptor UIs of ``publication_types``, in the same order ("" when absent)
    publication_type_uis: list[str] = field(default_factory=list)
    #: [{"name", "ui", "registry_number"}]
    chemicals: list[dict] = field(default_factory=list)
    #: [{"id", "acronym", "agency", "country"}]
    grants: list[dict] = field(default_factory=list)
    #: ``ELocationID`` values by type: {"doi": "10.1/x", "pii": "e123"}
    elocation_ids: dict = field(default_factory=dict)
    #: the record's XML exactly as received (one ``PubmedArticle`` element), UTF-8
    raw_xml: bytes = field(default=b"", repr=False)

    @property
    def reference_pmids(self) -> list[str]:
        """PMIDs this article cites, in order, without duplicates or itself.

        Taken from the ReferenceList when there is one, and from the older
        ``CommentsCorrections RefType="Cites"`` entries as well.
        """
        seen: dict[str, None] = {}
        for ref in self.references:
            if ref.pmid and ref.pmid != self.pmid:
                seen.setdefault(ref.pmid, None)
        for cc in self.comments_corrections:
            if cc.ref_type == "Cites" and cc.pmid and cc.pmid != self.pmid:
                seen.setdefault(cc.pmid, None)
        return list(seen)

    @property
    def has_expression_of_concern(self) -> bool:
        return "Expression of Concern" in self.publication_types or any(
            cc.ref_type == "ExpressionOfConcernIn" for cc in self.comments_corrections
        )

    @property
    def is_retracted(self) -> bool:
        return "Retracted Publication" in self.publication_types or any(
            cc.ref_type == "RetractionIn" for cc in self.comments_corrections
        )

    def to_dict(self) -> dict:
        """A JSON-ready dict (without the raw XML).

        Hand-rolled rather than ``dataclasses.asdict``, which deep-copies every value: this
        runs once per stored record.
        """
        data = {name: getattr(self, name) for name in _names(Article) if name != "raw_xml"}
        for name in ("authors", "mesh", "references", "comments_corrections"):
            data[name] = [_shallow(item) for item in data[name]]
        for name, value in data.items():
            if type(value) is list and name not in ("authors", "mesh", "references", "comments_corrections"):
                data[name] = [dict(v) if type(v) is dict else v for v in value] if value else []
            elif type(value) is dict:
                data[name] = dict(value)
        return data

    @classmethod
    def from_dict(cls, data: dict, raw_xml: bytes = b"") -> "Article":
        """The inverse of :meth:`to_dict`; unknown keys (from a newer version) are ignored."""
        known = _names(cls)
        values = {k: v for k, v in data.items() if k in known}
        values["authors"] = [_build(Author, a) for a in values.get("authors", [])]
        values["mesh"] = [_build(MeshHeading, m) for m in values.get("mesh", [])]
        values["references"] = [_build(Reference, r) for r in values.get("references", [])]
        values["comments_corrections"] = [
            _build(CommentCorrection, c) for c in values.get("comments_corrections", [])
        ]
        values["raw_xml"] = raw_xml
        return cls(**values)


_NAMES: dict[type, tuple[str, ...]] = {}


def _names(kind: type) -> tuple[str, ...]:
    names = _NAMES.get(kind)
    if names is None:
        names = _NAMES[kind] = tuple(f.name for f in fields(kind))
    return names


def _shallow(item) -> dict:
    data = {name: getattr(item, name) for name in _names(type(item))}
    for name, value in data.items():
        if type(value) is list:
            data[name] = list(value)
    return data


def _build(kind, data: dict):
    known = _names(kind)
    return kind(**{k: v for k, v in data.items() if k in known})


@dataclass(slots=True)
class DeletedCitations:
    """A ``DeleteCitation`` element of an update file: these PMIDs are withdrawn."""

    pmids: list[str]


@dataclass(frozen=True, slots=True)
class Citation:
    """One edge of the graph: ``citing`` cites ``cited``; ``source`` says who told us."""

    citing: str
    cited: str
    source: str
