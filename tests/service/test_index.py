"""The hybrid index over the real model and real Chroma in a temp dir."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.chunk import ChunkConfig
from ingest.errors import BadInput, ConfigError
from ingest.types import Chunk
from service.store.index import (BF16_MIN_COSINE, BF16_MIN_TOP10, Embedder, Index, bm25_tokens, collection_name, cpu_bf16,
                                 cpu_has_amx_bf16, decide_dtype, machine_key, resolve_dtype)

# Passages in our own words, shaped like the filings' sentences.
CONVERSION = (
    "The notes are convertible at an initial conversion rate of 28.9159 shares of Class A common stock per "
    "$1,000 principal amount of notes, which represents an initial conversion price of approximately $34.58 per share."
)
ATM = (
    "We entered into an at-the-market sales agreement with our sales agents under which we may sell shares of our "
    "common stock having an aggregate offering price of up to $1.5 billion from time to time."
)
HPC = (
    "The company signed a ten-year colocation lease with a hyperscaler for 200 MW of critical IT load at its "
    "Texas campus, with contracted revenue of approximately $3.0 billion over the term."
)
REVOLVER = (
    "The credit agreement provides for a senior secured revolving credit facility of $200.0 million bearing "
    "interest at SOFR plus 2.50%, maturing in 2028."
)


def chunk(doc: str, n: int, text: str, ticker: str, form: str, filed: str, section: str | None = None) -> Chunk:
    sha = doc.encode().hex().ljust(64, "0")[:64]
    return Chunk(
        chunk_id=f"{sha[:16]}:1:{n * 1000}",
        document=doc,
        doc_sha256=sha,
        part=doc,
        part_type=form,
        section=section,
        page=None,
        start=n * 1000,
        end=n * 1000 + len(text),
        text=text,
        ticker=ticker,
        cik=None,
        form=form,
        filed=filed,
    )


CHUNKS = [
    chunk("BTBT_424B5_2025-10-01.txt", 0, CONVERSION, "BTBT", "424B5", "2025-10-01", "Description of Notes"),
    chunk("MARA_8-K_2024-10-23.htm", 0, ATM, "MARA", "8-K", "2024-10-23", "Item 1.01"),
    chunk("CORZ_8-K_2025-10-22.txt", 0, HPC, "CORZ", "8-K", "2025-10-22", "Item 8.01"),
    chunk("CLSK_10-Q_2025-02-06.htm", 0, REVOLVER, "CLSK", "10-Q", "2025-02-06", "Note 7 - Debt"),
]


@pytest.fixture
def index(tmp_path, embedder) -> Index:
    idx = Index(tmp_path, embedder, ChunkConfig())
    idx.add(CHUNKS)
    return idx


def test_embedder_counts_tokens_without_special_tokens_and_normalises(embedder):
    # "0 . 00 % convertible senior notes due 203 ##2"
    assert embedder.count_tokens(["hello world", "0.00% Convertible Senior Notes due 2032", ""]) == [2, 10, 0]
    # The same count as the tokenizer the model itself uses.
    model_tokenizer = embedder._model().tokenizer
    assert embedder.count_tokens([REVOLVER, HPC]) == [len(model_tokenizer.tokenize(t)) for t in (REVOLVER, HPC)]
    # The shipped tokenizer.json truncates at 128: counting must not.
    assert embedder.count_tokens(["notes " * 300]) == [300]
    vectors = embedder.embed([CONVERSION, ATM])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.name == "all-MiniLM-L6-v2"


def test_dtype_follows_the_cpu_the_self_test_and_the_setting(tmp_path):
    flags = "processor\t: 0\nflags\t\t: fpu sse2 avx512f amx_bf16 amx_tile amx_int8\n"
    assert cpu_has_amx_bf16(flags) is True and cpu_bf16(flags) == "amx_bf16"
    assert cpu_bf16("flags\t\t: fpu sse2 avx2 avx512_bf16\n") == "avx512_bf16"
    assert cpu_bf16("flags\t\t: fpu sse2 avx2\n") is None
    assert resolve_dtype("bf16") == "bfloat16"
    assert resolve_dtype("float32") == "float32"
    decision = decide_dtype(tmp_path / "embed-dtype.json")
    assert resolve_dtype("auto") == decision["dtype"] == ("bfloat16" if cpu_bf16() else "float32")
    if cpu_bf16():  # this machine (avx512_bf16): the self-test's figures cleared the bar
        assert decision["cosine_min"] >= BF16_MIN_COSINE and decision["top10_agreement"] >= BF16_MIN_TOP10
    assert decision["machine"] == machine_key()
    with pytest.raises(ConfigError, match="embed_dtype"):
        resolve_dtype("float16")


def test_collection_name_changes_with_what_changes_the_vectors():
    base = collection_name("all-MiniLM-L6-v2", "float32", ChunkConfig(254, 32))
    assert base == f"chunks-minilm-l6-f32-t254-o32-v{ChunkConfig().version}"
    assert collection_name("all-MiniLM-L6-v2", "bfloat16", ChunkConfig(254, 32)) == base.replace("-f32-", "-bf16-")
    assert collection_name("all-MiniLM-L6-v2", "float32", ChunkConfig(128, 32)) != base
    assert collection_name("all-MiniLM-L6-v2", "float32", ChunkConfig(254, 16)) != base
    assert collection_name("all-MiniLM-L6-v2", "float32", ChunkConfig(254, 32, version=99)) != base


def test_bm25_tokens_keep_numbers_whole():
    assert bm25_tokens("rate of 28.9159 shares per $1,000 under Item 2.03; 0.00% notes on Form 8-K") == [
        "rate", "28.9159", "share", "per", "1000", "under", "item", "2.03", "0.00%", "note", "form", "8-k",
    ]


def test_the_passage_that_answers_comes_first(index):
    hits = index.search("What is the conversion rate of the convertible notes?", k=3)
    assert hits[0].text == CONVERSION
    assert hits[0].dense_rank == 1 and hits[0].keyword_rank == 1
    hits = index.search("How large is the at-the-market equity program?", k=3)
    assert hits[0].document == "MARA_8-K_2024-10-23.htm"
    hits = index.search("hyperscaler lease critical IT megawatts", k=3)
    assert hits[0].ticker == "CORZ" and hits[0].section == "Item 8.01"
    # A bare number finds its passage through the keyword side.
    hits = index.search("28.9159", k=2)
    assert hits[0].chunk_id == CHUNKS[0].chunk_id and hits[0].keyword_rank == 1


def test_filters_by_ticker_form_date_and_document(index):
    q = "notes credit facility lease shares"
    assert {h.ticker for h in index.search(q, ticker="clsk")} == {"CLSK"}
    assert {h.ticker for h in index.search(q, ticker=["MARA", "CORZ"])} == {"MARA", "CORZ"}
    assert {h.document for h in index.search(q, form="8-K")} == {"MARA_8-K_2024-10-23.htm", "CORZ_8-K_2025-10-22.txt"}
    assert {h.filed for h in index.search(q, date_from="2025-01-01", date_to="2025-06-30")} == {"2025-02-06"}
    assert {h.filed for h in index.search(q, date_to="2024-12-31")} == {"2024-10-23"}
    assert [h.document for h in index.search(q, document="CORZ_8-K_2025-10-22.txt")] == ["CORZ_8-K_2025-10-22.txt"]
    assert [h.ticker for h in index.search(q, document=CHUNKS[3].doc_sha256)] == ["CLSK"]
    assert index.search(q, ticker="RIOT") == []


def test_delete_removes_from_both_rankings_and_survives_reopen(tmp_path, embedder, index):
    assert index.count() == 4
    removed = index.delete_document(CHUNKS[0].doc_sha256)
    assert removed == 1 and index.count() == 3
    hits = index.search("28.9159 conversion rate shares per $1,000 principal", k=10)
    assert CHUNKS[0].chunk_id not in {h.chunk_id for h in hits}
    assert all(h.keyword_rank is None for h in hits if h.document == "BTBT_424B5_2025-10-01.txt")
    assert {h.keyword_rank for h in index.search("28.9159", k=10)} == {None}
    reopened = Index(tmp_path, embedder, ChunkConfig())
    assert reopened.count() == 3
    assert CHUNKS[0].chunk_id not in {h.chunk_id for h in reopened.search("conversion rate 28.9159", k=10)}


def test_reopening_from_disk_finds_the_same_results(tmp_path, embedder, index):
    queries = ["conversion rate of the notes", "revolving credit facility SOFR margin", "hyperscaler lease"]
    before = [[(h.chunk_id, round(h.score, 9), h.dense_rank, h.keyword_rank) for h in index.search(q, k=4)] for q in queries]
    reopened = Index(tmp_path, embedder, ChunkConfig())
    after = [[(h.chunk_id, round(h.score, 9), h.dense_rank, h.keyword_rank) for h in reopened.search(q, k=4)] for q in queries]
    assert after == before
    hit = reopened.search("revolving credit facility", k=1)[0]
    assert hit.to_chunk() == CHUNKS[3]


def test_adding_the_same_chunks_again_is_an_upsert(tmp_path, embedder, index):
    index.add(CHUNKS[:2])
    assert index.count() == 4
    changed = Chunk(**{**{f: getattr(CHUNKS[1], f) for f in CHUNKS[1].__slots__}, "text": ATM + " Amended."})
    index.add([changed])
    assert index.count() == 4
    assert index.search("Amended", k=1)[0].text.endswith("Amended.")
    assert Index(tmp_path, embedder, ChunkConfig()).search("Amended", k=1)[0].text.endswith("Amended.")


def test_a_different_chunk_config_is_a_different_collection(tmp_path, embedder, index):
    other = Index(tmp_path, embedder, ChunkConfig(max_tokens=128, overlap_tokens=16))
    assert other.name != index.name and other.count() == 0


def test_bad_queries_are_one_line_errors(index):
    with pytest.raises(BadInput, match="empty"):
        index.search("   ")
    with pytest.raises(BadInput, match="date_from must be an ISO date"):
        index.search("notes", date_from="March 2025")
    with pytest.raises(BadInput, match="k must be"):
        index.search("notes", k=0)
    with pytest.raises(BadInput, match="does not match"):
        index.add(CHUNKS[:2], vectors=np.zeros((1, 384), dtype=np.float32))


def test_bfloat16_vectors_match_float32(embedder):
    bf16 = Embedder(dtype="bfloat16", batch_size=8)
    assert bf16.dtype == "bfloat16"
    a = embedder.embed([CONVERSION, HPC]) if embedder.dtype == "float32" else Embedder(dtype="float32", batch_size=8).embed([CONVERSION, HPC])
    b = bf16.embed([CONVERSION, HPC])
    assert b.dtype == np.float32
    # Normalised in float32 whatever the model's dtype, so scores compare across dtypes.
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert float((a * b).sum(axis=1).min()) > 0.99


def test_the_keyword_index_is_saved_and_reloaded_only_while_it_matches(tmp_path, embedder, index):
    before = [h.chunk_id for h in index.search("revolving credit facility SOFR", k=4)]
    assert index.bm25_source == "built"
    reopened = Index(tmp_path, embedder, ChunkConfig())
    assert reopened.bm25_source == "disk"
    assert [h.chunk_id for h in reopened.search("revolving credit facility SOFR", k=4)] == before
    # A mutation invalidates the saved copy: the next process rebuilds instead of using stale rows.
    changed = Chunk(**{**{f: getattr(CHUNKS[3], f) for f in CHUNKS[3].__slots__}, "text": "Replaced wording about a term loan."})
    reopened.add([changed])
    assert Index(tmp_path, embedder, ChunkConfig()).bm25_source == "none"
    fresh = Index(tmp_path, embedder, ChunkConfig())
    assert fresh.search("SOFR", k=4)[0].keyword_rank is None  # the old wording is gone from BM25
    assert fresh.search("term loan wording", k=1)[0].chunk_id == CHUNKS[3].chunk_id
    assert fresh.bm25_source == "built"


def test_rows_stay_aligned_through_growth_replacement_and_deletion(tmp_path, embedder):
    rng = np.random.default_rng(7)
    idx = Index(tmp_path, embedder, ChunkConfig())
    given: dict[str, np.ndarray] = {}
    for d in range(3):  # 3 x 600 rows: past the initial buffer capacity of 1024
        batch = [chunk(f"DOC{d}_10-Q_2025-0{d + 1}-15.htm", i, f"filler row {i} of document {d}", f"T{d}", "10-Q", f"2025-0{d + 1}-15")
                 for i in range(600)]
        vectors = rng.standard_normal((600, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        before = idx._mirror
        idx.add(batch, vectors)
        assert before.n == 600 * d and before.vectors.shape[0] == 600 * d  # a held snapshot never changes
        given.update({c.chunk_id: v for c, v in zip(batch, vectors)})
    assert idx.count() == 1800
    idx.delete_document(chunk("DOC1_10-Q_2025-02-15.htm", 0, "", "", "", "").doc_sha256)
    replacement = chunk("DOC2_10-Q_2025-03-15.htm", 5, "filler row 5 of document 2, restated", "T2", "10-Q", "2025-03-15")
    idx.add([replacement], given[replacement.chunk_id][None, :])
    mirror = idx._mirror
    assert mirror.n == idx.count() == 1200
    for row in range(0, mirror.n, 37):
        cid = mirror.ids[row]
        assert mirror.rows[row]["chunk_id"] == cid
        assert np.array_equal(mirror.vectors[row], given[cid])
        assert idx._tickers.code[mirror.rows[row]["ticker"]] == mirror.ticker[row]
    assert {h.ticker for h in idx.search("filler row", k=50, ticker="T1")} == set()
    assert {h.filed for h in idx.search("filler row", k=50, date_from="2025-03-01")} == {"2025-03-15"}
    # Random vectors make the dense side arbitrary here: the keyword side must find the new text.
    (restated,) = [h for h in idx.search("restated", k=10) if h.keyword_rank == 1]
    assert restated.chunk_id == replacement.chunk_id and restated.text.endswith("restated")
    assert Index(tmp_path, embedder, ChunkConfig()).count() == 1200


def test_an_empty_index_warms_and_finds_nothing(tmp_path, embedder):
    index = Index(tmp_path, embedder, ChunkConfig())
    index.warm()  # the API warms at start, before anything is ingested
    assert index.search("convertible notes", k=5) == []


def test_a_passage_the_index_holds_is_not_embedded_again(tmp_path, embedder, filings_dir):
    """Core Scientific filed two 8-Ks on 2025-10-30 that share most of their text:
    once the first is indexed, the second's repeated passages reuse its vectors."""
    from ingest.chunk import chunk_document
    from ingest.parse import parse_path

    def chunks_of(name: str) -> list[Chunk]:
        return chunk_document(parse_path(filings_dir / name), embedder.count_tokens, max_tokens=254, overlap_tokens=32)

    index = Index(tmp_path, embedder, ChunkConfig())
    preliminary, final = chunks_of("CORZ_8-K_2025-10-30.txt"), chunks_of("CORZ_8-K_2025-10-30_b.txt")
    index.add(preliminary)
    assert index.reuse["reused"] == len(preliminary) - len({c.text for c in preliminary})  # repeats within one document
    before = dict(index.reuse)
    vectors = index.embed_chunks(final)
    reused = index.reuse["reused"] - before["reused"]
    shared = {c.text for c in final} & {c.text for c in preliminary}
    assert (len(final), reused) == (28, 26)  # 26 of the second 8-K's 28 passages are the first's
    assert index.reuse["embedded"] - before["embedded"] == len({c.text for c in final} - shared)
    fresh = embedder.embed([c.text for c in final])
    assert float(np.min(np.sum(vectors * fresh, axis=1))) > 0.999  # a reused vector is the one embedding gives


def test_a_data_dir_keeps_the_dtype_its_index_was_built_in(tmp_path):
    """A store built in float32 (before this machine chose bfloat16) still answers: an 'auto'
    embedder opening it embeds in float32, and says why."""
    built = Index(tmp_path, Embedder(dtype="float32", batch_size=8), ChunkConfig())
    built.add([chunk("d1", 0, CONVERSION, "MARA", "8-K", "2024-12-04")])
    reopened = Index(tmp_path, Embedder(dtype="auto", batch_size=8), ChunkConfig())
    assert reopened.embedder.dtype == "float32" and reopened.name == built.name
    assert reopened.embedder.dtype_decision() == {"dtype": "float32", "reason": f"the index under {tmp_path} was built in float32"}
    assert reopened.search("initial conversion rate", k=1)[0].document == "d1"
