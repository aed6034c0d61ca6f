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


STAGE_SAMPLE = 20_000


def stage_costs(raw: list[bytes], passes: int = 3) -> dict[str, float]:
    """CPU microseconds a case for each stage of `analyze --jsonl`, measured around each call
    (best pass); the first pass also warms the engine's caches, as a long run has them."""
    from cdpdesk.bulk.lines import quiet_gc
    from cdpdesk.contract import load_case
    from cdpdesk.engine import analyze

    quiet_gc()
    clock = time.process_time
    best = dict.fromkeys(("json_only", "validate", "analyse", "json_out", "reload_out"), float("inf"))
    for _ in range(passes):
        spent = dict.fromkeys(best, 0.0)
        t0 = clock()
        for line in raw:
            orjson.dumps(orjson.loads(line))
        spent["json_only"] = clock() - t0
        for line in raw:
            t0 = clock()
            case = load_case(line)
            t1 = clock()
            analysis = analyze(case, case.as_of)
            t2 = clock()
            text = orjson.dumps(analysis)
            t3 = clock()
            orjson.loads(text)
            t4 = clock()
            spent["validate"] += t1 - t0
            spent["analyse"] += t2 - t1
            spent["json_out"] += t3 - t2
            spent["reload_out"] += t4 - t3
        for k, v in spent.items():
            best[k] = min(best[k], 1e6 * v / len(raw))
    return best


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

    raw = cases.read_bytes().splitlines()
    pin_one_core()
    cost = stage_costs(raw[:STAGE_SAMPLE])
    json_only = 1e6 / cost["json_only"]
    budget = 4 * cost["json_only"]  # a quarter of the JSON-only throughput, as time per case
    fixed = cost["validate"] + cost["json_out"]

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

Where one case's time goes, in microseconds of CPU time, in one process pinned to one core,
over the first {min(COUNT, STAGE_SAMPLE):,} cases after the engine's caches are warm (each stage timed
around its own call, best of 3 passes):

| stage | µs a case |
|---|---:|
| JSON only: orjson load + dump of the case record (the issue 5 yardstick) | {cost["json_only"]:.1f} |
| read and validate the case (`CaseFile.model_validate_json`: pydantic parses and checks it in Rust) | {cost["validate"]:.1f} |
| analyse it (`analyze`: every rule, date and `why`, built as Python objects) | {cost["analyse"]:.1f} |
| write the analysis (`orjson.dumps`, {out_bytes / COUNT:,.0f} bytes) | {cost["json_out"]:.1f} |
| all three | {cost["validate"] + cost["analyse"] + cost["json_out"]:.1f} |
| for scale: orjson load + dump of the analysis record, no engine at all | {cost["reload_out"] + cost["json_out"]:.1f} |

A quarter of the JSON-only throughput (issue 5) leaves {budget:.1f} µs a case for everything.
Reading and validating a case and writing its analysis take {fixed:.1f} µs together, before any
rule runs: {"more than" if fixed > budget else "within"} that budget. A JSON round trip of the
analysis record alone ({out_bytes / COUNT:,.0f} bytes with every `why`, against a {size / COUNT:,.0f}-byte case)
takes {cost["reload_out"] + cost["json_out"]:.1f} µs: {"more than" if cost["reload_out"] + cost["json_out"] > budget else "within"} the budget.

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
