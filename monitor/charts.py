"""Charts of on-time rates by month, as inline SVG: no script, no remote resource, readable from file://.

Each bar is one month of due dates, as tall as the share published on time and coloured by the OGP
level that rate measures (the digest's bar colours); a month with too few obligations due to rate
is drawn in grey, and a month with nothing due is a faint tick. Every chart carries its text
alternative: a <title> that reads the same figures out month by month.
"""
from __future__ import annotations

from typing import Sequence

from markupsafe import Markup, escape

from .digest import LEVEL_COLOURS
from .history import Month
from .obligations import ogp_level

UNRATED_COLOUR = "#8c99a6"  # a month with something due, but too few obligations to rate
NOTHING_DUE_COLOUR = "#d5dbe0"
AXIS_WIDTH = 130  # px: two month labels side by side


def month_bars(months: Sequence[tuple[str, Month | None]], title: str, *, bar: int = 8, gap: int = 2,
               height: int = 24, axis: bool = False, css_class: str = "spark") -> Markup:
    """Bars of (YYYY-MM, month or None) oldest first, with `title` as the chart's text alternative.
    `axis` writes the first and last month beneath the bars."""
    width = max(1, len(months) * (bar + gap) - gap)
    shapes = []
    for index, (label, month) in enumerate(months):
        x = index * (bar + gap)
        if month is None or not month.due:
            shapes.append(f'<rect x="{x}" y="{height - 1}" width="{bar}" height="1" fill="{NOTHING_DUE_COLOUR}"/>')
            continue
        rate = month.on_time_rate
        colour = UNRATED_COLOUR if rate is None else LEVEL_COLOURS[ogp_level(rate)]
        tall = max(2.0, round(month.met / month.due * height, 1))
        shapes.append(f'<rect x="{x}" y="{height - tall}" width="{bar}" height="{tall}" fill="{colour}">'
                      f'<title>{escape(label)}: {month.met}/{month.due}</title></rect>')
    full_height = height + (14 if axis else 0)
    if axis and months:
        width = max(width, AXIS_WIDTH)  # room for both months' labels, however few the bars
        shapes.append(f'<text x="0" y="{full_height - 2}" font-size="11" fill="#5b6673">{escape(months[0][0])}</text>')
        if len(months) > 1:
            shapes.append(f'<text x="{width}" y="{full_height - 2}" font-size="11" fill="#5b6673" '
                          f'text-anchor="end">{escape(months[-1][0])}</text>')
    return Markup(f'<svg class="{css_class}" role="img" viewBox="0 0 {width} {full_height}" width="{width}" '
                  f'height="{full_height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
                  + "".join(shapes) + "</svg>")


def months_read_out(months: Sequence[tuple[str, Month | None]], on_time: str, nothing_due: str) -> str:
    """The figures of a chart in words: '2026-01 4/5 on time, 2026-02 nothing due, …'."""
    return ", ".join(f"{label} {month.met}/{month.due} {on_time}" if month and month.due else f"{label} {nothing_due}"
                     for label, month in months)
