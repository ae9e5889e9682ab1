"""Answers with citations: structured records first, retrieved passages second, refusal otherwise.

Order of trust, for an analyst who has been burnt by confident wrong answers:

1. Structure. A debt term from the ledger, a metric from the screen, a ranking or a sum across
   companies, a history over periods, a contract history. Every number is computed here, in code,
   from stored values, and every input is cited with the quote that states it.
2. Passages. When structure has no answer, hybrid retrieval with the filters the question implies
   (company, form, period) and the sentences that best match it, quoted.
3. Refusal. A company with no documents, a term no document states, a period not on record, a
   forecast, a question outside the domain: `insufficient_evidence: true`, no citations.

A citation only ever points at evidence the answer was built from: a record's own evidence for the
values used, or the retrieved chunk a quoted sentence came from. With an LLM configured, passage
answers are rewritten by `extract.llm.llm_synthesize` over the same numbered evidence; citations it
invents are dropped and numbers no evidence states are flagged in `data`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from pydantic import BaseModel, Field

from extract.records import Evidence
from ingest.errors import BadInput, MinerlensError
from ingest.reading import split_sentences
from service.domain.contracts import counterparty_key
from service.domain.ledger import distinctive_words
from service.domain.models import ContractBook, Ledger, ScreenRow
from ingest.companies import Directory
from service.domain.question import INSTRUCTION, Question, company_words, content_terms, understand
from service.domain.asked import asked, defined_dates
from service.domain.numbers import percent, stated, usd
from service.domain.screen import outstanding_instruments

FIELD_LABELS = {
    "conversion_rate_per_1000": "initial conversion rate",
    "conversion_price_usd": "initial conversion price",
    "option_usd": "initial purchasers' option",
    "carrying_value_usd": "carrying value",
    "maturity_date": "maturity",
    "issue_date": "issue date",
    "coupon_pct": "interest rate",
    "secured": "security",
    "outstanding_usd": "principal outstanding",
    "principal_usd": "principal amount",
    "rate_text": "interest rate",
}

METRIC_LABELS = {
    "net_debt_to_ebitda": "net debt / EBITDA (net leverage)",
    "ebitda_interest_coverage": "EBITDA / interest expense (coverage)",
    "ebit_interest_coverage": "EBIT / interest expense",
    "maturities_12m_to_cash": "maturities within 12 months / cash",
    "maturities_12m_usd": "debt maturing within 12 months",
    "maturities_24m_usd": "debt maturing within 24 months",
    "shares_issuable_on_conversion": "shares issuable on conversion",
    "maturity_ladder": "maturity ladder",
    "net_debt_usd": "net debt",
    "ebitda_ttm_usd": "EBITDA (TTM, GAAP-derived)",
    "interest_expense_ttm_usd": "interest expense (TTM)",
    "operating_income_ttm_usd": "operating income (TTM)",
    "depreciation_amortization_ttm_usd": "depreciation and amortization (TTM)",
    "total_debt_usd": "total debt",
    "cash_usd": "cash and cash equivalents",
    "btc_holdings": "bitcoin holdings",
}
# Words a sentence stating each term contains.
FIELD_CUES = {
    "coupon_pct": ("interest", "per annum", "rate"),
    "conversion_rate_per_1000": ("conversion rate",),
    "conversion_price_usd": ("conversion price",),
    "maturity_date": ("matur", "due "),
    "principal_usd": ("principal amount", "aggregate", "up to $"),
    "secured": ("secured", "collateral"),
    "outstanding_usd": ("outstanding",),
    "issue_date": ("entered into", "issued", "closed", "dated as of"),
    "option_usd": ("option",),
    "carrying_value_usd": ("carrying", "net of"),
}
# A commitment is not a balance: "agreed to lend up to $3,000,000" states no amount drawn.
COMMITMENT = re.compile(r"\bup to\s+\$|\bagreed to (?:lend|loan)\b|\bcommit|\bmaximum\b|\bmay borrow\b|borrowing capacity", re.I)
BALANCE = re.compile(r"\boutstanding\b|\bdrawn\b|\bbalance\b|\bborrowed\b", re.I)
RATIO_METRICS = ("net_debt_to_ebitda", "ebitda_interest_coverage", "ebit_interest_coverage", "maturities_12m_to_cash")
SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(“\"])|\n+")
WIDE_K = 24  # candidates read when the first eight state nothing
PASSAGE_THRESHOLD = 0.34  # share of the question's salient words a quoted sentence must contain


class Answer(BaseModel):
    question: str
    answer: str
    citations: list[Evidence] = Field(default_factory=list)
    insufficient_evidence: bool = False
    kind: str = "passage"  # lookup | metric | comparison | passage | refusal
    data: dict[str, Any] | None = None


class Sources:
    """The stored records one question may read, each loaded at most once per question: a
    ranking across companies reads every ledger once, and nothing here loads a model.

    The loaders return the typed domain (`Ledger`, `ScreenRow`, `ContractBook`); the rules below
    read and compare plain values, so each is also kept as its plain dump (`instruments`,
    `screen_rows`, `contract_histories`), made once per question."""

    def __init__(
        self,
        tickers: Callable[[], list[str]],
        ledger: Callable[[str], Ledger],
        screen: Callable[[str, Ledger], list[ScreenRow]],
        contracts: Callable[[str], ContractBook],
        search: Callable[..., list],
        companies: Callable[[], list[dict]] | None = None,
    ) -> None:
        self._tickers, self._ledger, self._screen, self._contracts, self.search = tickers, ledger, screen, contracts, search
        self._companies = companies or (lambda: [])
        self._cache: dict[tuple[str, str], Any] = {}

    def _cached(self, kind: str, key: str, load: Callable[[], Any]) -> Any:
        if (kind, key) not in self._cache:
            self._cache[(kind, key)] = load()
        return self._cache[(kind, key)]

    def tickers(self) -> list[str]:
        return self._cached("tickers", "", self._tickers)

    def directory(self) -> Directory:
        """The ticker table plus every name the stored filings use for their filers."""
        return self._cached("directory", "", lambda: Directory.from_filings(self._companies()))

    def ledger(self, ticker: str) -> Ledger:
        return self._cached("ledger", ticker, lambda: self._ledger(ticker))

    def screen(self, ticker: str) -> list[ScreenRow]:
        return self._cached("screen", ticker, lambda: self._screen(ticker, self.ledger(ticker)))

    def contracts(self, ticker: str) -> ContractBook:
        return self._cached("contracts", ticker, lambda: self._contracts(ticker))

    def instruments(self, ticker: str) -> list[dict]:
        """The ledger's instruments as plain values."""
        return self._cached("instruments", ticker, lambda: [i.model_dump() for i in self.ledger(ticker).instruments])

    def screen_rows(self, ticker: str) -> list[dict]:
        """The screen's rows as plain values."""
        return self._cached("screen_rows", ticker, lambda: [r.model_dump() for r in self.screen(ticker)])

    def contract_histories(self, ticker: str) -> list[dict]:
        """The contract book's histories as plain values."""
        return self._cached("contract_histories", ticker, lambda: [h.model_dump() for h in self.contracts(ticker).contracts])


