"""A check that needs no hand labels: the text extractor scored against the debt facts the filer tagged.

On an inline-XBRL 10-Q/10-K the filer has already tagged many debt terms (face amount, stated rate,
conversion ratio and price, maturity, a facility's capacity). Hiding those facts and running the
extractor on what is left (prose and tables) asks: would the text alone have given the same numbers?
Every tagged value the extractor recovers, in the field it belongs to, counts as found.

    python -m eval.xbrl_hidden [--out var/eval/xbrl_hidden.json] [FILE ...]

This is recall against the filer's own tags, not accuracy: a tag may describe an instrument the
document only mentions, and the extractor may state terms the filer did not tag.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from eval.gold import GROUPS_PATH, _read_jsonl
from eval.match import numbers_equal
from ingest.errors import MinerlensError
from ingest.types import Document, XbrlFact
from service.config import get_settings

DEFAULT_OUT = Path("var/eval/xbrl_hidden.json")
PERIODIC_FORMS = ("10-Q", "10-K", "10-Q/A", "10-K/A")

# Tagged concept -> the record field that states the same thing.
CONCEPT_FIELDS = {
    "us-gaap:DebtInstrumentFaceAmount": "principal_usd",
    "us-gaap:LineOfCreditFacilityMaximumBorrowingCapacity": "principal_usd",
    "us-gaap:DebtInstrumentInterestRateStatedPercentage": "coupon_pct",
    "us-gaap:DebtInstrumentConvertibleConversionRatio1": "conversion_rate_per_1000",
    "us-gaap:DebtInstrumentConvertibleConversionPrice1": "conversion_price_usd",
    "us-gaap:DebtInstrumentMaturityDate": "maturity_date",
}


@dataclass(frozen=True)
class Tagged:
    """One distinct tagged debt value: which instrument (the axis member), which field, what value."""

    member: str
    field: str
    value: float | str
    concept: str
    text: str


@dataclass
class DocumentCheck:
    file: str
    group: str
    tagged: list[Tagged] = field(default_factory=list)
    found: list[Tagged] = field(default_factory=list)
    error: str | None = None

    @property
    def missed(self) -> list[Tagged]:
        return [t for t in self.tagged if t not in self.found]


def _value(fact: XbrlFact, name: str) -> float | str | None:
    value = fact.value
    if name == "maturity_date":
        return value if isinstance(value, str) and len(value) == 10 else None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if name == "coupon_pct":
        return round(value * 100, 6)  # tagged as a fraction (0.0075), recorded in percent
    if name == "conversion_rate_per_1000" and value < 1:
        return round(value * 1000, 6)  # some filers tag shares per $1 of principal
    return float(value)


def tagged_debt_values(doc: Document) -> list[Tagged]:
    """Distinct (member, field, value) triples of the debt facts `doc` tags on a debt member."""
    out: dict[tuple, Tagged] = {}
    for fact in doc.facts:
        name = CONCEPT_FIELDS.get(fact.concept)
        if name is None or not fact.dimensions:
            continue
        if "srt:RangeAxis" in fact.dimensions:
            continue  # a minimum or maximum of a range ("8.9% to 10.5%") is not one instrument's term
        value = _value(fact, name)
        if value is None:
            continue
        member = ",".join(sorted(fact.dimensions.values()))
        out.setdefault((member, name, value), Tagged(member, name, value, fact.concept, fact.text))
    return list(out.values())


def without_facts(doc: Document) -> Document:
    """The same document with every XBRL fact removed: only its prose and tables remain."""
    parts = [dataclasses.replace(part, facts=[]) for part in doc.parts]
    return dataclasses.replace(doc, parts=parts)


def _recovered(tag: Tagged, records: list[dict]) -> bool:
    for record in records:
        got = record.get(tag.field)
        if got is None:
            continue
        if isinstance(tag.value, str) and got == tag.value:
            return True
        if isinstance(tag.value, float) and numbers_equal(float(got), tag.value):
            return True
    return False


def check_document(path: Path, group: str) -> DocumentCheck | None:
    """None when `path` is not a periodic report with tagged debt terms."""
    from extract.debt import extract_debt
    from ingest.parse import parse_path

    doc = parse_path(path)
    if doc.filing.form not in PERIODIC_FORMS:
        return None
    tagged = tagged_debt_values(doc)
    if not tagged:
        return None
    check = DocumentCheck(path.name, group, tagged)
    try:
        records = [r.model_dump() for r in extract_debt(without_facts(doc))]
    except Exception as exc:  # noqa: BLE001 - one document's failure is its row, not the run's end
        check.error = f"{type(exc).__name__}: {exc}"
        return check
    check.found = [t for t in tagged if _recovered(t, records)]
    return check


def run(paths: list[Path], groups: dict[str, str]) -> list[DocumentCheck]:
    checks = []
    for path in paths:
        check = check_document(path, groups.get(path.name, "unlabelled"))
        if check is not None:
            checks.append(check)
    return checks


def summary(checks: list[DocumentCheck]) -> dict:
    """Recall overall, per group and per field."""
    def recall(subset: list[DocumentCheck], name: str | None = None) -> dict:
        tagged = [t for c in subset for t in c.tagged if name is None or t.field == name]
        found = [t for c in subset for t in c.found if name is None or t.field == name]
        return {"tagged": len(tagged), "found": len(found), "recall": round(len(found) / len(tagged), 4) if tagged else None}

    groups = sorted({c.group for c in checks})
    fields = sorted({t.field for c in checks for t in c.tagged})
    return {
        "overall": recall(checks),
        "groups": {g: recall([c for c in checks if c.group == g]) for g in groups},
        "fields": {f: recall(checks, f) for f in fields},
        "documents": [{"file": c.file, "group": c.group, "error": c.error, **recall([c]),
                       "missed": [dataclasses.asdict(t) for t in c.missed]} for c in checks],
    }


def format_summary(result: dict) -> str:
    lines = [f"{'document':34} {'group':14} {'found/tagged':>12} {'recall':>7}"]
    for doc in result["documents"]:
        lines.append(f"{doc['file'][:34]:34} {doc['group']:14} {doc['found']:>5}/{doc['tagged']:<6} {doc['recall']:>7}"
                     + (f"  error: {doc['error'][:60]}" if doc["error"] else ""))
    for name, part in [("OVERALL", result["overall"]), *[(f"group {g}", p) for g, p in result["groups"].items()],
                       *[(f"field {f}", p) for f, p in result["fields"].items()]]:
        lines.append(f"{name[:49]:49} {part['found']:>5}/{part['tagged']:<6} {part['recall']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.xbrl_hidden", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="documents to check (default: every filing)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        paths = args.files or sorted(p for p in get_settings().filings_dir.iterdir()
                                     if p.suffix in (".htm", ".html", ".txt") and p.name != "README.md")
        groups = {row["file"]: row["group"] for row in _read_jsonl(GROUPS_PATH)}
        result = summary(run(paths, groups))
    except MinerlensError as exc:
        print(f"xbrl_hidden: {exc}", file=sys.stderr)
        return 2
    print(format_summary(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
