"""The crawl's scheduling and bookkeeping, with an in-memory E-utilities stand-in.

The network path (real HTTP, real XML, faults) is covered in test_crawl_server.py; here a
small hand-made citation graph makes every expectation checkable by eye.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from citegraph.crawl import run as crawl_run
from citegraph.crawl import CrawlOptions, Crawler
from citegraph.errors import HTTPError, InputError, NetworkError
from citegraph.links import CITED_IN
from citegraph.models import Article, Reference
from citegraph.store import Store

# cited -> citing papers. 1 is the seed; 2,3 cite it; 4 cites 2; 5 cites 4 and 3; 6 cites 5.
CITED_BY = {"1": ["2", "3"], "2": ["4"], "3": ["5"], "4": ["5"], "5": ["6"], "6": []}
YEARS = {"1": 1987, "2": 1990, "3": 1995, "4": 2000, "5": 2005, "6": 2010, "7": 1980}
#: publication types of the records (PubMed's names); the others are plain journal articles
TYPES = {"1": ["Journal Article", "Review"], "3": ["Journal Article", "Review"], "6": ["Comment"]}


def refs_of(pmid: str) -> list[str]:
    return sorted((cited for cited, citing in CITED_BY.items() if pmid in citing), key=int)


class FakeClient:
    """Answers efetch/elink from the tiny graph above; counts calls; can be told to fail."""

    def __init__(self, unknown: set[str] = frozenset(), fail_efetch_times: int = 0, network_down: bool = False):
        self.unknown = set(unknown)
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.fail_efetch_times = fail_efetch_times
        self.network_down = network_down
        self.lock = threading.Lock()

    def efetch(self, pmids, *, parse):
        with self.lock:
            self.calls.append(("efetch", tuple(pmids)))
            if self.network_down:
                raise NetworkError("connection refused")
            if self.fail_efetch_times:
                self.fail_efetch_times -= 1
                raise HTTPError(503, "Service Unavailable")
        return [
            Article(pmid=p, title=f"paper {p}", year=YEARS.get(p), raw_xml=b"<PubmedArticle/>",
                    references=[Reference(pmid=r) for r in refs_of(p)],
                    publication_types=TYPES.get(p, ["Journal Article"]))
            for p in pmids if p not in self.unknown and p in YEARS
        ]

    def elink(self, pmids, linkname):
        with self.lock:
            self.calls.append(("elink", tuple(pmids)))
        if linkname == CITED_IN:
            return {p: list(CITED_BY.get(p, [])) for p in pmids}
        return {p: refs_of(p) for p in pmids}

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.calls if k == kind)


def crawl(store, client, seeds=("1",), **options):
    crawler = Crawler(client, store, parse=lambda body: [], concurrency=2, requests_made=lambda: len(client.calls))
    return crawler.run(list(seeds), CrawlOptions(**options))


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.sqlite") as s:
        yield s


def test_generations_are_hop_distances(store):
    report = crawl(store, FakeClient(), depth=3)
    # depth 3 from 1: gen1 {2,3}, gen2 {4,5}, gen3 {6}; 5 is reached at gen 2 via 3, not 3 via 4
    assert dict(store.nodes(report.crawl_id)) == {"1": 0, "2": 1, "3": 1, "4": 2, "5": 2, "6": 3}
    assert report.generations == {0: 1, 1: 2, 2: 2, 3: 1}
    assert report.complete and report.start == "new" and report.status == "complete"


def test_depth_limits_linking_and_edges_keep_provenance(store):
    client = FakeClient()
    crawl(store, client, depth=1)
    assert store.known_pmids("123456") == {"1", "2", "3"}
    # nothing beyond generation 1 is linked, so 4 was never asked about
    assert all("4" not in ids for kind, ids in client.calls if kind == "elink")
    assert set(store.citing("1")) == {"2", "3"}


def test_rerun_of_finished_crawl_costs_no_request(store):
    client = FakeClient()
    first = crawl(store, client, depth=2)
    calls = len(client.calls)
    again = crawl(store, client, depth=2)
    assert len(client.calls) == calls
    assert again.start == "already complete" and again.crawl_id == first.crawl_id and again.requests == 0


def test_new_crawl_does_not_refetch_stored_records(store):
    client = FakeClient()
    crawl(store, client, depth=1)
    fetched_before = {p for kind, ids in client.calls if kind == "efetch" for p in ids}
    client.calls.clear()
    crawl(store, client, depth=2)  # another crawl: different key
    fetched_now = {p for kind, ids in client.calls if kind == "efetch" for p in ids}
    assert fetched_before == {"1", "2", "3"}
    assert fetched_now == {"4", "5"}


def test_unknown_pmids_are_missing_not_members(store):
    # with a year window a paper is linked only once its record is known to be in it
    report = crawl(store, FakeClient(unknown={"3"}), depth=2, since=1900)
    assert report.missing == ["3"]
    # 3 is not linked (no record), so 5 is not reached at depth 2; 4 comes through 2
    assert dict(store.nodes(report.crawl_id, "done")) == {"1": 0, "2": 1, "4": 2}
    assert report.members == 3
    assert store.missing_pmids(["3"]) == {"3"}


def test_eager_linking_links_before_the_record_arrives(store):
    # without a window, papers are linked as soon as they are discovered: 3's citing paper 5
    # is found even though 3's record turns out to be missing
    client = FakeClient(unknown={"3"})
    report = crawl(store, client, depth=2)
    assert report.missing == ["3"]
    assert dict(store.nodes(report.crawl_id, "done")) == {"1": 0, "2": 1, "4": 2, "5": 2}
    # generation 1 was linked in one elink, in the same round as its efetch
    first_elink_after_seed = [ids for kind, ids in client.calls if kind == "elink"][1]
    assert set(first_elink_after_seed) == {"2", "3"}


def test_seed_without_record_is_still_linked(store):
    report = crawl(store, FakeClient(unknown={"1"}), depth=1)
    assert store.known_pmids(["1", "2", "3"]) == {"2", "3"}
    assert set(store.citing("1")) == {"2", "3"}
    assert report.members == 3


def test_year_window_excludes_and_does_not_expand(store):
    report = crawl(store, FakeClient(), depth=3, until=1994)
    # 3 (1995) is outside the window: not a member, and 5 is not reached through it
    done = dict(store.nodes(report.crawl_id, "done"))
    assert set(done) == {"1", "2"}
    assert report.excluded >= 2  # 3 and 4 (2000)


def test_max_papers_budget_is_reported(store):
    report = crawl(store, FakeClient(), depth=3, max_papers=3)
    assert report.members == 3
    assert report.over_budget > 0


def test_persistent_http_error_marks_failed_then_rerun_resumes(store):
    client = FakeClient(fail_efetch_times=100)
    report = crawl(store, client, depth=1)
    assert not report.complete
    # the seed was linked while its efetch failed, so its citers were found and failed too
    assert sorted(p for p, _ in report.failed) == ["1", "2", "3"]
    assert "503" in report.failed[0][1]
    client.fail_efetch_times = 0
    client.calls.clear()
    again = crawl(store, client, depth=1)
    assert again.start == "resumed" and again.complete
    assert store.known_pmids(["1", "2", "3"]) == {"1", "2", "3"}
    # the seed's links were stored the first time: only the records are asked for again
    assert client.count("elink") == 0 and client.count("efetch") >= 1
    assert dict(store.nodes(again.crawl_id, "done")) == {"1": 0, "2": 1, "3": 1}


def test_network_down_raises_and_keeps_state_for_resume(store):
    client = FakeClient(network_down=True)
    with pytest.raises(NetworkError):
        crawl(store, client, depth=1)
    client.network_down = False
    report = crawl(store, client, depth=1)
    assert report.start == "resumed" and report.complete
    assert report.members == 3


def test_references_direction_uses_record_reference_lists(store):
    client = FakeClient()
    report = crawl(store, client, seeds=("6",), depth=2, direction="references")
    assert dict(store.nodes(report.crawl_id)) == {"6": 0, "5": 1, "3": 2, "4": 2}
    # every record has its ReferenceList, so no elink was needed
    assert client.count("elink") == 0


def test_excluded_types_are_left_out_with_their_reason_and_not_followed(store):
    client = FakeClient()
    report = crawl(store, client, depth=4, exclude_types=("REVIEW", "comment"))
    # 3 is a review: left out, and 5 (which cites only 3 and 4) comes in through 4, a generation
    # later; 6, citing 5, is a comment. The seed is a review too, but a seed is always followed.
    assert dict(store.nodes(report.crawl_id, "done")) == {"1": 0, "2": 1, "4": 2, "5": 3}
    assert sorted(store.node_details(report.crawl_id, "excluded")) == [("3", "type:REVIEW"), ("6", "type:comment")]
    assert report.excluded == 2 and report.excluded_by == {"REVIEW": 1, "comment": 1}
    assert report.members == 4 and report.complete
    assert all("3" not in ids for kind, ids in client.calls if kind == "elink")
    again = crawl(store, client, depth=4, exclude_types=("comment", "Review"))  # the same crawl
    assert again.start == "already complete" and again.crawl_id == report.crawl_id
    assert again.excluded_by == report.excluded_by
    # as if a resumed run had left 6 out as "Review": counted with the "REVIEW" ones
    store.set_node_state(report.crawl_id, ["6"], "excluded", "type:Review")
    assert crawl(store, client, depth=4, exclude_types=("review", "comment")).excluded_by == {"REVIEW": 2}


def test_a_stored_record_is_judged_by_its_type_without_a_request(store):
    client = FakeClient()
    crawl(store, client, depth=1)  # 1, 2, 3 stored
    client.calls.clear()
    report = crawl(store, client, depth=1, exclude_types=("Review",), since=1989)
    assert client.count("efetch") == 0
    assert store.node_details(report.crawl_id, "excluded") == [("3", "type:Review")]
    # 2 (1990) is inside the window; a paper outside it is named by the other reason
    report = crawl(store, client, depth=1, exclude_types=("Review",), since=1991)
    assert report.excluded_by == {"year window": 1, "Review": 1}


def test_exclude_types_spelling_and_order_make_the_same_crawl():
    one = CrawlOptions(exclude_types=("Review", "Published  Erratum", "review"))
    assert one.exclude_types == ("Published Erratum", "Review")
    assert one.key(["1"]) == CrawlOptions(exclude_types=["published erratum", "Review"]).key(["1"])
    assert one.key(["1"]) != CrawlOptions().key(["1"])
    # without the option, a crawl keeps the key it had before the option existed
    assert "exclude_types" not in json.dumps(CrawlOptions()._key_params(["1"]))
    assert one.left_out_by(2000, ["Journal Article", "published erratum"]) == "type:Published Erratum"
    assert one.left_out_by(2000, ["Journal Article"]) is None
    with pytest.raises(InputError, match="publication type"):
        CrawlOptions(exclude_types=(" ",))


def test_options_validation():
    with pytest.raises(InputError):
        CrawlOptions(direction="sideways")
    with pytest.raises(InputError):
        CrawlOptions(since=2000, until=1990)
    with pytest.raises(InputError):
        CrawlOptions(depth=-1)


class LinkErrorClient(FakeClient):
    """elink answers one id's LinkSet with an ERROR (as NCBI can)."""

    def elink(self, pmids, linkname):
        result = super().elink(pmids, linkname)

        class Result(dict):
            errors = {}

        out = Result({p: v for p, v in result.items() if p != "2"})
        if "2" in pmids:
            out.errors = {"2": "Backend failed"}
        return out


