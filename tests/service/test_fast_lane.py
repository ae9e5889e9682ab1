"""The pipeline and the API wired together over the fast lane's fakes, on real filings.

Every test here uses the FAKES of tests/fakes.py (fast lane only, `make check`): the HashEmbedder
instead of the embedding model, an ephemeral Chroma, and a ScriptedLlm instead of a model server.
Parsing, chunking, extraction, the evidence gate, SQLite, the ledger and the answerer stay real, and
the values asserted are what the filings state:

- MARA_8-K_2024-12-04.htm: $850 million of 0.00% convertible senior notes due June 1, 2031, initial
  conversion rate 28.9159 shares per $1,000 (about $34.5830 a share), senior unsecured.
- CLSK_8-K_2025-11-12.txt: $1.15 billion of 0.00% convertible senior notes due 2032, initial
  conversion rate 52.1832 shares per $1,000 (about $19.16 a share).

The same paths with the real parts are tested in tests/e2e and tests/service (slow lane).
"""

from __future__ import annotations

import pytest

from service.api import create_app
from service.config import Settings
from tests.fakes import HashEmbedder, ScriptedLlm, fast_pipeline
from tests.http_server import serve_in_thread

MARA = "MARA_8-K_2024-12-04.htm"
CLSK = "CLSK_8-K_2025-11-12.txt"
# A sentence of MARA's 8-K that states the maturity and no coupon: a coupon quoted from it fails the gate.
MATURITY = "The notes will mature on June 1, 2031, unless earlier converted, redeemed or repurchased in accordance with their terms."


def _reply(question, evidence):
    return f"{evidence[0].quote} [1] [7]"  # [7] points at no evidence given: the real check drops it


