"""What an E-utilities request may carry: ids and DOIs checked and normalised before anything
is sent. Each function raises :class:`~citegraph.errors.InputError` for a value that is not
one, naming it (shown short)."""

from __future__ import annotations

import re
from typing import Sequence

from ..errors import InputError

__all__ = ["clean_ids", "clean_pmcids", "is_doi", "is_link_name", "normalize_doi"]

#: what may be sent as an id (any NCBI UID: the PMIDs a caller stores pass pmid_or_none)
_UID = re.compile(r"[0-9]{1,20}")
_PMCID = re.compile(r"(?:PMC)?([0-9]{1,12})", re.I)


def clean_ids(ids: Sequence[str], what: str) -> list[str]:
    """Distinct PMIDs as strings, in order; anything else raises InputError."""
    if isinstance(ids, (str, int)):
        ids = [ids]  # type: ignore[list-item]
    cleaned = list(dict.fromkeys(str(i).strip() for i in ids))
    bad = [i for i in cleaned if not _UID.fullmatch(i)]
    if bad:
        raise InputError(f"{what}: not PubMed ids: {', '.join(map(repr, bad[:5]))}")
    return cleaned


def clean_pmcids(ids: Sequence[str]) -> list[str]:
    """Distinct PMC numbers (digits, no "PMC"), in order; anything else raises InputError."""
    if isinstance(ids, (str, int)):
        ids = [ids]  # type: ignore[list-item]
    cleaned: dict[str, None] = {}
    bad = []
    for value in ids:
        match = _PMCID.fullmatch(str(value).strip())
        if match and int(match.group(1)) > 0:
            cleaned[str(int(match.group(1)))] = None
        else:
            bad.append(str(value))
    if bad:
        raise InputError(f"efetch: not PMC ids: {', '.join(map(repr, bad[:5]))}")
    return list(cleaned)


def normalize_doi(doi: str) -> str:
    """``doi`` without a ``doi:`` or ``https://doi.org/`` prefix and surrounding spaces."""
    doi = str(doi).strip()
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.I)
    return doi.strip()


def is_doi(text: str) -> bool:
    """True for ``10.<prefix>/<suffix>`` (normalised: see :func:`normalize_doi`)."""
    return re.fullmatch(r"10\.\d+(\.\d+)*/\S.*", text) is not None


def is_link_name(text: str) -> bool:
    """True for an elink link name (lower-case letters and underscores)."""
    return bool(text) and re.fullmatch(r"[a-z_]+", text) is not None
