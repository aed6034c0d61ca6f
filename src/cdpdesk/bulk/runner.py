"""The bulk runner: many cases in, the same analyses out, in order, on all cores or on Dask.

The input (one JSONL file, or a folder of ``*.jsonl`` and ``*.parquet`` parts) is cut into
fixed-size chunks of lines. Each chunk is analysed by :func:`analyze_chunk`, a pure function
of the chunk's bytes built on :func:`cdpdesk.bulk.lines.analyze_line`, so every runner writes
the same bytes as ``cdpdesk analyze --jsonl``. Finished chunks land as part files in a work
directory next to OUT (``OUT.parts/``, atomic rename) and are appended to OUT in input order
as soon as they can be; a small state file records how far the appending got, so an
interrupted run resumes without redoing finished chunks. docs/bulk.md has the design.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import orjson

from cdpdesk import __version__
from cdpdesk.bulk.lines import analyze_line, quiet_gc
from cdpdesk.contract.errors import ERROR_FORMAT

CHUNK_LINES = 5_000
RUN_FORMAT = "cdpdesk.bulk-run/1"
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
    global _gc_quiet
    if not _gc_quiet:
        quiet_gc()
        _gc_quiet = True
    lines: Iterable[bytes] = io.BytesIO(payload) if isinstance(payload, bytes) else payload
    out: list[bytes] = []
    errors: list[bytes] = []
    for k, line in enumerate(lines):
        number = first + k
        try:
            text, is_error = analyze_line(line, number, default_as_of, force_as_of)
        except Exception as exc:  # an engine fault on one record must not stop the run
            text, is_error = _internal_error(number, exc), True
        out.append(text)
        if is_error:
            errors.append(_error_entry(text, source_name, source_first + k))
    count = len(out)
    if out:
        out.append(b"")
    return ChunkResult(count, len(errors), b"\n".join(out), b"".join(errors))


def _internal_error(number: int, exc: Exception) -> bytes:
    # Only the exception's type: its message could quote the record (and a TIN).
    message = f"internal error ({type(exc).__name__}) while analysing this case; please report it"
    return orjson.dumps(
        {"format": ERROR_FORMAT, "line": number, "errors": [{"field": "", "message": message}]}
    )


def _error_entry(record: bytes, source_name: str, source_line: int) -> bytes:
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
    by_source: dict[int, list[Chunk]] = {}
    for c in chunks:
        by_source.setdefault(c.source, []).append(c)
    for si, src in enumerate(sources):
        mine = by_source.get(si, [])
        if not any(not skip(c.index) for c in mine):
            continue
        if src.kind == "jsonl":
            with src.path.open("rb") as fh:
                for c in mine:
                    if skip(c.index):
                        continue
                    fh.seek(c.offset)
                    data = fh.read(c.length)
                    if len(data) != c.length:
                        raise BulkInputError(f"{src.path}: the file changed while it was being read")
                    yield c, data
        else:
            rows = parquet_records(src.path)
            for c in mine:
                block = [next(rows, b"\n") for _ in range(c.count)]
                if not skip(c.index):
                    yield c, block


# ---------------------------------------------------------------------------------------
# Work directory, parts, resume.


def default_errors_path(out: Path) -> Path:
    stem = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(stem + ".errors.jsonl")


def work_dir_for(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def _part(work: Path, index: int) -> Path:
    return work / f"part-{index:06d}.jsonl"


def _err_part(work: Path, index: int) -> Path:
    return work / f"part-{index:06d}.errors.jsonl"


def write_part(work: Path, index: int, result: ChunkResult) -> None:
    """The chunk's error lines, then its output; each by an atomic rename. The output part
    appears last, so its presence means the chunk is complete."""
    if result.errors:
        _atomic_write(_err_part(work, index), result.errors)
    _atomic_write(_part(work, index), result.out)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with tmp.open("wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _manifest(
    sources: list[Source], chunks: list[Chunk], chunk_lines: int, as_of: date, force: bool
) -> dict[str, Any]:
    return {
        "format": RUN_FORMAT,
        "cdpdesk": __version__,
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
    if old.get("inputs") != new["inputs"]:
        return "the input changed since"
    if old.get("chunk_lines") != new["chunk_lines"]:
        return "the chunk size differs"
    if old.get("as_of") != new["as_of"] or old.get("force_as_of") != new["force_as_of"]:
        return "the as-of date differs"
    return "its manifest differs"


class _Assembler:
    """Appends finished parts to OUT's partial file in chunk order, and keeps the state that
    makes a run resumable: how many chunks are in, and the byte sizes they add up to."""

    def __init__(self, work: Path, total: int) -> None:
        self.work = work
        self.total = total
        self.state_path = work / "state.json"
        state = {"next": 0, "out_bytes": 0, "err_bytes": 0, "errors": 0}
        if self.state_path.exists():
            state = orjson.loads(self.state_path.read_bytes())
        self.next: int = state["next"]
        self.errors: int = state["errors"]
        self.out_path = work / "out.partial"
        self.err_path = work / "errors.partial"
        self.out_fd = os.open(self.out_path, os.O_WRONLY | os.O_CREAT, 0o644)
        self.err_fd = os.open(self.err_path, os.O_WRONLY | os.O_CREAT, 0o644)
        for fd, size in ((self.out_fd, state["out_bytes"]), (self.err_fd, state["err_bytes"])):
            if os.fstat(fd).st_size < size:
                raise _Inconsistent
            os.ftruncate(fd, size)  # drop anything appended after the last saved state
            os.lseek(fd, size, os.SEEK_SET)
        self.out_bytes: int = state["out_bytes"]
        self.err_bytes: int = state["err_bytes"]
        self.ready = {i for i in range(self.next, total) if _part(work, i).exists()}

    def done(self) -> set[int]:
        """Chunks that need no work: appended, or waiting as complete parts."""
        return set(range(self.next)) | self.ready

    def add(self, index: int) -> None:
        self.ready.add(index)
        while self.next in self.ready:
            i = self.next
            part, err_part = _part(self.work, i), _err_part(self.work, i)
            self.out_bytes += _append_file(self.out_fd, part)
            if err_part.exists():
                data = err_part.read_bytes()
                os.write(self.err_fd, data)
                self.err_bytes += len(data)
                self.errors += data.count(b"\n")
            self.ready.discard(i)
            self.next = i + 1
            _atomic_write(
                self.state_path,
                orjson.dumps(
                    {
                        "next": self.next,
                        "out_bytes": self.out_bytes,
                        "err_bytes": self.err_bytes,
                        "errors": self.errors,
                    }
                ),
            )
            part.unlink()
            err_part.unlink(missing_ok=True)

    def close(self) -> None:
        if self.out_fd >= 0:
            os.close(self.out_fd)
            os.close(self.err_fd)
            self.out_fd = self.err_fd = -1


class _Inconsistent(Exception):
    pass


def _append_file(fd: int, path: Path) -> int:
    """Append a file's bytes at fd's position; in the kernel where it can."""
    size = path.stat().st_size
    with path.open("rb") as src:
        left = size
        try:
            while left:
                sent = os.copy_file_range(src.fileno(), fd, left)
                if sent == 0:
                    raise OSError("short copy")
                left -= sent
        except (OSError, AttributeError):
            src.seek(size - left)
            while data := src.read(_BLOCK * 8):
                left -= os.write(fd, data)
        if left:
            raise OSError(f"{path}: short copy")
    return size


def _open_work(
    work: Path, manifest: dict[str, Any], fresh: bool, notice: Callable[[str], None], total: int
) -> _Assembler:
    manifest_path = work / "manifest.json"
    if work.exists() and not fresh:
        old: dict[str, Any] | None = None
        with contextlib.suppress(OSError, orjson.JSONDecodeError):
            old = orjson.loads(manifest_path.read_bytes())
        if old == manifest:
            try:
                return _Assembler(work, total)
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
    _atomic_write(manifest_path, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return _Assembler(work, total)


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
    asm = _open_work(work, manifest, fresh, notice, len(chunks))
    try:
        done = asm.done()
        done_cases = sum(c.count for c in chunks if c.index in done)
        if done:
            notice(f"resuming: {len(done)} of {len(chunks)} chunks ({done_cases:,} cases) were already done")
        bar.start(total, done_cases)
        todo = payloads(sources, chunks, skip=done.__contains__)
        names = [s.name for s in sources]
        if dask is None:
            mode = "pool"
            _run_pool(pool, todo, names, asm, work, workers, default_as_of, force_as_of, bar)
        else:
            mode = f"dask {dask}"
            workers = _run_dask(dask, todo, names, asm, work, workers, default_as_of, force_as_of, bar)
        errors = asm.errors
    except BulkInputError:
        asm.close()
        if not asm.done():  # nothing to resume: leave no work directory behind
            shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        asm.close()
    if asm.next != len(chunks):  # pragma: no cover - a lost part would be a bug
        raise RuntimeError(f"only {asm.next} of {len(chunks)} chunks were assembled")
    if _same_fs(work, errors_path):
        os.replace(asm.err_path, errors_path)
    else:
        shutil.move(asm.err_path, errors_path)
    os.replace(asm.out_path, out)
    shutil.rmtree(work)
    return RunStats(
        cases=total,
        errors=errors,
        analysed=total - done_cases,
        chunks=len(chunks),
        resumed_chunks=len(done),
        workers=workers,
        mode=mode,
        seconds=time.perf_counter() - t0,
        out=out,
        errors_path=errors_path,
    )


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
    index: int,
    payload: Payload,
    first: int,
    source_name: str,
    source_first: int,
    default_as_of: date,
    force_as_of: bool,
) -> tuple[int, int]:
    result = analyze_chunk(payload, first, source_name, source_first, default_as_of, force_as_of)
    write_part(Path(work), index, result)
    return index, result.cases


def _ready() -> None:
    pass


@contextlib.contextmanager
def _start_pool(workers: int) -> Iterator[Any]:
    """A process pool on the fork server (which imports the engine once), its workers
    started at once rather than at the first chunk."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["cdpdesk.bulk.runner"])
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init) as pool:
        for _ in range(workers):
            pool.submit(_ready)
        yield pool


