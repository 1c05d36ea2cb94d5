"""Kill -9 soak: a crawl killed with SIGKILL again and again ends exactly like one never killed.

    python benchmarks/soak_kill.py 20 [--size 4000] [--depth 2] [--seed 5] [--sources pubmed,icite]

Serves a synthetic corpus with injected faults from this process, runs ``citegraph crawl`` in
a child process, kills it with SIGKILL at a random moment, records what the store holds, and
starts the same command again; N times, then lets it finish. ``--sources pubmed,icite`` crawls
iCite too (from the same server, with the same fault plan). Checks at the end:
- the store equals that of an uninterrupted crawl of the same sources (articles, edges with
  their source bits, and iCite's metrics without the time they were fetched);
- ``PRAGMA integrity_check`` is ok;
- no request asked again for data that was committed before a kill (every efetch, elink and
  iCite PMID the server saw is compared with the store as it was at the previous kill: efetch
  with the stored records, elink with the linked papers, iCite with the linked papers whose
  metrics are stored).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from citegraph.testing import Corpus, EutilsServer, FaultPlan  # noqa: E402
from citegraph.testing.citation_apis import route  # noqa: E402

ROOT = "90000001"


class RecordingServer(EutilsServer):
    """Remembers which ids each efetch / elink / iCite request asked for, in arrival order."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[tuple[float, str, list[str]]] = []
        self._asked_lock = threading.Lock()

    def handle(self, path, params, client_ip):  # noqa: D102 - see EutilsServer.handle
        routed = route(path)
        if routed is not None:  # one of the citation APIs: the PMIDs in the path or in pmids=
            endpoint, path_params = routed
            ids = [i.strip() for name, value in path_params + list(params) if name == "pmids"
                   for i in value.split(",") if i.strip()]
        else:
            endpoint = path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".fcgi")
            ids = [i.strip() for name, value in params if name == "id" for i in value.split(",") if i.strip()]
        if endpoint in ("efetch", "elink", "icite/pubs"):
            with self._asked_lock:
                self.asked.append((time.monotonic(), endpoint, ids))
        return super().handle(path, params, client_ip)


def snapshot(store: Path) -> dict[str, set[str]]:
    """What each endpoint must not be asked for again, as committed right now: efetch the PMIDs
    with a stored record, elink those already linked, iCite those linked whose metrics are
    stored."""
    if not store.exists():
        return {"efetch": set(), "elink": set(), "icite/pubs": set()}
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=30) as db:
        articles = {str(r[0]) for r in db.execute("SELECT pmid FROM articles")}
        linked = {str(r[0]) for r in db.execute(
            "SELECT pmid FROM crawl_nodes WHERE state = 'done' OR (state = 'fetch' AND linked = 1)")}
        has_metrics = "icite_metrics" in {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        metrics = {str(r[0]) for r in db.execute("SELECT pmid FROM icite_metrics")} if has_metrics else set()
    return {"efetch": articles, "elink": linked, "icite/pubs": linked & metrics}


def repeated(asked: list[tuple[float, str, list[str]]], since: float, committed: dict[str, set[str]],
             run: str) -> list[str]:
    """One line per request since ``since`` that asked for ids in ``committed`` (per endpoint)."""
    lines = []
    for at, endpoint, ids in asked:
        if at >= since:
            again = [i for i in ids if i in committed[endpoint]]
            if again:
                lines.append(f"{run}: {endpoint} asked again for {len(again)} committed ids "
                             f"(e.g. {', '.join(again[:5])})")
    return lines


def progress(store: Path) -> int:
    """Rows committed so far (records and crawl members): grows with every batch."""
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=30) as db:
            return (db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
                    + db.execute("SELECT COUNT(*) FROM crawl_nodes WHERE state != 'fetch' OR linked != 0").fetchone()[0])
    except sqlite3.Error:
        return 0


def rows(store: Path, sql: str) -> set:
    with sqlite3.connect(store) as db:
        return set(db.execute(sql).fetchall())


