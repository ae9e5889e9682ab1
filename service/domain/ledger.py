"""The debt ledger: the same notes appear in the launch release, the pricing release, the closing
8-K, the prospectus and every later 10-Q. Resolve those mentions into one instrument per company.

Key: the XBRL member where there is one, else (kind, coupon, maturity year), else commitment and
name; each mention joins the instrument it matches best, an ambiguous one stays apart. Values are taken from
the latest filed mention that states them; mentions that disagree are kept as conflicts, never
hidden, and outstanding principal is recorded as a history by its as-of date. Which mentions
can be one instrument, and how strongly they link, is decided in `extract.identity`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extract import identity
from extract.identity import distinctive_words  # noqa: F401 - service.domain.answer reads it from here
from extract.records import DebtInstrument
from service.domain.models import Ledger

TERM_FIELDS = (
    "principal_usd", "option_usd", "coupon_pct", "rate_text", "issue_date", "maturity_date", "maturity_year",
    "conversion_rate_per_1000", "conversion_price_usd", "secured", "carrying_value_usd",
)


@dataclass
class Mention:
    document: str
    filed: str | None
    record: DebtInstrument


def mentions_from_rows(rows: list[dict]) -> list[Mention]:
    """Stored debt mention rows ({document, filed, record}) as the ledger's mentions."""
    return [Mention(r["document"], r["filed"], DebtInstrument.model_validate(r["record"])) for r in rows]


# The terms `extract.identity` compares two mentions on: mentions alike in these link alike.
IDENTITY_FIELDS = ("xbrl_member", "kind", "coupon_pct", "maturity_year", "maturity_date", "name", "principal_usd")


def _identity(record: DebtInstrument) -> tuple:
    return tuple(getattr(record, name) for name in IDENTITY_FIELDS)


@dataclass
class LedgerInstrument:
    mentions: list[Mention] = field(default_factory=list)
    # One record per distinct identity, with how many mentions share it: an instrument restated in
    # every 10-Q is compared once per way it is named, not once per filing.
    identities: dict[tuple, tuple[DebtInstrument, int]] = field(default_factory=dict)

    def add(self, mention: Mention) -> None:
        self.mentions.append(mention)
        key = _identity(mention.record)
        record, count = self.identities.get(key, (mention.record, 0))
        self.identities[key] = (record, count + 1)

    @property
    def kind(self) -> str:
        """The latest specific kind: 'other' only when no source says more."""
        kinds = [m.record.kind for m in sorted(self.mentions, key=lambda m: m.filed or "") if m.record.kind != "other"]
        return kinds[-1] if kinds else "other"

    def affinity(self, record: DebtInstrument) -> int:
        """How strongly `record` links to this instrument; 0 when it cannot be this instrument."""
        if any(identity.mentions_conflict(known, record) for known, _ in self.identities.values()):
            return 0
        return max((identity.link_score(known, record) for known, _ in self.identities.values()), default=0)

    def links(self, other: LedgerInstrument) -> bool:
        """Some mention of `other` could be this instrument."""
        return any(self.affinity(record) for record, _ in other.identities.values())

    def remove_identity(self, key: tuple) -> list[Mention]:
        """Take out the mentions with this identity; returns them."""
        taken = [m for m in self.mentions if _identity(m.record) == key]
        self.mentions = [m for m in self.mentions if _identity(m.record) != key]
        del self.identities[key]
        return taken

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
        named = [m.record for m in ordered if not m.record.mention_only] or [ordered[-1].record]
        # The fullest name the documents use; a name that starts with an amount is a description.
        best_name = max(named, key=lambda r: (not r.name.lstrip().startswith("$"), len(r.name))).name
        return {
            "ticker": ordered[-1].record.ticker,
            "name": best_name,
            "kind": self.kind,
            **merged,
            "outstanding_usd": outstanding[-1][1] if outstanding else None,
            "outstanding_as_of": outstanding[-1][0] if outstanding else None,
            "outstanding_history": [{"as_of": a, "outstanding_usd": v, "document": d} for a, v, d in outstanding],
            "xbrl_member": next((m.record.xbrl_member for m in ordered if m.record.xbrl_member), None),
            "aliases": sorted({a for m in ordered for a in m.record.aliases}),
            "conflicts": conflicts,
            "mentions": [
                {"document": m.document, "filed": m.filed, "name": m.record.name,
                 "evidence": [e.model_dump() for e in m.record.evidence], "warnings": m.record.warnings}
                for m in ordered
            ],
        }


