"""Bar charts as inline SVG, drawn here in Python: no JavaScript, no external files, printable.

Only geometry and escaped labels go into the SVG; colours come from the report's stylesheet (classes), because the
page's Content-Security-Policy forbids inline style attributes. Every bar is a ``<rect class="bar">`` with a
``<title>`` (tooltip and screen-reader text); the template puts the same numbers in a table next to the chart.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from tipwatch.report.highlight import plain_text

_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: ``orientation`` "h" (labelled bars, largest first) or "v" (a series such as a histogram)."""

    id: str
    title: str
    data: Sequence[tuple[str, int]]
    orientation: str = "h"
    unit: str = "posts"
    note: str = ""
    tick_every: int = 1  # vertical charts: label every n-th bar
    column_header: str = ""
    svg: Markup = field(default=Markup(""), compare=False)


def _short(label: str, limit: int) -> str:
    label = plain_text(label) or "(none)"
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _fmt(n: int) -> str:
    return f"{n:,}"


def hbar_svg(title: str, data: Sequence[tuple[str, int]], *, unit: str = "posts") -> Markup:
    """Horizontal bars, one row per (label, value), in the given order."""
    row, label_w, bar_w, value_w = 18, 150, 300, 70
    width = label_w + bar_w + value_w
    height = max(row * len(data), row) + 4
    top = max((v for _, v in data), default=0) or 1
    uid = f"c{next(_ids)}"
    parts = [
        Markup(
            '<svg class="chart chart-h" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            'aria-labelledby="{u}">'
        ).format(w=width, h=height, u=uid),
        Markup('<title id="{}">{}</title>').format(uid, title),
    ]
    for i, (label, value) in enumerate(data):
        y = 2 + i * row
        w = round(bar_w * value / top, 1)
        full = plain_text(label) or "(none)"
        parts.append(
            Markup(
                '<g class="bar-g"><title>{full}: {v} {unit}</title>'
                '<text class="lbl" x="{lx}" y="{ty}" text-anchor="end">{short}</text>'
                '<rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}"/>'
                '<text class="val" x="{vx}" y="{ty}">{v}</text></g>'
            ).format(
                full=full,
                v=_fmt(value),
                unit=unit,
                lx=label_w - 6,
                ty=y + row - 5,
                short=_short(label, 24),
                x=label_w,
                y=y + 2,
                w=w,
                h=row - 4,
                vx=label_w + w + 4,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def vbar_svg(title: str, data: Sequence[tuple[str, int]], *, unit: str = "posts", tick_every: int = 1) -> Markup:
    """Vertical bars for a series, with every ``tick_every``-th label under the axis."""
    width, height, left, bottom, top_pad = 640, 170, 48, 34, 10
    n = max(len(data), 1)
    slot = (width - left - 4) / n
    plot_h = height - bottom - top_pad
    top = max((v for _, v in data), default=0) or 1
    uid = f"c{next(_ids)}"
    parts = [
        Markup(
            '<svg class="chart chart-v" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            'aria-labelledby="{u}">'
        ).format(w=width, h=height, u=uid),
        Markup('<title id="{}">{}</title>').format(uid, title),
        Markup('<line class="axis" x1="{l}" y1="{b}" x2="{r}" y2="{b}"/>').format(
            l=left, b=height - bottom, r=width - 4
        ),
        Markup('<text class="tick" x="{x}" y="{y}" text-anchor="end">{v}</text>').format(
            x=left - 4, y=top_pad + 8, v=_fmt(top if any(v for _, v in data) else 0)
        ),
        Markup('<text class="tick" x="{x}" y="{y}" text-anchor="end">0</text>').format(x=left - 4, y=height - bottom),
    ]
    for i, (label, value) in enumerate(data):
        h = round(plot_h * value / top, 1)
        w = round(min(max(slot * 0.8, 1), 40), 1)  # a lone week should not be one wall-wide block
        x = round(left + i * slot + (slot - w) / 2, 1)
        parts.append(
            Markup(
                '<g class="bar-g"><title>{label}: {v} {unit}</title>'
                '<rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}"/></g>'
            ).format(label=plain_text(label), v=_fmt(value), unit=unit, x=x, y=round(height - bottom - h, 1), w=w, h=h)
        )
        if tick_every and i % tick_every == 0:
            parts.append(
                Markup('<text class="tick" x="{x}" y="{y}" text-anchor="start">{t}</text>').format(
                    x=x, y=height - bottom + 14, t=_short(label, 12)
                )
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def build(chart: Chart) -> Chart:
    """The chart with its SVG drawn."""
    if chart.orientation == "v":
        svg = vbar_svg(chart.title, chart.data, unit=chart.unit, tick_every=chart.tick_every)
    else:
        svg = hbar_svg(chart.title, chart.data, unit=chart.unit)
    return Chart(
        chart.id,
        chart.title,
        chart.data,
        chart.orientation,
        chart.unit,
        chart.note,
        chart.tick_every,
        chart.column_header,
        svg,
    )
