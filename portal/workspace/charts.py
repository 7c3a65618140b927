"""The dashboard's charts as inline SVG strings, drawn on the server from plain workbook data.

No JavaScript, no external files: the same strings go into the page, the print view and the
exports (PDF). Each chart has <title> and <desc>; pages put a table next to it as well.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from html import escape
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

FONT = 'font-family="system-ui, sans-serif" font-size="12"'
INK, MUTED, LINE, ACCENT = "#1e2b2a", "#5b6b69", "#c9d3d1", "#1e5b4f"
STATUS_FILL = {
    "planned": "#8fb3ab",
    "in_progress": "#1e5b4f",
    "done": "#6a8f3a",
    "stopped": "#b0b0b0",
}
RISK_FILL = ("#d8eed2", "#f4ecb8", "#f7cf94", "#ef9a7e")


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    # Every piece of text in `body` went through html.escape (_text, titles).
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ws-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT}>'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _text(
    x: float, y: float, text: str, anchor: str = "start", fill: str = INK, extra: str = ""
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" {extra}>'
        f"{escape(text)}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}" {extra}/>'


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{LINE}"/>'


def _scale_axes(left: float, top: float, cell: float, across: str, up: str) -> list[str]:
    """Ticks 1-5 on both axes of a 5 × 5 matrix, and the two axis names."""
    size = cell * 5
    parts = []
    for i in range(1, 6):
        parts.append(_text(left + (i - 0.5) * cell, top + size + 16, str(i), "middle", MUTED))
        parts.append(_text(left - 10, top + size - (i - 0.5) * cell + 4, str(i), "end", MUTED))
    parts.append(_text(left + size / 2, top + size + 34, across, "middle"))
    turn = f'transform="rotate(-90 14 {top + size / 2})"'
    parts.append(_text(14, top + size / 2, up, "middle", extra=turn))
    return parts


def _short(text: str, n: int = 34) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _empty(chart_id: str, title: str, message: str) -> Markup:
    return _svg(chart_id, 480, 60, title, message, [_text(8, 34, message, fill=MUTED)])


def goal_progress(goals: list[dict[str, Any]], chart_id: str = "goal-progress") -> Markup:
    """One bar per goal: the share of the way from baseline to target of its latest reading."""
    title = _("Fremdrift mot målene")
    if not goals:
        return _empty(chart_id, title, _("Ingen mål ennå."))
    row, left, bar = 28, 230, 300
    height = 20 + row * len(goals)
    body: list[str] = []
    for n, goal in enumerate(goals):
        y = 10 + n * row
        progress = goal.get("progress")
        body.append(_text(0, y + 15, _short(goal["title"])))
        body.append(_rect(left, y + 3, bar, 16, "#eef2f1", f'stroke="{LINE}"'))
        if progress is None:
            body.append(_text(left + 6, y + 15, _("ikke målt"), fill=MUTED))
        else:
            width = bar * progress
            body.append(_rect(left, y + 3, width, 16, ACCENT))
            body.append(_text(left + bar + 6, y + 15, f"{progress:.0%}"))
    measured = sum(1 for g in goals if g.get("progress") is not None)
    desc = _("%(n)s mål, %(m)s med målinger.", n=len(goals), m=measured)
    return _svg(chart_id, left + bar + 50, height, title, desc, body)


def effect_effort(measures: list[dict[str, Any]], chart_id: str = "effect-effort") -> Markup:
    """Measures placed by effort (across) and effect (up); the top left is the quick wins."""
    title = _("Effekt og innsats")
    placed = [m for m in measures if m.get("effect") and m.get("effort")]
    if not placed:
        return _empty(chart_id, title, _("Ingen tiltak med effekt og innsats ennå."))
    cell, left, top = 64, 48, 12
    size = cell * 5
    body = [_rect(left, top, cell * 2.5, cell * 2.5, "#e4f0ec")]
    for i in range(6):
        body.append(_line(left + i * cell, top, left + i * cell, top + size))
        body.append(_line(left, top + i * cell, left + size, top + i * cell))
    body += _scale_axes(left, top, cell, _("Innsats"), _("Effekt"))
    seen: Counter[tuple[int, int]] = Counter()
    for n, m in enumerate(placed, 1):
        key = (m["effort"], m["effect"])
        k = seen[key]
        seen[key] += 1
        cx = left + (m["effort"] - 0.5) * cell + (k % 3 - 1) * 18
        cy = top + size - (m["effect"] - 0.5) * cell + (k // 3 % 3 - 1) * 18
        fill = STATUS_FILL.get(m.get("status", ""), ACCENT)
        body.append(
            f"<g><title>{escape(m['title'])}</title>"
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="9" fill="{fill}"/>'
            + _text(cx, cy + 4, str(n), "middle", "#ffffff", 'font-size="10"')
            + "</g>"
        )
    desc = _(
        "%(n)s tiltak plassert etter effekt (1–5) og innsats (1–5); tallene viser til tabellen.",
        n=len(placed),
    )
    return _svg(chart_id, left + size + 10, top + size + 44, title, desc, body)


def _years(
    measures: list[dict[str, Any]], period_from: int | None, period_to: int | None
) -> tuple[int, int]:
    years = [int(d[:4]) for m in measures for d in (m.get("start_date"), m.get("end_date")) if d]
    first = period_from or (min(years) if years else date.today().year)
    last = period_to or (max(years) if years else first)
    return min(first, last), max(first, last)


def roadmap(
    measures: list[dict[str, Any]],
    period_from: int | None,
    period_to: int | None,
    chart_id: str = "roadmap",
) -> Markup:
    """A Gantt chart of dated measures across the planning period, with milestones."""
    title = _("Veikart")
    dated = [m for m in measures if m.get("start_date") or m.get("end_date")]
    if not dated:
        return _empty(chart_id, title, _("Ingen tiltak med start eller slutt ennå."))
    first, last = _years(dated, period_from, period_to)
    start, end = date(first, 1, 1), date(last, 12, 31)
    span = (end - start).days or 1
    left, width, row, top = 230, 480, 24, 26
    height = top + row * len(dated) + 10

    def x(day: str) -> float:
        d = min(max(date.fromisoformat(day), start), end)
        return left + width * (d - start).days / span

    body: list[str] = []
    for year in range(first, last + 1):
        x0 = x(f"{year}-01-01")
        body.append(_line(x0, top - 6, x0, height))
        body.append(_text(x0 + 4, top - 10, str(year), fill=MUTED))
    for n, m in enumerate(dated):
        y = top + n * row
        body.append(_text(0, y + 14, _short(m["title"])))
        s, e = m.get("start_date") or m["end_date"], m.get("end_date") or m["start_date"]
        x1, x2 = x(s), x(e)
        fill = STATUS_FILL.get(m.get("status", ""), ACCENT)
        bar_title = escape(f"{m['title']}: {s} – {e}")
        bar = _rect(x1, y + 3, max(x2 - x1, 3), 14, fill, 'rx="3"')
        body.append(f"<g><title>{bar_title}</title>{bar}</g>")
        for milestone in m.get("milestones", []):
            mx = x(milestone["date"])
            body.append(
                f'<path d="M{mx:.1f} {y + 2} l6 8 l-6 8 l-6 -8 z" fill="{INK}">'
                f"<title>{escape(milestone['title'])} {milestone['date']}</title></path>"
            )
    desc = _("%(n)s tiltak fra %(a)s til %(b)s.", n=len(dated), a=first, b=last)
    return _svg(chart_id, left + width + 10, height, title, desc, body)


def risk_matrix(risks: list[dict[str, Any]], chart_id: str = "risk-matrix") -> Markup:
    """Risks counted per cell of probability (across) and consequence (up)."""
    title = _("Risikomatrise")
    if not risks:
        return _empty(chart_id, title, _("Ingen risikoer ennå."))
    cell, left, top = 56, 48, 12
    size = cell * 5
    counts = Counter((r["probability"], r["consequence"]) for r in risks)
    body: list[str] = []
    for p in range(1, 6):
        for c in range(1, 6):
            score = p * c
            fill = RISK_FILL[0 if score <= 4 else 1 if score <= 9 else 2 if score <= 14 else 3]
            cx, cy = left + (p - 1) * cell, top + size - c * cell
            body.append(_rect(cx, cy, cell, cell, fill, 'stroke="#ffffff"'))
            if counts[(p, c)]:
                body.append(
                    _text(
                        cx + cell / 2,
                        cy + cell / 2 + 5,
                        str(counts[(p, c)]),
                        "middle",
                        extra='font-size="16" font-weight="bold"',
                    )
                )
    body += _scale_axes(left, top, cell, _("Sannsynlighet"), _("Konsekvens"))
    high = sum(1 for r in risks if r["probability"] * r["consequence"] >= 15)
    desc = _("%(n)s risikoer, %(h)s av dem høye.", n=len(risks), h=high)
    return _svg(chart_id, left + size + 10, top + size + 44, title, desc, body)
