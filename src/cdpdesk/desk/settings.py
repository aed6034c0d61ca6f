"""Where the desk keeps its files, which database it uses, and the Appeals contact block.

Every value comes from, in order: an environment variable (``CDPDESK_`` and the setting's
name in capitals), ``var/desk.toml``, a default; pydantic-settings reads both. Nested
settings are tables in the file and one underscore in the environment:
``[appeals] employee_id`` is ``CDPDESK_APPEALS_EMPLOYEE_ID``. An empty variable counts as
unset. A value of the wrong kind, or a key that is no setting, is a :class:`SettingsError`
naming the setting. ``CDPDESK_VAR`` (where ``var/`` is) comes from the environment only.

Adding a setting is one line in :class:`Settings` (``name: type = default``); docs/desk.md
lists them.

The contact defaults are SAMPLE DATA (a fictional officer, a 555-01xx phone number) so that
a fresh clone can print a letter; a real office sets its own (docs/desk.md).
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from cdpdesk.engine.words import N_

ENV_PREFIX = "CDPDESK_"
TOML_NAME = "desk.toml"

#: The sample contact block used when nothing else is configured. Clearly not real. Its
#: title and hours are message ids: a letter in another language prints them translated.
SAMPLE_CONTACT: dict[str, Any] = {
    "name": "Jordan Sample",
    "title": N_("Appeals Officer"),
    "employee_id": "1000000",
    "phone": "555-0100",
    "fax": "555-0199",
    "hours": N_("Monday to Friday, 8:00 a.m. to 4:30 p.m. local time"),
    "office": ["Sample Appeals Office", "100 Example Avenue, Stop 1", "Springfield, IL 62701"],
}


# The contact's title and hours are words, set per language in [appeals.languages.<code>]
# (docs/desk.md). The sample's are in the catalogs; any other title or hours an office sets
# is printed as set unless it gives its own words for the language: an official title is the
# office's to word (letters/facts.py contact_in).


class SettingsError(ValueError):
    """A setting the desk cannot use: one line naming it (never its value: a URL may hold a
    password)."""


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
    #: the title and hours in other languages, as the office set them: {"es": {"title": ...}}
    languages: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The block as a letter's facts take it (letters/facts.py ``contact_in`` picks the
        letter's language from ``languages``)."""
        out: dict[str, Any] = {
            "name": self.name,
            "title": self.title,
            "employee_id": self.employee_id,
            "phone": self.phone,
            "fax": self.fax,
            "hours": self.hours,
            "office": list(self.office),
        }
        if self.languages:
            out["languages"] = {code: dict(words) for code, words in self.languages.items()}
        return out


class ContactWords(BaseModel):
    """``[appeals.languages.<code>]``: the contact's title and hours in one language; an
    unset one falls back to the catalog's translation of the English, else the English."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    hours: str | None = None


class AppealsSettings(BaseModel):
    """``[appeals]`` / ``CDPDESK_APPEALS_*``: each unset field takes the sample value."""

    # An employee ID or phone number written as a TOML number is still that text.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    name: str | None = None
    title: str | None = None
    employee_id: str | None = None
    phone: str | None = None
    fax: str | None = None
    hours: str | None = None
    # address lines: a list in the file, separated by '|' in the environment
    office: Annotated[list[str] | None, NoDecode] = None
    #: the title and hours per language: [appeals.languages.es] in the file, JSON in
    #: CDPDESK_APPEALS_LANGUAGES ('{"es": {"title": "Oficial de Apelaciones"}}')
    languages: dict[str, ContactWords] | None = None

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: dict[str, ContactWords] | None) -> dict[str, ContactWords] | None:
        if value is None:
            return value
        from cdpdesk.locale import LanguageError, check_language

        out = {}
        for code, words in value.items():
            try:
                out[check_language(code)] = words
            except LanguageError as exc:
                raise ValueError(str(exc)) from None
        return out

    @field_validator("office", mode="before")
    @classmethod
    def _split_lines(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split("|") if part.strip()]
        return value


def var_dir() -> Path:
    """``CDPDESK_VAR`` or ``./var`` (relative to where the command runs)."""
    return Path(os.environ.get("CDPDESK_VAR") or "var")


def default_database_url(var: Path) -> str:
    return f"sqlite:///{(var / 'cdpdesk.db').as_posix()}"


def normalize_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Settings(BaseSettings):
    """The desk's settings. One line per setting; the environment name is ``CDPDESK_`` and
    the field's name in capitals, the file key is the field's name."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="_",
        env_nested_max_split=1,  # CDPDESK_APPEALS_EMPLOYEE_ID is appeals.employee_id
        env_ignore_empty=True,
        extra="forbid",
        validate_default=True,
    )

    #: default: SQLite in var/ (sqlite:///var/cdpdesk.db); postgresql:// uses psycopg 3
    database_url: str = ""
    #: who records events and issues letters, unless a command says --by
    user: str = Field(default_factory=login_name)
    appeals: AppealsSettings = AppealsSettings()

    _var: Path = PrivateAttr(default_factory=var_dir)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value:
            return value
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except ArgumentError:
            raise ValueError("not a database URL (sqlite:///PATH or postgresql://USER@HOST/DB)") from None
        return normalize_url(value)

    def model_post_init(self, context: Any, /) -> None:
        if not self.database_url:
            self.database_url = default_database_url(self.var_dir)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then var/desk.toml."""
        path = var_dir() / TOML_NAME
        try:
            toml = TomlConfigSettingsSource(settings_cls, toml_file=path)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"{path}: cannot read the desk settings ({exc})") from None
        return init_settings, env_settings, toml

    @property
    def var_dir(self) -> Path:
        return self._var

    @property
    def letters_dir(self) -> Path:
        return self.var_dir / "letters"

    @property
    def contact(self) -> Contact:
        given = self.appeals.model_dump()
        values = {key: SAMPLE_CONTACT[key] if given[key] is None else given[key] for key in SAMPLE_CONTACT}
        languages = {
            code: {k: v for k, v in words.items() if v}
            for code, words in (given["languages"] or {}).items()
            if any(words.values())
        }
        return Contact(
            name=values["name"],
            title=values["title"],
            employee_id=values["employee_id"],
            phone=values["phone"],
            fax=values["fax"],
            hours=values["hours"],
            office=tuple(values["office"]),
            sample=any(given[key] is None for key in SAMPLE_CONTACT),
            languages=languages,
        )


def _setting_error(exc: ValidationError) -> SettingsError:
    """The first problem, named as the user wrote it: the variable if it is set, else the
    file's key."""
    err = exc.errors()[0]
    loc = [str(part) for part in err["loc"] if not isinstance(part, int)]
    env = ENV_PREFIX + "_".join(loc).upper()
    reason = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        reason = "no such setting"
    if os.environ.get(env):
        return SettingsError(f"{env}: {reason}")
    return SettingsError(f"{var_dir() / TOML_NAME}: {'.'.join(loc)}: {reason}")


def load_settings(database_url: str | None = None) -> Settings:
    """The settings now (the environment is read on every call); ``database_url`` overrides."""
    given: dict[str, Any] = {"database_url": database_url} if database_url else {}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise _setting_error(exc) from None
