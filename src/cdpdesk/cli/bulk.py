"""``cdpdesk bulk analyze | report | synth``: many cases at once, on all cores or on Dask.

The heavy imports (the runner's pool, Dask, pyarrow, matplotlib) happen inside the commands.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cdpdesk.cli.common import count, fail, parse_day
from cdpdesk.extras import MissingExtra

app = typer.Typer(
    name="bulk",
    help="Bulk analysis: a whole caseload on all cores or on a Dask cluster, and a CSED roll-up.",
    no_args_is_help=True,
)


def _as_of(value: str | None) -> date | None:
    return parse_day(value, "--as-of")


class _Bar:
    """A rich progress bar on standard error: cases done, rate, time left."""

    def __init__(self, enabled: bool) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text("" if speed is None else f"{speed:,.0f} cases/s", style="progress.data.speed")

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            Rate(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not enabled,
            speed_estimate_period=10.0,
        )
        self.task: Any = None

    def start(self, total: int, done: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("analysing", total=total)
        # Cases from a resumed run count as done but not in the rate.
        self.progress.update(self.task, completed=done)

    def advance(self, cases: int) -> None:
        self.progress.advance(self.task, cases)

    def stop(self) -> None:
        self.progress.stop()


@app.command("analyze")
def analyze_cmd(
    input_path: Annotated[
        Path,
        typer.Argument(metavar="IN", help="A JSONL file of cases, or a folder of *.jsonl / *.parquet parts."),
    ],
    out: Annotated[
        Path, typer.Argument(metavar="OUT", help="The analyses, one JSONL line per input record.")
    ],
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Worker processes (default: every core).")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help="Run on Dask: a scheduler address (tcp://host:8786) or 'local' for a LocalCluster of --workers processes.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Analyse every case as of this date; default: each case's as_of, or today."
        ),
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Where the bad records go (default: OUT's name with .errors.jsonl)."),
    ] = None,
    chunk_lines: Annotated[int, typer.Option("--chunk-lines", help="Records per unit of work.")] = 5000,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Discard an interrupted run of this job instead of resuming it.")
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show the progress bar (on standard error).")
    ] = True,
) -> None:
    """Analyse every case of IN into OUT, in input order, line for line as `cdpdesk analyze --jsonl`."""
    from concurrent.futures.process import BrokenProcessPool

    from cdpdesk.bulk.runner import BulkInputError, default_workers, run_bulk

    when = _as_of(as_of)
    if workers is not None and workers < 1:
        fail("--workers: must be at least 1")
    if chunk_lines < 1:
        fail("--chunk-lines: must be at least 1")
    if str(out) == "-":
        fail("OUT: give a file (the run keeps its parts next to it), not '-'")
    if out.is_dir():
        fail(f"{out}: is a folder; OUT is the JSONL file to write")
    if not out.parent.is_dir():
        fail(f"{out}: its folder {out.parent} does not exist")
    bar = _Bar(progress)

    def notice(message: str) -> None:
        bar.progress.console.print(f"cdpdesk: {message}", markup=False, highlight=False)

    try:
        stats = run_bulk(
            input_path,
            out,
            default_as_of=when or date.today(),
            force_as_of=when is not None,
            workers=workers or default_workers(),
            chunk_lines=chunk_lines,
            errors_path=errors,
            dask=dask,
            fresh=fresh,
            progress=bar,
            notice=notice,
        )
    except BulkInputError as exc:
        bar.stop()
        fail(str(exc))
    except BrokenProcessPool as exc:
        bar.stop()
        fail(f"a worker process died ({exc}); run the same command again to resume")
    except OSError as exc:
        bar.stop()
        where = exc.filename or out
        fail(f"{where}: {exc.strerror or exc}; run the same command again to resume")
    except MissingExtra:
        bar.stop()
        raise  # main() prints the one line naming the extra
    except KeyboardInterrupt:
        bar.stop()
        sys.stderr.write("cdpdesk: interrupted; run the same command again to resume where it stopped\n")
        raise typer.Exit(130) from None
    bar.stop()
    resumed = f" ({stats.resumed_chunks} of {stats.chunks} chunks resumed)" if stats.resumed_chunks else ""
    how = count(stats.workers, "worker") + ("" if stats.mode == "pool" else f" on {stats.mode}")
    print(
        f"cases {stats.cases:,}  errors {stats.errors:,}  {stats.rate:,.0f} cases/s  "
        f"{stats.seconds:.1f} s  {how}{resumed}"
    )
    print(f"analyses: {stats.out}")
    print(f"errors:   {stats.errors_path}")


@app.command("report")
def report_cmd(
    analyses: Annotated[
        Path | None,
        typer.Argument(metavar="OUT", help="The analyses JSONL a bulk run wrote (not with --desk)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Count coming months from this date (default: the latest as_of in OUT)."
        ),
    ] = None,
    months: Annotated[int, typer.Option("--months", help="How many coming months to show.")] = 24,
    png: Annotated[Path | None, typer.Option("--png", help="Also draw the roll-up as a PNG chart.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the roll-up as JSON instead of tables.")
    ] = False,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Reader processes (default: every core).")
    ] = None,
    desk: Annotated[
        bool,
        typer.Option(
            "--desk",
            help="Roll up the desk's own cases (analysed as of --as-of, default today), with the letters it issued.",
        ),
    ] = False,
) -> None:
    """Summarise a run: CSEDs in each coming month, hearings by type and status, withdrawals waiting."""
    from cdpdesk.bulk.report import ReportError, draw_png, print_tables, summarise
    from cdpdesk.bulk.runner import default_workers

    when = _as_of(as_of)
    if months < 1:
        fail("--months: must be at least 1")
    if workers is not None and workers < 1:
        fail("--workers: must be at least 1")
    if (analyses is None) == (not desk):
        fail("give the analyses file OUT, or --desk for the desk's own cases (not both)")
    try:
        if desk:
            report = _desk_report(when or date.today(), months, workers or default_workers())
        else:
            assert analyses is not None
            report = summarise(analyses, as_of=when, months=months, workers=workers or default_workers())
    except ReportError as exc:
        fail(str(exc))
    if as_json:
        import orjson

        sys.stdout.buffer.write(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        print_tables(report)
    if png is not None:
        try:
            draw_png(report, png)
        except OSError as exc:
            fail(f"{png}: cannot write ({exc.strerror or exc})")
        if not as_json:
            print(f"chart: {png}")


@app.command("synth")
def synth_cmd(
    count: Annotated[int, typer.Argument(metavar="N", help="How many cases.")],
    out: Annotated[Path, typer.Argument(metavar="OUT", help="The JSONL file to write ('-' for stdout).")],
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed (fixed: the same file every time).")
    ] = 4383,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
) -> None:
    """Write N realistic synthetic cdpdesk.case/1 cases, one per line, from a fixed seed."""
    import orjson
    from rich.console import Console
    from rich.progress import Progress

    from cdpdesk.bulk.synth import synth_cases

    if count < 0:
        fail("N: must be 0 or more")
    if str(out) != "-" and not out.parent.is_dir():
        fail(f"{out}: its folder {out.parent} does not exist")
    with Progress(console=Console(stderr=True), disable=not progress or str(out) == "-") as bar:
        task = bar.add_task("generating", total=count)
        sink = sys.stdout.buffer if str(out) == "-" else out.with_name(out.name + ".tmp").open("wb")
        try:
            batch: list[bytes] = []
            for case in synth_cases(count, seed):
                batch.append(orjson.dumps(case))
                if len(batch) == 2000:
                    batch.append(b"")
                    sink.write(b"\n".join(batch))
                    bar.advance(task, len(batch) - 1)
                    batch.clear()
            if batch:
                batch.append(b"")
                sink.write(b"\n".join(batch))
                bar.advance(task, len(batch) - 1)
        finally:
            if sink is not sys.stdout.buffer:
                sink.close()
    if str(out) != "-":
        out.with_name(out.name + ".tmp").replace(out)
        print(f"{count:,} cases (seed {seed}): {out}", file=sys.stderr)


def _desk_report(day: date, months: int, workers: int) -> Any:
    """The desk's cases exported as of ``day`` (with the Letter 4383 events it recorded, so
    the roll-up knows which withdrawals were acknowledged), analysed, summarised."""
    import tempfile

    from cdpdesk.bulk.report import summarise
    from cdpdesk.bulk.runner import run_bulk
    from cdpdesk.cli.desk import _desk
    from cdpdesk.desk.refresh import export_all

    with _desk() as the_desk, tempfile.TemporaryDirectory(dir=the_desk.settings.var_dir) as tmp:
        work = Path(tmp)
        export_all(the_desk, day, work / "cases.jsonl", work / "index.jsonl")
        run_bulk(work / "cases.jsonl", work / "analyses.jsonl", default_as_of=day, workers=workers)
        return summarise(work / "analyses.jsonl", as_of=day, months=months, workers=workers)
