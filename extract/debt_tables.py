"""Debt terms read from tables: a debt note's table of borrowings, a prospectus's capitalization
table, and a single loan's schedule of future principal payments.

Tables state what prose often leaves out: the principal still outstanding at the balance-sheet
date, the carrying amount, the stated rate and the maturity, one row per instrument. Filers lay
them out alike: a label column naming the instrument, then value columns whose header says
what they are ("Principal outstanding", "Carrying amount", "Stated rate", "Maturity", "Actual"),
the latest period first, in the scale stated above or in the table ("(in thousands)",
"US$ in thousands"). These functions only read rows; which instrument a row is, is decided by
the prose reader, which knows the instruments the document names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract.cues import SERIES_LABEL, term_of_header
from extract.normalize import find_dates, find_money, find_numbers, parse_money, parse_month_year, parse_number, parse_percent
from ingest.reading import Grid
from ingest.types import Part, Table

# A row label that names borrowings, not an asset, a subtotal or an adjustment.
_DEBT_LABEL = re.compile(
    r"\b(?:notes?|debentures|bonds|loans?|mortgages?|facility|line\s+of\s+credit|credit\s+agreement|financing|borrowings)\b", re.I
)
_NOT_AN_INSTRUMENT = re.compile(
    r"^\s*(?:total|less|net\b|long[- ]term\s+portion|current\s+portion|unamortized|debt\s+issuance|discount|premium|accrued)"
    r"|receivable|\binterest\s+expense\b|\bfair\s+value\b|\bnet\s+of\b|\bcurrent\s+portion\b|\bnon-?current\b",
    re.I,
)
# Header words, by what a column holds. Checked in this order: "Principal outstanding" is principal.
_COLUMN_KINDS = (
    ("skip", re.compile(r"as\s+adjusted|pro\s+forma|fair\s+value", re.I)),
    ("carrying", re.compile(r"carrying|net\s+(?:book|amount|balance)|book\s+value|debt\s+balance", re.I)),
    ("outstanding", re.compile(r"principal|outstanding|face|gross|actual", re.I)),
    ("rate", re.compile(r"\brate\b|interest", re.I)),
    ("maturity", re.compile(r"maturity|matures|due\s+date", re.I)),
)
_SCALE = (
    (re.compile(r"in\s+thousands|\$\s*000s?\b|’000|'000", re.I), 1e3),
    (re.compile(r"in\s+millions", re.I), 1e6),
)
_DASH = re.compile(r"^\s*\$?\s*[—–-]+\s*$")


@dataclass(slots=True)
class DebtRow:
    """One instrument's row of a debt or capitalization table."""

    label: str  # the row's label, footnote marks and trailing colon removed
    quote: str  # the row as the part's text shows it
    start: int  # offset of the row in the part's text
    outstanding_usd: float | None = None
    carrying_value_usd: float | None = None
    coupon_pct: float | None = None
    maturity_date: str | None = None
    maturity_year: int | None = None
    as_of: str | None = None  # the date the balances are stated at
    as_of_quote: str | None = None  # the header text stating that date


def table_scale(part: Part, table: Table) -> float | None:
    """The unit the table's figures are in, from its header or the lines just above it."""
    header = " ".join(" ".join(row) for row in table.rows[: max(table.header_rows, 1) + 2])
    above = part.text[max(0, table.start - 400) : table.start]
    for where in (header, above):
        for pattern, scale in _SCALE:
            if pattern.search(where):
                return scale
    return None


def _label(cell: str) -> str:
    label = re.sub(r"\(\d\)", " ", cell)  # footnote marks "(1)"
    return " ".join(label.split()).strip(" :")


def _row_quote(part: Part, table: Table, row: list[str]) -> tuple[str, int] | None:
    text = part.text[table.start : table.end]
    joined = " | ".join(row)
    at = text.find(joined)
    if at < 0:
        at = text.find(row[0])
        if at < 0:
            return None
        end = text.find("\n", at)
        joined = text[at : len(text) if end < 0 else end]
    return joined, table.start + at


def _column_kinds(table: Table, width: int) -> list[str | None]:
    """What each value column (after the label column) holds, from the header rows."""
    kinds: list[str | None] = [None] * (width - 1)
    for row in table.rows[: table.header_rows]:
        cells = row[1:] if len(row) == width else row if len(row) == width - 1 else None
        if cells is None:
            continue
        for i, cell in enumerate(cells):
            for kind, pattern in _COLUMN_KINDS:
                if pattern.search(cell):
                    kinds[i] = kinds[i] or kind
                    break
    return kinds


def _header_date(table: Table, part: Part) -> tuple[str, str] | None:
    for row in table.rows[: table.header_rows]:
        for cell in row:
            dates = find_dates(cell)
            if dates:
                return dates[0][0], cell
    return None


