"""AI/HPC utilization disclosures: how much AI/HPC capacity a company runs, fills and earns from.

An analyst tracking the AI pivot wants, per company and period: MW energized or contracted to
AI/HPC customers, occupancy or utilization, AI/HPC revenue recognized, GPUs deployed. Filings
state these in three places, read here in this order:

1. Inline XBRL: revenue facts on a product/segment member that names the AI/HPC line
   ("CloudServicesMember", "HighPerformanceComputingMember"), current period only. Exact values.
2. Revenue sentences in MD&A and earnings releases: "Revenue from cloud services was $18.0
   million ... prior year's quarter". A text figure that repeats an XBRL fact is not added twice.
3. Capacity sentences: "we lease and operate a 4MW AI data center", "MTL 1 is currently hosting
   over 5,000 GPUs", "occupancy of 92% across our HPC halls".

What is *not* a disclosure: bitcoin-mining capacity (MW powering miners, hashrate, mining hosting
revenue), plans and targets ("targeting 32MW by the end of 2025", "evaluate the feasibility of
developing 600 MW for AI/HPC"), assumptions ("assuming a 100% utilization rate"), contract terms
(those are HpcContracts), and risk-factor prose. A sentence counts only if it ties its figure to
AI/HPC and states a fact rather than an intention.

Colocation is ambiguous (bitcoin miners are hosted in colocation too): a colocation revenue line
counts only when the same document describes its colocation as HPC/AI.

Every value goes through the evidence gate (`extract.evidence.verify`). The context fields
(period_end, as_of, hpc_revenue_period) are read from the sentence or the document's own period
phrase and carry their own quote when one exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from extract import hpc_vocab
from extract.evidence import normalize_for_search, verify
from extract.normalize import find_dates, find_money, find_percents
from extract.records import Evidence, UtilizationDisclosure
from ingest.errors import BadInput
from ingest.reading import PartReading, is_boilerplate, read
from ingest.types import Document, Part, XbrlFact


_MINING = hpc_vocab.MINING
# Intentions, targets, assumptions and conditions: the figure is not (yet) a fact.
_NOT_YET = re.compile(
    r"\b(?:target(?:s|ed|ing)?|expect(?:s|ed|ing)?|anticipat\w*|intend\w*|plan(?:s|ned|ning)?|project(?:s|ed|ion)|"
    r"will|would|could|may|might|potential(?:ly)?|evaluat\w*|feasibility|pipeline|assum\w*|estimat\w*|goal|aim(?:s|ing)?|"
    r"forecast\w*|seek\w*|pursu\w*|under\s+(?:construction|development)|upon\s+completion|once|if|"
    r"up\s+to|capacity\s+of\s+up|by\s+the\s+end\s+of|designed\s+to)\b",
    re.I,
)

# --- values --------------------------------------------------------------------------------

_MW = hpc_vocab.MEGAWATTS
_ENERGIZED = re.compile(
    r"\b(?:energi[sz]ed|operat(?:e|es|ed|ing|ional)|online|on-line|live|in\s+(?:operation|service)|running|powered)\b", re.I
)
_CONTRACTED = re.compile(
    r"\b(?:contracted|under\s+contract|leased\s+to|committed\s+to\s+customers|fully\s+leased|leased\s+(?:by|to)\s+customers|"
    r"(?:signed|executed)\s+(?:leases|contracts))\b",
    re.I,
)
_GPU = hpc_vocab.GPU_COUNT
_DEPLOYED = re.compile(
    r"\b(?:deployed|hosting|hosts|hosted|in\s+(?:operation|service)|operational|installed|online|energi[sz]ed|running|"
    r"operat(?:e|es|ing)|live)\b",
    re.I,
)
# GPU counts that are deal terms or financing, not a fleet in service.
_GPU_NOT_FLEET = re.compile(
    r"\b(?:supply|order(?:s|ed)?|agreements?|contracts?|purchas\w*|buy|acquir\w*|sale|sell\w*|leas(?:e|ing)\s+(?:them|it)\s+back|"
    r"financ\w*|provide|additional|incremental)\b",
    re.I,
)
_UTILIZATION = re.compile(r"\b(?:utili[sz]ation|utili[sz]ed|occupan(?:cy|t)|occupied|leased)\b", re.I)
_FULL = re.compile(r"\b(?:fully\s+(?:leased|occupied|contracted|utili[sz]ed)|full\s+capacity\s+is\s+(?:occupied|leased|contracted))\b", re.I)

_REVENUE = re.compile(
    r"(?:\brevenues?\s+(?:from|generated\s+(?:by|from)|attributable\s+to|derived\s+from)\s+(?:our\s+|the\s+|its\s+)?(?P<a>[A-Za-z/\- ]{2,50}?)"
    r"|(?:\b(?:our|its|the)\s+)?(?P<b>[A-Za-z/\-]+(?:\s+[A-Za-z/\-]+){0,4}?)\s+(?:segment\s+)?revenues?)"
    r"\s+(?:(?:for|in|during)\s+the\s+[^$]{0,60}?\s+)?"
    r"(?:was|were|totaled|totalled|amounted\s+to|of|increased\s+to|decreased\s+to|grew\s+to|reached|came\s+in\s+at)\s+"
    r"(?:approximately\s+|about\s+)?(?=\$|US\$|USD)",
    re.I,
)
_HPC_LINE = hpc_vocab.HPC_REVENUE_LINE
_COLOCATION_LINE = hpc_vocab.COLOCATION
_NOT_LINE = hpc_vocab.NOT_HPC_REVENUE_LINE
_NOT_RECOGNIZED = re.compile(
    r"annuali[sz]ed|run[- ]rate|\bARR\b|backlog|remaining\s+performance|contract\s+value|over\s+the\s+(?:term|life)|"
    r"projected|expected|assum\w*|target\w*|estimat\w*|potential|per\s+(?:MW|megawatt|GPU|hour)",
    re.I,
)

# --- periods -------------------------------------------------------------------------------

_PERIOD_PHRASE = re.compile(
    r"\b(?P<kind>three|six|nine|twelve|3|6|9|12)[- ]months?\s+(?:period\s+)?ended|\b(?P<fy>(?:fiscal\s+)?year|quarter)\s+ended",
    re.I,
)
_QUARTER_OF = re.compile(r"\b(?P<q>first|second|third|fourth)\s+quarter\s+(?:of\s+)?(?:fiscal\s+(?:year\s+)?)?(?P<y>20\d{2})\b", re.I)
_THREE_MONTHS = re.compile(r"\bthree\s+months\b|\bquarter(?:ly)?\b|\bQ[1-4]\b", re.I)
_YTD = re.compile(r"\b(?:six|nine)\s+months\b|\byear[- ]to[- ]date\b|\bYTD\b", re.I)
_TWELVE = re.compile(r"\btwelve\s+months\b|\b(?:fiscal\s+)?year\s+ended\b|\bfiscal\s+(?:year\s+)?20\d{2}\b|\bfull[- ]year\b", re.I)
_AS_OF = re.compile(r"\b(?:as\s+of|as\s+at|at|on)\s+(?=(?:January|February|March|April|May|June|July|August|September|October|November|December)\b)", re.I)

_SITE_DEFINED = re.compile(r"\(\s*(?:the\s+)?[“\"](?P<s>[A-Z][\w\- ]{0,24})[”\"]\s*\)")
_SITE_SUBJECT = re.compile(
    r"^(?P<s>[A-Z][A-Za-z]*(?:[ \-][A-Z0-9][\w\-]*){0,3})(?:(?:’s|'s)(?:\s+[\w\-]+){1,3})?\s+(?:is|are|has|was|currently|now|hosts|operates|houses)\b"
)
_NOT_SITE = re.compile(r"^(?:The|This|That|We|Our|It|Its|Each|Such|Company|Management|Revenue)\b")

_FLAT = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\xa0": " ", "\u2009": " ", "\u202f": " "})
_VALUE_FIELDS = ("energized_mw", "contracted_mw", "utilization_pct", "hpc_revenue_usd", "gpus_deployed")
_CONTEXT_FIELDS = ("period_end", "as_of", "hpc_revenue_period", "revenue_line")


@dataclass(slots=True)
class _Sentence:
    part: Part
    start: int
    flat: str

    def quote(self, a: int, b: int) -> str:
        return self.part.text[self.start + a : self.start + b].strip()


@dataclass
class _Finding:
    """One disclosure before the gate: values, context and the quotes that state them."""

    values: dict[str, object] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    from_xbrl: bool = False


# --------------------------------------------------------------------------------------------
# Public entry point


def extract_utilization(doc: Document) -> list[UtilizationDisclosure]:
    """Every AI/HPC utilization disclosure the document states, one record per period/date and site."""
    if not isinstance(doc, Document):
        raise BadInput(
            f"extract_utilization needs a parsed Document, not {type(doc).__name__}",
            hint="Parse the file first with ingest.parse.parse_path.",
        )
    ticker = doc.filing.ticker or _ticker_from_name(doc.file)
    period = _DocumentPeriod.read(doc)
    colocation_is_hpc = _colocation_is_hpc(doc)
    findings = _xbrl_revenue(doc, period, colocation_is_hpc)
    sentences = [s for reading in _narrative(doc) for s in _sentences(reading)
                 if not is_boilerplate(reading.section_label(s.start))]
    # Sites the document calls AI/HPC ("a 4MW AI data center ... (“MTL 1”)"): a later sentence about
    # that site ("MTL 1’s full capacity is occupied") is about AI/HPC capacity without repeating it.
    hpc_sites = {site for s in sentences if _is_hpc_text(s.flat) and (site := _site(s.flat))}
    for s in sentences:
        findings += _read_sentence(s, doc, period, colocation_is_hpc, _site(s.flat) in hpc_sites)
    findings = _drop_repeats(findings)
    records = [_record(f, doc, ticker) for f in _merge(findings)]
    return [r for r in records if any(getattr(r, name) is not None for name in _VALUE_FIELDS)]


# --------------------------------------------------------------------------------------------
# The document's own reporting period: what an undated "revenue was $18.0 million" refers to


@dataclass(slots=True)
class _DocumentPeriod:
    end: str | None
    kind: str | None  # "3 months" / "year to date" / "12 months"
    quote: Evidence | None

    @classmethod
    def read(cls, doc: Document) -> _DocumentPeriod:
        """The first "<n> months/quarter/year ended <date>" phrase; periodic reports fall back to their
        cover period. The first phrase of a filing names its own period (later ones are comparatives)."""
        for reading in _narrative(doc):
            part = reading.part
            flat = part.text.translate(_FLAT)
            for match in _PERIOD_PHRASE.finditer(flat):
                dates = find_dates(flat[match.end() : match.end() + 30])
                if not dates:
                    continue
                end = dates[0][0]
                kind = _kind_of_phrase(match)
                quote = part.text[match.start() : match.end() + dates[0][1][1]].strip()
                ev = Evidence(field="period_end", document=doc.file, locator=_locator(part, match.start()), quote=quote)
                if doc.filing.period and doc.filing.form and doc.filing.form.upper().startswith("10-") and end != doc.filing.period:
                    continue  # a 10-Q's stray comparative phrase before its own period
                return cls(end, kind, ev)
            for match in _QUARTER_OF.finditer(flat):
                end = _quarter_end(match["q"], int(match["y"]))
                ev = Evidence(field="period_end", document=doc.file, locator=_locator(part, match.start()), quote=part.text[match.start() : match.end()].strip())
                return cls(end, "3 months", ev)
        if doc.filing.form and doc.filing.form.upper().startswith(("10-Q", "10-K")):
            kind = "12 months" if doc.filing.form.upper().startswith("10-K") else None
            return cls(doc.filing.period, kind, None)
        return cls(None, None, None)


def _kind_of_phrase(match: re.Match[str]) -> str | None:
    if match["kind"]:
        n = {"three": 3, "six": 6, "nine": 9, "twelve": 12}.get(match["kind"].lower()) or int(match["kind"])
        return {3: "3 months", 12: "12 months"}.get(n, "year to date")
    return "3 months" if match["fy"].lower() == "quarter" else "12 months"


def _quarter_end(word: str, year: int) -> str:
    month = {"first": 3, "second": 6, "third": 9, "fourth": 12}[word.lower()]
    return date(year, month, 30 if month in (6, 9) else 31).isoformat()


# --------------------------------------------------------------------------------------------
# 1. XBRL revenue by AI/HPC product or segment member


_REVENUE_CONCEPT = re.compile(r"^(?:Revenues?|RevenueFromContractWithCustomer\w*|\w*Revenue)$")
_LINE_AXES = re.compile(r"ProductOrServiceAxis|StatementBusinessSegmentsAxis|SegmentsAxis|SegmentAxis|TypeOfProductOrServiceAxis")


def _xbrl_revenue(doc: Document, period: _DocumentPeriod, colocation_is_hpc: bool) -> list[_Finding]:
    candidates: list[tuple[XbrlFact, str]] = []
    for fact in doc.facts:
        local = fact.concept.split(":")[-1]
        if fact.instant or not isinstance(fact.value, float) or not _REVENUE_CONCEPT.match(local):
            continue
        if "Cost" in local or "Remaining" in local or "Deferred" in local or not fact.fact_id or not fact.text:
            continue
        members = [m for axis, m in fact.dimensions.items() if _LINE_AXES.search(axis)]
        others = [a for a in fact.dimensions if not _LINE_AXES.search(a) and "ConsolidationItems" not in a]
        if len(members) != 1 or others:
            continue
        line = _member_words(members[0])
        if not _is_hpc_line(line, colocation_is_hpc):
            continue
        candidates.append((fact, line))
    if not candidates:
        return []
    current = period.end if period.end and any(f.period_end == period.end for f, _ in candidates) else max(f.period_end or "" for f, _ in candidates)
    findings: list[_Finding] = []
    seen: set[tuple[str, str | None, float]] = set()
    for fact, line in candidates:
        if fact.period_end != current:
            continue
        kind = _kind_of_days(fact.period_start, fact.period_end)
        key = (line, kind, fact.value)
        if key in seen:  # the same figure in the income statement and the segment note
            continue
        seen.add(key)
        f = _Finding(from_xbrl=True)
        f.values.update(hpc_revenue_usd=fact.value, revenue_line=line, period_end=fact.period_end, hpc_revenue_period=kind)
        locator = f"xbrl {fact.fact_id} {fact.concept}"
        f.evidence.append(Evidence(field="hpc_revenue_usd", document=doc.file, locator=locator, quote=fact.text))
        f.evidence.append(Evidence(field="revenue_line", document=doc.file, locator=locator, quote=members_text(fact)))
        findings.append(f)
    return findings


def members_text(fact: XbrlFact) -> str:
    """The fact's dimension members as tagged: the XBRL counterpart of a quote for the revenue line."""
    return " ".join(m for m in fact.dimensions.values())


