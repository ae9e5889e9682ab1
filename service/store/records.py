"""The stored rows the domain reads, loaded and turned into its records: the store side of
`service.domain` (which takes data, never a database handle)."""

from __future__ import annotations

from ingest.errors import NotFound
from service.domain.ledger import Mention, mentions_from_rows
from service.domain.market import MarketInputs, today
from service.domain.screen import CompanyFigures
from service.store.db import Database


def debt_mentions(db: Database, ticker: str) -> list[Mention]:
    """The company's debt mentions, each with its document and filing date, for the ledger."""
    return mentions_from_rows(db.debt_mentions(ticker=ticker.upper()))


def company_figures(db: Database, ticker: str) -> CompanyFigures:
    """What the screen reads of one company; XBRL facts are read only when a comparative needs them."""
    return CompanyFigures(documents=db.list_documents(ticker=ticker), figures=db.company_figures(ticker),
                          facts=lambda doc_sha256, concept: db.facts(doc_sha256=doc_sha256, concept=concept))


def save_market_inputs(db: Database, market: MarketInputs) -> int:
    return db.save_market_inputs(market.to_dict())


def load_market_inputs(db: Database, *, required: bool = False) -> MarketInputs | None:
    """The latest stored snapshot; None (or NotFound when `required`) if none was supplied."""
    # A snapshot dated in the future (stored before as_of was checked) must not stay "latest" for ever.
    row = db.latest_market_inputs(not_after=today())
    if row is None:
        if required:
            raise NotFound("no market inputs stored", hint="POST /market or load a CSV (see service/domain/market.py).")
        return None
    return MarketInputs(as_of=row["as_of"], btc_price_usd=row["btc_price_usd"], share_prices=row["share_prices"],
                        hashprice=row["hashprice"], source=row["source"])
