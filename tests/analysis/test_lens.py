import random
import re

import pytest

from citegraph.analysis.lens import classify, classify_many, load_lens, parse_lens, topic_summary
from citegraph.analysis.lens_batch import _LOWER_TO_ASCII, _containing, _containing_ascii
from citegraph.analysis.lens_rules import _UNSAFE_FOR_SPELLINGS, _required_literals, _spellings
from citegraph.analysis.selection import PaperMeta
from citegraph.errors import InputError

from .helpers import graph

LENS = """
name = "test"
[[topic]]
key = "car"
name = "CAR-T"
mesh = ["D000076962"]
patterns = ['chimeric antigen receptor']
exact_patterns = ['\\bCAR-T\\b']
[[topic]]
key = "il2"
name = "IL-2"
mesh = ["Interleukin-2"]
"""


def test_default_lens_ships_the_cell_therapy_topics():
    lens = load_lens()
    assert lens.name == "cell-therapy"
    assert [t.key for t in lens.topics] == ["lak", "til", "car-t", "tcr-t", "nk", "cytokines", "checkpoint",
                                            "dc-vaccine"]


def test_classify_by_mesh_ui_or_name_and_patterns():
    lens = parse_lens(LENS)
    g = graph([], years={str(n): 2000 for n in range(1, 7)},
              titles={"1": "CAR-T cells in lymphoma", "2": "The car-t of the street", "3": "Plain",
                      "4": "Plain", "5": "Plain", "6": "Plain"})
    meta = {"3": PaperMeta(mesh=(("D000076962", "Receptors, Chimeric Antigen"),)),
            "4": PaperMeta(abstract="Using a Chimeric Antigen Receptor we ..."),
            "5": PaperMeta(mesh=(("D007376", "Interleukin-2"),))}
    assert classify(lens, g, meta) == {"1": ["car"], "3": ["car"], "4": ["car"], "5": ["il2"]}


def test_default_lens_on_titles_and_abstracts():
    lens = load_lens()
    g = graph([], years={"1": 2000, "2": 2000, "3": 2000},
              titles={"1": "Nivolumab in melanoma", "2": "Tumor-infiltrating lymphocytes",
                      "3": "A study of dendritic cell vaccination"})
    found = classify(lens, g, {"3": PaperMeta(abstract="dendritic cell vaccines were given")})
    assert found == {"1": ["checkpoint"], "2": ["til"], "3": ["dc-vaccine"]}


@pytest.mark.parametrize("text, message", [
    ("name = ", "not valid TOML"),
    ("name = 'x'", "no \\[\\[topic\\]\\]"),
    ("[[topic]]\nkey = 'a'\npatterns = ['(']", "bad pattern"),
    ("[[topic]]\nname = 'a'", "neither mesh nor patterns"),
    ("[[topic]]\nname = 'a'\nmesh = 'D1'", "list of strings"),
    ("[[topic]]\nname = 'a'\nmesh = ['D1']\n[[topic]]\nname = 'A'\nmesh = ['D2']", "twice"),
])
def test_malformed_lenses_are_input_errors(text, message):
    with pytest.raises(InputError, match=message):
        parse_lens(text)


def test_unreadable_lens_file(tmp_path):
    with pytest.raises(InputError, match="cannot read lens"):
        load_lens(tmp_path / "absent.toml")


def test_topic_summary_by_hand():
    # 1 is the seed; 2 (1990) and 3 (1995) cite 1; 4 (1995) cites 3; 5 (1998) cites 4 and 2;
    # 6 (1999) cites 5. CAR-T papers: 4, 5, 6. IL-2 papers: none.
    edges = [("2", "1"), ("3", "1"), ("4", "3"), ("5", "4"), ("5", "2"), ("6", "5"), ("7", "5")]
    years = {"1": 1987, "2": 1990, "3": 1995, "4": 1995, "5": 1998, "6": 1999, "7": 1999}
    g = graph(edges, years)
    lens = parse_lens(LENS)
    rows = topic_summary(g, "1", lens, {"4": ["car"], "5": ["car"], "6": ["car"], "7": ["car"]})
    car, il2 = rows
    assert car["papers"] == 4
    assert car["first_year"] == 1995 and car["peak_year"] == 1999  # 1995: 1, 1998: 1, 1999: 2
    assert car["earliest"] == "4"
    assert car["most_cited"] == {"pmid": "5", "citations": 2}  # 5 is cited by 6 and 7
    assert car["path_to_earliest"] == ["1", "3", "4"]
    assert il2["papers"] == 0 and il2["earliest"] is None and il2["path_to_earliest"] == []


