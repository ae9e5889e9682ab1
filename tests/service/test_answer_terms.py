"""Answers that hinge on how a document names and dates a term: a balance stated "as of the
Capitalization Date" under the glossary name of the notes, and a redemption date stated on a page
of a prospectus whose cover names the same notes. Real filings, the real index for the second."""

from __future__ import annotations

import pytest

from extract.document import extract_document
from ingest.parse import parse_path
from service.config import Settings
from service.app import build_pipeline
from service.pipeline import Pipeline


@pytest.fixture(scope="module")
def pipeline(filings_dir, tmp_path_factory) -> Pipeline:
    p = build_pipeline(Settings(data_dir=tmp_path_factory.mktemp("terms"), filings_dir=filings_dir, llm_base_url=None))
    doc = parse_path(filings_dir / "DJT_8-K_2025-12-18.txt")  # structured path only: stored without vectors
    p.db.save_document(doc, [])
    p.db.save_extraction(doc.sha256, doc.file, doc.filing.ticker, doc.filing.filed, extract_document(doc))
    assert p.ingest_file(filings_dir / "BTBT_424B5_2025-10-01.txt").status == "ingested"
    return p


def test_a_balance_dated_by_a_defined_date_under_the_glossary_name(pipeline):
    answer = pipeline.ask("How much principal of Trump Media's convertible notes was outstanding as of December 15, 2025?")
    assert answer.kind == "lookup"
    assert "$983,505,000" in answer.answer
    quotes = [c.quote for c in answer.citations]
    assert any("$983,505,000 aggregate principal amount of Parent Convertible Notes" in q for q in quotes)
    # The quote says "as of the Capitalization Date": the definition of that date is cited beside it.
    assert any("December 15, 2025 (the “Capitalization Date”)" in q for q in quotes)


def test_a_term_stated_below_the_cover_that_names_the_notes(pipeline):
    answer = pipeline.ask("From what date may Bit Digital redeem its 4.00% convertible notes due 2030?")
    assert answer.kind == "passage"
    assert "October 6, 2028" in answer.citations[0].quote
    assert "redeem" in answer.citations[0].quote
