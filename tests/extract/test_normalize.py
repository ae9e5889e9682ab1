from __future__ import annotations

import pytest

from extract.normalize import (
    FloatingRate,
    find_dates,
    find_money,
    find_percents,
    has_blank_coupon,
    is_blank,
    maturity_date_from_text,
    maturity_from_text,
    parse_date,
    parse_duration,
    parse_money,
    parse_month_year,
    parse_number,
    parse_percent,
    parse_rate_text,
    word_number,
)


@pytest.mark.parametrize(
    ("text", "scale", "expected"),
    [
        ("$1.15 billion", 1, 1_150_000_000),
        ("$650.0 million", 1, 650_000_000),
        ("$1,000,000,000", 1, 1_000_000_000),
        ("US$400 million", 1, 400_000_000),
        ("US$400,000,000", 1, 400_000_000),
        ("$ 8,585", 1000, 8_585_000),
        ("8,585", 1000, 8_585_000),
        ("(1,234)", 1, -1234),
        ("$(1,234)", 1000, -1_234_000),
        ("$1 billion", 1, 1_000_000_000),
        ("US$461,625 thousand", 1, 461_625_000),
        ("$59M", 1, 59_000_000),
        ("$5.7 million", 1000, 5_700_000),  # the word beats the table's scale
        ("$19.16", 1, 19.16),
    ],
)
def test_parse_money(text: str, scale: float, expected: float) -> None:
    assert parse_money(text, scale=scale) == expected


@pytest.mark.parametrize("text", ["—", "-", "", "[•]", "$[•]", "n/a", "(1,234", "2030 Notes"])
def test_parse_money_refuses_what_is_not_one_amount(text: str) -> None:
    assert parse_money(text) is None


def test_find_money_spans_and_values_in_prose() -> None:
    text = (
        "pricing of its offering of $1.15 billion aggregate principal amount, plus up to an additional "
        "$150 million; an initial conversion price of approximately $19.16 per share; ($1,234) and "
        "($594.4 million principal less $14.4 million of costs)"
    )
    found = find_money(text)
    assert [v for v, _ in found] == [1_150_000_000, 150_000_000, 19.16, -1234, 594_400_000, 14_400_000]
    start, end = found[0][1]
    assert text[start:end] == "$1.15 billion"
    start, end = found[3][1]
    assert text[start:end] == "($1,234)"


def test_find_money_ignores_years_and_bare_numbers() -> None:
    assert find_money("notes due 2030 convertible into 52.1832 shares") == []


def test_find_money_applies_scale_only_without_a_word() -> None:
    found = find_money("we issued $650,000 aggregate principal and a $5.7 million note", scale=1000)
    assert [v for v, _ in found] == [650_000_000, 5_700_000]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.00%", 0.0), ("4.875 %", 4.875), ("0%", 0.0), ("13.80 percent", 13.8), ("(5.25%)", 5.25)],
)
def test_parse_percent(text: str, expected: float) -> None:
    assert parse_percent(text) == expected


@pytest.mark.parametrize("text", ["•%", "[•]%", "four percent", "4.00% notes due 2030"])
def test_parse_percent_refuses_blanks_and_prose(text: str) -> None:
    assert parse_percent(text) is None


def test_find_percents() -> None:
    assert find_percents("bear interest at 4.00% per year, a premium of approximately 27.50 percent") == [
        (4.0, (17, 22)),
        (27.5, (60, 73)),
    ]


@pytest.mark.parametrize(
    "text",
    ["February 15, 2032", "Feb. 15, 2032", "2032-02-15", "15 February 2032", "February 15 2032", "02/15/2032"],
)
def test_parse_date_spellings(text: str) -> None:
    assert parse_date(text) == "2032-02-15"


def test_parse_date_rejects_impossible_and_ambiguous() -> None:
    assert parse_date("February 30, 2032") is None
    assert parse_date("June 2031") is None
    assert parse_date("between March 1, 2030 and June 1, 2031") is None


