"""Flags from the change against the whole-ledger rebuild: 200 documents of one company.

Writes (or replaces) its section of docs/benchmarks.md. A script, not a test: timings on a shared
2-core machine are evidence, not assertions. Both ways run in one process, document by document,
on the same documents in two data dirs:

- rebuild: after each stored document, the company's whole ledger, screen and flags are computed
  again (`Pipeline.refresh_flags`, what every ingest did before);
- change: the document is compared with the ledger before it (`Pipeline.flags_from_change`, what
  ingest does now).

The 200 documents belong to one made-up company (ticker BNCH) and are generated here: every
quarter a 10-Q (a 10-K each fourth) restating every note outstanding with its balance and stating
the period's figures, and an earnings 8-K naming the notes; every six quarters an 8-K launching a
new convertible series and an 8-K pricing it. Notes mature after five years, so about five are
outstanding at a time and the ledger ends with a dozen instruments, as a real miner's would.
Parsing, chunking and embedding cost the same for every document and are left out; what is timed
is storing the document's rows and raising its flags. Both ways must raise the same flag keys.

    .venv/bin/python scripts/benchmark_flags.py [--documents 200] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from extract.records import CompanyFigures, DebtInstrument, Evidence, Extraction  # noqa: E402
from ingest.parse import parse_bytes  # noqa: E402
from ingest.types import Filing  # noqa: E402
from service.app import build_pipeline  # noqa: E402
from service.config import Settings  # noqa: E402

TICKER = "BNCH"
SECTION = "## Flags from the change: 200 documents of one company"


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


def synthetic_documents(n: int) -> list[tuple[bytes, str, Extraction, Filing]]:
    """`n` documents of BNCH, oldest first, each with the extraction the extractors would give
    and the filing header an EDGAR submission would carry."""
    docs: list[tuple[bytes, str, Extraction, Filing]] = []
    series: list[DebtInstrument] = []

    def add(text: str, file: str, filing: Filing, extraction: Extraction) -> None:
        if len(docs) < n:
            docs.append((_html(text), file, extraction, filing))

    q = 0
    while len(docs) < n:
        end = _month_end(2000 + q // 4, 3 * (q % 4) + 3)
        if q % 6 == 0:  # a new convertible series every six quarters: launched, then priced
            coupon, due = round(0.5 + (q // 6 % 8) * 0.5, 2), end.year + 5
            launch, priced = end + dt.timedelta(days=20), end + dt.timedelta(days=22)
            name = f"{coupon:.2f}% Convertible Senior Notes due {due}"
            principal = 100_000_000.0 + 5_000_000.0 * q
            for filed, items, text, stated in (
                (launch, ["8.01"], f"On {launch.isoformat()} BNCH announced a proposed offering of convertible senior notes due {due}.", {}),
                (priced, ["1.01", "2.03"], f"BNCH priced ${principal:,.0f} aggregate principal amount of its {name}, issued on {priced.isoformat()}.",
                 {"principal_usd": principal, "coupon_pct": coupon, "issue_date": priced.isoformat()}),
            ):
                file = f"{TICKER}_8-K_{filed.isoformat()}.htm"
                record = DebtInstrument(ticker=TICKER, name=name if stated else f"convertible senior notes due {due}",
                                        kind="convertible", maturity_year=due, **stated,
                                        evidence=[Evidence(field=f, document=file, locator="p 1", quote=text) for f in (stated or {"maturity_year": 0})])
                add(text, file, Filing(form="8-K", filed=filed.isoformat(), period=filed.isoformat(), ticker=TICKER, items=items),
                    Extraction(file=file, ticker=TICKER, form="8-K", filed=filed.isoformat(), debt_instruments=[record]))
                if stated:
                    series.append(record)
        outstanding = [s for s in series if s.issue_date <= end.isoformat() and s.maturity_year > end.year]
        # The quarterly report restates every note outstanding with its balance and states the figures.
        form = "10-K" if q % 4 == 3 else "10-Q"
        filed = end + dt.timedelta(days=40)
        file = f"{TICKER}_{form}_{filed.isoformat()}.htm"
        restated = [s.model_copy(update={"outstanding_usd": s.principal_usd, "outstanding_as_of": end.isoformat(),
                                         "evidence": [Evidence(field="outstanding_usd", document=file, locator="note 7",
                                                               quote=f"{s.name}: ${s.principal_usd:,.0f} outstanding")]})
                    for s in outstanding]
        debt = sum(s.principal_usd for s in restated)
        figures = CompanyFigures(period_end=end.isoformat(), cash_usd=50_000_000.0 + 1_000_000.0 * q, total_debt_usd=debt,
                                 interest_expense_usd=debt * 0.01 / 4, operating_income_usd=5_000_000.0 - 200_000.0 * (q % 40),
                                 depreciation_amortization_usd=2_000_000.0,
                                 evidence=[Evidence(field="total_debt_usd", document=file, locator="balance sheet",
                                                    quote=f"Total debt {debt:,.0f}")])
        add(f"BNCH {form} for the period ended {end.isoformat()}. Total debt {debt:,.0f}.", file,
            Filing(form=form, filed=filed.isoformat(), period=end.isoformat(), ticker=TICKER),
            Extraction(file=file, ticker=TICKER, form=form, filed=filed.isoformat(), debt_instruments=restated, company_figures=figures))
        # The earnings release names the notes in passing.
        release = filed - dt.timedelta(days=2)
        file = f"{TICKER}_8-K_{release.isoformat()}.htm"
        named = [DebtInstrument(ticker=TICKER, name=s.name, kind="convertible", coupon_pct=s.coupon_pct, maturity_year=s.maturity_year,
                                evidence=[Evidence(field="coupon_pct", document=file, locator="p 2", quote=f"our {s.name}")])
                 for s in outstanding]
        add(f"BNCH reports results for the quarter ended {end.isoformat()}.", file,
            Filing(form="8-K", filed=release.isoformat(), period=release.isoformat(), ticker=TICKER, items=["2.02"]),
            Extraction(file=file, ticker=TICKER, form="8-K", filed=release.isoformat(), debt_instruments=named))
        q += 1
    return docs


def _html(text: str) -> bytes:
    return f"<html><body><p>{text}</p></body></html>".encode()


def run(n: int) -> dict:
    docs = synthetic_documents(n)
    with tempfile.TemporaryDirectory(prefix="minerlens-flags-bench-") as tmp:
        rebuild = build_pipeline(Settings(data_dir=Path(tmp) / "rebuild"))
        change = build_pipeline(Settings(data_dir=Path(tmp) / "change"))
        times = {"rebuild": [], "change": []}
        for data, file, extraction, filing in docs:
            doc = parse_bytes(data, file)
            doc.filing = filing
            for name, pipeline, raise_flags in (("rebuild", rebuild, lambda p, d: p.refresh_flags(TICKER)),
                                                ("change", change, lambda p, d: p.flags_from_change(TICKER, d.sha256))):
                started = time.perf_counter()
                pipeline.db.save_document(doc, [], extraction=extraction, filed=extraction.filed)
                raise_flags(pipeline, doc)
                times[name].append(time.perf_counter() - started)
        keys = {name: sorted(f["key"] for f in p.db.list_flags()) for name, p in (("rebuild", rebuild), ("change", change))}
    return {"n": n, "times": times, "same_flags": keys["rebuild"] == keys["change"], "n_flags": len(keys["change"]),
            "only_rebuild": sorted(set(keys["rebuild"]) - set(keys["change"])), "only_change": sorted(set(keys["change"]) - set(keys["rebuild"]))}


def render(result: dict, command: str) -> str:
    n, times = result["n"], result["times"]
    marks = [m for m in (25, 50, 100, 150, 200, n) if m <= n]
    marks = sorted(set(marks))
    lines = [SECTION, "",
             f"Generated by `{command}` on {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}. Storing one document's rows and",
             "raising its flags, both ways in one run on the same documents (see the script's docstring).",
             "", "| documents stored | rebuild: total s | change: total s | rebuild: ms per document, last 25 | change: ms per document, last 25 |",
             "| --- | --- | --- | --- | --- |"]
    for m in marks:
        last = slice(max(0, m - 25), m)
        lines.append(f"| {m} | {sum(times['rebuild'][:m]):.2f} | {sum(times['change'][:m]):.2f} | "
                     f"{1000 * sum(times['rebuild'][last]) / len(times['rebuild'][last]):.1f} | "
                     f"{1000 * sum(times['change'][last]) / len(times['change'][last]):.1f} |")
    half = n // 2
    growth = {k: (sum(v[half:]) / max(sum(v[:half]), 1e-9)) for k, v in times.items()}
    lines += ["", f"Second half of the documents against the first (1.0 = each document costs the same however many came before):"
              f" rebuild {growth['rebuild']:.1f}x, change {growth['change']:.1f}x.",
              f"Flags raised: {result['n_flags']}; the same keys both ways: {'yes' if result['same_flags'] else 'NO'}"
              + ("" if result["same_flags"] else f" (only rebuild: {result['only_rebuild'][:5]}, only change: {result['only_change'][:5]})"),
              ""]
    return "\n".join(lines)


def replace_section(path: Path, section: str) -> None:
    """Put `section` (starting with its '## ' heading) into the report, replacing the old one."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# minerlens benchmarks\n"
    heading = section.splitlines()[0]
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    result = run(args.documents)
    section = render(result, " ".join([".venv/bin/python scripts/benchmark_flags.py", *(argv if argv is not None else sys.argv[1:])]))
    print(section)
    replace_section(args.out, section)
    print(f"wrote {args.out}")
    return 0 if result["same_flags"] else 1


if __name__ == "__main__":
    sys.exit(main())
