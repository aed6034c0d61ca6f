"""No full TIN in any output: representative flows of the CLI, the API, the pages and a
served ``cdpdesk serve`` (its log captured) with the test TINs typed into every kind of
field, every output grepped: standard output and error, response bodies and headers, the
server's log. (tests/conftest.py also greps every log record and every captured output of
the whole test suite.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from cdpdesk.desk.accounts import Accounts
from cdpdesk.desk.demo import load_demo
from cdpdesk.desk.workflow import Desk
from cdpdesk.privacy import redact
from cdpdesk.web.app import create_app
from tests.conftest import ROOT, TEST_TINS, full_tins
from tests.web.server import free_port

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
TYPED = "321-54-9876"  # the TIN a user types where it does not belong
BASIC = ("appeals", "appeals-demo")


def _bad_case() -> dict[str, object]:
    """The example with TIN-shaped strings in every kind of place a value can go."""
    doc = json.loads(EXAMPLE.read_text())
    doc["as_of"] = TYPED
    doc[TYPED] = 1  # an unknown key
    doc["events"][0]["id"] = "321549876"
    doc["events"][1]["periods"] = ["32-1549876"]
    doc["events"][2]["received"] = "321 54 9876"
    doc["taxpayer"]["tin"] = "321-54-98765"
    return doc


def test_the_test_tins_are_found_when_they_are_there() -> None:
    assert full_tins(f"x {TYPED} y 321549876 %2F555-12-3456") == [TYPED, "321549876", "555-12-3456"]
    assert full_tins("XXX-XX-9876 XX-XXX6789 1234567890 2024-06-14") == []
    assert "321-54-9876" in TEST_TINS


def _cli(tmp: Path, *args: str, stdin: bytes | None = None) -> str:
    env = os.environ | {"CDPDESK_VAR": str(tmp / "var"), "CDPDESK_USER": "clerk.a", "CDPDESK_LOG": "debug"}
    env.pop("CDPDESK_DATABASE_URL", None)
    res = subprocess.run(
        [sys.executable, "-m", "cdpdesk", *args],
        input=stdin,
        capture_output=True,
        cwd=tmp,
        env=env,
        timeout=180,
    )
    # the command line itself holds the typed TINs: shown masked, so that only outputs are grepped
    return f"$ cdpdesk {redact(' '.join(args))} (exit {res.returncode})\n{res.stdout.decode()}{res.stderr.decode()}"


def test_cli_outputs_hold_no_full_tin(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(json.dumps(_bad_case()))
    event = {"id": TYPED, "type": "levy_notice", "date": "2024-03-02", "periods": ["1040-2019"]}
    (tmp_path / "event.json").write_text(json.dumps(event))
    out = [
        _cli(tmp_path, "analyze", "bad.json"),
        _cli(tmp_path, "analyze", str(EXAMPLE), "--as-of", TYPED),
        _cli(tmp_path, "explain", "bad.json"),
        _cli(tmp_path, "analyze", "--jsonl", "-", stdin=json.dumps(_bad_case()).encode() + b"\n"),
        _cli(tmp_path, "case", "import", "bad.json"),
        _cli(tmp_path, "case", "import", str(EXAMPLE), "--by", TYPED),
        _cli(tmp_path, "case", "import", str(EXAMPLE)),  # holds 123-45-6789
        _cli(tmp_path, "case", "show", "1"),
        _cli(tmp_path, "case", "show", "1", "--json"),
        _cli(tmp_path, "case", "list"),
        _cli(tmp_path, "case", "show", TYPED),
        _cli(tmp_path, "case", "show", "321549876"),
        _cli(tmp_path, "event", "add", "1", "event.json"),
        _cli(tmp_path, "event", "retract", "1", TYPED),
        _cli(tmp_path, "event", "correct", "1", "event.json", "--note", f"SSN {TYPED}"),
        _cli(tmp_path, "withdrawals", "pending"),
        _cli(tmp_path, "withdrawals", "acknowledge", "1", TYPED),
        _cli(tmp_path, "withdrawals", "acknowledge", "1", "e3", "--date", "2024-06-14"),
        _cli(tmp_path, "letters", "list"),
        _cli(tmp_path, "letters", "reprint", "321549876", "--out", "x"),
        _cli(tmp_path, "letters", "issue-pending", "--date", TYPED),
        _cli(tmp_path, "letter", "render", "4383", "bad.json", "--out", "x", "--withdrawal", "e3"),
        _cli(
            tmp_path,
            "user",
            "add",
            TYPED,
            "--role",
            "appeals",
            "--password-stdin",
            stdin=b"long-password-1\n",
        ),
        _cli(tmp_path, "user", "link", "nobody", "321549876"),
        _cli(tmp_path, "whatif", "withdraw", "bad.json", "--request", "e2", "--on", "2024-06-01"),
        _cli(tmp_path, "whatif", "withdraw", str(EXAMPLE), "--request", TYPED, "--on", "2024-06-01"),
        _cli(tmp_path, "whatif", "withdraw", str(EXAMPLE), "--request", "e2", "--on", TYPED),
        _cli(
            tmp_path,
            "whatif",
            "withdraw",
            str(EXAMPLE),
            "--request",
            "e2",
            "--on",
            "2024-04-01",
            "--periods",
            TYPED,
        ),
        _cli(tmp_path, "deadlines", str(EXAMPLE), "--ics"),
        _cli(tmp_path, "deadlines", str(EXAMPLE), "--csv", "--as-of", "2024-04-01"),
        _cli(tmp_path, "deadlines", "bad.json"),
    ]
    text = "\n".join(out)
    assert "XXX-XX-9876" in text and "XXX-XX-6789" in text, text  # the masked forms do show
    assert full_tins(text) == [], text


@pytest.fixture
def app_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Desk]]:
    monkeypatch.setenv("CDPDESK_VAR", str(tmp_path / "var"))
    monkeypatch.delenv("CDPDESK_DATABASE_URL", raising=False)
    desk = Desk.open(f"sqlite:///{tmp_path / 'var' / 'cdpdesk.db'}")
    load_demo(desk, Accounts(desk))
    try:
        yield TestClient(create_app(desk=desk), base_url="http://testserver"), desk
    finally:
        desk.close()


def _dump(r: httpx.Response) -> str:
    # the request line holds the typed TINs (shown masked); the answer is grepped whole
    return f"{r.request.method} {redact(str(r.request.url))} -> {r.status_code}\n{r.headers}\n{r.text}"


def test_api_and_page_outputs_hold_no_full_tin(app_desk: tuple[TestClient, Desk]) -> None:
    client, _desk = app_desk
    bad = json.dumps(_bad_case())
    event = {"id": TYPED, "type": "levy_notice", "date": TYPED, "periods": [TYPED], TYPED: True}
    rs = [
        client.post("/api/analyze", content=bad),
        client.post(f"/api/analyze?as_of={TYPED}", content=EXAMPLE.read_bytes()),
        client.post("/api/cases", content=bad, auth=BASIC),
        client.get(f"/api/cases/{TYPED}", auth=BASIC),
        client.get("/api/cases/321549876", auth=BASIC),
        client.get("/api/letters/321549876", auth=BASIC),
        client.get(f"/api/letters/lookup?q={TYPED}"),
        client.post("/api/cases/1/events", json=event, auth=BASIC),
        client.post("/api/cases/1/events", json={"id": TYPED, "type": "levy_notice"}, auth=BASIC),
        client.post(f"/api/cases/1/withdrawals/{TYPED}/acknowledge", auth=BASIC),
        client.get(f"/api/cases/1?as_of={TYPED}", auth=BASIC),
        client.get("/api/cases/1", auth=BASIC),
        client.get("/api/cases", auth=BASIC),
        client.get(f"/api/withdrawals?q={TYPED}", auth=BASIC),
        client.get(f"/api/withdrawals?assigned={TYPED}&hearing={TYPED}", auth=BASIC),
        client.get(f"/queue?q={TYPED}&older_than={TYPED}&hearing={TYPED}&mine={TYPED}", auth=BASIC),
        client.get("/queue", auth=BASIC),
        client.get(f"/lookup?q={TYPED}"),
        client.get(f"/cases/{TYPED}", follow_redirects=False),
        client.get("/cases/321549876", auth=BASIC),
        client.get(f"/cases/1/withdrawals/{TYPED}/preview", auth=BASIC),
        client.get(f"/no/such/{TYPED}"),
        client.post("/login", data={"username": TYPED, "password": "x", "csrf_token": "x"}),
        client.post(
            "/api/whatif/withdraw", json={"case": json.loads(bad), "request": "e2", "on": "2024-06-01"}
        ),
        client.post(
            "/api/whatif/withdraw", json={"case_id": 4, "request": TYPED, "on": "2024-06-01"}, auth=BASIC
        ),
        client.post("/api/whatif/withdraw", json={"case_id": 4, "request": "r1", "on": TYPED}, auth=BASIC),
        client.post(
            "/api/whatif/withdraw", json={"case_id": 4, "request": "r1", "on": "2000-01-01"}, auth=BASIC
        ),
        client.get("/api/deadlines", auth=BASIC),
        client.get(f"/api/deadlines?kind={TYPED}", auth=BASIC),
        client.get("/deadlines.csv", auth=BASIC),
        client.get("/cases/4/deadlines.ics", auth=BASIC),
        client.get(f"/cases/4/whatif?request={TYPED}&on=2020-01-01", auth=BASIC),
        client.get(f"/cases/4/whatif?request=r1&on={TYPED}&periods={TYPED}", auth=BASIC),
        client.get(f"/cases/4/whatif?request=r1&on=2026-01-01&periods={TYPED}", auth=BASIC),
        client.get(f"/feeds/{TYPED}.ics"),
    ]
    text = "\n".join(_dump(r) for r in rs)
    assert all(r.status_code < 500 for r in rs), text
    assert "XXX-XX-9876" in text and "XXX-XX-6789" in text, text
    assert full_tins(text) == [], text


def _wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:  # pragma: no cover
        proc.kill()
        proc.wait(10)


def test_a_served_desk_logs_no_full_tin(tmp_path: Path) -> None:
    """``cdpdesk serve`` at log level info: the access log, the desk's log, every error."""
    port = free_port()
    log = tmp_path / "server.log"
    env = os.environ | {"CDPDESK_VAR": str(tmp_path / "var"), "CDPDESK_LOG": "info", "PYTHONUNBUFFERED": "1"}
    env.pop("CDPDESK_DATABASE_URL", None)
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cdpdesk", "serve", "--demo", "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(f"{base}/api/roadmap", proc)
        with httpx.Client(base_url=base, timeout=30) as c:
            rs = [
                c.get(f"/api/letters/lookup?q={TYPED}"),
                c.get("/api/letters/lookup", params={"q": "321 54 9876"}),
                c.get(f"/api/cases/321549876?tin={TYPED}", auth=BASIC),
                c.post("/api/analyze", content=json.dumps(_bad_case())),
                c.post("/api/cases/1/events", json={"id": TYPED, "type": "x"}, auth=BASIC),
                c.get(f"/cases/{TYPED}", follow_redirects=False),
                c.get(f"/lookup?q={TYPED}"),
                c.get(f"/{TYPED}/%33%32%31-54-9876"),
                c.get("/feeds/Feed-Token_Secret1234.ics"),  # a feed's address is its key
            ]
    finally:
        _stop(proc)
    served = log.read_text()
    assert '"GET /feeds/[token].ics HTTP/1.1" 404' in served, served
    assert "Feed-Token_Secret1234" not in served
    assert '"GET /api/letters/lookup?q=XXX-XX-9876 HTTP/1.1" 404' in served, served  # the access log
    assert "cdpdesk: INFO" in served or "demo" in served, served
    text = served + "\n".join(_dump(r) for r in rs)
    assert full_tins(text) == [], text


