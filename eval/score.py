"""Scores: record precision/recall/F1 and per-field accuracy, per document and overall.

Rules (also printed in the report so nobody has to guess):
- A gold record marked `mention_only` or `component_of` is optional: matching it is fine (and
  its fields are scored), missing it is not an error, and the prediction matched to it is
  neither a true nor a false positive.
- A field is scored when the gold states it (non-null) or the prediction states it: the gold
  states a value and the prediction differs or is null -> wrong; the gold leaves it null (the
  document does not state it) and the prediction invents one -> wrong ("unsupported"). Null on
  both sides is not counted, so trivially empty predictions cannot inflate accuracy. A field
  absent from a gold record (the key itself) is not scored. `kind` is scored only when the gold
  gives one, since every prediction must carry a kind.
- Numbers are equal within 0.01% relative; dates, booleans and kinds compare exactly.
- A negative-control document fails when any debt instrument or contract is predicted for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eval.match import (
    contract_similarity,
    debt_similarity,
    match_records,
    name_similarity,
    numbers_equal,
    term_months_of,
)

DEBT_FIELDS = (
    "principal_usd", "option_usd", "outstanding_usd", "coupon_pct", "issue_date", "maturity_date",
    "maturity_year", "conversion_rate_per_1000", "conversion_price_usd", "secured", "kind",
)
NUMERIC_FIELDS = {
    "principal_usd", "option_usd", "outstanding_usd", "coupon_pct", "conversion_rate_per_1000",
    "conversion_price_usd", "capacity_mw", "gpus", "term_months", "total_contract_value_usd",
    "annual_revenue_usd",
}
CONTRACT_FIELDS = (
    "counterparty", "capacity_mw", "gpus", "term_months", "total_contract_value_usd",
    "annual_revenue_usd", "start_date",
)
# Counterparty names are free text ("Initial Customer (unnamed)" vs "the Initial Customer"):
# they agree when most significant words of the shorter name appear in the longer one.
COUNTERPARTY_MATCH = 0.5


def _optional(gold: dict) -> bool:
    return bool(gold.get("mention_only")) or gold.get("component_of") is not None


def values_equal(name: str, pred, gold) -> bool:
    if name in NUMERIC_FIELDS:
        return numbers_equal(pred, gold)
    if name == "maturity_year":
        return pred is not None and gold is not None and int(pred) == int(gold)
    return pred == gold


@dataclass
class FieldTally:
    correct: int = 0
    total: int = 0

    def add(self, other: FieldTally) -> None:
        self.correct += other.correct
        self.total += other.total

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0


@dataclass
class RecordScore:
    """Matching and field results for one kind of record (debt or contracts) over some documents."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    optional_matched: int = 0
    fields: dict[str, FieldTally] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, other: RecordScore) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.optional_matched += other.optional_matched
        for name, tally in other.fields.items():
            self.fields.setdefault(name, FieldTally()).add(tally)
        self.errors.extend(other.errors)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def field_correct(self) -> int:
        return sum(t.correct for t in self.fields.values())

    @property
    def field_total(self) -> int:
        return sum(t.total for t in self.fields.values())

    @property
    def field_accuracy(self) -> float:
        return self.field_correct / self.field_total if self.field_total else 1.0

    def to_dict(self) -> dict:
        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "optional_matched": self.optional_matched,
            "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
            "field_accuracy": round(self.field_accuracy, 4),
            "field_correct": self.field_correct, "field_total": self.field_total,
            "fields": {k: {"correct": t.correct, "total": t.total, "accuracy": round(t.accuracy, 4)}
                       for k, t in sorted(self.fields.items())},
            "errors": self.errors,
        }


def _label(record: dict) -> str:
    return str(record.get("name") or record.get("counterparty") or "?")[:60]


def _score_fields(score: RecordScore, pred: dict, gold: dict, names: tuple[str, ...], getters: dict) -> None:
    for name in names:
        if name not in gold and name not in getters:
            continue  # the gold does not speak to this field at all
        get = getters.get(name, lambda r, n=name: r.get(n))
        gold_value, pred_value = get(gold), get(pred)
        if name == "kind" and gold_value is None:
            continue
        if gold_value is None and pred_value is None:
            continue
        tally = score.fields.setdefault(name, FieldTally())
        tally.total += 1
        if gold_value is not None and pred_value is not None and values_equal(name, pred_value, gold_value):
            tally.correct += 1
        else:
            why = "unsupported" if gold_value is None else "missing" if pred_value is None else "wrong"
            score.errors.append(f"{_label(gold)}: {name} {why}: predicted {pred_value!r}, gold {gold_value!r}")


def score_records(preds: list[dict], golds: list[dict], kind: str) -> RecordScore:
    """Match and score one document's predictions of one kind ('debt' or 'contracts')."""
    if kind == "debt":
        similarity, names, getters = debt_similarity, DEBT_FIELDS, {}
    else:
        similarity, names = contract_similarity, CONTRACT_FIELDS
        getters = {
            "term_months": lambda r: term_months_of(r) if ("term_months" in r or "term_years" in r) else None,
            "counterparty": lambda r: r.get("counterparty"),
        }
    score = RecordScore()
    pairs = match_records(preds, golds, similarity)
    matched_pred = {p.pred for p in pairs}
    matched_gold = {p.gold for p in pairs}
    for pair in pairs:
        pred, gold = preds[pair.pred], golds[pair.gold]
        if _optional(gold):
            score.optional_matched += 1
        else:
            score.tp += 1
        if kind == "contracts":
            # Counterparty is judged by name overlap, not string equality.
            tally = score.fields.setdefault("counterparty", FieldTally())
            tally.total += 1
            if name_similarity(pred.get("counterparty"), gold.get("counterparty")) >= COUNTERPARTY_MATCH:
                tally.correct += 1
            else:
                score.errors.append(f"{_label(gold)}: counterparty wrong: predicted {pred.get('counterparty')!r}")
            _score_fields(score, pred, gold, tuple(n for n in names if n != "counterparty"), getters)
        else:
            _score_fields(score, pred, gold, names, getters)
    for index, pred in enumerate(preds):
        if index not in matched_pred:
            score.fp += 1
            score.errors.append(f"spurious: {_label(pred)}")
    for index, gold in enumerate(golds):
        if index not in matched_gold and not _optional(gold):
            score.fn += 1
            score.errors.append(f"missed: {_label(gold)}")
    return score


