"""AI/HPC contracts from filing text: who the customer is, how many GPUs or MW, for how long, for how much.

How it reads a document:
1. Each text part is split into sentences. A *deal sentence* names an agreement being made
   ("entered into", "executed", "signed", "finalized", "announced" + agreement/lease/order/term
   sheet). It opens a *segment*; the sentences after it that carry deal figures (GPUs, MW, money,
   a term, a start date) join the segment until the next deal sentence or a run of unrelated text.
2. Each segment becomes a *mention*: counterparty, GPUs, MW, term, contract value, annual revenue,
   start date, site, guarantor, each with the verbatim clause it came from. A segment without a
   counterparty inherits one from the segment just before it ("We finalized an initial order of
   300 GPUs" after "executed an MSA with Boosteroid"). Segments with no AI/HPC signal or no figure
   are dropped: bitcoin-mining hosting, leases we take, financings, mergers are not contracts.
3. Mentions of one deal (a business-section summary and the MD&A detail) merge when their
   counterparties agree, no figure conflicts and they share at least one figure, or when they name
   the same counterparty (`extract.identity`: "AWS" and "Amazon Web Services, Inc." are one) with
   the same status and nothing that disagrees: a deal restated in several paragraphs, each with
   part of its figures, is one deal. Orders and expansions with different figures stay separate;
   an agreement the text says was replaced is marked superseded. A GPU count stated per order
   ("four orders of 1,024 GPUs each") is never the deal's total.

AI/HPC cue words come from `extract.hpc_vocab` (shared with utilization); sentences and the
exhibit policy from the reading layer (`ingest.reading`).

Rules are written for phrasing in general (any customer, any unit spelling), never for one
filing's sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract import hpc_vocab, identity
from extract.evidence import normalize_for_search, verify
from extract.normalize import find_dates, find_money, word_number
from extract.records import Evidence, HpcContract
from ingest.errors import BadInput
from ingest.reading import PartReading, read
from ingest.types import Document, Part

# --------------------------------------------------------------------------------------------
# Sentence classes

_ENTRY_VERB = re.compile(
    r"\b(?:enter(?:ed|s|ing)?\s+into|executed?|sign(?:ed|s|ing)?|finali[sz]e[ds]?|secur(?:ed|es)|announc(?:ed|es)|"
    r"award(?:ed|s)|won|reached|agreed|expand(?:ed|s)|extend(?:ed|s)|inked|struck|exercis(?:ed|es)|"
    r"commit(?:ted|s)\s+to)\b",
    re.I,
)
_AGREEMENT = re.compile(
    r"\b(?:agreements?|contracts?|MSA|leases?|term\s+sheet|orders?|deal|letter\s+of\s+intent|LOI|"
    r"memorandum\s+of\s+understanding|arrangements?|colocation|co-location|partnership|order\s+form)\b",
    re.I,
)
# Agreements that are not customer contracts: financing, M&A, our own purchases and leases.
_NOT_A_CONTRACT = re.compile(
    r"sale[- ]leaseback|leas(?:e|ing)\s+(?:them|it|the\s+\w+)\s+back|\bloans?\b|credit\s+(?:agreement|facility)|"
    r"\bmerger\b|indenture|underwrit|sales\s+agreement|at[- ]the[- ]market|placed\s+(?:a|an)\s+(?:purchase\s+)?order|"
    r"purchase\s+agreement|\bacqui(?:re|red|sition)\b|employment|settlement|convertible|\bnotes?\s+due\b|"
    r"lawsuit|complaint|litigation|share\s+repurchase|private\s+placement|registered\s+direct|"
    # the other party serving us: we are the customer, not the provider
    r"\b(?:will|to|agreed\s+to)\s+provide\s+(?:the\s+Company|us)\b|"
    # our own purchases: "agreed to buy the GPUs from Dell"
    r"\bto\s+(?:purchase|buy|acquire)\b",
    re.I,
)
# Clauses whose figures are possibilities, not contracted terms: everything from here on is ignored.
_SPECULATIVE = re.compile(
    r"\b(?:potential(?:ly)?|option\s+to|options?\s+(?:for|on)|right\s+of\s+first|could\s+(?:expand|grow|increase)|"
    r"may\s+(?:expand|increase)|up\s+to\s+an?\s+additional|future\s+expansion|if\s+exercised)\b",
    re.I,
)
_REPLACES = re.compile(r"\b(?:replac(?:es|ed|ing)|supersed(?:es|ed|ing)|in\s+lieu\s+of)\b", re.I)
_TERMINATED = re.compile(r"\bterminat(?:ed|es|ion\s+of)\b", re.I)

# --------------------------------------------------------------------------------------------
# Values

_GPU, _GPU_MODEL, _MW = hpc_vocab.GPU_COUNT, hpc_vocab.GPU_MODEL, hpc_vocab.MEGAWATTS
_CUMULATIVE = re.compile(
    r"(?:\bbring(?:ing|s)?|\bris(?:es|ing)|\bincreas(?:es|ing)|\bgrow(?:s|ing)|\btotal\b)[^.;]{0,70}?\bto\s+"
    r"(?:approximately\s+|roughly\s+|about\s+|nearly\s+|over\s+)?$",
    re.I,
)
_TERM = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?|[A-Za-z]+(?:-[a-z]+)?)(?:\s*\(\d+\))?[- ](?P<unit>years?|months?)\b(?!\s+ended)",
    re.I,
)
_TERM_NOT = re.compile(r"extension|renewal|renew|extend|\bago\b|\bpast\b|\blast\b|\bwithin\b|\bsince\b|ended|prior\s+to", re.I)
_ANNUAL = re.compile(r"annuali[sz]ed|\bannual(?:ly)?\b|per\s+(?:year|annum)|a\s+year\b|each\s+year|\byearly\b|\bARR\b", re.I)
_MONTHLY = re.compile(r"per\s+month|\bmonthly\b|a\s+month\b|each\s+month", re.I)
_VALUE = re.compile(
    r"revenue|contract\s+value|\bworth\b|\btotal\b|aggregate|cumulative|valued|\bvalue\b|over\s+the\s+(?:term|life)|"
    r"over\s+(?:a\s+|the\s+)?\S+[- ]year|for\s+the\s+term|\bbacklog\b|\bTCV\b",
    re.I,
)
_NOT_VALUE = re.compile(
    r"prepay|deposit|capex|capital\s+expenditure|\bcosts?\b|invest|purchase|price|per\s+share|loan|financ|"
    r"\bfees?\s+of\b|backstop|guarant|recogni[sz]ed|per\s+(?:GPU|card|hour|kW|kilowatt)|equity|warrant|proceeds",
    re.I,
)
_FOREIGN_BEFORE = re.compile(r"(?:CAD|CA|C|A|AU|AUD|HK|NT|S|NZ|EUR|GBP)\s?$")
_FOREIGN_MONEY = re.compile(
    r"\b(?:CAD|C\$|CA\$|EUR|€|GBP|£)\s?\$?\s?(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<mult>billion|million|thousand|bn|mm|[mMbBkK](?![A-Za-z]))?"
)
_USD_ASIDE = re.compile(r"^\s*\((?:approximately\s+|about\s+|or\s+)?(?:US\s?\$|USD\s?\$?|U\.S\.\s?\$)\s?(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<mult>billion|million|thousand|bn|mm|MM|[mMbBkK](?![A-Za-z]))?")
_MULT = {"billion": 1e9, "bn": 1e9, "b": 1e9, "million": 1e6, "mm": 1e6, "m": 1e6, "thousand": 1e3, "k": 1e3}

_START = re.compile(
    r"revenue\s+generation\s+beg[au]n|began\s+(?:generating|to\s+generate|earning|recogni[sz]ing)|"
    r"start(?:ed|s)?\s+(?:to\s+)?generat|commenc(?:ed|ing|es)\s+on|beginning\s+on|begins?\s+on|began\s+on|"
    r"(?:deployment|services?|term|lease|delivery|operations)\s+(?:commenced|began|started)\s+(?:on|in)\b|"
    r"effective\s+(?:as\s+of|on)|start(?:ed|ing)?\s+on|went\s+live|came\s+online|energi[sz]ed\s+on",
    re.I,
)

# --------------------------------------------------------------------------------------------
# Counterparties

_CUSTOMER_NOUN = identity.CUSTOMER_NOUN
_DESCRIBED = re.compile(
    r"(?P<d>(?:a|an|one|our|its|the|this|that|their)\s+(?:[\w.\-’']+\s+){0,7}?" + _CUSTOMER_NOUN + r")\b"
    r"(?:\s*,\s*(?P<appos>(?:an?|the)\s+[^,.;()]{0,90}?[A-Z][^,.;()]{0,60}?)(?=[.,;(]|$))?",
)
_NAME = re.compile(
    r"(?P<n>[A-Z][\w&.'’\-]*(?:\s+(?:[A-Z0-9][\w&.'’\-]*|&|of|and|de))*?)"
    r"(?P<suffix>,?\s+(?:Inc|LLC|Ltd|Corp|Corporation|Co|L\.P|LP|plc|PLC|S\.A|AG|GmbH|Limited|Holdings)\.?)?"
    r"(?=\s*(?:[(,;:]|\.\s|\.$|$)|\s+[a-z])"
)
_NOT_NAMES = {
    "the", "this", "that", "its", "our", "a", "an", "such", "each", "which", "company", "we",
    "nasdaq", "sec", "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december", "respect", "regard", "effect", "approximately",
}  # fmt: skip
_DEFINED_CUSTOMER = re.compile(
    r"\((?:the\s+)?[“\"](?P<t>(?:[A-Z][a-z]+\s+)?(?:Customer|Client|Tenant|Lessee|Anchor\s+Tenant))[”\"]\)"
)
_SUPPLY_TO = re.compile(
    r"\b(?:supply|provide|serve|deliver\s+to)\s+(?P<d>(?:its|our|the|this|that)\s+(?:[\w\-]+\s+){0,3}?(?:customer|client|tenant))\b",
    re.I,
)
# "CoreWeave has exercised its option ...": the customer is the subject.
_SUBJECT_PARTY = re.compile(
    r"(?:^|[,;]\s+|\bthat\s+)(?P<n>[A-Z][\w&'’\-]*(?:\s+[A-Z][\w&'’\-]*){0,3}(?:,\s+Inc\.)?)\s+(?:has\s+|have\s+)?"
    r"(?:exercised|expanded|extended|increased)\b"
)
_ALIAS = re.compile(
    r"(?P<full>[A-Z][\w&.'’\-]*(?:[ ,]+(?:[A-Z0-9][\w&.'’\-]*|&|of|and))*)\s*\(\s*(?:together\s+with\s+\w+\s+)?(?:the\s+|collectively\s+)?[“\"](?P<alias>[A-Z][\w&.\- ]{0,30})[”\"]\s*\)"
)
_GUARANTOR = re.compile(
    r"(?P<g>[A-Z][\w.&]*(?:\s+[A-Z][\w.&]*){0,3})\s+(?:has\s+agreed\s+to\s+|will\s+|agreed\s+to\s+|to\s+)?"
    r"(?:backstop|guarantee|provide\s+(?:a\s+)?(?:financial\s+)?backstop|provides?\s+(?:a\s+)?(?:financial\s+)?backstop)"
    r"|(?:backstopped|guaranteed)\s+by\s+(?P<g2>[A-Z][\w.&]*(?:\s+[A-Z][\w.&]*){0,3})"
)
_SITE_PATTERNS = [
    re.compile(r"^(?P<s>[A-Z][\w'’\-]*(?:\s+[A-Z0-9][\w'’\-]*){0,3})\s+will\s+(?:support|host|house|serve)\b"),
    re.compile(
        r"\b(?:at|in|on)\s+(?:its|our|the|their|a)?\s*(?P<s>(?:[A-Z][\w'’\-]*\s+){1,4}(?:[Cc]ampus|[Ff]acility|[Ss]ite|[Dd]ata\s+[Cc]ent(?:er|re)|[Pp]ark))"
        r"(?:\s+(?:in|near|located\s+in)\s+(?P<loc>[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*)?,\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?))?"
    ),
    re.compile(r"\b(?:in|at)\s+(?P<s>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?,\s+(?:[A-Z]{2}\b|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?))"),
]
_NOT_SITE = re.compile(r"^(?:The|This|Our|Its)\b|Company|Nasdaq|Exchange|Agreement|Board", re.I)


# --------------------------------------------------------------------------------------------
# Data carried between the steps


@dataclass(slots=True)
class _Sentence:
    part: Part
    start: int
    end: int
    flat: str  # same length as the raw span, newlines turned into spaces

    def quote(self, a: int = 0, b: int | None = None) -> str:
        """Verbatim text of the part for the sentence-relative span [a, b)."""
        return self.part.text[self.start + a : self.start + (len(self.flat) if b is None else b)].strip()


@dataclass
class _Mention:
    """One description of a deal: the figures of one segment, each with its quote."""

    order: int
    counterparty: str | None = None
    counterparty_key: str | None = None
    values: dict[str, object] = field(default_factory=dict)
    quotes: dict[str, tuple[_Sentence, int, int]] = field(default_factory=dict)
    increment: int | None = None  # "an additional 2,048 GPUs": the added count
    replaces: tuple[str, float] | None = None  # ("gpus", 2048): the prior agreement this one replaces
    superseded: bool = False
    terminated: bool = False
    status: str | None = None

    def put(self, name: str, value: object, sentence: _Sentence, span: tuple[int, int]) -> None:
        if value is None or name in self.values:
            return
        self.values[name] = value
        self.quotes[name] = (sentence, span[0], span[1])


_FIGURES = identity.CONTRACT_SIZES  # figures that size a deal; a term alone is no contract


# --------------------------------------------------------------------------------------------
# Public entry point


def extract_contracts(doc: Document) -> list[HpcContract]:
    """Every AI/HPC customer contract the document describes, one record per deal, with evidence."""
    if not isinstance(doc, Document):
        raise BadInput(f"extract_contracts needs a parsed Document, not {type(doc).__name__}",
                       hint="Parse the file first with ingest.parse.parse_path.")
    aliases = _aliases(doc)
    mentions: list[_Mention] = []
    order = 0
    sentences = [s for reading in _narrative(doc) for s in _sentences(reading)]
    for reading in _narrative(doc):
        for segment in _segments(_sentences(reading)):
            mention = _read_segment(segment, aliases, order)
            order += 1
            mentions.append(mention)
    mentions = _inherit_counterparties(mentions)
    _counterparty_by_defined_term(mentions, _narrative(doc))
    _hpc_from_context(mentions, [s.flat for s in sentences])
    kept = [m for m in mentions if _is_contract(m)]
    deals = _merge(kept)
    _mark_superseded(deals)
    ticker = doc.filing.ticker or _ticker_from_name(doc.file)
    return [_verified(_to_record(deal, doc.file, ticker), doc) for deal in deals]


def _verified(record: HpcContract, doc: Document) -> HpcContract:
    """Pass the record through the evidence gate. term_years is computed from term_months (a
    "twenty-five month" quote cannot state 2.0833 years), so it follows the verified months."""
    checked = verify(record, doc)
    # The gate keeps quotes for optional fields only; the counterparty's quote is checked here the same way.
    text = normalize_for_search(doc.text)
    named = [e for e in record.evidence if e.field == "counterparty" and normalize_for_search(e.quote) in text]
    checked = checked.model_copy(update={"evidence": named + checked.evidence})
    months = checked.term_months
    if months is None and checked.term_years is not None:
        months = round(checked.term_years * 12)
    if months is None and record.term_months is not None and _term_stated(record, doc):
        # evidence.states reads "three" but not "three-year"; read the same verbatim quote with our term rule
        months = record.term_months
        checked = checked.model_copy(update={"evidence": checked.evidence + [
            e for e in record.evidence if e.field in ("term_years", "term_months")]})
    warnings = checked.warnings
    if months is not None:  # one unit was stated and verified; the other is arithmetic, not a reading
        warnings = [w for w in warnings if not w.startswith(("dropped term_years", "dropped term_months"))]
    return checked.model_copy(
        update={
            "term_months": months,
            "term_years": round(months / 12, 4) if months is not None else None,
            "warnings": warnings,
        }
    )


# --------------------------------------------------------------------------------------------
# Step 1: sentences and segments

_FLAT = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\xa0": " ", "\u2009": " ", "\u202f": " "})
def _narrative(doc: Document) -> list[PartReading]:
    """The parts a customer contract is told in: the filing and its releases, not legal exhibits
    (EX-10 agreements restate every deal in legal words) or data (the reading layer's one policy)."""
    return [r for r in read(doc) if r.role == "narrative"]


def _sentences(reading: PartReading) -> list[_Sentence]:
    """The reading layer's sentences of a part, each with a flattened copy of the same length."""
    return [_Sentence(reading.part, s.start, s.end, s.text.translate(_FLAT)) for s in reading.sentences]


_EXERCISED_OPTION = re.compile(r"\bexercis(?:ed|es)\s+(?:its|an|the|their|a)\s+(?:\w+\s+)?option\b", re.I)


def _is_deal_sentence(s: _Sentence) -> bool:
    if _NOT_A_CONTRACT.search(s.flat):
        return False
    return bool((_ENTRY_VERB.search(s.flat) and _AGREEMENT.search(s.flat)) or _EXERCISED_OPTION.search(s.flat))


def _has_figure(text: str) -> bool:
    return bool(
        _GPU.search(text) or _GPU_MODEL.search(text) or _MW.search(text) or find_money(text) or _FOREIGN_MONEY.search(text)
        or _TERM.search(text) or (_START.search(text) and find_dates(text))
    )


def _segments(sentences: list[_Sentence]) -> list[list[_Sentence]]:
    """Group sentences into deal segments: a deal sentence plus the figure sentences that follow it."""
    segments: list[list[_Sentence]] = []
    current: list[_Sentence] | None = None
    idle = 0
    for s in sentences:
        if len(s.flat) > 1500:  # a table flattened into one "sentence" is not deal prose
            current = None
            continue
        if _is_deal_sentence(s):
            current = [s]
            segments.append(current)
            idle = 0
            continue
        if current is None:
            continue
        if _NOT_A_CONTRACT.search(s.flat):
            # "To finance this, we entered into a sale-leaseback ..." sits inside a deal's paragraph:
            # skip it without ending the segment.
            idle += 1
        elif _has_figure(s.flat) or _REPLACES.search(s.flat):
            current.append(s)
            idle = 0
        else:
            idle += 1
        if idle >= 2:
            current = None
    return segments


# --------------------------------------------------------------------------------------------
# Step 2: a segment's figures


def _read_segment(segment: list[_Sentence], aliases: dict[str, str], order: int) -> _Mention:
    m = _Mention(order=order)
    m.values["_hpc"] = any(hpc_vocab.is_hpc(s.flat) for s in segment)
    m.values["_mining"] = hpc_vocab.is_mining(segment[0].flat) and not hpc_vocab.is_hpc(segment[0].flat)
    m.values["_segment"] = segment
    first = segment[0].flat
    if re.search(r"letter\s+of\s+intent|\bLOI\b|non-binding|memorandum\s+of\s+understanding|\bMOU\b", first, re.I):
        m.status = "letter_of_intent"
    elif _TERMINATED.search(first) and not _REPLACES.search(first):
        m.status = "terminated"
        m.terminated = True
    for s in segment:
        text = s.flat
        cut = len(text)
        replaced = _REPLACES.search(text)
        if replaced:
            m.replaces = _replaced_reference(text[replaced.end() :])
            cut = replaced.start()
        for speculative in _SPECULATIVE.finditer(text, 0, cut):
            # "has exercised its option to expand" is contracted, not speculative
            if not re.search(r"exercis\w*\s+(?:its|the|an|their)?\s*(?:\w+\s+)?$", text[max(0, speculative.start() - 40) : speculative.start()]):
                cut = speculative.start()
                break
        _read_counterparty(m, s, cut, aliases)
        _read_gpus(m, s, cut)
        _read_mw(m, s, cut)
        _read_term(m, s, cut)
        _read_money(m, s, cut)
        _read_start(m, s, cut)
        _read_site(m, s, cut)
        _read_guarantor(m, s, cut, aliases)
    if m.status is None and (m.increment is not None or _EXERCISED_OPTION.search(first)
                             or re.search(r"\b(?:additional|incremental)\s+[\d,.]+\s*(?:MW|megawatts?)", first, re.I)):
        m.status = "expansion"
    if "gpus" not in m.values and m.increment is None:
        model = next((_GPU_MODEL.search(s.flat) for s in segment if _GPU_MODEL.search(s.flat)), None)
        if model:
            s0 = next(s for s in segment if _GPU_MODEL.search(s.flat))
            m.put("gpu_model", model.group(1), s0, _widen(s0.flat, model.span()))
    return m


def _read_counterparty(m: _Mention, s: _Sentence, cut: int, aliases: dict[str, str]) -> None:
    if m.counterparty and m.counterparty_key not in (None, "__this__"):
        return
    text = s.flat[:cut]
    found = _DEFINED_CUSTOMER.search(text)
    if found:
        _set_counterparty(m, found["t"], s, found.span())
        return
    for joint in re.finditer(r"\b(?:with|from)\s+", text):
        after = text[joint.end() :]
        name = _proper_name(after, aliases)
        if name:
            _set_counterparty(m, name, s, (joint.end(), joint.end() + len(name)))
            return
        described = _DESCRIBED.match(after)
        if described:
            phrase = described["d"]
            if described["appos"] and re.search(r"\b[A-Z][a-z]", described["appos"]):
                phrase = re.sub(r"^(?:an?|the)\s+", "", described["appos"]).strip()
                span = (joint.end() + described.start("appos"), joint.end() + described.end("appos"))
            else:
                span = (joint.end(), joint.end() + described.end("d"))
            if not re.fullmatch(r"(?:the|our|its)\s+company", phrase, re.I):
                _set_counterparty(m, phrase, s, span)
                return
    subject = _SUBJECT_PARTY.search(text)
    if subject and _proper_name(subject["n"] + " x", aliases):
        _set_counterparty(m, subject["n"], s, subject.span("n"))
        return
    supply = _SUPPLY_TO.search(text)
    if supply:
        _set_counterparty(m, supply["d"], s, supply.span("d"))


def _proper_name(text: str, aliases: dict[str, str]) -> str | None:
    match = _NAME.match(text)
    if not match:
        return None
    name = (match["n"] + (match["suffix"] or "")).strip().rstrip(",")
    words = name.split()
    if not words or words[0].lower().strip(".,") in _NOT_NAMES or len(name) < 2:
        return None
    if re.fullmatch(r"[\d,.]+", words[0]):
        return None
    return name


def _set_counterparty(m: _Mention, name: str, s: _Sentence, span: tuple[int, int]) -> None:
    name = re.sub(r"\s+", " ", name).strip(" ,")
    if not re.search(r"\b(?:Inc|Corp|Co|Ltd|L\.P|S\.A|N\.V|B\.V)\.$", name):
        name = name.rstrip(".")
    key = _counterparty_key(name)
    if m.counterparty_key == "__this__" and key == "__this__":
        return
    name = re.sub(r"^(?:its|our|their|the|a|an)\s+(?=\S)", "", name)
    if key is None:
        # An unnamed customer is told apart by its agreement: "new customer (MSA of 2024-11-06)".
        name = f"{name} ({_agreement_label(s.flat)})" if _agreement_label(s.flat) else name
    m.counterparty = name
    m.counterparty_key = key
    m.quotes["counterparty"] = (s, *_widen(s.flat, span))


_AGREEMENT_NAME = re.compile(
    r"(?P<name>(?:[A-Z][\w\-]*|of|and)(?:\s+(?:[A-Z][\w\-]*|of|and)){0,7}\s+(?:Agreement|Order\s+Form|Term\s+Sheet|Contract|Lease))"
    r"(?:\s*\(\s*(?:the\s+)?[“\"](?P<short>[A-Z]{2,6})[”\"]\s*\))?"
)
_MONTH_YEAR = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+(?:19|20)\d{2}\b"
)


