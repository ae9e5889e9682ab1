"""New-leverage and credit flags, raised from the debt ledger and the screen.

A flag is raised once. Its `key` is built from what identifies the event, never from when it was
seen: kind + ticker + instrument (kind and maturity year, the terms every mention of a note states
from the launch release on, plus the coupon where two series share them: `extract.identity`) or
kind + ticker + period end. The database inserts a key only once,
so re-ingesting a filing, or running the flags again, raises nothing new.

Kinds:
- new_debt_instrument: first seen in an 8-K (Item 2.03 / 1.01, or a launch / pricing release),
  a prospectus, or a 10-Q/10-K that a previous periodic report of the company did not list it in
  (or that reports it issued in the period);
- upsized_or_option_exercised: principal larger than first announced, or a release that says so;
- new_secured_debt: a new instrument that is secured;
- total_debt_up, leverage_high, coverage_low, maturities_12m_over_cash: period metrics crossing a
  threshold from the settings (MINERLENS_FLAG_*).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from extract.identity import instrument_keys
from ingest.errors import BadInput
from service.config import Settings
from service.domain.models import FlagCandidate, Ledger, ScreenRow
from service.domain.numbers import stated

PERIODIC_FORMS = ("10-Q", "10-K", "10-KT", "20-F", "40-F")
CURRENT_FORMS = ("8-K", "6-K")
# Days a periodic report covers, to tell an instrument issued in the period from an old one.
_PERIOD_DAYS = {"10-Q": 100, "10-K": 370, "10-KT": 370, "20-F": 370, "40-F": 370}
# Terms worth showing with a new-instrument flag, in the order a credit analyst reads them.
_TERMS = ("kind", "principal_usd", "option_usd", "outstanding_usd", "outstanding_as_of", "coupon_pct", "rate_text",
          "issue_date", "maturity_date", "maturity_year", "conversion_rate_per_1000", "conversion_price_usd", "secured")
_UPSIZED = re.compile(r"\bupsiz(e|ed|ing)\b", re.I)
# Past tense only: "if the initial purchasers exercise their option" has not happened.
_OPTION_EXERCISED = re.compile(
    r"\bexercised\b[^.]{0,120}\boption\b|\boption\b[^.]{0,120}\b(was|were|has been|had been) exercised\b"
    r"|\boption\b[^.]{0,220}\b(which|that)\b[^.]{0,60}\bexercised\b"
    r"|\binclud(es|ed|ing)\b[^.]{0,160}\bexercise\b[^.]{0,80}\boption\b", re.I)


def flag_candidates(ticker: str, ledger: Ledger, screen_rows: list[ScreenRow], documents: list[dict],
                    debt_mentions: list[dict], settings: Settings) -> list[FlagCandidate]:
    """Every flag the ledger and the screen call for, each with its idempotency key; the store
    keeps a key once, so raising the same candidates again adds nothing.

    `documents`: the company's stored documents (rows of the documents table); `debt_mentions`:
    its stored debt mentions ({document, key, record})."""
    ticker = ticker.upper()
    instruments = ledger.model_dump()["instruments"]  # the rules read plain values: dumped once, here
    candidates = instrument_flags(ticker, list(zip(instruments, instrument_keys(instruments))),
                                  ok_documents(documents), mention_records(debt_mentions))
    candidates.extend(period_flags(ticker, screen_rows, settings))
    return candidates


def instrument_flags(ticker: str, keyed: list[tuple[dict, str]], docs: dict[str, dict],
                     records: dict[tuple[str, str], dict]) -> list[FlagCandidate]:
    """The flags of these ledger instruments, each given with its key (`instrument_keys` over the
    whole ledger); `docs` from `ok_documents`, `records` from `mention_records`."""
    out: list[FlagCandidate] = []
    for inst, key in keyed:
        out.extend(_typed(_instrument_flags(ticker.upper(), inst, key, docs, records)))
    return out


def period_flags(ticker: str, screen_rows: list[ScreenRow], settings: Settings) -> list[FlagCandidate]:
    """The flags of consecutive screen rows (each compared with the one before it)."""
    return _typed(_period_flags(ticker.upper(), [row.model_dump() for row in screen_rows], settings))


def mention_records(debt_mentions: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["document"], r["key"]): r["record"] for r in debt_mentions}


def _typed(candidates: list[dict]) -> list[FlagCandidate]:
    """The rules' plain flags, each with its numbers as stated, as models (the detail keeps only the keys it was given)."""
    for flag in candidates:
        flag["detail"]["numbers_as_stated"] = _as_stated(flag["detail"])
    return [FlagCandidate.model_validate(flag) for flag in candidates]


