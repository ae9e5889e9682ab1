"""`python -m eval.answers`: ask every question of each question set, score the answers, gate on a baseline.

Three sets, each scored as its own group (a question's group is its file, never moved):

- `in_sample` (eval/questions.jsonl): written while the rules were written, over the first filings;
  its scores keep their plain names (`answers.accuracy`, ...);
- `out_of_sample` (eval/questions_oos.jsonl): other issuers' filings, split `dev` / `holdout` by
  issuer; scores named `answers.out_of_sample.*`, with `...accuracy.split.dev` / `.holdout`;
- `fresh` (eval/questions_oos2.jsonl): questions labelled from the filings before any code was
  changed for them; scores named `answers.fresh.*`.

Expected answers were written by reading the documents (numbers within rounding, phrases that must
appear), with the documents that state them and the questions that must be refused. Scores:

- answer accuracy: a must-refuse question is refused; any other is answered (not refused), states
  every expected number (within rounding) and phrase;
- citation correctness: every citation's quote is found in the document it names (an invented
  citation is a hard failure), and an answered question cites at least one expected document;
- refusal precision and recall over the must-refuse questions;
- retrieval recall@5: an expected document is among the top 5 hits of the hybrid search with the
  filters the question implies.

Runs over an ingested data dir (MINERLENS_DATA_DIR, or --data-dir); `--ingest` ingests the real
filings and corpus/ into it first. Exit codes: 0 at or above the baseline with no invented citation
and every must-refuse refused, 1 otherwise, 2 the eval could not run. The baseline lives in its own
file (eval/answers_baseline.json) so the extraction gate of eval.run is unchanged.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from collections.abc import Iterable
from typing import Any

from eval.run import compare_to_baseline, read_baseline
from extract.normalize import find_money, find_numbers, find_percents
from ingest.errors import MinerlensError

REPO = Path(__file__).resolve().parent.parent
QUESTIONS_PATH = Path(__file__).resolve().parent / "questions.jsonl"
# (group, file): every set `main` scores by default, each summarised on its own.
QUESTION_SETS: tuple[tuple[str, Path], ...] = (
    ("in_sample", QUESTIONS_PATH),
    ("out_of_sample", Path(__file__).resolve().parent / "questions_oos.jsonl"),
    ("fresh", Path(__file__).resolve().parent / "questions_oos2.jsonl"),
)
BASELINE_PATH = Path(__file__).resolve().parent / "answers_baseline.json"
DEFAULT_OUT = Path("var/eval/answers.json")
TOLERANCE = 0.005


def load_questions(path: Path = QUESTIONS_PATH) -> list[dict]:
    if not path.is_file():
        raise MinerlensError(f"no question set at {path}")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise MinerlensError(f"{path.name} line {n} is not JSON: {exc.msg}") from exc
    return rows


def load_sets(sets: Iterable[tuple[str | None, Path]]) -> list[dict]:
    """Every question of each (group, file); a row keeps its own `group` when the file gives one
    (questions_oos.jsonl says "out_of_sample"), else takes the set's (the file stem when None)."""
    rows = []
    for group, path in sets:
        for row in load_questions(path):
            row.setdefault("group", group or ("in_sample" if path.name == QUESTIONS_PATH.name else path.stem))
            rows.append(row)
    return rows


# -- matching ---------------------------------------------------------------------------------


def numbers_in(text: str) -> list[float]:
    values = [v for v, _ in find_money(text)] + [v for v, _ in find_percents(text)] + [v for v, _ in find_numbers(text)]
    values += [-v for v in values]  # "-$26,590,000" and "+$688,000" read either way
    return values


def states_number(text: str, expected: float, values: list[float] | None = None) -> bool:
    """Within rounding: half a percent of the value, or the last shown decimal of a small ratio."""
    values = numbers_in(text) if values is None else values
    tolerance = max(abs(expected) * 0.005, 0.006 if abs(expected) < 10 else 0.5)
    return any(abs(v - expected) <= tolerance for v in values)


def states_as_written(text: str, expected: list[float]) -> bool | None:
    """Every expected number with decimals appears with all its decimals ("28.9159", never a rounded
    "28.916" or "approximately $25.91"). None when no expected number has decimals."""
    digits = text.replace(",", "")
    decimal = [repr(float(n)) for n in expected if float(n) != int(n)]
    return all(d in digits for d in decimal) if decimal else None


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower().replace("’", "'"))