def _agreement_label(text: str) -> str | None:
    """'MSA of 2024-11-06': the agreement's name and date, from the sentence that announces it."""
    match = _AGREEMENT_NAME.search(text)
    if not match:
        return None
    name = match["short"] or re.sub(r"^(?:of|and)\s+", "", match["name"])
    dates = find_dates(text)
    when = dates[0][0] if dates else (_MONTH_YEAR.search(text).group() if _MONTH_YEAR.search(text) else None)
    return f"{name} of {when}" if when else name


def _counterparty_key(name: str) -> str | None:
    """The identity key of a customer name (extract.identity); "this customer" refers back to the
    customer just named and is resolved by the caller."""
    if re.fullmatch(r"(?:this|that|the|such|said)\s+(?:customer|client|tenant)", name.lower()):
        return "__this__"
    return identity.counterparty_key(name)


_GPU_TOTAL = re.compile(r"(?:total|aggregate)\s+of\s*$|\btotal(?:ing|ling)?\s*$|\bin\s+total\s*$|\baltogether\s*$", re.I)
# A count stated per order (or tranche, phase, cluster): the size of one part of the deal.
_PER_UNIT = r"(?:purchase\s+)?(?:orders?|tranches?|phases?|clusters?|deployments?|installments?|batch(?:es)?)"
_PER_ORDER_BEFORE = re.compile(
    rf"\b(?:each|every|per)\s+{_PER_UNIT}\s*(?:of|for|cover\w*|compris\w*|consist\w*\s+of|with)?\s*$"
    rf"|\b(?:two|three|four|five|six|seven|eight|nine|ten|several|multiple|\d+)\s+{_PER_UNIT}\s+(?:of|for)\s*$",
    re.I,
)
_PER_ORDER_AFTER = re.compile(rf"^\s*(?:each|apiece|per\s+{_PER_UNIT})\b", re.I)


