"""`minerlens watch --once` as a user runs it, against the SEC-like server on 127.0.0.1
(tests/ingest/edgar_server.py) serving the real filings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from edgar_server import EdgarServer  # noqa: E402


@pytest.fixture
def server(filings_dir):
    srv = EdgarServer(filings_dir).start()
    yield srv
    srv.stop()


def watch_env(server: EdgarServer, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINERLENS_")}
    env.update(
        HF_HUB_OFFLINE="1", MINERLENS_DATA_DIR=str(data_dir), MINERLENS_FILINGS_DIR=os.environ.get("MINERLENS_FILINGS_DIR", ""),
        MINERLENS_SEC_WWW_URL=server.www_url, MINERLENS_SEC_DATA_URL=server.data_url, MINERLENS_WATCHLIST="BTDR",
        MINERLENS_SEC_USER_AGENT="minerlens tests ci@example.com", **extra,
    )
    return {k: v for k, v in env.items() if v}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], env=env, capture_output=True, text=True, timeout=900)


def test_watch_once_ingests_new_filings_into_the_ledger(server, tmp_path):
    env = watch_env(server, tmp_path)
    out = run(env, "watch", "--once")
    assert out.returncode == 0, out.stderr
    filings = [f for c in json.loads(out.stdout)["companies"] for f in c["filings"]]
    # The two 424B5s Bitdeer filed on 2025-11-12 and 2025-11-13 (real accession numbers).
    assert {f["accession"] for f in filings if f["status"] == "ingested"} == {"0001213900-25-109293", "0001213900-25-109593"}
    ledger = json.loads(run(env, "debt", "BTDR", "--json").stdout)
    notes = next(i for i in ledger["instruments"] if i["coupon_pct"] == 4.0)
    assert notes["conversion_rate_per_1000"] == 56.2635
    again = run(env, "watch", "--once")  # nothing new: nothing ingested twice
    assert [f for c in json.loads(again.stdout)["companies"] for f in c["filings"] if f["status"] == "ingested"] == []
    assert server.max_requests_in_window() <= 5


def test_watch_refuses_to_start_without_a_declared_user_agent(server, tmp_path):
    env = watch_env(server, tmp_path)
    del env["MINERLENS_SEC_USER_AGENT"]
    out = run(env, "watch", "--once")
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "config_error" in out.stderr and "User-Agent" in out.stderr
    assert server.log == []


def test_the_api_runs_the_watcher_in_the_background(server, tmp_path):
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = watch_env(server, tmp_path, MINERLENS_WATCH="1", MINERLENS_WATCH_INTERVAL="1")
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline, status = time.monotonic() + 600, {}
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/watch/status", timeout=5).json()
                if status["companies"] and status["companies"][0]["last_accession"]:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        assert status["enabled"] is True
        (btdr,) = status["companies"]
        assert (btdr["ticker"], btdr["error"]) == ("BTDR", None)
        assert btdr["last_accession"] in {"0001213900-25-109293", "0001213900-25-109593"}
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert server.max_requests_in_window() <= 5
