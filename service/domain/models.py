"""The service's domain as types: what the ledger, the screen, the contract book and the flags are,
field by field. The domain functions return these (`build_ledger` -> `Ledger`, `company_screen` ->
`list[ScreenRow]`, `build_contracts` -> `ContractBook`, `Pipeline.flags` -> `list[Flag]`); the API
declares them as response models and the CLI prints their `model_dump(mode="json")`.

Their JSON is the JSON minerlens has always printed: the same keys, the same values (a float stays
a float, an int an int). Where a shape is one of a few (a metric's inputs), each shape is its own
model with every key required and no other allowed, so a dump gives back exactly what was built.
"""

from __future__ import annotations

from typing import Union

from pydantic import BaseModel, ConfigDict, Field

from extract.records import ContractStatus, DebtKind, Evidence, UtilizationDisclosure

# A value as a record states it: a number, a date or text, a yes/no.
Scalar = Union[bool, int, float, str, None]


# -- the debt ledger --------------------------------------------------------------------------


class LedgerMention(BaseModel):
    """One document's mention of the instrument, with the quotes it was read from."""

    document: str
    filed: str | None
    name: str = Field(description="The instrument as this document names it.")
    evidence: list[Evidence]
    warnings: list[str]


class ConflictValue(BaseModel):
    value: Scalar
    document: str
    filed: str | None


class Conflict(BaseModel):
    """A term the documents disagree on: every stated value, oldest first (the latest is used)."""

    field: str
    values: list[ConflictValue]


class OutstandingPoint(BaseModel):
    as_of: str = Field(description="ISO date the balance is stated at (the filing date when none is stated).")
    outstanding_usd: float
    document: str


class Instrument(BaseModel):
    """One debt instrument of a company, merged across every document that mentions it. Each term
    is the latest filing's that states it; disagreements are in `conflicts`."""

    ticker: str | None
    name: str = Field(description="The fullest name the documents use.")
    kind: DebtKind
    principal_usd: float | None
    option_usd: float | None
    coupon_pct: float | None
    rate_text: str | None
    issue_date: str | None
    maturity_date: str | None
    maturity_year: int | None
    conversion_rate_per_1000: float | None
    conversion_price_usd: float | None
    secured: bool | None
    carrying_value_usd: float | None
    outstanding_usd: float | None = Field(description="The latest stated outstanding principal.")
    outstanding_as_of: str | None
    outstanding_history: list[OutstandingPoint]
    xbrl_member: str | None
    aliases: list[str]
    conflicts: list[Conflict]
    mentions: list[LedgerMention] = Field(description="Every document's mention, oldest first.")


class Ledger(BaseModel):
    """A company's debt ledger: largest instruments first, those only mentioned in passing last."""

    ticker: str
    instruments: list[Instrument]


class OutstandingInstrument(Instrument):
    """An instrument counted in the debt at a date, with the amount used and where it came from."""

    amount_usd: float
    amount_basis: str = Field(description="'outstanding as of <date>' or 'principal issued (no outstanding amount stated)'.")
    amount_document: str | None


# -- the screen -------------------------------------------------------------------------------


class _Exact(BaseModel):
    """Every key required, no other allowed: of a union of such shapes exactly one validates."""

    model_config = ConfigDict(extra="forbid")


class FigureInput(_Exact):
    """A stated figure of one period (or its prior-year comparative), with its quotes."""

    name: str
    value: int | float | None
    document: str | None
    period_end: str
    evidence: list[Evidence]


class InstrumentInput(_Exact):
    """A debt instrument's amount counted in a maturity metric."""

    name: str | None
    value: int | float
    basis: str
    document: str | None
    maturity: str | int | None = Field(description="ISO maturity date, else the maturity year.")


class ConversionInput(InstrumentInput):
    """A convertible's amount and the shares it converts into."""

    conversion_rate_per_1000: int | float
    shares: int | float


class PriceInput(_Exact):
    """A market input (BTC or share price) as supplied."""

    name: str
    value: int | float | None
    document: str


class DerivedInput(_Exact):
    """A ratio's numerator or denominator, with the inputs it was computed from."""

    name: str
    value: MetricValue
    derived_from: list[MetricInput]


class MetricRef(_Exact):
    """A metric used as an input (EBITDA sums operating income and D&A), named."""

    name: str
    value: MetricValue
    inputs: list[MetricInput]
    note: str | None


class Moneyness(BaseModel):
    instrument: str | None
    conversion_price_usd: float
    moneyness: float = Field(description="Share price / conversion price; > 1 is in the money.")


