"""The `minerlens` command. The only module that knows exit codes.

Failures print one line to stderr and exit non-zero: 2 for bad input, 1 for anything else. An
internal error (a bug) also writes its traceback to a log file the line names.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import traceback
from datetime import datetime, timezone
from pathlib import Path

from ingest.errors import BadInput, MinerlensError, reason
from service.domain.numbers import percent, plain, usd


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except MinerlensError as exc:
        print(f"minerlens: {exc.code}: {exc.message}", file=sys.stderr)
        return 2 if isinstance(exc, BadInput) else 1
    except KeyboardInterrupt:
        print("minerlens: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not the user's input: the reason here, the traceback in a file we name
        print(f"minerlens: internal error: {reason(exc)} (traceback in {write_traceback(argv)})", file=sys.stderr)
        return 1


def write_traceback(argv: list[str] | None) -> Path:
    """Append the current exception's traceback to data_dir/logs/cli-errors.log (the system's temp
    folder when that cannot be written); returns the file."""
    from service.config import get_settings

    entry = f"--- {datetime.now(timezone.utc).isoformat(timespec='seconds')} minerlens {' '.join(argv if argv is not None else sys.argv[1:])}\n{traceback.format_exc()}"
    for folder in (lambda: get_settings().data_dir / "logs", lambda: Path(tempfile.gettempdir())):
        try:
            path = folder() / "cli-errors.log"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as log_file:
                log_file.write(entry)
            return path.resolve()
        except Exception:  # noqa: BLE001 - bad settings or a read-only data dir: the next place
            continue
    return Path("(nowhere: no writable folder)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minerlens", description="Debt and AI/HPC contracts of listed Bitcoin miners, with evidence.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="ingest files or folders")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--ticker", help="ticker for documents that do not name their company")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("search", help="hybrid keyword + dense search")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--ticker")
    p.add_argument("--form")
    p.add_argument("--date-from")
    p.add_argument("--date-to")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_search)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--ticker")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser("extract", help="extract records from files without storing anything")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_extract)

    p = sub.add_parser("debt", help="a company's debt ledger")
    p.add_argument("ticker")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_debt)

    p = sub.add_parser("contracts", help="a company's AI/HPC contracts, linked across documents")
    p.add_argument("ticker")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_contracts)

    p = sub.add_parser("screen", help="the universe screen: one row per company, latest period")
    p.add_argument("--ticker", help="one company's history instead")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_screen)

    p = sub.add_parser("flags", help="new-leverage flags")
    p.add_argument("--since", help="only flags raised on or after this date (YYYY-MM-DD)")
    p.add_argument("--ticker")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_flags)

    p = sub.add_parser("market", help="load market inputs (BTC price, share prices, hashprice) from a CSV file")
    p.add_argument("csv", type=Path)
    p.set_defaults(run=cmd_market)

    p = sub.add_parser("watch", help="watch EDGAR (and an inbox folder) and ingest new filings")
    p.add_argument("--once", action="store_true", help="poll once and exit")
    p.add_argument("--interval", type=float, help="seconds between polls (default MINERLENS_WATCH_INTERVAL)")
    p.add_argument("--since", help="backfill filings since this date (YYYY-MM-DD)")
    p.set_defaults(run=cmd_watch)

    p = sub.add_parser("serve", help="serve the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(run=cmd_serve)
    return parser


def pipeline():
    from service.app import build_pipeline
    from service.config import get_settings

    return build_pipeline(get_settings())


def print_json(obj) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def cmd_ingest(args) -> int:
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise BadInput(f"no such file or folder: {', '.join(missing)}")
    report = pipeline().ingest_paths(args.paths, progress=not args.json and sys.stderr.isatty(), ticker=args.ticker)
    if args.json:
        print_json({"results": [r.__dict__ for r in report.results], "counts": report.counts()})
    else:
        for r in report.results:
            if r.status == "failed":
                print(f"FAILED    {r.file}: {r.error}", file=sys.stderr)
                continue
            for note in r.notes:
                print(f"note      {r.file}: {note}", file=sys.stderr)
            print(f"{r.status:<9} {r.file}  {r.ticker or '-':<5} {r.form or '-':<6} {r.chunks:>5} chunks "
                  f"({r.reused_vectors} reused)  {r.debt_instruments} debt  {r.hpc_contracts} contracts  {r.seconds:.2f}s")
        print(", ".join(f"{n} {status}" for status, n in report.counts().items()))
    return 1 if report.failed else 0


def cmd_search(args) -> int:
    if args.k < 1 or args.k > 100:
        raise BadInput("--k must be between 1 and 100")
    from service.api import search_result

    hits = pipeline().search(args.query, k=args.k, ticker=args.ticker, form=args.form, date_from=args.date_from, date_to=args.date_to)
    results = [search_result(h).model_dump(exclude={"part"}) for h in hits]
    if args.json:
        print_json({"results": results})
    else:
        for i, r in enumerate(results, 1):
            where = " · ".join(str(x) for x in (r["document"], r["section"], r["page"] and f"p. {r['page']}") if x)
            print(f"{i:>2}. [{r['score']:.4f}] {where}\n    {r['text'][:300]}")
    return 0


def cmd_ask(args) -> int:
    answer = pipeline().ask(args.question, ticker=args.ticker)
    if args.json:
        print_json(answer.model_dump(include={"question", "answer", "citations", "insufficient_evidence", "kind", "data"}))
    else:
        print(answer.answer)
        for i, c in enumerate(answer.citations, 1):
            print(f"  [{i}] {c.document} · {c.locator}: “{c.quote}”")
    return 0


def cmd_extract(args) -> int:
    from extract.document import extract_document
    from ingest.parse import parse_path
    from service.pipeline import expand_paths

    documents, failed = [], 0
    for path in expand_paths(args.paths):
        try:
            extraction = extract_document(parse_path(path))
        except MinerlensError as exc:
            print(f"FAILED    {path.name}: {exc.message}", file=sys.stderr)
            failed += 1
            continue
        documents.append(extraction.model_dump(include={"file", "debt_instruments", "hpc_contracts", "company_figures", "utilization", "failures"}))
    if args.json:
        print_json({"documents": documents})
    else:
        for d in documents:
            print(f"{d['file']}: {len(d['debt_instruments'])} debt instruments, {len(d['hpc_contracts'])} contracts")
            for x in d["debt_instruments"]:
                print(f"  - {x['name']} [{x['kind']}] principal={x['principal_usd']} coupon={x['coupon_pct']} maturity={x['maturity_date'] or x['maturity_year']}")
    return 1 if failed else 0


def cmd_debt(args) -> int:
    ledger = pipeline().debt_ledger(args.ticker)
    if args.json:
        print_json(ledger.model_dump(mode="json"))
        return 0
    print(f"{ledger.ticker}: {len(ledger.instruments)} instruments")
    for x in ledger.instruments:
        maturity = x.maturity_date or x.maturity_year or "-"
        principal = _usd(x.principal_usd)
        quotes = [e.quote for m in x.mentions for e in m.evidence if e.field == "coupon_pct"]
        coupon = percent(x.coupon_pct, quotes) if x.coupon_pct is not None else (x.rate_text or "-")
        print(f"  {x.name[:60]:<60} {x.kind:<16} {principal:>16} {coupon:>8} {maturity!s:>10}  ({len(x.mentions)} sources)")
    return 0


def cmd_contracts(args) -> int:
    book = pipeline().contracts(args.ticker)
    if args.json:
        print_json(book.model_dump(mode="json"))
        return 0
    print(f"{book.ticker}: {len(book.contracts)} counterparties")
    for history in book.contracts:
        live = history.in_force
        print(f"  {history.counterparty[:50]:<50} in force: {_num(live.capacity_mw, ' MW')} {_num(live.gpus, ' GPUs')} {_usd(live.total_contract_value_usd)}")
        for deal in history.deals:
            term = f"{deal.term_months} months" if deal.term_months else "-"
            state = "in force" if deal.in_force else (deal.status or "superseded")
            print(f"    - {_num(deal.capacity_mw, ' MW')} {_num(deal.gpus, ' GPUs')} {_usd(deal.total_contract_value_usd)} {term} [{state}] ({len(deal.sources)} sources)")
    if book.utilization:
        print("  utilization:")
    for u in book.utilization:
        when = u.period_end or u.as_of or "-"
        revenue = f"{_usd(u.hpc_revenue_usd)} ({u.hpc_revenue_period})" if u.hpc_revenue_usd else ""
        pct = f"{u.utilization_pct:g}% utilized" if u.utilization_pct is not None else ""
        print(f"    {when:<10} {u.site or '':<12} {_num(u.energized_mw, ' MW energized') if u.energized_mw else ''} "
              f"{_num(u.gpus_deployed, ' GPUs') if u.gpus_deployed else ''} {pct} {revenue}  [{u.document}]")
    return 0


def _num(value, unit: str) -> str:
    return f"{plain(value)}{unit}" if value is not None else "-"


def _usd(value) -> str:
    return usd(value) if value is not None else "-"


def cmd_screen(args) -> int:
    p = pipeline()
    rows = p.screen(args.ticker) if args.ticker else p.universe()
    if args.json:
        dumped = [r.model_dump(mode="json") for r in rows]
        print_json({"companies": dumped} if not args.ticker else {"ticker": args.ticker.upper(), "periods": dumped})
        return 0
    columns = ("total_debt_usd", "cash_usd", "net_debt_usd", "ebitda_ttm_usd", "net_debt_to_ebitda", "ebitda_interest_coverage", "maturities_12m_usd")
    print(f"{'ticker':<6} {'period':<10} " + " ".join(f"{c:>20}" for c in columns))
    for row in rows:
        print(f"{row.ticker:<6} {row.period_end:<10} " + " ".join(f"{_cell(row.values.get(c), c in RATIOS):>20}" for c in columns))
    print("ratios are derived (computed from the stated figures), rounded to 2 decimals")
    return 0


RATIOS = ("net_debt_to_ebitda", "ebitda_interest_coverage")


def _cell(value, ratio: bool = False) -> str:
    """Stated and summed amounts in full; ratios, which are derived, to two decimals."""
    if value is None:
        return "-"
    return f"{value:,.2f}" if ratio else plain(value)


def cmd_flags(args) -> int:
    flags = pipeline().flags(since=args.since, ticker=args.ticker)
    if args.json:
        # A flag's detail has the keys its kind states (exclude_unset), as stored.
        print_json({"flags": [f.model_dump(mode="json", exclude_unset=True) for f in flags]})
        return 0
    for f in flags:
        print(f"{f.raised_at[:10]}  {f.ticker:<5} {f.kind:<28} {f.detail.summary or f.key}")
    print(f"{len(flags)} flags")
    return 0


def cmd_market(args) -> int:
    from service.domain.market import load_market_csv

    market = pipeline().set_market(load_market_csv(args.csv))
    print_json(market.model_dump(mode="json"))
    return 0


def cmd_watch(args) -> int:
    import threading

    from service.app import build_watcher
    from service.watch import FolderWatcher

    p = pipeline()
    watcher = build_watcher(p, p.settings, since=args.since)
    inbox = FolderWatcher(p, p.settings.watch_inbox) if p.settings.watch_inbox else None
    if args.once:
        if inbox:
            inbox.process_existing()
        report = watcher.poll_once()
        print_json(dataclasses.asdict(report))
        return 0
    stop = threading.Event()
    if inbox:
        inbox.start()
    try:
        watcher.run(args.interval or p.settings.watch_interval_s, stop)
    finally:
        stop.set()
        if inbox:
            inbox.stop()
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    from service.api import create_app, is_loopback
    from service.config import get_settings

    settings = get_settings()
    if not is_loopback(args.host):
        if not settings.api_token:
            raise BadInput(f"refusing to serve on {args.host} without MINERLENS_API_TOKEN",
                           hint="Set a token, or bind 127.0.0.1.")
        if args.host not in ("0.0.0.0", "::"):  # a named address answers to its own name too
            settings.allowed_hosts += f",{args.host}"
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
