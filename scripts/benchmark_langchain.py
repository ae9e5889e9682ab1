"""minerlens against the plain LangChain pipeline, side by side in one run; writes its section of
docs/benchmarks.md.

On the same real filings (complete submissions, 10-Qs, a prospectus):
- minerlens: `Pipeline.ingest_paths` into a fresh data dir (model loaded and warmed first);
- LangChain: scripts/langchain_baseline.py in its own virtualenv (BeautifulSoup text,
  RecursiveCharacterTextSplitter at 254 tokens of the same tokenizer, HuggingFaceEmbeddings with the
  same MiniLM weights, Chroma.from_documents), model loaded and warmed before its clock starts;
- the raw embedder on minerlens's distinct chunk texts, in float32 and in the dtype minerlens runs in;
- the CPU's matrix-multiply peak (a large GEMM, best of several) in bfloat16 and float32, and the share
  of it the embedder reaches (BERT's multiply-adds per token, from the model's shape);
- answer-bearing-chunk recall@6 of both stores on the answers eval's questions about these files: a
  top-6 chunk from an expected document that states every expected number.

Usage:
    make bench-langchain        # creates the baseline's virtualenv once, then runs this
    .venv/bin/python scripts/benchmark_langchain.py --baseline-python /path/to/venv/bin/python [--print]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "scripts"))

import torch  # noqa: E402

from benchmark import load_average, machine_info  # noqa: E402
from benchmark_flags import replace_section  # noqa: E402
from extract.normalize import find_money, find_numbers  # noqa: E402
from service.app import build_embedder, build_pipeline  # noqa: E402
from service.config import Settings, get_settings  # noqa: E402
from service.store.index import Embedder, model_dir  # noqa: E402

SECTION = "## minerlens against a plain LangChain pipeline"
K = 6
# Complete submissions (8-K with exhibits, a prospectus supplement), 10-Qs as inline XBRL, a 10-K.
FILES = (
    "MARA_8-K_2024-11-21.htm", "CLSK_8-K_2025-11-12.txt", "CORZ_8-K_2025-10-30.txt", "BTBT_8-K_2025-11-14.txt",
    "BTDR_424B5_2025-11-12.txt", "RIOT_10-Q_2025-05-01.htm", "CLSK_10-Q_2025-02-06.htm", "CEPO_10-Q_2025-08-14.txt",
    "RIOT_10-K_2025-02-27.htm",
)


def questions_about(files: set[str]) -> list[dict]:
    out = []
    for name in ("questions.jsonl", "questions_oos.jsonl", "questions_oos2.jsonl"):
        path = REPO_ROOT / "eval" / name
        for line in path.read_text().splitlines() if path.exists() else ():
            q = json.loads(line)
            if q.get("numbers") and not q.get("must_refuse") and files & set(q.get("evidence", [])):
                out.append(q)
    return out


def bears_answer(text: str, numbers: list[float]) -> bool:
    """Every expected number is stated in the chunk (as a number or an amount, within rounding)."""
    stated = [v for v, _ in find_numbers(text)] + [v for v, _ in find_money(text)]
    return all(any(abs(s - n) <= 1e-6 * max(1.0, abs(n)) for s in stated) for n in numbers)


def recall(hits: dict[str, list[dict]], questions: list[dict]) -> tuple[int, int]:
    found = sum(any(h["document"] in q["evidence"] and bears_answer(h["text"], q["numbers"]) for h in hits.get(q["id"], []))
                for q in questions)
    return found, len(questions)


def gemm_peak(dtype: torch.dtype, n: int = 2048, reps: int = 5) -> float:
    """FLOP/s of the best of `reps` n x n x n matrix products."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    torch.matmul(a, b)
    best = float("inf")
    for _ in range(reps):
        started = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - started)
    return 2 * n**3 / best


def flops_per_token() -> float:
    """Multiply-adds of one token through the encoder (projections and feed-forward; attention
    scores are small at 256 tokens), times two."""
    config = json.loads((model_dir() / "config.json").read_text())
    h, ffn, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    return 2.0 * layers * (4 * h * h + 2 * h * ffn)


def raw_rate(embedder: Embedder, texts: list[str]) -> tuple[float, float]:
    """(seconds, tokens) of embedding `texts` once."""
    tokens = sum(embedder.count_tokens(texts)) + 2 * len(texts)
    started = time.perf_counter()
    embedder.embed(texts)
    return time.perf_counter() - started, tokens