def debt_rows(part: Part, table: Table) -> list[DebtRow]:
    """The rows of `table` naming a debt instrument, with the values the header says they hold.

    A table qualifies when its header names principal, carrying amount, rate or maturity columns,
    or when it is a capitalization table (its rows state "Principal amount of ..."); its scale must
    be stated, so a table of counts or per-share figures is never read as dollars.
    """
    scale = table_scale(part, table)
    body = table.rows[table.header_rows :]
    if scale is None or not body:
        return []
    width = max(len(r) for r in body)
    kinds = _column_kinds(table, width)
    capitalization = any(re.match(r"\s*principal\s+amount\s+of\b", r[0], re.I) for r in body if r)
    if not any(kinds) and not capitalization:
        return []
    balance_columns = any(k in ("outstanding", "carrying") for k in kinds)
    if not balance_columns:
        # A capitalization table: the first figure of a row is the actual balance, the next the as-adjusted one.
        kinds = ["outstanding"] + [k or "skip" for k in kinds[1:]]
    date = _header_date(table, part)
    out = []
    for row in body:
        if len(row) < 2 or not _DEBT_LABEL.search(row[0]) or _NOT_AN_INSTRUMENT.search(row[0]):
            continue
        located = _row_quote(part, table, row)
        if located is None:
            continue
        values = DebtRow(label=_label(row[0]), quote=located[0], start=located[1])
        if date:
            values.as_of, values.as_of_quote = date
        seen: set[str] = set()
        for kind, cell in zip(kinds, row[1:]):
            if kind is None or kind == "skip" or kind in seen:
                continue
            seen.add(kind)  # the first column of a kind is the latest period
            _read_cell(values, kind, cell, scale)
        # A row with dashes under headed balance columns but a stated rate (an undrawn line) still
        # states its coupon; the reader keeps such a row only when the prose names its instrument.
        if values.outstanding_usd is not None or values.carrying_value_usd is not None or balance_columns and values.coupon_pct is not None:
            out.append(values)
    return out


def _read_cell(row: DebtRow, kind: str, cell: str, scale: float) -> None:
    if kind in ("outstanding", "carrying"):
        if _DASH.match(cell):
            return  # "—" is nothing in this column, not a zero we can quote as a figure
        number = parse_number(cell.replace("$", "").strip())
        if number is not None and number >= 0:
            setattr(row, f"{kind}_value_usd" if kind == "carrying" else "outstanding_usd", number * scale)
    elif kind == "rate":
        if re.search(r"\bto\b|[-–]\s*\d|\+|sofr|prime|libor", cell, re.I):
            return  # a range or a floating rate, not one stated coupon
        row.coupon_pct = parse_percent(cell)
    elif kind == "maturity":
        if re.search(r"\bto\b|\d\s*[-–]\s*[A-Z]", cell):
            return  # a range of several loans' maturities
        dates = find_dates(cell)
        if dates:
            row.maturity_date = dates[0][0]
            row.maturity_year = int(dates[0][0][:4])
            return
        month_year = parse_month_year(cell)
        if month_year:
            row.maturity_year = month_year[0]


@dataclass(slots=True)
class ScheduleTotal:
    """The total of one instrument's schedule of future principal payments: what is still owed."""

    outstanding_usd: float
    quote: str  # the total row as the part's text shows it
    lead: str  # the sentence introducing the table
    as_of: str | None  # the date the lead states the schedule at


def schedule_total(part: Part, table: Table) -> ScheduleTotal | None:
    """The total of a table of future principal payments of one instrument.

    "The following table presents the future minimum principal payments due on the note payable
    as of December 31, 2024: 2025 | $ 314 ... Total | $ 5,323": the total is the principal still
    owed. Only a table introduced as principal payments, with years as row labels, qualifies.
    """
    above = part.text[max(0, table.start - 300) : table.start].rstrip()
    lead = above.rsplit("\n", 1)[-1].strip()
    if not re.search(r"\bprincipal\s+(?:payments|maturities|repayments)\b", lead, re.I):
        return None
    years = [r for r in table.rows if r and re.fullmatch(r"\s*(?:19|20)\d{2}\s*", r[0])]
    total = next((r for r in table.rows if r and re.match(r"\s*total\b", r[0], re.I)), None)
    if len(years) < 2 or total is None or len(total) < 2:
        return None
    scale = table_scale(part, table) or (1e3 if re.search(r"in\s+thousands", part.text[:200000], re.I) else None)
    number = parse_number(total[-1].replace("$", "").strip())
    located = _row_quote(part, table, total)
    if number is None or scale is None or located is None:
        return None
    dates = find_dates(lead)
    return ScheduleTotal(number * scale, located[0], lead, dates[-1][0] if dates else None)


