"""Flags from the change: a new document is compared with its company's ledger before it, and only
the flags it can change are computed and written.

`CompanyState` is what the last flag computation of one company saw: its documents, debt mentions
(placed into instruments by `ledger.place_mentions`), operating figures and the keys of the flags
already raised. `add_document` places the new document's mentions into that ledger and computes
the flags of
- the instruments it touched, and those whose key it changed (a rival series of the same year),
  or every instrument when it is a periodic report older than one already stored (a backfill can
  make an instrument "not listed in" an earlier report);
- the periods whose figures it states, the period after each (debt up against the prior period),
  and, when it changed the ledger, every period from the earliest date the change concerns (an
  instrument's issue date, a new outstanding amount's as-of date) to the latest.
Each is computed exactly as the whole-ledger path computes it (`flags.flag_candidates`), so the
cost of a document no longer grows with the company's history: ingesting N documents of one
company costs O(N) (measured in scripts/benchmark.py). Only keys not raised before are returned.

The state lives in the writing process's memory (`Pipeline`); the pipeline rebuilds it from the
store whenever the store holds documents or mentions the state did not see (another process wrote).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from extract.identity import instrument_keys
from service.config import Settings
from service.domain.flags import instrument_flags, mention_records, ok_documents, period_flags
from service.domain.ledger import LedgerInstrument, Mention, ledger_order, mentions_from_rows, place_mentions
from service.domain.market import MarketInputs
from service.domain.models import FlagCandidate, Ledger
from service.domain.screen import PERIODIC_FORMS, CompanyFigures, company_screen, figure_period_end

# Ledger fields that change nothing the screen reads when only they differ.
_BOOKKEEPING = ("mentions", "outstanding_history", "outstanding_usd", "outstanding_as_of", "aliases", "conflicts", "warnings")


@dataclass
class CompanyState:
    ticker: str
    documents: list[dict]
    mention_rows: list[dict]  # stored debt mentions: {document, filed, key, record}
    figures: list[dict]  # stored company figures: {doc_sha256, period_end, record}
    facts: Callable[[str, str], list[dict]]
    raised: set[str]  # keys of the flags already raised for the company
    instruments: list[LedgerInstrument] = field(default_factory=list)
    _rows: dict[int, dict] = field(default_factory=dict)  # id(instrument) -> its ledger row

    @classmethod
    def build(cls, ticker: str, documents: list[dict], mention_rows: list[dict], figures: list[dict],
              facts: Callable[[str, str], list[dict]], raised: set[str]) -> CompanyState:
        state = cls(ticker.upper(), list(documents), list(mention_rows), list(figures), facts, set(raised))
        place_mentions(state.instruments, mentions_from_rows(mention_rows))
        state._rows = {id(i): i.to_dict() for i in state.instruments}
        return state

    @property
    def counts(self) -> tuple[int, int]:
        """(documents, debt mentions) seen: the pipeline compares them with the store's."""
        return len(self.documents), len(self.mention_rows)

    def _plain_ledger(self) -> dict:
        """The ledger as `build_ledger` builds it, in plain values (rows in the same order)."""
        return {"ticker": self.ticker, "instruments": sorted((self._rows[id(i)] for i in self.instruments), key=ledger_order)}

    def add_document(self, document: dict, mention_rows: list[dict], figures: list[dict],
                     market: MarketInputs | None, settings: Settings) -> list[FlagCandidate]:
        """Take in one stored document (its documents row, debt mention rows and figure rows) and
        return the flags it raises that were not raised before (their keys are then remembered)."""
        before = self._plain_ledger()["instruments"]
        keys_before = {id(row): key for row, key in zip(before, instrument_keys(before))}
        rows_before = dict(self._rows)
        backfill = self._is_backfill(document)

        self.documents.append(document)
        self.mention_rows.extend(mention_rows)
        self.figures.extend(figures)
        touched = self._place(mentions_from_rows(mention_rows))
        alive = {id(i) for i in self.instruments}
        self._rows = {k: row for k, row in self._rows.items() if k in alive}
        for inst in touched:
            self._rows[id(inst)] = inst.to_dict()

        plain = self._plain_ledger()
        rows = plain["instruments"]
        keys = instrument_keys(rows)
        touched_rows = {id(self._rows[id(i)]) for i in touched}
        old_key = {id(self._rows[k]): keys_before.get(id(rows_before[k])) for k in self._rows if k in rows_before}
        keyed = [(row, key) for row, key in zip(rows, keys)
                 if backfill or id(row) in touched_rows or old_key.get(id(row)) != key]
        candidates = instrument_flags(self.ticker, keyed, ok_documents(self.documents), mention_records(self.mention_rows))

        ends = self._affected_periods(figures, [self._rows[id(i)] for i in touched],
                                      {k: rows_before[k] for k in (id(i) for i in touched) if k in rows_before})
        if ends:
            company = CompanyFigures(self.documents, self.figures, self.facts)
            all_ends = _period_ends(self.figures)
            at = {e: i for i, e in enumerate(all_ends)}
            wanted = ends | {all_ends[at[e] - 1] for e in ends if at[e] > 0}  # each one's prior period, to compare with
            screen = company_screen(company, Ledger.model_validate(plain), self.ticker, market, period_ends=wanted)
            candidates += [f for f in period_flags(self.ticker, screen, settings) if f.detail.period_end in ends]

        new = [f for f in {f.key: f for f in candidates}.values() if f.key not in self.raised]
        self.raised.update(f.key for f in new)
        return new

    def _place(self, mentions: list[Mention]) -> list[LedgerInstrument]:
        """Place a document's mentions as `build_ledger` would have placed them among the company's.

        Joining an instrument is what most documents do (a 10-Q restating its notes). A document
        that starts an instrument can change where earlier mentions belong: the whole-ledger build
        places complete mentions first, so a launch release's partial mention ("notes due 2031", no
        coupon yet) that joined an older series goes to the new series once its terms are known.
        So the earlier mentions that link to a new instrument are taken out and placed again."""
        touched = place_mentions(self.instruments, mentions)
        created = [i for i in touched if all(any(m is n for n in mentions) for m in i.mentions)]
        moved: list[Mention] = []
        for inst in [i for i in self.instruments if not any(i is c for c in created)]:
            for key, (record, _) in list(inst.identities.items()):
                if any(c.affinity(record) for c in created):
                    moved += inst.remove_identity(key)
                    if not any(inst is t for t in touched):
                        touched.append(inst)
        if not moved:
            return touched
        for c in created:
            moved += c.mentions
        self.instruments[:] = [i for i in self.instruments if i.mentions and not any(i is c for c in created)]
        placed = place_mentions(self.instruments, moved)
        alive = [t for t in touched if any(t is i for i in self.instruments)]
        return alive + [p for p in placed if not any(p is t for t in alive)]

    def _is_backfill(self, document: dict) -> bool:
        """A periodic report older than one already stored."""
        if not (document.get("form") or "").upper().startswith(PERIODIC_FORMS):
            return False
        period = document.get("period") or ""
        return any((d.get("form") or "").upper().startswith(PERIODIC_FORMS) and (d.get("period") or "") > period
                   for d in self.documents if d.get("status") == "ok")

    def _affected_periods(self, figures: list[dict], touched: list[dict], before: dict[int, dict]) -> set[str]:
        """The period ends whose screen the new document can change (module docstring)."""
        all_ends = _period_ends(self.figures)
        ends = {e for e in (figure_period_end(r) for r in figures) if e}
        at = {e: i for i, e in enumerate(all_ends)}
        ends |= {all_ends[at[e] + 1] for e in ends if at[e] + 1 < len(all_ends)}
        since = [d for row in touched if (d := _changed_since(row, _previous(row, before)))]
        if since and all_ends:
            start = min(since)
            ends |= {e for e in all_ends if e >= start}
            ends.add(all_ends[-1])  # market metrics and the maturity wall read the ledger as it is now
        return ends


