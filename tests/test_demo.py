"""`citegraph demo`: one command, no internet, nothing left running, a store marked as demo data."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from citegraph import cli
from citegraph.demo import DEMO_APPLICATION_ID, DemoSource, is_demo_store, most_cited, prepare_store
from citegraph.errors import InputError
from citegraph.models import Article, Reference
from citegraph.store import Store
from citegraph.testing import Corpus
from citegraph.testing.synthetic import SyntheticCorpus
from cli_run import run

REPO = Path(__file__).resolve().parents[1]
ROOT = "90000001"


def demo_env(tmp_path: Path, **extra: str) -> dict:
    env = {**os.environ, "CITEGRAPH_CACHE": str(tmp_path / "cache"), **extra}
    env.pop("CITEGRAPH_EUTILS_URL", None)  # the demo needs no source of its own; NCBI is never asked
    return env


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("citegraph: error: "), err
    return lines[0]


def test_demo_end_to_end_through_the_entry_point_and_a_second_run_reuses_the_store(tmp_path):
    demo_dir = tmp_path / "cache" / "demo"
    command = [sys.executable, "cli.py", "demo", "--papers", "500"]
    first = subprocess.run(command, cwd=REPO, env=demo_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    # the crawl's own summary, then the sections, each headed by the command that prints it
    assert f"crawl {ROOT} --depth 2" in out and "complete" in out and "records fetched" in out
    for section in (f"citegraph --data-dir {demo_dir} show {ROOT} --depth 2 --limit 5",
                    f"citegraph --data-dir {demo_dir} rank {ROOT} --by pagerank --limit 10",
                    f"citegraph --data-dir {demo_dir} topics {ROOT}",
                    f"citegraph --data-dir {demo_dir} translation {ROOT}"):
        assert section in out
    assert f"PMID {ROOT}" in out and "PageRank" in out and "Lens cell-therapy" in out
    # then what to type next, each with the --data-dir it needs; the real crawl goes elsewhere
    nexts = out[out.index("Next"):]
    assert f"citegraph --data-dir {demo_dir} browse {ROOT}" in nexts
    assert f"citegraph --data-dir {demo_dir} why " in nexts
    assert "citegraph crawl 3493432 --depth 2" in nexts
    assert "Traceback" not in first.stderr
    store_file = demo_dir / "citegraph.sqlite"
    assert is_demo_store(store_file)
    with sqlite3.connect(store_file) as db:
        articles = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert articles > 100

    second = subprocess.run(command, cwd=REPO, env=demo_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "already complete (nothing fetched)" in second.stdout
    assert f"citegraph --data-dir {demo_dir} rank {ROOT}" in second.stdout
    with sqlite3.connect(store_file) as db:
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == articles
        assert db.execute("SELECT COUNT(*) FROM crawls").fetchone()[0] == 1


def _group_members(pgid: int) -> list[int]:
    """PIDs of the live processes in process group ``pgid`` (from /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return False
    except OSError:
        return True


@pytest.mark.parametrize("moment, how", [
    ("preparing", "ctrl-c"),      # the corpus is being built: no server yet
    ("serving it at", "ctrl-c"),  # the server answers and the crawl is under way
    ("serving it at", "sigterm"),
    ("serving it at", "sigkill"),
])
def test_stopping_the_demo_at_any_moment_leaves_nothing_running(tmp_path, moment, how):
    # half a request per second: the crawl (several requests) is still running when the signal lands
    env = demo_env(tmp_path, CITEGRAPH_RATE="0.5")
    victim = subprocess.Popen([sys.executable, "cli.py", "demo", "--papers", "500"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)  # its own process group, as a shell job has
    reached, lines = threading.Event(), []

    def read() -> None:
        for line in victim.stderr:
            lines.append(line)
            if moment in line:
                reached.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert reached.wait(120), "".join(lines)
        if how == "ctrl-c":
            os.killpg(victim.pid, signal.SIGINT)  # what the terminal sends: the whole foreground group
        else:
            victim.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
        code = victim.wait(timeout=60)
    finally:
        if victim.poll() is None:
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait()
    reader.join(timeout=30)
    victim.stderr.close()
    text = "".join(lines)
    if how == "ctrl-c":
        assert code == 130, text
        assert "run the same command again to resume" in text and "Traceback" not in text
    elif how == "sigkill":
        assert code == -signal.SIGKILL
    else:
        assert code == 130, text  # the crawl takes SIGTERM as it takes Ctrl-C
    # nothing of the demo is left: no process of its group, nobody listening on its port
    deadline = time.monotonic() + 30
    while _group_members(victim.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _group_members(victim.pid) == []
    ports = [int(line.split("http://127.0.0.1:")[1].split("/")[0]) for line in lines if "http://127.0.0.1:" in line]
    assert moment == "preparing" or ports
    for port in ports:
        assert _refuses_connections(port)


def test_an_interrupted_demo_resumes_when_run_again(tmp_path):
    env = demo_env(tmp_path, CITEGRAPH_RATE="0.5")
    victim = subprocess.Popen([sys.executable, "cli.py", "demo", "--papers", "300"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    store_file = tmp_path / "cache" / "demo" / "citegraph.sqlite"
    try:
        for line in victim.stderr:
            if "serving it at" in line:
                break
        # the crawl's first answer is committed before the interrupt: a resume has something to keep
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _count(store_file, "crawl_nodes") <= 1:
            time.sleep(0.05)
        os.killpg(victim.pid, signal.SIGINT)
        assert victim.wait(timeout=60) == 130
    finally:
        if victim.poll() is None:
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait()
        victim.stderr.close()
    kept = _count(store_file, "crawl_nodes")
    assert kept > 1
    done = subprocess.run([sys.executable, "cli.py", "demo", "--papers", "300"], cwd=REPO, env=demo_env(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    with sqlite3.connect(store_file) as db:
        assert db.execute("SELECT COUNT(*), MIN(status) FROM crawls").fetchone() == (1, "complete")
        assert db.execute("SELECT COUNT(*) FROM crawl_nodes").fetchone()[0] >= kept


def _count(path: Path, table: str) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    except sqlite3.Error:
        return 0


# -- the demo store ----------------------------------------------------------------------------

def test_a_demo_store_is_marked_and_reused_and_another_corpus_starts_it_afresh(tmp_path):
    path = tmp_path / "demo" / "citegraph.sqlite"
    small, other = DemoSource(papers=50, seed=1), DemoSource(papers=60, seed=1)
    assert prepare_store(path, small) == "new"
    assert is_demo_store(path)
    with Store(path) as store:
        store.open_crawl("k", [ROOT], {})
    assert prepare_store(path, small) == "reused"
    with Store(path) as store:
        assert store.counts()["crawls"] == 1
    assert prepare_store(path, other) == "replaced"
    with Store(path) as store:
        assert store.counts()["crawls"] == 0
    assert is_demo_store(path)


def test_a_bad_corpus_file_leaves_the_earlier_demo_store_as_it_was(tmp_path, capsys):
    path = tmp_path / "cache" / "demo" / "citegraph.sqlite"
    prepare_store(path, DemoSource(papers=50))
    with Store(path) as store:
        store.open_crawl("k", [ROOT], {})
    bad = tmp_path / "bad.xml"
    bad.write_text("not XML at all")
    code, _, err = run(capsys, "demo", "--corpus", str(bad))
    assert code == 1
    one_line_error(err.replace("demo: preparing bad.xml\n", ""))
    assert is_demo_store(path)
    with Store(path) as store:
        assert store.counts()["crawls"] == 1


def test_the_demo_never_writes_into_a_real_store(tmp_path, capsys):
    real = tmp_path / "real"
    with Store(real / "citegraph.sqlite") as store:
        store.open_crawl("k", ["3493432"], {})
    code, _, err = run(capsys, "demo", "--papers", "50", "--cache-dir", str(real))
    assert code == 1
    assert "not demo data" in one_line_error(err)
    assert not is_demo_store(real / "citegraph.sqlite")
    with Store(real / "citegraph.sqlite") as store:
        assert store.counts()["crawls"] == 1 and store.counts()["articles"] == 0


def test_a_crawl_from_ncbi_refuses_a_demo_store_and_stats_says_demo_data(tmp_path, capsys):
    demo_dir = tmp_path / "cache" / "demo"
    prepare_store(demo_dir / "citegraph.sqlite", DemoSource(papers=50))
    # refused before anything is sent: no network is needed for this test
    code, _, err = run(capsys, "--cache-dir", str(demo_dir), "crawl", "3493432")
    assert code == 1
    assert "demo data" in one_line_error(err)
    code, _, err = run(capsys, "--cache-dir", str(demo_dir), "crawl", "--refresh", "3493432")
    assert code == 1 and "demo data" in one_line_error(err)
    code, out, _ = run(capsys, "--cache-dir", str(demo_dir), "stats")
    assert code == 0 and "demo data" in out
    code, out, _ = run(capsys, "--cache-dir", str(demo_dir), "stats", "--json")
    assert json.loads(out)["demo"] is True
    with Store(tmp_path / "real" / "citegraph.sqlite"):
        pass
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path / "real"), "stats", "--json")
    assert code == 0 and json.loads(out)["demo"] is False
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path / "real"), "stats")
    assert "demo" not in out


def test_a_store_marked_by_sqlite_header_only(tmp_path):
    path = tmp_path / "citegraph.sqlite"
    prepare_store(path, DemoSource(papers=50))
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == DEMO_APPLICATION_ID
        assert db.execute("PRAGMA user_version").fetchone()[0] == DemoSource(papers=50).fingerprint()
    assert DemoSource(papers=50).fingerprint() != DemoSource(papers=50, seed=2).fingerprint()


# -- options ------------------------------------------------------------------------------------

def test_the_global_data_dir_holds_the_demo_in_its_demo_folder(tmp_path, capsys):
    data = tmp_path / "mine"
    code, out, err = run(capsys, "--cache-dir", str(data), "demo", "--papers", "200")
    assert code == 0, err
    assert is_demo_store(data / "demo" / "citegraph.sqlite")
    assert not (data / "citegraph.sqlite").exists()
    assert f"citegraph --data-dir {data / 'demo'} browse {ROOT}" in out
    assert f"citegraph --data-dir {data} crawl 3493432 --depth 2" in out  # the real crawl: the user's folder


def test_corpus_files_start_at_their_most_cited_paper(tmp_path, capsys):
    xml = tmp_path / "small.xml.gz"
    SyntheticCorpus(120, seed=4).write(xml)
    expected = most_cited(Corpus.load([xml]))
    code, out, err = run(capsys, "demo", "--corpus", str(xml))
    assert code == 0, err
    assert f"crawl {expected} --depth 2" in out and f"topics {expected}" in out
    assert "small.xml.gz" in err


def test_most_cited_counts_citing_records_and_breaks_ties_by_the_lowest_pmid():
    def article(pmid: str, refs: list[str]) -> Article:
        return Article(pmid=pmid, title="t", references=[Reference(pmid=r) for r in refs],
                       raw_xml=b"<PubmedArticle/>")

    corpus = Corpus()
    corpus.add([article("10", ["7", "8"]), article("11", ["8", "9"]), article("12", ["9", "3"])])
    assert most_cited(corpus) == "8"  # 8 and 9 are cited twice: the lower PMID
    with pytest.raises(InputError, match="nothing to crawl"):
        most_cited(Corpus())


@pytest.mark.parametrize("args", [["--papers", "50", "--corpus", "x.xml"], ["--seed", "2", "--corpus", "x.xml"]])
def test_papers_or_seed_with_corpus_is_a_usage_error(tmp_path, capsys, args):
    (tmp_path / "x.xml").write_text("<PubmedArticleSet/>")
    code, _, err = run(capsys, "demo", *[str(tmp_path / a) if a == "x.xml" else a for a in args])
    assert code == 2 and "--corpus" in err
    assert not (tmp_path / "cache").exists()


def test_browse_without_a_terminal_fails_before_anything_starts(tmp_path, capsys):
    code, _, err = run(capsys, "demo", "--papers", "50", "--browse")
    assert code == 1 and "terminal" in one_line_error(err)
    assert not (tmp_path / "cache").exists()
