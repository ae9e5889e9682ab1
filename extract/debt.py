"""Debt instruments of one document: prose and inline XBRL together, through the evidence gate.

The same instrument is often stated twice in a 10-Q/10-K: tagged in the notes' XBRL and told in
the narrative. Those become one record: the XBRL value is kept for a number the filer tagged,
prose fills what was not tagged, evidence of both is kept, and a disagreement is flagged as a
warning rather than silently resolved.
"""

from __future__ import annotations

import re

from extract.debt_text import debt_from_text
from extract.evidence import check_consistency, verify
from extract.records import DebtInstrument
from ingest.types import Document

try:  # the XBRL/notes extractor is optional: documents without it still get their prose read
    from extract.debt_xbrl import debt_from_filing_notes
except ImportError:  # pragma: no cover - exercised only when the module is absent
    debt_from_filing_notes = None

_COMPARED = ("coupon_pct", "maturity_year", "conversion_price_usd", "conversion_rate_per_1000")
_VALUE_FIELDS = [
    f for f in DebtInstrument.model_fields if f not in {"ticker", "name", "kind", "evidence", "warnings", "xbrl_member", "mention_only"}
]
_GENERIC_WORDS = {
    "notes", "note", "senior", "convertible", "credit", "facility", "loan", "loans", "agreement", "the",
    "and", "with", "million", "billion", "revolving", "term", "line", "payable", "financing", "master",
    "company", "inc", "member", "debt", "due", "secured", "unsecured", "equipment", "arrangement",
}  # fmt: skip


def extract_debt(doc: Document) -> list[DebtInstrument]:
    """Every debt instrument `doc` states, values verified against the document and cross-checked."""
    from_notes = debt_from_filing_notes(doc) if debt_from_filing_notes is not None else []
    merged = merge_instruments(from_notes, debt_from_text(doc))
    out = []
    for inst in merged:
        checked = check_consistency(verify(inst, doc))
        if not checked.mention_only and not any(getattr(checked, f) is not None for f in _VALUE_FIELDS):
            continue  # every value failed the gate: nothing left to report
        out.append(checked.model_copy(update={"ticker": doc.filing.ticker}))
    return out


def _words(inst: DebtInstrument) -> set[str]:
    text = f"{inst.name} {inst.xbrl_member or ''}"
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return {w for w in re.findall(r"[a-z$][a-z0-9$]{3,}", text.lower()) if w not in _GENERIC_WORDS}


def _conflicts(a: DebtInstrument, b: DebtInstrument) -> bool:
    for name in _COMPARED:
        x, y = getattr(a, name), getattr(b, name)
        if x is not None and y is not None and abs(float(x) - float(y)) > 1e-6:
            return True
    return False


def same_instrument(a: DebtInstrument, b: DebtInstrument) -> bool:
    """Whether two records describe one instrument: no term contradicts and something identifies both."""
    if _conflicts(a, b):
        return False
    if a.principal_usd and b.principal_usd and max(a.principal_usd, b.principal_usd) > 1.5 * min(a.principal_usd, b.principal_usd):
        return False  # a $1 million equipment line is not the $7 million note from the same bank
    if a.kind == b.kind == "convertible" and a.maturity_year and a.maturity_year == b.maturity_year:
        return True
    if a.principal_usd and a.principal_usd == b.principal_usd:
        return True
    # A stated coupon identifies an instrument within one filing ("0.75% Convertible Senior Notes"
    # in prose, the ConvertibleNotesPayable member tagged 0.75%).
    if a.coupon_pct and a.coupon_pct == b.coupon_pct and (a.kind == b.kind or "other" in (a.kind, b.kind)):
        return True
    if _words(a) & _words(b):
        return True
    # Names that say the same thing in generic words ("Master Equipment Financing Agreement" in
    # prose, the MasterEquipmentFinancingArrangement member in XBRL).
    ta, tb = _all_words(a), _all_words(b)
    return a.kind == b.kind and len(ta & tb) >= 3 and len(ta & tb) >= 0.75 * min(len(ta), len(tb))


def _all_words(inst: DebtInstrument) -> set[str]:
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", f"{inst.name} {(inst.xbrl_member or '').split(':')[-1].removesuffix('Member')}")
    return {w for w in re.findall(r"[a-z][a-z0-9]{2,}", text.lower()) if w not in {"the", "and", "with", "inc"}}


def merge_instruments(primary: list[DebtInstrument], secondary: list[DebtInstrument]) -> list[DebtInstrument]:
    """`primary` records (XBRL) absorb the `secondary` (prose) records for the same instrument."""
    out = list(primary)
    unmatched = []
    for extra in secondary:
        # Only across sources: the prose reader already kept apart what the prose keeps apart.
        for i, kept in enumerate(out[: len(primary)]):
            if same_instrument(kept, extra):
                out[i] = _absorb(kept, extra)
                break
        else:
            unmatched.append(extra)
    return out + unmatched


def _absorb(keep: DebtInstrument, other: DebtInstrument) -> DebtInstrument:
    updates: dict[str, object] = {}
    warnings = list(keep.warnings)
    for name in _VALUE_FIELDS:
        mine, theirs = getattr(keep, name), getattr(other, name)
        if theirs is None:
            continue
        if mine is None:
            updates[name] = theirs
        elif name == "outstanding_usd" and mine == keep.carrying_value_usd and mine != theirs:
            # A balance read off the carrying amount is a fallback; the principal the text states wins.
            updates[name] = theirs
            warnings.append(f"outstanding {mine!r} was the carrying amount; the text states {theirs!r}")
        elif mine != theirs:
            warnings.append(f"sources disagree on {name}: {mine!r} (kept) vs {theirs!r}")
    updates["evidence"] = keep.evidence + other.evidence
    updates["warnings"] = warnings
    updates["mention_only"] = keep.mention_only and other.mention_only
    return keep.model_copy(update=updates)
