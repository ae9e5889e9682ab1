"""What a question says about where its answer is, and what a document says about itself.

On a store of many companies' filings, the words of a question narrow the candidates long before
any passage is compared: the company it names, the fiscal year or quarter it asks about, the form
("10-K", "quarterly report") and the statement it points at ("balance sheet", "statement of cash
flows"). None of that is typed by the user as a filter; it is read here from the question, and
matched against what each document states about itself on its first pages (the registrant's name
above "(Exact name of registrant ...)", "NAME (NYSE: TICK)" in a release, "For the fiscal year
ended ...", "Date of report ..."). Nothing comes from file names or outside metadata.

Pure functions over strings: `service.store.index` calls them and turns the result into masks and weights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
_DATE = _MONTH + r"\s+(\d{1,2})\s*,?\s*((?:19|20)\d\d)"

# Words that end a company name or say nothing about which company it is.
_SUFFIXES = frozenset("""inc incorporated corp corporation co company companies ltd limited plc llc lp sa nv ag se the
    holdings holding group international""".split())
# A name's first word alone identifies the company only if it is not an ordinary word of names.
_GENERIC_FIRST = frozenset("""general american united first national international global new north south east west
    northern southern eastern western central royal standard capital digital energy health financial bank
    public federal pacific atlantic american""".split())
_EXCHANGE = r"(?:NYSE|NASDAQ|Nasdaq|NYSE\s+American|NYSE\s+Arca)"


# -- what a document says about itself -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    """A document's own statement of who filed it and for when."""

    names: tuple[str, ...] = ()  # registrant / issuer names, as written
    tickers: frozenset[str] = frozenset()
    form: str | None = None  # "10-K" | "10-Q" | "8-K" | "release" | stored form
    period_end: str | None = None  # ISO: fiscal year / quarter end, or the 8-K's report date
    years: frozenset[int] = frozenset()  # fiscal years the document is "for" (its label, either reading)
    annual: bool = False  # reports a whole fiscal year (a 10-K, a fourth-quarter-and-full-year release)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k in (name_key(n) for n in self.names) if k)


def joined_key(key: str) -> str:
    """A name key without spaces, and without a long legal suffix the PDF text glued or split
    ('mgm r esorts i nternational' -> 'mgmresorts')."""
    joined = key.replace(" ", "")
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if len(suffix) >= 5 and joined.endswith(suffix) and len(joined) > len(suffix) + 1:
                joined, changed = joined[: -len(suffix)], True
    return joined


def _flat(text: str) -> str:
    return " ".join(text.split())


def name_key(name: str) -> str:
    """Lower-case words of a company name without its legal suffixes: 'The Kraft Heinz Company' ->
    'kraft heinz'. PDF text breaks words ('MGM R ESORTS'): matching compares keys without spaces."""
    words = re.findall(r"[a-z0-9&]+", name.lower().replace("’", "'").replace("'", ""))
    while words and (words[-1] in _SUFFIXES or words[-1] == "&"):
        words.pop()
    while words and words[0] == "the":
        words.pop(0)
    return " ".join(words)


def _registrant(flat: str) -> list[str]:
    """The name printed above '(Exact name of registrant as specified in its charter)'."""
    out = []
    for m in re.finditer(r"\(\s*exact\s+name\s+of\s+(?:the\s+)?registran", flat, re.I):
        words = flat[max(0, m.start() - 160) : m.start()].split()
        name: list[str] = []
        for w in reversed(words):
            if re.fullmatch(r"[.,]+", w):
                continue  # "NIKE, Inc . (Exact name": PDF text splits the punctuation off
            # Walk back over name-like words; stop at a file number, a date, a rule of underscores.
            if re.fullmatch(r"[A-Z0-9][\w&.,'’\-]*|&|of|and|de", w) and not re.fullmatch(r"[\d\-.,]+", w) and len(name) < 8:
                name.insert(0, w)
            else:
                break
        while name and name[0].lower() in ("number", "no.", "file"):
            name.pop(0)
        if name:
            out.append(" ".join(name).strip(" ,."))
    return out


def _release_names(flat: str) -> tuple[list[str], set[str]]:
    """'Johnson & Johnson (NYSE: JNJ)': a release names its issuer and ticker in one place."""
    names, tickers = [], set()
    for m in re.finditer(r"\(\s*" + _EXCHANGE + r"\s*:\s*([A-Z]{1,5}(?:\.[A-Z])?)\s*\)", flat):
        tickers.add(m.group(1).upper())
        words = flat[max(0, m.start() - 120) : m.start()].split()
        name: list[str] = []
        for w in reversed(words):
            if re.fullmatch(r"[A-Z][\w&.,'’\-]*|&", w) and len(name) < 6:
                name.insert(0, w)
            else:
                break
        if name:
            names.append(" ".join(name).strip(" ,."))
    return names, tickers


