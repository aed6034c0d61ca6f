"""The bulk runner: many cases in, the same analyses out, in order, on all cores or on Dask.

The input (one JSONL file, or a folder of ``*.jsonl`` and ``*.parquet`` parts) is cut into
fixed-size chunks of lines. Each chunk is analysed by :func:`analyze_chunk`, a pure function
of the chunk's bytes built on :func:`cdpdesk.bulk.lines.analyze_line`, so every runner writes
the same bytes as ``cdpdesk analyze --jsonl``. Finished chunks are appended in input order to
a partial output in a work directory next to OUT (``OUT.parts/``): a pool worker appends its
own chunk when it is the next in order and parks it as a part file otherwise; the Dask client
holds early results in memory. A small state file records how far the appending got, so an
interrupted run resumes without redoing finished chunks. docs/bulk.md has the design.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import orjson

from cdpdesk import __version__
from cdpdesk.bulk.lines import analyze_line, default_errors_path, quiet_gc
from cdpdesk.bulk.lines import error_entry as _error_entry
from cdpdesk.contract.errors import ERROR_FORMAT
from cdpdesk.extras import needs

CHUNK_LINES = 5_000
RUN_FORMAT = "cdpdesk.bulk-run/2"
PARQUET_TEXT_COLUMN = "case"
_BLOCK = 1 << 20

Payload = bytes | list[bytes]
"""A chunk's records: the raw bytes of its JSONL lines, or one JSON text per Parquet row."""


class BulkInputError(ValueError):
    """Input the bulk runner cannot use (missing, empty folder, unreadable part)."""


@dataclass(frozen=True, slots=True)
class Source:
    """One input file: a JSONL file or a Parquet part."""

    path: Path
    name: str
    kind: str  # "jsonl" or "parquet"
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """``count`` consecutive records of one source. ``first`` is the 1-based line number in
    the whole input (what error records carry); ``source_first`` the line or row in its own
    file. For JSONL, ``offset`` and ``length`` are the chunk's bytes in the file."""

    index: int
    source: int
    first: int
    source_first: int
    count: int
    offset: int = 0
    length: int = 0


class ChunkResult(NamedTuple):
    cases: int
    bad: int
    out: bytes  # the output lines, each ending with a newline
    errors: bytes  # the error-file lines, each ending with a newline


@dataclass(frozen=True, slots=True)
class RunStats:
    cases: int  # records in the input (= lines in OUT)
    errors: int  # error records
    analysed: int  # records analysed by this invocation (the rest came from a resumed run)
    chunks: int
    resumed_chunks: int
    workers: int
    mode: str  # "pool" or "dask ADDRESS"
    seconds: float
    out: Path
    errors_path: Path

    @property
    def rate(self) -> float:
        return self.analysed / self.seconds if self.seconds > 0 else 0.0


class Progress(Protocol):
    """What the runner tells its caller; the CLI draws a rich progress bar from it."""

    def start(self, total: int, done: int) -> None: ...

    def advance(self, cases: int) -> None: ...


class _NoProgress:
    def start(self, total: int, done: int) -> None:
        pass

    def advance(self, cases: int) -> None:
        pass


# ---------------------------------------------------------------------------------------
# The pure part: a chunk of records in, its output lines and error-file lines out.

_gc_quiet = False


def analyze_chunk(
    payload: Payload,
    first: int,
    source_name: str,
    source_first: int,
    default_as_of: date,
    force_as_of: bool = False,
) -> ChunkResult:
    """Analyse one chunk. A pure function of its arguments (the engine has no I/O and no
    clock), so it can run in a local process or on any Dask worker."""
    pieces, errors, count = _analyze(payload, first, source_name, source_first, default_as_of, force_as_of)
    return ChunkResult(count, len(errors), b"".join(pieces), b"".join(errors))


_NL = b"\n"


