"""Debt instruments of a 10-Q/10-K from its inline-XBRL facts, named and quoted from its debt note.

An instrument is a member on whichever debt axis the filer used (see DEBT_AXES; filers disagree,
and some file loans under BusinessAcquisitionAxis). Balances come only from the current period
(the context ending on the document period, never a comparative); terms (face amount, stated
rate, maturity, conversion terms, capacity) may also come from an event-dated context such as
the day a loan was signed, because terms do not change with the balance-sheet date. A member
seen only in comparative contexts is an instrument that no longer exists and is not reported.

Traps handled in general, not per filing: stated rates carry fractions (scale -2 -> 0.0675);
a conversion ratio tagged per $1 or under a shares concept is checked against the conversion
price (rate x price ~ 1,000); "principal" facts of exactly 1,000 are the per-$1,000 denominator;
equity ATM programs and hedges on a debt axis are not debt; a generic class member
("Convertible Note") is merged into the one specific instrument it describes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract import identity
from extract.cues import COMMITMENT_BEFORE_RE
from extract.normalize import parse_month_year
from extract.records import DebtInstrument, DebtKind, Evidence
from ingest.types import Document, Part, XbrlFact

DEBT_AXES = (
    "DebtInstrumentAxis", "LongtermDebtTypeAxis", "ShortTermDebtTypeAxis", "LineOfCreditFacilityAxis",
    "TypeOfArrangementAxis", "BusinessAcquisitionAxis",
)
# Axes whose members are also used for non-debt things: keep only members that sound like debt.
_LOOSE_AXES = {"BusinessAcquisitionAxis", "TypeOfArrangementAxis"}
_DEBT_WORDS = re.compile(r"note|loan|credit|facilit|mortgage|debt|borrow|financing|funding|debenture|bond|revolv", re.I)
# Concepts that describe the filer's asset side: a member known only through these is a loan the
# filer made (it is the lender), not debt it owes.
_DEBT_CONCEPT = re.compile(r"Debt|LineOfCredit|LongTermDebt|LoansPayable|NotesPayable|ConvertibleNotes")
_ASSET_CONCEPT = re.compile(r"Receivable|Asset|Revenue|Income|Investment|Proceeds", re.I)
# Members on a debt axis that are not debt: equity programs, hedges, capped calls, leases.
_NOT_DEBT = re.compile(r"\batm\b|at[- ]the[- ]market|equity|stock|share|warrant|capped|call|swap|"
                       r"derivative|hedge|lease|receivable|purchase|power|hosting|supply", re.I)
# Extra dimensions that only qualify a fact (a range end, a maturity bucket, a sub-agreement):
# such a fact is not the instrument's own value.
_QUALIFYING_AXES = ("RangeAxis", "LoanMaturitiesAxis", "SeparateAccountAssetCategoryAxis", "SubsequentEventTypeAxis")
_FORMS = re.compile(r"^10-[QK]", re.I)

# Concept local names, most telling first.
FACE = ("DebtInstrumentFaceAmount", "DebtInstrumentAggregatePrincipalAmount", "DebtInstrumentIssuedPrincipal")
CAPACITY = ("LineOfCreditFacilityMaximumBorrowingCapacity", "LineOfCreditFacilityCurrentBorrowingCapacity")
SIGNED_AMOUNT = ("ShortTermBorrowings", "NotesIssued1", "ProceedsFromIssuanceOfDebt")
STATED_RATE = ("DebtInstrumentInterestRateStatedPercentage",)
PERIOD_RATE = ("DebtInstrumentInterestRateDuringPeriod", "LineOfCreditFacilityInterestRateDuringPeriod",
               "DebtInstrumentInterestRateEffectivePercentage")
SPREAD = ("DebtInstrumentBasisSpreadOnVariableRate1",)
MATURITY_DATE = ("DebtInstrumentMaturityDate",)
MATURITY_TEXT = ("DebtInstrumentMaturityDateDescription",)
CONV_PRICE = ("DebtInstrumentConvertibleConversionPrice1",)
CONV_RATIO = ("DebtInstrumentConvertibleConversionRatio1",)
CARRYING = ("LongTermDebt", "ConvertibleNotesPayable", "ConvertibleLongTermNotesPayable", "LongTermDebtNoncurrent",
            "DebtInstrumentCarryingAmount", "LoansPayable", "LineOfCredit", "NotesPayable", "SecuredDebt")
UNAMORTIZED = ("UnamortizedDebtIssuanceExpense", "DebtInstrumentUnamortizedDiscount",
               "DebtInstrumentUnamortizedDiscountPremiumAndDebtIssuanceCostsNet")
# Principal still owed, under the names filers give it (custom concepts included).
_OUTSTANDING = re.compile(r"Principal.*(Outstanding|Payments)|LoansAssumed|LongTermDebtGross|DebtInstrumentPrincipalOutstanding")

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}


@dataclass
class _Located:
    part: Part
    fact: XbrlFact

    @property
    def local(self) -> str:
        return self.fact.concept.split(":")[-1]


@dataclass
class _Member:
    qname: str
    axis: str
    facts: list[_Located] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return member_words(self.qname)


def member_words(qname: str) -> list[str]:
    """`clsk:TwoThousandThirtyConvertibleNoteMember` -> ['2030', 'Convertible', 'Note']."""
    local = qname.split(":")[-1]
    local = re.sub(r"Member$", "", local)
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|\d+", local.replace("-", " "))
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i].lower() == "two" and i + 1 < len(words) and words[i + 1].lower() == "thousand":
            year, j = 2000, i + 2
            while j < len(words) and words[j].lower() in _NUMBER_WORDS:
                year += _NUMBER_WORDS[words[j].lower()]
                j += 1
            out.append(str(year))
            i = j
            continue
        out.append(words[i])
        i += 1
    return out


def current_period(doc: Document) -> str | None:
    """The document period end: the filing's period, else dei:DocumentPeriodEndDate."""
    if doc.filing.period:
        return doc.filing.period
    for fact in doc.facts:
        if fact.concept.endswith("DocumentPeriodEndDate") and isinstance(fact.value, str):
            return fact.value[:10]
    return None


