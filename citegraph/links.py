"""Citation directions and the E-utilities link names that answer them.

A direction names which neighbours of a paper are followed: ``cited-by`` (the papers citing
it), ``references`` (the papers it cites) or ``both``. elink answers the first with
:data:`CITED_IN` and the second with :data:`REFERENCES`; an edge elink reported is stored
under the source name ``"elink:" + linkname``. Nothing here imports from the package.
"""

from __future__ import annotations

__all__ = ["DIRECTIONS", "CITED_IN", "REFERENCES", "LINKNAMES", "SOURCE_CITEDIN", "SOURCE_REFS", "follows"]

#: the directions a walk from a paper can take
DIRECTIONS = ("cited-by", "references", "both")
#: elink's link name for the papers citing a paper
CITED_IN = "pubmed_pubmed_citedin"
#: elink's link name for the papers a paper cites
REFERENCES = "pubmed_pubmed_refs"
#: the link name that answers each single direction
LINKNAMES = {"cited-by": CITED_IN, "references": REFERENCES}
#: the source names of the edges elink reported
SOURCE_CITEDIN = "elink:" + CITED_IN
SOURCE_REFS = "elink:" + REFERENCES


def follows(direction: str, side: str) -> bool:
    """Whether a walk in ``direction`` follows ``side`` (``"cited-by"`` or ``"references"``)."""
    return direction in (side, "both")
