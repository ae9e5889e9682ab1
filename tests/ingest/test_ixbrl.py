"""Inline XBRL facts from a real CleanSpark 10-Q: scale, sign, formats, contexts, units, cover."""

from __future__ import annotations


import pytest

from ingest.ixbrl import apply_format, parse_date, parse_ixbrl, words_to_number


@pytest.fixture(scope="module")
def clsk_q(filings_dir):
    return parse_ixbrl((filings_dir / "CLSK_10-Q_2025-02-06.htm").read_bytes())


def _by_id(result, fact_id):
    return next(f for f in result.facts if f.fact_id == fact_id)


def test_stated_rate_scale_minus_two(clsk_q):
    fact = _by_id(clsk_q, "F_f8186835-7173-41a3-bdd6-0ae33d15cc12")
    assert fact.concept == "us-gaap:DebtInstrumentInterestRateStatedPercentage"
    assert fact.text == "6.75"
    assert fact.scale == -2
    assert fact.value == 0.0675
    assert fact.unit == "pure"
    assert fact.dimensions == {"us-gaap:BusinessAcquisitionAxis": "clsk:WesternAllianceBankCreditAgreementMember"}
    assert fact.instant is True and fact.period_end == "2024-08-14" and fact.period_start is None


def test_conversion_price_for_2030_notes(clsk_q):
    prices = [f for f in clsk_q.facts if f.concept == "us-gaap:DebtInstrumentConvertibleConversionPrice1"]
    assert [(f.value, f.unit, f.period_end) for f in prices] == [(14.8, "USD/shares", "2024-12-31")]
    assert prices[0].dimensions == {"us-gaap:ShortTermDebtTypeAxis": "clsk:TwoThousandThirtyConvertibleNoteMember"}


def test_sign_minus_and_scale_three(clsk_q):
    fact = _by_id(clsk_q, "F_3c226b2f-f35a-4a86-a114-268c024dcfd5")
    assert fact.concept == "us-gaap:CostsAndExpenses"
    assert (fact.text, fact.sign, fact.scale) == ("47,670", "-", 3)
    assert fact.value == -47670000
    deficit = _by_id(clsk_q, "F_e16d497e-124e-4db3-8550-31cff0fd7e45")
    assert deficit.value == -237568000


def test_face_amount_in_thousands(clsk_q):
    fact = _by_id(clsk_q, "F_008dc6ec-4a90-4a36-bb2a-09b50a4e7254")
    assert fact.concept == "us-gaap:DebtInstrumentFaceAmount"
    assert fact.value == 643000
    assert fact.unit == "USD"
    assert fact.decimals == "-3"


def test_maturity_date_transform(clsk_q):
    dates = {f.value for f in clsk_q.facts if f.concept == "us-gaap:DebtInstrumentMaturityDate"}
    assert "2029-08-14" in dates


def test_cover_facts(clsk_q):
    assert clsk_q.cover["TradingSymbol"] == "CLSK"
    assert clsk_q.cover["DocumentType"] == "10-Q"
    assert clsk_q.cover["DocumentPeriodEndDate"] == "2024-12-31"
    assert clsk_q.cover["EntityCentralIndexKey"] == "0000827876"
    assert clsk_q.cover["EntityRegistrantName"] == "CleanSpark, Inc."


def test_fact_count_and_no_exact_duplicates(clsk_q):
    keys = [(f.concept, f.context_id, f.unit, f.value) for f in clsk_q.facts if f.numeric]
    assert len(keys) == len(set(keys))
    assert len(clsk_q.facts) == 930


def test_duration_words_and_nil(filings_dir):
    result = parse_ixbrl((filings_dir / "BTBT_10-K_2025-03-14.htm").read_bytes())
    lease = next(f for f in result.facts if f.fact_id == "ixv-25033")
    assert (lease.concept, lease.text, lease.value) == ("btbt:LeaseTerm", "three years", 3.0)
    nil = next(f for f in result.facts if f.fact_id == "hidden-fact-1")
    assert nil.value is None


def test_text_block_truncated_and_continued(filings_dir):
    result = parse_ixbrl((filings_dir / "RIOT_10-Q_2025-05-01.htm").read_bytes())
    debt = next(f for f in result.facts if f.concept == "us-gaap:DebtDisclosureTextBlock")
    assert debt.text.startswith("Note 12. Debt")
    assert len(debt.text) == 2000 and debt.text.endswith("…")
    assert debt.numeric is False


@pytest.mark.parametrize("fmt,text,expected", [
    ("ixt:num-dot-decimal", "635,295", 635295.0),
    ("ixt:num-comma-decimal", "1.234,5", 1234.5),
    ("ixt:fixed-zero", "—", 0.0),
    ("ixt-sec:numwordsen", "two", 2.0),
    ("ixt-sec:numwordsen", "no", 0.0),
    ("ixt-sec:numwordsen", "none", 0.0),
    ("ixt:fixed-false", "", False),
    ("ixt:fixed-true", "", True),
    ("ixt-sec:boolballotbox", "☒", True),
    ("ixt-sec:boolballotbox", "☐", False),
    ("ixt:date-monthname-day-year-en", "August 14, 2029", "2029-08-14"),
    ("ixt:datemonthdayyearen", "March 1, 2030", "2030-03-01"),
    ("ixt:date-month-day-year", "08/14/2029", "2029-08-14"),
    ("ixt:date-day-monthname-year-en", "14 August 2029", "2029-08-14"),
    ("ixt:date-monthname-year-en", "June 2032", "2032-06"),
    ("ixt:date-month-day", "12/31", "--12-31"),
    ("ixt-sec:duryear", "5", 5.0),
    ("ixt-sec:durwordsen", "three years", 3.0),
    ("ixt-sec:stateprovnameen", "Nevada", "Nevada"),
])
def test_transforms(fmt, text, expected):
    numeric = not isinstance(expected, (str, bool))
    assert apply_format(fmt, text, numeric) == expected


def test_number_words():
    assert words_to_number("twenty-five") == 25
    assert words_to_number("one hundred") == 100
    assert words_to_number("blue") is None
    assert parse_date("date-monthname-day-year-en", "Febtober 40, 2020") is None


def test_not_ixbrl_gives_no_facts():
    assert parse_ixbrl(b"<html><body><p>Hello</p></body></html>").facts == []


def test_a_whole_10q_reads_every_fact(filings_dir):
    # Its speed is measured by scripts/benchmark.py, not asserted: timings on a shared machine are evidence, not checks.
    assert len(parse_ixbrl((filings_dir / "CLSK_10-Q_2024-05-09.htm").read_bytes()).facts) == 1189
