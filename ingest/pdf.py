"""PDF to a Part with one Section per page ("Page N", page=N), via pypdf.

Pages are joined with a blank line so a quote never spans two pages by accident, and the page of
any offset is known: chunks carry it through to citations.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from ingest import budget
from ingest.errors import CorruptDocument, EmptyDocument, reason
from ingest.text import normalize_text
from ingest.types import Part, Section

PAGE_SEPARATOR = "\n\n"

# pypdf logs every recoverable oddity of real-world PDFs as a warning; those are not our errors.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def parse_pdf(data: bytes, *, filename: str) -> Part:
    """The text of every page. Corrupt or encrypted -> CorruptDocument; no text -> EmptyDocument."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except Exception as exc:  # pypdf raises several types (incl. missing crypto backends)
                raise CorruptDocument(f"{filename}: encrypted PDF that cannot be opened ({exc})") from exc
            if not unlocked:
                raise CorruptDocument(f"{filename}: encrypted PDF that needs a password")
        pages = []
        for page in reader.pages:
            budget.check()  # a PDF of thousands of pages stops at the document's time and memory budget
            pages.append(page.extract_text() or "")
    except CorruptDocument:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as exc:
        raise CorruptDocument(f"{filename}: unreadable PDF ({reason(exc, 120)})") from exc
    if not pages:
        raise CorruptDocument(f"{filename}: PDF has no pages")

    chunks: list[str] = []
    sections: list[Section] = []
    pos = 0
    for number, raw in enumerate(pages, start=1):
        text = normalize_text(raw)
        if chunks:
            pos += len(PAGE_SEPARATOR)
        chunks.append(text)
        sections.append(Section(label=f"Page {number}", start=pos, end=pos + len(text), page=number))
        pos += len(text)
    full = PAGE_SEPARATOR.join(chunks)
    if not full.strip():
        raise EmptyDocument(f"{filename}: PDF has no extractable text ({len(pages)} pages, scanned images?)")
    return Part(type="PDF", sequence=1, filename=filename, description="", text=full, sections=sections)
