"""The EDGAR watcher and the inbox folder watcher, end to end: the SEC-like server on 127.0.0.1
(tests/ingest/edgar_server.py) serving the real filings, the real EDGAR client, the real pipeline
(the real model, Chroma and SQLite under tmp_path). Values asserted are those of the filings."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

from ingest.edgar import EdgarClient, RateLimiter
from ingest.errors import BadInput, ConfigError
from service.config import Settings
from service.app import build_edgar_client, build_pipeline
from service.pipeline import Pipeline
from service.watch import FolderWatcher, WatchedCompany, Watcher, is_wanted, parse_watchlist

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from edgar_server import EdgarServer  # noqa: E402

UA = "Minerlens Tests ops@minerlens.example.com"
MARA = WatchedCompany("MARA", "0001507605")
CLSK = WatchedCompany("CLSK", "0000827876")
CORZ = WatchedCompany("CORZ", "0001839341")
MARA_2030, MARA_2031 = "0001493152-24-047078", "0001493152-24-048704"
CLSK_NOV10, CLSK_NOV12, CLSK_NOV25 = "0001193125-25-274179", "0001193125-25-276014", "0001193125-25-297163"
ARCHIVES = "/www/Archives/"


@pytest.fixture
def server(filings_dir):
    srv = EdgarServer(filings_dir).start()
    yield srv
    srv.stop()


@pytest.fixture
def pipeline(tmp_path, embedder) -> Pipeline:
    settings = Settings(data_dir=tmp_path / "data")
    return build_pipeline(settings, embedder=embedder)  # the session's model: loaded once


def test_edgar_client_comes_from_settings(tmp_path, monkeypatch):
    """The MINERLENS_SEC_* variables reach the client through Settings (service.app), never os.environ."""
    for name, value in {"MINERLENS_SEC_USER_AGENT": UA, "MINERLENS_SEC_WWW_URL": "http://127.0.0.1:9/www",
                        "MINERLENS_SEC_DATA_URL": "http://127.0.0.1:9/data", "MINERLENS_SEC_RATE_LIMIT_PAUSE_S": "30",
                        "MINERLENS_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    client = build_edgar_client(Settings())
    assert (client.user_agent, client.www_url, client.data_url) == (UA, "http://127.0.0.1:9/www", "http://127.0.0.1:9/data")
    assert client.rate_limit_pause_s == 30.0
    assert client.cache.root == tmp_path / "sec-cache"
    monkeypatch.delenv("MINERLENS_SEC_USER_AGENT")
    with pytest.raises(ConfigError, match="no SEC User-Agent"):
        build_edgar_client(Settings())


def make_client(server: EdgarServer, tmp_path: Path) -> EdgarClient:
    # A fresh budget per test at SEC's 5/s; quick retries so a test of "past the retries" is short.
    return EdgarClient(UA, www_url=server.www_url, data_url=server.data_url, cache_dir=tmp_path / "sec-cache",
                       limiter=RateLimiter(), max_attempts=3, backoff_s=0.01, backoff_cap_s=0.05)


def debt(pipeline: Pipeline, ticker: str) -> dict[str, tuple[str, object]]:
    """instrument name -> (document, record) for a ticker's debt mentions."""
    return {m.record.name: (m.document, m.record) for m in pipeline.debt_mentions(ticker)}


def archive_requests(server: EdgarServer, since: int) -> list[str]:
    return [r.path for r in server.log[since:] if r.path.startswith(ARCHIVES)]


# --- the watchlist and the form filter ------------------------------------------------------------


def test_watchlist_accepts_tickers_and_ticker_cik_pairs_and_defaults_to_the_listed_miners():
    default = parse_watchlist(None)
    assert default[0] == WatchedCompany("MARA", "0001507605")
    assert len(default) == 23 and parse_watchlist("  ") == default
    assert parse_watchlist("MARA, riot,MARA") == [MARA, WatchedCompany("RIOT", "0001167419")]
    assert parse_watchlist("NEWCO:1234567,CLSK:827876") == [WatchedCompany("NEWCO", "0001234567"), CLSK]


