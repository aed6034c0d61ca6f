"""What one request of a staff page costs the database: the read sessions it opens, the
connections it checks out of the pool, the statements it runs and (PostgreSQL) the round
trips to the server; and the page's median time (issue 11, session 11).

    python bench/page_trips.py URL [URL ...]    # desks built already (`bulk synth`, `case import`)

Each page is asked for once to warm up (the facts filled, the statement cache), then once
with the counters on, then ``BENCH_TRIPS_REPS`` (30) times for its median and p95 and the
CPU time per request of this process (all threads: the app) and, on PostgreSQL, of the
server's processes (``/proc``: on a busy machine they move less than wall time), through
FastAPI's TestClient signed in as an Appeals user with a session cookie (as bench/desk_bench.py
does: the server's work without the network). Round trips on PostgreSQL: one pre-ping per
checkout (``pool_pre_ping``), each statement, and a ``BEGIN`` and its end for a session that
is not in autocommit (a read session is).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from desk_bench import signed_in  # noqa: E402 - beside this file: the same signed-in client

#: (name, path, params): the staff pages of issue 11's session 11 (case 1: the desk's first).
PAGES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("case list (HTML)", "/cases", {}),
    ("case list (HTML), filter", "/cases", {"stage": "in_appeals"}),
    ("case list (HTML), search", "/cases", {"q": "taxpayer 12", "sort": "taxpayer"}),
    ("queue page (HTML)", "/queue", {}),
    ("queue page (HTML), filter", "/queue", {"hearing": "equivalent"}),
    ("queue page (HTML), search", "/queue", {"q": "taxpayer 12"}),
    ("GET /api/cases", "/api/cases", {}),
    ("GET /api/cases, search", "/api/cases", {"q": "taxpayer 12"}),
    ("GET /api/withdrawals", "/api/withdrawals", {}),
    ("GET /api/withdrawals, filter", "/api/withdrawals", {"hearing": "cdp"}),
    ("deadlines page (HTML)", "/deadlines", {"within": 365}),
    ("case page (HTML)", "/cases/1", {}),
)


class Counter:
    """Pool checkouts, read sessions begun, statements, and transactions (not autocommit)
    of one engine, while :meth:`on`."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        from cdpdesk.desk import db

        self.engine = engine
        self.counting = False
        self.checkouts = self.reads = self.statements = self.transactions = 0

        def checkout(*_: Any) -> None:
            self.checkouts += self.counting

        def statement(*_: Any) -> None:
            self.statements += self.counting

        def begun(_session: Any, _tx: Any, conn: Any) -> None:
            if not self.counting:
                return
            if conn.get_execution_options().get(db.READS, False):
                self.reads += 1
            # (the DBAPI's own flag: asking the connection its level is a round trip)
            if not getattr(conn.connection.dbapi_connection, "autocommit", False):
                self.transactions += 1

        event.listen(engine.pool, "checkout", checkout)
        event.listen(engine, "before_cursor_execute", statement)
        event.listen(Session, "after_begin", begun)

    def count(self, call: Any) -> dict[str, int]:
        self.checkouts = self.reads = self.statements = self.transactions = 0
        self.counting = True
        try:
            call()
        finally:
            self.counting = False
        got = {
            "reads": self.reads,
            "checkouts": self.checkouts,
            "statements": self.statements,
        }
        if self.engine.dialect.name == "postgresql":
            # a pre-ping per checkout; BEGIN and COMMIT/ROLLBACK around a transaction
            got["trips"] = self.checkouts + self.statements + 2 * self.transactions
        return got


def _ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a backend that ended
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _server_pids(desk: Any) -> Any:
    """A function giving the PostgreSQL server's processes (the postmaster's children, a
    server on this machine), or None."""
    if desk.engine.dialect.name != "postgresql":
        return None
    from sqlalchemy import text

    with desk.engine.connect() as conn:
        backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    try:
        parent = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None

    def children() -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(stat.parent.name))
            except (OSError, ValueError):
                continue
        return found

    return children


def main() -> None:
    reps = int(os.environ.get("BENCH_TRIPS_REPS", "30"))
    for url in sys.argv[1:]:
        client, desk = signed_in(url)
        counter = Counter(desk.engine)
        server = _server_pids(desk)
        print(f"== {desk.engine.dialect.name} ({url.rsplit('@', 1)[-1]}), load {os.getloadavg()[0]:.1f}")
        try:
            for name, path, params in PAGES:

                def call(path: str = path, params: dict[str, Any] = params, client: Any = client) -> None:
                    r = client.get(path, params=params)
                    assert r.status_code == 200, r.text

                call()
                got = counter.count(call)
                times = []
                pids = server() if server else []
                cpu, ticks = time.process_time(), _ticks(pids)
                for _ in range(reps):
                    t = time.perf_counter()
                    call()
                    times.append((time.perf_counter() - t) * 1000)
                app_ms = (time.process_time() - cpu) * 1000 / reps
                server_ms = (_ticks(pids) - ticks) * 1000 / os.sysconf("SC_CLK_TCK") / reps
                times.sort()
                p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
                cells = "  ".join(f"{k} {v:2d}" for k, v in got.items())
                print(
                    f"{name:30s} {cells}  median {statistics.median(times):6.1f} ms  p95 {p95:6.1f}"
                    f"  cpu app {app_ms:5.1f}" + (f" server {server_ms:4.1f}" if server else ""),
                    flush=True,
                )
        finally:
            desk.close()


if __name__ == "__main__":
    main()