class Synthesizer(Protocol):
    """What the answerer needs of an LLM client (`extract.llm.LlmClient`)."""

    def synthesize(self, question: str, evidence: list[Evidence]) -> Any: ...


def refusal(q: Question, reason: str, data: dict | None = None) -> Answer:
    return Answer(question=q.text, answer=f"Insufficient evidence: {reason}", insufficient_evidence=True, kind="refusal", data=data)


class Answerer:
    def __init__(self, sources: Sources, llm: Synthesizer | None = None) -> None:
        self.sources = sources
        self.llm = llm  # with one, the answer is the model's over the same evidence (`_synthesize`)

    def ask(self, question: str, ticker: str | None = None) -> Answer:
        if not question or not question.strip():
            raise BadInput("The question is empty", hint="Ask about a miner's debt, figures or AI/HPC contracts.")
        q = understand(question, ticker, self.sources.directory())
        if q.speculative:
            return refusal(q, "filings state what was agreed and reported; they do not support forecasts or advice.")
        if not q.in_domain:
            return refusal(q, "the question is outside what the stored filings cover (listed Bitcoin miners' debt, figures and AI/HPC contracts).")
        known = set(self.sources.tickers())
        unknown = [t for t in q.tickers if t not in known]
        if unknown and len(unknown) == len(q.tickers):
            return refusal(q, f"no documents on record for {', '.join(unknown)}.", {"tickers_without_documents": unknown})
        q.tickers = [t for t in q.tickers if t in known]
        for handler in (self._contracts, self._series, self._maturing, self._comparison, self._lookup, self._metric):
            answer = handler(q)
            if answer is not None:
                if unknown and not answer.insufficient_evidence:
                    answer.answer += f" No documents on record for {', '.join(unknown)}."
                    answer.data = {**(answer.data or {}), "tickers_without_documents": unknown}
                return answer
        return self._from_passages(q)

    # -- debt terms -----------------------------------------------------------------------------

    def _lookup(self, q: Question) -> Answer | None:
        if q.field is None or q.ticker is None or q.ranking:
            return None
        if q.qualifiers:
            return None  # "the maximum conversion rate", "the notes it is repurchasing": a stored term answers another question
        instruments = resolve_instruments(self.sources.instruments(q.ticker), q)
        if instruments is None:
            return None  # the question names an instrument the ledger does not know: try passages
        if not instruments:
            # The ledger may have read the instrument wrongly: a passage that states the thing asked
            # still answers; without one, the refusal says what the ledger lacks.
            passage = self._from_passages(q)
            if not passage.insufficient_evidence:
                return passage
            return refusal(q, f"no debt instrument of {q.ticker} matching the question is on record, and {passage.answer.split(': ', 1)[-1]}",
                           passage.data)
        field = q.field
        stated = [(inst, field_value(inst, field, q.period_end)) for inst in instruments]
        # A stored value answers only if its own quote states the thing asked (the term's value, at
        # the date asked, of the instrument the question names): a commitment quoted for a balance
        # or another note's sentence is not an answer.
        stated = [(inst, v) for inst, v in stated if v[0] is not None and self._evidence_states(q, inst, v[1], v[2])]
        if stated and field == "maturity_date" and all(isinstance(v[0], int) for _, v in stated):
            passage = self._field_passage(q, stated[0][0])  # only the year is stored: a passage may state the date
            if passage is not None:
                return passage
        if not stated:
            names = "; ".join(i["name"] for i in instruments[:3])
            passage = self._field_passage(q, instruments[0])
            if passage is not None:
                return passage
            when = f" as of {q.period_end}" if q.period_end else ""
            return refusal(q, f"no stored document states the {FIELD_LABELS[field]} of {names} ({q.ticker}){when}.",
                           {"ticker": q.ticker, "instruments": [i["name"] for i in instruments], "field": field})
        rows, citations, lines = [], [], []
        for inst, (value, used_field, evidence, as_of) in stated[:5]:
            text = format_field(used_field, value, evidence)
            suffix = f" as of {as_of}" if as_of else ""
            lines.append(f"{inst['name']} ({q.ticker}): {FIELD_LABELS[used_field]} is {text}{suffix}.")
            conflict = next((c for c in inst.get("conflicts", []) if c["field"] == used_field), None)
            if conflict:
                others = [v for v in conflict["values"] if not same_value(v["value"], value)]
                if others:
                    lines.append("Other filings state " + "; ".join(f"{format_field(used_field, v['value'], field_evidence(inst, used_field, v['document']))} ({v['document']})" for v in others)
                                 + "; the latest filing's value is used.")
                    evidence = evidence + [e for v in others for e in field_evidence(inst, used_field, v["document"])]
            citations.extend(evidence)
            rows.append({"ticker": q.ticker, "instrument": inst["name"], "field": used_field, "value": value,
                         "as_of": as_of, "documents": sorted({e.document for e in evidence})})
        if len(stated) > 1:
            lines.insert(0, f"{len(stated)} instruments of {q.ticker} match; each is listed.")
        first = rows[0]
        data = {**first, "document": first["documents"][0] if first["documents"] else None, "rows": rows}
        return Answer(question=q.text, answer=" ".join(lines), citations=dedupe(citations), kind="lookup", data=data)

    def _evidence_states(self, q: Question, inst: dict, field: str, evidence: list[Evidence]) -> bool:
        """A quote of the stored value names the instrument the question names; for a balance, it
        states a balance (not only a commitment, "up to $3,000,000") at the date asked."""
        need = asked(q, self._name_words(q))
        names = [p for d, p in need.instrument if d.startswith("“")]
        named = " ".join([inst["name"], *(m["name"] for m in inst["mentions"]), *(inst.get("aliases") or [])])
        # "As of the Capitalization Date, there were $983,505,000 ...": the date asked, through the
        # term the as-of quote defines for it ("December 15, 2025 (the “Capitalization Date”)").
        as_of_quotes = " ".join(e["quote"] for m in inst["mentions"] for e in m["evidence"] if e["field"] == "outstanding_as_of")
        date_terms = defined_dates(need.period[1], as_of_quotes) if need.period else []

        def states(quote: str) -> bool:
            if not all(p.search(quote) or p.search(named) for p in names):
                return False
            if field == "outstanding_usd":
                if COMMITMENT.search(quote) and not BALANCE.search(quote):
                    return False
                if need.period and not need.period[1].search(quote) and not any(t.lower() in quote.lower() for t in date_terms):
                    return False
            return True

        return any(states(e.quote) for e in evidence)

    def _field_passage(self, q: Question, inst: dict) -> Answer | None:
        """The ledger lacks the term: a retrieved sentence may still state it, but only one that
        names the instrument and states the term (a value of its shape, at the period asked):
        anything looser answers another question."""
        names = identifying_words(inst) | set(q.instrument.words)
        need = asked(q, self._name_words(q))
        need.instrument = [(d, p) for d, p in need.instrument if not d.startswith("“")]  # the instrument's names are checked below
        hits = self.retrieve(q, WIDE_K)
        by_document = document_texts(hits)
        for hit in hits:
            for sentence, window in sentences_with_context(hit.text):
                low = window.lower()
                if 20 <= len(sentence) <= 600 and need.sentence_states(sentence, by_document[hit.document]) \
                        and need.passage_states(window, by_document[hit.document]) and any(n in low for n in names) \
                        and not lists_instruments(sentence):
                    citation = Evidence(document=hit.document, locator=locator(hit), quote=sentence)
                    return self._synthesize(Answer(
                        question=q.text, answer=f"Not in the structured records of {inst['name']} ({q.ticker}); the filing says: “{sentence}”",
                        citations=[citation], kind="passage",
                        data={"ticker": q.ticker, "instrument": inst["name"], "field": q.field, "document": hit.document, "chunk_id": hit.chunk_id}))
        return None

    # -- company metrics ------------------------------------------------------------------------

    def _metric(self, q: Question) -> Answer | None:
        if q.metric is None or q.ticker is None:
            return None
        rows = self.sources.screen_rows(q.ticker)
        if not rows:
            return refusal(q, f"no periodic figures (10-Q, 10-K or earnings release) of {q.ticker} are on record.")
        row = pick_period(rows, q, q.metric)
        if row is None:
            return refusal(q, f"no {q.ticker} figures for the period ending {q.period_end} are on record "
                              f"(periods on record: {', '.join(r['period_end'] for r in rows)}).",
                           {"ticker": q.ticker, "periods": [r["period_end"] for r in rows]})
        m = row["metrics"][q.metric]
        label = METRIC_LABELS[q.metric]
        citations = metric_evidence(m)
        if m["value"] is None:
            if m.get("note", "") and m["note"].startswith("not meaningful") and citations:
                text = f"{q.ticker} {label} for the period ended {row['period_end']}: {m['note']}."
                return Answer(question=q.text, answer=text, citations=citations, kind="metric",
                              data={"ticker": q.ticker, "period_end": row["period_end"], "metric": q.metric, "value": None,
                                    "note": m["note"], "inputs": input_rows(m)})
            return refusal(q, f"{q.ticker} {label} for the period ended {row['period_end']} cannot be computed: {m.get('note')}.",
                           {"ticker": q.ticker, "period_end": row["period_end"], "metric": q.metric, "note": m.get("note")})
        text = f"{q.ticker} {label} for the period ended {row['period_end']} ({row.get('form') or 'filing'}): {format_metric(q.metric, m['value'], [c.quote for c in citations])}."
        text += explain_inputs(q.metric, m)
        if m.get("note"):
            text += f" Note: {m['note']}."
        return Answer(question=q.text, answer=text, citations=citations, kind="metric",
                      data={"ticker": q.ticker, "period_end": row["period_end"], "document": row.get("document"),
                            "metric": q.metric, "value": m["value"], "note": m.get("note"), "inputs": input_rows(m)})

    # -- histories ------------------------------------------------------------------------------

    def _series(self, q: Question) -> Answer | None:
        if not q.series or q.ticker is None or q.contracts:
            return None
        metric = q.metric or "total_debt_usd"
        rows = self.sources.screen_rows(q.ticker)
        if q.period_year is not None:
            # "over 2025": the year's periods, starting from the balance at the end of the year before.
            start = f"{q.period_year - 1}-12-31"
            rows = [r for r in rows if start <= r["period_end"] <= f"{q.period_year}-12-31"]
        points = [(r, r["metrics"][metric]) for r in rows if r["metrics"][metric]["value"] is not None]
        if len(points) < 2:
            return refusal(q, f"fewer than two periods of {q.ticker} {METRIC_LABELS[metric]} are on record"
                              + (f" for {q.period_year}" if q.period_year else "") + ", so no change can be stated.",
                           {"ticker": q.ticker, "metric": metric, "periods": [r["period_end"] for r, _ in points]})
        series = [{"period_end": r["period_end"], "form": r.get("form"), "document": r.get("document"), "value": m["value"]} for r, m in points]
        parts = [f"{format_metric(metric, p['value'])} at {p['period_end']} ({p['form'] or 'filing'})" for p in series]
        first, last = series[0]["value"], series[-1]["value"]
        change = last - first
        text = f"{q.ticker} {METRIC_LABELS[metric]}: " + " → ".join(parts) + f". Change {signed(metric, change)}"
        text += f" ({change / abs(first):+.1%})." if first else "."
        citations = dedupe([e for _, m in points for e in metric_evidence(m)])
        return Answer(question=q.text, answer=text, citations=citations, kind="metric",
                      data={"ticker": q.ticker, "metric": metric, "series": series, "change": change})

    # -- sums of maturities ---------------------------------------------------------------------

    def _maturing(self, q: Question) -> Answer | None:
        bounded = q.maturity_before is not None or q.maturity_after is not None
        if not bounded and not (q.total and q.instrument.kind and q.tickers):
            return None
        if q.field not in (None, "maturity_date", "principal_usd", "outstanding_usd") or q.metric not in (None, "total_debt_usd"):
            return None
        tickers = q.tickers or self.sources.tickers()
        rows, citations, notes = [], [], []
        for ticker in tickers:
            outstanding, left_out = outstanding_instruments(self.sources.ledger(ticker), None)
            for inst in (i.model_dump() for i in outstanding):
                year = maturity_year(inst)
                if year is None or not in_bounds(year, q) or not kind_matches(inst, q):
                    continue
                twin = next((r for r in rows if r["ticker"] == ticker and r["amount_usd"] == inst["amount_usd"]
                             and r["amount_basis"] == inst["amount_basis"] and str(r["maturity"])[:4] == str(year)), None)
                if twin is not None:
                    notes.append(f"{inst['name']} ({ticker}): same amount, date and maturity as {twin['instrument']}; counted once")
                    continue
                evidence = amount_evidence(inst) + maturity_evidence(inst)
                if not evidence:
                    notes.append(f"{inst['name']} ({ticker}): no quote for its amount; left out")
                    continue
                rows.append({"ticker": ticker, "instrument": inst["name"], "kind": inst["kind"], "amount_usd": inst["amount_usd"],
                             "amount_basis": inst["amount_basis"], "maturity": inst.get("maturity_date") or year,
                             "documents": sorted({e.document for e in evidence})})
                citations.extend(evidence)
        bound = describe_bounds(q) if bounded else "at any date"
        what = "convertible notes" if q.instrument.kind == "convertible" else "debt"
        if not rows:
            if not bounded:
                return None  # "the total principal of its notes": nothing summed; another path may state it
            scope = ", ".join(q.tickers) if q.tickers else "any company on record"
            return refusal(q, f"no {what} of {scope} with a stated amount maturing {bound} is on record.",
                           {"tickers": tickers, "maturity_before": q.maturity_before, "maturity_after": q.maturity_after})
        rows.sort(key=lambda r: r["amount_usd"], reverse=not q.ascending)
        total = sum(r["amount_usd"] for r in rows)
        listed = "; ".join(f"{r['ticker']} {r['instrument']}: {money(r['amount_usd'])} ({r['amount_basis']}), matures {r['maturity']}" for r in rows)
        if q.tickers and len(q.tickers) == 1:
            text = (f"{q.ticker} {what} maturing {bound}: {money(total)} in total. {listed}." if bounded
                    else f"{q.ticker} {what}: {money(total)} in total. {listed}.")
            kind = "metric"
        else:
            text = f"{what.capitalize()} maturing {bound}, {'smallest' if q.ascending else 'largest'} first: {listed}. Total {money(total)}."
            kind = "comparison"
        return Answer(question=q.text, answer=text, citations=dedupe(citations), kind=kind,
                      data={"rows": rows, "total_usd": total, "maturity_before": q.maturity_before, "maturity_after": q.maturity_after,
                            "notes": notes})

    # -- comparisons across companies -----------------------------------------------------------

    def _comparison(self, q: Question) -> Answer | None:
        if not q.ranking or q.contracts:
            return None
        tickers = q.tickers if len(q.tickers) > 1 else (q.tickers or self.sources.tickers())
        if q.field is not None and q.field not in ("principal_usd", "maturity_date") or (q.instrument.kind and q.metric in (None, "total_debt_usd")):
            return self._rank_instruments(q, tickers)
        if q.metric is not None:
            return self._rank_metric(q, tickers)
        return None

    def _rank_instruments(self, q: Question, tickers: list[str]) -> Answer | None:
        field = q.field if q.field not in (None, "maturity_date") else "principal_usd"
        rows, citations = [], []
        for ticker in tickers:
            for inst in self.sources.instruments(ticker):
                if not kind_matches(inst, q) or (q.instrument.coupon_pct is not None and inst.get("coupon_pct") != q.instrument.coupon_pct):
                    continue
                if all(not m["evidence"] for m in inst["mentions"]):
                    continue
                value, used, evidence, as_of = field_value(inst, field, None)
                if value is None or not evidence or isinstance(value, (str, bool)):
                    continue
                rows.append({"ticker": ticker, "instrument": inst["name"], "kind": inst["kind"], field: value,
                             "maturity": inst.get("maturity_date") or inst.get("maturity_year"),
                             "documents": sorted({e.document for e in evidence}), "evidence": evidence})
                citations.extend(evidence)
        if not rows:
            return refusal(q, "no instrument on record matches the question with a stated value to rank by.")
        rows.sort(key=lambda r: r[field], reverse=not q.ascending)
        listed = "; ".join(f"{r['ticker']} {r['instrument']}: {format_field(field, r[field], r.pop('evidence'))}" + (f", matures {r['maturity']}" if r["maturity"] else "") for r in rows)
        text = f"{FIELD_LABELS[field].capitalize()}, {'lowest' if q.ascending else 'highest'} first: {listed}."
        return Answer(question=q.text, answer=text, citations=dedupe(citations), kind="comparison", data={"field": field, "rows": rows})

    def _rank_metric(self, q: Question, tickers: list[str]) -> Answer:
        rows, citations, missing = [], [], []
        for ticker in tickers:
            screen = self.sources.screen_rows(ticker)
            row = pick_period(screen, q, q.metric) if screen else None
            m = row["metrics"][q.metric] if row else None
            if m is None or m["value"] is None or isinstance(m["value"], (dict, list)):
                missing.append(ticker)
                continue
            rows.append({"ticker": ticker, "period_end": row["period_end"], "value": m["value"], "document": row.get("document"),
                         "inputs": input_rows(m)})
            citations.extend(metric_evidence(m))
        label = METRIC_LABELS[q.metric]
        if not rows:
            return refusal(q, f"no company on record has a computable {label}.", {"metric": q.metric, "without_value": missing})
        rows.sort(key=lambda r: r["value"], reverse=not q.ascending)
        listed = "; ".join(f"{r['ticker']} {format_metric(q.metric, r['value'])} (period ended {r['period_end']})" for r in rows)
        text = f"{label.capitalize()}, {'lowest' if q.ascending else 'highest'} first: {listed}."
        if missing:
            text += f" Not computable from the filings on record: {', '.join(missing)}."
        return Answer(question=q.text, answer=text, citations=dedupe(citations), kind="comparison",
                      data={"metric": q.metric, "rows": rows, "without_value": missing})

    # -- AI/HPC contracts -----------------------------------------------------------------------

    def _contracts(self, q: Question) -> Answer | None:
        if not q.contracts:
            return None
        tickers = q.tickers or self.sources.tickers()
        wanted = set(q.instrument.words)
        rows, citations = [], []
        for ticker in tickers:
            for history in self.sources.contract_histories(ticker):
                key = counterparty_key(history["counterparty"])
                if wanted and not any(w in key.split() or w in key for w in wanted):
                    continue
                for deal in history["deals"]:
                    evidence = [Evidence(**e) for s in deal["sources"] for e in s["evidence"]]
                    if not evidence:
                        continue
                    rows.append({"ticker": ticker, "counterparty": deal["counterparty"], "site": deal.get("site"),
                                 "capacity_mw": deal.get("capacity_mw"), "gpus": deal.get("gpus"), "term_months": deal.get("term_months"),
                                 "total_contract_value_usd": deal.get("total_contract_value_usd"),
                                 "annual_revenue_usd": deal.get("annual_revenue_usd"), "status": deal.get("status"),
                                 "in_force": deal.get("in_force"), "documents": sorted({s["document"] for s in deal["sources"]})})
                    citations.extend(evidence)
        if not rows:
            who = ", ".join(q.tickers) if q.tickers else "any company on record"
            with_whom = f" with {', '.join(sorted(wanted))}" if wanted else ""
            return refusal(q, f"no AI/HPC contract of {who}{with_whom} is on record.")
        by_mw = bool(re.search(r"\b(mw|megawatt|capacity)\b", q.text, re.I))
        sort_key = "capacity_mw" if by_mw else "total_contract_value_usd"
        rows.sort(key=lambda r: (r[sort_key] or 0), reverse=not q.ascending)
        text = "; ".join(describe_deal(r) for r in rows[:8])
        in_force = [r for r in rows if r["in_force"] and r["total_contract_value_usd"]]
        if q.total and in_force:
            total = sum(r["total_contract_value_usd"] for r in in_force)
            text += f". Contracts in force total {money(total)}"
        kind = "comparison" if q.ranking or not q.tickers or len(q.tickers) > 1 else "lookup"
        return Answer(question=q.text, answer=text + ".", citations=dedupe(citations), kind=kind, data={"rows": rows})

    # -- passages -------------------------------------------------------------------------------

    def retrieve(self, q: Question, k: int = 8) -> list:
        """Hybrid search with the filters the question implies: its one company, a form it names,
        the year it spans."""
        filters: dict[str, Any] = {}
        if len(q.tickers) == 1:
            filters["ticker"] = q.ticker
        elif len(q.tickers) > 1:
            filters["ticker"] = list(q.tickers)
        if q.form:
            filters["form"] = q.form
        # Within one company's filings its own name is on every page: it would rank cover pages first.
        query = q.topic if q.tickers and q.topic.strip() else (q.query or q.text)
        hits = self.sources.search(query, k=k, **filters)
        asked_only = without_instrument_name(query, q)
        if not asked_only or not hits:
            return hits
        # The instrument's name is on every page of its prospectus too: the documents it finds are
        # right, but within them the page that states the term asked ("may redeem ... on or after")
        # ranks below the cover and the summary. Search those documents once more for the term alone.
        documents = list(dict.fromkeys(h.document for h in hits))[:2]
        seen = {h.chunk_id for h in hits}
        extra = []
        for document in documents:
            for hit in self.sources.search(asked_only, k=3, document=document, **filters):
                if hit.chunk_id not in seen:
                    seen.add(hit.chunk_id)
                    extra.append(hit)
        return hits[:2] + extra + hits[2:]

    def _from_passages(self, q: Question, k: int = 8) -> Answer:
        hits = self.retrieve(q, k)
        # The company's own names say nothing about which sentence answers: every sentence has them.
        ignore = self._name_words(q)
        salient = [t for t in q.terms if t not in ignore and not t.isdigit() or (t.isdigit() and len(t) == 4)]
        # The instrument's year picks the passage (year_bonus below), not the sentence within it.
        salient = [t for t in salient if t not in GENERIC_QUESTION_WORDS and t != str(q.instrument.maturity_year)]
        need = asked(q, ignore)
        # The notes of one filing are "the notes" after it names them once: the year, coupon or
        # series asked must be in the same document's retrieved text, not in every chunk.
        by_document = document_texts(hits)
        scored: list[tuple[float, str, Any]] = []
        for rank, hit in enumerate(hits):
            for sentence, window in sentences_with_context(hit.text):
                if len(sentence) < 20 or len(sentence) > 900:
                    continue
                words = set(content_terms(sentence))
                # An exact word counts fully, a word of the same stem ("redeemed" for "redeem") half.
                overlap = sum(1.0 if t in words else 0.5 if len(t) >= 6 and any(w.startswith(t[:5]) for w in words) else 0.0
                              for t in salient)
                if overlap == 0:
                    continue
                # A passage answers only if it states the thing asked: its instrument, quantity and period.
                if not need.sentence_states(sentence, by_document[hit.document]) or not need.passage_states(window, by_document[hit.document]):
                    continue
                if lists_instruments(sentence):
                    continue  # "an indenture, credit agreement, loan agreement, ... note": a definition, no instrument
                if INSTRUCTION.search(sentence):
                    continue  # a sentence telling its reader to ignore instructions is an injection, never evidence
                has_number = bool(re.search(r"\d", sentence))
                # "the 2031 notes": a passage about another year's notes answers another question.
                year_bonus = 0.15 if q.instrument.maturity_year and str(q.instrument.maturity_year) in hit.text else 0.0
                scored.append((overlap / max(len(salient), 1) + 0.1 * has_number + year_bonus - 0.02 * rank, sentence, hit))
        scored.sort(key=lambda s: s[0], reverse=True)
        if (not scored or scored[0][0] < PASSAGE_THRESHOLD) and k < WIDE_K:
            return self._from_passages(q, WIDE_K)  # the page that states it may rank below the first few
        if not scored or scored[0][0] < PASSAGE_THRESHOLD:
            scope = f" of {', '.join(q.tickers)}" if q.tickers else ""
            return refusal(q, f"no retrieved passage{scope} states {need.describe()}.",
                           {"retrieved": [h.document for h in hits[:5]], "looked_for": need.describe()})
        chosen = [scored[0]] + [s for s in scored[1:3] if s[0] >= PASSAGE_THRESHOLD and s[1] != scored[0][1]][:1]
        citations = [Evidence(document=hit.document, locator=locator(hit), quote=sentence) for _, sentence, hit in chosen]
        answer = Answer(question=q.text, answer=" ".join(f"“{s}”" for _, s, _ in chosen), citations=citations, kind="passage",
                        data={"passages": [{"document": hit.document, "chunk_id": hit.chunk_id, "score": round(score, 3)} for score, _, hit in chosen]})
        return self._synthesize(answer)

    def _name_words(self, q: Question) -> set[str]:
        directory = self.sources.directory()
        return {t.lower() for t in q.tickers} | company_words([c for t in q.tickers if (c := directory.lookup(t))])

    def _synthesize(self, answer: Answer) -> Answer:
        """With an LLM configured, its answer over the same evidence; citations it invents dropped."""
        if self.llm is None:
            return answer
        try:
            synthesis = self.llm.synthesize(answer.question, answer.citations)
        except MinerlensError as exc:
            answer.data = {**(answer.data or {}), "llm_error": exc.message}
            return answer
        if not synthesis.text or not synthesis.cited:
            answer.data = {**(answer.data or {}), "llm_error": "the model cited no evidence; extractive answer kept"}
            return answer
        return answer.model_copy(update={
            "answer": synthesis.text,
            "citations": [answer.citations[i] for i in synthesis.cited],
            "data": {**(answer.data or {}), "llm": True, "extractive_answer": answer.answer,
                     "unsupported_numbers": synthesis.unsupported_numbers},
        })


