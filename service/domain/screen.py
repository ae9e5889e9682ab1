"""Screening metrics per company and period, computed in code from stored figures and the debt ledger.

Every metric is a `Metric` (value, inputs, note): the inputs name each number used and the document
(and evidence) it came from; a metric whose input is missing is null with the reason in `note`,
never estimated. EBITDA is GAAP-derived (operating income plus D&A), not the company's adjusted
EBITDA.

Trailing twelve months for a quarter: FY (the 10-K before it) + YTD(now) - YTD(same period a year
earlier). The prior-year YTD is the comparative column of the same 10-Q, read from its XBRL facts
under the concept the figure itself was read from (a filer who tags "Interest expense" as
OtherNonoperatingExpense tags its comparative the same way). Where no TTM can be built, the
latest quarter annualized is used and the window says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from service.domain.market import MarketInputs
from service.domain.models import Ledger, Metric, OutstandingInstrument, ScreenRow

PERIODIC_FORMS = ("10-Q", "10-K", "10-KT", "20-F", "40-F")
ANNUAL_FORMS = ("10-K", "10-KT", "20-F", "40-F")
FIGURE_FIELDS = ("cash_usd", "total_debt_usd", "interest_expense_usd", "interest_expense_usd_ytd",
                 "operating_income_usd", "operating_income_usd_ytd", "depreciation_amortization_usd",
                 "depreciation_amortization_usd_ytd", "btc_holdings")
# A facility's principal is its commitment, not what is drawn: it enters the ladder only with a
# stated outstanding amount.
COMMITMENT_KINDS = ("credit_facility",)


# -- metric shape ----------------------------------------------------------------------------


def metric(value: Any, inputs: list[dict] | None = None, note: str | None = None) -> dict:
    return {"value": value, "inputs": inputs or [], "note": note}


def missing(reason: str, inputs: list[dict] | None = None) -> dict:
    return metric(None, inputs, reason)


# -- periods ---------------------------------------------------------------------------------


@dataclass
class Period:
    """The figures of one period end, from the best document stating them (a 10-Q/10-K first);
    figures it lacks are filled from other documents of the same period, each keeping its source."""

    period_end: str
    document: str
    form: str | None
    doc_sha256: str
    annual: bool
    values: dict[str, float | None] = field(default_factory=dict)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (document, sha256)
    evidence: dict[str, list[dict]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def input(self, name: str, label: str | None = None) -> dict:
        document, _ = self.sources.get(name, (self.document, self.doc_sha256))
        return {"name": label or name, "value": self.values.get(name), "document": document,
                "period_end": self.period_end, "evidence": self.evidence.get(name, [])}

    def concept(self, name: str) -> str | None:
        """The XBRL concept a figure was read from, from its evidence locator 'xbrl <id> <concept>'."""
        for ev in self.evidence.get(name, []):
            parts = (ev.get("locator") or "").split()
            if len(parts) >= 3 and parts[0] == "xbrl":
                return parts[-1]
        return None


@dataclass
class CompanyFigures:
    """What the screen reads of one company: its documents, the operating figures extracted from
    them ({doc_sha256, period_end, record}) and, for the prior-year comparative of a 10-Q, its
    XBRL facts (`facts(doc_sha256, concept)`, asked only when a comparative is needed)."""

    documents: list[dict]
    figures: list[dict]
    facts: Callable[[str, str], list[dict]] = lambda doc_sha256, concept: []


def _periods(company: CompanyFigures) -> list[Period]:
    docs = {d["sha256"]: d for d in company.documents}
    by_end: dict[str, list[tuple[dict, dict]]] = {}
    for row in company.figures:
        record = row["record"]
        end = figure_period_end(row)
        if not end:
            continue
        by_end.setdefault(end, []).append((row, docs.get(row["doc_sha256"], {})))
    periods = []
    for end, rows in sorted(by_end.items()):
        rows.sort(key=lambda rd: (_form_rank(rd[1].get("form")), -_n_values(rd[0]["record"]), rd[1].get("file") or ""))
        best_row, best_doc = rows[0]
        form = best_doc.get("form")
        period = Period(end, best_doc.get("file") or best_row["doc_sha256"], form, best_row["doc_sha256"],
                        annual=(form or "").upper().startswith(ANNUAL_FORMS))
        for row, doc in rows:
            record = row["record"]
            for name in FIGURE_FIELDS:
                if period.values.get(name) is None and record.get(name) is not None:
                    period.values[name] = float(record[name])
                    period.sources[name] = (doc.get("file") or row["doc_sha256"], row["doc_sha256"])
                    period.evidence[name] = [e for e in record.get("evidence", []) if e.get("field") == name]
            period.warnings.extend(record.get("warnings", []))
        periods.append(period)
    return periods


def figure_period_end(row: dict) -> str | None:
    """The period a stored figures row ({doc_sha256, period_end, record}) belongs to."""
    return row["period_end"] or row["record"].get("period_end")


def _form_rank(form: str | None) -> int:
    return 0 if (form or "").upper().startswith(PERIODIC_FORMS) else 1


def _n_values(record: dict) -> int:
    return sum(record.get(n) is not None for n in FIGURE_FIELDS)


def _iso(day: str | None) -> date | None:
    try:
        return date.fromisoformat(str(day)[:10])
    except (TypeError, ValueError):
        return None


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# -- trailing twelve months ------------------------------------------------------------------


def _ttm(company: CompanyFigures, periods: list[Period], i: int, name: str, *, absolute: bool) -> dict:
    """TTM of a flow figure (`name` is the quarter field, `name + '_ytd'` the year to date)."""
    p = periods[i]
    ytd_name = f"{name}_ytd"
    label = name.removesuffix("_usd")
    if p.annual:
        if p.values.get(ytd_name) is None:
            return missing(f"{label}: the annual report states no full-year figure", [p.input(ytd_name)])
        return metric(p.values[ytd_name], [p.input(ytd_name, f"{label} FY to {p.period_end}")],
                      f"window: fiscal year ended {p.period_end}")
    end = _iso(p.period_end)
    fy = next((q for q in reversed(periods[:i]) if q.annual and end and _iso(q.period_end)
               and _year_before(end) < _iso(q.period_end) < end), None)
    if fy is not None and fy.values.get(ytd_name) is not None and p.values.get(ytd_name) is not None:
        prior = _prior_ytd(company, periods, p, fy, ytd_name, absolute=absolute)
        if prior is not None:
            value = fy.values[ytd_name] + p.values[ytd_name] - prior["value"]
            return metric(value, [fy.input(ytd_name, f"{label} FY to {fy.period_end}"),
                                  p.input(ytd_name, f"{label} YTD to {p.period_end}"), prior],
                          f"window: TTM to {p.period_end} = FY {fy.period_end} + YTD {p.period_end} - YTD {prior['period_end']}")
    if p.values.get(name) is not None:
        why = "no prior fiscal-year report stored" if fy is None else "no prior-year comparative found"
        return metric(p.values[name] * 4, [p.input(name, f"{label} 3 months to {p.period_end}")],
                      f"window: latest quarter annualized (3 months x 4); TTM not built: {why}")
    return missing(f"{label}: not stated for the period ending {p.period_end}", [p.input(name)])


def _prior_ytd(company: CompanyFigures, periods: list[Period], p: Period, fy: Period, ytd_name: str, *, absolute: bool) -> dict | None:
    """YTD of the same period a year earlier: the 10-Q's comparative fact, else an older 10-Q."""
    end, fy_end = _iso(p.period_end), _iso(fy.period_end)
    ytd_days = (end - fy_end).days
    prior_end = _year_before(end)
    concept = p.concept(ytd_name)
    if concept:
        for fact in company.facts(p.sources.get(ytd_name, (None, p.doc_sha256))[1], concept):
            f_end, f_start = _iso(fact["period_end"]), _iso(fact["period_start"])
            if fact["dimensions"] or fact["instant"] or fact["value_num"] is None or not f_end or not f_start:
                continue
            if abs((f_end - prior_end).days) <= 7 and abs((f_end - f_start).days + 1 - ytd_days) <= 10:
                value = abs(fact["value_num"]) if absolute else fact["value_num"]
                document = p.sources.get(ytd_name, (p.document, ""))[0]
                return {"name": f"{ytd_name.removesuffix('_usd_ytd')} YTD to {f_end.isoformat()} (comparative)",
                        "value": value, "document": document, "period_end": f_end.isoformat(),
                        "evidence": [{"field": ytd_name, "document": document,
                                      "locator": f"xbrl {fact['fact_id']} {concept}", "quote": fact.get("value_text") or ""}]}
    older = next((q for q in periods if _iso(q.period_end) and abs((_iso(q.period_end) - prior_end).days) <= 7
                  and q.values.get(ytd_name) is not None and not q.annual), None)
    if older is not None:
        return {**older.input(ytd_name, f"{ytd_name.removesuffix('_usd_ytd')} YTD to {older.period_end}"),
                "period_end": older.period_end}
    return None


