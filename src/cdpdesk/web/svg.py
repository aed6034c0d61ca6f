"""Pictures drawn on the server as SVG: the collection roadmap and a case's timeline.

Plain SVG with titles and text labels (readable without colour), sized by viewBox so it
fits a phone as well as a desk screen.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Any

from cdpdesk.engine.roadmap import STAGES

INK, MUTED, ACCENT, SOFT, LINE = "#1b1f24", "#57606a", "#0b5cad", "#dbe9f7", "#8c959f"


def roadmap_svg(current: str, link: str = "#stage-{id}") -> str:
    """Every stage as a stop on a vertical road; the current one is filled and labelled.
    Each stop links to ``link`` (``{id}`` is replaced) so a reader can click to read about it."""
    step, top, width = 46, 24, 460
    height = top * 2 + step * (len(STAGES) - 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="roadmap-title" class="roadmap" width="100%">',
        '<title id="roadmap-title">Where you are on the collection road</title>',
        f'<line x1="24" y1="{top}" x2="24" y2="{top + step * (len(STAGES) - 1)}" '
        f'stroke="{LINE}" stroke-width="4"/>',
    ]
    for i, stage in enumerate(STAGES):
        y = top + i * step
        here = stage.id == current
        href = escape(link.replace("{id}", stage.id))
        label = escape(stage.title)
        parts.append(f'<a href="{href}" aria-label="{label}{" (you are here)" if here else ""}">')
        if here:
            parts.append(f'<rect x="2" y="{y - 19}" width="{width - 4}" height="38" rx="8" fill="{SOFT}"/>')
        parts.append(
            f'<circle cx="24" cy="{y}" r="{11 if here else 8}" fill="{ACCENT if here else "#fff"}" '
            f'stroke="{ACCENT if here else LINE}" stroke-width="3"/>'
        )
        weight = "700" if here else "400"
        parts.append(
            f'<text x="46" y="{y + 5}" font-family="sans-serif" font-size="15" font-weight="{weight}" '
            f'fill="{INK if here else MUTED}">{label}{" — you are here" if here else ""}</text>'
        )
        parts.append("</a>")
    parts.append("</svg>")
    return "".join(parts)


def _span(days: list[date]) -> tuple[date, date]:
    lo, hi = min(days), max(days)
    if hi <= lo:
        hi = lo + timedelta(days=30)
    pad = timedelta(days=max(7, (hi - lo).days // 20))
    return lo - pad, hi + pad


def timeline_svg(analysis: dict[str, Any], events: list[dict[str, Any]]) -> str:
    """A case's timeline: events and suspensions on one axis, then each assessment's
    collection period from assessment to base CSED and to the current CSED."""
    as_of = date.fromisoformat(analysis["as_of"])
    points: list[tuple[date, str, str]] = []
    for ev in events:
        for key in ("date", "received", "filed", "entered", "left"):
            if key in ev:
                points.append((date.fromisoformat(ev[key]), ev["type"].replace("_", " "), ev["id"]))
                break
    suspensions = [(s, a["period"]) for a in analysis["assessments"] for s in a["suspensions"]]
    days = [p[0] for p in points] + [as_of]
    days += [date.fromisoformat(s["from"]) for s, _ in suspensions]
    days += [date.fromisoformat(s["until"]) for s, _ in suspensions]
    lo, hi = _span(days)
    width, left, right = 760, 150, 20

    def x(d: date, a: date = lo, b: date = hi) -> float:
        return left + (width - left - right) * (d - a).days / max(1, (b - a).days)

    rows: list[str] = []
    y = 30
    rows.append(f'<text x="8" y="{y - 10}" font-size="13" font-weight="700" fill="{INK}">Events</text>')
    rows.append(f'<line x1="{left}" y1="{y + 10}" x2="{width - right}" y2="{y + 10}" stroke="{LINE}"/>')
    for d, label in ((lo, lo.isoformat()), (hi, hi.isoformat())):
        rows.append(
            f'<text x="{x(d):.1f}" y="{y + 26}" font-size="11" fill="{MUTED}" '
            f'text-anchor="middle">{label}</text>'
        )
    for i, (d, label, eid) in enumerate(sorted(points)):
        px = x(d)
        ly = y + 44 + (i % 4) * 16
        rows.append(
            f"<g><title>{escape(label)} {eid}: {d.isoformat()}</title>"
            f'<circle cx="{px:.1f}" cy="{y + 10}" r="5" fill="{ACCENT}"/>'
            f'<line x1="{px:.1f}" y1="{y + 15}" x2="{px:.1f}" y2="{ly - 11}" stroke="{SOFT}"/>'
            f'<text x="{px:.1f}" y="{ly}" font-size="11" fill="{INK}" text-anchor="middle">'
            f"{escape(label)} {d.isoformat()}</text></g>"
        )
    ax = x(as_of)
    rows.append(
        f'<line x1="{ax:.1f}" y1="{y - 6}" x2="{ax:.1f}" y2="{y + 26}" stroke="#b35900" '
        f'stroke-dasharray="3 2"/><text x="{ax:.1f}" y="{y - 8}" font-size="11" fill="#b35900" '
        f'text-anchor="middle">as of {as_of.isoformat()}</text>'
    )
    y += 120
    if suspensions:
        rows.append(f'<text x="8" y="{y}" font-size="13" font-weight="700" fill="{INK}">Suspensions</text>')
        y += 10
        for s, period in suspensions:
            a, b = date.fromisoformat(s["from"]), date.fromisoformat(s["until"])
            rows.append(
                f"<g><title>{escape(s['cause'])} ({escape(period)}): {a} to {b}, {s['days']} days"
                f"{' (still running)' if s['open'] else ''}</title>"
                f'<rect x="{x(a):.1f}" y="{y}" width="{max(2.0, x(b) - x(a)):.1f}" height="12" '
                f'fill="{"#f0b429" if s["open"] else "#9fb9d6"}"/>'
                f'<text x="8" y="{y + 10}" font-size="11" fill="{INK}">'
                f"{escape(s['cause'].replace('_', ' '))} · {escape(period)}</text></g>"
            )
            y += 18
        y += 16
    rows.append(
        f'<text x="8" y="{y}" font-size="13" font-weight="700" fill="{INK}">Collection periods (CSED)</text>'
    )
    y += 12
    for a in analysis["assessments"]:
        assessed, base, csed = (date.fromisoformat(a[k]) for k in ("assessed", "base_csed", "csed"))
        lo2, hi2 = assessed, max(csed, base, as_of)
        span = max(1, (hi2 - lo2).days)

        def x2(d: date, lo2: date = lo2, span: int = span) -> float:
            return left + (width - left - right) * (d - lo2).days / span

        rows.append(
            f"<g><title>{escape(a['period'])} {escape(a['assessment'])}: assessed {assessed}, "
            f"base CSED {base}, CSED {csed}{' (lower bound)' if a['open'] else ''}</title>"
            f'<text x="8" y="{y + 11}" font-size="11" fill="{INK}">{escape(a["period"])} · '
            f"{escape(a['assessment'])}</text>"
            f'<rect x="{left}" y="{y}" width="{x2(base) - left:.1f}" height="14" fill="{SOFT}"/>'
            f'<rect x="{x2(base):.1f}" y="{y}" width="{max(0.0, x2(csed) - x2(base)):.1f}" '
            f'height="14" fill="{ACCENT}"/>'
            f'<line x1="{x2(as_of):.1f}" y1="{y - 3}" x2="{x2(as_of):.1f}" y2="{y + 17}" '
            f'stroke="#b35900" stroke-dasharray="3 2"/>'
            f'<text x="{left}" y="{y + 28}" font-size="11" fill="{MUTED}">assessed {assessed}</text>'
            f'<text x="{width - right}" y="{y + 28}" font-size="11" fill="{INK}" text-anchor="end">'
            f"base {base} · CSED {csed}{' or later' if a['open'] else ''}</text></g>"
        )
        y += 44
    height = y + 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="timeline-title" class="timeline" font-family="sans-serif">'
        f'<title id="timeline-title">Timeline of the case: events, suspensions and collection '
        f"periods</title>{''.join(rows)}</svg>"
    )
