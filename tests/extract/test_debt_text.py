from __future__ import annotations

from pathlib import Path

import pytest

from extract.debt import extract_debt
from extract.debt_text import debt_from_text, split_sentences
from ingest.parse import parse_bytes, parse_path


def _one(instruments, **match):
    found = [i for i in instruments if all(getattr(i, k) == v for k, v in match.items())]
    assert len(found) == 1, [i.name for i in instruments]
    return found[0]


def test_pricing_release_all_terms(filing) -> None:
    doc = filing("CLSK_8-K_2025-11-12.txt")
    notes = _one(extract_debt(doc), maturity_year=2032)
    assert notes.name == "0.00% convertible senior notes due 2032"
    assert (notes.kind, notes.ticker, notes.secured) == ("convertible", "CLSK", False)
    assert notes.principal_usd == 1_150_000_000
    assert notes.option_usd == 150_000_000
    assert notes.coupon_pct == 0.0
    assert notes.conversion_rate_per_1000 == 52.1832
    assert notes.conversion_price_usd == 19.16
    assert notes.maturity_date == "2032-02-15"
    assert notes.issue_date == "2025-11-13"
    assert notes.warnings == []
    quotes = {e.field: e.quote for e in notes.evidence}
    assert "52.1832 shares of common stock per $1,000 principal amount" in quotes["conversion_rate_per_1000"]
    assert len(extract_debt(doc)) == 1


def test_launch_release_has_no_pricing_terms(filing) -> None:
    notes = _one(extract_debt(filing("CLSK_8-K_2025-11-10.txt")), kind="convertible")
    assert (notes.principal_usd, notes.option_usd, notes.coupon_pct) == (1_000_000_000, 200_000_000, 0.0)
    assert (notes.conversion_rate_per_1000, notes.conversion_price_usd, notes.issue_date) == (None, None, None)


def test_closing_8k_principal_includes_exercised_option_and_existing_notes_are_mentions(filing) -> None:
    found = extract_debt(filing("MARA_8-K_2024-11-21.htm"))
    new = _one(found, maturity_year=2030)
    assert (new.principal_usd, new.option_usd) == (1_000_000_000, None)
    assert (new.conversion_rate_per_1000, new.conversion_price_usd) == (38.5902, 25.9133)
    assert (new.issue_date, new.maturity_date) == ("2024-11-20", "2030-03-01")
    old = _one(found, maturity_year=2026)
    assert old.mention_only is True
    assert old.principal_usd is None  # $212 million is being repurchased, not issued


def test_mara_2031_conversion_rate(filing) -> None:
    new = _one(extract_debt(filing("MARA_8-K_2024-12-04.htm")), maturity_year=2031)
    assert new.conversion_rate_per_1000 == 28.9159
    assert new.conversion_price_usd == 34.583
    assert new.principal_usd == 850_000_000


def test_preliminary_prospectus_keeps_blank_terms_null(filing) -> None:
    notes = _one(extract_debt(filing("BTBT_424B5_2025-09-29.txt")), kind="convertible")
    assert (notes.coupon_pct, notes.conversion_rate_per_1000, notes.conversion_price_usd, notes.issue_date) == (None, None, None, None)
    assert (notes.principal_usd, notes.option_usd, notes.maturity_date) == (100_000_000, 15_000_000, "2030-10-01")


def test_final_prospectus_terms(filing) -> None:
    notes = _one(extract_debt(filing("BTBT_424B5_2025-10-01.txt")), kind="convertible")
    assert (notes.coupon_pct, notes.conversion_rate_per_1000, notes.conversion_price_usd) == (4.0, 240.3846, 4.16)
    assert (notes.principal_usd, notes.option_usd, notes.issue_date) == (135_000_000, 15_000_000, "2025-10-02")