def _member_words(member: str) -> str:
    name = member.split(":")[-1]
    name = re.sub(r"Member$", "", name)
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words.split())


def _kind_of_days(start: str | None, end: str | None) -> str | None:
    if not start or not end:
        return None
    days = (date.fromisoformat(end) - date.fromisoformat(start)).days
    if 80 <= days <= 100:
        return "3 months"
    if 350 <= days <= 380:
        return "12 months"
    return "year to date"


def _is_hpc_line(line: str, colocation_is_hpc: bool) -> bool:
    if _NOT_LINE.search(line):
        return False
    return bool(_HPC_LINE.search(line)) or (colocation_is_hpc and bool(_COLOCATION_LINE.search(line)))


def _colocation_is_hpc(doc: Document) -> bool:
    """Whether the document describes its colocation business as HPC/AI (not miner hosting)."""
    return hpc_vocab.colocation_is_hpc([s.flat for reading in _narrative(doc) for s in _sentences(reading)])


# --------------------------------------------------------------------------------------------
# 2 and 3. Sentences


def _narrative(doc: Document) -> list[PartReading]:
    """The filing and its releases; legal exhibits and data carry no operating disclosures."""
    return [r for r in read(doc) if r.role == "narrative"]


def _sentences(reading: PartReading) -> list[_Sentence]:
    """The reading layer's sentences, bullets stripped; a flattened table is not a sentence."""
    out = []
    for s in reading.sentences:
        flat = s.text.translate(_FLAT)
        lead = len(flat) - len(flat.lstrip(" ●•"))
        if 10 < len(flat.strip(" ●•")) <= 1500:
            out.append(_Sentence(reading.part, s.start + lead, flat[lead:].rstrip()))
    return out


