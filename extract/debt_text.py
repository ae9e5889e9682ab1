"""Debt instruments read from prose: 8-K items, press releases, indentures, prospectus
supplements, earnings releases and the narrative of 10-Q/10-K debt notes.

How these documents are written drives the design. An instrument is introduced by a name
("0.00% Convertible Senior Notes due 2032", "a one-year $50.0 million Revolving Credit
Facility"), often given a defined term in the same breath (the “Convertible Notes”, the “2030
Notes”), and later sentences speak of it by that term or simply as "the notes". So we walk the
sentences of each part in order, keep the instrument in focus, and attach each stated term
(principal, option, coupon, maturity, conversion rate and price, closing date, security) to the
instrument the sentence is about. Every value carries the sentence that states it as evidence.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from extract.normalize import (
    find_dates,
    find_money,
    has_blank_coupon,
    is_blank,
    maturity_date_from_text,
    parse_month_year,
    parse_rate_text,
)
from extract.cues import COLLATERAL_RE, COMMITMENT_BEFORE_RE, LOAN_IN_TOKENS_RE, NONE_OUTSTANDING_RE, RANKING
from extract.debt_tables import DebtRow, debt_rows, schedule_total, terms_rows
from extract.terms import find_conversion_price, find_conversion_rate, find_coupon, in_denomination
from extract.identity import distinctive_words
from extract.records import DebtInstrument, DebtKind, Evidence
from ingest.reading import Sentence, read, split_sentences
from ingest.types import Document, Part

# Sentences, the exhibit policy and tables come from the one reading layer (ingest/reading.py);
# `split_sentences` stays importable from here for older callers.
__all__ = ["debt_from_text", "split_sentences"]


# --------------------------------------------------------------------------------------------
# Naming instruments

_COUPON = r"(?P<coupon>\d+(?:\.\d+)?\s*%|\[\s*[•●_ ]*\s*\]\s*%|[•●]\s*%|(?<![\w.])%)"
# Words that qualify a class of notes in its name. "original issue discount" (OID) follows the discount's
# percent, which is not a coupon: "unsecured 20% original issue discount promissory notes".
_NOTE_QUALIFIER = (
    r"(?:convertible|exchangeable|senior|secured|unsecured|subordinated|junior|guaranteed|promissory|zero[- ]coupon"
    r"|original\s+issue\s+discount|OID|first[- ]lien|second[- ]lien|PIK)"
)
_NOTE_NAME = re.compile(
    # A security qualifier may come before the percent: "unsecured 20% original issue discount ... notes".
    rf"(?:(?P<lead>(?:(?:senior|secured|unsecured|subordinated)\s+)+)(?=\d))?(?:{_COUPON}\s+)?(?P<body>(?:{_NOTE_QUALIFIER}\s+)*"
    r"(?:notes|debentures|bonds))(?:\s+due\s+(?:in\s+)?(?:(?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December)\s+\d{1,2},\s+)?(?P<year>20\d{2}))?",
    re.IGNORECASE,
)
_OID = re.compile(r"(?:original\s+issue\s+discount|OID)\b", re.I)
_FACILITY_NOUN = (
    r"(?:(?:credit|loan)\s+and\s+security\s+(?:facility|agreement)(?:\s+agreement)?|revolving\s+credit\s+facility|credit\s+facility|line\s+of\s+credit|master\s+loan\s+agreement|loan\s+agreement"
    r"|term\s+loan(?:\s+facility)?|financing\s+facility|equipment\s+financing\s+(?:agreement|arrangement)"
    r"|credit\s+agreement|promissory\s+note|note\s+payable|mortgage)"
)
_FACILITY_INTRO = re.compile(
    r"\b(?:entered\s+into|signed|executed|assumed|obtained|closed\s+on|secured)\b(?P<gap>(?:[^.;]|\.(?=\d)){0,120}?)"
    rf"(?P<noun>{_FACILITY_NOUN})",
    re.IGNORECASE,
)
# The words between an article and the facility noun: "(entered into) a master digital currency (loan agreement)".
_QUALIFIER_BEFORE = re.compile(r"\b(?:a|an|the|its|our|their|new)\s+(?P<words>(?:[A-Za-z][\w-]*\s+){0,4})$")
_DEFINED_TERM = re.compile(
    r"^\s*,?\s*\((?:[Tt]he\s+|each,\s+an?\s+|an?\s+)?(?:[“\"](?P<term>[^”\"]{2,60})[”\"]"
    # an unquoted defined term: "(the 2030 Notes)"
    r"|(?P<bare>(?:20\d{2}\s+)?(?:[A-Z][A-Za-z]+\s+){0,3}(?:Notes|Debentures|Bonds|Loan|Facility|Agreement))\))"
)
_REFERS_TO = re.compile(
    r"[“\"]\s*(?P<term>[^”\"]{2,60}?)\s*[”\"]\s+(?:refers?(?P<collectively>,?\s*collectively,?)?\s+to|(?:shall\s+)?means?)\s+(?:our|its|the)\s+",
    re.IGNORECASE
)
_GENERIC_NOTES = re.compile(
    r"\b(?:the|such|these|our|its)\s+(?:new\s+)?(?:convertible\s+)?(?:senior\s+)?(?:notes\b|(?:notes\s+)?offering\b)", re.IGNORECASE
)
# "$150 million convertible notes offering", "$1.15 billion 0% convertible transaction": named by size.
_SIZED_OFFERING = re.compile(
    r"(?P<money>(?:US)?\$\s?\d[\d,.]*\s*(?:million|billion)?)\s+(?:(?P<coupon>\d+(?:\.\d+)?%)\s+)?"
    r"(?P<body>convertible\s+(?:senior\s+)?(?:notes\s+)?(?:offering|transaction))",
    re.IGNORECASE,
)
# "outstanding under the Coinbase Credit Facility": a facility named by capitalised words of its own.
_UNDER_NAMED = re.compile(
    r"\b(?:outstanding|drawn(?:\s+down)?|borrowed|borrowings|repaid)\s+(?:under|on|pursuant\s+to)\s+(?:the|our|its)\s+"
    r"(?P<name>(?:[A-Z][\w&.-]*\s+){1,4}(?P<noun>Revolving\s+Credit\s+Facility|Credit\s+Facility|Credit\s+Agreement|Loan\s+Agreement"
    r"|Term\s+Loan(?:\s+Facility)?|Line\s+of\s+Credit|Financing\s+Facility|Facility))\b")
# A glossary entry's lead: "“Parent Convertible Notes” means the " before the instrument's name.
_GLOSSARY_LEAD = re.compile(r"[“\"]\s*(?P<term>[^”\"]{2,80}?)\s*[”\"]\s+(?:means|shall\s+mean|refers\s+to)\s+(?:the\s+|our\s+|its\s+)?$", re.I)
# "$41,950,000 in aggregate principal amount of": a size that introduces the notes named right after it.
# "... notes with an aggregate principal amount of $1,560,000 (the “Notes”)": the size right after the name.
_SIZED_AFTER = re.compile(
    r"\s+(?:with|in|having)\s+(?:an?\s+)?(?:aggregate\s+)?(?:original\s+)?principal\s+amount\s+of\s+(?:up\s+to\s+)?"
    r"(?:US)?\$\s?\d[\d,.]*(?:\s+(?:million|billion))?", re.I)
_SIZED_PRINCIPAL_OF = re.compile(r"\$\s?\d[\d,.]*(?:\s+(?:million|billion))?\s+(?:in\s+)?(?:aggregate\s+)?principal\s+amount\s+of\s+$", re.I)
_GENERIC_FACILITY = re.compile(r"\bthe\s+(?:facility|line\s+of\s+credit|loan|master\s+loan|note|credit\s+facility)\b", re.IGNORECASE)
# The filer is the lender, not the borrower: not its debt.
_LENDER = re.compile(
    r"\bextend\b[^.]{0,40}\bloans?\b|\bas\s+(?:the\s+)?lender\b|\b(?:loans?|notes?)\s+receivable\b|\brequested\s+the\s+company\b"
    r"|\bprovided\s+(?:a|the)\s+(?:term\s+)?loan\b"
    # "TMTG has agreed to fund $200 million to TAE": money lent to another party, not borrowed.
    r"|\b(?:fund|lend|advance)\s+(?:up\s+to\s+)?(?:US)?\$\s?[\d,.]+(?:\s*(?:million|billion))?\s+to\s+(?!us\b|the\s+company\b|our\b|it\b)",
    re.I,
)
# Who borrows: "Seller has agreed to provide a loan to Buyer", "a promissory note issued by Buyer to Seller".
_BORROWER = re.compile(
    r"\b(?:provide|make|extend|advance|lend)\w*\s+(?:a\s+|the\s+|such\s+)?(?:loan|advance|credit)\w*\s+to\s+(?P<to>[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,3})"
    r"|\bissued\s+by\s+(?P<by>[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,3})\s+to\b"
)
_FIRST_PERSON = re.compile(r"^(?:us|we|our|the\s+company|company|registrant|issuer|borrower)$", re.I)
# "... Agreement (the “Master Loan”) with Coinbase Credit, Inc.": who lends.
_LENDER_NAME = re.compile(
    r"\s*(?:\([^)]{0,80}\)\s*)?,?\s*(?:with|from)\s+(?P<lender>(?:[A-Z][\w.&'’-]*)(?:\s+(?:[A-Z][\w.&'’-]*|&))*)"
)
# Mentions of notes being retired, not issued.
_RETIRING = re.compile(
    r"\b(?:repurchas\w*|exchang\w*|redeem\w*|redemption|retire\w*|settle\w*|existing|buy\s*back|bought\s+back|repay\w*|prepa(?:y|id)\w*|extinguish\w*)\b", re.I
)


_YEAR_NOTES = re.compile(
    r"(?<![\w$.,])(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+)?"
    r"(?P<year>20\d{2})\s+(?:convertible\s+)?(?:senior\s+)?notes\b"
)
# A defined term after the facility noun, past its lender or purpose ("... with Western Alliance Bank
# (the “Western Alliance Bank Credit Agreement”)"), but not past another sentence.
_DEFINED_NAME = re.compile(r"[^.;()]{0,140}?\((?:the\s+)?[“\"](?P<term>[^”\"]{4,60})[”\"]\)")
_BACK_REFERENCE = re.compile(r"\b(?:this|such|that)\s+(?:agreement|facility|arrangement)\b|\bpursuant\s+to\s+the\s+(?:agreement|facility)\b", re.I)
# A balance still owed, stated around an amount.
_OUTSTANDING_BEFORE = re.compile(
    r"(?:unpaid|outstanding)\s+principal(?:\s+(?:balance|amount|payments))?\s+(?:of|was|is|were|totaling|totalling)\s*$"
    r"|\boutstanding\s+(?:balance|borrowings)\s+of\s*$|\bprincipal\s+of\s*$"
    r"|\bprincipal\s+outstanding\s+(?:at|as\s+of)\s+[^$.;]{0,30}?\bof\s*$"
    # "As of November 10, 2025, we have fully drawn down US$100.0 million under the facility"
    r"|\b(?:have|has|had)\s+(?:fully\s+)?(?:drawn(?:\s+down)?|borrowed)\s*$",
    re.I,
)
# "$983,505,000 aggregate principal amount of Parent Convertible Notes issued and outstanding", led by
# "As of <date>, there were": a balance, not the amount issued.
_OUTSTANDING_OF = re.compile(
    r"\s*(?:in\s+)?(?:aggregate\s+)?principal\s+amount\s+of\s+(?:the\s+|our\s+|its\s+)?(?:[\w.%’'-]+\s+){0,8}?"
    r"(?:issued\s+and\s+outstanding|(?:was|were|remained|remain)\s+outstanding|outstanding)\b",
    re.I,
)
# "As of June 30, 2025 and December 31, 2024, the Company had approximately $244,000 and $0, respectively,
# outstanding under the Sponsor Loan": the first amount is the balance at the first date.
_RESPECTIVELY_OUTSTANDING = re.compile(
    r"(?:\s*,?\s*(?:and\s+)?(?:approximately\s+)?(?:US)?\$\s?[\d,.]+(?:\s*(?:million|billion))?)+\s*,?\s*respectively\s*,?\s*"
    r"(?:of\s+principal\s+)?(?:was|were\s+)?outstanding\b",
    re.I,
)
_AS_OF_LEAD = re.compile(r"^\s*(?:\([\w.]+\)\s*)*(?:As\s+of|At)\b[^$;]{0,80}$|\bthere\s+(?:were|was|are|is)\s*$", re.I)
# "secured indebtedness to the extent of the value of the assets securing such indebtedness, including the X".
_SECURED_INCLUDING = re.compile(r"\bsecured\s+(?:indebtedness|debt|obligations|borrowings)\b[^;]{0,160}?\bincluding\s+", re.I)
# "seven agreements ... with a combined principal of $287": what new loans were for, not a balance.
_NEW_PRINCIPAL = re.compile(r"\b(?:combined|original|initial)\s+principal\s+of\s*$", re.I)
_OUTSTANDING_AFTER = re.compile(
    r"\s*(?:of\s+principal\s+|principal\s+(?:payments\s+)?)?(?:was|were|is|remained|remains)?\s*outstanding\b"
    # "As of June 30, 2025, $20.0 million was drawn under the Revolver": a balance, not a size.
    r"|\s*(?:was|were|had\s+been|has\s+been)\s+(?:drawn(?:\s+down)?|borrowed)\s+(?:under|on|from)\b", re.I)
# A sub-heading names a loan with fewer words than prose does: "Trinity equipment financing."
# A heading over one instrument: a facility noun, or one convertible note ("April PIPE Transaction
# Convertible Note"); "Convertible Notes" heads a section over several.
_HEADING_NOUN = re.compile(rf"\b(?:{_FACILITY_NOUN}|equipment\s+financing|mortgages|convertible\s+(?:promissory\s+)?note(?!s))\b", re.I)
# Sections that are a debt note ("Note 9 — Loans", "Debt", "Notes Payable", "Borrowings").
_DEBT_SECTION = re.compile(r"\b(?:debt|loans?|borrowings|notes\s+payable|credit\s+facilit\w*|financing\s+arrangements)\b", re.I)
_LOAN_WORD = re.compile(
    r"\b(?:mortgages?|loans?|notes?\s+payable|promissory\s+notes?|borrowings|financing\s+(?:arrangements?|agreements?)"
    r"|facility|line\s+of\s+credit|credit\s+agreement)\b",
    re.I,
)
# An option to buy more notes, and an amount it is for: "an option to purchase additional Convertible Notes in an
# aggregate principal amount of up to $125 million".
_OPTION_GRANT = re.compile(r"\boptions?\s+to\s+purchase\b", re.I)
_ADDITIONAL_AMOUNT = re.compile(
    r"\badditional\s+(?:[\w-]+\s+){0,4}?(?:in\s+(?:an?\s+)?)?(?:aggregate\s+)?principal\s+amount\s+(?:of\s+)?(?:up\s+to\s+)?$", re.I
)
_TOTAL_PRINCIPAL = re.compile(r"\btotal\s+(?:aggregate\s+)?principal\s+amount\b[^$;]{0,120}?\b(?:will\s+be|is|was|equals?|of)\s*$", re.I)
# The start of an enumerated clause inside a sentence: ", (ii) CEPO and Pubco entered into ...".
_CLAUSE = re.compile(r"(?:^|[,;:]\s+(?:and\s+|or\s+)?)(?P<mark>\((?:i|ii|iii|iv|v|vi|vii|viii|ix|x|[a-h])\)\s)")
# A defined term naming one loan: “Sponsor Note”, “Pre-IPO Note”, “Term Loan”, “Revolving Facility”.
# A distinctive word must come first: “Note” or “Term Loan” alone is the document's generic name for it.
_LOAN_TERM = re.compile(r"^(?!(?:the\s+)?(?:Term\s+|Revolving\s+|Credit\s+|Promissory\s+|Loan\s+)*(?:Loan|Note|Facility|Line\s+of\s+Credit)$)"
                        r".*(?:\b(?:Term\s+)?Loan|\bNote|\bFacility|\bLine\s+of\s+Credit)$")
# A loan of one stated sum: "a $10,000,000 loan", "a loan of $20,000" (not "up to $3,000,000").
_FIXED_LOAN = re.compile(r"\b(?:an?|one|single)\s+(?:US)?\$\s?\d[\d,.]*(?:\s+(?:million|billion))?\s+(?:[\w-]+\s+)?loan\b|\ba\s+loan\s+(?:in\s+the\s+amount\s+)?of\s+(?:US)?\$", re.I)
_LENDING = re.compile(r"\b(?:loan|lend|borrow|advance|promissory\s+note|credit\s+facility|facility|line\s+of\s+credit)\w*", re.I)
_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|will|may|bears?|matures?|provides?|entered|signed|issued)\b", re.I)


def _is_heading(s: Sentence, text: str) -> bool:
    """A line of its own, short, in title case, without a closing period: a sub-heading; or a
    run-in heading ("Coinbase line of credit. Under a Master Loan Agreement ...")."""
    at_start = s.start == 0 or text[s.start - 1] == "\n"
    alone = at_start and (s.end == len(text) or text[s.end] == "\n")
    words = s.text.split()
    if at_start and not alone and s.text.endswith(".") and 1 <= len(words) <= 7 and s.text[0].isupper() \
            and not re.search(r"\d|[,;:$%(]", s.text) and not _VERB.search(s.text):
        return True
    if not alone or not 1 <= len(words) <= 12 or re.search(r"[.;:!?|$%]\s*$|\|", s.text):
        return False
    capitalized = [w for w in words if w[0].isupper() or w[0].isdigit()]
    return s.text[0].isupper() and len(capitalized) >= 0.6 * len(words)


def _note_kind(body: str) -> DebtKind:
    body = body.lower()
    if "convertible" in body or "exchangeable" in body:
        return "convertible"
    if "promissory" in body:
        return "other"  # a promissory note is a loan instrument, not a class of senior notes
    if "unsecured" in body:
        return "senior_unsecured"
    if "secured" in body:
        return "senior_secured"
    if "senior" in body:
        return "senior_unsecured"
    return "other"


def _facility_kind(noun: str) -> DebtKind:
    noun = noun.lower()
    if "convertible" in noun:
        return "convertible"
    if "term loan" in noun or "equipment" in noun or "mortgage" in noun:
        return "term_loan"
    if "promissory" in noun or "note payable" in noun:
        return "other"
    return "credit_facility"


@dataclass(slots=True)
class _Instrument:
    name: str
    kind: DebtKind
    coupon: float | None
    year: int | None
    values: dict[str, object] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    mentions: int = 0
    retiring_mentions: int = 0
    blank_coupon: bool = False
    option_included: bool = False
    option_exercised: bool = False  # the option was exercised and told apart from the base amount
    name_ev: Evidence | None = None  # the sentence that first names it
    from_table: bool = False  # first named by a table row, not by prose
    year_term: bool = False  # named only as "the November 2029 notes"
    commitment_only: bool = False  # its principal so far is an "up to" commitment
    introduced: bool = False  # introduced by size and defined term, without a name of its own
    terms: set[str] = field(default_factory=set)  # terms the document defines for it, as written
    umbrella: bool = False  # a master agreement: the frame that individual loans are made under

    def set(self, name: str, value: object, ev: Evidence) -> None:
        """First statement wins: cover pages and opening paragraphs state the terms first."""
        if value is None or name in self.values:
            return
        self.values[name] = value
        self.evidence[name] = ev


class _Reader:
    """Walks one document's sentences and collects instruments."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.instruments: list[_Instrument] = []
        self.aliases: dict[str, _Instrument] = {}
        self.focus: _Instrument | None = None
        self.focus_paragraph = -1  # the paragraph last speaking of the focus
        self.focus_section = -1  # start of the section the focus was last spoken of in
        self.term_dates: dict[str, tuple[str, Evidence]] = {}
        self.reading = None  # the PartReading being walked
        self.heading_subject: _Instrument | None = None  # the instrument the last sub-heading named  # "capitalization date" -> the date it defines
        self.generic_owner: _Instrument | None = None  # the instrument defined as (the “notes”)
        self.capitalized: set[str] = set()  # defined terms that name an instrument only when capitalized
        self.groups: dict[str, list[_Instrument]] = {}  # terms defined as several instruments collectively

    # -- naming ---------------------------------------------------------------------------

    def _find_or_add(self, name: str, kind: DebtKind, coupon: float | None, year: int | None, blank: bool) -> _Instrument:
        for inst in self.instruments:
            if inst.kind != kind or inst.blank_coupon != blank:
                continue
            if inst.year == year and inst.coupon == coupon:
                return inst
            # "0.00% Convertible Senior Notes" without its year is the 2032 notes named before (or after).
            if coupon is not None and inst.coupon == coupon and (year is None or inst.year is None):
                if inst.year is None and year is not None:
                    inst.year, inst.name = year, name
                return inst
        inst = _Instrument(name=name, kind=kind, coupon=coupon, year=year, blank_coupon=blank)
        self.instruments.append(inst)
        return inst

    def _mentions(self, s: Sentence, part: Part) -> list[tuple[int, int, _Instrument]]:
        """Instruments named in the sentence, with spans, in text order."""
        found: list[tuple[int, int, _Instrument]] = []
        text = s.text
        for m in _NOTE_NAME.finditer(text):
            coupon_text = m["coupon"]
            year = int(m["year"]) if m["year"] else None
            body = (m["lead"] or "") + m["body"]
            if coupon_text and _OID.match(m["body"]):
                coupon_text = None  # "20% original issue discount": the discount, not a rate
            if year is None and not (coupon_text and re.match(r"\d", coupon_text)):
                introduced = self._introduced_notes(s, part, m, body)
                if introduced is not None:
                    found.append((m.start(), m.end(), introduced))
                continue  # "the notes": a reference, not a name
            if not re.search(r"convertible|senior|secured|exchangeable", body, re.I) and year is None:
                continue
            blank = bool(coupon_text) and not re.match(r"\d", coupon_text) or has_blank_coupon(text[max(0, m.start() - 3) : m.end()])
            coupon = float(re.sub(r"[^\d.]", "", coupon_text)) if coupon_text and re.match(r"\d", coupon_text) else None
            name = re.sub(r"\s+", " ", text[m.start("coupon") if coupon is not None else m.start("body") : m.end()]).strip()
            inst = self._find_or_add(name, _note_kind(body), coupon, year, blank and coupon is None)
            if inst.name_ev is None or (year is not None and str(year) not in inst.name_ev.quote):
                inst.name_ev = self._ev(s, part, "name")
            if coupon is not None and inst.coupon is not None:
                inst.set("coupon_pct", coupon, self._ev(s, part, "coupon_pct"))
            self._security_named(inst, body, s, part)
            self._alias(text, m.end(), inst, s.start)
            glossary = _GLOSSARY_LEAD.search(text[: m.start()])
            if glossary:
                # "“Parent Convertible Notes” means the 0.00% Convertible Senior Secured Notes due May 29, 2028"
                self._define(glossary["term"], inst)
            found.append((m.start(), m.end(), inst))
        for m in _SIZED_OFFERING.finditer(text):
            if any(s0 <= m.start("body") < e0 for s0, e0, _ in found):
                continue
            coupon = float(m["coupon"].rstrip("%")) if m["coupon"] else None
            candidates = [i for i in self.instruments if i.kind == "convertible" and (coupon is None or i.coupon in (None, coupon))]
            if len(candidates) == 1:
                inst = candidates[0]
            else:
                name = re.sub(r"\s+", " ", m.group()).strip()
                inst = self._find_or_add(name, "convertible", coupon, None, False)
            if coupon is not None:
                inst.set("coupon_pct", coupon, self._ev(s, part, "coupon_pct"))
            found.append((m.start("body"), m.end(), inst))
        for m in _FACILITY_INTRO.finditer(text):
            if self._not_borrowed(s, part):
                continue
            noun = m["noun"]
            gap = m["gap"]
            amount = find_money(gap)
            # "a $50.0 million revolving credit facility": from the amount on; "a master digital currency loan
            # agreement": the words that qualify the noun, after the article.
            qualifier = gap[amount[-1][1][0] :] if amount else (q["words"] if (q := _QUALIFIER_BEFORE.search(gap)) else "")
            label = re.sub(r"\s+", " ", qualifier + noun).strip()
            name = label[0].upper() + label[1:] if label else noun
            lender = _LENDER_NAME.match(text[m.end() : m.end() + 160])
            if lender:
                # "an equipment financing agreement with Western Alliance Bank": the lender tells
                # two agreements of the same kind apart.
                name = f"{name} with {lender['lender'].strip()}"
            defined = _DEFINED_NAME.match(text[m.end() : m.end() + 200])
            if defined and re.search(r"[A-Z]\w+\s+\w", defined["term"]):
                # "(the “Western Alliance Bank Credit Agreement”)": the filer's own name for it.
                name = defined["term"].strip()
                self.aliases[name.lower()] = None  # placeholder, set below
            kind = _facility_kind(noun)
            if defined and re.search(_FACILITY_NOUN, defined["term"], re.I):
                # "a credit agreement providing for a $200 million term loan facility (the “Term Loan”)":
                # the filer's own name says which kind of debt the agreement holds.
                kind = _facility_kind(re.search(_FACILITY_NOUN, defined["term"], re.I).group())
            if self.focus is not None and s.paragraph == self.focus_paragraph and self.focus.kind != "convertible" \
                    and _BACK_REFERENCE.search(text[: m.start("noun")]):
                # "Pursuant to this agreement, the Company executed a promissory note": the same loan.
                self.aliases.pop(name.lower(), None)
                found.append((m.start("noun"), m.end(), self.focus))
                continue
            inst = next((i for i in self.instruments if i.kind == kind and i.name.lower() == name.lower()), None)
            if inst is None:  # the same facility told again in another note or section
                inst = _Instrument(name=name, kind=kind, coupon=None, year=None)
                self.instruments.append(inst)
            if self.aliases.get(name.lower(), inst) is None:
                self.aliases[name.lower()] = inst
            inst.umbrella = inst.umbrella or bool(re.search(r"\bmaster\b", gap + noun, re.I))
            self._alias(text, m.end(), inst)
            found.append((m.start("noun"), m.end(), inst))
        for m in re.finditer(rf"\b(?P<noun>{_FACILITY_NOUN})\b", text, re.I):
            # "... in September 2025 providing for a financing facility of up to US$400,000,000 (the
            # “September 2025 Matrixport Loan”)": a facility named by its defined term, no verb needed.
            if any(s0 <= m.start() < e0 for s0, e0, _ in found) or self._not_borrowed(s, part):
                continue
            defined = _DEFINED_NAME.match(text[m.end() : m.end() + 200])
            if not defined or not re.search(r"[A-Z]\w+\s+\w", defined["term"]) or not _LOAN_WORD.search(defined["term"]):
                continue
            if re.search(r"[“\"]", text[m.end() : m.end() + defined.start("term") - 2]):
                continue  # another defined term sits between the noun and this one
            name = defined["term"].strip()
            inst = self.aliases.get(name.lower()) or next((i for i in self.instruments if i.name.lower() == name.lower()), None)
            if inst is None and self.focus is not None and self.focus.kind != "convertible" \
                    and re.search(r"\b(?:consist\w*\s+of|compris\w*)\b", text[: m.start()], re.I):
                # "a $10.0 million credit and security facility consisting of a $6.0 million revolving line
                # of credit (the “Revolving Line of Credit”) and ...": a part of the facility in focus.
                inst = self.focus
            if inst is None:
                inst = _Instrument(name=name, kind=_facility_kind(m["noun"]), coupon=None, year=None)
                self.instruments.append(inst)
            inst.name_ev = inst.name_ev or self._ev(s, part, "name")
            self.aliases[name.lower()] = inst
            found.append((m.start("noun"), m.end(), inst))
        self._defined_loans(s, part, found)
        for m in _UNDER_NAMED.finditer(text):
            # "$35,000,000 outstanding under the Coinbase Credit Facility": a facility the filer names
            # by its proper name, told of in a 10-Q without the sentence that introduced it.
            name = " ".join(m["name"].split())
            if any(s0 <= m.start("name") < e0 for s0, e0, _ in found) or name.lower() in self.aliases or self._not_borrowed(s, part):
                continue
            inst = next((i for i in self.instruments if i.name.lower() == name.lower()), None)
            if inst is None:
                inst = _Instrument(name=name, kind=_facility_kind(m["noun"]), coupon=None, year=None)
                self.instruments.append(inst)
            inst.name_ev = inst.name_ev or self._ev(s, part, "name")
            found.append((m.start("name"), m.end("name"), inst))
        for m in _REFERS_TO.finditer(text):
            after = [f for f in found if f[0] >= m.end()]
            term = m["term"].lower()
            if m["collectively"]:
                # "“Matrixport Loans” refer, collectively, to ...": a group, never one of its members.
                self.groups[term] = list({id(f[2]): f[2] for f in after}.values()) if after else self.groups.get(term, [])
                self.aliases.pop(term, None)
                continue
            if after:
                self.aliases[term] = after[0][2]
                continue
            noun = re.match(rf"(?:[\w-]+\s+){{0,2}}?(?P<noun>{_FACILITY_NOUN})\b", text[m.end() :], re.I)
            if noun and term not in self.aliases and not self._not_borrowed(s, part):
                # "“Financing Facility” refers to the financing facility that we entered into ...": the
                # defined term names the facility the sentence goes on to describe.
                inst = next((i for i in self.instruments if i.name.lower() == term), None)
                if inst is None:
                    inst = _Instrument(name=m["term"], kind=_facility_kind(noun["noun"]), coupon=None, year=None)
                    self.instruments.append(inst)
                inst.name_ev = inst.name_ev or self._ev(s, part, "name")
                self.aliases[term] = inst
                self.capitalized.add(term)
                found.append((m.start("term"), m.end("term"), inst))
        for term, inst in self.aliases.items():
            # Lookarounds, not \b: a defined term may start with "$" ("$100 Million Credit Facility").
            for m in re.finditer(r"(?<!\w)" + re.escape(term) + r"(?!\w)", text, re.IGNORECASE):
                if term in self.capitalized and m.group()[0].islower():
                    continue  # "a financing facility" is not the defined “Financing Facility”
                if not any(s0 <= m.start() < e0 for s0, e0, _ in found):
                    found.append((m.start(), m.end(), inst))
        for m in _YEAR_NOTES.finditer(text):
            # "the November 2029 notes", "our 2030 Notes": notes named by their maturity, defined elsewhere.
            if any(s0 <= m.start("year") < e0 for s0, e0, _ in found):
                continue
            # Kept apart until the end of the document: the term may be defined further on (see _fold_year_terms).
            name = " ".join(m.group().split())
            inst = next((i for i in self.instruments if i.year_term and i.name.lower() == name.lower()), None)
            if inst is None:
                inst = _Instrument(name=name, kind=_note_kind(name), coupon=None, year=int(m["year"]), year_term=True)
                self.instruments.append(inst)
            inst.name_ev = inst.name_ev or self._ev(s, part, "name")
            found.append((m.start(), m.end(), inst))
        found.sort(key=lambda f: f[0])
        return found

    def _introduced_notes(self, s: Sentence, part: Part, m: re.Match, body: str) -> _Instrument | None:
        """Notes introduced by their size and a defined term but no name: "issued to the Investors
        $41,950,000 in aggregate principal amount of convertible notes (the “Notes”)", "sold ...
        promissory notes with an aggregate principal amount of $1,560,000 (the “Notes”)". They are the
        one set of such notes already read when nothing sets them apart; notes whose issue the
        sentence dates more than a month away from that set's issue date are another set."""
        text = s.text
        sized_after = _SIZED_AFTER.match(text[m.end() :])
        if sized_after is not None:
            term_at = m.end() + sized_after.end()
        elif _SIZED_PRINCIPAL_OF.search(text[: m.start()]):
            term_at = m.end()
        else:
            return None
        if not _DEFINED_TERM.match(text[term_at:]):
            return None
        kind = _note_kind(body)
        dates = [d for d, _ in find_dates(text)]
        candidates = [i for i in self.instruments if i.kind == kind and not i.year_term]
        inst = candidates[0] if len(candidates) == 1 else None
        issued = inst.values.get("issue_date") if inst is not None else None
        if inst is not None and dates and isinstance(issued, str) \
                and abs((datetime.date.fromisoformat(dates[0]) - datetime.date.fromisoformat(issued)).days) > 31:
            inst = None
        if inst is None:
            name = " ".join(m.group().split())
            inst = _Instrument(name=name[0].upper() + name[1:], kind=kind, coupon=None, year=None, introduced=True)
            self.instruments.append(inst)
            inst.name_ev = self._ev(s, part, "name")
        self._security_named(inst, body, s, part)
        self._alias(text, term_at, inst, s.start)
        return inst

    def _security_named(self, inst: _Instrument, body: str, s: Sentence, part: Part) -> None:
        """"convertible senior secured notes", "unsecured ... promissory notes": any naming that says so
        states the security."""
        said = re.search(r"\b(un)?secured\b", body, re.I)
        if said:
            inst.set("secured", said.group(1) is None, self._ev(s, part, "secured"))

    def _not_borrowed(self, s: Sentence, part: Part) -> bool:
        """The sentence's loan is not the filer's debt: the filer lends, or another party borrows."""
        return bool(_LENDER.search(self._paragraph(s, part))) or self._borrower_is_another_party(s.text, part)

    def _borrower_is_another_party(self, text: str, part: Part) -> bool:
        """A loan whose borrower is a party the agreement names and the filer is not: a transaction
        agreement's "Seller has agreed to provide a loan to Buyer" where the filer's subsidiary sells.
        The party is named by the agreement's own definitions ("Thomas C. Heise (as Buyer)", "X (the
        “Buyer”)"); a borrower that cannot be told apart from the filer keeps the loan."""
        m = _BORROWER.search(text)
        if m is None:
            return False
        party = (m["to"] or m["by"]).strip()
        if _FIRST_PERSON.match(party):
            return False
        role = re.escape(party)
        named = re.search(rf"(?P<name>[A-Z][^()\n]{{2,80}}?)\s*\(\s*(?:as\s+)?(?:the\s+)?[“\"]?{role}[”\"]?\s*\)", part.text)
        if named is None:
            return False
        filer = set()
        for name in [self.doc.filing.company or "", *getattr(self.doc.filing, "former_names", [])]:
            filer |= distinctive_words(name, min_len=3)
        return not (distinctive_words(named["name"], min_len=3) & filer)

    def _defined_loans(self, s: Sentence, part: Part, found: list[tuple[int, int, _Instrument]]) -> None:
        """A loan named by its defined term: "the Sponsor has agreed to lend us up to $3,000,000 pursuant
        to a promissory note (the “Sponsor Note”)". The reading layer found the term; the words before
        it must speak of lending, and not of the filer lending to others."""
        for term in self.reading.terms if self.reading is not None else ():
            if not s.start <= term.start < s.end or not _LOAN_TERM.search(term.term) or term.term.lower() in self.aliases:
                continue
            at, end = term.start - s.start, term.end - s.start
            lead = term.referent
            if any(s0 <= at < e0 or at <= s0 < end for s0, e0, _ in found) or not _LENDING.search(lead) or _LENDER.search(lead):
                continue
            if self._borrower_is_another_party(lead, part):
                continue
            noun = _LOAN_TERM.search(term.term).group().lower()
            kind: DebtKind = "term_loan" if "term loan" in noun else "credit_facility" if re.search(r"facility|line|credit", noun) else "other"
            if kind == "other" and noun.endswith("loan") and _FIXED_LOAN.search(lead):
                kind = "term_loan"  # "provided for a $10,000,000 loan ... (the “October Loan”)": one sum lent, not a line
            inst = next((i for i in self.instruments if i.name.lower() == term.term.lower()), None)
            if inst is None:
                inst = _Instrument(name=term.term, kind=kind, coupon=None, year=None)
                self.instruments.append(inst)
            inst.name_ev = inst.name_ev or self._ev(s, part, "name")
            self.aliases[term.term.lower()] = inst
            self.capitalized.add(term.term.lower())
            found.append((at, end, inst))

    def _alias(self, text: str, end: int, inst: _Instrument, at: int | None = None) -> None:
        m = _DEFINED_TERM.match(text[end : end + 80])
        term = (m["term"] or m["bare"]).strip() if m else None
        if term is None and at is not None and self.reading is not None:
            # "1.00% convertible senior secured notes due five years from the Closing (the “Convertible Notes”)":
            # the reading layer's term defined right after the name, past words that only qualify it.
            for defined in self.reading.terms:
                gap = defined.start - (at + end)
                if 0 <= gap <= 60 and not re.search(r"[(“\";,]", between := text[end : end + gap]) and not _NOTE_NAME.search(between):
                    term = defined.term
                    break
        if term:
            # "the notes"/"Notes" defines the generic reference, which focus already handles.
            if term.lower() in {"notes", "the notes", "new notes"}:
                self.generic_owner = inst
            elif term.lower() not in {"offering", "indenture"}:
                self._define(term, inst)
                year = re.search(r"\b(20\d{2})\b", term)
                if year and inst.year is None:
                    inst.year = int(year.group(1))

    def _define(self, term: str, inst: _Instrument) -> None:
        """`term` is the document's name for `inst` from here on."""
        term = " ".join(term.split())
        self.aliases[term.lower()] = inst
        inst.terms.add(term)

    def _paragraph(self, s: Sentence, part: Part) -> str:
        return part.text[s.start : s.end + 600]

    def _ev(self, s: Sentence, part: Part, name: str) -> Evidence:
        section = part.section_at(s.start)
        locator = f"{part.type} · {section.label}" if section else part.type
        return Evidence(field=name, document=self.doc.file, locator=locator, quote=s.quote)

    # -- reading --------------------------------------------------------------------------

    def read(self) -> list[_Instrument]:
        readings = read(self.doc)
        borrowers = _parties_lent_to(readings)
        for reading in readings:
            if reading.role == "none" or reading.role == "agreement" and _promisor_words(reading.part.text) & borrowers:
                continue  # a note another party made to the filer as lender: the filer's asset, not its debt
            part = reading.part
            scale = 1000.0 if re.search(r"in thousands", part.text[:200000], re.I) and part.type.startswith("10-") else 1.0
            self.focus = self.generic_owner = None
            self.focus_paragraph = self.focus_section = -1
            self._read_term_dates(reading)
            self.reading = reading
            tables = sorted(part.tables, key=lambda t: t.start)
            for s in reading.sentences:
                # A table is read when the walk reaches it, so the prose above it has named its subject.
                while tables and tables[0].start <= s.start:
                    self._table(tables.pop(0), part)
                self._sentence(s, part, scale)
            for table in tables:
                self._table(table, part)
        return self.instruments

    def _read_term_dates(self, reading) -> None:
        """Defined dates: "As of the close of business on December 15, 2025 (the “Capitalization
        Date”)", so a later "as of the Capitalization Date" has its date and the quote stating it."""
        text = reading.part.text
        for term in reading.terms:
            if not re.search(r"\bdate\b", term.term, re.I):
                continue
            dates = find_dates(term.referent)
            if dates and len(term.referent) - dates[-1][1][1] <= 3:
                sentence_start = reading.sentences[term.sentence].start
                begin = max(sentence_start, sentence_start + dates[-1][1][0] - 60)
                while begin > sentence_start and not text[begin - 1].isspace():
                    begin -= 1  # start the quote at a word
                quote = " ".join(text[begin : term.end].split())
                self.term_dates.setdefault(term.term.lower(), (dates[-1][0], self._quote_ev(reading.part, term.start, quote, "outstanding_as_of")))

    # -- tables ---------------------------------------------------------------------------

    def _table(self, table, part: Part) -> None:
        total = schedule_total(part, table)
        if total is not None:
            # "future minimum principal payments due on the note payable": the loan in focus.
            subject = self.focus
            if subject is None:
                # A page header between the loan's paragraph and its table ended the focus; the
                # lead names the loan ("future note payable principal payments").
                noun = re.search(r"\b(?:note\s+payable|term\s+loan|loan|facility|mortgage)\b", total.lead, re.I)
                subject = self._facility_subject(noun.group()) if noun else None
            if subject is not None and subject.kind != "convertible":
                subject.set("outstanding_usd", total.outstanding_usd, self._quote_ev(part, table.start, total.quote, "outstanding_usd"))
                if total.as_of:
                    subject.set("outstanding_as_of", total.as_of, self._quote_ev(part, table.start, total.lead, "outstanding_as_of"))
            return
        grid = next((g for g in self.reading.grids if g.table is table), None) if self.reading is not None else None
        terms = terms_rows(part, grid) if grid is not None else []
        for row in terms:
            # A terms table: one record per series, each value quoted by its row, its headers in the locator.
            inst = self._row_instrument(row, part)
            if inst is None:
                continue
            for name, value in row.values.items():
                quote, at = row.quotes[name]
                ev = self._quote_ev(part, at, quote, name)
                inst.set(name, value, ev.model_copy(update={"locator": f"{ev.locator} · table: {row.label} × {row.headers}"}))
            if "maturity_date" in row.values:
                inst.set("maturity_year", int(str(row.values["maturity_date"])[:4]), inst.evidence["maturity_date"].model_copy(update={"field": "maturity_year"}))
        if terms:
            return
        for row in debt_rows(part, table):
            inst = self._row_instrument(row, part)
            if inst is None:
                continue
            ev = lambda name: self._quote_ev(part, row.start, row.quote, name)  # noqa: E731
            for name in ("outstanding_usd", "carrying_value_usd", "coupon_pct", "maturity_date", "maturity_year"):
                value = getattr(row, name)
                if value is not None and not (name == "coupon_pct" and (inst.blank_coupon or "rate_text" in inst.values)):
                    inst.set(name, value, ev(name))
            if row.as_of and "outstanding_usd" in inst.evidence and inst.evidence["outstanding_usd"].quote == ev("x").quote:
                inst.set("outstanding_as_of", row.as_of, self._quote_ev(part, table.start, row.as_of_quote or "", "outstanding_as_of"))

    def _row_instrument(self, row: DebtRow, part: Part) -> _Instrument | None:
        """The instrument a table row is about: one the document names, else a new one named by the row.

        A row whose label fits several instruments ("Matrixport Loans" for three loans) is their
        aggregate and is not any one of them.
        """
        s = Sentence(row.label, row.start, row.start + len(row.label))
        mentioned = {id(m[2]): m[2] for m in self._mentions(s, part)}
        if len(mentioned) == 1:
            return next(iter(mentioned.values()))
        if mentioned:
            return None
        words = _distinct_words(row.label)
        fits = [i for i in self.instruments if words & _distinct_words(i.name)]
        if len(fits) == 1:
            return fits[0]
        if fits:
            return None
        if not words and not re.fullmatch(r"(?:\w+\s+)?(?:credit\s+|financing\s+|loan\s+)?(?:facility|line\s+of\s+credit|credit\s+agreement)", row.label, re.I):
            # A class row ("Convertible notes", "Loans payable") may hold several instruments;
            # a single named facility ("Financing Facility") is one.
            return None
        noun = _HEADING_NOUN.search(row.label)
        kind = _note_kind(row.label) if re.search(r"notes|debentures|bonds", row.label, re.I) else _facility_kind(noun.group()) if noun else "other"
        inst = _Instrument(name=row.label, kind=kind, coupon=None, year=None, from_table=True)
        inst.name_ev = self._quote_ev(part, row.start, row.quote, "name")
        self.instruments.append(inst)
        return inst

    def _quote_ev(self, part: Part, at: int, quote: str, name: str) -> Evidence:
        section = part.section_at(at)
        locator = f"{part.type} · {section.label}" if section else part.type
        return Evidence(field=name, document=self.doc.file, locator=locator, quote=" ".join(quote.replace("|", " ").split()))

    def _target(self, pos: int, mentions: list[tuple[int, int, _Instrument]]) -> _Instrument | None:
        before = [m for m in mentions if m[0] <= pos]
        if before:
            return before[-1][2]
        if mentions:
            return mentions[0][2]
        return self.focus

    def _sentence(self, s: Sentence, part: Part, scale: float) -> None:
        text = s.text
        if len(text) > 3000:
            # A run-on sentence of enumerated clauses ("(i) ... entered into ..., (ii) ..."): each clause
            # is a statement of its own. Anything else this long is a flattened table or boilerplate.
            cuts = [m.start("mark") for m in _CLAUSE.finditer(text)]
            if len(cuts) >= 2:
                for a, b in zip([0, *cuts], [*cuts, len(text)]):
                    if b - a >= 3 and b - a <= 3000:
                        self._sentence(Sentence(text[a:b], s.start + a, s.start + b, s.paragraph), part, scale)
            return
        if re.match(r"\s*(?:\d{1,3}\.\d{1,3}[*†#]*\s|Form\s+of\b)", text):
            return  # an exhibit index entry names agreements, it does not state their terms
        if _is_heading(s, part.text):
            self._heading(s, part)
            return
        mentions = self._mentions(s, part)
        self._secured_including(s, part)
        for _, _, inst in mentions:
            inst.mentions += 1
            if _RETIRING.search(text):
                inst.retiring_mentions += 1
        generic = _GENERIC_NOTES.search(text) or _GENERIC_FACILITY.search(text)
        facility_ref = _GENERIC_FACILITY.search(text)
        subject = None
        if not mentions and facility_ref and not _GENERIC_NOTES.search(text):
            # "The note payable matures in December 2035" speaks of a loan, never of the notes in focus.
            subject = self._facility_subject(facility_ref.group(0))
            if subject is None:
                return
            self.focus = subject
        # A sentence naming nothing continues the paragraph's subject: "They will mature on ...",
        # "Each $1,000 of principal will initially convert into 52.1832 shares".
        continues = self.focus is not None and (s.paragraph == self.focus_paragraph or self._in_focus_section(s, part))
        if not mentions and not (generic and self.focus) and not continues:
            return
        ev = lambda name: self._ev(s, part, name)  # noqa: E731

        # Money: principal, option.
        granted = self._option_grants(s, part, text, scale, mentions)
        for value, (a, b) in find_money(text, scale=scale):
            if value <= 0 or (a, b) in granted:
                continue
            before, after = text[max(0, a - 60) : a], text[b : b + 90]
            if re.match(r"\s*per\s+(?:share|ordinary|class|common)", after, re.I) or re.search(r"per\s*$", before, re.I):
                continue
            if in_denomination((a, b), text):
                continue  # "each $1,000 principal amount": the unit a term is stated per, never a principal
            target = self._money_target(a, b, text, mentions)
            if target is None:
                continue
            if re.search(r"additional\s*$", before, re.I) and re.search(r"option|over-allotment", text, re.I):
                exercised = re.search(r"exercised\s+in\s+full|(?:full\s+)?exercise\s+in\s+full|full\s+exercise", text, re.I)
                if re.search(r"\bincludes?\b[^.]{0,40}$", text[max(0, a - 50) : a], re.I) or exercised and re.search(
                    r"\binclud(?:es|ing|ed)\b", text[:a], re.I
                ):
                    # "$650,000 ..., including the exercise in full of their option to purchase up to an
                    # additional $100,000": the total already counts the option.
                    target.option_included = True
                    continue
                target.set("option_usd", value, ev("option_usd"))
                if exercised and target.evidence.get("option_usd") is not None and target.evidence["option_usd"].quote == s.quote:
                    # "completion of ... an additional US$45.0 million ..., pursuant to the full exercise ... of
                    # their option granted in connection with the ... private placement of US$330.0 million":
                    # the notes issued are the base plus the option.
                    target.option_exercised = True
                continue
            if re.search(r"\bincludes?\s*$", before, re.I) and re.search(r"option", text, re.I):
                target.option_included = True
                continue
            if (_OUTSTANDING_BEFORE.search(before) and not _NEW_PRINCIPAL.search(before)) or _OUTSTANDING_AFTER.match(after) \
                    or _RESPECTIVELY_OUTSTANDING.match(after) \
                    or (_OUTSTANDING_OF.match(after) and _AS_OF_LEAD.search(text[:a])):
                if _RETIRING.search(before[-30:]) or re.search(r"\brepaid\b", before[-30:], re.I):
                    continue  # "repaid the $50,000 outstanding balance": a balance that is gone
                # "unpaid principal balance of $1,143 as of December 31, 2024"; "$6,731 principal payments outstanding"
                if target.kind != "convertible" or "principal" in (before[-40:] + after[:40]).lower():
                    target.set("outstanding_usd", value, ev("outstanding_usd"))
                    dates = [d for d, (da, _) in find_dates(text) if re.search(r"\b(?:at|as\s+of|on)\s*$", text[max(0, da - 8) : da], re.I)]
                    mine = "outstanding_usd" in target.evidence and target.evidence["outstanding_usd"].quote == s.quote
                    if dates and mine:
                        target.set("outstanding_as_of", dates[0], ev("outstanding_as_of"))
                    elif mine:
                        named = re.search(r"\b(?i:at|as\s+of|on)\s+the\s+(?P<term>(?:[A-Z][\w-]*\s+){0,4}Date)\b", text[:a])
                        if named and named["term"].lower() in self.term_dates:
                            iso, date_ev = self.term_dates[named["term"].lower()]
                            target.set("outstanding_as_of", iso, date_ev)
                continue
            if _RETIRING.search(text[max(0, a - 80) : a]) or re.search(r"outstanding|net proceeds of|cost", before[-25:], re.I):
                continue
            if _TOTAL_PRINCIPAL.search(text[max(0, a - 160) : a]) and target.kind == "convertible":
                # "taken together, the total aggregate principal amount of the Convertible Notes to be issued ... will be
                # $574,693,000": the sum of the tranches the document told one by one replaces the first tranche.
                if value > float(target.values.get("principal_usd") or 0):
                    target.values.pop("principal_usd", None)
                    target.set("principal_usd", value, ev("principal_usd"))
                continue
            if self._states_principal(before, after, target):
                if re.search(r"\bor\s+(?:up\s+to\s+)?$", before[-15:], re.I) or re.search(r"^\s*if\b", after, re.I):
                    # "(or $150,000,000 if the underwriters exercise their option)": the total with the option.
                    base = target.values.get("principal_usd")
                    if isinstance(base, float) and value > base:
                        target.set("option_usd", value - base, ev("option_usd"))
                    continue
                funded = re.search(r"\breceived\s+(?:a\s+loan\s+of|an?)\s*$", before, re.I)
                if funded and target.commitment_only and target.kind != "credit_facility":
                    # "provided for up to $35,000 of borrowings ... received a loan of $20,000 at closing": a
                    # term loan's principal is what was lent, not the commitment it was lent under.
                    target.values.pop("principal_usd", None)
                    target.commitment_only = False
                if "principal_usd" not in target.values and COMMITMENT_BEFORE_RE.search(before):
                    target.commitment_only = True
                target.set("principal_usd", value, ev("principal_usd"))

        self._none_outstanding(s, part, text, mentions)

        # The subject comes first: "The November 2029 notes bear interest at 5.25% ... exchanges of our 8.50% notes".
        # Without a name, "the notes" are the notes defined as such; anything else is the subject in focus.
        owner = self.generic_owner if self.generic_owner is not None and (_GENERIC_NOTES.search(text) or self.focus is None) else None
        if owner is not None and self.focus is not None and (self._in_focus_section(s, part) or self.focus is self.heading_subject and s.paragraph == self.focus_paragraph):
            owner = None  # under a heading naming the focus, "the Notes" are the focus
        target = mentions[0][2] if mentions else (subject or owner or self.focus)
        if target is None:
            return
        self._terms(s, part, text, target, mentions)
        # Notes named only as being repurchased or exchanged do not take the focus.
        current = [m[2] for m in mentions if not _RETIRING.search(text[max(0, m[0] - 80) : m[0]])]
        if current:
            self.focus = current[-1]
        if self.focus is not None and (current or target is self.focus):
            self.focus_paragraph = s.paragraph
            section = part.section_at(s.start)
            self.focus_section = section.start if section is not None else -1

    def _none_outstanding(self, s: Sentence, part: Part, text: str, mentions: list) -> None:
        """"As of September 18, 2025, ... has no outstanding loans ... under the Master Loan Agreement",
        "there is no outstanding balance on the line of credit": a balance of zero at that date."""
        m = NONE_OUTSTANDING_RE.search(text)
        if m is None:
            return
        after = [f for f in mentions if f[0] >= m.start()]
        target = after[0][2] if after else self._target(m.start(), mentions)
        if target is None or target.kind == "convertible":
            return
        target.set("outstanding_usd", 0.0, self._ev(s, part, "outstanding_usd"))
        dates = [d for d, (da, _) in find_dates(text) if da < m.start() and re.search(r"\b(?:at|as\s+of|on)\s*$", text[max(0, da - 8) : da], re.I)]
        if dates and target.evidence["outstanding_usd"].quote == s.quote:
            target.set("outstanding_as_of", dates[-1], self._ev(s, part, "outstanding_as_of"))

    def _option_grants(self, s: Sentence, part: Part, text: str, scale: float, mentions: list) -> set[tuple[int, int]]:
        """Options granted to buy more of the notes: "granted the Investors (i) an option to purchase additional
        Convertible Notes in an aggregate principal amount of up to $125 million ..., (ii) an option to purchase
        additional Convertible Notes ... of up to $125 million". Several grants in one sentence add up to the
        option (the gate accepts the sum of amounts in a quote that says "additional"). Returns their spans."""
        if not _OPTION_GRANT.search(text) or re.search(r"\bexercis(?:ed|es)\b", text, re.I):
            return set()
        grants = [(v, span) for v, span in find_money(text, scale=scale) if v > 0 and _ADDITIONAL_AMOUNT.search(text[max(0, span[0] - 120) : span[0]])]
        if not grants:
            return set()
        target = self._money_target(grants[0][1][0], grants[0][1][1], text, mentions)
        if target is not None:
            target.set("option_usd", sum(v for v, _ in grants), self._ev(s, part, "option_usd"))
        return {span for _, span in grants}

    def _in_focus_section(self, s: Sentence, part: Part) -> bool:
        """A section headed by one loan's name ("Master Loan Agreement") is about the loan its prose
        introduced: its later paragraphs speak of that loan without naming it again."""
        section = part.section_at(s.start)
        if section is None or section.start != self.focus_section:
            return False
        heading = section.label.split("›")[-1]
        return len(_HEADING_NOUN.findall(heading)) == 1 and not re.search(r"\b(?:and|&)\b|s\s*$", heading.strip(), re.I)

    def _secured_including(self, s: Sentence, part: Part) -> None:
        """"rank effectively junior to any of our secured indebtedness ..., including the Matrixport
        Loans": the instruments (or the group) named as examples of secured debt are secured."""
        m = _SECURED_INCLUDING.search(s.text)
        if m is None:
            return
        named = s.text[m.end() : m.end() + 80]
        for term, members in [*self.groups.items(), *((t, [i]) for t, i in self.aliases.items() if i is not None)]:
            if re.match(r"(?:the\s+|our\s+)?" + re.escape(term) + r"(?!\w)", named, re.I):
                for inst in members:
                    inst.set("secured", True, self._ev(s, part, "secured"))
                return

    def _heading(self, s: Sentence, part: Part) -> None:
        """A sub-heading ("Mortgage - Corporate Office") ends the previous instrument's paragraphs;
        one that names a single loan makes it the subject of the paragraphs below it."""
        self.focus, self.focus_paragraph = None, -1
        nouns = _HEADING_NOUN.findall(s.text)
        # "Auto and Equipment Loans" is one group of loans; "Auto Loans and Western Alliance
        # Equipment Financing Agreement" is two instruments under one heading.
        named = [p for p in re.split(r"\s+(?:and|&)\s+", s.text) if _LOAN_WORD.search(p)]
        if self._not_borrowed(s, part):
            return
        if len(named) > 1 or len(nouns) > 1:
            # The paragraphs below speak of the first one until the next is introduced ("Additionally,
            # ... entered into an equipment financing agreement with Western Alliance Bank").
            self._heading_first_of_several(s, part, named)
            return
        if not nouns and not self._names_a_lender_loan(s, part):
            return
        name = " ".join(s.text.split()).rstrip(".")
        kind = _facility_kind(nouns[0]) if nouns else "other"
        inst = next((i for i in self.instruments if i.name.lower() == name.lower()), None)
        if inst is None and nouns and not _distinct_words(name):
            # "Note Payable" over the paragraph of "a $5.7 million note payable" named earlier: that loan.
            same = [i for i in self.instruments if i.kind != "convertible" and re.search(rf"\b{re.escape(nouns[0])}\b", i.name, re.I)]
            if re.match(r"convertible", nouns[0], re.I):
                # "Convertible Note" over the paragraphs of notes introduced only by size and term: those notes.
                same = [i for i in self.instruments if i.kind == "convertible" and i.introduced]
            inst = same[0] if len(same) == 1 else None
        if inst is None:
            inst = _Instrument(name=name, kind=kind, coupon=None, year=None)
            self.instruments.append(inst)
        inst.name_ev = inst.name_ev or self._ev(s, part, "name")
        run_in = s.end < len(part.text) and part.text[s.end] != "\n"
        self.focus, self.focus_paragraph = inst, s.paragraph + (0 if run_in else 1)
        self.heading_subject = inst

    def _heading_first_of_several(self, s: Sentence, part: Part, named: list[str]) -> None:
        """A heading over two instruments whose first is a group of loans ("Auto and Equipment Loans and
        Western Alliance Equipment Financing Agreement"): the paragraph under it opens with the first."""
        if len(named) < 2 or s.text.find(named[1]) <= 0:
            return
        first = re.sub(r"\s+(?:and|&)\s*$", "", s.text[: s.text.find(named[1])]).strip()
        if not re.search(r"\bloans\b", first, re.I) or not _distinct_words(first):
            return  # only a plural loan group reads as one instrument
        inst = next((i for i in self.instruments if i.name.lower() == first.lower()), None)
        if inst is None:
            inst = _Instrument(name=first, kind="other", coupon=None, year=None)
            self.instruments.append(inst)
        inst.name_ev = inst.name_ev or self._ev(s, part, "name")
        self.focus, self.focus_paragraph = inst, s.paragraph + 1

    @staticmethod
    def _names_a_lender_loan(s: Sentence, part: Part) -> bool:
        """A heading without a loan noun ("Marquee Funding Partners") in a debt note, whose paragraph
        opens by speaking of loans or mortgages: the heading is the lender, the paragraph its loan."""
        section = part.section_at(s.start)
        if section is None or not _DEBT_SECTION.search(section.label) or re.search(r"\d", s.text) \
                or not _distinct_words(s.text) \
                or re.search(r"\b(?:facilities|notes|statements|financial|debt|credit|other)\b", s.text, re.I):
            # "Other borrowings", "Revolving Credit Facilities": a heading over several instruments.
            return False
        following = part.text[s.end : s.end + 400].lstrip()
        first = re.split(r"(?<=[.;])\s", following, maxsplit=1)[0]
        return bool(_LOAN_WORD.search(first))

    def _facility_subject(self, reference: str) -> _Instrument | None:
        """The loan or facility a generic reference ("the note", "the facility") speaks of."""
        noun = reference.split()[-1].lower()
        if self.focus is not None and self.focus.kind != "convertible" and "notes" not in self.focus.name.lower():
            if noun in ("facility", "loan", "note") or noun in self.focus.name.lower():
                return self.focus
        for inst in reversed(self.instruments):
            if inst.kind != "convertible" and re.search(rf"\b{re.escape(noun)}\b", inst.name, re.I):
                return inst
        return None

    def _money_target(self, a: int, b: int, text: str, mentions: list[tuple[int, int, _Instrument]]) -> _Instrument | None:
        # "$212 million in aggregate principal amount of its existing notes due 2026": the name follows.
        follow = [m for m in mentions if b <= m[0] <= b + 90]
        if follow and re.match(r"[^$.;]*principal\s+amount\s+of\b", text[b : follow[0][0]], re.I):
            return follow[0][2]
        if follow and follow[0][0] - b <= 25:
            return follow[0][2]
        return self._target(a, mentions)

    @staticmethod
    def _states_principal(before: str, after: str, target: _Instrument) -> bool:
        # "(million )?": a scale word left after an amount already written in full ("$41,950,000 million").
        if re.match(r"\s*(?:(?:million|billion)\s+)?(?:in\s+)?(?:aggregate\s+)?(?:original\s+)?principal\s+(?:amount\b|of\b)", after, re.I):
            return True
        if re.search(r"(?:aggregate\s+)?principal\s+amount\s+(?:of\s+)?(?:[^$.;]{0,50}?\b(?:was|is|of|totaling|totalling)\s+)?(?:up\s+to\s+)?$", before, re.I):
            return True
        if target.kind == "convertible" or "notes" in target.name.lower():
            return bool(re.match(r"\s+(?:\d+(?:\.\d+)?%\s+)?(?:convertible|senior|secured)[\w\s]{0,30}?(?:notes|transaction|offering)\b", after, re.I))
        # Facilities state their size: "a $50.0 million Revolving Credit Facility", "up to $100 million",
        # "credit limit of $50,000", "a loan of $20,000", "in the amount of $7,000".
        if re.match(rf"\s+(?:[\w-]+\s+){{0,3}}{_FACILITY_NOUN}", after, re.I):
            return True
        if re.search(r"\b(?:an?|one|single)\s*$", before, re.I) and re.match(r"\s+(?:[\w-]+\s+)?loan\b", after, re.I) \
                and (re.search(r"\breceived\s+an?\s*$", before, re.I) or any(re.search(r"\bloan\b", n, re.I) for n in (target.name, *target.terms))):
            # "received a $20,000 thousand loan at closing"; "provided for a $10,000,000 loan ... (the “October
            # Loan”)". A loan's size, not that of a note payable beside it ("a $5.0 million secured loan and a
            # $5.7 million note payable").
            return True
        if re.search(r"\b(?:increased|upsized|expanded)\b[^$.;]{0,30}?\bto\s*$", before, re.I):
            return True  # "which in September 2025, we increased to US$26.0 million": its size now
        return bool(re.search(r"(?:up\s+to|(?:credit\s+)?limit\s+of|(?:a|the)\s+loan\s+of|in\s+the\s+amount\s+of|borrowings\s+of\s+up\s+to)\s*$", before, re.I))

    def _terms(self, s: Sentence, part: Part, text: str, target: _Instrument, mentions: list) -> None:
        ev = lambda name: self._ev(s, part, name)  # noqa: E731
        if target.kind == "credit_facility" and not re.search(r"revolving|line\s+of\s+credit", target.name, re.I) \
                and LOAN_IN_TOKENS_RE.search(text):
            # A loan agreement under which a digital asset is lent: the debt is a loan of that asset,
            # not a dollar credit line (its dollar principal is only what the document says it is).
            target.kind = "other"
        # Coupon: fixed rates; floating rates go to rate_text instead.
        floating = parse_rate_text(text)
        if floating and re.search(r"interest|rate", text, re.I):
            target.set("rate_text", str(floating), ev("rate_text"))
        elif re.search(r"\b(?:will\s+)?not\s+bear\s+(?:regular\s+|any\s+)?interest\b|\bzero[- ]coupon\b|\bnon-interest[- ]bearing\b", text, re.I):
            if target.coupon is None and not target.blank_coupon:
                target.set("coupon_pct", 0.0, ev("coupon_pct"))
        else:
            coupon = find_coupon(text)
            # A swap's fixed rate is the hedge's, not the loan's coupon.
            if coupon and not is_blank(text[coupon[1][0] : coupon[1][1] + 3]) and not re.search(r"\bswap\b", text, re.I):
                target.set("coupon_pct", coupon[0], ev("coupon_pct"))
        # Maturity.
        if re.search(r"\bmatur", text, re.I):
            date = maturity_date_from_text(text)
            if date:
                target.set("maturity_date", date, ev("maturity_date"))
                target.set("maturity_year", int(date[:4]), ev("maturity_year"))
            else:
                m = re.search(r"\bmatur(?:es?|ed)\s+in\s+(?P<rest>\w+\.?\s+\d{4})", text, re.I)
                month_year = parse_month_year(m["rest"]) if m else None
                if month_year:
                    target.set("maturity_year", month_year[0], ev("maturity_year"))
        # Conversion terms (extract/terms.py): shares per $1,000 and the price per share.
        rate = find_conversion_rate(text)
        if rate:
            target.set("conversion_rate_per_1000", rate[0], ev("conversion_rate_per_1000"))
        price = find_conversion_price(text)
        if price:
            target.set("conversion_price_usd", price[0], ev("conversion_price_usd"))
        # Issue (closing, settlement, signing) date.
        self._issue_date(s, part, text, target)
        # Security.
        if re.search(r"\bunsecured\s+obligations?\b", text, re.I):
            target.set("secured", False, ev("secured"))
        elif COLLATERAL_RE.search(text) and not RANKING.search(text):
            target.set("secured", True, ev("secured"))
        elif re.search(r"^\s*(?:the\s+)?mortgages?\b|\bassumed\s+(?:\w+\s+){0,2}mortgages?\b|\bmortgages?\s+assumed\b", text, re.I):
            # A mortgage is a loan secured by real property: a sentence about the loan as a mortgage says so.
            target.set("secured", True, ev("secured"))

    def _issue_date(self, s: Sentence, part: Part, text: str, target: _Instrument) -> None:
        dates = find_dates(text)
        if not dates:
            return
        ev = self._ev(s, part, "issue_date")
        # "On November 20, 2024, the Company completed ... offering"; "On April 22, 2025, the Company entered into".
        # "On August 14, 2024, ..."; "Additionally, on August 28, 2024, the Company entered into ..."
        # "To advance the Company's planned SOL treasury operation, on September 18, 2025, ... entered into":
        # the same statement behind a leading clause of purpose.
        m = re.match(r"\s*(?:(?:Additionally|Also|Further|Furthermore|Subsequently|Separately|In\s+addition|Later),\s+|[A-Z][^,;$]{2,120},\s+)?[Oo]n\s+", text)
        if m and not dates[0][1][0] <= m.end() + 2:
            m = None
        notes = target.kind == "convertible" or re.search(r"\bnotes\b", target.name, re.I)
        if m and notes and re.search(r"\bentered\s+into\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}(?:agreements?|letters?)\b", text[:400], re.I) \
                and not re.search(r"\bentered\s+into\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}indenture", text[:400], re.I):
            return  # notes agreed to be bought are not issued yet: a purchase agreement's date is not the issue date
        if m and dates[0][1][0] <= m.end() + 2 and re.search(
            r"\b(?:completed|closed)\b[^.]{0,80}\b(?:offering|sale|issuance)\b|\bentered\s+into\b|\bsigned\b|\bexecuted\b|\bissued\b",
            text[: 400],
            re.I,
        ) and not re.search(r"\b(?:press\s+release|announc\w+|priced|pricing)\b", text[:200], re.I) or m and dates[0][1][0] <= m.end() + 2 \
                and target.kind != "convertible" and re.search(r"\b(?:borrowed|refinanc\w+|drew|obtained\s+a\s+loan|(?:agreed|committed)\s+to\s+(?:loan|lend))\b", text[:400], re.I):
            target.set("issue_date", dates[0][0], ev)
            return
        for iso, (a, b) in dates:
            before = text[max(0, a - 80) : a]
            other = re.search(r"(?P<noun>(?:[\w-]+\s+){1,3}agreement)\s+(?:signed|executed|dated|entered\s+into)\s+(?:on|as\s+of)\s*$", before, re.I)
            if other and not _LOAN_WORD.search(other["noun"]) and not re.search(r"\b(?:credit|loan|financing|note)\b", other["noun"], re.I):
                continue  # "a registration rights agreement entered into on January 6, 2025" dates another agreement
            if target.kind != "convertible" and re.search(r"\b(?:signed|executed|dated|entered\s+into|taken\s+out|originated)\s+(?:on|as\s+of)\s*$", before, re.I):
                target.set("issue_date", iso, ev)  # "a Master Loan Agreement signed on August 7, 2024"; "a mortgage taken out on ..."
                return
            if target.kind != "convertible" and re.search(r"\b(?:an?|the|its)\s*$", before, re.I) and re.match(
                r"\s+(?:[A-Z][\w-]*\s+){0,4}(?:Agreement|Facility)\b", text[b : b + 80]
            ):
                target.set("issue_date", iso, ev)  # "An April 22, 2022 Master Equipment Financing Agreement": the agreement's date
                return
            if re.search(r"(?:expected\s+to\s+close|will\s+close|closing(?:\s+date)?(?:\s+is\s+expected(?:\s+to\s+(?:occur|take\s+place))?)?)\s+on\s*$", before, re.I) or (
                # "closed its private placement of ... notes due 2031 on December 4, 2024"
                re.search(r"\b(?:closed|completed|consummated)\b(?:[^.;]|\.(?=\d)){0,160}?\bon\s*$", before + " ", re.I)
                and not re.search(r"\b(?:announc\w*|press\s+release|priced|pricing)\b", text[: a], re.I)
            ) or (
                re.search(r"on\s+or\s+about\s*$", before, re.I) and re.search(r"deliver|settle|clos", text, re.I)
                and re.search(r"notes", text, re.I)
            ):
                target.set("issue_date", iso, ev)
                return


