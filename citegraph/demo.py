"""The offline demo: a corpus served by the bundled E-utilities server, crawled into a demo store.

``citegraph demo`` crawls without the internet: :func:`serving` runs
:class:`~citegraph.testing.EutilsServer` on a free loopback port in a thread of the calling
process, so the server cannot outlive the command, whatever ends it (Ctrl-C, SIGTERM, kill -9).
The corpus (:class:`DemoSource`) is synthetic (the founding paper 90000001 and its field) or
read from real PubMed XML files (then the demo starts at their most cited paper).

The demo keeps its own store, marked as demo data in the SQLite header, with no table and no
migration:

- ``PRAGMA application_id`` = :data:`DEMO_APPLICATION_ID`: the store holds demo data. A crawl
  from a remote source refuses such a store (:func:`check_crawl_target`), so demo records and
  real ones never mix.
- ``PRAGMA user_version`` = the served corpus's :meth:`DemoSource.fingerprint`: a demo of
  another corpus starts the store afresh instead of mixing the two (:func:`prepare_store`;
  :func:`store_status` says beforehand what it will find, touching nothing).

Nothing here prints; the command line decides what to say.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import sqlite3
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence
from urllib.parse import urlsplit

from .errors import InputError, StoreError

if TYPE_CHECKING:
    from .store import Store
    from .testing import Corpus

__all__ = ["DEFAULT_PAPERS", "DEFAULT_SEED", "DEMO_APPLICATION_ID", "DEMO_FOLDER", "DEPTH", "SYNTHETIC_ROOT",
           "DemoSource", "check_crawl_target", "example_descendant", "is_demo_store", "most_cited",
           "command_line", "next_commands", "prepare_store", "serving", "store_status"]

DEFAULT_PAPERS = 5000
DEFAULT_SEED = 1
#: generations the demo crawls from its seed
DEPTH = 2
#: the synthetic corpus's founding paper: the oldest and most cited, the root of its field
SYNTHETIC_ROOT = "90000001"
#: the demo's store lives in this subfolder of the data folder (``./cache/demo`` by default)
DEMO_FOLDER = "demo"
#: ``PRAGMA application_id`` of a demo store: "CGdm" in ASCII
DEMO_APPLICATION_ID = 0x4347646D
#: a real paper with a large citing literature: the demo's suggestion for a first real crawl
REAL_EXAMPLE = "3493432"


@dataclass(frozen=True)
class DemoSource:
    """What the demo serves: ``files`` (PubMed XML, ``.xml`` or ``.xml.gz``) when given, else
    a synthetic corpus of ``papers`` records generated from ``seed``."""

    papers: int = DEFAULT_PAPERS
    seed: int = DEFAULT_SEED
    files: tuple[Path, ...] = ()

    def describe(self) -> str:
        """'5,000 synthetic papers (seed 1)' or the files' names."""
        if self.files:
            return ", ".join(path.name for path in self.files)
        return f"{self.papers:,} synthetic paper{'s' if self.papers != 1 else ''} (seed {self.seed})"

    def fingerprint(self) -> int:
        """A positive 31-bit number that differs between corpora: the synthetic size and seed,
        or each file's absolute path, size and modification time."""
        if self.files:
            parts = []
            for path in self.files:
                info = path.stat()
                parts.append(f"{path.resolve()}\0{info.st_size}\0{info.st_mtime_ns}")
            text = "files\0" + "\0".join(parts)
        else:
            text = f"synthetic\0{self.papers}\0{self.seed}"
        return (zlib.crc32(text.encode("utf-8", "surrogateescape")) & 0x7FFFFFFF) or 1

    def load(self) -> "Corpus":
        """The corpus, with its cited-by index built (the server answers at once)."""
        from .testing import Corpus

        corpus = Corpus.load(self.files) if self.files else Corpus.synthetic(self.papers, self.seed)
        return corpus.warm()

    def start_pmid(self, corpus: "Corpus") -> str:
        """Where the demo crawl starts: the synthetic founding paper, or the files' most cited paper."""
        return most_cited(corpus) if self.files else SYNTHETIC_ROOT


def most_cited(corpus: "Corpus") -> str:
    """The PMID cited by most records of ``corpus`` (the lowest PMID among equals); it need
    not have a record of its own. InputError when no record cites a PubMed id."""
    counts = Counter(cited for _, cited in corpus.edges())
    if not counts:
        raise InputError("no record of the corpus cites a PubMed id: there is nothing to crawl")
    return min(counts.items(), key=lambda item: (-item[1], int(item[0])))[0]


@contextmanager
def serving(corpus: "Corpus") -> Iterator[str]:
    """Serve ``corpus`` on a free port of 127.0.0.1 while the block runs; yields the
    E-utilities base URL. The server is a thread of this process: it stops when the block
    ends, and it ends with the process in any case."""
    from .testing import EutilsServer

    with EutilsServer(corpus) as server:
        yield server.url