def _is_hpc_text(text: str) -> bool:
    return hpc_vocab.is_hpc(text)


def _read_sentence(s: _Sentence, doc: Document, period: _DocumentPeriod, colocation_is_hpc: bool, hpc_site: bool) -> list[_Finding]:
    found: list[_Finding] = []
    revenue = _read_revenue(s, doc, period, colocation_is_hpc)
    if revenue:
        found.append(revenue)
    if not (_is_hpc_text(s.flat) or hpc_site):
        return found
    # A sentence about mining that mentions AI in passing ("we mine bitcoin and plan AI") is mining.
    if _MINING.search(s.flat) and not hpc_vocab.STRONG_HPC.search(s.flat):
        return found
    capacity = _read_capacity(s, doc, period, hpc_site)
    if capacity:
        found.append(capacity)
    return found


def _read_revenue(s: _Sentence, doc: Document, period: _DocumentPeriod, colocation_is_hpc: bool) -> _Finding | None:
    for match in _REVENUE.finditer(s.flat):
        line = (match["a"] or match["b"] or "").strip()
        line = re.sub(r"^(?:our|its|the|total)\s+", "", line, flags=re.I)
        line = re.sub(r"(?:\s+(?:business|segment|operations?))?(?:\s+(?:recogni[sz]ed|generated|earned|reported|had))?$", "", line, flags=re.I)
        if not line or not _is_hpc_line(line, colocation_is_hpc):
            continue
        clause_end = _clause_end(s.flat, match.end())
        if _NOT_RECOGNIZED.search(s.flat[: clause_end]) or _NOT_YET.search(s.flat[match.start() : clause_end]):
            continue
        money = find_money(s.flat[match.end() : match.end() + 40])
        if not money:
            continue
        value = money[0][0]
        f = _Finding()
        f.values.update(hpc_revenue_usd=value, revenue_line=line.lower())
        a, b = _clip(s.flat, match.start(), match.end() + money[0][1][1])
        f.evidence.append(Evidence(field="hpc_revenue_usd", document=doc.file, locator=_locator(s.part, s.start), quote=s.quote(a, b)))
        f.evidence.append(Evidence(field="revenue_line", document=doc.file, locator=_locator(s.part, s.start), quote=s.quote(a, b)))
        _revenue_period(f, s, doc, period)
        return f
    return None