def test_prospectus_keeps_new_and_existing_notes_apart(filing) -> None:
    found = extract_debt(filing("BTDR_424B5_2025-11-12.txt"))
    new = _one(found, kind="convertible", maturity_date="2031-11-15")
    assert (new.principal_usd, new.option_usd, new.coupon_pct) == (400_000_000, 60_000_000, None)
    november_2029 = _one(found, coupon_pct=5.25)
    assert (november_2029.maturity_date, november_2029.principal_usd) == ("2029-12-01", 360_000_000)
    assert _one(found, coupon_pct=4.875).maturity_year == 2031


def test_pricing_supplement_option_from_the_total(filing) -> None:
    notes = _one(extract_debt(filing("BTDR_424B5_2025-11-13.txt")), coupon_pct=4.0)
    assert (notes.principal_usd, notes.option_usd) == (400_000_000, 60_000_000)
    assert (notes.conversion_rate_per_1000, notes.conversion_price_usd) == (56.2635, 17.77)


def test_earnings_release_sized_offering(filing) -> None:
    notes = _one(extract_debt(filing("BTBT_8-K_2025-11-14.txt")), kind="convertible")
    assert (notes.principal_usd, notes.conversion_price_usd) == (150_000_000, 4.16)
    assert _one(extract_debt(filing("CLSK_8-K_2025-11-25.txt")), kind="convertible").principal_usd == 1_150_000_000


def test_facilities_in_10q_prose(filing) -> None:
    found = debt_from_text(filing("RIOT_10-Q_2025-05-01.htm"))
    coinbase = _one(found, principal_usd=100_000_000)
    assert (coinbase.kind, coinbase.issue_date) == ("credit_facility", "2025-04-22")
    revolver = _one(found, principal_usd=50_000_000)
    assert (revolver.kind, revolver.secured) == ("credit_facility", True)
    note = _one(found, principal_usd=5_700_000)
    assert (note.coupon_pct, note.maturity_year) == (8.81, 2035)


@pytest.mark.parametrize(
    "name",
    ["CLSK_8-K_2024-05-09.htm", "CORZ_8-K_2025-10-22.txt", "CORZ_8-K_2025-10-30.txt", "CORZ_8-K_2025-10-30_b.txt", "FUFU_6-K_2024-08-20.htm"],
)
def test_negative_controls_yield_nothing(filing, name: str) -> None:
    assert extract_debt(filing(name)) == []


def test_lender_side_loans_are_not_debt(filing) -> None:
    assert extract_debt(filing("BTBT_10-K_2025-03-14.htm")) == []


def test_split_sentences_keeps_abbreviations_together() -> None:
    text = "The trustee is U.S. Bank Trust Company, N.A. as trustee. The notes will mature on Feb. 15, 2032. Next"
    assert [s.text for s in split_sentences(text)] == [
        "The trustee is U.S. Bank Trust Company, N.A. as trustee.",
        "The notes will mature on Feb. 15, 2032.",
        "Next",
    ]


_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def test_hard_wrapped_plain_text_reads_sentences_across_lines() -> None:
    notes = _one(extract_debt(parse_path(_CORPUS / "CLSK_PR_2025-11-10_sample.txt")), kind="convertible")
    assert (notes.principal_usd, notes.option_usd) == (1_150_000_000, 150_000_000)
    # "They\nwill mature on February 15, 2032": a pronoun sentence continues the paragraph's notes.
    assert (notes.maturity_date, notes.issue_date) == ("2032-02-15", "2025-11-13")
    # "Each $1,000 of principal will initially convert into 52.1832 shares"
    assert (notes.conversion_rate_per_1000, notes.conversion_price_usd) == (52.1832, 19.16)


def test_split_sentences_joins_wrapped_lines_but_not_table_rows() -> None:
    prose = "word " * 14
    text = (
        f"The Convertible Notes will be senior unsecured obligations and will {prose}They\n"
        f"will mature on February 15, 2032 unless converted, redeemed or repurchased {prose}then.\n"
        + "".join(f"  Maturity:         February 15, 2032 and more words to be long enough {i}\n" for i in range(6))
    )
    sentences = split_sentences(text)
    assert sentences[0].text.endswith("They\nwill mature on February 15, 2032 unless converted, redeemed or repurchased " + prose + "then.")
    assert len(sentences) == 7  # the six table rows stay apart