_SUFFIXED = re.compile(
    r"\b((?:[A-Z][\w&’'\-]*\s+){0,3}[A-Z][\w&’'\-]*),?\s+(?i:Inc\.?|Incorporated|Corporation|Company|Corp\.|Co\.|plc|N\.V\.|Ltd\.?)(?![A-Za-z])")


def _suffixed_names(flat: str) -> list[str]:
    """The most repeated 'X Corporation' / 'X, Inc.' on the first pages: how a document without a
    registrant line names itself. Each match counts for every tail of its words ('Contents
    MICROSOFT CORPORATION' also counts 'MICROSOFT'), so a page header before the name does no harm."""
    counts: dict[str, int] = {}
    for m in _SUFFIXED.finditer(flat):
        words = name_key(m.group(0)).split()
        for i in range(len(words)):
            key = " ".join(words[i:])
            if words[i] not in _NOT_NAMES:
                counts[key] = counts.get(key, 0) + 1
    best = sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0])))[:1]
    return [k for k, n in best if n >= 2]


_NOT_NAMES = frozenset("the state of exchange securities form commission section act contents table documents".split())


def _cover_tickers(flat: str) -> set[str]:
    """Trading symbols in the cover's 'Securities registered pursuant to Section 12(b)' table."""
    m = re.search(r"trading\s+symbol", flat, re.I)
    if not m:
        return set()
    region = flat[m.end() : m.end() + 1500]
    region = re.split(r"12\s*\(\s*g\s*\)", region)[0]
    found = re.findall(r"\b([A-Z]{1,5})\s+(?:The\s+)?(?:New\s+York\s+Stock\s+Exchange|NYSE|NASDAQ|Nasdaq)", region)
    return {t for t in found[:1]}  # the first row is the common stock


def _iso(month: str, day: str, year: str) -> str | None:
    try:
        return date(int(year), MONTHS.index(month.lower()) + 1, int(day)).isoformat()
    except ValueError:
        return None


def profile_document(head: str, *, company: str | None = None, ticker: str | None = None, form: str | None = None,
                     period: str | None = None) -> Profile:
    """Read a document's first pages. Stored metadata (an SEC header's company, a dei cover) comes
    first where it exists; the text fills the rest."""
    flat = _flat(head)
    names = [company] if company else []
    names += _registrant(flat)
    released, tickers = _release_names(flat)
    names += released
    if not names:
        names = _suffixed_names(flat)
    tickers |= _cover_tickers(flat)
    if ticker:
        tickers.add(ticker.upper())

    kind, end = (form.upper() if form else None), period
    if m := re.search(r"fiscal\s+year\s+ended\s*:?\s*" + _DATE, flat, re.I):
        kind, end = kind or "10-K", end or _iso(*m.groups())
    elif m := re.search(r"quarterly\s+period\s+ended\s*:?\s*(?:commission\s+file\s+)?" + _DATE, flat, re.I):
        kind, end = kind or "10-Q", end or _iso(*m.groups())
    elif m := re.search(r"date\s+of\s+(?:report|earliest\s+event\s+reported)[^:]{0,60}:\s*" + _DATE, flat, re.I):
        kind, end = kind or "8-K", end or _iso(*m.groups())
    elif released or re.search(r"for\s+immediate\s+release|reports?\s+(?:\w+[- ])?quarter", flat[:3000], re.I):
        kind = kind or "release"
        # A release is for the period it reports: "...ended January 28, 2023", "fourth quarter 2022".
        if m := re.search(r"(?:quarter|year|period)s?[\s\"”’)]*ended\s+" + _DATE, flat, re.I):
            end = end or _iso(*m.groups())
        elif m := (re.search(r"(first|second|third|fourth)-?\s*quarter(?:\s+and\s+full[- ]\s*year)?\s+(?:fiscal\s+)?((?:19|20)\d\d)", flat, re.I)
                   or re.search(r"((?:19|20)\d\d)\s+(first|second|third|fourth)-?\s*quarter", flat, re.I)):
            word, year = (m.group(1), m.group(2)) if not m.group(1).isdigit() else (m.group(2), m.group(1))
            q = ("first", "second", "third", "fourth").index(word.lower()) + 1
            end = end or f"{year}-{3 * q:02d}-{30 if q in (2, 3) else 31}"
    # A release of the fourth quarter or the full year reports the fiscal year as a 10-K does.
    annual = kind == "10-K" or (kind == "release" and bool(re.search(
        r"fourth[- ]\s*quarter|(?:full|fiscal)[- ]\s*year\s+(?:(?:19|20)\d\d\s+)?(?:financial\s+)?results|\byear\s+ended",
        flat[:3000], re.I)))
    years = set()
    if end:
        y, month = int(end[:4]), int(end[5:7])
        years.add(y)
        if month <= 2:  # a fiscal year ending in January or February is labelled either year
            years.add(y - 1)
    for m in re.finditer(r"\bfiscal\s+((?:19|20)\d\d)\b", flat[:4000], re.I):
        if end and abs(int(m.group(1)) - int(end[:4])) <= 1:
            years.add(int(m.group(1)))
    seen: list[str] = []
    for n in names:
        if n and name_key(n) and n not in seen:
            seen.append(n)
    return Profile(tuple(seen), frozenset(tickers), kind, end, frozenset(years), annual)


