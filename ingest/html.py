"""HTML / XHTML (incl. inline XBRL) to text with structure, using selectolax's lexbor parser.

Layout rules, chosen so that a quote copied from the rendered page is found in `text`:
- block elements end a line; inline elements add their text in place; whitespace collapses;
- anything under `display:none` (the iXBRL `ix:header`), scripts and styles is not text;
- a data table keeps each `<tr>` on one line, cells joined by " | ", empty cells dropped and
  SEC-style split cells merged ("$" joins the next cell, ")" and "%" join the previous one),
  so a number stays on the row with its label: "Cash and cash equivalents | $ 95,201,335";
- a layout table (one cell per row, or a short marker + text such as "Item 2.03. | Creation…",
  "• | text") is text: its cells are joined with a space and it is not recorded as a Table.
Sections are found by `ingest.text.find_sections` (see there for the label representation).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest import budget
from ingest.text import Line, find_sections
from ingest.types import Part, Table

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "ul", "tr",
    "td", "th", "thead", "tbody", "tfoot", "page", "html",
})
SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template", "ix:header", "svg", "img"})
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

_WS = re.compile(r"[\s\u00a0\u2009\u202f\u2002\u2003\ufeff]+")
_HIDDEN = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_BOLD = re.compile(r"font-weight\s*:\s*(bold|bolder|[6-9]00)|font\s*:\s*bold", re.IGNORECASE)
_NOT_BOLD = re.compile(r"font-weight\s*:\s*(normal|lighter|[1-4]00)", re.IGNORECASE)
_CENTER = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)
_CAPS = re.compile(r"text-transform\s*:\s*uppercase", re.IGNORECASE)
_NUMERIC_CELL = re.compile(r"^[(\-–—]?\s*(?:US|C|A)?\$?\s*\(?\s*\d[\d,]*(?:\.\d+)?\s*\)?\s*%?\)?$|^[\-–—]+$")
_YEAR = re.compile(r"^(19|20)\d{2}$")
_JOIN_NEXT = frozenset({"$", "US$", "C$", "A$", "€", "£", "¥", "HK$", "RMB"})
_JOIN_PREV = frozenset({")", "%", ")%", "%)", "x"})
# Tables nested deeper than this are read as plain blocks: a cell's table is laid out by a nested
# writer (a few Python frames a level), and no real filing nests tables more than a few deep.
MAX_TABLE_DEPTH = 24


def decode_html(data: bytes | str) -> str:
    """EDGAR HTML is ASCII with entities or UTF-8; older filer software writes Windows-1252."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def is_numeric_cell(cell: str) -> bool:
    """A figure in a financial table: '1,234', '$ 95,201,335', '(16,619,709)', '6.75%', '—'. Bare years are headers."""
    return bool(_NUMERIC_CELL.match(cell)) and not _YEAR.match(cell)


