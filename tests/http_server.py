"""A real HTTP server on 127.0.0.1 for tests that also need the app's own pipeline in hand (to
compare stored state before and after a request): uvicorn serves the app in a thread, on a free
port, and requests go over a real socket with httpx."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_in_thread(app, timeout: float = 60.0) -> Iterator[httpx.Client]:
    """Yield an httpx client whose base URL is the running server; the server stops on exit."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"test server on 127.0.0.1:{port} did not start")
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextlib.contextmanager
def serve_subprocess(env: dict[str, str], timeout: float = 180.0, client_timeout: float = 120.0) -> Iterator[httpx.Client]:
    """`minerlens serve` as a user runs it: a subprocess on a free 127.0.0.1 port, with `env`.

    Yields an httpx client once /healthz answers; the server is stopped on exit."""
    import subprocess
    import sys

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode()[-2000:])
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"minerlens serve on {base} did not answer /healthz in {timeout:.0f} s")
            time.sleep(0.3)
        with httpx.Client(base_url=base, timeout=client_timeout) as client:
            yield client
    finally:
        proc.terminate()
        proc.wait(timeout=30)
