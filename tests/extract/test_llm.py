"""The LLM-assisted mode against a real local model (llama.cpp serving Gemma 3 270M), no fakes.

The model is tiny and often wrong; the point is that whatever it says, only values the document
states survive the evidence gate. The gate's own behaviour on the known failure (an amount read
without its unit word) is pinned with real filings' sentences.
"""

from __future__ import annotations

import re

import pytest

from extract.debt import extract_debt
from extract.llm import (
    LLM_LOCATOR_SUFFIX,
    Proposal,
    apply_proposals,
    check_synthesis,
    llm_fill,
    llm_synthesize,
    missing_fields,
    propose,
)
from extract.records import DebtInstrument, Evidence
from ingest.errors import UpstreamError
from service.config import Settings
from tests.llm_server import MODEL_ALIAS, free_port, serve_model

MARA = "MARA_8-K_2024-12-04.htm"
# The terms removed from the rule-based record before asking the model; the document's values.
REMOVED = {
    "principal_usd": 850000000.0,
    "maturity_date": "2031-06-01",
    "conversion_rate_per_1000": 28.9159,
    "conversion_price_usd": 34.583,
    "secured": False,
}


def settings(base_url: str | None, timeout_s: float = 240.0) -> Settings:
    # Small max_tokens keeps each call to seconds on two cores.
    return Settings(llm_base_url=base_url, llm_model=MODEL_ALIAS, llm_api_key=None, llm_timeout_s=timeout_s, llm_max_tokens=400)


@pytest.fixture(scope="module")
def model_url(tmp_path_factory) -> str:
    with serve_model(n_ctx=2048, log_dir=tmp_path_factory.mktemp("llama")) as url:
        yield url


@pytest.fixture(scope="module")
def mara(filing):
    doc = filing(MARA)
    notes = next(r for r in extract_debt(doc) if r.maturity_year == 2031)
    # The rule-based record, as it holds all five terms, anchors what the document states.
    assert {f: getattr(notes, f) for f in REMOVED} == REMOVED
    stripped = notes.model_copy(
        update={**{f: None for f in REMOVED}, "evidence": [e for e in notes.evidence if e.field not in REMOVED]}
    )
    return doc, notes, stripped


def test_fill_keeps_only_values_the_document_states(model_url, mara):
    doc, notes, stripped = mara
    cfg = settings(model_url)
    proposals = propose(stripped, doc, cfg)
    asked = set(missing_fields(stripped))
    assert set(REMOVED) <= asked
    # The model answered something: the gate has values to judge, so the checks below cannot pass vacuously.
    assert len(proposals) >= 2, proposals
    assert {p.field for p in proposals} <= asked

    filled = apply_proposals(stripped, doc, proposals)
    verdicts = [w for w in filled.warnings if w.startswith("llm: dropped")]
    kept = [p for p in proposals if getattr(filled, p.field) is not None]
    # Every proposal was judged: kept, or dropped with a warning naming it.
    assert len(kept) + len(verdicts) == len({p.field for p in proposals})
    for p in kept:
        # What survives is the document's value, backed by the model's quote found in the filing.
        assert getattr(filled, p.field) == getattr(notes, p.field), p
        llm_quotes = [e for e in filled.evidence if e.field == p.field and e.locator.endswith(LLM_LOCATOR_SUFFIX)]
        assert llm_quotes and llm_quotes[0].quote == p.quote
    for p in proposals:
        if getattr(filled, p.field) is None:
            assert any(w.startswith(f"llm: dropped {p.field}=") for w in verdicts), (p, verdicts)
    # The values the rules found are untouched, whatever the model said about them.
    for name in ("option_usd", "coupon_pct", "issue_date", "maturity_year"):
        assert getattr(filled, name) == getattr(notes, name)


