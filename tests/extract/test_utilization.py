"""AI/HPC utilization disclosures over the real filings: values read from the documents, mining
capacity and plans kept out, every quote verbatim."""

from __future__ import annotations

from functools import lru_cache

import pytest

from extract.evidence import normalize_for_search
from extract.records import UtilizationDisclosure
from extract.utilization import extract_utilization
from ingest.errors import BadInput
from ingest.types import Document, Filing, Part


def one(records: list[UtilizationDisclosure], **match: object) -> UtilizationDisclosure:
    found = [r for r in records if all(getattr(r, k) == v for k, v in match.items())]
    assert len(found) == 1, (match, [r.model_dump(exclude={"evidence"}) for r in records])
    return found[0]


def text_doc(text: str, *, form: str = "8-K", filed: str | None = "2025-05-01", part_type: str = "EX-99.1") -> Document:
    part = Part(type=part_type, sequence=1, filename="ex99.htm", description="press release", text=text)
    return Document(file="TEST_8-K.txt", sha256="0" * 64, format="text",
                    filing=Filing(form=form, filed=filed, ticker="TEST"), parts=[part])


@lru_cache(maxsize=None)
def utilization_of(filing, name: str) -> tuple[UtilizationDisclosure, ...]:
    """A real filing's disclosures, extracted once per session (BTBT's 10-K takes seconds); the tests only read them."""
    return tuple(extract_utilization(filing(name)))


# --- Bit Digital 10-K: XBRL revenue by service line, MTL 1 capacity -----------------------------


@pytest.mark.slow  # extracts BTBT's 10-K (and more real filings)
def test_btbt_10k_cloud_revenue_from_xbrl_segment_member(filing):
    records = utilization_of(filing, "BTBT_10-K_2025-03-14.htm")
    cloud = one(records, revenue_line="cloud services")
    assert cloud.hpc_revenue_usd == 45727735.0
    assert cloud.hpc_revenue_period == "12 months"
    assert cloud.period_end == "2024-12-31"
    assert cloud.ticker == "BTBT"
    assert [e.locator for e in cloud.evidence if e.field == "hpc_revenue_usd"] == ["xbrl ixv-24474 us-gaap:Revenues"]


@pytest.mark.slow  # extracts BTBT's 10-K (and more real filings)
def test_btbt_10k_colocation_counts_because_the_filing_calls_it_hpc(filing):
    records = utilization_of(filing, "BTBT_10-K_2025-03-14.htm")
    colo = one(records, revenue_line="colocation services")
    assert colo.hpc_revenue_usd == 1361241.0
    # the MD&A's "$1.4 million" restates this fact rounded: not a second disclosure
    assert [r.hpc_revenue_usd for r in records if r.hpc_revenue_usd] == [45727735.0, 1361241.0]


@pytest.mark.slow  # extracts BTBT's 10-K (and more real filings)
def test_btbt_10k_mtl1_capacity_occupancy_and_gpus(filing):
    records = utilization_of(filing, "BTBT_10-K_2025-03-14.htm")
    mtl1 = one(records, site="MTL 1")
    assert mtl1.energized_mw == 4.0
    assert mtl1.gpus_deployed == 5000
    assert mtl1.utilization_pct == 100.0  # "MTL 1’s full capacity is occupied by customers"
    assert mtl1.contracted_mw is None
    assert mtl1.warnings == ["gpus_deployed is a lower bound: the filing says more than 5,000"]
    quotes = {e.field: e.quote for e in mtl1.evidence}
    assert "operate a 4MW AI data center" in quotes["energized_mw"]
    assert "currently hosting over 5,000 GPUs" in quotes["gpus_deployed"]


@pytest.mark.slow  # extracts BTBT's 10-K (and more real filings)
def test_btbt_10k_first_deployment_dated(filing):
    records = utilization_of(filing, "BTBT_10-K_2025-03-14.htm")
    first = one(records, as_of="2024-01-22")
    assert first.gpus_deployed == 1536
    assert first.hpc_revenue_usd is None


@pytest.mark.slow  # extracts BTBT's 10-K (and more real filings)
def test_btbt_10k_mining_hosting_mw_and_targets_are_not_utilization(filing):
    records = utilization_of(filing, "BTBT_10-K_2025-03-14.htm")
    mw = {r.energized_mw for r in records} | {r.contracted_mw for r in records}
    # 15.5 MW at Bitdeer for miners, 46 MW contracted hosting with Coinmint, the 32MW / 80MW+ targets,
    # the 5MW MTL 2 expansion project: none is AI/HPC capacity in service
    assert mw == {4.0, None}
    # GPUs on order or under contract (2,048, 4,096, 464, 576 ...) are contract terms, not a fleet
    assert {r.gpus_deployed for r in records} == {5000, 1536, None}
    assert len(records) == 4


# --- Bit Digital prospectus and earnings release -------------------------------------------------


@pytest.mark.parametrize("name,filed", [("BTBT_424B5_2025-09-29.txt", "2025-09-29"), ("BTBT_424B5_2025-10-01.txt", "2025-10-01")])
def test_btbt_prospectus(filing, name, filed):
    records = extract_utilization(filing(name))
    mtl1 = one(records, site="MTL 1")
    assert (mtl1.energized_mw, mtl1.utilization_pct, mtl1.as_of) == (4.0, 100.0, filed)
    revenue = one(records, revenue_line="cloud service")
    assert revenue.hpc_revenue_usd == 45_700_000.0
    assert revenue.hpc_revenue_period == "12 months"
    assert revenue.period_end == "2024-12-31"
    # "assuming an 85% utilization rate" is a model input, not a disclosure
    assert {r.utilization_pct for r in records} == {100.0, None}
    assert len(records) == 2


