"""EDGAR complete-submission .txt files: the SGML header and one Part per text-bearing <DOCUMENT>.

The header gives the filing's identity (accession, form, dates, filer, 8-K items). Each
<DOCUMENT> carries TYPE, SEQUENCE, FILENAME, DESCRIPTION and a <TEXT> body. HTML bodies go through
ingest.html (and ingest.ixbrl when they hold ix: tags), plain-text bodies through ingest.text.
Documents without prose are omitted: uuencoded files, GRAPHIC/ZIP/PDF/EXCEL, EX-101 taxonomy
files, the XBRL viewer (R*.htm, FilingSummary.xml, Show.js, report.css), XML and JSON.
"""

from __future__ import annotations

import re
from datetime import date
from dataclasses import dataclass, field

from ingest import budget, forms
from ingest.html import parse_html
from ingest.ixbrl import parse_ixbrl
from ingest.text import parse_text
from ingest.types import Filing, Part

SKIP_TYPES = frozenset({"GRAPHIC", "ZIP", "PDF", "EXCEL", "XML", "JSON", "XBRL", "COVER"})
SKIP_EXTENSIONS = (".jpg", ".jpeg", ".gif", ".png", ".bmp", ".xsd", ".xml", ".json", ".css", ".js", ".zip",
                   ".xls", ".xlsx", ".pdf", ".svg")
