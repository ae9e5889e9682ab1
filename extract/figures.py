"""Company figures for one period: cash, total debt, interest expense, operating income, D&A, BTC held.

Two sources, in order of trust:
- the inline-XBRL facts of a 10-Q / 10-K: the current period only (the cover's
  dei:DocumentPeriodEndDate), undimensioned facts only, the quarter told from the year to date by
  the length of the fact's period;
- the tables and prose of a document without financial XBRL (an 8-K earnings release, a 424B
  capitalization table): "Cash and cash equivalents | $ 42,966" under "(in thousands)".

Every figure keeps its Evidence: an XBRL fact is cited as "xbrl <fact id> <concept>" with the table
row that displays it (or its displayed text) as the quote; a text figure cites its row or sentence.

Filers tag their statements inconsistently, so each figure takes a chain of concepts and a check
against what the statement row says: a debt concept on a row that names no debt ("Other long-term
liabilities") is not debt; an "Interest expense" row tagged with another concept is still interest.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field

from extract.normalize import find_dates, find_money, parse_date, parse_money, parse_number
from extract.records import CompanyFigures, Evidence
from ingest.errors import BadInput
from ingest.types import Document, Part, XbrlFact

log = logging.getLogger("minerlens.extract.figures")

# ---------------------------------------------------------------------------------------------
# Concepts. Order is preference: the first concept with a current-period fact wins.

# IFRS filers (6-K / 40-F exhibits) use ifrs-full names; only facts in USD are taken.
CASH = ("us-gaap:CashAndCashEquivalentsAtCarryingValue", "us-gaap:Cash", "ifrs-full:CashAndCashEquivalents",
        "us-gaap:CashCashEquivalentsRestrictedCashAndRestrictedCashEquivalents")
OPERATING_INCOME = ("us-gaap:OperatingIncomeLoss", "ifrs-full:ProfitLossFromOperatingActivities")
INTEREST_EXPENSE = ("us-gaap:InterestExpense", "us-gaap:InterestExpenseNonoperating", "us-gaap:InterestExpenseDebt",
                    "us-gaap:InterestAndDebtExpense", "us-gaap:InterestExpenseOther", "us-gaap:InterestExpenseRelatedParty",
                    "ifrs-full:InterestExpense")
# D&A includes depreciation, so when several of these are tagged for one period the largest is
# the statement line; a smaller one is a note's depreciation of property alone (Riot FY2024:
# DepreciationDepletionAndAmortization 206.2 million in the PP&E note, the statements 212,053K).
DEPRECIATION = ("us-gaap:DepreciationDepletionAndAmortization", "us-gaap:DepreciationAndAmortization",
                "us-gaap:DepreciationAmortizationAndAccretionNet", "us-gaap:DepreciationAmortizationAndOther",
                "ifrs-full:DepreciationAndAmortisationExpense")

# Balance-sheet debt lines, by the side of the balance sheet they sit on. A total of these
# (LongTermDebt, LoansPayable, DebtInstrumentCarryingAmount) is used only when no line is tagged:
# summing it with its own parts would count the debt twice.
DEBT_CURRENT = {
    "LongTermDebtCurrent", "LoansPayableCurrent", "ConvertibleNotesPayableCurrent", "ConvertibleDebtCurrent",
    "NotesPayableCurrent", "DebtCurrent", "ShortTermBorrowings", "LineOfCredit", "LinesOfCreditCurrent",
    "SecuredDebtCurrent", "UnsecuredDebtCurrent", "OtherLoansPayableCurrent", "OtherNotesPayableCurrent",
    "SeniorNotesCurrent", "ShortTermBankLoansAndNotesPayable", "NotesPayableRelatedPartiesClassifiedCurrent",
    "BankLoansCurrent", "CommercialPaper", "BridgeLoan",
}
DEBT_NONCURRENT = {
    "LongTermDebtNoncurrent", "LongTermLoansPayable", "ConvertibleLongTermNotesPayable", "ConvertibleDebtNoncurrent",
    "LongTermNotesPayable", "OtherLongTermDebtNoncurrent", "LongTermLineOfCredit", "SecuredLongTermDebt",
    "UnsecuredLongTermDebt", "SeniorLongTermNotes", "NotesPayableRelatedPartiesClassifiedNoncurrent",
    "OtherLoansPayableLongTerm", "LongTermNotesPayableNoncurrent", "ConvertibleNotesPayableNoncurrent",
}
DEBT_TOTAL = ("LongTermDebt", "DebtLongtermAndShorttermCombinedAmount", "ConvertibleNotesPayable", "ConvertibleDebt",
              "LoansPayable", "NotesPayable", "SeniorNotes", "DebtInstrumentCarryingAmount")
# A filer's own concept for a debt line: "clsk:CurrentPortionOfLongTermDebt".
_CUSTOM_DEBT_CURRENT = re.compile(r"^CurrentPortionOf(LongTerm)?(Debt|Loans?|Notes)|^(Loans?|Notes|Convertible\w*)PayableCurrent$")
_CUSTOM_DEBT_NONCURRENT = re.compile(r"^(LongTerm|Convertible)\w*(Debt|Loans?|Notes)\w*(Noncurrent|NetOfCurrentPortion)$")
_LEASE = re.compile(r"Lease|CapitalLease|FinanceLease", re.I)

# The row a debt fact is displayed on must name a borrowing.
_DEBT_ROW = re.compile(r"\b(debt|loans?|notes?|borrowings?|credit|convertible|financing|facility|bonds?|debentures?|mortgage)\b", re.I)
_INTEREST_ROW = re.compile(r"^\s*interest expense\b", re.I)
_CASH_ROW = re.compile(r"^\s*cash and cash equivalents\b", re.I)
_RESTRICTED = re.compile(r"restricted|beginning|end of (the )?(period|year)|per share|\bnet (increase|decrease|change)", re.I)

_BTC_CONCEPT = re.compile(r"(NumberOf|QuantityOf|UnitsOf|Count)\w*(Bitcoin|BTC)|(Bitcoin|BTC)\w*(Held|Quantity|Units|Count)", re.I)
_BTC_WORD = re.compile(r"bitcoin|btc|xbt", re.I)
# Other crypto assets a unit or member may name: those counts are not bitcoin.
_OTHER_COIN = re.compile(r"eth|ether|usdc|usdt|sol|doge|ltc|staking", re.I)
# Bitcoin's supply is 21 million; a count above it, or one in dollars, is a tagging error.
MAX_PLAUSIBLE_BTC = 2_100_000

_ANNUAL_FORMS = ("10-K", "10-KT", "20-F", "40-F")
_QUARTER_DAYS = (80, 100)
_YEAR_DAYS = (350, 380)


@dataclass(slots=True)
class Row:
    """A table row with its part, for quotes and for reading a statement line's label."""

    part: Part
    cells: list[str]

    @property
    def label(self) -> str:
        return self.cells[0] if self.cells else ""

    @property
    def quote(self) -> str:
        return " ".join(c for c in self.cells if c)


