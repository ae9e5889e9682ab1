"""The evidence gate: a value is kept only if a quote from the source states it.

`verify(record, doc)` works on any pydantic record with `evidence: list[Evidence]` and
`warnings: list[str]` (debt instruments, HPC contracts, LLM output alike). For every value
field that is set it looks for an Evidence of that field whose quote (a) occurs in the document,
ignoring whitespace, quote characters and table cell separators, and (b) states the value: the
money, percent, date or number read back from the quote equals it. A quote whose locator names
an XBRL fact ("xbrl <fact id> <concept>") passes when that fact exists in the document with the
value. A value without such a quote is dropped (reset to its default) with a warning.

`check_consistency(instrument)` then flags, never fixes, debt terms that disagree with each other.
"""

from __future__ import annotations

import math
import re
from typing import TypeVar

from pydantic import BaseModel

from extract.normalize import (
    find_dates,
    find_money,
    find_numbers,
    find_percents,
    maturity_from_text,
    parse_month_year,
    word_number,
)
from extract.cues import NONE_OUTSTANDING_RE
from extract.records import Evidence
from ingest.errors import BadInput
from ingest.types import Document, XbrlFact

Record = TypeVar("Record", bound=BaseModel)

# Fields that describe the record rather than state a value read from the document.
_NOT_VALUES = {"ticker", "name", "kind", "evidence", "warnings", "xbrl_member", "mention_only", "superseded", "status"}

_QUOTE_CHARS = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "′": "'", "\u00a0": " ", "|": " "})


def normalize_for_search(text: str) -> str:
    """Text with table separators, quote-character variants, dashes and whitespace runs made uniform."""
    text = text.translate(_QUOTE_CHARS)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return re.sub(r"\s+", " ", text).strip().lower()


class _DocumentIndex:
    """The document's text in search form, built once per verify call."""

    def __init__(self, doc: Document) -> None:
        self.file = doc.file
        self.text = normalize_for_search(doc.text)
        self.squeezed = self.text.replace(" ", "")
        self.facts: list[XbrlFact] = doc.facts

    def contains(self, quote: str) -> bool:
        needle = normalize_for_search(quote)
        if not needle:
            return False
        # Whitespace-insensitive: parsers differ on whether "$ 8,585" or "$8,585" and whether
        # cells are joined with spaces, so compare with all spaces removed as a fallback.
        return needle in self.text or needle.replace(" ", "") in self.squeezed


def verify(record: Record, doc: Document) -> Record:
    """Keep each value only if one of its Evidence quotes is in `doc` and states it; drop the rest."""
    if "evidence" not in type(record).model_fields:
        raise BadInput(f"{type(record).__name__} has no evidence field; the gate needs one to verify values")
    index = _DocumentIndex(doc)
    kept: list[Evidence] = []
    warnings = list(getattr(record, "warnings", []))
    updates: dict[str, object] = {}
    evidence: list[Evidence] = list(getattr(record, "evidence", []))
    fields = type(record).model_fields

    by_field: dict[str | None, list[Evidence]] = {}
    for ev in evidence:
        by_field.setdefault(ev.field, []).append(ev)

    for name, info in fields.items():
        if name in _NOT_VALUES or info.is_required():
            continue
        value = getattr(record, name)
        if value is None or isinstance(value, list):
            continue
        good = [ev for ev in by_field.get(name, []) if _supports(ev, name, value, index)]
        if not good and name.endswith("_as_of"):
            # The date of a tagged balance is its fact's period: the amount's XBRL evidence supports it.
            amount_field = name.replace("_as_of", "_usd")
            good = [ev for ev in by_field.get(amount_field, []) if _is_xbrl(ev) and _fact_period_is(ev, value, index.facts)]
        if good:
            kept.extend(good)
        else:
            reason = "no evidence" if not by_field.get(name) else "quote not found in document or does not state the value"
            warnings.append(f"dropped {name}={value!r}: {reason}")
            updates[name] = info.default
    # Evidence for descriptive fields (name, kind) is kept when its quote is in the document.
    for ev in evidence:
        if ev.field not in fields or ev.field in _NOT_VALUES:
            if ev.document == index.file and (_is_xbrl(ev) or index.contains(ev.quote)):
                kept.append(ev)
    updates["evidence"] = kept
    updates["warnings"] = warnings
    return record.model_copy(update=updates)


