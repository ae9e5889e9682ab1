"""The API over real HTTP: `minerlens serve` in a subprocess on 127.0.0.1, requests with httpx."""

from __future__ import annotations

import httpx
import pytest

from service.store.index import cpu_bf16
from tests.http_server import serve_subprocess

MARA_QUESTION = "What is the initial conversion rate of MARA's 0.00% convertible senior notes due 2031?"


@pytest.fixture(scope="module")
def api(ingested, cli_env):
    with serve_subprocess(cli_env, timeout=120) as client:
        yield client


def assert_json_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code
    assert "Traceback" not in response.text and "\n" not in body["error"]["message"]


def test_healthz_counts_documents_and_names_the_embedding_dtype(api, ingested):
    pipeline, _ = ingested
    health = api.get("/healthz").json()
    assert (health["status"], health["documents"]) == ("ok", len(pipeline.db.list_documents()))
    # The server opened the session's store, built in the dtype this machine chose (bfloat16 here,
    # avx512_bf16 and the self-test), and keeps it: /healthz says so.
    dtype = "bfloat16" if cpu_bf16() else "float32"
    assert health["embedding_dtype"] == pipeline.embedder.dtype == dtype
    assert health["embedding_dtype_reason"] == f"the index under {pipeline.settings.data_dir} was built in {dtype}"


def test_ask_answers_with_a_citation_to_the_8k(api):
    body = api.post("/ask", json={"question": MARA_QUESTION}).json()
    assert "28.9159" in body["answer"]
    assert body["insufficient_evidence"] is False
    assert any(c["document"] == "MARA_8-K_2024-12-04.htm" and "28.9159" in c["quote"] for c in body["citations"])


def test_search_filters_by_ticker_and_form(api):
    body = api.get("/search", params={"q": "conversion rate per $1,000 principal amount", "ticker": "CLSK", "form": "8-K", "k": 5}).json()
    assert body["results"] and {r["ticker"] for r in body["results"]} == {"CLSK"}
    assert {r["form"] for r in body["results"]} == {"8-K"}


def test_documents_lists_the_real_filings(api):
    files = {d["file"] for d in api.get("/documents", params={"ticker": "MARA"}).json()["documents"]}
    assert {"MARA_8-K_2024-11-21.htm", "MARA_8-K_2024-12-04.htm"} <= files


def test_upload_ingests_a_document_and_is_idempotent(api):
    text = (
        "Sample written by the minerlens team for a test. Hut 8 Corp. announced that its subsidiary entered "
        "into a $250 million revolving credit facility with a bank syndicate, maturing in 2028."
    ).encode()
    first = api.post("/documents", files={"file": ("hut8-facility.txt", text, "text/plain")}, params={"ticker": "HUT"})
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "ingested" and first.json()["ticker"] == "HUT"
    again = api.post("/documents", files={"file": ("hut8-facility.txt", text, "text/plain")})
    assert again.json()["status"] == "unchanged"


@pytest.mark.parametrize(
    ("filename", "data", "status", "code"),
    [
        ("empty.txt", b"", 422, "empty_document"),
        ("junk.bin", bytes(range(256)) * 10, 415, "unsupported_format"),
        ("fake.pdf", b"plain words, not a PDF", 422, "corrupt_document"),
    ],
)
def test_upload_of_bad_files_is_a_json_error(api, filename, data, status, code):
    before = api.get("/healthz").json()["documents"]
    assert_json_error(api.post("/documents", files={"file": (filename, data)}), status, code)
    assert api.get("/healthz").json()["documents"] == before


def test_bad_requests_are_json_errors(api):
    assert_json_error(api.get("/search"), 422, "bad_input")
    assert_json_error(api.get("/search", params={"q": "notes", "k": 0}), 422, "bad_input")
    assert_json_error(api.get("/search", params={"q": "notes", "date_from": "last year"}), 422, "bad_input")
    assert_json_error(api.post("/ask", json={}), 422, "bad_input")
    assert_json_error(api.post("/ask", content=b"{not json", headers={"content-type": "application/json"}), 422, "bad_input")
    assert_json_error(api.post("/documents"), 422, "bad_input")
    assert_json_error(api.get("/no/such/route"), 404, "not_found")
    assert_json_error(api.get("/companies/ZZZZ/debt"), 404, "not_found")


def test_openapi_docs_are_served(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/documents", "/search", "/ask", "/healthz"} <= set(paths)


def test_screen_lists_companies_with_their_metrics(api):
    rows = {r["ticker"]: r for r in api.get("/screen").json()["companies"]}
    riot = rows["RIOT"]
    assert riot["period_end"] == "2025-03-31"
    assert riot["values"]["total_debt_usd"] == 585_313_000  # RIOT 10-Q balance sheet, current + noncurrent
    assert riot["values"]["cash_usd"] == 163_719_000
    assert riot["values"]["net_debt_usd"] == 585_313_000 - 163_719_000


def test_company_screen_history_and_flags(api):
    periods = api.get("/companies/CLSK/screen").json()["periods"]
    assert [p["period_end"] for p in periods][:2] == ["2024-03-31", "2024-12-31"]
    flags = api.get("/flags", params={"ticker": "MARA"}).json()["flags"]
    assert any(f["kind"] == "new_debt_instrument" and "2031" in f["key"] for f in flags)
    assert_json_error(api.get("/flags", params={"since": "last week"}), 422, "bad_input")


def test_market_inputs_feed_the_screen(api):
    body = api.post("/market", json={"as_of": "2025-03-31", "btc_price_usd": 82_548.91, "share_prices": {"riot": 7.12}}).json()
    assert body["share_prices"] == {"RIOT": 7.12}
    assert_json_error(api.post("/market", json={"as_of": "2025-03-31", "btc_price_usd": -5}), 422, "bad_input")
    assert_json_error(api.post("/market", json={"as_of": "someday"}), 400, "bad_input")


def test_maturity_walls_are_png(api):
    for path in ("/maturities.png", "/companies/CLSK/maturities.png"):
        response = api.get(path)
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        assert response.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_contracts_and_debt_ledger(api):
    book = api.get("/companies/CORZ/contracts").json()
    coreweave = next(h for h in book["contracts"] if h["counterparty"].startswith("CoreWeave"))
    assert coreweave["in_force"]["capacity_mw"] == 270  # 200 MW signed + the 70 MW option exercise
    debt = api.get("/companies/MARA/debt").json()
    notes = next(i for i in debt["instruments"] if i["maturity_year"] == 2031 and i["principal_usd"])
    assert notes["conversion_rate_per_1000"] == 28.9159
    assert {"document", "locator", "quote", "field"} <= set(notes["mentions"][0]["evidence"][0])


def test_watch_status_when_the_watcher_is_off(api):
    assert api.get("/watch/status").json() == {"enabled": False, "companies": []}
