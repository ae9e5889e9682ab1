"""The import rules of docs/architecture: ingest ◄── extract ◄── service, the rooms of service
(domain ◄── store ◄── the edges), eval on top of everything and imported by nothing, and each
third-party library imported by exactly one module, so it can be swapped or upgraded in one place."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("ingest", "extract", "service", "eval")
# What each layer, and each room of service, may import (first two parts of a module name).
MAY_IMPORT = {
    "ingest": {"ingest"},
    "extract": {"ingest", "extract"},
    # Pure functions over records: no database, no index, no edge.
    "service/domain": {"ingest", "extract", "service.domain", "service.config"},
    # Where things are kept; it loads rows into domain records.
    "service/store": {"ingest", "extract", "service.domain", "service.config", "service.store"},
    # The edges (pipeline, app, api, cli, watch, charts, config) use any room, never eval.
    "service": {"ingest", "extract", "service"},
    "eval": {"ingest", "extract", "service", "eval"},
}
# Library -> the one module allowed to import it.
OWNER = {
    "selectolax": "ingest/html.py",
    "lxml": "ingest/ixbrl.py",
    "pypdf": "ingest/pdf.py",
    "chromadb": "service/store/index.py",
    "sentence_transformers": "service/store/index.py",
    "bm25s": "service/store/index.py",
    "sqlalchemy": "service/store/db.py",
    "fastapi": "service/api.py",
    "starlette": "service/api.py",
    "uvicorn": "service/cli.py",
    "matplotlib": "service/charts.py",
    "httpx": "ingest/edgar.py",
    "watchdog": "service/watch.py",
    "langchain_core": "extract/llm.py",
    "langchain_openai": "extract/llm.py",
}


def imports(path: Path, depth: int = 1) -> set[str]:
    """The modules `path` imports, cut to their first `depth` parts ("service.store" at 2)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(".".join(alias.name.split(".")[:depth]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from service import cli" imports service.cli: the room is in the imported name.
            full = [f"{node.module}.{alias.name}" for alias in node.names] if node.module in PACKAGES else [node.module]
            names.update(".".join(name.split(".")[:depth]) for name in full)
    return names


def modules() -> list[Path]:
    return [p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))]


def room(path: Path) -> str:
    """The most specific key of MAY_IMPORT the file lives in: "service/store", "service", "eval"."""
    parts = path.relative_to(REPO).parts
    two = "/".join(parts[:2])
    return two if two in MAY_IMPORT else parts[0]


def allowed(name: str, rules: set[str]) -> bool:
    return any(name == rule or name.startswith(rule + ".") for rule in rules)


def test_layers_and_rooms_import_only_downwards():
    for path in modules():
        rules = MAY_IMPORT[room(path)]
        ours = {n for n in imports(path, depth=2) if n.split(".")[0] in PACKAGES}
        upward = sorted(n for n in ours if not allowed(n, rules))
        assert not upward, f"{path.relative_to(REPO)} imports {upward}"


def test_nothing_imports_eval():
    for path in modules():
        if room(path) != "eval":
            assert "eval" not in imports(path), f"{path.relative_to(REPO)} imports eval"


def test_each_library_has_one_importer():
    importers = defaultdict(set)
    for path in modules():
        for name in imports(path) & set(OWNER):
            importers[name].add(str(path.relative_to(REPO)))
    for name, where in importers.items():
        assert where == {OWNER[name]}, f"{name} imported by {sorted(where)}"


def test_only_settings_read_the_environment_and_no_module_writes_it_at_import():
    """Settings (pydantic-settings) reads MINERLENS_*; the one writer is the index, which sets the
    model libraries' offline switches inside a function, just before it imports them."""
    for path in modules():
        tree = ast.parse(path.read_text())
        top_level = {id(n) for stmt in tree.body if not isinstance(stmt, (ast.FunctionDef, ast.ClassDef))
                     for n in ast.walk(stmt)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv"):
                where = str(path.relative_to(REPO))
                assert where == "service/store/index.py", f"{where} touches the environment"
                assert id(node) not in top_level, f"{where} touches the environment at import"
