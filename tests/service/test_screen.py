"""Screening metrics on the real CleanSpark and Riot 10-Qs and 10-K (values from labels.jsonl and
the statements), stored the way the pipeline stores them (no index needed)."""

from __future__ import annotations

import pytest

from extract.document import extract_document
from ingest.errors import BadInput, NotFound
from ingest.parse import parse_path
from service.store.db import Database
from service.domain.ledger import build_ledger
from service.domain.models import Ledger
from service.domain.market import load_market_csv, market_inputs, parse_market_csv
from service.domain.screen import company_screen, maturity_ladder, universe_screen
from service.store import records
from service.store.records import load_market_inputs, save_market_inputs

pytestmark = pytest.mark.slow  # every test reads a store of real 10-Qs and 10-Ks, parsed and extracted

FILES = ("CLSK_10-Q_2024-05-09.htm", "CLSK_10-Q_2025-02-06.htm", "RIOT_10-K_2025-02-27.htm", "RIOT_10-Q_2025-05-01.htm")


def store(db: Database, path) -> None:
    doc = parse_path(path)
    db.save_document(doc, [])
    db.save_extraction(doc.sha256, doc.file, doc.filing.ticker, doc.filing.filed, extract_document(doc))


def ledger(db: Database, ticker: str) -> Ledger:
    return build_ledger(ticker, records.debt_mentions(db, ticker))


@pytest.fixture(scope="module")
def db(filings_dir, tmp_path_factory):
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('screen') / 'db.sqlite'}")
    for name in FILES:
        store(database, filings_dir / name)
    return database


@pytest.fixture(scope="module")
def clsk(db):
    return [r.model_dump() for r in company_screen(records.company_figures(db, "CLSK"), ledger(db, "CLSK"), "CLSK")]


@pytest.fixture(scope="module")
def riot(db):
    market = market_inputs("2025-03-31", btc_price_usd=82_000, share_prices={"riot": 7.12})
    return [r.model_dump() for r in company_screen(records.company_figures(db, "RIOT"), ledger(db, "RIOT"), "RIOT", market)]


def test_one_row_per_period_oldest_first(clsk, riot):
    assert [r["period_end"] for r in clsk] == ["2024-03-31", "2024-12-31"]
    assert [(r["period_end"], r["form"]) for r in riot] == [("2024-12-31", "10-K"), ("2025-03-31", "10-Q")]


def test_clsk_net_debt_from_balance_sheet(clsk):
    m = clsk[1]["metrics"]
    assert m["total_debt_usd"]["value"] == 648_648_000
    assert m["cash_usd"]["value"] == 276_599_000
    assert m["net_debt_usd"]["value"] == 372_049_000
    # Each input names its source document and quotes the statement row.
    cash = m["net_debt_usd"]["inputs"][1]
    assert cash["document"] == "CLSK_10-Q_2025-02-06.htm"
    assert cash["evidence"][0]["quote"] == "Cash and cash equivalents $ 276,599 $ 121,222"
    assert clsk[0]["metrics"]["net_debt_usd"]["value"] == 12_776_000 - 323_052_000


def test_clsk_ebitda_is_annualized_quarter_without_a_10k(clsk):
    m = clsk[1]["metrics"]
    assert m["ebitda_ttm_usd"]["value"] == (209_976_000 + 66_229_000) * 4
    assert "latest quarter annualized" in m["ebitda_ttm_usd"]["note"]
    assert m["net_debt_to_ebitda"]["value"] == pytest.approx(372_049_000 / 1_104_820_000)
    assert m["ebitda_interest_coverage"]["value"] == pytest.approx(1_104_820_000 / (1_559_000 * 4))
    assert m["ebit_interest_coverage"]["value"] == pytest.approx(209_976_000 / 1_559_000)


def test_riot_10k_year_is_the_ttm(riot):
    m = riot[0]["metrics"]
    assert m["ebitda_ttm_usd"]["value"] == 153_590_000 + 212_053_000
    assert m["net_debt_usd"]["value"] == 584_625_000 - 277_860_000
    assert m["net_debt_to_ebitda"]["value"] == pytest.approx(306_765_000 / 365_643_000)
    # Interest expense is tagged OtherNonoperatingExpense in this filing; the figure still counts.
    assert m["interest_expense_ttm_usd"]["value"] == 1_985_000
    assert m["ebit_interest_coverage"]["value"] == pytest.approx(153_590_000 / 1_985_000)


