"""Answers with citations: structured records first, retrieved passages second, refusal otherwise.

Without an LLM the answer is extractive: the value of a debt term as extracted (with the quote
that states it), or the best supporting sentences of the retrieved passages. A citation can only
point at evidence that was actually used: a record's own evidence, or a retrieved chunk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from extract.records import DebtInstrument, Evidence
from ingest.companies import lookup

# What the question asks for, by the words analysts use. Order matters: the first match wins,
# so the more specific phrases ("conversion price") come before the general ones ("price").
FIELD_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("conversion_rate_per_1000", ("conversion rate", "shares per $1,000", "shares per 1,000", "conversion ratio")),
    ("conversion_price_usd", ("conversion price", "convert at", "strike")),
    ("option_usd", ("option to purchase", "additional notes", "greenshoe", "purchasers' option", "option")),
    ("maturity_date", ("mature", "maturity", "due when", "when due")),
    ("coupon_pct", ("coupon", "interest rate", "bear interest", "rate of interest")),
    ("outstanding_usd", ("outstanding",)),
    ("principal_usd", ("principal", "how much", "size of", "aggregate amount", "raise", "raised")),
]

FIELD_UNITS = {
    "conversion_rate_per_1000": lambda v: f"{v:g} shares per $1,000 principal amount",
    "conversion_price_usd": lambda v: f"approximately ${v:,.4g} per share" if v < 1000 else f"${v:,.2f} per share",
    "option_usd": lambda v: f"${v:,.0f}",
    "maturity_date": lambda v: str(v),
    "coupon_pct": lambda v: f"{v:.2f}%",
    "outstanding_usd": lambda v: f"${v:,.0f}",
    "principal_usd": lambda v: f"${v:,.0f}",
}

STOPWORDS = frozenset(
    "a an and are as at be by did do does for from has have how i in is it its of on or that the their "
    "there this to was were what when where which who will with would what's whats about any".split()
)
SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(“\"])|\n+")
WORD = re.compile(r"[a-z0-9][a-z0-9.,%$]*[a-z0-9%]|[a-z0-9]")
COUPON = re.compile(r"(\d{1,2}(?:\.\d{1,4})?)\s?%")
YEAR = re.compile(r"\b(20[2-6]\d)\b")


class Answer(BaseModel):
    question: str
    answer: str
    citations: list[Evidence] = Field(default_factory=list)
    insufficient_evidence: bool = False
    kind: str = "passage"  # lookup | passage | refusal
    data: dict[str, Any] | None = None


@dataclass
class Question:
    text: str
    ticker: str | None
    field: str | None
    coupon_pct: float | None
    maturity_year: int | None
    terms: list[str]


def understand(question: str, ticker: str | None = None) -> Question:
    lowered = question.lower()
    field = next((name for name, words in FIELD_WORDS if any(w in lowered for w in words)), None)
    coupon = COUPON.search(question)
    years = [int(y) for y in YEAR.findall(question)]
    return Question(
        text=question,
        ticker=(ticker or find_ticker(question)),
        field=field,
        coupon_pct=float(coupon.group(1)) if coupon else None,
        maturity_year=max(years) if years else None,
        terms=content_terms(question),
    )


def find_ticker(question: str) -> str | None:
    """The first company the question names, by ticker, current name or former name."""
    words = re.findall(r"[A-Za-z0-9&.\-]+", question.replace("’s", "").replace("'s", ""))
    for size in (3, 2, 1):  # longest names first: "Marathon Digital" before "Marathon"
        for i in range(len(words) - size + 1):
            phrase = " ".join(words[i : i + size])
            if size == 1 and (phrase.lower() in STOPWORDS or (len(phrase) < 3)):
                continue
            company = lookup(phrase)
            if company is not None:
                return company.ticker
    return None


def content_terms(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w not in STOPWORDS]


class Answerer:
    """Answers over the stored debt records and the index. `search` is the index's search method."""

    def __init__(self, debt_mentions, search) -> None:
        self._debt_mentions = debt_mentions
        self._search = search

    def ask(self, question: str, ticker: str | None = None) -> Answer:
        q = understand(question, ticker)
        return self._from_records(q) or self._from_passages(q)

    # -- structured -----------------------------------------------------------------------------

    def _from_records(self, q: Question) -> Answer | None:
        if q.field is None or q.ticker is None:
            return None
        candidates = [r for r in self._debt_mentions(q.ticker) if _matches(r["record"], q)]
        best: tuple[DebtInstrument, dict] | None = None
        for row in candidates:
            record = row["record"]
            value = getattr(record, q.field)
            if q.field == "maturity_date" and value is None:
                continue
            if value is None or not _evidence_for(record, q.field):
                continue
            if best is None or _specificity(record, q) > _specificity(best[0], q):
                best = (record, row)
        if best is None:
            return None
        record, row = best
        value = getattr(record, q.field)
        citations = _evidence_for(record, q.field)
        text = f"{record.name} ({record.ticker}): {q.field.replace('_', ' ')} is {FIELD_UNITS[q.field](value)}."
        return Answer(
            question=q.text,
            answer=text,
            citations=citations,
            kind="lookup",
            data={"ticker": record.ticker, "instrument": record.name, "field": q.field, "value": value, "document": row["document"]},
        )

    # -- passages -------------------------------------------------------------------------------

    def _from_passages(self, q: Question, k: int = 8) -> Answer:
        hits = self._search(q.text, k=k, ticker=q.ticker)
        salient = [t for t in q.terms if not _names_company(t, q.ticker)]
        scored: list[tuple[float, str, Any]] = []
        for rank, hit in enumerate(hits):
            for sentence in SENTENCE_END.split(hit.text):
                sentence = sentence.strip()
                if len(sentence) < 20:
                    continue
                words = set(content_terms(sentence))
                overlap = sum(1 for t in salient if t in words)
                if overlap == 0:
                    continue
                has_number = bool(re.search(r"\d", sentence))
                scored.append((overlap / max(len(salient), 1) + 0.1 * has_number - 0.02 * rank, sentence, hit))
        scored.sort(key=lambda s: s[0], reverse=True)
        if not scored or scored[0][0] < 0.34:
            return Answer(
                question=q.text,
                answer="Insufficient evidence: no retrieved passage supports an answer.",
                insufficient_evidence=True,
                kind="refusal",
            )
        chosen = scored[:2]
        citations = [Evidence(document=hit.document, locator=locator(hit), quote=sentence) for _, sentence, hit in chosen]
        return Answer(question=q.text, answer=" ".join(s for _, s, _ in chosen), citations=citations, kind="passage")


