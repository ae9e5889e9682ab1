"""Typed records extracted from a Document. Field names match ../shared/filings/labels.jsonl.

Field descriptions double as the schema an LLM sees in the optional LLM-assisted mode, so they
say exactly what a value means and in which unit.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

DebtKind = Literal["convertible", "senior_secured", "senior_unsecured", "term_loan", "credit_facility", "other"]
ContractStatus = Literal["signed", "letter_of_intent", "option", "expansion", "amended", "terminated", "superseded"]


class Evidence(BaseModel):
    """A verbatim quote from a document that states a value or supports a claim."""

    field: str | None = Field(None, description="Record field this quote supports; None for an answer citation.")
    document: str = Field(description="File name of the ingested document.")
    locator: str = Field(description="Where in the document: part, section, page, or 'xbrl <fact id> <concept>'.")
    quote: str = Field(description="Short verbatim text from the document.")


class DebtInstrument(BaseModel):
    ticker: str | None = None
    name: str = Field(description="The instrument as the document names it, e.g. '0.00% Convertible Senior Notes due 2032'.")
    kind: DebtKind = Field(description="convertible | senior_secured | senior_unsecured | term_loan | credit_facility | other")
    principal_usd: float | None = Field(None, description="Aggregate principal issued or sold in USD; for a facility its commitment or maximum capacity.")
    option_usd: float | None = Field(None, description="Initial purchasers' option to buy additional notes, USD, where separate.")
    outstanding_usd: float | None = Field(None, description="Principal outstanding at the latest balance-sheet date, USD.")
    outstanding_as_of: str | None = Field(None, description="ISO date of outstanding_usd.")
    carrying_value_usd: float | None = Field(None, description="Carrying amount (net of discount and issuance costs), USD.")
    coupon_pct: float | None = Field(None, description="Stated annual interest rate in percent (0.0 for zero-coupon); null for floating rates.")
    rate_text: str | None = Field(None, description="Floating or ranged rate as stated, e.g. 'SOFR + 2.85%'.")
    issue_date: str | None = Field(None, description="ISO date the instrument was issued or the agreement entered into.")
    maturity_date: str | None = Field(None, description="ISO maturity date where a full date is stated.")
    maturity_year: int | None = Field(None, description="Maturity year.")
    conversion_rate_per_1000: float | None = Field(None, description="Shares per $1,000 principal, all decimals as stated.")
    conversion_price_usd: float | None = Field(None, description="Conversion price in USD per share.")
    secured: bool | None = Field(None, description="True if secured by collateral, False if stated unsecured.")
    xbrl_member: str | None = Field(None, description="The XBRL member on a debt axis identifying this instrument, if any.")
    mention_only: bool = Field(False, description="Only mentioned in passing (e.g. older notes being repurchased).")
    aliases: list[str] = Field(default_factory=list, description="Terms the document defines for it, e.g. '2030 Notes', 'Parent Convertible Notes'.")
    evidence: list[Evidence] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="Consistency checks that failed; values are kept, not fixed.")


class HpcContract(BaseModel):
    ticker: str | None = None
    counterparty: str = Field(description="Named customer, or as the filing calls it ('Initial Customer', 'a hyperscaler').")
    guarantor: str | None = Field(None, description="A party backstopping the customer's obligations, e.g. Google.")
    site: str | None = None
    capacity_mw: float | None = Field(None, description="Critical IT MW where stated.")
    gross_mw: float | None = Field(None, description="Gross (utility) MW where stated apart from critical IT.")
    gpus: int | None = Field(None, description="Number of GPUs.")
    gpu_model: str | None = None
    term_years: float | None = None
    term_months: int | None = None
    total_contract_value_usd: float | None = None
    annual_revenue_usd: float | None = None
    start_date: str | None = None
    status: ContractStatus | None = None
    superseded: bool = False
    evidence: list[Evidence] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class CompanyFigures(BaseModel):
    """Period figures; flows cover the latest three months, `_ytd` fields the year to date."""

    period_end: str | None = None
    cash_usd: float | None = None
    total_debt_usd: float | None = None
    interest_expense_usd: float | None = None
    interest_expense_usd_ytd: float | None = None
    operating_income_usd: float | None = None
    operating_income_usd_ytd: float | None = None
    depreciation_amortization_usd: float | None = None
    depreciation_amortization_usd_ytd: float | None = None
    btc_holdings: float | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="Tagging errors found and how they were handled; values are not guessed.")


class Failure(BaseModel):
    """An extractor that failed on a document: reported, never raised through a batch."""

    extractor: str
    message: str


class Extraction(BaseModel):
    """Everything extracted from one document."""

    file: str
    ticker: str | None = None
    form: str | None = None
    filed: str | None = None
    debt_instruments: list[DebtInstrument] = Field(default_factory=list)
    hpc_contracts: list[HpcContract] = Field(default_factory=list)
    company_figures: CompanyFigures | None = None
    failures: list[Failure] = Field(default_factory=list)
    utilization: list[UtilizationDisclosure] = Field(default_factory=list)


class UtilizationDisclosure(BaseModel):
    """How much of its AI/HPC capacity a company runs and earns from, for one period or date.

    Mining capacity (hashrate, MW powering miners) is not AI/HPC utilization and never lands here."""

    ticker: str | None = None
    period_end: str | None = Field(None, description="ISO end of the reporting period the disclosure belongs to.")
    as_of: str | None = Field(None, description="ISO date a point-in-time figure (MW, GPUs, occupancy) is stated at.")
    energized_mw: float | None = Field(None, description="AI/HPC capacity operating or energized, MW.")
    contracted_mw: float | None = Field(None, description="AI/HPC capacity leased or contracted to customers, MW.")
    utilization_pct: float | None = Field(None, description="Occupancy or utilization of AI/HPC capacity, percent (85.0 is 85%).")
    hpc_revenue_usd: float | None = Field(None, description="AI/HPC/cloud revenue recognized in the period, USD.")
    hpc_revenue_period: str | None = Field(None, description="Length of the revenue period: '3 months', 'year to date' or '12 months'.")
    revenue_line: str | None = Field(None, description="The revenue line as the filing names it, e.g. 'cloud services'.")
    gpus_deployed: int | None = Field(None, description="GPUs deployed, hosted or in operation.")
    site: str | None = Field(None, description="Data center or campus the figures refer to, where stated.")
    evidence: list[Evidence] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


Extraction.model_rebuild()
