"""Settings, read from MINERLENS_* environment variables: the only place minerlens reads its
environment. No settings object is built at import: the edges call `get_settings()` once and hand
it to `service.app`, which builds every part from it."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINERLENS_", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Where Chroma, the keyword index and SQLite live.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default sqlite under data_dir.")
    filings_dir: Path = Field(Path("../shared/filings"), description="The real SEC filings used by tests and eval.")
    max_upload_mb: float = Field(50.0, description="Largest file accepted by ingest and POST /documents.")
    # Per-document budgets: a document over one fails with its reason instead of stalling the process.
    max_doc_seconds: float = Field(120.0, gt=0, description="Most seconds one document may take to parse, chunk and extract.")
    max_doc_tables: int = Field(5000, gt=0, description="Most data tables one document may hold (a 10-K has a few hundred).")
    max_doc_chunks: int = Field(20000, gt=0, description="Most chunks one document may become (a 10-K is about 2,000).")
    max_doc_memory_mb: float = Field(
        3072.0, gt=0, description="Most MB the process's resident memory may grow while one document is parsed, chunked, "
        "extracted and embedded (a 2.5 MB 10-K takes a few hundred).")
    # Access (service/api.py): writes need the token when one is set; without one, only loopback clients may write.
    api_token: str | None = Field(None, description="Bearer token for write endpoints (and reads with read_token_required).")
    read_token_required: bool = Field(False, description="Also require the token on read endpoints (MINERLENS_READ_TOKEN_REQUIRED=1).")
    allowed_hosts: str = Field("127.0.0.1,localhost,::1,[::1]", description="Comma-separated Host header names the API answers.")
    max_body_mb: float = Field(1.0, gt=0, description="Largest JSON request body, refused before it is read whole.")
    chunk_tokens: int = Field(254, description="Most tokens a chunk may hold; the model truncates at 256 incl. 2 special tokens.")
    chunk_overlap_tokens: int = Field(32, description="Tokens repeated between neighbouring chunks of one section.")
    embed_batch_size: int = Field(64)
    embed_dtype: str = Field("auto", description="'auto' (bfloat16 where the CPU computes it natively and a self-test "
                             "agrees with float32), 'float32' or 'bfloat16'.")
    embed_dtype_cache: Path = Field(default_factory=lambda: Path.home() / ".cache" / "minerlens" / "embed-dtype.json",
                                    description="Where the machine's 'auto' dtype decision is kept.")
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = Field(60.0, gt=0, description="Seconds before an LLM call is abandoned (rule-based results stand).")
    llm_max_tokens: int = Field(512, gt=0, description="Most tokens the LLM may generate per call.")
    # The EDGAR watcher (service/watch.py).
    watch: bool = Field(False, description="Run the EDGAR watcher in the API's background (MINERLENS_WATCH=1).")
    watchlist: str | None = Field(None, description="'MARA,RIOT' or 'MARA:1507605,...'; default: the listed miners.")
    watch_interval_s: float = Field(
        300.0, gt=0, validation_alias=AliasChoices("MINERLENS_WATCH_INTERVAL", "MINERLENS_WATCH_INTERVAL_S", "watch_interval_s"),
        description="Seconds between polls of each company's EDGAR submissions.")
    watch_inbox: Path | None = Field(None, description="A folder whose dropped files are ingested (done/, failed/ inside).")
    sec_user_agent: str | None = Field(None, description="'Company Name contact@example.com', required by SEC.")
    sec_www_url: str = Field("https://www.sec.gov", description="EDGAR Archives base URL (tests point it at a local server).")
    sec_data_url: str = Field("https://data.sec.gov", description="EDGAR submissions API base URL.")
    sec_cache_dir: Path | None = Field(None, description="Where fetched Archives files are cached; default data_dir/sec-cache.")
    sec_rate_limit_pause_s: float = Field(600.0, ge=0, description="Seconds to pause every request after SEC answers 403/429.")
    # Screening flags (service/domain/flags.py): a flag is raised when a period crosses one of these.
    flag_total_debt_up_pct: float = Field(25.0, description="Flag total debt up more than this percent against the prior period.")
    flag_leverage_max: float = Field(4.0, description="Flag net debt / EBITDA above this multiple (or EBITDA negative with net debt).")
    flag_coverage_min: float = Field(2.0, description="Flag EBITDA / interest expense below this multiple.")

    # The crash test hook (service/pipeline.py): kill the process right after this write step.
    test_kill_at: str = Field("", description="original | vectors | rows | flags; empty in normal use.")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'minerlens.sqlite').resolve()}"


def get_settings() -> Settings:
    return Settings()