def test_gate_drops_an_amount_read_without_its_unit_and_keeps_the_right_one(filing):
    doc = filing("CLSK_8-K_2025-11-25.txt")
    quote = "We recently closed a landmark $1.15 billion 0% convertible transaction"
    record = DebtInstrument(name="0% convertible notes", kind="convertible")
    wrong = apply_proposals(record, doc, [Proposal("principal_usd", 1.15, quote)])
    assert wrong.principal_usd is None
    assert wrong.warnings == ["llm: dropped principal_usd=1.15: quote not found in document or does not state the value"]
    right = apply_proposals(record, doc, [Proposal("principal_usd", 1150000000, quote), Proposal("coupon_pct", 0.0, quote)])
    assert (right.principal_usd, right.coupon_pct, right.warnings) == (1150000000.0, 0.0, [])
    assert {e.field for e in right.evidence} == {"principal_usd", "coupon_pct"}


def test_gate_drops_invented_quotes_and_never_overrides_rule_values(mara):
    doc, notes, stripped = mara
    invented = "The notes will mature on June 1, 2033."  # not in the filing
    out = apply_proposals(
        stripped,
        doc,
        [
            Proposal("maturity_date", "2033-06-01", invented),
            Proposal("secured", True, "The notes are senior unsecured obligations of the Company."),
            Proposal("conversion_price_usd", 34.583, None),  # right value, no quote: not kept
            Proposal("coupon_pct", 5.0, "The notes will bear interest at 5.0%"),  # rules already said 0.0
            Proposal("conversion_rate_per_1000", "twenty-eight", "28.9159 shares per $1,000"),  # not a number
        ],
    )
    assert (out.maturity_date, out.secured, out.conversion_price_usd) == (None, None, None)
    assert out.conversion_rate_per_1000 is None
    assert out.coupon_pct == 0.0 and out.maturity_year == 2031
    assert sorted(w.split(":")[1].split("=")[0] for w in out.warnings) == [
        " dropped conversion_price_usd", " dropped conversion_rate_per_1000", " dropped maturity_date", " dropped secured"
    ]


def test_synthesize_cites_only_given_evidence(model_url, mara):
    _, notes, _ = mara
    evidence = [e for e in notes.evidence if e.field in ("principal_usd", "maturity_date")][:2]
    result = llm_synthesize("How much did MARA raise in its 2031 convertible notes, and when do they mature?", evidence, settings(model_url))
    assert result.text
    assert all(0 <= i < len(evidence) for i in result.cited)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", result.text)}
    assert markers <= {1, 2}
    assert markers == {i + 1 for i in result.cited}


def test_synthesis_check_drops_invented_citations_and_flags_unsupported_numbers(mara):
    _, notes, _ = mara
    evidence = [next(e for e in notes.evidence if e.field == "principal_usd")]
    text = "MARA sold $850,000,000 of notes [1] maturing in 2033 [4], converting at $34.58 per share [0]."
    result = check_synthesis(text, "How much did MARA raise?", evidence)
    assert result.cited == [0]
    assert result.text == "MARA sold $850,000,000 of notes [1] maturing in 2033, converting at $34.58 per share."
    assert result.unsupported_numbers == ["2033", "$34.58"]


def test_endpoint_down_is_one_line_upstream_error(mara):
    doc, _, stripped = mara
    down = settings(f"http://127.0.0.1:{free_port()}/v1", timeout_s=5.0)
    with pytest.raises(UpstreamError) as err:
        llm_fill(stripped, doc, down)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith(f"LLM endpoint {down.llm_base_url} failed: ")
    assert "failed: Connection error." in str(err.value)  # in words: no exception class names
    with pytest.raises(UpstreamError):
        llm_synthesize("q", [Evidence(document="d", locator="l", quote="$1")], down)


def test_off_by_default_is_a_no_op(mara):
    doc, _, stripped = mara
    assert llm_fill(stripped, doc, settings(None)) is stripped
    assert tuple(llm_synthesize("q", [Evidence(document="d", locator="l", quote="$1")], settings(None))) == ("", [], [])
