"""Charts as inline SVG, drawn with matplotlib's SVG backend.

Output is deterministic (fixed ``svg.hashsalt``, no date in the metadata) and self-contained:
text stays text (``svg.fonttype = none``), the RDF metadata block and the XML prologue are
dropped, and every ``id`` is prefixed so several charts can sit in one HTML page. matplotlib
escapes the text it writes (``&``, ``<``, ``>`` in text, quotes in attributes); math parsing is
off so a ``$`` in an asset title stays a ``$``. The only text this module adds itself (the
accessible label) is escaped with :func:`markupsafe.escape`, so the result may be marked safe.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
from markupsafe import Markup, escape
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

GREEN = "#1a7f37"
RED = "#cf222e"
GREY = "#d0d7de"
INK = "#1d2330"
MUTED = "#57606a"
SERIES = ("#0969da", "#bf8700", "#8250df", "#1a7f37", "#cf222e", "#57606a", "#e16f24", "#1b7c83")
STATUS_COLOURS = {"green": GREEN, "red": RED}

RC = {
    "svg.hashsalt": "enablement-audit",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "text.usetex": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.edgecolor": GREY,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "text.color": INK,
}

_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
# matplotlib's global ``*{stroke-linejoin...}`` rule would apply to the whole HTML page; the
# report's stylesheet carries it, scoped to the charts.
_STYLE = re.compile(r"\s*<style[^>]*>.*?</style>", re.DOTALL)
_IDS = re.compile(r'\b(id="|url\(#|href="#)')
_SVG_OPEN = re.compile(r"<svg\b")


def to_svg(fig: Figure, name: str, label: str) -> Markup:
    """``fig`` as an inline ``<svg>`` element named ``name`` (a code-controlled identifier) with
    the accessible label ``label`` (escaped here)."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise ValueError(f"chart name {name!r} must be lower-case letters, digits and dashes")
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = _PROLOGUE.sub("", buffer.getvalue(), count=1)
    svg = _METADATA.sub("", svg, count=1)
    svg = _STYLE.sub("", svg, count=1)
    svg = _IDS.sub(lambda m: f"{m[1]}{name}-", svg)
    svg = _SVG_OPEN.sub(
        f'<svg id="chart-{name}" role="img" aria-label="{escape(label)}" class="chart"', svg, count=1
    )
    return Markup(svg.strip())


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width, height), layout="constrained")


def _shorten(text: str, limit: int = 42) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class HeatRow:
    label: str
    statuses: Sequence[str]  # one per week: green, red or no data
    note: str  # e.g. "8 weeks red, stale"


def heat_strip(weeks: Sequence[str], rows: Sequence[HeatRow]) -> Markup:
    """The scorecard: one row of coloured cells per metric, one column per week."""
    with matplotlib.rc_context(RC):
        fig = _figure(8.0, 0.9 + 0.32 * len(rows))
        ax = fig.add_subplot()
        for y, row in enumerate(rows):
            for x, status in enumerate(row.statuses):
                colour = STATUS_COLOURS.get(status, GREY)
                ax.add_patch(Rectangle((x + 0.06, y + 0.1), 0.88, 0.8, facecolor=colour, edgecolor="none"))
            ax.text(len(weeks) + 0.2, y + 0.5, row.note, va="center", ha="left", fontsize=8, color=MUTED)
        ax.set_xlim(0, len(weeks))
        ax.set_ylim(len(rows), 0)
        ax.set_xticks([i + 0.5 for i in range(len(weeks))], [w[-3:] for w in weeks], fontsize=8)
        ax.set_yticks([i + 0.5 for i in range(len(rows))], [_shorten(r.label, 34) for r in rows])
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xlabel("ISO week (green: goal met, red: missed, grey: no data)", fontsize=8, color=MUTED)
    return to_svg(fig, "scorecard", "Scorecard heat strip: weeks in green and red per metric")


