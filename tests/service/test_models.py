"""The typed domain keeps the JSON minerlens has always printed: a real filing's ledger, screen row
and contract book dump to the same keys, with the values the filing states, as the same JSON types
(an amount stays a float, a year an int), and a dump validates back to itself unchanged."""

from __future__ import annotations

import json

import pytest

from extract.document import extract_document
from ingest.parse import parse_path
from service.domain.contracts import build_contracts
from service.domain.ledger import Mention, build_ledger
from service.domain.market import market_inputs
from service.domain.models import ContractBook, Ledger, ScreenRow
from service.domain.screen import company_screen
from service.store import records
from service.store.db import Database

INSTRUMENT_KEYS = ["ticker", "name", "kind", "principal_usd", "option_usd", "coupon_pct", "rate_text", "issue_date", "maturity_date",
                   "maturity_year", "conversion_rate_per_1000", "conversion_price_usd", "secured", "carrying_value_usd", "outstanding_usd",
                   "outstanding_as_of", "outstanding_history", "xbrl_member", "aliases", "conflicts", "mentions"]
ROW_KEYS = ["ticker", "period_end", "document", "form", "annual", "sources", "metrics", "values", "warnings"]
METRICS = ["cash_usd", "total_debt_usd", "btc_holdings", "net_debt_usd", "operating_income_ttm_usd", "depreciation_amortization_ttm_usd",
           "interest_expense_ttm_usd", "ebitda_ttm_usd", "net_debt_to_ebitda", "ebitda_interest_coverage", "ebit_interest_coverage",
           "maturity_ladder", "maturities_12m_usd", "maturities_24m_usd", "maturities_12m_to_cash", "shares_issuable_on_conversion",
           "btc_holdings_value_usd", "btc_value_to_net_debt", "convertible_moneyness"]
DEAL_KEYS = ["ticker", "counterparty", "guarantor", "site", "capacity_mw", "gross_mw", "gpus", "gpu_model", "term_years", "term_months",
             "total_contract_value_usd", "annual_revenue_usd", "start_date", "status", "superseded", "in_force", "sources"]
EVIDENCE_KEYS = ["field", "document", "locator", "quote"]


def json_types(value):
    """The value as the CLI prints it (json.dumps of the dump) and reads back."""
    return json.loads(json.dumps(value))


def assert_exact(model) -> None:
    dump = model.model_dump(mode="json")
    assert type(model).model_validate(dump).model_dump(mode="json") == dump  # nothing dropped, coerced or added
    assert json.loads(model.model_dump_json()) == dump


@pytest.fixture(scope="module")
def mara(filings_dir) -> Ledger:
    doc = parse_path(filings_dir / "MARA_8-K_2024-12-04.htm")
    return build_ledger("mara", [Mention(doc.file, doc.filing.filed or doc.filing.period, r) for r in extract_document(doc).debt_instruments])


def test_ledger_keys_and_the_8k_terms(mara):
    dump = json_types(mara.model_dump(mode="json"))
    assert list(dump) == ["ticker", "instruments"] and dump["ticker"] == "MARA"
    notes = next(i for i in dump["instruments"] if i["maturity_year"] == 2031)
    assert list(notes) == INSTRUMENT_KEYS
    # "$850 million aggregate principal amount of 0.00% convertible senior notes due 2031",
    # "initial conversion rate of 28.9159 shares ... per $1,000", "mature on June 1, 2031"
    assert (notes["principal_usd"], notes["coupon_pct"], notes["conversion_rate_per_1000"]) == (850_000_000.0, 0.0, 28.9159)
    assert type(notes["principal_usd"]) is float and type(notes["maturity_year"]) is int
    assert notes["maturity_date"] == "2031-06-01" and notes["kind"] == "convertible"
    mention = notes["mentions"][0]
    assert list(mention) == ["document", "filed", "name", "evidence", "warnings"] and mention["document"] == "MARA_8-K_2024-12-04.htm"
    assert all(list(e) == EVIDENCE_KEYS for e in mention["evidence"])
    assert any("28.9159" in e["quote"] for e in mention["evidence"] if e["field"] == "conversion_rate_per_1000")
    assert_exact(mara)


