"""Pair predicted records with gold records of one document, one-to-one.

Names differ between extractor and labeller ("2030 Notes" vs "0.00% Convertible Senior Notes due
2030"), so the match is scored on the economic key first (kind, coupon, maturity year, amounts;
for contracts GPUs, MW, value, term, start) and on name tokens second. Agreement adds, a
conflict between two stated values subtracts; pairs are taken greedily from the best score down,
which is optimal enough for the handful of records a filing holds and easy to explain. Where the
question is the extractor's own (two names of one counterparty, a maturity year) the answer comes
from `extract.identity`, so the eval and the extractor cannot disagree on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract import identity

# Words every debt or contract name shares; they say nothing about which one it is.
_NAME_STOPWORDS = {
    "the", "a", "an", "of", "and", "due", "with", "for", "in", "on", "to", "by", "under", "as",
    "inc", "llc", "ltd", "corp", "company", "notes", "note", "senior", "unnamed", "customer",
    "agreement", "s", "new",
}
MATCH_THRESHOLD = 1.0


def numbers_equal(a: float | int | None, b: float | int | None, rel: float = 1e-4) -> bool:
    """Equal within 0.01% relative (exact for zero)."""
    if a is None or b is None:
        return False
    a, b = float(a), float(b)
    return abs(a - b) <= rel * max(abs(a), abs(b))


def name_tokens(text: str | None) -> set[str]:
    words = re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", (text or "").lower())
    return {w for w in words if w not in _NAME_STOPWORDS}


def name_similarity(a: str | None, b: str | None) -> float:
    """Overlap coefficient of significant name words: 1.0 when one name's words contain the other's."""
    return identity.overlap(name_tokens(a), name_tokens(b))


def counterparty_similarity(a: str | None, b: str | None) -> float:
    """1.0 for two names of one counterparty by the extractor's own identity rule ("AWS" and
    "Amazon Web Services, Inc."), else the overlap of their words."""
    return 1.0 if identity.same_counterparty(a, b) else name_similarity(a, b)


maturity_year_of = identity.maturity_year


def _agree(a, b, *, same: float, differ: float, numeric: bool = True) -> float:
    """`same` if both stated and equal, `-differ` if both stated and different, else 0."""
    if a is None or b is None:
        return 0.0
    equal = numbers_equal(a, b) if numeric else a == b
    return same if equal else -differ


def debt_similarity(pred: dict, gold: dict) -> float:
    score = 3.0 * name_similarity(pred.get("name"), gold.get("name"))
    if gold.get("kind") is not None:
        score += _agree(pred.get("kind"), gold.get("kind"), same=1.0, differ=0.5, numeric=False)
    score += _agree(pred.get("coupon_pct"), gold.get("coupon_pct"), same=1.5, differ=1.5)
    score += _agree(maturity_year_of(pred), maturity_year_of(gold), same=1.5, differ=2.0, numeric=False)
    # Amounts: a facility's capacity and an issue's outstanding balance are both telling, and an
    # extractor may put a figure in either slot, so any cross-equality counts as agreement.
    pred_amounts = [pred.get(k) for k in ("principal_usd", "outstanding_usd") if pred.get(k)]
    gold_amounts = [gold.get(k) for k in ("principal_usd", "outstanding_usd") if gold.get(k)]
    if pred_amounts and gold_amounts:
        if any(numbers_equal(p, g) for p in pred_amounts for g in gold_amounts):
            score += 1.5
        elif pred.get("principal_usd") and gold.get("principal_usd"):
            score -= 1.0
    score += _agree(pred.get("conversion_rate_per_1000"), gold.get("conversion_rate_per_1000"), same=1.0, differ=1.0)
    return score


def term_months_of(record: dict) -> int | None:
    if record.get("term_months") is not None:
        return int(record["term_months"])
    if record.get("term_years") is not None:
        return round(float(record["term_years"]) * 12)
    return None


def contract_similarity(pred: dict, gold: dict) -> float:
    score = 3.0 * counterparty_similarity(pred.get("counterparty"), gold.get("counterparty"))
    score += _agree(pred.get("gpus"), gold.get("gpus"), same=1.5, differ=1.0)
    score += _agree(pred.get("capacity_mw"), gold.get("capacity_mw"), same=1.5, differ=1.0)
    score += _agree(pred.get("total_contract_value_usd"), gold.get("total_contract_value_usd"), same=1.5, differ=0.5)
    score += _agree(pred.get("annual_revenue_usd"), gold.get("annual_revenue_usd"), same=1.0, differ=0.5)
    score += _agree(term_months_of(pred), term_months_of(gold), same=0.5, differ=0.5)
    score += _agree(pred.get("start_date"), gold.get("start_date"), same=1.0, differ=0.5, numeric=False)
    return score


@dataclass(frozen=True)
class Pair:
    pred: int  # index into the predictions
    gold: int  # index into the gold records
    score: float


def match_records(preds: list[dict], golds: list[dict], similarity) -> list[Pair]:
    """One-to-one pairs with score >= MATCH_THRESHOLD, best first."""
    candidates = [
        Pair(p, g, similarity(pred, gold))
        for p, pred in enumerate(preds)
        for g, gold in enumerate(golds)
    ]
    candidates.sort(key=lambda c: (-c.score, c.pred, c.gold))
    used_pred: set[int] = set()
    used_gold: set[int] = set()
    pairs = []
    for cand in candidates:
        if cand.score < MATCH_THRESHOLD:
            break
        if cand.pred in used_pred or cand.gold in used_gold:
            continue
        used_pred.add(cand.pred)
        used_gold.add(cand.gold)
        pairs.append(cand)
    return pairs