def _debt_member(dimensions: dict[str, str]) -> tuple[str, str] | None:
    """(axis, member) if the fact is about one debt instrument and is not merely qualified."""
    if any(axis.split(":")[-1] in _QUALIFYING_AXES for axis in dimensions):
        return None
    found = None
    for axis, member in dimensions.items():
        local_axis = axis.split(":")[-1]
        if local_axis not in DEBT_AXES:
            continue
        name = " ".join(member_words(member))
        if _NOT_DEBT.search(name):
            return None
        found = (local_axis, member)
    # A fact on two debt-ish axes at once (loan x acquisition) is still that loan's.
    return found


def _comparative_ends(doc: Document, period: str) -> set[str]:
    """Period ends of the statements' own (undimensioned) facts other than the current one."""
    return {f.period_end for f in doc.facts if not f.dimensions and f.period_end and f.period_end != period}


def _group(doc: Document, period: str) -> list[_Member]:
    members: dict[str, _Member] = {}
    for part in doc.parts:
        for fact in part.facts:
            hit = _debt_member(fact.dimensions)
            if hit is None:
                continue
            axis, qname = hit
            members.setdefault(qname, _Member(qname, axis)).facts.append(_Located(part, fact))
    comparatives = _comparative_ends(doc, period)
    alive = []
    for member in members.values():
        if member.axis in _LOOSE_AXES and not _DEBT_WORDS.search(" ".join(member.words)) \
                and not any(_DEBT_CONCEPT.match(lf.local) for lf in member.facts):
            continue  # an acquisition or arrangement that is not a loan
        # Keep what describes the instrument now: current-period facts and event-dated terms.
        member.facts = [lf for lf in member.facts if lf.fact.period_end == period
                        or lf.fact.period_end not in comparatives]
        if any(lf.fact.period_end == period and not _ASSET_CONCEPT.search(lf.local) for lf in member.facts):
            alive.append(member)
    return alive


