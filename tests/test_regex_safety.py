"""Lens patterns and --match whose search can take exponential time are refused when read, from
their parse tree alone: no search is run, so no test depends on how long one takes."""

from __future__ import annotations

import re

import pytest

from citegraph.analysis.lens import load_lens, parse_lens
from citegraph.filters import Filters
from citegraph.regex_safety import backtracking_risk
from citegraph.errors import InputError

EXPONENTIAL = [r"(L|L)*X", r"(a+)+X", r"(\w*)*", r"(a{1,2})*X", r"(a|ab)*c", r"(?:a|)*b", r"((a|b)|a)*c",
               r"(?:x(?:y+))+", r"(.*a){20}", r"(?=(a+)+)b", r"(?:a+a)*b", r"(?:[ a]+ )*b", r"(?:\S+\s)*x"]
LINEAR = [r"\bCAR[- ]?T\b", r"(?:foo|bar)+", r"tumou?r[- ]infiltrating lymphocytes?",
          r"checkpoint (?:blockade|inhibit\w*)", r"(ab)+c", r"a{2}", r"(?:[a-c]x|[d-f]y)+", r"(a|b)?c", r"(\w|x)+y",
          # a run that ends at a character it cannot match splits the text one way only
          r"(?:\S+ ){0,3}?x", r"(?:[\w/+-]+ )*x",
          # a lookaround is atomic: its alternatives are not retried by the repetition around it
          r"(?:(?!\b(?:was|were|levels?))\S)+ x"]


@pytest.mark.parametrize("pattern", EXPONENTIAL)
def test_nested_quantifiers_and_overlapping_repeated_alternatives_are_named(pattern):
    assert backtracking_risk(pattern, re.IGNORECASE)
    assert backtracking_risk(pattern)


@pytest.mark.parametrize("pattern", LINEAR)
def test_ordinary_patterns_pass(pattern):
    assert backtracking_risk(pattern, re.IGNORECASE) is None


def test_every_pattern_of_the_built_in_lens_passes():
    lens = load_lens()
    assert all(backtracking_risk(p.pattern, p.flags) is None for t in lens.topics for p in t.patterns)


@pytest.mark.parametrize("field", ["patterns", "exact_patterns"])
def test_a_lens_with_an_exponential_pattern_is_refused_naming_file_topic_and_pattern(field):
    text = f'[[topic]]\nkey = "slow"\nname = "Slow"\n{field} = [\'(L|L)*X\']\n'
    with pytest.raises(InputError) as info:
        parse_lens(text, "mine.toml")
    message = str(info.value)
    assert "mine.toml" in message and "'slow'" in message and "(L|L)*X" in message and "exponential" in message


def test_match_filter_refuses_an_exponential_pattern():
    with pytest.raises(InputError) as info:
        Filters(match="(a+)+$")
    assert "--match" in str(info.value) and "exponential" in str(info.value)
    assert Filters(match=r"\bIL[- ]2\b").active


@pytest.mark.parametrize("text", ["a = " + "[" * 100_000 + "]" * 100_000,
                                  "a = " + "{b = " * 100_000 + "1" + "}" * 100_000])
def test_a_lens_nested_100k_deep_is_a_clear_error_naming_the_file(text):
    with pytest.raises(InputError) as info:
        parse_lens(text, "deep.toml")
    assert "deep.toml" in str(info.value) and "nested too deeply" in str(info.value)


def test_a_pattern_nested_too_deeply_is_a_clear_error():
    text = "[[topic]]\nname = \"x\"\npatterns = ['" + "(" * 50_000 + "a" + ")" * 50_000 + "']\n"
    with pytest.raises(InputError) as info:
        parse_lens(text, "deep.toml")
    assert "deep.toml" in str(info.value)
