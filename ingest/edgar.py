"""The EDGAR client: the only code in minerlens that talks to SEC.

SEC's fair-access rules shape everything here (see ../shared/docs/edgar-and-xbrl.md §1, §5.1):
- a declared User-Agent ("Company Name contact@example.com") on every request, or SEC answers
  403 "Undeclared Automated Tool"; we refuse to construct a client without one;
- one process-wide budget of 5 requests per second across www.sec.gov and data.sec.gov
  (SEC counts per user, "regardless of the number of machines"), acquired before every request,
  retries included;
- a throttled client (429, or 403 "Request Rate Threshold Exceeded") must stop ALL traffic:
  continuing to request extends SEC's 10-minute block, so the shared limiter pauses;
- a 403 is not always a throttle: S3 answers a missing Archives object with 403 AccessDenied XML,
  so responses are classified by body, never by status alone;
- Archives documents under `Archives/edgar/data` never change once disseminated: cached forever.

The parsed shapes (SubmissionRow, FilingIndex, FilingHeaders) are what the watcher needs to find
new accessions and decide which documents of a filing to download.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ingest.errors import BadInput, ConfigError, NotFound, RateLimited, UpstreamError, reason
from ingest.forms import item_number_for_title

SEC_WWW_URL = "https://www.sec.gov"
SEC_DATA_URL = "https://data.sec.gov"
ARCHIVE_DATA_PREFIX = "Archives/edgar/data/"

_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_BROWSER_RE = re.compile(r"^\s*(Mozilla|Opera)/|curl/|python-requests|python-httpx|Wget/", re.IGNORECASE)
_ACCESSION_RE = re.compile(r"^(\d{10})-?(\d{2})-?(\d{6})$")

# Body markers that tell SEC's 403/429 answers apart (real texts quoted in the EDGAR notes §1.3).
_THROTTLE_MARKER = "request rate threshold exceeded"
_UNDECLARED_MARKERS = ("undeclared automated tool", "declare your traffic")
_ACCESS_DENIED_MARKER = "<code>accessdenied</code>"
_RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


# --- identifiers ------------------------------------------------------------------------------


def cik_number(cik: int | str) -> int:
    """1507605, "1507605", "0001507605" and "CIK0001507605" -> 1507605."""
    text = str(cik).strip().upper().removeprefix("CIK")
    if not text.isdigit() or not 0 < int(text) < 10**10:
        raise BadInput(f"not a CIK: {cik!r}", hint="A CIK is a number of up to 10 digits, e.g. 1507605.")
    return int(text)


def pad_cik(cik: int | str) -> str:
    """The 10-digit form used by data.sec.gov and our records: "0001507605"."""
    return f"{cik_number(cik):010d}"


def normalize_accession(accession: str) -> str:
    """"000149315224047078" or "0001493152-24-047078" -> "0001493152-24-047078"."""
    match = _ACCESSION_RE.match(str(accession).strip())
    if not match:
        raise BadInput(f"not an accession number: {accession!r}", hint="Expected e.g. 0001493152-24-047078.")
    return "-".join(match.groups())


def acc_nodash(accession: str) -> str:
    return normalize_accession(accession).replace("-", "")


def archive_path(cik: int | str, accession: str, name: str = "") -> str:
    """`Archives/edgar/data/1507605/000149315224047078/form8-k.htm` (CIK unpadded, as SEC serves it)."""
    if name and ("/" in name or "\\" in name or name in {".", ".."}):
        raise BadInput(f"not a document name: {name!r}", hint="A plain file name from the filing index.")
    folder = f"{ARCHIVE_DATA_PREFIX}{cik_number(cik)}/{acc_nodash(accession)}"
    return f"{folder}/{name}" if name else folder


def validate_user_agent(user_agent: str | None) -> str:
    """SEC's sample is "Sample Company Name AdminContact@<domain>.com": a name and a contact email.
    Browser and tool defaults are what SEC blocks as undeclared, so they are refused too."""
    ua = " ".join((user_agent or "").split())
    hint = 'Set MINERLENS_SEC_USER_AGENT to "Company Name contact@example.com" (SEC fair-access rules).'
    if not ua:
        raise ConfigError("no SEC User-Agent declared", hint=hint)
    if not _EMAIL_RE.search(ua) or not _EMAIL_RE.sub("", ua).strip(" ()<>,;"):
        raise ConfigError(f"SEC User-Agent must name the company and a contact email: {ua!r}", hint=hint)
    if _BROWSER_RE.search(ua):
        raise ConfigError(f"SEC User-Agent looks like a browser or tool default: {ua!r}", hint=hint)
    return ua


# --- rate limiting ----------------------------------------------------------------------------


class RateLimiter:
    """One budget for all SEC traffic of the process: a token bucket (steady `rate`, at most
    `burst` requests at once), a sliding-window guard, and a circuit breaker (`pause`).

    The bucket is kept in its GCRA form (a "theoretical arrival time"), which lets each caller
    reserve its slot under the lock and sleep outside it, so threads queue fairly. A bucket alone
    would let `burst + rate` requests into one second (a full bucket, then the steady rate); the
    guard keeps every window of `window_s + margin_s` to at most `rate` requests, the margin
    absorbing the jitter between granting a request here and SEC receiving it.
    """

    def __init__(
        self,
        rate: float = 5.0,
        burst: int = 2,
        *,
        window_s: float = 1.0,
        margin_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ConfigError(f"bad SEC rate limit: rate={rate}, burst={burst}")
        self.rate = rate
        self.burst = burst
        self.window_s = window_s + margin_s
        self._interval = 1.0 / rate
        self._tolerance = (burst - 1) * self._interval
        self._per_window = max(1, int(rate * window_s))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tat = clock()  # when the bucket is next "empty"; <= now means full
        self._grants: deque[float] = deque(maxlen=self._per_window)
        self._paused_until = float("-inf")

    def acquire(self) -> None:
        """Wait for this request's slot; raise RateLimited at once while SEC traffic is paused."""
        with self._lock:
            now = self._clock()
            self._check_paused(now)
            slot = max(now, self._tat - self._tolerance)
            if len(self._grants) == self._per_window:
                slot = max(slot, self._grants[0] + self.window_s)
            self._tat = max(self._tat, slot) + self._interval
            self._grants.append(slot)
        if slot > now:
            self._sleep(slot - now)
            # A throttle seen by another thread while we waited stops this request too.
            with self._lock:
                self._check_paused(self._clock())

    def pause(self, seconds: float) -> None:
        """Stop all SEC traffic for `seconds` (never shortens a pause already in force)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def paused_for(self) -> float:
        """Seconds left in the current pause (0 when traffic may flow)."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    def _check_paused(self, now: float) -> None:
        if now < self._paused_until:
            left = self._paused_until - now
            raise RateLimited(
                f"SEC traffic paused for another {left:.0f} s after SEC throttled us",
                hint="SEC lifts a rate block after ~10 minutes below its threshold; requesting sooner extends it.",
                paused_for_s=left,
            )


