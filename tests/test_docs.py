"""The repo explains itself: every relative link in README.md and docs/*.md reaches a file
of this repo (and the heading it names), and nothing points outside it (a clone has no
``../shared``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^```.*?^```", re.M | re.S)
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def links(text: str) -> list[str]:
    return _LINK.findall(_FENCE.sub("", text))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"`([^`]*)`", r"\1", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(h) for h in _HEADING.findall(_FENCE.sub("", path.read_text()))}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repo(doc: Path) -> None:
    text = doc.read_text()
    assert "../shared" not in text and "shared/spec" not in text, f"{doc.name} points outside the repo"
    for target in links(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        dest = (doc.parent / path_part).resolve() if path_part else doc
        assert dest.is_relative_to(ROOT), f"{doc.name}: {target} leaves the repo"
        assert dest.exists(), f"{doc.name}: {target} does not exist"
        if anchor and dest.suffix == ".md":
            assert anchor in anchors(dest), f"{doc.name}: {target}: no such heading"


def test_the_link_checker_sees_links_and_headings() -> None:
    text = "See [law](docs/law.md#2-counting-days) and ![pic](images/a.png).\n```\n[no](x.md)\n```\n"
    assert links(text) == ["docs/law.md#2-counting-days", "images/a.png"]
    assert slug("3.1 Levy notice (IRC 6330)") == "31-levy-notice-irc-6330"
    assert slug("The `stage`") == "the-stage"
    assert "6-open-points-and-the-defaults-chosen" in anchors(ROOT / "docs" / "law.md")
    assert "hearings" in anchors(ROOT / "docs" / "contract.md")


def test_the_readme_and_docs_link_the_contract_and_the_law() -> None:
    readme = links((ROOT / "README.md").read_text())
    assert {"docs/contract.md", "docs/law.md", "docs/rules.md"} <= set(readme)
    assert "rules.md" in links((ROOT / "docs" / "law.md").read_text())


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_no_merge_conflict_marker_is_left(doc: Path) -> None:
    """A merge that kept both sides must not leave git's markers in the docs."""
    marked = [
        n
        for n, line in enumerate(doc.read_text().split("\n"), 1)
        if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "======="
    ]
    assert marked == [], f"{doc.name}: conflict markers on lines {marked}"
