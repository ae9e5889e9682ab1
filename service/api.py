"""The HTTP API (FastAPI). The only module that knows HTTP status codes.

Every error leaves as JSON `{"error": {"code", "message", "hint"}}` with a 4xx status for bad input,
never a stack trace: MinerlensError subclasses are mapped once, in `STATUS_BY_CODE`.

Every request passes `Guard` first (an ASGI middleware): the Host header must be an allowed name
(DNS rebinding), writes need the bearer token (or, with none configured, a loopback client) and
must not come from another origin, and bodies are limited before they are read. Handlers are plain
`def`s, so FastAPI runs them in worker threads: an upload parsing and embedding never blocks
/healthz or /search.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
from datetime import date
from urllib.parse import urlsplit
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.errors import BadInput, Forbidden, MinerlensError, TooLarge, Unauthorized
from service.domain.answer import Answer
from service.config import Settings, get_settings
from service.domain.market import MarketInputs, market_inputs
from service.domain.models import ContractBook, Flag, Ledger, ScreenRow, StoredDocument, WatchCompany
from service.app import build_pipeline, build_watcher
from service.pipeline import IngestResult, Pipeline

log = logging.getLogger("minerlens.api")

STATUS_BY_CODE = {
    "bad_input": 400,
    "empty_document": 422,
    "corrupt_document": 422,
    "unsupported_format": 415,
    "too_large": 413,
    "over_budget": 422,
    "document_failed": 422,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "config_error": 500,
    "upstream_error": 502,
    "rate_limited": 503,
}


def error_body(code: str, message: str, hint: str = "") -> dict:
    return {"error": {"code": code, "message": message, "hint": hint}}


def error_response(exc: MinerlensError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.code == "unauthorized" else None
    return JSONResponse(error_body(exc.code, exc.message, exc.hint), status_code=STATUS_BY_CODE.get(exc.code, 400), headers=headers)


# POSTs that only read: everything else that is not GET/HEAD/OPTIONS is a write and needs leave.
READ_ONLY_POSTS = frozenset({"/ask"})
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around an upload's bytes


def real_date(value: str | None, name: str) -> str | None:
    """A date parameter that exists on the calendar (the pattern alone lets 2025-13-45 through)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise BadInput(f"{name} {value[:40]!r} is not a real date", hint="Use YYYY-MM-DD.") from None


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    """'127.0.0.1:8000' -> '127.0.0.1', '[::1]:8000' -> '[::1]', 'Example.com' -> 'example.com'."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[: value.find("]") + 1] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guard:
    """Host allow-list, bearer token, same-origin writes and body limits, before any handler runs."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.allowed = {_host_name(h) for h in settings.allowed_hosts.split(",") if h.strip()}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        try:
            limit = self.admit(scope, headers)
        except MinerlensError as exc:
            return await error_response(exc)(scope, receive, send)
        received, refused = 0, False

        async def limited_receive():
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > limit:  # a body with no (or a false) Content-Length: stop reading it here
                    refused = True
                    await error_response(TooLarge(f"request body over the {limit:,}-byte limit"))(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:
                raise  # after our 413 the handler's complaint about the cut body has no one to go to

    def admit(self, scope, headers: dict[str, str]) -> int:
        """Raise why the request may not proceed; else return its body limit in bytes."""
        host = _host_name(headers.get("host", ""))
        if "*" not in self.allowed and host not in self.allowed:
            raise Forbidden(f"host {host[:100]!r} is not served here", hint="Add it to MINERLENS_ALLOWED_HOSTS.")
        method, path = scope["method"], scope["path"]
        write = method not in ("GET", "HEAD", "OPTIONS") and path not in READ_ONLY_POSTS
        if write or self.settings.read_token_required:
            self.authorize(scope, headers)
        if method not in ("GET", "HEAD", "OPTIONS"):
            self.same_origin(headers, host)
        limit = int(self.settings.max_body_mb * 1024 * 1024)
        if method == "POST" and path == "/documents":
            limit = int(self.settings.max_upload_mb * 1024 * 1024) + MULTIPART_OVERHEAD
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise TooLarge(f"request body of {int(length):,} bytes is over the {limit:,}-byte limit")
        return limit

    def authorize(self, scope, headers: dict[str, str]) -> None:
        token = self.settings.api_token
        if not token:
            # No token configured: `minerlens serve` only binds loopback then, and only local clients may write.
            client = (scope.get("client") or ("", 0))[0]
            if not is_loopback(client):
                raise Unauthorized("writes from other machines need a token", hint="Set MINERLENS_API_TOKEN on the server.")
            return
        scheme, _, given = headers.get("authorization", "").partition(" ")
        # compare_digest: the time taken says nothing about how much of the token was right.
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise Unauthorized("missing or wrong bearer token")

    def same_origin(self, headers: dict[str, str], host: str) -> None:
        """A web page the analyst visits must not post here: browsers say where a request comes from."""
        site = headers.get("sec-fetch-site", "").lower()
        if site and site not in ("same-origin", "none"):
            raise Forbidden(f"cross-site request refused (Sec-Fetch-Site: {site[:20]})")
        origin = headers.get("origin")
        if origin and origin != "null" and _host_name(urlsplit(origin).netloc) != host:
            raise Forbidden(f"cross-origin request from {origin[:100]!r} refused")
        if origin == "null":
            raise Forbidden("request from an opaque origin refused")


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


class Health(BaseModel):
    status: str
    documents: int = Field(description="Documents stored.")
    embedding_dtype: str | None = Field(None, description="float32 or bfloat16; null until this process first embeds.")
    embedding_dtype_reason: str | None = Field(None, description="Why: the CPU's bfloat16 instructions and the self-test's figures.")


class DocumentsResponse(BaseModel):
    documents: list[StoredDocument]


class UniverseScreen(BaseModel):
    companies: list[ScreenRow] = Field(description="The latest period of every company with figures, by ticker.")


class CompanyScreen(BaseModel):
    ticker: str
    periods: list[ScreenRow] = Field(description="One row per period end, oldest first.")


class FlagsResponse(BaseModel):
    flags: list[Flag] = Field(description="Oldest first.")


class WatchStatus(BaseModel):
    enabled: bool
    companies: list[WatchCompany]


class ErrorDetail(BaseModel):
    code: str = Field(description="bad_input, not_found, too_large, unauthorized, ...")
    message: str
    hint: str


class ErrorResponse(BaseModel):
    """Every error: a 4xx for bad input, 5xx for the server's own failures; never a stack trace."""

    error: ErrorDetail


ERRORS = {"4XX": {"model": ErrorResponse, "description": "Bad input (the code says which)."},
          "5XX": {"model": ErrorResponse, "description": "The server failed; its log has the details."}}


class PngResponse(Response):
    media_type = "image/png"


PNG = {200: {"content": {"image/png": {}}, "description": "A PNG image."}}


def current_pipeline(request: Request) -> Pipeline:
    return request.app.state.pipeline


# Module level: with postponed annotations FastAPI resolves these names in the module's globals.
PipelineDep = Annotated[Pipeline, Depends(current_pipeline)]


def create_app(settings: Settings | None = None, pipeline: Pipeline | None = None) -> FastAPI:
    """`pipeline`: one already built (tests hand in theirs); by default built from `settings`."""
    settings = settings or get_settings()
    app = FastAPI(title="minerlens", version="0.1.0", description="Debt and AI/HPC contracts of listed Bitcoin miners, with evidence.",
                  lifespan=lifespan, responses=ERRORS)
    app.add_middleware(Guard, settings=settings)
    app.state.pipeline = pipeline or build_pipeline(settings)
    app.state.watcher = build_watcher(app.state.pipeline, settings) if settings.watch else None

    @app.exception_handler(MinerlensError)
    async def on_minerlens_error(_: Request, exc: MinerlensError) -> JSONResponse:
        return error_response(exc)

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

    @app.get("/healthz", response_model=Health)
    def healthz(p: PipelineDep) -> Health:
        decision = p.embedder.dtype_decision() or {}
        return Health(status="ok", documents=p.db.count_documents(), embedding_dtype=decision.get("dtype"),
                      embedding_dtype_reason=decision.get("reason"))

    @app.post("/documents", status_code=201, response_model=IngestResult)
    def upload_document(p: PipelineDep, file: Annotated[UploadFile, File()], ticker: Annotated[str | None, Query(max_length=10)] = None) -> IngestResult:
        # A plain def: FastAPI runs it in a worker thread, so parsing and embedding leave the event loop free.
        limit = p.max_bytes
        data = file.file.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"{file.filename}: over the {settings.max_upload_mb:g} MB upload limit")
        name = (file.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        if not name:
            raise BadInput("the upload has no file name")
        return p.ingest_bytes(data, name, ticker=ticker)

    @app.get("/documents", response_model=DocumentsResponse)
    def list_documents(p: PipelineDep, ticker: str | None = None, form: str | None = None) -> DocumentsResponse:
        return DocumentsResponse(documents=p.documents(ticker=ticker, form=form))

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
        hits = p.search(q, k=k, ticker=ticker, form=form, date_from=real_date(date_from, "date_from"), date_to=real_date(date_to, "date_to"))
        return SearchResponse(results=[search_result(h) for h in hits])

    @app.post("/ask", response_model=Answer)
    def ask(p: PipelineDep, body: AskRequest) -> Answer:
        return p.ask(body.question, ticker=body.ticker)

    @app.get("/companies/{ticker}/debt", response_model=Ledger)
    def company_debt(p: PipelineDep, ticker: str) -> Ledger:
        return p.debt_ledger(ticker)

    @app.get("/screen", response_model=UniverseScreen)
    def screen(p: PipelineDep) -> UniverseScreen:
        return UniverseScreen(companies=p.universe())

    @app.get("/companies/{ticker}/screen", response_model=CompanyScreen)
    def company_screen(p: PipelineDep, ticker: str) -> CompanyScreen:
        return CompanyScreen(ticker=ticker.upper(), periods=p.screen(ticker))

    # A flag's detail has the keys its kind states, no null placeholders for the others.
    @app.get("/flags", response_model=FlagsResponse, response_model_exclude_unset=True)
    def flags(p: PipelineDep, since: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}")] = None, ticker: str | None = None) -> FlagsResponse:
        return FlagsResponse(flags=p.flags(since=real_date(since, "since"), ticker=ticker))

    @app.post("/market", response_model=MarketInputs)
    def set_market(p: PipelineDep, body: MarketRequest) -> MarketInputs:
        return p.set_market(market_inputs(**body.model_dump()))

    @app.get("/companies/{ticker}/maturities.png", response_class=PngResponse, responses=PNG)
    def company_maturities(p: PipelineDep, ticker: str) -> PngResponse:
        return PngResponse(p.maturity_wall(ticker))

    @app.get("/maturities.png", response_class=PngResponse, responses=PNG)
    def maturities(p: PipelineDep) -> PngResponse:
        return PngResponse(p.maturity_wall())

    @app.get("/watch/status", response_model=WatchStatus)
    def watch_status(request: Request) -> WatchStatus:
        watcher = request.app.state.watcher
        return WatchStatus(enabled=watcher is not None, companies=watcher.status() if watcher else [])

    @app.get("/companies/{ticker}/contracts", response_model=ContractBook)
    def company_contracts(p: PipelineDep, ticker: str) -> ContractBook:
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
