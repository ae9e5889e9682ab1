"""The one entry point: bytes (or a path) to a Document, whatever the format.

The format is sniffed from the bytes, not trusted from the name: an EDGAR complete submission
(`<SEC-DOCUMENT>` / `<SEC-HEADER>` / `<DOCUMENT>` near the start), HTML/XHTML incl. inline XBRL,
PDF (`%PDF-`), or plain UTF-8 text. Anything else is refused with a one-line error naming the
file: EmptyDocument, TooLarge, UnsupportedFormat (binary, archives, images), CorruptDocument
(a PDF that cannot be read, or a file named .pdf that is not one).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from ingest import companies, forms
from ingest.errors import BadInput, CorruptDocument, EmptyDocument, NotFound, TooLarge, UnsupportedFormat
from ingest.html import parse_html
from ingest.ixbrl import parse_ixbrl
from ingest.pdf import parse_pdf
from ingest.submission import parse_submission
from ingest.text import parse_text
from ingest.types import Document, Filing, Part

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".htm", ".html", ".xhtml", ".txt", ".text", ".pdf"})
DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # the default of MINERLENS_MAX_UPLOAD_MB; callers pass theirs

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip archive (or Office document)"),
    (b"PK\x05\x06", "zip archive"),
    (b"\x89PNG", "PNG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
    (b"BM", "bitmap image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"7z\xbc\xaf", "7-zip archive"),
    (b"Rar!", "RAR archive"),
)
_SUBMISSION = re.compile(rb"^\s*(<SEC-DOCUMENT>|<SEC-HEADER>|<IMS-DOCUMENT>|<IMS-HEADER>|<DOCUMENT>)", re.IGNORECASE)
_SUBMISSION_NEAR_START = re.compile(rb"<SEC-HEADER>|<SEC-DOCUMENT>")
_HTML = re.compile(rb"<(!doctype\s+html|html|head|body)[\s>]|<(div|p|table|span|font)[\s>]", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_ASCII_TEXT = re.compile(r"[\t\n\r\x20-\x7e]")


def _sniff_binary(data: bytes) -> str | None:
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            # "MZ"/"BM" are also how some words start: only binary if the rest is not text.
            if magic in (b"MZ", b"BM") and not _looks_binary(data[:4096]):
                continue
            return kind
    return None


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    text = head.decode("latin-1")
    return len(_CONTROL.findall(text)) > max(2, len(text) // 100)


def _decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252; binary content is refused."""
    if b"\x00" in data:
        raise UnsupportedFormat(f"{name}: contains NUL bytes; binary data, not a text document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise UnsupportedFormat(f"{name}: not text (undecodable byte at offset {exc.start})") from exc
        # Legacy 8-bit text is still mostly ASCII; bytes that merely happen to decode are not.
        sample = text[:65536]
        if len(_ASCII_TEXT.findall(sample)) < 0.8 * len(sample):
            raise UnsupportedFormat(f"{name}: binary data (not UTF-8 and mostly non-ASCII), not a text document")
    if len(_CONTROL.findall(text[:65536])) > max(2, min(len(text), 65536) // 200):
        raise UnsupportedFormat(f"{name}: binary data (control characters), not a text document")
    return text


def detect_format(data: bytes, name: str) -> str:
    """'submission' | 'html' | 'pdf' | 'text', or the error saying why the bytes are none of these."""
    suffix = Path(name).suffix.lower()
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if suffix == ".pdf":
        raise CorruptDocument(f"{name}: named .pdf but is not a PDF (no %PDF- header)")
    kind = _sniff_binary(data)
    if kind:
        raise UnsupportedFormat(f"{name}: {kind}, not a filing document")
    if b"\x00" in data:
        raise UnsupportedFormat(f"{name}: contains NUL bytes; binary data, not a text document")
    if not data.strip():
        raise EmptyDocument(f"{name}: only whitespace, no text")
    if _SUBMISSION.match(data[:4096]) or _SUBMISSION_NEAR_START.search(data[:4096]):
        return "submission"
    if _HTML.search(data[:65536]):
        return "html"
    return "text"


# An exchange ticker: 1-5 letters, optionally a class suffix (BRK.B, BF-B, MOG/A).
_TICKER = re.compile(r"[A-Z]{1,5}(?:[.\-/][A-Z]{1,2})?")
MAX_NAME_CHARS = 200  # a stored file name; longer names keep their start and their suffix


def valid_ticker(value: str | None) -> str | None:
    """The upper-cased ticker if it has an exchange ticker's shape, else None."""
    ticker = (value or "").strip().upper()
    return ticker if _TICKER.fullmatch(ticker) else None


def caller_ticker(value: str | None) -> str | None:
    """A ticker the caller gave, upper-cased; BadInput if it cannot be one."""
    if not value:
        return None
    ticker = valid_ticker(value)
    if ticker is None:
        raise BadInput(f"ticker {value[:40]!r} is not an exchange ticker", hint="1-5 letters, optionally a class suffix such as BRK.B.")
    return ticker


def _ticker(caller: str | None, cover: dict[str, str], cik: str | None, company: str | None,
            notes: list[str]) -> str | None:
    """Caller first, then the cover page's TradingSymbol, the CIK table, the company name."""
    if caller:
        return caller_ticker(caller)
    symbol = cover.get("TradingSymbol")
    if symbol:
        ticker = valid_ticker(symbol)
        if ticker:
            return ticker
        notes.append(f"cover TradingSymbol {symbol[:40]!r} is not an exchange ticker; dropped")
    return companies.ticker_for_cik(cik) or (companies.lookup(company).ticker if company and companies.lookup(company) else None)


def _own_ticker(filing: Filing, parts: list[Part]) -> str | None:
    """No cover symbol and not in the ticker table: the symbol the filing states for its own stock."""
    return companies.ticker_in_text(parts[0].text) if parts and (filing.cik or filing.company) else None


def _real_date(value: str | None, what: str, notes: list[str]) -> str | None:
    """An ISO date that exists on the calendar, else None with a note (2025-99-99 is no date)."""
    if not value:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    notes.append(f"{what} {value[:40]!r} is not a real date; dropped")
    return None


def _bounded_name(name: str) -> str:
    if len(name) <= MAX_NAME_CHARS:
        return name
    suffix = Path(name).suffix
    suffix = suffix if len(suffix) <= 12 else ""
    return name[: MAX_NAME_CHARS - len(suffix) - 1] + "…" + suffix


def _items_from_sections(part: Part) -> list[str]:
    """8-K items from the primary document's 'Item 2.03' headings, when no SEC header lists them."""
    items = set()
    for section in part.sections:
        for piece in section.label.split(" › "):
            m = re.fullmatch(r"Item (\d\.\d\d)", piece)
            if m and m.group(1) in forms.ITEMS_8K:
                items.add(m.group(1))
    return sorted(items)


def _fill_from_cover(filing: Filing, cover: dict[str, str]) -> None:
    filing.form = filing.form or cover.get("DocumentType")
    period = cover.get("DocumentPeriodEndDate")
    filing.period = filing.period or period
    filing.company = filing.company or cover.get("EntityRegistrantName")
    if not filing.cik and cover.get("EntityCentralIndexKey"):
        filing.cik = companies.pad_cik(cover["EntityCentralIndexKey"])


def parse_bytes(data: bytes, filename: str, *, ticker: str | None = None, cik: str | None = None,
                max_bytes: int | None = None) -> Document:
    """Parse one file's bytes into a Document (see the module docstring for formats and errors)."""
    name = _bounded_name(Path(filename).name or "document")
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    if not data:
        raise EmptyDocument(f"{name}: empty file (0 bytes)")
    if len(data) > limit:
        raise TooLarge(f"{name}: {len(data):,} bytes is over the limit of {limit:,} bytes")
    fmt = detect_format(data, name)

    cover: dict[str, str] = {}
    if fmt == "pdf":
        filing, parts = Filing(), [parse_pdf(data, filename=name)]
    elif fmt == "submission":
        submission = parse_submission(_decode_text(data, name), filename=name)
        filing, parts, cover = submission.filing, submission.parts, submission.cover
    elif fmt == "html":
        if _looks_binary(data[:4096]):
            raise UnsupportedFormat(f"{name}: binary data, not an HTML document")
        ix = parse_ixbrl(data) if b"<ix:" in data or b"<IX:" in data else None
        cover = ix.cover if ix else {}
        form = cover.get("DocumentType")
        part = parse_html(data, filename=name, part_type=form or "HTML", form=form)
        if ix:
            part.facts = ix.facts
        filing, parts = Filing(), [part]
    else:
        text = _decode_text(data, name)
        filing, parts = Filing(), [parse_text(text, filename=name)]

    parts = [p for p in parts if p.text.strip()]
    if not parts:
        raise EmptyDocument(f"{name}: no text found in the {fmt} document")

    _fill_from_cover(filing, cover)
    if cik:
        filing.cik = companies.pad_cik(cik)
    if not filing.items and forms.form_family(filing.form) == "8-K":
        filing.items = _items_from_sections(parts[0])
    if not filing.cik and not filing.company:
        # No SEC header and no dei facts (a bare exhibit or 6-K): the cover names the issuer.
        named = companies.find_in_text(parts[0].text)
        if named:
            filing.company, filing.cik = named.name, named.cik
    notes: list[str] = []
    filing.filed = _real_date(filing.filed, "filing date", notes)
    filing.period = _real_date(filing.period, "period", notes)
    filing.ticker = _ticker(ticker, cover, filing.cik, filing.company, notes) or _own_ticker(filing, parts)
    return Document(file=name, sha256=hashlib.sha256(data).hexdigest(), format=fmt, filing=filing,
                    parts=parts, size_bytes=len(data), notes=notes)


def parse_path(path: str | Path, **kw) -> Document:
    """Read a file and parse it; the size limit is checked before reading."""
    p = Path(path)
    if not p.exists():
        raise NotFound(f"{p.name}: no such file ({p})")
    if not p.is_file():
        raise BadInput(f"{p.name}: not a regular file")
    limit = kw.get("max_bytes")
    limit = DEFAULT_MAX_BYTES if limit is None else limit
    size = p.stat().st_size
    if size > limit:
        raise TooLarge(f"{p.name}: {size:,} bytes is over the limit of {limit:,} bytes")
    return parse_bytes(p.read_bytes(), p.name, **kw)