_VIEWER_PAGE = re.compile(r"^R\d+\.htm$", re.IGNORECASE)
_HEADER_LINE = re.compile(r"^\s*([A-Z][A-Z0-9 \-/()]+?):[ \t]*(.*?)\s*$", re.MULTILINE)
_TAG_LINE = re.compile(r"^<([A-Z][A-Z0-9\-]*)>([^<\n]*)$", re.MULTILINE)
_HTML_START = re.compile(r"<(html|body|div|p|table|font|center|span)[\s>]", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


@dataclass(slots=True)
class Submission:
    filing: Filing
    parts: list[Part] = field(default_factory=list)
    cover: dict[str, str] = field(default_factory=dict)  # dei cover facts of the primary document


def iso_date(yyyymmdd: str | None) -> str | None:
    """'20251110' -> '2025-11-10'; ISO input passes through; anything else -> None."""
    if not yyyymmdd:
        return None
    digits = yyyymmdd.strip()
    if re.fullmatch(r"\d{8}", digits):
        digits = f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", digits):
        return None
    try:  # a real calendar date: a corrupt header's 20259999 is no date at all
        return date.fromisoformat(digits).isoformat()
    except ValueError:
        return None


def parse_header(header: str) -> Filing:
    """The SGML header in either EDGAR spelling: 'CONFORMED SUBMISSION TYPE:' lines (the .txt
    complete submission) or '<TYPE>' tags (the -index-headers.html form)."""
    fields: dict[str, str] = {}
    items: list[str] = []
    for key, value in _HEADER_LINE.findall(header):
        key = key.strip()
        if key == "ITEM INFORMATION":
            number = forms.item_number_for_title(value)
            if number and number not in items:
                items.append(number)
        elif value and key not in fields:
            fields[key] = value
    for key, value in _TAG_LINE.findall(header):
        value = value.strip()
        if key == "ITEMS" and value and value not in items:
            items.append(value)
        elif value and f"<{key}>" not in fields:
            fields[f"<{key}>"] = value
    cik = fields.get("CENTRAL INDEX KEY") or fields.get("<CIK>")
    # The first company block is the filer whose conformed name is used: its former names only.
    first_block = re.split(r"\n\s*(?:FILER|SUBJECT COMPANY|FILED BY|REPORTING-OWNER)\s*:", "\n" + header)
    first_block = next((b for b in first_block[1:] if "CONFORMED NAME" in b), header)
    former = [v for k, v in _HEADER_LINE.findall(first_block) if k.strip() == "FORMER CONFORMED NAME" and v]
    return Filing(
        accession=fields.get("ACCESSION NUMBER") or fields.get("<ACCESSION-NUMBER>"),
        form=fields.get("CONFORMED SUBMISSION TYPE") or fields.get("<TYPE>"),
        filed=iso_date(fields.get("FILED AS OF DATE") or fields.get("<FILING-DATE>")),
        period=iso_date(fields.get("CONFORMED PERIOD OF REPORT") or fields.get("<PERIOD>")),
        company=fields.get("COMPANY CONFORMED NAME") or fields.get("<CONFORMED-NAME>"),
        cik=cik.strip().zfill(10) if cik and cik.strip().isdigit() else None,
        items=sorted(items),
        former_names=list(dict.fromkeys(former)),
    )


def _document_meta(block: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for key, value in _TAG_LINE.findall(block):
        meta.setdefault(key, value.strip())
    return meta


def _is_prose(doc_type: str, filename: str, body: str) -> bool:
    upper = doc_type.upper()
    if upper in SKIP_TYPES or upper.startswith("EX-101"):
        return False
    name = filename.lower()
    if name.endswith(SKIP_EXTENSIONS) or _VIEWER_PAGE.match(filename) or name == "filingsummary.xml":
        return False
    head = body.lstrip()[:64]
    return not head.startswith("begin ") and bool(body.strip())


def _strip_wrappers(body: str) -> str:
    """Bodies may be wrapped in <XBRL>, <PDF> or <PRE> envelopes; the content is inside."""
    stripped = body.strip()
    for tag in ("XBRL", "PRE"):
        if stripped[: len(tag) + 2].upper() == f"<{tag}>":
            end = stripped.upper().rfind(f"</{tag}>")
            stripped = stripped[len(tag) + 2: end if end > 0 else None].strip()
    return stripped


def iter_documents(text: str):
    """(meta, body) for each <DOCUMENT> block; body is the content of <TEXT>."""
    pos = 0
    while True:
        start = text.find("<DOCUMENT>", pos)
        if start < 0:
            return
        end = text.find("</DOCUMENT>", start)
        end = len(text) if end < 0 else end
        block = text[start + len("<DOCUMENT>"): end]
        body_start = block.find("<TEXT>")
        meta = _document_meta(block[: body_start if body_start >= 0 else 2000])
        body = ""
        if body_start >= 0:
            body_end = block.rfind("</TEXT>")
            body = block[body_start + len("<TEXT>"): body_end if body_end > body_start else len(block)]
        yield meta, body
        pos = end + len("</DOCUMENT>")


def parse_submission(text: str, *, filename: str) -> Submission:
    """A complete submission as Filing + prose Parts (+ the primary document's dei cover facts)."""
    header_end = text.find("</SEC-HEADER>")
    if header_end < 0:
        header_end = text.find("<DOCUMENT>")
    filing = parse_header(text[: header_end if header_end > 0 else 20000])
    submission = Submission(filing=filing)
    for meta, body in iter_documents(text):
        budget.check()
        doc_type = meta.get("TYPE", "").strip() or "DOCUMENT"
        doc_name = meta.get("FILENAME", "").strip() or filename
        if not _is_prose(doc_type, doc_name, body):
            continue
        try:
            sequence = int(meta.get("SEQUENCE", "0").strip() or 0)
        except ValueError:
            sequence = len(submission.parts) + 1
        description = meta.get("DESCRIPTION", "").strip()
        content = _strip_wrappers(body)
        if _HTML_START.search(content[:20000]):
            part = parse_html(content, filename=doc_name, part_type=doc_type, sequence=sequence,
                              description=description, form=doc_type)
            if "<ix:" in content or "<IX:" in content:
                ix = parse_ixbrl(_XML_DECL.sub("", content, count=1).encode("utf-8"))
                part.facts = ix.facts
                if ix.cover and not submission.cover:
                    submission.cover = ix.cover
        else:
            part = parse_text(content, filename=doc_name, part_type=doc_type, sequence=sequence,
                              description=description, form=doc_type)
        if part.text.strip():
            submission.parts.append(part)
    return submission