# -- what a question says about where its answer is ---------------------------------------------

# Statements and the titles a page that holds one carries, by the words a question uses for them.
STATEMENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "balance": (("balance sheet", "statement of financial position", "statements of financial position",
                 "financial position"),
                r"balance\s+sheets?|statements?\s+of\s+financial\s+(?:position|condition)"),
    "income": (("income statement", "statement of income", "statements of income", "statement of operations",
                "statements of operations", "p&l", "profit and loss", "statement of earnings", "statements of earnings"),
               r"statements?\s+of\s+(?:consolidated\s+)?(?:income|operations|earnings)(?!\s+taxes)|income\s+statements?"),
    "cash": (("cash flow statement", "statement of cash flows", "statements of cash flows", "cash flows statement",
              "cash flow statement"),
             r"statements?\s+of\s+(?:consolidated\s+)?cash\s+flows?|cash\s+flows?\s+statements?"),
    "equity": (("statement of equity", "statement of shareholders", "statement of stockholders", "changes in equity"),
               r"statements?\s+of\s+(?:changes\s+in\s+)?(?:shareholders|stockholders|share\s*owners)['’]?\s+equity|statements?\s+of\s+equity"),
    "comprehensive": (("comprehensive income",),
                      r"statements?\s+of\s+comprehensive\s+(?:income|loss)"),
}
_STATEMENT_TITLE = {k: re.compile(v, re.I) for k, (_, v) in STATEMENTS.items()}
# Line items, by the statement that carries them: a question about one points at its statement
# even when it does not name the statement (weaker than naming it).
LINE_ITEMS: dict[str, tuple[str, ...]] = {
    "balance": ("total assets", "current assets", "current liabilities", "working capital", "inventory", "inventories",
                "accounts receivable", "accounts payable", "pp&e", "ppne", "property, plant and equipment",
                "property and equipment", "long-term debt", "shareholders' equity", "stockholders' equity",
                "retained earnings", "goodwill", "quick ratio", "current ratio", "total liabilities"),
    "income": ("revenue", "net sales", "cost of goods sold", "cogs", "cost of revenue", "cost of sales", "gross margin",
               "gross profit", "operating income", "operating margin", "net income", "net earnings", "earnings per share",
               "eps", "interest expense", "sg&a", "ebit", "ebitda", "research and development", "effective tax rate"),
    "cash": ("capex", "capital expenditure", "free cash flow", "fcf", "cash from operations", "operating cash flow",
             "cash flow from operations", "dividends paid", "d&a", "depreciation and amortization", "repurchases",
             "buybacks", "ebitda"),
}