_INSTRUMENT_NAME_WORDS = re.compile(
    r"\b\d+(?:\.\d+)?\s*%|\bdue\s+(?:in\s+)?20\d\d\b|\b(?:its|their|the)?\s*(?:convertible|senior|secured|unsecured|exchangeable"
    r"|notes?|debentures?|bonds?|converts?)\b", re.I)


def without_instrument_name(query: str, q: Question) -> str | None:
    """The query with the named instrument's coupon, maturity and kind words taken out ("From what
    date may redeem"), or None when the question names no instrument or nothing would be left."""
    if q.instrument.coupon_pct is None and q.instrument.maturity_year is None:
        return None
    rest = _INSTRUMENT_NAME_WORDS.sub(" ", query)
    if q.instrument.maturity_year:
        rest = rest.replace(str(q.instrument.maturity_year), " ")
    rest = " ".join(rest.replace("?", " ").split())
    return rest if len(content_terms(rest)) >= 2 else None


def document_texts(hits: list) -> dict[str, str]:
    """The retrieved text of each document, its chunks joined."""
    out: dict[str, str] = {}
    for hit in hits:
        out[hit.document] = out.get(hit.document, "") + "\n" + hit.text
    return out


def sentences_with_context(text: str) -> list[tuple[str, str]]:
    """(sentence, the sentence with the few before it and the one after): a term is often stated
    sentences after the instrument is named ("... the 2.5% Notes ... The conversion price has been
    set at $9.74"), and a note's heading states its amount before its first line names the issuer
    ("Initial Principal Amount of Note: $200,000,000.00 / FOR VALUE RECEIVED, TAE TECHNOLOGIES ...")."""
    sentences = [s.quote for s in split_sentences(text)]  # the one splitter: "U.S. Bank" is no sentence end
    return [(s, " ".join(sentences[max(0, i - CONTEXT_SENTENCES): i + 1 + CONTEXT_AFTER])) for i, s in enumerate(sentences)]


