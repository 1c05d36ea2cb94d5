"""Records/s and peak memory of PubMed XML readers on one file, and of `citegraph import`.

    python benchmarks/bench_reader.py FILE [--readers citegraph,pubmed_parser,...] [--repeat N]

Each reader runs in a fresh subprocess that reads the whole file and reports its wall time, its
CPU time and its peak resident memory (VmHWM from /proc/self/status: ru_maxrss would carry the
parent's peak across fork/exec). On a shared machine the wall figures move with the load, so the
load average is printed with them and the best of --repeat runs is kept.

Readers:
  citegraph         citegraph.pubmed.iter_articles (every field, raw XML kept per record)
  pubmed_parser     pubmed_parser.parse_medline_xml with its defaults (no authors, no references)
  pubmed_parser_full  the same with author_list=True, reference_list=True (closer to citegraph)
  bio_entrez        Bio.Entrez.read on the decompressed stream (builds the whole file in memory)
  bio_entrez_http   the file's first 2 MB with an http DOCTYPE (as in older NLM files): does it read?
  lxml_pmid         bare lxml iterparse pulling PMIDs only: a floor, not a parser
  import            `citegraph import` end to end (reader + store, default worker processes)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
READERS = ("citegraph", "pubmed_parser", "pubmed_parser_full", "bio_entrez", "bio_entrez_http", "lxml_pmid",
           "import")


def _vmhwm_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_one(reader: str, path: str) -> dict:
    """Inside the subprocess: read the whole file with one reader."""
    import gzip

    wall, cpu = time.perf_counter(), time.process_time()
    note = ""
    if reader == "citegraph":
        from citegraph.pubmed import iter_articles

        records = sum(1 for _ in iter_articles(path))
    elif reader in ("pubmed_parser", "pubmed_parser_full"):
        import pubmed_parser

        full = reader == "pubmed_parser_full"
        records = sum(1 for _ in pubmed_parser.parse_medline_xml(path, author_list=full, reference_list=full))
    elif reader == "bio_entrez":
        from Bio import Entrez

        opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
        with opener(path, "rb") as handle:
            try:
                data = Entrez.read(handle)
            except Exception as exc:  # e.g. a DOCTYPE naming its DTD over http
                return {"reader": reader, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        records = len(data["PubmedArticle"]) + len(data["PubmedBookArticle"])
    elif reader == "bio_entrez_http":
        # NLM's older files name their DTD over http: the first 2 MB of this file with its
        # DOCTYPE rewritten that way, read by Bio.Entrez and by citegraph
        import io

        from Bio import Entrez

        from citegraph.pubmed import iter_articles

        opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
        with opener(path, "rb") as handle:
            head = handle.read(2 << 20)
        doc = head[:head.rfind(b"</PubmedArticle>") + 16] + b"</PubmedArticleSet>"
        doc = doc.replace(b'"https://dtd.nlm.nih.gov', b'"http://dtd.nlm.nih.gov', 1)
        ours = sum(1 for _ in iter_articles(doc))
        try:
            Entrez.read(io.BytesIO(doc))
            note = f"Bio.Entrez read it; citegraph read {ours} records"
        except Exception as exc:
            note = f"Bio.Entrez refuses: {type(exc).__name__}: {exc}; citegraph read all {ours} records"
        return {"reader": reader, "error": note}
    elif reader == "lxml_pmid":
        from lxml import etree

        records = 0
        with gzip.open(path) as stream:
            for _, elem in etree.iterparse(stream, tag="PubmedArticle", resolve_entities=False, no_network=True):
                elem.findtext("MedlineCitation/PMID")
                records += 1
                elem.clear()
                while elem.getprevious() is not None:
                    del elem.getparent()[0]
    elif reader == "import":
        sys.path.insert(0, str(REPO))
        from citegraph import cli

        with tempfile.TemporaryDirectory() as folder:
            code = cli.main(["--quiet", "--cache-dir", folder, "import", "--json", path])
            if code:
                return {"reader": reader, "error": f"exit code {code}"}
        records = None
        note = "records from the import summary"
    else:
        raise SystemExit(f"unknown reader {reader}")
    return {"reader": reader, "records": records, "seconds": time.perf_counter() - wall,
            "cpu_seconds": time.process_time() - cpu, "peak_mb": _vmhwm_mb(), "note": note}


def measure(reader: str, path: str) -> dict:
    cmd = [sys.executable, __file__, "--one", reader, path]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        return {"reader": reader, "error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    lines = proc.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    if reader == "import" and "error" not in result:
        summary = json.loads("\n".join(lines[:-1]))
        result["records"] = summary["records"]
        result["workers"] = os.cpu_count()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--readers", default=",".join(READERS))
    parser.add_argument("--repeat", type=int, default=1, help="runs per reader; the fastest is kept")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.file)))
        return
    results = {}
    print(f"file {args.file} ({os.path.getsize(args.file) / 1e6:.1f} MB), {os.cpu_count()} CPUs")
    for reader in args.readers.split(","):
        best = None
        for _ in range(args.repeat):
            load = os.getloadavg()[0]
            result = measure(reader, args.file)
            result["load"] = load
            if "error" in result:
                best = result
                break
            if best is None or result["seconds"] < best["seconds"]:
                best = result
        results[reader] = best
        if "error" in best:
            print(f"{reader:19s} ERROR {best['error']}")
        else:
            rate = best["records"] / best["seconds"]
            cpu_rate = best["records"] / best["cpu_seconds"] if best["cpu_seconds"] else 0
            print(f"{reader:19s} {best['records']:7,d} records {best['seconds']:7.1f} s {rate:8,.0f} records/s "
                  f"(per CPU-second of the main process {cpu_rate:7,.0f})  peak {best['peak_mb']:7.0f} MB"
                  f"  load {best['load']:.1f}")
    ours = results.get("citegraph", {})
    if ours and "error" not in ours:
        base = ours["records"] / ours["seconds"]
        base_cpu = ours["records"] / ours["cpu_seconds"]
        for other in ("pubmed_parser", "pubmed_parser_full", "bio_entrez"):
            theirs = results.get(other)
            if theirs and "error" not in theirs:
                wall = base / (theirs["records"] / theirs["seconds"])
                cpu = base_cpu / (theirs["records"] / theirs["cpu_seconds"])
                print(f"citegraph / {other:19s} {wall:5.2f}x records/s (wall)   {cpu:5.2f}x per CPU-second")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
