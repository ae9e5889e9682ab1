"""Who is who: ticker, CIK, current and former names.

Names change (Marathon Digital -> MARA Holdings, Riot Blockchain -> Riot Platforms, IKONICS ->
TeraWulf by CIK), so everything keys on the CIK; names and tickers are ways in. The ticker table
below (the listed miners, CIKs from the SEC's company_tickers.json) seeds the watcher and the
parser; every other issuer is known by what its own filings say (`filing_names`, `ticker_in_text`:
the conformed name, former names from the SEC header, the short and prior names the text defines,
the symbol it states), stored at ingest and read back as a `Directory`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Company:
    ticker: str
    cik: str  # zero-padded to 10 digits
    name: str
    former_names: tuple[str, ...] = ()


def _c(ticker: str, cik: int, name: str, *former: str) -> Company:
    return Company(ticker, f"{cik:010d}", name, tuple(former))


COMPANIES: tuple[Company, ...] = (
    _c("MARA", 1507605, "MARA Holdings, Inc.", "Marathon Digital Holdings, Inc.", "Marathon Patent Group, Inc.", "American Strategic Minerals Corp"),
    _c("RIOT", 1167419, "Riot Platforms, Inc.", "Riot Blockchain, Inc.", "Bioptix, Inc.", "Venaxis, Inc.", "AspenBio Pharma, Inc."),
    _c("CLSK", 827876, "CleanSpark, Inc.", "Stratean Inc.", "SmartData Corp"),
    _c("CORZ", 1839341, "Core Scientific, Inc.", "Power & Digital Infrastructure Acquisition Corp."),
    _c("CIFR", 1819989, "Cipher Mining Inc.", "Good Works Acquisition Corp."),
    _c("HUT", 1964789, "Hut 8 Corp.", "Hut 8 Mining Corp."),
    _c("BTDR", 1899123, "Bitdeer Technologies Group"),
    _c("BITF", 1812477, "Bitfarms Ltd."),
    _c("IREN", 1878848, "IREN Limited", "Iris Energy Limited", "Iris Energy Ltd"),
    _c("WULF", 1083301, "TeraWulf Inc.", "IKONICS Corporation", "IKONICS Corp"),
    _c("HIVE", 1720424, "HIVE Digital Technologies Ltd.", "HIVE Blockchain Technologies Ltd."),
    _c("APLD", 1144879, "Applied Digital Corporation", "Applied Blockchain, Inc.", "Applied UV, Inc."),
    _c("BTBT", 1710350, "Bit Digital, Inc.", "Golden Bull Ltd", "Golden Bull Limited"),
    _c("FUFU", 1921158, "BitFuFu Inc.", "Arisz Acquisition Corp."),
    _c("CAN", 1780652, "Canaan Inc."),
    _c("ARBK", 1841675, "Argo Blockchain plc"),
    _c("GREE", 1844971, "Greenidge Generation Holdings Inc."),
    _c("SDIG", 1856028, "Stronghold Digital Mining, Inc."),
    _c("BTCM", 1517496, "BIT Mining Limited", "500.com Limited"),
    _c("DGHI", 1854368, "Digihost Technology Inc."),
    _c("MIGI", 1218683, "Mawson Infrastructure Group Inc.", "Wize Pharma, Inc."),
    _c("GRDI", 1830029, "GRIID Infrastructure Inc.", "Adit EdTech Acquisition Corp."),
    _c("SLNH", 64463, "Soluna Holdings, Inc.", "Mechanical Technology, Incorporated"),
)

# Words that do not tell companies apart: "MARA Holdings, Inc." and "MARA" are the same issuer.
_SUFFIXES = {
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "plc", "llc",
    "holdings", "holding", "group", "technologies", "technology", "the", "sa", "nv", "ag",
}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9& ]+", " ", text.lower().replace("’", "'").replace("'", "")).split())


def _core(text: str) -> str:
    words = _norm(text).split()
    while words and words[-1] in _SUFFIXES:
        words.pop()
    while words and words[0] == "the":
        words.pop(0)
    return " ".join(words)


class Directory:
    """Companies by ticker, CIK, current and former names. The default one holds the ticker table
    above; `from_filings` adds every name the stored filings use for their filer, so an issuer
    nobody typed in is found by any of its names once its filings are ingested."""

    def __init__(self, entries: Iterable[Company]) -> None:
        self.companies = tuple(entries)
        self._by_cik = {c.cik: c for c in self.companies if c.cik}
        self._by_ticker = {c.ticker.lower(): c for c in self.companies}
        self._by_name: dict[str, Company] = {}
        for company in self.companies:
            for name in (company.name, *company.former_names):
                self._by_name.setdefault(_norm(name), company)
                self._by_name.setdefault(_core(name), company)
        self._by_name.pop("", None)

    @classmethod
    def from_filings(cls, rows: Iterable[dict], base: Iterable[Company] = COMPANIES) -> "Directory":
        """`rows` of {cik, ticker, name, filed} (service.store.db company_names). A CIK's ticker is the
        latest one its filings state, else the ticker table's; its name the latest conformed name."""
        table = {c.cik: c for c in base}
        by_cik: dict[str, list[dict]] = {}
        for row in rows:
            if row.get("cik") and row.get("name"):
                by_cik.setdefault(row["cik"], []).append(row)
        merged: list[Company] = []
        for cik, named in by_cik.items():
            named.sort(key=lambda r: (r.get("filed") or "", r.get("source") == "conformed"))
            known = table.pop(cik, None)
            tickers = [r["ticker"] for r in named if r.get("ticker")]
            ticker = tickers[-1] if tickers else (known.ticker if known else None)
            if not ticker:
                continue  # the store keys documents by ticker: a filer without one cannot be asked about
            conformed = [r["name"] for r in named if r.get("source") == "conformed"]
            name = known.name if known else (conformed[-1] if conformed else named[-1]["name"])
            names = [*(known.former_names if known else ()), *(r["name"] for r in reversed(named))]
            former = tuple(dict.fromkeys(n for n in names if _norm(n) != _norm(name)))
            merged.append(Company(ticker, cik, name, former))
        return cls([*merged, *table.values()])

    def by_cik(self, cik: str | int | None) -> Company | None:
        padded = pad_cik(cik) if cik is not None else None
        return self._by_cik.get(padded) if padded else None

    def is_ticker(self, word: str) -> bool:
        return word.lower() in self._by_ticker

    def lookup(self, name_or_ticker: str | None) -> Company | None:
        """A company by ticker, CIK, current or former name, case-insensitive.

        'mara', 'Marathon Digital', 'Riot Blockchain, Inc.' and 'IKONICS' all resolve. A word prefix
        that fits exactly one company resolves too ('Cipher' -> CIFR); an ambiguous one does not.
        """
        if not name_or_ticker or not name_or_ticker.strip():
            return None
        query = name_or_ticker.strip()
        if query.lower() in self._by_ticker:
            return self._by_ticker[query.lower()]
        if re.fullmatch(r"(?i)(cik)?\s*\d{1,10}", query):
            return self.by_cik(query)
        for key in (_norm(query), _core(query)):
            if key and key in self._by_name:
                return self._by_name[key]
        core = _core(query)
        if not core:
            return None
        # One word stands for a company only as the start of its current name ("Cipher"): the
        # first word of a former name ("Digital" of Digital World Acquisition Corp.) is too loose.
        one_word = " " not in core
        hits = {c.cik or c.ticker: c for key, c in self._by_name.items()
                if key.startswith(core + " ") and (not one_word or _core(c.name).startswith(core + " "))}
        return next(iter(hits.values())) if len(hits) == 1 else None