def _pick(member: _Member, names: tuple[str, ...], *, current_only: bool, period: str) -> _Located | None:
    """The first fact among `names` (in order of preference), current period first."""
    for name in names:
        found = [lf for lf in member.facts if lf.local == name and lf.fact.value is not None]
        current = [lf for lf in found if lf.fact.period_end == period]
        if current:
            return current[0]
        if found and not current_only:
            # Latest event first: an amended term supersedes the original.
            return sorted(found, key=lambda lf: lf.fact.period_end or "", reverse=True)[0]
    return None


def _num(lf: _Located | None) -> float | None:
    if lf is None or isinstance(lf.fact.value, bool) or not isinstance(lf.fact.value, (int, float)):
        return None
    return float(lf.fact.value)


def _stated_as_ceiling(lf: _Located, anchor: str | None) -> bool:
    """The fact is displayed as an "up to" amount: what may be borrowed, not what is owed."""
    quote, shown = quote_fact(lf.part, lf.fact, anchor), (lf.fact.text or "").strip()
    at = quote.find(shown) if shown else -1
    return at >= 0 and COMMITMENT_BEFORE_RE.search(quote[:at]) is not None


def _evidence(doc: Document, lf: _Located, field_name: str, anchor: str | None) -> Evidence:
    return Evidence(field=field_name, document=doc.file,
                    locator=f"xbrl {lf.fact.fact_id or lf.fact.context_id} {lf.fact.concept}",
                    quote=quote_fact(lf.part, lf.fact, anchor))


