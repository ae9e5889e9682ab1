"""The answers eval: scoring rules on hand-made answers, and the gate over the real filings."""

from __future__ import annotations

import json
from pathlib import Path

from eval.answers import BASELINE_PATH, load_questions, main, states_number, summarize
from eval.run import read_baseline

REPO = Path(__file__).resolve().parents[2]


def test_numbers_match_within_rounding():
    assert states_number("net leverage 0.84x", 0.839)
    assert states_number("principal amount is $850,000,000", 850_000_000)
    assert states_number("$1.15 billion", 1_150_000_000)
    assert not states_number("net leverage 0.86x", 0.839)
    assert not states_number("28.9 shares", 38.5902)


def test_refusal_precision_and_recall():
    rows = [
        {"must_refuse": True, "refused": True, "correct": True, "invented_citations": 0, "cites_expected": None, "retrieval_hit": None, "expected_kind": "refusal"},
        {"must_refuse": True, "refused": False, "correct": False, "invented_citations": 1, "cites_expected": None, "retrieval_hit": None, "expected_kind": "refusal"},
        {"must_refuse": False, "refused": True, "correct": False, "invented_citations": 0, "cites_expected": False, "retrieval_hit": True, "expected_kind": "lookup"},
    ]
    scores = summarize(rows)
    assert scores["answers.refusal_recall"] == 0.5
    assert scores["answers.refusal_precision"] == 0.5
    assert scores["answers.citation_correctness"] == round(2 / 3, 4)


def test_question_set_covers_every_kind():
    questions = load_questions()
    assert len(questions) >= 60
    kinds = {q["kind"] for q in questions}
    assert kinds == {"lookup", "metric", "comparison", "passage", "refusal"}
    assert sum(q["must_refuse"] for q in questions) >= 10
    assert all(q.get("numbers") or q.get("contains") for q in questions if not q["must_refuse"])


def test_answers_over_real_filings_hold_the_baseline(pristine_data_dir, tmp_path):
    """The CI gate: every question over the session's ingest of the real filings and corpus/; no
    score below its baseline, no invented citation, every must-refuse question refused."""
    out = tmp_path / "answers.json"
    code = main(["--data-dir", str(pristine_data_dir), "--out", str(out)])
    report = json.loads(out.read_text())
    assert report["scores"]["answers.accuracy"] >= 0.9
    assert report["scores"]["answers.citation_correctness"] == 1.0
    assert report["scores"]["answers.refusal_recall"] == 1.0
    assert read_baseline(BASELINE_PATH)
    assert code == 0


def test_every_question_set_is_its_own_group():
    from eval.answers import QUESTION_SETS, load_sets, summarize_groups

    rows = load_sets(QUESTION_SETS)
    assert {r["group"] for r in rows} == {"in_sample", "out_of_sample", "fresh"}
    scored = [{"group": r["group"], "must_refuse": r["must_refuse"], "refused": r["must_refuse"], "correct": True, "invented_citations": 0,
               "cites_expected": None, "retrieval_hit": None, "expected_kind": r["kind"], "split": r.get("split")} for r in rows]
    scores = summarize_groups(scored)
    assert {"answers.accuracy", "answers.out_of_sample.accuracy", "answers.out_of_sample.accuracy.split.holdout", "answers.fresh.accuracy"} <= set(scores)