def _read_gpus(m: _Mention, s: _Sentence, cut: int) -> None:
    text = s.flat[:cut]
    best: tuple[int, re.Match[str]] | None = None
    for match in _GPU.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()].lower()
        if re.search(r"equivalent\s+to\s*$|\(\s*$|consisting\s+of\s*$", before):
            continue
        if re.search(r"(?:additional|incremental|another|further)\s+(?:order\s+of\s+)?$", before):
            # An added order: its count identifies the order; the deal's total may be stated apart.
            if m.increment is None:
                m.increment = _int(match["n"])
                m.quotes["_increment"] = (s, *_widen(s.flat, match.span()))
                if match["model"]:
                    m.put("gpu_model", re.sub(r"^(?:NVIDIA|Nvidia)\s+", "", match["model"]), s, _widen(s.flat, match.span()))
            continue
        if _PER_ORDER_BEFORE.search(before) or _PER_ORDER_AFTER.match(text[match.end() : match.end() + 30]):
            continue  # "each order of 1,024 GPUs", "two orders of 512 GPUs each": one order's size, not the deal's
        if _GPU_TOTAL.search(before) or re.match(r"\s*(?:in\s+(?:total|aggregate)|altogether)\b", text[match.end() :]):
            rank = 0
        elif re.search(r"(?:order|deployment)\s+of\s*$", before):
            rank = 1  # the order's count: the deal's unless a total is stated beside it
        elif re.search(r"minimum\s+(?:purchase\s+)?commitment\s+of\s*$|minimum\s+of\s*$", before):
            rank = 3
        else:
            rank = 2
        if best is None or rank < best[0]:
            best = (rank, match)
    if best is None:
        return
    rank, match = best
    current = m.values.get("_gpu_rank", 9)
    if "gpus" in m.values and rank >= current:
        return
    m.values.pop("gpus", None)
    m.put("gpus", _int(match["n"]), s, _widen(s.flat, match.span()))
    m.values["_gpu_rank"] = rank
    if match["model"]:
        m.values.pop("gpu_model", None)
        m.put("gpu_model", re.sub(r"^(?:NVIDIA|Nvidia)\s+", "", match["model"]), s, _widen(s.flat, match.span()))
    else:
        model = _GPU_MODEL.search(text)
        if model:
            m.put("gpu_model", model.group(1), s, _widen(s.flat, model.span()))


