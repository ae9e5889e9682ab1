"""The ingest path and the reads the API and CLI share: parse, chunk, index, extract, save.
Readable top to bottom. Its parts (database, embedder, index, LLM client) are handed in by
`service.app`, the one place they are built from `Settings`.

Ingest is idempotent by content: a document's id is the sha256 of its bytes, so the same bytes
twice change nothing and return before the embedding model is even loaded. Every file is handled
on its own: a bad one is reported with a one-line reason and the batch goes on.

Several processes share a data dir (`minerlens serve`, a CLI ingest, the watcher). Writes take a
file lock in it, one writer at a time. Every write moves the database's store stamp, and a reader
compares it once per search: when it moved, the index view is reloaded, so the API sees what any
process ingested without a restart. A search never returns a chunk whose document has no
documents row.

Crash safety: the vectors are written first, then the documents row, the extraction rows and a
"flags pending" mark in one transaction, then the flags, then the mark is cleared. Opening a data
dir repairs what a killed writer left at any of those steps (`_reconcile_rows`, `_reconcile_vectors`):
orphan vectors, extraction rows and originals are removed, pending flags are raised.

Test hook: MINERLENS_TEST_KILL_AT=<step> (original | vectors | rows | flags; `Settings.test_kill_at`)
kills the process with SIGKILL right after that step of a write, as a power cut would
(tests/service/test_crash.py). Empty in normal use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

try:
    import fcntl
except ImportError:  # Windows: no advisory file locks; one writing process per data dir there
    fcntl = None  # type: ignore[assignment]

from tqdm import tqdm

from extract.document import extract_document
from extract.records import Extraction, HpcContract
from ingest import budget
from ingest.chunk import chunk_document
from ingest.errors import BadInput, DocumentFailed, MinerlensError, NotFound, OverBudget, TooLarge, reason
from ingest.parse import SUPPORTED_SUFFIXES, caller_ticker, parse_bytes
from ingest.types import Document
from service.domain.answer import Answer, Answerer, Sources
from service.config import Settings
from service.charts import maturity_wall_png
from service.domain.changes import CompanyState
from service.domain.contracts import build_contracts
from service.domain.flags import check_since, flag_candidates
from service.domain.ledger import Mention, build_ledger
from service.domain.market import MarketInputs
from service.domain.models import ContractBook, Flag, FlagCandidate, Ledger, ScreenRow, StoredDocument, UtilizationRow
from service.domain.screen import company_screen, universe_screen
from service.store import records
from service.store.db import Database
from service.store.index import Embedder, Index

if TYPE_CHECKING:
    from extract.llm import LlmClient  # built by service.app only when the LLM mode is on

log = logging.getLogger("minerlens.pipeline")
_SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


def _crash_point(step: str, kill_at: str) -> None:
    """The test hook: die here, without cleanup, when MINERLENS_TEST_KILL_AT names this step."""
    if step == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class IngestResult:
    file: str
    status: str  # "ingested" | "unchanged" | "failed"
    sha256: str | None = None
    ticker: str | None = None
    form: str | None = None
    chunks: int = 0
    reused_vectors: int = 0  # chunks whose text the index held already: not embedded again
    debt_instruments: int = 0
    hpc_contracts: int = 0
    flags: int = 0  # new-leverage flags this document raised
    seconds: float = 0.0
    error: str | None = None
    error_code: str | None = None
    notes: list[str] = field(default_factory=list)  # what parsing dropped and why


@dataclass
class IngestReport:
    results: list[IngestResult] = field(default_factory=list)

    @property
    def failed(self) -> list[IngestResult]:
        return [r for r in self.results if r.status == "failed"]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.status] = out.get(r.status, 0) + 1
        return out


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, folders walked for supported files (sorted, so runs are reproducible)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            files.append(path)
    return files


class Pipeline:
    """`index_factory` opens the index on first use: listing documents or re-ingesting unchanged
    bytes needs neither Chroma nor the model. `llm`: the LLM-assisted mode's client, or None."""

    def __init__(self, settings: Settings, *, db: Database, embedder: Embedder, index_factory: Callable[[], Index],
                 llm: LlmClient | None = None) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = db
        self.embedder = embedder
        self.llm = llm
        self._index_factory = index_factory
        self._index: Index | None = None
        self._companies: dict[str, CompanyState] = {}  # ticker -> the ledger its next document is compared with
        self._stamp_seen = -1  # the store stamp the index view is in step with
        self._refresh_lock = threading.Lock()  # one reload at a time, and none twice for one stamp
        self._ingest_lock = threading.RLock()  # one document is written at a time; reads never wait for it
        self._lock_file = None  # the open write lock while this process holds it
        self.internal_errors = 0  # unexpected exceptions turned into one document's failure (logged with traceback)
        self._reconcile_rows()

    @property
    def index(self) -> Index:
        if self._index is None:
            self._stamp_seen = self.db.stamp()  # read before loading: a write meanwhile reloads at the next search
            index = self._index_factory()
            self._reconcile_vectors(index)
            self._index = index
        return self._index

    def _load_model(self) -> None:
        """Open the index and load the embedding model now (once per process; later calls hit the query
        cache): the first document's memory budget must not pay the ~450 MB those take."""
        self.embedder.embed_query("load the model")

    @property
    def max_bytes(self) -> int:
        return int(self.settings.max_upload_mb * 1024 * 1024)

    # -- ingest ---------------------------------------------------------------------------------

    def ingest_paths(self, paths: list[Path], progress: bool = False, ticker: str | None = None) -> IngestReport:
        report = IngestReport()
        files = expand_paths(paths)
        for path in tqdm(files, desc="ingest", unit="file", disable=not progress or len(files) < 2):
            report.results.append(self.ingest_file(path, ticker=ticker))
        if report.counts().get("ingested"):
            self.index.warm()  # build the keyword index now, not on the first query after the batch
        return report

    def ingest_file(self, path: Path, ticker: str | None = None) -> IngestResult:
        started = time.perf_counter()
        try:
            if not path.is_file():
                raise BadInput(f"{path}: no such file")
            if path.stat().st_size > self.max_bytes:
                raise TooLarge(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB is over the {self.settings.max_upload_mb:g} MB limit")
            return self.ingest_bytes(path.read_bytes(), path.name, ticker=ticker)
        except OSError as exc:  # unreadable, vanished, a name the file system refuses
            return IngestResult(path.name, "failed", error=f"{path.name}: cannot read it ({reason(exc)})",
                                error_code=BadInput.code, seconds=time.perf_counter() - started)
        except MinerlensError as exc:
            return IngestResult(path.name, "failed", error=exc.message, error_code=exc.code, seconds=time.perf_counter() - started)

    def ingest_bytes(self, data: bytes, filename: str, ticker: str | None = None) -> IngestResult:
        """Ingest one file's bytes. Raises MinerlensError for bad input; stores nothing in that case.

        Any other exception (a parser bug, a file no rule foresaw) is logged with its traceback,
        counted, and raised as DocumentFailed with a one-line reason: this document fails alone.
        """
        try:
            with self._ingest_lock:
                return self._ingest_bytes(data, filename, ticker)
        except MinerlensError:
            raise
        except Exception as exc:  # noqa: BLE001 - the point: nothing about one file may stop the service
            self.internal_errors += 1
            log.exception("internal error while ingesting %s", filename[:200])
            raise DocumentFailed(f"{filename[:200]}: internal error while processing it, logged with its traceback ({reason(exc)})") from exc

    def _ingest_bytes(self, data: bytes, filename: str, ticker: str | None) -> IngestResult:
        started = time.perf_counter()
        ticker = caller_ticker(ticker)  # a bad --ticker / ?ticker= is refused even for bytes already stored
        sha256 = hashlib.sha256(data).hexdigest()
        known = self.db.get_document(sha256)
        if known is not None and known["status"] == "ok":
            return IngestResult(filename, "unchanged", sha256, known["ticker"], known["form"], seconds=time.perf_counter() - started)

        settings = self.settings
        self._load_model()  # before the memory baseline: loading is the process's cost, not this document's
        # The time budget covers everything before the vectors; the chunk budget then bounds embedding.
        # The memory budget covers embedding too. A document over either raises OverBudget, whose
        # traceback holds the only references to what it allocated: they go when the caller handles it.
        with budget.memory(settings.max_doc_memory_mb, filename[:200]):
            with budget.deadline(settings.max_doc_seconds, filename[:200]):
                doc = parse_bytes(data, filename, ticker=ticker, max_bytes=self.max_bytes)
                budget.check()  # the parsed text and tables are now in memory
                tables = sum(len(p.tables) for p in doc.parts)
                if tables > settings.max_doc_tables:
                    raise OverBudget(f"{doc.file}: {tables:,} tables, over the budget of {settings.max_doc_tables:,} per document")
                chunks = chunk_document(
                    doc,
                    self.embedder.count_tokens,
                    max_tokens=settings.chunk_tokens,
                    overlap_tokens=settings.chunk_overlap_tokens,
                )
                if len(chunks) > settings.max_doc_chunks:
                    raise OverBudget(f"{doc.file}: {len(chunks):,} chunks, over the budget of {settings.max_doc_chunks:,} per document")
                budget.check()
                extraction = self._extract(doc)
                budget.check()
            reused_before = self.index.reuse["reused"]
            vectors = self.index.embed_chunks(chunks)  # the slow part, before the write lock: other writers need not wait for it
            reused = self.index.reuse["reused"] - reused_before
            budget.check()  # memory only, now: the vectors, and what the model kept of its activations
        company = doc.filing.ticker
        with self._writing():
            index = self.index
            self._in_step(index, strict=True)  # another process wrote since: write through a fresh Chroma client
            self._store_original(data, doc)
            _crash_point("original", self.settings.test_kill_at)
            self._saw(self.db.bump_stamp())  # before the vectors change: readers elsewhere reload
            # Vectors first; then the documents row, which marks the document as ingested, with its
            # extraction rows and the flags mark in one transaction. A crash in between leaves orphan
            # vectors that no search returns and the next start removes; re-ingesting writes them again.
            try:
                index.add(chunks, vectors)
                _crash_point("vectors", self.settings.test_kill_at)
                # A bare .htm carries no filing date; its period (an 8-K's event date) orders it in the ledger.
                stamp = self.db.save_document(doc, chunks, extraction=extraction, filed=doc.filing.filed or doc.filing.period)
            except BaseException:
                index.delete_document(doc.sha256)  # the transaction rolled back; the vectors go too
                raise
            self._saw(stamp)
            _crash_point("rows", self.settings.test_kill_at)
            flags = self.flags_from_change(company, doc.sha256) if company else []
            _crash_point("flags", self.settings.test_kill_at)
            if company:
                self.db.clear_flags_pending(company)
        return IngestResult(
            filename,
            "ingested",
            sha256,
            doc.filing.ticker,
            doc.filing.form,
            chunks=len(chunks),
            reused_vectors=reused,
            debt_instruments=len(extraction.debt_instruments),
            hpc_contracts=len(extraction.hpc_contracts),
            flags=len(flags),
            seconds=time.perf_counter() - started,
            notes=list(doc.notes),
        )

    # -- writers, readers and crashes: one data dir, several processes -----------------------------

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time, across this process's threads and across processes: an advisory lock
        on a file in the data dir, which the OS releases if its holder dies. Re-entrant per thread."""
        with self._ingest_lock:
            if self._lock_file is not None:  # this thread already holds it
                yield
                return
            with open(self.settings.data_dir / "write.lock", "a+b") as lock_file:
                if fcntl is not None:
                    fcntl.flock(lock_file, fcntl.LOCK_EX)
                self._lock_file = lock_file
                try:
                    yield
                finally:
                    self._lock_file = None  # closing the file releases the lock

    def _in_step(self, index: Index, *, strict: bool = False) -> None:
        """Reload the index view if any process has written since it was loaded: one integer read.

        When the reload fails the old view keeps serving (and is tried again next time); a writer
        (`strict`) must not write through a stale Chroma client, so it fails instead."""
        stamp = self.db.stamp()
        if stamp <= self._stamp_seen:
            return
        with self._refresh_lock:
            if stamp <= self._stamp_seen:  # another request reloaded meanwhile
                return
            if index.refresh():
                self._stamp_seen = stamp
            elif strict:
                raise DocumentFailed("the index could not be reloaded after another process wrote to it; try again")

    def _saw(self, stamp: int) -> None:
        """This process moved the stamp: its own view is in step unless another process moved it first."""
        with self._refresh_lock:
            if stamp == self._stamp_seen + 1:
                self._stamp_seen = stamp

    def _reconcile_rows(self) -> None:
        """At open: undo or finish what a writer killed mid-write left in the database (a few queries).

        Extraction rows and kept originals of documents with no documents row go; companies whose
        flags were pending get them raised (the flags of a kill after the documents row)."""
        with self._writing():
            rows = self.db.delete_orphan_extraction()
            ok = self.db.ok_document_ids()
            folder = self.settings.data_dir / "documents"
            originals = [f for f in folder.iterdir() if f.name.endswith(".tmp") or f.name.split(".")[0] not in ok] if folder.is_dir() else []
            for f in originals:
                f.unlink(missing_ok=True)
            pending = self.db.flags_pending()
            for ticker in pending:
                self.refresh_flags(ticker)
                self.db.clear_flags_pending(ticker)
        if rows or originals or pending:
            log.warning("recovered an interrupted write: %d orphan extraction rows and %d originals removed, flags raised for %s",
                        rows, len(originals), ", ".join(pending) or "no company")

    def _reconcile_vectors(self, index: Index) -> None:
        """When the index loads: remove vectors of documents with no documents row (a kill before it)."""
        with self._writing():
            self._in_step(index, strict=True)
            orphans = index.document_ids() - self.db.ok_document_ids()
            for sha256 in sorted(orphans):
                index.delete_document(sha256)
            if orphans:
                self._saw(self.db.bump_stamp())  # other processes' views drop them too
                log.warning("removed the vectors of %d documents that have no documents row", len(orphans))

    def _extract(self, doc: Document) -> Extraction:
        extraction = extract_document(doc)
        if self.llm is not None:
            # LLM-assisted mode: the model fills terms the rules missed, each through the evidence gate.
            extraction.debt_instruments = [self.llm.fill(record, doc) for record in extraction.debt_instruments]
        return extraction

    def _store_original(self, data: bytes, doc: Document) -> None:
        """Keep the bytes as received, so any document can be re-extracted later without the source."""
        folder = self.settings.data_dir / "documents"
        folder.mkdir(parents=True, exist_ok=True)
        # The name is ours (hash + a short known suffix): a caller's 200-character suffix is no file name.
        suffix = Path(doc.file).suffix.lower()
        target = folder / f"{doc.sha256}{suffix if _SAFE_SUFFIX.fullmatch(suffix) else ''}"
        if not target.exists():
            tmp = target.with_suffix(target.suffix + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(target)

    # -- read -----------------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, **filters: str | None):
        index = self.index
        self._in_step(index)  # another process (the CLI, the watcher) may have written since this view was loaded
        found = index.search(query, k=k, **filters)
        hits = self._stored(found)
        if len(hits) < len(found):
            # Chunks of a document the store does not hold were dropped (being written elsewhere,
            # rolled back, left by a crash): look once more, deeper, so the caller still gets k.
            hits = self._stored(index.search(query, k=2 * k, **filters))[:k]
        return hits

    def _stored(self, hits: list) -> list:
        """Only hits whose document has a documents row: the index view may hold vectors it has not."""
        stored = self.db.ok_document_ids({h.doc_sha256 for h in hits})
        return [h for h in hits if h.doc_sha256 in stored]

    def debt_mentions(self, ticker: str) -> list[Mention]:
        return records.debt_mentions(self.db, ticker)

    def _require_documents(self, ticker: str) -> None:
        if not self.db.list_documents(ticker=ticker.upper()):
            raise NotFound(f"no documents for ticker {ticker.upper()}", hint="Ingest the company's filings first (GET /documents lists them).")

    def debt_ledger(self, ticker: str) -> Ledger:
        self._require_documents(ticker)
        return self.ledger(ticker)

    def tickers(self) -> list[str]:
        return sorted({d["ticker"] for d in self.db.list_documents() if d["ticker"]})

    def documents(self, ticker: str | None = None, form: str | None = None) -> list[StoredDocument]:
        """Ingested documents, newest filed first."""
        return [StoredDocument.model_validate(d) for d in self.db.list_documents(ticker=ticker, form=form)]

    def screen(self, ticker: str) -> list[ScreenRow]:
        ledger = self.debt_ledger(ticker)
        return company_screen(records.company_figures(self.db, ticker), ledger, ticker.upper(), records.load_market_inputs(self.db))

    def ledger(self, ticker: str) -> Ledger:
        """The company's merged debt ledger (empty when nothing is stored; `debt_ledger` refuses that)."""
        return build_ledger(ticker, self.debt_mentions(ticker))

    def ledgers(self) -> dict[str, Ledger]:
        return {t: self.ledger(t) for t in self.tickers()}

    def universe(self) -> list[ScreenRow]:
        companies = {t: (records.company_figures(self.db, t), ledger) for t, ledger in self.ledgers().items()}
        return universe_screen(companies, records.load_market_inputs(self.db))

    def refresh_flags(self, ticker: str) -> list[FlagCandidate]:
        """Raise every flag the company's whole ledger and screen call for; returns only new ones.
        Ingest raises flags from the change instead; this is the repair after a crash (flags pending)."""
        ticker = ticker.upper()
        ledger = self.ledger(ticker)
        figures = records.company_figures(self.db, ticker)
        rows = company_screen(figures, ledger, ticker, records.load_market_inputs(self.db))
        candidates = flag_candidates(ticker, ledger, rows, figures.documents, self.db.debt_mentions(ticker=ticker), self.settings)
        return self.db.insert_flags(ticker, candidates)

    def flags_from_change(self, ticker: str, sha256: str) -> list[FlagCandidate]:
        """Raise the flags a just-stored document changes (service.domain.changes); returns the new ones.
        Called under the write lock, so no other writer changes the company meanwhile."""
        ticker = ticker.upper()
        mentions = self.db.debt_mentions(ticker=ticker, doc_sha256=sha256)
        state = self._companies.get(ticker)
        if state is None or self.db.company_counts(ticker) != (state.counts[0] + 1, state.counts[1] + len(mentions)):
            # First document of the company in this process, or the store holds what the state did
            # not see (another process wrote, a document was replaced): the ledger before, from the store.
            state = CompanyState.build(
                ticker,
                [d for d in self.db.list_documents(ticker=ticker) if d["sha256"] != sha256],
                [r for r in self.db.debt_mentions(ticker=ticker) if r["doc_sha256"] != sha256],
                [r for r in self.db.company_figures(ticker) if r["doc_sha256"] != sha256],
                lambda doc_sha256, concept: self.db.facts(doc_sha256=doc_sha256, concept=concept),
                self.db.flag_keys(ticker),
            )
            self._companies[ticker] = state
        try:
            candidates = state.add_document(self.db.list_documents(sha256=sha256)[0], mentions,
                                            self.db.company_figures(ticker, doc_sha256=sha256),
                                            records.load_market_inputs(self.db), self.settings)
        except BaseException:
            self._companies.pop(ticker, None)  # half-updated: the next document rebuilds it from the store
            raise
        return self.db.insert_flags(ticker, candidates)

    def flags(self, since: str | None = None, ticker: str | None = None) -> list[Flag]:
        """Flags raised on or after `since` (an ISO date or timestamp), oldest first."""
        rows = self.db.list_flags(since=check_since(since), ticker=ticker.upper() if ticker else None)
        return [Flag.model_validate(r) for r in rows]

    def set_market(self, market: MarketInputs) -> MarketInputs:
        records.save_market_inputs(self.db, market)
        return market

    def maturity_wall(self, ticker: str | None = None) -> bytes:
        if ticker:
            return maturity_wall_png({ticker.upper(): self.debt_ledger(ticker)}, title=f"{ticker.upper()} maturity wall")
        return maturity_wall_png(self.ledgers(), title="Maturity wall, all companies")

    def contracts(self, ticker: str) -> ContractBook:
        self._require_documents(ticker)
        book = self._contract_book(ticker)
        # Utilization disclosures (energized MW, occupancy, HPC revenue, GPUs deployed) by period.
        book.utilization = [
            UtilizationRow.model_validate({**r["record"], "document": r["document"], "filed": r["filed"]})
            for r in sorted(self.db.utilization_mentions(ticker=ticker.upper()), key=lambda r: r["record"].get("period_end") or r["record"].get("as_of") or "")
        ]
        return book

    def _contract_book(self, ticker: str) -> ContractBook:
        rows = self.db.hpc_mentions(ticker=ticker.upper())
        return build_contracts(ticker, [(r["document"], r["filed"], HpcContract.model_validate(r["record"])) for r in rows])

    def ask(self, question: str, ticker: str | None = None) -> Answer:
        # One Sources per question: each ledger, screen and contract book is built at most once,
        # and only the passage path embeds anything (the query).
        market = records.load_market_inputs(self.db)
        sources = Sources(
            tickers=self.tickers,
            ledger=self.ledger,
            screen=lambda t, ledger: company_screen(records.company_figures(self.db, t), ledger, t, market),
            contracts=self._contract_book,
            search=self.search,
            companies=self.db.company_names,
        )
        return Answerer(sources, self.llm).ask(question, ticker=ticker.upper() if ticker else None)
