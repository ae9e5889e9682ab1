"""The optional LLM-assisted mode: a language model proposes, the evidence gate disposes.

Off by default: with no `llm_base_url` every function here is a no-op (or says so). When set,
any OpenAI-compatible endpoint is called through langchain's ChatOpenAI:

- `llm_fill` asks the model for the debt terms the rules left null, each with the verbatim
  sentence that states it, then runs every proposal through `extract.evidence.verify`, the same
  gate rule-based values pass. A wrong reading ("$1.15 billion" returned as 1.15) or a quote the
  document does not contain is dropped with a warning; values the rules already found are never
  replaced.
- `llm_synthesize` writes an answer from numbered evidence; citations to numbers it was not given
  are removed, and numbers in its text that no evidence (or the question) states are flagged.

Endpoint down, timeout, or output that is not the JSON asked for → `UpstreamError` with a
one-line message; callers keep the rule-based result.

Small local models (llama.cpp serving a 270M model) are the test target, so prompts are short:
only the document sentences that can state the missing terms are sent, and the structured output
goes through function calling (llama.cpp constrains decoding to the tool's JSON schema; its
`json_schema` response format answers HTTP 500). `max_tokens` travels in `extra_body` because
newer OpenAI clients send `max_completion_tokens`, which llama.cpp ignores.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple, Protocol

from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field, ValidationError, create_model

from extract.evidence import normalize_for_search, verify
from extract.normalize import find_money, find_numbers, find_percents, parse_date
from extract.records import DebtInstrument, Evidence
from ingest.errors import UpstreamError
from ingest.types import Document

# Fields that name or classify the record, or are bookkeeping: never asked of the model.
_NOT_ASKED = {"ticker", "name", "kind", "evidence", "warnings", "xbrl_member", "mention_only", "outstanding_as_of"}
# Most-asked terms first: a small model's output budget covers only a few fields per call.
_PRIORITY = [
    "principal_usd", "coupon_pct", "maturity_date", "maturity_year", "conversion_rate_per_1000",
    "conversion_price_usd", "issue_date", "option_usd", "secured", "rate_text", "outstanding_usd",
    "carrying_value_usd",
]  # fmt: skip
_ISO_FIELDS = {"issue_date", "maturity_date", "outstanding_as_of"}
LLM_LOCATOR_SUFFIX = " · llm"
_QUOTE_CHARS = 240  # long enough for a term's sentence, short enough to bound the output

# Words that tend to sit in the sentence stating each term: used to pick the excerpt sent to the
# model, so a 2,048-token context holds the sentences that matter rather than the cover page.
_FIELD_CUES: dict[str, tuple[str, ...]] = {
    "principal_usd": ("aggregate principal amount", "principal amount", "offering of", "commitment", "up to $"),
    "option_usd": ("option to purchase", "additional", "option"),
    "outstanding_usd": ("outstanding",),
    "carrying_value_usd": ("carrying", "net of"),
    "coupon_pct": ("interest", "per annum", "% "),
    "rate_text": ("sofr", "prime", "margin", "plus"),
    "issue_date": ("issued", "entered into", "dated as of", "closed", "completed"),
    "maturity_date": ("mature", "maturity", "due"),
    "maturity_year": ("mature", "maturity", "due"),
    "conversion_rate_per_1000": ("conversion rate", "per $1,000"),
    "conversion_price_usd": ("conversion price", "per share"),
    "secured": ("secured", "unsecured", "collateral"),
}
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+(?=[A-Z(“\"$])|\n+")


class LlmSettings(Protocol):
    """What this module reads from service.config.Settings (extract may not import service)."""

    llm_base_url: str | None
    llm_model: str | None
    llm_api_key: str | None


class Proposal(NamedTuple):
    """One value the model proposed for a field, with the sentence it quoted for it."""

    field: str
    value: object
    quote: str | None


class Synthesis(NamedTuple):
    """An LLM-written answer: text with only valid [n] markers, which evidence it cites (0-based
    indexes into the list it was given), and numbers in the text that no evidence states."""

    text: str
    cited: list[int]
    unsupported_numbers: list[str]


class LlmClient:
    """The configured endpoint, built once at the composition root (`service.app.build_llm`) and
    handed to whoever needs the model: the pipeline fills terms, the answerer synthesizes."""

    def __init__(self, settings: LlmSettings) -> None:
        self.settings = settings

    def fill(self, record: DebtInstrument, doc: Document) -> DebtInstrument:
        return llm_fill_or_keep(record, doc, self.settings)

    def synthesize(self, question: str, evidence: list[Evidence]) -> Synthesis:
        return llm_synthesize(question, evidence, self.settings)


def enabled(settings: LlmSettings) -> bool:
    return bool(getattr(settings, "llm_base_url", None))


# --------------------------------------------------------------------------------------------
# Filling debt terms the rules missed.


def llm_fill(record: DebtInstrument, doc: Document, settings: LlmSettings) -> DebtInstrument:
    """`record` with the null fields the model could fill and the gate could verify; unchanged
    when the mode is off or nothing is missing. Raises UpstreamError when the endpoint fails."""
    if not enabled(settings) or not missing_fields(record):
        return record
    return apply_proposals(record, doc, propose(record, doc, settings))


def llm_fill_or_keep(record: DebtInstrument, doc: Document, settings: LlmSettings) -> DebtInstrument:
    """`llm_fill`, except that an endpoint failure costs only the model's help: the rule-based record
    stands, with a warning that says why."""
    try:
        return llm_fill(record, doc, settings)
    except UpstreamError as exc:
        return record.model_copy(update={"warnings": [*record.warnings, f"llm: {exc.message}"]})


def missing_fields(record: DebtInstrument) -> list[str]:
    """The value fields the rules left null, the terms analysts ask for first leading: the only
    ones the model is asked for."""
    missing = [name for name in DebtInstrument.model_fields if name not in _NOT_ASKED and getattr(record, name) is None]
    return sorted(missing, key=lambda name: _PRIORITY.index(name) if name in _PRIORITY else len(_PRIORITY))


def propose(
    record: DebtInstrument, doc: Document, settings: LlmSettings, *, excerpt_chars: int = 3000, max_fields: int = 3
) -> list[Proposal]:
    """Ask the model for up to `max_fields` of `record`'s missing fields (most-asked first); its raw
    proposals, not yet verified. Each field costs a quote and a value in the model's output."""
    fields = missing_fields(record)[:max_fields]
    if not fields:
        return []
    schema = proposal_schema(fields)
    excerpt = select_excerpt(doc, record, fields, excerpt_chars)
    wanted = "\n".join(f"- {name}: {DebtInstrument.model_fields[name].description}" for name in fields)
    # One user message: several chat templates (Gemma's among them) drop system messages.
    messages = [
        HumanMessage(
            "You read SEC filings for credit analysts. Fill the requested terms of one debt instrument "
            "from the excerpt only. For each term give the value and, in <term>_quote, the exact "
            "sentence of the excerpt that states it, copied verbatim. Amounts are full US dollars "
            "(\"$1.15 billion\" is 1150000000). Use null when the excerpt does not state a term.\n\n"
            f"Instrument: {record.name} ({record.kind})\nTerms wanted:\n{wanted}\n\nExcerpt from {doc.file}:\n{excerpt}"
        ),
    ]
    structured = _chat(settings).with_structured_output(schema, method="function_calling", include_raw=True)
    result = _invoke(structured, messages, settings)
    parsed = result.get("parsed") if isinstance(result, dict) else None
    if parsed is None:
        error = result.get("parsing_error") if isinstance(result, dict) else None
        raw = result.get("raw") if isinstance(result, dict) else None
        if not error and getattr(raw, "response_metadata", {}).get("finish_reason") == "length":
            error = "output cut at llm_max_tokens"
        raise UpstreamError(
            f"LLM endpoint returned no usable {schema.__name__} JSON: {_one_line(error) or 'empty reply'}",
            hint="Check MINERLENS_LLM_MODEL supports function calling; rule-based values stand.",
        )
    return proposals_from(parsed, fields)