def _read_mw(m: _Mention, s: _Sentence, cut: int) -> None:
    text = s.flat[:cut]
    for match in _MW.finditer(text):
        value = float(match["n"].replace(",", ""))
        before = text[max(0, match.start() - 30) : match.start()].lower()
        after = text[match.end() : match.end() + 40].lower()
        if _CUMULATIVE.search(text[max(0, match.start() - 90) : match.start()]):
            continue  # "bringing the total to 270 MW": a running total across deals, not this deal's capacity
        if re.search(r"\bgross\b|utility|\bpower\s+capacity\s+of\s*$|interconnect", before + " " + after[:20]) or re.match(
            r"\s*(?:of\s+)?(?:approved\s+|total\s+|available\s+|grid\s+)?power\b", after
        ):
            m.put("gross_mw", value, s, _widen(s.flat, match.span()))
        elif "capacity_mw" not in m.values or ("critical" in after[:25] and not m.values.get("_critical")):
            if "critical" in after[:25] or "critical" in before:
                m.values["_critical"] = True
                m.values.pop("capacity_mw", None)
            m.put("capacity_mw", value, s, _widen(s.flat, match.span()))


def _read_term(m: _Mention, s: _Sentence, cut: int) -> None:
    if "term_months" in m.values:
        return
    text = s.flat[:cut]
    for match in _TERM.finditer(text):
        number = _number(match["n"])
        if number is None or number <= 0 or number > 99:
            continue
        context = text[max(0, match.start() - 40) : match.end() + 25]
        if _TERM_NOT.search(context):
            continue
        months = round(number * 12) if match["unit"].lower().startswith("year") else round(number)
        m.put("term_months", months, s, _widen(s.flat, match.span()))
        return


