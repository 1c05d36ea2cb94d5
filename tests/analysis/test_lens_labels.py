"""The hand labels of benchmarks/bench_lens.py and the built-in cell-therapy lens on real records
of the PubMed update file fixture: the labels are well formed and name records of the file, and
the lens files a handful of hand-checked records as their labels say (the misfires it was
tightened against among them), by classify_many and by Topic.matches alike."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from citegraph.analysis.lens import load_lens

REPO = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_lens", REPO / "benchmarks" / "bench_lens.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_lens", module)
    spec.loader.exec_module(module)
    return module


bench = _bench()

#: records read and checked by hand: PMID, the topics that apply, what it shows
CHECKED = [
    ("33650666", set(), "GLI2 in gallbladder cancer: TIL counts and PD-L1 are side readouts"),
    ("33582906", set(), "COVID-19 serum IL-2 levels, indexed with the Interleukin-2 MeSH descriptor"),
    ("33887727", set(), "IL-2 receptor antagonist induction: cytokine blockade, not IL-2 given"),
    ("34096944", set(), "a superconductor whose formula Pd1-yTe looks like PD-1"),
    ("33901541", set(), "NK cells in Behcet's disease, not cancer"),
    ("34091947", set(), "T/NK-cell lymphoma pathology"),
    ("33826281", set(), "miRNA regulation of PD-L1 expression, no checkpoint therapy"),
    ("33155661", {"nk"}, "NK cells inhibit breast cancer invasion"),
    ("34094549", {"cytokines"}, "low-dose IL-2 therapy in lupus"),
    ("33744864", {"til"}, "TIL density as the prognostic variable"),
    ("33416128", {"checkpoint"}, "PD-L1/PD-1 blockade review written with non-breaking hyphens"),
    ("33835499", {"tcr-t"}, "a MAGE-A1 TCR optimised for adoptive transfer"),
    ("33795251", {"car-t"}, "mesothelin CAR T cells in ovarian cancer models"),
]


def test_labels_are_well_formed_and_name_lens_topics():
    labels = bench.read_labels(bench.LABELS)
    keys = {t.key for t in load_lens().topics}
    assert len(labels) >= 200
    assert all(topics <= keys and reason.strip() for topics, _, reason in labels.values())
    assert {which for _, which, _ in labels.values()} == {"dev", "holdout"}
    checked = {pmid: topics for pmid, topics, _ in CHECKED}
    assert all(labels[p][0] == topics for p, topics in checked.items())  # the two lists agree


def test_a_malformed_label_row_is_reported_with_its_line(tmp_path):
    path = tmp_path / "labels.tsv"
    path.write_text("# comment\n123\tnk\tdev\tfine\n456\tnk\tdev\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"labels.tsv:3: expected 4"):
        bench.read_labels(path)


@pytest.fixture(scope="module")
def records(imported_update_file):
    """The labelled records, as the run's import of the update file stored them."""
    from citegraph.store import Store

    with Store(imported_update_file[0]) as store:
        return store.get_articles(bench.read_labels(bench.LABELS))


def test_every_labelled_pmid_is_a_record_of_the_update_file(records):
    assert set(bench.read_labels(bench.LABELS)) <= set(records)


@pytest.mark.parametrize("pmid, topics, why", CHECKED, ids=[c[0] for c in CHECKED])
def test_the_built_in_lens_files_hand_checked_records_as_labelled(records, pmid, topics, why):
    # bench.classify also checks that classify_many and Topic.matches agree
    found = bench.classify(load_lens(), {pmid: records[pmid]})
    assert found[pmid] == topics, why
