"""Write corpus/RIOT_PR_2025-02-27_sample.pdf: a two-page press-release style sample (our own words,
public facts from Riot Platforms' 10-K for 2024) that exercises the PDF parser and page numbers.

The output is byte-for-byte reproducible (reportlab's `invariant` mode fixes the dates and ids),
so re-running the script leaves git clean. Run: .venv/bin/python scripts/make_corpus_pdf.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

OUTPUT = Path(__file__).resolve().parent.parent / "corpus" / "RIOT_PR_2025-02-27_sample.pdf"

DISCLAIMER = (
    "Sample document written by the minerlens team. It restates, in our own words, public facts that "
    "Riot Platforms, Inc. disclosed in its annual report on Form 10-K for 2024 (filed February 27, 2025). "
    "It is not a press release of the company."
)

PAGE_ONE = [
    ("title", "Riot Platforms Summarizes Its 0.75% Convertible Senior Notes Due 2030"),
    ("body", "Riot Platforms, Inc. (Nasdaq: RIOT), Castle Rock, Colorado, February 27, 2025"),
    (
        "body",
        "Riot Platforms, Inc. reviewed the convertible notes it placed in December 2024 as part of its annual "
        "report for the year ended December 31, 2024. In that month Riot sold $594.4 million aggregate "
        "principal amount of 0.75% Convertible Senior Notes due 2030 (the 2030 Notes).",
    ),
    ("heading", "Interest and maturity"),
    (
        "body",
        "The 2030 Notes bear interest at 0.75% a year, paid twice a year in arrears on January 15 and July 15, "
        "with the first payment due on July 15, 2025. Unless repurchased, redeemed or converted earlier, the "
        "2030 Notes mature on January 15, 2030.",
    ),
    ("heading", "Issuance costs"),
    (
        "body",
        "Riot paid $15.2 million of issuance costs on the offering. These costs are amortized into interest "
        "expense over the life of the notes.",
    ),
]

PAGE_TWO = [
    ("heading", "Conversion terms"),
    (
        "body",
        "The 2030 Notes convert at an initial conversion rate of 67.2767 shares of Riot common stock per "
        "$1,000 principal amount, equal to an initial conversion price of approximately $14.86 per share. "
        "The rate adjusts for certain anti-dilutive events. Before July 15, 2029 holders may convert only "
        "when specified events occur; from that date until shortly before maturity they may convert at any "
        "time. Riot may settle conversions in cash, shares, or a combination.",
    ),
    ("heading", "Redemption"),
    (
        "body",
        "Riot may not redeem the 2030 Notes before January 20, 2028; after that date redemption is possible "
        "if certain conditions are met.",
    ),
    ("heading", "Balance sheet at December 31, 2024"),
    ("table", None),
    (
        "body",
        "At December 31, 2024 the full $594.4 million of principal was outstanding. The notes are carried "
        "as long-term debt net of $15.1 million of unamortized issuance costs, a carrying amount of $579.3 "
        "million. Their estimated fair value, based on quoted prices in an active market (Level 1), was "
        "about $548.6 million.",
    ),
]

BALANCE_TABLE = [
    ["2030 Notes (in millions)", "December 31, 2024"],
    ["Principal outstanding", "$594.4"],
    ["Unamortized debt issuance costs", "(15.1)"],
    ["Carrying amount", "$579.3"],
    ["Estimated fair value", "$548.6"],
]


def _flowables(blocks: list[tuple[str, str | None]], styles) -> list:
    out: list = []
    for kind, text in blocks:
        if kind == "title":
            out.append(Paragraph(text, styles["Title"]))
        elif kind == "heading":
            out.append(Paragraph(text, styles["Heading2"]))
        elif kind == "table":
            table = Table(BALANCE_TABLE, colWidths=[3.2 * inch, 1.8 * inch])
            table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("ALIGN", (1, 0), (1, -1), "RIGHT")]))
            out.append(table)
        else:
            out.append(Paragraph(text, styles["BodyText"]))
        out.append(Spacer(1, 0.12 * inch))
    return out


def make_pdf(path: Path = OUTPUT) -> Path:
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(
        str(path), pagesize=LETTER, invariant=1,
        title="Riot Platforms - 0.75% Convertible Senior Notes due 2030 (minerlens sample)", author="minerlens team",
    )
    story = [Paragraph(f"<i>{DISCLAIMER}</i>", styles["BodyText"]), Spacer(1, 0.2 * inch)]
    story += _flowables(PAGE_ONE, styles)
    story.append(PageBreak())  # page 2 holds the conversion terms: tests check the page number carried to chunks
    story += _flowables(PAGE_TWO, styles)
    doc.build(story)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    print(make_pdf(args.out))


if __name__ == "__main__":
    main()
