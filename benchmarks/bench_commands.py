"""CPU time, wall time and peak memory of each reading command, end to end, on a large store.

Each command runs as its own process (``python cli.py --cache-dir DIR ...`` in the repository),
so the figures include the interpreter's start, the imports, opening the store, loading the
graph and rendering the output (to a file, as when piped). The child's user + system CPU and
peak resident memory come from ``os.wait4``; wall time from the clock around it. Prints one
row per command with PASS/FAIL against the target (3 CPU-seconds), and with ``--peers`` the
same question answered by networkx (or igraph) from the same store, in its own process:
reading the edges, building the graph, running the algorithm (printing nothing).

    python benchmarks/make_synthetic_store.py /tmp/speed-store --papers 100000
    python benchmarks/bench_commands.py /tmp/speed-store
    python benchmarks/bench_commands.py /tmp/speed-store --only communities rank-pagerank --peers

First, untimed, one ``topics`` run brings the store's derived metadata table up to date and
fills the topic cache, as the first analysis command after a crawl does once (``--no-warm-up``
leaves it out); ``--cold-topics`` empties the topic cache just before ``topics`` is timed, so
that it classifies every paper. Not part of the test suite;
on a shared machine the wall time grows with other processes' load (the CPU time much less).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_CPU = 3.0

#: the synthetic corpus's root (nearly every paper descends from it), a paper far below it,
#: and a second root-level paper
ROOT, DESCENDANT, SECOND = "90000001", "90050000", "90000017"

#: (name, arguments after the global options)
COMMANDS: list[tuple[str, list[str]]] = [
    ("stats", ["stats"]),
    ("show", ["show", ROOT]),
    ("show-json", ["show", ROOT, "--json"]),
    ("rank", ["rank", ROOT]),
    ("rank-pagerank", ["rank", ROOT, "--by", "pagerank"]),
    ("rank-betweenness", ["rank", ROOT, "--by", "betweenness"]),
    ("path", ["path", DESCENDANT, ROOT]),
    ("why", ["why", DESCENDANT, "--seed", ROOT]),
    ("mainpath", ["mainpath", ROOT]),
    ("mainpath-local", ["mainpath", ROOT, "--search", "local", "--key-routes", "5"]),
    ("related", ["related", SECOND]),
    ("timeline", ["timeline", ROOT]),
    ("timeline-generation", ["timeline", ROOT, "--by", "generation"]),
    ("topics", ["topics", ROOT]),
    ("communities", ["communities"]),
    ("communities-json", ["communities", "--json"]),
]

#: the same question answered by a general graph library, reading the store's edges itself
_READ_EDGES = """
import sqlite3
db = sqlite3.connect({store!r})
edges = db.execute("SELECT citing, cited FROM citations WHERE citing != cited").fetchall()
nodes = [r[0] for r in db.execute("SELECT pmid FROM articles")]
"""
_NX_GRAPH = _READ_EDGES + """
import networkx as nx
g = nx.DiGraph()
g.add_nodes_from(nodes)
g.add_edges_from(e for e in edges if e[0] in g and e[1] in g)
"""
_IGRAPH = _READ_EDGES + """
import igraph, random
index = {{p: i for i, p in enumerate(nodes)}}
g = igraph.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in edges if a in index and b in index],
                 directed=True)
igraph.set_random_number_generator(random.Random(0))
"""
#: command name: (peer, its program)
PEERS: dict[str, tuple[str, str]] = {
    "rank": ("networkx in_degree", _NX_GRAPH + "sorted(g.in_degree, key=lambda d: -d[1])[:20]\n"),
    "rank-pagerank": ("igraph pagerank", _IGRAPH + "g.pagerank()\n"),
    "path": ("networkx all_shortest_paths",
             _NX_GRAPH + f"list(nx.all_shortest_paths(g, {int(DESCENDANT)}, {int(ROOT)}))\n"),
    "timeline": ("networkx ancestors", _NX_GRAPH + f"len(nx.ancestors(g, {int(ROOT)}))\n"),
    "communities": ("igraph multilevel (Louvain)",
                    _IGRAPH + "g.as_undirected(mode='collapse').community_multilevel()\n"),
    "communities-json": ("igraph leiden alone",
                         _IGRAPH + "g.as_undirected(mode='collapse').community_leiden("
                                   "objective_function='modularity', n_iterations=1)\n"),
}


def run(argv: list[str], *, cwd: Path) -> dict:
    """Run ``argv``; its CPU seconds (user + system), wall seconds, peak MB, exit code and the
    first line of what it wrote to stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                 env={**os.environ, "COLUMNS": "100"})
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        message = err.read().decode(errors="replace").strip().splitlines()
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "mb": usage.ru_maxrss / 1024,
            "code": child.returncode, "message": message[-1] if message else ""}