def _run_pool(
    pool: Any,
    todo: Iterator[tuple[Chunk, Payload]],
    names: list[str],
    asm: _Assembler,
    work: Path,
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
                    chunk.index,
                    payload,
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
                index, count = fut.result()
                asm.add(index)
                bar.advance(count)
            submit()
    except BaseException:
        for fut in pending:
            fut.cancel()
        raise


def _versions() -> dict[str, str]:
    import cdpdesk

    return {"cdpdesk": cdpdesk.__version__}


def _run_dask(
    address: str,
    todo: Iterator[tuple[Chunk, Payload]],
    names: list[str],
    asm: _Assembler,
    work: Path,
    workers: int,
    as_of: date,
    force: bool,
    bar: Progress,
) -> int:
    """One task per chunk on a Dask cluster (``local`` starts a LocalCluster on loopback);
    results come back to this process, which writes the parts. Returns the worker count."""
    import logging
    import uuid

    import distributed

    dist: Any = distributed  # untyped: bind it as Any
    Client, LocalCluster, as_completed = dist.Client, dist.LocalCluster, dist.as_completed

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
                    f"--dask: worker {worker} runs cdpdesk {theirs['cdpdesk']}, this is "
                    f"{mine['cdpdesk']}; results would not be identical"
                )
        run = uuid.uuid4().hex[:12]
        limit = max(2, 2 * threads)
        flying = as_completed()
        in_flight = 0

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
                        key=f"cdpdesk-chunk-{run}-{chunk.index}",
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
            in_flight -= 1
            write_part(work, index, result)
            asm.add(index)
            bar.advance(result.cases)
            del result
            submit()
        return len(info.get("workers", {})) or workers


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
    "work_dir_for",
    "write_part",
]
