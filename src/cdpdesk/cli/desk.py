"""``cdpdesk case | event | withdrawals | letters | letter``: the Appeals desk.

The database, Jinja2 and WeasyPrint load inside the commands, never at start-up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer

from cdpdesk.cli.common import count, fail, parse_day

if TYPE_CHECKING:
    from cdpdesk.desk.refresh import RefreshStats
    from cdpdesk.desk.workflow import Desk

case_app = typer.Typer(help="Stored cases: import, show, export, list.", no_args_is_help=True)
event_app = typer.Typer(
    help="The case's event log: add, correct, retract (append-only).", no_args_is_help=True
)
withdrawals_app = typer.Typer(help="Hearing withdrawals waiting for Letter 4383.", no_args_is_help=True)
letters_app = typer.Typer(help="Issued letters: issue all pending, list, reprint.", no_args_is_help=True)
letter_app = typer.Typer(help="Preview a letter from a case file, storing nothing.", no_args_is_help=True)
desk_app = typer.Typer(
    help="The desk as a whole: refresh every case's stages and dates.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
ByOpt = Annotated[
    str | None, typer.Option("--by", help="Who records this (default: $CDPDESK_USER or your login).")
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="The letter's date, YYYY-MM-DD (default: today).")
]
VersionOpt = Annotated[
    int | None,
    typer.Option(
        "--expect-version", help="Refuse if the case is no longer at this version (optimistic lock)."
    ),
]


def _setup_logging() -> None:
    from cdpdesk.privacy import RedactTins, install_redaction

    install_redaction()
    root = logging.getLogger("cdpdesk")
    if any(getattr(h, "_cdpdesk", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("cdpdesk: %(levelname)s: %(message)s"))
    handler.addFilter(RedactTins())
    handler._cdpdesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(os.environ.get("CDPDESK_LOG", "WARNING").upper())


@contextmanager
def _desk() -> Iterator[Desk]:
    """Open the desk; turn every expected failure into one line on stderr and exit 2."""
    _setup_logging()
    from cdpdesk.desk.record import DeskError
    from cdpdesk.letters.facts import LetterError

    desk: Desk | None = None
    try:
        from cdpdesk.desk.workflow import Desk

        desk = Desk.open()
        yield desk
    except (DeskError, LetterError) as exc:
        fail(str(exc))
    finally:
        if desk is not None:
            desk.close()


def _date(value: str | None, option: str = "--date") -> dt.date | None:
    return parse_day(value, option)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror or exc})")


def _event_json(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(_read(path))
    except orjson.JSONDecodeError as exc:
        fail(f"{path}: not valid JSON: {exc}")
    if not isinstance(data, dict):
        fail(f"{path}: the event must be a JSON object")
    return data


def _print_json(data: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


def _sample_warning(desk: Desk) -> None:
    if desk.settings.contact.sample:
        sys.stderr.write(
            "cdpdesk: note: the Appeals contact block is SAMPLE DATA; set CDPDESK_APPEALS_* or "
            "var/desk.toml (docs/desk.md)\n"
        )


# --- case ---------------------------------------------------------------------------------


@case_app.command("import")
def case_import(
    case_file: Annotated[
        Path | None, typer.Argument(help="A cdpdesk.case/1 JSON file (or use --jsonl for many).")
    ] = None,
    jsonl: Annotated[
        Path | None,
        typer.Option(
            "--jsonl",
            help="A JSONL file of cases, one per line, or a folder of *.jsonl files (read in name order).",
        ),
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option(
            "--errors", help="With --jsonl: where bad lines go (default: beside the input, .errors.jsonl)."
        ),
    ] = None,
    allow_duplicate: Annotated[
        bool,
        typer.Option(
            "--allow-duplicate", help="Store a case even if it is already stored (same TIN, periods, events)."
        ),
    ] = False,
    batch: Annotated[int, typer.Option("--batch", help="With --jsonl: cases per transaction.")] = 500,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", "-w", help="With --jsonl: processes checking the cases (default: every core)."
        ),
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show the progress bar (on standard error).")
    ] = True,
    by: ByOpt = None,
) -> None:
    """Store a case file (validated as `cdpdesk analyze` would) and print its case id; with
    --jsonl, store one case per line and print a summary."""
    if (case_file is None) == (jsonl is None):
        fail("give one case FILE, or --jsonl FILE_OR_FOLDER")
    if jsonl is not None:
        _import_jsonl(jsonl, errors, by, allow_duplicate, batch, progress, workers)
        return
    assert case_file is not None
    text = _read(case_file)
    with _desk() as desk:
        result = desk.import_one(text, by=by, source=str(case_file), allow_duplicate=allow_duplicate)
    for warning in result.warnings:
        sys.stderr.write(f"cdpdesk: warning: {case_file}: {warning}\n")
    print(result.case)


def _import_jsonl(
    path: Path,
    errors: Path | None,
    by: str | None,
    allow_duplicate: bool,
    batch: int,
    progress: bool,
    workers: int | None,
) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from cdpdesk.bulk.runner import default_workers, start_pool
    from cdpdesk.cli.case_import import ImportInputError, count_lines, import_jsonl, print_summary, sources_of

    if batch < 1:
        fail("--batch: must be at least 1")
    if workers is not None and workers < 1:
        fail("--workers: must be at least 1")
    n = workers or default_workers()
    try:
        total = count_lines(sources_of(path))
    except (ImportInputError, OSError) as exc:
        fail(
            str(exc) if isinstance(exc, ImportInputError) else f"{path}: cannot read ({exc.strerror or exc})"
        )
    bar = Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not progress,
    )
    with _desk() as desk, start_pool(n, preload=["cdpdesk.desk.intake"]) as pool, bar:
        task = bar.add_task("import", total=total, rate="")

        def advance(n: int) -> None:
            bar.advance(task, n)
            speed = bar.tasks[0].speed
            bar.update(task, rate="" if speed is None else f"{speed:,.0f} lines/s")

        def warn(text: str) -> None:
            bar.console.print(f"cdpdesk: warning: {text}", markup=False, highlight=False)

        try:
            summary = import_jsonl(
                desk,
                path,
                errors_path=errors,
                by=by,
                allow_duplicate=allow_duplicate,
                batch_size=batch,
                advance=advance,
                warn=warn,
                pool=pool,
                workers=n,
            )
        except ImportInputError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            bar.stop()
            sys.stderr.write(
                "cdpdesk: interrupted; the batches already committed stay stored: run the same "
                "command again to store the rest (the stored ones are refused as duplicates)\n"
            )
            raise typer.Exit(130) from None
    print_summary(summary)


@desk_app.command("refresh")
def desk_refresh(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Recompute every case's facts as of this day (default: today)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Worker processes (default: every core).")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help=(
                "Analyse on Dask: a scheduler address, or 'local' (a LocalCluster). The Dask "
                "workers read their cases from the database: they must reach it at the same URL. "
                "The URL's password is not sent to them: give them PGPASSWORD or a ~/.pgpass."
            ),
        ),
    ] = None,
    everything: Annotated[
        bool,
        typer.Option(
            "--all",
            help=(
                "Analyse every case, even one whose stored facts are sure to hold on the day "
                "(by default only its day moves) or that is already as of it: a full recompute."
            ),
        ),
    ] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show progress bars.")] = True,
    json_out: JsonOpt = False,
) -> None:
    """Recompute every case's stage, deadlines and CSEDs as of a day, on the bulk runner,
    written back in batches; run it nightly. A case whose stored facts are sure to hold on
    the day (no deadline, CSED or other date of it falls between) is not analysed: only its
    day moves. Interrupted, it resumes where it stopped."""
    from cdpdesk.bulk.runner import default_workers, start_pool

    if workers is not None and dask is not None and dask != "local":
        fail("--workers and --dask ADDRESS: choose one (--workers sizes a local pool or --dask local)")
    if workers is not None and workers < 1:
        fail("--workers: must be at least 1")
    day = _date(as_of, "--as-of") or dt.date.today()
    n = workers or default_workers()
    with contextlib.ExitStack() as stack:
        # the pool first: its fork server imports the refresh and the engine while this
        # process imports the desk, opens it and picks the cases (a second of start-up less)
        local = (
            None if dask is not None else stack.enter_context(start_pool(n, preload=["cdpdesk.desk.refresh"]))
        )
        stats = _refresh_on(local, day, n, dask, everything, progress)
    if json_out:
        _print_json(stats.to_json())
        return
    print(refresh_summary(stats))


def _refresh_on(
    local: Any,
    day: dt.date,
    n: int,
    dask: str | None,
    everything: bool,
    progress: bool,
) -> RefreshStats:
    """``desk refresh``'s run: on the local pool ``local`` (started), or on Dask."""
    from rich.console import Console

    from cdpdesk.bulk.runner import BulkInputError, dask_client, run_bulk
    from cdpdesk.cli.bulk import _Bar
    from cdpdesk.desk.db import without_password
    from cdpdesk.desk.refresh import refresh

    bar = _Bar(progress)
    console = Console(stderr=True)
    with _desk() as desk:
        wtask: list[Any] = []

        def written(done: int, total: int) -> None:
            if not wtask:
                wtask.append(bar.progress.add_task("writing back", total=total))
            bar.progress.update(wtask[0], completed=done)

        def notice(message: str) -> None:
            console.print(f"cdpdesk: {message}", markup=False, highlight=False)

        def analyse(src: Path, out: Path, when: dt.date, errors: Path) -> object:
            return run_bulk(
                src,
                out,
                default_as_of=when,
                workers=n,
                dask=dask,
                progress=bar,
                notice=notice,
                errors_path=errors,
            )

        try:
            if local is not None:
                # the bulk runner's pool, batches read, analysed and written back at once
                stats = refresh(
                    desk,
                    day,
                    analyse,
                    workers=n,
                    written=written,
                    notice=notice,
                    pool=local,
                    everything=everything,
                )
            else:
                # the same on Dask: its workers read their batches from the database too
                # the task arguments the scheduler keeps carry no password (db.without_password)
                assert dask is not None  # without a local pool, the run is on Dask
                with dask_client(dask, n) as (client, threads):
                    executor = client.get_executor(pure=False)
                    stats = refresh(
                        desk,
                        day,
                        analyse,
                        workers=threads,
                        written=written,
                        notice=notice,
                        pool=executor,
                        worker_url=without_password(desk.settings.database_url),
                        everything=everything,
                    )
        except BulkInputError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            bar.stop()
            sys.stderr.write("cdpdesk: interrupted; run the same command again to resume\n")
            raise typer.Exit(130) from None
        finally:
            bar.stop()
    return stats


