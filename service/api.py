"""The HTTP API (FastAPI). The only module that knows HTTP status codes.

Every error leaves as JSON `{"error": {"code", "message", "hint"}}` with a 4xx status for bad input,
never a stack trace: MinerlensError subclasses are mapped once, in `STATUS_BY_CODE`.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.errors import BadInput, MinerlensError, TooLarge
from service.answer import Answer
from service.config import Settings, get_settings
from service.market import market_inputs
from service.pipeline import Pipeline
from service.watch import build_watcher

log = logging.getLogger("minerlens.api")

STATUS_BY_CODE = {
    "bad_input": 400,
    "empty_document": 422,
    "corrupt_document": 422,
    "unsupported_format": 415,
    "too_large": 413,
    "not_found": 404,
    "config_error": 500,
    "upstream_error": 502,
    "rate_limited": 503,
}


def error_body(code: str, message: str, hint: str = "") -> dict:
    return {"error": {"code": code, "message": message, "hint": hint}}


class AskRequest(BaseModel):
    question: str = Field(min_length=3, max_length=2000)
    ticker: str | None = Field(None, max_length=10)


class MarketRequest(BaseModel):
    as_of: str = Field(description="ISO date the prices are from.")
    btc_price_usd: float | None = Field(None, gt=0)
    share_prices: dict[str, float] = Field(default_factory=dict, description="Ticker -> USD per share.")
    hashprice: float | None = Field(None, gt=0, description="USD per PH/s per day.")
    source: str | None = None


class SearchResult(BaseModel):
    document: str
    page: int | None
    section: str | None
    text: str
    score: float
    ticker: str | None
    form: str | None
    filed: str | None
    part: str | None


class SearchResponse(BaseModel):
    results: list[SearchResult]


def current_pipeline(request: Request) -> Pipeline:
    return request.app.state.pipeline


# Module level: with postponed annotations FastAPI resolves these names in the module's globals.
PipelineDep = Annotated[Pipeline, Depends(current_pipeline)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="minerlens", version="0.1.0", description="Debt and AI/HPC contracts of listed Bitcoin miners, with evidence.",
                  lifespan=lifespan)
    app.state.pipeline = Pipeline(settings)
    app.state.watcher = build_watcher(app.state.pipeline, settings) if settings.watch else None

    @app.exception_handler(MinerlensError)
    async def on_minerlens_error(_: Request, exc: MinerlensError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.hint), status_code=STATUS_BY_CODE.get(exc.code, 400))

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where}: {first.get('msg', 'invalid request')}" if where else first.get("msg", "invalid request")
        return JSONResponse(error_body("bad_input", message, "See /docs for the request schema."), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "not_found" if exc.status_code == 404 else "bad_request"
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")  # the trace goes to the server log, never to the client
        return JSONResponse(error_body("internal_error", "internal error", "The server log has the details."), status_code=500)

    @app.get("/healthz")
    def healthz(p: PipelineDep) -> dict:
        return {"status": "ok", "documents": p.db.count_documents()}

    @app.post("/documents", status_code=201)
    async def upload_document(p: PipelineDep, file: Annotated[UploadFile, File()], ticker: Annotated[str | None, Query(max_length=10)] = None) -> dict:
        limit = p.max_bytes
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"{file.filename}: over the {settings.max_upload_mb:g} MB upload limit")
        name = (file.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        if not name:
            raise BadInput("the upload has no file name")
        result = p.ingest_bytes(data, name, ticker=ticker)
        return result.__dict__

    @app.get("/documents")
    def list_documents(p: PipelineDep, ticker: str | None = None, form: str | None = None) -> dict:
        return {"documents": p.db.list_documents(ticker=ticker, form=form)}

    @app.get("/search", response_model=SearchResponse)
    def search(
        p: PipelineDep,
        q: Annotated[str, Query(min_length=2, max_length=1000)],
        k: Annotated[int, Query(ge=1, le=100)] = 10,
        ticker: str | None = None,
        form: str | None = None,
        date_from: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
        date_to: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    ) -> SearchResponse:
        hits = p.search(q, k=k, ticker=ticker, form=form, date_from=date_from, date_to=date_to)
        return SearchResponse(results=[search_result(h) for h in hits])

    @app.post("/ask", response_model=Answer)
    def ask(p: PipelineDep, body: AskRequest) -> Answer:
        return p.ask(body.question, ticker=body.ticker)

    @app.get("/companies/{ticker}/debt")
    def company_debt(p: PipelineDep, ticker: str) -> dict:
        return p.debt_ledger(ticker)

    @app.get("/screen")
    def screen(p: PipelineDep) -> dict:
        return {"companies": p.universe()}

    @app.get("/companies/{ticker}/screen")
    def company_screen(p: PipelineDep, ticker: str) -> dict:
        return {"ticker": ticker.upper(), "periods": p.screen(ticker)}

    @app.get("/flags")
    def flags(p: PipelineDep, since: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}")] = None, ticker: str | None = None) -> dict:
        return {"flags": p.flags(since=since, ticker=ticker)}

    @app.post("/market")
    def set_market(p: PipelineDep, body: MarketRequest) -> dict:
        return p.set_market(market_inputs(**body.model_dump())).to_dict()

    @app.get("/companies/{ticker}/maturities.png", response_class=Response)
    def company_maturities(p: PipelineDep, ticker: str) -> Response:
        return Response(p.maturity_wall(ticker), media_type="image/png")

    @app.get("/maturities.png", response_class=Response)
    def maturities(p: PipelineDep) -> Response:
        return Response(p.maturity_wall(), media_type="image/png")

    @app.get("/watch/status")
    def watch_status(request: Request) -> dict:
        watcher = request.app.state.watcher
        return {"enabled": watcher is not None, "companies": watcher.status() if watcher else []}

    @app.get("/companies/{ticker}/contracts")
    def company_contracts(p: PipelineDep, ticker: str) -> dict:
        return p.contracts(ticker)

    return app


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Warm the index; with MINERLENS_WATCH=1 the EDGAR watcher polls in a background thread for the server's life."""
    app.state.pipeline.index.warm()  # load the model and the keyword index before the first request
    watcher, stop = app.state.watcher, threading.Event()
    thread = None
    if watcher is not None:
        interval = app.state.pipeline.settings.watch_interval_s
        thread = threading.Thread(target=watcher.run, args=(interval, stop), name="edgar-watcher", daemon=True)
        thread.start()
    yield
    stop.set()
    if thread is not None:
        thread.join(timeout=30)


def search_result(hit) -> SearchResult:
    return SearchResult(
        document=hit.document, page=hit.page, section=hit.section, text=hit.text, score=round(float(hit.score), 6),
        ticker=hit.ticker, form=hit.form, filed=hit.filed, part=hit.part,
    )