def _analyze(
    payload: Payload,
    first: int,
    source_name: str,
    source_first: int,
    default_as_of: date,
    force_as_of: bool,
) -> tuple[list[bytes], list[bytes], int]:
    """:func:`analyze_chunk`'s work, unjoined: the output as pieces (each line, then a
    newline), the error-file lines, and the number of records."""
    global _gc_quiet
    if not _gc_quiet:
        quiet_gc()
        _gc_quiet = True
    lines: Iterable[bytes] = io.BytesIO(payload) if isinstance(payload, bytes) else payload
    pieces: list[bytes] = []
    errors: list[bytes] = []
    for k, line in enumerate(lines):
        number = first + k
        try:
            text, is_error = analyze_line(line, number, default_as_of, force_as_of)
        except Exception as exc:  # an engine fault on one record must not stop the run
            text, is_error = _internal_error(number, exc), True
        pieces += (text, _NL)
        if is_error:
            errors.append(_error_entry(text, source_name, source_first + k))
    return pieces, errors, len(pieces) // 2


def _internal_error(number: int, exc: Exception) -> bytes:
    # Only the exception's type: its message could quote the record (and a TIN).
    message = f"internal error ({type(exc).__name__}) while analysing this case; please report it"
    return orjson.dumps(
        {"format": ERROR_FORMAT, "line": number, "errors": [{"field": "", "message": message}]}
    )


# ---------------------------------------------------------------------------------------
# Input: sources, chunk plan, payloads.


