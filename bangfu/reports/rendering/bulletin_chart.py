"""The bulletin's chart: each town's completion rate (bars) against its time progress (a dashed line with
markers), as a PNG. Pure: rows in, PNG bytes out.

Drawn with matplotlib's Agg canvas (no display, no pyplot state) in the CJK font that ships inside the
installed ``mplfonts`` package, loaded by file (``FontProperties(fname=...)``) so that no system font
is assumed and nothing is fetched.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .bulletin_content import DONE, LAGGING, NORMAL, SEVERE, TownRow, percent_text

DPI = 150
WIDTH_IN = 6.1  # the text width of an A4 page with 2.8/2.6 cm margins (15.6 cm)
FONT_FILE = "NotoSansCJKsc-Regular.otf"
STATUS_COLOURS = {DONE: "#2E7D32", NORMAL: "#4472C4", LAGGING: "#ED7D31", SEVERE: "#C00000"}
STATUS_LABELS = {DONE: "已完成", NORMAL: "正常", LAGGING: "滞后", SEVERE: "严重滞后"}
OTHER_COLOUR = "#A5A5A5"
EXPECTED_COLOUR = "#404040"


class ChartFontMissing(RuntimeError):
    """The CJK font of the ``mplfonts`` package is not installed."""


@cache
def cjk_font_path() -> Path:
    """The CJK font file shipped in the installed ``mplfonts`` package (located without importing it)."""
    spec = importlib.util.find_spec("mplfonts")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        path = Path(location) / "fonts" / FONT_FILE
        if path.is_file():
            return path
    raise ChartFontMissing(f"找不到图表字体 {FONT_FILE}（mplfonts 包未安装）")


def _percent(value: Decimal | None) -> float:
    # Float only for drawing; the figures printed beside the bars come from the exact Decimal.
    return 0.0 if value is None else float(value * 100)


def town_chart_png(rows: Sequence[TownRow], *, title: str) -> bytes:
    """Horizontal bars, the first-ranked unit on top, coloured by status, labelled with the rate; the
    time progress of each line as a dashed line with markers."""
    font = FontProperties(fname=str(cjk_font_path()), size=8)
    small = FontProperties(fname=str(cjk_font_path()), size=7)
    heading = FontProperties(fname=str(cjk_font_path()), size=10)

    count = max(len(rows), 1)
    figure = Figure(figsize=(WIDTH_IN, max(2.6, 1.2 + 0.2 * count)), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()

    positions = list(range(len(rows) - 1, -1, -1))
    rates = [_percent(row.rate) for row in rows]
    expected = [_percent(row.expected) for row in rows]
    colours = [STATUS_COLOURS.get(row.status, OTHER_COLOUR) for row in rows]
    axes.barh(positions, rates, height=0.62, color=colours, zorder=2)
    axes.plot(
        expected,
        positions,
        color=EXPECTED_COLOUR,
        linestyle="--",
        linewidth=1,
        marker="|",
        markersize=9,
        markeredgewidth=1.6,
        zorder=3,
    )

    top = max([100.0, *rates, *expected]) * 1.14
    for y, rate, row in zip(positions, rates, rows, strict=True):
        axes.text(
            rate + top * 0.01,
            y,
            percent_text(row.rate),
            va="center",
            fontproperties=small,
            zorder=4,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85},
        )

    axes.set_yticks(positions)
    axes.set_yticklabels([row.short for row in rows], fontproperties=font)
    step = 20 if top <= 160 else 50
    ticks = list(range(0, int(top) + 1, step))
    axes.set_xticks(ticks)
    axes.set_xticklabels([f"{tick}%" for tick in ticks], fontproperties=font)
    axes.set_xlim(0, top)
    axes.set_ylim(-0.7, count - 0.3)
    axes.grid(axis="x", color="#D9D9D9", linewidth=0.6, zorder=0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_xlabel("完成率", fontproperties=font)
    axes.set_title(title, fontproperties=heading)

    present = [code for code in STATUS_COLOURS if any(row.status == code for row in rows)]
    handles: list[Patch | Line2D] = [
        Patch(color=STATUS_COLOURS[code], label=STATUS_LABELS[code]) for code in present
    ]
    same = {row.expected for row in rows}
    expected_label = f"时序进度（{percent_text(next(iter(same)))}）" if len(same) == 1 else "时序进度"
    handles.append(
        Line2D([], [], color=EXPECTED_COLOUR, linestyle="--", marker="|", markersize=9, label=expected_label)
    )
    figure.legend(
        handles=handles,
        loc="outside lower center",
        ncol=len(handles),
        prop=small,
        frameon=False,
    )
    if not rows:
        axes.text(top / 2, 0, "暂无数据", ha="center", va="center", fontproperties=heading)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