def test_btbt_earnings_release_quarterly_cloud_revenue(filing):
    records = extract_utilization(filing("BTBT_8-K_2025-11-14.txt"))
    assert len(records) == 1
    q3 = records[0]
    assert q3.hpc_revenue_usd == 18_000_000.0  # not the prior-year $12.2 million
    assert q3.hpc_revenue_period == "3 months"
    assert q3.period_end == "2025-09-30"
    assert q3.revenue_line == "cloud services"
    period_quote = next(e for e in q3.evidence if e.field == "period_end")
    assert period_quote.quote == "quarter ended September 30, 2025"
    assert period_quote.locator == "8-K · Item 2.02"


# --- negative controls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "RIOT_10-Q_2025-05-01.htm",  # Corsicana: "evaluate the feasibility of developing ... 600 MW ... for AI/HPC uses"
        "RIOT_10-K_2025-02-27.htm",  # data center hosting revenue is bitcoin-miner hosting
        "CLSK_10-Q_2025-02-06.htm",  # mining only
        "CLSK_8-K_2025-11-25.txt",  # "43% growth in contracted power sets the stage for AI expansion"
        "CLSK_8-K_2025-11-10.txt",  # convertible notes
        "MARA_8-K_2024-12-04.htm",  # convertible notes
        "CORZ_8-K_2025-10-22.txt",  # merger
        "BTDR_424B5_2025-11-13.txt",
    ],
)
def test_no_utilization_in_mining_debt_and_merger_filings(filing, name):
    assert extract_utilization(filing(name)) == []


@pytest.mark.slow  # extracts BTBT's 10-K (and more real filings)
def test_every_quote_is_verbatim(filing):
    for name in ("BTBT_10-K_2025-03-14.htm", "BTBT_424B5_2025-09-29.txt", "BTBT_8-K_2025-11-14.txt"):
        doc = filing(name)
        text = normalize_for_search(doc.text)
        for record in utilization_of(filing, name):
            for ev in record.evidence:
                assert ev.document == name
                assert ev.locator.startswith("xbrl ") or normalize_for_search(ev.quote) in text, ev


# --- phrasing in general (other companies write it differently) ---------------------------------


def test_occupancy_percent_and_contracted_mw_in_hpc_text():
    doc = text_doc(
        "As of March 31, 2025, we had 120 MW of critical IT capacity contracted to our AI customers. "
        "At March 31, 2025, occupancy of our HPC data halls was 92%. "
        "We expect to energize an additional 200 MW for AI workloads by the end of 2026."
    )
    [record] = extract_utilization(doc)
    assert record.contracted_mw == 120.0
    assert record.utilization_pct == 92.0
    assert record.energized_mw is None  # the 200 MW is a plan
    assert record.as_of == "2025-03-31"


def test_mining_capacity_is_not_hpc_utilization():
    doc = text_doc(
        "As of March 31, 2025, we had 1,100 MW of energized capacity powering our bitcoin miners, "
        "with hashrate utilization of 95%. Self-mining revenue was $120.5 million for the quarter."
    )
    assert extract_utilization(doc) == []


def test_hpc_revenue_for_nine_months_is_year_to_date():
    doc = text_doc(
        "HPC hosting revenue was $7.3 million for the nine months ended September 30, 2025.", form="10-Q"
    )
    # "hosting" is how miners name bitcoin hosting: ambiguous lines stay out even next to HPC
    assert extract_utilization(doc) == []
    doc = text_doc("AI cloud revenue was $7.3 million for the nine months ended September 30, 2025.", form="10-Q")
    [record] = extract_utilization(doc)
    assert (record.hpc_revenue_usd, record.hpc_revenue_period, record.period_end) == (7_300_000.0, "year to date", "2025-09-30")


def test_bad_input_is_a_clear_error():
    with pytest.raises(BadInput, match="needs a parsed Document, not str"):
        extract_utilization("BTBT_10-K_2025-03-14.htm")  # type: ignore[arg-type]


# --- one vocabulary and one reading layer with the contract extractor --------------------------

CORPUS = __import__("pathlib").Path(__file__).resolve().parents[2] / "corpus" / "contracts"


def test_a_contract_announcement_is_not_a_utilization_disclosure():
    # The headline "Signs US$3.5bn, 200-Megawatt AI Hosting Deal" is a paragraph of its own: read
    # alone it states a contract's size (an HpcContract), not capacity contracted and in service.
    from ingest.parse import parse_path

    assert extract_utilization(parse_path(CORPUS / "CORZ_2024-06-03_coreweave-hpc-contracts.txt")) == []


def test_capitalised_hpc_words_count_as_hpc():
    text = ("As of December 31, 2024, the Company operated 12 MW of Critical IT capacity for High-Performance "
            "Computing customers at its Quebec facility.")
    [record] = extract_utilization(text_doc(text))
    assert (record.energized_mw, record.as_of) == (12.0, "2024-12-31")
