"""The progress engine's pure core: plain data in, plain data out. No Django.

A selector loads target lines, per-purchaser sums and base values; these functions compute achievement,
rate, time progress, status, rank, forecast and roll-ups; the results go to the CLI, the web and reports.
"""

from .engine import (
    LineResult,
    LineSpec,
    Thresholds,
    compute_line,
    compute_lines,
    rollup,
)
from .timeline import elapsed_share, scheduled_share
from .units import purchaser_set, subtree

__all__ = [
    "LineResult",
    "LineSpec",
    "Thresholds",
    "compute_line",
    "compute_lines",
    "elapsed_share",
    "purchaser_set",
    "rollup",
    "scheduled_share",
    "subtree",
]
