"""PDFs: one section per page; broken, encrypted and image-only PDFs are refused clearly."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from ingest.errors import CorruptDocument, EmptyDocument
from ingest.pdf import parse_pdf

PAGE_ONE = ["CleanSpark Reports Transformative FY 2025 Results",
            "Recent $1.15 billion 0% transaction provides capital for accretive infrastructure opportunities"]
PAGE_TWO = ["The notes will mature on February 15, 2032, unless earlier converted, redeemed or repurchased.",
            "About CleanSpark"]


def make_pdf(pages: list[list[str]], encrypt: str | None = None) -> bytes:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=letter, encrypt=encrypt)
    for lines in pages:
        y = 720
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def test_two_page_press_release():
    part = parse_pdf(make_pdf([PAGE_ONE, PAGE_TWO]), filename="release.pdf")
    assert [(s.label, s.page) for s in part.sections] == [("Page 1", 1), ("Page 2", 2)]
    offset = part.text.index("The notes will mature on February 15, 2032")
    assert part.section_at(offset).page == 2
    assert part.section_at(part.text.index("$1.15 billion 0% transaction")).page == 1
    first = part.sections[0]
    assert part.text[first.start:first.end].startswith("CleanSpark Reports Transformative FY 2025 Results")


def test_truncated_pdf_is_corrupt():
    data = make_pdf([PAGE_ONE])
    with pytest.raises(CorruptDocument, match=r"^cut\.pdf: "):
        parse_pdf(data[: len(data) // 3], filename="cut.pdf")


def test_password_pdf_is_corrupt():
    with pytest.raises(CorruptDocument, match=r"^locked\.pdf: encrypted PDF"):
        parse_pdf(make_pdf([PAGE_ONE], encrypt="s3cret"), filename="locked.pdf")


def test_pdf_without_text_is_empty():
    with pytest.raises(EmptyDocument, match=r"^blank\.pdf: PDF has no extractable text \(1 pages"):
        parse_pdf(make_pdf([[]]), filename="blank.pdf")
