"""Gold labels for the eval suite: the shared filings' labels.jsonl, our corpus labels, our corrections.

Sources, merged in this order:
1. `<filings_dir>/labels.jsonl`: one line per real filing (read in place, never copied).
2. every `corpus/labels*.jsonl`: same line format, documents under `corpus/`; lines for the same
   file in several such files are merged (their instruments and contracts are concatenated).
3. `eval/gold/groups.jsonl`: one line per document, `{"file", "group", "added", "why"}`. The group is
   `in_sample` (rules were written while reading it) or `out_of_sample` (scored before any rule was
   changed for it). It is set when the document is added and never moved: a document that has been
   tuned on stays in its group, and the issue notes say which out-of-sample issuers were tuned on.
   A gold document without a group line is refused, so nobody can add one and forget to decide.
4. `eval/gold/corrections.jsonl`: one line per label proven wrong by reading the document:
   `{"file", "section": "debt_instruments"|"hpc_contracts", "instrument": name or index,
     "field", "old", "new", "quote"}`. `old` must equal the current label value, so a
   correction that no longer applies (the upstream label was fixed) fails loudly instead of
   silently overwriting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import BadInput, NotFound
from service.config import get_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO_ROOT / "corpus"
CORRECTIONS_PATH = Path(__file__).resolve().parent / "gold" / "corrections.jsonl"
GROUPS_PATH = Path(__file__).resolve().parent / "gold" / "groups.jsonl"
GROUPS = ("in_sample", "out_of_sample")


@dataclass
class GoldDocument:
    """What a careful analyst extracts from one document."""

    file: str
    path: Path  # where the document itself lives
    negative: bool
    debt_instruments: list[dict] = field(default_factory=list)
    hpc_contracts: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # label files that contributed
    group: str = "in_sample"  # see eval/gold/groups.jsonl

    @property
    def issuer(self) -> str:
        """The ticker the file is named after (`CEPO_10-Q_...`, `contracts/APLD_...`)."""
        return Path(self.file).name.split("_")[0].upper()


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path.name} line {number}: not JSON ({exc.msg})", path=str(path)) from exc
    return rows


def _merge(docs: dict[str, GoldDocument], row: dict, base_dir: Path, source: Path) -> None:
    name = row.get("file")
    if not name:
        raise BadInput(f"{source.name}: a label line has no 'file'", path=str(source))
    debts = list(row.get("debt_instruments") or [])
    contracts = list(row.get("hpc_contracts") or [])
    negative = bool(row.get("negative"))
    doc = docs.get(name)
    if doc is None:
        docs[name] = GoldDocument(name, base_dir / name, negative, debts, contracts, [source.name])
        return
    doc.debt_instruments.extend(debts)
    doc.hpc_contracts.extend(contracts)
    # A document is a negative control only if every label file says so.
    doc.negative = doc.negative and negative
    doc.sources.append(source.name)


def _find_record(records: list[dict], key: str | int, where: str) -> dict:
    if isinstance(key, int):
        if not 0 <= key < len(records):
            raise BadInput(f"correction for {where}: no record at index {key}")
        return records[key]
    matches = [r for r in records if (r.get("name") or r.get("counterparty")) == key]
    if len(matches) != 1:
        raise BadInput(f"correction for {where}: {len(matches)} records named {key!r}, expected one")
    return matches[0]


def apply_corrections(docs: dict[str, GoldDocument], corrections: list[dict]) -> None:
    """Apply proven corrections in place; refuse one whose `old` no longer matches the label."""
    for fix in corrections:
        for required in ("file", "instrument", "field", "old", "new", "quote"):
            if required not in fix:
                raise BadInput(f"correction {fix!r} lacks {required!r}")
        doc = docs.get(fix["file"])
        if doc is None:
            raise BadInput(f"correction names {fix['file']!r}, which has no gold labels")
        section = fix.get("section", "debt_instruments")
        if section not in ("debt_instruments", "hpc_contracts"):
            raise BadInput(f"correction section {section!r} must be debt_instruments or hpc_contracts")
        where = f"{fix['file']} {section}"
        record = _find_record(getattr(doc, section), fix["instrument"], where)
        current = record.get(fix["field"])
        if current != fix["old"]:
            raise BadInput(
                f"correction for {where} {fix['instrument']!r}.{fix['field']}: label is {current!r}, "
                f"correction expects {fix['old']!r} (stale correction?)"
            )
        record[fix["field"]] = fix["new"]
        record.setdefault("corrected", []).append(fix["field"])


def assign_groups(docs: dict[str, GoldDocument], rows: list[dict]) -> None:
    """Set each document's group from its groups.jsonl line; refuse a document without one."""
    groups = {}
    for row in rows:
        if row.get("group") not in GROUPS:
            raise BadInput(f"groups.jsonl: {row.get('file')!r} has group {row.get('group')!r}, expected one of {GROUPS}")
        groups[row["file"]] = row["group"]
    missing = sorted(set(docs) - set(groups))
    if missing:
        raise BadInput(f"no eval group for {', '.join(missing)}",
                       hint="Add a line to eval/gold/groups.jsonl when a document is added (in_sample or out_of_sample).")
    for name, doc in docs.items():
        doc.group = groups[name]


def load_gold(
    filings_dir: Path | None = None,
    corpus_dir: Path | None = None,
    corrections_path: Path | None = None,
    groups_path: Path | None = None,
) -> dict[str, GoldDocument]:
    """All gold documents by file name, corrections applied."""
    filings_dir = Path(filings_dir) if filings_dir is not None else get_settings().filings_dir
    corpus_dir = Path(corpus_dir) if corpus_dir is not None else CORPUS_DIR
    corrections_path = Path(corrections_path) if corrections_path is not None else CORRECTIONS_PATH
    groups_path = Path(groups_path) if groups_path is not None else GROUPS_PATH

    labels = filings_dir / "labels.jsonl"
    if not labels.is_file():
        raise NotFound(
            f"no gold labels at {labels}",
            hint="Set MINERLENS_FILINGS_DIR to the folder holding the real filings and labels.jsonl.",
        )
    docs: dict[str, GoldDocument] = {}
    for row in _read_jsonl(labels):
        _merge(docs, row, filings_dir, labels)
    if corpus_dir.is_dir():
        for path in sorted(corpus_dir.glob("labels*.jsonl")):
            for row in _read_jsonl(path):
                _merge(docs, row, corpus_dir, path)
    if corrections_path.is_file():
        apply_corrections(docs, _read_jsonl(corrections_path))
    assign_groups(docs, _read_jsonl(groups_path) if groups_path.is_file() else [])
    return docs
