"""LLM-assisted mode in the pipeline when the endpoint is down: the rule-based record stands, the
failure is a one-line warning on it, and the document is ingested. (The mode against a real local
model is tested in tests/extract/test_llm.py.)"""

from __future__ import annotations

import socket

from service.config import Settings
from service.app import build_pipeline


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_endpoint_down_keeps_the_rules_and_warns(tmp_path, filings_dir):
    settings = Settings(data_dir=tmp_path, llm_base_url=f"http://127.0.0.1:{closed_port()}/v1", llm_model="gemma", llm_timeout_s=5)
    pipeline = build_pipeline(settings)
    result = pipeline.ingest_file(filings_dir / "CLSK_8-K_2025-11-12.txt")
    assert result.status == "ingested"
    (notes,) = [m.record for m in pipeline.debt_mentions("CLSK")]
    assert notes.principal_usd == 1_150_000_000 and notes.conversion_rate_per_1000 == 52.1832
    llm_warnings = [w for w in notes.warnings if w.startswith("llm: ")]
    assert len(llm_warnings) == 1 and "127.0.0.1" in llm_warnings[0] and "\n" not in llm_warnings[0]