def locator(hit) -> str:
    parts = [hit.part_type or hit.part]
    if hit.section:
        parts.append(hit.section)
    if hit.page:
        parts.append(f"p. {hit.page}")
    return " · ".join(p for p in parts if p)


def _names_company(term: str, ticker: str | None) -> bool:
    return ticker is not None and (term == ticker.lower() or lookup(term) is not None and lookup(term).ticker == ticker)


def _matches(record: DebtInstrument, q: Question) -> bool:
    if q.coupon_pct is not None and record.coupon_pct is not None and abs(record.coupon_pct - q.coupon_pct) > 1e-9:
        return False
    if q.maturity_year is not None and record.maturity_year is not None and record.maturity_year != q.maturity_year:
        return False
    if "convert" in q.text.lower() and record.kind != "convertible":
        return False
    return not record.mention_only


def _specificity(record: DebtInstrument, q: Question) -> int:
    """Prefer the record that states both the coupon and the maturity the question names."""
    score = 0
    if q.coupon_pct is not None and record.coupon_pct is not None:
        score += 2
    if q.maturity_year is not None and record.maturity_year is not None:
        score += 2
    return score + sum(1 for e in record.evidence if e.field)


def _evidence_for(record: DebtInstrument, field: str) -> list[Evidence]:
    return [e for e in record.evidence if e.field == field]
