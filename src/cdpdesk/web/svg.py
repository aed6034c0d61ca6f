"""Pictures drawn on the server as SVG: the collection roadmap and a case's timeline.

Plain SVG with titles and text labels (readable without colour), sized by viewBox. The
pages put the same facts beside each picture as text and tables, so nothing is only in a
picture.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Any

from babel import Locale
from babel.dates import format_date

from cdpdesk.contract.case import EVENT_DAY
from cdpdesk.engine.roadmap import STAGES
from cdpdesk.engine.words import ENGLISH, N_, Words

INK, MUTED, ACCENT, SOFT, LINE = "#1b1f24", "#57606a", "#0b5cad", "#dbe9f7", "#8c959f"
AS_OF = "#9a4a00"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"


_STATE_WORDS = {"passed": N_("passed"), "off_road": N_("not on your road"), "ahead": ""}


def roadmap_svg(
    current: str,
    link: str = "#stage-{id}",
    here_text: str = N_("you are here"),
    states: dict[str, str] | None = None,
    words: Words = ENGLISH,
) -> str:
    """Every stage as a stop on a vertical road. The current one is filled, framed and
    labelled; with ``states`` (stage id -> passed, off_road or ahead, as the explainer
    gives them) a passed stop is solid with a check and a stop not on this case's road is
    dashed and faded, each with its state in words. Each stop links to ``link`` (``{id}``
    is replaced): click it, or tab to it and press Enter, to read about it. The group has a
    name and each link's name is its visible text, so screen readers and voice control
    agree (axe-core: nested-interactive, label-content-name-mismatch). ``words``: the
    page's language (stage titles and state words)."""
    _ = words.gettext
    here_text = _(here_text)  # the default is a message id; a caller's text passes through
    states = states or {}
    step, top, width, here_extra = 46, 26, 480, 18
    ys: list[float] = []
    y = float(top)
    for stage in STAGES:
        if stage.id == current:
            y += here_extra / 2
        ys.append(y)
        y += step + (here_extra / 2 if stage.id == current else 0)
    height = ys[-1] + top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" role="group" '
        f'aria-labelledby="roadmap-title" class="roadmap" font-family="{FONT}">',
        '<title id="roadmap-title">'
        + (
            escape(
                _(
                    "The collection road, from the tax assessed to the end of the collection period; "
                    "the highlighted stop is {here}"
                ).format(here=here_text)
            )
            if current
            else escape(_("The collection road, from the tax assessed to the end of the collection period"))
        )
        + "</title>",
        f'<line x1="26" y1="{ys[0]}" x2="26" y2="{ys[-1]}" stroke="{LINE}" stroke-width="4" stroke-linecap="round"/>',
    ]
    for i, stage in enumerate(STAGES):
        y = ys[i]
        here = stage.id == current
        state = "current" if here else states.get(stage.id, "ahead")
        href = escape(link.replace("{id}", stage.id))
        label = escape(_(stage.title))
        box = step + here_extra - 6 if here else step - 4
        parts.append(f'<a href="{href}" class="stop stop-{state}">')
        parts.append(
            f'<rect class="hit" x="2" y="{y - box / 2:.0f}" width="{width - 4}" height="{box}" rx="8" '
            f'fill="{SOFT if here else "#ffffff"}" fill-opacity="{1 if here else 0}" '
            f'stroke="{ACCENT if here else "none"}" stroke-width="2"/>'
        )
        if here:
            parts.append(
                f'<circle cx="26" cy="{y}" r="12" fill="{ACCENT}" stroke="{ACCENT}" stroke-width="3"/>'
                f'<circle cx="26" cy="{y}" r="4" fill="#ffffff"/>'
                f'<text x="50" y="{y - 3}" font-size="16" font-weight="700" fill="{INK}" '
                f'text-decoration="underline">{label}</text>'
                f'<text x="50" y="{y + 15}" font-size="13" font-weight="700" fill="{ACCENT}" '
                f'letter-spacing="0.5">{escape(here_text)}</text>'
            )
            parts.append("</a>")
            continue
        if state == "passed":
            parts.append(
                f'<circle cx="26" cy="{y}" r="9" fill="{MUTED}" stroke="{MUTED}" stroke-width="3"/>'
                f'<path d="M21 {y} l3.5 3.5 l6 -7" fill="none" stroke="#ffffff" stroke-width="2.5"/>'
            )
        elif state == "off_road":
            parts.append(
                f'<circle cx="26" cy="{y}" r="8" fill="#ffffff" stroke="{LINE}" stroke-width="2" '
                'stroke-dasharray="3 3"/>'
            )
        else:
            parts.append(f'<circle cx="26" cy="{y}" r="8" fill="#ffffff" stroke="{LINE}" stroke-width="3"/>')
        state_words = _(_STATE_WORDS[state]) if _STATE_WORDS.get(state) else ""
        colour = MUTED if state == "off_road" else "#3d444d"
        if state_words:
            parts.append(
                f'<text x="50" y="{y - 1}" font-size="16" fill="{colour}" text-decoration="underline">{label}</text>'
                f'<text x="50" y="{y + 15}" font-size="12" fill="{MUTED}">{escape(state_words)}</text>'
            )
        else:
            parts.append(
                f'<text x="50" y="{y + 5}" font-size="16" fill="{colour}" text-decoration="underline">{label}</text>'
            )
        parts.append("</a>")
    parts.append("</svg>")
    return "".join(parts)


