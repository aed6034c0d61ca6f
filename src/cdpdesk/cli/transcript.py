"""``cdpdesk transcript import FILE... [--out CASE.json]``: IRS account transcripts in, a
case file and its review list out (issue 17).

The review list goes to standard output, the TIN masked; only the case file (and the desk,
with ``--store``) holds a full TIN: the one the transcript printed, or, since current
transcripts print only the last four digits, the one ``--tin`` gives (``--tin -`` reads it
from standard input, out of the shell's history). A PDF is read through poppler's
``pdftotext -layout``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import orjson
import typer

from cdpdesk.cli.common import count, fail
from cdpdesk.privacy import redact

app = typer.Typer(help="Read IRS account transcripts into a case file.", no_args_is_help=True)


def _text_of(path: Path) -> str:
    from cdpdesk.desk.pdftext import is_pdf, pdf_text
    from cdpdesk.desk.record import DeskError

    try:
        head = path.read_bytes()[:5]
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror or exc})")
    try:
        if is_pdf(head):
            return pdf_text(path, str(path))
        return path.read_text(encoding="utf-8-sig")
    except DeskError as exc:
        fail(str(exc))
    except UnicodeDecodeError as exc:
        fail(f"{path}: not UTF-8 text or a PDF (byte {exc.start})")


def _write_atomically(path: Path, data: bytes) -> None:
    """The whole case file or nothing: written beside the target, then renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command("import")
def import_cmd(
    files: Annotated[
        list[Path], typer.Argument(help="Account transcripts: text as the IRS delivers it, or the PDF.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the cdpdesk.case/1 file here; without it, only the review list."),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="The taxpayer's name (transcripts show only a name control).")
    ] = None,
    tin: Annotated[
        str | None,
        typer.Option(
            "--tin",
            help="The taxpayer's full TIN (transcripts show only its last four digits, which must agree); "
            "'-' reads it from standard input. Needed with --store.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary and review list as JSON.")
    ] = False,
    store: Annotated[
        bool, typer.Option("--store", help="Also store the case in the desk (as `cdpdesk case import` does).")
    ] = False,
    allow_duplicate: Annotated[
        bool, typer.Option("--allow-duplicate", help="With --store: store it even if it is already stored.")
    ] = False,
    by: Annotated[
        str | None,
        typer.Option("--by", help="With --store: who records this (default: $CDPDESK_USER or your login)."),
    ] = None,
) -> None:
    """Read one or several periods' account transcripts into one case; list what needs a person."""
    from cdpdesk.transcripts import TaxpayerError, TranscriptError, build_case, parse_transcripts

    if tin == "-":
        tin = sys.stdin.readline().strip()
    transcripts = []
    try:
        for path in files:
            transcripts.extend(parse_transcripts(_text_of(path), str(path)))
        result = build_case(transcripts, name=name, tin=tin)
    except TaxpayerError as exc:
        fail(f"--{exc.field}: {exc}")
    except TranscriptError as exc:
        fail(str(exc))
    stored: int | None = None
    if store:  # first: a refused duplicate leaves no new case file either
        if not result.has_tin:
            fail(
                f"--tin: taxpayer.tin is needed to store the case: the transcripts show only "
                f"{result.tin_masked or 'no TIN'}; give the full TIN with --tin (and the name with --name), "
                "or write the case with --out and add it there"
            )
        from cdpdesk.cli.desk import _desk
        from cdpdesk.desk.reviews import store_with_review

        names = redact(", ".join(path.name for path in files))
        with _desk() as desk:
            stored = store_with_review(
                desk,
                orjson.dumps(result.case),
                [item.to_json() for item in result.review],
                by=by,
                source=f"transcripts: {names}"[:500],
                allow_duplicate=allow_duplicate,
            ).case
    if out is not None:
        try:
            _write_atomically(out, orjson.dumps(result.case, option=orjson.OPT_INDENT_2) + b"\n")
        except OSError as exc:
            fail(f"{out}: cannot write ({exc.strerror or exc})")
    events = result.case["events"]
    if as_json:
        summary = {
            "tin": result.tin_masked,
            "periods": result.periods,
            "lines": result.lines,
            "mapped": result.mapped,
            "events": len(events),
            "out": str(out) if out else None,
            "stored": stored,
            "event_sources": result.sources,
            "review": [item.to_json() for item in result.review],
        }
        typer.echo(redact(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode()))
        return
    typer.echo(
        redact(
            f"Taxpayer {result.tin_masked or '(no TIN shown)'}: {count(result.periods, 'period')}, "
            f"{count(result.lines, 'transaction')}, {result.mapped:,} mapped, {count(len(events), 'event')}."
        )
    )
    for event in events:
        typer.echo(
            f"  {event['id']} {event['type']} {', '.join(event['periods'])}  from "
            f"{', '.join(result.sources.get(event['id'], []))}"
        )
    if result.review:
        typer.echo(
            f"Review ({len(result.review):,}): each needs a person (unmapped and not_imported lines are not in the case; check and conflict lines are, as read)."
        )
        for item in result.review:
            typer.echo(redact(item.one_line()))
    else:
        typer.echo("Review: nothing to review.")
    typer.echo(f"Case file written to {out}." if out else "No --out given: no case file written.")
    if stored is not None:
        typer.echo(
            f"Stored in the desk as case {stored}, with its review list ({count(len(result.review), 'item')}); "
            f"confirm or resolve them on the case page or with `cdpdesk transcript review {stored}`."
        )


@app.command("review")
def review_cmd(
    case: Annotated[int, typer.Argument(help="The stored case's id.")],
    confirm: Annotated[
        int | None, typer.Option("--confirm", help="Confirm this item (its number in the list): read right.")
    ] = None,
    resolve: Annotated[
        int | None, typer.Option("--resolve", help="Resolve this item: the case was put right.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why (kept in the review log).")] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who does this (default: $CDPDESK_USER or your login).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the review list as JSON.")] = False,
) -> None:
    """The review list stored with a case taken in from transcripts; confirm or resolve an item."""
    from cdpdesk.cli.desk import _desk
    from cdpdesk.desk.reviews import act_on_review, reviews_for

    if confirm is not None and resolve is not None:
        fail("--confirm, --resolve: one at a time")
    with _desk() as desk:
        desk.stored(case)  # "no case N" first
        items = reviews_for(desk, case)
        chosen = confirm if confirm is not None else resolve
        if chosen is not None:
            if not 1 <= chosen <= len(items):
                fail(
                    f"--{'confirm' if confirm is not None else 'resolve'}: case {case} has no review item {chosen}"
                )
            act_on_review(
                desk,
                case,
                items[chosen - 1].id,
                "confirm" if confirm is not None else "resolve",
                by=by,
                note=note,
            )
            items = reviews_for(desk, case)
    if as_json:
        typer.echo(redact(orjson.dumps([i.to_json() for i in items], option=orjson.OPT_INDENT_2).decode()))
        return
    if not items:
        typer.echo(
            f"Case {case} has no review list (it was not taken in from transcripts, or nothing needed a person)."
        )
        return
    left = sum(1 for i in items if i.status == "open")
    typer.echo(f"Case {case}: {count(len(items), 'review item')}, {left:,} open.")
    for n, item in enumerate(items, start=1):
        last = item.history[-1]
        typer.echo(
            redact(
                f"{n}. [{item.status}] {item.source}:{item.line}: [{item.kind}] {item.reason}\n    {item.text}\n"
                f"    {last.action} by {last.by} on {last.at.date().isoformat()}"
                + (f": {last.note}" if last.note else "")
            )
        )
