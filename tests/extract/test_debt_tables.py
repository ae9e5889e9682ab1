from __future__ import annotations

from pathlib import Path

from extract.debt import extract_debt
from extract.debt_tables import debt_rows, schedule_total
from ingest.parse import parse_path

_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _rows(doc):
    return [row for part in doc.parts for table in part.tables for row in debt_rows(part, table)]


def test_capitalization_table_rows_take_the_actual_column(filing) -> None:
    rows = {row.label: row for row in _rows(filing("BTDR_424B5_2025-11-12.txt"))}
    notes = rows["Principal amount of 4.875% Convertible Senior Notes due 2031"]
    assert (notes.outstanding_usd, notes.as_of) == (375_000_000, "2025-09-30")
    assert rows["Financing Facility"].outstanding_usd == 26_487_000
    assert rows["Matrixport Loans"].outstanding_usd == 461_625_000
    # The new notes have no actual balance ("–"): the row states nothing about them yet.
    assert not any("offered in the Concurrent" in label for label in rows)
    assert "Total debt" not in rows


def test_debt_note_table_columns_by_header() -> None:
    rows = {row.label: row for row in _rows(parse_path(_CORPUS / "CLSK_10-Q_2025-02-06_debt-note_sample.htm"))}
    trinity = rows["Trinity master equipment financing"]
    assert (trinity.outstanding_usd, trinity.carrying_value_usd, trinity.coupon_pct, trinity.maturity_year) == (3_449_000, 3_417_000, 13.8, 2025)
    mortgage = rows["Corporate office mortgage"]
    assert (mortgage.outstanding_usd, mortgage.carrying_value_usd, mortgage.coupon_pct) == (None, 1_989_000, 10.0)
    marquee = rows["Marquee Funding Partners mortgages"]
    assert (marquee.maturity_year, marquee.coupon_pct) == (None, 13.0)  # a range of maturities, one rate
    assert rows["Auto and equipment loans and financing"].coupon_pct is None  # "0.0% to 11.3%" is a range


def test_principal_payment_schedule_total(filing) -> None:
    doc = filing("RIOT_10-K_2025-02-27.htm")
    totals = [t for part in doc.parts for table in part.tables if (t := schedule_total(part, table))]
    assert [(t.outstanding_usd, t.as_of) for t in totals] == [(5_323_000, "2024-12-31")]


def test_schedule_total_reaches_the_loan_past_a_page_header(filing) -> None:
    loans = [i for i in extract_debt(filing("RIOT_10-Q_2025-05-01.htm")) if i.coupon_pct == 8.81]
    assert [(i.principal_usd, i.outstanding_usd, i.outstanding_as_of) for i in loans] == [(5_700_000, 5_323_000, "2025-03-31")]


def test_rows_become_instruments_with_row_evidence() -> None:
    found = extract_debt(parse_path(_CORPUS / "CLSK_10-Q_2025-02-06_debt-note_sample.htm"))
    mortgage = next(i for i in found if i.name == "Corporate office mortgage")
    assert (mortgage.carrying_value_usd, mortgage.coupon_pct, mortgage.maturity_year, mortgage.secured) == (1_989_000, 10.0, 2025, True)
    quotes = {e.field: e.quote for e in mortgage.evidence}
    assert quotes["carrying_value_usd"] == "Corporate office mortgage April 2025 10.00% n/s 1,989 1,981"


def test_capitalization_table_balance_joins_the_prospectus_notes(filing) -> None:
    found = extract_debt(filing("BTDR_424B5_2025-11-12.txt"))
    notes = next(i for i in found if i.coupon_pct == 5.25)
    assert (notes.outstanding_usd, notes.outstanding_as_of, notes.maturity_year) == (400_000_000, "2025-09-30", 2029)
    facility = next(i for i in found if i.name == "Financing Facility")
    assert (facility.kind, facility.outstanding_usd) == ("credit_facility", 26_487_000)


def test_which_secures_the_note_passes_the_gate() -> None:
    found = extract_debt(parse_path(_CORPUS / "CLSK_10-Q_2025-02-06_debt-note_sample.htm"))
    aircraft = next(i for i in found if i.principal_usd == 7_000_000)
    assert aircraft.secured is True


def test_prose_agreement_and_its_xbrl_member_named_alike_are_one(filing) -> None:
    # Prose: "Master Equipment Financing Agreement"; XBRL: MasterEquipmentFinancingArrangementMember.
    found = [i for i in extract_debt(filing("CLSK_10-Q_2024-05-09.htm")) if "Master Equipment" in i.name]
    assert [(i.issue_date, i.secured, i.coupon_pct, i.outstanding_usd) for i in found] == [("2022-04-22", True, 13.8, 8_585_000)]


def test_undrawn_line_row_states_its_rate_and_agreement_date_is_the_issue_date() -> None:
    doc = parse_path(_CORPUS / "CLSK_10-Q_2025-02-06_debt-note_sample.htm")
    # "Coinbase line of credit | None (terminable on notice) | 8.50% | — | — | 50,000": nothing drawn, a stated rate.
    coinbase_row = next(row for row in _rows(doc) if row.label == "Coinbase line of credit")
    assert (coinbase_row.outstanding_usd, coinbase_row.carrying_value_usd, coinbase_row.coupon_pct) == (None, None, 8.5)
    by_name = {d.name: d for d in extract_debt(doc)}
    assert by_name["Coinbase line of credit"].coupon_pct == 8.5
    # "An April 22, 2022 Master Equipment Financing Agreement with Trinity Capital Inc."
    assert by_name["Trinity master equipment financing"].issue_date == "2022-04-22"


def test_terms_table_one_record_per_series_with_row_evidence() -> None:
    # corpus/MARA_8-K_2024-12-04_sample.htm: "Term | 0.00% convertible senior notes due 2031", then one row per term.
    from ingest.reading import read
    from extract.debt_tables import terms_rows

    doc = parse_path(Path(__file__).resolve().parents[2] / "corpus" / "MARA_8-K_2024-12-04_sample.htm")
    rows = [t for r in read(doc) for g in r.grids for t in terms_rows(r.part, g)]
    assert len(rows) == 1
    (row,) = rows
    assert row.label == "0.00% convertible senior notes due 2031"
    assert row.values == {
        "principal_usd": 850_000_000.0, "coupon_pct": 0.0, "maturity_date": "2031-06-01",
        "conversion_rate_per_1000": 28.9159, "conversion_price_usd": 34.583,
    }
    assert row.quotes["conversion_rate_per_1000"][0] == "Initial conversion rate | 28.9159 shares of common stock per $1,000 principal amount"
    assert doc.parts[0].text[row.quotes["coupon_pct"][1] :].startswith("Stated interest rate | 0.00%")


def test_a_debt_schedule_without_conversion_terms_is_not_a_terms_table(filing) -> None:
    from ingest.reading import read
    from extract.debt_tables import terms_rows

    doc = filing("CLSK_10-Q_2025-02-06.htm")
    reading = read(doc)[0]
    grid = next(g for g in reading.grids if any(label == "Coinbase Line of Credit" for label, _ in g.rows))
    assert terms_rows(reading.part, grid) == []
