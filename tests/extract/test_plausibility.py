"""Plausibility before a value is stored: impossible values dropped with their quote, conflicts flagged with both."""

from __future__ import annotations

from extract.debt import extract_debt
from extract.plausibility import check_plausible
from extract.records import DebtInstrument, Evidence


def _ev(field: str, quote: str) -> Evidence:
    return Evidence(field=field, document="d", locator="8-K", quote=quote)


def test_denomination_dropped_as_principal_with_its_quote() -> None:
    quote = "PIPE noteholders of each $1,000 principal amount received 10.2669 warrants"
    record = DebtInstrument(name="2.5% Convertible Notes due 2030", kind="convertible", principal_usd=1000.0, coupon_pct=2.5,
                            evidence=[_ev("principal_usd", quote), _ev("coupon_pct", "2.5% Convertible Notes due 2030")])
    out = check_plausible(record)
    assert out.principal_usd is None and out.coupon_pct == 2.5
    assert [e.field for e in out.evidence] == ["coupon_pct"]
    assert out.warnings[0].startswith("dropped principal_usd=1000.0: the quote states a denomination")
    assert "each $1,000 principal amount" in out.warnings[0]


def test_impossible_coupon_and_dates_dropped_conflicts_kept_with_both_quotes() -> None:
    record = DebtInstrument(
        name="n", kind="convertible", coupon_pct=25.0, issue_date="2032-03-01", maturity_date="2032-02-15",
        conversion_rate_per_1000=52.1832, conversion_price_usd=25.0, principal_usd=100.0, outstanding_usd=150.0,
        evidence=[_ev("conversion_rate_per_1000", "52.1832 shares per $1,000"), _ev("conversion_price_usd", "price of $25.00 per share")],
    )
    out = check_plausible(record)
    assert (out.coupon_pct, out.issue_date, out.maturity_date) == (None, None, "2032-02-15")
    assert (out.conversion_rate_per_1000, out.conversion_price_usd) == (52.1832, 25.0)
    conflicts = [w for w in out.warnings if w.startswith("conflict:")]
    assert conflicts[0] == ("conflict: conversion rate 52.1832 x price 25.0 = 1304.58, not within 1% of 1,000; "
                            "conversion_rate_per_1000 “52.1832 shares per $1,000” vs conversion_price_usd “price of $25.00 per share”")
    assert conflicts[1].startswith("conflict: outstanding 150 exceeds principal plus option 100")


def test_real_terms_pass(filing) -> None:
    # CLSK_8-K_2025-11-12.txt: 52.1832 x $19.16 = 999.83, within 1% of $1,000
    notes = next(i for i in extract_debt(filing("CLSK_8-K_2025-11-12.txt")) if i.maturity_year == 2032)
    assert notes.warnings == [] and notes.conversion_price_usd == 19.16


def test_pass_through_per_1000_is_no_principal_in_a_real_filing(filing) -> None:
    # DFDV_8-K_2025-11-13.txt only names both notes; "each $1,000 principal amount" is a denomination.
    found = {i.name: i for i in extract_debt(filing("DFDV_8-K_2025-11-13.txt"))}
    assert found["2.5% Convertible Notes due 2030"].principal_usd is None
    assert found["5.50% Convertible Senior Notes due 2030"].principal_usd is None
    assert found["2.5% Convertible Notes due 2030"].coupon_pct == 2.5