def check_since(since: str | None) -> str | None:
    """`since` as given, once it is an ISO date or timestamp."""
    if since:
        try:
            date.fromisoformat(since[:10])
        except ValueError:
            raise BadInput(f"since={since!r} is not an ISO date", hint="Use YYYY-MM-DD.") from None
    return since


# -- instruments -----------------------------------------------------------------------------


def ok_documents(documents: list[dict]) -> dict[str, dict]:
    """The company's stored documents that parsed, by file name, each with the date flags order by."""
    out = {}
    for d in documents:
        if d["status"] == "ok":
            # .htm filings carry no SEC acceptance date; the period of report stands in for it.
            out[d["file"]] = {**d, "date": d.get("filed") or d.get("period")}
    return out


def _instrument_flags(ticker: str, inst: dict, key: str, docs: dict[str, dict], records: dict[tuple[str, str], dict]) -> list[dict]:
    mentions = [m for m in inst.get("mentions", []) if m["evidence"] and not records.get((m["document"], m["name"]), {}).get("mention_only")]
    if not mentions:
        return []
    mentions.sort(key=lambda m: (docs.get(m["document"], {}).get("date") or m.get("filed") or "", m["document"]))
    first = mentions[0]
    doc = docs.get(first["document"], {})
    trigger = _new_instrument_trigger(inst, first, doc, docs, records)
    out = []
    terms = {name: inst.get(name) for name in _TERMS}
    if trigger:
        detail = {"instrument": inst.get("name"), "trigger": trigger, "document": first["document"],
                  "filed": doc.get("date"), "numbers": terms, "evidence": _unique(first["evidence"])}
        out.append({"kind": "new_debt_instrument", "key": f"new_debt_instrument:{ticker}:{key}", "ticker": ticker, "detail": detail})
        if inst.get("secured") or inst.get("kind") == "senior_secured":
            secured_ev = [e for m in mentions for e in m["evidence"] if e.get("field") == "secured"] or first["evidence"]
            out.append({"kind": "new_secured_debt", "key": f"new_secured_debt:{ticker}:{key}", "ticker": ticker,
                        "detail": {**detail, "evidence": secured_ev}})
    out.extend(_upsize_flags(ticker, inst, key, mentions, docs, records))
    return out


def _new_instrument_trigger(inst: dict, first: dict, doc: dict, docs: dict[str, dict], records: dict) -> str | None:
    form = (doc.get("form") or "").upper()
    record = records.get((first["document"], first["name"]), {})
    has_amount = any(record.get(n) for n in ("principal_usd", "outstanding_usd"))
    if form.startswith(CURRENT_FORMS):
        items = doc.get("items") or []
        for item, label in (("2.03", "Item 2.03 (creation of a direct financial obligation)"), ("1.01", "Item 1.01 (material definitive agreement)")):
            if item in items:
                return f"{form} {label}"
        if has_amount:
            return f"{form} offering release (Items {', '.join(items) or 'not stated'})"
        return None
    if form.startswith("424B"):
        return f"prospectus {form}" if has_amount else None
    if form.startswith(PERIODIC_FORMS) and has_amount:
        period = _iso(doc.get("period"))
        issued = _iso(inst.get("issue_date"))
        if period and issued and issued > period - timedelta(days=_PERIOD_DAYS.get(form, 100)):
            return f"{form} for {doc.get('period')}: issued {inst.get('issue_date')}"
        earlier = [d for d in docs.values() if (d.get("form") or "").upper().startswith(PERIODIC_FORMS)
                   and d["file"] != first["document"] and (d.get("period") or "") < (doc.get("period") or "")]
        if earlier:
            latest = max(earlier, key=lambda d: d.get("period") or "")
            return f"{form} for {doc.get('period')}: not listed in the {latest.get('form')} for {latest.get('period')}"
    return None


