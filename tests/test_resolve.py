"""Seed resolution: identifiers to PMIDs, each once, in order."""

from __future__ import annotations

import pytest

import citegraph.resolve as resolve
from citegraph.store import Store


class _WatchedList(list):
    """A list that counts the look-ups (``in``, ``index``, ``count``) made on it: each is a scan."""

    scans = 0

    def __contains__(self, item):
        type(self).scans += 1
        return super().__contains__(item)

    def index(self, *args):
        type(self).scans += 1
        return super().index(*args)

    def count(self, item):
        type(self).scans += 1
        return super().count(item)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.sqlite") as s:
        yield s


def test_pmids_come_back_once_each_in_order_of_first_appearance(store):
    got = resolve.resolve_identifiers(["3", "1", "pmid:3", "2", "1", "PMID 2", "4"], store, None, lambda b: [])
    assert got.pmids == ["3", "1", "2", "4"]
    got = resolve.resolve_identifiers(["10.1000/a", "5", "10.1000/a"], store, None, lambda b: [])
    assert got.pmids == ["5"] and got.unresolved == ["10.1000/a"]


def test_de_duplication_never_scans_the_list_it_builds(store, monkeypatch):
    """De-duplicating n seeds must take linear time: no membership test on a list per seed
    (that made 100,000 seeds take minutes). The result lists are watched for scans."""
    original = resolve.Resolution
    monkeypatch.setattr(resolve, "Resolution", lambda: original(pmids=_WatchedList(), unresolved=_WatchedList()))
    _WatchedList.scans = 0
    texts = [str(n) for n in range(1, 2001)] * 2
    got = resolve.resolve_identifiers(texts, store, None, lambda b: [])
    assert got.pmids == [str(n) for n in range(1, 2001)]
    assert _WatchedList.scans == 0
