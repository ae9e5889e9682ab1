"""Company figures from the real 10-Qs/10-K (values from ../shared/filings/labels.jsonl), from
earnings releases and capitalization tables, and from small hand-built documents for each trap."""

from __future__ import annotations

import pytest

from extract.figures import extract_figures
from ingest.errors import BadInput
from ingest.types import Document, Filing, Part, Table, XbrlFact

FIELDS = (
    "period_end", "cash_usd", "total_debt_usd",
    "interest_expense_usd", "interest_expense_usd_ytd",
    "operating_income_usd", "operating_income_usd_ytd",
    "depreciation_amortization_usd", "depreciation_amortization_usd_ytd",
    "btc_holdings",
)  # fmt: skip

# Labels' company_figures. In a first quarter the three months are the year to date, so `_ytd`
# repeats the quarter; a 10-K puts the year in `_ytd` and tags no fourth quarter.
EXPECTED = {
    "CLSK_10-Q_2024-05-09.htm": ("2024-03-31", 323_052_000, 12_776_000, 526_000, 1_072_000,
                                 137_121_000, 165_632_000, 32_187_000, 62_034_000, 5021),
    "CLSK_10-Q_2025-02-06.htm": ("2024-12-31", 276_599_000, 648_648_000, 1_559_000, 1_559_000,
                                 209_976_000, 209_976_000, 66_229_000, 66_229_000, 9952),
    "RIOT_10-K_2025-02-27.htm": ("2024-12-31", 277_860_000, 584_625_000, None, 1_985_000,
                                 None, 153_590_000, None, 212_053_000, 17722),
    "RIOT_10-Q_2025-05-01.htm": ("2025-03-31", 163_719_000, 585_313_000, 2_308_000, 2_308_000,
                                 -233_874_000, -233_874_000, 77_926_000, 77_926_000, 19223),
    "BTBT_10-K_2025-03-14.htm": ("2024-12-31", 95_201_335, 0, None, None,
                                 None, 27_563_264, None, 32_311_056, 741.9),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_filing_figures_match_the_labels(filing, name):
    figures = extract_figures(filing(name))
    got = tuple(getattr(figures, f) for f in FIELDS)
    assert got == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_figure_keeps_evidence_from_its_document(filing, name):
    figures = extract_figures(filing(name))
    cited = {ev.field for ev in figures.evidence}
    for field in FIELDS:
        if getattr(figures, field) is not None and field != "period_end":
            assert field in cited, field
    assert {ev.document for ev in figures.evidence} == {name}


def _evidence(figures, field):
    return [ev for ev in figures.evidence if ev.field == field]


def test_quarter_and_year_to_date_come_from_their_own_facts(filing):
    figures = extract_figures(filing("CLSK_10-Q_2024-05-09.htm"))
    (quarter,) = _evidence(figures, "interest_expense_usd")
    (ytd,) = _evidence(figures, "interest_expense_usd_ytd")
    assert quarter.locator.startswith("xbrl ") and quarter.locator.endswith("us-gaap:InterestExpense")
    assert quarter.locator != ytd.locator
    assert quarter.quote == "Interest expense (526) (799) (1,072) (1,688)"


def test_cash_falls_back_to_cash_including_restricted_cash(filing):
    figures = extract_figures(filing("CLSK_10-Q_2024-05-09.htm"))
    (ev,) = _evidence(figures, "cash_usd")
    assert ev.locator.endswith("us-gaap:CashCashEquivalentsRestrictedCashAndRestrictedCashEquivalents")
    assert ev.quote == "Cash and cash equivalents, including restricted cash $ 323,052 $ 29,215"


def test_total_debt_is_the_balance_sheet_lines_not_a_total_nor_its_duplicate(filing):
    # CLSK tags LongTermDebt and LongTermLoansPayable on the same 641,433 line and LoansPayable
    # (664,966 gross principal) as a total: neither may be added again.
    figures = extract_figures(filing("CLSK_10-Q_2025-02-06.htm"))
    quotes = [ev.quote for ev in _evidence(figures, "total_debt_usd")]
    assert quotes == [
        "Current portion of loans payable 7,215 58,781",
        "Loans payable, net of current portion, debt discount and debt issuance costs 641,433 7,176",
    ]


def test_riot_long_term_debt_fact_for_one_note_is_not_the_total(filing):
    # us-gaap:LongTermDebt 5,323 is the Block Mining note only; the balance sheet lines sum to 584,625.
    figures = extract_figures(filing("RIOT_10-K_2025-02-27.htm"))
    concepts = sorted(ev.locator.split()[-1] for ev in _evidence(figures, "total_debt_usd"))
    assert concepts == ["us-gaap:LongTermDebtCurrent", "us-gaap:LongTermDebtNoncurrent"]


def test_interest_expense_tagged_as_other_nonoperating_expense(filing):
    figures = extract_figures(filing("RIOT_10-K_2025-02-27.htm"))
    (ev,) = _evidence(figures, "interest_expense_usd_ytd")
    assert ev.locator.endswith("us-gaap:OtherNonoperatingExpense")
    assert ev.quote.startswith("Interest expense") and "1,985" in ev.quote
    assert figures.warnings == [
        "interest expense read from the statement row 'Interest expense' tagged us-gaap:OtherNonoperatingExpense"
    ]


def test_debt_concept_on_a_liabilities_row_is_not_debt(filing):
    # Bit Digital tags "Other long-term liabilities" 785,372 as us-gaap:OtherLongTermDebtNoncurrent.
    figures = extract_figures(filing("BTBT_10-K_2025-03-14.htm"))
    assert figures.total_debt_usd == 0
    assert any("OtherLongTermDebtNoncurrent 785,372" in w and "Other long-term liabilities" in w for w in figures.warnings)


def test_btc_count_tagged_in_thousands_of_usd_is_fixed_from_the_text(filing):
    figures = extract_figures(filing("CLSK_10-Q_2025-02-06.htm"))
    (ev,) = _evidence(figures, "btc_holdings")
    assert ev.quote == "As of December 31, 2024, we held 9,952 bitcoins."
    assert figures.warnings == [
        "clsk:NumberOfBitcoinsHeld tagged 9,952,000 USD (scale 3); the text states 9,952 bitcoin, used instead"
    ]


def test_btc_count_tagged_as_text_with_a_bitcoin_member(filing):
    figures = extract_figures(filing("BTBT_10-K_2025-03-14.htm"))
    (ev,) = _evidence(figures, "btc_holdings")
    assert ev.locator.endswith("btbt:QuantityOfBitcoin")
    assert ev.quote == "BTC 741.9 $ 43,935,614 $ 69,319,731"


def test_larger_d_and_a_line_wins_over_depreciation_of_property_alone(filing):
    # Riot FY2024: DepreciationDepletionAndAmortization 206.2 million in a note, the statements 212,053K.
    figures = extract_figures(filing("RIOT_10-K_2025-02-27.htm"))
    (ev,) = _evidence(figures, "depreciation_amortization_usd_ytd")
    assert ev.locator.endswith("us-gaap:DepreciationAndAmortization")


# ---------------------------------------------------------------------------------------------
# Earnings releases and capitalization tables (no financial XBRL)


def test_earnings_release_balance_sheet_in_thousands(filing):
    figures = extract_figures(filing("CLSK_8-K_2025-11-25.txt"))
    assert (figures.period_end, figures.cash_usd, figures.total_debt_usd) == ("2025-09-30", 42_966_000, None)
    (ev,) = _evidence(figures, "cash_usd")
    assert ev.quote == "Cash and cash equivalents $ 42,966 $ 121,222"


def test_earnings_release_prose(filing):
    figures = extract_figures(filing("BTBT_8-K_2025-11-14.txt"))
    assert (figures.period_end, figures.cash_usd) == ("2025-09-30", 179_100_000)
    (ev,) = _evidence(figures, "cash_usd")
    assert ev.quote == "Cash and cash equivalents totaled $179.1 million as of September 30, 2025"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BTDR_424B5_2025-11-12.txt", ("2025-09-30", 196_252_000, 1_263_112_000)),
        ("BTBT_424B5_2025-09-29.txt", ("2025-06-30", 181_165_847, None)),
        ("BTBT_424B5_2025-10-01.txt", ("2025-06-30", 181_165_847, None)),
    ],
)
def test_capitalization_table_actual_column(filing, name, expected):
    figures = extract_figures(filing(name))
    assert (figures.period_end, figures.cash_usd, figures.total_debt_usd) == expected