# ---------------------------------------------------------------------------------------------


def extract_figures(doc: Document) -> CompanyFigures | None:
    """The company's figures for the document's current period, or None when it states none
    (a debt-only 8-K, a prospectus without a capitalization table)."""
    if not isinstance(doc, Document):
        raise BadInput(f"extract_figures needs a parsed Document, got {type(doc).__name__}",
                       hint="Parse the file first: ingest.parse.parse_path(path).")
    rows = [Row(part, [c.strip() for c in row]) for part in doc.parts for table in part.tables for row in table.rows]
    facts = [f for f in doc.facts if f.numeric and not f.concept.startswith("dei:")]
    if facts:
        figures = _XbrlReader(doc, rows).read()
    else:
        figures = _read_text(doc, rows)
    if figures is None or not _has_values(figures):
        return None
    return _gate(figures, doc)


def _has_values(figures: CompanyFigures) -> bool:
    data = figures.model_dump(exclude={"evidence", "warnings", "period_end"})
    return any(v is not None for v in data.values())


# ---------------------------------------------------------------------------------------------
# Inline XBRL


def _days(start: str | None, end: str | None) -> int:
    """Length of a period in days, both ends included; 0 when a date is missing or malformed."""
    try:
        return (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
    except (TypeError, ValueError):
        return 0


def _local(concept: str) -> str:
    return concept.split(":", 1)[-1]


def _cell_number(cell: str) -> str:
    """A cell as its bare figure: "$ (1,985)" -> "1,985"."""
    return re.sub(r"[\s$()]", "", cell.replace("US$", ""))


class _XbrlReader:
    def __init__(self, doc: Document, rows: list[Row]) -> None:
        self.doc = doc
        self.rows = rows
        self.facts = doc.facts
        self.period_end, self.period_evidence = self._period_end()
        self.annual = self._is_annual()
        self.ytd_start = self._ytd_start()
        self.evidence: list[Evidence] = []
        self.warnings: list[str] = []

    # -- the period ---------------------------------------------------------------------------

    def _period_end(self) -> tuple[str | None, Evidence | None]:
        for fact in self.facts:
            if fact.concept == "dei:DocumentPeriodEndDate":
                iso = parse_date(str(fact.value)) or parse_date(fact.text) or fact.period_end
                quote = fact.text if parse_date(fact.text) else None
                ev = Evidence(field="period_end", document=self.doc.file, locator="cover dei:DocumentPeriodEndDate",
                              quote=quote) if quote else None
                return iso, ev
        return self.doc.filing.period, None

    def _is_annual(self) -> bool:
        form = next((str(f.value) for f in self.facts if f.concept == "dei:DocumentType"), self.doc.filing.form or "")
        return form.upper().startswith(_ANNUAL_FORMS)

    def _ytd_start(self) -> str | None:
        """The start of the year to date: the cover's own period (the dei facts' context), else the
        longest duration of at most a year ending at the period end."""
        for fact in self.facts:
            if fact.concept == "dei:DocumentPeriodEndDate" and not fact.instant and fact.period_end == self.period_end:
                if 0 < _days(fact.period_start, fact.period_end) <= _YEAR_DAYS[1]:
                    return fact.period_start
        starts = [f.period_start for f in self.facts if not f.instant and f.period_end == self.period_end
                  and 0 < _days(f.period_start, f.period_end) <= _YEAR_DAYS[1]]
        return min(starts) if starts else None

    # -- picking facts -------------------------------------------------------------------------

    def _current(self, concept: str, *, instant: bool) -> list[XbrlFact]:
        """Undimensioned USD facts of `concept` for the current period."""
        out = []
        for fact in self.facts:
            if fact.concept != concept or fact.dimensions or not isinstance(fact.value, (int, float)):
                continue
            if fact.unit and fact.unit.upper() != "USD":
                continue
            if fact.period_end != self.period_end or fact.instant != instant:
                continue
            out.append(fact)
        return out

    def _flows(self, concept: str) -> tuple[XbrlFact | None, XbrlFact | None]:
        """(three months, year to date) facts of a flow concept ending at the period end."""
        quarter = ytd = None
        for fact in self._current(concept, instant=False):
            days = _days(fact.period_start, fact.period_end)
            if _QUARTER_DAYS[0] <= days <= _QUARTER_DAYS[1] and quarter is None:
                quarter = fact
            if fact.period_start == self.ytd_start and ytd is None:
                if not self.annual or _YEAR_DAYS[0] <= days <= _YEAR_DAYS[1]:
                    ytd = fact
        return quarter, ytd

    def row_for(self, fact: XbrlFact, label: re.Pattern[str] | None = None) -> Row | None:
        """The table row displaying `fact`: a cell holds its text; a row whose label matches
        `label` is preferred, since the same figure can appear in several tables."""
        target = _cell_number(fact.text)
        if not target:
            return None
        found = [r for r in self.rows if any(_cell_number(c) == target for c in r.cells[1:])]
        if label is not None:
            labelled = [r for r in found if label.search(r.label)]
            if labelled:
                return labelled[0]
        return found[0] if found else None

    def cite(self, field: str, fact: XbrlFact, label: re.Pattern[str] | None = None) -> Evidence:
        row = self.row_for(fact, label)
        quote = row.quote if row else fact.text
        # A number tagged as text (ix:nonNumeric, e.g. btbt:QuantityOfBitcoin) holds a string, so it
        # is cited by the row that displays it rather than by the fact.
        where = "xbrl" if isinstance(fact.value, (int, float)) else "table row of fact"
        return Evidence(field=field, document=self.doc.file, locator=f"{where} {fact.fact_id} {fact.concept}", quote=quote)

    # -- figures -------------------------------------------------------------------------------

    def read(self) -> CompanyFigures:
        figures = CompanyFigures(period_end=self.period_end)
        if self.period_evidence:
            self.evidence.append(self.period_evidence)
        if self.period_end:
            self._cash(figures)
            self._debt(figures)
            self._flow(figures, "operating_income_usd", OPERATING_INCOME, keep_sign=True)
            self._interest(figures)
            self._depreciation(figures)
            self._btc(figures)
        figures.evidence = self.evidence
        figures.warnings = self.warnings
        return figures

    def _cash(self, figures: CompanyFigures) -> None:
        for concept in CASH:
            facts = self._current(concept, instant=True)
            if facts:
                figures.cash_usd = float(facts[0].value)
                self.evidence.append(self.cite("cash_usd", facts[0], _CASH_ROW))
                return

    def _debt_lines(self) -> list[XbrlFact]:
        """The balance sheet's debt lines at the period end, each once."""
        lines: list[XbrlFact] = []
        for side, names, custom in (("current", DEBT_CURRENT, _CUSTOM_DEBT_CURRENT),
                                    ("noncurrent", DEBT_NONCURRENT, _CUSTOM_DEBT_NONCURRENT)):
            seen: set[float] = set()
            candidates = [f for f in self.facts if f.instant and not f.dimensions and f.period_end == self.period_end
                          and isinstance(f.value, (int, float)) and (f.unit or "USD").upper() == "USD"
                          and not _LEASE.search(f.concept)]
            # us-gaap first: a filer's own concept often repeats a us-gaap line (with a sign flipped).
            candidates.sort(key=lambda f: not f.concept.startswith("us-gaap:"))
            for fact in candidates:
                local = _local(fact.concept)
                standard = fact.concept.startswith("us-gaap:") and local in names
                filer_own = not fact.concept.startswith("us-gaap:") and custom.search(local)
                if not (standard or filer_own):
                    continue
                amount = abs(float(fact.value))
                if amount in seen:  # the same line tagged twice (LongTermDebt == LongTermLoansPayable)
                    continue
                row = self.row_for(fact, _DEBT_ROW)
                if row is not None and not _DEBT_ROW.search(row.label):
                    # A debt concept on a line that names no borrowing ("Other long-term liabilities").
                    self.warnings.append(f"{fact.concept} {fact.text} is shown as '{row.label}', not debt: excluded")
                    continue
                seen.add(amount)
                lines.append(fact)
        return lines

    def _debt(self, figures: CompanyFigures) -> None:
        lines = self._debt_lines()
        if not lines:
            for local in DEBT_TOTAL:
                facts = self._current(f"us-gaap:{local}", instant=True)
                if facts:
                    lines = facts[:1]
                    break
        if lines:
            figures.total_debt_usd = float(sum(abs(float(f.value)) for f in lines))
            self.evidence.extend(self.cite("total_debt_usd", f, _DEBT_ROW) for f in lines)
        elif self._has_balance_sheet():
            # The balance sheet is tagged and shows no borrowing: the company has no debt.
            figures.total_debt_usd = 0.0
            liabilities = self._current("us-gaap:Liabilities", instant=True) or self._current(
                "us-gaap:LiabilitiesAndStockholdersEquity", instant=True)
            if liabilities:
                ev = self.cite("total_debt_usd", liabilities[0])
                self.evidence.append(ev.model_copy(update={"locator": f"balance sheet without a debt line; {ev.locator}"}))

    def _has_balance_sheet(self) -> bool:
        return any(self._current(c, instant=True) for c in (
            "us-gaap:Liabilities", "us-gaap:LiabilitiesCurrent", "us-gaap:LiabilitiesAndStockholdersEquity"))

    def _flow(self, figures: CompanyFigures, field: str, concepts: tuple[str, ...], *, keep_sign: bool = False,
              label: re.Pattern[str] | None = None) -> bool:
        for concept in concepts:
            quarter, ytd = self._flows(concept)
            if quarter is None and ytd is None:
                continue
            self._set_flow(figures, field, quarter, ytd, keep_sign=keep_sign, label=label)
            return True
        return False

    def _set_flow(self, figures: CompanyFigures, field: str, quarter: XbrlFact | None, ytd: XbrlFact | None, *,
                  keep_sign: bool, label: re.Pattern[str] | None) -> None:
        def amount(fact: XbrlFact) -> float:
            return float(fact.value) if keep_sign else abs(float(fact.value))

        # An annual report's quarter is its fourth quarter, kept only where the filer tagged one.
        if quarter is not None:
            setattr(figures, field, amount(quarter))
            self.evidence.append(self.cite(field, quarter, label))
        if ytd is not None:  # in a first quarter the three months are the year to date
            setattr(figures, f"{field}_ytd", amount(ytd))
            self.evidence.append(self.cite(f"{field}_ytd", ytd, label))

    def _interest(self, figures: CompanyFigures) -> None:
        if self._flow(figures, "interest_expense_usd", INTEREST_EXPENSE, label=_INTEREST_ROW):
            return
        # The statement says "Interest expense" but the filer tagged the line with another concept
        # (Riot: us-gaap:OtherNonoperatingExpense). Take the current-period fact shown on that row.
        for row in self.rows:
            if not _INTEREST_ROW.search(row.label) or re.search(r"\bincome\b|\bnet of\b|\bpaid\b", row.label, re.I):
                continue
            numbers = {_cell_number(c) for c in row.cells[1:] if _cell_number(c)}
            shown = [f for f in self.facts if not f.instant and not f.dimensions and f.period_end == self.period_end
                     and isinstance(f.value, (int, float)) and _cell_number(f.text) in numbers
                     and (f.unit or "USD").upper() == "USD" and not f.concept.startswith("dei:")]
            quarter = ytd = None
            for fact in shown:
                days = _days(fact.period_start, fact.period_end)
                if _QUARTER_DAYS[0] <= days <= _QUARTER_DAYS[1] and quarter is None:
                    quarter = fact
                if fact.period_start == self.ytd_start and ytd is None and (
                        not self.annual or _YEAR_DAYS[0] <= days <= _YEAR_DAYS[1]):
                    ytd = fact
            if quarter or ytd:
                self._set_flow(figures, "interest_expense_usd", quarter, ytd, keep_sign=False, label=_INTEREST_ROW)
                concept = (quarter or ytd).concept
                self.warnings.append(f"interest expense read from the statement row '{row.label}' tagged {concept}")
                return

    def _depreciation(self, figures: CompanyFigures) -> None:
        best: dict[str, XbrlFact] = {}
        for concept in DEPRECIATION:
            quarter, ytd = self._flows(concept)
            for key, fact in (("q", quarter), ("y", ytd)):
                if fact is not None and (key not in best or abs(float(fact.value)) > abs(float(best[key].value))):
                    best[key] = fact
        if best:
            label = re.compile(r"depreciation", re.I)
            self._set_flow(figures, "depreciation_amortization_usd", best.get("q"), best.get("y"), keep_sign=False,
                           label=label)

    # -- bitcoin held -----------------------------------------------------------------------------

    def _btc_facts(self) -> list[XbrlFact]:
        out = []
        for fact in self.facts:
            if not fact.instant or fact.period_end != self.period_end:
                continue
            local = _local(fact.concept)
            if local != "CryptoAssetNumberOfUnits" and not _BTC_CONCEPT.search(local):
                continue
            value = fact.value if isinstance(fact.value, (int, float)) else parse_number(str(fact.value or ""))
            if value is None:
                continue
            members = list(fact.dimensions.values())
            axes = list(fact.dimensions)
            unit = fact.unit or ""
            if any(not a.endswith("CryptoAssetAxis") for a in axes):
                continue  # counts of something else: miners sold, a segment
            if members and not all(_BTC_WORD.search(_local(m)) for m in members):
                continue
            if _OTHER_COIN.search(unit) or (local == "CryptoAssetNumberOfUnits" and not members
                                            and not _BTC_WORD.search(unit) and self._other_coins_counted()):
                continue
            out.append(fact)
        # A plausible count first, and among those one marked bitcoin by its member or unit.
        out.sort(key=lambda f: (self._suspect(f), not (f.dimensions or _BTC_WORD.search(f.unit or ""))))
        return out

    @staticmethod
    def _suspect(fact: XbrlFact) -> bool:
        """A count in dollars, or above bitcoin's supply, is a tagging error."""
        value = fact.value if isinstance(fact.value, (int, float)) else parse_number(str(fact.value or ""))
        return (fact.unit or "").upper() == "USD" or value is None or value > MAX_PLAUSIBLE_BTC

    def _other_coins_counted(self) -> bool:
        """Whether the filer counts other crypto assets too (then an undimensioned count is a mix)."""
        return any(_local(f.concept) == "CryptoAssetNumberOfUnits" and f.period_end == self.period_end
                   and any(_OTHER_COIN.search(_local(m)) for m in f.dimensions.values()) for f in self.facts)

    def _btc(self, figures: CompanyFigures) -> None:
        stated = _btc_in_text(self.doc, self.period_end)
        for fact in self._btc_facts():
            value = fact.value if isinstance(fact.value, (int, float)) else parse_number(str(fact.value))
            if not self._suspect(fact):
                figures.btc_holdings = float(value)
                self.evidence.append(self.cite("btc_holdings", fact, re.compile(r"bitcoin|btc", re.I)))
                return
            # A count tagged with a scale and a dollar unit (CleanSpark: 9,952 shown, x1,000 USD
            # tagged). The displayed number is fixed only when the text states it as a count.
            shown = parse_number(fact.text)
            confirmed = [s for s in stated if shown is not None and s[0] == shown]
            if confirmed:
                figures.btc_holdings = confirmed[0][0]
                self.evidence.append(Evidence(field="btc_holdings", document=self.doc.file, locator="text",
                                              quote=confirmed[0][1]))
                self.warnings.append(f"{fact.concept} tagged {value:,.0f} {fact.unit} (scale {fact.scale}); "
                                     f"the text states {shown:,.0f} bitcoin, used instead")
                return
            # Two statements of the holding disagree: neither is taken, the analyst is told.
            other = f"the text states {stated[0][0]:,g} instead" if stated else "not confirmed by the text"
            self.warnings.append(f"{fact.concept} = {value:,.0f} {fact.unit} is not a plausible bitcoin count; "
                                 f"{other}: left out")
            return
        if stated:
            figures.btc_holdings = stated[0][0]
            self.evidence.append(Evidence(field="btc_holdings", document=self.doc.file, locator="text", quote=stated[0][1]))


# "As of March 31, 2024, we held 5,021 bitcoins", "the Company held approximately 17,722 BTC".
_HELD = re.compile(
    r"\b(?:held|holds|hold|had|owned|holding)\s+(?:a\s+total\s+of\s+|an\s+aggregate\s+of\s+|approximately\s+|about\s+)?"
    r"(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s+(?:self-mined\s+)?(?:bitcoins?|BTC)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.;])\s|\n")


def _btc_in_text(doc: Document, period_end: str | None) -> list[tuple[float, str]]:
    """Bitcoin counts the text states as held at the period end, with the sentence that says so."""
    if not period_end:
        return []
    found: list[tuple[float, str]] = []
    for part in doc.parts:
        text = part.text
        for match in _HELD.finditer(text):
            start = max((m.end() for m in _SENTENCE_END.finditer(text, max(0, match.start() - 300), match.start())),
                        default=max(0, match.start() - 300))
            end_match = _SENTENCE_END.search(text, match.end())
            end = end_match.start() if end_match else len(text)
            sentence = text[start:end].strip()
            if period_end not in {d for d, _ in find_dates(sentence)}:
                continue  # a count at another date (a later month, the prior year end)
            quote = sentence if len(sentence) <= 300 else text[max(start, match.start() - 120):match.end()]
            found.append((float(match["n"].replace(",", "")), quote.strip()))
    return found


# ---------------------------------------------------------------------------------------------
# Text: earnings releases and capitalization tables

_SCALE = re.compile(r"\bin\s+(thousands|millions)\b|\((?:\$|US\$|U\.S\.\s*\$)?\s*(?:in\s+)?(thousands|millions|000s|'000)", re.I)
_TOTAL_DEBT_ROW = re.compile(r"^\s*total\s+(debt|indebtedness|borrowings)\b", re.I)
_AS_OF = re.compile(r"\bas\s+(?:of|at)\s+", re.I)
_PROSE_CASH = re.compile(
    r"cash and cash equivalents\s+(?:totaled|totalled|were|was|of|amounted to|stood at)\s+(?:approximately\s+)?"
    r"(?P<amount>\$\s*[\d,.]+\s*(?:million|billion|thousand)?)\s+as\s+of\s+(?P<date>[A-Z][a-z]+\.?\s+\d{1,2},\s+\d{4})",
    re.IGNORECASE,
)
_LOOKBACK = 1500


def _table_scale(part: Part, start: int, header: list[list[str]]) -> float:
    context = part.text[max(0, start - _LOOKBACK):start] + " " + " ".join(c for r in header for c in r)
    matches = list(_SCALE.finditer(context))
    if not matches:
        return 1.0
    word = (matches[-1].group(1) or matches[-1].group(2)).lower()
    return 1e6 if word.startswith("million") else 1e3


def _table_date(part: Part, start: int, header: list[list[str]]) -> tuple[str | None, str | None]:
    """The date the table's first column is as of: in its header, else the last "as of <date>" before it."""
    for row in header:
        for cell in row:
            dates = find_dates(cell)
            if dates:
                return dates[0][0], cell
    before = part.text[max(0, start - _LOOKBACK):start]
    best = None
    for match in _AS_OF.finditer(before):
        dates = find_dates(before[match.end():match.end() + 30])
        if dates and dates[0][1][0] == 0:
            best = match
    if best is None:
        return None, None
    line_start = before.rfind("\n", 0, best.start()) + 1
    line_end = before.find("\n", best.end())
    line = before[line_start:line_end if line_end != -1 else len(before)].strip()
    return find_dates(before[best.end():best.end() + 30])[0][0], line


_BULLET = re.compile(r"^[\s●•◌○▪■□◦‣∙·*–—-]*$")


def _label_at(row: list[str]) -> int:
    """Where a row's label is: its first cell that is not empty or a list bullet ("● | Total Debt: | $1.9
    million", a release's bullet list laid out as a table)."""
    return next((i for i, cell in enumerate(row) if not _BULLET.match(cell)), 0)


def _label(row: list[str]) -> str:
    return row[_label_at(row)] if row else ""


def _first_amount(cells: list[str], scale: float) -> tuple[float, str] | None:
    for cell in cells[_label_at(cells) + 1 :]:
        value = parse_money(cell, scale=scale)
        if value is not None:
            return value, cell
    return None


def _read_text(doc: Document, rows: list[Row]) -> CompanyFigures | None:
    figures = CompanyFigures()
    evidence: list[Evidence] = []
    for part in doc.parts:
        for table in part.tables:
            header = table.rows[: table.header_rows]
            cash_row = next((r for r in table.rows if _CASH_ROW.search(_label(r)) and not _RESTRICTED.search(_label(r))), None)
            debt_row = next((r for r in table.rows if _TOTAL_DEBT_ROW.search(_label(r))), None)
            if cash_row is None and debt_row is None:
                continue
            as_of, as_of_quote = _table_date(part, table.start, header)
            if as_of is None:
                continue  # a table of unknown date cannot be placed in a period
            if figures.period_end and as_of != figures.period_end:
                continue
            scale = _table_scale(part, table.start, header)
            for row, field in ((cash_row, "cash_usd"), (debt_row, "total_debt_usd")):
                if row is None or getattr(figures, field) is not None:
                    continue
                amount = _first_amount(row, scale)
                if amount is None:
                    continue
                setattr(figures, field, amount[0])
                evidence.append(Evidence(field=field, document=doc.file, locator=f"{part.filename} table",
                                         quote=" ".join(c for c in row if c)))
                if figures.period_end is None:
                    figures.period_end = as_of
                    if as_of_quote:
                        evidence.append(Evidence(field="period_end", document=doc.file, locator=f"{part.filename}",
                                                 quote=as_of_quote))
        if figures.cash_usd is None:
            match = _PROSE_CASH.search(part.text)
            if match:
                amounts = find_money(match["amount"])
                iso = parse_date(match["date"])
                if amounts and iso and (figures.period_end in (None, iso)):
                    figures.cash_usd = amounts[0][0]
                    figures.period_end = iso
                    quote = match.group(0)
                    evidence.append(Evidence(field="cash_usd", document=doc.file, locator=part.filename, quote=quote))
                    evidence.append(Evidence(field="period_end", document=doc.file, locator=part.filename, quote=quote))
    figures.evidence = evidence
    return figures


# ---------------------------------------------------------------------------------------------
# The evidence gate


class _Addend(BaseModel):
    """One line of a sum, gated on its own: a total is kept when every line it adds is."""

    total_debt_usd: float | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


def _gate(figures: CompanyFigures, doc: Document) -> CompanyFigures:
    """Drop every figure whose quote is not in the document or does not state it.

    A sum (total debt) is stated by no single quote, so its lines are gated one by one; a total of
    0 (a balance sheet without a debt line) stands on the balance sheet it was read from.
    """
    try:
        from extract.evidence import verify
    except ImportError:  # the gate is optional: without it figures keep their evidence unchecked
        return figures
    debt_evidence = [e for e in figures.evidence if e.field == "total_debt_usd"]
    total = figures.total_debt_usd
    others = figures.model_copy(update={"total_debt_usd": None,
                                        "evidence": [e for e in figures.evidence if e.field != "total_debt_usd"]})
    gated = verify(others, doc)
    kept_debt: list[Evidence] = []
    if total is not None:
        if total == 0 or len(debt_evidence) == 1:
            single = verify(_Addend(total_debt_usd=total, evidence=debt_evidence), doc)
            if single.total_debt_usd is not None or total == 0:
                kept_debt = debt_evidence if total == 0 else single.evidence
            else:
                total = None
                gated.warnings.extend(single.warnings)
        else:
            lines_ok = True
            for ev in debt_evidence:
                line_value = _evidence_value(ev, doc)
                addend = verify(_Addend(total_debt_usd=line_value, evidence=[ev]), doc)
                if line_value is None or addend.total_debt_usd is None:
                    lines_ok = False
                    gated.warnings.append(f"dropped total_debt_usd: line {ev.locator} not supported")
                    break
                kept_debt.extend(addend.evidence)
            if not lines_ok:
                total, kept_debt = None, []
    # The period is the document's (its cover or its table's date), not a figure to be dropped.
    return gated.model_copy(update={"total_debt_usd": total, "period_end": figures.period_end,
                                    "evidence": [*gated.evidence, *kept_debt]})


def _evidence_value(ev: Evidence, doc: Document) -> float | None:
    """The amount an XBRL-cited debt line holds."""
    tokens = ev.locator.split()
    if len(tokens) >= 2 and tokens[0] == "xbrl":
        for fact in doc.facts:
            if fact.fact_id == tokens[1] and isinstance(fact.value, (int, float)):
                return float(fact.value)
    return None
