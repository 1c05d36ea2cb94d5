"""Build a citegraph store from a synthetic corpus directly (no HTTP), for browsing benchmarks.

    python benchmarks/make_synthetic_store.py /tmp/cg50k --papers 50000 --seed 1

Writes DIR/citegraph.sqlite (the store path for ``--cache-dir DIR``): every record, and its
reference edges as the crawl would store them. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from citegraph.config import Settings  # noqa: E402
from citegraph.crawl import SOURCE_RECORD  # noqa: E402
from citegraph.pubmed import parse_record  # noqa: E402
from citegraph.store import Store  # noqa: E402
from citegraph.testing.synthetic import SyntheticCorpus  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--papers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    path = Settings.from_env(data_dir=args.folder).store_path
    start = time.perf_counter()
    synth = SyntheticCorpus(args.papers, args.seed)
    batch = []
    with Store(path) as store:
        for i in range(args.papers):
            batch.append(parse_record(synth.record(i)))
            if len(batch) == 2000 or i == args.papers - 1:
                with store.transaction():
                    store.put_articles(batch, source="synthetic")
                    store.add_citations(((a.pmid, r) for a in batch for r in a.reference_pmids), SOURCE_RECORD)
                batch = []
        counts = store.counts()
    print(f"{path}: {counts['articles']:,} articles, {counts['citations']:,} edges "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