def _revenue_period(f: _Finding, s: _Sentence, doc: Document, period: _DocumentPeriod) -> None:
    """The period from the sentence itself ("for the year ended December 31, 2024"), else the document's."""
    phrase = _PERIOD_PHRASE.search(s.flat)
    dates = find_dates(s.flat[phrase.end() : phrase.end() + 30]) if phrase else []
    if phrase and dates:
        f.values["period_end"] = dates[0][0]
        f.values["hpc_revenue_period"] = _kind_of_phrase(phrase)
        quote = s.quote(phrase.start(), phrase.end() + dates[0][1][1])
        f.evidence.append(Evidence(field="period_end", document=doc.file, locator=_locator(s.part, s.start), quote=quote))
        return
    if _YTD.search(s.flat):
        kind = "year to date"
    elif _THREE_MONTHS.search(s.flat):
        kind = "3 months"
    elif _TWELVE.search(s.flat):
        kind = "12 months"
    else:
        kind = period.kind
    f.values["hpc_revenue_period"] = kind
    f.values["period_end"] = period.end
    if period.quote:
        f.evidence.append(period.quote)
    if kind != period.kind and period.kind:
        f.warnings.append(f"revenue period {kind!r} read from the sentence differs from the document's {period.kind!r}")


def _read_capacity(s: _Sentence, doc: Document, period: _DocumentPeriod, hpc_site: bool) -> _Finding | None:
    f = _Finding()
    text = s.flat
    locator = _locator(s.part, s.start)

    def put(name: str, value: object, span: tuple[int, int]) -> None:
        if name in f.values:
            return
        a, b = _clip(text, *span)
        f.values[name] = value
        f.evidence.append(Evidence(field=name, document=doc.file, locator=locator, quote=s.quote(a, b)))

    for match in _MW.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        clause = text[_clause_start(text, match.start()) : _clause_end(text, match.end())]
        if _NOT_YET.search(clause) or re.search(r"\b(?:additional|incremental|another)\s*$", before, re.I):
            continue
        if not (_is_hpc_text(clause) or (hpc_site and not _MINING.search(clause))):
            continue
        value = float(match["n"].replace(",", ""))
        if _CONTRACTED.search(clause):
            put("contracted_mw", value, match.span())
        elif _ENERGIZED.search(clause):
            put("energized_mw", value, match.span())

    for match in _GPU.finditer(text):
        clause = text[_clause_start(text, match.start()) : _clause_end(text, match.end())]
        if _NOT_YET.search(clause) or _GPU_NOT_FLEET.search(clause) or not _DEPLOYED.search(clause):
            continue
        put("gpus_deployed", int(match["n"].replace(",", "")), match.span())
        if re.search(r"\b(?:over|more\s+than|at\s+least|in\s+excess\s+of)\s*$", text[max(0, match.start() - 20) : match.start()], re.I):
            f.warnings.append(f"gpus_deployed is a lower bound: the filing says more than {match['n']}")

    if _UTILIZATION.search(text) and not _NOT_YET.search(text):
        for value, span in find_percents(text):
            near = text[max(0, span[0] - 80) : span[1] + 80]
            if _UTILIZATION.search(near) and not re.search(r"\b(?:increase|decrease|growth|grew|margin|ownership|owned|interest)\b", near, re.I):
                put("utilization_pct", value, span)
                break
        else:
            full = _FULL.search(text)
            if full:
                put("utilization_pct", 100.0, full.span())

    if not f.values:
        return None
    _point_in_time(f, s, doc, period)
    site = _site(text)
    if site:
        f.values["site"] = site
        f.evidence.append(Evidence(field="site", document=doc.file, locator=locator, quote=s.quote(*_clip(text, text.find(site), text.find(site) + len(site)))))
    return f