def measure(argv: list[str], repeat: int, cwd: Path) -> dict:
    """The run of ``argv`` with the median CPU time of ``repeat`` runs."""
    runs = sorted((run(argv, cwd=cwd) for _ in range(repeat)), key=lambda r: r["cpu"])
    best = runs[len(runs) // 2]
    best["cpus"] = [r["cpu"] for r in runs]
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the store's folder (--cache-dir)")
    parser.add_argument("--only", nargs="*", metavar="NAME",
                        help=f"commands to run, of: {' '.join(name for name, _ in COMMANDS)}")
    parser.add_argument("--repeat", type=int, default=1, help="runs per command (the median CPU time is shown)")
    parser.add_argument("--peers", action="store_true", help="also time networkx/igraph on the same questions")
    parser.add_argument("--cold-topics", action="store_true", help="empty the topic cache before `topics`")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                        help="skip the untimed first `topics` run (it brings the store's derived metadata "
                             "table up to date and fills the topic cache: once per store)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs cli.py")
    args = parser.parse_args(argv)
    store = args.folder / "citegraph.sqlite"
    if not store.exists():
        parser.error(f"no store at {store} (make one with benchmarks/make_synthetic_store.py)")
    chosen = [(n, a) for n, a in COMMANDS if not args.only or n in args.only]
    header = f"{'command':<22} {'CPU s':>7} {'wall s':>7} {'peak MB':>8}  {'target':>6}"
    if args.peers:
        header += f"  {'peer':<30} {'peer CPU s':>10} {'ratio':>6}"
    print(f"store {store} ({store.stat().st_size / 1e9:.2f} GB), load {os.getloadavg()[0]:.1f}", flush=True)
    print(header, flush=True)
    if args.warm_up:
        warm = run([args.python, "cli.py", "--cache-dir", str(args.folder), "topics", ROOT], cwd=REPO)
        print(f"(warm-up, untimed: topics {ROOT}: {warm['cpu']:.2f} CPU-s)", flush=True)
    failed = 0
    for name, command in chosen:
        if name == "topics" and args.cold_topics:
            db = sqlite3.connect(store)
            with db:
                db.execute("DELETE FROM topic_cache")
            db.close()
        result = measure([args.python, "cli.py", "--cache-dir", str(args.folder), *command], args.repeat, REPO)
        ok = result["code"] == 0 and result["cpu"] <= TARGET_CPU
        failed += not ok
        verdict = "PASS" if ok else "FAIL"
        line = (f"{name:<22} {result['cpu']:7.2f} {result['wall']:7.2f} {result['mb']:8.0f}  "
                f"{TARGET_CPU:4.0f} s {verdict}")
        if args.peers and name in PEERS:
            label, code = PEERS[name]
            peer = measure([args.python, "-c", code.format(store=str(store))], 1, REPO)
            line += f"  {label:<30} {peer['cpu']:10.2f} {peer['cpu'] / result['cpu']:5.1f}x"
            if peer["code"] != 0:
                line += f" (peer exit {peer['code']}: {peer['message'][:60]})"
        if result["code"] != 0:
            line += f"  exit {result['code']}: {result['message'][:80]}"
        print(line, flush=True)
    print(f"load {os.getloadavg()[0]:.1f}; {len(chosen) - failed} of {len(chosen)} within {TARGET_CPU:.0f} CPU-s",
          flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
