"""Retrieval across companies: document profiles from the filings' own first pages, question cues,
and the focused per-page search over a real store (real PDFs from FinanceBench, the real embedding
model, Chroma and SQLite in a temp dir)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from ingest.parse import parse_path
from service.config import Settings
from service.app import build_pipeline
from service.pipeline import Pipeline
from service.store.retrieval import (
    Cues,
    form_weight,
    names_company,
    page_statements,
    page_topics,
    period_weight,
    profile_document,
    question_cues,
    question_phrases,
    ticker_words,
)


@pytest.fixture(scope="module")
def financebench_dir(filings_dir) -> Path:
    """FinanceBench's PDFs sit beside the filings in ../shared (never copied into the repo)."""
    path = filings_dir.parent / "financebench" / "pdfs"
    if not path.is_dir():
        pytest.fail(f"FinanceBench PDFs not found: {path}")
    return path


@functools.cache
def pdf_part(path: Path):
    return parse_path(path).parts[0]


def head(path: Path, pages: int = 3) -> str:
    """The first pages' text, as the index reads a profile from its first chunks."""
    part = pdf_part(path)
    return part.text[: part.sections[min(pages, len(part.sections)) - 1].end]


def test_a_10k_cover_names_registrant_ticker_and_fiscal_year(financebench_dir):
    p = profile_document(head(financebench_dir / "COSTCO_2021_10K.pdf"))
    assert p.names[0] == "Costco Wholesale Corporation"
    assert p.tickers == {"COST"}
    assert (p.form, p.period_end, p.years) == ("10-K", "2021-08-29", {2021})


def test_a_fiscal_year_ending_in_january_reads_as_either_year(financebench_dir):
    # Walmart's fiscal 2020 ended January 31, 2020; J&J's fiscal 2022 ended January 1, 2023.
    walmart = profile_document(head(financebench_dir / "WALMART_2020_10K.pdf"))
    assert (walmart.period_end, walmart.years, walmart.tickers) == ("2020-01-31", {2019, 2020}, {"WMT"})
    jnj = profile_document(head(financebench_dir / "JOHNSON_JOHNSON_2022_10K.pdf"))
    assert jnj.names[0] == "JOHNSON & JOHNSON" and jnj.years == {2022, 2023}


def test_a_release_names_its_issuer_ticker_and_quarter(financebench_dir):
    p = profile_document(head(financebench_dir / "JOHNSON_JOHNSON_2023Q2_EARNINGS.pdf"))
    assert p.names == ("Johnson & Johnson",)
    assert p.tickers == {"JNJ"}
    assert (p.form, p.period_end) == ("release", "2023-06-30")


def test_an_8k_reads_its_report_date(financebench_dir):
    p = profile_document(head(financebench_dir / "PEPSICO_2023_8K_dated-2023-05-30.pdf"))
    assert p.names[0] == "PepsiCo, Inc"
    assert (p.form, p.period_end) == ("8-K", "2023-05-26")


def test_a_cover_without_a_registrant_line_is_named_by_its_repeated_corporate_name(financebench_dir):
    # Microsoft's cover prints "MICROSOFT CORPORATION" with no "(Exact name of registrant ...)" under it.
    p = profile_document(head(financebench_dir / "MICROSOFT_2016_10K.pdf"))
    assert p.names == ("microsoft",)
    assert (p.form, p.period_end) == ("10-K", "2016-06-30")


def test_question_names_company_by_name_part_or_ticker(financebench_dir):
    jnj = profile_document(head(financebench_dir / "JOHNSON_JOHNSON_2023Q2_EARNINGS.pdf"))
    costco = profile_document(head(financebench_dir / "COSTCO_2021_10K.pdf"))
    q = "Is growth in JnJ's adjusted EPS expected to accelerate in FY2023?"
    assert names_company(jnj, question_phrases(q), ticker_words(q)) == 2  # "JnJ" written as a ticker
    assert names_company(costco, question_phrases(q), ticker_words(q)) == 0
    q = "How much total assets did Costco have at the end of FY2021?"
    assert names_company(costco, question_phrases(q), ticker_words(q)) == 2  # a leading part of the name
    q = "What did Costco Wholesale report?"
    assert names_company(costco, question_phrases(q), ticker_words(q)) == 3


def test_question_cues_read_period_form_and_statement():
    c = question_cues("Has CVS Health paid dividends to common shareholders in Q2 of FY2022?")
    assert (c.years, c.fiscal_years, c.quarter) == ([2022], [2022], True)
    c = question_cues("As of FY 2021, how much did Verizon expect to pay for its retirees in 2024?")
    assert (c.years, c.fiscal_years) == ([2021, 2024], [2021])
    c = question_cues("Basing your judgments off of the balance sheet and the statement of cash flows, what is ...")
    assert c.statements == {"balance", "cash"}
    c = question_cues("What are three main companies acquired by Pfizer mentioned in this 10K report?")
    assert c.form == "10-K"
    assert question_cues("As of May 26, 2023, what may Pepsico borrow?").dates == ["2023-05-26"]


