"""Classifying the stored records (citegraph.analysis.lens_store): one scan or two processes
sharing the parts of the store, the answers of classify, the topic cache kept, a failing
worker's part done again, the worker started before the graph loads, and no worker left behind
when its owner dies or is interrupted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from citegraph.analysis import lens_store
from citegraph.analysis.lens import classify, load_lens
from citegraph.analysis.load import load_graph, load_meta
from citegraph.analysis.lens_store import classify_store
from citegraph.pubmed import parse_articles
from citegraph.store import Store, prepare_articles
from citegraph.testing.responses import efetch_pubmed
from citegraph.testing.synthetic import SyntheticCorpus
from citegraph.worker_pool import process_alive

REPO = Path(__file__).resolve().parents[2]
PAPERS = 300


def _build(path: Path, n: int = PAPERS) -> None:
    synth = SyntheticCorpus(n, seed=3)
    articles = parse_articles(efetch_pubmed(synth.record(i) for i in range(n)))
    with Store(path) as store:
        with store.transaction():
            store.put_articles(prepare_articles(articles, source="synthetic"))
            for article in articles:
                store.add_citations(((article.pmid, ref) for ref in article.reference_pmids), "pubmed:references")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("lens_store") / "s.sqlite"
    _build(path)
    return path


@pytest.fixture
def store(built, tmp_path):
    path = tmp_path / "s.sqlite"
    path.write_bytes(built.read_bytes())
    with Store(path) as s:
        yield s


def _expected(store: Store, lens) -> dict[str, list[str]]:
    """classify, one paper after another, on the whole records."""
    graph = load_graph(store)
    graph.preload(list(graph.nodes))
    return classify(lens, graph, load_meta(store, abstracts=True))


class _Spy:
    """worker_pool, noting each pool and the futures it hands out."""

    def __init__(self, real):
        self.real, self.futures, self.pids = real, [], []

    def __call__(self, processes):
        pool = self.real(processes)
        submit = pool.submit

        def noted(*args, **kwargs):
            future = submit(*args, **kwargs)
            self.futures.append(future)
            self.pids.extend(pool._processes)
            return future

        pool.submit = noted
        return pool


def _worker_pmids(spy: _Spy) -> list[int]:
    """The PMIDs the worker classified (the parts it was not relieved of), in order."""
    done = [f for f in spy.futures if not f.cancelled()]
    assert done and all(f.exception() is None for f in done)
    return sorted(p for f in done for p in f.result()[0].tolist())


@pytest.mark.parametrize("pool_from", [10**9, 0])  # one process / with a worker taking the top parts
def test_scan_gives_classify_answers_and_keeps_them(store, pool_from, monkeypatch):
    monkeypatch.setattr(lens_store, "_PART_PAPERS", PAPERS // 10)
    lens = load_lens()
    spy = _Spy(lens_store.worker_pool)
    monkeypatch.setattr(lens_store, "worker_pool", spy)
    pmids = [str(p) for p in SyntheticCorpus(PAPERS, seed=3).pmids()]
    wanted = pmids[::2]
    found, stored = classify_store(store, lens, wanted, scan=True, pool_from=pool_from)
    expected = _expected(store, lens)
    assert found == {p: keys for p, keys in expected.items() if p in wanted}
    assert stored == set(pmids)  # the scan classifies every stored paper
    assert len(expected) > PAPERS // 4 and len({tuple(k) for k in expected.values()}) > 3
    # every paper kept in the topic cache, by whichever process classified it
    assert store.read_topic_cache(lens.digest) == {p: "\t".join(expected.get(p, [])) for p in pmids}
    if pool_from == 0:
        assert len(spy.futures) == 5  # 150 papers of interest in parts of 30, all queued for the worker first
        upper = _worker_pmids(spy)
        numbers = sorted(map(int, pmids))
        assert upper == numbers[numbers.index(min(upper)):] and 0 < len(upper) < len(numbers)  # the top parts
    else:
        assert spy.futures == []


def test_lookup_by_pmid_classifies_only_those(store):
    lens = load_lens()
    expected = _expected(store, lens)
    some = sorted(expected)[:5] + ["1"]  # 1 is not stored
    found, stored = classify_store(store, lens, some)
    assert found == {p: expected[p] for p in some if p in expected} and stored == set(some) - {"1"}
    assert set(store.read_topic_cache(lens.digest)) == set(some) - {"1"}


def test_a_failing_worker_has_its_part_done_here(store, monkeypatch):
    class Broken:
        def submit(self, *args, **kwargs):
            from concurrent.futures import Future
            future = Future()
            future.set_exception(RuntimeError("the worker died"))
            return future

        def shutdown(self, **kwargs):
            pass

    monkeypatch.setattr(lens_store, "worker_pool", lambda processes: Broken())
    lens = load_lens()
    pmids = [str(p) for p in SyntheticCorpus(PAPERS, seed=3).pmids()]
    found, stored = classify_store(store, lens, pmids, scan=True, pool_from=0)
    assert found == _expected(store, lens) and stored == set(pmids)
    assert len(store.read_topic_cache(lens.digest)) == PAPERS


def test_a_real_error_in_both_processes_is_raised_here(store):
    from citegraph.errors import StoreError

    # a record whose head cannot tell the abstract and whose JSON SQLite cannot read
    top = max(int(p) for p in SyntheticCorpus(PAPERS, seed=3).pmids())
    store.sync_article_meta()  # MeSH read before the record breaks: the lens inputs meet it first
    store._execute("UPDATE articles SET data = '{\"pmid\": broken' WHERE pmid = ?", (top,))
    with pytest.raises(StoreError, match="malformed JSON"):
        classify_store(store, load_lens(), [str(top)] * 10, scan=True, pool_from=0)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see the worker")
def test_the_worker_exits_when_its_owner_is_killed(store):
    code = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(REPO)!r})
        from citegraph.analysis import lens_store
        from citegraph.analysis.lens import load_lens
        from citegraph.store import Store

        real = lens_store.worker_pool

        def pool_then_die(processes):
            pool = real(processes)
            submit = pool.submit

            def submit_then_die(*args, **kwargs):
                future = submit(*args, **kwargs)
                print(" ".join(map(str, pool._processes)), flush=True)
                os.kill(os.getpid(), signal.SIGKILL)

            pool.submit = submit_then_die
            return pool

        lens_store.worker_pool = pool_then_die
        with Store({str(store.path)!r}) as store:
            lens_store.classify_store(store, load_lens(), ["1", "2", "3"], scan=True, pool_from=0)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 1 and done.returncode == -9, done.stderr
    deadline = time.monotonic() + 10
    while process_alive(pids[0]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not process_alive(pids[0]), "the worker outlived its owner"
    assert os.getpid() not in pids


def _topics_cli(folder: Path, *, pool: bool) -> subprocess.CompletedProcess:
    """`citegraph topics ROOT --json` in a new process, the worker used from the first paper
    (``pool``) or never."""
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from citegraph.analysis import lens_store
        lens_store.POOL_FROM_PAPERS = {0 if pool else 10**9}
        from citegraph import cli
        sys.exit(cli.main(["--cache-dir", {str(folder)!r}, "topics", "90000001", "--json"]))
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_topics_command_with_a_worker_answers_as_without(built, tmp_path):
    answers = []
    for pool in (False, True):
        folder = tmp_path / str(pool)
        folder.mkdir()
        (folder / "citegraph.sqlite").write_bytes(built.read_bytes())
        done = _topics_cli(folder, pool=pool)
        assert done.returncode == 0, done.stderr
        answers.append(json.loads(done.stdout))
    assert answers[0] == answers[1] and sum(row["papers"] for row in answers[0]["topics"]) > PAPERS // 4


def test_topics_command_error_is_one_line_with_a_worker(built, tmp_path):
    (tmp_path / "citegraph.sqlite").write_bytes(built.read_bytes())
    top = max(SyntheticCorpus(PAPERS, seed=3).pmids())
    with Store(tmp_path / "citegraph.sqlite") as store:
        store.sync_article_meta()
        store._execute("UPDATE articles SET data = '{\"pmid\": broken' WHERE pmid = ?", (top,))
    done = _topics_cli(tmp_path, pool=True)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "malformed JSON" in lines[0] and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("seed, scan", [("90000001", True), ("90000300", False)])
def test_prepare_starts_the_worker_before_loading_the_graph(store, seed, scan, monkeypatch):
    from citegraph.analysis import load as load_module
    from citegraph.analysis.load import prepare

    expected = _expected(store, load_lens())
    spy = _Spy(lens_store.worker_pool)
    monkeypatch.setattr(lens_store, "worker_pool", spy)
    monkeypatch.setattr(lens_store, "POOL_FROM_PAPERS", 0)
    monkeypatch.setattr(lens_store, "_PART_PAPERS", PAPERS // 10)
    order = []
    real_load = load_module.load_graph
    monkeypatch.setattr(load_module, "load_graph", lambda *a, **k: order.append(len(spy.futures)) or real_load(*a, **k))
    prep = prepare(store, seeds=[seed], use_lens=True)
    assert order == [len(spy.futures)] and order[0] > 1  # the worker was at work when the graph began to load
    assert prep.topics_of == {p: keys for p, keys in expected.items() if p in prep.graph}
    pmids = [int(p) for p in SyntheticCorpus(PAPERS, seed=3).pmids()]
    cached = store.read_topic_cache(load_lens().digest)
    if scan:
        worker = _worker_pmids(spy)
        assert 0 < len(worker) < PAPERS and worker == sorted(pmids)[-len(worker):]  # the top parts
        assert len(cached) == PAPERS
    else:  # the few papers of interest read by PMID; the worker let go (what it finished is kept)
        assert prep.graph.number_of_nodes() < PAPERS // 2
        assert set(prep.graph.nodes) <= set(cached)
    deadline = time.monotonic() + 10
    while any(map(process_alive, spy.pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert spy.pids and not any(map(process_alive, spy.pids)), "the worker outlived the command"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see the worker")
def test_ctrl_c_while_the_worker_runs_stops_it_and_says_one_line(built, tmp_path):
    import signal

    (tmp_path / "citegraph.sqlite").write_bytes(built.read_bytes())
    # a script file: the worker process runs its top level too, so the worker's part is slow
    script = tmp_path / "interrupted.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(REPO)!r})
        from citegraph.analysis import lens_store, load

        real_part = lens_store._classify_in_worker

        def slow_part(*args):
            print(os.getpid(), flush=True)
            time.sleep(60)
            return real_part(*args)

        lens_store._classify_in_worker = slow_part
        lens_store.POOL_FROM_PAPERS = 0

        if __name__ == "__main__":
            load.load_graph = lambda *args, **kwargs: time.sleep(60)  # Ctrl-C comes while the graph "loads"
            from citegraph import cli
            sys.exit(cli.main(["--cache-dir", {str(tmp_path)!r}, "topics", "90000001"]))
    """))
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    worker = int(process.stdout.readline())  # the worker is at work
    os.killpg(process.pid, signal.SIGINT)  # as a terminal sends it, to the whole process group
    try:
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert err.strip().splitlines() == ["citegraph: interrupted; run the same command again to resume"]
    deadline = time.monotonic() + 30  # (the loop ends as soon as the worker is gone)
    while process_alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_alive(worker), "the worker outlived the interrupted command"


def test_a_read_only_store_is_classified_by_both_processes_and_left_alone(store, monkeypatch):
    monkeypatch.setattr(lens_store, "_PART_PAPERS", PAPERS // 10)
    lens = load_lens()
    expected = _expected(store, lens)
    pmids = [str(p) for p in SyntheticCorpus(PAPERS, seed=3).pmids()]
    spy = _Spy(lens_store.worker_pool)
    monkeypatch.setattr(lens_store, "worker_pool", spy)
    with Store(store.path, readonly=True) as reader:
        started = lens_store.start_cold(reader, lens, pool_from=0)
        found, stored = classify_store(reader, lens, pmids, scan=True, started=started)
    assert found == expected and stored == set(pmids) and _worker_pmids(spy)
    assert store.read_topic_cache(lens.digest) == {}