def proposal_schema(fields: list[str]) -> type[BaseModel]:
    """A pydantic model with each missing field (its records.py type and description) followed by
    `<field>_quote`, the verbatim sentence stating it; every key required, null allowed. Quotes are
    length-bounded: servers that decode by grammar (llama.cpp) then cannot ramble past the budget."""
    spec: dict[str, Any] = {}
    for name in fields:
        info = DebtInstrument.model_fields[name]
        spec[name] = (info.annotation, Field(..., description=info.description))
        spec[f"{name}_quote"] = (
            str | None,
            Field(..., max_length=_QUOTE_CHARS, description=f"Verbatim sentence from the excerpt stating {name}; null if not stated."),
        )
    return create_model("DebtTerms", __doc__="Terms of one debt instrument, each with its quote.", **spec)


def proposals_from(parsed: BaseModel, fields: list[str]) -> list[Proposal]:
    """The non-null values in the model's reply, dates normalised to ISO."""
    out = []
    for name in fields:
        value = getattr(parsed, name, None)
        if value is None or value == "":
            continue
        if name in _ISO_FIELDS and isinstance(value, str):
            # A date written as in the filing ("June 1, 2031") is the model quoting, not guessing.
            value = parse_date(value) or value
        out.append(Proposal(name, value, getattr(parsed, f"{name}_quote", None)))
    return out


