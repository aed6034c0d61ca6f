"""Languages for taxpayers: the gettext catalogs (Babel) and the date and money formats.

One folder per language under ``cdpdesk/locale/<lang>/LC_MESSAGES/messages.po``; the list of
languages is read from that folder, so adding one needs no code (docs/translating.md).
``make`` and the package build compile each ``.po`` to ``.mo``; a ``.mo`` that is missing
or older than its ``.po`` (a fresh clone before ``make``, an edited catalog) is compiled in
memory from the ``.po`` instead, so the words shown are always the committed ones.

A ``Translator`` is the engine's ``Words`` port (cdpdesk.engine.words) and also what the
templates call for ``{% trans %}`` and the ``long_date``/``money`` filters.
"""

from __future__ import annotations

import gettext as _gettext
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_currency
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from cdpdesk.engine.words import ENGLISH
from cdpdesk.locale import DEFAULT, DOMAIN, LOCALE_DIR, LanguageError, check_language, languages

__all__ = [
    "DEFAULT",
    "LOCALE_DIR",
    "LanguageError",
    "Translator",
    "check_language",
    "languages",
    "translator",
]

#: The Babel locale each language formats dates and amounts with: United States Spanish,
#: so amounts read "$12,900.50" as on the IRS's Spanish pages, and dates "2 de diciembre
#: de 2026" (docs/decisions.md, Issue 16).
FORMAT_LOCALE = {"es": "es_US"}
#: The cookie that remembers the language a person chose on the switch.
COOKIE = "cdpdesk_lang"


def language_name(code: str) -> str:
    """How a language names itself on the switch (from Babel's data: "Español")."""
    name: str = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def _compiled(po: Path) -> Translations:
    """The catalog, from its ``.mo`` if that is current, else compiled in memory."""
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fh:
            return Translations(fh, domain=DOMAIN)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=po.parent.parent.name, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


@dataclass(frozen=True, slots=True)
class Translator:
    """One language: its messages, dates, amounts and lists."""

    lang: str
    catalog: _gettext.NullTranslations
    locale: Locale

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)

    def date(self, value: str | date) -> str:
        if self.lang == DEFAULT:
            return ENGLISH.date(value)
        d = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(d, format="long", locale=self.locale)

    def money(self, amount: str) -> str:
        if self.lang == DEFAULT:
            return ENGLISH.money(amount)
        return format_currency(Decimal(amount), "USD", locale=self.locale)

    def join(self, items: list[str]) -> str:
        if self.lang == DEFAULT:
            return ENGLISH.join(items)
        items = list(dict.fromkeys(items))
        return format_list(items, locale=self.locale) if items else ""


@cache
def translator(lang: str = DEFAULT) -> Translator:
    """The translator for ``lang`` (checked; raises LanguageError), cached per process."""
    code = check_language(lang)
    locale = Locale.parse(FORMAT_LOCALE.get(code, code))
    if code == DEFAULT:
        return Translator(code, _gettext.NullTranslations(), locale)
    return Translator(code, _compiled(LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"), locale)


def negotiate(accept_language: str | None) -> str:
    """The best language the desk has for an ``Accept-Language`` header (RFC 9110 12.5.4:
    q-values, ``*``); English when none matches."""
    if not accept_language:
        return DEFAULT
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language.split(",")[:30]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, val = p.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag.strip()))
    have = languages()
    for _q, _i, tag in sorted(ranked):
        code = tag.split("-")[0].lower()
        if code in have:
            return code
        if code == "*":
            return DEFAULT
    return DEFAULT


def jinja_callables(tr: Translator) -> dict[str, Any]:
    """``gettext``, ``_`` and ``ngettext`` for a template's context, as Jinja's i18n
    extension calls them in newstyle mode (values by name, escaped when autoescaping).
    Passed per render, so one environment serves every language at once."""

    @pass_context
    def gettext(__context: Context, __string: str, **variables: Any) -> str:
        rv = tr.gettext(__string)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables if variables else rv

    @pass_context
    def ngettext(__context: Context, __singular: str, __plural: str, __num: int, **variables: Any) -> str:
        variables.setdefault("num", __num)
        rv = tr.ngettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}
