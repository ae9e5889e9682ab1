"""Contract histories over real Bit Digital filings: a deal restated in two prospectuses and the
10-K is one deal with several sources, never counted twice; a replaced agreement is out of force."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extract.document import extract_document
from ingest.parse import parse_path
from service.contracts import build_contracts, counterparty_key

FILINGS = Path(os.environ.get("MINERLENS_FILINGS_DIR", Path(__file__).resolve().parents[3] / "shared" / "filings"))


@pytest.fixture(scope="module")
def book():
    mentions = []
    for name in ("BTBT_10-K_2025-03-14.htm", "BTBT_424B5_2025-09-29.txt", "BTBT_424B5_2025-10-01.txt"):
        doc = parse_path(FILINGS / name)
        mentions += [(doc.file, doc.filing.filed or doc.filing.period, c) for c in extract_document(doc).hpc_contracts]
    return build_contracts("BTBT", mentions)


def test_counterparty_names_link_across_descriptions():
    assert counterparty_key("CoreWeave, Inc.") == counterparty_key("CoreWeave")
    assert counterparty_key("Initial Customer (unnamed) - expansion to 4,096 GPUs") == "initial customer"


def test_a_deal_restated_in_two_prospectuses_is_one_deal(book):
    cerebras = next(h for h in book["contracts"] if counterparty_key(h["counterparty"]) == "cerebras")
    assert len(cerebras["deals"]) == 1
    assert cerebras["deals"][0]["capacity_mw"] == 5
    assert {s["document"] for s in cerebras["deals"][0]["sources"]} == {"BTBT_424B5_2025-09-29.txt", "BTBT_424B5_2025-10-01.txt"}
    assert cerebras["in_force"]["capacity_mw"] == 5  # not 10


def test_a_replaced_agreement_is_out_of_force(book):
    initial = next(h for h in book["contracts"] if counterparty_key(h["counterparty"]) == "initial customer")
    replaced = [d for d in initial["deals"] if d["gpus"] == 4096]
    assert replaced and not replaced[0]["in_force"]
    assert initial["in_force"]["gpus"] != sum(d["gpus"] or 0 for d in initial["deals"])
