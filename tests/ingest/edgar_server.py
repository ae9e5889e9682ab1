"""A local HTTP server that behaves like SEC EDGAR, for testing the EDGAR client and the watcher.

It serves the real filings in MINERLENS_FILINGS_DIR (default <repo>/../shared/filings) at the
URLs SEC uses, under two prefixes standing for the two hosts:
  /www/Archives/edgar/data/<cik>/<acc-nodash>/<name>      each document of a filing, as filed
  /www/Archives/edgar/data/<cik>/<acc-nodash>/index.json  the folder listing (§2.4 shape)
  /www/Archives/edgar/data/<cik>/<acc-nodash>/<acc>-index-headers.html   types + items (§2.5)
  /www/Archives/edgar/data/<cik>/<acc-nodash>/<acc>.txt   the complete submission
  /data/submissions/CIK##########.json (+ -submissions-001.json pages), CONSTRUCTED from
      fixtures/edgar/submissions.json with the real accession numbers, switchable over time.
and like SEC (../shared/docs/edgar-and-xbrl.md §1.3, §5.3) it: rejects undeclared User-Agents
with SEC's text; blocks past a request rate with the "Request Rate Threshold Exceeded" page (or
429) and extends the block while hammered; answers missing Archives files with S3's 403
AccessDenied XML and missing data.sec.gov keys with 404 NoSuchKey; gzips when asked; and, on
demand, answers 5xx, resets the connection, stalls or truncates the body. Every request is
logged (monotonic time, method, path, headers).

Run by hand: `python tests/ingest/edgar_server.py` prints its base URLs and serves until ^C.
"""

from __future__ import annotations

import binascii
import datetime as dt
import gzip
import hashlib
import html
import json
import os
import re
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

from ingest.forms import item_number_for_title

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "edgar"
EASTERN = ZoneInfo("America/New_York")


def real_filings_dir() -> Path:
    return Path(os.environ.get("MINERLENS_FILINGS_DIR", REPO.parent / "shared" / "filings"))


# --- SEC's answers, as SEC words them -----------------------------------------------------------

# Head as recorded in joeyism/py-edgar#24 (403 body of a throttled client); the body text is the
# rule SEC states on its privacy & security page (quoted in joeyism/py-edgar#17).
THROTTLE_PAGE = """<html xmlns="http://www.w3.org/1999/xhtml" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>SEC.gov | Request Rate Threshold Exceeded</title>
</head>
<body>
<div id="content">
<h1>Your Request Rate Has Been Limited</h1>
<p>If a user or application submits more than 10 requests per second, further requests from the
IP address(es) may be limited for a brief period. Once the rate of requests has dropped below the
threshold for 10 minutes, the user may resume accessing content on SEC.gov.</p>
</div>
</body>
</html>
"""

# Text as quoted in pancak3lullz/SECurityTr8Ker#2 (2024); title as matched by edgartools.
UNDECLARED_PAGE = """<html>
<head><title>SEC.gov | Your Request Originates from an Undeclared Automated Tool</title></head>
<body>
<h1>Your Request Originates from an Undeclared Automated Tool</h1>
<p>To allow for equitable access to all users, SEC reserves the right to limit requests
originating from undeclared automated tools. Your request has been identified as part of a
network of automated tools outside of the acceptable policy and will be managed until action is
taken to declare your traffic.</p>
<p>Please declare your traffic by updating your user agent to include company specific
information.</p>
</body>
</html>
"""

UNAVAILABLE_PAGE = "<html><head><title>SEC.gov | File Unavailable</title></head><body></body></html>\n"


def _request_id(path: str) -> str:
    return hashlib.sha1(path.encode()).hexdigest()[:16].upper()


def access_denied_xml(path: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            f"<Message>Access Denied</Message><RequestId>{_request_id(path)}</RequestId>"
            "<HostId>constructed-by-edgar-server</HostId></Error>")


def no_such_key_xml(key: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
            f"<Message>The specified key does not exist.</Message><Key>{html.escape(key)}</Key>"
            f"<RequestId>{_request_id(key)}</RequestId><HostId>constructed-by-edgar-server</HostId></Error>")


# --- building the Archives tree from the real filings -------------------------------------------


@dataclass
class ServedDocument:
    type: str
    sequence: int
    filename: str
    description: str
    body: bytes