CONTEXT_SENTENCES = 4
CONTEXT_AFTER = 1
# Kinds of debt contract: a sentence naming three or more of them in one list defines a class of
# contracts (a merger agreement's "Material Contract", a covenant's "Indebtedness"), no instrument.
_INSTRUMENT_NOUNS = re.compile(
    r"\b(indentures?|credit agreements?|loan agreements?|security agreements?|guarant(?:ee|ies|y)|notes?|mortgages?|bonds?|debentures?"
    r"|letters? of credit|capital leases?|finance leases?|promissory|revolving|facilit(?:y|ies)|swaps?|hedg\w+)\b", re.I)


def lists_instruments(sentence: str) -> bool:
    kinds = {re.sub(r"(?:s|ies|y|ee|ees)$", "", m.group(1).lower()) for m in _INSTRUMENT_NOUNS.finditer(sentence)}
    return len(kinds) >= 4 and sentence.count(",") >= 3


GENERIC_QUESTION_WORDS = frozenset("company company's miner miners filing filings document say said state stated".split())


# -- resolving instruments --------------------------------------------------------------------


def resolve_instruments(instruments: list[dict], q: Question) -> list[dict] | None:
    """The ledger instruments the question points at, best first. None when it names one by words
    (a lender, a defined term) that no instrument's names contain."""
    ref = q.instrument
    candidates = []
    for inst in instruments:
        if ref.coupon_pct is not None and inst.get("coupon_pct") is not None and abs(inst["coupon_pct"] - ref.coupon_pct) > 1e-9:
            continue
        year = maturity_year(inst)
        if ref.maturity_year is not None and year is not None and year != ref.maturity_year:
            continue
        if ref.maturity_year is not None and year is None and not ref.words:
            continue
        if not kind_matches(inst, q):
            continue
        if ref.amount_usd is not None and inst.get("principal_usd") and not same_value(inst["principal_usd"], ref.amount_usd):
            continue
        # The document's own terms for it count as its names ("the MLA", the agreement a loan was made under).
        names = " ".join([inst["name"], *(m["name"] for m in inst["mentions"]), *(inst.get("aliases") or [])]).lower()
        quotes = " ".join(e["quote"] for m in inst["mentions"] for e in m["evidence"]).lower()
        hits = sum(1 for w in ref.words if w in names) or 0.5 * sum(1 for w in ref.words if w in quotes)
        score = 3 * hits + 2 * (ref.coupon_pct is not None and inst.get("coupon_pct") is not None) + 2 * (ref.maturity_year is not None and year is not None)
        has_evidence = any(m["evidence"] for m in inst["mentions"])
        candidates.append((score, has_evidence, hits, inst))
    if ref.words:
        named = [c for c in candidates if c[2] > 0]
        if not named:
            return None if candidates or not ref.empty else []
        candidates = named
    candidates = [c for c in candidates if c[1]] or candidates
    if not candidates:
        return []
    best = max(c[0] for c in candidates)
    return [c[3] for c in sorted(candidates, key=lambda c: -c[0]) if c[0] == best]


