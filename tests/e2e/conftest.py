"""End-to-end fixtures: the CLI and the API run in subprocesses over the session's ingested data dir
(the `ingested` fixture in tests/conftest.py)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def cli_env(ingested_settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(MINERLENS_DATA_DIR=str(ingested_settings.data_dir), MINERLENS_FILINGS_DIR=str(ingested_settings.filings_dir), HF_HUB_OFFLINE="1")
    return env
