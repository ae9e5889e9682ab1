"""The debt ledger: the same notes appear in the launch release, the pricing release, the closing
8-K, the prospectus and every later 10-Q. Resolve those mentions into one instrument per company.

Key: the XBRL member where there is one, else (kind, coupon, maturity year). Values are taken from
the latest filed mention that states them; mentions that disagree are kept as conflicts, never
hidden, and outstanding principal is recorded as a history by its as-of date.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extract.records import DebtInstrument

TERM_FIELDS = (
    "principal_usd", "option_usd", "coupon_pct", "rate_text", "issue_date", "maturity_date", "maturity_year",
    "conversion_rate_per_1000", "conversion_price_usd", "secured", "carrying_value_usd",
)


@dataclass
class Mention:
    document: str
    filed: str | None
    record: DebtInstrument


@dataclass
class LedgerInstrument:
    mentions: list[Mention] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.mentions[0].record.kind

    def accepts(self, record: DebtInstrument) -> bool:
        """Same instrument when the member matches, or kind, coupon and maturity agree (None is a wildcard,
        but at least one of coupon and maturity year must be known on both sides)."""
        for m in self.mentions:
            if record.xbrl_member and m.record.xbrl_member:
                if record.xbrl_member == m.record.xbrl_member:
                    return True
                continue
            if _same_kind(m.record.kind, record.kind) and _compatible(m.record, record):
                return True
        return False

    def to_dict(self) -> dict:
        ordered = sorted(self.mentions, key=lambda m: m.filed or "")
        merged: dict = {}
        conflicts = []
        for name in TERM_FIELDS:
            stated = [(m, getattr(m.record, name)) for m in ordered if getattr(m.record, name) is not None]
            if not stated:
                merged[name] = None
                continue
            merged[name] = stated[-1][1]  # the latest filing that states it
            distinct = {_norm(v) for _, v in stated}
            if len(distinct) > 1 and name not in ("carrying_value_usd",):
                conflicts.append({"field": name, "values": [{"value": v, "document": m.document, "filed": m.filed} for m, v in stated]})
        outstanding = sorted(
            {(m.record.outstanding_as_of or m.filed or "", m.record.outstanding_usd, m.document) for m in ordered if m.record.outstanding_usd is not None}
        )
        best_name = max((m.record for m in ordered if not m.record.mention_only), key=lambda r: len(r.name), default=ordered[-1].record).name
        return {
            "ticker": ordered[-1].record.ticker,
            "name": best_name,
            "kind": self.kind,
            **merged,
            "outstanding_usd": outstanding[-1][1] if outstanding else None,
            "outstanding_as_of": outstanding[-1][0] if outstanding else None,
            "outstanding_history": [{"as_of": a, "outstanding_usd": v, "document": d} for a, v, d in outstanding],
            "xbrl_member": next((m.record.xbrl_member for m in ordered if m.record.xbrl_member), None),
            "conflicts": conflicts,
            "mentions": [
                {"document": m.document, "filed": m.filed, "name": m.record.name,
                 "evidence": [e.model_dump() for e in m.record.evidence], "warnings": m.record.warnings}
                for m in ordered
            ],
        }


def build_ledger(ticker: str, mentions: list[Mention]) -> dict:
    instruments: list[LedgerInstrument] = []
    for mention in sorted(mentions, key=lambda m: m.filed or ""):
        home = next((i for i in instruments if i.accepts(mention.record)), None)
        if home is None:
            home = LedgerInstrument()
            instruments.append(home)
        home.mentions.append(mention)
    rows = [i.to_dict() for i in instruments]
    # Instruments only ever mentioned in passing stay listed, after the ones with terms.
    rows.sort(key=lambda r: (all(m["evidence"] == [] for m in r["mentions"]), -(r["principal_usd"] or 0)))
    return {"ticker": ticker.upper(), "instruments": rows}


def _same_kind(a: str, b: str) -> bool:
    return a == b or "other" in (a, b)


def _compatible(a: DebtInstrument, b: DebtInstrument) -> bool:
    known = 0
    for x, y in ((a.coupon_pct, b.coupon_pct), (a.maturity_year, b.maturity_year)):
        if x is not None and y is not None:
            if abs(float(x) - float(y)) > 1e-9:
                return False
            known += 1
    if a.maturity_date and b.maturity_date and a.maturity_date != b.maturity_date:
        return False
    if known:
        return True
    # Facilities rarely state a coupon or a maturity: match them by their commitment instead.
    return a.principal_usd is not None and a.principal_usd == b.principal_usd


def _norm(value):
    return round(value, 6) if isinstance(value, float) else value