def _read_money(m: _Mention, s: _Sentence, cut: int) -> None:
    text = s.flat[:cut]
    amounts = [(v, span) for v, span in find_money(text) if not _FOREIGN_BEFORE.search(text[: span[0]])]
    amounts += _foreign_amounts(text)
    amounts.sort(key=lambda a: a[1][0])
    for i, (value, span) in enumerate(amounts):
        if value is None or value < 10_000:
            continue
        prev_end = amounts[i - 1][1][1] if i else 0
        next_start = amounts[i + 1][1][0] if i + 1 < len(amounts) else len(text)
        before = text[max(prev_end, span[0] - 70) : span[0]]
        after = text[span[1] : min(next_start, span[1] + 60)]
        near_before = text[max(prev_end, span[0] - 35) : span[0]]
        if _NOT_VALUE.search(near_before) or _NOT_VALUE.search(after[:25]):
            continue
        if _MONTHLY.search(after[:20]):
            m.put("annual_revenue_usd", round(value * 12, 2), s, _widen(s.flat, span))
        elif _ANNUAL.search(after[:40]) or re.search(r"(?:annual(?:i[sz]ed)?\s+(?:revenue|run[- ]rate|value|contract\s+value)|per\s+year)[^$]{0,25}$", before, re.I):
            m.put("annual_revenue_usd", value, s, _widen(s.flat, span))
        elif _VALUE.search(before) or _VALUE.search(after):
            m.put("total_contract_value_usd", value, s, _widen(s.flat, span))


