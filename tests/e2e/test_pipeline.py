"""Ingest end to end over the real filings: everything ingests, re-ingest is a no-op, bad files fail alone."""

from __future__ import annotations

import json

import pytest

REAL_FILES = 46  # the first twenty miners' filings and twenty-six of other issuers (see its README)


def test_every_real_filing_ingests_without_error(ingested, ingested_settings):
    _, report = ingested
    by_file = {r.file: r for r in report.results}
    names = [json.loads(line)["file"] for line in (ingested_settings.filings_dir / "MANIFEST.jsonl").read_text().splitlines()]
    assert len(names) == REAL_FILES
    for name in names:
        assert by_file[name].status == "ingested", (name, by_file[name].error)
        assert by_file[name].chunks > 0


def test_ticker_and_form_come_from_the_document(ingested):
    pipeline, _ = ingested
    docs = {d["file"]: d for d in pipeline.db.list_documents()}
    assert (docs["CLSK_8-K_2025-11-10.txt"]["ticker"], docs["CLSK_8-K_2025-11-10.txt"]["form"]) == ("CLSK", "8-K")
    assert docs["CLSK_8-K_2025-11-10.txt"]["accession"] == "0001193125-25-274179"
    assert (docs["RIOT_10-Q_2025-05-01.htm"]["ticker"], docs["RIOT_10-Q_2025-05-01.htm"]["form"]) == ("RIOT", "10-Q")
    assert docs["BTDR_424B5_2025-11-13.txt"]["ticker"] == "BTDR"


def test_flags_raised_from_each_change_leave_nothing_for_a_whole_ledger_pass(ingested):
    """Ingest raised every company's flags document by document, from the change; the whole-ledger
    pass over what is stored finds nothing they missed (it would insert, so it returns [])."""
    pipeline, _ = ingested
    tickers = pipeline.tickers()
    assert {"MARA", "CLSK", "RIOT", "BTDR"} <= set(tickers)
    assert {t: pipeline.refresh_flags(t) for t in tickers} == {t: [] for t in tickers}
    keys = {f.key for f in pipeline.flags(ticker="BTDR")}
    # The 4.00% notes priced on 2025-11-13 and the 4.875% notes are two 2031 series, each flagged once.
    assert {"new_debt_instrument:BTDR:convertible:2031", "new_debt_instrument:BTDR:convertible:2031:4.875"} <= keys


def test_reingesting_the_same_bytes_changes_nothing(ingested, ingested_settings):
    pipeline, _ = ingested
    before = pipeline.index.count()
    result = pipeline.ingest_file(ingested_settings.filings_dir / "MARA_8-K_2024-12-04.htm")
    assert result.status == "unchanged"
    assert pipeline.index.count() == before


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.htm", b"", "empty_document"),
        ("junk.txt", bytes(range(256)) * 40, "unsupported_format"),
        ("fake.pdf", b"this is not a pdf at all, just words pretending", "corrupt_document"),
        ("truncated.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R", "corrupt_document"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 200, "unsupported_format"),
    ],
)
def test_a_bad_file_fails_alone_and_loses_nothing(ingested, tmp_path, ingested_settings, name, data, code):
    pipeline, _ = ingested
    docs_before, chunks_before = len(pipeline.db.list_documents()), pipeline.index.count()
    bad = tmp_path / name
    bad.write_bytes(data)
    good = ingested_settings.filings_dir / "CLSK_8-K_2025-11-12.txt"
    report = pipeline.ingest_paths([bad, good])
    statuses = {r.file: r for r in report.results}
    assert statuses[name].status == "failed"
    assert statuses[name].error_code == code
    assert name in statuses[name].error and "\n" not in statuses[name].error
    assert statuses[good.name].status == "unchanged"  # the batch went on
    assert len(pipeline.db.list_documents()) == docs_before
    assert pipeline.index.count() == chunks_before


def test_a_file_over_the_size_limit_is_refused(ingested, tmp_path):
    pipeline, _ = ingested
    big = tmp_path / "huge.txt"
    big.write_bytes(b"Convertible notes. " * (int(pipeline.max_bytes / 19) + 10))
    result = pipeline.ingest_file(big)
    assert (result.status, result.error_code) == ("failed", "too_large")
