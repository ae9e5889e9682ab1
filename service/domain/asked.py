"""What a quoted passage must state to answer a question: the instrument, the quantity, the period.

A sentence that shares words with a question may still answer another one: the 2030 notes for a
question about 2032 notes, preferred stock for a question about notes, the balance at December 31
for one asked at March 31, an unrelated sentence for a question padded with "ignore previous
instructions". So before a passage is quoted, each thing the question names is checked in the
passage's own text: the instrument's year, coupon and series in its document's retrieved text, the kind of
debt and the names it is called by within the sentence and the few before it, the quantity (a value of the asked term's shape) and
the period (the asked date) in the sentence itself. What fails is refused, saying what was looked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.domain.question import MONTHS, Question

# Each asked term as a value of its shape, with a word that says which term it is.
_MONEY = r"\$\s?\d"
_DATE = r"\b(?:" + "|".join(MONTHS) + r")\s+\d{1,2},?\s+20\d\d\b|\b20\d\d-\d\d-\d\d\b"
QUANTITY: dict[str, tuple[str, str]] = {
    "conversion_rate_per_1000": ("the conversion rate (shares per $1,000)", r"\d[\d,.]*\s+(?:[\w’'-]+\s+){0,5}?shares?\b[^.;]{0,120}?per\s+\$\s?1,000"),
    "conversion_price_usd": ("the conversion price (dollars per share)", r"conver\w*\s+price[^.;]{0,120}?\$\s?\d|\$\s?\d[\d,.]*\s+per\s+(?:\w+\s+){0,2}share"),
    "coupon_pct": ("the interest rate", r"(?:interest|rate|fee|coupon|per annum|accrue)[^.;]{0,160}?\d(?:\.\d+)?\s?%|\d(?:\.\d+)?\s?%[^.;]{0,80}?(?:interest|per annum|per year|annualized|rate|fee|coupon)"
                   r"|does not bear interest|non-interest bearing|zero[- ]coupon"),
    "maturity_date": ("the maturity", r"(?:matur|due\b|repayable|payable|expir)[^.;]{0,120}?(?:" + _DATE + r"|\b20\d\d\b)|(?:" + _DATE + r")[^.;]{0,60}?(?:matur|due\b)"),
    "issue_date": ("the issue date", _DATE),
    "principal_usd": ("the amount", _MONEY),
    "option_usd": ("the option amount", _MONEY),
    "carrying_value_usd": ("the carrying value", _MONEY),
    "outstanding_usd": ("the amount outstanding", r"(?:outstanding|drawn|borrow\w*|balance)[^.;]{0,160}?\$\s?\d|\$\s?\d[^.;]{0,160}?(?:outstanding|drawn|borrowed)"
                       r"|\bno\s+(?:outstanding|borrowings|amounts?\s+outstanding|loans?\s+outstanding)"),
    "secured": ("whether it is secured", r"\bsecured\b|\bunsecured\b|collateral"),
}
MONEY_METRICS = ("total_debt_usd", "cash_usd", "net_debt_usd", "interest_expense_ttm_usd", "operating_income_ttm_usd")
# The kind of security a question names, and the words a passage about it uses.
KIND_NOUNS: list[tuple[str, str, str]] = [
    (r"\bnotes?\b|\bdebentures?\b|\bbonds?\b|\bconverts\b", r"\bnotes?\b|\bdebentures?\b|\bbonds?\b", "notes"),
    (r"\brevolv", r"\brevolv", "a revolving facility"),
    (r"\bcredit facilit|\bline of credit\b|\brevolv|\bcredit agreement\b|\bfacility\b", r"\bfacilit|\bline of credit\b|\brevolv|\bcredit agreement\b|\bloan agreement\b", "a credit facility"),
    (r"\bloans?\b", r"\bloans?\b|\bborrow", "a loan"),
]
# A defined term the question uses: capitalised words ending in a debt noun ("Sponsor Note",
# "October Loan", "Parent Convertible Notes"). The passage must use the same term, not one word of it.
DEFINED_TERM = re.compile(r"\b((?:[A-Z][\w&-]*\s+){1,4}(?:Notes?|Loans?|Facility|Agreement|Debentures?|Line of Credit))\b")
SERIES = re.compile(r"\b(Series|Tranche|Class)\s+([A-Z]{1,2}|\d{1,2})\b")


@dataclass
class Asked:
    series: list[tuple[str, re.Pattern]] = field(default_factory=list)  # year, coupon, series: each in the chunk
    instrument: list[tuple[str, re.Pattern]] = field(default_factory=list)  # kind and names: each near the sentence
    quantity: tuple[str, re.Pattern] | None = None  # must be in the sentence
    period: tuple[str, re.Pattern] | None = None  # must be in the sentence (or a term the document defines as it)
    qualifiers: list[tuple[str, re.Pattern]] = field(default_factory=list)  # a bound, a level, an event, a role: in the sentence

    def passage_states(self, window: str, chunk: str | None = None) -> bool:
        return all(p.search(window) for _, p in self.instrument) and all(p.search(chunk or window) for _, p in self.series)

    def sentence_states(self, sentence: str, document: str | None = None) -> bool:
        """The quantity, the qualifiers and the period in the sentence itself. The period may be
        stated through a date the document defines ("December 15, 2025 (the “Capitalization
        Date”)" ... "As of the Capitalization Date, there were $983,505,000 ...")."""
        if self.quantity is not None and not self.quantity[1].search(sentence):
            return False
        if not all(p.search(sentence) for _, p in self.qualifiers):
            return False
        if self.period is None or self.period[1].search(sentence):
            return True
        return any(re.search(rf"\b{re.escape(term)}\b", sentence, re.I) for term in defined_dates(self.period[1], document or ""))

    def describe(self) -> str:
        parts = [self.quantity[0]] if self.quantity else []
        parts += [d for d, _ in self.qualifiers]
        if self.series or self.instrument:
            parts.append("of " + ", ".join(d for d, _ in [*self.series, *self.instrument]))
        if self.period:
            parts.append(self.period[0])
        return " ".join(parts) or "a sentence with the question's terms"


