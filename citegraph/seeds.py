"""Read seed identifiers (PMID, DOI, PMCID) from the files users bring.

Recognised, by content (the file name's extension only breaks ties):
- a PubMed MEDLINE / ``.nbib`` export (a line starting ``PMID- ``), read with ``Bio.Medline``:
  PMID, else the DOI of ``LID``/``AID`` ``... [doi]``, else ``PMC``;
- RIS (a line starting ``TY  - ``), read with ``rispy``: ``AN`` when it is a PMID, a
  ``PMID: N`` in the notes, else ``DO``, else a PMCID in ``C2``;
- BibTeX (an ``@type{`` entry), read with ``bibtexparser``: ``pmid``, else ``doi``, else
  ``pmcid`` (also an ``eprint`` with ``eprinttype = {pubmed}``);
- CSV or TSV with a header naming a ``pmid``, ``doi`` or ``pmcid`` column (case and spacing
  ignored; "PubMed ID" counts), read with ``csv``: per row the PMID, else the DOI, else the PMCID;
- anything else: a plain list, one or more identifiers per line, ``#`` starting a comment.

Returned as identifier strings, in file order, for :func:`citegraph.resolve.resolve_identifiers`;
records that carry none of the three (and BibTeX blocks that do not parse) are counted in
:attr:`SeedFile.skipped`. A value that is no identifier (``abc``, ``10.12/``) does not stop the
rest: it is left out and listed in :attr:`SeedFile.bad` with its line number (for MEDLINE, RIS
and BibTeX, the first line where the value appears).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .identifiers import parse_identifier

__all__ = ["SeedFile", "read_seed_file", "parse_seed_text"]

_MEDLINE = re.compile(r"^PMID- ", re.MULTILINE)
_RIS = re.compile(r"^TY  - ", re.MULTILINE)
_BIBTEX = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_PMID_NOTE = re.compile(r"\bPMID:?\s*(\d{1,9})\b", re.IGNORECASE)
_DOI_TAG = re.compile(r"^(\S+)\s*\[doi\]\s*$", re.IGNORECASE)
_PMCID = re.compile(r"\bPMC\d{1,9}\b", re.IGNORECASE)
_COLUMNS = {"pmid": "pmid", "pubmedid": "pmid", "pubmed": "pmid", "doi": "doi", "pmcid": "pmcid", "pmc": "pmcid"}


@dataclass
class SeedFile:
    #: "medline", "ris", "bibtex", "csv" or "list"
    format: str
    identifiers: list[str]
    #: records (or rows) without any identifier
    skipped: int = 0
    #: values that are no identifier, left out: (line number, 1-based; why)
    bad: list[tuple[int, str]] = field(default_factory=list)


def read_seed_file(path: Path | str) -> SeedFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"seed file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"cannot read seed file {path}: {exc.strerror or exc}") from None
    return parse_seed_text(text, name=path.name)


def parse_seed_text(text: str, name: str = "") -> SeedFile:
    """Detect the format of ``text`` (``name`` is the file name, for the tie-breaks) and read it."""
    suffix = Path(name).suffix.lower()
    if _MEDLINE.search(text) and suffix not in (".ris", ".bib", ".csv", ".tsv"):
        return _medline(text)
    if _RIS.search(text) and suffix not in (".bib", ".csv", ".tsv"):
        return _ris(text)
    if _BIBTEX.search(text) and suffix not in (".csv", ".tsv"):
        return _bibtex(text)
    table = _csv(text, suffix)
    if table is not None:
        return table
    return _plain(text)


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and value.strip():
            return value.strip()
    return None


def _collect(fmt: str, candidates: list[str | None], text: str, lines: list[int] | None = None) -> SeedFile:
    """The identifiers among ``candidates``; ``lines`` gives each one's line number (without
    it, a bad value is placed at the first line holding it)."""
    result = SeedFile(fmt, [])
    for index, value in enumerate(candidates):
        if not value:
            result.skipped += 1
            continue
        try:
            parse_identifier(value)
        except InputError as exc:
            line = lines[index] if lines is not None else _line_of(text, value)
            result.bad.append((line, str(exc)))
            continue
        result.identifiers.append(value)
    return result


def _line_of(text: str, value: str) -> int:
    at = text.find(value)
    return text.count("\n", 0, at) + 1 if at >= 0 else 0


def _medline(text: str) -> SeedFile:
    from Bio import Medline

    candidates = []
    for record in Medline.parse(io.StringIO(text)):
        dois = [m.group(1) for v in (record.get("LID", ""), *record.get("AID", []))
                for m in [_DOI_TAG.match(v.strip())] if m]
        candidates.append(_first(record.get("PMID"), *dois, record.get("PMC")))
    return _collect("medline", candidates, text)


def _ris(text: str) -> SeedFile:
    import rispy

    try:
        entries = rispy.loads(text)
    except Exception as exc:  # rispy raises plain IOError/ValueError on a malformed file
        raise InputError(f"cannot read the RIS seed file: {exc}") from None
    candidates = []
    for entry in entries:
        accession = str(entry.get("accession_number", "")).strip()
        pmid = accession if accession.isdigit() else None
        if pmid is None:
            for note in (*entry.get("notes", []), entry.get("note", "")):
                match = _PMID_NOTE.search(str(note))
                if match:
                    pmid = match.group(1)
                    break
        pmcid = _PMCID.search(str(entry.get("custom2", "")))
        candidates.append(_first(pmid, entry.get("doi"), pmcid.group(0) if pmcid else None))
    return _collect("ris", candidates, text)


def _bibtex(text: str) -> SeedFile:
    import bibtexparser

    from bibtexparser.middlewares import LatexDecodingMiddleware

    splitter_log = logging.getLogger("bibtexparser.splitter")
    level = splitter_log.level
    splitter_log.setLevel(logging.CRITICAL)  # it logs each broken block to stderr; we count them
    try:
        library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    finally:
        splitter_log.setLevel(level)
    if library.failed_blocks and not library.entries:
        raise InputError("cannot read the BibTeX seed file: no entry could be parsed")
    candidates: list[str | None] = [None] * len(library.failed_blocks)
    for entry in library.entries:
        fields = {f.key.lower(): str(f.value).strip() for f in entry.fields}
        eprint = fields.get("eprint") if fields.get("eprinttype", "").lower() == "pubmed" else None
        doi = fields.get("doi", "").replace("\\_", "_") or None
        candidates.append(_first(fields.get("pmid"), eprint, doi, fields.get("pmcid")))
    return _collect("bibtex", candidates, text)


def _csv(text: str, suffix: str) -> SeedFile | None:
    lines = text.splitlines()
    if not lines:
        return None
    header = lines[0]
    delimiter = "\t" if suffix == ".tsv" or ("\t" in header and "," not in header) else (
        ";" if ";" in header and "," not in header else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        names = next(reader)
    except (StopIteration, csv.Error):
        return None
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        key = re.sub(r"[\s_\-]", "", name.strip().lower())
        kind = _COLUMNS.get(key)
        if kind and kind not in columns:
            columns[kind] = index
    if not columns:
        return None
    candidates = []
    lines: list[int] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            cell = lambda kind: row[columns[kind]].strip().lstrip("'") if kind in columns and columns[kind] < len(row) else None  # noqa: E731,E501
            candidates.append(_first(cell("pmid"), cell("doi"), cell("pmcid")))
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(f"cannot read the CSV seed file (line {reader.line_num}): {exc}") from None
    return _collect("csv", candidates, text, lines)


def _plain(text: str) -> SeedFile:
    seeds: list[str] = []
    lines: list[int] = []
    for number, line in enumerate(text.split("\n"), 1):  # line numbers as editors count them
        parts = line.split("#", 1)[0].replace(",", " ").split()
        seeds.extend(parts)
        lines.extend([number] * len(parts))
    return _collect("list", seeds, text, lines)