def test_linkset_error_marks_paper_failed_not_empty(store):
    report = crawl(store, LinkErrorClient(), depth=2)
    assert not report.complete
    assert [p for p, _ in report.failed] == ["2"]
    assert "Backend failed" in report.failed[0][1]
    # 4 is reached only through 2, so it is absent; 3's branch went on
    members = dict(store.nodes(report.crawl_id))
    assert "4" not in members and "5" in members


def _commits(store) -> list[int]:
    """A counter of the COMMITs the store's connection runs from now on (one-element list)."""
    count = [0]
    store._db.set_trace_callback(lambda sql: count.__setitem__(0, count[0] + (sql.strip().upper() == "COMMIT")))
    return count


class AnswerCounter:
    """The crawl's thread pool, counting the answers that have arrived (futures done).

    ``arrived(n)`` blocks until ``n`` requests have finished: a future's callbacks run once it
    is done, so the crawl's main thread sees those answers as ready."""

    def __init__(self, monkeypatch):
        self.done = 0
        self.failed = 0
        self._changed = threading.Condition()
        counter = self

        class Pool(ThreadPoolExecutor):
            def submit(self, fn, /, *args, **kwargs):
                future = super().submit(fn, *args, **kwargs)
                future.add_done_callback(counter._arrived)
                return future

        monkeypatch.setattr(crawl_run, "ThreadPoolExecutor", Pool)

    def _arrived(self, future) -> None:
        with self._changed:
            self.done += 1
            self.failed += not future.cancelled() and future.exception() is not None
            self._changed.notify_all()

    def arrived(self, n: int, *, failed: int = 0) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.done >= n and self.failed >= failed, timeout=30)


