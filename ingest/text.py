"""Plain text to a Part, and the section finder shared by every text-producing parser.

Sections are flat and tile the part's text: each starts at a heading and ends where the next
heading starts (the first, "Cover", runs from 0 to the first heading). The label is the path of
headings in force at that point, joined with " › ", e.g.
"Part I › Item 1 › Note 9 — Debt" or "Item 2.03" or "Description of Notes".
Levels: Part, Item, Note (financial-statement notes), then two levels of generic headings: major
(upper-case or centered: "DESCRIPTION OF THE NOTES") and minor (bold or title-case only:
"Conversion Rights"), so a prospectus reads "Description of the Notes › Conversion Rights". A heading resets the levels below it. Tiling, not nesting,
keeps chunking simple (a chunk never crosses a section) while the path keeps the context.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest import forms
from ingest.types import Part, Section

PATH_SEP = " › "
COVER = "Cover"


@dataclass(slots=True)
class Line:
    """One block of text as laid out: a paragraph, a heading, a table row."""

    start: int
    end: int
    text: str
    bold: float = 0.0  # share of the characters in bold
    centered: bool = False
    linked: bool = False  # mostly inside <a href>: a table-of-contents entry or a cross-reference
    table: bool = False  # a row of a data table: never a heading
    alone: bool = False  # a paragraph of its own (plain text): a possible heading
    caps: bool = False  # rendered in capitals (CSS text-transform: uppercase) though typed in mixed case


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE_LINE = re.compile(rf"(?i)^(for the |as of |(three|six|nine|twelve) months|({_MONTHS})\b)")
_PAGE_NUMBER_END = re.compile(r"\D\s+(\d{1,3}|[ivxl]{1,5})$", re.IGNORECASE)
_SENTENCE_WORDS = re.compile(r"(?i)\b(incorporated (herein )?by reference|set forth|of this (current )?report|hereto|pursuant)\b")


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _is_titleish(text: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’\-]*", text)]
    if not words:
        return False
    small = {"and", "or", "of", "the", "to", "in", "for", "on", "a", "an", "by", "with", "from", "at", "due"}
    caps = sum(1 for w in words if w[0].isupper() or w.lower() in small)
    return caps == len(words) and words[0][0].isupper()


def _heading_like(line: Line) -> bool:
    return (line.bold >= 0.6 or line.centered or line.caps or _is_upper(line.text)
            or (line.alone and _is_titleish(line.text)))


def _generic_heading(line: Line) -> int:
    """Short emphasised lines that name what follows: 'The Offering', 'Liquidity and Capital Resources'.

    Returns 0 for no heading, 1 for a major heading (upper-case or centered: 'DESCRIPTION OF THE
    NOTES'), 2 for a minor one (bold or title-case only: 'Conversion Rights'), which nests under
    the last major heading.
    """
    text = line.text
    if not (3 <= len(text) <= 90) or len(text.split()) > 12:
        return 0
    if not text[0].isalpha() or text[-1] in ",;" or text.endswith(".") and not _is_upper(text):
        return 0
    if _DATE_LINE.match(text) or sum(c.isdigit() for c in text) > 4 or "(in thousands" in text.lower():
        return 0
    upper = line.caps or _is_upper(text)
    if upper and (line.bold >= 0.5 or line.centered or line.alone):
        return 1
    if line.bold >= 0.9 or (line.centered and line.bold >= 0.5) or (line.alone and _is_titleish(text) and len(text) <= 60):
        return 2
    return 0


def _label_title(title: str, limit: int = 80) -> str:
    title = forms.smart_title(forms.clean_title(title))
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def find_sections(lines: list[Line], text_len: int, form: str | None = None) -> list[Section]:
    """Flat sections tiling [0, text_len), labelled with heading paths (see module docstring)."""
    family = forms.form_family(form)
    fs_items = forms.FINANCIAL_STATEMENT_ITEMS.get(family or "", frozenset())
    # Running page headers ("CleanSpark, Inc.", "Table of Contents") repeat: they are not headings.
    repeats = Counter(ln.text for ln in lines if not ln.table and len(ln.text) <= 90)

    part = item = note = major = minor = None
    in_statements = False  # inside the financial statements, where "9. DEBT" is a note heading
    last_note = pending_note = 0
    marks: list[tuple[int, str]] = []

    def mark(start: int) -> None:
        label = PATH_SEP.join(x for x in (part, item, note, major, minor) if x)
        if marks and marks[-1][0] == start:
            marks[-1] = (start, label)
        else:
            marks.append((start, label))

    for ln in lines:
        text = ln.text
        if ln.table or ln.linked or not (2 <= len(text) <= 220):
            continue
        m = forms.PART_RE.match(text)
        if m and len(text) <= 120 and _heading_like(ln) and not _PAGE_NUMBER_END.search(text[6:] or " "):
            part, item, note, major, minor = f"Part {m.group(1).upper()}", None, None, None, None
            in_statements, last_note = False, 0
            mark(ln.start)
            continue
        m = forms.ITEM_RE.match(text)
        if m:
            number, title = m.group(1).upper(), m.group(2)
            known = forms.item_title(number, form)
            looks = _heading_like(ln) or (known and title and forms._norm_title(known).startswith(forms._norm_title(title)[:20]))
            sentence = (title[:1].islower()) or _SENTENCE_WORDS.search(text) is not None
            if looks and not sentence and not _PAGE_NUMBER_END.search(text):
                item, note, major, minor = f"Item {number}", None, None, None
                in_statements, last_note = number in fs_items, 0
                mark(ln.start)
                continue
        m = forms.NOTE_RE.match(text)
        if m and m.group(2) and len(text) <= 150 and _heading_like(ln) and not _PAGE_NUMBER_END.search(text):
            number = int(m.group(1))
            note, major, minor = f"Note {number} — {_label_title(m.group(2))}", None, None
            in_statements, last_note = True, number
            mark(ln.start)
            continue
        m = forms.NUMBERED_RE.match(text)
        if (m and in_statements and len(text) <= 100 and _heading_like(ln)
                and last_note < int(m.group(1)) <= last_note + 3):
            number = int(m.group(1))
            note, major, minor = f"Note {number} — {_label_title(m.group(2))}", None, None
            last_note = number
            mark(ln.start)
            continue
        m = re.fullmatch(r"(\d{1,2})\.", text)
        if m and in_statements and last_note < int(m.group(1)) <= last_note + 3:
            # "9." alone, its title on the next line ("LEASES"): a note heading split in two.
            pending_note = int(m.group(1))
            continue
        if pending_note and _heading_like(ln) and len(text) <= 100 and not text.endswith("."):
            note, major, minor = f"Note {pending_note} — {_label_title(text)}", None, None
            last_note, pending_note = pending_note, 0
            mark(ln.start)
            continue
        pending_note = 0
        low = text.lower()
        if "notes to" in low and "financial statements" in low and len(text) <= 120:
            in_statements, last_note = True, 0
        level = _generic_heading(ln) if repeats[text] < 3 else 0
        if level == 1:
            major, minor = _label_title(text), None
            mark(ln.start)
        elif level == 2:
            minor = _label_title(text)
            mark(ln.start)

    sections: list[Section] = []
    if not marks or marks[0][0] > 0:
        marks.insert(0, (0, COVER))
    for i, (start, label) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else text_len
        if end > start:
            sections.append(Section(label=label or COVER, start=start, end=end))
    return sections


# --- plain text ---------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def normalize_text(raw: str) -> str:
    """Unify newlines, drop control characters and trailing spaces, keep at most one blank line."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n").replace("\xa0", " ")
    text = _CONTROL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def text_lines(text: str) -> list[Line]:
    """Lines with offsets; a line that is a paragraph of its own may be a heading."""
    lines: list[Line] = []
    pos = 0
    raw = text.split("\n")
    for i, line in enumerate(raw):
        stripped = line.strip()
        if stripped:
            start = pos + (len(line) - len(line.lstrip()))
            prev_blank = i == 0 or not raw[i - 1].strip()
            next_blank = i + 1 >= len(raw) or not raw[i + 1].strip()
            indent = len(line) - len(line.lstrip())
            lines.append(Line(start=start, end=start + len(stripped), text=re.sub(r"\s+", " ", stripped),
                              centered=indent >= 20 and len(stripped) < 80, alone=prev_blank and next_blank))
        pos += len(line) + 1
    return lines


def parse_text(raw: str, *, filename: str, part_type: str = "TEXT", sequence: int = 1,
               description: str = "", form: str | None = None) -> Part:
    """A plain-text document as one Part with heading-based sections."""
    text = normalize_text(raw)
    sections = find_sections(text_lines(text), len(text), form)
    return Part(type=part_type, sequence=sequence, filename=filename, description=description,
                text=text, sections=sections)
