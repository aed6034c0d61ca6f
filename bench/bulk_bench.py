"""`make bench`: whole-process throughput and peak memory of `cdpdesk bulk analyze`.

For fixed-seed synthetic caseloads of 10^4, 10^5 and 10^6 cases (BULK_BENCH_SIZES), runs the
real command with 1 worker, 2 workers and on a Dask LocalCluster of 2 workers; samples the
whole process tree (the command, its pool or Dask workers) for peak memory and CPU time;
checks that the three outputs are byte-identical; measures the JSON work alone (orjson load
and dump of the same records) for scale; writes everything to docs/benchmarks.md between
the bulk-bench markers.
"""

from __future__ import annotations

import hashlib
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
import psutil
from benchdoc import cpu_model, write_section

from cdpdesk import __version__
from cdpdesk.bulk.synth import synth_cases

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DOC = ROOT / "docs" / "benchmarks.md"
SEED = 4383
SIZES = [int(x) for x in os.environ.get("BULK_BENCH_SIZES", "10000,100000,1000000").split(",")]
JSON_SAMPLE = 100_000
START, END = "<!-- bulk-bench:start -->", "<!-- bulk-bench:end -->"
CDPDESK = str(Path(sys.executable).parent / "cdpdesk")
MODES: list[tuple[str, list[str]]] = [
    ("1 worker", ["--workers", "1"]),
    ("2 workers", ["--workers", "2"]),
    ("dask local, 2 workers", ["--dask", "local", "--workers", "2"]),
]


@dataclass
class Run:
    size: int
    mode: str
    seconds: float
    peak_tree_mb: float
    peak_first_half_mb: float
    peak_process_mb: float
    cpu_seconds: float
    others: float  # CPU used by other processes during the run, in cores
    digest: str

    @property
    def rate(self) -> float:
        return self.size / self.seconds

    @property
    def per_cpu(self) -> float:
        return self.size / self.cpu_seconds if self.cpu_seconds else 0.0


def cases_file(count: int) -> Path:
    path = OUT / f"cases-{count}-seed{SEED}.jsonl"
    if not path.exists():
        print(f"generating {count:,} cases (seed {SEED}) ...", flush=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            batch: list[bytes] = []
            for case in synth_cases(count, SEED):
                batch.append(orjson.dumps(case) + b"\n")
                if len(batch) == 4096:
                    fh.write(b"".join(batch))
                    batch.clear()
            fh.write(b"".join(batch))
        tmp.rename(path)
    return path


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 24):
            h.update(block)
    return h.hexdigest()


def busy_cpu_seconds() -> float:
    t = psutil.cpu_times()
    return float(
        sum(t) - t.idle - getattr(t, "iowait", 0.0) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)
    )


@dataclass
class Sample:
    seconds: float
    peak_tree_mb: float
    peak_first_half_mb: float
    peak_process_mb: float
    cpu_seconds: float
    others: float


def measure(cmd: list[str]) -> Sample:
    """Run cmd; sample its process tree every 50 ms: peak summed RSS (over the whole run and
    over its first half), peak single-process RSS, CPU seconds of the tree (last sample of
    each process; the last <50 ms of a process can be missed), and the CPU that other
    processes used meanwhile (whole machine busy time minus the tree's), in cores."""
    busy0 = busy_cpu_seconds()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    root = psutil.Process(proc.pid)
    peak_tree = peak_one = 0
    series: list[tuple[float, int]] = []
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        total = 0
        for p in tree:
            try:
                with p.oneshot():
                    rss = p.memory_info().rss
                    t = p.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += rss
            peak_one = max(peak_one, rss)
            cpu[p.pid] = t.user + t.system
        peak_tree = max(peak_tree, total)
        series.append((time.perf_counter() - t0, total))
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    others = max(0.0, busy_cpu_seconds() - busy0 - sum(cpu.values())) / seconds
    if proc.wait() != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    first_half = max((rss for t, rss in series if t <= seconds / 2), default=0)
    mb = 2**20
    return Sample(seconds, peak_tree / mb, first_half / mb, peak_one / mb, sum(cpu.values()), others)