@pytest.mark.parametrize("name", ["MARA_8-K_2024-11-21.htm", "CLSK_8-K_2024-05-09.htm", "BTDR_424B5_2025-11-13.txt"])
def test_document_without_figures_gives_none(filing, name):
    assert extract_figures(filing(name)) is None


# ---------------------------------------------------------------------------------------------
# Hand-built documents: one trap each


def _fact(concept, value, *, end="2025-06-30", start=None, unit="USD", dims=None, text=None, fid=None, scale=0):
    return XbrlFact(concept=concept, value=value, text=text if text is not None else f"{abs(value):,.0f}",
                    fact_id=fid or f"f-{concept.split(':')[-1]}-{start}-{end}", context_id="c", period_start=start,
                    period_end=end, instant=start is None, dimensions=dims or {}, unit=unit, scale=scale,
                    numeric=not isinstance(value, str))


def _doc(facts, *, text="", rows=(), form="10-Q"):
    cover = XbrlFact(concept="dei:DocumentPeriodEndDate", value="June 30, 2025", text="June 30, 2025", fact_id="dei1",
                     context_id="d", period_start="2025-01-01", period_end="2025-06-30", instant=False, numeric=False)
    doc_type = XbrlFact(concept="dei:DocumentType", value=form, text=form, fact_id="dei2", context_id="d",
                        period_start="2025-01-01", period_end="2025-06-30", instant=False, numeric=False)
    body = "For the period ended June 30, 2025\n" + text + "\n" + "\n".join(" | ".join(r) for r in rows)
    part = Part(type=form, sequence=1, filename="x.htm", description="", text=body,
                tables=[Table(start=0, end=len(body), rows=[list(r) for r in rows])] if rows else [],
                facts=[cover, doc_type, *facts])
    return Document(file="x.htm", sha256="0" * 64, format="html", filing=Filing(form=form), parts=[part])


