"""Debt instruments from 10-Q/10-K inline XBRL, asserted against values in the real filings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extract.debt_xbrl import current_period, debt_from_filing_notes, long_date, member_words
from extract.evidence import verify
from ingest.parse import parse_path
from ingest.types import Document, Filing, Part, XbrlFact

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def filings() -> Path:
    return Path(os.environ.get("MINERLENS_FILINGS_DIR", REPO.parent / "shared" / "filings"))


@pytest.fixture(scope="module")
def clsk_q1_fy25(filings):
    doc = parse_path(filings / "CLSK_10-Q_2025-02-06.htm")
    return doc, {i.xbrl_member: i for i in debt_from_filing_notes(doc)}


@pytest.fixture(scope="module")
def riot_10k(filings):
    doc = parse_path(filings / "RIOT_10-K_2025-02-27.htm")
    return doc, {i.xbrl_member: i for i in debt_from_filing_notes(doc)}


def test_member_words_spell_years_and_split_camel_case():
    assert member_words("clsk:TwoThousandThirtyConvertibleNoteMember") == ["2030", "Convertible", "Note"]
    assert member_words("clsk:CoinbaseLineOfCreditMember") == ["Coinbase", "Line", "Of", "Credit"]


def test_long_date_is_written_the_filing_way():
    assert long_date("2024-08-14") == "August 14, 2024"


def test_clsk_2030_convertible_terms_from_xbrl(clsk_q1_fy25):
    doc, found = clsk_q1_fy25
    notes = found["clsk:ConvertibleNoteMember"]  # the table row, merged with the 2030 Notes member
    assert notes.kind == "convertible"
    assert notes.principal_usd == 650_000_000
    assert notes.conversion_price_usd == 14.8
    # Tagged as CommonStockSharesIssued; accepted because 67.5858 x $14.80 ~ $1,000.
    assert notes.conversion_rate_per_1000 == 67.5858
    assert notes.coupon_pct == 0.0
    assert notes.maturity_year == 2030  # "Jun-30" in the debt table
    assert notes.carrying_value_usd == 633_812_000
    # "at least $75,000 ... outstanding" is a redemption threshold, not the balance.
    assert notes.outstanding_usd == 650_000_000
    assert notes.outstanding_as_of == "2024-12-31"


def test_clsk_loans_filed_under_business_acquisition_axis(clsk_q1_fy25):
    _, found = clsk_q1_fy25
    coinbase = found["clsk:CoinbaseLineOfCreditMember"]
    assert (coinbase.name, coinbase.kind) == ("Coinbase Line of Credit", "credit_facility")
    assert coinbase.principal_usd == 50_000_000
    assert coinbase.outstanding_usd == 0
    assert coinbase.coupon_pct == 8.5
    assert coinbase.issue_date == "2024-08-07"
    western = found["clsk:WesternAllianceBankCreditAgreementMember"]
    assert western.principal_usd == 7_000_000
    assert western.outstanding_usd == 6_731_000
    assert western.maturity_date == "2029-08-14"
    assert western.coupon_pct is None  # SOFR + 3%: floating, the 6.75% is the swapped rate
    trinity = found["clsk:TrinityMasterEquipmentFinancingArrangementMember"]
    assert trinity.outstanding_usd == 3_449_000  # stated principal beats the 3,417 carrying amount
    assert trinity.coupon_pct == 13.8
    assert trinity.issue_date == "2022-04-22"


def test_lender_side_loans_equity_atm_and_hedges_are_not_debt(clsk_q1_fy25):
    _, found = clsk_q1_fy25
    members = set(found)
    assert "clsk:AmendedAndRestatedGriidCreditAgreementMember" not in members  # CleanSpark lent it
    assert not any("Atm" in m or "ATM" in m for m in members)
    assert "clsk:CappedCallsMember" not in members
    assert len(found) == 7


def test_riot_convertible_from_class_member(riot_10k):
    _, found = riot_10k
    notes = found["us-gaap:ConvertibleNotesPayableMember"]
    assert notes.principal_usd == 594_400_000
    assert notes.coupon_pct == 0.75  # scale="-2" fact 0.0075
    assert notes.conversion_rate_per_1000 == 67.2767
    assert notes.conversion_price_usd == 14.86
    assert notes.carrying_value_usd == 579_300_000
    assert notes.outstanding_usd == 594_400_000


def test_riot_note_payable_class_member_merges_into_the_acquisition_loan(riot_10k):
    _, found = riot_10k
    assert "us-gaap:NotesPayableOtherPayablesMember" not in found
    block = found["riot:BlockMiningIncMember"]
    assert block.coupon_pct == 8.81
    assert block.issue_date is None  # the acquisition date is not the note's issue date


def test_comparative_only_instruments_are_dropped(filings):
    doc = parse_path(filings / "CLSK_10-Q_2024-05-09.htm")
    found = {i.xbrl_member: i for i in debt_from_filing_notes(doc)}
    assert current_period(doc) == "2024-03-31"
    # The Trinity lender member only has 2022 facts: it is merged nowhere and not reported alone.
    assert "clsk:TrinityCapitalIncMember" not in found
    master = found["clsk:MasterEquipmentFinancingArrangmentMember"]
    assert master.outstanding_usd == 8_585_000  # principal from the maturity table total
    assert master.carrying_value_usd == 8_496_000
    assert found["clsk:MortgageCorporateFacilityMember"].outstanding_usd == 2_000_000


def test_every_value_survives_the_evidence_gate(clsk_q1_fy25, riot_10k):
    for doc, found in (clsk_q1_fy25, riot_10k):
        for inst in found.values():
            checked = verify(inst, doc)
            assert [w for w in checked.warnings if w.startswith("dropped")] == [], inst.name
            assert all(e.quote for e in checked.evidence)


def test_xbrl_evidence_names_the_fact_and_quotes_its_row(clsk_q1_fy25):
    doc, found = clsk_q1_fy25
    mortgage = found["clsk:MortgageCorporateFacilityMember"]
    carrying = [e for e in mortgage.evidence if e.field == "carrying_value_usd" and e.locator.startswith("xbrl")]
    assert carrying[0].locator.endswith("us-gaap:DebtInstrumentCarryingAmount")
    assert carrying[0].quote.startswith("Mortgage - Corporate Facility")
    assert "1,989" in carrying[0].quote


def _synthetic(facts: list[XbrlFact], form: str = "10-Q") -> Document:
    part = Part(type=form, sequence=1, filename="x.htm", description="", text="Term Loan 5.00%", facts=facts)
    return Document(file="x.htm", sha256="0", format="html", filing=Filing(form=form, period="2025-03-31"), parts=[part])


def _fact(concept: str, value, end: str, member: str = "x:TermLoanMember", **kw) -> XbrlFact:
    return XbrlFact(concept=concept, value=value, text=str(value), fact_id=None, context_id="c", period_start=None,
                    period_end=end, instant=True, dimensions={"us-gaap:LongtermDebtTypeAxis": member}, **kw)


def test_comparative_period_values_are_never_taken():
    doc = _synthetic([
        _fact("us-gaap:DebtInstrumentCarryingAmount", 900.0, "2024-12-31"),
        _fact("us-gaap:DebtInstrumentCarryingAmount", 800.0, "2025-03-31"),
        XbrlFact(concept="us-gaap:Cash", value=5.0, text="5", fact_id=None, context_id="d", period_start=None,
                 period_end="2024-12-31", instant=True),
    ])
    (loan,) = debt_from_filing_notes(doc)
    assert loan.carrying_value_usd == 800.0


def test_no_facts_no_instruments():
    assert debt_from_filing_notes(_synthetic([], form="8-K")) == []


def test_a_face_amount_shown_as_up_to_is_a_commitment_not_a_balance(filings):
    # CEPO tags "the Sponsor has agreed to lend us up to $3,000,000" as DebtInstrumentFaceAmount
    # at the balance-sheet date; no such sum is owed ("the Company had no borrowings").
    doc = parse_path(filings / "CEPO_10-Q_2025-08-14.txt")
    loans = {i.xbrl_member: i for i in debt_from_filing_notes(doc)}["cepo:RelatedPartyLoansMember"]
    assert (loans.principal_usd, loans.outstanding_usd) == (3_000_000, None)
    assert any("agreed to lend us up to $3,000,000" in e.quote for e in loans.evidence if e.field == "principal_usd")
