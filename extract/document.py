"""The whole-document entry point: every extractor over one Document, failures reported, not raised.

One extractor failing (a bug, a document shape nobody foresaw) must not cost the others' records
nor stop a batch: its exception becomes a `Failure` on the Extraction.
"""

from __future__ import annotations

import logging

from extract.contracts import extract_contracts
from extract.debt import extract_debt
from extract.figures import extract_figures
from extract.records import Extraction, Failure
from extract.utilization import extract_utilization
from ingest.errors import reason
from ingest.types import Document

log = logging.getLogger("minerlens.extract")

EXTRACTORS = (
    ("debt_instruments", extract_debt),
    ("hpc_contracts", extract_contracts),
    ("company_figures", extract_figures),
    ("utilization", extract_utilization),
)


def extract_document(doc: Document) -> Extraction:
    extraction = Extraction(file=doc.file, ticker=doc.filing.ticker, form=doc.filing.form, filed=doc.filing.filed)
    for name, extractor in EXTRACTORS:
        try:
            setattr(extraction, name, extractor(doc))
        except Exception as exc:  # noqa: BLE001 - any extractor bug becomes data, see module docstring
            log.exception("%s failed on %s", name, doc.file)
            extraction.failures.append(Failure(extractor=name, message=f"internal error, logged with its traceback: {reason(exc)}"))
    return extraction
