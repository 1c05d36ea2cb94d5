"""The one selection type (:mod:`citegraph.filters`): one case rule for every text comparison,
normalised values, clear errors, and the predicate over one paper."""

from __future__ import annotations

import pytest

from citegraph.errors import InputError
from citegraph.filters import Filters, PaperRecord, fold

PAPER = PaperRecord(year=2001, title="CAR T cells in leukaemia", journal="Blood  Advances",
                    abstract="Chimeric antigen receptor", publication_types=("Journal Article", "Review"),
                    mesh=(("D016896", "Receptors, Chimeric Antigen"),), topics=("car-t",))


def test_fold_is_whitespace_folding_and_casefold():
    assert fold("  Published \t ERRATUM \n") == "published erratum"
    assert fold("STRASSE") == fold("Straße") == "strasse"


def test_the_default_selects_everything():
    assert not Filters().active
    assert Filters().matches(PaperRecord())
    assert Filters().walk_direction == "cited-by"


@pytest.mark.parametrize("kw", [
    {"exclude_types": ("  REVIEW ",)},
    {"exclude_types": ("journal  article",)},
    {"types": ("Letter",)},
    {"since": 2002}, {"until": 2000},
    {"journal": "nature"},
    {"mesh": ("d000001",)},
    {"topics": ("nk",)},
    {"match": "lymphoma"},
    {"words": ("leukaemia", "nature")},
])
def test_each_filter_can_reject(kw):
    assert not Filters(**kw).matches(PAPER)


@pytest.mark.parametrize("kw", [
    {"types": (" review",)},
    {"exclude_types": ("Letter",)},
    {"since": 2001, "until": 2001},
    {"journal": "BLOOD ADVANCES"},  # whitespace runs folded on both sides
    {"journal": " blood   adv"},
    {"mesh": ("d016896",)}, {"mesh": ("receptors,  chimeric antigen",)},
    {"topics": ("CAR-T",)},
    {"match": r"chimeric\s+ANTIGEN"},  # the abstract, any case
    {"words": ("CAR", "blood")},
])
def test_each_filter_can_keep(kw):
    assert Filters(**kw).matches(PAPER)


def test_a_paper_without_a_year_fails_any_year_bound():
    assert Filters(since=1990).rejects(PaperRecord()) == "year"
    assert Filters(until=1990).rejects(PaperRecord()) == "year"


def test_rejects_names_the_first_left_out_type_as_the_filters_spell_it():
    filters = Filters(exclude_types=("comment", "  review "))
    assert filters.exclude_types == ("comment", "review")
    assert filters.rejects(PaperRecord(publication_types=("Journal Article", "REVIEW"))) == "type:review"


def test_values_are_normalised_so_equal_selections_compare_equal():
    a = Filters(seeds=("2", "1", "2"), exclude_types=("Review", "comment", "REVIEW"), mesh=("X", " x "),
                journal="  Blood  ")
    b = Filters(seeds=["2", "1"], exclude_types=["Comment", "review"], mesh=["x"], journal="Blood")
    assert a.seeds == ("2", "1") and a.journal == "Blood" and a.mesh == ("X",)
    assert a.exclude_types == ("comment", "Review")
    assert {t.casefold() for t in a.exclude_types} == {t.casefold() for t in b.exclude_types}


@pytest.mark.parametrize("kw, message", [
    ({"since": 2000, "until": 1990}, "after"),
    ({"match": "(unclosed"}, "regular expression"),
    ({"match": "(a+)+$"}, "refused"),
    ({"direction": "sideways"}, "direction"),
    ({"depth": -1}, "depth"),
    ({"exclude_types": ("  ",)}, "--exclude-type"),
    ({"mesh": ("",)}, "--mesh"),
    ({"topics": ("",)}, "--topic"),
])
def test_bad_values_are_input_errors(kw, message):
    with pytest.raises(InputError, match=message):
        Filters(**kw)


def test_records_only_drops_the_neighbourhood():
    filters = Filters(seeds=("1",), depth=2, direction="both", since=2000)
    assert filters.records_only() == Filters(since=2000)


def test_the_selection_type_sits_below_every_command_layer():
    import ast
    from pathlib import Path

    import citegraph.filters

    tree = ast.parse(Path(citegraph.filters.__file__).read_text(encoding="utf-8"))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {m for m in imported if m.split(".")[0] in ("analysis", "exports", "tui", "cli", "store", "crawl")
                or m.startswith("citegraph.")}