class _Writer:
    """Accumulates inline text into lines; records data tables."""

    __slots__ = ("lines", "tables", "pos", "buf", "bold_chars", "link_chars", "caps_chars", "chars", "center", "table_depth")

    def __init__(self, table_depth: int = 0) -> None:
        self.table_depth = table_depth  # tables this writer's text sits inside (a cell's sub-writer is one deeper)
        self.lines: list[Line] = []
        self.tables: list[Table] = []
        self.pos = 0  # length of the text so far, lines joined by "\n"
        self.buf: list[str] = []
        self.bold_chars = self.link_chars = self.caps_chars = self.chars = 0
        self.center = 0

    def add(self, raw: str, bold: bool, link: bool, caps: bool = False) -> None:
        piece = _WS.sub(" ", raw.replace("\u200b", ""))
        if not piece:
            return
        self.buf.append(piece)
        n = len(piece) - piece.count(" ")
        self.chars += n
        if bold:
            self.bold_chars += n
        if link:
            self.link_chars += n
        if caps:
            self.caps_chars += n

    def flush(self) -> None:
        if not self.buf:
            return
        text = _WS.sub(" ", "".join(self.buf)).strip()
        if text:
            chars = max(self.chars, 1)
            self.emit(text, bold=self.bold_chars / chars, linked=self.link_chars / chars >= 0.5,
                      centered=self.center > 0, caps=self.caps_chars / chars >= 0.9)
        self.buf.clear()
        self.bold_chars = self.link_chars = self.caps_chars = self.chars = 0

    def emit(self, text: str, *, bold: float = 0.0, linked: bool = False, centered: bool = False,
             table: bool = False, caps: bool = False) -> Line:
        start = self.pos + (1 if self.lines else 0)
        line = Line(start=start, end=start + len(text), text=text, bold=bold, centered=centered,
                    linked=linked, table=table, caps=caps)
        self.lines.append(line)
        self.pos = line.end
        return line

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    # --- traversal ---

    def walk(self, node: LexborNode, bold: bool, link: bool, caps: bool = False) -> None:
        # An explicit stack, not recursion: hostile or broken HTML nests thousands of levels deep,
        # past Python's recursion limit. Each frame is (children, bold, link, caps, block, centered).
        stack = [(node.iter(include_text=True), bold, link, caps, False, False)]
        steps = 0
        while stack:
            steps += 1
            if steps & 4095 == 0:
                budget.check()
            children, bold, link, caps, _, _ = stack[-1]
            child = next(children, None)
            if child is None:
                _, _, _, _, block, centered = stack.pop()
                if block:
                    self.flush()
                if centered:
                    self.center -= 1
                continue
            tag = child.tag
            if tag == "-text":
                text = child.text_content
                if text:
                    self.add(text, bold, link, caps)
                continue
            if tag is None or tag[0] == "-" or tag in SKIP_TAGS:
                continue
            attrs = child.attributes
            style = attrs.get("style") or ""
            if style and _HIDDEN.search(style):
                continue
            if tag == "table" and self.table_depth < MAX_TABLE_DEPTH:
                self.table(child, bold, link)
                continue
            if tag == "br":
                self.flush()
                continue
            child_bold = bold
            if tag in ("b", "strong") or tag in HEADING_TAGS:
                child_bold = True
            if style:
                if _BOLD.search(style):
                    child_bold = True
                elif _NOT_BOLD.search(style):
                    child_bold = False
            child_link = link or (tag == "a" and bool(attrs.get("href")))
            child_caps = caps or bool(style and _CAPS.search(style))
            block = tag in BLOCK_TAGS
            centered = block and (tag == "center" or (attrs.get("align") or "").lower() == "center"
                                  or bool(style and _CENTER.search(style)))
            if block:
                self.flush()
            if centered:
                self.center += 1
            stack.append((child.iter(include_text=True), child_bold, child_link, child_caps, block, centered))

    def cell(self, node: LexborNode, bold: bool, link: bool) -> tuple[str, float, float]:
        """A cell's text on one line, with its bold and link shares."""
        sub = _Writer(self.table_depth + 1)
        sub.walk(node, bold, link)
        sub.flush()
        if not sub.lines:
            return "", 0.0, 0.0
        text = " ".join(line.text for line in sub.lines)
        weight = sum(len(line.text) for line in sub.lines) or 1
        bold_share = sum(line.bold * len(line.text) for line in sub.lines) / weight
        link_share = sum(len(line.text) for line in sub.lines if line.linked) / weight
        return text, bold_share, link_share

    def table(self, node: LexborNode, bold: bool, link: bool) -> None:
        self.flush()
        budget.check()
        rows: list[list[tuple[str, float, float]]] = []
        for tr in _rows(node):
            cells = []
            for td in tr.iter():
                if td.tag in ("td", "th"):
                    style = td.attributes.get("style") or ""
                    if style and _HIDDEN.search(style):
                        continue
                    cells.append(self.cell(td, bold or td.tag == "th", link))
            merged = _merge_cells(cells)
            if merged:
                rows.append(merged)
        if not rows:
            return
        if _is_layout(rows):
            for row in rows:
                text = " ".join(c[0] for c in row)
                weight = sum(len(c[0]) for c in row) or 1
                self.emit(text, bold=sum(c[1] * len(c[0]) for c in row) / weight,
                          linked=sum(c[2] * len(c[0]) for c in row) / weight >= 0.5)
            return
        first = len(self.lines)
        for row in rows:
            self.emit(" | ".join(c[0] for c in row), table=True)
        texts = [[c[0] for c in row] for row in rows]
        header_rows = next((i for i, row in enumerate(texts) if any(is_numeric_cell(c) for c in row)), 0)
        self.tables.append(Table(start=self.lines[first].start, end=self.lines[-1].end, rows=texts,
                                 header_rows=header_rows))


def _rows(table: LexborNode):
    for child in table.iter():
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            for tr in child.iter():
                if tr.tag == "tr":
                    yield tr


def _merge_cells(cells: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """Drop empty cells; glue '$' to the next cell and ')' / '%' to the previous one."""
    out: list[tuple[str, float, float]] = []
    carry: str | None = None
    for text, bold, link in cells:
        if not text:
            continue
        if carry is not None:
            text = f"{carry} {text}"
            carry = None
        if text in _JOIN_NEXT:
            carry = text
            continue
        if text in _JOIN_PREV and out:
            prev = out[-1]
            out[-1] = (prev[0] + text, prev[1], prev[2])
            continue
        out.append((text, bold, link))
    if carry is not None:
        out.append((carry, 0.0, 0.0))
    return out


def _is_layout(rows: list[list[tuple[str, float, float]]]) -> bool:
    """One cell per row, or a short marker then text ('•', '(1)', 'Item 2.03.'): prose, not data."""
    if all(len(row) <= 1 for row in rows):
        return True
    if all(len(row) <= 2 for row in rows):
        return all(len(row[0][0]) <= 14 and (len(row) == 1 or not is_numeric_cell(row[1][0]))
                   and len(row[-1][0]) > 2 for row in rows)
    return False


def html_lines(data: bytes | str) -> tuple[str, list[Line], list[Table]]:
    """The text of an HTML document, its lines (for section finding) and its data tables."""
    tree = LexborHTMLParser(decode_html(data))
    root = tree.body or tree.root
    writer = _Writer()
    if root is not None:
        writer.walk(root, False, False)
    writer.flush()
    return writer.text(), writer.lines, writer.tables


def parse_html(data: bytes | str, *, filename: str, part_type: str = "HTML", sequence: int = 1,
               description: str = "", form: str | None = None) -> Part:
    """One HTML document as a Part: text, sections and tables (iXBRL facts are added by the caller)."""
    text, lines, tables = html_lines(data)
    sections = find_sections(lines, len(text), form or part_type)
    return Part(type=part_type, sequence=sequence, filename=filename, description=description,
                text=text, sections=sections, tables=tables)