def test_standalone_pdf_is_read_with_unquoted_defined_term() -> None:
    notes = _one(extract_debt(parse_path(_CORPUS / "RIOT_PR_2025-02-27_sample.pdf")), kind="convertible")
    assert (notes.principal_usd, notes.coupon_pct, notes.maturity_date) == (594_400_000, 0.75, "2030-01-15")
    # Page 2 speaks of "The 2030 Notes", defined as "(the 2030 Notes)" without quotation marks.
    assert (notes.conversion_rate_per_1000, notes.conversion_price_usd) == (67.2767, 14.86)


def test_closed_on_date_and_bought_back_notes() -> None:
    found = extract_debt(parse_path(_CORPUS / "MARA_8-K_2024-12-04_sample.htm"))
    new = _one(found, maturity_year=2031)
    assert (new.issue_date, new.principal_usd, new.secured) == ("2024-12-04", 850_000_000, False)
    old = _one(found, maturity_year=2026)
    # "$48 million ... to buy back approximately $51 million in aggregate principal amount of ... notes due 2026"
    assert (old.mention_only, old.principal_usd) == (True, None)


def test_10q_subheadings_scope_each_loan_and_name_it_by_its_defined_term(filing) -> None:
    found = debt_from_text(filing("CLSK_10-Q_2025-02-06.htm"))
    # "(the “Western Alliance Bank Credit Agreement”)"; "Pursuant to this agreement, the Company
    # executed a promissory note in the amount of $7,000" is the same loan, not a second one.
    aircraft = _one(found, name="Western Alliance Bank Credit Agreement")
    assert (aircraft.principal_usd, aircraft.issue_date, aircraft.maturity_date) == (7_000_000, "2024-08-14", "2029-08-14")
    assert (aircraft.coupon_pct, aircraft.rate_text, aircraft.secured) == (None, "SOFR + 3%", True)  # 6.75% is the swap's
    # Under the "Mortgage - Corporate Office" sub-heading: no name in the paragraph, terms still its own.
    mortgage = _one(found, name="Mortgage - Corporate Office")
    assert (mortgage.issue_date, mortgage.coupon_pct, mortgage.secured) == ("2023-05-10", 10.0, True)
    # A second equipment financing agreement, told apart by its lender, with its stated balance.
    line = _one(found, principal_usd=1_000_000)
    assert line.name == "Equipment financing agreement with Western Alliance Bank"
    assert (line.outstanding_usd, line.outstanding_as_of, line.coupon_pct) == (1_000_000, "2024-12-31", None)
    # The GRIID credit agreement is a loan CleanSpark made (a note receivable), not its debt.
    assert not [i for i in found if i.issue_date == "2024-06-26"]


def test_generic_note_reference_does_not_reach_the_convertible(filing) -> None:
    found = debt_from_text(filing("RIOT_10-K_2025-02-27.htm"))
    # "The note payable matures in December 2035" is the Block Mining note, not the 2030 Notes.
    assert _one(found, coupon_pct=0.75).maturity_year == 2030
    assert _one(found, coupon_pct=8.81).maturity_year == 2035
    assert not [i for i in found if i.issue_date == "2019-01-28"]  # an exhibit index entry


def test_run_in_headings_and_stated_balances_in_the_sample_note() -> None:
    found = extract_debt(parse_path(_CORPUS / "CLSK_10-Q_2025-02-06_debt-note_sample.htm"))
    coinbase = _one(found, xbrl_member="clsk:CoinbaseLineOfCreditMember")
    assert (coinbase.principal_usd, coinbase.issue_date, coinbase.secured) == (50_000_000, "2024-08-07", True)
    aircraft = _one(found, xbrl_member="clsk:WesternAllianceBankCreditAgreementMember")
    # "Principal of $6,731 thousand was outstanding" beats the 6,644 carrying amount.
    assert (aircraft.outstanding_usd, aircraft.carrying_value_usd) == (6_731_000, 6_644_000)


