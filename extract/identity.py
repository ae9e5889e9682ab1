"""Identity: which mentions are the same debt instrument, and which are the same contract counterparty.

One module so that a fix reaches every place that asks the question: the document's own merge of
XBRL and prose (`extract.debt`, `extract.debt_xbrl`, the prose folds of `extract.debt_text`), the
cross-document ledger (`service.domain.ledger`), the flags' event key (`service.domain.flags`), the contract
extractor and contract book (`extract.contracts`, `service.domain.contracts`) and the eval matcher.

Instruments are told apart by their economic terms first (coupon, maturity, conversion terms, size)
and by what their names say second: the words left after removing the words every debt name uses
(the lender, the program, the month: "Trinity", "Coinbase", "April 2025"). Two mentions whose terms
contradict are never the same instrument, whatever their names. The functions read records or
plain dicts (the ledger's rows) alike.
"""

from __future__ import annotations

import re
from typing import Any

# --------------------------------------------------------------------------------------------
# Names

# Words every debt name uses: they say what kind of debt it is, not which one.
GENERIC_WORDS = frozenset(
    "the a an of and with for due to in by from on under as notes note senior secured unsecured convertible "
    "credit facility facilities agreement agreements loan loans line lines revolving term financing arrangement "
    "arrangment master equipment promissory payable payables debt borrowings borrowing thousand million billion "
    "inc llc corp company member principal amount other offered concurrent offering long short mortgage mortgages".split()
)

_CAMEL = re.compile(r"([a-z])([A-Z])")


def _get(record: Any, name: str) -> Any:
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def name_text(record: Any, *, with_member: bool = True) -> str:
    """The record's name, with its XBRL member's words ("TrinityCapitalLoanMember" -> "Trinity Capital Loan")."""
    member = (_get(record, "xbrl_member") or "").split(":")[-1].removesuffix("Member") if with_member else ""
    return _CAMEL.sub(r"\1 \2", f"{_get(record, 'name') or ''} {member}")


def distinctive_words(name: str, *, min_len: int = 3) -> set[str]:
    """The words of a debt name that say which one it is: 'April 2025 Matrixport Loan' -> {'april', 'matrixport'}."""
    return {w for w in re.findall(r"[a-z]+", _CAMEL.sub(r"\1 \2", name).lower()) if w not in GENERIC_WORDS and len(w) >= min_len}


def all_words(name: str) -> set[str]:
    """Every word of a name but the fillers: for names that say the same thing in generic words
    ("Master Equipment Financing Agreement" / MasterEquipmentFinancingArrangement)."""
    return {w for w in re.findall(r"[a-z][a-z0-9]{2,}", _CAMEL.sub(r"\1 \2", name).lower()) if w not in {"the", "and", "with", "inc"}}