# -- maturities from the ledger --------------------------------------------------------------


def _maturity(inst: dict) -> tuple[int | None, date | None]:
    day = _iso(inst.get("maturity_date"))
    if day:
        return day.year, day
    return inst.get("maturity_year"), None


def outstanding_instruments(ledger: Ledger, as_of: str | None = None) -> tuple[list[OutstandingInstrument], list[str]]:
    """Instruments outstanding at `as_of` (None: now), each with the amount used and its source;
    plus notes on instruments left out and why (`_outstanding`)."""
    instruments, notes = _outstanding(ledger.model_dump(), as_of)
    return [OutstandingInstrument.model_validate(inst) for inst in instruments], notes


def _outstanding(ledger: dict, as_of: str | None = None) -> tuple[list[dict], list[str]]:
    """Instruments outstanding at `as_of` (None: now, every instrument the ledger knows), each with
    the amount used and its source; plus notes on instruments left out and why.

    A balance sheet whose debt note itemizes instruments lists every one outstanding at that date,
    so it is authoritative: an instrument it does not list was repaid, renamed, or is a prose
    mention of a listed one (counting it would count the debt twice). A date only one instrument
    reports ("as of November 10 we had drawn $100 million") is no such list. Instruments first seen
    after the latest itemized date (a new 8-K issue) enter at their principal.
    """
    notes: list[str] = []
    out: list[dict] = []
    instruments = ledger.get("instruments", [])
    cutoff = _iso(as_of) if as_of else None
    reported = [h["as_of"] for inst in instruments for h in inst.get("outstanding_history", [])
                if cutoff is None or (_iso(h["as_of"]) and _iso(h["as_of"]) <= cutoff)]
    itemized = sorted(set(reported))
    counts = Counter(reported)
    lists = [day for day in itemized if counts[day] >= 2]
    last_itemized = lists[-1] if lists else None
    for inst in instruments:
        name = inst.get("name")
        issued = _iso(inst.get("issue_date"))
        if cutoff and issued and issued > cutoff:
            continue  # issued after the period: not part of that period's debt
        history = [h for h in inst.get("outstanding_history", []) if h["as_of"] in counts]
        if history:
            latest = history[-1]
            if last_itemized and latest["as_of"] < last_itemized:
                notes.append(f"{name}: last reported outstanding at {latest['as_of']}, not itemized at {last_itemized}; left out")
                continue
            if not latest["outstanding_usd"]:
                continue
            out.append({**inst, "amount_usd": latest["outstanding_usd"], "amount_basis": f"outstanding as of {latest['as_of']}",
                        "amount_document": latest["document"]})
            continue
        if not inst.get("principal_usd"):
            if any(m["evidence"] for m in inst.get("mentions", [])):
                notes.append(f"{name}: no amount stated; left out")
            continue
        if inst.get("kind") in COMMITMENT_KINDS:
            notes.append(f"{name}: facility commitment {inst['principal_usd']:,.0f} with no drawn amount stated; left out")
            continue
        first_seen = _iso(min((m["filed"] for m in inst.get("mentions", []) if m.get("filed")), default=None))
        new = (issued and issued > _iso(last_itemized)) or (first_seen and first_seen > _iso(last_itemized)) if last_itemized else True
        if not new:
            notes.append(f"{name}: not itemized at {last_itemized} and not issued or first reported after it; left out")
            continue
        if cutoff and not issued:
            notes.append(f"{name}: no issue date, cannot place it in the period ending {as_of}; left out")
            continue
        doc = next((m["document"] for m in reversed(inst.get("mentions", []))
                    if any(e.get("field") == "principal_usd" for e in m["evidence"])), None)
        out.append({**inst, "amount_usd": inst["principal_usd"], "amount_basis": "principal issued (no outstanding amount stated)",
                    "amount_document": doc})
    return out, notes


