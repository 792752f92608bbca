"""Charts of on-time rates by month, as inline SVG: no script, no remote resource, readable from file://.

Each bar is one month of due dates, as tall as its on-time rate and coloured by the OGP level that
rate measures (the digest's bar colours); a month with too few obligations due to rate is a short
grey tick, never a zero. Every chart carries its text alternative: a <title> that reads the same
figures out month by month, for a screen reader and for anyone who hovers.
"""
from __future__ import annotations

from typing import Sequence

from markupsafe import Markup, escape

from .digest import LEVEL_COLOURS
from .history import Month
from .obligations import ogp_level

NO_RATE_COLOUR = "#c9d0d6"


def month_bars(months: Sequence[tuple[str, Month | None]], title: str, *, bar: int = 8, gap: int = 2,
               height: int = 24, css_class: str = "spark") -> Markup:
    """Bars of (YYYY-MM, month or None) oldest first, with `title` as the chart's text alternative."""
    width = max(1, len(months) * (bar + gap) - gap)
    shapes = []
    for index, (label, month) in enumerate(months):
        x = index * (bar + gap)
        rate = month.on_time_rate if month else None
        if rate is None:
            shapes.append(f'<rect x="{x}" y="{height - 2}" width="{bar}" height="2" fill="{NO_RATE_COLOUR}">'
                          f'<title>{escape(label)}</title></rect>')
            continue
        tall = max(1.0, round(rate * height, 1))
        shapes.append(f'<rect x="{x}" y="{height - tall}" width="{bar}" height="{tall}" '
                      f'fill="{LEVEL_COLOURS[ogp_level(rate)]}"><title>{escape(label)}: {round(rate * 100)}%</title></rect>')
    return Markup(f'<svg class="{css_class}" role="img" viewBox="0 0 {width} {height}" width="{width}" '
                  f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
                  + "".join(shapes) + "</svg>")


def rates_read_out(months: Sequence[tuple[str, Month | None]], too_few: str) -> str:
    """The figures of a chart in words: '2026-01 80%, 2026-02 too few to rate, …'."""
    return ", ".join(f"{label} {round(month.on_time_rate * 100)}%" if month and month.on_time_rate is not None
                     else f"{label} {too_few}" for label, month in months)
