"""The maturity wall: principal coming due by year, stacked by company (or by instrument for one
company), drawn from the debt ledger. The only module that imports matplotlib.

Amounts are what `service.domain.screen.outstanding_instruments` counts today: outstanding principal
where a balance sheet states it, else principal issued; undrawn facility commitments are left out.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

from ingest.errors import BadInput  # noqa: E402
from service.domain.models import Ledger  # noqa: E402
from service.domain.screen import outstanding_instruments  # noqa: E402


def maturity_segments(ledgers: dict[str, Ledger]) -> dict[str, dict[str, float]]:
    """{segment: {year: USD}}: one segment per company, or per instrument when only one company."""
    if not isinstance(ledgers, dict) or not all(isinstance(v, Ledger) for v in ledgers.values()):
        raise BadInput("maturity wall needs {ticker: ledger}", hint="Build ledgers with Pipeline.debt_ledger(ticker).")
    by_instrument = len(ledgers) == 1
    segments: dict[str, dict[str, float]] = {}
    for ticker, ledger in sorted(ledgers.items()):
        instruments, _ = outstanding_instruments(ledger)
        for inst in instruments:
            year = (inst.maturity_date or "")[:4] or inst.maturity_year
            if not year:
                continue
            label = _short(inst.name or inst.kind or "debt") if by_instrument else ticker.upper()
            row = segments.setdefault(label, {})
            row[str(year)] = row.get(str(year), 0.0) + float(inst.amount_usd)
    return segments


def maturity_wall_png(ledgers: dict[str, Ledger], *, title: str) -> bytes:
    """A PNG of stacked bars, USD millions by maturity year."""
    segments = maturity_segments(ledgers)
    years = sorted({y for row in segments.values() for y in row})
    fig, ax = plt.subplots(figsize=(9, 5), dpi=110)
    try:
        if not years:
            ax.text(0.5, 0.5, "No dated debt with a stated amount in the ledger", ha="center", va="center",
                    transform=ax.transAxes, fontsize=12, color="#555555")
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            positions = range(len(years))
            bottom = [0.0] * len(years)
            colors = plt.get_cmap("tab20").colors
            for i, (label, row) in enumerate(sorted(segments.items(), key=lambda kv: -sum(kv[1].values()))):
                heights = [row.get(y, 0.0) / 1e6 for y in years]
                ax.bar(positions, heights, bottom=bottom, label=label, color=colors[i % len(colors)], edgecolor="white", linewidth=0.5)
                bottom = [b + h for b, h in zip(bottom, heights)]
            for x, total in zip(positions, bottom):
                ax.annotate(f"${total:,.0f}M", (x, total), ha="center", va="bottom", fontsize=9,
                            xytext=(0, 3), textcoords="offset points")
            ax.set_xticks(list(positions), years)
            ax.set_ylabel("Principal due, USD millions")
            ax.set_xlabel("Maturity year")
            ax.set_ylim(0, max(bottom) * 1.15)
            ax.spines[["top", "right"]].set_visible(False)
            ax.legend(fontsize=8, frameon=False, loc="upper left")
        ax.set_title(title)
        fig.text(0.01, 0.01, "Outstanding principal where stated, else principal issued; undrawn facilities excluded. "
                 "Bar totals are derived (sums, rounded to $1M).",
                 fontsize=7, color="#666666")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(fig)  # pyplot keeps every figure alive until closed; a server would leak them


def _short(name: str, limit: int = 42) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