_SHARED_LIMITER: RateLimiter | None = None
_SHARED_LIMITER_LOCK = threading.Lock()


def shared_limiter() -> RateLimiter:
    """The process-wide limiter every client uses unless a test injects its own."""
    global _SHARED_LIMITER
    with _SHARED_LIMITER_LOCK:
        if _SHARED_LIMITER is None:
            _SHARED_LIMITER = RateLimiter()
        return _SHARED_LIMITER


# --- on-disk cache for immutable Archives files -----------------------------------------------


class ArchiveCache:
    """Archives files keyed by their path (`Archives/edgar/data/<cik>/<acc>/<name>`), mirrored on
    disk. A filing's files never change once disseminated, so entries never expire. Writes go
    to a temporary file and are renamed into place: a crash never leaves a half-written entry."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _file(self, path: str) -> Path:
        parts = [p for p in path.split("/") if p]
        if any(p in {".", ".."} for p in parts):
            raise BadInput(f"not an Archives path: {path!r}")
        return self.root.joinpath(*parts)

    def get(self, path: str) -> bytes | None:
        try:
            return self._file(path).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, path: str, body: bytes) -> None:
        target = self._file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(body)
        os.replace(tmp, target)


# --- parsed shapes ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubmissionRow:
    """One filing in `filings.recent` (or a `filings.files` page) of the submissions JSON."""

    accession: str
    form: str
    filing_date: str
    report_date: str
    acceptance_datetime: str
    items: tuple[str, ...]  # 8-K items, e.g. ("1.01", "2.03"); empty for other forms
    primary_document: str
    primary_doc_description: str
    size: int | None
    is_xbrl: bool
    is_inline_xbrl: bool
    file_number: str = ""
    film_number: str = ""
    act: str = ""
    core_type: str = ""


@dataclass(frozen=True, slots=True)
class SubmissionsPage:
    """An older page listed in `filings.files`: fetch it with `EdgarClient.submissions_page(name)`."""

    name: str
    filing_count: int
    filing_from: str
    filing_to: str


@dataclass(frozen=True, slots=True)
class Submissions:
    cik: str  # 10 digits
    name: str
    tickers: tuple[str, ...]
    rows: tuple[SubmissionRow, ...]  # newest first, as SEC lists them
    pages: tuple[SubmissionsPage, ...]
    body_sha256: str  # unchanged hash = nothing new; data.sec.gov sends no ETag/Last-Modified


@dataclass(frozen=True, slots=True)
class IndexEntry:
    name: str
    size: int | None  # SEC sends "" for generated index files
    last_modified: str  # local (ET) time without a zone, as SEC sends it


@dataclass(frozen=True, slots=True)
class FilingIndex:
    cik: str
    accession: str
    entries: tuple[IndexEntry, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.entries)


@dataclass(frozen=True, slots=True)
class HeaderDocument:
    type: str  # "8-K", "EX-99.1", "EX-4.1", "GRAPHIC", "XML", ...
    sequence: int
    filename: str
    description: str


@dataclass(frozen=True, slots=True)
class FilingHeaders:
    """`{acc}-index-headers.html`: the SGML header and each document's TYPE, the cheapest place
    to learn which file is the indenture or the press release (file names are agent-specific)."""

    accession: str
    form: str
    cik: str
    company: str
    filing_date: str  # ISO
    period: str  # ISO or ""
    acceptance_datetime: str  # "YYYYMMDDHHMMSS", Eastern time as SEC writes it
    items: tuple[str, ...]
    documents: tuple[HeaderDocument, ...] = field(default_factory=tuple)

    def documents_of_type(self, *prefixes: str) -> tuple[HeaderDocument, ...]:
        """Documents whose TYPE starts with one of `prefixes`: ("EX-4", "EX-10", "EX-99")."""
        wanted = tuple(p.upper() for p in prefixes)
        return tuple(d for d in self.documents if d.type.upper().startswith(wanted))


# --- parsers (pure; also used on cached bodies) -----------------------------------------------


def _malformed(what: str, url: str, why: str) -> UpstreamError:
    return UpstreamError(f"EDGAR sent a malformed {what} for {url}: {why}", url=url)


def _load_json(body: bytes, what: str, url: str) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _malformed(what, url, f"not JSON ({reason(exc, 80)})") from None


def parse_submission_rows(columns: Mapping[str, Any], url: str = "") -> tuple[SubmissionRow, ...]:
    """The compact columnar arrays (`filings.recent`, or a bare `files` page) as rows."""
    if not isinstance(columns, Mapping) or not isinstance(columns.get("accessionNumber"), list):
        raise _malformed("submissions JSON", url, "no accessionNumber array")
    n = len(columns["accessionNumber"])
    for key, value in columns.items():
        if isinstance(value, list) and len(value) != n:
            raise _malformed("submissions JSON", url, f"column {key} has {len(value)} rows, expected {n}")

    def col(key: str, i: int, default: Any = "") -> Any:
        values = columns.get(key)
        return values[i] if isinstance(values, list) and values[i] is not None else default

    rows = []
    for i in range(n):
        items = str(col("items", i))
        size = col("size", i, None)
        rows.append(SubmissionRow(
            accession=normalize_accession(col("accessionNumber", i)),
            form=str(col("form", i)),
            filing_date=str(col("filingDate", i)),
            report_date=str(col("reportDate", i)),
            acceptance_datetime=str(col("acceptanceDateTime", i)),
            items=tuple(x.strip() for x in items.split(",") if x.strip()),
            primary_document=str(col("primaryDocument", i)),
            primary_doc_description=str(col("primaryDocDescription", i)),
            size=int(size) if isinstance(size, (int, float)) else None,
            is_xbrl=bool(col("isXBRL", i, 0)),
            is_inline_xbrl=bool(col("isInlineXBRL", i, 0)),
            file_number=str(col("fileNumber", i)),
            film_number=str(col("filmNumber", i)),
            act=str(col("act", i)),
            core_type=str(col("core_type", i)),
        ))
    return tuple(rows)


def parse_submissions(body: bytes, url: str = "") -> Submissions:
    data = _load_json(body, "submissions JSON", url)
    filings = data.get("filings") if isinstance(data, dict) else None
    if not isinstance(filings, dict) or "cik" not in data:
        raise _malformed("submissions JSON", url, "no cik/filings")
    pages = []
    for page in filings.get("files") or []:
        try:
            pages.append(SubmissionsPage(str(page["name"]), int(page.get("filingCount", 0)),
                                         str(page.get("filingFrom", "")), str(page.get("filingTo", ""))))
        except (KeyError, TypeError, ValueError):
            raise _malformed("submissions JSON", url, f"bad files entry {page!r}") from None
    return Submissions(
        cik=pad_cik(data["cik"]),  # SEC pads it ("0000320193"); the 2022 files did not
        name=str(data.get("name") or ""),
        tickers=tuple(str(t) for t in data.get("tickers") or ()),
        rows=parse_submission_rows(filings.get("recent") or {}, url),
        pages=tuple(pages),
        body_sha256=hashlib.sha256(body).hexdigest(),
    )


def parse_filing_index(body: bytes, cik: int | str, accession: str, url: str = "") -> FilingIndex:
    data = _load_json(body, "filing index.json", url)
    items = data.get("directory", {}).get("item") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise _malformed("filing index.json", url, "no directory.item list")
    entries = []
    for item in items:
        if not isinstance(item, dict) or not item.get("name"):
            raise _malformed("filing index.json", url, f"bad item {item!r}")
        size = str(item.get("size") or "").strip()
        entries.append(IndexEntry(str(item["name"]), int(size) if size.isdigit() else None,
                                  str(item.get("last-modified") or "")))
    return FilingIndex(pad_cik(cik), normalize_accession(accession), tuple(entries))


_TAG_LINE_RE = re.compile(r"^<([A-Z0-9\-]+)>([^<\n]*)$", re.MULTILINE)
_KEY_LINE_RE = re.compile(r"^\s*([A-Z][A-Z0-9 ]+?):[ \t]*(.*?)\s*$", re.MULTILINE)
_DOCUMENT_RE = re.compile(r"<DOCUMENT>(.*?)</DOCUMENT>", re.DOTALL)


def _iso_date(yyyymmdd: str) -> str:
    d = yyyymmdd.strip()
    return f"{d[:4]}-{d[4:6]}-{d[6:8]}" if re.fullmatch(r"\d{8}", d) else ""


def parse_filing_headers(body: bytes, url: str = "") -> FilingHeaders:
    """Parse `-index-headers.html`: an HTML page whose comment holds the header in tag form
    (`<ITEMS>2.03`) and whose <PRE> holds the SGML header and `<DOCUMENT>` stubs, HTML-escaped."""
    text = html.unescape(body.decode("utf-8", errors="replace"))
    header_end = text.find("</SEC-HEADER>")
    first_doc = text.find("<DOCUMENT>")
    if header_end < 0 and first_doc < 0:
        raise _malformed("index-headers page", url, "no SEC header and no documents")
    head = text[: first_doc if first_doc >= 0 else len(text)]

    tags: dict[str, list[str]] = {}
    for name, value in _TAG_LINE_RE.findall(head):
        tags.setdefault(name, []).append(value.strip())
    keys: dict[str, list[str]] = {}
    for name, value in _KEY_LINE_RE.findall(head):
        keys.setdefault(name.strip(), []).append(value)

    def first(tag: str, key: str) -> str:
        return (tags.get(tag) or keys.get(key) or [""])[0]

    accession = first("ACCESSION-NUMBER", "ACCESSION NUMBER")
    if not accession:
        raise _malformed("index-headers page", url, "no accession number")
    # The tag form carries item numbers; the text form only titles ("Other Events"), mapped back.
    items = tuple(tags.get("ITEMS") or ())
    if not items:
        numbers = (item_number_for_title(t) for t in keys.get("ITEM INFORMATION", ()))
        items = tuple(n for n in numbers if n)

    documents = []
    for block in _DOCUMENT_RE.findall(text):
        fields = {k: v.strip() for k, v in _TAG_LINE_RE.findall(block)}
        seq = fields.get("SEQUENCE", "")
        documents.append(HeaderDocument(
            type=fields.get("TYPE", ""),
            sequence=int(seq) if seq.isdigit() else 0,
            filename=fields.get("FILENAME", ""),
            description=fields.get("DESCRIPTION", ""),
        ))
    cik = first("CIK", "CENTRAL INDEX KEY")
    return FilingHeaders(
        accession=normalize_accession(accession),
        form=first("TYPE", "CONFORMED SUBMISSION TYPE"),
        cik=pad_cik(cik) if cik.isdigit() else "",
        company=first("CONFORMED-NAME", "COMPANY CONFORMED NAME"),
        filing_date=_iso_date(first("FILING-DATE", "FILED AS OF DATE")),
        period=_iso_date(first("PERIOD", "CONFORMED PERIOD OF REPORT")),
        acceptance_datetime=first("ACCEPTANCE-DATETIME", "ACCEPTANCE-DATETIME"),
        items=items,
        documents=tuple(documents),
    )


# --- the client -------------------------------------------------------------------------------


def _retry_after_s(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP-date; SEC has never been seen sending one


class EdgarClient:
    """Rate-limited, body-aware, caching HTTP/1.1 client for www.sec.gov and data.sec.gov.

    `cache_dir` holds Archives files forever; None disables the cache. `limiter` defaults to the
    process-wide one: inject another only in tests. `sleep` and `jitter` drive the retry backoff.
    """

    def __init__(
        self,
        user_agent: str,
        *,
        www_url: str = SEC_WWW_URL,
        data_url: str = SEC_DATA_URL,
        cache_dir: Path | str | None = None,
        limiter: RateLimiter | None = None,
        timeout_s: float = 30.0,
        max_attempts: int = 5,
        backoff_s: float = 1.0,
        backoff_cap_s: float = 16.0,
        rate_limit_pause_s: float = 600.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.user_agent = validate_user_agent(user_agent)
        for name, base in (("www_url", www_url), ("data_url", data_url)):
            if not re.match(r"^https?://[^/\s]+", base or ""):
                raise ConfigError(f"bad SEC base URL {name}={base!r}", hint="e.g. https://www.sec.gov")
        if max_attempts < 1:
            raise ConfigError(f"max_attempts must be at least 1, got {max_attempts}")
        self.www_url = www_url.rstrip("/")
        self.data_url = data_url.rstrip("/")
        self.cache = ArchiveCache(Path(cache_dir)) if cache_dir is not None else None
        self.limiter = limiter or shared_limiter()
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.backoff_cap_s = backoff_cap_s
        self.rate_limit_pause_s = rate_limit_pause_s
        self._sleep = sleep
        self._jitter = jitter
        # HTTP/1.1 only: with HTTP/2 one reset stream fails every request in flight (edgartools).
        # httpx decodes gzip/deflate itself; we ask for nothing it cannot decode.
        self._http = httpx.Client(
            http1=True,
            http2=False,
            timeout=timeout_s,
            follow_redirects=True,
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EdgarClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- endpoints ----------------------------------------------------------------------------

    def submissions(self, cik: int | str) -> Submissions:
        url = f"{self.data_url}/submissions/CIK{pad_cik(cik)}.json"
        return parse_submissions(self.get(url), url)

    def submissions_page(self, name: str) -> tuple[SubmissionRow, ...]:
        """An older page named in `Submissions.pages` ("CIK0001507605-submissions-001.json")."""
        if not re.fullmatch(r"CIK\d{10}-submissions-\d{3}\.json", name):
            raise BadInput(f"not a submissions page name: {name!r}")
        url = f"{self.data_url}/submissions/{name}"
        return parse_submission_rows(_load_json(self.get(url), "submissions page", url), url)

    def companyfacts(self, cik: int | str) -> dict[str, Any]:
        url = f"{self.data_url}/api/xbrl/companyfacts/CIK{pad_cik(cik)}.json"
        data = _load_json(self.get(url), "companyfacts JSON", url)
        if not isinstance(data, dict):
            raise _malformed("companyfacts JSON", url, "not an object")
        return data

    def filing_index(self, cik: int | str, accession: str) -> FilingIndex:
        path = archive_path(cik, accession, "index.json")
        return parse_filing_index(self.archive(path), cik, accession, path)

    def filing_headers(self, cik: int | str, accession: str) -> FilingHeaders:
        acc = normalize_accession(accession)
        path = archive_path(cik, acc, f"{acc}-index-headers.html")
        return parse_filing_headers(self.archive(path), path)

    def document(self, cik: int | str, accession: str, name: str) -> bytes:
        """One file of a filing, as filed (the primary document, an exhibit, `*_htm.xml`, ...)."""
        return self.archive(archive_path(cik, accession, name))

    def archive(self, path: str) -> bytes:
        """A www.sec.gov path; files under Archives/edgar/data come from the cache when held."""
        path = path.lstrip("/")
        cacheable = self.cache is not None and path.startswith(ARCHIVE_DATA_PREFIX)
        if cacheable and (cached := self.cache.get(path)) is not None:
            return cached
        body = self.get(f"{self.www_url}/{path}")
        if cacheable:
            self.cache.put(path, body)
        return body

    # --- transport ----------------------------------------------------------------------------

    def get(self, url: str) -> bytes:
        """GET with the shared rate limit, body-aware classification and retries. Returns the
        decoded body of a 200."""
        last_problem = ""
        for attempt in range(self.max_attempts):
            if attempt:
                self._sleep(self._backoff(attempt))
            self.limiter.acquire()  # every attempt spends from the one budget
            try:
                response = self._http.get(url)
                body = response.content
                self._check_length(response, body)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, _Truncated) as exc:
                last_problem = _transport_problem(exc)
                continue
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise ConfigError(f"bad SEC URL {url}: {exc}") from None
            except httpx.DecodingError as exc:
                # A gzip stream cut short decodes as garbage: a truncated body like any other.
                last_problem = f"undecodable body: {exc}"
                continue
            except httpx.HTTPError as exc:
                raise UpstreamError(f"EDGAR request failed for {url}: {reason(exc)}", url=url) from None
            if response.status_code == 200:
                return body
            if response.status_code in _RETRYABLE_STATUSES:
                last_problem = f"HTTP {response.status_code}"
                continue
            self._raise_for(url, response, body)
        raise UpstreamError(
            f"EDGAR GET {url} failed after {self.max_attempts} attempts ({last_problem})",
            hint="SEC or the network is having trouble; the next poll will try again.",
            url=url,
        )

    def _backoff(self, attempt: int) -> float:
        # Exponential with "equal jitter": never less than half the step, so retries stay spaced.
        step = min(self.backoff_cap_s, self.backoff_s * 2 ** (attempt - 1))
        return step / 2 + self._jitter() * step / 2

    @staticmethod
    def _check_length(response: httpx.Response, body: bytes) -> None:
        """h11 already refuses a body cut short of its Content-Length; this second check covers
        transports that do not. Only for unencoded bodies: Content-Length counts encoded bytes."""
        declared = response.headers.get("Content-Length")
        encoded = response.headers.get("Content-Encoding", "identity").lower() not in {"", "identity"}
        if declared and declared.isdigit() and not encoded and int(declared) != len(body):
            raise _Truncated(f"received {len(body)} of {declared} bytes")

    def _raise_for(self, url: str, response: httpx.Response, body: bytes) -> None:
        status = response.status_code
        text = body[:20000].decode("utf-8", errors="replace").lower()
        if status == 429 or (status == 403 and _THROTTLE_MARKER in text):
            pause = self.rate_limit_pause_s
            retry_after = _retry_after_s(response.headers.get("Retry-After"))
            if retry_after is not None:
                pause = min(max(retry_after, 60.0), 900.0)
            self.limiter.pause(pause)
            raise RateLimited(
                f"SEC throttled us (HTTP {status}); all SEC traffic paused for {pause:.0f} s",
                hint="Requests during a block extend it; the watcher resumes after the pause.",
                url=url, paused_for_s=pause,
            )
        if status == 403 and any(m in text for m in _UNDECLARED_MARKERS):
            raise ConfigError(
                "SEC rejected our User-Agent as an undeclared automated tool",
                hint='Set MINERLENS_SEC_USER_AGENT to "Company Name contact@example.com".',
                url=url,
            )
        if (status == 403 and _ACCESS_DENIED_MARKER in text) or status in (404, 410):
            raise NotFound(f"EDGAR has no such file: {url}", url=url)
        raise UpstreamError(f"EDGAR answered HTTP {status} for {url}", url=url, status=status)


class _Truncated(Exception):
    """A body shorter than its Content-Length; retried like a reset."""


def _transport_problem(exc: Exception) -> str:
    """A retryable failure in words (the last one is what the user is told)."""
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({reason(exc, 120)})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the connection broke off ({reason(exc, 120)})"
    return reason(exc, 160)


__all__ = [
    "ArchiveCache", "EdgarClient", "FilingHeaders", "FilingIndex", "HeaderDocument", "IndexEntry",
    "RateLimiter", "SubmissionRow", "Submissions", "SubmissionsPage", "acc_nodash", "archive_path",
    "cik_number", "normalize_accession", "pad_cik", "parse_filing_headers", "parse_filing_index",
    "parse_submission_rows", "parse_submissions", "shared_limiter", "validate_user_agent",
]
