"""RateLimiter: at most ``rate`` requests in any window of ``1 + margin`` seconds, counted from
each request's send, checked the way NCBI counts (rolling seconds)."""

from __future__ import annotations

import math
import random
import threading
import time

import pytest
import requests

from citegraph.errors import ConfigError
from citegraph.sources import EutilsClient, RateLimiter
from citegraph.sources.ratelimit import mark_sent


class FakeClock:
    def __init__(self, start: float = 100.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def busiest_second(times: list[float]) -> int:
    """The most events in any closed window [t, t + 1 s] (the count a server would see)."""
    times = sorted(times)
    best = 0
    for i, start in enumerate(times):
        j = i
        while j < len(times) and times[j] <= start + 1.0:
            j += 1
        best = max(best, j - i)
    return best


def send_times(limiter: RateLimiter, clock: FakeClock, n: int) -> list[float]:
    times = []
    for _ in range(n):
        limiter.acquire()
        times.append(clock())
    return times


def test_a_window_of_requests_goes_at_once_and_the_next_one_waits_for_the_window():
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire() for _ in range(5)]
    gap = limiter.min_gap
    # three a small gap apart, then the fourth one window after the first
    assert waits == pytest.approx([0, gap, gap, limiter.window - 2 * gap, gap])
    assert limiter.window == pytest.approx(1 + limiter.window_margin)


@pytest.mark.parametrize("rate", [1, 3, 10, 2.5, 7.3, 50])
def test_no_rolling_second_ever_sees_more_than_rate(rate):
    clock = FakeClock()
    limiter = RateLimiter(rate, clock=clock, sleep=clock.sleep)
    times = send_times(limiter, clock, 200)
    assert busiest_second(times) <= rate
    # ...and the pacing is no slower than the limit less the safety margin
    assert busiest_second(times) >= math.floor(math.floor(rate) / (1 + limiter.window_margin))
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert achieved > 0.999 * math.floor(rate) / (1 + limiter.window_margin)


def test_margin_absorbs_network_jitter():
    clock = FakeClock()
    limiter = RateLimiter(10, window_margin=0.03, clock=clock, sleep=clock.sleep)
    rng = random.Random(7)
    arrivals = [t + rng.uniform(0, 0.029) for t in send_times(limiter, clock, 500)]
    assert busiest_second(arrivals) <= 10
    no_margin = RateLimiter(10, window_margin=0, clock=clock, sleep=clock.sleep)
    arrivals = [t + rng.uniform(0, 0.029) for t in send_times(no_margin, clock, 500)]
    assert busiest_second(arrivals) > 10  # the margin is what makes the difference


def test_idle_time_buys_one_window_of_requests_and_no_more():
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 60
    times = send_times(limiter, clock, 7)
    assert times[1] - times[0] == pytest.approx(limiter.min_gap)
    assert times[3] - times[0] == pytest.approx(limiter.window)  # not a fourth at once
    assert busiest_second(times) <= 3


def test_rates_below_one_per_second():
    clock = FakeClock()
    limiter = RateLimiter(0.5, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire() for _ in range(3)] == [0, 2.0, 2.0]


def test_pause_holds_every_caller_off():
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.pause(5)
    assert limiter.acquire() == pytest.approx(5)
    assert limiter.acquire() == pytest.approx(limiter.min_gap)
    limiter.pause(0.001)  # a pause shorter than the next slot changes nothing
    assert limiter.acquire() == pytest.approx(limiter.min_gap)


class LateWaker(FakeClock):
    """A busy machine: every sleep overruns by up to 150 ms (random, reproducible)."""

    def __init__(self) -> None:
        super().__init__()
        self.rng = random.Random(3)

    def sleep(self, seconds: float) -> None:
        self.now += seconds + self.rng.uniform(0, 0.15)


def test_threads_leave_one_at_a_time_spaced_from_the_actual_departures():
    """Eight threads share one limiter on a machine that wakes them late: the spacing is
    counted from when the previous caller really left, so late wake-ups never bunch up."""
    clock = LateWaker()
    departures: list[float] = []
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep, on_departure=departures.append)
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(25):
            limiter.acquire()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(departures) == 200
    gaps = [b - a for a, b in zip(departures, departures[1:])]
    assert min(gaps) >= limiter.min_gap - 1e-9
    spans = [b - a for a, b in zip(departures, departures[limiter.per_window:])]
    assert min(spans) >= limiter.window - 1e-9
    assert busiest_second(departures) <= 10
    # the late wake-ups really happened (the test would pass trivially without them)
    assert max(gaps) > limiter.interval + 0.05


