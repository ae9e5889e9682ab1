"""Cue vocabulary per debt field, as data.

Each entry is the words filers use to say a value *is* that field, or that it is *not*. Kept
apart from the grammar (extract/terms.py) that reads numbers, so a new filer's phrasing is a
new word here, not a new rule. Patterns are regex fragments, matched case-insensitively.
"""

from __future__ import annotations

import re

# Fees charged on a loan that are not its coupon: paid once or on the unused amount.
NON_COUPON_FEES = (
    "commitment", "unused", "undrawn", "non-use", "origination", "upfront", "up-front", "arrangement", "structuring",
    "exit", "closing", "facility", "placement", "underwriting", "late", "default", "prepayment", "termination",
)  # fmt: skip

# A fee that is the loan's price for time: "a loan fee of 12.5% per annum", "borrow fee".
RATE_FEES = ("loan", "borrow", "borrowing", "lending")
# Of those, the fees that digital-asset lending quotes as an annual rate by definition: "a $10,000,000
# loan with a Borrow Fee of 7.9%" (the term sheet annualizes it), with or without "per annum".
ANNUAL_RATE_FEES = ("borrow", "borrowing", "lending")

# Words that a loan or note is secured: collateral of any kind, including tokens ("collateralized
# by our treasury assets (including Solana)", "secured by bitcoin held in custody").
COLLATERAL = (
    r"secured\s+(?:by|with|against)\b", r"which\s+secures\b", r"secures\s+the\s+(?:note|loan|facility|borrowings?)\b",
    r"collaterali[sz]ed\s+(?:by|with)\b", r"pledged?\b[^.]{0,40}\bcollateral", r"security\s+interest\s+in\b",
    r"to\s+serve\s+as\s+collateral\b", r"as\s+collateral\s+(?:for|against)\b", r"against\s+(?:\w+\s+){0,2}pledged\b",
    r"encumbered\s+(?:with|by)\b", r"(?:posted|pledged|deposited)\s+(?:\w+\s+){0,4}as\s+collateral\b",
    r"\d+(?:\.\d+)?\s*%\s+collateral\s+(?:level|ratio|coverage)\b",
    # "The Collateral for the October Loan is Staked ETH", "the initial collateral level is 170%"
    r"the\s+collateral\s+for\s+(?:the|this|such|each|all|any)\b", r"collateral\s+(?:level|ratio|coverage)\s+(?:is|of|shall\s+be)\s+\d",
)  # fmt: skip
COLLATERAL_RE = re.compile(r"\b(?:" + "|".join(COLLATERAL) + ")", re.I)

# Ranking language that mentions secured debt without saying this instrument is secured.
RANKING = re.compile(r"rank\w*\s+(?:effectively\s+)?junior|structurally\s+subordinated|effectively\s+subordinated", re.I)

# The day notes are issued is the closing or settlement, not the day they were priced or agreed.
ISSUE_EVENTS = r"(?:closed|closing|completed|consummated|issued|settled|settlement|delivered)"
NOT_ISSUE_EVENTS = r"(?:priced|pricing|announc\w*|press\s+release|launch\w*|proposed|agreed\s+to\s+sell)"

# A balance still owed: "issued and outstanding", "remained outstanding", "was outstanding under".
OUTSTANDING = r"(?:issued\s+and\s+outstanding|(?:was|were|is|are|remained|remains)\s+outstanding|outstanding)"

__all__ = [
    "NON_COUPON_FEES", "RATE_FEES", "ANNUAL_RATE_FEES", "COLLATERAL", "COLLATERAL_RE", "RANKING", "ISSUE_EVENTS", "NOT_ISSUE_EVENTS",
    "OUTSTANDING",
]  # fmt: skip


# Table headers that name a debt term, checked in this order ("Principal outstanding" is a balance,
# "Conversion rate" is not a coupon). Used to read a terms table: one row or column per instrument.
TERM_HEADERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("conversion_rate_per_1000", re.compile(r"conversion\s+(?:rate|ratio)|shares\s+(?:issuable\s+)?per\s+\$?\s?1,000", re.I)),
    ("conversion_price_usd", re.compile(r"conversion\s+price", re.I)),
    ("issue_date", re.compile(r"issu(?:e|ance)\s+date|date\s+(?:of\s+)?issu|closing\s+date|date\s+issued", re.I)),
    ("maturity_date", re.compile(r"maturity|matures|due\s+date", re.I)),
    ("outstanding_usd", re.compile(r"outstanding|remaining\s+principal|principal\s+balance", re.I)),
    ("principal_usd", re.compile(r"principal|face\s+(?:amount|value)|amount\s+issued|issue\s+size|aggregate\s+amount", re.I)),
    ("coupon_pct", re.compile(r"coupon|interest\s+rate|stated\s+rate|\brate\b|interest", re.I)),
)
# A row or column label naming a debt series: "2030 Notes", "0.75% Convertible Senior Notes due 2030".
SERIES_LABEL = re.compile(r"\b(?:notes?|debentures|bonds|loan|facility|series\s+[A-Z0-9]+)\b", re.I)


def term_of_header(text: str) -> str | None:
    """The debt field a table header names, or None."""
    for name, pattern in TERM_HEADERS:
        if pattern.search(text):
            return name
    return None

# Digital assets other than dollar stablecoins. A loan stated in their units ("a loan request for
# 75,000 Solana", "borrowed 1,200 BTC") is a loan of that asset: its kind is "other" and its dollar
# principal is whatever the document separately says (the labels' convention, ../shared/filings/README.md).
NON_DOLLAR_TOKENS = (
    r"bitcoins?", r"BTC", r"ether(?:eum)?", r"ETH", r"solana", r"SOL", r"doge(?:coin)?", r"litecoin", r"LTC", r"XRP",
    r"BNB", r"TRX",
)  # fmt: skip
_TOKEN_UNITS = r"\d[\d,]*(?:\.\d+)?\s*(?:(?:thousand|million)\s+)?(?:" + "|".join(NON_DOLLAR_TOKENS) + r")(?![\w-])"
# "a loan (request) of/for 75,000 Solana", "borrowed 1,200 BTC", "borrowing of 10,000 ETH": one clause, no money between.
LOAN_IN_TOKENS_RE = re.compile(
    r"\b(?:loans?|borrow(?:ed|ing|ings)?)\b(?:\s+(?:request|requests|advance|amount))?\s+(?:(?:of|for)\s+)?(?:an?\s+)?(?:aggregate\s+)?" + _TOKEN_UNITS,
    re.I,
)

# An amount stated as a ceiling ("agreed to lend us up to $3,000,000", "borrowings of up to $35,000") is
# a commitment: what may be borrowed, never what is owed. Matched against the words just before it.
COMMITMENT_BEFORE_RE = re.compile(r"\bup\s+to\s+(?:an?\s+)?(?:aggregate\s+(?:principal\s+amount\s+)?(?:of\s+)?)?(?:US)?\$?\s*$", re.I)

# Nothing owed: "has no outstanding loans with the lender under the Master Loan Agreement", "there is no
# outstanding balance on the line of credit", "no amounts were outstanding under the Revolving Facility".
NONE_OUTSTANDING_RE = re.compile(
    r"\b(?:has|had|have|there\s+(?:is|was|were|are))\s+no\s+(?:outstanding\s+(?:loans?|borrowings?|balances?|amounts?|principal)\b"
    r"|(?:amounts?|borrowings?|loans?|balances?|principal)\s+outstanding\b)"
    r"|\bno\s+(?:amounts?|borrowings?|loans?|principal)\s+(?:were|was|are|is|remained|remain)\s+outstanding\b",
    re.I,
)
