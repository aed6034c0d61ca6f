"""``make run`` / ``cdpdesk serve`` on a port already taken: one line, nothing started (issue 13)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cdpdesk.cli.web import port_problem
from tests.conftest import ROOT


@pytest.fixture
def taken() -> Iterator[int]:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_port_problem_names_the_taken_port(taken: int) -> None:
    said = port_problem("127.0.0.1", taken)
    assert said is not None and f"port {taken} on 127.0.0.1 is already in use" in said
    assert f"make run PORT={taken + 1}" in said
    assert port_problem("127.0.0.1", "abc") == "PORT=abc is not a port number (1 to 65535)"
    assert port_problem("127.0.0.1", "70000") is not None
    with socket.socket() as s:  # a port nobody holds
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    assert port_problem("127.0.0.1", free) is None


def test_serve_on_a_taken_port_says_so_in_one_line(taken: int, tmp_path: Path) -> None:
    env = os.environ | {"CDPDESK_VAR": str(tmp_path / "var")}
    env.pop("CDPDESK_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "cdpdesk", "serve", "--demo", "--port", str(taken)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""  # nothing loaded, nothing printed before the refusal
    assert done.stderr.splitlines() == [
        f"cdpdesk: error: port {taken} on 127.0.0.1 is already in use (is CDP Desk already running?); "
        f"stop that server or choose another port: make run PORT={taken + 1}"
    ]
    assert not (tmp_path / "var" / "cdpdesk.db").exists()


def test_make_run_on_a_taken_port_says_so_in_one_line(taken: int) -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "run", f"PORT={taken}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 2
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert f"port {taken} on 127.0.0.1 is already in use" in lines[0]