def test_a_pause_during_a_sleep_is_honoured_on_waking():
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if clock.now < 110:
            limiter.pause(10)  # another thread saw a 429 while this one slept

    limiter = RateLimiter(3, clock=clock, sleep=sleep)
    limiter.acquire()
    waited = limiter.acquire()
    assert waited >= 10


@pytest.mark.parametrize("rate", [0, -1, float("nan"), float("inf")])
def test_unusable_rates_are_refused(rate):
    with pytest.raises(ConfigError):
        RateLimiter(rate)


def test_threads_sharing_a_client_stay_under_the_limit_in_real_time(fault_server):
    """Three threads, one client with an API key (10 req/s): the server's own clock decides."""
    fault_server.play(fault_server.reply(b"<eSearchResult><Count>0</Count><IdList/></eSearchResult>"))
    client = EutilsClient(fault_server.settings(rate=None, api_key="k"))
    assert client.settings.effective_rate == 10
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                client.esearch("x")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    client.close()
    assert not errors
    arrivals = [seen.at for seen in fault_server.seen]
    assert len(arrivals) == 15
    assert busiest_second(arrivals) <= 10
    # (that it goes as fast as the limit allows depends on the machine: see the fake-clock tests)
    assert elapsed >= client.limiter.window  # the eleventh waited for the first to leave the window


def _queue_and_release(callers: list[tuple[str, int]], first_lane: int) -> tuple[list[str], float]:
    """Callers (name, lane) queue in this order while the first of them sleeps towards its turn
    (the one before them left in ``first_lane``); returns the order they left in and the clock."""
    clock = FakeClock()
    go = threading.Event()

    def sleep(seconds: float) -> None:
        go.wait(5)  # hold every sleeper until all callers have queued
        clock.sleep(seconds)

    order: list[str] = []
    limiter = RateLimiter(10, clock=clock, sleep=sleep,
                          on_departure=lambda t: order.append(threading.current_thread().name))
    limiter.acquire(first_lane)
    order.clear()
    threads = [threading.Thread(target=limiter.acquire, args=(lane,), name=name) for name, lane in callers]
    for count, thread in enumerate(threads, 1):
        thread.start()
        deadline = time.monotonic() + 5
        while len(limiter._waiting) < count and time.monotonic() < deadline:
            time.sleep(0.001)  # queued in this order
    go.set()
    for thread in threads:
        thread.join(5)
    # still spaced: each left at least the least gap after the previous one
    assert clock.now >= 100 + len(callers) * limiter.min_gap - 1e-9
    return order, clock.now


def test_a_link_waits_for_one_fetch_at_most():
    """Three fetches queue, then a link: after a fetch left, the link goes next."""
    order, _ = _queue_and_release([("fetch0", 1), ("fetch1", 1), ("fetch2", 1), ("link", 0)], first_lane=1)
    assert order == ["link", "fetch0", "fetch1", "fetch2"]


def test_lanes_take_turns_and_keep_arrival_order_within_a_lane():
    callers = [("fetch0", 1), ("fetch1", 1), ("fetch2", 1), ("link0", 0), ("link1", 0)]
    order, _ = _queue_and_release(callers, first_lane=1)
    assert order == ["link0", "fetch0", "link1", "fetch1", "fetch2"]
    order, _ = _queue_and_release(callers, first_lane=0)
    assert order == ["fetch0", "link0", "fetch1", "link1", "fetch2"]


def test_a_caller_interrupted_while_waiting_leaves_the_queue():
    clock = FakeClock()
    calls = []

    def sleep(seconds: float) -> None:
        calls.append(seconds)
        if len(calls) == 1:
            raise KeyboardInterrupt
        clock.sleep(seconds)

    limiter = RateLimiter(3, clock=clock, sleep=sleep)
    limiter.acquire()
    with pytest.raises(KeyboardInterrupt):
        limiter.acquire()
    assert limiter._waiting == []
    assert limiter.acquire() == pytest.approx(limiter.min_gap)  # the next caller is not stuck


# -- counting from the send ------------------------------------------------------------------


