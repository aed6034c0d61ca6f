"""Deadlines as an iCalendar file (RFC 5545, written with the ``icalendar`` library): one
all-day event per coming deadline of one case or of many.

- ``UID``: a hash of the case's key and the deadline's stable key (kind, event, periods,
  assessment; never the date), so when a later fact moves a deadline, a calendar that
  reads the file or the feed again moves the event instead of adding a second one.
- ``DESCRIPTION``: what the date is, the engine's plain sentence with the dates behind it,
  and the rule with its authorities. ``SUMMARY`` names the case by its desk number.
- No full taxpayer identification number, and no name: a calendar feed is read and kept by
  whatever calendar service the user subscribes with. Every text is also masked for
  anything TIN-shaped, whatever field it came from.
- Deadlines to act by (a hearing request, a Tax Court petition) carry reminders a week and
  a day before.

Nothing here decides a date: the rows come from :mod:`cdpdesk.engine.coming`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Alarm, Calendar, Event

from cdpdesk import __version__
from cdpdesk.engine.coming import ACT_BY, KIND_WORDS, ComingDeadline
from cdpdesk.privacy import redact

PRODID = f"-//CDP Desk//cdpdesk {__version__}//EN"
UID_DOMAIN = "cdpdesk"
REMIND_DAYS = (7, 1)


@dataclass(frozen=True, slots=True)
class CaseDeadlines:
    """One case's coming deadlines, with the key that names the case in UIDs (``case-7`` on
    the desk) and the words that name it in summaries (``Case 7``)."""

    case_key: str
    label: str
    deadlines: list[ComingDeadline]


def uid_for(case_key: str, deadline_key: str) -> str:
    """The event's UID: stable for the same case and deadline, whatever its date."""
    digest = hashlib.sha256(f"{case_key}\n{deadline_key}".encode()).hexdigest()[:32]
    return f"{digest}@{UID_DOMAIN}"


def description(d: ComingDeadline) -> str:
    lines = [f"{d.what}.", d.says, f"Rule: {d.rule} ({'; '.join(d.authority)})."]
    if d.periods:
        lines.append(f"Tax periods: {', '.join(d.periods)}.")
    lines.append(
        "Computed by CDP Desk from the facts recorded; check the IRS letters for the official dates."
    )
    return "\n".join(lines)


def _event(case: CaseDeadlines, d: ComingDeadline, stamp: dt.datetime) -> Event:
    ev = Event()
    ev.add("uid", uid_for(case.case_key, d.key))
    ev.add("dtstamp", stamp)
    ev.add("dtstart", d.date)  # a date, not a date-time: an all-day event (VALUE=DATE)
    ev.add("dtend", d.date + dt.timedelta(days=1))
    ev.add("summary", redact(f"{case.label}: {d.what}"))
    ev.add("description", redact(description(d)))
    ev.add("categories", [KIND_WORDS.get(d.kind, d.kind)])
    ev.add("transp", "TRANSPARENT")
    if d.kind in ACT_BY:
        for days in REMIND_DAYS:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", redact(f"{case.label}: {d.what} on {d.date.isoformat()}"))
            alarm.add("trigger", dt.timedelta(days=-days))
            ev.add_component(alarm)
    return ev


def calendar_ics(cases: Iterable[CaseDeadlines], name: str, stamp: dt.datetime) -> bytes:
    """The iCalendar text of every deadline of these cases. ``stamp`` (UTC) is the DTSTAMP
    of every event: when the file was made."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", redact(name))
    stamp = stamp.astimezone(dt.UTC).replace(microsecond=0)
    for case in cases:
        for d in case.deadlines:
            cal.add_component(_event(case, d, stamp))
    data: bytes = cal.to_ical()
    return data