@pytest.mark.parametrize("value, message", [
    ("ZZZQ", "unknown ticker; give its CIK as ZZZQ:<CIK>"),
    ("MARA:15x7605", "'15x7605' is not a CIK"),
    ("12AB", "not a ticker"),
    (",,", "names no company"),
])
def test_bad_watchlists_are_refused_with_one_line(value, message):
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        parse_watchlist(value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("form, items, wanted", [
    ("8-K", ["1.01", "2.03", "3.02", "8.01", "9.01"], True),  # a convertible
    ("8-K", ["2.02", "9.01"], True),  # results
    ("8-K", ["7.01", "9.01"], True),  # a press release (contracts)
    ("8-K/A", ["1.02", "7.01", "9.01"], True),
    ("8-K", ["5.02", "9.01"], False),  # officers
    ("8-K", ["5.07"], False),  # a shareholder vote
    ("8-K", [], True),  # items unknown: fetched rather than lost
    ("424B5", [], True), ("10-Q/A", [], True), ("10-KT", [], True), ("6-K", [], True), ("40-F", [], True),
    ("4", [], False), ("S-8", [], False), ("SC 13G", [], False), ("DEF 14A", [], False),
])
def test_wanted_forms_and_8k_items(form, items, wanted):
    assert is_wanted(form, items) is wanted


def test_since_must_be_a_date(pipeline, tmp_path):
    client = EdgarClient(UA, www_url="http://127.0.0.1:9", data_url="http://127.0.0.1:9")
    with pytest.raises(BadInput, match="since must be a date YYYY-MM-DD, got 'last week'"):
        Watcher(pipeline, client, [MARA], since="last week")


# --- EDGAR ------------------------------------------------------------------------------------------


def test_a_new_convertible_8k_becomes_a_ledger_entry_within_one_poll(server, pipeline, tmp_path):
    unknown = WatchedCompany("NOPE", "0000000042")  # data.sec.gov answers NoSuchKey for it
    seen_by_hook: list[tuple[str, str, str]] = []
    watcher = Watcher(pipeline, make_client(server, tmp_path), [unknown, MARA])
    watcher.on_filing = lambda ticker, acc, results: seen_by_hook.append((ticker, acc, results[0].status))

    first = watcher.poll_once()
    by_ticker = {c.ticker: c for c in first.companies}
    assert by_ticker["NOPE"].status == "error" and by_ticker["NOPE"].error.startswith("not_found: EDGAR has no such file")
    assert [(f.accession, f.status) for f in by_ticker["MARA"].filings] == [(MARA_2030, "ingested")]
    notes_2030 = debt(pipeline, "MARA")["0.00% convertible senior notes due 2030"][1]
    assert notes_2030.conversion_rate_per_1000 == 38.5902 and notes_2030.principal_usd == 1_000_000_000

    appeared = time.perf_counter()
    assert server.advance(MARA.cik) == "a new convertible-notes 8-K appears"
    second = watcher.poll_once()
    document, notes_2031 = debt(pipeline, "MARA")["0.00% convertible senior notes due 2031"]
    flag = next(f for f in pipeline.flags(ticker="MARA") if f.kind == "new_debt_instrument" and ":2031" in f.key)
    latency = time.perf_counter() - appeared
    print(f"\nnew convertible 8-K: on EDGAR -> in the ledger and flagged ({flag.key}) in {latency:.1f} s (one poll)")
    assert [(f.accession, f.status) for f in second.filings] == [(MARA_2031, "ingested")]
    assert (document, notes_2031.conversion_rate_per_1000, notes_2031.principal_usd) == \
        (f"{MARA_2031}.txt", 28.9159, 850_000_000)
    row = next(d for d in pipeline.db.list_documents(ticker="MARA") if d["accession"] == MARA_2031)
    assert (row["form"], row["filed"], row["cik"], row["items"]) == \
        ("8-K", "2024-12-04", "0001507605", ["1.01", "2.03", "3.02", "8.01", "9.01"])
    assert seen_by_hook == [("MARA", MARA_2030, "ingested"), ("MARA", MARA_2031, "ingested")]

    # Polling again changes nothing: the submissions JSON is unchanged, no Archives request.
    mark, mentions = len(server.log), len(pipeline.debt_mentions("MARA"))
    third = watcher.poll_once()
    assert {c.ticker: c.status for c in third.companies} == {"NOPE": "error", "MARA": "unchanged"}
    assert archive_requests(server, mark) == []
    assert pipeline.db.count_documents() == 2 and len(pipeline.debt_mentions("MARA")) == mentions

    status = {s.ticker: s for s in watcher.status()}
    assert (status["MARA"].last_accession, status["MARA"].error, status["MARA"].backoff_until) == \
        (MARA_2031, None, None)
    assert status["NOPE"].error.startswith("not_found:")
    assert server.max_requests_in_window(1.0) <= 5


def test_a_failure_mid_filing_leaves_it_unseen_and_a_crash_after_storing_duplicates_nothing(
        server, pipeline, tmp_path, monkeypatch):
    watcher = Watcher(pipeline, make_client(server, tmp_path), [CLSK])
    # The press release exhibit fails past the client's retries (3 attempts): the 8-K itself
    # was fetched, but nothing of the filing may be stored or recorded.
    server.inject("503", times=3, path_contains="clsk-ex99_1.htm")
    first = watcher.poll_once()
    assert [(f.accession, f.status) for f in first.filings] == [(CLSK_NOV10, "failed")]
    assert "failed after 3 attempts (HTTP 503)" in first.filings[0].error
    assert pipeline.db.count_documents() == 0
    status = watcher.status()[0]
    assert status.pending == [CLSK_NOV10] and status.error.startswith(f"{CLSK_NOV10}: upstream_error:")

    second = watcher.poll_once()
    assert [(f.accession, f.status) for f in second.filings] == [(CLSK_NOV10, "ingested")]
    record = pipeline.db.accession_statuses(CLSK.cik)[CLSK_NOV10]
    assert (record["status"], record["attempts"]) == ("ingested", 2)
    assert watcher.status()[0].pending == [] and watcher.status()[0].error is None
    assert debt(pipeline, "CLSK")["convertible senior notes due 2032"][1].principal_usd == 1_000_000_000

    # A new 8-K appears; the process "dies" after its documents are stored, before it is recorded.
    server.advance(CLSK.cik)
    real_record = pipeline.db.record_accession

    def crash_once(cik, accession, **kw):
        monkeypatch.setattr(pipeline.db, "record_accession", real_record)
        raise RuntimeError("killed")

    monkeypatch.setattr(pipeline.db, "record_accession", crash_once)
    crashed = watcher.poll_once()
    assert crashed.companies[0].status == "error" and crashed.companies[0].error == "internal_error: killed (traceback in the server log)"
    assert pipeline.db.count_documents() == 2 and CLSK_NOV25 not in pipeline.db.accession_statuses(CLSK.cik)

    # Next version: a late row (the 11-12 8-K disseminated after the 11-25 one). The next poll
    # takes the late row and completes the crashed filing, whose bytes are already stored.
    assert server.advance(CLSK.cik).startswith("a late row")
    third = watcher.poll_once()
    assert [(f.accession, f.status, f.results[0].status) for f in third.filings] == [
        (CLSK_NOV12, "ingested", "ingested"), (CLSK_NOV25, "ingested", "unchanged")]
    assert pipeline.db.count_documents() == 3
    assert sorted(m["document"] for m in pipeline.db.debt_mentions("CLSK")) == \
        [f"{CLSK_NOV10}.txt", f"{CLSK_NOV12}.txt", f"{CLSK_NOV25}.txt"]  # one each: nothing doubled
    late = debt(pipeline, "CLSK")["0.00% convertible senior notes due 2032"][1]
    assert (late.principal_usd, late.conversion_rate_per_1000) == (1_150_000_000, 52.1832)
    assert {a: s["status"] for a, s in pipeline.db.accession_statuses(CLSK.cik).items()} == \
        {CLSK_NOV10: "ingested", CLSK_NOV12: "ingested", CLSK_NOV25: "ingested"}
    assert server.max_requests_in_window(1.0) <= 5


def test_backfill_walks_older_pages_and_an_undisseminated_amendment_stays_pending(server, pipeline, tmp_path):
    server.advance(CORZ.cik)
    server.advance(CORZ.cik)  # recent: an 8-K/A without files, two same-day 8-Ks; the oldest on page 001
    watcher = Watcher(pipeline, make_client(server, tmp_path), [CORZ], since="2025-10-20")
    first = watcher.poll_once()
    assert [(f.accession, f.form, f.status) for f in first.filings] == [
        ("0001140361-25-038945", "8-K", "ingested"),  # from the older page, filed 2025-10-22
        ("0001140361-25-039804", "8-K", "ingested"),
        ("0001140361-25-039808", "8-K", "ingested"),
        ("0001140361-25-990001", "8-K/A", "failed"),  # its folder answers 403 AccessDenied
    ]
    assert len(server.requests_to("/data/submissions/CIK0001839341-submissions-001.json")) == 1
    status = watcher.status()[0]
    assert status.pending == ["0001140361-25-990001"]
    assert status.error.startswith("0001140361-25-990001: not_found: EDGAR has no such file")

    # The next poll retries only the pending amendment: one Archives request, nothing re-ingested.
    mark = len(server.log)
    second = watcher.poll_once()
    assert [(f.accession, f.status) for f in second.filings] == [("0001140361-25-990001", "failed")]
    assert archive_requests(server, mark) == [
        "/www/Archives/edgar/data/1839341/000114036125990001/0001140361-25-990001-index-headers.html"]
    assert pipeline.db.accession_statuses(CORZ.cik)["0001140361-25-990001"]["attempts"] == 2
    assert pipeline.db.count_documents() == 3
    assert server.max_requests_in_window(1.0) <= 5


def test_a_throttled_poll_backs_off_every_company_without_another_request(server, pipeline, tmp_path):
    server.blocked_until = time.monotonic() + 600  # SEC has blocked us
    watcher = Watcher(pipeline, make_client(server, tmp_path), [MARA, CLSK])
    report = watcher.poll_once()
    assert [(c.ticker, c.status) for c in report.companies] == [("MARA", "backoff"), ("CLSK", "backoff")]
    assert report.companies[0].error.startswith("rate_limited: SEC throttled us (HTTP 403)")
    assert report.companies[1].error.startswith("rate_limited: SEC traffic paused")  # never sent
    assert len(server.log) == 1  # only the request that met the block

    again = watcher.poll_once()  # within the pause: no company polls, no request is made
    assert [c.status for c in again.companies] == ["backoff", "backoff"] and len(server.log) == 1
    for entry in watcher.status():
        left = (time.mktime(time.strptime(entry.backoff_until[:19], "%Y-%m-%dT%H:%M:%S"))
                - time.mktime(time.gmtime()))
        assert 590 <= left <= 601 and entry.error.startswith("rate_limited:")


# --- the inbox folder -------------------------------------------------------------------------------


def test_folder_watcher_moves_good_files_to_done_and_junk_to_failed_with_the_reason(pipeline, tmp_path, filings_dir):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(filings_dir / "FUFU_6-K_2024-08-20.htm", inbox / "FUFU_6-K_2024-08-20.htm")
    (inbox / "0_scan.pdf").write_bytes(b"%PDF-1.4 this is not really a PDF")
    watcher = FolderWatcher(pipeline, inbox)

    results = watcher.process_existing()  # sorted: the junk first, and the batch goes on
    assert [(r.file, r.status) for r in results] == [("0_scan.pdf", "failed"), ("FUFU_6-K_2024-08-20.htm", "ingested")]
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["FUFU_6-K_2024-08-20.htm"]
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == ["0_scan.pdf", "0_scan.pdf.reason.txt"]
    reason = (inbox / "failed" / "0_scan.pdf.reason.txt").read_text()
    assert reason.count("\n") == 1 and reason.startswith(f"{results[0].error_code}: 0_scan.pdf")

    # Watching: a file renamed into the inbox (the safe way to drop one) is ingested and moved.
    watcher.start()
    try:
        staged = tmp_path / "MARA_8-K_2024-11-21.htm"
        shutil.copy(filings_dir / "MARA_8-K_2024-11-21.htm", staged)
        staged.rename(inbox / staged.name)
        done = inbox / "done" / staged.name
        deadline = time.monotonic() + 120
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        watcher.stop()
    assert done.exists() and not (inbox / staged.name).exists()
    assert debt(pipeline, "MARA")["0.00% convertible senior notes due 2030"][1].conversion_rate_per_1000 == 38.5902


def test_run_polls_in_a_background_thread_until_stopped(server, pipeline, tmp_path):
    import threading

    stop = threading.Event()
    watcher = Watcher(pipeline, make_client(server, tmp_path), [MARA, CLSK])
    watcher.on_filing = lambda ticker, acc, results: stop.set()  # stop once the first filing is stored
    thread = threading.Thread(target=watcher.run, args=(0.05, stop), daemon=True)
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive()
    status = {s.ticker: s for s in watcher.status()}
    assert status["MARA"].last_accession == MARA_2030
    assert status["CLSK"].last_poll is None  # the stop came before CLSK's turn
    assert pipeline.db.accession_statuses(MARA.cik)[MARA_2030]["status"] == "ingested"
    with pytest.raises(ConfigError, match="watch interval must be positive, got 0"):
        watcher.run(0, stop)
