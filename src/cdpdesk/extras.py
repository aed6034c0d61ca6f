"""The optional parts of CDP Desk and the one clear message when one is not installed.

``pip install cdpdesk`` gives the engine, the desk on SQLite, the letters and the web desk.
Two heavier parts are extras (pyproject.toml): ``bulk`` (Dask, pyarrow, matplotlib: the
Dask runner, Parquet input, the roll-up chart) and ``postgres`` (psycopg: the desk on
PostgreSQL). Code that needs one imports it inside ``with needs(extra, feature):``, which
turns a missing package into :class:`MissingExtra` naming the extra to install.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

#: The top-level modules each extra provides (an import of anything else is a real bug).
EXTRAS: dict[str, frozenset[str]] = {
    "bulk": frozenset({"dask", "distributed", "pyarrow", "matplotlib"}),
    "postgres": frozenset({"psycopg", "psycopg_binary"}),
}


class MissingExtra(ImportError):
    """An optional part is used without its extra; the message says what to install."""


def missing_message(extra: str, feature: str, module: str) -> str:
    return f"{feature} needs the '{extra}' extra ({module} is not installed): pip install 'cdpdesk[{extra}]'"


@contextmanager
def needs(extra: str, feature: str) -> Iterator[None]:
    """Run the imports in the block; a missing package of ``extra`` raises MissingExtra."""
    try:
        yield
    except ModuleNotFoundError as exc:
        top = (exc.name or "").split(".")[0]
        if top not in EXTRAS[extra]:
            raise
        raise MissingExtra(missing_message(extra, feature, top)) from None
