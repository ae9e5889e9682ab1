"""Watchers that ingest new filings unattended: EDGAR per company, and a local inbox folder.

EDGAR (`Watcher`; design in ../shared/docs/edgar-and-xbrl.md §5.2). Each poll reads a company's
submissions JSON and takes every accession that is not yet decided and is of a wanted form. The
rules that make it lose nothing and store nothing twice, run for months:
- An accession is recorded as seen only AFTER its documents are stored. A crash anywhere before
  that leaves it unseen; the next poll fetches it again (Archives files come from the client's
  cache) and the pipeline, idempotent by content hash, answers "unchanged": no gap, no duplicate.
- The rows of `filings.recent` are not trusted to be in filing order (amendments, paper filings,
  agent delays disseminate late), so the scan does not stop at the first seen row: it stops after
  `consecutive_seen_limit` seen rows in a row.
- A filing whose files cannot be fetched (not yet disseminated, 5xx past the client's retries) is
  recorded as "failed", retried on later polls, and abandoned after `max_filing_attempts`.
- SEC throttling (RateLimited) pauses all SEC traffic in the shared limiter; the company records
  its back-off and is not polled before it ends. One company's error never stops the others.

A filing becomes ONE document: its SGML header (from `-index-headers.html`) with the primary
document and its EX-4/EX-10/EX-99 exhibits, in EDGAR's complete-submission layout. Ingesting the
parts one by one would lose what ties them together: a bare exhibit has no accession, form, filing
date or 8-K items, and the ledger orders and cites mentions by those. The layout is the one SEC's
own `.txt` uses, so the submission parser reads it; we do not download SEC's `.txt` itself because
it carries every graphic and XBRL file uuencoded (tens of MB for a 10-K).

Folder (`FolderWatcher`): files dropped into an inbox are ingested, then moved to `done/` or to
`failed/` with a one-line `<name>.reason.txt`. Uses watchdog (imported here only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import queue
import re
import shutil
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from ingest import companies
from ingest.edgar import EdgarClient, FilingHeaders, HeaderDocument, SubmissionRow, Submissions, normalize_accession
from ingest.errors import BadInput, ConfigError, MinerlensError, NotFound, RateLimited, reason
from ingest.forms import DEBT_ITEMS_8K, form_family
from service.domain.models import WatchCompany
from service.pipeline import IngestResult, Pipeline

log = logging.getLogger("minerlens.watch")

# Forms that carry debt terms, contracts or figures (amendments, "/A", count as their base form).
WANTED_FORMS = frozenset({"10-Q", "10-K", "8-K", "6-K", "20-F", "40-F", "424B"})
# 8-Ks by item: debt items, plus results (2.02) and the press-release items (7.01, 8.01) where
# contracts and earnings are announced. An 8-K about officers or a vote alone is skipped.
WANTED_8K_ITEMS = DEBT_ITEMS_8K | {"2.02", "7.01", "8.01"}
EXHIBIT_PREFIXES = ("EX-4", "EX-10", "EX-99")  # instruments, material contracts, press releases
# Only text documents go into the assembled submission: a PDF or image exhibit would make the
# whole file binary. (SEC's .txt uuencodes them; the submission parser skips them anyway.)
TEXT_DOCUMENT_SUFFIXES = (".htm", ".html", ".txt")

# Statuses of seen_accessions that end an accession's story; "failed" ones are retried.
DECIDED = frozenset({"ingested", "skipped", "rejected", "abandoned"})


# --- the watchlist -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WatchedCompany:
    ticker: str
    cik: str  # 10 digits


def parse_watchlist(value: str | None) -> list[WatchedCompany]:
    """'MARA,RIOT' or 'MARA:1507605,NEWCO:0001234567'; empty or None = every listed miner.
    A bare ticker must be one of ingest/companies.py; with a CIK any ticker is accepted."""
    if value is None or not value.strip():
        return [WatchedCompany(c.ticker, c.cik) for c in companies.COMPANIES]
    out: dict[str, WatchedCompany] = {}
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        ticker, _, cik = (p.strip() for p in entry.partition(":"))
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9.\-]{0,9}", ticker):
            raise BadInput(f"watchlist entry {entry!r}: not a ticker", hint="e.g. MINERLENS_WATCHLIST=MARA,RIOT:1167419")
        if cik:
            if not cik.isdigit() or not 0 < int(cik) < 10**10:
                raise BadInput(f"watchlist entry {entry!r}: {cik!r} is not a CIK", hint="A CIK is up to 10 digits.")
            company = WatchedCompany(ticker.upper(), f"{int(cik):010d}")
        else:
            known = companies.lookup(ticker)
            if known is None or known.ticker != ticker.upper():
                raise BadInput(f"watchlist entry {entry!r}: unknown ticker; give its CIK as {ticker.upper()}:<CIK>")
            company = WatchedCompany(known.ticker, known.cik)
        out.setdefault(company.cik, company)  # one company listed twice is polled once
    if not out:
        raise BadInput(f"watchlist {value!r} names no company")
    return list(out.values())


def is_wanted(form: str, items: Iterable[str]) -> bool:
    """Whether a filing of `form` (with its 8-K `items`) is worth downloading."""
    family = form_family(form)
    if family not in WANTED_FORMS:
        return False
    if family == "8-K":
        items = set(items)
        return not items or bool(items & WANTED_8K_ITEMS)  # items unknown: better fetched than lost
    return True


# --- reports -----------------------------------------------------------------------------------


@dataclass
class FilingOutcome:
    ticker: str
    accession: str
    form: str
    filed: str
    status: str  # ingested | skipped | rejected | failed | abandoned
    results: list[IngestResult] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class CompanyPoll:
    ticker: str
    cik: str
    status: str  # polled | unchanged | backoff | error
    filings: list[FilingOutcome] = field(default_factory=list)
    error: str | None = None


@dataclass
class PollReport:
    companies: list[CompanyPoll] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def filings(self) -> list[FilingOutcome]:
        return [f for c in self.companies for f in c.filings]

    def of_status(self, status: str) -> list[FilingOutcome]:
        return [f for f in self.filings if f.status == status]


# --- assembling a filing -----------------------------------------------------------------------


def _yyyymmdd(iso: str) -> str:
    return iso.replace("-", "") if re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso or "") else ""


def choose_documents(headers: FilingHeaders, row: SubmissionRow) -> list[HeaderDocument]:
    """The primary document and the exhibits worth reading, in filing order."""
    docs = [d for d in headers.documents if d.filename.lower().endswith(TEXT_DOCUMENT_SUFFIXES)]
    primary = next((d for d in docs if d.filename == row.primary_document), None)
    if primary is None:
        primary = next((d for d in sorted(docs, key=lambda d: d.sequence) if d.type.upper() == headers.form.upper()), None)
    if primary is None and row.primary_document.lower().endswith(TEXT_DOCUMENT_SUFFIXES):
        # Headers without document stubs: the submissions row still names the primary document.
        primary = HeaderDocument(row.form, 1, row.primary_document, row.primary_doc_description)
    chosen = [primary] if primary else []
    chosen += [d for d in docs if d is not primary and d.type.upper().startswith(EXHIBIT_PREFIXES)]
    return sorted(chosen, key=lambda d: d.sequence)


def assemble_submission(headers: FilingHeaders, row: SubmissionRow, documents: list[tuple[HeaderDocument, bytes]]) -> bytes:
    """A complete-submission text (the layout of SEC's `<acc>.txt`) holding only `documents`.
    Deterministic: the same filing always assembles to the same bytes, so re-ingesting is a no-op."""
    acc = headers.accession
    filed = _yyyymmdd(headers.filing_date) or _yyyymmdd(row.filing_date)
    period = _yyyymmdd(headers.period) or _yyyymmdd(row.report_date)
    items = headers.items or row.items
    cik = headers.cik or ""
    head = [f"<SEC-DOCUMENT>{acc}.txt : {filed}", f"<SEC-HEADER>{acc}.hdr.sgml : {filed}"]
    if headers.acceptance_datetime:
        head.append(f"<ACCEPTANCE-DATETIME>{headers.acceptance_datetime}")
    head += [f"<ACCESSION-NUMBER>{acc}", f"<TYPE>{headers.form or row.form}",
             f"<PUBLIC-DOCUMENT-COUNT>{len(documents)}"]
    if period:
        head.append(f"<PERIOD>{period}")
    head += [f"<ITEMS>{item}" for item in items]
    head += [f"<FILING-DATE>{filed}", "<FILER>", "<COMPANY-DATA>", f"<CONFORMED-NAME>{headers.company}",
             f"<CIK>{cik}", "</COMPANY-DATA>", "</FILER>", "</SEC-HEADER>", ""]
    out = bytearray("\n".join(head).encode("utf-8"))
    for doc, body in documents:
        stub = ["<DOCUMENT>", f"<TYPE>{doc.type}", f"<SEQUENCE>{doc.sequence}", f"<FILENAME>{doc.filename}"]
        if doc.description:
            stub.append(f"<DESCRIPTION>{doc.description}")
        stub.append("<TEXT>\n")
        out += "\n".join(stub).encode("utf-8") + body.rstrip() + b"\n</TEXT>\n</DOCUMENT>\n"
    out += b"</SEC-DOCUMENT>\n"
    return bytes(out)


# --- the EDGAR watcher ---------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, MinerlensError):
        return f"{exc.code}: {exc.message}"
    return f"internal_error: {reason(exc)} (traceback in the server log)"


def _check_since(since: str | None) -> str | None:
    if since is None:
        return None
    try:
        return dt.date.fromisoformat(since.strip()).isoformat()
    except ValueError:
        raise BadInput(f"since must be a date YYYY-MM-DD, got {since!r}") from None


class Watcher:
    """Polls EDGAR for the watchlist and ingests new filings through the pipeline.

    `since` (ISO date) backfills: older `filings.files` pages are walked and rows filed on or
    after it are taken; without it only `filings.recent` is read (plus older pages when a gap
    since the last poll is detected). Subclass or assign `on_filing` to act on each new filing.
    """

    def __init__(self, pipeline: Pipeline, client: EdgarClient, watchlist: list[WatchedCompany], *,
                 since: str | None = None, consecutive_seen_limit: int = 50, max_filing_attempts: int = 20) -> None:
        if not watchlist:
            raise BadInput("the watchlist is empty")
        self.pipeline = pipeline
        self.client = client
        self.watchlist = list(watchlist)
        self.since = _check_since(since)
        self.consecutive_seen_limit = max(1, consecutive_seen_limit)
        self.max_filing_attempts = max(1, max_filing_attempts)
        self.db = pipeline.db
        self._poll_lock = threading.Lock()  # one pass at a time (run() and an API "poll now")
        self._stop: threading.Event | None = None

    # -- the hook for flags ----------------------------------------------------------------------

    def on_filing(self, ticker: str, accession: str, results: list[IngestResult]) -> None:
        """Called once a filing's documents are stored, before it is recorded as seen (so a crash
        in between calls it again: keep it idempotent). A no-op here; flags plug in."""

    # -- polling ---------------------------------------------------------------------------------

    def poll_once(self) -> PollReport:
        """One pass over the watchlist. Never raises for one company's failure."""
        started = time.perf_counter()
        report = PollReport()
        with self._poll_lock:
            for company in self.watchlist:
                if self._stop is not None and self._stop.is_set():
                    break
                try:
                    report.companies.append(self._poll_company(company))
                except Exception as exc:  # a bug for one company must not stop the others
                    log.exception("watch: %s failed", company.ticker)
                    error = _error_text(exc)
                    self.db.save_watch_state(company.cik, ticker=company.ticker, last_polled_at=_iso(_now()),
                                             last_error=error)
                    report.companies.append(CompanyPoll(company.ticker, company.cik, "error", error=error))
        report.seconds = time.perf_counter() - started
        return report

    def run(self, interval_s: float, stop: threading.Event) -> None:
        """Poll every `interval_s` seconds until `stop` is set. A stop during a pass ends it after
        the company in hand (a filing is never left half-recorded: see the module notes)."""
        if interval_s <= 0:
            raise ConfigError(f"watch interval must be positive, got {interval_s}")
        self._stop = stop
        try:
            while not stop.is_set():
                try:
                    report = self.poll_once()
                    log.info("watch: pass done in %.1f s: %d filings ingested, %d failed", report.seconds,
                             len(report.of_status("ingested")), len(report.of_status("failed")))
                except Exception:  # poll_once does not raise; this guards the thread against the unforeseen
                    log.exception("watch: pass failed")
                stop.wait(interval_s)
        finally:
            self._stop = None

    def _poll_company(self, company: WatchedCompany) -> CompanyPoll:
        state = self.db.watch_state(company.cik) or {}
        now = _now()
        if state.get("backoff_until") and dt.datetime.fromisoformat(state["backoff_until"]) > now:
            return CompanyPoll(company.ticker, company.cik, "backoff", error=state.get("last_error"))
        poll = CompanyPoll(company.ticker, company.cik, "polled")
        try:
            subs = self.client.submissions(company.cik)
            statuses = self.db.accession_statuses(company.cik)
            retries = any(s["status"] == "failed" for s in statuses.values())
            backfill = self.since is not None and (state.get("backfilled_since") or "9999") > self.since
            if subs.body_sha256 == state.get("body_sha256") and not retries and not backfill:
                self.db.save_watch_state(company.cik, ticker=company.ticker, last_polled_at=_iso(now),
                                         last_error=None, backoff_until=None)
                poll.status = "unchanged"
                return poll
            rows = self._new_rows(company, subs, statuses, backfill)
            for row in rows:
                outcome = self._take_filing(company, row, statuses.get(row.accession))
                poll.filings.append(outcome)
        except RateLimited as exc:
            # All SEC traffic is paused in the shared limiter; this company waits the pause out.
            pause = float(exc.context.get("paused_for_s") or self.client.limiter.paused_for or 60.0)
            poll.status, poll.error = "backoff", _error_text(exc)
            self.db.save_watch_state(company.cik, ticker=company.ticker, last_polled_at=_iso(now),
                                     last_error=poll.error,
                                     backoff_until=_iso(_now() + dt.timedelta(seconds=pause)))
            return poll
        except MinerlensError as exc:
            poll.status, poll.error = "error", _error_text(exc)
            self.db.save_watch_state(company.cik, ticker=company.ticker, last_polled_at=_iso(now),
                                     last_error=poll.error, backoff_until=None)
            return poll
        failed = [f for f in poll.filings if f.status == "failed"]
        clean = not failed
        values: dict[str, object] = {
            "ticker": company.ticker, "last_polled_at": _iso(now), "backoff_until": None,
            "last_error": None if clean else f"{failed[0].accession}: {failed[0].error}",
            # An unchanged body may skip the next poll only when nothing is left to retry.
            "body_sha256": subs.body_sha256 if clean else None,
        }
        if backfill and clean:
            values["backfilled_since"] = self.since
        self.db.save_watch_state(company.cik, **values)
        return poll

    def _new_rows(self, company: WatchedCompany, subs: Submissions, statuses: dict[str, dict],
                  backfill: bool) -> list[SubmissionRow]:
        """Rows to take now, oldest first: undecided, and (with `since`) filed on or after it."""
        decided = {acc for acc, s in statuses.items() if s["status"] in DECIDED}
        picked: dict[str, SubmissionRow] = {}
        consecutive_seen = 0
        reached_seen = False
        for row in subs.rows:  # newest first, but not reliably so
            if row.accession in decided:
                consecutive_seen += 1
                reached_seen = True
                if consecutive_seen >= self.consecutive_seen_limit:
                    break
                continue
            consecutive_seen = 0
            if self.since is None or row.filing_date >= self.since:
                picked[row.accession] = row
        # Older pages: a backfill, or a gap (we had seen filings, yet none of them is in `recent`
        # any more: more filings arrived since the last poll than `recent` holds).
        horizon = self.since if backfill else None
        if horizon is None and decided and not reached_seen:
            horizon = max((s["filed"] or "" for s in statuses.values()), default="") or None
        if horizon:
            for page in subs.pages:
                if page.filing_to and page.filing_to < horizon:
                    continue
                for row in self.client.submissions_page(page.name):
                    if row.accession not in decided and row.filing_date >= horizon:
                        picked.setdefault(row.accession, row)
        return sorted(picked.values(), key=lambda r: (r.filing_date, r.acceptance_datetime, r.accession))

    def _take_filing(self, company: WatchedCompany, row: SubmissionRow, previous: dict | None) -> FilingOutcome:
        """Fetch, ingest and record one filing. RateLimited propagates (the company stops)."""
        started = time.perf_counter()
        acc = normalize_accession(row.accession)
        outcome = FilingOutcome(company.ticker, acc, row.form, row.filing_date, "failed")

        def record(status: str, error: str | None = None, documents: list[str] | None = None) -> FilingOutcome:
            outcome.status, outcome.error = status, error
            self.db.record_accession(company.cik, acc, form=row.form, filed=row.filing_date, status=status,
                                     error=error, documents=documents)
            outcome.seconds = time.perf_counter() - started
            return outcome

        if not is_wanted(row.form, row.items):
            return record("skipped")
        def retry_later(exc: Exception) -> FilingOutcome:
            error = _error_text(exc)
            attempts = (previous or {}).get("attempts", 0) + 1
            status = "abandoned" if attempts >= self.max_filing_attempts else "failed"
            log.warning("watch: %s %s %s: %s (attempt %d)", company.ticker, row.form, acc, error, attempts)
            return record(status, error)

        try:
            data = self._download(company, row)
        except (RateLimited, ConfigError):
            raise  # throttled, or SEC refused our User-Agent: every further request would fail too
        except MinerlensError as exc:  # not disseminated yet, 5xx past the retries, malformed
            return retry_later(exc)
        try:
            result = self.pipeline.ingest_bytes(data, f"{acc}.txt", ticker=company.ticker)
        except BadInput as exc:
            # The bytes are what SEC serves: parsing them again will not go better. Kept visible.
            self.pipeline.db.save_failure(f"{acc}.txt", hashlib.sha256(data).hexdigest(), exc.code, exc.message)
            return record("rejected", _error_text(exc))
        except ConfigError:
            raise  # the installation (model, database) is broken, not this filing
        except Exception as exc:  # an extractor bug on one filing must not block the ones after it
            log.exception("watch: ingesting %s failed", acc)
            return retry_later(exc)
        outcome.results = [result]
        try:
            self.on_filing(company.ticker, acc, outcome.results)
        except Exception as exc:  # the documents are stored; a failing hook must not re-download them
            log.exception("watch: on_filing failed for %s", acc)
            outcome.error = _error_text(exc)
        record("ingested", outcome.error, [result.sha256] if result.sha256 else [])
        self.db.save_watch_state(company.cik, last_accession=acc)
        log.info("watch: %s %s %s %s in %.1f s", company.ticker, row.form, acc, result.status, outcome.seconds)
        return outcome

    def _download(self, company: WatchedCompany, row: SubmissionRow) -> bytes:
        headers = self.client.filing_headers(company.cik, row.accession)
        chosen = choose_documents(headers, row)
        if not chosen:
            raise NotFound(f"{row.accession}: no text document to ingest among {len(headers.documents)} files")
        fetched: list[tuple[HeaderDocument, bytes]] = []
        for doc in chosen:
            fetched.append((doc, self.client.document(company.cik, row.accession, doc.filename)))
        # Over the size limit: drop the largest exhibits; the primary document is always kept.
        limit = self.pipeline.max_bytes
        while len(fetched) > 1 and sum(len(b) for _, b in fetched) > limit:
            largest = max(fetched[1:], key=lambda pair: len(pair[1]))
            log.warning("watch: %s dropping %s (%d bytes) to fit the size limit", row.accession,
                        largest[0].filename, len(largest[1]))
            fetched.remove(largest)
        return assemble_submission(headers, row, fetched)

    # -- status ----------------------------------------------------------------------------------

    def status(self) -> list[WatchCompany]:
        """Per company: its last poll and accession, the error and back-off, and the accessions pending."""
        states = {s["cik"]: s for s in self.db.watch_states()}
        out = []
        now = _now()
        for company in self.watchlist:
            state = states.get(company.cik, {})
            backoff = state.get("backoff_until")
            if backoff and dt.datetime.fromisoformat(backoff) <= now:
                backoff = None
            pending = [a for a, s in self.db.accession_statuses(company.cik).items() if s["status"] == "failed"]
            out.append(WatchCompany(
                ticker=company.ticker, cik=company.cik, last_poll=state.get("last_polled_at"),
                last_accession=state.get("last_accession"), error=state.get("last_error"),
                backoff_until=backoff, pending=sorted(pending),
            ))
        return out


