"""``cdpdesk whatif withdraw`` and ``cdpdesk deadlines``: the practitioner's commands.

Both read a case file and print what the engine computed (``cdpdesk.engine.whatif``,
``cdpdesk.engine.coming``); no date is worked out here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
import typer

from cdpdesk.cli.common import count, error_lines, fail, parse_day
from cdpdesk.contract import CaseError, load_case
from cdpdesk.contract.case import CaseFile
from cdpdesk.engine.authority import plain_date
from cdpdesk.engine.coming import ComingDeadline, coming_deadlines

whatif_app = typer.Typer(
    help="What would change: a hypothetical event, computed by the engine, never stored."
)

AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Analyse as of this date (YYYY-MM-DD); default: the file's as_of, or today."
    ),
]


def _load(path: Path) -> CaseFile:
    try:
        text = path.read_bytes()
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror or exc})")
    try:
        return load_case(text)
    except CaseError as exc:
        fail(f"{path}: {error_lines(exc.lines()) if exc.items else exc}")


@whatif_app.command("withdraw")
def whatif_withdraw_cmd(
    case_file: Annotated[Path, typer.Argument(help="A cdpdesk.case/1 JSON file.")],
    request: Annotated[str, typer.Option("--request", help="Id of the pending hearing_request to withdraw.")],
    on: Annotated[str, typer.Option("--on", help="The day Appeals would receive the written withdrawal.")],
    periods: Annotated[
        list[str] | None,
        typer.Option("--periods", help="Withdraw only these periods (repeat, or list them after it)."),
    ] = None,
    part: Annotated[
        str | None, typer.Option("--part", help="Withdraw only the lien or the levy part: lien | levy.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the cdpdesk.whatif/1 JSON.")] = False,
    as_of: AsOf = None,
    more: Annotated[list[str] | None, typer.Argument(hidden=True)] = None,
) -> None:
    """What a written withdrawal (Form 12256) received on --on would change: the case as it
    stands beside the case with the withdrawal, period by period."""
    from cdpdesk.engine.whatif import whatif_withdraw

    # `--periods A B C`: click gives --periods one value each time, and the rest arrive as
    # extra arguments; they are more periods only when --periods was given.
    if more and not periods:
        fail(f"unexpected argument {more[0]!r} (periods go after --periods)")
    periods = [p for v in [*(periods or []), *(more or [])] for p in v.split(",") if p] or None

    day = parse_day(on, "--on")
    assert day is not None
    when = parse_day(as_of, "--as-of")
    if part is not None and part not in ("lien", "levy"):
        fail(f"--part: {part!r} is not allowed; expected lien or levy")
    which: Literal["lien", "levy"] | None = part  # type: ignore[assignment]
    case = _load(case_file)
    base = when or case.as_of or dt.date.today()
    try:
        out = whatif_withdraw(case, request, day, periods=periods, part=which, as_of=base)
    except CaseError as exc:
        fail(f"{case_file}: {error_lines(_option_lines(exc))}")
    if json_out:
        sys.stdout.buffer.write(orjson.dumps(out, option=orjson.OPT_INDENT_2) + b"\n")
        return
    _print_whatif(out)


def _option_lines(exc: CaseError) -> list[str]:
    """The engine's fields as the options that carry them (``on`` is ``--on``)."""
    names = {"request": "--request", "on": "--on", "part": "--part", "as_of": "--as-of"}
    out = []
    for item in exc.items:
        field = item.field
        if field.startswith("periods["):
            field = "--periods " + field[len("periods") :]
        out.append(f"{names.get(field, field)}: {item.message}")
    return out