def discover(path: Path) -> list[Source]:
    """The input's files in processing order: the file itself, or a folder's ``*.jsonl`` and
    ``*.parquet`` files (not recursive) in sorted name order."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".jsonl", ".parquet"))
        if not files:
            raise BulkInputError(f"{path}: no *.jsonl or *.parquet parts in this folder")
        named = [(p, p.name) for p in files]
    elif path.is_file():
        named = [(path, path.name)]
    elif path.exists():
        raise BulkInputError(f"{path}: not a file or a folder")
    else:
        raise BulkInputError(f"{path}: no such file or folder")
    sources = []
    for p, name in named:
        st = p.stat()
        kind = "parquet" if p.suffix == ".parquet" else "jsonl"
        sources.append(Source(p, name, kind, st.st_size, st.st_mtime_ns))
    return sources


def plan(sources: list[Source], chunk_lines: int = CHUNK_LINES) -> list[Chunk]:
    """Cut the sources into chunks of ``chunk_lines`` records (the last of each source may be
    shorter). Streams each file once; memory does not grow with its size."""
    if chunk_lines < 1:
        raise ValueError("chunk_lines must be at least 1")
    chunks: list[Chunk] = []
    line = 1
    for si, src in enumerate(sources):
        if src.kind == "jsonl":
            new = _plan_jsonl(src, si, chunk_lines, len(chunks), line)
        else:
            new = _plan_parquet(src, si, chunk_lines, len(chunks), line)
        chunks += new
        line += sum(c.count for c in new)
    return chunks


def _plan_jsonl(src: Source, si: int, chunk_lines: int, index: int, line: int) -> list[Chunk]:
    """Chunk boundaries at every ``chunk_lines``-th newline. A line is what iterating the
    binary file yields: up to and including b"\\n", and a last line without one."""
    chunks: list[Chunk] = []
    start = 0  # byte offset of the current chunk
    pos = 0  # bytes read before the current block
    n = 0  # complete lines in the current chunk so far
    source_line = 1
    last = b"\n"
    try:
        with src.path.open("rb") as fh:
            while block := fh.read(_BLOCK):
                last = block[-1:]
                at = 0
                while True:
                    need = chunk_lines - n
                    found = block.count(b"\n", at)
                    if found < need:
                        n += found
                        break
                    for _ in range(need):
                        at = block.index(b"\n", at) + 1
                    end = pos + at
                    chunks.append(Chunk(index, si, line, source_line, chunk_lines, start, end - start))
                    index += 1
                    line += chunk_lines
                    source_line += chunk_lines
                    start, n = end, 0
                pos += len(block)
    except OSError as exc:
        raise BulkInputError(f"{src.path}: cannot read ({exc.strerror or exc})") from exc
    if pos > start:
        count = n + (0 if last == b"\n" else 1)
        chunks.append(Chunk(index, si, line, source_line, count, start, pos - start))
    return chunks


def _parquet_file(path: Path) -> Any:
    with needs("bulk", f"{path.name}: reading Parquet"):
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise BulkInputError(f"{path}: not a readable Parquet file ({exc})") from exc


def _plan_parquet(src: Source, si: int, chunk_lines: int, index: int, line: int) -> list[Chunk]:
    rows = int(_parquet_file(src.path).metadata.num_rows)
    chunks = []
    for start in range(0, rows, chunk_lines):
        count = min(chunk_lines, rows - start)
        chunks.append(Chunk(index, si, line, start + 1, count, start, 0))
        index += 1
        line += count
    return chunks


def _text_column(schema: Any) -> bool:
    with needs("bulk", "reading Parquet"):
        import pyarrow as pa

    if PARQUET_TEXT_COLUMN not in schema.names:
        return False
    kind = schema.field(PARQUET_TEXT_COLUMN).type
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


def parquet_records(path: Path, batch_rows: int = 4096) -> Iterator[bytes]:
    """One JSON text per row, ending with a newline as a JSONL line does: the ``case`` text
    column when there is one, otherwise the row's columns as the case's fields (nulls dropped,
    so absent optional fields stay absent)."""
    pf = _parquet_file(path)
    if _text_column(pf.schema_arrow):
        for batch in pf.iter_batches(batch_size=batch_rows, columns=[PARQUET_TEXT_COLUMN]):
            for value in batch.column(0).to_pylist():
                if value is None:
                    yield b"\n"
                else:
                    yield (value.encode() if isinstance(value, str) else bytes(value)) + b"\n"
    else:
        for batch in pf.iter_batches(batch_size=batch_rows):
            for row in batch.to_pylist():
                yield orjson.dumps(_drop_none(row), default=_json_default) + b"\n"


def payloads(
    sources: list[Source], chunks: list[Chunk], skip: Callable[[int], bool]
) -> Iterator[tuple[Chunk, Payload]]:
    """Each chunk not skipped, with its records, in order. Reads one chunk at a time."""
    for chunk, payload in _inputs(sources, chunks, skip, read_jsonl=True):
        assert payload is not None
        yield chunk, payload


def _inputs(
    sources: list[Source], chunks: list[Chunk], skip: Callable[[int], bool], *, read_jsonl: bool
) -> Iterator[tuple[Chunk, Payload | None]]:
    """Each chunk not skipped, in order, with its records; or, for a JSONL chunk when not
    ``read_jsonl``, with None: a pool worker reads those bytes itself (:func:`read_range`)."""
    by_source: dict[int, list[Chunk]] = {}
    for c in chunks:
        by_source.setdefault(c.source, []).append(c)
    for si, src in enumerate(sources):
        mine = [c for c in by_source.get(si, []) if not skip(c.index)]
        if not mine:
            continue
        if src.kind == "jsonl":
            for c in mine:
                yield c, read_range(src.path, c.offset, c.length) if read_jsonl else None
        else:
            rows = parquet_records(src.path)
            at = 0  # records of this source read so far
            for c in mine:
                for _ in range(c.source_first - 1 - at):
                    next(rows, b"\n")
                yield c, [next(rows, b"\n") for _ in range(c.count)]
                at = c.source_first - 1 + c.count


def read_range(path: Path | str, offset: int, length: int) -> bytes:
    """``length`` bytes of a file from ``offset``: a JSONL chunk's lines."""
    parts: list[bytes] = []
    got = 0
    with open(path, "rb", buffering=0) as fh:
        while got < length:
            data = os.pread(fh.fileno(), length - got, offset + got)
            if not data:
                raise BulkInputError(f"{path}: the file changed while it was being read")
            parts.append(data)
            got += len(data)
    return b"".join(parts)  # one part (the usual case) is returned as it is, not copied


# ---------------------------------------------------------------------------------------
# The work directory: the partial output, its state, parked parts, resume.
#
# OUT.parts/ holds manifest.json (what the job is), state.json (how far the partial files
# are complete: the next chunk in order, their byte sizes, the error count, and a token of
# this run), out.partial and errors.partial, and parked parts. Whoever holds the lock (an
# flock on OUT.parts/lock) may append: a pool worker appends the chunk it has just analysed
# when it is the next in order, straight from memory, so most output bytes are written
# once; a chunk that finishes before the one in front of it is parked as a part file (an
# atomic rename), and whoever appends the chunk in front of it appends the parked parts
# that follow. The state is saved after the bytes it counts are written, so after any
# interruption the partial files are cut back to the saved sizes and the run resumes.


