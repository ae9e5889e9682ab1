"""The debt ledger over real CleanSpark and MARA 8-Ks: launch, pricing and follow-up releases of the
same notes resolve into one instrument, the latest terms win, and disagreements are surfaced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extract.document import extract_document
from ingest.parse import parse_path
from service.domain.ledger import Mention, build_ledger

FILINGS = Path(os.environ.get("MINERLENS_FILINGS_DIR", Path(__file__).resolve().parents[3] / "shared" / "filings"))


def mentions(*names: str) -> list[Mention]:
    out = []
    for name in names:
        doc = parse_path(FILINGS / name)
        for record in extract_document(doc).debt_instruments:
            out.append(Mention(doc.file, doc.filing.filed or doc.filing.period, record))
    return out


@pytest.fixture(scope="module")
def clsk():
    return build_ledger("clsk", mentions("CLSK_8-K_2025-11-10.txt", "CLSK_8-K_2025-11-12.txt", "CLSK_8-K_2025-11-25.txt")).model_dump()


def test_launch_and_pricing_resolve_into_one_instrument(clsk):
    notes_2032 = [i for i in clsk["instruments"] if i["maturity_year"] == 2032]
    assert len(notes_2032) == 1
    notes = notes_2032[0]
    assert notes["principal_usd"] == 1_150_000_000  # the pricing release, filed after the $1.0 billion launch
    assert notes["conversion_rate_per_1000"] == 52.1832
    assert notes["maturity_date"] == "2032-02-15"
    assert {m["document"] for m in notes["mentions"]} >= {"CLSK_8-K_2025-11-10.txt", "CLSK_8-K_2025-11-12.txt"}


def test_a_disagreement_between_sources_is_surfaced(clsk):
    notes = next(i for i in clsk["instruments"] if i["maturity_year"] == 2032)
    principal = next(c for c in notes["conflicts"] if c["field"] == "principal_usd")
    assert {v["value"] for v in principal["values"]} >= {1_000_000_000, 1_150_000_000}


def test_two_mara_issues_stay_apart():
    ledger = build_ledger("MARA", mentions("MARA_8-K_2024-11-21.htm", "MARA_8-K_2024-12-04.htm")).model_dump()
    by_year = {i["maturity_year"]: i for i in ledger["instruments"] if i["principal_usd"]}
    assert by_year[2030]["conversion_rate_per_1000"] == 38.5902
    assert by_year[2031]["conversion_rate_per_1000"] == 28.9159
    assert by_year[2031]["principal_usd"] == 850_000_000


@pytest.mark.slow  # extracts two real 10-Qs
def test_outstanding_principal_is_tracked_across_two_10qs():
    ledger = build_ledger("CLSK", mentions("CLSK_10-Q_2024-05-09.htm", "CLSK_10-Q_2025-02-06.htm")).model_dump()
    trinity = [i for i in ledger["instruments"] if "Trinity" in i["name"]]
    assert len(trinity) == 1  # one loan, although the two filings name its XBRL member differently
    history = [(h["as_of"], h["outstanding_usd"]) for h in trinity[0]["outstanding_history"]]
    assert history == [("2024-03-31", 8_585_000), ("2024-12-31", 3_449_000)]
    assert trinity[0]["outstanding_usd"] == 3_449_000
    marquee = next(i for i in ledger["instruments"] if "Marquee" in i["name"])
    assert [h["outstanding_usd"] for h in marquee["outstanding_history"]] == [1_503_000, 1_143_000]


@pytest.mark.slow  # extracts real 10-Qs
def test_a_launch_with_a_blank_coupon_joins_the_priced_series_not_an_older_one():
    ledger = build_ledger("BTDR", mentions("BTDR_424B5_2025-11-12.txt", "BTDR_424B5_2025-11-13.txt")).model_dump()
    by_coupon = {i["coupon_pct"]: i for i in ledger["instruments"] if i["kind"] == "convertible"}
    # The 11-12 preliminary supplement offers "convertible senior notes due 2031" with the rate blank;
    # the 11-13 final one prices them at 4.00%. Bitdeer's older 4.875% notes also mature in 2031.
    assert {m["document"] for m in by_coupon[4.0]["mentions"]} == {"BTDR_424B5_2025-11-12.txt", "BTDR_424B5_2025-11-13.txt"}
    assert by_coupon[4.875]["principal_usd"] == 375_000_000
    assert len(by_coupon[4.875]["mentions"]) == 1
    matrixport = sorted(i["name"] for i in ledger["instruments"] if "Matrixport" in i["name"])
    assert matrixport == ["April 2025 Matrixport Loan", "October 2025 Matrixport Loan", "September 2025 Matrixport Loan"]
