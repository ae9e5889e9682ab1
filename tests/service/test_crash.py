"""Issue #11, crash windows: a writer killed with SIGKILL at any step of an ingest leaves a data dir
that the next open repairs. No orphan chunk is ever searchable and no document loses its flags.

Each kill is real: `minerlens ingest` runs in a subprocess with MINERLENS_TEST_KILL_AT=<step>, the
pipeline's named crash point (service/pipeline.py) sends the process SIGKILL right after that step,
as a power cut would. The data dir is then opened by a fresh Pipeline in this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from service.config import Settings
from service.app import build_pipeline

FILING = "MARA_8-K_2024-11-21.htm"  # MARA's 0.00% convertible senior notes due 2030, with the option exercised
QUERY = "convertible senior notes due 2030 initial purchasers option"


def ingest_killed_at(step: str, data_dir: Path, filings_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, MINERLENS_DATA_DIR=str(data_dir), MINERLENS_TEST_KILL_AT=step, HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "service.cli", "ingest", str(filings_dir / FILING)],
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def reference_flags(tmp_path_factory, filings_dir) -> list[str]:
    """The flags an uninterrupted ingest of the filing raises."""
    p = build_pipeline(Settings(data_dir=tmp_path_factory.mktemp("uninterrupted"), filings_dir=filings_dir))
    assert p.ingest_paths([filings_dir / FILING]).counts() == {"ingested": 1}
    keys = sorted(f.key for f in p.flags())
    assert "new_debt_instrument:MARA:convertible:2030" in keys
    return keys


@pytest.mark.parametrize("step, stored", [
    ("original", False),  # the original is kept, nothing else: the next open removes it
    ("vectors", False),  # vectors written, no documents row: orphans the next open removes
    ("rows", True),  # documents and extraction rows committed, flags not raised: the next open raises them
    ("flags", True),  # flags raised, the pending mark not cleared: raising them again adds none
])
def test_a_writer_killed_at_any_step_leaves_a_store_the_next_open_repairs(step, stored, tmp_path, filings_dir, reference_flags):
    data_dir = tmp_path / "data"
    killed = ingest_killed_at(step, data_dir, filings_dir)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]

    p = build_pipeline(Settings(data_dir=data_dir, filings_dir=filings_dir))
    assert p.db.count_documents() == (1 if stored else 0)
    assert p.db.flags_pending() == []
    hits = p.search(QUERY, k=5)
    assert all(h.document == FILING for h in hits)
    assert (len(hits) == 5) if stored else (hits == [] and p.index.count() == 0)
    originals = sorted(f.name.split(".")[0] for f in (data_dir / "documents").iterdir())
    assert originals == ([hits[0].doc_sha256] if stored else [])
    assert sorted(f.key for f in p.flags()) == (reference_flags if stored else [])

    again = p.ingest_paths([filings_dir / FILING])
    assert again.counts() == ({"unchanged": 1} if stored else {"ingested": 1})
    assert sorted(f.key for f in p.flags()) == reference_flags
    assert p.db.count_documents() == 1 and len(p.search(QUERY, k=5)) == 5
