"""Reading numbers the way filings write them: money, percentages, dates, maturities, floating
rates, word numbers and the blanks of preliminary documents.

Pure functions, no state. Every extractor (text, XBRL notes, HPC contracts, the evidence gate)
reads values through here, so one spelling is understood the same way everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --------------------------------------------------------------------------------------------
# Blanks: preliminary prospectuses leave pricing terms open as "[•]", "[ ]", "[__]", "•%", or
# simply drop the number ("our % Convertible Senior Notes"). A blank must stay null, never be
# read as a number nearby.

BLANK = re.compile(r"\[\s*[•●▪·*_\-–—\s]*\]|[•●]\s*%|\$\s*[•●]|\[\s*\]")
# "% Convertible Senior Notes" with no number in front of the percent sign.
BLANK_PERCENT = re.compile(r"(?<![\d.\s])\s*%|(?:^|(?<=[\s(]))%(?=\s+[A-Z])")


def is_blank(text: str) -> bool:
    """True if `text` holds a placeholder for a term not yet fixed ("[•]", "[__]", "•%")."""
    return bool(BLANK.search(text))


def has_blank_coupon(name: str) -> bool:
    """True for a title like "% Convertible Senior Notes due 2030" whose coupon was left blank."""
    return bool(re.search(r"(?:^|[\s(“\"])(?:\[\s*[•●_\s]*\]\s*)?%\s+[A-Za-z]", name)) or bool(
        re.search(r"[•●]\s*%", name)
    )


# --------------------------------------------------------------------------------------------
# Money

_MULTIPLIERS = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "billions": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
}

_CURRENCY = r"(?:US\s?\$|U\.S\.\s?\$|USD\s?|\$)"
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_MULT = r"(?:thousand|millions?|billions?|trillion|bn|mm|mn|[mMbBkK])(?![A-Za-z])"

# "$1.15 billion", "US$400 million", "$ 8,585", "$(1,234)", "($1,234)", "$1,000,000,000", "$59M"
_MONEY = re.compile(
    rf"(?P<neg_open>\()?\s*(?P<cur>{_CURRENCY})\s*(?P<paren>\()?\s*(?P<num>{_NUMBER})\s*(?P<close>\))?"
    rf"(?:\s*(?P<mult>{_MULT}))?",
    re.IGNORECASE,
)
# Dollar stablecoins are dollars: "500,000,000 USDT", "USDC 25 million", "10 million USD₮". Other
# tokens (SOL, ETH, BTC) are not money here: their dollar value is whatever the document says.
DOLLAR_STABLECOINS = ("USDT", "USD₮", "USDC", "PYUSD", "USD1", "FDUSD")
_COIN = "|".join(re.escape(c) for c in DOLLAR_STABLECOINS)
_COIN_MONEY = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUMBER})\s*(?:(?P<mult>{_MULT})\s*)?(?P<coin>{_COIN})(?![A-Za-z0-9])"
    rf"|(?<![A-Za-z0-9])(?P<coin2>{_COIN})\s*(?P<num2>{_NUMBER})(?:\s*(?P<mult2>{_MULT}))?",
)
# A table cell or a bare amount: optional currency, optional parentheses, optional multiplier.
_BARE_MONEY = re.compile(
    rf"^\s*(?P<open>\()?\s*(?P<minus>[-−–])?\s*(?:{_CURRENCY})?\s*(?P<open2>\()?\s*(?P<num>{_NUMBER})\s*"
    rf"(?P<close>\))?\s*(?P<mult>{_MULT})?\s*(?P<close2>\))?\s*$",
    re.IGNORECASE,
)


def _to_float(number: str) -> float:
    return float(number.replace(",", ""))


def _spelled_in_full(number: str) -> bool:
    """A whole number in digit groups of a million or more ("41,950,000"): nothing left to multiply."""
    return "." not in number and number.count(",") >= 2


def _multiplier(word: str | None) -> float:
    if not word:
        return 1.0
    return _MULTIPLIERS[word.lower()]


def parse_money(text: str, scale: float = 1) -> float | None:
    """The amount written in `text`, which must hold one amount and nothing else.

    "$1.15 billion" -> 1.15e9; "US$400 million" -> 4e8; "$ 8,585" with scale=1000 (a table
    "in thousands") -> 8,585,000; "(1,234)" -> -1234. A multiplier word overrides `scale`: a
    "$5.7 million" inside a table in thousands is still 5.7 million. Dashes and blanks -> None.
    """
    if text is None:
        return None
    match = _BARE_MONEY.match(text.replace("\u00a0", " "))
    if not match:
        return None
    opened = bool(match["open"] or match["open2"])
    closed = bool(match["close"] or match["close2"])
    if opened != closed:
        return None
    value = _to_float(match["num"])
    value *= _multiplier(match["mult"]) if match["mult"] else scale
    if opened or match["minus"]:
        value = -value
    return _clean(value)


def _clean(value: float) -> float:
    """Round away binary noise so 1.15 * 1e9 == 1150000000.0 exactly."""
    return float(round(value, 6))


def find_money(text: str, scale: float = 1) -> list[tuple[float, tuple[int, int]]]:
    """Every currency amount in running text, with its (start, end) span.

    Only amounts with a currency sign count: a bare "2030" is a year, not money. Amounts per
    share ("$19.16 per share") are returned too; callers decide what an amount means.
    """
    found: list[tuple[float, tuple[int, int]]] = []
    for match in _MONEY.finditer(text):
        value = _to_float(match["num"])
        mult = match["mult"]
        # A single-letter "m"/"b"/"k" must hug the number ("$59M", "$1.2bn"), not be a word start.
        if mult and len(mult) == 1 and match.start("mult") != match.end("num"):
            mult = None
        if mult and _spelled_in_full(match["num"]):
            # "$41,950,000 million": every digit of the amount is written out, the word repeats it.
            # Multiplied it would exceed the world's debt; read as written, it is the amount meant.
            mult = None
        value *= _multiplier(mult) if mult else scale
        after = text[match.end() : match.end() + 1]
        # "(1,234)" is a negative in tables; "($5 million)" in prose is an aside, not a negative.
        negative = bool(match["paren"] and match["close"]) or bool(
            match["neg_open"] and not mult and (match["close"] or after == ")")
        )
        end = match.end("mult") if mult else (match.end("close") if match["close"] else match.end("num"))
        start = match.start("neg_open") if match["neg_open"] and negative else match.start("cur")
        found.append((_clean(-value if negative else value), (start, end)))
    for match in _COIN_MONEY.finditer(text):
        num, mult = match["num"] or match["num2"], match["mult"] or match["mult2"]
        if mult and len(mult) == 1 and match.start("mult" if match["mult"] else "mult2") != match.end("num" if match["num"] else "num2"):
            mult = None
        span = match.span()
        if any(a < span[1] and span[0] < b for _, (a, b) in found):
            continue  # "$100 million (100,000,000 USDT)" is already read once
        found.append((_clean(_to_float(num) * (_multiplier(mult) if mult else scale)), span))
    found.sort(key=lambda f: f[1][0])
    return found


# --------------------------------------------------------------------------------------------
# Percentages and plain numbers

_PERCENT = re.compile(r"(?P<num>\d+(?:\.\d+)?|\.\d+)\s*(?:%|percent\b|per\s*cent\b)", re.IGNORECASE)


def parse_percent(text: str) -> float | None:
    """The percentage `text` holds: "0.00%" -> 0.0, "4.875 %" -> 4.875, "13.80 percent" -> 13.8."""
    if text is None or is_blank(text):
        return None
    match = re.fullmatch(r"\s*\(?\s*" + _PERCENT.pattern + r"\s*\)?\s*", text, re.IGNORECASE)
    if not match:
        return None
    return float(match["num"])


def find_percents(text: str) -> list[tuple[float, tuple[int, int]]]:
    """Every percentage in running text with its span."""
    return [(float(m["num"]), m.span()) for m in _PERCENT.finditer(text)]


def parse_number(text: str) -> float | None:
    """A plain number as written ("52.1832", "1,000", "(3)") or None."""
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\()?\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*(\))?\s*", text)
    if not match or bool(match[1]) != bool(match[3]):
        return None
    value = _to_float(match[2])
    return -value if match[1] else value


_NUMBER_RE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])|(?<![\w.,])\d+(?:\.\d+)?(?![\d])")


def find_numbers(text: str) -> list[tuple[float, tuple[int, int]]]:
    """Every plain number in running text with its span (commas understood)."""
    out = []
    for m in _NUMBER_RE.finditer(text):
        s = m.group().rstrip(".")
        out.append((_to_float(s), (m.start(), m.start() + len(s))))
    return out


# --------------------------------------------------------------------------------------------
# Dates

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_DATE_PATTERNS = [
    # February 15, 2032 / Feb. 15, 2032 / February 15 2032
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\s*,?\s+(?P<year>(?:19|20)\d{2})\b", re.IGNORECASE),
    # 15 February 2032
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d{2})\b", re.IGNORECASE),
    # 2032-02-15
    re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<mnum>\d{2})-(?P<day>\d{2})\b"),
    # 02/15/2032 (US order)
    re.compile(r"\b(?P<mnum>\d{1,2})/(?P<day>\d{1,2})/(?P<year>(?:19|20)\d{2})\b"),
]
_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def _iso(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    month = _MONTHS[groups["month"].lower()] if groups.get("month") else int(groups["mnum"])
    day, year = int(groups["day"]), int(groups["year"])
    if not (1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def find_dates(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Every full date (day, month and year) in `text` as ISO strings with spans, in text order."""
    found: dict[int, tuple[str, tuple[int, int]]] = {}
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            span = match.span()
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            iso = _iso(match)
            if iso:
                found[span[0]] = (iso, span)
                taken.append(span)
    return [found[k] for k in sorted(found)]


