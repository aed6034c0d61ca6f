"""`make bench`: the desk at office scale: a small and a large desk, built as a new user
would (`cdpdesk bulk synth` then `cdpdesk case import --jsonl`), on SQLite and PostgreSQL;
the server time of a case-list page, a filtered and sorted page, a search and a queue page
on each, median and p95; the import rate, the refresh rate (`cdpdesk desk refresh`) beside
`cdpdesk bulk analyze`, and Letter 4383s per second.

The pages are served in process (FastAPI's TestClient over the app, signed in once as an
Appeals user with a session cookie), so the times are the server's work without the network. PostgreSQL is a throwaway
cluster on loopback (tests/desk/pg.py) unless BENCH_POSTGRES_URL names one.

The size of the large desk: the first argument or BENCH_DESK_SIZE (100,000; for a quick try
`python bench/desk_bench.py 2000`). Environment too: BENCH_DESK_SMALL (200: the desk the
pages are compared with), BENCH_DESK_REPS (30), BENCH_DESK_DBS ("sqlite,postgresql"),
BENCH_DESK_LETTERS (40: letters issued on 1 and again on 2 workers). On the large desk: the
nightly refresh (day to next day: the cases whose facts hold only have their day moved), the
full recompute (`--all`) of that day and `bulk analyze` of the same cases as of that day, on
1 and on 2 workers, then the far-day refresh (from that day to 30 days on: more cases
analysed than a night, fewer than `--all`) on as many, compared with the same `bulk
analyze` (all timed as the CLI's wall time, start-up included), and letters per second. The machine's load average is written beside the figures.

BENCH_DESK_PARTS ("pages,refresh,letters", the default, is all of them) runs only some parts,
e.g. `BENCH_DESK_PARTS=refresh BENCH_DESK_DBS=sqlite python bench/desk_bench.py 100000`:
the large desk is built (and its import rate shown) either way; without "pages" the small
desk is not. A run of every part writes its section of docs/benchmarks.md; a run of some
parts prints its rows and leaves the file alone (copy them in by hand).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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


#: The pages a user can ask for and combine: (name, path, params). ``{last4}``, ``{case}``
#: are filled from the desk (a TIN's last four and a case id it holds). Two broad filters
#: with a small overlap: in_appeals (16% of synthetic cases) and a deadline within a year
#: (11%) share 1%; csed_passed (38%) and a deadline within a year share none. More of that
#: family, a stage with a deadline window (session 7, migration 0016), each taking its own
#: path at 100,000 synthetic cases (from their shares at 2,000): a small stage
#: (hearing_requested, 0.3%) drives as a narrowing (at most ``paging.DRIVE_MAX`` cases); a
#: large one that shares none with the window (csed_passed, over 100 years, newest CSED
#: first: the slowest order before the range) is an empty range of (stage, earliest_date);
#: a large one sharing most of its cases with a long window (in_appeals over ten years:
#: about 19,000 in its range, past ``listing.RANGE_MAX``) is walked in the page's order; a
#: short window (collection, 7%, over 30 days: about 700 deadline rows) drives by its rows.
PAGES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("list page", "/api/cases", {"page": 2}),
    ("filter: stage", "/api/cases", {"stage": "in_appeals"}),
    ("filter: hearing status", "/api/cases", {"hearing_status": "pending"}),
    ("filter: CSED before", "/api/cases", {"csed_before": "2027-06-30"}),
    ("filter: deadline within 365 days", "/api/cases", {"deadline_within": 365}),
    ("two broad filters, small overlap", "/api/cases", {"stage": "in_appeals", "deadline_within": 365}),
    ("two broad filters, no overlap", "/api/cases", {"stage": "csed_passed", "deadline_within": 365}),
    (
        "stage and deadline window: small stage",
        "/api/cases",
        {"stage": "hearing_requested", "deadline_within": 365},
    ),
    (
        "stage and deadline window: large stage, no overlap, by CSED",
        "/api/cases",
        {"stage": "csed_passed", "deadline_within": 36_600, "sort": "-csed"},
    ),
    (
        "stage and deadline window: large stage, long window",
        "/api/cases",
        {"stage": "in_appeals", "deadline_within": 3650},
    ),
    (
        "stage and deadline window: large stage, short window",
        "/api/cases",
        {"stage": "collection", "deadline_within": 30},
    ),
    (
        "hearing status and CSED before",
        "/api/cases",
        {"hearing_status": "not_held", "csed_before": "2027-06-30"},
    ),
    (
        "filtered, sorted page",
        "/api/cases",
        {"hearing_status": "pending", "sort": "deadline", "deadline_within": 365},
    ),
    *(
        (f"sort: {s}", "/api/cases", {"sort": s})
        for s in ("-id", "deadline", "-deadline", "csed", "-csed", "taxpayer", "-taxpayer")
    ),
    ("stage, sorted by CSED", "/api/cases", {"stage": "withdrawn", "sort": "-csed"}),
    ("search: common name word", "/api/cases", {"q": "taxpayer"}),
    ("search (name words)", "/api/cases", {"q": "taxpayer 12"}),
    ("search: rare name word", "/api/cases", {"q": "taxpayer 4383"}),
    ("search: a word nobody has", "/api/cases", {"q": "smith"}),
    ("search (TIN last four)", "/api/cases", {"q": "{last4}"}),
    ("search: case id", "/api/cases", {"q": "{case}"}),
    ("search and a filter", "/api/cases", {"q": "taxpayer 1", "stage": "in_appeals", "sort": "csed"}),
    ("deep page (50)", "/api/cases", {"page": 50}),
    ("deep page (50), by deadline", "/api/cases", {"page": 50, "sort": "deadline"}),
    ("case-list page (HTML)", "/cases", {"stage": "in_appeals"}),
    ("case-list page (HTML), search", "/cases", {"q": "taxpayer 12", "sort": "taxpayer"}),
    ("queue page", "/api/withdrawals", {}),
    ("queue: waiting over 90 days", "/api/withdrawals", {"older_than": 90}),
    ("queue: CDP hearings", "/api/withdrawals", {"hearing": "cdp"}),
    ("queue: assigned to nobody", "/api/withdrawals", {"assigned": "nobody"}),
    ("queue: search (name words)", "/api/withdrawals", {"q": "taxpayer 12"}),
    ("queue: search (TIN last four)", "/api/withdrawals", {"q": "{last4}"}),
    ("queue: deep page (50)", "/api/withdrawals", {"page": 50}),
    ("queue page (HTML)", "/queue", {"hearing": "equivalent"}),
    ("deadlines page", "/api/deadlines", {}),
    ("deadlines: CSEDs within 90 days", "/api/deadlines", {"kind": "csed", "days": 90}),
    ("deadlines: hearing requests", "/api/deadlines", {"kind": ["cdp_request", "eh_request"]}),
    ("deadlines: deep page (50)", "/api/deadlines", {"page": 50}),
    ("deadlines page (HTML)", "/deadlines", {"within": 365}),
)


def signed_in(url: str) -> tuple[Any, Any]:
    """The app over the desk at ``url`` and a client signed in to it as an Appeals user
    (created if need be); and the desk (to close). Signed in once, by the form (a session
    cookie): HTTP Basic would time argon2 on every request."""
    from fastapi.testclient import TestClient

    from cdpdesk.desk.accounts import Accounts
    from cdpdesk.desk.workflow import Desk
    from cdpdesk.web.app import create_app

    desk = Desk.open(url)
    accounts = Accounts(desk)
    if accounts.user("bench") is None:
        accounts.create_user("bench", "Bench", "appeals", "bench-password-1")
    client = TestClient(create_app(desk=desk), base_url="http://testserver")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    form = {"username": "bench", "password": "bench-password-1", "csrf_token": token.group(1), "next": "/"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    return client, desk


def _calls(url: str, only: str | None = None) -> tuple[dict[str, Any], Any]:
    """Each page of ``PAGES`` (whose name matches ``only``) as a call on one desk, signed
    in as an Appeals user; and the desk (to close)."""
    client, desk = signed_in(url)
    some = client.get("/api/cases", params={"page": 3, "per_page": 5}).json()["items"][0]
    fill = {"{last4}": (some["tin"] or "0000")[-4:], "{case}": str(some["id"])}

    def get(path: str, params: dict[str, Any]) -> Any:
        params = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in params.items()}

        def call() -> None:
            r = client.get(path, params=params)
            assert r.status_code == 200, r.text

        return call

    calls = {name: get(path, params) for name, path, params in PAGES if only is None or re.search(only, name)}
    return calls, desk


def _pages(url: str, reps: int, only: str | None = None) -> dict[str, tuple[float, float]]:
    calls, desk = _calls(url, only)
    try:
        return {name: _timed(call, reps) for name, call in calls.items()}
    finally:
        desk.close()


def pages_only(urls: list[str], reps: int, only: str | None) -> None:
    """``--pages URL...``: time the page set on desks built already (the first the small
    one), each page on every desk in turn, request by request (so that a busy machine
    weighs on each alike); print each page's median and p95 on each, and the ratio of the
    largest median to the first."""
    load = os.getloadavg()[0]
    desks = [_calls(url, only) for url in urls]
    try:
        print(f"load average {load:.1f} at the start (1 min)", flush=True)
        for name in desks[0][0]:
            calls = [d[0][name] for d in desks]
            for call in calls * 3:
                call()
            times: list[list[float]] = [[] for _ in calls]
            for _ in range(reps):
                for k, call in enumerate(calls):
                    t = time.perf_counter()
                    call()
                    times[k].append((time.perf_counter() - t) * 1000)
            cells = []
            for one in times:
                one.sort()
                cells.append((statistics.median(one), one[min(len(one) - 1, int(0.95 * len(one)))]))
            worst = max(med for med, _ in cells[1:]) / cells[0][0] if len(cells) > 1 else 1.0
            row = "  ".join(f"{med:6.1f} {p95:6.1f}" for med, p95 in cells)
            print(f"{name:40s} {row}  x{worst:.2f}", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} at the end (1 min)")
    finally:
        for _, desk in desks:
            desk.close()


def _statement_ms(engine: Any, statement: str, params: Any) -> float:
    """One statement's time on its own: EXPLAIN ANALYZE's execution time on PostgreSQL, the
    best of 3 runs on SQLite (a write, or anything not a SELECT, counts 0)."""
    if not statement.lstrip().upper().startswith("SELECT"):
        return 0.0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE) " + statement, params)
            plan = "\n".join(str(row[0]) for row in cursor.fetchall())
            found = re.search(r"Execution Time: ([\d.]+)", plan)
            return float(found.group(1)) if found else 0.0
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            cursor.execute(statement, params)
            cursor.fetchall()
            best = min(best, (time.perf_counter() - t) * 1000)
        return best
    finally:
        raw.close()


def sql_costs(urls: list[str], only: str | None) -> None:
    """``--pages URL... --sql``: for each page on each desk, the SQL one request runs, each
    statement timed on its own (:func:`_statement_ms`), summed, and the slowest: to find what
    grows with the desk (a busy machine still moves them, less than a whole request)."""
    from sqlalchemy import event

    for url in urls:
        calls, desk = _calls(url, only)
        print(f"== {url.rsplit('@', 1)[-1]}", flush=True)
        try:
            for name, call in calls.items():
                call()  # warm: the facts filled, the statement cache
                seen: list[tuple[str, Any]] = []

                def grab(*args: Any, seen: list[tuple[str, Any]] = seen) -> None:
                    seen.append((args[2], args[3]))  # (conn, cursor, statement, parameters, ...)

                event.listen(desk.engine, "before_cursor_execute", grab)
                try:
                    call()
                finally:
                    event.remove(desk.engine, "before_cursor_execute", grab)
                costs = [_statement_ms(desk.engine, st, params) for st, params in seen]
                print(
                    f"{name:40s} sql {sum(costs):6.2f} ms in {len(costs)} statements, "
                    f"slowest {max(costs, default=0.0):.2f}",
                    flush=True,
                )
        finally:
            desk.close()


def _refresh(env: dict[str, str], day: dt.date, workers: int, everything: bool = False) -> dict[str, Any]:
    """`cdpdesk desk refresh` as of ``day`` (``everything``: with ``--all``, every case
    analysed): its statistics, and ``wall_s``, the CLI's wall time (as `bulk analyze`'s is
    timed)."""
    t = time.perf_counter()
    res = subprocess.run(
        [
            *CLI,
            "desk",
            "refresh",
            "--as-of",
            day.isoformat(),
            "--workers",
            str(workers),
            "--no-progress",
            "--json",
            *(["--all"] if everything else []),
        ],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    stats: dict[str, Any] = json.loads(res.stdout)
    stats["wall_s"] = time.perf_counter() - t
    return stats


def _bulk(env: dict[str, str], cases: Path, out: Path, day: dt.date, workers: int) -> float:
    """`cdpdesk bulk analyze` of the desk's own cases, the CLI's wall time (as the refresh's)."""
    for leftover in out.parent.glob(out.name + "*"):
        leftover.unlink()
    t = time.perf_counter()
    subprocess.run(
        [*CLI, "bulk", "analyze", str(cases), str(out), "--workers", str(workers), "--as-of", day.isoformat()]
        + ["--no-progress", "--fresh"],
        check=True,
        env=env,
        capture_output=True,
    )
    return time.perf_counter() - t


def _export(url: str, day: dt.date, work: Path) -> tuple[Path, int]:
    from cdpdesk.desk.refresh import export_all
    from cdpdesk.desk.workflow import Desk

    cases, index = work / "desk-cases.jsonl", work / "desk-index.jsonl"
    with Desk.open(url) as desk:
        n = export_all(desk, day, cases, index)
    return cases, n


def _letters(url: str, count: int, workers: int) -> float:
    """Letters per second for the ``count`` oldest pending withdrawals, on ``workers``
    processes (desk/issuing.py; a bounded share of the queue, not all of it)."""
    from cdpdesk.desk.issuing import issue_in_parallel
    from cdpdesk.desk.workflow import Desk

    with Desk.open(url) as desk:
        todo = desk.pending_withdrawals()["pending"][:count]
        if not todo:
            return 0.0
        # a letter is dated on or after the withdrawal it answers (synthetic ones may be ahead)
        when = max([dt.date.today(), *(dt.date.fromisoformat(w["received"]) for w in todo)])
        t = time.perf_counter()
        acks = issue_in_parallel(desk, todo, workers=workers, by="bench", letter_date=when)
        seconds = time.perf_counter() - t
        assert sum(a.created for a in acks) == len(todo)
    return len(todo) / seconds


#: the far-day refresh's jump: a month from the facts' day
FAR_DAYS = 30


def _refresh_part(env: dict[str, str], url: str, n: int, work: Path, extra: list[str], db: str) -> None:
    """The refresh and `bulk analyze` of the same cases, each on 1 and on 2 workers, one
    after the other; every rate from the CLI's wall time, over the cases the run brought
    to the day (the cases already as of a later day of their own are not counted). First a
    refresh brings the desk from its import to a day 400 days on (untimed: a jump, not a
    night). Then, for each number of workers, from the day the facts are as of:

    - the **nightly** refresh to the next day (cases whose facts hold only have their day
      moved, in SQL; the others are analysed);
    - the **full** recompute of that day (``--all``: every case analysed);
    - `bulk analyze` of the same cases as of that day: the rate the others are compared with;
    - the **far-day** refresh to ``FAR_DAYS`` after that day (fewer facts hold a month than a
      night, so more cases are analysed), compared with the same `bulk analyze` rate (the
      analysis of a case costs the same a month on). Its day is the next worker count's
      start, so each nightly refresh is a night on from the facts' day."""
    start = dt.date.today() + dt.timedelta(days=400)
    cases, exported = _export(url, start, work)
    _refresh(env, start, 2)
    for workers in (1, 2):
        day = start + dt.timedelta(days=1)
        far_day = day + dt.timedelta(days=FAR_DAYS)
        load = os.getloadavg()[0]
        nightly = _refresh(env, day, workers)
        full = _refresh(env, day, workers, everything=True)
        bulk_s = _bulk(env, cases, work / "analyses.jsonl", day, workers)
        far = _refresh(env, far_day, workers)
        start = far_day
        bulk_rate = exported / bulk_s
        night_rate = nightly["todo"] / nightly["wall_s"]
        full_rate = full["todo"] / full["wall_s"]
        far_rate = far["todo"] / far["wall_s"]
        print(
            f"  {workers}w: nightly refresh {night_rate:.0f} cases/s ({nightly['todo']} brought to the day "
            f"in {nightly['wall_s']:.1f} s: {nightly['held']} moved without analysis, {nightly['analysed']} "
            f"analysed, {nightly['unchanged']} of them unchanged); full recompute (--all) {full_rate:.0f} "
            f"cases/s ({full['todo']} in {full['wall_s']:.1f} s); far-day refresh ({FAR_DAYS} days on) "
            f"{far_rate:.0f} cases/s ({far['todo']} in {far['wall_s']:.1f} s: {far['held']} moved without "
            f"analysis, {far['analysed']} analysed, {far['unchanged']} of them unchanged); bulk analyze "
            f"{bulk_rate:.0f} cases/s ({exported} in {bulk_s:.1f} s): nightly at "
            f"{100 * night_rate / bulk_rate:.0f}%, full at {100 * full_rate / bulk_rate:.0f}%, far-day at "
            f"{100 * far_rate / bulk_rate:.0f}% (load {load:.1f})",
            flush=True,
        )
        extra.append(
            f"| {db} | {n:,} | nightly refresh (`desk refresh --workers {workers}`, day to next day) | "
            f"{night_rate:,.0f} cases/s ({nightly['held']:,} of {nightly['todo']:,} moved without analysis; "
            f"at {100 * night_rate / bulk_rate:.0f}% of bulk analyze) |"
        )
        extra.append(
            f"| {db} | {n:,} | full recompute (`desk refresh --all --workers {workers}`) | "
            f"{full_rate:,.0f} cases/s (at {100 * full_rate / bulk_rate:.0f}% of bulk analyze) |"
        )
        extra.append(
            f"| {db} | {n:,} | `bulk analyze --workers {workers}` of the same cases | {bulk_rate:,.0f} cases/s |"
        )
        extra.append(
            f"| {db} | {n:,} | far-day refresh (`desk refresh --workers {workers}`, day to {FAR_DAYS} days on) | "
            f"{far_rate:,.0f} cases/s ({far['held']:,} of {far['todo']:,} moved without analysis; "
            f"at {100 * far_rate / bulk_rate:.0f}% of bulk analyze) |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", nargs="?", type=int, default=int(os.environ.get("BENCH_DESK_SIZE", "100000")))
    parser.add_argument("--pages", nargs="+", metavar="URL", help="only time the pages on these desks")
    parser.add_argument("--only", help="only the pages whose name matches this pattern")
    parser.add_argument("--sql", action="store_true", help="with --pages: each page's SQL time, not its own")
    args = parser.parse_args()
    if args.pages and args.sql:
        sql_costs(args.pages, args.only)
        return
    if args.pages:
        pages_only(args.pages, int(os.environ.get("BENCH_DESK_REPS", "30")), args.only)
        return
    small = int(os.environ.get("BENCH_DESK_SMALL", "200"))
    size = args.size
    sizes = [small, size]
    reps = int(os.environ.get("BENCH_DESK_REPS", "30"))
    dbs = os.environ.get("BENCH_DESK_DBS", "sqlite,postgresql").split(",")
    letters = int(os.environ.get("BENCH_DESK_LETTERS", "40"))
    every = ("pages", "refresh", "letters")
    parts = {p.strip() for p in os.environ.get("BENCH_DESK_PARTS", ",".join(every)).split(",") if p.strip()}
    if not parts <= set(every):
        sys.exit(
            f"BENCH_DESK_PARTS: parts are {', '.join(every)}; got {', '.join(sorted(parts - set(every)))}"
        )
    if "pages" not in parts:
        sizes = [size]
    load_before = os.getloadavg()
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
                for n in sizes:
                    if db == "postgresql":
                        if server is None:
                            server, cluster = _postgres()
                        url = _schema_url(server)
                    else:
                        url = f"sqlite:///{work / f'desk-{n}.db'}"
                    built = _desk(url, n, work, env)
                    pages = _pages(url, reps) if "pages" in parts else {}
                    rate = n / built["import_s"]
                    print(f"{db} {n}: import {rate:.0f} cases/s", flush=True)
                    for name, (med, p95) in pages.items():
                        print(f"  {name}: median {med:.1f} ms, p95 {p95:.1f} ms", flush=True)
                        rows.append(f"| {db} | {n:,} | {name} | {med:.1f} | {p95:.1f} |")
                    extra.append(
                        f"| {db} | {n:,} | import (`case import --jsonl`, every core) | {rate:,.0f} cases/s |"
                    )
                    if n == size and "refresh" in parts:
                        _refresh_part(built["env"], url, n, work, extra, db)
                    if n != size or "letters" not in parts:
                        continue
                    for workers in (1, 2):
                        per_s = _letters(url, letters, workers)
                        print(f"  letters {workers}w {per_s:.2f}/s", flush=True)
                        extra.append(
                            f"| {db} | {n:,} | Letter 4383 on {workers} worker{'s' if workers > 1 else ''} "
                            f"({letters} letters) | {per_s:,.2f} letters/s |"
                        )
        finally:
            if cluster is not None:
                cluster.stop()
    load_after = os.getloadavg()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = f"load average {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end (1 min)"
    block = "\n".join(
        [
            START,
            "## Desk: lists, search and queue at office scale (`bench/desk_bench.py`)",
            "",
            f"{when}, {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, {load}; "
            f"{reps} timed requests each after 3 warm-ups, served in process (no network). "
            f"Desks of {small:,} and {size:,} cases built with `cdpdesk bulk synth N` and "
            "`cdpdesk case import --jsonl`; the refresh, `bulk analyze` and letters on the larger.",
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
    if parts == set(every):
        write_section(START, END, block)
    else:
        print(f"\n{load}; only {', '.join(sorted(parts))}: docs/benchmarks.md left alone\n")
        print("\n".join([*rows, *extra]))


if __name__ == "__main__":
    main()
