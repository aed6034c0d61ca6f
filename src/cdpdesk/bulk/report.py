"""``cdpdesk bulk report``: a roll-up of a bulk run's analyses.

Streams the analyses JSONL (in byte-range chunks, on every core) and counts:

- CSEDs falling in each coming month, counted from a reference date (``--as-of``, or the
  latest ``as_of`` in the run), with how many of them are lower bounds (a suspension still
  open), how many have already passed and how many fall after the window;
- hearings by type and status;
- the cases' stages on the collection road;
- withdrawals waiting for their Letter 4383 acknowledgement, by age (see docs/bulk.md for
  what "waiting" can and cannot mean in a bulk run).

The tallies are plain counters, so chunks are counted apart and added up; memory depends
on the number of distinct dates, not on the number of cases.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from cdpdesk.contract.analysis import HEARING_STATUSES, HEARING_TYPES
from cdpdesk.contract.errors import ERROR_FORMAT
from cdpdesk.extras import needs

ANALYSIS_FORMAT = "cdpdesk.analysis/1"
AGES: tuple[tuple[str, int], ...] = (
    ("0-30 days", 30),
    ("31-60 days", 60),
    ("61-90 days", 90),
    ("91-180 days", 180),
    ("181-365 days", 365),
    ("over a year", 1 << 30),
)
REPORT_CHUNK_LINES = 20_000


class ReportError(ValueError):
    """An analyses file the report cannot read."""


@dataclass
class Tally:
    """Counts over some analyses; two tallies add up."""

    cases: int = 0
    error_records: int = 0
    bad_line: int | None = None  # the first line that is neither an analysis nor an error record
    as_of: Counter[str] = field(default_factory=Counter)
    csed: Counter[tuple[str, bool]] = field(default_factory=Counter)  # (date, lower bound)
    hearings: Counter[tuple[str, str]] = field(default_factory=Counter)
    stages: Counter[str] = field(default_factory=Counter)
    # withdrawals and the hearings they ended: (age bucket, waiting) -> count
    withdrawals: Counter[tuple[int, bool]] = field(default_factory=Counter)
    withdrawn_hearings: Counter[tuple[int, bool]] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.cases += other.cases
        self.error_records += other.error_records
        if other.bad_line is not None and (self.bad_line is None or other.bad_line < self.bad_line):
            self.bad_line = other.bad_line
        self.as_of.update(other.as_of)
        self.csed.update(other.csed)
        self.hearings.update(other.hearings)
        self.stages.update(other.stages)
        self.withdrawals.update(other.withdrawals)
        self.withdrawn_hearings.update(other.withdrawn_hearings)

    def count(self, line: bytes, number: int) -> None:
        if not line.strip():
            self._bad(number)
            return
        try:
            data = orjson.loads(line)
            kind = data.get("format")
        except (orjson.JSONDecodeError, AttributeError):
            self._bad(number)
            return
        if kind == ERROR_FORMAT:
            self.error_records += 1
            return
        if kind != ANALYSIS_FORMAT:
            self._bad(number)
            return
        try:
            self._count_analysis(data)
        except (KeyError, TypeError, ValueError):
            self._bad(number)

    def _bad(self, number: int) -> None:
        if self.bad_line is None:
            self.bad_line = number

    def _count_analysis(self, data: dict[str, Any]) -> None:
        as_of = data["as_of"]
        self.cases += 1
        self.as_of[as_of] += 1
        for a in data["assessments"]:
            self.csed[(a["csed"], bool(a["open"]))] += 1
        stage = data["stage"]["id"]
        self.stages[stage] += 1
        # One withdrawal = one (request, date) among the hearings it ended.
        ended: dict[tuple[str, str], int] = {}
        acknowledged: set[tuple[str, str]] = set()
        for h in data["hearings"]:
            self.hearings[(h["type"], h["status"])] += 1
            if h["status"] == "withdrawn" and h.get("withdrawn"):
                key = (h["request"], h["withdrawn"])
                ended[key] = ended.get(key, 0) + 1
                if h.get("acknowledged"):  # its Letter 4383 is recorded in the case (the desk does)
                    acknowledged.add(key)
        if ended:
            today = date.fromisoformat(as_of)
            for key, hearings in ended.items():
                waiting = stage == "withdrawn" and key not in acknowledged
                age = _age_bucket((today - date.fromisoformat(key[1])).days)
                self.withdrawals[(age, waiting)] += 1
                self.withdrawn_hearings[(age, waiting)] += hearings


def _age_bucket(days: int) -> int:
    for i, (_, upto) in enumerate(AGES):
        if days <= upto:
            return i
    return len(AGES) - 1  # pragma: no cover - the last bound is huge


def _tally_slice(path: str, offset: int, length: int, first: int) -> Tally:
    import io

    tally = Tally()
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read(length)
    for k, line in enumerate(io.BytesIO(data)):
        tally.count(line, first + k)
    return tally


def tally_file(path: Path, workers: int = 1, chunk_lines: int = REPORT_CHUNK_LINES) -> Tally:
    """Count a whole analyses file, in byte-range chunks, on ``workers`` processes."""
    from cdpdesk.bulk.runner import BulkInputError, Source, plan

    try:
        st = path.stat()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not path.is_file():
        raise ReportError(f"{path}: not a file")
    try:
        chunks = plan([Source(path, path.name, "jsonl", st.st_size, st.st_mtime_ns)], chunk_lines)
    except BulkInputError as exc:
        raise ReportError(str(exc)) from exc
    total = Tally()
    jobs = [(str(path), c.offset, c.length, c.first) for c in chunks]
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            total.add(_tally_slice(*job))
        return total
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=ctx) as pool:
        for part in pool.map(_tally_slice, *zip(*jobs, strict=True)):
            total.add(part)
    return total


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Report:
    tally: Tally
    reference: date | None
    months: list[tuple[str, int, int]]  # (YYYY-MM, CSEDs, of which lower bounds)
    passed: int  # CSEDs before the reference date
    later: int  # CSEDs after the window

    @property
    def csed_total(self) -> int:
        return sum(self.tally.csed.values())

    def hearing_rows(self) -> list[tuple[str, list[int]]]:
        types = list(HEARING_TYPES) + sorted({t for t, _ in self.tally.hearings} - set(HEARING_TYPES))
        return [(t, [self.tally.hearings[(t, s)] for s in self.statuses()]) for t in types]

    def statuses(self) -> list[str]:
        extra = sorted({s for _, s in self.tally.hearings} - set(HEARING_STATUSES))
        return list(HEARING_STATUSES) + extra

    def withdrawal_rows(self) -> list[tuple[str, int, int, int]]:
        """(age, withdrawals waiting, the hearings they ended, other withdrawals)."""
        w, h = self.tally.withdrawals, self.tally.withdrawn_hearings
        return [(label, w[(i, True)], h[(i, True)], w[(i, False)]) for i, (label, _) in enumerate(AGES)]

    def to_json(self) -> dict[str, Any]:
        t = self.tally
        return {
            "format": "cdpdesk.bulk-report/1",
            "cases": t.cases,
            "error_records": t.error_records,
            "as_of": {
                "earliest": min(t.as_of) if t.as_of else None,
                "latest": max(t.as_of) if t.as_of else None,
                "reference": self.reference.isoformat() if self.reference else None,
            },
            "csed": {
                "total": self.csed_total,
                "passed": self.passed,
                "by_month": [{"month": m, "csed": n, "lower_bound": lb} for m, n, lb in self.months],
                "later": self.later,
            },
            "hearings": [
                {"type": ty, "status": st, "count": n}
                for ty, counts in self.hearing_rows()
                for st, n in zip(self.statuses(), counts, strict=True)
                if n
            ],
            "stages": dict(sorted(t.stages.items(), key=lambda kv: (-kv[1], kv[0]))),
            "withdrawals_waiting": [
                {"age": age, "waiting": waiting, "hearings": hearings, "other": other}
                for age, waiting, hearings, other in self.withdrawal_rows()
            ],
        }


def build_report(tally: Tally, as_of: date | None = None, months: int = 24) -> Report:
    """Place the counted CSEDs in the ``months`` calendar months from the reference date."""
    reference = as_of or (date.fromisoformat(max(tally.as_of)) if tally.as_of else None)
    rows: list[tuple[str, int, int]] = []
    passed = later = 0
    if reference is not None:
        end = _add_months(reference, months)
        keys = [_add_months(reference, k).isoformat()[:7] for k in range(months)]
        per: dict[str, list[int]] = {k: [0, 0] for k in keys}
        ref = reference.isoformat()
        end_iso = end.isoformat()
        for (day, lower), n in tally.csed.items():
            if day < ref:
                passed += n
            elif day >= end_iso:
                later += n
            else:
                cell = per[day[:7]]
                cell[0] += n
                if lower:
                    cell[1] += n
        rows = [(k, per[k][0], per[k][1]) for k in keys]
    return Report(tally, reference, rows, passed, later)


def summarise(path: Path, as_of: date | None = None, months: int = 24, workers: int = 1) -> Report:
    tally = tally_file(path, workers)
    if tally.bad_line is not None:
        raise ReportError(
            f"{path}: line {tally.bad_line} is neither a cdpdesk.analysis/1 nor a cdpdesk.error/1 record"
        )
    return build_report(tally, as_of, months)


def print_tables(report: Report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = report.tally
    span = f"{min(t.as_of)} to {max(t.as_of)}" if t.as_of else "none"
    console.print(
        f"[bold]{t.cases:,}[/] analyses, [bold]{t.error_records:,}[/] error records; as_of {span}; "
        f"coming months counted from [bold]{report.reference or '-'}[/]"
    )
    if len(t.as_of) > 1:
        console.print(
            f"[dim]The analyses speak from {len(t.as_of):,} different as_of dates; run `bulk analyze "
            "--as-of DATE` for a roll-up from one date, or give `report --as-of`.[/]"
        )

    csed = Table(title="CSEDs by coming month", title_justify="left")
    csed.add_column("month")
    csed.add_column("CSEDs", justify="right")
    csed.add_column("of which lower bounds", justify="right")
    csed.add_row(f"before {report.reference or '-'} (passed)", f"{report.passed:,}", "")
    for month, n, lower in report.months:
        csed.add_row(month, f"{n:,}", f"{lower:,}")
    csed.add_row("later", f"{report.later:,}", "")
    csed.add_row("[bold]all[/]", f"[bold]{report.csed_total:,}[/]", "")
    console.print(csed)

    hearings = Table(title="Hearings by type and status", title_justify="left")
    hearings.add_column("type")
    statuses = report.statuses()
    for s in statuses:
        hearings.add_column(s, justify="right")
    hearings.add_column("all", justify="right")
    for ty, counts in report.hearing_rows():
        hearings.add_row(ty, *(f"{n:,}" for n in counts), f"{sum(counts):,}")
    by_status: Counter[str] = Counter()
    for (_, status), n in t.hearings.items():
        by_status[status] += n
    hearings.add_row(
        "[bold]all[/]", *(f"{by_status[s]:,}" for s in statuses), f"{sum(t.hearings.values()):,}"
    )
    console.print(hearings)

    stages = Table(title="Cases by stage", title_justify="left")
    stages.add_column("stage")
    stages.add_column("cases", justify="right")
    for stage, n in sorted(t.stages.items(), key=lambda kv: (-kv[1], kv[0])):
        stages.add_row(stage, f"{n:,}")
    console.print(stages)

    waiting = Table(
        title="Withdrawals waiting for Letter 4383, by age at the case's as_of", title_justify="left"
    )
    waiting.add_column("received")
    waiting.add_column("waiting (case at stage withdrawn)", justify="right")
    waiting.add_column("hearings they ended", justify="right")
    waiting.add_column("other withdrawals (case moved on, or partial)", justify="right")
    for age, n, ended, other in report.withdrawal_rows():
        waiting.add_row(age, f"{n:,}", f"{ended:,}", f"{other:,}")
    console.print(waiting)
    console.print(
        "[dim]A bulk run cannot see which Letters 4383 the desk has issued; the desk's queue is the "
        "authority. See docs/bulk.md.[/]"
    )


def draw_png(report: Report, path: Path) -> None:
    """The roll-up chart as a PNG file."""
    with needs("bulk", "--png"):
        import matplotlib.pyplot as plt

    fig = figure(report)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def figure(report: Report) -> Any:
    """Three panels: CSEDs by month, hearings by type and status, withdrawals by age."""
    with needs("bulk", "the roll-up chart"):
        import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(11, 12), constrained_layout=True)
    ax = axes[0]
    labels = [m for m, _, _ in report.months]
    fixed = [n - lb for _, n, lb in report.months]
    lower = [lb for _, _, lb in report.months]
    x = list(range(len(labels)))
    ax.bar(x, fixed, color="#1f5f8b", label="CSED")
    ax.bar(x, lower, bottom=fixed, color="#9cc3e0", label="lower bound (suspension still open)")
    ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("assessments")
    ax.set_title(f"CSEDs by coming month (from {report.reference or '-'}; {report.passed:,} already passed)")
    ax.legend(loc="upper right", fontsize=8)

    ax = axes[1]
    rows = report.hearing_rows()
    statuses = report.statuses()
    bottom = [0] * len(rows)
    colours = ["#e69f00", "#56b4e9", "#009e73", "#0072b2", "#999999", "#cc79a7", "#d55e00"]
    for k, status in enumerate(statuses):
        values = [counts[k] for _, counts in rows]
        ax.bar([r[0] for r in rows], values, bottom=bottom, label=status, color=colours[k % len(colours)])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("hearings")
    ax.set_title("Hearings by type and status")
    ax.legend(fontsize=8)
    # Not margins(): an empty top segment's baseline is a sticky edge, which would cut the
    # tallest stack off at the frame.
    ax.set_ylim(0, max(bottom, default=0) * 1.08 or 1)

    ax = axes[2]
    wrows = report.withdrawal_rows()
    ages = [r[0] for r in wrows]
    waiting = [r[1] for r in wrows]
    other = [r[3] for r in wrows]
    ax.bar(ages, waiting, color="#009e73", label="waiting (case at stage withdrawn)")
    ax.bar(
        ages, other, bottom=waiting, color="#c7e9c0", label="other withdrawals (case moved on, or partial)"
    )
    ax.set_ylabel("withdrawals")
    ax.set_title("Withdrawals waiting for Letter 4383, by age")
    ax.legend(fontsize=8)

    fig.suptitle(f"CDP Desk bulk roll-up: {report.tally.cases:,} cases")
    return fig