# --------------------------------------------------------------------------------------------
# Terms tables: one row (or column) per instrument, one column (or row) per term.


@dataclass(slots=True)
class TermsRow:
    """One instrument of a terms table, its values, and the row that states them."""

    label: str  # the instrument as the table names it
    quote: str  # the row of the part's text naming the instrument (row layout) or its first value row
    start: int
    headers: str  # the header path(s) the values sit under, for the locator
    values: dict[str, object]
    quotes: dict[str, tuple[str, int]]  # field -> (the row stating it, its offset)


def _term_value(name: str, cell: str, scale: float | None) -> object | None:
    cell = cell.strip()
    if not cell or _DASH.match(cell) or re.fullmatch(r"[-—–]+|n/?a|none|—", cell, re.I):
        return None
    if name == "coupon_pct":
        if re.search(r"\bto\b|[-–]\s*\d|\+|sofr|prime|libor", cell, re.I):
            return None
        return parse_percent(cell) if "%" in cell or "percent" in cell.lower() else None
    if name == "conversion_rate_per_1000":
        # "28.9159 shares of common stock per $1,000 principal amount": the first figure, not the 1,000
        numbers = [n for n, _ in find_numbers(cell.split("$")[0])] if not cell.lstrip().startswith("$") else []
        return numbers[0] if numbers and 0 < numbers[0] < 10000 else None
    if name == "conversion_price_usd":
        money = find_money(cell)  # "approximately $34.5830 per share"
        number = money[0][0] if money else parse_number(cell.replace("$", "").strip())
        return number if number is not None and number > 0 else None
    if name in ("maturity_date", "issue_date"):
        dates = find_dates(cell)
        return dates[0][0] if dates else None
    if name in ("principal_usd", "outstanding_usd"):
        value = parse_money(cell, scale=scale or 1)
        if value is None:
            money = find_money(cell, scale=scale or 1)  # "$850 million aggregate principal amount"
            value = money[0][0] if len(money) == 1 else None
        return value if value is not None and value > 0 else None
    return None


def terms_rows(part: Part, grid: Grid) -> list[TermsRow]:
    """The instruments of a terms table (`grid` from ingest.reading), or [] if it is not one.

    Row layout: value-column headers name at least two terms, one of them a coupon or conversion
    term, and row labels name debt series. Column layout: row labels name at least three terms and
    the column headers name debt series. A debt schedule without conversion terms is left to
    `debt_rows`.
    """
    table = grid.table
    kinds = [term_of_header(grid.header(i)) for i in range(len(grid.headers))]
    named = {k for k in kinds if k}
    out: list[TermsRow] = []
    if len(named) >= 2 and named & {"conversion_rate_per_1000", "conversion_price_usd"}:
        for (label, cells), raw in zip(grid.rows, [r for r in table.rows[table.header_rows :] if any(c.strip() for c in r)]):
            if not SERIES_LABEL.search(label) or _NOT_AN_INSTRUMENT.search(label):
                continue
            located = _row_quote(part, table, raw)
            if located is None:
                continue
            values = {}
            for kind, cell in zip(kinds, cells):
                if kind and kind not in values:
                    value = _term_value(kind, cell, grid.scale)
                    if value is not None:
                        values[kind] = value
            if values:
                headers = "; ".join(grid.header(i) for i, k in enumerate(kinds) if k in values)
                out.append(TermsRow(_label(label), located[0], located[1], headers, values, dict.fromkeys(values, located)))
        return out
    # Column layout. Parsers often take the first rows of a two-column "Term | Notes" table for headers,
    # so every row is read: its first cell a term, the other cells one series each.
    rows = [r for r in table.rows if r and any(c.strip() for c in r)]
    row_kinds = [term_of_header(r[0]) for r in rows]
    width = max((len(r) for r in rows), default=0)
    series: list[str] = []
    for column in range(1, width):
        # The series a column is about: the first cell above its values that names a debt series.
        name = next((r[column] for r, k in zip(rows, row_kinds) if k is None and column < len(r) and SERIES_LABEL.search(r[column])), "")
        series.append(" ".join(name.split()))
    if len({k for k in row_kinds if k}) < 3 or not any(series):
        return out
    for column, name in enumerate(series, start=1):
        if not name:
            continue
        values: dict[str, object] = {}
        quotes: dict[str, tuple[str, int]] = {}
        for kind, raw in zip(row_kinds, rows):
            if kind and kind not in values and column < len(raw):
                value = _term_value(kind, raw[column], grid.scale)
                located = _row_quote(part, table, raw) if value is not None else None
                if located is not None:
                    values[kind] = value
                    quotes[kind] = located
        if values:
            # Each value's quote is its own row (a term label and the series' cells).
            first = next(iter(quotes.values()))
            out.append(TermsRow(_label(name), first[0], first[1], name, values, quotes))
    return out
