"""A per-document time budget that parsers check as they go.

A hostile or broken file (tens of thousands of tables, nesting thousands deep) must fail with its
reason instead of stalling the process, so long loops call `check()`; it raises OverBudget once the
document's deadline has passed. Outside `deadline(...)` there is no budget and `check()` is free.
The deadline lives in a ContextVar, so each worker thread has its own.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from ingest.errors import OverBudget

_DEADLINE: ContextVar[tuple[float, float, str] | None] = ContextVar("minerlens_parse_deadline", default=None)


@contextmanager
def deadline(seconds: float | None, name: str) -> Iterator[None]:
    """Give the document `name` at most `seconds` of processing inside the block (None: no limit)."""
    token = _DEADLINE.set((time.monotonic() + seconds, seconds, name) if seconds else None)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check() -> None:
    budget = _DEADLINE.get()
    if budget is not None and time.monotonic() > budget[0]:
        raise OverBudget(f"{budget[2]}: processing took over the {budget[1]:g} s budget per document")
