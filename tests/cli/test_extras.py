"""An optional part used without its extra: one line naming the extra, never a traceback.

Each test runs the real command in a fresh interpreter where the extra's package cannot be
imported (``sys.modules[name] = None`` makes every import of it fail as if it were absent).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import ROOT

from cdpdesk.extras import MissingExtra, missing_message, needs

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
RUN_WITHOUT = """
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None
sys.argv = ["cdpdesk", *sys.argv[2:]]
from cdpdesk.cli import main
main()
"""


def without(
    modules: str, *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT, modules, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def one_line(res: subprocess.CompletedProcess[str]) -> str:
    assert res.returncode == 1, (res.stdout, res.stderr)
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


def test_bulk_on_dask_without_the_bulk_extra(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_bytes(EXAMPLE.read_bytes().replace(b"\n", b"") + b"\n")
    out = tmp_path / "out.jsonl"
    res = without(
        "distributed,dask", "bulk", "analyze", str(cases), str(out), "--dask", "local", "--no-progress"
    )
    assert one_line(res) == (
        "cdpdesk: error: --dask needs the 'bulk' extra (distributed is not installed): "
        "pip install 'cdpdesk[bulk]'"
    )
    assert not out.exists()


def test_bulk_parquet_input_without_the_bulk_extra(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(pa.table({"case": [EXAMPLE.read_text()]}), folder / "a.parquet")
    res = without("pyarrow", "bulk", "analyze", str(folder), str(tmp_path / "out.jsonl"), "--no-progress")
    assert one_line(res) == (
        "cdpdesk: error: a.parquet: reading Parquet needs the 'bulk' extra (pyarrow is not installed): "
        "pip install 'cdpdesk[bulk]'"
    )


def test_bulk_report_chart_without_the_bulk_extra(tmp_path: Path) -> None:
    analysis = subprocess.run(
        [sys.executable, "-m", "cdpdesk", "analyze", str(EXAMPLE), "--as-of", "2026-11-28"],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    analyses = tmp_path / "analyses.jsonl"
    analyses.write_bytes(analysis.replace(b"\n", b"").replace(b"  ", b"") + b"\n")
    png = tmp_path / "r.png"
    res = without("matplotlib", "bulk", "report", str(analyses), "--json", "--png", str(png))
    assert res.returncode == 1
    assert res.stderr == (
        "cdpdesk: error: --png needs the 'bulk' extra (matplotlib is not installed): pip install 'cdpdesk[bulk]'\n"
    )
    assert '"cases": 1' in res.stdout  # the roll-up itself needs no extra
    assert not png.exists()


def test_postgres_url_without_the_postgres_extra(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CDPDESK_")}
    env["CDPDESK_VAR"] = str(tmp_path / "var")
    env["CDPDESK_DATABASE_URL"] = "postgresql://clerk:secret@127.0.0.1:1/cdpdesk"
    res = without("psycopg,psycopg2", "case", "import", str(EXAMPLE), env=env)
    line = one_line(res)
    assert line == (
        "cdpdesk: error: PostgreSQL (postgresql+psycopg://clerk:***@127.0.0.1:1/cdpdesk) needs the "
        "'postgres' extra (psycopg is not installed): pip install 'cdpdesk[postgres]'"
    )
    assert "secret" not in res.stderr


def test_needs_names_only_the_extras_own_packages() -> None:
    with pytest.raises(MissingExtra) as caught, needs("bulk", "--dask"):
        raise ModuleNotFoundError("No module named 'distributed'", name="distributed")
    assert str(caught.value) == missing_message("bulk", "--dask", "distributed")
    # another missing module is a real bug, not a missing extra: it passes through unchanged
    with pytest.raises(ModuleNotFoundError) as other, needs("bulk", "--dask"):
        raise ModuleNotFoundError("No module named 'tornado'", name="tornado")
    assert not isinstance(other.value, MissingExtra) and other.value.name == "tornado"