def apply_proposals(record: DebtInstrument, doc: Document, proposals: list[Proposal]) -> DebtInstrument:
    """Fill null fields of `record` from `proposals`, then keep only what the evidence gate
    verifies. A value already set by the rules is never replaced; a proposal without a quote, with
    a quote not in the document, or whose quote does not state its value is dropped with a warning."""
    updates: dict[str, object] = {}
    evidence = list(record.evidence)
    warnings = list(record.warnings)
    for p in proposals:
        if p.field not in DebtInstrument.model_fields or p.field in _NOT_ASKED:
            warnings.append(f"llm: ignored proposal for {p.field}: not a fillable field")
            continue
        if getattr(record, p.field) is not None or p.field in updates:
            continue
        try:  # the value must have the field's type ("1.0 billion" is no float)
            checked = DebtInstrument.__pydantic_validator__.validate_assignment(
                record.model_copy(), p.field, p.value
            )
        except ValidationError:
            warnings.append(f"llm: dropped {p.field}={p.value!r}: not a valid {p.field}")
            continue
        updates[p.field] = getattr(checked, p.field)
        if p.quote:
            evidence.append(Evidence(field=p.field, document=doc.file, locator=locate(doc, p.quote), quote=p.quote))
    if not updates:
        return record.model_copy(update={"warnings": warnings})
    candidate = record.model_copy(update={**updates, "evidence": evidence, "warnings": []})
    gated = verify(candidate, doc)
    # The rule-based values were verified already; only the gate's verdicts on proposals are new.
    verdicts = [f"llm: {w}" for w in gated.warnings if any(w.startswith(f"dropped {f}=") for f in updates)]
    return gated.model_copy(update={"warnings": [*warnings, *verdicts]})


def locate(doc: Document, quote: str) -> str:
    """Where the quote sits ("8-K · Item 1.01 · llm"). Built here, never taken from the model, so
    a model cannot pass off a sentence as a tagged XBRL fact."""
    needle = normalize_for_search(quote)[:80]
    for part in doc.parts:
        at = normalize_for_search(part.text).find(needle) if needle else -1
        if at >= 0:
            # Offsets in normalised text drift from the raw text; close enough to name the section.
            section = part.section_at(min(at, max(len(part.text) - 1, 0)))
            where = f"{part.type} · {section.label}" if section else part.type
            return where + LLM_LOCATOR_SUFFIX
    return "not found" + LLM_LOCATOR_SUFFIX


def select_excerpt(doc: Document, record: DebtInstrument, fields: list[str], budget: int) -> str:
    """The sentences most likely to state `fields` of `record`, in document order, within `budget`
    characters: those naming the instrument (its maturity year, coupon, distinctive words) and
    carrying the cue words of a missing field."""
    name_terms = {w for w in re.findall(r"[a-z0-9.%]+", record.name.lower()) if len(w) > 2}
    name_terms -= {"the", "and", "notes", "note", "senior", "due"}
    if record.maturity_year:
        name_terms.add(str(record.maturity_year))
    cues = {c for f in fields for c in _FIELD_CUES.get(f, ())}
    scored: list[tuple[float, int, str]] = []
    for position, sentence in enumerate(_sentences(doc)):
        low = sentence.lower()
        score = 2.0 * sum(term in low for term in name_terms) + sum(cue in low for cue in cues)
        score += 1.0 if re.search(r"\$\s?\d|\d\s?%|\b(?:19|20)\d{2}\b", sentence) else 0.0
        if score >= 2:
            scored.append((score, position, sentence))
    chosen: list[tuple[int, str]] = []
    used = 0
    for score, position, sentence in sorted(scored, key=lambda s: (-s[0], s[1])):
        if used + len(sentence) + 1 > budget:
            continue
        chosen.append((position, sentence))
        used += len(sentence) + 1
    return "\n".join(sentence for _, sentence in sorted(chosen))


def _sentences(doc: Document) -> list[str]:
    out = []
    for part in doc.parts:
        for raw in _SENTENCE_END.split(part.text):
            sentence = re.sub(r"\s+", " ", raw).strip()
            if 25 <= len(sentence) <= 700:
                out.append(sentence)
    return out


# --------------------------------------------------------------------------------------------
# Answer synthesis over numbered evidence.

