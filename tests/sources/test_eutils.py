"""EutilsClient against scripted fault servers on 127.0.0.1 (see conftest.py).

The core tests use small inline bodies and run without ../shared. Tests taking the
``ncbi_fixtures`` fixture serve real recorded NCBI responses (provenance in
../shared/fixtures/ncbi/SOURCES.md) and are skipped when ../shared is absent.
"""

from __future__ import annotations

import gzip
import logging
import random
import time
import traceback
from email.utils import formatdate, parsedate_to_datetime

import pytest
from lxml import etree

from citegraph.errors import (
    HTTPError,
    InputError,
    NetworkError,
    ParseError,
    RateLimitError,
    ResponseError,
)
from citegraph.sources import CITED_IN, REFERENCES, EutilsClient, LinkResult
from citegraph.sources.eutils import ResponseTooLarge

SECRET = "sekrit-KEY-0123456789abcdef"


# -- inline bodies --------------------------------------------------------------------------


def article_set(*pmids: str) -> bytes:
    records = "".join(
        f'<PubmedArticle><MedlineCitation Status="MEDLINE"><PMID Version="1">{p}</PMID>'
        f"<Article><ArticleTitle>Title {p}</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        for p in pmids
    )
    return (
        '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN"'
        ' "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
        f"<PubmedArticleSet>\n{records}\n</PubmedArticleSet>\n"
    ).encode()


def link_sets(
    links: dict[str, list[str] | None], linkname: str = CITED_IN, errors: dict[str, str] | None = None
) -> bytes:
    """One LinkSet per id; ``None`` links = LinkSet without LinkSetDb; ``errors`` = LinkSet ERROR."""
    parts = []
    for pmid, linked in links.items():
        db = ""
        if linked is not None:
            ids = "".join(f"<Link><Id>{i}</Id></Link>" for i in linked)
            db = f"<LinkSetDb><DbTo>pubmed</DbTo><LinkName>{linkname}</LinkName>{ids}</LinkSetDb>"
        parts.append(f"<LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>{pmid}</Id></IdList>{db}</LinkSet>")
    for pmid, message in (errors or {}).items():
        parts.append(
            f"<LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>{pmid}</Id></IdList><ERROR>{message}</ERROR></LinkSet>"
        )
    return ('<?xml version="1.0" encoding="UTF-8" ?>\n<eLinkResult>' + "".join(parts) + "</eLinkResult>\n").encode()


def esearch_body(ids: list[str]) -> bytes:
    id_list = "".join(f"<Id>{i}</Id>" for i in ids)
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<eSearchResult>'
        f"<Count>{len(ids)}</Count><RetMax>{len(ids)}</RetMax><RetStart>0</RetStart>"
        f"<IdList>{id_list}</IdList></eSearchResult>\n"
    ).encode()


def pmids_of(body: bytes) -> list[str]:
    """A strict little 'parser' for tests: PMIDs of a complete PubmedArticleSet, else ParseError."""
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not XML: {exc}") from exc
    if root.tag != "PubmedArticleSet":
        raise ParseError(f"not a PubmedArticleSet: {root.tag}")
    return [e.text for e in root.iter("PMID")]


class RecordingSleep:
    """A ``sleep`` that records durations and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    def longer_than(self, seconds: float) -> list[float]:
        return [c for c in self.calls if c > seconds]


class CeilingRandom(random.Random):
    """Always draws the top of the jitter range, so backoff delays are predictable."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.fixture