def quote_fact(part: Part, fact: XbrlFact, anchor: str | None = None, width: int = 200) -> str:
    """The line of the part's text that displays the fact: the table row, or the sentence around it.

    The fact's displayed text may occur many times; the occurrence nearest after the
    instrument's own label (when we know it) is the one about this instrument.
    """
    shown = (fact.text or "").strip()
    text = part.text
    if not shown:
        return shown
    hits = [m.start() for m in re.finditer(re.escape(shown), text)]
    if not hits:
        return shown[:width]
    at = hits[0]
    if anchor:
        labels = [m.start() for m in re.finditer(re.escape(anchor), text, re.I)]
        best = None
        for label in labels:
            after = [h for h in hits if 0 <= h - label <= 1500]
            if after and (best is None or after[0] - label < best[1]):
                best = (after[0], after[0] - label)
        if best:
            at = best[0]
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    if end - start > width:
        start = max(start, at - width // 2)
        end = min(end, at + len(shown) + width // 2)
        # Cut at word boundaries so the quote reads as words from the document.
        while start > 0 and not text[start - 1].isspace() and at - start > 0:
            start += 1
        while end < len(text) and not text[end].isspace() and end > at + len(shown):
            end -= 1
    return text[start:end].strip()


def document_label(doc: Document, words: list[str]) -> str | None:
    """The document's own spelling of a member's words ("Auto & Equipment Loans"), if it has one."""
    if not words:
        return None
    joiner = r"[\s\-–—,&/]*(?:and\s+)?[\s\-–—,&/]*"
    pattern = re.compile(r"\b" + joiner.join(re.escape(w) for w in words) + r"\b", re.I)
    for part in doc.parts:
        match = pattern.search(part.text)
        if match:
            return " ".join(match.group(0).split())
    return None


def kind_of(name: str, has_capacity: bool) -> DebtKind:
    low = name.lower()
    if "convertible" in low:
        return "convertible"
    if "mortgage" in low and "mortgages" not in low:
        return "term_loan"
    if re.search(r"line of credit|revolv|credit facilit|borrowing base", low) or has_capacity:
        return "credit_facility"
    if "senior secured" in low:
        return "senior_secured"
    if re.search(r"senior (unsecured )?notes", low):
        return "senior_unsecured"
    if re.search(r"term loan|financing (agreement|arrangement|arrangment)|credit agreement|promissory", low):
        return "term_loan"
    return "other"


def _build(doc: Document, member: _Member, period: str) -> DebtInstrument:
    words = member.words
    label = document_label(doc, words) or " ".join(words)
    anchor = label
    pick = lambda names, current_only=False: _pick(member, names, current_only=current_only, period=period)  # noqa: E731
    ev: list[Evidence] = []
    values: dict[str, object] = {}

    def take(field_name: str, lf: _Located | None, value) -> None:
        if lf is None or value is None or field_name in values:
            return
        values[field_name] = value
        xbrl = _evidence(doc, lf, field_name, anchor)
        ev.append(xbrl)
        # The displayed text too, under its section: a derived value ("Apr-25" -> 2025) is read
        # back from the words, not from the fact.
        if xbrl.quote and xbrl.quote in lf.part.text:
            section = lf.part.section_at(lf.part.text.index(xbrl.quote))
            ev.append(Evidence(field=field_name, document=doc.file, quote=xbrl.quote,
                               locator=f"{lf.part.filename} {section.label if section else ''}".strip()))

    capacity = pick(CAPACITY)
    convertible = kind_of(label, capacity is not None) == "convertible"
    face = next((lf for lf in (pick((n,)) for n in FACE) if _num(lf) and _num(lf) != 1000), None)
    if face is not None and face.fact.period_end == period and not convertible and not _stated_as_ceiling(face, anchor):
        # A loan's "face amount" at the balance-sheet date is what is still owed, not what was lent;
        # unless the words show it as a ceiling ("agreed to lend us up to $3,000,000"): a commitment.
        take("outstanding_usd", face, _num(face))
    else:
        take("principal_usd", face, _num(face))
    take("principal_usd", capacity, _num(capacity))
    signed = pick(SIGNED_AMOUNT)
    if signed is not None and signed.fact.period_end != period:
        take("principal_usd", signed, _num(signed))

    floating = pick(SPREAD) is not None
    if not floating:
        stated = pick(STATED_RATE)
        rate = pick(PERIOD_RATE, current_only=True)
        for lf in (stated, rate):
            if _num(lf) is not None:
                take("coupon_pct", lf, round(_num(lf) * 100, 6))

    mat = pick(MATURITY_DATE)
    if mat is not None and isinstance(mat.fact.value, str) and re.match(r"\d{4}-\d{2}-\d{2}", mat.fact.value):
        take("maturity_date", mat, mat.fact.value[:10])
        take("maturity_year", mat, int(mat.fact.value[:4]))
    mat_text = pick(MATURITY_TEXT)
    if mat_text is not None and isinstance(mat_text.fact.value, str):
        shown = mat_text.fact.value
        # "Apr-25" is a maturity; "Aug-26 to Mar-27" is a range of several loans, not one.
        if not re.search(r"\bto\b|[-–—]\s*[A-Z][a-z]{2}-\d{2}|\d\s*[-–]\s*[A-Z]", shown):
            my = parse_month_year(shown)
            if my:
                take("maturity_year", mat_text, my[0])
    if "maturity_year" not in values:
        years = [w for w in words if re.fullmatch(r"20\d{2}", w)]
        if len(years) == 1:
            values["maturity_year"] = int(years[0])  # from the defined term, e.g. "2030 Notes"

    price = pick(CONV_PRICE)
    take("conversion_price_usd", price, _num(price))
    _conversion_rate(member, price, take)

    carrying = next((lf for lf in (pick((n,), True) for n in CARRYING) if lf is not None), None)
    carrying_value = _num(carrying)
    unamortized = pick(UNAMORTIZED, current_only=True)
    gross = pick(("DebtInstrumentCarryingAmount",), current_only=True)
    outstanding = next((lf for lf in member.facts if _OUTSTANDING.search(lf.local) and lf.fact.period_end == period
                        and _num(lf) is not None
                        # "at least $75,000 of notes outstanding" is a threshold, not the balance: principal
                        # owed is never far below the carrying amount.
                        and (carrying_value is None or _num(lf) >= 0.9 * carrying_value)), None)
    if outstanding is not None:
        take("outstanding_usd", outstanding, _num(outstanding))
    elif carrying is not None and unamortized is not None and gross is not None and gross is not carrying \
            and abs((_num(carrying) or 0) + (_num(unamortized) or 0) - (_num(gross) or 0)) <= 0.001 * max(_num(gross) or 1, 1):
        # Carrying amount + unamortized costs = the gross "carrying amount" fact: that one is principal.
        take("outstanding_usd", gross, _num(gross))
    take("carrying_value_usd", carrying, carrying_value)
    if "outstanding_usd" in values:
        _stamp_date(doc, ev, values, "outstanding_as_of", period, anchor)

    issue = _signing_date(member, period)
    if any(re.search(r"BusinessCombination|BusinessAcquisition|Acquisition", lf.local) for lf in member.facts):
        issue = None  # a loan assumed in an acquisition: its context dates are the deal's, not the loan's
    if len([p for p in re.split(r"\s+(?:and|&)\s+", label) if _DEBT_WORDS.search(p)]) > 1:
        issue = None  # "Auto Loans and Western Alliance Equipment Financing Agreement": whose date is it?
    if issue is not None:
        # The context date is only a hint: keep it when the text says so ("On August 14, 2024, ...").
        _stamp_date(doc, ev, values, "issue_date", issue[0], anchor)

    return DebtInstrument(
        ticker=doc.filing.ticker, name=label, kind=kind_of(label, capacity is not None), xbrl_member=member.qname,
        evidence=ev, **values,
    )


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")


def long_date(iso: str) -> str:
    """"2024-08-14" -> "August 14, 2024", the way filings write dates."""
    year, month, day = iso[:10].split("-")
    return f"{_MONTH_NAMES[int(month) - 1]} {int(day)}, {year}"


def _stamp_date(doc: Document, ev: list[Evidence], values: dict, field_name: str, iso: str, anchor: str | None) -> None:
    """Set a date field when the text states the date, nearest after the instrument's label."""
    pattern = re.compile(re.escape(long_date(iso)).replace(r"\ ", r"\s+"))
    for part in doc.parts:
        hits = [m.start() for m in pattern.finditer(part.text)]
        if not hits:
            continue
        at = hits[0]
        if anchor:
            labels = [m.start() for m in re.finditer(re.escape(anchor), part.text, re.I)]
            # After the label, or just before it in the same sentence ("On April 22, 2022, the
            # Company entered into ... with Trinity Capital Inc.").
            near = [(abs(h - lab), h) for h in hits for lab in labels if -250 <= h - lab <= 1500]
            if near:
                at = min(near)[1]
            elif field_name == "issue_date":
                continue  # a date far from the instrument says nothing about it
        start = max(part.text.rfind("\n", 0, at) + 1, at - 120)
        end = min(len(part.text), at + 60)
        end = part.text.find("\n", at) if 0 <= part.text.find("\n", at) < end else end
        quote = part.text[start:end].strip()
        section = part.section_at(at)
        values[field_name] = iso
        ev.append(Evidence(field=field_name, document=doc.file, quote=quote,
                           locator=f"{part.filename} {section.label if section else ''}".strip()))
        return


def _conversion_rate(member: _Member, price: _Located | None, take) -> None:
    """Shares per $1,000 principal, checked against the conversion price where there is one."""
    price_value = _num(price)
    for lf in member.facts:
        value = _num(lf)
        if not value or lf.fact.period_end is None:
            continue
        tagged = lf.local in CONV_RATIO or "SharesIssuable" in lf.local
        is_shares = (lf.fact.unit or "").lower() in ("shares", "pure", "xbrli:shares") or tagged
        if not is_shares:
            continue
        if price_value:
            for candidate in (value, value * 1000):
                if abs(candidate * price_value - 1000) <= 5:  # rate x price ~ $1,000 within rounding
                    take("conversion_rate_per_1000", lf, candidate)
                    return
        elif tagged:
            take("conversion_rate_per_1000", lf, value if value > 1 else value * 1000)
            return


def _signing_date(member: _Member, period: str) -> tuple[str, _Located] | None:
    """The day the instrument was entered into: an event-dated context carrying its amount or rate."""
    dated = [lf for lf in member.facts
             if lf.fact.period_end and lf.fact.period_end != period
             and (lf.fact.instant or lf.fact.period_start == lf.fact.period_end)
             and lf.local in FACE + CAPACITY + SIGNED_AMOUNT + STATED_RATE + ("OtherBorrowings",)]
    if not dated:
        return None
    first = min(dated, key=lambda lf: lf.fact.period_end)
    return first.fact.period_end, first


def _same_instrument(a: DebtInstrument, b: DebtInstrument) -> bool:
    """Two members naming one instrument: a table row and its narrative, or a class and its only member."""
    return identity.same_member_instrument(a, b, member_words(a.xbrl_member or ""), member_words(b.xbrl_member or ""))


def _merge(keep: DebtInstrument, other: DebtInstrument) -> DebtInstrument:
    updates = {}
    for name in DebtInstrument.model_fields:
        if name in ("evidence", "warnings", "name", "xbrl_member", "kind"):
            continue
        if getattr(keep, name) is None and getattr(other, name) is not None:
            updates[name] = getattr(other, name)
    taken = set(updates)
    updates["evidence"] = keep.evidence + [e for e in other.evidence if e.field in taken]
    return keep.model_copy(update=updates)


def _specificity(inst: DebtInstrument) -> tuple[int, int]:
    return (identity.member_lender(member_words(inst.xbrl_member or "")) is not None,
            sum(getattr(inst, f) is not None for f in ("principal_usd", "maturity_year", "coupon_pct")))


def debt_from_filing_notes(doc: Document) -> list[DebtInstrument]:
    """Every debt instrument tagged in a 10-Q/10-K's inline XBRL, current period, with evidence."""
    if not _FORMS.match(doc.filing.form or "") and not doc.facts:
        return []
    period = current_period(doc)
    if period is None:
        return []
    found = [_build(doc, member, period) for member in _group(doc, period)]
    merged: list[DebtInstrument] = []
    for inst in sorted(found, key=_specificity, reverse=True):
        for i, kept in enumerate(merged):
            if _same_instrument(kept, inst):
                merged[i] = _merge(kept, inst)
                break
        else:
            merged.append(inst)
    return [_with_outstanding(doc, inst, period) for inst in merged]


def _with_outstanding(doc: Document, inst: DebtInstrument, period: str) -> DebtInstrument:
    """Principal owed when no fact states it, inferred from the carrying amount where that is sound.

    Done after merging, so a narrative member's stated principal wins over a table row's carrying amount.
    """
    carrying = inst.carrying_value_usd
    if inst.kind == "convertible" and inst.outstanding_usd is not None and carrying and inst.outstanding_usd < 0.9 * carrying:
        # "at least $75,000 of notes outstanding" is a threshold, not the balance: principal owed
        # is never far below the carrying amount.
        inst = inst.model_copy(update={"outstanding_usd": None, "outstanding_as_of": None,
                                       "evidence": [e for e in inst.evidence if e.field != "outstanding_usd"]})
    if inst.outstanding_usd is not None or carrying is None:
        return inst
    quote = next((e for e in inst.evidence if e.field == "carrying_value_usd"), None)
    if inst.kind == "convertible":
        principal = inst.principal_usd
        if not principal or not 0.9 * principal <= carrying <= principal:
            return inst
        # A convertible carried net of issuance costs, none of it retired: all principal is owed.
        value, quote = principal, next((e for e in inst.evidence if e.field == "principal_usd"), quote)
    else:
        value = carrying  # small loans are carried at principal
    evidence = list(inst.evidence)
    if quote is not None:
        evidence.append(quote.model_copy(update={"field": "outstanding_usd"}))
    values: dict[str, object] = {"outstanding_usd": value}
    _stamp_date(doc, evidence, values, "outstanding_as_of", period, inst.name)
    return inst.model_copy(update={**values, "evidence": evidence})