def refresh_summary(stats: RefreshStats) -> str:
    """The one line ``desk refresh`` prints: what was written, how fast, then where each
    case went (moved in SQL, analysed, already as of the day, changed meanwhile, refused),
    every count worded for one and for many."""
    rate = f"{stats.todo / stats.seconds if stats.seconds > 0 else 0.0:,.0f}"
    unit = "case/s" if rate == "1" else "cases/s"
    held = "--all: every case analysed" if stats.everything else "facts holding on the day"
    return (
        f"facts as of {stats.as_of}: {stats.written:,} of {count(stats.cases, 'case')} refreshed "
        f"in {stats.seconds:.1f} s ({rate} {unit}, {count(stats.workers, 'worker')}): "
        f"{stats.held:,} moved without analysis ({held}), "
        f"{stats.todo - stats.held:,} analysed ({stats.unchanged:,} with the same facts), "
        f"{stats.cases - stats.todo:,} already as of the day, {stats.changed:,} changed meanwhile, "
        f"{stats.errors:,} refused by the engine"
    )


@case_app.command("list")
def case_list(json_out: JsonOpt = False) -> None:
    """List stored cases (taxpayer name, masked TIN, version)."""
    from sqlalchemy import select

    from cdpdesk.desk.models import Case
    from cdpdesk.privacy import mask_tin

    with _desk() as desk, desk._sessions() as s:
        rows = [
            {
                "id": c.id,
                "taxpayer": c.taxpayer.name if c.taxpayer else None,
                "tin": mask_tin(c.taxpayer.tin) if c.taxpayer else None,
                "version": c.version,
                "source": c.source,
            }
            for c in s.scalars(select(Case).order_by(Case.id))
        ]
    if json_out:
        _print_json(rows)
        return
    for r in rows:
        print(f"{r['id']:>6}  v{r['version']:<3} {r['taxpayer'] or '-'}  {r['tin'] or ''}  ({r['source']})")


