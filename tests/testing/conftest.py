"""Fixtures for the local E-utilities server tests.

Core tests use small synthetic corpora and need nothing outside the repository; tests that
compare with real recorded responses or load the real update file take the ``ncbi_fixtures``
/ ``pubmed_update_file`` fixtures of ``tests/conftest.py`` and skip without ``../shared``.
"""

from __future__ import annotations


import pytest
import requests

from citegraph.testing import Corpus, EutilsServer, SyntheticCorpus

SEED = 11


@pytest.fixture(scope="session")
def synth() -> SyntheticCorpus:
    """1,500 synthetic records (PMIDs 90000001-90001500), seed 11."""
    return SyntheticCorpus(1500, SEED)


@pytest.fixture(scope="session")
def corpus(synth: SyntheticCorpus) -> Corpus:
    c = Corpus()
    c.add_synthetic(synth)
    return c.warm()


@pytest.fixture
def server(corpus: Corpus):
    with EutilsServer(corpus) as srv:
        yield srv


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session
