"""``cdpdesk serve | demo load | user add/link/list``: the web desk and its accounts.

FastAPI, uvicorn and the database load inside the commands, never at start-up.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from cdpdesk.cli.common import count, fail

if TYPE_CHECKING:
    from cdpdesk.desk.accounts import Accounts
    from cdpdesk.desk.workflow import Desk

demo_app = typer.Typer(help="Demo cases and users for trying the web desk.", no_args_is_help=True)
user_app = typer.Typer(help="Web desk accounts: add users, link them to cases.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add these commands to the ``cdpdesk`` app."""
    app.command("serve")(serve)
    app.add_typer(demo_app, name="demo")
    app.add_typer(user_app, name="user")


def _open() -> tuple[Desk, Accounts]:
    from cdpdesk.cli.desk import _setup_logging
    from cdpdesk.desk.accounts import Accounts
    from cdpdesk.desk.record import DeskError
    from cdpdesk.desk.workflow import Desk

    _setup_logging()
    try:
        desk = Desk.open()
        return desk, Accounts(desk)
    except DeskError as exc:
        fail(str(exc))


def _print_demo(result: dict[str, Any], out: TextIO = sys.stdout) -> None:
    from cdpdesk.desk.demo import DEMO_TITLES, DEMO_USERS

    cases = result["cases"]
    print("Demo cases:", file=out)
    for key, case_id in cases.items():
        print(f"  case {case_id:<3} {DEMO_TITLES[key]}", file=out)
    print("Demo logins (username / password):", file=out)
    for u in DEMO_USERS:
        print(f"  {u.username:<8} / {u.password:<13} {u.note}", file=out)


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo cases and users into the database (again: nothing is duplicated)."""
    from cdpdesk.desk.demo import load_demo

    desk, accounts = _open()
    try:
        result = load_demo(desk, accounts)
    finally:
        desk.close()
    made = result["created_cases"]
    print(
        f"loaded {count(len(made), 'new demo case')} and {count(len(result['created_users']), 'new demo user')}"
    )
    _print_demo(result)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def port_problem(host: str, port: int | str) -> str | None:
    """Why the desk cannot listen on ``host:port`` (taken, or not a port), in one line; None
    when it can. ``make run`` asks before it starts, and ``serve`` asks again itself."""
    import errno
    import socket

    text = str(port).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        return f"PORT={text[:20]} is not a port number (1 to 65535)"
    number = int(text)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, number, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        return f"cannot listen on {host}: {exc.strerror}"
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {number} on {host} is already in use (is CDP Desk already running?); "
                    f"stop that server or choose another port: make run PORT={number + 1}"
                )
            return f"cannot listen on {host} port {number}: {exc.strerror or exc}"
    return None


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Load the demo cases and users first (public passwords: not for real data)."
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes (default: one per CPU core). Each opens the database itself.",
        ),
    ] = None,
) -> None:
    """Serve the web desk and its REST API on the desk's database (created and migrated first)."""
    problem = port_problem(host, port)
    if problem is not None:  # one line, not uvicorn's bind traceback after the demo loads
        fail(problem)
    import uvicorn

    from cdpdesk.privacy import log_config
    from cdpdesk.web.security import secret_key

    # Everything that must happen once happens here, before any worker starts: the schema,
    # the demo data, the cookie secret.
    desk, accounts = _open()
    from cdpdesk.desk.db import describe
    from cdpdesk.desk.demo import load_demo
    from cdpdesk.desk.settings import load_settings

    try:
        if demo:
            _print_demo(load_demo(desk, accounts))
        elif not accounts.users():
            print(
                "No users yet: add one with  cdpdesk user add NAME --role appeals  "
                "(or run  cdpdesk serve --demo  to try the demo)."
            )
        secret_key(desk.settings.var_dir)
    finally:
        desk.close()
    n = workers or _cores()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"Database: {describe(load_settings().database_url)}")
    print(f"Workers: {count(n, 'process', 'processes')}")
    print(f"CDP Desk is at http://{shown}:{port}/  (API docs: http://{shown}:{port}/docs)  Ctrl-C stops it.")
    if host not in ("127.0.0.1", "localhost", "::1"):
        print("Note: this serves plain HTTP; put it behind a TLS proxy before others use it.")
    sys.stdout.flush()
    # An import string and a factory, so that each worker is a real process with its own
    # desk (uvicorn cannot hand an application object to other processes). The log config
    # masks TINs in every worker's records (uvicorn applies it in each process).
    level = os.environ.get("CDPDESK_LOG", "warning").lower()
    uvicorn.run(
        "cdpdesk.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=n,
        log_level=level,
        log_config=log_config(level),
    )


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits, '.', '_', '-'.")],
    role: Annotated[str, typer.Option("--role", help="appeals, representative or taxpayer.")],
    name: Annotated[str | None, typer.Option("--name", help="The name shown on pages.")] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input (else you are asked)."),
    ] = False,
) -> None:
    """Add a user (the password is asked twice, or read from standard input)."""
    from cdpdesk.desk.record import DeskError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    desk, accounts = _open()
    try:
        account = accounts.create_user(username, name or username, role, password)
    except DeskError as exc:
        fail(str(exc))
    finally:
        desk.close()
    print(f"user {account.username} ({account.role}) added")


@user_app.command("link")
def user_link(
    username: Annotated[str, typer.Argument(help="The representative's or taxpayer's login.")],
    case_id: Annotated[int, typer.Argument(help="The case they may see.")],
) -> None:
    """Let a representative or taxpayer see a case."""
    from cdpdesk.desk.record import DeskError

    desk, accounts = _open()
    try:
        new = accounts.link(username, case_id)
    except DeskError as exc:
        fail(str(exc))
    finally:
        desk.close()
    print(f"{username} {'may now see' if new else 'could already see'} case {case_id}")


@user_app.command("list")
def user_list() -> None:
    """The users, their roles and linked cases."""
    desk, accounts = _open()
    try:
        for u in accounts.users():
            cases = accounts.linked_cases(u)
            linked = "every case" if u.is_appeals else ", ".join(map(str, cases)) or "no case"
            print(f"{u.username:<16} {u.role:<15} {u.display_name}  ({linked})")
    finally:
        desk.close()