_DEFINED = re.compile(r"\(\s*(?:the\s+)?[“\"]\s*([A-Z][\w ]{2,40}?(?:Date|Time))\s*[”\"]\s*\)")


def defined_dates(period: re.Pattern, document: str) -> list[str]:
    """Terms the document defines as the asked date: `<date> ... (the “X Date”)`."""
    out = []
    for m in _DEFINED.finditer(document):
        if period.search(document[max(0, m.start() - 80): m.start()]):
            out.append(m.group(1))
    return out


def _coupon(value: float) -> re.Pattern:
    whole, _, decimals = f"{value:.6f}".rstrip("0").partition(".")
    tail = rf"(?:\.{decimals}0*)" if decimals else r"(?:\.0+)?"
    return re.compile(rf"(?<![\d.]){whole}{tail}\s?%")


def _stem(word: str) -> re.Pattern:
    """A name word, or a word of its stem ("collateralized" for "collateral")."""
    return re.compile(rf"\b{re.escape(word[:6]) if len(word) >= 7 else re.escape(word)}", re.I)


def _date_pattern(iso: str) -> tuple[str, re.Pattern]:
    year, month, day = iso.split("-")
    name = MONTHS[int(month) - 1]
    spelled = rf"\b{name}\s+{int(day)},?\s+{year}\b|\b{iso}\b|\b{int(month)}/{int(day)}/{year}\b"
    return f"as of {name.capitalize()} {int(day)}, {year}", re.compile(spelled, re.I)


def asked(q: Question, name_words: set[str] = frozenset()) -> Asked:
    """What a passage answering `q` must state. `name_words`: the company's own names (every
    passage of its filings has them, so they tell nothing)."""
    out = Asked()
    ref = q.instrument
    if ref.maturity_year is not None:
        out.series.append((f"the instrument due {ref.maturity_year}", re.compile(rf"\b{ref.maturity_year}\b")))
    if ref.coupon_pct is not None and ref.coupon_pct > 0:
        out.series.append((f"the {ref.coupon_pct:g}% instrument", _coupon(ref.coupon_pct)))
    for m in SERIES.finditer(q.query or q.text):
        out.series.append((f"{m.group(1)} {m.group(2)}", re.compile(rf"\b{m.group(1)}\s+{m.group(2)}\b", re.I)))
    lowered = (q.query or q.text).lower()
    for asked_words, passage_words, label in KIND_NOUNS:
        if re.search(asked_words, lowered):
            out.instrument.append((label, re.compile(passage_words, re.I)))
            break
    for m in DEFINED_TERM.finditer(q.query or q.text):
        term = " ".join(w for w in m.group(1).split() if w.lower() not in name_words and w.lower() not in ("what", "when", "how", "the"))
        if len(term.split()) >= 2:
            out.instrument.append((f"“{term}”", re.compile(r"\s+".join(re.escape(w) for w in term.split()), re.I)))
    for word in ref.words:
        if word not in name_words:
            out.instrument.append((f"“{word}”", _stem(word)))
    if q.field in QUANTITY:
        label, pattern = QUANTITY[q.field]
        out.quantity = (label, re.compile(pattern, re.I))
    elif q.metric in MONEY_METRICS:
        out.quantity = ("the amount", re.compile(_MONEY))
    elif re.search(r"\b(?:what|which)\s+(?:date|day)\b|^\s*when\b|\bby when\b", q.query or q.text, re.I):
        out.quantity = ("a date", re.compile(_DATE + r"|\b20\d\d\b", re.I))  # "when may it redeem": the answer is a date
    out.qualifiers = [(label, re.compile(pattern, re.I)) for _, pattern, label in q.qualifiers]
    if q.period_end:
        out.period = _date_pattern(q.period_end)
    elif q.period_year:
        out.series.append((f"the year {q.period_year}", re.compile(rf"\b{q.period_year}\b")))
    return out
