"""The command line through its real entry point: output streams, JSON, exit codes, errors."""

from __future__ import annotations

import itertools
import json
import os
import re
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
from citegraph.store import Store
from citegraph.testing import Corpus, EutilsServer
from cli_run import run

REPO = Path(__file__).resolve().parents[2]
ROOT = "90000001"


@pytest.fixture(scope="module")
def corpus():
    return Corpus.synthetic(1500, seed=3)


@pytest.fixture
def server(serve_eutils, corpus):
    """The module's ``corpus`` served to the CLI (tests/conftest.py's ``serve_eutils``)."""
    return serve_eutils(corpus)


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("citegraph: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


def test_crawl_then_stats_show_export(server, corpus, capsys, tmp_path):
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "1", "--json")
    assert code == 0, err
    report = json.loads(out)
    citers = set(corpus.cited_by(ROOT))
    assert report["members"] == len(citers) + 1 and report["complete"]

    code, out, _ = run(capsys, "stats", "--json")
    stats = json.loads(out)
    assert stats["articles"] == len(citers) + 1
    assert stats["citations"] >= len(citers)

    code, out, _ = run(capsys, "show", ROOT, "--json", "--depth", "1")
    shown = json.loads(out)
    assert set(shown["citing_by_generation"]["1"]) == citers
    assert shown["article"]["pmid"] == ROOT

    target = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "export", "--format", "jsonl", "-o", str(target))
    assert code == 0, err
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert {r["pmid"] for r in rows} == citers | {ROOT}
    assert list(rows[0]) == ["pmid", "title", "abstract", "year", "journal", "doi", "pmcid", "authors", "mesh",
                             "publication_types", "references", "retracted"]
    citer = next(r for r in rows if r["pmid"] != ROOT)
    assert ROOT in citer["references"]


def test_crawl_leaves_out_excluded_publication_types_and_does_not_follow_them(server, corpus, capsys, tmp_path):
    from citegraph.pubmed import parse_articles

    types = {a.pmid: {t.lower() for t in a.publication_types}
             for a in parse_articles(b"<PubmedArticleSet>" + b"".join(r for _, r in corpus.iter_raw())
                                     + b"</PubmedArticleSet>")}
    unwanted = {"review", "letter"}
    # expected: breadth-first over the citing papers, a Review or Letter kept out (not followed)
    generation, left_out, frontier = {ROOT: 0}, set(), [ROOT]
    for g in (1, 2):
        found = {c for p in frontier for c in corpus.cited_by(p)} - set(generation) - left_out
        left_out |= {c for c in found if types[c] & unwanted}
        frontier = sorted(found - left_out)
        generation.update(dict.fromkeys(frontier, g))
    assert left_out and any(g == 2 for g in generation.values()), "the corpus needs reviews and a 2nd generation"

    code, out, err = run(capsys, "crawl", ROOT, "--depth", "2", "--exclude-type", "Review", "--exclude-type",
                         "letter", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["members"] == len(generation) and report["complete"]
    assert report["excluded"] == len(left_out)
    by_type = {"Review": sum("review" in types[p] for p in left_out)}
    by_type["letter"] = len(left_out) - by_type["Review"]  # a paper with both counts for the first
    assert report["excluded_by"] == {k: v for k, v in by_type.items() if v}
    with Store(tmp_path / "cache" / "citegraph.sqlite") as store:
        assert dict(store.nodes(report["crawl_id"], "done")) == generation
        assert {p for p, _ in store.node_details(report["crawl_id"], "excluded")} == left_out
        assert store.known_pmids(left_out) == left_out  # their records are kept all the same

    code, out, err = run(capsys, "crawl", ROOT, "--depth", "2", "--exclude-type", "review", "--exclude-type",
                         "Letter")
    assert code == 0 and "already complete" in out  # the same crawl, whatever the case
    assert f"{by_type['Review']:,} of type Review" in out
    code, out, _ = run(capsys, "stats")
    assert code == 0 and "depth 2, cited-by, excluding letter, Review" in out


def test_a_seed_without_a_record_is_named_after_the_summary(server, corpus, capsys):
    code, out, err = run(capsys, "crawl", "99999999", ROOT, "--depth", "0")
    assert code == 0, err
    assert "no PubMed record for the seed 99999999: check the PMID" in " ".join(err.split())
    assert ROOT not in err
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "0")
    assert code == 0 and "no PubMed record" not in err


