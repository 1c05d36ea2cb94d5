"""BibTeX, laid out by ``bibtexparser`` (version 2) from values escaped here.

bibtexparser's own LaTeX encoder (pylatexenc) turns ``"`` into ``''`` and cannot say an
unbalanced brace, so values are escaped by :func:`latex_escape` instead: the characters
LaTeX treats specially (``\\ { } % # & $ _ ^ ~``) become their LaTeX commands, ligature pairs
(``--``, ``''``, ``!```) are split with ``{}``, text goes through
:func:`~citegraph.exports.fields.flat` (no control or bidi character), and non-ASCII text
stays UTF-8 (biber, Zotero, JabRef and bibtexparser read it).

Braces: BibTeX, pybtex and biber count every brace in a value, escaped (``\\{``) or not, to
find where the value ends. So a brace in the text is written as ``\\{``/``\\}`` only when it
has a partner (the pairs nest, so the count stays balanced) and an unmatched brace is
dropped: no value can end early, swallow the fields after it, or forge an entry, and every
reader sees the same entries and fields. Reading back with
bibtexparser's ``LatexDecodingMiddleware`` gives the original text (pylatexenc reads
``\\textasciicircum`` as U+02C6 MODIFIER LETTER CIRCUMFLEX rather than ``^``).

Entry key ``pmid<PMID>``; fields title, author ("Family, Given and ..."; group authors in
braces), journal, year, volume, number, pages, doi, pmid, pmcid, abstract, keywords (MeSH),
url, note ("Retracted publication (retraction notice: PMID ...)" for a retracted paper, and
"citegraph sources: ..." naming the sources that found the paper), and the provenance in
``citegraph_seeds``, ``citegraph_generation``, ``citegraph_path``.
"""

from __future__ import annotations

from typing import IO

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field

from ..models import Article
from .fields import article_year, author_names, first_last_page, flat, pubmed_url, retraction_note, sources_note
from .selection import Provenance, Selection

__all__ = ["write_bibtex", "bibtex_entry", "latex_escape"]

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#", "&": r"\&",
            "$": r"\$", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}"}
# LaTeX ligatures: "--" is a dash, "''" a quote, "!`" an inverted mark, "<<" a guillemet
_LIGATURE_AFTER = "-`'!?<>,"


def _unmatched_braces(text: str) -> set[int]:
    """Positions of the braces in ``text`` that have no partner."""
    opened: list[int] = []
    unmatched: set[int] = set()
    for index, char in enumerate(text):
        if char == "{":
            opened.append(index)
        elif char == "}":
            if opened:
                opened.pop()
            else:
                unmatched.add(index)
    return unmatched | set(opened)


def latex_escape(text: str) -> str:
    """``text`` as a BibTeX field value (see the module docstring)."""
    out: list[str] = []
    previous = ""
    text = flat(text)
    unmatched = _unmatched_braces(text)
    for index, char in enumerate(text):
        if index in unmatched:
            continue
        if char in "-`'<>," and previous and previous in _LIGATURE_AFTER:
            out.append("{}")
        out.append(_SPECIAL.get(char, char))
        previous = char
    return "".join(out)


def _author(article_author) -> str:
    family, given = (latex_escape(n) for n in author_names(article_author))
    if article_author.collective_name:
        return "{" + family + "}"
    # braces keep a family name with " and " or a comma in one piece
    if " and " in family.lower() or "," in family:
        family = "{" + family + "}"
    return f"{family}, {given}" if given else family


def bibtex_entry(article: Article, prov: Provenance) -> Entry:
    first, last = first_last_page(article.pages)
    pages = latex_escape(first) + ("--" + latex_escape(last) if last else "")
    values = [
        ("title", latex_escape(article.title)),
        ("author", " and ".join(_author(a) for a in article.authors)),
        ("journal", latex_escape(article.journal)),
        ("year", article_year(article)),
        ("volume", latex_escape(article.volume)),
        ("number", latex_escape(article.issue)),
        ("pages", pages),
        ("doi", latex_escape(article.doi or "")),
        ("pmid", article.pmid),
        ("pmcid", latex_escape(article.pmcid or "")),
        ("abstract", latex_escape(article.abstract)),
        ("keywords", ", ".join(latex_escape(m.descriptor) for m in article.mesh)),
        ("url", pubmed_url(article.pmid)),
        ("note", latex_escape("; ".join(n for n in (retraction_note(article), sources_note(prov)) if n))),
    ]
    if prov.known:
        values += [("citegraph_seeds", " ".join(prov.seeds)), ("citegraph_generation", str(prov.generation)),
                   ("citegraph_path", " ".join(prov.path))]
    return Entry("article", f"pmid{article.pmid}", [Field(k, v) for k, v in values if v])


def write_bibtex(selection: Selection, stream: IO[str]) -> int:
    library = Library()
    for article in selection.articles:
        library.add(bibtex_entry(article, selection.provenance_of(article.pmid)))
    stream.write(bibtexparser.write_string(library))
    return len(selection.articles)
