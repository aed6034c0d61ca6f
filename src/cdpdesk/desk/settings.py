"""Where the desk keeps its files, which database it uses, and the Appeals contact block.

Every value comes from, in order: an environment variable, ``var/desk.toml``, a default.
The contact defaults are SAMPLE DATA (a fictional officer, a 555-01xx phone number) so that
a fresh clone can print a letter; a real office sets its own (docs/desk.md).
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The sample contact block used when nothing else is configured. Clearly not real.
SAMPLE_CONTACT: dict[str, Any] = {
    "name": "Jordan Sample",
    "title": "Appeals Officer",
    "employee_id": "1000000",
    "phone": "555-0100",
    "fax": "555-0199",
    "hours": "Monday to Friday, 8:00 a.m. to 4:30 p.m. local time",
    "office": ["Sample Appeals Office", "100 Example Avenue, Stop 1", "Springfield, IL 62701"],
}

_ENV = {
    "name": "CDPDESK_APPEALS_NAME",
    "title": "CDPDESK_APPEALS_TITLE",
    "employee_id": "CDPDESK_APPEALS_EMPLOYEE_ID",
    "phone": "CDPDESK_APPEALS_PHONE",
    "fax": "CDPDESK_APPEALS_FAX",
    "hours": "CDPDESK_APPEALS_HOURS",
    "office": "CDPDESK_APPEALS_OFFICE",  # address lines separated by '|'
}


@dataclass(frozen=True, slots=True)
class Contact:
    """The Appeals person and office a taxpayer is told to contact (letters.md item 2)."""

    name: str
    title: str
    employee_id: str
    phone: str
    fax: str
    hours: str
    office: tuple[str, ...]
    sample: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "employee_id": self.employee_id,
            "phone": self.phone,
            "fax": self.fax,
            "hours": self.hours,
            "office": list(self.office),
        }


@dataclass(frozen=True, slots=True)
class Settings:
    var_dir: Path
    database_url: str
    contact: Contact
    user: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def letters_dir(self) -> Path:
        return self.var_dir / "letters"


def var_dir() -> Path:
    """``CDPDESK_VAR`` or ``./var`` (relative to where the command runs)."""
    return Path(os.environ.get("CDPDESK_VAR", "var"))


def _toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the desk settings ({exc})") from None


def default_database_url(var: Path) -> str:
    return f"sqlite:///{(var / 'cdpdesk.db').as_posix()}"


def normalize_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def current_user() -> str:
    user = os.environ.get("CDPDESK_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def load_settings(database_url: str | None = None) -> Settings:
    var = var_dir()
    conf = _toml(var / "desk.toml")
    url = database_url or os.environ.get("CDPDESK_DATABASE_URL") or conf.get("database_url")
    contact_conf = dict(conf.get("appeals", {}))
    values: dict[str, Any] = {}
    sample = False
    for key, env in _ENV.items():
        raw: Any = os.environ.get(env)
        if raw is not None and key == "office":
            raw = [part.strip() for part in str(raw).split("|") if part.strip()]
        if raw is None:
            raw = contact_conf.get(key)
        if raw is None:
            raw = SAMPLE_CONTACT[key]
            sample = True
        values[key] = raw
    contact = Contact(
        name=str(values["name"]),
        title=str(values["title"]),
        employee_id=str(values["employee_id"]),
        phone=str(values["phone"]),
        fax=str(values["fax"]),
        hours=str(values["hours"]),
        office=tuple(str(line) for line in values["office"]),
        sample=sample,
    )
    return Settings(
        var_dir=var,
        database_url=normalize_url(str(url)) if url else default_database_url(var),
        contact=contact,
        user=current_user(),
        extra=conf,
    )
