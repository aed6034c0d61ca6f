"""``cdpdesk case import --jsonl``: many cases into the desk, one per line, with a progress
bar; bad lines go to an error file (the records ``bulk analyze`` writes) and the run goes on.

A batch of cases (``--batch``, 500) is one transaction: a run stopped half-way keeps the
batches it committed, and running it again stores the rest (the ones stored already are
refused as duplicates, which the error file lists).
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from cdpdesk.bulk.lines import EMPTY_LINE, default_errors_path, error_entry
from cdpdesk.contract import CaseError
from cdpdesk.contract.errors import ErrorItem
from cdpdesk.desk.intake import Incoming

if TYPE_CHECKING:
    from cdpdesk.desk.intake import Imported
    from cdpdesk.desk.record import DeskError
    from cdpdesk.desk.workflow import Desk

#: Near-duplicate warnings printed one by one; the rest are counted.
SHOWN_WARNINGS = 20


class ImportInputError(ValueError):
    """The input cannot be read (one clear line)."""


@dataclass(slots=True)
class Summary:
    lines: int = 0
    imported: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    bad: int = 0
    seconds: float = 0.0
    errors_path: Path = Path()
    warnings: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.imported / self.seconds if self.seconds > 0 else 0.0


def sources_of(path: Path) -> list[Path]:
    """A JSONL file, or a folder's *.jsonl files in name order."""
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.name.endswith(".jsonl") and p.is_file())
        found = [p for p in found if not p.name.endswith(".errors.jsonl")]
        if not found:
            raise ImportInputError(f"{path}: the folder holds no *.jsonl file")
        return found
    if not path.is_file():
        raise ImportInputError(f"{path}: no such file or folder")
    return [path]


def count_lines(sources: list[Path]) -> int:
    total = 0
    for src in sources:
        with src.open("rb") as fh:
            last = b""
            while chunk := fh.read(1 << 20):
                total += chunk.count(b"\n")
                last = chunk
            total += bool(last) and not last.endswith(b"\n")
    return total


def _records(sources: list[Path]) -> Iterator[tuple[Path, int, bytes]]:
    for src in sources:
        fh: BinaryIO
        with src.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                yield src, number, line


def import_jsonl(
    desk: Desk,
    path: Path,
    *,
    errors_path: Path | None,
    by: str | None,
    allow_duplicate: bool,
    batch_size: int,
    advance: Callable[[int], None] | None = None,
    warn: Callable[[str], None] | None = None,
    pool: Executor | None = None,
    workers: int = 1,
) -> Summary:
    """Import every line of ``path`` (a file or a folder of them). ``advance(n)`` is told
    each batch done; ``warn(text)`` each near duplicate (up to ``SHOWN_WARNINGS``).

    With a ``pool`` (the bulk runner's, ``workers`` processes) the engine's part, parsing
    and analysing each line, runs there, a few batches ahead, while this process stores
    the batches in their order (the duplicate checks see every earlier line); without one,
    here, batch after batch."""
    from cdpdesk.desk.intake import validate_lines

    sources = sources_of(path)
    out = errors_path or default_errors_path(path)
    if any(src.resolve() == out.resolve() for src in sources):
        raise ImportInputError(f"{out}: is an input; give --errors another file")
    summary = Summary(errors_path=out)
    t0 = time.perf_counter()
    try:
        err = out.open("wb")
    except OSError as exc:
        raise ImportInputError(f"{out}: cannot write ({exc.strerror or exc})") from None

    def store(chunk: list[_Line], checked: list[Incoming | DeskError]) -> None:
        pending: list[tuple[Incoming, Path, int, int]] = []
        results = iter(checked)
        for src, src_line, record, line in chunk:
            summary.lines += 1
            if not line.strip():
                _bad(summary, err, [ErrorItem("", EMPTY_LINE)], src, src_line, record)
                continue
            item = next(results)
            if not isinstance(item, Incoming):
                _bad(summary, err, list(item.items) or [ErrorItem("", str(item))], src, src_line, record)
                continue
            pending.append((item, src, src_line, record))
        if pending:
            stored = desk.import_many([p[0] for p in pending], by=by, allow_duplicate=allow_duplicate)
            for (_item, src, src_line, record), result in zip(pending, stored, strict=True):
                _account(summary, result, src, src_line, record, err, warn)
        if advance is not None:
            advance(len(chunk))

    with err:
        chunks = _chunks(sources, batch_size)
        if pool is None:
            for chunk in chunks:
                store(chunk, validate_lines(_payload(chunk)))
        else:
            ahead: deque[tuple[list[_Line], Future[list[Incoming | DeskError]]]] = deque()
            try:
                for chunk in chunks:
                    ahead.append((chunk, pool.submit(validate_lines, _payload(chunk))))
                    if len(ahead) > 2 * workers:
                        done, fut = ahead.popleft()
                        store(done, fut.result())
                while ahead:
                    done, fut = ahead.popleft()
                    store(done, fut.result())
            finally:
                for _chunk, fut in ahead:
                    fut.cancel()
    summary.seconds = time.perf_counter() - t0
    return summary


#: (file, line number in it, record number over all files, the line's bytes)
_Line = tuple[Path, int, int, bytes]


def _chunks(sources: list[Path], size: int) -> Iterator[list[_Line]]:
    chunk: list[_Line] = []
    for record, (src, src_line, line) in enumerate(_records(sources), start=1):
        chunk.append((src, src_line, record, line))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _payload(chunk: list[_Line]) -> list[tuple[bytes, str]]:
    return [(line, f"{src}:{src_line}") for src, src_line, _record, line in chunk if line.strip()]


def _bad(
    summary: Summary, err: BinaryIO, items: list[ErrorItem], src: Path, src_line: int, record: int
) -> None:
    err.write(error_entry(_error_record(items, record), str(src), src_line))
    summary.bad += 1


def _error_record(items: list[ErrorItem], record: int) -> bytes:
    return _dumps(CaseError(items).to_json(line=record))


def _dumps(value: object) -> bytes:
    import orjson

    return orjson.dumps(value)


def _account(
    summary: Summary,
    result: Imported,
    src: Path,
    src_line: int,
    record: int,
    err: BinaryIO,
    warn: Callable[[str], None] | None,
) -> None:
    if result.case is None:
        if result.duplicate_of is not None:
            summary.duplicates += 1
        else:
            summary.bad += 1
        message = result.refused or "not stored"
        err.write(error_entry(_error_record([ErrorItem("", message)], record), str(src), src_line))
        return
    summary.imported += 1
    for text in result.warnings:
        summary.near_duplicates += 1
        line = f"{src.name} line {src_line}: {text}"
        if len(summary.warnings) < SHOWN_WARNINGS:
            summary.warnings.append(line)
            if warn is not None:
                warn(line)


def print_summary(summary: Summary) -> None:
    more = summary.near_duplicates - len(summary.warnings)
    if more > 0:
        sys.stderr.write(f"cdpdesk: warning: and {more} more near duplicates\n")
    print(
        f"lines {summary.lines:,}  imported {summary.imported:,}  duplicates refused "
        f"{summary.duplicates:,}  near duplicates {summary.near_duplicates:,}  bad lines {summary.bad:,}  "
        f"{summary.rate:,.0f} cases/s  {summary.seconds:.1f} s"
    )
    print(f"errors:   {summary.errors_path}")
