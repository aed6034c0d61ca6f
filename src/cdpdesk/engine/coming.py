"""The coming deadlines of one analysis as rows a practitioner lists, files and puts in a
calendar: each with its kind, a stable key and the days left on ``as_of``.

Pure, and no rule of its own: every date is one of the analysis's ``deadlines`` (the engine
decided it and gave its why); this module only names each deadline's kind and gives it a
key that does not depend on its date, so that a calendar event keeps its identity when a
later fact moves the deadline (docs/decisions.md, Issue 14).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

DeadlineKind = Literal["cdp_request", "eh_request", "tax_court_petition", "becomes_final", "csed", "other"]

CDP_REQUEST: Final = "cdp_request"
EH_REQUEST: Final = "eh_request"
TAX_COURT_PETITION: Final = "tax_court_petition"
BECOMES_FINAL: Final = "becomes_final"
CSED: Final = "csed"
OTHER: Final = "other"

#: The kinds, in the order pages offer them, with their plain names.
KIND_WORDS: dict[str, str] = {
    CDP_REQUEST: "CDP hearing request deadline",
    EH_REQUEST: "Equivalent hearing request deadline",
    TAX_COURT_PETITION: "Tax Court petition deadline",
    BECOMES_FINAL: "Determination or decision becomes final",
    CSED: "Collection statute ends (CSED)",
    OTHER: "Other date",
}
#: The kinds where someone must act by the date (a calendar reminds of these).
ACT_BY: frozenset[str] = frozenset({CDP_REQUEST, EH_REQUEST, TAX_COURT_PETITION})

# The rule that produced a deadline decides its kind (engine/authority.py rule ids).
_KIND_OF_RULE: dict[str, str] = {
    "levy-cdp-window": CDP_REQUEST,
    "lien-cdp-window": CDP_REQUEST,
    "levy-eh-window": EH_REQUEST,
    "lien-eh-window": EH_REQUEST,
    "petition-window": TAX_COURT_PETITION,
    "determination-final-no-petition": BECOMES_FINAL,
    "tax-court-decision-final": BECOMES_FINAL,
    "csed-walk": CSED,
}


@dataclass(frozen=True, slots=True)
class ComingDeadline:
    """One deadline of an analysis, as a row."""

    kind: str
    key: str  # stable: kind, event, periods (and assessment for a CSED); never the date
    date: date
    days_left: int  # from the analysis's as_of
    what: str
    says: str
    rule: str
    authority: tuple[str, ...]
    event: str | None
    periods: tuple[str, ...]
    assessment: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "date": self.date.isoformat(),
            "days_left": self.days_left,
            "what": self.what,
            "says": self.says,
            "rule": self.rule,
            "authority": list(self.authority),
            "event": self.event,
            "periods": list(self.periods),
            "assessment": self.assessment,
        }


# A rule that moves a deadline (disaster relief, combat-zone service, the bankruptcy bar on a
# petition: issue 15) keeps the deadline's kind; its ``what`` still names the deadline moved.
_KIND_OF_WHAT = (
    ("Last day to request a CDP hearing", CDP_REQUEST),
    ("Last day to request an equivalent hearing", EH_REQUEST),
    ("Last day to petition", TAX_COURT_PETITION),
)


def kind_of(deadline: dict[str, Any]) -> str:
    """The kind of one ``deadlines`` entry, read from the rule that produced it (or, for a
    rule that moved a deadline, from the deadline it names)."""
    kind = _KIND_OF_RULE.get(deadline["rule"])
    if kind is not None:
        return kind
    what = str(deadline.get("what") or "")
    return next((k for prefix, k in _KIND_OF_WHAT if what.startswith(prefix)), OTHER)


def coming_deadlines(analysis: dict[str, Any]) -> list[ComingDeadline]:
    """Every deadline of a ``cdpdesk.analysis/1``, soonest first, with kind, key and days
    left on its ``as_of``."""
    as_of = date.fromisoformat(analysis["as_of"])
    # A CSED deadline names no event: it is matched to its assessment (same period and date),
    # each assessment once, in file order.
    unclaimed = [(a["period"], a["assessment"], a["csed"]) for a in analysis["assessments"]]
    out: list[ComingDeadline] = []
    keys: set[str] = set()
    for d in analysis["deadlines"]:
        kind = kind_of(d)
        periods = tuple(d.get("periods") or ())
        assessment = None
        if kind == CSED:
            for i, (period, aid, csed) in enumerate(unclaimed):
                if csed == d["date"] and period in periods:
                    assessment = aid
                    del unclaimed[i]
                    break
        parts = [kind, d["event"] or "-", "+".join(periods) or "-"]
        if assessment is not None:
            parts.append(assessment)
        if kind == OTHER:
            parts.insert(1, d["rule"])
        key = ":".join(parts)
        n = 2
        while key in keys:  # never two events with one identity
            key = f"{':'.join(parts)}#{n}"
            n += 1
        keys.add(key)
        day = date.fromisoformat(d["date"])
        out.append(
            ComingDeadline(
                kind=kind,
                key=key,
                date=day,
                days_left=(day - as_of).days,
                what=d["what"],
                says=d["says"],
                rule=d["rule"],
                authority=tuple(d["authority"]),
                event=d["event"],
                periods=periods,
                assessment=assessment,
            )
        )
    return out