def build_ledger(ticker: str, mentions: list[Mention]) -> Ledger:
    """The company's ledger from all its mentions (the rows are built as plain values, `to_dict`)."""
    instruments: list[LedgerInstrument] = []
    place_mentions(instruments, mentions)
    rows = [i.to_dict() for i in instruments]
    rows.sort(key=ledger_order)
    return Ledger.model_validate({"ticker": ticker.upper(), "instruments": rows})


def ledger_order(row: dict) -> tuple:
    """Largest first; instruments only ever mentioned in passing stay listed, after the ones with terms."""
    return (all(m["evidence"] == [] for m in row["mentions"]), -(row["principal_usd"] or 0))


def place_mentions(instruments: list[LedgerInstrument], mentions: list[Mention]) -> list[LedgerInstrument]:
    """Add `mentions` to a company's `instruments` (in place) and return the instruments that
    changed. Building a ledger is placing all of a company's mentions in an empty list; a new
    document's mentions are placed in the ledger before it (flags from the change)."""
    touched: list[LedgerInstrument] = []
    # Complete mentions first: they anchor instruments that partial ones (a launch release with the
    # coupon blank, "the November 2029 notes") can then join by their best match.
    for mention in sorted(mentions, key=lambda m: (_completeness(m.record), m.filed or ""), reverse=True):
        home = _best_home(instruments, [(mention.record, 1)])
        if home is None:
            home = LedgerInstrument()
            instruments.append(home)
        home.add(mention)
        if not any(t is home for t in touched):
            touched.append(home)
    return _merge_linked(instruments, touched)


def _best_home(instruments: list[LedgerInstrument], records: list[tuple[DebtInstrument, int]]) -> LedgerInstrument | None:
    """The one instrument all `records` (each with how many mentions share it) link to most
    strongly; None when none links, or when two link equally well (an ambiguous reference stays
    apart rather than be merged by a guess)."""
    scored = []
    for instrument in instruments:
        scores = [(instrument.affinity(record), count) for record, count in records]
        if min(score for score, _ in scores) > 0:
            scored.append((sum(score * count for score, count in scores), instrument))
    scored.sort(key=lambda s: s[0], reverse=True)
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


def _merge_linked(instruments: list[LedgerInstrument], touched: list[LedgerInstrument]) -> list[LedgerInstrument]:
    """A group can form before the mention that links it to another arrives: merge a group into
    the one instrument it links to best, until no group does. Returns `touched` with the
    instruments merged into added (a merged group is gone from both lists)."""
    changed = True
    while changed:
        changed = False
        # Only a touched group, or one that links to a touched group, can have found a home: the
        # rest were already apart before (every placement ends with nothing left to merge).
        candidates = [g for g in instruments if any(g is t or t.links(g) for t in touched)]
        for group in sorted(candidates, key=lambda i: len(i.mentions)):
            home = _best_home([i for i in instruments if i is not group], list(group.identities.values()))
            if home is not None:
                for mention in group.mentions:
                    home.add(mention)
                instruments.remove(group)
                touched[:] = [t for t in touched if t is not group]
                if not any(t is home for t in touched):
                    touched.append(home)
                changed = True
                break
    return touched


def _completeness(record: DebtInstrument) -> tuple[bool, int]:
    """A stated coupon names a series ("4.00% … due 2031"): such mentions anchor first."""
    known = sum(v is not None for v in (record.coupon_pct, record.maturity_year, record.maturity_date, record.principal_usd))
    return (record.coupon_pct is not None, known)


def _norm(value):
    return round(value, 6) if isinstance(value, float) else value
