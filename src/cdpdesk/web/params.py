"""The parameters the routes share, checked before any handler runs: a bad one is a 422
naming it, never a 500 further down.

- Path ids (``{case_id}``, ``{letter_id}``) are 1 to 2^63 - 1: a database row id is a signed
  64-bit integer on SQLite and PostgreSQL, and a larger number overflows the driver.
- ``as_of`` is an ISO date ``YYYY-MM-DD`` between 1900 and 2999.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

#: The largest id a database row can have (a signed 64-bit integer, SQLite and PostgreSQL).
MAX_ID = 2**63 - 1
#: The dates an ``as_of`` may name: wide enough for any collection case, narrow enough that
#: the engine's date arithmetic (ten-year statutes, plus suspensions) stays inside year 9999.
FIRST_AS_OF, LAST_AS_OF = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD``: pydantic alone would also read ``0`` or ``1700000000`` as a Unix
    time, and ``2026-01-01T00:00`` as a date."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("iso_date", "must be a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("iso_date", "is not a real calendar date (YYYY-MM-DD)") from None


def _in_range(value: dt.date) -> dt.date:
    if not FIRST_AS_OF <= value <= LAST_AS_OF:
        raise PydanticCustomError(
            "date_range",
            "must be between {first} and {last}",
            {"first": str(FIRST_AS_OF), "last": str(LAST_AS_OF)},
        )
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_in_range)]
AsOf = Annotated[
    IsoDate | None,
    Query(description="Analyse as of this date (YYYY-MM-DD); default: the file's as_of, or today"),
]
CaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="The case's id")]
LetterId = Annotated[int, Path(ge=1, le=MAX_ID, description="The letter's id")]