def run(files: list[Path], baseline_python: str) -> dict:
    embedder = build_embedder(get_settings())
    embedder.embed(["warm up the model before any timing"] * 8)
    questions = questions_about({p.name for p in files})
    with tempfile.TemporaryDirectory(prefix="minerlens-vs-langchain-") as tmp:
        pipeline = build_pipeline(Settings(data_dir=Path(tmp) / "minerlens"), embedder=embedder)
        started = time.perf_counter()
        report = pipeline.ingest_paths(files)
        ours_s = time.perf_counter() - started
        ours_chunks = sum(r.chunks for r in report.results)
        ours_hits = {q["id"]: [{"document": h.document, "text": h.text} for h in pipeline.index.search(q["question"], k=K)]
                     for q in questions}
        texts = list(dict.fromkeys(pipeline.index._mirror.rows[i]["text"] for i in range(pipeline.index.count())))

        qfile = Path(tmp) / "questions.jsonl"
        qfile.write_text("\n".join(json.dumps(q) for q in questions))
        out = subprocess.run([baseline_python, str(REPO_ROOT / "scripts" / "langchain_baseline.py"), "--model", str(model_dir()),
                              "--store", str(Path(tmp) / "langchain"), "--questions", str(qfile), "--k", str(K),
                              *map(str, files)], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"the LangChain baseline failed:\n{out.stderr[-3000:]}")
        theirs = json.loads(out.stdout)

    raw_s, tokens = raw_rate(embedder, texts)
    f32 = build_embedder(Settings(embed_dtype="float32"))
    raw32_s, _ = raw_rate(f32, texts)
    peaks = {"bfloat16": gemm_peak(torch.bfloat16), "float32": gemm_peak(torch.float32)}
    return {
        "files": [p.name for p in files], "mb": sum(p.stat().st_size for p in files) / 1e6, "dtype": embedder.dtype,
        "ours_s": ours_s, "ours_chunks": ours_chunks, "reused": sum(r.reused_vectors for r in report.results),
        "failed": [r.file for r in report.results if r.status == "failed"],
        "theirs_s": theirs["seconds"], "theirs_chunks": theirs["chunks"],
        "ours_recall": recall(ours_hits, questions), "theirs_recall": recall(theirs["hits"], questions),
        "texts": len(texts), "tokens": tokens, "raw_s": raw_s, "raw32_s": raw32_s, "peaks": peaks,
        "flops_per_token": flops_per_token(),
    }


def render(r: dict, command: str) -> str:
    m = machine_info()
    achieved = r["tokens"] * r["flops_per_token"] / r["raw_s"]
    achieved32 = r["tokens"] * r["flops_per_token"] / r["raw32_s"]
    peak = r["peaks"].get(r["dtype"], r["peaks"]["float32"])
    (ours_hit, n), (theirs_hit, _) = r["ours_recall"], r["theirs_recall"]
    lines = [
        SECTION, "",
        f"Generated by `{command}` on {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {m['cpu']}, {m['cores']} cores "
        f"(shared with other work), torch {m['torch']}; load average at the end {load_average()}.",
        f"{len(r['files'])} real filings, {r['mb']:.1f} MB: {', '.join(r['files'])}.",
        "",
        "| pipeline | seconds | chunks | chunks/s | MB/s | answer-bearing chunk in the top 6 |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| minerlens (`ingest_paths`, {r['dtype']}) | {r['ours_s']:.1f} | {r['ours_chunks']:,} | {r['ours_chunks'] / r['ours_s']:.1f} | "
        f"{r['mb'] / r['ours_s']:.3f} | {ours_hit}/{n} = {ours_hit / max(n, 1):.2f} |",
        f"| LangChain (BeautifulSoup, RecursiveCharacterTextSplitter, HuggingFaceEmbeddings, Chroma) | {r['theirs_s']:.1f} | "
        f"{r['theirs_chunks']:,} | {r['theirs_chunks'] / r['theirs_s']:.1f} | {r['mb'] / r['theirs_s']:.3f} | {theirs_hit}/{n} = {theirs_hit / max(n, 1):.2f} |",
        "",
        f"minerlens ingests these files {r['theirs_s'] / r['ours_s']:.2f}x as fast as the LangChain pipeline (wall time for the same bytes; "
        f"{r['reused']:,} of its chunks reused a vector of a text embedded before).",
        f"Raw embedder on minerlens's {r['texts']:,} distinct texts ({r['tokens']:,} tokens): {r['raw_s']:.1f} s in {r['dtype']} "
        f"({r['texts'] / r['raw_s']:.1f} texts/s), {r['raw32_s']:.1f} s in float32. The whole ingest runs at "
        f"{r['raw_s'] / r['ours_s']:.0%} of the raw embedder's rate in {r['dtype']}.",
        f"Matrix-multiply peak (best 2048^3 GEMM): bfloat16 {r['peaks']['bfloat16'] / 1e9:.0f} GFLOP/s, float32 {r['peaks']['float32'] / 1e9:.0f} GFLOP/s. "
        f"The embedder reaches {achieved / 1e9:.0f} GFLOP/s in {r['dtype']} ({achieved / peak:.0%} of that peak) and "
        f"{achieved32 / 1e9:.0f} GFLOP/s in float32 ({achieved32 / r['peaks']['float32']:.0%}), counting "
        f"{r['flops_per_token'] / 1e6:.1f} MFLOP per token (projections and feed-forward, padding not counted).",
    ]
    if r["failed"]:
        lines.append(f"Failed in minerlens: {', '.join(r['failed'])}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-python", required=True, help="python of the virtualenv with the LangChain packages")
    parser.add_argument("--filings-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--print", action="store_true", help="print the section; write nothing")
    args = parser.parse_args(argv)
    filings_dir = (args.filings_dir or get_settings().filings_dir).resolve()
    files = [filings_dir / name for name in FILES if (filings_dir / name).is_file()]
    if len(files) != len(FILES):
        print(f"benchmark_langchain: some of {FILES} are missing from {filings_dir}", file=sys.stderr)
        return 2
    section = render(run(files, args.baseline_python),
                     " ".join([".venv/bin/python scripts/benchmark_langchain.py", *(argv if argv is not None else sys.argv[1:])]))
    if not args.print:
        replace_section(args.out, section)
        print(f"wrote {args.out}")
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
