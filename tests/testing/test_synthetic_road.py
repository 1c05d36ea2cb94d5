"""The synthetic corpus's publication types follow each line of work's road to the clinic,
and are chosen apart from everything else in a record."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from citegraph.testing import SyntheticCorpus
from citegraph.testing.synthetic import (
    GUIDELINE_AFTER,
    META_AFTER,
    PHASE_I_AFTER,
    PHASE_II_AFTER,
    PHASE_III_AFTER,
)
from citegraph.testing.vocabulary import TOPICS

TYPE = re.compile(rb"<PublicationType UI=\"D\d+\">([^<]+)</PublicationType>")
TYPE_LIST = re.compile(rb"<PublicationTypeList>.*?</PublicationTypeList>")
TITLE = re.compile(rb"<ArticleTitle>([^<]*)</ArticleTitle>")
TRIAL_WORDS = re.compile(rb"A (pilot|phase I|phase II|phase III|randomized controlled|clinical) trial of")


@pytest.fixture(scope="module")
def corpus() -> SyntheticCorpus:
    return SyntheticCorpus(3000, 11)


@pytest.fixture(scope="module")
def records(corpus) -> list[bytes]:
    return [corpus.record(i) for i in range(corpus.n)]


def test_each_line_of_work_reaches_each_step_in_its_time(corpus, records):
    first: dict[str, dict[str, int]] = defaultdict(dict)
    for i, record in enumerate(records):
        line = TOPICS[corpus._topics[i]]
        for name in TYPE.findall(record):
            first[line[0]].setdefault(name.decode(), corpus.year(i))  # records come in year order
    opens = {"Clinical Trial, Phase I": PHASE_I_AFTER, "Clinical Trial, Phase II": PHASE_II_AFTER,
             "Clinical Trial, Phase III": PHASE_III_AFTER, "Randomized Controlled Trial": PHASE_III_AFTER,
             "Meta-Analysis": META_AFTER, "Practice Guideline": GUIDELINE_AFTER}
    for key, start, *_ in TOPICS:
        for name, after in opens.items():
            if name in first[key]:
                assert first[key][name] >= start + after, (key, name)
    founding = first["lak"]
    assert founding["Clinical Trial, Phase I"] >= 1990  # years after the founding work of 1987
    assert founding["Clinical Trial, Phase I"] < founding["Clinical Trial, Phase III"]
    assert founding["Clinical Trial, Phase II"] < founding["Practice Guideline"]
    reached = {name for line in first.values() for name in line}
    assert set(opens) | {"Review", "Observational Study", "Clinical Trial"} <= reached


def test_trial_titles_name_their_phase(records):
    expected = {b"pilot": "Clinical Trial", b"phase I": "Clinical Trial, Phase I",
                b"phase II": "Clinical Trial, Phase II", b"phase III": "Clinical Trial, Phase III",
                b"randomized controlled": "Randomized Controlled Trial", b"clinical": "Clinical Trial"}
    trials = 0
    for record in records:
        words = TRIAL_WORDS.match(TITLE.search(record).group(1))
        if words:
            trials += 1
            assert expected[words.group(1)] in [t.decode() for t in TYPE.findall(record)]
    assert trials > 100


def test_the_road_leaves_the_rest_of_every_record_alone(corpus, records, monkeypatch):
    # with every choice of the road replaced, the records differ in their publication types
    # and in the words naming a trial in titles (theirs and in citations of them), nowhere else
    monkeypatch.setattr(SyntheticCorpus, "clinical_types", lambda self, i: ("clinical", []))
    other = SyntheticCorpus(corpus.n, corpus.seed)

    def rest(record: bytes) -> bytes:
        return TRIAL_WORDS.sub(b"A trial of", TYPE_LIST.sub(b"", record))

    changed = 0
    for i, record in enumerate(records):
        again = other.record(i)
        assert rest(again) == rest(record), i
        changed += again != record
    assert changed > 100
