"""The CLI contract, run as a user would: `python -m service.cli ...` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

MARA_QUESTION = "What is the initial conversion rate of MARA's 0.00% convertible senior notes due 2031?"


def run(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], env=env, capture_output=True, text=True, timeout=300)


def test_ask_json_shape_and_answer(ingested, cli_env):
    out = run(cli_env, "ask", MARA_QUESTION, "--json")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert {"question", "answer", "citations", "insufficient_evidence"} <= set(body)
    assert "28.9159" in body["answer"]
    assert body["citations"][0]["document"] == "MARA_8-K_2024-12-04.htm"
    assert {"document", "locator", "quote"} <= set(body["citations"][0])


def test_search_json_shape(ingested, cli_env):
    out = run(cli_env, "search", "initial purchasers option to purchase additional notes", "--k", "3", "--ticker", "CLSK", "--json")
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)["results"]
    assert len(results) == 3
    assert set(results[0]) == {"document", "page", "section", "text", "score", "ticker", "form", "filed"}
    assert all(r["ticker"] == "CLSK" for r in results)


def test_failures_print_one_line_and_exit_non_zero(ingested, cli_env, tmp_path):
    out = run(cli_env, "ingest", str(tmp_path / "missing.htm"))
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "missing.htm" in out.stderr

    out = run(cli_env, "search", "notes", "--k", "0", "--json")
    assert out.returncode == 2 and out.stderr.strip().count("\n") == 0

    bad = tmp_path / "junk.pdf"
    bad.write_bytes(b"\x00\x01\x02 not a pdf")
    out = run(cli_env, "ingest", str(bad))
    assert out.returncode == 1 and "junk.pdf" in out.stderr and out.stderr.strip().count("\n") == 0