_MATURITY_IN_NAME = re.compile(r"\bdue\s+[A-Z][a-z]+\s+\d{1,2},?\s+20\d\d\b")


def identifying_words(inst: dict) -> set[str]:
    """Words that tell this instrument from the company's others: distinctive name words, its
    stated size ("$100 million"), coupon and maturity year."""
    words: set[str] = set()
    for name in [inst["name"], *(m["name"] for m in inst["mentions"])]:
        words |= distinctive_words(_MATURITY_IN_NAME.sub(" ", name))  # "due May 29, 2028": "may" names no instrument
    words |= set(inst.get("aliases") or [])  # "Parent Convertible Notes": the document's own term for it
    if inst.get("principal_usd"):
        millions = inst["principal_usd"] / 1e6
        words.add(f"${millions:,.0f} million" if millions < 1000 else f"${millions / 1000:g} billion")
    if inst.get("coupon_pct") is not None:
        words |= {f"{inst['coupon_pct']:.2f}%", percent(inst["coupon_pct"])}
    year = maturity_year(inst)
    if year:
        words.add(f"due {year}")
    return {w.lower() for w in words}


def kind_matches(inst: dict, q: Question) -> bool:
    kind = q.instrument.kind
    if kind is None:
        return True
    if kind == "convertible":
        return inst["kind"] == "convertible"
    if kind == "credit_facility":
        return inst["kind"] in ("credit_facility", "term_loan", "other")
    return inst["kind"] in (kind, "other")