def test_a_request_counts_from_when_it_was_sent():
    """The thread was let go at 100 but held up 0.5 s before sending (the interpreter lock, a
    busy machine): the window is counted from the send."""
    clock = FakeClock()
    limiter = RateLimiter(3, track_sends=True, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 0.5
    mark_sent()
    times = send_times(limiter, clock, 3)
    assert times[2] == pytest.approx(100.5 + limiter.window)
    # without tracking, the same request counts from when its caller left
    clock = FakeClock()
    untracked = RateLimiter(3, clock=clock, sleep=clock.sleep)
    untracked.acquire()
    clock.now += 0.5
    mark_sent()
    assert send_times(untracked, clock, 3)[2] == pytest.approx(100 + untracked.window)


def test_a_caller_waits_for_the_request_its_turn_depends_on_to_be_sent():
    clock = FakeClock()
    limiter = RateLimiter(1, track_sends=True, clock=clock, sleep=clock.sleep)
    took_slot, send = threading.Event(), threading.Event()

    def first() -> None:
        limiter.acquire()
        took_slot.set()
        send.wait(5)
        clock.now += 3.0  # held up 3 s, then sent
        mark_sent()

    thread = threading.Thread(target=first)
    thread.start()
    took_slot.wait(5)
    left: list[float] = []
    second = threading.Thread(target=lambda: left.append(limiter.acquire()))
    second.start()
    second.join(0.2)
    assert second.is_alive() and not left  # the window's oldest request is not sent yet
    send.set()
    thread.join(5)
    second.join(5)
    assert clock.now == pytest.approx(100 + 3.0 + limiter.window)


def test_a_request_that_never_reports_counts_from_when_its_caller_settles():
    clock = FakeClock()
    limiter = RateLimiter(1, track_sends=True, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 2  # e.g. connection refused after 2 s
    limiter.settle()
    limiter.settle()  # twice is harmless
    assert limiter.acquire() == pytest.approx(limiter.window)  # from 102, not from 100
    # a thread's next acquire settles its own last request (one thread cannot wait for itself),
    # from then: on the safe side
    clock.now += 5
    assert limiter.acquire() == pytest.approx(limiter.window)


def test_a_request_of_another_limiter_is_settled_by_the_next_acquire_on_the_thread():
    clock = FakeClock()
    a = RateLimiter(1, track_sends=True, clock=clock, sleep=clock.sleep)
    b = RateLimiter(1, track_sends=True, clock=clock, sleep=clock.sleep)
    a.acquire()
    b.acquire()  # settles a's request: a's next caller, on another thread, is not stuck
    done: list[float] = []
    other = threading.Thread(target=lambda: done.append(a.acquire()))
    other.start()
    other.join(5)
    assert done == [pytest.approx(a.window)]


def _slow_answer(fault_server, seconds: float):
    answer = fault_server.reply(b"<eSearchResult><Count>0</Count><RetMax>0</RetMax><IdList/></eSearchResult>")

    def act(handler) -> None:
        time.sleep(seconds)
        answer(handler)

    return act


def test_the_clients_connections_report_the_send_before_the_answer(fault_server):
    client = EutilsClient(fault_server.settings(rate=1, read_timeout=30))
    client.limiter._recent.clear()  # no window before this client's (see the next test)
    limiter, reported = client.limiter, []
    answer = fault_server.reply(b"<eSearchResult><Count>0</Count><RetMax>0</RetMax><IdList/></eSearchResult>")

    def answer_once_reported(handler) -> None:
        # the answer goes only once the limiter has the request as sent (or after 10 s)
        with limiter._state:
            reported.append(limiter._state.wait_for(lambda: bool(limiter._recent) and limiter._recent[-1].sent, 10))
        answer(handler)

    fault_server.play(answer_once_reported)
    client.esearch("x")
    client.close()
    assert reported == [True]  # counted from the send, not the answer


def test_a_session_without_reporting_connections_counts_from_the_answer(fault_server):
    """The other side of the test above: a session passed in has plain connections, so the
    request is settled when the client is done with it, 0.4 s later."""
    fault_server.play(_slow_answer(fault_server, 0.4))
    with requests.Session() as session:
        client = EutilsClient(fault_server.settings(rate=1), session=session)
        client.limiter._recent.clear()
        before = time.monotonic()
        client.esearch("x")
    (slot,) = client.limiter._recent
    assert slot.sent and slot.at - before >= 0.4


def test_a_new_client_starts_at_the_steady_pace_as_if_a_run_had_just_stopped():
    """A crawl killed and started again at once: the server still counts the old run's last
    second, so the new one does not start with a burst."""
    clock = FakeClock()
    limiter = RateLimiter(10, start_busy=True, clock=clock, sleep=clock.sleep)
    times = send_times(limiter, clock, 12)
    assert times[0] == pytest.approx(100 + limiter.interval)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) == pytest.approx(limiter.interval)  # no two closer than the steady pace
    # the old run's requests (the window before) and the new ones: never more than the rate
    old = [100 - limiter.window + (i + 1) * limiter.interval for i in range(10)]
    assert busiest_second(old + times) <= 10
    # without it, the first window's requests go at once
    fresh = RateLimiter(10, clock=clock, sleep=clock.sleep)
    start = clock.now
    assert send_times(fresh, clock, 10)[-1] - start == pytest.approx(9 * fresh.min_gap)