_CITATION = re.compile(r"\[(\d+)\]")


def llm_synthesize(question: str, evidence: list[Evidence], settings: LlmSettings) -> Synthesis:
    """An answer written by the model from `evidence`, numbered [1]..[n]. Citations outside 1..n
    are removed from the text; `cited` holds 0-based indexes into `evidence`. Raises ConfigError-free
    UpstreamError when the endpoint fails; with the mode off, returns an empty Synthesis."""
    if not enabled(settings) or not evidence:
        return Synthesis("", [], [])
    numbered = "\n".join(f"[{i}] ({ev.document}, {ev.locator}) {ev.quote}" for i, ev in enumerate(evidence, 1))
    messages = [
        HumanMessage(
            "Answer the credit analyst's question using only the numbered evidence. Cite every claim "
            "with its evidence number in square brackets, like [1]. Copy numbers exactly as the "
            "evidence states them. If the evidence does not answer the question, say so.\n\n"
            f"Evidence:\n{numbered}\n\nQuestion: {question}"
        ),
    ]
    reply = _invoke(_chat(settings), messages, settings)
    text = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
    return check_synthesis(text, question, evidence)


def check_synthesis(text: str, question: str, evidence: list[Evidence]) -> Synthesis:
    """Drop citations to evidence that was not given and flag numbers no evidence states."""
    cited: list[int] = []

    def keep_valid(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if 1 <= n <= len(evidence):
            if n - 1 not in cited:
                cited.append(n - 1)
            return match.group(0)
        return ""  # an invented citation: it points at nothing the answer was built from

    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", _CITATION.sub(keep_valid, text)).strip()
    # Document names and locators were shown to the model too ("8-K · Item 1.01"): numbers from them are given.
    given = [question, *(f"{ev.document} {ev.locator} {ev.quote}" for ev in evidence)]
    return Synthesis(cleaned, cited, unsupported_numbers(cleaned, given))


def unsupported_numbers(text: str, sources: list[str]) -> list[str]:
    """Numbers written in `text` that no source states, in any of the usual spellings
    ("$850 million" = "$850,000,000"; "0.00%" = "0%"). Citation markers are not numbers."""
    known: set[float] = set()
    for source in sources:
        known |= _readings(source)
    body = _CITATION.sub(" ", text)
    flagged: list[str] = []
    for value, (start, end) in _spans(body):
        if not any(_same(value, k) for k in known):
            written = body[start:end].strip()
            if written not in flagged:
                flagged.append(written)
    return flagged


def _spans(text: str) -> list[tuple[float, tuple[int, int]]]:
    """Each number in `text` once: a money or percent reading wins over the bare figure inside it."""
    found = list(find_money(text)) + list(find_percents(text))
    taken = [span for _, span in found]
    for value, span in find_numbers(text):
        if not any(a <= span[0] < b for a, b in taken):
            found.append((value, span))
    return sorted(found, key=lambda item: item[1][0])


def _readings(text: str) -> set[float]:
    values = {abs(v) for v, _ in find_money(text)} | {v for v, _ in find_percents(text)}
    values |= {v for v, _ in find_numbers(text)}
    return values


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


# --------------------------------------------------------------------------------------------
# The endpoint.


def _chat(settings: LlmSettings) -> ChatOpenAI:
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model or "default",
        # Local servers want no key, but the client refuses to start without one.
        api_key=settings.llm_api_key or "not-needed",
        temperature=0,
        timeout=float(getattr(settings, "llm_timeout_s", 60.0)),
        max_retries=0,
        extra_body={"max_tokens": int(getattr(settings, "llm_max_tokens", 512))},
    )


def _invoke(runnable: Any, messages: list, settings: LlmSettings) -> Any:
    try:
        return runnable.invoke(messages)
    except UpstreamError:
        raise
    except Exception as exc:  # the client raises its own tree (connection, timeout, HTTP status)
        raise UpstreamError(
            f"LLM endpoint {settings.llm_base_url} failed: {_one_line(exc)}",
            hint="Check MINERLENS_LLM_BASE_URL and that the server is up; rule-based values stand.",
        ) from exc


def _one_line(error: object) -> str:
    text = str(error or "").strip()
    return re.sub(r"\s+", " ", text)[:200]


__all__ = [
    "Proposal",
    "Synthesis",
    "apply_proposals",
    "check_synthesis",
    "enabled",
    "llm_fill",
    "llm_synthesize",
    "missing_fields",
    "propose",
    "proposal_schema",
    "select_excerpt",
    "unsupported_numbers",
]
