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
from service.store.index import Embedder, Index, bm25_tokens


class HashEmbedder(Embedder):
    """The real Embedder (tokenizer, query cache) with its model replaced by feature hashing (fast lane only)."""

    name = "hash-embedder"

    def __init__(self, *, batch_size: int = 64) -> None:
        super().__init__(dtype="float32", batch_size=batch_size)
        self.embedded = 0  # texts embedded so far (tests can check what was, or was not, embedded)

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimensions, dtype=np.float32)
        for token in bm25_tokens(text) or [text]:
            h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
            v[h % self.dimensions] += 1.0 if (h >> 32) & 1 else -1.0
        return v / np.float32(np.linalg.norm(v))  # at least one token always lands: the norm is > 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += len(texts)
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.ascontiguousarray(np.stack([self._vector(t) for t in texts]), dtype=np.float32)

    def dtype_decision(self) -> dict[str, str]:
        return {"dtype": "float32", "reason": "hash embedder (fast lane fake)"}


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