DEFAULT = Directory(COMPANIES)


def pad_cik(cik: str | int) -> str | None:
    """'827876' / 827876 / 'CIK0000827876' -> '0000827876'; None if it holds no digits."""
    digits = re.sub(r"\D", "", str(cik))
    return digits.zfill(10) if digits else None


def by_cik(cik: str | int | None) -> Company | None:
    return DEFAULT.by_cik(cik)


def ticker_for_cik(cik: str | int | None) -> str | None:
    company = by_cik(cik)
    return company.ticker if company else None


def lookup(name_or_ticker: str | None) -> Company | None:
    """A company of the ticker table by ticker, CIK, current or former name (see Directory.lookup)."""
    return DEFAULT.lookup(name_or_ticker)


def _name_pattern(name: str) -> str:
    words = re.sub(r"[.,]+$", "", name).split()
    return r"\s+".join(re.escape(w) for w in words)


# Full legal names only (with "Inc.", "Ltd." ...): a bare "MARA" or "Riot" in prose is too loose.
_NAME_RE = re.compile(
    r"\b(" + "|".join(sorted({_name_pattern(n) for c in COMPANIES for n in (c.name, *c.former_names)},
                              key=len, reverse=True)) + r")",
    re.IGNORECASE,
)


def find_in_text(text: str, limit: int = 5000) -> Company | None:
    """The listed miner whose full name appears first in `text[:limit]` (a cover page without
    an SEC header or dei facts, e.g. a bare 6-K document)."""
    m = _NAME_RE.search(text[:limit])
    return lookup(m.group(1)) if m else None