def test_defined_term_starting_with_a_dollar_sign_is_found(filing) -> None:
    # "(“$100 Million Credit Facility”)" ... "Amounts borrowed under the $100 Million Credit Facility
    # will be secured by a portion of the Company’s total Bitcoin holdings."
    facility = _one(debt_from_text(filing("RIOT_10-Q_2025-05-01.htm")), principal_usd=100_000_000)
    assert (facility.secured, facility.issue_date) == (True, "2025-04-22")


def test_collateral_wording_secured_with_and_which_secures() -> None:
    found = debt_from_text(parse_path(Path(__file__).resolve().parents[2] / "corpus" / "CLSK_10-Q_2025-02-06_debt-note_sample.htm"))
    aircraft = _one(found, principal_usd=7_000_000)
    assert aircraft.secured is True
    assert any("which secures the note" in e.quote for e in aircraft.evidence if e.field == "secured")


def test_repaid_balance_is_not_outstanding(filing) -> None:
    # "the Company repaid the $50,000 outstanding balance on the line of credit"
    line = _one(extract_debt(filing("CLSK_10-Q_2025-02-06.htm")), principal_usd=50_000_000)
    assert line.outstanding_usd == 0.0


# --- round 3: defined terms, option exercises, groups, funded loans ---------------------------


def test_exercised_option_adds_to_the_base_and_is_kept_apart(filing) -> None:
    # "an additional US$45.0 million ... pursuant to the full exercise ... of their option granted in
    # connection with the ... private placement of US$330.0 million principal amount of notes"
    notes = _one(extract_debt(filing("BTDR_424B5_2025-11-12.txt")), coupon_pct=4.875)
    assert (notes.principal_usd, notes.option_usd) == (375_000_000, 45_000_000)


def test_facilities_named_by_defined_terms_and_groups(filing) -> None:
    found = extract_debt(filing("BTDR_424B5_2025-11-12.txt"))
    names = {i.name for i in found}
    # Two loans defined in one bullet without a verb for the second; the collective term is no instrument.
    assert {"April 2025 Matrixport Loan", "September 2025 Matrixport Loan", "October 2025 Matrixport Loan"} <= names
    assert "Matrixport Loans" not in names
    september = _one(found, name="September 2025 Matrixport Loan")
    # "... secured indebtedness ..., including the Matrixport Loans"
    assert (september.principal_usd, september.secured) == (400_000_000, True)
    october = _one(found, name="October 2025 Matrixport Loan")
    # "As of November 10, 2025, we have fully drawn down US$100.0 million under the facility."
    assert (october.outstanding_usd, october.outstanding_as_of) == (100_000_000, "2025-11-10")
    facility = _one(found, name="Financing Facility")
    # "“Financing Facility” refers to the financing facility ... we increased to US$26.0 million"
    assert (facility.principal_usd, facility.outstanding_usd) == (26_000_000, 26_487_000)
    # The bare "convertible senior notes due 2029" of the 6-K list is the 5.25% notes, not a third 2029 issue.
    assert sorted(i.coupon_pct for i in found if i.maturity_year == 2029) == [5.25, 8.5]


def test_notes_named_only_by_month_and_year(filing) -> None:
    found = extract_debt(filing("BTDR_424B5_2025-11-13.txt"))
    notes = _one(found, name="November 2029 notes")
    assert (notes.maturity_year, notes.mention_only) == (2029, True)
    assert len(found) == 2


def test_umbrella_facility_keeps_its_parts(filing) -> None:
    ess = _one(extract_debt(filing("RIOT_10-K_2025-02-27.htm")), name="Credit and Security Facility")
    # "$10.0 million credit and security facility consisting of a $6.0 million revolving line of credit
    # (the “Revolving Line of Credit”) and ...": one instrument; "The Revolving Line of Credit matured in December 2024"
    assert (ess.kind, ess.principal_usd, ess.maturity_year, ess.secured) == ("credit_facility", 10_000_000, 2024, True)


