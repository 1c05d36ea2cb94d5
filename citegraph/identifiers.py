"""Recognise and normalise article identifiers typed by a user: PMID, DOI, PMCID."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InputError

__all__ = ["Identifier", "parse_identifier", "parse_pmid", "pmid_or_none"]

# PubMed ids are positive integers; the largest in use is around 4.1e7. Anything beyond
# 99,999,999 (NCBI's documented 8-digit space, with room) is a typo, not a paper.
_MAX_PMID = 99_999_999
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")
_PMCID = re.compile(r"^PMC(\d{1,9})$", re.IGNORECASE)
_PMID_PREFIX = re.compile(r"^(?:pmid:?\s*)", re.IGNORECASE)


@dataclass(frozen=True)
class Identifier:
    kind: str  # "pmid" | "doi" | "pmcid"
    value: str

    def __str__(self) -> str:
        return self.value


def pmid_or_none(text: str | None) -> str | None:
    """The one PMID rule: ASCII digits (surrounding whitespace ignored) for a number in
    1..99,999,999, given back as its canonical decimal string; None for anything else.

    Every PMID that comes from outside (typed, read from a file, sent by a server) passes
    here before it is stored, so a stored PMID always fits an SQLite INTEGER.
    """
    raw = (text or "").strip()
    if not raw.isascii() or not raw.isdigit():
        return None
    digits = raw.lstrip("0")
    if len(digits) > len(str(_MAX_PMID)):
        return None
    value = int(digits or "0")
    return str(value) if 0 < value <= _MAX_PMID else None


def parse_pmid(text: str) -> str:
    """A PMID as its canonical decimal string (``pmid:`` prefix allowed), or :class:`InputError`."""
    raw = _PMID_PREFIX.sub("", str(text).strip())
    if not raw.isdigit() or not raw.isascii():
        raise InputError(f"not a PubMed id: {text!r} (a PMID is a positive whole number)")
    value = pmid_or_none(raw)
    if value is None:
        raise InputError(f"not a PubMed id: {text!r} (out of range 1..{_MAX_PMID})")
    return value


def parse_identifier(text: str) -> Identifier:
    """Classify ``text`` as a PMID, DOI or PMCID; raise :class:`InputError` otherwise."""
    value = str(text).strip()
    if not value:
        raise InputError("empty identifier")
    lowered = value.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            value = value[len(prefix):].strip()
            break
    if _DOI.match(value):
        # DOIs are case-insensitive; PubMed stores them as registered, so keep the case
        return Identifier("doi", value)
    match = _PMCID.match(value)
    if match:
        return Identifier("pmcid", "PMC" + str(int(match.group(1))))
    if _PMID_PREFIX.sub("", value).isdigit():
        return Identifier("pmid", parse_pmid(value))
    raise InputError(f"not a PMID, DOI or PMCID: {text!r}")