def _print_whatif(out: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from cdpdesk.engine.whatif import change_label, change_value

    console = Console(highlight=False, soft_wrap=False)
    w = out["withdrawal"]
    scope = "all of it" if not w.get("periods") and not out["part"] else ""
    if out["part"]:
        scope = f"the {out['part']} part"
    if w.get("periods"):
        scope = (scope + " for " if scope else "") + ", ".join(w["periods"])
    console.print(
        f"[bold]What if request {out['request']} is withdrawn ({scope})?[/bold]\n"
        f"A written withdrawal received {plain_date(w['received'])}, seen as of {plain_date(out['as_of'])}. "
        "Nothing is stored."
    )
    periods = list(dict.fromkeys(c["period"] for c in out["changes"]))
    for period in periods:
        table = Table(title=f"Period {period}", title_justify="left", show_lines=False)
        table.add_column("What")
        table.add_column("As it stands")
        table.add_column("With the withdrawal")
        items = [c for c in out["changes"] if c["period"] == period]
        for c in items:
            table.add_row(change_label(c), change_value(c, "as_is"), change_value(c, "withdrawn"))
        console.print(table)
        for c in items:
            console.print(f"  - {c['says']}")
            for why in c["why"]:
                console.print(f"    [dim]why: {why['says']} ({'; '.join(why['authority'])})[/dim]")
    if not out["changes"]:
        console.print("Nothing would change.")


# --- deadlines ---------------------------------------------------------------------------------

CSV_COLUMNS = ("date", "days_left", "kind", "what", "periods", "event", "rule", "authority", "says")


def deadline_csv(rows: list[dict[str, Any]], columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    """CSV of deadline rows (lists joined with '; '), with a header line."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["; ".join(v) if isinstance(v := row.get(c), list) else v for c in columns])
    return buf.getvalue()


def register(app: typer.Typer) -> None:
    app.add_typer(whatif_app, name="whatif")
    app.command("deadlines")(deadlines_cmd)


def deadlines_cmd(
    case_file: Annotated[Path, typer.Argument(help="A cdpdesk.case/1 JSON file.")],
    ics: Annotated[
        bool, typer.Option("--ics", help="Print an iCalendar file (RFC 5545), one all-day event each.")
    ] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV, one deadline a line.")] = False,
    case_key: Annotated[
        str | None,
        typer.Option(
            "--case-key", help="What names the case in the events' UIDs (default: the file's name)."
        ),
    ] = None,
    as_of: AsOf = None,
) -> None:
    """Every coming deadline of a case, soonest first, with the days left: CDP and equivalent
    hearing requests, Tax Court petitions, the days decisions become final, CSEDs."""
    from cdpdesk.engine import analyze

    if ics and csv_out:
        fail("give --ics or --csv, not both")
    when = parse_day(as_of, "--as-of")
    case = _load(case_file)
    try:
        analysis = analyze(case, when or case.as_of or dt.date.today())
    except CaseError as exc:
        fail(f"{case_file}: {error_lines(exc.lines())}")
    rows = coming_deadlines(analysis)
    if ics:
        from cdpdesk.letters.ics import CaseDeadlines, calendar_ics

        key = case_key or case_file.stem
        data = calendar_ics(
            [CaseDeadlines(f"file-{key}", f"Case {key}", rows)],
            f"CDP Desk: {key}",
            dt.datetime.now(dt.UTC),
        )
        sys.stdout.buffer.write(data)
        return
    if csv_out:
        sys.stdout.write(deadline_csv([r.to_json() for r in rows]))
        return
    _print_deadlines(analysis["as_of"], rows)


def _days(n: int) -> str:
    if n == 0:
        return "today"
    return f"{count(n, 'day')} left"


def _print_deadlines(as_of: str, rows: list[ComingDeadline]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    if not rows:
        console.print(f"No coming deadlines as of {plain_date(as_of)}.")
        return
    table = Table(title=f"Coming deadlines as of {plain_date(as_of)}", title_justify="left")
    for col in ("Date", "Days left", "What", "Periods"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            plain_date(r.date),
            _days(r.days_left),
            r.what,
            ", ".join(r.periods),
        )
    console.print(table)