# -- classify_many: the batch classifier gives classify's answers ------------------------------

TRICKY_LENS = r"""
name = "tricky"
[[topic]]
key = "anchored"
name = "Anchors and lookarounds"
patterns = ['^treatment', 'therapy$', '(?<!anti-)PD-1\b', '(ab)\1']
[[topic]]
key = "unicode"
name = "Non-ASCII literals"
patterns = ['tumör', 'ſtrange', 'İL-2']
exact_patterns = ['\bKELVIN\b']
[[topic]]
key = "spelled"
name = "Spelled-out patterns"
patterns = ['il[- ]?2 therapy', 'car[- ]t cells?']
exact_patterns = ['TCR gene transfer', 'NK[- ]cells?']
[[topic]]
key = "empty"
name = "Matches the empty text"
patterns = ['x*']
[[topic]]
key = "mesh"
name = "MeSH only"
mesh = ["D007376", "Killer Cells, Natural"]
"""

# the same tricks with ASCII patterns only: classify_many searches the texts as bytes
ASCII_TRICKY_LENS = TRICKY_LENS.replace("patterns = ['tumör', 'ſtrange', 'İL-2']", "patterns = ['tumor', 'strange', 'IL-2']")
assert ASCII_TRICKY_LENS != TRICKY_LENS

WORDS = ["interleukin-2", "IL-2", "il 2", "IL 2", "İL-2", "ıl-2", "ſtrange", "strange", "tumör", "TUMÖR", "tumor",
         "CAR-T", "car t cells", "CAR T-cell", "Car-T", "NK cells", "nk cells", "NK-cell", "PD-1", "anti-PD-1",
         "PD-L1", "pd1", "ipilimumab", "Nivolumab", "LAK", "lak", "TIL", "TILs", "until", "checkpoint blockade",
         "KELVIN", "\u212aELVIN", "dendritic cell vaccine", "DC-vaccination", "TCR gene transfer", "tcr gene transfer",
         "abab", "therapy", "treatment", "Σ", "é", "\n", "-", " ", ",", "cytokine-induced killer", "CTLA4"]


def _random_papers(seed: int, count: int):
    rng = random.Random(seed)
    titles, abstracts, mesh = [], [], []
    for _ in range(count):
        titles.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6))))
        abstracts.append(rng.choice([None, ""]) if rng.random() < 0.2 else
                         rng.choice(["", " "]).join(rng.choice(WORDS) for _ in range(rng.randint(1, 12))))
        mesh.append(tuple(rng.sample([("D007376", "Interleukin-2"), ("d007694", "killer cells, natural"),
                                      ("D016246", "Lymphocytes, Tumor-Infiltrating"), ("D000818", "Animals"),
                                      ("D000076962", "RECEPTORS, CHIMERIC ANTIGEN")], rng.randint(0, 2))))
    return titles, abstracts, mesh


@pytest.mark.parametrize("lens_text", [None, TRICKY_LENS, ASCII_TRICKY_LENS])
def test_classify_many_gives_classify_answers(lens_text):
    lens = load_lens() if lens_text is None else parse_lens(lens_text)
    titles, abstracts, mesh = _random_papers(7, 600)
    pmids = [str(i) for i in range(1, len(titles) + 1)]
    g = graph([], years={p: 2000 for p in pmids}, titles=dict(zip(pmids, titles)))
    meta = {p: PaperMeta(mesh=m, abstract=a or "") for p, a, m in zip(pmids, abstracts, mesh)}
    expected = classify(lens, g, meta)
    got = classify_many(lens, pmids, titles, abstracts, [[v for pair in m for v in pair] for m in mesh])
    assert got == expected
    assert len(expected) > 100 and len(set(map(tuple, expected.values()))) > 5  # the corpus exercises the lens


