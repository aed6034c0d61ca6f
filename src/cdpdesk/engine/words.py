"""The words port: how the engine's plain-language sentences reach a language.

The engine writes each taxpayer sentence as one message id (English, with ``{named}``
values) and hands it, with its values, to a ``Words`` object the caller passes in. The
catalogs, the date and money formats and any file reading live outside the engine
(``cdpdesk.i18n``); the engine only calls these methods, so it stays pure and no rule
changes when a language is added. ``ENGLISH`` is the default: the message ids themselves.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from cdpdesk.engine.authority import plain_date


class Words(Protocol):
    """What the explainer needs from a language."""

    @property
    def lang(self) -> str: ...

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...

    def date(self, value: str | date) -> str: ...

    def money(self, amount: str) -> str: ...

    def join(self, items: list[str]) -> str: ...


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined (a table); it is translated
    where it is shown."""
    return message


def english_money(amount: str) -> str:
    """``"12900.00"`` -> ``$12,900.00``: amounts as people write them."""
    value = Decimal(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


class _English:
    """The message ids as they are: English, with the project's date and money forms."""

    lang = "en"

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural

    def date(self, value: str | date) -> str:
        return plain_date(value)

    def money(self, amount: str) -> str:
        return english_money(amount)

    def join(self, items: list[str]) -> str:
        items = list(dict.fromkeys(items))
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + " and " + items[-1]


ENGLISH: Words = _English()
