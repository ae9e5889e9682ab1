"""Term grammar (extract/terms.py) on sentences as real filings write them, and stablecoin amounts."""

from __future__ import annotations

from extract.normalize import find_money
from extract.terms import find_conversion_price, find_conversion_rate, find_coupon, in_denomination, states_denomination

# DJT_8-K_2025-12-18.txt, EX-2.1 Section 5.2
DJT_CAPITALIZATION = (
    "As of the Capitalization Date, there were $983,505,000 aggregate principal amount of Parent Convertible Notes issued and "
    "outstanding, which are convertible, as of the Capitalization Date, into 28.8 shares of Parent Common Stock per $1,000 "
    "principal amount of Parent Convertible Notes on the terms and conditions set forth in the Parent Convertible Notes Indenture"
)


def test_conversion_rate_with_one_decimal_and_a_named_class_of_stock() -> None:
    rate = find_conversion_rate(DJT_CAPITALIZATION)
    assert rate is not None and rate[0] == 28.8
    assert DJT_CAPITALIZATION[rate[1][0] : rate[1][1]] == "28.8"


def test_initial_rate_kept_beside_an_adjusted_one() -> None:
    text = ("The conversion rate was adjusted to 14.4580 shares per $1,000 principal amount following the stock split; "
            "the initial conversion rate was 28.9159 shares of common stock per $1,000 principal amount")
    assert find_conversion_rate(text)[0] == 28.9159


def test_denomination_is_never_a_principal() -> None:
    # DFDV_8-K_2025-11-13.txt, EX-99.4
    text = "PIPE noteholders of each $1,000 principal amount received 10.2669 warrants, rounded down to the nearest whole number for any fractional warrant."
    (value, span), = find_money(text)
    assert value == 1000 and in_denomination(span, text)
    assert states_denomination(text, 1000.0)
    assert not in_denomination(find_money(DJT_CAPITALIZATION)[0][1], DJT_CAPITALIZATION)


def test_coupon_sentence_shapes() -> None:
    # DFDV_424B3_2025-11-03.txt: a loan fee charged per annum is the loan's rate
    assert find_coupon("On July 25, 2025, the parties agreed to a loan request for 75,000 Solana at a loan fee amount of 12.5% per annum "
                       "and a maturity date of November 25, 2025.")[0] == 12.5
    # DFDV_S-1_2025-12-18.txt
    assert find_coupon("The Notes accrue interest at a rate of 2.5% per year, paid in cash quarterly in arrears")[0] == 2.5
    # DJT_8-K_2025-12-18.txt, EX-10.1
    assert find_coupon("plus PIK Interest (as defined below), if applicable, with simple interest on the outstanding principal amount "
                       "at the rate of 7% per annum")[0] == 7.0
    # CLSK_10-Q_2024-05-09.htm: a commitment fee is not a coupon
    assert find_coupon("agreed with the Lender that the related 1% loan commitment fee for the unused portion would be refunded") is None
    assert find_coupon("an unused commitment fee of 0.25% per annum on the undrawn amount") is None
    # FGNX_8-K_2025-11-04.txt: a borrow fee is digital-asset lending's annual rate, "per annum" or not
    assert find_coupon("The October 2025 LTS provided for a $10,000,000 loan with a Borrow Fee of 7.9% (the “October Loan”).")[0] == 7.9
    # our own sentence: a loan fee without "per annum" may be paid once, so it is not a coupon
    assert find_coupon("The lender charged a loan fee of 1.0% at closing.") is None


def test_conversion_price_sentence_shapes() -> None:
    # DFDV_S-1_2025-12-18.txt
    assert find_conversion_price("The conversion price has been set at $9.74, the last reported sale price of the Common Stock")[0] == 9.74
    # CLSK_8-K_2025-11-12.txt
    assert find_conversion_price("an initial conversion price of approximately $19.16 per share")[0] == 19.16
    assert find_conversion_price("the cap price of the capped call transactions is $38.32 per share") is None


def test_dollar_stablecoins_are_dollars_other_tokens_are_not() -> None:
    assert find_money("a loan of 500,000,000 USDT at 8% per annum") == [(500_000_000.0, (10, 26))]
    assert find_money("USDC 25 million") == [(25_000_000.0, (0, 15))]
    assert find_money("a loan request for 75,000 Solana") == [] and find_money("75,000 SOL") == []
