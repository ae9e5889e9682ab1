"""SEC form structure as data: 8-K items, 10-Q / 10-K parts and items, the form types we want,
and the heading patterns that mark items and financial-statement notes in any filing.

The 8-K item titles are the ones in Form 8-K's General Instructions (as listed by edgartools'
`current_report.py`); the SGML header of a complete submission repeats them as
`ITEM INFORMATION:` lines, so `item_number_for_title` maps those back to numbers.
"""

from __future__ import annotations

import re

ITEMS_8K: dict[str, str] = {
    "1.01": "Entry into a Material Definitive Agreement",
    "1.02": "Termination of a Material Definitive Agreement",
    "1.03": "Bankruptcy or Receivership",
    "1.04": "Mine Safety - Reporting of Shutdowns and Patterns of Violations",
    "1.05": "Material Cybersecurity Incidents",
    "2.01": "Completion of Acquisition or Disposition of Assets",
    "2.02": "Results of Operations and Financial Condition",
    "2.03": "Creation of a Direct Financial Obligation or an Obligation under an Off-Balance Sheet Arrangement of a Registrant",
    "2.04": "Triggering Events That Accelerate or Increase a Direct Financial Obligation or an Obligation under an Off-Balance Sheet Arrangement",
    "2.05": "Costs Associated with Exit or Disposal Activities",
    "2.06": "Material Impairments",
    "3.01": "Notice of Delisting or Failure to Satisfy a Continued Listing Rule or Standard; Transfer of Listing",
    "3.02": "Unregistered Sales of Equity Securities",
    "3.03": "Material Modification to Rights of Security Holders",
    "4.01": "Changes in Registrant's Certifying Accountant",
    "4.02": "Non-Reliance on Previously Issued Financial Statements or a Related Audit Report or Completed Interim Review",
    "5.01": "Changes in Control of Registrant",
    "5.02": "Departure of Directors or Certain Officers; Election of Directors; Appointment of Certain Officers; Compensatory Arrangements of Certain Officers",
    "5.03": "Amendments to Articles of Incorporation or Bylaws; Change in Fiscal Year",
    "5.04": "Temporary Suspension of Trading Under Registrant's Employee Benefit Plans",
    "5.05": "Amendment to Registrant's Code of Ethics, or Waiver of a Provision of the Code of Ethics",
    "5.06": "Change in Shell Company Status",
    "5.07": "Submission of Matters to a Vote of Security Holders",
    "5.08": "Shareholder Director Nominations",
    "6.01": "ABS Informational and Computational Material",
    "6.02": "Change of Servicer or Trustee",
    "6.03": "Change in Credit Enhancement or Other External Support",
    "6.04": "Failure to Make a Required Distribution",
    "6.05": "Securities Act Updating Disclosure",
    "7.01": "Regulation FD Disclosure",
    "8.01": "Other Events",
    "9.01": "Financial Statements and Exhibits",
}

# 8-K items that can carry debt terms (new notes, facilities, exchanges, repayments).
DEBT_ITEMS_8K: frozenset[str] = frozenset({"1.01", "1.02", "2.02", "2.03", "2.04", "3.02", "3.03", "8.01"})

ITEMS_10Q: dict[str, dict[str, str]] = {
    "I": {
        "1": "Financial Statements",
        "2": "Management's Discussion and Analysis of Financial Condition and Results of Operations",
        "3": "Quantitative and Qualitative Disclosures About Market Risk",
        "4": "Controls and Procedures",
    },
    "II": {
        "1": "Legal Proceedings",
        "1A": "Risk Factors",
        "2": "Unregistered Sales of Equity Securities and Use of Proceeds",
        "3": "Defaults Upon Senior Securities",
        "4": "Mine Safety Disclosures",
        "5": "Other Information",
        "6": "Exhibits",
    },
}

ITEMS_10K: dict[str, dict[str, str]] = {
    "I": {
        "1": "Business",
        "1A": "Risk Factors",
        "1B": "Unresolved Staff Comments",
        "1C": "Cybersecurity",
        "2": "Properties",
        "3": "Legal Proceedings",
        "4": "Mine Safety Disclosures",
    },
    "II": {
        "5": "Market for Registrant's Common Equity, Related Stockholder Matters and Issuer Purchases of Equity Securities",
        "6": "[Reserved]",
        "7": "Management's Discussion and Analysis of Financial Condition and Results of Operations",
        "7A": "Quantitative and Qualitative Disclosures About Market Risk",
        "8": "Financial Statements and Supplementary Data",
        "9": "Changes in and Disagreements with Accountants on Accounting and Financial Disclosure",
        "9A": "Controls and Procedures",
        "9B": "Other Information",
        "9C": "Disclosure Regarding Foreign Jurisdictions that Prevent Inspections",
    },
    "III": {
        "10": "Directors, Executive Officers and Corporate Governance",
        "11": "Executive Compensation",
        "12": "Security Ownership of Certain Beneficial Owners and Management and Related Stockholder Matters",
        "13": "Certain Relationships and Related Transactions, and Director Independence",
        "14": "Principal Accountant Fees and Services",
    },
    "IV": {
        "15": "Exhibits and Financial Statement Schedules",
        "16": "Form 10-K Summary",
    },
}

