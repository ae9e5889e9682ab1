"""The import rules of docs/architecture: ingest ◄── extract ◄── service, and each third-party
library imported by exactly one module, so it can be swapped or upgraded in one place."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("ingest", "extract", "service", "eval")
MAY_IMPORT = {"ingest": {"ingest"}, "extract": {"ingest", "extract"}, "service": {"ingest", "extract", "service"}}
# The one exception: `minerlens eval` is a CLI command, so the CLI (and only the CLI) may call eval.
EXTRA = {"service/cli.py": {"eval"}}
# Library -> the one module allowed to import it.
OWNER = {
    "selectolax": "ingest/html.py",
    "lxml": "ingest/ixbrl.py",
    "pypdf": "ingest/pdf.py",
    "chromadb": "service/index.py",
    "sentence_transformers": "service/index.py",
    "bm25s": "service/index.py",
    "sqlalchemy": "service/db.py",
    "fastapi": "service/api.py",
    "starlette": "service/api.py",
    "uvicorn": "service/cli.py",
    "matplotlib": "service/charts.py",
    "httpx": "ingest/edgar.py",
    "watchdog": "service/watch.py",
    "langchain_core": "extract/llm.py",
    "langchain_openai": "extract/llm.py",
}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def modules() -> list[Path]:
    return [p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))]


def test_layers_import_only_downwards():
    for path in modules():
        layer = path.relative_to(REPO).parts[0]
        if layer not in MAY_IMPORT:
            continue
        allowed = MAY_IMPORT[layer] | EXTRA.get(str(path.relative_to(REPO)), set())
        upward = (imports(path) & set(PACKAGES)) - allowed
        assert not upward, f"{path.relative_to(REPO)} imports {sorted(upward)}"


def test_each_library_has_one_importer():
    importers = defaultdict(set)
    for path in modules():
        for name in imports(path) & set(OWNER):
            importers[name].add(str(path.relative_to(REPO)))
    for name, where in importers.items():
        assert where == {OWNER[name]}, f"{name} imported by {sorted(where)}"
