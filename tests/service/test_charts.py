"""The maturity wall PNG, from ledgers built on the real MARA and CleanSpark filings."""

from __future__ import annotations

import pytest

from extract.document import extract_document
from extract.records import DebtInstrument
from ingest.errors import BadInput
from ingest.parse import parse_path
from service.charts import maturity_segments, maturity_wall_png
from service.domain.ledger import Mention, build_ledger
from service.domain.models import Ledger

pytestmark = pytest.mark.slow  # every test draws ledgers extracted from real 10-Qs and 8-Ks

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def ledger(filings_dir, ticker: str, files: list[str]) -> Ledger:
    mentions = []
    for name in files:
        doc = parse_path(filings_dir / name)
        for record in extract_document(doc).debt_instruments:
            mentions.append(Mention(doc.file, doc.filing.filed or doc.filing.period, DebtInstrument.model_validate(record)))
    return build_ledger(ticker, mentions)


@pytest.fixture(scope="module")
def ledgers(filings_dir):
    return {
        "MARA": ledger(filings_dir, "MARA", ["MARA_8-K_2024-11-21.htm", "MARA_8-K_2024-12-04.htm"]),
        "CLSK": ledger(filings_dir, "CLSK", ["CLSK_10-Q_2025-02-06.htm", "CLSK_8-K_2025-11-12.txt"]),
    }


def test_segments_by_company_and_by_instrument(ledgers):
    universe = maturity_segments(ledgers)
    assert universe["MARA"] == {"2030": 1_000_000_000, "2031": 850_000_000}
    assert universe["CLSK"] == {"2025": 5_438_000, "2029": 6_731_000, "2030": 650_000_000, "2032": 1_150_000_000}
    one = maturity_segments({"CLSK": ledgers["CLSK"]})
    assert one["0.00% convertible senior notes due 2032"] == {"2032": 1_150_000_000}


def test_png_bytes(ledgers, tmp_path):
    png = maturity_wall_png(ledgers, title="Maturity wall: MARA, CLSK")
    assert png.startswith(PNG_SIGNATURE)
    assert 10_000 < len(png) < 400_000
    single = maturity_wall_png({"CLSK": ledgers["CLSK"]}, title="CLSK")
    assert single.startswith(PNG_SIGNATURE) and single != png


def test_empty_ledger_draws_a_note_not_an_error():
    png = maturity_wall_png({"BTBT": Ledger(ticker="BTBT", instruments=[])}, title="BTBT")
    assert png.startswith(PNG_SIGNATURE) and len(png) > 5_000


def test_bad_input_is_a_clear_error():
    with pytest.raises(BadInput, match="ticker: ledger"):
        maturity_wall_png(["not", "ledgers"], title="x")  # type: ignore[arg-type]