@pytest.fixture(scope="module")
def clsk(filings_dir, tmp_path_factory) -> list[ScreenRow]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('models') / 'db.sqlite'}")
    doc = parse_path(filings_dir / "CLSK_10-Q_2025-02-06.htm")
    db.save_document(doc, [], extraction=extract_document(doc), filed=doc.filing.filed or doc.filing.period)
    ledger = build_ledger("CLSK", records.debt_mentions(db, "CLSK"))
    market = market_inputs("2025-03-31", btc_price_usd=82_548.91, share_prices={"CLSK": 7.36})
    return company_screen(records.company_figures(db, "CLSK"), ledger, "CLSK", market)


@pytest.mark.slow  # extracts a real 10-Q
def test_screen_row_keys_and_the_10q_figures(clsk):
    row = json_types(clsk[-1].model_dump(mode="json"))
    assert list(row) == ROW_KEYS and list(row["metrics"]) == METRICS and list(row["values"]) == METRICS
    assert all(list(m) == ["value", "inputs", "note"] for m in row["metrics"].values())
    m = row["metrics"]
    # Balance sheet at December 31, 2024 (in thousands): cash 276,599; bitcoin 9,952 BTC.
    assert (row["period_end"], row["document"], row["form"]) == ("2024-12-31", "CLSK_10-Q_2025-02-06.htm", "10-Q")
    assert m["cash_usd"]["value"] == 276_599_000.0 and type(m["cash_usd"]["value"]) is float
    assert m["btc_holdings"]["value"] == 9_952.0
    assert m["net_debt_usd"]["value"] == 372_049_000.0
    cash = m["cash_usd"]["inputs"][0]
    assert list(cash) == ["name", "value", "document", "period_end", "evidence"]
    assert cash["evidence"][0]["quote"] == "Cash and cash equivalents $ 276,599 $ 121,222"
    assert [list(i) for i in m["net_debt_to_ebitda"]["inputs"]] == [["name", "value", "derived_from"]] * 2
    assert [list(i) for i in m["ebitda_ttm_usd"]["inputs"]] == [["name", "value", "inputs", "note"]] * 2
    assert list(m["maturity_ladder"]["inputs"][0]) == ["name", "value", "basis", "document", "maturity"]
    assert m["maturity_ladder"]["value"]["2030"] == 650_000_000.0  # the 0.00% convertible notes due 2030
    assert list(m["shares_issuable_on_conversion"]["inputs"][0])[-2:] == ["conversion_rate_per_1000", "shares"]
    assert m["convertible_moneyness"]["inputs"] == [{"name": "CLSK share price USD", "value": 7.36, "document": "market inputs 2025-03-31"}]
    assert all(list(r) == ["instrument", "conversion_price_usd", "moneyness"] for r in m["convertible_moneyness"]["value"])
    assert row["values"]["cash_usd"] == 276_599_000.0
    for r in clsk:
        assert_exact(r)


@pytest.fixture(scope="module")
def btbt(filings_dir) -> ContractBook:
    doc = parse_path(filings_dir / "BTBT_424B5_2025-09-29.txt")
    return build_contracts("BTBT", [(doc.file, doc.filing.filed or doc.filing.period, c) for c in extract_document(doc).hpc_contracts])


@pytest.mark.slow  # extracts BTBT's 10-K and prospectuses
def test_contract_book_keys_and_the_prospectus_deal(btbt):
    book = json_types(btbt.model_dump(mode="json"))
    assert list(book) == ["ticker", "contracts", "utilization"]  # utilization: added by the pipeline's read, empty here
    cerebras = next(h for h in book["contracts"] if h["counterparty"].startswith("Cerebras"))
    assert list(cerebras) == ["counterparty", "deals", "in_force"]
    deal = cerebras["deals"][0]
    assert list(deal) == DEAL_KEYS and list(deal["sources"][0]) == ["document", "filed", "status", "evidence"]
    assert deal["capacity_mw"] == 5.0 and deal["in_force"] is True  # "5 MW" for Cerebras
    assert cerebras["in_force"] == {"capacity_mw": 5.0, "gpus": None, "total_contract_value_usd": None}
    assert_exact(btbt)
