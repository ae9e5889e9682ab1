"""Who is who among the listed Bitcoin miners: ticker, CIK, current and former names.

Names change (Marathon Digital -> MARA Holdings, Riot Blockchain -> Riot Platforms, IKONICS ->
TeraWulf by CIK), so everything keys on the CIK; names and tickers are ways in. CIKs from the
SEC's company_tickers.json (via edgartools' snapshot); former names from EDGAR company headers.
"""

from __future__ import annotations

import re
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


_BY_CIK = {c.cik: c for c in COMPANIES}
_BY_TICKER = {c.ticker.lower(): c for c in COMPANIES}
_BY_NAME: dict[str, Company] = {}
for _company in COMPANIES:
    for _name in (_company.name, *_company.former_names):
        _BY_NAME.setdefault(_norm(_name), _company)
        _BY_NAME.setdefault(_core(_name), _company)


def pad_cik(cik: str | int) -> str | None:
    """'827876' / 827876 / 'CIK0000827876' -> '0000827876'; None if it holds no digits."""
    digits = re.sub(r"\D", "", str(cik))
    return digits.zfill(10) if digits else None


def by_cik(cik: str | int | None) -> Company | None:
    padded = pad_cik(cik) if cik is not None else None
    return _BY_CIK.get(padded) if padded else None


def ticker_for_cik(cik: str | int | None) -> str | None:
    company = by_cik(cik)
    return company.ticker if company else None


def lookup(name_or_ticker: str | None) -> Company | None:
    """A company by ticker, CIK, current or former name, case-insensitive.

    'mara', 'Marathon Digital', 'Riot Blockchain, Inc.' and 'IKONICS' all resolve. A word prefix
    that fits exactly one company resolves too ('Cipher' -> CIFR); an ambiguous one does not.
    """
    if not name_or_ticker or not name_or_ticker.strip():
        return None
    query = name_or_ticker.strip()
    if query.lower() in _BY_TICKER:
        return _BY_TICKER[query.lower()]
    if re.fullmatch(r"(?i)(cik)?\s*\d{1,10}", query):
        return by_cik(query)
    for key in (_norm(query), _core(query)):
        if key and key in _BY_NAME:
            return _BY_NAME[key]
    core = _core(query)
    if not core:
        return None
    hits = {c.cik: c for key, c in _BY_NAME.items() if key.startswith(core + " ")}
    return next(iter(hits.values())) if len(hits) == 1 else None


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