def _finish(inst: _Instrument, doc: Document) -> DebtInstrument | None:
    values = dict(inst.values)
    if inst.year is not None and "maturity_year" not in values:
        values["maturity_year"] = inst.year
        candidates = [inst.name_ev, *inst.evidence.values()]
        name_ev = next((e for e in candidates if e is not None and str(inst.year) in e.quote), None)
        if name_ev is not None:
            inst.evidence["maturity_year"] = name_ev.model_copy(update={"field": "maturity_year"})
        else:
            values.pop("maturity_year")
    if inst.option_included:
        values.pop("option_usd", None)
        inst.evidence.pop("option_usd", None)
    elif inst.option_exercised and "principal_usd" in values and "option_usd" in values \
            and inst.evidence["principal_usd"].quote == inst.evidence["option_usd"].quote:
        # One sentence states the base and the exercised option: the notes issued are both.
        values["principal_usd"] = float(values["principal_usd"]) + float(values["option_usd"])
    if "rate_text" in values:
        # A floating rate has no fixed coupon; a percent seen elsewhere is a reset or a hedge.
        values.pop("coupon_pct", None)
    if inst.blank_coupon:
        for blankable in ("coupon_pct",):
            values.pop(blankable, None)
            inst.evidence.pop(blankable, None)
    if "secured" not in values and inst.name_ev is not None and re.search(r"\bmortgages?\b", inst.name, re.I):
        # A mortgage is a loan secured by real property; its name says so.
        values["secured"] = True
        inst.evidence["secured"] = inst.name_ev.model_copy(update={"field": "secured"})
    _terms_of_name(inst, values)
    terms = {k for k in values if k not in {"maturity_year", "secured"}}
    mention_only = not terms
    if mention_only and inst.retiring_mentions == 0:
        return None  # named in passing without a single term and not being retired: noise
    if inst.kind != "convertible" and inst.kind in ("credit_facility", "term_loan", "other") and "principal_usd" not in values and not terms \
            and not (inst.retiring_mentions and re.search(r"\bnotes\b", inst.name, re.I)):
        return None  # a loan named without terms; notes being repurchased are still worth a mention
    evidence = [e for k, e in inst.evidence.items() if k in values]
    if inst.name_ev is not None:
        evidence.append(inst.name_ev)
    return DebtInstrument(
        ticker=doc.filing.ticker,
        name=inst.name,
        kind=inst.kind,
        mention_only=mention_only,
        aliases=sorted(inst.terms),
        evidence=evidence,
        **values,
    )


