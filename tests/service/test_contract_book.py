"""Contract histories over real Bit Digital filings: a deal restated in two prospectuses and the
10-K is one deal with several sources, never counted twice; a replaced agreement is out of force."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extract.document import extract_document
from ingest.parse import parse_path
from service.domain.contracts import build_contracts, counterparty_key

pytestmark = pytest.mark.slow  # every test reads the contract book built from BTBT's 10-K and two prospectuses

FILINGS = Path(os.environ.get("MINERLENS_FILINGS_DIR", Path(__file__).resolve().parents[3] / "shared" / "filings"))


@pytest.fixture(scope="module")
def book():
    mentions = []
    for name in ("BTBT_10-K_2025-03-14.htm", "BTBT_424B5_2025-09-29.txt", "BTBT_424B5_2025-10-01.txt"):
        doc = parse_path(FILINGS / name)
        mentions += [(doc.file, doc.filing.filed or doc.filing.period, c) for c in extract_document(doc).hpc_contracts]
    return build_contracts("BTBT", mentions).model_dump()


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


CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "contracts"


def test_releases_and_a_quarterly_report_link_by_counterparty():
    mentions = []
    for name in ("CIFR_2025-09-25_fluidstack-barber-lake.txt", "CIFR_2025-11-03_aws-lease.txt",
                 "CIFR_10-Q_2025-11-03_hpc-leases-excerpt.txt"):
        doc = parse_path(CORPUS / name)
        mentions += [(doc.file, doc.file[len("CIFR_"):][:10], c) for c in extract_document(doc).hpc_contracts]
    book = build_contracts("CIFR", mentions).model_dump()
    by_key = {counterparty_key(h["counterparty"]): h for h in book["contracts"]}
    assert sorted(by_key) == ["amazon web services", "fluidstack"]
    aws = by_key["amazon web services"]
    assert len(aws["deals"]) == 1  # the release and the 10-Q state one lease, not two
    assert {s["document"] for s in aws["deals"][0]["sources"]} == {
        "CIFR_2025-11-03_aws-lease.txt", "CIFR_10-Q_2025-11-03_hpc-leases-excerpt.txt"}
    assert aws["in_force"] == {"capacity_mw": 300.0, "gpus": None, "total_contract_value_usd": 5_500_000_000}
    fluidstack = by_key["fluidstack"]
    assert len(fluidstack["deals"]) == 1 and fluidstack["in_force"]["capacity_mw"] == 168.0


def test_unidentified_customers_are_known_by_their_whole_description():
    assert counterparty_key("New customer (unnamed) - MSA of 2024-11-06") != counterparty_key(
        "New customer (unnamed) - MSA of 2025-01-06")
    assert counterparty_key("New customer (unnamed) - MSA of 2024-11-06") == "new customer unnamed - msa of 2024-11-06"
