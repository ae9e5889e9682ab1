"""Split a parsed Document into Chunks small enough for the embedder.

Rules:
- A chunk never crosses a section boundary: a part is cut at every section start and end (nested
  sections included), and text outside any section is its own span.
- Prose chunks: `chunk.text == part.text[chunk.start:chunk.end]` exactly. Text is split on lines
  (paragraphs), then sentences, then words; small neighbouring paragraphs are packed together, and
  neighbouring chunks of one span share up to `overlap_tokens` tokens (starting at a sentence start
  when one is in reach, else at a word).
- Table chunks (Part.tables): rows are never split (unless a single row alone exceeds the budget),
  and every chunk of a table starts with the section label and the table's header rows, so a number
  is never separated from its headers. Their `text` is that rendering (cells joined by " | ", one row
  a line), and `[start, end)` is the span of the chunk's own rows in `part.text` (the body without the
  repeated header). Table spans are not chunked again as prose.
- No chunk exceeds `max_tokens` as counted by `count_tokens` (content tokens, no [CLS]/[SEP]).

Cost: BERT's pre-tokenizer splits on whitespace before word-piecing, so the token count of
whitespace-joined pieces is the sum of the pieces' counts. Each piece of text is therefore counted
once (in one batched call per level: lines, then the few over-long lines' sentences, then words) and
chunks are packed by adding counts; a final batched check re-counts the chunks and splits any that
the additivity assumption got wrong. Linear in the text, never re-tokenizing growing prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest import budget
from ingest.errors import BadInput
from ingest.types import Chunk, Document, Part, Table

# Bumped whenever the way text is cut changes: it is part of the index's collection name.
CHUNKER_VERSION = 1

TokenCounter = Callable[[list[str]], list[int]]

_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")
# A sentence ends at . ! ? or ; followed by whitespace and an opening capital, digit, quote or
# bracket. Over-splitting is harmless: pieces are packed back together up to the budget.
_SENTENCE_END = re.compile(r"(?<=[.!?;:])[\"')\u201d\u2019]*\s+(?=[\"'(\[\u201c\u2018A-Z0-9$•])")
_SENTENCE_FINAL = re.compile(r"[.!?;:][\"')\u201d\u2019]*$")
_CELL_SEP = " | "


@dataclass(slots=True)
class _Piece:
    start: int
    end: int
    tokens: int


def chunk_document(
    doc: Document,
    count_tokens: TokenCounter,
    *,
    max_tokens: int = 254,
    overlap_tokens: int = 32,
) -> list[Chunk]:
    """All chunks of `doc`, part by part, in text order within each part."""
    if max_tokens < 16:
        raise BadInput(f"max_tokens must be at least 16, got {max_tokens}")
    if not 0 <= overlap_tokens <= max_tokens // 2:
        raise BadInput(f"overlap_tokens must be between 0 and max_tokens/2, got {overlap_tokens}")
    chunks: list[Chunk] = []
    for part in doc.parts:
        chunks.extend(_chunk_part(doc, part, count_tokens, max_tokens, overlap_tokens))
    return chunks


def _chunk_part(
    doc: Document, part: Part, count: TokenCounter, max_tokens: int, overlap: int
) -> list[Chunk]:
    text = part.text
    if not text.strip():
        return []
    tables = sorted(
        (t for t in part.tables if t.rows and 0 <= t.start < t.end <= len(text)), key=lambda t: t.start
    )
    spans = _section_spans(part)
    out: list[tuple[int, int, str, str | None, int | None]] = []  # start, end, text, label, page

    # Prose: every span minus the table ranges.
    segments: list[tuple[int, int, str | None, int | None]] = []
    for a, b in spans:
        label, page = _label_and_page(part, a)
        for s, e in _subtract(a, b, [(t.start, t.end) for t in tables]):
            if text[s:e].strip():
                segments.append((s, e, label, page))
    for s, e, label, page in segments:
        budget.check()  # per section and per table: a document of 50,000 of them stops at its budget
        for cs, ce in _chunk_prose(text, s, e, count, max_tokens, overlap):
            out.append((cs, ce, text[cs:ce], label, page))

    for table in tables:
        budget.check()
        label, page = _label_and_page(part, table.start)
        for cs, ce, body in _chunk_table(text, table, label, count, max_tokens):
            out.append((cs, ce, body, label, page))

    out.sort(key=lambda c: c[0])
    filing = doc.filing
    chunks: list[Chunk] = []
    used: set[int] = set()
    for start, end, body, label, page in out:
        # Two chunks may only share a start if a table row could not be located; keep ids unique.
        while start in used:
            start += 1
        used.add(start)
        chunks.append(
            Chunk(
                chunk_id=f"{doc.sha256[:16]}:{part.sequence}:{start}",
                document=doc.file,
                doc_sha256=doc.sha256,
                part=part.filename or doc.file,
                part_type=part.type,
                section=label,
                page=page,
                start=start,
                end=max(end, start + 1),
                text=body,
                ticker=filing.ticker,
                cik=filing.cik,
                form=filing.form,
                filed=filing.filed,
            )
        )
    return chunks


# --- spans -----------------------------------------------------------------------------------


def _section_spans(part: Part) -> list[tuple[int, int]]:
    """Cut the part at every section start and end: each resulting span lies in one innermost section."""
    n = len(part.text)
    cuts = {0, n}
    for section in part.sections:
        for x in (section.start, section.end):
            if 0 < x < n:
                cuts.add(x)
    points = sorted(cuts)
    return [(a, b) for a, b in zip(points, points[1:]) if b > a]


def _label_and_page(part: Part, offset: int) -> tuple[str | None, int | None]:
    containing = [s for s in part.sections if s.start <= offset < s.end]
    if not containing:
        return None, None
    innermost = part.section_at(offset)
    page = innermost.page if innermost else None
    if page is None:
        # A page section may enclose a structural one (PDF page > "Note 9"): inherit its page.
        for s in sorted(containing, key=lambda s: (s.start, -(s.end)), reverse=True):
            if s.page is not None:
                page = s.page
                break
    return (innermost.label if innermost else None), page


def _subtract(a: int, b: int, holes: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    cur = a
    for hs, he in holes:
        if he <= cur or hs >= b:
            continue
        if hs > cur:
            out.append((cur, hs))
        cur = max(cur, he)
    if cur < b:
        out.append((cur, b))
    return out


# --- prose -----------------------------------------------------------------------------------


def _chunk_prose(
    text: str, a: int, b: int, count: TokenCounter, max_tokens: int, overlap: int
) -> list[tuple[int, int]]:
    pieces = _pieces(text, a, b, count, max_tokens)
    if not pieces:
        return []
    chunks = _pack(text, pieces, count, max_tokens, overlap)
    return _verify(text, chunks, count, max_tokens)


def _pieces(text: str, a: int, b: int, count: TokenCounter, max_tokens: int) -> list[_Piece]:
    """Lines, with over-long lines replaced by their sentences, over-long sentences by their words."""
    lines = _trimmed_spans(text, [(m.start(), m.end()) for m in _LINE.finditer(text, a, b)])
    level = _counted(text, lines, count)
    out: list[_Piece] = []
    for piece in level:
        if piece.tokens <= max_tokens:
            out.append(piece)
        else:
            out.extend(_split_long(text, piece, count, max_tokens))
    return out


def _counted(text: str, spans: list[tuple[int, int]], count: TokenCounter) -> list[_Piece]:
    if not spans:
        return []
    counts = count([text[s:e] for s, e in spans])
    return [_Piece(s, e, n) for (s, e), n in zip(spans, counts)]


def _split_long(text: str, piece: _Piece, count: TokenCounter, max_tokens: int) -> list[_Piece]:
    sentences = _sentence_spans(text, piece.start, piece.end)
    if len(sentences) > 1:
        out: list[_Piece] = []
        for sentence in _counted(text, sentences, count):
            out.extend([sentence] if sentence.tokens <= max_tokens else _split_words(text, sentence, count, max_tokens))
        return out
    return _split_words(text, piece, count, max_tokens)


def _sentence_spans(text: str, a: int, b: int) -> list[tuple[int, int]]:
    spans = []
    cur = a
    for m in _SENTENCE_END.finditer(text, a, b):
        spans.append((cur, m.start()))
        cur = m.end()
    spans.append((cur, b))
    return [(s, e) for s, e in _trimmed_spans(text, spans)]


def _trimmed_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _split_words(text: str, piece: _Piece, count: TokenCounter, max_tokens: int) -> list[_Piece]:
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, piece.start, piece.end)]
    if len(words) <= 1:
        return _split_chars(text, piece, count, max_tokens)
    out: list[_Piece] = []
    for word in _counted(text, words, count):
        out.extend([word] if word.tokens <= max_tokens else _split_chars(text, word, count, max_tokens))
    return out


def _split_chars(text: str, piece: _Piece, count: TokenCounter, max_tokens: int) -> list[_Piece]:
    """A whitespace-free run of more than max_tokens tokens (rules of dots, long symbol runs): halve it."""
    if piece.tokens <= max_tokens or piece.end - piece.start <= 1:
        return [piece]
    mid = (piece.start + piece.end) // 2
    halves = _counted(text, [(piece.start, mid), (mid, piece.end)], count)
    out: list[_Piece] = []
    for half in halves:
        out.extend(_split_chars(text, half, count, max_tokens))
    return out


def _pack(text: str, pieces: list[_Piece], count: TokenCounter, max_tokens: int, overlap: int) -> list[tuple[int, int]]:
    """Greedy: add pieces while the sum fits; each new chunk opens with the previous chunk's tail."""
    chunks: list[tuple[int, int]] = []
    start = pieces[0].start
    first = 0  # index of the first piece of the current chunk
    used = 0  # tokens in the current chunk, including its overlap prefix
    end = pieces[0].start
    for i, piece in enumerate(pieces):
        if used + piece.tokens <= max_tokens or i == first:
            used += piece.tokens
            end = piece.end
            continue
        chunks.append((start, end))
        # At most half of the chunk just closed, so a short chunk is never repeated almost whole.
        allowed = min(overlap, max_tokens - piece.tokens, used // 2)
        ov_start, ov_tokens = _overlap_start(text, start, end, allowed, count)
        start = ov_start if ov_start is not None else piece.start
        used = (ov_tokens if ov_start is not None else 0) + piece.tokens
        first = i
        end = piece.end
    chunks.append((start, end))
    return chunks


def _overlap_start(
    text: str, chunk_start: int, chunk_end: int, allowed: int, count: TokenCounter
) -> tuple[int | None, int]:
    """Where the next chunk should start so it repeats at most `allowed` tokens of this chunk's tail.

    Starts after `chunk_start`, so chunk ids stay unique. Prefers the earliest sentence start within reach.
    """
    if allowed <= 0:
        return None, 0
    # Each word is at least one token, so the last `allowed` words are all we may need.
    window_start = max(chunk_start, chunk_end - 24 * allowed)
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, window_start, chunk_end)][-allowed:]
    words = [w for w in words if w[0] > chunk_start]
    if not words:
        return None, 0
    counts = count([text[s:e] for s, e in words])
    total = 0
    chosen: int | None = None
    for k in range(len(words) - 1, -1, -1):
        if total + counts[k] > allowed:
            break
        total += counts[k]
        chosen = k
    if chosen is None:
        return None, 0
    # Snap forward to the first sentence start inside the window, if any: a cleaner opening.
    for k in range(max(chosen, 1), len(words)):
        prev_start, prev_end = words[k - 1]
        if _SENTENCE_FINAL.search(text[prev_start:prev_end]):
            total = sum(counts[k:])
            chosen = k
            break
    return words[chosen][0], total