def client_for(fault_server):
    clients = []

    def make(**overrides) -> EutilsClient:
        kwargs = {k: overrides.pop(k) for k in ("sleep", "rng", "clock", "session") if k in overrides}
        client = EutilsClient(fault_server.settings(**overrides), **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


# -- request shape ------------------------------------------------------------------------


def test_elink_with_200_ids_uses_get_with_one_id_parameter_each(fault_server, client_for):
    ids = [str(1000 + i) for i in range(200)]
    fault_server.play(fault_server.reply(link_sets({i: None for i in ids})))
    result = client_for().elink(ids, CITED_IN)
    (seen,) = fault_server.seen
    assert seen.method == "GET" and seen.body == b""
    assert seen.endpoint == "elink.fcgi"
    assert seen.values("id") == ids
    assert (seen.get("dbfrom"), seen.get("db"), seen.get("linkname")) == ("pubmed", "pubmed", CITED_IN)
    assert result == {i: [] for i in ids}


def test_elink_with_201_ids_posts_a_form_with_every_id(fault_server, client_for):
    ids = [str(1000 + i) for i in range(201)]
    fault_server.play(
        fault_server.answer(
            lambda seen: fault_server.reply(link_sets({i: ["7"] for i in seen.values("id")}, seen.get("linkname")))
        )
    )
    result = client_for().elink(ids, REFERENCES)
    (seen,) = fault_server.seen
    assert seen.method == "POST"
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "?" not in seen.path
    assert seen.values("id") == ids
    assert seen.get("linkname") == REFERENCES
    assert result == {i: ["7"] for i in ids}


def test_efetch_asks_pubmed_xml_by_get_then_by_post_above_200_ids(fault_server, client_for):
    fault_server.play(fault_server.answer(lambda seen: fault_server.reply(article_set(*seen.get("id").split(",")))))
    client = client_for()
    few = [str(i) for i in range(1, 201)]
    many = [str(i) for i in range(1, 202)]
    assert pmids_of(client.efetch(few)) == few
    assert client.efetch(many, parse=pmids_of) == many
    get, post = fault_server.seen
    assert (get.method, post.method) == ("GET", "POST")
    for seen, ids in ((get, few), (post, many)):
        assert seen.endpoint == "efetch.fcgi"
        assert (seen.get("db"), seen.get("retmode")) == ("pubmed", "xml")
        assert seen.values("id") == [",".join(ids)]


def test_efetch_above_10000_ids_splits_the_request_and_joins_the_documents(fault_server, client_for):
    fault_server.play(fault_server.answer(lambda seen: fault_server.reply(article_set(*seen.get("id").split(",")))))
    ids = [str(i) for i in range(1, 10_003)]
    body = client_for().efetch(ids)
    assert [len(s.get("id").split(",")) for s in fault_server.seen] == [10_000, 2]
    assert pmids_of(body) == ids
    assert body.startswith(b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet')


def test_efetch_of_no_ids_sends_nothing(fault_server, client_for):
    fault_server.play(fault_server.reply(b"unused"))
    assert client_for().efetch([], parse=pmids_of) == []
    assert fault_server.seen == []


def test_ids_are_deduplicated_and_non_ids_refused_before_sending(fault_server, client_for):
    fault_server.play(fault_server.reply(link_sets({"1": ["5"], "2": None})))
    client = client_for()
    assert client.elink([" 1", "2", "1"], CITED_IN) == {"1": ["5"], "2": []}
    assert fault_server.seen[0].values("id") == ["1", "2"]
    with pytest.raises(InputError, match="not PubMed ids"):
        client.elink(["1", "10.1000/xyz"], CITED_IN)
    with pytest.raises(InputError):
        client.efetch(["PMC123"])
    assert len(fault_server.seen) == 1


def test_every_request_carries_tool_email_and_api_key(fault_server, client_for):
    fault_server.play(fault_server.reply(esearch_body(["1"])))
    client_for(tool="citegraph-test", email="someone@example.org", api_key=SECRET).esearch("cancer")
    client_for().esearch("cancer")
    with_key, without = fault_server.seen
    assert with_key.get("tool") == "citegraph-test"
    assert with_key.get("email") == "someone@example.org"
    assert with_key.get("api_key") == SECRET
    assert without.get("tool") == "citegraph"
    assert without.get("email") is None and without.get("api_key") is None


def test_gzip_bodies_are_decoded_and_the_connection_is_kept_alive(fault_server, client_for):
    body = article_set(*map(str, range(1, 300)))
    packed = gzip.compress(body)
    fault_server.play(fault_server.reply(packed, headers=[("Content-Encoding", "gzip")]))
    client = client_for()
    assert client.efetch(["1"]) == body
    assert client.efetch(["2"]) == body
    assert "gzip" in fault_server.seen[0].headers["Accept-Encoding"]
    assert client.stats["bytes"] == 2 * len(packed)  # counted on the wire
    assert len({seen.client for seen in fault_server.seen}) == 1  # one connection, reused


# -- answer size cap ----------------------------------------------------------------------


def _without_length(body: bytes):
    """An answer with no Content-Length: the body runs until the connection closes."""

    def act(h):
        h.close_connection = True
        h.send_response(200)
        h.send_header("Content-Type", "text/xml")
        h.end_headers()
        h.wfile.write(body)

    return act


@pytest.mark.parametrize("announced", [True, False])
def test_an_answer_over_the_size_cap_fails_at_once_without_being_kept(fault_server, client_for, announced):
    body = esearch_body([str(i) for i in range(1, 2000)])
    fault_server.play(fault_server.reply(body) if announced else _without_length(body))
    client = client_for(max_attempts=4)
    client.max_response_bytes = len(body) // 4
    with pytest.raises(ResponseTooLarge, match=f"larger than {len(body) // 4:,} bytes"):
        client.esearch("x")
    assert len(fault_server.seen) == 1  # asking again would give the same answer
    client.max_response_bytes = len(body)
    assert len(client.esearch("x")) == 1999  # at the cap: read


def test_an_efetch_answer_over_the_cap_is_asked_for_in_halves(fault_server, client_for):
    fault_server.play(fault_server.answer(lambda seen: fault_server.reply(article_set(*seen.get("id").split(",")))))
    ids = [str(i) for i in range(1, 9)]
    client = client_for()
    client.max_response_bytes = len(article_set(*ids[:2]))  # two records fit, not three
    assert client.efetch(ids, parse=pmids_of) == ids
    assert [len(seen.get("id").split(",")) for seen in fault_server.seen] == [8, 4, 2, 2, 4, 2, 2]
    client.max_response_bytes = len(article_set("1")) - 1  # one record alone is too large
    with pytest.raises(ResponseTooLarge):
        client.efetch(["1"])


# -- transient failures: retried ----------------------------------------------------------


def test_a_run_of_500_502_503_then_success_is_retried(fault_server, client_for):
    ok = fault_server.reply(esearch_body(["42"]))
    fault_server.play(
        fault_server.reply("oops", 500, content_type="text/plain"),
        fault_server.reply("<html><title>502 Bad Gateway</title></html>", 502, content_type="text/html"),
        fault_server.reply("busy", 503, content_type="text/plain"),
        ok,
    )
    client = client_for(max_attempts=4)
    assert client.esearch("x") == ["42"]
    assert len(fault_server.seen) == 4
    stats = client.stats
    assert stats["retries"] == 3 and stats["requests"] == 4
    assert stats["by_status"] == {"500": 1, "502": 1, "503": 1, "200": 1}


def test_persistent_503_raises_http_error_after_max_attempts(fault_server, client_for):
    fault_server.play(fault_server.reply("Service Unavailable", 503, content_type="text/plain"))
    client = client_for(max_attempts=3)
    with pytest.raises(HTTPError) as info:
        client.esearch("x")
    assert len(fault_server.seen) == 3
    assert info.value.status == 503 and info.value.transient
    assert "gave up after 3 attempts" in str(info.value)
    assert "?" not in info.value.url  # never the query string
    assert client.stats["failures"] == 1


def test_backoff_doubles_up_to_the_cap(fault_server, client_for):
    fault_server.play(fault_server.reply("down", 503, content_type="text/plain"))
    sleep = RecordingSleep()
    client = client_for(max_attempts=5, backoff_base=0.05, backoff_max=0.15, sleep=sleep, rng=CeilingRandom())
    with pytest.raises(HTTPError):
        client.esearch("x")
    # pacing waits at 1000 req/s are ~1 ms; the backoff sleeps are the long ones
    assert sleep.longer_than(0.01) == pytest.approx([0.05, 0.1, 0.15, 0.15])


def test_429_without_retry_after_is_retried(fault_server, client_for):
    body = '{"error":"API rate limit exceeded","api-key":"127.0.0.1","count":"26","limit":"3"}'
    fault_server.play(
        fault_server.reply(body, 429, content_type="application/json"), fault_server.reply(esearch_body(["9"]))
    )
    client = client_for()
    assert client.esearch("x") == ["9"]
    assert client.stats["by_status"] == {"429": 1, "200": 1}


def test_429_retry_after_is_honoured_in_real_time(fault_server, client_for):
    fault_server.play(
        fault_server.reply('{"error":"API rate limit exceeded"}', 429, headers=[("Retry-After", "1")]),
        fault_server.reply(esearch_body(["9"])),
    )
    assert client_for(backoff_max=5).esearch("x") == ["9"]
    first, second = fault_server.seen
    assert second.at - first.at >= 1.0  # (how long exactly it waits: the test below)


@pytest.mark.parametrize("header", ["7", "date"])
def test_429_retry_after_holds_the_whole_client_off(fault_server, client_for, header):
    before = time.time()
    value = formatdate(before + 7, usegmt=True) if header == "date" else header
    fault_server.play(
        fault_server.reply('{"error":"API rate limit exceeded"}', 429, headers=[("Retry-After", value)]),
        fault_server.reply(esearch_body(["9"])),
    )
    sleep = RecordingSleep()
    client = client_for(backoff_max=10, sleep=sleep, clock=lambda: 100.0)  # the limiter's time stands still
    assert client.esearch("x") == ["9"]
    after = time.time()
    (wait,) = sleep.longer_than(0.5)
    if header == "date":  # the date (whole seconds) as seen between sending and answering
        until = parsedate_to_datetime(value).timestamp()
        assert until - after <= wait <= until - before
    else:
        assert wait == 7.0
    # the pause lives in the shared limiter: another thread's next request waits too
    assert client.limiter.next_free_in() >= wait
    assert client.stats["waited"] >= wait  # counted as time spent on the limiter


def test_429_asking_for_more_than_backoff_max_gives_up_at_once(fault_server, client_for):
    fault_server.play(fault_server.reply('{"error":"API rate limit exceeded"}', 429, headers=[("Retry-After", "120")]))
    with pytest.raises(RateLimitError) as info:
        client_for(backoff_max=5).esearch("x")
    assert len(fault_server.seen) == 1
    assert info.value.retry_after == 120 and info.value.status == 429 and info.value.transient
    assert "API rate limit exceeded" in str(info.value)


def test_429_body_quoting_the_key_is_not_repeated(fault_server, client_for):
    body = f'{{"error":"API rate limit exceeded","api-key":"{SECRET}","count":"26","limit":"10"}}'
    fault_server.play(fault_server.reply(body, 429, content_type="application/json"))
    with pytest.raises(RateLimitError) as info:
        client_for(api_key=SECRET, max_attempts=2).esearch("x")
    assert "count 26, limit 10" in str(info.value)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)


def test_400_wrapping_a_backend_502_is_retried(fault_server, client_for):
    fault_server.play(
        fault_server.reply("<html><body><h1>502 Bad Gateway</h1></body></html>", 400, content_type="text/html"),
        fault_server.reply(esearch_body(["3"])),
    )
    assert client_for().esearch("x") == ["3"]
    assert len(fault_server.seen) == 2


@pytest.mark.parametrize("status, body", [(404, "Not Found"), (400, "Invalid term"), (414, "URI Too Long")])
def test_other_4xx_are_raised_at_once(fault_server, client_for, status, body):
    fault_server.play(
        fault_server.reply(body, status, content_type="text/plain"), fault_server.reply(esearch_body(["1"]))
    )
    with pytest.raises(HTTPError) as info:
        client_for().esearch("x")
    assert len(fault_server.seen) == 1
    assert info.value.status == status and not info.value.transient
    assert body in str(info.value)


def test_connection_reset_mid_body_is_retried(fault_server, client_for):
    body = article_set(*map(str, range(1, 200)))
    fault_server.play(fault_server.reset(body, after=300), fault_server.reply(body))
    assert len(client_for().efetch(["1"], parse=pmids_of)) == 199
    assert len(fault_server.seen) == 2


def test_connection_reset_every_time_raises_network_error(fault_server, client_for):
    fault_server.play(fault_server.reset(article_set("1", "2"), after=40))
    with pytest.raises(NetworkError) as info:
        client_for(max_attempts=2).efetch(["1"])
    assert "efetch" in str(info.value) and "gave up after 2 attempts" in str(info.value)


def test_body_shorter_than_content_length_is_a_network_error(fault_server, client_for):
    # a complete, valid document: only the Content-Length check can tell that bytes are missing
    body = esearch_body(["1", "2"])
    fault_server.play(fault_server.short(body, claimed=len(body) + 100))
    with pytest.raises(NetworkError):
        client_for(max_attempts=1).esearch("x")


def test_short_body_is_retried(fault_server, client_for):
    body = esearch_body(["1", "2"])
    fault_server.play(fault_server.short(body, claimed=len(body) + 100), fault_server.reply(body))
    assert client_for().esearch("x") == ["1", "2"]


def test_truncated_efetch_xml_is_retried_even_without_parse(fault_server, client_for):
    body = article_set("1", "2")
    fault_server.play(fault_server.reply(body[: len(body) // 2]), fault_server.reply(body))
    assert client_for().efetch(["1", "2"]) == body
    assert len(fault_server.seen) == 2


def test_truncated_efetch_xml_that_fails_to_parse_is_retried(fault_server, client_for):
    body = article_set("1", "2")
    # cut inside a record, but keep the closing tag so only the parser notices
    broken = body.replace(b"</ArticleTitle>", b"", 1)
    calls = []

    def parse(data: bytes) -> list[str]:
        calls.append(data)
        return pmids_of(data)

    fault_server.play(fault_server.reply(broken), fault_server.reply(body))
    assert client_for().efetch(["1", "2"], parse=parse) == ["1", "2"]
    assert calls == [broken, body]


def test_parse_errors_until_the_last_attempt_raise_response_error(fault_server, client_for):
    fault_server.play(fault_server.reply(article_set("1").replace(b"</PMID>", b"", 1)))
    with pytest.raises(ResponseError) as info:
        client_for(max_attempts=2).efetch(["1"], parse=pmids_of)
    assert info.value.transient
    assert isinstance(info.value.__cause__, ParseError)
    assert len(fault_server.seen) == 2


def test_elink_truncated_xml_is_retried(fault_server, client_for):
    body = link_sets({"1": ["2"]})
    fault_server.play(fault_server.reply(body[:-30]), fault_server.reply(body))
    assert client_for().elink(["1"], CITED_IN) == {"1": ["2"]}


@pytest.mark.parametrize(
    "bad",
    [
        b"<html><head><title>PmFetch response</title></head><body><pre>Pubmed-entry ::= {</pre></body></html>",
        b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x"><html><body>Error</body></html>',
        b"Resource temporarily unavailable\n",
        b"",
    ],
    ids=["html", "xhtml", "plain-text", "empty"],
)
def test_200_with_a_non_xml_body_is_retried(fault_server, client_for, bad):
    body = article_set("5")
    fault_server.play(fault_server.reply(bad, content_type="text/html"), fault_server.reply(body))
    assert client_for().efetch(["5"]) == body
    assert len(fault_server.seen) == 2


def test_200_html_every_time_raises_response_error(fault_server, client_for):
    fault_server.play(fault_server.reply(b"<html><head><title>Down for maintenance</title></head></html>"))
    with pytest.raises(ResponseError, match="HTML page instead of XML.*Down for maintenance") as info:
        client_for(max_attempts=2).esearch("x")
    assert info.value.transient


def test_efetch_permanent_error_element_is_raised_at_once(fault_server, client_for):
    body = (
        b'<?xml version="1.0" ?>\n<eFetchResult>\n'
        b"\t<ERROR>Cannot retrieve document: invalid uid</ERROR>\n</eFetchResult>"
    )
    fault_server.play(fault_server.reply(body), fault_server.reply(article_set("1")))
    with pytest.raises(ResponseError, match="Cannot retrieve document") as info:
        client_for().efetch(["1"])
    assert not info.value.transient
    assert len(fault_server.seen) == 1


def test_efetch_temporary_error_element_is_retried(fault_server, client_for):
    body = b"<eFetchResult><ERROR>Search Backend failed: read timeout</ERROR></eFetchResult>"
    fault_server.play(fault_server.reply(body), fault_server.reply(article_set("1")))
    assert client_for().efetch(["1"], parse=pmids_of) == ["1"]


# -- timeouts and refusals ----------------------------------------------------------------


def test_read_timeout_is_bounded_and_retried(fault_server, client_for):
    fault_server.play(fault_server.hang(60))
    with pytest.raises(NetworkError, match="read timeout"):
        client_for(read_timeout=0.2, max_attempts=2).esearch("x")
    assert len(fault_server.seen) == 2
    assert fault_server.finished == 0  # both given up while the server still said nothing


def test_slow_drip_is_cut_off_by_the_total_deadline(fault_server, client_for):
    body = article_set(*map(str, range(1, 20)))  # ~2 kB at 50 bytes/s would take ~40 s
    fault_server.play(fault_server.drip(body, every=0.02))
    # a byte every 0.02 s never trips the 0.5 s read timeout; the body's deadline is 1 s
    with pytest.raises(NetworkError, match="still arriving"):
        client_for(read_timeout=0.5, max_attempts=1).efetch(["1"])
    assert fault_server.finished == 0  # given up while the body was still dripping


def test_connection_refused_is_a_network_error_with_a_clear_message(free_port):
    from citegraph.config import Settings

    settings = Settings(
        eutils_url=f"http://127.0.0.1:{free_port}/eutils/", max_attempts=2, backoff_base=0.001, rate=100
    )
    with EutilsClient(settings) as client:
        with pytest.raises(NetworkError) as info:
            client.efetch(["1"])
    assert str(info.value) == (
        f"efetch: cannot connect to 127.0.0.1:{free_port} (Connection refused) (gave up after 2 attempts)"
    )
    assert info.value.transient
    assert client.stats["by_status"] == {"network": 2}


# -- the API key never leaks ---------------------------------------------------------------


def test_api_key_never_appears_in_errors_tracebacks_or_logs(free_port, caplog):
    from citegraph.config import Settings

    caplog.set_level(logging.DEBUG)
    settings = Settings(eutils_url=f"http://127.0.0.1:{free_port}/", api_key=SECRET, max_attempts=2, backoff_base=0.001)
    client = EutilsClient(settings)
    with pytest.raises(NetworkError) as info:
        client.elink(["1", "2"], CITED_IN)  # GET: the key is in the URL requests would quote
    exc = info.value
    text = str(exc) + repr(exc) + "".join(traceback.format_exception(exc)) + caplog.text
    assert "cannot connect" in text
    assert SECRET not in text
    assert exc.__cause__ is None and exc.__context__ is None
    assert SECRET not in repr(client) and SECRET not in repr(client.stats)
    assert any(r.name == "citegraph.eutils" for r in caplog.records)


def test_api_key_is_sent_but_not_logged_by_us_or_urllib3(fault_server, client_for, caplog):
    caplog.set_level(logging.DEBUG)
    fault_server.play(fault_server.reply("<html>echo</html>", 404, content_type="text/html"))
    with pytest.raises(HTTPError) as info:
        client_for(api_key=SECRET).esearch("x")
    assert fault_server.seen[0].get("api_key") == SECRET
    assert any(r.name.startswith("urllib3") for r in caplog.records)  # urllib3 logged the request line...
    assert "api_key=***" in caplog.text  # ...with the key masked
    assert SECRET not in caplog.text and SECRET not in str(info.value)


def test_http_error_echoing_the_url_is_redacted(fault_server, client_for):
    def echo(seen):
        text = f"Bad request: {seen.path}?api_key={seen.get('api_key')}"
        return fault_server.reply(text, 400, content_type="text/plain")

    fault_server.play(fault_server.answer(echo))
    with pytest.raises(HTTPError) as info:
        client_for(api_key=SECRET).esearch("x")
    assert "api_key=***" in str(info.value) and SECRET not in str(info.value)


def test_one_debug_line_per_request(fault_server, client_for, caplog):
    caplog.set_level(logging.DEBUG, logger="citegraph.eutils")
    fault_server.play(fault_server.reply("busy", 503), fault_server.reply(link_sets({"1": None, "2": None})))
    client_for().elink(["1", "2"], CITED_IN)
    lines = [r.getMessage() for r in caplog.records if r.name == "citegraph.eutils" and r.levelno == logging.DEBUG]
    assert len(lines) == 2
    assert lines[0].startswith("elink GET: 2 ids, attempt 1/4 -> 503")
    assert lines[1].startswith("elink GET: 2 ids, attempt 2/4 -> 200")


# -- elink ----------------------------------------------------------------------------------


def test_elink_maps_each_id_to_its_links_and_no_linksetdb_to_empty(fault_server, client_for):
    fault_server.play(fault_server.reply(link_sets({"10": ["11", "12", "11"], "20": None, "30": []})))
    result = client_for().elink(["10", "20", "30"], CITED_IN)
    assert isinstance(result, LinkResult)
    assert result == {"10": ["11", "12"], "20": [], "30": []}
    assert list(result) == ["10", "20", "30"] and result.errors == {}


def test_elink_linkset_error_is_reported_apart_from_no_links(fault_server, client_for):
    fault_server.play(fault_server.reply(link_sets({"1": ["9"], "2": None}, errors={"3": "Invalid uid 3"})))
    result = client_for().elink(["1", "2", "3"], CITED_IN)
    assert result == {"1": ["9"], "2": []}
    assert "3" not in result
    assert result.errors == {"3": "Invalid uid 3"}
    assert len(fault_server.seen) == 1


@pytest.mark.parametrize("bad", ["abc", "0", "1" * 20, "\u0661\u0662\u0663"])
def test_elink_linked_id_that_is_not_a_pmid_fails_that_id_only(fault_server, client_for, bad):
    fault_server.play(fault_server.reply(link_sets({"1": ["9", bad], "2": ["7"]})))
    result = client_for().elink(["1", "2"], CITED_IN)
    assert result == {"2": ["7"]}
    assert set(result.errors) == {"1"} and "is not a PubMed id" in result.errors["1"]
    assert len(fault_server.seen) == 1


def test_elink_temporary_linkset_error_is_retried_then_reported(fault_server, client_for):
    bad = fault_server.reply(link_sets({"1": ["9"]}, errors={"2": "Search Backend failed: read timeout"}))
    fault_server.play(bad, fault_server.reply(link_sets({"1": ["9"], "2": ["8"]})))
    assert client_for().elink(["1", "2"], CITED_IN) == {"1": ["9"], "2": ["8"]}
    fault_server.play(bad)
    result = client_for(max_attempts=2).elink(["1", "2"], CITED_IN)
    assert result == {"1": ["9"]} and "read timeout" in result.errors["2"]
    assert len(fault_server.seen) == 4


def test_elink_top_level_error(fault_server, client_for):
    permanent = b"<eLinkResult><ERROR>Invalid db name specified: pubmd</ERROR></eLinkResult>"
    temporary = b"<eLinkResult><ERROR>Resource temporarily unavailable</ERROR></eLinkResult>"
    fault_server.play(fault_server.reply(permanent))
    with pytest.raises(ResponseError, match="Invalid db name") as info:
        client_for().elink(["1"], CITED_IN)
    assert not info.value.transient and len(fault_server.seen) == 1
    fault_server.play(fault_server.reply(temporary), fault_server.reply(link_sets({"1": None})))
    assert client_for().elink(["1"], CITED_IN) == {"1": []}
    assert len(fault_server.seen) == 3


def test_elink_id_missing_from_the_response_is_a_transient_error_not_no_links(fault_server, client_for):
    fault_server.play(fault_server.reply(link_sets({"1": ["5"]})))
    with pytest.raises(ResponseError, match=r"1 of 2 ids missing .*\(2\)") as info:
        client_for(max_attempts=3).elink(["1", "2"], CITED_IN)
    assert info.value.transient
    assert len(fault_server.seen) == 3


def test_elink_keeps_only_the_asked_link_name(fault_server, client_for):
    body = (
        b"<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>1</Id></IdList>"
        b"<LinkSetDb><DbTo>pubmed</DbTo><LinkName>pubmed_pubmed</LinkName><Link><Id>100</Id></Link></LinkSetDb>"
        b"<LinkSetDb><DbTo>pubmed</DbTo><LinkName>pubmed_pubmed_refs</LinkName><Link><Id>200</Id></Link></LinkSetDb>"
        b"</LinkSet></eLinkResult>"
    )
    fault_server.play(fault_server.reply(body))
    assert client_for().elink(["1"], REFERENCES) == {"1": ["200"]}


def test_elink_of_no_ids_sends_nothing(fault_server, client_for):
    fault_server.play(fault_server.reply(b"unused"))
    assert client_for().elink([], CITED_IN) == {}
    assert fault_server.seen == []


# -- esearch and DOIs ---------------------------------------------------------------------


def test_esearch_sends_the_term_and_paging(fault_server, client_for):
    fault_server.play(fault_server.reply(esearch_body(["3", "2", "1"])))
    assert client_for().esearch("interleukin-2 AND 1985[dp]", retmax=3, retstart=6) == ["3", "2", "1"]
    (seen,) = fault_server.seen
    assert (seen.get("db"), seen.get("term"), seen.get("retmax"), seen.get("retstart")) == (
        "pubmed", "interleukin-2 AND 1985[dp]", "3", "6",
    )


def test_esearch_error_list_means_nothing_found_even_with_ids(fault_server, client_for):
    body = (
        b"<eSearchResult><Count>5</Count><RetMax>1</RetMax><RetStart>0</RetStart><IdList><Id>77</Id></IdList>"
        b"<ErrorList><PhraseNotFound>10.9999/nothing</PhraseNotFound></ErrorList></eSearchResult>"
    )
    fault_server.play(fault_server.reply(body))
    client = client_for()
    assert client.esearch('"10.9999/nothing"[doi] AND cancer') == []
    assert client.esearch('"10.9999/nothing"[doi] OR "10.1000/x"[doi]', partial=True) == ["77"]


def test_esearch_with_fewer_ids_than_announced_is_retried(fault_server, client_for):
    good = esearch_body(["1", "2", "3"])
    fault_server.play(fault_server.reply(good.replace(b"<Id>2</Id>", b"")), fault_server.reply(good))
    assert client_for().esearch("x") == ["1", "2", "3"]
    assert len(fault_server.seen) == 2


def test_esearch_error_element_raises(fault_server, client_for):
    fault_server.play(fault_server.reply(b"<eSearchResult><ERROR>Invalid db name specified: x</ERROR></eSearchResult>"))
    with pytest.raises(ResponseError, match="Invalid db name"):
        client_for().esearch("x")
    assert len(fault_server.seen) == 1


def test_resolve_dois_one_search_per_doi(fault_server, client_for):
    answers = {'"10.1000/one"[doi]': ["111"], '"10.1000/two(3)4"[doi]': ["222"], '"10.1000/many"[doi]': ["1", "2"]}
    fault_server.play(
        fault_server.answer(lambda seen: fault_server.reply(esearch_body(answers.get(seen.get("term"), []))))
    )
    dois = ["10.1000/one", "https://doi.org/10.1000/two(3)4", "10.1000/many", "doi:10.1000/none", "10.1000/one"]
    assert client_for().resolve_dois(dois) == {"10.1000/one": "111", "https://doi.org/10.1000/two(3)4": "222"}
    assert [s.get("term") for s in fault_server.seen] == [
        '"10.1000/one"[doi]', '"10.1000/two(3)4"[doi]', '"10.1000/many"[doi]', '"10.1000/none"[doi]',
    ]


def test_resolve_dois_refuses_non_dois_before_sending(fault_server, client_for):
    fault_server.play(fault_server.reply(esearch_body([])))
    with pytest.raises(InputError, match="not a DOI"):
        client_for().resolve_dois(["10.1000/ok", "12345"])
    assert fault_server.seen == []


# -- stats ----------------------------------------------------------------------------------


def test_stats_count_requests_by_endpoint_status_and_bytes(fault_server, client_for):
    fault_server.play(
        fault_server.reply("busy", 503),
        fault_server.answer(
            lambda seen: fault_server.reply(
                esearch_body(["1"]) if seen.endpoint == "esearch.fcgi" else article_set("1")
            )
        ),
    )
    client = client_for()
    client.esearch("x")
    client.efetch(["1"])
    stats = client.stats
    assert stats["by_endpoint"] == {"esearch": 2, "efetch": 1}
    assert stats["by_status"] == {"503": 1, "200": 2}
    assert stats["requests"] == 3 and stats["retries"] == 1 and stats["failures"] == 0
    assert stats["bytes"] == len(b"busy") + len(esearch_body(["1"])) + len(article_set("1"))
    stats["by_endpoint"]["esearch"] = 99  # a snapshot, not the live counters
    assert client.stats["by_endpoint"]["esearch"] == 2


# -- real recorded NCBI responses (../shared) ---------------------------------------------


@pytest.mark.shared
def test_real_elink1_extracts_cited_in_and_refs(fault_server, client_for, ncbi_fixtures):
    body = (ncbi_fixtures / "biopython" / "elink1.xml").read_bytes()
    fault_server.play(fault_server.reply(body))
    client = client_for()
    cited_in = client.elink(["9298984"], CITED_IN)["9298984"]
    refs = client.elink(["9298984"], REFERENCES)["9298984"]
    assert (len(cited_in), len(refs)) == (39, 56)
    assert not set(cited_in) & {"8794856"}  # first pubmed_pubmed (similar articles) link is not a citation


@pytest.mark.shared
def test_real_sample9_one_linkset_per_id(fault_server, client_for, ncbi_fixtures):
    body = (ncbi_fixtures / "klortho_elink_json" / "sample-9.xml").read_bytes()
    fault_server.play(fault_server.reply(body))
    result = client_for().elink(["15718680", "157427902", "119703751"], "protein_gene")
    assert result == {"15718680": ["3702"], "157427902": ["522311"], "119703751": ["16428"]}


@pytest.mark.shared
def test_real_merged_linkset_is_refused(fault_server, client_for, ncbi_fixtures):
    fault_server.play(fault_server.reply((ncbi_fixtures / "biopython" / "elink3.xml").read_bytes()))
    with pytest.raises(ResponseError, match="merged") as info:
        client_for().elink(["11812492", "11774222"], CITED_IN)
    assert not info.value.transient and len(fault_server.seen) == 1


@pytest.mark.shared
def test_real_linkset_without_linksetdb_is_no_links(fault_server, client_for, ncbi_fixtures):
    body = (ncbi_fixtures / "metapub" / "medgen_elink_pubmed_0_entries.xml").read_bytes()
    fault_server.play(fault_server.reply(body))
    assert client_for().elink(["0"], CITED_IN) == {"0": []}


@pytest.mark.shared
def test_real_esearch_responses(fault_server, client_for, ncbi_fixtures):
    fault_server.play(
        fault_server.reply((ncbi_fixtures / "biopython" / "esearch2.xml").read_bytes()),
        fault_server.reply((ncbi_fixtures / "biopython" / "esearch8.xml").read_bytes()),
        fault_server.reply((ncbi_fixtures / "klortho_eutils_json" / "esearch.error.xml").read_bytes()),
    )
    client = client_for()
    ids = client.esearch("cancer")
    assert len(ids) == 100 and ids[0] == "41297076"
    assert client.esearch("abcXYZ") == []
    assert client.esearch("obstetrics[mh] OR fleegle[mh]") == []  # results despite PhraseNotFound: refused


@pytest.mark.shared
@pytest.mark.parametrize("bad", ["41297068x", "0", "123456789012", "-41297068", "４１２９７０６８"])
def test_an_esearch_answer_with_an_id_that_is_no_pmid_is_refused(ncbi_fixtures, bad):
    """A real esearch answer with one id corrupted: the whole answer is a permanent
    ResponseError, none of its ids is taken."""
    from citegraph.sources.eutils_answers import read_esearch

    body = (ncbi_fixtures / "biopython" / "esearch2.xml").read_bytes()
    assert len(read_esearch(body, partial=False)) == 100
    corrupted = body.replace(b"<Id>41297068</Id>", f"<Id>{bad}</Id>".encode())
    assert corrupted != body
    for partial in (False, True):
        with pytest.raises(ResponseError) as info:
            read_esearch(corrupted, partial=partial)
        assert not info.value.transient


@pytest.mark.shared
@pytest.mark.parametrize(
    "name, message", [("esummary8.xml", "Neither query_key nor id specified"), ("epost2.xml", "Invalid db name")]
)
def test_real_error_documents_are_permanent(fault_server, client_for, ncbi_fixtures, name, message):
    fault_server.play(fault_server.reply((ncbi_fixtures / "biopython" / name).read_bytes()))
    client = client_for()
    with pytest.raises(ResponseError, match=message) as info:
        client.efetch(["1"])
    assert not info.value.transient
    with pytest.raises(ResponseError, match=message):
        client.elink(["1"], CITED_IN)
    assert len(fault_server.seen) == 2


@pytest.mark.shared
def test_real_html_page_is_retried_then_real_pubmed_xml_accepted(fault_server, client_for, ncbi_fixtures):
    html = (ncbi_fixtures / "biopython" / "pubmed3.html").read_bytes()
    xml = (ncbi_fixtures / "biopython" / "pubmed1.xml").read_bytes()
    fault_server.play(fault_server.reply(html, content_type="text/html"), fault_server.reply(xml))
    assert client_for().efetch(["12091962", "9997"], parse=pmids_of) == ["12091962", "9997"]
    assert len(fault_server.seen) == 2
