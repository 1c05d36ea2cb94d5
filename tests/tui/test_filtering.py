"""The browser's list filter is the one selection rule (:class:`citegraph.filters.Filters`):
the filter box's text and the data layer's predicate, without the app (see conftest.PAPERS)."""

from __future__ import annotations

from citegraph.filters import Filters
from citegraph.store import Store
from citegraph.tui import BrowseData, parse_filter
from citegraph.tui.filter_box import describe


def _data(store) -> BrowseData:
    data = BrowseData(store)
    data.overview = {"cited_by": {}, "cites": {}, "pagerank": {}, "topic_names": ["car-t", "lak"],
                     "topics": {"4": ["car-t"], "1": ["lak"]}, "parent": {}, "retracted": {}, "via": {}}
    return data


def test_the_list_is_the_neighbours_passing_the_filters(small_store):
    with Store(small_store) as store:
        data = _data(store)
        assert data.neighbours("1", "citing") == ["2", "3", "4"]
        assert data.neighbours("1", "citing", parse_filter("1986-2001")) == ["2", "4"]
        assert data.neighbours("1", "citing", parse_filter("  BETA ")) == ["3"]
        assert data.neighbours("1", "citing", parse_filter("topic:CAR-T")) == ["4"]
        # a reference without a stored record fails a year bound (it has no year)
        assert data.neighbours("4", "references", Filters(until=2000)) == ["1", "2"]


def test_a_topic_in_the_box_names_a_topic_not_part_of_one(small_store):
    # one rule with the commands: a topic is named whole (case and spacing folded); the box
    # used to keep papers whose topic key merely contained the text
    with Store(small_store) as store:
        data = _data(store)
        assert data.neighbours("1", "citing", parse_filter("topic:car")) == []
        assert data.neighbours("1", "citing", parse_filter("topic:car-t")) == ["4"]


def test_the_box_reads_years_either_way_round():
    assert (parse_filter("2001-1986").since, parse_filter("2001-1986").until) == (1986, 2001)


def test_the_box_reads_the_command_filters_back():
    assert describe(parse_filter("car t 1990- topic:lak")) == "car t 1990- topic:lak"
    assert describe(Filters(exclude_types=["Review"], mesh=["D1"], journal="Blood")) == \
        "-type:Review mesh:D1 journal:Blood"


def test_metadata_filters_read_the_stored_records(small_store):
    with Store(small_store) as store:
        data = _data(store)
        assert data.neighbours("1", "citing", Filters(match="paper 3")) == ["3"]  # the abstract
        assert data.neighbours("1", "citing", Filters(types=["Journal Article"])) == []
