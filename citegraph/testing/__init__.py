"""Test support: a local NCBI E-utilities server and synthetic PubMed corpora.

    from citegraph.testing import Corpus, EutilsServer, FaultPlan

    corpus = Corpus.synthetic(5000, seed=1)            # or Corpus.load(["pubmed21n1298.xml.gz"])
    with EutilsServer(corpus, rate_limit=10, faults=FaultPlan({"5xx": 0.1}, seed=3)) as server:
        ...  # point the client at server.url

Modules: ``corpus`` (records and link indexes), ``synthetic`` (the generator), ``responses``
(NCBI's response shapes), ``endpoints`` (what each E-utility answers), ``faults`` and
``ratelimit`` (a bad day at NCBI), ``eutils_server`` (HTTP, statistics, command line),
``citation_answers`` and ``citation_apis`` (iCite, Europe PMC and OpenCitations on the same
server: ``server.apis.urls()`` gives their base URLs), ``virtual_clock`` (time that passes only when a
paced client sleeps, for pacing tests that take no wall time).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = ["Corpus", "EutilsServer", "FaultPlan", "SyntheticCorpus", "VirtualClock"]

_HOMES = {"Corpus": "corpus", "EutilsServer": "eutils_server", "FaultPlan": "faults", "SyntheticCorpus": "synthetic",
          "VirtualClock": "virtual_clock"}

if TYPE_CHECKING:
    from .corpus import Corpus
    from .eutils_server import EutilsServer
    from .faults import FaultPlan
    from .synthetic import SyntheticCorpus
    from .virtual_clock import VirtualClock


def __getattr__(name: str):
    # imported on first use, so that ``python -m citegraph.testing.eutils_server`` does not
    # find its own module already imported by the package
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