def _is_xbrl(ev: Evidence) -> bool:
    return ev.locator.lower().startswith("xbrl")


def _supports(ev: Evidence, field: str, value: object, index: _DocumentIndex) -> bool:
    if ev.document != index.file:
        return False
    if _is_xbrl(ev):
        return _fact_supports(ev, field, value, index.facts)
    if not index.contains(ev.quote):
        return False
    return states(ev.quote, field, value)


def _fact_supports(ev: Evidence, field: str, value: object, facts: list[XbrlFact]) -> bool:
    """The locator reads "xbrl <fact id> <concept>"; the named fact must exist and hold the value."""
    tokens = set(ev.locator.split()[1:])
    named = [f for f in facts if f.fact_id and f.fact_id in tokens] or [f for f in facts if f.concept in tokens]
    for fact in named:
        fv = fact.value
        if isinstance(value, bool) or isinstance(fv, bool):
            if fv == value:
                return True
        elif isinstance(value, (int, float)) and isinstance(fv, (int, float)):
            # Percent facts carry fractions (0.0675) where records hold percent (6.75).
            if _close(fv, value) or (field.endswith("_pct") and _close(fv * 100, value)):
                return True
        elif isinstance(value, int) and isinstance(fv, str) and fv[:4].isdigit():
            if int(fv[:4]) == value:
                return True
        elif fv == value or (isinstance(fv, str) and isinstance(value, str) and fv.strip() == value.strip()):
            return True
    return False


def _fact_period_is(ev: Evidence, date: object, facts: list[XbrlFact]) -> bool:
    tokens = set(ev.locator.split()[1:])
    return any(f.period_end == date for f in facts if (f.fact_id and f.fact_id in tokens) or f.concept in tokens)


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)


_ZERO_COUPON = re.compile(r"not bear (?:regular |any )?interest|zero[- ]coupon|non-interest[- ]bearing|bears? no interest|\b0%", re.I)
_SECURED = re.compile(r"\bsecur(?:ed|es)\b|collateral|pledge|security interest|mortgage|encumbered", re.I)
_UNSECURED = re.compile(r"\bunsecured\b", re.I)


def states(quote: str, field: str, value: object) -> bool:
    """Whether `quote` states `value` for `field`: the value can be read back from the text."""
    if isinstance(value, bool):
        if value:
            return bool(_SECURED.search(_UNSECURED.sub("", quote)))
        return bool(_UNSECURED.search(quote))
    if field.endswith("_year") and isinstance(value, int):
        years = {int(d[:4]) for d, _ in find_dates(quote)}
        month_year = parse_month_year(quote)
        if month_year:
            years.add(month_year[0])
        due = maturity_from_text(quote)
        if due:
            years.add(due)
        years |= {int(y) for y in re.findall(r"\b((?:19|20)\d{2})\b", quote)}
        return value in years
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value in {d for d, _ in find_dates(quote)}
    if isinstance(value, str):
        return _text_stated(quote, value)
    if isinstance(value, (int, float)):
        number = float(value)
        if field.endswith("_pct"):
            if number == 0 and _ZERO_COUPON.search(quote):
                return True
            return any(_close(p, number) for p, _ in find_percents(quote)) or any(
                _close(n, number) for n, _ in find_numbers(quote)
            )
        if field.endswith("_usd"):
            if number == 0 and NONE_OUTSTANDING_RE.search(quote):
                return True  # "there is no outstanding balance on the line of credit"
            return any(_close(v, number) for v in _money_readings(quote))
        return any(_close(n, number) for n in _number_readings(quote))
    return False


