"""The AI/HPC vocabulary, as data: the words that make a passage about AI/HPC rather than bitcoin
mining, and the spellings of GPU counts and megawatts. Read by the contract extractor
(`extract.contracts`) and the utilization extractor (`extract.utilization`), so a word added here
reaches both.

Words match case-insensitively ("High-Performance Computing" as a 10-Q's defined term, "critical
IT load" in a release), except the short acronyms in CASE_SENSITIVE: "AI" must be in capitals (the
letters "ai" are not AI). Colocation and "data center" alone are not AI/HPC: bitcoin miners are
hosted in colocation too.
"""

from __future__ import annotations

import re

# Words and phrases that tie a passage to AI/HPC (regular-expression fragments, one cue each).
HPC_CUES = (
    r"GPUs?", r"HPC", r"AI/HPC", r"HPC/AI", r"high[- ]performance\s+comput\w*", r"artificial\s+intelligence",
    r"critical\s+IT", r"hyperscal\w*", r"cloud\s+(?:services?|computing|platform|provider)", r"inference",
    r"machine\s+learning", r"neocloud", r"(?:GB|[HB])\d{3}s?", r"A100s?",
)
# Acronyms that are cues only in capitals.
CASE_SENSITIVE_CUES = (r"AI",)
# Cues that name AI/HPC unambiguously even in a sentence that also speaks of mining.
STRONG_HPC_CUES = (r"HPC", r"GPUs?", r"AI\s+data\s+cent\w*", r"AI/HPC", r"HPC/AI")
# Bitcoin mining: capacity, revenue and hosting that are not AI/HPC.
MINING_CUES = (r"min(?:ers?|ing)", r"ASICs?", r"hash\s*rate", r"EH/s", r"self-mining", r"bitcoin")
COLOCATION_CUES = (r"co-?location",)
# Revenue lines that are AI/HPC ("cloud services", "HPC hosting"); a line naming mining, miner
# hosting, staking, a total or a cost is not, whatever else it says.
HPC_REVENUE_LINE_CUES = (
    r"cloud", r"HPC", r"high[- ]performance\s+comput\w*", r"AI", r"artificial\s+intelligence", r"GPU",
    r"compute\s+services?", r"data\s+cent(?:er|re)\s+services?",
)
NOT_HPC_REVENUE_LINE_CUES = (r"min(?:ing|ers?)", r"hosting", r"bitcoin", r"staking", r"total", r"cost")


def _words(cues: tuple[str, ...], flags: int = re.I) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(cues) + r")\b", flags)


HPC = _words(HPC_CUES)
HPC_CASED = _words(CASE_SENSITIVE_CUES, 0)
STRONG_HPC = _words(STRONG_HPC_CUES, 0)
MINING = _words(MINING_CUES)
COLOCATION = _words(COLOCATION_CUES)
HPC_REVENUE_LINE = _words(HPC_REVENUE_LINE_CUES)
NOT_HPC_REVENUE_LINE = _words(NOT_HPC_REVENUE_LINE_CUES)

# "2,048 GPUs", "1,024 NVIDIA H100 GPUs", "300 graphics processing units": the count, and the model
# when it is named between them.
GPU_COUNT = re.compile(
    r"(?<![\w.,$])(?P<n>\d{1,3}(?:,\d{3})+|\d+)\s+(?:(?P<model>(?:NVIDIA\s+|Nvidia\s+)?(?:GB|[HBA])\d{2,3}[A-Za-z]*(?:\s+NVL\d+)?)\s+)?"
    r"(?:GPUs?|graphics\s+processing\s+units?)\b"
)
GPU_MODEL = re.compile(r"\b(?:NVIDIA\s+|Nvidia\s+)?((?:GB|[HB])\d{3}[A-Za-z]?|A100)\b")
# "168 MW", "200-megawatt", "1,000 MWs"; not MWh.
MEGAWATTS = re.compile(
    r"(?<![\w.,])(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?:-\s*)?(?:MWs?|megawatts?)(?![A-Za-z])", re.I
)


def is_hpc(text: str) -> bool:
    """Whether `text` names AI/HPC."""
    return bool(HPC.search(text) or HPC_CASED.search(text))


def is_mining(text: str) -> bool:
    return bool(MINING.search(text))


def colocation_is_hpc(sentences: list[str]) -> bool:
    """Whether a document describes its colocation business as AI/HPC (not miner hosting): one
    sentence that names colocation and AI/HPC and no mining."""
    return any(COLOCATION.search(t) and is_hpc(t) and not is_mining(t) for t in sentences)
