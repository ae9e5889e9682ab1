"""Term grammar: how debt terms are written, read from one sentence.

Amounts, percents and dates are parsed by extract/normalize.py; this module says which of them
are a coupon, a conversion rate, a conversion price, or only a denomination. Each reader returns
the value and its span, or None; the caller decides which instrument the sentence is about.
The words come from extract/cues.py.
"""

from __future__ import annotations

import re

from extract import cues

_NUM = r"\d+(?:\.\d+)?"
_DOLLAR = r"(?:US)?\$\s?"

# "per $1,000 principal amount", "each $1,000 of principal", "in denominations of $1,000",
# "integral multiples of $1,000 in excess thereof": the unit a term is stated per, never a principal.
_DENOMINATION = re.compile(
    rf"\b(?:per|each|every|for\s+each|of\s+each)\s+{_DOLLAR}1,000(?:\.00)?\b(?:\s+(?:in|of))?(?:\s+(?:original\s+|aggregate\s+)*principal(?:\s+amount)?)?"
    rf"|\b(?:denominations?|integral\s+multiples?)\s+of\s+{_DOLLAR}(?:1,000|2,000|1\.00)(?:\.00)?\b",
    re.I,
)


def denomination_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `text` that state a denomination ("per $1,000 principal amount")."""
    return [m.span() for m in _DENOMINATION.finditer(text)]


def in_denomination(span: tuple[int, int], text: str) -> bool:
    """Whether the amount at `span` is the denomination of a per-$1,000 statement."""
    return any(a <= span[0] < b for a, b in denomination_spans(text))


def states_denomination(quote: str, value: float) -> bool:
    """Whether `quote` states `value` only as a denomination (1,000 in "per $1,000 principal")."""
    return value in (1000.0, 2000.0) and bool(_DENOMINATION.search(quote))


# -- coupons ------------------------------------------------------------------------------------

_FEE = r"(?:(?P<fee>[\w-]+)\s+)?fee(?:\s+amount)?"
_COUPON = re.compile(
    # "bears interest at a rate of 5.25%", "accrue interest at a rate of 2.5% per year",
    # "with simple interest on the outstanding principal amount at the rate of 7% per annum"
    rf"\b(?:bears?|bearing|carry|carries|accrues?|accruing|with(?:\s+simple)?)\s+(?:cash\s+|simple\s+)?interest\s+"
    rf"(?:on\s+[^.;%$]{{0,60}}?\s+)?at\s+(?:a\s+|the\s+)?(?:fixed\s+|annual\s+)?(?:rate\s+of\s+)?(?P<p>{_NUM})\s*%"
    rf"|\b(?:fixed\s+rate|interest\s+rate|annual\s+interest)\s+of\s+(?P<q>{_NUM})\s*%"
    rf"|(?P<r>{_NUM})\s*%\s+interest\s+rate"
    # "at a loan fee amount of 12.5% per annum": a fee charged per annum on the amount lent
    rf"|\b{_FEE}\s+(?:of\s+|at\s+)?(?P<f>{_NUM})\s*%(?P<annual>\s+(?:per\s+annum|per\s+year|annually))?",
    re.I,
)


def find_coupon(text: str) -> tuple[float, tuple[int, int]] | None:
    """The stated fixed annual rate in `text`, or None. A fee is a coupon only when it is the
    loan's price for time ("loan fee of 12.5% per annum"), never a commitment or upfront fee."""
    for m in _COUPON.finditer(text):
        fee = (m["fee"] or "").lower()
        if m["f"] is not None and (fee not in cues.RATE_FEES or not m["annual"] and fee not in cues.ANNUAL_RATE_FEES):
            continue
        value = m["p"] or m["q"] or m["r"] or m["f"]
        return float(value), m.span()
    return None


# -- conversion terms ---------------------------------------------------------------------------

_SHARES = r"(?:[\w’'.\s]{0,60}?)shares?"
_RATE_FORMS = (
    # "conversion rate of 28.9159 shares of common stock per $1,000 principal amount"
    re.compile(rf"(?<!maximum )conversion\s+rate[^.;$]{{0,60}}?(?P<rate>\d+\.\d+)\s+{_SHARES}[^$.;]{{0,60}}?per\s+{_DOLLAR}1,000", re.I),
    # "into 28.8 shares of Parent Common Stock per $1,000 principal amount"
    re.compile(rf"(?<![\d.])(?P<rate>\d+\.\d+)\s+{_SHARES}[^$.;]{{0,60}}?per\s+{_DOLLAR}1,000", re.I),
    # "Each $1,000 of principal will initially convert into 52.1832 shares"
    re.compile(rf"\b(?:each|every)\s+{_DOLLAR}1,000\b[^$.;]{{0,60}}?\binto\s+(?:approximately\s+)?(?P<rate>\d+\.\d+)\s+{_SHARES}", re.I),
)
_ADJUSTED = re.compile(r"\b(?:adjusted|as\s+adjusted|following|after|reflect\w*|giving\s+effect)\b[^.;]{0,60}$", re.I)
_INITIAL = re.compile(r"\binitial(?:ly)?\b[^.;$]{0,60}$", re.I)


def find_conversion_rate(text: str) -> tuple[float, tuple[int, int]] | None:
    """Shares per $1,000 principal stated in `text`. Where the sentence states an initial rate and
    one adjusted after a split or a merger, the initial one: it is what the indenture fixed."""
    found: list[tuple[float, tuple[int, int], bool, bool]] = []
    for pattern in _RATE_FORMS:
        for m in pattern.finditer(text):
            lead = text[max(0, m.start("rate") - 80) : m.start("rate")]
            if re.search(r"maximum", lead[-40:], re.I):
                continue
            if any(abs(m.start("rate") - f[1][0]) < 3 for f in found):
                continue
            found.append((float(m["rate"]), (m.start("rate"), m.end("rate")), bool(_INITIAL.search(lead)), bool(_ADJUSTED.search(lead))))
    if not found:
        return None
    found.sort(key=lambda f: (not f[2], f[3], f[1][0]))
    return found[0][0], found[0][1]


_PRICE = re.compile(
    r"\bconversion\s+price\s+(?:per\s+share\s+)?(?:of|is|was|equal\s+to|equals|(?:has\s+been\s+|is\s+|was\s+)?set\s+at|will\s+be)\s+"
    rf"(?:initially\s+)?(?:approximately\s+|about\s+)?{_DOLLAR}(?P<price>{_NUM})(?!\s*(?:million|billion))",
    re.I,
)


def find_conversion_price(text: str) -> tuple[float, tuple[int, int]] | None:
    """The conversion price per share stated in `text`, not a cap price or a floor."""
    for m in _PRICE.finditer(text):
        if re.search(r"\b(?:cap|floor|minimum)\s+price\b", text[max(0, m.start() - 40) : m.start()], re.I):
            continue
        return float(m["price"]), (m.start("price"), m.end("price"))
    return None


__all__ = [
    "denomination_spans", "in_denomination", "states_denomination", "find_coupon", "find_conversion_rate",
    "find_conversion_price",
]  # fmt: skip