def test_an_excluded_type_that_left_out_nothing_is_pointed_out(server, corpus, capsys):
    code, out, err = run(capsys, "crawl", ROOT, "--exclude-type", "Reveiw", "--exclude-type", "Blog Post")
    assert code == 0, err
    err = " ".join(err.split())  # as one line, whatever the console's width
    assert "'Reveiw' left out no paper of this crawl (did you mean 'Review'?)" in err
    assert "'Blog Post' left out no paper of this crawl (types here: Journal Article;" in err
    code, out, err = run(capsys, "crawl", ROOT, "--exclude-type", "review")
    assert code == 0 and "left out no paper" not in err and "of type review" in out


def test_human_output_goes_to_stdout_and_messages_to_stderr(server, capsys):
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "1")
    assert code == 0
    assert "requests" in out and "papers" in out
    code, out, err = run(capsys, "show", ROOT, "--depth", "1", "--limit", "3")
    assert "PMID " + ROOT in out and "Most cited" in out


def test_doi_seed_is_resolved(server, corpus, capsys):
    doi = corpus.doi(ROOT)
    code, out, err = run(capsys, "crawl", doi, "--depth", "0", "--json")
    assert code == 0, err
    assert json.loads(out)["seeds"] == [ROOT]


def test_unresolvable_doi_is_reported_not_dropped(server, capsys):
    code, out, err = run(capsys, "crawl", ROOT, "10.9999/no.such.paper", "--depth", "0", "--json")
    assert code == 0
    assert json.loads(out)["unresolved"] == ["10.9999/no.such.paper"]
    assert "no PubMed record for the seed 10.9999/no.such.paper: check the DOI" in " ".join(err.split())


@pytest.mark.parametrize("seed, kind", [("99999999", "PMID"), ("10.9999/no.such.paper", "DOI")])
def test_a_crawl_none_of_whose_seeds_exist_exits_1_in_the_same_words(server, capsys, seed, kind):
    for extra in ((), ("--json",)):
        code, out, err = run(capsys, "crawl", seed, *extra)
        assert_one_line_error(code, err, f"no PubMed record for the seed {seed}: check the {kind}")
        assert out == ""


def test_crawl_summary_and_json_name_the_store_and_its_state(server, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = Path("data", "citegraph.sqlite")  # as given: relative to where the command runs
    code, out, err = run(capsys, "--cache-dir", "data", "crawl", ROOT, "--depth", "0", "--json")
    report = json.loads(out)
    assert code == 0, err
    assert report["store"] == str(store) and report["status"] == "complete" and report["start"] == "new"
    code, out, err = run(capsys, "--cache-dir", "data", "crawl", ROOT, "--depth", "0")
    assert code == 0, err
    assert any(line.split() == ["store", str(store)] for line in out.splitlines()), out
    assert "already complete" in out


def _unreachable_url() -> str:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/entrez/eutils/"


def test_a_crawl_ended_by_an_error_is_failed_in_stats_doctor_and_store(server, capsys, monkeypatch):
    code, _, err = run(capsys, "crawl", ROOT, "--depth", "0")
    assert code == 0, err
    # the server goes away: the next crawl ends on an error
    monkeypatch.setenv("CITEGRAPH_EUTILS_URL", _unreachable_url())
    monkeypatch.setenv("CITEGRAPH_MAX_ATTEMPTS", "1")
    code, _, err = run(capsys, "crawl", ROOT, "--depth", "1")
    assert code == 1
    code, out, _ = run(capsys, "stats", "--json")
    latest = json.loads(out)["latest_crawl"]
    assert latest["status"] == "failed"
    code, out, _ = run(capsys, "stats")
    assert f"#{latest['id']} from {ROOT} (failed)" in out
    code, out, _ = run(capsys, "doctor", "--json")
    doctor = json.loads(out)
    assert doctor["failed_crawls"] == [latest["id"]] and doctor["interrupted_crawls"] == []
    assert doctor["running_crawls"] == []
    # back online: the same command resumes it to complete
    monkeypatch.setenv("CITEGRAPH_EUTILS_URL", server.url)
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "1", "--json")
    assert code == 0, err
    assert json.loads(out)["start"] == "resumed" and json.loads(out)["status"] == "complete"
    code, out, _ = run(capsys, "stats", "--json")
    assert json.loads(out)["latest_crawl"]["status"] == "complete"


