"""The reading layer: how a part's text reads, computed once per document for every extractor.

Extractors used to split sentences, skip exhibits and look for defined terms each in their own
way. This module does it once:

- `read(doc)` -> `[PartReading]`, cached per document object: for each part its `role`, its
  `sentences` (one splitter), its `terms` (defined terms and their aliases, with where they are
  defined) and its `grids` (tables with header paths and scale).
- `split_sentences(text)` -> `[Sentence]`: sentences, table rows and bullet items with offsets.
- `part_role(part)` -> "none" | "agreement" | "narrative": the one exhibit policy.
- `is_boilerplate(label)`: a section whose prose is risk factors or safe-harbour text.
- `Grid`: a table as header paths per column, rows as (label, cells), and its stated scale.

Everything here is structure, not vocabulary of any one field: which words make a coupon or a
commitment lives in `extract/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.types import Document, Part, Table

# --------------------------------------------------------------------------------------------
# Which parts to read

# Parts with no prose about the filer at all: data, graphics, consents, certifications, legal
# opinions, the cover-page XBRL.
_NO_TEXT = re.compile(r"^(?:EX-101|EX-104|GRAPHIC|ZIP|XML|JSON|EXCEL|PDF-GRAPHIC|EX-23|EX-24|EX-31|EX-32|EX-5\b|EX-FILING)", re.I)
# Parts that are legal agreements: indentures (EX-4), material contracts (EX-10), underwriting and
# merger agreements, charters. They define debt terms precisely but restate every commercial
# deal in legal words, so debt reads them and narrative extractors (contracts) do not.
_AGREEMENT = re.compile(r"^EX-(?:1|2|3|4|8|10|21|97)\b", re.I)


def part_role(part: Part, alone: bool = True) -> str:
    """'none' (nothing to read), 'agreement' (a legal exhibit) or 'narrative' (the filing, a release).

    `alone` says the part is the document's only part: a PDF copy inside a submission repeats its
    HTML and is not read, a PDF on its own is the document.
    """
    kind = part.type or ""
    if _NO_TEXT.match(kind) or not part.text or (kind.upper() == "PDF" and not alone):
        return "none"
    if _AGREEMENT.match(kind):
        return "agreement"
    return "narrative"


_BOILERPLATE = re.compile(r"risk\s+factors|item\s+1a\b|forward[- ]looking|safe\s+harbor|cautionary", re.I)


def is_boilerplate(label: str | None) -> bool:
    """Whether a section label marks risk-factor or safe-harbour text (hypotheticals, not facts)."""
    return bool(label and _BOILERPLATE.search(label))


# --------------------------------------------------------------------------------------------
# Sentences

_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Inc|Co|Corp|Ltd|No|Nos|approx|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|St|Mr|Mrs|Ms|Dr|vs|etc|"
    r"e\.g|i\.e|L\.P|N\.A|U\.S|U\.K|S\.A)|\b[A-Z])\.$"
)
_BOUNDARY = re.compile(r"(?<=[.!?;])[\"”’)]?\s+(?=[A-Z“\"(•●$])|\n+|\s*[•●▪]\s*")
_COLUMNS = re.compile(r"\S\s{3,}\S| \| ")  # a row of a text table, not a line of prose


@dataclass(slots=True)
class Sentence:
    """A sentence, table row or bullet item: a verbatim slice `text == part.text[start:end]`."""

    text: str
    start: int
    end: int
    paragraph: int = 0  # index of the paragraph (hard line break) the sentence starts in

    @property
    def quote(self) -> str:
        """The sentence as a quote: whitespace collapsed, table separators dropped."""
        return re.sub(r"\s+", " ", self.text.replace(" | ", " ").replace("|", " ")).strip()


def split_sentences(text: str) -> list[Sentence]:
    """Sentences (and table rows, bullet items) of `text` with their offsets.

    Ends at ". ", "; ", "? " before a capital, at every hard line break and at bullets; not after
    abbreviations ("Inc.", "U.S.", initials). In fixed-width text a wrapped line is not a break.
    """
    out: list[Sentence] = []
    start = 0
    soft = _soft_breaks(text)
    for match in _BOUNDARY.finditer(text):
        if match.start() in soft:
            continue  # a line wrapped mid-sentence, not a paragraph or a row
        piece = text[start : match.start()]
        hard = "\n" in match.group() or any(c in match.group() for c in "•●▪")
        if hard or not _ABBREVIATIONS.search(piece.rstrip()):
            _add(out, text, start, match.start())
            start = match.end()
    _add(out, text, start, len(text))
    breaks = [i for i, c in enumerate(text) if c == "\n" and i not in soft]
    j = 0
    for sentence in out:
        while j < len(breaks) and breaks[j] < sentence.start:
            j += 1
        sentence.paragraph = j
    return out


def _soft_breaks(text: str) -> set[int]:
    """Offsets of single newlines that wrap a sentence, in text laid out in fixed-width lines.

    Plain-text filings and PDF pages wrap prose at 70-110 characters; HTML-derived text puts
    a paragraph on one line. Only in the first kind does a newline not end a sentence.
    """
    lines, at = [], 0
    for line in text.split("\n"):
        lines.append((at, line))
        at += len(line) + 1
    widths = [len(line.strip()) for _, line in lines if line.strip()]
    long_lines = [w for w in widths if w >= 60]
    if len(long_lines) < 5 or sum(w > 160 for w in widths) > 0.02 * len(widths):
        return set()
    soft = set()
    for (at, line), (_, following) in zip(lines, lines[1:]):
        body, nxt = line.strip(), following.strip()
        end = at + len(line)
        if end >= len(text) or text[end] != "\n" or not nxt or len(body) < 40:
            continue
        if re.search(r"[.!?:;][\"”’)]?$", body) or _COLUMNS.search(body) or _COLUMNS.search(nxt):
            continue
        if re.match(r"[•●▪(\-–]|\d+\.\s|[A-Z][A-Z\s]{6,}$", nxt):
            continue  # a list item or a heading starts
        soft.add(end)
    return soft


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= 3:
        out.append(Sentence(text[start:end], start, end))


# --------------------------------------------------------------------------------------------
# Defined terms

_Q = "[“\"]"
_QE = "[”\"]"
# A parenthetical that defines terms: (the “2030 Notes”), (collectively, the “Notes” and, together
# with ..., the “Securities”), (each, a “Loan”). Every quoted term in it is a term.
_DEFINING_PAREN = re.compile(rf"\((?P<body>[^()]{{0,200}}?{_Q}[^”\"]{{2,80}}{_QE}[^()]{{0,120}}?)\)")
# "..., which we refer to as the “Facility”", "hereinafter the “Loan”".
_REFER_AS = re.compile(rf"\b(?:refer(?:red)?\s+to\s+(?:herein\s+|collectively\s+)?as|hereinafter(?:\s+called)?)\s+(?:the\s+|a\s+|an\s+)?{_Q}(?P<term>[^”\"]{{2,80}}){_QE}", re.I)
_QUOTED = re.compile(rf"{_Q}(?P<term>[^”\"]{{2,80}}){_QE}")


@dataclass(slots=True)
class DefinedTerm:
    """A term a document defines, e.g. the “2030 Notes”, and what it names."""

    term: str  # as quoted, e.g. "2030 Notes"
    start: int  # offset of the defining parenthetical or phrase in the part's text
    end: int
    sentence: int  # index into PartReading.sentences of the defining sentence
    referent: str  # the sentence text before the definition: what the term names
    aliases: list[str] = field(default_factory=list)  # other terms defined in the same breath


def defined_terms(text: str, sentences: list[Sentence]) -> list[DefinedTerm]:
    """Terms defined in `text`, in order of definition, each with the sentence that defines it."""
    out: list[DefinedTerm] = []
    for index, s in enumerate(sentences):
        if "“" not in s.text and '"' not in s.text:
            continue
        for pattern in (_DEFINING_PAREN, _REFER_AS):
            for match in pattern.finditer(s.text):
                if pattern is _DEFINING_PAREN:
                    terms = [m.group("term") for m in _QUOTED.finditer(match.group("body"))]
                else:
                    terms = [match.group("term")]
                terms = [" ".join(t.split()) for t in terms if any(c.isalpha() for c in t)]
                referent = s.text[: match.start()].strip()
                for term in terms:
                    aliases = [t for t in terms if t != term]
                    out.append(DefinedTerm(term, s.start + match.start(), s.start + match.end(), index, referent, aliases))
    return out


# --------------------------------------------------------------------------------------------
# Tables as grids

_SCALE = (
    (re.compile(r"in\s+thousands|\$\s*000s?\b|’000|'000", re.I), 1e3),
    (re.compile(r"in\s+millions", re.I), 1e6),
    (re.compile(r"in\s+billions", re.I), 1e9),
)


@dataclass(slots=True)
class Grid:
    """A table read as a grid: each value column has a header path, each body row a label.

    `headers[i]` is the path of header cells above value column i (outermost first), the label
    column excluded; header rows with fewer cells are aligned to the right, as filers leave the
    label column empty in header rows. `scale` is the stated unit ("in thousands" -> 1e3), None
    when the table states none.
    """

    table: Table
    headers: list[list[str]]
    rows: list[tuple[str, list[str]]]  # (label, value cells)
    scale: float | None
    label_header: list[str] = field(default_factory=list)  # header cells above the label column

    def header(self, column: int) -> str:
        return " ".join(h for h in self.headers[column] if h) if 0 <= column < len(self.headers) else ""


def table_scale(part: Part, table: Table) -> float | None:
    """The unit a table's figures are in, from its header rows or the lines just above it."""
    header = " ".join(" ".join(row) for row in table.rows[: max(table.header_rows, 1) + 2])
    above = part.text[max(0, table.start - 400) : table.start]
    for where in (header, above):
        for pattern, scale in _SCALE:
            if pattern.search(where):
                return scale
    return None