@case_app.command("show")
def case_show(
    case_id: Annotated[int, typer.Argument(help="The case id that `case import` printed.")],
    json_out: JsonOpt = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Analyse as of this date (default: today).")
    ] = None,
) -> None:
    """Show a stored case, its event log, its letters and the engine's analysis."""
    from cdpdesk.desk.reviews import reviews_for

    with _desk() as desk:
        shown = desk.show(case_id, _date(as_of, "--as-of"))
        # the review list a transcript import left with the case (issue 17), beside its log
        shown["review"] = [r.to_json() for r in reviews_for(desk, case_id)]
    if json_out:
        _print_json(shown)
        return
    sys.stdout.write(_case_text(shown))


def _case_text(shown: dict[str, Any]) -> str:
    c, a = shown["case"], shown["analysis"]
    out = [f"Case {c['id']} (version {c['version']}), stored {c['created_at'][:10]} by {c['created_by']}"]
    tp = c["taxpayer"]
    if tp:
        out.append(f"Taxpayer: {tp['name']}  TIN {tp['tin'] or 'not on file'}")
        out += [f"          {line}" for line in tp["address"]]
    out.append(f"Stage: {a['stage']['title']}  (as of {a['as_of']})")
    out.append("")
    out.append("Periods:")
    cseds = {(x["period"], x["assessment"]): x for x in a["assessments"]}
    for p in c["periods"]:
        out.append(f"  {p['id']}: Form {p['form']}, period ending {p['period_end']}")
        for asm in p["assessments"]:
            x = cseds.get((p["id"], asm["id"]))
            csed = f"CSED {'>= ' if x and x['open'] else ''}{x['csed']}" if x else ""
            out.append(f"    assessment {asm['id']} {asm['date']} {asm.get('amount') or ''}  {csed}".rstrip())
    out.append("")
    out.append("Hearings:")
    for h in a["hearings"]:
        part = {"IRC 6320": "lien", "IRC 6330": "levy"}.get(h["statute"] or "", "-")
        extra = f", withdrawn {h['withdrawn']}" if h["withdrawn"] else ""
        out.append(f"  request {h['request']} / {h['period']} ({part}): {h['type']}, {h['status']}{extra}")
    if not a["hearings"]:
        out.append("  none")
    out.append("")
    out.append("Event log (append-only):")
    for e in c["log"]:
        mark = "" if e["current"] else ("  [superseded]" if e["superseded"] else "")
        what = e["payload"]["type"] if e["payload"] else "retracted"
        sup = f" (supersedes #{e['supersedes']})" if e["supersedes"] else ""
        out.append(
            f"  #{e['entry']} v{e['version']} {e['kind']} {e['event']}: {what}{sup}  "
            f"by {e['recorded_by']} {e['recorded_at'][:19]} from {e['source']}{mark}"
        )
    review = shown.get("review") or []
    if review:
        still = sum(1 for r in review if r["status"] == "open")
        out.append("")
        out.append(f"Review list from the transcripts ({count(len(review), 'item')}, {still:,} open):")
        for r in review:
            code = f" TC {r['code']}" if r["code"] else ""
            out.append(f"  [{r['status']}] {r['source']} line {r['line']}{code} ({r['kind']}): {r['reason']}")
            out += [
                f"      {h['action']} by {h['by']} {h['at'][:19]}" + (f": {h['note']}" if h["note"] else "")
                for h in r["history"]
            ]
    if a["deadlines"]:
        out.append("")
        out.append("Deadlines:")
        out += [f"  {d['date']}  {d['what']}" for d in a["deadlines"]]
    if a["warnings"]:
        out.append("")
        out.append("Warnings:")
        out += [f"  {w['code']}: {w['message']}" for w in a["warnings"]]
    out.append("")
    out.append("Letters:")
    for lt in c["letters"]:
        out.append(
            f"  letter {lt['id']}: {lt['number']} for withdrawal {lt['withdrawal']}, dated {lt['date']}, "
            f"issued by {lt['issued_by']}; {lt['pdf']}"
        )
    if not c["letters"]:
        out.append("  none")
    for r in c["returned_to_collection"]:
        out.append(
            f"  period {r['period']} ({r['parts']}) returned to Collection {r['on']} (letter {r['letter']})"
        )
    return "\n".join(out) + "\n"


