"""Errors in a case file: each names the field, the event and the reason, on one line.

A taxpayer identification number is never echoed back: an error about it names the
field only, and every part of an error (field, event, message) is masked for anything
TIN-shaped when it is made, whatever field the value arrived in.

A list of errors is shown capped: the first ``MAX_ERRORS`` and a count of the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from cdpdesk.privacy import redact

ERROR_FORMAT = "cdpdesk.error/1"

#: How many errors a reply or a command shows; the rest are counted, not listed.
MAX_ERRORS = 50

T = TypeVar("T")


def capped(items: list[T], limit: int = MAX_ERRORS) -> tuple[list[T], int]:
    """The first ``limit`` items and how many more there are."""
    return items[:limit], max(0, len(items) - limit)


@dataclass(frozen=True, slots=True)
class ErrorItem:
    field: str
    message: str
    event: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", redact(self.field))
        object.__setattr__(self, "message", redact(self.message))
        if self.event is not None:
            object.__setattr__(self, "event", redact(self.event))

    def line(self) -> str:
        where = self.field or "case"
        if self.event is not None:
            where = f"{where} (event {self.event!r})"
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field}
        if self.event is not None:
            out["event"] = self.event
        out["message"] = self.message
        return out


class CaseError(ValueError):
    """A case file that cannot be analysed. ``items`` holds every problem found."""

    def __init__(self, items: list[ErrorItem]) -> None:
        self.items = items
        super().__init__(self.one_line())

    def one_line(self) -> str:
        first = self.items[0].line() if self.items else "invalid case file"
        more = len(self.items) - 1
        return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")

    def lines(self) -> list[str]:
        return [item.line() for item in self.items]

    def to_json(self, line: int | None = None, limit: int = MAX_ERRORS) -> dict[str, Any]:
        """The ``cdpdesk.error/1`` document: the first ``limit`` errors, and ``more_errors``
        counting the rest when there are more (a case with 100,000 bad events would
        otherwise answer tens of megabytes)."""
        out: dict[str, Any] = {"format": ERROR_FORMAT}
        if line is not None:
            out["line"] = line
        shown, more = capped(self.items, limit)
        out["errors"] = [item.to_json() for item in shown]
        if more:
            out["more_errors"] = more
        return out


def case_error(field: str, message: str, event: str | None = None) -> CaseError:
    return CaseError([ErrorItem(field, message, event)])
