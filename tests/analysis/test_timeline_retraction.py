import pytest

from citegraph.analysis.retraction import retracted_set, through_retracted
from citegraph.analysis.selection import PaperMeta
from citegraph.analysis.timeline import timeline
from citegraph.errors import InputError

from .helpers import graph

# 1 is the seed; 2 (1990) and 3 (1990) cite 1; 4 (1992) cites 2 and 3; 5 (1992) cites 3; 6 (no year) cites 4
EDGES = [("2", "1"), ("3", "1"), ("4", "2"), ("4", "3"), ("5", "3"), ("6", "4")]
YEARS = {"1": 1987, "2": 1990, "3": 1990, "4": 1992, "5": 1992}


def test_timeline_overall_and_by_generation():
    result = timeline(graph(EDGES, YEARS), "1", "generation")
    assert result["papers"] == 5 and result["undated"] == 1
    assert result["years"] == {1990: 2, 1992: 2}
    assert result["groups"] == {"1": {1990: 2}, "2": {1992: 2}, "3": {}}


def test_timeline_by_topic_counts_a_paper_in_each_of_its_topics():
    topics_of = {"2": ["a"], "4": ["a", "b"], "5": ["b"]}
    result = timeline(graph(EDGES, YEARS), "1", "topic", topics_of, ["b", "a", "c"])
    assert list(result["groups"]) == ["b", "a", "c"]
    assert result["groups"] == {"b": {1992: 2}, "a": {1990: 1, 1992: 1}, "c": {}}


def test_timeline_empty_and_bad_grouping():
    assert timeline(graph([], years={"1": 2000}), "1")["years"] == {}
    with pytest.raises(InputError):
        timeline(graph(EDGES, YEARS), "1", "colour")


def test_retracted_papers_and_their_descendants():
    meta = {"2": PaperMeta(retracted=True), "3": PaperMeta(), "9": PaperMeta(retracted=True)}
    g = graph(EDGES, YEARS)
    assert retracted_set(meta) == {"2", "9"}
    assert retracted_set(meta, g.nodes) == {"2"}
    # 4 reaches 1 in two steps through 2 (retracted) or 3: flagged; 6 inherits it from 4;
    # 5 reaches 1 only through 3: clean; 2 itself is retracted, not "via" anything
    assert through_retracted(g, "1", {"2"}) == {"4": "2", "6": "2"}
    assert through_retracted(g, "1", set()) == {}
    # a retracted seed does not flag its own descendants as "via"
    assert through_retracted(g, "1", {"1"}) == {}