def test_funded_term_loan_and_loan_group_under_a_shared_heading(filing) -> None:
    found = extract_debt(filing("CLSK_10-Q_2025-02-06.htm"))
    auto = _one(found, xbrl_member="clsk:AutoAndEquipmentLoansAndFinancingMember")
    # "combined principal outstanding at December 31, 2024 of $643"; "The loans are secured with ..."
    assert (auto.outstanding_usd, auto.secured, auto.issue_date) == (643_000, True, None)
    western = _one(found, name="Equipment financing agreement with Western Alliance Bank")
    assert (western.principal_usd, western.issue_date) == (1_000_000, "2024-08-28")  # "Additionally, on August 28, 2024"
    older = extract_debt(filing("CLSK_10-Q_2024-05-09.htm"))
    trinity = _one(older, coupon_pct=13.8)
    # "provided for up to $35,000 of borrowings ... received a loan of $20,000 at closing"
    assert trinity.principal_usd == 20_000_000
    marquee = _one(older, name="Marquee Funding Partners")
    assert marquee.secured is True  # found under "10. LOANS", not the "Leases" note above it
    auto_2024 = _one(older, xbrl_member="clsk:AutoLoansMember")
    assert auto_2024.outstanding_usd == 812_000  # "combined principal of $287" is new loans, not the balance


# -- mechanisms added for filings of other issuers (issue 10) ------------------------------------


def test_token_collateralised_loan_in_a_section_headed_by_it(filing) -> None:
    # DFDV_424B3_2025-11-03.txt: "Master Loan Agreement" heads three paragraphs; the later two speak
    # of "the loan" without naming it, and the notes defined as (the “notes”) earlier are not it.
    found = extract_debt(filing("DFDV_424B3_2025-11-03.txt"))
    loan = _one(found, issue_date="2025-07-25")
    assert (loan.coupon_pct, loan.maturity_date, loan.secured, loan.principal_usd) == (12.5, "2025-11-25", True, None)
    quotes = {e.field: e.quote for e in loan.evidence}
    assert "at a loan fee amount of 12.5% per annum" in quotes["coupon_pct"]
    assert quotes["secured"].startswith("The loan is collateralized by our treasury assets (including Solana)")
    notes = _one(found, coupon_pct=5.5)
    assert (notes.secured, notes.maturity_date, notes.principal_usd, notes.option_usd) == (None, None, 112_500_000, 10_000_000)


def test_loans_named_by_their_defined_terms(filing) -> None:
    found = {i.name: i for i in extract_debt(filing("CEPO_10-Q_2025-08-14.txt"))}
    sponsor_note, pre_ipo, sponsor_loan = found["Sponsor Note"], found["Pre-IPO Note"], found["Sponsor Loan"]
    assert (sponsor_note.principal_usd, sponsor_note.coupon_pct, sponsor_note.conversion_price_usd) == (3_000_000, 0.0, 10.0)
    assert (pre_ipo.principal_usd, pre_ipo.coupon_pct, pre_ipo.issue_date) == (300_000, 0.0, "2024-05-21")
    assert (sponsor_loan.principal_usd, sponsor_loan.coupon_pct, sponsor_loan.issue_date) == (1_750_000, 0.0, None)