def _instrument_input(inst: dict) -> dict:
    year, day = _maturity(inst)
    return {"name": inst.get("name"), "value": inst["amount_usd"], "basis": inst["amount_basis"],
            "document": inst.get("amount_document"), "maturity": day.isoformat() if day else year}


def maturity_ladder(ledger: Ledger, as_of: str | None = None) -> Metric:
    """Principal by maturity year (outstanding where stated, else principal issued)."""
    return Metric.model_validate(_maturity_ladder(ledger.model_dump(), as_of))


def _maturity_ladder(ledger: dict, as_of: str | None = None) -> dict:
    instruments, notes = _outstanding(ledger, as_of)
    ladder: dict[str, float] = {}
    inputs = []
    for inst in instruments:
        year, _ = _maturity(inst)
        if year is None:
            notes.append(f"{inst.get('name')}: no maturity stated; left out of the ladder")
            continue
        ladder[str(year)] = ladder.get(str(year), 0.0) + inst["amount_usd"]
        inputs.append(_instrument_input(inst))
    value = dict(sorted(ladder.items())) if inputs else None
    return metric(value, inputs, "; ".join(notes) or None) if value else missing(
        "; ".join(notes) or "no instrument with an amount and a maturity in the ledger", inputs)


def _maturing_within(ledger: dict, period_end: str, months: int) -> dict:
    end = _iso(period_end)
    horizon = end + timedelta(days=round(months * 365.25 / 12))
    instruments, _ = _outstanding(ledger, period_end)
    notes: list[str] = []
    total, inputs = 0.0, []
    for inst in instruments:
        year, day = _maturity(inst)
        if year is None:
            continue
        if day is None:
            # Year only: counted when the year starts inside the window (the cautious reading).
            if date(year, 1, 1) <= horizon and date(year, 12, 31) > end:
                notes.append(f"{inst.get('name')}: maturity year {year} only, counted as within")
            else:
                continue
        elif not (end < day <= horizon):
            continue
        total += inst["amount_usd"]
        inputs.append(_instrument_input(inst))
    return metric(total, inputs, "; ".join([f"maturing after {period_end} up to {horizon.isoformat()}", *notes]))


