"""The road to the clinic of a synthetic corpus: which publication types a record has.

Trials are unphased pilot trials in a line of work's first years, then Phase I (from
:data:`PHASE_I_AFTER` years after the line starts), Phase II, Phase III and randomized
controlled trials; reviews become meta-analyses and practice guidelines last; research articles
may be observational studies from :data:`OBSERVATIONAL_FROM` on. The choices come from a random
stream of the record's own, so every other part of a record is what it would be without them.
"""

from __future__ import annotations

from .synthetic_graph import LETTER, NOTICE, REVIEW, TRIAL
from .vocabulary import (
    PT_GUIDELINE,
    PT_META,
    PT_MULTICENTER,
    PT_OBSERVATIONAL,
    PT_PHASE1,
    PT_PHASE2,
    PT_PHASE3,
    PT_PRACTICE_GUIDELINE,
    PT_RCT,
    PT_REVIEW,
    PT_SYSTEMATIC,
    PT_TRIAL,
    TOPICS,
)

__all__ = ["GUIDELINE_AFTER", "META_AFTER", "OBSERVATIONAL_FROM", "PHASE_III_AFTER", "PHASE_II_AFTER",
           "PHASE_I_AFTER", "clinical_types"]

#: years after a line of work starts (its topic's first year) when each step of the road to
#: the clinic opens: Phase I trials, Phase II, Phase III and randomized trials, meta-analyses,
#: practice guidelines (before Phase I, trials are unphased pilot trials)
PHASE_I_AFTER, PHASE_II_AFTER, PHASE_III_AFTER, META_AFTER, GUIDELINE_AFTER = 3, 5, 7, 10, 12
#: the year NLM introduced the publication type Observational Study
OBSERVATIONAL_FROM = 2014
#: each kind of trial: (the words naming it in its title, its publication types)
_TRIALS = {
    "pilot": ("pilot", (PT_TRIAL,)),
    "I": ("phase I", (PT_PHASE1,)),
    "II": ("phase II", (PT_PHASE2,)),
    "III": ("phase III", (PT_PHASE3, PT_RCT)),
    "rct": ("randomized controlled", (PT_RCT,)),
    "unphased": ("clinical", (PT_TRIAL,)),
}


def clinical_types(graph, i: int) -> tuple[str, list[tuple[str, str]]]:
    """Where record ``i`` of ``graph`` (a :class:`~citegraph.testing.synthetic_graph.SyntheticGraph`) stands on its line of work's road to the clinic: (for a trial,
    the words naming it in its title, else ""; its trial, review, guideline or study
    publication types). Drawn from the record's own stream 2, apart from every other choice."""
    kind, year = graph._kinds[i], graph._years[i]
    if kind in (LETTER, NOTICE):
        return "", []
    rng = graph._rng(i, 2)
    age = year - TOPICS[graph._topics[i]][1]
    if kind == TRIAL:
        if age < PHASE_I_AFTER:
            words, types = _TRIALS["pilot"]
        else:
            options = {"I": 3.0, "unphased": 0.6}
            if age >= PHASE_II_AFTER:
                options["II"] = 2.5
            if age >= PHASE_III_AFTER:
                options.update({"III": 1.5, "rct": 1.2})
            words, types = _TRIALS[rng.choices(list(options), list(options.values()))[0]]
        types = list(types)
        if PT_RCT in types and rng.random() < 0.5:
            types.append(PT_MULTICENTER)
        return words, types
    if kind == REVIEW:
        r = rng.random()
        if age >= GUIDELINE_AFTER and r < 0.08:
            return "", [PT_PRACTICE_GUIDELINE, PT_GUIDELINE]
        if age >= META_AFTER and r < 0.25:
            return "", [PT_REVIEW, PT_META, PT_SYSTEMATIC]
        return "", [PT_REVIEW]
    if year >= OBSERVATIONAL_FROM and rng.random() < 0.06:
        return "", [PT_OBSERVATIONAL]
    return "", []
