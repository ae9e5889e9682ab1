"""Market inputs a user supplies: BTC price, share prices, hashprice, as of a date.

Nothing in minerlens reaches a market feed (the deployment has no such access, and a screen must
say which prices it used). Prices arrive as a CSV file or through `POST /market`, are stored as a
snapshot in the database, and the screen reads the latest one.

To plug in a feed: write a small job that fetches the prices and calls
`service.store.records.save_market_inputs(db, MarketInputs(...))` (or POSTs to /market) on a schedule; nothing else
changes.

CSV shape, one `name,value` pair a line (a header line `name,value` is optional):

    as_of,2025-03-31
    btc_price_usd,82548.91
    hashprice,46.2
    share:RIOT,7.12
    share:CLSK,7.36
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ingest.errors import BadInput, reason
from ingest.parse import valid_ticker

_SHARE_PREFIXES = ("share:", "share_price:", "price:")


class MarketInputs(BaseModel):
    """Prices as of one date. `share_prices` maps an upper-case ticker to USD per share;
    `hashprice` is USD per PH/s per day as the user's source states it."""

    as_of: str = Field(description="ISO date the prices are from.")
    btc_price_usd: float | None = None
    share_prices: dict[str, float] = Field(default_factory=dict, description="Ticker -> USD per share.")
    hashprice: float | None = Field(None, description="USD per PH/s per day.")
    source: str | None = None

    def share_price(self, ticker: str) -> float | None:
        return self.share_prices.get(ticker.upper())

    def to_dict(self) -> dict[str, Any]:
        """The row the store keeps (service.store.records)."""
        return self.model_dump()


def market_inputs(as_of: str, btc_price_usd: float | None = None, share_prices: dict[str, float] | None = None,
                  hashprice: float | None = None, source: str | None = None) -> MarketInputs:
    """Validated MarketInputs (the one constructor the API and the CSV reader share)."""
    try:
        day = date.fromisoformat(str(as_of)[:10]).isoformat()
    except ValueError:
        raise BadInput(f"market as_of {str(as_of)[:40]!r} is not an ISO date", hint="Use YYYY-MM-DD.") from None
    if day > today():
        raise BadInput(f"market as_of {day} is after today ({today()})", hint="Prices are as of a past or present date.")
    prices = {_ticker(t): _positive(f"share price of {t}", v) for t, v in (share_prices or {}).items()}
    return MarketInputs(
        as_of=day,
        btc_price_usd=None if btc_price_usd is None else _positive("btc_price_usd", btc_price_usd),
        share_prices={t: p for t, p in prices.items() if t},
        hashprice=None if hashprice is None else _positive("hashprice", hashprice),
        source=source,
    )


def _ticker(value: object) -> str:
    ticker = valid_ticker(str(value))
    if ticker is None:
        raise BadInput(f"market share price for {str(value)[:40]!r}: not an exchange ticker", hint="1-5 letters, optionally a class suffix.")
    return ticker


def today() -> str:
    """Today's ISO date where it is latest (UTC+14): a snapshot taken today anywhere is not refused."""
    return (datetime.now(timezone.utc) + timedelta(hours=14)).date().isoformat()


def _positive(name: str, value: object) -> float:
    try:
        number = float(str(value).replace(",", "").replace("$", "").strip())
    except ValueError:
        raise BadInput(f"market input {name}: {value!r} is not a number") from None
    if not math.isfinite(number) or number <= 0:
        raise BadInput(f"market input {name}: {value!r} must be a positive number")
    return number


def parse_market_csv(text: str, source: str | None = None) -> MarketInputs:
    values: dict[str, str] = {}
    shares: dict[str, str] = {}
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not cells or not cells[0] or cells[0].startswith("#"):
            continue
        if len(cells) < 2 or not cells[1]:
            raise BadInput(f"market CSV line {n}: expected 'name,value', got {','.join(cells)!r}")
        name, value = cells[0].lower(), cells[1]
        if (name, value.lower()) == ("name", "value"):
            continue
        prefix = next((p for p in _SHARE_PREFIXES if name.startswith(p)), None)
        if prefix:
            shares[cells[0][len(prefix):]] = value
        elif name in ("as_of", "btc_price_usd", "hashprice"):
            values[name] = value
        else:
            raise BadInput(f"market CSV line {n}: unknown name {cells[0]!r}",
                           hint="Names: as_of, btc_price_usd, hashprice, share:<TICKER>.")
    if "as_of" not in values:
        raise BadInput("market CSV has no as_of line", hint="Add a line 'as_of,YYYY-MM-DD'.")
    return market_inputs(values["as_of"], values.get("btc_price_usd"), shares, values.get("hashprice"), source)


def load_market_csv(path: str | Path) -> MarketInputs:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"market CSV {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"market CSV {path}: cannot read it ({'not UTF-8 text' if isinstance(e, UnicodeDecodeError) else reason(e)})") from None
    return parse_market_csv(text, source=path.name)
