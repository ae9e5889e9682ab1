"""Per-document budgets that parsers check as they go: time, and resident memory.

A hostile or broken file (tens of thousands of tables, nesting thousands deep, tens of MB of text)
must fail with its reason instead of stalling the process or exhausting the machine's memory, so long
loops call `check()`; it raises OverBudget once the document's deadline has passed or the process's
resident set has grown more than the document's memory budget since the document started.
Outside `deadline(...)` and `memory(...)` there is no budget and `check()` is all but free.
The budgets live in ContextVars, so each worker thread has its own.

The memory budget measures the whole process (Linux /proc/self/statm): what other threads allocate
meanwhile counts too. Where there is no /proc (macOS, Windows) it is not enforced.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from ingest.errors import OverBudget

_DEADLINE: ContextVar[tuple[float, float, str] | None] = ContextVar("minerlens_parse_deadline", default=None)
_MEMORY: ContextVar["_MemoryBudget | None"] = ContextVar("minerlens_memory_budget", default=None)

_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_MB = 1024 * 1024


def rss_mb() -> float | None:
    """The process's resident set now, in MB: one small read of /proc/self/statm; None without /proc."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_BYTES / _MB  # fields: size, resident, ... in pages
    except (OSError, ValueError, IndexError):
        return None


class RssReader:
    """`rss_mb()` read at most once per `interval_s`; calls in between return the last reading.

    The HTML walk calls `check()` thousands of times a second and a read costs three syscalls; a
    clock read is far cheaper, and memory cannot grow without bound in 50 ms of parsing."""

    def __init__(self, interval_s: float = 0.05) -> None:
        self.interval_s = interval_s
        self.reads = 0  # how many times /proc was actually read
        self._read_at = float("-inf")
        self._mb: float | None = None

    def mb(self) -> float | None:
        now = time.monotonic()
        if now - self._read_at >= self.interval_s:
            self._read_at = now
            self._mb = rss_mb()
            self.reads += 1
        return self._mb


class _MemoryBudget:
    def __init__(self, limit_mb: float, name: str, start_mb: float, reader: RssReader) -> None:
        self.limit_mb, self.name, self.start_mb, self.reader = limit_mb, name, start_mb, reader

    def check(self) -> None:
        now_mb = self.reader.mb()
        if now_mb is not None and now_mb - self.start_mb > self.limit_mb:
            raise OverBudget(f"{self.name}: memory grew by {now_mb - self.start_mb:,.0f} MB, "
                             f"over the {self.limit_mb:g} MB budget per document")


@contextmanager
def deadline(seconds: float | None, name: str) -> Iterator[None]:
    """Give the document `name` at most `seconds` of processing inside the block (None: no limit)."""
    token = _DEADLINE.set((time.monotonic() + seconds, seconds, name) if seconds else None)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


@contextmanager
def memory(limit_mb: float | None, name: str) -> Iterator[None]:
    """Let the resident set grow at most `limit_mb` above what it is now while the document `name`
    is processed inside the block (None, or no /proc: no limit)."""
    reader = RssReader()
    start_mb = reader.mb() if limit_mb else None
    token = _MEMORY.set(_MemoryBudget(limit_mb, name, start_mb, reader) if limit_mb and start_mb is not None else None)
    try:
        yield
    finally:
        _MEMORY.reset(token)


def check() -> None:
    budget = _DEADLINE.get()
    if budget is not None and time.monotonic() > budget[0]:
        raise OverBudget(f"{budget[2]}: processing took over the {budget[1]:g} s budget per document")
    memory_budget = _MEMORY.get()
    if memory_budget is not None:
        memory_budget.check()
