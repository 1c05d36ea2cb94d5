"""Shared test fixtures.

Tests that read the real recorded NCBI responses or the real PubMed update file use the
``shared_fixtures`` fixture, which skips (with a reason) when ``../shared`` is absent, so a
fresh clone without it still passes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest

# A suite started in the background of a non-interactive shell (`bash .ci/run &`) inherits
# SIGINT ignored, and would hand that on to every process it starts: the Ctrl-C tests need
# it delivered. (A handler, unlike "ignored", is not inherited: children get Python's own.)
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CITEGRAPH_SHARED", REPO.parent / "shared"))
NCBI_FIXTURES = SHARED / "fixtures" / "ncbi"
PUBMED_UPDATE_FILE = SHARED / "fixtures" / "pubmed" / "pubmed21n1298.xml.gz"


@pytest.fixture
def ncbi_fixtures() -> Path:
    """Folder of real recorded E-utilities responses (see its SOURCES.md)."""
    if not NCBI_FIXTURES.is_dir():
        pytest.skip(f"real NCBI fixtures not found at {NCBI_FIXTURES} (../shared is absent)")
    return NCBI_FIXTURES


@pytest.fixture(scope="session")
def pubmed_update_file() -> Path:
    """The real PubMed update file pubmed21n1298.xml.gz (20,788 records)."""
    if not PUBMED_UPDATE_FILE.is_file():
        pytest.skip(f"real PubMed update file not found at {PUBMED_UPDATE_FILE} (../shared is absent)")
    return PUBMED_UPDATE_FILE


@pytest.fixture(scope="session")
def update_file_xml(pubmed_update_file) -> bytes:
    """The real update file's XML, decompressed once for the whole run (read-only bytes), for
    tests that check the reader against the text itself."""
    import gzip

    return gzip.decompress(pubmed_update_file.read_bytes())


class FileRecords(list):
    """The items read from a file, with ``read_seconds``: the CPU seconds reading them took."""

    read_seconds = 0.0


@pytest.fixture(scope="session")
def update_file_records(pubmed_update_file) -> FileRecords:
    """Every item the streaming reader gives for the real update file, in file order (its
    ``Article`` records and its ``DeletedCitations``): the file read once for the whole run.
    Read-only: a test that changes a record works on a copy (``dataclasses.replace``)."""
    from citegraph.pubmed import iter_articles

    started = time.process_time()
    records = FileRecords(iter_articles(pubmed_update_file, deletions=True))
    records.read_seconds = time.process_time() - started
    return records


@pytest.fixture(scope="session")
def real_corpus(update_file_records):
    """The real update file served by the local E-utilities server, as ``Corpus.load`` builds
    it (records in file order, deletions applied), from :func:`update_file_records`; its
    ``load_seconds`` is the CPU time reading and indexing took. Built once for the whole run
    and shared by every module that needs it (no test changes it)."""
    from citegraph.testing import Corpus

    started = time.process_time()
    corpus = Corpus()
    corpus.add(update_file_records)
    corpus.warm()
    corpus.load_seconds = update_file_records.read_seconds + time.process_time() - started  # type: ignore[attr-defined]
    return corpus


#: work started in a worker process once the run knows a test will need it: name -> AsyncResult
_BACKGROUND: dict = {}


def pytest_collection_finish(session):
    """Start the independent reading of the real update file (a core's work for a while) in a
    worker process when a collected test needs it, so that the run goes on meanwhile. (Only
    work needed late in a run pays off there: citegraph's own reading is needed from the first
    module on, and is done here.)"""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # under pytest-xdist the other worker is the run going on meanwhile
    needed = any("update_file_plain_reading" in getattr(item, "fixturenames", ()) for item in session.items)
    if needed and PUBMED_UPDATE_FILE.is_file():
        import multiprocessing

        from update_file_oracle import plain_reading

        pool = _BACKGROUND["pool"] = multiprocessing.get_context("forkserver").Pool(1)
        _BACKGROUND["update_file_plain_reading"] = pool.apply_async(plain_reading, (PUBMED_UPDATE_FILE,))


def pytest_sessionfinish(session):
    pool = _BACKGROUND.pop("pool", None)
    if pool is not None:
        pool.terminate()
        pool.join()


@pytest.fixture(scope="session")
def update_file_plain_reading(pubmed_update_file) -> dict:
    """The real update file read without citegraph (tests/update_file_oracle.py): a plain lxml
    pass's counts and pubmed_parser's reading of each record. Started in a worker process when
    the run is collected (see ``pytest_collection_finish``); read here when it was not."""
    from update_file_oracle import plain_reading

    started = _BACKGROUND.get("update_file_plain_reading")
    return started.get() if started is not None else plain_reading(pubmed_update_file)


@pytest.fixture(scope="session")
def imported_update_file(pubmed_update_file, tmp_path_factory):
    """The real update file imported into a store once for the whole run (two worker
    processes): ``(store path, the import's ImportReport)``. Under pytest-xdist the first
    worker to need it imports the file, the others copy its store. Read-only: a test that
    changes a store works on a copy (:func:`copy_store`)."""
    import pickle

    from citegraph.importer import import_files
    from citegraph.store import Store
    from store_copy import copy_store

    path = tmp_path_factory.mktemp("imported-update-file") / "citegraph.sqlite"
    with _once_per_run(tmp_path_factory, "imported-update-file") as shared:
        if shared is not None and (shared / "report.pickle").is_file():
            copy_store(shared / "citegraph.sqlite", path)
            return path, pickle.loads((shared / "report.pickle").read_bytes())
        with Store(path) as store:
            report = import_files([pubmed_update_file], store, workers=2)
        if shared is not None:
            copy_store(path, shared / "citegraph.sqlite")
            (shared / "report.pickle").write_bytes(pickle.dumps(report))
    return path, report


@contextlib.contextmanager
def _once_per_run(tmp_path_factory, name: str):
    """A folder all pytest-xdist workers of this run share for ``name``, held under a lock
    while the body runs (the first worker makes what the others then read); None when the run
    has no workers, or the platform no ``fcntl``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    try:
        import fcntl
    except ImportError:
        fcntl = None
    if worker is None or fcntl is None:
        yield None
        return
    folder = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    folder.mkdir(exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


#: requests per second of the CLI tests' local server (and of the CLI pointed at it): fast, since
#: pacing is checked apart (tests/sources/test_ratelimit.py, on a fake clock)
CLI_SERVER_RATE = 1000


@pytest.fixture
def serve_eutils(monkeypatch):
    """``serve_eutils(corpus, rate=CLI_SERVER_RATE, **options)``: start the project's
    E-utilities server on 127.0.0.1 serving ``corpus`` (``options`` go to ``EutilsServer``),
    allowing ``rate`` requests per second, and point the CLI at it (``CITEGRAPH_EUTILS_URL``,
    and ``CITEGRAPH_RATE`` set to the same rate); returns the running server. Every server
    started is stopped when the test ends."""
    from citegraph.testing import EutilsServer

    with contextlib.ExitStack() as running:
        def serve(corpus, *, rate: int = CLI_SERVER_RATE, **options) -> EutilsServer:
            srv = running.enter_context(EutilsServer(corpus, rate_limit=rate, **options))
            monkeypatch.setenv("CITEGRAPH_EUTILS_URL", srv.url)
            monkeypatch.setenv("CITEGRAPH_RATE", str(rate))
            return srv

        yield serve


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    """Every test gets its own data folder and no credentials, service URLs or tuning from the
    developer's shell."""
    monkeypatch.setenv("CITEGRAPH_CACHE", str(tmp_path / "cache"))
    for name in ("NCBI_API_KEY", "NCBI_EMAIL", "OPENCITATIONS_TOKEN", "CITEGRAPH_EUTILS_URL", "CITEGRAPH_ICITE_URL",
                 "CITEGRAPH_EUROPEPMC_URL", "CITEGRAPH_OPENCITATIONS_URL", "CITEGRAPH_RATE", "CITEGRAPH_MAX_ATTEMPTS",
                 "CITEGRAPH_BACKOFF", "CITEGRAPH_CONCURRENCY", "CITEGRAPH_TIMEOUT", "CITEGRAPH_PARSE_PROCESSES",
                 "CITEGRAPH_ICITE_RATE", "CITEGRAPH_EUROPEPMC_RATE", "CITEGRAPH_OPENCITATIONS_RATE",
                 "CITEGRAPH_DATA"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_read_only():
    """A function that makes a folder unwritable, even for root (chattr +i), undone after the test."""
    import shutil
    import subprocess

    made: list[Path] = []

    def _make(folder: Path) -> None:
        if os.geteuid() != 0:
            folder.chmod(0o500)
        elif shutil.which("chattr") and subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
            pass
        else:
            pytest.skip("running as root and chattr +i is not available: cannot make a folder read-only")
        made.append(folder)

    yield _make
    for folder in made:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        folder.chmod(0o700)


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (setup.cfg): one worker more than there are cores, since part of each
    worker's time goes to waiting for the servers and processes its tests start."""
    return (os.cpu_count() or 1) + 1


def pytest_addoption(parser):
    parser.addoption("--live", action="store_true", default=False,
                     help="also run the tests marked 'live', which talk to the real NCBI E-utilities")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--live"):
        return
    skip = pytest.mark.skip(reason="talks to the real NCBI E-utilities: opt in with --live (needs the internet)")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)