_CORPORATE_WORDS = {"inc", "corp", "corporation", "company", "ltd", "llc", "holdings", "group", "the", "limited", "plc", "technologies", "technology"}
# "TMTG has agreed to fund $200 million to TAE": the party the filer lends to.
_LENT_TO = re.compile(r"\b(?:fund|lend|advance)\s+(?:up\s+to\s+)?(?:US)?\$\s?[\d,.]+(?:\s*(?:million|billion))?\s+to\s+(?P<who>[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,3})")
# "FOR VALUE RECEIVED, TAE TECHNOLOGIES, INC., a Delaware corporation (the “Company”), promises to pay": who owes.
_PROMISOR = re.compile(r"VALUE\s+RECEIVED,?\s+(?P<who>[^()]{2,120}?)\s*(?:\([^)]{0,40}\)\s*)?,?\s+(?:hereby\s+)?(?:unconditionally\s+)?promises\s+to\s+pay", re.I)


def _name_words(name: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z0-9]+", name.lower()) if w not in _CORPORATE_WORDS and len(w) > 1}


def _parties_lent_to(readings) -> set[str]:
    """Distinctive name words of the parties the document says the filer lends to."""
    words: set[str] = set()
    for reading in readings:
        if reading.role == "narrative":
            for m in _LENT_TO.finditer(reading.part.text):
                words |= _name_words(m["who"])
    return words