def _values(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def trend_lines(
    name: str,
    label: str,
    weeks: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    percent: bool = True,
) -> Markup:
    """Weekly lines (gaps where a value is unknown), e.g. adoption rates over 13 weeks."""
    with matplotlib.rc_context(RC):
        fig = _figure(8.0, 2.8)
        ax = fig.add_subplot()
        xs = list(range(len(weeks)))
        top = 1.0
        for index, (title, values) in enumerate(series):
            ys = _values(values)
            if percent:
                ys = [v * 100 for v in ys]
            finite = [v for v in ys if not math.isnan(v)]
            top = max([top, *finite])
            colour = SERIES[index % len(SERIES)]
            legend = _shorten(title) + ("" if finite else " (no data)")
            ax.plot(xs, ys, marker="o", markersize=3.5, linewidth=1.8, color=colour, label=legend)
        ax.set_xticks(xs, [w[-3:] for w in weeks], fontsize=8)
        if percent:
            ax.set_ylim(0, max(100.0, top * 1.05))
            ax.set_ylabel("%")
        else:
            ax.set_ylim(0, top * 1.1)
        ax.grid(axis="y", color="#eaeef2", linewidth=0.8)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return to_svg(fig, name, label)


def utilisation_bars(items: Sequence[tuple[str, float | None]]) -> Markup:
    """Seat utilisation per tool; a tool without sign-in data gets the words "no data"."""
    with matplotlib.rc_context(RC):
        fig = _figure(8.0, 0.7 + 0.3 * max(len(items), 1))
        ax = fig.add_subplot()
        ys = list(range(len(items)))
        values = [0.0 if v is None else float(v) * 100 for _, v in items]
        colours = [GREY if v is None else SERIES[0] for _, v in items]
        ax.barh(ys, values, color=colours, height=0.65)
        for y, (_, value) in enumerate(items):
            text = "no data" if value is None else f"{value * 100:.0f}%"
            ax.text(0 if value is None else value * 100, y, f" {text}", va="center", fontsize=8, color=MUTED)
        ax.set_yticks(ys, [_shorten(t, 30) for t, _ in items])
        ax.set_ylim(len(items) - 0.5, -0.5)
        ax.set_xlim(0, max(100.0, *values) * 1.12 if values else 100.0)
        ax.axvline(100, color=MUTED, linewidth=0.8, linestyle=":")
        ax.set_xlabel("active users / seats purchased (%)")
    return to_svg(fig, "seat-utilisation", "Seat utilisation per tool this week")


@dataclass(frozen=True)
class Interval:
    label: str
    difference: float
    low: float
    high: float
    significant: bool


def interval_chart(panels: Sequence[tuple[str, str, Sequence[Interval]]]) -> Markup:
    """Differences (adopters minus non-adopters) with 95% intervals, one panel per outcome
    (title, x-axis label, intervals)."""
    heights = [max(len(items), 1) for _, _, items in panels]
    with matplotlib.rc_context(RC):
        fig = _figure(8.0, 0.9 * len(panels) + 0.28 * sum(heights))
        axes = fig.subplots(len(panels), 1, squeeze=False, gridspec_kw={"height_ratios": heights})
        for ax, (title, unit_label, items) in zip(axes[:, 0], panels, strict=True):
            ys = list(range(len(items)))
            for y, item in enumerate(items):
                colour = SERIES[0] if item.significant else MUTED
                ax.plot([item.low, item.high], [y, y], color=colour, linewidth=2)
                ax.plot([item.difference], [y], marker="o", color=colour, markersize=5)
            ax.axvline(0, color=INK, linewidth=0.8)
            ax.set_yticks(ys, [_shorten(i.label, 48) for i in items])
            ax.set_ylim(len(items) - 0.5, -0.5)
            ax.set_title(title, loc="left", fontsize=9)
            ax.set_xlabel(unit_label, fontsize=8, color=MUTED)
            ax.grid(axis="x", color="#eaeef2", linewidth=0.8)
    return to_svg(
        fig,
        "impact",
        "Adopters minus non-adopters with 95% confidence intervals; association, not proof of cause",
    )
