"""The gettext catalogs, one folder per language (``<code>/LC_MESSAGES/messages.po``),
and the list of languages they make: adding a folder adds a language (docs/translating.md).

A leaf: the contract checks ``taxpayer.language`` against this list without importing the
translation machinery (cdpdesk.i18n)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"
DEFAULT = "en"


class LanguageError(ValueError):
    """A language the desk has no catalog for."""


@cache
def languages() -> tuple[str, ...]:
    """English (the message ids) and every language with a catalog folder, sorted."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (DEFAULT, *[x for x in found if x != DEFAULT])


def check_language(value: str) -> str:
    """``"es"``, ``"ES"``, ``"es-US"`` -> ``"es"``; a clear error for any other."""
    code = value.strip().replace("_", "-").split("-")[0].lower()
    if code not in languages():
        raise LanguageError(f"unknown language {value!r}; expected one of: {', '.join(languages())}")
    return code
