"""Time the test lanes and write the figures into docs/benchmarks.md (its own section only).

    python scripts/measure_tests.py [--check-runs 3] [--slow-runs 0] [--fresh | --no-fresh] [--keep] [--no-write]

1. `make check` (the fast lane) in this working tree, `--check-runs` times.
2. `make test-slow` (the slow lane: the session ingest, the real model, subprocesses; two workers) in
   this working tree, `--slow-runs` times (none by default: each run takes minutes).
3. `--fresh` (default): `git clone` this repository's HEAD into /tmp/fresh-XXXX and run `make test`
   there, as CI does (MINERLENS_FILINGS_DIR is passed through). The Makefile's test recipe writes the
   seconds of each step to .venv/log/test-times.txt; the install is the rest of the wall time.

Each figure is wall-clock seconds, with the CPU seconds (user + system, this command's children) beside
it: the machine is shared, and the CPU figure shows how much of a wall time was waiting for cores.
The section between the two marker comments below is replaced; the rest of the file is kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
BEGIN = "<!-- measure_tests.py: begin (this section is rewritten by scripts/measure_tests.py) -->"
END = "<!-- measure_tests.py: end -->"
ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: list[str], cwd: Path, log: Path) -> tuple[float, float, int, str]:
    """(wall s, cpu s, exit code, pytest summary lines) of one command; output to `log`."""
    env = {**os.environ, **ENV}
    c0, t0 = cpu_children(), time.monotonic()
    with open(log, "w") as out:
        rc = subprocess.call(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    wall, cpu = time.monotonic() - t0, cpu_children() - c0
    summary = [line.strip("= \n") for line in log.read_text(errors="replace").splitlines()
               if re.search(r"\d+ (passed|failed|error)", line) and " in " in line]
    return wall, cpu, rc, "; ".join(summary)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": mem, "python": platform.python_version(),
            "kernel": platform.release()}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def times_file(clone: Path) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    path = clone / ".venv" / "log" / "test-times.txt"
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                out[parts[0]] = (int(parts[1]), " ".join(parts[2:]))
    return out


def fmt(s: float) -> str:
    return f"{s:.0f} s ({s / 60:.1f} min)" if s >= 60 else f"{s:.0f} s"


def _replace(doc: str, begin: str, end: str, text: str) -> str:
    block = f"{begin}\n{text.rstrip()}\n{end}\n"
    if begin in doc and end in doc:
        head, rest = doc.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        return head + block + ("\n" + tail if tail else "")
    return doc.rstrip("\n") + "\n\n" + block


def write_section(parts: dict[str, str]) -> None:
    """Rewrite this script's section; within it, only the parts measured this run ("check", "fresh")."""
    doc = DOC.read_text() if DOC.exists() else "# minerlens benchmarks\n"
    if BEGIN in doc and END in doc:
        section = doc.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")
    else:
        section = ""
    for name, text in parts.items():
        section = _replace(section, f"<!-- {name}: begin -->", f"<!-- {name}: end -->", text).strip("\n")
    DOC.write_text(_replace(doc, BEGIN, END, section))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check-runs", type=int, default=3)
    ap.add_argument("--slow-runs", type=int, default=0, help="make test-slow runs in this working tree")
    ap.add_argument("--fresh", action=argparse.BooleanOptionalAction, default=True, help="make test in a fresh clone")
    ap.add_argument("--keep", action="store_true", help="keep the fresh clone")
    ap.add_argument("--no-write", action="store_true", help="print the section, leave docs/benchmarks.md alone")
    args = ap.parse_args(argv)

    started = datetime.now(timezone.utc)
    load_start = load()
    logs = Path(tempfile.mkdtemp(prefix="measure-tests-"))
    lines: list[str] = []
    checks = []
    for i in range(args.check_runs):
        wall, cpu, rc, summary = run(["make", "check"], REPO, logs / f"check-{i}.log")
        checks.append((wall, cpu, rc, summary, load()))
        print(f"make check #{i + 1}: {wall:.0f} s wall, {cpu:.0f} s cpu, rc={rc}: {summary}", flush=True)

    slows = []
    for i in range(args.slow_runs):
        wall, cpu, rc, summary = run(["make", "test-slow"], REPO, logs / f"slow-{i}.log")
        slows.append((wall, cpu, rc, summary, load()))
        print(f"make test-slow #{i + 1}: {wall:.0f} s wall, {cpu:.0f} s cpu, rc={rc}: {summary}", flush=True)

    fresh = None
    if args.fresh:
        clone = Path(tempfile.mkdtemp(prefix="fresh-", dir="/tmp"))
        subprocess.check_call(["git", "clone", "-q", str(REPO), str(clone)])
        head = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=clone, text=True).strip()
        wall, cpu, rc, summary = run(["make", "test"], clone, logs / "fresh-make-test.log")
        steps = times_file(clone)
        fresh = (clone, head, wall, cpu, rc, summary, steps, load())
        print(f"fresh make test: {wall:.0f} s wall, {cpu:.0f} s cpu, rc={rc}: {steps}", flush=True)
        if not args.keep:
            shutil.rmtree(clone, ignore_errors=True)

    m = machine()
    parts: dict[str, str] = {}
    parts["intro"] = "\n".join([
        "## Test lanes and a fresh `make test`",
        "",
        "Lanes (markers assigned in tests/conftest.py by what a test uses): **fast** = `not slow and not "
        "llm and not browser and not postgres` (`make check`; fakes from tests/fakes.py where a test needs "
        "the model, Chroma or the LLM), **slow** = real embedding model, session ingest of the real filings, "
        "CLI/server subprocesses, large real filings, **llm** = the local llama.cpp server. Each part below "
        "names when, where and how it was measured; the machine is **shared** with other engineers' builds "
        "and test runs, so wall times carry their noise, and CPU seconds (user + system of the command's "
        "processes) are given beside them.",
    ])
    lines += [
        f"Measured by `scripts/measure_tests.py` on {started:%Y-%m-%d %H:%M} UTC. Machine: {m['cpu']}, "
        f"{m['cores']} cores, {m['memory']}; Python {m['python']}, Linux {m['kernel']}. Load average "
        f"(1/5/15 min) at start {load_start}, at end {load()}. The machine is **shared** with other "
        "engineers' builds and test runs, so wall times carry their noise; CPU seconds (user + system "
        "of the command's processes) are given beside them.",
    ]
    where = list(lines)

    def lane_table(title: str, command: str, runs: list) -> str:
        rows = [title, "", *where, "", command, "",
                "| run | wall | cpu | load (1 min) after | result |", "| --- | ---: | ---: | ---: | --- |"]
        for i, (wall, cpu, rc, summary, ld) in enumerate(runs, 1):
            rows.append(f"| {i} | {fmt(wall)} | {cpu:.0f} s | {ld.split()[0]} | {'ok' if rc == 0 else f'rc={rc}'}: {summary} |")
        return "\n".join(rows)

    if checks:
        parts["check"] = lane_table(
            "### `make check` (fast lane, this working tree)",
            "Command: `make check` (`pytest -q -m \"not slow and not llm and not browser and not postgres\" -n 2 --dist loadscope`). "
            "The CPU column is the work the lane needs; on 2 cores with nothing else running, two workers "
            "take about half of it in wall time.", checks)
    if slows:
        parts["slow"] = lane_table(
            "### `make test-slow` (slow lane, this working tree)",
            "Command: `make test-slow` (`pytest -q -m \"slow and not llm\" -n 2 --dist loadscope`; tests/conftest.py "
            "keeps the session ingest's modules in one worker, so the ingest is built once while the other worker "
            "runs the rest). The CPU column includes the CLI and server subprocesses the tests start.", slows)
    lines = []
    if fresh:
        clone, head, wall, cpu, rc, summary, steps, ld = fresh
        tests_total = steps.get("tests-total", (0, ""))[0]
        build = steps.get("llm-build", (0, ""))
        lines += [
            f"### Fresh clone: `git clone` + `make test` (commit {head}, MINERLENS_FILINGS_DIR={os.environ.get('MINERLENS_FILINGS_DIR', '(default)')})",
            "",
            "Command: `git clone <repo> /tmp/fresh-XXXX && cd /tmp/fresh-XXXX && make test`. The llama.cpp build "
            "runs in the background (nice 10) from the start of the test recipe, overlapping the fast and slow "
            "lanes; the llm lane waits for it.",
            "",
            "| step | wall |",
            "| --- | ---: |",
            f"| install (venv, torch CPU, project; `make install`) | {fmt(wall - tests_total)} |",
            f"| llama.cpp build, in the background ({build[1]}) | {fmt(build[0])} |",
        ]
        for key, label in (("lane-fast", "fast lane"), ("lane-slow", "slow lane"),
                           ("llm-build-wait", "waiting for the llama.cpp build after the slow lane"), ("lane-llm", "llm lane")):
            if key in steps:
                lines.append(f"| {label} {steps[key][1]} | {fmt(steps[key][0])} |")
        lines += [
            f"| **total `make test`** | **{fmt(wall)}** (cpu {cpu:.0f} s) |",
            "",
            f"Result: {'passed' if rc == 0 else f'FAILED (rc={rc})'}: {summary}",
        ]
        lines[1:1] = ["", *where]
        parts["fresh"] = "\n".join(lines)
    for text in parts.values():
        print(text + "\n")
    if not args.no_write:
        write_section(parts)
        print(f"wrote {DOC}")
    return 0 if all(c[2] == 0 for c in checks + slows) and (fresh is None or fresh[4] == 0) else 1


if __name__ == "__main__":
    sys.exit(main())
