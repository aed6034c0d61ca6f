"""`cdpdesk explain --lang es` on every case the project has (examples/, the worked examples,
the hand-checked cases of the engine and the desk, and the demo desk's cases): every sentence
a taxpayer reads comes from the Spanish catalog, and no English word is left.

Two checks, so neither hides the other: the Words port reports every message id it is asked
for that the catalog lacks, and the text is searched for everyday English words (a sentence
built without the port at all has no id to miss). The engine's warnings are for staff and
stay English: in Spanish they are printed after "Nota para el personal (en inglés):"."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cdpdesk import i18n
from cdpdesk.contract import load_case
from cdpdesk.desk.demo import demo_cases
from cdpdesk.engine import analyze
from cdpdesk.engine.explain import explain, explain_text
from tests.conftest import ROOT, load_worked, worked_files
from tests.web.english import english_words

STAFF_NOTE = "Nota para el personal (en inglés):"
TODAY = dt.date(2026, 12, 2)


def _files() -> list[Path]:
    files = sorted((ROOT / "examples").glob("*.json")) + worked_files()
    files += sorted((ROOT / "tests" / "desk" / "cases").glob("*.json"))
    return files


def _doc(path: Path) -> dict[str, Any]:
    data = load_worked(path)
    case: dict[str, Any] = data.get("case", data)
    return case


CASES: list[Any] = [pytest.param(_doc(p), id=f"{p.parent.name}/{p.stem}") for p in _files()]
CASES += [pytest.param(doc, id=f"demo/{key}") for key, doc in demo_cases(TODAY).items()]


class Checked:
    """The Spanish translator, noting every message id the catalog has no entry for."""

    def __init__(self) -> None:
        self.es = i18n.translator("es")
        self.missing: set[str] = set()
        self.lang = "es"

    def _has(self, message: str) -> None:
        # a value with no words (TAS's address and phone, passed like the help's texts) has
        # nothing to translate
        if message not in self.es.catalog._catalog and re.search(r"[a-z]{2,} [a-z]{2,}", message):  # type: ignore[attr-defined]
            self.missing.add(message)

    def gettext(self, message: str) -> str:
        self._has(message)
        return self.es.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if (singular, 0) not in self.es.catalog._catalog:  # type: ignore[attr-defined]
            self.missing.add(singular)
        return self.es.ngettext(singular, plural, n)

    def date(self, value: str | dt.date) -> str:
        return self.es.date(value)

    def money(self, amount: str) -> str:
        return self.es.money(amount)

    def join(self, items: list[str]) -> str:
        return self.es.join(items)


def taxpayer_lines(text: str) -> list[str]:
    """The lines a taxpayer reads, without the staff's English notes."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith(STAFF_NOTE)]


@pytest.mark.parametrize("doc", CASES)
def test_the_spanish_explanation_has_no_english_left(doc: dict[str, Any]) -> None:
    case = load_case(json.dumps(doc))
    analysis = analyze(case, case.as_of or TODAY)
    words = Checked()
    text = explain_text(case, analysis, words)
    ex = explain(case, analysis, words)
    assert words.missing == set(), f"not in the Spanish catalog: {sorted(words.missing)}"
    lines = taxpayer_lines(text) + [str(t) for t in ex["irs_csed"]]
    left = {line.strip(): english_words(line) for line in lines if english_words(line)}
    assert left == {}, left
    # the staff's notes are there, marked, when the engine warned
    notes = [line for line in text.splitlines() if line.startswith(STAFF_NOTE)]
    assert len(notes) == len(analysis["warnings"])


def test_the_checks_find_a_missing_message_and_an_english_sentence() -> None:
    """Both checks can fail: a message the catalog lacks is reported, and an English
    sentence is found."""
    words = Checked()
    words.gettext("Where you are: {stage}")
    words.gettext("A sentence no catalog has")
    words.ngettext("{n} day", "{n} days", 2)
    words.ngettext("{n} week", "{n} weeks", 2)
    assert words.missing == {"A sentence no catalog has", "{n} week"}
    assert english_words("24 de mayo de 2024: The IRS gave disaster relief.") == ["The"]
    assert taxpayer_lines(f"Hola\n{STAFF_NOTE} the note\n") == ["Hola"]


def test_every_kind_of_case_is_covered() -> None:
    """The parameters above reach the issue 15 cases (relief, combat zone, the IRS check)."""
    ids = " ".join(str(p.id) for p in CASES)
    for part in ("disaster-relief", "combat-zone", "irs-csed", "form-12257", "bankruptcy-stay", "tolling"):
        assert part in ids
    assert len(CASES) > 120
