"""What every command shares: how a bad input is reported (exit 2, one clear line)."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

EXIT_BAD_INPUT = 2


def fail(message: str) -> NoReturn:
    """Print ``cdpdesk: error: MESSAGE`` on standard error and exit 2. Never a traceback."""
    sys.stderr.write(f"cdpdesk: error: {message}\n")
    raise typer.Exit(EXIT_BAD_INPUT)
