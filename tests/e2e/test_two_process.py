"""Issue #11: a second process writing the data dir never breaks the API reading it.

`minerlens serve` runs in one subprocess over a data dir; `minerlens ingest` writes into the same dir
from another, as the watcher or a cron job does while analysts read. Searches and passage questions
keep answering (never 500) while it writes, and see the new filing once it is stored, without a restart.
The second writer is either the CLI ingest or the EDGAR watcher (`minerlens watch --once` against the
SEC-like server on 127.0.0.1, tests/ingest/edgar_server.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_watch_cli import EdgarServer, watch_env
from tests.http_server import serve_subprocess

FIRST = "MARA_8-K_2024-12-04.htm"  # 0.00% convertible senior notes due 2031
SECOND = "MARA_8-K_2024-11-21.htm"  # 0.00% convertible senior notes due 2030
THIRD = "CLSK_8-K_2024-05-09.htm"


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], env=env, capture_output=True, text=True, timeout=600)


def env_for(data_dir: Path, filings_dir: Path) -> dict[str, str]:
    return dict(os.environ, MINERLENS_DATA_DIR=str(data_dir), MINERLENS_FILINGS_DIR=str(filings_dir), HF_HUB_OFFLINE="1")


@pytest.fixture(scope="module")
def first_ingested(tmp_path_factory, filings_dir) -> Path:
    """A data dir holding FIRST, written by `minerlens ingest` in a subprocess, once per module."""
    data_dir = tmp_path_factory.mktemp("two-process") / "data"
    out = cli(env_for(data_dir, filings_dir), "ingest", str(filings_dir / FIRST))
    assert out.returncode == 0, out.stderr
    return data_dir


@pytest.fixture()
def data_env(tmp_path, filings_dir, first_ingested) -> dict[str, str]:
    """Each test writes into its own copy of that data dir."""
    shutil.copytree(first_ingested, tmp_path / "data")
    return env_for(tmp_path / "data", filings_dir)


@pytest.fixture()
def served(data_env):
    with serve_subprocess(data_env) as client:
        yield client


def documents_found(client: httpx.Client, query: str) -> set[str]:
    response = client.get("/search", params={"q": query, "k": 10})
    assert response.status_code == 200, response.text
    return {r["document"] for r in response.json()["results"]}


@contextlib.contextmanager
def reading_on(client: httpx.Client) -> Iterator[list[int]]:
    """While the block runs, a thread asks /search and /ask in turn, as an analyst would; yields the
    status of every answer (filled in as they come, complete once the block has exited)."""
    statuses: list[int] = []
    stop = threading.Event()

    def read_on() -> None:
        while not stop.is_set():
            statuses.append(client.get("/search", params={"q": "convertible senior notes initial conversion rate", "k": 5}).status_code)
            statuses.append(client.post("/ask", json={"question": "Who is the trustee of the notes?"}).status_code)

    reader = threading.Thread(target=read_on)
    reader.start()
    try:
        yield statuses
    finally:
        stop.set()
        reader.join(timeout=300)


def test_the_api_reads_on_while_another_process_ingests(served, data_env, filings_dir):
    assert documents_found(served, "convertible senior notes due 2030") == {FIRST}

    with reading_on(served) as statuses:
        out = cli(data_env, "ingest", str(filings_dir / SECOND), str(filings_dir / THIRD))
    assert out.returncode == 0, out.stderr
    assert statuses and set(statuses) == {200}, statuses

    assert documents_found(served, "MARA convertible senior notes due 2030") >= {FIRST, SECOND}
    assert THIRD in documents_found(served, "CleanSpark")
    assert served.get("/healthz").json()["documents"] == 3
    answer = served.post("/ask", json={"question": "What is the initial conversion rate of MARA's 0.00% convertible senior notes due 2030?"})
    assert answer.status_code == 200 and "38.5902" in answer.json()["answer"], answer.text


# The two 424B5s Bitdeer filed on 2025-11-12 and 2025-11-13 (real accession numbers); the watcher
# stores each under its accession. Only the second, the pricing term sheet, states the share count.
BTDR_ACCESSIONS = {"0001213900-25-109293", "0001213900-25-109593"}
PRICING_TERM_SHEET = "0001213900-25-109593.txt"
PRICED = "Offering of 10,661,140 Class A Ordinary Shares"


@pytest.fixture()
def edgar(filings_dir):
    srv = EdgarServer(filings_dir).start()
    yield srv
    srv.stop()


def test_the_api_reads_on_while_the_watcher_ingests(served, data_env, edgar):
    with reading_on(served) as statuses:
        out = cli(watch_env(edgar, Path(data_env["MINERLENS_DATA_DIR"])), "watch", "--once")
    assert out.returncode == 0, out.stderr
    filings = [f for c in json.loads(out.stdout)["companies"] for f in c["filings"]]
    assert {f["accession"] for f in filings if f["status"] == "ingested"} == BTDR_ACCESSIONS
    assert statuses and set(statuses) == {200}, statuses

    # Found by the running API, without a restart: the pricing term sheet's own chunk.
    response = served.get("/search", params={"q": f"Bitdeer pricing term sheet {PRICED}", "k": 5})
    assert response.status_code == 200, response.text
    hits = [(r["document"], r["ticker"]) for r in response.json()["results"] if PRICED in r["text"]]
    assert hits and set(hits) == {(PRICING_TERM_SHEET, "BTDR")}, response.json()["results"]
    assert served.get("/healthz").json()["documents"] == 3