def test_riot_quarter_ttm_uses_fy_plus_ytd_minus_prior_ytd(riot):
    m = riot[1]["metrics"]
    # FY2024 + Q1 2025 - Q1 2024 (the 10-Q's comparative column).
    assert m["operating_income_ttm_usd"]["value"] == 153_590_000 - 233_874_000 - 203_942_000
    assert m["depreciation_amortization_ttm_usd"]["value"] == 212_053_000 + 77_926_000 - 32_343_000
    assert m["interest_expense_ttm_usd"]["value"] == 1_985_000 + 2_308_000 - 384_000
    assert m["ebitda_ttm_usd"]["value"] == -26_590_000
    prior = m["operating_income_ttm_usd"]["inputs"][2]
    assert (prior["period_end"], prior["value"]) == ("2024-03-31", 203_942_000)
    assert "FY 2024-12-31 + YTD 2025-03-31 - YTD 2024-03-31" in m["operating_income_ttm_usd"]["note"]
    # Negative EBITDA: no multiple, and the reason says why.
    assert m["net_debt_to_ebitda"]["value"] is None
    assert "not positive" in m["net_debt_to_ebitda"]["note"]
    assert m["net_debt_usd"]["value"] == 585_313_000 - 163_719_000


def test_maturity_ladder_from_ledger_outstanding(clsk, db):
    m = clsk[1]["metrics"]
    # Trinity 3,449K + corporate mortgage 1,989K (2025), Western Alliance 6,731K (2029), convertible 650M (2030).
    assert m["maturity_ladder"]["value"] == {"2025": 5_438_000, "2029": 6_731_000, "2030": 650_000_000}
    assert m["maturities_12m_usd"]["value"] == 5_438_000
    assert m["maturities_24m_usd"]["value"] == 5_438_000
    assert m["maturities_12m_to_cash"]["value"] == pytest.approx(5_438_000 / 276_599_000)
    # At 2024-03-31 the convertible (issued December 2024) is not part of the debt.
    assert "2030" not in clsk[0]["metrics"]["maturity_ladder"]["value"]
    assert maturity_ladder(ledger(db, "CLSK")).value["2030"] == 650_000_000


def test_shares_issuable_on_conversion(clsk, riot):
    assert clsk[1]["metrics"]["shares_issuable_on_conversion"]["value"] == pytest.approx(650_000 * 67.5858)
    assert clsk[0]["metrics"]["shares_issuable_on_conversion"]["value"] is None
    assert riot[1]["metrics"]["shares_issuable_on_conversion"]["value"] == pytest.approx(594_400 * 67.2767)


def test_market_metrics_on_latest_period_only(riot, clsk):
    latest = riot[1]["metrics"]
    assert latest["btc_holdings_value_usd"]["value"] == 19_223 * 82_000
    assert latest["btc_value_to_net_debt"]["value"] == pytest.approx(19_223 * 82_000 / 421_594_000)
    assert latest["convertible_moneyness"]["value"][0]["moneyness"] == pytest.approx(7.12 / 14.86)
    assert riot[0]["metrics"]["btc_holdings_value_usd"]["value"] is None
    assert "no market inputs" in clsk[1]["metrics"]["convertible_moneyness"]["note"]


def test_universe_screen_latest_row_per_company(db):
    rows = [r.model_dump() for r in universe_screen({t: (records.company_figures(db, t), ledger(db, t)) for t in ("RIOT", "CLSK", "MARA")})]
    assert [(r["ticker"], r["period_end"]) for r in rows] == [("CLSK", "2024-12-31"), ("RIOT", "2025-03-31")]
    assert rows[0]["values"]["net_debt_usd"] == 372_049_000


def test_market_csv_round_trip(tmp_path, db):
    path = tmp_path / "market.csv"
    path.write_text("name,value\nas_of,2025-03-31\nbtc_price_usd,\"82,548.91\"\nhashprice,46.2\nshare:riot,7.12\n")
    market = load_market_csv(path)
    assert (market.as_of, market.btc_price_usd, market.hashprice, market.share_prices) == ("2025-03-31", 82548.91, 46.2, {"RIOT": 7.12})
    save_market_inputs(db, market)
    assert load_market_inputs(db).share_price("RIOT") == 7.12


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("btc_price_usd,80000\n", "no as_of"),
        ("as_of,yesterday\n", "not an ISO date"),
        ("as_of,2025-03-31\nbtc_price_usd,-5\n", "positive"),
        ("as_of,2025-03-31\nshare:RIOT,abc\n", "not a number"),
        ("as_of,2025-03-31\ngold,2000\n", "unknown name"),
    ],
)
def test_bad_market_input_is_one_clear_error(text, message):
    with pytest.raises(BadInput, match=message):
        parse_market_csv(text)


def test_missing_market_inputs(tmp_path):
    empty = Database(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert load_market_inputs(empty) is None
    with pytest.raises(NotFound):
        load_market_inputs(empty, required=True)
    with pytest.raises(BadInput, match="no such file"):
        load_market_csv(tmp_path / "missing.csv")