def _upsize_flags(ticker: str, inst: dict, key: str, mentions: list[dict], docs: dict, records: dict) -> list[dict]:
    out = []
    stated = [(m, records.get((m["document"], m["name"]), {})) for m in mentions]
    principals = [(m, r["principal_usd"], r.get("option_usd")) for m, r in stated if r.get("principal_usd")]
    first_principal = principals[0] if principals else None
    for m, record in stated:
        quotes = [e for e in m["evidence"] if _UPSIZED.search(e.get("quote") or "")]
        bigger = first_principal and record.get("principal_usd") and record["principal_usd"] > first_principal[1]
        if not (quotes or bigger):
            continue
        numbers: dict[str, Any] = {"principal_usd": record.get("principal_usd"), "option_usd": record.get("option_usd")}
        evidence = _unique(quotes or [e for e in m["evidence"] if e.get("field") == "principal_usd"])
        if bigger:
            f_mention, f_principal, f_option = first_principal
            numbers.update(first_announced_usd=f_principal, first_document=f_mention["document"],
                           increase_usd=record["principal_usd"] - f_principal)
            evidence = _unique(evidence + [e for e in f_mention["evidence"] if e.get("field") == "principal_usd"])
            if f_option and abs(record["principal_usd"] - f_principal - f_option) < 1:
                numbers["event"] = "option_exercised"
        numbers.setdefault("event", "upsized")
        out.append({"kind": "upsized_or_option_exercised", "key": f"upsized_or_option_exercised:{ticker}:{key}:{numbers['event']}",
                    "ticker": ticker, "detail": {"instrument": inst.get("name"), "document": m["document"],
                                                 "filed": docs.get(m["document"], {}).get("date"), "numbers": numbers, "evidence": evidence}})
        break
    for m, _ in stated:
        quotes = [e for e in m["evidence"] if _OPTION_EXERCISED.search(e.get("quote") or "")]
        if quotes:
            out.append({"kind": "upsized_or_option_exercised", "key": f"upsized_or_option_exercised:{ticker}:{key}:option_exercised",
                        "ticker": ticker, "detail": {"instrument": inst.get("name"), "document": m["document"],
                                                     "filed": docs.get(m["document"], {}).get("date"),
                                                     "numbers": {"event": "option_exercised", "option_usd": inst.get("option_usd"),
                                                                 "principal_usd": inst.get("principal_usd")},
                                                     "evidence": _unique(quotes)}})
            break
    # The same event seen both ways keeps one flag (keys are unique per event).
    return list({f["key"]: f for f in out}.values())


# -- periods ---------------------------------------------------------------------------------