def test_classify_many_on_chosen_texts():
    lens = parse_lens(TRICKY_LENS)
    titles = ["treatment with x", "a PD-1 study", "an anti-PD-1 study", "İL-2 and ſtrange", "\u212aELVIN",
              "ıl 2 therapy", "CAR T cells", "Nk cells", "", "ſ: 2 therapy"]
    pmids = [str(i) for i in range(1, len(titles) + 1)]
    got = classify_many(lens, pmids, titles, [None] * len(titles), [[]] * len(titles))
    g = graph([], titles=dict(zip(pmids, titles)))
    assert got == classify(lens, g, {})
    # x* matches everywhere, even in the empty title
    assert got["1"] == ["anchored", "empty"] and got["2"] == ["anchored", "empty"] and got["9"] == ["empty"]
    assert got["3"] == ["empty"]  # the lookbehind rules anti-PD-1 out
    assert "unicode" not in got["5"]  # the Kelvin sign is no K for a case-sensitive pattern
    assert got["6"] == ["anchored", "spelled", "empty"] and got["7"] == ["spelled", "empty"]
    assert got["10"] == ["anchored", "empty"]  # a long s makes the text odd; no il-2 therapy in it


def test_spellings_of_patterns():
    assert _spellings(re.compile(r"\bIL[- ]2\b", re.I)) == ((("il 2", "il-2"),), False)
    assert _spellings(re.compile("natural killer cells?", re.I)) == ((("natural killer cell",),), True)
    assert _spellings(re.compile("CTLA[- ]?4", re.I)) == ((("ctla 4", "ctla-4", "ctla4"),), True)
    assert _spellings(re.compile("TCR gene transfer")) == ((("tcr gene transfer",),), False)  # case-sensitive
    assert _spellings(re.compile("checkpoint (?:blockade|inhibit)", re.I))[1] is False
    assert _spellings(re.compile("tumör", re.I)) == ((("tum",),), False)  # ASCII characters only
    assert _spellings(re.compile("ö[a-z]+", re.I)) == ((), False)


def test_unsafe_characters_are_all_those_case_folding_pairs_with_ascii_letters():
    letters = re.compile("[a-z]", re.IGNORECASE)
    found = {chr(cp) for cp in range(128, 0x110000) if letters.fullmatch(chr(cp))
             and not any(chr(cp).lower() == c for c in "abcdefghijklmnopqrstuvwxyz"
                         if re.fullmatch(c, chr(cp), re.IGNORECASE))}
    assert found == {"\u0130", "\u0131", "\u017f"}
    assert all(_UNSAFE_FOR_SPELLINGS.search(c) for c in found)


def test_characters_lower_casing_to_ascii_are_all_listed():
    found = {chr(cp) for cp in range(128, 0x110000) if any(c.isascii() for c in chr(cp).lower())}
    assert found == set(_LOWER_TO_ASCII) == {"\u0130", "\u212a"}


def test_containing_ascii_is_containing_of_the_lower_cased_texts():
    texts = ["Interleukin-2", "\u212aELVIN and İL-2", "ab\0cd", "", "ÄB", "x\nIL-2", "İ"]
    needles = ["il-2", "kelvin", "ab", "b\0c", "cd", "i\u0307l", "x\nil", "i"]
    ascii_needles = [n for n in needles if n.isascii()]
    found, marked = _containing_ascii(texts, ascii_needles, "Ä")
    expected = _containing([t.lower() for t in texts], ascii_needles)
    assert {n: m.tolist() for n, m in found.items()} == {n: m.tolist() for n, m in expected.items()}
    assert found["kelvin"].tolist() == [False, True, False, False, False, False, False]  # the Kelvin sign lowers to k
    assert marked["Ä"].tolist() == [False, False, False, False, True, False, False]
    assert marked["İ"].tolist() == [False, True, False, False, False, False, True]


def test_containing_ignores_matches_across_texts():
    found = _containing(["ab", "cd", "xabc"], ["ab", "b\nc", "abc"])
    assert found["ab"].tolist() == [True, False, True]
    assert found["b\nc"].tolist() == [False, False, False]
    assert found["abc"].tolist() == [False, False, True]


# -- what the classifiers look for before searching a pattern -----------------------------------

def test_spellings_run_through_lookarounds_and_caseless_dashes():
    # a lookaround consumes nothing: the characters around it are adjacent in every match
    assert _spellings(re.compile("CAR(?<![A-Za-z0-9]CAR)[- ]?NK\\b")) == ((("car nk", "car-nk", "carnk"),), False)
    # a dash has no case: it is spelled as it is (PubMed writes "PD\u20111")
    assert _spellings(re.compile("NK(?<![A-Za-z0-9]NK)[\u2010\u2011]92")) == ((("nk\u201092", "nk\u201192"),), False)
    assert _spellings(re.compile("PD[-\u2010]1", re.I)) == ((("pd-1", "pd\u20101"),), True)
    # a letter with case outside ASCII still ends a run
    assert _spellings(re.compile("\u03b1PD[-\u2010]?1", re.I)) == ((("pd-1", "pd1", "pd\u20101"),), False)


