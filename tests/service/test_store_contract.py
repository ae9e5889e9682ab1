"""The store contract: the same tests against every store implementation.

`DATABASES` and `INDEXES` list the implementations, one line each; a new one (PostgreSQL, #17) is one
more line, e.g. `pytest.param(lambda tmp: Database(os.environ["MINERLENS_TEST_PG_URL"]), id="postgres",
marks=pytest.mark.postgres)`. Every contract test takes the `database` or `index` fixture and so runs
against each.

The documents are real filings from MINERLENS_FILINGS_DIR, parsed, chunked and extracted by the real
code. The index contract runs over the fast lane's HashEmbedder (tests/fakes.py: fast lane only) for
the persistent and the ephemeral Chroma, and over the real embedding model for the persistent one in
the slow lane (`make test`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from extract.document import extract_document
from ingest.chunk import chunk_document
from ingest.parse import parse_path
from ingest.types import Document
from service.domain.models import FlagCandidate, FlagDetail
from service.store.db import Database
from service.store.index import Index
from tests.fakes import HashEmbedder

MARA_8K = "MARA_8-K_2024-12-04.htm"  # the 0.00% convertible senior notes due 2031
CLSK_8K = "CLSK_8-K_2025-11-12.txt"  # the 0.00% convertible senior notes due 2032

DATABASES: list = [
    pytest.param(lambda tmp: Database(f"sqlite:///{tmp / 'contract.sqlite'}"), id="sqlite-file"),
    pytest.param(lambda tmp: Database("sqlite://"), id="sqlite-memory"),
]


def _real_embedder():
    from service.store.index import Embedder  # the real model: slow lane only

    return Embedder(dtype="auto", batch_size=16)


INDEXES: list = [
    pytest.param(lambda tmp: Index(tmp, HashEmbedder()), id="chroma-persistent-hash"),
    pytest.param(lambda tmp: Index(tmp, HashEmbedder(), ephemeral=True), id="chroma-ephemeral-hash"),
    pytest.param(lambda tmp: Index(tmp, _real_embedder()), id="chroma-persistent-model", marks=pytest.mark.slow),
]


@pytest.fixture(params=DATABASES)
def database(request, tmp_path) -> Database:
    factory: Callable[[Path], Database] = request.param
    db = factory(tmp_path)
    yield db
    db.close()


@pytest.fixture(params=INDEXES)
def index(request, tmp_path) -> Index:
    return request.param(tmp_path)


@pytest.fixture(scope="module")
def parsed(filings_dir) -> Callable[[str], tuple[Document, list]]:
    """A real filing parsed and chunked (token counts from the real tokenizer), once per module."""
    counter = HashEmbedder()
    cache: dict[str, tuple[Document, list]] = {}

    def get(name: str) -> tuple[Document, list]:
        if name not in cache:
            doc = parse_path(filings_dir / name)
            cache[name] = (doc, chunk_document(doc, counter.count_tokens))
        return cache[name]

    return get


# --- database ---------------------------------------------------------------------------------


def test_a_saved_real_document_reads_back_with_its_chunks_and_extraction(database, parsed):
    doc, chunks = parsed(MARA_8K)
    extraction = extract_document(doc)
    assert not database.has_document(doc.sha256)
    tokens = dict(zip((c.chunk_id for c in chunks), HashEmbedder().count_tokens([c.text for c in chunks])))
    database.save_document(doc, chunks, tokens, extraction=extraction, filed=doc.filing.filed or doc.filing.period)
    assert database.has_document(doc.sha256)
    row = database.get_document(doc.sha256)
    assert (row["file"], row["form"], row["ticker"], row["status"]) == (MARA_8K, "8-K", "MARA", "ok")
    assert row["n_chunks"] == len(chunks) and len(row["parts"]) == len(doc.parts)
    stored = database.chunks(doc.sha256)
    assert {c["chunk_id"] for c in stored} == {c.chunk_id for c in chunks}
    by_id = {c.chunk_id: c for c in chunks}
    assert all((r["start"], r["end"], r["section"], r["n_tokens"]) == (by_id[r["chunk_id"]].start, by_id[r["chunk_id"]].end,
               by_id[r["chunk_id"]].section, tokens[r["chunk_id"]]) for r in stored)
    (notes,) = [m["record"] for m in database.debt_mentions("mara") if m["record"].get("maturity_year") == 2031]
    # What the filing states: $850,000,000 of 0.00% notes due June 1, 2031, 28.9159 shares per $1,000.
    assert notes["principal_usd"] == 850_000_000 and notes["conversion_rate_per_1000"] == 28.9159
    assert notes["maturity_date"] == "2031-06-01" and notes["coupon_pct"] == 0.0
    assert [d["file"] for d in database.list_documents(ticker="MARA", form="8-K")] == [MARA_8K]
    assert database.count_documents() == 1


def test_saving_the_same_document_again_replaces_its_rows(database, parsed):
    doc, chunks = parsed(CLSK_8K)
    database.save_document(doc, chunks)
    database.save_document(doc, chunks)
    assert database.count_documents() == 1
    assert len(database.chunks(doc.sha256)) == len(chunks)


def test_a_failure_never_overwrites_a_successful_ingest(database, parsed):
    doc, chunks = parsed(CLSK_8K)
    database.save_document(doc, chunks)
    database.save_failure(doc.file, doc.sha256, "parse_error", "boom")
    assert database.get_document(doc.sha256)["status"] == "ok"
    database.save_failure("other.htm", "e3" * 32, "parse_error", "boom")
    assert not database.has_document("e3" * 32)
    assert database.get_document("e3" * 32)["status"] == "failed"


def flag(ticker: str, kind: str, key: str, **detail) -> FlagCandidate:
    return FlagCandidate(ticker=ticker, kind=kind, key=key, detail=FlagDetail(**detail))


def test_flag_insert_is_idempotent_per_key(database):
    detail = {"instrument": "0.00% convertible senior notes due 2032", "numbers": {"principal_usd": 1_150_000_000}}
    first = flag("CLSK", "new_debt_instrument", "CLSK:new:2032", **detail)
    assert database.insert_flags("CLSK", [first]) == [first]
    again = flag("CLSK", "new_debt_instrument", "CLSK:new:2032", instrument="other")
    other = flag("CLSK", "new_debt_instrument", "CLSK:new:2031", **detail)
    assert database.insert_flags("CLSK", [again, other, other]) == [other]  # a key once, in the store and in the batch
    flags = database.list_flags(ticker="clsk")
    assert [f["key"] for f in flags] == ["CLSK:new:2032", "CLSK:new:2031"]
    assert flags[0]["detail"] == detail  # stored with the keys it was given, none added as null
    assert database.flag_keys("clsk") == {"CLSK:new:2032", "CLSK:new:2031"}


def test_list_flags_since_and_ticker_filter(database):
    database.insert_flags("MARA", [flag("MARA", "new_debt_instrument", "MARA:1")])
    database.insert_flags("RIOT", [flag("RIOT", "leverage_high", "RIOT:1")])
    raised = database.list_flags()[0]["raised_at"]
    assert [f["key"] for f in database.list_flags(since="2000-01-01")] == ["MARA:1", "RIOT:1"]
    assert [f["key"] for f in database.list_flags(since=raised)] == ["MARA:1", "RIOT:1"]  # at or after
    assert database.list_flags(since="2999-01-01") == []
    assert [f["key"] for f in database.list_flags(since="2000-01-01", ticker="RIOT")] == ["RIOT:1"]


def test_the_store_stamp_moves_on_every_write(database, parsed):
    doc, chunks = parsed(CLSK_8K)
    seen = [database.stamp()]
    seen.append(database.bump_stamp())
    seen.append(database.save_document(doc, chunks))
    seen.append(database.save_document(doc, chunks))  # a re-save is a write too
    seen.append(database.delete_document(doc.sha256))
    assert seen == sorted(set(seen)), seen  # strictly increasing
    assert database.stamp() == seen[-1]
    assert not database.has_document(doc.sha256) and database.chunks(doc.sha256) == []


def test_latest_market_inputs_is_never_dated_after_the_day_asked(database):
    assert database.latest_market_inputs() is None
    march = database.save_market_inputs({"as_of": "2025-03-31", "btc_price_usd": 82548.91, "hashprice": 46.2, "share_prices": {"RIOT": 7.12}})
    june = database.save_market_inputs({"as_of": "2025-06-30", "btc_price_usd": 107135.0, "share_prices": {}})
    assert database.latest_market_inputs()["id"] == june
    got = database.latest_market_inputs(not_after="2025-05-01")
    assert (got["id"], got["as_of"], got["btc_price_usd"], got["share_prices"]) == (march, "2025-03-31", 82548.91, {"RIOT": 7.12})
    assert database.latest_market_inputs(not_after="2025-03-31")["id"] == march  # the day itself counts
    assert database.latest_market_inputs(not_after="2025-03-30") is None
    later_same_day = database.save_market_inputs({"as_of": "2025-03-31", "btc_price_usd": 83000.0})
    assert database.latest_market_inputs(not_after="2025-04-01")["id"] == later_same_day  # the latest saved among equals


# --- index ------------------------------------------------------------------------------------


def test_index_add_search_delete_round_trip(index, parsed):
    mara, mara_chunks = parsed(MARA_8K)
    clsk, clsk_chunks = parsed(CLSK_8K)
    assert index.count() == 0
    assert index.add(mara_chunks) == len(mara_chunks)
    assert index.add(clsk_chunks) == len(clsk_chunks)
    assert index.count() == len(mara_chunks) + len(clsk_chunks)
    assert index.document_ids() == {mara.sha256, clsk.sha256}
    hits = index.search("initial conversion rate 28.9159 shares per $1,000 principal amount", k=3, ticker="MARA")
    assert hits and all(h.document == MARA_8K for h in hits)
    assert any("28.9159" in h.text for h in hits)
    clsk_hits = index.search("initial conversion rate 52.1832 shares", k=5)
    assert any(h.document == CLSK_8K and "52.1832" in h.text for h in clsk_hits)
    assert index.delete_document(mara.sha256) == len(mara_chunks)
    assert not index.has_document(mara.sha256) and index.has_document(clsk.sha256)
    assert index.count() == len(clsk_chunks)
    assert all(h.document == CLSK_8K for h in index.search("conversion rate 28.9159", k=5))
    assert index.search("conversion rate", k=5, ticker="MARA") == []


def test_index_add_is_an_upsert(index, parsed):
    _, chunks = parsed(CLSK_8K)
    index.add(chunks)
    index.add(chunks)
    assert index.count() == len(chunks)
