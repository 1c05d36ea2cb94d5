"""Export speed per format on a synthetic crawl (not part of the test suite).

    python benchmarks/bench_exports.py [--papers 3000] [--depth 2]

Crawls the local E-utilities server's synthetic corpus into a temporary store, builds the
whole-store selection once, then writes every format to a temporary file and prints the time,
records per second and file size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from citegraph.config import Settings
from citegraph.crawl import CrawlOptions, Crawler
from citegraph.exports.formats import FORMATS, export
from citegraph.exports.selection import select
from citegraph.pubmed import parse_articles
from citegraph.sources.eutils import EutilsClient
from citegraph.store import Store
from citegraph.testing import Corpus, EutilsServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=3000)
    parser.add_argument("--depth", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    with EutilsServer(Corpus.synthetic(args.papers, seed=1), rate_limit=100) as server:
        settings = Settings(eutils_url=server.url, data_dir=folder, rate=100)
        with EutilsClient(settings) as client, Store(settings.store_path) as store:
            Crawler(client, store, parse=parse_articles).run(["90000001"], CrawlOptions(depth=args.depth))
    with Store(folder / "citegraph.sqlite") as store:
        started = time.perf_counter()
        selection = select(store)
        took = time.perf_counter() - started
    print(f"selection: {len(selection):,} records, {len(selection.distinct_edges()):,} edges, {took:.2f} s")
    print(f"{'format':<10} {'seconds':>8} {'records/s':>10} {'size':>10}")
    for fmt in FORMATS:
        target = folder / f"out.{fmt}"
        started = time.perf_counter()
        export(selection, fmt, str(target))
        took = time.perf_counter() - started
        files = [Path(f"{target}_map.txt"), Path(f"{target}_network.txt")] if fmt == "vosviewer" else [target]
        size = sum(f.stat().st_size for f in files)
        print(f"{fmt:<10} {took:>8.2f} {len(selection) / took:>10,.0f} {size / 1e6:>8.1f} MB")


if __name__ == "__main__":
    main()
