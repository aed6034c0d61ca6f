"""`make bench`: the desk at office scale: a small and a large desk, built as a new user
would (`cdpdesk bulk synth` then `cdpdesk case import --jsonl`), on SQLite and PostgreSQL;
the server time of a case-list page, a filtered and sorted page, a search and a queue page
on each, median and p95; the import rate, and the refresh rate (`cdpdesk desk refresh`).

The pages are served in process (FastAPI's TestClient over the app, signed in once as an
Appeals user with a session cookie), so the times are the server's work without the network. PostgreSQL is a throwaway
cluster on loopback (tests/desk/pg.py) unless BENCH_POSTGRES_URL names one.

Environment: BENCH_DESK_SIZES ("200,20000"), BENCH_DESK_REPS (30), BENCH_DESK_DBS
("sqlite,postgresql"), BENCH_DESK_REFRESH (1: time a refresh of the largest desk).
Writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchdoc import cpu_model, write_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLI = [sys.executable, "-m", "cdpdesk"]
START, END = "<!-- desk-bench:start -->", "<!-- desk-bench:end -->"


def _postgres() -> tuple[str, Any]:
    url = os.environ.get("BENCH_POSTGRES_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1), None
    from tests.desk.pg import Cluster

    cluster = Cluster()
    return cluster.start(), cluster


def _schema_url(server: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "cdpdesk_bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    admin.dispose()
    return make_url(server).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(False)


def _timed(fn: Any, reps: int) -> tuple[float, float]:
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def _desk(url: str, size: int, work: Path, env: dict[str, str]) -> dict[str, Any]:
    cases = work / f"synth-{size}.jsonl"
    if not cases.exists():
        subprocess.run(
            [*CLI, "bulk", "synth", str(size), str(cases)], check=True, env=env, capture_output=True
        )
    env = env | {"CDPDESK_DATABASE_URL": url}
    t = time.perf_counter()
    subprocess.run(
        [
            *CLI,
            "case",
            "import",
            "--jsonl",
            str(cases),
            "--no-progress",
            "--errors",
            str(work / "errors.jsonl"),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    return {"import_s": time.perf_counter() - t, "env": env}


def _pages(url: str, reps: int) -> dict[str, tuple[float, float]]:
    import warnings

    warnings.filterwarnings("ignore")
    from fastapi.testclient import TestClient

    from cdpdesk.desk.accounts import Accounts
    from cdpdesk.desk.workflow import Desk
    from cdpdesk.web.app import create_app

    desk = Desk.open(url)
    try:
        accounts = Accounts(desk)
        if accounts.user("bench") is None:
            accounts.create_user("bench", "Bench", "appeals", "bench-password-1")
        client = TestClient(create_app(desk=desk), base_url="http://testserver")
        # signed in once, by the form (a session cookie): HTTP Basic would time argon2 per request
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        form = {
            "username": "bench",
            "password": "bench-password-1",
            "csrf_token": token.group(1),
            "next": "/",
        }
        assert client.post("/login", data=form, follow_redirects=False).status_code == 303
        some = client.get("/api/cases", params={"page": 3, "per_page": 5}).json()["items"][0]
        last4 = (some["tin"] or "0000")[-4:]

        def get(path: str, **params: Any) -> Any:
            def call() -> None:
                r = client.get(path, params=params)
                assert r.status_code == 200, r.text

            return call

        return {
            "list page": _timed(get("/api/cases", page=2), reps),
            "filtered, sorted page": _timed(
                get("/api/cases", hearing_status="pending", sort="deadline", deadline_within=365), reps
            ),
            "search (TIN last four)": _timed(get("/api/cases", q=last4), reps),
            "search (name words)": _timed(get("/api/cases", q="taxpayer 12"), reps),
            "queue page": _timed(get("/api/withdrawals"), reps),
            "case-list page (HTML)": _timed(get("/cases", stage="in_appeals"), reps),
        }
    finally:
        desk.close()


def main() -> None:
    sizes = [int(x) for x in os.environ.get("BENCH_DESK_SIZES", "200,20000").split(",")]
    reps = int(os.environ.get("BENCH_DESK_REPS", "30"))
    dbs = os.environ.get("BENCH_DESK_DBS", "sqlite,postgresql").split(",")
    with_refresh = os.environ.get("BENCH_DESK_REFRESH", "1") == "1"
    rows: list[str] = []
    extra: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cdpdesk-desk-bench-") as tmp:
        work = Path(tmp)
        env = dict(os.environ) | {"CDPDESK_VAR": str(work / "var"), "CDPDESK_USER": "bench"}
        env.pop("CDPDESK_DATABASE_URL", None)
        os.environ.update({"CDPDESK_VAR": env["CDPDESK_VAR"], "CDPDESK_USER": "bench"})
        cluster = None
        server = None
        try:
            for db in dbs:
                for size in sizes:
                    if db == "postgresql":
                        if server is None:
                            server, cluster = _postgres()
                        url = _schema_url(server)
                    else:
                        url = f"sqlite:///{work / f'desk-{size}.db'}"
                    built = _desk(url, size, work, env)
                    pages = _pages(url, reps)
                    print(f"{db} {size}: import {size / built['import_s']:.0f} cases/s", flush=True)
                    for name, (med, p95) in pages.items():
                        print(f"  {name}: median {med:.1f} ms, p95 {p95:.1f} ms", flush=True)
                        rows.append(f"| {db} | {size:,} | {name} | {med:.1f} | {p95:.1f} |")
                    extra.append(
                        f"| {db} | {size:,} | import (`case import --jsonl`) | {size / built['import_s']:,.0f} cases/s |"
                    )
                    if with_refresh and size == max(sizes):
                        t = time.perf_counter()
                        day = (dt.date.today() + dt.timedelta(days=400)).isoformat()
                        subprocess.run(
                            [*CLI, "desk", "refresh", "--as-of", day, "--workers", "1", "--no-progress"],
                            check=True,
                            env=built["env"],
                            capture_output=True,
                        )
                        rate = size / (time.perf_counter() - t)
                        extra.append(
                            f"| {db} | {size:,} | refresh (`desk refresh --workers 1`) | {rate:,.0f} cases/s |"
                        )
        finally:
            if cluster is not None:
                cluster.stop()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = "\n".join(
        [
            START,
            "## Desk: lists, search and queue at office scale (`bench/desk_bench.py`)",
            "",
            f"{when}, {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"{reps} timed requests each after 3 warm-ups, served in process (no network). "
            "Desks built with `cdpdesk bulk synth N` and `cdpdesk case import --jsonl`.",
            "",
            "| database | cases | request | median ms | p95 ms |",
            "|---|---:|---|---:|---:|",
            *rows,
            "",
            "| database | cases | step | rate |",
            "|---|---:|---|---:|",
            *extra,
            END,
        ]
    )
    write_section(START, END, block)


if __name__ == "__main__":
    main()