MetricValue = Union[int, float, dict[str, float], list[Moneyness], None]
MetricInput = Union[FigureInput, InstrumentInput, ConversionInput, PriceInput, DerivedInput, MetricRef]


class Metric(BaseModel):
    """A screening metric computed in code: its value (null when an input is missing, the reason in
    `note`), and each input used, with the document and quote it came from."""

    value: MetricValue
    inputs: list[MetricInput]
    note: str | None


class ScreenRow(BaseModel):
    """One company's metrics for one period end."""

    ticker: str
    period_end: str
    document: str = Field(description="The document the period's figures come from first.")
    form: str | None
    annual: bool
    sources: list[str]
    metrics: dict[str, Metric]
    values: dict[str, MetricValue] = Field(description="Each metric's value alone.")
    warnings: list[str]


# -- the contract book ------------------------------------------------------------------------


class DealSource(BaseModel):
    document: str
    filed: str | None
    status: ContractStatus | None
    evidence: list[Evidence]


class Deal(BaseModel):
    """One AI/HPC deal as its latest source states it, with every document that states it."""

    ticker: str | None
    counterparty: str
    guarantor: str | None
    site: str | None
    capacity_mw: float | None
    gross_mw: float | None
    gpus: int | None
    gpu_model: str | None
    term_years: float | None
    term_months: int | None
    total_contract_value_usd: float | None
    annual_revenue_usd: float | None
    start_date: str | None
    status: ContractStatus | None
    superseded: bool
    in_force: bool = Field(description="Neither superseded nor terminated.")
    sources: list[DealSource]


class InForce(BaseModel):
    """Totals over the deals in force (null when none states the figure)."""

    capacity_mw: float | None
    gpus: int | None
    total_contract_value_usd: float | None


class ContractHistory(BaseModel):
    counterparty: str
    deals: list[Deal]
    in_force: InForce


class UtilizationRow(UtilizationDisclosure):
    document: str
    filed: str | None


class ContractBook(BaseModel):
    """A company's AI/HPC contract histories, one per counterparty, largest in force first; with
    its utilization disclosures by period where the pipeline adds them."""

    ticker: str
    contracts: list[ContractHistory]
    utilization: list[UtilizationRow] = Field(default_factory=list)


# -- flags ------------------------------------------------------------------------------------


class FlagDetail(BaseModel):
    """What a flag says, by kind: instrument flags name the instrument and its trigger, period
    flags the period and the metrics compared. Keys a kind does not state are absent, not null."""

    model_config = ConfigDict(extra="allow")

    instrument: str | None = None
    trigger: str | None = None
    document: str | None = None
    filed: str | None = None
    period_end: str | None = None
    summary: str | None = None
    numbers: dict[str, Scalar] = Field(default_factory=dict, description="The flag's numbers, as JSON numbers.")
    numbers_as_stated: dict[str, str] = Field(default_factory=dict, description="Each number as its evidence spells it.")
    evidence: list[Evidence] = Field(default_factory=list)
    inputs: dict[str, Metric] = Field(default_factory=dict, description="Period flags: the metrics compared.")


class FlagCandidate(BaseModel):
    """A flag the ledger and the screen call for, before the store keeps it (once per `key`)."""

    kind: str
    key: str
    ticker: str
    detail: FlagDetail


class Flag(BaseModel):
    """A new-leverage or credit flag, raised once (its `key` identifies the event)."""

    id: int
    ticker: str | None
    kind: str
    key: str
    raised_at: str = Field(description="ISO UTC timestamp the flag was raised.")
    detail: FlagDetail


# -- documents --------------------------------------------------------------------------------


class StoredDocument(BaseModel):
    """An ingested document's row."""

    model_config = ConfigDict(extra="allow")

    sha256: str
    file: str
    format: str | None
    size_bytes: int | None
    accession: str | None
    form: str | None
    filed: str | None
    period: str | None
    company: str | None
    cik: str | None
    ticker: str | None
    items: list[str]
    ingested_at: str
    status: str
    error: str | None


DerivedInput.model_rebuild()
MetricRef.model_rebuild()
Metric.model_rebuild()
ScreenRow.model_rebuild()
FlagDetail.model_rebuild()


class WatchCompany(BaseModel):
    """One watched company's EDGAR polling state."""

    ticker: str
    cik: str
    last_poll: str | None
    last_accession: str | None
    error: str | None
    backoff_until: str | None
    pending: list[str] = Field(description="Accessions that failed and are tried again.")