def work_dir_for(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def _part(work: Path, run: str, index: int) -> Path:
    return work / f"part-{run}-{index:06d}.jsonl"


def _err_part(work: Path, run: str, index: int) -> Path:
    return work / f"part-{run}-{index:06d}.errors.jsonl"


def _parked(work: Path, run: str) -> set[int]:
    """The chunks parked as complete parts by this run."""
    prefix, found = f"part-{run}-", set()
    for name in os.listdir(work):
        number = name[len(prefix) : -len(".jsonl")]
        if name.startswith(prefix) and name.endswith(".jsonl") and number.isdigit():
            found.add(int(number))
    return found


_IOV_MAX = 1024  # buffers per pwritev call (Linux's IOV_MAX)


def _pwritev(fd: int, buffers: Sequence[bytes], offset: int) -> int:
    if hasattr(os, "pwritev"):
        return os.pwritev(fd, buffers, offset)
    return os.pwrite(fd, b"".join(buffers), offset)  # pragma: no cover - not Linux


def _write_at(fd: int, pieces: Sequence[bytes], offset: int) -> int:
    """Write ``pieces`` one after the other from ``offset``, without joining them first.
    Returns the number of bytes written (all of them, or an OSError)."""
    start = offset
    for k in range(0, len(pieces), _IOV_MAX):
        batch = pieces[k : k + _IOV_MAX]
        want = sum(map(len, batch))
        done = _pwritev(fd, batch, offset) if want else 0
        if done < want:  # a short write (rare on a regular file): finish the batch
            rest = memoryview(b"".join(batch))[done:]
            while rest:
                n = os.pwrite(fd, rest, offset + done)
                if n == 0:
                    raise OSError("short write")
                rest, done = rest[n:], done + n
        offset += want
    return offset - start


def _atomic_write(path: Path, pieces: Sequence[bytes]) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        _write_at(fd, pieces, 0)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _copy_at(src_path: Path, fd: int, offset: int) -> int:
    """Append a parked part's bytes at ``offset`` of fd; in the kernel where it can."""
    with src_path.open("rb", buffering=0) as src:
        size = os.fstat(src.fileno()).st_size
        done = 0
        try:
            while done < size:
                n = os.copy_file_range(src.fileno(), fd, size - done, done, offset + done)
                if n == 0:
                    raise OSError("short copy")
                done += n
        except (OSError, AttributeError):  # not supported here, or a short copy: through memory
            while done < size:
                data = os.pread(src.fileno(), min(size - done, _BLOCK * 8), done)
                if not data:
                    raise OSError(f"{src_path}: short copy") from None
                done += _write_at(fd, [data], offset + done)
    return size


@dataclass(slots=True)
class _State:
    run: str  # this run's token: names its parts, so a stray process of another run is ignored
    next: int = 0  # chunks 0 .. next-1 are in the partial files
    out_bytes: int = 0
    err_bytes: int = 0
    errors: int = 0


class _Inconsistent(Exception):
    pass


def _read_state(work: Path) -> _State:
    data = orjson.loads((work / "state.json").read_bytes())
    state = _State(data["run"], data["next"], data["out_bytes"], data["err_bytes"], data["errors"])
    if not isinstance(state.run, str) or not all(
        isinstance(v, int) and v >= 0 for v in (state.next, state.out_bytes, state.err_bytes, state.errors)
    ):
        raise _Inconsistent
    return state


def _save_state(work: Path, state: _State) -> None:
    fields = {
        "run": state.run,
        "next": state.next,
        "out_bytes": state.out_bytes,
        "err_bytes": state.err_bytes,
        "errors": state.errors,
    }
    _atomic_write(work / "state.json", [orjson.dumps(fields)])


class _Turn:
    """The right to append, while the lock is held: ``with _Turn(work) as turn: ...``.
    Appends chunks at the sizes the state records and saves the state on a clean exit, then
    removes the parked parts it appended; after an exception nothing is saved, so what was
    written after the saved sizes is dropped (overwritten by the next append, or cut off)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.lock = os.open(work / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        self.out = self.err = -1
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX)
            self.state = _read_state(work)
            self.out = os.open(work / "out.partial", os.O_WRONLY | os.O_CREAT, 0o644)
            self.err = os.open(work / "errors.partial", os.O_WRONLY | os.O_CREAT, 0o644)
        except BaseException:
            self._close()
            raise
        self.appended: list[int] = []
        self.changed = False

    def __enter__(self) -> _Turn:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        try:
            if kind is None and self.changed:
                _save_state(self.work, self.state)
                for i in self.appended:
                    _part(self.work, self.state.run, i).unlink(missing_ok=True)
                    _err_part(self.work, self.state.run, i).unlink(missing_ok=True)
        finally:
            self._close()

    def _close(self) -> None:
        for fd in (self.out, self.err, self.lock):  # closing the lock's fd releases it
            if fd >= 0:
                os.close(fd)
        self.out = self.err = self.lock = -1

    def append(self, pieces: Sequence[bytes], errors: bytes, bad: int) -> None:
        """Append the next chunk: its output (the pieces, in order) and its error lines."""
        st = self.state
        st.out_bytes += _write_at(self.out, pieces, st.out_bytes)
        if errors:
            st.err_bytes += _write_at(self.err, [errors], st.err_bytes)
            st.errors += bad
        st.next += 1
        self.changed = True

    def drain(self, held: dict[int, ChunkResult] | None = None) -> None:
        """Append what is next for as long as it is there: a chunk held in memory (``held``,
        the Dask client's), or a part parked by a worker or an interrupted run."""
        st = self.state
        while True:
            i = st.next
            if held is not None and i in held:
                result = held.pop(i)
                self.append([result.out], result.errors, result.bad)
                continue
            part = _part(self.work, st.run, i)
            if not part.exists():
                return
            err_part = _err_part(self.work, st.run, i)
            st.out_bytes += _copy_at(part, self.out, st.out_bytes)
            if err_part.exists():
                data = err_part.read_bytes()
                st.err_bytes += _write_at(self.err, [data], st.err_bytes)
                st.errors += data.count(b"\n")
            st.next += 1
            self.appended.append(i)
            self.changed = True


def _deliver(work: Path, run: str, index: int, pieces: list[bytes], errors: bytes, bad: int) -> None:
    """A worker's finished chunk: appended if it is the next in order, otherwise parked as a
    part for whoever appends the chunk in front of it."""
    with _Turn(work) as turn:
        if turn.state.run != run or turn.state.next > index:
            return  # another run's chunk (a stray worker), or one already in
        if turn.state.next == index:
            turn.append(pieces, errors, bad)
            turn.drain()
            return
    # Not next: park it (outside the lock, so that the others can go on appending) ...
    if errors:
        _atomic_write(_err_part(work, run, index), [errors])
    _atomic_write(_part(work, run, index), pieces)  # last: its presence means complete
    # ... then look again: the chunk in front may have gone in while this part was written.
    with _Turn(work) as turn:
        if turn.state.run == run:
            turn.drain()


def _manifest(
    sources: list[Source], chunks: list[Chunk], chunk_lines: int, as_of: date, force: bool
) -> dict[str, Any]:
    return {
        "format": RUN_FORMAT,
        "cdpdesk": __version__,
        # the law data too: a new holidays release moves IRC 7503 rolls, so half a run made
        # with the old table is not resumed with the new one
        "holidays": _holidays_release(),
        "inputs": [{"name": s.name, "kind": s.kind, "size": s.size, "mtime_ns": s.mtime_ns} for s in sources],
        "chunk_lines": chunk_lines,
        "chunks": len(chunks),
        "cases": sum(c.count for c in chunks),
        "as_of": as_of.isoformat(),
        "force_as_of": force,
    }


def _why_not_resumed(old: dict[str, Any], new: dict[str, Any]) -> str:
    if old.get("format") != new["format"] or old.get("cdpdesk") != new["cdpdesk"]:
        return "it was made by another version of cdpdesk"
    if old.get("holidays") != new["holidays"]:
        return "it was made with another release of the holidays package (the law data)"
    if old.get("inputs") != new["inputs"]:
        return "the input changed since"
    if old.get("chunk_lines") != new["chunk_lines"]:
        return "the chunk size differs"
    if old.get("as_of") != new["as_of"] or old.get("force_as_of") != new["force_as_of"]:
        return "the as-of date differs"
    return "its manifest differs"


def _resume(work: Path, total: int) -> _State:
    """An interrupted run's state, its partial files cut back to the sizes it saved, and the
    parked parts that are next appended."""
    with _Turn(work) as turn:
        st = turn.state
        if st.next > total:
            raise _Inconsistent
        for fd, size in ((turn.out, st.out_bytes), (turn.err, st.err_bytes)):
            if os.fstat(fd).st_size < size:
                raise _Inconsistent
            os.ftruncate(fd, size)  # drop anything written after the last saved state
        turn.drain()
    return turn.state


def _open_work(
    work: Path, manifest: dict[str, Any], fresh: bool, notice: Callable[[str], None], total: int
) -> _State:
    manifest_path = work / "manifest.json"
    if work.exists() and not fresh:
        old: dict[str, Any] | None = None
        with contextlib.suppress(OSError, orjson.JSONDecodeError):
            old = orjson.loads(manifest_path.read_bytes())
        if old == manifest:
            try:
                return _resume(work, total)
            except (_Inconsistent, OSError, orjson.JSONDecodeError, KeyError, TypeError):
                notice(f"{work}: the interrupted run's files are inconsistent; starting afresh")
        elif old is not None:
            notice(
                f"{work}: not resuming the interrupted run ({_why_not_resumed(old, manifest)}); starting afresh"
            )
        else:
            notice(f"{work}: no usable manifest; starting afresh")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    state = _State(uuid.uuid4().hex[:12])
    _save_state(work, state)
    _atomic_write(manifest_path, [orjson.dumps(manifest, option=orjson.OPT_INDENT_2)])
    return state


# ---------------------------------------------------------------------------------------
# The runs.


def run_bulk(
    input_path: Path,
    out: Path,
    *,
    default_as_of: date,
    force_as_of: bool = False,
    workers: int = 1,
    chunk_lines: int = CHUNK_LINES,
    errors_path: Path | None = None,
    dask: str | None = None,
    fresh: bool = False,
    progress: Progress | None = None,
    notice: Callable[[str], None] = lambda message: None,
) -> RunStats:
    """Analyse every record of ``input_path`` into ``out`` (JSONL, input order) and write
    the error records to ``errors_path``. Resumes an interrupted run of the same job."""
    t0 = time.perf_counter()
    bar = progress or _NoProgress()
    errors_path = errors_path or default_errors_path(out)
    sources = discover(input_path)
    if any(s.path.resolve() in (out.resolve(), errors_path.resolve()) for s in sources):
        raise BulkInputError(f"{out}: the output would overwrite the input")
    with contextlib.ExitStack() as stack:
        # The pool's workers start (and import the engine) while this process plans.
        pool = stack.enter_context(_start_pool(workers)) if dask is None else None
        return _run(
            sources, out, errors_path, pool, t0, bar, notice,
            default_as_of=default_as_of, force_as_of=force_as_of, workers=workers,
            chunk_lines=chunk_lines, dask=dask, fresh=fresh,
        )  # fmt: skip


def _run(
    sources: list[Source],
    out: Path,
    errors_path: Path,
    pool: Any,
    t0: float,
    bar: Progress,
    notice: Callable[[str], None],
    *,
    default_as_of: date,
    force_as_of: bool,
    workers: int,
    chunk_lines: int,
    dask: str | None,
    fresh: bool,
) -> RunStats:
    chunks = plan(sources, chunk_lines)
    total = sum(c.count for c in chunks)
    work = work_dir_for(out)
    manifest = _manifest(sources, chunks, chunk_lines, default_as_of, force_as_of)
    state = _open_work(work, manifest, fresh, notice, len(chunks))
    run = state.run
    # Chunks already in the partial files, or parked by the interrupted run, need no work.
    parked = _parked(work, run)
    done = {c.index for c in chunks if c.index < state.next or c.index in parked}
    done_cases = sum(c.count for c in chunks if c.index in done)
    try:
        if done:
            notice(f"resuming: {len(done)} of {len(chunks)} chunks ({done_cases:,} cases) were already done")
        bar.start(total, done_cases)
        names = [s.name for s in sources]
        if dask is None:
            mode = "pool"
            todo = _inputs(sources, chunks, done.__contains__, read_jsonl=False)
            paths = [str(s.path) for s in sources]
            _run_pool(pool, todo, names, paths, work, run, workers, default_as_of, force_as_of, bar)
        else:
            mode = f"dask {dask}"
            todo = payloads(sources, chunks, skip=done.__contains__)
            workers = _run_dask(dask, todo, names, work, workers, default_as_of, force_as_of, bar)
        with _Turn(work) as turn:  # everything is in by now; this only reads the final state
            turn.drain()
            state = turn.state
            for fd, size in ((turn.out, state.out_bytes), (turn.err, state.err_bytes)):
                if os.fstat(fd).st_size != size:  # pragma: no cover - only after a worker died
                    os.ftruncate(fd, size)
    except BulkInputError:
        if not done and _nothing_in(work):  # nothing to resume: leave no work directory behind
            shutil.rmtree(work, ignore_errors=True)
        raise
    if state.next != len(chunks):  # pragma: no cover - a lost chunk would be a bug
        raise RuntimeError(f"only {state.next} of {len(chunks)} chunks were assembled")
    if _same_fs(work, errors_path):
        os.replace(work / "errors.partial", errors_path)
    else:
        shutil.move(work / "errors.partial", errors_path)
    os.replace(work / "out.partial", out)
    shutil.rmtree(work)
    return RunStats(
        cases=total,
        errors=state.errors,
        analysed=total - done_cases,
        chunks=len(chunks),
        resumed_chunks=len(done),
        workers=workers,
        mode=mode,
        seconds=time.perf_counter() - t0,
        out=out,
        errors_path=errors_path,
    )


def _nothing_in(work: Path) -> bool:
    try:
        return _read_state(work).next == 0 and not any(work.glob("part-*"))
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, _Inconsistent):
        return False


def _same_fs(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_dev == b.parent.resolve().stat().st_dev
    except OSError:
        return False


def _worker_init() -> None:
    import signal

    # Ctrl-C is the parent's to handle: it finishes the chunks in hand and leaves them to resume.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _gc_quiet
    quiet_gc()
    _gc_quiet = True


def _pool_task(
    work: str,
    run: str,
    index: int,
    payload: Payload | None,
    path: str,
    offset: int,
    length: int,
    first: int,
    source_name: str,
    source_first: int,
    default_as_of: date,
    force_as_of: bool,
) -> tuple[int, int]:
    """One chunk in a pool worker: read (JSONL: from the file itself), analyse, deliver."""
    if payload is None:
        payload = read_range(path, offset, length)
    pieces, errors, count = _analyze(payload, first, source_name, source_first, default_as_of, force_as_of)
    del payload
    _deliver(Path(work), run, index, pieces, b"".join(errors), len(errors))
    return count, len(errors)


def _ready() -> None:
    pass


def start_pool(workers: int, preload: Sequence[str] = ()) -> contextlib.AbstractContextManager[Any]:
    """The runner's process pool (the fork server, workers started at once), for other
    engine work in bulk: ``case import --jsonl`` and ``desk refresh`` hand it their batches
    (``preload``: the modules their tasks live in, imported once by the fork server)."""
    return _start_pool(workers, tuple(preload))


@contextlib.contextmanager
def _start_pool(workers: int, preload: tuple[str, ...] = ()) -> Iterator[Any]:
    """A process pool on the fork server (which imports the engine once), its workers
    started at once rather than at the first chunk: from a thread, which mostly waits for
    the fork server, so that this process plans the chunks meanwhile."""
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["cdpdesk.bulk.runner", *preload])
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init) as pool:

        def start() -> None:
            # A failure to start a worker shows again (as BrokenProcessPool) at the first submit.
            with contextlib.suppress(Exception):
                for _ in range(workers):
                    pool.submit(_ready)

        starter = threading.Thread(target=start, name="cdpdesk-pool-start", daemon=True)
        starter.start()
        try:
            yield pool
        finally:
            starter.join()