def test_find_dates_in_order() -> None:
    text = "The offering is expected to close on November 13, 2025; the notes mature on Feb. 15, 2032."
    assert [d for d, _ in find_dates(text)] == ["2025-11-13", "2032-02-15"]
    iso, (start, end) = find_dates(text)[1]
    assert text[start:end] == "Feb. 15, 2032"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.00% Convertible Senior Notes due 2032", 2032),
        ("The notes will mature on March 1, 2030, unless earlier converted", 2030),
        ("The note matures in December 2035", 2035),
        ("The loan matures in April 2025", 2025),
        ("notes due in 2029", 2029),
        ("issued in December 2024 for $594.4 million", None),
    ],
)
def test_maturity_from_text(text: str, expected: int | None) -> None:
    assert maturity_from_text(text) == expected


def test_maturity_date_from_text() -> None:
    assert maturity_date_from_text("The notes will mature on June 1, 2031, unless earlier") == "2031-06-01"
    assert maturity_date_from_text("payable monthly, and matures on August 14, 2029") == "2029-08-14"
    assert maturity_date_from_text("The loan matures in April 2025") is None


def test_parse_month_year_table_abbreviation() -> None:
    assert parse_month_year("Apr-25") == (2025, 4)
    assert parse_month_year("matures in December 2035") == (2035, 12)
    assert parse_month_year("no date") is None


@pytest.mark.parametrize(
    ("text", "base", "spread"),
    [
        ("SOFR + 2.85%", "SOFR", 2.85),
        ("carry a per annum interest rate of 1.25% plus the Secured Overnight Financing Rate", "SOFR", 1.25),
        ("a variable interest rate equal to the 30 day Secured Overnight Financing Rate plus 3% per annum", "SOFR", 3.0),
        ("interest at the Floating Wall Street Journal Prime Rate plus 1.00% per annum", "Prime", 1.0),
        ("a variable interest rate of 9.0% plus a market-based reference rate", "reference rate", 9.0),
        ("350 basis points over SOFR", "SOFR", 3.5),
    ],
)
def test_parse_rate_text(text: str, base: str, spread: float) -> None:
    assert parse_rate_text(text) == FloatingRate(base, spread)


def test_parse_rate_text_fixed_rate_is_none_and_str_form() -> None:
    assert parse_rate_text("The notes will bear interest at a rate of 4.00% per year") is None
    assert str(FloatingRate("SOFR", 2.85)) == "SOFR + 2.85%"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("three", 3), ("eighteen", 18), ("twenty-four", 24), ("Thirty", 30), ("36", 36), ("a few", None)],
)
def test_word_number(text: str, expected: int | None) -> None:
    assert word_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a three-year term", (3, "year")),
        ("eighteen months", (18, "month")),
        ("repayable over a 24-month term", (24, "month")),
        ("a term of twenty-four months", (24, "month")),
        ("a two year term, 10% interest rate", (2, "year")),
        ("five (5) years", (5, "year")),
    ],
)
def test_parse_duration(text: str, expected: tuple[int, str]) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["[•]", "[ ]", "[__]", "•%", "$[•]", "[●] shares"])
def test_is_blank(text: str) -> None:
    assert is_blank(text)


def test_is_blank_false_for_terms() -> None:
    assert not is_blank("4.00% Convertible Senior Notes [Reserved]")
    assert not is_blank("(the “Notes”)")


def test_blank_coupon_in_a_preliminary_title() -> None:
    assert has_blank_coupon("We are offering $100,000,000 principal amount of our % Convertible Senior Notes due 2030")
    assert has_blank_coupon("[•]% Convertible Senior Notes due 2031")
    assert not has_blank_coupon("our 4.00% Convertible Senior Notes due 2030")


def test_parse_number() -> None:
    assert parse_number("52.1832") == 52.1832
    assert parse_number("1,000") == 1000
    assert parse_number("(3)") == -3
    assert parse_number("52.1832 shares") is None


def test_an_amount_written_in_full_is_not_multiplied_by_a_repeated_word() -> None:
    # DFDV_S-1_2025-12-18.txt: "issued to the Investors $41,950,000 million in aggregate principal amount of convertible notes"
    assert find_money("issued to the Investors $41,950,000 million in aggregate principal") == [(41_950_000.0, (24, 35))]
    # A number short of a million keeps its word: "$1,000 million" is a billion.
    assert find_money("$1,000 million of notes") == [(1_000_000_000.0, (0, 14))]