def test_means_definition_outstanding_at_a_defined_date_and_terms_of_the_name(filing) -> None:
    # DJT_8-K_2025-12-18.txt, EX-2.1: “Parent Convertible Notes” means the 0.00% Convertible Senior Secured Notes
    # due May 29, 2028; "As of the Capitalization Date, there were $983,505,000 ... issued and outstanding".
    notes = _one(extract_debt(filing("DJT_8-K_2025-12-18.txt")), kind="convertible", maturity_year=2028)
    assert notes.name == "0.00% Convertible Senior Secured Notes due May 29, 2028"
    assert (notes.principal_usd, notes.outstanding_usd, notes.outstanding_as_of) == (None, 983_505_000, "2025-12-15")
    assert (notes.coupon_pct, notes.maturity_date, notes.conversion_rate_per_1000, notes.secured) == (0.0, "2028-05-29", 28.8, True)
    quotes = {e.field: e.quote for e in notes.evidence}
    assert quotes["outstanding_as_of"] == "(b) As of the close of business on December 15, 2025 (the “Capitalization Date”)"


def test_secured_stated_by_the_name(filing) -> None:
    notes = _one(extract_debt(filing("CEPO_8-K_2025-08-07.txt")), coupon_pct=1.0)
    assert (notes.secured, notes.principal_usd) == (True, 500_000_000)


def test_heading_naming_one_convertible_note_owns_its_paragraph(filing) -> None:
    # DFDV_S-1_2025-12-18.txt, Item 15: "April PIPE Transaction / Convertible Note" over "The Notes accrue interest at
    # a rate of 2.5% per year ... and mature on April 6, 2030" and "The conversion price has been set at $9.74".
    found = extract_debt(filing("DFDV_S-1_2025-12-18.txt"))
    pipe = _one(found, conversion_price_usd=9.74)
    assert (pipe.kind, pipe.coupon_pct, pipe.maturity_date) == ("convertible", 2.5, "2030-04-06")
    assert _one(found, coupon_pct=5.5).maturity_date is None


def test_option_grants_add_up_and_subscriptions_do_not_issue(filing) -> None:
    # CEPO_8-K_2025-08-07.txt: "(i) an option to purchase additional Convertible Notes in an aggregate principal amount
    # of up to $125 million ..., (ii) an option to purchase additional Convertible Notes ... of up to $125 million";
    # the notes are subscribed, to be issued at the Closing.
    notes = _one(extract_debt(filing("CEPO_8-K_2025-08-07.txt")), coupon_pct=1.0)
    assert (notes.principal_usd, notes.option_usd, notes.issue_date) == (500_000_000, 250_000_000, None)
    quote = next(e.quote for e in notes.evidence if e.field == "option_usd")
    assert quote.count("up to $125 million") == 2


def test_balance_at_the_first_of_two_dates_respectively(filing) -> None:
    # CEPO_10-Q_2025-08-14.txt: "As of June 30, 2025 and December 31, 2024, the Company had approximately $244,000 and
    # $0, respectively, outstanding under the Sponsor Loan."
    loan = _one(extract_debt(filing("CEPO_10-Q_2025-08-14.txt")), name="Sponsor Loan")
    assert (loan.outstanding_usd, loan.outstanding_as_of, loan.principal_usd) == (244_000, "2025-06-30", 1_750_000)


def test_a_note_the_filer_holds_as_lender_gives_nothing(filing) -> None:
    # DJT_8-K_2025-12-18.txt: "TMTG has agreed to fund $200 million to TAE"; EX-10.1 "FOR VALUE RECEIVED, TAE
    # TECHNOLOGIES, INC. ... promises to pay to the undersigned holder": TAE's debt, TMTG's asset.
    found = extract_debt(filing("DJT_8-K_2025-12-18.txt"))
    assert [i.name for i in found] == ["0.00% Convertible Senior Secured Notes due May 29, 2028"]
    assert not any(e.locator.startswith("EX-10.1") for i in found for e in i.evidence)


def test_stated_total_of_tranches_is_the_principal_and_a_letter_agreement_no_issue_date(filing) -> None:
    # CEPO_10-Q_2025-11-14.txt: "... taken together, the total aggregate principal amount of the Convertible Notes to be
    # issued by Pubco at Closing will be $574,693,000"; "On July 17, 2025, the Company entered into a letter agreement ..."
    notes = _one(extract_debt(filing("CEPO_10-Q_2025-11-14.txt")), coupon_pct=1.0)
    assert (notes.principal_usd, notes.option_usd, notes.issue_date, notes.secured) == (574_693_000, 250_000_000, None, True)