def json_only(path: Path, analyses: Path | None) -> tuple[int, float, float | None]:
    """orjson load + dump of the same case records; and load of each case + dump of its
    analysis (the JSON the whole job cannot avoid): cases per CPU-second of this process
    (single-threaded, so other work on the machine does not change it)."""
    raw: list[bytes] = []
    with path.open("rb") as fh:
        for line in fh:
            raw.append(line)
            if len(raw) == JSON_SAMPLE:
                break
    best = 0.0
    for _ in range(3):
        t0 = time.process_time()
        for line in raw:
            orjson.dumps(orjson.loads(line))
        best = max(best, len(raw) / (time.process_time() - t0))
    job: float | None = None
    if analyses is not None:
        outs = []
        with analyses.open("rb") as fh:
            for line in fh:
                outs.append(orjson.loads(line))
                if len(outs) == len(raw):
                    break
        job = 0.0
        for _ in range(3):
            t0 = time.process_time()
            for line, obj in zip(raw, outs, strict=True):
                orjson.loads(line)
                orjson.dumps(obj)
            job = max(job, len(raw) / (time.process_time() - t0))
    return len(raw), best, job


PAIRS = int(os.environ.get("BULK_BENCH_PAIRS", "4"))
PAIR_SIZE = 300_000  # large enough that start-up (about 0.5 s) is a few per cent


def run_mode(cases: Path, out: Path, args: list[str]) -> Sample:
    """One measured `cdpdesk bulk analyze` run. It starts with no OUT: on ext4, renaming over
    an existing file forces the new one to disk at once, which would charge a later run for
    a flush that an earlier one did not pay."""
    out.unlink(missing_ok=True)
    return measure([CDPDESK, "bulk", "analyze", str(cases), str(out), "--no-progress", "--fresh", *args])


def measure_pairs(size: int = PAIR_SIZE, pairs: int = PAIRS) -> list[tuple[float, float]]:
    """1 worker, then 2, ``pairs`` times over: (seconds with 1, seconds with 2) each time. The
    speed of this virtual machine drifts by several per cent from minute to minute, so a
    ratio is taken between runs a few seconds apart, and the median of the pairs reported."""
    cases = cases_file(size)
    out = OUT / f"bulk-pair-{size}.jsonl"
    found: list[tuple[float, float]] = []
    for k in range(pairs):
        seconds = []
        for _, args in MODES[:2]:  # 1 worker, then 2
            seconds.append(run_mode(cases, out, args).seconds)
        found.append((seconds[0], seconds[1]))
        print(
            f"pair {k + 1}: {seconds[0]:.2f} s / {seconds[1]:.2f} s = {seconds[0] / seconds[1]:.2f}x",
            flush=True,
        )
    out.unlink(missing_ok=True)
    (OUT / f"bulk-pair-{size}.errors.jsonl").unlink(missing_ok=True)
    return found


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    saved = OUT / "bulk-bench-runs.json"
    kept: Path | None = None
    if os.environ.get("BULK_BENCH_REUSE") and saved.exists():
        # Rewrite the document from the last runs (and redo the JSON-only figures).
        data = orjson.loads(saved.read_bytes())
        runs = [Run(**r) for r in data["runs"]]
        measured = data["measured"]
        # Pairs measured at another size, or not at all yet, are measured now.
        if data.get("pair_size") == PAIR_SIZE and data.get("pairs"):
            pairs = [(a, b) for a, b in data["pairs"]]
        else:
            pairs = measure_pairs()
            data.update(pairs=pairs, pair_size=PAIR_SIZE)
            saved.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    else:
        runs = measure_all()
        pairs = measure_pairs()
        measured = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        saved.write_bytes(
            orjson.dumps(
                {
                    "measured": measured,
                    "runs": [r.__dict__ for r in runs],
                    "pairs": pairs,
                    "pair_size": PAIR_SIZE,
                },
                option=orjson.OPT_INDENT_2,
            )
        )
    kept = next(OUT.glob("bulk-analyses-*.jsonl"), None)
    sizes = sorted({r.size for r in runs})
    sample = cases_file(min(sizes, key=lambda s: abs(s - JSON_SAMPLE)))
    records, json_rate, job_rate = json_only(sample, kept)
    write_doc(runs, pairs, json_rate, job_rate, sample, records, measured)


