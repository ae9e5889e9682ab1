"""The shared vocabulary of minerlens: what a parsed filing looks like, and what a chunk carries.

Plain dataclasses: parsing is hot and these objects are created by the hundred thousand.
Offsets (`start`, `end`) are character positions in the owning Part's `text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Filing:
    """Who filed what, when. From the SEC header, the cover page's dei facts, or the caller."""

    accession: str | None = None
    form: str | None = None  # "8-K", "10-Q", "424B5", "6-K", ...
    filed: str | None = None  # ISO date the SEC accepted it
    period: str | None = None  # ISO date of the period of report
    company: str | None = None
    cik: str | None = None  # zero-padded to 10 digits
    ticker: str | None = None
    items: list[str] = field(default_factory=list)  # 8-K items such as "2.03"
    former_names: list[str] = field(default_factory=list)  # the filer's FORMER CONFORMED NAMEs (SEC header)


@dataclass(slots=True)
class Section:
    """A structural span of a part: a 10-Q part/item, a note ("Note 9 — Debt"), an 8-K item, a PDF page."""

    label: str
    start: int
    end: int
    page: int | None = None  # 1-based page, for PDFs


@dataclass(slots=True)
class Table:
    """A table kept whole. `rows` are cell texts; the first `header_rows` rows are column headers."""

    start: int
    end: int
    rows: list[list[str]]
    header_rows: int = 0


@dataclass(slots=True)
class XbrlFact:
    """One inline-XBRL fact with scale, sign and format already applied to `value`."""

    concept: str  # QName, e.g. "us-gaap:DebtInstrumentFaceAmount"
    value: float | str | bool | None  # number for nonFraction, text/date/bool for nonNumeric
    text: str  # the text as displayed in the document
    fact_id: str | None
    context_id: str
    period_start: str | None  # ISO; None for instants
    period_end: str | None  # ISO; the instant for instant contexts
    instant: bool
    dimensions: dict[str, str] = field(default_factory=dict)  # axis QName -> member QName
    unit: str | None = None  # "USD", "shares", "USD/shares", "pure", custom measures
    decimals: str | None = None
    scale: int = 0
    sign: str | None = None  # "-" when the filer marked the value negative
    numeric: bool = True


@dataclass(slots=True)
class Part:
    """One document of a filing: a <DOCUMENT> of a complete submission, or a whole .htm/.pdf/.txt file."""

    type: str  # "8-K", "EX-99.1", "10-Q", "PDF", "TEXT"
    sequence: int
    filename: str
    description: str
    text: str
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    facts: list[XbrlFact] = field(default_factory=list)

    def section_at(self, offset: int) -> Section | None:
        """The innermost section containing `offset` (the latest-starting one)."""
        found = None
        for section in self.sections:
            if section.start <= offset < section.end:
                if found is None or section.start >= found.start:
                    found = section
        return found


@dataclass(slots=True)
class Document:
    """A parsed file: its filing metadata and its parts."""

    file: str  # the ingested file's name, e.g. "MARA_8-K_2024-12-04.htm"
    sha256: str
    format: str  # "submission" | "html" | "pdf" | "text"
    filing: Filing
    parts: list[Part]
    size_bytes: int = 0
    notes: list[str] = field(default_factory=list)  # what parsing dropped and why (an invalid ticker, a bad date)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.parts)

    @property
    def facts(self) -> list[XbrlFact]:
        return [f for p in self.parts for f in p.facts]


@dataclass(slots=True)
class Chunk:
    """A piece of a part small enough for the embedder, never crossing a section boundary."""

    chunk_id: str  # "{doc sha256[:16]}:{part sequence}:{start}"
    document: str  # file name
    doc_sha256: str
    part: str  # part filename (exhibit) or the file name
    part_type: str
    section: str | None
    page: int | None
    start: int
    end: int
    text: str
    ticker: str | None
    cik: str | None
    form: str | None
    filed: str | None
