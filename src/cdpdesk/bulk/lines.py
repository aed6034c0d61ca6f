"""One case per line in, one analysis (or error record) per line out: the bulk contract.

Shared by ``cdpdesk analyze --jsonl`` and the bulk runners, so that every path writes the
same bytes for the same line.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import BinaryIO

import orjson

from cdpdesk.contract import CaseError, load_case
from cdpdesk.contract.errors import ErrorItem
from cdpdesk.engine import analyze

EMPTY_LINE = "empty line: expected one cdpdesk.case/1 object"


def analyze_line(
    line: bytes, number: int, default_as_of: date, force_as_of: bool = False
) -> tuple[bytes, bool]:
    """The output line (without newline) for input line ``number`` (1-based), and whether it
    is an error record. ``default_as_of`` applies to cases without ``as_of`` (or to all,
    with ``force_as_of``)."""
    try:
        if not line.strip():
            raise CaseError([ErrorItem("", EMPTY_LINE)])
        case = load_case(line)
        when = default_as_of if force_as_of else (case.as_of or default_as_of)
        return orjson.dumps(analyze(case, when)), False
    except CaseError as exc:
        return orjson.dumps(exc.to_json(line=number)), True


def error_entry(record: bytes, source_name: str, source_line: int) -> bytes:
    """The error file's line: the error record, plus which file and line it came from."""
    data = orjson.loads(record)
    entry = {
        "format": data["format"],
        "line": data.get("line"),
        "source": source_name,
        "source_line": source_line,
        "errors": data.get("errors", []),
    }
    return orjson.dumps(entry) + b"\n"


def default_errors_path(out: Path) -> Path:
    """``x.jsonl`` -> ``x.errors.jsonl`` beside it (a folder ``x`` -> ``x.errors.jsonl``)."""
    stem = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(stem + ".errors.jsonl")


def analyze_lines(
    lines: Iterable[bytes], first_number: int, default_as_of: date, force_as_of: bool = False
) -> tuple[list[bytes], int]:
    """A batch of lines: the output lines in order, and how many were errors."""
    out: list[bytes] = []
    bad = 0
    for number, line in enumerate(lines, start=first_number):
        text, is_error = analyze_line(line, number, default_as_of, force_as_of)
        out.append(text)
        bad += is_error
    return out, bad


def quiet_gc() -> None:
    """The analyses are acyclic and short-lived: keep the cycle collector from rescanning the
    long-lived modules and caches every few hundred allocations."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def run_jsonl(src: BinaryIO, dst: BinaryIO, default_as_of: date, force_as_of: bool = False) -> int:
    """Stream ``src`` to ``dst``, line for line, in order. Returns the number of error lines."""
    quiet_gc()
    bad = 0
    buf: list[bytes] = []
    for number, line in enumerate(src, start=1):
        text, is_error = analyze_line(line, number, default_as_of, force_as_of)
        bad += is_error
        buf.append(text)
        if len(buf) >= 256:
            buf.append(b"")
            dst.write(b"\n".join(buf))
            buf.clear()
    if buf:
        buf.append(b"")
        dst.write(b"\n".join(buf))
    dst.flush()
    return bad
