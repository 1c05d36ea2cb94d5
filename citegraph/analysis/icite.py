"""iCite's numbers in the analyses: ranking by them, and what they add to a paper's card.

Pure functions over store rows (:meth:`citegraph.store.Store.icite_metrics`): no I/O.
"""

from __future__ import annotations

from typing import Mapping, Sequence

__all__ = ["ICITE_RANKINGS", "rank_by_icite", "icite_json"]

#: ``rank --by`` name -> the stored iCite column it ranks by
ICITE_RANKINGS = {"rcr": "rcr", "citations-global": "citation_count"}


def rank_by_icite(rows: Sequence[Mapping], metrics: Mapping[str, Mapping], by: str, limit: int | None) -> list[dict]:
    """``rows`` (as :func:`citegraph.analysis.influence.rank` gives them, any order) ranked by
    iCite's ``by`` (:data:`ICITE_RANKINGS`), best first; papers without that number last, then
    by citations in the store and lower PMID. Each row's ``score`` is the number (None when
    iCite gave none) and ``icite`` the paper's stored iCite numbers (None when none)."""
    column = ICITE_RANKINGS[by]

    def value(row: Mapping) -> float | None:
        found = metrics.get(row["pmid"])
        return None if found is None else found.get(column)

    ranked = sorted(rows, key=lambda r: (value(r) is None, -(value(r) or 0.0), -r["citations"],
                                         int(r["pmid"]) if str(r["pmid"]).isdigit() else 0))
    if limit is not None:
        ranked = ranked[:limit]
    return [{**row, "score": value(row), "icite": icite_json(metrics.get(row["pmid"]))} for row in ranked]


def icite_json(values: Mapping | None) -> dict | None:
    """A paper's stored iCite numbers for ``--json``: the names iCite uses, ``fetched_at`` as
    an ISO 8601 UTC time, ``cited_by_clin`` the PMIDs as texts."""
    if values is None:
        return None
    from datetime import datetime, timezone

    out = {"citation_count": values.get("citation_count"), "relative_citation_ratio": values.get("rcr"),
           "nih_percentile": values.get("nih_percentile"), "apt": values.get("apt"),
           "is_clinical": values.get("is_clinical"),
           "cited_by_clin": None if values.get("cited_by_clin") is None else [str(p) for p in values["cited_by_clin"]],
           "human": values.get("human"), "animal": values.get("animal"),
           "molecular_cellular": values.get("molecular_cellular"), "provisional": values.get("provisional")}
    fetched = values.get("fetched_at")
    out["fetched_at"] = (datetime.fromtimestamp(fetched, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                         if fetched is not None else None)
    return out
