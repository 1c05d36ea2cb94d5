"""citegraph.publication_types: one matching rule for type names, and the nearest types for a
name that matched no paper."""

from __future__ import annotations

from collections import Counter

from citegraph.filters import fold
from citegraph.publication_types import UnmatchedType, unmatched_exclude_types, unmatched_types

COUNTS = Counter({"Journal Article": 40, "Review": 7, "Comment": 3, "Letter": 2, "Published Erratum": 1})


def test_type_names_compare_by_the_one_case_rule():
    assert fold("  published \t ERRATUM ") == fold("Published Erratum") == "published erratum"


def test_a_name_near_a_papers_type_is_offered_that_type():
    assert unmatched_types(["Reveiw"], [], COUNTS) == [
        UnmatchedType("Reveiw", ("Review",), ("Journal Article", "Review", "Comment", "Letter", "Published Erratum"))]
    (typo,) = unmatched_types(["published  erratom"], [], COUNTS)
    assert typo.near == ("Published Erratum",)


def test_a_name_near_nothing_gets_the_most_common_types():
    (blog,) = unmatched_types(["Blog Post"], [], COUNTS)
    assert blog.near == () and blog.common[:2] == ("Journal Article", "Review")


def test_matched_names_are_left_out_whatever_their_spelling():
    assert unmatched_types(["REVIEW", " comment "], ["Review", "Comment"], COUNTS) == []


class Census:
    def __init__(self):
        self.asked = []

    def publication_type_counts(self, crawl_id):
        self.asked.append(crawl_id)
        return COUNTS


def test_the_census_is_taken_only_when_a_type_matched_nothing():
    store = Census()
    assert unmatched_exclude_types(store, 3, ["Review"], {"Review": 2}) == []
    assert store.asked == []
    (comment,) = unmatched_exclude_types(store, 3, ["Review", "Coment"], {"review": 2})
    assert comment.name == "Coment" and comment.near == ("Comment",) and store.asked == [3]
