"""Shared test helpers: the worked examples and hand-checked cases."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from cdpdesk.privacy import install_redaction

ROOT = Path(__file__).resolve().parent.parent
SHARED_EXAMPLES = ROOT.parent / "shared" / "examples"


def worked_files() -> list[Path]:
    """Every worked example: the repo's copies, ../shared/examples (when present), and the
    hand-checked cases of tests/engine/cases."""
    files = sorted((ROOT / "tests" / "examples").glob("*.json"))
    if SHARED_EXAMPLES.is_dir():
        files += sorted(SHARED_EXAMPLES.glob("*.json"))
    files += sorted((ROOT / "tests" / "engine" / "cases").glob("*.json"))
    return files


def load_worked(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


# --- No full TIN in any output of the suite --------------------------------------------------
# The TINs of the test data and the demo, and the one the leak tests type where it does not
# belong. Every log record any test makes and every output pytest captures is grepped for
# them; a hit fails the run (tests/test_no_tin_leaks.py greps the outputs of subprocesses).

TEST_TINS = ("123-45-6789", "12-3456789", "987-65-4321", "555-12-3456", "444-55-6666", "321-54-9876")
_SEP = r"(?:-|%2[dD]| )?"


def _tin_regex(tin: str) -> str:
    digits = tin.replace("-", "")
    groups = (digits[:2], digits[2:]) if tin[2] == "-" else (digits[:3], digits[3:5], digits[5:])
    return _SEP.join(groups)


_FULL_TIN = re.compile(r"(?<![0-9])(?:" + "|".join(_tin_regex(t) for t in TEST_TINS) + r")(?![0-9])")


def full_tins(text: str) -> list[str]:
    """Every full test TIN in ``text`` (dashed, bare, spaced or URL-encoded)."""
    return _FULL_TIN.findall(text)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        if full_tins(text):
            self.leaks.append(text[:500])


_RECORDS = _Records()
_OUTPUT_LEAKS: list[str] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    # as every entry point does (the CLI, the app, serve's log config)
    install_redaction()
    logging.getLogger().addHandler(_RECORDS)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for title, content in report.sections:
        found = full_tins(content)
        line = f"{report.nodeid} ({title}): {sorted(set(found))}"
        if found and line not in _OUTPUT_LEAKS:  # a later phase repeats the earlier sections
            _OUTPUT_LEAKS.append(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_RECORDS)
    if _RECORDS.leaks or _OUTPUT_LEAKS:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _RECORDS.leaks or _OUTPUT_LEAKS:
        terminalreporter.section("full TINs in the suite's outputs", sep="!", red=True)
        for line in _RECORDS.leaks + _OUTPUT_LEAKS:
            terminalreporter.line(f"log record: {line}" if line in _RECORDS.leaks else line)