def test_answers_that_arrive_together_share_one_commit(store, monkeypatch):
    commits = _commits(store)
    answers = AnswerCounter(monkeypatch)
    seen: list[int] = []

    def progress(snapshot):
        seen.append(commits[0])
        if len(seen) == 1:
            answers.arrived(2)  # while the first answer is written, the other one arrives

    client = FakeClient()
    crawler = Crawler(client, store, parse=lambda body: [], concurrency=2, progress=progress,
                      requests_made=lambda: len(client.calls))
    report = crawler.run(["1"], CrawlOptions(depth=3, fetch_batch=1, link_batch=1))
    assert report.complete and report.members == 6
    # the seed's efetch and elink were both in flight; the second joined the first's commit
    assert seen[0] == seen[1], seen


def test_ctrl_c_while_answers_are_written_keeps_them_and_the_crawl_resumes(store):
    at_signal = []

    def progress(snapshot):
        if not at_signal:
            at_signal.append(snapshot)
            os.kill(os.getpid(), signal.SIGINT)  # lands in the middle of the commit
            for _ in range(1000):
                pass

    client = FakeClient()
    crawler = Crawler(client, store, parse=lambda body: [], concurrency=2, progress=progress,
                      requests_made=lambda: len(client.calls))
    with pytest.raises(KeyboardInterrupt):
        crawler.run(["1"], CrawlOptions(depth=3))
    # what the crawl had taken in when the signal came is in the store
    crawl_id = store.open_crawl(CrawlOptions(depth=3).key(["1"]), ["1"], {})[0]
    assert store.member_count(crawl_id) >= at_signal[0].members
    assert store.counts()["articles"] >= at_signal[0].fetched
    assert at_signal[0].members > 1 or at_signal[0].fetched == 1
    report = crawl(store, client, depth=3)
    assert report.start == "resumed" and report.complete
    assert dict(store.nodes(report.crawl_id)) == {"1": 0, "2": 1, "3": 1, "4": 2, "5": 2, "6": 3}