def _verify(text: str, chunks: list[tuple[int, int]], count: TokenCounter, max_tokens: int) -> list[tuple[int, int]]:
    """Re-count the packed chunks in one batch; split any whose pieces did not add up as assumed."""
    counts = count([text[s:e] for s, e in chunks])
    if all(n <= max_tokens for n in counts):
        return chunks
    out: list[tuple[int, int]] = []
    for (s, e), n in zip(chunks, counts):
        if n <= max_tokens:
            out.append((s, e))
        else:
            out.extend(_halve_until_fits(text, s, e, count, max_tokens))
    return out


def _halve_until_fits(text: str, s: int, e: int, count: TokenCounter, max_tokens: int) -> list[tuple[int, int]]:
    n = count([text[s:e]])[0]
    if n <= max_tokens or e - s <= 1:
        return [(s, e)]
    words = [m.start() for m in _WORD.finditer(text, s, e)]
    mid = words[len(words) // 2] if len(words) > 1 else (s + e) // 2
    if mid <= s:
        mid = (s + e) // 2
    left = _trimmed_spans(text, [(s, mid)])
    right = _trimmed_spans(text, [(mid, e)])
    out: list[tuple[int, int]] = []
    for a, b in left + right:
        out.extend(_halve_until_fits(text, a, b, count, max_tokens))
    return out


# --- tables ----------------------------------------------------------------------------------


def render_row(cells: Sequence[str]) -> str:
    """One table row as one line: non-empty cells joined by ' | '."""
    return _CELL_SEP.join(c.strip() for c in cells if c and c.strip())


def _chunk_table(
    text: str, table: Table, label: str | None, count: TokenCounter, max_tokens: int
) -> list[tuple[int, int, str]]:
    n_header = max(0, min(table.header_rows, len(table.rows)))
    header_lines = [r for r in (render_row(row) for row in table.rows[:n_header]) if r]
    body_rows = [(i, render_row(row)) for i, row in enumerate(table.rows) if i >= n_header]
    body_rows = [(i, r) for i, r in body_rows if r]
    if not body_rows:
        # A table that is all header (or that the parser could not split) is still content.
        body_rows = [(i, render_row(row)) for i, row in enumerate(table.rows)]
        body_rows = [(i, r) for i, r in body_rows if r]
        header_lines = []
    if not body_rows:
        return []
    prefix_lines = ([label] if label else []) + header_lines
    counts = count(["\n".join(prefix_lines)] + [r for _, r in body_rows])
    prefix_tokens, row_tokens = counts[0], counts[1:]
    # A header that leaves too little room for rows is cut down: the label and the last header row
    # (the one naming the columns) matter most.
    if prefix_tokens > max_tokens // 2:
        prefix_lines = ([label] if label else []) + header_lines[-1:]
        prefix_tokens = count(["\n".join(prefix_lines)])[0]
        if prefix_tokens > max_tokens // 2:
            prefix_lines, prefix_tokens = [], 0
    budget = max_tokens - prefix_tokens
    offsets = _row_offsets(text, table)

    groups: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    used = 0
    for (i, row), n in zip(body_rows, row_tokens):
        if n > budget:
            if current:
                groups.append(current)
                current, used = [], 0
            groups.extend([[(i, part)] for part in _split_row(table.rows[i], count, budget)])
            continue
        if current and used + n > budget:
            groups.append(current)
            current, used = [], 0
        current.append((i, row))
        used += n
    if current:
        groups.append(current)

    # Verify in one batch: a group whose rows did not add up as assumed is halved until it fits.
    bodies = ["\n".join(prefix_lines + [row for _, row in group]) for group in groups]
    pending = list(zip(groups, bodies, count(bodies)))
    fitted: list[tuple[list[tuple[int, str]], str]] = []
    while pending:
        group, body, n = pending.pop(0)
        if n <= max_tokens:
            fitted.append((group, body))
        elif len(group) > 1:
            halves = [group[: len(group) // 2], group[len(group) // 2 :]]
            hb = ["\n".join(prefix_lines + [row for _, row in h]) for h in halves]
            pending[:0] = list(zip(halves, hb, count(hb)))
        else:
            ((i, row),) = group
            words = row.split()
            if len(words) >= 2:
                halves_text = [" ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])]
            elif len(row) > 1:  # one unbreakable run (a dotted leader): cut between characters
                halves_text = [row[: len(row) // 2], row[len(row) // 2 :]]
            else:
                fitted.append((group, body))
                continue
            hb = ["\n".join(prefix_lines + [h]) for h in halves_text]
            pending[:0] = [([(i, h)], b, c) for h, b, c in zip(halves_text, hb, count(hb))]

    out = []
    for group, body in fitted:
        first, last = group[0][0], group[-1][0]
        start = offsets[first]
        end = offsets[last + 1] if last + 1 < len(offsets) else table.end
        out.append((start, max(end, start + 1), body))
    return out


def _split_row(cells: Sequence[str], count: TokenCounter, budget: int) -> list[str]:
    """A single row longer than the budget (a paragraph typeset as a table cell): cut between cells,
    and inside an over-long cell between words. A short first cell (the row's label) is repeated at
    the top of each continuation, so a value never loses its row header. " | " costs one token."""
    cells = [c.strip() for c in cells if c and c.strip()]
    counts = count(cells)
    label, label_tokens = (cells[0], counts[0]) if len(cells) > 1 and counts[0] <= budget // 4 else ("", 0)
    # (text, tokens, separator before it): whole cells, or the words of a cell too long to keep whole.
    pieces: list[tuple[str, int, str]] = []
    for cell, n in zip(cells, counts):
        if n <= budget - label_tokens - 1:
            pieces.append((cell, n, _CELL_SEP))
        else:
            words = cell.split()
            pieces.extend((w, wn, _CELL_SEP if k == 0 else " ") for k, (w, wn) in enumerate(zip(words, count(words))))
    parts: list[str] = []
    text, used = "", 0
    for piece, n, sep in pieces:
        cost = n + (1 if text and sep == _CELL_SEP else 0)
        if text and used + cost > budget:
            parts.append(text)
            text, used = (label, label_tokens) if label else ("", 0)
            sep = _CELL_SEP
            cost = n + (1 if text else 0)
        text = f"{text}{sep}{piece}" if text else piece
        used += cost
    if text:
        parts.append(text)
    return parts


def _row_offsets(text: str, table: Table) -> list[int]:
    """Where each row starts in part.text: found by its first non-empty cell, searching forward.

    Rows the parser rendered differently (not found) get an offset interpolated between found ones;
    offsets are made strictly increasing so every table chunk has its own start.
    """
    n = len(table.rows)
    found: list[int | None] = []
    cursor = table.start
    for row in table.rows:
        cell = next((c.strip() for c in row if c and c.strip()), None)
        pos = text.find(cell, cursor, table.end) if cell else -1
        if pos >= 0:
            found.append(pos)
            cursor = pos + len(cell)
        else:
            found.append(None)
    offsets: list[int] = []
    prev = table.start - 1
    span = max(1, table.end - table.start)
    for i, pos in enumerate(found):
        if pos is None or pos <= prev:
            pos = max(prev + 1, table.start + (span * i) // max(1, n))
        offsets.append(min(pos, table.end - 1) if pos < table.end else pos)
        prev = offsets[-1]
    return offsets


@dataclass(frozen=True, slots=True)
class ChunkConfig:
    """Everything about chunking that changes the vectors; part of the index's collection name."""

    max_tokens: int = 254
    overlap_tokens: int = 32
    version: int = CHUNKER_VERSION
