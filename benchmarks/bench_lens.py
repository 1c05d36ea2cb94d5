"""Precision and recall of a topic lens per topic, on hand-labelled real PubMed records.

    python benchmarks/bench_lens.py [--lens FILE] [--labels FILE] [--records FILE] [--set dev|holdout|all]

The labels (``benchmarks/data/lens_labels.tsv``, the topic definitions in its header) say which
topics of the built-in ``cell-therapy`` lens truly apply to each of a few hundred records of the
PubMed update file ``--records`` (default: the fixture ``pubmed21n1298.xml.gz``). The records
are read with ``citegraph.pubmed.iter_articles`` and classified with ``classify_many``
(what the store uses); the per-paper ``Topic.matches`` must give the same answers, and the
script exits 2 if it does not.

Each label row carries its set: ``dev`` rows were labelled before the rules were tuned and
their errors were read while tuning; ``holdout`` rows were labelled after, from records
drawn by a hash of the PMID, and were not used to choose the rules. Report them apart.

Prints per topic: labelled positives, true and false positives, false negatives, precision and
recall. Run with ``--lens`` on another lens file (e.g. ``git show main:citegraph/lenses/
cell-therapy.toml > /tmp/before.toml``) to compare rule sets; ``--errors`` lists every false
positive and false negative with its title.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from citegraph.analysis.lens import classify_many, load_lens  # noqa: E402
from citegraph.analysis.selection import PaperMeta  # noqa: E402
from citegraph.models import Article  # noqa: E402
from citegraph.pubmed import iter_articles  # noqa: E402

LABELS = REPO / "benchmarks" / "data" / "lens_labels.tsv"
RECORDS = REPO.parent / "shared" / "fixtures" / "pubmed" / "pubmed21n1298.xml.gz"
SETS = ("dev", "holdout")


def read_labels(path: Path) -> dict[str, tuple[frozenset[str], str, str]]:
    """{pmid: (topic keys that apply, set, reason)} from the labels file: tab-separated
    ``pmid, topics (comma-separated, "-" for none), set, reason``; ``#`` lines are comments."""
    labels: dict[str, tuple[frozenset[str], str, str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"{path}:{number}: expected 4 tab-separated fields, found {len(fields)}")
        pmid, topics, which, reason = fields
        if not pmid.isdigit() or pmid in labels or which not in SETS or not reason.strip():
            raise ValueError(f"{path}:{number}: bad or repeated row for {pmid!r}")
        keys = frozenset() if topics == "-" else frozenset(topics.split(","))
        labels[pmid] = (keys, which, reason)
    return labels


def load_records(path: Path, pmids: set[str]) -> dict[str, Article]:
    """The labelled records of the update file (its last version of each)."""
    return {a.pmid: a for a in iter_articles(path) if isinstance(a, Article) and a.pmid in pmids}


def classify(lens, records: dict[str, Article]) -> dict[str, frozenset[str]]:
    """{pmid: topic keys} by ``classify_many``; raises SystemExit(2) if the per-paper
    ``Topic.matches`` disagrees."""
    pmids = sorted(records)
    arts = [records[p] for p in pmids]
    batch = classify_many(lens, pmids, [a.title for a in arts], [a.abstract for a in arts],
                          [[x for m in a.mesh for x in (m.ui, m.descriptor)] for a in arts])
    found = {p: frozenset(batch.get(p, ())) for p in pmids}
    for p, a in zip(pmids, arts):
        meta = PaperMeta(mesh=tuple((m.ui, m.descriptor) for m in a.mesh), abstract=a.abstract)
        single = frozenset(t.key for t in lens.topics if t.matches(a.title, meta))
        if single != found[p]:
            print(f"classify_many and Topic.matches disagree on {p}: {sorted(found[p])} vs {sorted(single)}",
                  file=sys.stderr)
            raise SystemExit(2)
    return found


def scores(lens, labels, found, pmids) -> list[dict]:
    """Per topic: positives, tp, fp, fn, precision, recall over ``pmids``."""
    rows = []
    for topic in lens.topics:
        truth = {p for p in pmids if topic.key in labels[p][0]}
        said = {p for p in pmids if topic.key in found[p]}
        tp, fp, fn = len(truth & said), len(said - truth), len(truth - said)
        rows.append({"topic": topic.key, "positives": len(truth), "tp": tp, "fp": fp, "fn": fn,
                     "precision": tp / (tp + fp) if tp + fp else None,
                     "recall": tp / (tp + fn) if tp + fn else None})
    return rows


def _ratio(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lens", help="lens TOML file (default: the built-in cell-therapy lens)")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--records", type=Path, default=RECORDS)
    parser.add_argument("--set", choices=SETS + ("all",), default="all", dest="which")
    parser.add_argument("--errors", action="store_true", help="list false positives and negatives")
    args = parser.parse_args(argv)

    lens = load_lens(args.lens)
    labels = read_labels(args.labels)
    records = load_records(args.records, set(labels))
    missing = sorted(set(labels) - set(records))
    if missing:
        print(f"labelled PMIDs not in {args.records}: {', '.join(missing)}", file=sys.stderr)
        return 1
    unknown = sorted({k for keys, _, _ in labels.values() for k in keys} - {t.key for t in lens.topics})
    if unknown:
        print(f"labels name topics the lens lacks: {', '.join(unknown)}", file=sys.stderr)
        return 1
    found = classify(lens, records)
    sets = SETS if args.which == "all" else (args.which,)
    print(f"lens: {lens.source}  records: {args.records.name}")
    for which in sets + (("all",) if args.which == "all" else ()):
        pmids = sorted(p for p in labels if which == "all" or labels[p][1] == which)
        print(f"\n{which}: {len(pmids)} labelled records")
        print(f"{'topic':<11}{'pos':>5}{'TP':>5}{'FP':>5}{'FN':>5}{'prec':>7}{'recall':>8}")
        for row in scores(lens, labels, found, pmids):
            print(f"{row['topic']:<11}{row['positives']:>5}{row['tp']:>5}{row['fp']:>5}{row['fn']:>5}"
                  f"{_ratio(row['precision']):>7}{_ratio(row['recall']):>8}")
        if args.errors:
            for p in pmids:
                truth, said = labels[p][0], found[p]
                for key in sorted(said - truth):
                    print(f"  FP {key:<10} {p}  {records[p].title[:110]}")
                for key in sorted(truth - said):
                    print(f"  FN {key:<10} {p}  {records[p].title[:110]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
