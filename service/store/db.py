"""The relational store: documents, parts, chunks, XBRL facts, extraction output, flags.

The only module that imports sqlalchemy. SQLAlchemy Core (no ORM), SQLite by default; types are
portable so a PostgreSQL URL works the same. The schema evolves by numbered migrations (simonw/llm
style): `schema_version` records the highest one applied, and opening a Database applies the rest
in order, each in its own transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from extract.records import Extraction
from ingest.companies import filing_names
from ingest.errors import BadInput, ConfigError, NotFound
from ingest.types import Chunk, Document
from service.domain.models import FlagCandidate

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.String(40), nullable=False),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("file", sa.String(500), nullable=False),
    sa.Column("format", sa.String(20)),
    sa.Column("size_bytes", sa.BigInteger),
    sa.Column("accession", sa.String(40)),
    sa.Column("form", sa.String(20)),
    sa.Column("filed", sa.String(10)),
    sa.Column("period", sa.String(10)),
    sa.Column("company", sa.String(300)),
    sa.Column("cik", sa.String(10)),
    sa.Column("ticker", sa.String(20)),
    sa.Column("items", sa.Text),  # JSON list, e.g. ["2.03", "9.01"]
    sa.Column("ingested_at", sa.String(40), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # ok | failed
    sa.Column("error", sa.Text),  # "<code>: <message>" when failed
)

parts = sa.Table(
    "parts",
    metadata,
    sa.Column("doc_sha256", sa.String(64), nullable=False, index=True),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("type", sa.String(40)),
    sa.Column("filename", sa.String(500)),
    sa.Column("description", sa.Text),
    sa.Column("n_chars", sa.Integer),
    sa.PrimaryKeyConstraint("doc_sha256", "sequence"),
)

chunks = sa.Table(
    "chunks",
    metadata,
    sa.Column("chunk_id", sa.String(120), primary_key=True),
    sa.Column("doc_sha256", sa.String(64), nullable=False, index=True),
    sa.Column("part", sa.String(500)),
    sa.Column("part_type", sa.String(40)),
    sa.Column("section", sa.Text),
    sa.Column("page", sa.Integer),
    sa.Column("start", sa.Integer),
    sa.Column("end", sa.Integer),
    sa.Column("ticker", sa.String(20)),
    sa.Column("form", sa.String(20)),
    sa.Column("filed", sa.String(10)),
    sa.Column("n_tokens", sa.Integer),
)

xbrl_facts = sa.Table(
    "xbrl_facts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("doc_sha256", sa.String(64), nullable=False, index=True),
    sa.Column("fact_id", sa.String(200)),
    sa.Column("concept", sa.String(300), nullable=False, index=True),
    sa.Column("value_num", sa.Float),
    sa.Column("value_text", sa.Text),
    sa.Column("period_start", sa.String(10)),
    sa.Column("period_end", sa.String(10)),
    sa.Column("instant", sa.Boolean),
    sa.Column("dimensions", sa.Text),  # JSON object axis -> member
    sa.Column("unit", sa.String(100)),
    sa.Column("decimals", sa.String(10)),
    sa.Column("scale", sa.Integer),
    sa.Column("sign", sa.String(1)),
)


def _mentions_table(name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("doc_sha256", sa.String(64), nullable=False, index=True),
        sa.Column("document", sa.String(500)),
        sa.Column("ticker", sa.String(20), index=True),
        sa.Column("filed", sa.String(10)),
        sa.Column("key", sa.String(500)),  # instrument/contract name as extracted; the ledger merges on it
        sa.Column("record", sa.Text, nullable=False),  # JSON of the pydantic record
    )


debt_mentions = _mentions_table("debt_mentions")
hpc_mentions = _mentions_table("hpc_mentions")

company_figures = sa.Table(
    "company_figures",
    metadata,
    sa.Column("doc_sha256", sa.String(64), primary_key=True),
    sa.Column("ticker", sa.String(20), index=True),
    sa.Column("period_end", sa.String(10)),
    sa.Column("record", sa.Text, nullable=False),
)

flags = sa.Table(
    "flags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticker", sa.String(20), index=True),
    sa.Column("kind", sa.String(60), nullable=False),
    sa.Column("key", sa.String(500), nullable=False, unique=True),
    sa.Column("raised_at", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text),  # JSON
)


# The EDGAR watcher's memory (service/watch.py): a watermark per CIK and every accession decided.
watch_state = sa.Table(
    "watch_state",
    metadata,
    sa.Column("cik", sa.String(10), primary_key=True),
    sa.Column("ticker", sa.String(20)),
    sa.Column("last_polled_at", sa.String(40)),
    sa.Column("last_accession", sa.String(20)),  # newest accession stored for this company
    sa.Column("last_error", sa.Text),  # "<code>: <message>" of the last poll, None when it went clean
    sa.Column("backoff_until", sa.String(40)),  # ISO UTC; no SEC request for this company before then
    sa.Column("body_sha256", sa.String(64)),  # submissions JSON of the last clean poll: unchanged = nothing new
    sa.Column("backfilled_since", sa.String(10)),  # oldest filing date a backfill has covered
)

seen_accessions = sa.Table(
    "seen_accessions",
    metadata,
    sa.Column("cik", sa.String(10), nullable=False),
    sa.Column("accession", sa.String(20), nullable=False),
    sa.Column("form", sa.String(20)),
    sa.Column("filed", sa.String(10)),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    # ingested | skipped (unwanted form or items) | rejected (unparseable: retrying cannot help)
    # | failed (download failed; retried on later polls, not "seen") | abandoned (failed too often)
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error", sa.Text),
    sa.Column("documents", sa.Text),  # JSON list of sha256 of what was stored
    sa.PrimaryKeyConstraint("cik", "accession"),
)


# --- migrations: append only; never edit one that has shipped ---------------------------------


def _m001_initial(conn: Connection) -> None:
    for table in (documents, parts, chunks, xbrl_facts, debt_mentions, hpc_mentions, company_figures, flags):
        table.create(conn, checkfirst=True)


market_inputs = sa.Table(
    "market_inputs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("as_of", sa.String(40), nullable=False, index=True),
    sa.Column("btc_price_usd", sa.Float),
    sa.Column("hashprice", sa.Float),
    sa.Column("share_prices", sa.Text),  # JSON object ticker -> USD per share
    sa.Column("source", sa.String(500)),
    sa.Column("saved_at", sa.String(40), nullable=False),
)


def _m002_market_inputs(conn: Connection) -> None:
    market_inputs.create(conn, checkfirst=True)


def _m003_watch(conn: Connection) -> None:
    for table in (watch_state, seen_accessions):
        table.create(conn, checkfirst=True)


# AI/HPC utilization disclosures (MW, occupancy, HPC revenue, GPUs) per document; key is "period_end|site".
utilization_mentions = _mentions_table("utilization_mentions")


def _m004_utilization(conn: Connection) -> None:
    utilization_mentions.create(conn, checkfirst=True)


# Every name a filing uses for its filer (conformed, former, defined short names): company
# identity comes from the filings themselves, so a question finds an issuer by any of them.
company_names = sa.Table(
    "company_names",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("doc_sha256", sa.String(64), nullable=False, index=True),
    sa.Column("cik", sa.String(10), index=True),
    sa.Column("ticker", sa.String(20)),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),  # conformed | former | alias
    sa.Column("filed", sa.String(10)),
)


def _m005_company_names(conn: Connection) -> None:
    company_names.create(conn, checkfirst=True)
    # Documents stored before this migration still name their filer: carry those names over.
    rows = conn.execute(sa.select(documents.c.sha256, documents.c.cik, documents.c.ticker, documents.c.company, documents.c.filed)
                        .where(documents.c.status == "ok", documents.c.company.is_not(None))).all()
    _insert_many(conn, company_names, [{"doc_sha256": r.sha256, "cik": r.cik, "ticker": r.ticker, "name": r.company,
                                        "source": "conformed", "filed": r.filed} for r in rows])


# Cross-process consistency and crash recovery (service/pipeline.py):
# - `store_stamp` is one row whose `stamp` only ever goes up. A writer moves it before it touches the
#   vectors and again in the transaction that writes a documents row (or deletes one), so a reader in
#   another process (the API) knows its in-memory view is stale by comparing one integer per request.
#   A count would not do: a replaced or deleted document can leave the count as it was.
# - `flags_pending` lists companies whose flags have not been raised since their documents changed.
#   It is written in the documents row's transaction and cleared once the flags are raised, so a crash
#   in between is finished at the next start instead of losing the flags for good.
store_stamp = sa.Table(
    "store_stamp",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("stamp", sa.BigInteger, nullable=False),
)

flags_pending = sa.Table(
    "flags_pending",
    metadata,
    sa.Column("ticker", sa.String(20), primary_key=True),
    sa.Column("since", sa.String(40), nullable=False),
)


def _m006_stamp_and_pending_flags(conn: Connection) -> None:
    for table in (store_stamp, flags_pending):
        table.create(conn, checkfirst=True)
    conn.execute(store_stamp.insert().values(id=1, stamp=0))


MIGRATIONS: list[Callable[[Connection], None]] = [_m001_initial, _m002_market_inputs, _m003_watch, _m004_utilization, _m005_company_names,
                                                  _m006_stamp_and_pending_flags]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Database:
    def __init__(self, url: str) -> None:
        try:
            self.engine: Engine = sa.create_engine(url, future=True)
        except (sa.exc.ArgumentError, ImportError) as e:
            raise ConfigError(f"Invalid database URL {_redact(url)}: {e}") from None
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            if self.engine.url.database and self.engine.url.database != ":memory:":
                from pathlib import Path

                try:
                    Path(self.engine.url.database).parent.mkdir(parents=True, exist_ok=True)
                except (OSError, ValueError) as e:
                    raise ConfigError(f"Cannot open database {_redact(url)}: {e}") from None
        try:
            self.migrate()
        except sa.exc.OperationalError as e:
            raise ConfigError(f"Cannot open database {_redact(url)}: {e.orig}") from None

    # -- schema ----------------------------------------------------------------------------

    def migrate(self) -> int:
        """Apply the migrations not yet applied; returns the schema version. Safe to call repeatedly."""
        with self.engine.begin() as conn:
            schema_version.create(conn, checkfirst=True)
        current = self.version()
        for number, migration in enumerate(MIGRATIONS, start=1):
            if number <= current:
                continue
            with self.engine.begin() as conn:
                migration(conn)
                conn.execute(schema_version.insert().values(version=number, applied_at=_now()))
        return self.version()

    def version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)

    # -- documents -------------------------------------------------------------------------

    def has_document(self, sha256: str) -> bool:
        """True if the document was ingested successfully (a failed attempt does not count)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(documents.c.status).where(documents.c.sha256 == sha256)
            ).first()
        return row is not None and row.status == "ok"

    def save_document(self, doc: Document, chunk_list: list[Chunk], n_tokens_by_chunk: dict[str, int] | list[int] | None = None,
                      *, extraction: Extraction | None = None, filed: str | None = None) -> int:
        """Store a parsed document with its parts, chunks and facts in one transaction: all or nothing.

        Re-saving the same document replaces its rows (ingest is idempotent by content hash).
        `n_tokens_by_chunk` maps chunk_id to its token count (or is a list aligned with the chunks).
        With `extraction`, its rows (dated `filed`) are written in the same transaction and the
        company's flags are marked pending, so a crash can never leave a document without its
        extraction or lose its flags. Returns the new store stamp.
        """
        if isinstance(n_tokens_by_chunk, list):
            if len(n_tokens_by_chunk) != len(chunk_list):
                raise BadInput(f"{len(n_tokens_by_chunk)} token counts for {len(chunk_list)} chunks")
            n_tokens_by_chunk = {c.chunk_id: n for c, n in zip(chunk_list, n_tokens_by_chunk)}
        tokens = n_tokens_by_chunk or {}
        f = doc.filing
        doc_row = {
            "sha256": doc.sha256,
            "file": doc.file,
            "format": doc.format,
            "size_bytes": doc.size_bytes,
            "accession": f.accession,
            "form": f.form,
            "filed": f.filed,
            "period": f.period,
            "company": f.company,
            "cik": f.cik,
            "ticker": f.ticker,
            "items": json.dumps(list(f.items)),
            "ingested_at": _now(),
            "status": "ok",
            "error": None,
        }
        part_rows = [
            {
                "doc_sha256": doc.sha256,
                "sequence": p.sequence,
                "type": p.type,
                "filename": p.filename,
                "description": p.description,
                "n_chars": len(p.text),
            }
            for p in doc.parts
        ]
        chunk_rows = [
            {
                "chunk_id": c.chunk_id,
                "doc_sha256": doc.sha256,
                "part": c.part,
                "part_type": c.part_type,
                "section": c.section,
                "page": c.page,
                "start": c.start,
                "end": c.end,
                "ticker": c.ticker,
                "form": c.form,
                "filed": c.filed,
                "n_tokens": tokens.get(c.chunk_id),
            }
            for c in chunk_list
        ]
        fact_rows = [
            {
                "doc_sha256": doc.sha256,
                "fact_id": x.fact_id,
                "concept": x.concept,
                "value_num": float(x.value) if isinstance(x.value, (int, float)) and not isinstance(x.value, bool) else None,
                "value_text": _fact_text(x.value, x.text),
                "period_start": x.period_start,
                "period_end": x.period_end,
                "instant": bool(x.instant),
                "dimensions": json.dumps(x.dimensions, sort_keys=True) if x.dimensions else None,
                "unit": x.unit,
                "decimals": x.decimals,
                "scale": x.scale,
                "sign": x.sign,
            }
            for p in doc.parts
            for x in p.facts
        ]
        name_rows = [{"doc_sha256": doc.sha256, "cik": f.cik, "ticker": f.ticker, "name": name[:300], "source": source, "filed": f.filed}
                     for name, source in filing_names(f.company, f.former_names, [p.text for p in doc.parts[:1]])]
        foreign = next((c.chunk_id for c in chunk_list if c.doc_sha256 != doc.sha256), None)
        if foreign:
            raise BadInput(f"chunk {foreign} belongs to another document than {doc.file}")
        try:
            with self.engine.begin() as conn:
                self._delete_rows(conn, doc.sha256, include_extraction=False)
                conn.execute(documents.insert(), [doc_row])
                _insert_many(conn, parts, part_rows)
                _insert_many(conn, chunks, chunk_rows)
                _insert_many(conn, xbrl_facts, fact_rows)
                _insert_many(conn, company_names, name_rows)
                if extraction is not None:
                    _write_extraction(conn, doc.sha256, doc.file, f.ticker, filed, extraction)
                    if f.ticker:
                        _mark_flags_pending(conn, f.ticker)
                return _bump_stamp(conn)
        except sa.exc.IntegrityError as e:
            # The transaction rolled back: nothing of this save is stored, the previous version stays.
            raise BadInput(f"{doc.file}: not saved, duplicate part or chunk id ({_first_line(e.orig)})") from None

    def save_failure(self, file: str, sha256: str, error_code: str, message: str) -> None:
        """Record a document that could not be ingested. Never overwrites a successful ingest."""
        if self.has_document(sha256):
            return
        row = {
            "sha256": sha256,
            "file": file,
            "ingested_at": _now(),
            "status": "failed",
            "error": f"{error_code}: {message}",
            "items": "[]",
        }
        with self.engine.begin() as conn:
            conn.execute(documents.delete().where(documents.c.sha256 == sha256))
            conn.execute(documents.insert(), [row])

    def save_extraction(self, doc_sha256: str, document: str, ticker: str | None, filed: str | None, extraction: Extraction) -> None:
        """Replace one document's extraction rows (debt, HPC, company figures) in one transaction."""
        with self.engine.begin() as conn:
            _write_extraction(conn, doc_sha256, document, ticker, filed, extraction)

    def delete_document(self, sha256: str) -> int:
        """Delete a document's rows and extraction in one transaction; returns the new store stamp."""
        with self.engine.begin() as conn:
            if not conn.execute(sa.select(documents.c.sha256).where(documents.c.sha256 == sha256)).first():
                raise NotFound(f"No document with sha256 {sha256}")
            self._delete_rows(conn, sha256, include_extraction=True)
            return _bump_stamp(conn)

    # -- the store stamp and crash recovery (store_stamp and flags_pending above) ----------------

    def stamp(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(store_stamp.c.stamp).where(store_stamp.c.id == 1)).scalar() or 0)

    def bump_stamp(self) -> int:
        """Move the stamp on its own: before a writer touches the vectors, and after vectors are removed."""
        with self.engine.begin() as conn:
            return _bump_stamp(conn)

    def ok_document_ids(self, among: Iterable[str] | None = None) -> set[str]:
        """sha256 of the documents stored successfully (only those in `among`, when given)."""
        query = sa.select(documents.c.sha256).where(documents.c.status == "ok")
        if among is not None:
            among = list(among)
            if not among:
                return set()
            query = query.where(documents.c.sha256.in_(among))
        with self.engine.connect() as conn:
            return {r.sha256 for r in conn.execute(query)}

    def delete_orphan_extraction(self) -> int:
        """Delete extraction rows whose document has no successful documents row; returns how many."""
        ok = sa.select(documents.c.sha256).where(documents.c.status == "ok")
        removed = 0
        with self.engine.begin() as conn:
            for table in (debt_mentions, hpc_mentions, utilization_mentions, company_figures):
                removed += conn.execute(table.delete().where(table.c.doc_sha256.not_in(ok))).rowcount or 0
        return removed

    def flags_pending(self) -> list[str]:
        """Tickers whose flags are still to be raised since their documents changed."""
        with self.engine.connect() as conn:
            return [r.ticker for r in conn.execute(sa.select(flags_pending.c.ticker).order_by(flags_pending.c.ticker))]

    def clear_flags_pending(self, ticker: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(flags_pending.delete().where(flags_pending.c.ticker == ticker.upper()))

    @staticmethod
    def _delete_rows(conn: Connection, sha256: str, *, include_extraction: bool) -> None:
        tables: list[sa.Table] = [company_names, xbrl_facts, chunks, parts, documents]
        if include_extraction:
            tables = [debt_mentions, hpc_mentions, utilization_mentions, company_figures, *tables]
        for table in tables:
            column = table.c.sha256 if table is documents else table.c.doc_sha256
            conn.execute(table.delete().where(column == sha256))

    # -- reading ---------------------------------------------------------------------------

    def company_names(self) -> list[dict[str, Any]]:
        """Every name the stored filings use for their filers: {cik, ticker, name, source, filed}."""
        query = sa.select(company_names.c.cik, company_names.c.ticker, company_names.c.name, company_names.c.source, company_names.c.filed)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.distinct())]

    def list_documents(self, ticker: str | None = None, form: str | None = None, sha256: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(documents).order_by(documents.c.filed.desc(), documents.c.file)
        if sha256:
            query = query.where(documents.c.sha256 == sha256)
        if ticker:
            query = query.where(sa.func.upper(documents.c.ticker) == ticker.upper())
        if form:
            query = query.where(sa.func.upper(documents.c.form) == form.upper())
        with self.engine.connect() as conn:
            return [_document_dict(r._mapping) for r in conn.execute(query)]

    def get_document(self, sha256: str) -> dict[str, Any] | None:
        """The document row (ok or failed) with its parts and chunk/fact counts; None if unknown."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(documents).where(documents.c.sha256 == sha256)).first()
            if row is None:
                return None
            out = _document_dict(row._mapping)
            out["parts"] = [
                dict(r._mapping)
                for r in conn.execute(
                    sa.select(parts).where(parts.c.doc_sha256 == sha256).order_by(parts.c.sequence)
                )
            ]
            out["n_chunks"] = int(
                conn.execute(sa.select(sa.func.count()).select_from(chunks).where(chunks.c.doc_sha256 == sha256)).scalar()
                or 0
            )
            out["n_facts"] = int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(xbrl_facts).where(xbrl_facts.c.doc_sha256 == sha256)
                ).scalar()
                or 0
            )
        return out

    def count_documents(self, status: str | None = "ok") -> int:
        query = sa.select(sa.func.count()).select_from(documents)
        if status:
            query = query.where(documents.c.status == status)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def chunks(self, doc_sha256: str) -> list[dict[str, Any]]:
        query = sa.select(chunks).where(chunks.c.doc_sha256 == doc_sha256).order_by(chunks.c.part, chunks.c.start)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def debt_mentions(self, ticker: str | None = None, doc_sha256: str | None = None) -> list[dict[str, Any]]:
        return self._mentions(debt_mentions, ticker, doc_sha256)

    def hpc_mentions(self, ticker: str | None = None) -> list[dict[str, Any]]:
        return self._mentions(hpc_mentions, ticker)

    def utilization_mentions(self, ticker: str | None = None) -> list[dict[str, Any]]:
        return self._mentions(utilization_mentions, ticker)

    def company_figures(self, ticker: str | None = None, doc_sha256: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(company_figures).order_by(company_figures.c.period_end)
        if doc_sha256:
            query = query.where(company_figures.c.doc_sha256 == doc_sha256)
        if ticker:
            query = query.where(sa.func.upper(company_figures.c.ticker) == ticker.upper())
        with self.engine.connect() as conn:
            return [{**dict(r._mapping), "record": json.loads(r.record)} for r in conn.execute(query)]

    def company_counts(self, ticker: str) -> tuple[int, int]:
        """(documents, debt mentions) stored for the company: what a cached view of it is checked against."""
        with self.engine.connect() as conn:
            n_docs = conn.execute(sa.select(sa.func.count()).select_from(documents)
                                  .where(sa.func.upper(documents.c.ticker) == ticker.upper())).scalar()
            n_mentions = conn.execute(sa.select(sa.func.count()).select_from(debt_mentions)
                                      .where(sa.func.upper(debt_mentions.c.ticker) == ticker.upper())).scalar()
        return int(n_docs or 0), int(n_mentions or 0)

    def _mentions(self, table: sa.Table, ticker: str | None, doc_sha256: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(table).order_by(table.c.filed, table.c.id)
        if doc_sha256:
            query = query.where(table.c.doc_sha256 == doc_sha256)
        if ticker:
            query = query.where(sa.func.upper(table.c.ticker) == ticker.upper())
        with self.engine.connect() as conn:
            return [{**dict(r._mapping), "record": json.loads(r.record)} for r in conn.execute(query)]

    def facts(self, doc_sha256: str | None = None, concept: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(xbrl_facts).order_by(xbrl_facts.c.id)
        if doc_sha256:
            query = query.where(xbrl_facts.c.doc_sha256 == doc_sha256)
        if concept:
            query = query.where(xbrl_facts.c.concept == concept)
        with self.engine.connect() as conn:
            return [
                {**dict(r._mapping), "dimensions": json.loads(r.dimensions) if r.dimensions else {}}
                for r in conn.execute(query)
            ]

    # -- market inputs (user-supplied prices; see service/domain/market.py) --------------------------

    def save_market_inputs(self, row: dict[str, Any]) -> int:
        """Store one snapshot of user-supplied prices; returns its id. `share_prices` is a dict."""
        values = {**row, "share_prices": json.dumps(row.get("share_prices") or {}, sort_keys=True), "saved_at": _now()}
        with self.engine.begin() as conn:
            return int(conn.execute(market_inputs.insert().values(**values)).inserted_primary_key[0])

    def latest_market_inputs(self, not_after: str | None = None) -> dict[str, Any] | None:
        """The snapshot with the latest as_of (the latest saved among equals), none dated after `not_after`; None if none."""
        query = sa.select(market_inputs).order_by(market_inputs.c.as_of.desc(), market_inputs.c.id.desc()).limit(1)
        if not_after:
            query = query.where(market_inputs.c.as_of <= not_after)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return {**dict(row._mapping), "share_prices": json.loads(row.share_prices or "{}")}

    # -- flags (raised by service/domain/flags.py; the key makes raising idempotent) -----------------

    def insert_flags(self, ticker: str, candidates: list[FlagCandidate]) -> list[FlagCandidate]:
        """Insert each flag whose key is not stored yet, in one transaction; returns those that
        were new. The detail is stored with the keys it was given (none added as null)."""
        if not candidates:
            return []
        try:
            return self._insert_flags(ticker, candidates)
        except sa.exc.IntegrityError:  # another writer raised one of them meanwhile: read the keys again
            return self._insert_flags(ticker, candidates)

    def _insert_flags(self, ticker: str, candidates: list[FlagCandidate]) -> list[FlagCandidate]:
        raised = []
        with self.engine.begin() as conn:
            stored = {r.key for r in conn.execute(sa.select(flags.c.key).where(flags.c.key.in_([f.key for f in candidates])))}
            now = _now()
            for flag in candidates:
                if flag.key in stored:
                    continue
                stored.add(flag.key)
                detail = flag.detail.model_dump(mode="json", exclude_unset=True)
                conn.execute(flags.insert().values(ticker=ticker, kind=flag.kind, key=flag.key, raised_at=now,
                                                   detail=json.dumps(detail, sort_keys=True, default=str)))
                raised.append(flag)
        return raised

    def flag_keys(self, ticker: str) -> set[str]:
        with self.engine.connect() as conn:
            return {r.key for r in conn.execute(sa.select(flags.c.key).where(sa.func.upper(flags.c.ticker) == ticker.upper()))}

    def list_flags(self, since: str | None = None, ticker: str | None = None) -> list[dict[str, Any]]:
        """Flags raised at or after `since` (ISO date or timestamp), oldest first."""
        query = sa.select(flags).order_by(flags.c.raised_at, flags.c.id)
        if since:
            query = query.where(flags.c.raised_at >= since)
        if ticker:
            query = query.where(sa.func.upper(flags.c.ticker) == ticker.upper())
        with self.engine.connect() as conn:
            return [{**dict(r._mapping), "detail": json.loads(r.detail) if r.detail else {}} for r in conn.execute(query)]

    # -- the EDGAR watcher's state ----------------------------------------------------------

    def watch_state(self, cik: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(watch_state).where(watch_state.c.cik == cik)).first()
        return dict(row._mapping) if row else None

    def watch_states(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(watch_state).order_by(watch_state.c.cik))]

    def save_watch_state(self, cik: str, **values: Any) -> None:
        """Upsert one company's watermark; only the columns given change."""
        unknown = set(values) - set(watch_state.c.keys())
        if unknown:
            raise BadInput(f"unknown watch_state columns: {sorted(unknown)}")
        with self.engine.begin() as conn:
            updated = conn.execute(watch_state.update().where(watch_state.c.cik == cik).values(**values)).rowcount
            if not updated:
                conn.execute(watch_state.insert().values(cik=cik, **values))

    def accession_statuses(self, cik: str) -> dict[str, dict[str, Any]]:
        """accession -> its seen_accessions row, for one company."""
        query = sa.select(seen_accessions).where(seen_accessions.c.cik == cik)
        with self.engine.connect() as conn:
            return {r.accession: dict(r._mapping) for r in conn.execute(query)}

    def record_accession(self, cik: str, accession: str, *, form: str | None, filed: str | None, status: str,
                         error: str | None = None, documents: list[str] | None = None) -> int:
        """Record what became of one accession; a repeat counts another attempt. Returns attempts."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(seen_accessions.c.attempts).where(
                (seen_accessions.c.cik == cik) & (seen_accessions.c.accession == accession))).first()
            attempts = (row.attempts if row else 0) + 1
            values = {"form": form, "filed": filed, "recorded_at": _now(), "status": status, "attempts": attempts,
                      "error": error, "documents": json.dumps(documents) if documents is not None else None}
            if row:
                conn.execute(seen_accessions.update().where(
                    (seen_accessions.c.cik == cik) & (seen_accessions.c.accession == accession)).values(**values))
            else:
                conn.execute(seen_accessions.insert().values(cik=cik, accession=accession, **values))
        return attempts

    def close(self) -> None:
        self.engine.dispose()


def _insert_many(conn: Connection, table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    if rows:
        conn.execute(table.insert(), rows)  # a list of dicts runs as one executemany


def _write_extraction(conn: Connection, doc_sha256: str, document: str, ticker: str | None, filed: str | None,
                      extraction: Extraction) -> None:
    """Replace one document's extraction rows (debt, HPC, utilization, company figures) inside `conn`'s transaction."""
    def mention_rows(records, key) -> list[dict[str, Any]]:
        return [
            {"doc_sha256": doc_sha256, "document": document, "ticker": r.ticker or ticker, "filed": filed,
             "key": key(r), "record": r.model_dump_json()}
            for r in records
        ]

    for table in (debt_mentions, hpc_mentions, utilization_mentions, company_figures):
        conn.execute(table.delete().where(table.c.doc_sha256 == doc_sha256))
    _insert_many(conn, debt_mentions, mention_rows(extraction.debt_instruments, lambda d: d.name))
    _insert_many(conn, hpc_mentions, mention_rows(extraction.hpc_contracts, lambda h: h.counterparty))
    _insert_many(conn, utilization_mentions,
                 mention_rows(extraction.utilization, lambda u: f"{u.period_end or u.as_of or ''}|{u.site or ''}"))
    if extraction.company_figures is not None:
        conn.execute(company_figures.insert(), [{
            "doc_sha256": doc_sha256,
            "ticker": ticker,
            "period_end": extraction.company_figures.period_end,
            "record": extraction.company_figures.model_dump_json(),
        }])


def _bump_stamp(conn: Connection) -> int:
    # An UPDATE of one row: the database serialises concurrent writers on it, so stamps never repeat.
    conn.execute(store_stamp.update().where(store_stamp.c.id == 1).values(stamp=store_stamp.c.stamp + 1))
    return int(conn.execute(sa.select(store_stamp.c.stamp).where(store_stamp.c.id == 1)).scalar())


def _mark_flags_pending(conn: Connection, ticker: str) -> None:
    ticker = ticker.upper()
    conn.execute(flags_pending.delete().where(flags_pending.c.ticker == ticker))
    conn.execute(flags_pending.insert().values(ticker=ticker, since=_now()))


def _first_line(error: object) -> str:
    return str(error).splitlines()[0] if str(error).strip() else "no detail given"


def _fact_text(value: object, text: str) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return text or None


def _document_dict(mapping: Any) -> dict[str, Any]:
    out = dict(mapping)
    out["items"] = json.loads(out["items"]) if out.get("items") else []
    return out


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the API) do not block the ingest writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _redact(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL: show nothing of it rather than a password
        return "<unparseable url>"