@case_app.command("export")
def case_export(
    case_id: Annotated[int, typer.Argument(help="The case id.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: stdout).")] = None,
) -> None:
    """Write the stored case back as a cdpdesk.case/1 file (it holds the full TIN: keep it safe)."""
    with _desk() as desk:
        doc = desk.export_case(case_id)
    data = orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
    if out is None:
        sys.stdout.buffer.write(data)
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        fail(f"{out}: cannot write ({exc.strerror or exc})")


# --- event --------------------------------------------------------------------------------


def _print_entry(result: dict[str, Any], json_out: bool) -> None:
    if json_out:
        _print_json(result)
    else:
        print(
            f"case {result['case']}: {result['kind']} of event {result['event']} stored as entry "
            f"#{result['entry']}; the case is now at version {result['version']}"
        )


@event_app.command("add")
def event_add(
    case_id: Annotated[int, typer.Argument(help="The case id.")],
    event_file: Annotated[Path, typer.Argument(help="One event as a JSON object (cdpdesk.case/1 event).")],
    by: ByOpt = None,
    expect_version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Append an event; refused (nothing stored) if the engine finds the case inconsistent."""
    event = _event_json(event_file)
    with _desk() as desk:
        result = desk.add_event(
            case_id, event, by=by, source=str(event_file), expected_version=expect_version
        )
    _print_entry(result, json_out)


@event_app.command("correct")
def event_correct(
    case_id: Annotated[int, typer.Argument(help="The case id.")],
    event_file: Annotated[Path, typer.Argument(help="The corrected event (same id) as a JSON object.")],
    note: Annotated[str | None, typer.Option("--note", help="Why it is corrected.")] = None,
    by: ByOpt = None,
    expect_version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a correction: a new entry that supersedes the event's current one."""
    event = _event_json(event_file)
    with _desk() as desk:
        result = desk.correct_event(
            case_id, event, note=note, by=by, source=str(event_file), expected_version=expect_version
        )
    _print_entry(result, json_out)


@event_app.command("retract")
def event_retract(
    case_id: Annotated[int, typer.Argument(help="The case id.")],
    event_id: Annotated[str, typer.Argument(help="The event entered in error.")],
    note: Annotated[str | None, typer.Option("--note", help="Why it is retracted.")] = None,
    by: ByOpt = None,
    expect_version: VersionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record that an event was entered in error (the log keeps it)."""
    with _desk() as desk:
        result = desk.retract_event(
            case_id, event_id, note=note, by=by, source="cli", expected_version=expect_version
        )
    _print_entry(result, json_out)


# --- withdrawals --------------------------------------------------------------------------


@withdrawals_app.command("pending")
def withdrawals_pending(json_out: JsonOpt = False) -> None:
    """Written withdrawals not yet acknowledged, oldest first; oral ones wait for writing."""
    with _desk() as desk:
        result = desk.pending_withdrawals()
    if json_out:
        _print_json(result)
        return
    pending, waiting = result["pending"], result["waiting_for_writing"]
    print(f"Written withdrawals waiting for Letter 4383: {len(pending)}")
    for w in pending:
        partial = " (partial)" if w["partial"] else ""
        print(
            f"  case {w['case']}  event {w['event']}  received {w['received']}  {w['taxpayer'] or '-'}  "
            f"ends {w['hearing']}{partial}  periods {', '.join(w['periods'])}"
        )
    if waiting:
        print(
            f"Oral withdrawals waiting for a written, signed withdrawal (never acknowledged): {len(waiting)}"
        )
        for w in waiting:
            print(
                f"  case {w['case']}  event {w['event']}  received {w['received']}  {w['taxpayer'] or '-'}  "
                f"would end {w['hearing']}  periods {', '.join(w['periods'])}"
            )
    if pending:
        print("Acknowledge one with: cdpdesk withdrawals acknowledge CASE EVENT")


@withdrawals_app.command("acknowledge")
def withdrawals_acknowledge(
    case_id: Annotated[int, typer.Argument(help="The case id.")],
    event_id: Annotated[str, typer.Argument(help="The hearing_withdrawal event id.")],
    date: DateOpt = None,
    by: ByOpt = None,
    enclosure: Annotated[
        list[str] | None, typer.Option("--enclosure", help="Name an enclosure (repeatable).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Issue Letter 4383 for a written withdrawal (once: again returns the same letter)."""
    when = _date(date)
    with _desk() as desk:
        ack = desk.acknowledge(case_id, event_id, by=by, letter_date=when, enclosures=enclosure)
        if ack.created:
            _sample_warning(desk)
    if json_out:
        _print_json(ack.to_json())
        return
    lt = ack.letter
    verb = "issued" if ack.created else "already issued"
    print(
        f"Letter 4383 {verb}: letter {lt.id} for case {lt.case}, withdrawal {lt.withdrawal}, dated {lt.date}"
    )
    print(f"  PDF:  {lt.pdf}")
    print(f"  HTML: {lt.html}")
    print(f"  sha256 {lt.sha256}")


# --- letters ------------------------------------------------------------------------------


@letters_app.command("issue-pending")
def letters_issue_pending(
    date: DateOpt = None,
    by: ByOpt = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", help="Processes rendering letters at once (default 1).")
    ] = 1,
    json_out: JsonOpt = False,
) -> None:
    """Issue Letter 4383 for every pending written withdrawal, with a progress bar (on
    several processes with --workers; still exactly one letter per withdrawal)."""
    if workers < 1:
        fail("--workers: must be at least 1")
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    when = _date(date)
    with _desk() as desk:
        total = len(desk.pending_withdrawals()["pending"])
        console = Console(stderr=True)
        with Progress(
            TextColumn("Letter 4383"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task("issue", total=total)

            def step(done: int, of: int, _item: dict[str, Any]) -> None:
                bar.update(task, completed=done, total=of)

            acks = desk.issue_pending(by=by, letter_date=when, progress=step, workers=workers)
        if any(a.created for a in acks):
            _sample_warning(desk)
    created = sum(1 for a in acks if a.created)
    if json_out:
        _print_json({"issued": created, "letters": [a.to_json() for a in acks]})
        return
    print(f"Issued {count(created, 'letter')}; {len(acks) - created:,} already existed.")
    for a in acks:
        print(
            f"  letter {a.letter.id}: case {a.letter.case} withdrawal {a.letter.withdrawal}  {a.letter.pdf}"
        )


@letters_app.command("list")
def letters_list(
    case: Annotated[int | None, typer.Option("--case", help="Only this case's letters.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List issued letters."""
    with _desk() as desk:
        infos = desk.letters(case)
    if json_out:
        _print_json([i.to_json() for i in infos])
        return
    for i in infos:
        print(
            f"  letter {i.id}: {i.number} case {i.case} withdrawal {i.withdrawal} dated {i.date} "
            f"by {i.issued_by}  sha256 {i.sha256[:16]}..."
        )
    if not infos:
        print("No letters issued.")


@letters_app.command("reprint")
def letters_reprint(
    letter_id: Annotated[int, typer.Argument(help="The letter id.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the HTML and PDF into.")],
    check: Annotated[
        bool, typer.Option("--check", help="Also render again from the stored snapshot and compare bytes.")
    ] = False,
) -> None:
    """Write an issued letter's stored files again, byte for byte."""
    import hashlib

    with _desk() as desk:
        row = desk.letter(letter_id)
        if hashlib.sha256(row.pdf).hexdigest() != row.sha256:
            fail(f"letter {letter_id}: the stored PDF does not match its sha256")
        same: bool | None = None
        if check:
            from cdpdesk.letters.render import render_4383

            again = render_4383(orjson.loads(row.snapshot))
            same = again.pdf == row.pdf and again.html == row.html
    try:
        out.mkdir(parents=True, exist_ok=True)
        stem = f"letter-{row.id}-{row.number}"
        (out / f"{stem}.html").write_bytes(row.html)
        (out / f"{stem}.pdf").write_bytes(row.pdf)
    except OSError as exc:
        fail(f"{out}: cannot write ({exc.strerror or exc})")
    print(f"{out / f'{stem}.pdf'}  sha256 {row.sha256}")
    if same is not None:
        print("re-rendered from the snapshot: " + ("identical bytes" if same else "DIFFERENT bytes"))
        if not same:
            raise typer.Exit(1)


# --- letter (previews) --------------------------------------------------------------------

DOCUMENTS = ("4383", "withdrawal-request")


@letter_app.command("render")
def letter_render(
    document: Annotated[str, typer.Argument(help="4383, or withdrawal-request (the facts of Form 12256).")],
    case_file: Annotated[Path, typer.Argument(help="A cdpdesk.case/1 JSON file.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the HTML and PDF into.")],
    withdrawal: Annotated[
        str | None, typer.Option("--withdrawal", help="For 4383: the hearing_withdrawal event id.")
    ] = None,
    request: Annotated[
        str | None, typer.Option("--request", help="For withdrawal-request: the hearing_request event id.")
    ] = None,
    periods: Annotated[
        str | None,
        typer.Option("--periods", help="withdrawal-request: only these period ids (comma-separated)."),
    ] = None,
    parts: Annotated[
        str | None,
        typer.Option("--parts", help="withdrawal-request: lien, levy or lien,levy (default both)."),
    ] = None,
    date: DateOpt = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="4383: the letter's language, en or es (default: the case's taxpayer.language, else en).",
        ),
    ] = None,
) -> None:
    """Render a preview (HTML and PDF) from a case file. Nothing is stored."""
    if document not in DOCUMENTS and document != "12256":
        fail(f"unknown document {document!r}; expected one of: {', '.join(DOCUMENTS)}")
    when = _date(date) or dt.date.today()
    if lang is not None:
        from cdpdesk.i18n import LanguageError, check_language

        try:
            lang = check_language(lang)
        except LanguageError as exc:
            fail(f"--lang: {exc}")
    text = _read(case_file)
    _setup_logging()
    from cdpdesk.contract import CaseError, load_case
    from cdpdesk.desk.settings import load_settings
    from cdpdesk.engine import analyze
    from cdpdesk.letters import facts
    from cdpdesk.letters.render import render_4383, render_withdrawal_request

    try:
        case = load_case(text)
        analysis = analyze(case, facts.as_of_for(case, when))
        if document == "4383":
            if withdrawal is None:
                fail("4383 needs --withdrawal EVENT_ID")
            snapshot = facts.letter_4383_snapshot(
                case,
                analysis,
                withdrawal,
                when,
                load_settings().contact.to_json(),
                case_ref=None,
                language=lang,
            )
            rendered = render_4383(snapshot, preview=True)  # marked: nothing is issued here
            stem = f"preview-4383-{_safe(withdrawal)}"
        else:
            if request is None:
                fail("withdrawal-request needs --request EVENT_ID")
            data = facts.withdrawal_request_data(
                case, analysis, request, _split(periods), _split(parts), True
            )
            rendered = render_withdrawal_request(data, when.isoformat(), facts.letter_language(case, lang))
            stem = f"withdrawal-request-{_safe(request)}"
    except CaseError as exc:
        fail(f"{case_file}: {exc.one_line()}")
    except facts.LetterError as exc:
        fail(f"{case_file}: {exc}")
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{stem}.html").write_bytes(rendered.html)
        (out / f"{stem}.pdf").write_bytes(rendered.pdf)
    except OSError as exc:
        fail(f"{out}: cannot write ({exc.strerror or exc})")
    print(out / f"{stem}.pdf")
    print(out / f"{stem}.html")
    if document != "4383":
        sys.stderr.write(
            "cdpdesk: note: the printable withdrawal request carries the full TIN for the taxpayer to "
            "sign; handle it as the taxpayer's private paper\n"
        )


def _split(value: str | None) -> list[str] | None:
    return [x.strip() for x in value.split(",") if x.strip()] if value else None


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:60]