def _point_in_time(f: _Finding, s: _Sentence, doc: Document, period: _DocumentPeriod) -> None:
    """As of when: a date in the sentence ("As of December 31, 2024", "On January 22, 2024"), else
    "currently" means the filing date, else the document's period end."""
    anchor = _AS_OF.search(s.flat)
    dates = find_dates(s.flat[anchor.end() : anchor.end() + 30]) if anchor else []
    if anchor and dates:
        f.values["as_of"] = dates[0][0]
        quote = s.quote(anchor.start(), anchor.end() + dates[0][1][1])
        f.evidence.append(Evidence(field="as_of", document=doc.file, locator=_locator(s.part, s.start), quote=quote))
    elif doc.filing.filed:
        # an undated statement of capacity ("we operate", "currently hosting") describes the company when it filed
        f.values["as_of"] = doc.filing.filed
    f.values["period_end"] = period.end
    if period.quote:
        f.evidence.append(period.quote)


def _site(text: str) -> str | None:
    subject = _SITE_SUBJECT.match(text)
    if subject and not _NOT_SITE.match(subject["s"]) and re.search(r"\d|[A-Z]{2}", subject["s"]):
        return subject["s"]
    defined = _SITE_DEFINED.search(text)
    if defined and re.search(r"\d", defined["s"]):
        return defined["s"].strip()
    return None