def _money_readings(quote: str) -> set[float]:
    """Every amount the quote can be read as: written amounts ("$1.15 billion" is 1.15e9 and never
    1.15), and figures without a unit word in the units tables use (as written, thousands, millions)."""
    readings: set[float] = set()
    unit_word = re.compile(r"\s*(?:thousand|million|billion|trillion|bn|mm|mn|[mbk]\b)", re.I)
    amounts = []
    for value, (_, end) in find_money(quote):
        amounts.append(abs(value))
        readings.add(abs(value))
        if not unit_word.match(quote[end - 1 : end + 12]) and not re.search(r"[a-z]$", quote[:end], re.I):
            readings |= {abs(value) * 1e3, abs(value) * 1e6}
    for n, (_, end) in find_numbers(quote):
        if not unit_word.match(quote[end : end + 12]):
            readings |= {n, n * 1e3, n * 1e6}
    # A derived amount: "US$400,000,000 ... or up to US$460,000,000 if ... exercise in full their option"
    # states an option of US$60,000,000 as the difference of the two.
    readings |= {abs(a - b) for a in amounts for b in amounts if a != b}
    if re.search(r"\badditional\b", quote, re.I):
        # "private placement of US$330.0 million ... and an additional US$45.0 million": the total issued.
        # Two grants of the same size ("up to $125 million ..., (ii) ... up to $125 million") add up too:
        # pairs of positions, not of distinct values.
        readings |= {amounts[i] + amounts[j] for i in range(len(amounts)) for j in range(i + 1, len(amounts))}
    return {round(r, 4) for r in readings}


def _number_readings(quote: str) -> set[float]:
    readings = {n for n, _ in find_numbers(quote)}
    for word in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)?", quote):
        n = word_number(word)
        if n is not None:
            readings.add(float(n))
    return readings


def _text_stated(quote: str, value: str) -> bool:
    """A text value is stated when it appears in the quote, or (for rates written our own way,
    e.g. "SOFR + 1.25%") when every number in it appears in the quote."""
    if normalize_for_search(value) in normalize_for_search(quote):
        return True
    numbers = [n for n, _ in find_numbers(value)]
    if not numbers:
        return False
    in_quote = {n for n, _ in find_numbers(quote)}
    return all(any(_close(n, q) for q in in_quote) for n in numbers)


# --------------------------------------------------------------------------------------------
# Consistency checks: flag, never fix.


def check_consistency(record: Record) -> Record:
    """Append a warning for each debt term that disagrees with another; values are kept."""
    flags: list[str] = []
    rate = getattr(record, "conversion_rate_per_1000", None)
    price = getattr(record, "conversion_price_usd", None)
    if rate and price:
        product = rate * price
        if abs(product - 1000) > 5:  # ±0.5% of $1,000
            flags.append(f"conversion rate {rate} x price {price} = {product:.2f}, not about 1,000")
    issue, maturity = getattr(record, "issue_date", None), getattr(record, "maturity_date", None)
    if issue and maturity and maturity <= issue:
        flags.append(f"maturity {maturity} is not after issue {issue}")
    year = getattr(record, "maturity_year", None)
    if year and maturity and int(maturity[:4]) != year:
        flags.append(f"maturity_year {year} disagrees with maturity_date {maturity}")
    if year and issue and year < int(issue[:4]):
        flags.append(f"maturity year {year} is before issue {issue}")
    coupon = getattr(record, "coupon_pct", None)
    if coupon is not None and not 0 <= coupon <= 20:
        flags.append(f"coupon {coupon}% outside 0-20%")
    face = getattr(record, "outstanding_usd", None) or getattr(record, "principal_usd", None)
    carrying = getattr(record, "carrying_value_usd", None)
    if face and carrying:
        if carrying > face * 1.005:
            flags.append(f"carrying amount {carrying:,.0f} exceeds face amount {face:,.0f}")
        elif carrying < face / 10:
            flags.append(f"carrying amount {carrying:,.0f} far below face amount {face:,.0f} (scale?)")
    if not flags:
        return record
    return record.model_copy(update={"warnings": [*getattr(record, "warnings", []), *flags]})


__all__ = ["verify", "check_consistency", "states", "normalize_for_search"]
