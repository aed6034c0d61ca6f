"""The CLI's one way to say a count (cli/common.py ``count``): the word for one or for many,
and a thousands separator from 1,000 on, in every command's lines."""

from __future__ import annotations

import re

from tests.conftest import ROOT

from cdpdesk.cli.common import count


def test_a_count_has_the_word_for_one_or_many_and_a_thousands_separator() -> None:
    assert [count(n, "case") for n in (0, 1, 2, 999, 1000, 2_500_000)] == [
        "0 cases",
        "1 case",
        "2 cases",
        "999 cases",
        "1,000 cases",
        "2,500,000 cases",
    ]
    assert (count(1, "process", "processes"), count(1234, "process", "processes")) == (
        "1 process",
        "1,234 processes",
    )


def test_no_command_words_a_plural_of_its_own() -> None:
    """No "(s)" and no inline "'s' if n != 1" left in the commands: they all say it with ``count``."""
    own = re.compile(r"""\w\(s\)|\{'e?s' if |\{"e?s" if """)
    found = [
        f"{path.name}:{n}"
        for path in sorted((ROOT / "src" / "cdpdesk" / "cli").glob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if own.search(line)
    ]
    assert found == []
