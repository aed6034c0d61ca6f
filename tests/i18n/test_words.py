"""The translator (dates, amounts, lists, Accept-Language) and the explainer read through
the Words port: every taxpayer sentence passes through gettext, so none stays English."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from cdpdesk import i18n
from cdpdesk.contract import CaseError, load_case
from cdpdesk.engine import analyze
from cdpdesk.engine.explain import explain, explain_text
from cdpdesk.engine.words import ENGLISH
from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def test_spanish_dates_amounts_and_lists() -> None:
    es = i18n.translator("es")
    assert es.date("2026-12-02") == "2 de diciembre de 2026"
    assert es.date(dt.date(2024, 6, 1)) == "1 de junio de 2024"
    assert es.money("12900.50") == "$12,900.50"
    assert es.money("-5") == "-$5.00"
    assert es.join(["a", "b", "c"]) == "a, b y c"
    assert es.join(["a"]) == "a"
    en = i18n.translator()
    assert en.date("2026-12-02") == "December 2, 2026"
    assert en.money("12900.5") == "$12,900.50"
    assert en.join(["a", "b", "c"]) == "a, b and c"


@pytest.mark.parametrize(
    ("header", "want"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("fr-FR, es;q=0.5", "es"),
        ("es;q=0, en", "en"),
        ("fr, de", "en"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        ("es;q=abc, en;q=0.1", "en"),
        ("ES", "es"),
    ],
)
def test_accept_language(header: str | None, want: str) -> None:
    assert i18n.negotiate(header) == want


def test_an_unknown_language_is_refused_by_name() -> None:
    with pytest.raises(i18n.LanguageError, match=r"unknown language 'fr'; expected one of: en, es"):
        i18n.translator("fr")
    assert i18n.check_language("es-US") == "es"


def test_a_missing_or_stale_mo_is_compiled_from_the_po(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po", folder / "messages.po")
    tr = i18n._compiled(folder / "messages.po")  # no .mo at all: a fresh clone before `make`
    assert tr.gettext("Where you are now") == "Dónde está usted ahora"
    (folder / "messages.mo").write_bytes(b"not a catalog")  # older than the .po: ignored
    past = (folder / "messages.po").stat().st_mtime - 60
    import os

    os.utime(folder / "messages.mo", (past, past))
    assert i18n._compiled(folder / "messages.po").gettext("Sign in") == "Iniciar sesión"


class Marked:
    """A language that marks every message it translates, to see what skipped gettext."""

    lang = "xx"

    def gettext(self, message: str) -> str:
        return "«" + message + "»"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)

    def date(self, value: str | dt.date) -> str:
        return "D"

    def money(self, amount: str) -> str:
        return "M"

    def join(self, items: list[str]) -> str:
        return ENGLISH.join(items)


def _case(path: Path) -> tuple[Any, dict[str, Any]]:
    case = load_case(path.read_bytes())
    return case, analyze(case, case.as_of or dt.date(2026, 12, 2))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_sentence_of_the_explainer_goes_through_gettext(path: Path) -> None:
    case, analysis = _case(path)
    ex = explain(case, analysis, Marked())
    texts = [*ex["means"], *(s["text"] for s in ex["how"]), *(s["text"] for s in ex["next_steps"])]
    texts += [ex["stage"]["title"]]
    texts += [s["title"] for s in ex["where"]["stages"]] + [s["about"] for s in ex["where"]["stages"]]
    texts += [h[k] for h in ex["help"] for k in ("name", "text", "contact")]
    assert texts
    for t in texts:
        assert t.startswith("«"), t
    # no English month or date form got in: every date came from Words.date
    assert not any(m in " ".join(texts) for m in ("January", "June", "December", ", 20"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_spanish_explanation_names_the_dates_in_spanish(path: Path) -> None:
    case, analysis = _case(path)
    text = explain_text(case, analysis, i18n.translator("es"))
    assert "Lo que esto significa para usted" in text and "Sus próximos pasos" in text
    for a in analysis["assessments"]:
        assert i18n.translator("es").date(a["csed"]) in text
    for english in ("What this means", "The IRS", "Appeals received", "Form 1040", " and "):
        assert english not in text
    # the analysis itself (the staff's contract) is untouched: its stage title stays English
    assert analysis["stage"]["title"] == explain(case, analysis)["stage"]["title"]


def test_taxpayer_language_in_the_case_file() -> None:
    raw = (ROOT / "examples" / "withdrawal-cdp.json").read_text()
    case = load_case(raw.replace('"name": "Avery Quinn",', '"name": "Avery Quinn", "language": "es",'))
    assert case.taxpayer is not None and case.taxpayer.language == "es"
    with pytest.raises(CaseError) as err:
        load_case(raw.replace('"name": "Avery Quinn",', '"name": "Avery Quinn", "language": "klingon",'))
    line = err.value.one_line()
    assert (
        line.startswith("taxpayer.language: ")
        and "unknown language 'klingon'; expected one of: en, es" in line
    )


@pytest.mark.parametrize(
    ("typed", "code", "spanish"),
    [
        ("4383 (SP)", "4383", True),
        ("Letter 4383 (SP)", "4383", True),
        ("4383SP", "4383", True),
        ("4383-sp", "4383", True),
        ("carta 4383", "4383", False),
        ("formulario 12153", "12153", False),
        ("aviso CP14 (SP)", "CP14", True),
        ("LT11", "LT11", False),
    ],
)
def test_the_lookup_reads_spanish_editions(typed: str, code: str, spanish: bool) -> None:
    from cdpdesk.engine.glossary import find_letter, spanish_edition

    found = find_letter(typed)
    assert found is not None and found.code == code
    assert spanish_edition(typed) is spanish
    assert find_letter("SP") is None and find_letter("(SP)") is None