def _promisor_words(text: str) -> set[str]:
    """Distinctive name words of who promises to pay under a note exhibit ("FOR VALUE RECEIVED, X ... promises to pay")."""
    m = _PROMISOR.search(text[:5000])
    return _name_words(re.split(r",\s+an?\s+", m["who"])[0]) if m else set()


def _terms_of_name(inst: _Instrument, values: dict[str, object]) -> None:
    """Terms a note's name states: "Senior Secured Notes" are secured, "unsecured ... notes" are not,
    "Notes due May 29, 2028" mature that day. Only where the naming sentence says so verbatim."""
    ev = inst.name_ev
    if ev is None or inst.kind not in ("convertible", "senior_secured", "senior_unsecured"):
        return
    said = re.search(r"\b(un)?secured\b", inst.name, re.I)
    if "secured" not in values and said and said.group().lower() in ev.quote.lower():
        values["secured"] = said.group(1) is None
        inst.evidence["secured"] = ev.model_copy(update={"field": "secured"})
    date = maturity_date_from_text(inst.name)
    if "maturity_date" not in values and date and inst.year == int(date[:4]):
        values["maturity_date"] = date
        inst.evidence["maturity_date"] = ev.model_copy(update={"field": "maturity_date"})


def _fold_unpriced(instruments: list[_Instrument]) -> list[_Instrument]:
    """A name without a coupon ("convertible senior notes due 2032") and the same notes with it
    ("0.00% Convertible Senior Notes due 2032") are one instrument when nothing sets them apart."""
    out = list(instruments)
    for bare in list(out):
        if bare.coupon is not None or bare.blank_coupon:
            continue
        twins = [i for i in out if i is not bare and i.kind == bare.kind and i.year == bare.year and i.year is not None and i.coupon is not None]
        if len(twins) > 1 and bare.name_ev is not None:
            # "proposed private placement of US$360.0 million ... convertible senior notes due 2029, (ii) ...
            # pricing of US$360.0 million ... 5.25% convertible senior notes due 2029": the twin the same
            # sentence names, or the one with the same principal.
            twins = [i for i in twins if any(e.quote == bare.name_ev.quote for e in [i.name_ev, *i.evidence.values()] if e)] \
                or [i for i in twins if "principal_usd" in bare.values and i.values.get("principal_usd") == bare.values["principal_usd"]]
        principal = bare.values.get("principal_usd")
        if len(twins) == 1 and (principal is None or twins[0].values.get("principal_usd") in (None, principal)):
            twin = twins[0]
            for k, v in bare.values.items():
                twin.set(k, v, bare.evidence[k])
            twin.mentions += bare.mentions
            out.remove(bare)
    return out