@dataclass
class ServedFiling:
    cik: int
    accession: str
    form: str
    filed: str  # YYYYMMDD
    period: str  # YYYYMMDD or ""
    acceptance: str  # YYYYMMDDHHMMSS, Eastern, or "" when unknown
    items: list[str]
    company: str
    file_number: str
    film_number: str
    act: str
    header_text: str  # the SGML header as filed (or constructed), <SEC-HEADER> .. </SEC-HEADER>
    documents: list[ServedDocument]
    complete_submission: bytes | None
    former_names: list[tuple[str, str]] = field(default_factory=list)  # (name, YYYYMMDD changed)

    @property
    def folder(self) -> str:
        return f"Archives/edgar/data/{self.cik}/{self.accession.replace('-', '')}"


_HEADER_KEY_RE = re.compile(r"^\s*([A-Z][A-Z0-9 ]+?):[ \t]*(.*?)\s*$", re.MULTILINE)
_DOC_RE = re.compile(r"<DOCUMENT>\n(.*?)</DOCUMENT>", re.DOTALL)


def _header_values(header: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in _HEADER_KEY_RE.findall(header):
        values.setdefault(key.strip(), []).append(value)
    return values


def _uudecode(text: str) -> bytes | None:
    """GRAPHIC/ZIP documents are uuencoded inside the .txt; Archives serves the decoded bytes."""
    lines = text.strip("\n").splitlines()
    if not lines or not lines[0].startswith("begin "):
        return None
    out = bytearray()
    for line in lines[1:]:
        if line.strip() == "end":
            break
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            nbytes = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3 if line else 0
            out += binascii.a2b_uu(line[:nbytes])
    return bytes(out)


def _document_body(text: str) -> bytes:
    inner = text
    for wrapper in ("XBRL", "XML", "PDF"):
        m = re.match(rf"\s*<{wrapper}>\n?(.*)</{wrapper}>\s*$", inner, re.DOTALL)
        if m:
            inner = m.group(1)
            break
    decoded = _uudecode(inner)
    return decoded if decoded is not None else inner.encode("utf-8")


def filing_from_submission(raw: bytes) -> ServedFiling:
    text = raw.decode("utf-8", errors="replace")
    header = text[text.index("<SEC-HEADER>"): text.index("</SEC-HEADER>") + len("</SEC-HEADER>")]
    values = _header_values(header)
    acceptance = re.search(r"<ACCEPTANCE-DATETIME>(\d{14})", header)
    documents = []
    for block in _DOC_RE.findall(text):
        tags = dict(re.findall(r"^<([A-Z]+)>([^\n<]*)$", block.split("<TEXT>", 1)[0], re.MULTILINE))
        body_text = block.split("<TEXT>", 1)[1].rsplit("</TEXT>", 1)[0] if "<TEXT>" in block else ""
        documents.append(ServedDocument(tags.get("TYPE", ""), int(tags.get("SEQUENCE", "0") or 0),
                                        tags.get("FILENAME", ""), tags.get("DESCRIPTION", ""),
                                        _document_body(body_text.lstrip("\n"))))
    items = [n for n in (item_number_for_title(t) for t in values.get("ITEM INFORMATION", [])) if n]
    act = (values.get("SEC ACT", [""])[0].split() or [""])[0][-2:]
    former = list(zip(values.get("FORMER CONFORMED NAME", []), values.get("DATE OF NAME CHANGE", [])))
    return ServedFiling(
        cik=int(values["CENTRAL INDEX KEY"][0]),
        accession=values["ACCESSION NUMBER"][0],
        form=values["CONFORMED SUBMISSION TYPE"][0],
        filed=values["FILED AS OF DATE"][0],
        period=values.get("CONFORMED PERIOD OF REPORT", [""])[0],
        acceptance=acceptance.group(1) if acceptance else "",
        items=items,
        company=values["COMPANY CONFORMED NAME"][0],
        file_number=values.get("SEC FILE NUMBER", [""])[0],
        film_number=values.get("FILM NUMBER", [""])[0],
        act=act,
        header_text=header,
        documents=documents,
        complete_submission=raw,
        former_names=former,
    )


def filing_from_primary_htm(raw: bytes, meta: dict, manifest: dict) -> ServedFiling:
    """A bare primary document: header built from the constructed archives.json entry."""
    acc = meta["accession"]
    filed = manifest["filed"].replace("-", "")
    header = "\n".join([
        f"<SEC-HEADER>{acc}.hdr.sgml : {filed}",
        f"ACCESSION NUMBER:\t\t{acc}",
        f"CONFORMED SUBMISSION TYPE:\t{meta['form']}",
        "PUBLIC DOCUMENT COUNT:\t\t1",
        f"CONFORMED PERIOD OF REPORT:\t{meta['report_date'].replace('-', '')}",
        *(f"ITEM INFORMATION:\t\t{t}" for t in _item_titles(meta["items"])),
        f"FILED AS OF DATE:\t\t{filed}",
        "",
        "FILER:",
        "",
        "\tCOMPANY DATA:\t",
        f"\t\tCOMPANY CONFORMED NAME:\t\t\t{manifest['company']}",
        f"\t\tCENTRAL INDEX KEY:\t\t\t{manifest['cik']}",
        "",
        "\tFILING VALUES:",
        f"\t\tFORM TYPE:\t\t{meta['form']}",
        f"\t\tSEC FILE NUMBER:\t{meta['file_number']}",
        "</SEC-HEADER>",
    ])
    doc = ServedDocument(meta["form"], 1, meta["name"], meta["description"], raw)
    return ServedFiling(int(manifest["cik"]), acc, meta["form"], filed, meta["report_date"].replace("-", ""),
                        "", list(meta["items"]), manifest["company"], meta["file_number"], "",
                        meta["act"], header, [doc], None)


def _item_titles(numbers: list[str]) -> list[str]:
    from ingest.forms import ITEMS_8K

    return [ITEMS_8K[n] for n in numbers if n in ITEMS_8K]


def load_filings(filings_dir: Path, fixtures: Path = FIXTURES) -> dict[str, ServedFiling]:
    """Every real filing whose accession number is known, keyed by accession."""
    manifest = {json.loads(line)["file"]: json.loads(line)
                for line in (filings_dir / "MANIFEST.jsonl").read_text().splitlines() if line.strip()}
    htm_meta = json.loads((fixtures / "archives.json").read_text())["htm"]
    filings: dict[str, ServedFiling] = {}
    for name, entry in sorted(manifest.items()):
        raw = (filings_dir / name).read_bytes()
        if name.endswith(".txt") and raw.lstrip().startswith(b"<SEC-DOCUMENT>"):
            filing = filing_from_submission(raw)
        elif name in htm_meta:
            filing = filing_from_primary_htm(raw, htm_meta[name], entry)
        else:
            continue  # an .htm whose accession number we do not know: not served
        filings[filing.accession] = filing
    return filings


def _last_modified(filing: ServedFiling) -> str:
    """index.json's "last-modified": Eastern local time without a zone, as SEC writes it."""
    stamp = filing.acceptance or (filing.filed + "170000")
    return dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").strftime("%Y-%m-%d %H:%M:%S")


def render_index_json(filing: ServedFiling) -> bytes:
    acc = filing.accession
    when = _last_modified(filing)
    items = [{"last-modified": when, "name": f"{acc}-index-headers.html", "type": "text.gif", "size": ""}]
    if filing.complete_submission is not None:
        items.append({"last-modified": when, "name": f"{acc}.txt", "type": "text.gif", "size": ""})
    for doc in sorted(filing.documents, key=lambda d: d.filename.lower()):
        icon = "compressed.gif" if doc.filename.endswith(".zip") else (
            "image2.gif" if doc.type == "GRAPHIC" else "text.gif")
        items.append({"last-modified": when, "name": doc.filename, "type": icon, "size": str(len(doc.body))})
    return json.dumps({"directory": {"item": items, "name": f"/{filing.folder}",
                                     "parent-dir": f"/Archives/edgar/data/{filing.cik}"}}).encode()


def render_index_headers(filing: ServedFiling) -> bytes:
    """The §2.5 page: tag-form header in an HTML comment, escaped SGML header and stubs in <PRE>."""
    acc = filing.accession
    tagged = [f"<SEC-HEADER>{acc}.hdr.sgml : {filing.filed}"]
    if filing.acceptance:
        tagged.append(f"<ACCEPTANCE-DATETIME>{filing.acceptance}")
    tagged += [f"<ACCESSION-NUMBER>{acc}", f"<TYPE>{filing.form}",
               f"<PUBLIC-DOCUMENT-COUNT>{len(filing.documents)}"]
    if filing.period:
        tagged.append(f"<PERIOD>{filing.period}")
    tagged += [f"<ITEMS>{n}" for n in filing.items]
    tagged += [f"<FILING-DATE>{filing.filed}", "<FILER>", "<COMPANY-DATA>",
               f"<CONFORMED-NAME>{filing.company}", f"<CIK>{filing.cik:010d}", "</COMPANY-DATA>",
               "<FILING-VALUES>", f"<FORM-TYPE>{filing.form}", f"<FILE-NUMBER>{filing.file_number}",
               "</FILING-VALUES>", "</FILER>", "</SEC-HEADER>"]
    stubs = []
    for doc in filing.documents:
        stubs.append("\n".join([
            "&lt;DOCUMENT&gt;", f"&lt;TYPE&gt;{html.escape(doc.type)}", f"&lt;SEQUENCE&gt;{doc.sequence}",
            f"&lt;FILENAME&gt;{html.escape(doc.filename)}", f"&lt;DESCRIPTION&gt;{html.escape(doc.description)}",
            "&lt;TEXT&gt;", f'<a href="{doc.filename}">Document {doc.sequence} - file: {doc.filename}</a><br>',
            "&lt;/DOCUMENT&gt;"]))
    page = "\n".join([
        f"<HTML><HEAD><TITLE>SEC EDGAR Submission {acc}</TITLE>", "<!--", *tagged, "-->",
        "</HEAD><BODY>", f"<PRE>&lt;SEC-DOCUMENT&gt;{acc}-index.html : {filing.filed}",
        html.escape(filing.header_text, quote=False), *stubs, "&lt;/SEC-DOCUMENT&gt;</PRE></BODY></HTML>", ""])
    return page.encode("utf-8")


def submission_row(filing: ServedFiling) -> dict:
    """One row of the §2.1 columnar arrays, filled from the filing's own header."""
    primary = min(filing.documents, key=lambda d: d.sequence)
    accepted = ""
    if filing.acceptance:
        eastern = dt.datetime.strptime(filing.acceptance, "%Y%m%d%H%M%S").replace(tzinfo=EASTERN)
        accepted = eastern.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    else:
        accepted = f"{filing.filed[:4]}-{filing.filed[4:6]}-{filing.filed[6:]}T00:00:00.000Z"
    is_xbrl = any(d.type.startswith("EX-101") or d.filename.endswith("_htm.xml") for d in filing.documents) \
        or b"<ix:header" in primary.body[:400000]
    inline = b"<ix:header" in primary.body[:400000]

    def iso(d: str) -> str:
        return f"{d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 else ""

    size = len(filing.complete_submission) if filing.complete_submission is not None else len(primary.body)
    return {
        "accessionNumber": filing.accession, "filingDate": iso(filing.filed), "reportDate": iso(filing.period),
        "acceptanceDateTime": accepted, "act": filing.act, "form": filing.form,
        "fileNumber": filing.file_number, "filmNumber": filing.film_number, "items": ",".join(filing.items),
        "core_type": "XBRL" if is_xbrl else filing.form, "size": size,
        "isXBRL": int(is_xbrl), "isInlineXBRL": int(inline),
        "isXBRLNumeric": int(is_xbrl and filing.form.split("/")[0] in {"10-Q", "10-K"}),
        "primaryDocument": primary.filename, "primaryDocDescription": primary.description,
    }


_COLUMNS = ["accessionNumber", "filingDate", "reportDate", "acceptanceDateTime", "act", "form", "fileNumber",
            "filmNumber", "items", "core_type", "size", "isXBRL", "isInlineXBRL", "isXBRLNumeric",
            "primaryDocument", "primaryDocDescription"]


def _columnar(rows: list[dict]) -> dict:
    return {key: [row.get(key, "") for row in rows] for key in _COLUMNS}


# --- the server ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedRequest:
    time: float  # time.monotonic() when the request line and headers were read
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class _Fault:
    kind: str  # "503", "500", "reset", "slow", "truncate"
    remaining: int
    path_contains: str


class EdgarServer:
    """`EdgarServer().start()`; `www_url`, `data_url` for the client; `stop()` when done.

    rate_threshold: requests allowed in any sliding 1 s window before SEC-style blocking.
    block_s: how long a block lasts; every request during a block restarts it (SEC: "once the
    rate of requests has dropped below the threshold for 10 minutes").
    throttle_status: 403 (the threshold page, as www.sec.gov answers) or 429.
    """

    def __init__(self, filings_dir: Path | None = None, *, rate_threshold: int = 10, block_s: float = 600.0,
                 throttle_status: int = 403, slow_s: float = 2.0, fixtures: Path = FIXTURES) -> None:
        self.filings_dir = Path(filings_dir) if filings_dir else real_filings_dir()
        self.rate_threshold = rate_threshold
        self.block_s = block_s
        self.throttle_status = throttle_status
        self.slow_s = slow_s
        self.filings = load_filings(self.filings_dir, fixtures)
        self.archive: dict[str, tuple[bytes, str]] = {}  # path -> (body, content type)
        for filing in self.filings.values():
            self._add_archive(filing)
        spec = json.loads((fixtures / "submissions.json").read_text())
        self.companies: dict[str, dict] = spec["companies"]
        self.extra_rows: dict[str, dict] = spec.get("extra_rows", {})
        self.version: dict[str, int] = {cik: 0 for cik in self.companies}
        self.log: list[LoggedRequest] = []
        self.reject_all_user_agents = False  # SEC has flagged our declared UA anyway
        self.blocked_until = float("-inf")
        self._recent: deque[float] = deque()
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _add_archive(self, filing: ServedFiling) -> None:
        folder = filing.folder
        for doc in filing.documents:
            kind = "text/html" if doc.filename.endswith((".htm", ".html")) else (
                "application/xml" if doc.filename.endswith((".xml", ".xsd")) else "application/octet-stream")
            self.archive[f"{folder}/{doc.filename}"] = (doc.body, kind)
        self.archive[f"{folder}/index.json"] = (render_index_json(filing), "application/json")
        self.archive[f"{folder}/{filing.accession}-index-headers.html"] = (render_index_headers(filing), "text/html")
        if filing.complete_submission is not None:
            self.archive[f"{folder}/{filing.accession}.txt"] = (filing.complete_submission, "text/plain")

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> EdgarServer:
        handler = type("Handler", (_Handler,), {"edgar": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="edgar-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def www_url(self) -> str:
        return f"{self.base_url}/www"

    @property
    def data_url(self) -> str:
        return f"{self.base_url}/data"

    # --- test hooks ----------------------------------------------------------------------------

    def advance(self, cik: int | str) -> str:
        """Move one company's submissions JSON to its next version; returns that version's event."""
        key = f"{int(str(cik).upper().removeprefix('CIK')):010d}"
        with self._lock:
            versions = self.companies[key]["versions"]
            self.version[key] = min(self.version[key] + 1, len(versions) - 1)
            return versions[self.version[key]]["event"]

    def inject(self, kind: str, times: int = 1, path_contains: str = "") -> None:
        """The next `times` requests whose path contains `path_contains` fail as `kind`."""
        if kind not in {"500", "503", "reset", "slow", "truncate"}:
            raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self._faults.append(_Fault(kind, times, path_contains))

    def unblock(self) -> None:
        with self._lock:
            self.blocked_until = float("-inf")
            self._recent.clear()

    def requests_to(self, path_contains: str) -> list[LoggedRequest]:
        return [r for r in self.log if path_contains in r.path]

    def max_requests_in_window(self, window_s: float = 1.0) -> int:
        """The most requests the server saw in any window of `window_s` (from the request log)."""
        times = sorted(r.time for r in self.log)
        best, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - window_s:
                j += 1
            best = max(best, i - j + 1)
        return best

    # --- request handling (called from handler threads) --------------------------------------------

    def _admit(self, method: str, path: str, headers: dict[str, str]) -> tuple[str, _Fault | None]:
        """Log the request and decide: "throttle", "undeclared", a fault, or "serve"."""
        now = time.monotonic()
        with self._lock:
            self.log.append(LoggedRequest(now, method, path, headers))
            self._recent.append(now)
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if now < self.blocked_until or len(self._recent) > self.rate_threshold:
                self.blocked_until = now + self.block_s  # hammering a block extends it
                return "throttle", None
            ua = headers.get("user-agent", "")
            declared = re.search(r"\S+@\S+\.\S+", ua) and not ua.lower().startswith(("mozilla/", "curl/", "python"))
            if self.reject_all_user_agents or not declared:
                return "undeclared", None
            for fault in self._faults:
                if fault.remaining > 0 and fault.path_contains in path:
                    fault.remaining -= 1
                    return "fault", fault
            self._faults = [f for f in self._faults if f.remaining > 0]
            return "serve", None

    def route(self, path: str) -> tuple[int, bytes, str]:
        """(status, body, content type) for a GET of `path`, as SEC would answer it."""
        path = path.split("?", 1)[0]
        if path.startswith("/www/"):
            key = path[len("/www/"):]
            found = self.archive.get(key)
            if found is None:
                return 403, access_denied_xml(key).encode(), "application/xml"
            return 200, found[0], found[1]
        if path.startswith("/data/"):
            key = path[len("/data/"):]
            body = self._submissions(key)
            if body is None:
                return 404, no_such_key_xml(key).encode(), "application/xml"
            return 200, body, "application/json"
        return 404, b"Not Found", "text/plain"

    def _row(self, accession: str) -> dict:
        if accession in self.filings:
            return submission_row(self.filings[accession])
        return {k: v for k, v in self.extra_rows[accession].items() if not k.startswith("_")}

    def _submissions(self, key: str) -> bytes | None:
        m = re.fullmatch(r"submissions/CIK(\d{10})(?:-submissions-(\d{3}))?\.json", key)
        if not m or m.group(1) not in self.companies:
            return None
        cik = m.group(1)
        company = self.companies[cik]
        with self._lock:
            version = company["versions"][self.version[cik]]
        pages = version.get("pages", {})
        if m.group(2):
            name = key.removeprefix("submissions/")
            if name not in pages:
                return None
            return json.dumps(_columnar([self._row(a) for a in pages[name]])).encode()
        files = []
        for name, accessions in pages.items():
            dates = sorted(self._row(a)["filingDate"] for a in accessions)
            files.append({"name": name, "filingCount": len(accessions), "filingFrom": dates[0], "filingTo": dates[-1]})
        former = []
        for filing in self.filings.values():
            if f"{filing.cik:010d}" == cik:
                for name, changed in filing.former_names:
                    entry = {"name": name, "from": "", "to": f"{changed[:4]}-{changed[4:6]}-{changed[6:]}T00:00:00.000Z"}
                    if entry not in former:
                        former.append(entry)
        doc = {
            "_constructed": "CONSTRUCTED by tests/ingest/edgar_server.py from fixtures/edgar/submissions.json; "
                            "not an SEC response.",
            "cik": cik, "entityType": "operating", "sic": company["sic"], "sicDescription": company["sicDescription"],
            "ownerOrg": "09 Crypto Assets", "insiderTransactionForOwnerExists": 0,
            "insiderTransactionForIssuerExists": 1, "name": company["name"], "tickers": company["tickers"],
            "exchanges": company["exchanges"], "ein": None, "lei": None, "description": "", "website": "",
            "investorWebsite": "", "category": "Large accelerated filer", "fiscalYearEnd": company["fiscalYearEnd"],
            "stateOfIncorporation": company["stateOfIncorporation"], "stateOfIncorporationDescription": "",
            "addresses": {}, "phone": "", "flags": "", "formerNames": former,
            "filings": {"recent": _columnar([self._row(a) for a in version["recent"]]), "files": files},
        }
        return json.dumps(doc).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like SEC; resets then hit pooled connections too
    edgar: EdgarServer
    server_version = "edgar-test-server"

    def log_message(self, format: str, *args: object) -> None:  # quiet: the request log is the record
        pass

    def do_GET(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        verdict, fault = self.edgar._admit("GET", self.path, headers)
        if verdict == "throttle":
            if self.edgar.throttle_status == 429:
                self._send(429, b"Too Many Requests", "text/plain")
            else:
                self._send(403, THROTTLE_PAGE.encode(), "text/html")
            return
        if verdict == "undeclared":
            self._send(403, UNDECLARED_PAGE.encode(), "text/html")
            return
        if fault is not None and fault.kind in {"500", "503"}:
            self._send(int(fault.kind), UNAVAILABLE_PAGE.encode(), "text/html")
            return
        if fault is not None and fault.kind == "reset":
            # SO_LINGER 0 makes close() send RST instead of FIN: a connection reset by peer.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if fault is not None and fault.kind == "slow":
            time.sleep(self.edgar.slow_s)
        status, body, ctype = self.edgar.route(self.path)
        self._send(status, body, ctype, truncate=fault is not None and fault.kind == "truncate")

    def _send(self, status: int, body: bytes, ctype: str, truncate: bool = False) -> None:
        gzipped = "gzip" in self.headers.get("Accept-Encoding", "").lower() and len(body) > 0
        payload = gzip.compress(body, compresslevel=5) if gzipped else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Vary", "Accept-Encoding")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        if self.path.startswith("/data/"):
            self.send_header("Cache-Control", "max-age=0, no-cache, no-store")
        elif status == 200:
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", f'"{hashlib.md5(body).hexdigest()}"')
        if truncate:
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.end_headers()
        self.wfile.write(payload)


if __name__ == "__main__":
    server = EdgarServer().start()
    print(f"www: {server.www_url}\ndata: {server.data_url}\nserving {len(server.filings)} filings; ^C to stop")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