# Ratios an analyst computes, by the statements their inputs come from: a question asking for one
# points at those statements although it names none of their line items.
RATIOS: dict[str, tuple[str, ...]] = {
    "capital intensive": ("cash", "balance"), "capital-intensive": ("cash", "balance"), "capital intensity": ("cash", "balance"),
    "inventory turnover": ("income", "balance"), "days inventory": ("income", "balance"),
    "asset turnover": ("income", "balance"), "fixed asset turnover": ("income", "balance"),
    "return on assets": ("income", "balance"), "roa": ("income", "balance"),
    "return on equity": ("income", "balance"), "roe": ("income", "balance"),
    "return on invested capital": ("income", "balance"), "roic": ("income", "balance"),
    "days sales outstanding": ("income", "balance"), "dso": ("income", "balance"),
    "days payable outstanding": ("income", "balance"), "dpo": ("income", "balance"),
    "interest coverage": ("income",), "debt to equity": ("balance",), "debt-to-equity": ("balance",),
    "leverage ratio": ("balance", "income"), "net debt": ("balance",), "book value": ("balance",),
    "cash conversion": ("cash", "income"), "payout ratio": ("cash", "income"), "dividend payout": ("cash", "income"),
    "liquidate": ("balance",), "liquidated": ("balance",), "liquidation": ("balance",), "solvency": ("balance",),
    "liquidity profile": ("balance",),
}  # fmt: skip

# Sections of a 10-K/10-Q beyond the statements (Regulation S-K items and the notes every filer
# writes), by the words a question uses for their subject, with the headings that title them. A
# page carrying such a heading as a line of its own is where that subject is disclosed.
TOPICS: dict[str, tuple[str, str]] = {
    "legal": (r"\blegal\b|\blitigation|\blawsuits?\b|\bsued\b|\bsettlements?\b|\bantitrust\b",
              r"^(?:item\s*3\.?\s*)?legal\s+proceedings|^(?:note\s*\d+\W+)?(?:commitments\s+and\s+)?contingencies|^litigation\b|^legal\s+matters"),
    "segments": (r"\bsegments?\b|\bregions?\b|\bgeograph\w*|\binternational\b|\bbusiness\s+units?\b",
                 r"segment\s+(?:information|reporting|results|data)|reportable\s+segments|operating\s+segments|geographic\s+(?:information|areas|data)"),
    "pension": (r"\bpensions?\b|\bretirees?\b|\bpostretirement\b|\bdefined\s+benefit\b|\bretirement\s+benefits?\b",
                r"pension|postretirement|retirement\s+(?:plans|benefits)|employee\s+benefit\s+plans|benefit\s+plans"),
    "debt": (r"\bdebt\b|\bborrowings?\b|\bcredit\s+facilit\w*|\bnotes\s+due\b|\bmaturities\b",
             r"^(?:note\s*\d+\W+)?(?:(?:short-term\s+and\s+)?long-term\s+)?debt\b|^(?:note\s*\d+\W+)?borrowings\b|credit\s+facilit"),
    "taxes": (r"\btax\s+rate\b|\bincome\s+tax\w*|\bdeferred\s+tax\w*", r"^(?:note\s*\d+\W+)?(?:provision\s+for\s+)?income\s+taxes"),
    "leases": (r"\bleases?\b|\blessee\b", r"^(?:note\s*\d+\W+)?leases\b"),
    "risks": (r"\brisks?\b", r"^(?:item\s*1a\.?\s*)?risk\s+factors"),
    "restructuring": (r"\brestructur\w*|\blayoffs?\b|\bimpairment\w*|\bspin(?:[- ]?off)\w*|\bdivest\w*|\bseparation\b",
                      r"restructuring|impairment|discontinued\s+operations|divestitures?|separation|acquisitions\s+and\s+divestitures"),
    "liquidity": (r"\bliquidity\b|\bcapital\s+resources\b|\bcash\s+position\b", r"liquidity\s+and\s+capital\s+resources|^liquidity\b"),
}
_TOPIC_ASKED = {k: re.compile(q, re.I) for k, (q, _) in TOPICS.items()}
_TOPIC_HEADING = {k: re.compile(h, re.I) for k, (_, h) in TOPICS.items()}

FORMS: list[tuple[str, tuple[str, ...]]] = [
    ("10-K", ("10-k", "10k", "annual report")),
    ("10-Q", ("10-q", "10q", "quarterly report")),
    ("8-K", ("8-k", "8k", "current report")),
    ("release", ("earnings release", "press release", "earnings report")),
]

_FY = re.compile(r"\b(?:fy|fiscal(?:\s+year)?)\s*'?((?:19|20)?\d\d)\b(?!\s*%)", re.I)
_YEAR = re.compile(r"(?<![\d.$,])((?:19|20)\d\d)(?![\d%])")
_QUARTER = re.compile(
    r"\b(?:q([1-4])|([1-4])q|(first|second|third|fourth)\s+(?:fiscal\s+)?quarter|h([12])|(first|second)\s+half)\b", re.I)
