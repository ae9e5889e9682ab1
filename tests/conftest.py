"""Shared fixtures. Package-specific fixtures live in tests/<pkg>/conftest.py."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from service.config import Settings
from service.app import build_pipeline

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def filings_dir() -> Path:
    """The real SEC filings: MINERLENS_FILINGS_DIR, else <repo>/../shared/filings."""
    path = Path(os.environ.get("MINERLENS_FILINGS_DIR") or REPO.parent / "shared" / "filings")
    if not path.is_dir():
        pytest.fail(f"filings directory not found: {path} (set MINERLENS_FILINGS_DIR)")
    return path


@pytest.fixture(scope="session")
def _ingest(tmp_path_factory, filings_dir):
    """The pipeline after ingesting ../shared/filings and corpus/ once per session, with its report.

    Real parts throughout: the real embedding model, Chroma and SQLite in a temporary data dir.
    Ingesting takes minutes on 2 cores, so every test that needs the whole set shares this one.
    """
    settings = Settings(data_dir=tmp_path_factory.mktemp("minerlens-data"), filings_dir=filings_dir)
    pipeline = build_pipeline(settings)
    report = pipeline.ingest_paths([filings_dir, REPO / "corpus"])
    # A copy taken before any test adds documents (the API tests upload some), for the answers gate.
    pristine = tmp_path_factory.mktemp("pristine") / "data"
    shutil.copytree(settings.data_dir, pristine)
    return pipeline, report, pristine


@pytest.fixture(scope="session")
def ingested(_ingest):
    """(pipeline, ingest report) over the real filings and corpus/."""
    return _ingest[0], _ingest[1]


@pytest.fixture(scope="session")
def pristine_data_dir(_ingest) -> Path:
    """The data dir exactly as ingested, before any test changed it."""
    return _ingest[2]


@pytest.fixture(scope="session")
def ingested_settings(ingested) -> Settings:
    return ingested[0].settings
