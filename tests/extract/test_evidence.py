from __future__ import annotations

import pytest
from pydantic import BaseModel

from extract.evidence import check_consistency, states, verify
from extract.records import DebtInstrument, Evidence, HpcContract
from ingest.errors import BadInput

PRICING = "CLSK_8-K_2025-11-12.txt"


def _ev(field: str, quote: str, document: str = PRICING, locator: str = "EX-99.1") -> Evidence:
    return Evidence(field=field, document=document, locator=locator, quote=quote)


def test_gate_keeps_stated_values_and_drops_a_misread_amount(filing) -> None:
    doc = filing(PRICING)
    record = DebtInstrument(
        name="0.00% Convertible Senior Notes due 2032",
        kind="convertible",
        principal_usd=1.15,  # what a small LLM returns for "$1.15 billion"
        conversion_rate_per_1000=52.1832,
        maturity_date="2032-02-15",
        evidence=[
            _ev("principal_usd", "pricing of its offering of $1.15 billion aggregate principal amount of 0.00% Convertible Senior Notes due 2032"),
            _ev("conversion_rate_per_1000", "The conversion rate will initially be 52.1832 shares of common stock per $1,000 principal amount of Convertible Notes"),
            # quote characters, whitespace and case differ from the document: still found
            _ev("maturity_date", "The  Convertible Notes will mature on February 15, 2032"),
        ],
    )
    out = verify(record, doc)
    assert out.principal_usd is None
    assert out.conversion_rate_per_1000 == 52.1832
    assert out.maturity_date == "2032-02-15"
    assert {e.field for e in out.evidence} == {"conversion_rate_per_1000", "maturity_date"}
    assert out.warnings == ["dropped principal_usd=1.15: quote not found in document or does not state the value"]


def test_gate_drops_an_invented_quote_and_a_value_without_evidence(filing) -> None:
    doc = filing(PRICING)
    record = DebtInstrument(
        name="notes",
        kind="convertible",
        coupon_pct=4.0,
        option_usd=150_000_000,
        evidence=[_ev("coupon_pct", "The notes will bear interest at a rate of 4.00% per year")],
    )
    out = verify(record, doc)
    assert (out.coupon_pct, out.option_usd, out.evidence) == (None, None, [])
    assert len(out.warnings) == 2


def test_gate_reads_zero_coupon_from_no_regular_interest(filing) -> None:
    doc = filing(PRICING)
    quote = "The Convertible Notes will not bear regular interest, and the principal amount of the Convertible Notes will not accrete."
    out = verify(DebtInstrument(name="n", kind="convertible", coupon_pct=0.0, evidence=[_ev("coupon_pct", quote)]), doc)
    assert out.coupon_pct == 0.0


def test_gate_checks_the_document_name(filing) -> None:
    doc = filing(PRICING)
    quote = "The conversion rate will initially be 52.1832 shares of common stock per $1,000 principal amount"
    record = DebtInstrument(name="n", kind="convertible", conversion_rate_per_1000=52.1832,
                            evidence=[_ev("conversion_rate_per_1000", quote, document="OTHER.txt")])
    assert verify(record, doc).conversion_rate_per_1000 is None


def test_gate_accepts_a_named_xbrl_fact_with_that_value(filing) -> None:
    doc = filing("RIOT_10-K_2025-02-27.htm")
    fact = next(f for f in doc.facts if f.concept == "us-gaap:DebtInstrumentConvertibleConversionPrice1")
    assert fact.value == 14.86
    good = Evidence(field="conversion_price_usd", document=doc.file, locator=f"xbrl {fact.fact_id} {fact.concept}", quote=fact.text)
    kept = verify(DebtInstrument(name="n", kind="convertible", conversion_price_usd=14.86, evidence=[good]), doc)
    wrong = verify(DebtInstrument(name="n", kind="convertible", conversion_price_usd=18.0, evidence=[good]), doc)
    assert (kept.conversion_price_usd, wrong.conversion_price_usd) == (14.86, None)


def test_gate_is_generic_over_records(filing) -> None:
    doc = filing(PRICING)
    contract = HpcContract(counterparty="Initial Purchasers", capacity_mw=200.0,
                           evidence=[_ev("capacity_mw", "a 13-day option to purchase up to an additional $150 million")])
    out = verify(contract, doc)
    assert out.capacity_mw is None
    assert out.counterparty == "Initial Purchasers"


def test_gate_refuses_a_record_without_evidence(filing) -> None:
    class Bare(BaseModel):
        value: float | None = None

    with pytest.raises(BadInput, match="has no evidence field"):
        verify(Bare(value=1.0), filing(PRICING))


@pytest.mark.parametrize(
    ("quote", "field", "value", "expected"),
    [
        ("The Company received a loan of $20,000 at closing", "principal_usd", 20_000_000, True),  # table in thousands
        ("US$400,000,000 ... or up to US$460,000,000 if ... exercise in full their option", "option_usd", 60_000_000, True),
        # A derived total: "an additional US$45.0 million ... private placement of US$330.0 million".
        ("an additional US$45.0 million ... of US$330.0 million principal amount of notes", "principal_usd", 375_000_000, True),
        ("US$45.0 million ... of US$330.0 million principal amount of notes", "principal_usd", 375_000_000, False),
        ("The notes are senior unsecured obligations of the Company.", "secured", False, True),
        ("The notes are senior unsecured obligations of the Company.", "secured", True, False),
        ("The aircraft is pledged as collateral for the note.", "secured", True, True),
        ("The note matures in December 2035", "maturity_year", 2035, True),
        ("Master Equipment Financing Arrangement Apr-25 13.80%", "maturity_year", 2025, True),
        ("carry a per annum interest rate of 1.25% plus the Secured Overnight Financing Rate", "rate_text", "SOFR + 1.25%", True),
        ("a two year term", "term_years", 2, True),
    ],
)
def test_states(quote: str, field: str, value: object, expected: bool) -> None:
    assert states(quote, field, value) is expected


def test_consistency_flags_but_keeps_values() -> None:
    record = DebtInstrument(
        name="n", kind="convertible", conversion_rate_per_1000=52.1832, conversion_price_usd=25.0,
        issue_date="2032-03-01", maturity_date="2032-02-15", coupon_pct=25.0,
        principal_usd=650_000, carrying_value_usd=633_812_000,
    )
    out = check_consistency(record)
    assert out.conversion_price_usd == 25.0 and out.coupon_pct == 25.0
    assert out.warnings == [
        "conversion rate 52.1832 x price 25.0 = 1304.58, not about 1,000",
        "maturity 2032-02-15 is not after issue 2032-03-01",
        "coupon 25.0% outside 0-20%",
        "carrying amount 633,812,000 exceeds face amount 650,000",
    ]


def test_consistency_passes_real_terms() -> None:
    record = DebtInstrument(name="n", kind="convertible", conversion_rate_per_1000=52.1832, conversion_price_usd=19.16,
                            issue_date="2025-11-13", maturity_date="2032-02-15", maturity_year=2032, coupon_pct=0.0)
    assert check_consistency(record).warnings == []