def test_a_loan_the_agreement_says_another_party_borrows_is_not_the_filers_debt(filing):
    """FG Nexus's subsidiary sells a business: "Seller has agreed to provide a loan to Buyer ... (the
    “Seller Note”)", and the agreement names the Buyer ("Thomas C. Heise (as Buyer)"): a note the filer
    holds, not one it owes."""
    assert debt_from_text(filing("FGNX_8-K_2025-10-28.txt")) == []


def test_a_loan_of_a_digital_asset_under_a_master_loan_agreement_is_no_dollar_facility(filing) -> None:
    # DFDV: "a master loan agreement with BitGo ... a loan request for 75,000 Solana at a loan fee amount of 12.5% per annum"
    loan = _one(extract_debt(filing("DFDV_424B3_2025-11-03.txt")), coupon_pct=12.5)
    assert (loan.kind, loan.principal_usd, loan.maturity_date) == ("other", None, "2025-11-25")


@pytest.mark.parametrize("borrowing, kind", [
    ("The Company borrowed 1,200 BTC under the agreement at a loan fee of 6.0% per annum.", "other"),
    ("Each loan under the agreement bears a loan fee of 6.0% per annum.", "credit_facility"),
])
def test_only_a_borrowing_stated_in_tokens_makes_a_loan_agreement_a_token_loan(borrowing, kind) -> None:
    from ingest.parse import parse_bytes

    text = ("Sample written by the minerlens team for a test. On March 3, 2025, the Company entered into a master loan "
            f"agreement with a digital asset lender. {borrowing}\n")
    found = extract_debt(parse_bytes(text.encode(), "EXMP_8-K_2025-03-03.txt"))
    assert (_one(found).kind, _one(found).coupon_pct) == (kind, 6.0)


def test_notes_introduced_by_size_and_term_are_their_own_set(filing) -> None:
    """DFDV's S-1 tells its July 5.50% notes first, then (Item 15) "issued to the Investors
    $41,950,000 million in aggregate principal amount of convertible notes (the “Notes”)" under an
    April securities purchase agreement, and their terms under a "Convertible Note" heading."""
    instruments = extract_debt(filing("DFDV_S-1_2025-12-18.txt"))
    july = _one(instruments, coupon_pct=5.5)
    april = _one(instruments, coupon_pct=2.5)
    assert (july.principal_usd, july.issue_date) == (112_500_000, "2025-07-07")
    assert april.principal_usd == 41_950_000  # the drafting slip "million" does not multiply a full amount
    assert (april.maturity_date, april.conversion_price_usd) == ("2030-04-06", 9.74)
    # "On April 4, 2025, the Company entered into a securities purchase agreement ... pursuant to which
    # the Company issued": the agreement's date, not a stated issue date.
    assert april.issue_date is None


