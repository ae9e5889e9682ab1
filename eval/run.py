"""`python -m eval` / `minerlens-eval`: extract every labelled document, score it, gate on the baseline.

Exit codes: 0 all scores at or above the baseline (within tolerance), 1 a score dropped or a
negative control produced records, 2 the eval could not run (no labels, bad baseline).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eval.gold import GoldDocument, load_gold
from eval.score import DocumentScore, EvalReport, score_document
from ingest.errors import BadInput, MinerlensError
from service.app import build_llm
from service.config import get_settings

BASELINE_PATH = Path(__file__).resolve().parent / "baseline.json"
DEFAULT_OUT = Path("var/eval/latest.json")
TOLERANCE = 0.005  # absorbs float noise and one-off rounding, not a real regression


@dataclass
class Extractors:
    """The extraction functions available in this checkout; contracts may not exist yet."""

    debt: Callable
    contracts: Callable | None


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def load_extractors(llm=None) -> Extractors:
    """The rule-based extractors; with `llm` (an `extract.llm.LlmClient`), debt records go through
    the LLM fill the pipeline uses in LLM mode (each proposed value through the same evidence gate)."""
    debt = importlib.import_module("extract.debt").extract_debt
    if llm is not None:
        rules = debt

        def debt(doc):
            return [llm.fill(record, doc) for record in rules(doc)]

    contracts = None
    if _module_exists("extract.contracts"):
        contracts = importlib.import_module("extract.contracts").extract_contracts
    return Extractors(debt, contracts)


def _parse(path: Path):
    from ingest.parse import parse_path

    return parse_path(path)


def evaluate_document(gold: GoldDocument, extractors: Extractors) -> DocumentScore:
    """Parse and extract one document; an exception becomes the document's error, scored as empty."""
    pred_debt: list[dict] = []
    pred_contracts: list[dict] | None = [] if extractors.contracts is not None else None
    errors = []
    try:
        doc = _parse(gold.path)
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the eval
        doc = None
        errors.append(f"parse: {type(exc).__name__}: {exc}")
    if doc is not None:
        try:
            pred_debt = [r.model_dump() for r in extractors.debt(doc)]
        except Exception as exc:  # noqa: BLE001
            errors.append(f"debt: {type(exc).__name__}: {exc}")
        if extractors.contracts is not None:
            try:
                pred_contracts = [r.model_dump() for r in extractors.contracts(doc)]
            except Exception as exc:  # noqa: BLE001
                errors.append(f"contracts: {type(exc).__name__}: {exc}")
    return score_document(gold.file, gold.negative, pred_debt, gold.debt_instruments,
                          pred_contracts, gold.hpc_contracts, "; ".join(errors) or None,
                          group=gold.group, issuer=gold.issuer)


def run_eval(gold: dict[str, GoldDocument] | None = None, extractors: Extractors | None = None,
             files: list[str] | None = None) -> EvalReport:
    gold = gold if gold is not None else load_gold()
    extractors = extractors if extractors is not None else load_extractors()
    names = sorted(gold) if not files else files
    missing = [n for n in names if n not in gold]
    if missing:
        raise MinerlensError(f"no gold labels for {', '.join(missing)}")
    return EvalReport([evaluate_document(gold[n], extractors) for n in names])


def compare_to_baseline(scores: dict[str, float], baseline: dict[str, float],
                        tolerance: float = TOLERANCE) -> list[str]:
    """One line per score that fell below its baseline, or that the baseline has and the run lacks."""
    drops = []
    for name, floor in sorted(baseline.items()):
        if name not in scores:
            drops.append(f"{name}: missing (baseline {floor:.4f})")
        elif scores[name] < floor - tolerance:
            drops.append(f"{name}: {scores[name]:.4f} < baseline {floor:.4f}")
    return drops


def read_baseline(path: Path) -> dict[str, float]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MinerlensError(f"baseline {path} is not JSON: {exc.msg}") from exc
    return {k: float(v) for k, v in data.get("scores", {}).items()}


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}"


