"""Build a store straight from the synthetic corpus (no HTTP): records parsed and written the
way a crawl writes them, with the ReferenceList edges. Used by bench_analysis.py."""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from citegraph.crawl import SOURCE_RECORD  # noqa: E402
from citegraph.pubmed import parse_articles  # noqa: E402
from citegraph.store import Store, prepare_articles  # noqa: E402
from citegraph.testing.responses import efetch_pubmed  # noqa: E402
from citegraph.testing.synthetic import SyntheticCorpus  # noqa: E402


def build_store(path: Path, n: int, seed: int = 1, batch: int = 2000) -> float:
    """Write ``n`` synthetic records into a new store at ``path``; returns the seconds taken."""
    start = time.perf_counter()
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    synth = SyntheticCorpus(n, seed=seed)
    with Store(partial) as store:
        for first in range(0, n, batch):
            articles = parse_articles(efetch_pubmed(synth.record(i) for i in range(first, min(n, first + batch))))
            with store.transaction():
                store.put_articles(prepare_articles(articles, source="synthetic"))
                for article in articles:
                    store.add_citations(((article.pmid, ref) for ref in article.reference_pmids), SOURCE_RECORD)
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.rename(path)
    return time.perf_counter() - start


if __name__ == "__main__":
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    print(f"built in {build_store(Path(sys.argv[1]), size):.1f} s")