def _foreign_amounts(text: str) -> list[tuple[float, tuple[int, int]]]:
    """Non-USD amounts, converted only through the USD figure the document puts beside them."""
    out = []
    for match in _FOREIGN_MONEY.finditer(text):
        aside = _USD_ASIDE.match(text[match.end() :])
        if not aside:
            continue  # no rate given: leave the value out rather than guess a rate
        value = float(aside["num"].replace(",", "")) * _MULT.get((aside["mult"] or "").lower(), 1)
        out.append((value, (match.start(), match.end() + aside.end())))
    return out


def _read_start(m: _Mention, s: _Sentence, cut: int) -> None:
    if "start_date" in m.values:
        return
    text = s.flat[:cut]
    if not _START.search(text):
        return
    dates = find_dates(text)
    if dates:
        iso, span = dates[0]
        m.put("start_date", iso, s, _widen(s.flat, span))


def _read_site(m: _Mention, s: _Sentence, cut: int) -> None:
    if "site" in m.values:
        return
    text = s.flat[:cut]
    for pattern in _SITE_PATTERNS:
        match = pattern.search(text)
        if match and not _NOT_SITE.search(match["s"]):
            site = match["s"].strip()
            if re.match(r"\S+['’]s\s", site):  # "IREN's campus in Childress, Texas": the place names the site
                site = match.groupdict().get("loc")
                if not site:
                    continue
            elif match.groupdict().get("loc"):
                site = text[match.start("s") : match.end("loc")]  # verbatim: "X campus in Ellendale, North Dakota"
            m.put("site", site, s, _widen(s.flat, match.span()))
            return


def _read_guarantor(m: _Mention, s: _Sentence, cut: int, aliases: dict[str, str]) -> None:
    if "guarantor" in m.values:
        return
    match = _GUARANTOR.search(s.flat)
    if match:
        name = (match["g"] or match["g2"]).strip()
        words = name.split()
        if words and words[0].lower() not in _NOT_NAMES:
            m.put("guarantor", aliases.get(name, name), s, _widen(s.flat, match.span()))


def _replaced_reference(text: str) -> tuple[str, float] | None:
    gpu = _GPU.search(text)
    if gpu:
        return ("gpus", _int(gpu["n"]))
    mw = _MW.search(text)
    if mw:
        return ("capacity_mw", float(mw["n"].replace(",", "")))
    return ("any", 0.0)


# --------------------------------------------------------------------------------------------
# Step 3: counterparties carried over, filtering, merging, superseding


def _counterparty_by_defined_term(mentions: list[_Mention], readings: list[PartReading]) -> None:
    """A paragraph that names a deal only by the term the filing defined for it ("The Fluidstack
    Agreement, signed in September 2025, is expected to generate ...") is about that deal: it takes
    the counterparty of the mention whose sentence defined the term (the reading layer's terms)."""
    owners: dict[str, _Mention] = {}
    for reading in readings:
        for term in reading.terms:
            if not _AGREEMENT.search(term.term):
                continue
            owner = next((m for m in mentions if m.counterparty_key and any(
                s.part is reading.part and s.start <= term.start < s.end for s in m.values["_segment"])), None)
            if owner is not None:
                owners.setdefault(term.term, owner)
    for m in mentions:
        if m.counterparty is not None:
            continue
        text = " ".join(s.flat for s in m.values["_segment"])
        owner = next((o for t, o in owners.items() if o is not m and re.search(rf"\b{re.escape(t)}\b", text)), None)
        if owner is not None:
            m.counterparty, m.counterparty_key = owner.counterparty, owner.counterparty_key
            m.quotes["counterparty"] = owner.quotes["counterparty"]
            m.values["_hpc"] = m.values["_hpc"] or owner.values["_hpc"]


