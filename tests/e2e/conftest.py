"""One ingest of every real filing and the corpus per test session, shared by the end-to-end tests.

Real parts throughout: the real embedding model, Chroma and SQLite in a temporary data dir, the
real filings from MINERLENS_FILINGS_DIR. Ingesting them takes a couple of minutes on 2 cores, so
it is done once.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.config import Settings
from service.pipeline import Pipeline

REPO = Path(__file__).resolve().parents[2]


def real_filings_dir() -> Path:
    return Path(os.environ.get("MINERLENS_FILINGS_DIR", REPO.parent / "shared" / "filings"))


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("minerlens-data")


@pytest.fixture(scope="session")
def settings(data_dir) -> Settings:
    return Settings(data_dir=data_dir, filings_dir=real_filings_dir())


@pytest.fixture(scope="session")
def ingested(settings):
    """The pipeline after ingesting ../shared/filings and corpus/, with the report."""
    pipeline = Pipeline(settings)
    report = pipeline.ingest_paths([settings.filings_dir, REPO / "corpus"])
    return pipeline, report


@pytest.fixture(scope="session")
def cli_env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(MINERLENS_DATA_DIR=str(settings.data_dir), MINERLENS_FILINGS_DIR=str(settings.filings_dir), HF_HUB_OFFLINE="1")
    return env
