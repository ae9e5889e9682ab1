"""AI/HPC contracts: values read from the real filings and from our corpus releases, negatives empty."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from extract.contracts import extract_contracts
from extract.evidence import normalize_for_search
from extract.records import HpcContract
from ingest.errors import BadInput
from ingest.parse import parse_path
from ingest.types import Document, Filing, Part

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "contracts"


@lru_cache(maxsize=None)
def contracts_of(filing, name: str) -> tuple[Document, list[HpcContract]]:
    doc = filing(name)
    return doc, extract_contracts(doc)


@lru_cache(maxsize=None)
def corpus_contracts(name: str) -> list[HpcContract]:
    return extract_contracts(parse_path(CORPUS / name))


def by_gpus(contracts: list[HpcContract], gpus: int) -> HpcContract:
    [found] = [c for c in contracts if c.gpus == gpus]
    return found


# --------------------------------------------------------------------------------------------
# Bit Digital 10-K: eleven GPU cloud contracts, summary and MD&A describing several of them twice


@pytest.mark.slow  # extracts BTBT's 10-K
def test_btbt_10k_yields_one_record_per_contract(filing):
    _, contracts = contracts_of(filing, "BTBT_10-K_2025-03-14.htm")
    assert sorted(c.gpus for c in contracts) == [16, 24, 32, 40, 64, 189, 300, 464, 576, 2048, 4096]


@pytest.mark.slow  # extracts BTBT's 10-K
def test_btbt_10k_initial_customer_2048_gpus(filing):
    _, contracts = contracts_of(filing, "BTBT_10-K_2025-03-14.htm")
    first = by_gpus(contracts, 2048)
    assert first.counterparty == "Initial Customer"
    assert first.term_years == 3.0 and first.term_months == 36
    assert first.annual_revenue_usd == 50_000_000  # "more than $50 million of annualized revenue"
    assert first.start_date == "2024-01-22"
    assert first.total_contract_value_usd is None
    assert first.superseded is False


@pytest.mark.slow  # extracts BTBT's 10-K
def test_btbt_10k_expansion_replaced_by_464_gpu_agreement_is_superseded(filing):
    _, contracts = contracts_of(filing, "BTBT_10-K_2025-03-14.htm")
    expansion = by_gpus(contracts, 4096)
    assert expansion.total_contract_value_usd == 275_000_000
    assert expansion.annual_revenue_usd == 92_000_000
    assert expansion.superseded is True and expansion.status == "superseded"
    replacement = by_gpus(contracts, 464)
    assert replacement.term_months == 18 and replacement.term_years == 1.5
    assert replacement.annual_revenue_usd == 15_000_000
    assert replacement.superseded is False


def test_btbt_10k_boosteroid_orders_are_separate(filing):
    _, contracts = contracts_of(filing, "BTBT_10-K_2025-03-14.htm")
    initial, added = by_gpus(contracts, 300), by_gpus(contracts, 189)
    assert initial.counterparty == added.counterparty == "Boosteroid Inc."
    assert initial.total_contract_value_usd == 4_600_000
    assert initial.annual_revenue_usd == 900_000  # stated in the MD&A, merged into the same order
    assert initial.term_months == 60
    assert added.total_contract_value_usd == 3_200_000
    assert added.status == "expansion"
    # the "potential $700 million revenue opportunity" option is not contracted
    assert all(c.total_contract_value_usd != 700_000_000 for c in contracts)


def test_btbt_10k_named_fund_and_unnamed_customers(filing):
    _, contracts = contracts_of(filing, "BTBT_10-K_2025-03-14.htm")
    fund = by_gpus(contracts, 576)
    assert fund.counterparty == "AI Compute Fund managed by DNA Holdings Venture Inc"
    assert fund.term_months == 25 and fund.term_years == 2.0833
    assert fund.total_contract_value_usd == 20_200_000
    monthly = by_gpus(contracts, 64)
    assert monthly.term_months is None  # month-to-month
    assert monthly.annual_revenue_usd == 1_200_000
    assert monthly.start_date == "2024-11-15"
    small = by_gpus(contracts, 16)
    assert small.counterparty == "new customer (MSA of 2024-11-06)"
    assert (small.gpu_model, small.term_months, small.total_contract_value_usd) == ("H200", 6, 320_000)


def test_every_quote_is_verbatim_and_located(filing):
    doc, contracts = contracts_of(filing, "BTBT_10-K_2025-03-14.htm")
    text = normalize_for_search(doc.text)
    quotes = [e for c in contracts for e in c.evidence]
    for c in contracts:
        stated = {f for f in ("gpus", "term_months", "total_contract_value_usd", "annual_revenue_usd", "start_date")
                  if getattr(c, f) is not None}
        assert stated <= {e.field for e in c.evidence}, c.counterparty
        assert "counterparty" in {e.field for e in c.evidence}
    for e in quotes:
        assert e.document == "BTBT_10-K_2025-03-14.htm"
        assert normalize_for_search(e.quote) in text
        assert e.locator.startswith("10-K · ")
    fund = by_gpus(contracts, 576)
    [value] = [e for e in fund.evidence if e.field == "total_contract_value_usd"]
    assert "aggregate revenue opportunity of approximately $20.2 million" in value.quote


# --------------------------------------------------------------------------------------------
# Bit Digital prospectus: the base prospectus repeats the business section


@pytest.mark.parametrize("name", ["BTBT_424B5_2025-09-29.txt", "BTBT_424B5_2025-10-01.txt"])
def test_btbt_prospectus_contracts(filing, name):
    _, contracts = contracts_of(filing, name)
    assert len(contracts) == 3
    [cerebras] = [c for c in contracts if c.counterparty == "Cerebras"]
    assert cerebras.capacity_mw == 5.0 and cerebras.site == "MTL 3"
    initial = by_gpus(contracts, 2048)
    assert initial.total_contract_value_usd == 150_000_000 and initial.term_months == 36
    b200 = by_gpus(contracts, 464)
    assert (b200.gpu_model, b200.term_months, b200.start_date) == ("B200", 18, "2025-06-30")
    assert b200.annual_revenue_usd == 15_000_000


# --------------------------------------------------------------------------------------------
# Negative controls: merger 8-Ks, an ATM-style 6-K, a debt-only 8-K, mining-only 10-K/10-Q


@pytest.mark.parametrize(
    "name",
    [
        "CORZ_8-K_2025-10-22.txt",
        "CORZ_8-K_2025-10-30.txt",
        "FUFU_6-K_2024-08-20.htm",
        "MARA_8-K_2024-12-04.htm",
        "CLSK_8-K_2024-05-09.htm",
        "RIOT_10-K_2025-02-27.htm",
        "CLSK_10-Q_2025-02-06.htm",
    ],
)
def test_negative_controls_yield_no_contracts(filing, name):
    assert contracts_of(filing, name)[1] == []


# --------------------------------------------------------------------------------------------
# Corpus releases: different spellings of the same kinds of terms


def test_corpus_terawulf_google_backstop():
    [deal] = corpus_contracts("WULF_2025-08-14_fluidstack-google-backstop.txt")
    assert (deal.counterparty, deal.guarantor) == ("Fluidstack", "Google")
    assert deal.capacity_mw == 200.0 and deal.term_years == 10.0
    assert deal.total_contract_value_usd == 3_700_000_000  # not the $8.7 billion "with extensions"


def test_corpus_core_scientific_words_and_bn():
    [deal] = corpus_contracts("CORZ_2024-06-03_coreweave-hpc-contracts.txt")
    assert deal.counterparty.startswith("CoreWeave")
    assert (deal.capacity_mw, deal.term_months, deal.total_contract_value_usd) == (200.0, 144, 3_500_000_000)


def test_corpus_option_exercise_is_an_expansion_of_its_own_size():
    [deal] = corpus_contracts("CORZ_2024-06-21_coreweave-option-exercise.txt")
    assert deal.status == "expansion"
    assert deal.capacity_mw == 70.0  # the 270 MW is the running total, not this deal


def test_corpus_gross_power_kept_apart_from_critical_it():
    [deal] = corpus_contracts("GLXY_2025-08-26_coreweave-helios.txt")
    assert (deal.capacity_mw, deal.gross_mw) == (None, 800.0)
    assert deal.total_contract_value_usd == 15_000_000_000


def test_corpus_gpu_cloud_contract_ignores_equipment_purchase():
    [deal] = corpus_contracts("IREN_2025-11-03_microsoft-gpu-cloud.htm")
    assert deal.counterparty == "Microsoft Corporation"
    assert (deal.gpu_model, deal.site) == ("GB300", "Childress, Texas")
    assert deal.total_contract_value_usd == 9_700_000_000 and deal.term_months == 60


def test_corpus_us_dollar_bn_and_critical_it():
    [aws] = corpus_contracts("CIFR_2025-11-03_aws-lease.txt")
    assert aws.total_contract_value_usd == 5_500_000_000 and aws.capacity_mw == 300.0
    [apld] = corpus_contracts("APLD_2025-06-02_coreweave-ellendale-leases.txt")
    assert (apld.capacity_mw, apld.term_months, apld.total_contract_value_usd) == (250.0, 180, 7_000_000_000)


# --------------------------------------------------------------------------------------------
# Phrasings in general, on small synthetic parts


def _doc(text: str) -> Document:
    part = Part(type="EX-99.1", sequence=1, filename="ex99.htm", description="press release", text=text)
    return Document(file="TEST_8-K_2025-01-01.txt", sha256="0", format="text", filing=Filing(ticker="TEST"), parts=[part])


def test_foreign_amount_used_only_through_the_usd_figure_the_document_gives():
    text = (
        "On March 3, 2025, the Company signed a colocation agreement with Acme AI Ltd. for 12 MW of critical IT load "
        "at its Quebec facility. The agreement represents annual revenue of CAD 20 million (approximately US$14 million) "
        "over a five-year term. A second customer agreed to pay CAD 3 million per year."
    )
    [deal] = extract_contracts(_doc(text))
    assert deal.counterparty == "Acme AI Ltd."
    assert deal.annual_revenue_usd == 14_000_000
    assert (deal.capacity_mw, deal.term_months) == (12.0, 60)


def test_bitcoin_mining_hosting_is_not_an_hpc_contract():
    text = (
        "On May 1, 2024, the Company entered into a hosting agreement with MinerHost LLC for 20 MW of capacity "
        "to host our bitcoin miners for a one-year term."
    )
    assert extract_contracts(_doc(text)) == []


def test_not_a_document_is_bad_input():
    with pytest.raises(BadInput, match="needs a parsed Document"):
        extract_contracts("BTBT_10-K_2025-03-14.htm")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# One deal told in several paragraphs of a quarterly report


def test_corpus_10q_deals_restated_in_two_paragraphs_are_one_deal_each():
    deals = corpus_contracts("CIFR_10-Q_2025-11-03_hpc-leases-excerpt.txt")
    by_name = {d.counterparty: d for d in deals}
    assert sorted(by_name) == ["Amazon Web Services, Inc.", "Fluidstack"]  # not a third record for "AWS"
    fluidstack, aws = by_name["Fluidstack"], by_name["Amazon Web Services, Inc."]
    # MW and term from the business update, contract revenue from MD&A
    assert (fluidstack.capacity_mw, fluidstack.term_months, fluidstack.total_contract_value_usd) == (168.0, 120, 3_000_000_000)
    # MW and term under the full name, the value in the next paragraph under the short name AWS
    assert (aws.capacity_mw, aws.term_months, aws.total_contract_value_usd) == (300.0, 180, 5_500_000_000)
    value_quote = next(e.quote for e in aws.evidence if e.field == "total_contract_value_usd")
    assert "lease with AWS" in value_quote and "$5.5 billion" in value_quote


def test_corpus_10q_capitalised_colocation_agreement_with_its_mw():
    deals = corpus_contracts("CIFR_10-Q_2025-11-03_hpc-leases-excerpt.txt")
    [fluidstack] = [d for d in deals if d.counterparty == "Fluidstack"]
    quote = next(e.quote for e in fluidstack.evidence if e.field == "capacity_mw")
    assert "168 MW of Critical IT load" in quote  # no other AI/HPC word in that paragraph


def test_a_per_order_gpu_count_is_not_the_deals_total():
    text = (
        "On March 3, 2025, the Company entered into a master services agreement with Acme Cloud Inc. under which "
        "each order of 1,024 H200 GPUs runs for a three-year term; the agreement covers a total of 4,096 GPUs. "
        "The first order of 1,024 GPUs was delivered in April 2025."
    )
    [deal] = extract_contracts(_doc(text))
    assert (deal.counterparty, deal.gpus, deal.term_months) == ("Acme Cloud Inc.", 4096, 36)


def test_a_count_stated_only_per_order_is_not_reported_as_the_total():
    text = (
        "On March 3, 2025, the Company entered into a GPU cloud services agreement with Acme Cloud Inc. with a "
        "three-year term and total contract value of approximately $20 million, under which the customer placed "
        "two orders of 512 GPUs each."
    )
    [deal] = extract_contracts(_doc(text))
    assert (deal.gpus, deal.term_months, deal.total_contract_value_usd) == (None, 36, 20_000_000)


def _quarterly(text: str) -> Document:
    part = Part(type="10-Q", sequence=1, filename="q.htm", description="quarterly report", text=text)
    return Document(file="TEST_10-Q_2025-09-30.htm", sha256="0", format="html", filing=Filing(ticker="TEST", form="10-Q"),
                    parts=[part])


def test_a_colocation_agreement_is_hpc_when_the_filing_calls_its_colocation_hpc():
    text = (
        "Note 12. Commitments\nOn August 14, 2025, the Company entered into a colocation agreement with Acme Cloud Ltd. "
        "for 200 MW of IT load at its Texas campus for a ten-year term.\nThe Company provides high-performance "
        "computing hosting to customers at its Texas campus through colocation."
    )
    [deal] = extract_contracts(_quarterly(text))
    assert (deal.counterparty, deal.capacity_mw, deal.term_months) == ("Acme Cloud Ltd.", 200.0, 120)


def test_a_lease_is_hpc_when_the_filing_describes_the_tenant_in_ai_words():
    text = (
        "During the quarter, the Company executed a lease with Acme Cloud, Inc. for 100 megawatts at its Denton site, "
        "with an initial term of 12 years and expected revenue of $1.2 billion.\nAcme Cloud is an AI hyperscaler."
    )
    [deal] = extract_contracts(_quarterly(text))
    assert (deal.capacity_mw, deal.term_months, deal.total_contract_value_usd) == (100.0, 144, 1_200_000_000)


def test_mining_colocation_stays_out_although_the_filing_also_offers_hpc_colocation(filing):
    _, contracts = contracts_of(filing, "BTBT_10-K_2025-03-14.htm")
    # "we entered into a co-location agreement with Soluna": hosting for our bitcoin miners
    assert not [c for c in contracts if "Soluna" in c.counterparty]


def test_a_deal_named_later_only_by_its_defined_term_is_the_same_deal():
    unrelated = " ".join(["The Company continued to hold its bitcoin treasury during the period."] * 12)
    text = (
        "Overview\nIn September 2025, the Company entered into a ten-year HPC colocation agreement (the “Acme "
        "Agreement”) with Acme Cloud Ltd. for 168 MW of critical IT load.\n" + unrelated + "\nRecent Developments\n"
        "The Acme Agreement, signed in September 2025, is expected to generate approximately $3.0 billion of "
        "revenue over its ten-year term."
    )
    [deal] = extract_contracts(_quarterly(text))
    assert (deal.counterparty, deal.capacity_mw, deal.term_months, deal.total_contract_value_usd) == (
        "Acme Cloud Ltd.", 168.0, 120, 3_000_000_000)


def test_two_agreements_with_one_party_signed_in_different_months_stay_two():
    text = (
        "In October 2024, the Company entered into a GPU cloud services agreement with Acme Cloud Ltd. for 512 GPUs.\n"
        "The Company continued to hold its bitcoin treasury during the period. It made no acquisitions.\n"
        "In January 2025, the Company entered into a GPU cloud services agreement with Acme Cloud Ltd. with total "
        "revenue of approximately $9 million over a one-year term."
    )
    deals = extract_contracts(_quarterly(text))
    assert sorted((d.gpus or 0, d.total_contract_value_usd or 0) for d in deals) == [(0, 9_000_000), (512, 0)]