def _hpc_from_context(mentions: list[_Mention], sentences: list[str]) -> None:
    """A deal paragraph that does not itself say AI/HPC ("a colocation agreement with Fluidstack for
    200 MW", "a lease with CoreWeave for 100 megawatts") is AI/HPC when the same document says so
    elsewhere: it describes its colocation business as HPC, or it describes that counterparty in
    AI/HPC words ("CoreWeave is a leading AI hyperscaler"). Mining deals stay out."""
    colocation_is_hpc = hpc_vocab.colocation_is_hpc(sentences)
    for m in mentions:
        segment = m.values["_segment"]
        if m.values["_hpc"] or any(hpc_vocab.is_mining(s.flat) for s in segment):
            continue  # said AI/HPC itself, or a deal whose own paragraph speaks of mining
        first = segment[0].flat
        if colocation_is_hpc and hpc_vocab.COLOCATION.search(first):
            m.values["_hpc"] = True
            continue
        name = _party_word(m.counterparty) if m.counterparty_key else None
        if name and any(re.search(rf"\b{re.escape(name)}\b", t) and hpc_vocab.is_hpc(t) and not hpc_vocab.is_mining(t)
                        for t in sentences):
            m.values["_hpc"] = True


def _party_word(counterparty: str | None) -> str | None:
    """The word a document calls a named party by ("CoreWeave" of "CoreWeave, Inc."); None for a description."""
    first = (counterparty or "").split()[0].strip(",.") if counterparty else ""
    return first if re.match(r"[A-Z][\w&\-]{2,}$", first) and first.lower() not in _NOT_NAMES else None


def _inherit_counterparties(mentions: list[_Mention]) -> list[_Mention]:
    """A segment without a counterparty (or with "this customer") continues the deal of the segment
    just before it: a new order ("an additional order of 189 GPUs") becomes its own mention under
    that counterparty, anything else ("The contracts represent $3.7 billion ...") is folded in."""
    out: list[_Mention] = []
    for m in mentions:
        previous = out[-1] if out else None
        inherited = False
        if previous is not None and _adjacent(previous, m):
            if m.counterparty is None or m.counterparty_key == "__this__":
                m.counterparty = previous.counterparty
                m.counterparty_key = previous.counterparty_key
                if "counterparty" in previous.quotes:
                    m.quotes["counterparty"] = previous.quotes["counterparty"]
                inherited = True
        if m.counterparty_key == "__this__":
            m.counterparty_key = None
        first = m.values["_segment"][0].flat
        if (
            inherited
            and m.increment is None
            and not _NEW_ORDER.search(first)
            and not _conflict(previous.values, m.values)
        ):
            previous.values["_hpc"] = previous.values["_hpc"] or m.values["_hpc"]
            previous.values["_segment"] = previous.values["_segment"] + m.values["_segment"]
            _absorb(previous, m)
            continue
        if inherited:
            m.values["_hpc"] = m.values["_hpc"] or previous.values["_hpc"]
        out.append(m)
    return out


_NEW_ORDER = re.compile(
    r"\b(?:additional|another|new|second|third|further|incremental|separate)\s+"
    r"(?:(?:purchase\s+)?orders?|agreements?|contracts?|leases?|MSA|term\s+sheet|\d)",
    re.I,
)


def _adjacent(a: _Mention, b: _Mention) -> bool:
    """True when segment b starts within a few sentences after segment a ends, in the same part."""
    last = a.values["_segment"][-1]
    first = b.values["_segment"][0]
    if last.part is not first.part:
        return False
    return 0 <= first.start - last.end <= 600


def _is_contract(m: _Mention) -> bool:
    if not m.values.get("_hpc") or m.values.get("_mining") or not m.counterparty:
        return False
    return any(name in m.values for name in _FIGURES)


def _same_key(a: str | None, b: str | None) -> bool:
    """An unnamed side may be anyone; two named sides must be one counterparty."""
    return a is None or b is None or identity.same_counterparty_key(a, b)


def _conflict(a: dict, b: dict) -> bool:
    """A deal figure both state that disagrees beyond rounding (extract.identity)."""
    return identity.contract_terms_conflict(a, b)


def _shares_figure(a: _Mention, b: _Mention) -> bool:
    if a.increment is not None and a.increment == b.increment:
        return True
    for name in _FIGURES:
        x, y = a.values.get(name), b.values.get(name)
        if x is not None and y is not None and abs(float(x) - float(y)) <= 0.011 * max(abs(float(x)), abs(float(y))):
            # An added order and the original deal can share a count ("an additional 2,048" vs "2,048"):
            # a GPU count alone identifies a deal only when both mentions are of the same kind.
            if name == "gpus" and (a.increment is None) != (b.increment is None) and not (
                a.values.get("_gpu_rank", 9) <= 1 and b.values.get("_gpu_rank", 9) <= 1
            ):
                continue
            return True
    return False


def _restates(a: _Mention, b: _Mention) -> bool:
    """One deal told again in another paragraph of the filing (the business summary, MD&A, a note):
    the same named counterparty (extract.identity), the same status and no figure or date that
    disagrees. An added order or a second agreement with the same party is a deal of its own."""
    if a.counterparty_key is None or b.counterparty_key is None or not identity.same_counterparty_key(a.counterparty_key, b.counterparty_key):
        return False
    if a.increment is not None or b.increment is not None or (a.status or "signed") != (b.status or "signed"):
        return False
    if _conflict(a.values, b.values) or any(a.values.get(k) not in (None, b.values.get(k)) and b.values.get(k) is not None
                                            for k in ("start_date", "gpu_model")):
        return False
    if any(_NEW_ORDER.search(m.values["_segment"][0].flat) for m in (a, b)):
        return False  # "a second agreement with ...": another deal with the same party
    signed_a, signed_b = _signed_month(a), _signed_month(b)
    if signed_a and signed_b and signed_a != signed_b:
        return False  # "In October 2023, we entered into ..." and "In December 2024, we entered into ...": two deals
    # Figures that agree, or figures that complete each other (MW and term here, value there).
    return True


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")


def _signed_month(m: _Mention) -> str | None:
    """The month the deal sentence says it was made ("On November 3, 2025", "In September 2025"), as YYYY-MM."""
    text = m.values["_segment"][0].flat
    dates = find_dates(text)
    month = _MONTH_YEAR.search(text)
    if dates and (month is None or dates[0][1][0] <= month.start()):
        return dates[0][0][:7]
    if month:
        name, year = month.group().split()
        return f"{year}-{_MONTHS.index(name.lower()) + 1:02d}"
    return None


