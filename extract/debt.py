"""Debt instruments of one document: prose and inline XBRL together, through the evidence gate.

The same instrument is often stated twice in a 10-Q/10-K: tagged in the notes' XBRL and told in
the narrative. Those become one record: the XBRL value is kept for a number the filer tagged,
prose fills what was not tagged, evidence of both is kept, and a disagreement is flagged as a
warning rather than silently resolved.
"""

from __future__ import annotations

import re

from extract import identity
from extract.debt_text import debt_from_text
from extract.evidence import check_consistency, verify
from extract.plausibility import check_plausible
from extract.records import DebtInstrument
from ingest.types import Document

try:  # the XBRL/notes extractor is optional: documents without it still get their prose read
    from extract.debt_xbrl import debt_from_filing_notes
except ImportError:  # pragma: no cover - exercised only when the module is absent
    debt_from_filing_notes = None

_VALUE_FIELDS = [
    f for f in DebtInstrument.model_fields if f not in {"ticker", "name", "kind", "evidence", "warnings", "xbrl_member", "mention_only"}
]


def extract_debt(doc: Document) -> list[DebtInstrument]:
    """Every debt instrument `doc` states, values verified against the document and cross-checked."""
    from_notes = debt_from_filing_notes(doc) if debt_from_filing_notes is not None else []
    merged = merge_instruments(from_notes, debt_from_text(doc))
    out = []
    for inst in merged:
        # Stated (the gate), then possible (plausibility: drop or flag as a conflict), then consistent.
        checked = check_consistency(check_plausible(verify(inst, doc)))
        if not checked.mention_only and not any(getattr(checked, f) is not None for f in _VALUE_FIELDS):
            continue  # every value failed the gate: nothing left to report
        out.append(checked.model_copy(update={"ticker": doc.filing.ticker}))
    return out


def same_instrument(a: DebtInstrument, b: DebtInstrument) -> bool:
    """Whether two records of this document describe one instrument (see extract.identity)."""
    return identity.same_instrument(a, b)


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
    if _defines_its_name(other) and not _defines_its_name(keep):
        # "a promissory note (the “Sponsor Note”)": the name the document defines for this one
        # instrument beats a tagged member's label, which often names a category ("Related Party Loans").
        updates["name"] = other.name
    updates["evidence"] = keep.evidence + other.evidence
    updates["warnings"] = warnings
    updates["mention_only"] = keep.mention_only and other.mention_only
    return keep.model_copy(update=updates)


def _defines_its_name(inst: DebtInstrument) -> bool:
    """The document gives the instrument's name as a quoted defined term."""
    quoted = re.compile(rf"[“\"]{re.escape(inst.name)}[”\"]")
    return any(e.field == "name" and quoted.search(e.quote) for e in inst.evidence)
