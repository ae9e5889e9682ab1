"""Inline XBRL facts (`ix:nonFraction`, `ix:nonNumeric`) with their contexts and units, via lxml.

Values are final: `scale` applied (value × 10^scale, so "6.75" with scale -2 is 0.0675), `sign="-"`
applied, `format` transforms applied (numbers, zero dashes, number words, booleans, dates to ISO,
durations to numbers), `xsi:nil` is None. Text blocks follow their `ix:continuation` chain and drop
`ix:exclude`d content; long text is truncated to TEXT_LIMIT characters. Exact repeats (the same
concept, context, unit and value tagged in a statement and again in a note) are kept once.

Elements are matched by local name so that the XML parse (namespaces resolved) and the HTML
fallback for files that are not well-formed (prefixes kept in lower-cased tag names) read alike.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from ingest.types import XbrlFact

TEXT_LIMIT = 2000
MAX_SCALE = 30  # filings use -6..12 (percent to trillions); beyond this the attribute is corrupt
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_BLOCK = frozenset({"p", "div", "br", "tr", "td", "th", "li", "table", "h1", "h2", "h3", "h4", "h5", "h6"})
_WS = re.compile(r"\s+")
_NUMBER_WORDS = {
    "no": 0, "none": 0, "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "a": 1, "an": 1, "single": 1,
}
_MULTIPLIERS = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


@dataclass(slots=True)
class InlineXbrl:
    facts: list[XbrlFact] = field(default_factory=list)
    cover: dict[str, str] = field(default_factory=dict)  # dei local name -> value, e.g. {"TradingSymbol": "CLSK"}


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _attr(el: etree._Element, name: str) -> str | None:
    value = el.get(name)
    return value if value is not None else el.get(name.lower())


def _norm(text: str) -> str:
    return _WS.sub(" ", text.replace("\u200b", "")).strip()


# --- transforms ------------------------------------------------------------------------------

def words_to_number(text: str) -> float | None:
    """'two' -> 2, 'no' -> 0, 'twenty-five' -> 25, 'one hundred' -> 100; None if not number words."""
    tokens = [t for t in re.split(r"[\s\-]+", text.lower().strip()) if t and t != "and"]
    if not tokens:
        return None
    total = current = 0
    for token in tokens:
        if token in _NUMBER_WORDS:
            current += _NUMBER_WORDS[token]
        elif token in _MULTIPLIERS:
            current = max(current, 1) * _MULTIPLIERS[token]
            if _MULTIPLIERS[token] >= 1000:
                total, current = total + current, 0
        elif re.fullmatch(r"\d+(\.\d+)?", token):
            current += float(token)
        else:
            return None
    return float(total + current)


def _plain_number(text: str, comma_decimal: bool = False) -> Decimal | None:
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if comma_decimal:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    cleaned = cleaned.strip("()$")
    if cleaned in ("", "-", "—", "–"):
        return Decimal(0) if cleaned else None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")


def _month_number(token: str) -> int:
    """'Aug' / 'August' / 'Sept.' -> 8; 0 for any other word."""
    low = token.lower()
    if len(low) < 3:
        return 0
    for i, name in enumerate(_MONTH_NAMES, start=1):
        if name.startswith(low):
            return i
    return 0


def parse_date(fmt: str, text: str) -> str | None:
    """Any ixt date transform: the field order comes from the format's name
    ('date-monthname-day-year-en', 'datemonthdayyearen', 'date-day-monthname-year-en', ...)."""
    order = [m[0] for m in re.findall(r"(day|month|year)", fmt.replace("monthname", "month"))]
    values: list[int] = []
    for token in re.findall(r"[A-Za-z]+|\d+", text):
        if token.isdigit():
            values.append(int(token))
        elif _month_number(token):
            values.append(_month_number(token))
    if len(values) < len(order) or not order:
        return None
    parts = dict(zip(order, values[: len(order)]))
    year, month, day = parts.get("y"), parts.get("m"), parts.get("d")
    if year is not None and year < 100:
        year += 2000 if year < 50 else 1900
    if month is None or not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    if year is None:
        return f"--{month:02d}-{day:02d}" if day else None
    return f"{year:04d}-{month:02d}-{day:02d}" if day else f"{year:04d}-{month:02d}"


def apply_format(fmt: str | None, text: str, numeric: bool) -> float | str | bool | None:
    """The value of displayed `text` under an ixt / ixt-sec transform, before scale and sign."""
    name = (fmt or "").rsplit(":", 1)[-1].lower()
    stripped = text.strip()
    if name in ("fixed-zero", "zerodash", "fixedzero", "numdash"):
        return 0.0
    if name in ("fixed-false", "booleanfalse", "fixedfalse"):
        return False
    if name in ("fixed-true", "booleantrue", "fixedtrue"):
        return True
    if name == "boolballotbox":
        return stripped in ("☒", "☑", "✓", "✔", "x", "X")
    if name.startswith("date"):
        return parse_date(name, stripped)
    if name in ("numwordsen", "numwordsenfixedzero"):
        return words_to_number(stripped)
    if name.startswith("dur"):
        # "3", "three years", "one year" -> the number of the unit the transform names
        bare = re.sub(r"(?i)\b(years?|months?|days?|weeks?)\b", " ", stripped).strip()
        number = _plain_number(bare)
        return float(number) if number is not None else words_to_number(bare)
    if name in ("num-comma-decimal", "numcommadecimal", "numdotcomma", "numspacecomma"):
        number = _plain_number(stripped, comma_decimal=True)
        return float(number) if number is not None else None
    if numeric or name.startswith("num"):
        number = _plain_number(stripped)
        if number is None and stripped in ("", "—", "–", "-"):
            return 0.0 if stripped else None
        return float(number) if number is not None else None
    return stripped  # text transforms (state, exchange, filer category names) keep the displayed text


# --- document ---------------------------------------------------------------------------------

def _parse_tree(data: bytes) -> etree._Element | None:
    try:
        parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True, recover=False)
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        parser = etree.HTMLParser(huge_tree=True, recover=True)
        try:
            return etree.fromstring(data, parser)
        except (etree.XMLSyntaxError, ValueError):
            return None


def _text(el: etree._Element, out: list[str]) -> None:
    """Displayed text of an element, without ix:exclude, with spaces at block boundaries.

    An explicit stack, not recursion: a broken file can nest facts thousands deep."""
    stack: list[etree._Element | str] = [el]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        if item.text:
            out.append(item.text)
        pending: list[etree._Element | str] = []  # this element's children in document order
        for child in item:
            local = _local(child.tag)
            if local and local != "exclude":
                block = local in _BLOCK
                pending += [" ", child, " "] if block else [child]
            if child.tail:
                pending.append(child.tail)
        stack.extend(reversed(pending))


def _contexts(elements: list[etree._Element]) -> dict[str, tuple[str | None, str | None, bool, dict[str, str]]]:
    contexts = {}
    for ctx in elements:
        start = end = instant = None
        dims: dict[str, str] = {}
        for el in ctx.iter():
            local = _local(el.tag)
            if local == "startdate":
                start = (el.text or "").strip()
            elif local == "enddate":
                end = (el.text or "").strip()
            elif local == "instant":
                instant = (el.text or "").strip()
            elif local == "explicitmember":
                dims[_attr(el, "dimension") or ""] = (el.text or "").strip()
            elif local == "typedmember":
                dims[_attr(el, "dimension") or ""] = _norm("".join(el.itertext()))
        cid = ctx.get("id") or ""
        contexts[cid] = (None, instant, True, dims) if instant else (start, end, False, dims)
    return contexts


def _strip_measure(measure: str) -> str:
    measure = measure.strip()
    for prefix in ("iso4217:", "xbrli:"):
        if measure.lower().startswith(prefix):
            return measure[len(prefix):]
    return measure


def _units(elements: list[etree._Element]) -> dict[str, str]:
    units = {}
    for unit in elements:
        num: list[str] = []
        den: list[str] = []
        plain: list[str] = []
        for el in unit.iter():
            if _local(el.tag) != "measure":
                continue
            holder = _local(el.getparent().tag) if el.getparent() is not None else ""
            target = num if holder == "unitnumerator" else den if holder == "unitdenominator" else plain
            target.append(_strip_measure(el.text or ""))
        units[unit.get("id") or ""] = "/".join(["*".join(num), "*".join(den)]) if den else "*".join(plain or num)
    return units


def parse_ixbrl(data: bytes) -> InlineXbrl:
    """All facts of an inline-XBRL document, and its dei cover facts. Not iXBRL -> no facts."""
    root = _parse_tree(data)
    if root is None:
        return InlineXbrl()
    buckets: dict[str, list[etree._Element]] = {
        "context": [], "unit": [], "nonfraction": [], "nonnumeric": [], "continuation": []}
    for el in root.iter():
        local = _local(el.tag)
        if local in buckets:
            buckets[local].append(el)
    if not buckets["nonfraction"] and not buckets["nonnumeric"]:
        return InlineXbrl()
    contexts = _contexts(buckets["context"])
    units = _units(buckets["unit"])
    continuations = {el.get("id"): el for el in buckets["continuation"]}

    result = InlineXbrl()
    seen: set[tuple] = set()
    for numeric, elements in ((True, buckets["nonfraction"]), (False, buckets["nonnumeric"])):
        for el in elements:
            fact = _fact(el, numeric, contexts, units, continuations)
            key = (fact.concept, fact.context_id, fact.unit, fact.value if numeric else fact.text[:200])
            if key in seen:
                continue
            seen.add(key)
            result.facts.append(fact)
    result.cover = _cover(result.facts)
    return result


def _fact(el, numeric, contexts, units, continuations) -> XbrlFact:
    pieces: list[str] = []
    _text(el, pieces)
    if not numeric:
        next_id, hops = _attr(el, "continuedAt"), 0
        while next_id and next_id in continuations and hops < 1000:
            cont = continuations[next_id]
            pieces.append(" ")
            _text(cont, pieces)
            next_id, hops = _attr(cont, "continuedAt"), hops + 1
    text = _norm("".join(pieces))
    if len(text) > TEXT_LIMIT:
        text = text[: TEXT_LIMIT - 1].rstrip() + "…"
    concept = _attr(el, "name") or ""
    context_id = _attr(el, "contextRef") or ""
    start, end, instant, dims = contexts.get(context_id, (None, None, False, {}))
    fmt = _attr(el, "format")
    scale_text = _attr(el, "scale")
    try:
        scale = int(scale_text) if scale_text else 0
    except ValueError:
        scale = 0
    sign = _attr(el, "sign")
    nil = (el.get(_XSI_NIL) or el.get("xsi:nil") or "").lower() == "true"
    value: float | str | bool | None
    if nil:
        value = None
    else:
        value = apply_format(fmt, text, numeric)
        # A corrupt scale ("400") or digits past float range give inf or a figure no filing states:
        # the fact keeps its text but no value, rather than storing a number nobody wrote.
        if numeric and isinstance(value, float) and abs(scale) > MAX_SCALE:
            value = None
        if numeric and isinstance(value, float):
            number = Decimal(repr(value)).scaleb(scale)
            value = float(-number if sign == "-" else number)
            if not math.isfinite(value):
                value = None
    unit_ref = _attr(el, "unitRef")
    return XbrlFact(
        concept=concept, value=value, text=text, fact_id=el.get("id"), context_id=context_id,
        period_start=start, period_end=end, instant=instant, dimensions=dict(dims),
        unit=units.get(unit_ref, unit_ref) if unit_ref else None, decimals=_attr(el, "decimals"),
        scale=scale, sign=sign, numeric=numeric,
    )


_COVER_CONCEPTS = ("DocumentType", "DocumentPeriodEndDate", "EntityRegistrantName", "EntityCentralIndexKey",
                   "TradingSymbol", "AmendmentFlag", "DocumentFiscalYearFocus", "DocumentFiscalPeriodFocus")


def _cover(facts: list[XbrlFact]) -> dict[str, str]:
    """dei facts of the cover page; for several TradingSymbols prefer one without dimensions."""
    cover: dict[str, str] = {}
    for fact in facts:
        prefix, _, local = fact.concept.partition(":")
        if prefix != "dei" or local not in _COVER_CONCEPTS or fact.value in (None, ""):
            continue
        if local not in cover or (local == "TradingSymbol" and not fact.dimensions and cover.get("_ts_dim")):
            cover[local] = str(fact.value).strip()
            if local == "TradingSymbol":
                cover["_ts_dim"] = "1" if fact.dimensions else ""
    cover.pop("_ts_dim", None)
    return cover
