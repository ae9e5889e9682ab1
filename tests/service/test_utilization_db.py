"""utilization_mentions: migration 4, saved with the extraction from the real BTBT 10-K, read per ticker."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from extract.records import Extraction
from extract.utilization import extract_utilization
from ingest.parse import parse_path
from service.store.db import MIGRATIONS, Database


def test_migration_4_creates_the_table_and_reruns_safely(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    assert MIGRATIONS[3].__name__ == "_m004_utilization"
    assert db.version() == len(MIGRATIONS)
    assert "utilization_mentions" in sa.inspect(db.engine).get_table_names()
    assert db.migrate() == len(MIGRATIONS)  # idempotent


@pytest.mark.slow  # extracts BTBT's 10-K
def test_save_and_read_real_disclosures(tmp_path, filings_dir):
    doc = parse_path(filings_dir / "BTBT_10-K_2025-03-14.htm")
    extraction = Extraction(file=doc.file, ticker="BTBT", form="10-K", utilization=extract_utilization(doc))
    db = Database(f"sqlite:///{tmp_path / 'u.db'}")
    db.save_extraction(doc.sha256, doc.file, "BTBT", "2025-03-14", extraction)
    db.save_extraction(doc.sha256, doc.file, "BTBT", "2025-03-14", extraction)  # replaces, never duplicates

    rows = db.utilization_mentions("btbt")
    assert len(rows) == 4
    assert {r["key"] for r in rows} == {"2024-12-31|", "2024-12-31|MTL 1"}
    revenue = sorted(r["record"]["hpc_revenue_usd"] for r in rows if r["record"]["hpc_revenue_usd"])
    assert revenue == [1361241.0, 45727735.0]
    mtl1 = next(r["record"] for r in rows if r["key"].endswith("MTL 1"))
    assert (mtl1["energized_mw"], mtl1["gpus_deployed"], mtl1["utilization_pct"]) == (4.0, 5000, 100.0)
    assert db.utilization_mentions("RIOT") == []

    db.save_extraction(doc.sha256, doc.file, "BTBT", "2025-03-14", Extraction(file=doc.file))
    assert db.utilization_mentions("BTBT") == []
