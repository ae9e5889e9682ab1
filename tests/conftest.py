"""Shared fixtures. Package-specific fixtures live in tests/<pkg>/conftest.py."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import types
from pathlib import Path

import pytest

from service.config import Settings
from service.app import build_pipeline

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent

# --- test lanes ------------------------------------------------------------------------------
# `make check` runs the fast lane: -m "not slow and not llm and not browser and not postgres".
# `make test` runs everything. The markers are given here by mechanism, from what a test uses:
#
#   llm   a fixture or helper that starts the local LLM server (tests/llm_server.serve_model);
#   slow  the session ingest of the real filings (`_ingest`, behind `ingested`, `pristine_data_dir`,
#         `ingested_settings`, the e2e `cli_env`), the real embedding model (the session `embedder`,
#         `build_pipeline`/`build_embedder`, or an `Embedder` that embeds: one used only to count
#         tokens loads the tokenizer alone, which is cheap; `create_app` without a fake pipeline), a
#         subprocess (the CLI, `minerlens serve`), or FinanceBench's PDFs (`financebench_dir`).
#         Tests that extract large real filings (10-Ks) without any of these carry
#         `@pytest.mark.slow` (or a module `pytestmark`) with the reason.
#
# "Uses" means: named by the test function, by any fixture it depends on, or by a function of the
# tests/ package that one of those calls (followed transitively), so a helper such as
# tests/http_server.serve_subprocess or a module's own `ingest_killed_at` counts. The fakes in
# tests/fakes.py name none of these, so tests built on them stay in the fast lane. A module may also
# say `pytestmark = pytest.mark.slow` when the mechanism cannot see why it is slow.
LLM_NAMES = frozenset({"serve_model"})
# financebench_dir: FinanceBench's 10-K PDFs, hundreds of pages each through pypdf.
SLOW_FIXTURES = frozenset({"_ingest", "embedder", "financebench_dir"})
SLOW_NAMES = frozenset({"build_pipeline", "build_embedder", "decide_dtype", "subprocess", "serve_subprocess"})
FAKES = frozenset({"fast_pipeline"})  # tests/fakes.py: create_app over it stays fast
EMBEDDING = frozenset({"embed", "embed_query", "embed_chunks", "_model", "warm"})  # with `Embedder`: the model loads


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):  # nested functions, lambdas, comprehensions
            names |= _code_names(const)
    return names


def _names_used(func: object, seen: dict[object, frozenset[str]]) -> frozenset[str]:
    """Global names `func` uses, with those of the tests/ functions it calls (transitively)."""
    func = getattr(func, "__wrapped__", func)
    if func in seen:
        return seen[func]
    code = getattr(func, "__code__", None)
    if code is None:
        return frozenset()
    seen[func] = frozenset()  # recursion guard
    names = _code_names(code)
    out = set(names)
    env = getattr(func, "__globals__", {})
    for name in names:
        target = env.get(name)
        target_code = getattr(target, "__code__", None)
        if target_code is not None and Path(target_code.co_filename).resolve().is_relative_to(TESTS):
            out |= _names_used(target, seen)
    seen[func] = frozenset(out)
    return seen[func]


# --- two xdist workers: the session ingest in one of them --------------------------------------
# `make check` and `make test` run lanes with `-n 2 --dist loadscope`: a module's tests run in one
# worker, so module fixtures are built once. Here the modules with a test that uses the session
# ingest (`_ingest`, as above) count as ONE scope, so the ingest (minutes) is built once, in one
# worker, while the other worker runs the rest; without that, each worker would build its own.
# (`--dist loadgroup` with `xdist_group` marks would say the same, but with pytest 9 and xdist 3.8
# the group never reaches the scheduler: pytest-dev/pytest-xdist#1386.)
# The workers collect; the controller schedules from test ids alone. So each worker writes the
# modules of its selected tests that use the session ingest to a file the controller named
# (`_SCOPES_KEY` in the worker's input) before it reports its collection; the controller reads the
# file when it schedules, once every worker has reported.
SESSION_INGEST = "session-ingest"
_SCOPES_KEY = "minerlens_session_ingest_modules"


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reports the collection to the controller
def pytest_collection_finish(session) -> None:
    """Worker: the modules of the selected tests that use the session ingest, to the controller's file."""
    path = getattr(session.config, "workerinput", {}).get(_SCOPES_KEY)
    if path:
        modules = sorted({_module(item.nodeid) for item in session.items if "_ingest" in item.fixturenames})
        tmp = Path(f"{path}.{os.getpid()}")
        tmp.write_text(json.dumps(modules))
        tmp.replace(path)  # the other worker writes the same list; neither leaves a half-written file


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """Controller: name the file the workers write the session ingest's modules to."""
    config = node.config
    if not hasattr(config, "_minerlens_scopes"):
        config._minerlens_scopes = Path(tempfile.mkdtemp(prefix="minerlens-xdist-")) / "session-ingest-modules.json"
    node.workerinput[_SCOPES_KEY] = str(config._minerlens_scopes)


def pytest_unconfigure(config) -> None:
    path = getattr(config, "_minerlens_scopes", None)
    if path is not None:
        shutil.rmtree(path.parent, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Controller: `--dist loadscope`, with the session ingest's modules as one scope."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SessionIngestScope(LoadScopeScheduling):
        _ingest_modules: frozenset[str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self._ingest_modules is None:  # first called in schedule(), once every worker has collected
                path = getattr(config, "_minerlens_scopes", None)
                self._ingest_modules = frozenset(json.loads(path.read_text())) if path and path.exists() else frozenset()
            return SESSION_INGEST if _module(nodeid) in self._ingest_modules else super()._split_scope(nodeid)

    return SessionIngestScope(config, log)


def pytest_collection_modifyitems(config, items):
    seen: dict[object, frozenset[str]] = {}
    for item in items:
        funcs = [getattr(item, "function", None)]
        info = getattr(item, "_fixtureinfo", None)
        for name in item.fixturenames:
            funcs.extend(fd.func for fd in (info.name2fixturedefs.get(name, ()) if info else ()))
        used = frozenset().union(*(_names_used(f, seen) for f in funcs if f is not None))
        if used & LLM_NAMES:
            item.add_marker(pytest.mark.llm)
        if (used & SLOW_NAMES or SLOW_FIXTURES & set(item.fixturenames) or ("Embedder" in used and used & EMBEDDING)
                or ("create_app" in used and not used & FAKES)):  # create_app() builds the real pipeline
            item.add_marker(pytest.mark.slow)


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
