"""The entry point: every real filing parses; every kind of bad input gets its one-line error."""

from __future__ import annotations

import json
import os
import zipfile
import io
import random
from pathlib import Path

import pytest

from ingest.companies import lookup, ticker_for_cik
from ingest.errors import CorruptDocument, EmptyDocument, NotFound, TooLarge, UnsupportedFormat
from ingest.parse import SUPPORTED_SUFFIXES, parse_bytes, parse_path

FILINGS_DIR = Path(os.environ.get("MINERLENS_FILINGS_DIR") or Path(__file__).resolve().parents[2].parent / "shared" / "filings")
FILES = sorted(p.name for p in FILINGS_DIR.glob("*") if p.suffix in (".htm", ".txt"))


def _manifest(filings_dir):
    return {row["file"]: row for row in map(json.loads, (filings_dir / "MANIFEST.jsonl").read_text().splitlines())}


# The manifest gives today's ticker; these filings state the symbol the stock had when they were filed.
STATED_AT_FILING = {
    "FWDI_8-K_2025-09-17.txt": "FORD",  # cover: "Common Stock, par value $0.01 per share | FORD | The NASDAQ Capital Market"
    "TWAV_S-3A_2025-07-29.txt": "OBLG",  # "listed on the Nasdaq Capital Market under the symbol “OBLG.”"
}


def test_all_shared_files_found():
    assert len(FILES) == 46


@pytest.mark.parametrize("name", FILES)
def test_every_real_filing_parses(filings_dir, name):
    row = _manifest(filings_dir)[name]
    doc = parse_path(filings_dir / name)
    assert doc.file == name
    assert doc.sha256 == row["sha256"]
    assert doc.size_bytes == row["bytes"]
    assert doc.filing.cik == row["cik"]
    assert doc.filing.ticker == STATED_AT_FILING.get(name, row["ticker"])
    if row["format"] == "txt":
        assert doc.format == "submission"
        assert doc.filing.form == row["form"]
        assert doc.filing.filed == row["filed"]
    for part in doc.parts:
        assert part.text.strip()
        assert part.sections[0].start == 0 and part.sections[-1].end == len(part.text)


def test_html_filing_metadata_from_cover(filings_dir):
    doc = parse_path(filings_dir / "CLSK_10-Q_2025-02-06.htm")
    f = doc.filing
    assert (doc.format, f.form, f.period, f.company, f.cik, f.ticker) == (
        "html", "10-Q", "2024-12-31", "CleanSpark, Inc.", "0000827876", "CLSK")
    assert len(doc.facts) == 930
    mara = parse_path(filings_dir / "MARA_8-K_2024-12-04.htm")
    assert mara.filing.items == ["1.01", "2.03", "3.02", "8.01", "9.01"]


def test_a_10q_parses_whole(filings_dir):
    # Parse speed is measured by scripts/benchmark.py (docs/benchmarks.md), not asserted: this machine is shared.
    doc = parse_path(filings_dir / "CLSK_10-Q_2024-05-09.htm")  # 2.7 MB: html, sections, tables and facts
    assert len(doc.facts) == 1189


def test_caller_ticker_and_cik_win(filings_dir):
    data = (filings_dir / "CLSK_8-K_2025-11-10.txt").read_bytes()
    doc = parse_bytes(data, "x.txt", ticker="zzz", cik="42")
    assert (doc.filing.ticker, doc.filing.cik) == ("ZZZ", "0000000042")


def test_ticker_from_cik_table_when_no_cover(filings_dir):
    doc = parse_path(filings_dir / "BTDR_424B5_2025-11-13.txt")
    assert doc.filing.ticker == "BTDR"  # prospectus: no dei facts; CIK 0001899123 in the header


def test_plain_text_document():
    raw = (b"THE OFFERING\n\nWe are offering $150,000,000 aggregate principal amount.\n\n"
           b"DESCRIPTION OF NOTES\n\nInterest\n\nThe notes will bear interest at a rate of 4.00% per year.\n")
    doc = parse_bytes(raw, "notes.txt")
    assert doc.format == "text"
    part = doc.parts[0]
    assert [s.label for s in part.sections] == ["The Offering", "Description of Notes", "Description of Notes › Interest"]
    assert part.section_at(part.text.index("4.00%")).label == "Description of Notes › Interest"


# --- bad input ---------------------------------------------------------------------------------

def test_empty_file():
    with pytest.raises(EmptyDocument, match=r"^empty\.htm: empty file \(0 bytes\)$"):
        parse_bytes(b"", "empty.htm")


def test_only_whitespace():
    with pytest.raises(EmptyDocument, match=r"^blank\.txt: only whitespace, no text$"):
        parse_bytes(b" \n\t\r\n  ", "blank.txt")


def test_html_without_text():
    with pytest.raises(EmptyDocument, match=r"^shell\.htm: no text found in the html document$"):
        parse_bytes(b"<html><body><div style='display:none'>x</div><script>1</script></body></html>", "shell.htm")


