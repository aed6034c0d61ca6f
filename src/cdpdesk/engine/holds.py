"""How long an analysis's dated conclusions hold: the last day through which analysing the
same case again, on a later day, gives the same stage, deadlines, hearing statuses and
CSEDs (the facts the desk stores and a nightly refresh would otherwise recompute).

Pure, and no rule of law of its own: it reads the dates the engine's own rules compare with
``as_of`` and finds the next day one of those comparisons can turn (docs/decisions.md,
"Issue 11, a refresh that skips facts that hold (session 7)").

Why it is sound. Every place the engine reads ``as_of`` is one of two kinds:

1. a comparison ``x ? as_of`` with a date ``x`` the case's facts fix (a request or petition
   window's last day, the day a determination or decision becomes final, a CSED, the end of
   an alternative's 30 days, six months abroad): its truth can turn only when ``as_of``
   reaches ``x`` or ``x + 1``;
2. something counted *to* ``as_of`` because its end is not known yet (an open suspension, a
   bankruptcy stay or combat-zone service still going on, an appeal still open, the 30 days
   after a rejection still running): that moves every day.

In case 1 the date ``x`` is always in the analysis while the comparison can still turn
(a deadline still coming is listed, a CSED is on its assessment, a petition window on its
hearing), or in the case file. So the conclusions as of ``D`` hold through the day before
the first date on or after ``D`` that the case or the analysis names (every ISO date in the
analysis, its sentences included), and through ``D`` only when that date is ``D`` itself;
in case 2 they hold through ``D`` only. Nothing dated left: :data:`FOREVER`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Final

import orjson

from cdpdesk.contract.case import CaseFile, TaxCourtDecision
from cdpdesk.engine import authority as A

#: The answer when no dated conclusion is left to change (every deadline and CSED passed).
FOREVER: Final = date.max

#: The rules whose dates :func:`holds_through` watches: the ones that compare a date with
#: ``as_of`` (grep ``as_of`` in cdpdesk/engine) and the ones that count a period to it.
WATCHES: Final[tuple[A.Rule, ...]] = (
    A.LEVY_CDP_WINDOW,  # deadlines: still listed while the window's last day >= as_of
    A.LEVY_EH_WINDOW,
    A.LIEN_CDP_WINDOW,
    A.LIEN_EH_WINDOW,
    A.PETITION_WINDOW,  # petition deadline < as_of: the determination final (hearing_endings)
    A.DETERMINATION_FINAL_NO_PETITION,  # final date > as_of: determined, else final
    A.DECISION_FINAL,  # the 90 days after the decision (rolled) + 1 <= as_of
    A.CSED_WALK,  # CSEDs >= as_of are deadlines
    A.CSED_PASSED,  # every CSED < as_of: stage csed_passed
    A.IA_PENDING,  # 30 days after a rejection not yet run, or an appeal open: counted to as_of
    A.OIC_PENDING,
)

#: the month and day of an ISO day as the analysis writes it (fields and sentences alike), in
#: its JSON text; the year is the four bytes before (a pattern that starts with the year
#: was tried at every byte of the text: three times slower)
_MONTH_DAY = re.compile(rb"-[01][0-9]-[0-3][0-9]")
#: an ISO day of the years 2000 to 2999: a pattern that starts with one literal byte is
#: searched for that byte, not tried at every byte (about half the time of ``_MONTH_DAY``'s
#: scan and its slicing). Enough when the floor is in those years: no date of an analysis
#: reaches 3000 (the case's dates end in 2199, ``contract.case.DATE_MAX``; the engine adds
#: ten years and suspensions no longer than the span of those dates)
_DAY_2000S = re.compile(rb"2[0-9]{3}-[01][0-9]-[0-3][0-9]")
#: the analysis's own fields that are not conclusions about a day
_NOT_DATES = frozenset({"as_of", "engine", "format"})


def dated_text(analysis: dict[str, Any]) -> bytes:
    """The analysis as the JSON text :func:`holds_through` scans for days: every field but
    its day, engine and format (the conclusions, their sentences included)."""
    return orjson.dumps({k: v for k, v in analysis.items() if k not in _NOT_DATES})


def _first_iso_from(text: bytes, floor: bytes) -> bytes | None:
    """The first ISO day on or after ``floor`` (an ISO day) that ``text`` writes, or None.
    ISO days compare as text the way they compare as dates."""
    if floor >= b"2000":
        days = [iso for iso in _DAY_2000S.findall(text) if iso >= floor]
        return min(days) if days else None
    return min(
        (
            iso
            for m in _MONTH_DAY.finditer(text)
            if m.start() >= 4 and (iso := text[m.start() - 4 : m.end()]) >= floor and iso[:4].isdigit()
        ),
        default=None,
    )


def _first_day_from(case: CaseFile, text: bytes, as_of: date) -> date | None:
    """The first date on or after ``as_of`` that the case file records (events, announced
    ends too, periods, assessments) or the analysis writes anywhere (its fields and its
    sentences: ``text``, :func:`dated_text`), or None."""
    first = _first_iso_from(text, as_of.isoformat().encode())
    soonest = None if first is None else date.fromisoformat(first.decode())
    for p in case.periods:
        for a in p.assessments:
            for day in (a.date, a.irs_csed):
                if day is not None and as_of <= day and (soonest is None or day < soonest):
                    soonest = day
        if as_of <= p.period_end and (soonest is None or p.period_end < soonest):
            soonest = p.period_end
    for ev in case.events:
        for name in (*type(ev).DATE_FIELDS, *type(ev).ANNOUNCED):
            day = getattr(ev, name)
            if day is not None and as_of <= day and (soonest is None or day < soonest):
                soonest = day
    return soonest


def runs_to_as_of(case: CaseFile, analysis: dict[str, Any]) -> bool:
    """Whether anything in the analysis is counted to its ``as_of`` (moves every day): a
    CSED that is a lower bound, an open suspension, a deadline known only "at the earliest",
    or an event whose end is not recorded (a stay, service abroad or in a combat zone, a TAS
    application, an innocent-spouse bar, an alternative's appeal: each counted to ``as_of``
    while open, or, abroad, not yet six months). A Tax Court decision with no final date
    recorded is not one of these: its final day is fixed (IRC 7481, 7483) and listed."""
    for a in analysis["assessments"]:
        if a["open"] or any(s.get("open") for s in a.get("suspensions", ())):
            return True
    for d in analysis["deadlines"]:
        if "(at the earliest)" in d["what"] or "(lower bound)" in d["what"]:
            return True
    for ev in case.events:
        end = type(ev).END
        if end is not None and not isinstance(ev, TaxCourtDecision) and getattr(ev, end) is None:
            return True
    return False


def holds_through(case: CaseFile, analysis: dict[str, Any], text: bytes | None = None) -> date | None:
    """The last day through which ``analysis`` (of ``case``, as of its ``as_of`` D) still
    gives the same stage (and its day), deadlines, hearing statuses and CSEDs (and their
    lower-bound flags): D when something is counted to D or a date the case or the
    analysis names is D; else the day before the first such date after D; :data:`FOREVER`
    when none is left. None when it cannot tell (no ``as_of``, or not an analysis).
    ``text``: the analysis's :func:`dated_text`, when the caller has it already."""
    try:
        as_of = date.fromisoformat(analysis["as_of"])
        if runs_to_as_of(case, analysis):
            return as_of
    except (KeyError, TypeError, ValueError):
        return None
    soonest = _first_day_from(case, dated_text(analysis) if text is None else text, as_of)
    if soonest is None:
        return FOREVER
    return max(as_of, soonest - timedelta(days=1))