def overlap(a: set, b: set) -> float:
    """Overlap coefficient: 1.0 when one set holds the other, 0.0 when either is empty."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def names_differ(a: Any, b: Any) -> bool:
    """Each name says something the other does not ("April 2025 Matrixport Loan" / "September 2025
    Matrixport Loan"). XBRL member names are the filer's labels (misspellings included): between
    two members the terms decide, not the words."""
    wa, wb = distinctive_words(_get(a, "name") or ""), distinctive_words(_get(b, "name") or "")
    return bool(wa - wb and wb - wa) and not (_get(a, "xbrl_member") and _get(b, "xbrl_member"))


# --------------------------------------------------------------------------------------------
# Terms

# Terms that name one series: two stated values that differ mean two instruments.
SERIES_TERMS = ("coupon_pct", "maturity_year", "maturity_date", "conversion_price_usd", "conversion_rate_per_1000")
# A size more than this far from another is another instrument (a $1 million equipment line is
# not the $7 million note from the same bank).
SIZE_RATIO = 1.5


def maturity_year(record: Any) -> int | None:
    """The maturity year, stated or read off the maturity date."""
    year = _get(record, "maturity_year")
    if year is not None:
        return int(year)
    day = _get(record, "maturity_date")
    return int(day[:4]) if isinstance(day, str) and re.match(r"\d{4}", day) else None


def terms_conflict(a: Any, b: Any, fields: tuple[str, ...] = SERIES_TERMS) -> bool:
    """Two stated values of a series term that differ."""
    for name in fields:
        x, y = _get(a, name), _get(b, name)
        if x is None or y is None:
            continue
        if isinstance(x, str) or isinstance(y, str):
            if x != y:
                return True
        elif abs(float(x) - float(y)) > 1e-6:
            return True
    return False


def sizes_apart(x: float | None, y: float | None) -> bool:
    return x is not None and y is not None and max(x, y) > SIZE_RATIO * max(min(x, y), 1.0)


def same_kind(a: str | None, b: str | None) -> bool:
    """'other' is a kind no source said more about: it agrees with any."""
    return a == b or "other" in (a, b)


# --------------------------------------------------------------------------------------------
# Within one document: an XBRL member and a prose mention, or two XBRL members


def same_instrument(a: Any, b: Any) -> bool:
    """Two records of one document describing one instrument (XBRL and prose): no term contradicts
    and something identifies both (the maturity of a convertible, the size, the coupon, a name word)."""
    if terms_conflict(a, b) or sizes_apart(_get(a, "principal_usd"), _get(b, "principal_usd")):
        return False
    kind_a, kind_b = _get(a, "kind"), _get(b, "kind")
    if kind_a == kind_b == "convertible" and maturity_year(a) and maturity_year(a) == maturity_year(b):
        return True
    if _get(a, "principal_usd") and _get(a, "principal_usd") == _get(b, "principal_usd"):
        return True
    # A stated coupon identifies an instrument within one filing ("0.75% Convertible Senior Notes"
    # in prose, the ConvertibleNotesPayable member tagged 0.75%).
    if _get(a, "coupon_pct") and _get(a, "coupon_pct") == _get(b, "coupon_pct") and same_kind(kind_a, kind_b):
        return True
    if distinctive_words(name_text(a), min_len=4) & distinctive_words(name_text(b), min_len=4):
        return True
    ta, tb = all_words(name_text(a)), all_words(name_text(b))
    return kind_a == kind_b and len(ta & tb) >= 3 and len(ta & tb) >= 0.75 * min(len(ta), len(tb))


def member_lender(words: list[str]) -> str | None:
    """The first distinctive word of an XBRL member's words: the lender or program it is named for."""
    for w in words:
        if w.lower() not in GENERIC_WORDS and not w.isdigit():
            return w.lower()
    return None


def same_member_instrument(a: Any, b: Any, words_a: list[str], words_b: list[str]) -> bool:
    """Two XBRL members of one filing naming one instrument: a table row and its narrative (the same
    lender named first), or a class ("Convertible Note", "Notes Payable") and the one specific
    instrument it agrees with (for a convertible the class is rarely split, else the rate must match)."""
    if terms_conflict(a, b, ("coupon_pct", "maturity_year", "conversion_price_usd")):
        return False
    la, lb = member_lender(words_a), member_lender(words_b)
    if la and lb:
        return la == lb
    if _get(a, "kind") == _get(b, "kind") and (la is None or lb is None):
        return _get(a, "kind") == "convertible" or (_get(a, "coupon_pct") is not None and _get(a, "coupon_pct") == _get(b, "coupon_pct"))
    return False


# --------------------------------------------------------------------------------------------
# Across documents: the ledger


def mentions_conflict(a: Any, b: Any) -> bool:
    """Terms that cannot belong to one instrument: another coupon, maturity, size or name."""
    if terms_conflict(a, b, ("coupon_pct", "maturity_year", "maturity_date")):
        return True
    return names_differ(a, b) or sizes_apart(_get(a, "principal_usd"), _get(b, "principal_usd"))


def link_score(a: Any, b: Any) -> int:
    """How strongly two mentions in different documents tie to one instrument: 0 when nothing ties
    them, else the more agreeing terms the higher (the same XBRL member is decisive)."""
    if _get(a, "xbrl_member") and _get(a, "xbrl_member") == _get(b, "xbrl_member"):
        return 100
    if not same_kind(_get(a, "kind"), _get(b, "kind")):
        return 0
    terms = sum(2 for name in ("coupon_pct", "maturity_year", "maturity_date")
                if _get(a, name) is not None and _get(a, name) == _get(b, name))
    words_a, words_b = distinctive_words(_get(a, "name") or ""), distinctive_words(_get(b, "name") or "")
    if _get(a, "xbrl_member") and _get(b, "xbrl_member"):
        # Filers rename members between filings: a different member asks for coupon and maturity
        # both, or the same distinctive name ("Auto and Equipment Loans" / "Auto Loans").
        return terms if terms >= 4 else (2 if words_a and words_a == words_b else 0)
    # Facilities and loans rarely state a coupon and a maturity: their commitments and names
    # identify them ("Coinbase line of credit" in a 10-Q and in a release).
    principal = _get(a, "principal_usd")
    same_size = 2 if principal is not None and principal == _get(b, "principal_usd") else 0
    same_name = 2 if overlap(words_a, words_b) >= 0.5 else 0
    return terms + same_size + same_name


def instrument_key(inst: dict) -> str:
    """A key for an instrument that every mention from the launch release on yields: kind and
    maturity year, else its XBRL member, else its name."""
    maturity = (inst.get("maturity_date") or "")[:4] or inst.get("maturity_year")
    if maturity:
        return f"{inst.get('kind')}:{maturity}"
    if inst.get("xbrl_member"):
        return f"{inst.get('kind')}:{inst['xbrl_member'].split(':')[-1]}"
    return f"{inst.get('kind')}:{re.sub(r'[^a-z0-9]+', '-', (inst.get('name') or '').lower()).strip('-')}"


def instrument_keys(instruments: list[dict]) -> list[str]:
    """instrument_key for each of a company's instruments (ledger rows), told apart where two share
    one: of two series of one kind and year ("4.875% ... due 2031" and "4.00% ... due 2031") the one
    first filed keeps the plain key (a flag raised before the second appeared keeps its key; on the
    same day, the lower coupon), the others add their coupon, else their name."""
    base = [instrument_key(inst) for inst in instruments]
    first_filed = [min((m.get("filed") or "9999" for m in inst.get("mentions", [])), default="9999") for inst in instruments]
    keys = list(base)
    for i, inst in enumerate(instruments):
        rivals = [j for j in range(len(instruments)) if base[j] == base[i]]
        if len(rivals) < 2 or min(rivals, key=lambda j: (first_filed[j], _coupon_order(instruments[j]), j)) == i:
            continue
        coupon = inst.get("coupon_pct")
        slug = re.sub(r"[^a-z0-9]+", "-", (inst.get("name") or "").lower()).strip("-")
        keys[i] = f"{base[i]}:{coupon:g}" if coupon is not None else f"{base[i]}:{slug}"
    return keys


def _coupon_order(inst: dict) -> tuple[bool, float]:
    coupon = inst.get("coupon_pct")
    return (coupon is None, coupon or 0.0)


# --------------------------------------------------------------------------------------------
# Counterparties of AI/HPC contracts

CUSTOMER_NOUN = (r"(?:customers?|clients?|tenants?|hyperscalers?|lessees?|compan(?:y|ies)|providers?|developers?|funds?|"
                 r"labs?|firms?|operators?|partners?|enterprises?|startups?)")
_LEGAL = re.compile(r"\b(?:inc|llc|ltd|corp|corporation|co|l\s*p|lp|plc|s\s*a|ag|gmbh|limited|holdings?|the|an?)\b")


def counterparty_key(name: str | None) -> str | None:
    """A key under which two spellings of one customer agree ('CoreWeave, Inc.' and 'CoreWeave');
    'initial customer' for the filing's defined first customer; None for a customer the text does
    not identify ('a new customer'). What follows a dash or a parenthesis describes the deal, not
    the party ('Initial Customer (unnamed) - expansion')."""
    if not name:
        return None
    low = name.lower()
    if re.search(r"\b(?:initial|first|anchor|launch)\b.*\b(?:customer|client|tenant)\b", low):
        return "initial customer"
    head = re.split(r"\s[-–—]\s|\(", name, maxsplit=1)[0].strip() or name
    if re.search(r"\b(?:a|an|one|new|another|unnamed)\b.*\b" + CUSTOMER_NOUN + r"$", head.lower()) \
            and not re.search(r"[A-Z]{2}|\b[A-Z][a-z]+\b", head[1:]):
        return None
    words = _LEGAL.sub(" ", re.sub(r"[“”\"’'().,]", " ", head.lower())).split()
    return " ".join(words[:3]) or None


def _initials(key: str) -> str:
    return "".join(w[0] for w in key.split())


def same_counterparty(a: str | None, b: str | None) -> bool:
    """Two names of one identified counterparty (see same_counterparty_key). An unidentified
    customer ('a new customer') is the same as no one."""
    return same_counterparty_key(counterparty_key(a), counterparty_key(b))


def same_counterparty_key(ka: str | None, kb: str | None) -> bool:
    """Two counterparty keys of one party: equal, one the leading words of the other ('fluidstack' /
    'fluidstack ai'), or a short name made of the other's initials ('aws' / 'amazon web services')."""
    if ka is None or kb is None:
        return False
    if ka == kb:
        return True
    short, long_ = sorted((ka, kb), key=len)
    if long_.startswith(short + " "):
        return True
    return " " not in short and len(short) >= 2 and short == _initials(long_)


# Figures that size an AI/HPC deal; a term alone identifies no deal.
CONTRACT_SIZES = ("gpus", "capacity_mw", "gross_mw", "total_contract_value_usd", "annual_revenue_usd")


def same_deal(a: Any, b: Any) -> bool:
    """Two mentions of one counterparty's deal in different documents: a size both state, and no
    figure that disagrees (an order or expansion of another size is another deal)."""
    sized = any(_get(a, f) is not None and _get(b, f) is not None for f in CONTRACT_SIZES)
    return sized and not contract_terms_conflict(a, b)
CONTRACT_FIGURES = CONTRACT_SIZES + ("term_months",)


def contract_terms_conflict(a: Any, b: Any, rel: float = 0.011) -> bool:
    """Two stated deal figures more than `rel` apart ("approximately $3.5 billion" and $3,482 million agree)."""
    for name in CONTRACT_FIGURES:
        x, y = _get(a, name), _get(b, name)
        if x is not None and y is not None and abs(float(x) - float(y)) > rel * max(abs(float(x)), abs(float(y))):
            return True
    return False
