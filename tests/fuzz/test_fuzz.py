"""Fuzz and fault suite (issue #11, item 9), bounded to well under two minutes.

Inputs: truncated, bit-flipped and oversized variants of real filings, hostile HTML, malformed inline
XBRL, corrupt SGML headers and odd names, generated from a fixed seed so every run tries the same set.
Each input must either parse into a Document whose values are sane (real dates, finite numbers, an
exchange-shaped ticker) or be refused with a MinerlensError whose message is one line naming the
file, within a time bound. A subset goes through the pipeline and the HTTP API (a real server on 127.0.0.1): every answer is 201
or a 4xx JSON error, never a 5xx, and a refused document leaves the store exactly as it was.
"""

from __future__ import annotations

import math
import random
import re
import time
from datetime import date

import pytest

from ingest.errors import MinerlensError, TooLarge
from ingest.parse import parse_bytes, valid_ticker
from service.api import create_app
from service.config import Settings
from service.pipeline import Pipeline
from tests.http_server import serve_in_thread

SEED = 20261201
SOURCES = ["CLSK_8-K_2024-05-09.htm", "MARA_8-K_2024-12-04.htm", "FUFU_6-K_2024-08-20.htm",
           "BTDR_424B5_2025-11-13.txt", "BTBT_8-K_2025-11-14.txt"]
PER_INPUT_SECONDS = 15.0


