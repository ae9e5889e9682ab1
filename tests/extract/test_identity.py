"""Identity over real records: which debt mentions are one instrument (within a filing, across
filings), which contract names are one counterparty. The records are extracted from real filings
and our corpus, so a change to the extractors that breaks identity shows here."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import identity
from extract.contracts import extract_contracts
from extract.debt import extract_debt
from extract.debt_text import debt_from_text
from extract.debt_xbrl import debt_from_filing_notes, member_words
from ingest.parse import parse_path

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "contracts"


def _named(records, words: str):
    [found] = [r for r in records if words.lower() in r.name.lower()]
    return found


# -- within one filing: the XBRL member and the prose ----------------------------------------


@pytest.fixture(scope="module")
def clsk_10q(filing):
    doc = filing("CLSK_10-Q_2025-02-06.htm")
    return debt_from_filing_notes(doc), debt_from_text(doc)


def test_a_tagged_loan_and_its_prose_are_one_instrument(clsk_10q):
    tagged, prose = clsk_10q
    trinity = _named(tagged, "Trinity")  # TrinityMasterEquipmentFinancingArrangementMember, 13.8%
    told = _named(prose, "Master Equipment Financing Agreement")  # "... with Trinity Capital Inc.", 13.8%
    assert identity.same_instrument(trinity, told)
    # a convertible's class member and the notes the prose names by coupon and year
    assert identity.same_instrument(_named(tagged, "Convertible Note"), _named(prose, "convertible senior notes due 2030"))


def test_another_lenders_loan_is_not_the_same_instrument(clsk_10q):
    tagged, prose = clsk_10q
    trinity = _named(tagged, "Trinity")
    assert not identity.same_instrument(trinity, _named(prose, "Western Alliance Bank Credit Agreement"))  # 2029 vs 2025
    assert not identity.same_instrument(_named(tagged, "Convertible Note"), _named(prose, "Marquee"))  # 0% vs 13%


def test_two_members_of_one_filing_by_their_lender(clsk_10q):
    tagged, _ = clsk_10q
    coinbase, western = _named(tagged, "Coinbase"), _named(tagged, "Western Alliance")
    words = lambda r: member_words(r.xbrl_member)  # noqa: E731
    assert identity.member_lender(words(coinbase)) == "coinbase"
    assert identity.member_lender(words(western)) == "western"
    assert identity.same_member_instrument(coinbase, coinbase, words(coinbase), words(coinbase))
    assert not identity.same_member_instrument(coinbase, western, words(coinbase), words(western))


# -- across filings: the ledger's links --------------------------------------------------------


def test_launch_and_pricing_of_one_series_link(filing):
    launch = _named(extract_debt(filing("CLSK_8-K_2025-11-10.txt")), "2032")
    priced = _named(extract_debt(filing("CLSK_8-K_2025-11-12.txt")), "2032")
    assert (launch.principal_usd, priced.principal_usd) == (1_000_000_000, 1_150_000_000)  # upsized, within 1.5x
    assert not identity.mentions_conflict(launch, priced)
    assert identity.link_score(launch, priced) >= 2
    assert identity.instrument_key(launch.model_dump()) == identity.instrument_key(priced.model_dump()) == "convertible:2032"


def test_two_series_of_one_issuer_conflict(filing):
    notes_2030 = [r for r in extract_debt(filing("MARA_8-K_2024-11-21.htm")) if r.maturity_year == 2030][0]
    notes_2031 = [r for r in extract_debt(filing("MARA_8-K_2024-12-04.htm")) if r.maturity_year == 2031][0]
    assert identity.mentions_conflict(notes_2030, notes_2031)
    assert identity.instrument_key(notes_2030.model_dump()) != identity.instrument_key(notes_2031.model_dump())


def test_loans_of_one_lender_named_by_month_stay_apart(filing):
    found = extract_debt(filing("BTDR_424B5_2025-11-12.txt"))
    april, september = _named(found, "April 2025 Matrixport"), _named(found, "September 2025 Matrixport")
    assert april.principal_usd == september.principal_usd == 400_000_000  # the same size does not make them one
    assert identity.distinctive_words(april.name) == {"april", "matrixport"}
    assert identity.names_differ(april, september)
    assert identity.mentions_conflict(april, september)


# -- counterparties ------------------------------------------------------------------------------


def test_a_short_name_of_initials_is_the_same_counterparty():
    text = (CORPUS / "CIFR_10-Q_2025-11-03_hpc-leases-excerpt.txt").read_text()
    assert 'Amazon Web Services, Inc.\n("AWS")' in text  # the document defines the short name
    assert identity.same_counterparty("Amazon Web Services, Inc.", "AWS")
    assert identity.counterparty_key("CoreWeave, Inc.") == identity.counterparty_key("CoreWeave") == "coreweave"
    assert not identity.same_counterparty("CoreWeave, Inc.", "Core Scientific, Inc.")


@pytest.fixture(scope="module")
def btbt_10k_contracts(filing):
    """The contracts of BTBT's 10-K, extracted once for the module (seconds); the tests only read them."""
    return tuple(extract_contracts(filing("BTBT_10-K_2025-03-14.htm")))


@pytest.mark.slow  # extracts real 10-Ks
def test_an_unidentified_customer_is_no_one_in_particular(btbt_10k_contracts):
    contracts = btbt_10k_contracts
    unnamed = [c for c in contracts if c.counterparty.lower().startswith("new customer")]
    assert len(unnamed) == 5  # five MSAs with customers the 10-K does not name
    assert all(identity.counterparty_key(c.counterparty) is None for c in unnamed)
    assert not identity.same_counterparty(unnamed[0].counterparty, unnamed[1].counterparty)
    assert identity.counterparty_key("Initial Customer (unnamed) - expansion to 4,096 GPUs") == "initial customer"


@pytest.mark.slow  # extracts real 10-Ks
def test_two_orders_of_one_customer_are_two_deals(btbt_10k_contracts):
    contracts = btbt_10k_contracts
    orders = sorted((c for c in contracts if identity.counterparty_key(c.counterparty) == "boosteroid"), key=lambda c: -c.gpus)
    assert [c.gpus for c in orders] == [300, 189]
    assert identity.contract_terms_conflict(orders[0], orders[1])
    assert not identity.same_deal(orders[0], orders[1])


def test_a_release_and_a_quarterly_report_state_one_deal():
    [release] = extract_contracts(parse_path(CORPUS / "CIFR_2025-11-03_aws-lease.txt"))
    [report] = [c for c in extract_contracts(parse_path(CORPUS / "CIFR_10-Q_2025-11-03_hpc-leases-excerpt.txt"))
                if identity.same_counterparty(c.counterparty, "AWS")]
    assert identity.same_deal(release, report)


def test_two_series_of_one_kind_and_year_keep_keys_of_their_own(filing):
    from service.domain.ledger import Mention, build_ledger

    docs = [filing("BTDR_424B5_2025-11-12.txt"), filing("BTDR_424B5_2025-11-13.txt")]
    ledger = build_ledger("BTDR", [Mention(d.file, d.filing.filed or d.file[-14:-4], r) for d in docs for r in extract_debt(d)]).model_dump()
    keys = {i["coupon_pct"]: k for i, k in zip(ledger["instruments"], identity.instrument_keys(ledger["instruments"]))
            if i["kind"] == "convertible" and i["maturity_year"] == 2031}
    # both first stated on Nov 12 (the 4.00% notes' launch, the 4.875% notes outstanding): each its own key
    assert keys == {4.0: "convertible:2031", 4.875: "convertible:2031:4.875"}
