"""Numbers as the document states them, everywhere a user sees one (answers, CLI tables, charts).

A stored value is a float; its quote is the document's own spelling. `stated` shows the value
with the digits the quote uses ("28.9159", "$10.00", "5.50%"), and without a quote the shortest
decimal that is exactly the stored value: never fewer decimals than were stated, never a rounded
"approximately". Figures computed here (ratios, sums in millions) are rounded only by `derived`,
which says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

# A number as filings write it: "1,150,000,000", "28.9159", "0.75", ".5".
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?![\d])")


def plain(value: float | int) -> str:
    """The shortest decimal that round-trips to `value`, thousands grouped: 28.9159, 850,000,000."""
    number = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(int(value))
    sign, number = ("-" if number < 0 else ""), abs(number)
    if number == number.to_integral_value():
        return f"{sign}{int(number):,}"
    whole, _, fraction = format(number.normalize(), "f").partition(".")
    return f"{sign}{int(whole):,}.{fraction}"


_SCALE_WORD = re.compile(r"\s*(thousand|million|billion)\b", re.I)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


def _spelled(value: float, quote: str, scale_words: bool = False) -> str | None:
    """The quote's own spelling of `value` (with its trailing zeros), if the quote states it:
    "28.9159"; with `scale_words`, also "1.9 million" for 1,900,000."""
    for m in _NUMBER.finditer(quote):
        token = m.group(1)
        number = float(token.replace(",", ""))
        scale = _SCALE_WORD.match(quote, m.end()) if scale_words else None
        factor = _SCALES[scale.group(1).lower()] if scale else 1.0
        if abs(number * factor - value) <= 1e-9 * max(1.0, abs(value)):
            whole, dot, fraction = token.replace(",", "").partition(".")
            return f"{int(whole or 0):,}" + (dot + fraction if dot else "") + (f" {scale.group(1).lower()}" if scale else "")
    return None


def stated(value: float | int, quotes: Iterable[str] = (), *, scale_words: bool = False) -> str:
    """`value` with the precision its quotes state; else `plain(value)`. Sign kept. Digits only
    (what JSON readers get, `numbers_as_stated`) unless `scale_words` ("1.9 million", for reading)."""
    if isinstance(value, bool):
        return str(value)
    magnitude = abs(float(value))
    for quote in quotes:
        spelled = _spelled(magnitude, quote or "", scale_words)
        if spelled is not None:
            return ("-" if value < 0 else "") + spelled
    return plain(value)


def usd(value: float | int, quotes: Iterable[str] = ()) -> str:
    """A dollar amount for reading, as the quote states it: "$28.9159", "$1.9 million"."""
    text = stated(abs(value), quotes, scale_words=True)
    return f"-${text}" if value < 0 else f"${text}"


def percent(value: float | int, quotes: Iterable[str] = ()) -> str:
    return f"{stated(value, quotes)}%"


def derived(value: float, places: int = 2, suffix: str = "") -> str:
    """A figure computed here, rounded for reading and labelled as derived."""
    return f"{value:,.{places}f}{suffix} (derived)"