def parse_date(text: str) -> str | None:
    """The one full date in `text` as "YYYY-MM-DD": "February 15, 2032", "Feb. 15, 2032",
    "2032-02-15", "15 February 2032". None when there is no full date or when there are several."""
    if text is None:
        return None
    dates = {iso for iso, _ in find_dates(text)}
    return dates.pop() if len(dates) == 1 else None


_MONTH_YEAR = re.compile(_MONTH + r",?\s+(?P<year>(?:19|20)\d{2})\b", re.IGNORECASE)
# Tables abbreviate maturities as "Apr-25", "Jun-30": month and two-digit year.
_MONTH_YY = re.compile(
    r"\b(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[-–' ](?P<yy>\d{2})\b", re.IGNORECASE
)


def parse_month_year(text: str) -> tuple[int, int] | None:
    """(year, month) from "April 2025", "December 2035" or a table's "Apr-25"."""
    match = _MONTH_YEAR.search(text)
    if match:
        return int(match["year"]), _MONTHS[match["month"].lower().rstrip(".")]
    match = _MONTH_YY.search(text)
    if match:
        return 2000 + int(match["yy"]), _MONTHS[match["month"].lower()]
    return None


_DUE_YEAR = re.compile(r"\bdue\s+(?:in\s+)?(?P<year>(?:19|20)\d{2})\b", re.IGNORECASE)
_MATURES = re.compile(
    r"\b(?:matur(?:e|es|ed|ing|ity(?:\s+date)?)|due|repayable|expir(?:e|es|ing))\b"
    # "a maturity date of the earlier of (a) July 24, 2025, and (b) the closing of ...": the date it is due by.
    r"(?:\s+(?:date|on|in|at|of|is|was|will|be|the|approximately|by|earlier|\((?:a|i)\)))*\s*(?P<rest>.{0,40})",
    re.IGNORECASE,
)


