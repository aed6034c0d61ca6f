"""Taxpayer identification numbers: masked everywhere but the copy a taxpayer signs.

``mask_tin`` keeps the last four digits (``XXX-XX-6789``, or ``XX-XXX6789`` for an EIN).
``RedactTins`` is a logging filter that masks anything shaped like a TIN in a log record,
a second line of defence behind code that never logs one in the first place.
"""

from __future__ import annotations

import logging
import re

_TIN_SHAPE = re.compile(r"(?<![0-9])([0-9]{3}-?[0-9]{2}-?([0-9]{4})|[0-9]{2}-([0-9]{3})([0-9]{4}))(?![0-9])")


def mask_tin(tin: str | None) -> str | None:
    """``123-45-6789`` -> ``XXX-XX-6789``; ``12-3456789`` -> ``XX-XXX6789``; None stays None."""
    if tin is None:
        return None
    digits = "".join(ch for ch in tin if ch.isdigit())
    last4 = digits[-4:]
    if "-" in tin and tin.index("-") == 2:
        return f"XX-XXX{last4}"
    return f"XXX-XX-{last4}"


def redact(text: str) -> str:
    """Mask every TIN-shaped run of digits in free text."""

    def _sub(m: re.Match[str]) -> str:
        whole = m.group(1)
        return mask_tin(whole) or ""

    return _TIN_SHAPE.sub(_sub, text)


class RedactTins(logging.Filter):
    """Rewrite a record's message so that no full TIN reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        return True