#: what a hostile or broken server might send: a window title (OSC 0), a colour (CSI), an OSC 8
#: hyperlink and a C1 CSI, in a body the client quotes in its messages
HOSTILE = ("\x1b]0;pwned\x07 \x1b[31mred\x1b[0m \x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\ "
           "\u009b2J end").encode()
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _answer_with(srv: EutilsServer, endpoint: str, status: int, body: bytes) -> None:
    """Every request to ``endpoint`` gets ``status`` and ``body`` (text/plain)."""
    from citegraph.testing.outcome import Outcome

    handle = srv.handle

    def answer(path: str, params: list, client_ip: str):
        if path.endswith(f"/{endpoint}.fcgi"):
            return Outcome(endpoint, status, body, "text/plain; charset=UTF-8")
        return handle(path, params, client_ip)

    srv.handle = answer  # type: ignore[method-assign]


@pytest.mark.parametrize("endpoint, status, seed", [
    ("efetch", 200, ROOT),   # failed: ROOT: efetch: text instead of XML (...)
    ("efetch", 500, ROOT),   # failed: ROOT: HTTP 500 from ...
    ("esearch", 400, "10.1000/hostile"),  # the error handler's line: HTTP 400 from ...
])
def test_server_answers_never_reach_the_terminal_as_escapes(server, capsys, monkeypatch, endpoint, status, seed):
    monkeypatch.setenv("CITEGRAPH_MAX_ATTEMPTS", "1")
    _answer_with(server, endpoint, status, HOSTILE)
    for extra in ((), ("--json",)):
        code, out, err = run(capsys, "crawl", seed, "--depth", "0", *extra)
        assert code == 1
        assert "pwned" in out + err  # the answer is quoted, made visible ...
        assert not _TERMINAL_CONTROLS.search(out + err), (out + err)  # ... and inert
        if extra:
            json.loads(out or "{}")  # the JSON still parses (escapes as \\u escapes)


def test_paths_with_escapes_are_echoed_inert(server, capsys, tmp_path):
    folder = tmp_path / "data\x1b]0;pwned\x07\x1b[31m"
    code, out, err = run(capsys, "--cache-dir", str(folder), "crawl", ROOT, "--depth", "0")
    assert code == 0, err
    assert "pwned" in out and not _TERMINAL_CONTROLS.search(out + err)
    seeds = tmp_path / "seeds\x1b[31m.txt"
    seeds.write_text(f"{ROOT}\nnot-a-seed\x1b[2J\n")
    code, out, err = run(capsys, "--cache-dir", str(folder), "crawl", "--from", str(seeds), "--depth", "0")
    assert code == 1 and "seeds" in err and not _TERMINAL_CONTROLS.search(out + err)
    for args in (("stats",), ("doctor",), ("crawl", "--from", str(tmp_path / "none\x1b[31m"))):
        code, out, err = run(capsys, "--cache-dir", str(folder), *args)
        assert not _TERMINAL_CONTROLS.search(out + err), args
    code, out, err = run(capsys, "--cache-dir", str(tmp_path / "absent\x1b[31m"), "stats")
    assert_one_line_error(code, err, "no store")
    assert not _TERMINAL_CONTROLS.search(err)


