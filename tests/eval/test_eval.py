"""Eval suite: matching and scoring on hand-made records, gold loading, and the baseline gate."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eval.gold import apply_corrections, load_gold
from eval.match import debt_similarity, match_records, name_similarity
from eval.run import compare_to_baseline, main, read_baseline
from eval.score import EvalReport, score_document, score_records
from ingest.errors import BadInput, NotFound

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def filings_dir(monkeypatch) -> Path:
    path = Path(os.environ.get("MINERLENS_FILINGS_DIR", REPO.parent / "shared" / "filings"))
    monkeypatch.setenv("MINERLENS_FILINGS_DIR", str(path))
    return path


def mara_2030(**changes) -> dict:
    record = {
        "name": "0.00% convertible senior notes due 2030", "kind": "convertible",
        "principal_usd": 1_000_000_000, "outstanding_usd": None, "coupon_pct": 0.0,
        "issue_date": "2024-11-20", "maturity_date": "2030-03-01", "maturity_year": 2030,
        "conversion_rate_per_1000": 38.5902, "conversion_price_usd": 25.9133, "secured": False,
    }
    record.update(changes)
    return record


def mara_2026_mention() -> dict:
    return {"name": "existing convertible notes due 2026", "kind": "convertible", "principal_usd": None,
            "maturity_year": 2026, "mention_only": True}


# --- matching ------------------------------------------------------------------------------


def test_name_similarity_ignores_boilerplate_words():
    assert name_similarity("2030 Notes", "0.00% Convertible Senior Notes due 2030") == 1.0
    assert name_similarity("Coinbase line of credit", "Western Alliance Bank Credit Agreement") == pytest.approx(1 / 3)


def test_matching_pairs_by_terms_not_by_order_or_name():
    gold = [mara_2026_mention(), mara_2030()]
    preds = [mara_2030(name="the Notes"), {"name": "2026 convertible notes", "kind": "convertible", "maturity_year": 2026}]
    pairs = match_records(preds, gold, debt_similarity)
    assert sorted((p.pred, p.gold) for p in pairs) == [(0, 1), (1, 0)]


def test_conflicting_terms_do_not_match():
    gold = [mara_2030()]
    preds = [{"name": "convertible notes due 2031", "kind": "convertible", "coupon_pct": 2.125,
              "maturity_year": 2031, "principal_usd": 300_000_000}]
    assert match_records(preds, gold, debt_similarity) == []


# --- scoring -------------------------------------------------------------------------------


def test_perfect_prediction_scores_one():
    score = score_records([mara_2030()], [mara_2030()], "debt")
    assert (score.tp, score.fp, score.fn) == (1, 0, 0)
    assert score.f1 == 1.0
    # 10 stated fields; option_usd and outstanding_usd are null on both sides and not counted.
    assert (score.field_correct, score.field_total) == (9, 9)


def test_wrong_conversion_rate_lowers_field_accuracy():
    score = score_records([mara_2030(conversion_rate_per_1000=38.5)], [mara_2030()], "debt")
    assert score.f1 == 1.0
    assert score.fields["conversion_rate_per_1000"].correct == 0
    assert score.field_accuracy == pytest.approx(8 / 9)
    assert any("conversion_rate_per_1000 wrong" in e for e in score.errors)


def test_numbers_equal_within_one_basis_point_of_relative_error():
    score = score_records([mara_2030(principal_usd=1_000_050_000)], [mara_2030()], "debt")
    assert score.fields["principal_usd"].correct == 1
    score = score_records([mara_2030(principal_usd=1_000_200_000)], [mara_2030()], "debt")
    assert score.fields["principal_usd"].correct == 0


def test_null_versus_value_is_wrong_both_ways():
    missing = score_records([mara_2030(maturity_date=None)], [mara_2030()], "debt")
    assert missing.fields["maturity_date"].correct == 0 and missing.fields["maturity_date"].total == 1
    invented = score_records([mara_2030(outstanding_usd=1_000_000_000)], [mara_2030()], "debt")
    assert invented.fields["outstanding_usd"].correct == 0 and invented.fields["outstanding_usd"].total == 1
    assert any("outstanding_usd unsupported" in e for e in invented.errors)


def test_field_absent_from_gold_record_is_not_scored():
    gold = mara_2030()  # states no option_usd key at all
    score = score_records([mara_2030(option_usd=150_000_000)], [gold], "debt")
    assert "option_usd" not in score.fields


def test_mention_only_gold_may_be_missed_or_matched():
    gold = [mara_2030(), mara_2026_mention()]
    missed = score_records([mara_2030()], gold, "debt")
    assert (missed.tp, missed.fp, missed.fn, missed.f1) == (1, 0, 0, 1.0)
    found = score_records([mara_2030(), {"name": "2026 notes", "kind": "convertible", "maturity_year": 2026}], gold, "debt")
    assert (found.tp, found.fp, found.fn, found.optional_matched) == (1, 0, 0, 1)


def test_spurious_and_missed_instruments_lower_precision_and_recall():
    spurious = {"name": "ATM program", "kind": "other", "principal_usd": 500_000_000}
    score = score_records([mara_2030(), spurious], [mara_2030()], "debt")
    assert (score.tp, score.fp, score.fn) == (1, 1, 0)
    assert score.precision == 0.5 and score.f1 == pytest.approx(2 / 3)
    score = score_records([], [mara_2030()], "debt")
    assert (score.recall, score.f1) == (0.0, 0.0)


def test_spurious_instrument_on_negative_control_fails_it():
    spurious = {"name": "Real Property Purchase Agreement", "kind": "other", "principal_usd": 18_750_000}
    failed = score_document("CLSK_8-K_2024-05-09.htm", True, [spurious], [], [], [])
    clean = score_document("CLSK_8-K_2024-05-09.htm", True, [], [], [], [])
    assert failed.negative_failed and not clean.negative_failed
    report = EvalReport([failed, clean])
    assert report.scores()["overall.negative_controls_clean"] == 0.5


def test_scores_are_reported_per_group_and_per_issuer():
    mara = score_document("MARA_8-K_2024-11-21.htm", False, [mara_2030()], [mara_2030()], [], [],
                          group="in_sample", issuer="MARA")
    missed = score_document("CEPO_8-K_2025-08-07.txt", False, [], [mara_2030()], [], [],
                            group="out_of_sample", issuer="CEPO")
    report = EvalReport([mara, missed])
    scores = report.scores()
    assert (scores["group.in_sample.debt.f1"], scores["group.out_of_sample.debt.f1"]) == (1.0, 0.0)
    assert scores["overall.debt.recall"] == 0.5
    assert report.to_dict()["issuers"]["CEPO"]["CEPO.debt.recall"] == 0.0


def test_contract_scoring_derives_term_months_and_matches_counterparty_by_words():
    gold = {"counterparty": "Initial Customer (unnamed)", "gpus": 2048, "capacity_mw": None, "term_years": 3,
            "total_contract_value_usd": None, "annual_revenue_usd": 50_000_000, "start_date": "2024-01-22"}
    pred = {"counterparty": "the Initial Customer", "gpus": 2048, "term_months": 36,
            "annual_revenue_usd": 50_000_000, "start_date": "2024-01-22"}
    score = score_records([pred], [gold], "contracts")
    assert (score.tp, score.fp, score.fn) == (1, 0, 0)
    assert score.fields["term_months"].correct == 1
    assert score.fields["counterparty"].correct == 1
    assert score.field_accuracy == 1.0


# --- gold ----------------------------------------------------------------------------------


def test_gold_loads_real_labels_and_merges_corpus_files(filings_dir, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    line = {"file": "pr_a.txt", "negative": False, "debt_instruments": [mara_2030()], "hpc_contracts": []}
    (corpus / "labels.jsonl").write_text(json.dumps(line) + "\n")
    more = {"file": "pr_a.txt", "negative": False, "debt_instruments": [], "hpc_contracts": [{"counterparty": "CoreWeave"}]}
    (corpus / "labels_contracts.jsonl").write_text(json.dumps(more) + "\n")
    groups = tmp_path / "groups.jsonl"
    real_groups = (REPO / "eval" / "gold" / "groups.jsonl").read_text()
    groups.write_text(real_groups + json.dumps({"file": "pr_a.txt", "group": "out_of_sample"}) + "\n")
    gold = load_gold(filings_dir, corpus, tmp_path / "none.jsonl", groups)
    assert gold["MARA_8-K_2024-11-21.htm"].debt_instruments[0]["conversion_rate_per_1000"] == 38.5902
    assert gold["MARA_8-K_2024-11-21.htm"].group == "in_sample"
    assert gold["CEPO_10-Q_2025-08-14.txt"].group == "out_of_sample"
    assert gold["CEPO_10-Q_2025-08-14.txt"].issuer == "CEPO"
    assert gold["pr_a.txt"].group == "out_of_sample"
    assert gold["FUFU_6-K_2024-08-20.htm"].negative is True
    merged = gold["pr_a.txt"]
    assert merged.path == corpus / "pr_a.txt"
    assert [len(merged.debt_instruments), len(merged.hpc_contracts)] == [1, 1]


def test_a_document_without_an_eval_group_is_refused(filings_dir, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    line = {"file": "pr_b.txt", "negative": True, "debt_instruments": [], "hpc_contracts": []}
    (corpus / "labels.jsonl").write_text(json.dumps(line) + "\n")
    with pytest.raises(BadInput, match="no eval group for pr_b.txt"):
        load_gold(filings_dir, corpus, tmp_path / "none.jsonl")


def test_every_real_filing_has_a_group_and_the_new_issuers_are_out_of_sample(filings_dir):
    gold = load_gold(filings_dir)
    out = sorted({d.issuer for d in gold.values() if d.group == "out_of_sample"})
    assert out == ["BMNR", "CEPO", "CWD", "DFDV", "DJT", "FGNX", "FWDI", "GAME", "HSDT", "SBET", "SUIG",
                   "TBH", "TRON", "TWAV"]
    assert sum(d.group == "out_of_sample" for d in gold.values()) == 26


def test_missing_labels_file_is_a_clear_error(tmp_path):
    with pytest.raises(NotFound, match="no gold labels"):
        load_gold(tmp_path, tmp_path, tmp_path / "none.jsonl")


def test_stale_correction_is_refused(filings_dir, tmp_path):
    gold = load_gold(filings_dir, tmp_path, tmp_path / "none.jsonl")
    fix = {"file": "MARA_8-K_2024-11-21.htm", "instrument": 0, "field": "principal_usd", "old": 5,
           "new": 6, "quote": "x"}
    with pytest.raises(BadInput, match="stale correction"):
        apply_corrections(gold, [fix])
    fix["old"] = 1_000_000_000
    fix["new"] = 1_150_000_000
    apply_corrections(gold, [fix])
    assert gold["MARA_8-K_2024-11-21.htm"].debt_instruments[0]["principal_usd"] == 1_150_000_000


def test_corrections_file_applies_to_current_labels_and_quotes_the_document(filings_dir):
    """Every stored correction still applies, and its quote is in the document it corrects."""
    path = REPO / "eval" / "gold" / "corrections.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    gold = load_gold(filings_dir)  # raises on a stale correction
    from ingest.parse import parse_path

    for row in rows:
        text = " ".join(parse_path(gold[row["file"]].path).text.split())
        assert " ".join(row["quote"].split()) in text, row


# --- baseline gate -------------------------------------------------------------------------


def test_compare_to_baseline_flags_drops_beyond_tolerance_and_missing_scores():
    baseline = {"overall.debt.f1": 0.9, "overall.debt.field_accuracy": 0.95, "doc.X.debt.f1": 1.0}
    scores = {"overall.debt.f1": 0.897, "overall.debt.field_accuracy": 0.90}
    drops = compare_to_baseline(scores, baseline, tolerance=0.005)
    assert drops == ["doc.X.debt.f1: missing (baseline 1.0000)",
                     "overall.debt.field_accuracy: 0.9000 < baseline 0.9500"]


@pytest.mark.slow  # extracts every labelled real filing
def test_eval_over_real_filings_is_not_below_baseline(filings_dir, tmp_path):
    """The CI gate: every stored score holds, and no negative control yields a record."""
    out = tmp_path / "latest.json"
    assert main(["--out", str(out)]) == 0
    report = json.loads(out.read_text())
    baseline = read_baseline(REPO / "eval" / "baseline.json")
    assert baseline, "eval/baseline.json holds no scores"
    assert compare_to_baseline(report["scores"], baseline) == []
    assert report["overall"]["negative_controls"]["failed"] == []
