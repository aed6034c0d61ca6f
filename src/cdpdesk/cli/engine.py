"""``cdpdesk analyze | explain | schema | rules``: the engine's commands."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer

from cdpdesk.bulk.lines import run_jsonl
from cdpdesk.cli.common import count, error_lines, parse_day
from cdpdesk.cli.common import fail as _fail
from cdpdesk.contract import CaseError, load_case
from cdpdesk.contract.schema import SCHEMAS, json_schema
from cdpdesk.engine import analyze, explain_text

if TYPE_CHECKING:
    from cdpdesk.i18n import Translator

app = typer.Typer()


def _parse_as_of(value: str | None) -> date | None:
    return parse_day(value, "--as-of")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        _fail(f"{path}: cannot read ({exc.strerror or exc})")


def _analysis_for(path: Path, as_of: date | None) -> tuple[object, dict[str, object]]:
    text = _read(path)
    try:
        case = load_case(text)
        result = analyze(case, as_of or case.as_of or date.today())
    except CaseError as exc:
        _fail(f"{path}: {error_lines(exc.lines()) if exc.items else exc}")
    return case, result


Lang = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="The language to explain in: en or es (default: the case file's taxpayer.language, else en).",
    ),
]


def _words(lang: str | None) -> Translator:
    from cdpdesk.i18n import LanguageError, translator

    try:
        return translator(lang or "en")
    except LanguageError as exc:
        _fail(f"--lang: {exc}")


AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Analyse as of this date (YYYY-MM-DD); default: the file's as_of, or today."
    ),
]


@app.command("analyze")
def analyze_cmd(
    case_file: Annotated[Path | None, typer.Argument(help="A cdpdesk.case/1 JSON file.")] = None,
    jsonl: Annotated[
        str | None,
        typer.Option(
            "--jsonl",
            help="Read one case per line from this file ('-' for stdin); write one analysis per line.",
        ),
    ] = None,
    as_of: AsOf = None,
) -> None:
    """Print the cdpdesk.analysis/1 JSON for a case file (exit 2 on bad input)."""
    when = _parse_as_of(as_of)
    if jsonl is not None:
        if case_file is not None:
            _fail("give either CASE_FILE or --jsonl, not both")
        if jsonl == "-":
            bad = run_jsonl(sys.stdin.buffer, sys.stdout.buffer, when or date.today(), when is not None)
        else:
            try:
                with open(jsonl, "rb") as fh:
                    bad = run_jsonl(fh, sys.stdout.buffer, when or date.today(), when is not None)
            except OSError as exc:
                _fail(f"{jsonl}: cannot read ({exc.strerror or exc})")
        if bad:
            sys.stderr.write(f"cdpdesk: {count(bad, 'line')} had errors; see the cdpdesk.error/1 records\n")
        return
    if case_file is None:
        _fail("give a CASE_FILE or --jsonl IN")
    _, result = _analysis_for(case_file, when)
    sys.stdout.buffer.write(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")


@app.command("explain")
def explain_cmd(
    case_file: Annotated[Path, typer.Argument(help="A cdpdesk.case/1 JSON file.")],
    as_of: AsOf = None,
    lang: Lang = None,
) -> None:
    """Explain a case in plain language: what it means, how you got here, next steps, where you are."""
    words = _words(lang)
    case, result = _analysis_for(case_file, _parse_as_of(as_of))
    if lang is None:  # the taxpayer's own language, when the case file names one
        words = _words(getattr(getattr(case, "taxpayer", None), "language", None))
    sys.stdout.write(explain_text(case, result, words))  # type: ignore[arg-type]


@app.command("schema")
def schema_cmd(
    which: Annotated[str, typer.Argument(help="case or analysis")],
) -> None:
    """Print the JSON Schema of cdpdesk.case/1 or cdpdesk.analysis/1."""
    if which not in SCHEMAS:
        _fail(f"unknown schema {which!r}; expected one of: {', '.join(SCHEMAS)}")
    sys.stdout.buffer.write(orjson.dumps(json_schema(which), option=orjson.OPT_INDENT_2) + b"\n")


@app.command("rules")
def rules_cmd(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the index as Markdown (docs/rules.md).")
    ] = False,
) -> None:
    """The rule index: each rule's id, the function that decides it, its authorities and its
    law.md section (JSON lines, or Markdown with --markdown)."""
    from cdpdesk.engine.rules import rule_index, rules_markdown

    if markdown:
        sys.stdout.write(rules_markdown())
        return
    for entry in rule_index():
        r = entry.rule
        row = {
            "id": r.id,
            "section": f"law.md {r.section}",
            "functions": list(entry.functions),
            "authority": list(r.authority),
            "decides": r.decides,
        }
        sys.stdout.buffer.write(orjson.dumps(row) + b"\n")
