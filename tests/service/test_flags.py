"""Flags raised by the real MARA and CleanSpark convertible 8-Ks and the CleanSpark / Riot periodic
reports; raising is idempotent."""

from __future__ import annotations

import pytest

from extract.document import extract_document
from ingest.errors import BadInput
from ingest.parse import parse_path
from service.config import Settings
from service.store.db import Database
from service.domain.flags import check_since, flag_candidates
from service.domain.ledger import build_ledger
from service.domain.screen import company_screen
from service.store import records

pytestmark = pytest.mark.slow  # every test reads flags raised over real 10-Qs, 10-Ks and 8-Ks, parsed and extracted

FILES = ("MARA_8-K_2024-11-21.htm", "MARA_8-K_2024-12-04.htm", "CLSK_8-K_2025-11-10.txt", "CLSK_8-K_2025-11-12.txt",
         "CLSK_10-Q_2024-05-09.htm", "CLSK_10-Q_2025-02-06.htm", "RIOT_10-K_2025-02-27.htm", "RIOT_10-Q_2025-05-01.htm")


def store(db: Database, path) -> None:
    doc = parse_path(path)
    db.save_document(doc, [])
    db.save_extraction(doc.sha256, doc.file, doc.filing.ticker, doc.filing.filed, extract_document(doc))


def run(db: Database, ticker: str, settings: Settings) -> list[dict]:
    """The pipeline's step: the candidates from data, kept by the store once per key; the new ones."""
    ledger = build_ledger(ticker, records.debt_mentions(db, ticker))
    figures = records.company_figures(db, ticker)
    candidates = flag_candidates(ticker, ledger, company_screen(figures, ledger, ticker), figures.documents,
                                 db.debt_mentions(ticker), settings)
    # The flags as stored and shown (`flags --json`): the detail with the keys the rule gave it.
    return [f.model_dump(mode="json", exclude_unset=True) for f in db.insert_flags(ticker, candidates)]


def list_flags(db: Database, since: str | None = None, ticker: str | None = None) -> list[dict]:
    return db.list_flags(since=check_since(since), ticker=ticker.upper() if ticker else None)


@pytest.fixture(scope="module")
def raised(filings_dir, tmp_path_factory):
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('flags') / 'db.sqlite'}")
    for name in FILES:
        store(db, filings_dir / name)
    settings = Settings()
    first = {t: run(db, t, settings) for t in ("MARA", "CLSK", "RIOT")}
    return db, settings, first


def by_key(flags: list[dict]) -> dict[str, dict]:
    return {f["key"]: f for f in flags}


def test_mara_closing_8ks_raise_new_convertibles(raised):
    _, _, first = raised
    flags = by_key(first["MARA"])
    due_2031 = flags["new_debt_instrument:MARA:convertible:2031"]["detail"]
    assert due_2031["document"] == "MARA_8-K_2024-12-04.htm"
    assert due_2031["trigger"].startswith("8-K Item 2.03")
    assert (due_2031["numbers"]["principal_usd"], due_2031["numbers"]["option_usd"]) == (850_000_000, 150_000_000)
    assert due_2031["numbers"]["conversion_rate_per_1000"] == 28.9159
    # JSON numbers for tools, the filing's own spelling for readers: "$34.5830 per share".
    assert due_2031["numbers"]["conversion_price_usd"] == 34.583
    assert due_2031["numbers_as_stated"]["conversion_price_usd"] == "34.5830"
    assert due_2031["numbers_as_stated"]["principal_usd"] == "850,000,000"
    assert "The aggregate principal amount of notes sold in the offering was $850 million." in [e["quote"] for e in due_2031["evidence"]]
    assert flags["new_debt_instrument:MARA:convertible:2030"]["detail"]["numbers"]["principal_usd"] == 1_000_000_000
    # The November notes include the purchasers' option, which they exercised in full.
    option = flags["upsized_or_option_exercised:MARA:convertible:2030:option_exercised"]["detail"]
    assert "which the Initial Purchasers exercised in full on November 19, 2024" in option["evidence"][0]["quote"]
    # Unsecured notes are not secured debt; the 2026 notes are only mentioned in passing.
    assert not any(k.startswith("new_secured_debt:MARA") for k in flags)
    assert not any(":2026" in k for k in flags)


def test_clsk_launch_and_upsized_pricing(raised):
    _, _, first = raised
    flags = by_key(first["CLSK"])
    new = flags["new_debt_instrument:CLSK:convertible:2032"]["detail"]
    assert new["document"] == "CLSK_8-K_2025-11-10.txt"  # the launch release, first to announce it
    assert new["trigger"] == "8-K offering release (Items 7.01, 8.01, 9.01)"
    upsized = flags["upsized_or_option_exercised:CLSK:convertible:2032:upsized"]["detail"]
    assert upsized["document"] == "CLSK_8-K_2025-11-12.txt"
    assert (upsized["numbers"]["first_announced_usd"], upsized["numbers"]["principal_usd"]) == (1_000_000_000, 1_150_000_000)
    assert upsized["numbers"]["increase_usd"] == 150_000_000
    assert "announcing the upsize and pricing of its private offering of $1.15 billion" in upsized["evidence"][0]["quote"]


