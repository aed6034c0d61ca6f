"""End to end: the ``cdpdesk`` command as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from tests.conftest import ROOT

from cdpdesk.contract.schema import json_schema

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"


def cdpdesk(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "cdpdesk", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )


def test_analyze_prints_the_analysis() -> None:
    res = cdpdesk("analyze", str(EXAMPLE))
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["format"] == "cdpdesk.analysis/1"
    assert out["hearings"][0]["type"] == "cdp"
    assert out["assessments"][0]["csed"] == "2031-02-01"
    assert out["stage"]["id"] == "withdrawn"


def test_as_of_option_overrides_the_file() -> None:
    res = cdpdesk("analyze", str(EXAMPLE), "--as-of", "2026-11-28")
    assert json.loads(res.stdout)["as_of"] == "2026-11-28"


def test_console_script_and_module_agree() -> None:
    script = Path(sys.executable).parent / "cdpdesk"
    res = subprocess.run([str(script), "analyze", str(EXAMPLE)], capture_output=True, timeout=120)
    assert res.returncode == 0
    assert res.stdout == cdpdesk("analyze", str(EXAMPLE)).stdout


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"format": "cdpdesk.case/2"}', 'unknown format "cdpdesk.case/2"'),
        (
            json.dumps(
                {
                    "format": "cdpdesk.case/1",
                    "as_of": "2024-01-01",
                    "events": [{"id": "e1", "type": "levy_notice", "date": "2024-02-01", "periods": ["p"]}],
                    "periods": [{"id": "p", "form": "1040", "period_end": "2020-12-31"}],
                }
            ).encode(),
            "events[0].date (event 'e1'): 2024-02-01 is after as_of 2024-01-01",
        ),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(tmp_path: Path, content: bytes, fragment: str) -> None:
    case = tmp_path / "case.json"
    case.write_bytes(content)
    res = cdpdesk("analyze", str(case))
    assert res.returncode == 2
    assert res.stdout == b""
    err = res.stderr.decode()
    assert fragment in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_exits_2(tmp_path: Path) -> None:
    res = cdpdesk("analyze", str(tmp_path / "nope.json"))
    assert res.returncode == 2 and b"cannot read" in res.stderr and res.stdout == b""


def test_bad_as_of_option_exits_2() -> None:
    res = cdpdesk("analyze", str(EXAMPLE), "--as-of", "tomorrow")
    assert res.returncode == 2 and b"--as-of" in res.stderr


def test_jsonl_keeps_order_and_reports_bad_lines() -> None:
    good = json.loads(EXAMPLE.read_text())
    other = json.loads((ROOT / "examples" / "newsome-lien.json").read_text())
    lines = [json.dumps(good), "{broken", "", json.dumps(other), json.dumps(dict(good, format="x"))]
    res = cdpdesk("analyze", "--jsonl", "-", stdin=("\n".join(lines) + "\n").encode())
    assert res.returncode == 0
    out = [json.loads(x) for x in res.stdout.decode().splitlines()]
    assert len(out) == 5
    assert out[0]["stage"]["id"] == "withdrawn"
    assert out[1]["format"] == "cdpdesk.error/1" and out[1]["line"] == 2
    assert "not valid JSON" in out[1]["errors"][0]["message"]
    assert out[2] == {
        "format": "cdpdesk.error/1",
        "line": 3,
        "errors": [{"field": "", "message": "empty line: expected one cdpdesk.case/1 object"}],
    }
    assert out[3]["hearings"][0]["statute"] == "IRC 6320"
    assert out[4]["line"] == 5 and out[4]["errors"][0]["field"] == "format"
    assert b"3 lines had errors" in res.stderr


def test_jsonl_from_a_file_matches_single_analysis(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(json.loads(EXAMPLE.read_text())) + "\n")
    res = cdpdesk("analyze", "--jsonl", str(src))
    assert json.loads(res.stdout) == json.loads(cdpdesk("analyze", str(EXAMPLE)).stdout)


def test_explain_gives_the_four_answers_and_help() -> None:
    res = cdpdesk("explain", str(EXAMPLE))
    assert res.returncode == 0
    text = res.stdout.decode()
    for heading in (
        "What this means for you",
        "How you got here",
        "Your next steps",
        "Where you are on the collection road",
        "Where to get help",
    ):
        assert heading in text
    assert "June 10, 2024" in text  # the withdrawal date
    assert "February 1, 2031" in text  # the CSED
    assert "Hearing withdrawn; case back with Collection   <- you are here" in text
    assert "Taxpayer Advocate Service" in text and "Low Income Taxpayer Clinics" in text
    assert "123-45-6789" not in text


@pytest.mark.parametrize("which", ["case", "analysis", "whatif"])
def test_schema_is_a_valid_json_schema(which: str) -> None:
    res = cdpdesk("schema", which)
    schema = json.loads(res.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == json_schema(which)


def test_published_case_schema_accepts_the_examples() -> None:
    schema = json.loads(cdpdesk("schema", "case").stdout)
    for path in sorted((ROOT / "examples").glob("*.json")):
        jsonschema.validate(json.loads(path.read_text()), schema)


def test_unknown_schema_exits_2() -> None:
    res = cdpdesk("schema", "letters")
    assert res.returncode == 2 and b"unknown schema" in res.stderr