def _run_pool(
    pool: Any,
    todo: Iterator[tuple[Chunk, Payload | None]],
    names: list[str],
    paths: list[str],
    work: Path,
    run: str,
    workers: int,
    as_of: date,
    force: bool,
    bar: Progress,
) -> None:
    from concurrent.futures import FIRST_COMPLETED, Future, wait

    limit = 2 * workers
    pending: set[Future[tuple[int, int]]] = set()

    def submit() -> None:
        for chunk, payload in todo:
            pending.add(
                pool.submit(
                    _pool_task,
                    str(work),
                    run,
                    chunk.index,
                    payload,
                    paths[chunk.source],
                    chunk.offset,
                    chunk.length,
                    chunk.first,
                    names[chunk.source],
                    chunk.source_first,
                    as_of,
                    force,
                )
            )
            if len(pending) >= limit:
                return

    submit()
    try:
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                count, _ = fut.result()
                bar.advance(count)
            submit()
    except BaseException:
        for fut in pending:
            fut.cancel()
        raise


def _holidays_release() -> str:
    from importlib.metadata import version

    return version("holidays")


def _versions() -> dict[str, str]:
    import cdpdesk

    return {"cdpdesk": cdpdesk.__version__, "holidays": _holidays_release()}


@contextlib.contextmanager
def dask_client(address: str, workers: int) -> Iterator[tuple[Any, int]]:
    """A Dask client (``local``: a LocalCluster of ``workers`` processes on loopback) whose
    workers run this cdpdesk with this holidays release, and its number of worker threads.
    The desk's refresh hands its batches to ``client.get_executor()``."""
    import logging

    with needs("bulk", "--dask"):
        import distributed

    dist: Any = distributed  # untyped: bind it as Any
    Client, LocalCluster = dist.Client, dist.LocalCluster

    with contextlib.ExitStack() as stack:
        if address == "local":
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(address, timeout="20s"))
            except (OSError, TimeoutError, ValueError) as exc:
                raise BulkInputError(f"--dask: cannot connect to {address} ({exc})") from exc
        info = client.scheduler_info()
        threads = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
        if threads == 0:
            try:
                client.wait_for_workers(1, timeout=60)
            except TimeoutError as exc:
                raise BulkInputError(f"--dask: no worker joined {address} within 60 s") from exc
            info = client.scheduler_info()
            threads = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
        mine = _versions()
        try:
            found = client.run(_versions)
        except Exception as exc:  # a worker without cdpdesk cannot unpickle the function
            raise BulkInputError(
                f"--dask: the workers cannot run cdpdesk ({type(exc).__name__}: {exc})"
            ) from exc
        for worker, theirs in found.items():
            if theirs != mine:
                raise BulkInputError(
                    f"--dask: worker {worker} runs cdpdesk {theirs.get('cdpdesk')} with holidays "
                    f"{theirs.get('holidays')}, this is {mine['cdpdesk']} with holidays "
                    f"{mine['holidays']}; results would not be identical"
                )
        yield client, threads


