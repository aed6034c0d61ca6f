"""Duplicate cases: the one rule every way in (``case import``, ``case import --jsonl``, the
API) applies.

A case is *already stored* when a stored case has the same taxpayer (its TIN; its name when
the file gives no TIN), the same periods and assessments, and the same events; it is a *near
duplicate* when only the taxpayer and the periods agree. Order does not count (events are
"in any order" in cdpdesk.case/1), and each part is compared as the contract reads it, so
``"2024-06-01"`` and a reordered object are the same fact.

Both comparisons go through keyed hashes (HMAC-SHA256 under a random key the database keeps
in ``desk_keys``), stored indexed on the case: the index finds the candidates in time that
does not grow with the caseload, and no new column holds a TIN or an unkeyed hash of one
(a TIN has only 10^9 values: a plain sha256 of it is a lookup table).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from cdpdesk.contract import CaseFile
from cdpdesk.desk.models import DeskKey

_NOT_DIGIT = re.compile(r"\D")


def load_key(session: Session) -> bytes:
    """The database's fingerprint key (made by migration 0004)."""
    value = session.scalars(select(DeskKey.value).where(DeskKey.name == "fingerprint")).first()
    if value is None:  # a database whose key row was removed by hand: make a new one
        import secrets

        value = secrets.token_hex(32)
        session.add(DeskKey(name="fingerprint", value=value))
        session.flush()
    return bytes.fromhex(value)


def _who(case: CaseFile) -> Any:
    tp = case.taxpayer
    if tp is None:
        return None
    if tp.tin is not None:
        return ["tin", _NOT_DIGIT.sub("", tp.tin)]
    return ["name", " ".join(tp.name.split()).casefold()]


def _canonical(items: list[Any]) -> list[Any]:
    dumped = [item.model_dump(mode="json", exclude_none=True) for item in items]
    return sorted(dumped, key=lambda d: orjson.dumps(d, option=orjson.OPT_SORT_KEYS))


def fingerprints(case: CaseFile, key: bytes) -> tuple[str, str]:
    """(fingerprint, near key): the keyed hashes of taxpayer + periods + events, and of
    taxpayer + periods."""
    near = {"who": _who(case), "periods": _canonical(list(case.periods))}
    full = near | {"events": _canonical(list(case.events))}
    opt = orjson.OPT_SORT_KEYS
    return (
        hmac.new(key, b"full:" + orjson.dumps(full, option=opt), hashlib.sha256).hexdigest(),
        hmac.new(key, b"near:" + orjson.dumps(near, option=opt), hashlib.sha256).hexdigest(),
    )