def maturity_year(inst: dict) -> int | None:
    if inst.get("maturity_date"):
        return int(str(inst["maturity_date"])[:4])
    return inst.get("maturity_year")


def in_bounds(year: int, q: Question) -> bool:
    return (q.maturity_before is None or year < q.maturity_before) and (q.maturity_after is None or year > q.maturity_after)


def describe_bounds(q: Question) -> str:
    parts = []
    if q.maturity_after is not None:
        parts.append(f"after {q.maturity_after}")
    if q.maturity_before is not None:
        parts.append(f"before {q.maturity_before}")
    return " and ".join(parts)


# -- values and their evidence ----------------------------------------------------------------


def field_evidence(inst: dict, field: str, document: str | None = None) -> list[Evidence]:
    return [Evidence(**e) for m in inst["mentions"] if document is None or m["document"] == document
            for e in m["evidence"] if e.get("field") == field]


def field_value(inst: dict, field: str, period_end: str | None) -> tuple[Any, str, list[Evidence], str | None]:
    """(value, the field it came from, the evidence stating it, as-of date) for one instrument.

    A floating rate has no coupon: its rate text answers an interest-rate question. Outstanding
    principal is the latest stated (or the one at the asked period end)."""
    if field == "outstanding_usd":
        history = inst.get("outstanding_history", [])
        if period_end:
            history = [h for h in history if h["as_of"] == period_end]
        for h in reversed(history):
            # The as-of quote too: it dates a balance stated "as of the Capitalization Date".
            evidence = field_evidence(inst, "outstanding_usd", h["document"])
            if evidence:
                evidence += [e for e in field_evidence(inst, "outstanding_as_of", h["document"]) if e.quote not in {x.quote for x in evidence}]
                return h["outstanding_usd"], field, evidence, h["as_of"] or None
        return None, field, [], None
    if field == "coupon_pct" and inst.get("coupon_pct") is None and inst.get("rate_text"):
        field = "rate_text"
    if field == "maturity_date" and inst.get("maturity_date") is None and inst.get("maturity_year") is not None:
        evidence = field_evidence(inst, "maturity_year") or field_evidence(inst, "maturity_date")
        return (inst["maturity_year"], "maturity_date", evidence, None) if evidence else (None, field, [], None)
    value = inst.get(field)
    if value is None:
        return None, field, [], None
    evidence = field_evidence(inst, field)
    conflict = next((c for c in inst.get("conflicts", []) if c["field"] == field), None)
    if conflict:  # cite only the documents that state the value used
        docs = {v["document"] for v in conflict["values"] if same_value(v["value"], value)}
        evidence = [e for e in evidence if e.document in docs] or evidence
    return (value, field, evidence, None) if evidence else (None, field, [], None)