# -- the demo store ----------------------------------------------------------------------------

def _header(path: Path) -> tuple[int, int] | None:
    """(application_id, user_version) of the SQLite file at ``path``; None when there is no
    such file or it is no readable database (opening it as a store says what is wrong)."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return (db.execute("PRAGMA application_id").fetchone()[0],
                    db.execute("PRAGMA user_version").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return None


def is_demo_store(path: Path) -> bool:
    """Whether the store at ``path`` is marked as demo data."""
    header = _header(Path(path))
    return header is not None and header[0] == DEMO_APPLICATION_ID


def store_status(path: Path, source: DemoSource) -> str:
    """What :func:`prepare_store` would find at ``path``, changing nothing:

    - ``"new"``: nothing, or an empty store;
    - ``"reused"``: the demo store of the same corpus (its crawl resumes or is complete);
    - ``"replaced"``: the demo store of another corpus, to be deleted.

    StoreError when ``path`` holds a store that is not demo data and is not empty (a real
    crawl's or import's): the demo never writes there."""
    from .store import Store

    path = Path(path)
    header = _header(path)
    if header is not None and header[0] == DEMO_APPLICATION_ID:
        return "reused" if header[1] == source.fingerprint() else "replaced"
    if path.exists():
        with Store(path) as store:
            counts = store.counts()
        if counts["articles"] or counts["crawls"] or counts["citations"]:
            raise StoreError(f"{path.parent} holds a store that is not demo data ({counts['articles']:,} articles): "
                             "the demo keeps its own, give it another --data-dir")
    return "new"


def prepare_store(path: Path, source: DemoSource) -> str:
    """Make ``path`` the demo store of ``source``, marked as demo data; returns
    :func:`store_status` from before (a ``"replaced"`` store is deleted first)."""
    from .store import Store

    path = Path(path)
    status = store_status(path, source)
    if status == "replaced":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    with Store(path):  # creates the schema
        pass
    db = sqlite3.connect(path, timeout=30)
    try:
        db.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {source.fingerprint()}")
    finally:
        db.close()
    return status


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_crawl_target(store_path: Path, eutils_url: str) -> None:
    """InputError when a crawl from ``eutils_url`` would add real data to a demo store (any
    source but one on this machine, such as the demo's own server, is real)."""
    if not _is_loopback(eutils_url) and is_demo_store(store_path):
        raise InputError(f"{Path(store_path).parent} holds demo data (made by `citegraph demo`): crawl into "
                         "another --data-dir (the default is ./cache), so demo and real records never mix")


def example_descendant(store: "Store", seed: str) -> str | None:
    """A paper to ask ``why`` about: the most cited paper of the deepest generation of the
    seed's latest crawl (lowest PMID among equals); None when the crawl found no citing paper."""
    crawl = store.latest_crawl_of(seed)
    if crawl is None:
        return None
    nodes = store.nodes(crawl["id"])
    deepest = max((generation for _, generation in nodes), default=0)
    if deepest == 0:
        return None
    candidates = [pmid for pmid, generation in nodes if generation == deepest]
    counts = store.cited_by_counts(candidates)
    return min(candidates, key=lambda pmid: (-counts.get(pmid, 0), int(pmid)))


# -- what to try next --------------------------------------------------------------------------

def command_line(args: Sequence[str]) -> str:
    """``citegraph ARGS`` as a shell command line (each argument quoted where it needs it)."""
    return " ".join(shlex.quote(str(a)) for a in ["citegraph", *args])


def next_commands(demo_dir: Path, seed: str, descendant: str | None,
                  data_dir: Path | None = None) -> list[tuple[str, str]]:
    """(command line, what it does) for a newcomer after the demo: commands on the demo store,
    each with its ``--data-dir``, then a real crawl (into ``data_dir`` when given, else the
    default data folder)."""
    on_demo = ["--data-dir", os.fspath(demo_dir)]
    rows = [
        (command_line([*on_demo, "browse", seed]), "browse the graph in the terminal (? lists the keys, q quits)"),
        (command_line([*on_demo, "timeline", seed, "--by", "topic"]), "papers per year and lens topic"),
        (command_line([*on_demo, "mainpath", seed]), "the main path: the backbone of the field"),
    ]
    if descendant is not None:
        rows.append((command_line([*on_demo, "why", descendant, "--seed", seed]),
                     "the citation chains from the seed to a paper"))
    rows += [
        (command_line([*on_demo, "export", "--format", "csv", "-o", "demo.csv"]), "the papers as a spreadsheet table"),
        (command_line([*on_demo, "stats"]), "what the demo store holds"),
        (command_line([*(["--data-dir", os.fspath(data_dir)] if data_dir is not None else []),
                   "crawl", REAL_EXAMPLE, "--depth", str(DEPTH)]),
         "a real crawl from NCBI (needs the internet), in a store apart from the demo's"),
    ]
    return rows