def truncated(data: bytes, rng: random.Random) -> list[bytes]:
    cuts = [1, 64, len(data) // 2] + [rng.randrange(1, len(data)) for _ in range(3)]
    return [data[:c] for c in cuts]


def bit_flipped(data: bytes, rng: random.Random, flips: int = 64) -> list[bytes]:
    out = []
    for _ in range(3):
        b = bytearray(data)
        for _ in range(flips):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        out.append(bytes(b))
    head = bytearray(data)  # the sniffed head is where a flip changes the most
    for i in rng.sample(range(min(2048, len(head))), 32):
        head[i] ^= 0x80
    out.append(bytes(head))
    return out


def hostile_html() -> dict[str, bytes]:
    para = b"<p>The 2.75% Convertible Senior Notes due 2029 bear interest semi-annually.</p>"
    return {
        "deep-div.htm": b"<html><body>" + b"<div>" * 5000 + para + b"</div>" * 5000 + b"</body></html>",
        "deep-unclosed-span.htm": b"<html><body>" + b"<span style='font-weight:bold'>" * 20000 + para,
        "deep-table.htm": b"<html><body>" + b"<table><tr><td>" * 2000 + para + b"</td></tr></table>" * 2000,
        "many-tables.htm": b"<html><body>" + b"<table><tr><td>Notes</td><td>$ 1,000</td></tr></table>" * 20000 + b"</body></html>",
        "unclosed-comment.htm": b"<html><body>" + para + b"<!-- " + b"x" * 100000,
        "huge-attribute.htm": b"<html><body><div class='" + b"a" * 2_000_000 + b"'>" + para + b"</div></body></html>",
        "script-only.htm": b"<html><head><script>" + b"var a=1;" * 10000 + b"</script></head><body></body></html>",
        "entities.htm": b"<html><body><p>" + b"&#x10FFFF;&#0;&#xD800;&amp;&bogus;" * 5000 + b"</p></body></html>",
        "long-line.htm": b"<html><body><p>" + b"debt " * 400000 + b"</p></body></html>",
        "hidden-everything.htm": b"<html><body><div style='display:none'>" + para * 100 + b"</div></body></html>",
        "nul-in-html.htm": b"<html><body>" + para + b"\x00\x00\x00</body></html>",
        "cp1252-html.htm": b"<html><body><p>Caf\xe9 \x93quoted\x94 notes due 2030</p></body></html>",
    }


IX_HEAD = (b'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:ix="http://www.xbrl.org/2013/inlineXBRL" '
           b'xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:dei="http://xbrl.sec.gov/dei/2023">'
           b'<body><div style="display:none"><ix:header><ix:resources><xbrli:context id="c1"><xbrli:period>'
           b'<xbrli:instant>2025-03-31</xbrli:instant></xbrli:period></xbrli:context></ix:resources></ix:header></div>')


def malformed_ixbrl() -> dict[str, bytes]:
    def doc(body: bytes) -> bytes:
        return IX_HEAD + b"<p>Convertible notes outstanding: " + body + b"</p></body></html>"
    return {
        "ix-scale-400.htm": doc(b'<ix:nonFraction name="us-gaap:DebtInstrumentFaceAmount" contextRef="c1" unitRef="usd" scale="400">1,000</ix:nonFraction>'),
        "ix-scale-text.htm": doc(b'<ix:nonFraction name="us-gaap:DebtInstrumentFaceAmount" contextRef="c1" scale="six">1,000</ix:nonFraction>'),
        "ix-huge-digits.htm": doc(b'<ix:nonFraction name="us-gaap:DebtInstrumentFaceAmount" contextRef="c1">' + b"9" * 400 + b"</ix:nonFraction>"),
        "ix-no-context.htm": doc(b'<ix:nonFraction name="us-gaap:DebtInstrumentFaceAmount" contextRef="nowhere">5</ix:nonFraction>'),
        "ix-unknown-format.htm": doc(b'<ix:nonFraction name="x:Y" contextRef="c1" format="ixt:no-such-transform">12</ix:nonFraction>'),
        "ix-continuation-cycle.htm": doc(b'<ix:nonNumeric name="x:T" contextRef="c1" continuedAt="a">start</ix:nonNumeric>'
                                         b'<ix:continuation id="a" continuedAt="b">one</ix:continuation>'
                                         b'<ix:continuation id="b" continuedAt="a">two</ix:continuation>'),
        "ix-bad-symbol.htm": doc(b'<ix:nonNumeric name="dei:TradingSymbol" contextRef="c1">' + b"Our common stock is listed on Nasdaq " * 3 + b"</ix:nonNumeric>"),
        "ix-bad-period.htm": doc(b'<ix:nonNumeric name="dei:DocumentPeriodEndDate" contextRef="c1">2025-99-99</ix:nonNumeric>'),
        "ix-unclosed.htm": IX_HEAD + b"<p><ix:nonFraction name='a:B' contextRef='c1'>12" * 3000,
    }


def corrupt_sgml(real: bytes) -> dict[str, bytes]:
    text = real.decode("latin-1")
    return {
        "sgml-no-header-end.txt": text.replace("</SEC-HEADER>", "").encode("latin-1"),
        "sgml-no-document-end.txt": text.replace("</DOCUMENT>", "").encode("latin-1"),
        "sgml-no-text.txt": re.sub(r"</?TEXT>", "", text).encode("latin-1"),
        "sgml-bad-dates.txt": re.sub(r"(FILED AS OF DATE:\s*)\d{8}", r"\g<1>20259999", text).encode("latin-1"),
        "sgml-header-only.txt": text[: text.find("<DOCUMENT>")].encode("latin-1"),
        "sgml-many-empty-documents.txt": (text[: text.find("<DOCUMENT>")] + "<DOCUMENT>\n<TYPE>EX-99\n<TEXT>\n</TEXT>\n</DOCUMENT>\n" * 5000).encode("latin-1"),
        "sgml-binary-body.txt": (text[: text.find("<DOCUMENT>")] + "<DOCUMENT>\n<TYPE>GRAPHIC\n<TEXT>\nbegin 644 x.jpg\n" + "M" * 60 + "\n</TEXT>\n</DOCUMENT>\n").encode("latin-1"),
    }


def odd_names(real: bytes) -> dict[str, bytes]:
    return {
        "": real,
        "../../../etc/passwd": real,
        "x." + "s" * 250: real,
        "n" * 300 + ".htm": real,
        "名前 with spaces ; and $(quotes)'\".htm": real,
        "filing.pdf": real,  # named .pdf, not a PDF
        "filing.zip": b"PK\x03\x04" + real[:1000],
        "empty.htm": b"",
        "whitespace.txt": b" \n\t " * 1000,
    }


def fuzz_inputs(filings_dir) -> list[tuple[str, str, bytes]]:
    """(family, name, bytes), the same list every run."""
    rng = random.Random(SEED)
    out: list[tuple[str, str, bytes]] = []
    for source in SOURCES:
        data = (filings_dir / source).read_bytes()
        out += [("truncated", f"{source}#cut{i}", v) for i, v in enumerate(truncated(data, rng))]
        out += [("bit-flipped", f"{source}#flip{i}", v) for i, v in enumerate(bit_flipped(data, rng))]
    out += [("hostile-html", n, v) for n, v in hostile_html().items()]
    out += [("malformed-ixbrl", n, v) for n, v in malformed_ixbrl().items()]
    out += [("corrupt-sgml", n, v) for n, v in corrupt_sgml((filings_dir / "BTBT_8-K_2025-11-14.txt").read_bytes()).items()]
    out += [("odd-name", n, v) for n, v in odd_names((filings_dir / "FUFU_6-K_2024-08-20.htm").read_bytes()).items()]
    return out


def assert_sane(doc) -> None:
    f = doc.filing
    for value in (f.filed, f.period):
        assert value is None or date.fromisoformat(value).isoformat() == value
    assert f.ticker is None or valid_ticker(f.ticker) == f.ticker
    assert all(math.isfinite(x.value) for x in doc.facts if isinstance(x.value, float))
    assert len(doc.file) <= 200


@pytest.mark.slow  # parses hundreds of mutated real filings
def test_every_generated_input_parses_sanely_or_fails_in_one_line(filings_dir):
    inputs = fuzz_inputs(filings_dir)
    assert len(inputs) >= 80
    tally = {"tried": 0, "parsed": 0, "refused": 0}
    started = time.perf_counter()
    for family, name, data in inputs:
        t = time.perf_counter()
        tally["tried"] += 1
        try:
            doc = parse_bytes(data, name)
        except MinerlensError as exc:  # anything else escapes and fails the test, which is the point
            tally["refused"] += 1
            assert "\n" not in exc.message and 0 < len(exc.message) <= 600, (name, exc.message)
        else:
            tally["parsed"] += 1
            assert_sane(doc)
        assert time.perf_counter() - t < PER_INPUT_SECONDS, (family, name)
    print("FUZZ parse", tally, f"{time.perf_counter() - started:.1f}s")
    assert tally["refused"] >= 10 and tally["parsed"] >= 10  # both outcomes really occur


def test_oversized_variants_are_refused_before_parsing(filings_dir):
    for source in SOURCES:
        data = (filings_dir / source).read_bytes()
        with pytest.raises(TooLarge, match=rf"^{re.escape(source)}: [\d,]+ bytes is over the limit of [\d,]+ bytes$"):
            parse_bytes(data + b" " * 1024, source, max_bytes=len(data))


@pytest.fixture(scope="module")
def served(tmp_path_factory, filings_dir):
    settings = Settings(data_dir=tmp_path_factory.mktemp("fuzz"), filings_dir=filings_dir, max_doc_tables=2000, max_doc_chunks=400)
    app = create_app(settings)
    with serve_in_thread(app) as c:
        first = c.post("/documents", files={"file": ("CLSK_8-K_2024-05-09.htm", (filings_dir / "CLSK_8-K_2024-05-09.htm").read_bytes())})
        assert first.status_code == 201 and first.json()["ticker"] == "CLSK"
        yield c, app.state.pipeline


def store_state(p: Pipeline):
    docs = sorted((d["sha256"], d["file"]) for d in p.db.list_documents())
    return docs, p.index.count(), sorted(x.name for x in (p.settings.data_dir / "documents").iterdir())


def test_uploads_of_hostile_inputs_never_give_a_5xx_and_refusals_store_nothing(served, filings_dir):
    c, p = served
    picked = [(f, n, d) for f, n, d in fuzz_inputs(filings_dir) if f != "bit-flipped" and "#cut" not in n or n.endswith("#cut1")]
    tally = {"tried": 0, "accepted": 0, "refused_4xx": 0, "5xx": 0}
    for family, name, data in picked:
        before = store_state(p)
        t = time.perf_counter()
        r = c.post("/documents", files={"file": (name or "x", data)})
        tally["tried"] += 1
        if r.status_code >= 500:
            tally["5xx"] += 1
        elif r.status_code == 201:
            tally["accepted"] += 1
        else:
            tally["refused_4xx"] += 1
            body = r.json()["error"]
            assert 400 <= r.status_code < 500 and "\n" not in body["message"] and "Traceback" not in r.text, (name, r.text)
            assert store_state(p) == before, name
        assert time.perf_counter() - t < 60, name
    print("FUZZ api", tally)
    assert tally["5xx"] == 0
    assert tally["refused_4xx"] >= 8 and tally["accepted"] >= 5
    # Reads still work and still find the real filing.
    hits = c.get("/search", params={"q": "CleanSpark", "ticker": "CLSK", "k": 3}).json()["results"]
    assert hits and hits[0]["document"] == "CLSK_8-K_2024-05-09.htm"