@pytest.fixture(scope="module")
def fast(tmp_path_factory, filings_dir):
    """(pipeline, embedder, llm) over MARA's and CleanSpark's 8-Ks, on the fakes (fast lane only)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("fast-lane"), filings_dir=filings_dir, llm_base_url=None)
    embedder = HashEmbedder()
    llm = ScriptedLlm(proposals={"coupon_pct": (4.5, MATURITY), "conversion_rate_per_1000": (30.0, MATURITY)}, reply=_reply)
    pipeline = fast_pipeline(settings, embedder=embedder, llm=llm)
    report = pipeline.ingest_paths([filings_dir / MARA, filings_dir / CLSK])
    assert report.counts() == {"ingested": 2}
    return pipeline, embedder, llm


def _notes(pipeline, ticker: str, year: int):
    (record,) = [m.record for m in pipeline.debt_mentions(ticker) if m.record.maturity_year == year]
    return record


def test_real_extraction_through_the_fake_pipeline(fast):
    """Fakes: HashEmbedder, ephemeral Chroma, ScriptedLlm (fast lane only)."""
    pipeline, _, _ = fast
    mara = _notes(pipeline, "MARA", 2031)
    assert (mara.principal_usd, mara.coupon_pct, mara.maturity_date) == (850_000_000, 0.0, "2031-06-01")
    assert (mara.conversion_rate_per_1000, mara.conversion_price_usd, mara.secured) == (28.9159, 34.583, False)
    clsk = _notes(pipeline, "CLSK", 2032)
    assert (clsk.principal_usd, clsk.conversion_rate_per_1000, clsk.conversion_price_usd) == (1_150_000_000, 52.1832, 19.16)


def test_the_scripted_llm_fills_only_through_the_evidence_gate(fast):
    """Fakes: ScriptedLlm (with HashEmbedder and ephemeral Chroma; fast lane only). The pipeline hands
    every rule-based record to the client; the real gate drops a value its quote does not state, and
    a value the rules set is never replaced."""
    pipeline, _, llm = fast
    assert sorted(llm.fill_calls) == sorted([(MARA, "0.00% convertible senior notes due 2031"), (MARA, "convertible notes due 2026"),
                                             (CLSK, "0.00% convertible senior notes due 2032")])
    mara = _notes(pipeline, "MARA", 2031)
    assert mara.conversion_rate_per_1000 == 28.9159 and mara.coupon_pct == 0.0  # the rules' values stand
    old = _notes(pipeline, "MARA", 2026)
    assert old.coupon_pct is None and old.conversion_rate_per_1000 is None
    assert [w for w in old.warnings if w.startswith("llm: dropped")] == [
        w for w in old.warnings if "coupon_pct=4.5" in w or "conversion_rate_per_1000=30.0" in w]
    assert any("coupon_pct=4.5" in w for w in old.warnings)


def test_reingesting_unchanged_bytes_embeds_nothing(fast, filings_dir):
    """Fakes: HashEmbedder counts what it embedded (ephemeral Chroma, ScriptedLlm; fast lane only)."""
    pipeline, embedder, llm = fast
    before, fills = embedder.embedded, len(llm.fill_calls)
    assert pipeline.ingest_file(filings_dir / MARA).status == "unchanged"
    assert embedder.embedded == before and len(llm.fill_calls) == fills


def test_a_structured_answer_cites_the_filing(fast):
    """Fakes: HashEmbedder, ephemeral Chroma, ScriptedLlm (fast lane only)."""
    pipeline, _, _ = fast
    answer = pipeline.ask("What is the initial conversion rate of MARA's 0.00% convertible senior notes due 2031?")
    assert "28.9159" in answer.answer and not answer.insufficient_evidence
    assert [c.document for c in answer.citations] == [MARA]
    assert "28.9159 shares per $1,000" in answer.citations[0].quote


def test_a_passage_answer_goes_through_the_scripted_llm_and_the_citation_check(fast):
    """Fakes: ScriptedLlm writes the passage answer (HashEmbedder, ephemeral Chroma; fast lane only)."""
    pipeline, _, llm = fast
    question = "How will MARA use the net proceeds from the notes offering?"
    answer = pipeline.ask(question, ticker="MARA")
    assert llm.synthesize_calls[-1] == question
    assert answer.kind == "passage" and answer.data["llm"] is True
    (cited,) = answer.citations
    assert cited.document == MARA and answer.answer == f"{cited.quote} [1]"  # [7] dropped
    assert answer.data["unsupported_numbers"] == []


def test_search_filters_by_ticker(fast):
    """Fakes: HashEmbedder ranks by shared words, over an ephemeral Chroma (fast lane only)."""
    pipeline, _, _ = fast
    hits = pipeline.search("initial conversion rate shares per $1,000 principal amount", k=5, ticker="CLSK")
    assert hits and {h.document for h in hits} == {CLSK}
    assert any("52.1832" in h.text for h in hits)


def test_the_api_over_real_http_on_the_fake_pipeline(fast):
    """Fakes: the API serves the fake pipeline (HashEmbedder, ephemeral Chroma, ScriptedLlm; fast lane
    only); uvicorn on 127.0.0.1 and httpx are real."""
    pipeline, _, _ = fast
    with serve_in_thread(create_app(pipeline.settings, pipeline=pipeline)) as client:
        health = client.get("/healthz").json()
        assert (health["status"], health["documents"]) == ("ok", 2)
        assert sorted(d["file"] for d in client.get("/documents").json()["documents"]) == [CLSK, MARA]
        debt = client.get("/companies/CLSK/debt").json()
        (notes,) = [i for i in debt["instruments"] if i["maturity_year"] == 2032]
        assert (notes["principal_usd"], notes["conversion_rate_per_1000"], notes["coupon_pct"]) == (1_150_000_000, 52.1832, 0.0)
        assert notes["mentions"][0]["document"] == CLSK
        found = client.get("/search", params={"q": "conversion rate 28.9159", "ticker": "MARA", "k": 3}).json()["results"]
        assert found and all(r["document"] == MARA for r in found)
        asked = client.post("/ask", json={"question": "What is the initial conversion rate of CleanSpark's convertible notes due 2032?"})
        assert asked.status_code == 200 and "52.1832" in asked.json()["answer"]
        assert [c["document"] for c in asked.json()["citations"]] == [CLSK]
        bad = client.get("/flags", params={"since": "2025-13-45"})
        assert bad.status_code in (400, 422) and set(bad.json()["error"]) >= {"code", "message"}
        assert client.get("/companies/NOPE/debt").status_code == 404
