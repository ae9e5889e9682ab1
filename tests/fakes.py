"""Fakes for the expensive parts, for the FAST LANE ONLY (`make check`).

Every test that uses one says so in its docstring. `make test` runs the whole suite, where every
other test uses the real parts (the real embedding model, Chroma on disk, a real local LLM server).

- `HashEmbedder`: the `service.store.index.Embedder` interface without torch. It counts tokens with
  the real tokenizer (cheap, and chunk boundaries then match the real ones) and embeds by hashing
  keyword tokens into 384 signed buckets: deterministic across processes, normalised float32, and
  texts that share words are close, so dense search still means something.
- `ScriptedLlm`: the `extract.llm.LlmClient` interface without a server. `fill` hands scripted
  proposals to the real evidence gate (`extract.llm.apply_proposals`), `synthesize` passes a scripted
  reply through the real citation check (`extract.llm.check_synthesis`).
- `fast_pipeline`: a real `service.pipeline.Pipeline` (real parsing, extraction, SQLite) over a
  `HashEmbedder`, an ephemeral (in-memory) Chroma and, optionally, a `ScriptedLlm`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from extract.llm import Proposal, Synthesis, apply_proposals, check_synthesis, missing_fields
from extract.records import DebtInstrument, Evidence
from ingest.types import Document
from service.app import chunk_config
from service.config import Settings
from service.pipeline import Pipeline
from service.store.db import Database
from service.store.index import Index, _load_tokenizer, bm25_tokens


class HashEmbedder:
    """Deterministic feature-hashing embedder with the real Embedder's interface (fast lane only)."""

    name = "hash-embedder"
    dimensions = 384

    def __init__(self, *, dtype: str = "float32", batch_size: int = 64) -> None:
        self.dtype = "float32"
        self.batch_size = batch_size
        self._tokenizer = _load_tokenizer()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.embedded = 0  # texts embedded so far (tests can check what was, or was not, embedded)

    def dtype_decision(self) -> dict[str, Any] | None:
        return {"dtype": self.dtype, "reason": "tests/fakes.py HashEmbedder (fast lane)"}

    @property
    def max_tokens(self) -> int:
        return 254

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in self._tokenizer.encode_batch(texts, add_special_tokens=False)]

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimensions, dtype=np.float32)
        for token in bm25_tokens(text) or [text]:
            h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
            v[h % self.dimensions] += 1.0 if (h >> 32) & 1 else -1.0
        norm = float(np.linalg.norm(v))
        if norm == 0.0:  # no token landed (cannot happen with the fallback above; kept for safety)
            v[0], norm = 1.0, 1.0
        return v / np.float32(norm)

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += len(texts)
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.ascontiguousarray(np.stack([self._vector(t) for t in texts]), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            cached = self._query_cache.get(text)
        if cached is not None:
            return cached
        vector = self.embed([text])[0]
        vector.setflags(write=False)
        with self._lock:
            self._query_cache[text] = vector
        return vector

    def clear_query_cache(self) -> None:
        with self._lock:
            self._query_cache.clear()


class ScriptedLlm:
    """An LLM client that answers from a script (fast lane only).

    `proposals`: field -> (value, quote); `fill` proposes those of them the rules left null, and the
    real evidence gate keeps only values the quote states in the document. `reply`: the synthesized
    answer's text (a string, or a function of the question and evidence), with [n] citation markers;
    the real citation check drops markers to evidence that was not given.
    """

    def __init__(self, proposals: dict[str, tuple[object, str]] | None = None,
                 reply: str | Callable[[str, list[Evidence]], str] | None = None) -> None:
        self.proposals = dict(proposals or {})
        self.reply = reply
        self.fill_calls: list[tuple[str, str]] = []  # (document file, instrument name)
        self.synthesize_calls: list[str] = []  # questions

    def fill(self, record: DebtInstrument, doc: Document) -> DebtInstrument:
        self.fill_calls.append((doc.file, record.name))
        wanted = set(missing_fields(record))
        proposals = [Proposal(f, v, q) for f, (v, q) in self.proposals.items() if f in wanted]
        return apply_proposals(record, doc, proposals) if proposals else record

    def synthesize(self, question: str, evidence: list[Evidence]) -> Synthesis:
        self.synthesize_calls.append(question)
        if self.reply is None or not evidence:
            return Synthesis("", [], [])
        text = self.reply(question, evidence) if callable(self.reply) else self.reply
        return check_synthesis(text, question, evidence)


def fast_pipeline(settings: Settings, *, embedder: HashEmbedder | None = None, llm: Any = None) -> Pipeline:
    """A real Pipeline over the fakes (fast lane only): HashEmbedder, ephemeral Chroma, optional
    ScriptedLlm; SQLite at the settings' database URL."""
    embedder = embedder or HashEmbedder()
    return Pipeline(
        settings,
        db=Database(settings.resolved_database_url),
        embedder=embedder,  # type: ignore[arg-type]
        index_factory=lambda: Index(settings.data_dir, embedder, chunk_config(settings), ephemeral=True),  # type: ignore[arg-type]
        llm=llm,
    )
