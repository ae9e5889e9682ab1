"""Shared fixtures for the service tests: the real embedding model, loaded once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from service.config import Settings  # noqa: E402
from service.store.index import Embedder  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    model = Embedder(dtype="auto", batch_size=32, dtype_cache=Settings().embed_dtype_cache)
    model.embed(["load the model once"])
    return model


@pytest.fixture(scope="session")
def filings_dir() -> Path:
    return Path(os.environ.get("MINERLENS_FILINGS_DIR", REPO.parent / "shared" / "filings"))
