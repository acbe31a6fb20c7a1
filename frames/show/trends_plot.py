"""The trends figure: per frame, the share of articles where it is present over time, one line per group.

Drawn with matplotlib, an optional extra (`pip install 'frames[plots]'`) imported only here and
only when a figure is made, so that nothing else in frames pays for it. Each line carries its 95%
Wilson interval as a band; a bottom panel shows how many articles each point rests on.
"""

from __future__ import annotations

import io
import math

from frames.errors import FramesError, install_extra
from frames.show.trends import Trends

CREATOR = "frames trends"  # written into every SVG and PNG: how a figure frames made is told from other files
# Okabe and Ito's colour-blind-safe palette, as in the article report; dashes tell groups apart in grey too
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
DASHES = ("-", "--", "-.", ":")
FORMATS = ("svg", "png")


def _matplotlib():
    """matplotlib's Figure and rc_context, or a one-line error saying how to install it."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise FramesError(f"plots need matplotlib: {install_extra('plots')}") from None
    return matplotlib, Figure


def frame_title(frame_id: str) -> str:
    """A frame id as a title: economic_integration -> Economic integration."""
    words = frame_id.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def group_label(trends: Trends, group: tuple[str, ...]) -> str:
    """How a group is named in the legend: its values joined by ' / ', or 'all articles'."""
    return " / ".join(group) if group else "all articles"


def render_figure(trends: Trends, fmt: str = "svg") -> bytes:
    """The figure as SVG (text drawn as paths, so it needs no font) or PNG bytes, the same for the same trends."""
    if fmt not in FORMATS:
        raise FramesError(f"unknown figure format {fmt!r}; use svg or png")
    if not trends.rows:
        raise FramesError(f"{trends.source}: no dated rows to plot (see the counts above)")
    matplotlib, Figure = _matplotlib()
    settings = {"svg.fonttype": "path", "svg.hashsalt": CREATOR, "font.size": 9, "axes.spines.top": False,
                "axes.spines.right": False}
    with matplotlib.rc_context(settings):
        figure = _draw(Figure, trends)
        buffer = io.BytesIO()
        metadata = {"Date": None, "Creator": CREATOR} if fmt == "svg" else {"Software": CREATOR}
        figure.savefig(buffer, format=fmt, metadata=metadata, dpi=150 if fmt == "png" else 72)
    return buffer.getvalue()


def _draw(Figure, trends: Trends):
    periods = trends.periods
    groups = trends.groups
    x = list(range(len(periods)))
    n_frames = len(trends.frames)
    columns = 2 if n_frames > 1 else 1
    rows = math.ceil(n_frames / columns)
    figure = Figure(figsize=(5.2 * columns, 2.9 * rows + 2.1), layout="constrained")
    grid = figure.add_gridspec(rows + 1, columns, height_ratios=[3] * rows + [1.6])
    by_group = {g: [r for r in trends.rows if r.group == g] for g in groups}
    step = max(1, math.ceil(len(periods) / (14 if columns == 2 else 24)))
    highs = [f.high for r in trends.rows for f in r.frames if f.high is not None]
    top = min(1.0, math.ceil((max(highs, default=1.0) + 0.02) * 10) / 10)  # one scale for all frames, to compare them
    ticks = x[::step]
    for j, fid in enumerate(trends.frames):
        axis = figure.add_subplot(grid[j // columns, j % columns])
        for k, group in enumerate(groups):
            colour, dash = PALETTE[k % len(PALETTE)], DASHES[k % len(DASHES)]
            points = [r.frames[j] for r in by_group[group]]
            share = [math.nan if p.share is None else p.share for p in points]
            low = [math.nan if p.low is None else p.low for p in points]
            high = [math.nan if p.high is None else p.high for p in points]
            axis.fill_between(x, low, high, color=colour, alpha=0.15, linewidth=0)
            axis.vlines(x, low, high, color=colour, alpha=0.45, linewidth=1)  # an interval even for a lone point
            axis.plot(x, share, color=colour, linestyle=dash, marker="o", markersize=3.5, linewidth=1.6,
                      label=group_label(trends, group))
        axis.set_title(frame_title(fid), loc="left", fontweight="bold")
        axis.set_ylim(0, top)
        if j == 0 and (len(groups) > 1 or groups[0]):
            axis.legend(loc="upper left", frameon=False, fontsize=8)
        axis.yaxis.set_major_formatter(_percent())
        axis.set_xticks(ticks, [periods[t] for t in ticks], rotation=45, ha="right")
        axis.set_xlim(-0.5, len(periods) - 0.5)
        axis.grid(axis="y", alpha=0.3)
        if j % columns == 0:
            axis.set_ylabel("articles with the frame")
    counts = figure.add_subplot(grid[rows, :])
    width = 0.8 / max(1, len(groups))
    for k, group in enumerate(groups):
        offset = (k - (len(groups) - 1) / 2) * width
        counts.bar([i + offset for i in x], [r.n for r in by_group[group]], width=width,
                   color=PALETTE[k % len(PALETTE)], label=group_label(trends, group))
    counts.set_ylabel("articles")
    counts.set_xticks(ticks, [periods[t] for t in ticks], rotation=45, ha="right")
    counts.set_xlim(-0.5, len(periods) - 0.5)
    counts.grid(axis="y", alpha=0.3)
    if len(groups) > 1 or groups[0]:
        counts.legend(loc="upper left", frameon=False, ncols=min(4, len(groups)), fontsize=8)
    span = f"{periods[0]} to {periods[-1]}" if len(periods) > 1 else periods[0]
    figure.suptitle(f"Share of articles where each frame is present, by {trends.period} ({span}); "
                    f"bands: 95% Wilson intervals", fontsize=10)
    return figure


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)