def _run_dask(
    address: str,
    todo: Iterator[tuple[Chunk, Payload]],
    names: list[str],
    work: Path,
    workers: int,
    as_of: date,
    force: bool,
    bar: Progress,
) -> int:
    """One task per chunk on a Dask cluster (``local`` starts a LocalCluster on loopback);
    results come back to this process, which appends them in order, holding the ones that
    arrive early. Returns the worker count."""
    with dask_client(address, workers) as (client, threads):
        import distributed  # dask_client made sure it is there

        dist: Any = distributed  # untyped: bind it as Any
        as_completed = dist.as_completed
        key = uuid.uuid4().hex[:12]
        limit = max(2, 2 * threads)
        flying = as_completed()
        in_flight = 0  # submitted and not yet appended: results held here count too
        held: dict[int, ChunkResult] = {}

        def submit() -> None:
            nonlocal in_flight
            for chunk, payload in todo:
                flying.add(
                    client.submit(
                        analyze_chunk,
                        payload,
                        chunk.first,
                        names[chunk.source],
                        chunk.source_first,
                        as_of,
                        force,
                        key=f"cdpdesk-chunk-{key}-{chunk.index}",
                        pure=False,
                    )
                )
                in_flight += 1
                if in_flight >= limit:
                    return

        submit()
        for fut in flying:
            result: ChunkResult = fut.result()
            index = int(str(fut.key).rsplit("-", 1)[1])
            fut.release()
            held[index] = result
            before = len(held)
            with _Turn(work) as turn:
                turn.drain(held)
            in_flight -= before - len(held)
            bar.advance(result.cases)
            del result
            submit()
        return len(client.scheduler_info().get("workers", {})) or workers


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


__all__ = [
    "CHUNK_LINES",
    "BulkInputError",
    "Chunk",
    "ChunkResult",
    "RunStats",
    "Source",
    "analyze_chunk",
    "default_errors_path",
    "default_workers",
    "discover",
    "parquet_records",
    "payloads",
    "plan",
    "run_bulk",
    "read_range",
    "work_dir_for",
]
