"""Every taxpayer message has its translation: the messages are extracted from the source
now (babel.cfg, as `make messages` does), so a message added to the code, or removed from
a catalog, fails here until a translator fills it in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from cdpdesk import i18n
from cdpdesk.locale import LOCALE_DIR
from tests.conftest import ROOT

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_0-9]+\)s")


def extracted() -> dict[str | tuple[str, str], set[str]]:
    """Every message id in the source, with the files it comes from."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    out: dict[str | tuple[str, str], set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map):
        key = message if isinstance(message, str) else (message[0], message[1])
        out.setdefault(key, set()).add(filename)
    return out


def catalog(lang: str, folder: Path = LOCALE_DIR) -> Catalog:
    with (folder / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def problems(messages: dict[str | tuple[str, str], set[str]], cat: Catalog) -> list[str]:
    """What is wrong with a catalog for these messages: missing, empty, fuzzy, or with
    other placeholders than the message id's."""
    out = []
    for key, files in messages.items():
        msgid = key if isinstance(key, str) else key[0]
        entry = cat.get(msgid)
        where = ", ".join(sorted(files))
        if entry is None:
            out.append(f"missing: {msgid!r} ({where})")
            continue
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        if not all(strings) or entry.fuzzy:
            out.append(f"untranslated: {msgid!r} ({where})")
            continue
        ids = [key] if isinstance(key, str) else list(key)
        want = set().union(*(_PLACEHOLDER.findall(i) for i in ids))
        for s in strings:
            if set(_PLACEHOLDER.findall(s)) != want:
                out.append(f"placeholders differ: {msgid!r} -> {s!r}")
    return out


@pytest.fixture(scope="module")
def messages() -> dict[str | tuple[str, str], set[str]]:
    return extracted()


def test_the_source_has_the_taxpayer_messages(messages: dict[str | tuple[str, str], set[str]]) -> None:
    files = {Path(f).as_posix() for fs in messages.values() for f in fs}
    for part in (
        "src/cdpdesk/engine/explain.py",
        "src/cdpdesk/engine/glossary.py",
        "src/cdpdesk/engine/roadmap.py",
        "src/cdpdesk/web/templates/understand.html",
        "src/cdpdesk/web/templates/lookup.html",
        "src/cdpdesk/letters/templates/letter4383.html.j2",
    ):
        assert part in files
    assert len(messages) > 300


@pytest.mark.parametrize("lang", [x for x in i18n.languages() if x != i18n.DEFAULT])
def test_every_message_has_a_translation(lang: str, messages: dict[str | tuple[str, str], set[str]]) -> None:
    found = problems(messages, catalog(lang))
    assert not found, f"{lang}: {len(found)} message(s) to translate:\n" + "\n".join(found[:40])


def test_a_message_removed_from_the_catalog_is_reported(
    messages: dict[str | tuple[str, str], set[str]],
) -> None:
    cat = catalog("es")
    del cat["Where you are now"]
    cat["Sign in"].string = ""
    cat["Dear %(name)s:"].string = "Estimado(a):"
    found = problems(messages, cat)
    assert any(p.startswith("missing: 'Where you are now'") for p in found)
    assert any(p.startswith("untranslated: 'Sign in'") for p in found)
    assert any(p.startswith("placeholders differ: 'Dear %(name)s:'") for p in found)
    assert len(found) == 3


def test_the_committed_template_is_current(messages: dict[str | tuple[str, str], set[str]]) -> None:
    """messages.pot (what a translator starts a new language from) lists every message."""
    with (LOCALE_DIR / "messages.pot").open("rb") as fh:
        pot = read_po(fh)
    ids = {m.id if isinstance(m.id, str) else (m.id[0], m.id[1]) for m in pot if m.id}
    assert ids == set(messages), "run `make messages`"


def test_make_alone_compiles_every_catalog() -> None:
    """Issue 16: the compiled catalogs are built by `make` (never committed): a dry run of
    the default goal with every .po taken as new compiles each one to its .mo."""
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.fail("make is needed (scripts/system-deps test)")
    pos = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
    assert pos
    what_if = [arg for po in pos for arg in ("-W", str(po.relative_to(ROOT)))]
    dry = subprocess.run(
        ["make", "-n", "--no-print-directory", *what_if], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for po in pos:
        mo = po.with_suffix(".mo").relative_to(ROOT)
        assert f"pybabel compile -D messages -i {po.relative_to(ROOT)} -o {mo}" in dry, dry
