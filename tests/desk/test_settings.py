"""The desk's settings: environment over var/desk.toml over defaults, and a bad value is one
clear line naming the setting (docs/desk.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pydantic
import pytest

from cdpdesk.desk.settings import SAMPLE_CONTACT, Settings, SettingsError, _setting_error, load_settings
from tests.conftest import ROOT

TOML = """
database_url = "sqlite:///from-toml.db"
user = "toml.clerk"

[appeals]
name = "Pat Example"
title = "Settlement Officer"
employee_id = 1234567
phone = "555-0123"
fax = "555-0124"
hours = "Monday to Friday"
office = ["Independent Office of Appeals", "123 Example St", "Anytown, ST 00000"]
"""


def test_defaults_sqlite_in_var_and_the_sample_contact(desk_env: Path) -> None:
    s = load_settings()
    assert s.var_dir == desk_env
    assert s.database_url == f"sqlite:///{desk_env.as_posix()}/cdpdesk.db"
    assert s.letters_dir == desk_env / "letters"
    assert s.user == "clerk.a"  # CDPDESK_USER (set by the desk conftest)
    assert s.contact.sample is True
    assert s.contact.to_json() == SAMPLE_CONTACT


def test_the_file_fills_what_the_environment_leaves(desk_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desk_env.mkdir(parents=True)
    (desk_env / "desk.toml").write_text(TOML)
    monkeypatch.delenv("CDPDESK_USER")
    s = load_settings()
    assert s.database_url == "sqlite:///from-toml.db"
    assert s.user == "toml.clerk"
    assert s.contact.sample is False
    assert s.contact.employee_id == "1234567"  # a TOML number is still the ID's text
    assert s.contact.office == ("Independent Office of Appeals", "123 Example St", "Anytown, ST 00000")

    monkeypatch.setenv("CDPDESK_USER", "env.clerk")
    monkeypatch.setenv("CDPDESK_DATABASE_URL", "postgres://u@db.example/cdp")
    monkeypatch.setenv("CDPDESK_APPEALS_EMPLOYEE_ID", "7654321")
    monkeypatch.setenv("CDPDESK_APPEALS_OFFICE", "Office A | 1 Road |")
    monkeypatch.setenv("CDPDESK_APPEALS_FAX", "")  # empty counts as unset: the file's value
    s = load_settings()
    assert s.user == "env.clerk"
    assert s.database_url == "postgresql+psycopg://u@db.example/cdp"
    assert (s.contact.name, s.contact.employee_id, s.contact.fax) == ("Pat Example", "7654321", "555-0124")
    assert s.contact.office == ("Office A", "1 Road")
    # an explicit URL (Desk.open(url)) beats both
    assert load_settings("sqlite:///given.db").database_url == "sqlite:///given.db"


def test_one_field_from_the_environment_still_leaves_the_sample_marked(
    desk_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDPDESK_APPEALS_NAME", "Real Person")
    contact = load_settings().contact
    assert contact.name == "Real Person" and contact.phone == SAMPLE_CONTACT["phone"]
    assert contact.sample is True


def test_a_new_setting_is_one_line_and_its_bad_value_is_named(
    desk_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class WithFlag(Settings):
        secure_cookies: bool = False

    assert WithFlag().secure_cookies is False
    monkeypatch.setenv("CDPDESK_SECURE_COOKIES", "true")
    assert WithFlag().secure_cookies is True
    monkeypatch.setenv("CDPDESK_SECURE_COOKIES", "maybe")
    with pytest.raises(pydantic.ValidationError) as caught:
        WithFlag()
    err = _setting_error(caught.value)
    assert isinstance(err, SettingsError)
    assert str(err) == "CDPDESK_SECURE_COOKIES: Input should be a valid boolean, unable to interpret input"
    monkeypatch.delenv("CDPDESK_SECURE_COOKIES")
    desk_env.mkdir(parents=True)
    (desk_env / "desk.toml").write_text("secure_cookies = 3\n")
    with pytest.raises(pydantic.ValidationError) as caught:
        WithFlag()
    assert str(_setting_error(caught.value)) == (
        f"{desk_env}/desk.toml: secure_cookies: Input should be a valid boolean, unable to interpret input"
    )


def cli(var: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CDPDESK_")}
    return subprocess.run(
        [sys.executable, "-m", "cdpdesk", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, "CDPDESK_VAR": str(var), **env},
        timeout=120,
    )


@pytest.mark.parametrize(
    ("toml", "env", "line"),
    [
        ("[appeals]\noffice = 5\n", {}, "{toml}: appeals.office: Input should be a valid list"),
        ("databse_url = 'sqlite:///x.db'\n", {}, "{toml}: databse_url: no such setting"),
        (
            "appeals = 'Pat'\n",
            {},
            "{toml}: appeals: Input should be a valid dictionary or instance of AppealsSettings",
        ),
        (
            "[appeals\n",
            {},
            "{toml}: cannot read the desk settings (Expected ']' at the end of a table declaration (at line 1, column 9))",
        ),
        ("", {"CDPDESK_APPEALS_NMAE": "Pat"}, "CDPDESK_APPEALS_NMAE: no such setting"),
        (
            "",
            {"CDPDESK_DATABASE_URL": "postgres//clerk:s3cret@db/cdp"},
            "CDPDESK_DATABASE_URL: not a database URL (sqlite:///PATH or postgresql://USER@HOST/DB)",
        ),
    ],
)
def test_a_bad_setting_is_one_line_through_the_cli(
    tmp_path: Path, toml: str, env: dict[str, str], line: str
) -> None:
    var = tmp_path / "var"
    var.mkdir()
    if toml:
        (var / "desk.toml").write_text(toml)
    res = cli(var, "withdrawals", "pending", **env)
    assert res.returncode == 2
    assert res.stderr == "cdpdesk: error: " + line.format(toml=var / "desk.toml") + "\n"
    assert "s3cret" not in res.stderr and not (var / "cdpdesk.db").exists()


def test_settings_from_the_file_reach_the_cli(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    (var / "desk.toml").write_text(f"database_url = 'sqlite:///{tmp_path}/elsewhere.db'\n")
    res = cli(var, "case", "import", str(ROOT / "examples" / "withdrawal-cdp.json"))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "elsewhere.db").exists() and not (var / "cdpdesk.db").exists()