# Words every loan name shares; what is left names the lender or program ("Trinity", "Marquee").
_GENERIC_NAME_WORDS = {
    "notes", "note", "senior", "convertible", "credit", "facility", "loan", "loans", "agreement", "the", "and",
    "with", "million", "billion", "revolving", "term", "line", "payable", "financing", "master", "company", "debt",
    "due", "secured", "unsecured", "equipment", "arrangement", "principal", "amount", "other", "borrowings",
    "mortgage", "mortgages", "promissory", "offered", "concurrent", "offering",
}  # fmt: skip


def _distinct_words(name: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z0-9]{3,}", name.lower()) if w not in _GENERIC_NAME_WORDS}


def _fold_table_rows(instruments: list[_Instrument]) -> list[_Instrument]:
    """A row read before the prose named its instrument ("Trinity master equipment financing" in the
    table, "Master Equipment Financing Agreement with Trinity Capital Inc." below it) is that instrument."""
    out = list(instruments)
    for row in [i for i in out if i.from_table]:
        words = _distinct_words(row.name)
        twins = [i for i in out if i is not row and not i.from_table and words & _distinct_words(i.name)]
        if len(twins) != 1:
            if not {"outstanding_usd", "carrying_value_usd", "principal_usd"} & row.values.keys():
                out.remove(row)  # a rate with no balance and no prose naming it: nothing to report alone
            continue
        twin = twins[0]
        for k, v in row.values.items():
            twin.set(k, v, row.evidence[k])
        out.remove(row)
    return out


