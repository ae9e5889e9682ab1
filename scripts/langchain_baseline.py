"""The plain LangChain pipeline a user would write instead of minerlens, for scripts/benchmark_langchain.py.

BeautifulSoup text, `RecursiveCharacterTextSplitter` at 254 tokens (32 overlap) of the same
tokenizer, `HuggingFaceEmbeddings` with the same MiniLM weights, `Chroma.from_documents`. It runs in
its own virtualenv (the baseline's packages are installed for the benchmark only: see
`make bench-langchain`), and prints one JSON object: seconds to ingest (model loaded and warmed
before the clock starts), chunks, and the top-k chunks of every question given.

Usage (by the benchmark): python scripts/langchain_baseline.py --model DIR --store DIR --questions FILE --k 6 FILE...
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bs4 import BeautifulSoup  # noqa: E402
from langchain_chroma import Chroma  # noqa: E402
from langchain_core.documents import Document  # noqa: E402
from langchain_huggingface import HuggingFaceEmbeddings  # noqa: E402
from langchain_text_splitters import RecursiveCharacterTextSplitter  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--questions", required=True)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    embeddings = HuggingFaceEmbeddings(model_name=args.model, model_kwargs={"device": "cpu"},
                                       encode_kwargs={"normalize_embeddings": True})
    embeddings.embed_documents(["warm up the model before any timing"] * 8)
    splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        AutoTokenizer.from_pretrained(args.model), chunk_size=254, chunk_overlap=32)

    started = time.perf_counter()
    docs = []
    for name in args.files:
        path = Path(name)
        text = BeautifulSoup(path.read_bytes(), "html.parser").get_text("\n")
        docs.extend(splitter.split_documents([Document(page_content=text, metadata={"source": path.name})]))
    store = Chroma.from_documents(docs, embeddings, persist_directory=args.store)
    seconds = time.perf_counter() - started

    hits = {}
    for line in Path(args.questions).read_text().splitlines():
        q = json.loads(line)
        hits[q["id"]] = [{"document": d.metadata["source"], "text": d.page_content}
                         for d in store.similarity_search(q["question"], k=args.k)]
    json.dump({"seconds": seconds, "chunks": len(docs), "hits": hits}, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