@dataclass
class DocumentScore:
    file: str
    negative: bool
    debt: RecordScore
    contracts: RecordScore | None  # None when no contract extractor ran
    error: str | None = None  # extraction failure, one line
    group: str = "in_sample"  # eval/gold/groups.jsonl
    issuer: str = ""

    @property
    def negative_failed(self) -> bool:
        if not self.negative:
            return False
        found = self.debt.tp + self.debt.fp + self.debt.optional_matched
        if self.contracts is not None:
            found += self.contracts.tp + self.contracts.fp + self.contracts.optional_matched
        return found > 0

    def to_dict(self) -> dict:
        return {
            "file": self.file, "group": self.group, "issuer": self.issuer,
            "negative": self.negative, "negative_failed": self.negative_failed,
            "error": self.error, "debt": self.debt.to_dict(),
            "contracts": self.contracts.to_dict() if self.contracts is not None else None,
        }


def score_document(file: str, negative: bool, pred_debt: list[dict], gold_debt: list[dict],
                   pred_contracts: list[dict] | None, gold_contracts: list[dict], error: str | None = None,
                   group: str = "in_sample", issuer: str = "") -> DocumentScore:
    debt = score_records(pred_debt, gold_debt, "debt")
    contracts = score_records(pred_contracts, gold_contracts, "contracts") if pred_contracts is not None else None
    return DocumentScore(file, negative, debt, contracts, error, group, issuer)


@dataclass
class EvalReport:
    documents: list[DocumentScore]

    @property
    def debt(self) -> RecordScore:
        total = RecordScore()
        for doc in self.documents:
            total.add(doc.debt)
        return total

    @property
    def contracts(self) -> RecordScore | None:
        scored = [d.contracts for d in self.documents if d.contracts is not None]
        if not scored:
            return None
        total = RecordScore()
        for part in scored:
            total.add(part)
        return total

    @property
    def negative_controls(self) -> list[DocumentScore]:
        return [d for d in self.documents if d.negative]

    def subset(self, keep) -> EvalReport:
        return EvalReport([d for d in self.documents if keep(d)])

    def by_group(self) -> dict[str, EvalReport]:
        """In-sample and out-of-sample apart: a rule's score on its own tuning set says little."""
        names = sorted({d.group for d in self.documents})
        return {g: self.subset(lambda d, g=g: d.group == g) for g in names}

    def by_issuer(self) -> dict[str, EvalReport]:
        names = sorted({d.issuer for d in self.documents})
        return {i: self.subset(lambda d, i=i: d.issuer == i) for i in names}

    def summary(self, prefix: str) -> dict[str, float]:
        """The overall scores of this set of documents, named `<prefix>.debt.f1` and so on."""
        out: dict[str, float] = {}
        debt = self.debt
        out.update({f"{prefix}.debt.precision": debt.precision, f"{prefix}.debt.recall": debt.recall,
                    f"{prefix}.debt.f1": debt.f1, f"{prefix}.debt.field_accuracy": debt.field_accuracy})
        contracts = self.contracts
        if contracts is not None:
            out.update({f"{prefix}.contracts.precision": contracts.precision,
                        f"{prefix}.contracts.recall": contracts.recall, f"{prefix}.contracts.f1": contracts.f1,
                        f"{prefix}.contracts.field_accuracy": contracts.field_accuracy})
        negatives = self.negative_controls
        if negatives:
            clean = sum(not d.negative_failed for d in negatives)
            out[f"{prefix}.negative_controls_clean"] = clean / len(negatives)
        return out

    def scores(self) -> dict[str, float]:
        """Flat name -> value map, every value higher-is-better; the baseline gate compares these."""
        out = self.summary("overall")
        for group, part in self.by_group().items():
            out.update(part.summary(f"group.{group}"))
        for doc in self.documents:
            out[f"doc.{doc.file}.debt.f1"] = doc.debt.f1
            out[f"doc.{doc.file}.debt.field_accuracy"] = doc.debt.field_accuracy
            if doc.contracts is not None:
                out[f"doc.{doc.file}.contracts.f1"] = doc.contracts.f1
                out[f"doc.{doc.file}.contracts.field_accuracy"] = doc.contracts.field_accuracy
        return {k: round(v, 4) for k, v in out.items()}

    def to_dict(self) -> dict:
        contracts = self.contracts
        return {
            "groups": {g: part.summary(g) for g, part in self.by_group().items()},
            "issuers": {i: part.summary(i) for i, part in self.by_issuer().items()},
            "overall": {
                "debt": self.debt.to_dict(),
                "contracts": contracts.to_dict() if contracts is not None else None,
                "negative_controls": {
                    "documents": len(self.negative_controls),
                    "failed": [d.file for d in self.negative_controls if d.negative_failed],
                },
            },
            "scores": self.scores(),
            "documents": [d.to_dict() for d in self.documents],
        }
