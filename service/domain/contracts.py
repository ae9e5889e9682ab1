"""Contract histories: the same AI/HPC deal reappears in the launch release, the 10-Q, the 10-K and
the prospectus, grows by options and expansions, is amended, replaced or terminated.

Mentions are linked per company by counterparty (`extract.identity`: legal suffixes, descriptions
and short names made of initials do not make another party). Within
one counterparty, a mention with the same figures as an earlier one is a restatement of that deal
(kept as a source, never counted twice); different figures are a separate deal (an order, an
expansion). Totals add only deals that are in force: not superseded, not terminated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract import identity
from extract.records import HpcContract
from service.domain.models import ContractBook

OUT_OF_FORCE = {"superseded", "terminated"}


def counterparty_key(name: str) -> str:
    """'CoreWeave, Inc.' and 'CoreWeave' are one counterparty; descriptions after a dash or a
    parenthesis ('Initial Customer (unnamed) - expansion') do not make a new one (extract.identity).
    A customer the filing does not identify ('New customer (unnamed) - MSA of 2024-11-06') is known
    only by its whole description."""
    return identity.counterparty_key(name) or " ".join(re.sub(r"[^\w\s-]", " ", name.lower()).split())


@dataclass
class Deal:
    record: HpcContract
    sources: list[dict] = field(default_factory=list)

    def same_deal(self, other: HpcContract) -> bool:
        return identity.same_deal(self.record, other)

    @property
    def in_force(self) -> bool:
        return not self.record.superseded and (self.record.status or "signed") not in OUT_OF_FORCE

    def to_dict(self) -> dict:
        return {**self.record.model_dump(exclude={"evidence", "warnings"}), "in_force": self.in_force, "sources": self.sources}


def build_contracts(ticker: str, mentions: list[tuple[str, str | None, HpcContract]]) -> ContractBook:
    """`mentions` are (document, filed, record). Returns the company's contract histories (built as
    plain values, typed once at the end)."""
    by_counterparty: dict[str, list[Deal]] = {}
    names: dict[str, str] = {}
    for document, filed, record in sorted(mentions, key=lambda m: m[1] or ""):
        key = counterparty_key(record.counterparty)
        # "AWS" and "Amazon Web Services, Inc." are one counterparty: join the history already kept.
        key = next((k for k in by_counterparty if k == key or identity.same_counterparty_key(k, key)), key)
        names.setdefault(key, record.counterparty)
        deals = by_counterparty.setdefault(key, [])
        source = {"document": document, "filed": filed, "status": record.status,
                  "evidence": [e.model_dump() for e in record.evidence]}
        deal = next((d for d in deals if d.same_deal(record)), None)
        if deal is None:
            deals.append(Deal(record.model_copy(), [source]))
            continue
        deal.sources.append(source)
        # The later filing has the last word on status and fills figures the earlier one lacked.
        merged = deal.record.model_dump()
        for name, value in record.model_dump(exclude={"evidence", "warnings"}).items():
            if value is not None and (merged.get(name) is None or name in ("status", "superseded")):
                merged[name] = value
        deal.record = HpcContract.model_validate(merged)
    histories = []
    for key, deals in by_counterparty.items():
        live = [d for d in deals if d.in_force]
        histories.append({
            "counterparty": names[key],
            "deals": [d.to_dict() for d in deals],
            "in_force": {
                "capacity_mw": _total(live, "capacity_mw"),
                "gpus": _total(live, "gpus"),
                "total_contract_value_usd": _total(live, "total_contract_value_usd"),
            },
        })
    histories.sort(key=lambda h: -(h["in_force"]["total_contract_value_usd"] or 0))
    return ContractBook.model_validate({"ticker": ticker.upper(), "contracts": histories})


def _total(deals: list[Deal], name: str) -> float | None:
    values = [getattr(d.record, name) for d in deals if getattr(d.record, name) is not None]
    return sum(values) if values else None
