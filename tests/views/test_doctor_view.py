"""The doctor's diagnosis as lines: counts in words, healthy or not, unfinished crawls."""

from __future__ import annotations

from types import SimpleNamespace

from citegraph.views.doctor import counted, diagnosis_lines


def test_counts_in_words():
    assert counted("crawls", 1) == "1 crawl"
    assert counted("crawl_nodes", 3181) == "3,181 crawl nodes"
    assert counted("citations", 0) == "0 citations"


def _result(**fields):
    base = dict(actions=[], healthy=True, counts={"schema_migrations": 9, "articles": 1, "crawls": 2},
                schema_version=9, problems=[], running_crawls=[], interrupted_crawls=[], failed_crawls=[])
    return SimpleNamespace(**{**base, **fields})


def test_a_healthy_store_is_one_green_line_without_the_migrations_table():
    (line,) = diagnosis_lines(_result(), "/data/citegraph.sqlite")
    assert line.plain == "/data/citegraph.sqlite: healthy (schema 9; 1 article, 2 crawls)" and line.style == "green"


def test_repairs_problems_and_crawls_each_get_a_line_and_escapes_are_neutralised():
    lines = diagnosis_lines(_result(healthy=False, actions=["rebuilt \x1b[31mindex"], problems=["bad row"],
                                    interrupted_crawls=[3]), "x")
    assert [line.plain.split(":")[0] for line in lines] == ["repaired", "problem", "interrupted crawls [3]"]
    assert "\x1b" not in lines[0].plain
