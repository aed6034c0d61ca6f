"""The ``cdpdesk`` command line: thin layers over the engine, the desk and the bulk runner.

Each group of commands lives in its own module and registers itself on the one app; heavy
imports (database, PDF, Dask) happen inside the commands, so ``analyze`` starts fast.
"""

from __future__ import annotations

import sys

import typer

from cdpdesk.cli import bulk as _bulk
from cdpdesk.cli import desk as _desk
from cdpdesk.cli import engine as _engine
from cdpdesk.cli import practice as _practice
from cdpdesk.cli import transcript as _transcript
from cdpdesk.cli import web as _web
from cdpdesk.cli.common import EXIT_BAD_INPUT
from cdpdesk.extras import MissingExtra

EXIT_MISSING_EXTRA = 1

app = typer.Typer(
    name="cdpdesk",
    help="CDP Desk: Collection Due Process hearings, withdrawals (Letter 4383), deadlines and "
    "CSEDs, every date explained and cited.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.registered_commands += _engine.app.registered_commands
app.add_typer(_desk.case_app, name="case")
app.add_typer(_desk.event_app, name="event")
app.add_typer(_desk.withdrawals_app, name="withdrawals")
app.add_typer(_desk.letters_app, name="letters")
app.add_typer(_desk.letter_app, name="letter")
app.add_typer(_desk.desk_app, name="desk")
app.add_typer(_bulk.app, name="bulk")
app.add_typer(_transcript.app, name="transcript")
_web.register(app)
_practice.register(app)


def main() -> None:
    from cdpdesk.cli.common import RedactingStream

    # No full TIN on standard error, whoever writes it (click's own usage errors included).
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)
    # Whichever command met it: an optional part used without its extra (bulk: Dask,
    # Parquet, the chart; postgres: psycopg), or a bad setting; one line, never a traceback.
    try:
        app()
    except MissingExtra as exc:
        sys.stderr.write(f"cdpdesk: error: {exc}\n")
        raise SystemExit(EXIT_MISSING_EXTRA) from None
    except ValueError as exc:
        from cdpdesk.desk.settings import SettingsError  # loaded already if it raised

        if not isinstance(exc, SettingsError):
            raise
        sys.stderr.write(f"cdpdesk: error: {exc}\n")
        raise SystemExit(EXIT_BAD_INPUT) from None


__all__ = ["app", "main"]