# --- the folder watcher ----------------------------------------------------------------------------

# Files still being written by common tools, and our own sidecars: never ingested.
_IN_PROGRESS_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", ".swp")


class FolderWatcher:
    """Ingests files dropped into `inbox`; moves each to `inbox/done/` or `inbox/failed/` (with a
    one-line `<name>.reason.txt`). Files are handled one at a time on a worker thread."""

    def __init__(self, pipeline: Pipeline, inbox: Path, *, settle_s: float = 0.3) -> None:
        self.pipeline = pipeline
        self.inbox = Path(inbox)
        if self.inbox.exists() and not self.inbox.is_dir():
            raise BadInput(f"inbox {self.inbox} is not a folder")
        self.done = self.inbox / "done"
        self.failed = self.inbox / "failed"
        for folder in (self.inbox, self.done, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        self.settle_s = settle_s
        self._lock = threading.Lock()
        self._queue: queue.Queue[Path | None] = queue.Queue()
        self._observer: Observer | None = None
        self._worker: threading.Thread | None = None

    def process_existing(self) -> list[IngestResult]:
        """Ingest what is already in the inbox (sorted by name). The batch goes on past failures."""
        results = []
        for path in sorted(self.inbox.iterdir()):
            result = self.process(path)
            if result is not None:
                results.append(result)
        return results

    def process(self, path: Path) -> IngestResult | None:
        """Ingest one inbox file and move it; None when it is not (or no longer) an inbox file."""
        path = Path(path)
        if path.parent.resolve() != self.inbox.resolve() or not self._wanted(path):
            return None
        with self._lock:
            if not path.is_file():  # taken already (an event and the startup scan can race)
                return None
            try:
                result = self.pipeline.ingest_file(path)
            except Exception as exc:  # ingest_file reports bad input; this is the unforeseen
                log.exception("inbox: %s failed", path.name)
                result = IngestResult(path.name, "failed", error=_error_text(exc), error_code="internal_error")
            if result.status == "failed":
                target = self._move(path, self.failed)
                reason = f"{result.error_code}: {result.error}" if result.error_code else str(result.error)
                target.with_name(target.name + ".reason.txt").write_text(" ".join(reason.split()) + "\n")
            else:
                self._move(path, self.done)
            log.info("inbox: %s %s", path.name, result.status)
            return result

    def start(self) -> None:
        """Watch the inbox (events first, then the files already there, so none slips between)."""
        if self._observer is not None:
            return
        self._worker = threading.Thread(target=self._work, name="inbox-worker", daemon=True)
        self._worker.start()
        handler = _InboxHandler(self._queue)
        self._observer = Observer()
        self._observer.schedule(handler, str(self.inbox), recursive=False)
        self._observer.start()
        for path in sorted(self.inbox.iterdir()):
            self._queue.put(path)

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=10)
            self._observer = None
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout=600)
            self._worker = None

    def _work(self) -> None:
        while (path := self._queue.get()) is not None:
            if self._settled(path):
                self.process(path)

    def _settled(self, path: Path) -> bool:
        """Wait until the file stops growing: a copy in progress raises 'created' before its end."""
        last = -1
        for _ in range(200):
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                return False
            if size == last:
                return True
            last = size
            time.sleep(self.settle_s)
        return True

    @staticmethod
    def _wanted(path: Path) -> bool:
        name = path.name
        return (not name.startswith(".") and not name.lower().endswith(_IN_PROGRESS_SUFFIXES)
                and not name.endswith(".reason.txt") and path.is_file())

    @staticmethod
    def _move(path: Path, folder: Path) -> Path:
        target = folder / path.name
        n = 1
        while target.exists():  # never overwrite an earlier file of the same name
            target = folder / f"{path.stem}-{n}{path.suffix}"
            n += 1
        shutil.move(str(path), str(target))
        return target


class _InboxHandler(FileSystemEventHandler):
    def __init__(self, work: queue.Queue[Path | None]) -> None:
        self._work = work

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._work.put(Path(str(event.src_path)))

    def on_moved(self, event: FileSystemEvent) -> None:
        # A file renamed into the inbox (the safe way to drop one) arrives as a move.
        if not event.is_directory:
            self._work.put(Path(str(event.dest_path)))
