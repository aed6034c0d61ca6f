"""The bulk runner: the same bytes as ``cdpdesk analyze --jsonl``, errors on the side, resume."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import orjson
import pytest
from tests.conftest import ROOT

from cdpdesk.bulk.lines import run_jsonl
from cdpdesk.bulk.runner import (
    BulkInputError,
    _deliver,
    _open_work,
    _parked,
    _read_state,
    analyze_chunk,
    default_errors_path,
    discover,
    plan,
    run_bulk,
    work_dir_for,
)
from cdpdesk.bulk.synth import synth_cases

TODAY = date(2026, 11, 28)

BAD_LINES = {
    7: b"{not json\n",
    8: b"\n",
    40: b'{"format": "cdpdesk.case/1", "periods": [], "events": [], "colour": "red"}\n',
    41: b"   \n",
    333: b'{"format": "cdpdesk.case/2"}\n',
}


def case_lines(count: int, seed: int = 4383) -> list[bytes]:
    lines = [orjson.dumps(c) + b"\n" for c in synth_cases(count, seed)]
    for number, bad in sorted(BAD_LINES.items()):
        if number <= len(lines):
            lines.insert(number - 1, bad)
    # a case without as_of takes the default one; the last line has no newline
    example = json.loads((ROOT / "examples" / "withdrawal-cdp.json").read_text())
    example.pop("as_of", None)
    lines.append(orjson.dumps(example) + b"\n")
    lines.append(lines[0].rstrip(b"\n"))
    return lines


def reference(lines: list[bytes], as_of: date = TODAY, force: bool = False) -> bytes:
    sink = io.BytesIO()
    run_jsonl(io.BytesIO(b"".join(lines)), sink, as_of, force)
    return sink.getvalue()


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    return case_lines(900)


@pytest.fixture(scope="module")
def expected(lines: list[bytes]) -> bytes:
    return reference(lines)


def write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(lines))
    return path


class Recorder:
    def __init__(self, stop_after: int | None = None) -> None:
        self.total = self.done = self.advanced = self.calls = 0
        self.stop_after = stop_after

    def start(self, total: int, done: int) -> None:
        self.total, self.done = total, done

    def advance(self, cases: int) -> None:
        self.advanced += cases
        self.calls += 1
        if self.stop_after is not None and self.calls >= self.stop_after:
            raise KeyboardInterrupt


def test_plan_cuts_at_newlines_and_counts_a_last_line_without_one(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", [b"a\n", b"b\n", b"\n", b"c\n", b"d"])
    chunks = plan(discover(src), chunk_lines=2)
    assert [(c.first, c.count) for c in chunks] == [(1, 2), (3, 2), (5, 1)]
    data = src.read_bytes()
    assert [data[c.offset : c.offset + c.length] for c in chunks] == [b"a\nb\n", b"\nc\n", b"d"]
    assert plan(discover(write(tmp_path / "empty.jsonl", [])), 2) == []


def test_analyze_chunk_is_the_line_contract(lines: list[bytes], expected: bytes) -> None:
    result = analyze_chunk(b"".join(lines), 1, "in.jsonl", 1, TODAY)
    assert result.out == expected
    assert result.cases == len(lines)
    assert result.bad == len(BAD_LINES)


def test_pool_run_is_line_for_line_analyze_jsonl(tmp_path: Path, lines: list[bytes], expected: bytes) -> None:
    src = write(tmp_path / "cases.jsonl", lines)
    out = tmp_path / "analyses.jsonl"
    bar = Recorder()
    stats = run_bulk(src, out, default_as_of=TODAY, workers=2, chunk_lines=97, progress=bar)
    assert out.read_bytes() == expected
    assert (stats.cases, stats.errors, stats.analysed) == (len(lines), len(BAD_LINES), len(lines))
    assert bar.total == bar.advanced == len(lines)
    assert not work_dir_for(out).exists()
    # the error file: every bad line, its line number and its reason
    errors = [json.loads(x) for x in default_errors_path(out).read_bytes().splitlines()]
    assert [e["line"] for e in errors] == sorted(BAD_LINES)
    assert all(e["source"] == "cases.jsonl" and e["source_line"] == e["line"] for e in errors)
    assert all(e["format"] == "cdpdesk.error/1" and e["errors"][0]["message"] for e in errors)
    assert "empty line" in errors[1]["errors"][0]["message"]
    assert errors[2]["errors"][0]["field"] == "colour"
    # OUT keeps the error record in its line
    out_lines = out.read_bytes().splitlines()
    assert json.loads(out_lines[6]) == {
        k: v for k, v in errors[0].items() if k not in ("source", "source_line")
    }


def test_forced_as_of_and_errors_path(tmp_path: Path, lines: list[bytes]) -> None:
    src = write(tmp_path / "cases.jsonl", lines[:60])
    out = tmp_path / "a.jsonl"
    errors = tmp_path / "elsewhere" / "bad.jsonl"
    errors.parent.mkdir()
    stats = run_bulk(
        src,
        out,
        default_as_of=date(2030, 1, 2),
        force_as_of=True,
        workers=1,
        chunk_lines=25,
        errors_path=errors,
    )
    assert out.read_bytes() == reference(lines[:60], date(2030, 1, 2), True)
    assert stats.errors == len(errors.read_bytes().splitlines()) >= 4


def test_interrupted_run_resumes_without_redoing_chunks(
    tmp_path: Path, lines: list[bytes], expected: bytes
) -> None:
    src = write(tmp_path / "cases.jsonl", lines)
    out = tmp_path / "analyses.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_bulk(src, out, default_as_of=TODAY, workers=1, chunk_lines=100, progress=Recorder(stop_after=3))
    assert not out.exists()
    work = work_dir_for(out)
    assert (work / "manifest.json").exists() and (work / "state.json").exists()
    # a crash in the middle of an append leaves junk after the saved state: it is cut off
    with (work / "out.partial").open("ab") as fh:
        fh.write(b'{"half a line')
    bar = Recorder()
    notices: list[str] = []
    stats = run_bulk(
        src, out, default_as_of=TODAY, workers=1, chunk_lines=100, progress=bar, notice=notices.append
    )
    assert out.read_bytes() == expected
    assert stats.resumed_chunks >= 3
    assert bar.done >= 300 and bar.done + bar.advanced == len(lines) == bar.total
    assert stats.analysed == bar.advanced < len(lines)
    assert stats.errors == len(BAD_LINES)
    assert any("resuming" in n for n in notices)
    assert not work.exists()


def test_chunks_go_in_in_order_and_early_ones_are_parked(tmp_path: Path) -> None:
    work = tmp_path / "out.jsonl.parts"
    run = _open_work(work, {"format": "test"}, False, lambda message: None, 3).run
    out = [[b"zero\n"], [b"one\n", b"one more\n"], [b"two\n"]]
    errors = [b"", b'{"e":1}\n{"e":2}\n', b'{"e":3}\n']

    def partial() -> tuple[bytes, bytes]:
        return (work / "out.partial").read_bytes(), (work / "errors.partial").read_bytes()

    # chunk 1 finishes first: it is parked, nothing is appended yet
    _deliver(work, run, 1, out[1], errors[1], 2)
    assert _parked(work, run) == {1}
    assert partial() == (b"", b"")
    assert _read_state(work).next == 0
    # chunk 0: appended, and the parked chunk 1 after it; the part is gone
    _deliver(work, run, 0, out[0], errors[0], 0)
    assert partial() == (b"zero\none\none more\n", errors[1])
    assert _parked(work, run) == set()
    state = _read_state(work)
    assert (state.next, state.out_bytes, state.err_bytes, state.errors) == (2, 18, len(errors[1]), 2)
    # a chunk already in, or one of another run (a stray worker), changes nothing
    _deliver(work, run, 1, [b"again\n"], b"", 0)
    _deliver(work, "another-run", 2, [b"stray\n"], b"", 0)
    assert partial() == (b"zero\none\none more\n", errors[1])
    assert _parked(work, run) == set() and _read_state(work).next == 2
    _deliver(work, run, 2, out[2], errors[2], 1)
    assert partial() == (b"zero\none\none more\ntwo\n", errors[1] + errors[2])
    assert _read_state(work).errors == 3


def test_resume_cuts_the_partial_file_back_and_takes_parked_chunks(
    tmp_path: Path, lines: list[bytes], expected: bytes
) -> None:
    src = write(tmp_path / "cases.jsonl", lines)
    out = tmp_path / "analyses.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_bulk(src, out, default_as_of=TODAY, workers=1, chunk_lines=100, progress=Recorder(stop_after=2))
    work = work_dir_for(out)
    state = _read_state(work)
    chunks = plan(discover(src), 100)
    assert len(chunks) == 10 and 2 <= state.next <= 4  # the chunks in flight finished too
    assert (work / "out.partial").read_bytes() == expected[: state.out_bytes]
    # a worker finished the chunk after the next one early and parked it
    early = chunks[state.next + 1]
    data = src.read_bytes()[early.offset : early.offset + early.length]
    result = analyze_chunk(data, early.first, "cases.jsonl", early.source_first, TODAY)
    _deliver(work, state.run, early.index, [result.out], result.errors, result.bad)
    assert _parked(work, state.run) == {early.index}
    # an append cut short by a crash leaves bytes after the saved state: they are cut off
    with (work / "out.partial").open("ab") as fh:
        fh.write(b'{"half a line')
    with (work / "errors.partial").open("ab") as fh:
        fh.write(b'{"half an error')
    bar = Recorder()
    stats = run_bulk(src, out, default_as_of=TODAY, workers=2, chunk_lines=100, progress=bar)
    assert out.read_bytes() == expected
    redone = [c for c in chunks if c.index >= state.next and c.index != early.index]
    assert stats.resumed_chunks == state.next + 1
    assert stats.analysed == bar.advanced == sum(c.count for c in redone)
    assert bar.done == len(lines) - stats.analysed
    errors = [json.loads(x) for x in default_errors_path(out).read_bytes().splitlines()]
    assert [e["line"] for e in errors] == sorted(BAD_LINES) and stats.errors == len(BAD_LINES)
    assert not work.exists()


def test_cli_run_killed_with_sigkill_resumes_to_the_same_bytes(tmp_path: Path, lines: list[bytes]) -> None:
    many = lines[:-1] * 10 + lines[-1:]  # the last line keeps having no newline
    src = write(tmp_path / "cases.jsonl", many)
    args = ["bulk", "analyze", "cases.jsonl", "out.jsonl", "--workers", "2", "--chunk-lines", "50"]
    args += ["--as-of", TODAY.isoformat()]  # the same date on both runs, whatever the clock says
    work = work_dir_for(tmp_path / "out.jsonl")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cdpdesk", *args, "--no-progress"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the pool's processes die with it
    )
    deadline = time.monotonic() + 120
    done = 0
    while done < 5 and proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError, KeyError):  # not there yet, or being replaced
            done = _read_state(work).next
        time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (tmp_path / "out.jsonl").exists()
    state = _read_state(work)
    assert 5 <= state.next < len(plan(discover(src), 50))
    res = cdpdesk(*args, "--no-progress", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert b"chunks resumed" in res.stdout
    expected = reference(many, TODAY, force=True)
    assert (tmp_path / "out.jsonl").read_bytes() == expected
    # the error file: each error record of OUT, in order, once
    records = [json.loads(x) for x in expected.splitlines()]
    bad = [(n, r) for n, r in enumerate(records, 1) if r.get("format") == "cdpdesk.error/1"]
    errors = [json.loads(x) for x in (tmp_path / "out.errors.jsonl").read_bytes().splitlines()]
    assert len(bad) >= 10 * len(BAD_LINES)
    assert [(e["line"], e["errors"]) for e in errors] == [(n, r["errors"]) for n, r in bad]
    assert not work.exists()


def test_changed_input_is_not_resumed(tmp_path: Path, lines: list[bytes]) -> None:
    src = write(tmp_path / "cases.jsonl", lines[:400])
    out = tmp_path / "analyses.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_bulk(src, out, default_as_of=TODAY, workers=1, chunk_lines=50, progress=Recorder(stop_after=2))
    write(src, lines[:410])
    notices: list[str] = []
    stats = run_bulk(src, out, default_as_of=TODAY, workers=1, chunk_lines=50, notice=notices.append)
    assert stats.resumed_chunks == 0 and stats.analysed == 410
    assert any("input changed" in n for n in notices)
    assert out.read_bytes() == reference(lines[:410])


def test_folder_of_jsonl_and_parquet_parts(tmp_path: Path, lines: list[bytes]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    good = [orjson.dumps(c) + b"\n" for c in synth_cases(300, seed=7)]
    folder = tmp_path / "parts"
    folder.mkdir()
    write(folder / "a.jsonl", good[:100])
    # b: one `case` text column, with one bad row (row 5)
    texts = [x.decode().rstrip("\n") for x in good[100:200]]
    texts[4] = '{"format": "cdpdesk.case/1"'
    pq.write_table(pa.table({"case": texts}), folder / "b.parquet", row_group_size=30)
    # c: one row per case with the case's fields as columns
    rows = [orjson.loads(x) for x in good[200:]]
    pq.write_table(pa.Table.from_pylist(rows), folder / "c.parquet", row_group_size=40)
    (folder / "notes.txt").write_text("ignored")
    out = tmp_path / "out.jsonl"
    stats = run_bulk(folder, out, default_as_of=TODAY, workers=2, chunk_lines=35)
    flat = good[:100] + [t.encode() + b"\n" for t in texts] + good[200:]
    assert out.read_bytes() == reference(flat)
    assert stats.cases == 300 and stats.errors == 1
    (err,) = [json.loads(x) for x in default_errors_path(out).read_bytes().splitlines()]
    assert (err["line"], err["source"], err["source_line"]) == (105, "b.parquet", 5)


def test_bad_inputs_are_clear(tmp_path: Path) -> None:
    with pytest.raises(BulkInputError, match="no such file"):
        run_bulk(tmp_path / "nope.jsonl", tmp_path / "o.jsonl", default_as_of=TODAY)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BulkInputError, match="no \\*.jsonl or \\*.parquet"):
        run_bulk(tmp_path / "empty", tmp_path / "o.jsonl", default_as_of=TODAY)
    src = write(tmp_path / "x.jsonl", [b"{}\n"])
    with pytest.raises(BulkInputError, match="overwrite the input"):
        run_bulk(src, src, default_as_of=TODAY)
    (tmp_path / "p.parquet").write_bytes(b"not parquet")
    with pytest.raises(BulkInputError, match="not a readable Parquet file"):
        run_bulk(tmp_path / "p.parquet", tmp_path / "o.jsonl", default_as_of=TODAY)


def cdpdesk(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "cdpdesk", *args], capture_output=True, cwd=cwd, timeout=300)


def test_cli_pool_and_dask_local_give_the_same_bytes_as_analyze_jsonl(
    tmp_path: Path, lines: list[bytes]
) -> None:
    write(tmp_path / "cases.jsonl", lines[:500])
    ref = cdpdesk("analyze", "--jsonl", "cases.jsonl", cwd=tmp_path)
    assert ref.returncode == 0
    pool = cdpdesk(
        "bulk", "analyze", "cases.jsonl", "pool.jsonl", "--workers", "2", "--chunk-lines", "60", cwd=tmp_path
    )
    assert pool.returncode == 0, pool.stderr
    assert b"cases 500  errors 5" in pool.stdout
    assert (tmp_path / "pool.jsonl").read_bytes() == ref.stdout
    dask = cdpdesk(
        "bulk", "analyze", "cases.jsonl", "dask.jsonl", "--dask", "local", "--workers", "2",
        "--chunk-lines", "60", "--no-progress", cwd=tmp_path,
    )  # fmt: skip
    assert dask.returncode == 0, dask.stderr
    assert b"on dask local" in dask.stdout
    assert (tmp_path / "dask.jsonl").read_bytes() == ref.stdout
    assert (tmp_path / "dask.errors.jsonl").read_bytes() == (tmp_path / "pool.errors.jsonl").read_bytes()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["missing.jsonl", "o.jsonl"], "missing.jsonl: no such file or folder"),
        (["in.jsonl", "o.jsonl", "--workers", "0"], "--workers: must be at least 1"),
        (["in.jsonl", "-"], "not '-'"),
        (["in.jsonl", "o.jsonl", "--as-of", "2024-02-30"], "--as-of: '2024-02-30' is not a valid date"),
        (["in.jsonl", "nodir/o.jsonl"], "does not exist"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(tmp_path: Path, args: list[str], fragment: str) -> None:
    write(tmp_path / "in.jsonl", [b"{}\n"])
    res = cdpdesk("bulk", "analyze", *args, "--no-progress", cwd=tmp_path)
    assert res.returncode == 2
    err = res.stderr.decode()
    assert err.startswith("cdpdesk: error: ") and fragment in err and err.count("\n") == 1


def test_cli_synth_writes_the_fixed_seed_cases(tmp_path: Path) -> None:
    res = cdpdesk("bulk", "synth", "25", "s.jsonl", "--seed", "11", "--no-progress", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "s.jsonl").read_bytes() == b"".join(
        orjson.dumps(c) + b"\n" for c in synth_cases(25, 11)
    )