class DocumentTexts:
    """Document text by file name, parsed from the original the pipeline stored, to check that
    each quote is really in the document it cites."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline
        self._docs = {d["file"]: d for d in pipeline.db.list_documents()}
        self._text: dict[str, str] = {}

    def contains(self, document: str, quote: str) -> bool:
        doc = self._docs.get(document)
        needle = _alnum(quote)
        if doc is None or not needle:
            return False
        if document not in self._text:
            from ingest.parse import parse_path

            stored = next((self.pipeline.settings.data_dir / "documents").glob(f"{doc['sha256']}.*"), None)
            self._text[document] = _alnum(parse_path(stored, ticker=doc.get("ticker")).text) if stored else ""
        return needle in self._text[document]


def score_item(item: dict, answer: dict, texts: DocumentTexts, retrieved: list[str]) -> dict:
    refused = bool(answer["insufficient_evidence"])
    text = answer["answer"]
    problems: list[str] = []
    if item["must_refuse"]:
        correct = refused
        if not refused:
            problems.append("answered a must-refuse question")
    else:
        values = numbers_in(text)
        missing_numbers = [n for n in item.get("numbers", []) if not states_number(text, n, values)]
        missing_phrases = [p for p in item.get("contains", []) if p.lower() not in text.lower()]
        # A group of spellings of one fact ("2030-04-06" or "April 6, 2030"): any one will do.
        missing_phrases += [" or ".join(g) for g in item.get("contains_any", []) if not any(p.lower() in text.lower() for p in g)]
        correct = not refused and not missing_numbers and not missing_phrases
        if refused:
            problems.append("refused")
        problems += [f"number {n:g} not stated" for n in missing_numbers] + [f"'{p}' not stated" for p in missing_phrases]
    invented = [c for c in answer["citations"] if not texts.contains(c["document"], c["quote"])]
    problems += [f"invented citation: {c['document']}: {c['quote'][:80]}" for c in invented]
    expected_docs = set(item.get("evidence", []))
    cites_expected = bool(expected_docs & {c["document"] for c in answer["citations"]}) if expected_docs else None
    if cites_expected is False and not refused:
        problems.append("cites none of the expected documents")
    if refused and answer["citations"]:
        problems.append("a refusal with citations")
    return {
        "id": item["id"], "group": item.get("group"), "question": item["question"], "expected_kind": item["kind"], "kind": answer["kind"],
        "must_refuse": item["must_refuse"], "refused": refused, "correct": correct,
        "citations": len(answer["citations"]), "invented_citations": len(invented),
        "cites_expected": cites_expected,
        "split": item.get("split"), "as_stated": (None if item["must_refuse"] or refused else states_as_written(text, item.get("numbers", []))),
        "retrieval_hit": (bool(expected_docs & set(retrieved)) if expected_docs and not item["must_refuse"] else None),
        "answer": text, "problems": problems,
    }


def summarize(rows: list[dict], prefix: str = "answers") -> dict[str, float]:
    """Scores of one group's rows, each named `<prefix>.<score>`."""
    def share(flags: list[bool]) -> float:
        return sum(flags) / len(flags) if flags else 1.0

    answerable = [r for r in rows if not r["must_refuse"]]
    refused = [r for r in rows if r["refused"]]
    must = [r for r in rows if r["must_refuse"]]
    scores = {
        "accuracy": share([r["correct"] for r in rows]),
        "citation_correctness": share([r["invented_citations"] == 0 for r in rows]),
        "cites_expected_document": share([bool(r["cites_expected"]) for r in answerable if not r["refused"] and r["cites_expected"] is not None]),
        "refusal_precision": share([r["must_refuse"] for r in refused]),
        "refusal_recall": share([r["refused"] for r in must]),
        "retrieval_recall_at_5": share([bool(r["retrieval_hit"]) for r in answerable if r["retrieval_hit"] is not None]),
        "numbers_as_stated": share([r["as_stated"] for r in rows if r.get("as_stated") is not None]),
    }
    for split in sorted({r["split"] for r in rows if r.get("split")}):
        scores[f"accuracy.split.{split}"] = share([r["correct"] for r in rows if r.get("split") == split])
    for kind in sorted({r["expected_kind"] for r in rows}):
        scores[f"accuracy.{kind}"] = share([r["correct"] for r in rows if r["expected_kind"] == kind])
    return {f"{prefix}.{k}": round(v, 4) for k, v in scores.items()}


def group_prefix(group: str) -> str:
    """In-sample scores keep their plain names; every other group's are `answers.<group>.*`."""
    return "answers" if group == "in_sample" else f"answers.{group}"