# --- The case timeline ---------------------------------------------------------------------------

#: Each event type in a few words (the timeline's labels and the case page's event log).
EVENT_WORDS = {
    "levy_notice": N_("levy notice"),
    "lien_notice": N_("lien notice"),
    "hearing_request": N_("hearing request"),
    "hearing_withdrawal": N_("withdrawal"),
    "withdrawal_acknowledged": N_("withdrawal acknowledged (Letter 4383)"),
    "determination": N_("determination"),
    "tax_court_petition": N_("Tax Court petition"),
    "tax_court_decision": N_("Tax Court decision"),
    "ia_requested": N_("installment agreement requested"),
    "ia_rejected": N_("installment agreement rejected"),
    "ia_accepted": N_("installment agreement accepted"),
    "ia_terminated": N_("installment agreement terminated"),
    "oic_pending": N_("offer in compromise pending"),
    "oic_rejected": N_("offer in compromise rejected"),
    "oic_returned": N_("offer in compromise returned"),
    "oic_withdrawn": N_("offer in compromise withdrawn"),
    "oic_accepted": N_("offer in compromise accepted"),
    "ia_appeal": N_("appeal of an installment agreement decision"),
    "oic_appeal": N_("appeal of an offer decision"),
    "bankruptcy": N_("bankruptcy"),
    "outside_us": N_("outside the United States"),
    "tas_application": N_("Taxpayer Advocate application (Form 911)"),
    "innocent_spouse_claim": N_("innocent spouse claim"),
    "disaster_relief": N_("disaster relief"),
    "combat_zone": N_("combat-zone service"),
}
_EVENT_COLOUR = {
    "levy_notice": "#b42318",
    "lien_notice": "#b42318",
    "hearing_request": ACCENT,
    "hearing_withdrawal": "#6f42c1",
    "determination": "#1a7f37",
}

#: A hearing's state (the analysis's ``status``), in a word.
STATUS_WORDS = {
    "pending": N_("pending"),
    "withdrawn": N_("withdrawn"),
    "determined": N_("determination issued"),
    "final": N_("final"),
    "not_held": N_("no hearing"),
}
#: What paused the collection statute (the analysis's suspension ``cause``), in a few words.
CAUSE_WORDS = {
    "cdp_hearing": N_("CDP hearing"),
    "ia_pending": N_("installment agreement pending"),
    "ia_terminated": N_("installment agreement terminated"),
    "oic_pending": N_("offer pending"),
    "bankruptcy": N_("bankruptcy"),
    "outside_us": N_("outside the United States"),
    "tas_application": N_("Taxpayer Advocate application"),
    "innocent_spouse": N_("innocent spouse claim"),
    "combat_zone": N_("combat zone"),
}
_HEARING_KIND = {"cdp": N_("CDP hearing"), "equivalent": N_("Equivalent hearing")}
_PART = {"IRC 6330": N_("levy"), "IRC 6320": N_("lien")}


def event_words(kind: str, words: Words = ENGLISH) -> str:
    """An event type in a few words, in a language (an unknown type by its name)."""
    return words.gettext(EVENT_WORDS[kind]) if kind in EVENT_WORDS else kind.replace("_", " ")


def cause_words(cause: str, words: Words = ENGLISH) -> str:
    """What paused the collection statute, in a few words (an unknown cause by its name)."""
    return words.gettext(CAUSE_WORDS[cause]) if cause in CAUSE_WORDS else cause.replace("_", " ")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _event_label(ev: dict[str, Any], words: Words = ENGLISH) -> str:
    _ = words.gettext
    if ev["type"] == "hearing_withdrawal" and ev.get("written") is False:
        return _("oral withdrawal")
    text = event_words(str(ev["type"]), words)
    if ev.get("letter"):
        return _("{letter} {event}").format(letter=ev["letter"], event=text)
    return text


