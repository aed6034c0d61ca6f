"""Taxpayer identification numbers: masked everywhere but the copy a taxpayer signs.

``mask_tin`` keeps the last four digits (``XXX-XX-6789``, or ``XX-XXX6789`` for an EIN).
``redact`` masks anything shaped like a TIN in free text. In logs, the masking is a second
line of defence behind code that never logs a TIN in the first place, and it is installed
three ways so that no path around it is left:

- :func:`install_redaction` wraps the process's log-record factory, so that every record,
  from any logger and for any handler (uvicorn's, pytest's, one added later), is masked
  when it is made: its message, its arguments, its traceback and its stack;
- :class:`RedactTins`, a filter on every handler of :func:`log_config`;
- :func:`log_config`, the ``logging.config.dictConfig`` that ``cdpdesk serve`` hands to
  uvicorn as ``log_config``: uvicorn applies it in each worker process, so the masking
  holds with ``--workers N`` too.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from typing import Any

# Nine digits as an SSN/ITIN (3-2-4) or an EIN (2-7), with dashes, spaces or URL-encoded
# dashes (%2D) as separators, and no digit either side (a longer run is not a TIN).
_SEP = r"(?:-|%2[dD]| )?"
_TIN_SHAPE = re.compile(
    rf"(?<![0-9])(?:[0-9]{{3}}{_SEP}[0-9]{{2}}{_SEP}[0-9]{{4}}|[0-9]{{2}}(?:-|%2[dD])[0-9]{{7}})(?![0-9])"
)


def mask_tin(tin: str | None) -> str | None:
    """``123-45-6789`` -> ``XXX-XX-6789``; ``12-3456789`` -> ``XX-XXX6789``; None stays None."""
    if tin is None:
        return None
    digits = "".join(ch for ch in tin if ch.isdigit())
    last4 = digits[-4:]
    if "-" in tin and tin.index("-") == 2:
        return f"XX-XXX{last4}"
    return f"XXX-XX-{last4}"


def _masked(m: re.Match[str]) -> str:
    whole = m.group(0)
    last4 = whole[-4:]
    return f"XX-XXX{last4}" if whole[2:3] == "-" or whole[2:5].upper() == "%2D" else f"XXX-XX-{last4}"


# A calendar feed's address is its own key (cdpdesk.desk.feeds): no log keeps the token.
_FEED_TOKEN = re.compile(r"(/feeds/)[A-Za-z0-9_-]{8,}")


def redact(text: str) -> str:
    """Mask every TIN-shaped run of digits in free text (and a calendar feed's token)."""
    if "/feeds/" in text:
        text = _FEED_TOKEN.sub(r"\1[token]", text)
    return _TIN_SHAPE.sub(_masked, text)


def has_tin(text: str) -> bool:
    return _TIN_SHAPE.search(text) is not None


def _clean_arg(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value  # a number keeps its %d; a nine-digit one is caught on the whole line
    text = str(value)
    return redact(text) if has_tin(text) else value


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask a record in place: arguments one by one (so formatters that read them, like
    uvicorn's access log, still work), then the whole message if a TIN is still there,
    then the traceback and the stack, formatted now so no formatter prints them raw."""
    if record.args:
        if isinstance(record.args, Mapping):
            record.args = {k: _clean_arg(v) for k, v in record.args.items()}
        else:
            record.args = tuple(_clean_arg(v) for v in record.args)
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    elif record.msg is not None and has_tin(str(record.msg)):
        record.msg = redact(str(record.msg))
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string: logging reports it later
        message = None
    if message is not None and has_tin(message):
        record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[0] is not None:
        text = record.exc_text or "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = redact(text)
        record.exc_info = None  # the masked text stands in for it; nothing formats it again
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactTins(logging.Filter):
    """Mask every TIN-shaped string in a record before a handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_redaction() -> None:
    """Mask every log record this process makes, whoever logs it (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_cdpdesk_redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    factory._cdpdesk_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def redacting_filter() -> RedactTins:
    """The ``()`` factory :func:`log_config` names: installs the record factory as well, so
    that a worker process configured from the dict alone is covered whole."""
    install_redaction()
    return RedactTins()


def log_config(level: str = "warning") -> dict[str, Any]:
    """The logging configuration for ``cdpdesk serve`` (uvicorn's ``log_config``).

    uvicorn's own formats (``uvicorn.error`` on stderr, ``uvicorn.access`` on stdout), the
    ``cdpdesk`` loggers on stderr, and everything else (the root) on stderr at WARNING;
    every handler masks TINs, and so does every record made in the process.
    """
    lvl = level.upper()
    redacting = ["redact_tins"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_tins": {"()": "cdpdesk.privacy.redacting_filter"}},
        "formatters": {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s %(message)s",
                "use_colors": None,
            },
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            },
            "cdpdesk": {"format": "cdpdesk: %(levelname)s: %(name)s: %(message)s"},
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
                "filters": redacting,
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
                "filters": redacting,
            },
            "cdpdesk": {
                "class": "logging.StreamHandler",
                "formatter": "cdpdesk",
                "stream": "ext://sys.stderr",
                "filters": redacting,
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": lvl, "propagate": False, "filters": redacting},
            "uvicorn.error": {"level": lvl, "filters": redacting},
            "uvicorn.access": {
                "handlers": ["access"],
                "level": lvl,
                "propagate": False,
                "filters": redacting,
            },
            "cdpdesk": {"handlers": ["cdpdesk"], "level": lvl, "propagate": False, "filters": redacting},
        },
        "root": {"handlers": ["cdpdesk"], "level": "WARNING"},
    }