_QUARTER_JOINED = re.compile(r"\bq([1-4])'?((?:19|20)\d\d)\b", re.I)  # "Q22023", "Q2'2023"
_Q_DATE = re.compile(_DATE, re.I)
_FORWARD = re.compile(r"\b(?:expect\w*|guidance|guided|outlook|forecast\w*|anticipat\w*)\b")
_INSTRUMENT_YEAR_BEFORE = re.compile(r"(?:due|matur\w*|expir\w*|redeemable|callable)\s+(?:in\s+|on\s+)?$")
_INSTRUMENT_YEAR_AFTER = re.compile(r"\s*(?:convertible\s+|senior\s+|secured\s+|exchangeable\s+)*(?:notes?|bonds?|debentures?|term\s+loan)\b")


@dataclass
class Cues:
    """Where the question points, read from its words alone."""

    years: list[int] = field(default_factory=list)  # fiscal/calendar years named, in order
    fiscal_years: list[int] = field(default_factory=list)  # those written as fiscal ("FY2021", "fiscal 2022")
    quarter: bool = False  # names a quarter or half: a 10-Q or a release, not only the 10-K
    dates: list[str] = field(default_factory=list)  # ISO dates named ("As of May 26, 2023")
    form: str | None = None
    statements: set[str] = field(default_factory=set)
    implied: set[str] = field(default_factory=set)  # statements whose line items it asks about, not named
    topics: set[str] = field(default_factory=set)  # sections beyond the statements it asks about (TOPICS)
    forward: bool = False  # asks what was expected or guided: said in the filings of the year before


def question_cues(text: str) -> Cues:
    lowered = " ".join(text.lower().split())
    cues = Cues()
    years: list[int] = []
    for m in _QUARTER_JOINED.finditer(lowered):
        years.append(int(m.group(2)))
    for m in _FY.finditer(lowered):
        y = m.group(1)
        years.append(int(y) if len(y) == 4 else 2000 + int(y))
    cues.fiscal_years = list(dict.fromkeys(years))
    for m in _YEAR.finditer(lowered):
        # "notes due 2031", "the 2030 notes", "maturing in 2029": an instrument's year, not a period.
        if _INSTRUMENT_YEAR_BEFORE.search(lowered[max(0, m.start() - 16) : m.start()]) or \
                _INSTRUMENT_YEAR_AFTER.match(lowered[m.end() : m.end() + 24]):
            continue
        years.append(int(m.group(1)))
    cues.years = [y for y in dict.fromkeys(years) if 1990 <= y <= 2069]
    cues.quarter = bool(_QUARTER.search(lowered) or _QUARTER_JOINED.search(lowered))
    cues.dates = [d for m in _Q_DATE.finditer(lowered) if (d := _iso(*m.groups()))]
    padded = f" {lowered} "
    cues.form = next((name for name, words in FORMS if any(w in padded for w in words)), None)
    cues.statements = {k for k, (words, _) in STATEMENTS.items() if any(w in lowered for w in words)}
    cues.forward = bool(_FORWARD.search(lowered))

    cues.implied = {k for k, items in LINE_ITEMS.items() if any(_says(lowered, i) for i in items)}
    cues.implied |= {k for ratio, statements in RATIOS.items() if _says(lowered, ratio) for k in statements}
    cues.implied -= cues.statements
    cues.topics = {k for k, rx in _TOPIC_ASKED.items() if rx.search(lowered)}
    return cues


def _says(lowered: str, term: str) -> bool:
    """`term` as words of the lower-cased question: "roa" in "what is the roa", not in "roadmap"."""
    return re.search(r"(?<![a-z&])" + re.escape(term) + r"(?![a-z&])", lowered) is not None


def page_topics(text: str) -> set[str]:
    """The sections (TOPICS) a page holds: a heading line of its own anywhere on it ('Note 12 —
    Commitments and Contingencies', 'Legal Proceedings'), short and without a closing period."""
    found: set[str] = set()
    for line in text.splitlines():
        line = " ".join(line.split())
        if not 4 <= len(line) <= 90 or line.endswith((".", ",", ";", ":")) or sum(c.isalpha() for c in line) < 4:
            continue
        found |= {k for k, rx in _TOPIC_HEADING.items() if rx.search(line)}
    return found