#: iCite's metrics as stored, without the time they were fetched
METRICS_SQL = ("SELECT pmid, citation_count, rcr, nih_percentile, apt, is_clinical, cited_by_clin, human, "
               "animal, molecular_cellular, provisional FROM icite_metrics")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kills", type=int)
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--sources", default="pubmed", help="the crawl's sources: pubmed (default) or pubmed,icite")
    args = parser.parse_args()
    sources = [s.strip() for s in args.sources.split(",") if s.strip()]
    if not set(sources) <= {"pubmed", "icite"} or "pubmed" not in sources:
        parser.error("--sources: pubmed or pubmed,icite")
    icite = "icite" in sources
    rng = random.Random(args.seed)
    corpus = Corpus.synthetic(args.size, seed=args.seed)
    plan = FaultPlan({"5xx": 0.05, "reset": 0.03, "truncate": 0.03, "short": 0.03}, seed=args.seed)
    folder = Path(tempfile.mkdtemp(prefix="soak-kill-"))
    with RecordingServer(corpus, rate_limit=10, latency_ms=150, per_record_ms=0.5, faults=plan) as server:
        env = {**os.environ, "CITEGRAPH_EUTILS_URL": server.url, "CITEGRAPH_RATE": "10",
               "CITEGRAPH_BACKOFF": "0.05"}
        command = [sys.executable, str(REPO / "cli.py"), "-q", "crawl", ROOT, "--depth", str(args.depth)]
        if icite:  # iCite from the same server, under the same fault plan as E-utilities
            env["CITEGRAPH_ICITE_URL"] = server.apis.urls()["icite_url"]
            command += ["--sources", ",".join(sources)]
        # the uninterrupted crawl first: the reference, and how long a whole crawl takes here
        clean_folder = folder / "clean"
        started = time.monotonic()
        clean = subprocess.run(command, env={**env, "CITEGRAPH_CACHE": str(clean_folder)},
                               capture_output=True, text=True)
        duration = time.monotonic() - started
        startup = server.asked[0][0] - started if server.asked else 1.0  # until the first request
        total = len(rows(clean_folder / "citegraph.sqlite", "SELECT pmid FROM articles"))
        print(f"uninterrupted crawl: {duration:.1f} s ({startup:.1f} s to the first request), "
              f"{total:,} articles, exit {clean.returncode}", flush=True)
        server.asked.clear()
        soaked = folder / "soaked"
        store = soaked / "citegraph.sqlite"
        violations: list[str] = []
        kills = finished_early = 0
        while kills < args.kills:
            committed = snapshot(store)
            since = time.monotonic()
            child = subprocess.Popen(command, env={**env, "CITEGRAPH_CACHE": str(soaked)},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                # kill at a random moment shortly after the run has committed something new
                # (an efetch or elink batch), so the kills spread over the whole crawl; within
                # 0.3 s, so that a 20-kill soak of this corpus ends before the crawl does
                before = progress(store)
                while child.poll() is None and progress(store) == before:
                    time.sleep(0.02)
                child.wait(timeout=rng.uniform(0.0, 0.3))
                finished_early += 1
                print(f"run {kills + finished_early}: finished before the kill (exit {child.returncode})")
                break
            except subprocess.TimeoutExpired:
                child.send_signal(signal.SIGKILL)
                child.wait()
                kills += 1
            violations += repeated(list(server.asked), since, committed, f"run {kills}")
            after = snapshot(store)
            line = (f"kill {kills}: {len(after['efetch']):,} articles stored "
                    f"({len(after['efetch']) - len(committed['efetch']):+,})")
            if icite:
                line += (f", {len(after['icite/pubs']):,} with iCite metrics "
                         f"({len(after['icite/pubs']) - len(committed['icite/pubs']):+,})")
            print(line, flush=True)
        committed = snapshot(store)
        since = time.monotonic()
        final = subprocess.run(command + ["--json"], env={**env, "CITEGRAPH_CACHE": str(soaked)},
                               capture_output=True, text=True)
        violations += repeated(list(server.asked), since, committed, "final run")
        checked = Counter(endpoint for _, endpoint, _ in server.asked)
        stats = server.stats()
        faults = Counter(endpoint for endpoint, _ in server.fault_log)
    clean_store = clean_folder / "citegraph.sqlite"
    same_articles = rows(store, "SELECT pmid FROM articles") == rows(clean_store, "SELECT pmid FROM articles")
    same_edges = rows(store, "SELECT citing, cited, sources FROM citations") == rows(
        clean_store, "SELECT citing, cited, sources FROM citations")
    metrics = rows(store, METRICS_SQL)
    same_metrics = metrics == rows(clean_store, METRICS_SQL)
    with sqlite3.connect(store) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    print(f"\n{kills} kills, final run exit {final.returncode}, clean run exit {clean.returncode}")
    print(f"articles {len(rows(store, 'SELECT pmid FROM articles')):,} (same as uninterrupted: {same_articles}); "
          f"edges same: {same_edges}; integrity_check: {integrity}")
    if icite:
        print(f"iCite metrics {len(metrics):,} (same as uninterrupted: {same_metrics})")
    print(f"server: {stats['total']} requests {stats['by_status']}, by API {stats['by_api']} "
          f"(429s by API {stats['429_by_api']}), "
          f"{sum(faults.values())} faults injected {dict(sorted(faults.items()))}")
    print(f"requests repeated for committed data: {len(violations)} "
          f"(of {', '.join(f'{n} {e}' for e, n in sorted(checked.items()))} checked)")
    for line in violations[:10]:
        print("  " + line)
    if final.returncode != 0:
        print("final run stderr: " + final.stderr.strip()[-2000:])
    ok = (final.returncode == 0 and same_articles and same_edges and same_metrics and integrity == "ok"
          and not violations)
    print("SOAK OK" if ok else "SOAK FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
