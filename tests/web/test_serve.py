"""``cdpdesk serve --demo`` (what ``make run`` runs): creates the database, loads the demo
once, prints the address and the logins, and serves."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from tests.web.server import free_port


def _serve(var: Path, port: int, *extra: str) -> tuple[subprocess.Popen[str], list[str]]:
    env = os.environ | {"CDPDESK_VAR": str(var), "PYTHONUNBUFFERED": "1"}
    env.pop("CDPDESK_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cdpdesk", "serve", "--demo", "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=var.parent,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if "CDP Desk is at" in line:
            break
    return proc, lines


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        proc.kill()


def _workers(proc: subprocess.Popen[str]) -> list[psutil.Process]:
    """uvicorn's worker processes under ``cdpdesk serve`` (multiprocessing spawns them)."""
    children = psutil.Process(proc.pid).children(recursive=True)
    return [p for p in children if any("spawn_main" in part for part in p.cmdline())]


def test_serve_demo_twice(tmp_path: Path) -> None:
    var = tmp_path / "var"
    for run, workers in ((1, "1"), (2, "2")):
        port = free_port()
        proc, lines = _serve(var, port, "--workers", workers)
        try:
            text = "".join(lines)
            assert f"http://127.0.0.1:{port}/" in text, text
            assert "appeals  / appeals-demo" in text and "avery    / avery-demo" in text
            assert f"Workers: {workers} process" in text
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):  # the workers start after the message (a busy machine: slowly)
                try:
                    r = httpx.get(f"{base}/api/cases", auth=("appeals", "appeals-demo"), timeout=30)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert r.status_code == 200
            assert r.json()["total"] == 5, f"run {run}: the demo was loaded again"
            assert httpx.get(f"{base}/lookup?q=4383").status_code == 200
            if workers == "2":
                assert len(_workers(proc)) == 2  # real processes, each with its own desk
                r = httpx.post(f"{base}/api/analyze", content=b" " * (2 * 1024 * 1024))
                assert r.status_code == 413 and r.json()["format"] == "cdpdesk.error/1"
        finally:
            _stop(proc)
    assert (var / "cdpdesk.db").is_file() and (var / "secret_key").is_file()
    assert oct((var / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert oct((var / "cdpdesk.db").stat().st_mode & 0o777) == "0o600"
    assert oct(var.stat().st_mode & 0o777) == "0o700"
