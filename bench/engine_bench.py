"""`make bench`: whole-process throughput of `cdpdesk analyze --jsonl` on one core.

Generates a fixed-seed synthetic caseload (cdpdesk.bulk.synth), runs the real command
pinned to one CPU, and writes the figures and the machine to docs/benchmarks.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
from benchdoc import cpu_model, write_section

from cdpdesk import __version__
from cdpdesk.bulk.synth import synth_cases

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DOC = ROOT / "docs" / "benchmarks.md"
COUNT = int(os.environ.get("BENCH_CASES", "100000"))
SEED = 4383
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
START, END = "<!-- engine-bench:start -->", "<!-- engine-bench:end -->"


def pin_one_core() -> None:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    cases = OUT / f"cases-{COUNT}-seed{SEED}.jsonl"
    if not cases.exists():
        print(f"generating {COUNT:,} cases (seed {SEED}) ...", flush=True)
        tmp = cases.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            for case in synth_cases(COUNT, SEED):
                fh.write(orjson.dumps(case) + b"\n")
        tmp.rename(cases)
    size = cases.stat().st_size
    cmd = [str(Path(sys.executable).parent / "cdpdesk"), "analyze", "--jsonl", str(cases)]
    times: list[float] = []
    out_bytes = 0
    for run in range(RUNS):
        with (OUT / "analyses.jsonl").open("wb") as sink:
            t0 = time.perf_counter()
            subprocess.run(cmd, stdout=sink, check=True, preexec_fn=pin_one_core)
            times.append(time.perf_counter() - t0)
        out_bytes = (OUT / "analyses.jsonl").stat().st_size
        print(f"run {run + 1}: {COUNT / times[-1]:,.0f} cases/s ({times[-1]:.2f} s)", flush=True)
    lines = (OUT / "analyses.jsonl").read_bytes().splitlines()
    errors = sum(1 for line in lines if b'"cdpdesk.error/1"' in line[:40])
    assert len(lines) == COUNT, f"expected {COUNT} output lines, got {len(lines)}"

    # The cost of the JSON work alone (parse and dump each case), in this process, for scale.
    raw = cases.read_bytes().splitlines()
    t0 = time.perf_counter()
    for line in raw:
        orjson.dumps(orjson.loads(line))
    json_only = len(raw) / (time.perf_counter() - t0)

    best, median = min(times), statistics.median(times)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = f"""{START}
## Engine: `cdpdesk analyze --jsonl` on one core

Measured {now} by `make bench` (bench/engine_bench.py), cdpdesk {__version__}.

| what | figure |
|---|---|
| cases | {COUNT:,} synthetic (seed {SEED}; {size / COUNT:,.0f} bytes each on average; {errors} error lines) |
| output | full `cdpdesk.analysis/1` with every `why`, {out_bytes / COUNT:,.0f} bytes a case |
| whole process, best of {RUNS} | **{COUNT / best:,.0f} cases/s** ({best:.2f} s) |
| whole process, median | {COUNT / median:,.0f} cases/s ({median:.2f} s) |
| JSON parse + dump alone (orjson, in process) | {json_only:,.0f} cases/s |
| target (issue 2) | 10,000 cases/s |

Machine: {cpu_model()}, pinned to 1 of {os.cpu_count()} cores; Python {platform.python_version()}
on {platform.system()} {platform.release()}.

Command: `taskset`-style pinning of
`cdpdesk analyze --jsonl bench/out/cases-{COUNT}-seed{SEED}.jsonl > bench/out/analyses.jsonl`.
The time includes interpreter start-up, imports, reading, validation, analysis and writing.
{END}"""
    write_section(START, END, block, DOC)
    print(f"best {COUNT / best:,.0f} cases/s; written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