# -- the screen ------------------------------------------------------------------------------


def _ratio(name: str, numerator: dict, denominator: dict, *, positive_denominator: str | None = None) -> dict:
    inputs = [{"name": f"{name} numerator", "value": numerator["value"], "derived_from": numerator["inputs"]},
              {"name": f"{name} denominator", "value": denominator["value"], "derived_from": denominator["inputs"]}]
    if numerator["value"] is None or denominator["value"] is None:
        return missing(f"{name}: an input is missing ({numerator['note'] or denominator['note']})", inputs)
    if denominator["value"] <= 0:
        return missing(positive_denominator or f"{name}: denominator is not positive", inputs)
    return metric(numerator["value"] / denominator["value"], inputs, None)


def _screen_period(company: CompanyFigures, ledger: dict, periods: list[Period], i: int, market: MarketInputs | None, ticker: str) -> dict:
    p = periods[i]
    m: dict[str, dict] = {}
    for name in ("cash_usd", "total_debt_usd", "btc_holdings"):
        m[name] = metric(p.values[name], [p.input(name)]) if p.values.get(name) is not None else missing(f"{name} not stated", [p.input(name)])
    if m["total_debt_usd"]["value"] is not None:
        m["total_debt_usd"]["note"] = "balance-sheet carrying amounts (net of discount and issuance costs)"
    if m["cash_usd"]["value"] is not None and m["total_debt_usd"]["value"] is not None:
        m["net_debt_usd"] = metric(m["total_debt_usd"]["value"] - m["cash_usd"]["value"],
                                   [p.input("total_debt_usd"), p.input("cash_usd")], "total debt - cash and equivalents")
    else:
        m["net_debt_usd"] = missing("needs both total debt and cash", [p.input("total_debt_usd"), p.input("cash_usd")])

    m["operating_income_ttm_usd"] = _ttm(company, periods, i, "operating_income_usd", absolute=False)
    m["depreciation_amortization_ttm_usd"] = _ttm(company, periods, i, "depreciation_amortization_usd", absolute=True)
    m["interest_expense_ttm_usd"] = _ttm(company, periods, i, "interest_expense_usd", absolute=True)
    oi, da = m["operating_income_ttm_usd"], m["depreciation_amortization_ttm_usd"]
    if oi["value"] is not None and da["value"] is not None:
        m["ebitda_ttm_usd"] = metric(oi["value"] + da["value"], [{"name": "operating income", **oi}, {"name": "D&A", **da}],
                                     f"GAAP-derived (operating income + D&A); {oi['note']}")
    else:
        m["ebitda_ttm_usd"] = missing(f"needs operating income and D&A ({oi['note'] if oi['value'] is None else da['note']})")
    m["net_debt_to_ebitda"] = _ratio("net debt / EBITDA", m["net_debt_usd"], m["ebitda_ttm_usd"],
                                     positive_denominator="not meaningful: EBITDA TTM is not positive")
    m["ebitda_interest_coverage"] = _ratio("EBITDA / interest", m["ebitda_ttm_usd"], m["interest_expense_ttm_usd"],
                                           positive_denominator="not meaningful: no interest expense")
    m["ebit_interest_coverage"] = _ratio("EBIT / interest", oi, m["interest_expense_ttm_usd"],
                                         positive_denominator="not meaningful: no interest expense")

    m["maturity_ladder"] = _maturity_ladder(ledger, p.period_end)
    for months in (12, 24):
        m[f"maturities_{months}m_usd"] = _maturing_within(ledger, p.period_end, months)
    m["maturities_12m_to_cash"] = _ratio("maturities within 12 months / cash", m["maturities_12m_usd"], m["cash_usd"],
                                         positive_denominator="not meaningful: no cash")
    m["shares_issuable_on_conversion"] = _conversion_shares(ledger, p.period_end)

    latest = i == len(periods) - 1
    m.update(_market_metrics(ledger, m, market, ticker, p.period_end, latest))
    return {"ticker": ticker.upper(), "period_end": p.period_end, "document": p.document, "form": p.form,
            "annual": p.annual, "sources": sorted({d for d, _ in p.sources.values()}),
            "metrics": m, "values": {k: v["value"] for k, v in m.items()}, "warnings": p.warnings}


