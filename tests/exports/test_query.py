"""ExportQuery: which options narrow an export, and the store's files it never writes to."""

from __future__ import annotations

from pathlib import Path

import pytest

from citegraph.exports.query import ExportQuery, store_files
from citegraph.filters import Filters


def test_no_option_is_the_whole_store():
    query = ExportQuery()
    assert not query.selecting and query.whole_store


@pytest.mark.parametrize("option", [{"seeds": ("1",)}, {"depth": 0}, {"direction": "both"}, {"since": 0},
                                    {"until": 2000}, {"types": ("Review",)}, {"exclude_types": ("Comment",)},
                                    {"topics": ("car-t",)}, {"mesh": ("D000001",)}, {"match": "x"},
                                    {"journal": "Nature"}])
def test_each_selection_option_selects(option):
    query = ExportQuery(Filters(**option))
    assert query.selecting and not query.whole_store


def test_contexts_alone_select_nothing_but_are_no_plain_copy():
    query = ExportQuery(with_contexts=True)
    assert not query.selecting and not query.whole_store


def test_the_store_files_are_the_database_and_its_journals(tmp_path):
    path = tmp_path / "citegraph.sqlite"
    assert [Path(p) for p in store_files(path)] == [path, *(Path(f"{path}{s}") for s in ("-wal", "-shm", "-journal"))]