def amount_evidence(inst: dict) -> list[Evidence]:
    basis = inst.get("amount_basis", "")
    field = "outstanding_usd" if basis.startswith("outstanding") else "principal_usd"
    return field_evidence(inst, field, inst.get("amount_document")) or field_evidence(inst, field)


def maturity_evidence(inst: dict) -> list[Evidence]:
    return (field_evidence(inst, "maturity_date") or field_evidence(inst, "maturity_year"))[:2]


def metric_evidence(m: dict) -> list[Evidence]:
    """Every quote behind a screen metric, down through the metrics it was derived from."""
    out: list[Evidence] = []

    def walk(inputs: list[dict]) -> None:
        for i in inputs:
            for e in i.get("evidence") or []:
                out.append(Evidence(**{k: e.get(k) for k in ("field", "document", "locator", "quote")}))
            walk(i.get("derived_from") or [])
            walk(i.get("inputs") or [])

    walk(m.get("inputs") or [])
    return dedupe(out)


def input_rows(m: dict) -> list[dict]:
    """The metric's inputs as plain rows (name, value, document, period), nested ones flattened."""
    rows: list[dict] = []

    def walk(inputs: list[dict]) -> None:
        for i in inputs:
            if i.get("document") is not None or i.get("evidence"):
                rows.append({k: i.get(k) for k in ("name", "value", "document", "period_end") if i.get(k) is not None})
            walk(i.get("derived_from") or [])
            walk(i.get("inputs") or [])

    walk(m.get("inputs") or [])
    return rows