# Items whose body holds the audited/unaudited financial statements and their notes.
FINANCIAL_STATEMENT_ITEMS: dict[str, frozenset[str]] = {"10-Q": frozenset({"1"}), "10-K": frozenset({"8", "15"})}

# The forms a miner-debt watcher downloads: domestic and foreign-private-issuer families.
WANTED_FORMS: frozenset[str] = frozenset({
    "10-K", "10-K/A", "10-KT", "10-Q", "10-Q/A", "8-K", "8-K/A",
    "20-F", "20-F/A", "40-F", "40-F/A", "6-K", "6-K/A",
    "424B2", "424B3", "424B4", "424B5", "424B7", "S-3", "S-3ASR", "F-3", "F-10",
})


def _norm_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", title.lower().replace("’", "'"))


_TITLE_TO_ITEM = {_norm_title(t): n for n, t in ITEMS_8K.items()}


def item_number_for_title(title: str) -> str | None:
    """'Regulation FD Disclosure' -> '7.01'. Matches the full title, or a prefix of it (the SGML
    header sometimes truncates long titles)."""
    key = _norm_title(title)
    if not key:
        return None
    if key in _TITLE_TO_ITEM:
        return _TITLE_TO_ITEM[key]
    for norm, number in _TITLE_TO_ITEM.items():
        if len(key) >= 12 and (norm.startswith(key) or key.startswith(norm)):
            return number
    return None


def item_title(number: str, form: str | None = None) -> str | None:
    """Title of an item: 8-K items by number ('2.03'); 10-Q/10-K items need the form."""
    if number in ITEMS_8K:
        return ITEMS_8K[number]
    table = ITEMS_10K if form and form.upper().startswith("10-K") else ITEMS_10Q
    for items in table.values():
        if number.upper() in items:
            return items[number.upper()]
    return None


def form_family(form: str | None) -> str | None:
    """'10-Q/A' -> '10-Q'; '424B5' -> '424B'; '8-K' -> '8-K'."""
    if not form:
        return None
    base = form.upper().split("/")[0].strip()
    if base.startswith("424B"):
        return "424B"
    if base == "10-KT":
        return "10-K"
    return base


# --- heading patterns -------------------------------------------------------------------------
# Dashes and separators that filers put between a number and a title: "Note 9 — Debt",
# "NOTE 7 - NOTES PAYABLE", "9. DEBT", "Item 2.03. Creation ...", "Item 1:".
_SEP = r"[\s.:\u2013\u2014\-]*"

PART_RE = re.compile(r"^PART\s+(IV|III|II|I)\b" + _SEP + r"(.*)$", re.IGNORECASE)
ITEM_RE = re.compile(r"^ITEM\s*(\d{1,2}[A-C]?(?:\.\d{2})?)(?![\d])" + _SEP + r"(.*)$", re.IGNORECASE)
NOTE_RE = re.compile(r"^NOTE\s*(\d{1,2})(?![\d])" + _SEP + r"(.*)$", re.IGNORECASE)
# A bare numbered heading ("9. DEBT", "10 - CONVERTIBLE NOTES"): only a note inside financial statements.
NUMBERED_RE = re.compile(r"^(\d{1,2})\s*(?:[.)]|[\u2013\u2014\-])\s*([A-Za-z][^.]*)$")


def smart_title(text: str) -> str:
    """ALL-CAPS headings read badly in labels: 'NOTES PAYABLE' -> 'Notes Payable'. Mixed case is kept."""
    letters = [c for c in re.sub(r"\([^)]*\)", "", text) if c.isalpha()]  # "(Continued)" may be mixed case
    if letters and all(c.isupper() for c in letters):
        small = {"and", "or", "of", "the", "to", "in", "for", "on", "a", "an", "by", "with", "from", "at"}
        words = text.lower().split(" ")
        out = []
        for i, w in enumerate(words):
            if any(c.isdigit() for c in w):
                out.append(w.upper())  # "10-Q", "2.03", "4.00%"
            elif i > 0 and w in small:
                out.append(w)
            else:
                out.append(w[:1].upper() + w[1:])
        return " ".join(out)
    return text


def clean_title(text: str) -> str:
    """Strip the trailing full stop / colon and surrounding separators from a heading title."""
    return text.strip().strip("\u2013\u2014-:").strip().rstrip(".").strip()