def format_report(report: EvalReport) -> str:
    """A plain-text table: one row per document, then the overall row and the field breakdown."""
    lines = []
    header = f"{'document':34} {'debt tp/fp/fn':>13} {'F1':>6} {'fields':>12} {'contracts tp/fp/fn':>18} {'F1':>6} {'fields':>12}"
    lines += [header, "-" * len(header)]

    def row(name: str, debt, contracts, note: str = "") -> str:
        cells = f"{name[:34]:34} {f'{debt.tp}/{debt.fp}/{debt.fn}':>13} {_pct(debt.f1):>6} "
        cells += f"{f'{debt.field_correct}/{debt.field_total}':>7} {_pct(debt.field_accuracy)}"
        if contracts is not None:
            cells += f" {f'{contracts.tp}/{contracts.fp}/{contracts.fn}':>18} {_pct(contracts.f1):>6} "
            cells += f"{f'{contracts.field_correct}/{contracts.field_total}':>7} {_pct(contracts.field_accuracy)}"
        return cells + note

    groups = report.by_group()
    for group, part in groups.items():
        lines.append(f"[{group}]")
        for doc in part.documents:
            note = ""
            if doc.negative:
                note = "  NEGATIVE CONTROL FAILED" if doc.negative_failed else "  (negative control ok)"
            if doc.error:
                note += f"  error: {doc.error[:80]}"
            lines.append(row(doc.file, doc.debt, doc.contracts, note))
    lines.append("-" * len(header))
    for group, part in groups.items():
        lines.append(row(f"GROUP {group}", part.debt, part.contracts))
    if "out_of_sample" in groups:
        for issuer, part in groups["out_of_sample"].by_issuer().items():
            lines.append(row(f"  issuer {issuer}", part.debt, part.contracts))
    lines.append(row("OVERALL", report.debt, report.contracts))
    lines.append("")
    for title, score in (("debt", report.debt), ("contracts", report.contracts)):
        if score is None:
            lines.append(f"{title}: no extractor (extract/contracts.py absent)")
            continue
        lines.append(f"{title}: precision {_pct(score.precision)}  recall {_pct(score.recall)}  "
                     f"F1 {_pct(score.f1)}  field accuracy {_pct(score.field_accuracy)}")
        for name, tally in sorted(score.fields.items()):
            lines.append(f"    {name:26} {tally.correct:3}/{tally.total:<3} {_pct(tally.accuracy)}")
    failed = [d.file for d in report.negative_controls if d.negative_failed]
    lines.append(f"negative controls: {len(report.negative_controls) - len(failed)}/{len(report.negative_controls)} clean"
                 + (f"; failed: {', '.join(failed)}" if failed else ""))
    return "\n".join(lines)


def format_errors(report: EvalReport) -> str:
    lines = []
    for doc in report.documents:
        problems = doc.debt.errors + (doc.contracts.errors if doc.contracts else [])
        if problems:
            lines.append(doc.file)
            lines += [f"    {p}" for p in problems]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON report")
    parser.add_argument("--baseline", type=Path, default=BASELINE_PATH)
    parser.add_argument("--update-baseline", action="store_true", help="store this run's scores as the baseline")
    parser.add_argument("--file", action="append", dest="files", help="evaluate only this labelled file (repeatable)")
    parser.add_argument("--errors", action="store_true", help="also list every mismatch")
    parser.add_argument("--llm", action="store_true",
                        help="score LLM mode (needs MINERLENS_LLM_BASE_URL); never gated on the baseline")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
        llm = build_llm(settings) if args.llm else None
        if args.llm and llm is None:
            raise BadInput("--llm needs an endpoint", hint="Set MINERLENS_LLM_BASE_URL (and _MODEL) to an OpenAI-compatible server.")
        report = run_eval(files=args.files, extractors=load_extractors(llm))
        baseline = read_baseline(args.baseline)
    except MinerlensError as exc:
        print(f"eval: {exc}" + (f" ({exc.hint})" if exc.hint else ""), file=sys.stderr)
        return 2
    print(format_report(report))
    if args.errors:
        print()
        print(format_errors(report))
    payload = report.to_dict()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    scores = report.scores()
    if args.llm:
        # The baseline measures the rules; LLM mode is reported beside it, with its warnings counted.
        print(f"\nLLM mode against {settings.llm_base_url}: compare with a run without --llm")
        return 0
    if args.update_baseline:
        if args.files:
            print("eval: --update-baseline needs a full run (no --file)", file=sys.stderr)
            return 2
        args.baseline.write_text(json.dumps({"tolerance": TOLERANCE, "scores": scores}, indent=2) + "\n",
                                 encoding="utf-8")
        print(f"\nbaseline updated: {args.baseline}")
        return 0
    if args.files:
        baseline = {k: v for k, v in baseline.items() if any(f".{f}." in k for f in args.files)}
    drops = compare_to_baseline(scores, baseline)
    failed_negatives = [d.file for d in report.negative_controls if d.negative_failed]
    print(f"\nreport: {args.out}")
    if drops:
        print("below baseline:\n  " + "\n  ".join(drops))
    if failed_negatives:
        print("negative controls produced records: " + ", ".join(failed_negatives))
    return 1 if drops or failed_negatives else 0


if __name__ == "__main__":
    sys.exit(main())