def test_a_short_second_run_is_not_looked_for():
    # " of " is in nearly every abstract: looking for it costs time and rules out nothing
    assert _spellings(re.compile(r"checkpoint\w* of \w+", re.I)) == ((("checkpoint",),), False)
    assert _spellings(re.compile(r"resistan\w* to natural killer", re.I)) == (((" to natural killer",), ("resistan",)),
                                                                               False)


def test_required_literals_hold_only_characters_lower_casing_keeps_apart():
    # 'ſ' matches 's' and 'S' case-insensitively: "strange" is a match without the letter 'ſ'
    assert _required_literals(re.compile("\u017ftrange", re.I)) == ("trange",)
    assert _required_literals(re.compile("\u03b1PD(?<!x)-1", re.I)) == ("pd-1",)
    topic = parse_lens("[[topic]]\nkey = 'odd'\npatterns = ['\u017ftrange']").topics[0]
    assert topic.matches("A strange result", PaperMeta())


def test_the_built_in_lens_needs_no_search_of_every_text(monkeypatch):
    # each pattern holds a spelling or a literal the classifiers look for first ...
    for topic in load_lens().topics:
        for (literals, pattern), (groups, _) in zip(topic._checks, topic._spellings):
            assert groups or literals, pattern.pattern
    # ... and the texts are searched as bytes, not lower-cased one by one (only texts holding a
    # character that lower-cases to ASCII are)
    from citegraph.analysis import lens_batch

    def refuse(lowered, needles):
        raise AssertionError("texts lower-cased as text")

    monkeypatch.setattr(lens_batch, "_containing", refuse)
    titles = ["Anti\u2010PD\u20111 therapy", "\u03b1PD-L1 in mice", "NK\u201192 cells", "plain"]
    got = classify_many(load_lens(), ["1", "2", "3", "4"], titles, [None] * 4, [[]] * 4)
    assert got == {"1": ["checkpoint"], "2": ["checkpoint"], "3": ["nk"]}


def test_spellings_of_groups_and_alternations():
    # one of the alternatives' leading runs is in every match
    assert _spellings(re.compile("(?:nivolumab|pembrolizumab) (?:plus|and) ipilimumab", re.I)) == (
        ((" ipilimumab",), ("nivolumab", "pembrolizumab")), False)
    # a short run goes on into the group after it; flags inside a group do not matter
    assert _spellings(re.compile("(?:(?-i:PD(?<!x)(?:-L?1|\\(L\\)1))|checkpoint)", re.I)) == (
        (("checkpoint", "pd(l)1", "pd-1", "pd-l1"),), False)
    # an alternative that can be empty or starts too short leaves the group out
    assert _spellings(re.compile("x(?:ab|cd)e|y", re.I)) == ((), False)
    assert _spellings(re.compile("abc(?:|d)", re.I)) == ((("abc",),), False)


ALTERNATIONS_LENS = r"""
name = "alternations"
[[topic]]
key = "drugs"
name = "Top-level alternations"
patterns = ['nivolumab|ipilimumab', '(?:anti-PD-1|checkpoint) blockade', 'ctla(?:-4|4)\b']
exact_patterns = ['(?:CAR(?:-T| T)|TCR-T) cells', '(?-i:Nk|NK)(?:-| )cells?']
"""


def test_classify_many_gives_classify_answers_with_alternations():
    lens = parse_lens(ALTERNATIONS_LENS)
    titles, abstracts, mesh = _random_papers(11, 600)
    pmids = [str(i) for i in range(1, len(titles) + 1)]
    g = graph([], years={p: 2000 for p in pmids}, titles=dict(zip(pmids, titles)))
    meta = {p: PaperMeta(abstract=a or "") for p, a in zip(pmids, abstracts)}
    expected = classify(lens, g, meta)
    assert classify_many(lens, pmids, titles, abstracts, [[]] * len(pmids)) == expected
    assert 100 < len(expected) < 550  # the corpus exercises the lens