class LinkServerGoesDown(FakeClient):
    """efetch answers; the elink, answered once the record is being written, finds the
    network gone."""

    def __init__(self):
        super().__init__()
        self.writing = threading.Event()

    def elink(self, pmids, linkname):
        assert self.writing.wait(30)
        raise NetworkError("connection refused")


def test_an_answer_that_ends_the_crawl_does_not_take_the_others_with_it(store, monkeypatch):
    client = LinkServerGoesDown()
    answers = AnswerCounter(monkeypatch)

    def progress(snapshot):
        client.writing.set()
        answers.arrived(2, failed=1)  # the failed elink arrives while the record is being written

    crawler = Crawler(client, store, parse=lambda body: [], concurrency=2, progress=progress,
                      requests_made=lambda: len(client.calls))
    with pytest.raises(NetworkError):
        crawler.run(["1"], CrawlOptions(depth=1, fetch_batch=1, link_batch=1))
    assert store.get_article("1") is not None


class LinkErrorWhileFetching(LinkErrorClient):
    """LinkErrorClient whose efetch of paper 2 waits until ``release`` is set."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    def efetch(self, pmids, *, parse):
        if "2" in pmids:
            assert self.release.wait(30)
        return super().efetch(pmids, parse=parse)


def test_a_resumed_crawl_reports_why_a_link_failed_before_the_record_came(store):
    """Paper 2's link fails while its record is still to come; the crawl is interrupted then.
    The resumed crawl fails 2 when its record arrives, with the link's own error."""
    client = LinkErrorWhileFetching()

    def progress(snapshot):
        if store.linked_flags(store.latest_crawl()["id"], "fetch").get("2") == -1:
            os.kill(os.getpid(), signal.SIGINT)  # raised once this commit is over

    crawler = Crawler(client, store, parse=lambda body: [], concurrency=2, progress=progress,
                      requests_made=lambda: len(client.calls))
    try:
        with pytest.raises(KeyboardInterrupt):
            crawler.run(["1"], CrawlOptions(depth=2))
    finally:
        client.release.set()
    assert store.nodes(store.latest_crawl()["id"], "failed") == []  # 2 waits for its record
    report = crawl(store, client, depth=2)
    assert report.start == "resumed" and report.failed == [("2", "elink error: Backend failed")]
