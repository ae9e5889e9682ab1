"""HTML to text with sections and whole tables, on real filings."""

from __future__ import annotations

import pytest

from ingest.html import html_lines, is_numeric_cell, parse_html


def _part(filings_dir, name, form):
    return parse_html((filings_dir / name).read_bytes(), filename=name, part_type=form, form=form)


def _tiles(part):
    assert part.sections[0].start == 0
    assert part.sections[-1].end == len(part.text)
    for a, b in zip(part.sections, part.sections[1:]):
        assert a.end == b.start


def test_8k_item_203_section(filings_dir):
    part = _part(filings_dir, "MARA_8-K_2024-12-04.htm", "8-K")
    labels = [s.label for s in part.sections]
    assert "Item 2.03" in labels
    section = next(s for s in part.sections if s.label == "Item 2.03")
    body = part.text[section.start:section.end]
    assert body.startswith("Item 2.03. Creation of a Direct Financial Obligation")
    assert "The information set forth in Item 1.01 of this Current Report" in body
    assert [l for l in labels if l.startswith("Item ") and " › " not in l] == [
        "Item 1.01", "Item 2.03", "Item 3.02", "Item 8.01", "Item 9.01"]
    _tiles(part)


def test_10q_debt_note_section(filings_dir):
    part = _part(filings_dir, "RIOT_10-Q_2025-05-01.htm", "10-Q")
    offset = part.text.index("Revolving Credit Facilities")
    assert part.section_at(offset).label.startswith("Part I › Item 1 › Note 12 — Debt")
    _tiles(part)


def test_numbered_note_heading_in_caps(filings_dir):
    """CleanSpark writes notes as '9. LOANS' with no 'Note' word."""
    part = _part(filings_dir, "CLSK_10-Q_2025-02-06.htm", "10-Q")
    offset = part.text.index("Western Alliance Bank Credit Agreement | Aug-29 | 6.75%")
    assert part.section_at(offset).label == "Part I › Item 1 › Note 9 — Loans"
    notes = [s.label.split(" › ")[2] for s in part.sections if s.label.count(" › ") >= 2 and s.label.split(" › ")[2].startswith("Note ")]
    assert notes[0] == "Note 1 — Organization"
    assert "Note 16 — Subsequent Events" in notes


def test_note_number_alone_on_its_line(filings_dir):
    """'9.' on one line and 'LEASES' on the next is a note heading; '10. LOANS' follows it."""
    part = _part(filings_dir, "CLSK_10-Q_2024-05-09.htm", "10-Q")
    assert part.section_at(part.text.index("Operating lease cost (1)")).label == "Part I › Item 1 › Note 9 — Leases"
    offset = part.text.index("Marquee Funding Partners | Jul-26 - Feb-27")
    assert part.section_at(offset).label == "Part I › Item 1 › Note 10 — Loans"


def test_table_of_contents_makes_no_sections(filings_dir):
    part = _part(filings_dir, "BTBT_10-K_2025-03-14.htm", "10-K")
    item7 = [s for s in part.sections if s.label == "Part II › Item 7"]
    assert len(item7) == 1
    assert part.text[item7[0].start:].startswith("Item 7. Management")
    toc = part.text.lower().index("table of contents")
    assert all(s.start > toc for s in part.sections if s.label.startswith("Part"))
    riot = _part(filings_dir, "RIOT_10-Q_2025-05-01.htm", "10-Q")
    assert len([s for s in riot.sections if s.label == "Part I › Item 2"]) == 1


def test_table_row_keeps_label_with_number(filings_dir):
    part = _part(filings_dir, "BTBT_10-K_2025-03-14.htm", "10-K")
    assert "Cash and cash equivalents | $ 95,201,335 | $ 16,860,934" in part.text
    table = next(t for t in part.tables if ["Cash and cash equivalents", "$ 95,201,335", "$ 16,860,934"] in t.rows)
    assert table.rows[:2] == [["December 31,", "December 31,"], ["2024", "2023"]]
    assert part.text[table.start:table.end].startswith("December 31, | December 31,")


def test_split_parentheses_and_percent_cells(filings_dir):
    part = _part(filings_dir, "CLSK_10-Q_2025-02-06.htm", "10-Q")
    assert "Convertible Note | Jun-30 | 0.00% | $ 633,812 | $ —" in part.text
    assert "( " not in part.text.split("9. LOANS")[1][:3000].replace("($ in", "")


def test_hidden_ix_header_not_in_text(filings_dir):
    part = _part(filings_dir, "CLSK_10-Q_2025-02-06.htm", "10-Q")
    assert "0000827876" not in part.text  # the CIK is only in the hidden dei facts
    assert "C_b22d16fd" not in part.text


def test_layout_table_is_text():
    text, lines, tables = html_lines(
        "<table><tr><td><b>Item 2.03.</b></td><td><b>Creation of a Direct Financial Obligation.</b></td></tr></table>"
        "<table><tr><td>•</td><td>the notes will mature on March 1, 2030;</td></tr></table>")
    assert text == "Item 2.03. Creation of a Direct Financial Obligation.\n• the notes will mature on March 1, 2030;"
    assert tables == []
    assert lines[0].bold == 1.0


def test_block_and_inline_spacing():
    text, _, _ = html_lines("<div><span>Aggregate</span> <span>principal</span><p>next&nbsp;para</p><script>x()</script>"
                            "<div style='display: none'>hidden</div>amount<br/>after</div>")
    assert text == "Aggregate principal\nnext para\namount\nafter"


@pytest.mark.parametrize("cell,numeric", [
    ("$ 95,201,335", True), ("(16,619,709)", True), ("6.75%", True), ("—", True),
    ("2024", False), ("December 31,", False), ("Item 2.03.", False),
])
def test_numeric_cells(cell, numeric):
    assert is_numeric_cell(cell) is numeric


def test_prospectus_headings_nest(filings_dir):
    """Upper-case (here via CSS text-transform) centered headings are major; bold ones nest under them."""
    from ingest.submission import parse_submission

    name = "BTBT_424B5_2025-10-01.txt"
    part = parse_submission((filings_dir / name).read_text(encoding="utf-8"), filename=name).parts[0]
    labels = [s.label for s in part.sections]
    assert "Description of the Notes › Conversion Rights" in labels
    assert "Capitalization" in labels
    assert "Underwriting › Option to Purchase Additional Notes" in labels
    section = next(s for s in part.sections if s.label == "Description of the Notes › Conversion Rights")
    assert part.text[section.start:section.end].startswith("Conversion Rights\n")