def measure_all() -> list[Run]:
    runs: list[Run] = []
    for old in OUT.glob("bulk-analyses-*.jsonl"):
        old.unlink()
    for size in SIZES:
        cases = cases_file(size)
        digests = set()
        for mode, args in MODES:
            out = OUT / f"bulk-{size}.jsonl"
            m = run_mode(cases, out, args)
            digest = sha256(out)
            digests.add(digest)
            run = Run(
                size,
                mode,
                m.seconds,
                m.peak_tree_mb,
                m.peak_first_half_mb,
                m.peak_process_mb,
                m.cpu_seconds,
                m.others,
                digest,
            )
            runs.append(run)
            print(
                f"{size:>9,} {mode:<22} {run.rate:>8,.0f} cases/s  {m.seconds:7.2f} s  "
                f"peak {m.peak_tree_mb:6.0f} MB tree ({m.peak_first_half_mb:6.0f} in the first half) / "
                f"{m.peak_process_mb:5.0f} MB largest  cpu {m.cpu_seconds:7.1f} s  others {m.others:.2f} cores",
                flush=True,
            )
        if len(digests) != 1:
            raise SystemExit(f"outputs differ between modes at {size:,} cases")
        if size == min(SIZES, key=lambda s: abs(s - JSON_SAMPLE)):
            (OUT / f"bulk-{size}.jsonl").replace(OUT / f"bulk-analyses-{size}.jsonl")
        else:
            (OUT / f"bulk-{size}.jsonl").unlink()
        (OUT / f"bulk-{size}.errors.jsonl").unlink(missing_ok=True)
    return runs