def _conversion_shares(ledger: dict, as_of: str | None) -> dict:
    instruments, _ = _outstanding(ledger, as_of)
    notes: list[str] = []
    total, inputs = 0.0, []
    for inst in instruments:
        if inst.get("kind") != "convertible":
            continue
        rate = inst.get("conversion_rate_per_1000")
        if not rate:
            notes.append(f"{inst.get('name')}: no conversion rate stated")
            continue
        shares = inst["amount_usd"] / 1000 * rate
        total += shares
        inputs.append({**_instrument_input(inst), "conversion_rate_per_1000": rate, "shares": shares})
    if not inputs:
        return missing("; ".join(notes) or "no convertible outstanding", inputs)
    return metric(total, inputs, "principal / 1000 x conversion rate" + ("; " + "; ".join(notes) if notes else ""))


def _market_metrics(ledger: dict, m: dict, market: MarketInputs | None, ticker: str, period_end: str, latest: bool) -> dict:
    names = ("btc_holdings_value_usd", "btc_value_to_net_debt", "convertible_moneyness")
    if market is None:
        return {n: missing("no market inputs supplied (POST /market or a CSV)") for n in names}
    if not latest:
        return {n: missing(f"market inputs as of {market.as_of} apply to the latest period only") for n in names}
    price_input = {"name": "BTC price USD", "value": market.btc_price_usd, "document": f"market inputs {market.as_of}"}
    out: dict[str, dict] = {}
    btc = m["btc_holdings"]
    if btc["value"] is None or market.btc_price_usd is None:
        out["btc_holdings_value_usd"] = missing("needs BTC holdings and a BTC price", [*btc["inputs"], price_input])
    else:
        out["btc_holdings_value_usd"] = metric(btc["value"] * market.btc_price_usd, [*btc["inputs"], price_input],
                                               f"holdings at {period_end} x BTC price as of {market.as_of}")
    out["btc_value_to_net_debt"] = _ratio("BTC value / net debt", out["btc_holdings_value_usd"], m["net_debt_usd"],
                                          positive_denominator="not meaningful: net cash (net debt not positive)")
    share = market.share_price(ticker)
    instruments, _ = _outstanding(ledger, None)
    rows, inputs = [], [{"name": f"{ticker.upper()} share price USD", "value": share, "document": f"market inputs {market.as_of}"}]
    for inst in instruments:
        if inst.get("kind") == "convertible" and inst.get("conversion_price_usd") and share:
            rows.append({"instrument": inst.get("name"), "conversion_price_usd": inst["conversion_price_usd"],
                         "moneyness": share / inst["conversion_price_usd"]})
    if share is None:
        out["convertible_moneyness"] = missing(f"no share price for {ticker.upper()} in the market inputs", inputs)
    elif not rows:
        out["convertible_moneyness"] = missing("no outstanding convertible with a conversion price", inputs)
    else:
        out["convertible_moneyness"] = metric(rows, inputs, f"share price as of {market.as_of} / conversion price; > 1 is in the money")
    return out


def company_screen(company: CompanyFigures, ledger: Ledger, ticker: str, market: MarketInputs | None = None,
                   period_ends: Collection[str] | None = None) -> list[ScreenRow]:
    """The company's screen history, one row per period end, oldest first; with `period_ends`,
    only those periods' rows (each computed exactly as in the whole history). The metrics are
    computed over plain values and typed once, here."""
    plain = ledger.model_dump()
    periods = _periods(company)
    return [ScreenRow.model_validate(_screen_period(company, plain, periods, i, market, ticker)) for i in range(len(periods))
            if period_ends is None or periods[i].period_end in period_ends]


def universe_screen(companies: dict[str, tuple[CompanyFigures, Ledger]], market: MarketInputs | None = None) -> list[ScreenRow]:
    """The latest period of every company with figures, one row each, sorted by ticker.
    `companies`: ticker -> (its figures, its ledger)."""
    rows = []
    for ticker in sorted(companies):
        figures, ledger = companies[ticker]
        history = company_screen(figures, ledger, ticker, market)
        if history:
            rows.append(history[-1])
    return rows