def grid(part: Part, table: Table) -> Grid:
    """`table` as a `Grid` (see there)."""
    body = [row for row in table.rows[table.header_rows :] if any(c.strip() for c in row)]
    width = max((len(row) for row in table.rows), default=1)
    values = max(width - 1, 0)
    headers: list[list[str]] = [[] for _ in range(values)]
    label_header: list[str] = []
    for row in table.rows[: table.header_rows]:
        cells = [" ".join(c.split()) for c in row]
        if len(cells) == 1 and values > 1:
            columns = [(i, cells[0]) for i in range(values)]  # a caption spanning the columns ("As of")
        elif len(cells) == width:
            label_header.append(cells[0])
            columns = list(enumerate(cells[1:]))
        else:  # fewer cells: the label column is left empty, the rest aligned right
            columns = [(values - len(cells) + i, c) for i, c in enumerate(cells)]
        for i, cell in columns:
            if cell and 0 <= i < values:
                headers[i].append(cell)
    rows = [(" ".join(row[0].split()) if row else "", [" ".join(c.split()) for c in row[1:]]) for row in body]
    return Grid(table, headers, rows, table_scale(part, table), label_header)


# --------------------------------------------------------------------------------------------
# The reading of a document


@dataclass(slots=True)
class PartReading:
    part: Part
    role: str  # part_role(part)
    sentences: list[Sentence]
    terms: list[DefinedTerm]
    grids: list[Grid]

    def sentence_at(self, offset: int) -> int | None:
        """Index of the sentence containing `offset`, or None."""
        lo, hi = 0, len(self.sentences)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.sentences[mid].end <= offset:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(self.sentences) and self.sentences[lo].start <= offset else None

    def section_label(self, offset: int) -> str:
        section = self.part.section_at(offset)
        return section.label if section is not None else ""


def read_part(part: Part, alone: bool = True) -> PartReading:
    role = part_role(part, alone)
    if role == "none":
        return PartReading(part, role, [], [], [])
    sentences = split_sentences(part.text)
    return PartReading(part, role, sentences, defined_terms(part.text, sentences), [grid(part, t) for t in part.tables])


_CACHE: list[tuple[Document, list[PartReading]]] = []  # the last few documents read, newest last


def read(doc: Document) -> list[PartReading]:
    """The reading of every part of `doc`, in order; computed once per document object."""
    for cached, reading in _CACHE:
        if cached is doc:
            return reading
    reading = [read_part(part, alone=len(doc.parts) == 1) for part in doc.parts]
    _CACHE.append((doc, reading))
    del _CACHE[:-4]  # extractors of one document run back to back; keep memory flat
    return reading