def write_doc(
    runs: list[Run],
    pairs: list[tuple[float, float]],
    json_rate: float,
    job_rate: float | None,
    sample: Path,
    records: int,
    now: str,
) -> None:
    sizes = sorted({r.size for r in runs})
    by = {(r.size, r.mode): r for r in runs}
    rows = [
        f"| {r.size:,} | {r.mode} | **{r.rate:,.0f}** | {r.seconds:.1f} | {r.per_cpu:,.0f} | "
        f"{r.peak_tree_mb:,.0f} | {r.peak_first_half_mb:,.0f} | {r.peak_process_mb:,.0f} | {r.others:.2f} |"
        for r in runs
    ]
    big = max(sizes)
    one, two, dask = (by[(big, m)] for m, _ in MODES)
    engine = max(by[(s, "1 worker")].rate for s in sizes)
    # Other people's work on the machine lowers the wall-clock figure; CPU time does not see it.
    engine_cpu = max(by[(s, "1 worker")].per_cpu for s in sizes)
    ratio = engine_cpu / json_rate
    speedup = two.rate / one.rate
    cpu_speedup = 2 * two.per_cpu / one.per_cpu if one.per_cpu else 0.0
    busy = max(one.others, two.others)
    growth = max(r.peak_tree_mb / r.peak_first_half_mb for r in (one, two) if r.peak_first_half_mb)
    flat = growth <= 1.10
    ratios = sorted(a / b for a, b in pairs)
    pair_median = statistics.median(ratios) if ratios else speedup
    if busy > 0.25:
        speed_verdict = (
            f"not measurable here: other processes used up to {busy:.2f} of the 2 cores during these runs"
        )
    else:
        speed_verdict = "yes" if pair_median >= 1.8 else "no"
    pair_text = (
        f"median {pair_median:.2f}x over {len(pairs)} pairs of runs at {PAIR_SIZE:,} cases, 1 worker "
        f"then 2 ({', '.join(f'{r:.2f}' for r in ratios)}); at {big:,} cases, "
        if pairs
        else ""
    )
    by_size_mb = " / ".join(f"{by[(n, '2 workers')].peak_tree_mb:,.0f}" for n in sizes)
    size_list = " / ".join(f"{n:,}" for n in sizes)
    efficiency = two.per_cpu / one.per_cpu if one.per_cpu else 0.0
    job_line = (
        f"| JSON the job cannot avoid: load each case, dump its analysis (orjson) | {job_rate:,.0f} cases per CPU-second |\n"
        if job_rate
        else ""
    )
    block = f"""{START}
## Bulk: `cdpdesk bulk analyze` on all cores and on Dask

Measured {now} by `make bench` (bench/bulk_bench.py), cdpdesk {__version__}.
Machine: {cpu_model()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB;
Python {platform.python_version()} on {platform.system()} {platform.release()}.

Commands (the bench checks that the three modes write byte-identical outputs at each size,
by SHA-256, and stops if they differ):

```sh
cdpdesk bulk synth N bench/out/cases-N-seed{SEED}.jsonl            # once per size
cdpdesk bulk analyze bench/out/cases-N-seed{SEED}.jsonl bench/out/bulk-N.jsonl --no-progress --fresh --workers 1
cdpdesk bulk analyze ... --workers 2
cdpdesk bulk analyze ... --dask local --workers 2
```

Whole process: start-up, imports, planning, reading, analysis, writing OUT once
(the full `cdpdesk.analysis/1` with every `why`, about 6 kB a case) and, for Dask, starting
the LocalCluster. Peak RSS is the largest sum over the whole process tree (the command, the
fork server and pool workers, or the Dask scheduler, nannies and workers), sampled every
50 ms; "first half" is the same peak over the first half of the run only; "largest process"
is the biggest single process. "CPU-second" counts the tree's user+system time. "others" is
the CPU that other processes on the machine used during the run, in cores (0 = the machine
was ours; 2 = someone else used both cores).

| cases | mode | cases/s | seconds | cases per CPU-second | peak RSS, tree (MB) | first half (MB) | largest process (MB) | others (cores) |
|---:|---|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

The JSON work alone, in one process, on the first {records:,} records of `{sample.name}` (best of 3,
per CPU-second of that process):

| what | figure |
|---|---|
| JSON only: orjson load + dump of the same case records | {json_rate:,.0f} cases per CPU-second |
{job_line}| engine, 1 worker, whole process (best size above) | {engine:,.0f} cases/s wall clock; {engine_cpu:,.0f} cases per CPU-second |
| engine (per CPU-second) / JSON only | {ratio:.3f} |

Targets (issue "Bulk analysis at scale"), on the {big:,}-case rows (the speed-up also from the
alternating pairs):

| target | figure | met? |
|---|---|---|
| memory flat in the number of cases | peak tree RSS over the whole run vs its first half: at most {growth:.2f}x (1 and 2 workers); by size, 2 workers: {by_size_mb} MB at {size_list} cases | {"yes" if flat else "no"} |
| near-linear speed-up from 1 to 2 workers | {pair_text}{speedup:.2f}x wall clock ({one.rate:,.0f} to {two.rate:,.0f} cases/s); from CPU time, 2 workers do {efficiency:.2f} of the work per CPU-second of 1 worker, so {cpu_speedup:.2f}x on two idle cores; Dask local {dask.rate:,.0f} cases/s | {speed_verdict} |
| engine at least a quarter of the JSON-only throughput | {ratio:.3f} (needs 0.25) | {"yes" if ratio >= 0.25 else "no"} |

Reading the figures:

- Nothing in the runner grows with the input: it streams chunks of 5,000 cases, and at most
  two chunks per worker are in flight. A worker's RSS rises over its first hundred thousand
  cases or so while the engine's own memo caches (`functools.lru_cache` with a bounded size,
  and the calendar's per-date tables) fill up, then stays put; so the peaks at 10^4 sit
  below the plateau, and the flatness check compares the peak over a whole 10^6 run with the
  peak over its first half.
- The engine's one-core throughput is bounded by the engine itself (validation of each
  case and the computation of every date with its `why` trail), not by the runner. The
  JSON-only figure is the ceiling for any engine that reads and writes the same records with
  orjson. The engine section above splits one case's time into its stages: reading and
  validating a case and writing its analysis (about 6 kB, against a 720-byte case) already
  cost more than a quarter of the JSON-only throughput allows, before any rule runs; so does
  a JSON round trip of the analysis record alone. On those figures the target is out of
  reach for any engine that validates its input and writes this output, however fast its
  rules.
- From 1 to 2 workers: each worker reads its own chunk of the input and appends its own
  output to OUT when it is next in order, so the parent moves no bytes (about 0.25 s of CPU
  at 10^5 cases, mostly imports) and every output byte is written once (docs/bulk.md). What
  keeps 2 workers from exactly 2x: the fork server's start-up before the first chunk (about
  0.2 s, which shows at the small sizes), the last chunk when one worker has nothing left to
  do, and each worker getting a little less done per CPU-second when both cores are busy
  (the "cases per CPU-second" column: shared caches and memory).
- Dask moves every analysis (about 6 kB) from the worker to the client over loopback TCP,
  and runs a scheduler and nannies besides; on one machine it costs more CPU per case than
  the pool. It is there to go beyond one machine, with identical output.
{END}"""
    write_section(START, END, block, DOC)
    print(f"written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