# --------------------------------------------------------------------------------------------
# Combining findings into records


def _drop_repeats(findings: list[_Finding]) -> list[_Finding]:
    """A text figure that restates an XBRL fact (rounded: "$45.7 million" for 45,727,735) is the
    same disclosure; the exact tagged value wins. Identical text findings (summary and MD&A) collapse."""
    kept: list[_Finding] = []
    tagged = [f for f in findings if f.from_xbrl]
    for f in findings:
        if not f.from_xbrl and "hpc_revenue_usd" in f.values:
            value = float(f.values["hpc_revenue_usd"])  # type: ignore[arg-type]
            if any(
                t.values.get("period_end") == f.values.get("period_end")
                and _same_line(str(t.values.get("revenue_line")), str(f.values.get("revenue_line")))
                # "$1.4 million" is 1,361,241 rounded: a text amount agrees within its last stated digit
                and abs(float(t.values["hpc_revenue_usd"]) - value) <= max(0.01 * value, _rounding(f))  # type: ignore[arg-type]
                for t in tagged
            ):
                continue
        same = next((k for k in kept if _values(k) == _values(f)), None)
        if same is None:
            kept.append(f)
    return kept


def _same_line(a: str, b: str) -> bool:
    stem = lambda w: w.rstrip("s")  # noqa: E731 - "service" and "services" are one line
    return bool({stem(w) for w in a.lower().split()} & {stem(w) for w in b.lower().split()})