def test_clsk_10q_new_debt_and_total_debt_up(raised):
    _, _, first = raised
    flags = by_key(first["CLSK"])
    convertible = flags["new_debt_instrument:CLSK:convertible:2030"]["detail"]
    assert convertible["trigger"] == "10-Q for 2024-12-31: issued 2024-12-17"
    assert convertible["numbers"]["outstanding_usd"] == 650_000_000
    secured = flags["new_secured_debt:CLSK:term_loan:2029"]["detail"]
    assert secured["numbers"]["principal_usd"] == 7_000_000
    up = flags["total_debt_up:CLSK:2024-12-31"]["detail"]["numbers"]
    assert (up["prior_total_debt_usd"], up["total_debt_usd"]) == (12_776_000, 648_648_000)
    assert up["increase_pct"] == pytest.approx((648_648 - 12_776) / 12_776 * 100)
    # Leverage 0.34x and coverage 177x are inside the default thresholds.
    assert not any(k.startswith(("leverage_high:CLSK", "coverage_low:CLSK")) for k in flags)


def test_riot_negative_ttm_ebitda_flags_leverage_and_coverage(raised):
    _, _, first = raised
    flags = by_key(first["RIOT"])
    leverage = flags["leverage_high:RIOT:2025-03-31"]["detail"]["numbers"]
    assert (leverage["net_debt_usd"], leverage["ebitda_ttm_usd"]) == (421_594_000, -26_590_000)
    coverage = flags["coverage_low:RIOT:2025-03-31"]["detail"]
    assert coverage["numbers"]["interest_expense_ttm_usd"] == 3_909_000
    assert "Operating income (loss) (233,874) 203,942" in [e["quote"] for e in coverage["evidence"]]
    # The FY2024 10-K has nothing to flag (0.84x, coverage 184x) and is the first periodic report stored.
    assert not any("2024-12-31" in k for k in flags)
    assert flags["new_debt_instrument:RIOT:credit_facility:100-million-credit-facility"]["detail"]["numbers"]["issue_date"] == "2025-04-22"


def test_rerun_raises_nothing_and_stores_no_duplicate(raised, filings_dir):
    db, settings, first = raised
    before = len(list_flags(db))
    assert before == sum(len(v) for v in first.values())
    store(db, filings_dir / "CLSK_8-K_2025-11-12.txt")  # re-ingesting the same filing
    assert [run(db, t, settings) for t in ("MARA", "CLSK", "RIOT")] == [[], [], []]
    assert len(list_flags(db)) == before


def test_thresholds_come_from_settings(raised, monkeypatch):
    db, _, _ = raised
    monkeypatch.setenv("MINERLENS_FLAG_LEVERAGE_MAX", "0.3")
    new = run(db, "CLSK", Settings())
    assert [f["key"] for f in new] == ["leverage_high:CLSK:2024-12-31"]
    assert new[0]["detail"]["numbers"]["threshold"] == 0.3


def test_list_flags_filters(raised):
    db, _, _ = raised
    assert {f["ticker"] for f in list_flags(db, ticker="mara")} == {"MARA"}
    assert list_flags(db, since="2999-01-01") == []
    with pytest.raises(BadInput, match="not an ISO date"):
        list_flags(db, since="last week")


def test_two_series_of_one_year_raise_a_flag_each(filings_dir, tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    for name in ("BTDR_424B5_2025-11-12.txt", "BTDR_424B5_2025-11-13.txt"):
        store(db, filings_dir / name)
    flags = by_key(run(db, "BTDR", Settings()))
    # the 4.00% notes due 2031 and the 4.875% notes due 2031: one key would have kept only one flag
    assert flags["new_debt_instrument:BTDR:convertible:2031"]["detail"]["numbers"]["coupon_pct"] == 4.0
    assert flags["new_debt_instrument:BTDR:convertible:2031:4.875"]["detail"]["numbers"]["coupon_pct"] == 4.875


def test_flags_from_the_change_are_the_flags_of_a_rebuild_after_every_document(filings_dir, tmp_path):
    """Ingest raises flags from the change (service.domain.changes); the flags must be those that
    rebuilding the whole ledger, screen and flags after every document raises, in filing order."""
    from service.domain.changes import CompanyState

    settings = Settings()
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    states = {t: CompanyState.build(t, [], [], [], lambda sha, concept: db.facts(doc_sha256=sha, concept=concept), set())
              for t in ("MARA", "CLSK", "RIOT")}
    from_change: set[str] = set()
    rebuilt: set[str] = set()
    for name in sorted(FILES, key=lambda n: n.split("_")[-1]):
        doc = parse_path(filings_dir / name)
        store(db, filings_dir / name)
        ticker = doc.filing.ticker
        new = states[ticker].add_document(db.list_documents(sha256=doc.sha256)[0], db.debt_mentions(ticker, doc_sha256=doc.sha256),
                                          db.company_figures(ticker, doc_sha256=doc.sha256), None, settings)
        from_change |= {f.key for f in new}
        rebuilt |= {f["key"] for f in run(db, ticker, settings)}
    assert from_change == rebuilt
    assert "new_debt_instrument:RIOT:credit_facility:100-million-credit-facility" in from_change
    assert "new_debt_instrument:MARA:convertible:2031" in from_change
