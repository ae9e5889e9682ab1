from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pytest

from ingest.parse import parse_path
from ingest.types import Document

_REPO = Path(__file__).resolve().parents[2]


def filings_dir() -> Path:
    return Path(os.environ.get("MINERLENS_FILINGS_DIR", _REPO.parent / "shared" / "filings"))


@lru_cache(maxsize=None)
def parsed(name: str) -> Document:
    """Parse each real filing once per test session: the large ones take seconds."""
    return parse_path(filings_dir() / name)


@pytest.fixture(scope="session")
def filing():
    return parsed