def test_comparative_and_dimensioned_facts_are_ignored():
    doc = _doc([
        _fact("us-gaap:CashAndCashEquivalentsAtCarryingValue", 900, end="2024-12-31"),
        _fact("us-gaap:CashAndCashEquivalentsAtCarryingValue", 700, dims={"srt:ConsolidatedEntitiesAxis": "x:SubMember"}),
        _fact("us-gaap:CashAndCashEquivalentsAtCarryingValue", 500),
        _fact("us-gaap:OperatingIncomeLoss", -40, start="2024-04-01", end="2024-06-30"),
        _fact("us-gaap:OperatingIncomeLoss", -30, start="2025-04-01"),
        _fact("us-gaap:OperatingIncomeLoss", -70, start="2025-01-01"),
    ])
    figures = extract_figures(doc)
    assert (figures.cash_usd, figures.operating_income_usd, figures.operating_income_usd_ytd) == (500, -30, -70)


def test_annual_report_keeps_a_tagged_fourth_quarter_apart_from_the_year():
    cover = [
        _fact("us-gaap:InterestExpense", 12, start="2025-04-01"),
        _fact("us-gaap:InterestExpense", 40, start="2024-07-01"),
    ]
    doc = _doc(cover, form="10-K")
    doc.parts[0].facts[0].period_start = "2024-07-01"  # the cover's fiscal year
    figures = extract_figures(doc)
    assert (figures.interest_expense_usd, figures.interest_expense_usd_ytd) == (12, 40)


