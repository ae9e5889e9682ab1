"""Shared fixtures. Package-specific fixtures live in tests/<pkg>/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def filings_dir() -> Path:
    """The real SEC filings: MINERLENS_FILINGS_DIR, else <repo>/../shared/filings."""
    path = Path(os.environ.get("MINERLENS_FILINGS_DIR") or REPO.parent / "shared" / "filings")
    if not path.is_dir():
        pytest.fail(f"filings directory not found: {path} (set MINERLENS_FILINGS_DIR)")
    return path
