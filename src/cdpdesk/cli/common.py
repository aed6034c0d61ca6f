"""What every command shares: how a bad input is reported (exit 2, one clear line), with
anything shaped like a taxpayer identification number masked."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any, NoReturn, TextIO

import typer

from cdpdesk.contract.case import date_problem
from cdpdesk.contract.errors import capped
from cdpdesk.privacy import redact

EXIT_BAD_INPUT = 2


def fail(message: str) -> NoReturn:
    """Print ``cdpdesk: error: MESSAGE`` on standard error and exit 2. Never a traceback,
    never a full TIN (a TIN typed where a date or an id belongs is echoed masked)."""
    sys.stderr.write(f"cdpdesk: error: {redact(message)}\n")
    raise typer.Exit(EXIT_BAD_INPUT)


def parse_day(value: str | None, option: str) -> dt.date | None:
    """A date option (YYYY-MM-DD), refused clearly when it is not one or out of range."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a valid date (YYYY-MM-DD)")
    problem = date_problem(day)
    if problem:
        fail(f"{option}: {problem}")
    return day


def count(n: int, one: str, many: str | None = None) -> str:
    """A count and its word, the CLI's one way to say one: '1 case', '0 cases', '2,500 cases'
    (a thousands separator from 1,000 on); ``many`` when the plural is not ``one`` + 's'
    ('process', 'processes'). The commands' own lines are English (docs/translating.md:
    what a taxpayer reads is translated, an operator's command output is not), so the
    English rule of one and many is the right one here; a translated line takes its plural
    from its catalog (``Translator.ngettext``), not from this."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def error_lines(lines: list[str]) -> str:
    """The first ``MAX_ERRORS`` lines of a list of problems, then how many more there are."""
    shown, rest = capped(lines)
    more = f"\n  ... and {count(rest, 'more problem')} not shown" if rest else ""
    return "\n  also: ".join(shown) + more


class RedactingStream:
    """Standard error as the commands see it: every write masked for TIN-shaped text, so
    that click's usage errors, rich's output and any stray warning are covered too.
    Standard output is left alone: ``case export`` prints the full TIN on purpose."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(redact(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
