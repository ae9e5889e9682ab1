"""The composition root: every part minerlens runs on is built here, from one `Settings`.

The API, the CLI, the watcher, the eval and the benchmarks all get their pipeline (database,
embedder, index, LLM client) and their EDGAR client from these functions; nothing else constructs
them, so a test or a deployment swaps a part in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.chunk import ChunkConfig
from ingest.edgar import EdgarClient
from service.config import Settings
from service.pipeline import Pipeline
from service.store.db import Database
from service.store.index import Embedder, Index
from service.watch import Watcher, parse_watchlist

if TYPE_CHECKING:
    from extract.llm import LlmClient


def build_embedder(settings: Settings) -> Embedder:
    return Embedder(dtype=settings.embed_dtype, batch_size=settings.embed_batch_size, dtype_cache=settings.embed_dtype_cache)


def chunk_config(settings: Settings) -> ChunkConfig:
    return ChunkConfig(max_tokens=settings.chunk_tokens, overlap_tokens=settings.chunk_overlap_tokens)


def build_llm(settings: Settings) -> LlmClient | None:
    """The LLM-assisted mode's client when `llm_base_url` is set; langchain loads only then."""
    if not settings.llm_base_url:
        return None
    from extract.llm import LlmClient

    return LlmClient(settings)


def build_pipeline(settings: Settings, *, embedder: Embedder | None = None, ephemeral_index: bool = False) -> Pipeline:
    """`embedder`: one already loaded (tests share the session's); `ephemeral_index`: Chroma in
    memory (the fast test lane)."""
    embedder = embedder or build_embedder(settings)
    return Pipeline(
        settings,
        db=Database(settings.resolved_database_url),
        embedder=embedder,
        index_factory=lambda: Index(settings.data_dir, embedder, chunk_config(settings), ephemeral=ephemeral_index),
        llm=build_llm(settings),
    )


def build_edgar_client(settings: Settings) -> EdgarClient:
    """SEC requires a declared User-Agent; the client refuses to start without one."""
    return EdgarClient(
        settings.sec_user_agent or "",
        www_url=settings.sec_www_url,
        data_url=settings.sec_data_url,
        cache_dir=settings.sec_cache_dir or settings.data_dir / "sec-cache",
        rate_limit_pause_s=settings.sec_rate_limit_pause_s,
    )


def build_watcher(pipeline: Pipeline, settings: Settings, *, since: str | None = None,
                  client: EdgarClient | None = None) -> Watcher:
    """The watcher the CLI and the API run, over the watchlist in MINERLENS_WATCHLIST."""
    watcher = Watcher(pipeline, client or build_edgar_client(settings), parse_watchlist(settings.watchlist), since=since)
    # Flags are raised during ingest, from the change. A filing whose bytes were all stored already
    # (a crash between storing and flagging it) gets the whole-ledger pass instead (idempotent).
    def flag_stored_filing(ticker: str, accession: str, results: list) -> None:
        if not any(r.status == "ingested" for r in results):
            pipeline.refresh_flags(ticker)

    watcher.on_filing = flag_stored_filing
    return watcher