def _period_flags(ticker: str, rows: list[dict], settings: Settings) -> list[dict]:
    out = []
    previous = None
    for row in rows:
        m, end = row["metrics"], row["period_end"]
        base = {"period_end": end, "document": row["document"]}

        def flag(kind: str, numbers: dict, *metric_names: str) -> None:
            evidence = [ev for name in metric_names for ev in _evidence(m[name]["inputs"])]
            out.append({"kind": kind, "key": f"{kind}:{ticker}:{end}", "ticker": ticker,
                        "detail": {**base, "numbers": numbers, "evidence": evidence,
                                   "inputs": {name: m[name] for name in metric_names}}})

        debt = m["total_debt_usd"]["value"]
        if previous is not None and debt is not None:
            before = previous["metrics"]["total_debt_usd"]["value"]
            if before is not None and (debt - before) > 0:
                pct = (debt - before) / before * 100 if before > 0 else None
                if pct is None or pct > settings.flag_total_debt_up_pct:
                    numbers = {"total_debt_usd": debt, "prior_total_debt_usd": before, "prior_period_end": previous["period_end"],
                               "prior_document": previous["document"], "increase_pct": pct, "threshold_pct": settings.flag_total_debt_up_pct}
                    flag("total_debt_up", numbers, "total_debt_usd")
                    out[-1]["detail"]["evidence"] += _evidence(previous["metrics"]["total_debt_usd"]["inputs"])
        leverage, ebitda, net_debt = m["net_debt_to_ebitda"]["value"], m["ebitda_ttm_usd"]["value"], m["net_debt_usd"]["value"]
        if leverage is not None and leverage > settings.flag_leverage_max:
            flag("leverage_high", {"net_debt_to_ebitda": leverage, "net_debt_usd": net_debt, "ebitda_ttm_usd": ebitda,
                                   "threshold": settings.flag_leverage_max}, "net_debt_usd", "ebitda_ttm_usd")
        elif leverage is None and ebitda is not None and ebitda <= 0 and net_debt is not None and net_debt > 0:
            # Net debt against negative EBITDA has no multiple, and is worse than any threshold.
            flag("leverage_high", {"net_debt_to_ebitda": None, "net_debt_usd": net_debt, "ebitda_ttm_usd": ebitda,
                                   "threshold": settings.flag_leverage_max, "reason": "EBITDA TTM not positive with net debt"},
                 "net_debt_usd", "ebitda_ttm_usd")
        coverage = m["ebitda_interest_coverage"]["value"]
        if coverage is not None and coverage < settings.flag_coverage_min:
            flag("coverage_low", {"ebitda_interest_coverage": coverage, "ebitda_ttm_usd": ebitda,
                                  "interest_expense_ttm_usd": m["interest_expense_ttm_usd"]["value"],
                                  "threshold": settings.flag_coverage_min}, "ebitda_ttm_usd", "interest_expense_ttm_usd")
        due, cash = m["maturities_12m_usd"]["value"], m["cash_usd"]["value"]
        if due is not None and cash is not None and due > cash:
            flag("maturities_12m_over_cash", {"maturities_12m_usd": due, "cash_usd": cash, "shortfall_usd": due - cash},
                 "maturities_12m_usd", "cash_usd")
        previous = row
    return out


def _evidence(inputs: list[dict]) -> list[dict]:
    """Every evidence quote under a metric's inputs, however deeply derived."""
    out = []
    for item in inputs:
        out.extend(item.get("evidence") or [])
        out.extend(_evidence(item.get("derived_from") or item.get("inputs") or []))
    return _unique(out)


def _as_stated(detail: dict) -> dict[str, str]:
    """Each number of a flag as its evidence spells it ("34.5830", not the float 34.583): `numbers`
    keeps JSON numbers for tools, this keeps the filing's precision for readers. A number no quote
    states (a ratio, a sum) is shown plainly; it is derived."""
    quotes = [e.get("quote", "") for e in detail.get("evidence", [])]
    out = {}
    for name, value in (detail.get("numbers") or {}).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            own = [e.get("quote", "") for e in detail.get("evidence", []) if e.get("field") == name]
            out[name] = stated(value, own + quotes)
    return out


def _unique(evidence: list[dict]) -> list[dict]:
    """One copy of each quote (a sentence often supports several fields)."""
    return list({(e.get("document"), e.get("locator"), e.get("quote")): e for e in evidence}.values())


def _iso(day: str | None) -> date | None:
    try:
        return date.fromisoformat(str(day)[:10])
    except (TypeError, ValueError):
        return None
