"""Chunking: token budget by the real tokenizer, section boundaries, tables with repeated headers,
overlap, packing, and cost (each character counted a bounded number of times)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ingest.chunk import ChunkConfig, chunk_document, render_row  # noqa: E402
from ingest.errors import BadInput  # noqa: E402
from ingest.types import Document, Filing, Part, Section, Table  # noqa: E402
from service.store.index import Embedder  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SHA = "9f" * 32

DEBT_NOTE = (
    "In November 2024, the Company issued $1.0 billion aggregate principal amount of 0.00% convertible "
    "senior notes due 2030 in a private offering to qualified institutional buyers. The notes are senior, "
    "unsecured obligations of the Company and will not bear regular interest, and the principal amount "
    "will not accrete. The notes will mature on March 1, 2030, unless earlier repurchased, redeemed or "
    "converted. The initial conversion rate is 38.5902 shares of common stock per $1,000 principal amount "
    "of notes, equivalent to an initial conversion price of approximately $25.91 per share. Holders may "
    "convert their notes at their option only in certain circumstances before December 1, 2029. "
)
ATM_NOTE = (
    "On October 23, 2024, the Company entered into an At Market Issuance Sales Agreement with its sales "
    "agents, under which it may offer and sell shares of common stock having an aggregate offering price of "
    "up to $2.0 billion from time to time in at-the-market offerings. The Company pays the agents a "
    "commission of up to 2.0% of the gross proceeds of each sale. "
)


@pytest.fixture(scope="module")
def count_tokens():
    # Only the tokenizer: chunking never needs the model itself.
    return Embedder(dtype="float32", batch_size=8).count_tokens


def _doc(parts: list[Part], **filing) -> Document:
    filing = {"ticker": "MARA", "cik": "0001507605", "form": "10-Q", "filed": "2024-11-12"} | filing
    return Document(file="MARA_10-Q_test.htm", sha256=SHA, format="html", filing=Filing(**filing), parts=parts)


def _long_part() -> Part:
    """Three sections: a long debt note (several chunks), a short one, and trailing text outside any section."""
    # One paragraph of ~600 tokens (cut at sentences) and two of ~150 (kept whole).
    note9 = "Note 9 - Debt\n" + "".join(DEBT_NOTE for _ in range(4)).strip() + "\n" + DEBT_NOTE + "\n" + DEBT_NOTE + "\n"
    note10 = "Note 10 - Stockholders' Equity\n" + ATM_NOTE + "\n"
    tail = "Signatures follow on the next page.\n"
    text = note9 + note10 + tail
    a, b = len(note9), len(note9) + len(note10)
    return Part(
        type="10-Q",
        sequence=1,
        filename="mara-20240930.htm",
        description="Quarterly report",
        text=text,
        sections=[Section("Note 9 - Debt", 0, a), Section("Note 10 - Stockholders' Equity", a, b)],
    )


def test_prose_chunks_fit_the_budget_and_carry_metadata(count_tokens):
    part = _long_part()
    chunks = chunk_document(_doc([part]), count_tokens)
    counts = count_tokens([c.text for c in chunks])
    assert max(counts) <= 254
    assert max(counts) >= 200  # packed close to the budget, not cut timidly
    for c in chunks:
        assert c.text == part.text[c.start : c.end]
        assert c.chunk_id == f"{SHA[:16]}:1:{c.start}"
        assert (c.document, c.doc_sha256, c.part, c.part_type) == ("MARA_10-Q_test.htm", SHA, "mara-20240930.htm", "10-Q")
        assert (c.ticker, c.cik, c.form, c.filed) == ("MARA", "0001507605", "10-Q", "2024-11-12")
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert [c.section for c in chunks].count("Note 10 - Stockholders' Equity") == 1
    assert chunks[-1].section is None and chunks[-1].text == "Signatures follow on the next page."


def test_no_chunk_crosses_a_section_boundary(count_tokens):
    part = _long_part()
    chunks = chunk_document(_doc([part]), count_tokens)
    bounds = sorted({s.start for s in part.sections} | {s.end for s in part.sections})
    for c in chunks:
        assert not any(c.start < x < c.end for x in bounds), (c.section, c.start, c.end)
        inner = part.section_at(c.start)
        assert c.section == (inner.label if inner else None)
    assert [c.section for c in chunks[:4]] == ["Note 9 - Debt"] * 4


def test_neighbouring_chunks_of_a_section_overlap_by_at_most_32_tokens(count_tokens):
    part = _long_part()
    note9 = [c for c in chunk_document(_doc([part]), count_tokens) if c.section == "Note 9 - Debt"]
    assert len(note9) >= 3
    for prev, nxt in zip(note9, note9[1:]):
        assert prev.start < nxt.start < prev.end  # overlapping, never swallowing the previous chunk
        shared = part.text[nxt.start : prev.end]
        assert 0 < count_tokens([shared])[0] <= 32
        # The overlap opens at a sentence start when one is in reach.
        assert part.text[nxt.start - 2 : nxt.start] in (". ", ".\n")


def test_small_paragraphs_of_one_section_are_packed(count_tokens):
    text = "Item 2.03 Creation of a Direct Financial Obligation\n" + "\n".join(
        [ATM_NOTE.strip(), "The information in Item 1.01 is incorporated by reference.", "See Exhibit 4.1."]
    )
    part = Part("8-K", 1, "mara-8k.htm", "", text, sections=[Section("Item 2.03", 0, len(text))])
    chunks = chunk_document(_doc([part], form="8-K"), count_tokens)
    assert len(chunks) == 1
    assert chunks[0].start == 0 and chunks[0].end == len(text)


def test_overlong_runs_without_spaces_are_still_cut_to_the_budget(count_tokens):
    dots = "." * 2000  # a dotted leader: one token per dot, no whitespace to split on
    text = "Table of contents " + dots + " page 4\n" + "x" * 30
    part = Part("10-K", 1, "f.htm", "", text)
    chunks = chunk_document(_doc([part]), count_tokens, max_tokens=100, overlap_tokens=10)
    assert max(count_tokens([c.text for c in chunks])) <= 100
    covered = "".join(c.text for c in chunks)
    assert covered.count(".") >= 2000  # nothing dropped


def _debt_table_part() -> tuple[Part, Table]:
    header = [["", "September 30, 2024", "December 31, 2023"], ["", "(in thousands)", "(in thousands)"]]
    names = [f"{r}% Convertible Senior Notes due {2026 + i % 6}" for i, r in enumerate(["0.00", "1.00", "2.125", "3.25"] * 15)]
    rows = [[name, f"{1000 + 17 * i:,}", f"{900 + 13 * i:,}"] for i, name in enumerate(names)]
    rows.append(["Total debt", "49,115", "46,112"])
    lines = [render_row(r) for r in header + rows]
    intro = "Note 9 - Debt\nThe following table summarizes the Company's notes:\n"
    table_text = "\n".join(lines) + "\n"
    text = intro + table_text + "The notes are unsecured.\n"
    table = Table(start=len(intro), end=len(intro) + len(table_text), rows=header + rows, header_rows=2)
    part = Part("10-Q", 1, "q.htm", "", text, sections=[Section("Note 9 - Debt", 0, len(text))], tables=[table])
    return part, table


def test_table_chunks_repeat_headers_and_never_split_rows(count_tokens):
    part, table = _debt_table_part()
    chunks = chunk_document(_doc([part]), count_tokens, max_tokens=120, overlap_tokens=16)
    table_chunks = [c for c in chunks if table.start <= c.start < table.end]
    assert len(table_chunks) >= 3
    head = "Note 9 - Debt\nSeptember 30, 2024 | December 31, 2023\n(in thousands) | (in thousands)\n"
    body_rows = [render_row(r) for r in table.rows[2:]]
    seen: list[str] = []
    for c in table_chunks:
        assert c.text.startswith(head)
        rows = c.text[len(head) :].split("\n")
        assert all(r in body_rows for r in rows)  # whole rows only
        seen.extend(rows)
        assert count_tokens([c.text])[0] <= 120
        # The offsets are the body's span in part.text: its first row starts there.
        assert part.text[c.start :].startswith(rows[0])
    assert seen == body_rows  # every row exactly once, in order
    assert table_chunks[-1].text.endswith("Total debt | 49,115 | 46,112")
    # The table's text is not chunked a second time as prose.
    prose = [c for c in chunks if c not in table_chunks]
    assert [c.text for c in prose] == [
        "Note 9 - Debt\nThe following table summarizes the Company's notes:",
        "The notes are unsecured.",
    ]


def test_chunker_rejects_impossible_budgets(count_tokens):
    with pytest.raises(BadInput, match="overlap_tokens"):
        chunk_document(_doc([_long_part()]), count_tokens, max_tokens=100, overlap_tokens=80)
    with pytest.raises(BadInput, match="max_tokens"):
        chunk_document(_doc([_long_part()]), count_tokens, max_tokens=4)


def test_each_character_is_counted_a_bounded_number_of_times(count_tokens):
    counted_chars = 0

    def counting(texts: list[str]) -> list[int]:
        nonlocal counted_chars
        counted_chars += sum(len(t) for t in texts)
        return count_tokens(texts)

    big = Part("10-K", 1, "k.htm", "", "\n".join([DEBT_NOTE, ATM_NOTE] * 400))
    chunk_document(_doc([big]), counting)
    # Lines once, over-long lines' sentences once, packed chunks once, small overlap tails: well under 4x.
    assert counted_chars < 4 * len(big.text)


def test_chunk_config_defaults_match_the_model_window():
    assert ChunkConfig() == ChunkConfig(max_tokens=254, overlap_tokens=32, version=ChunkConfig().version)


@pytest.fixture(scope="module")
def filings_dir() -> Path:
    return Path(os.environ.get("MINERLENS_FILINGS_DIR", REPO.parent / "shared" / "filings"))


@pytest.mark.parametrize(
    "name", ["RIOT_10-K_2025-02-27.htm", "BTBT_424B5_2025-10-01.txt", "BTDR_424B5_2025-11-13.txt", "CLSK_10-Q_2025-02-06.htm"]
)
def test_real_filing_chunks_fit_and_stay_in_sections(count_tokens, filings_dir, name):
    """Long real filings, and prospectuses that typeset paragraphs as table cells."""
    from ingest.parse import parse_path

    doc = parse_path(filings_dir / name)
    chunks = chunk_document(doc, count_tokens)
    counts = count_tokens([c.text for c in chunks])
    assert max(counts) <= 254
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    parts = {p.sequence: p for p in doc.parts}
    for c in chunks:
        part = parts[int(c.chunk_id.split(":")[1])]
        bounds = {s.start for s in part.sections} | {s.end for s in part.sections}
        if not any(t.start <= c.start < t.end for t in part.tables):
            assert c.text == part.text[c.start : c.end]
        assert not any(c.start < x < c.end for x in bounds)


def test_real_debt_table_keeps_its_column_headers(count_tokens, filings_dir):
    from ingest.parse import parse_path

    doc = parse_path(filings_dir / "CLSK_10-Q_2025-02-06.htm")
    chunks = chunk_document(doc, count_tokens)
    (loans,) = [c for c in chunks if "633,812" in c.text and "Convertible Note" in c.text]
    lines = loans.text.split("\n")
    row = next(i for i, line in enumerate(lines) if "633,812" in line)
    assert lines[row] == "Convertible Note | Jun-30 | 0.00% | $ 633,812 | $ —"
    assert any("December 31, 2024" in line and "Rate" in line for line in lines[:row])
    assert "Note 9" in lines[0] and loans.section == lines[0]
    assert len(chunks) > 200


def test_pdf_pages_are_carried_and_never_crossed(count_tokens):
    page1 = "Quarterly Report\n" + ATM_NOTE + "\n"
    page2 = "Note 9 - Debt\n" + DEBT_NOTE + "\n"
    text = page1 + page2
    sections = [
        Section("Page 1", 0, len(page1), page=1),
        Section("Page 2", len(page1), len(text), page=2),
        Section("Note 9 - Debt", len(page1), len(text)),  # structural, inside page 2
    ]
    part = Part("PDF", 1, "report.pdf", "", text, sections=sections)
    chunks = chunk_document(_doc([part]), count_tokens)
    assert [(c.section, c.page) for c in chunks] == [("Page 1", 1), ("Note 9 - Debt", 2)]
    assert chunks[1].start == len(page1) and chunks[0].end <= len(page1)


@pytest.mark.slow  # chunks 50,000 generated tables
def test_chunking_fifty_thousand_tables_stops_at_the_document_budget():
    """Chunking checks the document's budget per table and per section: a hostile page of 50,000
    small tables fails at its deadline instead of chunking them all. (Word counter: the budget is
    what is tested, not token counts.)"""
    from ingest import budget
    from ingest.errors import OverBudget
    from ingest.parse import parse_bytes

    html = "<html><body>" + "".join(f"<table><tr><td>Loan {i}</td><td>$1,{i % 1000:03d}</td></tr></table>" for i in range(50_000)) + "</body></html>"
    doc = parse_bytes(html.encode(), "tables.htm")
    with budget.deadline(0.05, "tables.htm"), pytest.raises(OverBudget, match=r"tables\.htm: processing took over"):
        chunk_document(doc, lambda texts: [len(t.split()) for t in texts])