def test_binary_junk():
    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(4096))
    with pytest.raises(UnsupportedFormat, match=r"^junk\.bin: contains NUL bytes"):
        parse_bytes(junk, "junk.bin")
    high = bytes(rng.randrange(0x80, 0x100) for _ in range(4096)).replace(b"\x81", b"\xa5").replace(
        b"\x8d", b"\xa5").replace(b"\x8f", b"\xa5").replace(b"\x90", b"\xa5").replace(b"\x9d", b"\xa5")
    with pytest.raises(UnsupportedFormat, match=r"^high\.txt: binary data \(not UTF-8 and mostly non-ASCII\)"):
        parse_bytes(high, "high.txt")


def test_nul_bytes():
    with pytest.raises(UnsupportedFormat, match=r"^nul\.txt: contains NUL bytes; binary data, not a text document$"):
        parse_bytes(b"Convertible notes due 2030\x00\x00\x00 more", "nul.txt")


def test_fake_pdf():
    with pytest.raises(CorruptDocument, match=r"^fake\.pdf: named \.pdf but is not a PDF \(no %PDF- header\)$"):
        parse_bytes(b"This is a press release, not a PDF.", "fake.pdf")


def test_truncated_pdf():
    with pytest.raises(CorruptDocument, match=r"^cut\.pdf: "):
        parse_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R", "cut.pdf")


def test_zip_and_image():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.htm", "<html>hi</html>")
    with pytest.raises(UnsupportedFormat, match=r"^filing\.zip: zip archive \(or Office document\), not a filing document$"):
        parse_bytes(buf.getvalue(), "filing.zip")
    with pytest.raises(UnsupportedFormat, match=r"^logo\.htm: PNG image, not a filing document$"):
        parse_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "logo.htm")


def test_oversize(filings_dir):
    with pytest.raises(TooLarge, match=r"^big\.htm: 2,048 bytes is over the limit of 1,024 bytes$"):
        parse_bytes(b"<p>" + b"a" * 2045, "big.htm", max_bytes=1024)
    with pytest.raises(TooLarge, match=r"^CLSK_10-Q_2025-02-06\.htm: 2,668,416 bytes is over the limit of 1,000,000 bytes$"):
        parse_path(filings_dir / "CLSK_10-Q_2025-02-06.htm", max_bytes=1_000_000)


def test_missing_path(tmp_path):
    with pytest.raises(NotFound, match=r"^nope\.htm: no such file"):
        parse_path(tmp_path / "nope.htm")


def test_sniffs_bytes_not_extension(filings_dir):
    data = (filings_dir / "MARA_8-K_2024-12-04.htm").read_bytes()
    assert parse_bytes(data, "misnamed.txt").format == "html"
    assert SUPPORTED_SUFFIXES >= {".htm", ".html", ".txt", ".pdf"}


# --- companies ---------------------------------------------------------------------------------

@pytest.mark.parametrize("query,ticker", [
    ("Marathon Digital", "MARA"), ("marathon digital holdings, inc.", "MARA"), ("mara", "MARA"),
    ("Riot Blockchain", "RIOT"), ("Iris Energy", "IREN"), ("IKONICS", "WULF"), ("Golden Bull Ltd", "BTBT"),
    ("HIVE Blockchain Technologies", "HIVE"), ("CleanSpark, Inc.", "CLSK"), ("Core Scientific", "CORZ"),
    ("Cipher", "CIFR"), ("bitdeer", "BTDR"), ("Hut 8", "HUT"), ("0000827876", "CLSK"),
])
def test_lookup(query, ticker):
    assert lookup(query).ticker == ticker


def test_lookup_misses_and_cik():
    assert lookup("Bit") is None  # Bit Digital, Bitdeer, Bitfarms, BitFuFu, BIT Mining: ambiguous
    assert lookup("Apple") is None
    assert lookup("") is None
    assert ticker_for_cik("1083301") == "WULF"
    assert ticker_for_cik(1507605) == "MARA"
    assert ticker_for_cik("999") is None


def test_note_heading_spellings_in_text():
    raw = (b"PART I - FINANCIAL INFORMATION\n\nItem 1. Financial Statements\n\n"
           b"NOTE 7 - NOTES PAYABLE\n\nThe Company issued notes bearing 10% interest.\n\n"
           b"Note 9 \xe2\x80\x94 Debt\n\nThe facility matures in 2027.\n")
    part = parse_bytes(raw, "q.txt").parts[0]
    assert [s.label for s in part.sections] == [
        "Part I", "Part I › Item 1", "Part I › Item 1 › Note 7 — Notes Payable", "Part I › Item 1 › Note 9 — Debt"]
    assert part.section_at(part.text.index("matures in 2027")).label.endswith("Note 9 — Debt")
