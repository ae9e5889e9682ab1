"""The reading layer on real filings: sentences, defined terms, the exhibit policy, table grids."""

from __future__ import annotations

from ingest.parse import parse_path
from ingest.reading import is_boilerplate, part_role, read, split_sentences
from ingest.types import Part


def test_defined_term_names_what_precedes_it(filings_dir) -> None:
    doc = parse_path(filings_dir / "CLSK_10-Q_2025-02-06.htm")
    reading = read(doc)[0]
    term = next(t for t in reading.terms if t.term == "2030 Notes")
    assert term.referent.endswith("$650,000 aggregate principal amount of 0% convertible senior notes due 2030")
    defining = reading.sentences[term.sentence]
    assert defining.start <= term.start < term.end <= defining.end
    assert doc.parts[0].text[term.start : term.end].startswith("(")


def test_grid_has_header_paths_and_scale(filings_dir) -> None:
    doc = parse_path(filings_dir / "CLSK_10-Q_2025-02-06.htm")
    grid = next(g for g in read(doc)[0].grids if any(label == "Coinbase Line of Credit" for label, _ in g.rows))
    assert grid.scale == 1000.0
    assert grid.headers[1] == ["As of", "Rate"]
    assert grid.header(2) == "As of December 31, 2024"
    assert dict(grid.rows)["Coinbase Line of Credit"] == ["Not specified", "8.50%", "—", "50,000"]


def test_read_is_computed_once_per_document(filings_dir) -> None:
    doc = parse_path(filings_dir / "MARA_8-K_2024-12-04.htm")
    assert read(doc) is read(doc)
    first = read(doc)[0]
    assert first.role == "narrative"
    index = first.sentence_at(first.sentences[5].start + 3)
    assert index == 5


def test_exhibit_policy() -> None:
    def part(kind: str) -> Part:
        return Part(type=kind, sequence=1, filename="x", description="", text="some text")

    assert [part_role(part(k)) for k in ("8-K", "EX-99.1", "EX-4.1", "EX-10.2", "EX-101.INS", "EX-31.1", "GRAPHIC")] == [
        "narrative", "narrative", "agreement", "agreement", "none", "none", "none",
    ]
    assert part_role(part("PDF"), alone=True) == "narrative"
    assert part_role(part("PDF"), alone=False) == "none"
    assert is_boilerplate("Part I › Item 1A. Risk Factors") and not is_boilerplate("Note 9 — Debt")


def test_sentences_split_at_boundaries_not_abbreviations() -> None:
    text = "MARA Holdings, Inc. issued notes. The U.S. Bank Trust Company is trustee; it holds them; The Notes mature.\nNext line"
    assert [s.text for s in split_sentences(text)] == [
        "MARA Holdings, Inc. issued notes.", "The U.S. Bank Trust Company is trustee; it holds them;", "The Notes mature.", "Next line",
    ]