def _rounding(f: _Finding) -> float:
    """Half a unit of the last digit the quote states: "$1.4 million" is exact to 50,000."""
    quote = next((e.quote for e in f.evidence if e.field == "hpc_revenue_usd"), "")
    match = re.search(r"\$\s?\d[\d,]*(?:\.(?P<d>\d+))?\s*(?P<u>billion|million|thousand)?", quote, re.I)
    if not match:
        return 0.0
    unit = {"billion": 1e9, "million": 1e6, "thousand": 1e3}.get((match["u"] or "").lower(), 1.0)
    return 0.5 * unit / 10 ** len(match["d"] or "")


def _values(f: _Finding) -> dict[str, object]:
    return {k: v for k, v in f.values.items() if k in _VALUE_FIELDS or k in ("site", "as_of", "period_end", "revenue_line")}


def _merge(findings: list[_Finding]) -> list[_Finding]:
    """Findings of one date and site join into one record when no field conflicts."""
    merged: list[_Finding] = []
    for f in findings:
        target = next((m for m in merged if _joinable(m, f)), None)
        if target is None:
            merged.append(_Finding(dict(f.values), list(f.evidence), list(f.warnings), f.from_xbrl))
            continue
        for k, v in f.values.items():
            target.values.setdefault(k, v)
        target.evidence += [e for e in f.evidence if e not in target.evidence]
        target.warnings += [w for w in f.warnings if w not in target.warnings]
    return merged


def _joinable(a: _Finding, b: _Finding) -> bool:
    for key in ("period_end", "as_of", "site"):
        if a.values.get(key) != b.values.get(key):
            return False
    return all(a.values.get(k) in (None, v) for k, v in b.values.items())


def _record(f: _Finding, doc: Document, ticker: str | None) -> UtilizationDisclosure:
    """Values through the gate; context fields (period, date) kept as read, with their quotes."""
    values = {k: v for k, v in f.values.items() if k not in _CONTEXT_FIELDS}
    draft = UtilizationDisclosure(ticker=ticker, evidence=f.evidence, warnings=f.warnings, **values)
    checked = verify(draft, doc)
    text = normalize_for_search(doc.text)
    context_evidence = [
        e for e in f.evidence
        if e.field in _CONTEXT_FIELDS and (e.locator.startswith("xbrl ") or normalize_for_search(e.quote) in text)
    ]
    update: dict[str, object] = {k: f.values.get(k) for k in _CONTEXT_FIELDS}
    if checked.utilization_pct is None and f.values.get("utilization_pct") == 100.0:
        # "fully leased" states 100% in words the numeric gate cannot read; check the phrase itself.
        full = [e for e in f.evidence if e.field == "utilization_pct" and _FULL.search(e.quote) and normalize_for_search(e.quote) in text]
        if full:
            update["utilization_pct"] = 100.0
            context_evidence += full
            checked = checked.model_copy(update={"warnings": [w for w in checked.warnings if not w.startswith("dropped utilization_pct")]})
    if checked.hpc_revenue_usd is None:
        update["hpc_revenue_period"] = None
        update["revenue_line"] = None
    update["evidence"] = [*checked.evidence, *(e for e in context_evidence if e not in checked.evidence)]
    return checked.model_copy(update=update)


# --------------------------------------------------------------------------------------------
# Small helpers


def _clause_start(text: str, at: int) -> int:
    cut = max(text.rfind(ch, 0, at) for ch in (";", ", and ", ", while ", ", but ", ", which "))
    return 0 if cut < 0 else cut + 1


def _clause_end(text: str, at: int) -> int:
    ends = [x for x in (text.find(ch, at) for ch in (";", ", and ", ", while ", ", but ", ", which ")) if x >= 0]
    return min(ends) if ends else len(text)


def _clip(text: str, a: int, b: int, reach: int = 90) -> tuple[int, int]:
    """A short quote around [a, b): out to `reach` characters or the sentence edge, on word edges."""
    left = max(0, a - reach)
    if left > 0:
        space = text.find(" ", left, a)
        left = space + 1 if space >= 0 else left
    right = min(len(text), b + reach)
    if right < len(text):
        space = text.rfind(" ", b, right)
        right = space if space > b else right
    return left, right


def _locator(part: Part, offset: int) -> str:
    section = part.section_at(offset)
    label = section.label if section else (part.description or part.filename or "")
    return f"{part.type} · {label}".strip(" ·")


def _ticker_from_name(name: str) -> str | None:
    match = re.match(r"(?:.*/)?([A-Z]{2,5})_", name)
    return match.group(1) if match else None


__all__ = ["extract_utilization"]
