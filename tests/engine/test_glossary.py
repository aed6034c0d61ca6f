"""The letter lookup finds letters however a person types them."""

from __future__ import annotations

import pytest

from cdpdesk.engine.glossary import LETTERS, find_letter
from cdpdesk.engine.roadmap import STAGE_BY_ID


@pytest.mark.parametrize(
    ("typed", "code", "stage"),
    [
        ("4383", "4383", "withdrawn"),
        ("Letter 4383", "4383", "withdrawn"),
        ("L4383", "4383", "withdrawn"),
        ("lt11", "LT11", "levy_notice"),
        (" LT 11 ", "LT11", "levy_notice"),
        ("3172", "3172", "lien_filed"),
        ("cp504", "CP504", "balance_due"),
        ("Form 12256", "12256", "withdrawn"),
        ("3193", "3193", "determination"),
    ],
)
def test_find_letter(typed: str, code: str, stage: str) -> None:
    letter = find_letter(typed)
    assert letter is not None and letter.code == code and letter.stage == stage


def test_unknown_letter() -> None:
    assert find_letter("9999") is None


def test_every_letter_sits_on_a_known_stage() -> None:
    assert all(letter.stage in STAGE_BY_ID for letter in LETTERS)