def explain_inputs(metric: str, m: dict) -> str:
    rows = [r for r in input_rows(m) if isinstance(r.get("value"), (int, float))]
    if metric in ("cash_usd", "total_debt_usd", "btc_holdings") or not rows:
        return ""
    shown = "; ".join(f"{r['name']}: {money(r['value']) if abs(r['value']) >= 1000 else r['value']:} ({r.get('document')})" for r in rows[:6])
    return f" Inputs: {shown}."


def pick_period(rows: list[dict], q: Question, metric: str | None = None) -> dict | None:
    """The period asked; without one, the latest period whose figures give the metric (a later
    8-K that states only cash must not hide the last 10-Q's leverage)."""
    if q.period_end:
        return next((r for r in rows if r["period_end"] == q.period_end), None)
    if q.relative_period == "previous":
        return rows[-2] if len(rows) > 1 else None
    if metric:
        for r in reversed(rows):
            if r["metrics"][metric]["value"] is not None:
                return r
    return rows[-1]


def dedupe(evidence: list[Evidence]) -> list[Evidence]:
    seen, out = set(), []
    for e in evidence:
        key = (e.document, e.locator, e.quote)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return a == b


# -- formatting -------------------------------------------------------------------------------


def money(value: float, quotes: Iterable[str] = ()) -> str:
    return usd(value, quotes)


def signed(metric: str, value: float) -> str:
    return ("+" if value >= 0 else "-") + format_metric(metric, abs(value))


def format_field(field: str, value: Any, evidence: Iterable[Evidence] = ()) -> str:
    """A term as its evidence states it: every decimal the quote has, none it lacks."""
    quotes = [e.quote for e in evidence]
    if field == "conversion_rate_per_1000":
        return f"{stated(value, quotes)} shares per $1,000 principal amount"
    if field == "conversion_price_usd":
        return f"{usd(value, quotes)} per share"
    if field == "coupon_pct":
        return f"{percent(value, quotes)} per annum" if value else f"{percent(value, quotes or ['0.00%'])} (zero coupon)"
    if field == "secured":
        return "secured" if value else "unsecured"
    if field in ("principal_usd", "option_usd", "outstanding_usd", "carrying_value_usd"):
        return money(value, quotes)
    return str(value)


def format_metric(metric: str, value: Any, quotes: Iterable[str] = ()) -> str:
    """A metric's value for reading; a figure a quote states is spelled as the quote spells it."""
    if metric in RATIO_METRICS:
        return f"{value:.2f}x (derived)"
    if metric == "btc_holdings":
        return f"{stated(value, quotes)} BTC"
    if metric == "shares_issuable_on_conversion":
        return f"{value:,.0f} shares (derived)"
    if metric == "maturity_ladder":
        return ", ".join(f"{year}: {money(amount)}" for year, amount in value.items())
    return money(value, quotes)


def describe_deal(r: dict) -> str:
    bits = []
    if r["capacity_mw"]:
        bits.append(f"{r['capacity_mw']:g} MW")
    if r["gpus"]:
        bits.append(f"{r['gpus']:,} GPUs")
    if r["term_months"]:
        bits.append(f"{r['term_months'] / 12:g}-year term" if r["term_months"] % 12 == 0 else f"{r['term_months']}-month term")
    if r["total_contract_value_usd"]:
        bits.append(f"total contract value {money(r['total_contract_value_usd'])}")
    if r["annual_revenue_usd"]:
        bits.append(f"annualized revenue {money(r['annual_revenue_usd'])}")
    if r["site"]:
        bits.append(f"site {r['site']}")
    status = "" if r["in_force"] else " (no longer in force)"
    return f"{r['ticker']} with {r['counterparty']}: " + (", ".join(bits) or "terms not stated") + status


def locator(hit) -> str:
    parts = [hit.part_type or hit.part]
    if hit.section:
        parts.append(hit.section)
    if hit.page:
        parts.append(f"p. {hit.page}")
    return " · ".join(p for p in parts if p)
