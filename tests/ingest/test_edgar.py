"""The EDGAR client against a real HTTP server on 127.0.0.1 that behaves like SEC
(tests/ingest/edgar_server.py), serving the real filings in MINERLENS_FILINGS_DIR."""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from ingest.edgar import EdgarClient, RateLimiter, archive_path, pad_cik, parse_filing_headers
from ingest.errors import BadInput, ConfigError, NotFound, RateLimited, UpstreamError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from edgar_server import EdgarServer, real_filings_dir  # noqa: E402

UA = "Minerlens Tests ops@minerlens.example.com"
CLSK, CLSK_ACC = 827876, "0001193125-25-274179"  # CleanSpark 8-K of 2025-11-10 (complete submission)
MARA, MARA_ACC = 1507605, "0001493152-24-047078"  # MARA convertible 8-K of 2024-11-21 (bare .htm)


class FakeClock:
    """Monotonic time that only moves when slept or advanced: rate-limit tests without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def server():
    srv = EdgarServer(real_filings_dir()).start()
    yield srv
    srv.stop()


def make_client(server: EdgarServer, tmp_path: Path | None = None, **kwargs) -> EdgarClient:
    kwargs.setdefault("limiter", RateLimiter())  # a fresh budget per test, the real clock
    kwargs.setdefault("backoff_s", 0.01)
    kwargs.setdefault("backoff_cap_s", 0.05)
    return EdgarClient(UA, www_url=server.www_url, data_url=server.data_url,
                       cache_dir=tmp_path / "cache" if tmp_path else None, **kwargs)


def manifest_sha256(name: str) -> str:
    for line in (real_filings_dir() / "MANIFEST.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if entry["file"] == name:
            return entry["sha256"]
    raise KeyError(name)


# --- identifiers and the User-Agent ------------------------------------------------------------


def test_identifiers_are_normalized_the_way_sec_spells_them():
    assert pad_cik(1507605) == "0001507605"
    assert pad_cik("CIK0000827876") == "0000827876"
    assert archive_path("0001507605", "000149315224047078", "form8-k.htm") == \
        "Archives/edgar/data/1507605/000149315224047078/form8-k.htm"
    # A malformed identifier is bad input (400 at the API), not a missing filing (404).
    with pytest.raises(BadInput, match="not an accession number"):
        archive_path(1507605, "0001493152-24", "x.htm")
    with pytest.raises(BadInput, match="not a CIK"):
        pad_cik("15x7605")
    with pytest.raises(BadInput, match="not a document name"):
        archive_path(1507605, MARA_ACC, "../etc/passwd")


@pytest.mark.parametrize("ua, why", [
    ("", "no SEC User-Agent"),
    ("   ", "no SEC User-Agent"),
    ("minerlens", "name the company and a contact email"),
    ("ops@minerlens.example.com", "name the company and a contact email"),
    ("Mozilla/5.0 (X11; Linux) ops@minerlens.example.com", "browser or tool default"),
])
def test_client_refuses_to_start_without_a_declared_user_agent(ua, why):
    with pytest.raises(ConfigError, match=why):
        EdgarClient(ua)


def test_server_rejects_requests_without_user_agent_with_secs_text(server):
    response = httpx.get(f"{server.data_url}/submissions/CIK0000827876.json", headers={"User-Agent": ""})
    assert response.status_code == 403
    assert "Your Request Originates from an Undeclared Automated Tool" in response.text
    assert "declare your traffic" in response.text


def test_undeclared_user_agent_answer_is_a_config_error_without_retry(server):
    server.reject_all_user_agents = True
    client = make_client(server)
    with pytest.raises(ConfigError, match="undeclared automated tool"):
        client.submissions(CLSK)
    assert len(server.log) == 1
    assert server.log[0].headers["user-agent"] == UA


# --- endpoints: submissions, index, headers, documents ------------------------------------------


def test_submissions_rows_come_from_the_real_filing_header(server):
    subs = make_client(server).submissions(CLSK)
    assert (subs.cik, subs.name, subs.tickers) == ("0000827876", "CleanSpark, Inc.", ("CLSK",))
    (row,) = subs.rows
    assert row.accession == CLSK_ACC
    assert row.form == "8-K"
    assert row.items == ("7.01", "8.01", "9.01")
    assert row.filing_date == "2025-11-10"
    assert row.acceptance_datetime == "2025-11-10T21:03:55.000Z"  # 16:03:55 Eastern
    assert (row.primary_document, row.is_inline_xbrl, row.file_number) == ("clsk-20251110.htm", True, "001-39187")
    assert subs.pages == ()


def test_submissions_timeline_new_8k_late_row_amendment_and_files_page(server):
    client = make_client(server)
    first = client.submissions(MARA)
    assert [r.accession for r in first.rows] == [MARA_ACC]
    assert server.advance(MARA) == "a new convertible-notes 8-K appears"
    second = client.submissions(MARA)
    assert [r.accession for r in second.rows] == ["0001493152-24-048704", MARA_ACC]
    assert second.rows[0].items == ("1.01", "2.03", "3.02", "8.01", "9.01")
    assert second.body_sha256 != first.body_sha256

    server.advance(CLSK)
    server.advance(CLSK)
    late = client.submissions(CLSK)
    assert [(r.accession, r.filing_date) for r in late.rows] == [
        ("0001193125-25-297163", "2025-11-25"), ("0001193125-25-276014", "2025-11-12"), (CLSK_ACC, "2025-11-10")]

    server.advance(1839341)
    server.advance(1839341)
    corz = client.submissions(1839341)
    assert [(r.accession, r.form) for r in corz.rows][0] == ("0001140361-25-990001", "8-K/A")
    (page,) = corz.pages
    assert (page.name, page.filing_count, page.filing_from) == ("CIK0001839341-submissions-001.json", 1, "2025-10-22")
    older = client.submissions_page(page.name)
    assert [(r.accession, r.items) for r in older] == [("0001140361-25-038945", ("8.01",))]


def test_filing_headers_give_each_documents_type_and_the_8k_items(server):
    headers = make_client(server).filing_headers(CLSK, CLSK_ACC)
    assert (headers.accession, headers.form, headers.cik, headers.company) == (CLSK_ACC, "8-K", "0000827876", "CLEANSPARK, INC.")
    assert headers.items == ("7.01", "8.01", "9.01")
    assert (headers.filing_date, headers.acceptance_datetime) == ("2025-11-10", "20251110160355")
    assert [(d.type, d.filename) for d in headers.documents_of_type("EX-99")] == [("EX-99.1", "clsk-ex99_1.htm")]
    assert [d.filename for d in headers.documents if d.filename.endswith("_htm.xml")] == ["clsk-20251110_htm.xml"]


def test_filing_headers_fall_back_to_item_titles_when_no_tag_form():
    page = (b"<HTML><BODY><PRE>&lt;SEC-HEADER&gt;0001213900-25-110283.hdr.sgml : 20251114\n"
            b"ACCESSION NUMBER:\t\t0001213900-25-110283\nCONFORMED SUBMISSION TYPE:\t8-K\n"
            b"ITEM INFORMATION:\t\tResults of Operations and Financial Condition\n"
            b"ITEM INFORMATION:\t\tFinancial Statements and Exhibits\nFILED AS OF DATE:\t\t20251114\n"
            b"&lt;/SEC-HEADER&gt;\n&lt;DOCUMENT&gt;\n&lt;TYPE&gt;EX-99.1\n&lt;SEQUENCE&gt;2\n"
            b"&lt;FILENAME&gt;ea026564501ex99-1_bitdigital.htm\n&lt;/DOCUMENT&gt;</PRE></BODY></HTML>")
    headers = parse_filing_headers(page)
    assert headers.items == ("2.02", "9.01")
    assert [(d.type, d.sequence) for d in headers.documents] == [("EX-99.1", 2)]
    with pytest.raises(UpstreamError, match="malformed index-headers page"):
        parse_filing_headers(b"<html>nothing here</html>")


def test_filing_index_lists_the_folder(server):
    client = make_client(server)
    index = client.filing_index(CLSK, CLSK_ACC)
    assert index.accession == CLSK_ACC
    assert {"clsk-20251110.htm", "clsk-ex99_1.htm", "clsk-20251110_htm.xml", f"{CLSK_ACC}.txt"} <= set(index.names)
    sizes = {e.name: e.size for e in index.entries}
    assert sizes[f"{CLSK_ACC}-index-headers.html"] is None  # SEC sends "" for generated files
    assert sizes["clsk-ex99_1.htm"] == len(client.document(CLSK, CLSK_ACC, "clsk-ex99_1.htm"))


def test_documents_are_the_bytes_as_filed(server):
    client = make_client(server)
    primary = client.document(MARA, MARA_ACC, "form8-k.htm")
    assert hashlib.sha256(primary).hexdigest() == manifest_sha256("MARA_8-K_2024-11-21.htm")
    complete = client.document(CLSK, CLSK_ACC, f"{CLSK_ACC}.txt")
    assert hashlib.sha256(complete).hexdigest() == manifest_sha256("CLSK_8-K_2025-11-10.txt")
    exhibit = client.document(CLSK, CLSK_ACC, "clsk-ex99_1.htm")
    assert exhibit.startswith(b"<!-- DFIN ActiveDisclosure (SM) HTML Document")
    assert exhibit in complete  # the <TEXT> of its <DOCUMENT>, unwrapped
    assert client.document(CLSK, CLSK_ACC, f"{CLSK_ACC}-xbrl.zip")[:4] == b"PK\x03\x04"  # uudecoded


# --- errors told apart by body -------------------------------------------------------------------


def test_missing_archives_file_is_access_denied_and_not_found(server):
    client = make_client(server)
    raw = httpx.get(f"{server.www_url}/{archive_path(CLSK, CLSK_ACC, 'nope.htm')}", headers={"User-Agent": UA})
    assert raw.status_code == 403 and "<Code>AccessDenied</Code>" in raw.text
    with pytest.raises(NotFound, match="EDGAR has no such file"):
        client.document(CLSK, CLSK_ACC, "nope.htm")
    with pytest.raises(NotFound):
        client.filing_index(1839341, "0001140361-25-990001")  # a listed row whose folder is not out yet
    assert len(server.requests_to("/www/")) == 3  # no retries


def test_unknown_cik_is_no_such_key_and_not_found(server):
    raw = httpx.get(f"{server.data_url}/submissions/CIK0000000001.json", headers={"User-Agent": UA})
    assert raw.status_code == 404
    assert "<Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>" in raw.text
    with pytest.raises(NotFound):
        make_client(server).submissions(1)
    assert len(server.requests_to("CIK0000000001")) == 2


# --- retries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["503", "500", "reset", "truncate"])
def test_transient_failures_are_retried_and_succeed(server, fault):
    server.inject(fault, times=2, path_contains="clsk-ex99_1.htm")
    body = make_client(server).document(CLSK, CLSK_ACC, "clsk-ex99_1.htm")
    assert len(body) == 20002
    assert len(server.requests_to("clsk-ex99_1.htm")) == 3


def test_truncated_plain_body_is_retried(server):
    server.inject("truncate", times=1, path_contains="CIK0000827876")
    client = make_client(server)
    client._http.headers["Accept-Encoding"] = "identity"  # the Content-Length check on raw bytes
    assert client.submissions(CLSK).rows[0].accession == CLSK_ACC
    assert len(server.requests_to("CIK0000827876")) == 2


def test_slow_response_times_out_and_is_retried(server):
    server.slow_s = 1.0
    server.inject("slow", times=1, path_contains="CIK0000827876")
    client = make_client(server, timeout_s=0.3)
    assert client.submissions(CLSK).rows[0].accession == CLSK_ACC
    assert len(server.requests_to("CIK0000827876")) == 2


def test_retries_give_up_with_one_line_upstream_error(server):
    server.inject("503", times=10, path_contains="CIK0000827876")
    with pytest.raises(UpstreamError, match=r"failed after 3 attempts \(HTTP 503\)"):
        make_client(server, max_attempts=3).submissions(CLSK)
    assert len(server.requests_to("CIK0000827876")) == 3


def test_backoff_is_exponential_with_jitter_and_every_retry_spends_from_the_budget(server):
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    backoffs: list[float] = []
    server.inject("503", times=3, path_contains="CIK0000827876")
    client = make_client(server, limiter=limiter, backoff_s=1.0, backoff_cap_s=16.0,
                          sleep=backoffs.append, jitter=lambda: 0.5)
    client.submissions(CLSK)
    assert backoffs == [0.75, 1.5, 3.0]  # steps 1, 2, 4 s, each between half and the full step
    assert len(limiter._grants) == 4  # four attempts, four slots taken


# --- the rate limit, seen from the server ---------------------------------------------------------------


def test_rate_limiter_keeps_every_second_to_five_with_bursts_of_two():
    clock = FakeClock()
    limiter = RateLimiter(rate=5, burst=2, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(23):
        limiter.acquire()
        stamps.append(clock.now)
    assert stamps[0] == stamps[1] == 1000.0 and stamps[2] > 1000.0  # burst of 2, then spacing
    assert all(b - a >= 1.1 - 1e-9 for a, b in zip(stamps, stamps[5:]))  # any 6 span > 1 s + margin
    assert stamps[-1] - stamps[0] < 23 / 4.0  # and it does not crawl


@pytest.mark.slow  # 8 s of rate limiting by design
def test_forty_fetches_from_four_threads_never_exceed_five_per_second(server):
    client = make_client(server)  # no cache: every fetch goes to the server
    names = [name for name in server.archive if name.startswith(f"Archives/edgar/data/{CLSK}/")][:10]
    assert len(names) == 10
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for name in names:
                client.archive(name)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert errors == []
    assert len(server.log) == 40
    assert server.max_requests_in_window(1.0) <= 5
    assert elapsed >= 7.0  # 40 requests at under 5/s


# --- throttling pauses everything ---------------------------------------------------------------


def test_throttle_page_pauses_all_sec_traffic(server):
    server.rate_threshold = 3
    server.block_s = 0.3
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)  # fake time: requests go out unspaced
    client = make_client(server, limiter=limiter, rate_limit_pause_s=600.0)
    other = make_client(server, limiter=limiter)
    with pytest.raises(RateLimited, match="paused for 600 s"):
        for _ in range(10):
            client.submissions(CLSK)
    sent = len(server.log)
    assert sent == 4  # the fourth request inside one second tripped the block
    assert limiter.paused_for == 600.0
    with pytest.raises(RateLimited, match="paused for another 600 s"):
        other.document(CLSK, CLSK_ACC, "clsk-ex99_1.htm")  # another client, another host
    assert len(server.log) == sent  # nothing reached SEC during the pause
    clock.now += 600.0
    time.sleep(1.1)  # the server's block (0.3 s) and its 1 s rate window lapse too
    assert other.document(CLSK, CLSK_ACC, "clsk-ex99_1.htm")[:4] == b"<!--"


def test_server_extends_its_block_while_hammered_and_answers_429_when_set(server):
    server.rate_threshold = 2
    server.block_s = 0.5
    server.throttle_status = 429
    ua = {"User-Agent": UA}
    url = f"{server.data_url}/submissions/CIK0000827876.json"
    statuses = [httpx.get(url, headers=ua).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    for _ in range(4):  # keep hammering for ~0.8 s: longer than block_s, still blocked
        time.sleep(0.2)
        assert httpx.get(url, headers=ua).status_code == 429
    time.sleep(1.1)  # quiet for longer than the block and the 1 s rate window
    assert httpx.get(url, headers=ua).status_code == 200
    with pytest.raises(RateLimited, match=r"HTTP 429"):
        server.unblock()
        server.rate_threshold = 0
        make_client(server).submissions(CLSK)


def test_throttle_page_is_not_mistaken_for_a_missing_file(server):
    server.rate_threshold = 0
    response = httpx.get(f"{server.www_url}/{archive_path(CLSK, CLSK_ACC, 'nope.htm')}", headers={"User-Agent": UA})
    assert response.status_code == 403
    assert "<title>SEC.gov | Request Rate Threshold Exceeded</title>" in response.text
    with pytest.raises(RateLimited):
        make_client(server).document(CLSK, CLSK_ACC, "nope.htm")


# --- gzip and the cache -------------------------------------------------------------------------------


def test_client_asks_for_gzip_and_decodes_it(server):
    raw = httpx.get(f"{server.www_url}/{archive_path(CLSK, CLSK_ACC, 'clsk-ex99_1.htm')}",
                    headers={"User-Agent": UA, "Accept-Encoding": "gzip"})
    assert raw.headers["Content-Encoding"] == "gzip"
    assert int(raw.headers["Content-Length"]) < 20002
    server.log.clear()
    assert len(make_client(server).document(CLSK, CLSK_ACC, "clsk-ex99_1.htm")) == 20002
    assert server.log[0].headers["accept-encoding"] == "gzip, deflate"


def test_archives_files_are_cached_forever_and_submissions_never(server, tmp_path):
    client = make_client(server, tmp_path)
    first = client.document(CLSK, CLSK_ACC, "clsk-ex99_1.htm")
    client.filing_headers(CLSK, CLSK_ACC)
    client.filing_headers(CLSK, CLSK_ACC)
    assert client.document(CLSK, CLSK_ACC, "clsk-ex99_1.htm") == first
    restarted = make_client(server, tmp_path)  # a new process with the same cache dir
    assert restarted.document(CLSK, CLSK_ACC, "clsk-ex99_1.htm") == first
    assert len(server.requests_to("clsk-ex99_1.htm")) == 1
    assert len(server.requests_to("-index-headers.html")) == 1
    cached = tmp_path / "cache" / "Archives" / "edgar" / "data" / "827876" / "000119312525274179" / "clsk-ex99_1.htm"
    assert cached.read_bytes() == first
    client.submissions(CLSK)
    client.submissions(CLSK)
    assert len(server.requests_to("/data/submissions/")) == 2


def test_a_failed_fetch_leaves_nothing_in_the_cache(server, tmp_path):
    server.inject("503", times=5, path_contains="clsk-ex99_1.htm")
    client = make_client(server, tmp_path, max_attempts=2)
    with pytest.raises(UpstreamError):
        client.document(CLSK, CLSK_ACC, "clsk-ex99_1.htm")
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").rglob("clsk-ex99_1.htm"))