def test_total_and_its_parts_are_not_counted_twice():
    doc = _doc([
        _fact("us-gaap:LongTermDebt", 1_100),
        _fact("us-gaap:LongTermDebtCurrent", 100),
        _fact("us-gaap:LongTermDebtNoncurrent", 1_000),
        _fact("us-gaap:LineOfCredit", 50),
        _fact("us-gaap:OperatingLeaseLiabilityNoncurrent", 75),
    ], rows=[("Line of credit", "50"), ("Current portion of long-term debt", "100"), ("Long-term debt, net", "1,000")])
    assert extract_figures(doc).total_debt_usd == 1_150


def test_a_total_alone_is_used_when_no_line_is_tagged():
    doc = _doc([_fact("us-gaap:LongTermDebt", 3_247_561_000)], rows=[("Long-term debt", "3,247,561")])
    assert extract_figures(doc).total_debt_usd == 3_247_561_000


def test_btc_count_in_usd_without_text_confirmation_is_left_out_and_flagged():
    doc = _doc([
        _fact("us-gaap:CashAndCashEquivalentsAtCarryingValue", 500),
        _fact("abc:NumberOfBitcoinsHeld", 1_234_000, text="1,234", scale=3),
    ], text="As of June 30, 2025, we held 1,300 bitcoins.")
    figures = extract_figures(doc)
    assert figures.btc_holdings is None
    assert figures.warnings == [
        "abc:NumberOfBitcoinsHeld = 1,234,000 USD is not a plausible bitcoin count; the text states 1,300 instead: left out"
    ]
    doc.parts[0].text = "For the period ended June 30, 2025"
    assert extract_figures(doc).warnings == [
        "abc:NumberOfBitcoinsHeld = 1,234,000 USD is not a plausible bitcoin count; not confirmed by the text: left out"
    ]


def test_btc_text_at_another_date_is_not_the_period_count():
    doc = _doc([_fact("us-gaap:CashAndCashEquivalentsAtCarryingValue", 500)],
               text="As of July 31, 2025, we held 1,400 bitcoins. As of June 30, 2025, the Company held approximately 1,350 BTC.")
    assert extract_figures(doc).btc_holdings == 1_350


def test_other_coins_are_not_bitcoin():
    doc = _doc([
        _fact("us-gaap:CashAndCashEquivalentsAtCarryingValue", 500),
        _fact("us-gaap:CryptoAssetNumberOfUnits", 99_936, unit="ETH", dims={"srt:CryptoAssetAxis": "x:EthMember"}),
        _fact("us-gaap:CryptoAssetNumberOfUnits", 5_606, unit="Bitcoins",
              dims={"us-gaap:PropertyPlantAndEquipmentByTypeAxis": "x:MinersSoldMember"}),
        _fact("us-gaap:CryptoAssetNumberOfUnits", 420, unit="BTC", dims={"srt:CryptoAssetAxis": "x:BitcoinMember"}),
    ])
    assert extract_figures(doc).btc_holdings == 420


def test_not_a_document_is_bad_input():
    with pytest.raises(BadInput, match="needs a parsed Document, got str"):
        extract_figures("CLSK_10-Q_2025-02-06.htm")


def test_unreadable_period_gives_none():
    doc = _doc([_fact("us-gaap:CashAndCashEquivalentsAtCarryingValue", 500)])
    doc.parts[0].facts[0].value = doc.parts[0].facts[0].text = "sometime"
    doc.parts[0].facts[0].period_end = None
    assert extract_figures(doc) is None


def test_a_releases_bullet_list_laid_out_as_a_table_is_read_by_its_labels(filing):
    """FGNX 8-K EX-99.1: "Key Balance Sheet Metrics (all amounts as of September 30, 2025):" over rows
    "● | Cash and Cash Equivalents: | $7.5 million" and "● | Total Debt: | $1.9 million"."""
    figures = extract_figures(filing("FGNX_8-K_2025-11-21.txt"))
    assert (figures.period_end, figures.cash_usd, figures.total_debt_usd) == ("2025-09-30", 7_500_000, 1_900_000)
    quotes = {e.field: e.quote for e in figures.evidence}
    assert quotes["total_debt_usd"] == "● Total Debt: $1.9 million"