# -- the names a filing uses for its filer -----------------------------------------------------

# "Our common stock is listed on The Nasdaq Capital Market under the symbol “DFDV”": the issuer
# stating its own ticker (prospectuses and S-1s carry no dei:TradingSymbol). Only its own common
# equity counts ("our", "the Company's"): another issuer's shares or "we have applied to list the
# Series A Preferred under the symbol ..." do not.
_SYMBOL = re.compile(
    r"\b(?:our|the\s+company[’']s)\s+(?:class\s+a\s+)?(?:common stock|common shares|ordinary shares|american depositary shares|adss)\b"
    r"[^.;]{0,120}?\b(?:is|are)\s+(?:currently\s+|now\s+)?(?:listed|traded|quoted)\b[^;]{0,160}?"
    r"\bunder\s+the\s+(?:ticker\s+|trading\s+)?symbol\s*[“\"']([A-Z]{1,5}(?:\.[A-Z])?)[.,]?[”\"']",
    re.IGNORECASE,
)
# A defined short name or a prior name right after the filer's own name: “DeFi Development Corp.
# (the “Company”)”, “Trump Media & Technology Group Corp. (“TMTG”)”, “Sui Group Holdings Limited
# (f/k/a Mill City Ventures III, Ltd.)”. Role words name no company.
_ROLE_WORDS = frozenset(
    """company registrant issuer borrower parent pubco we us our buyer seller purchaser lender guarantor holder
    pledgor corporation corp client customer licensee licensor investor subscriber party parties obligor""".split()
)


def ticker_in_text(text: str) -> str | None:
    """The ticker a document states for its own common equity, the one stated most often."""
    found = Counter(m.group(1).upper() for m in _SYMBOL.finditer(text))
    return found.most_common(1)[0][0] if found else None


def names_in_text(text: str, company: str | None) -> list[tuple[str, str]]:
    """(name, source) the text gives its filer right after naming it: a defined short name
    ('alias') or a former one ('former')."""
    if not company or not _core(company):
        return []
    words = _core(company).split()
    name = r"\W+".join(re.escape(w) for w in words) + r"(?:[\s,]+(?:inc|incorporated|corp|corporation|ltd|limited|plc|llc|co|holdings|group)\.?)*"
    pattern = re.compile(
        name + r"\s*\(\s*(?:(?P<former>f/k/a|formerly(?:\s+known\s+as)?)\s+(?P<old>[^()]{3,80}?)"
        r"|(?:the\s+)?[“\"](?P<alias>[^”\"]{2,40})[”\"])\s*[),;]",
        re.IGNORECASE,
    )
    out: list[tuple[str, str]] = []
    for m in pattern.finditer(text):
        if m.group("old"):
            value, source = m.group("old").strip(" ,.;"), "former"
        else:
            value, source = m.group("alias").strip(" ,.;"), "alias"
        if not value or value.lower() in _ROLE_WORDS or len(value.split()) > 6 or not value[0].isupper():
            continue
        if source == "alias" and not _short_for(value, words):
            continue  # “(the “SUI Proceeds”)” defines something else, not a name of the filer
        if (value, source) not in out:
            out.append((value, source))
    return out


def _short_for(alias: str, words: list[str]) -> bool:
    """'TMTG' (initials) or 'DeFi Development' (its own words) is a short name of the filer."""
    low = _norm(alias).replace(" ", "")
    initials = "".join(w[0] for w in words if w != "&")
    return low == initials or all(w in words for w in _norm(alias).split())


def filing_names(company: str | None, former: Iterable[str], texts: Iterable[str]) -> list[tuple[str, str]]:
    """Every (name, source) a filing uses for its filer: the conformed (or dei registrant) name,
    former names from the SEC header, and the short and prior names its own text defines."""
    out: list[tuple[str, str]] = []

    def add(name: str, source: str) -> None:
        name = re.sub(r"\s*/[A-Za-z]{2,3}/?$", "", " ".join(name.split()))  # EDGAR's state tag: "Core Scientific, Inc./tx"
        if name and all(_norm(name) != _norm(n) for n, _ in out):
            out.append((name, source))

    if company:
        add(company, "conformed")
    for name in former:
        add(name, "former")
    for text in texts:
        for name, source in names_in_text(text, company):
            add(name, source)
    return out
