"""The relational store through the real schema on SQLite."""

from __future__ import annotations


import pytest
import sqlalchemy as sa

from extract.records import CompanyFigures, DebtInstrument, Evidence, Extraction, HpcContract
from ingest.errors import BadInput, ConfigError, NotFound
from ingest.types import Chunk, Document, Filing, Part, Section, XbrlFact
from service.store.db import MIGRATIONS, Database

SHA = "c1" * 32
OTHER = "d2" * 32


def _fact(i: int) -> XbrlFact:
    return XbrlFact(
        concept="us-gaap:LongTermDebt" if i else "us-gaap:NetIncomeLoss",
        value=-249078000.0 if i == 0 else float(1000 * i),
        text="(249,078)" if i == 0 else f"{i}",
        fact_id=f"f-{i}",
        context_id="c-1",
        period_start="2024-01-01" if i == 0 else None,
        period_end="2024-09-30",
        instant=i != 0,
        dimensions={"us-gaap:DebtInstrumentAxis": f"mara:Notes{i}Member"} if i else {},
        unit="USD",
        decimals="-3",
        scale=3,
        sign="-" if i == 0 else None,
    )


def _doc(sha: str = SHA, n_facts: int = 3, ticker: str = "MARA", form: str = "10-Q", filed: str = "2024-11-12") -> Document:
    text = "Note 9 - Debt\nThe Company issued notes."
    return Document(
        file=f"{ticker}_{form}_{filed}.htm",
        sha256=sha,
        format="html",
        size_bytes=2_724_103,
        filing=Filing(accession="0001507605-24-000123", form=form, filed=filed, period="2024-09-30",
                      company="MARA Holdings, Inc.", cik="0001507605", ticker=ticker, items=["2.03", "9.01"]),
        parts=[
            Part("10-Q", 1, "mara-20240930.htm", "Quarterly report", text, sections=[Section("Note 9 - Debt", 0, len(text))],
                 facts=[_fact(i) for i in range(n_facts)]),
            Part("EX-31.1", 2, "ex31.htm", "Certification", "I certify."),
        ],
    )


def _chunks(doc: Document, n: int) -> list[Chunk]:
    return [
        Chunk(f"{doc.sha256[:16]}:1:{i}", doc.file, doc.sha256, "mara-20240930.htm", "10-Q", "Note 9 - Debt", None,
              i, i + 10, "The Company issued notes.", doc.filing.ticker, doc.filing.cik, doc.filing.form, doc.filing.filed)
        for i in range(n)
    ]


@pytest.fixture
def db(tmp_path) -> Database:
    return Database(f"sqlite:///{tmp_path / 'm.sqlite'}")


def test_migrations_are_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    first = Database(url)
    assert first.version() == len(MIGRATIONS) == first.migrate()
    second = Database(url)
    assert second.migrate() == len(MIGRATIONS)
    with second.engine.connect() as conn:
        versions = conn.execute(sa.text("select version from schema_version")).scalars().all()
        tables = set(sa.inspect(conn).get_table_names())
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    assert {"documents", "parts", "chunks", "xbrl_facts", "debt_mentions", "hpc_mentions", "company_figures", "flags"} <= tables


def test_save_and_read_back_a_document(db):
    doc = _doc()
    chunks = _chunks(doc, 5)
    db.save_document(doc, chunks, {c.chunk_id: 7 for c in chunks})
    assert db.has_document(SHA) is True
    row = db.get_document(SHA)
    assert (row["file"], row["form"], row["filed"], row["ticker"], row["cik"]) == (
        "MARA_10-Q_2024-11-12.htm", "10-Q", "2024-11-12", "MARA", "0001507605")
    assert row["items"] == ["2.03", "9.01"] and row["status"] == "ok" and row["size_bytes"] == 2_724_103
    assert [(p["sequence"], p["type"], p["n_chars"]) for p in row["parts"]] == [(1, "10-Q", 39), (2, "EX-31.1", 10)]
    assert row["n_chunks"] == 5 and row["n_facts"] == 3
    assert [c["n_tokens"] for c in db.chunks(SHA)] == [7] * 5
    (loss,) = db.facts(doc_sha256=SHA, concept="us-gaap:NetIncomeLoss")
    assert loss["value_num"] == -249078000 and loss["sign"] == "-" and loss["scale"] == 3
    assert loss["period_start"] == "2024-01-01" and loss["instant"] is False and loss["dimensions"] == {}
    debt = db.facts(concept="us-gaap:LongTermDebt")
    assert [f["value_num"] for f in debt] == [1000.0, 2000.0]
    assert debt[1]["dimensions"] == {"us-gaap:DebtInstrumentAxis": "mara:Notes2Member"}
    assert db.get_document(OTHER) is None
    assert db.count_documents() == 1


def test_saving_is_atomic_a_failure_mid_save_leaves_nothing(db):
    doc = _doc()
    chunks = _chunks(doc, 3)
    chunks.append(chunks[0])  # a duplicate chunk id fails the chunks insert, after documents and parts
    with pytest.raises(BadInput, match="chunk"):
        db.save_document(doc, chunks)
    assert db.get_document(SHA) is None
    assert db.facts(doc_sha256=SHA) == [] and db.chunks(SHA) == []
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from parts")).scalar() == 0