def page_statements(head: str) -> set[str]:
    """The statements a page is titled as: a short line among its first ones that is the title
    ('CONSOLIDATED BALANCE SHEETS', 'Consolidated Statements of Cash Flows (in millions)'), not a
    mention in running text ('... on our consolidated income statements.')."""
    lines = [" ".join(line.split()) for line in head[:600].splitlines()]
    lines = [line for line in lines if line][:12]
    # PDF text may break a title over two lines ("BALANCE" / "SHEETS"): pairs are tried too.
    candidates = lines + [f"{a} {b}" for a, b in zip(lines, lines[1:])]
    found: set[str] = set()
    for line in candidates:
        if len(line) > 90 or line.endswith((".", ",", ";")):
            continue
        found |= {k for k, rx in _STATEMENT_TITLE.items() if rx.search(line)}
    return found


def question_phrases(text: str) -> list[tuple[str, bool]]:
    """Runs of capitalised words that may name a company ('Lockheed Martin', 'JnJ', 'MGM'), each
    as (lower-case key without spaces, is-one-word)."""
    words = re.findall(r"[A-Za-z0-9&][A-Za-z0-9&.\-]*", re.sub(r"[’']s\b", "", text))
    words = [w.strip(".-") for w in words]
    out: list[tuple[str, bool]] = []
    for i in range(len(words)):
        for size in (1, 2, 3, 4):
            run = words[i : i + size]
            if len(run) < size or not all(w[:1].isupper() or w == "&" for w in run) or run[-1] == "&":
                break
            key = re.sub(r"[^a-z0-9&]", "", "".join(run).lower())
            if len(key) >= 2:
                out.append((key, size == 1))
    return out


def ticker_words(text: str) -> set[str]:
    """Words written like a ticker: all capitals, or mixed case with two capitals ('JnJ')."""
    return {w.upper() for w in re.findall(r"\b[A-Za-z&]{2,6}\b", text)
            if sum(c.isupper() for c in w) >= 2 and not w.isdigit()}


def names_company(profile: Profile, phrases: list[tuple[str, bool]], tickers: set[str]) -> int:
    """How strongly the question names this document's company: 3 full name, 2 a leading part of it
    or its ticker, 0 not at all."""
    best = 0
    if tickers & profile.tickers:
        best = 2
    for key in profile.keys:
        joined = joined_key(key)
        first = key.split(" ")[0]
        for phrase, single in phrases:
            if phrase == joined:
                return 3
            if len(phrase) >= 3 and joined.startswith(phrase) and _at_word_end(key, len(phrase)):
                if single and (phrase in _GENERIC_FIRST or len(phrase) < 3):
                    continue
                if not single or phrase == first or len(first) <= 3:
                    best = max(best, 2)
    return best


def _at_word_end(key: str, n: int) -> bool:
    """Whether the first n letters of `key` (spaces not counted) end at a word boundary."""
    seen = 0
    for i, ch in enumerate(key):
        if ch != " ":
            seen += 1
        if seen == n:
            return i + 1 == len(key) or key[i + 1] == " "
    return False


def period_weight(profile: Profile, cues: Cues) -> float:
    """How well a document's period fits the question's: 1 for the year (or the date) it names,
    less for a later filing that still reports it (a 10-K shows three years), little otherwise."""
    if cues.dates and profile.period_end and profile.period_end in cues.dates:
        return 1.0
    if not cues.years:
        return 1.0
    # "As of FY2021, ... pay in 2024": the fiscal year anchors the filing, a bare year may be a forecast.
    latest = max(cues.fiscal_years or cues.years)
    if cues.dates:  # a dated event: a filing of that date beats one merely of that year
        return 0.7 * _year_weight(profile, latest, cues.forward)
    return _year_weight(profile, latest, cues.forward)


def _year_weight(profile: Profile, latest: int, forward: bool) -> float:
    if not profile.years:
        return 0.5
    # What was expected for a year is said in the filings of the year before it.
    if latest in profile.years or (forward and latest - 1 in profile.years):
        return 1.0
    ahead = min((y - latest for y in profile.years if y > latest), default=None)
    if ahead is not None and ahead <= 2:
        return 0.6 - 0.1 * ahead
    return 0.25


def form_weight(profile: Profile, cues: Cues) -> float:
    """A form the question names, else what its period implies: a fiscal year without a quarter
    is answered by the annual report (or the release of the year's results); a quarter by a 10-Q
    or release."""
    form = (profile.form or "").upper()
    if cues.form:
        return 1.0 if form == cues.form.upper() else 0.6
    if cues.quarter:
        return 1.0 if form in ("10-Q", "RELEASE", "8-K") else 0.8
    if cues.dates:
        return 1.0 if form in ("8-K", "RELEASE") else 0.8
    if cues.years:
        return 1.0 if profile.annual else 0.8
    return 1.0