def summarize_groups(rows: list[dict]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for group in dict.fromkeys(r.get("group") or "in_sample" for r in rows):
        scores.update(summarize([r for r in rows if (r.get("group") or "in_sample") == group], group_prefix(group)))
    return scores


def run_questions(pipeline: Any, questions: list[dict]) -> dict:
    from service.domain.answer import Answerer, Sources  # noqa: F401 - the same Answerer Pipeline.ask uses
    from service.domain.question import understand

    from ingest.companies import Directory

    texts = DocumentTexts(pipeline)
    directory = Directory.from_filings(pipeline.db.company_names())
    rows, timings = [], []
    for item in questions:
        started = time.perf_counter()
        answer = pipeline.ask(item["question"], ticker=item.get("ticker")).model_dump()
        timings.append((time.perf_counter() - started) * 1000)
        retrieved = [h.document for h in _retrieve(pipeline, understand(item["question"], item.get("ticker"), directory))]
        rows.append(score_item(item, answer, texts, retrieved))
    timings.sort()
    return {"questions": rows, "scores": summarize_groups(rows),
            "latency_ms": {"p50": timings[len(timings) // 2], "p95": timings[int(len(timings) * 0.95) - 1] if timings else 0.0}}


def _retrieve(pipeline: Any, q: Any) -> list:
    filters: dict[str, Any] = {}
    if len(q.tickers) == 1:
        filters["ticker"] = q.tickers[0]
    elif q.tickers:
        filters["ticker"] = list(q.tickers)
    if q.form:
        filters["form"] = q.form
    return pipeline.search(q.topic if q.tickers and q.topic.strip() else (q.query or q.text), k=5, **filters)


def format_report(report: dict) -> str:
    lines = [f"{'id':4} {'kind':10} {'got':10} ok  cites  question", "-" * 100]
    group = None
    for r in report["questions"]:
        if r.get("group") != group:
            group = r.get("group")
            lines.append(f"-- {group or 'in_sample'}")
        mark = "yes" if r["correct"] else "NO "
        lines.append(f"{r['id']:4} {r['expected_kind']:10} {r['kind']:10} {mark} {r['citations']:5}  {r['question'][:70]}")
        for p in r["problems"]:
            lines.append(f"{'':30}- {p}")
    lines.append("")
    lines += [f"{name:40} {value:.4f}" for name, value in report["scores"].items()]
    lines.append(f"{'ask latency p50 / p95 (ms)':40} {report['latency_ms']['p50']:.1f} / {report['latency_ms']['p95']:.1f}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval.answers", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="an ingested data dir (default: MINERLENS_DATA_DIR)")
    parser.add_argument("--ingest", action="store_true", help="ingest the real filings and corpus/ into it first")
    parser.add_argument("--questions", type=Path, action="append",
                        help="score only this question file (repeatable); default: every set of QUESTION_SETS, each its own group")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--baseline", type=Path, default=BASELINE_PATH)
    parser.add_argument("--update-baseline", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from service.config import Settings, get_settings
    from service.app import build_pipeline

    try:
        questions = load_sets([(None, p) for p in args.questions] if args.questions else QUESTION_SETS)
        settings = get_settings()
        if args.data_dir:
            settings = Settings(**{**settings.model_dump(), "data_dir": args.data_dir, "database_url": None})
        pipeline = build_pipeline(settings)
        if args.ingest:
            pipeline.ingest_paths([settings.filings_dir, REPO / "corpus"])
        if not pipeline.db.list_documents():
            raise MinerlensError(f"no documents in {settings.data_dir}; run with --ingest or point --data-dir at an ingested dir")
        baseline = read_baseline(args.baseline)
    except MinerlensError as exc:
        print(f"eval.answers: {exc.message}", file=sys.stderr)
        return 2
    report = run_questions(pipeline, questions)
    print(format_report(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    scores = report["scores"]
    if args.update_baseline:
        # A file scored alone updates only its own scores; the other groups' floors stay.
        merged = {**baseline, **scores} if args.questions else scores
        args.baseline.write_text(json.dumps({"tolerance": TOLERANCE, "scores": merged}, indent=2) + "\n", encoding="utf-8")
        print(f"\nbaseline updated: {args.baseline}")
        return 0
    # A file scored alone (--questions) is gated only on the scores it produced.
    drops = compare_to_baseline(scores, baseline if not args.questions else {k: v for k, v in baseline.items() if k in scores}, TOLERANCE)
    hard = []
    for name, value in scores.items():
        if name.endswith(".citation_correctness") and value < 1.0:
            hard.append(f"{name}: an answer cites a quote its document does not contain")
        if name.endswith(".refusal_recall") and value < 1.0:
            hard.append(f"{name}: a must-refuse question was answered")
    for line in drops + hard:
        print(f"FAIL {line}")
    return 1 if drops or hard else 0


if __name__ == "__main__":
    sys.exit(main())