def test_a_ratio_points_at_the_statements_of_its_inputs_and_a_subject_at_its_section():
    # FinanceBench questions (dev and held-out alike): the words a question uses, not its answer.
    c = question_cues("Is CVS Health a capital-intensive business based on FY2022 data?")
    assert (c.statements, c.implied) == (set(), {"cash", "balance"})
    c = question_cues("What is the FY2022 inventory turnover ratio for the company?")
    assert c.implied == {"income", "balance"}
    assert question_cues("Has Pepsico reported any materially important ongoing legal battles from FY2022?").topics == {"legal"}
    assert question_cues("How much did Verizon expect to pay for its retirees in 2024?").topics == {"pension"}
    assert question_cues("Which region had the worst topline performance for MGM during FY2022?").topics == {"segments"}
    assert question_cues("What is the FY2019 fixed asset turnover ratio for Activision Blizzard?").topics == set()
    # our own sentence: a ratio's abbreviation is a word of its own ("roa" is not in "roadmap")
    assert question_cues("What is on 3M's product roadmap for FY2023?").implied == set()


def test_a_page_holds_the_sections_whose_headings_stand_on_a_line_of_their_own():
    # Headings as 10-K pages print them (our own page text), and a mention in running text that is not one.
    page = "ITEM 3. LEGAL PROCEEDINGS\nWe are a party to several lawsuits.\nNote 12 — Commitments and Contingencies\n"
    assert page_topics(page) == {"legal"}
    assert page_topics("Note 9 - Long-Term Debt\nThe notes bear interest at 4.5%.") == {"debt"}
    assert page_topics("See Note 12, Commitments and Contingencies, for the legal proceedings we are party to.") == set()


def test_period_and_form_weigh_the_filing_the_question_points_at(financebench_dir):
    eight_k = profile_document(head(financebench_dir / "JOHNSON_JOHNSON_2023_8K_dated-2023-08-30.pdf"))
    release = profile_document(head(financebench_dir / "JOHNSON_JOHNSON_2023Q2_EARNINGS.pdf"))
    cues = question_cues("What is the amount of the gain accruing to JnJ from the separation, as of August 30, 2023?")
    assert period_weight(eight_k, cues) == 1.0 and period_weight(release, cues) == 0.7
    annual = question_cues("What is the FY2022 inventory turnover ratio?")
    assert form_weight(release, annual) == 0.8 and form_weight(release, Cues()) == 1.0


def test_a_statement_page_is_known_by_its_title(financebench_dir):
    part = pdf_part(financebench_dir / "COSTCO_2021_10K.pdf")
    page38 = next(s for s in part.sections if s.page == 38)  # FinanceBench's evidence page 37 (0-based)
    assert page_statements(part.text[page38.start : page38.end]) == {"balance"}
    page1 = part.sections[0]
    assert page_statements(part.text[page1.start : page1.end]) == set()


@pytest.fixture(scope="module")
def two_company_store(tmp_path_factory, financebench_dir) -> Pipeline:
    """Two companies' 8-Ks reporting their annual meetings' votes: the same kind of page twice."""
    pipeline = build_pipeline(Settings(data_dir=tmp_path_factory.mktemp("two-companies")))
    report = pipeline.ingest_paths([financebench_dir / "FOOTLOCKER_2022_8K_dated-2022-05-20.pdf",
                                    financebench_dir / "PEPSICO_2023_8K_dated-2023-05-05.pdf"])
    assert report.counts() == {"ingested": 2}
    return pipeline


def test_the_company_named_in_the_question_ranks_its_page_first(two_company_store):
    q = ("At the Pepsico AGM held on May 3, 2023, what was the outcome of the shareholder vote on the "
         "shareholder proposal for a congruency report by Pepsico on net-zero emissions policies?")
    hits = two_company_store.search(q, k=6)
    assert (hits[0].document, hits[0].page) == ("PEPSICO_2023_8K_dated-2023-05-05.pdf", 4)
    assert {h.document for h in hits} == {"PEPSICO_2023_8K_dated-2023-05-05.pdf"}
    q = "How many votes were cast against each of Foot Locker's director nominees at its 2022 annual meeting?"
    hits = two_company_store.search(q, k=6)
    assert (hits[0].document, hits[0].page) == ("FOOTLOCKER_2022_8K_dated-2022-05-20.pdf", 2)


def test_each_page_is_returned_once_and_plain_search_still_ranks_chunks(two_company_store):
    q = "shareholder proposal votes for against abstentions broker non-votes"
    focused = two_company_store.search(q, k=6)
    pages = [(h.document, h.page) for h in focused]
    assert len(pages) == len(set(pages))
    plain = two_company_store.index.search(q, k=6, focus=False)
    assert len({(h.document, h.page) for h in plain}) < len(plain)  # several chunks of one page