def _previous(row: dict, before: dict[int, dict]) -> dict | None:
    """The touched instrument's row before the change, found by any mention they share."""
    mentions = {(m["document"], m["name"]) for m in row["mentions"]}
    for old in before.values():
        if any((m["document"], m["name"]) in mentions for m in old["mentions"]):
            return old
    return None


def _changed_since(row: dict, old: dict | None) -> str | None:
    """The earliest date from which this instrument counts differently in the screen; None if
    nothing the screen reads changed."""
    dates_all = [d for d in (row.get("issue_date"), *(m.get("filed") for m in row["mentions"]),
                             *(h["as_of"] for h in row.get("outstanding_history", []))) if d]
    if old is None or {k: v for k, v in row.items() if k not in _BOOKKEEPING} != {k: v for k, v in old.items() if k not in _BOOKKEEPING}:
        return min(dates_all, default=None)
    seen = {(h["as_of"], h["outstanding_usd"], h["document"]) for h in old.get("outstanding_history", [])}
    new_points = [h["as_of"] for h in row.get("outstanding_history", []) if (h["as_of"], h["outstanding_usd"], h["document"]) not in seen]
    first_before = min((m.get("filed") for m in old["mentions"] if m.get("filed")), default=None)
    first_now = min((m.get("filed") for m in row["mentions"] if m.get("filed")), default=None)
    moved = [first_now] if first_now and first_now != first_before else []
    return min(new_points + moved, default=None)


def _period_ends(figures: list[dict]) -> list[str]:
    return sorted({e for e in (figure_period_end(r) for r in figures) if e})
