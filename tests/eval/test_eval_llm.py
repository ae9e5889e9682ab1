"""`python -m eval --llm`: LLM mode scored the same way as the rules, against a real local model."""

from __future__ import annotations

import json

import pytest

from eval.run import main
from tests.llm_server import MODEL_ALIAS, serve_model

# A filing whose rule-based records leave terms null, so the model is asked for them.
FILE = "CEPO_8-K_2025-08-07.txt"


@pytest.fixture(scope="module")
def model_url(tmp_path_factory) -> str:
    with serve_model(n_ctx=2048, log_dir=tmp_path_factory.mktemp("llama")) as url:
        yield url


def _run(tmp_path, *extra: str) -> dict:
    out = tmp_path / f"report{len(extra)}.json"
    assert main(["--file", FILE, "--out", str(out), *extra]) == 0
    return json.loads(out.read_text())


def test_llm_mode_is_scored_and_its_values_pass_the_same_gate(model_url, tmp_path, monkeypatch):
    rules = _run(tmp_path)
    monkeypatch.setenv("MINERLENS_LLM_BASE_URL", model_url)
    monkeypatch.setenv("MINERLENS_LLM_MODEL", MODEL_ALIAS)
    monkeypatch.setenv("MINERLENS_LLM_MAX_TOKENS", "400")
    llm = _run(tmp_path, "--llm")
    # The tiny test model proposes little that a quote supports; whatever it adds went through the
    # evidence gate, so the instruments found are the rules' and no field that was right turns wrong.
    before, after = rules["overall"]["debt"], llm["overall"]["debt"]
    assert (after["tp"], after["fp"], after["fn"]) == (before["tp"], before["fp"], before["fn"])
    assert after["field_correct"] >= before["field_correct"]


def test_llm_mode_without_an_endpoint_is_refused_with_a_reason(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("MINERLENS_LLM_BASE_URL", raising=False)
    assert main(["--llm", "--file", FILE, "--out", str(tmp_path / "x.json")]) == 2
    assert "--llm needs an endpoint" in capsys.readouterr().err