def maturity_from_text(text: str) -> int | None:
    """The maturity year stated in `text`: "due 2030" -> 2030, "will mature on February 15,
    2032" -> 2032, "matures in December 2035" -> 2035. None when no maturity is stated."""
    if text is None:
        return None
    match = _DUE_YEAR.search(text)
    if match:
        return int(match["year"])
    for match in _MATURES.finditer(text):
        rest = match["rest"]
        dates = find_dates(rest)
        if dates and dates[0][1][0] <= 2:
            return int(dates[0][0][:4])
        month_year = _MONTH_YEAR.match(rest)
        if month_year:
            return int(month_year["year"])
        year = re.match(r"(?P<year>(?:19|20)\d{2})\b", rest)
        if year:
            return int(year["year"])
    return None


def maturity_date_from_text(text: str) -> str | None:
    """The full maturity date stated in `text` ("will mature on March 1, 2030") or None."""
    for match in _MATURES.finditer(text or ""):
        dates = find_dates(match["rest"])
        if dates and dates[0][1][0] <= 2:
            return dates[0][0]
    return None


# --------------------------------------------------------------------------------------------
# Floating rates

_BASES = [
    (r"(?:\d+[- ]day\s+|one[- ]month\s+|three[- ]month\s+|daily\s+simple\s+|term\s+)?(?:secured\s+overnight\s+financing\s+rate|SOFR)", "SOFR"),
    (r"(?:wall\s+street\s+journal\s+|WSJ\s+|floating\s+)*prime\s+rate|\bprime\b", "Prime"),
    (r"federal\s+funds\s+(?:effective\s+)?rate|fed\s+funds\s+rate", "Fed Funds"),
    (r"(?:\d+[- ]month\s+)?(?:LIBOR|London\s+Interbank\s+Offered\s+Rate)", "LIBOR"),
    (r"EURIBOR", "EURIBOR"),
    (r"SONIA", "SONIA"),
    (r"(?:a\s+)?market[- ]based\s+reference\s+rate|reference\s+rate|base\s+rate", "reference rate"),
]
_BASE = "|".join(f"(?P<b{i}>{p})" for i, (p, _) in enumerate(_BASES))
_SPREAD = r"(?P<spread>\d+(?:\.\d+)?)\s*(?:%|percent|per\s*cent)"
_BASE_PLUS_SPREAD = re.compile(rf"(?:{_BASE})[^.;%]{{0,25}}?\s*(?:\+|plus)\s*(?:a\s+margin\s+of\s+)?{_SPREAD}", re.IGNORECASE)
_SPREAD_PLUS_BASE = re.compile(rf"{_SPREAD}(?:\s+per\s+annum)?\s*(?:\+|plus)\s*(?:the\s+)?(?:{_BASE})", re.IGNORECASE)
_BPS_OVER_BASE = re.compile(rf"(?P<bps>\d+)\s*(?:basis\s+points|bps)\s*(?:over|above|plus)\s*(?:the\s+)?(?:{_BASE})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FloatingRate:
    """A rate that floats over a benchmark: `base` ("SOFR") plus `spread_pct` percentage points."""

    base: str
    spread_pct: float

    def __str__(self) -> str:
        return f"{self.base} + {self.spread_pct:g}%"


def _base_name(match: re.Match[str]) -> str:
    for i, (_, name) in enumerate(_BASES):
        if match.group(f"b{i}"):
            return name
    return "reference rate"


def parse_rate_text(text: str) -> FloatingRate | None:
    """A floating rate stated in `text`: "SOFR + 2.85%", "1.25% plus the Secured Overnight
    Financing Rate", "the 30 day SOFR plus 3% per annum", "Prime Rate plus 1.00%",
    "350 basis points over SOFR". None for a fixed rate."""
    if text is None:
        return None
    for pattern in (_BASE_PLUS_SPREAD, _SPREAD_PLUS_BASE):
        match = pattern.search(text)
        if match:
            return FloatingRate(_base_name(match), float(match["spread"]))
    match = _BPS_OVER_BASE.search(text)
    if match:
        return FloatingRate(_base_name(match), int(match["bps"]) / 100)
    return None


# --------------------------------------------------------------------------------------------
# Word numbers: terms are often spelled out ("three-year term", "eighteen months").

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_WORD_NUMBER = re.compile(
    r"\b(?:(?P<tens>" + "|".join(_TENS) + r")(?:[- ](?P<unit1>" + "|".join(_UNITS) + r"))?"
    r"|(?P<unit>" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r"))\b",
    re.IGNORECASE,
)


def word_number(text: str) -> int | None:
    """"three" -> 3, "twenty-four" -> 24, "18" -> 18; None when `text` is not one number."""
    if text is None:
        return None
    stripped = text.strip()
    if re.fullmatch(r"\d+", stripped):
        return int(stripped)
    match = _WORD_NUMBER.fullmatch(stripped)
    if not match:
        return None
    if match["tens"]:
        return _TENS[match["tens"].lower()] + (_UNITS[match["unit1"].lower()] if match["unit1"] else 0)
    return _UNITS[match["unit"].lower()]


_DURATION = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?|(?:" + "|".join(_TENS) + r")(?:[- ](?:" + "|".join(_UNITS) + r"))?|"
    + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
    r"(?:\s*\(\d+\))?[- ](?P<unit>years?|months?|days?|weeks?)\b",
    re.IGNORECASE,
)


def parse_duration(text: str) -> tuple[float, str] | None:
    """The first duration in `text` as (number, unit): "three-year" -> (3, "year"),
    "eighteen months" -> (18, "month"), "a 24-month term" -> (24, "month")."""
    if text is None:
        return None
    match = _DURATION.search(text)
    if not match:
        return None
    raw = match["n"]
    number = float(raw) if re.fullmatch(r"\d+(?:\.\d+)?", raw) else word_number(raw)
    if number is None:
        return None
    unit = match["unit"].lower().rstrip("s")
    return (int(number) if float(number).is_integer() else number), unit
