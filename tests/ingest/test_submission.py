"""EDGAR complete submissions: the SGML header and the prose documents, from real .txt files."""

from __future__ import annotations

from ingest.forms import item_number_for_title
from ingest.submission import iso_date, parse_header, parse_submission


def _submission(filings_dir, name):
    return parse_submission((filings_dir / name).read_text(encoding="utf-8"), filename=name)


def test_header_of_8k(filings_dir):
    sub = _submission(filings_dir, "CLSK_8-K_2025-11-10.txt")
    f = sub.filing
    assert f.accession == "0001193125-25-274179"
    assert f.form == "8-K"
    assert f.filed == "2025-11-10"
    assert f.period == "2025-11-10"
    assert f.cik == "0000827876"
    assert f.company == "CLEANSPARK, INC."
    assert f.items == ["7.01", "8.01", "9.01"]


def test_prose_parts_only(filings_dir):
    sub = _submission(filings_dir, "CLSK_8-K_2025-11-25.txt")
    assert [(p.type, p.sequence, p.filename) for p in sub.parts] == [
        ("8-K", 1, "clsk-20251125.htm"), ("EX-99.1", 2, "clsk-ex99_1.htm")]
    assert sub.filing.items == ["2.02", "9.01"]
    press = sub.parts[1]
    assert "CleanSpark Reports Transformative FY 2025 Results" in press.text
    assert press.facts == []


def test_ixbrl_facts_of_the_primary_document(filings_dir):
    sub = _submission(filings_dir, "CLSK_8-K_2025-11-25.txt")
    primary = sub.parts[0]
    assert {f.concept for f in primary.facts} >= {"dei:DocumentType", "dei:TradingSymbol"}
    assert sub.cover["TradingSymbol"] == "CLSK"
    assert sub.cover["DocumentType"] == "8-K"


def test_prospectus_without_period_or_items(filings_dir):
    sub = _submission(filings_dir, "BTBT_424B5_2025-10-01.txt")
    f = sub.filing
    assert (f.accession, f.form, f.filed, f.period, f.cik) == (
        "0001213900-25-094778", "424B5", "2025-10-01", None, "0001710350")
    assert f.items == []
    assert [p.type for p in sub.parts] == ["424B5"]  # seven GRAPHIC documents omitted
    assert "GRAPHIC" not in {p.type for p in sub.parts}


def test_termination_item_from_title(filings_dir):
    sub = _submission(filings_dir, "CORZ_8-K_2025-10-30.txt")
    assert sub.filing.items == ["1.02", "7.01", "9.01"]
    assert sub.filing.company == "Core Scientific, Inc./tx"


def test_index_headers_spelling():
    filing = parse_header("<ACCESSION-NUMBER>0001193125-24-152391\n<TYPE>8-K\n<PERIOD>20240603\n<ITEMS>7.01\n"
                          "<ITEMS>9.01\n<FILING-DATE>20240603\n<CIK>0001804591\n")
    assert (filing.accession, filing.form, filing.period, filing.filed, filing.cik) == (
        "0001193125-24-152391", "8-K", "2024-06-03", "2024-06-03", "0001804591")
    assert filing.items == ["7.01", "9.01"]


def test_item_titles_and_dates():
    assert item_number_for_title("Regulation FD Disclosure") == "7.01"
    assert item_number_for_title("Results of Operations and Financial Condition") == "2.02"
    assert item_number_for_title("Creation of a Direct Financial Obligation or an Obligation under an Off-Balance") == "2.03"
    assert item_number_for_title("Something Else Entirely") is None
    assert iso_date("20251110") == "2025-11-10"
    assert iso_date("11/10/2025") is None
