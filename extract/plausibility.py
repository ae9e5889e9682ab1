"""Plausibility of a debt record's values, checked before the record is stored.

The evidence gate (extract/evidence.py) proves a value is *written* in the document; this module
asks whether it can be *the* value of that field. Two outcomes, never a silent keep:

- impossible by definition -> the value is dropped and a warning says why, quoting its evidence:
  a $1,000 denomination as a principal, a coupon outside 0-20%, an issue date after maturity;
- two values that cannot both be right -> both kept, and a `conflict:` warning quotes both:
  conversion price x conversion rate not within 1% of $1,000, outstanding above principal plus
  option, drawn above the commitment.
"""

from __future__ import annotations

from extract.records import DebtInstrument
from extract.terms import states_denomination

_MONEY_FIELDS = ("principal_usd", "option_usd", "outstanding_usd")
_TOLERANCE = 0.01  # "within 1%": conversion price x rate against $1,000, balances against principal


def _quote(record: DebtInstrument, field: str) -> str:
    ev = next((e for e in record.evidence if e.field == field), None)
    return f"“{ev.quote[:160]}”" if ev is not None else "(no quote)"


def _drop(record: DebtInstrument, field: str, reason: str) -> DebtInstrument:
    warning = f"dropped {field}={getattr(record, field)!r}: {reason}; quote {_quote(record, field)}"
    return record.model_copy(update={
        field: None,
        "evidence": [e for e in record.evidence if e.field != field],
        "warnings": [*record.warnings, warning],
    })  # fmt: skip


def _conflict(record: DebtInstrument, a: str, b: str, what: str) -> DebtInstrument:
    warning = f"conflict: {what}; {a} {_quote(record, a)} vs {b} {_quote(record, b)}"
    return record.model_copy(update={"warnings": [*record.warnings, warning]})


def check_plausible(record: DebtInstrument) -> DebtInstrument:
    """`record` with implausible values dropped and conflicting values flagged (see module doc)."""
    for field in _MONEY_FIELDS:
        value = getattr(record, field)
        ev = [e for e in record.evidence if e.field == field and not e.locator.startswith("xbrl")]
        if value is not None and ev and all(states_denomination(e.quote, float(value)) for e in ev):
            record = _drop(record, field, "the quote states a denomination (per $1,000 principal), not an amount")
    if record.coupon_pct is not None and not 0 <= record.coupon_pct <= 20:
        record = _drop(record, "coupon_pct", "a stated coupon lies within 0-20%")
    if record.issue_date and record.maturity_date and record.issue_date >= record.maturity_date:
        record = _drop(record, "issue_date", f"not before maturity {record.maturity_date}")
    rate, price = record.conversion_rate_per_1000, record.conversion_price_usd
    if rate and price and abs(rate * price - 1000) > _TOLERANCE * 1000:
        record = _conflict(record, "conversion_rate_per_1000", "conversion_price_usd",
                           f"conversion rate {rate} x price {price} = {rate * price:.2f}, not within 1% of 1,000")
    principal, option, outstanding = record.principal_usd, record.option_usd or 0.0, record.outstanding_usd
    if principal and outstanding and outstanding > (principal + option) * (1 + _TOLERANCE):
        what = "drawn" if record.kind == "credit_facility" else "outstanding"
        limit = "the commitment" if record.kind == "credit_facility" else "principal plus option"
        record = _conflict(record, "outstanding_usd", "principal_usd", f"{what} {outstanding:,.0f} exceeds {limit} {principal + option:,.0f}")
    return record


__all__ = ["check_plausible"]