@pytest.mark.parametrize("workers", [1, 2])
def test_a_500_traceback_is_logged_masked_also_with_workers(tmp_path: Path, workers: int) -> None:
    """uvicorn with ``privacy.log_config`` (what ``cdpdesk serve`` passes), in one process
    and in two worker processes: the traceback of a failing request is masked."""
    port = free_port()
    log = tmp_path / "server.log"
    script = (
        "import uvicorn\nfrom cdpdesk.privacy import log_config\n"
        f"uvicorn.run('tests.tin_app:app', host='127.0.0.1', port={port}, workers={workers}, "
        "log_config=log_config('info'), log_level='info')\n"
    )
    env = os.environ | {"PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-c", script], stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )
    try:
        _wait_up(f"http://127.0.0.1:{port}/", proc)
        for _ in range(4):  # reach every worker
            assert httpx.get(f"http://127.0.0.1:{port}/x?ssn={TYPED}", timeout=30).status_code == 500
        deadline = time.monotonic() + 20
        while log.read_text().count("ModelInputError") < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        _stop(proc)
    served = log.read_text()
    assert served.count("input_value='XXX-XX-9876'") >= 4, served
    assert "Traceback (most recent call last)" in served and "GET /x?ssn=XXX-XX-9876" in served, served
    assert full_tins(served) == [], served
