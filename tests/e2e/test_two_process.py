"""Issue #11: a second process writing the data dir never breaks the API reading it.

`minerlens serve` runs in one subprocess over a data dir; `minerlens ingest` writes into the same dir
from another, as the watcher or a cron job does while analysts read. Searches and passage questions
keep answering (never 500) while it writes, and see the new filing once it is stored, without a restart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.http_server import serve_subprocess

FIRST = "MARA_8-K_2024-12-04.htm"  # 0.00% convertible senior notes due 2031
SECOND = "MARA_8-K_2024-11-21.htm"  # 0.00% convertible senior notes due 2030
THIRD = "CLSK_8-K_2024-05-09.htm"


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture()
def data_env(tmp_path, filings_dir) -> dict[str, str]:
    env = dict(os.environ, MINERLENS_DATA_DIR=str(tmp_path / "data"), MINERLENS_FILINGS_DIR=str(filings_dir), HF_HUB_OFFLINE="1")
    out = cli(env, "ingest", str(filings_dir / FIRST))
    assert out.returncode == 0, out.stderr
    return env


@pytest.fixture()
def served(data_env):
    with serve_subprocess(data_env) as client:
        yield client


def documents_found(client: httpx.Client, query: str) -> set[str]:
    response = client.get("/search", params={"q": query, "k": 10})
    assert response.status_code == 200, response.text
    return {r["document"] for r in response.json()["results"]}


def test_the_api_reads_on_while_another_process_ingests(served, data_env, filings_dir):
    assert documents_found(served, "convertible senior notes due 2030") == {FIRST}

    statuses: list[int] = []
    stop = threading.Event()

    def read_on() -> None:
        while not stop.is_set():
            statuses.append(served.get("/search", params={"q": "convertible senior notes initial conversion rate", "k": 5}).status_code)
            statuses.append(served.post("/ask", json={"question": "Who is the trustee of the notes?"}).status_code)

    reader = threading.Thread(target=read_on)
    reader.start()
    try:
        out = cli(data_env, "ingest", str(filings_dir / SECOND), str(filings_dir / THIRD))
    finally:
        stop.set()
        reader.join(timeout=300)
    assert out.returncode == 0, out.stderr
    assert statuses and set(statuses) == {200}, statuses

    assert documents_found(served, "MARA convertible senior notes due 2030") >= {FIRST, SECOND}
    assert THIRD in documents_found(served, "CleanSpark")
    assert served.get("/healthz").json()["documents"] == 3
    answer = served.post("/ask", json={"question": "What is the initial conversion rate of MARA's 0.00% convertible senior notes due 2030?"})
    assert answer.status_code == 200 and "38.5902" in answer.json()["answer"], answer.text