def _span(days: list[date]) -> tuple[date, date]:
    lo, hi = min(days), max(days)
    if hi <= lo:
        hi = lo + timedelta(days=30)
    pad = timedelta(days=max(10, (hi - lo).days // 14))
    return lo - pad, hi + pad


def _locale(words: Words) -> Locale:
    loc = getattr(words, "locale", None)  # cdpdesk.i18n.Translator's (es -> es_US)
    return loc if isinstance(loc, Locale) else Locale.parse(words.lang)


def _short(d: date, words: Words = ENGLISH) -> str:
    """A date in few letters: "Jun 10, 2024", "10 jun 2024"."""
    if words.lang == "en":
        return f"{d.strftime('%b')} {d.day}, {d.year}"
    return format_date(d, "d MMM y", locale=_locale(words))


def _month(d: date, year: bool, words: Words = ENGLISH) -> str:
    """An axis label: "Jan 2024" or "Mar"; "ene 2024" or "mar"."""
    if words.lang == "en":
        return d.strftime("%b %Y" if year else "%b")
    return format_date(d, "LLL y" if year else "LLL", locale=_locale(words))


class _Axis:
    def __init__(self, lo: date, hi: date, left: float, right: float, words: Words = ENGLISH) -> None:
        self.lo, self.hi, self.left, self.right, self.words = lo, hi, left, right, words

    def x(self, d: date) -> float:
        span = max(1, (self.hi - self.lo).days)
        return self.left + (self.right - self.left) * (d - self.lo).days / span

    def ticks(self, y: float, h: float, avoid: float | None = None) -> list[str]:
        """Grid lines and labels: months for a short axis, years for a long one."""
        out: list[str] = []
        years = (self.hi - self.lo).days / 365
        marks: list[tuple[date, str]] = []
        if years <= 2.2:
            d = date(self.lo.year, self.lo.month, 1)
            step = 1 if years <= 0.8 else 3
            while d <= self.hi:
                if d >= self.lo and (d.month - 1) % step == 0:
                    marks.append((d, _month(d, d.month == 1 or not marks, self.words)))
                d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        else:
            step = 1 if years <= 8 else 2
            for yr in range(self.lo.year + 1, self.hi.year + 1):
                if yr % step == 0:
                    marks.append((date(yr, 1, 1), str(yr)))
        for d, label in marks:
            px = self.x(d)
            if avoid is not None and abs(px - avoid) < 40:
                continue  # the as-of label sits there
            out.append(
                f'<line x1="{px:.1f}" y1="{y}" x2="{px:.1f}" y2="{y + h}" stroke="#e6e9ed"/>'
                f'<text x="{px:.1f}" y="{y - 4}" font-size="11" fill="{MUTED}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
        return out


def timeline_svg(analysis: dict[str, Any], events: list[dict[str, Any]], words: Words = ENGLISH) -> str:
    """A case's timeline: notices, requests, withdrawals and determinations; each hearing
    from its filing to its end; the suspensions of the collection statute; then each
    assessment's collection period with its base CSED and its current CSED. ``words``: the
    page's language (labels, titles and dates; the dates themselves are the analysis's)."""
    _ = words.gettext
    as_of = date.fromisoformat(analysis["as_of"])
    width, left, right = 820, 170, 800
    points: list[tuple[date, dict[str, Any]]] = []
    for ev in events:
        field = EVENT_DAY.get(ev.get("type", ""))
        if field and field in ev:
            points.append((date.fromisoformat(ev[field]), ev))
    points.sort(key=lambda p: p[0])
    hearings = [h for h in analysis["hearings"] if h["type"] in ("cdp", "equivalent") and h["filed"]]
    suspensions = [(s, a["period"]) for a in analysis["assessments"] for s in a["suspensions"]]

    def h_end(h: dict[str, Any]) -> date:
        for key in ("withdrawn", "final", "determination"):
            if h.get(key):
                return date.fromisoformat(h[key])
        return as_of

    def short(d: date) -> str:
        return _short(d, words)

    def days(n: int) -> str:
        return words.ngettext("{n} day", "{n} days", n).format(n=n)

    dates = [p[0] for p in points] + [as_of]
    dates += [date.fromisoformat(h["filed"]) for h in hearings] + [h_end(h) for h in hearings]
    dates += [date.fromisoformat(s["from"]) for s, _p in suspensions]
    dates += [date.fromisoformat(s["until"]) for s, _p in suspensions]
    lo, hi = _span(dates)
    axis = _Axis(lo, hi, left, right, words)
    rows: list[str] = []

    def heading(y: float, text: str) -> None:
        rows.append(
            f'<text x="8" y="{y}" font-size="14" font-weight="700" fill="{INK}">{escape(text)}</text>'
        )

    # 1. events
    y = 24.0
    heading(y, _("What happened"))
    lanes = 4 if len(points) > 3 else max(1, len(points))
    lane_h = 18
    top = y + 22
    height_events = 20 + lanes * lane_h + 10
    rows.extend(axis.ticks(top, height_events, avoid=axis.x(as_of)))
    base = top + 10
    rows.append(f'<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" stroke="{LINE}" stroke-width="2"/>')
    last_end = [-1e9] * lanes
    for d, ev in points:
        px = axis.x(d)
        what = _event_label(ev, words)
        label = f"{what} · {short(d)}"
        est = 6.2 * len(label)
        # the first lane where this label does not overlap the one before it
        lane = next((i for i in range(lanes) if last_end[i] < px - est / 2 - 6), 0)
        anchor, tx = "middle", px
        if px + est / 2 > width - 4:
            anchor, tx = "end", px + 4
        elif px - est / 2 < 8:
            anchor, tx = "start", px - 4
        last_end[lane] = tx + (est / 2 if anchor == "middle" else est if anchor == "start" else 0)
        ly = base + 22 + lane * lane_h
        colour = _EVENT_COLOUR.get(ev["type"], MUTED)
        rows.append(
            f"<g><title>{escape(what)} ({escape(ev['id'])}): {escape(short(d))}</title>"
            f'<line x1="{px:.1f}" y1="{base}" x2="{px:.1f}" y2="{ly - 11}" stroke="{colour}" stroke-opacity="0.45"/>'
            f'<circle cx="{px:.1f}" cy="{base}" r="6" fill="{colour}" stroke="#fff" stroke-width="1.5"/>'
            f'<text x="{tx:.1f}" y="{ly}" font-size="12" fill="{INK}" text-anchor="{anchor}">{escape(label)}</text></g>'
        )
    y = top + height_events + 14

    # 2. hearings
    if hearings:
        heading(y + 8, _("Hearings"))
        y += 28
        rows.extend(axis.ticks(y, len(hearings) * 32, avoid=axis.x(as_of)))
        for h in hearings:
            a, b = date.fromisoformat(h["filed"]), h_end(h)
            kind = _(_HEARING_KIND[h["type"]])
            part = _(_PART["IRC 6330" if h["statute"] == "IRC 6330" else "IRC 6320"])
            status = _(STATUS_WORDS[h["status"]]) if h["status"] in STATUS_WORDS else h["status"]
            colour = ACCENT if h["type"] == "cdp" else "#6e7781"
            title = _("{kind} about the {part}, {period}: filed {filed}, {status} {end}").format(
                kind=kind, part=part, period=h["period"], filed=short(a), status=status, end=short(b)
            )
            name = _("{kind} ({part})").format(kind=kind, part=part)
            rows.append(
                f"<g><title>{escape(title)}</title>"
                f'<text x="8" y="{y + 13}" font-size="12" fill="{INK}">{escape(name)}</text>'
                f'<text x="8" y="{y + 26}" font-size="11" fill="{MUTED}">{escape(h["period"])} · '
                f"{escape(status)}</text>"
                f'<rect x="{axis.x(a):.1f}" y="{y + 5}" width="{max(3.0, axis.x(b) - axis.x(a)):.1f}" '
                f'height="14" rx="3" fill="{colour}"/></g>'
            )
            y += 32
        y += 10

    # 3. suspensions
    if suspensions:
        heading(y + 8, _("Collection statute paused"))
        y += 28
        rows.extend(axis.ticks(y, len(suspensions) * 32, avoid=axis.x(as_of)))
        for s, period in suspensions:
            a, b = date.fromisoformat(s["from"]), date.fromisoformat(s["until"])
            cause = _capital(cause_words(s["cause"], words))
            if s["open"]:
                title = _("{cause} ({period}): {start} to {end}, {days} (still running)")
                length = _("{days} so far").format(days=days(s["days"]))
            else:
                title = _("{cause} ({period}): {start} to {end}, {days}")
                length = days(s["days"])
            title = title.format(
                cause=cause, period=period, start=short(a), end=short(b), days=days(s["days"])
            )
            rows.append(
                f"<g><title>{escape(title)}</title>"
                f'<text x="8" y="{y + 13}" font-size="12" fill="{INK}">{escape(cause)}</text>'
                f'<text x="8" y="{y + 26}" font-size="11" fill="{MUTED}">{escape(period)} · {escape(length)}</text>'
                f'<rect x="{axis.x(a):.1f}" y="{y + 5}" width="{max(3.0, axis.x(b) - axis.x(a)):.1f}" '
                f'height="14" rx="3" fill="{"#d4a72c" if s["open"] else "#8fb3dc"}"/></g>'
            )
            y += 32
        y += 10

    ax = axis.x(as_of)
    as_of_words = _("as of {date}").format(date=short(as_of))
    rows.append(
        f'<line x1="{ax:.1f}" y1="{top - 2}" x2="{ax:.1f}" y2="{y - 4}" stroke="{AS_OF}" stroke-width="1.5" '
        f'stroke-dasharray="4 3"/><text x="{ax:.1f}" y="{top - 14}" font-size="11" font-weight="700" '
        f'fill="{AS_OF}" text-anchor="{"end" if ax > right - 40 else "middle"}">'
        f"{escape(as_of_words)}</text>"
    )

    # 4. collection periods, on their own (longer) axis
    y += 12
    heading(y, _("How long the IRS can collect (CSED)"))
    y += 26
    assessed = [date.fromisoformat(a["assessed"]) for a in analysis["assessments"]]
    ends = [date.fromisoformat(a["csed"]) for a in analysis["assessments"]]
    if assessed:
        caxis = _Axis(min(assessed), max([*ends, as_of]) + timedelta(days=120), left, right, words)
        rows.extend(caxis.ticks(y, len(assessed) * 46))
        cx = caxis.x(as_of)
        for a in analysis["assessments"]:
            day, base_csed, csed = (date.fromisoformat(a[k]) for k in ("assessed", "base_csed", "csed"))
            extra = (csed - base_csed).days
            dates_words = {"assessed": short(day), "base": short(base_csed), "csed": short(csed)}
            if a["open"]:
                title = _(
                    "{period} {assessment}: assessed {assessed}; base CSED {base}; CSED {csed} or later"
                )
                ends_words = _("base CSED {base} · CSED {csed} or later")
            else:
                title = _("{period} {assessment}: assessed {assessed}; base CSED {base}; CSED {csed}")
                ends_words = _("base CSED {base} · CSED {csed}")
            title = title.format(period=a["period"], assessment=a["assessment"], **dates_words)
            ends_words = ends_words.format(**dates_words)
            assessed_words = _("assessed {date}").format(date=short(day))
            if extra:
                ends_words += words.ngettext(" (+{n} day)", " (+{n} days)", extra).format(n=extra)
            rows.append(
                f"<g><title>{escape(title)}</title>"
                f'<text x="8" y="{y + 13}" font-size="12" fill="{INK}">{escape(a["period"])}</text>'
                f'<text x="8" y="{y + 26}" font-size="10.5" fill="{MUTED}">'
                f"{escape(assessed_words)}</text>"
                f'<rect x="{caxis.x(day):.1f}" y="{y + 3}" width="{max(2.0, caxis.x(base_csed) - caxis.x(day)):.1f}" '
                f'height="14" rx="3" fill="{SOFT}" stroke="#9fb9d6"/>'
                f'<rect x="{caxis.x(base_csed):.1f}" y="{y + 3}" '
                f'width="{max(0.0, caxis.x(csed) - caxis.x(base_csed)):.1f}" height="14" fill="{ACCENT}"/>'
                f'<text x="{right}" y="{y + 32}" font-size="11" fill="{INK}" text-anchor="end">'
                f"{escape(ends_words)}</text></g>"
            )
            y += 46
        rows.append(
            f'<line x1="{cx:.1f}" y1="{y - len(assessed) * 46 - 4}" x2="{cx:.1f}" y2="{y - 10}" '
            f'stroke="{AS_OF}" stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
    height = y + 6
    title = _(
        "Timeline of the case: notices, requests, hearings, pauses of the collection statute, and each "
        "assessment's collection period with its base and current CSED"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'role="img" aria-labelledby="timeline-title" class="timeline" font-family="{FONT}">'
        f'<title id="timeline-title">{escape(title)}</title>{"".join(rows)}</svg>'
    )