def _fold_year_terms(instruments: list[_Instrument], aliases: dict[str, _Instrument | None]) -> list[_Instrument]:
    """"The July 2031 notes" used before the list of defined terms says which notes they are, or named
    by year while one set of notes of that year is named in full: those notes."""
    out = list(instruments)
    for term in [i for i in out if i.year_term]:
        twin = aliases.get(term.name.lower())
        if twin is None or twin is term:
            same = [i for i in out if i is not term and not i.year_term and i.year == term.year
                    and (i.kind == "convertible" or "notes" in i.name.lower())]
            twin = same[0] if len(same) == 1 else None
        if twin is None:
            continue
        for k, v in term.values.items():
            twin.set(k, v, term.evidence[k])
        twin.mentions += term.mentions
        twin.retiring_mentions += term.retiring_mentions
        out.remove(term)
    return out


def _fold_umbrellas(instruments: list[_Instrument]) -> list[_Instrument]:
    """A master agreement that states no amount of its own (the lender decides loan by loan) is the
    frame of the loans the document goes on to state, not a facility beside them: "entered into a
    master digital currency loan agreement (the “MLA”) ... executed a Loan Term Sheet ... provided for
    a $10,000,000 loan". Its security holds for them. Without a loan stated under it, it stays."""
    out = list(instruments)
    for frame in instruments:
        if not frame.umbrella or frame.values.keys() & {"principal_usd", "outstanding_usd", "coupon_pct", "rate_text"}:
            continue
        loans = [i for i in instruments[instruments.index(frame) + 1 :] if i.kind != "convertible" and "principal_usd" in i.values]
        if not loans:
            continue
        for loan in loans:
            if "secured" in frame.values:
                loan.set("secured", frame.values["secured"], frame.evidence["secured"])
            if len(loans) == 1:
                # "How much did it borrow under its Master Digital Currency Loan Agreement?": the one loan.
                loan.terms |= frame.terms | {frame.name}
        out.remove(frame)
    return out


def debt_from_text(doc: Document) -> list[DebtInstrument]:
    """Every debt instrument the prose of `doc` states terms for, each value with its sentence."""
    reader = _Reader(doc)
    instruments = _fold_umbrellas(_fold_table_rows(_fold_unpriced(_fold_year_terms(reader.read(), reader.aliases))))
    out = []
    for inst in instruments:
        record = _finish(inst, doc)
        if record is not None:
            out.append(record)
    return out