def _same_deal(a: _Mention, b: _Mention) -> bool:
    figures_agree = (
        _same_key(a.counterparty_key, b.counterparty_key)
        and (a.increment is None or b.increment is None or a.increment == b.increment)
        and not _conflict(a.values, b.values)
        and _shares_figure(a, b)
    )
    return figures_agree or _restates(a, b)


def _merge(mentions: list[_Mention]) -> list[_Mention]:
    deals: list[_Mention] = []
    for m in mentions:
        target = next((d for d in deals if _same_deal(d, m)), None)
        if target is None:
            deals.append(m)
            continue
        _absorb(target, m)
    # A merge can make two earlier deals share a figure; one more pass settles it.
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(deals):
            for b in deals[i + 1 :]:
                if _same_deal(a, b):
                    _absorb(a, b)
                    deals.remove(b)
                    changed = True
                    break
            if changed:
                break
    return deals


def _absorb(target: _Mention, m: _Mention) -> None:
    """Fill the target's gaps from another mention of the same deal; the earlier mention's values win."""
    if target.counterparty_key is None and m.counterparty_key is not None:
        target.counterparty, target.counterparty_key = m.counterparty, m.counterparty_key
        target.quotes["counterparty"] = m.quotes["counterparty"]
    if m.values.get("_gpu_rank", 9) < target.values.get("_gpu_rank", 9) and "gpus" in m.values:
        target.values["gpus"] = m.values["gpus"]
        target.values["_gpu_rank"] = m.values["_gpu_rank"]
        target.quotes["gpus"] = m.quotes["gpus"]
    for name, value in m.values.items():
        if name.startswith("_") or name in target.values:
            continue
        target.values[name] = value
        target.quotes[name] = m.quotes[name]
    if target.increment is None:
        target.increment = m.increment
    target.replaces = target.replaces or m.replaces
    target.terminated = target.terminated or m.terminated
    target.status = target.status or m.status


def _mark_superseded(deals: list[_Mention]) -> None:
    """A deal that says it replaces a prior agreement marks that prior deal superseded."""
    for new in deals:
        if not new.replaces:
            continue
        kind, value = new.replaces
        for old in deals:
            if old is new or old.order > new.order or not _same_key(old.counterparty_key, new.counterparty_key):
                continue
            if old.counterparty_key is None and new.counterparty_key is None:
                continue
            hit = (
                kind == "gpus" and (old.increment == value or (old.increment is not None and old.values.get("gpus") == value))
            ) or (kind == "capacity_mw" and old.values.get("capacity_mw") == value)
            if hit:
                old.superseded = True
                old.status = "superseded"


# --------------------------------------------------------------------------------------------
# Output


def _to_record(m: _Mention, file: str, ticker: str | None) -> HpcContract:
    values = {k: v for k, v in m.values.items() if not k.startswith("_")}
    months = values.pop("term_months", None)
    if m.increment is not None and "gpus" not in values:
        values["gpus"] = m.increment
        m.quotes["gpus"] = m.quotes["_increment"]
    m.quotes.pop("_increment", None)
    evidence = []
    for name, (s, a, b) in sorted(m.quotes.items(), key=lambda kv: kv[0]):
        quote = Evidence(field=name, document=file, locator=_locator(s), quote=s.quote(a, b))
        evidence.append(quote)
        if name == "term_months":
            evidence.append(quote.model_copy(update={"field": "term_years"}))
    return HpcContract(
        ticker=ticker,
        counterparty=m.counterparty or "unnamed customer",
        term_months=months,
        term_years=round(months / 12, 4) if months is not None else None,
        status=m.status or "signed",
        superseded=m.superseded,
        evidence=evidence,
        **values,
    )


def _term_stated(record: HpcContract, doc: Document) -> bool:
    """The record's term quote is verbatim in the document and our term rule reads the same months from it."""
    text = normalize_for_search(doc.text)
    for ev in record.evidence:
        if ev.field != "term_months" or normalize_for_search(ev.quote) not in text:
            continue
        for match in _TERM.finditer(ev.quote.translate(_FLAT)):
            number = _number(match["n"])
            if number is not None:
                months = round(number * 12) if match["unit"].lower().startswith("year") else round(number)
                if months == record.term_months:
                    return True
    return False


def _locator(s: _Sentence) -> str:
    section = s.part.section_at(s.start)
    label = section.label if section else (s.part.description or s.part.filename or "")
    return f"{s.part.type} · {label}".strip(" ·")


def _widen(text: str, span: tuple[int, int], reach: int = 110) -> tuple[int, int]:
    """The clause around a value: out to the nearest clause break or `reach` characters, on word edges."""
    a, b = span
    left = max(0, a - reach)
    breaks = [text.rfind(ch, left, a) for ch in (";", ". ")]
    left = max([left] + [x + 1 for x in breaks if x >= 0])
    right = min(len(text), b + reach)
    ahead = [text.find(ch, b, right) for ch in (";", ". ")]
    ahead = [x for x in ahead if x >= 0]
    if ahead:
        right = min(ahead)
    elif right < len(text):
        space = text.rfind(" ", b, right)
        right = space if space > b else right
    if left > 0 and text[left - 1] not in " ;.":
        space = text.find(" ", left, a)
        left = space + 1 if space >= 0 else left
    return left, right


def _aliases(doc: Document) -> dict[str, str]:
    """Defined short names ('Boosteroid Inc. (“Boosteroid”)') so later sentences' short names resolve."""
    out: dict[str, str] = {}
    for reading in _narrative(doc):
        for match in _ALIAS.finditer(reading.part.text.translate(_FLAT)):
            out.setdefault(match["alias"].strip(), match["full"].strip(" ,"))
    return out


def _ticker_from_name(name: str) -> str | None:
    match = re.match(r"(?:.*/)?([A-Z]{2,5})_", name)
    return match.group(1) if match else None


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _number(text: str) -> float | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    value = word_number(text.replace("-", " ").strip()) if text else None
    if value is None and "-" in text:
        value = word_number(text)
    return float(value) if value is not None else None