def test_a_failed_resave_keeps_the_previous_version(db):
    doc = _doc()
    db.save_document(doc, _chunks(doc, 4))
    bad = _chunks(doc, 2)
    with pytest.raises(BadInput):
        db.save_document(doc, bad + bad)
    assert db.get_document(SHA)["n_chunks"] == 4


def test_resaving_replaces_rows(db):
    doc = _doc()
    db.save_document(doc, _chunks(doc, 4))
    db.save_document(doc, _chunks(doc, 2))
    assert db.get_document(SHA)["n_chunks"] == 2 and len(db.facts(doc_sha256=SHA)) == 3


def test_bulk_save_stores_every_row(db):
    # How long it takes is for scripts/benchmark.py to measure; a shared machine makes a timed assert flaky.
    doc = _doc(n_facts=1000)
    db.save_document(doc, _chunks(doc, 800), [200] * 800)
    stored = db.get_document(SHA)
    assert (stored["n_facts"], stored["n_chunks"]) == (1000, 800)


def test_failures_are_recorded_but_never_overwrite_a_good_ingest(db):
    db.save_failure("BAD.pdf", OTHER, "corrupt_document", "BAD.pdf: not a PDF")
    row = db.get_document(OTHER)
    assert (row["status"], row["error"]) == ("failed", "corrupt_document: BAD.pdf: not a PDF")
    assert db.has_document(OTHER) is False
    assert db.count_documents() == 0 and db.count_documents(status=None) == 1
    doc = _doc()
    db.save_document(doc, [])
    db.save_failure(doc.file, SHA, "corrupt_document", "later")
    assert db.get_document(SHA)["status"] == "ok"
    # A later successful ingest replaces the failure row.
    db.save_document(_doc(sha=OTHER), [])
    assert db.get_document(OTHER)["status"] == "ok"


def test_extraction_rows_are_replaced_per_document(db):
    doc = _doc()
    db.save_document(doc, [])
    notes = DebtInstrument(name="0.00% Convertible Senior Notes due 2031", kind="convertible", principal_usd=850_000_000.0,
                           coupon_pct=0.0, maturity_year=2031, conversion_rate_per_1000=38.5902,
                           evidence=[Evidence(field="coupon_pct", document=doc.file, locator="Note 9", quote="0.00% Convertible")])
    lease = HpcContract(counterparty="CoreWeave", capacity_mw=200.0, term_years=12.0)
    figures = CompanyFigures(period_end="2024-09-30", cash_usd=164_256_000.0)
    extraction = Extraction(file=doc.file, ticker="MARA", debt_instruments=[notes], hpc_contracts=[lease], company_figures=figures)
    db.save_extraction(SHA, doc.file, "MARA", "2024-11-12", extraction)
    db.save_extraction(SHA, doc.file, "MARA", "2024-11-12", extraction)  # replaces, never duplicates
    (debt,) = db.debt_mentions(ticker="mara")
    assert debt["key"] == "0.00% Convertible Senior Notes due 2031" and debt["ticker"] == "MARA"
    assert DebtInstrument.model_validate(debt["record"]) == notes
    (hpc,) = db.hpc_mentions("MARA")
    assert hpc["record"]["capacity_mw"] == 200.0
    assert db.company_figures("MARA")[0]["record"]["cash_usd"] == 164_256_000.0
    db.save_extraction(SHA, doc.file, "MARA", "2024-11-12", Extraction(file=doc.file))
    assert db.debt_mentions() == [] and db.hpc_mentions() == [] and db.company_figures() == []


def test_list_filter_and_delete(db):
    db.save_document(_doc(), _chunks(_doc(), 2))
    db.save_document(_doc(sha=OTHER, ticker="CLSK", form="8-K", filed="2025-11-10"), [])
    assert [d["ticker"] for d in db.list_documents()] == ["CLSK", "MARA"]  # newest first
    assert [d["file"] for d in db.list_documents(ticker="clsk")] == ["CLSK_8-K_2025-11-10.htm"]
    assert [d["ticker"] for d in db.list_documents(form="10-q")] == ["MARA"]
    db.save_extraction(SHA, "x", "MARA", None, Extraction(file="x", debt_instruments=[DebtInstrument(name="Term loan", kind="term_loan")]))
    db.delete_document(SHA)
    assert db.get_document(SHA) is None and db.chunks(SHA) == [] and db.facts(doc_sha256=SHA) == []
    assert db.debt_mentions() == []
    with pytest.raises(NotFound, match="No document"):
        db.delete_document(SHA)


def test_bad_urls_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="Invalid database URL"):
        Database("not a url")
    (tmp_path / "a-file").write_text("not a directory")
    with pytest.raises(ConfigError, match="Cannot open database"):
        Database(f"sqlite:///{tmp_path}/a-file/x.sqlite")
