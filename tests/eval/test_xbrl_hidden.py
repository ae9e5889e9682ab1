"""The label-free check: the text extractor, with the XBRL facts hidden, against what the filer tagged."""

from __future__ import annotations

from eval.xbrl_hidden import check_document, summary, tagged_debt_values, without_facts
from ingest.parse import parse_path


def test_tagged_values_are_read_in_record_units_and_ranges_are_left_out(filings_dir):
    doc = parse_path(filings_dir / "RIOT_10-Q_2025-05-01.htm")
    tagged = {(t.member, t.field, t.value) for t in tagged_debt_values(doc)}
    # "0.75%" is tagged as 0.0075 and recorded in percent; the $50.0 million line's capacity in dollars.
    assert ("us-gaap:ConvertibleNotesPayableMember", "coupon_pct", 0.75) in tagged
    assert ("riot:FiftyMillionCreditFacilityMember", "principal_usd", 50_000_000.0) in tagged
    assert not any("Minimum" in member or "Maximum" in member for member, _, _ in tagged)
    assert without_facts(doc).facts == [] and len(doc.facts) == 927


def test_text_alone_recovers_what_riot_tagged_in_its_10q(filings_dir):
    check = check_document(filings_dir / "RIOT_10-Q_2025-05-01.htm", "in_sample")
    assert check.error is None
    assert (len(check.found), len(check.tagged)) == (6, 6)
    result = summary([check])
    assert result["fields"]["principal_usd"] == {"tagged": 3, "found": 3, "recall": 1.0}


def test_a_filing_that_is_not_a_periodic_report_is_not_checked(filings_dir):
    assert check_document(filings_dir / "MARA_8-K_2024-12-04.htm", "in_sample") is None