def test_a_glossary_term_is_an_alias_of_the_instrument_it_means(filing) -> None:
    """DJT's merger 8-K: "“Parent Convertible Notes” means the 0.00% Convertible Senior Secured Notes
    due May 29, 2028" and later "$983,505,000 aggregate principal amount of Parent Convertible Notes"."""
    notes = _one(extract_debt(filing("DJT_8-K_2025-12-18.txt")), coupon_pct=0.0)
    assert notes.name == "0.00% Convertible Senior Secured Notes due May 29, 2028"
    assert "Parent Convertible Notes" in notes.aliases
    assert (notes.outstanding_usd, notes.outstanding_as_of) == (983_505_000, "2025-12-15")


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # A balance stated as drawn, at a date, under the facility's defined term.
        ("On March 3, 2025, the Company entered into a $50.0 million revolving credit facility with Silvergate Bank (the “Revolver”). "
         "As of June 30, 2025, $20.0 million was drawn under the Revolver.",
         {"kind": "credit_facility", "principal_usd": 50_000_000, "outstanding_usd": 20_000_000, "outstanding_as_of": "2025-06-30"}),
        # A facility a 10-Q names only by its proper name: the balance and the commitment.
        ("As of September 30, 2025, there was $35,000,000 outstanding under the Coinbase Credit Facility, which provides for "
         "borrowings of up to $75,000,000 secured by bitcoin.",
         {"name": "Coinbase Credit Facility", "principal_usd": 75_000_000, "outstanding_usd": 35_000_000, "secured": True}),
        # The defined name says which kind of debt a credit agreement holds.
        ("On March 3, 2025, we entered into a credit agreement providing for a $200 million term loan facility with Two Prime "
         "Lending (the “Term Loan”). The Term Loan matures on March 3, 2028 and bears interest at 9.0% per annum.",
         {"name": "Term Loan", "kind": "term_loan", "maturity_date": "2028-03-03", "coupon_pct": 9.0}),
    ],
)
def test_facility_balances_and_kinds_in_10q_prose(sentence, expected) -> None:
    """Sample sentences we wrote in the shape of 10-Q debt notes (not from a filing)."""
    doc = parse_bytes(("CleanSpark, Inc.\n\nNote 7. Debt\n\n" + sentence).encode(), "CLSK_10-Q_sample.txt")
    (facility,) = extract_debt(doc)
    assert {k: getattr(facility, k) for k in expected} == expected


def test_oid_promissory_notes_sized_after_their_name(filing) -> None:
    """HSDT 424B5: "unsecured 20% original issue discount promissory notes with an aggregate principal
    amount of $1,560,000 (the “Notes”) with a maturity date of the earlier of (a) July 24, 2025, and
    (b) ...". The 20% is the discount, not a coupon; the closing, not the purchase agreement, dates them."""
    notes = _one(extract_debt(filing("HSDT_424B5_2025-09-15.txt")), principal_usd=1_560_000)
    assert (notes.kind, notes.secured, notes.coupon_pct) == ("other", False, None)
    assert (notes.issue_date, notes.maturity_date) == ("2025-04-25", "2025-07-24")
    quotes = {e.field: e.quote for e in notes.evidence}
    assert quotes["issue_date"] == "The transaction closed on April 25, 2025."


def test_master_loan_agreement_with_nothing_drawn_is_a_zero_balance(filing) -> None:
    """HSDT 8-K: "To advance the Company's planned SOL treasury operation, on September 18, 2025, ...
    entered into a Master Loan Agreement ... As of September 18, 2025, Marvel Operations Corp., has no
    outstanding loans with the third-party lender under the Master Loan Agreement.\""""
    mla = _one(extract_debt(filing("HSDT_8-K_2025-09-18.txt")), name="Master Loan Agreement")
    assert (mla.kind, mla.outstanding_usd, mla.outstanding_as_of, mla.issue_date) == ("credit_facility", 0.0, "2025-09-18", "2025-09-18")
    assert mla.warnings == []


def test_loan_under_a_master_agreement_is_the_record_not_the_frame(filing) -> None:
    """FGNX 8-K: an uncommitted master digital currency loan agreement (the “MLA”) states no amount; "The
    October 2025 LTS provided for a $10,000,000 loan with a Borrow Fee of 7.9% (the “October Loan”)". The
    loan is one sum lent (a term loan) and its borrow fee is its annual rate; the MLA is its frame."""
    found = extract_debt(filing("FGNX_8-K_2025-11-04.txt"))
    loan = _one(found, name="October Loan")
    assert (loan.kind, loan.principal_usd, loan.coupon_pct, loan.secured) == ("term_loan", 10_000_000, 7.9, True)
    assert [i.name for i in found] == ["October Loan"]
    quotes = {e.field: e.quote for e in loan.evidence}
    assert "The Collateral for the October Loan is Staked ETH" in quotes["secured"]