@pytest.mark.parametrize("seed", ["abc", "0", "-5", "123456789012", "10.12/"])
def test_invalid_seed_is_one_line_error(seed, capsys):
    code, out, err = run(capsys, "crawl", "--", seed)
    assert_one_line_error(code, err)
    assert out == ""


def test_usage_error_exits_2(capsys):
    code, _, err = run(capsys, "crawl")
    assert code == 2
    assert "seed" in err


def test_unreachable_server_is_one_line_error(monkeypatch, capsys):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("CITEGRAPH_EUTILS_URL", f"http://127.0.0.1:{port}/entrez/eutils/")
    monkeypatch.setenv("CITEGRAPH_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("CITEGRAPH_BACKOFF", "0.01")
    monkeypatch.setenv("NCBI_API_KEY", "SECRET-KEY-123")
    code, _, err = run(capsys, "crawl", ROOT)
    assert_one_line_error(code, err, f"127.0.0.1:{port}")
    assert "SECRET-KEY-123" not in err


@pytest.mark.parametrize("url", ["http://[::1/", "http://127.0.0.1:99999/", "http:///entrez/"])
def test_an_unusable_eutils_url_is_one_line_error(url, capsys):
    code, out, err = run(capsys, "--eutils-url", url, "crawl", ROOT)
    assert_one_line_error(code, err, "E-utilities URL", repr(url))
    assert "internal error" not in err and out == ""


def test_timeout_bounds_the_wait_for_a_silent_server(server, capsys, monkeypatch):
    """--timeout (and CITEGRAPH_TIMEOUT) is the read timeout: a server that stalls for longer
    than it is given up on; the message names the timeout."""
    server.stall_seconds = 600  # far longer than any test: only the timeout ends the wait
    monkeypatch.setenv("CITEGRAPH_MAX_ATTEMPTS", "1")
    server.force("efetch", ["stall"])
    code, _, err = run(capsys, "--timeout", "0.2", "crawl", ROOT, "--depth", "0")
    assert code == 1 and "0.2 s (read timeout)" in " ".join(err.split())
    monkeypatch.setenv("CITEGRAPH_TIMEOUT", "0.3")
    server.force("efetch", ["stall"])
    code, _, err = run(capsys, "crawl", ROOT, "--depth", "0", "--again")
    assert code == 1 and "0.3 s (read timeout)" in " ".join(err.split())
    code, _, err = run(capsys, "--timeout", "0", "stats")
    assert code == 2


def test_an_undecodable_record_points_to_doctor(server, capsys, tmp_path):
    code, _, err = run(capsys, "crawl", ROOT, "--depth", "0")
    assert code == 0, err
    with sqlite3.connect(tmp_path / "cache" / "citegraph.sqlite") as db:
        db.execute("UPDATE articles SET data = '{\"pmid\": \"9' WHERE pmid = ?", (int(ROOT),))
    code, _, err = run(capsys, "show", ROOT)
    assert_one_line_error(code, err, f"record {ROOT} in the store cannot be read: run `citegraph doctor`")
    code, out, _ = run(capsys, "doctor", "--json")
    assert code == 1 and "1 stored records cannot be decoded" in json.loads(out)["problems"]


def test_corrupt_store_is_one_line_error(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "citegraph.sqlite").write_bytes(b"\x00garbage" * 512)
    code, _, err = run(capsys, "--cache-dir", str(folder), "stats")
    assert_one_line_error(code, err, "damaged")


def test_read_only_data_folder_is_one_line_error(tmp_path, capsys, make_read_only, server):
    folder = tmp_path / "ro"
    folder.mkdir()
    make_read_only(folder)
    code, _, err = run(capsys, "--cache-dir", str(folder), "crawl", ROOT)
    assert_one_line_error(code, err, str(folder))


def test_store_missing_for_show_is_one_line_error(tmp_path, capsys):
    code, _, err = run(capsys, "--cache-dir", str(tmp_path / "none"), "show", ROOT)
    assert_one_line_error(code, err, "no store")


def test_absurd_depth_needs_a_budget(capsys):
    code, _, err = run(capsys, "crawl", ROOT, "--depth", "9")
    assert_one_line_error(code, err, "--max-papers")


def test_talking_to_ncbi_without_a_contact_address_says_so_once_and_never_elsewhere(tmp_path, capsys):
    from citegraph.config import NCBI_EUTILS_URL, Settings

    def hint(quiet: bool = False, **settings) -> str:
        app = cli.App(Settings(data_dir=tmp_path, **settings), quiet=quiet)
        app.client().close()
        return capsys.readouterr().err

    assert "set NCBI_EMAIL" in hint() and hint(eutils_url=NCBI_EUTILS_URL).count("NCBI_EMAIL") == 1
    assert hint(email="you@example.org") == ""
    assert hint(eutils_url="http://127.0.0.1:9/entrez/eutils/") == ""  # a local server wants no address
    assert hint(quiet=True) == ""


def test_python_cli_py_and_python_m_citegraph_run(tmp_path):
    env = {**os.environ, "CITEGRAPH_CACHE": str(tmp_path)}
    for command in ([sys.executable, "cli.py", "--version"], [sys.executable, "-m", "citegraph", "--help"]):
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "citegraph" in done.stdout


@pytest.mark.parametrize("icite", [False, True], ids=["pubmed", "pubmed+icite"])
def test_kill_9_mid_crawl_then_rerun_gives_the_complete_result(corpus, tmp_path, icite):
    """A crawl killed with SIGKILL part-way resumes on rerun and ends with what an
    uninterrupted crawl stores; nothing already stored is fetched again."""
    with EutilsServer(corpus, rate_limit=1000) as srv:
        # the first answer of records goes out, later ones wait: the kill lands with the
        # crawl part-way however fast the machine is
        release, _ = _hold_requests_after(srv, {"efetch": 1})
        env = {**os.environ, "CITEGRAPH_EUTILS_URL": srv.url, "CITEGRAPH_RATE": "1000",
               "CITEGRAPH_CONCURRENCY": "2"}
        if icite:  # with an iCite URL the crawl's sources are pubmed,icite
            env["CITEGRAPH_ICITE_URL"] = srv.apis.urls()["icite_url"]
        command = [sys.executable, "cli.py", "-q", "crawl", ROOT, "--depth", "2", "--json"]
        killed_env = {**env, "CITEGRAPH_CACHE": str(tmp_path / "killed")}
        victim = subprocess.Popen(command, cwd=REPO, env=killed_env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        store_file = tmp_path / "killed" / "citegraph.sqlite"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and victim.poll() is None:
            time.sleep(0.05)
            if store_file.exists() and _count(store_file, "articles") > 0:
                break
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        release.set()
        before = _count(store_file, "articles")
        assert 0 < before
        srv.reset_stats()
        done = subprocess.run(command, cwd=REPO, env=killed_env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        resumed = json.loads(done.stdout)
        refetched = srv.stats()["by_endpoint"]["efetch"]

        clean = subprocess.run(command, cwd=REPO, env={**env, "CITEGRAPH_CACHE": str(tmp_path / "clean")},
                               capture_output=True, text=True, timeout=120)
        assert clean.returncode == 0, clean.stderr
    assert resumed["start"] == "resumed" and resumed["status"] == "complete"
    assert before < _count(tmp_path / "clean" / "citegraph.sqlite", "articles")  # killed part-way
    assert _rows(store_file, "SELECT pmid FROM articles") == _rows(tmp_path / "clean" / "citegraph.sqlite",
                                                                 "SELECT pmid FROM articles")
    assert _rows(store_file, "SELECT citing, cited, sources FROM citations") == _rows(
        tmp_path / "clean" / "citegraph.sqlite", "SELECT citing, cited, sources FROM citations")
    # what was stored before the kill was not fetched again
    assert resumed["articles_fetched"] == _count(store_file, "articles") - before
    assert refetched >= 1
    metrics = "SELECT pmid, citation_count, rcr, cited_by_clin FROM icite_metrics"
    assert _rows(store_file, metrics) == _rows(tmp_path / "clean" / "citegraph.sqlite", metrics)
    assert bool(_rows(store_file, metrics)) == icite


def _hold_requests_after(srv: EutilsServer, first: dict[str, int]) -> tuple[threading.Event, threading.Event]:
    """Requests to each endpoint after its ``first[endpoint]`` wait at the server (up to 120 s)
    until the first event returned is set; the second is set when one starts waiting."""
    release, holding = threading.Event(), threading.Event()
    arrivals = {endpoint: itertools.count() for endpoint in first}
    handle = srv.handle

    def held(path: str, params: list, client_ip: str):
        endpoint = path.rsplit("/", 1)[-1].removesuffix(".fcgi")
        if endpoint in arrivals and next(arrivals[endpoint]) >= first[endpoint]:
            holding.set()
            release.wait(120)
        return handle(path, params, client_ip)

    srv.handle = held  # type: ignore[method-assign]
    return release, holding


def _count(path: Path, table: str) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    except sqlite3.Error:
        return 0


def _rows(path: Path, sql: str) -> set:
    with sqlite3.connect(path) as db:
        return set(db.execute(sql).fetchall())


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_ends_quickly_keeps_what_arrived_and_says_how_to_resume(corpus, tmp_path, signum):
    with EutilsServer(corpus) as srv:
        # the seed's efetch and elink are answered; every later request is held at the server
        # until the crawl has ended: it must end without waiting for the requests in flight
        release, holding = _hold_requests_after(srv, {"efetch": 1, "elink": 1})
        env = {**os.environ, "CITEGRAPH_EUTILS_URL": srv.url, "CITEGRAPH_RATE": "50",
               "CITEGRAPH_CACHE": str(tmp_path)}
        command = [sys.executable, "cli.py", "crawl", ROOT, "--depth", "3"]
        victim = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        store_file = tmp_path / "citegraph.sqlite"
        deadline = time.monotonic() + 60
        # the first elink answer is committed (crawl members exist); a request is in flight
        while time.monotonic() < deadline and (_count(store_file, "crawl_nodes") <= 1 or not holding.is_set()):
            time.sleep(0.05)
        assert victim.poll() is None, "the crawl ended before it could be interrupted"
        victim.send_signal(signum)
        try:
            out, err = victim.communicate(timeout=60)  # the held requests would take 120 s
        except subprocess.TimeoutExpired:
            victim.kill()
            victim.communicate()
            pytest.fail("the crawl waited for the requests in flight instead of stopping")
        finally:
            release.set()
    assert victim.returncode == 130, err
    assert "run the same command again to resume" in err and "Traceback" not in err
    assert "articles" in err and "stored" in err
    with sqlite3.connect(store_file) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM crawl_nodes").fetchone()[0] > 1
        assert db.execute("SELECT status FROM crawls").fetchall() == [("interrupted",)]


def test_crawl_against_a_local_server_asks_icite_only_when_told_where(server, corpus, capsys, monkeypatch):
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "1", "--json")
    assert code == 0, err
    assert server.stats()["by_api"]["icite"] == 0  # no iCite URL given: PubMed alone, never the real iCite
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "1", "--sources", "pubmed,icite")
    assert_one_line_error(code, err, "CITEGRAPH_ICITE_URL")
    monkeypatch.setenv("CITEGRAPH_ICITE_URL", server.apis.urls()["icite_url"])
    code, out, err = run(capsys, "crawl", ROOT, "--depth", "1", "--json")  # the default now: pubmed,icite
    assert code == 0, err
    assert json.loads(out)["start"] == "new"  # another crawl than PubMed's alone
    # one request for the seed's citing papers, one for their metrics
    assert server.stats()["by_api"]["icite"] == 2
    stats = json.loads(run(capsys, "stats", "--json")[1])
    assert stats["links_reported_by_source"]["icite"] == len(set(corpus.cited_by(ROOT)))
